/* SPDX-License-Identifier: GPL-2.0 */
/* Fatal CPU exceptions: "FC-CRASH ..." on the console, exit 128 + vector. */
#ifndef FCOS_TRAPS_H
#define FCOS_TRAPS_H

#include <fcos/arch.h>

int fcos_traps_init(void);
void fcos_trap_handler(struct fcos_regs *regs);
void fcos_failsafe_handler(struct fcos_regs *regs);

#endif
