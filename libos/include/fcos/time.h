/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Time: Xen system time (ns since the host booted, monotonic) from the
 * vcpu_time_info in shared info, and one-shot timers (set_timer_op) whose
 * expiry raises VIRQ_TIMER.
 */
#ifndef FCOS_TIME_H
#define FCOS_TIME_H

#include <stdint.h>

#define FCOS_NSEC_PER_SEC  1000000000ULL
#define FCOS_NSEC_PER_MSEC 1000000ULL
#define FCOS_NSEC_PER_USEC 1000ULL
#define FCOS_TIME_NEVER	   UINT64_MAX

/* Monotonic time in ns. Works from the first instruction of C code. */
uint64_t fcos_monotonic_ns(void);
/* Wall clock (ns since the Unix epoch) = Xen's wallclock base + uptime. */
uint64_t fcos_wallclock_ns(void);
/* Program the one-shot timer; FCOS_TIME_NEVER cancels it. */
int fcos_timer_set(uint64_t deadline_ns);

int fcos_time_init(void);
void fcos_time_fini(void);
int fcos_time_suspend(void);
int fcos_time_resume(void);

#endif
