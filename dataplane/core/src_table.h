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
#include "mxgate/src_table.h"

/* OVF decrements a thread may owe (see struct mxg_src_table_stats). */
#define MXG_SRC_TABLE_OWED 8

/*
 * Per-thread counters: plain increments, summed by the reader. Also the
 * thread's owed OVF decrements: evicting a key that lived in its second
 * line leaves its first line's OVF one too high (mxgate/src_table.h),
 * another random line. The take prefetches that line and decrements it
 * MXG_SRC_TABLE_OWED takes later, so that the miss overlaps other work.
 * Until then OVF is too high, which costs a read, never a wrong answer.
 */
struct mxg_src_table_stats {
	uint64_t takes;		 /* calls to mxg_src_table_take */
	uint64_t inserts;	 /* new keys */
	uint64_t evict_lossless; /* evicted a full bucket */
	uint64_t evict_lossy;	 /* evicted a bucket that was not full */
	uint64_t second;	 /* new keys placed in their second line */
	uint64_t cas_retries;	 /* lost compare-and-swap races */
	/* Not counters: owed decrements, first ones first (a ring). */
	uint32_t owed_head, owed_n;
	uint32_t owed[MXG_SRC_TABLE_OWED];
};

/* Where a key lives: its hash, computed once (mxg_src_table_locate). */
struct mxg_src_ref {
	uint64_t fp;
	uint32_t i1, i2;
};

struct mxg_src_table;

/* Create a table for at least min_entries keys. 0 or -ENOMEM/-EINVAL. */
int mxg_src_table_create(struct mxg_src_table **out, uint64_t min_entries);
/* The same with the hash seed drawn from 'seed' instead of getrandom, so
 * that two tables place keys alike (tests). seed 0: random. */
int mxg_src_table_create_seeded(struct mxg_src_table **out,
				uint64_t min_entries, uint64_t seed);
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

/*
 * The same in three steps, for a burst loop's pipeline, hashing the key
 * once: locate it and prefetch its first line; a few packets later, once
 * that line is in the cache, ask it (mxg_src_table_hint: the key is over
 * the limit, or the first line answers, or the take will need the second
 * line, which it then prefetches); later still, take. take_ref with the
 * ref of a key is mxg_src_table_take with the key.
 */
void mxg_src_table_locate(const struct mxg_src_table *t,
			  const struct mxg_src_key *key,
			  struct mxg_src_ref *ref);
/* MXG_ST_HINT_FIRST, _OVER or _SECOND (mxgate/src_table.h). */
int mxg_src_table_hint(const struct mxg_src_table *t,
		       const struct mxg_src_ref *ref, uint64_t now_ns,
		       const struct mxg_bucket_params *bp);
int mxg_src_table_take_ref(struct mxg_src_table *t,
			   const struct mxg_src_ref *ref, uint64_t now_ns,
			   const struct mxg_bucket_params *bp,
			   struct mxg_src_table_stats *st);

/* Pay the OVF decrements st owes (tests and idle loops; never needed). */
void mxg_src_table_settle(struct mxg_src_table *t,
			  struct mxg_src_table_stats *st);

/* Read a key's state without changing it; 0 if present, -ENOENT if not. */
int mxg_src_table_peek(const struct mxg_src_table *t,
		       const struct mxg_src_key *key, uint64_t *state);

#endif /* MXGATE_CORE_SRC_TABLE_H */
