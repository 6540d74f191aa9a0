// SPDX-License-Identifier: BSD-3-Clause
/*
 * The source table (src_table.h): a bounded, set-associative, lock-free
 * table of per-key token buckets, with two choices of bucket per key.
 *
 * Layout. One anonymous mapping made at create time holds the table
 * header and then the buckets. A bucket is MXG_SRC_WAYS (4) slots, 128
 * bytes, aligned on 128 so that its two cache lines are one adjacent-line
 * pair:
 *
 *   slot (32 bytes, 16-aligned)
 *     state    the token bucket's tat (mxgate/bucket.h)
 *     meta     [63..32] key_id  [31..3] seq  [2] LOCK  [1] VALID  [0] BUSY
 *     addr[2]  the key's 16-byte masked address
 *
 * LOCK is used in slot 0 only: it is the bucket's insert lock, so an
 * insert touches no cache line outside its key's two buckets. 32 bytes
 * per entry; with the header and the rounding to 2 MiB pages, 32.1 bytes
 * per entry at 16M entries, all overhead included. Two choices add no
 * memory: nothing records which of its two buckets a key is in.
 *
 * Two choices. A key's 64-bit hash h gives its first bucket b1 from its
 * high bits and its second bucket b2 from its low bits (h rotated by 32,
 * each reduced to [0, nbuckets) by a multiply-high, which takes any
 * table size). If b2 == b1, b2 is the next bucket, so a key has two
 * distinct buckets whenever the table has two; a table of one bucket
 * has one. A key lives in b1 or in b2, never in both, and never moves:
 * a lookup checks b1, then b2.
 *
 * Why. With one bucket per key, an insert finds its bucket full, and
 * must evict, for 16% of new keys at 50% occupancy and 76% at 90%
 * (buckets fill unevenly: Poisson). With the less loaded of two, it must
 * evict only when both are full: 0.03% at 50%, 9% at 75%, 47% at 90%
 * (the fluid limit of greedy two-choice, which test_src_table and
 * bench_src_table measure). Not less at 90%: with 4 slots and 3.6 keys a
 * bucket on average, at least 60% of buckets are full, so at least 36%
 * of random pairs are both full, however keys are placed (short of
 * moving them, as cuckoo hashing does, which a lock-free reader and an
 * insert cost that stays the same at any occupancy both rule out).
 *
 * Concurrency. {state, meta} is one 16-byte unit updated with a 16-byte
 * compare-and-swap (cmpxchg16b on x86-64):
 *  - A reader loads meta (acquire), matches key_id, loads addr and state,
 *    and re-checks meta (seqlock; LOCK is ignored in every comparison of
 *    meta but the 16-byte CAS itself, which simply retries when only
 *    LOCK changed); a slot that is BUSY or not VALID is skipped. It
 *    then applies mxg_bucket_take to the state and swaps
 *    {state, meta} -> {next, meta}. Because meta is part of the compared
 *    value, a take can never land on a slot that was re-keyed since the
 *    key was matched: re-keying changes seq. (A 64-bit CAS on state alone
 *    cannot promise that: a full bucket evicted and re-keyed at the same
 *    nanosecond under a rule of the same interval has the same state
 *    word, so a late reader's CAS would succeed on the wrong key.) A
 *    take that changes nothing (over the limit: the state is unchanged)
 *    writes nothing. Readers (takes of a key that is present) never take a
 *    lock and never wait for one.
 *  - Keys are only written (inserted, evicted) by an insert holding the
 *    insert locks of both of the key's buckets. An insert takes them in
 *    a fixed order, the lower bucket index first (one lock when b1 ==
 *    b2), so two inserts never deadlock; each lock is a test-and-set of
 *    LOCK in slot 0's meta with an atomic OR. Holding both, it looks the
 *    key up again in b1 and in b2, and only then picks a slot in one of
 *    them: any other insert of the same key, into either bucket, needs
 *    one of these two locks, so the same key is never present twice.
 *    (Re-checking only the bucket it inserts into would not do: the
 *    other thread may have put the key into the other bucket.)
 *  - A free slot has never held a key (slots are never emptied: an
 *    eviction re-keys), so no reader can be matching it: it is written
 *    as it is. A victim is claimed with the same 16-byte CAS,
 *    {state, meta} -> {state, BUSY|seq+1}, which fails if a reader
 *    updated it in the meantime (the choice is then made again, so a
 *    "lossless" eviction really evicts the full state that was judged).
 *    The new key's address and state are written, then meta is
 *    published with release semantics, and the locks are released.
 *  - A reader that misses the key in b1 and then in b2 while an insert
 *    puts it into b1 goes to insert it, finds it under the locks, and
 *    looks it up again: it never inserts a second copy.
 *  - seq has 29 bits: a reader would have to be stalled across 2^29
 *    re-keys of one slot to be fooled.
 *
 * Placement. A new key goes to whichever of b1 and b2 has more free
 * slots (b1 when they tie). Only when both are full is a slot evicted,
 * chosen among the 8 slots of b1 then b2, in order of preference: a slot
 * whose bucket is full at 'now' (tat <= now: one compare, whatever the
 * rule) or whose rule is gone (resolve() returns NULL): both lossless,
 * the first found; then the slot whose bucket will be full again soonest
 * (the smallest tat, the first found among equals): lossy. A resolve()
 * call is made only for a slot that is not full, of another key_id. The cost of an insert is therefore
 * bounded, and the same at any occupancy: the two buckets read before
 * the locks and once more under them (re-check and free slots in one
 * pass; when both are full, one more pass to choose the victim), at most
 * 2 * MXG_SRC_WAYS resolve() calls, one 16-byte CAS (none into a free
 * slot), two locks.
 *
 * Hash: a keyed multiply-fold hash of the 20-byte key with a random
 * 256-bit per-table seed. Whatever an attacker does to one pair of
 * buckets, an operation costs two bucket scans; flooding only evicts
 * those buckets.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "src_table.h"

#define MXG_SRC_WAYS	     4
#define MXG_SRC_BUCKET_ALIGN 128
#define MXG_SRC_MAX_ENTRIES  (1ULL << 32)
#define MXG_SRC_HUGE_PAGE    (2UL << 20)
#define MXG_SRC_LOCK_SPINS   1024

#define META_BUSY      1ULL
#define META_VALID     2ULL
#define META_LOCK      4ULL /* slot 0 only: the bucket's insert lock */
#define META_SEQ_SHIFT 3
#define META_SEQ_MASK  ((1ULL << 29) - 1)
#define META_KEY_SHIFT 32
#define META_KEY_MASK  (~0ULL << META_KEY_SHIFT)

struct src_slot {
	uint64_t state;
	uint64_t meta;
	uint64_t addr[2];
} __attribute__((aligned(16)));
_Static_assert(sizeof(struct src_slot) == 32, "src_slot layout");

struct src_bucket {
	struct src_slot slot[MXG_SRC_WAYS];
} __attribute__((aligned(MXG_SRC_BUCKET_ALIGN)));
_Static_assert(sizeof(struct src_bucket) == 128, "src_bucket layout");

/* Lives at the start of its own mapping. */
struct mxg_src_table {
	uint64_t seed[4];
	uint64_t nbuckets;
	void *map;
	size_t map_len;
	struct src_bucket *buckets;
} __attribute__((aligned(MXG_SRC_BUCKET_ALIGN)));

/* ---------------------------------------------------------------- */
/* Atomics */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/*
 * 16-byte compare-and-swap of {state, meta}: if they equal {*s, *m},
 * store {ns, nm} and return 1; otherwise return 0 with {*s, *m} set to
 * the current values, read atomically together. Full barrier.
 */
static inline int slot_cas(struct src_slot *sl, uint64_t *s, uint64_t *m,
			   uint64_t ns, uint64_t nm)
{
#if defined(__x86_64__)
	uint64_t lo = *s, hi = *m;
	uint8_t ok;

	__asm__ __volatile__(
		"lock cmpxchg16b %[p]\n\tsetz %[ok]"
		: [ok] "=q"(ok), [p] "+m"(*(volatile unsigned __int128 *)sl),
		  "+a"(lo), "+d"(hi)
		: "b"(ns), "c"(nm)
		: "memory", "cc");
	*s = lo;
	*m = hi;
	return ok;
#else
	_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
		       "state is the low half of the 16-byte unit");
	unsigned __int128 exp = (unsigned __int128)*m << 64 | *s;
	unsigned __int128 des = (unsigned __int128)nm << 64 | ns;
	int ok = __atomic_compare_exchange_n((unsigned __int128 *)sl, &exp, des,
					     0, __ATOMIC_SEQ_CST,
					     __ATOMIC_SEQ_CST);

	*s = (uint64_t)exp;
	*m = (uint64_t)(exp >> 64);
	return ok;
#endif
}

/* The bucket's insert lock: LOCK in slot 0's meta. Readers never wait. */
static void bucket_lock_wait(uint64_t *m)
{
	unsigned int spins = 0;

	while (__atomic_fetch_or(m, META_LOCK, __ATOMIC_ACQUIRE) & META_LOCK) {
		while (__atomic_load_n(m, __ATOMIC_RELAXED) & META_LOCK) {
			cpu_relax();
			/* Only if the holder was preempted. */
			if (++spins == MXG_SRC_LOCK_SPINS) {
				spins = 0;
				sched_yield();
			}
		}
	}
}

static inline void bucket_lock(struct src_bucket *b)
{
	uint64_t *m = &b->slot[0].meta;

	if (__atomic_fetch_or(m, META_LOCK, __ATOMIC_ACQUIRE) & META_LOCK)
		bucket_lock_wait(m);
}

static inline void bucket_unlock(struct src_bucket *b)
{
	__atomic_fetch_and(&b->slot[0].meta, ~META_LOCK, __ATOMIC_RELEASE);
}

/* ---------------------------------------------------------------- */
/* Hash */

static inline uint64_t mum(uint64_t a, uint64_t b)
{
	unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/*
 * wyhash-style: the first 16 bytes folded, then the last 8 (bytes 12..19)
 * multiplied in at full 128-bit width and the two halves folded together,
 * so every input bit reaches every output bit (sequential IPv4 sources
 * differ only in the last bytes).
 */
static inline uint64_t key_hash(const uint64_t seed[4],
				const struct mxg_src_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	unsigned __int128 r;
	uint64_t a, b, c;

	_Static_assert(sizeof(*k) == 20, "the hash reads 20 bytes");
	memcpy(&a, p, 8);
	memcpy(&b, p + 8, 8);
	memcpy(&c, p + 12, 8);
	r = (unsigned __int128)(mum(a ^ seed[0], b ^ seed[1]) ^ seed[2]) *
	    (c ^ seed[3]);
	return mum((uint64_t)r ^ seed[0], (uint64_t)(r >> 64) ^ seed[1] ^ 20);
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void seed_init(uint64_t seed[4], const void *salt)
{
	struct timespec ts;
	uint64_t x;
	int i;

	if (getrandom(seed, 4 * sizeof(uint64_t), GRND_NONBLOCK) ==
	    (ssize_t)(4 * sizeof(uint64_t)))
		return;
	/* No entropy yet (early boot): clocks and addresses, mixed. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	x = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	clock_gettime(CLOCK_REALTIME, &ts);
	x ^= splitmix64(&x) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)salt;
	for (i = 0; i < 4; i++)
		seed[i] = splitmix64(&x);
}

/* ---------------------------------------------------------------- */
/* Create, destroy, sizes */

static size_t align_up(size_t x, size_t a)
{
	return (x + a - 1) / a * a;
}

int mxg_src_table_create(struct mxg_src_table **out, uint64_t min_entries)
{
	uint64_t nbuckets, phys;
	size_t hdr_len, len, map_len, page;
	long pages, psz;
	struct mxg_src_table *t;
	uint8_t *map, *base;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	if (min_entries == 0 || min_entries > MXG_SRC_MAX_ENTRIES)
		return -EINVAL;

	nbuckets = (min_entries + MXG_SRC_WAYS - 1) / MXG_SRC_WAYS;
	hdr_len = align_up(sizeof(*t), MXG_SRC_BUCKET_ALIGN);
	len = hdr_len + nbuckets * sizeof(struct src_bucket);

	/* Refuse what this machine cannot hold before mapping anything. */
	pages = sysconf(_SC_PHYS_PAGES);
	psz = sysconf(_SC_PAGESIZE);
	if (pages > 0 && psz > 0) {
		phys = (uint64_t)pages * (uint64_t)psz;
		if (len > phys)
			return -ENOMEM;
	}

	/* Big tables: whole 2 MiB pages, 2 MiB aligned, for THP. */
	page = len >= MXG_SRC_HUGE_PAGE ? MXG_SRC_HUGE_PAGE : (size_t)psz;
	len = align_up(len, page);
	map_len = page > (size_t)psz ? len + page : len;
	map = mmap(NULL, map_len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return -ENOMEM;
	base = map;
	if (map_len != len) {
		size_t head = align_up((uintptr_t)map, page) - (uintptr_t)map;

		base = map + head;
		if (head)
			munmap(map, head);
		if (map_len - head - len)
			munmap(base + len, map_len - head - len);
		madvise(base, len, MADV_HUGEPAGE); /* a hint; may fail */
	}
	/* Fault every page in now, not on the packet path. */
	for (size_t off = 0; off < len; off += (size_t)psz)
		((volatile uint8_t *)base)[off] = 0;

	t = (struct mxg_src_table *)base;
	seed_init(t->seed, t);
	t->nbuckets = nbuckets;
	t->map = base;
	t->map_len = len;
	t->buckets = (struct src_bucket *)(base + hdr_len);
	*out = t;
	return 0;
}

void mxg_src_table_destroy(struct mxg_src_table *t)
{
	if (t == NULL)
		return;
	munmap(t->map, t->map_len);
}

uint64_t mxg_src_table_capacity(const struct mxg_src_table *t)
{
	return t->nbuckets * MXG_SRC_WAYS;
}

size_t mxg_src_table_memory(const struct mxg_src_table *t)
{
	return t->map_len;
}

uint64_t mxg_src_table_count(const struct mxg_src_table *t)
{
	uint64_t n = 0, i;
	int w;

	for (i = 0; i < t->nbuckets; i++)
		for (w = 0; w < MXG_SRC_WAYS; w++)
			n += (__atomic_load_n(&t->buckets[i].slot[w].meta,
					      __ATOMIC_RELAXED) &
			      (META_VALID | META_BUSY)) == META_VALID;
	return n;
}

/* ---------------------------------------------------------------- */
/* Lookup, take, insert */

struct src_probe {
	uint64_t meta_key; /* key_id << META_KEY_SHIFT */
	uint64_t a0, a1;   /* the address, as two words */
};

/* A key's two buckets; b[0] == b[1] only in a table of one bucket. */
struct src_pair {
	struct src_bucket *b[2];
};

static inline uint64_t reduce(uint64_t x, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)x * n) >> 64);
}

/*
 * b1 from the high bits of the hash, b2 from the low bits (the hash
 * rotated by 32: a multiply-high reduction of a table of at most 2^30
 * buckets reads the top 30 bits, and the other half moves the result by
 * at most one bucket), so the two are independent.
 */
static inline void pair_of(const struct mxg_src_table *t,
			   const struct mxg_src_key *key, struct src_pair *pr)
{
	uint64_t h = key_hash(t->seed, key), n = t->nbuckets;
	uint64_t i1 = reduce(h, n), i2 = reduce(h << 32 | h >> 32, n);

	if (i2 == i1)
		i2 = i1 + 1 == n ? 0 : i1 + 1; /* n == 1: i2 == i1 == 0 */
	pr->b[0] = &t->buckets[i1];
	pr->b[1] = &t->buckets[i2];
}

static inline int pair_size(const struct src_pair *pr)
{
	return pr->b[0] == pr->b[1] ? 1 : 2;
}

/* Both insert locks, the lower bucket first: inserts never deadlock. */
static void pair_lock(const struct src_pair *pr)
{
	struct src_bucket *lo = pr->b[0], *hi = pr->b[1];

	if (hi < lo) {
		lo = pr->b[1];
		hi = pr->b[0];
	}
	bucket_lock(lo);
	if (hi != lo)
		bucket_lock(hi);
}

/* Release the locks; 'published' (slot 0 of a bucket) released its own. */
static void pair_unlock(const struct src_pair *pr,
			const struct src_slot *published)
{
	int i;

	for (i = 0; i < pair_size(pr); i++)
		if (published != &pr->b[i]->slot[0])
			bucket_unlock(pr->b[i]);
}

static inline void probe_init(struct src_probe *p, const struct mxg_src_key *k)
{
	p->meta_key = (uint64_t)k->key_id << META_KEY_SHIFT;
	memcpy(&p->a0, k->addr, 8);
	memcpy(&p->a1, k->addr + 8, 8);
}

#define FIND_RETRY (-2)

/*
 * The slot of b holding the key, with its meta and state read as one
 * consistent snapshot (seqlock re-check); -1 if absent; FIND_RETRY if a
 * matching slot changed while it was read.
 */
static inline int bucket_find(struct src_bucket *b, const struct src_probe *p,
			      uint64_t *meta, uint64_t *state)
{
	int w;

	for (w = 0; w < MXG_SRC_WAYS; w++) {
		struct src_slot *sl = &b->slot[w];
		uint64_t m = __atomic_load_n(&sl->meta, __ATOMIC_ACQUIRE);
		uint64_t s;

		if ((m & (META_VALID | META_BUSY)) != META_VALID ||
		    (m & META_KEY_MASK) != p->meta_key)
			continue;
		if (__atomic_load_n(&sl->addr[0], __ATOMIC_RELAXED) != p->a0 ||
		    __atomic_load_n(&sl->addr[1], __ATOMIC_RELAXED) != p->a1)
			continue;
		s = __atomic_load_n(&sl->state, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if ((__atomic_load_n(&sl->meta, __ATOMIC_RELAXED) ^ m) &
		    ~META_LOCK)
			return FIND_RETRY;
		*meta = m;
		*state = s;
		return w;
	}
	return -1;
}

/*
 * The key's slot in b1, else in b2: the slot, with *b its bucket; -1 if
 * in neither; FIND_RETRY as bucket_find.
 */
static inline int pair_find(const struct src_pair *pr,
			    const struct src_probe *p, struct src_bucket **b,
			    uint64_t *meta, uint64_t *state)
{
	int w;

	*b = pr->b[0];
	w = bucket_find(pr->b[0], p, meta, state);
	if (w != -1 || pr->b[1] == pr->b[0])
		return w;
	*b = pr->b[1];
	return bucket_find(pr->b[1], p, meta, state);
}

/*
 * Evict: both buckets are full. Choose among their slots, b1's then
 * b2's, the first whose token bucket is full at 'now' (tat <= now) or
 * whose rule is gone (lossless), else the one that will be full again
 * soonest (the smallest tat: the least time left in debt, whatever its
 * rule), and claim it (BUSY) with the 16-byte CAS. Called with both
 * locks held, so only readers' takes race with it (on states); if one
 * changes the victim's state, the choice is made again.
 */
static struct src_slot *
claim_victim(const struct src_pair *pr, const struct mxg_src_key *key,
	     uint64_t now_ns, const struct mxg_bucket_params *bp,
	     mxg_params_lookup_fn resolve, const void *ctx,
	     struct mxg_src_table_stats *st, uint64_t *seq)
{
	int nb = pair_size(pr);

	(void)bp; /* a full bucket is full under any rule */
	for (;;) {
		uint64_t m = 0, s = 0, busy;
		struct src_slot *victim = NULL, *soonest = NULL;
		/* The last rule resolved: slots often share one. */
		uint32_t last_kid = key->key_id;
		int last_known = 1;
		int i, w;

		for (i = 0; victim == NULL && i < nb; i++) {
			for (w = 0; w < MXG_SRC_WAYS; w++) {
				struct src_slot *sl = &pr->b[i]->slot[w];
				uint32_t kid;
				uint64_t ms, ss;
				int known;

				ms = __atomic_load_n(&sl->meta,
						     __ATOMIC_RELAXED);
				ss = __atomic_load_n(&sl->state,
						     __ATOMIC_RELAXED);
				if (mxg_bucket_is_full(ss, now_ns)) {
					victim = sl;
					m = ms;
					s = ss;
					break;
				}
				kid = (uint32_t)(ms >> META_KEY_SHIFT);
				if (kid == key->key_id || resolve == NULL)
					known = 1; /* unknown: by tat */
				else if (kid == last_kid)
					known = last_known;
				else
					known = resolve(ctx, kid) != NULL;
				last_kid = kid;
				last_known = known;
				if (!known) {
					victim = sl;
					m = ms;
					s = ss;
					break;
				}
				if (soonest == NULL || ss < s) {
					soonest = sl;
					m = ms;
					s = ss;
				}
			}
		}
		if (victim == NULL)
			victim = soonest;

		*seq = ((m >> META_SEQ_SHIFT) + 1) & META_SEQ_MASK;
		/* Slot 0 keeps the lock bit, which we hold. */
		busy = *seq << META_SEQ_SHIFT | META_BUSY | (m & META_LOCK);
		if (slot_cas(victim, &s, &m, s, busy)) {
			if (victim == soonest)
				st->evict_lossy++;
			else
				st->evict_lossless++;
			return victim;
		}
		/* A reader took a token from the victim: choose again. */
		st->cas_retries++;
	}
}

/*
 * With both locks held: look the key up again in both buckets (exact:
 * keys only change under these locks, so no slot is BUSY and no meta
 * changes), counting their free slots on the way. NULL if the key is
 * there. Otherwise the slot to write: a free slot of the bucket with
 * more of them (b1 on a tie), or a claimed victim when both are full.
 *
 * A free slot never held a key (slots are never emptied: an eviction
 * re-keys), so no reader can be matching it and it needs no claim: it
 * is written and then published, and readers skip it until then.
 */
static struct src_slot *
claim_slot(const struct src_pair *pr, const struct src_probe *p,
	   const struct mxg_src_key *key, uint64_t now_ns,
	   const struct mxg_bucket_params *bp, mxg_params_lookup_fn resolve,
	   const void *ctx, struct mxg_src_table_stats *st, uint64_t *seq)
{
	int i, w, nfree[2] = { 0, 0 }, free_w[2] = { -1, -1 };
	struct src_slot *sl;

	for (i = 0; i < pair_size(pr); i++) {
		for (w = 0; w < MXG_SRC_WAYS; w++) {
			uint64_t m;

			sl = &pr->b[i]->slot[w];
			m = __atomic_load_n(&sl->meta, __ATOMIC_RELAXED);
			if (!(m & META_VALID)) {
				if (free_w[i] < 0)
					free_w[i] = w;
				nfree[i]++;
			} else if ((m & META_KEY_MASK) == p->meta_key &&
				   __atomic_load_n(&sl->addr[0],
						   __ATOMIC_RELAXED) == p->a0 &&
				   __atomic_load_n(&sl->addr[1],
						   __ATOMIC_RELAXED) == p->a1) {
				return NULL;
			}
		}
	}
	if (nfree[0] == 0 && nfree[1] == 0)
		return claim_victim(pr, key, now_ns, bp, resolve, ctx, st, seq);
	i = nfree[1] > nfree[0]; /* the less loaded bucket */
	sl = &pr->b[i]->slot[free_w[i]];
	*seq = ((__atomic_load_n(&sl->meta, __ATOMIC_RELAXED) >>
		 META_SEQ_SHIFT) +
		1) &
	       META_SEQ_MASK;
	return sl;
}

#define INSERT_FOUND (-1)

/* Insert the key and take its first token; INSERT_FOUND if it is there. */
static int src_insert(const struct src_pair *pr, const struct mxg_src_key *key,
		      const struct src_probe *p, uint64_t now_ns,
		      const struct mxg_bucket_params *bp,
		      mxg_params_lookup_fn resolve, const void *ctx,
		      struct mxg_src_table_stats *st)
{
	uint64_t seq, next;
	struct src_slot *sl;
	int conform;

	pair_lock(pr);
	sl = claim_slot(pr, p, key, now_ns, bp, resolve, ctx, st, &seq);
	if (sl == NULL) {
		pair_unlock(pr, NULL);
		return INSERT_FOUND;
	}
	/*
	 * Readers that see the new address also see a meta that is BUSY,
	 * not VALID (a free slot) or of the new seq.
	 */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&sl->addr[0], p->a0, __ATOMIC_RELAXED);
	__atomic_store_n(&sl->addr[1], p->a1, __ATOMIC_RELAXED);
	conform = mxg_bucket_take(MXG_BUCKET_FRESH, now_ns, bp, &next);
	__atomic_store_n(&sl->state, next, __ATOMIC_RELAXED);
	/*
	 * Publish. In slot 0 this store also releases that bucket's lock:
	 * nobody else writes a BUSY or free slot's meta, and lockers only
	 * set LOCK, which is set.
	 */
	__atomic_store_n(&sl->meta,
			 p->meta_key | seq << META_SEQ_SHIFT | META_VALID,
			 __ATOMIC_RELEASE);
	pair_unlock(pr, sl);
	st->inserts++;
	return conform;
}

/* Both lines of both buckets, for writing: a take CASes its slot. */
static inline void pair_prefetch(const struct src_pair *pr)
{
	__builtin_prefetch(&pr->b[0]->slot[0], 1, 3);
	__builtin_prefetch(&pr->b[0]->slot[2], 1, 3);
	__builtin_prefetch(&pr->b[1]->slot[0], 1, 3);
	__builtin_prefetch(&pr->b[1]->slot[2], 1, 3);
}

int mxg_src_table_take(struct mxg_src_table *t, const struct mxg_src_key *key,
		       uint64_t now_ns, const struct mxg_bucket_params *bp,
		       mxg_params_lookup_fn resolve, const void *resolve_ctx,
		       struct mxg_src_table_stats *st)
{
	struct mxg_src_table_stats scratch = { 0 };
	struct src_probe p;
	struct src_pair pr;

	if (st == NULL)
		st = &scratch;
	st->takes++;
	probe_init(&p, key);
	pair_of(t, key, &pr);
	for (;;) {
		uint64_t m, s, next, cur_m;
		struct src_bucket *b;
		int w, conform;

		w = pair_find(&pr, &p, &b, &m, &s);
		if (w == FIND_RETRY)
			continue;
		if (w < 0) {
			conform = src_insert(&pr, key, &p, now_ns, bp, resolve,
					     resolve_ctx, st);
			if (conform == INSERT_FOUND)
				continue;
			return conform;
		}
		for (;;) {
			conform = mxg_bucket_take(s, now_ns, bp, &next);
			if (next == s) /* nothing to write */
				return conform;
			cur_m = m;
			if (slot_cas(&b->slot[w], &s, &cur_m, next, m))
				return conform;
			st->cas_retries++;
			if ((cur_m ^ m) & ~META_LOCK) /* re-keyed: look again */
				break;
			m = cur_m; /* the same key; s is current */
		}
	}
}

void mxg_src_table_prefetch(const struct mxg_src_table *t,
			    const struct mxg_src_key *key)
{
	struct src_pair pr;

	pair_of(t, key, &pr);
	pair_prefetch(&pr);
}

int mxg_src_table_peek(const struct mxg_src_table *t,
		       const struct mxg_src_key *key, uint64_t *state)
{
	struct src_probe p;
	struct src_pair pr;
	struct src_bucket *b;
	uint64_t m, s;
	int w;

	probe_init(&p, key);
	pair_of(t, key, &pr);
	do
		w = pair_find(&pr, &p, &b, &m, &s);
	while (w == FIND_RETRY);
	if (w < 0)
		return -ENOENT;
	if (state != NULL)
		*state = s;
	return 0;
}
