// SPDX-License-Identifier: GPL-2.0
/*
 * control/shutdown and the suspend event channel: how the toolstack asks
 * a PV guest to stop (libxl_domain_shutdown, `fcapsule kill -s TERM`) or
 * to suspend (save, checkpoint, migration, fork).
 *
 * A thread watches control/shutdown and acknowledges a request by
 * clearing it (what libxl waits for).  "suspend" suspends the OS
 * (kernel/suspend.c); any other reason goes to the app's handler, or
 * exits with 143 like a process killed by SIGTERM.  We also offer an
 * unbound port in device/suspend/event-channel: libxl then signals a
 * suspend by that port instead of XenStore, which saves it a write and
 * a watch round trip on every save, checkpoint and fork.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fc/shutdown.h>
#include <fcos/evtchn.h>
#include <fcos/exit.h>
#include <fcos/sched.h>
#include <fcos/setup.h>
#include <fcos/time.h>
#include <fcos/xenbus.h>

#define SHUTDOWN_NODE	   "control/shutdown"
#define SUSPEND_EVTCHN_KEY "device/suspend/event-channel"
#define SIGTERM_EXIT	   143

static struct {
	struct fcos_xs_watch watch;
	void (*handler)(const char *reason);
	int started;
	evtchn_port_t suspend_port;
	int suspend_requested;
	struct fcos_waitq suspend_wq;
} sd = { .suspend_port = FCOS_EVTCHN_INVALID };

void fc_on_shutdown(void (*fn)(const char *reason))
{
	sd.handler = fn;
}

/* Read and acknowledge one request into @reason; 1 if there was one. */
static int take_request(char *reason, size_t len)
{
	char *v = NULL;
	int rc = 0;

	if (fcos_xs_read(FCOS_XS_NO_TRANSACTION, SHUTDOWN_NODE, &v))
		return 0; /* no node (yet): the watch's first firing */
	if (!v[0])
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
		if (!strcmp(reason, "suspend")) {
			fcos_suspend();
			continue;
		}
		printf("FC-SHUTDOWN-REQUEST %s\n", reason);
		if (!sd.handler)
			exit(SIGTERM_EXIT);
		sd.handler(reason);
	}
}

static void suspend_evtchn_handler(evtchn_port_t port, struct fcos_regs *regs,
				   void *data)
{
	(void)port;
	(void)regs;
	(void)data;
	sd.suspend_requested = 1;
	fcos_waitq_wake_all(&sd.suspend_wq);
}

static void suspend_thread(void *arg)
{
	(void)arg;
	for (;;) {
		fcos_wait_event(&sd.suspend_wq, sd.suspend_requested);
		sd.suspend_requested = 0;
		fcos_suspend();
	}
}

/* Offer the port; without it (no node, no room) libxl uses XenStore. */
static void publish_suspend_evtchn(void)
{
	int rc;

	sd.suspend_port = FCOS_EVTCHN_INVALID;
	rc = fcos_evtchn_alloc_unbound(0, suspend_evtchn_handler, NULL,
				       &sd.suspend_port);
	if (rc)
		return;
	rc = fcos_xs_printf(FCOS_XS_NO_TRANSACTION, SUSPEND_EVTCHN_KEY, "%u",
			    sd.suspend_port);
	if (rc) {
		fcos_evtchn_close(sd.suspend_port);
		sd.suspend_port = FCOS_EVTCHN_INVALID;
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
	if (fcos_thread_create("suspend", suspend_thread, NULL))
		publish_suspend_evtchn();
	sd.started = 1;
	return 0;
}

/* The watch is xenstore's to renew; the port stays bound unless we are
 * a new domain, which has none. */
static int shutdown_suspend(void)
{
	return 0;
}

static int shutdown_resume(int new_domain)
{
	if (new_domain && sd.suspend_port != FCOS_EVTCHN_INVALID)
		publish_suspend_evtchn();
	return 0;
}

static void shutdown_fini(void)
{
}

static const struct fcos_driver shutdown_driver = {
	.name = "shutdown",
	.init = shutdown_init,
	.fini = shutdown_fini,
	.suspend = shutdown_suspend,
	.resume = shutdown_resume,
};
FCOS_DRIVER(shutdown_driver);
