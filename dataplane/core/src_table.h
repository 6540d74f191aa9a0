/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The source table: per-key token bucket state for limit rules, shared by
 * every worker thread. Pure C, no DPDK types. The algorithm and layout
 * are include/mxgate/src_table.h's, the same as the XDP program's; this
 * is its userspace home: memory, seed, counters.
 *
 * Contract:
 *  - Memory is bounded and allocated once at create time: 16 bytes per
 *    entry (one 64-byte line per 4 entries), a power of two of lines.
 *  - Takes of present keys are lock-free (64-bit CAS on the bucket);
 *    inserts take one line lock (and try a second).
 *  - An insert never fails and costs the same at any occupancy: at most
 *    two lines read; when they are full it evicts, preferring a bucket
 *    that is full again (lossless), else the oldest one (lossy, counted).
 *  - The same key is never present twice.
 */
#ifndef MXGATE_CORE_SRC_TABLE_H
#define MXGATE_CORE_SRC_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "mxgate/bucket.h"
#include "mxgate/key.h"

/* Per-thread counters: plain increments, summed by the reader. */
struct mxg_src_table_stats {
	uint64_t takes;		 /* calls to mxg_src_table_take */
	uint64_t inserts;	 /* new keys */
	uint64_t evict_lossless; /* evicted a full bucket */
	uint64_t evict_lossy;	 /* evicted a bucket that was not full */
	uint64_t second;	 /* new keys placed in their second line */
	uint64_t cas_retries;	 /* lost compare-and-swap races */
};

struct mxg_src_table;

/* Create a table for at least min_entries keys. 0 or -ENOMEM/-EINVAL. */
int mxg_src_table_create(struct mxg_src_table **out, uint64_t min_entries);
void mxg_src_table_destroy(struct mxg_src_table *t);

uint64_t mxg_src_table_capacity(const struct mxg_src_table *t);
/* Bytes allocated for the table, all overhead included. */
size_t mxg_src_table_memory(const struct mxg_src_table *t);
/* Keys present now (a scan; for tests and stats, not the hot path). */
uint64_t mxg_src_table_count(const struct mxg_src_table *t);

/*
 * Keys present, from the counters of every thread that used the table,
 * in O(1): a key enters only by an insert and leaves only by an eviction
 * (an insert into its slot), so this is mxg_src_table_count() whenever no
 * take is under way. Threads' counters summed at slightly different
 * moments can lag each other: bounded to [0, capacity]. The XDP path
 * uses it on the program's counters too (one table algorithm).
 */
static inline uint64_t
mxg_src_table_entries(const struct mxg_src_table_stats *st, uint64_t capacity)
{
	uint64_t out = st->evict_lossless + st->evict_lossy;

	if (st->inserts <= out)
		return 0;
	return st->inserts - out < capacity ? st->inserts - out : capacity;
}

/*
 * One connection attempt for 'key' at now_ns under bucket 'bp': find or
 * insert the key (a new key starts full, MXG_BUCKET_FRESH), then take
 * a token with compare-and-swap. Returns 1 if the attempt conforms, 0 if
 * it is over the limit. Never fails; safe to call from many threads.
 * st may be NULL.
 */
int mxg_src_table_take(struct mxg_src_table *t, const struct mxg_src_key *key,
		       uint64_t now_ns, const struct mxg_bucket_params *bp,
		       struct mxg_src_table_stats *st);

/*
 * Start loading the key's line into the cache, ahead of its take: one
 * line per key. A burst loop prefetches keys a few packets ahead of the
 * ones it takes, so that memory latency overlaps the work on others.
 */
void mxg_src_table_prefetch(const struct mxg_src_table *t,
			    const struct mxg_src_key *key);

/* Read a key's state without changing it; 0 if present, -ENOENT if not. */
int mxg_src_table_peek(const struct mxg_src_table *t,
		       const struct mxg_src_key *key, uint64_t *state);

#endif /* MXGATE_CORE_SRC_TABLE_H */
