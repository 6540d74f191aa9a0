// SPDX-License-Identifier: BSD-3-Clause
/*
 * Portable longest-prefix match: disjoint sorted ranges.
 *
 * The image's prefix lists are sorted by (addr, len) and, being prefixes,
 * nest or are disjoint. One walk with a stack of the open prefixes cuts the
 * address space into disjoint ranges, each carrying the class of the
 * longest prefix that covers it (0 where none does); neighbours with equal
 * classes merge. A lookup is then "the last range starting at or below the
 * address": a binary search. For IPv4 a 2^16-entry index on the top 16
 * bits narrows the search to the ranges of one /16, so a lookup touches
 * the index and one or two cache lines of ranges.
 *
 * Why this and not a trie: the structure is built in O(n) straight from
 * the image's sorted lists, has no depth or next-hop width limits (/0 and
 * /128 are ordinary prefixes; class ids are 32 bits), and is compact:
 * at most 2n + 1 ranges of 8 bytes (IPv4) or 20 bytes (IPv6), plus a
 * 256 KiB IPv4 index; a 1M-prefix DROP list takes about 8-16 MiB where
 * rte_lpm's DIR-24-8 needs 64 MiB before its first tbl8. Lookups cost
 * O(log(ranges per /16)) for IPv4 and O(log n) for IPv6 (see
 * tests/bench/bench_lpm.c for the ratio to rte_lpm).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lpm.h"

#define LPM4_INDEX_BITS 16
#define LPM4_INDEX_SIZE ((1u << LPM4_INDEX_BITS) + 1)

struct lpm6_start {
	uint64_t hi, lo;
};

struct mxg_lpm {
	/* IPv4: range i is [start4[i], start4[i + 1]) with class4[i]. */
	uint32_t *start4;
	uint32_t *class4;
	uint32_t n4;
	/* idx4[h]: the range holding address h << 16; idx4[2^16] = n4 - 1. */
	uint32_t *idx4;
	struct lpm6_start *start6;
	uint32_t *class6;
	uint32_t n6;
};

typedef unsigned __int128 u128;

/* Append "from 'pos' on, class 'cls'"; a later call at the same position
 * wins, and equal neighbours merge. */
#define RANGE_EMIT(start, cls_arr, n, pos, cls)                                \
	do {                                                                   \
		if ((n) && (start)[(n)-1] == (pos))                            \
			(n)--;                                                 \
		if (!(n) || (cls_arr)[(n)-1] != (cls)) {                       \
			(start)[(n)] = (pos);                                  \
			(cls_arr)[(n)] = (cls);                                \
			(n)++;                                                 \
		}                                                              \
	} while (0)

/* Give back what the worst case (2n + 1 ranges) did not use. */
static void shrink(void **p, uint32_t n, size_t size)
{
	void *q = realloc(*p, (n ? n : 1) * size);

	if (q)
		*p = q;
}

static int build4(struct mxg_lpm *l, const struct mxg_prefix4 *v, uint32_t n)
{
	struct {
		uint64_t end; /* last address + 1 */
		uint32_t cls;
	} stack[33];
	uint32_t sp = 0, i, k = 0, h;

	l->start4 = malloc((2 * (size_t)n + 1) * sizeof(*l->start4));
	l->class4 = malloc((2 * (size_t)n + 1) * sizeof(*l->class4));
	l->idx4 = malloc(LPM4_INDEX_SIZE * sizeof(*l->idx4));
	if (!l->start4 || !l->class4 || !l->idx4)
		return -ENOMEM;
	RANGE_EMIT(l->start4, l->class4, k, 0u, 0u);
	for (i = 0; i < n; i++) {
		const struct mxg_prefix4 *p = &v[i];
		uint32_t mask;

		if (p->len > 32)
			return -EINVAL;
		mask = p->len ? ~0u << (32 - p->len) : 0;
		if (p->addr & ~mask)
			return -EINVAL;
		if (i && (v[i - 1].addr > p->addr ||
			  (v[i - 1].addr == p->addr && v[i - 1].len >= p->len)))
			return -EINVAL;
		while (sp && stack[sp - 1].end <= p->addr) {
			uint64_t end = stack[--sp].end;

			RANGE_EMIT(l->start4, l->class4, k, (uint32_t)end,
				   sp ? stack[sp - 1].cls : 0u);
		}
		RANGE_EMIT(l->start4, l->class4, k, p->addr, p->class_id);
		stack[sp].end = (uint64_t)p->addr + (1ULL << (32 - p->len));
		stack[sp++].cls = p->class_id;
	}
	while (sp) {
		uint64_t end = stack[--sp].end;

		if (end > 0xffffffffULL)
			break; /* the rest of the stack ends there too */
		RANGE_EMIT(l->start4, l->class4, k, (uint32_t)end,
			   sp ? stack[sp - 1].cls : 0u);
	}
	l->n4 = k;
	shrink((void **)&l->start4, k, sizeof(*l->start4));
	shrink((void **)&l->class4, k, sizeof(*l->class4));
	for (h = 0, i = 0; h < (1u << LPM4_INDEX_BITS); h++) {
		uint32_t a = h << (32 - LPM4_INDEX_BITS);

		while (i + 1 < k && l->start4[i + 1] <= a)
			i++;
		l->idx4[h] = i;
	}
	l->idx4[1u << LPM4_INDEX_BITS] = k - 1;
	return 0;
}

static u128 load6(const uint8_t a[16])
{
	u128 v = 0;
	unsigned int i;

	for (i = 0; i < 16; i++)
		v = v << 8 | a[i];
	return v;
}

static void emit6(struct mxg_lpm *l, uint32_t *k, u128 pos, uint32_t cls)
{
	struct lpm6_start s = { (uint64_t)(pos >> 64), (uint64_t)pos };
	uint32_t n = *k;

	if (n && l->start6[n - 1].hi == s.hi && l->start6[n - 1].lo == s.lo)
		n--;
	if (!n || l->class6[n - 1] != cls) {
		l->start6[n] = s;
		l->class6[n] = cls;
		n++;
	}
	*k = n;
}

static int build6(struct mxg_lpm *l, const struct mxg_prefix6 *v, uint32_t n)
{
	struct {
		u128 last; /* last address */
		uint32_t cls;
	} stack[129];
	uint32_t sp = 0, i, k = 0;
	const u128 ones = ~(u128)0;

	l->start6 = malloc((2 * (size_t)n + 1) * sizeof(*l->start6));
	l->class6 = malloc((2 * (size_t)n + 1) * sizeof(*l->class6));
	if (!l->start6 || !l->class6)
		return -ENOMEM;
	emit6(l, &k, 0, 0);
	for (i = 0; i < n; i++) {
		const struct mxg_prefix6 *p = &v[i];
		u128 a = load6(p->addr), host;

		if (p->len > 128)
			return -EINVAL;
		host = p->len == 128 ? 0 : ones >> p->len;
		if (a & host)
			return -EINVAL;
		if (i) {
			int c = memcmp(v[i - 1].addr, p->addr, 16);

			if (c > 0 || (c == 0 && v[i - 1].len >= p->len))
				return -EINVAL;
		}
		while (sp && stack[sp - 1].last < a) {
			u128 last = stack[--sp].last;

			emit6(l, &k, last + 1, sp ? stack[sp - 1].cls : 0u);
		}
		emit6(l, &k, a, p->class_id);
		stack[sp].last = a | host;
		stack[sp++].cls = p->class_id;
	}
	while (sp) {
		u128 last = stack[--sp].last;

		if (last == ones)
			break;
		emit6(l, &k, last + 1, sp ? stack[sp - 1].cls : 0u);
	}
	l->n6 = k;
	shrink((void **)&l->start6, k, sizeof(*l->start6));
	shrink((void **)&l->class6, k, sizeof(*l->class6));
	return 0;
}

void mxg_lpm_free(struct mxg_lpm *lpm)
{
	if (!lpm)
		return;
	free(lpm->start4);
	free(lpm->class4);
	free(lpm->idx4);
	free(lpm->start6);
	free(lpm->class6);
	free(lpm);
}

int mxg_lpm_build(struct mxg_lpm **out, const struct mxg_prefix4 *v4,
		  uint32_t n_v4, const struct mxg_prefix6 *v6, uint32_t n_v6)
{
	struct mxg_lpm *l;
	int rc;

	*out = NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	rc = build4(l, v4, n_v4);
	if (rc)
		goto free_lpm;
	rc = build6(l, v6, n_v6);
	if (rc)
		goto free_lpm;
	*out = l;
	return 0;

free_lpm:
	mxg_lpm_free(l);
	return rc;
}

uint32_t mxg_lpm_lookup4(const struct mxg_lpm *lpm, uint32_t addr)
{
	uint32_t h = addr >> (32 - LPM4_INDEX_BITS);
	uint32_t lo = lpm->idx4[h], hi = lpm->idx4[h + 1];
	const uint32_t *s = lpm->start4;

	/* The answer is in [lo, hi]: start4[lo] <= addr. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo + 1) / 2;

		if (s[mid] <= addr)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lpm->class4[lo];
}

uint32_t mxg_lpm_lookup6(const struct mxg_lpm *lpm, const uint8_t addr[16])
{
	uint64_t hi_a = 0, lo_a = 0;
	uint32_t lo = 0, hi = lpm->n6 - 1, i;
	const struct lpm6_start *s = lpm->start6;

	for (i = 0; i < 8; i++) {
		hi_a = hi_a << 8 | addr[i];
		lo_a = lo_a << 8 | addr[8 + i];
	}
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo + 1) / 2;

		if (s[mid].hi < hi_a ||
		    (s[mid].hi == hi_a && s[mid].lo <= lo_a))
			lo = mid;
		else
			hi = mid - 1;
	}
	return lpm->class6[lo];
}

size_t mxg_lpm_memory(const struct mxg_lpm *lpm)
{
	return sizeof(*lpm) +
	       (size_t)lpm->n4 * (sizeof(uint32_t) + sizeof(uint32_t)) +
	       LPM4_INDEX_SIZE * sizeof(uint32_t) +
	       (size_t)lpm->n6 * (sizeof(struct lpm6_start) + sizeof(uint32_t));
}
