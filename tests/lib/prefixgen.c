// SPDX-License-Identifier: BSD-3-Clause
#include <stdlib.h>
#include <string.h>

#include "prefixgen.h"

void prefixgen_seed(struct prefixgen *g, uint64_t seed)
{
	g->state = seed ? seed : 0x853c49e6748fea9bULL;
}

uint64_t prefixgen_next(struct prefixgen *g)
{
	uint64_t z = (g->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t mask4(unsigned int len)
{
	return len ? ~0u << (32 - len) : 0;
}

static int cmp4(const void *a, const void *b)
{
	const struct mxg_prefix4 *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->len < y->len ? -1 : x->len > y->len;
}

static int cmp6(const void *a, const void *b)
{
	const struct mxg_prefix6 *x = a, *y = b;
	int c = memcmp(x->addr, y->addr, 16);

	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static unsigned int rand_len(struct prefixgen *g, unsigned int min_len,
			     unsigned int max_len)
{
	return min_len +
	       (unsigned int)(prefixgen_next(g) % (max_len - min_len + 1));
}

uint32_t prefixgen_v4(struct prefixgen *g, struct mxg_prefix4 *v, uint32_t n,
		      unsigned int min_len, unsigned int clusters,
		      uint32_t max_class)
{
	uint32_t i, k = 0;

	for (i = 0; i < n; i++) {
		uint64_t r = prefixgen_next(g);
		uint32_t base =
			clusters ? (uint32_t)((r % clusters) * 0x9e3779b9u) :
				   (uint32_t)r;
		unsigned int len = rand_len(g, min_len, 32);
		uint32_t addr = base ^ ((uint32_t)(r >> 32) >> (len / 2));

		memset(&v[i], 0, sizeof(v[i]));
		v[i].len = (uint8_t)len;
		v[i].addr = addr & mask4(len);
		v[i].class_id = 1 + (uint32_t)(prefixgen_next(g) % max_class);
	}
	qsort(v, n, sizeof(*v), cmp4);
	for (i = 0; i < n; i++)
		if (!k || cmp4(&v[k - 1], &v[i]))
			v[k++] = v[i];
	return k;
}

static void mask6(uint8_t a[16], unsigned int len)
{
	unsigned int i;

	for (i = 0; i < 16; i++) {
		unsigned int bits = len > 8 * i ? len - 8 * i : 0;

		if (bits < 8)
			a[i] &= (uint8_t)(0xff00u >> bits);
	}
}

uint32_t prefixgen_v6(struct prefixgen *g, struct mxg_prefix6 *v, uint32_t n,
		      unsigned int min_len, unsigned int clusters,
		      uint32_t max_class)
{
	uint32_t i, k = 0, j;

	for (i = 0; i < n; i++) {
		uint64_t c = clusters ? prefixgen_next(g) % clusters : 0;
		unsigned int len = rand_len(g, min_len, 128);

		memset(&v[i], 0, sizeof(v[i]));
		for (j = 0; j < 16; j++) {
			uint8_t base =
				(uint8_t)((c + 1) * 0x9e3779b97f4a7c15ULL >>
					  (8 * (j % 8)));
			uint8_t rnd = (uint8_t)prefixgen_next(g);

			/* Keep the cluster's bits for the first len/2 bits. */
			v[i].addr[j] = 8 * j < len / 2 && clusters ? base : rnd;
		}
		mask6(v[i].addr, len);
		v[i].len = (uint8_t)len;
		v[i].class_id = 1 + (uint32_t)(prefixgen_next(g) % max_class);
	}
	qsort(v, n, sizeof(*v), cmp6);
	for (i = 0; i < n; i++)
		if (!k || cmp6(&v[k - 1], &v[i]))
			v[k++] = v[i];
	return k;
}

uint32_t prefixgen_addr4(struct prefixgen *g, const struct mxg_prefix4 *v,
			 uint32_t n)
{
	uint64_t r = prefixgen_next(g);
	const struct mxg_prefix4 *p;
	uint32_t last;

	if (!n || r % 4 == 0)
		return (uint32_t)(r >> 32);
	p = &v[(r >> 8) % n];
	last = p->addr | ~mask4(p->len);
	switch ((r >> 2) % 5) {
	case 0:
		return p->addr;
	case 1:
		return last;
	case 2:
		return p->addr - 1;
	case 3:
		return last + 1;
	default:
		return p->addr | ((uint32_t)(r >> 32) & ~mask4(p->len));
	}
}

void prefixgen_addr6(struct prefixgen *g, const struct mxg_prefix6 *v,
		     uint32_t n, uint8_t out[16])
{
	uint64_t r = prefixgen_next(g);
	const struct mxg_prefix6 *p;
	unsigned int i;
	int carry;

	for (i = 0; i < 16; i++)
		out[i] = (uint8_t)prefixgen_next(g);
	if (!n || r % 4 == 0)
		return;
	p = &v[(r >> 8) % n];
	switch ((r >> 2) % 4) {
	case 0: /* first address */
		memcpy(out, p->addr, 16);
		return;
	case 1: /* last address, then one past it */
	case 2:
		for (i = 0; i < 16; i++) {
			unsigned int bits = p->len > 8 * i ? p->len - 8 * i : 0;
			uint8_t m = bits >= 8 ? 0xff :
						(uint8_t)(0xff00u >> bits);

			out[i] = (uint8_t)(p->addr[i] | (uint8_t)~m);
		}
		if ((r >> 2) % 4 == 2)
			for (i = 16, carry = 1; i-- > 0 && carry;)
				carry = ++out[i] == 0;
		return;
	default: /* inside */
		for (i = 0; i < 16; i++) {
			unsigned int bits = p->len > 8 * i ? p->len - 8 * i : 0;
			uint8_t m = bits >= 8 ? 0xff :
						(uint8_t)(0xff00u >> bits);

			out[i] = (uint8_t)((p->addr[i] & m) | (out[i] & ~m));
		}
	}
}

uint32_t prefixgen_lookup4(const struct mxg_prefix4 *v, uint32_t n,
			   uint32_t addr)
{
	uint32_t i, cls = 0;
	int best = -1;

	for (i = 0; i < n; i++)
		if ((addr & mask4(v[i].len)) == v[i].addr && v[i].len > best) {
			best = v[i].len;
			cls = v[i].class_id;
		}
	return cls;
}

uint32_t prefixgen_lookup6(const struct mxg_prefix6 *v, uint32_t n,
			   const uint8_t addr[16])
{
	uint32_t i, cls = 0;
	int best = -1;
	uint8_t a[16];

	for (i = 0; i < n; i++) {
		memcpy(a, addr, 16);
		mask6(a, v[i].len);
		if (!memcmp(a, v[i].addr, 16) && v[i].len > best) {
			best = v[i].len;
			cls = v[i].class_id;
		}
	}
	return cls;
}
