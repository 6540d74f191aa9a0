// SPDX-License-Identifier: BSD-3-Clause
/*
 * The XDP fallback path's loader. See xdp_loader.h for the interface,
 * xdp_instance.h for how its files divide the work, and
 * include/mxgate/xdp.h for the maps and the policy switch. This file:
 * logging, the instance's maps, pin names and pin directory locks.
 */
#include "xdp_loader.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "mxgate/xdp.h"
#include "xdp_instance.h"

/* ------------------------------------------------------------------ */
/* Logging */

static void log_default(int level, const char *msg)
{
	fprintf(stderr, "xdp: %s%s\n",
		level == MXG_LOG_ERR  ? "error: " :
		level == MXG_LOG_WARN ? "warning: " :
					"",
		msg);
}

static mxg_xdp_log_fn log_fn = log_default;
static int log_max = MXG_LOG_WARN;

void mxg_xdp_set_log(mxg_xdp_log_fn fn, int max_level)
{
	log_fn = fn ? fn : log_default;
	log_max = max_level;
}

void xdp_log(int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (level > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_fn(level, msg);
}

/* ------------------------------------------------------------------ */
/* The instance */

const char *const xdp_map_names[M_COUNT] = {
	[M_CONFIG] = MXG_XDP_STR(MXG_XDP_MAP_CONFIG),
	[M_ACTIVE] = MXG_XDP_STR(MXG_XDP_MAP_ACTIVE),
	[M_POL0] = MXG_XDP_STR(MXG_XDP_MAP_POL0),
	[M_POL1] = MXG_XDP_STR(MXG_XDP_MAP_POL1),
	[M_V4] = MXG_XDP_STR(MXG_XDP_MAP_V4),
	[M_V6] = MXG_XDP_STR(MXG_XDP_MAP_V6),
	[M_BUCKETS] = MXG_XDP_STR(MXG_XDP_MAP_BUCKETS),
	[M_STATS] = MXG_XDP_STR(MXG_XDP_MAP_STATS),
	[M_DIAG] = MXG_XDP_STR(MXG_XDP_MAP_DIAG),
	[M_PORTS] = MXG_XDP_STR(MXG_XDP_MAP_PORTS),
	[M_LAST] = MXG_XDP_STR(MXG_XDP_MAP_LAST),
	[M_RULE_BASE] = MXG_XDP_STR(MXG_XDP_MAP_RULE_BASE),
	[M_TOP] = MXG_XDP_STR(MXG_XDP_MAP_TOP),
};

int mxg_xdp_prog_fd(const struct mxg_xdp *x)
{
	return x->prog_fd;
}

struct mxg_xdp_config *mxg_xdp_config_map(struct mxg_xdp *x)
{
	return x->config;
}

const volatile struct mxg_xdp_last *mxg_xdp_last_map(struct mxg_xdp *x)
{
	return x->last;
}

int mxg_xdp_map_fd(const struct mxg_xdp *x, const char *name)
{
	int i;

	for (i = 0; i < M_COUNT; i++)
		if (strcmp(xdp_map_names[i], name) == 0)
			return x->map_fd[i];
	return -1;
}

/* The buffer mxg_active points at, or -1 when none (no policy yet). */
int xdp_active_buffer(struct mxg_xdp *x)
{
	uint32_t zero = 0, id = 0;
	int b;

	if (bpf_map_lookup_elem(x->map_fd[M_ACTIVE], &zero, &id))
		return -1;
	for (b = 0; b < MXG_XDP_BUFFERS; b++)
		if (id == x->pol_id[b])
			return b;
	return -1;
}

/* ------------------------------------------------------------------ */
/* Pins */

int xdp_pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int xdp_trie_pin_name(char *buf, size_t len, int v6, uint32_t b)
{
	int n = snprintf(buf, len, "%s_%u",
			 v6 ? xdp_map_names[M_V6] : xdp_map_names[M_V4], b);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Re-pin buffer b's tries under their stable names. */
void xdp_tries_pin(struct mxg_xdp *x, uint32_t b, int fd4, int fd6)
{
	char name[64], path[PATH_MAX];
	int v6;

	if (!x->pin_dir[0])
		return;
	for (v6 = 0; v6 < 2; v6++) {
		if (xdp_trie_pin_name(name, sizeof(name), v6, b) ||
		    xdp_pin_path(path, sizeof(path), x->pin_dir, name))
			continue;
		unlink(path);
		if (bpf_obj_pin(v6 ? fd6 : fd4, path))
			XDP_WARN("cannot pin %s: %s", path, strerror(errno));
	}
}

/* Serialise attach, reload and detach on one pin directory. */
int xdp_lock_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

void xdp_unlock_dir(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the lock */
}
