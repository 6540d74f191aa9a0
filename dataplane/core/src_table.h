/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The source table: per-key token bucket state for limit rules, shared by
 * every worker thread. Pure C, no DPDK types.
 *
 * Contract:
 *  - Memory is bounded and allocated once at create time: at most 64
 *    bytes per entry, all overhead included.
 *  - Lookups and bucket updates are lock-free: the 64-bit bucket state is
 *    updated with compare-and-swap (see include/mxgate/bucket.h).
 *  - A key may live in either of two buckets of 4 slots (two choices),
 *    and goes into the less loaded one, so that an insert rarely finds
 *    no free slot while the table still has room.
 *  - An insert never fails and costs the same at any occupancy: when
 *    both of the key's buckets are full, one of their 8 slots is
 *    evicted, preferring a slot whose token bucket is full again
 *    (lossless: a full bucket is indistinguishable from a fresh one) or
 *    whose rule no longer exists, then the one that will be full again
 *    soonest.
 *  - The same key is never present twice.
 */
#ifndef MXGATE_SRC_TABLE_H
#define MXGATE_SRC_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "mxgate/bucket.h"
#include "mxgate/key.h"

/* Per-thread counters: plain increments, summed by the reader. */
struct mxg_src_table_stats {
	uint64_t takes;		 /* calls to mxg_src_table_take */
	uint64_t inserts;	 /* new keys */
	uint64_t evict_lossless; /* evicted a full or orphaned bucket */
	uint64_t evict_lossy;	 /* evicted a bucket that was not full */
	uint64_t cas_retries;	 /* lost compare-and-swap races */
};

/*
 * Resolves a rule's key_id to its bucket parameters under the policy in
 * force, or NULL when no rule has that id any more (an orphaned entry,
 * always lossless to evict).
 */
typedef const struct mxg_bucket_params *(*mxg_params_lookup_fn)(
	const void *ctx, uint32_t key_id);

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
 * One connection attempt for 'key' at now_ns under bucket 'bp': find or
 * insert the key (a new key starts full, MXG_BUCKET_FRESH), then take
 * a token with compare-and-swap. Returns 1 if the attempt conforms, 0 if
 * it is over the limit. Never fails; safe to call from many threads.
 *
 * resolve() is called only when an insert has to evict, for slots of
 * other key_ids whose bucket is not full (at most 8 calls), with the
 * insert locks of the key's two buckets held: it must not block. It
 * only tells an orphaned slot (NULL): a full bucket needs no params.
 * With resolve NULL, no slot is taken for orphaned. st may be NULL.
 */
int mxg_src_table_take(struct mxg_src_table *t, const struct mxg_src_key *key,
		       uint64_t now_ns, const struct mxg_bucket_params *bp,
		       mxg_params_lookup_fn resolve, const void *resolve_ctx,
		       struct mxg_src_table_stats *st);

/*
 * Start loading the key's two buckets into the cache, ahead of its take. A
 * burst loop prefetches every key of the burst first and then takes, so
 * that the memory latency of one key overlaps the work on the others.
 */
void mxg_src_table_prefetch(const struct mxg_src_table *t,
			    const struct mxg_src_key *key);

/* Read a key's state without changing it; 0 if present, -ENOENT if not. */
int mxg_src_table_peek(const struct mxg_src_table *t,
		       const struct mxg_src_key *key, uint64_t *state);

#endif /* MXGATE_SRC_TABLE_H */
