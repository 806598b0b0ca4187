// SPDX-License-Identifier: GPL-2.0
/*
 * The warm pool: domain shells the OS server keeps ready so that `run`
 * does no libxl create.  A shell is an app VM built by libxl and left
 * paused before it ever ran -- memory, vCPUs, kernel loaded, console,
 * fcapsule device nodes and (unless --no-net) its vif on the bridge with
 * a private address -- named fcpool-PID-N, with no arguments yet: its
 * kernel's command line is FC_POOL_CMDLINE, so the library OS reads the
 * real one from its device directory when it first runs.  A warm `run`
 * renames a shell (the claim: one winner), hands over the command line
 * and unpauses it.
 *
 * Files: the configuration (state dir, pool.conf: one "COUNT MEMORY VCPUS
 * NET KERNEL" line per kind of shell) and one file per ready shell (run
 * dir, pool/DOMID).  `fcapsule pool fill`, started by the OS server,
 * holds pool/fill.lock while it destroys half-made shells, the shells no
 * kind asks for any more and the surplus, then makes the missing ones.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "cmd.h"
#include "pool.h"

extern char **environ;

static void fc_pool_path(char *buf, size_t len, const char *leaf)
{
	snprintf(buf, len, "%s/pool%s%s", fc_run_dir(), leaf ? "/" : "",
		 leaf ? leaf : "");
}

static void fc_pool_conf_path(char *buf, size_t len)
{
	snprintf(buf, len, "%s/pool.conf", fc_state_dir());
}

int fc_pool_is_shell_name(const char *name)
{
	return name && !strncmp(name, FC_POOL_PREFIX, strlen(FC_POOL_PREFIX));
}

int fc_pool_spec_match(const struct fc_pool_spec *a,
		       const struct fc_pool_spec *b)
{
	return a->memory_mb == b->memory_mb && a->vcpus == b->vcpus &&
	       !a->net == !b->net && !strcmp(a->kernel, b->kernel);
}

/* One "COUNT MEMORY VCPUS NET KERNEL" line; 0 or -EINVAL. */
int fc_pool_conf_parse_line(const char *line, struct fc_pool_spec *s)
{
	unsigned long count, mem, vcpus, net;
	int off = 0;
	size_t n;

	memset(s, 0, sizeof(*s));
	if (sscanf(line, "%lu %lu %lu %lu %n", &count, &mem, &vcpus, &net,
		   &off) != 4 ||
	    !off || line[off] != '/')
		return -EINVAL;
	n = strcspn(line + off, "\n");
	if (n >= sizeof(s->kernel) || count > FC_POOL_MAX || !mem || !vcpus ||
	    net > 1)
		return -EINVAL;
	memcpy(s->kernel, line + off, n);
	s->kernel[n] = '\0';
	s->count = (unsigned int)count;
	s->memory_mb = mem;
	s->vcpus = vcpus;
	s->net = (int)net;
	return 0;
}

int fc_pool_conf_read(struct fc_pool_spec *specs, int max)
{
	char path[FC_PATH_MAX], line[FC_PATH_MAX + 64];
	FILE *f;
	int n = 0;

	fc_pool_conf_path(path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (n < max && fgets(line, sizeof(line), f))
		if (!fc_pool_conf_parse_line(line, &specs[n]))
			n++;
	fclose(f);
	return n;
}

/* Replace @s's kind in the configuration; a count of 0 removes it. */
int fc_pool_conf_set(const struct fc_pool_spec *s)
{
	struct fc_pool_spec specs[FC_POOL_KINDS_MAX];
	char path[FC_PATH_MAX], *text;
	size_t len = 0, cap = 64;
	int i, n, ret;

	n = fc_pool_conf_read(specs, FC_POOL_KINDS_MAX);
	if (n < 0)
		return n;
	for (i = 0; i < n && !fc_pool_spec_match(&specs[i], s); i++)
		;
	if (i == n) {
		if (!s->count)
			return 0;
		if (n == FC_POOL_KINDS_MAX)
			return -ENOSPC;
		n++;
	}
	specs[i] = *s;
	for (i = 0; i < n; i++)
		cap += strlen(specs[i].kernel) + 64;
	text = calloc(1, cap);
	if (!text)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (specs[i].count)
			len += snprintf(text + len, cap - len,
					"%u %lu %lu %d %s\n", specs[i].count,
					specs[i].memory_mb, specs[i].vcpus,
					specs[i].net, specs[i].kernel);
	ret = mkdir(fc_state_dir(), 0755) && errno != EEXIST ? -errno : 0;
	fc_pool_conf_path(path, sizeof(path));
	if (!ret)
		ret = fc_write_file_atomic(path, text);
	free(text);
	return ret;
}

/* The shell file: "MEMORY VCPUS NET ADDR MADE NAME KERNEL". */
static int fc_pool_shell_read(uint32_t domid, struct fc_pool_shell *sh)
{
	char path[FC_PATH_MAX], leaf[16], line[FC_PATH_MAX + 160];
	unsigned long mem, vcpus, net, addr;
	long long made;
	int off = 0, ret = -EINVAL;
	size_t n;
	FILE *f;

	snprintf(leaf, sizeof(leaf), "%u", domid);
	fc_pool_path(path, sizeof(path), leaf);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	memset(sh, 0, sizeof(*sh));
	if (!fgets(line, sizeof(line), f))
		goto out;
	if (sscanf(line, "%lu %lu %lu %lu %lld %63s %n", &mem, &vcpus, &net,
		   &addr, &made, sh->name, &off) != 6 ||
	    !off || line[off] != '/')
		goto out;
	n = strcspn(line + off, "\n");
	if (n >= sizeof(sh->spec.kernel))
		goto out;
	memcpy(sh->spec.kernel, line + off, n);
	sh->domid = domid;
	sh->spec.memory_mb = mem;
	sh->spec.vcpus = vcpus;
	sh->spec.net = !!net;
	sh->addr = (uint32_t)addr;
	sh->made = (time_t)made;
	ret = 0;
out:
	fclose(f);
	return ret;
}

static int fc_pool_shell_write(const struct fc_pool_shell *sh)
{
	char path[FC_PATH_MAX], leaf[16], text[FC_PATH_MAX + 160];

	snprintf(leaf, sizeof(leaf), "%u", sh->domid);
	fc_pool_path(path, sizeof(path), leaf);
	snprintf(text, sizeof(text), "%lu %lu %d %lu %lld %s %s\n",
		 sh->spec.memory_mb, sh->spec.vcpus, sh->spec.net,
		 (unsigned long)sh->addr, (long long)sh->made, sh->name,
		 sh->spec.kernel);
	return fc_write_file_atomic(path, text);
}

static int fc_pool_shell_unlink(uint32_t domid)
{
	char path[FC_PATH_MAX], leaf[16];

	snprintf(leaf, sizeof(leaf), "%u", domid);
	fc_pool_path(path, sizeof(path), leaf);
	return unlink(path) ? -errno : 0;
}

int fc_pool_shells(struct fc_pool_shell **out)
{
	struct fc_pool_shell *v = NULL, *nv;
	char dir[FC_PATH_MAX];
	struct dirent *de;
	int n = 0, cap = 0;
	DIR *d;

	*out = NULL;
	fc_pool_path(dir, sizeof(dir), NULL);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		char *end;
		unsigned long id = strtoul(de->d_name, &end, 10);

		if (*end || end == de->d_name)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		if (!fc_pool_shell_read((uint32_t)id, &v[n]))
			n++;
	}
	closedir(d);
	*out = v;
	return n;
}

/* A paused shell that never ran: what a claim may take. */
static int fc_pool_shell_ready(struct fc_xl *x, const struct fc_pool_shell *sh)
{
	libxl_dominfo info;
	char *name;
	int ok;

	libxl_dominfo_init(&info);
	ok = !libxl_domain_info(x->ctx, &info, sh->domid) && info.paused &&
	     !info.shutdown && !info.dying;
	libxl_dominfo_dispose(&info);
	if (!ok)
		return 0;
	name = libxl_domid_to_name(x->ctx, sh->domid);
	ok = name && !strcmp(name, sh->name);
	free(name);
	return ok;
}

/* The empty console log xenconsoled opened under the shell's name. */
static void fc_pool_drop_log(const char *shell_name)
{
	char path[FC_PATH_MAX];

	if (!fc_console_log_path(shell_name, path, sizeof(path)))
		unlink(path);
}

static void fc_pool_destroy(struct fc_xl *x, uint32_t domid,
			    const char *shell_name)
{
	fc_pool_shell_unlink(domid);
	/* first: a reaper seeing the nodes of a gone domain records an exit */
	fc_devnode_remove(x->xs, domid);
	fc_xl_destroy(x, domid);
	fc_net_addr_release_dom(domid);
	if (shell_name)
		fc_pool_drop_log(shell_name);
}

/*
 * Take a ready shell of @want's kind and give it @name.  The rename is
 * the claim: libxl renames only a domain still called by the shell's
 * name, so of two runs one wins, and a filler no longer counts the
 * domain as a shell of its own.  Returns 0, or -ENOENT when none is left.
 */
int fc_pool_claim(struct fc_xl *x, const struct fc_pool_spec *want,
		  const char *name, struct fc_pool_shell *got)
{
	struct fc_pool_shell *v;
	int i, k, n, start, ret = -ENOENT;

	n = fc_pool_shells(&v);
	/* runs started together begin at different shells, not all at one */
	start = n ? (int)(getpid() % n) : 0;
	for (k = 0; k < n; k++) {
		i = (start + k) % n;
		if (!fc_pool_spec_match(&v[i].spec, want) ||
		    !fc_pool_shell_ready(x, &v[i]))
			continue;
		if (libxl_domain_rename(x->ctx, v[i].domid, v[i].name, name))
			continue; /* another run took it first */
		fc_pool_shell_unlink(v[i].domid);
		*got = v[i];
		ret = 0;
		break;
	}
	free(v);
	return ret;
}

/*
 * xenconsoled names a guest's log after the domain's name when it first
 * sees the domain, and again on SIGHUP (its log reopen): after a rename
 * it must reopen for the app's output to go to guest-NAME.log.
 */
static pid_t fc_xenconsoled_pid(void)
{
	static const char *const files[] = { "/run/xenconsoled.pid",
					     "/var/run/xen/xenconsoled.pid" };
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		FILE *f = fopen(files[i], "re");
		long pid = 0;

		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f))
			pid = strtol(buf, NULL, 10);
		fclose(f);
		if (pid > 0 && !kill((pid_t)pid, 0))
			return (pid_t)pid;
	}
	return -1;
}

int fc_pool_console_follow(const char *name, const char *shell_name)
{
	char path[FC_PATH_MAX];
	pid_t pid = fc_xenconsoled_pid();
	int i;

	if (pid < 0 || fc_console_log_path(name, path, sizeof(path)))
		return -ESRCH;
	if (kill(pid, SIGHUP))
		return -errno;
	/* it reopens from its main loop: at most a few ms */
	for (i = 0; i < 200 && access(path, F_OK); i++)
		usleep(2000);
	fc_pool_drop_log(shell_name);
	return access(path, F_OK) ? -ETIMEDOUT : 0;
}

/* ---- making and trimming shells: `fcapsule pool fill` ---- */

static int fc_pool_make(struct fc_xl *x, const struct fc_pool_spec *s,
			unsigned int seq)
{
	struct fc_pool_shell sh = { .spec = *s };
	struct fc_run_net net = { 0 };
	struct fc_vm_spec vm = { 0 };
	uint32_t domid;
	int ret;

	snprintf(sh.name, sizeof(sh.name), FC_POOL_PREFIX "%d-%u",
		 (int)getpid(), seq);
	vm.name = sh.name;
	vm.kernel = s->kernel;
	vm.cmdline = FC_POOL_CMDLINE;
	vm.memory_mb = s->memory_mb;
	vm.vcpus = s->vcpus;
	vm.cap = -1;
	if (s->net) {
		ret = fc_run_net_prepare("fcapsule pool", sh.name, &net);
		if (ret)
			return -EIO;
		vm.nic_ip = net.ip;
		vm.nic_mac = net.mac;
		vm.nic_bridge = net.bridge;
		vm.nic_script = net.script;
	}
	ret = fc_xl_create(x, &vm, &domid);
	if (ret) {
		if (net.addr)
			fc_net_addr_release(net.addr);
		return ret == FC_EXIT_NO_MEMORY ? -ENOMEM : -EIO;
	}
	if (net.addr)
		fc_net_addr_bind(net.addr, domid);
	if (fc_devnode_add(x->xs, domid, 0) ||
	    (net.addr && fc_devnode_set_net(x->xs, domid, net.addr)))
		goto out_destroy;
	sh.domid = domid;
	sh.addr = net.addr;
	sh.made = time(NULL);
	if (fc_pool_shell_write(&sh))
		goto out_destroy;
	printf("pool: dom%u %s ready (%lu MB, %s)\n", domid, sh.name,
	       s->memory_mb, s->kernel);
	fflush(stdout);
	return 0;
out_destroy:
	fc_pool_destroy(x, domid, sh.name);
	return -EIO;
}

/* Shell domains with no shell file: a filler killed halfway. */
static int fc_pool_destroy_halfmade(struct fc_xl *x)
{
	libxl_dominfo *doms;
	int i, nd = 0, gone = 0;

	doms = libxl_list_domain(x->ctx, &nd);
	for (i = 0; doms && i < nd; i++) {
		struct fc_pool_shell sh;
		char *name = libxl_domid_to_name(x->ctx, doms[i].domid);

		if (fc_pool_is_shell_name(name) &&
		    fc_pool_shell_read(doms[i].domid, &sh)) {
			printf("pool: dom%u %s was left half-made: destroyed\n",
			       doms[i].domid, name);
			fc_pool_destroy(x, doms[i].domid, name);
			gone++;
		}
		free(name);
	}
	if (doms)
		libxl_dominfo_list_free(doms, nd);
	return gone;
}

int fc_pool_fill(struct fc_xl *x)
{
	struct fc_pool_spec specs[FC_POOL_KINDS_MAX];
	struct fc_pool_shell *v = NULL;
	char path[FC_PATH_MAX];
	unsigned int seq = 0;
	int lock, i, j, n, ns, ret = 0;

	fc_rundir_init();
	fc_pool_path(path, sizeof(path), "fill.lock");
	lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock < 0)
		return -errno;
	if (flock(lock, LOCK_EX | LOCK_NB)) {
		close(lock);
		return 0; /* another filler is at it */
	}
	fc_pool_destroy_halfmade(x);
	n = fc_pool_conf_read(specs, FC_POOL_KINDS_MAX);
	if (n < 0)
		n = 0;
	ns = fc_pool_shells(&v);
	for (i = 0; i < ns; i++) {
		for (j = 0; j < n; j++)
			if (fc_pool_spec_match(&v[i].spec, &specs[j]))
				break;
		if (!fc_pool_shell_ready(x, &v[i])) {
			/* gone, or taken by hand: not ours to keep */
			fc_pool_shell_unlink(v[i].domid);
			continue;
		}
		if (j < n && specs[j].count) {
			specs[j].count--; /* one fewer to make */
			continue;
		}
		printf("pool: dom%u %s is not asked for: destroyed\n",
		       v[i].domid, v[i].name);
		fc_pool_destroy(x, v[i].domid, v[i].name);
	}
	free(v);
	for (j = 0; j < n && !ret; j++)
		while (specs[j].count && !ret) {
			ret = fc_pool_make(x, &specs[j], seq++);
			specs[j].count--;
		}
	if (ret)
		fprintf(stderr, "fcapsule pool: making a shell failed: %s\n",
			strerror(-ret));
	close(lock);
	return ret;
}

/*
 * 1 when the shells are not what the configuration asks for: a kind with
 * more or fewer ready shells than its count, or a shell of no kind.
 */
int fc_pool_needs_fill(void)
{
	struct fc_pool_spec specs[FC_POOL_KINDS_MAX];
	struct fc_pool_shell *v;
	int have[FC_POOL_KINDS_MAX] = { 0 };
	int i, j, n, ns, off = 0;

	n = fc_pool_conf_read(specs, FC_POOL_KINDS_MAX);
	if (n < 0)
		return 0;
	ns = fc_pool_shells(&v);
	for (i = 0; i < ns && !off; i++) {
		for (j = 0; j < n; j++)
			if (fc_pool_spec_match(&v[i].spec, &specs[j]))
				break;
		if (j == n)
			off = 1;
		else
			have[j]++;
	}
	for (j = 0; j < n && !off; j++)
		off = have[j] != (int)specs[j].count;
	free(v);
	return off;
}

/* ---- the OS server's side: one filler at a time, in its own process ---- */

static pid_t fc_pool_filler = -1;
static time_t fc_pool_failed_at;

void fc_pool_tick(int force)
{
	char *argv[] = { "fcapsule", "pool", "fill", NULL };
	int status;

	if (fc_pool_filler > 0) {
		pid_t r = waitpid(fc_pool_filler, &status, WNOHANG);

		if (r == 0 || (r < 0 && errno != ECHILD))
			return; /* still filling */
		/* ECHILD: libxl's SIGCHLD handler reaped it, status unknown */
		if (r > 0 && (!WIFEXITED(status) || WEXITSTATUS(status)))
			fc_pool_failed_at = time(NULL);
		fc_pool_filler = -1;
	}
	/* a filler that failed (no memory): try again after 30 s */
	if (!force &&
	    (!fc_pool_needs_fill() || time(NULL) - fc_pool_failed_at < 30))
		return;
	fflush(NULL);
	if (posix_spawn(&fc_pool_filler, "/proc/self/exe", NULL, NULL, argv,
			environ)) {
		fc_pool_filler = -1;
		fc_pool_failed_at = time(NULL);
	}
}

/* ---- listing ---- */

int fc_pool_print(FILE *f, int json)
{
	struct fc_pool_spec specs[FC_POOL_KINDS_MAX];
	struct fc_pool_shell *v;
	unsigned long total = 0;
	int i, n, ns;
	time_t now = time(NULL);

	n = fc_pool_conf_read(specs, FC_POOL_KINDS_MAX);
	ns = fc_pool_shells(&v);
	if (n < 0 || ns < 0) {
		free(v);
		return -EIO;
	}
	if (json) {
		fprintf(f, "{\"kinds\": [");
		for (i = 0; i < n; i++) {
			fprintf(f, "%s{\"image\": ", i ? ", " : "");
			fc_json_string(f, specs[i].kernel);
			fprintf(f,
				", \"count\": %u, \"memory_mb\": %lu, "
				"\"vcpus\": %lu, \"net\": %s}",
				specs[i].count, specs[i].memory_mb,
				specs[i].vcpus,
				specs[i].net ? "true" : "false");
		}
		fprintf(f, "], \"shells\": [");
	} else {
		for (i = 0; i < n; i++)
			fprintf(f, "# keep %u of %s, %lu MB, %lu vcpus%s\n",
				specs[i].count, specs[i].kernel,
				specs[i].memory_mb, specs[i].vcpus,
				specs[i].net ? "" : ", no network");
		fprintf(f, "%-6s %-20s %-16s %6s %5s %6s %s\n", "ID", "NAME",
			"ADDRESS", "MEM(K)", "VCPUS", "AGE(s)", "IMAGE");
	}
	for (i = 0; i < ns; i++) {
		char ip[INET_ADDRSTRLEN] = "-";
		unsigned long kb = v[i].spec.memory_mb * 1024;

		if (v[i].addr)
			inet_ntop(AF_INET, &v[i].addr, ip, sizeof(ip));
		total += kb;
		if (json) {
			fprintf(f,
				"%s{\"id\": %u, \"name\": \"%s\", "
				"\"address\": \"%s\", \"mem_kb\": %lu, "
				"\"vcpus\": %lu, \"age_s\": %lld, \"image\": ",
				i ? ", " : "", v[i].domid, v[i].name, ip, kb,
				v[i].spec.vcpus, (long long)(now - v[i].made));
			fc_json_string(f, v[i].spec.kernel);
			fprintf(f, "}");
		} else {
			fprintf(f, "%-6u %-20s %-16s %6lu %5lu %6lld %s\n",
				v[i].domid, v[i].name, ip, kb, v[i].spec.vcpus,
				(long long)(now - v[i].made), v[i].spec.kernel);
		}
	}
	if (json)
		fprintf(f, "], \"mem_kb\": %lu}\n", total);
	else
		fprintf(f, "# %d shell(s), %lu KB of memory held\n", ns, total);
	free(v);
	return 0;
}
