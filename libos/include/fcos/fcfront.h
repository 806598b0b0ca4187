/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fcfront: the library OS's frontend of the fcapsule device (one per app
 * VM, device/fcapsule/0), speaking docs/protocol.md with fcapsule.ko in
 * Dom0.  Apps use <fc.h>; this header is the driver's kernel side.
 */
#ifndef FCOS_FCFRONT_H
#define FCOS_FCFRONT_H

#include <stddef.h>
#include <stdint.h>
#include <fcos/xen.h> /* xen_mb/xen_rmb/xen_wmb before io/ring.h */
#include <xen/event_channel.h>
#include <xen/grant_table.h>
/* The shared ABI lives outside libos/include (compiled by kmod too). */
#include "../../../include/fcapsule/ring.h"

enum fcfront_state {
	FCFRONT_NODEV,	     /* no device/fcapsule/0: nothing to do */
	FCFRONT_CLOSED,	     /* no session; waiting for the backend */
	FCFRONT_INITIALISED, /* keys published, backend not Connected yet */
	FCFRONT_CONNECTED,   /* requests may be pushed */
	FCFRONT_SUSPENDED,   /* between fcfront_suspend and _resume */
	FCFRONT_DETACHED,    /* rings handed to fcfront_detach's caller */
};

struct fcfront_stats {
	uint64_t requests;  /* pushed on the request ring */
	uint64_t responses; /* consumed (matched or not) */
	uint64_t stray;	    /* responses matching no waiting request */
	uint64_t in_msgs;   /* inbound messages consumed and acked */
	uint64_t in_ipc;    /* of which IPC, queued for fc_recv */
	uint64_t sessions;  /* sessions that reached Connected */
	uint64_t failed;    /* requests failed by a session's end */
	uint64_t in_bad;    /* inbound IPC with a bad length or place */
};

int fcfront_init(void);
void fcfront_fini(void);
/* Suspend hooks (fcos/setup.h): the session survives a cancelled
 * suspend; in a new domain it starts again and resends what was in
 * flight. */
int fcfront_suspend(void);
int fcfront_resume(int new_domain);
/* End the session and start another on the same device (tests the
 * backend's session restart). */
int fcfront_restart_session(void);

/* Next queued inbound FC_IN_IPC message (oldest first), waiting until
 * @deadline_ns: 0, -FC_ETIMEDOUT or -FC_ENOENT.  Its body (msg->len
 * bytes, checked to lie in our memory) is at *@body until
 * fcfront_recv_done() acknowledges it; one message is handed out at a
 * time.  fcipc.c builds the app's fc_recv() on these. */
int fcfront_recv(struct fc_in_ipc *msg, const uint8_t **body,
		 uint64_t deadline_ns);
void fcfront_recv_done(void);

/* The out-area for IPC bodies (FC_IPC_F_AREA), NULL if none or no
 * session; its size in *@size. */
void *fcfront_out_area(size_t *size);

/* Drain both rings and re-notify Dom0 if requests are outstanding (the
 * IPC watchdog's poll against lost notifications). */
void fcfront_kick(void);

enum fcfront_state fcfront_state(void);
void fcfront_get_stats(struct fcfront_stats *st);

/*
 * Called first thing by fcos_exit(): sends EXIT with @code if a session
 * is up, waiting at most a short while for the OS server's answer.
 * Weak, so that the exit path links without the driver.
 */
extern void fcfront_exit_notify(int code) __attribute__((weak));

/*
 * Tests only (apps/rogue): take the connected session's rings away from
 * the driver, which stops using them and ignores the backend from then
 * on.  The caller may then write anything to the shared pages.
 */
struct fcfront_raw {
	struct fcapsule_sring *sring;
	struct fcapsule_in_sring *in_sring;
	evtchn_port_t port;
	RING_IDX req_prod_pvt, rsp_cons; /* request ring, at detach */
};
int fcfront_detach(struct fcfront_raw *raw);

#endif
