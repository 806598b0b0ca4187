// SPDX-License-Identifier: GPL-2.0
/*
 * sleeper [ignore-term]: announces itself, then blocks forever in 1 s
 * sleeps.  A shutdown request (fcapsule kill -s TERM) ends it with 143,
 * unless ignore-term: then it only logs the request, like a process that
 * ignores SIGTERM, and the OS server's grace period decides.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <fc/shutdown.h>

static void ignore(const char *reason)
{
	printf("sleeper: ignoring shutdown request '%s'\n", reason);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "ignore-term"))
		fc_on_shutdown(ignore);
	printf("FC-SLEEPER-READY\n");
	for (;;)
		sleep(1);
	return 0;
}
