// SPDX-License-Identifier: GPL-2.0
/* Network configuration strings from xenstore (see netcfg.h). */
#include <string.h>
#include "netcfg.h"

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == ',';
}

static int parse_dec(const char **s, unsigned int max, unsigned int *v)
{
	const char *p = *s;
	unsigned int n = 0;
	int digits = 0;

	while (*p >= '0' && *p <= '9') {
		n = n * 10 + (unsigned int)(*p - '0');
		if (++digits > 3 || n > max)
			return -1;
		p++;
	}
	if (!digits)
		return -1;
	*v = n;
	*s = p;
	return 0;
}

int fcos_net_parse_ip4(const char **s, uint8_t ip[4])
{
	const char *p = *s;
	unsigned int v;

	for (int i = 0; i < 4; i++) {
		if (i && *p++ != '.')
			return -1;
		if (parse_dec(&p, 255, &v))
			return -1;
		ip[i] = (uint8_t)v;
	}
	*s = p;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int fcos_net_parse_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[0]), lo = hexval(s[1]);

		if (hi < 0 || lo < 0)
			return -1;
		mac[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (i < 5 && *s++ != ':')
			return -1;
	}
	return *s ? -1 : 0;
}

static void prefix_to_mask(int prefix, uint8_t mask[4])
{
	uint32_t m = prefix ? 0xffffffffu << (32 - prefix) : 0;

	mask[0] = (uint8_t)(m >> 24);
	mask[1] = (uint8_t)(m >> 16);
	mask[2] = (uint8_t)(m >> 8);
	mask[3] = (uint8_t)m;
}

int fcos_net_parse_cfg(const char *s, int with_gw, struct fcos_net_cfg *cfg)
{
	unsigned int prefix = 24;

	memset(cfg, 0, sizeof(*cfg));
	while (is_blank(*s))
		s++;
	if (fcos_net_parse_ip4(&s, cfg->addr))
		return -1;
	if (*s == '/') {
		s++;
		if (parse_dec(&s, 32, &prefix))
			return -1;
	}
	if (*s && !is_blank(*s))
		return -1;
	cfg->prefix = (int)prefix;
	prefix_to_mask(cfg->prefix, cfg->mask);
	while (is_blank(*s))
		s++;
	if (!with_gw || !*s)
		return 0;
	if (fcos_net_parse_ip4(&s, cfg->gw))
		return -1;
	while (is_blank(*s))
		s++;
	return *s ? -1 : 0;
}
