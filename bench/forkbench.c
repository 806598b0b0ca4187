// SPDX-License-Identifier: GPL-2.0
/*
 * forkbench MB REPS: the Dom0 baseline of the fork benchmark.  A process
 * touches MB MiB, then REPS times forks a child that touches every page
 * once (as an app VM's clone has all of them) and _exits; prints one line
 * per repetition: "MB SECONDS" from fork() to the parent's waitpid().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long mb = argc > 1 ? atol(argv[1]) : 4;
	int reps = argc > 2 ? atoi(argv[2]) : 20;
	size_t len = (size_t)mb << 20;
	long page = sysconf(_SC_PAGESIZE);
	char *mem;

	if (mb <= 0 || reps <= 0) {
		fprintf(stderr, "usage: forkbench MB REPS\n");
		return 2;
	}
	mem = malloc(len);
	if (!mem)
		return 1;
	memset(mem, 1, len);
	for (int r = 0; r < reps; r++) {
		double t0 = now();
		pid_t pid = fork();

		if (pid == 0) {
			for (size_t i = 0; i < len; i += page)
				mem[i]++;
			_exit(0);
		}
		if (pid < 0)
			return 1;
		waitpid(pid, NULL, 0);
		printf("%ld %.6f\n", mb, now() - t0);
	}
	return 0;
}
