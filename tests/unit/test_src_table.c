// SPDX-License-Identifier: BSD-3-Clause
/*
 * Source table tests: the take semantics, sizes (16 bytes per entry) and
 * bad arguments; the eviction order in the smallest table driven far
 * past full (full buckets first, drained ones kept; else the one full
 * again soonest); how often an insert must evict while the table fills;
 * and concurrency: no duplicate keys when threads insert the same new
 * keys into a 40%-full table (so that some go to their second line), the
 * per-key conformance bound under two threads hammering shared keys, a
 * random-source insert storm at full occupancy, and takes on a key while
 * its buckets are churned.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "src_table.h"

#define US   1000ULL
#define MS   (1000 * US)
#define SEC  (1000 * MS)
#define HOUR (3600 * SEC)
#define T0   (1700000000ULL * SEC)

#define RULE_SLOW   1u /* 1/h, burst 5: never refills within a test */
#define RULE_FAST   2u /* 1000/s, burst 2: a token back every 1 ms */
#define RULE_HOT    3u /* 1/h, burst 1: soonest full after one take */
#define RULE_ORPHAN 99u

struct rules {
	uint32_t n;
	uint32_t id[4];
	struct mxg_bucket_params bp[4];
};

static const struct mxg_bucket_params *resolve(const void *ctx, uint32_t id)
{
	const struct rules *r = ctx;
	uint32_t i;

	for (i = 0; i < r->n; i++)
		if (r->id[i] == id)
			return &r->bp[i];
	return NULL;
}

static struct mxg_bucket_params params(uint64_t count, uint64_t period_s,
				       uint64_t burst)
{
	struct mxg_bucket_params bp;

	assert_int_equal(mxg_bucket_params_init(&bp, count, period_s, burst),
			 0);
	return bp;
}

static struct rules default_rules(void)
{
	struct rules r = { 0 };

	r.id[0] = RULE_SLOW;
	r.bp[0] = params(1, 3600, 5);
	r.id[1] = RULE_FAST;
	r.bp[1] = params(1000, 1, 2);
	r.n = 2;
	return r;
}

static struct mxg_src_key key4(uint32_t key_id, uint32_t ip)
{
	struct mxg_src_key k;

	memset(&k, 0, sizeof(k));
	k.key_id = key_id;
	k.addr[10] = 0xff;
	k.addr[11] = 0xff;
	k.addr[12] = (uint8_t)(ip >> 24);
	k.addr[13] = (uint8_t)(ip >> 16);
	k.addr[14] = (uint8_t)(ip >> 8);
	k.addr[15] = (uint8_t)ip;
	return k;
}

static struct mxg_src_table *table(uint64_t n)
{
	struct mxg_src_table *t = NULL;

	assert_int_equal(mxg_src_table_create(&t, n), 0);
	assert_non_null(t);
	return t;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

/* A take under the rule 'id' of 'r'. */
static int take(struct mxg_src_table *t, const struct rules *r, uint32_t id,
		uint32_t ip, uint64_t now, struct mxg_src_table_stats *st)
{
	struct mxg_src_key k = key4(id, ip);
	const struct mxg_bucket_params *bp = resolve(r, id);

	assert_non_null(bp);
	return mxg_src_table_take(t, &k, now, bp, st);
}

static int present(struct mxg_src_table *t, uint32_t id, uint32_t ip)
{
	struct mxg_src_key k = key4(id, ip);

	return mxg_src_table_peek(t, &k, NULL) == 0;
}

/* ---------------------------------------------------------------- */
/* Basics */

static void burst_then_refuse(void **state)
{
	struct mxg_src_table_stats st = { 0 };
	struct rules r = { 0 };
	struct mxg_src_table *t = table(1024);
	int i;

	(void)state;
	r.id[0] = 7;
	r.bp[0] = params(20, 60, 10); /* 20/min: one token per 3 s */
	r.n = 1;
	for (i = 0; i < 10; i++)
		assert_int_equal(take(t, &r, 7, 0x0a000001, T0, &st), 1);
	assert_int_equal(take(t, &r, 7, 0x0a000001, T0, &st), 0);
	assert_int_equal(take(t, &r, 7, 0x0a000001, T0 + 2 * SEC, &st), 0);
	/* 3 s refill one token, exactly: not a ns earlier. */
	assert_int_equal(take(t, &r, 7, 0x0a000001, T0 + 3 * SEC - 1, &st), 0);
	assert_int_equal(take(t, &r, 7, 0x0a000001, T0 + 3 * SEC, &st), 1);
	assert_int_equal(take(t, &r, 7, 0x0a000001, T0 + 3 * SEC, &st), 0);
	assert_int_equal(st.takes, 15);
	assert_int_equal(st.inserts, 1);
	assert_int_equal(st.evict_lossless + st.evict_lossy, 0);
	assert_int_equal(st.cas_retries, 0);
	mxg_src_table_destroy(t);
}

static void keys_independent(void **state)
{
	struct mxg_src_table_stats st = { 0 };
	struct rules r = default_rules();
	struct mxg_src_table *t = table(1024);
	int i;

	(void)state;
	for (i = 0; i < 5; i++)
		assert_int_equal(take(t, &r, RULE_SLOW, 1, T0, &st), 1);
	assert_int_equal(take(t, &r, RULE_SLOW, 1, T0, &st), 0);
	/* Another address, and the same address under another rule. */
	assert_int_equal(take(t, &r, RULE_SLOW, 2, T0, &st), 1);
	assert_int_equal(take(t, &r, RULE_FAST, 1, T0, &st), 1);
	assert_int_equal(take(t, &r, RULE_FAST, 1, T0, &st), 1);
	assert_int_equal(take(t, &r, RULE_FAST, 1, T0, &st), 0);
	assert_int_equal(take(t, &r, RULE_SLOW, 1, T0 + SEC, &st), 0);
	assert_int_equal(st.inserts, 3);
	assert_int_equal(mxg_src_table_count(t), 3);
	mxg_src_table_destroy(t);
}

static void peek_state(void **state)
{
	struct mxg_src_table_stats st = { 0 };
	struct rules r = default_rules();
	struct mxg_src_table *t = table(64);
	struct mxg_src_key k = key4(RULE_FAST, 0xc0000201);
	uint64_t s = 0, want;

	(void)state;
	assert_int_equal(mxg_src_table_peek(t, &k, &s), -ENOENT);
	assert_int_equal(mxg_src_table_take(t, &k, T0, &r.bp[1], &st), 1);
	assert_int_equal(mxg_bucket_take(MXG_BUCKET_FRESH, T0, &r.bp[1], &want),
			 1);
	assert_int_equal(want, T0 + MS); /* tat: one token (1 ms) out */
	assert_int_equal(mxg_src_table_peek(t, &k, &s), 0);
	assert_int_equal(s, want);
	assert_int_equal(mxg_src_table_peek(t, &k, NULL), 0);
	/* Peeking changes nothing. */
	assert_int_equal(mxg_src_table_peek(t, &k, &s), 0);
	assert_int_equal(s, want);
	k.addr[15] ^= 1;
	assert_int_equal(mxg_src_table_peek(t, &k, &s), -ENOENT);
	mxg_src_table_destroy(t);
}

static void count_keys(void **state)
{
	struct mxg_src_table_stats st = { 0 };
	struct rules r = default_rules();
	struct mxg_src_table *t = table(4096);
	uint32_t i;

	(void)state;
	assert_int_equal(mxg_src_table_count(t), 0);
	for (i = 0; i < 100; i++)
		take(t, &r, RULE_SLOW, 0x0a000000 + i, T0 + i, &st);
	for (i = 0; i < 100; i++)
		take(t, &r, RULE_SLOW, 0x0a000000 + i, T0 + SEC, &st);
	/* 100 keys in 1024 buckets of 4: no bucket overflows (p < 1e-4). */
	assert_int_equal(st.evict_lossless + st.evict_lossy, 0);
	assert_int_equal(st.inserts, 100);
	assert_int_equal(mxg_src_table_count(t), 100);
	for (i = 0; i < 100; i++)
		assert_true(present(t, RULE_SLOW, 0x0a000000 + i));
	mxg_src_table_destroy(t);
}

static void capacity_and_memory(void **state)
{
	static const struct {
		uint64_t ask, want;
	} rows[] = {
		{ 1, 128 },	{ 128, 128 },	{ 129, 256 },
		{ 1000, 1024 }, { 1025, 2048 },
	};
	struct mxg_src_table *t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		t = table(rows[i].ask);
		assert_int_equal(mxg_src_table_capacity(t), rows[i].want);
		assert_true(mxg_src_table_memory(t) >= rows[i].want * 16);
		mxg_src_table_destroy(t);
	}
	/* The goal: 16M entries at <= 16 bytes each, all overhead included
	 * (the header is a few hundred bytes: 16.00002). */
	t = table(16ULL << 20);
	assert_int_equal(mxg_src_table_capacity(t), 16ULL << 20);
	assert_true(mxg_src_table_memory(t) <=
		    16 * mxg_src_table_capacity(t) + 4096);
	print_message("16M entries: %zu bytes, %.2f bytes per entry\n",
		      mxg_src_table_memory(t),
		      (double)mxg_src_table_memory(t) /
			      (double)mxg_src_table_capacity(t));
	mxg_src_table_destroy(t);
}

static void bad_arguments(void **state)
{
	struct mxg_src_table *t = (struct mxg_src_table *)&t;
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);

	(void)state;
	assert_int_equal(mxg_src_table_create(NULL, 16), -EINVAL);
	assert_int_equal(mxg_src_table_create(&t, 0), -EINVAL);
	assert_null(t);
	assert_int_equal(mxg_src_table_create(&t, UINT64_MAX), -EINVAL);
	assert_int_equal(mxg_src_table_create(&t, (1ULL << 30) + 1), -EINVAL);
	assert_int_equal(mxg_src_table_create(&t, 1ULL << 62), -EINVAL);
	assert_null(t);
	/* 2^30 entries need 16 GiB: more than this machine may have. */
	if ((uint64_t)pages * (uint64_t)psz < (16ULL << 30)) {
		assert_int_equal(mxg_src_table_create(&t, 1ULL << 30), -ENOMEM);
		assert_null(t);
	}
	mxg_src_table_destroy(NULL);
}

/* ---------------------------------------------------------------- */
/*
 * Eviction, in the smallest table (32 lines of 4: 128 slots), driven
 * far past full. DESIGN §3: a bucket that is full again is
 * indistinguishable from a fresh one, so it goes first (lossless); a
 * drained bucket (an offender's) is kept over full ones. When no
 * candidate is full, the bucket that will be full again soonest (the
 * oldest tat) goes (lossy, counted).
 */
#define EVICT_CAP 128
/*
 * A new key is placed in its first line or, when that line has nothing
 * free or full, in its second. Only a key whose two lines both hold four
 * drained buckets must evict one (lossy), so the test keeps that out of
 * reach of chance: 8 offenders in 32 lines make a line of four offenders
 * a 1-in-500 event and a pair of them a 1-in-a-million one, whatever the
 * table's random seed. (With 24, some seeds did give one lossy eviction.)
 */
#define EVICT_OFFENDERS 8
#define EVICT_FLOOD	20000

static void evict_full_first(void **state)
{
	struct mxg_src_table_stats st = { 0 };
	struct rules r = default_rules();
	struct mxg_src_table *t = table(EVICT_CAP);
	uint64_t s, now;
	uint32_t i;

	(void)state;
	assert_int_equal(mxg_src_table_capacity(t), EVICT_CAP);
	r.id[2] = RULE_HOT;
	r.bp[2] = params(1, 3600, 1);
	r.n = 3;
	/* Offenders: drained buckets (1/h, burst 1, one take). */
	for (i = 0; i < EVICT_OFFENDERS; i++)
		assert_int_equal(take(t, &r, RULE_HOT, 0xc6336400 + i, T0, &st),
				 1);
	/*
	 * A flood of new sources, 2 ms apart under 1000/s: each is full
	 * again before the next arrives. The table fills up, then every
	 * insert evicts, and always a full bucket: never an offender.
	 */
	now = T0;
	for (i = 0; i < EVICT_FLOOD; i++) {
		now += 2 * MS;
		assert_int_equal(
			take(t, &r, RULE_FAST, 0x0a000000 + i, now, &st), 1);
	}
	assert_int_equal(st.inserts, EVICT_OFFENDERS + EVICT_FLOOD);
	assert_int_equal(st.evict_lossy, 0);
	assert_true(st.evict_lossless >= EVICT_FLOOD - EVICT_CAP);
	assert_int_equal(mxg_src_table_count(t), EVICT_CAP);
	/* the O(1) occupancy the engines export */
	assert_int_equal(mxg_src_table_entries(&st, EVICT_CAP), EVICT_CAP);
	for (i = 0; i < EVICT_OFFENDERS; i++) {
		struct mxg_src_key k = key4(RULE_HOT, 0xc6336400 + i);

		assert_int_equal(mxg_src_table_peek(t, &k, &s), 0);
		assert_int_equal(s, T0 + HOUR); /* still drained */
		assert_int_equal(
			take(t, &r, RULE_HOT, 0xc6336400 + i, now, &st), 0);
	}
	print_message("evict_full_first: %" PRIu64
		      " lossless evictions, %" PRIu64
		      " keys in their second line\n",
		      st.evict_lossless, st.second);
	mxg_src_table_destroy(t);
}

static void evict_oldest_when_none_full(void **state)
{
	struct mxg_src_table_stats st = { 0 };
	struct rules r = default_rules();
	struct mxg_src_table *t = table(EVICT_CAP);
	uint32_t i, kept_old = 0, kept_new = 0;

	(void)state;
	/*
	 * Slow buckets (1/h) taken 1 us apart: none is full again, and an
	 * older key's tat is older. Every insert past full is lossy and
	 * evicts the oldest of its (at most 8) candidates, so the newest
	 * keys survive and the oldest do not.
	 */
	for (i = 0; i < 8 * EVICT_CAP; i++)
		assert_int_equal(take(t, &r, RULE_SLOW, 0x0b000000 + i,
				      T0 + i * US, &st),
				 1);
	assert_int_equal(st.evict_lossless, 0);
	/*
	 * Every eviction removes one key. A key goes to its second line only
	 * when its first is full and the second has room, so a slot of a
	 * line that is nobody's overflow may stay empty (the seed decides):
	 * a few at most.
	 */
	assert_int_equal(mxg_src_table_count(t), st.inserts - st.evict_lossy);
	assert_int_equal(mxg_src_table_entries(&st, EVICT_CAP),
			 mxg_src_table_count(t));
	assert_true(mxg_src_table_count(t) >= EVICT_CAP - EVICT_CAP / 16);
	for (i = 0; i < EVICT_CAP; i++) {
		kept_old += present(t, RULE_SLOW, 0x0b000000 + i);
		kept_new +=
			present(t, RULE_SLOW, 0x0b000000 + 7 * EVICT_CAP + i);
	}
	/* The last key is always kept; the first 128 are nearly all gone. */
	assert_true(present(t, RULE_SLOW, 0x0b000000 + 8 * EVICT_CAP - 1));
	assert_true(kept_new > 4 * kept_old);
	print_message("evict_oldest: kept %u of the oldest 128, %u of the "
		      "newest 128\n",
		      kept_old, kept_new);
	mxg_src_table_destroy(t);
}

/*
 * The same order at any time scale (main's evict_at_large_times, on this
 * table): times near 2^50 and 2^62 ns; the oldest goes while none is
 * full, and an hour later every bucket is full again: lossless.
 */
static void evict_at_large_times(void **state)
{
	static const uint64_t bases[] = { 1ULL << 50, 1ULL << 62 };
	size_t b;

	(void)state;
	for (b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		struct mxg_src_table_stats st = { 0 };
		struct rules r = default_rules();
		struct mxg_src_table *t = table(EVICT_CAP);
		const uint64_t base = bases[b];
		uint32_t i, kept_old = 0, kept_new = 0;

		for (i = 0; i < 8 * EVICT_CAP; i++)
			assert_int_equal(take(t, &r, RULE_SLOW, 0x0d000000 + i,
					      base + i * US, &st),
					 1);
		assert_int_equal(st.evict_lossless, 0);
		/* As in evict_oldest_when_none_full: a few slots may stay
		 * empty, and every eviction removes one key. */
		assert_int_equal(mxg_src_table_count(t),
				 st.inserts - st.evict_lossy);
		assert_true(mxg_src_table_count(t) >=
			    EVICT_CAP - EVICT_CAP / 16);
		for (i = 0; i < EVICT_CAP; i++) {
			kept_old += present(t, RULE_SLOW, 0x0d000000 + i);
			kept_new += present(t, RULE_SLOW,
					    0x0d000000 + 7 * EVICT_CAP + i);
		}
		assert_true(
			present(t, RULE_SLOW, 0x0d000000 + 8 * EVICT_CAP - 1));
		assert_true(kept_new > 4 * kept_old);
		/* An hour later all are full again: lossless. */
		take(t, &r, RULE_SLOW, 0x0e000000, base + HOUR + SEC, &st);
		assert_int_equal(st.evict_lossless, 1);
		mxg_src_table_destroy(t);
	}
}

static void evict_soonest_full(void **state)
{
	struct mxg_src_table_stats st = { 0 };
	struct rules r = default_rules();
	struct mxg_src_table *t = table(EVICT_CAP);
	uint32_t i;

	(void)state;
	r.id[2] = RULE_HOT;
	r.bp[2] = params(1, 3600, 1);
	r.n = 3;
	/* One key full again soonest (tat T0 + 1h), then later ones. */
	take(t, &r, RULE_HOT, 1, T0, &st);
	for (i = 0; i < 16 * EVICT_CAP && present(t, RULE_HOT, 1); i++)
		take(t, &r, RULE_SLOW, 0x0c000000 + i, T0 + SEC + i * US, &st);
	/* It is the first to go when its line is hit with no room. */
	assert_false(present(t, RULE_HOT, 1));
	assert_int_equal(st.evict_lossless, 0);
	mxg_src_table_destroy(t);
}

/*
 * Premature evictions. One thread fills a table with new random keys
 * (slow rule: nothing refills, every eviction is lossy) to 50% and then
 * 90% occupancy, counting the inserts that found no free slot and had to
 * evict: over the whole fill, and over a window of EVICT_WINDOW inserts
 * at each point (the rate at that occupancy; the window moves it by at
 * most 1.6%).
 *
 * The bounds. Filling buckets of 4 slots with random keys, let s_i be
 * the fraction of buckets holding at least i keys, and time t the
 * inserts per bucket. With one bucket per key, ds_i/dt = s_{i-1} - s_i
 * (Poisson) and an insert evicts with probability s_4; with the less
 * loaded of two independent buckets (greedy two-choice),
 * ds_i/dt = s_{i-1}^2 - s_i^2 and it evicts with probability s_4^2
 * (both full). Integrated (Mitzenmacher's fluid limit; simulations of
 * 2^20 buckets agree within the window's drift):
 *
 *                     one bucket           two choices
 *   occupancy      rate   whole fill     rate    whole fill
 *     50%          0.159    0.042        0.0003    0.00001
 *     90%          0.755    0.300        0.468     0.061
 *
 * The table (include/mxgate/src_table.h) inserts into the first line
 * while it has room, and into the second only when the first is full,
 * so that a lookup reads one line: that gives 0.027 at 50% and 0.58 at
 * 90% (measured: 0.0276 and 0.577; whole fills 0.0038 and 0.124). The
 * price of one line per lookup; these evictions are lossless whenever a
 * candidate is full again, which in a flood most are. The asserted
 * bounds leave a margin for sampling (a window of 4096 inserts,
 * binomial: sd < 0.008) and still fail the one-bucket design:
 *   50%: rate < 0.05, whole fill < 0.01;
 *   90%: rate < 0.65, whole fill < 0.2.
 */
#define EVICT_TABLE  (1u << 18)
#define EVICT_WINDOW 4096

struct fill_state {
	struct mxg_src_table *t;
	struct rules r;
	struct mxg_src_table_stats st;
	uint64_t x;   /* random keys */
	uint64_t now; /* 1 us per insert */
};

static uint64_t evictions(const struct mxg_src_table_stats *st)
{
	return st->evict_lossless + st->evict_lossy;
}

static void fill_one(struct fill_state *f)
{
	struct mxg_src_key k;

	memset(&k, 0, sizeof(k));
	k.key_id = RULE_SLOW;
	f->x = f->x * 6364136223846793005ULL + 1442695040888963407ULL;
	memcpy(k.addr, &f->x, 8);
	f->x = f->x * 6364136223846793005ULL + 1442695040888963407ULL;
	memcpy(k.addr + 8, &f->x, 8);
	f->now += US;
	assert_int_equal(
		mxg_src_table_take(f->t, &k, f->now, &f->r.bp[0], &f->st), 1);
}

/* Fill to 'occupancy'; *whole: the evicting fraction since the start. */
static void fill_to(struct fill_state *f, double occupancy, double *whole,
		    double *rate)
{
	uint64_t cap = mxg_src_table_capacity(f->t);
	uint64_t target = (uint64_t)(occupancy * (double)cap), ins0, ev0;
	int i;

	while (f->st.inserts - evictions(&f->st) < target)
		fill_one(f);
	*whole = (double)evictions(&f->st) / (double)f->st.inserts;
	ins0 = f->st.inserts;
	ev0 = evictions(&f->st);
	for (i = 0; i < EVICT_WINDOW; i++)
		fill_one(f);
	*rate = (double)(evictions(&f->st) - ev0) /
		(double)(f->st.inserts - ins0);
	assert_int_equal(f->st.evict_lossless, 0);
	assert_int_equal(mxg_src_table_count(f->t),
			 f->st.inserts - evictions(&f->st));
}

static void premature_eviction(void **state)
{
	struct fill_state f;
	double whole50, rate50, whole90, rate90;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.t = table(EVICT_TABLE);
	f.r = default_rules();
	f.x = (uint64_t)mono_ns();
	f.now = T0;
	fill_to(&f, 0.50, &whole50, &rate50);
	fill_to(&f, 0.90, &whole90, &rate90);
	print_message("premature_eviction: inserts that evicted at 50%%: "
		      "%.5f (whole fill %.6f), at 90%%: %.4f (whole fill "
		      "%.4f)\n",
		      rate50, whole50, rate90, whole90);
	assert_true(rate50 < 0.05);
	assert_true(whole50 < 0.01);
	assert_true(rate90 < 0.65);
	assert_true(whole90 < 0.2);
	mxg_src_table_destroy(f.t);
}

/* ---------------------------------------------------------------- */
/* Concurrency */

/*
 * No duplicates across the two buckets. The table is first filled to
 * 25% with other keys, so that about 30% of the new keys find their
 * second bucket less loaded and go there (greedy two-choice at 25-31%
 * occupancy). Then 4 threads take from the same new keys, in rounds of
 * DUP_KEYS keys that all of them walk in the same order, yielding now and
 * then so that all four interleave on fewer cores. (A thread that falls
 * behind finds keys faster than the leader inserts them, so it catches
 * up: two running threads keep racing for the same new keys.) Each key
 * must be inserted exactly once: if only the first bucket were
 * re-checked under the locks, a thread that missed a key while another
 * was putting it into its second bucket would insert it a second time.
 */
#define DUP_THREADS 4
#define DUP_ROUNDS  16
#define DUP_KEYS    4096
#define DUP_TABLE   (1u << 20)
#define DUP_PREFILL (DUP_TABLE * 2 / 5)

struct dup_ctx {
	struct mxg_src_table *t;
	const struct rules *r;
	pthread_barrier_t *barrier;
	int id;
	uint64_t conform;
	struct mxg_src_table_stats st;
};

/*
 * The CPU's line scan (selects) finds the same slots and times as the
 * branchy pass the XDP program runs, which the differential tests hold to
 * the engine's verdicts, on any line.
 */
static void scan_matches_reference(void **state)
{
	uint64_t rng = 0x9e3779b97f4a7c15ULL, now = 1000;
	uint32_t i, w, kinds[8] = { 0 };

	(void)state;
	for (i = 0; i < 200000; i++) {
		struct mxg_st_line l;
		struct mxg_st_scan got, want_sc;
		uint64_t want;

		/* Few fingerprints and times, so that matches, empties, ties
		 * and full buckets all occur, with metadata bits set. */
		for (w = 0; w < MXG_ST_WAYS; w++) {
			rng = rng * 6364136223846793005ULL +
			      1442695040888963407ULL;
			l.slot[w].fp = ((rng >> 60) & 3) |
				       ((rng >> 40) & 1 ? MXG_ST_SEC : 0) |
				       ((rng >> 41) & 1 ? MXG_ST_LOCK : 0);
			l.slot[w].tat = now - 2 + ((rng >> 20) % 5);
		}
		want = ((rng >> 10) & 3) | ((rng >> 12) & 1 ? MXG_ST_SEC : 0);
		if (!(want & MXG_ST_FP_MASK))
			want |= 1;
		mxg_st_scan_selects(&l, want, now, &got);
		mxg_st_scan_branches(&l, want, now, &want_sc);
		assert_int_equal(got.match, want_sc.match);
		assert_int_equal(got.room, want_sc.room);
		assert_int_equal(got.room_full, want_sc.room_full);
		assert_int_equal(got.victim, want_sc.victim);
		assert_true(got.victim_tat == want_sc.victim_tat);
		kinds[(got.match >= 0) * 4 + (got.room >= 0) * 2 +
		      got.room_full]++;
	}
	/* Every kind of line occurred. */
	for (i = 0; i < 8; i++)
		if (i != 1 && i != 5) /* room_full needs room */
			assert_true(kinds[i] > 100);
}

static void *dup_worker(void *arg)
{
	struct dup_ctx *c = arg;
	int round, i;

	for (round = 0; round < DUP_ROUNDS; round++) {
		pthread_barrier_wait(c->barrier);
		for (i = 0; i < DUP_KEYS; i++) {
			struct mxg_src_key k =
				key4(RULE_SLOW, (uint32_t)(round << 16 | i));

			c->conform += (uint64_t)mxg_src_table_take(
				c->t, &k, T0 + (uint64_t)round * SEC,
				&c->r->bp[0], &c->st);
			if (i % 512 == 511)
				sched_yield();
		}
	}
	return NULL;
}

static void no_duplicates(void **state)
{
	struct rules r = default_rules();
	struct mxg_src_table *t = table(DUP_TABLE);
	struct mxg_src_table_stats pre = { 0 };
	struct dup_ctx ctx[DUP_THREADS];
	pthread_t th[DUP_THREADS];
	pthread_barrier_t barrier;
	uint64_t inserts = 0, evicted = 0, conform = 0, retries = 0;
	uint64_t want, second = 0, missing = 0;
	uint32_t ip;
	int i, round, j;

	(void)state;
	/*
	 * Other keys, drained for the whole test (another rule id, so they
	 * never match the new ones): 40% of the slots, so that a few % of
	 * the new keys find their first line without room and go to their
	 * second line.
	 */
	for (ip = 0; ip < DUP_PREFILL; ip++) {
		struct mxg_src_key k = key4(RULE_ORPHAN, ip * 2654435761u);

		mxg_src_table_take(t, &k, T0 - SEC, &r.bp[0], &pre);
	}
	assert_int_equal(pre.inserts, DUP_PREFILL);

	assert_int_equal(pthread_barrier_init(&barrier, NULL, DUP_THREADS), 0);
	for (i = 0; i < DUP_THREADS; i++) {
		memset(&ctx[i], 0, sizeof(ctx[i]));
		ctx[i].t = t;
		ctx[i].r = &r;
		ctx[i].barrier = &barrier;
		ctx[i].id = i;
		assert_int_equal(
			pthread_create(&th[i], NULL, dup_worker, &ctx[i]), 0);
	}
	for (i = 0; i < DUP_THREADS; i++) {
		pthread_join(th[i], NULL);
		inserts += ctx[i].st.inserts;
		evicted += ctx[i].st.evict_lossless + ctx[i].st.evict_lossy;
		conform += ctx[i].conform;
		retries += ctx[i].st.cas_retries;
		second += ctx[i].st.second;
	}
	pthread_barrier_destroy(&barrier);
	/* Each key was inserted exactly once, whoever came first. */
	assert_int_equal(inserts, DUP_ROUNDS * DUP_KEYS);
	/* Some went to their second line: the case under test. */
	assert_true(second > 0);
	/* Full slots: evictions, all lossy, nearly all of prefill keys
	 * (their tat is an hour older). */
	assert_int_equal(mxg_src_table_count(t), DUP_PREFILL - pre.evict_lossy +
							 DUP_ROUNDS * DUP_KEYS -
							 evicted);
	/* No thread's token was lost: burst 5, 4 takes each. */
	assert_int_equal(conform, DUP_THREADS * DUP_ROUNDS * DUP_KEYS);
	for (round = 0; round < DUP_ROUNDS; round++) {
		for (j = 0; j < DUP_KEYS; j++) {
			struct mxg_src_key k =
				key4(RULE_SLOW, (uint32_t)(round << 16 | j));
			uint64_t s;

			if (mxg_src_table_peek(t, &k, &s) != 0) {
				missing++;
				continue;
			}
			/* Each thread's token pushed tat by one interval. */
			want = T0 + (uint64_t)round * SEC +
			       DUP_THREADS * r.bp[0].interval_ns;
			assert_int_equal(s, want);
		}
	}
	assert_true(missing <= evicted);
	print_message("no_duplicates: %" PRIu64 " CAS retries, %" PRIu64
		      " new keys in their second line, %" PRIu64 " evictions\n",
		      retries, second, evicted);
	mxg_src_table_destroy(t);
}

/*
 * Two threads take from the same keys in lockstep rounds of a shared
 * synthetic clock: in round n both use now = T0 + n * STRESS_DT, and a
 * barrier separates rounds. Within a round all takes of a key see the
 * same time, so however the threads interleave, the number that conform
 * per key and round is exactly what one thread would get: any lost
 * update or duplicate entry shows up as a difference. On top of that,
 * over every window of rounds [a, b] the conforming attempts of a key
 * must not exceed burst + rate * (b - a) * dt (DESIGN allows one more;
 * the bound of bucket.h has none), and the total must reach
 * burst + rate * T - 1.
 */
#define STRESS_KEYS	 8
#define STRESS_TAKES	 48 /* per key, round and thread */
#define STRESS_ROUNDS	 4000
#define STRESS_DT	 (1 * MS)
#define STRESS_RATE	 40000 /* per second: 40 tokens per round */
#define STRESS_BURST	 50
#define STRESS_DEADLINE	 (3 * SEC)
#define STRESS_MIN_ROUND 200

struct stress_ctx {
	struct mxg_src_table *t;
	const struct mxg_bucket_params *bp;
	pthread_barrier_t *barrier;
	volatile int *stop_round; /* set by thread 0 */
	int id;
	uint8_t (*conform)[STRESS_KEYS];
	struct mxg_src_table_stats st;
};

static void *stress_worker(void *arg)
{
	struct stress_ctx *c = arg;
	uint64_t deadline = mono_ns() + STRESS_DEADLINE;
	int round, i, k;

	for (round = 0; round < STRESS_ROUNDS; round++) {
		if (c->id == 0 && mono_ns() > deadline)
			*c->stop_round = round;
		pthread_barrier_wait(c->barrier);
		if (round >= *c->stop_round)
			break;
		for (i = 0; i < STRESS_TAKES; i++) {
			for (k = 0; k < STRESS_KEYS; k++) {
				/* The two threads walk the keys in
				 * opposite orders. */
				int kk = c->id ? STRESS_KEYS - 1 - k : k;
				struct mxg_src_key key =
					key4(RULE_FAST, 0xcb007100 + kk);

				c->conform[round][kk] +=
					(uint8_t)mxg_src_table_take(
						c->t, &key,
						T0 + round * STRESS_DT, c->bp,
						&c->st);
			}
		}
	}
	return NULL;
}

static void stress_shared_keys(void **state)
{
	struct mxg_bucket_params bp = params(STRESS_RATE, 1, STRESS_BURST);
	struct mxg_src_table *t = table(1024);
	static uint8_t conform[2][STRESS_ROUNDS][STRESS_KEYS];
	struct stress_ctx ctx[2];
	pthread_t th[2];
	pthread_barrier_t barrier;
	volatile int stop_round = STRESS_ROUNDS;
	double rate_per_round = STRESS_RATE * (double)STRESS_DT / SEC;
	int i, k, n, rounds;

	(void)state;
	memset(conform, 0, sizeof(conform));
	assert_int_equal(pthread_barrier_init(&barrier, NULL, 2), 0);
	for (i = 0; i < 2; i++) {
		memset(&ctx[i], 0, sizeof(ctx[i]));
		ctx[i].t = t;
		ctx[i].bp = &bp;
		ctx[i].barrier = &barrier;
		ctx[i].stop_round = &stop_round;
		ctx[i].id = i;
		ctx[i].conform = conform[i];
		assert_int_equal(pthread_create(&th[i], NULL, stress_worker,
						&ctx[i]),
				 0);
	}
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&barrier);
	rounds = stop_round;
	assert_true(rounds >= STRESS_MIN_ROUND);

	for (k = 0; k < STRESS_KEYS; k++) {
		uint64_t model = 0, next, total = 0;
		double best = 0, min_prefix = 0, prefix = 0;

		for (n = 0; n < rounds; n++) {
			int want = 0, got = conform[0][n][k] + conform[1][n][k];

			if (n == 0)
				model = MXG_BUCKET_FRESH;
			for (i = 0; i < 2 * STRESS_TAKES; i++) {
				want += mxg_bucket_take(
					model, T0 + n * STRESS_DT, &bp, &next);
				model = next;
			}
			assert_int_equal(got, want);
			total += (uint64_t)got;
			/*
			 * Window [a, n]: sum - rate * (n - a) =
			 * (P_n - rate * n) - (P_{a-1} - rate * a).
			 */
			if (n == 0 || prefix - rate_per_round * n < min_prefix)
				min_prefix = prefix - rate_per_round * n;
			prefix += got;
			if (prefix - rate_per_round * n - min_prefix > best)
				best = prefix - rate_per_round * n - min_prefix;
		}
		assert_true(best <= STRESS_BURST + 1e-9);
		assert_true((double)total >=
			    STRESS_BURST + rate_per_round * (rounds - 1) - 1);
	}
	print_message("stress: %d rounds, %" PRIu64 " + %" PRIu64
		      " takes, %" PRIu64 " + %" PRIu64 " CAS retries\n",
		      rounds, ctx[0].st.takes, ctx[1].st.takes,
		      ctx[0].st.cas_retries, ctx[1].st.cas_retries);
	assert_int_equal(ctx[0].st.inserts + ctx[1].st.inserts, STRESS_KEYS);
	mxg_src_table_destroy(t);
}

/*
 * A spoofed-source storm: two threads take with a new key every time
 * into a small table, so it is at full occupancy almost at once and
 * every later take evicts.
 */
#define STORM_CAPACITY 4096
#define STORM_TAKES    100000

struct storm_ctx {
	struct mxg_src_table *t;
	const struct rules *r;
	uint32_t rule;
	int id;
	uint64_t conform;
	struct mxg_src_table_stats st;
};

static void *storm_worker(void *arg)
{
	struct storm_ctx *c = arg;
	const struct mxg_bucket_params *bp = resolve(c->r, c->rule);
	uint64_t x = 0x243f6a8885a308d3ULL * (uint64_t)(c->id + 1);
	uint32_t i;

	for (i = 0; i < STORM_TAKES; i++) {
		struct mxg_src_key k;

		memset(&k, 0, sizeof(k));
		k.key_id = c->rule;
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		memcpy(k.addr, &x, 8);	    /* random */
		k.addr[8] = (uint8_t)c->id; /* unique per thread and op */
		memcpy(k.addr + 12, &i, 4);
		/* 10 us apart: a fast bucket is full again after 2 ms. */
		c->conform += (uint64_t)mxg_src_table_take(
			c->t, &k, T0 + (uint64_t)i * 10 * US, bp, &c->st);
	}
	return NULL;
}

static void storm_run(uint32_t rule, int threads,
		      struct mxg_src_table_stats *sum)
{
	struct rules r = default_rules();
	struct mxg_src_table *t = table(STORM_CAPACITY);
	struct storm_ctx ctx[2];
	pthread_t th[2];
	int i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < threads; i++) {
		memset(&ctx[i], 0, sizeof(ctx[i]));
		ctx[i].t = t;
		ctx[i].r = &r;
		ctx[i].rule = rule;
		ctx[i].id = i;
		assert_int_equal(
			pthread_create(&th[i], NULL, storm_worker, &ctx[i]), 0);
	}
	for (i = 0; i < threads; i++) {
		pthread_join(th[i], NULL);
		/* A new key always conforms. */
		assert_int_equal(ctx[i].conform, STORM_TAKES);
		sum->takes += ctx[i].st.takes;
		sum->inserts += ctx[i].st.inserts;
		sum->evict_lossless += ctx[i].st.evict_lossless;
		sum->evict_lossy += ctx[i].st.evict_lossy;
		sum->cas_retries += ctx[i].st.cas_retries;
	}
	assert_int_equal(sum->takes, (uint64_t)threads * STORM_TAKES);
	assert_int_equal(sum->inserts, sum->takes);
	/* Every slot is in use, and every insert past that evicted one. */
	assert_int_equal(mxg_src_table_count(t), STORM_CAPACITY);
	assert_int_equal(sum->evict_lossless + sum->evict_lossy,
			 sum->inserts - STORM_CAPACITY);
	mxg_src_table_destroy(t);
}

static void insert_storm(void **state)
{
	struct mxg_src_table_stats st;

	(void)state;
	/* Slow buckets are never full again: every eviction is lossy. */
	storm_run(RULE_SLOW, 2, &st);
	assert_int_equal(st.evict_lossless, 0);
	/*
	 * Fast buckets are full 1 ms (100 takes) after their one take; a
	 * slot gets a new key every ~4096 takes, and an eviction is lossy
	 * only if all 8 candidate slots got theirs in the last 100, so
	 * nearly all evictions are lossless.
	 */
	storm_run(RULE_FAST, 1, &st);
	assert_true(st.evict_lossless >= 99 * (st.evict_lossy + 1));
}

/*
 * Two threads take from one hot key while a third inserts new keys into
 * the same buckets (a table of one bucket, then of two: every key's two
 * choices): the hot key's slot is locked, evicted and re-keyed under the
 * readers' feet. The hot key's rule is 1/h with burst 1: once taken, its
 * tat is the earliest of the slots (every new key was taken later, under
 * the same interval), so it is the one evicted whenever the others are
 * newer. Every take must land on the right key: each new key, taken
 * once, must hold exactly one token out (tat one interval after its
 * take), and the hot key can never conform more than its burst (1) per
 * time it was inserted (the clock barely moves, so nothing refills).
 */
#define CHURN_TAKES 100000

struct churn_ctx {
	struct mxg_src_table *t;
	const struct rules *r;
	uint64_t *clock; /* shared: 1 us per take */
	pthread_barrier_t *barrier;
	int id; /* 0, 1: hot key; 2: new keys */
	uint64_t conform;
	struct mxg_src_table_stats st;
};

static void *churn_worker(void *arg)
{
	struct churn_ctx *c = arg;
	uint32_t i;

	pthread_barrier_wait(c->barrier);
	for (i = 0; i < CHURN_TAKES; i++) {
		uint64_t now =
			T0 + __atomic_fetch_add(c->clock, US, __ATOMIC_RELAXED);
		struct mxg_src_key k = c->id == 2 ?
					       key4(RULE_SLOW, 0x0a000000 + i) :
					       key4(RULE_HOT, 1);

		c->conform += (uint64_t)mxg_src_table_take(
			c->t, &k, now, &c->r->bp[c->id == 2 ? 0 : 2], &c->st);
		/* Interleave even when the threads share one core. */
		if (i % 256 == 255)
			sched_yield();
	}
	return NULL;
}

static void churn_in(uint32_t cap)
{
	struct rules r = default_rules();
	struct mxg_src_table *t = table(cap);
	struct churn_ctx ctx[3];
	pthread_t th[3];
	pthread_barrier_t barrier;
	uint64_t clock = 0, inserts = 0, evicted = 0, hot_inserts, retries = 0;
	uint32_t ip, found = 0;
	int i;

	r.id[2] = RULE_HOT;
	r.bp[2] = params(1, 3600, 1);
	r.n = 3;
	assert_int_equal(pthread_barrier_init(&barrier, NULL, 3), 0);
	for (i = 0; i < 3; i++) {
		memset(&ctx[i], 0, sizeof(ctx[i]));
		ctx[i].t = t;
		ctx[i].r = &r;
		ctx[i].clock = &clock;
		ctx[i].barrier = &barrier;
		ctx[i].id = i;
		assert_int_equal(
			pthread_create(&th[i], NULL, churn_worker, &ctx[i]), 0);
	}
	for (i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
		inserts += ctx[i].st.inserts;
		evicted += ctx[i].st.evict_lossless + ctx[i].st.evict_lossy;
		retries += ctx[i].st.cas_retries;
	}
	pthread_barrier_destroy(&barrier);
	assert_int_equal(mxg_src_table_count(t), cap);
	assert_int_equal(inserts - evicted, cap);
	/* Every new key was inserted by its only taker, and conformed. */
	assert_int_equal(ctx[2].st.inserts, CHURN_TAKES);
	assert_int_equal(ctx[2].conform, CHURN_TAKES);
	hot_inserts = ctx[0].st.inserts + ctx[1].st.inserts;
	assert_true(hot_inserts >= 1);
	assert_true(ctx[0].conform + ctx[1].conform <= hot_inserts);
	/* No take of the hot key ever landed on a new key's slot. */
	for (ip = 0x0a000000; ip < 0x0a000000 + CHURN_TAKES; ip++) {
		struct mxg_src_key k = key4(RULE_SLOW, ip);
		uint64_t s;

		if (mxg_src_table_peek(t, &k, &s) != 0)
			continue;
		found++;
		/*
		 * One token (an hour) out, taken within the run: a second
		 * take would have pushed tat an hour further.
		 */
		assert_true(s >= T0 + r.bp[0].interval_ns);
		assert_true(s <= T0 + clock + r.bp[0].interval_ns);
	}
	assert_true(found >= 1 && found <= cap);
	print_message("churn (%u slots): hot key inserted %" PRIu64
		      " times, %" PRIu64 " CAS retries\n",
		      cap, hot_inserts, retries);
	mxg_src_table_destroy(t);
}

/* In one bucket, and in two (the hot key's other bucket churns too). */
static void churn_under_takes(void **state)
{
	(void)state;
	churn_in(128);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(burst_then_refuse),
		cmocka_unit_test(scan_matches_reference),
		cmocka_unit_test(keys_independent),
		cmocka_unit_test(peek_state),
		cmocka_unit_test(count_keys),
		cmocka_unit_test(capacity_and_memory),
		cmocka_unit_test(bad_arguments),
		cmocka_unit_test(evict_full_first),
		cmocka_unit_test(evict_oldest_when_none_full),
		cmocka_unit_test(evict_soonest_full),
		cmocka_unit_test(evict_at_large_times),
		cmocka_unit_test(premature_eviction),
		cmocka_unit_test(no_duplicates),
		cmocka_unit_test(stress_shared_keys),
		cmocka_unit_test(insert_storm),
		cmocka_unit_test(churn_under_takes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
