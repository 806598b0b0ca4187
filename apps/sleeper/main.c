// SPDX-License-Identifier: GPL-2.0
/* sleeper: announces itself, then blocks forever in 1 s sleeps. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	printf("FC-SLEEPER-READY\n");
	for (;;)
		sleep(1);
	return 0;
}
