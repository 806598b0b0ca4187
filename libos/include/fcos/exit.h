/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exit contract: the last console line of an app VM is "FC-EXIT <code>",
 * then the domain shuts down with SHUTDOWN_poweroff (whatever the code).
 * Fatal traps print "FC-CRASH ..." first and exit with 128 + vector.
 */
#ifndef FCOS_EXIT_H
#define FCOS_EXIT_H

void fcos_exit(int code) __attribute__((noreturn));
/* Set by the full kernel (setup.c) to tear subsystems down before exit. */
extern void (*fcos_exit_hook)(int code);

/* Marker printed right before main() (boot benchmark). */
#define FCOS_BOOT_MARKER "FC-BOOT-COMPLETE\n"

#endif
