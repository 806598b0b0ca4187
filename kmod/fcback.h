/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fcapsule.ko private header: state shared between the subsystems of the
 * Dom0 backend (xenbus driver, ring, registry, character device).
 */
#ifndef FCBACK_H
#define FCBACK_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <xen/xenbus.h>

#include <fcapsule/ioctl.h>
#include <fcapsule/ring.h>

#define FCBACK_DRV_NAME "fcapsule"

/* Capacity of each receiver's IPC queue in the module (messages)... */
#define FCBACK_IPCQ_LEN 128
/* ...and how much of it one sender may hold. */
#define FCBACK_IPCQ_SHARE (FCBACK_IPCQ_LEN / 4)

/*
 * Requests one run of a capsule's worker serves before it queues itself
 * again behind the other capsules' work (docs/protocol.md, limits).
 */
#define FCBACK_BUDGET 64

/* An IPC message accepted for a receiver whose inbound ring was full. */
struct fcback_ipc_qent {
	struct fcapsule_in_request msg;
	u64 src_app_id;		/* to count a drop on the right sender */
	u32 src_domid;
	u32 len;
};

/* cap->flags: an IPC sender consumed acks since the worker last ran. */
#define FCBACK_ACKS_TAKEN 0

/* A request handed to userspace and not yet completed. */
struct fcback_pending {
	u64 id;			/* the frontend's request id */
	u32 opcode;
	bool used;
};

/*
 * One app VM: allocated at probe, connected (rings mapped, event channel
 * bound, in the registry) between fcback_connect() and fcback_disconnect().
 *
 * Locking:
 *  - conn_lock (mutex) serialises connect/disconnect of this device;
 *  - the registry's mutex protects membership in the registry: a capsule
 *    found in the registry has its rings mapped until it is removed;
 *  - an IPC sender pins the receiver it found (ipc_senders) and delivers
 *    after dropping the registry mutex: fcback_disconnect() waits for the
 *    pins to go before it unmaps anything;
 *  - rsp_lock protects the request ring's response side (rsp_prod_pvt)
 *    and pending[], shared by the ring worker and FC_IOC_COMPLETE;
 *  - in_lock protects the inbound ring's producer side and ipcq;
 *  - lock order: registry mutex, then a capsule's in_lock.
 * The request ring's consumer side (req_cons) is touched only by the ring
 * worker, of which at most one instance runs at a time.
 */
/* A frontend's IPC data area, mapped in Dom0 (docs/protocol.md). */
struct fcback_area {
	void *addr;		/* NULL: the frontend offered none */
	u32 size;		/* bytes */
};

struct fcback_capsule {
	struct xenbus_device *dev;
	struct mutex conn_lock;
	bool connected;		/* under conn_lock */
	struct ratelimit_state connect_rs;	/* connect attempts */
	bool connect_posted;	/* this session's FC_EV_CONNECT is queued */

	/* Identity, fixed while connected. */
	domid_t domid;
	u32 parent_domid;
	u64 family;		/* root ancestor's app id (IPC policy) */
	u64 app_id;
	u32 version;
	char name[FC_NAME_MAX];
	struct list_head node;	/* in the registry, under its mutex */

	/* Rings and event channel. */
	struct fcapsule_back_ring ring;
	struct fcapsule_in_front_ring in_ring;
	int irq;
	struct work_struct work;
	bool started;		/* the worker may serve (backend Connected) */
	bool broken;		/* set once by the worker: stop serving */
	spinlock_t rsp_lock;
	spinlock_t in_lock;
	u64 in_next_id;		/* under in_lock */
	/* IPC messages for us waiting for in-ring slots, under in_lock. */
	struct fcback_ipc_qent *ipcq;	/* FCBACK_IPCQ_LEN, from probe */
	unsigned int ipcq_head, ipcq_count;
	bool full_kicked;	/* notified of a refused send, no ack since */
	atomic_t ipc_senders;	/* sends delivering to us now (pins) */
	wait_queue_head_t ipc_wq;	/* woken when the last pin goes */
	unsigned long flags;	/* FCBACK_ACKS_TAKEN */
	struct fcback_pending pending[FC_RING_SLOTS];	/* under rsp_lock */

	/* IPC data areas (kmod/area.c); in-area space under in_lock. */
	struct fcback_area out_area, in_area;
	u32 in_area_head;	/* where the next body goes */
	u32 in_area_used;	/* bytes not yet acknowledged, pads included */
	u32 in_slot_charge[FC_RING_SLOTS];	/* area bytes per in-ring slot */

	/* Counters (atomic64 so readers need no lock). */
	atomic64_t n_requests;
	atomic64_t n_responses;
	atomic64_t n_errors;
	atomic64_t n_user_requests;
	atomic64_t n_user_pending;
	atomic64_t n_ipc_sent;
	atomic64_t n_ipc_received;
	atomic64_t n_in_acked;
	atomic64_t n_ipc_dropped;
	atomic64_t n_ipc_denied;
	atomic64_t n_ipc_refused;
	atomic64_t n_ipc_failed;
	atomic64_t n_ipc_bytes_sent;
	atomic64_t n_ipc_bytes_received;
	atomic64_t n_requeues;	/* worker runs that ended on the budget */
};

/* main.c */
extern struct workqueue_struct *fcback_wq;

/* xenbus.c */
int fcback_xenbus_init(void);
void fcback_xenbus_fini(void);
__printf(3, 4) void fcback_fatal(struct xenbus_device *dev, int err,
				 const char *fmt, ...);

/* area.c */
int fcback_area_connect(struct fcback_capsule *cap);
void fcback_area_disconnect(struct fcback_capsule *cap);
bool fcback_area_alloc(struct fcback_capsule *cap, u32 len, u32 *off,
		       u32 *charge);
void fcback_area_release(struct fcback_capsule *cap, RING_IDX slot);

/* ring.c */
int fcback_ring_connect(struct fcback_capsule *cap, grant_ref_t ring_ref,
			grant_ref_t in_ring_ref);
int fcback_ring_bind(struct fcback_capsule *cap, evtchn_port_t evtchn);
void fcback_ring_start(struct fcback_capsule *cap);
void fcback_ring_disconnect(struct fcback_capsule *cap);
void fcback_ring_init_capsule(struct fcback_capsule *cap);
int fcback_ring_complete(struct fcback_capsule *cap, u64 req_id, s32 status,
			 const u8 *payload);
int fcback_process_in_acks(struct fcback_capsule *cap);

/* ipc.c */
s32 fcback_ipc_send(struct fcback_capsule *cap,
		    const struct fcapsule_request *req);
bool fcback_ipc_flush_locked(struct fcback_capsule *cap);
void fcback_ipc_drop_queue(struct fcback_capsule *cap);
void fcback_ipc_wait_senders(struct fcback_capsule *cap);
long fcback_ioc_ipc_rule(void __user *argp, u32 verdict);
long fcback_ioc_ipc_list(void __user *argp);
long fcback_ioc_ipc_stats(void __user *argp);

/* registry.c */
u64 fcback_registry_add(struct fcback_capsule *cap);
void fcback_registry_del(struct fcback_capsule *cap);
void fcback_registry_lock(void);
void fcback_registry_unlock(void);
struct fcback_capsule *fcback_registry_find_domid(u32 domid);
struct fcback_capsule *fcback_registry_find_name(const char *name);
struct list_head *fcback_registry_head(void);
unsigned int fcback_registry_count(void);
int fcback_registry_list(struct fc_ioc_capsule __user *ucaps,
			 u32 capacity, u32 *count, u32 *total);
void fcback_registry_fill(struct fcback_capsule *cap,
			  struct fc_ioc_capsule *out);

/* chardev.c: classes of events, for the queue's quotas. */
enum fcback_ev_class {
	FCBACK_EV_REQUEST,	/* FORK, LISTEN, UNLISTEN: refused when full */
	FCBACK_EV_EXIT,		/* EXIT: has room of its own */
	FCBACK_EV_CONNECT,	/* dropped when full; reserves its DISCONNECT */
	FCBACK_EV_DISCONNECT,	/* never dropped if its CONNECT was queued */
	FCBACK_EV_CLASSES
};

int fcback_chardev_init(void);
void fcback_chardev_fini(void);
int fcback_event_post_request(const struct fc_event *ev);
void fcback_event_post_conn(struct fcback_capsule *cap,
			    const struct fc_event *ev);

#endif /* FCBACK_H */
