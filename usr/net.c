// SPDX-License-Identifier: GPL-2.0
/*
 * Dom0 networking for app VMs: the bridge fcbr0 (198.18.0.1/24 unless
 * configured otherwise) made through rtnetlink with libmnl, IPv4
 * forwarding, the NAPT table, and an allocator of app VM addresses
 * (.10 ... .250) kept as one file per address in /run/fcapsule/net/addr,
 * so that a restarted OS server and concurrent `fcapsule run`s agree.
 *
 * Configuration, first found wins: the environment (FC_NET_ADDR
 * "198.18.0.1/24", FC_NET_BRIDGE, FC_PUBLIC_ADDR), then the file
 * /run/fcapsule/net/conf written by fc_net_setup(), then the defaults.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "fc.h"

#define FC_NET_BUF 8192

static void fc_net_path(char *buf, size_t len, const char *leaf)
{
	snprintf(buf, len, "%s/net%s%s", fc_run_dir(), leaf ? "/" : "",
		 leaf ? leaf : "");
}

/* "KEY=VALUE" from /run/fcapsule/net/conf, or NULL */
static const char *fc_net_conf_get(const char *key, char *val, size_t len)
{
	char path[FC_PATH_MAX], line[128];
	size_t klen = strlen(key);
	const char *ret = NULL;
	FILE *f;

	fc_net_path(path, sizeof(path), "conf");
	f = fopen(path, "r");
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) || line[klen] != '=')
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(val, len, "%s", line + klen + 1);
		ret = val;
		break;
	}
	fclose(f);
	return ret;
}

static const char *fc_net_setting(const char *env, const char *key, char *val,
				  size_t len)
{
	const char *v = getenv(env);

	if (v && *v) {
		snprintf(val, len, "%s", v);
		return val;
	}
	return fc_net_conf_get(key, val, len);
}

/* "198.18.0.1/24" -> address (network order) and prefix */
static int fc_net_parse_cidr(const char *s, uint32_t *addr, int *prefix)
{
	char host[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	unsigned long p = 24;
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	if (n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, addr) != 1)
		return -EINVAL;
	if (slash && fc_parse_ulong(slash + 1, 8, 30, &p))
		return -EINVAL;
	*prefix = p;
	return 0;
}

/* Dom0's own address on the bridge (network order) and the prefix. */
static void fc_net_gw(uint32_t *gw, int *prefix, char *bridge, size_t blen)
{
	char val[64];

	*gw = htonl(FC_NET_DEFAULT_ADDR);
	*prefix = FC_NET_DEFAULT_PREFIX;
	if (fc_net_setting("FC_NET_ADDR", "addr", val, sizeof(val)) &&
	    fc_net_parse_cidr(val, gw, prefix))
		fprintf(stderr, "fcapsule: bad network address '%s'\n", val);
	if (bridge && !fc_net_setting("FC_NET_BRIDGE", "bridge", bridge, blen))
		snprintf(bridge, blen, "%s", FC_NET_BRIDGE);
}

/* Dom0's own address on the bridge (network order): app VMs' gateway. */
uint32_t fc_net_gateway(void)
{
	uint32_t gw;
	int prefix;

	fc_net_gw(&gw, &prefix, NULL, 0);
	return gw;
}

void fc_net_conf(struct fc_napt_conf *conf)
{
	uint32_t gw, mask;

	fc_napt_conf_default(conf);
	fc_net_gw(&gw, &conf->prefix, conf->bridge, sizeof(conf->bridge));
	mask = htonl(~0u << (32 - conf->prefix));
	conf->net = gw & mask;
}

/*
 * What an app VM at @addr is told in data/fc-net (docs/net.md): its
 * address and prefix, and Dom0's bridge address as the gateway, without
 * which replies to public clients would have no route.
 */
int fc_net_guest_config(uint32_t addr, char *buf, size_t len)
{
	return fc_net_guest_config_gw(addr, 0, buf, len);
}

/*
 * The same with another gateway (@gw, network order; 0: ours): an app VM
 * migrated in keeps the gateway of its home instance, across the
 * overlay, so that connections made through that instance's public
 * address go on answering through it (docs/migrate.md).
 */
int fc_net_guest_config_gw(uint32_t addr, uint32_t gw, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];
	uint32_t own;
	int prefix, n;

	fc_net_gw(&own, &prefix, NULL, 0);
	if (!gw)
		gw = own;
	inet_ntop(AF_INET, &addr, a, sizeof(a));
	inet_ntop(AF_INET, &gw, g, sizeof(g));
	n = snprintf(buf, len, "%s/%d %s", a, prefix, g);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

uint32_t fc_net_public_addr(void)
{
	char val[64];
	struct in_addr a;

	if (fc_net_setting("FC_PUBLIC_ADDR", "public", val, sizeof(val)) &&
	    inet_pton(AF_INET, val, &a) == 1)
		return a.s_addr;
	return 0;
}

/* ---- rtnetlink ---- */

/* Send one request and wait for its ack: 0 or the kernel's -errno. */
static int fc_rtnl_talk(struct nlmsghdr *nlh)
{
	char buf[FC_NET_BUF];
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	uint32_t portid;
	int n, ret = 0;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0) {
		ret = -errno;
		goto out;
	}
	if (mnl_cb_run(buf, n, nlh->nlmsg_seq, portid, NULL, NULL) < 0)
		ret = -errno;
out:
	mnl_socket_close(nl);
	return ret;
}

static struct nlmsghdr *fc_rtnl_hdr(char *buf, int type, int flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = time(NULL);
	return nlh;
}

/*
 * An RTM_*LINK request about @ifindex (0: the caller names the link)
 * that sets the interface flags in @change to those of @ifflags.
 */
static struct nlmsghdr *fc_rtnl_link_hdr(char *buf, int type, int flags,
					 int ifindex, unsigned int ifflags,
					 unsigned int change)
{
	struct nlmsghdr *nlh = fc_rtnl_hdr(buf, type, flags);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = ifflags;
	ifi->ifi_change = change;
	return nlh;
}

static int fc_rtnl_bridge_add(const char *name)
{
	char buf[FC_NET_BUF];
	struct nlmsghdr *nlh;
	struct nlattr *linkinfo;

	nlh = fc_rtnl_link_hdr(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0,
			       0, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, linkinfo);
	return fc_rtnl_talk(nlh);
}

static int fc_rtnl_link_up(int ifindex)
{
	char buf[FC_NET_BUF];

	return fc_rtnl_talk(
		fc_rtnl_link_hdr(buf, RTM_NEWLINK, 0, ifindex, IFF_UP, IFF_UP));
}

static int fc_rtnl_link_del(int ifindex)
{
	char buf[FC_NET_BUF];

	return fc_rtnl_talk(
		fc_rtnl_link_hdr(buf, RTM_DELLINK, 0, ifindex, 0, 0));
}

/* The name Xen's vif backend gives an app VM's (only) vif. */
void fc_net_vif_name(uint32_t domid, char *buf, size_t len)
{
	snprintf(buf, len, "vif%u.0", domid);
}

/* vif-fcapsule's "online" in one message: onto the bridge, up. */
int fc_net_vif_attach(const char *ifname, const char *bridge)
{
	int dev = (int)if_nametoindex(ifname), br = (int)if_nametoindex(bridge);
	char buf[FC_NET_BUF];
	struct nlmsghdr *nlh;

	if (!dev || !br)
		return -ENODEV;
	nlh = fc_rtnl_link_hdr(buf, RTM_NEWLINK, 0, dev, IFF_UP, IFF_UP);
	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)br);
	return fc_rtnl_talk(nlh);
}

/*
 * Off its bridge and down, in one message: the bridge forgets the MACs
 * it learnt on the vif at once, so frames for them are flooded (over the
 * overlay too) instead of going to a guest that no longer runs here.
 */
int fc_net_vif_detach(const char *ifname)
{
	int dev = (int)if_nametoindex(ifname);
	char buf[FC_NET_BUF];
	struct nlmsghdr *nlh;

	if (!dev)
		return -ENODEV;
	nlh = fc_rtnl_link_hdr(buf, RTM_NEWLINK, 0, dev, 0, IFF_UP);
	mnl_attr_put_u32(nlh, IFLA_MASTER, 0);
	return fc_rtnl_talk(nlh);
}

static int fc_rtnl_addr_add(int ifindex, uint32_t addr, int prefix)
{
	char buf[FC_NET_BUF];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	/* REPLACE: setting up twice is not an error */
	nlh = fc_rtnl_hdr(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	mnl_attr_put_u32(nlh, IFA_LOCAL, addr);
	mnl_attr_put_u32(nlh, IFA_ADDRESS, addr);
	return fc_rtnl_talk(nlh);
}

static int fc_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

static int fc_mkdirs(void)
{
	char path[FC_PATH_MAX];

	mkdir(fc_run_dir(), 0755);
	fc_net_path(path, sizeof(path), NULL);
	mkdir(path, 0755);
	fc_net_path(path, sizeof(path), "dom");
	mkdir(path, 0755);
	fc_net_path(path, sizeof(path), "published");
	mkdir(path, 0755);
	fc_net_path(path, sizeof(path), "addr");
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * Bridge up with Dom0's address, forwarding on, the NAPT table built
 * (rebuilt if force, else kept when complete); the settings in use are
 * written to /run/fcapsule/net/conf.
 */
static int fc_net_do_setup(int force)
{
	char bridge[16], conf_text[256], gws[INET_ADDRSTRLEN];
	char pubs[INET_ADDRSTRLEN] = "", path[FC_PATH_MAX];
	struct fc_napt_conf conf;
	uint32_t gw, pub;
	int prefix, ifindex, ret;

	fc_net_gw(&gw, &prefix, bridge, sizeof(bridge));
	pub = fc_net_public_addr();
	ret = fc_mkdirs();
	if (ret)
		goto out;

	ifindex = if_nametoindex(bridge);
	if (!ifindex) {
		ret = fc_rtnl_bridge_add(bridge);
		if (ret && ret != -EEXIST) {
			fprintf(stderr, "fcapsule: bridge %s: %s\n", bridge,
				strerror(-ret));
			goto out;
		}
		ifindex = if_nametoindex(bridge);
	}
	ret = ifindex ? fc_rtnl_addr_add(ifindex, gw, prefix) : -ENODEV;
	if (!ret)
		ret = fc_rtnl_link_up(ifindex);
	if (ret) {
		fprintf(stderr, "fcapsule: %s address/up: %s\n", bridge,
			strerror(-ret));
		goto out;
	}
	ret = fc_write_file("/proc/sys/net/ipv4/ip_forward", "1\n");
	if (ret) {
		fprintf(stderr, "fcapsule: ip_forward: %s\n", strerror(-ret));
		goto out;
	}

	inet_ntop(AF_INET, &gw, gws, sizeof(gws));
	if (pub)
		inet_ntop(AF_INET, &pub, pubs, sizeof(pubs));
	snprintf(conf_text, sizeof(conf_text),
		 "bridge=%s\naddr=%s/%d\npublic=%s\n", bridge, gws, prefix,
		 pubs);
	fc_net_path(path, sizeof(path), "conf");
	ret = fc_write_file_atomic(path, conf_text);
	if (ret)
		goto out;

	fc_net_conf(&conf);
	ret = fc_napt_init_conf(&conf, force);
	if (ret)
		fprintf(stderr, "fcapsule: nftables table ip %s: %s\n",
			FC_NAPT_TABLE, strerror(-ret));
out:
	return ret;
}

/* fcapsule net setup: everything again, the NAPT rules rebuilt. */
int fc_net_setup(void)
{
	return fc_net_do_setup(1);
}

/*
 * What `run` needs before it starts an app VM with a vif: once set up
 * (settings written, bridge there, table complete) nothing is touched,
 * so that concurrent runs neither rewrite the settings nor rebuild the
 * rules under traffic.
 */
int fc_net_ensure(void)
{
	char bridge[16], path[FC_PATH_MAX];
	uint32_t gw;
	int prefix;

	fc_net_gw(&gw, &prefix, bridge, sizeof(bridge));
	fc_net_path(path, sizeof(path), "conf");
	if (!access(path, R_OK) && if_nametoindex(bridge) && !fc_napt_init())
		return 0;
	return fc_net_do_setup(0);
}

/* The bridge's ports but the overlay (app VMs' vifs); the first in @first. */
static int fc_net_bridge_ports(const char *bridge, char *first, size_t len)
{
	char path[FC_PATH_MAX];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/class/net/%s/brif", bridge);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, FC_OVERLAY_DEV))
			continue;
		if (!n++)
			snprintf(first, len, "%s", de->d_name);
	}
	closedir(d);
	return n;
}

/* The files of one of the allocator's directories (net/addr, net/dom). */
static void fc_net_forget_dir(const char *leaf)
{
	char dir[FC_PATH_MAX], path[FC_PATH_MAX + 256];
	struct dirent *de;
	DIR *d;

	fc_net_path(dir, sizeof(dir), leaf);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/*
 * fcapsule net teardown: what setup made, gone: the NAPT table with every
 * mapping, the overlay, the bridge, the settings and the allocator's
 * addresses.  Refused (-EBUSY, the first vif in @busy) while an app VM's
 * vif is on the bridge: it would lose its network.  ip_forward stays as
 * it is: setup cannot know what it was before.  Nothing set up is fine.
 */
int fc_net_teardown(char *busy, size_t len)
{
	char bridge[16], path[FC_PATH_MAX];
	uint32_t gw;
	int prefix, ifindex, ret;

	fc_net_gw(&gw, &prefix, bridge, sizeof(bridge));
	if (fc_net_bridge_ports(bridge, busy, len))
		return -EBUSY;
	ret = fc_overlay_delete();
	if (ret && ret != -ENODEV)
		return ret;
	ret = fc_napt_fini();
	if (ret && ret != -ENOENT)
		return ret;
	ifindex = if_nametoindex(bridge);
	ret = ifindex ? fc_rtnl_link_del(ifindex) : 0;
	if (ret && ret != -ENODEV)
		return ret;
	fc_net_forget_dir("addr");
	fc_net_forget_dir("dom");
	fc_net_path(path, sizeof(path), "conf");
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return 0;
}

/* ---- the address allocator ---- */

static void fc_addr_file(uint32_t addr, char *path, size_t len)
{
	char a[INET_ADDRSTRLEN], leaf[40];

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	snprintf(leaf, sizeof(leaf), "addr/%s", a);
	fc_net_path(path, len, leaf);
}

/*
 * net/dom/<domid> -> "<ip>": an index, so that a LISTEN finds its app
 * VM's address in one readlink instead of reading every address file.
 * The address file stays the truth: a lookup checks it, and falls back
 * to the scan when the link is missing or stale.
 */
/* /run/fcapsule/net/@dir/@domid: a file kept per app VM. */
static void fc_dom_path(const char *dir, uint32_t domid, char *path, size_t len)
{
	char leaf[32];

	snprintf(leaf, sizeof(leaf), "%s/%u", dir, domid);
	fc_net_path(path, len, leaf);
}

static void fc_dom_link_path(uint32_t domid, char *path, size_t len)
{
	fc_dom_path("dom", domid, path, len);
}

static void fc_dom_link_set(uint32_t domid, uint32_t addr)
{
	char path[FC_PATH_MAX], tmp[FC_PATH_MAX + 8], a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	fc_dom_link_path(domid, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	if (symlink(a, tmp) || rename(tmp, path)) /* atomic replace */
		unlink(tmp);
}

static int fc_dom_link_get(uint32_t domid, uint32_t *addr)
{
	char path[FC_PATH_MAX], a[INET_ADDRSTRLEN];
	ssize_t n;

	fc_dom_link_path(domid, path, sizeof(path));
	n = readlink(path, a, sizeof(a) - 1);
	if (n <= 0)
		return -ENOENT;
	a[n] = '\0';
	return inet_pton(AF_INET, a, addr) == 1 ? 0 : -EINVAL;
}

/* Remove domid's link if it points at addr. */
static void fc_dom_link_drop(uint32_t domid, uint32_t addr)
{
	char path[FC_PATH_MAX];
	uint32_t cur;

	if (!domid || fc_dom_link_get(domid, &cur) || cur != addr)
		return;
	fc_dom_link_path(domid, path, sizeof(path));
	unlink(path);
}

/* The file holds "DOMID NAME\n"; domid 0 until fc_net_addr_bind(). */
static int fc_addr_write(const char *path, uint32_t domid, const char *name,
			 int excl)
{
	char text[FC_VMNAME_MAX + 16];
	int fd, ret = 0;
	ssize_t n;

	fd = open(path,
		  O_WRONLY | O_CREAT | O_CLOEXEC | (excl ? O_EXCL : O_TRUNC),
		  0644);
	if (fd < 0)
		return -errno;
	n = snprintf(text, sizeof(text), "%u %s\n", domid,
		     name && *name ? name : "-");
	if (write(fd, text, n) != n)
		ret = -EIO;
	close(fd);
	return ret;
}

static int fc_addr_read(const char *path, uint32_t *domid, char *name,
			size_t len)
{
	char line[FC_VMNAME_MAX + 16], nm[FC_VMNAME_MAX] = "";
	unsigned int d = 0;
	FILE *f = fopen(path, "r");
	int ret = -ENOENT;

	if (!f)
		goto out;
	if (fgets(line, sizeof(line), f) &&
	    sscanf(line, "%u %63s", &d, nm) >= 1) {
		if (domid)
			*domid = d;
		if (name)
			snprintf(name, len, "%s", strcmp(nm, "-") ? nm : "");
		ret = 0;
	} else {
		ret = -EINVAL;
	}
	fclose(f);
out:
	return ret;
}

/*
 * The lowest free address of .10 ... .250 of the /24 that holds Dom0's
 * bridge address, claimed with O_EXCL: on a wider network (two instances
 * on one overlay, docs/migrate.md) each instance allocates from its own
 * slice.
 */
int fc_net_addr_alloc(const char *name, uint32_t *addr)
{
	char path[FC_PATH_MAX];
	uint32_t host, a, gw;
	int prefix, ret;

	fc_net_gw(&gw, &prefix, NULL, 0);
	ret = fc_mkdirs();
	if (ret)
		return ret;
	for (host = FC_NET_FIRST_HOST; host <= FC_NET_LAST_HOST; host++) {
		a = htonl((ntohl(gw) & ~0xffu) + host);
		fc_addr_file(a, path, sizeof(path));
		ret = fc_addr_write(path, 0, name, 1);
		if (ret == -EEXIST)
			continue;
		if (!ret)
			*addr = a;
		return ret;
	}
	return -EADDRNOTAVAIL;
}

/* A given address (an app VM migrated in keeps its own), for NAME. */
int fc_net_addr_take(uint32_t addr, const char *name)
{
	char path[FC_PATH_MAX];
	int ret = fc_mkdirs();

	if (ret)
		return ret;
	fc_addr_file(addr, path, sizeof(path));
	ret = fc_addr_write(path, 0, name, 1);
	return ret == -EEXIST ? -EADDRINUSE : ret;
}

int fc_net_addr_bind(uint32_t addr, uint32_t domid)
{
	char path[FC_PATH_MAX], name[FC_VMNAME_MAX];
	int ret;

	fc_addr_file(addr, path, sizeof(path));
	ret = fc_addr_read(path, NULL, name, sizeof(name));
	if (!ret)
		ret = fc_addr_write(path, domid, name, 0);
	if (!ret && domid)
		fc_dom_link_set(domid, addr);
	return ret;
}

/* @addr's owner keeps its domid and is called @name from now on. */
int fc_net_addr_rename(uint32_t addr, const char *name)
{
	char path[FC_PATH_MAX];
	uint32_t owner;
	int ret;

	fc_addr_file(addr, path, sizeof(path));
	ret = fc_addr_read(path, &owner, NULL, 0);
	if (!ret)
		ret = fc_addr_write(path, owner, name, 0);
	return ret;
}

int fc_net_addr_release(uint32_t addr)
{
	char path[FC_PATH_MAX];
	uint32_t owner;

	fc_addr_file(addr, path, sizeof(path));
	if (!fc_addr_read(path, &owner, NULL, 0))
		fc_dom_link_drop(owner, addr);
	return unlink(path) ? -errno : 0;
}

int fc_net_addr_owner(uint32_t addr, uint32_t *domid, char *name, size_t len)
{
	char path[FC_PATH_MAX];

	fc_addr_file(addr, path, sizeof(path));
	return fc_addr_read(path, domid, name, len);
}

/*
 * Call fn for every address file (its address, owner and name) until it
 * returns non-zero, which is then returned; 0 when all were seen, or a
 * negative errno if the directory cannot be read.
 */
int fc_net_addr_each(int (*fn)(uint32_t addr, uint32_t owner, const char *name,
			       void *arg),
		     void *arg)
{
	char dir[FC_PATH_MAX], path[FC_PATH_MAX + 300], name[FC_VMNAME_MAX];
	struct dirent *de;
	int ret = 0;
	DIR *d;

	fc_net_path(dir, sizeof(dir), "addr");
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (!ret && (de = readdir(d))) {
		struct in_addr a;
		uint32_t owner;

		if (inet_pton(AF_INET, de->d_name, &a) != 1)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!fc_addr_read(path, &owner, name, sizeof(name)))
			ret = fn(a.s_addr, owner, name, arg);
	}
	closedir(d);
	return ret;
}

struct fc_addr_query {
	uint32_t domid;
	const char *want_name; /* NULL: any */
	int release;	       /* all of them, else the first one only */
	int found;
	uint32_t *addr;
	char *name;
	size_t len;
};

static int fc_addr_match(uint32_t addr, uint32_t owner, const char *name,
			 void *arg)
{
	struct fc_addr_query *q = arg;

	if (owner != q->domid || (q->want_name && strcmp(name, q->want_name)))
		return 0;
	q->found++;
	if (q->addr)
		*q->addr = addr;
	snprintf(q->name, q->len, "%s", name);
	if (!q->release)
		return 1;
	fc_net_addr_release(addr);
	return 0;
}

/*
 * The addresses of domid (and of want_name, if given): the first one, or
 * with release set all of them, released.  Returns the number found, or
 * a negative errno.
 */
static int fc_addr_scan(uint32_t domid, const char *want_name, int release,
			uint32_t *addr, char *name, size_t len)
{
	struct fc_addr_query q = {
		.domid = domid,
		.want_name = want_name,
		.release = release,
		.addr = addr,
		.name = name,
		.len = len,
	};
	int ret = fc_net_addr_each(fc_addr_match, &q);

	return ret < 0 ? ret : q.found;
}

int fc_net_addr_release_dom(uint32_t domid)
{
	char name[FC_VMNAME_MAX];

	return fc_addr_scan(domid, NULL, 1, NULL, name, sizeof(name));
}

/*
 * "@domid has ports published by `run -p` that it has not listened on":
 * an empty file the OS server looks for at the app VM's CONNECT, so that
 * only such an app VM's LISTEN reads the map.
 */
int fc_net_published_mark(uint32_t domid)
{
	char path[FC_PATH_MAX];
	int fd, ret = fc_mkdirs();

	if (ret)
		return ret;
	fc_dom_path("published", domid, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

int fc_net_published(uint32_t domid)
{
	char path[FC_PATH_MAX];

	fc_dom_path("published", domid, path, sizeof(path));
	return !access(path, F_OK);
}

void fc_net_published_clear(uint32_t domid)
{
	char path[FC_PATH_MAX];

	fc_dom_path("published", domid, path, sizeof(path));
	unlink(path);
}

/* The bound addresses (owner not 0), for fc_net_addr_sync(). */
struct fc_addr_bound {
	uint32_t addr[FC_NET_LAST_HOST - FC_NET_FIRST_HOST + 1];
	uint32_t domid[FC_NET_LAST_HOST - FC_NET_FIRST_HOST + 1];
	int n;
};

static int fc_addr_collect(uint32_t addr, uint32_t owner, const char *name,
			   void *arg)
{
	struct fc_addr_bound *b = arg;

	if (!owner)
		return 0;
	b->addr[b->n] = addr;
	b->domid[b->n++] = owner;
	return b->n == FC_NET_LAST_HOST - FC_NET_FIRST_HOST + 1;
}

/*
 * Release the addresses bound to domids that alive() says are gone (the
 * reaper frees them as it reaps; this catches what it never saw).  An
 * address allocated by name and not bound yet belongs to a `run` in
 * progress and stays.  The files are read before alive() is asked, so a
 * binding made meanwhile is one of a domain that exists.  Returns the
 * number released, or a negative errno.
 */
int fc_net_addr_sync(int (*alive)(uint32_t domid, void *arg), void *arg)
{
	struct fc_addr_bound b = { 0 };
	int i, ret, released = 0;

	ret = fc_net_addr_each(fc_addr_collect, &b);
	if (ret < 0)
		return ret;
	for (i = 0; i < b.n; i++)
		if (!alive(b.domid[i], arg) && !fc_net_addr_release(b.addr[i]))
			released++;
	return released;
}

int fc_net_addr_of_dom(uint32_t domid, uint32_t *addr, char *name, size_t len)
{
	char path[FC_PATH_MAX];
	uint32_t a, owner;
	int n;

	if (domid && !fc_dom_link_get(domid, &a)) {
		fc_addr_file(a, path, sizeof(path));
		if (!fc_addr_read(path, &owner, name, len) && owner == domid) {
			*addr = a;
			return 0;
		}
	}
	n = fc_addr_scan(domid, NULL, 0, addr, name, len);

	if (n < 0)
		return n;
	return n ? 0 : -ENOENT;
}

/* The address allocated to @name and not bound yet, left unbound. */
int fc_net_addr_unbound(const char *name, uint32_t *addr)
{
	char nm[FC_VMNAME_MAX];
	int n;

	if (!name || !*name)
		return -EINVAL;
	n = fc_addr_scan(0, name, 0, addr, nm, sizeof(nm));
	if (n < 0)
		return n;
	return n ? 0 : -ENOENT;
}

/*
 * An address allocated by name but not bound yet (`fcapsule run` knows
 * the domid only after creating the domain): bind it to domid.
 */
int fc_net_addr_claim(const char *name, uint32_t domid, uint32_t *addr)
{
	char nm[FC_VMNAME_MAX];
	int n;

	if (!name || !*name || !domid)
		return -EINVAL;
	n = fc_addr_scan(0, name, 0, addr, nm, sizeof(nm));
	if (n < 0)
		return n;
	return n ? fc_net_addr_bind(*addr, domid) : -ENOENT;
}

/* Xen's OUI and the address's low 24 bits: unique while the IP is. */
void fc_net_mac(uint32_t addr, char *buf, size_t len)
{
	uint32_t h = ntohl(addr);

	snprintf(buf, len, "00:16:3e:%02x:%02x:%02x", (h >> 16) & 0xff,
		 (h >> 8) & 0xff, h & 0xff);
}
