/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The XDP fallback path's loader (libbpf skeleton of bpf/mxgate.bpf.c):
 * load, install a compiled policy, attach to one interface (host mode)
 * or two (inline-bridge mode), pin for operators, reload atomically,
 * read counters, detach. Used by mxgate-xdp, mxgate-replay --engine xdp
 * and the tests; mxgated will call the same functions.
 *
 * Every function returns 0 or a negative errno, and says why through
 * the log callback (module prefix "xdp").
 */
#ifndef MXGATE_XDP_LOADER_H
#define MXGATE_XDP_LOADER_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "mxgate/counters.h"
#include "mxgate/xdp.h"

/* Log levels of the callback. */
enum mxg_log_level {
	MXG_LOG_ERR = 0,
	MXG_LOG_WARN = 1,
	MXG_LOG_INFO = 2,
	MXG_LOG_DEBUG = 3,
};

/* 'msg' has no trailing newline. The default prints ERR and WARN. */
typedef void (*mxg_xdp_log_fn)(int level, const char *msg);
void mxg_xdp_set_log(mxg_xdp_log_fn fn, int max_level);

/* How to attach. */
enum mxg_xdp_want {
	MXG_XDP_WANT_AUTO = 0, /* native if the driver has it, else generic */
	MXG_XDP_WANT_NATIVE,
	MXG_XDP_WANT_GENERIC,
};

struct mxg_xdp_load_opts {
	int inline_mode;  /* pass redirects to the peer port */
	uint32_t buckets; /* bucket table entries; 0: the default */
	int verbose;	  /* libbpf messages and verifier log on stderr */
};

struct mxg_xdp_attach_opts {
	const char *pin_dir; /* NULL: MXG_XDP_PIN_DIR */
	const char *ifname[MXG_XDP_IFACES_MAX];
	uint32_t n_ifaces; /* 1 (host mode) or 2 (inline mode) */
	int want;	   /* enum mxg_xdp_want */
};

/* What mxgate-xdp stats shows about the program and its policy. */
struct mxg_xdp_status {
	uint32_t prog_id;
	uint32_t buffer; /* policy buffer in force */
	int inline_mode;
	struct mxg_xdp_config config;
	struct mxg_xdp_policy policy; /* in force */
	uint32_t n_v4, n_v6;	      /* prefixes in its tries */
	uint32_t buckets_max;
};

struct mxg_xdp;

/*
 * Open, set rodata, load: an instance attached nowhere, not pinned.
 * -EPERM: not permitted to use BPF. -EOPNOTSUPP or -ENOSYS: the kernel
 * lacks a feature the program needs (older than bpf/README.md requires).
 * Any other error is a failure on a capable kernel, such as the verifier
 * rejecting the program.
 */
int mxg_xdp_load(struct mxg_xdp **out, const struct mxg_xdp_load_opts *o);

/* Did mxg_xdp_load() fail because BPF is unavailable here (no privilege,
 * kernel too old), rather than on a capable kernel? */
static inline int mxg_xdp_load_unavailable(int err)
{
	return err == -EPERM || err == -EOPNOTSUPP || err == -ENOSYS;
}

/* The instance an earlier attach pinned in pin_dir (NULL: default). */
int mxg_xdp_open_pinned(struct mxg_xdp **out, const char *pin_dir);

/* Close the instance's handles. Attached programs stay attached. */
void mxg_xdp_close(struct mxg_xdp *x);

/*
 * Put a compiled policy image in force, atomically for every packet:
 * fill the idle buffer, then switch (include/mxgate/xdp.h). Validates the
 * image first; a bad image changes nothing. Buckets of rules whose key id
 * is unchanged keep their state.
 */
int mxg_xdp_install(struct mxg_xdp *x, const void *image, size_t len);

/* Pin under the pin directory and attach. Needs a policy installed. */
int mxg_xdp_attach(struct mxg_xdp *x, const struct mxg_xdp_attach_opts *o);

/*
 * Detach from the interfaces recorded at attach (only where this program
 * is still the one attached), then remove the pins and the directory.
 */
int mxg_xdp_detach(struct mxg_xdp *x);

/* Counters summed over CPUs: totals since load, rules of the policy in
 * force by index (a rule's counts follow its name across reloads, as in
 * mxgate-dp: include/mxgate/xdp.h). */
int mxg_xdp_counters(struct mxg_xdp *x, struct mxg_counters *c);
int mxg_xdp_diag(struct mxg_xdp *x, struct mxg_xdp_diag *d);

/* The source table (mxg_buckets): its capacity, the keys in it (inserts
 * minus evictions, as the core engine's) and its counters since load. */
struct mxg_xdp_table {
	uint64_t capacity, entries, inserts, evict_lossless, evict_lossy;
};
int mxg_xdp_table_stats(struct mxg_xdp *x, struct mxg_xdp_table *t);

/*
 * The program's per-source report (mxg_top, include/mxgate/xdp.h): the
 * sources holding a slot, the CPUs' slots merged by address, most
 * dropped first, then most attempts, then by address; at most 'max'
 * into out (syns: attempts; error, first_ns, last_ns: 0). The number
 * copied, or -errno.
 */
struct mxg_top_entry;
int mxg_xdp_top(struct mxg_xdp *x, struct mxg_top_entry *out, uint32_t max);
int mxg_xdp_get_status(struct mxg_xdp *x, struct mxg_xdp_status *s);

/* For replay and tests: the program, and the mmapped config and record. */
int mxg_xdp_prog_fd(const struct mxg_xdp *x);
struct mxg_xdp_config *mxg_xdp_config_map(struct mxg_xdp *x);
const volatile struct mxg_xdp_last *mxg_xdp_last_map(struct mxg_xdp *x);
int mxg_xdp_map_fd(const struct mxg_xdp *x, const char *name);

/* Fill a policy buffer's value from a validated image (pure; exposed for
 * the tests). */
void mxg_xdp_policy_from_image(const void *image, uint32_t buffer,
			       struct mxg_xdp_policy *out);

#endif /* MXGATE_XDP_LOADER_H */
