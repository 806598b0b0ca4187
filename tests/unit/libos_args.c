// SPDX-License-Identifier: GPL-2.0
// unit-sources: libos/lib/args.c
// unit-cflags: -DFCOS_HOSTED -Ilibos/include
/* Command line splitting (libos/lib/args.c). */
#include <string.h>
#include "unit.h"
#include <fcos/lib.h>

int main(void)
{
	char *argv[8];
	char b1[] = "3 foo  bar\tbaz ";
	char b2[] = "";
	char b3[] = "a \"b c\" d";
	char b4[] = "1 2 3 4 5 6 7 8 9";
	int argc;

	argc = fcos_split_args(b1, "hello", argv, 8);
	CHECK_EQ_INT(argc, 5);
	CHECK_EQ_STR(argv[0], "hello");
	CHECK_EQ_STR(argv[1], "3");
	CHECK_EQ_STR(argv[2], "foo");
	CHECK_EQ_STR(argv[3], "bar");
	CHECK_EQ_STR(argv[4], "baz");
	CHECK(argv[5] == NULL);

	argc = fcos_split_args(b2, "app", argv, 8);
	CHECK_EQ_INT(argc, 1);
	CHECK(argv[1] == NULL);

	argc = fcos_split_args(b3, NULL, argv, 8);
	CHECK_EQ_INT(argc, 3);
	CHECK_EQ_STR(argv[1], "b c");
	CHECK_EQ_STR(argv[2], "d");

	argc = fcos_split_args(b4, "x", argv, 8); /* room for 7 + NULL */
	CHECK_EQ_INT(argc, 7);
	CHECK_EQ_STR(argv[6], "6");
	CHECK(argv[7] == NULL);
	return unit_report("libos_args");
}
