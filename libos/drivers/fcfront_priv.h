/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fcfront's private header: the device state shared by its files --
 * fcfront.c (the xenbus session, threads, suspend/resume), fcfront_ring.c
 * (requests, responses and inbound messages on the two rings),
 * fcfront_area.c (the IPC data areas) and fcfront_hooks.c (listen() ->
 * NAPT).
 */
#ifndef FCFRONT_PRIV_H
#define FCFRONT_PRIV_H

#include <fc.h>
#include <fcos/evtchn.h>
#include <fcos/fcfront.h>
#include <fcos/gnttab.h>
#include <fcos/sched.h>
#include <fcos/time.h>
#include <fcos/xenbus.h>

#define FE_DIR		    "device/fcapsule/0"
#define INQ_LEN		    FC_RING_SLOTS /* every unacked inbound slot */
#define OUT_AREA_PAGES	    4 /* bodies we send: FC_IPC_AREA_MSG_MAX */
#define IN_AREA_PAGES	    8 /* bodies Dom0 puts for us */
#define EXIT_TIMEOUT_NS	    (500 * FCOS_NSEC_PER_MSEC)
#define CLOSE_TIMEOUT_NS    (2 * FCOS_NSEC_PER_SEC)
#define MAX_FAILED_SESSIONS 3 /* restarts without reaching Connected */

/* One index of a shared page, read exactly once. */
#define READ_IDX(p) (*(volatile RING_IDX *)&(p))

/* A caller's request, on its stack, while it waits for the response;
 * the request is kept to be sent again on a new domain's ring. */
struct fcfront_waiter {
	uint64_t id;
	uint32_t opcode;
	int done;
	int32_t status;
	struct fcapsule_request req;
	struct fcapsule_response rsp;
};

struct fcfront_dev {
	enum fcfront_state state;
	domid_t backend_id;
	char be[128];	    /* backend directory */
	char be_state[160]; /* its state node (the watched path) */
	struct fcapsule_sring *sring;
	struct fcapsule_in_sring *in_sring;
	grant_ref_t ref, in_ref;
	evtchn_port_t port;
	struct fcapsule_front_ring ring;
	struct fcapsule_in_back_ring in;
	uint64_t next_id;
	struct fcfront_waiter *inflight[FC_RING_SLOTS];
	int evt;	/* event arrived since the last drain */
	int need_close; /* ring protocol error: rx thread closes */
	int lock;	/* control(): one state transition at a time */
	int failed_sessions;
	int threads_started;
	/* From suspend to resume the backend directory may be another
	 * domain's (in a new domain): its state must not be acted on. */
	int suspended, missed_control;
	struct fcos_waitq wq; /* callers, fcfront-rx, control lock */
	/* Inbound messages copied out of the ring, acked when consumed
	 * (an area body stays in the in-area until then). */
	struct fcapsule_in_request inq[INQ_LEN];
	unsigned int inq_head, inq_len;
	unsigned int inq_taken; /* fcfront_recv handed out the head */
	unsigned int inq_gen;	/* sessions: a stale recv_done is ignored */
	void *out_area, *in_area;
	grant_ref_t out_refs[OUT_AREA_PAGES], in_refs[IN_AREA_PAGES];
	struct fcos_xs_watch watch;
	struct fcfront_stats st;
};

extern struct fcfront_dev fcfront_dev;

/* fcfront_ring.c */
void fcfront_fail_inflight(void);
void fcfront_poll_rings(void);
void fcfront_resend_inflight(void);

/* fcfront_hooks.c: the hooks, by a name the network stack does not
 * declare weak */
extern int (*const fcfront_listen_hooks[2])(uint16_t port);

/* fcfront_area.c */
void fcfront_areas_setup(void);
void fcfront_areas_release(void);
int fcfront_areas_regrant(void);
int fcfront_areas_publish(fcos_xs_transaction_t t);

#endif
