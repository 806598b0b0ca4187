// SPDX-License-Identifier: GPL-2.0
/*
 * XenStore client.  One request is outstanding at a time.  The response
 * ring is drained by a small state machine (rx) that runs in the event
 * handler and in thread context, always with events masked: a complete
 * reply is parked until its requester takes it (the ring is not read
 * meanwhile), watch events go to a byte FIFO that threads turn into
 * per-watch queues.  Ring indexes are read once per pass and bounded:
 * xenstored is a peer, not trusted to keep them sane.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <fcos/arch.h>
#include <fcos/evtchn.h>
#include <fcos/lib.h>
#include <fcos/sched.h>
#include <fcos/xenbus.h>
#include <xen/io/xs_wire.h>

static struct xenstore_domain_interface *intf;
static evtchn_port_t xs_port = FCOS_EVTCHN_INVALID;
static struct fcos_waitq xs_wq = FCOS_WAITQ_INIT;
static int broken;

/* rx state: a message being received, or a parked reply */
static struct xsd_sockmsg rx_hdr;
static char rx_body[XENSTORE_PAYLOAD_MAX + 1];
static uint32_t rx_off;
static int rx_reply_ready;

/* watch events: records of [uint32_t len][path\0token\0] */
#define EV_RING 8192
static char ev_ring[EV_RING];
static uint32_t ev_head, ev_tail; /* free-running write/read positions */
static unsigned long ev_dropped;

static int req_busy;
static uint32_t req_id;
static struct fcos_xs_watch *watches;

struct fcos_xs_watch_event {
	struct fcos_xs_watch_event *next;
	char *path;
};

static void ev_put(const void *data, uint32_t len)
{
	const char *p = data;

	for (uint32_t i = 0; i < len; i++)
		ev_ring[(ev_head + i) % EV_RING] = p[i];
	ev_head += len;
}

static void ev_get(void *data, uint32_t len)
{
	char *p = data;

	for (uint32_t i = 0; i < len; i++)
		p[i] = ev_ring[(ev_tail + i) % EV_RING];
	ev_tail += len;
}

static void rx_complete(void)
{
	if (rx_hdr.type != XS_WATCH_EVENT) {
		rx_reply_ready = 1;
		return;
	}
	if (EV_RING - (ev_head - ev_tail) < sizeof(uint32_t) + rx_hdr.len) {
		ev_dropped++;
	} else {
		ev_put(&rx_hdr.len, sizeof(uint32_t));
		ev_put(rx_body, rx_hdr.len);
	}
	rx_off = 0;
}

/* Events masked. */
static void xs_rx(void)
{
	while (!rx_reply_ready && !broken) {
		XENSTORE_RING_IDX cons, prod, avail, want, k;
		char *dst;

		cons = intf->rsp_cons;
		prod = __atomic_load_n(&intf->rsp_prod, __ATOMIC_RELAXED);
		fcos_rmb(); /* producer index before the bytes it covers */
		avail = prod - cons;
		if (avail > XENSTORE_RING_SIZE) {
			broken = 1;
			break;
		}
		if (!avail)
			break;
		if (rx_off < sizeof(rx_hdr)) {
			dst = (char *)&rx_hdr + rx_off;
			want = sizeof(rx_hdr) - rx_off;
		} else {
			dst = rx_body + (rx_off - sizeof(rx_hdr));
			want = rx_hdr.len - (rx_off - sizeof(rx_hdr));
		}
		k = avail < want ? avail : want;
		if (k > XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(cons))
			k = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(cons);
		fcos_memcpy(dst, intf->rsp + MASK_XENSTORE_IDX(cons), k);
		/* Done reading the bytes before handing the space back. */
		fcos_mb();
		intf->rsp_cons = cons + k;
		fcos_evtchn_notify(xs_port);
		rx_off += k;
		if (rx_off == sizeof(rx_hdr) &&
		    rx_hdr.len > XENSTORE_PAYLOAD_MAX) {
			broken = 1;
			break;
		}
		if (rx_off >= sizeof(rx_hdr) &&
		    rx_off == sizeof(rx_hdr) + rx_hdr.len) {
			rx_body[rx_hdr.len] = '\0';
			rx_complete();
		}
	}
}

static void xs_handler(evtchn_port_t port, struct fcos_regs *regs, void *data)
{
	(void)port;
	(void)regs;
	(void)data;
	xs_rx();
	fcos_waitq_wake_all(&xs_wq);
}

static XENSTORE_RING_IDX req_space(void)
{
	XENSTORE_RING_IDX used =
		intf->req_prod -
		__atomic_load_n(&intf->req_cons, __ATOMIC_RELAXED);

	if (used > XENSTORE_RING_SIZE) {
		broken = 1;
		return 0;
	}
	return XENSTORE_RING_SIZE - used;
}

static int ring_write(const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		XENSTORE_RING_IDX prod, space, k;

		fcos_wait_event(&xs_wq, broken || req_space());
		if (broken)
			return -EIO;
		space = req_space();
		prod = intf->req_prod;
		/* req_cons read (in req_space) before we overwrite space. */
		fcos_mb();
		k = len < space ? (XENSTORE_RING_IDX)len : space;
		if (k > XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(prod))
			k = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(prod);
		fcos_memcpy(intf->req + MASK_XENSTORE_IDX(prod), p, k);
		/* Request bytes before the producer index. */
		fcos_wmb();
		intf->req_prod = prod + k;
		fcos_evtchn_notify(xs_port);
		p += k;
		len -= k;
	}
	return 0;
}

static int error_to_errno(const char *s)
{
	for (unsigned int i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]);
	     i++)
		if (!fcos_strcmp(s, xsd_errors[i].errstring))
			return -xsd_errors[i].errnum;
	return -EIO;
}

struct seg {
	const void *p;
	uint32_t len;
};

/*
 * Send one request made of @nseg pieces; on success *@reply (if given)
 * gets the malloc'd, NUL-terminated payload and *@rlen its length.
 */
static int talk(fcos_xs_transaction_t t, enum xsd_sockmsg_type type,
		const struct seg *seg, int nseg, char **reply, uint32_t *rlen)
{
	struct xsd_sockmsg hdr = { .type = type, .tx_id = t };
	unsigned long flags;
	char *body = NULL;
	int rc = 0, i;

	for (i = 0; i < nseg; i++)
		hdr.len += seg[i].len;
	if (hdr.len > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	if (!intf)
		return -ENODEV;

	fcos_wait_event(&xs_wq, !req_busy);
	req_busy = 1;
	hdr.req_id = ++req_id;
	rc = ring_write(&hdr, sizeof(hdr));
	for (i = 0; !rc && i < nseg; i++)
		rc = ring_write(seg[i].p, seg[i].len);
	if (!rc)
		fcos_wait_event(&xs_wq, broken || rx_reply_ready);
	if (!rc && rx_reply_ready) {
		/* Take the parked reply, then let rx continue. */
		body = fcos_malloc(rx_hdr.len + 1);
		if (!body)
			rc = -ENOMEM;
		else
			fcos_memcpy(body, rx_body, rx_hdr.len + 1);
		if (!rc && rx_hdr.req_id != hdr.req_id)
			rc = -EIO;
		else if (!rc && rx_hdr.type == XS_ERROR)
			rc = error_to_errno(body);
		if (!rc && rlen)
			*rlen = rx_hdr.len;
		flags = fcos_irq_save();
		rx_reply_ready = 0;
		rx_off = 0;
		xs_rx();
		fcos_irq_restore(flags);
	} else if (!rc) {
		rc = -EIO;
	}
	req_busy = 0;
	fcos_waitq_wake_all(&xs_wq);
	if (!rc && reply)
		*reply = body;
	else
		fcos_free(body);
	return rc;
}

static struct seg str_seg(const char *s)
{
	return (struct seg){ s, (uint32_t)fcos_strlen(s) + 1 };
}

int fcos_xs_read(fcos_xs_transaction_t t, const char *path, char **value)
{
	struct seg s = str_seg(path);

	return talk(t, XS_READ, &s, 1, value, NULL);
}

int fcos_xs_write(fcos_xs_transaction_t t, const char *path, const char *value)
{
	struct seg s[2] = { str_seg(path),
			    { value, (uint32_t)fcos_strlen(value) } };

	return talk(t, XS_WRITE, s, 2, NULL, NULL);
}

int fcos_xs_rm(fcos_xs_transaction_t t, const char *path)
{
	struct seg s = str_seg(path);

	return talk(t, XS_RM, &s, 1, NULL, NULL);
}

int fcos_xs_directory(fcos_xs_transaction_t t, const char *path,
		      char ***entries, unsigned int *n)
{
	struct seg s = str_seg(path);
	uint32_t len, i, count = 0;
	char *body, **v, *copy;
	int rc = talk(t, XS_DIRECTORY, &s, 1, &body, &len);

	if (rc)
		return rc;
	for (i = 0; i < len; i++)
		count += body[i] == '\0';
	/* One allocation: pointer array then the strings. */
	v = fcos_malloc((count + 1) * sizeof(char *) + len + 1);
	if (!v) {
		fcos_free(body);
		return -ENOMEM;
	}
	copy = (char *)(v + count + 1);
	fcos_memcpy(copy, body, len + 1);
	fcos_free(body);
	for (i = 0; i < count; i++) {
		v[i] = copy;
		copy += fcos_strlen(copy) + 1;
	}
	v[count] = NULL;
	*entries = v;
	*n = count;
	return 0;
}

int fcos_xs_transaction_start(fcos_xs_transaction_t *t)
{
	struct seg s = { "", 1 };
	char *id;
	int rc = talk(FCOS_XS_NO_TRANSACTION, XS_TRANSACTION_START, &s, 1, &id,
		      NULL);

	if (rc)
		return rc;
	*t = (fcos_xs_transaction_t)fcos_strtoul(id, NULL, 10);
	fcos_free(id);
	return 0;
}

int fcos_xs_transaction_end(fcos_xs_transaction_t t, int abort)
{
	struct seg s = { abort ? "F" : "T", 2 };

	return talk(t, XS_TRANSACTION_END, &s, 1, NULL, NULL);
}

int fcos_xs_read_ull(fcos_xs_transaction_t t, const char *path,
		     unsigned long long *v)
{
	char *s, *end;
	int rc = fcos_xs_read(t, path, &s);

	if (rc)
		return rc;
	*v = fcos_strtoull(s, &end, 0);
	rc = (end == s || *end) ? -EINVAL : 0;
	fcos_free(s);
	return rc;
}

int fcos_xs_printf(fcos_xs_transaction_t t, const char *path, const char *fmt,
		   ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fcos_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		return -E2BIG;
	return fcos_xs_write(t, path, buf);
}

int fcos_xs_domid(domid_t *domid)
{
	unsigned long long v;
	int rc = fcos_xs_read_ull(FCOS_XS_NO_TRANSACTION, "domid", &v);

	if (!rc)
		*domid = (domid_t)v;
	return rc;
}

int fcos_xenbus_switch_state(fcos_xs_transaction_t t, const char *dir,
			     enum xenbus_state state)
{
	char path[256];

	if (fcos_snprintf(path, sizeof(path), "%s/state", dir) >=
	    (int)sizeof(path))
		return -E2BIG;
	return fcos_xs_printf(t, path, "%d", (int)state);
}

int fcos_xenbus_read_state(const char *dir, enum xenbus_state *state)
{
	char path[256];
	unsigned long long v;
	int rc;

	if (fcos_snprintf(path, sizeof(path), "%s/state", dir) >=
	    (int)sizeof(path))
		return -E2BIG;
	rc = fcos_xs_read_ull(FCOS_XS_NO_TRANSACTION, path, &v);
	if (!rc)
		*state = (enum xenbus_state)v;
	return rc;
}

static int send_watch(enum xsd_sockmsg_type type, struct fcos_xs_watch *w)
{
	struct seg s[2] = { str_seg(w->path), str_seg(w->token) };

	return talk(FCOS_XS_NO_TRANSACTION, type, s, 2, NULL, NULL);
}

int fcos_xs_watch(struct fcos_xs_watch *w, const char *path, const char *token)
{
	int rc;

	w->path = path;
	w->token = token;
	w->head = w->tail = NULL;
	w->next = watches;
	watches = w; /* before XS_WATCH: the first event comes at once */
	rc = send_watch(XS_WATCH, w);
	if (rc)
		watches = w->next;
	return rc;
}

/*
 * Move queued watch events to their watches (thread context).  Any
 * watcher's thread may do it for all: wake the others, whose events may
 * now be on their own queues instead of in the FIFO they wait on.
 */
static void dispatch_events(void)
{
	int moved = 0;

	for (;;) {
		struct fcos_xs_watch_event *ev;
		struct fcos_xs_watch *w;
		unsigned long flags;
		uint32_t len;
		char *buf, *token;

		flags = fcos_irq_save();
		if (ev_head == ev_tail) {
			fcos_irq_restore(flags);
			if (moved)
				fcos_waitq_wake_all(&xs_wq);
			return;
		}
		ev_get(&len, sizeof(len));
		buf = fcos_malloc(len + 1);
		if (!buf) {
			ev_tail += len;
			fcos_irq_restore(flags);
			continue;
		}
		ev_get(buf, len);
		buf[len] = '\0';
		fcos_irq_restore(flags);

		token = buf + fcos_strnlen(buf, len);
		token += token < buf + len ? 1 : 0;
		for (w = watches; w; w = w->next)
			if (!fcos_strcmp(w->token, token))
				break;
		ev = w ? fcos_malloc(sizeof(*ev)) : NULL;
		if (!ev) {
			fcos_free(buf);
			continue;
		}
		ev->next = NULL;
		ev->path = buf; /* token follows the path's NUL */
		if (w->tail)
			w->tail->next = ev;
		else
			w->head = ev;
		w->tail = ev;
		moved = 1;
	}
}

int fcos_xs_wait_watch(struct fcos_xs_watch *w, uint64_t deadline_ns,
		       char **path)
{
	struct fcos_xs_watch_event *ev;

	for (;;) {
		dispatch_events();
		ev = w->head;
		if (ev)
			break;
		/* Our own queue too: another watcher may have dispatched
		 * our event while we were asleep. */
		if (fcos_wait_event_deadline(
			    &xs_wq, w->head || ev_head != ev_tail, deadline_ns))
			return -ETIMEDOUT;
	}
	w->head = ev->next;
	if (!w->head)
		w->tail = NULL;
	if (path)
		*path = ev->path;
	else
		fcos_free(ev->path);
	fcos_free(ev);
	return 0;
}

int fcos_xs_unwatch(struct fcos_xs_watch *w)
{
	struct fcos_xs_watch **pp;
	int rc = send_watch(XS_UNWATCH, w);

	for (pp = &watches; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	while (w->head) {
		struct fcos_xs_watch_event *ev = w->head;

		w->head = ev->next;
		fcos_free(ev->path);
		fcos_free(ev);
	}
	w->tail = NULL;
	return rc;
}

int fcos_xs_init(void)
{
	struct start_info *si = fcos_start_info;
	unsigned long flags;
	int rc;

	intf = fcos_mfn_to_virt(si->store_mfn);
	broken = 0;
	rx_off = 0;
	rx_reply_ready = 0;
	rc = fcos_evtchn_bind(si->store_evtchn, xs_handler, NULL);
	if (rc)
		return rc;
	xs_port = si->store_evtchn;
	flags = fcos_irq_save();
	xs_rx(); /* anything that arrived before the handler */
	fcos_irq_restore(flags);
	return 0;
}

void fcos_xs_fini(void)
{
	if (xs_port != FCOS_EVTCHN_INVALID)
		fcos_evtchn_unbind(xs_port);
	xs_port = FCOS_EVTCHN_INVALID;
}

/* No request may be half-way through the ring when the domain is
 * saved: wait for the one in flight and hold the channel until resume. */
int fcos_xs_suspend(void)
{
	fcos_wait_event(&xs_wq, !req_busy);
	req_busy = 1;
	return 0;
}

/*
 * The ring page keeps its pfn; a new domain has another port and a
 * xenstored that knows none of our watches (an open transaction is gone
 * too: its end fails, as after any xenstored restart).
 */
int fcos_xs_resume(int new_domain)
{
	struct fcos_xs_watch *w;
	int rc = 0;

	if (new_domain) {
		xs_port = FCOS_EVTCHN_INVALID; /* went with the old domain */
		rc = fcos_xs_init();
	}
	req_busy = 0;
	fcos_waitq_wake_all(&xs_wq);
	for (w = watches; new_domain && !rc && w; w = w->next)
		rc = send_watch(XS_WATCH, w);
	return rc;
}
