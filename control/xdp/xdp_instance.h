/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the XDP loader's files share (not part of its API, xdp_loader.h):
 *
 *   xdp_loader.c   logging, the instance's maps, pin names and locks
 *   xdp_load.c     kernel probes, open/load, open from pins, close
 *   xdp_install.c  a compiled policy into the idle buffer, then the switch
 *                  (the rule counters carried over by name)
 *   xdp_attach.c   pin, attach to the interfaces, detach
 *   xdp_stats.c    counters, diagnostics, status, the source table and
 *                  the per-source report
 */
#ifndef MXGATE_XDP_INSTANCE_H
#define MXGATE_XDP_INSTANCE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "mxgate/xdp.h"
#include "xdp_loader.h"

/* Log through the callback of mxg_xdp_set_log(), module prefix "xdp". */
void xdp_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define XDP_ERR(...)  xdp_log(MXG_LOG_ERR, __VA_ARGS__)
#define XDP_WARN(...) xdp_log(MXG_LOG_WARN, __VA_ARGS__)
#define XDP_INFO(...) xdp_log(MXG_LOG_INFO, __VA_ARGS__)

enum xdp_map {
	M_CONFIG,
	M_ACTIVE,
	M_POL0,
	M_POL1,
	M_V4,
	M_V6,
	M_BUCKETS,
	M_STATS,
	M_DIAG,
	M_PORTS,
	M_LAST,
	M_RULE_BASE,
	M_TOP,
	M_COUNT,
};

/* The maps' names in the object and in the pin directory. */
extern const char *const xdp_map_names[M_COUNT];

#define XDP_PROG_NAME MXG_XDP_STR(MXG_XDP_PROG)

struct mxgate_bpf;

struct mxg_xdp {
	struct mxgate_bpf *skel; /* NULL when opened from pins */
	int prog_fd;
	uint32_t prog_id;
	int map_fd[M_COUNT];
	uint32_t pol_id[MXG_XDP_BUFFERS]; /* map ids of mxg_pol0/1 */
	struct mxg_xdp_config *config;	  /* mmapped mxg_config */
	struct mxg_xdp_last *last;	  /* mmapped mxg_last */
	size_t config_len, last_len;
	int inline_mode;
	int ncpus;
	char pin_dir[PATH_MAX]; /* "" while not pinned */
};

/* The buffer mxg_active points at, or -1 when none (no policy yet). */
int xdp_active_buffer(struct mxg_xdp *x);

/* "dir/name", and the pin name of buffer b's v4 or v6 trie:
 * 0 or -ENAMETOOLONG. */
int xdp_pin_path(char *buf, size_t len, const char *dir, const char *name);
int xdp_trie_pin_name(char *buf, size_t len, int v6, uint32_t b);
/* Re-pin buffer b's tries under their stable names (when pinned). */
void xdp_tries_pin(struct mxg_xdp *x, uint32_t b, int fd4, int fd6);

/* Buffer b's rule counters: its base (mxg_rule_base) plus the sum over
 * CPUs of mxg_stats. 0 or -errno. */
int xdp_rules_read(struct mxg_xdp *x, uint32_t b,
		   struct mxg_xdp_rule_base *out);

/* Serialise attach, reload and detach on one pin directory: the locked
 * directory's fd, or -errno. */
int xdp_lock_dir(const char *dir);
void xdp_unlock_dir(int fd);

#endif /* MXGATE_XDP_INSTANCE_H */
