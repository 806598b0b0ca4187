// SPDX-License-Identifier: GPL-2.0
/*
 * The overlay between instances (docs/migrate.md): a VXLAN device of
 * Dom0's kernel, fcvx0, enslaved to the app VM bridge, whose traffic goes
 * to the peer instance's Dom0 (VNI 252, UDP 4789).  With both bridges on
 * one segment an app VM keeps its private address on whichever instance
 * it runs.  Made through rtnetlink with libmnl, as the bridge is.
 *
 *   fcapsule net overlay [ls]          the overlay device and its peer
 *   fcapsule net overlay add PEER      create it (PEER: the peer's Dom0)
 *   fcapsule net overlay del           remove it
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "cmd.h"
#include "fc.h"

#define FC_OVERLAY_VNI	252
#define FC_OVERLAY_PORT 4789

struct fc_overlay_info {
	int found;
	int up;
	uint32_t vni;
	uint32_t remote; /* network order */
	char master[IF_NAMESIZE];
	char lower[IF_NAMESIZE];
};

/* One request; with @cb, also the dump or answer it brings. */
static int fc_overlay_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *arg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	uint32_t portid, seq = nlh->nlmsg_seq;
	int n, ret;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out_close;
	}
	portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out_close;
	}
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			ret = -errno;
			goto out_close;
		}
		ret = mnl_cb_run(buf, n, seq, portid, cb, arg);
	} while (ret > 0);
	ret = ret < 0 ? -errno : 0;
out_close:
	mnl_socket_close(nl);
	return ret;
}

static struct nlmsghdr *fc_overlay_hdr(char *buf, int type, int flags,
				       struct ifinfomsg **ifi)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = time(NULL);
	*ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(**ifi));
	(*ifi)->ifi_family = AF_UNSPEC;
	return nlh;
}

static int fc_overlay_data_cb(const struct nlattr *a, void *arg)
{
	struct fc_overlay_info *i = arg;

	switch (mnl_attr_get_type(a)) {
	case IFLA_VXLAN_ID:
		i->vni = mnl_attr_get_u32(a);
		break;
	case IFLA_VXLAN_GROUP:
		i->remote = mnl_attr_get_u32(a);
		break;
	case IFLA_VXLAN_LINK:
		if_indextoname(mnl_attr_get_u32(a), i->lower);
		break;
	}
	return MNL_CB_OK;
}

static int fc_overlay_linkinfo_cb(const struct nlattr *a, void *arg)
{
	if (mnl_attr_get_type(a) == IFLA_INFO_DATA)
		mnl_attr_parse_nested(a, fc_overlay_data_cb, arg);
	return MNL_CB_OK;
}

static int fc_overlay_attr_cb(const struct nlattr *a, void *arg)
{
	struct fc_overlay_info *i = arg;

	switch (mnl_attr_get_type(a)) {
	case IFLA_MASTER:
		if_indextoname(mnl_attr_get_u32(a), i->master);
		break;
	case IFLA_LINKINFO:
		mnl_attr_parse_nested(a, fc_overlay_linkinfo_cb, arg);
		break;
	}
	return MNL_CB_OK;
}

static int fc_overlay_link_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct fc_overlay_info *i = arg;

	i->found = 1;
	i->up = !!(ifi->ifi_flags & IFF_UP);
	return mnl_attr_parse(nlh, sizeof(*ifi), fc_overlay_attr_cb, arg);
}

static int fc_overlay_get(struct fc_overlay_info *info)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;
	int ret;

	memset(info, 0, sizeof(*info));
	nlh = fc_overlay_hdr(buf, RTM_GETLINK, NLM_F_ACK, &ifi);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, FC_OVERLAY_DEV);
	ret = fc_overlay_talk(nlh, fc_overlay_link_cb, info);
	return ret == -ENODEV ? 0 : ret;
}

/* The Dom0 interface the peer is reached by (for the VXLAN's lower). */
static int fc_overlay_route_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct nlattr *a;

	mnl_attr_for_each(a, nlh,
			  sizeof(*rtm)) if (mnl_attr_get_type(a) == RTA_OIF) *
		(int *)arg = (int)mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static int fc_overlay_route_dev(uint32_t peer, int *ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;
	int ret;

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK; /* answer, then ack */
	nlh->nlmsg_seq = time(NULL);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 32;
	mnl_attr_put_u32(nlh, RTA_DST, peer);
	*ifindex = 0;
	ret = fc_overlay_talk(nlh, fc_overlay_route_cb, ifindex);
	if (!ret && !*ifindex)
		ret = -ENETUNREACH;
	return ret;
}

static int fc_overlay_create(uint32_t peer, int lower)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlattr *linkinfo, *data;
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;

	nlh = fc_overlay_hdr(buf, RTM_NEWLINK,
			     NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &ifi);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, FC_OVERLAY_DEV);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vxlan");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_VXLAN_ID, FC_OVERLAY_VNI);
	mnl_attr_put_u32(nlh, IFLA_VXLAN_GROUP, peer);
	mnl_attr_put_u32(nlh, IFLA_VXLAN_LINK, lower);
	mnl_attr_put_u16(nlh, IFLA_VXLAN_PORT, htons(FC_OVERLAY_PORT));
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	return fc_overlay_talk(nlh, NULL, NULL);
}

/* Into the bridge, and up. */
static int fc_overlay_attach(int ifindex, int bridge)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;

	nlh = fc_overlay_hdr(buf, RTM_NEWLINK, NLM_F_ACK, &ifi);
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put_u32(nlh, IFLA_MASTER, bridge);
	return fc_overlay_talk(nlh, NULL, NULL);
}

int fc_overlay_delete(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;

	nlh = fc_overlay_hdr(buf, RTM_DELLINK, NLM_F_ACK, &ifi);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, FC_OVERLAY_DEV);
	return fc_overlay_talk(nlh, NULL, NULL);
}

static int fc_overlay_add(uint32_t peer)
{
	struct fc_napt_conf conf;
	int lower, bridge, dev, ret;

	ret = fc_net_ensure();
	if (ret)
		return ret;
	fc_net_conf(&conf);
	bridge = if_nametoindex(conf.bridge);
	if (!bridge)
		return -ENODEV;
	ret = fc_overlay_route_dev(peer, &lower);
	if (ret)
		return ret;
	ret = fc_overlay_create(peer, lower);
	if (ret)
		return ret;
	dev = if_nametoindex(FC_OVERLAY_DEV);
	ret = dev ? fc_overlay_attach(dev, bridge) : -ENODEV;
	if (ret)
		goto out_delete;
	return 0;

out_delete:
	fc_overlay_delete();
	return ret;
}

static int fc_overlay_ls(void)
{
	char peer[INET_ADDRSTRLEN];
	struct fc_overlay_info i;
	int ret = fc_overlay_get(&i);

	if (ret) {
		fprintf(stderr, "fcapsule net overlay: %s\n", strerror(-ret));
		return FC_EXIT_FAIL;
	}
	if (!i.found) {
		printf("no overlay\n");
		return FC_EXIT_OK;
	}
	inet_ntop(AF_INET, &i.remote, peer, sizeof(peer));
	printf("%s vxlan %u peer %s via %s bridge %s %s\n", FC_OVERLAY_DEV,
	       i.vni, peer, i.lower[0] ? i.lower : "-",
	       i.master[0] ? i.master : "-", i.up ? "up" : "down");
	return FC_EXIT_OK;
}

/* fcapsule net overlay [ls] | add PEER | del */
int fc_overlay_cmd(int argc, char **argv)
{
	struct in_addr peer;
	int ret;

	if (argc == 1 || (argc == 2 && !strcmp(argv[1], "ls")))
		return fc_overlay_ls();
	if (geteuid() != 0) {
		fprintf(stderr, "fcapsule: must be run as root\n");
		return FC_EXIT_NOT_ROOT;
	}
	if (argc == 3 && !strcmp(argv[1], "add")) {
		if (inet_pton(AF_INET, argv[2], &peer) != 1) {
			fprintf(stderr,
				"fcapsule net overlay: bad peer address "
				"'%s'\n",
				argv[2]);
			return FC_EXIT_USAGE;
		}
		ret = fc_overlay_add(peer.s_addr);
		if (ret) {
			fprintf(stderr, "fcapsule net overlay add %s: %s\n",
				argv[2],
				ret == -EEXIST ? "an overlay exists already"
					       : strerror(-ret));
			return FC_EXIT_FAIL;
		}
		return FC_EXIT_OK;
	}
	if (argc == 2 && !strcmp(argv[1], "del")) {
		ret = fc_overlay_delete();
		if (ret) {
			fprintf(stderr, "fcapsule net overlay del: %s\n",
				ret == -ENODEV ? "no overlay" : strerror(-ret));
			return FC_EXIT_FAIL;
		}
		return FC_EXIT_OK;
	}
	return fc_usage_error("net", "overlay: expected ls, add PEER or del");
}
