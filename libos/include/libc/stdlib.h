/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FCOS_LIBC_STDLIB_H
#define FCOS_LIBC_STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

void *malloc(size_t size);
void free(void *p);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
long long strtoll(const char *s, char **end, int base);
unsigned long long strtoull(const char *s, char **end, int base);
int atoi(const char *s);
void exit(int code) __attribute__((noreturn));
void abort(void) __attribute__((noreturn));

#endif
