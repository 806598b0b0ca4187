// SPDX-License-Identifier: GPL-2.0
// unit-sources: build/usr/libfc.a
// unit-cflags: -Iusr -Wno-unused-parameter
/*
 * The command table: every command is found by name, has usage and help,
 * and unknown commands or bad arguments give the usage exit code.
 */
#include <string.h>

#include "unit.h"
#include "fc.h"

int main(void)
{
	const struct fc_cmd *cmd;
	char *help_unknown[] = { "help", "no-such-command", NULL };
	char *tool_unknown[] = { "fcapsule", "frobnicate", NULL };
	char *tool_none[] = { "fcapsule", NULL };
	char *version_extra[] = { "version", "extra", NULL };

	for (cmd = fc_cmds; cmd->name; cmd++) {
		CHECK(cmd->fn != NULL);
		CHECK(cmd->usage != NULL);
		CHECK(cmd->help && cmd->help[0] != '\0');
		CHECK(fc_cmd_find(cmd->name) == cmd);
	}
	CHECK(fc_cmd_find("help") != NULL);
	CHECK(fc_cmd_find("nope") == NULL);
	CHECK_EQ_INT(main_help(2, help_unknown), FC_EXIT_USAGE);
	CHECK_EQ_INT(fc_main(2, tool_unknown), FC_EXIT_USAGE);
	CHECK_EQ_INT(fc_main(1, tool_none), FC_EXIT_USAGE);
	CHECK_EQ_INT(main_version(2, version_extra), FC_EXIT_USAGE);
	return unit_report("usr_cmdtable");
}
