/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPC between app VMs (docs/ipc.md): messages of up to FC_IPC_MSG_MAX
 * bytes, relayed by fcapsule.ko in Dom0 from the sender's ring to the
 * receiver's inbound ring.  Order is kept per sender -> receiver pair;
 * nothing is dropped silently: a full receiver makes fc_send wait (or
 * fail with -FC_EAGAIN when non-blocking).  Who may talk is Dom0's
 * policy: app VMs of one family (forked from one another), plus the pairs
 * allowed with `fcapsule ipc allow`.
 *
 * Return values are 0 (fc_send), a length (fc_recv) or -FC_E*:
 * -FC_ESRCH no such app VM (or it went away), -FC_EPERM denied by policy,
 * -FC_EAGAIN receiver full (FC_IPC_NONBLOCK) or nothing to receive
 * (timeout 0), -FC_ETIMEDOUT, -FC_EMSGSIZE too long, -FC_ENOENT no
 * fcapsule device, -FC_EIO session ended.
 */
#ifndef FC_IPC_H
#define FC_IPC_H

#include <stddef.h>
#include <stdint.h>
#include <fc/ipc_frag.h>

#define FC_IPC_NONBLOCK 1 /* fc_send_ex: -FC_EAGAIN instead of waiting */
#define FC_IPC_FOREVER	(-1LL)

/* Send @len bytes to the app VM with domid @dest; waits while the
 * receiver is full. */
int fc_send(uint32_t dest, const void *buf, size_t len);
/* The same to the app VM named @name. */
int fc_send_name(const char *name, const void *buf, size_t len);
/* Either (@name != NULL: by name), with FC_IPC_* @flags.  A non-blocking
 * send fails with -FC_EAGAIN only before its first fragment went out;
 * after that the rest of the message is sent waiting (a message is never
 * cut short by a full receiver). */
int fc_send_ex(uint32_t dest, const char *name, const void *buf, size_t len,
	       int flags);

/* Receive the next message from anyone: its sender's domid in *@src (if
 * @src), up to @len bytes into @buf.  Returns the message's full length
 * (more than @len: truncated).  @timeout_ns: FC_IPC_FOREVER blocks, 0
 * polls (-FC_EAGAIN if none), else -FC_ETIMEDOUT after that long. */
int fc_recv(uint32_t *src, void *buf, size_t len, int64_t timeout_ns);

struct fc_ipc_stats {
	uint64_t sent, send_fragments, send_retries;
	uint64_t received, recv_fragments;
	uint64_t bad_fragments, incomplete;
};
void fc_ipc_get_stats(struct fc_ipc_stats *st);

#endif
