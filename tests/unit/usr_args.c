// SPDX-License-Identifier: GPL-2.0
// unit-sources: build/usr/libfc.a
// unit-cflags: -Iusr -Wno-unused-parameter
/*
 * The tool's command line: every subcommand's -h/--help, every refused
 * argument with its reason and exit code, the parsers' results, and the
 * usage text coming from the command table only.  Nothing here reaches
 * Xen: each command line is refused (or answered) before acting.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "cmd.h"

static char out_buf[16384], err_buf[16384];

static void slurp(FILE *f, char *buf, size_t len)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
}

/* fc_main(argv) with stdout and stderr captured in out_buf, err_buf. */
static int cli(char **argv)
{
	FILE *o = tmpfile(), *e = tmpfile();
	int so, se, argc = 0, rc;

	while (argv[argc])
		argc++;
	fflush(stdout);
	fflush(stderr);
	so = dup(1);
	se = dup(2);
	dup2(fileno(o), 1);
	dup2(fileno(e), 2);
	rc = fc_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	slurp(o, out_buf, sizeof(out_buf));
	slurp(e, err_buf, sizeof(err_buf));
	fclose(o);
	fclose(e);
	return rc;
}

/* Refused with exit 2, one stderr line naming the command and @why. */
#define REFUSED(why, ...)                                                      \
	do {                                                                   \
		char *argv_[] = { "fcapsule", __VA_ARGS__, NULL };             \
		CHECK_EQ_INT(cli(argv_), FC_EXIT_USAGE);                       \
		if (!strstr(err_buf, why))                                     \
			printf("# stderr was: %s", err_buf);                   \
		CHECK(strstr(err_buf, why) != NULL);                           \
		CHECK(strchr(err_buf, '\n') == err_buf + strlen(err_buf) - 1); \
		CHECK_EQ_INT(out_buf[0], '\0');                                \
	} while (0)

static void test_help_everywhere(void)
{
	const struct fc_cmd *cmd;
	char want[64];

	for (cmd = fc_cmds; cmd->name; cmd++) {
		char *a1[] = { "fcapsule", (char *)cmd->name, "--help", NULL };
		char *a2[] = { "fcapsule", (char *)cmd->name, "-h", NULL };
		char *a3[] = { "fcapsule", "help", (char *)cmd->name, NULL };
		char help_out[16384];

		snprintf(want, sizeof(want), "usage: fcapsule %s", cmd->name);
		CHECK_EQ_INT(cli(a1), 0);
		CHECK(!strncmp(out_buf, want, strlen(want)));
		CHECK(strstr(out_buf, cmd->help) != NULL);
		CHECK_EQ_INT(err_buf[0], '\0');
		snprintf(help_out, sizeof(help_out), "%s", out_buf);
		CHECK_EQ_INT(cli(a2), 0);
		CHECK_EQ_STR(out_buf, help_out);
		/* help COMMAND and COMMAND --help print the same text */
		CHECK_EQ_INT(cli(a3), 0);
		CHECK_EQ_STR(out_buf, help_out);
	}
	/* -h after other words too, and run's after IMAGE */
	{
		char *a[] = { "fcapsule", "napt", "add", "-h", NULL };
		char *b[] = { "fcapsule", "run", "hello", "--help", NULL };
		char *c[] = { "fcapsule", "kill", "x", "--help", NULL };

		CHECK_EQ_INT(cli(a), 0);
		CHECK(!strncmp(out_buf, "usage: fcapsule napt", 20));
		CHECK_EQ_INT(cli(b), 0);
		CHECK(!strncmp(out_buf, "usage: fcapsule run", 19));
		CHECK_EQ_INT(cli(c), 0);
		CHECK(!strncmp(out_buf, "usage: fcapsule kill", 20));
	}
}

static void test_global(void)
{
	char *v1[] = { "fcapsule", "--version", NULL };
	char *v2[] = { "fcapsule", "-V", NULL };
	char *v3[] = { "fcapsule", "version", NULL };
	char *h1[] = { "fcapsule", "--help", NULL };
	char *h2[] = { "fcapsule", "help", NULL };
	char *m[] = { "fcapsule", "help", "--man", NULL };
	char *cmds[] = { "fcapsule", "help", "--commands", NULL };
	char *none[] = { "fcapsule", NULL };
	char *verbose_only[] = { "fcapsule", "-v", NULL };
	const struct fc_cmd *cmd;

	CHECK_EQ_INT(cli(v1), 0);
	CHECK_EQ_STR(out_buf, "fcapsule " FC_VERSION "\n");
	CHECK_EQ_INT(cli(v2), 0);
	CHECK_EQ_STR(out_buf, "fcapsule " FC_VERSION "\n");
	CHECK_EQ_INT(cli(v3), 0);
	CHECK_EQ_STR(out_buf, "fcapsule " FC_VERSION "\n");
	CHECK_EQ_INT(cli(h1), 0);
	CHECK(strstr(out_buf, "Commands:") != NULL);
	CHECK_EQ_INT(cli(h2), 0);
	CHECK(strstr(out_buf, "Commands:") != NULL);
	CHECK_EQ_INT(cli(none), FC_EXIT_USAGE);
	CHECK(strstr(err_buf, "Commands:") != NULL);
	CHECK_EQ_INT(cli(verbose_only), FC_EXIT_USAGE);
	/* the man page has every command and every exit code */
	CHECK_EQ_INT(cli(m), 0);
	CHECK(!strncmp(out_buf, ".TH FCAPSULE 8", 14));
	CHECK(strstr(out_buf, ".SH EXIT STATUS") != NULL);
	CHECK(strstr(out_buf, "modprobe fcapsule") != NULL);
	for (cmd = fc_cmds; cmd->name; cmd++) {
		char tag[64];

		snprintf(tag, sizeof(tag), "\\fBfcapsule %s\\fR", cmd->name);
		CHECK(strstr(out_buf, tag) != NULL);
	}
	CHECK_EQ_INT(cli(cmds), 0);
	CHECK(strstr(out_buf, "run\n") != NULL);
	CHECK(strstr(out_buf, "inspect\n") != NULL);

	REFUSED("unknown option '--frob'", "--frob", "ps");
	REFUSED("unknown command 'frobnicate'", "frobnicate");
	REFUSED("unknown command 'nope'", "help", "nope");
	REFUSED("unexpected argument 'extra'", "version", "extra");
}

static void test_refusals(void)
{
	/* run */
	REFUSED("missing IMAGE", "run");
	REFUSED("unknown option '--bogus'", "run", "--bogus", "hello");
	REFUSED("option '--name' needs a value", "run", "hello", "--name");
	REFUSED("bad --memory '0'", "run", "--memory", "0", "hello");
	REFUSED("bad --vcpus 'x'", "run", "--vcpus", "x", "hello");
	REFUSED("bad --cap '-1'", "run", "--cap", "-1", "hello");
	REFUSED("is over 100% per vcpu", "run", "--cap", "150", "hello");
	REFUSED("bad name '123'", "run", "--name", "123", "hello");
	REFUSED("bad name 'a/b'", "run", "--name", "a/b", "hello");
	REFUSED("option '--wait' takes no value", "run", "--wait=1", "hello");
	REFUSED("double quote", "run", "hello", "--", "a\"b");
	REFUSED("empty", "run", "hello", "--", "");
	REFUSED("unknown option '-z'", "run", "-z", "hello");
	REFUSED("bad port '0'", "run", "-p", "0", "hello");
	REFUSED("bad port '65536'", "run", "--publish", "65536", "hello");
	REFUSED("bad port '80:'", "run", "-p", "80:", "hello");
	REFUSED("bad port ':80'", "run", "-p", ":80", "hello");
	REFUSED("bad port '123456:80'", "run", "-p", "123456:80", "hello");
	REFUSED("bad port 'http'", "run", "-p", "http", "hello");
	REFUSED("public port 80 given twice", "run", "-p", "80", "-p",
		"80:8080", "hello");
	REFUSED("--publish needs a network", "run", "--no-net", "-p", "80",
		"hello");
	REFUSED("option '-p' needs a value", "run", "hello", "-p");
	/* kill */
	REFUSED("missing ID|NAME", "kill");
	REFUSED("missing ID|NAME", "kill", "-s", "KILL");
	REFUSED("unknown signal 'HUP'", "kill", "-s", "HUP", "web");
	REFUSED("bad --grace 'soon'", "kill", "--grace", "soon", "web");
	REFUSED("bad --grace '3601'", "kill", "--grace", "3601", "web");
	REFUSED("option '-s' needs a value", "kill", "-s");
	/* ps, inspect */
	REFUSED("unknown option '--bogus'", "ps", "--bogus");
	REFUSED("-q and --json", "ps", "-q", "--json");
	REFUSED("missing ID|NAME", "inspect");
	REFUSED("one app VM at a time", "inspect", "a", "b");
	REFUSED("unknown option '-a'", "inspect", "-a", "x");
	/* logs */
	REFUSED("missing ID|NAME", "logs");
	REFUSED("bad -n 'x'", "logs", "-n", "x", "web");
	REFUSED("bad -n '-3'", "logs", "-n", "-3", "web");
	REFUSED("one app VM at a time", "logs", "a", "b");
	REFUSED("option '--log-dir' needs a value", "logs", "web", "--log-dir");
	/* cap */
	REFUSED("missing ID|NAME", "cap");
	REFUSED("missing PCT", "cap", "web");
	REFUSED("bad PCT 'half'", "cap", "web", "half");
	REFUSED("bad PCT '12801'", "cap", "web", "12801");
	REFUSED("unexpected argument 'more'", "cap", "web", "50", "more");
	/* serve */
	REFUSED("bad --count 'x'", "serve", "--count", "x");
	REFUSED("bad --count '0'", "serve", "--count", "0");
	REFUSED("option '--count' needs a value", "serve", "--count");
	REFUSED("unexpected argument 'now'", "serve", "now");
	REFUSED("--json goes with --status", "serve", "--json");
	REFUSED("--count does not go with --status", "serve", "--status",
		"--count", "3");
	/* bench */
	REFUSED("one benchmark expected: cap", "bench");
	REFUSED("bad --reps '0'", "bench", "--reps", "0", "cap");
	REFUSED("unknown option '--frob'", "bench", "--frob", "cap");
	/* napt */
	REFUSED("port '70000' out of range", "napt", "add", "70000",
		"198.18.0.10:80");
	REFUSED("port '0' out of range", "napt", "add", "0", "198.18.0.10:80");
	REFUSED("bad target 'nowhere'", "napt", "add", "80", "nowhere");
	REFUSED("bad --dom 'x'", "napt", "add", "80", "198.18.0.10:80", "--dom",
		"x");
	REFUSED("unexpected argument '--dom'", "napt", "add", "80",
		"198.18.0.10:80", "--dom");
	REFUSED("port 'http' out of range", "napt", "del", "http");
	REFUSED("bad domid '0'", "napt", "del", "--dom", "0");
	REFUSED("add: missing arguments", "napt", "add", "80");
	REFUSED("unknown argument 'list'", "napt", "list");
	/* net */
	REFUSED("bad --public 'bogus'", "net", "setup", "--public", "bogus");
	REFUSED("bad --addr '198.18.0.1'", "net", "setup", "--addr",
		"198.18.0.1");
	REFUSED("bad --addr '198.18.0.1/40'", "net", "setup", "--addr",
		"198.18.0.1/40");
	REFUSED("bad --bridge", "net", "setup", "--bridge",
		"a-very-long-bridge-name");
	REFUSED("unknown option '--frob'", "net", "setup", "--frob", "x");
	REFUSED("option '--public' needs a value", "net", "setup", "--public");
	REFUSED("missing setup", "net");
	REFUSED("unknown subcommand 'up'", "net", "up");
	REFUSED("bad domid 'x'", "net", "alloc", "web", "x");
	REFUSED("bad address 'x'", "net", "show", "x");
	REFUSED("bind takes ADDR DOMID", "net", "bind", "198.18.0.10");
	/* ipc */
	REFUSED("missing allow", "ipc");
	REFUSED("unknown subcommand 'permit'", "ipc", "permit", "a", "b");
	REFUSED("needs two app VMs", "ipc", "allow", "a");
	REFUSED("bad app VM '0'", "ipc", "allow", "0", "b");
	REFUSED("unexpected argument '--all'", "ipc", "ls", "--all");
	REFUSED("unexpected argument 'x'", "ipc", "stat", "--json", "x");
}

static void test_parsers(void)
{
	char err[FC_ERR_MAX];
	struct fc_kill_opts k;
	struct fc_ps_opts p;
	struct fc_logs_opts l;
	const char *target;
	unsigned long pct;
	char *k1[] = { "kill", "-s", "KILL", "--tree", "a", "7", NULL };
	char *k2[] = { "kill", "--grace", "0", "a", NULL };
	char *p1[] = { "ps", "-a", "web", "-q", NULL };
	char *p2[] = { "ps", "--json", NULL };
	char *l1[] = { "logs", "-f", "-n", "20", "web", NULL };
	char *l2[] = { "logs", "web", NULL };
	char *c1[] = { "cap", "web", "0", NULL };
	char *s1[] = { "serve", "--count", "5", NULL };
	char *s2[] = { "serve", NULL };
	char *s3[] = { "serve", "--status", "--json", NULL };
	struct fc_serve_args sa;

	CHECK_EQ_INT(fc_parse_kill_args(6, k1, &k, err), 0);
	CHECK_EQ_INT(k.sig, SIGKILL);
	CHECK_EQ_INT(k.tree, 1);
	CHECK_EQ_INT(k.ntargets, 2);
	CHECK_EQ_STR(k.targets[1], "7");
	CHECK_EQ_INT(fc_parse_kill_args(4, k2, &k, err), 0);
	CHECK_EQ_INT(k.sig, SIGTERM);
	CHECK_EQ_INT(k.grace, 0);

	CHECK_EQ_INT(fc_parse_ps_args(4, p1, &p, err), 0);
	CHECK_EQ_INT(p.all, 1);
	CHECK_EQ_INT(p.quiet, 1);
	CHECK_EQ_INT(p.nfilter, 1);
	CHECK_EQ_STR(p.filter[0], "web");
	CHECK_EQ_INT(fc_parse_ps_args(2, p2, &p, err), 0);
	CHECK_EQ_INT(p.json, 1);
	CHECK_EQ_INT(p.nfilter, 0);

	CHECK_EQ_INT(fc_parse_logs_args(5, l1, &l, err), 0);
	CHECK_EQ_INT(l.follow, 1);
	CHECK_EQ_INT(l.lines, 20);
	CHECK_EQ_STR(l.target, "web");
	CHECK_EQ_INT(fc_parse_logs_args(2, l2, &l, err), 0);
	CHECK_EQ_INT(l.lines, -1);

	CHECK_EQ_INT(fc_parse_cap_args(3, c1, &target, &pct, err), 0);
	CHECK_EQ_STR(target, "web");
	CHECK_EQ_INT(pct, 0);

	CHECK_EQ_INT(fc_parse_serve_args(3, s1, &sa, err), 0);
	CHECK_EQ_INT(sa.max_events, 5);
	CHECK_EQ_INT(sa.status, 0);
	CHECK_EQ_INT(fc_parse_serve_args(1, s2, &sa, err), 0);
	CHECK_EQ_INT(sa.max_events, 0);
	CHECK_EQ_INT(fc_parse_serve_args(3, s3, &sa, err), 0);
	CHECK_EQ_INT(sa.status, 1);
	CHECK_EQ_INT(sa.json, 1);
}

static void test_publish(void)
{
	char err[FC_ERR_MAX];
	struct fc_run_opts o;
	struct fc_run_port p;
	char *r1[] = { "run",	"-p", "8080", "--publish", "80:8081",
		       "httpd", "--", "8080", NULL };
	char *r2[] = { "run", "httpd", NULL };
	char *many[2 * (FC_RUN_PORTS_MAX + 1) + 3];
	char ports[FC_RUN_PORTS_MAX + 1][8];
	int i, n = 0;

	CHECK_EQ_INT(fc_parse_run_args(8, r1, &o, err, sizeof(err)), 0);
	CHECK_EQ_INT(o.nports, 2);
	CHECK_EQ_INT(o.ports[0].port, 8080);
	CHECK_EQ_INT(o.ports[0].aport, 8080);
	CHECK_EQ_INT(o.ports[1].port, 80);
	CHECK_EQ_INT(o.ports[1].aport, 8081);
	CHECK(o.set & FC_RUN_SET_PORTS);
	CHECK_EQ_INT(o.nargs, 1);
	CHECK_EQ_INT(fc_parse_run_args(2, r2, &o, err, sizeof(err)), 0);
	CHECK_EQ_INT(o.nports, 0);
	CHECK(!(o.set & FC_RUN_SET_PORTS));

	CHECK_EQ_INT(fc_parse_run_port("65535:1", &p, err), 0);
	CHECK_EQ_INT(p.port, 65535);
	CHECK_EQ_INT(p.aport, 1);
	CHECK_EQ_INT(fc_parse_run_port("80:80:80", &p, err), FC_EXIT_USAGE);
	CHECK_EQ_INT(fc_parse_run_port("", &p, err), FC_EXIT_USAGE);
	CHECK_EQ_INT(fc_parse_run_port("+80", &p, err), FC_EXIT_USAGE);

	/* the most there may be, then one more */
	many[n++] = "run";
	many[n++] = "httpd";
	for (i = 0; i <= FC_RUN_PORTS_MAX; i++) {
		snprintf(ports[i], sizeof(ports[i]), "%d", 8000 + i);
		many[n++] = "-p";
		many[n++] = ports[i];
	}
	many[n] = NULL;
	many[n - 2] = NULL;
	CHECK_EQ_INT(fc_parse_run_args(n - 2, many, &o, err, sizeof(err)), 0);
	CHECK_EQ_INT(o.nports, FC_RUN_PORTS_MAX);
	many[n - 2] = "-p";
	CHECK_EQ_INT(fc_parse_run_args(n, many, &o, err, sizeof(err)),
		     FC_EXIT_USAGE);
	CHECK(strstr(err, "more than 16 published ports") != NULL);
}

static void test_tail(void)
{
	const char *t = "a\nbb\nccc\n";
	const char *u = "a\nbb\nccc"; /* no final newline */

	CHECK_EQ_INT(fc_tail_offset(t, strlen(t), -1), 0);
	CHECK_EQ_INT(fc_tail_offset(t, strlen(t), 0), strlen(t));
	CHECK_EQ_STR(t + fc_tail_offset(t, strlen(t), 1), "ccc\n");
	CHECK_EQ_STR(t + fc_tail_offset(t, strlen(t), 2), "bb\nccc\n");
	CHECK_EQ_STR(t + fc_tail_offset(t, strlen(t), 3), t);
	CHECK_EQ_STR(t + fc_tail_offset(t, strlen(t), 10), t);
	CHECK_EQ_STR(u + fc_tail_offset(u, strlen(u), 1), "ccc");
	CHECK_EQ_STR(u + fc_tail_offset(u, strlen(u), 2), "bb\nccc");
	CHECK_EQ_INT(fc_tail_offset("", 0, 5), 0);
}

static void test_quoting(void)
{
	char *args[] = { "hello world", "x", NULL };
	char *bad[] = { "a\"b", NULL };
	char *empty[] = { "", NULL };
	char buf[64];

	CHECK_EQ_INT(fc_join_args(NULL, args, 2, buf, sizeof(buf)), 0);
	CHECK_EQ_STR(buf, "\"hello world\" x");
	CHECK(fc_join_args(NULL, bad, 1, buf, sizeof(buf)) < 0);
	CHECK(fc_join_args(NULL, empty, 1, buf, sizeof(buf)) < 0);
}

static void test_pool(void)
{
	char err[FC_ERR_MAX];
	struct fc_pool_opts o;
	struct fc_run_opts r;
	struct fc_ps_opts ps;
	char *p1[] = {
		"pool", "set", "httpd", "3", "-m", "8", "--no-net", NULL
	};
	char *p2[] = { "pool", NULL };
	char *p3[] = { "pool", "ls", "--json", NULL };
	char *p4[] = { "pool", "fill", NULL };
	char *r1[] = { "run", "--cold", "httpd", NULL };
	char *s1[] = { "ps", "--pool", "--json", NULL };

	CHECK_EQ_INT(fc_parse_pool_args(7, p1, &o, err), 0);
	CHECK_EQ_STR(o.action, "set");
	CHECK_EQ_STR(o.image, "httpd");
	CHECK_EQ_INT(o.count, 3);
	CHECK_EQ_INT(o.memory_mb, 8);
	CHECK_EQ_INT(o.vcpus, 1);
	CHECK_EQ_INT(o.net, 0);
	CHECK_EQ_INT(fc_parse_pool_args(1, p2, &o, err), 0);
	CHECK_EQ_STR(o.action, "ls");
	CHECK_EQ_INT(o.json, 0);
	CHECK_EQ_INT(fc_parse_pool_args(3, p3, &o, err), 0);
	CHECK_EQ_INT(o.json, 1);
	CHECK_EQ_INT(fc_parse_pool_args(2, p4, &o, err), 0);
	CHECK_EQ_STR(o.action, "fill");
	CHECK_EQ_INT(fc_parse_run_args(3, r1, &r, err, sizeof(err)), 0);
	CHECK_EQ_INT(r.cold, 1);
	CHECK_EQ_STR(r.image, "httpd");
	CHECK_EQ_INT(fc_parse_ps_args(3, s1, &ps, err), 0);
	CHECK_EQ_INT(ps.pool, 1);
	CHECK_EQ_INT(ps.json, 1);

	REFUSED("set needs IMAGE and COUNT", "pool", "set", "httpd");
	REFUSED("bad COUNT 'x' (0..128)", "pool", "set", "httpd", "x");
	REFUSED("bad COUNT '129' (0..128)", "pool", "set", "httpd", "129");
	REFUSED("bad --memory '0'", "pool", "set", "httpd", "1", "-m", "0");
	REFUSED("bad --vcpus 'two'", "pool", "set", "httpd", "1", "--vcpus",
		"two");
	REFUSED("unknown action 'flush'", "pool", "flush");
	REFUSED("ls takes only --json", "pool", "ls", "--no-net");
	REFUSED("unexpected 'more'", "pool", "ls", "more");
	REFUSED("fill takes no option", "pool", "fill", "--json");
	REFUSED("set takes no --json", "pool", "set", "httpd", "1", "--json");
	REFUSED("--pool takes only --json", "ps", "--pool", "-a");
	REFUSED("--pool takes only --json", "ps", "--pool", "web");
}

int main(void)
{
	test_help_everywhere();
	test_global();
	test_refusals();
	test_parsers();
	test_publish();
	test_tail();
	test_quoting();
	test_pool();
	return unit_report("usr_args");
}
