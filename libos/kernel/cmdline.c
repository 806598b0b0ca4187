// SPDX-License-Identifier: GPL-2.0
/*
 * argv from start_info->cmd_line, or, for a domain shell of the OS
 * server's warm pool (built before anyone knew its arguments), from the
 * "cmdline" key Dom0 writes in the fcapsule device's backend directory
 * (Dom0's, read-only here) before the shell first runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <fcos/app.h>
#include <fcos/arch.h>
#include <fcos/exit.h>
#include <fcos/lib.h>
#include <fcos/xenbus.h>

#define MAX_ARGS     64
#define POOL_CMDLINE "fc.pool"
#define BACKEND_KEY  "device/fcapsule/0/backend"

static char cmdline[MAX_GUEST_CMDLINE];
static char *args[MAX_ARGS + 1];

static int pool_cmdline(void)
{
	char path[160], *be, *v;
	size_t n;

	if (fcos_xs_read(FCOS_XS_NO_TRANSACTION, BACKEND_KEY, &be))
		return -1;
	snprintf(path, sizeof(path), "%s/cmdline", be);
	free(be);
	if (fcos_xs_read(FCOS_XS_NO_TRANSACTION, path, &v))
		return -1;
	n = fcos_strlen(v);
	if (n >= sizeof(cmdline))
		n = sizeof(cmdline) - 1;
	fcos_memcpy(cmdline, v, n);
	cmdline[n] = '\0';
	free(v);
	return 0;
}

int fcos_cmdline_argv(char ***argv)
{
	/* Copy: start_info is Xen-written and may be reused after resume. */
	fcos_memcpy(cmdline, fcos_start_info->cmd_line, sizeof(cmdline));
	cmdline[sizeof(cmdline) - 1] = '\0';
	if (!fcos_strcmp(cmdline, POOL_CMDLINE) && pool_cmdline()) {
		printf("FC-CRASH a pool shell started without its cmdline\n");
		fcos_exit(127);
	}
	*argv = args;
	return fcos_split_args(cmdline, fcos_app_name, args, MAX_ARGS + 1);
}
