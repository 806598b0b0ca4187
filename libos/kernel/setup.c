// SPDX-License-Identifier: GPL-2.0
/* Full boot: bring up every subsystem in order, run main, exit. */
#include <stdio.h>
#include <fcos/app.h>
#include <fcos/console.h>
#include <fcos/evtchn.h>
#include <fcos/exit.h>
#include <fcos/gnttab.h>
#include <fcos/mm.h>
#include <fcos/sched.h>
#include <fcos/setup.h>
#include <fcos/time.h>
#include <fcos/traps.h>
#include <fcos/xenbus.h>

static void no_fini(void)
{
}

static int no_op(void)
{
	return 0;
}

/* Trap table and callbacks are part of the saved vCPU state. */
static int no_resume(int new_domain)
{
	(void)new_domain;
	return 0;
}

/* The order of bring-up; the lists below run it forwards or backwards. */
static const struct fcos_driver core[] = {
	{ "console", fcos_console_init, no_fini, fcos_console_suspend,
	  fcos_console_resume },
	{ "traps", fcos_traps_init, no_fini, no_op, no_resume },
	{ "mm", fcos_mm_init, no_fini, fcos_mm_suspend, fcos_mm_resume },
	{ "evtchn", fcos_evtchn_init, fcos_evtchn_fini, fcos_evtchn_suspend,
	  fcos_evtchn_resume },
	{ "time", fcos_time_init, fcos_time_fini, fcos_time_suspend,
	  fcos_time_resume },
	{ "sched", fcos_sched_init, no_fini, fcos_sched_suspend,
	  fcos_sched_resume },
	{ "gnttab", fcos_gnttab_init, fcos_gnttab_fini, fcos_gnttab_suspend,
	  fcos_gnttab_resume },
	{ "xenstore", fcos_xs_init, fcos_xs_fini, fcos_xs_suspend,
	  fcos_xs_resume },
};

#define NR_CORE ((int)(sizeof(core) / sizeof(core[0])))

/*
 * Every full app VM talks to fcapsule.ko when it has the device (EXIT
 * code, listen() -> NAPT, ps counters): this reference links the frontend
 * in even when the app calls none of its functions.  It stays idle in a
 * domain without the device.
 */
extern int fcfront_init(void);
static int (*const keep_fcfront)(void) __attribute__((used)) = fcfront_init;
/* Likewise shutdown requests (kill -s TERM), drivers/shutdown.c. */
extern void fc_on_shutdown(void (*fn)(const char *reason));
static void (*const keep_shutdown)(void (*)(const char *))
	__attribute__((used)) = fc_on_shutdown;

extern const struct fcos_driver *const __fcos_drivers_start[];
extern const struct fcos_driver *const __fcos_drivers_end[];

static int nr_drivers(void)
{
	return (int)(__fcos_drivers_end - __fcos_drivers_start);
}

/* Subsystem i of the whole ordered list: core first, then drivers. */
static const struct fcos_driver *subsys(int i)
{
	return i < NR_CORE ? &core[i] : __fcos_drivers_start[i - NR_CORE];
}

static int nr_subsys(void)
{
	return NR_CORE + nr_drivers();
}

static void fini_all(int code)
{
	(void)code;
	for (int i = nr_subsys() - 1; i >= 0; i--)
		if (subsys(i)->fini)
			subsys(i)->fini();
}

int fcos_suspend_all(void)
{
	int i, rc;

	for (i = nr_subsys() - 1; i >= 0; i--) {
		rc = subsys(i)->suspend ? subsys(i)->suspend() : 0;
		if (rc) {
			printf("fcos: suspend of %s failed: %d\n",
			       subsys(i)->name, rc);
			/* Resume what was already suspended, in mirror. */
			for (i++; i < nr_subsys(); i++)
				if (subsys(i)->resume)
					subsys(i)->resume(0);
			return rc;
		}
	}
	return 0;
}

int fcos_resume_all(int new_domain)
{
	int i, rc, ret = 0;

	for (i = 0; i < nr_subsys(); i++) {
		rc = subsys(i)->resume ? subsys(i)->resume(new_domain) : 0;
		if (rc) {
			printf("fcos: resume of %s failed: %d\n",
			       subsys(i)->name, rc);
			ret = ret ? ret : rc;
		}
	}
	return ret;
}

void fcos_start_kernel(struct start_info *si)
{
	char **argv;
	int i, rc, argc;

	(void)si;
	for (i = 0; i < nr_subsys(); i++) {
		rc = subsys(i)->init();
		if (rc) {
			printf("FC-CRASH init of %s failed: %d\n",
			       subsys(i)->name, rc);
			fcos_exit(127);
		}
		if (subsys(i)->init == fcos_evtchn_init) /* handlers may run */
			fcos_irq_enable();
	}
	fcos_exit_hook = fini_all;
	argc = fcos_cmdline_argv(&argv);
	fcos_console_write(FCOS_BOOT_MARKER, sizeof(FCOS_BOOT_MARKER) - 1);
	fcos_exit(main(argc, argv));
}
