/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lwIP's compiler/platform port for FlexCapsule OS: freestanding, no
 * <inttypes.h>/<limits.h>/<ctype.h> in our libc, so lwIP gets its format
 * macros and limits here.
 */
#ifndef FCOS_LWIP_ARCH_CC_H
#define FCOS_LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_LIMITS_H   1
#define LWIP_NO_CTYPE_H	   1
#define LWIP_NO_UNISTD_H   1

#define X8_F  "02x"
#define U16_F "hu"
#define S16_F "hd"
#define X16_F "hx"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

#ifndef INT_MAX
#define INT_MAX 0x7fffffff
#endif
/* The same ssize_t as <sys/socket.h> (lwIP would typedef int). */
#ifndef FCOS_SSIZE_T_DEFINED
#define FCOS_SSIZE_T_DEFINED
typedef long ssize_t;
#endif
#define SSIZE_MAX 0x7fffffffffffffffL

#define BYTE_ORDER LITTLE_ENDIAN

#define LWIP_PLATFORM_DIAG(x) \
	do {                  \
		printf x;     \
	} while (0)
#define LWIP_PLATFORM_ASSERT(x)                                        \
	do {                                                           \
		printf("FC-CRASH lwip assertion \"%s\" at %s:%d\n", x, \
		       __FILE__, __LINE__);                            \
		abort();                                               \
	} while (0)

/* Initial sequence numbers and ports: TSC-seeded, see sys_arch.c. */
uint32_t fcos_net_rand(void);
#define LWIP_RAND() fcos_net_rand()

#endif
