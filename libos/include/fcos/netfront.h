/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netfront: the library OS's Xen network frontend (device/vif/0), per
 * <xen/io/netif.h>: one TX and one RX ring page, one event channel,
 * request-rx-copy (the backend copies into our granted pages), one page
 * per packet, no offloads.  It knows nothing of IP: libos/net/netif.c
 * puts the lwIP netif on top and registers the "net" driver.
 */
#ifndef FCOS_NETFRONT_H
#define FCOS_NETFRONT_H

#include <stddef.h>
#include <stdint.h>
#include <fcos/sched.h>

#define FCOS_NETFRONT_MTU_FRAME 1514 /* Ethernet frame without FCS */

struct fcos_netfront_stats {
	uint64_t rx_packets, rx_bytes, rx_dropped; /* dropped: bad/oversize */
	uint64_t tx_packets, tx_bytes, tx_errors, tx_busy; /* busy: no buffer */
};

/*
 * Connect to device/vif/0 and wait for the backend to go Connected (a
 * note is printed if that takes over @timeout_ns; the wait goes on).
 * Events (RX, TX done) wake @wq.  -ENODEV when the domain has no vif,
 * -ECONNREFUSED when its backend closes.
 */
int fcos_netfront_init(struct fcos_waitq *wq, uint64_t timeout_ns);
void fcos_netfront_fini(void);
/* After a restore into a new domain; then fcos_netfront_init() again. */
void fcos_netfront_forget(void);

int fcos_netfront_connected(void);
const uint8_t *fcos_netfront_mac(void);
/* The backend's xenstore directory ("backend/vif/<domid>/0"). */
const char *fcos_netfront_backend(void);

/* 1 if the backend has produced responses we have not consumed. */
int fcos_netfront_pending(void);

/*
 * Consume RX and TX responses.  Each received frame is passed to @rx,
 * which must copy what it keeps: the data is in a page the backend can
 * still write to, and is reposted right after @rx returns.  Returns the
 * number of frames delivered.
 */
int fcos_netfront_poll(void (*rx)(const void *frame, size_t len, void *arg),
		       void *arg);

/*
 * Transmit: a free granted TX page (NULL and -EAGAIN-like when all are in
 * flight), then send its first @len bytes.  Never blocks.
 */
void *fcos_netfront_tx_get(int *slot);
int fcos_netfront_tx_send(int slot, size_t len);

void fcos_netfront_get_stats(struct fcos_netfront_stats *st);

#endif
