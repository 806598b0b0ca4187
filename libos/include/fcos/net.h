/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The library OS's network stack (libos/net, docs/net.md), kernel side:
 * lwIP on netfront, brought up by the "net" driver in the "netd" thread
 * as soon as an app links the sockets API.
 */
#ifndef FCOS_NET_H
#define FCOS_NET_H

#include <stdint.h>

struct fcos_net_info {
	int up; /* 1 once the vif is connected and configured */
	uint8_t mac[6];
	uint8_t addr[4], mask[4], gw[4];
};

/* Wait until the network is up (or failed): 0, -ENODEV (no vif or it
 * failed), -ETIMEDOUT. */
int fcos_net_wait_up(uint64_t timeout_ns);
void fcos_net_get_info(struct fcos_net_info *info);

/*
 * Hooks for the fcapsule frontend (NAPT that follows listen(), see
 * DESIGN.md): called by listen() once the socket listens on @port (host
 * order), and by close() of that listening socket.  Weak: when nothing
 * defines them (fcfront not linked) they are not called.  They may block
 * the calling thread; a negative return is logged, the socket stays.
 */
extern int fcos_net_listen_hook(uint16_t port) __attribute__((weak));
extern int fcos_net_unlisten_hook(uint16_t port) __attribute__((weak));
/* Call the listen hook again for every listening socket (a new domain). */
void fcos_net_relisten(void);

#endif
