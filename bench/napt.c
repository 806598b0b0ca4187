// SPDX-License-Identifier: GPL-2.0
/*
 * napt: the cost of mapping one more public port, FlexCapsule's way (one
 * element added to the map of a single DNAT rule) against the paper's
 * libiptc-like way (one DNAT rule per port), both through libnftnl in one
 * batch each, at N ports already mapped, in the same run.  Runs as root
 * in Dom0; uses two scratch tables (ip fcbench_map, ip fcbench_rules),
 * deleted at the end.
 *
 *   napt [--counts 10,100,1000] [--reps 30] [--csv FILE]
 *
 * Prints one row per N: median and mean microseconds per add (build the
 * batch, send it, wait for the kernel's ack) and the ratio rule/element.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#define T_MAP	     "fcbench_map"
#define T_RULES	     "fcbench_rules"
#define BUF_SIZE     (1 << 20)
#define FILL_CHUNK   256   /* rules or elements per prefill batch */
#define BASE_PORT    10000 /* prefilled ports: BASE_PORT + i */
#define MEASURE_PORT 40000 /* measured adds: MEASURE_PORT + rep */
#define MAX_COUNTS   16

static struct mnl_socket *nl;
static uint32_t seq;
static char *buf, rbuf[1 << 16];

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static struct nlmsghdr *hdr(struct mnl_nlmsg_batch *b, int type, int flags)
{
	return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), type,
				     NFPROTO_IPV4, flags | NLM_F_ACK, seq++);
}

static struct mnl_nlmsg_batch *batch_begin(void)
{
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, BUF_SIZE / 2);

	nftnl_batch_begin(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);
	return b;
}

/* End the batch, send it, read every ack: 0 or the first error. */
static int batch_send(struct mnl_nlmsg_batch *b)
{
	const struct nlmsghdr *nlh = mnl_nlmsg_batch_head(b);
	int left, want = 0, got = 0, ret = 0, n;

	nftnl_batch_end(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);
	left = mnl_nlmsg_batch_size(b);
	while (mnl_nlmsg_ok(nlh, left)) {
		want += !!(nlh->nlmsg_flags & NLM_F_ACK);
		nlh = mnl_nlmsg_next(nlh, &left);
	}
	if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(b),
			      mnl_nlmsg_batch_size(b)) < 0) {
		ret = -errno;
		goto out;
	}
	while (got < want) {
		n = mnl_socket_recvfrom(nl, rbuf, sizeof(rbuf));
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		for (nlh = (void *)rbuf; mnl_nlmsg_ok(nlh, n);
		     nlh = mnl_nlmsg_next(nlh, &n)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			got++;
			if (e->error && !ret)
				ret = e->error;
		}
	}
out:
	mnl_nlmsg_batch_stop(b);
	return ret;
}

static void put_table(struct mnl_nlmsg_batch *b, const char *name, int del)
{
	struct nftnl_table *t = nftnl_table_alloc();

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	nftnl_table_nlmsg_build_payload(
		hdr(b, del ? NFT_MSG_DELTABLE : NFT_MSG_NEWTABLE,
		    del ? 0 : NLM_F_CREATE),
		t);
	mnl_nlmsg_batch_next(b);
	nftnl_table_free(t);
}

/* A nat base chain: the per-packet and per-commit work of the real one */
static void put_chain(struct mnl_nlmsg_batch *b, const char *table, int prio)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, "pre");
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "nat");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_PRE_ROUTING);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
	nftnl_chain_nlmsg_build_payload(hdr(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE),
					c);
	mnl_nlmsg_batch_next(b);
	nftnl_chain_free(c);
}

static void add_expr_u32s(struct nftnl_rule *r, const char *name,
			  const uint16_t *attrs, const uint32_t *vals, int n)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);
	int i;

	for (i = 0; i < n; i++)
		nftnl_expr_set_u32(e, attrs[i], vals[i]);
	nftnl_rule_add_expr(r, e);
}

static void add_cmp(struct nftnl_rule *r, const void *data, int len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	nftnl_rule_add_expr(r, e);
}

static void add_tcp_dport(struct nftnl_rule *r)
{
	static const uint16_t ma[] = { NFTNL_EXPR_META_KEY,
				       NFTNL_EXPR_META_DREG };
	static const uint32_t mv[] = { NFT_META_L4PROTO, NFT_REG_1 };
	static const uint16_t pa[] = { NFTNL_EXPR_PAYLOAD_DREG,
				       NFTNL_EXPR_PAYLOAD_BASE,
				       NFTNL_EXPR_PAYLOAD_OFFSET,
				       NFTNL_EXPR_PAYLOAD_LEN };
	static const uint32_t pv[] = { NFT_REG_1, NFT_PAYLOAD_TRANSPORT_HEADER,
				       2, 2 };
	uint8_t tcp = IPPROTO_TCP;

	add_expr_u32s(r, "meta", ma, mv, 2);
	add_cmp(r, &tcp, 1);
	add_expr_u32s(r, "payload", pa, pv, 4);
}

static void put_rule(struct mnl_nlmsg_batch *b, struct nftnl_rule *r,
		     const char *table)
{
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, "pre");
	nftnl_rule_nlmsg_build_payload(
		hdr(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND), r);
	mnl_nlmsg_batch_next(b);
	nftnl_rule_free(r);
}

/* tcp dport PORT dnat to 198.18.A.B:80: the rule-per-port way */
static void put_port_rule(struct mnl_nlmsg_batch *b, uint16_t port)
{
	static const uint16_t na[] = { NFTNL_EXPR_NAT_TYPE,
				       NFTNL_EXPR_NAT_FAMILY,
				       NFTNL_EXPR_NAT_REG_ADDR_MIN,
				       NFTNL_EXPR_NAT_REG_PROTO_MIN };
	static const uint32_t nv[] = { NFT_NAT_DNAT, NFPROTO_IPV4, NFT_REG_1,
				       NFT_REG_2 };
	struct nftnl_rule *r = nftnl_rule_alloc();
	uint32_t addr = htonl(0xc6120000u | (port & 0xff));
	uint16_t p = htons(port), aport = htons(80);
	struct nftnl_expr *e;

	add_tcp_dport(r);
	add_cmp(r, &p, 2);
	e = nftnl_expr_alloc("immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, &addr, 4);
	nftnl_rule_add_expr(r, e);
	e = nftnl_expr_alloc("immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_2);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, &aport, 2);
	nftnl_rule_add_expr(r, e);
	add_expr_u32s(r, "nat", na, nv, 4);
	put_rule(b, r, T_RULES);
}

/* the map and its one rule, as usr/napt.c builds them */
static void put_map_and_rule(struct mnl_nlmsg_batch *b)
{
	static const uint16_t na[] = { NFTNL_EXPR_NAT_TYPE,
				       NFTNL_EXPR_NAT_FAMILY,
				       NFTNL_EXPR_NAT_REG_ADDR_MIN,
				       NFTNL_EXPR_NAT_REG_PROTO_MIN };
	static const uint32_t nv[] = { NFT_NAT_DNAT, NFPROTO_IPV4, NFT_REG_1,
				       NFT_REG32_01 };
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_expr *e;

	nftnl_set_set_str(s, NFTNL_SET_TABLE, T_MAP);
	nftnl_set_set_str(s, NFTNL_SET_NAME, "ports");
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_IPV4);
	nftnl_set_set_u32(s, NFTNL_SET_ID, 1);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_MAP);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, 13);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, 2);
	nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, 7 << 6 | 13);
	nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, 8);
	nftnl_set_nlmsg_build_payload(hdr(b, NFT_MSG_NEWSET, NLM_F_CREATE), s);
	mnl_nlmsg_batch_next(b);
	nftnl_set_free(s);

	add_tcp_dport(r);
	e = nftnl_expr_alloc("lookup");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, "ports");
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, 1);
	nftnl_rule_add_expr(r, e);
	add_expr_u32s(r, "nat", na, nv, 4);
	put_rule(b, r, T_MAP);
}

/* one NEWSETELEM holding the elements for ports [first, first + n) */
static void put_elems(struct mnl_nlmsg_batch *b, uint16_t first, int n)
{
	struct nftnl_set *s = nftnl_set_alloc();
	int i;

	nftnl_set_set_str(s, NFTNL_SET_TABLE, T_MAP);
	nftnl_set_set_str(s, NFTNL_SET_NAME, "ports");
	for (i = 0; i < n; i++) {
		struct nftnl_set_elem *el = nftnl_set_elem_alloc();
		uint16_t port = first + i, key = htons(port);
		uint8_t data[8] = { 0 };
		uint32_t addr = htonl(0xc6120000u | (port & 0xff));
		uint16_t aport = htons(80);

		memcpy(data, &addr, 4);
		memcpy(data + 4, &aport, 2);
		nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, &key, 2);
		nftnl_set_elem_set(el, NFTNL_SET_ELEM_DATA, data, 8);
		nftnl_set_elem_add(s, el);
	}
	nftnl_set_elems_nlmsg_build_payload(
		hdr(b, NFT_MSG_NEWSETELEM, NLM_F_CREATE | NLM_F_EXCL), s);
	mnl_nlmsg_batch_next(b);
	nftnl_set_free(s);
}

static void drop_tables(void)
{
	struct mnl_nlmsg_batch *b = batch_begin();

	put_table(b, T_MAP, 1);
	batch_send(b); /* -ENOENT the first time: fine */
	b = batch_begin();
	put_table(b, T_RULES, 1);
	batch_send(b);
}

/* Fresh scratch tables holding n mappings each. */
static int setup(int n)
{
	struct mnl_nlmsg_batch *b;
	int i, k, ret;

	drop_tables();
	b = batch_begin();
	put_table(b, T_MAP, 0);
	put_table(b, T_RULES, 0);
	put_chain(b, T_MAP, -90);
	put_chain(b, T_RULES, -80);
	put_map_and_rule(b);
	ret = batch_send(b);
	for (i = 0; !ret && i < n; i += FILL_CHUNK) {
		int m = n - i < FILL_CHUNK ? n - i : FILL_CHUNK;

		b = batch_begin();
		put_elems(b, BASE_PORT + i, m);
		ret = batch_send(b);
		b = batch_begin();
		for (k = 0; k < m && !ret; k++)
			put_port_rule(b, BASE_PORT + i + k);
		ret = ret ?: batch_send(b);
	}
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void stats(double *v, int n, double *median, double *mean)
{
	double sum = 0;
	int i;

	qsort(v, n, sizeof(*v), cmp_double);
	for (i = 0; i < n; i++)
		sum += v[i];
	*mean = sum / n;
	*median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	int counts[MAX_COUNTS] = { 10, 100, 1000 }, ncounts = 3, reps = 30;
	const char *csv_path = NULL;
	double *te, *tr;
	FILE *csv = NULL;
	int c, r, i, ret = 1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--counts") && i + 1 < argc) {
			char *s = argv[++i], *tok;

			for (ncounts = 0;
			     (tok = strsep(&s, ",")) && ncounts < MAX_COUNTS;)
				counts[ncounts++] = atoi(tok);
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			reps = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--csv") && i + 1 < argc) {
			csv_path = argv[++i];
		} else {
			fprintf(stderr, "usage: napt [--counts N,N,...] "
					"[--reps N] [--csv FILE]\n");
			return 2;
		}
	}
	for (c = 0; c < ncounts; c++)
		if (counts[c] < 0 || counts[c] > 20000)
			return 2;
	if (reps < 1 || reps > 1000)
		return 2;

	buf = malloc(BUF_SIZE);
	te = calloc(reps, sizeof(*te));
	tr = calloc(reps, sizeof(*tr));
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!buf || !te || !tr || !nl ||
	    mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("napt: netlink");
		goto out;
	}
	seq = time(NULL);
	if (csv_path) {
		csv = fopen(csv_path, "w");
		if (!csv) {
			perror(csv_path);
			goto out;
		}
		fprintf(csv, "existing,kind,rep,us\n");
	}

	printf("One more public port: map element vs rule per port "
	       "(libnftnl, one batch each, %d adds per row)\n",
	       reps);
	printf("%8s %12s %12s %12s %12s %9s\n", "existing", "elem_med_us",
	       "elem_mean_us", "rule_med_us", "rule_mean_us", "rule/elem");
	for (c = 0; c < ncounts; c++) {
		double em, ea, rm, ra;

		ret = setup(counts[c]);
		if (ret) {
			fprintf(stderr, "napt: setup of %d: %s\n", counts[c],
				strerror(-ret));
			goto out;
		}
		/* interleaved, so that both see the same machine */
		for (r = 0; r < reps; r++) {
			struct mnl_nlmsg_batch *b;
			double t0;

			t0 = now_us();
			b = batch_begin();
			put_elems(b, MEASURE_PORT + r, 1);
			ret = batch_send(b);
			te[r] = now_us() - t0;

			t0 = now_us();
			b = batch_begin();
			put_port_rule(b, MEASURE_PORT + r);
			ret = ret ?: batch_send(b);
			tr[r] = now_us() - t0;
			if (ret) {
				fprintf(stderr, "napt: add: %s\n",
					strerror(-ret));
				goto out;
			}
			if (csv)
				fprintf(csv,
					"%d,element,%d,%.1f\n%d,rule,%d,%.1f\n",
					counts[c], r, te[r], counts[c], r,
					tr[r]);
		}
		stats(te, reps, &em, &ea);
		stats(tr, reps, &rm, &ra);
		printf("%8d %12.1f %12.1f %12.1f %12.1f %9.2f\n", counts[c], em,
		       ea, rm, ra, rm / em);
		fflush(stdout);
	}
	ret = 0;
out:
	if (nl) {
		drop_tables();
		mnl_socket_close(nl);
	}
	if (csv)
		fclose(csv);
	free(buf);
	free(te);
	free(tr);
	return ret ? 1 : 0;
}
