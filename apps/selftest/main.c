// SPDX-License-Identifier: GPL-2.0
/*
 * selftest: exercises the libos services on a real Xen (xenstore read,
 * write, transaction, watch; grants; event channels; threads; timers;
 * heap and pages).  Prints "FC-SELFTEST ok|FAIL <what>" lines and exits
 * with the number of failures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcos/evtchn.h>
#include <fcos/gnttab.h>
#include <fcos/lib.h>
#include <fcos/mm.h>
#include <fcos/sched.h>
#include <fcos/time.h>
#include <fcos/xenbus.h>

static int failures;

static void check(int ok, const char *what, long detail)
{
	printf("FC-SELFTEST %s %s (%ld)\n", ok ? "ok" : "FAIL", what, detail);
	failures += !ok;
}

static int ticks;
static struct fcos_waitq done_wq = FCOS_WAITQ_INIT;

static void ticker(void *arg)
{
	int i, n = *(int *)arg;

	for (i = 0; i < n; i++) {
		fcos_sleep_ns(20 * FCOS_NSEC_PER_MSEC);
		ticks++;
	}
	fcos_waitq_wake_all(&done_wq);
}

int main(void)
{
	struct fcos_mm_stats ms;
	struct fcos_xs_watch w;
	fcos_xs_transaction_t t;
	domid_t domid = 0;
	char path[64], *v = NULL, *p = NULL, **dir;
	unsigned int n;
	grant_ref_t ref;
	evtchn_port_t port;
	uint64_t t0;
	void *page;
	int rc, count = 5;

	fcos_mm_stats(&ms);
	printf("mm: %lu pages, %lu managed, %lu free, image %lu pages\n",
	       ms.nr_pages, ms.mapped_pages, ms.free_pages, ms.image_pages);
	check(ms.free_pages > 0, "page allocator has free pages",
	      (long)ms.free_pages);

	rc = fcos_xs_domid(&domid);
	check(!rc && domid > 0, "xenstore read domid", domid);
	rc = fcos_xs_read(FCOS_XS_NO_TRANSACTION, "name", &v);
	check(!rc && !strcmp(v, "selftest"), "xenstore read name", rc);
	free(v);
	rc = fcos_xs_read(FCOS_XS_NO_TRANSACTION, "no/such/node", &v);
	check(rc == -2, "xenstore ENOENT", rc);

	rc = fcos_xs_watch(&w, "data/fc", "fctok");
	check(!rc, "xenstore watch", rc);
	rc = fcos_xs_wait_watch(&w, fcos_monotonic_ns() + FCOS_NSEC_PER_SEC,
				&p);
	check(!rc, "initial watch event", rc);
	free(p);

	rc = fcos_xs_transaction_start(&t);
	check(!rc && t, "transaction start", (long)t);
	rc = fcos_xs_printf(t, "data/fc/x", "%d", 42);
	check(!rc, "write in transaction", rc);
	rc = fcos_xs_transaction_end(t, 0);
	check(!rc, "transaction commit", rc);
	rc = fcos_xs_read(FCOS_XS_NO_TRANSACTION, "data/fc/x", &v);
	check(!rc && !strcmp(v, "42"), "read back", rc);
	free(v);
	rc = fcos_xs_wait_watch(&w, fcos_monotonic_ns() + FCOS_NSEC_PER_SEC,
				&p);
	check(!rc && p && strstr(p, "data/fc"), "watch fires on write", rc);
	free(p);
	rc = fcos_xs_directory(FCOS_XS_NO_TRANSACTION, "data/fc", &dir, &n);
	check(!rc && n == 1 && !strcmp(dir[0], "x"), "directory", (long)n);
	if (!rc)
		free(dir);
	rc = fcos_xs_unwatch(&w);
	check(!rc, "unwatch", rc);
	snprintf(path, sizeof(path), "/local/domain/%u/data/fc", domid);
	rc = fcos_xs_rm(FCOS_XS_NO_TRANSACTION, path);
	check(!rc, "rm absolute path", rc);

	page = fcos_alloc_page();
	check(page != NULL, "alloc page", 0);
	rc = fcos_gnttab_grant_page(0, page, 0, &ref);
	check(!rc && ref >= 8, "grant page to dom0", (long)ref);
	rc = fcos_gnttab_end_access(ref);
	check(!rc, "end access", rc);
	fcos_free_page(page);

	rc = fcos_evtchn_alloc_unbound(0, NULL, NULL, &port);
	check(!rc, "alloc unbound evtchn for dom0", (long)port);
	if (!rc)
		check(!fcos_evtchn_close(port), "close evtchn", (long)port);

	t0 = fcos_monotonic_ns();
	if (!fcos_thread_create("ticker", ticker, &count))
		check(0, "thread create", 0);
	fcos_wait_event(&done_wq, ticks == count);
	t0 = fcos_monotonic_ns() - t0;
	check(ticks == count && t0 >= 100 * FCOS_NSEC_PER_MSEC,
	      "thread sleeps, elapsed ms", (long)(t0 / FCOS_NSEC_PER_MSEC));

	t0 = fcos_monotonic_ns();
	fcos_sleep_ns(50 * FCOS_NSEC_PER_MSEC);
	t0 = fcos_monotonic_ns() - t0;
	check(t0 >= 50 * FCOS_NSEC_PER_MSEC, "main sleep 50 ms",
	      (long)(t0 / FCOS_NSEC_PER_MSEC));

	v = malloc(100000);
	check(v != NULL, "malloc 100 KB", 0);
	free(v);
	printf("FC-SELFTEST done failures=%d\n", failures);
	return failures;
}
