// SPDX-License-Identifier: GPL-2.0
/*
 * fcapsule napt: list, add and remove the public port mappings (the map
 * elements of table ip fcapsule).  fcapsule net: Dom0's bridge and the
 * app VM address allocator.  (The benchmark is bench/napt.c.)
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

static int fc_napt_errno_exit(const char *what, int err)
{
	if (err == -EADDRINUSE)
		fprintf(stderr, "fcapsule napt: %s: port already mapped\n",
			what);
	else if (err == -ENOENT)
		fprintf(stderr, "fcapsule napt: %s: no such mapping\n", what);
	else if (err == -EPERM) {
		fprintf(stderr, "fcapsule napt: %s: must run as root\n", what);
		return FC_EXIT_NOT_ROOT;
	} else
		fprintf(stderr, "fcapsule napt: %s: %s\n", what,
			strerror(-err));
	return FC_EXIT_FAIL;
}

static int fc_napt_cmd_list(int json)
{
	struct fc_napt_entry *e = NULL;
	int i, n = 0, ret;

	ret = fc_napt_list(&e, &n);
	if (ret == -ENOENT) { /* no table yet: nothing is mapped */
		ret = 0;
		n = 0;
	}
	if (ret)
		return fc_napt_errno_exit("list", ret);
	/* the element's comment may predate a rename: ask the allocator */
	for (i = 0; i < n; i++) {
		uint32_t owner;
		char name[FC_VMNAME_MAX];

		if (!e[i].name[0] &&
		    !fc_net_addr_owner(e[i].addr, &owner, name, sizeof(name)) &&
		    (!e[i].domid || owner == e[i].domid)) {
			e[i].domid = owner;
			snprintf(e[i].name, sizeof(e[i].name), "%s", name);
		}
	}
	if (json)
		fc_napt_print_json(stdout, e, n, fc_net_public_addr());
	else
		fc_napt_print(stdout, e, n, fc_net_public_addr());
	free(e);
	return FC_EXIT_OK;
}

/* --dom and --name: the owner, as the OS server records it (tests) */
static int fc_napt_cmd_add(int argc, char **argv)
{
	const char *port_s = argv[1];
	struct fc_napt_entry e;
	unsigned long port;
	int i, ret;

	memset(&e, 0, sizeof(e));
	if (fc_parse_ulong(port_s, 1, 65535, &port))
		return fc_usage_error(
			"napt", "port '%s' out of range (1..65535)", port_s);
	if (fc_napt_parse_target(argv[2], &e.addr, &e.aport))
		return fc_usage_error("napt", "bad target '%s' (ADDR:PORT)",
				      argv[2]);
	for (i = 3; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--dom") &&
		    !fc_parse_id(argv[i + 1], &e.domid))
			continue;
		if (!strcmp(argv[i], "--name") && fc_name_valid(argv[i + 1]))
			snprintf(e.name, sizeof(e.name), "%s", argv[i + 1]);
		else
			return fc_usage_error("napt", "bad %s '%s'", argv[i],
					      argv[i + 1]);
	}
	if (i != argc)
		return fc_usage_error("napt", "unexpected argument '%s'",
				      argv[i]);
	e.port = port;
	ret = fc_napt_init();
	if (ret)
		return fc_napt_errno_exit("table ip " FC_NAPT_TABLE, ret);
	ret = fc_napt_add_entry(&e);
	if (ret)
		return fc_napt_errno_exit(port_s, ret);
	return FC_EXIT_OK;
}

static int fc_napt_cmd_del(int argc, char **argv)
{
	const char *port_s = argv[argc - 1];
	unsigned long port;
	uint32_t domid;
	int ret;

	if (argc == 3 && !strcmp(argv[1], "--dom")) {
		if (fc_parse_id(argv[2], &domid))
			return fc_usage_error("napt", "bad domid '%s'",
					      argv[2]);
		ret = fc_napt_del_app(domid, 0);
		if (ret < 0)
			return fc_napt_errno_exit(argv[2], ret);
		printf("%d\n", ret);
		return FC_EXIT_OK;
	}
	if (argc != 2)
		return fc_usage_error("napt", "del takes one PORT or --dom ID");
	if (fc_parse_ulong(port_s, 1, 65535, &port))
		return fc_usage_error(
			"napt", "port '%s' out of range (1..65535)", port_s);
	ret = fc_napt_del(port);
	if (ret)
		return fc_napt_errno_exit(port_s, ret);
	return FC_EXIT_OK;
}

int main_napt(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "ls")) {
		argc--; /* ls is the listing, as without a subcommand */
		argv++;
	}
	if (argc == 1)
		return fc_napt_cmd_list(0);
	if (argc == 2 && !strcmp(argv[1], "--json"))
		return fc_napt_cmd_list(1);
	if (argc >= 4 && !strcmp(argv[1], "add"))
		return fc_napt_cmd_add(argc - 1, argv + 1);
	if (argc >= 3 && !strcmp(argv[1], "del"))
		return fc_napt_cmd_del(argc - 1, argv + 1);
	if (!strcmp(argv[1], "add") || !strcmp(argv[1], "del"))
		return fc_usage_error("napt", "%s: missing arguments", argv[1]);
	return fc_usage_error("napt", "unknown argument '%s'", argv[1]);
}

/* ---- fcapsule net ---- */

/* What setup's options must look like before they reach net.c. */
static int fc_net_setup_value(const char *opt, const char *v)
{
	struct in_addr in;
	unsigned long prefix;
	char a[INET_ADDRSTRLEN];
	const char *slash = strchr(v, '/');

	if (!strcmp(opt, "--public") && inet_pton(AF_INET, v, &in) != 1)
		return fc_usage_error("net",
				      "bad --public '%s' (an IPv4 "
				      "address)",
				      v);
	if (!strcmp(opt, "--addr") &&
	    (!slash || (size_t)(slash - v) >= sizeof(a) ||
	     (snprintf(a, sizeof(a), "%.*s", (int)(slash - v), v),
	      inet_pton(AF_INET, a, &in) != 1) ||
	     fc_parse_ulong(slash + 1, 8, 30, &prefix)))
		return fc_usage_error("net",
				      "bad --addr '%s' (ADDR/PREFIX, "
				      "prefix 8..30)",
				      v);
	if (!strcmp(opt, "--bridge") && (!v[0] || strlen(v) >= 16))
		return fc_usage_error("net", "bad --bridge '%s' (1..15 bytes)",
				      v);
	return 0;
}

static int fc_net_cmd_setup(int argc, char **argv)
{
	static const char *const opts[][2] = {
		{ "--public", "FC_PUBLIC_ADDR" },
		{ "--addr", "FC_NET_ADDR" },
		{ "--bridge", "FC_NET_BRIDGE" },
	};
	int i, k;

	for (i = 1; i < argc; i += 2) {
		for (k = 0; k < 3; k++)
			if (!strcmp(argv[i], opts[k][0]))
				break;
		if (k == 3)
			return fc_usage_error(
				"net", "setup: unknown option '%s'", argv[i]);
		if (i + 1 >= argc)
			return fc_usage_error(
				"net", "option '%s' needs a value", argv[i]);
		if (fc_net_setup_value(argv[i], argv[i + 1]))
			return FC_EXIT_USAGE;
		setenv(opts[k][1], argv[i + 1], 1);
	}
	if (fc_check_root())
		return FC_EXIT_NOT_ROOT;
	return fc_net_setup() ? FC_EXIT_FAIL : FC_EXIT_OK;
}

static int fc_net_cmd_teardown(int argc, char **argv)
{
	char busy[IF_NAMESIZE] = "";
	int ret;

	(void)argv;
	if (argc != 1)
		return fc_usage_error("net", "teardown takes no arguments");
	if (fc_check_root())
		return FC_EXIT_NOT_ROOT;
	ret = fc_net_teardown(busy, sizeof(busy));
	if (ret == -EBUSY) {
		fprintf(stderr,
			"fcapsule net teardown: %s is still on the bridge: "
			"kill the app VMs with a network first\n",
			busy);
		return FC_EXIT_FAIL;
	}
	if (ret) {
		fprintf(stderr, "fcapsule net teardown: %s\n", strerror(-ret));
		return FC_EXIT_FAIL;
	}
	return FC_EXIT_OK;
}

/* prints "ADDR MAC": what `fcapsule run` needs for the vif */
static int fc_net_cmd_alloc(int argc, char **argv)
{
	char a[INET_ADDRSTRLEN], mac[20];
	uint32_t addr, domid = 0;
	int ret;

	if (argc < 2 || argc > 3)
		return fc_usage_error("net", "alloc takes NAME [DOMID]");
	if (argc == 3 && fc_parse_id(argv[2], &domid))
		return fc_usage_error("net", "bad domid '%s'", argv[2]);
	ret = fc_net_addr_alloc(argv[1], &addr);
	if (!ret && domid)
		ret = fc_net_addr_bind(addr, domid);
	if (ret) {
		fprintf(stderr, "fcapsule net: alloc: %s\n", strerror(-ret));
		return FC_EXIT_FAIL;
	}
	inet_ntop(AF_INET, &addr, a, sizeof(a));
	fc_net_mac(addr, mac, sizeof(mac));
	printf("%s %s\n", a, mac);
	return FC_EXIT_OK;
}

static int fc_net_cmd_addr(int argc, char **argv)
{
	char name[FC_VMNAME_MAX] = "", a[INET_ADDRSTRLEN];
	struct in_addr in;
	uint32_t domid = 0, addr = 0;
	int ret, by_dom;

	if (argc != 2 && argc != 3)
		return fc_usage_error("net", "%s takes ADDR or --dom DOMID",
				      argv[0]);
	by_dom = !strcmp(argv[1], "--dom");
	if (by_dom ? argc != 3 || fc_parse_id(argv[2], &domid)
		   : argc != 2 || inet_pton(AF_INET, argv[1], &in) != 1)
		return fc_usage_error("net", "%s: bad %s '%s'", argv[0],
				      by_dom ? "domid" : "address",
				      argv[argc - 1]);
	if (!by_dom)
		addr = in.s_addr;
	if (!strcmp(argv[0], "release")) {
		ret = by_dom ? fc_net_addr_release_dom(domid)
			     : fc_net_addr_release(addr);
		ret = ret == 0 && by_dom ? -ENOENT : ret < 0 ? ret : 0;
	} else if (by_dom) {
		ret = fc_net_addr_of_dom(domid, &addr, name, sizeof(name));
	} else {
		ret = fc_net_addr_owner(addr, &domid, name, sizeof(name));
	}
	if (ret) {
		fprintf(stderr, "fcapsule net: %s: %s\n", argv[0],
			strerror(-ret));
		return FC_EXIT_FAIL;
	}
	if (strcmp(argv[0], "release")) {
		inet_ntop(AF_INET, &addr, a, sizeof(a));
		printf("%s %u %s\n", a, domid, name[0] ? name : "-");
	}
	return FC_EXIT_OK;
}

static int fc_net_cmd_bind(int argc, char **argv)
{
	struct in_addr in;
	uint32_t domid;
	int ret;

	if (argc != 3)
		return fc_usage_error("net", "bind takes ADDR DOMID");
	if (inet_pton(AF_INET, argv[1], &in) != 1 ||
	    fc_parse_id(argv[2], &domid))
		return fc_usage_error("net",
				      "bind: bad address '%s' or domid "
				      "'%s'",
				      argv[1], argv[2]);
	ret = fc_net_addr_bind(in.s_addr, domid);
	if (ret) {
		fprintf(stderr, "fcapsule net: bind: %s\n", strerror(-ret));
		return FC_EXIT_FAIL;
	}
	return FC_EXIT_OK;
}

int main_net(int argc, char **argv)
{
	if (argc < 2)
		return fc_usage_error("net", "missing setup, teardown, alloc, "
					     "bind, release, show or overlay");
	if (!strcmp(argv[1], "setup"))
		return fc_net_cmd_setup(argc - 1, argv + 1);
	if (!strcmp(argv[1], "teardown"))
		return fc_net_cmd_teardown(argc - 1, argv + 1);
	if (!strcmp(argv[1], "alloc"))
		return fc_net_cmd_alloc(argc - 1, argv + 1);
	if (!strcmp(argv[1], "bind"))
		return fc_net_cmd_bind(argc - 1, argv + 1);
	if (!strcmp(argv[1], "overlay"))
		return fc_overlay_cmd(argc - 1, argv + 1);
	if (!strcmp(argv[1], "release") || !strcmp(argv[1], "show"))
		return fc_net_cmd_addr(argc - 1, argv + 1);
	return fc_usage_error("net", "unknown subcommand '%s'", argv[1]);
}
