// SPDX-License-Identifier: GPL-2.0
/*
 * Console output on the shared xencons ring.  We are the only producer of
 * out_prod; xenconsoled (Dom0) owns out_cons, which is read once per pass
 * and bounded, since a confused or hostile backend may write anything.
 */
#include <fcos/arch.h>
#include <fcos/console.h>
#include <fcos/hypercall.h>
#include <fcos/time.h>
#include <xen/io/console.h>

static struct xencons_interface *cons;
static evtchn_port_t cons_port;
/* Set once xenconsoled stopped draining: later output is dropped. */
static int cons_stalled;

#define CONS_WAIT_NS (2ULL * 1000 * 1000 * 1000)

static void notify(void)
{
	struct evtchn_send send = { .port = cons_port };

	fcos_hyp_event_channel_op(EVTCHNOP_send, &send);
}

/*
 * Wait for xenconsoled to consume, without needing event upcalls (works
 * before the event subsystem and in minimal images): SCHEDOP_poll on the
 * console port with a short timeout.
 */
static void wait_a_bit(void)
{
	evtchn_port_t port = cons_port;
	struct sched_poll poll = {
		.nr_ports = 1,
		.timeout = fcos_monotonic_ns() + 10 * 1000 * 1000,
	};

	set_xen_guest_handle(poll.ports, &port);
	/* Forget an old notification so that poll can sleep. */
	__atomic_fetch_and(&fcos_shared_info->evtchn_pending[port / 64],
			   ~(1UL << (port % 64)), __ATOMIC_SEQ_CST);
	fcos_hyp_sched_op(SCHEDOP_poll, &poll);
}

int fcos_console_init(void)
{
	struct start_info *si = fcos_start_info;

	cons = fcos_mfn_to_virt(si->console.domU.mfn);
	cons_port = si->console.domU.evtchn;
	cons_stalled = 0;
	return 0;
}

void fcos_console_write(const char *s, size_t n)
{
	uint64_t deadline = 0;

	if (!cons)
		return;
	while (n) {
		XENCONS_RING_IDX c, p, used, space, k;

		c = __atomic_load_n(&cons->out_cons, __ATOMIC_RELAXED);
		p = cons->out_prod;
		/* Read out_cons before reusing the bytes it frees. */
		fcos_mb();
		used = p - c;
		if (used > sizeof(cons->out))
			return; /* corrupt index: drop rather than scribble */
		space = sizeof(cons->out) - used;
		if (!space) {
			if (cons_stalled)
				return;
			if (!deadline)
				deadline = fcos_monotonic_ns() + CONS_WAIT_NS;
			else if (fcos_monotonic_ns() > deadline) {
				cons_stalled = 1;
				return;
			}
			notify();
			wait_a_bit();
			continue;
		}
		k = n < space ? (XENCONS_RING_IDX)n : space;
		for (XENCONS_RING_IDX i = 0; i < k; i++)
			cons->out[MASK_XENCONS_IDX(p + i, cons->out)] = s[i];
		/* Ring bytes must be visible before the new producer index. */
		fcos_wmb();
		cons->out_prod = p + k;
		s += k;
		n -= k;
		deadline = 0;
		cons_stalled = 0;
	}
	notify();
}

void fcos_console_flush(uint64_t timeout_ns)
{
	uint64_t deadline = fcos_monotonic_ns() + timeout_ns;

	if (!cons || cons_stalled)
		return;
	while (__atomic_load_n(&cons->out_cons, __ATOMIC_RELAXED) !=
	       cons->out_prod) {
		if (fcos_monotonic_ns() > deadline)
			return;
		notify();
		wait_a_bit();
	}
}

/* What was written before the suspend reaches the log first. */
int fcos_console_suspend(void)
{
	fcos_console_flush(CONS_WAIT_NS);
	return 0;
}

/* The page keeps its pfn; a new domain has another port (start_info). */
int fcos_console_resume(int new_domain)
{
	return new_domain ? fcos_console_init() : 0;
}
