// SPDX-License-Identifier: GPL-2.0
/*
 * Pure helpers of the fcapsule tool: command-line parsing, image lookup,
 * exit codes and exit records.  No Xen calls here, so that all of it is
 * unit-tested on the host (tests/unit/usr_util.c).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fc.h"

/* Decimal only, whole string, within [min, max]. */
int fc_parse_ulong(const char *s, unsigned long min, unsigned long max,
		   unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int fc_parse_id(const char *s, uint32_t *domid)
{
	unsigned long v;

	/* Domid 0 is Dom0 and 0x7ff0.. are Xen's special ids: never apps. */
	if (fc_parse_ulong(s, 1, 0x7fef, &v))
		return -EINVAL;
	*domid = v;
	return 0;
}

/*
 * The PV command line: EXTRA then ARGS, space-separated; an argument with
 * a space or a tab is put in double quotes, which the library OS drops
 * when it splits the line.  -EINVAL for an empty argument or one with a
 * double quote (there is no escape), -E2BIG when it does not fit.
 */
int fc_join_args(const char *extra, char **args, int nargs, char *buf,
		 size_t len)
{
	size_t used = 0;
	int i, n;

	buf[0] = '\0';
	if (extra && *extra) {
		n = snprintf(buf, len, "%s", extra);
		if (n < 0 || (size_t)n >= len)
			return -E2BIG;
		used = n;
	}
	for (i = 0; i < nargs; i++) {
		const char *q = strpbrk(args[i], " \t") ? "\"" : "";

		if (!args[i][0] || strchr(args[i], '"'))
			return -EINVAL;
		n = snprintf(buf + used, len - used, "%s%s%s%s",
			     used ? " " : "", q, args[i], q);
		if (n < 0 || (size_t)n >= len - used)
			return -E2BIG;
		used += n;
	}
	return 0;
}

/*
 * A word with a '/' is a path; otherwise a name in the image directory.
 * The result must be a regular file.  Returns 0, -ENOENT or -E2BIG.
 */
int fc_image_resolve(const char *image, const char *dir, char *out, size_t len)
{
	struct stat st;
	int n;

	if (!image || !*image)
		return -ENOENT;
	if (strchr(image, '/'))
		n = snprintf(out, len, "%s", image);
	else
		n = snprintf(out, len, "%s/%s", dir, image);
	if (n < 0 || (size_t)n >= len)
		return -E2BIG;
	if (stat(out, &st) || !S_ISREG(st.st_mode))
		return -ENOENT;
	return 0;
}

/* "build/apps/hello" -> "hello": what `run` names an app VM by default. */
void fc_image_default_name(const char *image, char *out, size_t len)
{
	const char *base = strrchr(image, '/');
	size_t i, j = 0;

	base = base ? base + 1 : image;
	for (i = 0; base[i] && j + 1 < len && j + 1 < FC_VMNAME_MAX - 8; i++) {
		char c = base[i];

		if (!isalnum((unsigned char)c) && c != '-' && c != '_')
			c = '-';
		out[j++] = c;
	}
	if (j == 0)
		out[j++] = 'a';
	out[j] = '\0';
	if (!fc_name_valid(out))
		snprintf(out, len, "app-%.40s", base);
}

/* A domain name we accept: not an id (all digits), no path or spaces. */
int fc_name_valid(const char *name)
{
	size_t i, n = strlen(name);
	int digits = 1;

	if (n == 0 || n >= FC_VMNAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!isdigit((unsigned char)c))
			digits = 0;
		if (!isalnum((unsigned char)c) && c != '-' && c != '_' &&
		    c != '.')
			return 0;
	}
	return !digits;
}

/* TERM, SIGTERM, 15, KILL, SIGKILL, 9; anything else -1. */
int fc_parse_signal(const char *s)
{
	unsigned long v;

	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	if (!strcasecmp(s, "TERM"))
		return SIGTERM;
	if (!strcasecmp(s, "KILL"))
		return SIGKILL;
	if (!fc_parse_ulong(s, 1, 64, &v) && (v == SIGTERM || v == SIGKILL))
		return v;
	return -1;
}

/*
 * Write a small file through a temporary one and rename it: readers (ps,
 * a concurrent run, the OS server) never see half of it.  The temporary
 * name carries the pid, so two processes never share one.
 */
int fc_write_file_atomic(const char *path, const char *text)
{
	char tmp[FC_PATH_MAX + 32];
	size_t n = strlen(text);
	int fd, ret = -EIO;

	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, text, n) != (ssize_t)n)
		goto out;
	ret = 0;
out:
	close(fd);
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

const char *fc_run_dir(void)
{
	const char *d = getenv("FC_RUN_DIR");

	return d && *d ? d : FC_RUN_DIR_DEFAULT;
}

/* What must survive a reboot: exit records ($FC_STATE_DIR overrides). */
const char *fc_state_dir(void)
{
	const char *d = getenv("FC_STATE_DIR");

	if (d && *d)
		return d;
	return FC_STATE_DIR_DEFAULT ? FC_STATE_DIR_DEFAULT : fc_run_dir();
}

const char *fc_image_dir(const char *opt)
{
	const char *d = getenv("FC_IMAGE_DIR");

	if (opt && *opt)
		return opt;
	return d && *d ? d : FC_IMAGE_DIR_DEFAULT;
}

const char *fc_reason_name(int reason)
{
	switch (reason) {
	case FC_REASON_POWEROFF:
		return "poweroff";
	case FC_REASON_REBOOT:
		return "reboot";
	case FC_REASON_SUSPEND:
		return "suspend";
	case FC_REASON_CRASH:
		return "crash";
	case FC_REASON_WATCHDOG:
		return "watchdog";
	case FC_REASON_SOFT_RESET:
		return "soft_reset";
	case FC_REASON_KILLED:
		return "killed";
	case FC_REASON_TERMINATED:
		return "terminated";
	case FC_REASON_GONE:
		return "gone";
	}
	return "unknown";
}

/*
 * Exit code when the app said nothing (no EXIT request, no FC-EXIT line):
 * like a shell reports a process killed by a signal, 128 + the signal
 * that best matches the way the domain ended.
 */
int fc_reason_exit_code(int reason)
{
	switch (reason) {
	case FC_REASON_POWEROFF:
	case FC_REASON_REBOOT:
		return 0;
	case FC_REASON_CRASH:
		return 128 + SIGSEGV; /* 139 */
	case FC_REASON_WATCHDOG:
		return 128 + SIGALRM; /* 142 */
	case FC_REASON_KILLED:
	case FC_REASON_GONE:
		return 128 + SIGKILL; /* 137 */
	case FC_REASON_TERMINATED:
		return 128 + SIGTERM; /* 143 */
	}
	return 128 + SIGABRT; /* 134: soft reset, unknown */
}

/*
 * The last "FC-EXIT <code>" line of a console log (the libos prints it
 * just before powering off).  Returns 0 and *code, or -ENOENT.
 */
int fc_console_exit_code(const char *text, size_t len, int *code)
{
	static const char tag[] = "FC-EXIT ";
	const size_t tl = sizeof(tag) - 1;
	int found = -ENOENT;
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		/* xenconsoled may prefix a timestamp: find the tag in the line */
		size_t j;

		for (j = i; j + tl <= end; j++) {
			char num[16];
			size_t k = 0, p = j + tl;
			long v;
			char *e;

			if (memcmp(text + j, tag, tl))
				continue;
			while (p < end && k + 1 < sizeof(num) &&
			       (isdigit((unsigned char)text[p]) ||
				(k == 0 && text[p] == '-')))
				num[k++] = text[p++];
			num[k] = '\0';
			v = strtol(num, &e, 10);
			if (k && !*e && e != num) {
				*code = (int)v;
				found = 0;
			}
			break;
		}
		i = end + 1;
	}
	return found;
}

int fc_exit_rec_format(const struct fc_exit_rec *r, char *buf, size_t len)
{
	int n;

	n = snprintf(buf, len,
		     "domid=%" PRIu32 "\nppid=%" PRIu32 "\nname=%s\ncode=%d\n"
		     "reason=%s\nsource=%s\nstarted=%" PRId64 "\nended=%" PRId64
		     "\ncpu_ns=%" PRIu64 "\nmem_kb=%" PRIu64 "\n",
		     r->domid, r->ppid, r->name, r->code,
		     fc_reason_name(r->reason), r->source, r->started, r->ended,
		     r->cpu_ns, r->mem_kb);
	return n < 0 || (size_t)n >= len ? -E2BIG : n;
}

static int fc_reason_from_name(const char *s)
{
	int r;

	for (r = 0; r <= FC_REASON_GONE; r++)
		if (strcmp(fc_reason_name(r), "unknown") &&
		    !strcmp(fc_reason_name(r), s))
			return r;
	return -1;
}

/* Parses what fc_exit_rec_format wrote; -EINVAL without domid or code. */
int fc_exit_rec_parse(const char *text, struct fc_exit_rec *r)
{
	int have_domid = 0, have_code = 0;
	const char *p = text;

	memset(r, 0, sizeof(*r));
	r->reason = -1;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char line[160], *eq;

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		p += nl ? n + 1 : n;
		eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq++ = '\0';
		if (!strcmp(line, "domid")) {
			r->domid = strtoul(eq, NULL, 10);
			have_domid = 1;
		} else if (!strcmp(line, "ppid")) {
			r->ppid = strtoul(eq, NULL, 10);
		} else if (!strcmp(line, "name")) {
			snprintf(r->name, sizeof(r->name), "%s", eq);
		} else if (!strcmp(line, "code")) {
			r->code = strtol(eq, NULL, 10);
			have_code = 1;
		} else if (!strcmp(line, "reason")) {
			r->reason = fc_reason_from_name(eq);
		} else if (!strcmp(line, "source")) {
			snprintf(r->source, sizeof(r->source), "%s", eq);
		} else if (!strcmp(line, "started")) {
			r->started = strtoll(eq, NULL, 10);
		} else if (!strcmp(line, "ended")) {
			r->ended = strtoll(eq, NULL, 10);
		} else if (!strcmp(line, "cpu_ns")) {
			r->cpu_ns = strtoull(eq, NULL, 10);
		} else if (!strcmp(line, "mem_kb")) {
			r->mem_kb = strtoull(eq, NULL, 10);
		}
	}
	return have_domid && have_code ? 0 : -EINVAL;
}

/* Monotonic clock in seconds, for deadlines and durations. */
double fc_monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}
