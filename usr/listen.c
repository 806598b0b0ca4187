// SPDX-License-Identifier: GPL-2.0
/*
 * The OS server's LISTEN/UNLISTEN: an app VM's listen() maps a public
 * TCP port of the instance to its private address and port (one map
 * element, usr/napt.c); close() or its disconnect removes it.  The
 * address is the one allocated to the app VM (usr/net.c), not what the
 * guest claims: an app VM cannot have another's address mapped.
 *
 * A port that is taken can be shared by a fork family only: an app VM
 * forked from the one that listened (or from a common ancestor) joins
 * the port's pool, and the OS server spreads new connections over the
 * members (usr/napt.c).  Members leave one at a time.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcapsule/ioctl.h>
#include <fcapsule/ring.h>
#include <xenstore.h>

#include "fc.h"
#include "xl.h"

static int fc_listen_ready;
/* a pool's change is read, then written: one at a time per server */
static pthread_mutex_t fc_listen_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * A LISTEN is answered from memory: the app VMs' addresses (filled from
 * the address files at start, on CONNECT and after lost events; used by
 * the event thread only) and the public address (reread by the reaper).
 * What the answer changes on disk is written after it (fc_listen_persist).
 */
static struct fc_addrtab fc_listen_addrs;
static struct fc_addr_ent fc_listen_to_bind; /* domid 0: nothing to bind */
static _Atomic uint32_t fc_listen_pub;
static atomic_int fc_listen_pub_known;

/* Reread the public address (network settings may change under us). */
void fc_listen_refresh(void)
{
	atomic_store(&fc_listen_pub, fc_net_public_addr());
	atomic_store(&fc_listen_pub_known, 1);
}

static uint32_t fc_listen_public(void)
{
	if (!atomic_load(&fc_listen_pub_known))
		fc_listen_refresh();
	return atomic_load(&fc_listen_pub);
}

static int fc_listen_load_one(uint32_t addr, uint32_t owner, const char *name,
			      void *arg)
{
	struct fc_addr_ent a = { .domid = owner, .addr = addr, .bound = 1 };

	if (!owner)
		return 0; /* allocated by name: known at its CONNECT */
	snprintf(a.name, sizeof(a.name), "%s", name);
	a.published = fc_net_published(owner);
	fc_addrtab_put(&fc_listen_addrs, &a);
	return 0;
}

/*
 * Fill the table again from the address files: at start, and when the
 * module lost events (a CONNECT or DISCONNECT this table never saw).
 */
void fc_listen_reload(void)
{
	fc_addrtab_clear(&fc_listen_addrs);
	fc_net_addr_each(fc_listen_load_one, NULL);
}

/*
 * An app VM connected: its address now, before it can ask for a port.
 * `fcapsule run` binds it to the domid before the device exists; one
 * allocated by name only (`net alloc NAME`) is bound at its first LISTEN,
 * as when it was looked up then.  None: looked up at its LISTEN.
 */
void fc_listen_connect(uint32_t domid, const char *name)
{
	struct fc_addr_ent a = { .domid = domid };

	fc_addrtab_drop(&fc_listen_addrs, domid); /* an earlier domain's */
	if (!fc_net_addr_of_dom(domid, &a.addr, a.name, sizeof(a.name)))
		a.bound = 1;
	else if (!fc_net_addr_unbound(name, &a.addr))
		snprintf(a.name, sizeof(a.name), "%s", name);
	else
		return;
	a.published = fc_net_published(domid);
	fc_addrtab_put(&fc_listen_addrs, &a);
}

/* An app VM disconnected: a domain with its id next is another one. */
void fc_listen_disconnect(uint32_t domid)
{
	fc_addrtab_drop(&fc_listen_addrs, domid);
}

/*
 * After the answer: bind the name-allocated address a LISTEN was
 * answered with to the app VM's domid, as the lookup on disk would have.
 */
void fc_listen_persist(void)
{
	struct fc_addr_ent a = fc_listen_to_bind;
	uint32_t got = 0;

	if (!a.domid)
		return;
	fc_listen_to_bind.domid = 0;
	if (fc_net_addr_claim(a.name, a.domid, &got) || got != a.addr) {
		fprintf(stderr,
			"fcapsule serve: dom%u: address of %s no longer "
			"allocated to it\n",
			a.domid, a.name);
		fc_addrtab_drop(&fc_listen_addrs, a.domid);
		return;
	}
	a.bound = 1;
	fc_addrtab_put(&fc_listen_addrs, &a);
}

static int fc_listen_init(void)
{
	int ret;

	if (fc_listen_ready)
		return 0;
	ret = fc_napt_init();
	if (!ret)
		fc_listen_ready = 1;
	else
		fprintf(stderr, "fcapsule serve: NAPT table: %s\n",
			strerror(-ret));
	return ret;
}

static int fc_listen_req_valid(const struct fc_listen_req *req)
{
	static const uint8_t zero[sizeof(req->reserved3)];

	if (req->reserved0 || req->reserved1 || req->reserved2 ||
	    memcmp(req->reserved3, zero, sizeof(zero)) || !req->port)
		return -EINVAL;
	if (req->proto == FC_PROTO_UDP)
		return -EPROTONOSUPPORT; /* the map is TCP's only */
	if (req->proto != FC_PROTO_TCP)
		return -EINVAL;
	return 0;
}

/* The domain's name from xenstore ("" if unknown). */
static void fc_listen_dom_name(uint32_t domid, char *name, size_t len)
{
	struct xs_handle *xs = xs_open(0);
	char path[64], *v = NULL;
	unsigned int n;

	name[0] = '\0';
	if (!xs)
		return;
	snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
	v = xs_read(xs, XBT_NULL, path, &n);
	if (v)
		snprintf(name, len, "%s", v);
	free(v);
	xs_close(xs);
}

/*
 * The app VM's address: allocated to it (by domid, or by name if not
 * bound yet), else its claim if that is free and in the private range.
 */
static int fc_listen_addr(const struct fc_event *ev,
			  const struct fc_listen_req *req, uint32_t *addr,
			  char *name, size_t len)
{
	struct fc_addr_ent a = { .domid = ev->domid, .bound = 1 };
	struct fc_napt_conf conf;
	uint32_t mask, owner;

	if (!fc_addrtab_get(&fc_listen_addrs, ev->domid, &a)) {
		if (!a.bound)
			fc_listen_to_bind = a;
		*addr = a.addr;
		snprintf(name, len, "%s", a.name);
		return req->addr && req->addr != *addr ? -EADDRNOTAVAIL : 0;
	}
	/* not known at its CONNECT: on disk, as an operator may bind later */
	if (fc_net_addr_of_dom(ev->domid, addr, name, len)) {
		fc_listen_dom_name(ev->domid, name, len);
		fc_net_addr_claim(name, ev->domid, addr);
	}
	if (!fc_net_addr_of_dom(ev->domid, addr, name, len)) {
		a.addr = *addr;
		snprintf(a.name, sizeof(a.name), "%s", name);
		fc_addrtab_put(&fc_listen_addrs, &a);
		if (req->addr && req->addr != *addr)
			return -EADDRNOTAVAIL;
		return 0;
	}
	fc_net_conf(&conf);
	mask = htonl(~0u << (32 - conf.prefix));
	if (!req->addr || (req->addr & mask) != conf.net)
		return -EADDRNOTAVAIL;
	if (!fc_net_addr_owner(req->addr, &owner, NULL, 0) &&
	    owner != ev->domid)
		return -EADDRNOTAVAIL;
	*addr = req->addr;
	name[0] = '\0';
	return 0;
}

/* The first app VM of @domid's fork family (itself if not forked). */
static uint32_t fc_listen_family(struct xs_handle *xs, uint32_t domid)
{
	for (int depth = 0; depth < 64; depth++) {
		uint32_t parent = fc_devnode_parent(xs, domid);

		if (!parent || parent == domid)
			break;
		domid = parent;
	}
	return domid;
}

/*
 * @e's port is taken: join it if every app VM serving it is of @e's fork
 * family and serves the same port of its own.  Returns 0, -EADDRINUSE
 * (not ours to share), -ENOSPC (the pool is full) or another errno.
 */
static int fc_listen_join(const struct fc_napt_entry *e)
{
	struct fc_napt_entry *all = NULL, *to = NULL;
	struct xs_handle *xs = NULL;
	int i, first, cnt, kind, n = 0, ret;
	uint32_t family;

	ret = fc_napt_list(&all, &n);
	if (ret)
		goto out;
	kind = fc_napt_port_members(all, n, e->port, &first, &cnt);
	ret = -ENOENT; /* gone meanwhile: the caller adds it again */
	if (kind == FC_NAPT_NONE)
		goto out;
	ret = -EIO;
	xs = xs_open(0);
	if (!xs)
		goto out;
	family = fc_listen_family(xs, e->domid);
	for (i = first; i < first + cnt; i++) {
		if (all[i].domid == e->domid && all[i].addr == e->addr) {
			ret = 0; /* a member already */
			goto out;
		}
		if (!all[i].domid || all[i].aport != e->aport ||
		    fc_listen_family(xs, all[i].domid) != family) {
			ret = -EADDRINUSE;
			goto out;
		}
	}
	ret = -ENOSPC;
	if (cnt >= FC_NAPT_POOL_SLOTS)
		goto out;
	ret = -ENOMEM;
	to = calloc(cnt + 1, sizeof(*to));
	if (!to)
		goto out;
	memcpy(to, &all[first], cnt * sizeof(*to));
	to[cnt] = *e;
	ret = fc_napt_set_port(e->port, kind, to, cnt + 1);
	if (!ret)
		printf("dom%u joins the pool of port %u (%d members)\n",
		       e->domid, e->port, cnt + 1);
out:
	if (xs)
		xs_close(xs);
	free(to);
	free(all);
	return ret;
}

/*
 * @e's port is taken by a forwarded element to @e's own address and port:
 * the app VM came back to this instance and listens again here.  Its
 * local element replaces the forwarded one in one transaction, and its
 * address leaves relayed once nothing forwards to it.  Returns 0,
 * -EADDRINUSE (not a forward of this app VM) or another errno.
 */
static int fc_listen_reclaim(const struct fc_napt_entry *e)
{
	struct fc_napt_entry *all = NULL;
	int i, first, cnt, n = 0, others = 0, ret;

	ret = fc_napt_list(&all, &n);
	if (ret)
		goto out;
	ret = -EADDRINUSE;
	if (fc_napt_port_members(all, n, e->port, &first, &cnt) !=
		    FC_NAPT_SINGLE ||
	    !all[first].fwd || all[first].addr != e->addr ||
	    all[first].aport != e->aport)
		goto out;
	ret = fc_napt_set_port(e->port, FC_NAPT_SINGLE, e, 1);
	if (ret)
		goto out;
	for (i = 0; i < n; i++)
		if (i != first && all[i].fwd && all[i].addr == e->addr)
			others++;
	if (!others)
		fc_napt_snat_del(e->addr);
	printf("dom%u is back: port %u is its own again\n", e->domid, e->port);
out:
	free(all);
	return ret;
}

/*
 * An app VM started with published ports (`run -p`) listens: if one of
 * them is for @e's port and has not been listened on, @e takes its
 * element (keeping its public port) instead of a new one.  The address
 * stops being held once every published port is listened on.  Returns
 * 0 (claimed), -ENOENT (none to claim) or another errno.
 */
static int fc_listen_claim(struct fc_napt_entry *e, int any_public)
{
	struct fc_napt_entry *all = NULL, *mine = NULL;
	struct fc_addr_ent a;
	int i, n = 0, left = 0, ret;

	if (fc_addrtab_get(&fc_listen_addrs, e->domid, &a) || !a.published)
		return -ENOENT;
	ret = fc_napt_list(&all, &n);
	if (ret)
		goto out;
	for (i = 0; i < n; i++) {
		if (all[i].domid != e->domid || all[i].app_id ||
		    all[i].addr != e->addr || all[i].pool || all[i].fwd)
			continue;
		if (!mine && all[i].aport == e->aport &&
		    (any_public || all[i].port == e->port))
			mine = &all[i];
		else
			left++;
	}
	ret = -ENOENT;
	if (!mine)
		goto out;
	e->port = mine->port;
	ret = fc_napt_set_port(e->port, FC_NAPT_SINGLE, e, 1);
	if (ret)
		goto out;
	printf("dom%u listens on its published port %u\n", e->domid, e->port);
	if (!left) {
		fc_napt_unhold(e->addr);
		fc_net_published_clear(e->domid);
		a.published = 0;
		fc_addrtab_put(&fc_listen_addrs, &a);
	}
out:
	free(all);
	return ret;
}

/*
 * `fcapsule run -p`: map @ports to app VM @domid (@addr) before it boots,
 * as if it listened (no app id yet: its LISTEN claims them), and hold new
 * connections to it until it answers them.  All or nothing: on failure
 * none is mapped, and *@taken names a port already mapped (else 0).
 */
int fc_listen_publish(uint32_t domid, uint32_t addr, const char *name,
		      const struct fc_run_port *ports, int n, uint16_t *taken)
{
	struct fc_napt_entry e[FC_RUN_PORTS_MAX];
	int i, ret;

	*taken = 0;
	if (n <= 0 || n > FC_RUN_PORTS_MAX)
		return n ? -EINVAL : 0;
	ret = fc_napt_init();
	if (ret)
		return ret;
	ret = fc_net_published_mark(domid);
	if (ret)
		return ret;
	memset(e, 0, sizeof(e));
	for (i = 0; i < n; i++) {
		e[i].port = ports[i].port;
		e[i].aport = ports[i].aport;
		e[i].addr = addr;
		e[i].domid = domid;
		snprintf(e[i].name, sizeof(e[i].name), "%s", name);
		ret = fc_napt_add_entry(&e[i]);
		if (ret) {
			if (ret == -EADDRINUSE)
				*taken = e[i].port;
			goto out_unmap;
		}
	}
	if (fc_napt_hold(addr, FC_HOLD_BOOT_MS))
		fprintf(stderr,
			"fcapsule: new connections to %s are not "
			"held while it boots\n",
			name);
	return 0;
out_unmap:
	fc_napt_del_entries(e, i);
	fc_net_published_clear(domid);
	return ret;
}

static int fc_listen_add(const struct fc_event *ev,
			 const struct fc_listen_req *req,
			 struct fc_listen_rsp *rsp)
{
	struct fc_napt_entry e;
	int tries, ret;

	memset(&e, 0, sizeof(e));
	ret = fc_listen_addr(ev, req, &e.addr, e.name, sizeof(e.name));
	if (ret)
		goto out;
	e.port = req->public_port ? req->public_port : req->port;
	e.aport = req->port;
	e.domid = ev->domid;
	e.app_id = ev->app_id;
	ret = fc_listen_init();
	if (ret)
		goto out;
	ret = fc_listen_claim(&e, !req->public_port);
	if (ret != -ENOENT)
		goto out_answer;
	/* another process may change the port between our two steps */
	for (tries = 0; tries < 3; tries++) {
		ret = fc_napt_add_entry(&e);
		if (ret == -EADDRINUSE)
			ret = fc_listen_reclaim(&e);
		if (ret == -EADDRINUSE)
			ret = fc_listen_join(&e);
		if (ret != -ENOENT)
			break;
	}
out_answer:
	if (ret)
		goto out;
	rsp->public_addr = fc_listen_public();
	rsp->public_port = e.port;
out:
	return ret;
}

/* Only the app VM that listened may unlisten (-EPERM otherwise). */
static int fc_listen_del(const struct fc_event *ev,
			 const struct fc_listen_req *req,
			 struct fc_listen_rsp *rsp)
{
	uint16_t port = req->public_port ? req->public_port : req->port;
	struct fc_napt_entry *e = NULL, one;
	int i, n = 0, ret;

	/* one app VM's element, the common case: read by its key alone */
	ret = fc_napt_get_single(port, &one);
	if (!ret) {
		e = &one;
		n = 1;
	} else if (ret == -ENOENT) {
		ret = fc_napt_list(&e, &n); /* a pool's port, or none */
	}
	if (ret)
		goto out;
	ret = -ENOENT;
	for (i = 0; i < n; i++) {
		if (e[i].port != port)
			continue;
		if (e[i].domid != ev->domid || e[i].app_id != ev->app_id ||
		    e[i].aport != req->port) {
			ret = -EPERM; /* unless a later member is ours */
			continue;
		}
		ret = fc_napt_remove_listed(e, n, &e[i], 1);
		ret = ret < 0 ? ret : ret ? 0 : -ENOENT;
		break;
	}
	if (!ret) {
		rsp->public_addr = fc_listen_public();
		rsp->public_port = port;
	}
out:
	if (e != &one)
		free(e);
	return ret;
}

/*
 * Handle a LISTEN or UNLISTEN request: fills c (status and response)
 * and returns 1; returns 0 for any other event, leaving c alone.
 */
int fc_listen_handle(const struct fc_event *ev, struct fc_ioc_complete *c)
{
	const struct fc_listen_req *req = (const void *)ev->payload;
	struct fc_listen_rsp *rsp = (void *)c->payload;
	int ret;

	if (ev->type != FC_EV_REQUEST ||
	    (ev->opcode != FC_OP_LISTEN && ev->opcode != FC_OP_UNLISTEN))
		return 0;
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->domid = ev->domid;
	c->app_id = ev->app_id;
	c->req_id = ev->req_id;
	ret = fc_listen_req_valid(req);
	pthread_mutex_lock(&fc_listen_lock);
	if (!ret && ev->opcode == FC_OP_LISTEN)
		ret = fc_listen_add(ev, req, rsp);
	else if (!ret)
		ret = fc_listen_del(ev, req, rsp);
	pthread_mutex_unlock(&fc_listen_lock);
	if (ret)
		memset(c->payload, 0, sizeof(c->payload));
	c->status = ret;
	printf("%s dom%u port %u -> %s\n",
	       ev->opcode == FC_OP_LISTEN ? "listen" : "unlisten", ev->domid,
	       req->port, ret ? strerror(-ret) : "ok");
	return 1;
}

/*
 * An app VM disconnected (exited, killed, or went away): drop every
 * mapping it had.  Its address is released by whoever destroys it.
 */
int fc_listen_forget(uint32_t domid, uint64_t app_id)
{
	int ret;

	pthread_mutex_lock(&fc_listen_lock);
	ret = fc_napt_del_app(domid, app_id);
	pthread_mutex_unlock(&fc_listen_lock);

	if (ret > 0)
		printf("dom%u: %d NAPT mapping(s) removed\n", domid, ret);
	else if (ret < 0 && ret != -ENOENT)
		fprintf(stderr, "fcapsule serve: dom%u NAPT cleanup: %s\n",
			domid, strerror(-ret));
	return ret < 0 ? ret : 0;
}

/*
 * Keep only what alive() says is still an app VM's: the mappings of dead
 * domids are dropped in place.  Operator mappings (domid 0) always stay.
 * Returns how many entries are left at the front of e: the stale ones.
 */
int fc_listen_stale(struct fc_napt_entry *e, int n,
		    int (*alive)(uint32_t domid, void *arg), void *arg)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		if (e[i].domid && !alive(e[i].domid, arg))
			e[k++] = e[i];
	return k;
}

/*
 * Make the map agree with the domains that exist.  A server that was not
 * running, or that lost events (the module's queue was full), has not
 * seen every disconnect; the map is listed before alive() is asked, so an
 * app VM that listens meanwhile already exists and is kept.  Returns the
 * number of mappings removed, or a negative errno (-ENOENT: no table).
 */
int fc_listen_sync(int (*alive)(uint32_t domid, void *arg), void *arg)
{
	struct fc_napt_entry *e = NULL;
	int k, n = 0, ret;

	ret = fc_napt_list(&e, &n);
	if (ret)
		goto out;
	k = fc_listen_stale(e, n, alive, arg);
	pthread_mutex_lock(&fc_listen_lock);
	ret = fc_napt_remove(e, k);
	pthread_mutex_unlock(&fc_listen_lock);
out:
	free(e);
	return ret;
}
