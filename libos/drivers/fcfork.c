// SPDX-License-Identifier: GPL-2.0
/*
 * fork(): the OS server clones this app VM (docs/fork.md).  FORK goes on
 * the ring and the caller blocks; the OS server checkpoints us (a
 * suspend that it cancels, so we go on at once) and restores the image
 * as a new domain.  In that child the request is still in flight, so
 * fcfront sends it again on the child's own ring, and the OS server
 * answers it there with child_domid 0.  Both return from the same call.
 */
#include <errno.h>
#include <unistd.h>
#include <fc.h>
#include <fcos/time.h>

/* Cloning a big app VM under emulation takes seconds, not minutes. */
#define FORK_TIMEOUT_NS (120ULL * FCOS_NSEC_PER_SEC)

int fork(void)
{
	struct fc_fork_req req = { 0 };
	struct fc_fork_rsp rsp;
	int rc;

	rc = fc_call_ex(FC_OP_FORK, 0, &req, sizeof(req), &rsp, sizeof(rsp),
			fcos_monotonic_ns() + FORK_TIMEOUT_NS);
	if (rc) {
		errno = -rc;
		return -1;
	}
	return (int)rsp.child_domid;
}
