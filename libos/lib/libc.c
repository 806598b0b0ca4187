// SPDX-License-Identifier: GPL-2.0
/* libc glue that needs the kernel: stdio on the console, exit, errno. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcos/console.h>
#include <fcos/exit.h>
#include <fcos/lib.h>

int errno;

/* Output goes to the console in chunks of up to 128 bytes per notify. */
struct obuf {
	char buf[128];
	size_t len;
};

static void obuf_out(void *ctx, const char *s, size_t n)
{
	struct obuf *b = ctx;

	while (n) {
		size_t k = sizeof(b->buf) - b->len;

		if (k > n)
			k = n;
		fcos_memcpy(b->buf + b->len, s, k);
		b->len += k;
		s += k;
		n -= k;
		if (b->len == sizeof(b->buf)) {
			fcos_console_write(b->buf, b->len);
			b->len = 0;
		}
	}
}

int vprintf(const char *fmt, va_list ap)
{
	struct obuf b;
	int n;

	b.len = 0;
	n = fcos_vcbprintf(obuf_out, &b, fmt, ap);
	if (b.len)
		fcos_console_write(b.buf, b.len);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s)
{
	size_t n = fcos_strlen(s);

	fcos_console_write(s, n);
	fcos_console_write("\n", 1);
	return (int)n + 1;
}

int putchar(int c)
{
	char ch = (char)c;

	fcos_console_write(&ch, 1);
	return (unsigned char)c;
}

void exit(int code)
{
	fcos_exit(code);
}

void abort(void)
{
	printf("FC-CRASH abort()\n");
	fcos_exit(134);
}
