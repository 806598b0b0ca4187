// SPDX-License-Identifier: GPL-2.0
/*
 * fcapsule bench cap: a CPU-bound app VM (apps/cpuloop) run to completion
 * under credit-scheduler caps of 60..100 %, runtime per cap.  The runtime
 * is unpause -> shutdown as seen from Dom0, so creation is not counted.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xl.h"

enum { OPT_IMAGE_DIR = 0x100 };

static double fc_bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One run; returns 0 with the runtime and CPU time in seconds. */
static int fc_bench_one(struct fc_xl *x, const char *kernel, long cap,
			const char *iters, double *wall, double *cpu)
{
	char name[FC_VMNAME_MAX], path[FC_PATH_MAX];
	struct fc_vm_spec s;
	libxl_dominfo info;
	uint32_t domid = INVALID_DOMID;
	double t0;
	int ret = -EIO;

	libxl_dominfo_init(&info);
	snprintf(name, sizeof(name), "bench-cap-%ld-%d", cap, (int)getpid());
	if (!fc_console_log_path(name, path, sizeof(path)))
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
	if (fc_devnode_add(x->xs, domid, 0))
		goto out;
	t0 = fc_bench_now();
	if (libxl_domain_unpause(x->ctx, domid, NULL))
		goto out;
	for (;;) {
		libxl_dominfo_dispose(&info);
		libxl_dominfo_init(&info);
		if (libxl_domain_info(x->ctx, &info, domid))
			goto out;
		if (info.shutdown)
			break;
		if (fc_bench_now() - t0 > 600) {
			fprintf(stderr,
				"fcapsule bench: cap %ld: no end after "
				"600 s\n",
				cap);
			goto out;
		}
		usleep(20 * 1000);
	}
	*wall = fc_bench_now() - t0;
	*cpu = info.cpu_time / 1e9;
	ret = 0;
out:
	libxl_dominfo_dispose(&info);
	if (domid != (uint32_t)INVALID_DOMID && fc_reap(x, domid, -1) <= 0)
		fc_xl_destroy(x, domid);
	return ret;
}

int main_bench(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "image", required_argument, NULL, 'i' },
		{ "image-dir", required_argument, NULL, OPT_IMAGE_DIR },
		{ "iterations", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *image = "cpuloop", *dir = NULL, *iters = "";
	double wall[5], cpu[5];
	char kernel[FC_PATH_MAX];
	struct fc_xl x = { 0 };
	unsigned long v;
	int c, i, ret;
	sigset_t block;

	optind = 0;
	while ((c = getopt_long(argc, argv, "i:n:", lopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			image = optarg;
			break;
		case OPT_IMAGE_DIR:
			dir = optarg;
			break;
		case 'n':
			if (fc_parse_ulong(optarg, 1, 1UL << 40, &v))
				goto usage;
			iters = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || strcmp(argv[optind], "cap"))
		goto usage;
	ret = fc_check_root();
	if (ret)
		goto out;
	if (fc_image_resolve(image, fc_image_dir(dir), kernel,
			     sizeof(kernel))) {
		fprintf(stderr, "fcapsule bench: unknown image '%s'\n", image);
		ret = FC_EXIT_NO_IMAGE;
		goto out;
	}
	ret = fc_check_module();
	if (ret)
		goto out;
	ret = fc_xl_open(&x);
	if (ret)
		goto out;
	fc_rundir_init();
	/* an interrupted run would leave its app VM behind */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, NULL);
	printf("# fcapsule bench cap: %s %s, 1 vcpu, 4 MB, credit scheduler\n",
	       kernel, iters);
	printf("%5s %10s %8s %10s %10s\n", "cap%", "runtime_s", "cpu_s",
	       "vs_100%", "ideal");
	for (i = 0; i < 5; i++) {
		long cap = 100 - 10 * i; /* 100 first: the reference */

		if (fc_bench_one(&x, kernel, cap, iters, &wall[i], &cpu[i])) {
			fprintf(stderr,
				"fcapsule bench: run at cap %ld "
				"failed\n",
				cap);
			ret = FC_EXIT_FAIL;
			goto out;
		}
	}
	for (i = 4; i >= 0; i--)
		printf("%5d %10.2f %8.2f %10.2f %10.2f\n", 100 - 10 * i,
		       wall[i], cpu[i], wall[i] / wall[0],
		       100.0 / (100 - 10 * i));
	ret = FC_EXIT_OK;
out:
	fc_xl_close(&x);
	return ret;
usage:
	fprintf(stderr, "usage: fcapsule bench [--image IMG] [--image-dir DIR] "
			"[--iterations N] cap\n");
	return FC_EXIT_USAGE;
}
