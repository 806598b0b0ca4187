// SPDX-License-Identifier: GPL-2.0
/*
 * echod: TCP echo server; one thread serves every client through poll().
 * Usage (the domain's cmdline): PORT   (default 7)
 * Client mode, to test connect(): connect ADDR PORT TEXT sends TEXT to an
 * echo server, prints "FC-ECHO-REPLY <what came back>", then tries a
 * non-blocking connect to PORT+1 and prints "FC-ECHO-REFUSED <errno>".
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define MAX_CLIENTS 16

/* Echo what is readable; 0 to keep the client, -1 when it is gone. */
static int echo(int fd)
{
	char buf[1460];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n < 0)
		return errno == EAGAIN ? 0 : -1;
	if (n == 0)
		return -1;
	for (ssize_t off = 0; off < n;) {
		ssize_t m = send(fd, buf + off, (size_t)(n - off), 0);

		if (m <= 0)
			return -1;
		off += m;
	}
	return 0;
}

static int client(const char *addr, int port, const char *text)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct pollfd p;
	char reply[256];
	size_t len = 0;
	socklen_t sl = sizeof(int);
	int fd, e = 0;
	ssize_t n;

	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		return 2;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		printf("echod: connect %s:%d: errno %d\n", addr, port, errno);
		return 1;
	}
	if (send(fd, text, strlen(text), 0) != (ssize_t)strlen(text) ||
	    shutdown(fd, SHUT_WR))
		return 1;
	while (len + 1 < sizeof(reply) &&
	       (n = recv(fd, reply + len, sizeof(reply) - 1 - len, 0)) > 0)
		len += (size_t)n;
	reply[len] = '\0';
	close(fd);
	printf("FC-ECHO-REPLY %s\n", reply);

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	sin.sin_port = htons((uint16_t)(port + 1));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 ||
	    errno != EINPROGRESS)
		return 1;
	p.fd = fd;
	p.events = POLLOUT;
	if (poll(&p, 1, 10000) != 1)
		return 1;
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl);
	close(fd);
	printf("FC-ECHO-REFUSED %d\n", e);
	return 0;
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 7;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct pollfd p[MAX_CLIENTS + 1];
	unsigned long served = 0;
	int n = 1;

	if (argc == 5 && !strcmp(argv[1], "connect"))
		return client(argv[2], atoi(argv[3]), argv[4]);
	p[0].fd = socket(AF_INET, SOCK_STREAM, 0);
	p[0].events = POLLIN;
	sin.sin_port = htons((uint16_t)port);
	if (p[0].fd < 0 ||
	    bind(p[0].fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(p[0].fd, SOMAXCONN)) {
		printf("echod: cannot listen on port %d: errno %d\n", port,
		       errno);
		return 1;
	}
	printf("FC-ECHOD-READY port %d\n", port);
	for (;;) {
		if (poll(p, (nfds_t)n, -1) <= 0)
			continue;
		for (int i = n - 1; i >= 1; i--) {
			if (!p[i].revents || !echo(p[i].fd))
				continue;
			close(p[i].fd);
			p[i] = p[--n];
		}
		if ((p[0].revents & POLLIN) && n <= MAX_CLIENTS) {
			int c = accept(p[0].fd, NULL, NULL);

			if (c >= 0) {
				p[n].fd = c;
				p[n].events = POLLIN;
				p[n].revents = 0;
				n++;
				printf("echod: client #%lu\n", ++served);
			}
		}
	}
}
