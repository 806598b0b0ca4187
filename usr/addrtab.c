// SPDX-License-Identifier: GPL-2.0
/*
 * The OS server's table of app VM addresses by domid, kept in memory so
 * that a LISTEN is answered without a file read (listen.c).  The address
 * files of usr/net.c stay the truth: the table is filled from them when
 * an app VM connects, dropped entry by entry when one disconnects, and
 * emptied when the module says it lost events.  A domid missing here is
 * looked up on disk as before.
 *
 * An address belongs to one app VM: putting it for a domid takes it away
 * from any other (an app VM migrated back in keeps its address under a
 * new domid).  A few hundred app VMs at most: a plain array.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fc.h"

static struct fc_addr_ent *fc_addrtab_find(const struct fc_addrtab *t,
					   uint32_t domid)
{
	for (int i = 0; i < t->n; i++)
		if (t->e[i].domid == domid)
			return &t->e[i];
	return NULL;
}

/* Add or replace domid's entry.  0 or -ENOMEM (the table is unchanged). */
int fc_addrtab_put(struct fc_addrtab *t, const struct fc_addr_ent *a)
{
	struct fc_addr_ent *slot, *ne;
	int i, k = 0;

	if (!a->domid || !a->addr)
		return -EINVAL;
	/* the address leaves whoever had it */
	for (i = 0; i < t->n; i++)
		if (t->e[i].domid == a->domid || t->e[i].addr != a->addr)
			t->e[k++] = t->e[i];
	t->n = k;
	slot = fc_addrtab_find(t, a->domid);
	if (!slot) {
		if (t->n == t->cap) {
			int cap = t->cap ? 2 * t->cap : 32;

			ne = realloc(t->e, cap * sizeof(*ne));
			if (!ne)
				return -ENOMEM;
			t->e = ne;
			t->cap = cap;
		}
		slot = &t->e[t->n++];
	}
	*slot = *a;
	slot->name[sizeof(slot->name) - 1] = '\0';
	return 0;
}

/* domid's entry copied to @out: 0, or -ENOENT. */
int fc_addrtab_get(const struct fc_addrtab *t, uint32_t domid,
		   struct fc_addr_ent *out)
{
	const struct fc_addr_ent *a = domid ? fc_addrtab_find(t, domid) : NULL;

	if (!a)
		return -ENOENT;
	*out = *a;
	return 0;
}

/* Forget domid: 1 if it was there, else 0. */
int fc_addrtab_drop(struct fc_addrtab *t, uint32_t domid)
{
	struct fc_addr_ent *a = fc_addrtab_find(t, domid);

	if (!a)
		return 0;
	*a = t->e[--t->n]; /* order does not matter */
	return 1;
}

/* Forget everything (the memory is kept for the refill). */
void fc_addrtab_clear(struct fc_addrtab *t)
{
	t->n = 0;
}

void fc_addrtab_free(struct fc_addrtab *t)
{
	free(t->e);
	memset(t, 0, sizeof(*t));
}
