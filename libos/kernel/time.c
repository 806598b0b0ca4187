// SPDX-License-Identifier: GPL-2.0
/* Monotonic clock from vcpu_time_info, and VIRQ_TIMER for set_timer_op. */
#include <fcos/arch.h>
#include <fcos/evtchn.h>
#include <fcos/hypercall.h>
#include <fcos/time.h>

static evtchn_port_t timer_port = FCOS_EVTCHN_INVALID;
/* Added to Xen's system time: the clock never goes back across a
 * restore on a host whose Xen has been up for less time. */
static uint64_t clock_offset;
static uint64_t suspended_at;

static uint64_t xen_system_ns(void)
{
	volatile struct vcpu_time_info *t =
		&fcos_shared_info->vcpu_info[0].time;
	uint32_t version, mul;
	uint64_t tsc_ts, sys;
	int8_t shift;

	/* Xen bumps version to odd before an update, to even after. */
	do {
		version = t->version;
		fcos_rmb(); /* version before the fields */
		tsc_ts = t->tsc_timestamp;
		sys = t->system_time;
		mul = t->tsc_to_system_mul;
		shift = t->tsc_shift;
		fcos_rmb(); /* fields before the re-check of version */
	} while ((version & 1) || version != t->version);

	return sys + fcos_tsc_scale(fcos_rdtsc() - tsc_ts, mul, shift);
}

uint64_t fcos_monotonic_ns(void)
{
	return xen_system_ns() + clock_offset;
}

uint64_t fcos_tsc_scale(uint64_t cycles, uint32_t mul, int8_t shift)
{
	if (shift < 0)
		cycles >>= -shift;
	else
		cycles <<= shift;
	return (uint64_t)(((unsigned __int128)cycles * mul) >> 32);
}

uint64_t fcos_tsc_to_ns(uint64_t cycles)
{
	volatile struct vcpu_time_info *t =
		&fcos_shared_info->vcpu_info[0].time;

	/* mul/shift change only with the TSC's rate: no version loop */
	return fcos_tsc_scale(cycles, t->tsc_to_system_mul, t->tsc_shift);
}

uint64_t fcos_wallclock_ns(void)
{
	volatile shared_info_t *s = fcos_shared_info;
	uint32_t version;
	uint64_t sec, nsec;

	do {
		version = s->wc_version;
		fcos_rmb();
		sec = s->wc_sec | ((uint64_t)s->xen_wc_sec_hi << 32);
		nsec = s->wc_nsec;
		fcos_rmb();
	} while ((version & 1) || version != s->wc_version);
	return sec * FCOS_NSEC_PER_SEC + nsec + fcos_monotonic_ns();
}

int fcos_timer_set(uint64_t deadline_ns)
{
	/* 0 cancels; a deadline in the past fires at once. */
	if (deadline_ns == FCOS_TIME_NEVER)
		deadline_ns = 0;
	else if (!deadline_ns)
		deadline_ns = 1;
	return (int)fcos_hyp_set_timer_op(deadline_ns);
}

/* Nothing to do in the handler: the scheduler looks at the clock. */
static void timer_handler(evtchn_port_t port, struct fcos_regs *regs,
			  void *data)
{
	(void)port;
	(void)regs;
	(void)data;
}

int fcos_time_init(void)
{
	return fcos_evtchn_bind_virq(VIRQ_TIMER, timer_handler, NULL,
				     &timer_port);
}

void fcos_time_fini(void)
{
	if (timer_port != FCOS_EVTCHN_INVALID)
		fcos_evtchn_close(timer_port);
	timer_port = FCOS_EVTCHN_INVALID;
}

int fcos_time_suspend(void)
{
	suspended_at = fcos_monotonic_ns();
	return 0;
}

/* A new domain has no VIRQ binding; its Xen may have another clock. */
int fcos_time_resume(int new_domain)
{
	uint64_t now;

	if (!new_domain)
		return 0;
	timer_port = FCOS_EVTCHN_INVALID; /* went with the old domain */
	now = xen_system_ns();
	if (now + clock_offset < suspended_at)
		clock_offset = suspended_at - now;
	return fcos_time_init();
}
