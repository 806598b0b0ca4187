// SPDX-License-Identifier: GPL-2.0
// unit-sources: build/usr/libfc.a
// unit-cflags: -Iusr
/* fcapsule ipc: app VM ends (domid or name) and the rule it sends. */
#include <errno.h>
#include <string.h>
#include <fcapsule/ioctl.h>
#include "unit.h"
#include "fc.h"

int main(void)
{
	struct fc_ioc_ipc_rule r;
	char name[FC_IOC_NAME_MAX], s[40];
	uint32_t d;

	CHECK_EQ_INT(fc_ipc_parse_end("12", &d, name), 0);
	CHECK_EQ_INT(d, 12);
	CHECK_EQ_INT(fc_ipc_parse_end("web-1", &d, name), 1);
	CHECK_EQ_STR(name, "web-1");
	CHECK_EQ_INT(d, 0);
	CHECK_EQ_INT(fc_ipc_parse_end("0", &d, name), -EINVAL);
	CHECK_EQ_INT(fc_ipc_parse_end("32752", &d, name), -EINVAL);
	CHECK_EQ_INT(fc_ipc_parse_end("", &d, name), -EINVAL);
	CHECK_EQ_INT(fc_ipc_parse_end("0123456789012345678901234567890123", &d,
				      name),
		     -EINVAL);
	CHECK_EQ_INT(fc_ipc_parse_end("1a", &d, name), 1);

	CHECK_EQ_INT(fc_ipc_make_rule("a", "7", 0, &r), 0);
	CHECK_EQ_INT(r.size, sizeof(r));
	CHECK_EQ_INT(r.flags, FC_IPC_RULE_A_NAME);
	CHECK_EQ_INT(r.b_domid, 7);
	CHECK_EQ_INT(r.a_domid, 0);
	CHECK_EQ_INT(r.reserved, 0);
	CHECK_EQ_INT(r.verdict, 0);
	fc_ipc_end_str(&r, 0, s, sizeof(s));
	CHECK_EQ_STR(s, "a");
	fc_ipc_end_str(&r, 1, s, sizeof(s));
	CHECK_EQ_STR(s, "7");
	CHECK_EQ_INT(fc_ipc_make_rule("3", "b", 1, &r), 0);
	CHECK_EQ_INT(r.flags, FC_IPC_RULE_B_NAME | FC_IPC_RULE_DELETE);
	CHECK_EQ_INT(fc_ipc_make_rule("3", "0", 0, &r), -EINVAL);

	/* a migrated app VM's rule lines: refused before the device is
	 * opened unless "allow|deny NAME NAME" */
	CHECK_EQ_INT(fc_ipc_rule_apply(""), -EINVAL);
	CHECK_EQ_INT(fc_ipc_rule_apply("allow web"), -EINVAL);
	CHECK_EQ_INT(fc_ipc_rule_apply("permit web db"), -EINVAL);
	CHECK_EQ_INT(fc_ipc_rule_apply("allow web 12"), -EINVAL);
	CHECK_EQ_INT(fc_ipc_rule_apply("deny 7 web"), -EINVAL);

	printf("usr_ipc: %d passed, %d failed\n", unit_passed, unit_failed);
	return unit_failed != 0;
}
