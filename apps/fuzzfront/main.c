// SPDX-License-Identifier: GPL-2.0
/*
 * fuzzfront: a hostile frontend that fuzzes fcapsule.ko from an app VM.
 * It connects normally, takes the rings from the driver (fcfront_detach)
 * and then, from a seed printed first for replay, runs at least N
 * operations:
 *  - batches of random request slots (random opcodes, flags, payloads,
 *    a few valid LISTENs left pending), rewritten after the push while the
 *    backend copies them;
 *  - notification storms with nothing produced; valid in-ring acks;
 *  - adversarial producer indexes (behind req_cons, wrapping, far ahead;
 *    equal: harmless) and in-ring acks beyond what was sent (fatal);
 *  - hostile handshakes (bad or missing version and keys, ring-ref ==
 *    in-ring-ref, bad, ungranted and read-only grants, bad port, area page
 *    counts over 16, missing or aliased area refs) and reconnect storms.
 * It checks what the backend writes: every response within what was
 * pushed, every status 0 or a negative errno.  Ends with a clean session
 * and NOPs, prints FC-FUZZ-DONE and sleeps.
 *
 *   fuzzfront [SEED [N]]      N defaults to 100000; SEED 0: from the clock
 *   fuzzfront steady          a well-behaved neighbour: NOPs for ever,
 *                             FC-FUZZ-STEADY n=.. errors=.. every 500
 * and, for the fairness benchmark (scripts/bench-fair):
 *   fuzzfront lat N           N NOP round trips timed, one line
 *                             FC-FUZZ-LAT n=.. min=.. p50=.. p99=.. max=..
 *                             (µs, raw TSC) tsc_min=.. (cycles) and the
 *                             same from fcos_monotonic_ns (mono_*), over
 *                             the samples Xen did not update our time
 *                             info during (spanned=: the others)
 *   fuzzfront storm           notifications for ever, no request
 *   fuzzfront ipcflood NAME   IPC_SEND of 8 bytes to NAME for ever
 * and, odd but legal:
 *   fuzzfront prefill         ends its session, writes HELLO, 4 NOPs and a
 *                             LISTEN (for the OS server) into the fresh
 *                             ring and notifies, all before Initialised;
 *                             prints what each got (FC-PREFILL-...), then
 *                             keeps 32 LISTENs outstanding at once
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fc.h>
#include <fc/stats.h>
#include <fcos/arch.h>
#include <fcos/evtchn.h>
#include <fcos/gnttab.h>
#include <fcos/mm.h>
#include <fcos/sched.h>
#include <fcos/time.h>
#include <fcos/xenbus.h>

#define FE     "device/fcapsule/0"
#define MS     FCOS_NSEC_PER_MSEC
#define NSLOTS FC_RING_SLOTS

static struct fcfront_raw raw;
static RING_IDX prod, rsp_cons;
static char be[128], be_state[160];
static unsigned int ring_ref, in_ring_ref, port;
static domid_t self;
static uint64_t rng;
static unsigned long long ops;
static RING_IDX pending;     /* unanswered: LISTENs the OS server holds */
static RING_IDX new_listens; /* valid LISTENs in the batch being built */
static unsigned long long listen_id = 1ULL << 40;

static struct {
	unsigned int sessions, connected, refused, timeouts;
	unsigned int fatal_tried, fatal_cut, in_tried, in_cut;
	unsigned int backend_bad, bad_status, stalls;
	unsigned long long responses, st_ok, st_inval, st_nosys, st_busy,
		st_other;
} s;

static uint32_t rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 2685821657736338717ULL) >> 32);
}

static int be_read_state(void)
{
	enum xenbus_state st;

	if (fcos_xenbus_read_state(be, &st))
		return -1;
	return st;
}

/* Wait until the backend's state is @a or @b: the state, or -1. */
static int wait_be(int a, int b, uint64_t ms)
{
	uint64_t end = fcos_monotonic_ns() + ms * MS;
	int st;

	do {
		st = be_read_state();
		if (st == a || st == b)
			return st;
		fcos_sleep_ns(2 * MS);
	} while (fcos_monotonic_ns() < end);
	return -1;
}

static void fe_state(enum xenbus_state st)
{
	fcos_xenbus_switch_state(FCOS_XS_NO_TRANSACTION, FE, st);
}

static void put(const char *key, const char *fmt, unsigned int v)
{
	char path[96];

	snprintf(path, sizeof(path), FE "/%s", key);
	fcos_xs_printf(FCOS_XS_NO_TRANSACTION, path, fmt, v);
}

static void del(const char *key)
{
	char path[96];

	snprintf(path, sizeof(path), FE "/%s", key);
	fcos_xs_rm(FCOS_XS_NO_TRANSACTION, path);
}

enum hs {
	HS_GOOD,
	HS_BADVER,
	HS_VERSTR,
	HS_NOVER,
	HS_NORING,
	HS_NOEVT,
	HS_SAMEREF,
	HS_BADREF,
	HS_UNGRANTED,
	HS_ROREF,
	HS_BADPORT,
	HS_PAGES17,
	HS_PAGESHUGE,
	HS_AREANOREF,
	HS_AREABADREF,
	HS_AREAALIAS,
	HS_KINDS,
	HS_OUTONLY = HS_KINDS /* not hostile: an out-area, no in-area */
};

static const char *const hs_name[HS_KINDS] = {
	"good",	     "badver",	  "verstr",	"nover",
	"noring",    "noevt",	  "sameref",	"badref",
	"ungranted", "roref",	  "badport",	"pages17",
	"pageshuge", "areanoref", "areabadref", "areaalias",
};

/*
 * Whether a kind must end the session at connect (never Connected); an
 * in-area aliasing the ring may connect (the backend trusts neither page).
 */
static int hs_fatal(enum hs k)
{
	return k != HS_GOOD && k != HS_AREAALIAS;
}

static unsigned int hs_tries[HS_KINDS], hs_closing[HS_KINDS], hs_conn[HS_KINDS],
	hs_timeout[HS_KINDS];
static grant_ref_t ro_ref, rw_ref;
/* Ports Dom0 cannot bind: one offered to ourselves, one closed. */
static evtchn_port_t self_port, closed_port;

/* A well-formed handshake: our rings and port, no IPC areas. */
static void put_good_keys(void)
{
	put(FC_XS_VERSION, "%u", FC_PROTO_VERSION);
	put(FC_XS_RING_REF, "%u", ring_ref);
	put(FC_XS_IN_RING_REF, "%u", in_ring_ref);
	put(FC_XS_EVTCHN, "%u", port);
	del(FC_XS_IPC_OUT_PAGES);
	del(FC_XS_IPC_IN_PAGES);
}

/*
 * End the session (if any), wait for the backend Closed, then start one
 * with the keys of @kind.  Returns 4 (Connected), 5 (Closing) or -1.
 */
static int session(enum hs kind)
{
	int st;

	fe_state(XenbusStateClosing);
	fe_state(XenbusStateClosed);
	if (wait_be(XenbusStateClosed, XenbusStateClosed, 5000) < 0) {
		s.timeouts++;
		return -1;
	}
	SHARED_RING_INIT(raw.sring);
	SHARED_RING_INIT(raw.in_sring);
	prod = 0;
	rsp_cons = 0;
	pending = 0;
	xen_wmb();

	put_good_keys();
	switch (kind) {
	case HS_GOOD:
		break;
	case HS_BADVER:
		put(FC_XS_VERSION, "%u", 2 + rnd() % 1000);
		break;
	case HS_VERSTR:
		put(FC_XS_VERSION, "x%u", rnd());
		break;
	case HS_NOVER:
		del(FC_XS_VERSION);
		break;
	case HS_NORING:
		del(FC_XS_RING_REF);
		break;
	case HS_NOEVT:
		del(FC_XS_EVTCHN);
		break;
	case HS_SAMEREF:
		put(FC_XS_IN_RING_REF, "%u", ring_ref);
		break;
	case HS_BADREF:
		put(rnd() & 1 ? FC_XS_RING_REF : FC_XS_IN_RING_REF, "%u",
		    0x100000u + rnd() % 0x7fffffffu);
		break;
	case HS_UNGRANTED:
		/* Near ours, but not granted (or not to Dom0). */
		put(FC_XS_IN_RING_REF, "%u", in_ring_ref + 200 + rnd() % 200);
		break;
	case HS_ROREF:
		put(FC_XS_RING_REF, "%u", ro_ref);
		break;
	case HS_BADPORT:
		/*
		 * Not a neighbour of ours: the suspend event channel is one,
		 * and Dom0 may bind it.
		 */
		switch (rnd() % 3) {
		case 0:
			put(FC_XS_EVTCHN, "%u", 0xfffffu + rnd() % 1000);
			break;
		case 1:
			put(FC_XS_EVTCHN, "%u", self_port);
			break;
		default:
			put(FC_XS_EVTCHN, "%u", closed_port);
			break;
		}
		break;
	case HS_PAGES17:
		put(FC_XS_IPC_OUT_PAGES, "%u", 17 + rnd() % 100);
		break;
	case HS_PAGESHUGE:
		put(FC_XS_IPC_IN_PAGES, "%u", 0xffffffffu);
		break;
	case HS_AREANOREF:
		put(FC_XS_IPC_IN_PAGES, "%u", 2);
		del(FC_XS_IPC_IN_REF "0");
		del(FC_XS_IPC_IN_REF "1");
		break;
	case HS_AREABADREF:
		put(FC_XS_IPC_OUT_PAGES, "%u", 1);
		put(FC_XS_IPC_OUT_REF "0", "%u", 0x200000u + rnd() % 1000);
		break;
	case HS_OUTONLY:
		put(FC_XS_IPC_OUT_PAGES, "%u", 1);
		put(FC_XS_IPC_OUT_REF "0", "%u", rw_ref);
		break;
	case HS_AREAALIAS:
		/* The in-area is the request ring's page. */
		put(FC_XS_IPC_IN_PAGES, "%u", 1);
		put(FC_XS_IPC_IN_REF "0", "%u", ring_ref);
		break;
	default:
		break;
	}
	fe_state(XenbusStateInitialised);
	s.sessions++;
	ops++;
	st = wait_be(XenbusStateConnected, XenbusStateClosing, 5000);
	if (st == XenbusStateConnected) {
		fe_state(XenbusStateConnected);
		s.connected++;
	} else if (st == XenbusStateClosing) {
		s.refused++;
	} else {
		s.timeouts++;
	}
	return st;
}

/* A connected session with good keys, retrying through rate limits. */
static int reconnect(void)
{
	for (int i = 0; i < 100; i++) {
		if (session(HS_GOOD) == XenbusStateConnected)
			return 0;
		fcos_sleep_ns(100 * MS);
	}
	return -1;
}

static void tally(const struct fcapsule_response *r)
{
	s.responses++;
	if (r->status > 0 || r->status < -4095)
		s.bad_status++;
	else if (!r->status)
		s.st_ok++;
	else if (r->status == -FC_EINVAL)
		s.st_inval++;
	else if (r->status == -FC_ENOSYS)
		s.st_nosys++;
	else if (r->status == -FC_EBUSY)
		s.st_busy++;
	else
		s.st_other++;
}

/* Take the responses; returns how many remain unanswered. */
static RING_IDX drain(void)
{
	RING_IDX rp = raw.sring->rsp_prod;

	xen_rmb();
	if (rp - rsp_cons > prod - rsp_cons) {
		s.backend_bad++; /* more responses than requests */
		rsp_cons = rp;
		return 0;
	}
	while (rsp_cons != rp) {
		struct fcapsule_response r =
			raw.sring->ring[rsp_cons++ % NSLOTS].rsp;

		tally(&r);
	}
	raw.sring->rsp_event = rsp_cons + 1;
	return prod - rsp_cons;
}

/* Wait until the backend stops answering (or only @left remain). */
static RING_IDX settle(RING_IDX left)
{
	uint64_t quiet = fcos_monotonic_ns() + 300 * MS;
	RING_IDX n = drain(), seen = rsp_cons;

	while (n > left && fcos_monotonic_ns() < quiet) {
		fcos_yield();
		n = drain();
		if (rsp_cons != seen) {
			seen = rsp_cons;
			quiet = fcos_monotonic_ns() + 300 * MS;
		}
	}
	return n;
}

static void push(void)
{
	xen_wmb();
	raw.sring->req_prod = prod;
	fcos_evtchn_notify(raw.port);
}

static void random_request(struct fcapsule_request *r)
{
	uint8_t *b = (uint8_t *)r;
	uint32_t op = rnd() % 16;

	for (size_t i = 0; i < sizeof(*r); i++)
		b[i] = (uint8_t)rnd();
	r->id = rnd();
	r->opcode = op < 9 ? op : rnd();
	if (rnd() % 4)
		r->flags = 0;
	switch (r->opcode) {
	case FC_OP_NOP:
		break;
	case FC_OP_HELLO:
		if (rnd() % 2)
			memset(&r->u, 0, sizeof(r->u));
		break;
	case FC_OP_IPC_SEND:
		r->flags &= FC_IPC_F_BY_NAME | FC_IPC_F_AREA;
		r->u.ipc_send.len %= rnd() % 2 ? 80 : 0xffffffffu;
		if (rnd() % 2)
			r->u.ipc_send.dest_domid =
				rnd() % 2 ? self : rnd() % 64;
		if (!(r->flags & FC_IPC_F_BY_NAME) && rnd() % 2)
			memset(r->u.ipc_send.dest_name, 0,
			       sizeof(r->u.ipc_send.dest_name));
		break;
	case FC_OP_FORK:
	case FC_OP_LISTEN:
	case FC_OP_UNLISTEN:
	case FC_OP_EXIT:
		/* Mostly malformed; a few valid LISTENs stay pending. */
		if (r->opcode == FC_OP_LISTEN && pending + new_listens < 8 &&
		    !(rnd() % 8)) {
			memset(r, 0, sizeof(*r));
			r->id = listen_id++;
			r->opcode = FC_OP_LISTEN;
			r->u.listen.proto = FC_PROTO_TCP;
			r->u.listen.port = 1 + rnd() % 65535;
			new_listens++;
		} else {
			r->flags |= 1u << (rnd() % 32);
		}
		break;
	}
}

static void ring_batch(void)
{
	RING_IDX room = NSLOTS - (prod - rsp_cons), k, i, first = prod;

	if (!room) {
		s.stalls++;
		pending = settle(0);
		return;
	}
	k = 1 + rnd() % room;
	new_listens = 0;
	for (i = 0; i < k; i++)
		random_request(&raw.sring->ring[prod++ % NSLOTS].req);
	push();
	/* Rewrite the slots while the backend may be copying them. */
	if (rnd() % 2)
		for (i = first; i != prod; i++)
			raw.sring->ring[i % NSLOTS].req.opcode = rnd();
	ops += k;
	/* Those may stay pending (or be refused -EBUSY: answered). */
	pending = settle(pending + new_listens);
}

static void notify_storm(void)
{
	unsigned int n = 100 + rnd() % 900;

	for (unsigned int i = 0; i < n; i++)
		fcos_evtchn_notify(raw.port);
	ops += n;
}

static void in_ack(void)
{
	/* Valid: acknowledge everything sent. */
	raw.in_sring->rsp_prod = raw.in_sring->req_prod;
	raw.in_sring->req_event = raw.in_sring->req_prod + 1;
	fcos_evtchn_notify(raw.port);
	ops++;
}

/* An index the backend must treat as fatal: returns whether it did. */
static int fatal_index(void)
{
	uint32_t how = rnd() % 5;
	int st;

	switch (how) {
	case 0: /* behind req_cons, with a LISTEN pending or not */
		raw.sring->req_prod = prod - 1 - rnd() % 64;
		break;
	case 1: /* wrapping */
		raw.sring->req_prod = prod + 0x80000000u + rnd() % 1000;
		break;
	case 2: /* far ahead */
		raw.sring->req_prod = rsp_cons + NSLOTS + 1 + rnd() % 100000;
		break;
	case 3: /* acks of messages never sent */
		raw.in_sring->rsp_prod =
			raw.in_sring->req_prod + 1 + rnd() % 1000;
		break;
	default: /* equal: nothing new, must be harmless */
		raw.sring->req_prod = prod;
		fcos_evtchn_notify(raw.port);
		ops++;
		return 1;
	}
	fcos_evtchn_notify(raw.port);
	ops++;
	if (how == 3)
		s.in_tried++;
	else
		s.fatal_tried++;
	st = wait_be(XenbusStateClosing, XenbusStateClosing, 5000);
	if (st != XenbusStateClosing)
		return 0;
	if (how == 3)
		s.in_cut++;
	else
		s.fatal_cut++;
	return 1;
}

static void hostile_handshake(void)
{
	static unsigned int next;
	enum hs k = 1 + next++ % (HS_KINDS - 1);
	int st = session(k);

	hs_tries[k]++;
	if (st == XenbusStateConnected)
		hs_conn[k]++;
	else if (st == XenbusStateClosing)
		hs_closing[k]++;
	else
		hs_timeout[k]++;
}

static int read_uint(const char *key, unsigned int *v)
{
	unsigned long long x;
	char path[96];

	snprintf(path, sizeof(path), FE "/%s", key);
	if (fcos_xs_read_ull(FCOS_XS_NO_TRANSACTION, path, &x))
		return -1;
	*v = (unsigned int)x;
	return 0;
}

static int setup(void)
{
	char *b = NULL;
	void *page;

	if (fc_wait_connected(60 * FCOS_NSEC_PER_SEC) || fc_nop()) {
		printf("FC-FUZZ not connected\n");
		return -1;
	}
	if (fcos_xs_read(FCOS_XS_NO_TRANSACTION, FE "/backend", &b) ||
	    strlen(b) >= sizeof(be))
		return -1;
	strcpy(be, b);
	free(b);
	snprintf(be_state, sizeof(be_state), "%s/state", be);
	if (read_uint(FC_XS_RING_REF, &ring_ref) ||
	    read_uint(FC_XS_IN_RING_REF, &in_ring_ref) ||
	    read_uint(FC_XS_EVTCHN, &port) || fcos_xs_domid(&self))
		return -1;
	page = fcos_alloc_page();
	if (!page || fcos_gnttab_grant_page(0, page, 1, &ro_ref))
		return -1;
	page = fcos_alloc_page();
	if (!page || fcos_gnttab_grant_page(0, page, 0, &rw_ref))
		return -1;
	if (fcos_evtchn_alloc_unbound(self, NULL, NULL, &self_port) ||
	    fcos_evtchn_alloc_unbound(0, NULL, NULL, &closed_port) ||
	    fcos_evtchn_close(closed_port))
		return -1;
	if (fcfront_detach(&raw))
		return -1;
	prod = raw.req_prod_pvt;
	rsp_cons = raw.rsp_cons;
	return 0;
}

/* n NOPs on a clean session, payload echo checked: how many were right. */
static int final_nops(int n)
{
	int ok = 0;

	for (int i = 0; i < n; i++) {
		struct fcapsule_request *r =
			&raw.sring->ring[prod++ % NSLOTS].req;
		struct fcapsule_response rsp;
		uint64_t end = fcos_monotonic_ns() + 2000 * MS;

		memset(r, 0, sizeof(*r));
		r->id = 7000 + i;
		r->opcode = FC_OP_NOP;
		memset(r->u.raw, i & 0xff, sizeof(r->u.raw));
		push();
		while (raw.sring->rsp_prod == rsp_cons &&
		       fcos_monotonic_ns() < end)
			fcos_yield();
		if (raw.sring->rsp_prod == rsp_cons)
			break;
		xen_rmb();
		rsp = raw.sring->ring[rsp_cons++ % NSLOTS].rsp;
		if (!rsp.status && rsp.id == 7000u + i &&
		    rsp.u.raw[0] == (i & 0xff))
			ok++;
	}
	return ok;
}

/* An IPC_SEND of @len bytes from our out-area to ourselves: its status. */
static int area_send(uint32_t len)
{
	struct fcapsule_request *r = &raw.sring->ring[prod++ % NSLOTS].req;
	uint64_t end = fcos_monotonic_ns() + 2000 * MS;
	struct fcapsule_response rsp;

	memset(r, 0, sizeof(*r));
	r->id = 9000 + len;
	r->opcode = FC_OP_IPC_SEND;
	r->flags = FC_IPC_F_AREA;
	r->u.ipc_send.dest_domid = self;
	r->u.ipc_send.len = len;
	push();
	while (raw.sring->rsp_prod == rsp_cons && fcos_monotonic_ns() < end)
		fcos_yield();
	if (raw.sring->rsp_prod == rsp_cons)
		return 1;
	xen_rmb();
	rsp = raw.sring->ring[rsp_cons++ % NSLOTS].rsp;
	return rsp.status;
}

static void steady(void)
{
	unsigned long n = 0, errors = 0;

	if (fc_wait_connected(60 * FCOS_NSEC_PER_SEC)) {
		printf("FC-FUZZ-STEADY not connected\n");
		return;
	}
	for (;;) {
		if (fc_nop())
			errors++;
		if (!(++n % 500))
			printf("FC-FUZZ-STEADY n=%lu errors=%lu\n", n, errors);
	}
}

/* Xen bumps it at every update of our time info (calibration, pCPU move). */
static uint32_t time_version(void)
{
	return ((volatile struct vcpu_time_info *)&fcos_shared_info
			->vcpu_info[0]
			.time)
		->version;
}

/*
 * The samples of intervals during which Xen updated our time info are
 * reported apart (spanned=): their raw TSC delta mixes two pCPUs' or two
 * calibrations' TSCs (under emulation Xen rewrites TSCs it cannot trust),
 * which is where round trips of a few cycles come from.
 */
static void lat(int n)
{
	uint64_t *t = malloc(sizeof(*t) * n), *m = malloc(sizeof(*m) * n);
	uint64_t c0, c1, m0, tsc_min = ~0ULL, span_min = ~0ULL;
	struct fc_stats_summary a, b;
	int i, k = 0, spanned = 0;
	uint32_t v0;
	char x[8][24];

	if (!t || !m || n < 1 || fc_wait_connected(60 * FCOS_NSEC_PER_SEC)) {
		printf("FC-FUZZ-LAT failed\n");
		return;
	}
	for (i = 0; i < 100; i++)
		fc_nop();
	for (i = 0; i < n; i++) {
		v0 = time_version();
		m0 = fcos_monotonic_ns();
		c0 = fcos_rdtsc();
		if (fc_nop()) {
			printf("FC-FUZZ-LAT NOP failed\n");
			return;
		}
		c1 = fcos_rdtsc();
		if (time_version() != v0 || (v0 & 1)) {
			spanned++;
			if (c1 - c0 < span_min)
				span_min = c1 - c0;
			continue;
		}
		m[k] = fcos_monotonic_ns() - m0;
		if (c1 - c0 < tsc_min)
			tsc_min = c1 - c0;
		t[k++] = fcos_tsc_to_ns(c1 - c0);
	}
	if (!k) {
		printf("FC-FUZZ-LAT no steady sample\n");
		return;
	}
	fc_stats_summarize(t, k, &a);
	fc_stats_summarize(m, k, &b);
	printf("FC-FUZZ-LAT n=%d min=%s p50=%s p99=%s max=%s tsc_min=%llu "
	       "spanned=%d spanned_tsc_min=%llu mono_min=%s mono_p50=%s "
	       "mono_p99=%s mono_max=%s\n",
	       k, fc_stats_us(a.min, x[0]), fc_stats_us(a.med, x[1]),
	       fc_stats_us(a.p99, x[2]), fc_stats_us(t[k - 1], x[3]),
	       (unsigned long long)tsc_min, spanned,
	       (unsigned long long)span_min, fc_stats_us(b.min, x[4]),
	       fc_stats_us(b.med, x[5]), fc_stats_us(b.p99, x[6]),
	       fc_stats_us(m[k - 1], x[7]));
}

static void storm(void)
{
	if (fc_wait_connected(60 * FCOS_NSEC_PER_SEC) || fcfront_detach(&raw))
		return;
	printf("FC-FUZZ-STORM started\n");
	for (;;)
		fcos_evtchn_notify(raw.port);
}

static void ipcflood(const char *name)
{
	struct fc_ipc_send_req r;
	unsigned long n = 0, ok = 0;

	if (fc_wait_connected(60 * FCOS_NSEC_PER_SEC))
		return;
	memset(&r, 0, sizeof(r));
	r.len = 8;
	snprintf(r.dest_name, sizeof(r.dest_name), "%s", name);
	printf("FC-FUZZ-IPCFLOOD started\n");
	for (;;) {
		if (!fc_call_ex(FC_OP_IPC_SEND, FC_IPC_F_BY_NAME, &r, sizeof(r),
				NULL, 0, FCOS_TIME_NEVER))
			ok++;
		if (!(++n % 10000))
			printf("FC-FUZZ-IPCFLOOD n=%lu ok=%lu\n", n, ok);
	}
}

/* Take the next response, waiting up to @ms: 0, or 1 if none came. */
static int take_rsp(uint64_t ms, struct fcapsule_response *out)
{
	uint64_t end = fcos_monotonic_ns() + ms * MS;

	/* Sleeps, not yields: a long wait must not take a CPU from Dom0. */
	while (rsp_cons == raw.sring->rsp_prod) {
		if (fcos_monotonic_ns() >= end)
			return 1;
		fcos_sleep_ns(MS);
	}
	xen_rmb();
	*out = raw.sring->ring[rsp_cons++ % NSLOTS].rsp;
	return 0;
}

/* The next response, which must answer request @id: its status, or 1. */
static int wait_rsp(uint64_t id, uint64_t ms, struct fcapsule_response *out)
{
	if (take_rsp(ms, out))
		return 1;
	if (out->id != id) {
		printf("FC-PREFILL unexpected id=%llu status=%d\n",
		       (unsigned long long)out->id, out->status);
		return 1;
	}
	return out->status;
}

static struct fcapsule_request *next_req(uint64_t id, uint32_t opcode)
{
	struct fcapsule_request *r = &raw.sring->ring[prod++ % NSLOTS].req;

	memset(r, 0, sizeof(*r));
	r->id = id;
	r->opcode = opcode;
	return r;
}

static void next_listen(uint64_t id, uint16_t port)
{
	struct fcapsule_request *r = next_req(id, FC_OP_LISTEN);

	r->u.listen.proto = FC_PROTO_TCP;
	r->u.listen.port = port;
}

/*
 * Requests on the ring, and an event, before the backend even maps it:
 * the backend must serve them at connect as if they came after, with the
 * session's identity (HELLO's app id, the LISTEN's completion).  The
 * responses come in order except the LISTEN's, which waits for the OS
 * server.
 */
static void prefill(void)
{
	struct fcapsule_response r;
	int st, nops = 0, busy = 0, ok = 0, other = 0;

	if (setup()) {
		printf("FC-PREFILL setup failed\n");
		return;
	}
	fe_state(XenbusStateClosing);
	fe_state(XenbusStateClosed);
	if (wait_be(XenbusStateClosed, XenbusStateClosed, 5000) < 0) {
		printf("FC-PREFILL backend not Closed\n");
		return;
	}
	SHARED_RING_INIT(raw.sring);
	SHARED_RING_INIT(raw.in_sring);
	prod = 0;
	rsp_cons = 0;
	next_req(1, FC_OP_HELLO);
	for (int i = 0; i < 4; i++)
		memset(next_req(2 + i, FC_OP_NOP)->u.raw, 0xa0 + i,
		       FC_PAYLOAD_SIZE);
	next_listen(6, 7070);
	xen_wmb();
	raw.sring->req_prod = prod;
	/* Our port is unbound now (Dom0 closed it): Xen drops this. */
	fcos_evtchn_notify(raw.port);
	put_good_keys();
	fe_state(XenbusStateInitialised);
	st = wait_be(XenbusStateConnected, XenbusStateClosing, 5000);
	printf("FC-PREFILL-CONNECT state=%d\n", st);
	if (st != XenbusStateConnected)
		return;
	fe_state(XenbusStateConnected);

	st = wait_rsp(1, 5000, &r);
	printf("FC-PREFILL-HELLO status=%d domid=%u app_id=%llu\n", st,
	       st ? 0 : r.u.hello.domid,
	       st ? 0ULL : (unsigned long long)r.u.hello.app_id);
	for (int i = 0; i < 4; i++)
		if (!wait_rsp(2 + i, 5000, &r) && r.u.raw[0] == 0xa0 + i &&
		    r.u.raw[FC_PAYLOAD_SIZE - 1] == 0xa0 + i)
			nops++;
	printf("FC-PREFILL-NOPS ok=%d\n", nops);
	printf("FC-PREFILL-LISTEN status=%d\n", wait_rsp(6, 120000, &r));

	/* A slot leaked by the early session would refuse one of these. */
	for (int i = 0; i < NSLOTS; i++)
		next_listen(100 + i, 7100 + i);
	push();
	printf("FC-PREFILL-32-SENT\n");
	for (int i = 0; i < NSLOTS; i++) {
		if (take_rsp(120000, &r))
			break;
		st = r.id >= 100 && r.id < 100 + NSLOTS ? r.status : 1;
		if (!st)
			ok++;
		else if (st == -FC_EBUSY)
			busy++;
		else
			other++;
	}
	printf("FC-PREFILL-32 ok=%d busy=%d other=%d state=%d\n", ok, busy,
	       other, be_read_state());
}

int main(int argc, char **argv)
{
	unsigned long long target = 100000;
	unsigned int seed = 0;
	int nops;

	if (argc > 1 && !strcmp(argv[1], "steady")) {
		steady();
		return 1;
	}
	if (argc > 2 && !strcmp(argv[1], "lat")) {
		lat(atoi(argv[2]));
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "storm")) {
		storm();
		return 1;
	}
	if (argc > 2 && !strcmp(argv[1], "ipcflood")) {
		ipcflood(argv[2]);
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "prefill")) {
		prefill();
		for (;;)
			fcos_sleep_ns(FCOS_NSEC_PER_SEC);
	}
	if (argc > 1)
		seed = (unsigned int)strtoul(argv[1], NULL, 0);
	if (argc > 2)
		target = strtoull(argv[2], NULL, 0);
	if (!seed)
		seed = (unsigned int)fcos_monotonic_ns() | 1;
	rng = seed * 0x9e3779b97f4a7c15ULL | 1;
	printf("FC-FUZZ seed=%u target=%llu\n", seed, target);
	if (setup()) {
		printf("FC-FUZZ setup failed\n");
		return 1;
	}

	/* A reconnect storm: clean sessions back to back. */
	for (int i = 0; i < 20; i++)
		session(HS_GOOD);
	if (reconnect())
		goto out;

	while (ops < target) {
		uint32_t r = rnd() % 1000;

		if (r < 700) {
			ring_batch();
		} else if (r < 850) {
			notify_storm();
		} else if (r < 900) {
			in_ack();
		} else if (r < 950) {
			ring_batch();
			in_ack();
		} else if (r < 975) {
			if (fatal_index() && be_read_state() != 4 &&
			    reconnect())
				break;
		} else {
			hostile_handshake();
			if (be_read_state() != XenbusStateConnected &&
			    reconnect())
				break;
		}
		if (be_read_state() != XenbusStateConnected && reconnect())
			break;
	}

out:
	nops = reconnect() ? -1 : final_nops(100);
	/* A receiver without an in-area: -EMSGSIZE, an empty body too. */
	for (int i = 0; i < 50; i++)
		if (session(HS_OUTONLY) == XenbusStateConnected) {
			printf("FC-FUZZ-AREA len0=%d len8=%d\n", area_send(0),
			       area_send(8));
			break;
		}
	for (int k = 1; k < HS_KINDS; k++)
		printf("FC-FUZZ-HS %s fatal=%d tries=%u closing=%u "
		       "connected=%u timeout=%u\n",
		       hs_name[k], hs_fatal(k), hs_tries[k], hs_closing[k],
		       hs_conn[k], hs_timeout[k]);
	printf("FC-FUZZ-STATUS ok=%llu einval=%llu enosys=%llu ebusy=%llu "
	       "other=%llu\n",
	       s.st_ok, s.st_inval, s.st_nosys, s.st_busy, s.st_other);
	printf("FC-FUZZ-DONE seed=%u ops=%llu sessions=%u connected=%u "
	       "refused=%u timeouts=%u fatal_tried=%u fatal_cut=%u "
	       "in_tried=%u in_cut=%u responses=%llu backend_bad=%u "
	       "bad_status=%u final_nops=%d\n",
	       seed, ops, s.sessions, s.connected, s.refused, s.timeouts,
	       s.fatal_tried, s.fatal_cut, s.in_tried, s.in_cut, s.responses,
	       s.backend_bad, s.bad_status, nops);
	for (;;)
		fcos_sleep_ns(FCOS_NSEC_PER_SEC);
}
