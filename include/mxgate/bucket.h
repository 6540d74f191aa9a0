/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * The token bucket of DESIGN §3, as GCRA (the virtual-scheduling form of
 * the token bucket: ATM TM 4.0, redis-cell). The state of a key is one
 * 64-bit word, its theoretical arrival time 'tat', in ns on the clock of
 * now_ns, so that userspace can update it with a compare-and-swap and BPF
 * with an atomic cmpxchg. Adds and compares only: no multiply or divide
 * on the packet path.
 *
 * Parameters. T = interval_ns, the time one token takes to come back;
 * tau = tau_ns = (burst - 1) * T. An attempt at now conforms iff
 * tat <= now + tau; it then sets tat = max(tat, now) + T. Otherwise tat
 * is unchanged. A fresh key has tat = MXG_BUCKET_FRESH (0): any tat <= now
 * is a full bucket, and 0 does not depend on the clock.
 *
 * Why this is DESIGN §3's bucket. For a monotonic clock, with rate
 * 1/T, the invariant after each attempt at t (last = t) is
 *     tokens = burst - max(0, tat - t) / T.
 * Fresh: tat <= t, tokens = burst. Refill to t' >= t: burst -
 * max(0, tat - t)/T + (t' - t)/T, capped at burst, is burst -
 * max(0, tat - t')/T, since min(0, d - x) = -max(0, x - d) for the
 * debt x = max(0, tat - t) and d = t' - t. Then tokens >= 1 iff
 * max(0, tat - t') <= (burst - 1) T = tau, i.e. tat <= t' + tau; taking
 * one token adds T to the debt: max(0, tat - t') + T = max(tat, t') +
 * T - t'. The decisions are the same, with no rounding, whenever T is a
 * whole number of ns: N/s for N dividing 10^9, N/min for N dividing
 * 6*10^10, N/h for N dividing 3.6*10^12. Any other rate has its T
 * rounded to the nearest ns, at most 0.5 ns per token away from the
 * exact period: the k-th token after the bucket is drained comes back at
 * most k/2 ns early or late (test_bucket checks it).
 *
 * Clock going backwards (several workers, each with its own clock). An
 * attempt is judged at its own time, against the tat it reads: it
 * conforms iff tat <= now + tau. tat never decreases (max(tat, now) + T
 * >= tat + T), so a backward step never adds tokens: for a monotonic
 * clock this is the spec's max(0, t - last), with the 'last' that
 * matters, max(tat, now), kept monotonic. The bound of DESIGN holds with
 * several workers as long as tat is only advanced by compare-and-swap:
 * over any window [a, b] of attempt times, let k attempts conform. Each
 * one leaves tat >= its own time + T >= a + T, and each later one adds T
 * at least, so the k-th reads tat >= a + (k - 1) T, and it conformed:
 * a + (k - 1) T <= b + tau. So k <= burst + (b - a) / T, within the
 * burst + rate * T + 1 of DESIGN.
 *
 * Range, enforced by mxg_bucket_params_init: rates from 1/h to 10^9/s
 * (T from 3.6 * 10^12 ns down to 1 ns); bursts from 1 to
 * MXG_BUCKET_BURST_MAX (100,000), so tau < 3.6 * 10^17 < 2^59, and
 * max(tat, now) + T cannot overflow for any now_ns below 2^63 (the year
 * 2262). now_ns is a full 64-bit count of ns: nothing wraps.
 */
#ifndef MXGATE_BUCKET_H
#define MXGATE_BUCKET_H

#include "compat.h"

#define MXG_BUCKET_BURST_MAX 100000u
/* The state of a key never seen: a full bucket at any time. */
#define MXG_BUCKET_FRESH 0ULL

/* Compiled bucket parameters; part of the policy image ABI. */
struct mxg_bucket_params {
	uint64_t interval_ns; /* T: ns per token, rounded to nearest, >= 1 */
	uint64_t tau_ns;      /* (burst - 1) * T */
};
MXG_STATIC_ASSERT(sizeof(struct mxg_bucket_params) == 16,
		  "mxg_bucket_params layout");

/* Would an attempt at now_ns conform to the bucket whose state is 'tat'?
 * tat <= now + tau, without computing now + tau. */
MXG_INLINE int mxg_bucket_conforms(uint64_t tat, uint64_t now_ns,
				   const struct mxg_bucket_params *bp)
{
	return tat <= now_ns || tat - now_ns <= bp->tau_ns;
}

/*
 * One connection attempt at now_ns on the bucket whose state is 'tat'.
 * Returns 1 if the attempt conforms (*next = max(tat, now) + T), 0 if it
 * is over the limit (*next = tat). *next is the state to store.
 */
MXG_INLINE int mxg_bucket_take(uint64_t tat, uint64_t now_ns,
			       const struct mxg_bucket_params *bp,
			       uint64_t *next)
{
	if (!mxg_bucket_conforms(tat, now_ns, bp)) {
		*next = tat;
		return 0;
	}
	*next = (tat > now_ns ? tat : now_ns) + bp->interval_ns;
	return 1;
}

/*
 * Is this bucket full at now_ns, i.e. indistinguishable from a fresh one
 * (so that its entry can be forgotten losslessly)? Needs no parameters.
 */
MXG_INLINE int mxg_bucket_is_full(uint64_t tat, uint64_t now_ns)
{
	return tat <= now_ns;
}

#ifndef __bpf__
/*
 * Compile "count per period_s seconds, burst" into bucket parameters:
 * T = period / count rounded to the nearest ns (halves up), tau =
 * (burst - 1) * T. Control plane only. Returns 0, or -EINVAL (as -22, to
 * stay libc-free) when the rate or burst is outside the documented range.
 */
#define MXG_BUCKET_EINVAL 22
static inline int mxg_bucket_params_init(struct mxg_bucket_params *bp,
					 uint64_t count, uint64_t period_s,
					 uint64_t burst)
{
	uint64_t period_ns;

	if (count == 0 || period_s == 0 || period_s > 3600 || burst == 0 ||
	    burst > MXG_BUCKET_BURST_MAX)
		return -MXG_BUCKET_EINVAL;
	period_ns = period_s * 1000000000ULL;
	/* At most one token per ns. */
	if (count > period_ns)
		return -MXG_BUCKET_EINVAL;
	bp->interval_ns = (period_ns + count / 2) / count;
	bp->tau_ns = (burst - 1) * bp->interval_ns;
	return 0;
}
#endif

#endif /* MXGATE_BUCKET_H */
