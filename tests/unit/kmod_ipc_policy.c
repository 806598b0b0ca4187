// SPDX-License-Identifier: GPL-2.0
// unit-sources: kmod/ipc_policy.c
// unit-cflags: -Ikmod
/*
 * fcapsule.ko's IPC policy table (kmod/ipc_policy.c, compiled unchanged):
 * families by root ancestor, parent-0 VMs not a family, allow/deny rules
 * by domid or name in either direction, deny over allow, replace, delete,
 * the table's bound.
 */
#include <errno.h>
#include <string.h>
#include "unit.h"
#include "ipc_policy.h"

static struct fcback_ipc_policy pol;

static struct fcback_ipc_end by_id(u32 d)
{
	struct fcback_ipc_end e;

	memset(&e, 0, sizeof(e));
	e.domid = d;
	return e;
}

static struct fcback_ipc_end by_name(const char *n)
{
	struct fcback_ipc_end e;

	memset(&e, 0, sizeof(e));
	e.by_name = true;
	strncpy(e.name, n, sizeof(e.name) - 1);
	return e;
}

static int set(struct fcback_ipc_end a, struct fcback_ipc_end b, u32 v)
{
	struct fcback_ipc_rule r = { .a = a, .b = b, .verdict = v };

	return fcback_ipc_policy_set(&pol, &r);
}

int main(void)
{
	/* Families by app id: domids 5 (app 105) root (parent 0); 6 child
	 * of 5; 7 child of 6 (parent known: inherits 105); 8 child of a
	 * parent no longer connected: a family of its own. */
	u64 f5 = fcback_ipc_family(105, 0);
	u64 f6 = fcback_ipc_family(106, f5);
	u64 f7 = fcback_ipc_family(107, f6);
	u64 f8 = fcback_ipc_family(108, 0);
	u64 f10 = fcback_ipc_family(110, 0);
	/* An unrelated root that got a dead root's domid (5) later. */
	u64 f5b = fcback_ipc_family(200, 0);
	struct fcback_ipc_peer p5 = { 5, f5, "root" }, p6 = { 6, f6, "kid" },
			       p7 = { 7, f7, "grandkid" },
			       p8 = { 8, f8, "orphan" },
			       p10 = { 10, f10, "other" },
			       p11 = { 11, fcback_ipc_family(111, 0), "third" },
			       p5b = { 5, f5b, "newcomer" };

	CHECK_EQ_INT(f5, 105);
	CHECK_EQ_INT(f6, 105);
	CHECK_EQ_INT(f7, 105);
	CHECK_EQ_INT(f8, 108);
	CHECK(!fcback_ipc_policy_allows(&pol, &p5b, &p6));
	CHECK(!fcback_ipc_policy_allows(&pol, &p7, &p5b));
	CHECK(fcback_ipc_policy_allows(&pol, &p5, &p7));
	CHECK(fcback_ipc_policy_allows(&pol, &p7, &p6));
	CHECK(fcback_ipc_policy_allows(&pol, &p5, &p5));
	/* Two VMs started with parent 0 are not a family. */
	CHECK(!fcback_ipc_policy_allows(&pol, &p5, &p10));
	CHECK(!fcback_ipc_policy_allows(&pol, &p10, &p11));
	CHECK(!fcback_ipc_policy_allows(&pol, &p8, &p5));

	/* Allow by domid works both ways, only for that pair. */
	CHECK_EQ_INT(set(by_id(10), by_id(11), FC_IPC_ALLOW), 0);
	CHECK(fcback_ipc_policy_allows(&pol, &p10, &p11));
	CHECK(fcback_ipc_policy_allows(&pol, &p11, &p10));
	CHECK(!fcback_ipc_policy_allows(&pol, &p10, &p5));
	/* Same pair, other order: replaced, not added. */
	CHECK_EQ_INT(set(by_id(11), by_id(10), FC_IPC_DENY), 0);
	CHECK_EQ_INT(pol.n, 1);
	CHECK(!fcback_ipc_policy_allows(&pol, &p10, &p11));
	/* Deny inside a family. */
	CHECK_EQ_INT(set(by_name("root"), by_name("grandkid"), FC_IPC_DENY), 0);
	CHECK(!fcback_ipc_policy_allows(&pol, &p7, &p5));
	CHECK(fcback_ipc_policy_allows(&pol, &p6, &p5));
	/* Mixed: name and domid; a deny wins over a matching allow. */
	CHECK_EQ_INT(set(by_name("root"), by_id(7), FC_IPC_ALLOW), 0);
	CHECK(!fcback_ipc_policy_allows(&pol, &p5, &p7));
	CHECK_EQ_INT(fcback_ipc_policy_del(
			     &pol,
			     &(struct fcback_ipc_end){ .by_name = true,
						       .name = "grandkid" },
			     &(struct fcback_ipc_end){ .by_name = true,
						       .name = "root" }),
		     0);
	CHECK(fcback_ipc_policy_allows(&pol, &p5, &p7));
	/* Name and domid ends are different ends. */
	CHECK_EQ_INT(fcback_ipc_policy_del(
			     &pol, &(struct fcback_ipc_end){ .domid = 5 },
			     &(struct fcback_ipc_end){ .domid = 7 }),
		     -ENOENT);
	/* Delete by domid, then the default is back. */
	CHECK_EQ_INT(fcback_ipc_policy_del(
			     &pol, &(struct fcback_ipc_end){ .domid = 10 },
			     &(struct fcback_ipc_end){ .domid = 11 }),
		     0);
	CHECK(!fcback_ipc_policy_allows(&pol, &p10, &p11));
	CHECK_EQ_INT(pol.n, 1);
	/* Bound. */
	memset(&pol, 0, sizeof(pol));
	for (u32 i = 0; i < FCBACK_IPC_RULES_MAX; i++)
		CHECK_EQ_INT(set(by_id(100 + i), by_id(1), FC_IPC_ALLOW), 0);
	CHECK_EQ_INT(set(by_id(99), by_id(1), FC_IPC_ALLOW), -ENOSPC);
	CHECK_EQ_INT(set(by_id(100), by_id(1), FC_IPC_DENY), 0); /* replace */
	CHECK_EQ_INT(pol.n, FCBACK_IPC_RULES_MAX);

	printf("kmod_ipc_policy: %d passed, %d failed\n", unit_passed,
	       unit_failed);
	return unit_failed != 0;
}
