/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IPC policy table of fcapsule.ko: which pairs of app VMs may talk.
 * Pure logic (no locking, no allocation) so that the host unit tests
 * compile it unchanged (tests/unit/kmod_ipc_policy.c); the caller holds
 * the registry mutex.
 *
 * Default: two app VMs may talk if they are of one family (same root
 * ancestor).  A family is named by its root's app id, which is never
 * reused, not by a domid, which Xen reuses.  A VM started with parent 0,
 * or whose parent is no longer connected, is the root of its own family:
 * two such VMs are not a family.  Rules name an unordered
 * pair, each end by domid or by name; where several rules match, a deny
 * wins over an allow, and any rule wins over the default.
 */
#ifndef FCBACK_IPC_POLICY_H
#define FCBACK_IPC_POLICY_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stdint.h>
typedef uint32_t u32;
typedef uint64_t u64;
#endif

#include <fcapsule/ioctl.h>	/* FC_IPC_ALLOW, FC_IPC_DENY */
#include <fcapsule/ring.h>	/* FC_NAME_MAX */

#define FCBACK_IPC_RULES_MAX	256

struct fcback_ipc_end {
	bool by_name;
	u32 domid;			/* unless by_name */
	char name[FC_NAME_MAX];		/* if by_name, NUL-terminated */
};

struct fcback_ipc_rule {
	struct fcback_ipc_end a, b;
	u32 verdict;			/* FC_IPC_ALLOW or FC_IPC_DENY */
};

struct fcback_ipc_policy {
	struct fcback_ipc_rule rules[FCBACK_IPC_RULES_MAX];
	unsigned int n;
};

/* What the policy needs to know of one app VM. */
struct fcback_ipc_peer {
	u32 domid;
	u64 family;			/* app id of the root ancestor */
	const char *name;		/* NUL-terminated */
};

/* Add or replace the rule of r's pair: 0 or -ENOSPC. */
int fcback_ipc_policy_set(struct fcback_ipc_policy *pol,
			  const struct fcback_ipc_rule *r);
/* Remove the rule of the pair (a, b): 0 or -ENOENT. */
int fcback_ipc_policy_del(struct fcback_ipc_policy *pol,
			  const struct fcback_ipc_end *a,
			  const struct fcback_ipc_end *b);
/* Whether src may send to dst. */
bool fcback_ipc_policy_allows(const struct fcback_ipc_policy *pol,
			      const struct fcback_ipc_peer *src,
			      const struct fcback_ipc_peer *dst);
/*
 * The family of an app VM: its parent's family if the parent is connected
 * (parent_family != 0), else its own app id.
 */
u64 fcback_ipc_family(u64 app_id, u64 parent_family);

#endif /* FCBACK_IPC_POLICY_H */
