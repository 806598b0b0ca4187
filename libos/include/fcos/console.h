/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest console on the start_info console ring (read by xenconsoled in
 * Dom0, logged to /var/log/xen/console/guest-<name>.log).
 */
#ifndef FCOS_CONSOLE_H
#define FCOS_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

int fcos_console_init(void);
void fcos_console_write(const char *s, size_t n);
/* Wait until xenconsoled has read everything, at most @timeout_ns. */
void fcos_console_flush(uint64_t timeout_ns);
int fcos_console_suspend(void);
int fcos_console_resume(int new_domain);

#endif
