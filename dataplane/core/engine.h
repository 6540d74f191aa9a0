/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The decision engine: (compiled policy, source table, parsed frame, now)
 * -> verdict and deciding rule. Pure C with no DPDK types, so the replay
 * tool, the unit tests and the DPDK workers all run this same code.
 *
 * Stages, each usable on its own by callers with their own classifier
 * (the DPDK workers use rte_lpm in bulk):
 *   1. mxg_engine_is_candidate(): a SYN to one of smtp_ports?
 *   2. classification: source and destination class ids (LPM)
 *   3. mxg_engine_decide(): protected destination? then the rules.
 * mxg_engine_process() runs all three with the portable LPM.
 *
 * A struct mxg_engine is immutable once created, so any number of
 * threads may share it; per-thread state lives in the caller's counters
 * and table stats. Reloads create a new engine; bucket state lives in
 * the source table, keyed by stable rule ids, and survives.
 */
#ifndef MXGATE_ENGINE_H
#define MXGATE_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "lpm.h"
#include "mxgate/counters.h"
#include "mxgate/pkt.h"
#include "mxgate/policy.h"
#include "src_table.h"

#define MXG_ENGINE_ID_SLOTS 256 /* key_id index, > 2 * MXG_RULES_MAX */

struct mxg_engine {
	struct mxg_policy_header *image; /* owned, validated copy */
	size_t image_len;
	const struct mxg_rule *rules;
	const struct mxg_setmask *classes;
	uint32_t n_rules;
	uint32_t n_classes;
	struct mxg_lpm *lpm; /* NULL unless MXG_ENGINE_PORTABLE_LPM */
	/* key_id -> rule index + 1 (0 = empty), open addressing */
	uint32_t id_keys[MXG_ENGINE_ID_SLOTS];
	uint8_t id_rule[MXG_ENGINE_ID_SLOTS];
};

/* mxg_engine_create() flags */
#define MXG_ENGINE_PORTABLE_LPM 0x1 /* build the portable classifier */

/* The outcome for one frame. */
struct mxg_decision {
	uint8_t verdict;  /* enum mxg_verdict */
	uint8_t unparsed; /* MXG_UNPARSED_* (mxgate/pkt.h) */
	uint8_t attempt;  /* a connection attempt (verdict != FORWARD) */
	uint8_t pad;
	int32_t rule; /* deciding rule index, or -1 */
};

/*
 * Validate 'image' (len bytes) with mxg_policy_image_check() and build an
 * engine over a private copy. Returns 0, -EINVAL (*why says why) or
 * -ENOMEM.
 */
int mxg_engine_create(struct mxg_engine **out, const void *image, size_t len,
		      unsigned int flags, const char **why);
void mxg_engine_destroy(struct mxg_engine *e);

/* Rule index of a key_id, or -1. */
int mxg_engine_rule_of(const struct mxg_engine *e, uint32_t key_id);

/*
 * Stage 1: is this parsed frame a SYN to one of the policy's ports, or a
 * frame cut by a parser limit (which the policy's 'parser_limit' decides
 * by its destination)? Either goes on to classification and
 * mxg_engine_decide(); anything else to mxg_engine_forward().
 */
static inline int mxg_engine_is_candidate(const struct mxg_engine *e,
					  const struct mxg_pkt *p)
{
	if (__builtin_expect(p->status == MXG_PKT_OK, 1))
		return mxg_pkt_is_smtp_syn(p, e->image->smtp_ports,
					   e->image->n_smtp_ports,
					   MXG_PORTS_MAX);
	return mxg_pkt_is_parser_limit(p);
}

/*
 * Stage 3: for a candidate with its source and destination class ids,
 * apply 'protected' and the rules. Fills *d and accounts the frame in
 * c->totals and c->rules. A frame cut by a parser limit gets the policy's
 * 'parser_limit' verdict (not an attempt, d->unparsed MXG_UNPARSED_LIMIT);
 * a reset verdict for a SYN that must never get a RST becomes a drop
 * (c->totals.reset_suppressed).
 */
void mxg_engine_decide(const struct mxg_engine *e, struct mxg_src_table *t,
		       struct mxg_counters *c, struct mxg_src_table_stats *ts,
		       const struct mxg_pkt *p, uint32_t src_class,
		       uint32_t dst_class, uint64_t now_ns,
		       struct mxg_decision *d);

/*
 * The table keys a candidate's decision will take from, found ahead of it
 * (at most MXG_ENGINE_AHEAD_KEYS; later ones are located when taken):
 * 'want' keys, of rules rule[0..want), the first 'n' of them located.
 */
#define MXG_ENGINE_AHEAD_KEYS 4
struct mxg_engine_ahead {
	uint8_t n;
	uint8_t want;
	uint8_t rule[MXG_ENGINE_AHEAD_KEYS]; /* rule index of ref[i] */
	struct mxg_src_ref ref[MXG_ENGINE_AHEAD_KEYS];
};

/*
 * A burst loop runs each candidate through three steps before it decides
 * it, each MXG_ENGINE_PREFETCH_DISTANCE candidates after the previous one,
 * so that every line a decision reads is fetched while other candidates
 * are worked on, and no line or key that it will not read is fetched:
 *  0. find the limit rules the candidate reaches; hash the first one's
 *     key and prefetch its first line;
 *  1. ask that line (mxg_src_table_hint): a key over its limit decides
 *     the attempt alone (a source flooding on its own); otherwise hash
 *     the other keys and prefetch their first lines, and the first key's
 *     second line if its take will need it;
 *  2. prefetch the other keys' second lines where their first lines say
 *     the takes will need them;
 * then mxg_engine_decide_ahead. mxg_engine_ahead_step(step, ...) runs
 * step 0, 1 or 2 for one candidate.
 *
 * The distance is measured with bench_engine --distance-sweep (flood and
 * SYNs from 4,096 sources, bursts of 32): enough for the misses of the
 * few candidates in between to overlap, few enough that they fit the
 * core's miss buffers and that a burst's pipeline fills and drains fast.
 */
#define MXG_ENGINE_PREFETCH_DISTANCE 4
#define MXG_ENGINE_AHEAD_STEPS	     3

void mxg_engine_ahead_step(const struct mxg_engine *e,
			   const struct mxg_src_table *t, uint32_t step,
			   const struct mxg_pkt *p, uint32_t src_class,
			   uint32_t dst_class, uint64_t now_ns,
			   struct mxg_engine_ahead *a);

/* mxg_engine_decide() with the keys located by mxg_engine_ahead_step(). */
void mxg_engine_decide_ahead(const struct mxg_engine *e,
			     struct mxg_src_table *t, struct mxg_counters *c,
			     struct mxg_src_table_stats *ts,
			     const struct mxg_pkt *p, uint32_t src_class,
			     uint32_t dst_class, uint64_t now_ns,
			     const struct mxg_engine_ahead *a,
			     struct mxg_decision *d);

/* Account a frame that is not a candidate (forwarded untouched). */
void mxg_engine_forward(struct mxg_counters *c, const struct mxg_pkt *p,
			struct mxg_decision *d);

/*
 * All stages with the portable classifier (the engine must have been
 * created with MXG_ENGINE_PORTABLE_LPM).
 */
void mxg_engine_process(const struct mxg_engine *e, struct mxg_src_table *t,
			struct mxg_counters *c, struct mxg_src_table_stats *ts,
			const struct mxg_pkt *p, uint64_t now_ns,
			struct mxg_decision *d);

/* Class ids of an address (portable classifier). */
uint32_t mxg_engine_class_of(const struct mxg_engine *e, uint8_t family,
			     const uint8_t addr[16]);

/* Add src counters into dst (summing workers). */
void mxg_counters_add(struct mxg_counters *dst, const struct mxg_counters *src);

const char *mxg_verdict_name(int verdict);

#endif /* MXGATE_ENGINE_H */
