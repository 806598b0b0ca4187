// SPDX-License-Identifier: GPL-2.0
/*
 * x86_64 PV arch layer: start_info bookkeeping, shared info mapping,
 * trap table and callbacks, page-table walks, thread stacks.
 */
#include <fcos/arch.h>
#include <fcos/hypercall.h>
#include <fcos/traps.h>

struct start_info *fcos_start_info;
unsigned long *fcos_p2m;
shared_info_t *fcos_shared_info;

/* A page of our image whose mapping is replaced by the shared info frame. */
char fcos_shared_info_page[FCOS_PAGE_SIZE]
	__attribute__((aligned(4096), section(".bss.page_aligned")));

_Static_assert(__builtin_offsetof(shared_info_t, vcpu_info) == 0 &&
		       __builtin_offsetof(vcpu_info_t, evtchn_upcall_pending) ==
			       0 &&
		       __builtin_offsetof(vcpu_info_t, evtchn_upcall_mask) == 1,
	       "entry.S hard-codes these offsets");

#define PTE_PRESENT   0x001UL
#define PTE_RW	      0x002UL
#define PTE_USER      0x004UL
#define PTE_ACCESSED  0x020UL
#define PTE_DIRTY     0x040UL
#define PTE_PSE	      0x080UL
#define PTE_ADDR_MASK 0x000ffffffffff000UL

int fcos_arch_map_mfn(unsigned long va, unsigned long mfn, int writable)
{
	uint64_t pte = ((uint64_t)mfn << FCOS_PAGE_SHIFT) | PTE_PRESENT |
		       PTE_USER | PTE_ACCESSED | PTE_DIRTY;

	if (writable)
		pte |= PTE_RW;
	return (int)fcos_hyp_update_va_mapping(va, pte, UVMF_INVLPG);
}

uint64_t fcos_arch_lookup_pte(unsigned long va)
{
	uint64_t *table = (uint64_t *)fcos_start_info->pt_base;
	int shift;

	/* The bootstrap tables live in the 1:1 region, so M2P finds them. */
	for (shift = 39; shift >= 12; shift -= 9) {
		uint64_t e = table[(va >> shift) & 511];

		if (!(e & PTE_PRESENT))
			return 0;
		if (shift == 12 || (e & PTE_PSE))
			return e;
		table = fcos_mfn_to_virt((e & PTE_ADDR_MASK) >>
					 FCOS_PAGE_SHIFT);
	}
	return 0;
}

void fcos_arch_force_upcall(void)
{
	/* Any hypercall returns through Xen's event-delivery check. */
	fcos_hyp_xen_version(0, 0);
}

extern void fcos_hypervisor_callback(void);
extern void fcos_failsafe_callback(void);

#define T(n) extern void fcos_trap_##n(void)
T(0);
T(1);
T(2);
T(3);
T(4);
T(5);
T(6);
T(7);
T(8);
T(9);
T(10);
T(11);
T(12);
T(13);
T(14);
T(15);
T(16);
T(17);
T(18);
T(19);
#undef T

/* flags: DPL 3 only for int3/into so that software interrupts work. */
#define E(n, dpl)                                                    \
	{                                                            \
		n, dpl, FLAT_KERNEL_CS, (unsigned long)fcos_trap_##n \
	}
static const trap_info_t trap_table[] = {
	E(0, 0),  E(1, 0),  E(2, 0),  E(3, 3),	E(4, 3),  E(5, 0),  E(6, 0),
	E(7, 0),  E(8, 0),  E(9, 0),  E(10, 0), E(11, 0), E(12, 0), E(13, 0),
	E(14, 0), E(15, 0), E(16, 0), E(17, 0), E(18, 0), E(19, 0), { 0 },
};
#undef E

int fcos_arch_traps_init(void)
{
	struct callback_register event = {
		.type = CALLBACKTYPE_event,
		.address = (unsigned long)fcos_hypervisor_callback,
	};
	struct callback_register failsafe = {
		.type = CALLBACKTYPE_failsafe,
		.address = (unsigned long)fcos_failsafe_callback,
	};
	long rc;

	rc = fcos_hyp_set_trap_table(trap_table);
	if (rc)
		return (int)rc;
	rc = fcos_hyp_callback_op(CALLBACKOP_register, &event);
	if (rc)
		return (int)rc;
	return (int)fcos_hyp_callback_op(CALLBACKOP_register, &failsafe);
}

extern void fcos_arch_thread_start(void);

unsigned long fcos_arch_init_stack(void *stack_top, void (*fn)(void *),
				   void *arg)
{
	/* Layout popped by fcos_arch_switch: r15 r14 r13 r12 rbx rbp ret. */
	uint64_t *sp = (uint64_t *)((unsigned long)stack_top & ~15UL);

	*--sp = 0; /* keeps the frame 16-byte aligned after ret */
	*--sp = (uint64_t)fcos_arch_thread_start;
	*--sp = 0;	       /* rbp */
	*--sp = 0;	       /* rbx */
	*--sp = (uint64_t)fn;  /* r12 */
	*--sp = (uint64_t)arg; /* r13 */
	*--sp = 0;	       /* r14 */
	*--sp = 0;	       /* r15 */
	return (unsigned long)sp;
}

void fcos_arch_start(struct start_info *si)
{
	fcos_start_info = si;
	fcos_p2m = (unsigned long *)si->mfn_list;
	/* Shared info is needed by the event mask helpers, even early. */
	fcos_arch_map_mfn((unsigned long)fcos_shared_info_page,
			  si->shared_info >> FCOS_PAGE_SHIFT, 1);
	fcos_shared_info = (shared_info_t *)fcos_shared_info_page;
	fcos_arch_p2m_publish();
	fcos_start_kernel(si);
}
