/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Page allocator over the domain's pseudo-physical pages.  All RAM is
 * mapped at FCOS_VIRT_BASE + pfn * 4096 (Xen's bootstrap mapping, extended
 * by fcos_mm_init for pages beyond it), so pages are plain pointers.
 */
#ifndef FCOS_MM_H
#define FCOS_MM_H

#include <stddef.h>

int fcos_mm_init(void);
int fcos_mm_suspend(void);
int fcos_mm_resume(int new_domain);

/* @n contiguous, uninitialised, page-aligned pages; NULL if none. */
void *fcos_alloc_pages(size_t n);
void fcos_free_pages(void *p, size_t n);
static inline void *fcos_alloc_page(void)
{
	return fcos_alloc_pages(1);
}
static inline void fcos_free_page(void *p)
{
	fcos_free_pages(p, 1);
}

struct fcos_mm_stats {
	unsigned long nr_pages;	    /* domain's pages (start_info) */
	unsigned long mapped_pages; /* pages the allocator manages */
	unsigned long free_pages;
	unsigned long image_pages; /* kernel image incl. bss */
};
void fcos_mm_stats(struct fcos_mm_stats *st);

#endif
