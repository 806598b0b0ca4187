/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Event channels (2-level ABI).  Handlers run in upcall context with
 * events masked: they must not block, allocate or switch threads; wake a
 * wait queue (fcos/sched.h) instead.  Ports below FCOS_EVTCHN_MAX only.
 */
#ifndef FCOS_EVTCHN_H
#define FCOS_EVTCHN_H

#include <fcos/arch.h>
#include <fcos/hypercall.h>

#define FCOS_EVTCHN_MAX	    256
#define FCOS_EVTCHN_INVALID ((evtchn_port_t)-1)

typedef void (*fcos_evtchn_handler_t)(evtchn_port_t port,
				      struct fcos_regs *regs, void *data);

int fcos_evtchn_init(void);
void fcos_evtchn_fini(void);
int fcos_evtchn_suspend(void);
int fcos_evtchn_resume(int new_domain);

/* Attach a handler to an already bound port (console, xenstore); the
 * port is unmasked.  fcos_evtchn_unbind() masks it and drops the handler. */
int fcos_evtchn_bind(evtchn_port_t port, fcos_evtchn_handler_t handler,
		     void *data);
void fcos_evtchn_unbind(evtchn_port_t port);

/* Each of these binds a new port, attaches @handler, unmasks it and
 * stores the local port in *@port.  Return 0 or a negative errno. */
int fcos_evtchn_bind_virq(uint32_t virq, fcos_evtchn_handler_t handler,
			  void *data, evtchn_port_t *port);
int fcos_evtchn_alloc_unbound(domid_t remote, fcos_evtchn_handler_t handler,
			      void *data, evtchn_port_t *port);
int fcos_evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port,
				 fcos_evtchn_handler_t handler, void *data,
				 evtchn_port_t *port);
/* Unbind and EVTCHNOP_close. */
int fcos_evtchn_close(evtchn_port_t port);

void fcos_evtchn_mask(evtchn_port_t port);
void fcos_evtchn_unmask(evtchn_port_t port);
void fcos_evtchn_clear(evtchn_port_t port);

static inline int fcos_evtchn_notify(evtchn_port_t port)
{
	struct evtchn_send send = { .port = port };

	return (int)fcos_hyp_event_channel_op(EVTCHNOP_send, &send);
}

/* Called from entry.S with events masked. */
void fcos_evtchn_do_upcall(struct fcos_regs *regs);

#endif
