// SPDX-License-Identifier: GPL-2.0
/* Event channels: binding hypercalls, handler table, upcall dispatch. */
#include <errno.h>
#include <stdio.h>
#include <fcos/evtchn.h>
#include <fcos/lib.h>

#define BITS 64 /* xen_ulong_t on x86_64 */

struct handler {
	fcos_evtchn_handler_t fn;
	void *data;
};

static struct handler handlers[FCOS_EVTCHN_MAX];

static void set_bit_atomic(xen_ulong_t *words, unsigned int bit)
{
	__atomic_fetch_or(&words[bit / BITS], 1UL << (bit % BITS),
			  __ATOMIC_SEQ_CST);
}

static void clear_bit_atomic(xen_ulong_t *words, unsigned int bit)
{
	__atomic_fetch_and(&words[bit / BITS], ~(1UL << (bit % BITS)),
			   __ATOMIC_SEQ_CST);
}

void fcos_evtchn_mask(evtchn_port_t port)
{
	set_bit_atomic(fcos_shared_info->evtchn_mask, port);
}

void fcos_evtchn_clear(evtchn_port_t port)
{
	clear_bit_atomic(fcos_shared_info->evtchn_pending, port);
}

void fcos_evtchn_unmask(evtchn_port_t port)
{
	struct evtchn_unmask op = { .port = port };

	/* Xen re-raises the upcall if the port is pending meanwhile. */
	fcos_hyp_event_channel_op(EVTCHNOP_unmask, &op);
}

void fcos_evtchn_do_upcall(struct fcos_regs *regs)
{
	shared_info_t *s = fcos_shared_info;
	vcpu_info_t *v = &s->vcpu_info[0];
	xen_ulong_t sel;

	/* Clear before scanning so that a new event re-sets it (see xen.h). */
	v->evtchn_upcall_pending = 0;
	sel = __atomic_exchange_n(&v->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	while (sel) {
		unsigned int w = (unsigned int)__builtin_ctzl(sel);
		xen_ulong_t pend;

		sel &= sel - 1;
		pend = __atomic_load_n(&s->evtchn_pending[w],
				       __ATOMIC_SEQ_CST) &
		       ~__atomic_load_n(&s->evtchn_mask[w], __ATOMIC_SEQ_CST);
		while (pend) {
			unsigned int port =
				w * BITS + (unsigned int)__builtin_ctzl(pend);

			pend &= pend - 1;
			fcos_evtchn_clear(port);
			if (port < FCOS_EVTCHN_MAX && handlers[port].fn)
				handlers[port].fn(port, regs,
						  handlers[port].data);
		}
	}
}

int fcos_evtchn_bind(evtchn_port_t port, fcos_evtchn_handler_t handler,
		     void *data)
{
	if (port >= FCOS_EVTCHN_MAX)
		return -ENOSPC;
	fcos_evtchn_mask(port);
	handlers[port].data = data;
	fcos_barrier(); /* data before fn: the upcall tests fn */
	handlers[port].fn = handler;
	fcos_evtchn_unmask(port);
	return 0;
}

void fcos_evtchn_unbind(evtchn_port_t port)
{
	if (port >= FCOS_EVTCHN_MAX)
		return;
	fcos_evtchn_mask(port);
	handlers[port].fn = NULL;
	handlers[port].data = NULL;
}

static int bind_new(evtchn_port_t port, fcos_evtchn_handler_t handler,
		    void *data, evtchn_port_t *out)
{
	int rc = fcos_evtchn_bind(port, handler, data);

	if (rc) {
		struct evtchn_close cl = { .port = port };

		fcos_hyp_event_channel_op(EVTCHNOP_close, &cl);
		return rc;
	}
	*out = port;
	return 0;
}

int fcos_evtchn_bind_virq(uint32_t virq, fcos_evtchn_handler_t handler,
			  void *data, evtchn_port_t *port)
{
	struct evtchn_bind_virq op = { .virq = virq, .vcpu = 0 };
	int rc = (int)fcos_hyp_event_channel_op(EVTCHNOP_bind_virq, &op);

	if (rc)
		return rc;
	return bind_new(op.port, handler, data, port);
}

int fcos_evtchn_alloc_unbound(domid_t remote, fcos_evtchn_handler_t handler,
			      void *data, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound op = { .dom = DOMID_SELF,
					   .remote_dom = remote };
	int rc = (int)fcos_hyp_event_channel_op(EVTCHNOP_alloc_unbound, &op);

	if (rc)
		return rc;
	return bind_new(op.port, handler, data, port);
}

int fcos_evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port,
				 fcos_evtchn_handler_t handler, void *data,
				 evtchn_port_t *port)
{
	struct evtchn_bind_interdomain op = { .remote_dom = remote,
					      .remote_port = remote_port };
	int rc = (int)fcos_hyp_event_channel_op(EVTCHNOP_bind_interdomain, &op);

	if (rc)
		return rc;
	return bind_new(op.local_port, handler, data, port);
}

int fcos_evtchn_close(evtchn_port_t port)
{
	struct evtchn_close op = { .port = port };

	fcos_evtchn_unbind(port);
	return (int)fcos_hyp_event_channel_op(EVTCHNOP_close, &op);
}

int fcos_evtchn_init(void)
{
	unsigned int i;

	/* Start with every port masked; binding unmasks what we handle. */
	for (i = 0; i < sizeof(fcos_shared_info->evtchn_mask) /
				sizeof(fcos_shared_info->evtchn_mask[0]);
	     i++)
		fcos_shared_info->evtchn_mask[i] = ~0UL;
	return 0;
}

void fcos_evtchn_fini(void)
{
	unsigned int i;

	for (i = 0; i < FCOS_EVTCHN_MAX; i++)
		if (handlers[i].fn)
			fcos_evtchn_unbind(i);
}

/* Ports stay bound: a cancelled suspend goes on with them. */
int fcos_evtchn_suspend(void)
{
	return 0;
}

/*
 * A new domain has no ports at all (the restore masked every one): forget
 * the handlers, so that their owners' resume hooks bind afresh and a port
 * number reused by Xen never reaches a stale handler.
 */
int fcos_evtchn_resume(int new_domain)
{
	if (!new_domain)
		return 0;
	fcos_memset(handlers, 0, sizeof(handlers));
	return 0;
}
