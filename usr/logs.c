// SPDX-License-Identifier: GPL-2.0
/*
 * fcapsule logs [-f] ID|NAME: the app VM's console as xenconsoled logs it
 * (guest-NAME.log).  A finished app VM is found by its exit record.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xl.h"

enum { OPT_LOG_DIR = 0x100 };

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

int main_logs(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "log-dir", required_argument, NULL, OPT_LOG_DIR },
		{ NULL, 0, NULL, 0 },
	};
	char path[FC_PATH_MAX], name[FC_VMNAME_MAX];
	struct fc_exit_rec *recs = NULL;
	uint32_t domid = 0;
	int follow = 0, c, fd = -1, ret, i, nrecs, live = 0;
	struct fc_xl x = { 0 };

	optind = 0;
	while ((c = getopt_long(argc, argv, "f", lopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			follow = 1;
			break;
		case OPT_LOG_DIR:
			setenv("FC_LOG_DIR", optarg, 1);
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	ret = fc_check_root();
	if (ret)
		goto out;
	ret = fc_xl_open(&x);
	if (ret)
		goto out;
	name[0] = '\0';
	if (!fc_xl_lookup(&x, argv[optind], &domid)) {
		char *n = libxl_domid_to_name(x.ctx, domid);

		snprintf(name, sizeof(name), "%s", n ? n : "");
		free(n);
		live = 1;
	} else {
		/* ended: by id or name in the exit records, newest first */
		uint32_t want = 0;

		fc_parse_id(argv[optind], &want);
		nrecs = fc_exit_rec_list(&recs);
		for (i = 0; i < nrecs; i++) {
			if (recs[i].domid != want &&
			    strcmp(recs[i].name, argv[optind]))
				continue;
			if (!name[0] || recs[i].domid > domid) {
				snprintf(name, sizeof(name), "%s",
					 recs[i].name);
				domid = recs[i].domid;
			}
		}
	}
	if (!name[0]) {
		fprintf(stderr, "fcapsule logs: unknown app VM '%s'\n",
			argv[optind]);
		ret = FC_EXIT_NO_APP;
		goto out;
	}
	fc_console_log_path(name, path, sizeof(path));
	for (;;) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 || !follow || !live || !fc_alive(&x, domid))
			break;
		usleep(200 * 1000); /* xenconsoled has not created it yet */
	}
	if (fd < 0) {
		fprintf(stderr, "fcapsule logs: no console log %s: %s\n", path,
			strerror(errno));
		ret = FC_EXIT_FAIL;
		goto out;
	}
	fc_copy_new(fd);
	while (follow && live && fc_alive(&x, domid)) {
		usleep(200 * 1000);
		fc_copy_new(fd);
	}
	if (follow)
		fc_copy_new(fd); /* the last lines before it went */
	ret = FC_EXIT_OK;
out:
	if (fd >= 0)
		close(fd);
	free(recs);
	fc_xl_close(&x);
	return ret;
usage:
	fprintf(stderr, "usage: fcapsule logs [-f] [--log-dir DIR] ID|NAME\n");
	return FC_EXIT_USAGE;
}
