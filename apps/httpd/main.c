// SPDX-License-Identifier: GPL-2.0
/*
 * httpd: a small web server on the library OS's sockets.  Every request
 * gets one HTML page naming the app VM and counting requests.
 * Usage (the domain's cmdline): [--workers N] [--delay SEC] [PORT [MAX]]
 * (default 80, no limit).  --delay waits SEC seconds before listen(), as
 * an app that loads its data first (connections to a port published by
 * `run -p` wait meanwhile, docs/napt.md).  With MAX, it closes its listening socket after
 * MAX requests (so its public port is unmapped, docs/napt.md) and idles
 * until it is killed.  With --workers N it forks N - 1 workers after
 * listen(): a process pool of app VMs accepting on the same port, whose
 * public port the OS server spreads over them (docs/fork.md).
 * A request with "Connection: keep-alive" keeps its connection open for
 * the next one (up to MAX_KEPT connections at once, served in turn with
 * new ones through poll()): one client connection that lives across a
 * migration (docs/migrate.md).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <fcos/xenbus.h>

#define MAX_KEPT 32

static char name[64] = "?";

/* Read the request head (up to the blank line), 5 s at most. */
static int read_request(int fd, char *buf, size_t size)
{
	size_t len = 0;

	while (len + 1 < size) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 5000) <= 0)
			return -1;
		n = recv(fd, buf + len, size - 1 - len, 0);
		if (n <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
			return 0;
	}
	return 0; /* head too long: answer anyway */
}

static int send_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, 0);

		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* s starts with lower-case word w, in any case */
static int starts_ci(const char *s, const char *w)
{
	for (; *w; s++, w++)
		if ((*s | 0x20) != *w)
			return 0;
	return 1;
}

/* An explicit "Connection: keep-alive" header, in any case. */
static int wants_keep_alive(const char *req)
{
	for (const char *p = req; (p = strchr(p, '\n')) != NULL;) {
		p++;
		if (starts_ci(p, "connection:")) {
			p += 11;
			while (*p == ' ')
				p++;
			return starts_ci(p, "keep-alive");
		}
	}
	return 0;
}

/*
 * Answer one request, counted in *count; 1 if the connection is to be
 * kept for the next.  A connection closed without one counts nothing.
 */
static int serve(int fd, unsigned long *count)
{
	char req[2048], body[512], head[256];
	int blen, hlen, keep;

	if (read_request(fd, req, sizeof(req)))
		return 0;
	++*count;
	keep = wants_keep_alive(req);
	blen = snprintf(body, sizeof(body),
			"<!DOCTYPE html>\n<html><head><title>FlexCapsule"
			"</title></head>\n<body><h1>FlexCapsule httpd on %s: "
			"request #%lu</h1></body></html>\n",
			name, *count);
	hlen = snprintf(head, sizeof(head),
			"HTTP/1.0 200 OK\r\nServer: fc-httpd\r\n"
			"Content-Type: text/html\r\nContent-Length: %d\r\n"
			"Connection: %s\r\n\r\n",
			blen, keep ? "keep-alive" : "close");
	if (strncmp(req, "HEAD ", 5) == 0)
		blen = 0;
	if (send_all(fd, head, (size_t)hlen) ||
	    send_all(fd, body, (size_t)blen))
		return 0;
	return keep;
}

/* Our domain's name: after a fork the child's, not the parent's. */
static void read_name(void)
{
	char *v;

	if (!fcos_xs_read(FCOS_XS_NO_TRANSACTION, "name", &v)) {
		snprintf(name, sizeof(name), "%s", v);
		free(v);
	}
}

/* Fork n - 1 workers; the parent and every worker go on to accept. */
static void fork_workers(int n)
{
	for (int i = 1; i < n; i++) {
		int pid = fork();

		if (pid == 0) {
			read_name();
			return; /* workers do not fork again */
		}
		if (pid < 0)
			printf("httpd: fork: errno %d\n", errno);
		else
			printf("FC-HTTPD-WORKER dom%d\n", pid);
	}
}

int main(int argc, char **argv)
{
	int port = 80, workers = 1, delay = 0, pos = 0;
	unsigned long max = 0;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	unsigned long count = 0;
	struct pollfd p[1 + MAX_KEPT];
	int s, kept = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--workers") && i + 1 < argc)
			workers = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--delay") && i + 1 < argc)
			delay = atoi(argv[++i]);
		else if (pos++ == 0)
			port = atoi(argv[i]);
		else
			max = strtoul(argv[i], NULL, 10);
	}
	read_name();
	if (delay > 0) {
		printf("httpd: listening in %d s\n", delay);
		sleep(delay);
	}
	s = socket(AF_INET, SOCK_STREAM, 0);
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	if (s < 0 || bind(s, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(s, SOMAXCONN)) {
		printf("httpd: cannot listen on port %d: errno %d\n", port,
		       errno);
		return 1;
	}
	fork_workers(workers);
	printf("FC-HTTPD-READY %s port %d\n", name, port);
	while (!max || count < max) {
		int c, i;

		p[0] = (struct pollfd){ .fd = s, .events = POLLIN };
		for (i = 0; i < kept; i++)
			p[1 + i].events = POLLIN;
		if (poll(p, 1 + kept, -1) < 0)
			continue;
		/* kept connections first: their next request, or their end */
		for (i = kept; i > 0; i--) {
			if (!p[i].revents || (max && count >= max))
				continue;
			if (serve(p[i].fd, &count))
				continue;
			close(p[i].fd);
			p[i] = p[kept--];
		}
		if (!(p[0].revents & POLLIN) || (max && count >= max))
			continue;
		c = accept(s, NULL, NULL);
		if (c < 0) {
			printf("httpd: accept: errno %d\n", errno);
			continue;
		}
		if (serve(c, &count) && kept < MAX_KEPT)
			p[1 + kept++] = (struct pollfd){ .fd = c };
		else
			close(c);
	}
	for (int i = 1; i <= kept; i++)
		close(p[i].fd);
	close(s);
	printf("FC-HTTPD-CLOSED %s port %d after %lu requests\n", name, port,
	       count);
	for (;;)
		sleep(60);
}
