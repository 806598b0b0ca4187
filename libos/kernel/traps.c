// SPDX-License-Identifier: GPL-2.0
/* CPU exceptions: every one is fatal for an app VM. */
#include <stdio.h>
#include <fcos/arch.h>
#include <fcos/exit.h>
#include <fcos/hypercall.h>
#include <fcos/traps.h>

static const char *const names[] = {
	"divide error",
	"debug",
	"nmi",
	"int3",
	"overflow",
	"bounds",
	"invalid opcode",
	"device not available",
	"double fault",
	"coprocessor overrun",
	"invalid tss",
	"segment not present",
	"stack fault",
	"general protection",
	"page fault",
	"reserved",
	"x87 fpu",
	"alignment check",
	"machine check",
	"simd",
};

static int in_trap;

static void __attribute__((noreturn)) die(void)
{
	struct sched_shutdown sd = { .reason = SHUTDOWN_crash };

	for (;;)
		fcos_hyp_sched_op(SCHEDOP_shutdown, &sd);
}

void fcos_trap_handler(struct fcos_regs *regs)
{
	unsigned long v = regs->vector;

	if (in_trap++)
		die(); /* faulted while reporting a fault */
	printf("FC-CRASH trap %lu (%s) error=%#lx rip=%#lx rsp=%#lx", v,
	       v < sizeof(names) / sizeof(names[0]) ? names[v] : "?",
	       (unsigned long)regs->error_code, (unsigned long)regs->rip,
	       (unsigned long)regs->rsp);
	if (v == 14)
		printf(" addr=%#lx",
		       (unsigned long)fcos_shared_info->vcpu_info[0].arch.cr2);
	printf("\n");
	fcos_exit(128 + (int)v);
}

void fcos_failsafe_handler(struct fcos_regs *regs)
{
	(void)regs;
	if (in_trap++)
		die();
	printf("FC-CRASH failsafe callback\n");
	fcos_exit(128 + 255);
}

int fcos_traps_init(void)
{
	return fcos_arch_traps_init();
}
