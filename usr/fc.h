/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fcapsule (userspace tool) private header: the command table and the
 * entry point of every subcommand, grouped by topic.
 */
#ifndef FC_H
#define FC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FC_VERSION "0.1.0"

struct fc_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *help;
};

/* Exit codes shared by every subcommand (documented in docs/usage.md). */
enum fc_exit {
	FC_EXIT_OK = 0,
	FC_EXIT_FAIL = 1,      /* the operation failed */
	FC_EXIT_USAGE = 2,     /* bad command line */
	FC_EXIT_NO_IMAGE = 3,  /* unknown image (no such file) */
	FC_EXIT_NAME_USED = 4, /* an app VM or domain has that name */
	FC_EXIT_NO_MEMORY = 5, /* not enough free memory in Xen */
	FC_EXIT_NO_MODULE = 6, /* fcapsule.ko not loaded */
	FC_EXIT_NOT_ROOT = 7,  /* must run as root */
	FC_EXIT_NO_APP = 8,    /* unknown app VM (id or name) */
	FC_EXIT_XEN = 9,       /* Xen toolstack (libxl/xenstore) unavailable */
};

extern const struct fc_cmd fc_cmds[];
const struct fc_cmd *fc_cmd_find(const char *name);
int fc_main(int argc, char **argv);

/* Preconditions of the acting commands (xl.c): 0 or an exit code. */
int fc_check_root(void);
int fc_check_module(void);

/* Generic commands (cmd.c). */
int main_help(int argc, char **argv);
int main_version(int argc, char **argv);

/* The OS server (serve.c). */
int main_serve(int argc, char **argv);
int fc_serve_loop(long max_events);
struct fc_event;
int fc_serve_complete(int fd, const struct fc_event *ev, int status,
		      const void *payload, size_t len);
/* FORK requests (fork.c): 1 if @ev was one (it is then answered). */
int fc_fork_on_request(int fd, const struct fc_event *ev);

/* The OS server's reaper (reap.c), hooked into serve.c. */
struct fc_event;
void fc_reap_start(void);
void fc_reap_request_sync(void);
int fc_reap_on_request(const struct fc_event *ev, int *status);

/* App VMs like processes (cmd_vm.c, cmd_ps.c, logs.c, bench.c). */
int main_run(int argc, char **argv);
int main_kill(int argc, char **argv);
int main_cap(int argc, char **argv);
int main_ps(int argc, char **argv);
int main_logs(int argc, char **argv);
int main_bench(int argc, char **argv);
int main_fork(int argc, char **argv);
/* The warm pool of domain shells (cmd_pool.c, pool.c). */
int main_pool(int argc, char **argv);
/* Migration between instances and their overlay (migrate.c, overlay.c). */
int main_migrate(int argc, char **argv);
int main_migrate_receive(int argc, char **argv);
int fc_mig_notify_ended(uint32_t home, uint32_t addr, const char *name);
int fc_overlay_cmd(int argc, char **argv);
#define FC_OVERLAY_DEV "fcvx0" /* the VXLAN device, a port of the bridge */
int fc_overlay_delete(void);

/*
 * Paths (overridable for tests through the environment, see util.c).  A
 * build for an installed system (make install, make deb: FC_SYSTEM) never
 * looks into the source tree: its images, vif script and the state that
 * survives a reboot have their own places.
 */
#ifdef FC_SYSTEM
#define FC_IMAGE_DIR_DEFAULT "/usr/lib/fcapsule/images"
#define FC_STATE_DIR_DEFAULT "/var/lib/fcapsule"
#else
#define FC_IMAGE_DIR_DEFAULT "/var/lib/fcapsule/images"
#define FC_STATE_DIR_DEFAULT NULL /* the run dir: all state in one place */
#endif
#define FC_VIF_SCRIPT_SYSTEM "/etc/xen/scripts/vif-fcapsule"
#define FC_UNIT_PATH	     "/lib/systemd/system/fcapsule.service"
#define FC_RUN_DIR_DEFAULT   "/run/fcapsule"
#define FC_LOG_DIR_DEFAULT   "/var/log/xen/console"
#define FC_VMNAME_MAX	     64
#define FC_MEMORY_MB_MAX     (1UL << 20) /* run/pool --memory, manifests */
#define FC_VCPUS_MAX	     128UL
#define FC_PATH_MAX	     4096

/* ---- pure logic, no Xen (util.c): unit-tested on the host ---- */

/* A public port published at start (-p [PUBLIC:]PORT), host order. */
struct fc_run_port {
	uint16_t port;	/* public */
	uint16_t aport; /* the app VM's */
};

#define FC_RUN_PORTS_MAX 16

/* fcapsule run's command line. */
struct fc_run_opts {
	const char *image; /* as given: a name or a path */
	const char *name;  /* NULL: derived from the image */
	const char
		*image_dir;  /* --image-dir, else $FC_IMAGE_DIR, else default */
	const char *ramdisk; /* optional initrd (baseline Linux guests) */
	const char *extra;   /* --extra: prepended to the command line */
	unsigned long memory_mb;
	unsigned long vcpus;
	long cap; /* percent of one CPU; -1: none */
	int wait;
	int quiet;
	int net;     /* a vif on the app VM bridge with a private address */
	int cold;    /* --cold: never a pool shell */
	char **args; /* after "--" (or after IMAGE) */
	int nargs;
	const char *manifest; /* -f FILE: the defaults of all the above */
	unsigned int set;     /* FC_RUN_SET_*: given as flags, they win */
	struct fc_run_port ports[FC_RUN_PORTS_MAX]; /* -p, or the manifest's */
	int nports;
	void *cfg;	 /* the read manifest: owns its strings */
	char **cfg_args; /* the manifest's args (to free) */
};

enum {
	FC_RUN_SET_IMAGE = 1 << 0,
	FC_RUN_SET_NAME = 1 << 1,
	FC_RUN_SET_MEMORY = 1 << 2,
	FC_RUN_SET_VCPUS = 1 << 3,
	FC_RUN_SET_CAP = 1 << 4,
	FC_RUN_SET_NET = 1 << 5,
	FC_RUN_SET_ARGS = 1 << 6,
	FC_RUN_SET_EXTRA = 1 << 7,
	FC_RUN_SET_RAMDISK = 1 << 8,
	FC_RUN_SET_PORTS = 1 << 9,
};

int fc_parse_run_args(int argc, char **argv, struct fc_run_opts *o, char *err,
		      size_t errlen);
int fc_parse_ulong(const char *s, unsigned long min, unsigned long max,
		   unsigned long *out);
int fc_parse_run_port(const char *s, struct fc_run_port *p, char *err);
int fc_run_port_add(struct fc_run_port *ports, int *n,
		    const struct fc_run_port *p, char *err);
int fc_join_args(const char *extra, char **args, int nargs, char *buf,
		 size_t len);
int fc_image_resolve(const char *image, const char *dir, char *out, size_t len);
void fc_image_default_name(const char *image, char *out, size_t len);
int fc_name_valid(const char *name);
int fc_parse_signal(const char *s);
int fc_parse_id(const char *s, uint32_t *domid);
const char *fc_run_dir(void);
const char *fc_state_dir(void);
int fc_write_file_atomic(const char *path, const char *text);
const char *fc_image_dir(const char *opt);
double fc_monotonic_s(void);

/* Why an app VM ended; values match libxl_shutdown_reason (+ our own). */
enum fc_reason {
	FC_REASON_POWEROFF = 0,
	FC_REASON_REBOOT = 1,
	FC_REASON_SUSPEND = 2,
	FC_REASON_CRASH = 3,
	FC_REASON_WATCHDOG = 4,
	FC_REASON_SOFT_RESET = 5,
	FC_REASON_KILLED = 100,	    /* fcapsule kill -s KILL */
	FC_REASON_TERMINATED = 101, /* kill -s TERM, grace period ran out */
	FC_REASON_GONE = 102,	    /* destroyed behind our back */
};
const char *fc_reason_name(int reason);
int fc_reason_exit_code(int reason);
int fc_console_exit_code(const char *text, size_t len, int *code);

/* /run/fcapsule/exited/<domid>: what `ps -a` and `run --wait` read. */
struct fc_exit_rec {
	uint32_t domid;
	uint32_t ppid;
	char name[FC_VMNAME_MAX];
	int code;
	int reason;
	char source[16]; /* "ring", "console" or "reason" */
	int64_t started; /* epoch seconds */
	int64_t ended;
	uint64_t cpu_ns;
	uint64_t mem_kb;
};
int fc_exit_rec_format(const struct fc_exit_rec *r, char *buf, size_t len);
int fc_exit_rec_parse(const char *text, struct fc_exit_rec *r);

/* ---- ps rows and their text/JSON forms (psfmt.c), pure ---- */
struct fc_ps_row {
	uint32_t domid;
	uint32_t ppid;
	char name[FC_VMNAME_MAX];
	char state[16]; /* running/blocked/paused/shutdown/exited */
	int exit_code;	/* exited only, else -1 */
	uint64_t mem_kb;
	uint64_t cpu_ns;
	double cpu_pct;
	long cap; /* 0: none */
	char ports[64];
	long uptime_s; /* -1: unknown */
	int connected; /* the module's registry has it */
};
void fc_fmt_duration(long s, char *buf, size_t len);
void fc_fmt_cputime(uint64_t ns, char *buf, size_t len);
void fc_fmt_mem(uint64_t kb, char *buf, size_t len);
void fc_ps_print(FILE *f, const struct fc_ps_row *rows, int n);
void fc_ps_print_json(FILE *f, const struct fc_ps_row *rows, int n);
void fc_ps_row_json(FILE *f, const struct fc_ps_row *r);
void fc_json_string(FILE *f, const char *s);
int fc_ps_cmp(const void *a, const void *b);

/* ---- NAPT following listen() and app VM networking (napt.c, net.c,
 * listen.c, cmd_napt.c) ---- */
#define FC_NAPT_TABLE	   "fcapsule" /* table ip fcapsule */
#define FC_NAPT_MAP	   "ports"    /* tcp dport : addr . port */
#define FC_NAPT_POOL_MAP   "pools"    /* tcp dport . slot : addr . port */
#define FC_NAPT_POOL_SLOTS 60	      /* 1..6, 10, 12 members share evenly */
#define FC_NAPT_SNAT_SET \
	"relayed" /* app VM addresses: DNAT'd flows masqueraded */
#define FC_NAPT_CHAIN_PRE      "prerouting"
#define FC_NAPT_CHAIN_OUT      "output"
#define FC_NAPT_CHAIN_POST     "postrouting"
#define FC_NAPT_HELD_SET       "held" /* app VM addresses: new flows wait */
#define FC_NAPT_CHAIN_HOLD_PRE "hold_prerouting"
#define FC_NAPT_CHAIN_HOLD_OUT "hold_output"
#define FC_NAPT_COMMENT_MAX    96
#define FC_NET_BRIDGE	       "fcbr0"
#define FC_NET_DEFAULT_ADDR    0xc6120001u /* 198.18.0.1, host order */
#define FC_NET_DEFAULT_PREFIX  24
#define FC_NET_FIRST_HOST      10 /* app VMs get .10 ... .250 */
#define FC_NET_LAST_HOST       250

struct fc_napt_conf {
	uint32_t net; /* private network, network order */
	int prefix;
	char bridge[16];
};

/* One mapping: public TCP port -> app VM address . port. */
struct fc_napt_entry {
	uint16_t port;	/* public port, host order */
	uint16_t aport; /* app VM's port, host order */
	uint32_t addr;	/* app VM's address, network order */
	uint32_t domid; /* 0: added by an operator */
	uint64_t app_id;
	char name[FC_VMNAME_MAX];
	uint8_t pool;  /* a member of the port's pool (pools map) */
	uint16_t slot; /* its slot there */
	uint32_t
		fwd; /* the app VM runs on that Dom0 (network order), 0: here */
	uint32_t
		home; /* relayed only: a guest whose home instance is that Dom0 */
};

/* How a public port is mapped. */
enum { FC_NAPT_NONE, FC_NAPT_SINGLE, FC_NAPT_POOLED };

struct nftnl_set_elem;
void fc_napt_conf_default(struct fc_napt_conf *conf);
int fc_napt_build_init(void *buf, size_t len, uint32_t seq,
		       const struct fc_napt_conf *conf, size_t *out_len);
int fc_napt_build_elems(void *buf, size_t len, uint32_t seq, int add,
			const struct fc_napt_entry *e, int n, size_t *out_len);
int fc_napt_comment_format(const struct fc_napt_entry *e, char *buf,
			   size_t len);
int fc_napt_comment_parse(const char *s, struct fc_napt_entry *e);
int fc_napt_elem_parse(struct nftnl_set_elem *el, struct fc_napt_entry *e);
int fc_napt_parse_target(const char *s, uint32_t *addr, uint16_t *port);
int fc_napt_sort(struct fc_napt_entry *e, int n);
int fc_napt_port_members(const struct fc_napt_entry *e, int n, uint16_t port,
			 int *first, int *count);
int fc_napt_build_add(void *buf, size_t len, uint32_t seq,
		      const struct fc_napt_entry *e, size_t *out_len);
int fc_napt_build_port(void *buf, size_t len, uint32_t seq, uint16_t port,
		       int from, const struct fc_napt_entry *to, int n,
		       size_t *out_len);
void fc_napt_print(FILE *f, const struct fc_napt_entry *e, int n,
		   uint32_t public_addr);
void fc_napt_print_json(FILE *f, const struct fc_napt_entry *e, int n,
			uint32_t public_addr);
int fc_napt_nl_send(const void *buf, size_t len);
int fc_napt_rule_count(int *pre, int *out, int *post);
int fc_napt_init(void);
int fc_napt_fini(void);
int fc_napt_init_conf(const struct fc_napt_conf *conf, int force);
int fc_napt_add(uint16_t port, uint32_t addr, uint16_t aport);
int fc_napt_add_entry(const struct fc_napt_entry *e);
int fc_napt_del(uint16_t port);
int fc_napt_del_entries(const struct fc_napt_entry *e, int n);
int fc_napt_del_present(const struct fc_napt_entry *e, int n);
int fc_napt_del_app(uint32_t domid, uint64_t app_id);
int fc_napt_set_port(uint16_t port, int from, const struct fc_napt_entry *to,
		     int n);
int fc_napt_remove(const struct fc_napt_entry *gone, int n);
int fc_napt_remove_listed(const struct fc_napt_entry *e, int k,
			  const struct fc_napt_entry *gone, int n);
int fc_napt_get_single(uint16_t port, struct fc_napt_entry *out);
int fc_napt_build_forward(void *buf, size_t len, uint32_t seq,
			  const struct fc_napt_entry *e, int n, uint32_t fwd,
			  size_t *out_len);
int fc_napt_build_snat(void *buf, size_t len, uint32_t seq, int add,
		       const struct fc_napt_entry *e, size_t *out_len);
int fc_napt_forward_app(uint32_t domid, uint32_t fwd);
int fc_napt_snat_add(const struct fc_napt_entry *e);
int fc_napt_snat_del(uint32_t addr);
int fc_napt_unforward(uint32_t addr, uint32_t fwd);
int fc_napt_snat_list(struct fc_napt_entry **out, int *n);
int fc_napt_snat_elem_parse(struct nftnl_set_elem *el, struct fc_napt_entry *e);
int fc_napt_list(struct fc_napt_entry **out, int *n);

/* Holding new connections while an app VM cannot answer (hold.c; the
 * set and its rule are NAPT's, napt.c). */
#define FC_HOLD_QUEUE	   7802	      /* NFQUEUE number */
#define FC_HOLD_PROBE_MARK 0x66630001 /* the server's probes pass */
#define FC_HOLD_MIGRATE_MS 180000     /* a migration's whole stream */
#define FC_HOLD_FORK_MS	   60000      /* a fork's checkpoint */
#define FC_HOLD_TAIL_MS	   30000      /* resuming after it runs again */
#define FC_HOLD_BOOT_MS	   60000      /* booting, with published ports */
#define FC_HOLD_MAX_MS	   30000      /* one packet at most */
enum { FC_HOLD_ADD, FC_HOLD_RENEW, FC_HOLD_DEL };
int fc_napt_build_held(void *buf, size_t len, uint32_t seq, int op,
		       uint32_t addr, uint64_t timeout_ms, size_t *out_len);
int fc_napt_hold(uint32_t addr, uint64_t timeout_ms);
int fc_napt_unhold(uint32_t addr);

#define FC_HOLDQ_MAX 1024 /* packets held at once; more pass */
struct fc_held {
	uint32_t id;	/* the kernel's packet id */
	uint32_t daddr; /* network order */
	uint16_t dport; /* host order */
	double since;
};
struct fc_holdq {
	struct fc_held e[FC_HOLDQ_MAX];
	int n;
};
int fc_hold_parse(const unsigned char *p, size_t len, uint32_t *daddr,
		  uint16_t *dport);
int fc_holdq_add(struct fc_holdq *q, uint32_t id, uint32_t daddr,
		 uint16_t dport, double now);
int fc_holdq_take(struct fc_holdq *q, uint32_t daddr, uint16_t dport,
		  double before, struct fc_held *out, double *oldest);
int fc_hold_start(void);
void fc_hold_dom(uint32_t domid, uint64_t timeout_ms);
void fc_unhold_dom(uint32_t domid);

/* Dom0 networking for app VMs (net.c). */
void fc_net_conf(struct fc_napt_conf *conf);
uint32_t fc_net_public_addr(void);
int fc_net_setup(void);
int fc_net_teardown(char *busy, size_t len);
int fc_net_ensure(void);
int fc_net_addr_alloc(const char *name, uint32_t *addr);
int fc_net_addr_take(uint32_t addr, const char *name);
int fc_net_addr_bind(uint32_t addr, uint32_t domid);
int fc_net_addr_rename(uint32_t addr, const char *name);
int fc_net_addr_release(uint32_t addr);
int fc_net_addr_release_dom(uint32_t domid);
int fc_net_published_mark(uint32_t domid);
int fc_net_published(uint32_t domid);
void fc_net_published_clear(uint32_t domid);
int fc_net_addr_claim(const char *name, uint32_t domid, uint32_t *addr);
int fc_net_addr_unbound(const char *name, uint32_t *addr);
int fc_net_addr_each(int (*fn)(uint32_t addr, uint32_t owner, const char *name,
			       void *arg),
		     void *arg);
int fc_net_addr_sync(int (*alive)(uint32_t domid, void *arg), void *arg);
int fc_net_addr_of_dom(uint32_t domid, uint32_t *addr, char *name, size_t len);
int fc_net_addr_owner(uint32_t addr, uint32_t *domid, char *name, size_t len);
void fc_net_mac(uint32_t addr, char *buf, size_t len);
int fc_net_guest_config(uint32_t addr, char *buf, size_t len);
int fc_net_guest_config_gw(uint32_t addr, uint32_t gw, char *buf, size_t len);
uint32_t fc_net_gateway(void);
void fc_net_vif_name(uint32_t domid, char *buf, size_t len);
int fc_net_vif_attach(const char *ifname, const char *bridge);
int fc_net_vif_detach(const char *ifname);

/* The OS server's app VM addresses by domid, in memory (addrtab.c). */
struct fc_addr_ent {
	uint32_t domid;
	uint32_t addr; /* network order */
	int bound;     /* 0: allocated by name, bound at its first LISTEN */
	int published; /* has ports published at start not listened on yet */
	char name[FC_VMNAME_MAX];
};

struct fc_addrtab {
	struct fc_addr_ent *e;
	int n, cap;
};

int fc_addrtab_put(struct fc_addrtab *t, const struct fc_addr_ent *a);
int fc_addrtab_get(const struct fc_addrtab *t, uint32_t domid,
		   struct fc_addr_ent *out);
int fc_addrtab_drop(struct fc_addrtab *t, uint32_t domid);
void fc_addrtab_clear(struct fc_addrtab *t);
void fc_addrtab_free(struct fc_addrtab *t);

/* LISTEN/UNLISTEN/disconnect in the OS server (listen.c). */
struct fc_ioc_complete;
int fc_listen_handle(const struct fc_event *ev, struct fc_ioc_complete *c);
int fc_listen_forget(uint32_t domid, uint64_t app_id);
void fc_listen_refresh(void);
void fc_listen_reload(void);
void fc_listen_connect(uint32_t domid, const char *name);
void fc_listen_disconnect(uint32_t domid);
int fc_listen_publish(uint32_t domid, uint32_t addr, const char *name,
		      const struct fc_run_port *ports, int n, uint16_t *taken);
void fc_listen_persist(void);
int fc_listen_stale(struct fc_napt_entry *e, int n,
		    int (*alive)(uint32_t domid, void *arg), void *arg);
int fc_listen_sync(int (*alive)(uint32_t domid, void *arg), void *arg);
int main_napt(int argc, char **argv);
int main_net(int argc, char **argv);
/* ---- end of NAPT block ---- */

/* IPC between app VMs: policy and counters (cmd_ipc.c, issue 7). */
struct fc_ioc_ipc_rule;
int main_ipc(int argc, char **argv);
int fc_ipc_parse_end(const char *s, uint32_t *domid, char *name);
int fc_ipc_rules_of(uint32_t domid, const char *name, char *buf, size_t len);
int fc_ipc_rule_apply(const char *line);
int fc_ipc_make_rule(const char *a, const char *b, int del,
		     struct fc_ioc_ipc_rule *r);
void fc_ipc_end_str(const struct fc_ioc_ipc_rule *r, int b, char *out,
		    size_t len);

#endif /* FC_H */
