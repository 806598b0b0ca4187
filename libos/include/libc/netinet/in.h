/* SPDX-License-Identifier: GPL-2.0 */
/* IPv4 socket addresses and byte order (x86-64: little endian). */
#ifndef FCOS_LIBC_NETINET_IN_H
#define FCOS_LIBC_NETINET_IN_H

#include <stdint.h>
#include <sys/socket.h>

typedef uint32_t in_addr_t;
typedef uint16_t in_port_t;

struct in_addr {
	in_addr_t s_addr; /* network byte order */
};

struct sockaddr_in {
	sa_family_t sin_family;
	in_port_t sin_port;
	struct in_addr sin_addr;
	uint8_t sin_zero[8];
};

#define IPPROTO_IP  0
#define IPPROTO_TCP 6
#define TCP_NODELAY 1

#define INADDR_ANY	 ((in_addr_t)0x00000000)
#define INADDR_LOOPBACK	 ((in_addr_t)0x7f000001)
#define INADDR_BROADCAST ((in_addr_t)0xffffffff)

static inline uint16_t htons(uint16_t x)
{
	return __builtin_bswap16(x);
}

static inline uint16_t ntohs(uint16_t x)
{
	return __builtin_bswap16(x);
}

static inline uint32_t htonl(uint32_t x)
{
	return __builtin_bswap32(x);
}

static inline uint32_t ntohl(uint32_t x)
{
	return __builtin_bswap32(x);
}

#endif
