// SPDX-License-Identifier: GPL-2.0
// unit-sources: build/usr/libfc.a
// unit-cflags: -Iusr -Wno-unused-parameter
/*
 * The warm pool's files without Xen: pool.conf lines (good and refused),
 * setting, replacing and removing kinds, and the shell naming rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "pool.h"

static void test_parse(void)
{
	struct fc_pool_spec s;

	CHECK_EQ_INT(fc_pool_conf_parse_line("2 4 1 1 /img/httpd\n", &s), 0);
	CHECK_EQ_INT(s.count, 2);
	CHECK_EQ_INT(s.memory_mb, 4);
	CHECK_EQ_INT(s.vcpus, 1);
	CHECK_EQ_INT(s.net, 1);
	CHECK_EQ_STR(s.kernel, "/img/httpd");
	CHECK_EQ_INT(fc_pool_conf_parse_line("1 8 2 0 /a dir/app", &s), 0);
	CHECK_EQ_STR(s.kernel, "/a dir/app");
	CHECK_EQ_INT(s.net, 0);
	/* refused: relative image, zero memory or vcpus, net not 0/1,
	 * a count over the limit, missing fields */
	CHECK_EQ_INT(fc_pool_conf_parse_line("1 4 1 1 img", &s), -EINVAL);
	CHECK_EQ_INT(fc_pool_conf_parse_line("1 0 1 1 /img", &s), -EINVAL);
	CHECK_EQ_INT(fc_pool_conf_parse_line("1 4 0 1 /img", &s), -EINVAL);
	CHECK_EQ_INT(fc_pool_conf_parse_line("1 4 1 2 /img", &s), -EINVAL);
	CHECK_EQ_INT(fc_pool_conf_parse_line("129 4 1 1 /img", &s), -EINVAL);
	CHECK_EQ_INT(fc_pool_conf_parse_line("1 4 1", &s), -EINVAL);
	CHECK_EQ_INT(fc_pool_conf_parse_line("", &s), -EINVAL);
}

static void test_conf(void)
{
	struct fc_pool_spec a = { .kernel = "/img/httpd",
				  .memory_mb = 4,
				  .vcpus = 1,
				  .net = 1,
				  .count = 2 };
	struct fc_pool_spec b = a, got[FC_POOL_KINDS_MAX];
	char dir[] = "/tmp/fc-unit-pool-XXXXXX";

	CHECK(mkdtemp(dir) != NULL);
	setenv("FC_STATE_DIR", dir, 1);
	CHECK_EQ_INT(fc_pool_conf_read(got, FC_POOL_KINDS_MAX), 0);
	CHECK_EQ_INT(fc_pool_conf_set(&a), 0);
	b.net = 0;
	b.count = 1;
	CHECK_EQ_INT(fc_pool_conf_set(&b), 0);
	CHECK_EQ_INT(fc_pool_conf_read(got, FC_POOL_KINDS_MAX), 2);
	CHECK(fc_pool_spec_match(&got[0], &a));
	CHECK_EQ_INT(got[0].count, 2);
	CHECK(fc_pool_spec_match(&got[1], &b));
	CHECK(!fc_pool_spec_match(&got[0], &b));
	/* the same kind again replaces its count */
	a.count = 5;
	CHECK_EQ_INT(fc_pool_conf_set(&a), 0);
	CHECK_EQ_INT(fc_pool_conf_read(got, FC_POOL_KINDS_MAX), 2);
	CHECK_EQ_INT(got[0].count, 5);
	/* a count of 0 removes the kind; removing an unknown one is fine */
	a.count = 0;
	CHECK_EQ_INT(fc_pool_conf_set(&a), 0);
	CHECK_EQ_INT(fc_pool_conf_set(&a), 0);
	CHECK_EQ_INT(fc_pool_conf_read(got, FC_POOL_KINDS_MAX), 1);
	CHECK(fc_pool_spec_match(&got[0], &b));
	b.count = 0;
	CHECK_EQ_INT(fc_pool_conf_set(&b), 0);
	CHECK_EQ_INT(fc_pool_conf_read(got, FC_POOL_KINDS_MAX), 0);
	{
		char path[256];

		snprintf(path, sizeof(path), "%s/pool.conf", dir);
		unlink(path);
	}
	rmdir(dir);
}

static void test_names(void)
{
	CHECK(fc_pool_is_shell_name("fcpool-12-0"));
	CHECK(!fc_pool_is_shell_name("web"));
	CHECK(!fc_pool_is_shell_name("fcpool"));
	CHECK(!fc_pool_is_shell_name(NULL));
}

int main(void)
{
	test_parse();
	test_conf();
	test_names();
	return unit_report("usr_pool");
}
