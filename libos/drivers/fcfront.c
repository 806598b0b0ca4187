// SPDX-License-Identifier: GPL-2.0
/*
 * fcfront: frontend of the fcapsule device (docs/protocol.md, "Frontend
 * (libos)"), its xenbus session: the device's pages, grants and port, the
 * handshake, suspend/resume.  Two threads of our own: "fcfront-xs"
 * follows the backend's xenbus state and runs the handshake; "fcfront-rx"
 * drains both rings (fcfront_ring.c) when the event channel fires.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fc.h>
#include <fcos/arch.h>
#include <fcos/evtchn.h>
#include <fcos/fcfront.h>
#include <fcos/gnttab.h>
#include <fcos/lib.h>
#include <fcos/mm.h>
#include <fcos/net.h>
#include <fcos/sched.h>
#include <fcos/setup.h>
#include <fcos/time.h>
#include <fcos/xenbus.h>
#include "fcfront_priv.h"

/* listen() -> NAPT (fcfront_hooks.c): the network stack's references are
 * weak, so this strong one links the hooks in with the frontend. */
static const void *const keep_listen_hooks __attribute__((used)) =
	fcfront_listen_hooks;

struct fcfront_dev fcfront_dev = { .state = FCFRONT_NODEV,
				   .port = FCOS_EVTCHN_INVALID };

static void evt_handler(evtchn_port_t port, struct fcos_regs *regs, void *data)
{
	(void)port;
	(void)regs;
	(void)data;
	fcfront_dev.evt = 1;
	fcos_waitq_wake_all(&fcfront_dev.wq);
}

/* ---- sessions (xenstore) -------------------------------------------- */

static int backend_offers_v1(void)
{
	char path[160], *v = NULL, *p;
	int ok = 0;

	snprintf(path, sizeof(path), "%s/%s", fcfront_dev.be, FC_XS_VERSIONS);
	if (fcos_xs_read(FCOS_XS_NO_TRANSACTION, path, &v))
		return 0;
	for (p = v; *p;) { /* space-separated list */
		while (*p == ' ')
			p++;
		if (p[0] == '1' && (p[1] == ' ' || p[1] == '\0'))
			ok = 1;
		while (*p && *p != ' ')
			p++;
	}
	free(v);
	return ok;
}

static void fe_error(const char *msg)
{
	printf("fcfront: %s\n", msg);
	fcos_xs_write(FCOS_XS_NO_TRANSACTION, "error/" FE_DIR "/error", msg);
}

/* Fresh rings, keys published, -> Initialised (docs/protocol.md §3). */
static int start_session(void)
{
	fcos_xs_transaction_t t;
	int rc;

	if (!backend_offers_v1()) {
		fe_error("backend offers no protocol version 1");
		return -FC_EPROTONOSUPPORT;
	}
	SHARED_RING_INIT(fcfront_dev.sring);
	SHARED_RING_INIT(fcfront_dev.in_sring);
	FRONT_RING_INIT(&fcfront_dev.ring, fcfront_dev.sring, FCOS_PAGE_SIZE);
	BACK_RING_INIT(&fcfront_dev.in, fcfront_dev.in_sring, FCOS_PAGE_SIZE);
	/* What the last session left unconsumed went with its rings. */
	fcfront_dev.inq_head = 0;
	fcfront_dev.inq_len = 0;
	fcfront_dev.inq_gen++;
	/* Ring initialisation before the keys that let Dom0 map the pages
	 * (the xenstore write is a hypercall: a compiler barrier is enough
	 * on x86, and xen_wmb is one). */
	xen_wmb();
	do {
		rc = fcos_xs_transaction_start(&t);
		if (rc)
			return rc;
		rc = fcos_xs_printf(t, FE_DIR "/" FC_XS_VERSION, "%d",
				    FC_PROTO_VERSION);
		rc = rc
			     ?: fcos_xs_printf(t, FE_DIR "/" FC_XS_RING_REF,
					       "%u", fcfront_dev.ref);
		rc = rc
			     ?: fcos_xs_printf(t, FE_DIR "/" FC_XS_IN_RING_REF,
					       "%u", fcfront_dev.in_ref);
		rc = rc
			     ?: fcos_xs_printf(t, FE_DIR "/" FC_XS_EVTCHN, "%u",
					       fcfront_dev.port);
		rc = rc ?: fcfront_areas_publish(t);
		rc = rc
			     ?: fcos_xenbus_switch_state(
					t, FE_DIR, XenbusStateInitialised);
		if (rc) {
			fcos_xs_transaction_end(t, 1);
			return rc;
		}
		rc = fcos_xs_transaction_end(t, 0);
	} while (rc == -EAGAIN);
	if (!rc)
		fcfront_dev.state = FCFRONT_INITIALISED;
	return rc;
}

/*
 * The session is over: fail what is outstanding; with @tell, go Closing
 * then Closed (not when the backend is already back in InitWait: it
 * would close again instead of connecting).
 */
static void end_session(int tell)
{
	if (fcfront_dev.state == FCFRONT_CONNECTED ||
	    fcfront_dev.state == FCFRONT_INITIALISED)
		fcfront_dev.state = FCFRONT_CLOSED;
	fcfront_fail_inflight();
	if (!tell)
		return;
	fcos_xenbus_switch_state(FCOS_XS_NO_TRANSACTION, FE_DIR,
				 XenbusStateClosing);
	fcos_xenbus_switch_state(FCOS_XS_NO_TRANSACTION, FE_DIR,
				 XenbusStateClosed);
}

static void lock(void)
{
	fcos_wait_event(&fcfront_dev.wq, !fcfront_dev.lock);
	fcfront_dev.lock = 1;
}

static void unlock(void)
{
	fcfront_dev.lock = 0;
	fcos_waitq_wake_all(&fcfront_dev.wq);
}

/* React to the backend's state (after a watch event or a ring error). */
static void control(void)
{
	enum xenbus_state bs;
	int rc;

	lock();
	if (fcfront_dev.suspended) {
		fcfront_dev.missed_control = 1;
		goto out;
	}
	if (fcfront_dev.state == FCFRONT_NODEV ||
	    fcfront_dev.state == FCFRONT_SUSPENDED ||
	    fcfront_dev.state == FCFRONT_DETACHED)
		goto out;
	if (fcfront_dev.need_close) {
		fcfront_dev.need_close = 0;
		end_session(1);
		fcfront_dev.failed_sessions =
			MAX_FAILED_SESSIONS; /* wait for InitWait */
		goto out;
	}
	if (fcos_xenbus_read_state(fcfront_dev.be, &bs))
		bs = XenbusStateUnknown; /* backend directory gone */
	if (fcfront_dev.suspended) { /* it came while we waited for the read */
		fcfront_dev.missed_control = 1;
		goto out;
	}

	switch (bs) {
	case XenbusStateInitWait:
		if (fcfront_dev.state ==
		    FCFRONT_CONNECTED) /* it restarted under us */
			end_session(0);
		if (fcfront_dev.state != FCFRONT_CLOSED)
			break;
		fcfront_dev.failed_sessions = 0;
		rc = start_session();
		if (rc)
			printf("fcfront: connect failed: %d\n", rc);
		break;
	case XenbusStateConnected:
		if (fcfront_dev.state != FCFRONT_INITIALISED)
			break;
		rc = fcos_xenbus_switch_state(FCOS_XS_NO_TRANSACTION, FE_DIR,
					      XenbusStateConnected);
		if (rc) {
			printf("fcfront: switch to Connected: %d\n", rc);
			break;
		}
		fcfront_dev.state = FCFRONT_CONNECTED;
		fcfront_dev.failed_sessions = 0;
		fcfront_dev.st.sessions++;
		fcfront_resend_inflight();
		fcfront_dev.evt = 1; /* anything sent before we looked */
		fcos_waitq_wake_all(&fcfront_dev.wq);
		break;
	case XenbusStateClosing:
	case XenbusStateUnknown:
		if (fcfront_dev.state != FCFRONT_CLOSED)
			end_session(1);
		break;
	case XenbusStateClosed:
		/*
		 * Initialised and the backend still Closed: it has not read
		 * our Initialised yet (watch events come late and in
		 * bunches).  Closing now would race the session it is about
		 * to connect: it may go Connected, we follow, then it sees
		 * our Closing and ends the new session under a request.
		 */
		if (fcfront_dev.state == FCFRONT_INITIALISED)
			break;
		if (fcfront_dev.state != FCFRONT_CLOSED)
			end_session(1);
		/* online=1 keeps a closed device: go straight Initialised
		 * (the backend then goes InitWait and connects), unless
		 * sessions keep failing. */
		if (fcfront_dev.failed_sessions < MAX_FAILED_SESSIONS) {
			fcfront_dev.failed_sessions++;
			rc = start_session();
			if (rc)
				printf("fcfront: reconnect failed: %d\n", rc);
		}
		break;
	default:
		break;
	}
out:
	unlock();
}

static void xs_thread(void *arg)
{
	(void)arg;
	for (;;) {
		if (fcos_xs_wait_watch(&fcfront_dev.watch, FCOS_TIME_NEVER,
				       NULL))
			continue;
		control();
	}
}

static void rx_thread(void *arg)
{
	(void)arg;
	for (;;) {
		fcos_wait_event(&fcfront_dev.wq,
				fcfront_dev.evt || fcfront_dev.need_close);
		fcfront_dev.evt = 0; /* an event from here on sets it again */
		if (fcfront_dev.need_close)
			control();
		else
			fcfront_poll_rings();
	}
}

/* Where the backend is: -ENOENT when this domain has no device. */
static int read_backend(void)
{
	unsigned long long id = 0;
	char *be = NULL;
	int rc;

	rc = fcos_xs_read(FCOS_XS_NO_TRANSACTION, FE_DIR "/backend", &be);
	if (rc)
		return rc;
	if (strlen(be) >= sizeof(fcfront_dev.be)) {
		free(be);
		return -E2BIG;
	}
	strcpy(fcfront_dev.be, be);
	free(be);
	snprintf(fcfront_dev.be_state, sizeof(fcfront_dev.be_state), "%s/state",
		 fcfront_dev.be);
	if (!fcos_xs_read_ull(FCOS_XS_NO_TRANSACTION, FE_DIR "/backend-id",
			      &id) &&
	    id < DOMID_FIRST_RESERVED)
		fcfront_dev.backend_id = (domid_t)id;
	else
		fcfront_dev.backend_id = 0;
	return 0;
}

/* Pages, grants, port and watch of one domain's device; none if absent. */
static int setup_device(void)
{
	int rc;

	rc = read_backend();
	if (rc == -ENOENT) {
		fcfront_dev.state = FCFRONT_NODEV;
		return 0;
	}
	if (rc)
		return rc;

	fcfront_dev.sring = fcos_alloc_page();
	fcfront_dev.in_sring = fcos_alloc_page();
	if (!fcfront_dev.sring || !fcfront_dev.in_sring)
		return -ENOMEM;
	memset(fcfront_dev.sring, 0, FCOS_PAGE_SIZE);
	memset(fcfront_dev.in_sring, 0, FCOS_PAGE_SIZE);
	rc = fcos_gnttab_grant_page(fcfront_dev.backend_id, fcfront_dev.sring,
				    0, &fcfront_dev.ref);
	rc = rc
		     ?: fcos_gnttab_grant_page(fcfront_dev.backend_id,
					       fcfront_dev.in_sring, 0,
					       &fcfront_dev.in_ref);
	if (!rc)
		fcfront_areas_setup();
	rc = rc
		     ?: fcos_evtchn_alloc_unbound(fcfront_dev.backend_id,
						  evt_handler, NULL,
						  &fcfront_dev.port);
	if (rc)
		return rc;
	fcfront_dev.state = FCFRONT_CLOSED;
	/* Fires once at once: control() then sees the backend's state. */
	return fcos_xs_watch(&fcfront_dev.watch, fcfront_dev.be_state,
			     "fcfront");
}

int fcfront_init(void)
{
	int rc = setup_device();

	if (rc) {
		/* An app VM without a working device still runs. */
		printf("fcfront: no fcapsule device: %d\n", rc);
		fcfront_dev.state = FCFRONT_NODEV;
		return 0;
	}
	if (fcfront_dev.state == FCFRONT_NODEV || fcfront_dev.threads_started)
		return 0;
	if (!fcos_thread_create("fcfront-xs", xs_thread, NULL) ||
	    !fcos_thread_create("fcfront-rx", rx_thread, NULL)) {
		printf("fcfront: cannot start threads\n");
		fcfront_dev.state = FCFRONT_NODEV;
		return 0;
	}
	fcfront_dev.threads_started = 1;
	return 0;
}

void fcfront_fini(void)
{
	/* Exit: the domain is going; Dom0 cleans up after it. */
	if (fcfront_dev.port != FCOS_EVTCHN_INVALID)
		fcos_evtchn_mask(fcfront_dev.port);
}

/* Wait (polling: watch events go to fcfront-xs) for backend Closed. */
static void wait_backend_closed(void)
{
	uint64_t dl = fcos_monotonic_ns() + CLOSE_TIMEOUT_NS;
	enum xenbus_state bs;

	while (fcos_monotonic_ns() < dl) {
		if (fcos_xenbus_read_state(fcfront_dev.be, &bs) ||
		    bs == XenbusStateClosed || bs == XenbusStateInitWait ||
		    bs == XenbusStateUnknown)
			return;
		fcos_sleep_ns(10 * FCOS_NSEC_PER_MSEC);
	}
}

static void release_page(void *page, grant_ref_t ref)
{
	/* Still mapped by Dom0 (it did not close in time): leak the page
	 * rather than hand it to someone else. */
	if (!fcos_gnttab_end_access(ref))
		fcos_free_page(page);
}

/*
 * End the session and start a new one, as a suspend to a new domain
 * would have done before the protocol kept sessions across a cancelled
 * suspend; `fcping cycle` tests the backend's session restart with it.
 */
int fcfront_restart_session(void)
{
	int rc;

	if (fcfront_dev.state == FCFRONT_NODEV ||
	    fcfront_dev.state == FCFRONT_SUSPENDED)
		return 0;
	lock();
	if (fcfront_dev.state != FCFRONT_DETACHED) {
		end_session(1);
		wait_backend_closed();
	}
	fcfront_dev.state = FCFRONT_SUSPENDED;
	fcos_xs_unwatch(&fcfront_dev.watch);
	fcos_evtchn_close(fcfront_dev.port);
	fcfront_dev.port = FCOS_EVTCHN_INVALID;
	release_page(fcfront_dev.sring, fcfront_dev.ref);
	release_page(fcfront_dev.in_sring, fcfront_dev.in_ref);
	fcfront_areas_release();
	fcfront_dev.sring = NULL;
	fcfront_dev.in_sring = NULL;
	rc = setup_device();
	if (rc) {
		printf("fcfront: restart: %d\n", rc);
		fcfront_dev.state = FCFRONT_NODEV;
	}
	unlock();
	return 0;
}

/* The session outlives a suspend: a cancelled one goes on with it, and
 * callers waiting for a response keep waiting. */
int fcfront_suspend(void)
{
	fcfront_dev.suspended = 1;
	fcfront_dev.missed_control = 0;
	return 0;
}

/* Grant the same pages again (a new domain's table is empty). */
static int regrant_pages(void)
{
	struct fcfront_dev *d = &fcfront_dev;
	int rc;

	rc = fcos_gnttab_grant_page(d->backend_id, d->sring, 0, &d->ref)
		     ?: fcos_gnttab_grant_page(d->backend_id, d->in_sring, 0,
					       &d->in_ref);
	return rc ?: fcfront_areas_regrant();
}

/*
 * A new domain (a fork's child, a restored or migrated app VM): another
 * backend directory, no grants, no port.  The pages are granted again, a
 * new port offered, and fcfront-xs starts a session when the backend
 * shows up; requests in flight wait and are sent again then.
 */
int fcfront_resume(int new_domain)
{
	int rc;

	if (!new_domain || fcfront_dev.state == FCFRONT_NODEV) {
		fcfront_dev.suspended = 0;
		if (fcfront_dev.missed_control)
			control(); /* what the backend did meanwhile */
		return 0;
	}
	lock();
	fcfront_dev.suspended = 0;
	fcfront_dev.port = FCOS_EVTCHN_INVALID;
	if (fcfront_dev.state == FCFRONT_DETACHED ||
	    fcfront_dev.state == FCFRONT_SUSPENDED) {
		fcfront_dev.state =
			FCFRONT_NODEV; /* the raw user's pages are its own */
		fcfront_fail_inflight();
		goto out;
	}
	fcfront_dev.state = FCFRONT_CLOSED;
	fcfront_dev.need_close = 0;
	fcfront_dev.failed_sessions = 0;
	fcos_xs_unwatch(&fcfront_dev.watch);
	rc = read_backend();
	rc = rc ?: regrant_pages();
	rc = rc
		     ?: fcos_evtchn_alloc_unbound(fcfront_dev.backend_id,
						  evt_handler, NULL,
						  &fcfront_dev.port);
	/* Fires once at once: control() then sees the backend's state. */
	rc = rc
		     ?: fcos_xs_watch(&fcfront_dev.watch, fcfront_dev.be_state,
				      "fcfront");
	if (rc) {
		printf("fcfront: resume in a new domain: %d\n", rc);
		fcfront_dev.state = FCFRONT_NODEV;
		fcfront_fail_inflight();
	}
out:
	unlock();
	return 0;
}

enum fcfront_state fcfront_state(void)
{
	return fcfront_dev.state;
}

void fcfront_get_stats(struct fcfront_stats *st)
{
	*st = fcfront_dev.st;
}

int fcfront_detach(struct fcfront_raw *raw)
{
	if (fcfront_dev.state != FCFRONT_CONNECTED)
		return -FC_ENOENT;
	fcfront_dev.state = FCFRONT_DETACHED;
	fcfront_fail_inflight();
	raw->sring = fcfront_dev.sring;
	raw->in_sring = fcfront_dev.in_sring;
	raw->port = fcfront_dev.port;
	raw->req_prod_pvt = fcfront_dev.ring.req_prod_pvt;
	raw->rsp_cons = fcfront_dev.ring.rsp_cons;
	return 0;
}

static const struct fcos_driver fcfront_driver = {
	.name = "fcfront",
	.init = fcfront_init,
	.fini = fcfront_fini,
	.suspend = fcfront_suspend,
	.resume = fcfront_resume,
};
FCOS_DRIVER(fcfront_driver);
