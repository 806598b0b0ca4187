// SPDX-License-Identifier: GPL-2.0
/*
 * bootbench: boot time of Xen guests as defined by the library-OS boot-time
 * study (seed 003).  For each of N guests launched INTERVAL ms apart:
 *   Ts  just before the toolstack is asked to create the domain (the fork
 *       of `xl create`),
 *   Te  the moment the guest's boot-complete marker shows up in its
 *       console log (xenconsoled --log=guest), watched with inotify,
 *   dT  = Te - Ts.
 * With --run CMD, CMD (split at spaces, @NAME@ replaced by the guest's
 * name; e.g. `fcapsule run --name @NAME@ IMAGE`) replaces `xl create`, and
 * --kill CMD (likewise) replaces `xl destroy`.
 * Runs in Dom0.  Prints one CSV row per guest on stdout:
 *   kind,count,interval_ms,index,name,ts_ms,te_ms,delta_ms,status
 * with times in ms since the first launch.  status is "ok", "timeout" or
 * "create-failed".  The guests are destroyed afterwards.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BB_MAX_GUESTS 128
#define BB_LOG_TAIL   4096

struct bb_guest {
	char name[64];
	char cfg[PATH_MAX];
	char log[PATH_MAX];
	pid_t xl_pid;
	int xl_status; /* exit status of `xl create`, -1 while running */
	double ts, te; /* ms since the first launch; te < 0: not seen */
	off_t log_off; /* bytes of the console log already scanned */
	char **run_argv, **kill_argv; /* --run, --kill; NULL: xl's */
	char carry[256]; /* unmatched tail of the last read (marker split) */
};

struct bb_opts {
	const char *kind;
	const char *tmpl;
	const char *marker;
	const char *log_dir;
	const char *cfg_dir;
	const char *run_cmd;  /* NULL: xl create */
	const char *kill_cmd; /* NULL: xl destroy */
	int count;
	int interval_ms;
	int timeout_s;
};

static double bb_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void bb_usage(FILE *f)
{
	fprintf(f,
		"usage: bootbench --kind NAME --config TEMPLATE --marker TEXT\n"
		"                 [--count N] [--interval-ms MS] [--timeout "
		"SEC]\n"
		"                 [--log-dir DIR] [--cfg-dir DIR]\n"
		"       bootbench --kind NAME --run CMD [--kill CMD] --marker "
		"TEXT ...\n"
		"TEMPLATE is an xl config, CMD a command split at spaces; in\n"
		"both @NAME@ is replaced by each guest's name.\n");
}

/* Read the whole template and write one config per guest. */
static int bb_write_cfg(const struct bb_opts *o, struct bb_guest *g)
{
	FILE *in = NULL, *out = NULL;
	char line[1024];
	int ret = -1;

	in = fopen(o->tmpl, "r");
	if (!in) {
		fprintf(stderr, "bootbench: %s: %s\n", o->tmpl,
			strerror(errno));
		goto out;
	}
	out = fopen(g->cfg, "w");
	if (!out) {
		fprintf(stderr, "bootbench: %s: %s\n", g->cfg, strerror(errno));
		goto out;
	}
	while (fgets(line, sizeof(line), in)) {
		char *at = strstr(line, "@NAME@");

		if (at) {
			*at = '\0';
			fprintf(out, "%s%s%s", line, g->name, at + 6);
		} else {
			fputs(line, out);
		}
	}
	ret = 0;
out:
	if (in)
		fclose(in);
	if (out && fclose(out) && ret == 0)
		ret = -1;
	return ret;
}

/* CMD split at spaces into a fresh argv, @NAME@ replaced by @name. */
#define BB_MAX_ARGS 32
static char **bb_argv(const char *cmd, const char *name)
{
	char **argv = calloc(BB_MAX_ARGS + 1, sizeof(*argv));
	char *copy = strdup(cmd), *tok, *save = NULL;
	int n = 0;

	if (!argv || !copy)
		goto fail;
	for (tok = strtok_r(copy, " ", &save); tok && n < BB_MAX_ARGS;
	     tok = strtok_r(NULL, " ", &save)) {
		char *at = strstr(tok, "@NAME@");

		if (at) {
			*at = '\0';
			if (asprintf(&argv[n], "%s%s%s", tok, name, at + 6) < 0)
				goto fail;
		} else {
			argv[n] = strdup(tok);
			if (!argv[n])
				goto fail;
		}
		n++;
	}
	free(copy);
	return argv;
fail:
	free(copy);
	free(argv); /* only at start-up: the strings are not worth it */
	return NULL;
}

static pid_t bb_spawn(char *const argv[], bool quiet)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (quiet) {
			int fd = open("/dev/null", O_WRONLY);

			if (fd >= 0) {
				dup2(fd, STDOUT_FILENO);
				dup2(fd, STDERR_FILENO);
			}
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* Scan what the guest's console log gained since the last look. */
static void bb_scan_log(struct bb_guest *g, const char *marker, double now)
{
	char buf[BB_LOG_TAIL + sizeof(g->carry)];
	size_t carry = strlen(g->carry), mlen = strlen(marker);
	ssize_t n;
	int fd;

	if (g->te >= 0)
		return;
	fd = open(g->log, O_RDONLY);
	if (fd < 0)
		return;
	memcpy(buf, g->carry, carry);
	while ((n = pread(fd, buf + carry, BB_LOG_TAIL, g->log_off)) > 0) {
		size_t len = carry + n, keep;

		g->log_off += n;
		if (memmem(buf, len, marker, mlen)) {
			g->te = now;
			break;
		}
		/* Keep a marker's worth of tail: it may be split. */
		keep = len < mlen ? len : mlen - 1;
		keep = keep < sizeof(g->carry) - 1 ? keep
						   : sizeof(g->carry) - 1;
		memmove(buf, buf + len - keep, keep);
		carry = keep;
	}
	memcpy(g->carry, buf, carry);
	g->carry[carry] = '\0';
	close(fd);
}

static void bb_reap(struct bb_guest *guests, int n)
{
	int status, i;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < n; i++) {
			if (guests[i].xl_pid == pid) {
				guests[i].xl_status =
					WIFEXITED(status) ? WEXITSTATUS(status)
							  : 128;
			}
		}
	}
}

static int bb_run(const struct bb_opts *o, struct bb_guest *guests)
{
	int ifd, launched = 0, done = 0, i;
	double t0, deadline;
	char evbuf[4096];

	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ifd < 0 ||
	    inotify_add_watch(ifd, o->log_dir, IN_MODIFY | IN_CREATE) < 0) {
		fprintf(stderr, "bootbench: inotify on %s: %s\n", o->log_dir,
			strerror(errno));
		return -1;
	}

	t0 = bb_now_ms();
	deadline = t0 + o->timeout_s * 1e3 + o->interval_ms * o->count;
	while (done < o->count && bb_now_ms() < deadline) {
		double now = bb_now_ms(), next;
		struct pollfd pfd = { .fd = ifd, .events = POLLIN };
		int wait_ms;

		while (launched < o->count &&
		       now - t0 >= (double)launched * o->interval_ms) {
			struct bb_guest *g = &guests[launched];
			char *xl[] = { "xl", "create", "-q", g->cfg, NULL };

			g->ts = bb_now_ms() - t0;
			g->xl_pid =
				bb_spawn(g->run_argv ? g->run_argv : xl, true);
			launched++;
			now = bb_now_ms();
		}
		next = launched < o->count
			       ? t0 + (double)launched * o->interval_ms - now
			       : 200;
		wait_ms = next < 0 ? 0 : next > 200 ? 200 : (int)next;
		if (poll(&pfd, 1, wait_ms) > 0)
			while (read(ifd, evbuf, sizeof(evbuf)) > 0)
				;
		now = bb_now_ms() - t0;
		bb_reap(guests, launched);
		done = 0;
		for (i = 0; i < launched; i++) {
			struct bb_guest *g = &guests[i];

			bb_scan_log(g, o->marker, now);
			if (g->te >= 0 || (g->xl_status > 0))
				done++;
		}
	}
	close(ifd);
	return 0;
}

static void bb_report_and_destroy(const struct bb_opts *o,
				  struct bb_guest *guests)
{
	int i;

	for (i = 0; i < o->count; i++) {
		struct bb_guest *g = &guests[i];
		const char *status = g->te >= 0		? "ok"
				     : g->xl_status > 0 ? "create-failed"
							: "timeout";

		printf("%s,%d,%d,%d,%s,%.3f,%.3f,%.3f,%s\n", o->kind, o->count,
		       o->interval_ms, i, g->name, g->ts,
		       g->te >= 0 ? g->te : -1.0,
		       g->te >= 0 ? g->te - g->ts : -1.0, status);
	}
	fflush(stdout);

	/* Let every `xl create` finish before destroying what it made. */
	for (i = 0; i < o->count; i++)
		if (guests[i].xl_pid > 0 && guests[i].xl_status < 0)
			waitpid(guests[i].xl_pid, NULL, 0);
	for (i = 0; i < o->count; i++) {
		char *xl[] = { "xl", "destroy", guests[i].name, NULL };
		pid_t pid = bb_spawn(
			guests[i].kill_argv ? guests[i].kill_argv : xl, true);

		if (pid > 0)
			waitpid(pid, NULL, 0);
		if (!o->run_cmd)
			unlink(guests[i].cfg);
	}
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "config", required_argument, NULL, 'c' },
		{ "marker", required_argument, NULL, 'm' },
		{ "count", required_argument, NULL, 'n' },
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 't' },
		{ "log-dir", required_argument, NULL, 'l' },
		{ "cfg-dir", required_argument, NULL, 'd' },
		{ "run", required_argument, NULL, 'r' },
		{ "kill", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bb_opts o = {
		.log_dir = "/var/log/xen/console",
		.cfg_dir = "/tmp",
		.count = 1,
		.interval_ms = 0,
		.timeout_s = 300,
	};
	struct bb_guest *guests;
	int c, i;

	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			o.kind = optarg;
			break;
		case 'c':
			o.tmpl = optarg;
			break;
		case 'm':
			o.marker = optarg;
			break;
		case 'n':
			o.count = atoi(optarg);
			break;
		case 'i':
			o.interval_ms = atoi(optarg);
			break;
		case 't':
			o.timeout_s = atoi(optarg);
			break;
		case 'l':
			o.log_dir = optarg;
			break;
		case 'd':
			o.cfg_dir = optarg;
			break;
		case 'r':
			o.run_cmd = optarg;
			break;
		case 'K':
			o.kill_cmd = optarg;
			break;
		case 'h':
			bb_usage(stdout);
			return 0;
		default:
			bb_usage(stderr);
			return 2;
		}
	}
	if (!o.kind || !(o.tmpl || o.run_cmd) || !o.marker || !o.marker[0] ||
	    o.count < 1 || o.count > BB_MAX_GUESTS || o.interval_ms < 0 ||
	    o.timeout_s < 1 || optind != argc) {
		bb_usage(stderr);
		return 2;
	}

	guests = calloc(o.count, sizeof(*guests));
	if (!guests)
		return 1;
	for (i = 0; i < o.count; i++) {
		struct bb_guest *g = &guests[i];

		snprintf(g->name, sizeof(g->name), "bb-%s-%d-%d-%d", o.kind,
			 o.count, o.interval_ms, i);
		snprintf(g->cfg, sizeof(g->cfg), "%s/%s.cfg", o.cfg_dir,
			 g->name);
		snprintf(g->log, sizeof(g->log), "%s/guest-%s.log", o.log_dir,
			 g->name);
		g->te = -1;
		g->xl_status = -1;
		unlink(g->log); /* a stale log would hold an old marker */
		if (o.run_cmd) {
			g->run_argv = bb_argv(o.run_cmd, g->name);
			if (!g->run_argv)
				return 1;
		} else if (bb_write_cfg(&o, g)) {
			return 1;
		}
		if (o.kill_cmd) {
			g->kill_argv = bb_argv(o.kill_cmd, g->name);
			if (!g->kill_argv)
				return 1;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (bb_run(&o, guests))
		return 1;
	bb_report_and_destroy(&o, guests);
	for (i = 0; i < o.count; i++)
		if (guests[i].te < 0)
			return 1;
	return 0;
}
