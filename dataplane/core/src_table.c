// SPDX-License-Identifier: BSD-3-Clause
/*
 * The source table (src_table.h) in userspace: the lines of
 * include/mxgate/src_table.h in one anonymous mapping (2 MiB pages for
 * big tables), a random seed per table, and the per-thread counters.
 * Every decision (where a key lives, what an insert evicts, the
 * concurrency protocol) is the shared header's, so the XDP program
 * makes the same ones.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* A lock holder may be preempted in userspace: yield now and then. */
static inline void mxg_st_pause(void);
#define MXG_ST_PAUSE() mxg_st_pause()

#include "mxgate/src_table.h"
#include "src_table.h"

#define HUGE_PAGE (2UL << 20)

struct mxg_src_table {
	struct mxg_st_seed seed;
	struct mxg_st_line *lines;
	void *map;
	size_t map_len;
};

static inline void mxg_st_pause(void)
{
	static __thread unsigned int spins;

#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
	if (++spins % 1024 == 0)
		sched_yield();
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void seed_init(struct mxg_st_seed *s, const void *salt)
{
	struct timespec ts;
	uint64_t x;
	size_t i;

	if (getrandom(s->a, sizeof(s->a), GRND_NONBLOCK) ==
	    (ssize_t)sizeof(s->a))
		return;
	/* No entropy yet (early boot): clocks and addresses, mixed. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	x = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	clock_gettime(CLOCK_REALTIME, &ts);
	x ^= splitmix64(&x) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)salt;
	for (i = 0; i < sizeof(s->a) / sizeof(uint64_t); i++)
		((uint64_t *)s->a)[i] = splitmix64(&x);
}

static size_t align_up(size_t x, size_t a)
{
	return (x + a - 1) / a * a;
}

int mxg_src_table_create(struct mxg_src_table **out, uint64_t min_entries)
{
	return mxg_src_table_create_seeded(out, min_entries, 0);
}

int mxg_src_table_create_seeded(struct mxg_src_table **out,
				uint64_t min_entries, uint64_t seed)
{
	uint64_t lines, phys;
	size_t len, map_len, page;
	long pages, psz;
	struct mxg_src_table *t;
	uint8_t *map, *base;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	if (min_entries == 0 ||
	    min_entries > (uint64_t)MXG_ST_LINES_MAX * MXG_ST_WAYS)
		return -EINVAL;
	lines = mxg_st_lines_for(min_entries);
	len = lines * sizeof(struct mxg_st_line);

	/* Refuse what this machine cannot hold before mapping anything. */
	pages = sysconf(_SC_PHYS_PAGES);
	psz = sysconf(_SC_PAGESIZE);
	if (pages > 0 && psz > 0) {
		phys = (uint64_t)pages * (uint64_t)psz;
		if (len > phys)
			return -ENOMEM;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;

	/* Big tables: whole 2 MiB pages, 2 MiB aligned, for THP. */
	page = len >= HUGE_PAGE ? HUGE_PAGE : (size_t)psz;
	len = align_up(len, page);
	map_len = page > (size_t)psz ? len + page : len;
	map = mmap(NULL, map_len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		free(t);
		return -ENOMEM;
	}
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

	if (seed) {
		for (size_t i = 0; i < sizeof(t->seed.a) / sizeof(uint64_t);
		     i++)
			((uint64_t *)t->seed.a)[i] = splitmix64(&seed);
	} else {
		seed_init(&t->seed, t);
	}
	t->seed.line_mask = (uint32_t)(lines - 1);
	t->lines = (struct mxg_st_line *)base;
	t->map = base;
	t->map_len = len;
	*out = t;
	return 0;
}

void mxg_src_table_destroy(struct mxg_src_table *t)
{
	if (t == NULL)
		return;
	munmap(t->map, t->map_len);
	free(t);
}

uint64_t mxg_src_table_capacity(const struct mxg_src_table *t)
{
	return ((uint64_t)t->seed.line_mask + 1) * MXG_ST_WAYS;
}

size_t mxg_src_table_memory(const struct mxg_src_table *t)
{
	return t->map_len + sizeof(*t);
}

uint64_t mxg_src_table_count(const struct mxg_src_table *t)
{
	uint64_t n = 0, i;
	int w;

	for (i = 0; i <= t->seed.line_mask; i++)
		for (w = 0; w < MXG_ST_WAYS; w++) {
			struct mxg_st_slot *s = &t->lines[i].slot[w];

			n += (__atomic_load_n(&s->fp, __ATOMIC_RELAXED) &
			      MXG_ST_FP_MASK) != 0 &&
			     __atomic_load_n(&s->tat, __ATOMIC_RELAXED) !=
				     MXG_ST_BUSY;
		}
	return n;
}

static void ovf_dec(struct mxg_src_table *t, uint32_t line)
{
	mxg_st_ovf_dec(&t->lines[line & t->seed.line_mask]);
}

/* Owe the decrement of line's OVF; pay the oldest debt if full. */
static void owe_dec(struct mxg_src_table *t, struct mxg_src_table_stats *st,
		    uint32_t line)
{
	if (st == NULL) {
		ovf_dec(t, line);
		return;
	}
	__builtin_prefetch(&t->lines[line & t->seed.line_mask], 1, 3);
	if (st->owed_n == MXG_SRC_TABLE_OWED) {
		ovf_dec(t, st->owed[st->owed_head]);
		st->owed[st->owed_head] = line;
		st->owed_head = (st->owed_head + 1) % MXG_SRC_TABLE_OWED;
		return;
	}
	st->owed[(st->owed_head + st->owed_n) % MXG_SRC_TABLE_OWED] = line;
	st->owed_n++;
}

void mxg_src_table_settle(struct mxg_src_table *t,
			  struct mxg_src_table_stats *st)
{
	while (st->owed_n) {
		ovf_dec(t, st->owed[st->owed_head]);
		st->owed_head = (st->owed_head + 1) % MXG_SRC_TABLE_OWED;
		st->owed_n--;
	}
}

static void where_of(const struct mxg_src_ref *ref, struct mxg_st_where *wh)
{
	wh->fp = ref->fp;
	wh->i1 = ref->i1;
	wh->i2 = ref->i2;
}

int mxg_src_table_take_ref(struct mxg_src_table *t,
			   const struct mxg_src_ref *ref, uint64_t now_ns,
			   const struct mxg_bucket_params *bp,
			   struct mxg_src_table_stats *st)
{
	struct mxg_st_result res = { 0 };
	struct mxg_st_where wh;
	int conform;

	where_of(ref, &wh);
	conform = mxg_st_take(&wh, &t->lines[wh.i1], &t->lines[wh.i2],
			      t->seed.line_mask, now_ns, bp, &res);
	if (res.dec)
		owe_dec(t, st, res.dec_line);
	if (st != NULL) {
		st->takes++;
		st->inserts += res.inserted;
		st->evict_lossless += res.evict_lossless;
		st->evict_lossy += res.evict_lossy;
		st->second += res.second;
		st->cas_retries += res.retries;
	}
	return conform;
}

void mxg_src_table_locate(const struct mxg_src_table *t,
			  const struct mxg_src_key *key,
			  struct mxg_src_ref *ref)
{
	struct mxg_st_where wh;

	mxg_st_locate(&t->seed, key, &wh);
	ref->fp = wh.fp;
	ref->i1 = wh.i1;
	ref->i2 = wh.i2;
	__builtin_prefetch(&t->lines[wh.i1], 1, 3);
}

int mxg_src_table_hint(const struct mxg_src_table *t,
		       const struct mxg_src_ref *ref, uint64_t now_ns,
		       const struct mxg_bucket_params *bp)
{
	int hint = mxg_st_hint(&t->lines[ref->i1], ref->fp, now_ns, bp);

	if (hint == MXG_ST_HINT_SECOND)
		__builtin_prefetch(&t->lines[ref->i2], 1, 3);
	return hint;
}

int mxg_src_table_take(struct mxg_src_table *t, const struct mxg_src_key *key,
		       uint64_t now_ns, const struct mxg_bucket_params *bp,
		       struct mxg_src_table_stats *st)
{
	struct mxg_src_ref ref;
	struct mxg_st_where wh;

	mxg_st_locate(&t->seed, key, &wh);
	ref.fp = wh.fp;
	ref.i1 = wh.i1;
	ref.i2 = wh.i2;
	return mxg_src_table_take_ref(t, &ref, now_ns, bp, st);
}

void mxg_src_table_prefetch(const struct mxg_src_table *t,
			    const struct mxg_src_key *key)
{
	struct mxg_src_ref ref;

	mxg_src_table_locate(t, key, &ref);
}

int mxg_src_table_peek(const struct mxg_src_table *t,
		       const struct mxg_src_key *key, uint64_t *state)
{
	struct mxg_st_where wh;
	uint64_t s;

	mxg_st_locate(&t->seed, key, &wh);
	if (!mxg_st_peek(&wh, &t->lines[wh.i1], &t->lines[wh.i2], &s))
		return -ENOENT;
	if (state != NULL)
		*state = s;
	return 0;
}
