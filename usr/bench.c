// SPDX-License-Identifier: GPL-2.0
/*
 * fcapsule bench cap: a CPU-bound app VM (apps/cpuloop, a fixed integer
 * workload) run to completion under credit-scheduler caps of 100, 90, 80,
 * 70 and 60 % of one CPU (the paper's 5.2: scaling an app VM by its cap).
 *
 * Method (docs/bench.md, "Cap"):
 *  - the runtime is what cpuloop measures itself in Xen system time, from
 *    its first loop iteration to its last, so domain creation, boot and
 *    teardown in Dom0 are not in it, and neither is when Dom0 notices;
 *  - every cap runs --reps times, caps interleaved and the order reversed
 *    on every other round, so a drift in the machine's speed hits every
 *    cap alike; the table gives medians;
 *  - Dom0 blocks on @releaseDomain while an app VM runs instead of
 *    polling, so that the only busy vCPU is the capped one;
 *  - no fcapsule device node: the app needs none, and without one the OS
 *    server's reaper leaves the domain to us (it would otherwise destroy
 *    it as soon as it shuts down, before we have read its CPU time).
 * The cap is set at creation, as `run --cap` does, and read back from Xen.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "xl.h"

enum { OPT_IMAGE_DIR = 0x100, OPT_REPS };

#define FC_BENCH_NCAPS	     5
#define FC_BENCH_MAX_REPS    99
#define FC_BENCH_RUN_LIMIT_S 3600.0 /* guest seconds, one run */
#define FC_BENCH_LOG_LIMIT_S 10.0   /* for xenconsoled to log the result */
#define FC_BENCH_DONE	     "FC-CPULOOP-DONE "

static const long fc_bench_caps[FC_BENCH_NCAPS] = { 100, 90, 80, 70, 60 };

static volatile sig_atomic_t fc_bench_stop;

static void fc_bench_on_signal(int sig)
{
	(void)sig;
	fc_bench_stop = 1;
}

static double fc_bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Block (on @releaseDomain, watched by the caller) until domid shut down. */
static int fc_bench_wait_end(struct fc_xl *x, uint32_t domid, double t0,
			     libxl_dominfo *info)
{
	struct pollfd p = { .fd = xs_fileno(x->xs), .events = POLLIN };
	unsigned int n;
	char **w;
	int ret;

	for (;;) {
		libxl_dominfo_dispose(info);
		libxl_dominfo_init(info);
		if (libxl_domain_info(x->ctx, info, domid)) {
			ret = -ESRCH;
			goto out;
		}
		if (info->shutdown) {
			ret = 0;
			goto out;
		}
		if (fc_bench_stop) {
			ret = -EINTR;
			goto out;
		}
		if (fc_bench_now() - t0 > FC_BENCH_RUN_LIMIT_S) {
			ret = -ETIMEDOUT;
			goto out;
		}
		/* the timeout only bounds a missed event */
		if (poll(&p, 1, 1000) > 0) {
			w = xs_read_watch(x->xs, &n);
			free(w);
		}
	}
out:
	return ret;
}

/*
 * cpuloop's result line from its console log: xenconsoled writes it a
 * little after the domain shut down, so wait for it (the domain stays
 * until then, or its last output could be lost).
 */
static int fc_bench_read_done(const char *path, double *runtime)
{
	static char buf[65536]; /* the whole log: boot messages come first */
	double t0 = fc_bench_now();
	char *p;
	unsigned long long ns;
	unsigned long iters;
	unsigned int check;
	size_t len;
	FILE *f;
	int ret = -ENOENT;

	while (fc_bench_now() - t0 < FC_BENCH_LOG_LIMIT_S && !fc_bench_stop) {
		f = fopen(path, "r");
		if (f) {
			len = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
			buf[len] = '\0';
			p = strstr(buf, FC_BENCH_DONE);
			if (p && strchr(p, '\n') &&
			    sscanf(p + strlen(FC_BENCH_DONE), "%lu %u %llu",
				   &iters, &check, &ns) == 3) {
				*runtime = ns / 1e9;
				ret = 0;
				goto out;
			}
		}
		usleep(50 * 1000);
	}
out:
	return ret;
}

/* One run at one cap; its runtime and the CPU time Xen charged, in s. */
static int fc_bench_one(struct fc_xl *x, const char *kernel, long cap,
			const char *iters, int rep, double *runtime,
			double *cpu)
{
	char name[FC_VMNAME_MAX], path[FC_PATH_MAX];
	struct fc_vm_spec s;
	libxl_dominfo info;
	uint32_t domid = INVALID_DOMID;
	long got;
	int err, ret = -EIO;

	libxl_dominfo_init(&info);
	snprintf(name, sizeof(name), "bench-cap-%ld-%d-%d", cap, rep,
		 (int)getpid());
	if (fc_console_log_path(name, path, sizeof(path))) {
		fprintf(stderr, "fcapsule bench: no console log directory\n");
		goto out;
	}
	unlink(path);
	memset(&s, 0, sizeof(s));
	s.name = name;
	s.kernel = kernel;
	s.cmdline = iters;
	s.memory_mb = 4;
	s.vcpus = 1;
	s.cap = cap;
	if (fc_xl_create(x, &s, &domid))
		goto out;
	got = fc_xl_get_cap(x, domid);
	if (got != cap) {
		fprintf(stderr, "fcapsule bench: cap %ld asked, Xen has %ld\n",
			cap, got);
		goto out;
	}
	if (libxl_domain_unpause(x->ctx, domid, NULL))
		goto out;
	err = fc_bench_wait_end(x, domid, fc_bench_now(), &info);
	if (err) {
		fprintf(stderr, "fcapsule bench: cap %ld: %s\n", cap,
			err == -ETIMEDOUT ? "no end in time"
			: err == -EINTR	  ? "interrupted"
					  : "the domain vanished");
		goto out;
	}
	*cpu = info.cpu_time / 1e9;
	if (fc_bench_read_done(path, runtime)) {
		fprintf(stderr,
			"fcapsule bench: cap %ld: no '%s' line in %s "
			"(shutdown reason %d)\n",
			cap, FC_BENCH_DONE, path, info.shutdown_reason);
		goto out;
	}
	ret = 0;
out:
	libxl_dominfo_dispose(&info);
	if (domid != (uint32_t)INVALID_DOMID)
		fc_xl_destroy(x, domid);
	return ret;
}

static int fc_bench_cmp(const void *a, const void *b)
{
	double d = *(const double *)a - *(const double *)b;

	return (d > 0) - (d < 0);
}

/* Median of v[0..n-1]; v is sorted in place, so min/max are v[0]/v[n-1]. */
static double fc_bench_median(double *v, int n)
{
	qsort(v, n, sizeof(*v), fc_bench_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void fc_bench_table(double rt[][FC_BENCH_MAX_REPS],
			   double cpu[][FC_BENCH_MAX_REPS], int reps)
{
	double med[FC_BENCH_NCAPS], mcpu, ratio, ideal;
	int i;

	for (i = 0; i < FC_BENCH_NCAPS; i++)
		med[i] = fc_bench_median(rt[i], reps);
	printf("%5s %10s %8s %8s %6s %8s %6s %6s\n", "cap%", "runtime_s",
	       "spread%", "cpu_s", "util%", "vs_100%", "ideal", "dev%");
	/* lowest cap first: the runtime should grow down the table */
	for (i = FC_BENCH_NCAPS - 1; i >= 0; i--) {
		mcpu = fc_bench_median(cpu[i], reps);
		ratio = med[i] / med[0];
		ideal = 100.0 / fc_bench_caps[i];
		printf("%5ld %10.3f %8.1f %8.3f %6.1f %8.3f %6.3f %+6.1f\n",
		       fc_bench_caps[i], med[i],
		       100 * (rt[i][reps - 1] - rt[i][0]) / med[i], mcpu,
		       100 * mcpu / med[i], ratio, ideal,
		       100 * (ratio / ideal - 1));
	}
}

int main_bench(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "image", required_argument, NULL, 'i' },
		{ "image-dir", required_argument, NULL, OPT_IMAGE_DIR },
		{ "iterations", required_argument, NULL, 'n' },
		{ "reps", required_argument, NULL, OPT_REPS },
		{ NULL, 0, NULL, 0 },
	};
	static double rt[FC_BENCH_NCAPS][FC_BENCH_MAX_REPS];
	static double cpu[FC_BENCH_NCAPS][FC_BENCH_MAX_REPS];
	const char *image = "cpuloop", *dir = NULL, *iters = "";
	char kernel[FC_PATH_MAX], why[FC_ERR_MAX];
	struct fc_xl x = { 0 };
	struct sigaction sa;
	unsigned long v;
	int c, i, k, r, reps = 3, watching = 0, ret;

	optind = 0;
	while ((c = fc_getopt(argc, argv, "i:n:", lopts, why)) != -1) {
		switch (c) {
		case 'h':
			return fc_parse_exit("bench", FC_PARSE_HELP, why);
		case 'i':
			image = optarg;
			break;
		case OPT_IMAGE_DIR:
			dir = optarg;
			break;
		case 'n':
			if (fc_parse_ulong(optarg, 1, 1UL << 40, &v)) {
				fc_arg_error(why, "bad --iterations '%s'",
					     optarg);
				goto usage;
			}
			iters = optarg;
			break;
		case OPT_REPS:
			if (fc_parse_ulong(optarg, 1, FC_BENCH_MAX_REPS, &v)) {
				fc_arg_error(why, "bad --reps '%s' (1..%d)",
					     optarg, FC_BENCH_MAX_REPS);
				goto usage;
			}
			reps = (int)v;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || strcmp(argv[optind], "cap")) {
		fc_arg_error(why, "one benchmark expected: cap");
		goto usage;
	}
	ret = fc_check_root();
	if (ret)
		goto out;
	if (fc_image_resolve(image, fc_image_dir(dir), kernel,
			     sizeof(kernel))) {
		fprintf(stderr, "fcapsule bench: unknown image '%s'\n", image);
		ret = FC_EXIT_NO_IMAGE;
		goto out;
	}
	ret = fc_xl_open(&x);
	if (ret)
		goto out;
	ret = FC_EXIT_FAIL;
	if (!xs_watch(x.xs, "@releaseDomain", "fc-bench")) {
		fprintf(stderr,
			"fcapsule bench: cannot watch @releaseDomain\n");
		goto out;
	}
	watching = 1;
	/* an interrupted run must still destroy its app VM: stop, not die */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fc_bench_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("# fcapsule bench cap: %s %s, 1 vcpu, 4 MB, credit scheduler; "
	       "%d runs per cap, interleaved; medians\n",
	       kernel, iters[0] ? iters : "(default iterations)", reps);
	fflush(stdout);
	for (r = 0; r < reps; r++) {
		for (k = 0; k < FC_BENCH_NCAPS; k++) {
			/* every other round backwards: no cap always first */
			i = r % 2 ? FC_BENCH_NCAPS - 1 - k : k;
			if (fc_bench_one(&x, kernel, fc_bench_caps[i], iters, r,
					 &rt[i][r], &cpu[i][r])) {
				fprintf(stderr,
					"fcapsule bench: run at cap %ld "
					"failed\n",
					fc_bench_caps[i]);
				goto out;
			}
			printf("# run %d/%d cap %3ld: runtime %.3f s, cpu "
			       "%.3f s\n",
			       r + 1, reps, fc_bench_caps[i], rt[i][r],
			       cpu[i][r]);
			fflush(stdout);
		}
	}
	fc_bench_table(rt, cpu, reps);
	ret = FC_EXIT_OK;
out:
	if (watching)
		xs_unwatch(x.xs, "@releaseDomain", "fc-bench");
	fc_xl_close(&x);
	return ret;
usage:
	return fc_usage_error("bench", "%s", why);
}
