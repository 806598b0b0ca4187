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

struct expr_walk {
	int n, ok;
};

static int expr_cb(struct nftnl_expr *e, void *data)
{
	struct expr_walk *w = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	if (w->n < 7 && strcmp(name, pre_exprs[w->n]))
		w->ok = 0;
	if (!strcmp(name, "lookup") &&
	    strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET), "ports"))
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

static void test_init(void)
{
	static const int types[] = {
		NFNL_MSG_BATCH_BEGIN, NFT(NFT_MSG_NEWTABLE),
		NFT(NFT_MSG_NEWSET),  NFT(NFT_MSG_NEWCHAIN),
		NFT(NFT_MSG_DELRULE), NFT(NFT_MSG_NEWCHAIN),
		NFT(NFT_MSG_DELRULE), NFT(NFT_MSG_NEWCHAIN),
		NFT(NFT_MSG_DELRULE), NFT(NFT_MSG_NEWRULE),
		NFT(NFT_MSG_NEWRULE), NFT(NFT_MSG_NEWRULE),
		NFNL_MSG_BATCH_END,
	};
	struct fc_napt_conf conf;
	const struct nlmsghdr *m[20];
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct expr_walk w = { 0, 1 };
	size_t len = 0;
	int i, n;

	fc_napt_conf_default(&conf);
	CHECK_EQ_STR(conf.bridge, "fcbr0");
	CHECK_EQ_INT(conf.prefix, 24);
	CHECK_EQ_INT(ntohl(conf.net), 0xc6120000);
	CHECK_EQ_INT(fc_napt_build_init(buf, sizeof(buf), 7, &conf, &len), 0);
	n = split(buf, len, m, 20);
	CHECK_EQ_INT(n, 13);
	if (n != 13)
		return;
	for (i = 0; i < n; i++)
		CHECK_EQ_INT(m[i]->nlmsg_type, types[i]);
	/* the table, map and chains exist or are created: never EXCL */
	for (i = 1; i < 9; i++)
		CHECK(!(m[i]->nlmsg_flags & NLM_F_EXCL));

	CHECK_EQ_INT(nftnl_set_nlmsg_parse(m[2], s), 0);
	CHECK_EQ_STR(nftnl_set_get_str(s, NFTNL_SET_NAME), "ports");
	CHECK_EQ_INT(nftnl_set_get_u32(s, NFTNL_SET_FLAGS), NFT_SET_MAP);
	CHECK_EQ_INT(nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN), 2);
	CHECK_EQ_INT(nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE), 13);
	CHECK_EQ_INT(nftnl_set_get_u32(s, NFTNL_SET_DATA_LEN), 8);
	CHECK_EQ_INT(nftnl_set_get_u32(s, NFTNL_SET_DATA_TYPE), (7 << 6) | 13);

	CHECK_EQ_INT(nftnl_rule_nlmsg_parse(m[9], r), 0);
	CHECK_EQ_STR(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), "prerouting");
	nftnl_expr_foreach(r, expr_cb, &w);
	CHECK_EQ_INT(w.n, 7);
	CHECK(w.ok);
	nftnl_rule_free(r);
	nftnl_set_free(s);

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
			   "\"port\": 80, \"id\": 5"));
	CHECK(strstr(text, "\"name\": \"web\""));
	CHECK(strstr(text, "\"name\": null"));
	free(text);

	f = open_memstream(&text, &tlen);
	fc_napt_print_json(f, rows, 0, 0);
	fclose(f);
	CHECK_EQ_STR(text, "[]\n");
	free(text);
}

/* fc_listen_stale: what the OS server drops at start (usr/listen.c). */
static int live_5_7(uint32_t domid, void *arg)
{
	int *asked = arg;

	(*asked)++;
	return domid == 5 || domid == 7;
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
	test_text();
	test_stale();
	return unit_report("usr_napt");
}
