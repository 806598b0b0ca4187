// SPDX-License-Identifier: GPL-2.0
/*
 * fcapsule serve: the OS server's loop on /dev/fcapsule.  Every event is
 * logged; LISTEN/UNLISTEN become NAPT map elements (listen.c), EXIT
 * records the app's code (reap.c), a disconnect drops the app VM's
 * mappings, FORK clones the app VM (fork.c), and any other request is
 * answered -ENOSYS.  The reaper runs beside it in a thread (reap.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include <fcapsule/ioctl.h>

#include "cmd.h"

#define FC_DEV_PATH "/dev/fcapsule"

/* Ring opcodes carried by FC_EV_REQUEST (numbers of fcapsule/ring.h). */
static const char *const fc_op_names[] = {
	"NOP", "HELLO", "FORK", "LISTEN", "UNLISTEN", "IPC_SEND", "EXIT",
};

static const char *fc_op_name(uint32_t op)
{
	if (op < sizeof(fc_op_names) / sizeof(fc_op_names[0]))
		return fc_op_names[op];
	return "?";
}

/* Complete @ev's request with @status and an optional response payload. */
int fc_serve_complete(int fd, const struct fc_event *ev, int status,
		      const void *payload, size_t len)
{
	struct fc_ioc_complete c;

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.domid = ev->domid;
	c.app_id = ev->app_id;
	c.req_id = ev->req_id;
	c.status = status;
	if (payload)
		memcpy(c.payload, payload,
		       len < sizeof(c.payload) ? len : sizeof(c.payload));
	if (ioctl(fd, FC_IOC_COMPLETE, &c) < 0) {
		fprintf(stderr,
			"fcapsule serve: complete dom%u req %" PRIu64 ": %s\n",
			ev->domid, (uint64_t)ev->req_id, strerror(errno));
		return -errno;
	}
	return 0;
}

static void fc_serve_event(int fd, const struct fc_event *ev)
{
	char name[FC_IOC_NAME_MAX];
	struct fc_ioc_complete c; /* a LISTEN/UNLISTEN completion */
	int status;		  /* of an EXIT request */

	switch (ev->type) {
	case FC_EV_CONNECT:
		memcpy(name, ev->payload, sizeof(name));
		name[sizeof(name) - 1] = '\0';
		printf("connect dom%u app %" PRIu64 " name %s parent %" PRIu64
		       "\n",
		       ev->domid, (uint64_t)ev->app_id, name,
		       (uint64_t)ev->req_id);
		fc_listen_connect(ev->domid, name);
		break;
	case FC_EV_DISCONNECT:
		printf("disconnect dom%u app %" PRIu64 "\n", ev->domid,
		       (uint64_t)ev->app_id);
		fc_listen_forget(ev->domid, ev->app_id);
		fc_listen_disconnect(ev->domid);
		break;
	case FC_EV_REQUEST:
		printf("request dom%u app %" PRIu64 " id %" PRIu64 " %s\n",
		       ev->domid, (uint64_t)ev->app_id, (uint64_t)ev->req_id,
		       fc_op_name(ev->opcode));
		if (fc_listen_handle(ev, &c)) {
			if (ioctl(fd, FC_IOC_COMPLETE, &c) < 0)
				perror("fcapsule serve: complete listen");
			fc_listen_persist(); /* the app VM goes on meanwhile */
			break;
		}
		if (fc_reap_on_request(ev, &status)) {
			fc_serve_complete(fd, ev, status, NULL, 0);
			break;
		}
		if (fc_fork_on_request(fd, ev))
			break;
		/* whatever a newer frontend sends */
		fc_serve_complete(fd, ev, -ENOSYS, NULL, 0);
		break;
	default:
		printf("event type %u (unknown) dom%u\n", ev->type, ev->domid);
		break;
	}
	fflush(stdout);
}

/*
 * The module drops a CONNECT/DISCONNECT only when its queue is full; then
 * some app VM's end was never seen here, and its ports and address would
 * stay.  Have the reaper make them agree with Xen again, as at start.
 */
static void fc_serve_check_dropped(int fd, uint64_t *seen_dropped)
{
	struct fc_ioc_version v;

	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	if (ioctl(fd, FC_IOC_VERSION, &v) < 0 ||
	    v.events_dropped == *seen_dropped)
		return;
	printf("the module dropped %" PRIu64 " event(s): resync\n",
	       (uint64_t)(v.events_dropped - *seen_dropped));
	fflush(stdout);
	*seen_dropped = v.events_dropped;
	fc_listen_reload();
	fc_reap_request_sync();
}

/*
 * Serve /dev/fcapsule until an error.  max_events > 0 stops after that
 * many events (for tests).  Returns 0 or a negative errno.
 */
int fc_serve_loop(long max_events)
{
	struct fc_ioc_version v;
	struct fc_event evs[16];
	uint64_t seen_dropped;
	long seen = 0;
	int fd, ret = 0;

	fd = open(FC_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		fprintf(stderr, "fcapsule serve: %s: %s\n", FC_DEV_PATH,
			strerror(errno));
		return ret;
	}

	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	if (ioctl(fd, FC_IOC_VERSION, &v) < 0) {
		ret = -errno;
		fprintf(stderr, "fcapsule serve: version: %s\n",
			strerror(errno));
		goto out_close;
	}
	if (v.abi_version != FC_IOC_ABI_VERSION ||
	    v.event_size != sizeof(struct fc_event)) {
		fprintf(stderr,
			"fcapsule serve: module ABI %u (event %u B), "
			"tool ABI %u (event %zu B)\n",
			v.abi_version, v.event_size, FC_IOC_ABI_VERSION,
			sizeof(struct fc_event));
		ret = -EPROTO;
		goto out_close;
	}
	printf("serving: protocol %u, %u app VMs connected\n", v.proto_version,
	       v.nr_capsules);
	fflush(stdout);
	seen_dropped = v.events_dropped; /* the start-up sync covers those */
	fc_listen_reload(); /* app VMs connected before we started */
	fc_listen_refresh();
	fc_hold_start();
	/* as fcapsule.service (Type=notify): started once it serves */
	sd_notify(0, "READY=1");

	while (max_events <= 0 || seen < max_events) {
		ssize_t n = read(fd, evs, sizeof(evs));
		size_t i;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			fprintf(stderr, "fcapsule serve: read: %s\n",
				strerror(errno));
			break;
		}
		for (i = 0; i < (size_t)n / sizeof(evs[0]); i++, seen++)
			fc_serve_event(fd, &evs[i]);
		fc_serve_check_dropped(fd, &seen_dropped);
	}

out_close:
	close(fd);
	return ret;
}

/* The pid in serve.pid, or 0. */
static long fc_serve_pid(void)
{
	char path[FC_PATH_MAX];
	long pid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/serve.pid", fc_run_dir());
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1 || pid < 0)
		pid = 0;
	fclose(f);
	return pid;
}

/*
 * fcapsule serve --status: the module's event queue (events_dropped:
 * CONNECT/DISCONNECT events it could not queue, each followed by a
 * resync of the server) and whether a server runs.
 */
static int fc_serve_status(int json)
{
	struct fc_ioc_version v;
	int fd, ret, running = fc_server_running();
	long pid = running ? fc_serve_pid() : 0;

	ret = fc_check_module(); /* FC_EXIT_NO_MODULE, as everywhere */
	if (ret)
		return ret;
	fd = open(FC_DEV_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "fcapsule serve: %s: %s\n", FC_DEV_PATH,
			strerror(errno));
		return FC_EXIT_FAIL;
	}
	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	if (ioctl(fd, FC_IOC_VERSION, &v) < 0) {
		fprintf(stderr, "fcapsule serve: version: %s\n",
			strerror(errno));
		close(fd);
		return FC_EXIT_FAIL;
	}
	close(fd);
	if (json) {
		printf("{\"server\": {\"running\": %s, \"pid\": %ld}, "
		       "\"module\": {\"abi\": %u, \"protocol\": %u, "
		       "\"app_vms\": %u, \"events_queued\": %u, "
		       "\"event_queue_len\": %u, \"events_dropped\": "
		       "%" PRIu64 "}}\n",
		       running ? "true" : "false", pid, v.abi_version,
		       v.proto_version, v.nr_capsules, v.events_queued,
		       v.event_queue_len, (uint64_t)v.events_dropped);
		return FC_EXIT_OK;
	}
	if (running)
		printf("server: running (pid %ld)\n", pid);
	else
		printf("server: not running\n");
	printf("module: ABI %u, protocol %u, %u app VMs connected\n",
	       v.abi_version, v.proto_version, v.nr_capsules);
	printf("events: %u queued of %u, %" PRIu64 " dropped\n",
	       v.events_queued, v.event_queue_len, (uint64_t)v.events_dropped);
	return FC_EXIT_OK;
}

/* fcapsule serve [--count N] | --status [--json] */
int main_serve(int argc, char **argv)
{
	struct fc_serve_args a;
	char err[FC_ERR_MAX];
	int ret;

	ret = fc_parse_serve_args(argc, argv, &a, err);
	if (ret)
		return fc_parse_exit("serve", ret, err);
	if (a.status)
		return fc_serve_status(a.json);
	fc_reap_start(); /* the reaper thread, unless a server runs */
	return fc_serve_loop(a.max_events) ? FC_EXIT_FAIL : FC_EXIT_OK;
}
