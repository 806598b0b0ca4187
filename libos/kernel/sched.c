// SPDX-License-Identifier: GPL-2.0
/*
 * Cooperative round-robin scheduler.  Thread state is changed with
 * events masked, since event handlers wake threads.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <fcos/alias.h>
#include <fcos/arch.h>
#include <fcos/exit.h>
#include <fcos/hypercall.h>
#include <fcos/lib.h>
#include <fcos/mm.h>
#include <fcos/sched.h>

#define STACK_PAGES 4

enum state { RUNNABLE, BLOCKED, DEAD };

struct fcos_thread {
	unsigned long sp;
	const char *name;
	enum state state;
	uint64_t wakeup; /* FCOS_TIME_NEVER: only an explicit wake */
	void *stack;	 /* NULL for the boot thread */
	struct fcos_thread *next;
};

static struct fcos_thread main_thread = { .name = "main",
					  .state = RUNNABLE,
					  .wakeup = FCOS_TIME_NEVER };
static struct fcos_thread *threads = &main_thread;
static struct fcos_thread *current = &main_thread;

struct fcos_thread *fcos_current(void)
{
	return current;
}

const char *fcos_thread_name(const struct fcos_thread *t)
{
	return t->name;
}

/* Free dead threads other than the running one (its stack is in use). */
static void reap(void)
{
	struct fcos_thread **pp = &threads, *t;

	while ((t = *pp)) {
		if (t->state == DEAD && t != current) {
			*pp = t->next;
			fcos_free_pages(t->stack, STACK_PAGES);
			fcos_free(t);
		} else {
			pp = &t->next;
		}
	}
}

/* Wake sleepers whose deadline passed; return the earliest remaining. */
static uint64_t expire_timers(void)
{
	uint64_t now = fcos_monotonic_ns(), next = FCOS_TIME_NEVER;
	struct fcos_thread *t;

	for (t = threads; t; t = t->next) {
		if (t->state != BLOCKED || t->wakeup == FCOS_TIME_NEVER)
			continue;
		if (t->wakeup <= now)
			t->state = RUNNABLE;
		else if (t->wakeup < next)
			next = t->wakeup;
	}
	return next;
}

static struct fcos_thread *pick_next(void)
{
	struct fcos_thread *t = current->next ? current->next : threads;

	/* Round robin starting after current, current itself last. */
	for (;;) {
		if (t->state == RUNNABLE)
			return t;
		if (t == current)
			return NULL;
		t = t->next ? t->next : threads;
	}
}

/* Called with events masked; returns with events masked. */
static void schedule(void)
{
	struct fcos_thread *prev = current, *next;

	for (;;) {
		uint64_t deadline = expire_timers();

		next = pick_next();
		if (next)
			break;
		/* Idle: sleep in Xen until an event or the next deadline.
		 * SCHEDOP_block unmasks events atomically, so an event that
		 * arrived after our checks still wakes us; its upcall runs
		 * on return, then we mask again and look. */
		fcos_timer_set(deadline);
		fcos_hyp_sched_op(SCHEDOP_block, NULL);
		fcos_irq_disable();
	}
	if (next != prev) {
		current = next;
		fcos_arch_switch(&prev->sp, next->sp);
	}
	reap();
}

struct fcos_thread *fcos_thread_create(const char *name, void (*fn)(void *),
				       void *arg)
{
	struct fcos_thread *t = fcos_malloc(sizeof(*t));
	unsigned long flags;

	if (!t)
		return NULL;
	t->stack = fcos_alloc_pages(STACK_PAGES);
	if (!t->stack) {
		fcos_free(t);
		return NULL;
	}
	t->name = name;
	t->state = RUNNABLE;
	t->wakeup = FCOS_TIME_NEVER;
	t->sp = fcos_arch_init_stack(
		(char *)t->stack + STACK_PAGES * FCOS_PAGE_SIZE, fn, arg);
	flags = fcos_irq_save();
	t->next = threads;
	threads = t;
	fcos_irq_restore(flags);
	return t;
}

void fcos_thread_exit(void)
{
	if (current == &main_thread)
		fcos_exit(0);
	fcos_irq_disable();
	current->state = DEAD;
	schedule();
	for (;;)
		;
}

void fcos_yield(void)
{
	unsigned long flags = fcos_irq_save();

	schedule();
	fcos_irq_restore(flags);
}

void fcos_sleep_until(uint64_t deadline_ns)
{
	unsigned long flags = fcos_irq_save();

	current->state = BLOCKED;
	current->wakeup = deadline_ns;
	schedule();
	current->wakeup = FCOS_TIME_NEVER;
	fcos_irq_restore(flags);
}

void fcos_sleep_ns(uint64_t ns)
{
	fcos_sleep_until(fcos_monotonic_ns() + ns);
}

void fcos_waitq_wake_all(struct fcos_waitq *wq)
{
	unsigned long flags = fcos_irq_save();
	struct fcos_waiter *w;

	for (w = wq->head; w; w = w->next)
		w->thread->state = RUNNABLE;
	wq->head = NULL;
	fcos_irq_restore(flags);
}

void fcos_waitq_prepare(struct fcos_waitq *wq, struct fcos_waiter *w,
			uint64_t deadline_ns)
{
	fcos_irq_disable();
	w->thread = current;
	w->next = wq->head;
	wq->head = w;
	current->state = BLOCKED;
	current->wakeup = deadline_ns;
}

static void remove_waiter(struct fcos_waitq *wq, struct fcos_waiter *w)
{
	struct fcos_waiter **pp;

	for (pp = &wq->head; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			return;
		}
	}
}

/*
 * After fcos_waitq_prepare (events masked): sleep if @sleep, else the
 * condition already holds and only the preparation is undone.
 */
void fcos_waitq_block(struct fcos_waitq *wq, struct fcos_waiter *w, int sleep)
{
	if (sleep)
		schedule();
	remove_waiter(wq, w); /* after a timeout we are still queued */
	current->state = RUNNABLE;
	current->wakeup = FCOS_TIME_NEVER;
	fcos_irq_enable();
}

int fcos_sched_init(void)
{
	return 0;
}

int fcos_sched_suspend(void)
{
	return 0;
}

/* Threads are plain memory: they go on where they yielded. */
int fcos_sched_resume(int new_domain)
{
	(void)new_domain;
	return 0;
}

unsigned int sleep(unsigned int seconds)
{
	fcos_sleep_ns(seconds * FCOS_NSEC_PER_SEC);
	return 0;
}

int usleep(unsigned long usec)
{
	fcos_sleep_ns(usec * FCOS_NSEC_PER_USEC);
	return 0;
}
