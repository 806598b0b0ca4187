/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arch interface: everything above libos/arch/ uses only this.
 * Implemented by libos/arch/<arch>/ (x86_64 only for now).
 */
#ifndef FCOS_ARCH_H
#define FCOS_ARCH_H

#include <stdint.h>
#include <stddef.h>
#include <fcos/arch-impl.h>

#define FCOS_PAGE_SIZE	4096UL
#define FCOS_PAGE_SHIFT 12
#define FCOS_PAGE_MASK	(~(FCOS_PAGE_SIZE - 1))
#define FCOS_PFN_UP(x)	(((x) + FCOS_PAGE_SIZE - 1) >> FCOS_PAGE_SHIFT)

struct start_info;

/* Called by the boot assembly with Xen's start_info; never returns. */
void fcos_arch_start(struct start_info *si) __attribute__((noreturn));

/*
 * Kernel entry after the arch layer is ready.  Provided by
 * kernel/setup.c (full OS) or by an app using FCOS_MINIMAL_APP.
 */
void fcos_start_kernel(struct start_info *si) __attribute__((noreturn));

/* Install the trap table and event callbacks. */
int fcos_arch_traps_init(void);

/* Page-table entry mapping @va in the current address space, 0 if none. */
uint64_t fcos_arch_lookup_pte(unsigned long va);

/* Map machine frame @mfn at page-aligned @va (which must have an L1). */
int fcos_arch_map_mfn(unsigned long va, unsigned long mfn, int writable);

/* Publish the P2M frame list in shared info (a toolstack saves through it). */
void fcos_arch_p2m_publish(void);

/*
 * Suspend (kernel/suspend.c), events masked: pre_suspend makes the domain
 * savable, fcos_arch_suspend() is the hypercall (1: cancelled, the same
 * domain goes on; 0: resumed as a new domain), post_suspend undoes
 * pre_suspend for either case.
 */
void fcos_arch_pre_suspend(void);
int fcos_arch_suspend(void);
void fcos_arch_post_suspend(int cancelled);

/* Switch stacks between cooperative threads (see kernel/sched.c). */
void fcos_arch_switch(unsigned long *prev_sp, unsigned long next_sp);
unsigned long fcos_arch_init_stack(void *stack_top, void (*fn)(void *),
				   void *arg);

extern struct start_info *fcos_start_info;
extern unsigned long *fcos_p2m; /* pfn -> mfn, from start_info->mfn_list */

static inline unsigned long fcos_virt_to_pfn(const void *va)
{
	return ((unsigned long)va - FCOS_VIRT_BASE) >> FCOS_PAGE_SHIFT;
}

static inline void *fcos_pfn_to_virt(unsigned long pfn)
{
	return (void *)(FCOS_VIRT_BASE + (pfn << FCOS_PAGE_SHIFT));
}

static inline unsigned long fcos_pfn_to_mfn(unsigned long pfn)
{
	return fcos_p2m[pfn];
}

static inline unsigned long fcos_virt_to_mfn(const void *va)
{
	return fcos_pfn_to_mfn(fcos_virt_to_pfn(va));
}

static inline void *fcos_mfn_to_virt(unsigned long mfn)
{
	return fcos_pfn_to_virt(fcos_mfn_to_pfn(mfn));
}

#endif
