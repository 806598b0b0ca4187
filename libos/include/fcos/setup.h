/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Subsystem lifecycle.  kernel/setup.c brings the core subsystems up in a
 * fixed order, then every registered driver, then calls main.  Suspend
 * goes in reverse order and resume undoes it in mirror (forward) order.
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
	int (*resume)(void);
};

#define FCOS_DRIVER(ops)                                        \
	static const struct fcos_driver *const __fcos_drv_##ops \
		__attribute__((used, section(".fcos_drivers"))) = &(ops)

/* Whole-OS suspend/resume around SCHEDOP_shutdown(SHUTDOWN_suspend). */
int fcos_suspend_all(void);
int fcos_resume_all(void);

#endif
