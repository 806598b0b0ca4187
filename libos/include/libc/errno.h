/* SPDX-License-Identifier: GPL-2.0 */
/* Linux errno values (Xen's XEN_E* and xenstore error names use them). */
#ifndef FCOS_LIBC_ERRNO_H
#define FCOS_LIBC_ERRNO_H

extern int errno;

#define EPERM	  1
#define ENOENT	  2
#define EIO	  5
#define E2BIG	  7
#define EBADF	  9
#define EAGAIN	  11
#define ENOMEM	  12
#define EACCES	  13
#define EFAULT	  14
#define EBUSY	  16
#define EEXIST	  17
#define ENODEV	  19
#define EISDIR	  21
#define EINVAL	  22
#define ENOSPC	  28
#define EROFS	  30
#define ERANGE	  34
#define ENOSYS	  38
#define ENOTEMPTY 39
#define EPROTO	  71
#define EOVERFLOW 75
#define EISCONN	  106
#define ETIMEDOUT 110
#define EQUOTA	  122

/* Sockets (libos/net/socket.c). */
#define EINTR		4
#define EMFILE		24
#define EPIPE		32
#define EWOULDBLOCK	EAGAIN
#define ENOTSOCK	88
#define EDESTADDRREQ	89
#define EPROTONOSUPPORT 93
#define EOPNOTSUPP	95
#define EAFNOSUPPORT	97
#define EADDRINUSE	98
#define EADDRNOTAVAIL	99
#define ENETUNREACH	101
#define ECONNABORTED	103
#define ECONNRESET	104
#define ENOBUFS		105
#define ENOTCONN	107
#define ECONNREFUSED	111
#define EHOSTUNREACH	113
#define EALREADY	114
#define EINPROGRESS	115

#endif
