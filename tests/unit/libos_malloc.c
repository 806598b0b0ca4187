// SPDX-License-Identifier: GPL-2.0
// unit-sources: libos/lib/malloc.c libos/lib/string.c
// unit-cflags: -DFCOS_HOSTED -Ilibos/include
/* libos heap (libos/lib/malloc.c) over a fixed host arena. */
#include <stdint.h>
#include <string.h>
#include "unit.h"
#include <fcos/lib.h>

static _Alignas(16) char arena[1 << 20];
static size_t arena_used;

void *fcos_heap_morecore(size_t size)
{
	void *p;

	size = (size + 4095) & ~(size_t)4095;
	if (arena_used + size > sizeof(arena))
		return NULL;
	p = arena + arena_used;
	arena_used += size;
	return p;
}

int main(void)
{
	struct fcos_heap_stats st;
	char *p[64];
	char *a, *b, *c;
	int i, ok = 1;

	a = fcos_malloc(10);
	b = fcos_malloc(100);
	c = fcos_malloc(1000);
	CHECK(a && b && c);
	CHECK(((uintptr_t)a & 15) == 0 && ((uintptr_t)b & 15) == 0);
	CHECK(b >= a + 10 || a >= b + 100);
	memset(a, 1, 10);
	memset(b, 2, 100);
	memset(c, 3, 1000);
	CHECK(a[9] == 1 && b[0] == 2 && b[99] == 2 && c[0] == 3);
	fcos_free(b);
	fcos_free(a);
	fcos_free(c);
	fcos_heap_stats(&st);
	CHECK_EQ_INT(st.used_bytes, 0);
	CHECK_EQ_INT(st.free_chunks, 1); /* all merged back */

	for (i = 0; i < 64; i++) {
		p[i] = fcos_malloc((size_t)(i * 37 + 1));
		if (!p[i])
			ok = 0;
		else
			memset(p[i], i, (size_t)(i * 37 + 1));
	}
	CHECK(ok);
	for (i = 0; i < 64; i++)
		if (p[i][i * 37] != (char)i)
			ok = 0;
	CHECK(ok);
	for (i = 0; i < 64; i += 2)
		fcos_free(p[i]);
	for (i = 1; i < 64; i += 2)
		fcos_free(p[i]);
	fcos_heap_stats(&st);
	CHECK_EQ_INT(st.used_bytes, 0);
	CHECK_EQ_INT(st.free_chunks, 1);

	a = fcos_calloc(100, 4);
	CHECK(a != NULL);
	for (i = 0, ok = 1; i < 400; i++)
		if (a[i])
			ok = 0;
	CHECK(ok);
	strcpy(a, "keep me");
	a = fcos_realloc(a, 5000);
	CHECK(a && !strcmp(a, "keep me"));
	fcos_free(a);
	CHECK(fcos_realloc(NULL, 8) != NULL);
	b = fcos_strdup("dup");
	CHECK_EQ_STR(b, "dup");
	fcos_free(b);
	fcos_free(b); /* double free is refused, heap stays sane */

	CHECK(fcos_malloc((size_t)-1) == NULL);
	CHECK(fcos_calloc((size_t)1 << 40, (size_t)1 << 40) == NULL);
	CHECK(fcos_malloc(2 << 20) == NULL); /* larger than the arena */
	CHECK(fcos_malloc(64) != NULL);
	return unit_report("libos_malloc");
}
