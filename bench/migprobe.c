// SPDX-License-Identifier: GPL-2.0
/*
 * Downtime probe for the migration benchmark, run in the public client's
 * network namespace: an ICMP echo request to DEST every INTERVAL_MS, the
 * answers timed on the client's own clock.  ICMP because both kinds of
 * guest answer it from their network stack (lwIP in the library OS, the
 * kernel in PV Linux) without an application of their own.
 *
 *   migprobe DEST [INTERVAL_MS] [LIMIT_S]
 *
 * It prints "up" on stderr at the first answer; on SIGTERM it goes on
 * until one more answer comes (at most LIMIT_S, default 120), so that a
 * gap still open when the migration command returns is measured whole,
 * and prints one line on stdout:
 *
 *   sent=N answered=N gap_ms=G gap_at_ms=A total_ms=T lost=0|1
 *
 * gap_ms is the longest time between two consecutive answers' arrivals
 * (the downtime seen by a client, to within one interval), total_ms the time
 * from the first answer to the last, gap_at_ms when the longest gap
 * began, from the first answer; lost=1: no answer after SIGTERM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint16_t csum(const void *p, size_t n)
{
	const uint16_t *w = p;
	uint32_t s = 0;

	for (; n > 1; n -= 2)
		s += *w++;
	if (n)
		s += *(const uint8_t *)w;
	s = (s >> 16) + (s & 0xffff);
	s += s >> 16;
	return (uint16_t)~s;
}

static int send_echo(int fd, const struct sockaddr_in *to, uint16_t id,
		     uint16_t seq)
{
	unsigned char buf[sizeof(struct icmphdr) + 16] = { 0 };
	struct icmphdr *h = (struct icmphdr *)buf;

	h->type = ICMP_ECHO;
	h->un.echo.id = htons(id);
	h->un.echo.sequence = htons(seq);
	h->checksum = csum(buf, sizeof(buf));
	/*
	 * Never wait for room: while the guest is stopped, its vif's queue
	 * holds our earlier requests and with them the socket's send
	 * buffer; a blocking send would stop the probe (and the clock of
	 * its answers) until they are freed.
	 */
	return sendto(fd, buf, sizeof(buf), MSG_DONTWAIT,
		      (const struct sockaddr *)to, sizeof(*to)) < 0
		       ? -errno
		       : 0;
}

static double real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * 1: an echo reply with our id was read, its arrival in *at (monotonic
 * ms); 0: something else; <0: error.  The arrival is the kernel's
 * receive timestamp, not the time we read it: under load Dom0 runs the
 * probe late, and answers waiting in the socket must not look late.
 */
static int read_reply(int fd, uint16_t id, double *at)
{
	unsigned char buf[1500];
	union {
		char b[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = ctl.b,
			      .msg_controllen = sizeof(ctl.b) };
	const struct iphdr *ip = (const struct iphdr *)buf;
	const struct icmphdr *h;
	struct cmsghdr *c;
	ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);
	size_t hl;

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	*at = now_ms();
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			*at += ts.tv_sec * 1e3 + ts.tv_nsec / 1e6 - real_ms();
		}
	}
	if ((size_t)n < sizeof(*ip))
		return 0;
	hl = (size_t)ip->ihl * 4;
	if ((size_t)n < hl + sizeof(*h))
		return 0;
	h = (const struct icmphdr *)(buf + hl);
	return h->type == ICMP_ECHOREPLY && ntohs(h->un.echo.id) == id;
}

int main(int argc, char **argv)
{
	double interval = 4, limit = 120, next, first = -1, last = -1, gap = 0,
	       stop_at = -1, gap_at = 0, t;
	unsigned long sent = 0, answered = 0;
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct sigaction sa = { .sa_handler = on_term };
	struct pollfd pfd;
	uint16_t id = (uint16_t)getpid(), seq = 0;
	int fd, r, lost = 0, one = 1;

	if (argc < 2 || argc > 4 ||
	    inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
		fprintf(stderr,
			"usage: migprobe DEST [INTERVAL_MS] [LIMIT_S]\n");
		return 2;
	}
	if (argc > 2)
		interval = atof(argv[2]);
	if (argc > 3)
		limit = atof(argv[3]);
	if (interval <= 0 || limit <= 0) {
		fprintf(stderr, "migprobe: bad interval or limit\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (fd < 0) {
		perror("migprobe: raw socket");
		return 1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one))) {
		perror("migprobe: SO_TIMESTAMPNS");
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	pfd.fd = fd;
	pfd.events = POLLIN;
	next = now_ms();
	for (;;) {
		t = now_ms();
		if (stop && stop_at < 0)
			stop_at = t;
		/* stopped: done at the first answer after the stop */
		if (stop_at >= 0 && last >= stop_at)
			break;
		if (stop_at >= 0 && t - stop_at > limit * 1e3) {
			lost = 1;
			break;
		}
		if (t >= next) {
			r = send_echo(fd, &to, id, seq++);
			/* no room or no route while the guest moves: lost */
			if (r && r != -ENETUNREACH && r != -EHOSTUNREACH &&
			    r != -ENOBUFS && r != -EAGAIN) {
				fprintf(stderr, "migprobe: send: %s\n",
					strerror(-r));
				return 1;
			}
			sent++;
			next += interval;
			if (next < t)
				next = t + interval;
		}
		r = poll(&pfd, 1, (int)(next - now_ms()) + 1);
		if (r < 0 && errno != EINTR) {
			perror("migprobe: poll");
			return 1;
		}
		while ((r = read_reply(fd, id, &t)) > 0) {
			if (first < 0) {
				first = t;
				fprintf(stderr, "up\n");
			} else if (t - last > gap) {
				gap = t - last;
				gap_at = last - first;
			}
			last = t;
			answered++;
		}
		if (r < 0) {
			fprintf(stderr, "migprobe: recv: %s\n", strerror(-r));
			return 1;
		}
	}
	printf("sent=%lu answered=%lu gap_ms=%.1f gap_at_ms=%.1f total_ms=%.1f "
	       "lost=%d\n",
	       sent, answered, gap, gap_at, first < 0 ? 0 : last - first, lost);
	return 0;
}
