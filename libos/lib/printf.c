// SPDX-License-Identifier: GPL-2.0
/*
 * printf formatting core: flags - + space # 0, width and precision
 * (numbers or *), length hh h l ll z t j, conversions d i u x X o c s p %.
 * No floating point (the libos is built without SSE).
 */
#include <fcos/lib.h>
#include <fcos/alias.h>

struct spec {
	int left, plus, space, alt, zero;
	int width, prec; /* prec < 0: none */
};

static void pad(fcos_out_fn out, void *ctx, char c, int n, int *total)
{
	char buf[16];
	int i;

	for (i = 0; i < (int)sizeof(buf); i++)
		buf[i] = c;
	while (n > 0) {
		int k = n < (int)sizeof(buf) ? n : (int)sizeof(buf);

		out(ctx, buf, (size_t)k);
		*total += k;
		n -= k;
	}
}

static void emit(fcos_out_fn out, void *ctx, const char *s, size_t n,
		 int *total)
{
	if (n) {
		out(ctx, s, n);
		*total += (int)n;
	}
}

static void put_string(fcos_out_fn out, void *ctx, const struct spec *sp,
		       const char *s, int *total)
{
	size_t len;

	if (!s)
		s = "(null)";
	len = sp->prec >= 0 ? fcos_strnlen(s, (size_t)sp->prec)
			    : fcos_strlen(s);
	if (!sp->left)
		pad(out, ctx, ' ', sp->width - (int)len, total);
	emit(out, ctx, s, len, total);
	if (sp->left)
		pad(out, ctx, ' ', sp->width - (int)len, total);
}

static void put_number(fcos_out_fn out, void *ctx, const struct spec *sp,
		       unsigned long long v, int neg, unsigned base, int upper,
		       const char *prefix, int *total)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	char sign = 0;
	int n = 0, zeros = 0, plen = prefix ? (int)fcos_strlen(prefix) : 0;
	int len;

	if (neg)
		sign = '-';
	else if (sp->plus)
		sign = '+';
	else if (sp->space)
		sign = ' ';

	/* Precision 0 with value 0 prints no digits (C99 7.19.6.1). */
	if (!(v == 0 && sp->prec == 0)) {
		do {
			tmp[n++] = digits[v % base];
			v /= base;
		} while (v);
	}
	if (sp->prec > n)
		zeros = sp->prec - n;
	/* "%#o": the leading zero is part of the digits. */
	if (plen && base == 8) {
		if (!zeros && (n == 0 || tmp[n - 1] != '0'))
			zeros = 1;
		plen = 0;
		prefix = NULL;
	}
	len = n + zeros + plen + (sign ? 1 : 0);
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > len) {
		zeros += sp->width - len;
		len = sp->width;
	}
	if (!sp->left)
		pad(out, ctx, ' ', sp->width - len, total);
	if (sign)
		emit(out, ctx, &sign, 1, total);
	if (plen)
		emit(out, ctx, prefix, (size_t)plen, total);
	pad(out, ctx, '0', zeros, total);
	while (n > 0) {
		n--;
		emit(out, ctx, &tmp[n], 1, total);
	}
	if (sp->left)
		pad(out, ctx, ' ', sp->width - len, total);
}

int fcos_vcbprintf(fcos_out_fn out, void *ctx, const char *fmt, va_list ap)
{
	int total = 0;

	while (*fmt) {
		struct spec sp = { .prec = -1 };
		const char *start = fmt;
		int lng = 0; /* -2 hh, -1 h, 0 int, 1 long, 2 long long */
		unsigned long long uv;
		long long sv;
		char c;

		while (*fmt && *fmt != '%')
			fmt++;
		emit(out, ctx, start, (size_t)(fmt - start), &total);
		if (!*fmt)
			break;
		fmt++;

		for (;; fmt++) {
			if (*fmt == '-')
				sp.left = 1;
			else if (*fmt == '+')
				sp.plus = 1;
			else if (*fmt == ' ')
				sp.space = 1;
			else if (*fmt == '#')
				sp.alt = 1;
			else if (*fmt == '0')
				sp.zero = 1;
			else
				break;
		}
		if (*fmt == '*') {
			sp.width = va_arg(ap, int);
			if (sp.width < 0) {
				sp.left = 1;
				sp.width = -sp.width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				sp.width = sp.width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			sp.prec = 0;
			if (*fmt == '*') {
				sp.prec = va_arg(ap, int);
				if (sp.prec < 0)
					sp.prec = -1;
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					sp.prec = sp.prec * 10 + (*fmt++ - '0');
			}
		}
		for (;; fmt++) {
			if (*fmt == 'h')
				lng = lng > -2 ? lng - 1 : lng;
			else if (*fmt == 'l')
				lng++;
			else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j')
				lng = 2; /* all 64-bit on x86_64 and the host */
			else
				break;
		}

		c = *fmt ? *fmt++ : '\0';
		switch (c) {
		case 'd':
		case 'i':
			if (lng >= 2)
				sv = va_arg(ap, long long);
			else if (lng == 1)
				sv = va_arg(ap, long);
			else
				sv = va_arg(ap, int);
			if (lng == -1)
				sv = (short)sv;
			else if (lng == -2)
				sv = (signed char)sv;
			uv = sv < 0 ? 0ULL - (unsigned long long)sv
				    : (unsigned long long)sv;
			put_number(out, ctx, &sp, uv, sv < 0, 10, 0, NULL,
				   &total);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			if (lng >= 2)
				uv = va_arg(ap, unsigned long long);
			else if (lng == 1)
				uv = va_arg(ap, unsigned long);
			else
				uv = va_arg(ap, unsigned int);
			if (lng == -1)
				uv = (unsigned short)uv;
			else if (lng == -2)
				uv = (unsigned char)uv;
			sp.plus = sp.space = 0;
			put_number(out, ctx, &sp, uv, 0,
				   c == 'u'   ? 10
				   : c == 'o' ? 8
					      : 16,
				   c == 'X',
				   sp.alt && uv ? (c == 'X'   ? "0X"
						   : c == 'o' ? "0"
							      : "0x")
						: NULL,
				   &total);
			break;
		case 'p':
			uv = (unsigned long)va_arg(ap, void *);
			sp.plus = sp.space = 0;
			put_number(out, ctx, &sp, uv, 0, 16, 0, "0x", &total);
			break;
		case 'c': {
			char ch = (char)va_arg(ap, int);

			if (!sp.left)
				pad(out, ctx, ' ', sp.width - 1, &total);
			emit(out, ctx, &ch, 1, &total);
			if (sp.left)
				pad(out, ctx, ' ', sp.width - 1, &total);
			break;
		}
		case 's':
			put_string(out, ctx, &sp, va_arg(ap, const char *),
				   &total);
			break;
		case '%':
			emit(out, ctx, "%", 1, &total);
			break;
		case '\0':
			break;
		default:
			/* Unknown conversion: print it as written. */
			emit(out, ctx, "%", 1, &total);
			emit(out, ctx, &c, 1, &total);
			break;
		}
	}
	return total;
}

struct snbuf {
	char *buf;
	size_t size, len;
};

static void snbuf_out(void *ctx, const char *s, size_t n)
{
	struct snbuf *b = ctx;

	while (n--) {
		if (b->size && b->len < b->size - 1)
			b->buf[b->len] = *s;
		b->len++;
		s++;
	}
}

int fcos_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct snbuf b = { buf, size, 0 };
	int n = fcos_vcbprintf(snbuf_out, &b, fmt, ap);

	if (size)
		buf[b.len < size ? b.len : size - 1] = '\0';
	return n;
}

int fcos_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fcos_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

FCOS_ALIAS(vsnprintf, fcos_vsnprintf);
FCOS_ALIAS(snprintf, fcos_snprintf);
