// SPDX-License-Identifier: GPL-2.0
/*
 * fcapsule ps: app VMs like processes, from libxl (state, memory, CPU
 * time, start time, cap), xenstore (which domains are app VMs: those with
 * an fcapsule backend) and the module's registry (FC_IOC_LIST).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <fcapsule/ioctl.h>

#include "xl.h"

/* The module's view, if it is loaded; returns the count (*caps to free) */
static int fc_registry(struct fc_ioc_capsule **caps)
{
	struct fc_ioc_list l;
	int fd, n = 0;

	*caps = NULL;
	fd = open("/dev/fcapsule", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 0;
	*caps = calloc(1024, sizeof(**caps));
	if (!*caps)
		goto out;
	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	l.capacity = 1024;
	l.capsules = (uintptr_t)*caps;
	if (!ioctl(fd, FC_IOC_LIST, &l))
		n = l.count;
out:
	close(fd);
	return n;
}

static const char *fc_dom_state(const libxl_dominfo *d)
{
	if (d->shutdown || d->dying)
		return "shutdown";
	if (d->paused)
		return "paused";
	if (d->blocked && !d->running)
		return "blocked";
	return "running"; /* running, or runnable waiting for a CPU */
}

/* PORTS: the public ports NAPT maps to each app VM (none: no table). */
static void fc_ps_fill_ports(struct fc_ps_row *rows, int n)
{
	struct fc_napt_entry *e = NULL;
	int ne = 0, i, j;
	size_t used;

	if (fc_napt_list(&e, &ne))
		goto out;
	fc_napt_sort(e, ne);
	for (i = 0; i < n; i++) {
		if (!strcmp(rows[i].state, "exited"))
			continue;
		used = 0;
		for (j = 0; j < ne; j++) {
			int w;

			if (e[j].domid != rows[i].domid)
				continue;
			w = snprintf(rows[i].ports + used,
				     sizeof(rows[i].ports) - used, "%s%u",
				     used ? "," : "", e[j].port);
			if (w < 0 || (size_t)w >= sizeof(rows[i].ports) - used)
				break; /* full: the rest is in 'napt' */
			used += w;
		}
	}
out:
	free(e);
}

static void fc_row_from_dom(struct fc_xl *x, const libxl_dominfo *d,
			    struct fc_ps_row *r, time_t now)
{
	uint32_t start;
	char *name;
	long cap;

	memset(r, 0, sizeof(*r));
	r->domid = d->domid;
	r->ppid = fc_devnode_parent(x->xs, d->domid);
	name = libxl_domid_to_name(x->ctx, d->domid);
	snprintf(r->name, sizeof(r->name), "%s", name ? name : "?");
	free(name);
	snprintf(r->state, sizeof(r->state), "%s", fc_dom_state(d));
	r->exit_code = -1;
	r->mem_kb = d->current_memkb;
	r->cpu_ns = d->cpu_time;
	cap = fc_xl_get_cap(x, d->domid);
	r->cap = cap > 0 ? cap : 0;
	start = libxl_vm_get_start_time(x->ctx, d->domid);
	r->uptime_s = start ? (long)(now - start) : -1;
	if (r->uptime_s > 0)
		r->cpu_pct = d->cpu_time / 1e7 / r->uptime_s;
}

int main_ps(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct fc_ioc_capsule *caps = NULL;
	struct fc_exit_rec *recs = NULL;
	struct fc_ps_row *rows = NULL;
	libxl_dominfo *doms = NULL;
	uint32_t *ids = NULL;
	int all = 0, json = 0, c, i, j, k, nids, nd = 0, ncaps, nrecs = 0;
	int n = 0, ret;
	struct fc_xl x = { 0 };
	time_t now = time(NULL);

	optind = 0;
	while ((c = getopt_long(argc, argv, "aj", lopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = 1;
			break;
		case 'j':
			json = 1;
			break;
		default:
			fprintf(stderr, "usage: fcapsule ps [-a] [--json]\n");
			return FC_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: fcapsule ps [-a] [--json]\n");
		return FC_EXIT_USAGE;
	}
	ret = fc_check_root();
	if (ret)
		goto out;
	ret = fc_xl_open(&x);
	if (ret)
		goto out;
	nids = fc_devnode_list(x.xs, &ids);
	doms = libxl_list_domain(x.ctx, &nd);
	ncaps = fc_registry(&caps);
	if (all)
		nrecs = fc_exit_rec_list(&recs);
	rows = calloc(nids + nrecs + 1, sizeof(*rows));
	if (!rows) {
		ret = FC_EXIT_FAIL;
		goto out;
	}
	for (i = 0; i < nids; i++) {
		for (j = 0; doms && j < nd; j++)
			if (doms[j].domid == ids[i])
				break;
		if (!doms || j == nd)
			continue; /* device nodes of a dead domain: reaper's */
		fc_row_from_dom(&x, &doms[j], &rows[n], now);
		for (k = 0; k < ncaps; k++) {
			if (caps[k].domid != ids[i])
				continue;
			rows[n].connected = caps[k].state == FC_CAP_CONNECTED;
			if (!rows[n].ppid)
				rows[n].ppid = caps[k].parent_domid;
		}
		n++;
	}
	for (i = 0; i < nrecs; i++) {
		struct fc_ps_row *r = &rows[n];

		for (j = 0; j < n; j++)
			if (rows[j].domid == recs[i].domid)
				break;
		if (j < n)
			continue; /* the id is alive again: a new domain */
		memset(r, 0, sizeof(*r));
		r->domid = recs[i].domid;
		r->ppid = recs[i].ppid;
		snprintf(r->name, sizeof(r->name), "%s", recs[i].name);
		snprintf(r->state, sizeof(r->state), "exited");
		r->exit_code = recs[i].code;
		r->mem_kb = 0;
		r->cpu_ns = recs[i].cpu_ns;
		r->uptime_s =
			recs[i].started && recs[i].ended >= recs[i].started
				? (long)(recs[i].ended - recs[i].started)
				: -1;
		if (r->uptime_s > 0)
			r->cpu_pct = r->cpu_ns / 1e7 / r->uptime_s;
		n++;
	}
	fc_ps_fill_ports(rows, n);
	qsort(rows, n, sizeof(*rows), fc_ps_cmp);
	if (json)
		fc_ps_print_json(stdout, rows, n);
	else
		fc_ps_print(stdout, rows, n);
	ret = FC_EXIT_OK;
out:
	if (doms)
		libxl_dominfo_list_free(doms, nd);
	free(rows);
	free(recs);
	free(caps);
	free(ids);
	fc_xl_close(&x);
	return ret;
}
