// SPDX-License-Identifier: GPL-2.0
/*
 * fcapsule logs [-f] [-n N] ID|NAME: the app VM's console as xenconsoled
 * logs it (guest-NAME.log).  A finished app VM is found by its exit
 * record.  -f sleeps on inotify between reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include "cmd.h"
#include "xl.h"

/* Copy what is new in fd to stdout; returns bytes copied. */
static long fc_copy_new(int fd)
{
	char buf[8192];
	long total = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (fwrite(buf, 1, n, stdout) != (size_t)n)
			break;
		total += n;
	}
	fflush(stdout);
	return total;
}

static int fc_alive(struct fc_xl *x, uint32_t domid)
{
	libxl_dominfo info;
	int alive;

	libxl_dominfo_init(&info);
	alive = !libxl_domain_info(x->ctx, &info, domid) && !info.shutdown;
	libxl_dominfo_dispose(&info);
	return alive;
}

/* The last @lines lines of fd (all with -1), then its offset is the end. */
static void fc_copy_tail(int fd, long lines)
{
	struct stat st;
	char *buf;
	size_t off;
	ssize_t n;

	if (lines < 0 || fstat(fd, &st) || st.st_size <= 0 ||
	    st.st_size > (64 << 20)) {
		fc_copy_new(fd);
		return;
	}
	buf = malloc(st.st_size);
	n = buf ? pread(fd, buf, st.st_size, 0) : -1;
	if (n < 0) {
		free(buf);
		fc_copy_new(fd);
		return;
	}
	off = fc_tail_offset(buf, n, lines);
	fwrite(buf + off, 1, n - off, stdout);
	fflush(stdout);
	lseek(fd, n, SEEK_SET);
	free(buf);
}

/* Which app VM: a live one by id or name, else the newest exit record. */
static int fc_logs_find(struct fc_xl *x, const char *what, uint32_t *domid,
			char *name, size_t len, int *live)
{
	struct fc_exit_rec *recs = NULL;
	uint32_t want = 0;
	int i, nrecs;

	name[0] = '\0';
	*live = 0;
	if (!fc_xl_lookup(x, what, domid)) {
		char *n = libxl_domid_to_name(x->ctx, *domid);

		snprintf(name, len, "%s", n ? n : "");
		free(n);
		*live = 1;
		return name[0] ? 0 : -ENOENT;
	}
	fc_parse_id(what, &want);
	nrecs = fc_exit_rec_list(&recs);
	for (i = 0; i < nrecs; i++) {
		if (recs[i].domid != want && strcmp(recs[i].name, what))
			continue;
		if (!name[0] || recs[i].domid > *domid) {
			snprintf(name, len, "%s", recs[i].name);
			*domid = recs[i].domid;
		}
	}
	free(recs);
	return name[0] ? 0 : -ENOENT;
}

/* Copy what the log gains until the app VM is gone (or ^C). */
static void fc_follow(struct fc_xl *x, int fd, const char *path, uint32_t domid)
{
	struct pollfd p = { .fd = -1, .events = POLLIN };
	char ev[4096];

	p.fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (p.fd >= 0 && inotify_add_watch(p.fd, path, IN_MODIFY) < 0) {
		close(p.fd);
		p.fd = -1;
	}
	while (fc_alive(x, domid)) {
		/* the timeout is for the domain's end, which the file
		 * does not tell */
		if (p.fd >= 0 && poll(&p, 1, 1000) > 0)
			while (read(p.fd, ev, sizeof(ev)) > 0)
				;
		else if (p.fd < 0)
			usleep(200 * 1000);
		fc_copy_new(fd);
	}
	fc_copy_new(fd); /* the last lines before it went */
	if (p.fd >= 0)
		close(p.fd);
}

int main_logs(int argc, char **argv)
{
	char path[FC_PATH_MAX], name[FC_VMNAME_MAX], err[FC_ERR_MAX];
	struct fc_logs_opts o;
	uint32_t domid = 0;
	int fd = -1, ret, live;
	struct fc_xl x = { 0 };

	ret = fc_parse_logs_args(argc, argv, &o, err);
	if (ret)
		return fc_parse_exit("logs", ret, err);
	if (o.log_dir)
		setenv("FC_LOG_DIR", o.log_dir, 1);
	ret = fc_xl_open_root(&x);
	if (ret)
		goto out;
	if (fc_logs_find(&x, o.target, &domid, name, sizeof(name), &live)) {
		fprintf(stderr, "fcapsule logs: unknown app VM '%s'\n",
			o.target);
		ret = FC_EXIT_NO_APP;
		goto out;
	}
	fc_console_log_path(name, path, sizeof(path));
	fc_debug("logs: dom%u %s, %s", domid, name, path);
	for (;;) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 || !o.follow || !live || !fc_alive(&x, domid))
			break;
		usleep(200 * 1000); /* xenconsoled has not created it yet */
	}
	if (fd < 0) {
		fprintf(stderr, "fcapsule logs: no console log %s: %s\n", path,
			strerror(errno));
		ret = FC_EXIT_FAIL;
		goto out;
	}
	fc_copy_tail(fd, o.lines);
	if (o.follow && live)
		fc_follow(&x, fd, path, domid);
	ret = FC_EXIT_OK;
out:
	if (fd >= 0)
		close(fd);
	fc_xl_close(&x);
	return ret;
}
