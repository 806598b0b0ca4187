/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Application entry.  An app defines int main(int argc, char **argv);
 * argv[0] is the app name (its apps/<name> directory), the rest is the
 * domain's command line (xl "cmdline=") split on blanks, "..." grouping.
 * main's return value is the exit code (see fcos/exit.h).
 */
#ifndef FCOS_APP_H
#define FCOS_APP_H

struct start_info;

int main(int argc, char **argv);

/* Name of the linked application (generated per app by the Makefile). */
extern const char fcos_app_name[];

/* Command line -> static argv (kernel/cmdline.c). */
int fcos_cmdline_argv(char ***argv);

void fcos_minimal_start(struct start_info *si) __attribute__((noreturn));

/*
 * Put FCOS_MINIMAL_APP in one .c file of an app to boot without the OS:
 * console only, no traps, events, timers, allocator, xenstore.  Prints
 * FC-BOOT-COMPLETE first thing, then calls main (printf works; malloc,
 * sleep and the Xen services do not).
 */
#define FCOS_MINIMAL_APP                              \
	void fcos_start_kernel(struct start_info *si) \
	{                                             \
		fcos_minimal_start(si);               \
	}

#endif
