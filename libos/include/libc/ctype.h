/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FCOS_LIBC_CTYPE_H
#define FCOS_LIBC_CTYPE_H

static inline int isdigit(int c)
{
	return c >= '0' && c <= '9';
}

static inline int isspace(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static inline int isalpha(int c)
{
	return (c | 32) >= 'a' && (c | 32) <= 'z';
}

static inline int isalnum(int c)
{
	return isalpha(c) || isdigit(c);
}

#endif
