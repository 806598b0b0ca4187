// SPDX-License-Identifier: GPL-2.0
/*
 * NAPT that follows listen(): one nftables table of our own (ip fcapsule),
 * one map (ports: tcp dport -> app VM address . port), one DNAT rule, and
 * one map element per listening port, added and removed through libnftnl
 * and libmnl in one batch each.  A listen() costs one element, never a
 * rule: the kernel looks the port up in a hash, however many are mapped.
 *
 * A port served by a pool of forked workers lives in a second map
 * instead (pools: tcp dport . slot -> address . port), FC_NAPT_POOL_SLOTS
 * elements per port with the workers dealt round the slots; a rule ahead
 * of the ports rule picks the slot with `numgen inc`.  Changing a pool
 * rewrites its slots in one transaction; connections already made keep
 * their conntrack binding, so a worker leaving fails none of the others'.
 *
 * The builders (fc_napt_build_*) and the element parser are pure: they
 * fill or read buffers and are unit-tested on the host
 * (tests/unit/usr_napt.c); only fc_napt_nl_* talk to the kernel.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "fc.h"

/* nft's datatype ids: the map's key and data types, as `nft list` shows */
#define FC_NFT_TYPE_IPADDR	  7
#define FC_NFT_TYPE_INET_SERVICE  13
#define FC_NFT_TYPE_BITS	  6
#define FC_NFT_UDATA_ELEM_COMMENT 0 /* NFTNL_UDATA_SET_ELEM_COMMENT */
#define FC_NFT_TYPE_MARK	  19
#define FC_NAPT_SET_ID		  1
#define FC_NAPT_POOL_SET_ID	  2
#define FC_NAPT_SNAT_SET_ID	  3
#define FC_CT_STATUS_DNAT	  (1u << 5) /* IPS_DST_NAT */
#define FC_RTN_LOCAL		  2	    /* fib daddr type local */
#define FC_PRI_NAT_DST		  (-100)
#define FC_PRI_NAT_SRC		  100
#define FC_PRI_HOLD		  (FC_PRI_NAT_DST + 1) /* sees the DNAT'd address */
#define FC_NAPT_HELD_SET_ID	  4
#define FC_CT_STATE_NEW		  (1u << 3) /* NF_CT_STATE_BIT(IP_CT_NEW) */
#define FC_NL_BUF		  16384 /* >= MNL_SOCKET_BUFFER_SIZE with 4K pages */
#define FC_NL_BIG_BUF		  131072 /* deleting every element at once */

void fc_napt_conf_default(struct fc_napt_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->net = htonl(FC_NET_DEFAULT_ADDR & 0xffffff00u);
	conf->prefix = FC_NET_DEFAULT_PREFIX;
	snprintf(conf->bridge, sizeof(conf->bridge), "%s", FC_NET_BRIDGE);
}

/* ---- pure: batch builders ---- */

static struct nlmsghdr *fc_batch_hdr(struct mnl_nlmsg_batch *b, int type,
				     uint16_t flags, uint32_t *seq)
{
	return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), type,
				     NFPROTO_IPV4, flags | NLM_F_ACK, (*seq)++);
}

/* Each builder returns 0, or -ENOSPC when the buffer is too small. */
static int fc_batch_next(struct mnl_nlmsg_batch *b)
{
	return mnl_nlmsg_batch_next(b) ? 0 : -ENOSPC;
}

static int fc_add_expr(struct nftnl_rule *r, struct nftnl_expr *e)
{
	if (!e)
		return -ENOMEM;
	nftnl_rule_add_expr(r, e);
	return 0;
}

static struct nftnl_expr *fc_expr_payload(uint32_t base, uint32_t off,
					  uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	return e;
}

static struct nftnl_expr *fc_expr_cmp(uint32_t op, const void *data,
				      uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	return e;
}

static struct nftnl_expr *fc_expr_meta(uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	return e;
}

/* fib daddr type local: only traffic addressed to this host is mapped */
static int fc_rule_local_daddr(struct nftnl_rule *r)
{
	uint32_t local = FC_RTN_LOCAL;
	struct nftnl_expr *e = nftnl_expr_alloc("fib");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
	return fc_add_expr(r, fc_expr_cmp(NFT_CMP_EQ, &local, sizeof(local)));
}

/*
 * dnat ip addr . port to tcp dport map @ports: the destination port is
 * looked up in the map, whose data (address, port) lands in registers
 * 1 (address, 32-bit reg 8) and 9 (port, the next 32-bit register).
 */
static int fc_rule_dnat_map(struct nftnl_rule *r, int pool)
{
	uint8_t tcp = IPPROTO_TCP;
	struct nftnl_expr *e;
	int ret;

	ret = fc_add_expr(r, fc_expr_meta(NFT_META_L4PROTO));
	if (!ret)
		ret = fc_add_expr(r, fc_expr_cmp(NFT_CMP_EQ, &tcp, 1));
	if (!ret)
		ret = fc_add_expr(
			r, fc_expr_payload(NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2));
	if (ret)
		return ret;

	if (pool) {
		/* tcp dport . numgen inc mod SLOTS: the slot goes beside
		 * the port, in the key's second 32-bit word */
		e = nftnl_expr_alloc("numgen");
		if (!e)
			return -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_NG_DREG, NFT_REG32_01);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NG_MODULUS,
				   FC_NAPT_POOL_SLOTS);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NG_TYPE, NFT_NG_INCREMENTAL);
		nftnl_rule_add_expr(r, e);
	}

	/* a port in neither map is not ours: the lookup ends the rule */
	e = nftnl_expr_alloc("lookup");
	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET,
			   pool ? FC_NAPT_POOL_MAP : FC_NAPT_MAP);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID,
			   pool ? FC_NAPT_POOL_SET_ID : FC_NAPT_SET_ID);
	nftnl_rule_add_expr(r, e);

	e = nftnl_expr_alloc("nat");
	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, NFPROTO_IPV4);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG32_01);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS,
			   NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED);
	nftnl_rule_add_expr(r, e);
	return 0;
}

/* ip daddr != 127.0.0.0/8: Dom0's loopback services stay its own */
static int fc_rule_not_loopback(struct nftnl_rule *r)
{
	uint8_t lo = 127;
	int ret;

	ret = fc_add_expr(r,
			  fc_expr_payload(NFT_PAYLOAD_NETWORK_HEADER, 16, 1));
	if (!ret)
		ret = fc_add_expr(r, fc_expr_cmp(NFT_CMP_NEQ, &lo, 1));
	return ret;
}

/* ip saddr NET/PREFIX oifname != BRIDGE masquerade */
static int fc_rule_masq(struct nftnl_rule *r, const struct fc_napt_conf *conf)
{
	uint32_t mask = conf->prefix ? htonl(~0u << (32 - conf->prefix)) : 0;
	uint32_t net = conf->net & mask, zero = 0;
	char ifname[16] = { 0 };
	struct nftnl_expr *e;
	int ret;

	ret = fc_add_expr(r,
			  fc_expr_payload(NFT_PAYLOAD_NETWORK_HEADER, 12, 4));
	if (ret)
		return ret;
	e = nftnl_expr_alloc("bitwise");
	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, 4);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
	nftnl_rule_add_expr(r, e);
	ret = fc_add_expr(r, fc_expr_cmp(NFT_CMP_EQ, &net, 4));
	if (ret)
		return ret;

	snprintf(ifname, sizeof(ifname), "%s", conf->bridge);
	ret = fc_add_expr(r, fc_expr_meta(NFT_META_OIFNAME));
	if (!ret)
		ret = fc_add_expr(
			r, fc_expr_cmp(NFT_CMP_NEQ, ifname, sizeof(ifname)));
	if (!ret)
		ret = fc_add_expr(r, nftnl_expr_alloc("masq"));
	return ret;
}

/* ct KEY & @bits != 0 */
static int fc_rule_ct_bits(struct nftnl_rule *r, uint32_t key, uint32_t bits)
{
	struct nftnl_expr *e = nftnl_expr_alloc("ct");
	uint32_t zero = 0;

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
	e = nftnl_expr_alloc("bitwise");
	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &bits, 4);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
	nftnl_rule_add_expr(r, e);
	return fc_add_expr(r, fc_expr_cmp(NFT_CMP_NEQ, &zero, 4));
}

/* register 1 in @set (no data: a set, not a map), or the rule ends */
static int fc_rule_in_set(struct nftnl_rule *r, const char *set, uint32_t id)
{
	struct nftnl_expr *e = nftnl_expr_alloc("lookup");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, id);
	nftnl_rule_add_expr(r, e);
	return 0;
}

/*
 * oifname BRIDGE ip daddr @relayed ct status dnat masquerade: a flow that
 * NAPT sends to an app VM in the set leaves with the bridge's address,
 * so that the app VM's answers come back here whichever Dom0 it runs on
 * or has as its gateway (docs/migrate.md, "The public endpoint").
 */
static int fc_rule_snat(struct nftnl_rule *r, const struct fc_napt_conf *conf)
{
	char ifname[16] = { 0 };
	int ret;

	snprintf(ifname, sizeof(ifname), "%s", conf->bridge);
	ret = fc_add_expr(r, fc_expr_meta(NFT_META_OIFNAME));
	if (!ret)
		ret = fc_add_expr(
			r, fc_expr_cmp(NFT_CMP_EQ, ifname, sizeof(ifname)));
	if (!ret)
		ret = fc_add_expr(
			r, fc_expr_payload(NFT_PAYLOAD_NETWORK_HEADER, 16, 4));
	if (!ret)
		ret = fc_rule_in_set(r, FC_NAPT_SNAT_SET, FC_NAPT_SNAT_SET_ID);
	if (!ret)
		ret = fc_rule_ct_bits(r, NFT_CT_STATUS, FC_CT_STATUS_DNAT);
	if (!ret)
		ret = fc_add_expr(r, nftnl_expr_alloc("masq"));
	return ret;
}

/*
 * meta l4proto tcp ct state new meta mark != PROBE ip daddr @held counter
 * queue num FC_HOLD_QUEUE bypass: a new connection to an app VM that may
 * not answer now (paused for a migration's last copy, resuming, saved for
 * a fork) waits in the OS server's queue instead of meeting a silent or
 * unreachable address (hold.c).  bypass: with no server bound to the
 * queue the packet goes on as if there were no rule.
 */
static int fc_rule_hold(struct nftnl_rule *r)
{
	uint32_t mark = FC_HOLD_PROBE_MARK;
	uint8_t tcp = IPPROTO_TCP;
	struct nftnl_expr *e;
	int ret;

	ret = fc_add_expr(r, fc_expr_meta(NFT_META_L4PROTO));
	if (!ret)
		ret = fc_add_expr(r, fc_expr_cmp(NFT_CMP_EQ, &tcp, 1));
	if (!ret)
		ret = fc_rule_ct_bits(r, NFT_CT_STATE, FC_CT_STATE_NEW);
	/* the server's own probes must reach the app VM */
	if (!ret)
		ret = fc_add_expr(r, fc_expr_meta(NFT_META_MARK));
	if (!ret)
		ret = fc_add_expr(r, fc_expr_cmp(NFT_CMP_NEQ, &mark, 4));
	if (!ret)
		ret = fc_add_expr(
			r, fc_expr_payload(NFT_PAYLOAD_NETWORK_HEADER, 16, 4));
	if (!ret)
		ret = fc_rule_in_set(r, FC_NAPT_HELD_SET, FC_NAPT_HELD_SET_ID);
	if (!ret)
		ret = fc_add_expr(r, nftnl_expr_alloc("counter"));
	if (ret)
		return ret;
	e = nftnl_expr_alloc("queue");
	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_NUM, FC_HOLD_QUEUE);
	nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_TOTAL, 1);
	nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_FLAGS, NFT_QUEUE_FLAG_BYPASS);
	nftnl_rule_add_expr(r, e);
	return 0;
}

/* flush the chain: init rebuilds its rule, atomically, in the batch */
static int fc_batch_flush(struct mnl_nlmsg_batch *b, uint32_t *seq,
			  const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;
	int ret = -ENOMEM;

	if (!r)
		goto out;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, FC_NAPT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nlh = fc_batch_hdr(b, NFT_MSG_DELRULE, 0, seq);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	ret = fc_batch_next(b);
out:
	if (r)
		nftnl_rule_free(r);
	return ret;
}

static int fc_batch_chain(struct mnl_nlmsg_batch *b, uint32_t *seq,
			  const char *name, const char *type, uint32_t hook,
			  int prio)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;
	int ret = -ENOMEM;

	if (!c)
		goto out;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, FC_NAPT_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, type);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nlh = fc_batch_hdr(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE, seq);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	ret = fc_batch_next(b);
	if (ret)
		goto out;
	ret = fc_batch_flush(b, seq, name);
out:
	if (c)
		nftnl_chain_free(c);
	return ret;
}

enum {
	FC_RULE_POOL_PRE,
	FC_RULE_POOL_OUT,
	FC_RULE_DNAT_PRE,
	FC_RULE_DNAT_OUT,
	FC_RULE_MASQ,
	FC_RULE_SNAT,
	FC_RULE_HOLD
};

static int fc_batch_rule(struct mnl_nlmsg_batch *b, uint32_t *seq,
			 const char *chain, int kind,
			 const struct fc_napt_conf *conf)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;
	int ret = -ENOMEM;

	if (!r)
		goto out;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, FC_NAPT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_IPV4);
	switch (kind) {
	case FC_RULE_POOL_OUT:
	case FC_RULE_DNAT_OUT:
		ret = fc_rule_not_loopback(r);
		if (ret)
			goto out;
		/* fall through */
	case FC_RULE_POOL_PRE:
	case FC_RULE_DNAT_PRE:
		ret = fc_rule_local_daddr(r);
		if (!ret)
			ret = fc_rule_dnat_map(
				r, kind == FC_RULE_POOL_PRE ||
					   kind == FC_RULE_POOL_OUT);
		break;
	case FC_RULE_SNAT:
		ret = fc_rule_snat(r, conf);
		break;
	case FC_RULE_HOLD:
		ret = fc_rule_hold(r);
		break;
	default:
		ret = fc_rule_masq(r, conf);
		break;
	}
	if (ret)
		goto out;
	nlh = fc_batch_hdr(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND,
			   seq);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	ret = fc_batch_next(b);
out:
	if (r)
		nftnl_rule_free(r);
	return ret;
}

/* ports (tcp dport) or pools (tcp dport . slot) : addr . port */
static int fc_batch_map(struct mnl_nlmsg_batch *b, uint32_t *seq, int pool)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	if (!s)
		return -ENOMEM;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, FC_NAPT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME,
			  pool ? FC_NAPT_POOL_MAP : FC_NAPT_MAP);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_IPV4);
	nftnl_set_set_u32(s, NFTNL_SET_ID,
			  pool ? FC_NAPT_POOL_SET_ID : FC_NAPT_SET_ID);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_MAP);
	if (pool) {
		nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE,
				  FC_NFT_TYPE_INET_SERVICE << FC_NFT_TYPE_BITS |
					  FC_NFT_TYPE_MARK);
		nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, 8);
	} else {
		nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE,
				  FC_NFT_TYPE_INET_SERVICE);
		nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, 2);
	}
	nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE,
			  FC_NFT_TYPE_IPADDR << FC_NFT_TYPE_BITS |
				  FC_NFT_TYPE_INET_SERVICE);
	nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, 8); /* 4 + port padded to 4 */
	nlh = fc_batch_hdr(b, NFT_MSG_NEWSET, NLM_F_CREATE, seq);
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	return fc_batch_next(b);
}

/*
 * A set of app VM addresses: relayed, whose NAPT flows are masqueraded;
 * held (NFT_SET_TIMEOUT), whose new connections wait (fc_rule_hold), each
 * element with its own timeout, so that a hold its maker forgets ends.
 */
static int fc_batch_addr_set(struct mnl_nlmsg_batch *b, uint32_t *seq,
			     const char *name, uint32_t id, uint32_t flags)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	if (!s)
		return -ENOMEM;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, FC_NAPT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_IPV4);
	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, flags);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, FC_NFT_TYPE_IPADDR);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, 4);
	nlh = fc_batch_hdr(b, NFT_MSG_NEWSET, NLM_F_CREATE, seq);
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	return fc_batch_next(b);
}

static int fc_batch_table_and_maps(struct mnl_nlmsg_batch *b, uint32_t *seq)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	int ret = -ENOMEM;

	if (!t)
		goto out;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, FC_NAPT_TABLE);
	nlh = fc_batch_hdr(b, NFT_MSG_NEWTABLE, NLM_F_CREATE, seq);
	nftnl_table_nlmsg_build_payload(nlh, t);
	ret = fc_batch_next(b);
	if (!ret)
		ret = fc_batch_map(b, seq, 0);
	if (!ret)
		ret = fc_batch_map(b, seq, 1);
	if (!ret)
		ret = fc_batch_addr_set(b, seq, FC_NAPT_SNAT_SET,
					FC_NAPT_SNAT_SET_ID, 0);
	if (!ret)
		ret = fc_batch_addr_set(b, seq, FC_NAPT_HELD_SET,
					FC_NAPT_HELD_SET_ID, NFT_SET_TIMEOUT);
out:
	if (t)
		nftnl_table_free(t);
	return ret;
}

static void fc_batch_open(struct mnl_nlmsg_batch *b, uint32_t *seq)
{
	nftnl_batch_begin(mnl_nlmsg_batch_current(b), (*seq)++);
	mnl_nlmsg_batch_next(b);
}

/*
 * Only the batch's last message asks for an ack: the kernel answers every
 * message that fails anyway, in the batch's order, so the last one's
 * answer ends the reply, and a batch that succeeds costs one read.
 */
static void fc_batch_one_ack(void *buf, size_t len)
{
	struct nlmsghdr *nlh = buf, *last = NULL;
	int left = len;

	while (mnl_nlmsg_ok(nlh, left)) {
		if (nlh->nlmsg_flags & NLM_F_ACK) {
			if (last)
				last->nlmsg_flags &= ~NLM_F_ACK;
			last = nlh;
		}
		nlh = mnl_nlmsg_next(nlh, &left);
	}
}

/* End the batch; *out_len is then the length to send. */
static int fc_batch_close(struct mnl_nlmsg_batch *b, uint32_t *seq,
			  size_t *out_len)
{
	int ret;

	nftnl_batch_end(mnl_nlmsg_batch_current(b), (*seq)++);
	ret = fc_batch_next(b);
	if (!ret) {
		*out_len = mnl_nlmsg_batch_size(b);
		fc_batch_one_ack(mnl_nlmsg_batch_head(b), *out_len);
	}
	return ret;
}

/*
 * The whole NAPT setup as one transaction: table, maps, the relayed set,
 * three nat chains, each flushed and given its rules (pools first, then
 * ports, in the two DNAT chains; masquerade out, then relayed, in
 * postrouting).  Elements of existing maps are kept, so a restarted
 * server keeps its mappings.
 */
int fc_napt_build_init(void *buf, size_t len, uint32_t seq,
		       const struct fc_napt_conf *conf, size_t *out_len)
{
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, len / 2);
	int ret = -ENOMEM;

	if (!b)
		goto out;
	fc_batch_open(b, &seq);
	ret = fc_batch_table_and_maps(b, &seq);
	if (!ret)
		ret = fc_batch_chain(b, &seq, FC_NAPT_CHAIN_PRE, "nat",
				     NF_INET_PRE_ROUTING, FC_PRI_NAT_DST);
	if (!ret)
		ret = fc_batch_chain(b, &seq, FC_NAPT_CHAIN_OUT, "nat",
				     NF_INET_LOCAL_OUT, FC_PRI_NAT_DST);
	if (!ret)
		ret = fc_batch_chain(b, &seq, FC_NAPT_CHAIN_POST, "nat",
				     NF_INET_POST_ROUTING, FC_PRI_NAT_SRC);
	if (!ret)
		ret = fc_batch_chain(b, &seq, FC_NAPT_CHAIN_HOLD_PRE, "filter",
				     NF_INET_PRE_ROUTING, FC_PRI_HOLD);
	if (!ret)
		ret = fc_batch_chain(b, &seq, FC_NAPT_CHAIN_HOLD_OUT, "filter",
				     NF_INET_LOCAL_OUT, FC_PRI_HOLD);
	if (!ret)
		ret = fc_batch_rule(b, &seq, FC_NAPT_CHAIN_PRE,
				    FC_RULE_POOL_PRE, conf);
	if (!ret)
		ret = fc_batch_rule(b, &seq, FC_NAPT_CHAIN_PRE,
				    FC_RULE_DNAT_PRE, conf);
	if (!ret)
		ret = fc_batch_rule(b, &seq, FC_NAPT_CHAIN_OUT,
				    FC_RULE_POOL_OUT, conf);
	if (!ret)
		ret = fc_batch_rule(b, &seq, FC_NAPT_CHAIN_OUT,
				    FC_RULE_DNAT_OUT, conf);
	if (!ret)
		ret = fc_batch_rule(b, &seq, FC_NAPT_CHAIN_POST, FC_RULE_MASQ,
				    conf);
	if (!ret)
		ret = fc_batch_rule(b, &seq, FC_NAPT_CHAIN_POST, FC_RULE_SNAT,
				    conf);
	if (!ret)
		ret = fc_batch_rule(b, &seq, FC_NAPT_CHAIN_HOLD_PRE,
				    FC_RULE_HOLD, conf);
	if (!ret)
		ret = fc_batch_rule(b, &seq, FC_NAPT_CHAIN_HOLD_OUT,
				    FC_RULE_HOLD, conf);
	if (!ret)
		ret = fc_batch_close(b, &seq, out_len);
out:
	if (b)
		mnl_nlmsg_batch_stop(b);
	return ret;
}

/*
 * "dom=5 app=12 name=web": stored with the element, shown by nft too.  A
 * forwarded entry (the app VM runs on another instance) adds
 * "fwd=PEER"; a relayed element of a guest adds "home=PEER".
 */
int fc_napt_comment_format(const struct fc_napt_entry *e, char *buf, size_t len)
{
	char fwd[32] = "", a[INET_ADDRSTRLEN];
	int n;

	if (e->fwd || e->home) {
		inet_ntop(AF_INET, e->fwd ? &e->fwd : &e->home, a, sizeof(a));
		snprintf(fwd, sizeof(fwd), " %s=%s", e->fwd ? "fwd" : "home",
			 a);
	}
	if (e->name[0])
		n = snprintf(buf, len, "dom=%u app=%" PRIu64 "%s name=%s",
			     e->domid, e->app_id, fwd, e->name);
	else
		n = snprintf(buf, len, "dom=%u app=%" PRIu64 "%s", e->domid,
			     e->app_id, fwd);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

static void fc_comment_addr(const char *s, const char *key, uint32_t *out)
{
	char a[INET_ADDRSTRLEN];
	const char *p = strstr(s, key);
	struct in_addr in;

	if (!p)
		return;
	p += strlen(key);
	snprintf(a, sizeof(a), "%.*s", (int)strcspn(p, " "), p);
	if (inet_pton(AF_INET, a, &in) == 1)
		*out = in.s_addr;
}

int fc_napt_comment_parse(const char *s, struct fc_napt_entry *e)
{
	const char *p;
	char *end;

	p = strstr(s, "dom=");
	if (!p)
		return -EINVAL;
	e->domid = strtoul(p + 4, &end, 10);
	p = strstr(s, "app=");
	if (p)
		e->app_id = strtoull(p + 4, &end, 10);
	p = strstr(s, "name=");
	if (p)
		snprintf(e->name, sizeof(e->name), "%.*s",
			 (int)strcspn(p + 5, " "), p + 5);
	fc_comment_addr(s, "fwd=", &e->fwd);
	fc_comment_addr(s, "home=", &e->home);
	return 0;
}

/* @e's comment as @el's user data; frees @el and returns NULL on failure. */
static struct nftnl_set_elem *fc_elem_comment(struct nftnl_set_elem *el,
					      const struct fc_napt_entry *e)
{
	char comment[FC_NAPT_COMMENT_MAX];
	struct nftnl_udata_buf *ud;

	ud = nftnl_udata_buf_alloc(sizeof(comment) + 8);
	if (!ud || fc_napt_comment_format(e, comment, sizeof(comment)) ||
	    !nftnl_udata_put_strz(ud, FC_NFT_UDATA_ELEM_COMMENT, comment)) {
		if (ud)
			nftnl_udata_buf_free(ud);
		nftnl_set_elem_free(el);
		return NULL;
	}
	nftnl_set_elem_set(el, NFTNL_SET_ELEM_USERDATA,
			   nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
	return el;
}

static struct nftnl_set_elem *fc_elem_new(const struct fc_napt_entry *e,
					  int with_data)
{
	struct nftnl_set_elem *el = nftnl_set_elem_alloc();
	uint16_t port = htons(e->port), aport = htons(e->aport);
	uint32_t slot = e->slot; /* numgen's register: host order */
	uint8_t key[8] = { 0 }, data[8] = { 0 };

	if (!el)
		return NULL;
	memcpy(key, &port, 2);
	memcpy(key + 4, &slot, 4);
	nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, key, e->pool ? 8 : 2);
	if (!with_data)
		return el;
	memcpy(data, &e->addr, 4);
	memcpy(data + 4, &aport, 2);
	nftnl_set_elem_set(el, NFTNL_SET_ELEM_DATA, data, sizeof(data));
	if (!e->domid && !e->app_id && !e->name[0] && !e->fwd)
		return el;
	return fc_elem_comment(el, e);
}

/*
 * One NEWSETELEM (add != 0, with NLM_F_EXCL so that a taken port fails)
 * or DELSETELEM message carrying n elements of one map: e[i].pool says
 * which, and must be the same for all.
 */
static int fc_batch_elems(struct mnl_nlmsg_batch *b, uint32_t *seq, int add,
			  const struct fc_napt_entry *e, int n)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;
	int i, ret = -ENOMEM;

	if (!s)
		goto out;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, FC_NAPT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME,
			  n && e[0].pool ? FC_NAPT_POOL_MAP : FC_NAPT_MAP);
	for (i = 0; i < n; i++) {
		struct nftnl_set_elem *el = fc_elem_new(&e[i], add);

		if (!el)
			goto out;
		nftnl_set_elem_add(s, el);
	}
	if (add)
		nlh = fc_batch_hdr(b, NFT_MSG_NEWSETELEM,
				   NLM_F_CREATE | NLM_F_EXCL, seq);
	else
		nlh = fc_batch_hdr(b, NFT_MSG_DELSETELEM, 0, seq);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	ret = fc_batch_next(b);
out:
	if (s)
		nftnl_set_free(s);
	return ret;
}

/* One batch holding one fc_batch_elems() message. */
int fc_napt_build_elems(void *buf, size_t len, uint32_t seq, int add,
			const struct fc_napt_entry *e, int n, size_t *out_len)
{
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, len / 2);
	int ret = -ENOMEM;

	if (!b)
		goto out;
	fc_batch_open(b, &seq);
	ret = fc_batch_elems(b, &seq, add, e, n);
	if (!ret)
		ret = fc_batch_close(b, &seq, out_len);
out:
	if (b)
		mnl_nlmsg_batch_stop(b);
	return ret;
}

/*
 * Map a port that no pool serves, in one batch: add and delete the
 * port's first pool slot (it fails with EEXIST if the port is pooled; a
 * no-op otherwise), then add the ports element (EEXIST if taken).  Every
 * pool has slot 0, so no pooled port gets a ports element behind it.
 */
int fc_napt_build_add(void *buf, size_t len, uint32_t seq,
		      const struct fc_napt_entry *e, size_t *out_len)
{
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, len / 2);
	struct fc_napt_entry guard = *e, one = *e;
	int ret = -ENOMEM;

	if (!b)
		goto out;
	guard.pool = 1;
	guard.slot = 0;
	one.pool = 0;
	one.slot = 0;
	fc_batch_open(b, &seq);
	ret = fc_batch_elems(b, &seq, 1, &guard, 1);
	if (!ret)
		ret = fc_batch_elems(b, &seq, 0, &guard, 1);
	if (!ret)
		ret = fc_batch_elems(b, &seq, 1, &one, 1);
	if (!ret)
		ret = fc_batch_close(b, &seq, out_len);
out:
	if (b)
		mnl_nlmsg_batch_stop(b);
	return ret;
}

/* Every slot of a pool, dealt round its n members in turn. */
static void fc_pool_deal(uint16_t port, const struct fc_napt_entry *to, int n,
			 struct fc_napt_entry *slots)
{
	for (int i = 0; i < FC_NAPT_POOL_SLOTS; i++) {
		slots[i] = n ? to[i % n] : (struct fc_napt_entry){ 0 };
		slots[i].port = port;
		slots[i].pool = 1;
		slots[i].slot = i;
	}
}

/*
 * One transaction that takes public port @port from what maps it now
 * (@from: FC_NAPT_NONE, _SINGLE or _POOLED) to @n members: none (the
 * port is unmapped), one (an element of ports) or more (every slot of
 * pools).  Either all of it happens or nothing.
 */
int fc_napt_build_port(void *buf, size_t len, uint32_t seq, uint16_t port,
		       int from, const struct fc_napt_entry *to, int n,
		       size_t *out_len)
{
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, len / 2);
	struct fc_napt_entry *slots = NULL, one;
	int ret = -EINVAL;

	if (n < 0 || n > FC_NAPT_POOL_SLOTS || from < FC_NAPT_NONE ||
	    from > FC_NAPT_POOLED)
		goto out;
	ret = -ENOMEM;
	slots = calloc(FC_NAPT_POOL_SLOTS, sizeof(*slots));
	if (!b || !slots)
		goto out;
	fc_batch_open(b, &seq);
	ret = 0;
	if (from == FC_NAPT_POOLED) {
		fc_pool_deal(port, NULL, 0, slots);
		ret = fc_batch_elems(b, &seq, 0, slots, FC_NAPT_POOL_SLOTS);
	} else if (from == FC_NAPT_SINGLE) {
		one = (struct fc_napt_entry){ .port = port };
		ret = fc_batch_elems(b, &seq, 0, &one, 1);
	}
	if (!ret && n == 1) {
		one = to[0];
		one.port = port;
		one.pool = 0;
		one.slot = 0;
		ret = fc_batch_elems(b, &seq, 1, &one, 1);
	} else if (!ret && n > 1) {
		fc_pool_deal(port, to, n, slots);
		ret = fc_batch_elems(b, &seq, 1, slots, FC_NAPT_POOL_SLOTS);
	}
	if (!ret)
		ret = fc_batch_close(b, &seq, out_len);
out:
	free(slots);
	if (b)
		mnl_nlmsg_batch_stop(b);
	return ret;
}

/* An element of relayed: the app VM's address, its owner in the comment. */
static struct nftnl_set_elem *fc_snat_elem_new(const struct fc_napt_entry *e,
					       int with_comment)
{
	struct nftnl_set_elem *el = nftnl_set_elem_alloc();
	struct fc_napt_entry owner = *e;

	if (!el)
		return NULL;
	nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, &e->addr, 4);
	if (!with_comment)
		return el;
	owner.domid = 0;
	owner.app_id = 0;
	return fc_elem_comment(el, &owner);
}

/*
 * Add @el to set @set, or delete it; @el is consumed either way.  The add
 * has no NLM_F_EXCL: an address already in relayed stays, as a forward
 * and a guest need the same masquerade.
 */
static int fc_batch_set_elem(struct mnl_nlmsg_batch *b, uint32_t *seq,
			     const char *set, int add,
			     struct nftnl_set_elem *el)
{
	struct nftnl_set *s = el ? nftnl_set_alloc() : NULL;
	struct nlmsghdr *nlh;
	int ret = -ENOMEM;

	if (!s)
		goto out;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, FC_NAPT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set);
	nftnl_set_elem_add(s, el);
	el = NULL; /* the set's now */
	if (add)
		nlh = fc_batch_hdr(b, NFT_MSG_NEWSETELEM, NLM_F_CREATE, seq);
	else
		nlh = fc_batch_hdr(b, NFT_MSG_DELSETELEM, 0, seq);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	ret = fc_batch_next(b);
out:
	if (el)
		nftnl_set_elem_free(el);
	if (s)
		nftnl_set_free(s);
	return ret;
}

static int fc_batch_snat(struct mnl_nlmsg_batch *b, uint32_t *seq, int add,
			 const struct fc_napt_entry *e)
{
	return fc_batch_set_elem(b, seq, FC_NAPT_SNAT_SET, add,
				 fc_snat_elem_new(e, add));
}

int fc_napt_build_snat(void *buf, size_t len, uint32_t seq, int add,
		       const struct fc_napt_entry *e, size_t *out_len)
{
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, len / 2);
	int ret = -ENOMEM;

	if (!b)
		goto out;
	fc_batch_open(b, &seq);
	ret = fc_batch_snat(b, &seq, add, e);
	if (!ret)
		ret = fc_batch_close(b, &seq, out_len);
out:
	if (b)
		mnl_nlmsg_batch_stop(b);
	return ret;
}

static int fc_batch_held(struct mnl_nlmsg_batch *b, uint32_t *seq, int add,
			 uint32_t addr, uint64_t timeout_ms)
{
	struct nftnl_set_elem *el = nftnl_set_elem_alloc();

	if (el) {
		nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, &addr, 4);
		if (add && timeout_ms)
			nftnl_set_elem_set_u64(el, NFTNL_SET_ELEM_TIMEOUT,
					       timeout_ms);
	}
	return fc_batch_set_elem(b, seq, FC_NAPT_HELD_SET, add, el);
}

/*
 * Hold @addr's new connections for @timeout_ms (0: until released), or
 * release it (FC_HOLD_DEL).  FC_HOLD_RENEW replaces an element already
 * there, in one transaction, as the kernel keeps an existing element's
 * timeout on a plain add.
 */
int fc_napt_build_held(void *buf, size_t len, uint32_t seq, int op,
		       uint32_t addr, uint64_t timeout_ms, size_t *out_len)
{
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, len / 2);
	int ret = -ENOMEM;

	if (!b)
		goto out;
	ret = -EINVAL;
	if (!addr || op < FC_HOLD_ADD || op > FC_HOLD_DEL)
		goto out;
	fc_batch_open(b, &seq);
	ret = op == FC_HOLD_ADD ? 0 : fc_batch_held(b, &seq, 0, addr, 0);
	if (!ret && op != FC_HOLD_DEL)
		ret = fc_batch_held(b, &seq, 1, addr, timeout_ms);
	if (!ret)
		ret = fc_batch_close(b, &seq, out_len);
out:
	if (b)
		mnl_nlmsg_batch_stop(b);
	return ret;
}

/*
 * An app VM has moved to the instance whose Dom0 is @fwd: its @n ports
 * elements (e, all of one address, none pooled) become forwarded ones in
 * one transaction: the same port to the same address and port, owned by
 * no domain here ("dom=0 fwd=PEER name=N"), and the address joins relayed.
 * The key stays mapped throughout: no connection sees the port unmapped.
 */
int fc_napt_build_forward(void *buf, size_t len, uint32_t seq,
			  const struct fc_napt_entry *e, int n, uint32_t fwd,
			  size_t *out_len)
{
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, len / 2);
	struct fc_napt_entry *to = NULL;
	int i, ret = -EINVAL;

	if (n <= 0 || !fwd)
		goto out;
	ret = -ENOMEM;
	to = calloc(n, sizeof(*to));
	if (!b || !to)
		goto out;
	ret = -EINVAL;
	for (i = 0; i < n; i++) {
		if (e[i].pool || e[i].addr != e[0].addr)
			goto out;
		to[i] = e[i];
		to[i].domid = 0;
		to[i].app_id = 0;
		to[i].fwd = fwd;
	}
	fc_batch_open(b, &seq);
	ret = fc_batch_elems(b, &seq, 0, e, n);
	if (!ret)
		ret = fc_batch_elems(b, &seq, 1, to, n);
	if (!ret)
		ret = fc_batch_snat(b, &seq, 1, &to[0]);
	if (!ret)
		ret = fc_batch_close(b, &seq, out_len);
out:
	free(to);
	if (b)
		mnl_nlmsg_batch_stop(b);
	return ret;
}

static int fc_udata_cb(const struct nftnl_udata *attr, void *data)
{
	const char **comment = data;
	const char *v = nftnl_udata_get(attr);
	uint8_t len = nftnl_udata_len(attr);

	if (nftnl_udata_type(attr) == FC_NFT_UDATA_ELEM_COMMENT && len &&
	    v[len - 1] == '\0')
		*comment = v;
	return 0;
}

/* One map element (from a dump) as an entry; -EINVAL if not ours. */
int fc_napt_elem_parse(struct nftnl_set_elem *el, struct fc_napt_entry *e)
{
	const uint8_t *key, *data;
	const char *comment = NULL;
	const void *ud;
	uint32_t klen = 0, dlen = 0, ulen = 0;
	uint16_t v;

	memset(e, 0, sizeof(*e));
	key = nftnl_set_elem_get(el, NFTNL_SET_ELEM_KEY, &klen);
	data = nftnl_set_elem_get(el, NFTNL_SET_ELEM_DATA, &dlen);
	if (!key || (klen != 2 && klen != 8) || !data || dlen != 8)
		return -EINVAL;
	memcpy(&v, key, 2);
	e->port = ntohs(v);
	if (klen == 8) {
		uint32_t slot;

		memcpy(&slot, key + 4, 4);
		if (slot >= FC_NAPT_POOL_SLOTS)
			return -EINVAL;
		e->pool = 1;
		e->slot = slot;
	}
	memcpy(&e->addr, data, 4);
	memcpy(&v, data + 4, 2);
	e->aport = ntohs(v);
	ud = nftnl_set_elem_get(el, NFTNL_SET_ELEM_USERDATA, &ulen);
	if (ud && ulen) {
		nftnl_udata_parse(ud, ulen, fc_udata_cb, &comment);
		if (comment)
			fc_napt_comment_parse(comment, e);
	}
	return 0;
}

/* "198.18.0.10:80" */
int fc_napt_parse_target(const char *s, uint32_t *addr, uint16_t *port)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	unsigned long p;
	struct in_addr a;

	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, colon - s);
	host[colon - s] = '\0';
	if (inet_pton(AF_INET, host, &a) != 1)
		return -EINVAL;
	if (fc_parse_ulong(colon + 1, 1, 65535, &p))
		return -EINVAL;
	*addr = a.s_addr;
	*port = p;
	return 0;
}

static int fc_napt_entry_cmp(const void *a, const void *b)
{
	const struct fc_napt_entry *x = a, *y = b;

	if (x->port != y->port)
		return (int)x->port - (int)y->port;
	if (x->pool != y->pool)
		return (int)x->pool - (int)y->pool;
	if (x->domid != y->domid)
		return x->domid < y->domid ? -1 : 1;
	return (int)x->slot - (int)y->slot;
}

static int fc_napt_same_member(const struct fc_napt_entry *x,
			       const struct fc_napt_entry *y)
{
	return x->pool && y->pool && x->port == y->port &&
	       x->domid == y->domid && x->app_id == y->app_id &&
	       x->addr == y->addr && x->aport == y->aport;
}

/*
 * Sort by port; a pool's slots become one entry per member (its first
 * slot).  Returns the number of entries left.
 */
int fc_napt_sort(struct fc_napt_entry *e, int n)
{
	int i, k = 0;

	qsort(e, n, sizeof(*e), fc_napt_entry_cmp);
	for (i = 0; i < n; i++) {
		if (k && fc_napt_same_member(&e[k - 1], &e[i]))
			continue;
		e[k++] = e[i];
	}
	return k;
}

/*
 * The entries of @port in a sorted list: how they are mapped (returned:
 * FC_NAPT_NONE, _SINGLE or _POOLED), where they start and how many.
 */
int fc_napt_port_members(const struct fc_napt_entry *e, int n, uint16_t port,
			 int *first, int *count)
{
	int i, kind = FC_NAPT_NONE;

	*first = 0;
	*count = 0;
	for (i = 0; i < n; i++) {
		if (e[i].port != port)
			continue;
		if (!*count)
			*first = i;
		(*count)++;
		kind = e[i].pool ? FC_NAPT_POOLED : FC_NAPT_SINGLE;
	}
	return kind;
}

void fc_napt_print(FILE *f, const struct fc_napt_entry *e, int n,
		   uint32_t public_addr)
{
	char pub[INET_ADDRSTRLEN] = "*", addr[INET_ADDRSTRLEN], to[40];
	char dom[16];
	int i;

	if (public_addr)
		inet_ntop(AF_INET, &public_addr, pub, sizeof(pub));
	fprintf(f, "%-5s %-21s %-21s %5s %s\n", "PROTO", "PUBLIC", "APP VM",
		"ID", "NAME");
	for (i = 0; i < n; i++) {
		char p[40];

		inet_ntop(AF_INET, &e[i].addr, addr, sizeof(addr));
		snprintf(p, sizeof(p), "%s:%u", pub, e[i].port);
		snprintf(to, sizeof(to), "%s:%u", addr, e[i].aport);
		if (e[i].domid)
			snprintf(dom, sizeof(dom), "%u", e[i].domid);
		else
			snprintf(dom, sizeof(dom), e[i].fwd ? "fwd" : "-");
		fprintf(f, "%-5s %-21s %-21s %5s %s", "tcp", p, to, dom,
			e[i].name[0] ? e[i].name : "-");
		if (e[i].fwd) {
			inet_ntop(AF_INET, &e[i].fwd, addr, sizeof(addr));
			fprintf(f, " -> %s", addr);
		}
		fprintf(f, "\n");
	}
}

void fc_napt_print_json(FILE *f, const struct fc_napt_entry *e, int n,
			uint32_t public_addr)
{
	char pub[INET_ADDRSTRLEN] = "", addr[INET_ADDRSTRLEN];
	int i;

	if (public_addr)
		inet_ntop(AF_INET, &public_addr, pub, sizeof(pub));
	fprintf(f, "[");
	for (i = 0; i < n; i++) {
		inet_ntop(AF_INET, &e[i].addr, addr, sizeof(addr));
		fprintf(f,
			"%s\n  {\"proto\": \"tcp\", \"public_addr\": \"%s\", "
			"\"public_port\": %u, \"addr\": \"%s\", \"port\": %u, "
			"\"pool\": %s, \"id\": %u, \"app_id\": %" PRIu64
			", \"name\": ",
			i ? "," : "", pub, e[i].port, addr, e[i].aport,
			e[i].pool ? "true" : "false", e[i].domid, e[i].app_id);
		if (e[i].name[0])
			fc_json_string(f, e[i].name);
		else
			fprintf(f, "null");
		if (e[i].fwd) {
			inet_ntop(AF_INET, &e[i].fwd, addr, sizeof(addr));
			fprintf(f, ", \"forwarded_to\": \"%s\"", addr);
		} else {
			fprintf(f, ", \"forwarded_to\": null");
		}
		fprintf(f, "}");
	}
	fprintf(f, "%s]\n", n ? "\n" : "");
}

/* ---- the kernel side ---- */

static uint32_t fc_nl_seq(void)
{
	return (uint32_t)time(NULL) << 8;
}

static struct mnl_socket *fc_nl_open(void)
{
	struct timeval tv = { .tv_sec = 10 };
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);

	if (!nl)
		return NULL;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(nl);
		return NULL;
	}
	/* never hang on a lost answer */
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	return nl;
}

/*
 * One netlink socket per thread, kept between batches: closing a
 * nfnetlink socket that has committed waits for nf_tables to finish with
 * it (milliseconds; every UNLISTEN paid it).  A socket that saw an error
 * or a timeout may hold a late answer, so it is closed, never reused.
 */
static __thread struct mnl_socket *fc_nl_cached;
static pthread_once_t fc_nl_once = PTHREAD_ONCE_INIT;

/* A forked child (fc_reap_many) must not share its parent's socket:
 * their answers would mix.  It leaves it alone and opens its own. */
static void fc_nl_forked(void)
{
	fc_nl_cached = NULL;
}

static void fc_nl_atfork(void)
{
	pthread_atfork(NULL, NULL, fc_nl_forked);
}

static struct mnl_socket *fc_nl_get(void)
{
	struct mnl_socket *nl = fc_nl_cached;

	pthread_once(&fc_nl_once, fc_nl_atfork);
	fc_nl_cached = NULL;
	return nl ? nl : fc_nl_open();
}

static void fc_nl_put(struct mnl_socket *nl, int clean)
{
	if (clean && !fc_nl_cached)
		fc_nl_cached = nl;
	else
		mnl_socket_close(nl);
}

/*
 * The sequence number of the batch's last message that asks for an ack
 * (fc_batch_one_ack: the only one); its answer comes last.  -1: none.
 */
static int64_t fc_nl_last_ack(const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int64_t seq = -1;
	int left = len;

	while (mnl_nlmsg_ok(nlh, left)) {
		if (nlh->nlmsg_flags & NLM_F_ACK)
			seq = nlh->nlmsg_seq;
		nlh = mnl_nlmsg_next(nlh, &left);
	}
	return seq;
}

/*
 * Send a batch and read the answers up to the last message's; the kernel
 * processes the whole batch and reports each error, so the first error
 * is returned.
 */
int fc_napt_nl_send(const void *buf, size_t len)
{
	char rbuf[FC_NL_BUF];
	struct mnl_socket *nl = fc_nl_get();
	int64_t want = fc_nl_last_ack(buf, len);
	int ret = 0, done = want < 0, clean = 0;

	if (!nl)
		return -errno;
	if (mnl_socket_sendto(nl, buf, len) < 0) {
		ret = -errno;
		goto out;
	}
	while (!done) {
		int n = mnl_socket_recvfrom(nl, rbuf, sizeof(rbuf));
		const struct nlmsghdr *nlh = (const void *)rbuf;

		if (n < 0) {
			if (!ret)
				ret = errno == EAGAIN ? -ETIMEDOUT : -errno;
			goto out;
		}
		while (mnl_nlmsg_ok(nlh, n)) {
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err =
					mnl_nlmsg_get_payload(nlh);

				if (nlh->nlmsg_seq == (uint32_t)want)
					done = 1;
				if (err->error && !ret)
					ret = err->error;
			}
			nlh = mnl_nlmsg_next(nlh, &n);
		}
	}
	clean = 1; /* every answer read: nothing left on the socket */
out:
	fc_nl_put(nl, clean);
	return ret;
}

/* The kernel's answer ends in an error: nothing more will come. */
static int fc_nl_ends_in_error(const void *buf, int len)
{
	const struct nlmsghdr *nlh = buf, *last = NULL;

	while (mnl_nlmsg_ok(nlh, len)) {
		last = nlh;
		nlh = mnl_nlmsg_next(nlh, &len);
	}
	return last && last->nlmsg_type == NLMSG_ERROR &&
	       ((const struct nlmsgerr *)mnl_nlmsg_get_payload(last))->error;
}

/* A dump (or get) request; cb is called for every answer message. */
static int fc_nl_dump(struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	char rbuf[FC_NL_BUF];
	struct mnl_socket *nl = fc_nl_get();
	uint32_t portid;
	int n, ret = 0, clean = 0;

	if (!nl)
		return -errno;
	portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		n = mnl_socket_recvfrom(nl, rbuf, sizeof(rbuf));
		if (n < 0) {
			ret = errno == EAGAIN ? -ETIMEDOUT : -errno;
			goto out;
		}
		ret = mnl_cb_run(rbuf, n, req->nlmsg_seq, portid, cb, data);
		if (ret < 0) {
			ret = -errno;
			/* a refusal (no such element) leaves the socket clean */
			clean = fc_nl_ends_in_error(rbuf, n);
			goto out;
		}
		n = ret;
		ret = 0;
		if (n == MNL_CB_STOP)
			break;
	}
	clean = 1; /* read to NLMSG_DONE */
out:
	fc_nl_put(nl, clean);
	return ret;
}

struct fc_rule_count {
	int pre, out, post;
};

static int fc_rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct fc_rule_count *cnt = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	const char *chain;

	if (!r)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, r) == 0) {
		chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
		if (chain && !strcmp(chain, FC_NAPT_CHAIN_PRE))
			cnt->pre++;
		else if (chain && !strcmp(chain, FC_NAPT_CHAIN_OUT))
			cnt->out++;
		else if (chain && !strcmp(chain, FC_NAPT_CHAIN_POST))
			cnt->post++;
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

/* Rules of our table per chain (-ENOENT: no table). */
int fc_napt_rule_count(int *pre, int *out, int *post)
{
	char buf[FC_NL_BUF];
	struct fc_rule_count cnt = { 0 };
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;
	int ret = -ENOMEM;

	if (!r)
		goto out;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_IPV4,
				    NLM_F_DUMP | NLM_F_ACK, fc_nl_seq());
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, FC_NAPT_TABLE);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	ret = fc_nl_dump(nlh, fc_rule_cb, &cnt);
	*pre = cnt.pre;
	*out = cnt.out;
	*post = cnt.post;
out:
	if (r)
		nftnl_rule_free(r);
	return ret;
}

int fc_napt_init_conf(const struct fc_napt_conf *conf, int force)
{
	const size_t size = 2 * FC_NL_BUF;
	int pre, out, post, ret;
	char *buf = NULL;
	size_t len;

	/* once: a complete table (and its map) is left as it is */
	if (!force && !fc_napt_rule_count(&pre, &out, &post) && pre == 2 &&
	    out == 2 && post == 2)
		return 0;
	ret = -ENOMEM;
	buf = malloc(size); /* per call: the OS server has two threads */
	if (!buf)
		goto out;
	ret = fc_napt_build_init(buf, size, fc_nl_seq(), conf, &len);
	if (ret)
		goto out;
	ret = fc_napt_nl_send(buf, len);
out:
	free(buf);
	return ret;
}

int fc_napt_init(void)
{
	struct fc_napt_conf conf;

	fc_net_conf(&conf);
	return fc_napt_init_conf(&conf, 0);
}

/*
 * Our table gone, with its chains, maps (every mapping) and the relayed
 * set, in one transaction.  -ENOENT: there was none.
 */
int fc_napt_fini(void)
{
	char buf[2 * MNL_SOCKET_BUFFER_SIZE]; /* libmnl: twice the limit */
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, sizeof(buf) / 2);
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	uint32_t seq = fc_nl_seq();
	size_t len;
	int ret = -ENOMEM;

	if (!b || !t)
		goto out;
	fc_batch_open(b, &seq);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, FC_NAPT_TABLE);
	nlh = fc_batch_hdr(b, NFT_MSG_DELTABLE, 0, &seq);
	nftnl_table_nlmsg_build_payload(nlh, t);
	ret = fc_batch_next(b) ?: fc_batch_close(b, &seq, &len);
	if (!ret)
		ret = fc_napt_nl_send(buf, len);
out:
	if (t)
		nftnl_table_free(t);
	if (b)
		mnl_nlmsg_batch_stop(b);
	return ret;
}

/* An address's element of relayed, from a dump. */
int fc_napt_snat_elem_parse(struct nftnl_set_elem *el, struct fc_napt_entry *e)
{
	const char *comment = NULL;
	const void *key, *ud;
	uint32_t klen = 0, ulen = 0;

	memset(e, 0, sizeof(*e));
	key = nftnl_set_elem_get(el, NFTNL_SET_ELEM_KEY, &klen);
	if (!key || klen != 4)
		return -EINVAL;
	memcpy(&e->addr, key, 4);
	ud = nftnl_set_elem_get(el, NFTNL_SET_ELEM_USERDATA, &ulen);
	if (ud && ulen) {
		nftnl_udata_parse(ud, ulen, fc_udata_cb, &comment);
		if (comment)
			fc_napt_comment_parse(comment, e);
	}
	return 0;
}

int fc_napt_add_entry(const struct fc_napt_entry *e)
{
	char buf[2 * FC_NL_BUF];
	size_t len;
	int ret;

	if (!e->port || !e->aport || !e->addr)
		return -EINVAL;
	ret = fc_napt_build_add(buf, sizeof(buf), fc_nl_seq(), e, &len);
	if (ret)
		goto out;
	ret = fc_napt_nl_send(buf, len);
	if (ret == -EEXIST)
		ret = -EADDRINUSE; /* mapped already, to one or to a pool */
out:
	return ret;
}

int fc_napt_add(uint16_t port, uint32_t addr, uint16_t aport)
{
	struct fc_napt_entry e = { .port = port, .addr = addr, .aport = aport };

	return fc_napt_add_entry(&e);
}

/* All of them in one batch: if one is missing, none is deleted. */
int fc_napt_del_entries(const struct fc_napt_entry *e, int n)
{
	const size_t size = 2 * FC_NL_BIG_BUF;
	char *buf = NULL;
	size_t len;
	int ret = 0;

	if (n <= 0)
		goto out;
	ret = -ENOMEM;
	buf = malloc(size); /* per call: the OS server has two threads */
	if (!buf)
		goto out;
	/* the kernel's batch limit is far above 1024 two-byte keys */
	ret = fc_napt_build_elems(buf, size, fc_nl_seq(), 0, e, n, &len);
	if (ret)
		goto out;
	ret = fc_napt_nl_send(buf, len);
out:
	free(buf);
	return ret;
}

/*
 * Delete those of e that are still there; returns how many were.  A batch
 * is all or nothing, and another thread or process may have deleted one
 * of them since they were listed: then one at a time (Dom0's kernel 6.1
 * has no DESTROYSETELEM, which would ignore missing elements).
 */
int fc_napt_del_present(const struct fc_napt_entry *e, int n)
{
	int i, ret, gone = 0;

	ret = fc_napt_del_entries(e, n);
	if (!ret)
		return n;
	if (ret != -ENOENT)
		return ret;
	if (n == 1)
		return 0; /* that one is gone already */
	for (i = 0; i < n; i++) {
		ret = fc_napt_del_entries(&e[i], 1);
		if (!ret)
			gone++;
		else if (ret != -ENOENT)
			return ret;
	}
	return gone;
}

/*
 * Unmap a public port, whether one app VM or a pool serves it: a single
 * element costs one batch, as it is the common case; pools are looked
 * for only when there is none.
 */
int fc_napt_del(uint16_t port)
{
	struct fc_napt_entry *e = NULL, one = { .port = port };
	int first, cnt, kind, n = 0, ret;

	ret = fc_napt_del_entries(&one, 1);
	if (ret != -ENOENT)
		return ret;
	ret = fc_napt_list(&e, &n);
	if (ret)
		goto out;
	kind = fc_napt_port_members(e, n, port, &first, &cnt);
	ret = kind == FC_NAPT_NONE ? -ENOENT
				   : fc_napt_set_port(port, kind, NULL, 0);
out:
	free(e);
	return ret;
}

struct fc_elem_list {
	struct fc_napt_entry *e;
	int n, cap;
	int err;
	int snat; /* elements of snat (no data) */
};

static int fc_elem_add_cb(struct nftnl_set_elem *el, void *data)
{
	struct fc_elem_list *l = data;
	struct fc_napt_entry *ne;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		ne = realloc(l->e, l->cap * sizeof(*ne));
		if (!ne) {
			l->err = -ENOMEM;
			return -1;
		}
		l->e = ne;
	}
	if (!(l->snat ? fc_napt_snat_elem_parse(el, &l->e[l->n])
		      : fc_napt_elem_parse(el, &l->e[l->n])))
		l->n++;
	return 0;
}

static int fc_elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct fc_elem_list *l = data;
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return MNL_CB_ERROR;
	if (nftnl_set_elems_nlmsg_parse(nlh, s) == 0)
		nftnl_set_elem_foreach(s, fc_elem_add_cb, l);
	nftnl_set_free(s);
	return l->err ? MNL_CB_ERROR : MNL_CB_OK;
}

static int fc_napt_dump_map(const char *map, struct fc_elem_list *l)
{
	char buf[FC_NL_BUF];
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;
	int ret;

	if (!s)
		return -ENOMEM;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, FC_NAPT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, map);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_IPV4,
				    NLM_F_DUMP | NLM_F_ACK, fc_nl_seq());
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	ret = fc_nl_dump(nlh, fc_elem_cb, l);
	nftnl_set_free(s);
	return ret;
}

/*
 * Both maps' elements, read back from the kernel, sorted by port, one
 * entry per pool member.  A table made before pools existed has no pools
 * map: that is no pool.
 */
int fc_napt_list(struct fc_napt_entry **out, int *n)
{
	struct fc_elem_list l = { 0 };
	int ret;

	ret = fc_napt_dump_map(FC_NAPT_MAP, &l);
	if (!ret) {
		ret = fc_napt_dump_map(FC_NAPT_POOL_MAP, &l);
		if (ret == -ENOENT)
			ret = 0;
	}
	if (ret) {
		free(l.e);
		return ret;
	}
	*n = fc_napt_sort(l.e, l.n);
	*out = l.e;
	return 0;
}

/*
 * The element of @port in ports, read from the kernel by its key (one
 * round trip, whatever the map's size): 0, -ENOENT (none, or the port is
 * a pool's) or another negative errno.
 */
int fc_napt_get_single(uint16_t port, struct fc_napt_entry *out)
{
	struct fc_napt_entry key = { .port = port };
	struct fc_elem_list l = { 0 };
	struct nftnl_set_elem *el;
	char buf[FC_NL_BUF];
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;
	int ret = -ENOMEM;

	if (!s)
		goto out;
	el = fc_elem_new(&key, 0);
	if (!el)
		goto out;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, FC_NAPT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, FC_NAPT_MAP);
	nftnl_set_elem_add(s, el);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_IPV4,
				    NLM_F_ACK, fc_nl_seq());
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	ret = fc_nl_dump(nlh, fc_elem_cb, &l);
	if (!ret && l.n != 1)
		ret = -ENOENT;
	if (!ret)
		*out = l.e[0];
out:
	free(l.e);
	if (s)
		nftnl_set_free(s);
	return ret;
}

int fc_napt_set_port(uint16_t port, int from, const struct fc_napt_entry *to,
		     int n)
{
	const size_t size = 2 * FC_NL_BIG_BUF;
	char *buf = malloc(size); /* per call: the OS server has two threads */
	size_t len;
	int ret = -ENOMEM;

	if (!buf)
		goto out;
	ret = fc_napt_build_port(buf, size, fc_nl_seq(), port, from, to, n,
				 &len);
	if (ret)
		goto out;
	ret = fc_napt_nl_send(buf, len);
	if (ret == -EEXIST)
		ret = -EADDRINUSE;
out:
	free(buf);
	return ret;
}

static int fc_napt_is_gone(const struct fc_napt_entry *x,
			   const struct fc_napt_entry *gone, int n)
{
	for (int i = 0; i < n; i++)
		if (gone[i].port == x->port && gone[i].domid == x->domid &&
		    gone[i].app_id == x->app_id && gone[i].addr == x->addr)
			return 1;
	return 0;
}

/*
 * Take the entries of @gone out of the maps; returns how many were there.
 * Single ports go in one batch (fc_napt_del_present); a pool that loses
 * members is dealt again among the rest, falling back to a single element
 * when one is left, in one transaction per port.
 */
int fc_napt_remove(const struct fc_napt_entry *gone, int n)
{
	struct fc_napt_entry *e = NULL;
	int k, ret;

	if (n <= 0)
		return 0;
	ret = fc_napt_list(&e, &k);
	if (!ret)
		ret = fc_napt_remove_listed(e, k, gone, n);
	free(e);
	return ret;
}

/* The same with the maps as @e (fc_napt_list()) says they are. */
int fc_napt_remove_listed(const struct fc_napt_entry *e, int k,
			  const struct fc_napt_entry *gone, int n)
{
	struct fc_napt_entry *keep = NULL;
	int i, j, first, cnt, single = 0, removed, ret;

	if (n <= 0)
		return 0;
	ret = -ENOMEM;
	keep = calloc(k ? k : 1, sizeof(*keep));
	if (!keep)
		goto out;
	/* the single ones in one batch; deleting them leaves pools alone */
	for (i = 0; i < k; i++)
		if (!e[i].pool && fc_napt_is_gone(&e[i], gone, n))
			keep[single++] = e[i];
	ret = fc_napt_del_present(keep, single);
	if (ret < 0)
		goto out;
	removed = ret;
	for (i = 0; i < k; i += cnt) {
		int left = 0, kind;

		kind = fc_napt_port_members(e, k, e[i].port, &first, &cnt);
		if (kind != FC_NAPT_POOLED)
			continue;
		for (j = first; j < first + cnt; j++)
			if (!fc_napt_is_gone(&e[j], gone, n))
				keep[left++] = e[j];
		if (left == cnt)
			continue;
		ret = fc_napt_set_port(e[i].port, kind, keep, left);
		if (ret < 0)
			goto out;
		removed += cnt - left;
	}
	ret = removed;
out:
	free(keep);
	return ret;
}

/* Every mapping of one app VM (it exited or went away). */
int fc_napt_del_app(uint32_t domid, uint64_t app_id)
{
	struct fc_napt_entry *e = NULL, *gone = NULL;
	int i, k = 0, n = 0, ret;

	ret = fc_napt_list(&e, &n);
	if (ret)
		goto out;
	ret = -ENOMEM;
	gone = calloc(n ? n : 1, sizeof(*gone));
	if (!gone)
		goto out;
	for (i = 0; i < n; i++)
		if (e[i].domid == domid && (!app_id || e[i].app_id == app_id))
			gone[k++] = e[i];
	ret = fc_napt_remove_listed(e, n, gone, k);
out:
	free(gone);
	free(e);
	return ret;
}

/* The elements of relayed: the addresses and who they are for. */
int fc_napt_snat_list(struct fc_napt_entry **out, int *n)
{
	struct fc_elem_list l = { .snat = 1 };
	int ret;

	ret = fc_napt_dump_map(FC_NAPT_SNAT_SET, &l);
	if (ret) {
		free(l.e);
		return ret;
	}
	*n = l.n;
	*out = l.e;
	return 0;
}

static int fc_napt_snat_send(int add, const struct fc_napt_entry *e)
{
	char buf[2 * FC_NL_BUF];
	size_t len;
	int ret;

	ret = fc_napt_build_snat(buf, sizeof(buf), fc_nl_seq(), add, e, &len);
	if (!ret)
		ret = fc_napt_nl_send(buf, len);
	return ret;
}

int fc_napt_snat_add(const struct fc_napt_entry *e)
{
	return fc_napt_snat_send(1, e);
}

/* Idempotent: an address that is not there is no error. */
int fc_napt_snat_del(uint32_t addr)
{
	struct fc_napt_entry e = { .addr = addr };
	int ret = fc_napt_snat_send(0, &e);

	return ret == -ENOENT ? 0 : ret;
}

/*
 * After migrating @domid out to Dom0 @fwd: its single ports elements
 * become forwarded ones (fc_napt_build_forward).  Returns how many; a
 * pool member's slots are not forwarded and go with the domain.
 */
int fc_napt_forward_app(uint32_t domid, uint32_t fwd)
{
	struct fc_napt_entry *e = NULL;
	char buf[2 * FC_NL_BIG_BUF];
	int i, k = 0, n = 0, ret;
	size_t len;

	ret = fc_napt_list(&e, &n);
	if (ret)
		goto out;
	for (i = 0; i < n; i++)
		if (e[i].domid == domid && !e[i].pool &&
		    (!k || e[i].addr == e[0].addr))
			e[k++] = e[i];
	ret = 0;
	if (!k)
		goto out;
	ret = fc_napt_build_forward(buf, sizeof(buf), fc_nl_seq(), e, k, fwd,
				    &len);
	if (!ret)
		ret = fc_napt_nl_send(buf, len);
	if (!ret)
		ret = k;
out:
	free(e);
	return ret;
}

/*
 * The app VM at @addr is no longer away (it came back, or ended where it
 * ran): its forwarded elements (to Dom0 @fwd, or to any if 0) and its
 * relayed element go.  Returns how many forwarded elements there were.
 */
int fc_napt_unforward(uint32_t addr, uint32_t fwd)
{
	struct fc_napt_entry *e = NULL;
	int i, k = 0, n = 0, ret;

	ret = fc_napt_list(&e, &n);
	if (ret)
		goto out;
	for (i = 0; i < n; i++)
		if (e[i].fwd && e[i].addr == addr && (!fwd || e[i].fwd == fwd))
			e[k++] = e[i];
	ret = fwd && !k ? 0 : fc_napt_del_present(e, k);
	if (ret >= 0 && (k || !fwd)) {
		int r = fc_napt_snat_del(addr);

		if (r)
			ret = r;
	}
out:
	free(e);
	return ret;
}

static int fc_napt_held_send(int op, uint32_t addr, uint64_t timeout_ms)
{
	char buf[2 * FC_NL_BUF];
	size_t len;
	int ret;

	ret = fc_napt_build_held(buf, sizeof(buf), fc_nl_seq(), op, addr,
				 timeout_ms, &len);
	if (!ret)
		ret = fc_napt_nl_send(buf, len);
	return ret;
}

/* Hold @addr's new connections for @timeout_ms from now, held or not. */
int fc_napt_hold(uint32_t addr, uint64_t timeout_ms)
{
	int ret = fc_napt_held_send(FC_HOLD_RENEW, addr, timeout_ms);

	return ret == -ENOENT ? fc_napt_held_send(FC_HOLD_ADD, addr, timeout_ms)
			      : ret;
}

/* Idempotent: an address not held is no error. */
int fc_napt_unhold(uint32_t addr)
{
	int ret = fc_napt_held_send(FC_HOLD_DEL, addr, 0);

	return ret == -ENOENT ? 0 : ret;
}
