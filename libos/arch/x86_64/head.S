/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Xen PV x86_64 boot: the ELF notes the domain builder reads, the
 * hypercall page, and _start.  Xen enters _start in 64-bit mode with
 * %rsi = start_info (virtual), %rsp = a bootstrap stack, events masked.
 */
#include <xen/xen.h>
#include <xen/elfnote.h>

#define ELFNOTE(type, desctype, descdata)                                    \
	.pushsection .note.Xen, "a", @note;                                  \
	.p2align 2;                                                          \
	.long 2f - 1f;                                                       \
	.long 4f - 3f;                                                       \
	.long type;                                                          \
1:	.asciz "Xen";                                                        \
2:	.p2align 2;                                                          \
3:	desctype descdata;                                                   \
4:	.p2align 2;                                                          \
	.popsection

ELFNOTE(XEN_ELFNOTE_GUEST_OS, .asciz, "FlexCapsule")
ELFNOTE(XEN_ELFNOTE_GUEST_VERSION, .asciz, "0.1")
ELFNOTE(XEN_ELFNOTE_XEN_VERSION, .asciz, "xen-3.0")
ELFNOTE(XEN_ELFNOTE_LOADER, .asciz, "generic")
ELFNOTE(XEN_ELFNOTE_VIRT_BASE, .quad, 0xffffffff80000000)
/* ELF paddr == vaddr in fcos.lds, so pseudo-physical = paddr - VIRT_BASE */
ELFNOTE(XEN_ELFNOTE_PADDR_OFFSET, .quad, 0xffffffff80000000)
ELFNOTE(XEN_ELFNOTE_ENTRY, .quad, _start)
ELFNOTE(XEN_ELFNOTE_HYPERCALL_PAGE, .quad, hypercall_page)
/* Plain PV: no optional feature is required from Xen. */
ELFNOTE(XEN_ELFNOTE_FEATURES, .asciz, "")
/* Suspend can be cancelled (a checkpoint/fork parent keeps running). */
ELFNOTE(XEN_ELFNOTE_SUSPEND_CANCEL, .long, 1)

	.section .text.head, "ax"
	.p2align 12
	.globl hypercall_page
hypercall_page:
	.fill 4096, 1, 0xcc

	.globl _start
_start:
	cld
	movq %rsi, %r12			/* start_info survives rep stos */
	/* Zero .bss (Xen does too; cheap insurance) before using our stack. */
	leaq __bss_start(%rip), %rdi
	leaq __bss_end(%rip), %rcx
	subq %rdi, %rcx
	xorl %eax, %eax
	rep stosb
	leaq fcos_boot_stack_top(%rip), %rsp
	movq %r12, %rdi
	call fcos_arch_start
1:	hlt
	jmp 1b

	.section .bss.page_aligned, "aw", @nobits
	.p2align 12
	.globl fcos_boot_stack
fcos_boot_stack:
	.skip 16384
	.globl fcos_boot_stack_top
fcos_boot_stack_top:

	.section .note.GNU-stack, "", @progbits
