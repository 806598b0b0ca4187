// SPDX-License-Identifier: GPL-2.0
/*
 * fcapsule ps: app VMs like processes, from libxl (state, memory, CPU
 * time, start time, cap), xenstore (which domains are app VMs: those with
 * an fcapsule backend) and the module's registry (FC_IOC_LIST); inspect:
 * one of them with its configuration, address and exit record.
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
#include <arpa/inet.h>

#include <fcapsule/ioctl.h>

#include "cmd.h"
#include "pool.h"
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

/*
 * Every app VM (and with @all the exited ones) as ps rows, sorted; returns
 * the count (*out to free) or a negative errno.
 */
static int fc_ps_collect(struct fc_xl *x, int all, struct fc_ps_row **out)
{
	struct fc_ioc_capsule *caps = NULL;
	struct fc_exit_rec *recs = NULL;
	struct fc_ps_row *rows = NULL;
	libxl_dominfo *doms = NULL;
	uint32_t *ids = NULL;
	int i, j, k, nids, nd = 0, ncaps, nrecs = 0, n = 0;
	time_t now = time(NULL);

	nids = fc_devnode_list(x->xs, &ids);
	if (nids < 0)
		nids = 0;
	doms = libxl_list_domain(x->ctx, &nd);
	ncaps = fc_registry(&caps);
	if (all)
		nrecs = fc_exit_rec_list(&recs);
	if (nrecs < 0)
		nrecs = 0;
	rows = calloc(nids + nrecs + 1, sizeof(*rows));
	if (!rows) {
		n = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nids; i++) {
		for (j = 0; doms && j < nd; j++)
			if (doms[j].domid == ids[i])
				break;
		if (!doms || j == nd)
			continue; /* device nodes of a dead domain: reaper's */
		fc_row_from_dom(x, &doms[j], &rows[n], now);
		if (fc_pool_is_shell_name(rows[n].name))
			continue; /* `ps --pool` lists those */
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
	*out = rows;
	rows = NULL;
out:
	if (doms)
		libxl_dominfo_list_free(doms, nd);
	free(rows);
	free(recs);
	free(caps);
	free(ids);
	return n;
}

/* A row is @what: its id (all digits) or its name. */
static int fc_ps_match(const struct fc_ps_row *r, const char *what)
{
	uint32_t id;

	if (!fc_parse_id(what, &id))
		return r->domid == id;
	return !strcmp(r->name, what);
}

/*
 * Keep the rows that one of @filter names, in place; every name must
 * match one.  Returns the new count, or -1 after saying which did not.
 */
static int fc_ps_filter(const char *cmd, struct fc_ps_row *rows, int n,
			char **filter, int nfilter)
{
	int i, j, kept = 0, ret;

	for (j = 0; j < nfilter; j++) {
		for (i = 0; i < n; i++)
			if (fc_ps_match(&rows[i], filter[j]))
				break;
		if (i == n) {
			fprintf(stderr, "fcapsule %s: unknown app VM '%s'\n",
				cmd, filter[j]);
			return -1;
		}
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < nfilter; j++)
			if (fc_ps_match(&rows[i], filter[j]))
				break;
		if (j < nfilter)
			rows[kept++] = rows[i];
	}
	ret = kept;
	return ret;
}

int main_ps(int argc, char **argv)
{
	struct fc_ps_row *rows = NULL;
	struct fc_ps_opts o;
	char err[FC_ERR_MAX];
	struct fc_xl x = { 0 };
	int i, n, ret;

	ret = fc_parse_ps_args(argc, argv, &o, err);
	if (ret)
		return fc_parse_exit("ps", ret, err);
	ret = fc_xl_open_root(&x);
	if (ret)
		goto out;
	if (o.pool) {
		ret = fc_pool_print(stdout, o.json) ? FC_EXIT_FAIL : FC_EXIT_OK;
		goto out;
	}
	n = fc_ps_collect(&x, o.all, &rows);
	if (n < 0) {
		fprintf(stderr, "fcapsule ps: %s\n", strerror(-n));
		ret = FC_EXIT_FAIL;
		goto out;
	}
	if (o.nfilter) {
		n = fc_ps_filter("ps", rows, n, o.filter, o.nfilter);
		if (n < 0) {
			ret = FC_EXIT_NO_APP;
			goto out;
		}
	}
	if (o.quiet)
		for (i = 0; i < n; i++)
			printf("%u\n", rows[i].domid);
	else if (o.json)
		fc_ps_print_json(stdout, rows, n);
	else
		fc_ps_print(stdout, rows, n);
	ret = FC_EXIT_OK;
out:
	free(rows);
	fc_xl_close(&x);
	return ret;
}

/* What inspect adds to the ps row. */
struct fc_inspect {
	struct fc_ps_row row;
	struct fc_exit_rec rec; /* exited only */
	int have_rec;
	char addr[INET_ADDRSTRLEN]; /* "" without a network */
	char mac[24];
	char console[FC_PATH_MAX];
	char kernel[FC_PATH_MAX];
	char cmdline[1024];
	char start[8]; /* warm, cold; "" when not known */
	uint64_t max_memkb;
	int vcpus;
	uint32_t children[64];
	int nchildren;
};

static void fc_inspect_config(struct fc_xl *x, struct fc_inspect *in)
{
	libxl_domain_config dc;

	libxl_domain_config_init(&dc);
	if (!libxl_retrieve_domain_configuration(x->ctx, in->row.domid, &dc,
						 NULL)) {
		snprintf(in->kernel, sizeof(in->kernel), "%s",
			 dc.b_info.kernel ? dc.b_info.kernel : "");
		snprintf(in->cmdline, sizeof(in->cmdline), "%s",
			 dc.b_info.cmdline ? dc.b_info.cmdline : "");
		in->max_memkb = dc.b_info.max_memkb;
		in->vcpus = dc.b_info.max_vcpus;
	}
	libxl_domain_config_dispose(&dc);
	fc_devnode_get_str(x->xs, in->row.domid, "start", in->start,
			   sizeof(in->start));
	/* a pool shell's kernel has FC_POOL_CMDLINE: the real one is here */
	if (!strcmp(in->start, "warm"))
		fc_devnode_get_str(x->xs, in->row.domid, "cmdline", in->cmdline,
				   sizeof(in->cmdline));
}

static void fc_json_kv(const char *key, const char *val, int *first)
{
	printf("%s\"%s\": ", *first ? "" : ", ", key);
	fc_json_string(stdout, val);
	*first = 0;
}

static void fc_inspect_print(const struct fc_inspect *in, int json)
{
	const struct fc_ps_row *r = &in->row;
	int i, first = 1;

	if (!json) {
		fc_ps_print(stdout, r, 1);
		printf("address: %s\nmac: %s\nconsole: %s\nstart: %s\n",
		       in->addr[0] ? in->addr : "-", in->mac[0] ? in->mac : "-",
		       in->console, in->start[0] ? in->start : "-");
		if (in->kernel[0])
			printf("kernel: %s\ncmdline: %s\nmemory_kb: %llu\n"
			       "vcpus: %d\n",
			       in->kernel, in->cmdline,
			       (unsigned long long)in->max_memkb, in->vcpus);
		printf("children:");
		for (i = 0; i < in->nchildren; i++)
			printf(" %u", in->children[i]);
		printf("%s\n", in->nchildren ? "" : " -");
		if (in->have_rec)
			printf("exit: code %d reason %s source %s started %lld "
			       "ended %lld\n",
			       in->rec.code, fc_reason_name(in->rec.reason),
			       in->rec.source, (long long)in->rec.started,
			       (long long)in->rec.ended);
		return;
	}
	printf("{");
	fc_ps_row_json(stdout, r);
	first = 0;
	fc_json_kv("address", in->addr, &first);
	fc_json_kv("mac", in->mac, &first);
	fc_json_kv("console", in->console, &first);
	fc_json_kv("kernel", in->kernel, &first);
	fc_json_kv("cmdline", in->cmdline, &first);
	fc_json_kv("start", in->start, &first);
	printf(", \"memory_kb\": %llu, \"vcpus\": %d, \"children\": [",
	       (unsigned long long)in->max_memkb, in->vcpus);
	for (i = 0; i < in->nchildren; i++)
		printf("%s%u", i ? ", " : "", in->children[i]);
	printf("], \"exit\": ");
	if (in->have_rec) {
		printf("{\"code\": %d, \"reason\": \"%s\", \"source\": ",
		       in->rec.code, fc_reason_name(in->rec.reason));
		fc_json_string(stdout, in->rec.source);
		printf(", \"started\": %lld, \"ended\": %lld}",
		       (long long)in->rec.started, (long long)in->rec.ended);
	} else {
		printf("null");
	}
	printf("}\n");
}

/* fcapsule inspect [--json] ID|NAME: the ps row and all the rest. */
int main_inspect(int argc, char **argv)
{
	struct fc_ps_row *rows = NULL;
	struct fc_inspect *in = NULL;
	struct fc_ps_opts o;
	char err[FC_ERR_MAX], name[FC_VMNAME_MAX];
	struct fc_xl x = { 0 };
	uint32_t addr;
	int i, n, k, ret;

	ret = fc_parse_inspect_args(argc, argv, &o, err);
	if (ret)
		return fc_parse_exit("inspect", ret, err);
	ret = fc_xl_open_root(&x);
	if (ret)
		goto out;
	n = fc_ps_collect(&x, 1, &rows);
	in = calloc(1, sizeof(*in));
	if (n < 0 || !in) {
		ret = FC_EXIT_FAIL;
		goto out;
	}
	/* the live one of a name first: exited ones of it may have lower ids */
	for (k = 0; k < n; k++)
		if (strcmp(rows[k].state, "exited") &&
		    fc_ps_match(&rows[k], o.filter[0]))
			break;
	if (k == n)
		for (k = 0; k < n; k++)
			if (fc_ps_match(&rows[k], o.filter[0]))
				break;
	if (k == n) {
		fprintf(stderr, "fcapsule inspect: unknown app VM '%s'\n",
			o.filter[0]);
		ret = FC_EXIT_NO_APP;
		goto out;
	}
	in->row = rows[k];
	for (i = 0; i < n; i++)
		if (rows[i].ppid == in->row.domid && i != k &&
		    in->nchildren < 64)
			in->children[in->nchildren++] = rows[i].domid;
	if (!strcmp(in->row.state, "exited"))
		in->have_rec = !fc_exit_rec_read(in->row.domid, &in->rec);
	else
		fc_inspect_config(&x, in);
	if (strcmp(in->row.state, "exited") &&
	    !fc_net_addr_of_dom(in->row.domid, &addr, name, sizeof(name))) {
		inet_ntop(AF_INET, &addr, in->addr, sizeof(in->addr));
		fc_net_mac(addr, in->mac, sizeof(in->mac));
	}
	fc_console_log_path(in->row.name, in->console, sizeof(in->console));
	fc_inspect_print(in, o.json);
	ret = FC_EXIT_OK;
out:
	free(in);
	free(rows);
	fc_xl_close(&x);
	return ret;
}

/*
 * fcapsule rm ID|NAME...: forget exit records (all of a name's); a
 * running app VM has none to forget.  prune: every exit record.
 */
static int fc_rm_records(char **what, int n)
{
	struct fc_exit_rec *recs = NULL;
	int i, j, nrecs, found, ret = FC_EXIT_OK;

	nrecs = fc_exit_rec_list(&recs);
	if (nrecs < 0)
		nrecs = 0;
	for (j = 0; j < n; j++) {
		uint32_t id = 0;

		fc_parse_id(what[j], &id);
		found = 0;
		for (i = 0; i < nrecs; i++) {
			if (recs[i].domid != id &&
			    strcmp(recs[i].name, what[j]))
				continue;
			fc_exit_rec_remove(recs[i].domid);
			fc_debug("rm: exit record of dom%u %s", recs[i].domid,
				 recs[i].name);
			found = 1;
		}
		if (!found) {
			fprintf(stderr,
				"fcapsule rm: no exit record of '%s' (running "
				"app VMs are stopped with kill)\n",
				what[j]);
			ret = FC_EXIT_NO_APP;
		}
	}
	free(recs);
	return ret;
}

int main_rm(int argc, char **argv)
{
	char err[FC_ERR_MAX];
	int c, ret;

	optind = 0;
	while ((c = fc_getopt(argc, argv, "+", NULL, err)) != -1)
		return fc_parse_exit(
			"rm", c == 'h' ? FC_PARSE_HELP : FC_EXIT_USAGE, err);
	if (optind >= argc)
		return fc_usage_error("rm", "missing ID|NAME");
	ret = fc_check_root();
	if (ret)
		return ret;
	return fc_rm_records(argv + optind, argc - optind);
}

int main_prune(int argc, char **argv)
{
	struct fc_exit_rec *recs = NULL;
	int i, n, ret;

	if (argc > 1)
		return fc_usage_error("prune", "unexpected argument '%s'",
				      argv[1]);
	ret = fc_check_root();
	if (ret)
		return ret;
	n = fc_exit_rec_list(&recs);
	for (i = 0; i < n; i++)
		fc_exit_rec_remove(recs[i].domid);
	printf("%d\n", n > 0 ? n : 0);
	free(recs);
	return FC_EXIT_OK;
}
