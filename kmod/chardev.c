// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/fcapsule: the OS server's view of the module (ioctls and a
 * readable event queue).  Root only: it controls every app VM.
 *
 * The event queue is bounded (FCBACK_EVQ_LEN records).  When it is full a
 * ring request that needs userspace is refused on the ring with -EBUSY
 * (nothing already queued is ever dropped); connect/disconnect events are
 * dropped and counted (FC_IOC_VERSION.events_dropped): the server then
 * re-reads the registry with FC_IOC_LIST.
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

#include "fcback.h"

#define FCBACK_EVQ_LEN 256

static struct fc_event *fcback_evq;
static unsigned int fcback_evq_head;	/* oldest record */
static unsigned int fcback_evq_count;
static u64 fcback_evq_dropped;
static DEFINE_SPINLOCK(fcback_evq_lock);	/* the four above */
static DECLARE_WAIT_QUEUE_HEAD(fcback_evq_wait);
static DEFINE_MUTEX(fcback_read_mutex);	/* one reader at a time */

/*
 * Queue one event.  -EBUSY if the queue is full; a droppable event is then
 * counted as dropped.
 */
int fcback_event_post(const struct fc_event *ev, bool droppable)
{
	spin_lock(&fcback_evq_lock);
	if (fcback_evq_count == FCBACK_EVQ_LEN) {
		if (droppable)
			fcback_evq_dropped++;
		spin_unlock(&fcback_evq_lock);
		return -EBUSY;
	}
	fcback_evq[(fcback_evq_head + fcback_evq_count) % FCBACK_EVQ_LEN] =
		*ev;
	fcback_evq_count++;
	spin_unlock(&fcback_evq_lock);

	wake_up_interruptible(&fcback_evq_wait);
	return 0;
}

static bool fcback_evq_peek(struct fc_event *ev)
{
	bool found = false;

	spin_lock(&fcback_evq_lock);
	if (fcback_evq_count) {
		*ev = fcback_evq[fcback_evq_head];
		found = true;
	}
	spin_unlock(&fcback_evq_lock);
	return found;
}

static void fcback_evq_pop(void)
{
	spin_lock(&fcback_evq_lock);
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

	err = misc_register(&fcback_miscdev);
	if (err)
		goto out_free_evq;
	return 0;

out_free_evq:
	kvfree(fcback_evq);
	fcback_evq = NULL;
	return err;
}

void fcback_chardev_fini(void)
{
	misc_deregister(&fcback_miscdev);
	kvfree(fcback_evq);
	fcback_evq = NULL;
}
