// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxgate-dp's sd_notify (dataplane/dpdk/dp_notify.c), against a datagram
 * socket standing in for systemd's: READY=1 and WATCHDOG=1 arrive as
 * sent, on a path socket and on an abstract one ('@'); without
 * NOTIFY_SOCKET nothing is sent and nothing fails; paths systemd never
 * gives are refused; WATCHDOG_USEC sets the period, a WATCHDOG_PID of
 * another process turns it off, and WATCHDOG=1 goes out once per half
 * period.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "dp_notify.h"

/* A receiving socket bound to PATH ('@' = abstract). */
static int listener(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	size_t len = strlen(path);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memcpy(a.sun_path, path, len);
	if (path[0] == '@')
		a.sun_path[0] = '\0';
	else
		len++;
	assert_int_equal(
		bind(fd, (struct sockaddr *)&a,
		     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)),
		0);
	return fd;
}

static void expect_datagram(int fd, const char *want)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void expect_nothing(int fd)
{
	char buf[16];

	assert_int_equal(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
}

static void path_socket(void **state)
{
	char dir[] = "/tmp/mxg-notify-XXXXXX", path[64];
	struct dp_notify n;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	fd = listener(path);
	assert_int_equal(dp_notify_init(&n, path, NULL, NULL, getpid()), 0);
	assert_int_equal(dp_notify_send(&n, "READY=1\nSTATUS=2 workers"), 0);
	expect_datagram(fd, "READY=1\nSTATUS=2 workers");
	assert_int_equal(n.watchdog_ms, 0);
	assert_int_equal(dp_notify_watchdog(&n, 1000000), 0); /* no watchdog */
	expect_nothing(fd);
	dp_notify_close(&n);
	close(fd);
	unlink(path);
	rmdir(dir);
}

static void abstract_socket_and_watchdog(void **state)
{
	char path[64], pid[32];
	struct dp_notify n;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "@mxg-notify-test-%d", (int)getpid());
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	fd = listener(path);
	assert_int_equal(dp_notify_init(&n, path, "3000000", pid, getpid()), 0);
	assert_int_equal(n.watchdog_ms, 3000);
	/* Due at once, then every 1.5 s. */
	assert_int_equal(dp_notify_watchdog(&n, 10000), 1);
	expect_datagram(fd, "WATCHDOG=1");
	assert_int_equal(dp_notify_watchdog(&n, 11499), 0);
	expect_nothing(fd);
	assert_int_equal(dp_notify_watchdog(&n, 11500), 1);
	expect_datagram(fd, "WATCHDOG=1");
	assert_int_equal(dp_notify_send(&n, "STOPPING=1"), 0);
	expect_datagram(fd, "STOPPING=1");
	dp_notify_close(&n);
	dp_notify_close(&n); /* twice is harmless */
	close(fd);
}

static void not_under_systemd(void **state)
{
	struct dp_notify n;

	(void)state;
	assert_int_equal(dp_notify_init(&n, NULL, "1000000", NULL, 1), 0);
	assert_int_equal(n.fd, -1);
	assert_int_equal(dp_notify_send(&n, "READY=1"), 0);
	assert_int_equal(dp_notify_watchdog(&n, 5000), 0);
	assert_int_equal(dp_notify_init(&n, "", NULL, NULL, 1), 0);
	assert_int_equal(n.fd, -1);
	dp_notify_close(&n);
}

static void bad_values(void **state)
{
	char longpath[200];
	struct dp_notify n;

	(void)state;
	assert_int_equal(dp_notify_init(&n, "relative/notify", NULL, NULL, 1),
			 -EINVAL);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(dp_notify_init(&n, longpath, NULL, NULL, 1),
			 -ENAMETOOLONG);
	/* A watchdog for another process, or unreadable, is no watchdog. */
	assert_int_equal(dp_notify_init(&n, NULL, "3000000", "4242", 17), 0);
	assert_int_equal(n.watchdog_ms, 0);
	assert_int_equal(dp_notify_init(&n, NULL, "3s", NULL, 17), 0);
	assert_int_equal(n.watchdog_ms, 0);
	assert_int_equal(dp_notify_init(&n, NULL, "-5", NULL, 17), 0);
	assert_int_equal(n.watchdog_ms, 0);
	assert_int_equal(dp_notify_init(&n, NULL, "500", NULL, 17), 0);
	assert_int_equal(n.watchdog_ms, 1);
	/* A socket nobody listens on: the error comes back, no crash. */
	assert_int_equal(dp_notify_init(&n, "/nonexistent/mxg-notify", NULL,
					NULL, 1),
			 0);
	assert_true(dp_notify_send(&n, "READY=1") < 0);
	dp_notify_close(&n);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(path_socket),
		cmocka_unit_test(abstract_socket_and_watchdog),
		cmocka_unit_test(not_under_systemd),
		cmocka_unit_test(bad_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
