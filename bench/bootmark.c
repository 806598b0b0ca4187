// SPDX-License-Identifier: GPL-2.0
/*
 * bootmark: the floor of an app VM's start.  Builds and unpauses a PV
 * domain with libxenctrl and libxenguest alone -- no libxl, no XenStore
 * (no domain introduction, no device nodes), no xenconsoled, no hotplug
 * script -- and reads the guest's console ring itself, so that nothing
 * but what a domain needs to run stands between Ts and the guest's
 * boot-complete marker.  The image must not need XenStore: the minimal
 * library-OS kernel (apps/bootmark, FCOS_MINIMAL_APP) prints its marker
 * right before main and powers off after it.
 *
 * Per start it times, in ms since Ts (just before xc_domain_create):
 *   create   xc_domain_create, vCPUs, CPUID policy, max memory, console
 *            and store event channels
 *   build    the xc_dom_* builder: kernel file, parse, memory, image, boot
 *            (vCPU context), grant table
 *   console  mapping the console page and binding its event channel
 *   unpause  xc_domain_unpause returned
 *   main     the marker seen in the console ring (Te)
 *   off      the domain seen shut down (xc_domain_getinfo)
 * One CSV row per start on stdout, in bench/bootbench's format
 *   kind,count,interval_ms,index,name,ts_ms,te_ms,delta_ms,status
 * and with --phases the six times as "FC-T <phase> <ms>" lines on stderr.
 * Runs in Dom0, as root.  The domain is destroyed after each start.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xenguest.h>
#include <xen/io/console.h>

enum bm_phase { BM_CREATE, BM_BUILD, BM_CONSOLE, BM_UNPAUSE, BM_MAIN, BM_OFF };

static const char *const bm_phase_name[] = { "create",	"build", "console",
					     "unpause", "main",	 "off" };

#define BM_NPHASES ((int)(sizeof(bm_phase_name) / sizeof(bm_phase_name[0])))

struct bm_opts {
	const char *kernel;
	const char *cmdline;
	const char *marker;
	const char *kind;
	unsigned int memory_mb;
	int reps;
	int timeout_s;
	int phases;
};

struct bm_handles {
	xc_interface *xch;
	xenevtchn_handle *xce;
	xenforeignmemory_handle *fmem;
};

/* What one start leaves to undo, and what it measured. */
struct bm_start {
	uint32_t domid;
	int have_domid;
	unsigned int console_port, store_port;
	xen_pfn_t console_mfn;
	struct xencons_interface *cons;
	int local_port;
	double t0, t[BM_NPHASES]; /* t[]: ms since t0, < 0: not reached */
	char out[4096];		  /* console output so far */
	size_t out_len;
};

static double bm_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void bm_mark(struct bm_start *s, enum bm_phase p)
{
	s->t[p] = bm_now_ms() - s->t0;
}

static void bm_usage(FILE *f)
{
	fprintf(f, "usage: bootmark --kernel IMAGE [--memory MB] [--reps N]\n"
		   "                [--marker TEXT] [--cmdline TEXT] "
		   "[--kind NAME]\n"
		   "                [--timeout SEC] [--phases]\n");
}

static int bm_parse(int argc, char **argv, struct bm_opts *o)
{
	static const struct option lo[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "memory", required_argument, NULL, 'm' },
		{ "reps", required_argument, NULL, 'r' },
		{ "marker", required_argument, NULL, 'M' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "kind", required_argument, NULL, 'K' },
		{ "timeout", required_argument, NULL, 't' },
		{ "phases", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct bm_opts){ .cmdline = "",
			       .marker = "FC-BOOT-COMPLETE",
			       .kind = "floor",
			       .memory_mb = 4,
			       .reps = 1,
			       .timeout_s = 60 };
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'k':
			o->kernel = optarg;
			break;
		case 'm':
			o->memory_mb = (unsigned int)atoi(optarg);
			break;
		case 'r':
			o->reps = atoi(optarg);
			break;
		case 'M':
			o->marker = optarg;
			break;
		case 'c':
			o->cmdline = optarg;
			break;
		case 'K':
			o->kind = optarg;
			break;
		case 't':
			o->timeout_s = atoi(optarg);
			break;
		case 'p':
			o->phases = 1;
			break;
		case 'h':
			bm_usage(stdout);
			exit(0);
		default:
			bm_usage(stderr);
			return -1;
		}
	}
	if (!o->kernel || optind != argc || o->reps < 1 || o->memory_mb < 4 ||
	    o->timeout_s < 1 || !o->marker[0]) {
		bm_usage(stderr);
		return -1;
	}
	if (access(o->kernel, R_OK)) {
		fprintf(stderr, "bootmark: %s: %s\n", o->kernel,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* The domain shell: as libxl's create + pre-build steps do for PV. */
static int bm_create(struct bm_handles *h, const struct bm_opts *o,
		     struct bm_start *s)
{
	struct xen_domctl_createdomain cfg = {
		.max_vcpus = 1,
		.max_evtchn_port = 1023,
		.max_grant_frames = -1,
		.max_maptrack_frames = -1,
		.grant_opts = XEN_DOMCTL_GRANT_version(1),
	};
	int port;

	s->domid = 0; /* 0 asks Xen for a free id */
	if (xc_domain_create(h->xch, &s->domid, &cfg)) {
		fprintf(stderr, "bootmark: xc_domain_create: %s\n",
			strerror(errno));
		return -1;
	}
	s->have_domid = 1;
	/* Still needed in 4.17 to allocate the vCPUs themselves. */
	if (xc_domain_max_vcpus(h->xch, s->domid, 1)) {
		fprintf(stderr, "bootmark: xc_domain_max_vcpus: %s\n",
			strerror(errno));
		return -1;
	}
	/* The CPUID policy libxl gives a new PV domain. */
	if (xc_cpuid_apply_policy(h->xch, s->domid, false, NULL, 0, true, false,
				  false, NULL, NULL)) {
		fprintf(stderr, "bootmark: xc_cpuid_apply_policy: %s\n",
			strerror(errno));
		return -1;
	}
	/* +1 MB as libxl's PV slack: page tables and start info */
	if (xc_domain_setmaxmem(h->xch, s->domid,
				(o->memory_mb + 1) * 1024ULL)) {
		fprintf(stderr, "bootmark: xc_domain_setmaxmem: %s\n",
			strerror(errno));
		return -1;
	}
	port = xc_evtchn_alloc_unbound(h->xch, s->domid, 0);
	if (port < 0)
		goto evtchn_failed;
	s->console_port = (unsigned int)port;
	port = xc_evtchn_alloc_unbound(h->xch, s->domid, 0);
	if (port < 0)
		goto evtchn_failed;
	s->store_port = (unsigned int)port;
	return 0;
evtchn_failed:
	fprintf(stderr, "bootmark: xc_evtchn_alloc_unbound: %s\n",
		strerror(errno));
	return -1;
}

/* The image into the shell: the same xc_dom_* sequence libxl runs. */
static int bm_build(struct bm_handles *h, const struct bm_opts *o,
		    struct bm_start *s)
{
	struct xc_dom_image *dom;
	const char *step;
	int ret = -1;

	dom = xc_dom_allocate(h->xch, o->cmdline, NULL);
	if (!dom) {
		fprintf(stderr, "bootmark: xc_dom_allocate failed\n");
		return -1;
	}
	dom->container_type = XC_DOM_PV_CONTAINER;
	dom->console_evtchn = s->console_port;
	dom->console_domid = 0;
	dom->xenstore_evtchn = s->store_port;
	dom->xenstore_domid = 0;
	dom->max_vcpus = 1;
	step = "xc_dom_kernel_file";
	if (xc_dom_kernel_file(dom, o->kernel))
		goto out;
	step = "xc_dom_boot_xen_init";
	if (xc_dom_boot_xen_init(dom, h->xch, s->domid))
		goto out;
	step = "xc_dom_parse_image";
	if (xc_dom_parse_image(dom))
		goto out;
	step = "xc_dom_mem_init";
	if (xc_dom_mem_init(dom, o->memory_mb))
		goto out;
	step = "xc_dom_boot_mem_init";
	if (xc_dom_boot_mem_init(dom))
		goto out;
	step = "xc_dom_build_image";
	if (xc_dom_build_image(dom))
		goto out;
	step = "xc_dom_boot_image";
	if (xc_dom_boot_image(dom))
		goto out;
	step = "xc_dom_gnttab_init";
	if (xc_dom_gnttab_init(dom))
		goto out;
	s->console_mfn = xc_dom_p2m(dom, dom->console_pfn);
	ret = 0;
out:
	if (ret)
		fprintf(stderr, "bootmark: %s failed (dom%u): %s\n", step,
			s->domid, strerror(errno));
	xc_dom_release(dom);
	return ret;
}

/* What xenconsoled would do first: map the ring, bind its channel. */
static int bm_console(struct bm_handles *h, struct bm_start *s)
{
	s->cons =
		xenforeignmemory_map(h->fmem, s->domid, PROT_READ | PROT_WRITE,
				     1, &s->console_mfn, NULL);
	if (!s->cons) {
		fprintf(stderr, "bootmark: mapping the console page: %s\n",
			strerror(errno));
		return -1;
	}
	s->local_port =
		xenevtchn_bind_interdomain(h->xce, s->domid, s->console_port);
	if (s->local_port < 0) {
		fprintf(stderr, "bootmark: binding the console channel: %s\n",
			strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Consume what the guest wrote (it waits for the ring to drain before it
 * powers off) and keep the start of it, where the marker is.
 */
static void bm_drain(struct bm_handles *h, struct bm_start *s)
{
	struct xencons_interface *c = s->cons;
	XENCONS_RING_IDX cons = c->out_cons, prod;
	int got = 0;

	prod = __atomic_load_n(&c->out_prod, __ATOMIC_ACQUIRE);
	if (prod - cons > sizeof(c->out))
		cons = prod - sizeof(c->out); /* corrupt index: resync */
	for (; cons != prod; cons++) {
		if (s->out_len < sizeof(s->out) - 1)
			s->out[s->out_len++] =
				c->out[MASK_XENCONS_IDX(cons, c->out)];
		got = 1;
	}
	s->out[s->out_len] = '\0';
	__atomic_store_n(&c->out_cons, cons, __ATOMIC_RELEASE);
	if (got)
		xenevtchn_notify(h->xce, (evtchn_port_t)s->local_port);
}

static int bm_is_off(struct bm_handles *h, struct bm_start *s)
{
	xc_dominfo_t info;

	return xc_domain_getinfo(h->xch, s->domid, 1, &info) == 1 &&
	       info.domid == s->domid && (info.shutdown || info.dying);
}

/*
 * Wait for the marker on the console's event channel, then for the
 * domain to shut down (polled: VIRQ_DOM_EXC belongs to xenstored).
 */
static int bm_wait(struct bm_handles *h, const struct bm_opts *o,
		   struct bm_start *s)
{
	struct pollfd p = { .fd = xenevtchn_fd(h->xce), .events = POLLIN };
	double deadline = bm_now_ms() + o->timeout_s * 1e3;

	while (bm_now_ms() < deadline) {
		poll(&p, 1, s->t[BM_MAIN] < 0 ? 10 : 1);
		if (p.revents & POLLIN) {
			xenevtchn_port_or_error_t port =
				xenevtchn_pending(h->xce);

			if (port >= 0)
				xenevtchn_unmask(h->xce, port);
		}
		bm_drain(h, s);
		if (s->t[BM_MAIN] < 0 && strstr(s->out, o->marker))
			bm_mark(s, BM_MAIN);
		if (bm_is_off(h, s)) {
			bm_mark(s, BM_OFF);
			return s->t[BM_MAIN] < 0 ? -1 : 0;
		}
	}
	return -1;
}

static void bm_undo(struct bm_handles *h, struct bm_start *s)
{
	if (s->local_port >= 0)
		xenevtchn_unbind(h->xce, (evtchn_port_t)s->local_port);
	if (s->cons)
		xenforeignmemory_unmap(h->fmem, s->cons, 1);
	if (s->have_domid)
		xc_domain_destroy(h->xch, s->domid);
}

static const char *bm_one(struct bm_handles *h, const struct bm_opts *o,
			  struct bm_start *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	s->local_port = -1;
	for (i = 0; i < BM_NPHASES; i++)
		s->t[i] = -1;
	s->t0 = bm_now_ms();
	if (bm_create(h, o, s))
		return "create-failed";
	bm_mark(s, BM_CREATE);
	if (bm_build(h, o, s))
		return "create-failed";
	bm_mark(s, BM_BUILD);
	if (bm_console(h, s))
		return "create-failed";
	bm_mark(s, BM_CONSOLE);
	if (xc_domain_unpause(h->xch, s->domid)) {
		fprintf(stderr, "bootmark: xc_domain_unpause: %s\n",
			strerror(errno));
		return "create-failed";
	}
	bm_mark(s, BM_UNPAUSE);
	if (bm_wait(h, o, s))
		return "timeout";
	return "ok";
}

int main(int argc, char **argv)
{
	struct bm_handles h = { 0 };
	struct bm_opts o;
	struct bm_start s;
	int r, i, ret = 1;

	if (bm_parse(argc, argv, &o))
		return 2;
	h.xch = xc_interface_open(NULL, NULL, 0);
	if (!h.xch) {
		fprintf(stderr, "bootmark: cannot open libxenctrl (Dom0, as "
				"root?)\n");
		goto out;
	}
	h.xce = xenevtchn_open(NULL, 0);
	h.fmem = xenforeignmemory_open(NULL, 0);
	if (!h.xce || !h.fmem) {
		fprintf(stderr, "bootmark: cannot open /dev/xen: %s\n",
			strerror(errno));
		goto out;
	}
	ret = 0;
	for (r = 0; r < o.reps; r++) {
		const char *status = bm_one(&h, &o, &s);
		double te = s.t[BM_MAIN];

		bm_undo(&h, &s);
		printf("%s,1,0,0,bootmark-%d,0.000,%.3f,%.3f,%s\n", o.kind, r,
		       te < 0 ? -1.0 : te, te < 0 ? -1.0 : te, status);
		fflush(stdout);
		if (o.phases)
			for (i = 0; i < BM_NPHASES; i++)
				fprintf(stderr, "FC-T %s %.3f\n",
					bm_phase_name[i], s.t[i]);
		if (strcmp(status, "ok"))
			ret = 1;
	}
out:
	if (h.fmem)
		xenforeignmemory_close(h.fmem);
	if (h.xce)
		xenevtchn_close(h.xce);
	if (h.xch)
		xc_interface_close(h.xch);
	return ret;
}
