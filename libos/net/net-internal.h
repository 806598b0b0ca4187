/* SPDX-License-Identifier: GPL-2.0 */
/* Shared between the netif/netd side (netif.c) and the sockets (socket.c). */
#ifndef FCOS_NET_INTERNAL_H
#define FCOS_NET_INTERNAL_H

#include <fcos/sched.h>

/* Socket waiters: woken by every lwIP callback and by netd's state. */
extern struct fcos_waitq fcos_net_wq;

/* Let netd re-read lwIP's next timeout (a socket call may have armed a
 * timer earlier than the one netd sleeps until). */
void fcos_net_kick(void);

#endif
