/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * The token bucket of DESIGN §3, on one packed 64-bit state so that
 * userspace can update it with a compare-and-swap and BPF with an atomic
 * cmpxchg. Shifts, adds and compares only: no multiply or divide on the
 * packet path.
 *
 * State layout:  [63..24] last: time of the last update, in ticks
 *                [23..0]  credit: tokens, in units of the rule's credit unit
 *
 * Time. The clock is nanoseconds; a tick is 2^10 ns (1.024 us), the time
 * resolution. 'last' holds 40 bits of ticks, so it wraps every 2^50 ns
 * (13.03 days). A difference of more than 2^40 - 2^32 ticks is read as the
 * clock going backwards by up to 2^32 ticks (73 min): no refill, as the
 * max(0, t - last) of the spec says, and 'last' stays where it was. (The
 * spec's "last = t" would re-credit the backwards step at the next
 * refill; with several workers whose clocks interleave by a few ns that
 * adds up, and a key could pass more than burst + rate * T + 1. Keeping
 * 'last' monotonic holds that bound; for a monotonic clock the two are
 * identical.) An idle period is measured right up to 12.98 days, far
 * beyond the time any bucket takes to refill; an entry idle for longer
 * than that (modulo 13.03 days) may be seen as partly refilled. Tables
 * evict full buckets long before that.
 *
 * Tokens. A token costs 'cost' credit units of 2^(unit_shift - 8) ns
 * each, so refill is exact: one unit of credit per unit of elapsed
 * time. When a unit is longer than a tick, 'last' only advances by the
 * time actually converted into credit, so no fraction is lost between
 * updates. 'cap' = burst * cost < 2^24. mxg_bucket_params_init picks the smallest
 * unit_shift that fits, so cost >= 2^23 / burst once unit_shift > 0, and
 * cost >= 256 * token period in ns at unit_shift 0.
 *
 * Precision and range, all enforced by mxg_bucket_params_init:
 *   rates   from 1/h to 10^9/s (one token per ns);
 *   bursts  from 1 to MXG_BUCKET_BURST_MAX (100,000);
 *   rate    the token period is rounded to whole credit units, an error
 *           of at most 1/(2 cost): below burst / 2^24 when unit_shift
 *           > 0 (6e-7 for burst 10, 2.4e-4 for burst 4000, 0.6% for
 *           burst 100,000) and below 0.2% at unit_shift 0;
 *   time    attempts are timed to a 1.024 us tick: attempts within one
 *           tick see no refill between them. Only rules whose burst is
 *           close to rate * 1.024 us notice. At 1,000,000/s with burst 1,
 *           a flood every 250 ns passes one per tick (976,562/s), and
 *           random arrivals pass up to 30% more than the exact spec;
 *           with burst 4 or more, or at rates below 100,000/s, the
 *           difference is a few attempts over 20,000 (test_bucket).
 */
#ifndef MXGATE_BUCKET_H
#define MXGATE_BUCKET_H

#include "compat.h"

#define MXG_BUCKET_TICK_SHIFT	  10
#define MXG_BUCKET_LAST_BITS	  40
#define MXG_BUCKET_CREDIT_BITS	  24
#define MXG_BUCKET_TICK_MASK	  ((1ULL << MXG_BUCKET_LAST_BITS) - 1)
#define MXG_BUCKET_CREDIT_MASK	  ((1ULL << MXG_BUCKET_CREDIT_BITS) - 1)
#define MXG_BUCKET_BACKWARD_TICKS (1ULL << 32)
#define MXG_BUCKET_BURST_MAX	  100000u
/* Credit units are 2^(unit_shift - MXG_BUCKET_UNIT_FRAC_BITS) ns. */
#define MXG_BUCKET_UNIT_FRAC_BITS 8
/* log2 of a tick in credit units of unit_shift 0 */
#define MXG_BUCKET_TICK_UNITS_LOG2                                             \
	(MXG_BUCKET_TICK_SHIFT + MXG_BUCKET_UNIT_FRAC_BITS)
#define MXG_BUCKET_UNIT_SHIFT_MAX 56

/* Compiled bucket parameters; part of the policy image ABI. */
struct mxg_bucket_params {
	uint32_t cost;	    /* credit units per token, >= 1 */
	uint32_t cap;	    /* burst * cost, < 2^24 */
	uint8_t unit_shift; /* credit unit = 2^(unit_shift - 8) ns */
	uint8_t pad[7];
};
MXG_STATIC_ASSERT(sizeof(struct mxg_bucket_params) == 16,
		  "mxg_bucket_params layout");

MXG_INLINE uint64_t mxg_bucket_ticks(uint64_t now_ns)
{
	return (now_ns >> MXG_BUCKET_TICK_SHIFT) & MXG_BUCKET_TICK_MASK;
}

MXG_INLINE uint64_t mxg_bucket_pack(uint64_t last, uint64_t credit)
{
	return (last & MXG_BUCKET_TICK_MASK) << MXG_BUCKET_CREDIT_BITS |
	       (credit & MXG_BUCKET_CREDIT_MASK);
}

MXG_INLINE uint64_t mxg_bucket_last(uint64_t state)
{
	return state >> MXG_BUCKET_CREDIT_BITS;
}

MXG_INLINE uint64_t mxg_bucket_credit(uint64_t state)
{
	return state & MXG_BUCKET_CREDIT_MASK;
}

/* The state of a key seen for the first time at now_ns: a full bucket. */
MXG_INLINE uint64_t mxg_bucket_fresh(uint64_t now_ns,
				     const struct mxg_bucket_params *bp)
{
	return mxg_bucket_pack(mxg_bucket_ticks(now_ns), bp->cap);
}

/*
 * Refill 'state' to now_ns. Returns the refilled state; *full is set when
 * the bucket is at its cap (so the entry could be forgotten losslessly).
 */
MXG_INLINE uint64_t mxg_bucket_refill(uint64_t state, uint64_t now_ns,
				      const struct mxg_bucket_params *bp,
				      int *full)
{
	uint64_t now_t = mxg_bucket_ticks(now_ns);
	uint64_t last = mxg_bucket_last(state);
	uint64_t credit = mxg_bucket_credit(state);
	uint64_t cap = bp->cap;
	uint64_t dt = (now_t - last) & MXG_BUCKET_TICK_MASK;
	uint64_t add, room;
	uint32_t shift;

	if (credit > cap) /* the cap was lowered by a policy reload */
		credit = cap;
	room = cap - credit;
	if (dt > MXG_BUCKET_TICK_MASK - MXG_BUCKET_BACKWARD_TICKS) {
		/* The clock went backwards: no refill, last unchanged. */
	} else if (bp->unit_shift >= MXG_BUCKET_TICK_UNITS_LOG2) {
		shift = (bp->unit_shift - MXG_BUCKET_TICK_UNITS_LOG2) & 63;
		add = dt >> shift;
		if (add >= room) {
			credit = cap;
			last = now_t;
		} else {
			credit += add;
			last = (last + (add << shift)) & MXG_BUCKET_TICK_MASK;
		}
	} else {
		shift = (MXG_BUCKET_TICK_UNITS_LOG2 - bp->unit_shift) & 63;
		add = dt << shift; /* dt < 2^40, shift <= 18: no overflow */
		credit = add >= room ? cap : credit + add;
		last = now_t;
	}
	*full = credit >= cap;
	return mxg_bucket_pack(last, credit);
}

/*
 * One connection attempt at now_ns: refill, then take a token if there is
 * one. Returns 1 if the attempt conforms, 0 if it is over the limit (the
 * tokens are then left as refilled). *next is the state to store.
 */
MXG_INLINE int mxg_bucket_take(uint64_t state, uint64_t now_ns,
			       const struct mxg_bucket_params *bp,
			       uint64_t *next)
{
	int full;
	uint64_t s = mxg_bucket_refill(state, now_ns, bp, &full);
	uint64_t credit = mxg_bucket_credit(s);

	if (credit < bp->cost) {
		*next = s;
		return 0;
	}
	*next = s - bp->cost; /* credit is the low field: no borrow */
	return 1;
}

/* Would this bucket be full at now_ns, i.e. indistinguishable from new? */
MXG_INLINE int mxg_bucket_is_full(uint64_t state, uint64_t now_ns,
				  const struct mxg_bucket_params *bp)
{
	int full;

	mxg_bucket_refill(state, now_ns, bp, &full);
	return full;
}

#ifndef __bpf__
/*
 * Compile "count per period_s seconds, burst" into bucket parameters.
 * Control plane only. Returns 0, or -EINVAL (as -22, to stay libc-free)
 * when the rate or burst is outside the documented range.
 */
#define MXG_BUCKET_EINVAL 22
static inline int mxg_bucket_params_init(struct mxg_bucket_params *bp,
					 uint64_t count, uint64_t period_s,
					 uint64_t burst)
{
	uint64_t period_units, cost;
	unsigned int shift;

	if (count == 0 || period_s == 0 || period_s > 3600 || burst == 0 ||
	    burst > MXG_BUCKET_BURST_MAX)
		return -MXG_BUCKET_EINVAL;
	period_units = (period_s * 1000000000ULL) << MXG_BUCKET_UNIT_FRAC_BITS;
	/* At most one token per ns. */
	if (count > period_s * 1000000000ULL)
		return -MXG_BUCKET_EINVAL;
	for (shift = 0; shift <= MXG_BUCKET_UNIT_SHIFT_MAX; shift++) {
		/* cost = round(period / (count * unit)) */
		uint64_t den = count << shift;

		if (den >> shift != count)
			break;
		cost = (period_units + den / 2) / den;
		if (cost == 0)
			break;
		if (cost * burst < (1ULL << MXG_BUCKET_CREDIT_BITS)) {
			bp->cost = (uint32_t)cost;
			bp->cap = (uint32_t)(cost * burst);
			bp->unit_shift = (uint8_t)shift;
			for (unsigned int i = 0; i < sizeof(bp->pad); i++)
				bp->pad[i] = 0;
			return 0;
		}
	}
	return -MXG_BUCKET_EINVAL;
}
#endif

#endif /* MXGATE_BUCKET_H */
