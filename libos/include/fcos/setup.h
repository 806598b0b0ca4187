/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Subsystem lifecycle.  kernel/setup.c brings the core subsystems up in a
 * fixed order, then every registered driver, then calls main.  Suspend
 * goes in reverse order and resume undoes it in mirror (forward) order.
 *
 * suspend quiesces a subsystem without giving up what it holds: if the
 * suspend is cancelled (a checkpoint: the same domain goes on) resume
 * gets new_domain = 0 and everything is still valid.  With new_domain = 1
 * (a restore: after save/restore, migration, or in a fork's child) the
 * grant table, every event channel and every backend connection are gone
 * and must be set up again; memory, pfns and threads are as they were.
 *
 * A driver (a .c file in libos/drivers/) registers itself with FCOS_DRIVER(ops);
 * it is linked in only when the app references one of its symbols.
 */
#ifndef FCOS_SETUP_H
#define FCOS_SETUP_H

struct fcos_driver {
	const char *name;
	int (*init)(void);
	void (*fini)(void);
	int (*suspend)(void);
	int (*resume)(int new_domain);
};

#define FCOS_DRIVER(ops)                                        \
	static const struct fcos_driver *const __fcos_drv_##ops \
		__attribute__((used, section(".fcos_drivers"))) = &(ops)

/* Every subsystem's hooks, in order (kernel/setup.c). */
int fcos_suspend_all(void);
int fcos_resume_all(int new_domain);

/*
 * Suspend the whole OS for the toolstack (kernel/suspend.c), from thread
 * context.  Returns 1 when the suspend was cancelled and this domain goes
 * on, 0 when this is a new domain restored from the image, or a negative
 * errno when it did not suspend.
 */
int fcos_suspend(void);

#endif
