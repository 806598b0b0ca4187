// SPDX-License-Identifier: GPL-2.0
/*
 * fcctl: a tiny /dev/fcapsule client for the integration tests.
 *
 *   fcctl list                      one line per app VM known to the module
 *   fcctl state DOMID               connected | broken | none
 *   fcctl next-request [SECONDS [DOMID]]
 *                                   wait for a FC_EV_REQUEST (of DOMID),
 *                                   print "domid app_id req_id opcode"
 *   fcctl answer SECONDS DOMID STATUS
 *                                   next-request, then complete it at once
 *   fcctl complete DOMID APPID REQID STATUS
 *                                   exit status: 0, or the errno
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <fcapsule/ioctl.h>

static int dev(void)
{
	int fd = open("/dev/fcapsule", O_RDWR | O_NONBLOCK);

	if (fd < 0) {
		perror("fcctl: /dev/fcapsule");
		exit(1);
	}
	return fd;
}

static int list(void)
{
	struct fc_ioc_capsule caps[256];
	struct fc_ioc_list l = { .size = sizeof(l),
				 .capacity = 256,
				 .capsules = (__u64)(unsigned long)caps };
	int fd = dev();

	if (ioctl(fd, FC_IOC_LIST, &l)) {
		perror("fcctl: FC_IOC_LIST");
		return 1;
	}
	for (unsigned int i = 0; i < l.count; i++) {
		struct fc_ioc_capsule *c = &caps[i];

		printf("%u %s %llu %s req=%llu rsp=%llu err=%llu "
		       "pending=%llu\n",
		       c->domid, c->name, (unsigned long long)c->app_id,
		       c->state == FC_CAP_CONNECTED ? "connected"
		       : c->state == FC_CAP_BROKEN  ? "broken"
						    : "other",
		       (unsigned long long)c->requests,
		       (unsigned long long)c->responses,
		       (unsigned long long)c->errors,
		       (unsigned long long)c->user_pending);
	}
	printf("total %u\n", l.total);
	return 0;
}

static int state(unsigned int domid)
{
	struct fc_ioc_stats s = { .size = sizeof(s), .domid = domid };
	int fd = dev();

	if (ioctl(fd, FC_IOC_STATS, &s)) {
		puts("none");
		return 0;
	}
	puts(s.capsule.state == FC_CAP_CONNECTED ? "connected"
	     : s.capsule.state == FC_CAP_BROKEN	 ? "broken"
						 : "other");
	return 0;
}

static int complete(char **a);

/* Wait for a request (of @domid if >= 0); print it; with @answer, also
 * complete it at once with status *@answer (no shell in between). */
static int next_request(int seconds, long domid, const char *answer)
{
	struct pollfd p = { .fd = dev(), .events = POLLIN };
	struct fc_event ev;

	for (;;) {
		if (poll(&p, 1, seconds * 1000) <= 0)
			return 1;
		if (read(p.fd, &ev, sizeof(ev)) != sizeof(ev))
			continue;
		if (ev.type == FC_EV_REQUEST &&
		    (domid < 0 || ev.domid == (__u32)domid)) {
			printf("%u %llu %llu %u\n", ev.domid,
			       (unsigned long long)ev.app_id,
			       (unsigned long long)ev.req_id, ev.opcode);
			if (answer) {
				char d[16], a[24], r[24],
					*args[4] = { d, a, r, (char *)answer };

				snprintf(d, sizeof(d), "%u", ev.domid);
				snprintf(a, sizeof(a), "%llu",
					 (unsigned long long)ev.app_id);
				snprintf(r, sizeof(r), "%llu",
					 (unsigned long long)ev.req_id);
				fflush(stdout);
				return complete(args);
			}
			return 0;
		}
	}
}

static int complete(char **a)
{
	struct fc_ioc_complete c = { .size = sizeof(c) };
	int fd = dev();

	c.domid = strtoul(a[0], NULL, 0);
	c.app_id = strtoull(a[1], NULL, 0);
	c.req_id = strtoull(a[2], NULL, 0);
	c.status = strtol(a[3], NULL, 0);
	if (ioctl(fd, FC_IOC_COMPLETE, &c)) {
		int e = errno;

		printf("complete: %s\n", strerror(e));
		return e;
	}
	puts("complete: ok");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "list"))
		return list();
	if (argc == 3 && !strcmp(argv[1], "state"))
		return state(strtoul(argv[2], NULL, 0));
	if (argc >= 2 && !strcmp(argv[1], "next-request"))
		return next_request(argc > 2 ? atoi(argv[2]) : 30,
				    argc > 3 ? atol(argv[3]) : -1, NULL);
	if (argc == 5 && !strcmp(argv[1], "answer"))
		return next_request(atoi(argv[2]), atol(argv[3]), argv[4]);
	if (argc == 6 && !strcmp(argv[1], "complete"))
		return complete(argv + 2);
	fprintf(stderr, "usage: see tests/tools/fcctl.c\n");
	return 2;
}
