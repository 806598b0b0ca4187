/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BSD sockets, the small subset of FlexCapsule OS (libos/net/socket.c,
 * docs/net.md): IPv4 TCP only; blocking calls block the calling thread
 * on the cooperative scheduler, SOCK_NONBLOCK / MSG_DONTWAIT and poll()
 * for the rest.  Errors: -1 with errno set.  Socket descriptors start
 * at 3 and are not shared with anything else (close() is the sockets'
 * own, declared here).
 */
#ifndef FCOS_LIBC_SYS_SOCKET_H
#define FCOS_LIBC_SYS_SOCKET_H

#include <stddef.h>
#include <stdint.h>

typedef uint16_t sa_family_t;
typedef uint32_t socklen_t;
#ifndef FCOS_SSIZE_T_DEFINED
#define FCOS_SSIZE_T_DEFINED
typedef long ssize_t;
#endif

struct sockaddr {
	sa_family_t sa_family;
	char sa_data[14];
};

#define AF_UNSPEC 0
#define AF_INET	  2
#define PF_INET	  AF_INET

#define SOCK_STREAM   1
#define SOCK_DGRAM    2
#define SOCK_NONBLOCK 04000

#define SOL_SOCKET   1
#define SO_REUSEADDR 2
#define SO_ERROR     4
#define SO_KEEPALIVE 9
/* FlexCapsule's own: this socket's listen() and close() do not call the
 * NAPT hooks (no LISTEN/UNLISTEN to the OS server); set before listen(). */
#define SO_FCOS_NOHOOK 0x4600

#define MSG_PEEK     0x02
#define MSG_DONTWAIT 0x40

#define SHUT_RD	  0
#define SHUT_WR	  1
#define SHUT_RDWR 2

#define SOMAXCONN 64

int socket(int domain, int type, int protocol);
int bind(int fd, const struct sockaddr *addr, socklen_t len);
int listen(int fd, int backlog);
int accept(int fd, struct sockaddr *addr, socklen_t *len);
int connect(int fd, const struct sockaddr *addr, socklen_t len);
ssize_t send(int fd, const void *buf, size_t len, int flags);
ssize_t recv(int fd, void *buf, size_t len, int flags);
int shutdown(int fd, int how);
int close(int fd);
int getsockname(int fd, struct sockaddr *addr, socklen_t *len);
int getpeername(int fd, struct sockaddr *addr, socklen_t *len);
int setsockopt(int fd, int level, int name, const void *val, socklen_t len);
int getsockopt(int fd, int level, int name, void *val, socklen_t *len);

#endif
