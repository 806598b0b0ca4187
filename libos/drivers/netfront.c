// SPDX-License-Identifier: GPL-2.0
/*
 * Xen network frontend (see fcos/netfront.h and docs/net.md).
 *
 * The ring pages and packet buffers are shared with the backend, which we
 * do not trust: responses are copied out of the ring before use, ids and
 * offsets are bounded, and a producer index running more than a ring
 * ahead marks the device broken instead of being followed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcos/arch.h>
#include <fcos/evtchn.h>
#include <fcos/gnttab.h>
#include <fcos/mm.h>
#include <fcos/netfront.h>
#include <fcos/sched.h>
#include <fcos/time.h>
#include <fcos/xen.h> /* barriers for io/ring.h */
#include <fcos/xenbus.h>
#include <xen/io/netif.h>
#include "../net/netcfg.h"

#define FE_DIR "device/vif/0"
/* Buffers in flight per direction; the rings (256 slots) never fill. */
#define NR_TX	      32
#define NR_RX	      32
#define RX_RING_SLOTS __CONST_RING_SIZE(netif_rx, FCOS_PAGE_SIZE)

static struct {
	int state; /* 0 down, 1 connected, -1 broken */
	char be[64];
	domid_t be_id;
	uint8_t mac[6];
	struct fcos_waitq *wq;
	uint64_t timeout_ns;

	netif_tx_front_ring_t tx;
	netif_rx_front_ring_t rx;
	grant_ref_t tx_ref, rx_ref;
	evtchn_port_t port;

	void *tx_buf[NR_TX];
	grant_ref_t tx_gref[NR_TX];
	uint8_t tx_inflight[NR_TX];
	uint8_t tx_free[NR_TX]; /* stack of free slots */
	int nr_tx_free;

	void *rx_buf[NR_RX];
	grant_ref_t rx_gref[NR_RX];
	/* Which buffer we posted in each RX ring slot: our own record, so
	 * that a response's slot (not its id) tells which page to repost. */
	uint8_t rx_slot_buf[RX_RING_SLOTS];

	struct fcos_netfront_stats st;
} nf = { .port = FCOS_EVTCHN_INVALID };

static void evt_handler(evtchn_port_t port, struct fcos_regs *regs, void *data)
{
	(void)port;
	(void)regs;
	(void)data;
	if (nf.wq)
		fcos_waitq_wake_all(nf.wq);
}

static void post_rx(int buf)
{
	RING_IDX i = nf.rx.req_prod_pvt++;
	netif_rx_request_t *req = RING_GET_REQUEST(&nf.rx, i);

	req->id = (uint16_t)buf;
	req->gref = nf.rx_gref[buf];
	nf.rx_slot_buf[i % RX_RING_SLOTS] = (uint8_t)buf;
}

static void push_rx(void)
{
	int notify;

	/* RING_PUSH_*: wmb orders the request bodies before req_prod, mb
	 * orders req_prod before reading the backend's req_event. */
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&nf.rx, notify);
	if (notify)
		fcos_evtchn_notify(nf.port);
}

static void free_page_granted(void *page, grant_ref_t ref)
{
	/* Still mapped by the backend: leak rather than reuse the page. */
	if (!page)
		return;
	if (ref == (grant_ref_t)-1 || !fcos_gnttab_end_access(ref))
		fcos_free_page(page);
}

static void teardown(void)
{
	if (nf.port != FCOS_EVTCHN_INVALID) {
		fcos_evtchn_close(nf.port);
		nf.port = FCOS_EVTCHN_INVALID;
	}
	free_page_granted(nf.tx.sring, nf.tx_ref);
	free_page_granted(nf.rx.sring, nf.rx_ref);
	nf.tx.sring = NULL;
	nf.rx.sring = NULL;
	for (int i = 0; i < NR_TX; i++) {
		free_page_granted(nf.tx_buf[i], nf.tx_gref[i]);
		nf.tx_buf[i] = NULL;
	}
	for (int i = 0; i < NR_RX; i++) {
		free_page_granted(nf.rx_buf[i], nf.rx_gref[i]);
		nf.rx_buf[i] = NULL;
	}
	nf.state = 0;
}

static int alloc_granted(void **page, grant_ref_t *ref, int readonly)
{
	*ref = (grant_ref_t)-1;
	*page = fcos_alloc_page();
	if (!*page)
		return -ENOMEM;
	memset(*page, 0, FCOS_PAGE_SIZE);
	return fcos_gnttab_grant_page(nf.be_id, *page, readonly, ref);
}

static int read_device(void)
{
	unsigned long long id;
	char *v = NULL;
	int rc;

	rc = fcos_xs_read(FCOS_XS_NO_TRANSACTION, FE_DIR "/backend", &v);
	if (rc == -ENOENT)
		return -ENODEV;
	if (rc)
		return rc;
	if (strlen(v) >= sizeof(nf.be)) {
		free(v);
		return -E2BIG;
	}
	strcpy(nf.be, v);
	free(v);
	rc = fcos_xs_read_ull(FCOS_XS_NO_TRANSACTION, FE_DIR "/backend-id",
			      &id);
	nf.be_id = (!rc && id < DOMID_FIRST_RESERVED) ? (domid_t)id : 0;
	rc = fcos_xs_read(FCOS_XS_NO_TRANSACTION, FE_DIR "/mac", &v);
	if (rc)
		return rc;
	rc = fcos_net_parse_mac(v, nf.mac) ? -EINVAL : 0;
	free(v);
	return rc;
}

static int setup_rings(void)
{
	void *p;
	int rc;

	rc = alloc_granted(&p, &nf.tx_ref, 0);
	nf.tx.sring = p;
	if (rc)
		return rc;
	SHARED_RING_INIT(nf.tx.sring);
	FRONT_RING_INIT(&nf.tx, nf.tx.sring, FCOS_PAGE_SIZE);

	rc = alloc_granted(&p, &nf.rx_ref, 0);
	nf.rx.sring = p;
	if (rc)
		return rc;
	SHARED_RING_INIT(nf.rx.sring);
	FRONT_RING_INIT(&nf.rx, nf.rx.sring, FCOS_PAGE_SIZE);

	nf.nr_tx_free = 0;
	for (int i = 0; i < NR_TX; i++) {
		/* The backend only reads what we send. */
		rc = alloc_granted(&nf.tx_buf[i], &nf.tx_gref[i], 1);
		if (rc)
			return rc;
		nf.tx_inflight[i] = 0;
		nf.tx_free[nf.nr_tx_free++] = (uint8_t)i;
	}
	for (int i = 0; i < NR_RX; i++) {
		rc = alloc_granted(&nf.rx_buf[i], &nf.rx_gref[i], 0);
		if (rc)
			return rc;
		post_rx(i);
	}
	/* Requests are in place before the backend learns of the rings. */
	nf.rx.sring->req_prod = nf.rx.req_prod_pvt;
	return fcos_evtchn_alloc_unbound(nf.be_id, evt_handler, NULL, &nf.port);
}

static int publish(void)
{
	fcos_xs_transaction_t t;
	int rc;

	do {
		rc = fcos_xs_transaction_start(&t);
		if (rc)
			return rc;
		rc = fcos_xs_printf(t, FE_DIR "/tx-ring-ref", "%u", nf.tx_ref)
			     ?: fcos_xs_printf(t, FE_DIR "/rx-ring-ref", "%u",
					       nf.rx_ref)
			     ?: fcos_xs_printf(t, FE_DIR "/event-channel", "%u",
					       nf.port)
			     ?: fcos_xs_write(t, FE_DIR "/request-rx-copy", "1")
			     ?: fcos_xs_write(t, FE_DIR "/feature-rx-notify",
					      "1")
			     /* Checksums are computed by whoever sends to us
			      * (we verify them in lwIP; no csum_blank). */
			     ?: fcos_xs_write(t,
					      FE_DIR "/feature-no-csum-offload",
					      "1")
			     ?: fcos_xenbus_switch_state(
					t, FE_DIR, XenbusStateInitialised);
		if (rc) {
			fcos_xs_transaction_end(t, 1);
			return rc;
		}
		rc = fcos_xs_transaction_end(t, 0);
	} while (rc == -EAGAIN);
	return rc;
}

static int wait_backend_connected(uint64_t timeout_ns)
{
	uint64_t dl = fcos_monotonic_ns() + timeout_ns;
	struct fcos_xs_watch w;
	char path[80];
	enum xenbus_state bs = XenbusStateUnknown;
	int rc;

	snprintf(path, sizeof(path), "%s/state", nf.be);
	rc = fcos_xs_watch(&w, path, "netfront");
	if (rc)
		return rc;
	for (;;) {
		rc = fcos_xenbus_read_state(nf.be, &bs);
		if (!rc && bs == XenbusStateConnected)
			break;
		if (!rc && bs >= XenbusStateClosing) {
			rc = -ECONNREFUSED;
			break;
		}
		rc = fcos_xs_wait_watch(&w, dl, NULL);
		/*
		 * A loaded Dom0 can take minutes to run the hotplug script;
		 * the backend is still coming, so say so once and wait on
		 * (Linux's netfront waits for good too).
		 */
		if (rc == -ETIMEDOUT && dl != FCOS_TIME_NEVER) {
			printf("netfront: %s not connected after %llu s, "
			       "still waiting\n",
			       nf.be,
			       (unsigned long long)(timeout_ns /
						    FCOS_NSEC_PER_SEC));
			dl = FCOS_TIME_NEVER;
			continue;
		}
		if (rc)
			break;
	}
	fcos_xs_unwatch(&w);
	return rc;
}

int fcos_netfront_init(struct fcos_waitq *wq, uint64_t timeout_ns)
{
	int rc;

	nf.wq = wq;
	nf.timeout_ns = timeout_ns;
	rc = read_device();
	if (rc)
		return rc;
	rc = setup_rings();
	rc = rc ?: publish();
	/* Linux's netback ignores Initialised and maps the rings when the
	 * frontend says Connected; it then goes Connected itself. */
	if (!rc)
		rc = fcos_xenbus_switch_state(FCOS_XS_NO_TRANSACTION, FE_DIR,
					      XenbusStateConnected);
	rc = rc ?: wait_backend_connected(timeout_ns);
	if (rc) {
		printf("netfront: cannot connect to %s: %d\n", nf.be, rc);
		fcos_xenbus_switch_state(FCOS_XS_NO_TRANSACTION, FE_DIR,
					 XenbusStateClosed);
		teardown();
		return rc;
	}
	nf.state = 1;
	fcos_evtchn_notify(nf.port); /* the RX buffers are waiting */
	return 0;
}

void fcos_netfront_fini(void)
{
	/* Exit: the domain is going away, Dom0 cleans up after it. */
	if (nf.port != FCOS_EVTCHN_INVALID)
		fcos_evtchn_mask(nf.port);
	nf.state = 0;
}

static void free_page_ungranted(void **page)
{
	if (*page)
		fcos_free_page(*page);
	*page = NULL;
}

/*
 * In a new domain our grants and port do not exist, and the vif is
 * another one (its MAC too): give the pages back without ending grants,
 * so that fcos_netfront_init() can connect afresh.
 */
void fcos_netfront_forget(void)
{
	void *p;

	nf.port = FCOS_EVTCHN_INVALID;
	nf.state = 0;
	p = nf.tx.sring;
	free_page_ungranted(&p);
	p = nf.rx.sring;
	free_page_ungranted(&p);
	nf.tx.sring = NULL;
	nf.rx.sring = NULL;
	for (int i = 0; i < NR_TX; i++)
		free_page_ungranted(&nf.tx_buf[i]);
	for (int i = 0; i < NR_RX; i++)
		free_page_ungranted(&nf.rx_buf[i]);
}

int fcos_netfront_connected(void)
{
	return nf.state == 1;
}

const uint8_t *fcos_netfront_mac(void)
{
	return nf.mac;
}

const char *fcos_netfront_backend(void)
{
	return nf.be;
}

/* Responses the backend claims to have produced; -1 if it claims more
 * than we have requests outstanding (it is broken). */
static int ring_avail(RING_IDX prod, RING_IDX cons, RING_IDX req_prod)
{
	RING_IDX n = prod - cons;

	return n > req_prod - cons ? -1 : (int)n;
}

int fcos_netfront_pending(void)
{
	if (nf.state != 1)
		return 0;
	return nf.rx.sring->rsp_prod != nf.rx.rsp_cons ||
	       nf.tx.sring->rsp_prod != nf.tx.rsp_cons;
}

static void broken(const char *why)
{
	if (nf.state == 1)
		printf("netfront: backend misbehaves (%s): device stopped\n",
		       why);
	nf.state = -1;
}

static void poll_tx(void)
{
	RING_IDX prod, cons;
	int n;

	do {
		prod = nf.tx.sring->rsp_prod;
		/* Read rsp_prod before the responses it covers. */
		xen_rmb();
		n = ring_avail(prod, nf.tx.rsp_cons, nf.tx.req_prod_pvt);
		if (n < 0)
			return broken("tx rsp_prod");
		for (cons = nf.tx.rsp_cons; cons != prod; cons++) {
			netif_tx_response_t rsp;

			memcpy(&rsp, RING_GET_RESPONSE(&nf.tx, cons),
			       sizeof(rsp));
			if (rsp.status == NETIF_RSP_NULL)
				continue;
			if (rsp.id >= NR_TX || !nf.tx_inflight[rsp.id]) {
				nf.st.tx_errors++;
				continue;
			}
			if (rsp.status != NETIF_RSP_OKAY)
				nf.st.tx_errors++;
			nf.tx_inflight[rsp.id] = 0;
			nf.tx_free[nf.nr_tx_free++] = (uint8_t)rsp.id;
		}
		nf.tx.rsp_cons = prod;
		/* Sets rsp_event and re-checks rsp_prod (full barrier). */
		RING_FINAL_CHECK_FOR_RESPONSES(&nf.tx, n);
	} while (n);
}

int fcos_netfront_poll(void (*rx)(const void *frame, size_t len, void *arg),
		       void *arg)
{
	RING_IDX prod, cons;
	int n, delivered = 0, reposted = 0, skip = 0;

	if (nf.state != 1)
		return 0;
	poll_tx();
	do {
		prod = nf.rx.sring->rsp_prod;
		xen_rmb(); /* rsp_prod before the responses */
		n = ring_avail(prod, nf.rx.rsp_cons, nf.rx.req_prod_pvt);
		if (n < 0) {
			broken("rx rsp_prod");
			return delivered;
		}
		for (cons = nf.rx.rsp_cons; cons != prod; cons++) {
			int buf = nf.rx_slot_buf[cons % RX_RING_SLOTS];
			netif_rx_response_t rsp;

			memcpy(&rsp, RING_GET_RESPONSE(&nf.rx, cons),
			       sizeof(rsp));
			/* Multi-slot packets (extra info, more data) are
			 * not negotiated: drop every slot of one. */
			if (skip) {
				skip = rsp.flags & NETRXF_more_data;
			} else if (rsp.flags &
				   (NETRXF_more_data | NETRXF_extra_info)) {
				nf.st.rx_dropped++;
				skip = 1;
			} else if (rsp.id != buf || rsp.status <= 0 ||
				   rsp.offset + rsp.status >
					   (int)FCOS_PAGE_SIZE ||
				   rsp.status > FCOS_NETFRONT_MTU_FRAME) {
				nf.st.rx_dropped++;
			} else {
				rx((const char *)nf.rx_buf[buf] + rsp.offset,
				   (size_t)rsp.status, arg);
				nf.st.rx_packets++;
				nf.st.rx_bytes += (uint64_t)rsp.status;
				delivered++;
			}
			post_rx(buf);
			reposted++;
			if (nf.state != 1)
				return delivered;
		}
		nf.rx.rsp_cons = prod;
		if (reposted) {
			push_rx();
			reposted = 0;
		}
		RING_FINAL_CHECK_FOR_RESPONSES(&nf.rx, n);
	} while (n);
	return delivered;
}

void *fcos_netfront_tx_get(int *slot)
{
	if (nf.state != 1)
		return NULL;
	if (!nf.nr_tx_free)
		poll_tx();
	if (!nf.nr_tx_free) {
		nf.st.tx_busy++;
		return NULL;
	}
	*slot = nf.tx_free[--nf.nr_tx_free];
	return nf.tx_buf[*slot];
}

int fcos_netfront_tx_send(int slot, size_t len)
{
	netif_tx_request_t *req;
	int notify;

	if (slot < 0 || slot >= NR_TX || nf.tx_inflight[slot])
		return -EINVAL;
	if (nf.state != 1 || !len || len > FCOS_NETFRONT_MTU_FRAME) {
		nf.tx_free[nf.nr_tx_free++] = (uint8_t)slot;
		nf.st.tx_errors++;
		return -EINVAL;
	}
	req = RING_GET_REQUEST(&nf.tx, nf.tx.req_prod_pvt++);
	req->gref = nf.tx_gref[slot];
	req->offset = 0;
	req->flags = 0;
	req->id = (uint16_t)slot;
	req->size = (uint16_t)len;
	nf.tx_inflight[slot] = 1;
	/* wmb: request body before req_prod; mb: req_prod before req_event. */
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&nf.tx, notify);
	if (notify)
		fcos_evtchn_notify(nf.port);
	nf.st.tx_packets++;
	nf.st.tx_bytes += len;
	return 0;
}

void fcos_netfront_get_stats(struct fcos_netfront_stats *st)
{
	*st = nf.st;
}
