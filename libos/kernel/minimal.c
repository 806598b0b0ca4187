// SPDX-License-Identifier: GPL-2.0
/* Minimal boot (FCOS_MINIMAL_APP): console, marker, main, exit. */
#include <fcos/app.h>
#include <fcos/console.h>
#include <fcos/exit.h>

void fcos_minimal_start(struct start_info *si)
{
	char **argv;
	int argc;

	(void)si;
	fcos_console_init();
	fcos_console_write(FCOS_BOOT_MARKER, sizeof(FCOS_BOOT_MARKER) - 1);
	argc = fcos_cmdline_argv(&argv);
	fcos_exit(main(argc, argv));
}
