/* SPDX-License-Identifier: GPL-2.0 */
/* Text <-> IPv4 address (AF_INET only). */
#ifndef FCOS_LIBC_ARPA_INET_H
#define FCOS_LIBC_ARPA_INET_H

#include <netinet/in.h>

#define INET_ADDRSTRLEN 16

/* 1 on success, 0 if @src is not a dotted quad, -1 (EAFNOSUPPORT). */
int inet_pton(int af, const char *src, void *dst);
const char *inet_ntop(int af, const void *src, char *dst, socklen_t size);

#endif
