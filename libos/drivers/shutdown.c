// SPDX-License-Identifier: GPL-2.0
/*
 * control/shutdown: the toolstack's way of asking a PV guest to stop
 * (libxl_domain_shutdown, `fcapsule kill -s TERM`).  A thread watches the
 * node, acknowledges a request by clearing it (what libxl waits for), and
 * delivers it to the app's handler, or exits with 143 like a process
 * killed by SIGTERM.  Suspend requests belong to the suspend path, not
 * here, and are left alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fc/shutdown.h>
#include <fcos/exit.h>
#include <fcos/sched.h>
#include <fcos/setup.h>
#include <fcos/time.h>
#include <fcos/xenbus.h>

#define SHUTDOWN_NODE "control/shutdown"
#define SIGTERM_EXIT  143

static struct {
	struct fcos_xs_watch watch;
	void (*handler)(const char *reason);
	int started;
} sd;

void fc_on_shutdown(void (*fn)(const char *reason))
{
	sd.handler = fn;
}

/* Read and acknowledge one request; 1 if there was one to deliver. */
static int take_request(char *reason, size_t len)
{
	char *v = NULL;
	int rc = 0;

	if (fcos_xs_read(FCOS_XS_NO_TRANSACTION, SHUTDOWN_NODE, &v))
		return 0; /* no node (yet): the watch's first firing */
	if (!v[0] || !strcmp(v, "suspend"))
		goto out;
	snprintf(reason, len, "%s", v);
	/* Clearing the node is the acknowledgement libxl waits for. */
	fcos_xs_write(FCOS_XS_NO_TRANSACTION, SHUTDOWN_NODE, "");
	rc = 1;
out:
	free(v);
	return rc;
}

static void shutdown_thread(void *arg)
{
	char reason[32];

	(void)arg;
	for (;;) {
		if (fcos_xs_wait_watch(&sd.watch, FCOS_TIME_NEVER, NULL))
			continue;
		if (!take_request(reason, sizeof(reason)))
			continue;
		printf("FC-SHUTDOWN-REQUEST %s\n", reason);
		if (!sd.handler)
			exit(SIGTERM_EXIT);
		sd.handler(reason);
	}
}

static int shutdown_init(void)
{
	int rc;

	if (sd.started)
		return 0;
	rc = fcos_xs_watch(&sd.watch, SHUTDOWN_NODE, "fcos-shutdown");
	if (rc) {
		printf("shutdown: cannot watch %s: %d\n", SHUTDOWN_NODE, rc);
		return 0; /* the app still runs; only TERM is lost */
	}
	if (!fcos_thread_create("shutdown", shutdown_thread, NULL)) {
		fcos_xs_unwatch(&sd.watch);
		return 0;
	}
	sd.started = 1;
	return 0;
}

/* The thread and the watch survive suspend with xenstore's own resume. */
static int shutdown_nop(void)
{
	return 0;
}

static void shutdown_fini(void)
{
}

static const struct fcos_driver shutdown_driver = {
	.name = "shutdown",
	.init = shutdown_init,
	.fini = shutdown_fini,
	.suspend = shutdown_nop,
	.resume = shutdown_nop,
};
FCOS_DRIVER(shutdown_driver);
