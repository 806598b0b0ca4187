/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cooperative threads on one vCPU.  A thread runs until it blocks
 * (sleep, wait queue) or yields; when none can run the vCPU blocks in Xen
 * (SCHEDOP_block) until an event or the next timer deadline.  Event
 * handlers (upcall context) only wake wait queues.
 */
#ifndef FCOS_SCHED_H
#define FCOS_SCHED_H

#include <stdint.h>
#include <fcos/time.h>

struct fcos_thread;

struct fcos_waiter {
	struct fcos_thread *thread;
	struct fcos_waiter *next;
};

struct fcos_waitq {
	struct fcos_waiter *head;
};

#define FCOS_WAITQ_INIT \
	{               \
		NULL    \
	}

int fcos_sched_init(void);
int fcos_sched_suspend(void);
int fcos_sched_resume(int new_domain);

struct fcos_thread *fcos_thread_create(const char *name, void (*fn)(void *),
				       void *arg);
void fcos_thread_exit(void) __attribute__((noreturn));
struct fcos_thread *fcos_current(void);
const char *fcos_thread_name(const struct fcos_thread *t);

void fcos_yield(void);
void fcos_sleep_until(uint64_t deadline_ns);
void fcos_sleep_ns(uint64_t ns);

/* Wake every thread waiting on @wq (safe in event handlers). */
void fcos_waitq_wake_all(struct fcos_waitq *wq);
/* Building blocks of fcos_wait_event* (thread context, events enabled);
 * events are masked from prepare to block. */
void fcos_waitq_prepare(struct fcos_waitq *wq, struct fcos_waiter *w,
			uint64_t deadline_ns);
void fcos_waitq_block(struct fcos_waitq *wq, struct fcos_waiter *w, int sleep);

/*
 * Block until @cond is true or @deadline_ns (monotonic) passes.
 * Evaluates to 0, or -ETIMEDOUT (110).  @cond is re-checked after the
 * waiter is queued, so a wake-up between test and sleep is not lost.
 */
#define fcos_wait_event_deadline(wq, cond, deadline_ns)          \
	({                                                       \
		int __ret = 0;                                   \
		uint64_t __dl = (deadline_ns);                   \
		for (;;) {                                       \
			struct fcos_waiter __w;                  \
			if (cond)                                \
				break;                           \
			if (__dl != FCOS_TIME_NEVER &&           \
			    fcos_monotonic_ns() >= __dl) {       \
				__ret = -110;                    \
				break;                           \
			}                                        \
			fcos_waitq_prepare((wq), &__w, __dl);    \
			if (cond) {                              \
				fcos_waitq_block((wq), &__w, 0); \
				break;                           \
			}                                        \
			fcos_waitq_block((wq), &__w, 1);         \
		}                                                \
		__ret;                                           \
	})

#define fcos_wait_event(wq, cond) \
	((void)fcos_wait_event_deadline(wq, cond, FCOS_TIME_NEVER))

#endif
