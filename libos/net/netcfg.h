/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure parsing of the network configuration the toolstack leaves in
 * xenstore (no lwIP, no Xen: unit-tested on the host).  Addresses are
 * kept in network byte order as the four bytes a.b.c.d.
 */
#ifndef FCOS_NET_NETCFG_H
#define FCOS_NET_NETCFG_H

#include <stdint.h>

struct fcos_net_cfg {
	uint8_t addr[4];
	uint8_t mask[4];
	uint8_t gw[4]; /* 0.0.0.0: no gateway */
	int prefix;
};

/* "a.b.c.d" (decimal, each 0..255) at *@s; advances *@s past it. 0 or -1. */
int fcos_net_parse_ip4(const char **s, uint8_t ip[4]);
/* "xx:xx:xx:xx:xx:xx"; 0 or -1. */
int fcos_net_parse_mac(const char *s, uint8_t mac[6]);
/*
 * With @with_gw: "ADDR[/PREFIX] [GATEWAY]" (the app VM's data/fc-net key).
 * Without: xl's vif "ip" key, "ADDR[/PREFIX]" possibly followed by more
 * addresses of the vif (ignored).  Prefix defaults to 24; no gateway
 * unless given.  0 or -1.
 */
int fcos_net_parse_cfg(const char *s, int with_gw, struct fcos_net_cfg *cfg);

#endif
