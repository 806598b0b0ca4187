// SPDX-License-Identifier: GPL-2.0
/*
 * Holding new connections while an app VM cannot answer: a migration's
 * last copy and its resume elsewhere, a fork's checkpoint.  Whoever
 * pauses an app VM puts its address in the set held (napt.c, with a
 * timeout); the hold rule queues a new TCP connection to it (its SYN) to
 * NFQUEUE FC_HOLD_QUEUE, which this thread of the OS server reads through
 * libnetfilter_queue.  The SYN stays in the kernel until a probe of ours
 * (a connect to the same address and port, marked so that the rule lets
 * it pass) is accepted, then it is let go: the client sees a delay, not
 * a reset or an unreachable host.  No packet is held longer than
 * FC_HOLD_MAX_MS, and with no server bound the rule lets packets pass.
 *
 * The queue table (fc_holdq_*) and the packet parser are pure and
 * unit-tested (tests/unit/usr_hold.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>

#include "fc.h"

#define FC_HOLD_PROBE_MS 250 /* a probe not accepted by then is retried */
#define FC_HOLD_TICK_MS	 50
#define FC_HOLD_COPY	 64 /* IPv4 header with options + TCP ports */

/* ---- pure: the packet and the queue table ---- */

/* The destination of an IPv4 TCP packet; -EINVAL for anything else. */
int fc_hold_parse(const unsigned char *p, size_t len, uint32_t *daddr,
		  uint16_t *dport)
{
	size_t ihl;

	if (len < 20 || (p[0] >> 4) != 4 || p[9] != IPPROTO_TCP)
		return -EINVAL;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	if (ihl < 20 || len < ihl + 4)
		return -EINVAL;
	memcpy(daddr, p + 16, 4);
	*dport = (uint16_t)(p[ihl + 2] << 8 | p[ihl + 3]);
	return 0;
}

int fc_holdq_add(struct fc_holdq *q, uint32_t id, uint32_t daddr,
		 uint16_t dport, double now)
{
	if (q->n >= FC_HOLDQ_MAX)
		return -ENOSPC;
	q->e[q->n++] = (struct fc_held){ id, daddr, dport, now };
	return 0;
}

/*
 * Take out the entries for @daddr:@dport (@dport 0: those older than
 * @before), in arrival order, into @out (room for FC_HOLDQ_MAX).  Returns
 * how many; *oldest is the earliest arrival among them.
 */
int fc_holdq_take(struct fc_holdq *q, uint32_t daddr, uint16_t dport,
		  double before, struct fc_held *out, double *oldest)
{
	int i, k = 0, n = 0;

	for (i = 0; i < q->n; i++) {
		int take =
			dport ? q->e[i].daddr == daddr && q->e[i].dport == dport
			      : q->e[i].since < before;

		if (take) {
			if (!n || q->e[i].since < *oldest)
				*oldest = q->e[i].since;
			out[n++] = q->e[i];
		} else {
			q->e[k++] = q->e[i];
		}
	}
	q->n = k;
	return n;
}

/* ---- the thread ---- */

struct fc_probe {
	uint32_t daddr;
	uint16_t dport;
	int fd; /* -1: none under way */
	double started;
};

static struct fc_holdq fc_hold_q;
static struct fc_probe fc_probes[FC_HOLDQ_MAX];
static int fc_nprobes;
static struct nfq_q_handle *fc_hold_qh;
static int fc_hold_fd = -1;

static void fc_hold_release(const struct fc_held *h, int n, double oldest,
			    const char *why)
{
	char a[INET_ADDRSTRLEN];
	int i;

	for (i = 0; i < n; i++)
		nfq_set_verdict(fc_hold_qh, h[i].id, NF_ACCEPT, 0, NULL);
	inet_ntop(AF_INET, &h[0].daddr, a, sizeof(a));
	/* a client's retransmitted SYNs wait too: one connection, several */
	printf("hold: %d SYN(s) of new connections to %s:%u released after "
	       "%.0f ms (%s)\n",
	       n, a, h[0].dport, (fc_monotonic_s() - oldest) * 1000, why);
	fflush(stdout);
}

static int fc_hold_cb(struct nfq_q_handle *qh, struct nfgenmsg *msg,
		      struct nfq_data *nfa, void *data)
{
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
	unsigned char *p;
	uint32_t id, daddr;
	uint16_t dport;
	int len;

	(void)msg;
	(void)data;
	if (!ph)
		return 0;
	id = ntohl(ph->packet_id);
	len = nfq_get_payload(nfa, &p);
	if (len < 0 || fc_hold_parse(p, len, &daddr, &dport) ||
	    fc_holdq_add(&fc_hold_q, id, daddr, dport, fc_monotonic_s()))
		nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
	return 0;
}

static void fc_probe_start(struct fc_probe *pr)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	uint32_t mark = FC_HOLD_PROBE_MARK;
	struct linger lg = { 1, 0 }; /* a reset, not a FIN handshake */

	if (pr->fd >= 0)
		close(pr->fd);
	pr->started = fc_monotonic_s();
	pr->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (pr->fd < 0)
		return;
	setsockopt(pr->fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark));
	setsockopt(pr->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	sa.sin_addr.s_addr = pr->daddr;
	sa.sin_port = htons(pr->dport);
	if (connect(pr->fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	    errno != EINPROGRESS) {
		close(pr->fd);
		pr->fd = -1;
	}
}

static struct fc_probe *fc_probe_of(uint32_t daddr, uint16_t dport)
{
	int i;

	for (i = 0; i < fc_nprobes; i++)
		if (fc_probes[i].daddr == daddr && fc_probes[i].dport == dport)
			return &fc_probes[i];
	if (fc_nprobes >= FC_HOLDQ_MAX)
		return NULL;
	fc_probes[fc_nprobes] = (struct fc_probe){ daddr, dport, -1, 0 };
	return &fc_probes[fc_nprobes++];
}

static void fc_probe_drop(int i)
{
	if (fc_probes[i].fd >= 0)
		close(fc_probes[i].fd);
	fc_probes[i] = fc_probes[--fc_nprobes];
}

/* A probe accepted: the app VM answers there, let its SYNs go. */
static void fc_probe_check(struct fc_probe *pr)
{
	static struct fc_held out[FC_HOLDQ_MAX];
	socklen_t sl = sizeof(int);
	double oldest = 0;
	int err = -1, n;

	if (getsockopt(pr->fd, SOL_SOCKET, SO_ERROR, &err, &sl) || err) {
		close(pr->fd); /* refused or unreachable: retried */
		pr->fd = -1;
		return;
	}
	n = fc_holdq_take(&fc_hold_q, pr->daddr, pr->dport, 0, out, &oldest);
	if (n)
		fc_hold_release(out, n, oldest, "it answers");
	close(pr->fd);
	pr->fd = -1;
}

static void fc_hold_tick(void)
{
	static struct fc_held out[FC_HOLDQ_MAX];
	double now = fc_monotonic_s(), oldest = 0;
	int i, n;

	n = fc_holdq_take(&fc_hold_q, 0, 0, now - FC_HOLD_MAX_MS / 1000.0, out,
			  &oldest);
	if (n)
		fc_hold_release(out, n, oldest, "held the longest allowed");
	for (i = 0; i < fc_hold_q.n; i++) {
		struct fc_probe *pr =
			fc_probe_of(fc_hold_q.e[i].daddr, fc_hold_q.e[i].dport);

		if (pr && (pr->fd < 0 ||
			   now - pr->started > FC_HOLD_PROBE_MS / 1000.0))
			fc_probe_start(pr);
	}
	/* a probe whose packets are all gone goes too */
	for (i = fc_nprobes - 1; i >= 0; i--) {
		int j, used = 0;

		for (j = 0; j < fc_hold_q.n && !used; j++)
			used = fc_hold_q.e[j].daddr == fc_probes[i].daddr &&
			       fc_hold_q.e[j].dport == fc_probes[i].dport;
		if (!used)
			fc_probe_drop(i);
	}
}

static void *fc_hold_thread(void *arg)
{
	struct nfq_handle *h = arg;
	static char buf[65536];

	for (;;) {
		struct pollfd pfd[1 + FC_HOLDQ_MAX];
		int i, n = 1, ready;

		pfd[0] = (struct pollfd){ .fd = fc_hold_fd, .events = POLLIN };
		for (i = 0; i < fc_nprobes; i++)
			if (fc_probes[i].fd >= 0)
				pfd[n++] = (struct pollfd){
					.fd = fc_probes[i].fd,
					.events = POLLOUT,
				};
		ready = poll(pfd, n, fc_hold_q.n ? FC_HOLD_TICK_MS : -1);
		if (ready < 0 && errno != EINTR)
			break;
		if (ready > 0 && (pfd[0].revents & POLLIN)) {
			ssize_t len = recv(fc_hold_fd, buf, sizeof(buf), 0);

			if (len > 0)
				nfq_handle_packet(h, buf, len);
			else if (len < 0 && errno == ENOBUFS)
				fprintf(stderr, "hold: queue overrun\n");
		}
		for (i = 1; i < n && ready > 0; i++) {
			struct fc_probe *pr;
			int j;

			if (!pfd[i].revents)
				continue;
			for (j = 0, pr = NULL; j < fc_nprobes && !pr; j++)
				if (fc_probes[j].fd == pfd[i].fd)
					pr = &fc_probes[j];
			if (pr)
				fc_probe_check(pr);
		}
		fc_hold_tick();
	}
	perror("hold: poll");
	return NULL;
}

/* A child of the server must not keep the queue's socket bound. */
static void fc_hold_atfork_child(void)
{
	if (fc_hold_fd >= 0)
		close(fc_hold_fd);
	fc_hold_fd = -1;
}

/*
 * Bind FC_HOLD_QUEUE and serve it from a thread of the OS server.  A
 * failure is reported and the server goes on without: the rule then lets
 * every packet pass (bypass).
 */
int fc_hold_start(void)
{
	struct nfq_handle *h = nfq_open();
	pthread_t t;
	int ret = -errno;

	if (!h)
		goto out_report;
	fc_hold_qh = nfq_create_queue(h, FC_HOLD_QUEUE, fc_hold_cb, NULL);
	ret = -EBUSY;
	if (!fc_hold_qh)
		goto out_close;
	ret = -EIO;
	if (nfq_set_mode(fc_hold_qh, NFQNL_COPY_PACKET, FC_HOLD_COPY) < 0)
		goto out_queue;
	/* a full queue lets packets pass rather than drop them */
	nfq_set_queue_flags(fc_hold_qh, NFQA_CFG_F_FAIL_OPEN,
			    NFQA_CFG_F_FAIL_OPEN);
	nfq_set_queue_maxlen(fc_hold_qh, FC_HOLDQ_MAX);
	fc_hold_fd = nfq_fd(h);
	pthread_atfork(NULL, NULL, fc_hold_atfork_child);
	ret = -pthread_create(&t, NULL, fc_hold_thread, h);
	if (ret)
		goto out_queue;
	pthread_detach(t);
	return 0;

out_queue:
	nfq_destroy_queue(fc_hold_qh);
out_close:
	nfq_close(h);
out_report:
	fprintf(stderr, "fcapsule serve: new connections are not held: %s\n",
		strerror(-ret));
	return ret;
}

/* Hold the new connections to @domid's address, if it has one. */
void fc_hold_dom(uint32_t domid, uint64_t timeout_ms)
{
	uint32_t addr;

	if (!fc_net_addr_of_dom(domid, &addr, NULL, 0))
		fc_napt_hold(addr, timeout_ms);
}

void fc_unhold_dom(uint32_t domid)
{
	uint32_t addr;

	if (!fc_net_addr_of_dom(domid, &addr, NULL, 0))
		fc_napt_unhold(addr);
}
