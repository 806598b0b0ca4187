/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exception, event-upcall and context-switch entry points.
 *
 * A 64-bit PV guest kernel runs in ring 3.  Xen bounces exceptions and
 * event upcalls onto the current (kernel) stack as
 *	rcx, r11, [error code], rip, cs, rflags, rsp, ss
 * with rcx/r11 clobbered in registers; they are reloaded from the frame.
 * Returning to ring 3 is a plain iretq (no privilege change).
 */
#include <xen/xen.h>

	.text

.macro SAVE_ALL
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm

.macro RESTORE_ALL
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
.endm

/* Exceptions without an error code: push a zero one for a uniform frame. */
.macro TRAP_NOERR vec
	.globl fcos_trap_\vec
fcos_trap_\vec:
	movq (%rsp), %rcx
	movq 8(%rsp), %r11
	addq $16, %rsp
	pushq $0
	pushq $\vec
	jmp trap_common
.endm

.macro TRAP_ERR vec
	.globl fcos_trap_\vec
fcos_trap_\vec:
	movq (%rsp), %rcx
	movq 8(%rsp), %r11
	addq $16, %rsp
	pushq $\vec
	jmp trap_common
.endm

TRAP_NOERR 0
TRAP_NOERR 1
TRAP_NOERR 2
TRAP_NOERR 3
TRAP_NOERR 4
TRAP_NOERR 5
TRAP_NOERR 6
TRAP_NOERR 7
TRAP_ERR 8
TRAP_NOERR 9
TRAP_ERR 10
TRAP_ERR 11
TRAP_ERR 12
TRAP_ERR 13
TRAP_ERR 14
TRAP_NOERR 15
TRAP_NOERR 16
TRAP_ERR 17
TRAP_NOERR 18
TRAP_NOERR 19

/* Stack: r15..rax (struct fcos_regs), vector, error code, iret frame. */
trap_common:
	SAVE_ALL
	movq %rsp, %rdi
	movq %rsp, %rbx
	andq $-16, %rsp
	call fcos_trap_handler
	movq %rbx, %rsp
	RESTORE_ALL
	addq $16, %rsp
	orb $3, 8(%rsp)
	orb $3, 32(%rsp)
	iretq

/*
 * Event upcall: Xen has set evtchn_upcall_mask.  After the handlers run,
 * unmask and look at evtchn_upcall_pending once more so that an event
 * arriving during the epilogue is not left waiting for the next one.  An
 * event after that test nests a new upcall below our iret frame, which
 * it leaves intact.  vcpu_info[0] is at the start of shared info:
 * byte 0 = evtchn_upcall_pending, byte 1 = evtchn_upcall_mask.
 */
	.globl fcos_hypervisor_callback
fcos_hypervisor_callback:
	movq (%rsp), %rcx
	movq 8(%rsp), %r11
	addq $16, %rsp
1:	SAVE_ALL
	movq %rsp, %rdi
	movq %rsp, %rbx
	andq $-16, %rsp
	call fcos_evtchn_do_upcall
	movq %rbx, %rsp
	RESTORE_ALL
	movb $0, fcos_shared_info_page + 1
	testb $0xff, fcos_shared_info_page
	jnz 2f
	orb $3, 8(%rsp)
	orb $3, 32(%rsp)
	iretq
2:	movb $1, fcos_shared_info_page + 1
	jmp 1b

/* Failsafe: Xen could not load our segment state on return; fatal. */
	.globl fcos_failsafe_callback
fcos_failsafe_callback:
	movq %rsp, %rdi
	andq $-16, %rsp
	call fcos_failsafe_handler
3:	hlt
	jmp 3b

/* void fcos_arch_switch(unsigned long *prev_sp, unsigned long next_sp) */
	.globl fcos_arch_switch
fcos_arch_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

/* First run of a thread: r12 = function, r13 = argument. */
	.globl fcos_arch_thread_start
fcos_arch_thread_start:
	andq $-16, %rsp
	movq %r13, %rdi
	call *%r12
	call fcos_thread_exit
4:	hlt
	jmp 4b

	.section .note.GNU-stack, "", @progbits
