// SPDX-License-Identifier: GPL-2.0
/* argv from start_info->cmd_line. */
#include <fcos/app.h>
#include <fcos/arch.h>
#include <fcos/lib.h>

#define MAX_ARGS 64

static char cmdline[MAX_GUEST_CMDLINE];
static char *args[MAX_ARGS + 1];

int fcos_cmdline_argv(char ***argv)
{
	/* Copy: start_info is Xen-written and may be reused after resume. */
	fcos_memcpy(cmdline, fcos_start_info->cmd_line, sizeof(cmdline));
	cmdline[sizeof(cmdline) - 1] = '\0';
	*argv = args;
	return fcos_split_args(cmdline, fcos_app_name, args, MAX_ARGS + 1);
}
