// SPDX-License-Identifier: GPL-2.0
/* string.h functions; standard names are aliases (see the end). */
#include <fcos/lib.h>
#include <fcos/alias.h>

void *fcos_memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *fcos_memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || !n)
		return dst;
	if (d < s || d >= s + n) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

void *fcos_memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int fcos_memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

void *fcos_memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

size_t fcos_strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

size_t fcos_strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int fcos_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int fcos_strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			break;
	}
	return 0;
}

char *fcos_strcpy(char *dst, const char *src)
{
	char *d = dst;

	while ((*d++ = *src++))
		;
	return dst;
}

char *fcos_strncpy(char *dst, const char *src, size_t n)
{
	size_t i = 0;

	for (; i < n && src[i]; i++)
		dst[i] = src[i];
	for (; i < n; i++)
		dst[i] = '\0';
	return dst;
}

size_t fcos_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = fcos_strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		fcos_memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

char *fcos_strcat(char *dst, const char *src)
{
	fcos_strcpy(dst + fcos_strlen(dst), src);
	return dst;
}

char *fcos_strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *fcos_strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

char *fcos_strstr(const char *hay, const char *needle)
{
	size_t n = fcos_strlen(needle);

	for (; *hay; hay++)
		if (!fcos_strncmp(hay, needle, n))
			return (char *)hay;
	return n ? NULL : (char *)hay;
}

FCOS_ALIAS(memcpy, fcos_memcpy);
FCOS_ALIAS(memmove, fcos_memmove);
FCOS_ALIAS(memset, fcos_memset);
FCOS_ALIAS(memcmp, fcos_memcmp);
FCOS_ALIAS(memchr, fcos_memchr);
FCOS_ALIAS(strlen, fcos_strlen);
FCOS_ALIAS(strnlen, fcos_strnlen);
FCOS_ALIAS(strcmp, fcos_strcmp);
FCOS_ALIAS(strncmp, fcos_strncmp);
FCOS_ALIAS(strcpy, fcos_strcpy);
FCOS_ALIAS(strncpy, fcos_strncpy);
FCOS_ALIAS(strlcpy, fcos_strlcpy);
FCOS_ALIAS(strcat, fcos_strcat);
FCOS_ALIAS(strchr, fcos_strchr);
FCOS_ALIAS(strrchr, fcos_strrchr);
FCOS_ALIAS(strstr, fcos_strstr);
