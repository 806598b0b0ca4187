// SPDX-License-Identifier: GPL-2.0
/*
 * fcfuzzioc: fuzz the ioctls and read() of /dev/fcapsule from Dom0.
 *
 *   fcfuzzioc [-s SEED] [-n CALLS] [-l DOMID:APPID] [-g DOMID:APPID]
 *
 * Every command number of the 0xFC type (all directions and sizes), the
 * real ones with wrong sizes, non-zero reserved fields, huge capacities,
 * NULL, kernel, unmapped and half-mapped pointers (a structure that runs
 * into a PROT_NONE page), out-of-range statuses, completions for requests
 * that do not exist (-l: of a live app VM, with request ids it never
 * used) or of an app VM that is gone (-g).  read() only with bad buffers
 * or short lengths, so that no event is consumed.
 *
 * Checks: every call returns 0 or an errno the ABI documents, output
 * arrays are never written past what the call reports (canaries), and
 * VERSION still answers sanely at the end.  Prints the seed first and one
 * summary line "FCIOC-FUZZ ..."; exit status 0 if nothing was wrong.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <fcapsule/ioctl.h>

#define PAGE   4096
#define CANARY 0xa5

static uint64_t rng;
static int fd;
static uint8_t *guard; /* PAGE read-write, then PAGE PROT_NONE */
static unsigned long calls, ok, bad_errno, overruns;
static unsigned long n_errno[256];
static uint32_t live_domid, gone_domid;
static uint64_t live_app, gone_app;

static uint32_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 2685821657736338717ULL) >> 32);
}

static uint64_t rnd64(void)
{
	return (uint64_t)rnd() << 32 | rnd();
}

/* An argument pointer of size sz: good (buf), or one of the bad kinds. */
static void *bad_ptr(void *buf, size_t sz)
{
	switch (rnd() % 6) {
	case 0:
		return NULL;
	case 1:
		return (void *)0xffff888000000000ULL; /* kernel */
	case 2:
		return (void *)(uintptr_t)(rnd64() & 0x7fffffffffffULL);
	case 3: /* runs into the PROT_NONE page */
		memcpy(guard + PAGE - sz / 2, buf, sz / 2);
		return guard + PAGE - sz / 2;
	case 4:
		return guard + PAGE; /* PROT_NONE */
	default:
		return buf;
	}
}

static void errno_ok(long rc, const int *allowed, const char *what,
		     unsigned int cmd)
{
	calls++;
	if (!rc) {
		ok++;
		return;
	}
	n_errno[errno & 255]++;
	for (; *allowed; allowed++)
		if (*allowed == errno)
			return;
	if (bad_errno++ < 10)
		fprintf(stderr, "fcfuzzioc: %s cmd %#x: unexpected %s\n", what,
			cmd, strerror(errno));
}

static const int any_errs[] = { EINVAL, EFAULT, ENOTTY, ESRCH,
				ENOENT, ENOSPC, ENOMEM, 0 };

/* Some field of the structure at p (sz bytes) made wrong. */
static void mutate(void *p, size_t sz)
{
	uint8_t *b = p;

	switch (rnd() % 4) {
	case 0: /* the size field */
		*(uint32_t *)p =
			rnd() % 3 ? (uint32_t)sz + rnd() % 9 - 4 : rnd();
		break;
	case 1: /* one random byte (reserved fields among them) */
		b[rnd() % sz] = (uint8_t)rnd();
		break;
	case 2: /* the last 8 bytes: reserved in most structures */
		memset(b + sz - 8, 0xff, 8);
		break;
	default:
		break; /* valid */
	}
}

static void one_version(void)
{
	struct fc_ioc_version v;

	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	mutate(&v, sizeof(v));
	errno_ok(ioctl(fd, FC_IOC_VERSION, bad_ptr(&v, sizeof(v))), any_errs,
		 "VERSION", FC_IOC_VERSION);
}

/* LIST and IPC_STATS/IPC_LIST: arrays with canaries after them. */
static void check_canary(const uint8_t *arr, size_t esz, uint32_t cap,
			 uint32_t count, size_t total)
{
	if (count > cap) {
		overruns++;
		return;
	}
	for (size_t i = count * esz; i < total; i++)
		if (arr[i] != CANARY) {
			overruns++;
			fprintf(stderr, "fcfuzzioc: written past count %u\n",
				count);
			return;
		}
}

static void one_list(unsigned int kind)
{
	static uint8_t arr[64 * 512];
	struct fc_ioc_list l;
	struct fc_ioc_ipc_list il;
	struct fc_ioc_ipc_stats is;
	unsigned int cmd;
	uint32_t cap = rnd() % 3 ? rnd() % 8 : rnd();
	int good = rnd() % 2, kept_cap = cap < 16;
	void *argp, *arg, *array = arr;
	size_t esz;
	uint32_t *count;
	long rc;

	memset(arr, CANARY, sizeof(arr));
	if (!good)
		array = bad_ptr(arr, 512);
	if (kind == 0) {
		memset(&l, 0, sizeof(l));
		l.size = sizeof(l);
		l.capacity = cap;
		l.capsules = (uintptr_t)array;
		arg = &l;
		esz = sizeof(struct fc_ioc_capsule);
		count = &l.count;
		cmd = FC_IOC_LIST;
	} else if (kind == 1) {
		memset(&il, 0, sizeof(il));
		il.size = sizeof(il);
		il.capacity = cap;
		il.rules = (uintptr_t)array;
		arg = &il;
		esz = sizeof(struct fc_ioc_ipc_rule);
		count = &il.count;
		cmd = FC_IOC_IPC_LIST;
	} else {
		memset(&is, 0, sizeof(is));
		is.size = sizeof(is);
		is.capacity = cap;
		is.stats = (uintptr_t)array;
		arg = &is;
		esz = sizeof(struct fc_ioc_ipc_stat);
		count = &is.count;
		cmd = FC_IOC_IPC_STATS;
	}
	if (!good || !kept_cap) {
		/* Bad buffer or huge capacity: any documented error. */
		if (rnd() % 2)
			mutate(arg, kind == 2 ? sizeof(is) : sizeof(l));
		/*
		 * Not the pointer: one changed byte would aim the kernel's
		 * (valid) writes at our own memory nearby.
		 */
		if (kind == 0)
			l.capsules = (uintptr_t)array;
		else if (kind == 1)
			il.rules = (uintptr_t)array;
		else
			is.stats = (uintptr_t)array;
		argp = rnd() % 4 ? arg : bad_ptr(arg, 32);
		errno_ok(ioctl(fd, cmd, argp), any_errs, "list", cmd);
		return;
	}
	/* A well-formed call must succeed and write at most count. */
	rc = ioctl(fd, cmd, arg);
	errno_ok(rc, (const int[]){ 0 }, "valid list", cmd);
	if (!rc)
		check_canary(arr, esz, cap, *count, sizeof(arr));
}

static void one_stats(void)
{
	struct fc_ioc_stats s;

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.domid = rnd() % 2 ? live_domid : rnd() % 4 ? rnd() % 64 : rnd();
	if (rnd() % 2)
		mutate(&s, sizeof(s));
	errno_ok(ioctl(fd, FC_IOC_STATS, bad_ptr(&s, sizeof(s))), any_errs,
		 "STATS", FC_IOC_STATS);
}

static void one_complete(void)
{
	struct fc_ioc_complete c;

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	switch (rnd() % 4) {
	case 0: /* a live app VM, a request id it never used */
		c.domid = live_domid;
		c.app_id = live_app;
		c.req_id = (1ULL << 40) | rnd64();
		break;
	case 1: /* a live domid, another app id */
		c.domid = live_domid;
		c.app_id = live_app + 1 + rnd() % 1000;
		c.req_id = rnd() % 64;
		break;
	case 2: /* an app VM that is gone */
		c.domid = gone_domid;
		c.app_id = gone_app;
		c.req_id = rnd() % 64;
		break;
	default:
		c.domid = rnd();
		c.app_id = rnd64();
		c.req_id = rnd64();
		break;
	}
	switch (rnd() % 4) {
	case 0:
		c.status = (int32_t)rnd(); /* often out of range */
		break;
	case 1:
		c.status = rnd() % 2 ? 1 + rnd() % 100 : -4096 - rnd() % 100;
		break;
	default:
		c.status = -(int32_t)(rnd() % 4096);
		break;
	}
	for (size_t i = 0; i < sizeof(c.payload); i++)
		c.payload[i] = (uint8_t)rnd();
	if (rnd() % 3 == 0)
		mutate(&c, sizeof(c));
	/* A live app VM's real requests must never be completed here. */
	if (c.domid == live_domid && c.app_id == live_app &&
	    c.req_id < (1ULL << 40))
		c.req_id |= 1ULL << 40;
	errno_ok(ioctl(fd, FC_IOC_COMPLETE, bad_ptr(&c, sizeof(c))), any_errs,
		 "COMPLETE", FC_IOC_COMPLETE);
}

static void one_rule(void)
{
	struct fc_ioc_ipc_rule r;
	unsigned int cmd = rnd() % 2 ? FC_IOC_IPC_ALLOW : FC_IOC_IPC_DENY;

	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.flags = rnd() % 4 ? rnd() % 8 : rnd();
	if (r.flags & FC_IPC_RULE_A_NAME)
		snprintf(r.a_name, sizeof(r.a_name), "fz%u", rnd() % 300);
	else
		r.a_domid = rnd() % 4 ? 1000 + rnd() % 300 : rnd();
	if (r.flags & FC_IPC_RULE_B_NAME)
		snprintf(r.b_name, sizeof(r.b_name), "fy%u", rnd() % 300);
	else
		r.b_domid = rnd() % 4 ? 2000 + rnd() % 300 : rnd();
	if (rnd() % 8 == 0)
		memset(r.a_name, 'x', sizeof(r.a_name)); /* no NUL */
	if (rnd() % 3 == 0)
		mutate(&r, sizeof(r));
	errno_ok(ioctl(fd, cmd, bad_ptr(&r, sizeof(r))), any_errs, "RULE", cmd);
}

/* Any command number of our type: direction, size and number random. */
static void one_raw(void)
{
	static uint8_t buf[PAGE];
	unsigned int dir = rnd() % 4, nr = rnd() % 256,
		     size = rnd() % 2 ? rnd() % 300 : rnd() % (1u << 14);
	unsigned int cmd = _IOC(dir, FC_IOC_MAGIC, nr, size);

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rnd();
	if (rnd() % 2)
		*(uint32_t *)buf = size; /* a plausible size field */
	errno_ok(ioctl(fd, cmd, bad_ptr(buf, 256)), any_errs, "raw", cmd);
}

static void one_read(void)
{
	static uint8_t buf[512];
	static const int errs[] = { EINVAL, EFAULT, EAGAIN, 0 };
	size_t len;
	void *p;

	if (rnd() % 2) {
		len = rnd() % sizeof(struct fc_event); /* too short */
		p = buf;
	} else {
		len = sizeof(struct fc_event) * (1 + rnd() % 3);
		/* Wholly unmapped: a fault consumes no event. */
		p = rnd() % 2 ? NULL : guard + PAGE;
	}
	errno_ok(read(fd, p, len) < 0 ? -1 : 0, errs, "read", 0);
}

/* Remove every rule the fuzzing left, so later tests see none. */
static void drop_rules(void)
{
	struct fc_ioc_ipc_rule rules[256];
	struct fc_ioc_ipc_list l = { .size = sizeof(l),
				     .capacity = 256,
				     .rules = (uintptr_t)rules };

	if (ioctl(fd, FC_IOC_IPC_LIST, &l))
		return;
	for (unsigned int i = 0; i < l.count; i++) {
		rules[i].flags |= FC_IPC_RULE_DELETE;
		rules[i].verdict = 0;
		ioctl(fd, FC_IOC_IPC_ALLOW, &rules[i]);
	}
}

static int parse_pair(const char *s, uint32_t *domid, uint64_t *app)
{
	unsigned long long a;
	unsigned int d;

	if (sscanf(s, "%u:%llu", &d, &a) != 2)
		return -1;
	*domid = d;
	*app = a;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long n = 100000;
	unsigned int seed = 0;
	struct fc_ioc_version v = { .size = sizeof(v) };
	int opt, rc;

	while ((opt = getopt(argc, argv, "s:n:l:g:")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			n = strtoul(optarg, NULL, 0);
			break;
		case 'l':
			if (parse_pair(optarg, &live_domid, &live_app))
				return 2;
			break;
		case 'g':
			if (parse_pair(optarg, &gone_domid, &gone_app))
				return 2;
			break;
		default:
			fprintf(stderr, "usage: fcfuzzioc [-s SEED] [-n CALLS] "
					"[-l DOMID:APPID] [-g DOMID:APPID]\n");
			return 2;
		}
	}
	if (!seed)
		seed = (unsigned int)time(NULL) | 1;
	rng = seed * 0x9e3779b97f4a7c15ULL | 1;
	printf("FCIOC-FUZZ seed=%u calls=%lu\n", seed, n);
	fflush(stdout);

	fd = open(getenv("FCFUZZ_DEV") ? getenv("FCFUZZ_DEV") : "/dev/fcapsule",
		  O_RDWR | O_NONBLOCK);
	if (fd < 0) {
		perror("fcfuzzioc: /dev/fcapsule");
		return 1;
	}
	guard = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard == MAP_FAILED || mprotect(guard + PAGE, PAGE, PROT_NONE))
		return 1;

	/* Every command number once first, then at random. */
	for (unsigned int nr = 0; nr < 256; nr++)
		for (unsigned int dir = 0; dir < 4; dir++) {
			static uint8_t zero[PAGE];

			errno_ok(
				ioctl(fd, _IOC(dir, FC_IOC_MAGIC, nr, 0), zero),
				any_errs, "every", nr);
		}
	while (calls < n) {
		switch (rnd() % 10) {
		case 0:
			one_version();
			break;
		case 1:
		case 2:
			one_list(rnd() % 3);
			break;
		case 3:
			one_stats();
			break;
		case 4:
		case 5:
			one_complete();
			break;
		case 6:
			one_rule();
			break;
		case 7:
		case 8:
			one_raw();
			break;
		default:
			one_read();
			break;
		}
	}
	drop_rules();

	rc = ioctl(fd, FC_IOC_VERSION, &v);
	printf("FCIOC-FUZZ seed=%u calls=%lu ok=%lu einval=%lu efault=%lu "
	       "enotty=%lu esrch=%lu enoent=%lu enospc=%lu eagain=%lu "
	       "unexpected=%lu overruns=%lu version=%s\n",
	       seed, calls, ok, n_errno[EINVAL], n_errno[EFAULT],
	       n_errno[ENOTTY], n_errno[ESRCH], n_errno[ENOENT],
	       n_errno[ENOSPC], n_errno[EAGAIN], bad_errno, overruns,
	       !rc && v.abi_version == FC_IOC_ABI_VERSION ? "ok" : "bad");
	return bad_errno || overruns || rc ? 1 : 0;
}
