// SPDX-License-Identifier: GPL-2.0
/*
 * xsrelay: the Dom0 side of the XenStore IPC baseline (apps/ipcbench):
 * the paper's OS-server relay.  Watches data/fcipc/tx of two domains and
 * copies each new value there into the other one's data/fcipc/rx.
 *
 *   xsrelay DOMID_A DOMID_B   (runs until killed or a domain is gone)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

int main(int argc, char **argv)
{
	char tx[2][160], rx[2][160], dom[2][64];
	struct xs_handle *xs;
	unsigned long relayed = 0;
	unsigned int num, len;

	if (argc != 3) {
		fprintf(stderr, "usage: xsrelay DOMID_A DOMID_B\n");
		return 2;
	}
	for (int i = 0; i < 2; i++) {
		snprintf(dom[i], sizeof(dom[i]), "/local/domain/%s",
			 argv[1 + i]);
		snprintf(tx[i], sizeof(tx[i]), "%s/data/fcipc/tx", dom[i]);
		snprintf(rx[i], sizeof(rx[i]), "%s/data/fcipc/rx", dom[i]);
	}
	xs = xs_open(0);
	if (!xs) {
		perror("xsrelay: xs_open");
		return 1;
	}
	if (!xs_watch(xs, tx[0], "0") || !xs_watch(xs, tx[1], "1") ||
	    !xs_watch(xs, dom[0], "d") || !xs_watch(xs, dom[1], "d")) {
		perror("xsrelay: xs_watch");
		return 1;
	}
	for (;;) {
		char **ev = xs_read_watch(xs, &num);
		char *v;
		int from;

		if (!ev)
			break;
		if (!strcmp(ev[XS_WATCH_TOKEN], "d")) {
			free(ev);
			for (int i = 0; i < 2; i++) {
				v = xs_read(xs, XBT_NULL, dom[i], &len);
				if (!v && errno == ENOENT)
					goto out; /* a domain is gone */
				free(v);
			}
			continue;
		}
		from = ev[XS_WATCH_TOKEN][0] == '1';
		free(ev);
		v = xs_read(xs, XBT_NULL, tx[from], &len);
		if (!v)
			continue;
		/* "0" is the initial value each side writes: not a message. */
		if (!(len == 1 && v[0] == '0')) {
			if (xs_write(xs, XBT_NULL, rx[!from], v, len))
				relayed++;
			else
				fprintf(stderr, "xsrelay: write %s: %s\n",
					rx[!from], strerror(errno));
		}
		free(v);
	}
out:
	fprintf(stderr, "xsrelay: relayed %lu\n", relayed);
	xs_close(xs);
	return 0;
}
