// SPDX-License-Identifier: GPL-2.0
/*
 * ipctest: the app side of the IPC integration tests (tests/integration/
 * 6*.sh).  Every mode prints FC-IPC-* result lines on the console.
 *
 *   ipctest recv N [IDLE_S]        receive N messages, check them: per
 *                                  source, sequence numbers 0, 1, ... with
 *                                  no loss, duplicate or reordering, and
 *                                  the payload pattern
 *   ipctest send DEST N [SIZE [GAP_US]]
 *                                  send N messages (DEST: domid or name);
 *                                  SIZE 0: mixed sizes (every 1000th one
 *                                  4 KiB, every 10000th 64 KiB), else
 *                                  that size; GAP_US: a pause after each;
 *                                  keeps going after an error only to
 *                                  report it
 *   ipctest ring IDX NEXT ROUNDS   token ring: IDX 0 starts the token and
 *                                  counts ROUNDS round trips
 *   ipctest once DEST [HOLD_S]     one send, prints its status, stays HOLD_S s
 *   ipctest hostile DEST           malformed sends and fragments, then
 *                                  one good message
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fc.h>
#include <fcos/sched.h>
#include <fcos/time.h>

#define START_WAIT_S 120 /* for the peer to connect, or to be allowed */

static uint8_t buf[FC_IPC_MSG_MAX];

static long strtol_(const char *s)
{
	return strtol(s, NULL, 10);
}

struct hdr {
	uint32_t seq;
	uint32_t len;
};

static void fill(uint8_t *p, uint32_t seq, uint32_t len)
{
	struct hdr h = { seq, len };

	memcpy(p, &h, sizeof(h));
	for (uint32_t i = sizeof(h); i < len; i++)
		p[i] = (uint8_t)(seq + i);
}

static int pattern_ok(const uint8_t *p, uint32_t seq, uint32_t len)
{
	for (uint32_t i = sizeof(struct hdr); i < len; i++)
		if (p[i] != (uint8_t)(seq + i))
			return 0;
	return 1;
}

static int send_to(const char *dest, const void *p, size_t len, int flags)
{
	char *end;
	unsigned long d = strtoul(dest, &end, 10);

	if (*dest && !*end)
		return fc_send_ex((uint32_t)d, NULL, p, len, flags);
	return fc_send_ex(0, dest, p, len, flags);
}

/* The first send waits for the peer to exist and the pair to be
 * allowed (the test may set the policy after we boot). */
static int send_first(const char *dest, const void *p, size_t len)
{
	uint64_t dl = fcos_monotonic_ns() + START_WAIT_S * FCOS_NSEC_PER_SEC;
	int rc;

	while ((rc = send_to(dest, p, len, 0)) == -FC_ESRCH ||
	       rc == -FC_EPERM) {
		if (fcos_monotonic_ns() > dl)
			break;
		fcos_sleep_ns(100 * FCOS_NSEC_PER_MSEC);
	}
	return rc;
}

static uint32_t size_of(uint32_t seq, uint32_t size)
{
	static const uint32_t mix[] = { 8, 16, 56, 48, 8, 24, 32, 40 };

	if (size)
		return size;
	if (seq % 10000 == 4999)
		return FC_IPC_MSG_MAX; /* 5 area fragments */
	if (seq % 1000 == 999)
		return 4096;
	return mix[seq % 8];
}

static void print_stats(const char *who)
{
	struct fcfront_stats f;
	struct fc_ipc_stats s;

	fcfront_get_stats(&f);
	printf("FC-IPC-FRONT %s requests=%llu responses=%llu in_msgs=%llu "
	       "in_ipc=%llu\n",
	       who, (unsigned long long)f.requests,
	       (unsigned long long)f.responses, (unsigned long long)f.in_msgs,
	       (unsigned long long)f.in_ipc);
	fc_ipc_get_stats(&s);
	printf("FC-IPC-STATS %s sent=%llu frags=%llu retries=%llu recv=%llu "
	       "rfrags=%llu bad=%llu incomplete=%llu\n",
	       who, (unsigned long long)s.sent,
	       (unsigned long long)s.send_fragments,
	       (unsigned long long)s.send_retries,
	       (unsigned long long)s.received,
	       (unsigned long long)s.recv_fragments,
	       (unsigned long long)s.bad_fragments,
	       (unsigned long long)s.incomplete);
}

#define MAX_SRC 8

static int do_recv(long n, long idle_s)
{
	uint32_t srcs[MAX_SRC], next[MAX_SRC];
	int nsrc = 0;
	long got = 0, errors = 0;

	printf("FC-IPC-READY\n");
	while (got < n) {
		uint32_t src;
		struct hdr h;
		int len, i;

		len = fc_recv(&src, buf, sizeof(buf),
			      idle_s * (int64_t)FCOS_NSEC_PER_SEC);
		if (len < 0) {
			printf("FC-IPC-RECV-FAIL rc=%d after %ld\n", len, got);
			print_stats("recv");
			return 1;
		}
		if (len < (int)sizeof(h)) {
			errors++;
			continue;
		}
		memcpy(&h, buf, sizeof(h));
		for (i = 0; i < nsrc && srcs[i] != src; i++)
			;
		if (i == nsrc) {
			if (nsrc == MAX_SRC) {
				errors++;
				continue;
			}
			srcs[nsrc] = src;
			next[nsrc++] = 0;
		}
		if (h.seq != next[i] || h.len != (uint32_t)len ||
		    !pattern_ok(buf, h.seq, h.len)) {
			if (errors < 10)
				printf("FC-IPC-BAD src=%u seq=%u want=%u "
				       "len=%d "
				       "hlen=%u\n",
				       src, h.seq, next[i], len, h.len);
			errors++;
		}
		next[i] = h.seq + 1;
		got++;
		if (got % 10000 == 0)
			printf("ipctest: %ld received\n", got);
	}
	print_stats("recv");
	printf("FC-IPC-RECV-%s n=%ld errors=%ld sources=%d\n",
	       errors ? "FAIL" : "OK", got, errors, nsrc);
	return errors ? 1 : 0;
}

/* gap_us: a pause between messages, so a short stream lasts long enough. */
static int do_send(const char *dest, long n, uint32_t size, long gap_us)
{
	uint64_t t0 = fcos_monotonic_ns(), ms;
	long i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		uint32_t len = size_of((uint32_t)i, size);

		fill(buf, (uint32_t)i, len);
		rc = i ? send_to(dest, buf, len, 0)
		       : send_first(dest, buf, len);
		if (rc) {
			printf("FC-IPC-SEND-ERR rc=%d at=%ld\n", rc, i);
			break;
		}
		if ((i + 1) % 10000 == 0)
			printf("ipctest: %ld sent\n", i + 1);
		if (gap_us > 0)
			fcos_sleep_ns((uint64_t)gap_us * 1000);
	}
	ms = (fcos_monotonic_ns() - t0) / FCOS_NSEC_PER_MSEC;
	print_stats("send");
	if (!rc)
		printf("FC-IPC-SEND-OK n=%ld ms=%llu\n", n,
		       (unsigned long long)ms);
	return rc ? 1 : 0;
}

struct token {
	uint32_t round;
	uint32_t hops;
	uint32_t stop;
};

static int do_ring(int idx, const char *next, long rounds)
{
	struct token t = { 0, 0, 0 };
	uint32_t src;
	int len, rc;

	printf("FC-IPC-READY\n");
	if (idx == 0) {
		rc = send_first(next, &t, sizeof(t));
		if (rc) {
			printf("FC-IPC-RING-FAIL start rc=%d\n", rc);
			return 1;
		}
	}
	for (;;) {
		len = fc_recv(&src, &t, sizeof(t), 300 * FCOS_NSEC_PER_SEC);
		if (len != (int)sizeof(t)) {
			printf("FC-IPC-RING-FAIL recv rc=%d\n", len);
			return 1;
		}
		t.hops++;
		if (idx == 0) {
			if (t.stop) { /* back: everyone has seen the stop */
				printf("FC-IPC-RING-OK rounds=%u hops=%u\n",
				       t.round, t.hops);
				return 0;
			}
			if (++t.round == rounds)
				t.stop = 1;
		}
		/* The next node may still be booting: wait for it. */
		rc = send_first(next, &t, sizeof(t));
		if (rc) {
			printf("FC-IPC-RING-FAIL send rc=%d\n", rc);
			return 1;
		}
		if (idx != 0 && t.stop) {
			printf("FC-IPC-RING-DONE hops=%u\n", t.hops);
			return 0;
		}
	}
}

/* Raw IPC_SEND requests, as a buggy or hostile sender would make them. */
static int raw_send(const char *dest, uint32_t flags, uint32_t len,
		    const void *data, size_t dlen)
{
	struct fc_ipc_send_req r;
	char *end;
	unsigned long d = strtoul(dest, &end, 10);

	memset(&r, 0, sizeof(r));
	if (*dest && !*end) {
		r.dest_domid = (uint32_t)d;
	} else {
		strncpy(r.dest_name, dest, FC_NAME_MAX - 1);
		flags |= FC_IPC_F_BY_NAME;
	}
	r.len = len;
	memcpy(r.data, data, dlen < sizeof(r.data) ? dlen : sizeof(r.data));
	return fc_call_ex(FC_OP_IPC_SEND, flags, &r, sizeof(r), NULL, 0,
			  FCOS_TIME_NEVER);
}

/* An IPC_SEND whose body is said to be in our out-area at @off. */
static int raw_area_send(const char *dest, uint32_t off, uint32_t len,
			 uint32_t reserved)
{
	struct fc_ipc_send_req r;

	memset(&r, 0, sizeof(r));
	r.dest_domid = (uint32_t)strtoul(dest, NULL, 10);
	if (!r.dest_domid)
		strncpy(r.dest_name, dest, FC_NAME_MAX - 1);
	r.len = len;
	r.area.off = off;
	r.area.reserved0 = reserved;
	return fc_call_ex(FC_OP_IPC_SEND,
			  FC_IPC_F_AREA | (r.dest_domid ? 0 : FC_IPC_F_BY_NAME),
			  &r, sizeof(r), NULL, 0, FCOS_TIME_NEVER);
}

static int do_hostile(const char *dest)
{
	struct fc_ipc_frag_hdr h;
	struct fc_ipc_send_req r;
	uint8_t frag[FC_IPC_INLINE_MAX];
	int rc;

	memset(frag, 0xab, sizeof(frag));
	/* Wait until the peer exists and we may talk to it. */
	fill(buf, 0, 8);
	rc = send_first(dest, buf, 8);
	printf("FC-IPC-HOSTILE first rc=%d\n", rc);
	rc = raw_send(dest, 0, 200, frag, sizeof(frag));
	printf("FC-IPC-HOSTILE len200 rc=%d\n", rc);
	rc = raw_send(dest, 0, 0xffffffffu, frag, sizeof(frag));
	printf("FC-IPC-HOSTILE lenmax rc=%d\n", rc);
	rc = raw_send(dest, 1u << 7, 8, frag, sizeof(frag));
	printf("FC-IPC-HOSTILE badflags rc=%d\n", rc);
	memset(&r, 0, sizeof(r));
	memset(r.dest_name, 'x', sizeof(r.dest_name)); /* no NUL */
	r.len = 8;
	rc = fc_call_ex(FC_OP_IPC_SEND, FC_IPC_F_BY_NAME, &r, sizeof(r), NULL,
			0, FCOS_TIME_NEVER);
	printf("FC-IPC-HOSTILE nonul rc=%d\n", rc);
	/* Fragments the receiver must refuse: relayed (the module does not
	 * look inside), dropped by the receiver's reassembly. */
	rc = raw_send(dest, 0, 3, frag, sizeof(frag)); /* shorter than hdr */
	printf("FC-IPC-HOSTILE short rc=%d\n", rc);
	h = (struct fc_ipc_frag_hdr){ .msg_seq = 77, .frag = 5 };
	memcpy(frag, &h, sizeof(h)); /* middle fragment, no start */
	rc = raw_send(dest, 0, 64, frag, sizeof(frag));
	printf("FC-IPC-HOSTILE orphan rc=%d\n", rc);
	h = (struct fc_ipc_frag_hdr){ .msg_seq = 78,
				      .flags = FC_IPC_F_FIRST,
				      .frag = 3 }; /* FIRST that is not 0 */
	memcpy(frag, &h, sizeof(h));
	rc = raw_send(dest, 0, 64, frag, sizeof(frag));
	printf("FC-IPC-HOSTILE badfirst rc=%d\n", rc);
	h = (struct fc_ipc_frag_hdr){ .msg_seq = 79, .flags = 0x80 };
	memcpy(frag, &h, sizeof(h)); /* unknown fragment flag */
	rc = raw_send(dest, 0, 64, frag, sizeof(frag));
	printf("FC-IPC-HOSTILE badfragflag rc=%d\n", rc);
	h = (struct fc_ipc_frag_hdr){ .msg_seq = 80, .flags = FC_IPC_F_FIRST };
	memcpy(frag, &h, sizeof(h)); /* a start ... */
	rc = raw_send(dest, 0, 64, frag, sizeof(frag));
	h = (struct fc_ipc_frag_hdr){ .msg_seq = 80, .frag = 2 };
	memcpy(frag, &h, sizeof(h)); /* ... then a gap */
	rc = rc ?: raw_send(dest, 0, 64, frag, sizeof(frag));
	printf("FC-IPC-HOSTILE gap rc=%d\n", rc);
	/* Bodies said to be in the out-area: beyond it, too long, with a
	 * reserved field set.  Refused by the module, nothing relayed. */
	rc = raw_area_send(dest, 0xfffffff0u, 64, 0);
	printf("FC-IPC-HOSTILE areaoff rc=%d\n", rc);
	rc = raw_area_send(dest, 0, FC_IPC_AREA_MSG_MAX + 1, 0);
	printf("FC-IPC-HOSTILE arealen rc=%d\n", rc);
	rc = raw_area_send(dest, 4096, 4096 * 3 + 1, 0);
	printf("FC-IPC-HOSTILE areaend rc=%d\n", rc);
	rc = raw_area_send(dest, 0, 64, 1);
	printf("FC-IPC-HOSTILE areares rc=%d\n", rc);
	/* Then a good message: seq 1 after the first one. */
	fill(buf, 1, 300);
	rc = send_to(dest, buf, 300, 0);
	printf("FC-IPC-HOSTILE-DONE good rc=%d\n", rc);
	return 0;
}

int main(int argc, char **argv)
{
	int rc;

	rc = fc_wait_connected(120 * FCOS_NSEC_PER_SEC);
	if (rc) {
		printf("FC-IPC-NOT-CONNECTED %d\n", rc);
		return 1;
	}
	printf("ipctest: connected\n"); /* which phase a hang is in */
	if (argc >= 3 && !strcmp(argv[1], "recv"))
		return do_recv(strtol_(argv[2]),
			       argc > 3 ? strtol_(argv[3]) : 120);
	if (argc >= 4 && !strcmp(argv[1], "send"))
		return do_send(argv[2], strtol_(argv[3]),
			       argc > 4 ? (uint32_t)strtol_(argv[4]) : 0,
			       argc > 5 ? strtol_(argv[5]) : 0);
	if (argc >= 5 && !strcmp(argv[1], "ring"))
		return do_ring(atoi(argv[2]), argv[3], strtol_(argv[4]));
	if (argc >= 3 && !strcmp(argv[1], "once")) {
		fill(buf, 0, 8);
		rc = send_to(argv[2], buf, 8, 0);
		printf("FC-IPC-ONCE rc=%d\n", rc);
		/* Held, the app VM keeps its row in the module's statistics,
		 * which go when it ends. */
		if (argc > 3)
			fcos_sleep_ns((uint64_t)strtol_(argv[3]) *
				      FCOS_NSEC_PER_SEC);
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "hostile"))
		return do_hostile(argv[2]);
	printf("usage: ipctest recv N | send DEST N [SIZE [GAP_US]] | ring IDX "
	       "NEXT "
	       "ROUNDS | once DEST [HOLD_S] | hostile DEST\n");
	return 2;
}
