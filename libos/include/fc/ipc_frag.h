/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPC fragmentation and reassembly (pure; host unit-tested): a message
 * of up to FC_IPC_MSG_MAX bytes travels as IPC_SEND fragments of at most
 * FC_IPC_INLINE_MAX bytes, each starting with struct fc_ipc_frag_hdr
 * (include/fcapsule/ring.h, docs/ipc.md).
 */
#ifndef FC_IPC_FRAG_H
#define FC_IPC_FRAG_H

#include <stddef.h>
#include <stdint.h>
#include "../../../include/fcapsule/ring.h"

/* Sources with a message being reassembled at once; more evict the
 * least recently used (its partial message is counted as incomplete). */
#define FC_IPC_RASM_SLOTS 8

struct fc_ipc_rasm_slot {
	uint32_t src;
	uint32_t seq;
	uint32_t next; /* fragment expected next */
	int active;
	uint8_t *buf;
	uint32_t len, cap;
	uint64_t last_use;
};

struct fc_ipc_rasm {
	struct fc_ipc_rasm_slot slot[FC_IPC_RASM_SLOTS];
	uint64_t tick;
	uint64_t bad;	     /* fragments refused (malformed, out of order) */
	uint64_t incomplete; /* partial messages abandoned */
	uint64_t messages;   /* messages completed */
};

/* Fragments a message of @len bytes needs (at least one) when each
 * carries @chunk bytes of it (FC_IPC_FRAG_DATA inline, more by area). */
uint32_t fc_ipc_frag_count(uint32_t len, uint32_t chunk);

/* Build fragment @idx of message @seq (@msg, @len) into @out (at least
 * @chunk + 8 bytes); returns the fragment's length. */
uint32_t fc_ipc_frag_build(uint8_t *out, uint32_t seq, uint32_t idx,
			   const void *msg, uint32_t len, uint32_t chunk);

#define FC_IPC_RASM_PARTIAL 0 /* fragment taken, message not complete */
#define FC_IPC_RASM_DONE    1 /* *msg, *msg_len: valid until next feed */

/* Feed one received fragment from @src; returns FC_IPC_RASM_PARTIAL,
 * FC_IPC_RASM_DONE, -FC_EPROTO (malformed or out of order: refused, any
 * partial message of @src abandoned) or -FC_ENOMEM. */
int fc_ipc_rasm_feed(struct fc_ipc_rasm *r, uint32_t src, const uint8_t *data,
		     uint32_t len, const uint8_t **msg, uint32_t *msg_len);

/* Free the reassembly buffers. */
void fc_ipc_rasm_fini(struct fc_ipc_rasm *r);

#endif
