// SPDX-License-Identifier: GPL-2.0
/* Number parsing (strtol family). */
#include <fcos/lib.h>
#include <fcos/alias.h>

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/* Parses magnitude and sign; saturates at @limit (for the magnitude). */
static unsigned long long parse(const char *s, char **end, int base, int *neg,
				unsigned long long limit)
{
	const char *p = s;
	unsigned long long v = 0;
	int overflow = 0, any = 0;

	*neg = 0;
	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	if (*p == '+' || *p == '-')
		*neg = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' &&
	    (p[1] == 'x' || p[1] == 'X') && digit_value(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	for (; digit_value(*p) < base; p++) {
		unsigned d = (unsigned)digit_value(*p);

		any = 1;
		if (v > (limit - d) / (unsigned)base)
			overflow = 1;
		else
			v = v * (unsigned)base + d;
	}
	if (end)
		*end = (char *)(any ? p : s);
	return overflow ? limit : v;
}

long long fcos_strtoll(const char *s, char **end, int base)
{
	int neg;
	unsigned long long v =
		parse(s, end, base, &neg, (unsigned long long)INT64_MAX + 1);

	if (!neg && v > INT64_MAX)
		return INT64_MAX;
	return neg ? (long long)(0ULL - v) : (long long)v;
}

unsigned long long fcos_strtoull(const char *s, char **end, int base)
{
	int neg;
	unsigned long long v = parse(s, end, base, &neg, UINT64_MAX);

	return neg ? 0ULL - v : v;
}

long fcos_strtol(const char *s, char **end, int base)
{
	return (long)fcos_strtoll(s, end, base);
}

unsigned long fcos_strtoul(const char *s, char **end, int base)
{
	return (unsigned long)fcos_strtoull(s, end, base);
}

int fcos_atoi(const char *s)
{
	return (int)fcos_strtol(s, NULL, 10);
}

FCOS_ALIAS(strtol, fcos_strtol);
FCOS_ALIAS(strtoul, fcos_strtoul);
FCOS_ALIAS(strtoll, fcos_strtoll);
FCOS_ALIAS(strtoull, fcos_strtoull);
FCOS_ALIAS(atoi, fcos_atoi);
