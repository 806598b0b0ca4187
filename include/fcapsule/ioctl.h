/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/fcapsule: the ABI between fcapsule.ko and the OS server (usr/).
 *
 * Conventions:
 *  - every argument structure starts with __u32 size, set by the caller to
 *    sizeof(the structure); a different value gets -EINVAL;
 *  - fields marked IN are read by the kernel, OUT are written by it;
 *  - reserved fields must be zero (-EINVAL otherwise) and are returned as
 *    zero;
 *  - ioctl numbers, event types and state values are append-only.
 *
 * read() on the device returns whole struct fc_event records (a buffer
 * smaller than one record gets -EINVAL); poll() reports POLLIN while the
 * queue is not empty.
 */
#ifndef FCAPSULE_IOCTL_H
#define FCAPSULE_IOCTL_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define FC_IOC_MAGIC		0xFC
#define FC_IOC_ABI_VERSION	1

#define FC_IOC_NAME_MAX		32	/* == FC_NAME_MAX of ring.h */
#define FC_IOC_PAYLOAD_SIZE	104	/* == FC_PAYLOAD_SIZE of ring.h */

/* Connection state of an app VM (struct fc_ioc_capsule.state). */
#define FC_CAP_CONNECTED	1	/* rings mapped, requests served */
#define FC_CAP_BROKEN		2	/* misbehaved; no longer served */

/* FC_IOC_VERSION */
struct fc_ioc_version {
	__u32 size;		/* IN */
	__u32 abi_version;	/* OUT: FC_IOC_ABI_VERSION */
	__u32 proto_version;	/* OUT: highest ring protocol version */
	__u32 event_size;	/* OUT: sizeof(struct fc_event) */
	__u32 event_queue_len;	/* OUT: capacity of the event queue */
	__u32 events_queued;	/* OUT: events waiting to be read now */
	__u64 events_dropped;	/* OUT: CONNECT/DISCONNECT events lost */
	__u32 nr_capsules;	/* OUT: app VMs connected now */
	__u32 reserved;		/* IN: zero */
};

/* One app VM (element of FC_IOC_LIST, and FC_IOC_STATS). All OUT. */
struct fc_ioc_capsule {
	__u32 domid;
	__u32 parent_domid;		/* 0: started by the OS server */
	__u64 app_id;			/* unique while the module is loaded */
	__u32 state;			/* FC_CAP_* */
	__u32 proto_version;
	char name[FC_IOC_NAME_MAX];	/* NUL-terminated */
	__u64 requests;			/* requests read from the ring */
	__u64 responses;		/* responses written to the ring */
	__u64 errors;			/* requests answered with status < 0 */
	__u64 user_requests;		/* requests passed to userspace */
	__u64 user_pending;		/* of which not yet completed */
	__u64 ipc_sent;			/* IPC messages sent by this VM */
	__u64 ipc_received;		/* IPC messages put on its in-ring */
	__u64 in_acked;			/* in-ring messages acknowledged */
	__u64 reserved[4];
};

/* FC_IOC_LIST */
struct fc_ioc_list {
	__u32 size;		/* IN */
	__u32 capacity;		/* IN: elements available at .capsules */
	__u64 capsules;		/* IN: user pointer to fc_ioc_capsule[] */
	__u32 count;		/* OUT: elements written (<= capacity) */
	__u32 total;		/* OUT: app VMs connected (may be > count) */
	__u64 reserved;		/* IN: zero */
};

/* FC_IOC_STATS */
struct fc_ioc_stats {
	__u32 size;		/* IN */
	__u32 domid;		/* IN: which app VM (-ESRCH if none) */
	struct fc_ioc_capsule capsule;	/* OUT */
};

/* FC_IOC_COMPLETE: answer a FC_EV_REQUEST. */
struct fc_ioc_complete {
	__u32 size;		/* IN */
	__u32 domid;		/* IN: fc_event.domid */
	__u64 app_id;		/* IN: fc_event.app_id */
	__u64 req_id;		/* IN: fc_event.req_id */
	__s32 status;		/* IN: 0 or a negative errno, > -4096 */
	__u32 reserved;		/* IN: zero */
	__u8 payload[FC_IOC_PAYLOAD_SIZE];	/* IN: response payload */
};

#define FC_IOC_VERSION	_IOWR(FC_IOC_MAGIC, 0, struct fc_ioc_version)
#define FC_IOC_LIST	_IOWR(FC_IOC_MAGIC, 1, struct fc_ioc_list)
#define FC_IOC_STATS	_IOWR(FC_IOC_MAGIC, 2, struct fc_ioc_stats)
#define FC_IOC_COMPLETE	_IOW(FC_IOC_MAGIC, 3, struct fc_ioc_complete)

/*
 * IPC between app VMs (docs/ipc.md).  A rule names an unordered pair of
 * app VMs, each end by domid or (with FC_IPC_RULE_*_NAME) by name; it
 * overrides the default (app VMs of one family may talk, others not).
 * Where several rules match a pair, a deny wins.
 */
#define FC_IPC_RULE_A_NAME	(1u << 0)	/* a_name, not a_domid */
#define FC_IPC_RULE_B_NAME	(1u << 1)	/* b_name, not b_domid */
#define FC_IPC_RULE_DELETE	(1u << 2)	/* remove the pair's rule */

#define FC_IPC_ALLOW		1	/* fc_ioc_ipc_rule.verdict */
#define FC_IPC_DENY		2

/* FC_IOC_IPC_ALLOW, FC_IOC_IPC_DENY; element of FC_IOC_IPC_LIST. */
struct fc_ioc_ipc_rule {
	__u32 size;		/* IN */
	__u32 flags;		/* IN: FC_IPC_RULE_* */
	__u32 a_domid;		/* IN: unless FC_IPC_RULE_A_NAME, else 0 */
	__u32 b_domid;		/* IN: unless FC_IPC_RULE_B_NAME, else 0 */
	char a_name[FC_IOC_NAME_MAX];	/* IN: NUL-terminated, or zero */
	char b_name[FC_IOC_NAME_MAX];	/* IN: NUL-terminated, or zero */
	__u32 verdict;		/* OUT (LIST): FC_IPC_ALLOW or FC_IPC_DENY */
	__u32 reserved;		/* IN: zero */
};

/* FC_IOC_IPC_LIST */
struct fc_ioc_ipc_list {
	__u32 size;		/* IN */
	__u32 capacity;		/* IN: elements available at .rules */
	__u64 rules;		/* IN: user pointer to fc_ioc_ipc_rule[] */
	__u32 count;		/* OUT: elements written (<= capacity) */
	__u32 total;		/* OUT: rules in the table */
	__u64 reserved;		/* IN: zero */
};

/* IPC counters of one connected app VM (element of FC_IOC_IPC_STATS). */
struct fc_ioc_ipc_stat {
	__u32 domid;
	__u32 family;			/* app id of its root ancestor */
	__u64 app_id;
	char name[FC_IOC_NAME_MAX];
	__u64 sent;			/* fragments accepted from it */
	__u64 received;			/* fragments put on its in-ring */
	__u64 dropped;			/* its accepted ones never delivered */
	__u64 denied;			/* its sends refused by policy */
	__u64 refused;			/* its sends refused: receiver full */
	__u64 failed;			/* other errors (ESRCH, EINVAL...) */
	__u64 bytes_sent;		/* inline bytes of "sent" */
	__u64 bytes_received;		/* inline bytes of "received" */
	__u32 queued;			/* waiting in the module for it */
	__u32 reserved0;
	__u64 reserved[4];
};

/* FC_IOC_IPC_STATS */
struct fc_ioc_ipc_stats {
	__u32 size;		/* IN */
	__u32 capacity;		/* IN: elements available at .stats */
	__u64 stats;		/* IN: user pointer to fc_ioc_ipc_stat[] */
	__u32 count;		/* OUT: elements written (<= capacity) */
	__u32 total;		/* OUT: app VMs connected */
	/* OUT: module-wide totals since load (app VMs gone included). */
	__u64 sent;
	__u64 delivered;
	__u64 dropped;
	__u64 denied;
	__u64 refused;
	__u64 failed;
	__u32 queue_len;	/* OUT: capacity of each receiver's queue */
	__u32 rules;		/* OUT: rules in the table */
	__u64 reserved[4];	/* IN: zero */
};

#define FC_IOC_IPC_ALLOW _IOW(FC_IOC_MAGIC, 4, struct fc_ioc_ipc_rule)
#define FC_IOC_IPC_DENY	_IOW(FC_IOC_MAGIC, 5, struct fc_ioc_ipc_rule)
#define FC_IOC_IPC_LIST	_IOWR(FC_IOC_MAGIC, 6, struct fc_ioc_ipc_list)
#define FC_IOC_IPC_STATS _IOWR(FC_IOC_MAGIC, 7, struct fc_ioc_ipc_stats)

/* Event types (struct fc_event.type). */
#define FC_EV_REQUEST		1	/* a ring request needing userspace */
#define FC_EV_CONNECT		2	/* an app VM connected */
#define FC_EV_DISCONNECT	3	/* an app VM disconnected */

/*
 * One record returned by read().  For FC_EV_REQUEST, opcode/flags/payload
 * are the ring request's (FC_OP_FORK, FC_OP_LISTEN, FC_OP_UNLISTEN,
 * FC_OP_EXIT); for FC_EV_CONNECT the payload starts with the app VM's
 * name (NUL-terminated, FC_IOC_NAME_MAX bytes) and req_id holds its
 * parent domid; for FC_EV_DISCONNECT the payload is zero.
 */
struct fc_event {
	__u32 type;		/* FC_EV_* */
	__u32 domid;
	__u64 app_id;
	__u64 req_id;
	__u32 opcode;
	__u32 flags;
	__u8 payload[FC_IOC_PAYLOAD_SIZE];
};

#endif /* FCAPSULE_IOCTL_H */
