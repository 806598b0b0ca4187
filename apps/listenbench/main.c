// SPDX-License-Identifier: GPL-2.0
/*
 * listenbench: the paper's Table 1 (listen() execution time) in an app
 * VM, through the library OS's sockets API, N times per path, the paths
 * interleaved so that a change of load on the host hits both alike:
 *
 *   ring: listen() as apps get it: the NAPT hook sends LISTEN over the
 *         fcapsule ring and the OS server (`fcapsule serve`) adds one map
 *         element before listen() returns; close() sends UNLISTEN.
 *   xs:   the paper's design: the same socket with SO_FCOS_NOHOOK, then
 *         "SEQ listen PORT" written to data/fclisten/req and a watch until
 *         data/fclisten/resp is "SEQ STATUS" (bench/xslisten in Dom0 adds
 *         the same element); close() then "SEQ unlisten PORT".
 *   lwip: the xs path's listen() and close() alone: the library OS
 *         without NAPT (the paper's "default" row).
 *
 * Prints one line per path and measure, then a summary (times in µs):
 *   FC-LISTENBENCH path=ring_listen n=.. min=.. med=.. p99=.. mean=..
 *   FC-LISTENBENCH-DONE n=.. warmup=.. port=.. ring_ok=.. ring_fail=.. ...
 * (ok/fail: listen() calls, warm-up included; xs fails also count an
 * answer other than 0).
 *
 *   listenbench [N [PORT]]     defaults 1000 and 8000
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <fc.h>
#include <fc/stats.h>
#include <fcos/arch.h>
#include <fcos/net.h>
#include <fcos/time.h>
#include <fcos/xenbus.h>

#define WARMUP	   10
#define XS_REQ	   "data/fclisten/req"
#define XS_RESP	   "data/fclisten/resp"
#define XS_WAIT_NS (30 * FCOS_NSEC_PER_SEC)

enum {
	RING_LISTEN,
	RING_CLOSE,
	XS_LISTEN,
	XS_CLOSE,
	LWIP_LISTEN,
	LWIP_CLOSE,
	NR_SERIES
};

static const char *const series_name[NR_SERIES] = {
	"ring_listen", "ring_close",  "xs_listen",
	"xs_close",    "lwip_listen", "lwip_close",
};

struct series {
	uint64_t *v;
	int n;
};

static struct series series[NR_SERIES];
static int n_reps;
static uint16_t port;
static struct fcos_xs_watch watch;
static unsigned long xs_seq;
static int ring_ok, ring_fail, xs_ok, xs_fail, first_err;

/* Intervals from the raw TSC (fcos_tsc_to_ns), as apps/nopbench. */

static void record(int k, uint64_t t0, uint64_t t1, int keep)
{
	if (keep && series[k].n < n_reps)
		series[k].v[series[k].n++] = fcos_tsc_to_ns(t1 - t0);
}

static void note_err(int e)
{
	if (!first_err)
		first_err = e;
}

/*
 * One request to bench/xslisten: 0 with its status in *status, or
 * -ETIMEDOUT when nothing answered within @wait_ns.  Each watch event
 * re-reads resp, so a stale event costs a read, never a wrong answer.
 */
static int xs_call(const char *op, unsigned int p, uint64_t wait_ns,
		   int *status)
{
	unsigned long seq = ++xs_seq;
	char *v = NULL, *end;
	int rc;

	rc = fcos_xs_printf(FCOS_XS_NO_TRANSACTION, XS_REQ, "%lu %s %u", seq,
			    op, p);
	while (!rc) {
		int tmo = fcos_xs_wait_watch(
			&watch, fcos_monotonic_ns() + wait_ns, NULL);

		if (fcos_xs_read(FCOS_XS_NO_TRANSACTION, XS_RESP, &v)) {
			rc = tmo;
			continue;
		}
		if (strtoul(v, &end, 10) == seq) {
			*status = (int)strtol(end, NULL, 10);
			rc = 1;
		} else {
			rc = tmo;
		}
		free(v);
	}
	return rc == 1 ? 0 : rc;
}

static int open_bound(int nohook)
{
	struct sockaddr_in sin;
	int fd, on = 1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -errno;
	if (nohook &&
	    setsockopt(fd, SOL_SOCKET, SO_FCOS_NOHOOK, &on, sizeof(on))) {
		close(fd);
		return -errno;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

/* Socket setup failing is the benchmark's failure, not a sample's. */
static int ring_rep(int keep)
{
	uint64_t t0, t1;
	int fd, rc;

	fd = open_bound(0);
	if (fd < 0)
		return fd;
	t0 = fcos_rdtsc();
	rc = listen(fd, SOMAXCONN);
	t1 = fcos_rdtsc();
	if (rc) {
		ring_fail++;
		note_err(errno);
		close(fd);
		return 0;
	}
	ring_ok++;
	record(RING_LISTEN, t0, t1, keep);
	t0 = fcos_rdtsc();
	close(fd);
	t1 = fcos_rdtsc();
	record(RING_CLOSE, t0, t1, keep);
	return 0;
}

static int xs_rep(int keep)
{
	uint64_t t0, t1, t2;
	int fd, rc, st = 0;

	fd = open_bound(1);
	if (fd < 0)
		return fd;
	t0 = fcos_rdtsc();
	rc = listen(fd, SOMAXCONN);
	t1 = fcos_rdtsc();
	if (!rc && xs_call("listen", port, XS_WAIT_NS, &st)) {
		close(fd);
		return -ETIMEDOUT;
	}
	t2 = fcos_rdtsc();
	if (rc || st) {
		xs_fail++;
		note_err(rc ? errno : -st);
		close(fd);
		return 0;
	}
	xs_ok++;
	record(LWIP_LISTEN, t0, t1, keep);
	record(XS_LISTEN, t0, t2, keep);
	t0 = fcos_rdtsc();
	close(fd);
	t1 = fcos_rdtsc();
	rc = xs_call("unlisten", port, XS_WAIT_NS, &st);
	t2 = fcos_rdtsc();
	if (rc)
		return rc;
	if (st) {
		xs_fail++;
		note_err(-st);
		return 0;
	}
	record(LWIP_CLOSE, t0, t1, keep);
	record(XS_CLOSE, t0, t2, keep);
	return 0;
}

static int setup_xs(void)
{
	int rc, st, i;

	/* resp is ours first, so that we can read what Dom0 writes back. */
	rc = fcos_xs_write(FCOS_XS_NO_TRANSACTION, XS_RESP, "0");
	rc = rc ?: fcos_xs_watch(&watch, XS_RESP, "fclisten");
	if (rc)
		return rc;
	fcos_xs_wait_watch(&watch, fcos_monotonic_ns() + FCOS_NSEC_PER_SEC,
			   NULL);
	/* bench/xslisten may start after us. */
	for (i = 0; i < 12; i++)
		if (!xs_call("ping", 0, 10 * FCOS_NSEC_PER_SEC, &st))
			return 0;
	return -ETIMEDOUT;
}

static void print_series(int k)
{
	struct fc_stats_summary s;
	uint64_t sum = 0;
	char b[4][24];
	int n = series[k].n;

	for (int i = 0; i < n; i++)
		sum += series[k].v[i];
	if (n)
		fc_stats_summarize(series[k].v, n, &s);
	else
		memset(&s, 0, sizeof(s));
	printf("FC-LISTENBENCH path=%s n=%d min=%s med=%s p99=%s mean=%s\n",
	       series_name[k], n, fc_stats_us(s.min, b[0]),
	       fc_stats_us(s.med, b[1]), fc_stats_us(s.p99, b[2]),
	       fc_stats_us(n ? sum / n : 0, b[3]));
}

int main(int argc, char **argv)
{
	uint64_t loop_tsc = 0, loop_xen = 0;
	int i, k, rc;

	n_reps = argc > 1 ? atoi(argv[1]) : 1000;
	port = argc > 2 ? (uint16_t)atoi(argv[2]) : 8000;
	if (n_reps < 1 || !port)
		return 2;
	for (k = 0; k < NR_SERIES; k++) {
		series[k].v = malloc(sizeof(uint64_t) * n_reps);
		if (!series[k].v)
			return 2;
	}
	/* The OS server maps to the vif's address: wait for the stack. */
	rc = fcos_net_wait_up(60 * FCOS_NSEC_PER_SEC);
	if (rc) {
		printf("FC-LISTENBENCH-FAIL no network: %d\n", rc);
		return 1;
	}
	if (fc_wait_connected(60 * FCOS_NSEC_PER_SEC)) {
		printf("FC-LISTENBENCH-FAIL not connected\n");
		return 1;
	}
	rc = setup_xs();
	if (rc) {
		printf("FC-LISTENBENCH-FAIL no xenstore responder: %d\n", rc);
		return 1;
	}
	printf("listenbench: %d + %d warm-up per path, port %u\n", n_reps,
	       WARMUP, port);
	for (i = 0; i < WARMUP + n_reps; i++) {
		int keep = i >= WARMUP;

		if (i == WARMUP) {
			loop_tsc = fcos_rdtsc();
			loop_xen = fcos_monotonic_ns();
		}

		/* Alternate the order: neither path always follows the
		 * other's close. */
		if (i & 1) {
			rc = xs_rep(keep);
			rc = rc ?: ring_rep(keep);
		} else {
			rc = ring_rep(keep);
			rc = rc ?: xs_rep(keep);
		}
		if (rc) {
			printf("FC-LISTENBENCH-FAIL repetition %d: %d\n", i,
			       rc);
			return 1;
		}
		if (keep && (i - WARMUP + 1) % 100 == 0)
			printf("listenbench: %d done\n", i - WARMUP + 1);
	}
	/* The TSC's scale against Xen's system time over the whole loop:
	 * they agree only if every sample was read on one TSC. */
	loop_tsc = fcos_tsc_to_ns(fcos_rdtsc() - loop_tsc) / 1000000;
	loop_xen = (fcos_monotonic_ns() - loop_xen) / 1000000;
	for (k = 0; k < NR_SERIES; k++)
		print_series(k);
	printf("FC-LISTENBENCH-DONE n=%d warmup=%d port=%u ring_ok=%d "
	       "ring_fail=%d xs_ok=%d xs_fail=%d first_err=%d "
	       "loop_tsc_ms=%llu loop_xen_ms=%llu\n",
	       n_reps, WARMUP, port, ring_ok, ring_fail, xs_ok, xs_fail,
	       first_err, (unsigned long long)loop_tsc,
	       (unsigned long long)loop_xen);
	return 0;
}
