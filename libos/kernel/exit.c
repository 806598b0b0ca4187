// SPDX-License-Identifier: GPL-2.0
/* Leaving the app VM: print the exit line, drain the console, power off. */
#include <stdio.h>
#include <fcos/console.h>
#include <fcos/exit.h>
#include <fcos/fcfront.h>
#include <fcos/hypercall.h>

void (*fcos_exit_hook)(int code);

void fcos_exit(int code)
{
	struct sched_shutdown sd = { .reason = SHUTDOWN_poweroff };
	void (*hook)(int) = fcos_exit_hook;

	fcos_exit_hook = NULL;	 /* a hook that exits again must not loop */
	if (fcfront_exit_notify) /* weak: linked only with the driver */
		fcfront_exit_notify(code);
	if (hook)
		hook(code);
	printf("FC-EXIT %d\n", code);
	/* With on_poweroff=destroy the ring dies with us: let Dom0 read it. */
	fcos_console_flush(2ULL * 1000 * 1000 * 1000);
	for (;;)
		fcos_hyp_sched_op(SCHEDOP_shutdown, &sd);
}
