// SPDX-License-Identifier: GPL-2.0
/*
 * xsnop: the Dom0 side of the XenStore NOP baseline (apps/nopbench): the
 * paper's OS-server path.  Watches /local/domain/<domid>/data/fcnop/req
 * and writes each value it reads there back to .../resp.
 *
 *   xsnop DOMID        (runs until killed, or until the domain is gone)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

int main(int argc, char **argv)
{
	char req[128], resp[128], dom[64];
	struct xs_handle *xs;
	unsigned int num, len;
	unsigned long answered = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: xsnop DOMID\n");
		return 2;
	}
	snprintf(dom, sizeof(dom), "/local/domain/%s", argv[1]);
	snprintf(req, sizeof(req), "%s/data/fcnop/req", dom);
	snprintf(resp, sizeof(resp), "%s/data/fcnop/resp", dom);
	xs = xs_open(0);
	if (!xs) {
		perror("xsnop: xs_open");
		return 1;
	}
	if (!xs_watch(xs, req, "req") || !xs_watch(xs, dom, "dom")) {
		perror("xsnop: xs_watch");
		return 1;
	}
	for (;;) {
		char **ev = xs_read_watch(xs, &num);
		char *v;

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
		if (xs_write(xs, XBT_NULL, resp, v, len))
			answered++;
		else
			fprintf(stderr, "xsnop: write %s: %s\n", resp,
				strerror(errno));
		free(v);
	}
	fprintf(stderr, "xsnop: answered %lu\n", answered);
	xs_close(xs);
	return 0;
}
