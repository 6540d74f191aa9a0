/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mxgated internals: the policy owner (file + dynamic entries -> image),
 * the engines it drives (mxgate-dp over its control socket, or the XDP
 * program through libmxgate_xdp), the operator socket, the metrics page,
 * the fail-open watchdog. One event loop (poll) owns all the state; the
 * engine worker (ctld_worker.c) makes every call that waits on the data
 * plane or the bypass actuator, and the metrics server's thread only
 * copies a published page.
 */
#ifndef MXGATED_H
#define MXGATED_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <poll.h>

#include <cjson/cJSON.h>

#include "mxgate/counters.h"
#include "mxgate/policy.h"

/* ---- logging (ctld_log.c): levelled, module-prefixed, rate-limited ---- */
enum { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_NOTICE, LOG_LVL_INFO };

struct log_site {
	int64_t window_start; /* ms */
	unsigned int in_window, suppressed;
};

void log_init(int use_syslog, int max_level);
/* At most LOG_SITE_BURST lines per LOG_SITE_WINDOW_MS per call site; the
 * number suppressed is appended to the next line that goes out. */
#define LOG_SITE_BURST	   5
#define LOG_SITE_WINDOW_MS 60000
void log_msg(struct log_site *site, int level, const char *module,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#define LOG(lvl, mod, ...)                                                     \
	do {                                                                   \
		static struct log_site site_;                                  \
		log_msg(&site_, LOG_LVL_##lvl, mod, __VA_ARGS__);              \
	} while (0)

int64_t mono_ms(void);
int64_t wall_s(void);

/* ---- a growable list of lines (errors) ---- */
struct strv {
	char **v;
	unsigned int n;
};
void strv_add(struct strv *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strv_free(struct strv *s);

/* ---- dynamic entries and their persistence (ctld_state.c) ---- */
enum dyn_kind { DYN_BLOCK = 0, DYN_ALLOW = 1 };
#define DYN_MAX	       1000000 /* entries of both kinds */
#define DYN_CIDR_LEN   48
#define DYN_REASON_LEN 128
#define DYN_RATE_LEN   32

/* Who made a block: the operator (mxgatectl) or mxgated's auto_block
 * (ctld_auto.c); "origin" in mxgatectl list. */
enum dyn_origin { DYN_ORIGIN_LOCAL = 0, DYN_ORIGIN_AUTO = 1 };

struct dyn_entry {
	char cidr[DYN_CIDR_LEN]; /* canonical text */
	int64_t expires;	 /* unix seconds; 0: never */
	int64_t created;
	char reason[DYN_REASON_LEN];
	uint8_t kind;
	uint8_t origin; /* enum dyn_origin */
};

struct dyn_brake {
	int active;
	char rate[DYN_RATE_LEN]; /* as the policy takes it: "N/s" ... */
	double per_second;
	uint32_t burst;
	int64_t expires, created;
	char reason[DYN_REASON_LEN];
};

struct dyn_state {
	struct dyn_entry *v;
	size_t n, cap;
	struct dyn_brake brake;
};

/* Canonical CIDR; 0 or -EINVAL with why (host bits set, ...). */
int dyn_cidr_parse(const char *in, char *out, size_t out_len, char *why,
		   size_t why_len);
/* Rate "N/s", "N/min", "N/h" or "N": per second, or -1. */
double dyn_rate_parse(const char *in);
/* Durations: "90", "90s", "15m", "1h", "2d"; seconds, or -1. */
int64_t dyn_ttl_parse(const char *in);
/* Add or replace (same kind and CIDR): 0, 1 if replaced, -E2BIG. The
 * entry's origin is DYN_ORIGIN_LOCAL (a replace by the operator takes an
 * auto block over). */
int dyn_add(struct dyn_state *s, int kind, const char *cidr, int64_t expires,
	    int64_t created, const char *reason);
/* The entry (kind, cidr), or NULL. */
struct dyn_entry *dyn_get(struct dyn_state *s, int kind, const char *cidr);
size_t dyn_count_origin(const struct dyn_state *s, int kind, int origin);
int dyn_remove(struct dyn_state *s, int kind, const char *cidr);
size_t dyn_count(const struct dyn_state *s, int kind);
/* Drop what expired at 'now'; the number of entries removed (the brake
 * counts as one). */
size_t dyn_expire(struct dyn_state *s, int64_t now);
/* The earliest expiry, or 0 if nothing expires. */
int64_t dyn_next_expiry(const struct dyn_state *s);
void dyn_free(struct dyn_state *s);

/* tmp, fsync, rename, fsync(dir). 0 or -errno. */
int state_save(const char *path, const struct dyn_state *s);
/* -ENOENT: no file (an empty state). -EBADMSG: torn or corrupt, why in
 * 'why' with the line; the file is left as it is. */
int state_load(const char *path, struct dyn_state *s, int64_t now, char *why,
	       size_t why_len);

/* ---- the policy (ctld_policy.c) ---- */
/* Reserved names of the synthetic rules and sets; rules in this order,
 * above the file's (README: "Dynamic entries"). */
#define DYN_RULE_BLOCK	    "mxgated-block"
#define DYN_RULE_BRAKE	    "mxgated-brake"
#define DYN_RULE_ALLOW	    "mxgated-allow"
#define DYN_RESERVED_PREFIX "mxgated-"
#define DYN_RULES_RESERVED  3
#define DYN_SETS_RESERVED   2

struct policy_src {
	const char *path; /* as given */
	char *dir;	  /* its directory, resolved */
	char *set_dir_ok; /* --allow-set-dir: another permitted tree */
	cJSON *doc;	  /* the file in force, compiled clean */
	unsigned int n_rules;
	unsigned long n_prefixes;
};

/*
 * Read and compile the file alone (errors as FILE:LINE:COL lines in
 * errs), then check what mxgated adds: reserved names, room for the
 * synthetic rules and sets, set files confined to the policy's directory.
 * On success the file becomes the policy in force. 0 or -EINVAL.
 */
int policy_load(struct policy_src *p, struct strv *errs);
/* The file's policy with the dynamic entries in front, compiled. */
int policy_build(const struct policy_src *p, const struct dyn_state *d,
		 uint64_t generation, struct mxg_policy_header **image,
		 struct strv *errs);
void policy_free(struct policy_src *p);

/* ---- engine snapshots (ctld_engine.c) ---- */
#define SNAP_TOP_MAX   500
#define SNAP_PORTS_MAX 8

struct snap_rule {
	char name[MXG_NAME_MAX];
	struct mxg_rule_counters c;
};
struct snap_src {
	char src[DYN_CIDR_LEN];
	uint64_t syns, dropped;
};
struct snap_port {
	unsigned int port;
	char driver[32];
	uint64_t ipackets, opackets, imissed, ierrors, oerrors, rx_nombuf;
};
/* The engine's source table, as the engine reports it (both engines:
 * entries = inserts - evictions, counted where the table lives). */
struct snap_table {
	uint64_t capacity, entries, takes, inserts;
	uint64_t evict_lossless, evict_lossy;
};
struct snapshot {
	int valid;
	int64_t at; /* wall seconds */
	uint64_t generation;
	struct mxg_totals totals;
	unsigned int n_rules;
	struct snap_rule rules[MXG_RULES_MAX];
	unsigned int n_top;
	struct snap_src top[SNAP_TOP_MAX];
	int have_table; /* the engine reported its source table */
	struct snap_table table;
	int have_dp; /* the fields below come from mxgate-dp */
	uint64_t rx, tx, tx_dropped, rst_sent, dp_reloads;
	unsigned int n_ports;
	struct snap_port ports[SNAP_PORTS_MAX];
};

struct mxg_xdp;

enum engine_kind { ENGINE_NONE, ENGINE_DP, ENGINE_XDP };

/* ---- the command line (ctld_opts.c) ---- */
enum { CTLD_FAIL_OPEN, CTLD_FAIL_CLOSED };
#define CTLD_STATE_PATH "/var/lib/mxgate/mxgated.state"

struct ctld_opts {
	const char *policy;
	const char *dp_sock, *xdp, *pin_dir;
	int no_engine;
	int engine;	    /* enum engine_kind, from the three above */
	char ifaces[2][32]; /* --xdp IFACE[,PEER] */
	unsigned int n_ifaces;
	const char *sock_path, *sock_group, *state_path;
	char metrics_addr[64];
	uint16_t metrics_port;
	int metrics_off;
	int failure; /* CTLD_FAIL_*; closed when there is no actuator */
	const char *bypass_cmd; /* NULL: none */
	const char *bypass_ports, *bypass_netns;
	uint32_t heartbeat_ms, heartbeat_timeout_ms, summary_s;
	char *set_dir; /* --allow-set-dir, resolved (malloc'd) */
	int use_syslog, verbose;
};

/* Parse argv into o (defaults first); --help prints and exits 0, a bad
 * argument exits 2 with one line (libmxgate_cli). Returns 0. */
int ctld_opts_parse(struct ctld_opts *o, int argc, char **argv);

struct engine {
	int kind;
	/* dp */
	const char *dp_sock;
	int dp_fd;
	uint32_t seq;
	/* xdp */
	const char *xdp_ifaces[2];
	unsigned int n_ifaces;
	const char *pin_dir;
	struct mxg_xdp *xdp;
};

int engine_open(struct engine *e, char *why, size_t why_len);
/* Put the image in force; 0, or -errno and a one-line reason. */
int engine_push(struct engine *e, struct mxg_policy_header *image, char *why,
		size_t why_len);
/* Heartbeat and counters: 0 if the engine answered (snap filled). */
int engine_poll(struct engine *e, struct snapshot *snap);
void engine_close(struct engine *e);

/* JSON parsers of mxgate-dp's replies, exposed for the tests. */
int snap_parse_dp_stats(const char *json, struct snapshot *s);
int snap_parse_summary(const char *json, struct snapshot *s);

/* ---- the engine worker (ctld_worker.c) ---- */
/* What the worker did since the last worker_collect(). */
struct worker_result {
	uint64_t push_ok, push_failed; /* pushes done */
	uint64_t push_ok_gen;	       /* the newest generation in force */
	uint64_t push_fail_gen;	       /* the last that failed, and why */
	int push_rc;
	char push_why[512];
	double push_ms;		/* of the last push that worked */
	int poll_done, poll_rc; /* a heartbeat answered, or not */
	int bypass_done, bypass_engage, bypass_rc;
};
/* Start the worker on e (owned by it from now on); bypass_argv: the
 * actuator's command line, its [1] replaced by engage or disengage (NULL
 * argv[0]: no actuator). The eventfd the loop polls, or -errno. */
int worker_start(struct engine *e, const char *const *bypass_argv);
/* Queue an image (taken); one not yet taken is superseded. */
void worker_push(struct mxg_policy_header *image, uint64_t gen);
/* Queue a poll unless one is queued or running: 1 if queued. */
int worker_poll(void);
/* Ask for the bypass engaged (1) or not (0); bypassed: the state now. */
void worker_bypass(int engage, int bypassed);
/* The results since the last call; snap filled if a poll answered. */
void worker_collect(struct worker_result *r, struct snapshot *snap);
/* Stop: 1 if the worker ended within timeout_ms (else it is left in its
 * engine call, and the engine must not be closed). */
int worker_stop(int timeout_ms);

/* ---- operator socket (ctld_server.c) ---- */
struct server;
typedef cJSON *(*server_handler)(void *ctx, const cJSON *req);
int server_open(struct server **out, const char *path, const char *group,
		server_handler fn, void *ctx);
/* poll set: the fds to watch (at most server_nfds) */
unsigned int server_pollfds(struct server *s, struct pollfd *pfd,
			    unsigned int max);
void server_process(struct server *s, const struct pollfd *pfd, unsigned int n);
int64_t server_next_deadline(struct server *s);
void server_close(struct server *s);
#define SERVER_CLIENTS_MAX 32

/* ---- metrics (ctld_metrics.c) ---- */
/*
 * The page's lines, in Prometheus text format 0.0.4. Values go through a
 * double: integers print as such (exact below 2^53), the rest as %.9g.
 */
/* A family's HELP and TYPE lines. */
void metric_family(FILE *f, const char *name, const char *type,
		   const char *help);
/* A label's value, escaped as the text format wants: a rule's name may
 * hold any character but the control ones (policy.schema.json). */
void metric_label_value(FILE *f, const char *v);
/* One sample line; labels is what goes between the braces, already
 * formatted and escaped (k="v",...), or NULL for none. */
void metric_sample(FILE *f, const char *name, const char *labels, double v);
/* A family of one sample, no labels. */
void metric_one(FILE *f, const char *name, const char *type, const char *help,
		double v);
/* A family of one sample per value of a label (values not escaped). */
void metric_labelled(FILE *f, const char *name, const char *type,
		     const char *help, const char *label,
		     const char *const *values, const double *v, size_t n);
#define METRIC_LABELLED(f, name, type, help, label, values, ...)               \
	metric_labelled(f, name, type, help, label, values,                    \
			(const double[]){ __VA_ARGS__ },                       \
			sizeof((const double[]){ __VA_ARGS__ }) /              \
				sizeof(double))

int metrics_start(const char *addr, uint16_t port);
/* Replace the page served (copied). */
void metrics_publish(const char *text, size_t len);
void metrics_stop(void);

#endif /* MXGATED_H */
