// SPDX-License-Identifier: GPL-2.0
/*
 * linuxlisten: the plain-Linux row of the paper's Table 1 in Dom0: a
 * process's socket() + bind() + listen() plus the one map element that
 * NAPT needs, added with the OS server's own code (usr/napt.c), timed
 * together; then close() + the element's removal.  The system calls
 * alone are reported too (the paper's Linux figure is listen() only).
 * Output in apps/listenbench's format (µs):
 *   FC-LISTENBENCH path=linux_listen n=.. min=.. med=.. p99=.. mean=..
 *   FC-LISTENBENCH-DONE n=.. warmup=.. port=.. linux_ok=.. ...
 *
 *   linuxlisten [N [PORT]]      defaults 1000 and 8000
 *
 * Dom0's CLOCK_MONOTONIC is no use per sample under emulation: a read
 * costs tens of µs (a system call through Xen) and its value stands
 * still for milliseconds at times.  Samples are TSC intervals on one
 * pinned vCPU (Linux finds the vCPUs' TSCs unsynchronized), converted
 * with a rate measured against CLOCK_MONOTONIC over the whole run
 * (at least a second); the run's CLOCK_MONOTONIC mean per cycle is
 * printed as a check, with the scheduler's on-CPU and run-queue wait
 * time per cycle.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include <fc/stats.h>
#include "fc.h"

#define WARMUP 10

enum { LISTEN, CLOSE, SYS_LISTEN, SYS_CLOSE, NR_SERIES };

static const char *const series_name[NR_SERIES] = {
	"linux_listen",
	"linux_close",
	"linux_sys_listen",
	"linux_sys_close",
};

static uint64_t *series[NR_SERIES];
static int n_series, n_reps, n_ok, n_fail, first_err;
static uint16_t port;

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + t.tv_nsec;
}

/*
 * This thread's on-CPU and run-queue wait time (ns) from the scheduler's
 * accounting, to compare with the wall time of the run: how much of a
 * cycle is work and how much is waiting (for RCU, for a vCPU).
 */
static void sched_ns(uint64_t *run, uint64_t *wait)
{
	unsigned long long r = 0, w = 0;
	FILE *f = fopen("/proc/thread-self/schedstat", "r");

	if (f) {
		if (fscanf(f, "%llu %llu", &r, &w) != 2)
			r = w = 0;
		fclose(f);
	}
	*run = r;
	*wait = w;
}

static void note_err(int e)
{
	n_fail++;
	if (!first_err)
		first_err = e;
}

/* One listen + close cycle; @t gets the TSC intervals of its parts. */
static int cycle(uint64_t t[NR_SERIES])
{
	struct fc_napt_entry e = {
		.port = port,
		.aport = port,
		/* Dom0 on the app VM bridge by default; the element's data
		 * does not change what adding it costs. */
		.addr = htonl(FC_NET_DEFAULT_ADDR),
		.name = "linuxlisten",
	};
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
	};
	uint64_t t0, t1, t2;
	int fd, on = 1, ret;

	t0 = __rdtsc();
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(fd, SOMAXCONN)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	t1 = __rdtsc();
	ret = fc_napt_add_entry(&e);
	t2 = __rdtsc();
	if (ret) {
		close(fd);
		return ret;
	}
	t[SYS_LISTEN] = t1 - t0;
	t[LISTEN] = t2 - t0;
	t0 = __rdtsc();
	close(fd);
	t1 = __rdtsc();
	ret = fc_napt_del(port);
	t2 = __rdtsc();
	t[SYS_CLOSE] = t1 - t0;
	t[CLOSE] = t2 - t0;
	return ret;
}

static void print_series(int k, double ns_per_tick)
{
	struct fc_stats_summary s = { 0 };
	uint64_t *v = series[k], sum = 0;
	char b[4][24];

	for (int i = 0; i < n_series; i++) {
		v[i] = (uint64_t)(v[i] * ns_per_tick);
		sum += v[i];
	}
	if (n_series)
		fc_stats_summarize(v, n_series, &s);
	printf("FC-LISTENBENCH path=%s n=%d min=%s med=%s p99=%s mean=%s\n",
	       series_name[k], n_series, fc_stats_us(s.min, b[0]),
	       fc_stats_us(s.med, b[1]), fc_stats_us(s.p99, b[2]),
	       fc_stats_us(n_series ? sum / n_series : 0, b[3]));
}

int main(int argc, char **argv)
{
	uint64_t mono0, mono1, tsc0, tsc1, loop0, loop1, t[NR_SERIES];
	uint64_t run0, run1, wait0, wait1;
	double ns_per_tick;
	cpu_set_t cpus;
	char b[3][24];
	int i, k, ret;

	n_reps = argc > 1 ? atoi(argv[1]) : 1000;
	port = argc > 2 ? (uint16_t)atoi(argv[2]) : 8000;
	if (argc > 3 || n_reps < 1 || !port) {
		fprintf(stderr, "usage: linuxlisten [N [PORT]]\n");
		return 2;
	}
	for (k = 0; k < NR_SERIES; k++) {
		series[k] = malloc(sizeof(uint64_t) * n_reps);
		if (!series[k])
			return 1;
	}
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus)) {
		perror("linuxlisten: sched_setaffinity");
		return 1;
	}
	ret = fc_napt_init();
	if (ret) {
		fprintf(stderr, "linuxlisten: NAPT table: %s\n",
			strerror(-ret));
		return 1;
	}
	mono0 = mono_ns();
	tsc0 = __rdtsc();
	for (i = 0; i < WARMUP; i++) {
		ret = cycle(t);
		if (ret)
			note_err(-ret);
	}
	loop0 = mono_ns();
	sched_ns(&run0, &wait0);
	for (i = 0; i < n_reps; i++) {
		ret = cycle(t);
		if (ret) {
			note_err(-ret);
			continue;
		}
		for (k = 0; k < NR_SERIES; k++)
			series[k][n_series] = t[k];
		n_series++;
	}
	sched_ns(&run1, &wait1);
	loop1 = mono_ns();
	n_ok = WARMUP + n_reps - n_fail;
	/* A rate over less than a second would carry the clock's steps. */
	if (loop1 - mono0 < 1000000000ull)
		usleep((1000000000ull - (loop1 - mono0)) / 1000 + 1);
	tsc1 = __rdtsc();
	mono1 = mono_ns();
	ns_per_tick = (double)(mono1 - mono0) / (double)(tsc1 - tsc0);
	for (k = 0; k < NR_SERIES; k++)
		print_series(k, ns_per_tick);
	printf("FC-LISTENBENCH-DONE n=%d warmup=%d port=%u linux_ok=%d "
	       "linux_fail=%d first_err=%d tsc_mhz=%.1f mono_cycle_mean=%s "
	       "run_cycle_mean=%s wait_cycle_mean=%s\n",
	       n_reps, WARMUP, port, n_ok, n_fail, first_err,
	       1000.0 / ns_per_tick,
	       fc_stats_us((loop1 - loop0) / n_reps, b[0]),
	       fc_stats_us((run1 - run0) / n_reps, b[1]),
	       fc_stats_us((wait1 - wait0) / n_reps, b[2]));
	return n_fail ? 1 : 0;
}
