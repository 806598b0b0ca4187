// SPDX-License-Identifier: GPL-2.0
/*
 * Page allocator: a bitmap over pfns.  Xen's bootstrap region (image,
 * P2M list, start info, xenstore/console pages, page tables, boot stack)
 * is mapped 1:1 from VIRT_BASE and ends on a 4 MiB boundary; pages past
 * it get L1 tables of ours so that all RAM sits at VIRT_BASE + pfn.
 */
#include <errno.h>
#include <stdio.h>
#include <fcos/arch.h>
#include <fcos/hypercall.h>
#include <fcos/lib.h>
#include <fcos/mm.h>

extern char _end[];

static unsigned long *bitmap; /* bit set = page free */
static unsigned long nr_pfns, first_free, nr_managed;

#define BPL 64

static int test_free(unsigned long pfn)
{
	return (bitmap[pfn / BPL] >> (pfn % BPL)) & 1;
}

static void mark(unsigned long pfn, int free)
{
	if (free)
		bitmap[pfn / BPL] |= 1UL << (pfn % BPL);
	else
		bitmap[pfn / BPL] &= ~(1UL << (pfn % BPL));
}

#define PTE_FLAGS 0x067UL /* present, rw, user, accessed, dirty */
#define L2_FLAGS  0x067UL

/*
 * Give the 2 MiB chunk holding @pfn an L1 table made from a free page
 * (taken from *@next_free).  Xen wants page tables mapped read-only.
 * Returns 0, or <0 when the chunk cannot be mapped (no L2 for it).
 */
static int map_chunk(unsigned long pfn, unsigned long *next_free)
{
	unsigned long va = (unsigned long)fcos_pfn_to_virt(pfn);
	unsigned long base = pfn & ~511UL, l1pfn = *next_free, i;
	uint64_t *l1 = fcos_pfn_to_virt(l1pfn);
	uint64_t *l2;
	mmu_update_t u;
	int rc;

	/* Find the L2 table through the L4/L3 of the bootstrap tables. */
	{
		uint64_t *l4 = (uint64_t *)fcos_start_info->pt_base, e;

		e = l4[(va >> 39) & 511];
		if (!(e & 1))
			return -ENOENT;
		e = ((uint64_t *)fcos_mfn_to_virt((e & 0xffffffffff000UL) >>
						  12))[(va >> 30) & 511];
		if (!(e & 1))
			return -ENOENT;
		l2 = fcos_mfn_to_virt((e & 0xffffffffff000UL) >> 12);
	}
	if (l2[(va >> 21) & 511] & 1)
		return 0; /* already has an L1 */

	fcos_memset(l1, 0, FCOS_PAGE_SIZE);
	for (i = 0; i < 512 && base + i < nr_pfns; i++)
		l1[i] = ((uint64_t)fcos_pfn_to_mfn(base + i) << 12) | PTE_FLAGS;
	rc = fcos_arch_map_mfn((unsigned long)l1, fcos_pfn_to_mfn(l1pfn), 0);
	if (rc)
		return rc;
	u.ptr = (((uint64_t)fcos_virt_to_mfn(l2)) << 12) +
		((va >> 21) & 511) * sizeof(uint64_t);
	u.ptr |= MMU_NORMAL_PT_UPDATE;
	u.val = ((uint64_t)fcos_pfn_to_mfn(l1pfn) << 12) | L2_FLAGS;
	rc = (int)fcos_hyp_mmu_update(&u, 1, NULL, DOMID_SELF);
	if (rc)
		return rc;
	(*next_free)++; /* the L1 page stays allocated for good */
	return 0;
}

int fcos_mm_init(void)
{
	struct start_info *si = fcos_start_info;
	unsigned long pfn, mapped_end, bm_pages, start;

	nr_pfns = si->nr_pages;
	/* Everything up to the bootstrap page tables is in use; the boot
	 * stack after them was left for our own stack in .bss. */
	start = fcos_virt_to_pfn((void *)si->pt_base) + si->nr_pt_frames;
	if (start < FCOS_PFN_UP((unsigned long)_end - FCOS_VIRT_BASE))
		start = FCOS_PFN_UP((unsigned long)_end - FCOS_VIRT_BASE);

	for (mapped_end = start; mapped_end < nr_pfns; mapped_end++)
		if (!fcos_arch_lookup_pte(
			    (unsigned long)fcos_pfn_to_virt(mapped_end)))
			break;

	/* Bitmap from the first free pages. */
	bm_pages = FCOS_PFN_UP((nr_pfns + 7) / 8);
	if (start + bm_pages >= mapped_end)
		return -ENOMEM;
	bitmap = fcos_pfn_to_virt(start);
	fcos_memset(bitmap, 0, bm_pages * FCOS_PAGE_SIZE);
	start += bm_pages;

	/* Map what Xen did not, 2 MiB at a time, L1s from the low pages. */
	for (pfn = mapped_end; pfn < nr_pfns; pfn = (pfn | 511) + 1) {
		if (fcos_arch_lookup_pte((unsigned long)fcos_pfn_to_virt(pfn)))
			continue;
		if (start >= mapped_end || map_chunk(pfn, &start))
			break;
	}
	for (; pfn > mapped_end &&
	       !fcos_arch_lookup_pte((unsigned long)fcos_pfn_to_virt(pfn - 1));
	     pfn--)
		;
	if (pfn > mapped_end)
		mapped_end = pfn;

	first_free = start;
	nr_managed = 0;
	for (pfn = start; pfn < mapped_end; pfn++) {
		mark(pfn, 1);
		nr_managed++;
	}
	return 0;
}

void *fcos_alloc_pages(size_t n)
{
	unsigned long pfn, run = 0;

	if (!n)
		return NULL;
	for (pfn = first_free; pfn < nr_pfns; pfn++) {
		run = test_free(pfn) ? run + 1 : 0;
		if (run == n) {
			unsigned long s = pfn + 1 - n, i;

			for (i = s; i <= pfn; i++)
				mark(i, 0);
			return fcos_pfn_to_virt(s);
		}
	}
	return NULL;
}

void fcos_free_pages(void *p, size_t n)
{
	unsigned long pfn = fcos_virt_to_pfn(p), i;

	for (i = 0; i < n; i++)
		if (pfn + i >= first_free && pfn + i < nr_pfns)
			mark(pfn + i, 1);
}

void *fcos_heap_morecore(size_t size)
{
	return fcos_alloc_pages(FCOS_PFN_UP(size));
}

void fcos_mm_stats(struct fcos_mm_stats *st)
{
	unsigned long pfn;

	st->nr_pages = nr_pfns;
	st->mapped_pages = nr_managed;
	st->image_pages = FCOS_PFN_UP((unsigned long)_end - FCOS_VIRT_BASE);
	st->free_pages = 0;
	for (pfn = first_free; pfn < nr_pfns; pfn++)
		st->free_pages += test_free(pfn);
}

/* Pfns are preserved by save/restore; mfns are looked up on each use
 * (the toolstack rewrites the P2M and the page tables). */
int fcos_mm_suspend(void)
{
	return 0;
}

int fcos_mm_resume(int new_domain)
{
	(void)new_domain;
	return 0;
}
