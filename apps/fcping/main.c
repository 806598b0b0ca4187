// SPDX-License-Identifier: GPL-2.0
/*
 * fcping: connect to fcapsule.ko, print HELLO, answer-check N NOPs (from
 * one thread, then from four at once: out-of-order and ring-full paths),
 * print "FC-NOP-OK <n>".  Used by the integration tests.
 *
 *   fcping [N] [hold] [cycle|cycle=K] [listen]
 *   hold:   stay up; after every new session (backend reloaded) run the
 *           NOPs again and print FC-NOP-OK again
 *   cycle:  end the session and start a new one (fcfront_restart_session),
 *           then the NOPs and HELLO again; cycle=K: K times
 *   listen: then send a LISTEN that only the OS server can answer, print
 *           FC-LISTEN-SENT and the call's result when it returns
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fc.h>
#include <fcos/sched.h>
#include <fcos/time.h>

#define NR_THREADS 4

static int per_thread, running, bad;
static struct fcos_waitq done_wq = FCOS_WAITQ_INIT;

static void nop_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < per_thread; i++)
		if (fc_nop())
			bad++;
	running--;
	fcos_waitq_wake_all(&done_wq);
}

/* N NOPs: half from this thread (payload echo checked), half from four
 * threads at once.  Returns the number answered with status 0. */
static int nops(int n)
{
	uint8_t req[FC_PAYLOAD_SIZE], rsp[FC_PAYLOAD_SIZE];
	int i, rc, ok = 0, serial = n - n / 2;

	for (i = 0; i < serial; i++) {
		memset(req, i & 0xff, sizeof(req));
		rc = fc_call(FC_OP_NOP, req, sizeof(req), rsp, sizeof(rsp));
		if (!rc && !memcmp(req, rsp, sizeof(req)))
			ok++;
		else if (!rc)
			printf("fcping: NOP %d: payload not echoed\n", i);
		else
			printf("fcping: NOP %d: %d\n", i, rc);
	}
	per_thread = (n / 2) / NR_THREADS;
	bad = 0;
	running = NR_THREADS;
	for (i = 0; i < NR_THREADS; i++)
		if (!fcos_thread_create("nop", nop_thread, NULL))
			running--;
	fcos_wait_event(&done_wq, running == 0);
	ok += per_thread * NR_THREADS - bad;
	for (i = per_thread * NR_THREADS; i < n / 2; i++) /* remainder */
		ok += fc_nop() == 0;
	return ok;
}

static int hello(void)
{
	struct fc_hello_rsp h;
	int rc = fc_hello(&h);

	if (rc) {
		printf("FC-HELLO failed %d\n", rc);
		return rc;
	}
	printf("FC-HELLO version=%u domid=%u app_id=%llu parent=%u slots=%u "
	       "ipc_max=%u name=%s\n",
	       h.version, h.domid, (unsigned long long)h.app_id, h.parent_domid,
	       h.ring_slots, h.ipc_inline_max, h.name);
	return 0;
}

int main(int argc, char **argv)
{
	int i, n = 100, hold = 0, cycle = 0, listen = 0, ok, rc;
	struct fcfront_stats st;
	uint64_t seen;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "hold"))
			hold = 1;
		else if (!strcmp(argv[i], "cycle"))
			cycle = 1;
		else if (!strncmp(argv[i], "cycle=", 6))
			cycle = atoi(argv[i] + 6);
		else if (!strcmp(argv[i], "listen"))
			listen = 1;
		else
			n = atoi(argv[i]);
	}
	rc = fc_wait_connected(60 * FCOS_NSEC_PER_SEC);
	if (rc) {
		printf("FC-PING not connected: %d\n", rc);
		return 1;
	}
	printf("FC-PING connected\n");
	if (hello())
		return 1;
	ok = nops(n);
	fcfront_get_stats(&st);
	printf("%s %d session=%llu\n", ok == n ? "FC-NOP-OK" : "FC-NOP-FAIL",
	       ok, (unsigned long long)st.sessions);
	if (ok != n)
		return 1;
	for (i = 0; i < cycle; i++) {
		rc = fcfront_restart_session();
		rc = rc ?: fc_wait_connected(30 * FCOS_NSEC_PER_SEC);
		ok = rc ? 0 : nops(n);
		if (ok != n)
			break;
		if (hello())
			return 1;
	}
	if (cycle) {
		printf("%s %d cycles=%d\n",
		       ok == n ? "FC-CYCLE-OK" : "FC-CYCLE-FAIL", ok, i);
		if (ok != n)
			return 1;
		fcfront_get_stats(&st);
	}
	if (listen) {
		struct fc_listen_req lr = { .proto = FC_PROTO_TCP,
					    .port = 8080 };
		struct fc_listen_rsp lrsp;

		printf("FC-LISTEN-SENT\n");
		rc = fc_call(FC_OP_LISTEN, &lr, sizeof(lr), &lrsp,
			     sizeof(lrsp));
		printf("FC-LISTEN-DONE %d\n", rc);
	}
	if (!hold)
		return 0;
	printf("FC-PING-HOLD\n");
	seen = st.sessions;
	for (;;) {
		fcos_sleep_ns(200 * FCOS_NSEC_PER_MSEC);
		fcfront_get_stats(&st);
		if (st.sessions == seen || !fc_connected())
			continue;
		seen = st.sessions;
		ok = nops(n);
		printf("%s %d session=%llu\n",
		       ok == n ? "FC-NOP-OK" : "FC-NOP-FAIL", ok,
		       (unsigned long long)seen);
	}
}
