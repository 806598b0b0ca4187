// SPDX-License-Identifier: GPL-2.0
// unit-sources: libos/lib/string.c libos/lib/stdlib.c
// unit-cflags: -DFCOS_HOSTED -Ilibos/include
/* libos string and number functions (libos/lib/string.c, stdlib.c). */
#include <string.h>
#include "unit.h"
#include <fcos/lib.h>

int main(void)
{
	char b[32];
	char *end;

	CHECK_EQ_INT(fcos_strlen(""), 0);
	CHECK_EQ_INT(fcos_strlen("abc"), 3);
	CHECK_EQ_INT(fcos_strnlen("abcdef", 3), 3);
	CHECK(fcos_strcmp("abc", "abd") < 0);
	CHECK(fcos_strcmp("abd", "abc") > 0);
	CHECK_EQ_INT(fcos_strcmp("abc", "abc"), 0);
	CHECK(fcos_strcmp("ab", "abc") < 0);
	CHECK_EQ_INT(fcos_strncmp("abcx", "abcy", 3), 0);
	CHECK(fcos_strcmp("\xff", "a") > 0); /* unsigned compare */
	CHECK_EQ_STR(fcos_strcpy(b, "hi"), "hi");
	CHECK_EQ_STR(fcos_strcat(b, " there"), "hi there");
	CHECK_EQ_INT(fcos_strlcpy(b, "truncate me", 5), 11);
	CHECK_EQ_STR(b, "trun");
	fcos_strncpy(b, "ab", 5);
	CHECK(b[2] == 0 && b[4] == 0);
	CHECK_EQ_STR(fcos_strchr("hello", 'l'), "llo");
	CHECK_EQ_STR(fcos_strrchr("hello", 'l'), "lo");
	CHECK(fcos_strchr("hello", 'z') == NULL);
	CHECK(fcos_strchr("hello", '\0') != NULL);
	CHECK_EQ_STR(fcos_strstr("the needle here", "needle"), "needle here");
	CHECK(fcos_strstr("abc", "abd") == NULL);

	fcos_memset(b, 'x', 8);
	b[8] = 0;
	CHECK_EQ_STR(b, "xxxxxxxx");
	fcos_memcpy(b, "12345678", 9);
	fcos_memmove(b + 2, b, 4); /* overlap, forward */
	CHECK_EQ_STR(b, "12123478");
	fcos_memmove(b, b + 2, 4); /* overlap, backward */
	CHECK_EQ_STR(b, "12343478");
	CHECK(fcos_memcmp("abc", "abd", 3) < 0);
	CHECK_EQ_INT(fcos_memcmp("abc", "abd", 2), 0);
	CHECK(fcos_memchr("abc", 'c', 3) != NULL);
	CHECK(fcos_memchr("abc", 'c', 2) == NULL);

	CHECK_EQ_INT(fcos_atoi("123"), 123);
	CHECK_EQ_INT(fcos_atoi("  -45x"), -45);
	CHECK_EQ_INT(fcos_atoi("abc"), 0);
	CHECK_EQ_INT(fcos_strtol("0x1f", NULL, 0), 31);
	CHECK_EQ_INT(fcos_strtol("017", NULL, 0), 15);
	CHECK_EQ_INT(fcos_strtol("ff", NULL, 16), 255);
	CHECK_EQ_INT(fcos_strtol("+7", &end, 10), 7);
	CHECK(*end == '\0');
	CHECK_EQ_INT(fcos_strtol("12ab", &end, 10), 12);
	CHECK_EQ_STR(end, "ab");
	fcos_strtol("xyz", &end, 10);
	CHECK_EQ_STR(end, "xyz");
	CHECK(fcos_strtoll("99999999999999999999", NULL, 10) ==
	      9223372036854775807LL);
	CHECK(fcos_strtoull("18446744073709551615", NULL, 10) ==
	      18446744073709551615ULL);
	return unit_report("libos_string");
}
