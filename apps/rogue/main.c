// SPDX-License-Identifier: GPL-2.0
/*
 * rogue: a hostile frontend for the tests.  Connects normally, then takes
 * the rings from the driver (fcfront_detach) and writes garbage: bad
 * opcodes, nonzero reserved fields and flags, huge lengths (answered with
 * errors), then a request producer far past the ring (fatal for the
 * session).  Prints FC-ROGUE-DONE and sleeps.
 *
 *   rogue behind: leave one LISTEN unanswered (no OS server), then move
 *   req_prod one behind req_cons, where rp - rsp_prod_pvt is 0 and only a
 *   check against req_cons sees that 2^32 - 1 requests are claimed.
 */
#include <stdio.h>
#include <string.h>
#include <fc.h>
#include <fcos/evtchn.h>
#include <fcos/sched.h>
#include <fcos/time.h>

static struct fcfront_raw raw;
static RING_IDX prod;

static struct fcapsule_request *slot(void)
{
	return &raw.sring->ring[prod++ & (FC_RING_SLOTS - 1)].req;
}

static void push(void)
{
	/* Slots before the index, as a correct frontend would (the point
	 * is the contents, not a torn write). */
	xen_wmb();
	raw.sring->req_prod = prod;
	fcos_evtchn_notify(raw.port);
}

static __attribute__((noreturn)) void sleep_forever(void)
{
	for (;;)
		fcos_sleep_ns(FCOS_NSEC_PER_SEC);
}

static void behind(void)
{
	struct fcapsule_request *r;
	RING_IDX first = prod;

	r = slot();
	memset(r, 0, sizeof(*r));
	r->id = 2001;
	r->opcode = FC_OP_LISTEN;
	r->u.listen.proto = FC_PROTO_TCP;
	r->u.listen.port = 8080;
	r = slot(); /* a NOP after it: answered, the LISTEN stays pending */
	memset(r, 0, sizeof(*r));
	r->id = 2002;
	r->opcode = FC_OP_NOP;
	push();
	fcos_sleep_ns(500 * FCOS_NSEC_PER_MSEC);
	printf("FC-ROGUE behind: req_cons=%u rsp_prod=%u\n", prod,
	       raw.sring->rsp_prod);
	if (raw.sring->rsp_prod != first + 1) {
		printf("FC-ROGUE behind: the LISTEN did not stay pending\n");
		return;
	}
	raw.sring->req_prod = prod - 1;
	fcos_evtchn_notify(raw.port);
	printf("FC-ROGUE-BEHIND-DONE\n");
}

int main(int argc, char **argv)
{
	struct fcapsule_request *r;
	RING_IDX i, first;

	if (fc_wait_connected(60 * FCOS_NSEC_PER_SEC) || fc_nop()) {
		printf("FC-ROGUE not connected\n");
		return 1;
	}
	if (fcfront_detach(&raw))
		return 1;
	printf("FC-ROGUE connected, detached\n");
	prod = raw.req_prod_pvt;
	first = prod;
	if (argc > 1 && !strcmp(argv[1], "behind")) {
		behind();
		sleep_forever();
	}

	r = slot(); /* unknown opcode */
	memset(r, 0, sizeof(*r));
	r->id = 1001;
	r->opcode = 999;
	r = slot(); /* NOP with undefined flags */
	memset(r, 0, sizeof(*r));
	r->id = 1002;
	r->opcode = FC_OP_NOP;
	r->flags = 0x80000000u;
	r = slot(); /* HELLO with garbage payload */
	memset(r, 0xff, sizeof(*r));
	r->id = 1003;
	r->opcode = FC_OP_HELLO;
	r->flags = 0;
	r = slot(); /* IPC_SEND with a huge length */
	memset(r, 0, sizeof(*r));
	r->id = 1004;
	r->opcode = FC_OP_IPC_SEND;
	r->u.ipc_send.dest_domid = 0;
	r->u.ipc_send.len = 0xffffffffu;
	r = slot(); /* LISTEN with reserved fields set */
	memset(r, 0, sizeof(*r));
	r->id = 1005;
	r->opcode = FC_OP_LISTEN;
	r->u.listen.proto = FC_PROTO_TCP;
	r->u.listen.port = 80;
	r->u.listen.reserved2 = 0xdeadbeef;
	r = slot(); /* IPC_SEND by name without a terminating NUL */
	memset(r, 'A', sizeof(*r));
	r->id = 1006;
	r->opcode = FC_OP_IPC_SEND;
	r->flags = FC_IPC_F_BY_NAME;
	r->u.ipc_send.dest_domid = 0;
	r->u.ipc_send.len = 64;
	push();
	fcos_sleep_ns(500 * FCOS_NSEC_PER_MSEC);
	for (i = first; i != raw.sring->rsp_prod && i - first < 6; i++) {
		struct fcapsule_response rsp = raw.sring->ring[i & 31].rsp;

		printf("FC-ROGUE rsp id=%llu status=%d\n",
		       (unsigned long long)rsp.id, rsp.status);
	}

	/* Fatal: a producer index far past anything the ring can hold. */
	raw.sring->req_prod = raw.sring->rsp_prod + 1000 * FC_RING_SLOTS;
	fcos_evtchn_notify(raw.port);
	fcos_sleep_ns(200 * FCOS_NSEC_PER_MSEC);
	/* And more noise after that: it must be ignored. */
	raw.sring->req_prod = 0xfffffff0u;
	raw.in_sring->rsp_prod = 12345;
	fcos_evtchn_notify(raw.port);
	printf("FC-ROGUE-DONE\n");
	sleep_forever();
}
