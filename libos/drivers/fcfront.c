// SPDX-License-Identifier: GPL-2.0
/*
 * fcfront: frontend of the fcapsule device (docs/protocol.md, "Frontend
 * (libos)").  Two threads of our own: "fcfront-xs" follows the backend's
 * xenbus state and runs the handshake; "fcfront-rx" drains both rings when
 * the event channel fires.  Callers of fc_call() push their request, then
 * drain the rings themselves while they wait (whoever runs first does the
 * work; threads are cooperative, so the ring code needs no lock).
 *
 * The shared pages are written by Dom0 and treated as hostile: indexes
 * are read once, bounded against what we produced, and slots are copied
 * out before they are looked at.
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

#define FE_DIR		    "device/fcapsule/0"
#define INQ_LEN		    FC_RING_SLOTS /* every unacked inbound slot */
#define OUT_AREA_PAGES	    4 /* bodies we send: FC_IPC_AREA_MSG_MAX */
#define IN_AREA_PAGES	    8 /* bodies Dom0 puts for us */
#define EXIT_TIMEOUT_NS	    (500 * FCOS_NSEC_PER_MSEC)
#define CLOSE_TIMEOUT_NS    (2 * FCOS_NSEC_PER_SEC)
#define MAX_FAILED_SESSIONS 3 /* restarts without reaching Connected */

/* One index of a shared page, read exactly once. */
#define READ_IDX(p) (*(volatile RING_IDX *)&(p))

/* A caller's request, on its stack, while it waits for the response;
 * the request is kept to be sent again on a new domain's ring. */
struct waiter {
	uint64_t id;
	uint32_t opcode;
	int done;
	int32_t status;
	struct fcapsule_request req;
	struct fcapsule_response rsp;
};

static struct {
	enum fcfront_state state;
	domid_t backend_id;
	char be[128];	    /* backend directory */
	char be_state[160]; /* its state node (the watched path) */
	struct fcapsule_sring *sring;
	struct fcapsule_in_sring *in_sring;
	grant_ref_t ref, in_ref;
	evtchn_port_t port;
	struct fcapsule_front_ring ring;
	struct fcapsule_in_back_ring in;
	uint64_t next_id;
	struct waiter *inflight[FC_RING_SLOTS];
	int evt;	/* event arrived since the last drain */
	int need_close; /* ring protocol error: rx thread closes */
	int lock;	/* control(): one state transition at a time */
	int failed_sessions;
	int threads_started;
	/* From suspend to resume the backend directory may be another
	 * domain's (in a new domain): its state must not be acted on. */
	int suspended, missed_control;
	struct fcos_waitq wq; /* callers, fcfront-rx, control lock */
	/* Inbound messages copied out of the ring, acked when consumed
	 * (an area body stays in the in-area until then). */
	struct fcapsule_in_request inq[INQ_LEN];
	unsigned int inq_head, inq_len;
	unsigned int inq_taken; /* fcfront_recv handed out the head */
	unsigned int inq_gen;	/* sessions: a stale recv_done is ignored */
	void *out_area, *in_area;
	grant_ref_t out_refs[OUT_AREA_PAGES], in_refs[IN_AREA_PAGES];
	struct fcos_xs_watch watch;
	struct fcfront_stats st;
} fc = { .state = FCFRONT_NODEV, .port = FCOS_EVTCHN_INVALID };

static void evt_handler(evtchn_port_t port, struct fcos_regs *regs, void *data)
{
	(void)port;
	(void)regs;
	(void)data;
	fc.evt = 1;
	fcos_waitq_wake_all(&fc.wq);
}

/* ---- requests and responses ---------------------------------------- */

/* Fail every outstanding request: the rings are gone or not to be trusted. */
static void fail_inflight(void)
{
	for (int i = 0; i < FC_RING_SLOTS; i++) {
		struct waiter *w = fc.inflight[i];

		if (!w)
			continue;
		w->status = -FC_EIO;
		w->done = 1;
		fc.inflight[i] = NULL;
		fc.st.failed++;
	}
	fcos_waitq_wake_all(&fc.wq);
}

/* A broken ring (index beyond what the protocol allows): stop using it. */
static void ring_broken(const char *why, RING_IDX prod)
{
	printf("fcfront: backend protocol error: %s (prod %u), closing\n", why,
	       (unsigned int)prod);
	fc.state = FCFRONT_CLOSED;
	fc.need_close = 1;
	fail_inflight();
}

static void complete(const struct fcapsule_response *r)
{
	for (int i = 0; i < FC_RING_SLOTS; i++) {
		struct waiter *w = fc.inflight[i];

		if (!w || w->id != r->id)
			continue;
		fc.inflight[i] = NULL;
		w->rsp = *r;
		/* A response for another opcode is the backend's bug. */
		w->status = r->opcode == w->opcode ? r->status : -FC_EPROTO;
		w->done = 1;
		return;
	}
	fc.st.stray++; /* timed out, or an id we never sent */
}

/* Consume responses; returns whether more may be pending. */
static int drain_responses(void)
{
	struct fcapsule_front_ring *r = &fc.ring;
	RING_IDX prod, cons;

	prod = READ_IDX(r->sring->rsp_prod);
	/* Orders the producer index load before the slot loads below. */
	xen_rmb();
	/* At most one response per request we pushed and did not consume. */
	if (prod - r->rsp_cons > r->req_prod_pvt - r->rsp_cons) {
		ring_broken("response producer beyond requests", prod);
		return 0;
	}
	if (prod != r->rsp_cons)
		fcos_waitq_wake_all(&fc.wq); /* completions, free slots */
	for (cons = r->rsp_cons; cons != prod; cons++) {
		struct fcapsule_response rsp;

		RING_COPY_RESPONSE(r, cons, &rsp); /* index masked by macro */
		r->rsp_cons = cons + 1;
		fc.st.responses++;
		complete(&rsp);
	}
	/* Ask for an event at the next response ... */
	r->sring->rsp_event = r->rsp_cons + 1;
	/* ... and order that store before re-reading the producer index, so
	 * a response pushed in between is either seen now or notified. */
	xen_mb();
	return READ_IDX(r->sring->rsp_prod) != r->rsp_cons;
}

/* Whether an inbound IPC message's body is where it may be. */
static int in_ipc_valid(const struct fcapsule_in_request *m)
{
	const struct fc_in_ipc *ipc = &m->u.ipc;

	if (m->flags == 0)
		return ipc->len <= FC_IPC_INLINE_MAX;
	if (m->flags != FC_IN_F_AREA || !fc.in_area)
		return 0;
	return ipc->area.off <= IN_AREA_PAGES * FCOS_PAGE_SIZE &&
	       ipc->len <= IN_AREA_PAGES * FCOS_PAGE_SIZE - ipc->area.off;
}

/* Acknowledge the inbound slot at the head of inq and drop it. */
static void ack_head(int32_t status)
{
	struct fcapsule_in_back_ring *r = &fc.in;
	const struct fcapsule_in_request *m = &fc.inq[fc.inq_head];
	struct fcapsule_in_response *a;

	a = RING_GET_RESPONSE(r, r->rsp_prod_pvt);
	memset(a, 0, sizeof(*a));
	a->id = m->id;
	a->type = m->type;
	a->status = status;
	r->rsp_prod_pvt++;
	fc.inq_head = (fc.inq_head + 1) % INQ_LEN;
	fc.inq_len--;
	fc.st.in_msgs++;
}

/*
 * Acknowledge, in ring order, what needs no consumer: messages at the
 * head that are not valid IPC.  Then publish the acks.
 */
static void ack_ready(int acked)
{
	int notify;

	while (fc.inq_len && !fc.inq_taken) {
		const struct fcapsule_in_request *m = &fc.inq[fc.inq_head];

		if (m->type == FC_IN_IPC && in_ipc_valid(m))
			break;
		if (m->type == FC_IN_IPC)
			fc.st.in_bad++;
		ack_head(m->type == FC_IN_IPC ? -FC_EINVAL
			 : m->type == FC_IN_NOP || m->type == FC_IN_NOTIFY
				 ? 0
				 : -FC_ENOSYS);
		acked = 1;
	}
	if (!acked)
		return;
	/* wmb inside: ack slots before the new rsp_prod; mb inside:
	 * rsp_prod store before reading the backend's rsp_event (Dom0
	 * asks for an event only when it has messages waiting for room). */
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&fc.in, notify);
	if (notify)
		fcos_evtchn_notify(fc.port);
}

/* Copy inbound messages out of the ring into inq (at most one per ring
 * slot: the backend never has more than RING_SIZE unacked).  They are
 * acknowledged when fc_recv has consumed them, so the slot and its area
 * body stay ours until then. */
static int drain_inbound(void)
{
	struct fcapsule_in_back_ring *r = &fc.in;
	RING_IDX prod;
	int got = 0;

	prod = READ_IDX(r->sring->req_prod);
	/* Orders the producer index load before the slot loads below. */
	xen_rmb();
	/* req_cons - rsp_prod_pvt == inq_len: slots copied, not acked. */
	if (RING_REQUEST_PROD_OVERFLOW(r, prod)) {
		ring_broken("inbound producer overflow", prod);
		return 0;
	}
	while (r->req_cons != prod && fc.inq_len < INQ_LEN) {
		struct fcapsule_in_request *m =
			&fc.inq[(fc.inq_head + fc.inq_len) % INQ_LEN];

		RING_COPY_REQUEST(r, r->req_cons, m);
		r->req_cons++;
		fc.inq_len++;
		got = 1;
		if (m->type != FC_IN_IPC)
			continue;
		m->u.ipc.src_name[FC_NAME_MAX - 1] = '\0';
		fc.st.in_ipc++;
	}
	if (got) {
		ack_ready(0);
		fcos_waitq_wake_all(&fc.wq); /* fcfront_recv callers */
	}
	if (fc.inq_len == INQ_LEN)
		return 0; /* fcfront_recv_done drains again */
	r->sring->req_event = r->req_cons + 1;
	/* Orders the req_event store before re-reading req_prod (as above). */
	xen_mb();
	return READ_IDX(r->sring->req_prod) != r->req_cons;
}

/* Drain both rings until both are empty (any thread, never blocks). */
static void poll_rings(void)
{
	int more;

	do {
		if (fc.state != FCFRONT_CONNECTED)
			return;
		fc.evt = 0;
		more = drain_responses();
		if (fc.state != FCFRONT_CONNECTED)
			return;
		more |= drain_inbound();
	} while (more);
}

static int can_push(void)
{
	return fc.state == FCFRONT_CONNECTED && !RING_FULL(&fc.ring);
}

/* Whether fc_call should stop waiting for a session or a slot. */
static int no_session_coming(void)
{
	return fc.state == FCFRONT_NODEV || fc.state == FCFRONT_DETACHED;
}

static void publish_requests(void)
{
	int notify;

	/* wmb inside: slot contents before the new req_prod; mb inside:
	 * req_prod store before reading the backend's req_event. */
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&fc.ring, notify);
	if (notify)
		fcos_evtchn_notify(fc.port);
}

static int push(struct waiter *w, uint32_t flags, const void *req, size_t len)
{
	int i;

	for (i = 0; i < FC_RING_SLOTS && fc.inflight[i]; i++)
		;
	if (i == FC_RING_SLOTS) /* cannot happen: <= one per busy slot */
		return -FC_EBUSY;
	w->id = ++fc.next_id; /* 64-bit: never reused */
	w->done = 0;
	memset(&w->req, 0, sizeof(w->req)); /* reserved fields must be 0 */
	w->req.id = w->id;
	w->req.opcode = w->opcode;
	w->req.flags = flags;
	if (len)
		memcpy(w->req.u.raw, req, len);
	*RING_GET_REQUEST(&fc.ring, fc.ring.req_prod_pvt) = w->req;
	fc.ring.req_prod_pvt++;
	fc.inflight[i] = w;
	fc.st.requests++;
	publish_requests();
	return 0;
}

/*
 * A new session after a restore into a new domain: what was in flight on
 * the old ring is sent again, with its id, on the new one (at most one
 * per slot, as before).  A fork's FORK is how its child learns it is the
 * child.
 */
static void resend_inflight(void)
{
	int n = 0;

	for (int i = 0; i < FC_RING_SLOTS; i++) {
		struct waiter *w = fc.inflight[i];

		if (!w)
			continue;
		*RING_GET_REQUEST(&fc.ring, fc.ring.req_prod_pvt) = w->req;
		fc.ring.req_prod_pvt++;
		n++;
	}
	if (n)
		publish_requests();
}

static void forget(struct waiter *w)
{
	for (int i = 0; i < FC_RING_SLOTS; i++)
		if (fc.inflight[i] == w)
			fc.inflight[i] = NULL;
}

int fc_call_ex(uint32_t op, uint32_t flags, const void *req, size_t len,
	       void *rsp, size_t rsp_len, uint64_t deadline_ns)
{
	struct waiter w = { .opcode = op };
	int rc;

	if (len > FC_PAYLOAD_SIZE || rsp_len > FC_PAYLOAD_SIZE ||
	    (len && !req) || (rsp_len && !rsp))
		return -FC_EINVAL;
	rc = fcos_wait_event_deadline(&fc.wq, can_push() || no_session_coming(),
				      deadline_ns);
	if (rc)
		return -FC_ETIMEDOUT;
	if (!can_push())
		return -FC_ENOENT;
	rc = push(&w, flags, req, len);
	if (rc)
		return rc;
	rc = fcos_wait_event_deadline(&fc.wq, (poll_rings(), w.done),
				      deadline_ns);
	if (rc) {
		forget(&w);
		return -FC_ETIMEDOUT;
	}
	if (rsp_len)
		memcpy(rsp, w.rsp.u.raw, rsp_len);
	return w.status;
}

int fc_call(uint32_t op, const void *req, size_t len, void *rsp, size_t rsp_len)
{
	return fc_call_ex(op, 0, req, len, rsp, rsp_len, FCOS_TIME_NEVER);
}

int fc_nop(void)
{
	return fc_call(FC_OP_NOP, NULL, 0, NULL, 0);
}

int fc_hello(struct fc_hello_rsp *info)
{
	int rc = fc_call(FC_OP_HELLO, NULL, 0, info, sizeof(*info));

	if (!rc) /* the name comes from a hostile page: terminate it */
		info->name[FC_NAME_MAX - 1] = '\0';
	return rc;
}

int fc_connected(void)
{
	return fc.state == FCFRONT_CONNECTED;
}

int fc_wait_connected(uint64_t timeout_ns)
{
	uint64_t dl = timeout_ns == FCOS_TIME_NEVER
			      ? FCOS_TIME_NEVER
			      : fcos_monotonic_ns() + timeout_ns;

	if (fcos_wait_event_deadline(&fc.wq,
				     fc_connected() || no_session_coming(), dl))
		return -FC_ETIMEDOUT;
	return fc_connected() ? 0 : -FC_ENOENT;
}

/* fcipc: the next inbound fragment, left in place until recv_done. */
static int head_ready(void)
{
	return fc.inq_len && !fc.inq_taken;
}

int fcfront_recv(struct fc_in_ipc *msg, const uint8_t **body,
		 uint64_t deadline_ns)
{
	const struct fcapsule_in_request *m;

	if (fc.state == FCFRONT_NODEV)
		return -FC_ENOENT;
	if (fcos_wait_event_deadline(&fc.wq, (poll_rings(), head_ready()),
				     deadline_ns))
		return -FC_ETIMEDOUT;
	/* ack_ready() left only valid IPC messages at the head. */
	m = &fc.inq[fc.inq_head];
	*msg = m->u.ipc;
	if (m->flags & FC_IN_F_AREA)
		*body = (const uint8_t *)fc.in_area + m->u.ipc.area.off;
	else
		*body = fc.inq[fc.inq_head].u.ipc.data;
	fc.inq_taken = fc.inq_gen + 1;
	return 0;
}

void fcfront_recv_done(void)
{
	if (!fc.inq_taken)
		return;
	/* A session ended meanwhile: its slots are gone, nothing to ack. */
	if (fc.inq_taken == fc.inq_gen + 1 && fc.inq_len &&
	    fc.state == FCFRONT_CONNECTED) {
		fc.inq_taken = 0;
		ack_head(0);
		ack_ready(1);
	}
	fc.inq_taken = 0;
	fcos_waitq_wake_all(&fc.wq);
	poll_rings(); /* messages left on the ring for lack of room */
}

void *fcfront_out_area(size_t *size)
{
	if (fc.state != FCFRONT_CONNECTED || !fc.out_area)
		return NULL;
	*size = OUT_AREA_PAGES * FCOS_PAGE_SIZE;
	return fc.out_area;
}

/*
 * fcipc (issue 7): called every few ms by fcipc's watchdog while an IPC
 * call waits, so that a lost notification (either way) delays it instead
 * of hanging it: drain both rings, and re-notify Dom0 if requests are
 * outstanding (an extra event is harmless: Dom0 finds nothing new).
 */
void fcfront_kick(void)
{
	if (fc.state != FCFRONT_CONNECTED)
		return;
	poll_rings();
	for (int i = 0; i < FC_RING_SLOTS; i++)
		if (fc.inflight[i]) {
			fcos_evtchn_notify(fc.port);
			break;
		}
	fcos_waitq_wake_all(&fc.wq);
}

void fcfront_exit_notify(int code)
{
	struct fc_exit_req req = { .code = code };
	struct waiter w = { .opcode = FC_OP_EXIT };
	uint64_t dl = fcos_monotonic_ns() + EXIT_TIMEOUT_NS;
	int rc;

	if (!can_push())
		return; /* no session, or ring full: do not wait at exit */
	if (!fcos_shared_info->vcpu_info[0].evtchn_upcall_mask) {
		rc = fc_call_ex(FC_OP_EXIT, 0, &req, sizeof(req), NULL, 0, dl);
		if (rc)
			printf("fcfront: EXIT: %d\n", rc);
		return;
	}
	/* Events masked (a fatal trap): push, then poll without blocking. */
	if (push(&w, 0, &req, sizeof(req)))
		return;
	while (!w.done && fc.state == FCFRONT_CONNECTED &&
	       fcos_monotonic_ns() < dl) {
		poll_rings();
		fcos_cpu_relax();
	}
	forget(&w);
}

/* ---- sessions (xenstore) -------------------------------------------- */

static int backend_offers_v1(void)
{
	char path[160], *v = NULL, *p;
	int ok = 0;

	snprintf(path, sizeof(path), "%s/%s", fc.be, FC_XS_VERSIONS);
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

/* The IPC data areas' keys (docs/protocol.md, "IPC data areas"). */
static int publish_areas(fcos_xs_transaction_t t)
{
	char key[48];
	int rc = 0;

	if (!fc.out_area || !fc.in_area)
		return 0; /* optional: messages then go inline only */
	rc = fcos_xs_printf(t, FE_DIR "/" FC_XS_IPC_OUT_PAGES, "%d",
			    OUT_AREA_PAGES);
	for (int i = 0; !rc && i < OUT_AREA_PAGES; i++) {
		snprintf(key, sizeof(key), FE_DIR "/" FC_XS_IPC_OUT_REF "%d",
			 i);
		rc = fcos_xs_printf(t, key, "%u", fc.out_refs[i]);
	}
	rc = rc
		     ?: fcos_xs_printf(t, FE_DIR "/" FC_XS_IPC_IN_PAGES, "%d",
				       IN_AREA_PAGES);
	for (int i = 0; !rc && i < IN_AREA_PAGES; i++) {
		snprintf(key, sizeof(key), FE_DIR "/" FC_XS_IPC_IN_REF "%d", i);
		rc = fcos_xs_printf(t, key, "%u", fc.in_refs[i]);
	}
	return rc;
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
	SHARED_RING_INIT(fc.sring);
	SHARED_RING_INIT(fc.in_sring);
	FRONT_RING_INIT(&fc.ring, fc.sring, FCOS_PAGE_SIZE);
	BACK_RING_INIT(&fc.in, fc.in_sring, FCOS_PAGE_SIZE);
	/* What the last session left unconsumed went with its rings. */
	fc.inq_head = 0;
	fc.inq_len = 0;
	fc.inq_gen++;
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
					       "%u", fc.ref);
		rc = rc
			     ?: fcos_xs_printf(t, FE_DIR "/" FC_XS_IN_RING_REF,
					       "%u", fc.in_ref);
		rc = rc
			     ?: fcos_xs_printf(t, FE_DIR "/" FC_XS_EVTCHN, "%u",
					       fc.port);
		rc = rc ?: publish_areas(t);
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
		fc.state = FCFRONT_INITIALISED;
	return rc;
}

/*
 * The session is over: fail what is outstanding; with @tell, go Closing
 * then Closed (not when the backend is already back in InitWait: it
 * would close again instead of connecting).
 */
static void end_session(int tell)
{
	if (fc.state == FCFRONT_CONNECTED || fc.state == FCFRONT_INITIALISED)
		fc.state = FCFRONT_CLOSED;
	fail_inflight();
	if (!tell)
		return;
	fcos_xenbus_switch_state(FCOS_XS_NO_TRANSACTION, FE_DIR,
				 XenbusStateClosing);
	fcos_xenbus_switch_state(FCOS_XS_NO_TRANSACTION, FE_DIR,
				 XenbusStateClosed);
}

static void lock(void)
{
	fcos_wait_event(&fc.wq, !fc.lock);
	fc.lock = 1;
}

static void unlock(void)
{
	fc.lock = 0;
	fcos_waitq_wake_all(&fc.wq);
}

/* React to the backend's state (after a watch event or a ring error). */
static void control(void)
{
	enum xenbus_state bs;
	int rc;

	lock();
	if (fc.suspended) {
		fc.missed_control = 1;
		goto out;
	}
	if (fc.state == FCFRONT_NODEV || fc.state == FCFRONT_SUSPENDED ||
	    fc.state == FCFRONT_DETACHED)
		goto out;
	if (fc.need_close) {
		fc.need_close = 0;
		end_session(1);
		fc.failed_sessions =
			MAX_FAILED_SESSIONS; /* wait for InitWait */
		goto out;
	}
	if (fcos_xenbus_read_state(fc.be, &bs))
		bs = XenbusStateUnknown; /* backend directory gone */
	if (fc.suspended) { /* it came while we waited for the read */
		fc.missed_control = 1;
		goto out;
	}

	switch (bs) {
	case XenbusStateInitWait:
		if (fc.state == FCFRONT_CONNECTED) /* it restarted under us */
			end_session(0);
		if (fc.state != FCFRONT_CLOSED)
			break;
		fc.failed_sessions = 0;
		rc = start_session();
		if (rc)
			printf("fcfront: connect failed: %d\n", rc);
		break;
	case XenbusStateConnected:
		if (fc.state != FCFRONT_INITIALISED)
			break;
		rc = fcos_xenbus_switch_state(FCOS_XS_NO_TRANSACTION, FE_DIR,
					      XenbusStateConnected);
		if (rc) {
			printf("fcfront: switch to Connected: %d\n", rc);
			break;
		}
		fc.state = FCFRONT_CONNECTED;
		fc.failed_sessions = 0;
		fc.st.sessions++;
		resend_inflight();
		fc.evt = 1; /* anything sent before we looked */
		fcos_waitq_wake_all(&fc.wq);
		break;
	case XenbusStateClosing:
	case XenbusStateUnknown:
		if (fc.state != FCFRONT_CLOSED)
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
		if (fc.state == FCFRONT_INITIALISED)
			break;
		if (fc.state != FCFRONT_CLOSED)
			end_session(1);
		/* online=1 keeps a closed device: go straight Initialised
		 * (the backend then goes InitWait and connects), unless
		 * sessions keep failing. */
		if (fc.failed_sessions < MAX_FAILED_SESSIONS) {
			fc.failed_sessions++;
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
		if (fcos_xs_wait_watch(&fc.watch, FCOS_TIME_NEVER, NULL))
			continue;
		control();
	}
}

static void rx_thread(void *arg)
{
	(void)arg;
	for (;;) {
		fcos_wait_event(&fc.wq, fc.evt || fc.need_close);
		fc.evt = 0; /* an event from here on sets it again */
		if (fc.need_close)
			control();
		else
			poll_rings();
	}
}

/* Grant @pages pages at @va to the backend; 0 or the first error (what
 * was granted stays granted: the caller gives up the whole area). */
static int grant_area(void *va, int pages, grant_ref_t *refs)
{
	for (int i = 0; i < pages; i++) {
		int rc = fcos_gnttab_grant_page(fc.backend_id,
						(char *)va + i * FCOS_PAGE_SIZE,
						0, &refs[i]);

		if (rc)
			return rc;
	}
	return 0;
}

/* The IPC data areas: optional, so a failure only costs large messages
 * their speed (they then go in 56-byte fragments). */
static void setup_areas(void)
{
	fc.out_area = fcos_alloc_pages(OUT_AREA_PAGES);
	fc.in_area = fcos_alloc_pages(IN_AREA_PAGES);
	if (!fc.out_area || !fc.in_area ||
	    grant_area(fc.out_area, OUT_AREA_PAGES, fc.out_refs) ||
	    grant_area(fc.in_area, IN_AREA_PAGES, fc.in_refs)) {
		printf("fcfront: no IPC data areas\n");
		/* Leaked on purpose: a granted page must not be reused. */
		fc.out_area = NULL;
		fc.in_area = NULL;
		return;
	}
	memset(fc.out_area, 0, OUT_AREA_PAGES * FCOS_PAGE_SIZE);
	memset(fc.in_area, 0, IN_AREA_PAGES * FCOS_PAGE_SIZE);
}

static void release_area(void *va, int pages, const grant_ref_t *refs)
{
	int still_mapped = 0;

	if (!va)
		return;
	for (int i = 0; i < pages; i++)
		still_mapped |= fcos_gnttab_end_access(refs[i]);
	if (!still_mapped)
		fcos_free_pages(va, pages);
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
	if (strlen(be) >= sizeof(fc.be)) {
		free(be);
		return -E2BIG;
	}
	strcpy(fc.be, be);
	free(be);
	snprintf(fc.be_state, sizeof(fc.be_state), "%s/state", fc.be);
	if (!fcos_xs_read_ull(FCOS_XS_NO_TRANSACTION, FE_DIR "/backend-id",
			      &id) &&
	    id < DOMID_FIRST_RESERVED)
		fc.backend_id = (domid_t)id;
	else
		fc.backend_id = 0;
	return 0;
}

/* Pages, grants, port and watch of one domain's device; none if absent. */
static int setup_device(void)
{
	int rc;

	rc = read_backend();
	if (rc == -ENOENT) {
		fc.state = FCFRONT_NODEV;
		return 0;
	}
	if (rc)
		return rc;

	fc.sring = fcos_alloc_page();
	fc.in_sring = fcos_alloc_page();
	if (!fc.sring || !fc.in_sring)
		return -ENOMEM;
	memset(fc.sring, 0, FCOS_PAGE_SIZE);
	memset(fc.in_sring, 0, FCOS_PAGE_SIZE);
	rc = fcos_gnttab_grant_page(fc.backend_id, fc.sring, 0, &fc.ref);
	rc = rc
		     ?: fcos_gnttab_grant_page(fc.backend_id, fc.in_sring, 0,
					       &fc.in_ref);
	if (!rc)
		setup_areas();
	rc = rc
		     ?: fcos_evtchn_alloc_unbound(fc.backend_id, evt_handler,
						  NULL, &fc.port);
	if (rc)
		return rc;
	fc.state = FCFRONT_CLOSED;
	/* Fires once at once: control() then sees the backend's state. */
	return fcos_xs_watch(&fc.watch, fc.be_state, "fcfront");
}

int fcfront_init(void)
{
	int rc = setup_device();

	if (rc) {
		/* An app VM without a working device still runs. */
		printf("fcfront: no fcapsule device: %d\n", rc);
		fc.state = FCFRONT_NODEV;
		return 0;
	}
	if (fc.state == FCFRONT_NODEV || fc.threads_started)
		return 0;
	if (!fcos_thread_create("fcfront-xs", xs_thread, NULL) ||
	    !fcos_thread_create("fcfront-rx", rx_thread, NULL)) {
		printf("fcfront: cannot start threads\n");
		fc.state = FCFRONT_NODEV;
		return 0;
	}
	fc.threads_started = 1;
	return 0;
}

void fcfront_fini(void)
{
	/* Exit: the domain is going; Dom0 cleans up after it. */
	if (fc.port != FCOS_EVTCHN_INVALID)
		fcos_evtchn_mask(fc.port);
}

/* Wait (polling: watch events go to fcfront-xs) for backend Closed. */
static void wait_backend_closed(void)
{
	uint64_t dl = fcos_monotonic_ns() + CLOSE_TIMEOUT_NS;
	enum xenbus_state bs;

	while (fcos_monotonic_ns() < dl) {
		if (fcos_xenbus_read_state(fc.be, &bs) ||
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

	if (fc.state == FCFRONT_NODEV || fc.state == FCFRONT_SUSPENDED)
		return 0;
	lock();
	if (fc.state != FCFRONT_DETACHED) {
		end_session(1);
		wait_backend_closed();
	}
	fc.state = FCFRONT_SUSPENDED;
	fcos_xs_unwatch(&fc.watch);
	fcos_evtchn_close(fc.port);
	fc.port = FCOS_EVTCHN_INVALID;
	release_page(fc.sring, fc.ref);
	release_page(fc.in_sring, fc.in_ref);
	release_area(fc.out_area, OUT_AREA_PAGES, fc.out_refs);
	release_area(fc.in_area, IN_AREA_PAGES, fc.in_refs);
	fc.sring = NULL;
	fc.in_sring = NULL;
	fc.out_area = NULL;
	fc.in_area = NULL;
	rc = setup_device();
	if (rc) {
		printf("fcfront: restart: %d\n", rc);
		fc.state = FCFRONT_NODEV;
	}
	unlock();
	return 0;
}

/* The session outlives a suspend: a cancelled one goes on with it, and
 * callers waiting for a response keep waiting. */
int fcfront_suspend(void)
{
	fc.suspended = 1;
	fc.missed_control = 0;
	return 0;
}

/* Grant the same pages again (a new domain's table is empty). */
static int regrant_pages(void)
{
	int rc;

	rc = fcos_gnttab_grant_page(fc.backend_id, fc.sring, 0, &fc.ref);
	rc = rc
		     ?: fcos_gnttab_grant_page(fc.backend_id, fc.in_sring, 0,
					       &fc.in_ref);
	if (rc)
		return rc;
	if (fc.out_area &&
	    (grant_area(fc.out_area, OUT_AREA_PAGES, fc.out_refs) ||
	     grant_area(fc.in_area, IN_AREA_PAGES, fc.in_refs))) {
		printf("fcfront: no IPC data areas\n");
		fc.out_area = NULL; /* leaked: granted pages stay granted */
		fc.in_area = NULL;
	}
	return 0;
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

	if (!new_domain || fc.state == FCFRONT_NODEV) {
		fc.suspended = 0;
		if (fc.missed_control)
			control(); /* what the backend did meanwhile */
		return 0;
	}
	lock();
	fc.suspended = 0;
	fc.port = FCOS_EVTCHN_INVALID;
	if (fc.state == FCFRONT_DETACHED || fc.state == FCFRONT_SUSPENDED) {
		fc.state = FCFRONT_NODEV; /* the raw user's pages are its own */
		fail_inflight();
		goto out;
	}
	fc.state = FCFRONT_CLOSED;
	fc.need_close = 0;
	fc.failed_sessions = 0;
	fcos_xs_unwatch(&fc.watch);
	rc = read_backend();
	rc = rc ?: regrant_pages();
	rc = rc
		     ?: fcos_evtchn_alloc_unbound(fc.backend_id, evt_handler,
						  NULL, &fc.port);
	/* Fires once at once: control() then sees the backend's state. */
	rc = rc ?: fcos_xs_watch(&fc.watch, fc.be_state, "fcfront");
	if (rc) {
		printf("fcfront: resume in a new domain: %d\n", rc);
		fc.state = FCFRONT_NODEV;
		fail_inflight();
	}
out:
	unlock();
	return 0;
}

enum fcfront_state fcfront_state(void)
{
	return fc.state;
}

void fcfront_get_stats(struct fcfront_stats *st)
{
	*st = fc.st;
}

int fcfront_detach(struct fcfront_raw *raw)
{
	if (fc.state != FCFRONT_CONNECTED)
		return -FC_ENOENT;
	fc.state = FCFRONT_DETACHED;
	fail_inflight();
	raw->sring = fc.sring;
	raw->in_sring = fc.in_sring;
	raw->port = fc.port;
	raw->req_prod_pvt = fc.ring.req_prod_pvt;
	raw->rsp_cons = fc.ring.rsp_cons;
	return 0;
}

/*
 * listen() -> NAPT (DESIGN.md, docs/napt.md): the network stack calls
 * these hooks; the OS server maps the instance's public port to this app
 * VM's address and port before the call returns.  A dead OS server must
 * not hang listen() for good, hence the deadline.
 */
#define LISTEN_TIMEOUT_NS (30ULL * FCOS_NSEC_PER_SEC)

static int listen_call(uint32_t op, uint16_t port)
{
	struct fc_listen_req req = { .proto = FC_PROTO_TCP, .port = port };
	struct fc_listen_rsp rsp;

	if (fc.state == FCFRONT_NODEV)
		return -FC_ENOENT; /* no fcapsule device: private only */
	return fc_call_ex(op, 0, &req, sizeof(req), &rsp, sizeof(rsp),
			  fcos_monotonic_ns() + LISTEN_TIMEOUT_NS);
}

int fcos_net_listen_hook(uint16_t port)
{
	return listen_call(FC_OP_LISTEN, port);
}

int fcos_net_unlisten_hook(uint16_t port)
{
	return listen_call(FC_OP_UNLISTEN, port);
}

static const struct fcos_driver fcfront_driver = {
	.name = "fcfront",
	.init = fcfront_init,
	.fini = fcfront_fini,
	.suspend = fcfront_suspend,
	.resume = fcfront_resume,
};
FCOS_DRIVER(fcfront_driver);
