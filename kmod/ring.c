// SPDX-License-Identifier: GPL-2.0
/*
 * The two shared rings of one app VM and its event channel: mapping and
 * binding at connect, and the worker that serves requests.
 *
 * The event channel is bound with the "lateeoi" interface: the hard
 * interrupt handler only queues the capsule's work item; the work item
 * (the handler's thread) drains both rings and only then signals EOI, so a
 * frontend that notifies without producing anything is throttled by Xen
 * instead of keeping Dom0 busy.  A frontend found misbehaving is never EOId
 * again: its event channel stays masked until disconnect.
 *
 * Nothing read from the shared pages is trusted: requests are copied out of
 * the ring before they are looked at, indexes are checked against what the
 * backend itself produced, every length is bounded.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/interrupt.h>
#include <linux/string.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include <xen/xenbus.h>

#include "fcback.h"

/* ring.h spells Linux's errno values out for the library OS: check them. */
static_assert(FC_EPERM == EPERM && FC_ENOENT == ENOENT && FC_ESRCH == ESRCH);
static_assert(FC_EIO == EIO && FC_E2BIG == E2BIG && FC_EAGAIN == EAGAIN);
static_assert(FC_ENOMEM == ENOMEM && FC_EBUSY == EBUSY && FC_EEXIST == EEXIST);
static_assert(FC_EINVAL == EINVAL && FC_ENOSPC == ENOSPC);
static_assert(FC_ENOSYS == ENOSYS && FC_EPROTO == EPROTO);
static_assert(FC_EMSGSIZE == EMSGSIZE);
static_assert(FC_EPROTONOSUPPORT == EPROTONOSUPPORT);
static_assert(FC_EOPNOTSUPP == EOPNOTSUPP && FC_EADDRINUSE == EADDRINUSE);
static_assert(FC_ETIMEDOUT == ETIMEDOUT);
/* ... and that the ioctl ABI's copies of ring sizes agree. */
static_assert(FC_IOC_NAME_MAX == FC_NAME_MAX);
static_assert(FC_IOC_PAYLOAD_SIZE == FC_PAYLOAD_SIZE);
static_assert(__CONST_RING_SIZE(fcapsule, XEN_PAGE_SIZE) == FC_RING_SLOTS);
static_assert(__CONST_RING_SIZE(fcapsule_in, XEN_PAGE_SIZE) == FC_RING_SLOTS);

/*
 * Stop serving a misbehaving frontend: the worker stops, the event channel
 * stays masked, and fcback_fatal() records the reason in the backend's
 * error node and moves the backend to Closing.  The rings stay mapped until
 * the frontend closes or the device is removed (fcback_ring_disconnect()).
 */
static __printf(3, 4) void fcback_ring_fatal(struct fcback_capsule *cap,
					     int err, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	WRITE_ONCE(cap->broken, true);
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	fcback_fatal(cap->dev, err, "%pV", &vaf);
	va_end(args);
}

/* Write one response; cap->rsp_lock held.  Returns whether to notify. */
static bool fcback_put_response(struct fcback_capsule *cap, u64 id,
				u32 opcode, s32 status, const void *payload)
{
	struct fcapsule_back_ring *ring = &cap->ring;
	struct fcapsule_response *rsp;
	int notify;

	lockdep_assert_held(&cap->rsp_lock);

	/*
	 * rsp_prod_pvt < req_cons always: every response answers a request
	 * already copied out, so this slot holds nothing still unread.
	 */
	rsp = RING_GET_RESPONSE(ring, ring->rsp_prod_pvt);
	rsp->id = id;
	rsp->opcode = opcode;
	rsp->status = status;
	if (payload)
		memcpy(rsp->u.raw, payload, FC_PAYLOAD_SIZE);
	else
		memset(rsp->u.raw, 0, FC_PAYLOAD_SIZE);
	ring->rsp_prod_pvt++;

	/*
	 * The macro's virt_wmb() orders the response body written above
	 * before the new rsp_prod; its virt_mb() orders that rsp_prod store
	 * before the load of rsp_event that decides whether to notify.
	 */
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(ring, notify);

	atomic64_inc(&cap->n_responses);
	if (status < 0)
		atomic64_inc(&cap->n_errors);
	return notify;
}

static void fcback_respond(struct fcback_capsule *cap,
			   const struct fcapsule_request *req, s32 status,
			   const void *payload)
{
	bool notify;

	spin_lock(&cap->rsp_lock);
	notify = fcback_put_response(cap, req->id, req->opcode, status,
				     payload);
	spin_unlock(&cap->rsp_lock);
	if (notify)
		notify_remote_via_irq(cap->irq);
}

static bool fcback_all_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

static s32 fcback_op_hello(struct fcback_capsule *cap,
			   const struct fcapsule_request *req,
			   struct fc_hello_rsp *hello)
{
	if (req->flags || !fcback_all_zero(req->u.raw, FC_PAYLOAD_SIZE))
		return -FC_EINVAL;

	memset(hello, 0, sizeof(*hello));
	hello->version = cap->version;
	hello->domid = cap->domid;
	hello->app_id = cap->app_id;
	hello->parent_domid = cap->parent_domid;
	hello->ring_slots = RING_SIZE(&cap->ring);
	hello->ipc_inline_max = FC_IPC_INLINE_MAX;
	strscpy(hello->name, cap->name, sizeof(hello->name));
	return 0;
}

/* Check the parameters of a request that goes to the OS server. */
static bool fcback_user_req_valid(const struct fcapsule_request *req)
{
	const struct fc_listen_req *l = &req->u.listen;
	const struct fc_exit_req *e = &req->u.exit;

	if (req->flags)
		return false;
	switch (req->opcode) {
	case FC_OP_FORK:
		return fcback_all_zero(req->u.fork.reserved,
				       sizeof(req->u.fork.reserved));
	case FC_OP_LISTEN:
	case FC_OP_UNLISTEN:
		return (l->proto == FC_PROTO_TCP || l->proto == FC_PROTO_UDP) &&
		       l->port && !l->reserved0 && !l->reserved1 &&
		       !l->reserved2 &&
		       fcback_all_zero(l->reserved3, sizeof(l->reserved3));
	case FC_OP_EXIT:
		return !e->reserved0 &&
		       fcback_all_zero(e->reserved1, sizeof(e->reserved1));
	}
	return false;
}

/*
 * Hand a request to the OS server through /dev/fcapsule.  The response is
 * written by fcback_ring_complete().  At most RING_SIZE requests can be
 * unanswered (more would overflow the ring, see fcback_process_requests()),
 * so pending[] cannot run out unless ids are reused.
 */
static void fcback_op_user(struct fcback_capsule *cap,
			   const struct fcapsule_request *req)
{
	struct fc_event ev;
	int i, slot = -1;
	s32 status = 0;

	if (!fcback_user_req_valid(req)) {
		fcback_respond(cap, req, -FC_EINVAL, NULL);
		return;
	}

	spin_lock(&cap->rsp_lock);
	for (i = 0; i < ARRAY_SIZE(cap->pending); i++) {
		if (!cap->pending[i].used) {
			if (slot < 0)
				slot = i;
		} else if (cap->pending[i].id == req->id) {
			status = -FC_EEXIST;	/* id must be unique */
			break;
		}
	}
	if (!status && slot < 0)
		status = -FC_EBUSY;
	if (!status) {
		cap->pending[slot].id = req->id;
		cap->pending[slot].opcode = req->opcode;
		cap->pending[slot].used = true;
	}
	spin_unlock(&cap->rsp_lock);
	if (status) {
		fcback_respond(cap, req, status, NULL);
		return;
	}

	memset(&ev, 0, sizeof(ev));
	ev.type = FC_EV_REQUEST;
	ev.domid = cap->domid;
	ev.app_id = cap->app_id;
	ev.req_id = req->id;
	ev.opcode = req->opcode;
	ev.flags = req->flags;
	memcpy(ev.payload, req->u.raw, sizeof(ev.payload));

	atomic64_inc(&cap->n_user_pending);
	if (fcback_event_post_request(&ev)) {
		/* No room for us: refuse rather than drop anything. */
		atomic64_dec(&cap->n_user_pending);
		spin_lock(&cap->rsp_lock);
		cap->pending[slot].used = false;
		spin_unlock(&cap->rsp_lock);
		fcback_respond(cap, req, -FC_EBUSY, NULL);
		return;
	}
	atomic64_inc(&cap->n_user_requests);
}

static void fcback_dispatch(struct fcback_capsule *cap,
			    const struct fcapsule_request *req)
{
	struct fc_hello_rsp hello;
	s32 status;

	atomic64_inc(&cap->n_requests);

	switch (req->opcode) {
	case FC_OP_NOP:
		status = req->flags ? -FC_EINVAL : 0;
		/* The payload is echoed: a ping can check its own data. */
		fcback_respond(cap, req, status, status ? NULL : req->u.raw);
		break;
	case FC_OP_HELLO:
		status = fcback_op_hello(cap, req, &hello);
		fcback_respond(cap, req, status, status ? NULL : &hello);
		break;
	case FC_OP_IPC_SEND:
		status = fcback_ipc_send(cap, req);
		fcback_respond(cap, req, status, NULL);
		break;
	case FC_OP_FORK:
	case FC_OP_LISTEN:
	case FC_OP_UNLISTEN:
	case FC_OP_EXIT:
		fcback_op_user(cap, req);
		break;
	default:
		fcback_respond(cap, req, -FC_ENOSYS, NULL);
		break;
	}
}

/*
 * Serve the request ring, at most *@budget requests (decremented).
 * Returns 1 if any request was consumed, 0 if none, -EPROTO if the
 * frontend overran the ring (it is then broken).  Requests left over when
 * the budget runs out stay on the ring for the next run.
 */
static int fcback_process_requests(struct fcback_capsule *cap,
				   unsigned int *budget)
{
	struct fcapsule_back_ring *ring = &cap->ring;
	struct fcapsule_request req;
	RING_IDX rc, rp;
	bool overflow;
	int more, done = 0;

	do {
		rp = READ_ONCE(ring->sring->req_prod);
		/* Read req_prod before the request slots it publishes. */
		virt_rmb();

		/*
		 * Against what we consumed: a req_prod behind req_cons (or
		 * far ahead) would make rp - req_cons huge, and the loop
		 * below would run over slots the frontend controls.
		 */
		if (rp - ring->req_cons > RING_SIZE(ring)) {
			fcback_ring_fatal(cap, -EPROTO,
					  "impossible number of requests: req_prod %u, req_cons %u",
					  rp, ring->req_cons);
			return -EPROTO;
		}
		/* rsp_prod_pvt moves under rsp_lock (FC_IOC_COMPLETE). */
		spin_lock(&cap->rsp_lock);
		overflow = RING_REQUEST_PROD_OVERFLOW(ring, rp);
		spin_unlock(&cap->rsp_lock);
		if (overflow) {
			fcback_ring_fatal(cap, -EPROTO,
					  "req_prod %u overruns the ring (req_cons %u)",
					  rp, ring->req_cons);
			return -EPROTO;
		}

		/*
		 * req_cons <= rp <= rsp_prod_pvt + RING_SIZE, and
		 * rsp_prod_pvt only grows: every slot from req_cons to rp
		 * holds an unanswered request.
		 */
		for (rc = ring->req_cons; rc != rp; rc++) {
			if (!*budget)
				return 1;
			--*budget;
			RING_COPY_REQUEST(ring, rc, &req);
			ring->req_cons = rc + 1;
			done = 1;
			fcback_dispatch(cap, &req);
			if (READ_ONCE(cap->broken))
				return -EPROTO;
		}

		/*
		 * Sets req_event = req_cons + 1, then (virt_mb()) re-reads
		 * req_prod so a request pushed meanwhile is not missed.
		 */
		RING_FINAL_CHECK_FOR_REQUESTS(ring, more);
	} while (more);

	return done;
}

/*
 * Consume the frontend's acknowledgements of inbound messages and move
 * queued IPC messages onto the freed slots.  Returns as
 * fcback_process_requests().  Also called by IPC senders (kmod/ipc.c)
 * when the receiver's queue is not empty, so that progress never depends
 * on one notification alone.
 */
int fcback_process_in_acks(struct fcback_capsule *cap)
{
	struct fcapsule_in_front_ring *ring = &cap->in_ring;
	struct fcapsule_in_response ack;
	RING_IDX rp, sent, acked;
	int more, done = 0, notify = 0, push_notify;

	spin_lock(&cap->in_lock);
	do {
		rp = READ_ONCE(ring->sring->rsp_prod);
		/* Read rsp_prod before the ack slots it publishes. */
		virt_rmb();

		/*
		 * Stricter than RING_RESPONSE_PROD_OVERFLOW(): no more acks
		 * than messages sent.
		 */
		sent = ring->req_prod_pvt - ring->rsp_cons;
		acked = rp - ring->rsp_cons;
		if (acked > sent) {
			spin_unlock(&cap->in_lock);
			fcback_ring_fatal(cap, -EPROTO,
					  "in-ring rsp_prod %u acks %u of %u messages",
					  rp, acked, sent);
			return -EPROTO;
		}
		while (ring->rsp_cons != rp) {
			RING_COPY_RESPONSE(ring, ring->rsp_cons, &ack);
			fcback_area_release(cap, ring->rsp_cons);
			ring->rsp_cons++;
			atomic64_inc(&cap->n_in_acked);
			cap->full_kicked = false;
			done = 1;
		}
		/* Slots freed: move IPC messages queued for us onto them. */
		if (fcback_ipc_flush_locked(cap)) {
			/*
			 * virt_wmb() orders the messages before req_prod;
			 * virt_mb() orders req_prod before reading req_event.
			 */
			RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(ring, push_notify);
			notify |= push_notify;
		}
		if (cap->ipcq_count) {
			/*
			 * Queued messages wait for room: ask for an event at
			 * the next ack.  Sets rsp_event, then (virt_mb())
			 * re-reads rsp_prod so an ack meanwhile is not missed.
			 */
			RING_FINAL_CHECK_FOR_RESPONSES(ring, more);
		} else {
			/*
			 * Nobody waits: no event per ack (it would cost Dom0
			 * an interrupt per message).  Senders take the acks
			 * themselves before they look for room, see
			 * fcback_ipc_deliver().  The frontend cannot ack past
			 * rsp_cons + RING_SIZE before we consume again.
			 */
			ring->sring->rsp_event =
				ring->rsp_cons + RING_SIZE(ring) + 1;
			more = 0;
		}
	} while (more);
	spin_unlock(&cap->in_lock);

	if (notify)
		notify_remote_via_irq(cap->irq);
	return done;
}

/*
 * The event channel handler's thread: one instance at a time per capsule.
 * One run serves at most FCBACK_BUDGET requests, so that a guest that
 * keeps producing cannot hold a worker (and delay every other guest's):
 * with requests left it queues itself again, behind the others, and sends
 * no EOI yet, so its event channel stays masked until it has caught up.
 */
static void fcback_ring_work(struct work_struct *work)
{
	struct fcback_capsule *cap =
		container_of(work, struct fcback_capsule, work);
	unsigned int eoi_flags = XEN_EOI_FLAG_SPURIOUS;
	unsigned int budget = FCBACK_BUDGET;
	int ret;

	/*
	 * Not started (fcback_ring_start() queues us again) or misbehaved:
	 * leave the event channel masked.
	 */
	if (!READ_ONCE(cap->started) || READ_ONCE(cap->broken))
		return;

	ret = fcback_process_requests(cap, &budget);
	if (ret < 0)
		return;
	if (ret > 0)
		eoi_flags = 0;

	ret = fcback_process_in_acks(cap);
	if (ret < 0)
		return;
	/*
	 * Acks an IPC sender took for us (kmod/ipc.c) were work our event
	 * announced: not spurious, or lateeoi would delay our requests.
	 */
	if (ret > 0 || test_and_clear_bit(FCBACK_ACKS_TAKEN, &cap->flags))
		eoi_flags = 0;

	if (!budget) {
		atomic64_inc(&cap->n_requeues);
		queue_work(fcback_wq, &cap->work);
		return;
	}
	xen_irq_lateeoi(READ_ONCE(cap->irq), eoi_flags);
}

static irqreturn_t fcback_ring_interrupt(int irq, void *dev_id)
{
	struct fcback_capsule *cap = dev_id;

	/*
	 * Xen marks our port pending when it binds it, so the first event
	 * can arrive before the bind returns and fcback_ring_connect() sets
	 * cap->irq.  The work item would then EOI irq -1, a no-op, and the
	 * channel would stay masked for good: publish the irq here, before
	 * queue_work() (which orders this store before the work runs).
	 */
	WRITE_ONCE(cap->irq, irq);
	/* EOI is sent by the work item once both rings are drained. */
	queue_work(fcback_wq, &cap->work);
	return IRQ_HANDLED;
}

/*
 * Complete a request handed to userspace (FC_IOC_COMPLETE).  The caller
 * holds the registry lock, so the rings are mapped.
 */
int fcback_ring_complete(struct fcback_capsule *cap, u64 req_id, s32 status,
			 const u8 *payload)
{
	bool notify = false;
	int i, err = -ENOENT;

	spin_lock(&cap->rsp_lock);
	for (i = 0; i < ARRAY_SIZE(cap->pending); i++) {
		struct fcback_pending *p = &cap->pending[i];

		if (!p->used || p->id != req_id)
			continue;
		p->used = false;
		notify = fcback_put_response(cap, p->id, p->opcode, status,
					     payload);
		err = 0;
		break;
	}
	spin_unlock(&cap->rsp_lock);

	if (!err)
		atomic64_dec(&cap->n_user_pending);
	if (notify)
		notify_remote_via_irq(cap->irq);
	return err;
}

void fcback_ring_init_capsule(struct fcback_capsule *cap)
{
	INIT_WORK(&cap->work, fcback_ring_work);
	spin_lock_init(&cap->rsp_lock);
	spin_lock_init(&cap->in_lock);
	cap->irq = -1;
}

/* Map both rings; the event channel is bound by fcback_ring_bind(). */
int fcback_ring_connect(struct fcback_capsule *cap, grant_ref_t ring_ref,
			grant_ref_t in_ring_ref)
{
	struct xenbus_device *dev = cap->dev;
	void *addr;
	int err;

	/* On failure xenbus_map_ring_valloc() reports with xenbus_dev_fatal. */
	err = xenbus_map_ring_valloc(dev, &ring_ref, 1, &addr);
	if (err)
		return err;
	BACK_RING_INIT(&cap->ring, (struct fcapsule_sring *)addr,
		       XEN_PAGE_SIZE);

	err = xenbus_map_ring_valloc(dev, &in_ring_ref, 1, &addr);
	if (err)
		goto out_unmap_ring;
	FRONT_RING_INIT(&cap->in_ring, (struct fcapsule_in_sring *)addr,
			XEN_PAGE_SIZE);

	memset(cap->pending, 0, sizeof(cap->pending));
	atomic64_set(&cap->n_user_pending, 0);
	cap->in_next_id = 1;
	cap->ipcq_head = 0;
	cap->ipcq_count = 0;
	cap->full_kicked = false;
	clear_bit(FCBACK_ACKS_TAKEN, &cap->flags);
	WRITE_ONCE(cap->broken, false);
	WRITE_ONCE(cap->started, false);
	return 0;

out_unmap_ring:
	xenbus_unmap_ring_vfree(dev, cap->ring.sring);
	cap->ring.sring = NULL;
	return err;
}

/*
 * Bind the event channel.  The capsule is registered (it has its app id),
 * but the worker serves nothing before fcback_ring_start().
 */
int fcback_ring_bind(struct fcback_capsule *cap, evtchn_port_t evtchn)
{
	int err;

	err = bind_interdomain_evtchn_to_irqhandler_lateeoi(cap->dev, evtchn,
							    fcback_ring_interrupt,
							    0, FCBACK_DRV_NAME,
							    cap);
	if (err < 0) {
		fcback_fatal(cap->dev, err, "binding event-channel %u", evtchn);
		return err;
	}
	cap->irq = err;
	return 0;
}

/*
 * Serve from now on (the backend is Connected).  Events that came before
 * were left un-EOId, so the channel is masked: this run looks at both
 * rings and EOIs.
 */
void fcback_ring_start(struct fcback_capsule *cap)
{
	WRITE_ONCE(cap->started, true);
	/* queue_work() orders the store above before the work runs. */
	queue_work(fcback_wq, &cap->work);
}

/*
 * Undo fcback_ring_connect().  The capsule is out of the registry already,
 * so no IPC sender or FC_IOC_COMPLETE can touch the rings any more.
 */
void fcback_ring_disconnect(struct fcback_capsule *cap)
{
	if (cap->irq >= 0) {
		/* No new hard handler, and wait for a running one... */
		disable_irq(cap->irq);
		/* ...so that no work item can be queued after this one. */
		cancel_work_sync(&cap->work);
		unbind_from_irqhandler(cap->irq, cap);
		cap->irq = -1;
	}
	if (cap->in_ring.sring) {
		xenbus_unmap_ring_vfree(cap->dev, cap->in_ring.sring);
		cap->in_ring.sring = NULL;
	}
	if (cap->ring.sring) {
		xenbus_unmap_ring_vfree(cap->dev, cap->ring.sring);
		cap->ring.sring = NULL;
	}
	memset(cap->pending, 0, sizeof(cap->pending));
	atomic64_set(&cap->n_user_pending, 0);
}
