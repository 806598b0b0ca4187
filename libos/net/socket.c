// SPDX-License-Identifier: GPL-2.0
/*
 * BSD sockets over lwIP's raw TCP API (see <sys/socket.h>, docs/net.md).
 *
 * lwIP's callbacks run in netd (received segments, timers) or in the
 * calling thread (tcp_write/tcp_output); they only queue data or record
 * state and wake fcos_net_wq, where blocking calls wait.  The cooperative
 * scheduler switches threads only at those waits, so lwIP is never
 * entered twice at once.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <fcos/net.h>
#include <fcos/sched.h>
#include <fcos/time.h>
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "net-internal.h"
#include "netcfg.h"

#define MAX_SOCKETS 64
#define FD_BASE	    3 /* 0-2 are the console's, by convention */

struct sock {
	struct tcp_pcb *pcb; /* NULL once lwIP freed it (error) or closed */
	int listening, connecting, connected, nonblock;
	int rx_fin; /* the peer sent FIN */
	int err;    /* pending error (errno), reported once by most calls */
	int reset;  /* the connection is gone for good */
	struct pbuf *rxq;
	/* Listening: connections lwIP accepted that accept() has not. */
	struct sock *q_head, *q_tail, *q_next;
	int q_len, backlog;
	uint16_t port; /* listening port, for the unlisten hook */
	int nohook;    /* SO_FCOS_NOHOOK: listen/close skip the NAPT hooks */
};

static struct sock *fds[MAX_SOCKETS];

static int fail(int e)
{
	errno = e;
	return -1;
}

static struct sock *lookup(int fd)
{
	if (fd < FD_BASE || fd >= FD_BASE + MAX_SOCKETS)
		return NULL;
	return fds[fd - FD_BASE];
}

static int install(struct sock *s)
{
	for (int i = 0; i < MAX_SOCKETS; i++)
		if (!fds[i]) {
			fds[i] = s;
			return FD_BASE + i;
		}
	return -1;
}

static int err_to_errno(err_t e)
{
	switch (e) {
	case ERR_OK:
		return 0;
	case ERR_MEM:
	case ERR_BUF:
		return ENOMEM;
	case ERR_TIMEOUT:
		return ETIMEDOUT;
	case ERR_RTE:
		return EHOSTUNREACH;
	case ERR_INPROGRESS:
		return EINPROGRESS;
	case ERR_VAL:
	case ERR_ARG:
		return EINVAL;
	case ERR_WOULDBLOCK:
		return EAGAIN;
	case ERR_USE:
		return EADDRINUSE;
	case ERR_ALREADY:
		return EALREADY;
	case ERR_ISCONN:
		return EISCONN;
	case ERR_CONN:
	case ERR_CLSD:
		return ENOTCONN;
	case ERR_ABRT:
		return ECONNABORTED;
	case ERR_RST:
		return ECONNRESET;
	default:
		return EIO;
	}
}

static void wake(void)
{
	fcos_waitq_wake_all(&fcos_net_wq);
}

static err_t recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct sock *s = arg;

	(void)err;
	if (!s) { /* closed by the app: lwIP's default would do the same */
		if (p) {
			tcp_recved(pcb, p->tot_len);
			pbuf_free(p);
		}
		return ERR_OK;
	}
	if (!p)
		s->rx_fin = 1;
	else if (s->rxq)
		pbuf_cat(s->rxq, p);
	else
		s->rxq = p;
	wake();
	return ERR_OK;
}

static err_t sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)arg;
	(void)pcb;
	(void)len;
	wake();
	return ERR_OK;
}

/* lwIP has freed the pcb (reset, abort, timeout). */
static void err_cb(void *arg, err_t e)
{
	struct sock *s = arg;

	if (!s)
		return;
	s->pcb = NULL;
	s->reset = 1;
	s->err = (s->connecting && e == ERR_RST) ? ECONNREFUSED
						 : err_to_errno(e);
	s->connecting = 0;
	wake();
}

static void attach(struct sock *s, struct tcp_pcb *pcb)
{
	s->pcb = pcb;
	tcp_arg(pcb, s);
	tcp_recv(pcb, recv_cb);
	tcp_sent(pcb, sent_cb);
	tcp_err(pcb, err_cb);
}

static void detach(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
}

static err_t accept_cb(void *arg, struct tcp_pcb *newpcb, err_t err)
{
	struct sock *l = arg, *c;

	if (err != ERR_OK || !newpcb)
		return ERR_VAL;
	if (!l || l->q_len >= l->backlog)
		return ERR_MEM; /* lwIP aborts it: the peer sees a reset */
	c = calloc(1, sizeof(*c));
	if (!c)
		return ERR_MEM;
	attach(c, newpcb);
	c->connected = 1;
	if (l->q_tail)
		l->q_tail->q_next = c;
	else
		l->q_head = c;
	l->q_tail = c;
	l->q_len++;
	/*
	 * Counted in the listener's backlog until accept() takes it, so that
	 * lwIP drops the SYNs beyond the backlog (the client retries) instead
	 * of this queue resetting connections, as Linux does.
	 */
	tcp_backlog_delayed(newpcb);
	wake();
	return ERR_OK;
}

static void free_sock(struct sock *s)
{
	if (s->rxq)
		pbuf_free(s->rxq);
	free(s);
}

/* Let go of a connection's pcb: graceful close, or abort if lwIP cannot. */
static void release_pcb(struct sock *s, int abort)
{
	struct tcp_pcb *pcb = s->pcb;

	if (!pcb)
		return;
	s->pcb = NULL;
	detach(pcb);
	if (abort || tcp_close(pcb) != ERR_OK)
		tcp_abort(pcb);
}

int socket(int domain, int type, int protocol)
{
	struct tcp_pcb *pcb;
	struct sock *s;
	int fd;

	if (domain != AF_INET)
		return fail(EAFNOSUPPORT);
	if ((type & ~SOCK_NONBLOCK) != SOCK_STREAM ||
	    (protocol && protocol != IPPROTO_TCP))
		return fail(EPROTONOSUPPORT);
	s = calloc(1, sizeof(*s));
	pcb = s ? tcp_new() : NULL;
	if (!pcb) {
		free(s);
		return fail(ENOMEM);
	}
	fd = install(s);
	if (fd < 0) {
		tcp_abort(pcb);
		free(s);
		return fail(EMFILE);
	}
	/* Servers restart on their port at once, as with SO_REUSEADDR. */
	ip_set_option(pcb, SOF_REUSEADDR);
	attach(s, pcb);
	s->nonblock = !!(type & SOCK_NONBLOCK);
	return fd;
}

static int get_sin(const struct sockaddr *addr, socklen_t len, ip_addr_t *ip,
		   uint16_t *port)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;

	if (!addr || len < sizeof(*sin))
		return EINVAL;
	if (sin->sin_family != AF_INET)
		return EAFNOSUPPORT;
	ip_addr_set_ip4_u32(ip, sin->sin_addr.s_addr);
	*port = ntohs(sin->sin_port);
	return 0;
}

static void put_sin(struct sockaddr *addr, socklen_t *len, const ip_addr_t *ip,
		    uint16_t port)
{
	struct sockaddr_in sin;

	if (!addr || !len)
		return;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = ip ? ip_addr_get_ip4_u32(ip) : 0;
	memcpy(addr, &sin, *len < sizeof(sin) ? *len : sizeof(sin));
	*len = sizeof(sin);
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sock *s = lookup(fd);
	ip_addr_t ip;
	uint16_t port;
	int e;

	if (!s)
		return fail(EBADF);
	if (!s->pcb || s->listening || s->connected || s->connecting)
		return fail(EINVAL);
	e = get_sin(addr, len, &ip, &port);
	if (e)
		return fail(e);
	e = err_to_errno(tcp_bind(s->pcb, &ip, port));
	return e ? fail(e) : 0;
}

int listen(int fd, int backlog)
{
	struct sock *s = lookup(fd);
	struct tcp_pcb *lpcb;
	int rc;

	if (!s)
		return fail(EBADF);
	if (s->listening)
		return 0;
	if (!s->pcb || s->connected || s->connecting)
		return fail(EINVAL);
	if (backlog <= 0 || backlog > SOMAXCONN)
		backlog = SOMAXCONN;
	if (!s->pcb->local_port &&
	    tcp_bind(s->pcb, IP_ADDR_ANY, 0) != ERR_OK) /* ephemeral port */
		return fail(EADDRINUSE);
	lpcb = tcp_listen_with_backlog(s->pcb, (u8_t)backlog);
	if (!lpcb)
		return fail(ENOMEM); /* the unlistened pcb is still ours */
	s->pcb = lpcb;		     /* lwIP freed the old one */
	s->listening = 1;
	s->backlog = backlog;
	s->port = lpcb->local_port;
	tcp_arg(lpcb, s);
	tcp_accept(lpcb, accept_cb);
	if (fcos_net_listen_hook && !s->nohook) {
		rc = fcos_net_listen_hook(s->port);
		/* Another app VM owns the public port: the app must know. */
		if (rc == -EADDRINUSE) {
			s->listening = 0;
			tcp_arg(lpcb, NULL);
			tcp_accept(lpcb, NULL);
			tcp_close(lpcb); /* never fails for a listener */
			s->pcb = NULL;
			return fail(EADDRINUSE);
		}
		/* Otherwise (no device, no OS server) it is reachable on
		 * its private address only: say so and go on. */
		if (rc)
			printf("net: listen hook for port %u: %d\n", s->port,
			       rc);
	}
	return 0;
}

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct sock *s = lookup(fd), *c;
	int nfd;

	if (!s)
		return fail(EBADF);
	if (!s->listening)
		return fail(EINVAL);
	if (!s->q_head && s->nonblock)
		return fail(EAGAIN);
	fcos_wait_event(&fcos_net_wq, s->q_head);
	c = s->q_head;
	nfd = install(c);
	if (nfd < 0)
		return fail(EMFILE); /* stays queued */
	s->q_head = c->q_next;
	if (!s->q_head)
		s->q_tail = NULL;
	s->q_len--;
	c->q_next = NULL;
	if (c->pcb) {
		tcp_backlog_accepted(c->pcb);
		put_sin(addr, len, &c->pcb->remote_ip, c->pcb->remote_port);
	} else {
		put_sin(addr, len, NULL, 0);
	}
	return nfd;
}

static err_t connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct sock *s = arg;

	(void)pcb;
	if (s) {
		s->connecting = 0;
		s->connected = err == ERR_OK;
		s->err = err_to_errno(err);
	}
	wake();
	return ERR_OK;
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sock *s = lookup(fd);
	ip_addr_t ip;
	uint16_t port;
	int e;

	if (!s)
		return fail(EBADF);
	if (s->connected)
		return fail(EISCONN);
	if (s->connecting)
		return fail(EALREADY);
	if (s->listening || !s->pcb)
		return fail(EINVAL);
	e = get_sin(addr, len, &ip, &port);
	if (e)
		return fail(e);
	/* A route needs the vif: wait for netd's bring-up first. */
	if (fcos_net_wait_up(s->nonblock ? 0 : FCOS_TIME_NEVER) == -ENODEV)
		return fail(ENETUNREACH);
	s->connecting = 1;
	e = err_to_errno(tcp_connect(s->pcb, &ip, port, connected_cb));
	fcos_net_kick();
	if (e) {
		s->connecting = 0;
		return fail(e);
	}
	if (s->nonblock)
		return fail(EINPROGRESS);
	fcos_wait_event(&fcos_net_wq, !s->connecting);
	if (!s->connected) {
		e = s->err ? s->err : ECONNREFUSED;
		s->err = 0;
		return fail(e);
	}
	return 0;
}

static int can_send(struct sock *s)
{
	return !s->pcb || s->err ||
	       (tcp_sndbuf(s->pcb) > 0 &&
		tcp_sndqueuelen(s->pcb) < TCP_SND_QUEUELEN);
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	struct sock *s = lookup(fd);
	const char *p = buf;
	size_t done = 0;
	int dontwait;

	if (!s)
		return fail(EBADF);
	if (s->listening || (!s->connected && !s->reset))
		return fail(ENOTCONN);
	dontwait = s->nonblock || (flags & MSG_DONTWAIT);
	while (done < len) {
		size_t n;
		err_t e;

		if (!can_send(s)) {
			if (dontwait)
				break;
			fcos_wait_event(&fcos_net_wq, can_send(s));
		}
		if (!s->pcb || s->err) {
			int err = s->err ? s->err : EPIPE;

			s->err = 0;
			if (done)
				break;
			return fail(err);
		}
		n = tcp_sndbuf(s->pcb);
		if (n > len - done)
			n = len - done;
		e = tcp_write(
			s->pcb, p + done, (u16_t)n,
			TCP_WRITE_FLAG_COPY |
				(done + n < len ? TCP_WRITE_FLAG_MORE : 0));
		if (e == ERR_MEM) {
			/* Out of segments: push what is queued, wait for
			 * acks to free some. */
			tcp_output(s->pcb);
			if (dontwait)
				break;
			fcos_wait_event(&fcos_net_wq,
					!s->pcb || s->err ||
						tcp_sndqueuelen(s->pcb) == 0 ||
						can_send(s));
			continue;
		}
		if (e != ERR_OK) {
			if (done)
				break;
			return fail(err_to_errno(e));
		}
		done += n;
	}
	if (s->pcb)
		tcp_output(s->pcb);
	fcos_net_kick();
	if (!done && len)
		return fail(EAGAIN);
	return (ssize_t)done;
}

static int can_recv(struct sock *s)
{
	return s->rxq || s->rx_fin || s->err || !s->pcb;
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	struct sock *s = lookup(fd);
	u16_t n;

	if (!s)
		return fail(EBADF);
	if (s->listening || (!s->connected && !s->reset))
		return fail(ENOTCONN);
	if (!can_recv(s)) {
		if (s->nonblock || (flags & MSG_DONTWAIT))
			return fail(EAGAIN);
		fcos_wait_event(&fcos_net_wq, can_recv(s));
	}
	if (s->rxq && len) {
		if (len > 0xffff)
			len = 0xffff;
		n = pbuf_copy_partial(s->rxq, buf, (u16_t)len, 0);
		if (!(flags & MSG_PEEK)) {
			s->rxq = pbuf_free_header(s->rxq, n);
			if (s->pcb) {
				/* Reopen the window by what the app took. */
				tcp_recved(s->pcb, n);
				fcos_net_kick();
			}
		}
		return n;
	}
	if (s->rxq) /* len == 0 */
		return 0;
	if (s->err && !s->rx_fin) {
		int e = s->err;

		s->err = 0;
		return fail(e);
	}
	return 0; /* end of stream */
}

int shutdown(int fd, int how)
{
	struct sock *s = lookup(fd);

	if (!s)
		return fail(EBADF);
	if (!s->pcb || !s->connected)
		return fail(ENOTCONN);
	if (how < SHUT_RD || how > SHUT_RDWR)
		return fail(EINVAL);
	if (how != SHUT_RD) {
		tcp_shutdown(s->pcb, 0, 1); /* FIN; receiving goes on */
		fcos_net_kick();
	}
	return 0;
}

int close(int fd)
{
	struct sock *s = lookup(fd), *c;

	if (!s)
		return fail(EBADF);
	fds[fd - FD_BASE] = NULL;
	if (s->listening) {
		if (fcos_net_unlisten_hook && !s->nohook)
			fcos_net_unlisten_hook(s->port);
		if (s->pcb) {
			tcp_arg(s->pcb, NULL);
			tcp_accept(s->pcb, NULL);
			tcp_close(s->pcb); /* never fails for a listener */
			s->pcb = NULL;
		}
		while ((c = s->q_head)) {
			s->q_head = c->q_next;
			release_pcb(c, 1);
			free_sock(c);
		}
	} else {
		/* Unread data means the peer's bytes were lost: reset. */
		release_pcb(s, s->rxq != NULL);
	}
	free_sock(s);
	fcos_net_kick();
	return 0;
}

int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct sock *s = lookup(fd);

	if (!s)
		return fail(EBADF);
	if (s->pcb)
		put_sin(addr, len, &s->pcb->local_ip, s->pcb->local_port);
	else
		put_sin(addr, len, NULL, s->port);
	return 0;
}

int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct sock *s = lookup(fd);

	if (!s)
		return fail(EBADF);
	if (!s->pcb || !s->connected)
		return fail(ENOTCONN);
	put_sin(addr, len, &s->pcb->remote_ip, s->pcb->remote_port);
	return 0;
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	struct sock *s = lookup(fd);
	int on;

	if (!s)
		return fail(EBADF);
	if (!val || len < sizeof(int))
		return fail(EINVAL);
	memcpy(&on, val, sizeof(on));
	if (level == SOL_SOCKET && name == SO_REUSEADDR)
		return 0; /* always on */
	/* Before listen() only: close() must pair with what listen() did. */
	if (level == SOL_SOCKET && name == SO_FCOS_NOHOOK) {
		if (s->listening)
			return fail(EINVAL);
		s->nohook = !!on;
		return 0;
	}
	if (!s->pcb)
		return fail(EINVAL);
	if (level == SOL_SOCKET && name == SO_KEEPALIVE) {
		if (on)
			ip_set_option(s->pcb, SOF_KEEPALIVE);
		else
			ip_reset_option(s->pcb, SOF_KEEPALIVE);
		return 0;
	}
	if (level == IPPROTO_TCP && name == TCP_NODELAY && !s->listening) {
		if (on)
			tcp_nagle_disable(s->pcb);
		else
			tcp_nagle_enable(s->pcb);
		return 0;
	}
	return fail(EOPNOTSUPP);
}

int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	struct sock *s = lookup(fd);
	int v;

	if (!s)
		return fail(EBADF);
	if (!val || !len || *len < sizeof(int))
		return fail(EINVAL);
	if (level != SOL_SOCKET || name != SO_ERROR)
		return fail(EOPNOTSUPP);
	v = s->err;
	s->err = 0;
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

static short revents(struct pollfd *p)
{
	struct sock *s = lookup(p->fd);
	short r = 0;

	if (!s)
		return POLLNVAL;
	if (s->listening) {
		if (s->q_head)
			r |= POLLIN;
	} else {
		if (s->rxq || s->rx_fin)
			r |= POLLIN;
		if (s->connected && s->pcb && can_send(s))
			r |= POLLOUT;
		if (s->err)
			r |= POLLERR;
		if (s->reset || (s->rx_fin && !s->pcb))
			r |= POLLHUP;
	}
	return r & (p->events | POLLERR | POLLHUP | POLLNVAL);
}

static int poll_scan(struct pollfd *fds_, nfds_t n)
{
	int count = 0;

	for (nfds_t i = 0; i < n; i++) {
		fds_[i].revents = fds_[i].fd < 0 ? 0 : revents(&fds_[i]);
		if (fds_[i].revents)
			count++;
	}
	return count;
}

int poll(struct pollfd *fds_, nfds_t n, int timeout)
{
	uint64_t dl = timeout < 0
			      ? FCOS_TIME_NEVER
			      : fcos_monotonic_ns() +
					(uint64_t)timeout * FCOS_NSEC_PER_MSEC;
	int count = 0;

	if (!fds_ && n)
		return fail(EFAULT);
	fcos_wait_event_deadline(&fcos_net_wq, (count = poll_scan(fds_, n)),
				 dl);
	return count;
}

int inet_pton(int af, const char *src, void *dst)
{
	uint8_t ip[4];

	if (af != AF_INET)
		return fail(EAFNOSUPPORT);
	if (fcos_net_parse_ip4(&src, ip) || *src)
		return 0;
	memcpy(dst, ip, 4);
	return 1;
}

const char *inet_ntop(int af, const void *src, char *dst, socklen_t size)
{
	const uint8_t *ip = src;

	if (af != AF_INET) {
		errno = EAFNOSUPPORT;
		return NULL;
	}
	if (snprintf(dst, size, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]) >=
	    (int)size) {
		errno = ENOSPC;
		return NULL;
	}
	return dst;
}

/*
 * In a new domain (a fork's child, a migrated app VM) the listening
 * sockets are still here but the OS server maps none of them to this
 * domain: ask again, as listen() did.
 */
void fcos_net_relisten(void)
{
	for (int i = 0; i < MAX_SOCKETS; i++) {
		struct sock *s = fds[i];
		int rc;

		if (!s || !s->listening || s->nohook || !fcos_net_listen_hook)
			continue;
		rc = fcos_net_listen_hook(s->port);
		printf("net: port %u listened again: %d\n", s->port, rc);
	}
}
