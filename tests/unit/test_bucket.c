// SPDX-License-Identifier: BSD-3-Clause
/*
 * Token bucket tests (GCRA, include/mxgate/bucket.h): the DESIGN §3
 * semantics case by case, to the nanosecond; periodic senders at exactly
 * their limit (every attempt passes) and at twice it (exactly half pass
 * once the burst is spent), for token intervals from 1 ns to 1 h and
 * bursts 1, 2 and 100; the error bound for rates whose interval is not a
 * whole number of ns; and a property test against DESIGN §3's bucket in
 * exact rational arithmetic (tokens as an integer numerator, unsigned
 * __int128), over random schedules at and around the limit with
 * microsecond (pcap) and nanosecond (pcapng) timestamps: the decisions
 * must be identical, one by one. Schedules with the clock going
 * backwards are held to DESIGN's bound over every window instead.
 */
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "mxgate/bucket.h"

#define NS   1ULL
#define US   (1000 * NS)
#define MS   (1000 * US)
#define SEC  (1000 * MS)
#define HOUR (3600 * SEC)
#define DAY  (24 * HOUR)
#define T0   (1700000000ULL * SEC) /* a pcap-era timestamp */

typedef unsigned __int128 u128;
typedef __int128 i128;

static struct mxg_bucket_params params(uint64_t count, uint64_t period_s,
				       uint64_t burst)
{
	struct mxg_bucket_params bp;

	assert_int_equal(mxg_bucket_params_init(&bp, count, period_s, burst),
			 0);
	return bp;
}

/* Take at 'now' and store the new state; returns conform. */
static int take(uint64_t *state, uint64_t now,
		const struct mxg_bucket_params *bp)
{
	uint64_t next;
	int ok = mxg_bucket_take(*state, now, bp, &next);

	if (!ok)
		assert_int_equal(next, *state); /* over: unchanged */
	else
		assert_true(next > *state); /* tat only moves forward */
	*state = next;
	return ok;
}

/* How many of n attempts at the same instant conform. */
static unsigned int take_n(uint64_t *state, uint64_t now, unsigned int n,
			   const struct mxg_bucket_params *bp)
{
	unsigned int ok = 0;

	while (n--)
		ok += take(state, now, bp);
	return ok;
}

static void params_ranges(void **state)
{
	static const struct {
		uint64_t count, period, burst, interval;
	} good[] = {
		{ 20, 60, 10, 3 * SEC },
		{ 1, 3600, 1, HOUR },
		{ 1000000, 1, 1, US },
		{ 1000000000, 1, 1, 1 },
		{ 2000, 1, 4000, 500 * US },
		{ 200, 60, 50, 300 * MS },
		{ 1, 3600, 100000, HOUR },
		{ 7, 1, 3, 142857143 }, /* 142857142.86 */
		{ 1000000000, 1, 100000, 1 },
		{ 3, 1, 65536, 333333333 },	  /* .33 */
		{ 2, 3, 1, 1500000000 },	  /* period 3 s: whole */
		{ 600000000, 1, 1, 2 },		  /* 1.67 */
		{ 400000000, 1, 1, 3 },		  /* 2.5: halves up */
		{ 999999999, 1, 1, 1 },		  /* 1.000000001 */
		{ 7, 3600, 5, 514285714286 },	  /* .29 */
		{ 3600000000000ULL, 3600, 2, 1 }, /* 10^9/s written per hour */
	};
	struct mxg_bucket_params bp;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		u128 period = (u128)good[i].period * SEC;
		u128 tc;

		bp = params(good[i].count, good[i].period, good[i].burst);
		assert_int_equal(bp.interval_ns, good[i].interval);
		assert_true(bp.interval_ns >= 1);
		assert_int_equal(bp.tau_ns,
				 (good[i].burst - 1) * bp.interval_ns);
		/* Nearest: |T - period / count| <= 1/2, i.e.
		 * 2 |T count - period| <= count. */
		tc = (u128)bp.interval_ns * good[i].count;
		assert_true(2 * (tc > period ? tc - period : period - tc) <=
			    good[i].count);
	}
	assert_int_equal(mxg_bucket_params_init(&bp, 20, 60, 0),
			 -MXG_BUCKET_EINVAL);
	assert_int_equal(mxg_bucket_params_init(&bp, 20, 60, 100001),
			 -MXG_BUCKET_EINVAL);
	assert_int_equal(mxg_bucket_params_init(&bp, 0, 60, 10),
			 -MXG_BUCKET_EINVAL);
	assert_int_equal(mxg_bucket_params_init(&bp, 2000000000, 1, 10),
			 -MXG_BUCKET_EINVAL);
	assert_int_equal(mxg_bucket_params_init(&bp, 1, 0, 10),
			 -MXG_BUCKET_EINVAL);
	assert_int_equal(mxg_bucket_params_init(&bp, 1, 7200, 10),
			 -MXG_BUCKET_EINVAL);
}

static void first_sight_is_full(void **state)
{
	struct mxg_bucket_params bp = params(20, 60, 10);
	uint64_t s = MXG_BUCKET_FRESH;

	(void)state;
	/* Fresh is full at any time, the epoch included. */
	assert_true(mxg_bucket_is_full(s, 0));
	assert_true(mxg_bucket_is_full(s, T0));
	assert_int_equal(take_n(&s, T0, 10, &bp), 10);
	assert_int_equal(s, T0 + 10 * 3 * SEC);
	assert_int_equal(take(&s, T0, &bp), 0);
	assert_false(mxg_bucket_is_full(s, T0));
	/* Full again exactly when the tenth token is back. */
	assert_false(mxg_bucket_is_full(s, T0 + 30 * SEC - 1));
	assert_true(mxg_bucket_is_full(s, T0 + 30 * SEC));
}

static void refill_one_token_per_period(void **state)
{
	struct mxg_bucket_params bp = params(20, 60, 10); /* one per 3 s */
	uint64_t s = MXG_BUCKET_FRESH;

	(void)state;
	assert_int_equal(take_n(&s, T0, 10, &bp), 10);
	assert_int_equal(take(&s, T0 + 3 * SEC - 1, &bp), 0);
	assert_int_equal(take(&s, T0 + 3 * SEC, &bp), 1);
	assert_int_equal(take(&s, T0 + 3 * SEC + 1, &bp), 0);
	/* 4.5 tokens later: four conform, the half stays... */
	assert_int_equal(take_n(&s, T0 + 3 * SEC + 13500 * MS, 10, &bp), 4);
	/* ...and is a whole token 1.5 s later, not a ns before. */
	assert_int_equal(take(&s, T0 + 18 * SEC - 1, &bp), 0);
	assert_int_equal(take(&s, T0 + 18 * SEC, &bp), 1);
}

static void refill_caps_at_burst(void **state)
{
	struct mxg_bucket_params bp = params(200, 60, 50);
	uint64_t s = MXG_BUCKET_FRESH;

	(void)state;
	assert_int_equal(take_n(&s, T0, 50, &bp), 50);
	assert_int_equal(take_n(&s, T0 + HOUR, 100, &bp), 50);
	assert_true(mxg_bucket_is_full(s, T0 + 2 * HOUR));
}

static void over_limit_leaves_tokens(void **state)
{
	struct mxg_bucket_params bp = params(1, 1, 2); /* one per second */
	uint64_t s = MXG_BUCKET_FRESH;

	(void)state;
	assert_int_equal(take_n(&s, T0, 2, &bp), 2);
	/* Half a token refilled: over the limit (take() checks that the
	 * state is unchanged), and the half is kept. */
	assert_int_equal(take(&s, T0 + 500 * MS, &bp), 0);
	/* Repeated refusals do not consume it either. */
	assert_int_equal(take_n(&s, T0 + 700 * MS, 5, &bp), 0);
	assert_int_equal(take(&s, T0 + 1000 * MS, &bp), 1);
}

static void time_going_backwards(void **state)
{
	struct mxg_bucket_params bp = params(1, 1, 10);
	uint64_t s = MXG_BUCKET_FRESH, before;
	unsigned int ok = 0, i;

	(void)state;
	assert_int_equal(take_n(&s, T0 + 100 * SEC, 10, &bp), 10);
	/* At t = 90 s: over the limit, state unchanged. */
	before = s;
	assert_int_equal(take(&s, T0 + 90 * SEC, &bp), 0);
	assert_int_equal(s, before);
	/* With tokens in hand, a backwards step still spends one, and
	 * adds none: at 100 s, 8 are left. */
	s = MXG_BUCKET_FRESH;
	assert_int_equal(take(&s, T0 + 100 * SEC, &bp), 1);
	assert_int_equal(take(&s, T0 + 99 * SEC, &bp), 1);
	assert_int_equal(s, T0 + 102 * SEC);
	assert_int_equal(take_n(&s, T0 + 100 * SEC, 10, &bp), 8);
	/*
	 * It is judged at its own time: 9 tokens at 100 s are 8 at 99 s
	 * (a sender at 99 s would not have found the ninth).
	 */
	s = MXG_BUCKET_FRESH;
	assert_int_equal(take(&s, T0 + 100 * SEC, &bp), 1);
	assert_int_equal(take_n(&s, T0 + 99 * SEC, 10, &bp), 8);
	/* The backwards step is not re-credited: at 105 s there are 5
	 * tokens, not 10 (which "last = 90 s" would give, capped). */
	s = MXG_BUCKET_FRESH;
	assert_int_equal(take_n(&s, T0 + 100 * SEC, 10, &bp), 10);
	assert_int_equal(take(&s, T0 + 90 * SEC, &bp), 0);
	assert_int_equal(take_n(&s, T0 + 105 * SEC, 10, &bp), 5);
	/*
	 * Interleaved clocks (two workers 50 us apart): 2 x 100,000
	 * attempts from T0 - 50 us to T0 + 9.9999 s pass at most burst +
	 * floor(window / T) = 10 + 9 (bucket.h), and exactly that.
	 */
	s = MXG_BUCKET_FRESH;
	for (i = 0; i < 100000; i++) {
		uint64_t t = T0 + (uint64_t)i * 100 * US;

		ok += take(&s, t, &bp);
		ok += take(&s, t - 50 * US, &bp);
	}
	assert_int_equal(ok, 10 + 9);
}

static void long_idle_period(void **state)
{
	struct mxg_bucket_params bp = params(20, 60, 10);
	uint64_t s = MXG_BUCKET_FRESH, drained;

	(void)state;
	assert_int_equal(take_n(&s, T0, 10, &bp), 10);
	drained = s;
	assert_true(mxg_bucket_is_full(drained, T0 + DAY));
	assert_int_equal(take_n(&s, T0 + 10 * DAY, 20, &bp), 10);
	/* Nothing wraps: 13 days (the old tick field), a year, 100 years. */
	s = drained;
	assert_int_equal(take_n(&s, T0 + 13 * DAY + 1 * HOUR, 20, &bp), 10);
	s = drained;
	assert_int_equal(take_n(&s, T0 + 365 * DAY, 20, &bp), 10);
	s = drained;
	assert_int_equal(take_n(&s, T0 + 36500 * DAY, 20, &bp), 10);
	/* A slow bucket: 1/h, burst 100 refills over exactly 100 hours. */
	bp = params(1, 3600, 100);
	s = MXG_BUCKET_FRESH;
	assert_int_equal(take_n(&s, T0, 100, &bp), 100);
	assert_false(mxg_bucket_is_full(s, T0 + 100 * HOUR - 1));
	assert_true(mxg_bucket_is_full(s, T0 + 100 * HOUR));
	assert_int_equal(take_n(&s, T0 + 8 * DAY, 200, &bp), 100);
}

static void rate_one_per_hour(void **state)
{
	struct mxg_bucket_params bp = params(1, 3600, 1);
	uint64_t s = MXG_BUCKET_FRESH, t;
	unsigned int ok = 0;

	(void)state;
	assert_int_equal(take(&s, T0, &bp), 1);
	assert_int_equal(take(&s, T0 + HOUR - 1, &bp), 0);
	assert_int_equal(take(&s, T0 + HOUR, &bp), 1);
	/* Hammered every millisecond for 5 hours: one token an hour. */
	s = MXG_BUCKET_FRESH;
	for (t = T0; t < T0 + 5 * HOUR - SEC; t += MS)
		ok += take(&s, t, &bp);
	assert_int_equal(ok, 5);
}

static void rate_one_million_per_second(void **state)
{
	struct mxg_bucket_params bp = params(1000000, 1, 1);
	uint64_t s = MXG_BUCKET_FRESH, t;
	unsigned int ok = 0;

	(void)state;
	assert_int_equal(bp.interval_ns, US);
	/* Spaced exactly 1 us apart, burst 1: every attempt conforms. */
	for (t = T0; t < T0 + 10 * MS; t += US)
		ok += take(&s, t, &bp);
	assert_int_equal(ok, 10000);
	/* An attempt every 250 ns for 1 s: exactly one per us. */
	s = MXG_BUCKET_FRESH;
	ok = 0;
	for (t = T0; t < T0 + SEC; t += 250)
		ok += take(&s, t, &bp);
	assert_int_equal(ok, 1000000);
	/* Burst 4: the burst, then one per us after the first. */
	bp = params(1000000, 1, 4);
	s = MXG_BUCKET_FRESH;
	ok = 0;
	for (t = T0; t < T0 + SEC; t += 250)
		ok += take(&s, t, &bp);
	assert_int_equal(ok, 4 + 999999);
}

static void burst_of_one(void **state)
{
	struct mxg_bucket_params bp = params(60, 60, 1);
	uint64_t s = MXG_BUCKET_FRESH;

	(void)state;
	assert_int_equal(bp.tau_ns, 0);
	assert_int_equal(take(&s, T0, &bp), 1);
	assert_int_equal(take(&s, T0, &bp), 0);
	assert_int_equal(take(&s, T0 + 500 * MS, &bp), 0);
	assert_int_equal(take(&s, T0 + 1000 * MS - 1, &bp), 0);
	assert_int_equal(take(&s, T0 + 1000 * MS, &bp), 1);
	assert_int_equal(take_n(&s, T0 + 100 * SEC, 5, &bp), 1);
}

/*
 * A reload that lowers the burst gives the rule a new key id, so fresh
 * buckets; but a bucket judged under a smaller tau never gains tokens:
 * 10 taken at T0 under burst 10, burst 3 conforms again only once the
 * debt is down to 2 tokens.
 */
static void lowered_burst_adds_no_tokens(void **state)
{
	struct mxg_bucket_params big = params(1, 1, 10),
				 small = params(1, 1, 3);
	uint64_t s = MXG_BUCKET_FRESH;

	(void)state;
	assert_int_equal(take_n(&s, T0, 10, &big), 10);
	assert_int_equal(take_n(&s, T0 + 8 * SEC - 1, 3, &small), 0);
	assert_int_equal(take_n(&s, T0 + 8 * SEC, 3, &small), 1);
}

/* ---------------------------------------------------------------- */
/* Senders at exactly the limit, and at twice it */

struct periodic_rule {
	const char *what;
	uint64_t count, period_s, interval;
};

static const struct periodic_rule periodic_rules[] = {
	{ "1 ns", 1000000000, 1, 1 }, { "1 us", 1000000, 1, US },
	{ "1 ms", 1000, 1, MS },      { "50 ms", 20, 1, 50 * MS },
	{ "1 s", 1, 1, SEC },	      { "2 s", 30, 60, 2 * SEC },
	{ "1 h", 1, 3600, HOUR },
};
static const uint64_t periodic_bursts[] = { 1, 2, 100 };
/* Starts: a pcap second, an odd ns, far out (nothing wraps). */
static const uint64_t periodic_starts[] = { T0, T0 + 123456789, 1ULL << 62 };
#define PERIODIC_N 2000

static void periodic_at_limit(void **state)
{
	unsigned int r, b, st, k;

	(void)state;
	for (r = 0; r < sizeof(periodic_rules) / sizeof(periodic_rules[0]);
	     r++) {
		const struct periodic_rule *pr = &periodic_rules[r];

		for (b = 0; b < 3; b++) {
			struct mxg_bucket_params bp = params(
				pr->count, pr->period_s, periodic_bursts[b]);

			assert_int_equal(bp.interval_ns, pr->interval);
			for (st = 0; st < 3; st++) {
				uint64_t s = MXG_BUCKET_FRESH;

				for (k = 0; k < PERIODIC_N; k++) {
					uint64_t t = periodic_starts[st] +
						     k * pr->interval;

					if (!take(&s, t, &bp))
						fail_msg("every %s, burst "
							 "%" PRIu64
							 ": attempt %u refused",
							 pr->what,
							 periodic_bursts[b], k);
				}
			}
		}
	}
}

/*
 * At twice the rate (every T/2; for 1 ns, two attempts per ns), attempt
 * k (from 0) comes when B + floor(k/2) tokens have been supplied: the
 * first 2B attempts pass 2B - 1, and of every two later ones exactly one
 * passes: B + floor((N - 1) / 2) of N.
 */
static void periodic_at_twice_limit(void **state)
{
	unsigned int r, b, st, k;

	(void)state;
	for (r = 0; r < sizeof(periodic_rules) / sizeof(periodic_rules[0]);
	     r++) {
		const struct periodic_rule *pr = &periodic_rules[r];

		for (b = 0; b < 3; b++) {
			uint64_t burst = periodic_bursts[b];
			struct mxg_bucket_params bp =
				params(pr->count, pr->period_s, burst);

			for (st = 0; st < 3; st++) {
				uint64_t s = MXG_BUCKET_FRESH;
				unsigned int head = 0, tail = 0;

				for (k = 0; k < PERIODIC_N; k++) {
					uint64_t t = periodic_starts[st] +
						     k * pr->interval / 2;
					int ok = take(&s, t, &bp);

					if (k < 2 * burst)
						head += (unsigned int)ok;
					else
						tail += (unsigned int)ok;
				}
				if (head != 2 * burst - 1 ||
				    tail != (PERIODIC_N - 2 * burst) / 2)
					fail_msg("every %s / 2, burst %" PRIu64
						 ": %u + %u passed, want "
						 "%" PRIu64 " + %" PRIu64,
						 pr->what, burst, head, tail,
						 2 * burst - 1,
						 (PERIODIC_N - 2 * burst) / 2);
			}
		}
	}
}

/*
 * Rates whose interval is not a whole number of ns: T is the nearest ns,
 * so the k-th token after a drained burst-1 bucket is due at t0 + k T,
 * within k/2 ns of the exact t0 + k * period / count. Each token is
 * taken the ns it is due, and refused the ns before.
 */
static void inexact_interval_error_bound(void **state)
{
	static const struct {
		uint64_t count, period_s;
	} rates[] = {
		{ 3, 1 },	  { 7, 60 },	     { 7, 3600 },
		{ 13, 60 },	  { 999983, 1 },     { 300000000, 1 },
		{ 600000000, 1 }, { 999999999, 1 },  { 400000000, 1 },
		{ 11, 3600 },	  { 123456789, 60 },
	};
	unsigned int r, k;

	(void)state;
	for (r = 0; r < sizeof(rates) / sizeof(rates[0]); r++) {
		struct mxg_bucket_params bp =
			params(rates[r].count, rates[r].period_s, 1);
		u128 period = (u128)rates[r].period_s * SEC;
		uint64_t s = MXG_BUCKET_FRESH, due = T0;

		assert_int_equal(take(&s, T0, &bp), 1);
		for (k = 1; k <= 100000; k++) {
			/* exact: T0 + k * period / count, as a fraction */
			i128 err;

			due += bp.interval_ns;
			if (take(&s, due - 1, &bp) || !take(&s, due, &bp))
				fail_msg("%" PRIu64 " per %" PRIu64
					 " s: token %u not due at +%" PRIu64,
					 rates[r].count, rates[r].period_s, k,
					 due - T0);
			/* |due - exact| <= k/2, times 2 count */
			err = 2 * ((i128)(due - T0) * rates[r].count -
				   (i128)(k * period));
			if (err < 0)
				err = -err;
			assert_true(err <= (i128)k * rates[r].count);
		}
	}
}

/* ---------------------------------------------------------------- */
/* Property test against DESIGN §3 in exact rational arithmetic */

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double uniform(void)
{
	return (double)(rng() >> 11) / 9007199254740992.0;
}

/*
 * DESIGN §3's bucket, exactly: rate = count / period tokens per ns, so
 * tokens are kept as an integer numerator over 'period' (num = tokens *
 * period). First sight: num = burst * period, last = t. Refill: num =
 * min(burst * period, num + (t - last) * count), last = t (t >= last:
 * monotonic schedules). Conform iff num >= period; then num -= period.
 */
struct exact_model {
	u128 num, cap, cost, per_ns;
	uint64_t last;
	int seen;
};

static void exact_init(struct exact_model *m, uint64_t count,
		       uint64_t period_ns, uint64_t burst)
{
	m->cost = period_ns;
	m->cap = (u128)burst * period_ns;
	m->per_ns = count;
	m->seen = 0;
}

static int exact_take(struct exact_model *m, uint64_t t)
{
	if (!m->seen) {
		m->seen = 1;
		m->num = m->cap;
		m->last = t;
	}
	assert_true(t >= m->last);
	m->num += (u128)(t - m->last) * m->per_ns;
	if (m->num > m->cap)
		m->num = m->cap;
	m->last = t;
	if (m->num >= m->cost) {
		m->num -= m->cost;
		return 1;
	}
	return 0;
}

struct rule_case {
	uint64_t count, period, burst;
};

#define PROPERTY_ATTEMPTS 20000

/* Timestamps of a pcap (whole us) or a pcapng (any ns). */
enum { RES_US, RES_NS };

static uint64_t at_res(uint64_t t, int res)
{
	return res == RES_US ? t - t % US : t;
}

/*
 * One random monotonic schedule around the limit. Gaps are exponential
 * with a mean of 'spacing' token intervals, with idle spells; one
 * attempt in 5 is placed on the ns the next token is due (or the ns
 * before), where rounding would show, and one in 20 at the same time as
 * the last. Returns attempts that conformed; fails at the first decision
 * that differs from the exact model.
 */
static uint64_t property_run(const struct rule_case *rc, double spacing,
			     int res, uint64_t start)
{
	struct mxg_bucket_params bp = params(rc->count, rc->period, rc->burst);
	uint64_t period_ns = rc->period * SEC;
	struct exact_model em;
	uint64_t s = MXG_BUCKET_FRESH, now = at_res(start, res), ok = 0;
	unsigned int i;

	/*
	 * Whole-ns intervals against the nominal rate; others against the
	 * compiled one (1 / T exactly: the bound is inexact_interval_*).
	 */
	if (period_ns % rc->count == 0)
		exact_init(&em, rc->count, period_ns, rc->burst);
	else
		exact_init(&em, 1, bp.interval_ns, rc->burst);
	for (i = 0; i < PROPERTY_ATTEMPTS; i++) {
		double u = uniform();
		uint64_t next = now;
		int f, e;

		if (i > 0 && u < 0.2 && s > bp.tau_ns) {
			/* the first ns the next token is due, or the one
			 * before (never going back) */
			uint64_t due = s - bp.tau_ns - (uniform() < 0.5);

			if (due > now)
				next = due;
		} else if (u < 0.25) {
			next = now; /* same timestamp */
		} else {
			double gap = -log(1.0 - uniform()) * spacing *
				     (double)bp.interval_ns;

			if (uniform() < 0.01)
				gap *= 50; /* an idle spell */
			next = now + (uint64_t)gap;
		}
		/* Rounding down to the us keeps it monotonic. */
		next = at_res(next, res);
		if (next < now)
			next = now;
		now = next;
		f = take(&s, now, &bp);
		e = exact_take(&em, now);
		if (f != e)
			fail_msg("rule %" PRIu64 "/%" PRIu64 "s burst %" PRIu64
				 ", spacing %.2f, %s: attempt %u at +%" PRIu64
				 " ns: bucket %d, exact %d",
				 rc->count, rc->period, rc->burst, spacing,
				 res == RES_US ? "us" : "ns", i, now - start, f,
				 e);
		ok += (uint64_t)f;
	}
	return ok;
}

/*
 * With the clock going backwards (two workers whose clocks interleave,
 * reordering by up to 5 intervals): over every window [a, b] of attempt
 * times, conforming attempts k <= burst + (b - a) / T (bucket.h), in
 * exact integers: k T - (b - a) <= burst T.
 */
static void backwards_run(const struct rule_case *rc, double spacing)
{
	struct mxg_bucket_params bp = params(rc->count, rc->period, rc->burst);
	static uint64_t times[PROPERTY_ATTEMPTS];
	uint64_t s = MXG_BUCKET_FRESH, now = T0, n = 0, i, j;
	i128 best = 0, min_prefix = 0;

	for (i = 0; i < PROPERTY_ATTEMPTS; i++) {
		uint64_t t;

		now += (uint64_t)(-log(1.0 - uniform()) * spacing *
				  (double)bp.interval_ns);
		t = now;
		if (uniform() < 0.3)
			t -= (uint64_t)(uniform() * 5 * (double)bp.interval_ns);
		if (take(&s, t, &bp))
			times[n++] = t;
	}
	/* sort the conforming times (insertion: nearly sorted) */
	for (i = 1; i < n; i++) {
		uint64_t x = times[i];

		for (j = i; j > 0 && times[j - 1] > x; j--)
			times[j] = times[j - 1];
		times[j] = x;
	}
	/* max over i <= j of (j - i + 1) T - (t_j - t_i) */
	for (j = 0; j < n; j++) {
		i128 v = (i128)j * bp.interval_ns - times[j];

		if (j == 0 || v < min_prefix)
			min_prefix = v;
		if (v - min_prefix + (i128)bp.interval_ns > best)
			best = v - min_prefix + (i128)bp.interval_ns;
	}
	if (best > (i128)rc->burst * bp.interval_ns)
		fail_msg("rule %" PRIu64 "/%" PRIu64 "s burst %" PRIu64
			 ": a window passed more than burst + rate * T",
			 rc->count, rc->period, rc->burst);
}

static void property_against_exact_model(void **state)
{
	static const struct rule_case cases[] = {
		{ 20, 60, 10 },	    { 200, 60, 50 },	  { 2000, 1, 4000 },
		{ 1, 3600, 1 },	    { 1, 3600, 3 },	  { 1000000, 1, 1 },
		{ 1000000, 1, 64 }, { 1, 1, 1 },	  { 100000, 1, 100000 },
		{ 100, 1, 1 },	    { 1000000000, 1, 1 }, { 5, 3600, 1000 },
		{ 20, 1, 2 },	    { 30, 60, 100 },	  { 1, 3600, 100000 },
		{ 7, 1, 3 },	    { 13, 60, 1 },	  { 999983, 1, 77 },
	};
	/* Mean gaps in token intervals: floods, at, and under the limit. */
	static const double spacings[] = { 0.05, 0.3, 0.9, 1.0, 1.5 };
	unsigned int c, k, res;
	const char *seed_env = getenv("MXG_TEST_SEED");
	uint64_t seed = seed_env ? strtoull(seed_env, NULL, 0) : 20261206;
	uint64_t runs = 0, passed = 0;

	(void)state;
	print_message("  seed %" PRIu64 " (set MXG_TEST_SEED to vary)\n", seed);
	rng_state = seed;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		for (k = 0; k < sizeof(spacings) / sizeof(spacings[0]); k++)
			for (res = RES_US; res <= RES_NS; res++) {
				passed += property_run(&cases[c], spacings[k],
						       res, T0 + rng() % SEC);
				runs++;
			}
	/* Random rules too, half of them with whole-ns intervals. */
	for (c = 0; c < 60; c++) {
		static const uint64_t periods[] = { 1, 60, 3600 };
		static const uint64_t divisors[] = { 1,	   2,	 5,    8,
						     10,   16,	 25,   40,
						     125,  1000, 3125, 15625,
						     78125 };
		struct rule_case rc = {
			.period = periods[rng() % 3],
			.burst = 1 + (rng() % 4 ? rng() % 20 : rng() % 5000),
		};

		rc.count = c & 1 ? 1 + rng() % 100000 :
				   divisors[rng() % 13] * rc.period;
		passed += property_run(&rc, 0.05 + 1.45 * uniform(),
				       (int)(c >> 1 & 1),
				       c % 3 ? T0 + rng() % HOUR :
					       (1ULL << 62) + rng() % HOUR);
		runs++;
	}
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		backwards_run(&cases[c], c % 2 ? 0.3 : 1.0);
	print_message("  %" PRIu64 " schedules of %u attempts, %" PRIu64
		      " conformed: every decision exact\n",
		      runs, PROPERTY_ATTEMPTS, passed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(params_ranges),
		cmocka_unit_test(first_sight_is_full),
		cmocka_unit_test(refill_one_token_per_period),
		cmocka_unit_test(refill_caps_at_burst),
		cmocka_unit_test(over_limit_leaves_tokens),
		cmocka_unit_test(time_going_backwards),
		cmocka_unit_test(long_idle_period),
		cmocka_unit_test(rate_one_per_hour),
		cmocka_unit_test(rate_one_million_per_second),
		cmocka_unit_test(burst_of_one),
		cmocka_unit_test(lowered_burst_adds_no_tokens),
		cmocka_unit_test(periodic_at_limit),
		cmocka_unit_test(periodic_at_twice_limit),
		cmocka_unit_test(inexact_interval_error_bound),
		cmocka_unit_test(property_against_exact_model),
	};

	return cmocka_run_group_tests_name("token bucket", tests, NULL, NULL);
}
