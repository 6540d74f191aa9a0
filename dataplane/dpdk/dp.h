/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mxgate-dp internals: configuration, ports, the per-lcore worker
 * context, the RCU-published policy and the process-wide state. Split
 * like DPDK's l3fwd: dp_main.c (EAL, options, lcores, signals, exit),
 * dp_port.c (ports, queues, mempools), dp_worker.c (burst loop),
 * dp_classify.c (rte_lpm / rte_lpm6), dp_tx.h (forwarding, RST,
 * backpressure), dp_control.c (control socket), dp_reload.c (RCU
 * policy swap), dp_stats.c (counters, summary and stats JSON).
 */
#ifndef MXGATE_DP_H
#define MXGATE_DP_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_spinlock.h>

#include "dp_notify.h"
#include "engine.h"
#include "top_sources.h"

#define DP_BURST	   32 /* packets per rx burst */
#define DP_PREFETCH_OFFSET 16 /* prefetch this many packets ahead */
#define DP_TX_BUF	   64 /* per (lcore, port) transmit buffer */
#define DP_MAX_PORTS	   RTE_MAX_ETHPORTS
#define DP_MAX_QUEUES	   64 /* rx or tx queues per port */
#define DP_MAX_WORKERS	   64
#define DP_MAX_RXQ_LCORE   32	 /* rx queues polled by one worker */
#define DP_SCRATCH	   65536 /* linearising multi-segment frames */
#define DP_TX_RETRIES	   8	 /* default --tx-retries */

enum dp_clock {
	DP_CLOCK_TSC = 0,
	DP_CLOCK_RX_TIMESTAMP = 1,
};

struct dp_pair {
	uint16_t a, b;
};

/* Options after the EAL's "--". */
struct dp_config {
	const char *policy_file;       /* --policy: JSON, compiled here */
	const char *policy_image_file; /* --policy-image: compiled image */
	const char *control_path;      /* --control */
	const char *control_group;     /* --control-group */
	int clock;		       /* enum dp_clock */
	uint32_t rx_ts_unit_ns;	       /* ns per RX timestamp unit; 0: auto */
	uint64_t idle_exit_ms;	       /* 0: run until a signal */
	uint16_t n_pairs;
	struct dp_pair pairs[DP_MAX_PORTS];
	uint16_t rx_queues; /* per port; 0: one per worker */
	uint16_t nb_rxd, nb_txd;
	uint32_t n_mbufs; /* per socket; 0: sized from the configuration */
	uint64_t table_entries;
	uint32_t top_n;		      /* top sources in the exit summary */
	uint32_t top_capacity;	      /* the merged total's */
	uint32_t worker_top_capacity; /* each worker's tracker's */
	uint32_t tx_retries;
	int rss_src_only;
	int no_promisc;
};

/* A port in use: its peer and its queues. */
struct dp_port {
	uint16_t id;
	uint16_t peer;
	uint8_t in_use;
	uint8_t tx_shared; /* fewer tx queues than workers: locked */
	uint16_t n_rxq, n_txq;
	int socket;
	uint32_t rx_ts_unit_ns;
	uint64_t rss_hf; /* RSS hash types asked for (with > 1 rx queue) */
	char driver[32];
	rte_spinlock_t txq_lock[DP_MAX_QUEUES];
};

/*
 * The policy the workers run: an engine and its rte_lpm tables. Never
 * changed once published; replaced as a whole through dp.active and
 * freed after an RCU grace period.
 */
struct dp_policy {
	struct mxg_engine *engine;
	struct rte_lpm *lpm4;
	struct rte_lpm6 *lpm6;
	uint32_t default4; /* class of 0.0.0.0/0 (rte_lpm has no depth 0) */
	uint32_t default6; /* class of ::/0 */
	uint64_t generation;
	uint64_t seqno; /* local load number, names the LPM tables */
	/* The load number of the policy this one replaced (0: none) and,
	 * per rule here, the same rule's index there or -1: workers carry
	 * their per-rule counters across a reload with it. Load numbers,
	 * unlike addresses, are never reused. */
	uint64_t prev_seqno;
	int16_t prev_index[MXG_RULES_MAX];
	uint64_t n_prefixes;
};

/* Data plane counters of one worker (the engine's are in mxg_counters). */
struct dp_stats {
	uint64_t rx;		  /* frames received */
	uint64_t tx;		  /* frames transmitted (forwarded and RSTs) */
	uint64_t tx_dropped;	  /* freed after tx retries: backpressure */
	uint64_t policy_dropped;  /* dropped by verdict (drop or reset) */
	uint64_t rst_sent;	  /* RSTs queued for transmission */
	uint64_t rst_unbuilt;	  /* reset verdicts without a RST */
	uint64_t no_rx_timestamp; /* rx-timestamp clock, frame had none */
	uint64_t linearized;	  /* multi-segment frames copied to parse */
	uint64_t too_long;	  /* frames over DP_SCRATCH: parsed cut */
	uint64_t policy_adopted;  /* reloads this worker switched to */
	uint64_t bursts;	  /* non-empty rx bursts */
};

struct dp_rxq {
	uint16_t port;
	uint16_t queue;
	uint16_t peer;
	uint16_t pad;
};

struct dp_txbuf {
	uint16_t n;
	uint16_t queue;
	uint8_t shared;
	uint8_t pad[3];
	struct rte_mbuf *m[DP_TX_BUF];
};

/* One worker's context: only its lcore writes it, except the mailbox. */
struct dp_lcore {
	unsigned int lcore_id;
	unsigned int worker_id; /* RCU thread id, 0 .. n_workers-1 */
	uint16_t n_rxq;
	struct dp_rxq rxq[DP_MAX_RXQ_LCORE];
	const struct dp_policy *pol; /* the policy this worker runs */
	uint64_t last_ts_ns;	     /* rx-timestamp clock: last value */
	uint8_t *scratch;	     /* DP_SCRATCH bytes */

	struct mxg_counters counters __rte_cache_aligned;
	struct mxg_src_table_stats table_stats;
	struct dp_stats st;
	struct mxg_top_sources *top;

	/* Per-burst work area. */
	struct mxg_pkt pkt[DP_BURST] __rte_cache_aligned;
	const uint8_t *data[DP_BURST];
	uint32_t len[DP_BURST];
	uint64_t now[DP_BURST];
	uint32_t src_class[DP_BURST], dst_class[DP_BURST];
	uint8_t verdict[DP_BURST];

	struct dp_txbuf tx[DP_MAX_PORTS] __rte_cache_aligned;

	/*
	 * Mailbox (control thread <-> worker, between bursts). The control
	 * thread puts an empty tracker in top_fresh and bumps snap_req; the
	 * worker swaps it for its own (handed back in top_old), copies its
	 * counters into snap_*, and sets snap_done = snap_req.
	 */
	uint32_t snap_req __rte_cache_aligned;
	uint32_t snap_done;
	struct mxg_top_sources *top_fresh;
	struct mxg_top_sources *top_old;
	uint64_t snap_seqno; /* load number of the policy the snapshot's
				rule counters index */
	struct mxg_counters snap;
	struct mxg_src_table_stats snap_table;
	struct dp_stats snap_st;
} __rte_cache_aligned;

/* Process-wide state. */
struct dp_state {
	struct dp_config cfg;
	struct dp_port ports[DP_MAX_PORTS];
	uint16_t n_ports_used;
	uint16_t n_workers;
	struct dp_lcore *workers[DP_MAX_WORKERS];
	struct rte_mempool *pools[RTE_MAX_NUMA_NODES];
	struct rte_rcu_qsbr *qsv;
	struct dp_policy *active; /* read by workers with acquire loads */
	struct mxg_src_table *table;
	struct mxg_top_sources *top_total; /* control thread only */
	volatile int stop;

	/* Clocks. */
	uint64_t tsc0, wall0_ns, tsc_mult; /* ns = cycles * mult >> 32 */
	int ts_offset;			   /* RX timestamp dynamic field */
	uint64_t ts_flag;

	/* Control-thread bookkeeping. */
	uint64_t load_seq;
	uint64_t reloads, requests_refused;
	struct dp_policy *pending_free; /* waiting for an RCU grace period */
	uint64_t pending_token;
	struct dp_notify notify; /* systemd: READY, WATCHDOG, STOPPING */
};

extern struct dp_state dp;
extern int dp_logtype;

/* dp_classify.c */
int dp_policy_create(struct dp_policy **out, const void *image, size_t len,
		     const struct dp_policy *prev, uint64_t seqno, char *err,
		     size_t errlen);
void dp_policy_destroy(struct dp_policy *p);
void dp_classify(const struct dp_policy *pol, struct dp_lcore *lc,
		 const uint8_t *idx, uint32_t n);

/* dp_port.c */
/* Pairs, queues and RSS from the options and the devices: 0, or the
 * reason logged (the options do not fit these ports). */
int dp_ports_plan(void);
/* Mempools, then every port configured and started. */
int dp_ports_start(void);
void dp_ports_close(void);
int dp_mempools_check(void);

/* dp_worker.c */
int dp_worker_main(void *arg);
void dp_remap_rules(struct mxg_counters *c, uint64_t from_seqno,
		    const struct dp_policy *to);

/* dp_control.c */
int dp_control_open(const char *path, const char *group);
void dp_control_close(void);
/* Serve the socket (if any) until dp.stop; checks idle-exit. */
void dp_control_run(void);

/* dp_stats.c */
/* Collect every worker's counters and trackers (workers stopped or not). */
int dp_collect(struct mxg_counters *c, struct mxg_src_table_stats *ts,
	       struct dp_stats *st, int workers_running);
int dp_summary_text(char **out, size_t *len, uint32_t top_n,
		    int workers_running);
int dp_stats_text(char **out, size_t *len, int workers_running);

/* dp_reload.c */
struct mxg_ctl_load;
/* Publish a new policy and retire the old one after a grace period. */
int dp_policy_swap(struct dp_policy *next, char *err, size_t errlen);
void dp_policy_reap(int wait);
/* Carry out a LOAD_IMAGE request whose memfd is 'fd': check the memfd and
 * the image, build the policy, swap it in. msg gets the one-line reason,
 * or the success line. */
int dp_reload_image(const struct mxg_ctl_load *req, int fd, char *msg,
		    size_t msglen);

/* Monotonic milliseconds, for the control thread's timeouts. */
static inline uint64_t dp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Clock: TSC cycles to ns since the epoch (wall clock at start). */
static inline uint64_t dp_tsc_ns(uint64_t tsc)
{
	return dp.wall0_ns +
	       (uint64_t)(((unsigned __int128)(tsc - dp.tsc0) * dp.tsc_mult) >>
			  32);
}

#endif /* MXGATE_DP_H */
