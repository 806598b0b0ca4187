/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lwIP configuration of FlexCapsule OS (see docs/net.md).  NO_SYS=1: the
 * raw API only, driven by one network thread and by the sockets layer
 * (libos/net/socket.c) on the cooperative scheduler, so no locking and no
 * sys_sem/mbox layer.  IPv4 + ARP + ICMP + TCP; no UDP, DHCP or DNS.
 * Pools are sized for a 4 MB app VM.
 */
#ifndef FCOS_LWIPOPTS_H
#define FCOS_LWIPOPTS_H

#define NO_SYS				      1
#define LWIP_TIMERS			      1
#define SYS_LIGHTWEIGHT_PROT		      0
#define LWIP_NETCONN			      0
#define LWIP_SOCKET			      0
#define LWIP_RAW			      0
#define LWIP_IPV4			      1
#define LWIP_IPV6			      0
#define LWIP_ARP			      1
#define LWIP_ETHERNET			      1
#define LWIP_ICMP			      1
#define LWIP_UDP			      0
#define LWIP_TCP			      1
#define LWIP_DHCP			      0
#define LWIP_AUTOIP			      0
#define LWIP_IGMP			      0
#define LWIP_DNS			      0
#define LWIP_STATS			      0
#define LWIP_SINGLE_NETIF		      1
#define LWIP_NETIF_LOOPBACK		      0
#define IP_REASSEMBLY			      1
#define IP_FRAG				      0
#define LWIP_DONT_PROVIDE_BYTEORDER_FUNCTIONS 1

/* Heap allocations (PBUF_RAM, TCP segment data) come from the libos malloc;
 * the fixed-size objects from static pools. */
#define MEM_LIBC_MALLOC 1
#define MEM_ALIGNMENT	8

#define TCP_MSS			   1460
#define TCP_WND			   (8 * TCP_MSS)
#define TCP_SND_BUF		   (8 * TCP_MSS)
#define TCP_SND_QUEUELEN	   (2 * TCP_SND_BUF / TCP_MSS)
#define TCP_LISTEN_BACKLOG	   1
#define TCP_DEFAULT_LISTEN_BACKLOG 8
#define LWIP_TCP_KEEPALIVE	   1

/*
 * Room for SOMAXCONN connections waiting in accept(), as many served at
 * once, and the server side's TIME_WAIT ones (lwIP reuses the oldest of
 * those first): fewer, and tcp_alloc() resets live connections of a busy
 * server.
 */
#define MEMP_NUM_TCP_PCB	160
#define MEMP_NUM_TCP_PCB_LISTEN 8
#define MEMP_NUM_TCP_SEG	256
#define MEMP_NUM_PBUF		64
#define MEMP_NUM_REASSDATA	4
#define MEMP_NUM_ARP_QUEUE	16
#define ARP_TABLE_SIZE		8
#define PBUF_POOL_SIZE		64
#define PBUF_POOL_BUFSIZE	1536

/* lwIP's own timers, and netif.c's announce() after a move */
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 1)

#endif
