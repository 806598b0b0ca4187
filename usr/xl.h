/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Xen side of the fcapsule tool: a thin libxl wrapper (xl.c), the
 * app VM's xenstore device nodes (devnode.c), reaping and the run
 * directory (reap.c).
 */
#ifndef FC_XL_H
#define FC_XL_H

#include <libxl.h>
#include <libxl_utils.h>
#include <xenstore.h>

#include "fc.h"

struct fc_xl {
	libxl_ctx *ctx;
	xentoollog_logger *lg;
	struct xs_handle *xs;
};

/* What `run` creates. */
struct fc_vm_spec {
	const char *name;
	const char *kernel;
	const char *ramdisk; /* NULL: none */
	const char *cmdline;
	unsigned long memory_mb;
	unsigned long vcpus;
	long cap; /* -1: scheduler default */
	uint32_t parent;
	/* One vif when nic_ip is set (docs/net.md): */
	const char *nic_ip;	/* dotted quad, written to the backend */
	const char *nic_mac;	/* xx:xx:xx:xx:xx:xx */
	const char *nic_bridge; /* Dom0 bridge the vif joins */
	const char *nic_script; /* hotplug script (scripts/vif-fcapsule) */
};

int fc_xl_open(struct fc_xl *x);
int fc_xl_open_root(struct fc_xl *x);
void fc_xl_close(struct fc_xl *x);

/* libxl (xl.c) */
int fc_xl_create(struct fc_xl *x, const struct fc_vm_spec *s, uint32_t *domid);
int fc_xl_destroy(struct fc_xl *x, uint32_t domid);
int fc_xl_set_cap(struct fc_xl *x, uint32_t domid, long cap);
long fc_xl_get_cap(struct fc_xl *x, uint32_t domid);
int fc_xl_name_in_use(struct fc_xl *x, const char *name);
int fc_xl_lookup(struct fc_xl *x, const char *what, uint32_t *domid);
int fc_xl_resolve(struct fc_xl *x, const char *what, uint32_t *domid);

/* Where one start's time goes: FC_TIMING=1 (xl.c, docs/bench.md) */
int fc_timing_on(void);
void fc_timing_mark(const char *phase);
xentoollog_logger *fc_timing_logger(xentoollog_logger *inner);
void fc_timing_follow(struct fc_xl *x, uint32_t domid, const char *name,
		      double timeout_s);

/* xenstore device nodes (devnode.c) */
int fc_devnode_add(struct xs_handle *xs, uint32_t domid, uint32_t parent);
void fc_devnode_remove(struct xs_handle *xs, uint32_t domid);
int fc_devnode_set_str(struct xs_handle *xs, uint32_t domid, const char *key,
		       const char *val);
int fc_devnode_get_str(struct xs_handle *xs, uint32_t domid, const char *key,
		       char *buf, size_t len);
int fc_devnode_list(struct xs_handle *xs, uint32_t **domids);
int fc_devnode_exists(struct xs_handle *xs, uint32_t domid);
uint32_t fc_devnode_parent(struct xs_handle *xs, uint32_t domid);
int fc_devnode_descendants(struct xs_handle *xs, const uint32_t *roots, int n,
			   uint32_t **out);

int fc_devnode_set_net(struct xs_handle *xs, uint32_t domid, uint32_t addr);
int fc_devnode_set_net_gw(struct xs_handle *xs, uint32_t domid, uint32_t addr,
			  uint32_t gw);
uint32_t fc_devnode_gateway(struct xs_handle *xs, uint32_t domid);

/* fork of an app VM (fork.c) */
struct fc_fork_opts {
	uint32_t parent;
	const char *name; /* NULL: PARENT.1, PARENT.2, ... */
	int mark;	  /* asked by the parent's fork(): mark the child */
	int verbose;
};

struct fc_fork_result {
	uint32_t child;
	char name[FC_VMNAME_MAX];
	double t_start, t_end; /* monotonic seconds */
	double save_s;	       /* checkpoint start until the parent runs */
	double restore_s;      /* checkpoint start until the child runs */
};

int fc_fork(struct fc_xl *x, const struct fc_fork_opts *o,
	    struct fc_fork_result *res);
int fc_fork_take_mark(uint32_t domid);

/* Exit records, reaping, the OS server in the background (reap.c) */
int fc_rundir_init(void);
int fc_exit_rec_write(const struct fc_exit_rec *r);
int fc_exit_rec_read(uint32_t domid, struct fc_exit_rec *r);
int fc_exit_rec_list(struct fc_exit_rec **recs);
void fc_exit_rec_remove(uint32_t domid);
int fc_reap(struct fc_xl *x, uint32_t domid, int forced_reason);
int fc_reap_scan(struct fc_xl *x);
#define FC_REAP_PARALLEL 8
int fc_reap_many(struct fc_xl *x, const uint32_t *ids, int n,
		 int forced_reason);
int fc_server_ensure(void);
int fc_console_log_path(const char *name, char *buf, size_t len);
const char *fc_log_dir(const char *opt);

#endif /* FC_XL_H */
