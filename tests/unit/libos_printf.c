// SPDX-License-Identifier: GPL-2.0
// unit-sources: libos/lib/printf.c libos/lib/string.c
// unit-cflags: -DFCOS_HOSTED -Ilibos/include
/* libos printf formatting (libos/lib/printf.c, string.c) on the host. */
#include <string.h>
#include "unit.h"
#include <fcos/lib.h>

static char buf[256];
static const char *volatile null_str; /* hides NULL from -Wformat */

#define FMT(expect, ...)                                               \
	do {                                                           \
		int n_ = fcos_snprintf(buf, sizeof(buf), __VA_ARGS__); \
		CHECK_EQ_STR(buf, expect);                             \
		CHECK_EQ_INT(n_, (long long)strlen(expect));           \
	} while (0)

int main(void)
{
	FMT("42", "%d", 42);
	FMT("-42", "%d", -42);
	FMT("-2147483648", "%d", (int)-2147483647 - 1);
	FMT("4294967295", "%u", 4294967295u);
	FMT("ff", "%x", 255);
	FMT("FF", "%X", 255);
	FMT("0xff", "%#x", 255);
	FMT("deadbeefcafe", "%lx", 0xdeadbeefcafeUL);
	FMT("18446744073709551615", "%llu", 18446744073709551615ULL);
	FMT("-9223372036854775808", "%lld",
	    (long long)(-9223372036854775807LL - 1));
	FMT("12345", "%zu", (size_t)12345);
	FMT("hello", "%s", "hello");
	FMT("(null)", "%s", null_str);
	FMT("x", "%c", 'x');
	FMT("%", "%%");
	FMT("0x1234", "%p", (void *)0x1234);
	FMT("   42", "%5d", 42);
	FMT("42   |", "%-5d|", 42);
	FMT("00042", "%05d", 42);
	FMT("-0042", "%05d", -42);
	FMT("+42", "%+d", 42);
	FMT(" 42", "% d", 42);
	FMT("  042", "%5.3d", 42);
	FMT("", "%.0d", 0);
	FMT("he", "%.2s", "hello");
	FMT("   he", "%5.2s", "hello");
	FMT("  abc", "%*s", 5, "abc");
	FMT("abc  |", "%-*s|", 5, "abc");
	FMT("0x000000ff", "%#010x", 255);
	FMT("017", "%#o", 15);
	FMT("-1", "%hhd", 255);
	FMT("65535", "%hu", 65535);
	FMT("a1b2", "a%db%d", 1, 2);

	/* truncation: returns the full length, always NUL-terminated */
	CHECK_EQ_INT(fcos_snprintf(buf, 4, "%s", "abcdef"), 6);
	CHECK_EQ_STR(buf, "abc");
	CHECK_EQ_INT(fcos_snprintf(NULL, 0, "%d", 12345), 5);
	return unit_report("libos_printf");
}
