// SPDX-License-Identifier: GPL-2.0
/*
 * fork of an app VM (docs/fork.md): the parent is checkpointed (libxl's
 * save, whose suspend is then cancelled so that it goes on at once) and
 * the stream goes through a pipe straight into a restore as a new domain:
 * no file on disk.  The child gets its own name, address, MAC, fcapsule
 * device and console log, and parent-domid.
 *
 * Save and restore each run in a process of their own with their own
 * libxl context (libxl reaps its helpers' children per process; two
 * contexts in one process can take each other's).  The restore side
 * creates the child paused, gives it its identity, and only then lets it
 * run.  A fork that cannot complete leaves nothing: no domain, address,
 * device node or mark.
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <spawn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <fcapsule/ioctl.h>
#include <fcapsule/ring.h>

#include "xl.h"

extern char **environ;

#define FC_FORK_MARK_DIR "forked"

/* What the save and restore processes report (shared memory). */
struct fc_fork_state {
	int save_rc;	   /* libxl_domain_suspend */
	int resume_rc;	   /* libxl_domain_resume(cancel) */
	int restore_rc;	   /* libxl_domain_create_restore, or ours */
	uint32_t child;	   /* the new domain, INVALID_DOMID until made */
	double t_save;	   /* the save began */
	double t_resumed;  /* the parent runs again */
	double t_restored; /* the child's domain is built (paused) */
	double t_unpaused; /* the child runs */
};

struct fc_fork_job {
	uint32_t parent;
	const char *name; /* the child's */
	int mark;	  /* the child's FORK is to be answered 0 */
	uint32_t addr;	  /* child's address (network order), 0: no vif */
	libxl_domain_config cfg;
	struct fc_fork_state *st;
	libxl_ctx *ctx; /* the forking process's, for its children */
};

static void fc_fork_mark_path(uint32_t child, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/%u", fc_run_dir(), FC_FORK_MARK_DIR, child);
}

/*
 * The OS server: whether @domid is a child made by a FORK from its ring
 * (then its resent FORK is answered 0); the mark goes with the answer.
 */
int fc_fork_take_mark(uint32_t domid)
{
	char path[FC_PATH_MAX];

	fc_fork_mark_path(domid, path, sizeof(path));
	return unlink(path) == 0;
}

static int fc_fork_write_mark(uint32_t child, uint32_t parent)
{
	char path[FC_PATH_MAX], text[16];

	snprintf(path, sizeof(path), "%s/%s", fc_run_dir(), FC_FORK_MARK_DIR);
	mkdir(path, 0755);
	fc_fork_mark_path(child, path, sizeof(path));
	snprintf(text, sizeof(text), "%u\n", parent);
	return fc_write_file_atomic(path, text);
}

/* The checkpoint: save into @fd, then let the parent go on. */
static int fc_fork_save(struct fc_fork_job *j, int fd)
{
	struct fc_xl x;
	libxl_dominfo info;

	signal(SIGPIPE, SIG_IGN); /* a dead restore is an error, not a kill */
	if (fc_xl_open(&x))
		return 1;
	j->st->t_save = fc_monotonic_s();
	fc_hold_dom(j->parent, FC_HOLD_FORK_MS); /* its clients wait */
	j->st->save_rc = libxl_domain_suspend(x.ctx, j->parent, fd, 0, NULL);
	close(fd);
	/* Resume only a parent that did suspend: a failed save may have
	 * stopped before asking it. */
	libxl_dominfo_init(&info);
	if (!libxl_domain_info(x.ctx, &info, j->parent) && info.shutdown &&
	    info.shutdown_reason == LIBXL_SHUTDOWN_REASON_SUSPEND)
		j->st->resume_rc =
			libxl_domain_resume(x.ctx, j->parent, 1, NULL);
	libxl_dominfo_dispose(&info);
	fc_unhold_dom(j->parent); /* what waited goes once it answers */
	j->st->t_resumed = fc_monotonic_s();
	fc_xl_close(&x);
	return j->st->save_rc || j->st->resume_rc;
}

/* The child's identity, written while it is paused. */
static int fc_fork_identity(struct fc_xl *x, struct fc_fork_job *j)
{
	uint32_t child = j->st->child;

	if (j->addr && fc_net_addr_bind(j->addr, child))
		return -EIO;
	if (fc_devnode_add(x->xs, child, j->parent))
		return -EIO;
	if (j->addr && fc_devnode_set_net(x->xs, child, j->addr))
		return -EIO;
	fc_exit_rec_remove(child); /* of an earlier domain with this id */
	if (j->mark && fc_fork_write_mark(child, j->parent))
		return -EIO;
	return 0;
}

static int fc_fork_restore(struct fc_fork_job *j, int fd)
{
	libxl_domain_restore_params params;
	struct fc_xl x;
	uint32_t child = INVALID_DOMID;
	int rc;

	if (fc_xl_open(&x))
		return 1;
	libxl_domain_restore_params_init(&params);
	params.stream_version = 2; /* what libxl_domain_suspend writes */
	rc = libxl_domain_create_restore(x.ctx, &j->cfg, &child, fd, -1,
					 &params, NULL, NULL);
	close(fd);
	j->st->t_restored = fc_monotonic_s();
	if (rc) {
		j->st->restore_rc = rc;
		goto out_destroy;
	}
	j->st->child = child;
	rc = fc_fork_identity(&x, j);
	if (rc) {
		j->st->restore_rc = rc;
		goto out_destroy;
	}
	if (libxl_domain_unpause(x.ctx, child, NULL)) {
		j->st->restore_rc = -EIO;
		goto out_destroy;
	}
	j->st->t_unpaused = fc_monotonic_s();
	fc_xl_close(&x);
	libxl_domain_restore_params_dispose(&params);
	return 0;

out_destroy:
	if (child != (uint32_t)INVALID_DOMID) {
		char mark[FC_PATH_MAX];

		fc_fork_mark_path(child, mark, sizeof(mark));
		unlink(mark);
		fc_xl_destroy(&x, child);
		if (j->addr)
			fc_net_addr_release_dom(child);
	}
	j->st->child = INVALID_DOMID;
	fc_xl_close(&x);
	libxl_domain_restore_params_dispose(&params);
	return 1;
}

static pid_t fc_fork_spawn(int (*fn)(struct fc_fork_job *, int),
			   struct fc_fork_job *j, int keep, int drop)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		/* drops the parent's SIGCHLD and fd bookkeeping */
		libxl_postfork_child_noexec(j->ctx);
		close(drop);
		_exit(fn(j, keep) ? 1 : 0);
	}
	return pid;
}

static int fc_fork_wait(pid_t pid)
{
	int status;

	if (pid <= 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* First free NAME.1, NAME.2, ... of @parent's name. */
static int fc_fork_pick_name(struct fc_xl *x, const char *parent, char *out,
			     size_t len)
{
	for (int i = 1; i < 100000; i++) {
		snprintf(out, len, "%.40s.%d", parent, i);
		if (!fc_xl_name_in_use(x, out))
			return 0;
	}
	return -EEXIST;
}

/* The child's configuration: the parent's, with its own identity. */
static int fc_fork_config(struct fc_fork_job *j)
{
	libxl_domain_config *c = &j->cfg;
	char mac[24];
	unsigned int m[6];

	free(c->c_info.name);
	c->c_info.name = strdup(j->name);
	if (!c->c_info.name)
		return -ENOMEM;
	c->c_info.domid = INVALID_DOMID; /* any free domid */
	libxl_uuid_generate(&c->c_info.uuid);
	if (!c->num_nics)
		return 0;
	if (c->num_nics > 1)
		return -EOPNOTSUPP; /* app VMs have one vif */
	fc_net_mac(j->addr, mac, sizeof(mac));
	if (sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2], &m[3],
		   &m[4], &m[5]) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		c->nics[0].mac[i] = (uint8_t)m[i];
	free(c->nics[0].ip);
	c->nics[0].ip = malloc(INET_ADDRSTRLEN);
	if (!c->nics[0].ip)
		return -ENOMEM;
	inet_ntop(AF_INET, &j->addr, c->nics[0].ip, INET_ADDRSTRLEN);
	free(c->nics[0].ifname); /* libxl names the child's vif */
	c->nics[0].ifname = NULL;
	return 0;
}

static int fc_fork_errno_exit(int err)
{
	switch (err) {
	case -ENOMEM:
		return FC_EXIT_NO_MEMORY;
	case -EEXIST:
		return FC_EXIT_NAME_USED;
	case -ESRCH:
		return FC_EXIT_NO_APP;
	default:
		return FC_EXIT_FAIL;
	}
}

int fc_fork(struct fc_xl *x, const struct fc_fork_opts *o,
	    struct fc_fork_result *res)
{
	char name[FC_VMNAME_MAX], pname[FC_VMNAME_MAX];
	struct fc_fork_job j = { .parent = o->parent,
				 .mark = o->mark,
				 .ctx = x->ctx };
	libxl_dominfo info;
	uint64_t free_kb = 0;
	pid_t saver, restorer;
	int fds[2], ret, rs, rr;
	char *pn;

	memset(res, 0, sizeof(*res));
	res->child = INVALID_DOMID;
	libxl_domain_config_init(&j.cfg);
	libxl_dominfo_init(&info);
	if (libxl_domain_info(x->ctx, &info, o->parent) ||
	    !fc_devnode_exists(x->xs, o->parent)) {
		ret = -ESRCH;
		goto out;
	}
	pn = libxl_domid_to_name(x->ctx, o->parent);
	snprintf(pname, sizeof(pname), "%s", pn ? pn : "app");
	free(pn);
	if (o->name) {
		if (fc_xl_name_in_use(x, o->name)) {
			ret = -EEXIST;
			goto out;
		}
		snprintf(name, sizeof(name), "%s", o->name);
	} else if (fc_fork_pick_name(x, pname, name, sizeof(name))) {
		ret = -EEXIST;
		goto out;
	}
	j.name = name;
	/* The child needs the parent's memory, plus libxl's slack. */
	if (!libxl_get_free_memory(x->ctx, &free_kb) &&
	    free_kb < info.current_memkb + 2048) {
		ret = -ENOMEM;
		goto out;
	}
	if (libxl_retrieve_domain_configuration(x->ctx, o->parent, &j.cfg,
						NULL)) {
		ret = -EIO;
		goto out;
	}
	if (j.cfg.num_nics) {
		ret = fc_net_addr_alloc(name, &j.addr);
		if (ret)
			goto out;
	}
	ret = fc_fork_config(&j);
	if (ret)
		goto out_release_addr;

	j.st = mmap(NULL, sizeof(*j.st), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (j.st == MAP_FAILED) {
		ret = -ENOMEM;
		goto out_release_addr;
	}
	memset(j.st, 0, sizeof(*j.st));
	j.st->child = INVALID_DOMID;
	fc_rundir_init();
	if (pipe2(fds, O_CLOEXEC)) {
		ret = -errno;
		goto out_unmap;
	}
	/* The save runs as fast as the restore reads: with a pipe as big as
	 * the image (as root, past pipe-max-size) neither waits on a 64 KiB
	 * buffer's every refill. */
	fcntl(fds[1], F_SETPIPE_SZ,
	      (int)(info.current_memkb < 65536 ? info.current_memkb : 65536) *
			      1024 +
		      (1 << 20));
	res->t_start = fc_monotonic_s();
	restorer = fc_fork_spawn(fc_fork_restore, &j, fds[0], fds[1]);
	saver = fc_fork_spawn(fc_fork_save, &j, fds[1], fds[0]);
	close(fds[0]);
	close(fds[1]);
	rs = fc_fork_wait(saver);
	rr = fc_fork_wait(restorer);
	res->t_end = fc_monotonic_s();
	res->save_s = j.st->t_resumed - j.st->t_save;
	res->restore_s = j.st->t_unpaused - j.st->t_save;
	if (rs || rr || j.st->child == (uint32_t)INVALID_DOMID) {
		if (o->verbose)
			fprintf(stderr,
				"fcapsule fork: save %d (resume %d), restore "
				"%d\n",
				j.st->save_rc, j.st->resume_rc,
				j.st->restore_rc);
		/* The restorer destroyed what it made; a child that it made
		 * but could not report is destroyed here. */
		if (j.st->child != (uint32_t)INVALID_DOMID)
			fc_xl_destroy(x, j.st->child);
		ret = j.st->restore_rc == ERROR_NOMEM ? -ENOMEM : -EIO;
		goto out_unmap;
	}
	res->child = j.st->child;
	snprintf(res->name, sizeof(res->name), "%s", name);
	j.addr = 0; /* the child's now: released when it is reaped */
	ret = 0;
out_unmap:
	munmap(j.st, sizeof(*j.st));
out_release_addr:
	if (j.addr)
		fc_net_addr_release(j.addr);
out:
	libxl_dominfo_dispose(&info);
	libxl_domain_config_dispose(&j.cfg);
	return ret;
}

/*
 * fcapsule fork ID|NAME [--name N] [--ring] [--timing]: prints the
 * child's id.  --ring is the OS server's: the parent asked by fork(), so
 * its child's FORK is answered 0, and the result is one machine line.
 */
int main_fork(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "ring", no_argument, NULL, 'r' },
		{ "timing", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct fc_fork_opts o = { 0 };
	struct fc_fork_result res;
	struct fc_xl x;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (!fc_name_valid(optarg)) {
				fprintf(stderr,
					"fcapsule fork: bad name '%s'\n",
					optarg);
				return FC_EXIT_USAGE;
			}
			o.name = optarg;
			break;
		case 'r':
			o.mark = 1;
			break;
		case 't':
			o.verbose = 1;
			break;
		default:
			return FC_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "fcapsule fork: one app VM expected\n");
		return FC_EXIT_USAGE;
	}
	ret = fc_check_root() ?: fc_check_module() ?: fc_xl_open(&x);
	if (ret)
		return ret;
	ret = fc_xl_resolve(&x, argv[optind], &o.parent);
	if (ret)
		goto out_close;
	ret = fc_fork(&x, &o, &res);
	if (o.mark) {
		/* For the OS server: "ok DOMID" or "err ERRNO". */
		if (ret)
			printf("err %d\n", -ret);
		else
			printf("ok %u\n", res.child);
	} else if (ret) {
		fprintf(stderr, "fcapsule fork: %s: %s\n", argv[optind],
			ret == -ENOMEM	 ? "not enough memory for the child"
			: ret == -EEXIST ? "the child's name is in use"
					 : strerror(-ret));
	} else {
		printf("%u\n", res.child);
	}
	if (!ret && o.verbose)
		fprintf(stderr,
			"fork: dom%u -> dom%u %s: %.1f ms (checkpoint until "
			"the parent runs: %.1f ms; until the child runs: %.1f "
			"ms)\n",
			o.parent, res.child, res.name,
			(res.t_end - res.t_start) * 1e3, res.save_s * 1e3,
			res.restore_s * 1e3);
	ret = ret ? fc_fork_errno_exit(ret) : FC_EXIT_OK;
out_close:
	fc_xl_close(&x);
	return ret;
}

/* ---- the OS server's side: FORK from an app VM's fork() ---- */

struct fc_fork_req_job {
	int fd;
	struct fc_event ev;
};

/*
 * Run `fcapsule fork --ring DOMID` (the same path as the command line, in
 * a fresh process: libxl must not fork from this threaded server) and
 * read its one line; its exit status is not needed, which matters
 * because the reaper's libxl context may reap any child of ours.
 */
static int fc_fork_run_worker(uint32_t parent, uint32_t *child)
{
	char arg[16], line[64] = "",
		      *argv[] = { "fcapsule", "fork", "--ring", arg, NULL };
	posix_spawn_file_actions_t fa;
	size_t used = 0;
	ssize_t n;
	pid_t pid;
	int fds[2], ret = -EIO, err;
	unsigned int v;

	snprintf(arg, sizeof(arg), "%u", parent);
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	err = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (err) {
		close(fds[0]);
		return -err;
	}
	while (used < sizeof(line) - 1 &&
	       (n = read(fds[0], line + used, sizeof(line) - 1 - used)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		used += n;
	}
	line[used] = '\0';
	close(fds[0]);
	waitpid(pid, NULL, 0); /* may already be reaped: see above */
	if (sscanf(line, "ok %u", &v) == 1) {
		*child = v;
		ret = 0;
	} else if (sscanf(line, "err %u", &v) == 1 && v && v < 4096) {
		ret = -(int)v;
	}
	return ret;
}

static void *fc_fork_req_thread(void *arg)
{
	struct fc_fork_req_job *j = arg;
	struct fc_fork_rsp rsp;
	uint32_t child = 0;
	int rc;

	memset(&rsp, 0, sizeof(rsp));
	rc = fc_fork_run_worker(j->ev.domid, &child);
	rsp.child_domid = child;
	if (rc)
		printf("fork dom%u: error %d\n", j->ev.domid, rc);
	else
		printf("fork dom%u -> dom%u\n", j->ev.domid, child);
	fflush(stdout);
	fc_serve_complete(j->fd, &j->ev, rc, rc ? NULL : &rsp, sizeof(rsp));
	free(j);
	return NULL;
}

int fc_fork_on_request(int fd, const struct fc_event *ev)
{
	struct fc_fork_rsp rsp = { 0 };
	struct fc_fork_req_job *j;
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	if (ev->opcode != FC_OP_FORK)
		return 0;
	/* The child's copy of its parent's FORK: it is the child. */
	if (fc_fork_take_mark(ev->domid)) {
		fc_serve_complete(fd, ev, 0, &rsp, sizeof(rsp));
		return 1;
	}
	/* A clone takes seconds: other app VMs' requests go on meanwhile. */
	j = malloc(sizeof(*j));
	if (!j) {
		fc_serve_complete(fd, ev, -ENOMEM, NULL, 0);
		return 1;
	}
	j->fd = fd;
	j->ev = *ev;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, fc_fork_req_thread, j);
	pthread_attr_destroy(&attr);
	if (rc) {
		free(j);
		fc_serve_complete(fd, ev, -rc, NULL, 0);
	}
	return 1;
}
