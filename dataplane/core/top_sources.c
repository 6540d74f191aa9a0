// SPDX-License-Identifier: BSD-3-Clause
/*
 * Top sources (top_sources.h): a set-associative Space-Saving sketch for
 * the data plane, an exact growing map for replay, one keyed hash.
 */
#include "top_sources.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "mxgate/pkt.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define TOP_CAPACITY_MAX    (1u << 24)
#define TOP_EXACT_SLOTS0    1024u      /* first index of an exact tracker */
#define TOP_EXACT_SLOTS_MAX (1u << 31) /* index slots: uint32_t entries */
#define TOP_HUGE_PAGE	    (2UL << 20)
#define TOP_HASH_WORDS	    6  /* a_0 per family, a_1..a_4 per address word */
#define TOP_LAST_SHIFT	    20 /* hot last-seen unit: 2^20 ns, ~1 ms */
#define TOP_PENDING	    8  /* cold entries written this many takes late */

/*
 * Bounded tracker: per bucket one cache line of all that an attempt
 * reads or writes (the line prefetched), and MXG_TOP_WAYS cold entries
 * elsewhere (address, first seen, error), written whole when a source is
 * taken in and otherwise never touched on the packet path: an attempt
 * never waits for a line that was not prefetched.
 *
 * The hot counts are 32-bit: a count that reaches UINT32_MAX stays there
 * and the rest goes to the cold entry's syns or dropped (one read per
 * attempt, from then on, of a source that made 4 billion attempts since
 * the tracker was swapped in: its line is in cache). A saturated syns
 * still ranks highest. Last seen is kept in 2^20 ns units, 32 bits (52
 * days), rebuilt from the cold entry's first_ns: to within 1.05 ms.
 */
struct top_bucket {
	uint32_t tag[MXG_TOP_WAYS];	/* 0: empty; | TOP_TAG_COLD: listed */
	uint32_t syns[MXG_TOP_WAYS];	/* attempts, with the error */
	uint32_t dropped[MXG_TOP_WAYS]; /* drops */
	uint32_t last[MXG_TOP_WAYS];	/* last seen, ns >> TOP_LAST_SHIFT */
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct top_bucket) == 64, "one cache line");

enum { TOP_BOUNDED, TOP_EXACT };

/*
 * A cold entry a take wrote, not yet in place. On the packet path a take
 * prefetches its cold entry's line for writing and queues the entry;
 * the write happens TOP_PENDING takes later, when the line has arrived:
 * a store to a missing line would hold up every later store, and a
 * locked instruction (the source table's compare-and-swap) waits for all
 * of them. Readers see the queued entry in place of the slot's.
 */
struct top_pending {
	struct mxg_top_entry *dst; /* NULL: nothing queued here */
	struct mxg_top_entry e;
};

struct mxg_top_sources {
	int kind;
	int replaced; /* bounded: a source was replaced */
	int lost;     /* exact: an update found no memory to grow */
	uint32_t count;
	uint32_t probe_max;
	uint32_t shift; /* bucket or index slot: (h >> 1) >> shift */
	uint64_t seed[2][TOP_HASH_WORDS];

	/* TOP_BOUNDED */
	uint32_t n_buckets;
	struct top_bucket *buckets;
	struct mxg_top_entry *slots; /* bucket b's are [b * WAYS, +WAYS) */
	void *map;
	size_t map_len;
	uint32_t pend_next; /* the next of pend[] to use (a ring) */
	struct top_pending pend[TOP_PENDING];

	/* TOP_EXACT */
	uint32_t index_mask;
	uint32_t entries_cap;
	uint32_t *index; /* entry + 1; 0 = empty */
	struct mxg_top_entry *entries;
};

/* ------------------------------------------------------------------ */
/* The keyed hash */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void seed_init(struct mxg_top_sources *t)
{
	struct timespec ts;
	uint64_t x;
	size_t i;

	if (getrandom(t->seed, sizeof(t->seed), GRND_NONBLOCK) ==
	    (ssize_t)sizeof(t->seed))
		return;
	/* No entropy yet (early boot): clocks and an address, mixed. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	x = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	clock_gettime(CLOCK_REALTIME, &ts);
	x ^= splitmix64(&x) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)t;
	for (i = 0; i < sizeof(t->seed) / sizeof(uint64_t); i++)
		((uint64_t *)t->seed)[i] = splitmix64(&x);
}

/*
 * Two instances of multiply-shift for vectors (Thorup, "High Speed
 * Hashing for Integers and Strings", §3.5) over the address as 32-bit
 * words x_j: (a_f + sum a_j x_j) mod 2^64, top 32 bits, with a_f a seed
 * word per family (IPv4, IPv6), is strongly universal over the seed,
 * across families too (independent a_f). Two independent instances make
 * a strongly universal 64-bit value; an IPv4 address costs one multiply
 * each.
 *
 * The value then goes through a fixed bijection (xorshift, multiply by
 * an odd constant): for two keys the pair of values stays uniform over
 * pairs of 64-bit words, so the result, and any subset of its bits, is
 * just as strongly universal. Why: multiply-shift is linear in the key,
 * and a dense range of addresses (a /24 botnet) falls on a lattice that
 * for some seeds puts most of the range in a few buckets (seen in the
 * tests: about 1 seed in 50 at 32 buckets); the multiply carries every
 * bit into the top ones. Top bits: bucket or index slot; low 32: tag.
 */
static inline uint64_t key_hash(const struct mxg_top_sources *t, uint8_t family,
				const uint8_t addr[16])
{
	const uint64_t *a = t->seed[0], *b = t->seed[1];
	int v6 = family == MXG_AF_INET6;
	uint32_t w[4];
	uint64_t h0, h1, h;

	memcpy(w, addr, sizeof(w));
	h0 = a[v6] + a[2] * w[0];
	h1 = b[v6] + b[2] * w[0];
	if (v6) {
		h0 += a[3] * w[1] + a[4] * w[2] + a[5] * w[3];
		h1 += b[3] * w[1] + b[4] * w[2] + b[5] * w[3];
	}
	h = (h0 & 0xffffffff00000000ULL) | h1 >> 32;
	h ^= h >> 32;
	return h * 0x9e3779b97f4a7c15ULL;
}

/* The bucket or index slot: the top bits (shift = 63 - log2 slots, so
 * that one slot takes a shift of 63 and gets 0). */
static inline uint32_t slot_of(const struct mxg_top_sources *t, uint64_t h)
{
	return (uint32_t)((h >> 1) >> t->shift);
}

static inline uint32_t log2_of(uint64_t pow2)
{
	return (uint32_t)__builtin_ctzll(pow2);
}

/* A key's tag: 31 bits of the hash, never 0, bit 0 clear (in a bucket,
 * bit 0 says whether the slot's cold entry holds its source). */
#define TOP_TAG_COLD 1u

static inline uint32_t tag_of(uint64_t h)
{
	uint32_t tag = (uint32_t)h & ~TOP_TAG_COLD;

	return tag ? tag : 2;
}

/* The key as stored: an IPv4 address is its first 4 bytes, the rest 0. */
static inline void key_copy(uint8_t dst[16], uint8_t family,
			    const uint8_t addr[16])
{
	if (family == MXG_AF_INET) {
		memset(dst, 0, 16);
		memcpy(dst, addr, 4);
	} else {
		memcpy(dst, addr, 16);
	}
}

static inline int same_key(const struct mxg_top_entry *e, uint8_t family,
			   const uint8_t addr[16])
{
	if (e->family != family)
		return 0;
	if (family == MXG_AF_INET)
		return memcmp(e->addr, addr, 4) == 0;
	return memcmp(e->addr, addr, 16) == 0;
}

/* ------------------------------------------------------------------ */
/* Creation */

static size_t align_up(size_t x, size_t a)
{
	return (x + a - 1) / a * a;
}

/* Zeroed memory, 2 MiB pages for big trackers, faulted in now: a fresh
 * tracker is swapped into a running worker, which must not pay for it. */
static void *map_zeroed(size_t len, void **map, size_t *map_len)
{
	long psz = sysconf(_SC_PAGESIZE);
	size_t page, total, head = 0;
	uint8_t *m, *base;

	if (psz <= 0)
		psz = 4096;
	page = len >= TOP_HUGE_PAGE ? TOP_HUGE_PAGE : (size_t)psz;
	len = align_up(len, page);
	total = page > (size_t)psz ? len + page : len;
	m = mmap(NULL, total, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	base = m;
	if (total != len) {
		head = align_up((uintptr_t)m, page) - (uintptr_t)m;
		base = m + head;
		if (head)
			munmap(m, head);
		if (total - head - len)
			munmap(base + len, total - head - len);
		madvise(base, len, MADV_HUGEPAGE); /* a hint; may fail */
	}
	for (size_t off = 0; off < len; off += (size_t)psz)
		((volatile uint8_t *)base)[off] = 0;
	*map = base;
	*map_len = len;
	return base;
}

int mxg_top_create(struct mxg_top_sources **out, uint32_t capacity)
{
	struct mxg_top_sources *t;
	uint32_t buckets = 1;
	size_t len;
	uint8_t *base;

	*out = NULL;
	if (capacity == 0 || capacity > TOP_CAPACITY_MAX)
		return -EINVAL;
	while ((uint64_t)buckets * MXG_TOP_WAYS < capacity)
		buckets <<= 1;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->kind = TOP_BOUNDED;
	t->n_buckets = buckets;
	t->shift = 63 - log2_of(buckets);
	len = (size_t)buckets * (sizeof(struct top_bucket) +
				 MXG_TOP_WAYS * sizeof(struct mxg_top_entry));
	base = map_zeroed(len, &t->map, &t->map_len);
	if (!base) {
		free(t);
		return -ENOMEM;
	}
	t->buckets = (struct top_bucket *)base;
	t->slots = (struct mxg_top_entry *)(base +
					    (size_t)buckets *
						    sizeof(struct top_bucket));
	seed_init(t);
	t->probe_max = MXG_TOP_WAYS; /* every look: one bucket, by design */
	*out = t;
	return 0;
}

int mxg_top_create_exact(struct mxg_top_sources **out)
{
	struct mxg_top_sources *t;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->kind = TOP_EXACT;
	t->index_mask = TOP_EXACT_SLOTS0 - 1;
	t->shift = 63 - log2_of(TOP_EXACT_SLOTS0);
	t->index = calloc(TOP_EXACT_SLOTS0, sizeof(*t->index));
	t->entries_cap = TOP_EXACT_SLOTS0 / 2;
	t->entries = malloc(t->entries_cap * sizeof(*t->entries));
	if (!t->index || !t->entries) {
		mxg_top_destroy(t);
		return -ENOMEM;
	}
	seed_init(t);
	*out = t;
	return 0;
}

void mxg_top_reset(struct mxg_top_sources *t)
{
	t->replaced = 0;
	t->lost = 0;
	t->count = 0;
	seed_init(t);
	if (t->kind == TOP_BOUNDED) {
		memset(t->buckets, 0,
		       (size_t)t->n_buckets * sizeof(struct top_bucket));
		memset(t->pend, 0, sizeof(t->pend));
		t->pend_next = 0;
		return;
	}
	memset(t->index, 0, ((size_t)t->index_mask + 1) * sizeof(*t->index));
	t->probe_max = 0;
}

void mxg_top_destroy(struct mxg_top_sources *t)
{
	if (!t)
		return;
	if (t->map)
		munmap(t->map, t->map_len);
	free(t->index);
	free(t->entries);
	free(t);
}

/* ------------------------------------------------------------------ */
/* Bounded: Space-Saving in the key's bucket */

/* Slots of bucket bk whose tag is 'tag', as a bit mask. */
static inline uint32_t tag_matches(const struct top_bucket *bk, uint32_t tag)
{
#if defined(__SSE2__) && MXG_TOP_WAYS == 4
	__m128i t = _mm_set1_epi32((int)tag);
	__m128i x = _mm_and_si128(*(const __m128i *)bk->tag,
				  _mm_set1_epi32((int)~TOP_TAG_COLD));

	return (uint32_t)_mm_movemask_ps(
		_mm_castsi128_ps(_mm_cmpeq_epi32(x, t)));
#else
	uint32_t m = 0, i;

	for (i = 0; i < MXG_TOP_WAYS; i++)
		m |= (uint32_t)((bk->tag[i] & ~TOP_TAG_COLD) == tag) << i;
	return m;
#endif
}

/* The slot a new key takes: the first empty one (0 attempts), else the
 * first least active; a tree of compares, not a chain. */
static inline uint32_t pick(const struct top_bucket *bk, uint32_t i, uint32_t j)
{
	return bk->syns[j] < bk->syns[i] ? j : i;
}

static inline uint32_t victim_of(const struct top_bucket *bk)
{
	uint32_t x[MXG_TOP_WAYS / 2], i, n;

	for (i = 0; i < MXG_TOP_WAYS / 2; i++)
		x[i] = pick(bk, 2 * i, 2 * i + 1);
	for (n = MXG_TOP_WAYS / 2; n > 1; n /= 2)
		for (i = 0; i < n / 2; i++)
			x[i] = pick(bk, x[2 * i], x[2 * i + 1]);
	return x[0];
}

/* Write every queued cold entry in place, oldest first. */
static void pending_flush(struct mxg_top_sources *t)
{
	uint32_t i;

	for (i = 0; i < TOP_PENDING; i++) {
		struct top_pending *q =
			&t->pend[(t->pend_next + i) % TOP_PENDING];

		if (q->dst) {
			*q->dst = q->e;
			q->dst = NULL;
		}
	}
}

/* Queue e's new contents c: write the oldest queued entry, which the
 * take that queued it prefetched TOP_PENDING takes ago. */
static inline void pending_queue(struct mxg_top_sources *t,
				 struct mxg_top_entry *e,
				 const struct mxg_top_entry *c)
{
	struct top_pending *q = &t->pend[t->pend_next];

	__builtin_prefetch(e, 1, 3);
	if (q->dst)
		*q->dst = q->e;
	q->dst = e;
	q->e = *c;
	t->pend_next = (t->pend_next + 1) % TOP_PENDING;
}

/* The cold entry of slot idx as readers see it: the newest queued
 * contents, else the slot's. */
static const struct mxg_top_entry *cold_view(const struct mxg_top_sources *t,
					     size_t idx)
{
	const struct mxg_top_entry *e = &t->slots[idx];
	uint32_t i;

	for (i = 1; i <= TOP_PENDING; i++) {
		const struct top_pending *q =
			&t->pend[(t->pend_next + TOP_PENDING - i) % TOP_PENDING];

		if (q->dst == e)
			return &q->e;
	}
	return e;
}

/* Add n to a hot count; what it cannot hold goes to the cold one, in
 * place (queued writes first: once per 2^32). */
static inline void hot_add(struct mxg_top_sources *t, uint32_t *hot,
			   uint64_t *cold, uint64_t n)
{
	uint64_t sum = (uint64_t)*hot + n;

	if (__builtin_expect(sum > UINT32_MAX, 0)) {
		pending_flush(t);
		*cold += sum - UINT32_MAX;
		sum = UINT32_MAX;
	}
	*hot = (uint32_t)sum;
}

static inline uint32_t last_of(uint64_t ns)
{
	return (uint32_t)(ns >> TOP_LAST_SHIFT);
}

/* A later last seen; hot units compare modulo 2^32 (52 days apart). */
static inline void last_add(uint32_t *last, uint64_t ns)
{
	uint32_t l = last_of(ns);

	if ((int32_t)(l - *last) > 0)
		*last = l;
}

/* Write slot v's cold entry with c, and mark it listed. */
static inline void cold_write(struct mxg_top_sources *t, struct top_bucket *bk,
			      uint32_t v, struct mxg_top_entry *e,
			      const struct mxg_top_entry *c, int merge)
{
	if (merge) {
		pending_flush(t);
		*e = *c;
	} else {
		pending_queue(t, e, c);
	}
	bk->tag[v] |= TOP_TAG_COLD;
	t->count++;
}

/*
 * Take slot v of bucket b for in's key: the former source's attempts
 * are inherited as error (a Space-Saving replacement). An empty slot
 * (the exact regime) gets its cold entry now. A replaced one, on the
 * packet path, only its hot counts: its cold entry is written at the
 * source's next attempt (confirm), so that a flood of one-off sources,
 * which replace each other, touches one line per attempt. Until then
 * the source is tracked but not listed: it made one attempt since it
 * was taken in, and its count is the error it inherited, plus one.
 */
static void bounded_take(struct mxg_top_sources *t, struct top_bucket *bk,
			 uint32_t v, struct mxg_top_entry *e, uint32_t tag,
			 const struct mxg_top_entry *in, int merge)
{
	uint64_t inherited = bk->syns[v], n = in->syns, d = in->dropped;
	uint32_t was = bk->tag[v];
	struct mxg_top_entry c;

	if (was) {
		t->replaced = 1;
		if (was & TOP_TAG_COLD)
			t->count--;
		if (__builtin_expect(inherited == UINT32_MAX, 0) &&
		    (was & TOP_TAG_COLD)) {
			pending_flush(t);
			inherited += e->syns;
		}
	}
	n += inherited;
	bk->tag[v] = tag;
	bk->last[v] = last_of(in->first_ns);
	last_add(&bk->last[v], in->last_ns);
	c.syns = n > UINT32_MAX ? n - UINT32_MAX : 0;
	c.dropped = d > UINT32_MAX ? d - UINT32_MAX : 0;
	bk->syns[v] = (uint32_t)(n - c.syns);
	bk->dropped[v] = (uint32_t)(d - c.dropped);
	if (was && !merge && n <= UINT32_MAX && d <= UINT32_MAX)
		return; /* confirmed at the next attempt */
	key_copy(c.addr, in->family, in->addr);
	c.family = in->family;
	memset(c.pad, 0, sizeof(c.pad));
	c.error = in->error + inherited;
	c.first_ns = in->first_ns;
	c.last_ns = in->first_ns; /* the base that hot last is rebuilt on */
	cold_write(t, bk, v, e, &c, merge);
}

/*
 * A second attempt (or a merge) of a source taken in by replacement:
 * write its cold entry. It had one attempt since, so its error is its
 * count less one; it was first seen at its hot last seen (to 2^20 ns).
 */
static void bounded_confirm(struct mxg_top_sources *t, struct top_bucket *bk,
			    uint32_t v, struct mxg_top_entry *e,
			    const struct mxg_top_entry *in, int merge)
{
	struct mxg_top_entry c;
	uint32_t ago = last_of(in->last_ns) - bk->last[v];
	uint64_t now_u = in->last_ns >> TOP_LAST_SHIFT;

	key_copy(c.addr, in->family, in->addr);
	c.family = in->family;
	memset(c.pad, 0, sizeof(c.pad));
	c.syns = 0;
	c.dropped = 0;
	c.error = bk->syns[v] - 1;
	/* hot units compare modulo 2^32: a later time here is the past */
	c.first_ns = ago <= now_u ? (now_u - ago) << TOP_LAST_SHIFT : 0;
	if (c.first_ns > in->first_ns)
		c.first_ns = in->first_ns;
	c.last_ns = c.first_ns;
	cold_write(t, bk, v, e, &c, merge);
}

/* Add in's counts: one attempt on the packet path, or a merge. Keys are
 * told apart by bucket and tag only (top_sources.h): the cold entry is
 * not read. */
static inline void bounded_add(struct mxg_top_sources *t,
			       const struct mxg_top_entry *in, int merge)
{
	uint64_t h = key_hash(t, in->family, in->addr);
	uint32_t b = slot_of(t, h), tag = tag_of(h), m, v;
	struct top_bucket *bk = &t->buckets[b];
	struct mxg_top_entry *e;

	m = tag_matches(bk, tag);
	if (__builtin_expect(!m, 0)) {
		v = victim_of(bk);
		bounded_take(t, bk, v, &t->slots[(size_t)b * MXG_TOP_WAYS + v],
			     tag, in, merge);
		return;
	}
	v = (uint32_t)__builtin_ctz(m);
	e = &t->slots[(size_t)b * MXG_TOP_WAYS + v];
	if (__builtin_expect(!(bk->tag[v] & TOP_TAG_COLD), 0))
		bounded_confirm(t, bk, v, e, in, merge);
	hot_add(t, &bk->syns[v], &e->syns, in->syns);
	if (in->dropped)
		hot_add(t, &bk->dropped[v], &e->dropped, in->dropped);
	last_add(&bk->last[v], in->last_ns);
	if (merge) { /* the cold entry: not on the packet path */
		pending_flush(t);
		e->error += in->error;
		if (in->first_ns < e->first_ns) {
			/* a new base for last seen, which stays later */
			e->first_ns = in->first_ns;
			e->last_ns = in->first_ns;
		}
	}
}

/* Slot i of bucket b as a whole entry. */
static void bounded_entry(const struct mxg_top_sources *t, uint32_t b,
			  uint32_t i, struct mxg_top_entry *out)
{
	const struct top_bucket *bk = &t->buckets[b];
	uint32_t base;

	*out = *cold_view(t, (size_t)b * MXG_TOP_WAYS + i);
	out->syns += bk->syns[i];
	out->dropped += bk->dropped[i];
	/* last seen, in hot units after the base (the first seen) */
	base = last_of(out->last_ns);
	out->last_ns = ((out->last_ns >> TOP_LAST_SHIFT) +
			(uint32_t)(bk->last[i] - base))
		       << TOP_LAST_SHIFT;
	if (out->last_ns < out->first_ns)
		out->last_ns = out->first_ns;
}

/* ------------------------------------------------------------------ */
/* Exact: linear probing, bounded, growing */

/* Index slot holding the key, or the empty one where it would go; -1
 * when MXG_TOP_PROBE_MAX slots were walked without finding either. */
static int64_t exact_find(struct mxg_top_sources *t, uint8_t family,
			  const uint8_t addr[16])
{
	uint32_t s = slot_of(t, key_hash(t, family, addr)), n;

	for (n = 1; n <= MXG_TOP_PROBE_MAX; n++) {
		uint32_t x = t->index[s];

		if (!x || same_key(&t->entries[x - 1], family, addr)) {
			if (n > t->probe_max)
				t->probe_max = n;
			return s;
		}
		s = (s + 1) & t->index_mask;
	}
	return -1;
}

/* Double the index (rehash every entry); 0 or -ENOMEM. */
static int exact_grow_index(struct mxg_top_sources *t)
{
	uint32_t slots = (t->index_mask + 1) * 2, mask = slots - 1, i;
	uint32_t *index;

	if (t->index_mask + 1 >= TOP_EXACT_SLOTS_MAX)
		return -ENOMEM;
	index = calloc(slots, sizeof(*index));
	if (!index)
		return -ENOMEM;
	t->index_mask = mask;
	t->shift--;
	for (i = 0; i < t->count; i++) {
		const struct mxg_top_entry *e = &t->entries[i];
		uint32_t s = slot_of(t, key_hash(t, e->family, e->addr));

		while (index[s])
			s = (s + 1) & mask;
		index[s] = i + 1;
	}
	free(t->index);
	t->index = index;
	return 0;
}

static int exact_add(struct mxg_top_sources *t, const struct mxg_top_entry *in)
{
	struct mxg_top_entry *e;
	int64_t s;
	int rc;

	/* A full probe window, or over half full: grow, then look again. */
	while ((s = exact_find(t, in->family, in->addr)) < 0 ||
	       (!t->index[s] &&
		2 * (uint64_t)(t->count + 1) > t->index_mask + 1)) {
		rc = exact_grow_index(t);
		if (rc)
			return rc;
	}
	if (t->index[s]) {
		e = &t->entries[t->index[s] - 1];
		e->syns += in->syns;
		e->dropped += in->dropped;
		e->error += in->error;
		if (in->first_ns < e->first_ns)
			e->first_ns = in->first_ns;
		if (in->last_ns > e->last_ns)
			e->last_ns = in->last_ns;
		return 0;
	}
	if (t->count == t->entries_cap) {
		struct mxg_top_entry *n;
		uint32_t cap = t->entries_cap * 2;

		n = realloc(t->entries, (size_t)cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		t->entries = n;
		t->entries_cap = cap;
	}
	e = &t->entries[t->count];
	*e = *in;
	key_copy(e->addr, in->family, in->addr);
	t->index[s] = ++t->count;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The interface */

void mxg_top_update(struct mxg_top_sources *t, uint8_t family,
		    const uint8_t addr[16], int dropped, uint64_t now_ns)
{
	struct mxg_top_entry in;

	memcpy(in.addr, addr, 16);
	in.family = family;
	in.syns = 1;
	in.dropped = dropped ? 1 : 0;
	in.error = 0;
	in.first_ns = in.last_ns = now_ns;
	if (__builtin_expect(t->kind == TOP_BOUNDED, 1))
		bounded_add(t, &in, 0);
	else if (exact_add(t, &in))
		t->lost = 1;
}

void mxg_top_prefetch(const struct mxg_top_sources *t, uint8_t family,
		      const uint8_t addr[16])
{
	uint32_t s = slot_of(t, key_hash(t, family, addr));

	if (__builtin_expect(t->kind == TOP_BOUNDED, 1)) {
		/* The bucket's line: all that an attempt reads. */
		__builtin_prefetch(&t->buckets[s], 1, 3);
	} else {
		__builtin_prefetch(&t->index[s], 0, 3);
	}
}

/* Call fn on every source of t; stop at the first non-zero return. */
static int for_each(const struct mxg_top_sources *t,
		    int (*fn)(void *arg, const struct mxg_top_entry *e),
		    void *arg)
{
	uint32_t b, i;
	int rc;

	if (t->kind == TOP_EXACT) {
		for (i = 0; i < t->count; i++)
			if ((rc = fn(arg, &t->entries[i])))
				return rc;
		return 0;
	}
	for (b = 0; b < t->n_buckets; b++)
		for (i = 0; i < MXG_TOP_WAYS; i++) {
			struct mxg_top_entry e;

			if (!(t->buckets[b].tag[i] & TOP_TAG_COLD))
				continue; /* empty, or not confirmed */
			bounded_entry(t, b, i, &e);
			if ((rc = fn(arg, &e)))
				return rc;
		}
	return 0;
}

static int merge_one(void *arg, const struct mxg_top_entry *e)
{
	struct mxg_top_sources *dst = arg;

	if (dst->kind == TOP_EXACT)
		return exact_add(dst, e);
	bounded_add(dst, e, 1);
	return 0;
}

int mxg_top_merge(struct mxg_top_sources *dst,
		  const struct mxg_top_sources *src)
{
	int rc = for_each(src, merge_one, dst);

	/* Counts with an error in them make any tracker inexact. */
	if (!mxg_top_is_exact(src))
		dst->replaced = 1;
	if (rc)
		dst->lost = 1;
	return rc;
}

uint32_t mxg_top_count(const struct mxg_top_sources *t)
{
	return t->count;
}

int mxg_top_is_exact(const struct mxg_top_sources *t)
{
	return !t->replaced && !t->lost;
}

uint32_t mxg_top_capacity(const struct mxg_top_sources *t)
{
	return t->kind == TOP_BOUNDED ? t->n_buckets * MXG_TOP_WAYS : 0;
}

uint32_t mxg_top_bucket_of(const struct mxg_top_sources *t, uint8_t family,
			   const uint8_t addr[16])
{
	return slot_of(t, key_hash(t, family, addr));
}

uint32_t mxg_top_probe_max(const struct mxg_top_sources *t)
{
	return t->probe_max;
}

uint64_t mxg_top_error_bound(const struct mxg_top_sources *t)
{
	uint64_t bound = 0;
	uint32_t b, i;

	if (t->kind == TOP_EXACT || !t->replaced)
		return 0;
	for (b = 0; b < t->n_buckets; b++) {
		const struct top_bucket *bk = &t->buckets[b];
		uint64_t min = UINT64_MAX, c;

		for (i = 0; i < MXG_TOP_WAYS; i++) {
			if (!bk->tag[i]) { /* not full: nothing replaced */
				min = 0;
				break;
			}
			c = bk->syns[i];
			if (bk->tag[i] & TOP_TAG_COLD) /* else stale */
				c += cold_view(t, (size_t)b * MXG_TOP_WAYS + i)
					     ->syns;
			if (c < min)
				min = c;
		}
		if (min > bound)
			bound = min;
	}
	return bound;
}

/* ------------------------------------------------------------------ */
/* The sorted list: the n best in a bounded min-heap, then sorted */

int mxg_top_cmp_rank(const void *a, const void *b)
{
	const struct mxg_top_entry *x = a, *y = b;

	if (x->dropped != y->dropped)
		return x->dropped > y->dropped ? -1 : 1;
	if (x->syns != y->syns)
		return x->syns > y->syns ? -1 : 1;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->addr, y->addr, 16);
}

struct select {
	struct mxg_top_entry *heap; /* worst of the kept at [0] */
	uint32_t n, cap;
};

static void select_sift_down(struct select *s, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, w = i;
		struct mxg_top_entry x;

		if (l < s->n && mxg_top_cmp_rank(&s->heap[l], &s->heap[w]) > 0)
			w = l;
		if (r < s->n && mxg_top_cmp_rank(&s->heap[r], &s->heap[w]) > 0)
			w = r;
		if (w == i)
			return;
		x = s->heap[i];
		s->heap[i] = s->heap[w];
		s->heap[w] = x;
		i = w;
	}
}

static int select_one(void *arg, const struct mxg_top_entry *e)
{
	struct select *s = arg;
	uint32_t i;

	if (s->n < s->cap) {
		/* sift up: the worse one towards the root */
		i = s->n++;
		s->heap[i] = *e;
		while (i > 0 && mxg_top_cmp_rank(&s->heap[(i - 1) / 2],
						 &s->heap[i]) < 0) {
			struct mxg_top_entry x = s->heap[i];

			s->heap[i] = s->heap[(i - 1) / 2];
			s->heap[(i - 1) / 2] = x;
			i = (i - 1) / 2;
		}
		return 0;
	}
	if (mxg_top_cmp_rank(e, &s->heap[0]) < 0) {
		s->heap[0] = *e;
		select_sift_down(s, 0);
	}
	return 0;
}

uint32_t mxg_top_sorted(const struct mxg_top_sources *t,
			struct mxg_top_entry *out, uint32_t n)
{
	struct select s = { .heap = out, .n = 0, .cap = n };

	if (n > t->count)
		s.cap = n = t->count;
	if (n == 0)
		return 0;
	for_each(t, select_one, &s);
	qsort(out, s.n, sizeof(*out), mxg_top_cmp_rank);
	return s.n;
}
