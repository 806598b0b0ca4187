// SPDX-License-Identifier: GPL-2.0
/*
 * The app VM's `fcapsule` xenbus device, written by the toolstack as
 * libxl writes its own devices (docs/protocol.md §2): one transaction for
 * the frontend and backend directories, frontend owned by the domU with
 * read for Dom0, backend owned by Dom0 with read for the domU.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xl.h"

#define FC_BACKEND_ROOT "/local/domain/0/backend/fcapsule"

static int fc_xs_printf(struct xs_handle *xs, xs_transaction_t t,
			const char *dir, const char *key, const char *fmt,
			unsigned long v)
{
	char path[256], val[64];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	snprintf(val, sizeof(val), fmt, v);
	return xs_write(xs, t, path, val, strlen(val)) ? 0 : -errno;
}

static int fc_xs_str(struct xs_handle *xs, xs_transaction_t t, const char *dir,
		     const char *key, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xs_write(xs, t, path, val, strlen(val)) ? 0 : -errno;
}

/* data/fc-net: the app VM's address, prefix and gateway (docs/net.md). */
int fc_devnode_set_net(struct xs_handle *xs, uint32_t domid, uint32_t addr)
{
	return fc_devnode_set_net_gw(xs, domid, addr, 0);
}

/* ... with gateway @gw (0: this Dom0's bridge address). */
int fc_devnode_set_net_gw(struct xs_handle *xs, uint32_t domid, uint32_t addr,
			  uint32_t gw)
{
	char path[64], val[64];

	if (fc_net_guest_config_gw(addr, gw, val, sizeof(val)))
		return -EINVAL;
	snprintf(path, sizeof(path), "/local/domain/%u/data/fc-net", domid);
	return xs_write(xs, XBT_NULL, path, val, strlen(val)) ? 0 : -errno;
}

/* The gateway data/fc-net gives @domid (network order), 0 if none. */
uint32_t fc_devnode_gateway(struct xs_handle *xs, uint32_t domid)
{
	char path[64], *v, *sp;
	struct in_addr a = { 0 };
	unsigned int n;

	snprintf(path, sizeof(path), "/local/domain/%u/data/fc-net", domid);
	v = xs_read(xs, XBT_NULL, path, &n);
	if (!v)
		return 0;
	sp = strchr(v, ' ');
	if (!sp || inet_pton(AF_INET, sp + 1, &a) != 1)
		a.s_addr = 0;
	free(v);
	return a.s_addr;
}

int fc_devnode_add(struct xs_handle *xs, uint32_t domid, uint32_t parent)
{
	char fe[128], be[128];
	struct xs_permissions fe_perms[2] = {
		{ .id = domid, .perms = XS_PERM_NONE },
		{ .id = 0, .perms = XS_PERM_READ },
	};
	struct xs_permissions be_perms[2] = {
		{ .id = 0, .perms = XS_PERM_NONE },
		{ .id = domid, .perms = XS_PERM_READ },
	};
	xs_transaction_t t;
	int tries, ret = -EIO;

	snprintf(fe, sizeof(fe), "/local/domain/%u/device/fcapsule/0", domid);
	snprintf(be, sizeof(be), FC_BACKEND_ROOT "/%u/0", domid);
	for (tries = 0; tries < 16; tries++) {
		t = xs_transaction_start(xs);
		if (t == XBT_NULL) {
			ret = -errno;
			goto out;
		}
		ret = -EIO;
		if (!xs_mkdir(xs, t, fe) ||
		    !xs_set_permissions(xs, t, fe, fe_perms, 2) ||
		    !xs_mkdir(xs, t, be) ||
		    !xs_set_permissions(xs, t, be, be_perms, 2) ||
		    fc_xs_str(xs, t, fe, "backend", be) ||
		    fc_xs_printf(xs, t, fe, "backend-id", "%lu", 0) ||
		    fc_xs_printf(xs, t, fe, "state", "%lu", 1) ||
		    fc_xs_str(xs, t, be, "frontend", fe) ||
		    fc_xs_printf(xs, t, be, "frontend-id", "%lu", domid) ||
		    fc_xs_printf(xs, t, be, "online", "%lu", 1) ||
		    fc_xs_printf(xs, t, be, "state", "%lu", 1) ||
		    (parent &&
		     fc_xs_printf(xs, t, be, "parent-domid", "%lu", parent))) {
			ret = -errno;
			xs_transaction_end(xs, t, true);
			goto out;
		}
		if (xs_transaction_end(xs, t, false)) {
			ret = 0;
			goto out;
		}
		if (errno != EAGAIN) {
			ret = -errno;
			goto out;
		}
	}
out:
	return ret;
}

/*
 * A key of the backend directory that only the toolstack uses: "start"
 * (warm or cold, for inspect), "cmdline" (a pool shell's arguments).
 * The app VM can read them and not change them.
 */
int fc_devnode_set_str(struct xs_handle *xs, uint32_t domid, const char *key,
		       const char *val)
{
	char dir[96];

	snprintf(dir, sizeof(dir), FC_BACKEND_ROOT "/%u/0", domid);
	return fc_xs_str(xs, XBT_NULL, dir, key, val);
}

int fc_devnode_get_str(struct xs_handle *xs, uint32_t domid, const char *key,
		       char *buf, size_t len)
{
	char path[128];
	unsigned int n;
	char *v;

	snprintf(path, sizeof(path), FC_BACKEND_ROOT "/%u/0/%s", domid, key);
	v = xs_read(xs, XBT_NULL, path, &n);
	if (!v)
		return -errno;
	snprintf(buf, len, "%s", v);
	free(v);
	return 0;
}

/*
 * Both directories (libxl_domain_destroy removes the frontend with the
 * domain, never our backend: libxl does not know the device kind).
 */
void fc_devnode_remove(struct xs_handle *xs, uint32_t domid)
{
	char path[128];

	snprintf(path, sizeof(path), "/local/domain/%u/device/fcapsule", domid);
	xs_rm(xs, XBT_NULL, path);
	snprintf(path, sizeof(path), FC_BACKEND_ROOT "/%u", domid);
	xs_rm(xs, XBT_NULL, path);
	snprintf(path, sizeof(path),
		 "/local/domain/0/error/backend/fcapsule/%u", domid);
	xs_rm(xs, XBT_NULL, path);
}

/* Domids that have an fcapsule backend: the app VMs.  Returns count. */
int fc_devnode_list(struct xs_handle *xs, uint32_t **domids)
{
	unsigned int n = 0, i;
	char **ents;
	int count = 0;

	*domids = NULL;
	ents = xs_directory(xs, XBT_NULL, FC_BACKEND_ROOT, &n);
	if (!ents)
		goto out;
	*domids = calloc(n ? n : 1, sizeof(**domids));
	if (!*domids)
		goto out;
	for (i = 0; i < n; i++) {
		uint32_t d;

		if (!fc_parse_id(ents[i], &d))
			(*domids)[count++] = d;
	}
out:
	free(ents);
	return count;
}

int fc_devnode_exists(struct xs_handle *xs, uint32_t domid)
{
	char path[128];
	unsigned int n;
	char **ents;

	snprintf(path, sizeof(path), FC_BACKEND_ROOT "/%u", domid);
	ents = xs_directory(xs, XBT_NULL, path, &n);
	free(ents);
	return ents != NULL;
}

uint32_t fc_devnode_parent(struct xs_handle *xs, uint32_t domid)
{
	char path[128];
	unsigned int len;
	uint32_t parent = 0;
	char *v;

	snprintf(path, sizeof(path), FC_BACKEND_ROOT "/%u/0/parent-domid",
		 domid);
	v = xs_read(xs, XBT_NULL, path, &len);
	if (v)
		parent = strtoul(v, NULL, 10);
	free(v);
	return parent;
}

/*
 * Every descendant (children, their children, ...) of the @n app VMs in
 * @roots, by parent-domid; the roots are not included.  Returns how many
 * were put in *@out (malloc'd), or a negative errno.
 */
int fc_devnode_descendants(struct xs_handle *xs, const uint32_t *roots, int n,
			   uint32_t **out)
{
	uint32_t *all = NULL, *parent, *found;
	int nall, nfound = 0, i, k, grew;

	*out = NULL;
	nall = fc_devnode_list(xs, &all);
	if (nall <= 0)
		return nall < 0 ? nall : 0;
	parent = calloc(nall, sizeof(*parent));
	found = calloc(nall, sizeof(*found));
	if (!parent || !found) {
		free(all);
		free(parent);
		free(found);
		return -ENOMEM;
	}
	for (i = 0; i < nall; i++)
		parent[i] = fc_devnode_parent(xs, all[i]);
	/* Grow the set until no app VM's parent is in it. */
	do {
		grew = 0;
		for (i = 0; i < nall; i++) {
			int in = 0;

			if (!all[i] || !parent[i])
				continue;
			for (k = 0; k < n && !in; k++)
				in = parent[i] == roots[k];
			for (k = 0; k < nfound && !in; k++)
				in = parent[i] == found[k];
			if (!in)
				continue;
			found[nfound++] = all[i];
			all[i] = 0; /* taken */
			grew = 1;
		}
	} while (grew);
	free(all);
	free(parent);
	*out = found;
	return nfound;
}
