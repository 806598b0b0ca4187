// SPDX-License-Identifier: GPL-2.0
/*
 * ipcbench: IPC between two app VMs, through fcapsule.ko's in-kernel
 * relay (fc_send/fc_recv) and through a XenStore relay in Dom0 (the
 * paper's way: the sender writes its data/fcipc/tx node, bench/xsrelay
 * copies it into the receiver's data/fcipc/rx node, watches wake both).
 *
 *   ipcbench server
 *   ipcbench client SERVER LAT_N N4K N64K XS_LAT_N XS_N4K XS_N64K
 *
 * The client prints one line (µs, MB/s):
 *   FC-IPCBENCH lat_n=.. lat_med=.. lat_p99=.. tp4k=.. tp64k=..
 *               xs_lat_n=.. xs_lat_med=.. xs_lat_p99=.. xs_tp4k=.. xs_tp64k=..
 * Latency: 64-byte ping answered by a 64-byte echo (round trip).
 * Throughput: N messages streamed, then one small request whose answer
 * says all arrived (the relay path); the XenStore path carries a message
 * as 960-byte hex chunks, each acknowledged (one node per direction).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fc.h>
#include <fc/stats.h>
#include <fcos/arch.h>
#include <fcos/sched.h>
#include <fcos/time.h>
#include <fcos/xenbus.h>

#define MSG_MAX 65536
#define XS_CHUNK \
	960 /* bytes per write: 1920 hex chars (domU node quota 2048) */
#define TIMEOUT_NS (120 * FCOS_NSEC_PER_SEC)

enum { PING = 'P', DATA = 'D', END = 'E', ACK = 'A', XS = 'X' };

static uint8_t buf[MSG_MAX], rbuf[MSG_MAX];
static char hex[2 * XS_CHUNK + 64];

/* MB/s (10^6 bytes) with two decimals. */
static const char *mbps(uint64_t bytes, uint64_t ns, char *b)
{
	uint64_t x = ns ? bytes * 100000ULL / ns * 10 : 0; /* 0.01 MB/s */

	snprintf(b, 24, "%llu.%02llu", (unsigned long long)(x / 100),
		 (unsigned long long)(x % 100));
	return b;
}

/* ---- the fcapsule relay ------------------------------------------- */

static int relay_server(void)
{
	uint32_t src;
	int len;

	for (;;) {
		len = fc_recv(&src, buf, sizeof(buf), FC_IPC_FOREVER);
		if (len < 1)
			continue;
		if (buf[0] == PING)
			fc_send(src, buf, len);
		else if (buf[0] == END)
			fc_send(src, (const uint8_t[]){ ACK }, 1);
		else if (buf[0] == XS) {
			fc_send(src, (const uint8_t[]){ ACK }, 1);
			return 0;
		}
	}
}

static int wait_ack(uint32_t peer)
{
	uint32_t src;
	int len = fc_recv(&src, rbuf, sizeof(rbuf), TIMEOUT_NS);

	return len >= 1 && src == peer && rbuf[0] == ACK ? 0 : -1;
}

static int relay_latency(uint32_t peer, int n, uint64_t *t)
{
	uint32_t src;

	memset(buf, 0x5a, 64);
	buf[0] = PING;
	for (int i = -10; i < n; i++) {
		uint64_t t0 = fcos_rdtsc();
		int rc = fc_send(peer, buf, 64);

		if (rc || fc_recv(&src, rbuf, sizeof(rbuf), TIMEOUT_NS) != 64)
			return -1;
		if (i >= 0)
			t[i] = fcos_tsc_to_ns(fcos_rdtsc() - t0);
	}
	return 0;
}

static uint64_t relay_throughput(uint32_t peer, int n, uint32_t size)
{
	uint64_t t0 = fcos_monotonic_ns();

	memset(buf, 0xa5, size);
	buf[0] = DATA;
	for (int i = 0; i < n; i++)
		if (fc_send(peer, buf, size))
			return 0;
	buf[0] = END;
	if (fc_send(peer, buf, 1) || wait_ack(peer))
		return 0;
	return fcos_monotonic_ns() - t0;
}

/* ---- the XenStore relay (bench/xsrelay in Dom0) -------------------- */

static struct fcos_xs_watch xw;
static unsigned long xs_seq;

static void to_hex(char *out, const uint8_t *p, uint32_t n)
{
	static const char d[] = "0123456789abcdef";

	for (uint32_t i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Wait for data/fcipc/rx to hold a value starting with "SEQ "; returns
 * it (malloc'd) or NULL. */
static char *xs_wait(unsigned long seq)
{
	uint64_t dl = fcos_monotonic_ns() + TIMEOUT_NS;
	char want[24], *v = NULL;
	size_t wl;

	snprintf(want, sizeof(want), "%lu ", seq);
	wl = strlen(want);
	for (;;) {
		if (!fcos_xs_read(FCOS_XS_NO_TRANSACTION, "data/fcipc/rx",
				  &v)) {
			if (!strncmp(v, want, wl))
				return v;
			free(v);
		}
		if (fcos_monotonic_ns() > dl)
			return NULL;
		/* A lost watch event costs a slow sample, not a hang. */
		fcos_xs_wait_watch(&xw, fcos_monotonic_ns() + FCOS_NSEC_PER_SEC,
				   NULL);
	}
}

/* Send one chunk as "SEQ TYPE HEX" and wait for the answer. */
static char *xs_call(char type, const uint8_t *p, uint32_t n)
{
	static char val[2 * XS_CHUNK + 80];
	unsigned long seq = ++xs_seq;

	to_hex(hex, p, n);
	snprintf(val, sizeof(val), "%lu %c %s", seq, type, hex);
	if (fcos_xs_write(FCOS_XS_NO_TRANSACTION, "data/fcipc/tx", val))
		return NULL;
	return xs_wait(seq);
}

static int xs_setup(void)
{
	/* rx is ours first, so that we can read what Dom0 writes there. */
	int rc = fcos_xs_write(FCOS_XS_NO_TRANSACTION, "data/fcipc/rx", "0");

	rc = rc ?: fcos_xs_write(FCOS_XS_NO_TRANSACTION, "data/fcipc/tx", "0");
	rc = rc ?: fcos_xs_watch(&xw, "data/fcipc/rx", "fcipc");
	if (!rc)
		fcos_xs_wait_watch(&xw, fcos_monotonic_ns() + FCOS_NSEC_PER_SEC,
				   NULL);
	return rc;
}

static int xs_server(void)
{
	char *v, *val, *sp;
	unsigned long last = 0, seq;

	for (;;) {
		fcos_xs_wait_watch(&xw, fcos_monotonic_ns() + FCOS_NSEC_PER_SEC,
				   NULL);
		if (fcos_xs_read(FCOS_XS_NO_TRANSACTION, "data/fcipc/rx", &v))
			continue;
		seq = strtoul(v, NULL, 10);
		if (seq == last || seq == 0 || strlen(v) < 3) {
			free(v);
			continue;
		}
		last = seq;
		sp = strchr(v, ' ');
		if (sp && sp[1] == PING) { /* echo the ping back */
			fcos_xs_write(FCOS_XS_NO_TRANSACTION, "data/fcipc/tx",
				      v);
		} else {
			val = hex;
			snprintf(val, 32, "%lu A", seq);
			fcos_xs_write(FCOS_XS_NO_TRANSACTION, "data/fcipc/tx",
				      val);
		}
		free(v);
	}
	return 0;
}

static int xs_latency(int n, uint64_t *t)
{
	memset(buf, 0x5a, 64);
	for (int i = -3; i < n; i++) {
		uint64_t t0 = fcos_rdtsc();
		char *v = xs_call(PING, buf, 64);

		if (!v)
			return -1;
		free(v);
		if (i >= 0)
			t[i] = fcos_tsc_to_ns(fcos_rdtsc() - t0);
	}
	return 0;
}

static uint64_t xs_throughput(int n, uint32_t size)
{
	uint64_t t0 = fcos_monotonic_ns();

	memset(buf, 0xa5, size);
	for (int i = 0; i < n; i++)
		for (uint32_t off = 0; off < size; off += XS_CHUNK) {
			uint32_t c =
				size - off < XS_CHUNK ? size - off : XS_CHUNK;
			char *v = xs_call(DATA, buf + off, c);

			if (!v)
				return 0;
			free(v);
		}
	return fcos_monotonic_ns() - t0;
}

static int client(int argc, char **argv)
{
	uint32_t peer = (uint32_t)strtoul(argv[2], NULL, 10);
	int lat_n = atoi(argv[3]), n4k = atoi(argv[4]), n64k = atoi(argv[5]);
	int xs_n = atoi(argv[6]), xs4k = atoi(argv[7]), xs64k = atoi(argv[8]);
	uint64_t *lt = malloc(sizeof(uint64_t) * (lat_n + xs_n + 2));
	uint64_t *xt = lt + lat_n + 1, t4, t64, x4, x64;
	struct fc_stats_summary l, x;
	char b[10][24];
	int rc;

	(void)argc;
	if (!lt || lat_n < 1 || xs_n < 1)
		return 2;
	/* Wait for the server and for the pair to be allowed. */
	buf[0] = END;
	for (int i = 0; (rc = fc_send(peer, buf, 1)); i++) {
		if (i > 600) {
			printf("FC-IPCBENCH no server: %d\n", rc);
			return 1;
		}
		fcos_sleep_ns(100 * FCOS_NSEC_PER_MSEC);
	}
	if (wait_ack(peer)) {
		printf("FC-IPCBENCH server did not answer\n");
		return 1;
	}
	if (relay_latency(peer, lat_n, lt)) {
		printf("FC-IPCBENCH relay latency failed\n");
		return 1;
	}
	printf("ipcbench: relay latency done\n");
	t4 = relay_throughput(peer, n4k, 4096);
	t64 = relay_throughput(peer, n64k, 65536);
	if (!t4 || !t64) {
		printf("FC-IPCBENCH relay throughput failed\n");
		return 1;
	}
	printf("ipcbench: relay throughput done\n");

	if (xs_setup()) {
		printf("FC-IPCBENCH xenstore setup failed\n");
		return 1;
	}
	buf[0] = XS; /* the server switches to the XenStore path */
	if (fc_send(peer, buf, 1) || wait_ack(peer)) {
		printf("FC-IPCBENCH server did not switch\n");
		return 1;
	}
	if (xs_latency(xs_n, xt)) {
		printf("FC-IPCBENCH xenstore latency failed\n");
		return 1;
	}
	x4 = xs_throughput(xs4k, 4096);
	x64 = xs_throughput(xs64k, 65536);
	if (!x4 || !x64) {
		printf("FC-IPCBENCH xenstore throughput failed\n");
		return 1;
	}
	fc_stats_summarize(lt, lat_n, &l);
	fc_stats_summarize(xt, xs_n, &x);
	printf("FC-IPCBENCH lat_n=%d lat_med=%s lat_p99=%s tp4k=%s tp64k=%s "
	       "xs_lat_n=%d xs_lat_med=%s xs_lat_p99=%s xs_tp4k=%s "
	       "xs_tp64k=%s n4k=%d n64k=%d xs_n4k=%d xs_n64k=%d\n",
	       lat_n, fc_stats_us(l.med, b[0]), fc_stats_us(l.p99, b[1]),
	       mbps(4096ULL * n4k, t4, b[2]), mbps(65536ULL * n64k, t64, b[3]),
	       xs_n, fc_stats_us(x.med, b[4]), fc_stats_us(x.p99, b[5]),
	       mbps(4096ULL * xs4k, x4, b[6]),
	       mbps(65536ULL * xs64k, x64, b[7]), n4k, n64k, xs4k, xs64k);
	return 0;
}

int main(int argc, char **argv)
{
	if (fc_wait_connected(120 * FCOS_NSEC_PER_SEC)) {
		printf("FC-IPCBENCH not connected\n");
		return 1;
	}
	if (argc == 2 && !strcmp(argv[1], "server")) {
		if (xs_setup()) {
			printf("FC-IPCBENCH xenstore setup failed\n");
			return 1;
		}
		printf("FC-IPCBENCH-SERVER-READY\n");
		relay_server();
		printf("ipcbench: XenStore phase\n");
		return xs_server();
	}
	if (argc == 9 && !strcmp(argv[1], "client"))
		return client(argc, argv);
	printf("usage: ipcbench server | client SERVER LAT_N N4K N64K "
	       "XS_LAT_N XS_N4K XS_N64K\n");
	return 2;
}
