// SPDX-License-Identifier: GPL-2.0
// unit-sources: build/usr/libfc.a
// unit-cflags: -Iusr -Wno-unused-parameter
/*
 * NAPT's pure part: the batches built for the kernel (read back with
 * libmnl and libnftnl's parsers), the element comment, ADDR:PORT parsing
 * and the list's text and JSON forms.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "unit.h"
#include "fc.h"

#define NFT(t) ((NFNL_SUBSYS_NFTABLES << 8) | (t))

static char buf[65536];

/* The messages of a batch: types and flags, up to max. */
static int split(const void *b, size_t len, const struct nlmsghdr **msgs,
		 int max)
{
	const struct nlmsghdr *nlh = b;
	int left = len, n = 0;

	while (mnl_nlmsg_ok(nlh, left) && n < max) {
		msgs[n++] = nlh;
		nlh = mnl_nlmsg_next(nlh, &left);
	}
	return left == 0 ? n : -1;
}

static int elem_cb(struct nftnl_set_elem *el, void *data)
{
	struct fc_napt_entry *out = data;
	int i = 0;

	while (out[i].port)
		i++;
	fc_napt_elem_parse(el, &out[i]);
	if (!out[i].port)
		out[i].port = 0xffff; /* key-only element (delete) */
	return 0;
}

static void test_add(void)
{
	struct fc_napt_entry e = { .port = 8080,
				   .aport = 80,
				   .domid = 5,
				   .app_id = 12,
				   .name = "web" };
	struct fc_napt_entry got[4];
	const struct nlmsghdr *m[8];
	struct nftnl_set *s = nftnl_set_alloc();
	size_t len = 0;
	int n;

	inet_pton(AF_INET, "198.18.0.10", &e.addr);
	CHECK_EQ_INT(fc_napt_build_elems(buf, sizeof(buf), 100, 1, &e, 1, &len),
		     0);
	n = split(buf, len, m, 8);
	CHECK_EQ_INT(n, 3);
	if (n != 3)
		return;
	CHECK_EQ_INT(m[0]->nlmsg_type, NFNL_MSG_BATCH_BEGIN);
	CHECK_EQ_INT(m[1]->nlmsg_type, NFT(NFT_MSG_NEWSETELEM));
	CHECK_EQ_INT(m[2]->nlmsg_type, NFNL_MSG_BATCH_END);
	/* a taken port must fail, not be replaced */
	CHECK(m[1]->nlmsg_flags & NLM_F_EXCL);
	CHECK(m[1]->nlmsg_flags & NLM_F_ACK);
	CHECK(!(m[0]->nlmsg_flags & NLM_F_ACK));
	CHECK_EQ_INT(m[0]->nlmsg_seq, 100);
	CHECK_EQ_INT(m[1]->nlmsg_seq, 101);

	memset(got, 0, sizeof(got));
	CHECK_EQ_INT(nftnl_set_elems_nlmsg_parse(m[1], s), 0);
	CHECK_EQ_STR(nftnl_set_get_str(s, NFTNL_SET_TABLE), "fcapsule");
	CHECK_EQ_STR(nftnl_set_get_str(s, NFTNL_SET_NAME), "ports");
	nftnl_set_elem_foreach(s, elem_cb, got);
	CHECK_EQ_INT(got[0].port, 8080);
	CHECK_EQ_INT(got[0].aport, 80);
	CHECK_EQ_INT(got[0].addr, e.addr);
	CHECK_EQ_INT(got[0].domid, 5);
	CHECK_EQ_INT(got[0].app_id, 12);
	CHECK_EQ_STR(got[0].name, "web");
	CHECK_EQ_INT(got[1].port, 0);
	nftnl_set_free(s);
}

static void test_del(void)
{
	struct fc_napt_entry e[3] = { { .port = 1 },
				      { .port = 2 },
				      { .port = 65535 } };
	const struct nlmsghdr *m[8];
	const struct nlattr *a, *el;
	int keys[4], nkeys = 0, ndata = 0;
	size_t len = 0;
	int n;

	CHECK_EQ_INT(fc_napt_build_elems(buf, sizeof(buf), 1, 0, e, 3, &len),
		     0);
	n = split(buf, len, m, 8);
	CHECK_EQ_INT(n, 3); /* one message for all the elements */
	if (n != 3)
		return;
	CHECK_EQ_INT(m[1]->nlmsg_type, NFT(NFT_MSG_DELSETELEM));
	/*
	 * libnftnl numbers the nested elements 1, 2, 3 (the kernel ignores
	 * the type) and its own parser then refuses them: walk with libmnl.
	 */
	mnl_attr_for_each(a, m[1], sizeof(struct nfgenmsg))
	{
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(el, a)
		{
			const struct nlattr *k, *kd;
			uint16_t key = 0;

			mnl_attr_for_each_nested(k, el)
			{
				if (mnl_attr_get_type(k) == NFTA_SET_ELEM_DATA)
					ndata++;
				if (mnl_attr_get_type(k) != NFTA_SET_ELEM_KEY)
					continue;
				kd = mnl_attr_get_payload(k);
				if (mnl_attr_get_payload_len(kd) == 2)
					memcpy(&key, mnl_attr_get_payload(kd),
					       2);
			}
			if (nkeys < 4)
				keys[nkeys++] = ntohs(key);
		}
	}
	CHECK_EQ_INT(nkeys, 3);
	CHECK_EQ_INT(keys[0], 1);
	CHECK_EQ_INT(keys[1], 2);
	CHECK_EQ_INT(keys[2], 65535);
	CHECK_EQ_INT(ndata, 0); /* a delete names keys only */

	/* too small a buffer is an error, never a truncated batch */
	CHECK_EQ_INT(fc_napt_build_elems(buf, 64, 1, 1, e, 1, &len), -ENOSPC);
}

static const char *const pre_exprs[] = { "fib",	    "cmp",    "meta", "cmp",
					 "payload", "lookup", "nat" };
static const char *const pool_exprs[] = {
	"fib", "cmp", "meta", "cmp", "payload", "numgen", "lookup", "nat"
};

struct expr_walk {
	int n, ok;
	int pool;
};

static int expr_cb(struct nftnl_expr *e, void *data)
{
	struct expr_walk *w = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	const char *const *want = w->pool ? pool_exprs : pre_exprs;

	if (w->n < 7 + w->pool && strcmp(name, want[w->n]))
		w->ok = 0;
	if (!strcmp(name, "lookup") &&
	    strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET),
		   w->pool ? "pools" : "ports"))
		w->ok = 0;
	/* the slot goes beside the port, as the pools key has it */
	if (!strcmp(name, "numgen") &&
	    (nftnl_expr_get_u32(e, NFTNL_EXPR_NG_DREG) != NFT_REG32_01 ||
	     nftnl_expr_get_u32(e, NFTNL_EXPR_NG_MODULUS) !=
		     FC_NAPT_POOL_SLOTS ||
	     nftnl_expr_get_u32(e, NFTNL_EXPR_NG_TYPE) != NFT_NG_INCREMENTAL))
		w->ok = 0;
	if (!strcmp(name, "nat") &&
	    (nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_TYPE) != NFT_NAT_DNAT ||
	     nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN) != NFT_REG_1 ||
	     nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN) !=
		     NFT_REG32_01))
		w->ok = 0;
	if (!strcmp(name, "payload") &&
	    (nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET) != 2 ||
	     nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN) != 2))
		w->ok = 0;
	w->n++;
	return 0;
}

static const char *const snat_exprs[] = { "meta",   "cmp", "payload",
					  "lookup", "ct",  "bitwise",
					  "cmp",    "masq" };

struct snat_walk {
	int n, ok;
};

/* oifname fcbr0 ip daddr @relayed ct status dnat masquerade */
static int snat_expr_cb(struct nftnl_expr *e, void *data)
{
	struct snat_walk *w = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	uint32_t len = 0;
	const uint32_t *mask;

	if (w->n >= 8 || strcmp(name, snat_exprs[w->n]))
		w->ok = 0;
	if (!strcmp(name, "payload") &&
	    (nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE) !=
		     NFT_PAYLOAD_NETWORK_HEADER ||
	     nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET) != 16 ||
	     nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN) != 4))
		w->ok = 0;
	if (!strcmp(name, "lookup") &&
	    (strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET), "relayed") ||
	     nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG)))
		w->ok = 0;
	if (!strcmp(name, "ct") &&
	    nftnl_expr_get_u32(e, NFTNL_EXPR_CT_KEY) != NFT_CT_STATUS)
		w->ok = 0;
	if (!strcmp(name, "bitwise")) {
		mask = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_MASK, &len);
		if (len != 4 || !mask || *mask != 0x20) /* IPS_DST_NAT */
			w->ok = 0;
	}
	if (!strcmp(name, "cmp") && w->n == 1 &&
	    strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_CMP_DATA), "fcbr0"))
		w->ok = 0;
	if (!strcmp(name, "cmp") && w->n == 6 &&
	    nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP) != NFT_CMP_NEQ)
		w->ok = 0;
	w->n++;
	return 0;
}

static void test_init(void)
{
	static const int types[] = {
		NFNL_MSG_BATCH_BEGIN,  NFT(NFT_MSG_NEWTABLE),
		NFT(NFT_MSG_NEWSET),   NFT(NFT_MSG_NEWSET),
		NFT(NFT_MSG_NEWSET),   NFT(NFT_MSG_NEWSET),
		NFT(NFT_MSG_NEWCHAIN), NFT(NFT_MSG_DELRULE),
		NFT(NFT_MSG_NEWCHAIN), NFT(NFT_MSG_DELRULE),
		NFT(NFT_MSG_NEWCHAIN), NFT(NFT_MSG_DELRULE),
		NFT(NFT_MSG_NEWCHAIN), NFT(NFT_MSG_DELRULE),
		NFT(NFT_MSG_NEWCHAIN), NFT(NFT_MSG_DELRULE),
		NFT(NFT_MSG_NEWRULE),  NFT(NFT_MSG_NEWRULE),
		NFT(NFT_MSG_NEWRULE),  NFT(NFT_MSG_NEWRULE),
		NFT(NFT_MSG_NEWRULE),  NFT(NFT_MSG_NEWRULE),
		NFT(NFT_MSG_NEWRULE),  NFT(NFT_MSG_NEWRULE),
		NFNL_MSG_BATCH_END,
	};
	struct fc_napt_conf conf;
	const struct nlmsghdr *m[32];
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct expr_walk w = { 0, 1, 0 }, wp = { 0, 1, 1 };
	size_t len = 0;
	int i, n;

	fc_napt_conf_default(&conf);
	CHECK_EQ_STR(conf.bridge, "fcbr0");
	CHECK_EQ_INT(conf.prefix, 24);
	CHECK_EQ_INT(ntohl(conf.net), 0xc6120000);
	CHECK_EQ_INT(fc_napt_build_init(buf, sizeof(buf), 7, &conf, &len), 0);
	n = split(buf, len, m, 32);
	CHECK_EQ_INT(n, 25);
	if (n != 25)
		return;
	for (i = 0; i < n; i++)
		CHECK_EQ_INT(m[i]->nlmsg_type, types[i]);
	/* the table, maps and chains exist or are created: never EXCL */
	for (i = 1; i < 16; i++)
		CHECK(!(m[i]->nlmsg_flags & NLM_F_EXCL));

	CHECK_EQ_INT(nftnl_set_nlmsg_parse(m[2], s), 0);
	CHECK_EQ_STR(nftnl_set_get_str(s, NFTNL_SET_NAME), "ports");
	CHECK_EQ_INT(nftnl_set_get_u32(s, NFTNL_SET_FLAGS), NFT_SET_MAP);
	CHECK_EQ_INT(nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN), 2);
	CHECK_EQ_INT(nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE), 13);
	CHECK_EQ_INT(nftnl_set_get_u32(s, NFTNL_SET_DATA_LEN), 8);
	CHECK_EQ_INT(nftnl_set_get_u32(s, NFTNL_SET_DATA_TYPE), (7 << 6) | 13);
	nftnl_set_free(s);

	/* pools: inet_service . mark -> ipv4_addr . inet_service */
	s = nftnl_set_alloc();
	CHECK_EQ_INT(nftnl_set_nlmsg_parse(m[3], s), 0);
	CHECK_EQ_STR(nftnl_set_get_str(s, NFTNL_SET_NAME), "pools");
	CHECK_EQ_INT(nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN), 8);
	CHECK_EQ_INT(nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE), (13 << 6) | 19);
	CHECK_EQ_INT(nftnl_set_get_u32(s, NFTNL_SET_DATA_TYPE), (7 << 6) | 13);
	nftnl_set_free(s);

	/* relayed: a plain set of addresses */
	s = nftnl_set_alloc();
	CHECK_EQ_INT(nftnl_set_nlmsg_parse(m[4], s), 0);
	CHECK_EQ_STR(nftnl_set_get_str(s, NFTNL_SET_NAME), "relayed");
	CHECK_EQ_INT(nftnl_set_get_u32(s, NFTNL_SET_FLAGS), 0);
	CHECK_EQ_INT(nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN), 4);
	CHECK_EQ_INT(nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE), 7);
	nftnl_set_free(s);

	/* held: addresses, each with its own timeout */
	s = nftnl_set_alloc();
	CHECK_EQ_INT(nftnl_set_nlmsg_parse(m[5], s), 0);
	CHECK_EQ_STR(nftnl_set_get_str(s, NFTNL_SET_NAME), "held");
	CHECK_EQ_INT(nftnl_set_get_u32(s, NFTNL_SET_FLAGS), NFT_SET_TIMEOUT);
	CHECK_EQ_INT(nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE), 7);
	nftnl_set_free(s);

	/* the pool rule comes first in prerouting, then the ports rule */
	CHECK_EQ_INT(nftnl_rule_nlmsg_parse(m[16], r), 0);
	CHECK_EQ_STR(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), "prerouting");
	nftnl_expr_foreach(r, expr_cb, &wp);
	CHECK_EQ_INT(wp.n, 8);
	CHECK(wp.ok);
	nftnl_rule_free(r);
	r = nftnl_rule_alloc();
	CHECK_EQ_INT(nftnl_rule_nlmsg_parse(m[17], r), 0);
	CHECK_EQ_STR(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), "prerouting");
	nftnl_expr_foreach(r, expr_cb, &w);
	CHECK_EQ_INT(w.n, 7);
	CHECK(w.ok);
	nftnl_rule_free(r);

	/* postrouting: masquerade out, then the relayed set's masquerade */
	r = nftnl_rule_alloc();
	CHECK_EQ_INT(nftnl_rule_nlmsg_parse(m[20], r), 0);
	CHECK_EQ_STR(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), "postrouting");
	nftnl_rule_free(r);
	r = nftnl_rule_alloc();
	CHECK_EQ_INT(nftnl_rule_nlmsg_parse(m[21], r), 0);
	CHECK_EQ_STR(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), "postrouting");
	{
		struct snat_walk sw = { 0, 1 };

		nftnl_expr_foreach(r, snat_expr_cb, &sw);
		CHECK_EQ_INT(sw.n, 8);
		CHECK(sw.ok);
	}
	nftnl_rule_free(r);

	/* the hold rules, one per filter chain, end in a queue */
	for (i = 22; i < 24; i++) {
		r = nftnl_rule_alloc();
		CHECK_EQ_INT(nftnl_rule_nlmsg_parse(m[i], r), 0);
		CHECK_EQ_STR(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN),
			     i == 22 ? "hold_prerouting" : "hold_output");
		{
			struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
			struct nftnl_expr *e, *last = NULL;
			int k = 0;

			while ((e = nftnl_expr_iter_next(it))) {
				last = e;
				k++;
			}
			CHECK_EQ_INT(k, 11);
			CHECK(last &&
			      !strcmp(nftnl_expr_get_str(last, NFTNL_EXPR_NAME),
				      "queue"));
			if (last)
				CHECK_EQ_INT(
					nftnl_expr_get_u16(
						last, NFTNL_EXPR_QUEUE_NUM),
					FC_HOLD_QUEUE);
			nftnl_expr_iter_destroy(it);
		}
		nftnl_rule_free(r);
	}

	CHECK_EQ_INT(fc_napt_build_init(buf, 512, 7, &conf, &len), -ENOSPC);
}

static void test_text(void)
{
	struct fc_napt_entry e = { 0 }, p = { 0 };
	struct fc_napt_entry rows[2] = {
		{ .port = 8080, .aport = 80, .domid = 5, .name = "web" },
		{ .port = 22, .aport = 2222 },
	};
	char c[FC_NAPT_COMMENT_MAX], *text = NULL;
	size_t tlen = 0;
	uint32_t a, pub;
	uint16_t port;
	FILE *f;

	e.domid = 7;
	e.app_id = 99;
	strcpy(e.name, "db");
	CHECK_EQ_INT(fc_napt_comment_format(&e, c, sizeof(c)), 0);
	CHECK_EQ_STR(c, "dom=7 app=99 name=db");
	CHECK_EQ_INT(fc_napt_comment_parse(c, &p), 0);
	CHECK_EQ_INT(p.domid, 7);
	CHECK_EQ_INT(p.app_id, 99);
	CHECK_EQ_STR(p.name, "db");
	CHECK_EQ_INT(fc_napt_comment_format(&e, c, 8), -ENOSPC);
	CHECK_EQ_INT(fc_napt_comment_parse("something else", &p), -EINVAL);

	CHECK_EQ_INT(fc_napt_parse_target("198.18.0.10:80", &a, &port), 0);
	CHECK_EQ_INT(ntohl(a), 0xc612000a);
	CHECK_EQ_INT(port, 80);
	CHECK_EQ_INT(fc_napt_parse_target("198.18.0.10", &a, &port), -EINVAL);
	CHECK_EQ_INT(fc_napt_parse_target("198.18.0.10:0", &a, &port), -EINVAL);
	CHECK_EQ_INT(fc_napt_parse_target("198.18.0.10:65536", &a, &port),
		     -EINVAL);
	CHECK_EQ_INT(fc_napt_parse_target("host:80", &a, &port), -EINVAL);
	CHECK_EQ_INT(fc_napt_parse_target(":80", &a, &port), -EINVAL);

	inet_pton(AF_INET, "198.18.0.10", &rows[0].addr);
	inet_pton(AF_INET, "198.18.0.11", &rows[1].addr);
	inet_pton(AF_INET, "192.0.2.10", &pub);
	fc_napt_sort(rows, 2);
	CHECK_EQ_INT(rows[0].port, 22);

	f = open_memstream(&text, &tlen);
	fc_napt_print(f, rows, 2, pub);
	fclose(f);
	CHECK(strstr(text, "PROTO") == text);
	CHECK(strstr(text, "tcp   192.0.2.10:8080       198.18.0.10:80"));
	CHECK(strstr(text, "    5 web\n"));
	CHECK(strstr(text, "198.18.0.11:2222          - -\n"));
	free(text);

	f = open_memstream(&text, &tlen);
	fc_napt_print_json(f, rows, 2, pub);
	fclose(f);
	CHECK(strstr(text, "\"public_port\": 8080, \"addr\": \"198.18.0.10\", "
			   "\"port\": 80, \"pool\": false, \"id\": 5"));
	CHECK(strstr(text, "\"name\": \"web\""));
	CHECK(strstr(text, "\"name\": null"));
	CHECK(strstr(text, "\"forwarded_to\": null"));
	free(text);

	f = open_memstream(&text, &tlen);
	fc_napt_print_json(f, rows, 0, 0);
	fclose(f);
	CHECK_EQ_STR(text, "[]\n");
	free(text);
}

/* The elements of message m into got (zeroed, room for max). */
static void parse_elems(const struct nlmsghdr *m, struct fc_napt_entry *got,
			int max, char *set, size_t setlen)
{
	struct nftnl_set *s = nftnl_set_alloc();

	memset(got, 0, max * sizeof(*got));
	CHECK_EQ_INT(nftnl_set_elems_nlmsg_parse(m, s), 0);
	snprintf(set, setlen, "%s", nftnl_set_get_str(s, NFTNL_SET_NAME));
	nftnl_set_elem_foreach(s, elem_cb, got);
	nftnl_set_free(s);
}

/*
 * The keys and data of a many-element message, walked with libmnl (see
 * test_del: libnftnl's parser refuses its own numbering of them).
 */
static int walk_elems(const struct nlmsghdr *m, struct fc_napt_entry *got,
		      int max)
{
	const struct nlattr *a, *el, *k, *v;
	int n = 0;

	memset(got, 0, max * sizeof(*got));
	mnl_attr_for_each(a, m, sizeof(struct nfgenmsg))
	{
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(el, a)
		{
			struct fc_napt_entry *e = &got[n];
			const uint8_t *p;
			uint16_t port;
			uint32_t slot;

			if (n == max)
				return -1;
			mnl_attr_for_each_nested(k, el)
			{
				v = mnl_attr_get_payload(k);
				p = mnl_attr_get_payload(v);
				if (mnl_attr_get_type(k) == NFTA_SET_ELEM_KEY &&
				    mnl_attr_get_payload_len(v) == 8) {
					memcpy(&port, p, 2);
					memcpy(&slot, p + 4, 4);
					e->port = ntohs(port);
					e->slot = slot;
					e->pool = 1;
				} else if (mnl_attr_get_type(k) ==
						   NFTA_SET_ELEM_DATA &&
					   mnl_attr_get_payload_len(v) == 8) {
					memcpy(&e->addr, p, 4);
					memcpy(&port, p + 4, 2);
					e->aport = ntohs(port);
				}
			}
			n++;
		}
	}
	return n;
}

static void test_pool(void)
{
	struct fc_napt_entry to[3] = {
		{ .aport = 80, .domid = 5, .app_id = 1, .name = "web" },
		{ .aport = 80, .domid = 6, .app_id = 2, .name = "web.1" },
		{ .aport = 80, .domid = 7, .app_id = 3, .name = "web.2" },
	};
	struct fc_napt_entry got[FC_NAPT_POOL_SLOTS + 2], rows[6];
	const struct nlmsghdr *m[8];
	int i, n, ok, first, cnt;
	char set[16];
	size_t len = 0;

	for (i = 0; i < 3; i++)
		to[i].addr = htonl(0xc612000a + i);

	/* a port taken by one app VM becomes a pool of two: one batch */
	CHECK_EQ_INT(fc_napt_build_port(buf, sizeof(buf), 1, 8080,
					FC_NAPT_SINGLE, to, 2, &len),
		     0);
	n = split(buf, len, m, 8);
	CHECK_EQ_INT(n, 4);
	if (n != 4)
		return;
	CHECK_EQ_INT(m[1]->nlmsg_type, NFT(NFT_MSG_DELSETELEM));
	CHECK_EQ_INT(m[2]->nlmsg_type, NFT(NFT_MSG_NEWSETELEM));
	CHECK(m[2]->nlmsg_flags & NLM_F_EXCL);
	/* one ack, the last message's: failures are answered anyway */
	CHECK(!(m[1]->nlmsg_flags & NLM_F_ACK));
	CHECK(m[2]->nlmsg_flags & NLM_F_ACK);
	CHECK(!(m[3]->nlmsg_flags & NLM_F_ACK));
	CHECK_EQ_INT(walk_elems(m[2], got, FC_NAPT_POOL_SLOTS + 2),
		     FC_NAPT_POOL_SLOTS);
	ok = 1;
	for (i = 0; i < FC_NAPT_POOL_SLOTS; i++)
		if (got[i].port != 8080 || got[i].slot != i ||
		    got[i].addr != to[i % 2].addr || got[i].aport != 80)
			ok = 0;
	CHECK(ok); /* every slot, dealt round the members in turn */

	/* listed back: one entry per member */
	for (i = 0; i < FC_NAPT_POOL_SLOTS; i++) {
		got[i].domid = to[i % 2].domid;
		got[i].app_id = to[i % 2].app_id;
	}
	n = fc_napt_sort(got, FC_NAPT_POOL_SLOTS);
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT(got[0].domid, 5);
	CHECK_EQ_INT(got[0].slot, 0);
	CHECK_EQ_INT(got[1].domid, 6);
	CHECK_EQ_INT(got[1].slot, 1);

	/* a pool down to one member: its slots go, one ports element comes */
	CHECK_EQ_INT(fc_napt_build_port(buf, sizeof(buf), 1, 8080,
					FC_NAPT_POOLED, &to[2], 1, &len),
		     0);
	n = split(buf, len, m, 8);
	CHECK_EQ_INT(n, 4);
	if (n != 4)
		return;
	CHECK_EQ_INT(m[1]->nlmsg_type, NFT(NFT_MSG_DELSETELEM));
	CHECK_EQ_INT(m[2]->nlmsg_type, NFT(NFT_MSG_NEWSETELEM));
	parse_elems(m[2], got, 4, set, sizeof(set));
	CHECK_EQ_STR(set, "ports");
	CHECK_EQ_INT(got[0].port, 8080);
	CHECK_EQ_INT(got[0].pool, 0);
	CHECK_EQ_INT(got[0].domid, 7);
	CHECK_EQ_INT(got[1].port, 0);

	/* the last one gone: only the delete */
	CHECK_EQ_INT(fc_napt_build_port(buf, sizeof(buf), 1, 8080,
					FC_NAPT_POOLED, NULL, 0, &len),
		     0);
	CHECK_EQ_INT(split(buf, len, m, 8), 3);
	CHECK_EQ_INT(m[1]->nlmsg_type, NFT(NFT_MSG_DELSETELEM));

	/* a new pool of three from nothing: only the add */
	CHECK_EQ_INT(fc_napt_build_port(buf, sizeof(buf), 1, 80, FC_NAPT_NONE,
					to, 3, &len),
		     0);
	CHECK_EQ_INT(split(buf, len, m, 8), 3);
	CHECK_EQ_INT(m[1]->nlmsg_type, NFT(NFT_MSG_NEWSETELEM));

	CHECK_EQ_INT(fc_napt_build_port(buf, sizeof(buf), 1, 80, FC_NAPT_NONE,
					to, FC_NAPT_POOL_SLOTS + 1, &len),
		     -EINVAL);
	CHECK_EQ_INT(
		fc_napt_build_port(buf, sizeof(buf), 1, 80, 9, to, 1, &len),
		-EINVAL);

	/* a single add first adds and deletes the port's slot 0 of pools:
	 * a pooled port fails it, so it never also gets a ports element */
	CHECK_EQ_INT(fc_napt_build_add(buf, sizeof(buf), 1, &to[0], &len), 0);
	n = split(buf, len, m, 8);
	CHECK_EQ_INT(n, 5);
	if (n != 5)
		return;
	CHECK_EQ_INT(m[1]->nlmsg_type, NFT(NFT_MSG_NEWSETELEM));
	CHECK(m[1]->nlmsg_flags & NLM_F_EXCL);
	CHECK_EQ_INT(walk_elems(m[1], got, 4), 1);
	CHECK_EQ_INT(got[0].pool, 1);
	CHECK_EQ_INT(got[0].slot, 0);
	CHECK_EQ_INT(m[2]->nlmsg_type, NFT(NFT_MSG_DELSETELEM));
	CHECK_EQ_INT(walk_elems(m[2], got, 4), 1);
	CHECK_EQ_INT(got[0].pool, 1);
	CHECK_EQ_INT(m[3]->nlmsg_type, NFT(NFT_MSG_NEWSETELEM));
	CHECK(m[3]->nlmsg_flags & NLM_F_EXCL);
	parse_elems(m[3], got, 4, set, sizeof(set));
	CHECK_EQ_STR(set, "ports");

	/* which entries of a sorted list are one port's, and how */
	memset(rows, 0, sizeof(rows));
	rows[0].port = 22;
	rows[1].port = 80, rows[1].pool = 1, rows[1].domid = 5;
	rows[2].port = 80, rows[2].pool = 1, rows[2].domid = 6;
	rows[3].port = 81, rows[3].domid = 9;
	CHECK_EQ_INT(fc_napt_port_members(rows, 4, 80, &first, &cnt),
		     FC_NAPT_POOLED);
	CHECK_EQ_INT(first, 1);
	CHECK_EQ_INT(cnt, 2);
	CHECK_EQ_INT(fc_napt_port_members(rows, 4, 81, &first, &cnt),
		     FC_NAPT_SINGLE);
	CHECK_EQ_INT(first, 3);
	CHECK_EQ_INT(fc_napt_port_members(rows, 4, 82, &first, &cnt),
		     FC_NAPT_NONE);
	CHECK_EQ_INT(cnt, 0);
}

/* fc_listen_stale: what the OS server drops at start (usr/listen.c). */
static int live_5_7(uint32_t domid, void *arg)
{
	int *asked = arg;

	(*asked)++;
	return domid == 5 || domid == 7;
}

static int snat_elem_cb(struct nftnl_set_elem *el, void *data)
{
	fc_napt_snat_elem_parse(el, data);
	return 0;
}

/* A migrated app VM's ports become forwarded ones, in one transaction. */
static void test_forward(void)
{
	struct fc_napt_entry e[2] = {
		{ .port = 80,
		  .aport = 80,
		  .domid = 9,
		  .app_id = 3,
		  .name = "web" },
		{ .port = 8443,
		  .aport = 443,
		  .domid = 9,
		  .app_id = 3,
		  .name = "web" },
	};
	struct fc_napt_entry got[4], sn;
	const struct nlmsghdr *m[8];
	struct nftnl_set *s;
	char set[16], c[FC_NAPT_COMMENT_MAX], *text = NULL;
	size_t len = 0, tlen = 0;
	uint32_t peer;
	FILE *f;
	int n;

	inet_pton(AF_INET, "198.18.1.10", &e[0].addr);
	e[1].addr = e[0].addr;
	inet_pton(AF_INET, "198.19.0.2", &peer);
	CHECK_EQ_INT(
		fc_napt_build_forward(buf, sizeof(buf), 1, e, 2, peer, &len),
		0);
	n = split(buf, len, m, 8);
	CHECK_EQ_INT(n, 5);
	if (n != 5)
		return;
	CHECK_EQ_INT(m[1]->nlmsg_type, NFT(NFT_MSG_DELSETELEM));
	CHECK_EQ_INT(m[2]->nlmsg_type, NFT(NFT_MSG_NEWSETELEM));
	CHECK_EQ_INT(m[3]->nlmsg_type, NFT(NFT_MSG_NEWSETELEM));
	CHECK(m[2]->nlmsg_flags & NLM_F_EXCL);
	/* the address may be in relayed already (a guest leaving home) */
	CHECK(!(m[3]->nlmsg_flags & NLM_F_EXCL));

	/* one element, which libnftnl's parser reads back (test_del) */
	CHECK_EQ_INT(fc_napt_build_forward(buf, sizeof(buf), 1, &e[1], 1, peer,
					   &len),
		     0);
	CHECK_EQ_INT(split(buf, len, m, 8), 5);
	parse_elems(m[2], got, 4, set, sizeof(set));
	CHECK_EQ_STR(set, "ports");
	CHECK_EQ_INT(got[0].port, 8443);
	CHECK_EQ_INT(got[0].aport, 443);
	CHECK_EQ_INT(got[0].addr, e[0].addr);
	CHECK_EQ_INT(got[0].domid, 0); /* no domain here owns it */
	CHECK_EQ_INT(got[0].app_id, 0);
	CHECK_EQ_INT(got[0].fwd, peer);
	CHECK_EQ_STR(got[0].name, "web");

	s = nftnl_set_alloc();
	memset(&sn, 0, sizeof(sn));
	CHECK_EQ_INT(nftnl_set_elems_nlmsg_parse(m[3], s), 0);
	CHECK_EQ_STR(nftnl_set_get_str(s, NFTNL_SET_NAME), "relayed");
	nftnl_set_elem_foreach(s, snat_elem_cb, &sn);
	CHECK_EQ_INT(sn.addr, e[0].addr);
	CHECK_EQ_INT(sn.fwd, peer);
	CHECK_EQ_STR(sn.name, "web");
	nftnl_set_free(s);

	/* a pool member is not forwarded, nor two addresses at once */
	e[1].pool = 1;
	CHECK_EQ_INT(
		fc_napt_build_forward(buf, sizeof(buf), 1, e, 2, peer, &len),
		-EINVAL);
	e[1].pool = 0;
	e[1].addr = 0;
	CHECK_EQ_INT(
		fc_napt_build_forward(buf, sizeof(buf), 1, e, 2, peer, &len),
		-EINVAL);
	CHECK_EQ_INT(fc_napt_build_forward(buf, sizeof(buf), 1, e, 1, 0, &len),
		     -EINVAL);

	/* a guest's relayed element: add and delete */
	memset(&sn, 0, sizeof(sn));
	sn.addr = e[0].addr;
	sn.home = peer;
	strcpy(sn.name, "web");
	CHECK_EQ_INT(fc_napt_comment_format(&sn, c, sizeof(c)), 0);
	CHECK_EQ_STR(c, "dom=0 app=0 home=198.19.0.2 name=web");
	CHECK_EQ_INT(fc_napt_build_snat(buf, sizeof(buf), 1, 1, &sn, &len), 0);
	CHECK_EQ_INT(split(buf, len, m, 8), 3);
	CHECK_EQ_INT(m[1]->nlmsg_type, NFT(NFT_MSG_NEWSETELEM));
	s = nftnl_set_alloc();
	memset(got, 0, sizeof(got));
	CHECK_EQ_INT(nftnl_set_elems_nlmsg_parse(m[1], s), 0);
	nftnl_set_elem_foreach(s, snat_elem_cb, &got[0]);
	CHECK_EQ_INT(got[0].home, peer);
	CHECK_EQ_INT(got[0].fwd, 0);
	nftnl_set_free(s);
	CHECK_EQ_INT(fc_napt_build_snat(buf, sizeof(buf), 1, 0, &sn, &len), 0);
	CHECK_EQ_INT(split(buf, len, m, 8), 3);
	CHECK_EQ_INT(m[1]->nlmsg_type, NFT(NFT_MSG_DELSETELEM));

	/* the listings show where a forwarded port's app VM runs */
	got[0] = e[0];
	got[0].domid = 0;
	got[0].fwd = peer;
	f = open_memstream(&text, &tlen);
	fc_napt_print(f, got, 1, 0);
	fclose(f);
	CHECK(strstr(text, "198.18.1.10:80          fwd web -> 198.19.0.2\n"));
	free(text);
	f = open_memstream(&text, &tlen);
	fc_napt_print_json(f, got, 1, 0);
	fclose(f);
	CHECK(strstr(text, "\"forwarded_to\": \"198.19.0.2\"}"));
	free(text);
}

static void test_stale(void)
{
	struct fc_napt_entry e[5];
	int asked = 0, k;

	memset(e, 0, sizeof(e));
	e[0].port = 80, e[0].domid = 5;
	e[1].port = 81, e[1].domid = 6; /* gone */
	e[2].port = 82, e[2].domid = 0; /* operator's: never asked */
	e[3].port = 83, e[3].domid = 7;
	e[4].port = 84, e[4].domid = 40; /* gone */
	k = fc_listen_stale(e, 5, live_5_7, &asked);
	CHECK_EQ_INT(k, 2);
	CHECK_EQ_INT(e[0].port, 81);
	CHECK_EQ_INT(e[1].port, 84);
	CHECK_EQ_INT(asked, 4);
	CHECK_EQ_INT(fc_listen_stale(e, 0, live_5_7, &asked), 0);
}

int main(void)
{
	test_add();
	test_del();
	test_init();
	test_pool();
	test_text();
	test_stale();
	test_forward();
	return unit_report("usr_napt");
}
