/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The systemd notification protocol (sd_notify(3)), without libsystemd:
 * one datagram to $NOTIFY_SOCKET per message. mxgate-dp.service is
 * Type=notify with WatchdogSec=: mxgate-dp says READY=1 once its workers
 * run, then WATCHDOG=1 at least every half watchdog period while it is
 * healthy, and STOPPING=1 when it begins to exit. Outside systemd (no
 * NOTIFY_SOCKET) every call does nothing and returns 0.
 */
#ifndef DP_NOTIFY_H
#define DP_NOTIFY_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

struct dp_notify {
	int fd;			 /* -1: not under systemd */
	struct sockaddr_un addr; /* $NOTIFY_SOCKET ('@' = abstract) */
	socklen_t addr_len;
	uint64_t watchdog_ms; /* WATCHDOG_USEC / 1000; 0: no watchdog */
	uint64_t last_ping_ms;
};

/*
 * Set up from the environment's values, passed in so that tests need no
 * environment: sock_path = getenv("NOTIFY_SOCKET"), watchdog_usec =
 * getenv("WATCHDOG_USEC"), watchdog_pid = getenv("WATCHDOG_PID"), self =
 * getpid(). A watchdog meant for another process (WATCHDOG_PID) is
 * ignored. Returns 0, or -EINVAL / -ENAMETOOLONG for a socket path
 * systemd would never give, or another negative errno.
 */
int dp_notify_init(struct dp_notify *n, const char *sock_path,
		   const char *watchdog_usec, const char *watchdog_pid,
		   pid_t self);

/* Send STATE ("READY=1", "WATCHDOG=1", "STATUS=...", newline-separated
 * assignments). Returns 0 (also when not under systemd) or -errno. */
int dp_notify_send(struct dp_notify *n, const char *state);

/* Call from the main loop with the current time in ms: sends WATCHDOG=1
 * when half the watchdog period has passed since the last one. Returns 1
 * if it sent, 0 if not due (or no watchdog), or -errno. */
int dp_notify_watchdog(struct dp_notify *n, uint64_t now_ms);

void dp_notify_close(struct dp_notify *n);

#endif
