// SPDX-License-Identifier: GPL-2.0
/*
 * The IPC policy table (see ipc_policy.h).  Compiled by the module and,
 * unchanged, by the host unit tests.
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/string.h>
#else
#include <errno.h>
#include <string.h>
#endif

#include "ipc_policy.h"

static bool fcback_end_equal(const struct fcback_ipc_end *x,
			     const struct fcback_ipc_end *y)
{
	if (x->by_name != y->by_name)
		return false;
	if (x->by_name)
		return !strncmp(x->name, y->name, FC_NAME_MAX);
	return x->domid == y->domid;
}

static bool fcback_same_pair(const struct fcback_ipc_rule *r,
			     const struct fcback_ipc_end *a,
			     const struct fcback_ipc_end *b)
{
	return (fcback_end_equal(&r->a, a) && fcback_end_equal(&r->b, b)) ||
	       (fcback_end_equal(&r->a, b) && fcback_end_equal(&r->b, a));
}

static int fcback_find(const struct fcback_ipc_policy *pol,
		       const struct fcback_ipc_end *a,
		       const struct fcback_ipc_end *b)
{
	unsigned int i;

	for (i = 0; i < pol->n; i++)
		if (fcback_same_pair(&pol->rules[i], a, b))
			return i;
	return -1;
}

int fcback_ipc_policy_set(struct fcback_ipc_policy *pol,
			  const struct fcback_ipc_rule *r)
{
	int i = fcback_find(pol, &r->a, &r->b);

	if (i >= 0) {
		pol->rules[i] = *r;
		return 0;
	}
	if (pol->n >= FCBACK_IPC_RULES_MAX)
		return -ENOSPC;
	pol->rules[pol->n++] = *r;
	return 0;
}

int fcback_ipc_policy_del(struct fcback_ipc_policy *pol,
			  const struct fcback_ipc_end *a,
			  const struct fcback_ipc_end *b)
{
	int i = fcback_find(pol, a, b);

	if (i < 0)
		return -ENOENT;
	/* Keep the order of the others: LIST shows them as they came. */
	memmove(&pol->rules[i], &pol->rules[i + 1],
		(pol->n - i - 1) * sizeof(pol->rules[0]));
	pol->n--;
	return 0;
}

static bool fcback_end_matches(const struct fcback_ipc_end *e,
			       const struct fcback_ipc_peer *p)
{
	if (e->by_name)
		return !strncmp(e->name, p->name, FC_NAME_MAX);
	return e->domid == p->domid;
}

bool fcback_ipc_policy_allows(const struct fcback_ipc_policy *pol,
			      const struct fcback_ipc_peer *src,
			      const struct fcback_ipc_peer *dst)
{
	bool allowed = false, denied = false;
	unsigned int i;

	for (i = 0; i < pol->n; i++) {
		const struct fcback_ipc_rule *r = &pol->rules[i];

		if (!(fcback_end_matches(&r->a, src) &&
		      fcback_end_matches(&r->b, dst)) &&
		    !(fcback_end_matches(&r->a, dst) &&
		      fcback_end_matches(&r->b, src)))
			continue;
		if (r->verdict == FC_IPC_DENY)
			denied = true;
		else
			allowed = true;
	}
	if (denied)
		return false;
	if (allowed)
		return true;
	return src->family == dst->family;
}

u64 fcback_ipc_family(u64 app_id, u64 parent_family)
{
	return parent_family ? parent_family : app_id;
}
