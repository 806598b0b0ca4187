// SPDX-License-Identifier: GPL-2.0
/*
 * fcapsule ipc: the IPC policy between app VMs and its counters
 * (docs/ipc.md), through /dev/fcapsule (FC_IOC_IPC_*).
 *
 *   fcapsule ipc allow A B      let A and B talk (either way)
 *   fcapsule ipc deny A B       forbid it (also within a family)
 *   fcapsule ipc unset A B      remove the pair's rule: back to default
 *   fcapsule ipc ls [--json]    the rules
 *   fcapsule ipc stat [--json]  per app VM counters and module totals
 *
 * A and B are domids (all digits) or names.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <fcapsule/ioctl.h>

#include "cmd.h"

#define FC_IPC_DEV "/dev/fcapsule"

int fc_ipc_parse_end(const char *s, uint32_t *domid, char *name)
{
	size_t n = strlen(s);
	char *end;
	unsigned long v;

	*domid = 0;
	memset(name, 0, FC_IOC_NAME_MAX);
	if (!n || n >= FC_IOC_NAME_MAX)
		return -EINVAL;
	if (strspn(s, "0123456789") == n) {
		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno || v == 0 || v >= 0x7ff0) /* DOMID_FIRST_RESERVED */
			return -EINVAL;
		*domid = (uint32_t)v;
		return 0;
	}
	memcpy(name, s, n);
	return 1;
}

int fc_ipc_make_rule(const char *a, const char *b, int del,
		     struct fc_ioc_ipc_rule *r)
{
	int ka, kb;

	memset(r, 0, sizeof(*r));
	r->size = sizeof(*r);
	ka = fc_ipc_parse_end(a, &r->a_domid, r->a_name);
	kb = fc_ipc_parse_end(b, &r->b_domid, r->b_name);
	if (ka < 0 || kb < 0)
		return -EINVAL;
	r->flags = (ka ? FC_IPC_RULE_A_NAME : 0) |
		   (kb ? FC_IPC_RULE_B_NAME : 0) |
		   (del ? FC_IPC_RULE_DELETE : 0);
	return 0;
}

void fc_ipc_end_str(const struct fc_ioc_ipc_rule *r, int b, char *out,
		    size_t len)
{
	int by_name = r->flags & (b ? FC_IPC_RULE_B_NAME : FC_IPC_RULE_A_NAME);

	if (by_name)
		snprintf(out, len, "%.*s", FC_IOC_NAME_MAX - 1,
			 b ? r->b_name : r->a_name);
	else
		snprintf(out, len, "%u", b ? r->b_domid : r->a_domid);
}

static int fc_ipc_open(void)
{
	int fd = open(FC_IPC_DEV, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == EACCES || errno == EPERM) {
		fprintf(stderr, "fcapsule: ipc: must run as root\n");
		return -FC_EXIT_NOT_ROOT;
	}
	fprintf(stderr, "fcapsule: module not loaded (no %s: %s)\n", FC_IPC_DEV,
		strerror(errno));
	return -FC_EXIT_NO_MODULE;
}

static int fc_ipc_rule_cmd(int argc, char **argv, unsigned long ioc, int del)
{
	struct fc_ioc_ipc_rule r;
	int fd = -1, ret = FC_EXIT_OK;

	if (argc != 3)
		return fc_usage_error("ipc",
				      "%s needs two app VMs, ID|NAME "
				      "ID|NAME (%d given)",
				      argv[0], argc - 1);
	if (fc_ipc_make_rule(argv[1], argv[2], del, &r))
		return fc_usage_error("ipc",
				      "bad app VM '%s' or '%s' (a domid "
				      "1..32751 or a name of 1..31 bytes)",
				      argv[1], argv[2]);
	fd = fc_ipc_open();
	if (fd < 0) {
		ret = -fd;
		goto out;
	}
	if (ioctl(fd, ioc, &r)) {
		if (errno == ENOENT)
			fprintf(stderr, "fcapsule: ipc: no rule for %s %s\n",
				argv[1], argv[2]);
		else
			fprintf(stderr, "fcapsule: ipc %s: %s\n", argv[0],
				strerror(errno));
		ret = FC_EXIT_FAIL;
	}
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Every rule the module holds (at most 256); the count, or -errno. */
static int fc_ipc_rules_read(int fd, struct fc_ioc_ipc_rule **out)
{
	struct fc_ioc_ipc_rule *rules = calloc(256, sizeof(*rules));
	struct fc_ioc_ipc_list l;

	*out = NULL;
	if (!rules)
		return -ENOMEM;
	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	l.capacity = 256;
	l.rules = (uintptr_t)rules;
	if (ioctl(fd, FC_IOC_IPC_LIST, &l)) {
		free(rules);
		return -errno;
	}
	*out = rules;
	return (int)l.count;
}

/* @r's end @b names the app VM @domid called @name. */
static int fc_ipc_end_is(const struct fc_ioc_ipc_rule *r, int b, uint32_t domid,
			 const char *name)
{
	int by_name = r->flags & (b ? FC_IPC_RULE_B_NAME : FC_IPC_RULE_A_NAME);

	if (by_name)
		return !strncmp(b ? r->b_name : r->a_name, name,
				FC_IOC_NAME_MAX);
	return (b ? r->b_domid : r->a_domid) == domid;
}

/*
 * The rules that name the app VM @domid (@name), for it to take along to
 * another instance: "VERDICT A B" lines in @buf, its own end by name.  A
 * rule whose other end is a domid is left out: that id means nothing
 * there.  Returns how many, or -errno.
 */
int fc_ipc_rules_of(uint32_t domid, const char *name, char *buf, size_t len)
{
	struct fc_ioc_ipc_rule *rules;
	int fd, i, n, k = 0;
	size_t off = 0;

	buf[0] = '\0';
	fd = open(FC_IPC_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = fc_ipc_rules_read(fd, &rules);
	close(fd);
	for (i = 0; i < n; i++) {
		const struct fc_ioc_ipc_rule *r = &rules[i];
		int a = fc_ipc_end_is(r, 0, domid, name);
		int b = fc_ipc_end_is(r, 1, domid, name);
		char ea[FC_IOC_NAME_MAX], eb[FC_IOC_NAME_MAX];

		if ((!a && !b) || (!a && !(r->flags & FC_IPC_RULE_A_NAME)) ||
		    (!b && !(r->flags & FC_IPC_RULE_B_NAME)))
			continue;
		if (a)
			snprintf(ea, sizeof(ea), "%s", name);
		else
			fc_ipc_end_str(r, 0, ea, sizeof(ea));
		if (b)
			snprintf(eb, sizeof(eb), "%s", name);
		else
			fc_ipc_end_str(r, 1, eb, sizeof(eb));
		if (off + strlen(ea) + strlen(eb) + 8 >= len)
			break;
		off += snprintf(buf + off, len - off, "%s %s %s\n",
				r->verdict == FC_IPC_DENY ? "deny" : "allow",
				ea, eb);
		k++;
	}
	free(rules);
	return n < 0 ? n : k;
}

/* One "VERDICT A B" line of fc_ipc_rules_of(), both ends names: set it. */
int fc_ipc_rule_apply(const char *line)
{
	char v[8], a[FC_IOC_NAME_MAX], b[FC_IOC_NAME_MAX];
	struct fc_ioc_ipc_rule r;
	int fd, ret;

	if (sscanf(line, "%7s %31s %31s", v, a, b) != 3 ||
	    (strcmp(v, "allow") && strcmp(v, "deny")) ||
	    fc_ipc_make_rule(a, b, 0, &r) ||
	    (r.flags & (FC_IPC_RULE_A_NAME | FC_IPC_RULE_B_NAME)) !=
		    (FC_IPC_RULE_A_NAME | FC_IPC_RULE_B_NAME))
		return -EINVAL;
	fd = open(FC_IPC_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = ioctl(fd, strcmp(v, "deny") ? FC_IOC_IPC_ALLOW : FC_IOC_IPC_DENY,
		    &r)
		      ? -errno
		      : 0;
	close(fd);
	return ret;
}

static int fc_ipc_ls(int json)
{
	struct fc_ioc_ipc_rule *rules = NULL;
	struct fc_ioc_ipc_list l;
	char a[40], b[40];
	int fd, ret = FC_EXIT_OK;

	fd = fc_ipc_open();
	if (fd < 0) {
		ret = -fd;
		goto out;
	}
	rules = calloc(256, sizeof(*rules));
	if (!rules) {
		ret = FC_EXIT_FAIL;
		goto out;
	}
	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	l.capacity = 256;
	l.rules = (uintptr_t)rules;
	if (ioctl(fd, FC_IOC_IPC_LIST, &l)) {
		fprintf(stderr, "fcapsule: ipc ls: %s\n", strerror(errno));
		ret = FC_EXIT_FAIL;
		goto out;
	}
	if (json)
		printf("[");
	else
		printf("%-6s %-32s %s\n", "VERDICT", "A", "B");
	for (unsigned int i = 0; i < l.count; i++) {
		const char *v =
			rules[i].verdict == FC_IPC_DENY ? "deny" : "allow";

		fc_ipc_end_str(&rules[i], 0, a, sizeof(a));
		fc_ipc_end_str(&rules[i], 1, b, sizeof(b));
		if (!json) {
			printf("%-7s %-32s %s\n", v, a, b);
			continue;
		}
		printf("%s{\"verdict\": \"%s\", \"a\": ", i ? ", " : "", v);
		fc_json_string(stdout, a);
		printf(", \"b\": ");
		fc_json_string(stdout, b);
		printf("}");
	}
	if (json)
		printf("]\n");
out:
	if (fd >= 0)
		close(fd);
	free(rules);
	return ret;
}

static int fc_ipc_stat(int json)
{
	struct fc_ioc_ipc_stat *st = NULL;
	struct fc_ioc_ipc_stats s;
	int fd, ret = FC_EXIT_OK;

	fd = fc_ipc_open();
	if (fd < 0) {
		ret = -fd;
		goto out;
	}
	st = calloc(1024, sizeof(*st));
	if (!st) {
		ret = FC_EXIT_FAIL;
		goto out;
	}
	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.capacity = 1024;
	s.stats = (uintptr_t)st;
	if (ioctl(fd, FC_IOC_IPC_STATS, &s)) {
		fprintf(stderr, "fcapsule: ipc stat: %s\n", strerror(errno));
		ret = FC_EXIT_FAIL;
		goto out;
	}
	if (json) {
		printf("{\"totals\": {\"sent\": %llu, \"delivered\": %llu, "
		       "\"dropped\": %llu, \"denied\": %llu, \"refused\": "
		       "%llu, \"failed\": %llu, \"queue_len\": %u, \"rules\": "
		       "%u}, \"app_vms\": [",
		       (unsigned long long)s.sent,
		       (unsigned long long)s.delivered,
		       (unsigned long long)s.dropped,
		       (unsigned long long)s.denied,
		       (unsigned long long)s.refused,
		       (unsigned long long)s.failed, s.queue_len, s.rules);
	} else {
		printf("%5s %-16s %6s %10s %10s %7s %7s %8s %7s %12s %12s "
		       "%6s\n",
		       "ID", "NAME", "FAMILY", "SENT", "RECEIVED", "DROPPED",
		       "DENIED", "REFUSED", "FAILED", "BYTES_SENT",
		       "BYTES_RECV", "QUEUED");
	}
	for (unsigned int i = 0; i < s.count; i++) {
		const struct fc_ioc_ipc_stat *e = &st[i];
		char name[FC_IOC_NAME_MAX];

		snprintf(name, sizeof(name), "%.*s", FC_IOC_NAME_MAX - 1,
			 e->name);
		if (!json) {
			printf("%5u %-16s %6u %10llu %10llu %7llu %7llu %8llu "
			       "%7llu %12llu %12llu %6u\n",
			       e->domid, name, e->family,
			       (unsigned long long)e->sent,
			       (unsigned long long)e->received,
			       (unsigned long long)e->dropped,
			       (unsigned long long)e->denied,
			       (unsigned long long)e->refused,
			       (unsigned long long)e->failed,
			       (unsigned long long)e->bytes_sent,
			       (unsigned long long)e->bytes_received,
			       e->queued);
			continue;
		}
		printf("%s{\"id\": %u, \"name\": ", i ? ", " : "", e->domid);
		fc_json_string(stdout, name);
		printf(", \"family\": %u, \"app_id\": %llu, \"sent\": %llu, "
		       "\"received\": %llu, \"dropped\": %llu, \"denied\": "
		       "%llu, \"refused\": %llu, \"failed\": %llu, "
		       "\"bytes_sent\": %llu, \"bytes_received\": %llu, "
		       "\"queued\": %u}",
		       e->family, (unsigned long long)e->app_id,
		       (unsigned long long)e->sent,
		       (unsigned long long)e->received,
		       (unsigned long long)e->dropped,
		       (unsigned long long)e->denied,
		       (unsigned long long)e->refused,
		       (unsigned long long)e->failed,
		       (unsigned long long)e->bytes_sent,
		       (unsigned long long)e->bytes_received, e->queued);
	}
	if (json)
		printf("]}\n");
	else
		printf("total: sent %llu delivered %llu dropped %llu denied "
		       "%llu refused %llu failed %llu (queue %u per "
		       "receiver, %u rules)\n",
		       (unsigned long long)s.sent,
		       (unsigned long long)s.delivered,
		       (unsigned long long)s.dropped,
		       (unsigned long long)s.denied,
		       (unsigned long long)s.refused,
		       (unsigned long long)s.failed, s.queue_len, s.rules);
out:
	if (fd >= 0)
		close(fd);
	free(st);
	return ret;
}

/* ls and stat take --json and nothing else */
static int fc_ipc_list_cmd(int argc, char **argv, int (*fn)(int json))
{
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--json")))
		return fc_usage_error("ipc", "%s: unexpected argument '%s'",
				      argv[0], argv[argc - 1]);
	return fn(argc == 2);
}

int main_ipc(int argc, char **argv)
{
	if (argc < 2)
		return fc_usage_error("ipc", "missing allow, deny, unset, ls "
					     "or stat");
	if (!strcmp(argv[1], "allow"))
		return fc_ipc_rule_cmd(argc - 1, argv + 1, FC_IOC_IPC_ALLOW, 0);
	if (!strcmp(argv[1], "deny"))
		return fc_ipc_rule_cmd(argc - 1, argv + 1, FC_IOC_IPC_DENY, 0);
	if (!strcmp(argv[1], "unset"))
		return fc_ipc_rule_cmd(argc - 1, argv + 1, FC_IOC_IPC_DENY, 1);
	if (!strcmp(argv[1], "ls"))
		return fc_ipc_list_cmd(argc - 1, argv + 1, fc_ipc_ls);
	if (!strcmp(argv[1], "stat"))
		return fc_ipc_list_cmd(argc - 1, argv + 1, fc_ipc_stat);
	return fc_usage_error("ipc", "unknown subcommand '%s'", argv[1]);
}
