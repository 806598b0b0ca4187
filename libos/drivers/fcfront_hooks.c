// SPDX-License-Identifier: GPL-2.0
/*
 * fcfront's hooks into the network stack: listen() -> NAPT (DESIGN.md,
 * docs/napt.md).  The network stack calls them; the OS server maps the instance's public port to this app
 * VM's address and port before the call returns.  A dead OS server must
 * not hang listen() for good, hence the deadline.
 */
#include <fcos/net.h>
#include "fcfront_priv.h"

#define LISTEN_TIMEOUT_NS (30ULL * FCOS_NSEC_PER_SEC)

static int listen_call(uint32_t op, uint16_t port)
{
	struct fc_listen_req req = { .proto = FC_PROTO_TCP, .port = port };
	struct fc_listen_rsp rsp;

	if (fcfront_dev.state == FCFRONT_NODEV)
		return -FC_ENOENT; /* no fcapsule device: private only */
	return fc_call_ex(op, 0, &req, sizeof(req), &rsp, sizeof(rsp),
			  fcos_monotonic_ns() + LISTEN_TIMEOUT_NS);
}

int fcos_net_listen_hook(uint16_t port)
{
	return listen_call(FC_OP_LISTEN, port);
}

int fcos_net_unlisten_hook(uint16_t port)
{
	return listen_call(FC_OP_UNLISTEN, port);
}

int (*const fcfront_listen_hooks[2])(uint16_t port) = {
	fcos_net_listen_hook,
	fcos_net_unlisten_hook,
};
