/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * Counters behind the DESIGN §4 summary. Each worker (DPDK lcore, replay
 * thread, BPF CPU) owns one copy and increments it without atomics; a
 * reader sums the copies. The layout is shared with the XDP program's
 * per-CPU maps.
 */
#ifndef MXGATE_COUNTERS_H
#define MXGATE_COUNTERS_H

#include "compat.h"
#include "policy.h"

/* The verdict for one frame. */
enum mxg_verdict {
	MXG_VERDICT_FORWARD = 0, /* not a connection attempt: forwarded */
	MXG_VERDICT_PASS,	 /* attempt allowed */
	MXG_VERDICT_DROP,	 /* attempt dropped */
	MXG_VERDICT_RESET,	 /* attempt dropped and answered with a RST */
	MXG_VERDICT_WOULD_DROP,	 /* monitor mode: would drop, forwarded */
	MXG_VERDICT_MAX,
};

struct mxg_totals {
	uint64_t packets;
	uint64_t forwarded; /* every frame not dropped */
	uint64_t unparsed;  /* damaged or cut frames, forwarded (fail open) */
	uint64_t smtp_syns; /* connection attempts */
	uint64_t smtp_passed;
	uint64_t smtp_dropped; /* reset included */
	uint64_t reset;
	uint64_t would_drop;
	/*
	 * Frames cut by a parser limit (mxg_pkt_is_parser_limit), not in
	 * 'unparsed'; of them, those the policy's 'parser_limit' dropped,
	 * or in monitor mode would have dropped (forwarded).
	 */
	uint64_t parser_limit;
	uint64_t parser_limit_dropped;
	uint64_t parser_limit_would_drop;
	/* reset verdicts answered with a drop: the SYN came from, or went
	 * to, an address that must never get a RST (mxg_pkt_rst_forbidden);
	 * counted in smtp_dropped, not in reset */
	uint64_t reset_suppressed;
};
MXG_STATIC_ASSERT(sizeof(struct mxg_totals) == 96, "mxg_totals layout");

struct mxg_rule_counters {
	uint64_t matched;
	uint64_t passed;
	uint64_t dropped; /* reset included */
	uint64_t would_drop;
	/* of 'dropped', the attempts answered with a RST (the totals'
	 * 'reset': a suppressed RST counts as a plain drop) */
	uint64_t reset;
};
MXG_STATIC_ASSERT(sizeof(struct mxg_rule_counters) == 40,
		  "mxg_rule_counters layout");

/* One worker's counters, indexed by rule position in the image. */
struct mxg_counters {
	struct mxg_totals totals;
	struct mxg_rule_counters rules[MXG_RULES_MAX];
};

/*
 * Account one frame's verdict in the totals. 'unparsed' is an
 * MXG_UNPARSED_* kind (pkt.h): a frame cut by a parser limit is never a
 * connection attempt; its verdict is FORWARD, DROP or WOULD_DROP.
 */
MXG_INLINE void mxg_totals_account(struct mxg_totals *t, int unparsed,
				   int verdict)
{
	t->packets++;
	if (unparsed == 2) { /* MXG_UNPARSED_LIMIT */
		t->parser_limit++;
		if (verdict == MXG_VERDICT_DROP) {
			t->parser_limit_dropped++;
			return;
		}
		t->forwarded++;
		if (verdict == MXG_VERDICT_WOULD_DROP)
			t->parser_limit_would_drop++;
		return;
	}
	if (unparsed)
		t->unparsed++;
	if (verdict != MXG_VERDICT_FORWARD)
		t->smtp_syns++;
	if (verdict == MXG_VERDICT_DROP || verdict == MXG_VERDICT_RESET) {
		t->smtp_dropped++;
		if (verdict == MXG_VERDICT_RESET)
			t->reset++;
		return;
	}
	t->forwarded++;
	if (verdict == MXG_VERDICT_PASS || verdict == MXG_VERDICT_WOULD_DROP)
		t->smtp_passed++;
	if (verdict == MXG_VERDICT_WOULD_DROP)
		t->would_drop++;
}

#endif /* MXGATE_COUNTERS_H */
