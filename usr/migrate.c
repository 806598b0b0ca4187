// SPDX-License-Identifier: GPL-2.0
/*
 * Migration of an app VM to another instance (docs/migrate.md): libxl's
 * save stream (live pre-copy, or stop-and-copy) over a TCP connection
 * into a restore on the other instance's Dom0, as fork.c streams a
 * checkpoint into a restore through a pipe.
 *
 * The connection is authenticated before any stream byte: both sides
 * hold a shared key, the receiver sends a challenge, the sender answers
 * with an HMAC-SHA256 over both nonces and its header (name, address,
 * libxl configuration), and the receiver proves itself the same way.
 *
 * Only one copy ever runs: the receiver builds the domain paused and says
 * so; the sender tells it to go, never resumes its own suspended copy
 * after that, and destroys it once the receiver says it runs.  A failure
 * before that (refused, destination gone mid-stream) resumes the source
 * in place (a cancelled suspend) and destroys what the receiver made.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "cmd.h"
#include "xl.h"

#define FC_MIG_PORT	   7802
#define FC_MIG_KEY_DEFAULT "/var/lib/fcapsule/migrate.key"
#define FC_MIG_MAGIC	   "FCMIG1"
#define FC_MIG_NONCE	   32
#define FC_MIG_MAC	   32
#define FC_MIG_KEY_MIN	   16
#define FC_MIG_KEY_MAX	   256
#define FC_MIG_HDR_MAX	   (256 * 1024)
#define FC_MIG_AUTH_S	   20 /* the handshake's reads, seconds */

/* One-byte messages after the handshake. */
#define FC_MIG_READY   'R' /* authenticated, the domain can be taken */
#define FC_MIG_REFUSED 'A' /* authentication failed */
#define FC_MIG_ERROR   'E' /* + int32 errno */
#define FC_MIG_BUILT   'B' /* + uint32 domid: restored, paused */
#define FC_MIG_GO      'G' /* the sender destroyed its copy: run */
#define FC_MIG_RUNNING 'U'

/* IPC rules a migrating app VM takes along (docs/migrate.md) */
#define FC_MIG_IPC_RULES 64
#define FC_MIG_IPC_MAX	 (FC_MIG_IPC_RULES * 80)

struct fc_mig_key {
	unsigned char k[FC_MIG_KEY_MAX];
	size_t len;
};

static const char *fc_mig_key_path(const char *opt)
{
	const char *env = getenv("FC_MIGRATE_KEY");

	if (opt)
		return opt;
	return env && *env ? env : FC_MIG_KEY_DEFAULT;
}

/* The shared key: a file only root may read, 16..256 bytes. */
static int fc_mig_key_load(const char *path, struct fc_mig_key *key)
{
	struct stat st;
	FILE *f = fopen(path, "rb");
	int ret = 0;

	if (!f) {
		fprintf(stderr, "fcapsule: migration key %s: %s\n", path,
			strerror(errno));
		return -errno;
	}
	if (fstat(fileno(f), &st) || (st.st_mode & 077)) {
		fprintf(stderr,
			"fcapsule: migration key %s must not be readable by "
			"group or others (chmod 600)\n",
			path);
		ret = -EPERM;
		goto out_close;
	}
	key->len = fread(key->k, 1, sizeof(key->k), f);
	if (key->len < FC_MIG_KEY_MIN || !feof(f)) {
		fprintf(stderr,
			"fcapsule: migration key %s: %d to %d bytes wanted\n",
			path, FC_MIG_KEY_MIN, FC_MIG_KEY_MAX);
		ret = -EINVAL;
	}
out_close:
	fclose(f);
	return ret;
}

/* HMAC-SHA256(key, tag || a || b || c) */
static void fc_mig_mac(const struct fc_mig_key *key, const char *tag,
		       const unsigned char *a, const unsigned char *b,
		       const void *c, size_t clen, unsigned char *out)
{
	size_t tlen = strlen(tag), n = tlen + 2 * FC_MIG_NONCE + clen;
	unsigned char *msg = malloc(n);
	unsigned int olen = FC_MIG_MAC;

	if (!msg) {
		memset(out, 0, FC_MIG_MAC); /* matches no honest MAC */
		RAND_bytes(out, FC_MIG_MAC);
		return;
	}
	memcpy(msg, tag, tlen);
	memcpy(msg + tlen, a, FC_MIG_NONCE);
	memcpy(msg + tlen + FC_MIG_NONCE, b, FC_MIG_NONCE);
	if (clen)
		memcpy(msg + tlen + 2 * FC_MIG_NONCE, c, clen);
	HMAC(EVP_sha256(), key->k, (int)key->len, msg, n, out, &olen);
	OPENSSL_cleanse(msg, n);
	free(msg);
}

static int fc_mig_write(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		p += n;
		len -= n;
	}
	return 0;
}

static int fc_mig_read(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (!n)
			return -ECONNRESET;
		p += n;
		len -= n;
	}
	return 0;
}

static int fc_mig_send_msg(int fd, char type, uint32_t v)
{
	unsigned char m[5];

	m[0] = type;
	v = htonl(v);
	memcpy(m + 1, &v, 4);
	return fc_mig_write(
		fd, m, type == FC_MIG_ERROR || type == FC_MIG_BUILT ? 5 : 1);
}

/* A one-byte message (+ its 32-bit value for E and B). */
static int fc_mig_recv_msg(int fd, char *type, uint32_t *v)
{
	unsigned char t;
	int ret = fc_mig_read(fd, &t, 1);

	if (ret)
		return ret;
	*type = t;
	*v = 0;
	if (t == FC_MIG_ERROR || t == FC_MIG_BUILT) {
		ret = fc_mig_read(fd, v, 4);
		*v = ntohl(*v);
	}
	return ret;
}

static void fc_mig_timeout(int fd, int seconds)
{
	struct timeval tv = { .tv_sec = seconds };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static const char *fc_mig_strerror(int err)
{
	switch (err) {
	case EEXIST:
		return "the destination has an app VM of that name";
	case EADDRINUSE:
		return "the app VM's address is in use at the destination";
	case ENOMEM:
		return "not enough memory at the destination";
	case EACCES:
		return "the destination refused the key";
	default:
		return strerror(err);
	}
}

/* A libxl context whose log shows libxl's progress on a terminal. */
static int fc_mig_xl_open(struct fc_xl *x, int progress)
{
	const char *dbg = getenv("FC_DEBUG");
	xentoollog_level lvl = dbg && *dbg ? XTL_DEBUG
			       : progress  ? XTL_PROGRESS
					   : XTL_CRITICAL;

	memset(x, 0, sizeof(*x));
	x->lg = (xentoollog_logger *)xtl_createlogger_stdiostream(
		stderr, lvl,
		(progress ? XTL_STDIOSTREAM_PROGRESS_USE_CR : 0) |
			(dbg && *dbg ? XTL_STDIOSTREAM_SHOW_DATE : 0));
	if (!x->lg || libxl_ctx_alloc(&x->ctx, LIBXL_VERSION, 0, x->lg)) {
		fprintf(stderr, "fcapsule: cannot open libxl\n");
		goto out_close;
	}
	x->xs = xs_open(0);
	if (!x->xs) {
		fprintf(stderr, "fcapsule: cannot open xenstore\n");
		goto out_close;
	}
	return 0;
out_close:
	fc_xl_close(x);
	return FC_EXIT_XEN;
}

/* ---- the sender ---- */

struct fc_mig_opts {
	uint32_t domid;
	const char *host;
	const char *port;
	const char *key_path;
	int stop; /* --stop: no pre-copy */
	int progress;
};

static int fc_mig_connect(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int fd = -1, err, one = 1;

	err = getaddrinfo(host, port, &hints, &res);
	if (err) {
		fprintf(stderr, "fcapsule migrate: %s: %s\n", host,
			gai_strerror(err));
		return -EHOSTUNREACH;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0)
			continue;
		if (!connect(fd, ai->ai_addr, ai->ai_addrlen))
			break;
		err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		fprintf(stderr, "fcapsule migrate: %s:%s: %s\n", host, port,
			strerror(err ? err : ECONNREFUSED));
		return -ECONNREFUSED;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/*
 * "name=..\naddr=..\ngw=..\n\n<libxl config JSON>": gw is the gateway the
 * app VM has (its home instance's bridge address), which it keeps.
 */
/*
 * The IPC rules that name the app VM go with it, as "ipc=VERDICT A B"
 * lines of the header: the destination's module sets them before the app
 * VM runs there.  The source keeps its own (rules by name may be given
 * before an app VM of that name exists).
 */
static void fc_mig_ipc_lines(uint32_t domid, const char *name, char *out,
			     size_t len)
{
	char rules[FC_MIG_IPC_MAX], *line, *save = NULL;
	size_t off = 0;

	out[0] = '\0';
	if (fc_ipc_rules_of(domid, name, rules, sizeof(rules) / 2) <= 0)
		return;
	for (line = strtok_r(rules, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		off += snprintf(out + off, len - off, "ipc=%s\n", line);
}

static char *fc_mig_header(struct fc_xl *x, uint32_t domid, size_t *len)
{
	char name[FC_VMNAME_MAX] = "", addr[INET_ADDRSTRLEN] = "-", *json, *nm,
	     *hdr = NULL, gw[INET_ADDRSTRLEN] = "-", ipc[FC_MIG_IPC_MAX];
	libxl_domain_config cfg;
	uint32_t a, g;
	int n;

	libxl_domain_config_init(&cfg);
	if (libxl_retrieve_domain_configuration(x->ctx, domid, &cfg, NULL))
		goto out;
	json = libxl_domain_config_to_json(x->ctx, &cfg);
	if (!json)
		goto out;
	nm = libxl_domid_to_name(x->ctx, domid);
	snprintf(name, sizeof(name), "%s", nm ? nm : "");
	free(nm);
	if (cfg.num_nics && !fc_net_addr_of_dom(domid, &a, NULL, 0))
		inet_ntop(AF_INET, &a, addr, sizeof(addr));
	g = cfg.num_nics ? fc_devnode_gateway(x->xs, domid) : 0;
	if (g)
		inet_ntop(AF_INET, &g, gw, sizeof(gw));
	fc_mig_ipc_lines(domid, name, ipc, sizeof(ipc));
	n = asprintf(&hdr, "name=%s\naddr=%s\ngw=%s\n%s\n%s", name, addr, gw,
		     ipc, json);
	free(json);
	if (n < 0)
		hdr = NULL;
	else
		*len = (size_t)n + 1; /* with its NUL */
out:
	libxl_domain_config_dispose(&cfg);
	return hdr;
}

/* Challenge, answer, the receiver's proof: 0, or a negative errno. */
static int fc_mig_client_auth(int fd, const struct fc_mig_key *key,
			      const char *hdr, size_t hlen)
{
	unsigned char magic[sizeof(FC_MIG_MAGIC) - 1], ns[FC_MIG_NONCE],
		nc[FC_MIG_NONCE], mac[FC_MIG_MAC], want[FC_MIG_MAC];
	uint32_t be = htonl((uint32_t)hlen), v;
	char type;
	int ret;

	fc_mig_timeout(fd, FC_MIG_AUTH_S);
	ret = fc_mig_read(fd, magic, sizeof(magic))
		      ?: fc_mig_read(fd, ns, sizeof(ns));
	if (ret)
		return ret;
	if (memcmp(magic, FC_MIG_MAGIC, sizeof(magic)))
		return -EPROTO;
	if (RAND_bytes(nc, sizeof(nc)) != 1)
		return -EIO;
	fc_mig_mac(key, "fcmig1 sender", ns, nc, hdr, hlen, mac);
	ret = fc_mig_write(fd, nc, sizeof(nc)) ?: fc_mig_write(fd, &be, 4) ?:
		      fc_mig_write(fd, hdr, hlen) ?:
		      fc_mig_write(fd, mac, sizeof(mac));
	if (ret)
		return ret;
	ret = fc_mig_recv_msg(fd, &type, &v);
	if (ret)
		return ret;
	if (type == FC_MIG_REFUSED)
		return -EACCES;
	if (type == FC_MIG_ERROR)
		return -(int)v;
	if (type != FC_MIG_READY)
		return -EPROTO;
	ret = fc_mig_read(fd, mac, sizeof(mac));
	if (ret)
		return ret;
	fc_mig_mac(key, "fcmig1 receiver", nc, ns, NULL, 0, want);
	if (CRYPTO_memcmp(mac, want, sizeof(mac)))
		return -EACCES; /* not a holder of the key: send nothing */
	fc_mig_timeout(fd, 0);
	return 0;
}

static int fc_mig_suspended(struct fc_xl *x, uint32_t domid)
{
	libxl_dominfo info;
	int ret;

	libxl_dominfo_init(&info);
	ret = !libxl_domain_info(x->ctx, &info, domid) && info.shutdown &&
	      info.shutdown_reason == LIBXL_SHUTDOWN_REASON_SUSPEND;
	libxl_dominfo_dispose(&info);
	return ret;
}

/*
 * The app VM now runs on @peer.  If this is its home instance (it has our
 * bridge address as its gateway), its public ports stay here, forwarded
 * over the overlay; a guest leaving takes its masquerade with it.
 */
static void fc_mig_forward(struct fc_xl *x, uint32_t domid, uint32_t peer)
{
	uint32_t addr;
	int ret;

	if (fc_net_addr_of_dom(domid, &addr, NULL, 0))
		return;
	if (fc_devnode_gateway(x->xs, domid) != fc_net_gateway()) {
		fc_napt_snat_del(addr);
		return;
	}
	ret = peer ? fc_napt_forward_app(domid, peer) : -EINVAL;
	if (ret < 0)
		fprintf(stderr,
			"fcapsule migrate: its public ports are not forwarded: "
			"%s\n",
			strerror(-ret));
}

/* Destroy the source's copy and everything the OS server held for it. */
static void fc_mig_forget_source(struct fc_xl *x, uint32_t domid)
{
	fc_devnode_remove(x->xs, domid); /* first: the reaper skips it */
	fc_xl_destroy(x, domid);
	fc_napt_del_app(domid, 0);
	fc_net_addr_release_dom(domid);
	fc_exit_rec_remove(domid);
}

/*
 * It runs there: its old vif leaves this bridge now, not at the destroy
 * that follows (seconds), so that frames for its MAC go over the overlay
 * at once.  No vif (--no-net): nothing to do.
 */
static void fc_mig_leave_bridge(uint32_t domid)
{
	char ifname[IF_NAMESIZE + 8];
	int err;

	fc_net_vif_name(domid, ifname, sizeof(ifname));
	err = fc_net_vif_detach(ifname);
	if (err && err != -ENODEV)
		fprintf(stderr,
			"fcapsule migrate: %s stays on the bridge: %s\n",
			ifname, strerror(-err));
}

/* The destination Dom0's IPv4 address (network order), 0 if not IPv4. */
static uint32_t fc_mig_peer_addr(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &sl) ||
	    ss.ss_family != AF_INET)
		return 0;
	return ((struct sockaddr_in *)&ss)->sin_addr.s_addr;
}

static int fc_migrate(struct fc_xl *x, const struct fc_mig_opts *o,
		      uint32_t *remote)
{
	libxl_physinfo phys;
	struct fc_mig_key key;
	size_t hlen = 0;
	char *hdr, type;
	int fd, ret, live = !o->stop, flags;
	uint32_t v;

	if (!fc_devnode_exists(x->xs, o->domid))
		return -ESRCH;
	ret = fc_mig_key_load(fc_mig_key_path(o->key_path), &key);
	if (ret)
		return -ENOKEY;
	libxl_physinfo_init(&phys);
	if (live && !libxl_get_physinfo(x->ctx, &phys) && !phys.cap_shadow) {
		fprintf(stderr,
			"fcapsule migrate: this hypervisor has no shadow "
			"paging (no log-dirty for PV): migrating stopped, not "
			"live\n");
		live = 0;
	}
	libxl_physinfo_dispose(&phys);
	hdr = fc_mig_header(x, o->domid, &hlen);
	if (!hdr) {
		ret = -EIO;
		goto out_key;
	}
	fd = fc_mig_connect(o->host, o->port);
	if (fd < 0) {
		ret = fd;
		goto out_free;
	}
	ret = fc_mig_client_auth(fd, &key, hdr, hlen);
	if (ret)
		goto out_close;

	signal(SIGPIPE, SIG_IGN); /* a dead receiver is an error, not a kill */
	/* from its suspend until it runs there, new connections wait here */
	fc_hold_dom(o->domid, FC_HOLD_MIGRATE_MS);
	flags = live ? LIBXL_SUSPEND_LIVE : 0;
	ret = libxl_domain_suspend(x->ctx, o->domid, fd, flags, NULL) ? -EIO
								      : 0;
	if (!ret)
		ret = fc_mig_recv_msg(fd, &type, &v);
	if (!ret && type == FC_MIG_ERROR)
		ret = -(int)v;
	else if (!ret && type != FC_MIG_BUILT)
		ret = -EPROTO;
	if (ret)
		goto out_resume;
	*remote = v;
	/*
	 * The receiver holds a complete paused copy: it runs as soon as it
	 * is told, and ours (suspended, never resumed from here on) goes
	 * after, so that its teardown is not downtime.  Without the
	 * receiver's word that it runs, ours is left suspended: resuming it
	 * could make two, destroying it none.
	 */
	ret = fc_mig_send_msg(fd, FC_MIG_GO, 0)
		      ?: fc_mig_recv_msg(fd, &type, &v);
	if (!ret && type != FC_MIG_RUNNING)
		ret = type == FC_MIG_ERROR ? -(int)v : -EPROTO;
	if (ret) {
		fprintf(stderr,
			"fcapsule migrate: the destination did not confirm "
			"that dom%u runs there (%s); dom%u is left suspended "
			"here\n",
			*remote, strerror(-ret), o->domid);
		ret = -EINPROGRESS;
		goto out_close;
	}
	fc_mig_leave_bridge(o->domid);
	fc_mig_forward(x, o->domid, fc_mig_peer_addr(fd));
	fc_hold_dom(o->domid, FC_HOLD_TAIL_MS); /* while it resumes there */
	fc_mig_forget_source(x, o->domid);
	goto out_close;

out_resume:
	fc_unhold_dom(o->domid);
	if (fc_mig_suspended(x, o->domid) &&
	    libxl_domain_resume(x->ctx, o->domid, 1, NULL))
		fprintf(stderr,
			"fcapsule migrate: dom%u could not be resumed\n",
			o->domid);
out_close:
	close(fd);
out_free:
	free(hdr);
out_key:
	OPENSSL_cleanse(&key, sizeof(key));
	return ret;
}

static int fc_mig_exit(int err)
{
	switch (err) {
	case -ESRCH:
		return FC_EXIT_NO_APP;
	case -EEXIST:
		return FC_EXIT_NAME_USED;
	case -ENOMEM:
		return FC_EXIT_NO_MEMORY;
	default:
		return FC_EXIT_FAIL;
	}
}

/* fcapsule migrate ID|NAME HOST[:PORT] [--live|--stop] [--key FILE] */
int main_migrate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "live", no_argument, NULL, 'l' },
		{ "stop", no_argument, NULL, 's' },
		{ "key", required_argument, NULL, 'k' },
		{ "progress", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct fc_mig_opts o = { .progress = isatty(STDERR_FILENO) };
	char host[256], port[16], *colon;
	uint32_t remote = 0;
	double t0;
	struct fc_xl x;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			o.stop = 0;
			break;
		case 's':
			o.stop = 1;
			break;
		case 'k':
			o.key_path = optarg;
			break;
		case 'p':
			o.progress = 1;
			break;
		default:
			return FC_EXIT_USAGE;
		}
	}
	if (optind != argc - 2)
		return fc_usage_error("migrate", "expected ID|NAME and HOST");
	snprintf(host, sizeof(host), "%s", argv[optind + 1]);
	snprintf(port, sizeof(port), "%d", FC_MIG_PORT);
	colon = strrchr(host, ':');
	if (colon) {
		unsigned long p;

		if (fc_parse_ulong(colon + 1, 1, 65535, &p)) {
			fprintf(stderr, "fcapsule migrate: bad port in '%s'\n",
				argv[optind + 1]);
			return FC_EXIT_USAGE;
		}
		*colon = '\0';
		snprintf(port, sizeof(port), "%lu", p);
	}
	o.host = host;
	o.port = port;
	ret = fc_check_root() ?: fc_check_module() ?:
				 fc_mig_xl_open(&x, o.progress);
	if (ret)
		return ret;
	ret = fc_xl_resolve(&x, argv[optind], &o.domid);
	if (ret)
		goto out_close;
	t0 = fc_monotonic_s();
	ret = fc_migrate(&x, &o, &remote);
	if (ret == -EINPROGRESS) {
		ret = FC_EXIT_FAIL;
		goto out_close;
	}
	if (ret) {
		fprintf(stderr,
			"fcapsule migrate: %s: %s; it runs here still\n",
			argv[optind], fc_mig_strerror(-ret));
		ret = ret == -ENOKEY ? FC_EXIT_FAIL : fc_mig_exit(ret);
		goto out_close;
	}
	printf("%u\n", remote);
	fprintf(stderr, "migrate: dom%u -> %s dom%u in %.1f s\n", o.domid, host,
		remote, fc_monotonic_s() - t0);
	ret = FC_EXIT_OK;
out_close:
	fc_xl_close(&x);
	return ret;
}

/* ---- the receiver ---- */

struct fc_mig_in {
	char name[FC_VMNAME_MAX];
	uint32_t addr; /* network order, 0: no vif */
	uint32_t gw;   /* its gateway, 0: ours */
	int ended;     /* not a migration: the app VM ended where it ran */
	char *json;
	char *ipc[FC_MIG_IPC_RULES]; /* "VERDICT A B", in the header */
	int nipc;
};

/* The IPC rules that came with it, set before it runs here. */
static void fc_mig_take_ipc(const struct fc_mig_in *in, const char *peer)
{
	int i, set = 0;

	for (i = 0; i < in->nipc; i++) {
		int err = fc_ipc_rule_apply(in->ipc[i]);

		if (err)
			fprintf(stderr,
				"migrate-receive: %s: IPC rule '%s' of %s not "
				"set: %s\n",
				peer, in->ipc[i], in->name, strerror(-err));
		else
			set++;
	}
	if (in->nipc) {
		printf("migrate-receive: %s: %s brought %d IPC rule(s)\n", peer,
		       in->name, set);
		fflush(stdout);
	}
}

static int fc_mig_parse_header(char *hdr, size_t len, struct fc_mig_in *in)
{
	char *body, *line, *save = NULL;
	struct in_addr a;

	if (!len || hdr[len - 1] != '\0')
		return -EPROTO;
	body = strstr(hdr, "\n\n");
	if (!body)
		return -EPROTO;
	*body = '\0';
	in->json = body + 2;
	for (line = strtok_r(hdr, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "name=", 5))
			snprintf(in->name, sizeof(in->name), "%s", line + 5);
		else if (!strncmp(line, "addr=", 5) && strcmp(line + 5, "-") &&
			 inet_pton(AF_INET, line + 5, &a) == 1)
			in->addr = a.s_addr;
		else if (!strncmp(line, "gw=", 3) && strcmp(line + 3, "-") &&
			 inet_pton(AF_INET, line + 3, &a) == 1)
			in->gw = a.s_addr;
		else if (!strcmp(line, "ended=1"))
			in->ended = 1;
		else if (!strncmp(line, "ipc=", 4) &&
			 in->nipc < FC_MIG_IPC_RULES)
			in->ipc[in->nipc++] = line + 4;
	}
	return fc_name_valid(in->name) ? 0 : -EPROTO;
}

/*
 * The handshake, receiving side: the header is read into *@hdr only if
 * its MAC is right (then 0); -EACCES when it is not.
 */
static int fc_mig_server_auth(int fd, const struct fc_mig_key *key, char **hdr,
			      size_t *hlen, unsigned char *ns,
			      unsigned char *nc)
{
	unsigned char mac[FC_MIG_MAC], want[FC_MIG_MAC];
	uint32_t be;
	char *h;
	int ret;

	if (RAND_bytes(ns, FC_MIG_NONCE) != 1)
		return -EIO;
	fc_mig_timeout(fd, FC_MIG_AUTH_S);
	ret = fc_mig_write(fd, FC_MIG_MAGIC, sizeof(FC_MIG_MAGIC) - 1) ?:
		      fc_mig_write(fd, ns, FC_MIG_NONCE) ?:
		      fc_mig_read(fd, nc, FC_MIG_NONCE) ?:
		      fc_mig_read(fd, &be, 4);
	if (ret)
		return ret;
	*hlen = ntohl(be);
	if (*hlen == 0 || *hlen > FC_MIG_HDR_MAX)
		return -EACCES; /* before any MAC: say nothing more */
	h = malloc(*hlen);
	if (!h)
		return -ENOMEM;
	ret = fc_mig_read(fd, h, *hlen) ?: fc_mig_read(fd, mac, sizeof(mac));
	if (!ret) {
		fc_mig_mac(key, "fcmig1 sender", ns, nc, h, *hlen, want);
		if (CRYPTO_memcmp(mac, want, sizeof(mac)))
			ret = -EACCES;
	}
	if (ret) {
		free(h);
		return ret;
	}
	*hdr = h;
	return 0;
}

/*
 * The restored domain's identity here, while it is paused.  It keeps its
 * gateway; a guest (whose gateway is another instance's) has its address
 * in relayed, so that what our NAPT sends it answers back through us.
 */
static int fc_mig_identity(struct fc_xl *x, uint32_t domid,
			   const struct fc_mig_in *in, const char *peer)
{
	struct fc_napt_entry g = { .addr = in->addr };
	struct in_addr home = { 0 };

	if (in->addr && fc_net_addr_bind(in->addr, domid))
		return -EIO;
	if (fc_devnode_add(x->xs, domid, 0))
		return -EIO;
	if (in->addr && fc_devnode_set_net_gw(x->xs, domid, in->addr, in->gw))
		return -EIO;
	if (in->addr && in->gw && in->gw != fc_net_gateway()) {
		inet_pton(AF_INET, peer, &home);
		g.home = home.s_addr;
		snprintf(g.name, sizeof(g.name), "%s", in->name);
		if (fc_napt_init() || fc_napt_snat_add(&g))
			printf("migrate-receive: %s: no masquerade for the "
			       "guest %s\n",
			       peer, in->name);
	}
	fc_exit_rec_remove(domid); /* of an earlier domain with this id */
	return 0;
}

static int fc_mig_config(struct fc_xl *x, const struct fc_mig_in *in,
			 libxl_domain_config *cfg)
{
	struct fc_napt_conf conf;

	if (libxl_domain_config_from_json(x->ctx, cfg, in->json))
		return -EPROTO;
	cfg->c_info.domid = INVALID_DOMID;
	free(cfg->c_info.name);
	cfg->c_info.name = strdup(in->name);
	if (!cfg->c_info.name)
		return -ENOMEM;
	if (cfg->num_nics > 1)
		return -EOPNOTSUPP; /* app VMs have one vif */
	if (cfg->num_nics) {
		fc_net_conf(&conf);
		free(cfg->nics[0].bridge);
		cfg->nics[0].bridge = strdup(conf.bridge);
		free(cfg->nics[0].ifname); /* libxl names the new vif */
		cfg->nics[0].ifname = NULL;
		if (!cfg->nics[0].bridge)
			return -ENOMEM;
	}
	return 0;
}

/* Tell the listener what to undo should this process die. */
static void fc_mig_tell(int report, const char *fmt, const char *name,
			uint32_t v)
{
	char line[128];
	int n = snprintf(line, sizeof(line), fmt, name, v);

	if (report >= 0 && n > 0)
		fc_mig_write(report, line, (size_t)n);
}

/*
 * An app VM that had left us for @peer ended there: the ports we forward
 * to it over the overlay (to @peer only) are unmapped.
 */
static void fc_mig_ended(const struct fc_mig_in *in, const char *peer)
{
	struct in_addr p = { 0 };
	int ret;

	if (!in->addr || inet_pton(AF_INET, peer, &p) != 1)
		return;
	ret = fc_napt_unforward(in->addr, p.s_addr);
	printf("migrate-receive: %s: %s ended there: %d forwarded port(s) "
	       "unmapped%s%s\n",
	       peer, in->name, ret < 0 ? 0 : ret, ret < 0 ? ": " : "",
	       ret < 0 ? strerror(-ret) : "");
}

/* One incoming migration, in a process of its own.  Exit status 0: ok. */
static int fc_mig_receive_one(int fd, const struct fc_mig_key *key,
			      const char *peer, int report)
{
	unsigned char ns[FC_MIG_NONCE], nc[FC_MIG_NONCE], mac[FC_MIG_MAC];
	libxl_domain_restore_params params;
	struct fc_mig_in in = { .name = "" };
	libxl_domain_config cfg;
	uint32_t domid = INVALID_DOMID, v;
	uint64_t free_kb = 0;
	char *hdr = NULL, type;
	size_t hlen = 0;
	struct fc_xl x;
	double t0;
	int ret, streaming = 0; /* no message can be sent in the stream */

	signal(SIGPIPE, SIG_IGN);
	libxl_domain_config_init(&cfg);
	libxl_domain_restore_params_init(&params);
	ret = fc_mig_server_auth(fd, key, &hdr, &hlen, ns, nc);
	if (ret == -EACCES) {
		printf("migrate-receive: %s: refused (bad key or header)\n",
		       peer);
		fc_mig_send_msg(fd, FC_MIG_REFUSED, 0);
		goto out_free;
	}
	if (ret) {
		printf("migrate-receive: %s: handshake: %s\n", peer,
		       strerror(-ret));
		goto out_free;
	}
	ret = fc_mig_parse_header(hdr, hlen, &in);
	if (ret)
		goto out_refuse;
	if (in.ended) {
		fc_mig_ended(&in, peer);
		fc_mig_mac(key, "fcmig1 receiver", nc, ns, NULL, 0, mac);
		if (!fc_mig_send_msg(fd, FC_MIG_READY, 0))
			fc_mig_write(fd, mac, sizeof(mac));
		goto out_free;
	}
	ret = fc_mig_xl_open(&x, 0) ? -EIO : 0;
	if (ret)
		goto out_refuse;
	ret = fc_mig_config(&x, &in, &cfg);
	if (!ret && fc_xl_name_in_use(&x, in.name))
		ret = -EEXIST;
	if (!ret && !libxl_get_free_memory(x.ctx, &free_kb) &&
	    free_kb < cfg.b_info.target_memkb + 2048)
		ret = -ENOMEM;
	if (!ret && in.addr)
		ret = fc_net_ensure() ? -EIO
				      : fc_net_addr_take(in.addr, in.name);
	if (ret)
		goto out_xl;
	fc_mig_tell(report, "take %s %u\n", in.name, in.addr);
	if (in.addr) /* its clients here wait while it cannot answer */
		fc_napt_hold(in.addr, FC_HOLD_MIGRATE_MS);
	printf("migrate-receive: %s: %s incoming\n", peer, in.name);
	fflush(stdout);
	fc_mig_mac(key, "fcmig1 receiver", nc, ns, NULL, 0, mac);
	ret = fc_mig_send_msg(fd, FC_MIG_READY, 0)
		      ?: fc_mig_write(fd, mac, sizeof(mac));
	if (ret)
		goto out_release;
	fc_mig_timeout(fd, 0);
	streaming = 1;

	t0 = fc_monotonic_s();
	params.stream_version = 2; /* what libxl_domain_suspend writes */
	if (libxl_domain_create_restore(x.ctx, &cfg, &domid, fd, -1, &params,
					NULL, NULL)) {
		ret = -EIO;
		goto out_destroy;
	}
	streaming = 0;
	fc_mig_tell(report, "domain %s %u\n", in.name, domid);
	ret = fc_mig_identity(&x, domid, &in, peer);
	if (ret)
		goto out_destroy;
	fc_mig_take_ipc(&in, peer);
	/* Built and paused: the sender may now let its copy go. */
	ret = fc_mig_send_msg(fd, FC_MIG_BUILT, domid)
		      ?: fc_mig_recv_msg(fd, &type, &v);
	if (!ret && type != FC_MIG_GO)
		ret = -EPROTO;
	if (ret)
		goto out_destroy;
	if (libxl_domain_unpause(x.ctx, domid, NULL)) {
		ret = -EIO;
		goto out_destroy;
	}
	fc_mig_tell(report, "running %s %u\n", in.name, domid);
	fc_mig_send_msg(fd, FC_MIG_RUNNING, 0);
	if (in.addr)
		fc_napt_hold(in.addr, FC_HOLD_TAIL_MS);
	printf("migrate-receive: %s: %s -> dom%u, stream %.1f s\n", peer,
	       in.name, domid, fc_monotonic_s() - t0);
	ret = 0;
	goto out_xl;

out_destroy:
	printf("migrate-receive: %s: %s failed: %s\n", peer, in.name,
	       strerror(-ret));
	if (domid != (uint32_t)INVALID_DOMID) {
		fc_xl_destroy(&x, domid);
		fc_devnode_remove(x.xs, domid);
		fc_net_addr_release_dom(domid);
	}
	if (in.addr && in.gw && in.gw != fc_net_gateway())
		fc_napt_snat_del(in.addr); /* the guest's, if it was added */
out_release:
	if (in.addr) {
		fc_napt_unhold(in.addr);
		fc_net_addr_release(in.addr);
	}
out_xl:
	fc_xl_close(&x);
out_refuse:
	if (ret && !streaming) {
		printf("migrate-receive: %s: %s refused: %s\n", peer,
		       in.name[0] ? in.name : "?", fc_mig_strerror(-ret));
		fc_mig_send_msg(fd, FC_MIG_ERROR, (uint32_t)-ret);
	}
out_free:
	fflush(stdout);
	free(hdr);
	libxl_domain_restore_params_dispose(&params);
	libxl_domain_config_dispose(&cfg);
	return ret ? 1 : 0;
}

/* The relayed element of a guest at @addr, if the identity step made it. */
static void fc_mig_drop_guest(uint32_t addr)
{
	struct fc_napt_entry *e = NULL;
	int i, n = 0;

	if (fc_napt_snat_list(&e, &n))
		return;
	for (i = 0; i < n; i++)
		if (e[i].addr == addr && e[i].home)
			fc_napt_snat_del(addr);
	free(e);
}

/*
 * A receiver killed mid-migration leaves what it had made: its reports
 * say what that was (the address taken, the domain built), and what was
 * not yet running is undone here.
 */
static void fc_mig_undo(const char *reports)
{
	char name[FC_VMNAME_MAX] = "", what[16];
	uint32_t addr = 0, domid = INVALID_DOMID, v;
	const char *p = reports;
	struct fc_xl x;
	int running = 0, n;

	while (sscanf(p, "%15s %63s %u\n%n", what, name, &v, &n) == 3) {
		if (!strcmp(what, "take"))
			addr = v;
		else if (!strcmp(what, "domain"))
			domid = v;
		else if (!strcmp(what, "running"))
			running = 1;
		p += n;
	}
	if (running || (!addr && domid == (uint32_t)INVALID_DOMID))
		return;
	printf("migrate-receive: undoing the incoming %s\n", name);
	if (fc_mig_xl_open(&x, 0))
		return;
	if (domid != (uint32_t)INVALID_DOMID) {
		fc_xl_destroy(&x, domid);
		fc_devnode_remove(x.xs, domid);
	} else if (!libxl_name_to_domid(x.ctx, name, &domid)) {
		/* killed inside the restore: libxl had made a domain (not an
		 * app VM yet: no device node) */
		fc_xl_destroy(&x, domid);
		fc_devnode_remove(x.xs, domid);
	}
	if (addr) {
		fc_mig_drop_guest(addr);
		fc_net_addr_release(addr);
	}
	fc_xl_close(&x);
}

static int fc_mig_listen(const char *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	unsigned long p;
	int fd, one = 1;

	if (fc_parse_ulong(port, 1, 65535, &p))
		return -EINVAL;
	sa.sin_port = htons((uint16_t)p);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Run one migration in a child; undo what a killed child left. */
static void fc_mig_serve_conn(int fd, const struct fc_mig_key *key,
			      const char *peer)
{
	char reports[1024];
	size_t used = 0;
	int pipefd[2], status = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC)) {
		perror("migrate-receive: pipe");
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		_exit(fc_mig_receive_one(fd, key, peer, pipefd[1]));
	}
	close(pipefd[1]);
	while (pid > 0 && used < sizeof(reports) - 1 &&
	       (n = read(pipefd[0], reports + used,
			 sizeof(reports) - 1 - used)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		used += n;
	}
	reports[used] = '\0';
	close(pipefd[0]);
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pid < 0 || WIFSIGNALED(status)) {
		if (pid > 0)
			printf("migrate-receive: %s: receiver killed by "
			       "signal %d\n",
			       peer, WTERMSIG(status));
		fc_mig_undo(reports);
	}
	fflush(stdout);
}

/* fcapsule migrate-receive [--port N] [--count N] [--key FILE] */
int main_migrate_receive(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	char port[16], peer[INET6_ADDRSTRLEN + 8];
	const char *key_path = NULL;
	unsigned long count = 0;
	struct fc_mig_key key;
	int c, lfd, ret;
	unsigned long done;

	snprintf(port, sizeof(port), "%d", FC_MIG_PORT);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			snprintf(port, sizeof(port), "%s", optarg);
			break;
		case 'c':
			if (fc_parse_ulong(optarg, 1, 1000000, &count)) {
				fprintf(stderr,
					"fcapsule migrate-receive: bad count "
					"'%s'\n",
					optarg);
				return FC_EXIT_USAGE;
			}
			break;
		case 'k':
			key_path = optarg;
			break;
		default:
			return FC_EXIT_USAGE;
		}
	}
	if (optind != argc)
		return fc_usage_error("migrate-receive",
				      "unexpected argument '%s'", argv[optind]);
	ret = fc_check_root() ?: fc_check_module();
	if (ret)
		return ret;
	if (fc_mig_key_load(fc_mig_key_path(key_path), &key))
		return FC_EXIT_FAIL;
	lfd = fc_mig_listen(port);
	if (lfd < 0) {
		fprintf(stderr, "fcapsule migrate-receive: port %s: %s\n", port,
			strerror(-lfd));
		ret = lfd == -EINVAL ? FC_EXIT_USAGE : FC_EXIT_FAIL;
		goto out_key;
	}
	fc_rundir_init();
	/* What an app VM migrated in asks (LISTEN, EXIT) needs a server. */
	if (fc_server_ensure())
		fprintf(stderr, "fcapsule migrate-receive: the OS server did "
				"not start\n");
	signal(SIGPIPE, SIG_IGN);
	printf("migrate-receive: listening on port %s\n", port);
	fflush(stdout);
	for (done = 0; !count || done < count; done++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char host[INET6_ADDRSTRLEN] = "?";
		int fd =
			accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			perror("fcapsule migrate-receive: accept");
			ret = FC_EXIT_FAIL;
			goto out_listen;
		}
		if (ss.ss_family == AF_INET)
			inet_ntop(AF_INET,
				  &((struct sockaddr_in *)&ss)->sin_addr, host,
				  sizeof(host));
		snprintf(peer, sizeof(peer), "%s", host);
		fc_mig_serve_conn(fd, &key, peer);
		close(fd);
	}
	ret = FC_EXIT_OK;
out_listen:
	close(lfd);
out_key:
	OPENSSL_cleanse(&key, sizeof(key));
	return ret;
}

/*
 * Tell Dom0 @home that the app VM @name (@addr), migrated here from it,
 * ended here: the migration handshake with "ended=1" in its header, and
 * no stream.  0 once the receiver proved it holds the key.
 */
int fc_mig_notify_ended(uint32_t home, uint32_t addr, const char *name)
{
	char h[INET_ADDRSTRLEN], a[INET_ADDRSTRLEN], port[16], *hdr = NULL;
	struct fc_mig_key key;
	int fd, n, ret;

	if (fc_mig_key_load(fc_mig_key_path(NULL), &key))
		return -ENOKEY;
	inet_ntop(AF_INET, &home, h, sizeof(h));
	inet_ntop(AF_INET, &addr, a, sizeof(a));
	n = asprintf(&hdr, "name=%s\naddr=%s\nended=1\n\n{}", name, a);
	ret = -ENOMEM;
	if (n < 0)
		goto out_key;
	snprintf(port, sizeof(port), "%d", FC_MIG_PORT);
	fd = fc_mig_connect(h, port);
	ret = fd;
	if (fd < 0)
		goto out_free;
	ret = fc_mig_client_auth(fd, &key, hdr, (size_t)n + 1);
	close(fd);
out_free:
	free(hdr);
out_key:
	OPENSSL_cleanse(&key, sizeof(key));
	return ret;
}
