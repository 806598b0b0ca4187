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
/*
 * A TSC interval (fcos_rdtsc() - fcos_rdtsc()) in ns at Xen's rate for
 * this vCPU.  For benchmarks: fcos_monotonic_ns() is re-based at every
 * Xen time update, which under emulation can step it back by more than
 * a short interval; the raw TSC does not (on one pinned pCPU).
 */
uint64_t fcos_tsc_to_ns(uint64_t cycles);
uint64_t fcos_tsc_scale(uint64_t cycles, uint32_t mul, int8_t shift);
/* Wall clock (ns since the Unix epoch) = Xen's wallclock base + uptime. */
uint64_t fcos_wallclock_ns(void);
/* Program the one-shot timer; FCOS_TIME_NEVER cancels it. */
int fcos_timer_set(uint64_t deadline_ns);

int fcos_time_init(void);
void fcos_time_fini(void);
int fcos_time_suspend(void);
int fcos_time_resume(int new_domain);

#endif
