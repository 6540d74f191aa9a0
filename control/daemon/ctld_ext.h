/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mxgated beyond one box (README.md, "BGP, sharing and feeds"):
 *
 *   ctld_pfx.c   prefixes: parse, overlap, aggregation, and the
 *                "never announce" set (allow rules and protected) taken
 *                from each compiled image;
 *   ctld_bgp.c   FlowSpec (and RTBH) export of the dynamic blocks through
 *                gobgpd's API (its gobgp client), and the blocks learned
 *                from configured peers;
 *   ctld_feeds.c the offenders as an rbldnsd dataset and a
 *                Spamhaus-DROP-format list (GET /drop.txt);
 *   ctld_auto.c  the policy's auto_block: prefixes whose drops stay over
 *                a rate for a while become blocks (origin auto).
 *
 * The event loop owns all of it; the BGP thread only runs the gobgp
 * client and hands results back through an eventfd.
 */
#ifndef MXGATED_EXT_H
#define MXGATED_EXT_H

#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "mxgated.h"

/* ---- prefixes (ctld_pfx.c) ---- */
struct pfx {
	uint8_t fam; /* 4 or 6 */
	uint8_t len; /* 0..32 or 0..128 */
	uint8_t a[16];
};

/* Canonical "ADDR/LEN" (no host bits) into p; 0 or -EINVAL. */
int pfx_parse(const char *cidr, struct pfx *p);
void pfx_format(const struct pfx *p, char *out, size_t out_len);
int pfx_cmp(const struct pfx *x, const struct pfx *y); /* fam, addr, len */
int pfx_contains(const struct pfx *outer, const struct pfx *inner);
int pfx_overlaps(const struct pfx *x, const struct pfx *y);

/* A sorted set of prefixes, searched for overlap. */
struct pfx_set {
	struct pfx *v;
	size_t n, cap;
};
int pfx_set_add(struct pfx_set *s, const struct pfx *p);
void pfx_set_sort(struct pfx_set *s);
/* 1 if some prefix of s (sorted) overlaps p. */
int pfx_set_overlaps(const struct pfx_set *s, const struct pfx *p);
void pfx_set_free(struct pfx_set *s);

/*
 * What a compiled image says may never be announced or published: the
 * prefixes of every set a rule with action allow takes its sources from
 * (the dynamic allows included), and the protected set. Also the SMTP
 * ports.
 */
struct no_announce {
	struct pfx_set allow, protect;
	unsigned int n_ports;
	uint16_t ports[16];
};
int no_announce_from_image(const struct mxg_policy_header *image,
			   struct no_announce *na);
void no_announce_free(struct no_announce *na);
/* NULL if p may be announced, else why not ("allow", "protected"). */
const char *no_announce_why(const struct no_announce *na, const struct pfx *p);

/* ---- command line (ctld_bgp.c): the --bgp-* and --rbl-* options ----
 * Rows of mxgated's option table (ctld_opts.c, ext_names[]), parsed here:
 * ext_option(EXT_OPT_BASE + the option's index there, its argument). */
#define EXT_OPT_BASE 1000

/* 0, or -1 after printing the error (exit 2). */
int ext_option(int opt, const char *arg);
/* After all options: cross-checks; 0 or -1 (printed). */
int ext_options_done(void);

/* ---- BGP export and learning (ctld_bgp.c) ---- */
/* Start the BGP thread if --bgp-api was given: its eventfd, -1 when BGP
 * is off, or -errno. */
int bgp_start(void);
void bgp_stop(void);
/* Every image built: the never-announce sets and the ports. */
void bgp_image(const struct mxg_policy_header *image);
/* The dynamic state changed, or (counters_only) a heartbeat brought new
 * counters: the routes wanted are computed again. */
void bgp_changed(const struct dyn_state *local, const struct snapshot *snap,
		 int counters_only);
/* The BGP thread's eventfd is readable: take what it learned (bgp_tick
 * applies it). */
void bgp_collect(void);
/* Timers (learned expiry, recomputing after an image): 1 if the learned
 * blocks in force changed. */
int bgp_tick(const struct dyn_state *local);
/* Monotonic ms of the next bgp_tick work, or 0. */
int64_t bgp_next_wake(void);
/* The entries the image is built from: the local ones, plus the learned
 * blocks (a copy owned by this module, valid until the next call). */
const struct dyn_state *bgp_image_state(const struct dyn_state *local);
/* mxgatectl list: the learned blocks, with "origin": "bgp:PEER". */
void bgp_list(cJSON *entries);
/* The learned block with this CIDR: its origin, or NULL. */
const char *bgp_learned_origin(const char *cidr);
cJSON *bgp_status(void);
void bgp_metrics(FILE *f);

/* ---- offender feeds (ctld_feeds.c) ---- */
/* The offenders now: blocks (local and learned) and the sources the
 * engine dropped within --offender-ttl; rewrites the rbldnsd dataset
 * when it changed, and republishes /drop.txt. */
void feeds_update(const struct dyn_state *image_state,
		  const struct snapshot *snap);
void feeds_image(const struct mxg_policy_header *image);
void feeds_metrics(FILE *f);
void feeds_stop(void);

/* ---- sustained offenders become blocks (ctld_auto.c) ---- */
/* The policy's auto_block, from the document compiled clean (absent:
 * off; a change restarts the measurement). */
void auto_config(const cJSON *doc);
/* Every image built: the allow and protected sets. */
void auto_image(const struct mxg_policy_header *image);
/* A heartbeat's top sources (snap), at monotonic 'now' ms and unix
 * 'wall' s: the prefixes that stayed over the rate for the whole window
 * are added to dyn as blocks of origin auto (image_state: every block in
 * force, learned ones too, read before dyn changes). The number added
 * (the caller saves and pushes), or -ENOMEM. */
int auto_heartbeat(struct dyn_state *dyn, const struct dyn_state *image_state,
		   const struct snapshot *snap, int64_t now, int64_t wall);
/* The operator unblocked an auto block: it needs a whole window again. */
void auto_forget(const char *cidr);
cJSON *auto_status(const struct dyn_state *dyn);
void auto_metrics(FILE *f, const struct dyn_state *dyn);
void auto_stop(void);

/* Shared by ctld_bgp.c and ctld_feeds.c: the options' values. */
struct ext_cfg {
	/* bgp */
	const char *api, *cli;
	unsigned int max_routes;
	double churn; /* updates a second */
	unsigned int min4, min6;
	char rtbh4[48], rtbh6[48];
	uint32_t asn;
	char **learn_from;
	unsigned int n_learn_from;
	int learn_any;
	int64_t learn_ttl;
	unsigned int learn_max;
	/* feeds */
	const char *rbl_dir;
	int64_t offender_ttl;
};
extern struct ext_cfg ext_cfg;

/* Published by ctld_metrics.c at GET /drop.txt. */
void metrics_publish_drop(const char *text, size_t len);

#endif /* MXGATED_EXT_H */
