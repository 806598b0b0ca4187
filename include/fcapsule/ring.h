/* SPDX-License-Identifier: MIT */
/*
 * FlexCapsule ring protocol: the ABI between an app VM's library OS (the
 * frontend) and fcapsule.ko in Dom0 (the backend).
 *
 * This header is compiled unchanged by the Linux kernel module and by the
 * freestanding library OS.  docs/protocol.md is the authoritative
 * specification; this file must agree with it.
 *
 * Rules for changing it: opcode, message-type, flag and status numbers are
 * append-only; every structure keeps its size; fields named reserved* must
 * be written as zero and are checked by the receiver; all integers are
 * little-endian (both ends are x86-64).
 */
#ifndef FCAPSULE_RING_H
#define FCAPSULE_RING_H

#ifdef __KERNEL__
#include <linux/types.h>	/* uint8_t ... uint64_t, int32_t */
#include <xen/interface/io/ring.h>
#else
#include <stdint.h>
#include <xen/io/ring.h>	/* the user provides xen_mb/xen_rmb/xen_wmb */
#endif

/* Versions: the backend writes "versions", the frontend picks "version". */
#define FC_PROTO_VERSION	1
#define FC_PROTO_VERSIONS	"1"

/* XenStore keys (relative to the backend or the frontend directory). */
#define FC_XS_VERSIONS		"versions"	/* backend: e.g. "1" */
#define FC_XS_VERSION		"version"	/* frontend: chosen, e.g. "1" */
#define FC_XS_RING_REF		"ring-ref"	/* frontend: request ring gref */
#define FC_XS_IN_RING_REF	"in-ring-ref"	/* frontend: inbound ring gref */
#define FC_XS_EVTCHN		"event-channel"	/* frontend: unbound port */
#define FC_XS_PARENT		"parent-domid"	/* backend, optional: toolstack */
/* IPC data areas (optional, docs/protocol.md "IPC data areas"). */
#define FC_XS_IPC_OUT_PAGES	"ipc-out-pages"	/* frontend: 1..16 pages */
#define FC_XS_IPC_OUT_REF	"ipc-out-ref-"	/* frontend: + page index */
#define FC_XS_IPC_IN_PAGES	"ipc-in-pages"	/* frontend: 1..16 pages */
#define FC_XS_IPC_IN_REF	"ipc-in-ref-"	/* frontend: + page index */
#define FC_IPC_AREA_PAGES_MAX	16		/* per area */

/* Length of an app VM name, including its terminating NUL. */
#define FC_NAME_MAX		32

/* Size of the opcode-specific part of every ring slot. */
#define FC_PAYLOAD_SIZE		104

/* Bytes of IPC data carried inline in one request / inbound message. */
#define FC_IPC_INLINE_MAX	64

/*
 * Status codes: 0 or a negative FC_E* value.  The numbers are Linux's errno
 * values, spelled out so that the library OS needs no errno.h.
 */
#define FC_EPERM		1
#define FC_ENOENT		2
#define FC_ESRCH		3
#define FC_EIO			5
#define FC_E2BIG		7
#define FC_EAGAIN		11
#define FC_ENOMEM		12
#define FC_EBUSY		16
#define FC_EEXIST		17
#define FC_EINVAL		22
#define FC_ENOSPC		28
#define FC_ENOSYS		38
#define FC_EPROTO		71
#define FC_EMSGSIZE		90
#define FC_EPROTONOSUPPORT	93
#define FC_EOPNOTSUPP		95
#define FC_EADDRINUSE		98
#define FC_ETIMEDOUT		110

/* Request opcodes (frontend -> backend).  Append-only. */
#define FC_OP_NOP		0	/* answered in kernel, payload echoed */
#define FC_OP_HELLO		1	/* answered in kernel: backend info */
#define FC_OP_FORK		2	/* OS server: clone this app VM */
#define FC_OP_LISTEN		3	/* OS server: add a NAPT entry */
#define FC_OP_UNLISTEN		4	/* OS server: remove a NAPT entry */
#define FC_OP_IPC_SEND		5	/* answered in kernel: relay a message */
#define FC_OP_EXIT		6	/* OS server: the app is exiting */

/* Request flags (struct fcapsule_request.flags). */
#define FC_IPC_F_BY_NAME	(1u << 0)	/* IPC_SEND: use dest_name */
#define FC_IPC_F_AREA		(1u << 1)	/* IPC_SEND: body in out-area */

/* Inbound message flags (struct fcapsule_in_request.flags). */
#define FC_IN_F_AREA		(1u << 0)	/* FC_IN_IPC: body in in-area */

/* Transport protocols for LISTEN/UNLISTEN (IANA numbers). */
#define FC_PROTO_TCP		6
#define FC_PROTO_UDP		17

/* -------- payloads of requests and responses (FC_PAYLOAD_SIZE each) ---- */

/* HELLO response. */
struct fc_hello_rsp {
	uint32_t version;		/* negotiated protocol version */
	uint32_t domid;			/* the app VM's own domid */
	uint64_t app_id;		/* backend-assigned, never reused */
	uint32_t parent_domid;		/* 0: started by the OS server */
	uint32_t ring_slots;		/* slots in each of the two rings */
	uint32_t ipc_inline_max;	/* FC_IPC_INLINE_MAX */
	uint32_t reserved0;
	char name[FC_NAME_MAX];		/* domain name, NUL-terminated */
	uint8_t reserved1[40];
};

/* FORK request: no parameters yet. */
struct fc_fork_req {
	uint8_t reserved[FC_PAYLOAD_SIZE];
};

/* FORK response (to the parent; the child never sees one). */
struct fc_fork_rsp {
	uint32_t child_domid;
	uint32_t reserved0;
	uint64_t child_app_id;		/* 0 if the backend does not know it */
	uint8_t reserved1[88];
};

/* LISTEN and UNLISTEN request. */
struct fc_listen_req {
	uint8_t proto;			/* FC_PROTO_TCP or FC_PROTO_UDP */
	uint8_t reserved0;
	uint16_t port;			/* app VM's port, host byte order */
	uint32_t addr;			/* app VM's IPv4, network order; 0=any */
	uint16_t public_port;		/* wanted public port, 0 = same */
	uint16_t reserved1;
	uint32_t reserved2;
	uint8_t reserved3[88];
};

/* LISTEN and UNLISTEN response. */
struct fc_listen_rsp {
	uint32_t public_addr;		/* IPv4, network byte order */
	uint16_t public_port;		/* host byte order */
	uint16_t reserved0;
	uint8_t reserved1[96];
};

/*
 * Where a body lives in a data area (FC_IPC_F_AREA, FC_IN_F_AREA): bytes
 * [off, off + len) of the area, never wrapping around its end.
 */
struct fc_ipc_area_ref {
	uint32_t off;
	uint32_t reserved0;
	uint8_t reserved1[FC_IPC_INLINE_MAX - 8];
};

/*
 * IPC_SEND request: one message (fragment) of up to FC_IPC_INLINE_MAX
 * bytes in data[], or, with FC_IPC_F_AREA, of up to FC_IPC_AREA_MSG_MAX
 * bytes in the sender's out-area at area.off.
 */
struct fc_ipc_send_req {
	uint32_t dest_domid;		/* unless FC_IPC_F_BY_NAME */
	uint32_t len;			/* bytes of the body */
	char dest_name[FC_NAME_MAX];	/* with FC_IPC_F_BY_NAME, NUL-term. */
	union {
		uint8_t data[FC_IPC_INLINE_MAX];
		struct fc_ipc_area_ref area;	/* with FC_IPC_F_AREA */
	};
};

/*
 * Fragments of an IPC message (library OS <-> library OS; the backend
 * relays data[] without looking at it).  Every IPC_SEND of a message
 * starts data[] with this header and carries len - 8 bytes of the message
 * after it; the receiver reassembles per source (docs/ipc.md).
 */
#define FC_IPC_F_FIRST		(1u << 0)	/* first fragment of a message */
#define FC_IPC_F_LAST		(1u << 1)	/* last fragment of a message */
#define FC_IPC_FRAG_HDR		8	/* sizeof(struct fc_ipc_frag_hdr) */
#define FC_IPC_FRAG_DATA	(FC_IPC_INLINE_MAX - FC_IPC_FRAG_HDR)	/* 56 */
#define FC_IPC_MSG_MAX		65536	/* largest message reassembled */
#define FC_IPC_AREA_MSG_MAX	16384	/* largest body sent by area */

struct fc_ipc_frag_hdr {
	uint32_t msg_seq;		/* the sender's message number */
	uint16_t frag;			/* 0, 1, ... within the message */
	uint8_t flags;			/* FC_IPC_F_FIRST | FC_IPC_F_LAST */
	uint8_t reserved0;		/* zero */
};

/* EXIT request. */
struct fc_exit_req {
	int32_t code;			/* the application's exit status */
	uint32_t reserved0;
	uint8_t reserved1[96];
};

/* -------- the request ring (page "ring-ref") ---------------------------- */

struct fcapsule_request {
	uint64_t id;			/* chosen by the frontend, echoed */
	uint32_t opcode;		/* FC_OP_* */
	uint32_t flags;			/* FC_*_F_*; others must be zero */
	union {
		uint8_t raw[FC_PAYLOAD_SIZE];
		struct fc_fork_req fork;
		struct fc_listen_req listen;
		struct fc_ipc_send_req ipc_send;
		struct fc_exit_req exit;
	} u;
};

struct fcapsule_response {
	uint64_t id;			/* fcapsule_request.id */
	uint32_t opcode;		/* fcapsule_request.opcode */
	int32_t status;			/* 0 or -FC_E* */
	union {
		uint8_t raw[FC_PAYLOAD_SIZE];
		struct fc_hello_rsp hello;
		struct fc_fork_rsp fork;
		struct fc_listen_rsp listen;
	} u;
};

DEFINE_RING_TYPES(fcapsule, struct fcapsule_request, struct fcapsule_response);

/* -------- the inbound ring (page "in-ring-ref"), Dom0 -> app VM -------- */
/*
 * Same ring macros, roles reversed: the backend produces "requests"
 * (messages) with a front ring, the frontend consumes them with a back ring
 * and answers each with a "response" (an acknowledgement).
 */

/* Inbound message types.  Append-only. */
#define FC_IN_NOP		0	/* nothing; acknowledged */
#define FC_IN_IPC		1	/* an IPC message from another app VM */
#define FC_IN_NOTIFY		2	/* a notification from the OS server */

/* FC_IN_IPC payload: body inline, or in the in-area (FC_IN_F_AREA). */
struct fc_in_ipc {
	uint32_t src_domid;
	uint32_t len;			/* bytes of the body */
	char src_name[FC_NAME_MAX];	/* NUL-terminated */
	union {
		uint8_t data[FC_IPC_INLINE_MAX];
		struct fc_ipc_area_ref area;	/* with FC_IN_F_AREA */
	};
};

/* FC_IN_NOTIFY payload. */
struct fc_in_notify {
	uint32_t what;			/* reserved for future use, now 0 */
	uint32_t reserved0;
	uint64_t arg[12];
};

struct fcapsule_in_request {
	uint64_t id;			/* chosen by the backend, echoed */
	uint32_t type;			/* FC_IN_* */
	uint32_t flags;			/* FC_IN_F_*; others zero */
	union {
		uint8_t raw[FC_PAYLOAD_SIZE];
		struct fc_in_ipc ipc;
		struct fc_in_notify notify;
	} u;
};

struct fcapsule_in_response {
	uint64_t id;			/* fcapsule_in_request.id */
	uint32_t type;			/* fcapsule_in_request.type */
	int32_t status;			/* 0 or -FC_E*; only counted */
	uint8_t reserved[FC_PAYLOAD_SIZE];
};

DEFINE_RING_TYPES(fcapsule_in, struct fcapsule_in_request,
		  struct fcapsule_in_response);

/* Layout checks: any change here is an ABI break. */
_Static_assert(sizeof(struct fc_hello_rsp) == FC_PAYLOAD_SIZE, "hello");
_Static_assert(sizeof(struct fc_fork_req) == FC_PAYLOAD_SIZE, "fork req");
_Static_assert(sizeof(struct fc_fork_rsp) == FC_PAYLOAD_SIZE, "fork rsp");
_Static_assert(sizeof(struct fc_listen_req) == FC_PAYLOAD_SIZE, "listen");
_Static_assert(sizeof(struct fc_listen_rsp) == FC_PAYLOAD_SIZE, "listen");
_Static_assert(sizeof(struct fc_ipc_send_req) == FC_PAYLOAD_SIZE, "ipc");
_Static_assert(sizeof(struct fc_exit_req) == FC_PAYLOAD_SIZE, "exit");
_Static_assert(sizeof(struct fc_ipc_frag_hdr) == FC_IPC_FRAG_HDR, "frag");
_Static_assert(sizeof(struct fc_ipc_area_ref) == FC_IPC_INLINE_MAX, "area");
_Static_assert(sizeof(struct fc_in_ipc) == FC_PAYLOAD_SIZE, "in ipc");
_Static_assert(sizeof(struct fc_in_notify) == FC_PAYLOAD_SIZE, "notify");
_Static_assert(sizeof(struct fcapsule_request) == 120, "request");
_Static_assert(sizeof(struct fcapsule_response) == 120, "response");
_Static_assert(sizeof(struct fcapsule_in_request) == 120, "in request");
_Static_assert(sizeof(struct fcapsule_in_response) == 120, "in response");

/* Slots per one-page ring: (4096 - 64) / 120 rounded down to 2^n = 32. */
#define FC_RING_SLOTS		32

#endif /* FCAPSULE_RING_H */
