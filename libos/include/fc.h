/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The app-facing FlexCapsule API: requests to the OS (fcapsule.ko and the
 * OS server in Dom0) over the fcapsule ring.  Every call blocks the
 * calling thread only; other threads keep running.  Return values are 0
 * or -FC_E* (the backend's status, or a local one: -FC_ENOENT no fcapsule
 * device, -FC_EIO session ended before the answer, -FC_ETIMEDOUT).
 */
#ifndef FC_H
#define FC_H

#include <stddef.h>
#include <stdint.h>
#include <fcos/fcfront.h>

/*
 * Send request @op (FC_OP_*) with @len bytes of payload (rest zero) and
 * wait for its response; up to @rsp_len bytes of the response payload
 * are copied to @rsp.  Waits for the session and for a free ring slot
 * first.  Any number of threads may call at once.
 */
int fc_call(uint32_t op, const void *req, size_t len, void *rsp,
	    size_t rsp_len);
/* Same with request flags and a deadline (monotonic ns, FCOS_TIME_NEVER
 * for none); a request that times out is forgotten (its late response is
 * dropped). */
int fc_call_ex(uint32_t op, uint32_t flags, const void *req, size_t len,
	       void *rsp, size_t rsp_len, uint64_t deadline_ns);

/* NOP: the smallest round trip (answered by fcapsule.ko). */
int fc_nop(void);
/* HELLO: who we are according to the backend. */
int fc_hello(struct fc_hello_rsp *info);

/* 1 if a session is up now. */
int fc_connected(void);
/* Wait until connected: 0, -FC_ETIMEDOUT, or -FC_ENOENT (no device). */
int fc_wait_connected(uint64_t timeout_ns);

/* IPC between app VMs: fc_send, fc_recv (fcipc.c). */
#include <fc/ipc.h>

#endif
