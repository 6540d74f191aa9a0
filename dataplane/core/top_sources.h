/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Top sources: per-source connection attempts and drops. Two kinds of
 * tracker share this interface. Single-threaded: each worker keeps its
 * own and a reader merges them.
 *
 * Bounded (mxg_top_create; mxgate-dp's live top list): Space-Saving
 * (Metwally et al., "Efficient computation of frequent and top-k elements
 * in data streams", 2005) run independently in each bucket of a
 * set-associative table. A source's bucket is chosen by a keyed hash
 * (multiply-shift, Thorup, with a random seed per tracker from getrandom,
 * then a fixed bijective mixer; top_sources.c says why both), and a
 * bucket holds MXG_TOP_WAYS sources. All that an attempt reads or
 * writes is its bucket's cache line (tags, counts, last seen), which
 * mxg_top_prefetch() fetches: the key is found by its tag, or it
 * takes an empty slot, or it replaces the bucket's least active source
 * and inherits its count as 'error'. The source's cold entry (address,
 * first seen, error) is written, whole and never read, when it takes an
 * empty slot, and when a source that took a slot by replacement makes
 * its next attempt: so a flood of one-off sources, which replace each
 * other, costs one cache line per attempt. Such a source is tracked from
 * its first attempt and listed from its second. That is MXG_TOP_WAYS
 * slots looked at, whatever the input: constant worst-case time, no
 * probe chain to build, nothing to rebalance
 * (tests/bench/bench_top_sources.c measures it). Sources are told apart
 * by bucket and a 31-bit tag, 31 + log2(buckets) bits of the keyed hash:
 * two are confused with probability 2^-(31 + log2 buckets) over the
 * seed: an attempt is counted to another source of its bucket about
 * once in 2^31 / MXG_TOP_WAYS new sources, which the bounds below leave
 * out (it is far below them). last_ns, and the first_ns of a source
 * taken in by replacement, are kept to within MXG_TOP_LAST_NS.
 *
 * Error bound. Let N_b be the attempts whose source hashes to bucket b
 * (with merged trackers: the attempt counts merged in), and m_b the
 * smallest count in b once b is full (0 before: nothing replaced). Per
 * bucket this is Space-Saving with MXG_TOP_WAYS counters, so:
 *  - a listed source x has syns - error <= its true attempts <= syns,
 *    with error <= m_b, and m_b <= (N_b - f_x) / (MXG_TOP_WAYS - 1)
 *    (the counts of a full bucket sum to N_b; x's is at least f_x);
 *  - a source that is not listed had at most m_b + 1 <= N_b /
 *    MXG_TOP_WAYS + 1 attempts: every source above that is listed;
 *  - 'dropped' counts the drops since the source was last taken in:
 *    dropped <= true drops <= dropped + error.
 * The hash is strongly universal over the seed, so any other source
 * shares x's bucket with probability 1/B (B buckets, capacity B *
 * MXG_TOP_WAYS): E[N_b - f_x] = (N - f_x) / B, and x's expected
 * over-count is at most (N - f_x) / (B * (MXG_TOP_WAYS - 1)), about
 * N / capacity. An attacker who does not know the seed cannot aim
 * spoofed sources at one bucket to evict a real offender or inflate its
 * count: the seed never leaves the process. mxg_top_error_bound() gives
 * max_b m_b, the bound that holds for every source at once.
 *
 * Exact (mxg_top_create_exact; mxgate-replay's summary and evidence
 * report): every source, counted exactly, in memory that grows with the
 * number of distinct sources (a capture is finite; its sources take
 * about as much memory as its frames). Open addressing with the same
 * keyed hash, linear probing bounded by MXG_TOP_PROBE_MAX slots: a
 * longer probe, or a load over one half, doubles the index instead.
 */
#ifndef MXGATE_TOP_SOURCES_H
#define MXGATE_TOP_SOURCES_H

#include <stdint.h>

#define MXG_TOP_WAYS	  4  /* sources per bucket (bounded tracker) */
#define MXG_TOP_PROBE_MAX 64 /* index slots one look walks (exact) */
/* A bounded tracker keeps last_ns to within this below (ns >> 20 in 32
 * bits: what an attempt reads and writes fits in one cache line), and
 * the first_ns of a source that took a slot by replacement. */
#define MXG_TOP_LAST_NS (1ULL << 20)

struct mxg_top_entry {
	uint8_t addr[16]; /* IPv4 in the first 4 bytes */
	uint8_t family;	  /* MXG_AF_INET or MXG_AF_INET6 */
	uint8_t pad[7];
	uint64_t syns;	  /* connection attempts (an upper bound) */
	uint64_t dropped; /* attempts dropped or reset */
	uint64_t error;	  /* over-count bound inherited on replacement */
	uint64_t first_ns;
	uint64_t last_ns;
};

struct mxg_top_sources;

/*
 * A bounded tracker of at least 'capacity' sources (rounded up to a
 * power of two, at least MXG_TOP_WAYS; mxg_top_capacity() says). Its
 * memory is faulted in here, not on the packet path. 0, -EINVAL or
 * -ENOMEM.
 */
int mxg_top_create(struct mxg_top_sources **out, uint32_t capacity);
/* An exact tracker of any number of sources. 0 or -ENOMEM. */
int mxg_top_create_exact(struct mxg_top_sources **out);
void mxg_top_destroy(struct mxg_top_sources *t);

/*
 * Empty t, with a new seed, keeping its memory (faulted in): a tracker
 * handed back by a worker becomes its next fresh one. O(capacity / 4)
 * bytes written (the hot lines; cold entries are unreachable until
 * written again).
 */
void mxg_top_reset(struct mxg_top_sources *t);

/* One attempt from addr at now_ns; 'dropped' if it was dropped/reset. */
void mxg_top_update(struct mxg_top_sources *t, uint8_t family,
		    const uint8_t addr[16], int dropped, uint64_t now_ns);

/* Prefetch where mxg_top_update() will look for this source. */
void mxg_top_prefetch(const struct mxg_top_sources *t, uint8_t family,
		      const uint8_t addr[16]);

/*
 * Add every source of src into dst. An exact dst stays exact; a bounded
 * one keeps the bound above, with N_b the counts merged in. 0, or
 * -ENOMEM when an exact dst could not grow (what was merged stays).
 */
int mxg_top_merge(struct mxg_top_sources *dst,
		  const struct mxg_top_sources *src);

/* Number of sources listed now, and whether any was ever replaced. */
uint32_t mxg_top_count(const struct mxg_top_sources *t);
int mxg_top_is_exact(const struct mxg_top_sources *t);
/* Sources a bounded tracker holds (0: exact, unbounded). */
uint32_t mxg_top_capacity(const struct mxg_top_sources *t);

/* The rank of mxg_top_sorted(), a qsort comparator of struct
 * mxg_top_entry: most dropped, then most attempts, then family and
 * address. */
int mxg_top_cmp_rank(const void *a, const void *b);

/*
 * Copy up to n sources into out, by attempts dropped, then attempts, then
 * address (so the order is deterministic). Returns how many were copied.
 * O(count log n) time, O(n) memory.
 */
uint32_t mxg_top_sorted(const struct mxg_top_sources *t,
			struct mxg_top_entry *out, uint32_t n);

/*
 * The bounded tracker's bound over every source at once, max_b m_b (see
 * above; 0 while nothing was replaced). O(capacity): not for the packet
 * path.
 */
uint64_t mxg_top_error_bound(const struct mxg_top_sources *t);

/*
 * For tests and benchmarks: the bucket (bounded) or home index slot
 * (exact) of a source under this tracker's seed, and the most slots one
 * update or merge ever looked at.
 */
uint32_t mxg_top_bucket_of(const struct mxg_top_sources *t, uint8_t family,
			   const uint8_t addr[16]);
uint32_t mxg_top_probe_max(const struct mxg_top_sources *t);

#endif /* MXGATE_TOP_SOURCES_H */
