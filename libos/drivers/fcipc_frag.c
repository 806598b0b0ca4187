// SPDX-License-Identifier: GPL-2.0
/*
 * IPC fragmentation and reassembly (docs/ipc.md).  Pure: no Xen, no
 * threads, so the host unit tests compile it unchanged.  Everything fed
 * here came from another app VM and is checked before use.
 */
#include <stdlib.h>
#include <string.h>
#include <fc/ipc_frag.h>

#define HDR sizeof(struct fc_ipc_frag_hdr)

uint32_t fc_ipc_frag_count(uint32_t len, uint32_t chunk)
{
	return len ? (len + chunk - 1) / chunk : 1;
}

uint32_t fc_ipc_frag_build(uint8_t *out, uint32_t seq, uint32_t idx,
			   const void *msg, uint32_t len, uint32_t chunk)
{
	struct fc_ipc_frag_hdr h = { .msg_seq = seq, .frag = (uint16_t)idx };
	uint32_t n = fc_ipc_frag_count(len, chunk);
	uint32_t off = idx * chunk;
	uint32_t part;

	if (idx >= n)
		return 0;
	part = len ? (len - off < chunk ? len - off : chunk) : 0;
	if (idx == 0)
		h.flags |= FC_IPC_F_FIRST;
	if (idx == n - 1)
		h.flags |= FC_IPC_F_LAST;
	memcpy(out, &h, HDR);
	if (part)
		memcpy(out + HDR, (const uint8_t *)msg + off, part);
	return HDR + part;
}

static struct fc_ipc_rasm_slot *find_slot(struct fc_ipc_rasm *r, uint32_t src)
{
	for (int i = 0; i < FC_IPC_RASM_SLOTS; i++)
		if (r->slot[i].active && r->slot[i].src == src)
			return &r->slot[i];
	return NULL;
}

/* A slot for a new message from @src: a free one, else the LRU one. */
static struct fc_ipc_rasm_slot *new_slot(struct fc_ipc_rasm *r)
{
	struct fc_ipc_rasm_slot *lru = &r->slot[0];

	for (int i = 0; i < FC_IPC_RASM_SLOTS; i++) {
		if (!r->slot[i].active)
			return &r->slot[i];
		if (r->slot[i].last_use < lru->last_use)
			lru = &r->slot[i];
	}
	r->incomplete++;
	lru->active = 0;
	return lru;
}

static int append(struct fc_ipc_rasm_slot *s, const uint8_t *p, uint32_t n)
{
	if (s->len + n > FC_IPC_MSG_MAX)
		return -FC_EPROTO;
	if (s->len + n > s->cap) {
		uint32_t cap = s->cap ? s->cap : 256;
		uint8_t *b;

		while (cap < s->len + n)
			cap *= 2;
		if (cap > FC_IPC_MSG_MAX)
			cap = FC_IPC_MSG_MAX;
		b = realloc(s->buf, cap);
		if (!b)
			return -FC_ENOMEM;
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	return 0;
}

int fc_ipc_rasm_feed(struct fc_ipc_rasm *r, uint32_t src, const uint8_t *data,
		     uint32_t len, const uint8_t **msg, uint32_t *msg_len)
{
	struct fc_ipc_frag_hdr h;
	struct fc_ipc_rasm_slot *s;
	uint32_t n;
	int rc;

	if (len < HDR || len > FC_IPC_AREA_MSG_MAX)
		goto bad;
	memcpy(&h, data, HDR);
	n = len - HDR;
	if (h.reserved0 || (h.flags & ~(FC_IPC_F_FIRST | FC_IPC_F_LAST)))
		goto bad;
	s = find_slot(r, src);
	if (h.flags & FC_IPC_F_FIRST) {
		if (h.frag)
			goto bad;
		if (s) { /* the previous message never ended */
			r->incomplete++;
			s->active = 0;
		}
		if (h.flags & FC_IPC_F_LAST) { /* one fragment: no copy */
			*msg = data + HDR;
			*msg_len = n;
			r->messages++;
			return FC_IPC_RASM_DONE;
		}
		s = new_slot(r);
		s->active = 1;
		s->src = src;
		s->seq = h.msg_seq;
		s->next = 1;
		s->len = 0;
		s->last_use = ++r->tick;
		rc = append(s, data + HDR, n);
		if (rc) {
			s->active = 0;
			return rc;
		}
		return FC_IPC_RASM_PARTIAL;
	}
	if (!s || s->seq != h.msg_seq || s->next != h.frag)
		goto bad;
	s->last_use = ++r->tick;
	rc = append(s, data + HDR, n);
	if (rc == -FC_EPROTO)
		goto bad;
	if (rc) {
		s->active = 0;
		r->incomplete++;
		return rc;
	}
	s->next++;
	if (!(h.flags & FC_IPC_F_LAST))
		return FC_IPC_RASM_PARTIAL;
	s->active = 0;
	*msg = s->buf;
	*msg_len = s->len;
	r->messages++;
	return FC_IPC_RASM_DONE;

bad:
	/* A broken stream: its partial message cannot be trusted either. */
	s = find_slot(r, src);
	if (s) {
		s->active = 0;
		r->incomplete++;
	}
	r->bad++;
	return -FC_EPROTO;
}

void fc_ipc_rasm_fini(struct fc_ipc_rasm *r)
{
	for (int i = 0; i < FC_IPC_RASM_SLOTS; i++) {
		free(r->slot[i].buf);
		r->slot[i].buf = NULL;
		r->slot[i].cap = 0;
		r->slot[i].active = 0;
	}
}
