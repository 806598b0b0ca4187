// SPDX-License-Identifier: GPL-2.0
// unit-sources: build/usr/libfc.a
// unit-cflags: -Iusr -Wno-unused-parameter
/*
 * Holding new connections (usr/hold.c, usr/napt.c): the packet parser,
 * the queue table, and the held set's batches.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <libmnl/libmnl.h>
#include <stdio.h>
#include <string.h>

#include "fc.h"
#include "unit.h"

/* An IPv4 header of @ihl words, protocol @proto, to 198.18.1.10:@port. */
static size_t pkt(unsigned char *p, int ihl, int proto, uint16_t port)
{
	memset(p, 0, 64);
	p[0] = 0x40 | ihl;
	p[9] = proto;
	p[16] = 198, p[17] = 18, p[18] = 1, p[19] = 10;
	p[ihl * 4 + 2] = port >> 8;
	p[ihl * 4 + 3] = port & 0xff;
	return ihl * 4 + 20;
}

static void test_parse(void)
{
	unsigned char p[64];
	uint32_t daddr = 0, want;
	uint16_t dport = 0;
	size_t n;

	inet_pton(AF_INET, "198.18.1.10", &want);
	n = pkt(p, 5, 6, 80);
	CHECK_EQ_INT(fc_hold_parse(p, n, &daddr, &dport), 0);
	CHECK_EQ_INT(daddr, want);
	CHECK_EQ_INT(dport, 80);
	/* options: the ports are after them */
	n = pkt(p, 8, 6, 8080);
	CHECK_EQ_INT(fc_hold_parse(p, n, &daddr, &dport), 0);
	CHECK_EQ_INT(dport, 8080);
	/* not TCP, not IPv4, too short, a header length that lies */
	n = pkt(p, 5, 17, 53);
	CHECK_EQ_INT(fc_hold_parse(p, n, &daddr, &dport), -EINVAL);
	n = pkt(p, 5, 6, 80);
	p[0] = 0x65;
	CHECK_EQ_INT(fc_hold_parse(p, n, &daddr, &dport), -EINVAL);
	n = pkt(p, 5, 6, 80);
	CHECK_EQ_INT(fc_hold_parse(p, 23, &daddr, &dport), -EINVAL);
	CHECK_EQ_INT(fc_hold_parse(p, 19, &daddr, &dport), -EINVAL);
	p[0] = 0x43;
	CHECK_EQ_INT(fc_hold_parse(p, n, &daddr, &dport), -EINVAL);
	p[0] = 0x4f; /* 60-byte header, packet of 40 */
	CHECK_EQ_INT(fc_hold_parse(p, 40, &daddr, &dport), -EINVAL);
}

static struct fc_holdq q;
static struct fc_held out[FC_HOLDQ_MAX];

static void test_queue(void)
{
	double oldest = -1;
	int i;

	q.n = 0;
	fc_holdq_add(&q, 1, 10, 80, 5.0);
	fc_holdq_add(&q, 2, 11, 80, 3.0);
	fc_holdq_add(&q, 3, 10, 80, 4.0);
	fc_holdq_add(&q, 4, 10, 22, 1.0);
	/* by target: both of 10:80, in arrival order, the oldest 4.0 */
	CHECK_EQ_INT(fc_holdq_take(&q, 10, 80, 0, out, &oldest), 2);
	CHECK_EQ_INT(out[0].id, 1);
	CHECK_EQ_INT(out[1].id, 3);
	CHECK(oldest == 4.0);
	CHECK_EQ_INT(q.n, 2);
	CHECK_EQ_INT(fc_holdq_take(&q, 10, 80, 0, out, &oldest), 0);
	/* by age: older than 2.0 is id 4 only */
	CHECK_EQ_INT(fc_holdq_take(&q, 0, 0, 2.0, out, &oldest), 1);
	CHECK_EQ_INT(out[0].id, 4);
	CHECK_EQ_INT(q.n, 1);
	CHECK_EQ_INT(q.e[0].id, 2);
	/* full: the next is refused (the caller lets it pass) */
	q.n = 0;
	for (i = 0; i < FC_HOLDQ_MAX; i++)
		fc_holdq_add(&q, i, 10, 80, i);
	CHECK_EQ_INT(fc_holdq_add(&q, 9999, 10, 80, 0), -ENOSPC);
	CHECK_EQ_INT(fc_holdq_take(&q, 10, 80, 0, out, &oldest), FC_HOLDQ_MAX);
	CHECK(oldest == 0.0);
	CHECK_EQ_INT(q.n, 0);
}

/* The messages of a batch, by type, between its begin and end. */
static int batch_types(const char *buf, size_t len, int *types, int max)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	int left = len, n = 0;

	while (mnl_nlmsg_ok(nlh, left) && n < max) {
		types[n++] = nlh->nlmsg_type & 0xff;
		nlh = mnl_nlmsg_next(nlh, &left);
	}
	return n;
}

static void test_held_batches(void)
{
	char buf[16384];
	int t[8], n;
	size_t len = 0;
	uint32_t a;

	inet_pton(AF_INET, "198.18.1.10", &a);
	CHECK_EQ_INT(fc_napt_build_held(buf, sizeof(buf), 1, FC_HOLD_ADD, a,
					1000, &len),
		     0);
	n = batch_types(buf, len, t, 8);
	CHECK_EQ_INT(n, 3); /* begin, new element, end */
	CHECK_EQ_INT(t[1], NFT_MSG_NEWSETELEM);
	CHECK_EQ_INT(fc_napt_build_held(buf, sizeof(buf), 1, FC_HOLD_RENEW, a,
					1000, &len),
		     0);
	n = batch_types(buf, len, t, 8);
	CHECK_EQ_INT(n, 4); /* replaced in one transaction */
	CHECK_EQ_INT(t[1], NFT_MSG_DELSETELEM);
	CHECK_EQ_INT(t[2], NFT_MSG_NEWSETELEM);
	CHECK_EQ_INT(fc_napt_build_held(buf, sizeof(buf), 1, FC_HOLD_DEL, a, 0,
					&len),
		     0);
	n = batch_types(buf, len, t, 8);
	CHECK_EQ_INT(n, 3);
	CHECK_EQ_INT(t[1], NFT_MSG_DELSETELEM);
	CHECK_EQ_INT(fc_napt_build_held(buf, sizeof(buf), 1, FC_HOLD_ADD, 0,
					1000, &len),
		     -EINVAL);
	CHECK_EQ_INT(fc_napt_build_held(buf, sizeof(buf), 1, 7, a, 1000, &len),
		     -EINVAL);
}

int main(void)
{
	test_parse();
	test_queue();
	test_held_batches();
	return unit_report("usr_hold");
}
