// SPDX-License-Identifier: GPL-2.0
/*
 * A small first-fit heap: chunks carry a 16-byte header, free chunks sit
 * on one address-ordered list so that free() merges neighbours.  Memory
 * comes from fcos_heap_morecore() (the page allocator in the guest) and
 * is never returned.  Not thread-safe against upcalls: do not allocate in
 * event handlers.  Cooperative threads need no lock.
 */
#include <fcos/lib.h>
#include <fcos/alias.h>

#define ALIGN	   16UL
#define HDR	   sizeof(struct chunk)
#define MAGIC_USED 0xfc05a110c8ed0000UL
#define MAGIC_FREE 0xfc05f4eec4a10000UL
#define GROW_MIN   (32UL * 1024)

struct chunk {
	size_t size; /* bytes including this header, multiple of ALIGN */
	size_t magic;
};

struct free_chunk {
	struct chunk hdr;
	struct free_chunk *next;
};

static struct free_chunk *free_list;
static size_t arena_bytes, used_bytes;

static size_t round_up(size_t n)
{
	return (n + ALIGN - 1) & ~(ALIGN - 1);
}

/* Insert in address order and merge with the neighbours it touches. */
static void insert_free(struct free_chunk *c)
{
	struct free_chunk **pp = &free_list, *prev = NULL;

	c->hdr.magic = MAGIC_FREE;
	while (*pp && *pp < c) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	c->next = *pp;
	*pp = c;
	if (c->next && (char *)c + c->hdr.size == (char *)c->next) {
		c->hdr.size += c->next->hdr.size;
		c->next = c->next->next;
	}
	if (prev && (char *)prev + prev->hdr.size == (char *)c) {
		prev->hdr.size += c->hdr.size;
		prev->next = c->next;
	}
}

static int grow(size_t need)
{
	size_t n = need < GROW_MIN ? GROW_MIN : round_up(need);
	struct free_chunk *c = fcos_heap_morecore(n);

	if (!c)
		return -1;
	c->hdr.size = n;
	arena_bytes += n;
	insert_free(c);
	return 0;
}

void *fcos_malloc(size_t size)
{
	struct free_chunk **pp, *c;
	size_t need;

	if (size > ((size_t)-1) / 2)
		return NULL;
	need = round_up(size + HDR);
	if (need < sizeof(struct free_chunk))
		need = round_up(sizeof(struct free_chunk));

	for (int attempt = 0; attempt < 2; attempt++) {
		for (pp = &free_list; (c = *pp); pp = &c->next) {
			if (c->hdr.size < need)
				continue;
			if (c->hdr.size - need >=
			    sizeof(struct free_chunk) + ALIGN) {
				/* Split: the tail stays free in place. */
				struct free_chunk *rest =
					(void *)((char *)c + need);

				rest->hdr.size = c->hdr.size - need;
				rest->hdr.magic = MAGIC_FREE;
				rest->next = c->next;
				*pp = rest;
				c->hdr.size = need;
			} else {
				*pp = c->next;
			}
			c->hdr.magic = MAGIC_USED;
			used_bytes += c->hdr.size;
			return (char *)c + HDR;
		}
		if (grow(need))
			return NULL;
	}
	return NULL;
}

void fcos_free(void *p)
{
	struct chunk *c;

	if (!p)
		return;
	c = (struct chunk *)((char *)p - HDR);
	if (c->magic != MAGIC_USED)
		return; /* double free or wild pointer: refuse, keep going */
	used_bytes -= c->size;
	insert_free((struct free_chunk *)c);
}

void *fcos_calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > ((size_t)-1) / size)
		return NULL;
	p = fcos_malloc(n * size);
	if (p)
		fcos_memset(p, 0, n * size);
	return p;
}

void *fcos_realloc(void *p, size_t size)
{
	struct chunk *c;
	void *q;
	size_t have;

	if (!p)
		return fcos_malloc(size);
	if (!size) {
		fcos_free(p);
		return NULL;
	}
	c = (struct chunk *)((char *)p - HDR);
	if (c->magic != MAGIC_USED)
		return NULL;
	have = c->size - HDR;
	if (size <= have)
		return p;
	q = fcos_malloc(size);
	if (q) {
		fcos_memcpy(q, p, have);
		fcos_free(p);
	}
	return q;
}

char *fcos_strdup(const char *s)
{
	size_t n = fcos_strlen(s) + 1;
	char *d = fcos_malloc(n);

	if (d)
		fcos_memcpy(d, s, n);
	return d;
}

void fcos_heap_stats(struct fcos_heap_stats *st)
{
	struct free_chunk *c;

	st->arena_bytes = arena_bytes;
	st->used_bytes = used_bytes;
	st->free_bytes = 0;
	st->free_chunks = 0;
	for (c = free_list; c; c = c->next) {
		st->free_bytes += c->hdr.size;
		st->free_chunks++;
	}
}

FCOS_ALIAS(malloc, fcos_malloc);
FCOS_ALIAS(free, fcos_free);
FCOS_ALIAS(calloc, fcos_calloc);
FCOS_ALIAS(realloc, fcos_realloc);
FCOS_ALIAS(strdup, fcos_strdup);
