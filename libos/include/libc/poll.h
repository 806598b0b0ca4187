/* SPDX-License-Identifier: GPL-2.0 */
/* poll() over sockets (libos/net/socket.c). */
#ifndef FCOS_LIBC_POLL_H
#define FCOS_LIBC_POLL_H

struct pollfd {
	int fd;
	short events;
	short revents;
};

typedef unsigned long nfds_t;

#define POLLIN	 0x001
#define POLLPRI	 0x002
#define POLLOUT	 0x004
#define POLLERR	 0x008
#define POLLHUP	 0x010
#define POLLNVAL 0x020

/* @timeout in ms; < 0 waits forever.  Returns the number of entries with
 * revents set, 0 on timeout. */
int poll(struct pollfd *fds, nfds_t nfds, int timeout);

#endif
