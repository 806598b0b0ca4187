// SPDX-License-Identifier: GPL-2.0
/*
 * The "net" driver: lwIP (NO_SYS) on netfront.  Its init only starts lwIP
 * and the netd thread, so that boot is not held up by the vif handshake;
 * netd connects netfront, configures the address from xenstore, then
 * feeds received frames to lwIP and runs its timers.  lwIP is only ever
 * entered from threads (netd and socket calls), never from event
 * handlers, and threads switch only where they block: no locking needed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcos/mm.h>
#include <fcos/net.h>
#include <fcos/netfront.h>
#include <fcos/sched.h>
#include <fcos/setup.h>
#include <fcos/time.h>
#include <fcos/xenbus.h>
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "net-internal.h"
#include "netcfg.h"

/* The vif's backend may take long to appear under emulation. */
#define CONNECT_TIMEOUT_NS (60 * FCOS_NSEC_PER_SEC)
/* after a move, gratuitous ARPs at 0, 50, 250, 700 and 1500 ms */
#define ANNOUNCES	 5
#define ANNOUNCE_STEP_MS 50

struct fcos_waitq fcos_net_wq = FCOS_WAITQ_INIT;
static struct fcos_waitq netd_wq = FCOS_WAITQ_INIT;
static int netd_kicked;
static struct netif nif;
static struct fcos_net_info info;
static int net_state;	  /* 0 coming up, 1 up, -1 failed */
static int net_reconnect; /* a new domain: another vif and address */

void fcos_net_kick(void)
{
	netd_kicked = 1;
	fcos_waitq_wake_all(&netd_wq);
}

static err_t linkoutput(struct netif *n, struct pbuf *p)
{
	void *buf;
	int slot;

	(void)n;
	if (p->tot_len > FCOS_NETFRONT_MTU_FRAME)
		return ERR_IF;
	buf = fcos_netfront_tx_get(&slot);
	if (!buf)
		return ERR_MEM; /* all buffers in flight: TCP retransmits */
	pbuf_copy_partial(p, buf, p->tot_len, 0);
	return fcos_netfront_tx_send(slot, p->tot_len) ? ERR_IF : ERR_OK;
}

static err_t nif_init(struct netif *n)
{
	n->name[0] = 'x';
	n->name[1] = 'n';
	n->mtu = 1500;
	n->hwaddr_len = 6;
	memcpy(n->hwaddr, fcos_netfront_mac(), 6);
	n->flags =
		NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	n->output = etharp_output;
	n->linkoutput = linkoutput;
	return ERR_OK;
}

/* One frame from netfront: copied into lwIP's own buffers at once. */
static void rx_frame(const void *frame, size_t len, void *arg)
{
	struct netif *n = arg;
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);

	if (!p)
		return;
	if (pbuf_take(p, frame, (u16_t)len) != ERR_OK ||
	    n->input(p, n) != ERR_OK)
		pbuf_free(p);
}

/*
 * The address: data/fc-net ("ADDR/PREFIX GATEWAY", written by the OS
 * server) wins over the vif's "ip" node in the backend directory (what
 * xl's vif = ['ip=...'] writes).
 */
static int read_config(struct fcos_net_cfg *cfg)
{
	char path[96], *v = NULL;
	int rc;

	if (!fcos_xs_read(FCOS_XS_NO_TRANSACTION, "data/fc-net", &v)) {
		rc = fcos_net_parse_cfg(v, 1, cfg);
		if (rc)
			printf("net: bad data/fc-net \"%s\"\n", v);
		free(v);
		if (!rc)
			return 0;
	}
	snprintf(path, sizeof(path), "%s/ip", fcos_netfront_backend());
	if (fcos_xs_read(FCOS_XS_NO_TRANSACTION, path, &v))
		return -ENOENT;
	rc = fcos_net_parse_cfg(v, 0, cfg);
	if (rc)
		printf("net: bad %s \"%s\"\n", path, v);
	free(v);
	return rc ? -EINVAL : 0;
}

static void ip4(ip4_addr_t *a, const uint8_t b[4])
{
	IP4_ADDR(a, b[0], b[1], b[2], b[3]);
}

/*
 * One more gratuitous ARP, and the next one later (netd's lwIP timers).
 * The first goes as soon as the new vif is connected, possibly before
 * Dom0's bridge forwards from it; until a frame of ours reaches the
 * bridge of the instance we left, that bridge sends frames for our MAC
 * to where we were.
 */
static void announce(void *arg)
{
	uintptr_t n = (uintptr_t)arg;

	etharp_gratuitous(&nif);
	if (++n < ANNOUNCES)
		sys_timeout(ANNOUNCE_STEP_MS * n * n, announce, (void *)n);
}

/*
 * Connect the vif and configure the address: at boot (@again = 0) the
 * netif is added; in a new domain after a restore (a fork's child, a
 * migrated app VM) the same netif takes the vif's MAC and the address the
 * OS server gave this domain.  Listening sockets stay; connections bound
 * to an address that changed are aborted by lwIP.
 */
static int bring_up(int again)
{
	struct fcos_net_cfg cfg;
	struct fcos_mm_stats mst;
	ip4_addr_t addr, mask, gw;
	const uint8_t *m;
	int rc;

	rc = fcos_netfront_init(&netd_wq, CONNECT_TIMEOUT_NS);
	if (rc) {
		printf("net: %s\n", rc == -ENODEV ? "no vif" : "vif failed");
		return rc;
	}
	if (read_config(&cfg)) {
		printf("net: no address for this app VM (see docs/net.md)\n");
		return -ENOENT;
	}
	ip4(&addr, cfg.addr);
	ip4(&mask, cfg.mask);
	ip4(&gw, cfg.gw);
	if (again) {
		memcpy(nif.hwaddr, fcos_netfront_mac(), 6);
		netif_set_addr(&nif, &addr, &mask, &gw);
		netif_set_link_up(&nif); /* gratuitous ARP: we are here now */
		sys_timeout(ANNOUNCE_STEP_MS, announce, (void *)(uintptr_t)1);
	} else {
		if (!netif_add(&nif, &addr, &mask, &gw, &nif, nif_init,
			       ethernet_input))
			return -ENOMEM;
		netif_set_default(&nif);
		netif_set_link_up(&nif);
		netif_set_up(&nif); /* also announces us by gratuitous ARP */
	}
	m = fcos_netfront_mac();
	memcpy(info.mac, m, 6);
	memcpy(info.addr, cfg.addr, 4);
	memcpy(info.mask, cfg.mask, 4);
	memcpy(info.gw, cfg.gw, 4);
	info.up = 1;
	printf("FC-NET-UP %u.%u.%u.%u/%d gw %u.%u.%u.%u "
	       "mac %02x:%02x:%02x:%02x:%02x:%02x\n",
	       cfg.addr[0], cfg.addr[1], cfg.addr[2], cfg.addr[3], cfg.prefix,
	       cfg.gw[0], cfg.gw[1], cfg.gw[2], cfg.gw[3], m[0], m[1], m[2],
	       m[3], m[4], m[5]);
	fcos_mm_stats(&mst);
	printf("net: %lu of %lu pages free with the stack up\n", mst.free_pages,
	       mst.nr_pages);
	if (again)
		fcos_net_relisten();
	return 0;
}

static void netd(void *arg)
{
	(void)arg;
	net_state = bring_up(0) ? -1 : 1;
	fcos_waitq_wake_all(&fcos_net_wq);
	for (;;) {
		uint32_t ms;
		uint64_t dl;

		if (net_reconnect) {
			net_reconnect = 0;
			net_state = bring_up(1) ? -1 : 1;
			fcos_waitq_wake_all(&fcos_net_wq);
		}
		if (net_state == 1)
			fcos_netfront_poll(rx_frame, &nif);
		sys_check_timeouts();
		ms = sys_timeouts_sleeptime();
		dl = ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE
			     ? FCOS_TIME_NEVER
			     : fcos_monotonic_ns() + ms * FCOS_NSEC_PER_MSEC;
		netd_kicked = 0;
		fcos_wait_event_deadline(&netd_wq,
					 netd_kicked || net_reconnect ||
						 fcos_netfront_pending(),
					 dl);
	}
}

int fcos_net_wait_up(uint64_t timeout_ns)
{
	uint64_t dl = timeout_ns == FCOS_TIME_NEVER
			      ? FCOS_TIME_NEVER
			      : fcos_monotonic_ns() + timeout_ns;
	int rc = fcos_wait_event_deadline(&fcos_net_wq, net_state != 0, dl);

	if (rc)
		return -ETIMEDOUT;
	return net_state == 1 ? 0 : -ENODEV;
}

void fcos_net_get_info(struct fcos_net_info *i)
{
	*i = info;
}

static int net_init(void)
{
	lwip_init();
	if (!fcos_thread_create("netd", netd, NULL))
		return -ENOMEM;
	return 0;
}

static void net_fini(void)
{
	fcos_netfront_fini();
}

/* A cancelled suspend goes on with the same vif: nothing to stop. */
static int net_suspend(void)
{
	return 0;
}

/* A new domain: netd connects the new vif (resume must not block). */
static int net_resume(int new_domain)
{
	if (!new_domain || net_state != 1)
		return 0;
	netif_set_link_down(&nif);
	fcos_netfront_forget();
	net_state = 0;
	info.up = 0;
	net_reconnect = 1;
	fcos_waitq_wake_all(&netd_wq);
	return 0;
}

static const struct fcos_driver net_driver = {
	.name = "net",
	.init = net_init,
	.fini = net_fini,
	.suspend = net_suspend,
	.resume = net_resume,
};
FCOS_DRIVER(net_driver);
