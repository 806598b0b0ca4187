/* SPDX-License-Identifier: GPL-2.0 */
/* x86_64 PV specifics behind fcos/arch.h. */
#ifndef FCOS_ARCH_IMPL_H
#define FCOS_ARCH_IMPL_H

#include <stdint.h>
#include <fcos/xen.h>

/* Link address of the image = Xen's VIRT_BASE (see fcos.lds). */
#define FCOS_VIRT_BASE 0xffffffff80000000UL

#define fcos_barrier() __asm__ __volatile__("" ::: "memory")
/* x86 keeps loads and stores ordered among themselves; only store->load
 * ordering needs a fence. */
#define fcos_mb()  __asm__ __volatile__("mfence" ::: "memory")
#define fcos_rmb() fcos_barrier()
#define fcos_wmb() fcos_barrier()

static inline void fcos_cpu_relax(void)
{
	__asm__ __volatile__("pause" ::: "memory");
}

static inline uint64_t fcos_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline unsigned long fcos_mfn_to_pfn(unsigned long mfn)
{
	return machine_to_phys_mapping[mfn];
}

/* Shared info page, mapped over a page of our .bss (arch/x86_64/setup.c). */
extern shared_info_t *fcos_shared_info;

/*
 * "Interrupts" of a PV guest are event upcalls, masked per vCPU by
 * evtchn_upcall_mask.  Single vCPU: only vcpu_info[0] is used.
 */
static inline unsigned long fcos_irq_save(void)
{
	vcpu_info_t *v = &fcos_shared_info->vcpu_info[0];
	unsigned long flags = v->evtchn_upcall_mask;

	v->evtchn_upcall_mask = 1;
	fcos_barrier(); /* mask before the critical section's accesses */
	return flags;
}

void fcos_arch_force_upcall(void);

static inline void fcos_irq_restore(unsigned long flags)
{
	vcpu_info_t *v = &fcos_shared_info->vcpu_info[0];

	fcos_barrier(); /* critical section's accesses before unmask */
	v->evtchn_upcall_mask = flags;
	if (!flags) {
		fcos_barrier(); /* unmask before looking for missed events */
		if (v->evtchn_upcall_pending)
			fcos_arch_force_upcall();
	}
}

static inline void fcos_irq_disable(void)
{
	fcos_shared_info->vcpu_info[0].evtchn_upcall_mask = 1;
	fcos_barrier();
}

static inline void fcos_irq_enable(void)
{
	fcos_irq_restore(0);
}

#endif

#ifndef FCOS_ARCH_REGS
#define FCOS_ARCH_REGS
/* Frame built by entry.S: general registers, then what Xen pushed. */
struct fcos_regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};
#endif
