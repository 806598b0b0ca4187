// SPDX-License-Identifier: GPL-2.0
/* fcapsule: manage FlexCapsule app VMs like processes. */
#include "fc.h"

int main(int argc, char **argv)
{
	return fc_main(argc, argv);
}
