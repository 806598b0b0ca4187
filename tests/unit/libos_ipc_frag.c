// SPDX-License-Identifier: GPL-2.0
// unit-sources: libos/drivers/fcipc_frag.c
// unit-cflags: -DFCOS_HOSTED -Ilibos/include
/*
 * IPC fragmentation and reassembly (libos/drivers/fcipc_frag.c): every
 * size 0..4 KiB and 64 KiB round-trip, interleaved sources, and what a
 * hostile sender can send (short, out of order, orphans, gaps, bad
 * flags, oversized messages) is refused without breaking other sources.
 */
#include <string.h>
#include "unit.h"
#include <fc/ipc_frag.h>

static uint8_t msg[FC_IPC_MSG_MAX + 64];

static void pattern(uint8_t *p, uint32_t len, uint32_t salt)
{
	for (uint32_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + salt);
}

/* Send msg of len through the reassembler; returns 1 if it came out
 * equal. */
static int roundtrip_by(struct fc_ipc_rasm *r, uint32_t src, uint32_t seq,
			uint32_t len, uint32_t chunk)
{
	static uint8_t f[FC_IPC_AREA_MSG_MAX];
	uint32_t n = fc_ipc_frag_count(len, chunk), olen = 0, fl;
	const uint8_t *out = NULL;
	int rc = -1;

	pattern(msg, len, seq);
	for (uint32_t i = 0; i < n; i++) {
		fl = fc_ipc_frag_build(f, seq, i, msg, len, chunk);
		if (fl < 8 || fl > chunk + 8)
			return 0;
		rc = fc_ipc_rasm_feed(r, src, f, fl, &out, &olen);
		if (i + 1 < n && rc != FC_IPC_RASM_PARTIAL)
			return 0;
	}
	return rc == FC_IPC_RASM_DONE && olen == len &&
	       (len == 0 || !memcmp(out, msg, len));
}

static int roundtrip(struct fc_ipc_rasm *r, uint32_t src, uint32_t seq,
		     uint32_t len)
{
	return roundtrip_by(r, src, seq, len, FC_IPC_FRAG_DATA);
}

static int feed_hdr(struct fc_ipc_rasm *r, uint32_t src, uint32_t seq,
		    uint16_t frag, uint8_t flags, uint32_t len)
{
	static uint8_t f[FC_IPC_AREA_MSG_MAX + 1];
	struct fc_ipc_frag_hdr h = { .msg_seq = seq,
				     .frag = frag,
				     .flags = flags };
	const uint8_t *out;
	uint32_t olen;

	memset(f, 0, sizeof(f));
	memcpy(f, &h, sizeof(h));
	return fc_ipc_rasm_feed(r, src, f, len, &out, &olen);
}

int main(void)
{
	struct fc_ipc_rasm r;
	int all = 1;

	memset(&r, 0, sizeof(r));
	CHECK_EQ_INT(fc_ipc_frag_count(0, FC_IPC_FRAG_DATA), 1);
	CHECK_EQ_INT(fc_ipc_frag_count(56, FC_IPC_FRAG_DATA), 1);
	CHECK_EQ_INT(fc_ipc_frag_count(57, FC_IPC_FRAG_DATA), 2);
	CHECK_EQ_INT(fc_ipc_frag_count(4096, FC_IPC_FRAG_DATA), 74);
	CHECK_EQ_INT(fc_ipc_frag_count(FC_IPC_MSG_MAX, FC_IPC_FRAG_DATA), 1171);
	/* By data area: 16 KiB bodies, 8 of them header. */
	CHECK_EQ_INT(fc_ipc_frag_count(4096, FC_IPC_AREA_MSG_MAX - 8), 1);
	CHECK_EQ_INT(fc_ipc_frag_count(FC_IPC_MSG_MAX, FC_IPC_AREA_MSG_MAX - 8),
		     5);

	for (uint32_t len = 0; len <= 4096; len++)
		all &= roundtrip(&r, 3, len, len);
	CHECK(all);
	CHECK(roundtrip(&r, 3, 9999, FC_IPC_MSG_MAX));
	all = 1;
	for (uint32_t len = 0; len <= FC_IPC_MSG_MAX; len += 997)
		all &= roundtrip_by(&r, 4, len, len, FC_IPC_AREA_MSG_MAX - 8);
	CHECK(all);
	CHECK(roundtrip_by(&r, 4, 1, FC_IPC_MSG_MAX, FC_IPC_AREA_MSG_MAX - 8));
	CHECK_EQ_INT(r.bad, 0);
	CHECK_EQ_INT(r.incomplete, 0);

	/* Interleaved sources: A's fragments between B's. */
	{
		uint8_t a[200], b[300], f[FC_IPC_INLINE_MAX];
		const uint8_t *out;
		uint32_t olen, fl;
		int ra = 0, rb = 0;

		pattern(a, sizeof(a), 1);
		pattern(b, sizeof(b), 2);
		for (uint32_t i = 0; i < 6; i++) {
			if (i <
			    fc_ipc_frag_count(sizeof(a), FC_IPC_FRAG_DATA)) {
				fl = fc_ipc_frag_build(f, 1, i, a, sizeof(a),
						       FC_IPC_FRAG_DATA);
				ra = fc_ipc_rasm_feed(&r, 10, f, fl, &out,
						      &olen);
				if (ra == FC_IPC_RASM_DONE)
					CHECK(olen == sizeof(a) &&
					      !memcmp(out, a, olen));
			}
			fl = fc_ipc_frag_build(f, 1, i, b, sizeof(b),
					       FC_IPC_FRAG_DATA);
			rb = fc_ipc_rasm_feed(&r, 11, f, fl, &out, &olen);
			if (rb == FC_IPC_RASM_DONE)
				CHECK(olen == sizeof(b) &&
				      !memcmp(out, b, olen));
		}
		CHECK_EQ_INT(ra, FC_IPC_RASM_DONE);
		CHECK_EQ_INT(rb, FC_IPC_RASM_DONE);
	}

	/* Hostile fragments. */
	CHECK_EQ_INT(feed_hdr(&r, 5, 1, 0, FC_IPC_F_FIRST, 3), -FC_EPROTO);
	CHECK_EQ_INT(
		feed_hdr(&r, 5, 1, 0, FC_IPC_F_FIRST, FC_IPC_AREA_MSG_MAX + 1),
		-FC_EPROTO);
	CHECK_EQ_INT(feed_hdr(&r, 5, 1, 4, 0, 64), -FC_EPROTO); /* orphan */
	CHECK_EQ_INT(feed_hdr(&r, 5, 1, 3, FC_IPC_F_FIRST, 64), -FC_EPROTO);
	CHECK_EQ_INT(feed_hdr(&r, 5, 1, 0, 0x80 | FC_IPC_F_FIRST, 64),
		     -FC_EPROTO);
	/* A start, then a gap: refused, the partial message abandoned. */
	CHECK_EQ_INT(feed_hdr(&r, 5, 2, 0, FC_IPC_F_FIRST, 64),
		     FC_IPC_RASM_PARTIAL);
	CHECK_EQ_INT(feed_hdr(&r, 5, 2, 2, 0, 64), -FC_EPROTO);
	CHECK_EQ_INT(feed_hdr(&r, 5, 2, 1, FC_IPC_F_LAST, 64), -FC_EPROTO);
	/* A start, then another sequence number. */
	CHECK_EQ_INT(feed_hdr(&r, 5, 3, 0, FC_IPC_F_FIRST, 64),
		     FC_IPC_RASM_PARTIAL);
	CHECK_EQ_INT(feed_hdr(&r, 5, 4, 1, FC_IPC_F_LAST, 64), -FC_EPROTO);
	/* A new FIRST abandons a partial message and starts over. */
	CHECK_EQ_INT(feed_hdr(&r, 5, 5, 0, FC_IPC_F_FIRST, 64),
		     FC_IPC_RASM_PARTIAL);
	CHECK(roundtrip(&r, 5, 6, 100));
	CHECK_EQ_INT(r.bad, 8);
	/* Endless message: refused at FC_IPC_MSG_MAX. */
	{
		int rc = feed_hdr(&r, 6, 1, 0, FC_IPC_F_FIRST, 64);
		uint32_t i;

		for (i = 1; rc == FC_IPC_RASM_PARTIAL && i < 5000; i++)
			rc = feed_hdr(&r, 6, 1, (uint16_t)i, 0, 64);
		CHECK_EQ_INT(rc, -FC_EPROTO);
		CHECK_EQ_INT(i, FC_IPC_MSG_MAX / FC_IPC_FRAG_DATA + 1);
	}
	/* More sources than slots: the oldest partial one is evicted. */
	{
		uint64_t inc = r.incomplete;

		for (uint32_t s = 100; s < 100 + FC_IPC_RASM_SLOTS + 1; s++)
			CHECK_EQ_INT(feed_hdr(&r, s, 1, 0, FC_IPC_F_FIRST, 64),
				     FC_IPC_RASM_PARTIAL);
		CHECK_EQ_INT(r.incomplete, inc + 1);
		CHECK_EQ_INT(feed_hdr(&r, 100, 1, 1, FC_IPC_F_LAST, 64),
			     -FC_EPROTO);
		CHECK_EQ_INT(feed_hdr(&r, 101 + FC_IPC_RASM_SLOTS - 1, 1, 1,
				      FC_IPC_F_LAST, 64),
			     FC_IPC_RASM_DONE);
	}
	/* Other sources still fine. */
	CHECK(roundtrip(&r, 3, 1, 4096));
	fc_ipc_rasm_fini(&r);

	printf("libos_ipc_frag: %d passed, %d failed\n", unit_passed,
	       unit_failed);
	return unit_failed != 0;
}
