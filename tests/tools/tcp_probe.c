// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxg-tcpprobe: real TCP connection attempts for the namespace tests
 * (Debian minbase has neither nc nor socat).
 *
 *   mxg-tcpprobe listen PORT [PORT...]
 *       Listen on every address, IPv4 and IPv6, on each PORT; greet each
 *       connection with "220 mxg-tcpprobe\r\n", wait for a line and echo
 *       it, then close. Prints "listening" once ready. Runs until killed.
 *
 *   mxg-tcpprobe connect [--from ADDR] [--timeout MS] ADDR PORT
 *       One connection attempt. Prints one line, "<result> <ms>", and
 *       exits with its code:
 *         0 connected  connected, got the greeting and an echo back
 *         3 refused    the attempt was answered with a RST
 *         4 timeout    no answer within the timeout (default 1000 ms)
 *         1 error      anything else (the reason on stderr)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PORTS_MAX 8

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int parse_addr(const char *s, uint16_t port, struct sockaddr_storage *ss,
		      socklen_t *len)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		*len = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		*len = sizeof(*a6);
		return 0;
	}
	return -1;
}

static int parse_port(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s && !*end && v > 0 && v < 65536 ? (int)v : -1;
}

/* Wait until fd is readable (or writable), up to ms; 1 ready, 0 timeout. */
static int wait_fd(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n = poll(&p, 1, ms);

	return n > 0 ? 1 : n;
}

static void serve(int fd)
{
	static const char greet[] = "220 mxg-tcpprobe\r\n";
	char buf[256];
	ssize_t n;

	if (write(fd, greet, sizeof(greet) - 1) < 0)
		return;
	if (wait_fd(fd, POLLIN, 2000) == 1) {
		n = read(fd, buf, sizeof(buf));
		if (n > 0 && write(fd, buf, (size_t)n) < 0)
			return;
	}
}

static int cmd_listen(int argc, char **argv)
{
	struct pollfd fds[PORTS_MAX];
	int n = 0, i, one = 1;

	signal(SIGCHLD, SIG_IGN);
	for (i = 0; i < argc && n < PORTS_MAX; i++) {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6,
					  .sin6_addr = IN6ADDR_ANY_INIT };
		int port = parse_port(argv[i]), fd, zero = 0;

		if (port < 0) {
			fprintf(stderr, "mxg-tcpprobe: bad port \"%s\"\n",
				argv[i]);
			return 1;
		}
		a.sin6_port = htons((uint16_t)port);
		fd = socket(AF_INET6, SOCK_STREAM, 0);
		if (fd < 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
			       sizeof(one)) ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
			       sizeof(zero)) ||
		    bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
		    listen(fd, 128)) {
			fprintf(stderr, "mxg-tcpprobe: listen on %d: %s\n",
				port, strerror(errno));
			return 1;
		}
		fds[n].fd = fd;
		fds[n].events = POLLIN;
		n++;
	}
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		if (poll(fds, (nfds_t)n, -1) < 0 && errno != EINTR)
			return 1;
		for (i = 0; i < n; i++) {
			int c;

			if (!(fds[i].revents & POLLIN))
				continue;
			c = accept(fds[i].fd, NULL, NULL);
			if (c < 0)
				continue;
			if (fork() == 0) {
				serve(c);
				_exit(0);
			}
			close(c);
		}
	}
}

static int result(const char *what, double t0, int code)
{
	printf("%s %.1f\n", what, now_ms() - t0);
	return code;
}

static int cmd_connect(int argc, char **argv)
{
	struct sockaddr_storage dst, src;
	socklen_t dst_len, src_len;
	const char *from = NULL;
	int timeout = 1000, fd, port, err = 0;
	socklen_t elen = sizeof(err);
	char buf[256];
	double t0;
	ssize_t n;

	while (argc > 2) {
		if (strcmp(argv[0], "--from") == 0) {
			from = argv[1];
		} else if (strcmp(argv[0], "--timeout") == 0) {
			timeout = atoi(argv[1]);
		} else {
			break;
		}
		argc -= 2;
		argv += 2;
	}
	port = argc == 2 ? parse_port(argv[1]) : -1;
	if (port < 0 || timeout <= 0 ||
	    parse_addr(argv[0], (uint16_t)port, &dst, &dst_len)) {
		fprintf(stderr, "usage: mxg-tcpprobe connect [--from ADDR] "
				"[--timeout MS] ADDR PORT\n");
		return 1;
	}
	fd = socket(dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return 1;
	if (from && (parse_addr(from, 0, &src, &src_len) ||
		     bind(fd, (struct sockaddr *)&src, src_len))) {
		fprintf(stderr, "mxg-tcpprobe: cannot bind to %s: %s\n", from,
			strerror(errno));
		return 1;
	}
	t0 = now_ms();
	if (connect(fd, (struct sockaddr *)&dst, dst_len) &&
	    errno != EINPROGRESS) {
		if (errno == ECONNREFUSED)
			return result("refused", t0, 3);
		fprintf(stderr, "mxg-tcpprobe: connect: %s\n", strerror(errno));
		return 1;
	}
	if (wait_fd(fd, POLLOUT, timeout) != 1)
		return result("timeout", t0, 4);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen))
		return 1;
	if (err == ECONNREFUSED)
		return result("refused", t0, 3);
	if (err == ETIMEDOUT)
		return result("timeout", t0, 4);
	if (err) {
		fprintf(stderr, "mxg-tcpprobe: connect: %s\n", strerror(err));
		return 1;
	}
	/* Established traffic must pass: the greeting, then an echo. */
	if (wait_fd(fd, POLLIN, 2000) != 1 || read(fd, buf, sizeof(buf)) < 3 ||
	    strncmp(buf, "220", 3) != 0) {
		fprintf(stderr, "mxg-tcpprobe: no greeting\n");
		return 1;
	}
	if (write(fd, "EHLO probe\r\n", 12) != 12 ||
	    wait_fd(fd, POLLIN, 2000) != 1) {
		fprintf(stderr, "mxg-tcpprobe: no echo\n");
		return 1;
	}
	n = read(fd, buf, sizeof(buf));
	if (n < 4 || strncmp(buf, "EHLO", 4) != 0) {
		fprintf(stderr, "mxg-tcpprobe: bad echo\n");
		return 1;
	}
	close(fd);
	return result("connected", t0, 0);
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "listen") == 0)
		return cmd_listen(argc - 2, argv + 2);
	if (argc >= 4 && strcmp(argv[1], "connect") == 0)
		return cmd_connect(argc - 2, argv + 2);
	fprintf(stderr, "usage: mxg-tcpprobe listen PORT [PORT...]\n"
			"       mxg-tcpprobe connect [--from ADDR] "
			"[--timeout MS] ADDR PORT\n");
	return 1;
}
