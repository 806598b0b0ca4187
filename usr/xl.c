// SPDX-License-Identifier: GPL-2.0
/*
 * A thin wrapper over libxl and libxenstore for the fcapsule tool: one
 * context per process (or thread), app VM creation as xl does it, and
 * lookups by id or name.
 */
#include <errno.h>
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

int fc_xl_open(struct fc_xl *x)
{
	const char *dbg = getenv("FC_DEBUG");
	int ret = FC_EXIT_XEN;

	memset(x, 0, sizeof(*x));
	/* libxl's own messages only on request: our errors are one line. */
	x->lg = (xentoollog_logger *)xtl_createlogger_stdiostream(
		stderr, dbg && *dbg ? XTL_DEBUG : XTL_CRITICAL, 0);
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
 * Create the domain with libxl, left paused (libxl never unpauses).
 * PV, kernel + optional ramdisk, on_poweroff/on_crash = preserve so that
 * the OS server sees how it ended before it destroys it.  On failure no
 * domain is left: libxl may leave a half-built one, we destroy it.
 */
/* The app VM's one vif: bridged, fixed address, our fast hotplug script. */
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
	nic->script = strdup(s->nic_script);
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

	rc = libxl_domain_create_new(x->ctx, &cfg, domid, NULL, NULL);
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
