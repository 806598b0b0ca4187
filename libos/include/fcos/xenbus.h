/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XenStore client over the start_info store ring.  Calls block the
 * calling thread (never call from event handlers).  Strings returned
 * through char ** are malloc'd: free() them.  Errors are -errno (the
 * xenstore error names mapped by xs_wire.h's table).
 */
#ifndef FCOS_XENBUS_H
#define FCOS_XENBUS_H

#include <stdint.h>
#include <fcos/sched.h>
#include <fcos/xen.h>
#include <xen/io/xenbus.h>

typedef uint32_t fcos_xs_transaction_t;
#define FCOS_XS_NO_TRANSACTION ((fcos_xs_transaction_t)0)

int fcos_xs_init(void);
void fcos_xs_fini(void);
int fcos_xs_suspend(void);
int fcos_xs_resume(int new_domain);

int fcos_xs_read(fcos_xs_transaction_t t, const char *path, char **value);
int fcos_xs_write(fcos_xs_transaction_t t, const char *path, const char *value);
int fcos_xs_rm(fcos_xs_transaction_t t, const char *path);
/* *entries: malloc'd array of *n strings in one allocation (one free). */
int fcos_xs_directory(fcos_xs_transaction_t t, const char *path,
		      char ***entries, unsigned int *n);

int fcos_xs_transaction_start(fcos_xs_transaction_t *t);
/* Commit (abort = 0) or abort.  -EAGAIN on commit: redo the transaction. */
int fcos_xs_transaction_end(fcos_xs_transaction_t t, int abort);

/* Helpers: integers, printf-style writes, our domid, xenbus states. */
int fcos_xs_read_ull(fcos_xs_transaction_t t, const char *path,
		     unsigned long long *v);
int fcos_xs_printf(fcos_xs_transaction_t t, const char *path, const char *fmt,
		   ...) __attribute__((format(printf, 3, 4)));
int fcos_xs_domid(domid_t *domid);
int fcos_xenbus_switch_state(fcos_xs_transaction_t t, const char *dir,
			     enum xenbus_state state);
int fcos_xenbus_read_state(const char *dir, enum xenbus_state *state);

/*
 * Watches.  The caller owns struct fcos_xs_watch (it must stay alive
 * until fcos_xs_unwatch).  Xenstore fires each watch once when it is set.
 * Events are queued per watch, oldest first.
 */
struct fcos_xs_watch_event;
struct fcos_xs_watch {
	const char *path;
	const char *token; /* must be unique among our watches */
	struct fcos_xs_watch_event *head, *tail;
	struct fcos_xs_watch *next;
};

int fcos_xs_watch(struct fcos_xs_watch *w, const char *path, const char *token);
int fcos_xs_unwatch(struct fcos_xs_watch *w);
/* Next event's path (malloc'd, may be NULL if @path is NULL), or
 * -ETIMEDOUT once @deadline_ns (monotonic) passes. */
int fcos_xs_wait_watch(struct fcos_xs_watch *w, uint64_t deadline_ns,
		       char **path);

#endif
