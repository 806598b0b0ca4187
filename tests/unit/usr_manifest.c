// SPDX-License-Identifier: GPL-2.0
// unit-sources: build/usr/libfc.a
// unit-cflags: -Iusr -Wno-unused-parameter
/*
 * App manifests (run -f FILE, usr/manifest.c, read by libxlutil): every
 * key, the flags winning over the manifest, paths relative to the
 * manifest, and every bad manifest refused with its reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "cmd.h"

/* libxlutil's parser leaks on a syntax error: not ours to find here. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libxlutil.so\n";
}

static char dir[] = "/tmp/fc-manifest-XXXXXX";

static const char *manifest(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

/* run ARGV... then the manifest: 0 or the exit code, err the reason */
static int run(struct fc_run_opts *o, char *err, char **argv)
{
	int argc = 0, ret;

	while (argv[argc])
		argc++;
	ret = fc_parse_run_args(argc, argv, o, err, FC_ERR_MAX);
	if (!ret)
		ret = fc_run_manifest(o, err);
	return ret;
}

static void test_keys(void)
{
	struct fc_run_opts o;
	char err[FC_ERR_MAX], path[256];
	char *a[] = { "run", "-f", path, NULL };

	snprintf(path, sizeof(path), "%s",
		 manifest("web.cfg", "# the web app\n"
				     "image = \"httpd\"\n"
				     "name = \"web\"\n"
				     "memory = 8\n"
				     "vcpus = 2\n"
				     "cap = 150\n"
				     "network = \"off\"\n"
				     "args = [ \"--workers\", \"2\", "
				     "\"hello world\" ]\n"));
	CHECK_EQ_INT(run(&o, err, a), 0);
	CHECK_EQ_STR(o.image, "httpd");
	CHECK_EQ_STR(o.name, "web");
	CHECK_EQ_INT(o.memory_mb, 8);
	CHECK_EQ_INT(o.vcpus, 2);
	CHECK_EQ_INT(o.cap, 150);
	CHECK_EQ_INT(o.net, 0);
	CHECK_EQ_INT(o.nargs, 3);
	CHECK_EQ_STR(o.args[0], "--workers");
	CHECK_EQ_STR(o.args[2], "hello world");
	fc_run_opts_free(&o);
}

static void test_flags_win(void)
{
	struct fc_run_opts o;
	char err[FC_ERR_MAX], path[256];
	char *a[] = { "run",   "--name", "other", "--memory", "16",
		      "--cap", "0",	 "-f",	  path,	      "sleeper",
		      "--",    "x",	 NULL };
	char *b[] = { "run", "-f", path, "--", NULL };
	char *c[] = { "run", "--file", path, "--no-net", NULL };

	snprintf(path, sizeof(path), "%s",
		 manifest("flags.cfg", "image = \"httpd\"\nname = \"web\"\n"
				       "memory = 8\ncap = 50\n"
				       "network = 1\nargs = [ \"a\" ]\n"));
	CHECK_EQ_INT(run(&o, err, a), 0);
	CHECK_EQ_STR(o.image, "sleeper");
	CHECK_EQ_STR(o.name, "other");
	CHECK_EQ_INT(o.memory_mb, 16);
	CHECK_EQ_INT(o.cap, 0);
	CHECK_EQ_INT(o.net, 1);
	CHECK_EQ_INT(o.nargs, 1);
	CHECK_EQ_STR(o.args[0], "x");
	fc_run_opts_free(&o);
	/* an explicit "--" with nothing after it: no arguments */
	CHECK_EQ_INT(run(&o, err, b), 0);
	CHECK_EQ_INT(o.nargs, 0);
	CHECK_EQ_STR(o.image, "httpd");
	fc_run_opts_free(&o);
	CHECK_EQ_INT(run(&o, err, c), 0);
	CHECK_EQ_INT(o.net, 0);
	CHECK_EQ_INT(o.memory_mb, 8);
	fc_run_opts_free(&o);
}

static void test_ports(void)
{
	struct fc_run_opts o;
	char err[FC_ERR_MAX], path[256];
	char *a[] = { "run", "-f", path, NULL };
	char *b[] = { "run", "-f", path, "-p", "9000", NULL };

	snprintf(path, sizeof(path), "%s",
		 manifest("ports.cfg", "image = \"httpd\"\n"
				       "ports = [ \"8080\", \"80:8081\" ]\n"));
	CHECK_EQ_INT(run(&o, err, a), 0);
	CHECK_EQ_INT(o.nports, 2);
	CHECK_EQ_INT(o.ports[0].port, 8080);
	CHECK_EQ_INT(o.ports[0].aport, 8080);
	CHECK_EQ_INT(o.ports[1].port, 80);
	CHECK_EQ_INT(o.ports[1].aport, 8081);
	fc_run_opts_free(&o);
	/* -p wins: the manifest's ports are not added to it */
	CHECK_EQ_INT(run(&o, err, b), 0);
	CHECK_EQ_INT(o.nports, 1);
	CHECK_EQ_INT(o.ports[0].port, 9000);
	fc_run_opts_free(&o);
}

static void test_paths(void)
{
	struct fc_run_opts o;
	char err[FC_ERR_MAX], path[256], want[300];
	char *a[] = { "run", "-f", path, NULL };

	snprintf(path, sizeof(path), "%s",
		 manifest("rel.cfg", "image = \"imgs/k\"\n"
				     "ramdisk = \"/abs/initrd\"\n"
				     "extra = \"console=hvc0\"\n"));
	CHECK_EQ_INT(run(&o, err, a), 0);
	snprintf(want, sizeof(want), "%s/imgs/k", dir);
	CHECK_EQ_STR(o.image, want);
	CHECK_EQ_STR(o.ramdisk, "/abs/initrd");
	CHECK_EQ_STR(o.extra, "console=hvc0");
	CHECK_EQ_INT(o.memory_mb,
		     4); /* defaults where the manifest is silent */
	CHECK_EQ_INT(o.net, 1);
	fc_run_opts_free(&o);
}

/* The manifest @text is refused with exit 2 and @why in the reason. */
static void refused(const char *text, const char *why)
{
	struct fc_run_opts o;
	char err[FC_ERR_MAX], path[256];
	char *a[] = { "run", "-f", path, NULL };

	snprintf(path, sizeof(path), "%s", manifest("bad.cfg", text));
	err[0] = '\0';
	CHECK_EQ_INT(run(&o, err, a), FC_EXIT_USAGE);
	if (!strstr(err, why))
		printf("# %s: reason was: %s\n", text, err);
	CHECK(strstr(err, why) != NULL);
}

static void test_refusals(void)
{
	struct fc_run_opts o;
	char err[FC_ERR_MAX];
	char *missing[] = { "run", "-f", "/nonexistent/x.cfg", NULL };
	char *nofile[] = { "run", "-f", NULL };

	refused("image = \"a\"\nmemory = \"lots\"\n", "memory: not a number");
	refused("image = \"a\"\nmemory = 0\n", "memory: not a number");
	refused("image = \"a\"\nvcpus = 999\n", "vcpus: not a number");
	refused("image = \"a\"\ncap = -5\n", "bad.cfg:2:");
	refused("image = \"a\"\ncap = 12801\n", "cap: not a number");
	refused("image = \"a\"\ncap = 150\n", "over 100% per vcpu");
	refused("image = \"a\"\nname = \"42\"\n", "name: bad name '42'");
	refused("image = \"a\"\nname = [ \"x\" ]\n", "name: not a string");
	refused("image = [ \"k\" ]\n", "image: not a string");
	refused("name = \"web\"\n", "no image");
	refused("image = \"a\"\nnetwork = \"maybe\"\n", "network:");
	refused("image = \"a\"\nargs = \"x\"\n", "args: not a list");
	refused("image = \"a\"\nargs = [ \"\" ]\n", "args: item 1 is empty");
	refused("image = \"a\"\nargs = [ \"a\", \"b\\\"c\" ]\n",
		"args: item 2");
	refused("image = \"a\"\nports = \"80\"\n", "ports: not a list");
	refused("image = \"a\"\nports = [ \"80\", \"x\" ]\n",
		"ports: bad port 'x'");
	refused("image = \"a\"\nports = [ \"80\", \"80:81\" ]\n",
		"ports: public port 80 given twice");
	refused("image = \"a\"\nnetwork = \"off\"\nports = [ \"80\" ]\n",
		"ports need a network");
	refused("image = \n", "bad.cfg");
	refused("image = \"a\" name = \"b\"\n", "syntax error");
	CHECK_EQ_INT(run(&o, err, missing), FC_EXIT_USAGE);
	CHECK(strstr(err, "cannot read manifest /nonexistent/x.cfg") != NULL);
	CHECK_EQ_INT(run(&o, err, nofile), FC_EXIT_USAGE);
	CHECK(strstr(err, "'-f' needs a value") != NULL);
}

/* The example manifests that are shipped (examples/) are all valid. */
static void test_examples(void)
{
	static char *names[] = { "examples/web.cfg", "examples/hello.cfg",
				 "examples/echod.cfg", "examples/sleeper.cfg" };
	struct fc_run_opts o;
	char err[FC_ERR_MAX];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *a[] = { "run", "-f", names[i], NULL };

		CHECK_EQ_INT(run(&o, err, a), 0);
		CHECK(o.image && o.name);
		fc_run_opts_free(&o);
	}
	{
		char *a[] = { "run", "-f", "examples/hello.cfg", NULL };

		CHECK_EQ_INT(run(&o, err, a), 0);
		CHECK_EQ_STR(o.args[1], "hello, world");
		CHECK_EQ_INT(o.net, 0);
		fc_run_opts_free(&o);
	}
}

int main(void)
{
	char cmd[64];

	if (!mkdtemp(dir))
		return 1;
	test_keys();
	test_flags_win();
	test_paths();
	test_ports();
	test_refusals();
	test_examples();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		printf("# could not remove %s\n", dir);
	return unit_report("usr_manifest");
}
