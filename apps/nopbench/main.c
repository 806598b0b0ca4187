// SPDX-License-Identifier: GPL-2.0
/*
 * nopbench: the NOP round trip over the fcapsule ring against the same
 * NOP carried the paper's way over XenStore (write data/fcnop/req = seq,
 * wait by watch for data/fcnop/resp == seq, written back by bench/xsnop
 * in Dom0).  Prints one line:
 *   FC-NOPBENCH ring_n=.. ring_min=.. ring_med=.. ring_p99=.. xs_n=..
 *               xs_min=.. xs_med=.. xs_p99=.. ratio_med=..   (µs)
 *
 *   nopbench [RING_N [XS_N]]     defaults 10000 and 1000
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fc.h>
#include <fc/stats.h>
#include <fcos/arch.h>
#include <fcos/time.h>
#include <fcos/xenbus.h>

#define WARMUP 100

/*
 * Intervals from the raw TSC (fcos_tsc_to_ns): fcos_monotonic_ns() is
 * re-based on Xen's system time at every update, and under software
 * emulation those corrections step the extrapolated time back by more
 * than a short round trip (samples of 0 µs).
 */
static uint64_t now(void)
{
	return fcos_rdtsc();
}

static int xs_nop(struct fcos_xs_watch *w, unsigned long seq)
{
	char *v = NULL;
	int rc;

	rc = fcos_xs_printf(FCOS_XS_NO_TRANSACTION, "data/fcnop/req", "%lu",
			    seq);
	while (!rc) {
		/* A timeout re-reads resp once: an event lost on the way
		 * shows up as a slow sample, not as a failure. */
		int tmo = fcos_xs_wait_watch(
			w, fcos_monotonic_ns() + 30 * FCOS_NSEC_PER_SEC, NULL);

		if (fcos_xs_read(FCOS_XS_NO_TRANSACTION, "data/fcnop/resp", &v))
			continue;
		rc = strtoul(v, NULL, 10) == seq ? 1 : tmo;
		free(v);
	}
	return rc == 1 ? 0 : rc;
}

int main(int argc, char **argv)
{
	int ring_n = argc > 1 ? atoi(argv[1]) : 10000;
	int xs_n = argc > 2 ? atoi(argv[2]) : 1000;
	uint64_t *ring_t, *xs_t, t0;
	struct fc_stats_summary r, x;
	struct fcos_xs_watch w;
	char b[6][24];
	int i, rc;

	ring_t = malloc(sizeof(*ring_t) * (ring_n > 0 ? ring_n : 1));
	xs_t = malloc(sizeof(*xs_t) * (xs_n > 0 ? xs_n : 1));
	if (!ring_t || !xs_t || ring_n < 1 || xs_n < 1)
		return 2;
	if (fc_wait_connected(60 * FCOS_NSEC_PER_SEC)) {
		printf("FC-NOPBENCH not connected\n");
		return 1;
	}
	for (i = 0; i < WARMUP; i++)
		fc_nop();
	for (i = 0; i < ring_n; i++) {
		t0 = now();
		rc = fc_nop();
		ring_t[i] = fcos_tsc_to_ns(now() - t0);
		if (rc) {
			printf("FC-NOPBENCH ring NOP failed: %d\n", rc);
			return 1;
		}
	}
	printf("nopbench: ring done (%d)\n", ring_n);

	/* resp is ours first, so that we can read what Dom0 writes back. */
	rc = fcos_xs_write(FCOS_XS_NO_TRANSACTION, "data/fcnop/resp", "0");
	rc = rc ?: fcos_xs_watch(&w, "data/fcnop/resp", "fcnop");
	if (rc) {
		printf("FC-NOPBENCH xenstore setup failed: %d\n", rc);
		return 1;
	}
	fcos_xs_wait_watch(&w, fcos_monotonic_ns() + FCOS_NSEC_PER_SEC, NULL);
	printf("nopbench: waiting for the Dom0 responder\n");
	/* Until xsnop answers (it may start after us). */
	for (i = 1; xs_nop(&w, i); i++)
		if (i > 60) {
			printf("FC-NOPBENCH no xenstore responder\n");
			return 1;
		}
	for (int k = 0; k < 20; k++) /* warm-up */
		xs_nop(&w, ++i);
	for (int k = 0; k < xs_n; k++) {
		t0 = now();
		rc = xs_nop(&w, ++i);
		xs_t[k] = fcos_tsc_to_ns(now() - t0);
		if (rc) {
			char *q = NULL, *a = NULL;

			fcos_xs_read(FCOS_XS_NO_TRANSACTION, "data/fcnop/req",
				     &q);
			fcos_xs_read(FCOS_XS_NO_TRANSACTION, "data/fcnop/resp",
				     &a);
			printf("FC-NOPBENCH xenstore NOP %d failed: %d (req=%s "
			       "resp=%s)\n",
			       i, rc, q ? q : "?", a ? a : "?");
			return 1;
		}
	}
	fc_stats_summarize(ring_t, ring_n, &r);
	fc_stats_summarize(xs_t, xs_n, &x);
	printf("FC-NOPBENCH ring_n=%d ring_min=%s ring_med=%s ring_p99=%s "
	       "xs_n=%d xs_min=%s xs_med=%s xs_p99=%s ratio_med=%llu.%llu\n",
	       ring_n, fc_stats_us(r.min, b[0]), fc_stats_us(r.med, b[1]),
	       fc_stats_us(r.p99, b[2]), xs_n, fc_stats_us(x.min, b[3]),
	       fc_stats_us(x.med, b[4]), fc_stats_us(x.p99, b[5]),
	       (unsigned long long)(x.med / (r.med ? r.med : 1)),
	       (unsigned long long)(x.med * 10 / (r.med ? r.med : 1) % 10));
	return 0;
}
