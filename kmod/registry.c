// SPDX-License-Identifier: GPL-2.0
/*
 * The registry of connected app VMs: who they are (domid, name, parent,
 * app id) and their counters, for IPC routing and for /dev/fcapsule.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "fcback.h"
#include "ipc_policy.h"

static DEFINE_MUTEX(fcback_registry_mutex);
static LIST_HEAD(fcback_capsules);
static unsigned int fcback_nr_capsules;
static u64 fcback_next_app_id = 1;

void fcback_registry_lock(void)
{
	mutex_lock(&fcback_registry_mutex);
}

void fcback_registry_unlock(void)
{
	mutex_unlock(&fcback_registry_mutex);
}

/* Add a connected capsule; returns the app id given to it. */
u64 fcback_registry_add(struct fcback_capsule *cap)
{
	struct fcback_capsule *parent;

	mutex_lock(&fcback_registry_mutex);
	parent = cap->parent_domid ?
		 fcback_registry_find_domid(cap->parent_domid) : NULL;
	cap->app_id = fcback_next_app_id++;
	cap->family = fcback_ipc_family(cap->app_id,
					parent ? parent->family : 0);
	list_add_tail(&cap->node, &fcback_capsules);
	fcback_nr_capsules++;
	mutex_unlock(&fcback_registry_mutex);
	return cap->app_id;
}

/* After this returns nobody finds cap any more (IPC, ioctls). */
void fcback_registry_del(struct fcback_capsule *cap)
{
	mutex_lock(&fcback_registry_mutex);
	list_del_init(&cap->node);
	fcback_nr_capsules--;
	mutex_unlock(&fcback_registry_mutex);
}

struct fcback_capsule *fcback_registry_find_domid(u32 domid)
{
	struct fcback_capsule *cap;

	lockdep_assert_held(&fcback_registry_mutex);
	list_for_each_entry(cap, &fcback_capsules, node)
		if (cap->domid == domid)
			return cap;
	return NULL;
}

/* name must be NUL-terminated within FC_NAME_MAX bytes. */
struct fcback_capsule *fcback_registry_find_name(const char *name)
{
	struct fcback_capsule *cap;

	lockdep_assert_held(&fcback_registry_mutex);
	list_for_each_entry(cap, &fcback_capsules, node)
		if (!strncmp(cap->name, name, FC_NAME_MAX))
			return cap;
	return NULL;
}

/* The list of connected capsules, for IPC statistics (mutex held). */
struct list_head *fcback_registry_head(void)
{
	lockdep_assert_held(&fcback_registry_mutex);
	return &fcback_capsules;
}

unsigned int fcback_registry_count(void)
{
	unsigned int n;

	mutex_lock(&fcback_registry_mutex);
	n = fcback_nr_capsules;
	mutex_unlock(&fcback_registry_mutex);
	return n;
}

void fcback_registry_fill(struct fcback_capsule *cap,
			  struct fc_ioc_capsule *out)
{
	memset(out, 0, sizeof(*out));
	out->domid = cap->domid;
	out->parent_domid = cap->parent_domid;
	out->app_id = cap->app_id;
	out->state = READ_ONCE(cap->broken) ? FC_CAP_BROKEN : FC_CAP_CONNECTED;
	out->proto_version = cap->version;
	strscpy(out->name, cap->name, sizeof(out->name));
	out->requests = atomic64_read(&cap->n_requests);
	out->responses = atomic64_read(&cap->n_responses);
	out->errors = atomic64_read(&cap->n_errors);
	out->user_requests = atomic64_read(&cap->n_user_requests);
	out->user_pending = atomic64_read(&cap->n_user_pending);
	out->ipc_sent = atomic64_read(&cap->n_ipc_sent);
	out->ipc_received = atomic64_read(&cap->n_ipc_received);
	out->in_acked = atomic64_read(&cap->n_in_acked);
}

/*
 * Copy up to capacity entries to userspace (FC_IOC_LIST).  The entries are
 * taken under the registry mutex and copied after it: a fault on the
 * caller's buffer must not stall IPC, connects and the other ioctls.
 */
int fcback_registry_list(struct fc_ioc_capsule __user *ucaps,
			 u32 capacity, u32 *count, u32 *total)
{
	struct fc_ioc_capsule *buf = NULL;
	struct fcback_capsule *cap;
	u32 room, n = 0;
	int err = 0;

	room = min_t(u32, capacity, fcback_registry_count());
	if (room) {
		buf = kvmalloc_array(room, sizeof(*buf), GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
	}

	mutex_lock(&fcback_registry_mutex);
	list_for_each_entry(cap, &fcback_capsules, node) {
		if (n == room)
			break;
		fcback_registry_fill(cap, &buf[n++]);
	}
	*total = fcback_nr_capsules;
	mutex_unlock(&fcback_registry_mutex);

	if (n && copy_to_user(ucaps, buf, n * sizeof(*buf)))
		err = -EFAULT;
	kvfree(buf);
	*count = n;
	return err;
}
