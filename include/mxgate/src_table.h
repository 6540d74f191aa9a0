/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * The source table algorithm (DESIGN §2, §3): per-key token bucket state
 * (mxgate/bucket.h) in a bounded, lock-free-for-readers table whose cost
 * per attempt is the same at any occupancy. One algorithm, one layout,
 * used by the core engine (dataplane/core/src_table.c: replay and
 * mxgate-dp) and by the XDP program (bpf/mxgate.bpf.c, lines in a plain
 * BPF ARRAY map), so that both evict the same way.
 *
 * Layout. A line is one 64-byte cache line of MXG_ST_WAYS (4) slots of 16
 * bytes, {fp word, tat}: 16 bytes per tracked source, nothing else (the
 * per-line metadata lives in spare bits of the fp words).
 *
 *   fp word  [63] SEC: the key lives in its second line
 *            [62..60] line metadata, by slot: slot 0 [62] LOCK, the
 *                     line's insert lock; slot 1 [62..60] OVF, how many
 *                     keys whose first line is this one live in their
 *                     second line (0..6; 7 is sticky: "maybe some")
 *            [59..0] the key's fingerprint; 0 = empty slot
 *   tat      the token bucket (bucket.h); MXG_ST_BUSY while the slot is
 *            being re-keyed
 *
 * The table has a power-of-two number of lines. A key's hash gives its
 * fingerprint fp (60 bits, never 0) and its first line i1; its second
 * line is i2 = i1 ^ alt(fp), alt(fp) in [1, lines): symmetric, so that
 * the first line of a key found in its second line (flag SEC) is known
 * from its slot alone (i2 ^ alt(fp)), as in partial-key cuckoo hashing.
 *
 * Lookup: scan line i1 for {fp, SEC clear}; only if i1's OVF is not 0,
 * scan line i2 for {fp, SEC set}. One line per key in the common case,
 * the one prefetched.
 *
 * Insert (the key is in neither line), under i1's insert lock:
 *  1. look again in i1 (and in i2 if OVF): present -> take from it;
 *  2. an empty slot of i1, or one whose bucket is full (tat <= now:
 *     indistinguishable from a fresh bucket, DESIGN §3: lossless);
 *  3. else, if i2's lock is free (try-lock: never wait for a second
 *     lock, so inserts never deadlock), an empty or full slot of i2: the
 *     key goes there with SEC set, and i1's OVF is incremented;
 *  4. else the slot with the oldest tat among i1's (and i2's, if locked):
 *     the bucket that will be full again soonest (lossy, counted).
 * An evicted key that lived in its second line decrements its first
 * line's OVF. An insert never fails and reads at most two lines.
 *
 * Never twice. Every insert of a key holds the lock of its first line i1,
 * and under it looks in i1 and, when OVF says that some key of i1 lives
 * in its second line, in i2. OVF is incremented under that same lock
 * before a key is published in its second line, and decremented only
 * after a key in its second line was replaced. So the look under the lock
 * is exact for this key, and it is inserted only when absent: a key is
 * never present twice, and a drained bucket is never shadowed by a fresh
 * duplicate. A reader that misses a key an insert is publishing goes to
 * insert it, waits for the lock, and finds it.
 *
 * Fingerprints. The hash is Thorup's strongly universal multiply-shift
 * for vectors (Dietzfelbinger 1996; Thorup, "High Speed Hashing for
 * Integers and Strings", §3.5): the 20-byte key as five 32-bit words x_j,
 * h(x) = ((a_0 + sum a_j x_j) mod 2^64) >> 32, with a_j 64-bit words of a
 * random seed (getrandom at table creation). Each of three instances with
 * independent seeds gives 32 bits that are uniform and pairwise
 * independent over the seed: h0 and h1 make the fingerprint (60 of their
 * 64 bits), h2 the first line. Only 64-bit multiplies and adds: the same
 * code runs in BPF. A key B is taken for a key A only if B's lookup reads
 * a slot of A with the same fp and the same SEC flag; same fp and flag
 * in the same line means same first line (i1 = line, or line ^ alt(fp)).
 * So a false match needs fp_A = fp_B (60 bits from h0, h1) and i1_A =
 * i1_B (log2(lines) >= 5 bits from h2, independent): for any two distinct
 * keys it happens with probability 2^-(60 + log2 lines) <= 2^-65 over
 * the seed, less than for a 64-bit keyed hash. (Against an attacker who
 * does not know the seed: it never leaves the process or the kernel.)
 *
 * Concurrency, with 64-bit compare-and-swap only (BPF has no 128-bit
 * cmpxchg). Readers (takes of a present key) take no lock:
 *   load fp word (match), load tat, load the fp word again (it must still
 *   match: a re-key stores fp before the new tat), tat != BUSY, compute
 *   the take, CAS tat -> next (no write when over the limit).
 * A re-key (insert into a slot), under the line's lock:
 *   CAS tat -> BUSY (fails if a reader took a token since the victim was
 *   judged: choose again, so a "lossless" eviction really is), then the
 *   fp word (an atomic XOR in slot 1, whose OVF others update; a plain
 *   store elsewhere), then tat = the new key's state after its first
 *   take. Unlocking is a plain store too (mxg_st_unlock).
 * Races, and what they cost:
 *  - A reader that loaded the old key's tat before the re-key and CASes
 *    after it: its CAS succeeds only if the new key's tat equals, to the
 *    ns, the value it read (ABA). A lossless victim cannot (the new tat
 *    is now + T > the victim's tat), a lossy victim only by that
 *    coincidence; it then costs the new key one token, once.
 *  - A reader that sees BUSY, or a changed fp, looks again; in BPF after
 *    MXG_ST_ROUNDS tries the attempt is judged on a fresh bucket and
 *    counted (busy), which needs another CPU stalled mid re-key.
 *  - OVF is a count kept with CAS; when 7 keys (never in practice: the
 *    mean is far below 1) overflow from one line it stays 7, which costs
 *    that line's misses a read of the second line, never a wrong answer.
 * The conformance bound (bucket.h: tat only advances by CAS) therefore
 * holds with several workers on shared keys: burst + rate * T.
 *
 * Orphans. A slot holds no rule id, so the entry of a rule that was
 * removed is evicted when its bucket is full again (at most burst * T
 * after its last attempt), or as the oldest.
 *
 * The caller reaches lines by index (userspace: an array; BPF: a map
 * lookup) and passes the key's two lines in; when a take evicted a key
 * that lived in its second line, it decrements that key's first line's
 * OVF afterwards (struct mxg_st_result.dec), so that the take itself
 * makes no calls (a small BPF stack frame).
 */
#ifndef MXGATE_SRC_TABLE_H
#define MXGATE_SRC_TABLE_H

#include "bucket.h"
#include "compat.h"
#include "key.h"

#define MXG_ST_WAYS	  4
#define MXG_ST_LINE_SIZE  64
#define MXG_ST_FP_BITS	  60
#define MXG_ST_FP_MASK	  ((1ULL << MXG_ST_FP_BITS) - 1)
#define MXG_ST_SEC	  (1ULL << 63)
#define MXG_ST_META	  (7ULL << 60) /* line metadata bits of a word */
#define MXG_ST_LOCK	  (1ULL << 62) /* in slot 0's word */
#define MXG_ST_OVF_SHIFT  60	       /* in slot 1's word */
#define MXG_ST_OVF_ONE	  (1ULL << MXG_ST_OVF_SHIFT)
#define MXG_ST_OVF_STICKY 7ULL
#define MXG_ST_BUSY	  (~0ULL)
/* Lines: a power of two, at least 32 (see the fingerprint bound). */
#define MXG_ST_LINES_MIN 32u
#define MXG_ST_LINES_MAX (1u << 28)

#ifdef __bpf__
/* Rolled loops keep the BPF stack frame small (few registers). */
#define MXG_ST_LOOP _Pragma("clang loop unroll(disable)")
#else
#define MXG_ST_LOOP
#endif

#ifdef __bpf__
/* Bounded loops for the verifier; see "Races" above. */
#define MXG_ST_ROUNDS	  4
#define MXG_ST_LOCK_SPINS 64
#define MXG_ST_CAS_TRIES  4
#else
#define MXG_ST_ROUNDS	  0xffffffffu
#define MXG_ST_LOCK_SPINS 0xffffffffu
#define MXG_ST_CAS_TRIES  0xffffffffu
#endif

struct mxg_st_slot {
	uint64_t fp;
	uint64_t tat;
};

struct mxg_st_line {
	struct mxg_st_slot slot[MXG_ST_WAYS];
} __attribute__((aligned(MXG_ST_LINE_SIZE)));
MXG_STATIC_ASSERT(sizeof(struct mxg_st_line) == MXG_ST_LINE_SIZE,
		  "mxg_st_line layout");

/* The hash seed: three instances of (a_0, a_1..a_5) and the line mask. */
#define MXG_ST_HASH_WORDS 6
struct mxg_st_seed {
	uint64_t a[3][MXG_ST_HASH_WORDS];
	uint32_t line_mask; /* lines - 1, lines a power of two */
	uint32_t pad;
};
MXG_STATIC_ASSERT(sizeof(struct mxg_st_seed) == 152, "mxg_st_seed layout");

/* A key's place: fingerprint and its two lines. */
struct mxg_st_where {
	uint64_t fp; /* 60 bits, never 0 */
	uint32_t i1, i2;
};

/* What one take did, for the caller's counters. */
struct mxg_st_result {
	uint8_t inserted;	/* a new key */
	uint8_t evict_lossless; /* re-keyed a full bucket's slot */
	uint8_t evict_lossy;	/* re-keyed a bucket in debt */
	uint8_t second;		/* the key went to its second line */
	uint8_t busy;		/* BPF: judged on a fresh bucket (races) */
	uint8_t dec;		/* the caller owes line dec_line an OVF -1 */
	uint8_t pad[2];
	uint32_t retries;  /* lost CAS races, looks again */
	uint32_t dec_line; /* see dec */
};

/*
 * The seed is read-only data in BPF (set by the loader before loading):
 * volatile loads, so that clang does not fold its zero initializer.
 */
#ifdef __bpf__
#define MXG_ST_SEED_LOAD(x) (*(const volatile __typeof__(x) *)&(x))
#else
#define MXG_ST_SEED_LOAD(x) (x)
#endif

/* A 32-bit word of the key in host order (the address is 4-aligned in
 * struct mxg_src_key): one load. */
MXG_INLINE uint32_t mxg_st_word32(const uint8_t *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

MXG_INLINE uint32_t mxg_st_alt(uint64_t fp, uint32_t line_mask)
{
	uint32_t alt = (uint32_t)(fp >> 24) & line_mask;

	return alt ? alt : 1;
}

/* One multiply-shift instance over the key's five words: the products
 * are independent, so that they overlap in the multiplier. */
MXG_INLINE uint64_t mxg_st_ms(const uint64_t *a, const uint64_t *x)
{
	return (MXG_ST_SEED_LOAD(a[0]) + MXG_ST_SEED_LOAD(a[1]) * x[0] +
		MXG_ST_SEED_LOAD(a[2]) * x[1] + MXG_ST_SEED_LOAD(a[3]) * x[2] +
		MXG_ST_SEED_LOAD(a[4]) * x[3] +
		MXG_ST_SEED_LOAD(a[5]) * x[4]) >>
	       32;
}

MXG_INLINE void mxg_st_locate(const struct mxg_st_seed *s,
			      const struct mxg_src_key *k,
			      struct mxg_st_where *w)
{
	uint64_t x[5], h0, h1, h2;

	x[0] = k->key_id;
	x[1] = mxg_st_word32(&k->addr[0]);
	x[2] = mxg_st_word32(&k->addr[4]);
	x[3] = mxg_st_word32(&k->addr[8]);
	x[4] = mxg_st_word32(&k->addr[12]);
	h0 = mxg_st_ms(s->a[0], x);
	h1 = mxg_st_ms(s->a[1], x);
	h2 = mxg_st_ms(s->a[2], x);
	w->fp = (h0 << 32 | h1) & MXG_ST_FP_MASK;
	if (w->fp == 0)
		w->fp = 1;
	w->i1 = (uint32_t)h2 & MXG_ST_SEED_LOAD(s->line_mask);
	w->i2 = w->i1 ^ mxg_st_alt(w->fp, MXG_ST_SEED_LOAD(s->line_mask));
}

/* ---------------------------------------------------------------- */
/* Atomics: the same protocol in userspace and in BPF (x86 TSO: the
 * JIT keeps loads and stores in program order; atomics are full
 * barriers). */

#ifdef __bpf__
#define MXG_ST_LOAD(p)	      (*(volatile uint64_t *)(p))
#define MXG_ST_STORE(p, v)    (*(volatile uint64_t *)(p) = (v))
#define MXG_ST_CAS(p, o, n)   __sync_val_compare_and_swap((p), (o), (n))
#define MXG_ST_FETCH_OR(p, v) __sync_fetch_and_or((p), (v))
#define MXG_ST_AND(p, v)      ((void)__sync_fetch_and_and((p), (v)))
#define MXG_ST_XOR(p, v)      ((void)__sync_fetch_and_xor((p), (v)))
#define MXG_ST_ADD(p, v)      ((void)__sync_fetch_and_add((p), (v)))
#define MXG_ST_PAUSE()	      ((void)0)
#else
#define MXG_ST_LOAD(p)	      __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define MXG_ST_STORE(p, v)    __atomic_store_n((p), (v), __ATOMIC_RELEASE)
MXG_INLINE uint64_t mxg_st_cas(uint64_t *p, uint64_t o, uint64_t n)
{
	__atomic_compare_exchange_n(p, &o, n, 0, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
	return o;
}
#define MXG_ST_CAS(p, o, n)   mxg_st_cas((p), (o), (n))
#define MXG_ST_FETCH_OR(p, v) __atomic_fetch_or((p), (v), __ATOMIC_ACQUIRE)
#define MXG_ST_AND(p, v)      ((void)__atomic_fetch_and((p), (v), __ATOMIC_RELEASE))
#define MXG_ST_XOR(p, v)      ((void)__atomic_fetch_xor((p), (v), __ATOMIC_SEQ_CST))
#define MXG_ST_ADD(p, v)      ((void)__atomic_fetch_add((p), (v), __ATOMIC_SEQ_CST))
#ifndef MXG_ST_PAUSE
#if defined(__x86_64__) || defined(__i386__)
#define MXG_ST_PAUSE() __builtin_ia32_pause()
#else
#define MXG_ST_PAUSE() ((void)0)
#endif
#endif
#endif

/* Outcomes of the steps below. */
#define MXG_ST_FOUND  1
#define MXG_ST_ABSENT 0
#define MXG_ST_RETRY  (-1)
#define MXG_ST_BUSYLK (-2)

/*
 * Take from the key's slot in line l, if it is there (want = fp | SEC
 * flag). MXG_ST_FOUND with *conform set; MXG_ST_ABSENT; MXG_ST_RETRY
 * when the slot changed under us.
 */
MXG_INLINE int mxg_st_take_in(struct mxg_st_line *l, uint64_t want,
			      uint64_t now_ns,
			      const struct mxg_bucket_params *bp, int *conform,
			      struct mxg_st_result *res)
{
	uint64_t f, t, next;
	uint32_t w;

	MXG_ST_LOOP
	for (w = 0; w < MXG_ST_WAYS; w++) {
		f = MXG_ST_LOAD(&l->slot[w].fp);
		if ((f & (MXG_ST_FP_MASK | MXG_ST_SEC)) != want)
			continue;
		t = MXG_ST_LOAD(&l->slot[w].tat);
		f = MXG_ST_LOAD(&l->slot[w].fp);
		if ((f & (MXG_ST_FP_MASK | MXG_ST_SEC)) != want ||
		    t == MXG_ST_BUSY) {
			res->retries++;
			return MXG_ST_RETRY;
		}
		*conform = mxg_bucket_take(t, now_ns, bp, &next);
		if (next == t || MXG_ST_CAS(&l->slot[w].tat, t, next) == t)
			return MXG_ST_FOUND;
		res->retries++;
		return MXG_ST_RETRY;
	}
	return MXG_ST_ABSENT;
}

MXG_INLINE uint64_t mxg_st_ovf(struct mxg_st_line *l)
{
	return (MXG_ST_LOAD(&l->slot[1].fp) >> MXG_ST_OVF_SHIFT) &
	       MXG_ST_OVF_STICKY;
}

/*
 * One more key of l lives in its second line; under l's lock. Only lock
 * holders increment, so OVF cannot rise between the read and the add,
 * and the add never carries out of the field.
 */
MXG_INLINE void mxg_st_ovf_inc(struct mxg_st_line *l)
{
	if (mxg_st_ovf(l) < MXG_ST_OVF_STICKY)
		MXG_ST_ADD(&l->slot[1].fp, MXG_ST_OVF_ONE);
}

/*
 * One less (without l's lock): a CAS that leaves 0 and the sticky 7
 * alone. Giving up (BPF, MXG_ST_CAS_TRIES races lost) leaves OVF too
 * high, which costs reads of second lines, never a missed key.
 */
MXG_INLINE void mxg_st_ovf_dec(struct mxg_st_line *l)
{
	uint64_t cur, cnt, i;

	MXG_ST_LOOP
	for (i = 0; i < MXG_ST_CAS_TRIES; i++) {
		cur = MXG_ST_LOAD(&l->slot[1].fp);
		cnt = (cur >> MXG_ST_OVF_SHIFT) & MXG_ST_OVF_STICKY;
		if (cnt == MXG_ST_OVF_STICKY || cnt == 0)
			return;
		if (MXG_ST_CAS(&l->slot[1].fp, cur, cur - MXG_ST_OVF_ONE) ==
		    cur)
			return;
	}
}

MXG_INLINE int mxg_st_trylock(struct mxg_st_line *l)
{
	return !(MXG_ST_FETCH_OR(&l->slot[0].fp, MXG_ST_LOCK) & MXG_ST_LOCK);
}

MXG_INLINE int mxg_st_lock(struct mxg_st_line *l)
{
	uint32_t i;

	MXG_ST_LOOP
	for (i = 0; i < MXG_ST_LOCK_SPINS; i++) {
		if (!(MXG_ST_LOAD(&l->slot[0].fp) & MXG_ST_LOCK) &&
		    mxg_st_trylock(l))
			return 1;
		MXG_ST_PAUSE();
	}
	return 0;
}

/*
 * While we hold the lock nobody else changes slot 0's word (others' try-
 * locks write back the same value, OVF lives in slot 1, and slot 0 is
 * re-keyed only under the lock): a plain release store frees it, without
 * a locked instruction.
 */
MXG_INLINE void mxg_st_unlock(struct mxg_st_line *l)
{
	MXG_ST_STORE(&l->slot[0].fp,
		     MXG_ST_LOAD(&l->slot[0].fp) & ~MXG_ST_LOCK);
}

/*
 * What one pass over a line finds for an insert (mxg_st_scan_line); small,
 * for the BPF stack.
 */
struct mxg_st_scan {
	int8_t match;	  /* the slot holding the key, or -1 */
	int8_t room;	  /* a slot to insert into without loss, or -1 */
	int8_t room_full; /* room is a full bucket (a lossless eviction) */
	int8_t victim;	  /* room, else the slot with the oldest tat */
	uint32_t pad;
	uint64_t victim_tat; /* its tat when judged */
};

/* What one pass over a line found (slot indexes, -1: none), as the
 * insert's answer. */
MXG_INLINE void mxg_st_scan_set(struct mxg_st_scan *sc, int32_t match,
				int32_t empty, uint64_t empty_tat, int32_t full,
				uint64_t full_tat, int32_t oldest,
				uint64_t oldest_tat)
{
	sc->match = (int8_t)match;
	sc->room_full = empty < 0 && full >= 0;
	sc->room = (int8_t)(empty >= 0 ? empty : full);
	sc->victim = (int8_t)(sc->room >= 0 ? sc->room : oldest);
	sc->victim_tat = empty >= 0 ? empty_tat :
			 full >= 0  ? full_tat :
				      oldest_tat;
}

/*
 * One pass over line l for an insert of key 'want' (fp | SEC flag) at
 * now: is it there, where could it go without loss (the first empty slot,
 * else the first whose bucket is full: tat <= now), else which slot has
 * the oldest tat (the bucket full again soonest). Exact under l's lock
 * (no slot of l is BUSY); the victim's compare-and-swap on victim_tat
 * catches a reader's take since.
 *
 * The same pass in two shapes. With branches: BPF's (it has no
 * conditional move, and its verifier prunes branches), and the reference
 * test_src_table holds the other to. With selects: the CPU's, since the
 * slots' contents are random and each branch would mispredict half the
 * time (bench_engine --stages, in-cache flood: decide 367 -> 268 cycles
 * per SYN).
 */
MXG_INLINE void mxg_st_scan_branches(struct mxg_st_line *l, uint64_t want,
				     uint64_t now_ns, struct mxg_st_scan *sc)
{
	int32_t w, match = -1, empty = -1, full = -1, oldest = 0;
	uint64_t empty_tat = 0, full_tat = 0, oldest_tat = ~0ULL;

	MXG_ST_LOOP
	for (w = 0; w < MXG_ST_WAYS; w++) {
		uint64_t f = MXG_ST_LOAD(&l->slot[w].fp);
		uint64_t t = MXG_ST_LOAD(&l->slot[w].tat);

		if ((f & (MXG_ST_FP_MASK | MXG_ST_SEC)) == want)
			match = w;
		if (!(f & MXG_ST_FP_MASK)) {
			if (empty < 0) {
				empty = w;
				empty_tat = t;
			}
		} else if (full < 0 && mxg_bucket_is_full(t, now_ns)) {
			full = w;
			full_tat = t;
		}
		if (t < oldest_tat) {
			oldest = w;
			oldest_tat = t;
		}
	}
	mxg_st_scan_set(sc, match, empty, empty_tat, full, full_tat, oldest,
			oldest_tat);
}

#ifndef __bpf__
MXG_INLINE void mxg_st_scan_selects(struct mxg_st_line *l, uint64_t want,
				    uint64_t now_ns, struct mxg_st_scan *sc)
{
	int32_t w, match = -1, empty = -1, full = -1, oldest = 0;
	uint64_t empty_tat = 0, full_tat = 0, oldest_tat = ~0ULL;

	for (w = 0; w < MXG_ST_WAYS; w++) {
		uint64_t f = MXG_ST_LOAD(&l->slot[w].fp);
		uint64_t t = MXG_ST_LOAD(&l->slot[w].tat);
		int is_empty = !(f & MXG_ST_FP_MASK);
		int take_empty = is_empty & (empty < 0);
		int take_full = !is_empty & (full < 0) &
				mxg_bucket_is_full(t, now_ns);
		int older = t < oldest_tat;

		match = (f & (MXG_ST_FP_MASK | MXG_ST_SEC)) == want ? w : match;
		empty = take_empty ? w : empty;
		empty_tat = take_empty ? t : empty_tat;
		full = take_full ? w : full;
		full_tat = take_full ? t : full_tat;
		oldest = older ? w : oldest;
		oldest_tat = older ? t : oldest_tat;
	}
	mxg_st_scan_set(sc, match, empty, empty_tat, full, full_tat, oldest,
			oldest_tat);
}
#endif

MXG_INLINE void mxg_st_scan_line(struct mxg_st_line *l, uint64_t want,
				 uint64_t now_ns, struct mxg_st_scan *sc)
{
#ifdef __bpf__
	mxg_st_scan_branches(l, want, now_ns, sc);
#else
	mxg_st_scan_selects(l, want, now_ns, sc);
#endif
}

/*
 * Re-key slot w of line l (index li, lock held) to key 'want' (fp | SEC)
 * with state 'tat'. 0, or MXG_ST_RETRY when a reader changed the
 * victim's bucket since it was judged (choose again).
 */
MXG_INLINE int mxg_st_rekey(struct mxg_st_line *l, uint32_t li, uint32_t w,
			    uint64_t want, uint64_t tat, uint64_t line_mask,
			    uint64_t judged_tat, struct mxg_st_result *res)
{
	struct mxg_st_slot *s = &l->slot[w & (MXG_ST_WAYS - 1)];
	uint64_t old_f;

	if (MXG_ST_CAS(&s->tat, judged_tat, MXG_ST_BUSY) != judged_tat) {
		res->retries++;
		return MXG_ST_RETRY;
	}
	/*
	 * The slot's own bits change only under the lock we hold. Others
	 * change slot 1's metadata (OVF) at any time: there an XOR flips
	 * exactly the slot's own bits from the old key to the new one.
	 * Slot 0's metadata is our lock bit and slots 2 and 3 have none, so
	 * a plain store does (see mxg_st_unlock).
	 */
	old_f = MXG_ST_LOAD(&s->fp);
	if ((w & (MXG_ST_WAYS - 1)) == 1)
		MXG_ST_XOR(&s->fp, (old_f & ~MXG_ST_META) ^ want);
	else
		MXG_ST_STORE(&s->fp, (old_f & MXG_ST_META) | want);
	MXG_ST_STORE(&s->tat, tat);
	/*
	 * A key that lived in its second line: its first line has one less.
	 * The caller decrements its OVF (mxg_st_ovf_dec) after the take,
	 * outside the locks: until then OVF is one too high, which only
	 * costs a read of the second line.
	 */
	if ((old_f & MXG_ST_FP_MASK) && (old_f & MXG_ST_SEC)) {
		res->dec = 1;
		res->dec_line = li ^ mxg_st_alt(old_f & MXG_ST_FP_MASK,
						(uint32_t)line_mask);
	}
	return 0;
}

/*
 * The includer may scan lines through a function of its own with
 * mxg_st_scan_line's arguments (the XDP program makes it a BPF subprogram
 * that the verifier checks once, rather than once per path through the
 * insert that calls it twice).
 */
#ifndef MXG_ST_SCAN_LINE
#define MXG_ST_SCAN_LINE mxg_st_scan_line
#endif

/*
 * Insert the key (where, l1, l2) and take its first token, which always
 * conforms (a fresh bucket holds burst >= 1 tokens). MXG_ST_FOUND when
 * inserted; MXG_ST_ABSENT when it turned out to be present (take from
 * it); MXG_ST_RETRY to choose again; MXG_ST_BUSYLK when the first line's
 * lock was not had in time (BPF only).
 */
MXG_INLINE int mxg_st_insert(const struct mxg_st_where *wh,
			     struct mxg_st_line *l1, struct mxg_st_line *l2,
			     uint32_t line_mask, uint64_t now_ns,
			     const struct mxg_bucket_params *bp,
			     struct mxg_st_result *res)
{
	struct mxg_st_scan s1, s2;
	uint64_t judged;
	int w, full, locked2 = 0, rc, second = 0;

	if (!mxg_st_lock(l1))
		return MXG_ST_BUSYLK;
	/* One pass per line: present? room? oldest? */
	MXG_ST_SCAN_LINE(l1, wh->fp, now_ns, &s1);
	s2.match = -1;
	s2.room = -1;
	if (s1.match < 0 && (s1.room < 0 || mxg_st_ovf(l1))) {
		if (s1.room < 0)
			locked2 = mxg_st_trylock(l2);
		MXG_ST_SCAN_LINE(l2, wh->fp | MXG_ST_SEC, now_ns, &s2);
	}
	if (s1.match >= 0 || s2.match >= 0) {
		if (locked2)
			mxg_st_unlock(l2);
		mxg_st_unlock(l1);
		return MXG_ST_ABSENT;
	}
	if (s1.room >= 0) {
		w = s1.victim;
		full = s1.room_full;
		judged = s1.victim_tat;
	} else if (locked2 && s2.room >= 0) {
		w = s2.victim;
		full = s2.room_full;
		judged = s2.victim_tat;
		second = 1;
	} else {
		/* Lossy: the bucket that will be full again soonest. */
		w = s1.victim;
		judged = s1.victim_tat;
		if (locked2 && s2.victim_tat < s1.victim_tat) {
			w = s2.victim;
			judged = s2.victim_tat;
			second = 1;
		}
		full = -1;
	}
	if (second)
		mxg_st_ovf_inc(l1);
	rc = mxg_st_rekey(second ? l2 : l1, second ? wh->i2 : wh->i1,
			  (uint32_t)w, wh->fp | (second ? MXG_ST_SEC : 0),
			  /* mxg_bucket_take(MXG_BUCKET_FRESH, ...)'s state */
			  (now_ns > MXG_BUCKET_FRESH ? now_ns :
						       MXG_BUCKET_FRESH) +
				  bp->interval_ns,
			  line_mask, judged, res);
	if (rc == 0) {
		/* An empty slot holds tat 0: full, but nothing evicted. */
		if (full == 1)
			res->evict_lossless = 1;
		else if (full < 0)
			res->evict_lossy = 1;
		res->inserted = 1;
		res->second = (uint8_t)second;
	} else if (second) {
		mxg_st_ovf_dec(l1);
	}
	if (locked2)
		mxg_st_unlock(l2);
	mxg_st_unlock(l1);
	return rc == 0 ? MXG_ST_FOUND : rc;
}

/*
 * The lock-free half of a take: take from the key's slot in l1, or in l2
 * when l1's OVF says some key of l1 lives in its second line.
 * MXG_ST_FOUND (*conform set), MXG_ST_ABSENT (insert it), MXG_ST_RETRY.
 */
MXG_INLINE int mxg_st_lookup(const struct mxg_st_where *wh,
			     struct mxg_st_line *l1, struct mxg_st_line *l2,
			     uint64_t now_ns,
			     const struct mxg_bucket_params *bp, int *conform,
			     struct mxg_st_result *res)
{
	int rc = mxg_st_take_in(l1, wh->fp, now_ns, bp, conform, res);

	if (rc != MXG_ST_ABSENT || !mxg_st_ovf(l1))
		return rc;
	return mxg_st_take_in(l2, wh->fp | MXG_ST_SEC, now_ns, bp, conform,
			      res);
}

/*
 * One connection attempt for the key at (wh, l1, l2) under bucket bp:
 * find or insert it (a new key starts full), then take a token. Returns
 * 1 if the attempt conforms, 0 if it is over the limit. l2 is touched
 * only when l1's OVF is set or the key is inserted and l1 has no room.
 */
MXG_INLINE int mxg_st_take(const struct mxg_st_where *wh,
			   struct mxg_st_line *l1, struct mxg_st_line *l2,
			   uint32_t line_mask, uint64_t now_ns,
			   const struct mxg_bucket_params *bp,
			   struct mxg_st_result *res)
{
	uint64_t next;
	int conform = 0, rc;
	uint32_t round;

	MXG_ST_LOOP
	for (round = 0; round < MXG_ST_ROUNDS; round++) {
		rc = mxg_st_lookup(wh, l1, l2, now_ns, bp, &conform, res);
		if (rc == MXG_ST_FOUND)
			return conform;
		if (rc == MXG_ST_RETRY)
			continue;
		rc = mxg_st_insert(wh, l1, l2, line_mask, now_ns, bp, res);
		if (rc == MXG_ST_FOUND)
			return 1;
		if (rc == MXG_ST_BUSYLK)
			break;
	}
	/* BPF only: judged on a fresh bucket, not stored. */
	res->busy = 1;
	return mxg_bucket_take(MXG_BUCKET_FRESH, now_ns, bp, &next);
}

/*
 * What line l1 says, once it is in the cache, about a take of the key
 * (fingerprint fp) at now under bucket bp: a burst loop asks, to fetch
 * only the lines and keys the take will need. A hint: a race may change
 * the answer, never the take's.
 *   MXG_ST_HINT_OVER    the key is in l1 and over the limit: the take
 *                       refuses, and decides the attempt;
 *   MXG_ST_HINT_FIRST   l1 alone answers: the key is there, or absent
 *                       with room in l1 and no key of l1 in its second
 *                       line;
 *   MXG_ST_HINT_SECOND  the take will read the second line.
 */
#define MXG_ST_HINT_FIRST  0
#define MXG_ST_HINT_OVER   1
#define MXG_ST_HINT_SECOND 2
MXG_INLINE int mxg_st_hint(struct mxg_st_line *l1, uint64_t fp, uint64_t now_ns,
			   const struct mxg_bucket_params *bp)
{
	int room = 0;
	uint32_t w;

	MXG_ST_LOOP
	for (w = 0; w < MXG_ST_WAYS; w++) {
		uint64_t f = MXG_ST_LOAD(&l1->slot[w].fp);
		uint64_t t = MXG_ST_LOAD(&l1->slot[w].tat);

		int mine = (f & (MXG_ST_FP_MASK | MXG_ST_SEC)) == fp;

		if (mine && t != MXG_ST_BUSY &&
		    !mxg_bucket_conforms(t, now_ns, bp))
			return MXG_ST_HINT_OVER;
		if (mine)
			return MXG_ST_HINT_FIRST;
		if (!(f & MXG_ST_FP_MASK) || mxg_bucket_is_full(t, now_ns))
			room = 1;
	}
	if (room && !mxg_st_ovf(l1))
		return MXG_ST_HINT_FIRST;
	return MXG_ST_HINT_SECOND;
}

/* Read the key's state without changing it: 1 and *tat if present. */
MXG_INLINE int mxg_st_peek(const struct mxg_st_where *wh,
			   struct mxg_st_line *l1, struct mxg_st_line *l2,
			   uint64_t *tat)
{
	uint32_t w, i;

	MXG_ST_LOOP
	for (i = 0; i < 2; i++) {
		struct mxg_st_line *l = i ? l2 : l1;
		uint64_t want = wh->fp | (i ? MXG_ST_SEC : 0);

		if (i && !mxg_st_ovf(l1))
			break;
		MXG_ST_LOOP
		for (w = 0; w < MXG_ST_WAYS; w++) {
			uint64_t f = MXG_ST_LOAD(&l->slot[w].fp);
			uint64_t t = MXG_ST_LOAD(&l->slot[w].tat);

			if ((f & (MXG_ST_FP_MASK | MXG_ST_SEC)) == want &&
			    t != MXG_ST_BUSY) {
				*tat = t;
				return 1;
			}
		}
	}
	return 0;
}

#ifndef __bpf__
/* Lines for a table of at least 'entries' keys (a power of two). */
static inline uint32_t mxg_st_lines_for(uint64_t entries)
{
	uint64_t lines = MXG_ST_LINES_MIN;

	while (lines * MXG_ST_WAYS < entries && lines < MXG_ST_LINES_MAX)
		lines <<= 1;
	return (uint32_t)lines;
}
#endif

#endif /* MXGATE_SRC_TABLE_H */
