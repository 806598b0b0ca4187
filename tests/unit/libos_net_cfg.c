// SPDX-License-Identifier: GPL-2.0
// unit-sources: libos/net/netcfg.c
// unit-cflags: -DFCOS_HOSTED -Ilibos/include
/* Network configuration strings from xenstore (libos/net/netcfg.c). */
#include <string.h>
#include "unit.h"
#include "../../libos/net/netcfg.h"

static int ip_is(const uint8_t *ip, int a, int b, int c, int d)
{
	return ip[0] == a && ip[1] == b && ip[2] == c && ip[3] == d;
}

int main(void)
{
	struct fcos_net_cfg cfg;
	uint8_t ip[4], mac[6];
	const char *s;

	s = "198.18.0.10";
	CHECK_EQ_INT(fcos_net_parse_ip4(&s, ip), 0);
	CHECK(ip_is(ip, 198, 18, 0, 10));
	CHECK_EQ_INT(*s, '\0');
	s = "1.2.3.4/8";
	CHECK_EQ_INT(fcos_net_parse_ip4(&s, ip), 0);
	CHECK_EQ_STR(s, "/8");
	s = "256.1.1.1";
	CHECK_EQ_INT(fcos_net_parse_ip4(&s, ip), -1);
	s = "1.2.3";
	CHECK_EQ_INT(fcos_net_parse_ip4(&s, ip), -1);
	s = "1..2.3";
	CHECK_EQ_INT(fcos_net_parse_ip4(&s, ip), -1);
	s = "0001.2.3.4";
	CHECK_EQ_INT(fcos_net_parse_ip4(&s, ip), -1);
	s = "";
	CHECK_EQ_INT(fcos_net_parse_ip4(&s, ip), -1);

	CHECK_EQ_INT(fcos_net_parse_mac("00:16:3e:Fc:00:0a", mac), 0);
	CHECK(mac[0] == 0 && mac[2] == 0x3e && mac[3] == 0xfc &&
	      mac[5] == 0x0a);
	CHECK_EQ_INT(fcos_net_parse_mac("00:16:3e:fc:00", mac), -1);
	CHECK_EQ_INT(fcos_net_parse_mac("00:16:3e:fc:00:0a:", mac), -1);
	CHECK_EQ_INT(fcos_net_parse_mac("00-16-3e-fc-00-0a", mac), -1);
	CHECK_EQ_INT(fcos_net_parse_mac("0g:16:3e:fc:00:0a", mac), -1);

	/* xl's vif ip key: first address, default /24, no gateway. */
	CHECK_EQ_INT(fcos_net_parse_cfg("198.18.0.10", 0, &cfg), 0);
	CHECK(ip_is(cfg.addr, 198, 18, 0, 10));
	CHECK(ip_is(cfg.mask, 255, 255, 255, 0));
	CHECK(ip_is(cfg.gw, 0, 0, 0, 0));
	CHECK_EQ_INT(cfg.prefix, 24);
	CHECK_EQ_INT(fcos_net_parse_cfg("198.18.0.10 198.18.0.11", 0, &cfg), 0);
	CHECK(ip_is(cfg.gw, 0, 0, 0, 0));
	CHECK_EQ_INT(fcos_net_parse_cfg("198.18.0.10/15", 0, &cfg), 0);
	CHECK(ip_is(cfg.mask, 255, 254, 0, 0));

	/* data/fc-net: ADDR/PREFIX GATEWAY. */
	CHECK_EQ_INT(fcos_net_parse_cfg("198.18.1.5/16 198.18.0.1", 1, &cfg),
		     0);
	CHECK(ip_is(cfg.addr, 198, 18, 1, 5));
	CHECK(ip_is(cfg.mask, 255, 255, 0, 0));
	CHECK(ip_is(cfg.gw, 198, 18, 0, 1));
	CHECK_EQ_INT(fcos_net_parse_cfg(" 10.0.0.2/32\n", 1, &cfg), 0);
	CHECK(ip_is(cfg.mask, 255, 255, 255, 255));
	CHECK_EQ_INT(fcos_net_parse_cfg("10.0.0.2/0", 1, &cfg), 0);
	CHECK(ip_is(cfg.mask, 0, 0, 0, 0));
	CHECK_EQ_INT(fcos_net_parse_cfg("10.0.0.2/33", 1, &cfg), -1);
	CHECK_EQ_INT(fcos_net_parse_cfg("10.0.0.2/", 1, &cfg), -1);
	CHECK_EQ_INT(fcos_net_parse_cfg("10.0.0.2x", 1, &cfg), -1);
	CHECK_EQ_INT(fcos_net_parse_cfg("10.0.0.2 gw", 1, &cfg), -1);
	CHECK_EQ_INT(fcos_net_parse_cfg("10.0.0.2 10.0.0.1 junk", 1, &cfg), -1);
	CHECK_EQ_INT(fcos_net_parse_cfg("", 1, &cfg), -1);
	return unit_report("libos_net_cfg");
}
