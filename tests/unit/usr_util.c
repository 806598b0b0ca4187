// SPDX-License-Identifier: GPL-2.0
// unit-sources: usr/util.c usr/args.c
// unit-cflags: -Iusr
/*
 * The tool's pure logic: run's command line, image lookup, names,
 * signals, exit codes from the console and from the shutdown reason,
 * exit records, and the atomic file writer.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "fc.h"

static int parse(struct fc_run_opts *o, char *err, char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return fc_parse_run_args(argc, argv, o, err, 256);
}

static void test_run_args(void)
{
	struct fc_run_opts o;
	char err[256];
	char *a1[] = { "run", "hello", NULL };
	char *a2[] = { "run",	"--name", "web",    "--memory", "8",
		       "--cap", "50",	  "--wait", "hello",	"--",
		       "7",	"x",	  NULL };
	char *a3[] = { "run", "hello", "--vcpus", "2", "-q", "--", "a", NULL };
	char *a4[] = { "run", "hello", "7", "--wait", NULL };
	char *a5[] = { "run", "--memory", "0", "hello", NULL };
	char *a6[] = { "run", "--bogus", "hello", NULL };
	char *a7[] = { "run", NULL };
	char *a8[] = { "run", "--name", "123", "hello", NULL };
	char *a9[] = { "run", "--cap", "150", "hello", NULL };
	char *a10[] = { "run",		"--image-dir", "/x",
			"--ramdisk",	"r.gz",	       "--extra",
			"console=hvc0", "vmlinux",     NULL };
	char *a11[] = { "run", "--name", "a b", "hello", NULL };
	char *a12[] = { "run", "--memory", "12abc", "hello", NULL };

	CHECK_EQ_INT(parse(&o, err, a1), 0);
	CHECK_EQ_STR(o.image, "hello");
	CHECK(o.name == NULL);
	CHECK_EQ_INT(o.memory_mb, 4);
	CHECK_EQ_INT(o.vcpus, 1);
	CHECK_EQ_INT(o.cap, -1);
	CHECK_EQ_INT(o.wait, 0);
	CHECK_EQ_INT(o.nargs, 0);

	CHECK_EQ_INT(parse(&o, err, a2), 0);
	CHECK_EQ_STR(o.name, "web");
	CHECK_EQ_INT(o.memory_mb, 8);
	CHECK_EQ_INT(o.cap, 50);
	CHECK_EQ_INT(o.wait, 1);
	CHECK_EQ_STR(o.image, "hello");
	CHECK_EQ_INT(o.nargs, 2);
	CHECK_EQ_STR(o.args[0], "7");
	CHECK_EQ_STR(o.args[1], "x");

	/* options after IMAGE, before "--" */
	CHECK_EQ_INT(parse(&o, err, a3), 0);
	CHECK_EQ_INT(o.vcpus, 2);
	CHECK_EQ_INT(o.quiet, 1);
	CHECK_EQ_INT(o.nargs, 1);
	CHECK_EQ_STR(o.args[0], "a");

	/* without "--", words after IMAGE are the app's, options too */
	CHECK_EQ_INT(parse(&o, err, a4), 0);
	CHECK_EQ_INT(o.wait, 0);
	CHECK_EQ_INT(o.nargs, 2);
	CHECK_EQ_STR(o.args[1], "--wait");

	CHECK_EQ_INT(parse(&o, err, a5), FC_EXIT_USAGE);
	CHECK(strstr(err, "--memory") != NULL);
	CHECK_EQ_INT(parse(&o, err, a6), FC_EXIT_USAGE);
	CHECK(strstr(err, "--bogus") != NULL);
	CHECK_EQ_INT(parse(&o, err, a7), FC_EXIT_USAGE);
	CHECK(strstr(err, "IMAGE") != NULL);
	CHECK_EQ_INT(parse(&o, err, a8),
		     FC_EXIT_USAGE); /* a name must not look like an id */
	CHECK_EQ_INT(parse(&o, err, a9),
		     FC_EXIT_USAGE); /* over 100 % of one vcpu */
	CHECK_EQ_INT(parse(&o, err, a10), 0);
	CHECK_EQ_STR(o.image_dir, "/x");
	CHECK_EQ_STR(o.ramdisk, "r.gz");
	CHECK_EQ_STR(o.extra, "console=hvc0");
	CHECK_EQ_INT(parse(&o, err, a11), FC_EXIT_USAGE);
	CHECK_EQ_INT(parse(&o, err, a12), FC_EXIT_USAGE);
}

static void test_join(void)
{
	char buf[32], small[8];
	char *args[] = { "a", "bb", "ccc" };

	CHECK_EQ_INT(fc_join_args(NULL, args, 3, buf, sizeof(buf)), 0);
	CHECK_EQ_STR(buf, "a bb ccc");
	CHECK_EQ_INT(fc_join_args("console=hvc0", args, 1, buf, sizeof(buf)),
		     0);
	CHECK_EQ_STR(buf, "console=hvc0 a");
	CHECK_EQ_INT(fc_join_args(NULL, args, 0, buf, sizeof(buf)), 0);
	CHECK_EQ_STR(buf, "");
	CHECK(fc_join_args(NULL, args, 3, small, sizeof(small)) < 0);
}

static void test_image(void)
{
	char dir[] = "/tmp/fc-unit-XXXXXX", path[256], out[256];
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/hello", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f)
		fclose(f);
	snprintf(out, sizeof(out), "%s/sub", dir);
	mkdir(out, 0755);

	CHECK_EQ_INT(fc_image_resolve("hello", dir, out, sizeof(out)), 0);
	CHECK_EQ_STR(out, path);
	CHECK_EQ_INT(fc_image_resolve(path, "/nonexistent", out, sizeof(out)),
		     0);
	CHECK_EQ_STR(out, path);
	CHECK_EQ_INT(fc_image_resolve("nope", dir, out, sizeof(out)), -ENOENT);
	CHECK_EQ_INT(fc_image_resolve("sub", dir, out, sizeof(out)), -ENOENT);
	CHECK_EQ_INT(fc_image_resolve("", dir, out, sizeof(out)), -ENOENT);
	CHECK_EQ_INT(fc_image_resolve("hello", dir, out, 4), -E2BIG);

	unlink(path);
	snprintf(out, sizeof(out), "%s/sub", dir);
	rmdir(out);
	rmdir(dir);

	fc_image_default_name("build/apps/hello", out, sizeof(out));
	CHECK_EQ_STR(out, "hello");
	fc_image_default_name("vmlinux", out, sizeof(out));
	CHECK_EQ_STR(out, "vmlinux");
	fc_image_default_name("/x/my app+1", out, sizeof(out));
	CHECK_EQ_STR(out, "my-app-1");
	fc_image_default_name("/x/42", out, sizeof(out));
	CHECK(fc_name_valid(out));

	setenv("FC_IMAGE_DIR", "/env/dir", 1);
	CHECK_EQ_STR(fc_image_dir(NULL), "/env/dir");
	CHECK_EQ_STR(fc_image_dir("/opt"), "/opt");
	unsetenv("FC_IMAGE_DIR");
	CHECK_EQ_STR(fc_image_dir(NULL), FC_IMAGE_DIR_DEFAULT);
}

static void test_names_ids_signals(void)
{
	uint32_t d = 0;

	CHECK(fc_name_valid("web-1"));
	CHECK(fc_name_valid("a.b_c"));
	CHECK(!fc_name_valid(""));
	CHECK(!fc_name_valid("12"));
	CHECK(!fc_name_valid("a/b"));
	CHECK(!fc_name_valid("a b"));

	CHECK_EQ_INT(fc_parse_id("7", &d), 0);
	CHECK_EQ_INT(d, 7);
	CHECK(fc_parse_id("0", &d) < 0); /* Dom0 is never an app VM */
	CHECK(fc_parse_id("7x", &d) < 0);
	CHECK(fc_parse_id("-1", &d) < 0);
	CHECK(fc_parse_id("32752", &d) < 0);

	CHECK_EQ_INT(fc_parse_signal("TERM"), SIGTERM);
	CHECK_EQ_INT(fc_parse_signal("sigkill"), SIGKILL);
	CHECK_EQ_INT(fc_parse_signal("9"), SIGKILL);
	CHECK_EQ_INT(fc_parse_signal("15"), SIGTERM);
	CHECK_EQ_INT(fc_parse_signal("HUP"), -1);
	CHECK_EQ_INT(fc_parse_signal("1"), -1);
}

static void test_exit_codes(void)
{
	const char log1[] = "Hello\nFC-EXIT 3\n";
	const char log2[] =
		"FC-EXIT 1\nagain\n[2024-01-01 00:00:00] FC-EXIT 42";
	const char log3[] = "no exit line\nFC-EXIT x\nFC-EXIT\n";
	const char log4[] = "FC-EXIT -5\n";
	int code = -1;

	CHECK_EQ_INT(fc_console_exit_code(log1, strlen(log1), &code), 0);
	CHECK_EQ_INT(code, 3);
	CHECK_EQ_INT(fc_console_exit_code(log2, strlen(log2), &code), 0);
	CHECK_EQ_INT(code, 42); /* the last one, timestamp prefix allowed */
	CHECK_EQ_INT(fc_console_exit_code(log3, strlen(log3), &code), -ENOENT);
	CHECK_EQ_INT(fc_console_exit_code(log4, strlen(log4), &code), 0);
	CHECK_EQ_INT(code, -5);
	CHECK_EQ_INT(fc_console_exit_code("", 0, &code), -ENOENT);

	CHECK_EQ_INT(fc_reason_exit_code(FC_REASON_POWEROFF), 0);
	CHECK_EQ_INT(fc_reason_exit_code(FC_REASON_CRASH), 139);
	CHECK_EQ_INT(fc_reason_exit_code(FC_REASON_KILLED), 137);
	CHECK_EQ_INT(fc_reason_exit_code(FC_REASON_TERMINATED), 143);
	CHECK_EQ_STR(fc_reason_name(FC_REASON_CRASH), "crash");
}

static void test_exit_rec(void)
{
	struct fc_exit_rec r, p;
	char buf[1024];

	memset(&r, 0, sizeof(r));
	r.domid = 12;
	r.ppid = 3;
	snprintf(r.name, sizeof(r.name), "hello-2");
	r.code = 7;
	r.reason = FC_REASON_POWEROFF;
	snprintf(r.source, sizeof(r.source), "console");
	r.started = 1700000000;
	r.ended = 1700000005;
	r.cpu_ns = 123456789;
	r.mem_kb = 4096;
	CHECK(fc_exit_rec_format(&r, buf, sizeof(buf)) > 0);
	CHECK_EQ_INT(fc_exit_rec_parse(buf, &p), 0);
	CHECK_EQ_INT(p.domid, 12);
	CHECK_EQ_INT(p.ppid, 3);
	CHECK_EQ_STR(p.name, "hello-2");
	CHECK_EQ_INT(p.code, 7);
	CHECK_EQ_INT(p.reason, FC_REASON_POWEROFF);
	CHECK_EQ_STR(p.source, "console");
	CHECK_EQ_INT(p.started, 1700000000);
	CHECK_EQ_INT(p.ended, 1700000005);
	CHECK_EQ_INT(p.cpu_ns, 123456789);
	CHECK_EQ_INT(p.mem_kb, 4096);
	CHECK(fc_exit_rec_format(&r, buf, 10) < 0);
	CHECK(fc_exit_rec_parse("name=x\n", &p) < 0);
	CHECK_EQ_INT(fc_exit_rec_parse("domid=5\ncode=137\nreason=killed", &p),
		     0);
	CHECK_EQ_INT(p.reason, FC_REASON_KILLED);
}

/* fc_write_file_atomic: the whole text, and no temporary file left. */
static void test_write_atomic(void)
{
	char dir[] = "/tmp/fc-unit-util-XXXXXX", path[64], buf[32];
	FILE *f;
	size_t n;

	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	snprintf(path, sizeof(path), "%s/file", dir);
	CHECK_EQ_INT(fc_write_file_atomic(path, "first\n"), 0);
	CHECK_EQ_INT(fc_write_file_atomic(path, "second\n"), 0);
	f = fopen(path, "r");
	CHECK(f != NULL);
	n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	CHECK_EQ_STR(buf, "second\n");
	CHECK(unlink(path) == 0);
	CHECK(rmdir(dir) == 0); /* empty: no temporary file left */
	snprintf(path, sizeof(path), "%s/no/such/dir", dir);
	CHECK_EQ_INT(fc_write_file_atomic(path, "x"), -ENOENT);
}

int main(void)
{
	test_write_atomic();
	test_run_args();
	test_join();
	test_image();
	test_names_ids_signals();
	test_exit_codes();
	test_exit_rec();
	return unit_report("usr_util");
}
