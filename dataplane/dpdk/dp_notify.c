// SPDX-License-Identifier: BSD-3-Clause
/* sd_notify(3) for mxgate-dp, dependency-free (dp_notify.h). */
#include "dp_notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int dp_notify_init(struct dp_notify *n, const char *sock_path,
		   const char *watchdog_usec, const char *watchdog_pid,
		   pid_t self)
{
	unsigned long long us;
	size_t len;
	char *end;

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	if (watchdog_usec && *watchdog_usec && watchdog_usec[0] != '-' &&
	    (!watchdog_pid || !*watchdog_pid ||
	     strtol(watchdog_pid, NULL, 10) == (long)self)) {
		errno = 0;
		us = strtoull(watchdog_usec, &end, 10);
		if (!errno && !*end && us)
			n->watchdog_ms = us < 1000 ? 1 : us / 1000;
	}
	if (!sock_path || !*sock_path)
		return 0;
	if (sock_path[0] != '/' && sock_path[0] != '@')
		return -EINVAL;
	len = strlen(sock_path);
	if (len >= sizeof(n->addr.sun_path))
		return -ENAMETOOLONG;
	n->addr.sun_family = AF_UNIX;
	memcpy(n->addr.sun_path, sock_path, len);
	if (sock_path[0] == '@')
		n->addr.sun_path[0] =
			'\0'; /* abstract: the length says where it ends */
	else
		len++;
	n->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return n->fd < 0 ? -errno : 0;
}

int dp_notify_send(struct dp_notify *n, const char *state)
{
	size_t len = strlen(state);
	ssize_t sent;

	if (n->fd < 0)
		return 0;
	sent = sendto(n->fd, state, len, MSG_NOSIGNAL,
		      (const struct sockaddr *)&n->addr, n->addr_len);
	if (sent < 0)
		return -errno;
	return (size_t)sent == len ? 0 : -EMSGSIZE;
}

int dp_notify_watchdog(struct dp_notify *n, uint64_t now_ms)
{
	int rc;

	if (!n->watchdog_ms || n->fd < 0 ||
	    now_ms - n->last_ping_ms < n->watchdog_ms / 2)
		return 0;
	rc = dp_notify_send(n, "WATCHDOG=1");
	if (rc)
		return rc;
	n->last_ping_ms = now_ms;
	return 1;
}

void dp_notify_close(struct dp_notify *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}
