/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hypercalls through the hypercall page Xen fills in at boot (ELF note
 * HYPERCALL_PAGE): entry N is at hypercall_page + N * 32.  64-bit PV ABI:
 * arguments in rdi, rsi, rdx, r10, r8; rcx and r11 are clobbered.
 */
#ifndef FCOS_HYPERCALL_H
#define FCOS_HYPERCALL_H

#include <fcos/xen.h>
#include <xen/sched.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/vcpu.h>
#include <xen/callback.h>

extern char hypercall_page[4096];

#define FCOS_HCALL_STR(x)    #x
#define FCOS_HCALL_ENTRY(nr) "call hypercall_page + " FCOS_HCALL_STR(nr) " * 32"

#define _fcos_hypercall2(nr, a1, a2)                                       \
	({                                                                 \
		long __res, __i1, __i2;                                    \
		__asm__ __volatile__(FCOS_HCALL_ENTRY(nr)                  \
				     : "=a"(__res), "=D"(__i1), "=S"(__i2) \
				     : "1"((long)(a1)), "2"((long)(a2))    \
				     : "memory", "rcx", "r11");            \
		__res;                                                     \
	})

#define _fcos_hypercall3(nr, a1, a2, a3)                                    \
	({                                                                  \
		long __res, __i1, __i2, __i3;                               \
		__asm__ __volatile__(                                       \
			FCOS_HCALL_ENTRY(nr)                                \
			: "=a"(__res), "=D"(__i1), "=S"(__i2), "=d"(__i3)   \
			: "1"((long)(a1)), "2"((long)(a2)), "3"((long)(a3)) \
			: "memory", "rcx", "r11");                          \
		__res;                                                      \
	})

#define _fcos_hypercall4(nr, a1, a2, a3, a4)                                \
	({                                                                  \
		long __res, __i1, __i2, __i3;                               \
		register long __a4 __asm__("r10") = (long)(a4);             \
		__asm__ __volatile__(FCOS_HCALL_ENTRY(nr)                   \
				     : "=a"(__res), "=D"(__i1), "=S"(__i2), \
				       "=d"(__i3), "+r"(__a4)               \
				     : "1"((long)(a1)), "2"((long)(a2)),    \
				       "3"((long)(a3))                      \
				     : "memory", "rcx", "r11");             \
		__res;                                                      \
	})

static inline long fcos_hyp_sched_op(int cmd, void *arg)
{
	return _fcos_hypercall2(__HYPERVISOR_sched_op, cmd, arg);
}

static inline long fcos_hyp_event_channel_op(int cmd, void *arg)
{
	return _fcos_hypercall2(__HYPERVISOR_event_channel_op, cmd, arg);
}

static inline long fcos_hyp_grant_table_op(int cmd, void *uop,
					   unsigned int count)
{
	return _fcos_hypercall3(__HYPERVISOR_grant_table_op, cmd, uop, count);
}

static inline long fcos_hyp_memory_op(int cmd, void *arg)
{
	return _fcos_hypercall2(__HYPERVISOR_memory_op, cmd, arg);
}

static inline long fcos_hyp_update_va_mapping(unsigned long va, uint64_t pte,
					      unsigned long flags)
{
	return _fcos_hypercall3(__HYPERVISOR_update_va_mapping, va, pte, flags);
}

static inline long fcos_hyp_mmu_update(mmu_update_t *req, unsigned int count,
				       unsigned int *done, domid_t dom)
{
	return _fcos_hypercall4(__HYPERVISOR_mmu_update, req, count, done, dom);
}

static inline long fcos_hyp_set_trap_table(const trap_info_t *table)
{
	return _fcos_hypercall2(__HYPERVISOR_set_trap_table, table, 0);
}

static inline long fcos_hyp_callback_op(int cmd, void *arg)
{
	return _fcos_hypercall2(__HYPERVISOR_callback_op, cmd, arg);
}

static inline long fcos_hyp_set_timer_op(uint64_t deadline_ns)
{
	return _fcos_hypercall2(__HYPERVISOR_set_timer_op, deadline_ns, 0);
}

static inline long fcos_hyp_xen_version(int cmd, void *arg)
{
	return _fcos_hypercall2(__HYPERVISOR_xen_version, cmd, arg);
}

static inline long fcos_hyp_console_io(int cmd, int count, const char *str)
{
	return _fcos_hypercall3(__HYPERVISOR_console_io, cmd, count, str);
}

#endif
