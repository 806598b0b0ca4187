// SPDX-License-Identifier: GPL-2.0
// unit-sources: build/usr/libfc.a
// unit-cflags: -Iusr -Wno-unused-parameter
/*
 * The OS server's in-memory app VM addresses (usr/addrtab.c): put, get,
 * replace, an address moving to another domid, drop, clear and growth.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fc.h"
#include "unit.h"

static struct fc_addr_ent ent(uint32_t domid, const char *ip, int bound,
			      const char *name)
{
	struct fc_addr_ent a = { .domid = domid, .bound = bound };

	inet_pton(AF_INET, ip, &a.addr);
	snprintf(a.name, sizeof(a.name), "%s", name);
	return a;
}

static void test_put_get(void)
{
	struct fc_addrtab t = { 0 };
	struct fc_addr_ent a = ent(5, "198.18.0.10", 1, "web"), got;

	CHECK_EQ_INT(fc_addrtab_get(&t, 5, &got), -ENOENT);
	CHECK_EQ_INT(fc_addrtab_put(&t, &a), 0);
	CHECK_EQ_INT(fc_addrtab_get(&t, 5, &got), 0);
	CHECK_EQ_INT(got.addr, a.addr);
	CHECK_EQ_INT(got.bound, 1);
	CHECK_EQ_STR(got.name, "web");
	CHECK_EQ_INT(fc_addrtab_get(&t, 6, &got), -ENOENT);
	CHECK_EQ_INT(fc_addrtab_get(&t, 0, &got), -ENOENT);

	/* no domid or no address: nothing to answer with */
	a = ent(0, "198.18.0.11", 1, "x");
	CHECK_EQ_INT(fc_addrtab_put(&t, &a), -EINVAL);
	a = ent(7, "0.0.0.0", 1, "x");
	CHECK_EQ_INT(fc_addrtab_put(&t, &a), -EINVAL);
	CHECK_EQ_INT(t.n, 1);
	fc_addrtab_free(&t);
	CHECK(t.e == NULL && t.n == 0);
}

static void test_replace_and_move(void)
{
	struct fc_addrtab t = { 0 };
	struct fc_addr_ent a = ent(5, "198.18.0.10", 0, "web"), got;

	fc_addrtab_put(&t, &a);
	/* bound at its first LISTEN: the same domid, replaced */
	a.bound = 1;
	CHECK_EQ_INT(fc_addrtab_put(&t, &a), 0);
	CHECK_EQ_INT(t.n, 1);
	fc_addrtab_get(&t, 5, &got);
	CHECK_EQ_INT(got.bound, 1);

	/* the same domid, another address */
	a = ent(5, "198.18.0.12", 1, "web");
	fc_addrtab_put(&t, &a);
	CHECK_EQ_INT(t.n, 1);
	fc_addrtab_get(&t, 5, &got);
	CHECK_EQ_INT(got.addr, a.addr);

	/* the address under a new domid (migrated back): the old one loses it */
	a = ent(9, "198.18.0.12", 1, "web");
	fc_addrtab_put(&t, &a);
	CHECK_EQ_INT(t.n, 1);
	CHECK_EQ_INT(fc_addrtab_get(&t, 5, &got), -ENOENT);
	CHECK_EQ_INT(fc_addrtab_get(&t, 9, &got), 0);
	fc_addrtab_free(&t);
}

static void test_drop_clear_grow(void)
{
	struct fc_addrtab t = { 0 };
	struct fc_addr_ent a, got;
	char ip[INET_ADDRSTRLEN], name[16];
	int i, ok = 1;

	for (i = 1; i <= 200; i++) {
		snprintf(ip, sizeof(ip), "198.18.%d.%d", i / 100, i % 100 + 10);
		snprintf(name, sizeof(name), "vm%d", i);
		a = ent(i, ip, 1, name);
		if (fc_addrtab_put(&t, &a))
			ok = 0;
	}
	CHECK(ok);
	CHECK_EQ_INT(t.n, 200);
	CHECK_EQ_INT(fc_addrtab_drop(&t, 17), 1);
	CHECK_EQ_INT(fc_addrtab_drop(&t, 17), 0);
	CHECK_EQ_INT(t.n, 199);
	CHECK_EQ_INT(fc_addrtab_get(&t, 17, &got), -ENOENT);
	for (i = 1; i <= 200; i++)
		if (i != 17 && fc_addrtab_get(&t, i, &got))
			ok = 0;
	CHECK(ok);
	CHECK_EQ_INT(fc_addrtab_get(&t, 200, &got), 0);
	CHECK_EQ_STR(got.name, "vm200");
	fc_addrtab_clear(&t);
	CHECK_EQ_INT(t.n, 0);
	CHECK_EQ_INT(fc_addrtab_get(&t, 200, &got), -ENOENT);
	a = ent(3, "198.18.0.30", 1, "again");
	CHECK_EQ_INT(fc_addrtab_put(&t, &a), 0);
	CHECK_EQ_INT(fc_addrtab_get(&t, 3, &got), 0);
	fc_addrtab_free(&t);
}

int main(void)
{
	test_put_get();
	test_replace_and_move();
	test_drop_clear_grow();
	return unit_report("usr_addrtab");
}
