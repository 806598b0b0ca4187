// SPDX-License-Identifier: GPL-2.0
/*
 * pipebench: the Linux baseline for apps/ipcbench: two Dom0 processes
 * talking over a pair of pipes.  Same measurements: 64-byte round trip,
 * and N messages of 4 KiB and 64 KiB streamed then acknowledged.
 *
 *   pipebench [LAT_N [N4K [N64K]]]     (defaults 10000 2000 200)
 * prints: PIPEBENCH lat_n=.. lat_med=.. lat_p99=.. tp4k=.. tp64k=..
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint8_t buf[65536];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int xfer(int fd, void *p, size_t n, int wr)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = wr ? write(fd, (char *)p + done, n - done)
			       : read(fd, (char *)p + done, n - done);

		if (r <= 0)
			return -1;
		done += r;
	}
	return 0;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The child: echo pings, acknowledge batches.  Header: type, size. */
static void child(int in, int out)
{
	uint32_t h[2];

	while (!xfer(in, h, sizeof(h), 0)) {
		if (h[1] > sizeof(buf) || xfer(in, buf, h[1], 0))
			break;
		if (h[0] == 'P' &&
		    (xfer(out, h, sizeof(h), 1) || xfer(out, buf, h[1], 1)))
			break;
		if (h[0] == 'E' && xfer(out, h, sizeof(h), 1))
			break;
	}
	_exit(0);
}

static int send_msg(int fd, uint32_t type, uint32_t size)
{
	uint32_t h[2] = { type, size };

	return xfer(fd, h, sizeof(h), 1) || xfer(fd, buf, size, 1);
}

static double throughput(int to, int from, int n, uint32_t size)
{
	uint64_t t0 = now_ns();
	uint32_t h[2];

	for (int i = 0; i < n; i++)
		if (send_msg(to, 'D', size))
			return 0;
	if (send_msg(to, 'E', 0) || xfer(from, h, sizeof(h), 0))
		return 0;
	return (double)size * n / ((now_ns() - t0) / 1e9) / 1e6;
}

int main(int argc, char **argv)
{
	int lat_n = argc > 1 ? atoi(argv[1]) : 10000;
	int n4k = argc > 2 ? atoi(argv[2]) : 2000;
	int n64k = argc > 3 ? atoi(argv[3]) : 200;
	int p2c[2], c2p[2];
	uint64_t *t;
	uint32_t h[2];
	double tp4k, tp64k;
	pid_t pid;

	t = calloc(lat_n > 0 ? lat_n : 1, sizeof(*t));
	if (!t || lat_n < 1 || pipe(p2c) || pipe(c2p))
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		close(p2c[1]);
		close(c2p[0]);
		child(p2c[0], c2p[1]);
	}
	close(p2c[0]);
	close(c2p[1]);
	memset(buf, 0x5a, sizeof(buf));
	for (int i = -10; i < lat_n; i++) {
		uint64_t t0 = now_ns();

		if (send_msg(p2c[1], 'P', 64) ||
		    xfer(c2p[0], h, sizeof(h), 0) || xfer(c2p[0], buf, 64, 0))
			return 1;
		if (i >= 0)
			t[i] = now_ns() - t0;
	}
	tp4k = throughput(p2c[1], c2p[0], n4k, 4096);
	tp64k = throughput(p2c[1], c2p[0], n64k, 65536);
	close(p2c[1]);
	waitpid(pid, NULL, 0);
	qsort(t, lat_n, sizeof(*t), cmp);
	printf("PIPEBENCH lat_n=%d lat_med=%.2f lat_p99=%.2f tp4k=%.2f "
	       "tp64k=%.2f n4k=%d n64k=%d\n",
	       lat_n, t[lat_n / 2] / 1e3, t[(long)lat_n * 99 / 100] / 1e3, tp4k,
	       tp64k, n4k, n64k);
	return 0;
}
