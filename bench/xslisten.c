// SPDX-License-Identifier: GPL-2.0
/*
 * xslisten: the Dom0 side of the XenStore listen() baseline
 * (apps/listenbench), the paper's design.  The app VM writes
 * "SEQ OP PORT" to /local/domain/<domid>/data/fclisten/req, OP one of
 * listen, unlisten, ping; this stand-in for the OS server does what
 * `fcapsule serve` does for LISTEN and UNLISTEN (usr/listen.c), with the
 * same code (usr/napt.c, usr/net.c), so that only the transport differs:
 *   listen:   the address allocated to the domain, one map element
 *             (public port = PORT) in the fcapsule table;
 *   unlisten: the map read back to check the owner, the element removed.
 * It answers "SEQ STATUS" (0 or -errno) in .../resp.
 *
 *   xslisten DOMID      (runs until killed, or until the domain is gone)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "fc.h"

static unsigned long n_listen, n_unlisten, n_failed;

static int do_listen(uint32_t domid, uint16_t port)
{
	struct fc_napt_entry e;

	memset(&e, 0, sizeof(e));
	if (fc_net_addr_of_dom(domid, &e.addr, e.name, sizeof(e.name)))
		return -EADDRNOTAVAIL;
	e.port = port;
	e.aport = port;
	e.domid = domid;
	return fc_napt_add_entry(&e);
}

static int do_unlisten(uint32_t domid, uint16_t port)
{
	struct fc_napt_entry *e = NULL;
	int i, n = 0, ret;

	ret = fc_napt_list(&e, &n);
	if (ret)
		return ret;
	ret = -ENOENT;
	for (i = 0; i < n; i++) {
		if (e[i].port != port)
			continue;
		ret = e[i].domid == domid ? fc_napt_del(port) : -EPERM;
		break;
	}
	free(e);
	return ret;
}

static int handle(uint32_t domid, const char *op, unsigned int port)
{
	int ret;

	if (!strcmp(op, "ping"))
		return 0;
	if (!port || port > 65535)
		return -EINVAL;
	if (!strcmp(op, "listen")) {
		n_listen++;
		ret = do_listen(domid, port);
	} else if (!strcmp(op, "unlisten")) {
		n_unlisten++;
		ret = do_unlisten(domid, port);
	} else {
		ret = -EINVAL;
	}
	if (ret)
		n_failed++;
	return ret;
}

int main(int argc, char **argv)
{
	char req[128], resp[128], dom[64], op[16], *end;
	unsigned long last = 0, seq;
	unsigned int num, len, port;
	unsigned long long run, wait;
	struct xs_handle *xs;
	uint32_t domid;
	FILE *f;
	int n, ret;

	domid = argc == 2 ? strtoul(argv[1], &end, 10) : 0;
	if (argc != 2 || *end || !domid) {
		fprintf(stderr, "usage: xslisten DOMID\n");
		return 2;
	}
	/* Once, as the OS server does before its first LISTEN. */
	ret = fc_napt_init();
	if (ret) {
		fprintf(stderr, "xslisten: NAPT table: %s\n", strerror(-ret));
		return 1;
	}
	snprintf(dom, sizeof(dom), "/local/domain/%u", domid);
	snprintf(req, sizeof(req), "%s/data/fclisten/req", dom);
	snprintf(resp, sizeof(resp), "%s/data/fclisten/resp", dom);
	xs = xs_open(0);
	if (!xs) {
		perror("xslisten: xs_open");
		return 1;
	}
	if (!xs_watch(xs, req, "req") || !xs_watch(xs, dom, "dom")) {
		perror("xslisten: xs_watch");
		return 1;
	}
	for (;;) {
		char **ev = xs_read_watch(xs, &num), *v, out[32];

		if (!ev)
			break;
		if (!strcmp(ev[XS_WATCH_TOKEN], "dom")) {
			free(ev);
			v = xs_read(xs, XBT_NULL, dom, &len);
			if (!v && errno == ENOENT)
				break; /* the domain is gone */
			free(v);
			continue;
		}
		free(ev);
		v = xs_read(xs, XBT_NULL, req, &len);
		if (!v)
			continue;
		n = sscanf(v, "%lu %15s %u", &seq, op, &port);
		free(v);
		/* A watch may fire again for a request already answered:
		 * carrying it out twice would map a port twice. */
		if (n != 3 || seq == last)
			continue;
		last = seq;
		ret = handle(domid, op, port);
		snprintf(out, sizeof(out), "%lu %d", seq, ret);
		if (!xs_write(xs, XBT_NULL, resp, out, strlen(out)))
			fprintf(stderr, "xslisten: write %s: %s\n", resp,
				strerror(errno));
	}
	/* The scheduler's view of this thread (bench/listen.sh): on CPU
	 * and runnable-but-waiting, ns. */
	f = fopen("/proc/thread-self/schedstat", "r");
	if (!f || fscanf(f, "%llu %llu", &run, &wait) != 2)
		run = wait = 0;
	if (f)
		fclose(f);
	fprintf(stderr,
		"xslisten: listen %lu, unlisten %lu, failed %lu, "
		"run_ms=%llu wait_ms=%llu\n",
		n_listen, n_unlisten, n_failed, run / 1000000, wait / 1000000);
	xs_close(xs);
	return 0;
}
