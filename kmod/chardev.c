// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/fcapsule: the OS server's view of the module (ioctls and a
 * readable event queue).  Root only: it controls every app VM.
 *
 * The event queue is bounded (FCBACK_EVQ_LEN records) and shared by every
 * app VM, so no app VM may fill it (docs/protocol.md, limits):
 *  - a ring request that needs userspace (FORK, LISTEN, UNLISTEN) is
 *    refused on the ring with -EBUSY when its domid already has
 *    FCBACK_EVQ_DOM_REQUESTS of them queued, or when only the room kept
 *    for EXIT and DISCONNECT is left; nothing already queued is dropped;
 *  - EXIT requests have FCBACK_EVQ_EXIT_ROOM records of their own (at most
 *    FCBACK_EVQ_DOM_EXITS queued per domid);
 *  - a CONNECT is queued only if there is room for it and for its
 *    DISCONNECT, which is then reserved: a DISCONNECT whose CONNECT was
 *    queued is never dropped.  A CONNECT that finds no room (or whose
 *    domid has FCBACK_EVQ_DOM_CONNECTS queued) is dropped and counted
 *    (FC_IOC_VERSION.events_dropped), and so is a DISCONNECT without a
 *    reservation that finds no room: the server then re-reads the registry
 *    with FC_IOC_LIST.
 * Counts per domid, not per session: a guest cycling its sessions cannot
 * queue more than one would.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <xen/interface/xen.h>

#include "fcback.h"

#define FCBACK_EVQ_LEN 256
#define FCBACK_EVQ_EXIT_ROOM 32
#define FCBACK_EVQ_DOM_REQUESTS FC_RING_SLOTS
#define FCBACK_EVQ_DOM_EXITS 2
#define FCBACK_EVQ_DOM_CONNECTS 2
#define FCBACK_EVQ_DOM_DISCONNECTS 4	/* beyond the reserved ones */

struct fcback_evq_ent {
	struct fc_event ev;
	u8 cls;			/* enum fcback_ev_class */
	bool reserved;		/* a DISCONNECT that used its reservation */
};

/* Records queued per domid and class (a domid is < DOMID_FIRST_RESERVED). */
struct fcback_evq_dom {
	u8 n[FCBACK_EV_CLASSES];
};

static struct fcback_evq_ent *fcback_evq;
static struct fcback_evq_dom *fcback_evq_doms;
static unsigned int fcback_evq_head;	/* oldest record */
static unsigned int fcback_evq_count;
static unsigned int fcback_evq_reserved;	/* DISCONNECTs to come */
static u64 fcback_evq_dropped;
static DEFINE_SPINLOCK(fcback_evq_lock);	/* all of the above */
static DECLARE_WAIT_QUEUE_HEAD(fcback_evq_wait);
static DEFINE_MUTEX(fcback_read_mutex);	/* one reader at a time */

/* Whether one more record of class cls from dom fits; evq_lock held. */
static bool fcback_evq_admit(const struct fcback_evq_dom *dom,
			     enum fcback_ev_class cls)
{
	unsigned int used = fcback_evq_count + fcback_evq_reserved;
	unsigned int shared = FCBACK_EVQ_LEN - FCBACK_EVQ_EXIT_ROOM;

	switch (cls) {
	case FCBACK_EV_REQUEST:
		return used < shared &&
		       dom->n[cls] < FCBACK_EVQ_DOM_REQUESTS;
	case FCBACK_EV_EXIT:
		return used < FCBACK_EVQ_LEN &&
		       dom->n[cls] < FCBACK_EVQ_DOM_EXITS;
	case FCBACK_EV_CONNECT:
		return used + 2 <= shared &&
		       dom->n[cls] < FCBACK_EVQ_DOM_CONNECTS;
	case FCBACK_EV_DISCONNECT:
		return used < shared &&
		       dom->n[cls] < FCBACK_EVQ_DOM_DISCONNECTS;
	default:
		return false;
	}
}

/*
 * Queue one event of class cls: 0, or -EBUSY (not queued; a CONNECT or
 * DISCONNECT is then counted as dropped).  @reserved: a DISCONNECT whose
 * CONNECT was queued, which always fits.
 */
static int fcback_evq_post(const struct fc_event *ev, enum fcback_ev_class cls,
			   bool reserved)
{
	struct fcback_evq_ent *e;
	struct fcback_evq_dom *dom;

	if (ev->domid >= DOMID_FIRST_RESERVED)
		return -EINVAL;
	dom = &fcback_evq_doms[ev->domid];

	spin_lock(&fcback_evq_lock);
	if (reserved) {
		fcback_evq_reserved--;
	} else if (!fcback_evq_admit(dom, cls)) {
		if (cls == FCBACK_EV_CONNECT || cls == FCBACK_EV_DISCONNECT)
			fcback_evq_dropped++;
		spin_unlock(&fcback_evq_lock);
		return -EBUSY;
	}
	if (cls == FCBACK_EV_CONNECT)
		fcback_evq_reserved++;	/* for its DISCONNECT */
	e = &fcback_evq[(fcback_evq_head + fcback_evq_count) % FCBACK_EVQ_LEN];
	e->ev = *ev;
	e->cls = cls;
	e->reserved = reserved;
	dom->n[cls]++;
	fcback_evq_count++;
	spin_unlock(&fcback_evq_lock);

	wake_up_interruptible(&fcback_evq_wait);
	return 0;
}

/* A ring request for the OS server: 0 or -EBUSY (answer it -EBUSY). */
int fcback_event_post_request(const struct fc_event *ev)
{
	return fcback_evq_post(ev, ev->opcode == FC_OP_EXIT ? FCBACK_EV_EXIT :
							       FCBACK_EV_REQUEST,
			       false);
}

/* CONNECT at the start of a session, DISCONNECT at its end. */
void fcback_event_post_conn(struct fcback_capsule *cap,
			    const struct fc_event *ev)
{
	if (ev->type == FC_EV_CONNECT) {
		cap->connect_posted =
			!fcback_evq_post(ev, FCBACK_EV_CONNECT, false);
		return;
	}
	fcback_evq_post(ev, FCBACK_EV_DISCONNECT, cap->connect_posted);
	cap->connect_posted = false;
}

static bool fcback_evq_peek(struct fc_event *ev)
{
	bool found = false;

	spin_lock(&fcback_evq_lock);
	if (fcback_evq_count) {
		*ev = fcback_evq[fcback_evq_head].ev;
		found = true;
	}
	spin_unlock(&fcback_evq_lock);
	return found;
}

static void fcback_evq_pop(void)
{
	struct fcback_evq_ent *e;

	spin_lock(&fcback_evq_lock);
	e = &fcback_evq[fcback_evq_head];
	fcback_evq_doms[e->ev.domid].n[e->cls]--;
	fcback_evq_head = (fcback_evq_head + 1) % FCBACK_EVQ_LEN;
	fcback_evq_count--;
	spin_unlock(&fcback_evq_lock);
}

static int fcback_dev_open(struct inode *inode, struct file *file)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return 0;
}

/* Whole records only; blocks for the first one unless O_NONBLOCK. */
static ssize_t fcback_dev_read(struct file *file, char __user *buf,
			       size_t len, loff_t *ppos)
{
	struct fc_event ev;
	size_t done = 0;
	ssize_t ret;

	if (len < sizeof(ev))
		return -EINVAL;
	if (mutex_lock_interruptible(&fcback_read_mutex))
		return -ERESTARTSYS;

	while (done + sizeof(ev) <= len) {
		if (!fcback_evq_peek(&ev)) {
			if (done)
				break;
			if (file->f_flags & O_NONBLOCK) {
				ret = -EAGAIN;
				goto out_unlock;
			}
			if (wait_event_interruptible(fcback_evq_wait,
						     READ_ONCE(fcback_evq_count))) {
				ret = -ERESTARTSYS;
				goto out_unlock;
			}
			continue;
		}
		/* Peek, copy, then pop: a fault loses no event. */
		if (copy_to_user(buf + done, &ev, sizeof(ev))) {
			ret = done ? done : -EFAULT;
			goto out_unlock;
		}
		fcback_evq_pop();
		done += sizeof(ev);
	}
	ret = done;

out_unlock:
	mutex_unlock(&fcback_read_mutex);
	return ret;
}

static __poll_t fcback_dev_poll(struct file *file, poll_table *wait)
{
	poll_wait(file, &fcback_evq_wait, wait);
	return READ_ONCE(fcback_evq_count) ? EPOLLIN | EPOLLRDNORM : 0;
}

static long fcback_ioc_version(void __user *argp)
{
	struct fc_ioc_version v;

	if (copy_from_user(&v, argp, sizeof(v)))
		return -EFAULT;
	if (v.size != sizeof(v) || v.reserved)
		return -EINVAL;

	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	v.abi_version = FC_IOC_ABI_VERSION;
	v.proto_version = FC_PROTO_VERSION;
	v.event_size = sizeof(struct fc_event);
	v.event_queue_len = FCBACK_EVQ_LEN;
	spin_lock(&fcback_evq_lock);
	v.events_queued = fcback_evq_count;
	v.events_dropped = fcback_evq_dropped;
	spin_unlock(&fcback_evq_lock);
	v.nr_capsules = fcback_registry_count();

	return copy_to_user(argp, &v, sizeof(v)) ? -EFAULT : 0;
}

static long fcback_ioc_list(void __user *argp)
{
	struct fc_ioc_list l;
	int err;

	if (copy_from_user(&l, argp, sizeof(l)))
		return -EFAULT;
	if (l.size != sizeof(l) || l.reserved)
		return -EINVAL;

	err = fcback_registry_list(u64_to_user_ptr(l.capsules), l.capacity,
				   &l.count, &l.total);
	if (err)
		return err;
	return copy_to_user(argp, &l, sizeof(l)) ? -EFAULT : 0;
}

static long fcback_ioc_stats(void __user *argp)
{
	struct fc_ioc_stats s;
	struct fcback_capsule *cap;

	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	if (s.size != sizeof(s))
		return -EINVAL;

	fcback_registry_lock();
	cap = fcback_registry_find_domid(s.domid);
	if (cap)
		fcback_registry_fill(cap, &s.capsule);
	fcback_registry_unlock();
	if (!cap)
		return -ESRCH;

	return copy_to_user(argp, &s, sizeof(s)) ? -EFAULT : 0;
}

static long fcback_ioc_complete(void __user *argp)
{
	struct fc_ioc_complete c;
	struct fcback_capsule *cap;
	int err;

	if (copy_from_user(&c, argp, sizeof(c)))
		return -EFAULT;
	if (c.size != sizeof(c) || c.reserved)
		return -EINVAL;
	if (c.status > 0 || c.status <= -MAX_ERRNO)
		return -EINVAL;

	fcback_registry_lock();
	cap = fcback_registry_find_domid(c.domid);
	if (cap && cap->app_id == c.app_id)
		err = fcback_ring_complete(cap, c.req_id, c.status, c.payload);
	else
		err = -ESRCH;
	fcback_registry_unlock();
	return err;
}

static long fcback_dev_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case FC_IOC_VERSION:
		return fcback_ioc_version(argp);
	case FC_IOC_LIST:
		return fcback_ioc_list(argp);
	case FC_IOC_STATS:
		return fcback_ioc_stats(argp);
	case FC_IOC_COMPLETE:
		return fcback_ioc_complete(argp);
	case FC_IOC_IPC_ALLOW:
		return fcback_ioc_ipc_rule(argp, FC_IPC_ALLOW);
	case FC_IOC_IPC_DENY:
		return fcback_ioc_ipc_rule(argp, FC_IPC_DENY);
	case FC_IOC_IPC_LIST:
		return fcback_ioc_ipc_list(argp);
	case FC_IOC_IPC_STATS:
		return fcback_ioc_ipc_stats(argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations fcback_dev_fops = {
	.owner = THIS_MODULE,
	.open = fcback_dev_open,
	.read = fcback_dev_read,
	.poll = fcback_dev_poll,
	.unlocked_ioctl = fcback_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice fcback_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = FCBACK_DRV_NAME,
	.fops = &fcback_dev_fops,
	.mode = 0600,
};

int fcback_chardev_init(void)
{
	int err;

	fcback_evq = kvcalloc(FCBACK_EVQ_LEN, sizeof(*fcback_evq), GFP_KERNEL);
	if (!fcback_evq)
		return -ENOMEM;
	fcback_evq_doms = kvcalloc(DOMID_FIRST_RESERVED,
				   sizeof(*fcback_evq_doms), GFP_KERNEL);
	if (!fcback_evq_doms) {
		err = -ENOMEM;
		goto out_free_evq;
	}

	err = misc_register(&fcback_miscdev);
	if (err)
		goto out_free_doms;
	return 0;

out_free_doms:
	kvfree(fcback_evq_doms);
	fcback_evq_doms = NULL;
out_free_evq:
	kvfree(fcback_evq);
	fcback_evq = NULL;
	return err;
}

void fcback_chardev_fini(void)
{
	misc_deregister(&fcback_miscdev);
	kvfree(fcback_evq_doms);
	fcback_evq_doms = NULL;
	kvfree(fcback_evq);
	fcback_evq = NULL;
}
