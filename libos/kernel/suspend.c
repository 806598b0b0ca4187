// SPDX-License-Identifier: GPL-2.0
/*
 * Suspend for the toolstack (save, checkpoint, migration, fork): every
 * subsystem quiesces in reverse order, the arch layer makes the domain
 * savable, SCHEDOP_shutdown(SHUTDOWN_suspend) returns when the toolstack
 * is done, and the subsystems resume in order, told whether this is still
 * the same domain (a cancelled suspend) or a new one.
 *
 * Threads are cooperative and this runs in one of them, so the others
 * stay where they last yielded and go on after it.
 */
#include <errno.h>
#include <stdio.h>
#include <fcos/arch.h>
#include <fcos/setup.h>
#include <fcos/time.h>

static int suspending;

int fcos_suspend(void)
{
	unsigned long flags;
	uint64_t t0;
	int rc, cancelled;

	if (suspending)
		return -EBUSY;
	suspending = 1;
	t0 = fcos_monotonic_ns();
	printf("FC-SUSPEND\n");
	rc = fcos_suspend_all();
	if (rc) {
		printf("FC-SUSPEND-FAILED %d\n", rc);
		suspending = 0;
		return rc;
	}
	flags = fcos_irq_save();
	fcos_arch_pre_suspend();
	cancelled = fcos_arch_suspend() == 1;
	fcos_arch_post_suspend(cancelled);
	/* Safe at once: a new domain has every port masked, and the event
	 * handlers are forgotten before anything binds again. */
	fcos_irq_restore(flags);
	rc = fcos_resume_all(!cancelled);
	printf("FC-RESUMED %s%s after %llu ms\n",
	       cancelled ? "cancelled" : "new-domain",
	       rc ? " (with errors)" : "",
	       (unsigned long long)((fcos_monotonic_ns() - t0) /
				    FCOS_NSEC_PER_MSEC));
	suspending = 0;
	return cancelled;
}
