// SPDX-License-Identifier: BSD-3-Clause
#include "top_sources.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define TOP_CAPACITY_MAX (1u << 24)

struct mxg_top_sources {
	uint32_t capacity;
	uint32_t count;
	int replaced;
	uint32_t index_mask;
	uint32_t *index; /* entry + 1, 0 = empty; linear probing */
	uint32_t *heap;	 /* entry numbers, min-heap on syns */
	uint32_t *pos;	 /* entry -> heap position */
	struct mxg_top_entry *entries;
};

static uint64_t key_hash(uint8_t family, const uint8_t addr[16])
{
	uint64_t a, b, h;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	h = a * 0x9e3779b97f4a7c15ULL ^ (b + family) * 0xc2b2ae3d27d4eb4fULL;
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 29);
}

static int same_key(const struct mxg_top_entry *e, uint8_t family,
		    const uint8_t addr[16])
{
	return e->family == family && memcmp(e->addr, addr, 16) == 0;
}

int mxg_top_create(struct mxg_top_sources **out, uint32_t capacity)
{
	struct mxg_top_sources *t;
	uint32_t slots = 2;

	*out = NULL;
	if (capacity == 0 || capacity > TOP_CAPACITY_MAX)
		return -EINVAL;
	while (slots < 2 * capacity)
		slots <<= 1;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->capacity = capacity;
	t->index_mask = slots - 1;
	t->index = calloc(slots, sizeof(*t->index));
	t->heap = calloc(capacity, sizeof(*t->heap));
	t->pos = calloc(capacity, sizeof(*t->pos));
	t->entries = calloc(capacity, sizeof(*t->entries));
	if (!t->index || !t->heap || !t->pos || !t->entries) {
		mxg_top_destroy(t);
		return -ENOMEM;
	}
	*out = t;
	return 0;
}

void mxg_top_destroy(struct mxg_top_sources *t)
{
	if (!t)
		return;
	free(t->index);
	free(t->heap);
	free(t->pos);
	free(t->entries);
	free(t);
}

/* Index slot holding the key, or the empty slot where it would go. */
static uint32_t index_find(const struct mxg_top_sources *t, uint8_t family,
			   const uint8_t addr[16])
{
	uint32_t s = (uint32_t)key_hash(family, addr) & t->index_mask;

	while (t->index[s] &&
	       !same_key(&t->entries[t->index[s] - 1], family, addr))
		s = (s + 1) & t->index_mask;
	return s;
}

void mxg_top_prefetch(const struct mxg_top_sources *t, uint8_t family,
		      const uint8_t addr[16])
{
	uint32_t s = (uint32_t)key_hash(family, addr) & t->index_mask;

	/* The index slot only: reading it here would stall on the miss. */
	__builtin_prefetch(&t->index[s], 0, 3);
}

/* Remove the slot's key with backward-shift deletion (no tombstones). */
static void index_remove(struct mxg_top_sources *t, uint32_t hole)
{
	uint32_t s = hole;

	t->index[hole] = 0;
	for (;;) {
		const struct mxg_top_entry *e;
		uint32_t home;

		s = (s + 1) & t->index_mask;
		if (!t->index[s])
			return;
		e = &t->entries[t->index[s] - 1];
		home = (uint32_t)key_hash(e->family, e->addr) & t->index_mask;
		/* Move it into the hole unless its home lies in (hole, s]. */
		if (((s - home) & t->index_mask) >=
		    ((s - hole) & t->index_mask)) {
			t->index[hole] = t->index[s];
			t->index[s] = 0;
			hole = s;
		}
	}
}

static void heap_swap(struct mxg_top_sources *t, uint32_t a, uint32_t b)
{
	uint32_t x = t->heap[a];

	t->heap[a] = t->heap[b];
	t->heap[b] = x;
	t->pos[t->heap[a]] = a;
	t->pos[t->heap[b]] = b;
}

static uint64_t heap_key(const struct mxg_top_sources *t, uint32_t i)
{
	return t->entries[t->heap[i]].syns;
}

static void sift_up(struct mxg_top_sources *t, uint32_t i)
{
	while (i > 0 && heap_key(t, (i - 1) / 2) > heap_key(t, i)) {
		heap_swap(t, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void sift_down(struct mxg_top_sources *t, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < t->count && heap_key(t, l) < heap_key(t, m))
			m = l;
		if (r < t->count && heap_key(t, r) < heap_key(t, m))
			m = r;
		if (m == i)
			return;
		heap_swap(t, i, m);
		i = m;
	}
}

/* Add counts for one source; the core of update and merge. */
static void add_counts(struct mxg_top_sources *t,
		       const struct mxg_top_entry *in)
{
	uint32_t slot = index_find(t, in->family, in->addr), n;
	struct mxg_top_entry *e;

	if (t->index[slot]) {
		e = &t->entries[t->index[slot] - 1];
		e->syns += in->syns;
		e->dropped += in->dropped;
		e->error += in->error;
		if (in->first_ns < e->first_ns)
			e->first_ns = in->first_ns;
		if (in->last_ns > e->last_ns)
			e->last_ns = in->last_ns;
		sift_down(t, t->pos[t->index[slot] - 1]);
		return;
	}
	if (t->count < t->capacity) {
		n = t->count++;
		t->entries[n] = *in;
		t->index[slot] = n + 1;
		t->heap[n] = n;
		t->pos[n] = n;
		sift_up(t, n);
		return;
	}
	/* Space-saving: replace the least active source. */
	n = t->heap[0];
	e = &t->entries[n];
	index_remove(t, index_find(t, e->family, e->addr));
	{
		uint64_t inherited = e->syns;

		*e = *in;
		e->error += inherited;
		e->syns += inherited;
	}
	t->index[index_find(t, in->family, in->addr)] = n + 1;
	t->replaced = 1;
	sift_down(t, 0);
}

void mxg_top_update(struct mxg_top_sources *t, uint8_t family,
		    const uint8_t addr[16], int dropped, uint64_t now_ns)
{
	struct mxg_top_entry in = {
		.family = family,
		.syns = 1,
		.dropped = dropped ? 1 : 0,
		.first_ns = now_ns,
		.last_ns = now_ns,
	};

	memcpy(in.addr, addr, 16);
	add_counts(t, &in);
}

void mxg_top_merge(struct mxg_top_sources *dst,
		   const struct mxg_top_sources *src)
{
	uint32_t i;

	for (i = 0; i < src->count; i++)
		add_counts(dst, &src->entries[i]);
	if (src->replaced)
		dst->replaced = 1;
}

uint32_t mxg_top_count(const struct mxg_top_sources *t)
{
	return t->count;
}

int mxg_top_is_exact(const struct mxg_top_sources *t)
{
	return !t->replaced;
}

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

uint32_t mxg_top_sorted(const struct mxg_top_sources *t,
			struct mxg_top_entry *out, uint32_t n)
{
	struct mxg_top_entry *all;

	if (n > t->count)
		n = t->count;
	if (n == 0)
		return 0;
	all = malloc((size_t)t->count * sizeof(*all));
	if (!all)
		return 0;
	memcpy(all, t->entries, (size_t)t->count * sizeof(*all));
	qsort(all, t->count, sizeof(*all), mxg_top_cmp_rank);
	memcpy(out, all, (size_t)n * sizeof(*out));
	free(all);
	return n;
}
