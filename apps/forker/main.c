// SPDX-License-Identifier: GPL-2.0
/*
 * forker: the test app for suspend/resume and fork().
 *
 *   forker tick          count once a second, forever ("FC-TICK n")
 *   forker fork [N]      fork N times in a row (default 1), then tick;
 *                        every child says who it is and ticks too
 *   forker chain         fork, and the child forks again (a fork of a fork)
 *
 * Each tick also does a NOP over the ring, so a tick line shows that the
 * fcapsule session works in this domain.  A value written after fork()
 * shows that parent and child have their own memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fc.h>

static volatile unsigned long counter;
static int value = 1;

static void whoami(const char *what, int rc)
{
	struct fc_hello_rsp h;

	if (fc_hello(&h)) {
		printf("%s %d (no HELLO)\n", what, rc);
		return;
	}
	printf("%s %d dom=%u name=%s parent=%u app=%llu value=%d\n", what, rc,
	       h.domid, h.name, h.parent_domid, (unsigned long long)h.app_id,
	       value);
}

static void tick(void)
{
	for (;;) {
		int rc = fc_nop();

		printf("FC-TICK %lu nop=%d value=%d\n", counter, rc, value);
		counter++;
		sleep(1);
	}
}

/* Returns 1 in a child, 0 in the parent. */
static int one_fork(int gen)
{
	int pid = fork();

	if (pid < 0) {
		printf("FC-FORK-FAIL %d\n", -errno);
		return 0;
	}
	if (pid == 0) {
		value = 100 + gen; /* the parent must not see this */
		whoami("FC-FORK-CHILD", 0);
		return 1;
	}
	whoami("FC-FORK-PARENT", pid);
	return 0;
}

int main(int argc, char **argv)
{
	int n = 1;

	if (fc_wait_connected(60ULL * 1000 * 1000 * 1000))
		printf("forker: no fcapsule session\n");
	whoami("FC-FORKER-READY", 0);
	if (argc > 1 && !strcmp(argv[1], "fork")) {
		if (argc > 2)
			n = atoi(argv[2]);
		for (int i = 0; i < n; i++)
			if (one_fork(i))
				break; /* children do not fork again */
	} else if (argc > 1 && !strcmp(argv[1], "chain")) {
		if (one_fork(0))
			one_fork(1);
	}
	tick();
	return 0;
}
