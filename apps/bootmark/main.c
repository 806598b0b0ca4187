// SPDX-License-Identifier: GPL-2.0
/*
 * bootmark: the minimal-kernel baseline of the boot benchmark.  Boots with
 * FCOS_MINIMAL_APP (console only), which prints FC-BOOT-COMPLETE before
 * anything else; main has nothing left to do.
 */
#include <fcos/app.h>

FCOS_MINIMAL_APP

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 0;
}
