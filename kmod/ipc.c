// SPDX-License-Identifier: GPL-2.0
/*
 * IPC between app VMs, relayed in kernel (docs/ipc.md): an IPC_SEND is
 * copied out of the sender's request ring, checked against the policy,
 * and copied onto the receiver's inbound ring, whose event channel is
 * then notified.  No app VM maps another's memory.
 *
 * Each receiver has a bounded queue (FCBACK_IPCQ_LEN) in front of its
 * inbound ring: a message that finds the ring full (or the queue not
 * empty: order) waits there until the receiver acknowledges, and a full
 * queue refuses the sender with -EAGAIN.  One sender may hold at most
 * FCBACK_IPCQ_SHARE entries of a receiver's queue, so that it cannot
 * keep the others out.  Nothing is dropped silently:
 * messages still queued when a receiver goes away are counted as dropped
 * on their sender and module-wide.
 *
 * Ordering per sender -> receiver pair: a sender's requests are served
 * one at a time by its ring worker, and each message goes to the tail of
 * the receiver's queue or, only when the queue is empty, straight onto
 * its ring.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <xen/events.h>

#include "fcback.h"
#include "ipc_policy.h"

/* Under the registry mutex. */
static struct fcback_ipc_policy fcback_policy;

/* Module-wide totals, app VMs gone included. */
static atomic64_t fcback_ipc_sent = ATOMIC64_INIT(0);
static atomic64_t fcback_ipc_delivered = ATOMIC64_INIT(0);
static atomic64_t fcback_ipc_dropped = ATOMIC64_INIT(0);
static atomic64_t fcback_ipc_denied = ATOMIC64_INIT(0);
static atomic64_t fcback_ipc_refused = ATOMIC64_INIT(0);
static atomic64_t fcback_ipc_failed = ATOMIC64_INIT(0);

/*
 * Put one message on cap's inbound ring; in_lock held, ring not full.
 * @charge: in-area bytes its body took (0: inline), freed at its ack.
 */
static void fcback_in_put(struct fcback_capsule *cap,
			  const struct fcapsule_in_request *msg, u32 len,
			  u32 charge)
{
	struct fcapsule_in_front_ring *ring = &cap->in_ring;
	struct fcapsule_in_request *slot;

	lockdep_assert_held(&cap->in_lock);
	cap->in_slot_charge[ring->req_prod_pvt % FC_RING_SLOTS] = charge;
	slot = RING_GET_REQUEST(ring, ring->req_prod_pvt);
	memcpy(slot, msg, sizeof(*slot));
	slot->id = cap->in_next_id++;
	ring->req_prod_pvt++;
	atomic64_inc(&cap->n_ipc_received);
	atomic64_add(len, &cap->n_ipc_bytes_received);
	atomic64_inc(&fcback_ipc_delivered);
}

/*
 * Move queued messages onto the inbound ring while it has room (called by
 * the receiver's worker after consuming acks).  in_lock held.  Returns
 * whether anything was put: the caller then pushes and notifies.
 */
bool fcback_ipc_flush_locked(struct fcback_capsule *cap)
{
	bool put = false;

	lockdep_assert_held(&cap->in_lock);
	while (cap->ipcq_count && !RING_FULL(&cap->in_ring)) {
		struct fcback_ipc_qent *e = &cap->ipcq[cap->ipcq_head];

		fcback_in_put(cap, &e->msg, e->len, 0);
		cap->ipcq_head = (cap->ipcq_head + 1) % FCBACK_IPCQ_LEN;
		cap->ipcq_count--;
		put = true;
	}
	return put;
}

/* Entries of dest's queue from src; in_lock held. */
static unsigned int fcback_ipcq_from(struct fcback_capsule *dest,
				     struct fcback_capsule *src)
{
	unsigned int i, n = 0;

	lockdep_assert_held(&dest->in_lock);
	for (i = 0; i < dest->ipcq_count; i++)
		if (dest->ipcq[(dest->ipcq_head + i) % FCBACK_IPCQ_LEN]
			    .src_app_id == src->app_id)
			n++;
	return n;
}

/* Whether src may queue one more message for dest; in_lock held. */
static bool fcback_ipcq_room(struct fcback_capsule *dest,
			     struct fcback_capsule *src)
{
	if (dest->ipcq_count >= FCBACK_IPCQ_LEN)
		return false;
	return dest->ipcq_count < FCBACK_IPCQ_SHARE ||
	       fcback_ipcq_from(dest, src) < FCBACK_IPCQ_SHARE;
}

/*
 * A send was refused for lack of room: the receiver must look at its
 * ring, but one event until it acknowledges is enough (not one per
 * refused send).  in_lock held; returns whether to notify.
 */
static bool fcback_ipc_kick(struct fcback_capsule *dest)
{
	lockdep_assert_held(&dest->in_lock);
	if (dest->full_kicked)
		return false;
	dest->full_kicked = true;
	return true;
}

/* The receiver's acks taken by a sender: its own event is not spurious. */
static void fcback_ipc_take_acks(struct fcback_capsule *dest)
{
	if (fcback_process_in_acks(dest) > 0)
		set_bit(FCBACK_ACKS_TAKEN, &dest->flags);
}

/*
 * Deliver msg to dest, or queue it: 0, -EAGAIN (queue full, or src's
 * share of it) or -ESRCH (dest misbehaved and is no longer served).
 * dest is pinned (fcback_ipc_pin()).
 */
static s32 fcback_ipc_deliver(struct fcback_capsule *dest,
			      struct fcback_capsule *src,
			      const struct fcapsule_in_request *msg, u32 len)
{
	struct fcback_ipc_qent *e;
	bool queued = false;
	int notify = 0;

	/*
	 * The receiver does not notify us of every ack (see
	 * fcback_process_in_acks()): take them now, so that RING_FULL below
	 * counts the slots it has really freed.
	 */
	bool kick;

	if (!READ_ONCE(dest->broken))
		fcback_ipc_take_acks(dest);

	spin_lock(&dest->in_lock);
	if (READ_ONCE(dest->broken) || !dest->ipcq) {
		spin_unlock(&dest->in_lock);
		return -FC_ESRCH;
	}
	if (!dest->ipcq_count && !RING_FULL(&dest->in_ring)) {
		fcback_in_put(dest, msg, len, 0);
		/*
		 * virt_wmb() in the macro orders the message body before the
		 * new req_prod; virt_mb() orders req_prod before the load of
		 * req_event.
		 */
		RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&dest->in_ring, notify);
	} else if (fcback_ipcq_room(dest, src)) {
		e = &dest->ipcq[(dest->ipcq_head + dest->ipcq_count) %
				FCBACK_IPCQ_LEN];
		e->msg = *msg;
		e->src_app_id = src->app_id;
		e->src_domid = src->domid;
		e->len = len;
		dest->ipcq_count++;
		queued = true;
	} else {
		kick = fcback_ipc_kick(dest);
		spin_unlock(&dest->in_lock);
		if (kick)
			notify_remote_via_irq(dest->irq);
		return -FC_EAGAIN;
	}
	spin_unlock(&dest->in_lock);

	if (notify)
		notify_remote_via_irq(dest->irq);
	/*
	 * A message now waits for room: this asks for an event at the
	 * receiver's next ack (and takes any ack that came meanwhile).
	 */
	if (queued)
		fcback_ipc_take_acks(dest);
	return 0;
}

/*
 * Deliver a message whose body is in the sender's out-area: copy the body
 * into the receiver's in-area and the message onto its inbound ring.  No
 * queueing in Dom0 (bodies can be large): if the receiver has no room, or
 * inline messages still wait in its queue (order), the sender gets
 * -EAGAIN and retries.  dest is pinned (fcback_ipc_pin()).
 */
static s32 fcback_ipc_deliver_area(struct fcback_capsule *dest,
				   struct fcapsule_in_request *msg,
				   const void *body, u32 len)
{
	u32 off, charge;
	int notify = 0;
	bool kick;

	if (!READ_ONCE(dest->broken))
		fcback_ipc_take_acks(dest);	/* acks free room, as above */

	spin_lock(&dest->in_lock);
	if (READ_ONCE(dest->broken)) {
		spin_unlock(&dest->in_lock);
		return -FC_ESRCH;
	}
	if (!dest->in_area.addr || len > dest->in_area.size) {
		/* No area (even for an empty body), or too small. */
		spin_unlock(&dest->in_lock);
		return -FC_EMSGSIZE;
	}
	if (dest->ipcq_count || RING_FULL(&dest->in_ring) ||
	    !fcback_area_alloc(dest, len, &off, &charge)) {
		kick = fcback_ipc_kick(dest);
		spin_unlock(&dest->in_lock);
		if (kick)
			notify_remote_via_irq(dest->irq);
		return -FC_EAGAIN;
	}
	/* The body was checked against the sender's area by the caller. */
	memcpy(dest->in_area.addr + off, body, len);
	msg->u.ipc.area.off = off;
	fcback_in_put(dest, msg, len, charge);
	/*
	 * virt_wmb() in the macro orders the body and the message before the
	 * new req_prod; virt_mb() orders req_prod before reading req_event.
	 */
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&dest->in_ring, notify);
	spin_unlock(&dest->in_lock);

	if (notify)
		notify_remote_via_irq(dest->irq);
	return 0;
}

static bool fcback_ipc_allowed(struct fcback_capsule *src,
			       struct fcback_capsule *dst)
{
	struct fcback_ipc_peer s = {
		.domid = src->domid, .family = src->family, .name = src->name,
	};
	struct fcback_ipc_peer d = {
		.domid = dst->domid, .family = dst->family, .name = dst->name,
	};

	return fcback_ipc_policy_allows(&fcback_policy, &s, &d);
}

/*
 * A body in the sender's out-area: within the area, at most
 * FC_IPC_AREA_MSG_MAX bytes, reserved fields zero.  @ipc is our copy of
 * the request, so what is checked here is what is used.
 */
static s32 fcback_ipc_check_area(struct fcback_capsule *cap,
				 const struct fc_ipc_send_req *ipc)
{
	const struct fc_ipc_area_ref *a = &ipc->area;

	if (a->reserved0 || memchr_inv(a->reserved1, 0, sizeof(a->reserved1)))
		return -FC_EINVAL;
	if (!cap->out_area.addr)
		return -FC_EINVAL;	/* it offered no out-area */
	if (ipc->len > FC_IPC_AREA_MSG_MAX)
		return -FC_EMSGSIZE;
	if (a->off > cap->out_area.size ||
	    ipc->len > cap->out_area.size - a->off)
		return -FC_EINVAL;
	return 0;
}

/*
 * Keep dest's rings and areas mapped while we deliver, without the
 * registry mutex: a flooding sender's copies then delay no other app
 * VM's IPC, no ioctl and no connect.  Registry mutex held to pin.
 */
static void fcback_ipc_pin(struct fcback_capsule *dest)
{
	atomic_inc(&dest->ipc_senders);
}

static void fcback_ipc_unpin(struct fcback_capsule *dest)
{
	/* atomic_dec_and_test() orders our accesses to dest before it */
	if (atomic_dec_and_test(&dest->ipc_senders))
		wake_up(&dest->ipc_wq);
}

/* cap is out of the registry: wait until no sender delivers to it. */
void fcback_ipc_wait_senders(struct fcback_capsule *cap)
{
	wait_event(cap->ipc_wq, !atomic_read(&cap->ipc_senders));
}

/* FC_OP_IPC_SEND: the request is a copy, out of the shared page. */
s32 fcback_ipc_send(struct fcback_capsule *cap,
		    const struct fcapsule_request *req)
{
	const struct fc_ipc_send_req *ipc = &req->u.ipc_send;
	bool by_name = req->flags & FC_IPC_F_BY_NAME;
	bool by_area = req->flags & FC_IPC_F_AREA;
	struct fcapsule_in_request msg;
	struct fcback_capsule *dest;
	s32 status;

	if (req->flags & ~(FC_IPC_F_BY_NAME | FC_IPC_F_AREA)) {
		status = -FC_EINVAL;
		goto out_count;
	}
	if (by_area) {
		status = fcback_ipc_check_area(cap, ipc);
		if (status)
			goto out_count;
	} else if (ipc->len > FC_IPC_INLINE_MAX) {
		status = -FC_EMSGSIZE;
		goto out_count;
	}
	if (by_name) {
		if (ipc->dest_domid || !ipc->dest_name[0] ||
		    !memchr(ipc->dest_name, 0, sizeof(ipc->dest_name))) {
			status = -FC_EINVAL;
			goto out_count;
		}
	} else if (memchr_inv(ipc->dest_name, 0, sizeof(ipc->dest_name))) {
		status = -FC_EINVAL;
		goto out_count;
	}

	memset(&msg, 0, sizeof(msg));
	msg.type = FC_IN_IPC;
	msg.flags = by_area ? FC_IN_F_AREA : 0;
	msg.u.ipc.src_domid = cap->domid;
	msg.u.ipc.len = ipc->len;
	strscpy(msg.u.ipc.src_name, cap->name, sizeof(msg.u.ipc.src_name));
	if (!by_area)
		memcpy(msg.u.ipc.data, ipc->data, ipc->len);

	fcback_registry_lock();
	if (by_name)
		dest = fcback_registry_find_name(ipc->dest_name);
	else
		dest = fcback_registry_find_domid(ipc->dest_domid);
	status = 0;
	if (!dest)
		status = -FC_ESRCH;
	else if (!fcback_ipc_allowed(cap, dest))
		status = -FC_EPERM;
	else
		fcback_ipc_pin(dest);
	fcback_registry_unlock();
	if (status)
		goto out_count;

	if (by_area)
		status = fcback_ipc_deliver_area(dest, &msg,
						 cap->out_area.addr +
							 ipc->area.off,
						 ipc->len);
	else
		status = fcback_ipc_deliver(dest, cap, &msg, ipc->len);
	fcback_ipc_unpin(dest);

out_count:
	switch (status) {
	case 0:
		atomic64_inc(&cap->n_ipc_sent);
		atomic64_add(ipc->len, &cap->n_ipc_bytes_sent);
		atomic64_inc(&fcback_ipc_sent);
		break;
	case -FC_EPERM:
		atomic64_inc(&cap->n_ipc_denied);
		atomic64_inc(&fcback_ipc_denied);
		break;
	case -FC_EAGAIN:
		atomic64_inc(&cap->n_ipc_refused);
		atomic64_inc(&fcback_ipc_refused);
		break;
	default:
		atomic64_inc(&cap->n_ipc_failed);
		atomic64_inc(&fcback_ipc_failed);
		break;
	}
	return status;
}

/*
 * cap is going away (already out of the registry): count what is still
 * queued for it as dropped, on each message's sender if still connected.
 */
void fcback_ipc_drop_queue(struct fcback_capsule *cap)
{
	struct fcback_capsule *src;

	fcback_registry_lock();
	spin_lock(&cap->in_lock);
	while (cap->ipcq && cap->ipcq_count) {
		struct fcback_ipc_qent *e = &cap->ipcq[cap->ipcq_head];

		src = fcback_registry_find_domid(e->src_domid);
		if (src && src->app_id == e->src_app_id)
			atomic64_inc(&src->n_ipc_dropped);
		atomic64_inc(&cap->n_ipc_dropped);
		atomic64_inc(&fcback_ipc_dropped);
		cap->ipcq_head = (cap->ipcq_head + 1) % FCBACK_IPCQ_LEN;
		cap->ipcq_count--;
	}
	cap->ipcq_head = 0;
	spin_unlock(&cap->in_lock);
	fcback_registry_unlock();
}

/* ---- /dev/fcapsule ioctls ------------------------------------------- */

static int fcback_end_from_user(struct fcback_ipc_end *e, bool by_name,
				u32 domid, const char *name)
{
	memset(e, 0, sizeof(*e));
	e->by_name = by_name;
	if (by_name) {
		if (domid || !name[0] || !memchr(name, 0, FC_IOC_NAME_MAX))
			return -EINVAL;
		memcpy(e->name, name, FC_NAME_MAX);
		return 0;
	}
	if (memchr_inv(name, 0, FC_IOC_NAME_MAX))
		return -EINVAL;
	/* Dom0 and the reserved domids are never app VMs. */
	if (!domid || domid >= DOMID_FIRST_RESERVED)
		return -EINVAL;
	e->domid = domid;
	return 0;
}

/* FC_IOC_IPC_ALLOW and FC_IOC_IPC_DENY. */
long fcback_ioc_ipc_rule(void __user *argp, u32 verdict)
{
	const u32 known = FC_IPC_RULE_A_NAME | FC_IPC_RULE_B_NAME |
			  FC_IPC_RULE_DELETE;
	struct fc_ioc_ipc_rule u;
	struct fcback_ipc_rule r;
	int err;

	if (copy_from_user(&u, argp, sizeof(u)))
		return -EFAULT;
	if (u.size != sizeof(u) || u.reserved || u.verdict ||
	    (u.flags & ~known))
		return -EINVAL;
	err = fcback_end_from_user(&r.a, u.flags & FC_IPC_RULE_A_NAME,
				   u.a_domid, u.a_name);
	if (err)
		return err;
	err = fcback_end_from_user(&r.b, u.flags & FC_IPC_RULE_B_NAME,
				   u.b_domid, u.b_name);
	if (err)
		return err;
	r.verdict = verdict;

	fcback_registry_lock();
	if (u.flags & FC_IPC_RULE_DELETE)
		err = fcback_ipc_policy_del(&fcback_policy, &r.a, &r.b);
	else
		err = fcback_ipc_policy_set(&fcback_policy, &r);
	fcback_registry_unlock();
	return err;
}

long fcback_ioc_ipc_list(void __user *argp)
{
	struct fc_ioc_ipc_rule *buf;
	struct fc_ioc_ipc_list l;
	unsigned int i, room;
	int err = 0;

	if (copy_from_user(&l, argp, sizeof(l)))
		return -EFAULT;
	if (l.size != sizeof(l) || l.reserved)
		return -EINVAL;
	/* Copied out after the mutex is dropped (see registry_list). */
	room = min_t(u32, l.capacity, FCBACK_IPC_RULES_MAX);
	buf = kvcalloc(max(room, 1u), sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	l.count = 0;
	fcback_registry_lock();
	for (i = 0; i < fcback_policy.n && l.count < room; i++) {
		const struct fcback_ipc_rule *r = &fcback_policy.rules[i];
		struct fc_ioc_ipc_rule *one = &buf[l.count++];

		one->size = sizeof(*one);
		one->flags = (r->a.by_name ? FC_IPC_RULE_A_NAME : 0) |
			     (r->b.by_name ? FC_IPC_RULE_B_NAME : 0);
		one->a_domid = r->a.domid;
		one->b_domid = r->b.domid;
		memcpy(one->a_name, r->a.name, sizeof(one->a_name));
		memcpy(one->b_name, r->b.name, sizeof(one->b_name));
		one->verdict = r->verdict;
	}
	l.total = fcback_policy.n;
	fcback_registry_unlock();

	if (l.count && copy_to_user(u64_to_user_ptr(l.rules), buf,
				    l.count * sizeof(*buf)))
		err = -EFAULT;
	kvfree(buf);
	if (err)
		return err;
	return copy_to_user(argp, &l, sizeof(l)) ? -EFAULT : 0;
}

static void fcback_ipc_fill(struct fcback_capsule *cap,
			    struct fc_ioc_ipc_stat *o)
{
	memset(o, 0, sizeof(*o));
	o->domid = cap->domid;
	o->family = (u32)cap->family;	/* app ids fit: see ioctl.h */
	o->app_id = cap->app_id;
	strscpy(o->name, cap->name, sizeof(o->name));
	o->sent = atomic64_read(&cap->n_ipc_sent);
	o->received = atomic64_read(&cap->n_ipc_received);
	o->dropped = atomic64_read(&cap->n_ipc_dropped);
	o->denied = atomic64_read(&cap->n_ipc_denied);
	o->refused = atomic64_read(&cap->n_ipc_refused);
	o->failed = atomic64_read(&cap->n_ipc_failed);
	o->bytes_sent = atomic64_read(&cap->n_ipc_bytes_sent);
	o->bytes_received = atomic64_read(&cap->n_ipc_bytes_received);
	spin_lock(&cap->in_lock);
	o->queued = cap->ipcq_count;
	spin_unlock(&cap->in_lock);
}

long fcback_ioc_ipc_stats(void __user *argp)
{
	struct fc_ioc_ipc_stat *buf = NULL;
	struct fc_ioc_ipc_stats s;
	struct fcback_capsule *cap;
	u32 room;
	int err = 0;

	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	if (s.size != sizeof(s) || memchr_inv(s.reserved, 0, sizeof(s.reserved)))
		return -EINVAL;
	/* Copied out after the mutex is dropped (see registry_list). */
	room = min_t(u32, s.capacity, fcback_registry_count());
	if (room) {
		buf = kvmalloc_array(room, sizeof(*buf), GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
	}

	s.count = 0;
	s.total = 0;
	fcback_registry_lock();
	list_for_each_entry(cap, fcback_registry_head(), node) {
		s.total++;
		if (s.count < room)
			fcback_ipc_fill(cap, &buf[s.count++]);
	}
	s.rules = fcback_policy.n;
	fcback_registry_unlock();

	if (s.count && copy_to_user(u64_to_user_ptr(s.stats), buf,
				    s.count * sizeof(*buf)))
		err = -EFAULT;
	kvfree(buf);
	if (err)
		return err;

	s.sent = atomic64_read(&fcback_ipc_sent);
	s.delivered = atomic64_read(&fcback_ipc_delivered);
	s.dropped = atomic64_read(&fcback_ipc_dropped);
	s.denied = atomic64_read(&fcback_ipc_denied);
	s.refused = atomic64_read(&fcback_ipc_refused);
	s.failed = atomic64_read(&fcback_ipc_failed);
	s.queue_len = FCBACK_IPCQ_LEN;
	return copy_to_user(argp, &s, sizeof(s)) ? -EFAULT : 0;
}
