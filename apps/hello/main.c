// SPDX-License-Identifier: GPL-2.0
/* hello: prints its argv, exits with the code given as argv[1] (default 0). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	int i;

	printf("Hello from FlexCapsule OS\n");
	for (i = 0; i < argc; i++)
		printf("argv[%d] = \"%s\"\n", i, argv[i]);
	return argc > 1 ? atoi(argv[1]) : 0;
}
