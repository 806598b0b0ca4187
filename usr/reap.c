// SPDX-License-Identifier: GPL-2.0
/*
 * Reaping app VMs, the OS server's second loop.  App VMs are created with
 * on_poweroff/on_crash = preserve, so a finished one stays as a shut-down
 * domain until reaped here: its exit code is recorded in
 * /run/fcapsule/exited/<domid> (what `ps -a` and `run --wait` read), then
 * the domain and its device nodes are destroyed.
 *
 * The exit code comes from, in order: the app's EXIT request on the ring
 * (saved by the event loop in /run/fcapsule/exitcode/<domid>), the last
 * "FC-EXIT <code>" line of its console log, the shutdown reason
 * (fc_reason_exit_code()).
 *
 * State lives only in Xen, xenstore and the run directory, so a restarted
 * server simply carries on.  `run --wait` and `kill` reap too when they
 * see the end first, so reaping one app VM is serialised by a lock (on its
 * own byte of reap.lock); different app VMs are reaped in parallel.
 */
#define _GNU_SOURCE /* F_OFD_SETLKW */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcapsule/ioctl.h>
/* ring.h's ring macros want the barriers; only the payloads are used. */
#define xen_mb()  __sync_synchronize()
#define xen_rmb() __sync_synchronize()
#define xen_wmb() __sync_synchronize()
#include <fcapsule/ring.h>

#include "pool.h"
#include "xl.h"

static void fc_path(char *buf, size_t len, const char *sub, uint32_t domid)
{
	/* exit records outlive a reboot; the rest is runtime state */
	const char *dir = strcmp(sub, "exited") ? fc_run_dir() : fc_state_dir();

	if (domid == (uint32_t)-1)
		snprintf(buf, len, "%s/%s", dir, sub);
	else
		snprintf(buf, len, "%s/%s/%u", dir, sub, domid);
}

int fc_rundir_init(void)
{
	char p[FC_PATH_MAX];

	mkdir(fc_run_dir(), 0755);
	mkdir(fc_state_dir(), 0755);
	fc_path(p, sizeof(p), "exited", -1);
	mkdir(p, 0755);
	fc_path(p, sizeof(p), "exitcode", -1);
	mkdir(p, 0755);
	fc_path(p, sizeof(p), "pool", -1);
	mkdir(p, 0755);
	fc_path(p, sizeof(p), "exited", -1);
	return access(p, W_OK) ? -errno : 0;
}

/* At most max bytes: the tail of the file (console logs can grow). */
static char *fc_read_tail(const char *path, size_t max, size_t *len)
{
	char *buf = NULL;
	struct stat st;
	ssize_t n;
	int fd;

	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st))
		goto out;
	if ((size_t)st.st_size > max)
		lseek(fd, st.st_size - max, SEEK_SET);
	buf = malloc(max + 1);
	if (!buf)
		goto out;
	n = read(fd, buf, max);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	*len = n;
out:
	close(fd);
	return buf;
}

int fc_exit_rec_write(const struct fc_exit_rec *r)
{
	char path[FC_PATH_MAX], text[1024];

	if (fc_exit_rec_format(r, text, sizeof(text)) < 0)
		return -E2BIG;
	fc_path(path, sizeof(path), "exited", r->domid);
	return fc_write_file_atomic(path, text);
}

int fc_exit_rec_read(uint32_t domid, struct fc_exit_rec *r)
{
	char path[FC_PATH_MAX], *text;
	size_t len;
	int ret;

	fc_path(path, sizeof(path), "exited", domid);
	text = fc_read_tail(path, 4096, &len);
	if (!text)
		return -ENOENT;
	ret = fc_exit_rec_parse(text, r);
	free(text);
	return ret;
}

void fc_exit_rec_remove(uint32_t domid)
{
	char path[FC_PATH_MAX];

	fc_path(path, sizeof(path), "exited", domid);
	unlink(path);
	fc_path(path, sizeof(path), "exitcode", domid);
	unlink(path);
}

/* Every exit record; returns the count (*recs to free). */
int fc_exit_rec_list(struct fc_exit_rec **recs)
{
	char path[FC_PATH_MAX];
	struct dirent *de;
	int n = 0, cap = 0;
	DIR *dir;

	*recs = NULL;
	fc_path(path, sizeof(path), "exited", -1);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((de = readdir(dir))) {
		struct fc_exit_rec r, *nr;
		uint32_t d;

		if (fc_parse_id(de->d_name, &d) || fc_exit_rec_read(d, &r))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			nr = realloc(*recs, cap * sizeof(**recs));
			if (!nr)
				break;
			*recs = nr;
		}
		(*recs)[n++] = r;
	}
	closedir(dir);
	return n;
}

const char *fc_log_dir(const char *opt)
{
	const char *d = getenv("FC_LOG_DIR");

	if (opt && *opt)
		return opt;
	return d && *d ? d : FC_LOG_DIR_DEFAULT;
}

int fc_console_log_path(const char *name, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/guest-%s.log", fc_log_dir(NULL), name);

	return n < 0 || (size_t)n >= len ? -E2BIG : 0;
}

static int fc_lock(const char *name)
{
	char path[FC_PATH_MAX];
	int fd;

	fc_path(path, sizeof(path), name, -1);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0 && flock(fd, LOCK_EX)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * Reaping one domain is serialised (kill, run --wait and the OS server may
 * all see its end), reaping two is not: an open-file-description lock on
 * byte <domid> of reap.lock, per call, so that threads exclude each other
 * too and a crashed holder releases it.
 */
static int fc_lock_dom(uint32_t domid)
{
	struct flock fl = {
		.l_type = F_WRLCK,
		.l_whence = SEEK_SET,
		.l_start = domid,
		.l_len = 1,
	};
	char path[FC_PATH_MAX];
	int fd;

	fc_path(path, sizeof(path), "reap.lock", -1);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	while (fd >= 0 && fcntl(fd, F_OFD_SETLKW, &fl)) {
		if (errno == EINTR)
			continue;
		close(fd);
		fd = -1;
	}
	return fd;
}

static int fc_code_from_ring(uint32_t domid, int *code)
{
	char path[FC_PATH_MAX], *text;
	size_t len;
	int ret = -ENOENT;

	fc_path(path, sizeof(path), "exitcode", domid);
	text = fc_read_tail(path, 64, &len);
	if (text && len) {
		*code = strtol(text, NULL, 10);
		ret = 0;
	}
	free(text);
	return ret;
}

static int fc_code_from_console(const char *name, int *code)
{
	char path[FC_PATH_MAX], *text;
	size_t len;
	int ret = -ENOENT;

	if (fc_console_log_path(name, path, sizeof(path)))
		return ret;
	text = fc_read_tail(path, 65536, &len);
	if (text)
		ret = fc_console_exit_code(text, len, code);
	free(text);
	return ret;
}

/*
 * A guest here (migrated in from its home instance, which forwards its
 * public ports to it) ended: its home is told, from a process of its own
 * so that an unreachable home does not hold up the reaper.
 */
static void fc_reap_tell_home(uint32_t addr)
{
	struct fc_napt_entry *e = NULL, g = { 0 };
	int i, n = 0;
	pid_t pid;

	if (fc_napt_snat_list(&e, &n))
		return;
	for (i = 0; i < n; i++)
		if (e[i].addr == addr && e[i].home)
			g = e[i];
	free(e);
	if (!g.home)
		return;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		if (fork() == 0)
			_exit(fc_mig_notify_ended(g.home, addr, g.name) ? 1
									: 0);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/*
 * A dead app VM's public ports and private address are free again.  The
 * disconnect event usually removed the ports already (listen.c); this is
 * the backstop for an event the module had to drop.  Forwarded ports
 * toward its address and its relayed element go too.
 */
static void fc_reap_net(uint32_t domid)
{
	uint32_t addr;

	fc_napt_del_app(domid, 0);
	/* it ended here: nothing forwards to it, nor masquerades for it */
	if (!fc_net_addr_of_dom(domid, &addr, NULL, 0)) {
		fc_reap_tell_home(addr);
		fc_napt_unforward(addr, 0);
		/* published ports it never listened on: nothing to wait for */
		if (fc_net_published(domid))
			fc_napt_unhold(addr);
	}
	fc_net_published_clear(domid);
	fc_net_addr_release_dom(domid);
}

/*
 * Reap one app VM: record how it ended and destroy it.  forced_reason < 0:
 * only if it has shut down by itself (not for suspend: that is a save,
 * fork or migration in progress), or if it vanished behind our back.
 * forced_reason >= 0 (kill): record that reason and destroy whatever its
 * state.  Returns 1 if reaped, 0 if nothing to do, < 0 on error.
 */
int fc_reap(struct fc_xl *x, uint32_t domid, int forced_reason)
{
	struct fc_exit_rec r;
	libxl_dominfo info;
	char *name = NULL;
	int lock, rc, ret = 0, code, tries;

	memset(&r, 0, sizeof(r));
	libxl_dominfo_init(&info);
	lock = fc_lock_dom(domid);
	/*
	 * Reaped while we waited for the lock: libxl_domain_destroy() can
	 * return while Xen still tears the domain down, so it may still be
	 * listed (dying, its name gone); only its device nodes tell.
	 */
	if (!fc_devnode_exists(x->xs, domid))
		goto out;
	rc = libxl_domain_info(x->ctx, &info, domid);
	if (rc) {
		/* gone: destroyed by someone else */
		if (fc_exit_rec_read(domid, &r)) {
			r.domid = domid;
			r.reason = FC_REASON_GONE;
			r.code = fc_reason_exit_code(r.reason);
			snprintf(r.source, sizeof(r.source), "reason");
			snprintf(r.name, sizeof(r.name), "?");
			r.ended = time(NULL);
			fc_exit_rec_write(&r);
		}
		fc_devnode_remove(x->xs, domid);
		fc_reap_net(domid);
		ret = 1;
		goto out;
	}
	if (forced_reason < 0) {
		if (!info.shutdown ||
		    info.shutdown_reason == LIBXL_SHUTDOWN_REASON_SUSPEND)
			goto out;
		r.reason = info.shutdown_reason;
		if (r.reason < 0)
			r.reason = FC_REASON_GONE + 1; /* unknown */
	} else {
		r.reason = forced_reason;
	}
	r.domid = domid;
	r.ppid = fc_devnode_parent(x->xs, domid);
	name = libxl_domid_to_name(x->ctx, domid);
	snprintf(r.name, sizeof(r.name), "%s", name ? name : "?");
	r.started = libxl_vm_get_start_time(x->ctx, domid);
	r.ended = time(NULL);
	r.cpu_ns = info.cpu_time;
	r.mem_kb = info.current_memkb;

	r.code = fc_reason_exit_code(r.reason);
	snprintf(r.source, sizeof(r.source), "reason");
	if (forced_reason < 0 && !fc_code_from_ring(domid, &code)) {
		r.code = code;
		snprintf(r.source, sizeof(r.source), "ring");
	} else if (forced_reason < 0) {
		/* xenconsoled may still be writing the last lines */
		for (tries = 0; tries < 3; tries++) {
			if (!fc_code_from_console(r.name, &code)) {
				r.code = code;
				snprintf(r.source, sizeof(r.source), "console");
				break;
			}
			if (r.reason != FC_REASON_POWEROFF)
				break;
			usleep(200 * 1000);
		}
	}
	fc_exit_rec_write(&r);
	fc_xl_destroy(x, domid);
	fc_reap_net(domid);
	ret = 1;
out:
	free(name);
	libxl_dominfo_dispose(&info);
	if (lock >= 0)
		close(lock);
	return ret;
}

/* Worker w of fc_reap_many(): every FC_REAP_PARALLEL-th id from w. */
static int fc_reap_share(struct fc_xl *x, const uint32_t *ids, int n, int w,
			 int forced_reason)
{
	int i, reaped = 0;

	for (i = w; i < n; i += FC_REAP_PARALLEL)
		reaped += fc_reap(x, ids[i], forced_reason) > 0;
	return reaped;
}

/*
 * fc_reap() of n domains, FC_REAP_PARALLEL at a time: a destroy mostly
 * waits (for backends to close, hotplug scripts, Xen freeing memory), so
 * a hundred one after the other take minutes.  The workers are processes,
 * each with its own libxl context: libxl reaps its hotplug scripts with
 * waitpid(-1), so two contexts forking in one process can take each
 * other's children and wait forever.  No other thread of the caller may
 * be inside libxl: the workers would inherit its locks, held by nobody.
 * Returns how many were reaped.
 */
int fc_reap_many(struct fc_xl *x, const uint32_t *ids, int n, int forced_reason)
{
	pid_t pids[FC_REAP_PARALLEL], r;
	int w, nw, status, reaped = 0;

	if (n <= 1)
		return n ? fc_reap(x, ids[0], forced_reason) > 0 : 0;
	nw = n < FC_REAP_PARALLEL ? n : FC_REAP_PARALLEL;
	fflush(NULL);
	for (w = 0; w < nw; w++) {
		pids[w] = fork();
		if (pids[w] == 0) {
			struct fc_xl cx;
			int k = 255; /* no libxl: nothing reaped, say so */

			/* drops the parent's SIGCHLD and fd bookkeeping */
			libxl_postfork_child_noexec(x->ctx);
			if (!fc_xl_open(&cx)) {
				k = fc_reap_share(&cx, ids, n, w,
						  forced_reason);
				fc_xl_close(&cx);
			}
			fflush(NULL);
			_exit(k < 255 ? k : 254);
		}
		if (pids[w] < 0) /* no process: this one does that share */
			reaped += fc_reap_share(x, ids, n, w, forced_reason);
	}
	for (w = 0; w < nw; w++) {
		if (pids[w] <= 0)
			continue;
		while ((r = waitpid(pids[w], &status, 0)) < 0 && errno == EINTR)
			;
		if (r > 0 && WIFEXITED(status) && WEXITSTATUS(status) != 255)
			reaped += WEXITSTATUS(status);
	}
	return reaped;
}

/* Reap every app VM that has ended.  Returns how many. */
int fc_reap_scan(struct fc_xl *x)
{
	uint32_t *ids = NULL;
	libxl_dominfo *doms;
	int n, nd = 0, i, j, k = 0, reaped = 0;

	n = fc_devnode_list(x->xs, &ids);
	if (n <= 0)
		goto out;
	doms = libxl_list_domain(x->ctx, &nd);
	for (i = 0; i < n; i++) {
		int found = 0, ended = 0;

		for (j = 0; doms && j < nd; j++) {
			if (doms[j].domid != ids[i])
				continue;
			found = 1;
			ended = doms[j].shutdown &&
				doms[j].shutdown_reason !=
					LIBXL_SHUTDOWN_REASON_SUSPEND;
		}
		if (!found || ended)
			ids[k++] = ids[i]; /* in place: k <= i */
	}
	if (doms)
		libxl_dominfo_list_free(doms, nd);
	reaped = fc_reap_many(x, ids, k, -1);
out:
	free(ids);
	return reaped;
}

/* ---- the OS server side: hooks called from serve.c ---- */

static int fc_serve_lock_fd = -1;
/* set by the event loop when the module lost CONNECT/DISCONNECT events */
static atomic_int fc_reap_resync;

void fc_reap_request_sync(void)
{
	atomic_store(&fc_reap_resync, 1);
}

/* A domain that exists, running or ended but not reaped yet.  On any
 * error but "not found" it counts as existing: sync must lose nothing. */
static int fc_dom_exists(uint32_t domid, void *arg)
{
	struct fc_xl *x = arg;
	libxl_dominfo info;
	int rc;

	libxl_dominfo_init(&info);
	rc = libxl_domain_info(x->ctx, &info, domid);
	libxl_dominfo_dispose(&info);
	return rc != ERROR_DOMAIN_NOTFOUND;
}

/*
 * At start: drop the public ports and addresses of app VMs that went
 * away while no server ran (or whose disconnect event the module had to
 * drop).  Ended ones that still exist are left to fc_reap_scan().
 */
static void fc_reap_sync(struct fc_xl *x)
{
	int ports = fc_listen_sync(fc_dom_exists, x);
	int addrs = fc_net_addr_sync(fc_dom_exists, x);

	if (ports < 0 && ports != -ENOENT)
		fprintf(stderr, "fcapsule serve: NAPT sync: %s\n",
			strerror(-ports));
	if (addrs < 0)
		fprintf(stderr, "fcapsule serve: address sync: %s\n",
			strerror(-addrs));
	if (ports > 0 || addrs > 0)
		printf("sync: removed %d NAPT mapping(s) and %d address(es) "
		       "of app VMs that are gone\n",
		       ports > 0 ? ports : 0, addrs > 0 ? addrs : 0);
	fflush(stdout);
}

/* The reaper thread: scan on every @releaseDomain, and every 2 s. */
static void *fc_reap_thread(void *arg)
{
	struct fc_xl x;
	unsigned int n;
	char **w;

	if (fc_xl_open(&x)) {
		fprintf(stderr, "fcapsule serve: reaper: no libxl\n");
		return NULL;
	}
	/* @releaseDomain fires when any domain shuts down or dies */
	xs_watch(x.xs, "@releaseDomain", "fc-reap");
	fc_reap_sync(&x);
	fc_pool_tick(1); /* also destroys shells a killed filler left */
	for (;;) {
		struct pollfd p = { .fd = xs_fileno(x.xs), .events = POLLIN };
		int reaped = fc_reap_scan(&x);

		fc_pool_tick(0);

		if (atomic_exchange(&fc_reap_resync, 0))
			fc_reap_sync(&x);
		fc_listen_refresh(); /* `net setup --public` meanwhile */
		if (reaped) {
			printf("reaped %d app VM(s)\n", reaped);
			fflush(stdout);
		}
		if (poll(&p, 1, 2000) > 0) {
			w = xs_read_watch(x.xs, &n);
			free(w);
		}
	}
	fc_xl_close(&x);
	return NULL;
}

/*
 * Start the reaper next to serve.c's event loop.  serve.lock held for the
 * process's life marks "an OS server is running"; a second server gets
 * no reaper (and says so).
 */
void fc_reap_start(void)
{
	char path[FC_PATH_MAX], pid[32];
	pthread_t th;

	if (fc_rundir_init()) {
		fprintf(stderr, "fcapsule serve: %s not writable: no reaper\n",
			fc_run_dir());
		return;
	}
	fc_path(path, sizeof(path), "serve.lock", -1);
	fc_serve_lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fc_serve_lock_fd < 0 ||
	    flock(fc_serve_lock_fd, LOCK_EX | LOCK_NB)) {
		fprintf(stderr, "fcapsule serve: another OS server is running: "
				"no reaper here\n");
		return;
	}
	fc_path(path, sizeof(path), "serve.pid", -1);
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	fc_write_file_atomic(path, pid);
	if (pthread_create(&th, NULL, fc_reap_thread, NULL)) {
		fprintf(stderr, "fcapsule serve: cannot start the reaper\n");
		return;
	}
	pthread_detach(th);
}

/* An EXIT request: keep its code for the reaper.  1 if handled. */
int fc_reap_on_request(const struct fc_event *ev, int *status)
{
	struct fc_exit_req req;
	char path[FC_PATH_MAX], text[32];

	if (ev->type != FC_EV_REQUEST || ev->opcode != FC_OP_EXIT)
		return 0;
	memcpy(&req, ev->payload, sizeof(req));
	fc_rundir_init();
	fc_path(path, sizeof(path), "exitcode", ev->domid);
	snprintf(text, sizeof(text), "%d\n", (int)req.code);
	*status = fc_write_file_atomic(path, text);
	printf("exit dom%u code %d\n", ev->domid, (int)req.code);
	return 1;
}

int fc_server_running(void)
{
	char path[FC_PATH_MAX];
	int fd, running = 0;

	fc_path(path, sizeof(path), "serve.lock", -1);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return 0;
	if (flock(fd, LOCK_EX | LOCK_NB))
		running = errno == EWOULDBLOCK;
	close(fd);
	return running;
}

/* systemd runs the server where the package's unit is installed. */
static int fc_server_start_unit(void)
{
	pid_t pid;
	int i;

	if (fc_server_running())
		return 0;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execlp("systemctl", "systemctl", "start", "fcapsule.service",
		       (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	for (i = 0; i < 50; i++) {
		if (fc_server_running())
			return 0;
		usleep(100 * 1000);
	}
	return -EIO;
}

/*
 * Start `fcapsule serve` in the background unless one is running: double
 * fork, new session, output to /run/fcapsule/serve.log; the server writes
 * serve.pid itself.  Where the package's unit is installed, systemd
 * starts it instead.  Returns 0 when a server is up.
 */
int fc_server_ensure(void)
{
	char log[FC_PATH_MAX];
	int lock, i, ret = -EIO, fd;
	pid_t pid;

	if (fc_rundir_init())
		return -EACCES;
	if (!access(FC_UNIT_PATH, F_OK) && !access("/run/systemd/system", F_OK))
		return fc_server_start_unit();
	lock = fc_lock("start.lock"); /* two `run`s start one server */
	if (fc_server_running()) {
		ret = 0;
		goto out;
	}
	fc_path(log, sizeof(log), "serve.log", -1);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0) {
		sigset_t none;

		/* run blocks ^C while creating: the server must not inherit it */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setsid();
		if (fork())
			_exit(0);
		fd = open("/dev/null", O_RDONLY);
		dup2(fd, 0);
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		if (chdir("/"))
			_exit(127);
		execl("/proc/self/exe", "fcapsule", "serve", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	for (i = 0; i < 50; i++) {
		if (fc_server_running()) {
			ret = 0;
			goto out;
		}
		usleep(100 * 1000);
	}
out:
	if (lock >= 0)
		close(lock);
	return ret;
}
