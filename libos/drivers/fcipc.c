// SPDX-License-Identifier: GPL-2.0
/*
 * fcipc: messages between app VMs (docs/ipc.md) on top of fcfront.  A
 * message is cut into IPC_SEND fragments (fcipc_frag.c): up to 56 bytes
 * inline in the request, larger ones in 16 KiB pieces through the data
 * areas (the body is put in our out-area, fcapsule.ko copies it to the
 * receiver's in-area).  Each fragment is sent with fc_call_ex and
 * answered by fcapsule.ko once it is on the receiver's inbound ring or
 * in its queue in Dom0; fragments arrive through fcfront_recv() and are
 * reassembled per source.
 *
 * One message is sent at a time (a lock over the whole message), so the
 * fragments of two threads' messages never interleave on the ring.
 */
#include <stdio.h>
#include <string.h>
#include <fc.h>
#include <fc/ipc.h>
#include <fcos/sched.h>
#include <fcos/time.h>

#define BACKOFF_MAX_NS (1 * FCOS_NSEC_PER_MSEC)
#define KICK_NS	       (20 * FCOS_NSEC_PER_MSEC)

static struct {
	int send_busy;
	int active; /* fc_send/fc_recv calls in progress */
	int watchdog;
	struct fcos_waitq kwq; /* the watchdog waits for active */
	struct fcos_waitq wq;  /* waiting for send_busy */
	uint32_t seq;
	struct fc_ipc_rasm rasm;
	struct fc_ipc_stats st;
} ipc = { .wq = FCOS_WAITQ_INIT, .kwq = FCOS_WAITQ_INIT };

/*
 * While an IPC call waits, poll the rings every KICK_NS: under heavy load
 * on the emulated instances an event-channel notification was seen to go
 * missing, which must make a call slower, never hang it forever.
 */
static void watchdog(void *arg)
{
	(void)arg;
	for (;;) {
		fcos_wait_event(&ipc.kwq, ipc.active);
		fcos_sleep_ns(KICK_NS);
		if (ipc.active)
			fcfront_kick();
	}
}

static void enter(void)
{
	if (!ipc.watchdog &&
	    fcos_thread_create("fcipc-watchdog", watchdog, NULL))
		ipc.watchdog = 1;
	ipc.active++;
	fcos_waitq_wake_all(&ipc.kwq);
}

static void leave(void)
{
	ipc.active--;
}

/* Wait before retrying a fragment the receiver had no room for: a few
 * yields first (the receiver may be on our vCPU), then growing sleeps. */
static void backoff(unsigned int n)
{
	uint64_t ns;

	if (n < 4) {
		fcos_yield();
		return;
	}
	ns = 20 * FCOS_NSEC_PER_USEC << (n - 4 < 10 ? n - 4 : 10);
	fcos_sleep_ns(ns < BACKOFF_MAX_NS ? ns : BACKOFF_MAX_NS);
}

static int send_frag(const struct fc_ipc_send_req *req, uint32_t flags,
		     int nonblock)
{
	unsigned int n = 0;
	int rc;

	for (;;) {
		rc = fc_call_ex(FC_OP_IPC_SEND, flags, req, sizeof(*req), NULL,
				0, FCOS_TIME_NEVER);
		if (rc != -FC_EAGAIN || nonblock)
			return rc;
		ipc.st.send_retries++;
		backoff(n++);
	}
}

/*
 * Send one message as fragments of @chunk bytes: inline (@area NULL) or
 * built in the out-area.  Only the first fragment may be refused for lack
 * of room: after it, the message is finished whatever it takes.
 */
static int send_frags(struct fc_ipc_send_req *req, uint32_t rflags,
		      uint8_t *area, uint32_t chunk, const void *buf,
		      uint32_t len, uint32_t seq, int flags)
{
	uint32_t n = fc_ipc_frag_count(len, chunk);
	int rc = 0;

	if (area)
		rflags |= FC_IPC_F_AREA;
	for (uint32_t i = 0; i < n; i++) {
		/* Our one send at a time owns the area: Dom0 has copied the
		 * last body out before it answered. */
		req->len = fc_ipc_frag_build(area ? area : req->data, seq, i,
					     buf, len, chunk);
		rc = send_frag(req, rflags,
			       i == 0 && (flags & FC_IPC_NONBLOCK));
		if (rc)
			break; /* the receiver drops the partial message */
		ipc.st.send_fragments++;
	}
	return rc;
}

int fc_send_ex(uint32_t dest, const char *name, const void *buf, size_t len,
	       int flags)
{
	struct fc_ipc_send_req req;
	uint32_t rflags = 0, seq;
	uint8_t *area;
	size_t area_size = 0;
	int rc = 0;

	if (len > FC_IPC_MSG_MAX || (len && !buf) || (flags & ~FC_IPC_NONBLOCK))
		return len > FC_IPC_MSG_MAX ? -FC_EMSGSIZE : -FC_EINVAL;
	memset(&req, 0, sizeof(req));
	if (name) {
		size_t nl = strlen(name);

		if (!nl || nl >= FC_NAME_MAX)
			return -FC_EINVAL;
		memcpy(req.dest_name, name, nl);
		rflags = FC_IPC_F_BY_NAME;
	} else {
		req.dest_domid = dest;
	}

	if (ipc.send_busy && (flags & FC_IPC_NONBLOCK))
		return -FC_EAGAIN;
	enter();
	fcos_wait_event(&ipc.wq, !ipc.send_busy);
	ipc.send_busy = 1;
	seq = ++ipc.seq;
	area = fcfront_out_area(&area_size);
	if (area_size > FC_IPC_AREA_MSG_MAX)
		area_size = FC_IPC_AREA_MSG_MAX;
	if (len > FC_IPC_FRAG_DATA && area) {
		rc = send_frags(&req, rflags, area,
				(uint32_t)area_size - FC_IPC_FRAG_HDR, buf,
				(uint32_t)len, seq, flags);
		/* A receiver without an in-area refuses the first body:
		 * send the message inline instead. */
		if (rc == -FC_EMSGSIZE)
			area = NULL;
	}
	if (len <= FC_IPC_FRAG_DATA || !area) {
		memset(req.data, 0, sizeof(req.data));
		rc = send_frags(&req, rflags, NULL, FC_IPC_FRAG_DATA, buf,
				(uint32_t)len, seq, flags);
	}
	if (!rc)
		ipc.st.sent++;
	ipc.send_busy = 0;
	fcos_waitq_wake_all(&ipc.wq);
	leave();
	return rc;
}

int fc_send(uint32_t dest, const void *buf, size_t len)
{
	return fc_send_ex(dest, NULL, buf, len, 0);
}

int fc_send_name(const char *name, const void *buf, size_t len)
{
	if (!name)
		return -FC_EINVAL;
	return fc_send_ex(0, name, buf, len, 0);
}

static int recv(uint32_t *src, void *buf, size_t len, int64_t timeout_ns)
{
	uint64_t dl = timeout_ns < 0
			      ? FCOS_TIME_NEVER
			      : fcos_monotonic_ns() + (uint64_t)timeout_ns;

	for (;;) {
		struct fc_in_ipc m;
		const uint8_t *body, *msg;
		uint32_t mlen;
		int rc;

		rc = fcfront_recv(&m, &body, dl);
		if (rc == -FC_ETIMEDOUT && timeout_ns == 0)
			return -FC_EAGAIN;
		if (rc)
			return rc;
		ipc.st.recv_fragments++;
		/* fcfront checked that m.len bytes at body are ours; a
		 * one-fragment message is not copied, so it is used before
		 * recv_done gives the body back. */
		rc = fc_ipc_rasm_feed(&ipc.rasm, m.src_domid, body, m.len, &msg,
				      &mlen);
		if (rc != FC_IPC_RASM_DONE) {
			fcfront_recv_done();
			continue; /* partial, or refused (counted) */
		}
		ipc.st.received++;
		if (src)
			*src = m.src_domid;
		if (len)
			memcpy(buf, msg, mlen < len ? mlen : len);
		fcfront_recv_done();
		return (int)mlen;
	}
}

int fc_recv(uint32_t *src, void *buf, size_t len, int64_t timeout_ns)
{
	int rc;

	if (timeout_ns == 0) /* a poll: nothing to watch over */
		return recv(src, buf, len, 0);
	enter();
	rc = recv(src, buf, len, timeout_ns);
	leave();
	return rc;
}

void fc_ipc_get_stats(struct fc_ipc_stats *st)
{
	*st = ipc.st;
	st->bad_fragments = ipc.rasm.bad;
	st->incomplete = ipc.rasm.incomplete;
}
