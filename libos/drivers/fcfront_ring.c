// SPDX-License-Identifier: GPL-2.0
/*
 * fcfront's ring client: requests and responses on the request ring, and
 * inbound messages on the other, for fc_call() and fcipc (see fcfront.c
 * for the session that sets the rings up).  Callers push their request,
 * then drain the rings themselves while they wait (whoever runs first
 * does the work; threads are cooperative, so no lock is needed).
 *
 * The shared pages are written by Dom0 and treated as hostile: indexes
 * are read once, bounded against what we produced, and slots are copied
 * out before they are looked at.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcos/arch.h>
#include <fcos/lib.h>
#include <fcos/mm.h>
#include "fcfront_priv.h"

/* ---- requests and responses ---------------------------------------- */

/* Fail every outstanding request: the rings are gone or not to be trusted. */
void fcfront_fail_inflight(void)
{
	for (int i = 0; i < FC_RING_SLOTS; i++) {
		struct fcfront_waiter *w = fcfront_dev.inflight[i];

		if (!w)
			continue;
		w->status = -FC_EIO;
		w->done = 1;
		fcfront_dev.inflight[i] = NULL;
		fcfront_dev.st.failed++;
	}
	fcos_waitq_wake_all(&fcfront_dev.wq);
}

/* A broken ring (index beyond what the protocol allows): stop using it. */
static void ring_broken(const char *why, RING_IDX prod)
{
	printf("fcfront: backend protocol error: %s (prod %u), closing\n", why,
	       (unsigned int)prod);
	fcfront_dev.state = FCFRONT_CLOSED;
	fcfront_dev.need_close = 1;
	fcfront_fail_inflight();
}

static void complete(const struct fcapsule_response *r)
{
	for (int i = 0; i < FC_RING_SLOTS; i++) {
		struct fcfront_waiter *w = fcfront_dev.inflight[i];

		if (!w || w->id != r->id)
			continue;
		fcfront_dev.inflight[i] = NULL;
		w->rsp = *r;
		/* A response for another opcode is the backend's bug. */
		w->status = r->opcode == w->opcode ? r->status : -FC_EPROTO;
		w->done = 1;
		return;
	}
	fcfront_dev.st.stray++; /* timed out, or an id we never sent */
}

/* Consume responses; returns whether more may be pending. */
static int drain_responses(void)
{
	struct fcapsule_front_ring *r = &fcfront_dev.ring;
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
		fcos_waitq_wake_all(
			&fcfront_dev.wq); /* completions, free slots */
	for (cons = r->rsp_cons; cons != prod; cons++) {
		struct fcapsule_response rsp;

		RING_COPY_RESPONSE(r, cons, &rsp); /* index masked by macro */
		r->rsp_cons = cons + 1;
		fcfront_dev.st.responses++;
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
	if (m->flags != FC_IN_F_AREA || !fcfront_dev.in_area)
		return 0;
	return ipc->area.off <= IN_AREA_PAGES * FCOS_PAGE_SIZE &&
	       ipc->len <= IN_AREA_PAGES * FCOS_PAGE_SIZE - ipc->area.off;
}

/* Acknowledge the inbound slot at the head of inq and drop it. */
static void ack_head(int32_t status)
{
	struct fcapsule_in_back_ring *r = &fcfront_dev.in;
	const struct fcapsule_in_request *m =
		&fcfront_dev.inq[fcfront_dev.inq_head];
	struct fcapsule_in_response *a;

	a = RING_GET_RESPONSE(r, r->rsp_prod_pvt);
	memset(a, 0, sizeof(*a));
	a->id = m->id;
	a->type = m->type;
	a->status = status;
	r->rsp_prod_pvt++;
	fcfront_dev.inq_head = (fcfront_dev.inq_head + 1) % INQ_LEN;
	fcfront_dev.inq_len--;
	fcfront_dev.st.in_msgs++;
}

/*
 * Acknowledge, in ring order, what needs no consumer: messages at the
 * head that are not valid IPC.  Then publish the acks.
 */
static void ack_ready(int acked)
{
	int notify;

	while (fcfront_dev.inq_len && !fcfront_dev.inq_taken) {
		const struct fcapsule_in_request *m =
			&fcfront_dev.inq[fcfront_dev.inq_head];

		if (m->type == FC_IN_IPC && in_ipc_valid(m))
			break;
		if (m->type == FC_IN_IPC)
			fcfront_dev.st.in_bad++;
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
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&fcfront_dev.in, notify);
	if (notify)
		fcos_evtchn_notify(fcfront_dev.port);
}

/* Copy inbound messages out of the ring into inq (at most one per ring
 * slot: the backend never has more than RING_SIZE unacked).  They are
 * acknowledged when fc_recv has consumed them, so the slot and its area
 * body stay ours until then. */
static int drain_inbound(void)
{
	struct fcapsule_in_back_ring *r = &fcfront_dev.in;
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
	while (r->req_cons != prod && fcfront_dev.inq_len < INQ_LEN) {
		struct fcapsule_in_request *m =
			&fcfront_dev.inq[(fcfront_dev.inq_head +
					  fcfront_dev.inq_len) %
					 INQ_LEN];

		RING_COPY_REQUEST(r, r->req_cons, m);
		r->req_cons++;
		fcfront_dev.inq_len++;
		got = 1;
		if (m->type != FC_IN_IPC)
			continue;
		m->u.ipc.src_name[FC_NAME_MAX - 1] = '\0';
		fcfront_dev.st.in_ipc++;
	}
	if (got) {
		ack_ready(0);
		fcos_waitq_wake_all(&fcfront_dev.wq); /* fcfront_recv callers */
	}
	if (fcfront_dev.inq_len == INQ_LEN)
		return 0; /* fcfront_recv_done drains again */
	r->sring->req_event = r->req_cons + 1;
	/* Orders the req_event store before re-reading req_prod (as above). */
	xen_mb();
	return READ_IDX(r->sring->req_prod) != r->req_cons;
}

/* Drain both rings until both are empty (any thread, never blocks). */
void fcfront_poll_rings(void)
{
	int more;

	do {
		if (fcfront_dev.state != FCFRONT_CONNECTED)
			return;
		fcfront_dev.evt = 0;
		more = drain_responses();
		if (fcfront_dev.state != FCFRONT_CONNECTED)
			return;
		more |= drain_inbound();
	} while (more);
}

static int can_push(void)
{
	return fcfront_dev.state == FCFRONT_CONNECTED &&
	       !RING_FULL(&fcfront_dev.ring);
}

/* Whether fc_call should stop waiting for a session or a slot. */
static int no_session_coming(void)
{
	return fcfront_dev.state == FCFRONT_NODEV ||
	       fcfront_dev.state == FCFRONT_DETACHED;
}

static void publish_requests(void)
{
	int notify;

	/* wmb inside: slot contents before the new req_prod; mb inside:
	 * req_prod store before reading the backend's req_event. */
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&fcfront_dev.ring, notify);
	if (notify)
		fcos_evtchn_notify(fcfront_dev.port);
}

static int push(struct fcfront_waiter *w, uint32_t flags, const void *req,
		size_t len)
{
	int i;

	for (i = 0; i < FC_RING_SLOTS && fcfront_dev.inflight[i]; i++)
		;
	if (i == FC_RING_SLOTS) /* cannot happen: <= one per busy slot */
		return -FC_EBUSY;
	w->id = ++fcfront_dev.next_id; /* 64-bit: never reused */
	w->done = 0;
	memset(&w->req, 0, sizeof(w->req)); /* reserved fields must be 0 */
	w->req.id = w->id;
	w->req.opcode = w->opcode;
	w->req.flags = flags;
	if (len)
		memcpy(w->req.u.raw, req, len);
	*RING_GET_REQUEST(&fcfront_dev.ring, fcfront_dev.ring.req_prod_pvt) =
		w->req;
	fcfront_dev.ring.req_prod_pvt++;
	fcfront_dev.inflight[i] = w;
	fcfront_dev.st.requests++;
	publish_requests();
	return 0;
}

/*
 * A new session after a restore into a new domain: what was in flight on
 * the old ring is sent again, with its id, on the new one (at most one
 * per slot, as before).  A fork's FORK is how its child learns it is the
 * child.
 */
void fcfront_resend_inflight(void)
{
	int n = 0;

	for (int i = 0; i < FC_RING_SLOTS; i++) {
		struct fcfront_waiter *w = fcfront_dev.inflight[i];

		if (!w)
			continue;
		*RING_GET_REQUEST(&fcfront_dev.ring,
				  fcfront_dev.ring.req_prod_pvt) = w->req;
		fcfront_dev.ring.req_prod_pvt++;
		n++;
	}
	if (n)
		publish_requests();
}

static void forget(struct fcfront_waiter *w)
{
	for (int i = 0; i < FC_RING_SLOTS; i++)
		if (fcfront_dev.inflight[i] == w)
			fcfront_dev.inflight[i] = NULL;
}

int fc_call_ex(uint32_t op, uint32_t flags, const void *req, size_t len,
	       void *rsp, size_t rsp_len, uint64_t deadline_ns)
{
	struct fcfront_waiter w = { .opcode = op };
	int rc;

	if (len > FC_PAYLOAD_SIZE || rsp_len > FC_PAYLOAD_SIZE ||
	    (len && !req) || (rsp_len && !rsp))
		return -FC_EINVAL;
	rc = fcos_wait_event_deadline(&fcfront_dev.wq,
				      can_push() || no_session_coming(),
				      deadline_ns);
	if (rc)
		return -FC_ETIMEDOUT;
	if (!can_push())
		return -FC_ENOENT;
	rc = push(&w, flags, req, len);
	if (rc)
		return rc;
	rc = fcos_wait_event_deadline(
		&fcfront_dev.wq, (fcfront_poll_rings(), w.done), deadline_ns);
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
	return fcfront_dev.state == FCFRONT_CONNECTED;
}

int fc_wait_connected(uint64_t timeout_ns)
{
	uint64_t dl = timeout_ns == FCOS_TIME_NEVER
			      ? FCOS_TIME_NEVER
			      : fcos_monotonic_ns() + timeout_ns;

	if (fcos_wait_event_deadline(&fcfront_dev.wq,
				     fc_connected() || no_session_coming(), dl))
		return -FC_ETIMEDOUT;
	return fc_connected() ? 0 : -FC_ENOENT;
}

/* fcipc: the next inbound fragment, left in place until recv_done. */
static int head_ready(void)
{
	return fcfront_dev.inq_len && !fcfront_dev.inq_taken;
}

int fcfront_recv(struct fc_in_ipc *msg, const uint8_t **body,
		 uint64_t deadline_ns)
{
	const struct fcapsule_in_request *m;

	if (fcfront_dev.state == FCFRONT_NODEV)
		return -FC_ENOENT;
	if (fcos_wait_event_deadline(&fcfront_dev.wq,
				     (fcfront_poll_rings(), head_ready()),
				     deadline_ns))
		return -FC_ETIMEDOUT;
	/* ack_ready() left only valid IPC messages at the head. */
	m = &fcfront_dev.inq[fcfront_dev.inq_head];
	*msg = m->u.ipc;
	if (m->flags & FC_IN_F_AREA)
		*body = (const uint8_t *)fcfront_dev.in_area +
			m->u.ipc.area.off;
	else
		*body = fcfront_dev.inq[fcfront_dev.inq_head].u.ipc.data;
	fcfront_dev.inq_taken = fcfront_dev.inq_gen + 1;
	return 0;
}

void fcfront_recv_done(void)
{
	if (!fcfront_dev.inq_taken)
		return;
	/* A session ended meanwhile: its slots are gone, nothing to ack. */
	if (fcfront_dev.inq_taken == fcfront_dev.inq_gen + 1 &&
	    fcfront_dev.inq_len && fcfront_dev.state == FCFRONT_CONNECTED) {
		fcfront_dev.inq_taken = 0;
		ack_head(0);
		ack_ready(1);
	}
	fcfront_dev.inq_taken = 0;
	fcos_waitq_wake_all(&fcfront_dev.wq);
	fcfront_poll_rings(); /* messages left on the ring for lack of room */
}

void *fcfront_out_area(size_t *size)
{
	if (fcfront_dev.state != FCFRONT_CONNECTED || !fcfront_dev.out_area)
		return NULL;
	*size = OUT_AREA_PAGES * FCOS_PAGE_SIZE;
	return fcfront_dev.out_area;
}

/*
 * fcipc (issue 7): called every few ms by fcipc's watchdog while an IPC
 * call waits, so that a lost notification (either way) delays it instead
 * of hanging it: drain both rings, and re-notify Dom0 if requests are
 * outstanding (an extra event is harmless: Dom0 finds nothing new).
 */
void fcfront_kick(void)
{
	if (fcfront_dev.state != FCFRONT_CONNECTED)
		return;
	fcfront_poll_rings();
	for (int i = 0; i < FC_RING_SLOTS; i++)
		if (fcfront_dev.inflight[i]) {
			fcos_evtchn_notify(fcfront_dev.port);
			break;
		}
	fcos_waitq_wake_all(&fcfront_dev.wq);
}

void fcfront_exit_notify(int code)
{
	struct fc_exit_req req = { .code = code };
	struct fcfront_waiter w = { .opcode = FC_OP_EXIT };
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
	while (!w.done && fcfront_dev.state == FCFRONT_CONNECTED &&
	       fcos_monotonic_ns() < dl) {
		fcfront_poll_rings();
		fcos_cpu_relax();
	}
	forget(&w);
}
