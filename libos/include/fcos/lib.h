/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pure parts of the libos C library under fcos_ names, so that they
 * also compile and link on the host next to glibc for unit tests (build
 * with -DFCOS_HOSTED).  In the guest, lib/libc.c and the aliases at the
 * end of each file provide the standard names.
 */
#ifndef FCOS_LIB_H
#define FCOS_LIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *fcos_memcpy(void *dst, const void *src, size_t n);
void *fcos_memmove(void *dst, const void *src, size_t n);
void *fcos_memset(void *dst, int c, size_t n);
int fcos_memcmp(const void *a, const void *b, size_t n);
void *fcos_memchr(const void *s, int c, size_t n);
size_t fcos_strlen(const char *s);
size_t fcos_strnlen(const char *s, size_t max);
int fcos_strcmp(const char *a, const char *b);
int fcos_strncmp(const char *a, const char *b, size_t n);
char *fcos_strcpy(char *dst, const char *src);
char *fcos_strncpy(char *dst, const char *src, size_t n);
size_t fcos_strlcpy(char *dst, const char *src, size_t size);
char *fcos_strcat(char *dst, const char *src);
char *fcos_strchr(const char *s, int c);
char *fcos_strrchr(const char *s, int c);
char *fcos_strstr(const char *hay, const char *needle);

long fcos_strtol(const char *s, char **end, int base);
unsigned long fcos_strtoul(const char *s, char **end, int base);
long long fcos_strtoll(const char *s, char **end, int base);
unsigned long long fcos_strtoull(const char *s, char **end, int base);
int fcos_atoi(const char *s);

/* printf core: emits output in pieces through @out; returns total length. */
typedef void (*fcos_out_fn)(void *ctx, const char *s, size_t n);
int fcos_vcbprintf(fcos_out_fn out, void *ctx, const char *fmt, va_list ap);
int fcos_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fcos_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Heap (lib/malloc.c) over memory from fcos_heap_morecore(). */
void *fcos_malloc(size_t size);
void fcos_free(void *p);
void *fcos_calloc(size_t n, size_t size);
void *fcos_realloc(void *p, size_t size);
char *fcos_strdup(const char *s);
/* Provided by the page allocator (guest) or the test: a fresh, 16-byte
 * aligned chunk of at least @size bytes, or NULL. */
void *fcos_heap_morecore(size_t size);
struct fcos_heap_stats {
	size_t arena_bytes, used_bytes, free_bytes, free_chunks;
};
void fcos_heap_stats(struct fcos_heap_stats *st);

/*
 * Split @buf in place on spaces/tabs into at most @max - 1 words, after
 * an optional @argv0; argv[argc] = NULL.  Double quotes group words.
 * Returns argc.
 */
int fcos_split_args(char *buf, const char *argv0, char **argv, int max);

#endif
