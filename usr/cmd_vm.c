// SPDX-License-Identifier: GPL-2.0
/*
 * App VM life cycle: fcapsule run, kill and cap.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <arpa/inet.h>

#include "cmd.h"
#include "pool.h"
#include "xl.h"

/* First free name among NAME, NAME-2, NAME-3, ... */
static int fc_pick_name(struct fc_xl *x, const char *image, char *out,
			size_t len)
{
	char base[FC_VMNAME_MAX - 8];
	int i;

	fc_image_default_name(image, base, sizeof(base));
	snprintf(out, len, "%s", base);
	for (i = 2; fc_xl_name_in_use(x, out); i++) {
		if (i > 100000)
			return -EEXIST;
		snprintf(out, len, "%s-%d", base, i);
	}
	return 0;
}

/*
 * xenconsoled appends to guest-NAME.log: move an earlier app's log of the
 * same name aside so that this one's FC-EXIT line is the only one.
 */
static void fc_rotate_console_log(const char *name)
{
	char path[FC_PATH_MAX], old[FC_PATH_MAX + 8];

	if (fc_console_log_path(name, path, sizeof(path)))
		return;
	snprintf(old, sizeof(old), "%s.old", path);
	rename(path, old);
}

/*
 * Block until the app VM has ended and been reaped (by the OS server or
 * by us, whoever sees it first); returns its exit code, or -1.
 */
static int fc_wait_exit(struct fc_xl *x, uint32_t domid)
{
	struct fc_exit_rec r;
	unsigned int n;
	char **w;

	xs_watch(x->xs, "@releaseDomain", "fc-wait");
	for (;;) {
		struct pollfd p = { .fd = xs_fileno(x->xs), .events = POLLIN };

		if (!fc_exit_rec_read(domid, &r))
			return r.code & 0xff;
		if (fc_reap(x, domid, -1) < 0 ||
		    (!fc_devnode_exists(x->xs, domid) &&
		     fc_exit_rec_read(domid, &r)))
			return -1;
		if (poll(&p, 1, 1000) > 0) {
			w = xs_read_watch(x->xs, &n);
			free(w);
		}
	}
}

/*
 * The vif hotplug script ($FC_VIF_SCRIPT overrides): the installed one
 * (/etc/xen/scripts) in a system build, else scripts/vif-fcapsule of the
 * tree this tool was built in.  Debian's vif-bridge would cost seconds
 * per app VM (DESIGN.md).
 */
static int fc_vif_script(char *buf, size_t len)
{
	const char *env = getenv("FC_VIF_SCRIPT");
	char exe[FC_PATH_MAX], *slash;
	ssize_t n;
	int i;

	if (env && env[0]) {
		snprintf(buf, len, "%s", env);
		return access(buf, X_OK) ? -errno : 0;
	}
#ifdef FC_SYSTEM
	snprintf(buf, len, "%s", FC_VIF_SCRIPT_SYSTEM);
	return access(buf, X_OK) ? -errno : 0;
#endif
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return -errno;
	exe[n] = '\0';
	/* <top>/build/usr/fcapsule -> <top> */
	for (i = 0; i < 3; i++) {
		slash = strrchr(exe, '/');
		if (!slash)
			return -ENOENT;
		*slash = '\0';
	}
	if ((size_t)snprintf(buf, len, "%s/scripts/vif-fcapsule", exe) >= len)
		return -ENAMETOOLONG;
	return access(buf, X_OK) ? -errno : 0;
}

/* Dom0 side of an app VM's network: @cmd names the caller in errors. */
int fc_run_net_prepare(const char *cmd, const char *name, struct fc_run_net *n)
{
	struct fc_napt_conf conf;
	int err, ret = FC_EXIT_FAIL;

	err = fc_vif_script(n->script, sizeof(n->script));
	if (err) {
		fprintf(stderr,
			"%s: vif script %s: %s (--no-net runs "
			"without a network)\n",
			cmd, n->script, strerror(-err));
		goto out;
	}
	if (fc_net_ensure()) {
		fprintf(stderr,
			"%s: Dom0 network setup failed (--no-net runs "
			"without a network)\n",
			cmd);
		goto out;
	}
	err = fc_net_addr_alloc(name, &n->addr);
	if (err) {
		n->addr = 0;
		fprintf(stderr, "%s: no free app VM address: %s\n", cmd,
			strerror(-err));
		goto out;
	}
	inet_ntop(AF_INET, &n->addr, n->ip, sizeof(n->ip));
	fc_net_mac(n->addr, n->mac, sizeof(n->mac));
	fc_net_conf(&conf);
	snprintf(n->bridge, sizeof(n->bridge), "%s", conf.bridge);
	ret = 0;
out:
	return ret;
}

/* `run -p`: @o's ports mapped to the app VM before it boots. */
static int fc_run_publish(uint32_t domid, const char *name, uint32_t addr,
			  const struct fc_run_opts *o)
{
	uint16_t taken;
	int err;

	err = fc_listen_publish(domid, addr, name, o->ports, o->nports, &taken);
	if (!err)
		return 0;
	if (taken)
		fprintf(stderr,
			"fcapsule run: public port %u is mapped already "
			"(fcapsule napt)\n",
			taken);
	else
		fprintf(stderr, "fcapsule run: publishing the ports: %s\n",
			strerror(-err));
	return FC_EXIT_FAIL;
}

/* The name @o asks for, or the image's first free one. */
static int fc_run_name(struct fc_xl *x, const struct fc_run_opts *o, char *name,
		       size_t len)
{
	if (o->name) {
		snprintf(name, len, "%s", o->name);
		if (fc_xl_name_in_use(x, name)) {
			fprintf(stderr, "fcapsule run: name '%s' in use\n",
				name);
			return FC_EXIT_NAME_USED;
		}
	} else if (fc_pick_name(x, o->image, name, len)) {
		fprintf(stderr, "fcapsule run: no free name for '%s'\n",
			o->image);
		return FC_EXIT_NAME_USED;
	}
	return 0;
}

/* The last steps of a start, warm or cold: @how is kept for inspect. */
static int fc_run_unpause(struct fc_xl *x, uint32_t domid, const char *name,
			  const char *how)
{
	fc_devnode_set_str(x->xs, domid, "start", how);
	fc_exit_rec_remove(domid); /* of an earlier domain with this id */
	if (fc_server_ensure())
		fprintf(stderr,
			"fcapsule run: warning: the OS server "
			"(fcapsule serve) did not start; see %s/serve.log\n",
			fc_run_dir());
	fc_timing_mark("run.server-ensured");
	if (libxl_domain_unpause(x->ctx, domid, NULL)) {
		fprintf(stderr, "fcapsule run: unpausing dom%u failed\n",
			domid);
		return FC_EXIT_XEN;
	}
	fc_timing_mark("run.unpaused");
	fc_debug("run: dom%u %s unpaused (%s start)", domid, name, how);
	return 0;
}

/*
 * What a warm start adds to the shell @sh, already renamed to @name by
 * the claim: its address's name, command line, cap and console log.  An
 * exit code; the caller unwinds as for a created domain.
 */
static int fc_run_warm(struct fc_xl *x, const struct fc_run_opts *o,
		       const char *name, const char *cmdline,
		       const struct fc_pool_shell *sh)
{
	uint32_t domid = sh->domid;

	fc_timing_mark("run.shell-claimed");
	fc_debug("run: warm start in pool shell dom%u %s", domid, sh->name);
	if (sh->addr && fc_net_addr_rename(sh->addr, name)) {
		fprintf(stderr,
			"fcapsule run: renaming dom%u's address failed\n",
			domid);
		return FC_EXIT_FAIL;
	}
	/* the backend's directory: the app VM reads it and cannot change it */
	if (fc_devnode_set_str(x->xs, domid, "cmdline", cmdline)) {
		fprintf(stderr,
			"fcapsule run: writing dom%u's command line failed\n",
			domid);
		return FC_EXIT_XEN;
	}
	if (o->cap >= 0 && fc_xl_set_cap(x, domid, o->cap)) {
		fprintf(stderr, "fcapsule run: setting dom%u's cap failed\n",
			domid);
		return FC_EXIT_XEN;
	}
	if (fc_pool_console_follow(name, sh->name))
		fprintf(stderr,
			"fcapsule run: warning: xenconsoled did not reopen "
			"dom%u's log as %s\n",
			domid, name);
	fc_timing_mark("run.console-renamed");
	return FC_EXIT_OK;
}

/* The pool's kind of shell @o would run in. */
static void fc_run_pool_spec(const struct fc_run_opts *o, const char *kernel,
			     struct fc_pool_spec *want)
{
	memset(want, 0, sizeof(*want));
	if (!realpath(kernel, want->kernel))
		snprintf(want->kernel, sizeof(want->kernel), "%s", kernel);
	want->memory_mb = o->memory_mb;
	want->vcpus = o->vcpus;
	want->net = o->net;
}

/*
 * Start the app VM @o describes: resolve its image, pick its name and
 * address, create it paused, write its device nodes, make sure an OS
 * server runs, unpause it.  Returns an exit code (enum fc_exit); on any
 * failure nothing is left behind, and ^C is deferred meanwhile.
 */
int fc_run_app(struct fc_xl *x, const struct fc_run_opts *o,
	       uint32_t *domid_out)
{
	char kernel[FC_PATH_MAX], ramdisk[FC_PATH_MAX];
	char name[FC_VMNAME_MAX], cmdline[1024];
	struct fc_vm_spec s;
	struct fc_run_net net = { 0 };
	sigset_t block, old;
	uint32_t domid = INVALID_DOMID;
	const char *how = "cold"; /* or "warm": a pool shell */
	int ret, err;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_SETMASK, NULL, &old);

	fc_timing_mark("run.begin");
	if (fc_image_resolve(o->image, fc_image_dir(o->image_dir), kernel,
			     sizeof(kernel))) {
		fprintf(stderr,
			"fcapsule run: unknown image '%s' (no file %s)\n",
			o->image, kernel);
		return FC_EXIT_NO_IMAGE;
	}
	if (o->ramdisk &&
	    fc_image_resolve(o->ramdisk, ".", ramdisk, sizeof(ramdisk))) {
		fprintf(stderr, "fcapsule run: unknown ramdisk '%s'\n",
			o->ramdisk);
		return FC_EXIT_NO_IMAGE;
	}
	err = fc_join_args(o->extra, o->args, o->nargs, cmdline,
			   sizeof(cmdline));
	if (err) {
		if (err == -E2BIG)
			fprintf(stderr,
				"fcapsule run: arguments too long (%zu "
				"max)\n",
				sizeof(cmdline) - 1);
		else
			fprintf(stderr, "fcapsule run: an argument is empty "
					"or has a double quote\n");
		return FC_EXIT_USAGE;
	}
	ret = fc_check_module();
	if (ret)
		return ret;
	ret = fc_run_name(x, o, name, sizeof(name));
	if (ret)
		return ret;
	fc_debug("run: %s as %s, %lu MB, %lu vcpus, cmdline '%s'", kernel, name,
		 o->memory_mb, o->vcpus, cmdline);
	fc_rundir_init();
	fc_rotate_console_log(name);

	/* From here, a half-created app VM must not be left by a ^C. */
	sigprocmask(SIG_BLOCK, &block, NULL);
	if (!o->cold && !o->ramdisk) {
		struct fc_pool_spec want;
		struct fc_pool_shell sh;

		fc_run_pool_spec(o, kernel, &want);
		if (!fc_pool_claim(x, &want, name, &sh)) {
			domid = sh.domid;
			net.addr = sh.addr;
			how = "warm";
			ret = fc_run_warm(x, o, name, cmdline, &sh);
			if (ret)
				goto out_destroy;
			goto publish;
		}
		fc_debug("run: no pool shell for %s: cold start", want.kernel);
	}
	memset(&s, 0, sizeof(s));
	s.name = name;
	s.kernel = kernel;
	s.ramdisk = o->ramdisk ? ramdisk : NULL;
	s.cmdline = cmdline;
	s.memory_mb = o->memory_mb;
	s.vcpus = o->vcpus;
	s.cap = o->cap;
	if (o->net) {
		ret = fc_run_net_prepare("fcapsule run", name, &net);
		if (ret)
			goto out;
		s.nic_ip = net.ip;
		s.nic_mac = net.mac;
		s.nic_bridge = net.bridge;
		s.nic_script = net.script;
		fc_debug("run: address %s, mac %s, script %s", net.ip, net.mac,
			 net.script);
	}
	ret = fc_xl_create(x, &s, &domid);
	if (ret)
		goto out_release;
	if (net.addr)
		fc_net_addr_bind(net.addr, domid);
	if (fc_devnode_add(x->xs, domid, 0)) {
		fprintf(stderr,
			"fcapsule run: writing the device nodes of "
			"dom%u failed\n",
			domid);
		ret = FC_EXIT_XEN;
		goto out_destroy;
	}
	if (net.addr && fc_devnode_set_net(x->xs, domid, net.addr)) {
		fprintf(stderr,
			"fcapsule run: writing the network settings of "
			"dom%u failed\n",
			domid);
		ret = FC_EXIT_XEN;
		goto out_destroy;
	}
	fc_timing_mark("run.devnodes-written");
publish:
	if (o->nports) {
		ret = fc_run_publish(domid, name, net.addr, o);
		if (ret)
			goto out_destroy;
	}
	ret = fc_run_unpause(x, domid, name, how);
	if (ret)
		goto out_destroy;
	/* Created: nothing to undo; the reaper releases the address. */
	*domid_out = domid;
	ret = FC_EXIT_OK;
	goto out;
out_destroy:
	fc_xl_destroy(x, domid);
	if (net.addr)
		fc_net_addr_release_dom(domid);
	net.addr = 0;
out_release:
	if (net.addr)
		fc_net_addr_release(net.addr);
out:
	sigprocmask(SIG_SETMASK, &old, NULL);
	return ret;
}

int main_run(int argc, char **argv)
{
	char err[FC_ERR_MAX];
	struct fc_run_opts o;
	struct fc_xl x = { 0 };
	uint32_t domid;
	int ret, code;

	fc_timing_mark("run.main"); /* what exec and the libraries cost */
	ret = fc_parse_run_args(argc, argv, &o, err, sizeof(err));
	if (!ret)
		ret = fc_run_manifest(&o, err);
	if (ret)
		return fc_parse_exit("run", ret, err);
	ret = fc_xl_open_root(&x);
	if (ret)
		goto out;
	ret = fc_run_app(&x, &o, &domid);
	if (ret)
		goto out;
	printf("%u\n", domid);
	fflush(stdout);
	if (getenv("FC_TIMING")) {
		char *name = libxl_domid_to_name(x.ctx, domid);

		fc_timing_follow(&x, domid, name ? name : "", 60);
		free(name);
	}
	if (o.wait) {
		code = fc_wait_exit(&x, domid);
		ret = code < 0 ? FC_EXIT_FAIL : code;
	}
out:
	fc_xl_close(&x);
	fc_run_opts_free(&o);
	return ret;
}

/*
 * libxl_domain_shutdown() writes control/shutdown, then waits up to 60 s
 * for the guest to acknowledge it: each runs aside (own libxl context),
 * so that the grace period is ours.
 */
static void *fc_term_thread(void *arg)
{
	uint32_t domid = (uintptr_t)arg;
	struct fc_xl x;

	if (!fc_xl_open(&x)) {
		libxl_domain_shutdown(x.ctx, domid, NULL);
		fc_xl_close(&x);
	}
	return NULL;
}

/*
 * Add every descendant of the first *@n app VMs of *@ids (kill --tree);
 * the three arrays grow together.  Returns 0 or FC_EXIT_FAIL.
 */
static int fc_kill_add_tree(struct fc_xl *x, uint32_t **ids, uint32_t **ended,
			    uint32_t **late, int *n)
{
	uint32_t *desc, *p;
	int nd = fc_devnode_descendants(x->xs, *ids, *n, &desc);

	if (nd <= 0)
		return nd < 0 ? FC_EXIT_FAIL : 0;
	p = realloc(*ids, (*n + nd) * sizeof(*p));
	if (p)
		*ids = p;
	p = p ? realloc(*ended, (*n + nd) * sizeof(*p)) : NULL;
	if (p)
		*ended = p;
	p = p ? realloc(*late, (*n + nd) * sizeof(*p)) : NULL;
	if (p)
		*late = p;
	if (!p) {
		free(desc);
		return FC_EXIT_FAIL;
	}
	memcpy(*ids + *n, desc, nd * sizeof(*desc));
	*n += nd;
	free(desc);
	return 0;
}

/*
 * Ask each app VM to power off (control/shutdown), one thread each, in a
 * process of their own: the reaps that follow fork, and a fork while
 * another thread is inside libxl leaves the child on libxl's locks with
 * nobody to release them.  Returns the asking process, or -1.
 */
static pid_t fc_kill_ask_term(struct fc_xl *x, const uint32_t *ids, int n)
{
	pthread_t *th;
	pid_t pid;
	int i;

	fflush(NULL);
	pid = fork();
	if (pid)
		return pid;
	libxl_postfork_child_noexec(x->ctx);
	th = calloc(n, sizeof(*th));
	for (i = 0; th && i < n; i++)
		if (pthread_create(&th[i], NULL, fc_term_thread,
				   (void *)(uintptr_t)ids[i]))
			th[i] = 0;
	for (i = 0; th && i < n; i++)
		if (th[i])
			pthread_join(th[i], NULL);
	_exit(0);
}

/* Done waiting: an unanswered request has nothing left to ask. */
static void fc_kill_end_asking(pid_t asker)
{
	if (asker <= 0)
		return;
	kill(asker, SIGKILL);
	/* libxl's SIGCHLD handling may have reaped it: ECHILD is fine */
	while (waitpid(asker, NULL, 0) < 0 && errno == EINTR)
		;
}

/*
 * Stop the app VMs @o names.  TERM: ask every app VM to power off
 * (control/shutdown), wait for them together, destroy those still
 * running after the grace period.  KILL: destroy at once.  Either way
 * the exit is recorded for ps -a.  Forked children outlive their parent
 * (orphans) unless o->tree.  Returns an exit code (enum fc_exit).
 */
int fc_kill_apps(struct fc_xl *x, const struct fc_kill_opts *o)
{
	uint32_t *ids = NULL, *ended = NULL, *late = NULL;
	int i, n = 0, left, named, ret = FC_EXIT_OK;
	pid_t asker = -1;
	double deadline;

	ids = calloc(o->ntargets + 1, sizeof(*ids));
	ended = calloc(o->ntargets + 1, sizeof(*ended));
	late = calloc(o->ntargets + 1, sizeof(*late));
	if (!ids || !ended || !late) {
		ret = FC_EXIT_FAIL;
		goto out;
	}
	for (i = 0; i < o->ntargets; i++) {
		uint32_t d;
		int r = fc_xl_resolve(x, o->targets[i], &d);

		if (r) {
			ret = r;
			continue;
		}
		ids[n++] = d;
	}
	named = n;
	if (o->tree && fc_kill_add_tree(x, &ids, &ended, &late, &n)) {
		fprintf(stderr, "fcapsule kill: cannot list the children\n");
		ret = FC_EXIT_FAIL;
		n = named;
	}
	fc_debug("kill: %d app VMs, %s, grace %lu s", n,
		 o->sig == SIGKILL ? "KILL" : "TERM", o->grace);
	if (o->sig == SIGTERM && n) {
		asker = fc_kill_ask_term(x, ids, n);
		if (asker < 0)
			fprintf(stderr,
				"fcapsule kill: cannot ask for a power off: "
				"%s (destroying after the grace period)\n",
				strerror(errno));
	}
	if (o->sig == SIGKILL) {
		fc_reap_many(x, ids, n, FC_REASON_KILLED);
		goto out;
	}
	deadline = fc_monotonic_s() + o->grace;
	for (left = n; left > 0;) {
		int nended = 0, nlate = 0;

		left = 0;
		for (i = 0; i < n; i++) {
			libxl_dominfo info;
			int gone, down;

			if (!ids[i])
				continue;
			libxl_dominfo_init(&info);
			gone = libxl_domain_info(x->ctx, &info, ids[i]) != 0;
			down = !gone && info.shutdown;
			libxl_dominfo_dispose(&info);
			if (!gone && !down && fc_monotonic_s() < deadline) {
				left++;
				continue;
			}
			/* one reading of the clock decides: handed to a reap */
			if (gone || down)
				ended[nended++] = ids[i];
			else
				late[nlate++] = ids[i];
			ids[i] = 0;
		}
		fc_reap_many(x, ended, nended, -1);
		fc_reap_many(x, late, nlate, FC_REASON_TERMINATED);
		if (left)
			usleep(100 * 1000);
	}
out:
	fc_kill_end_asking(asker);
	free(ids);
	free(ended);
	free(late);
	return ret;
}

/* fcapsule kill [-s TERM|KILL] [--grace SEC] [--tree] ID|NAME... */
int main_kill(int argc, char **argv)
{
	struct fc_kill_opts o;
	char err[FC_ERR_MAX];
	struct fc_xl x = { 0 };
	int ret;

	ret = fc_parse_kill_args(argc, argv, &o, err);
	if (ret)
		return fc_parse_exit("kill", ret, err);
	ret = fc_xl_open_root(&x);
	if (ret)
		return ret;
	ret = fc_kill_apps(&x, &o);
	fc_xl_close(&x);
	return ret;
}

/* fcapsule cap ID|NAME PCT: credit scheduler cap, 0 = none. */
int main_cap(int argc, char **argv)
{
	char err[FC_ERR_MAX];
	struct fc_xl x = { 0 };
	libxl_dominfo info;
	const char *target;
	unsigned long pct;
	uint32_t d;
	int ret;

	ret = fc_parse_cap_args(argc, argv, &target, &pct, err);
	if (ret)
		return fc_parse_exit("cap", ret, err);
	libxl_dominfo_init(&info);
	ret = fc_xl_open_root(&x);
	if (ret)
		goto out;
	ret = fc_xl_resolve(&x, target, &d);
	if (ret)
		goto out;
	if (!libxl_domain_info(x.ctx, &info, d) &&
	    pct > 100UL * (info.vcpu_online ? info.vcpu_online : 1)) {
		fprintf(stderr,
			"fcapsule cap: %lu%% is over 100%% per vcpu "
			"(%u vcpus)\n",
			pct, info.vcpu_online);
		ret = FC_EXIT_USAGE;
		goto out;
	}
	if (fc_xl_set_cap(&x, d, pct)) {
		fprintf(stderr,
			"fcapsule cap: setting the cap of dom%u failed "
			"(credit scheduler?)\n",
			d);
		ret = FC_EXIT_XEN;
		goto out;
	}
	ret = FC_EXIT_OK;
out:
	libxl_dominfo_dispose(&info);
	fc_xl_close(&x);
	return ret;
}
