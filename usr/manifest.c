// SPDX-License-Identifier: GPL-2.0
/*
 * App manifests: `fcapsule run -f web.cfg` reads an app VM's settings in
 * xl's configuration syntax with libxlutil, the parser xl itself uses:
 *
 *   image = "httpd"            # a name in the image dir, or a path
 *   name = "web"
 *   memory = 8                 # MB
 *   vcpus = 1
 *   cap = 50                   # % of one CPU, 0: none
 *   network = "on"             # or "off" (also 1 / 0)
 *   args = [ "--workers", "2", "hello world" ]
 *   extra = "console=hvc0"     # PV Linux guests
 *   ramdisk = "initrd.gz"
 *
 * Flags given on the command line win over the manifest's keys.  A
 * relative path (with a '/') is relative to the manifest's directory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxlutil.h>

#include "cmd.h"

/* What a read manifest owns while its strings are in use (o->cfg). */
struct fc_manifest {
	XLU_Config *cfg;
	FILE *report; /* libxlutil's complaints, kept as long as cfg */
	char *report_buf;
	size_t report_len;
	char *paths[2]; /* image, ramdisk made relative to the manifest */
};

/* "dir/of/the/manifest/" + rel, for a path with a '/' (not absolute). */
static const char *fc_manifest_path(const char *manifest, const char *rel,
				    char **owned)
{
	const char *slash = strrchr(manifest, '/');
	size_t n;

	*owned = NULL;
	if (!strchr(rel, '/') || rel[0] == '/' || !slash)
		return rel;
	n = slash - manifest + 1 + strlen(rel) + 1;
	*owned = malloc(n);
	if (!*owned)
		return rel;
	snprintf(*owned, n, "%.*s%s", (int)(slash - manifest + 1), manifest,
		 rel);
	return *owned;
}

/* A string key: 0 absent, 1 present (*v), or a usage error in err. */
static int fc_cfg_string(XLU_Config *cfg, const char *key, const char **v,
			 char *err)
{
	int rc = xlu_cfg_get_string(cfg, key, v, 1);

	if (rc == ESRCH)
		return 0;
	if (rc)
		return -fc_arg_error(err, "%s: not a string", key);
	return 1;
}

/* A number key within [min, max]: 0 absent, 1 present, or an error. */
static int fc_cfg_number(XLU_Config *cfg, const char *key, long min, long max,
			 long *v, char *err)
{
	int rc = xlu_cfg_get_long(cfg, key, v, 1);

	if (rc == ESRCH)
		return 0;
	if (rc || *v < min || *v > max)
		return -fc_arg_error(err, "%s: not a number in %ld..%ld", key,
				     min, max);
	return 1;
}

static int fc_cfg_network(XLU_Config *cfg, int *net, char *err)
{
	const char *s;
	long v;

	if (!xlu_cfg_get_long(cfg, "network", &v, 1) && (v == 0 || v == 1)) {
		*net = v;
		return 1;
	}
	if (xlu_cfg_get_string(cfg, "network", &s, 1) == ESRCH)
		return 0;
	if (!xlu_cfg_get_string(cfg, "network", &s, 1)) {
		if (!strcmp(s, "on") || !strcmp(s, "yes")) {
			*net = 1;
			return 1;
		}
		if (!strcmp(s, "off") || !strcmp(s, "no") ||
		    !strcmp(s, "none")) {
			*net = 0;
			return 1;
		}
	}
	return -fc_arg_error(err, "network: \"on\" or \"off\" (or 1, 0)");
}

static int fc_cfg_args(XLU_Config *cfg, struct fc_run_opts *o, char *err)
{
	XLU_ConfigList *list;
	int i, n, rc;

	rc = xlu_cfg_get_list(cfg, "args", &list, &n, 1);
	if (rc == ESRCH)
		return 0;
	if (rc)
		return -fc_arg_error(err, "args: not a list of strings");
	o->cfg_args = calloc(n + 1, sizeof(*o->cfg_args));
	if (!o->cfg_args)
		return -fc_arg_error(err, "args: out of memory");
	for (i = 0; i < n; i++) {
		const char *a = xlu_cfg_get_listitem(list, i);

		if (!a)
			return -fc_arg_error(err,
					     "args: item %d is not a "
					     "string",
					     i + 1);
		if (!a[0] || strchr(a, '"'))
			return -fc_arg_error(err,
					     "args: item %d is empty or has a "
					     "double quote",
					     i + 1);
		o->cfg_args[i] = (char *)a;
	}
	if (!(o->set & FC_RUN_SET_ARGS)) {
		o->args = o->cfg_args;
		o->nargs = n;
	}
	return 1;
}

/* ports = [ "8080", "80:8080" ]: as -p, which wins over them. */
static int fc_cfg_ports(XLU_Config *cfg, struct fc_run_opts *o, char *err)
{
	struct fc_run_port p, ports[FC_RUN_PORTS_MAX];
	char why[FC_ERR_MAX];
	XLU_ConfigList *list;
	int i, n, k = 0, rc;

	rc = xlu_cfg_get_list(cfg, "ports", &list, &n, 1);
	if (rc == ESRCH)
		return 0;
	if (rc)
		return -fc_arg_error(err, "ports: not a list of strings");
	for (i = 0; i < n; i++) {
		const char *a = xlu_cfg_get_listitem(list, i);

		if (!a)
			return -fc_arg_error(
				err, "ports: item %d is not a string", i + 1);
		if (fc_parse_run_port(a, &p, why) ||
		    fc_run_port_add(ports, &k, &p, why))
			return -fc_arg_error(err, "ports: %s", why);
	}
	if (!(o->set & FC_RUN_SET_PORTS)) {
		memcpy(o->ports, ports, k * sizeof(ports[0]));
		o->nports = k;
	}
	return 1;
}

/* The manifest's first complaint, from libxlutil's report stream. */
static void fc_cfg_report(const char *buf, size_t len, const char *path, int rc,
			  char *err)
{
	size_t n = len ? strcspn(buf, "\n") : 0;

	if (n)
		fc_arg_error(err, "%.*s", (int)n, buf);
	else
		fc_arg_error(err, "cannot read manifest %s: %s", path,
			     strerror(rc));
}

int fc_run_manifest(struct fc_run_opts *o, char *err)
{
	struct fc_manifest *m;
	const char *s;
	XLU_Config *cfg;
	FILE *f;
	long v;
	int rc, net = 1;

	if (!o->manifest)
		return 0;
	f = fopen(o->manifest, "r");
	if (!f)
		return fc_arg_error(err, "cannot read manifest %s: %s",
				    o->manifest, strerror(errno));
	fclose(f);
	m = calloc(1, sizeof(*m));
	if (m)
		m->report = open_memstream(&m->report_buf, &m->report_len);
	if (m && m->report)
		m->cfg = xlu_cfg_init(m->report, o->manifest);
	o->cfg = m;
	if (!m || !m->cfg) {
		fc_run_opts_free(o);
		return fc_arg_error(err, "out of memory");
	}
	cfg = m->cfg;
	rc = xlu_cfg_readfile(cfg, o->manifest);
	if (rc) {
		fflush(m->report);
		fc_cfg_report(m->report_buf, m->report_len, o->manifest, rc,
			      err);
		goto out_free;
	}
	if ((rc = fc_cfg_string(cfg, "image", &s, err)) < 0)
		goto out_free;
	if (rc && !(o->set & FC_RUN_SET_IMAGE))
		o->image = fc_manifest_path(o->manifest, s, &m->paths[0]);
	if ((rc = fc_cfg_string(cfg, "name", &s, err)) < 0)
		goto out_free;
	if (rc && !fc_name_valid(s)) {
		fc_arg_error(err, "name: bad name '%s'", s);
		goto out_free;
	}
	if (rc && !(o->set & FC_RUN_SET_NAME))
		o->name = s;
	if ((rc = fc_cfg_number(cfg, "memory", 1, FC_MEMORY_MB_MAX, &v, err)) <
	    0)
		goto out_free;
	if (rc && !(o->set & FC_RUN_SET_MEMORY))
		o->memory_mb = v;
	if ((rc = fc_cfg_number(cfg, "vcpus", 1, FC_VCPUS_MAX, &v, err)) < 0)
		goto out_free;
	if (rc && !(o->set & FC_RUN_SET_VCPUS))
		o->vcpus = v;
	if ((rc = fc_cfg_number(cfg, "cap", 0, 12800, &v, err)) < 0)
		goto out_free;
	if (rc && !(o->set & FC_RUN_SET_CAP))
		o->cap = v;
	if ((rc = fc_cfg_network(cfg, &net, err)) < 0)
		goto out_free;
	if (rc && !(o->set & FC_RUN_SET_NET))
		o->net = net;
	if ((rc = fc_cfg_string(cfg, "extra", &s, err)) < 0)
		goto out_free;
	if (rc && !(o->set & FC_RUN_SET_EXTRA))
		o->extra = s;
	if ((rc = fc_cfg_string(cfg, "ramdisk", &s, err)) < 0)
		goto out_free;
	if (rc && !(o->set & FC_RUN_SET_RAMDISK))
		o->ramdisk = fc_manifest_path(o->manifest, s, &m->paths[1]);
	if (fc_cfg_args(cfg, o, err) < 0)
		goto out_free;
	if (fc_cfg_ports(cfg, o, err) < 0)
		goto out_free;
	if (o->nports && !o->net) {
		fc_arg_error(err, "ports need a network (network = \"on\")");
		goto out_free;
	}
	if (!o->image) {
		fc_arg_error(err, "%s: no image (image = \"NAME\" or IMAGE)",
			     o->manifest);
		goto out_free;
	}
	if (o->cap > 0 && (unsigned long)o->cap > 100 * o->vcpus) {
		fc_arg_error(err, "cap %ld is over 100%% per vcpu (%lu vcpus)",
			     o->cap, o->vcpus);
		goto out_free;
	}
	return 0;
out_free:
	fc_run_opts_free(o);
	return FC_EXIT_USAGE;
}

/* The manifest's strings are in o: free them once o is done with. */
void fc_run_opts_free(struct fc_run_opts *o)
{
	struct fc_manifest *m = o->cfg;

	if (m) {
		if (m->cfg)
			xlu_cfg_destroy(m->cfg);
		if (m->report)
			fclose(m->report);
		free(m->report_buf);
		free(m->paths[0]);
		free(m->paths[1]);
		free(m);
	}
	free(o->cfg_args);
	o->cfg = NULL;
	o->cfg_args = NULL;
}
