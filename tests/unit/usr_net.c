// SPDX-License-Identifier: GPL-2.0
// unit-sources: build/usr/libfc.a
// unit-cflags: -Iusr -Wno-unused-parameter
/*
 * The app VM address allocator (usr/net.c) in a scratch run directory:
 * allocation by name, binding to a domid and the by-domid index, lookups
 * that survive a stale index, claims, release, and the start-up sync.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fc.h"
#include "unit.h"

static char run_dir[] = "/tmp/fc-unit-net-XXXXXX";

static uint32_t ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static int alive_7(uint32_t domid, void *arg)
{
	return domid == 7;
}

static void test_alloc_bind(void)
{
	char name[FC_VMNAME_MAX], path[256];
	uint32_t a1, a2, a3, got, owner;
	struct stat st;

	CHECK_EQ_INT(fc_net_addr_alloc("web", &a1), 0);
	CHECK_EQ_INT(a1, ip("198.18.0.10"));
	CHECK_EQ_INT(fc_net_addr_alloc("db", &a2), 0);
	CHECK_EQ_INT(a2, ip("198.18.0.11"));
	/* not bound yet: no domid finds it, its name claims it */
	CHECK_EQ_INT(fc_net_addr_of_dom(5, &got, name, sizeof(name)), -ENOENT);
	CHECK_EQ_INT(fc_net_addr_claim("web", 5, &got), 0);
	CHECK_EQ_INT(got, a1);
	CHECK_EQ_INT(fc_net_addr_of_dom(5, &got, name, sizeof(name)), 0);
	CHECK_EQ_INT(got, a1);
	CHECK_EQ_STR(name, "web");
	CHECK_EQ_INT(fc_net_addr_owner(a1, &owner, NULL, 0), 0);
	CHECK_EQ_INT(owner, 5);
	CHECK_EQ_INT(fc_net_addr_claim("nobody", 6, &got), -ENOENT);

	/* the index is a symlink to the address */
	snprintf(path, sizeof(path), "%s/net/dom/5", run_dir);
	CHECK(lstat(path, &st) == 0 && S_ISLNK(st.st_mode));

	/* a stale index (pointing at another's address) is not believed */
	CHECK_EQ_INT(fc_net_addr_bind(a2, 6), 0);
	unlink(path);
	CHECK_EQ_INT(symlink("198.18.0.11", path), 0);
	CHECK_EQ_INT(fc_net_addr_of_dom(5, &got, name, sizeof(name)), 0);
	CHECK_EQ_INT(got, a1);

	/* release: the address is free again, and the lowest is reused */
	CHECK_EQ_INT(fc_net_addr_release(a1), 0);
	CHECK_EQ_INT(fc_net_addr_of_dom(5, &got, name, sizeof(name)), -ENOENT);
	CHECK_EQ_INT(fc_net_addr_alloc("web2", &a3), 0);
	CHECK_EQ_INT(a3, a1);
	CHECK_EQ_INT(fc_net_addr_bind(a3, 7), 0);
	CHECK_EQ_INT(fc_net_addr_release_dom(6), 1);
	snprintf(path, sizeof(path), "%s/net/dom/6", run_dir);
	CHECK(lstat(path, &st) != 0);
	CHECK_EQ_INT(fc_net_addr_of_dom(6, &got, name, sizeof(name)), -ENOENT);
	CHECK_EQ_INT(fc_net_addr_of_dom(7, &got, name, sizeof(name)), 0);
	CHECK_EQ_INT(got, a3);
}

static void test_sync(void)
{
	uint32_t a, b, c, got;
	char name[FC_VMNAME_MAX];

	/* 7 bound (alive), 8 bound (gone), one unbound (a run in progress) */
	CHECK_EQ_INT(fc_net_addr_alloc("gone", &a), 0);
	CHECK_EQ_INT(fc_net_addr_bind(a, 8), 0);
	CHECK_EQ_INT(fc_net_addr_alloc("starting", &b), 0);
	CHECK_EQ_INT(fc_net_addr_sync(alive_7, NULL), 1);
	CHECK_EQ_INT(fc_net_addr_of_dom(8, &got, name, sizeof(name)), -ENOENT);
	CHECK_EQ_INT(fc_net_addr_of_dom(7, &got, name, sizeof(name)), 0);
	CHECK_EQ_INT(fc_net_addr_claim("starting", 9, &got), 0);
	CHECK_EQ_INT(got, b);
	CHECK_EQ_INT(fc_net_addr_sync(alive_7, NULL), 1); /* 9 is not alive */
	CHECK_EQ_INT(fc_net_addr_alloc("next", &c), 0);
	CHECK_EQ_INT(c, a); /* the lowest free one again */
}

int main(void)
{
	char cmd[64];

	if (!mkdtemp(run_dir)) {
		perror("mkdtemp");
		return 1;
	}
	setenv("FC_RUN_DIR", run_dir, 1);
	unsetenv("FC_NET_ADDR");
	test_alloc_bind();
	test_sync();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", run_dir);
	if (system(cmd))
		perror(cmd);
	return unit_report("usr_net");
}
