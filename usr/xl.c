// SPDX-License-Identifier: GPL-2.0
/*
 * A thin wrapper over libxl and libxenstore for the fcapsule tool: one
 * context per process (or thread), app VM creation as xl does it, and
 * lookups by id or name.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xl.h"

int fc_check_root(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "fcapsule: must be run as root\n");
		return FC_EXIT_NOT_ROOT;
	}
	return 0;
}

int fc_check_module(void)
{
	if (access("/dev/fcapsule", F_OK) ||
	    access("/sys/bus/xen-backend/drivers/fcapsule", F_OK)) {
		fprintf(stderr,
			"fcapsule: module not loaded (no /dev/fcapsule: "
			"modprobe fcapsule)\n");
		return FC_EXIT_NO_MODULE;
	}
	return 0;
}

/* What a command acting on app VMs needs first: root, then libxl. */
int fc_xl_open_root(struct fc_xl *x)
{
	int ret = fc_check_root();

	if (ret) {
		memset(x, 0, sizeof(*x));
		return ret;
	}
	return fc_xl_open(x);
}

int fc_xl_open(struct fc_xl *x)
{
	const char *dbg = getenv("FC_DEBUG");
	int ret = FC_EXIT_XEN;

	memset(x, 0, sizeof(*x));
	/* libxl's own messages only on request: our errors are one line. */
	x->lg = (xentoollog_logger *)xtl_createlogger_stdiostream(
		stderr, dbg && *dbg ? XTL_DEBUG : XTL_CRITICAL, 0);
	if (x->lg && fc_timing_on())
		x->lg = fc_timing_logger(x->lg);
	if (!x->lg)
		goto out;
	if (libxl_ctx_alloc(&x->ctx, LIBXL_VERSION, 0, x->lg)) {
		fprintf(stderr, "fcapsule: cannot open libxl (is this Xen's "
				"Dom0, with xenstored running?)\n");
		goto out;
	}
	x->xs = xs_open(0);
	if (!x->xs) {
		fprintf(stderr, "fcapsule: cannot open xenstore: %s\n",
			strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (ret)
		fc_xl_close(x);
	return ret;
}

void fc_xl_close(struct fc_xl *x)
{
	if (x->xs)
		xs_close(x->xs);
	if (x->ctx)
		libxl_ctx_free(x->ctx);
	if (x->lg)
		xtl_logger_destroy(x->lg);
	memset(x, 0, sizeof(*x));
}

/*
 * Where one start's time goes (FC_TIMING=1; docs/bench.md).  Marks are
 * "FC-T <phase> <ms>" lines on stderr, in ms since the first mark of the
 * process, from one clock (Dom0's CLOCK_MONOTONIC): the tool's own steps,
 * libxl's and libxenguest's log messages as they are emitted, XenStore
 * writes seen by a watch on the whole tree (the toolstack's, the hotplug
 * script's, the guest's and the module's), and the boot marker's arrival
 * in the console log.  A write is timed when the watch thread reads its
 * event, after the fact: on a loaded Dom0 that lags by up to a few hundred
 * ms.  The watch and the debug-level log cost time of their own: timed
 * starts are slower than untimed ones.
 */
static double fc_t0 = -1;

int fc_timing_on(void)
{
	const char *e = getenv("FC_TIMING");

	return e && *e && strcmp(e, "0");
}

static double fc_timing_now(void)
{
	double now = fc_monotonic_s() * 1e3;

	if (fc_t0 < 0)
		fc_t0 = now;
	return now - fc_t0;
}

static void fc_timing_print(const char *phase, double ms)
{
	fprintf(stderr, "FC-T %s %.1f\n", phase, ms);
}

void fc_timing_mark(const char *phase)
{
	if (fc_timing_on())
		fc_timing_print(phase, fc_timing_now());
}

/* libxl/libxenguest messages that open or close a step, first seen only. */
static struct {
	const char *text;
	const char *phase;
	int seen;
} fc_timing_msgs[] = {
	{ "xc_dom_allocate:", "libxl.build-begin", 0 },
	{ "xc_dom_boot_image:", "libxl.boot-image", 0 },
	{ "xc_dom_release:", "libxl.build-end", 0 },
	{ "calling hotplug script", "libxl.hotplug-begin", 0 },
	{ "complete, rc=", "libxl.create-complete", 0 },
};

#define FC_TIMING_NMSGS (sizeof(fc_timing_msgs) / sizeof(fc_timing_msgs[0]))

struct fc_timing_lg {
	xentoollog_logger vtable; /* first: libxl calls through it */
	xentoollog_logger *inner;
	FILE *all; /* FC_TIMING_LOG: every message, timed */
};

static void fc_timing_vmessage(xentoollog_logger *lg, xentoollog_level level,
			       int errnoval, const char *context,
			       const char *format, va_list al)
{
	struct fc_timing_lg *t = (struct fc_timing_lg *)lg;
	double now = fc_timing_now();
	char msg[512];
	va_list copy;
	size_t i;

	va_copy(copy, al);
	vsnprintf(msg, sizeof(msg), format, copy);
	va_end(copy);
	if (t->all)
		fprintf(t->all, "%10.1f %s: %s\n", now, context ? context : "",
			msg);
	for (i = 0; i < FC_TIMING_NMSGS; i++) {
		if (!fc_timing_msgs[i].seen &&
		    strstr(msg, fc_timing_msgs[i].text)) {
			fc_timing_msgs[i].seen = 1;
			fc_timing_print(fc_timing_msgs[i].phase, now);
		}
	}
	t->inner->vmessage(t->inner, level, errnoval, context, format, al);
}

static void fc_timing_progress(xentoollog_logger *lg, const char *context,
			       const char *doing_what, int percent,
			       unsigned long done, unsigned long total)
{
	struct fc_timing_lg *t = (struct fc_timing_lg *)lg;

	t->inner->progress(t->inner, context, doing_what, percent, done, total);
}

static void fc_timing_destroy(xentoollog_logger *lg)
{
	struct fc_timing_lg *t = (struct fc_timing_lg *)lg;

	if (t->all)
		fclose(t->all);
	xtl_logger_destroy(t->inner);
	free(t);
}

/* Wraps @inner (takes it over, also on failure: NULL then). */
xentoollog_logger *fc_timing_logger(xentoollog_logger *inner)
{
	const char *all = getenv("FC_TIMING_LOG");
	struct fc_timing_lg *t = calloc(1, sizeof(*t));

	if (!t) {
		xtl_logger_destroy(inner);
		return NULL;
	}
	t->vtable.vmessage = fc_timing_vmessage;
	t->vtable.progress = fc_timing_progress;
	t->vtable.destroy = fc_timing_destroy;
	t->inner = inner;
	if (all && *all)
		t->all = fopen(all, "a");
	return &t->vtable;
}

/* Every XenStore write of a start, as the watch saw it. */
struct fc_timing_ev {
	double ms;
	char path[96];
	char val[16];
};

#define FC_TIMING_MAXEV 2048

static struct {
	pthread_t thread;
	int running, stop;
	struct xs_handle *xs;
	struct fc_timing_ev *ev;
	int n; /* written by the thread only, read with acquire */
} fc_tw;

static void *fc_timing_watch_thread(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&fc_tw.stop, __ATOMIC_ACQUIRE)) {
		struct pollfd p = { .fd = xs_fileno(fc_tw.xs),
				    .events = POLLIN };
		struct fc_timing_ev *e;
		unsigned int nw, len;
		char **w, *v;

		if (poll(&p, 1, 20) <= 0)
			continue;
		w = xs_read_watch(fc_tw.xs, &nw);
		if (!w)
			continue;
		if (fc_tw.n < FC_TIMING_MAXEV) {
			e = &fc_tw.ev[fc_tw.n];
			e->ms = fc_timing_now();
			snprintf(e->path, sizeof(e->path), "%s",
				 w[XS_WATCH_PATH]);
			e->val[0] = '\0';
			v = w[XS_WATCH_PATH][0] == '/'
				    ? xs_read(fc_tw.xs, XBT_NULL,
					      w[XS_WATCH_PATH], &len)
				    : NULL;
			if (v)
				snprintf(e->val, sizeof(e->val), "%s", v);
			free(v);
			/* publish the event only once it is whole */
			__atomic_store_n(&fc_tw.n, fc_tw.n + 1,
					 __ATOMIC_RELEASE);
		}
		free(w);
	}
	return NULL;
}

/* From before the domain exists: its id is known only afterwards. */
static void fc_timing_watch_start(void)
{
	if (fc_tw.running || !fc_timing_on())
		return;
	fc_tw.ev = calloc(FC_TIMING_MAXEV, sizeof(*fc_tw.ev));
	fc_tw.xs = xs_open(0);
	if (!fc_tw.ev || !fc_tw.xs ||
	    !xs_watch(fc_tw.xs, "/local/domain", "fc-t") ||
	    !xs_watch(fc_tw.xs, "@introduceDomain", "fc-t-intro"))
		goto fail;
	fc_tw.stop = 0;
	fc_tw.n = 0;
	if (pthread_create(&fc_tw.thread, NULL, fc_timing_watch_thread, NULL))
		goto fail;
	fc_tw.running = 1;
	return;
fail:
	fprintf(stderr, "fcapsule: timing: no XenStore watch\n");
	if (fc_tw.xs)
		xs_close(fc_tw.xs);
	free(fc_tw.ev);
	fc_tw.xs = NULL;
	fc_tw.ev = NULL;
}

static void fc_timing_watch_stop(void)
{
	if (!fc_tw.running)
		return;
	__atomic_store_n(&fc_tw.stop, 1, __ATOMIC_RELEASE);
	pthread_join(fc_tw.thread, NULL);
	xs_close(fc_tw.xs);
	fc_tw.xs = NULL;
	fc_tw.running = 0;
}

/*
 * The first write seen to @path (a prefix if it ends in '/'), with value
 * @val unless NULL ("?": any but empty), at or after @after ms.
 */
static double fc_timing_find(const char *path, const char *val, double after)
{
	int n = __atomic_load_n(&fc_tw.n, __ATOMIC_ACQUIRE);
	size_t len = strlen(path);
	int prefix = len && path[len - 1] == '/', i;

	for (i = 0; i < n; i++) {
		const struct fc_timing_ev *e = &fc_tw.ev[i];

		if (e->ms < after)
			continue;
		if (prefix ? strncmp(e->path, path, len)
			   : strcmp(e->path, path))
			continue;
		if (!val || !strcmp(e->val, val) ||
		    (!strcmp(val, "?") && e->val[0]))
			return e->ms;
	}
	return -1;
}

static void fc_timing_event(const char *phase, const char *fmt, uint32_t domid,
			    const char *val, double after)
{
	char path[128];
	double ms;

	snprintf(path, sizeof(path), fmt, domid);
	ms = fc_timing_find(path, val, after);
	if (ms >= 0)
		fc_timing_print(phase, ms);
	else
		fprintf(stderr, "FC-T %s -\n", phase);
}

static int fc_timing_seen(const char *fmt, uint32_t domid, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), fmt, domid);
	return fc_timing_find(path, val, 0) >= 0;
}

#define FC_T_VIF_BE "/local/domain/0/backend/vif/%u/0"
#define FC_T_FC_BE  "/local/domain/0/backend/fcapsule/%u/0"
#define FC_T_FE	    "/local/domain/%u/device"

#define FCOS_BOOT_MARK "FC-BOOT-COMPLETE"

/* The log was moved aside before the start: it holds this boot only. */
static int fc_timing_log_has(const char *path, const char *text)
{
	static char buf[16384];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n > 0 && memmem(buf, (size_t)n, text, strlen(text));
}

/*
 * After the unpause: wait (up to @timeout_s) until the boot marker is in
 * the console log and every device the app VM has is connected, then
 * print what the watch saw.  Marks are in order of the path of a start,
 * not of time; "-" for what did not happen.
 */
void fc_timing_follow(struct fc_xl *x, uint32_t domid, const char *name,
		      double timeout_s)
{
	double unpaused, marker = -1, net_up = -1, deadline;
	int has_vif, has_fc, done = 0, loops = 0;
	libxl_dominfo info;
	char log[FC_PATH_MAX];
	uint64_t cpu_ns = 0;

	if (!fc_timing_on() || !fc_tw.running)
		return;
	unpaused = fc_timing_now();
	deadline = unpaused + timeout_s * 1e3;
	fc_console_log_path(name, log, sizeof(log));
	while (!done && fc_timing_now() < deadline) {
		if (marker < 0 && fc_timing_log_has(log, FCOS_BOOT_MARK)) {
			marker = fc_timing_now();
			libxl_dominfo_init(&info);
			if (!libxl_domain_info(x->ctx, &info, domid))
				cpu_ns = info.cpu_time;
			libxl_dominfo_dispose(&info);
		}
		has_vif = fc_timing_seen(FC_T_VIF_BE "/", domid, NULL);
		has_fc = fc_timing_seen(FC_T_FC_BE "/", domid, NULL);
		if (has_vif && net_up < 0 &&
		    fc_timing_log_has(log, "FC-NET-UP"))
			net_up = fc_timing_now();
		done = marker >= 0 && (!has_vif || net_up >= 0) &&
		       (!has_fc ||
			fc_timing_seen(FC_T_FC_BE "/state", domid, "4"));
		/* an app that ends at once never connects its devices */
		if (!done && ++loops % 100 == 0) {
			libxl_dominfo_init(&info);
			done = libxl_domain_info(x->ctx, &info, domid) ||
			       info.shutdown || info.dying;
			libxl_dominfo_dispose(&info);
		}
		if (!done)
			usleep(1000);
	}
	fc_timing_watch_stop();
	fc_timing_event("xs.domain-dir", "/local/domain/%u", domid, NULL, 0);
	fc_timing_event("xs.vif-backend", FC_T_VIF_BE "/", domid, NULL, 0);
	fc_timing_event("xs.vif-hotplug-connected",
			FC_T_VIF_BE "/hotplug-status", domid, "connected", 0);
	fc_timing_event("xs.console-tty", "/local/domain/%u/console/tty", domid,
			"?", 0);
	fc_timing_event("xs.fcapsule-nodes", FC_T_FC_BE "/", domid, NULL, 0);
	/* the guest's first writes: its rings, before Initialised */
	fc_timing_event("guest.fcfront-ring", FC_T_FE "/fcapsule/0/ring-ref",
			domid, NULL, 0);
	fc_timing_event("guest.netfront-ring", FC_T_FE "/vif/0/tx-ring-ref",
			domid, NULL, 0);
	fc_timing_event("guest.fcfront-connected", FC_T_FE "/fcapsule/0/state",
			domid, "4", 0);
	fc_timing_event("fcapsule.backend-connected", FC_T_FC_BE "/state",
			domid, "4", 0);
	fc_timing_event("guest.netfront-connected", FC_T_FE "/vif/0/state",
			domid, "4", 0);
	fc_timing_event("xs.netback-connected", FC_T_VIF_BE "/state", domid,
			"4", 0);
	if (marker >= 0)
		fc_timing_print("console.boot-marker", marker);
	else
		fprintf(stderr, "FC-T console.boot-marker -\n");
	if (net_up >= 0)
		fc_timing_print("console.net-up", net_up);
	else
		fprintf(stderr, "FC-T console.net-up -\n");
	fprintf(stderr, "FC-T guest.cpu-at-marker %.1f\n", cpu_ns / 1e6);
	fprintf(stderr, "FC-T xs.events %d\n", fc_tw.n);
	free(fc_tw.ev);
	fc_tw.ev = NULL;
}

/*
 * Create the domain with libxl, left paused (libxl never unpauses).
 * PV, kernel + optional ramdisk, on_poweroff/on_crash = preserve so that
 * the OS server sees how it ended before it destroys it.  On failure no
 * domain is left: libxl may leave a half-built one, we destroy it.
 */
/*
 * FC_VIF_INPROC=1: the tree's hotplug script (scripts/vif-fcapsule, by
 * that name) only puts the vif on the bridge, brings it up and writes
 * hotplug-status: that is done here, in-process, once libxl has made the
 * vif, and libxl runs /bin/true instead -- one exec, not the script's
 * shell and its four commands (seconds under emulation).  Not the default:
 * libxl keeps /bin/true in the domain's stored configuration, and a fork
 * or a migration restores the vif from it, without a bridge.
 */
static int fc_xl_vif_inproc(const char *script)
{
	const char *base = strrchr(script, '/'), *on = getenv("FC_VIF_INPROC");

	return on && !strcmp(on, "1") &&
	       !strcmp(base ? base + 1 : script, "vif-fcapsule");
}

static int fc_xl_vif_online(struct fc_xl *x, uint32_t domid, const char *bridge)
{
	char ifname[IF_NAMESIZE + 8], path[96];
	int err;

	fc_net_vif_name(domid, ifname, sizeof(ifname));
	err = fc_net_vif_attach(ifname, bridge);
	if (err) {
		fprintf(stderr, "fcapsule: cannot put %s on bridge %s: %s\n",
			ifname, bridge, strerror(-err));
		return -1;
	}
	/* netback connects only once the vif's hotplug is reported done */
	snprintf(path, sizeof(path),
		 "/local/domain/0/backend/vif/%u/0/hotplug-status", domid);
	if (!xs_write(x->xs, XBT_NULL, path, "connected", 9)) {
		fprintf(stderr, "fcapsule: cannot write %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* The app VM's one vif: bridged, fixed address, hotplug as above. */
static int fc_xl_add_nic(libxl_domain_config *cfg, const struct fc_vm_spec *s)
{
	libxl_device_nic *nic;
	unsigned int m[6];
	int i;

	if (sscanf(s->nic_mac, "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2],
		   &m[3], &m[4], &m[5]) != 6) {
		fprintf(stderr, "fcapsule: bad MAC address '%s'\n", s->nic_mac);
		return -1;
	}
	cfg->nics = calloc(1, sizeof(*cfg->nics));
	if (!cfg->nics)
		return -1;
	cfg->num_nics = 1;
	nic = &cfg->nics[0];
	libxl_device_nic_init(nic);
	nic->devid = 0;
	nic->nictype = LIBXL_NIC_TYPE_VIF;
	for (i = 0; i < 6; i++)
		nic->mac[i] = (uint8_t)m[i];
	nic->ip = strdup(s->nic_ip);
	nic->bridge = strdup(s->nic_bridge);
	nic->script = strdup(fc_xl_vif_inproc(s->nic_script) ? "/bin/true"
							     : s->nic_script);
	if (!nic->ip || !nic->bridge || !nic->script)
		return -1;
	return 0;
}

int fc_xl_create(struct fc_xl *x, const struct fc_vm_spec *s, uint32_t *domid)
{
	libxl_domain_config cfg;
	libxl_domain_build_info *b;
	uint64_t free_kb = 0;
	unsigned long i;
	int rc, ret = FC_EXIT_FAIL;

	*domid = INVALID_DOMID;
	libxl_domain_config_init(&cfg);

	/* +1 MB: libxl's max_pages slack, plus page tables and start info */
	if (!libxl_get_free_memory(x->ctx, &free_kb) &&
	    free_kb < (s->memory_mb + 2) * 1024) {
		fprintf(stderr,
			"fcapsule: not enough memory: %lu MB asked, %llu MB "
			"free\n",
			s->memory_mb, (unsigned long long)free_kb / 1024);
		ret = FC_EXIT_NO_MEMORY;
		goto out;
	}

	cfg.c_info.type = LIBXL_DOMAIN_TYPE_PV;
	cfg.c_info.name = strdup(s->name);
	libxl_uuid_generate(&cfg.c_info.uuid);

	b = &cfg.b_info;
	libxl_domain_build_info_init_type(b, LIBXL_DOMAIN_TYPE_PV);
	b->max_vcpus = s->vcpus;
	if (libxl_cpu_bitmap_alloc(x->ctx, &b->avail_vcpus, s->vcpus))
		goto out;
	libxl_bitmap_set_none(&b->avail_vcpus);
	for (i = 0; i < s->vcpus; i++)
		libxl_bitmap_set(&b->avail_vcpus, i);
	b->max_memkb = s->memory_mb * 1024;
	b->target_memkb = b->max_memkb;
	b->kernel = strdup(s->kernel);
	b->cmdline = strdup(s->cmdline ? s->cmdline : "");
	if (s->ramdisk)
		b->ramdisk = strdup(s->ramdisk);
	if (s->cap >= 0)
		b->sched_params.cap = s->cap;

	if (s->nic_ip && fc_xl_add_nic(&cfg, s))
		goto out;

	cfg.on_poweroff = LIBXL_ACTION_ON_SHUTDOWN_PRESERVE;
	cfg.on_crash = LIBXL_ACTION_ON_SHUTDOWN_PRESERVE;
	cfg.on_watchdog = LIBXL_ACTION_ON_SHUTDOWN_PRESERVE;
	/* an app VM has nothing to reboot into: an exit like poweroff */
	cfg.on_reboot = LIBXL_ACTION_ON_SHUTDOWN_PRESERVE;

	fc_timing_watch_start();
	fc_timing_mark("libxl.create-call");
	rc = libxl_domain_create_new(x->ctx, &cfg, domid, NULL, NULL);
	fc_timing_mark("libxl.create-returned");
	if (rc) {
		if (rc == ERROR_NOMEM) {
			fprintf(stderr,
				"fcapsule: not enough memory for %lu MB "
				"(libxl)\n",
				s->memory_mb);
			ret = FC_EXIT_NO_MEMORY;
		} else {
			fprintf(stderr,
				"fcapsule: creating the domain failed (libxl "
				"error %d; FC_DEBUG=1 shows libxl's log)\n",
				rc);
		}
		if (*domid != (uint32_t)INVALID_DOMID)
			libxl_domain_destroy(x->ctx, *domid, NULL);
		*domid = INVALID_DOMID;
		goto out;
	}
	if (s->nic_ip && fc_xl_vif_inproc(s->nic_script)) {
		if (fc_xl_vif_online(x, *domid, s->nic_bridge)) {
			libxl_domain_destroy(x->ctx, *domid, NULL);
			*domid = INVALID_DOMID;
			goto out;
		}
		fc_timing_mark("run.vif-online");
	}
	ret = 0;
out:
	libxl_domain_config_dispose(&cfg);
	return ret;
}

/* Destroy the domain, then the device nodes libxl does not know about. */
int fc_xl_destroy(struct fc_xl *x, uint32_t domid)
{
	int rc = libxl_domain_destroy(x->ctx, domid, NULL);

	fc_devnode_remove(x->xs, domid);
	return rc && rc != ERROR_DOMAIN_NOTFOUND ? -EIO : 0;
}

/* Credit scheduler cap in percent of one CPU; 0 removes the cap. */
int fc_xl_set_cap(struct fc_xl *x, uint32_t domid, long cap)
{
	libxl_domain_sched_params p;
	int ret = -EIO;

	libxl_domain_sched_params_init(&p);
	if (libxl_domain_sched_params_get(x->ctx, domid, &p))
		goto out;
	p.cap = cap;
	if (libxl_domain_sched_params_set(x->ctx, domid, &p))
		goto out;
	ret = 0;
out:
	libxl_domain_sched_params_dispose(&p);
	return ret;
}

long fc_xl_get_cap(struct fc_xl *x, uint32_t domid)
{
	libxl_domain_sched_params p;
	long cap = -1;

	libxl_domain_sched_params_init(&p);
	if (!libxl_domain_sched_params_get(x->ctx, domid, &p))
		cap = p.cap;
	libxl_domain_sched_params_dispose(&p);
	return cap;
}

int fc_xl_name_in_use(struct fc_xl *x, const char *name)
{
	uint32_t domid;

	return libxl_name_to_domid(x->ctx, name, &domid) == 0;
}

/*
 * ID or NAME of a live app VM (a domain with an fcapsule device: plain xl
 * guests and Dom0 are not ours to kill).  Returns 0 or -ENOENT.
 */
int fc_xl_lookup(struct fc_xl *x, const char *what, uint32_t *domid)
{
	libxl_dominfo info;
	int ret = -ENOENT;
	uint32_t d;

	libxl_dominfo_init(&info);
	if (fc_parse_id(what, &d) && libxl_name_to_domid(x->ctx, what, &d))
		goto out;
	if (!fc_devnode_exists(x->xs, d) || libxl_domain_info(x->ctx, &info, d))
		goto out;
	*domid = d;
	ret = 0;
out:
	libxl_dominfo_dispose(&info);
	return ret;
}

/* fc_xl_lookup() with the one-line error; FC_EXIT_NO_APP if unknown. */
int fc_xl_resolve(struct fc_xl *x, const char *what, uint32_t *domid)
{
	if (!fc_xl_lookup(x, what, domid))
		return 0;
	fprintf(stderr, "fcapsule: unknown app VM '%s'\n", what);
	return FC_EXIT_NO_APP;
}
