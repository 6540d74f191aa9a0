// SPDX-License-Identifier: BSD-3-Clause
/*
 * The engine's outputs: the RST sent for a 'reset' verdict, the
 * top-sources tracker and the summary JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../lib/image_builder.h"
#include "../lib/pktgen.h"
#include "replay.h"
#include "mxgate/tcp_rst.h"
#include "rst.h"
#include "summary.h"
#include "top_sources.h"

/* Verify a checksum over a region including its checksum field. */
static int csum_ok(uint32_t sum)
{
	return pktgen_csum_fold(sum) == 0xffff;
}

static void check_rst(const struct pktgen_spec *syn, int ethernet)
{
	uint8_t frame[512], out[MXG_RST_MAX];
	size_t len = pktgen_build(syn, frame, sizeof(frame)), rlen;
	struct mxg_pkt p, r;
	const uint8_t *ip, *th;
	uint32_t sum;
	int v6 = syn->family == 6;

	mxg_parse_eth(frame, frame + len, &p);
	assert_int_equal(p.status, MXG_PKT_OK);
	rlen = mxg_rst_build(frame, len, &p, ethernet, out, sizeof(out));
	assert_int_equal(rlen,
			 (ethernet ? p.l3_off : 0u) + (v6 ? 40u : 20u) + 20u);
	if (ethernet) {
		uint8_t inplace[512];

		mxg_parse_eth(out, out + rlen, &r);
		assert_memory_equal(out, frame + 6, 6);
		assert_memory_equal(out + 6, frame, 6);
		assert_int_equal(r.vlan_depth, syn->n_vlans);
		/* rewritten over the SYN: the same bytes; no room, no write */
		memcpy(inplace, frame, len);
		assert_int_equal(mxg_rst_rewrite(inplace, len,
						 p.l3_off + MXG_RST_HDR_MAX - 1,
						 &p),
				 0);
		assert_memory_equal(inplace, frame, len);
		assert_int_equal(mxg_rst_rewrite(inplace, len, sizeof(inplace),
						 &p),
				 rlen);
		assert_memory_equal(inplace, out, rlen);
	} else {
		mxg_pkt_reset(&r);
		mxg_parse_l3(out, out + rlen, 0, 0, &r);
	}
	assert_int_equal(r.status, MXG_PKT_OK);
	assert_memory_equal(r.src, p.dst, 16);
	assert_memory_equal(r.dst, p.src, 16);
	assert_int_equal(r.sport, p.dport);
	assert_int_equal(r.dport, p.sport);
	assert_int_equal(r.tcp_flags, MXG_TCP_RST | MXG_TCP_ACK);
	assert_int_equal(r.tcp_seq, 0);
	th = out + r.l4_off;
	/* ack = seq + 1 (+ payload of a SYN with data) */
	assert_int_equal(mxg_load_be32(th + 8),
			 syn->seq + 1 + syn->payload_len);
	ip = out + r.l3_off;
	if (v6) {
		uint8_t pseudo[40] = { 0 };

		memcpy(pseudo, ip + 8, 32);
		pseudo[35] = 20;
		pseudo[39] = 6;
		sum = pktgen_csum_add(pktgen_csum_add(0, pseudo, 40), th, 20);
		assert_int_equal(mxg_load_be16(ip + 4), 20);
	} else {
		uint8_t pseudo[12] = { 0 };

		assert_true(csum_ok(pktgen_csum_add(0, ip, 20)));
		memcpy(pseudo, ip + 12, 8);
		pseudo[9] = 6;
		pseudo[11] = 20;
		sum = pktgen_csum_add(pktgen_csum_add(0, pseudo, 12), th, 20);
		assert_int_equal(mxg_load_be16(ip + 2), 40);
	}
	assert_true(csum_ok(sum));
}

static void rst_ipv4(void **state)
{
	struct pktgen_spec s = { .family = 4,
				 .src = "203.0.113.9",
				 .dst = "198.51.100.25",
				 .sport = 51515,
				 .dport = 25,
				 .tcp_flags = MXG_TCP_SYN,
				 .seq = 0xfffffffe,
				 .ip_opt_words = 2,
				 .src_mac = { 2, 0, 0, 0, 0, 1 },
				 .dst_mac = { 2, 0, 0, 0, 0, 2 } };

	(void)state;
	check_rst(&s, 1);
	check_rst(&s, 0);
	s.n_vlans = 2;
	s.vlan_tpid[0] = 0x88a8;
	check_rst(&s, 1);
	s.payload_len = 10; /* a SYN with data */
	check_rst(&s, 1);
}

static void rst_ipv6(void **state)
{
	struct pktgen_spec s = { .family = 6,
				 .src = "2001:db8:bad::9",
				 .dst = "2001:db8:25::25",
				 .sport = 1025,
				 .dport = 587,
				 .tcp_flags = MXG_TCP_SYN,
				 .seq = 12345,
				 .n_ext = 1,
				 .ext = { PKTGEN_EXT_HOPOPTS },
				 .src_mac = { 2, 0, 0, 0, 0, 3 },
				 .dst_mac = { 2, 0, 0, 0, 0, 4 } };

	(void)state;
	check_rst(&s, 1);
	check_rst(&s, 0);
	s.n_vlans = 1;
	check_rst(&s, 1);
}

static void rst_refused_without_sequence(void **state)
{
	struct pktgen_spec s = { .family = 4,
				 .src = "203.0.113.9",
				 .dst = "198.51.100.25",
				 .dport = 25,
				 .tcp_flags = MXG_TCP_SYN,
				 .ip4_frag = 0x2000,
				 .ip_len_delta = -16 };
	uint8_t frame[128], out[MXG_RST_MAX];
	size_t len = pktgen_build(&s, frame, sizeof(frame));
	struct mxg_pkt p;

	(void)state;
	mxg_parse_eth(frame, frame + len, &p);
	assert_int_equal(p.status, MXG_PKT_OK); /* tiny first fragment */
	assert_int_equal(mxg_rst_build(frame, len, &p, 1, out, sizeof(out)), 0);
	s.ip_len_delta = 0;
	s.ip4_frag = 0;
	len = pktgen_build(&s, frame, sizeof(frame));
	mxg_parse_eth(frame, frame + len, &p);
	assert_int_equal(mxg_rst_build(frame, len, &p, 1, out, 20), 0);
}

static void addr4(uint8_t a[16], uint32_t v)
{
	memset(a, 0, 16);
	a[0] = (uint8_t)(v >> 24);
	a[1] = (uint8_t)(v >> 16);
	a[2] = (uint8_t)(v >> 8);
	a[3] = (uint8_t)v;
}

#define T0 (1700000000ULL * 1000000000ULL)

/* Last seen as kept: exact, or to within 'slack' ns below. */
static void assert_last(uint64_t got, uint64_t want, uint64_t slack)
{
	assert_true(got <= want);
	assert_true(want - got <= slack);
}

/* Source k sends 10 * k attempts, 3 ms apart, and k drops, one more
 * source 100 and 0: every kind of tracker lists them exactly, ranked;
 * last seen within 'slack'. */
static void check_exact_and_ranked(struct mxg_top_sources *t, uint64_t slack)
{
	struct mxg_top_entry out[8];
	uint8_t a[16];
	uint32_t i, n;

	for (i = 1; i <= 5; i++) {
		uint32_t j;

		addr4(a, 0xcb007100 + i);
		for (j = 0; j < 10 * i; j++)
			mxg_top_update(t, MXG_AF_INET, a, j < i,
				       T0 + j * 3000000);
	}
	addr4(a, 0xcb007163); /* many attempts, no drops */
	for (i = 0; i < 100; i++)
		mxg_top_update(t, MXG_AF_INET, a, 0, T0 + i);
	assert_int_equal(mxg_top_count(t), 6);
	assert_true(mxg_top_is_exact(t));
	assert_int_equal(mxg_top_error_bound(t), 0);
	n = mxg_top_sorted(t, out, 8);
	assert_int_equal(n, 6);
	assert_int_equal(out[0].addr[3], 5); /* most drops first */
	assert_int_equal(out[0].dropped, 5);
	assert_int_equal(out[0].syns, 50);
	assert_int_equal(out[0].error, 0);
	assert_int_equal(out[0].first_ns, T0);
	assert_last(out[0].last_ns, T0 + 49 * 3000000ULL, slack);
	assert_int_equal(out[4].addr[3], 1);
	assert_int_equal(out[5].addr[3], 0x63); /* no drops: last */
	assert_int_equal(out[5].syns, 100);
	/* fewer than asked for: the best ones, in order */
	n = mxg_top_sorted(t, out, 2);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].addr[3], 5);
	assert_int_equal(out[1].addr[3], 4);
}

static void top_sources_exact_and_ranked(void **state)
{
	struct mxg_top_sources *t;

	(void)state;
	assert_int_equal(mxg_top_create(&t, 100), 0);
	assert_int_equal(mxg_top_capacity(t), 128); /* rounded up */
	check_exact_and_ranked(t, MXG_TOP_LAST_NS);
	mxg_top_destroy(t);
	assert_int_equal(mxg_top_create_exact(&t), 0);
	assert_int_equal(mxg_top_capacity(t), 0);
	check_exact_and_ranked(t, 0);
	mxg_top_destroy(t);
}

static void top_sources_bounded_and_merged(void **state)
{
	struct mxg_top_sources *t, *u;
	struct mxg_top_entry out[4];
	uint8_t a[16];
	uint32_t i;

	(void)state;
	/* one bucket of MXG_TOP_WAYS: every source competes */
	assert_int_equal(mxg_top_create(&t, MXG_TOP_WAYS), 0);
	assert_int_equal(mxg_top_create(&u, 64), 0);
	addr4(a, 0xc0000201); /* a heavy hitter among 1000 one-offs */
	for (i = 0; i < 200; i++) {
		uint8_t b[16];

		mxg_top_update(t, MXG_AF_INET, a, 1, T0 + i * 1000000);
		addr4(b, 0x0a000000 + i);
		mxg_top_update(t, MXG_AF_INET, b, 0, T0 + i * 1000000);
	}
	/* the one-offs that replaced each other are tracked, not listed:
	 * one attempt each since they were taken in */
	assert_int_equal(mxg_top_count(t), 1);
	assert_false(mxg_top_is_exact(t));
	assert_true(mxg_top_error_bound(t) > 0);
	assert_int_equal(mxg_top_sorted(t, out, 4), 1);
	assert_memory_equal(out[0].addr, a, 16);
	assert_int_equal(out[0].syns, 200); /* never evicted: exact */
	assert_int_equal(out[0].dropped, 200);
	assert_int_equal(out[0].error, 0);
	/* merge: counts add, first/last widen */
	for (i = 0; i < 3; i++)
		mxg_top_update(u, MXG_AF_INET, a, 0, T0 + 1000000000 + i);
	assert_int_equal(mxg_top_merge(u, t), 0);
	assert_int_equal(mxg_top_sorted(u, out, 1), 1);
	assert_int_equal(out[0].syns, 203);
	assert_int_equal(out[0].dropped, 200);
	assert_int_equal(out[0].first_ns, T0);
	assert_last(out[0].last_ns, T0 + 1000000002, MXG_TOP_LAST_NS);
	assert_false(mxg_top_is_exact(u));
	/* reset: empty and exact again, a new seed, and in use at once */
	{
		uint32_t before[64], moved = 0;

		for (i = 0; i < 64; i++) {
			addr4(a, 0x0a000000 + i);
			before[i] = mxg_top_bucket_of(u, MXG_AF_INET, a);
		}
		mxg_top_reset(u);
		for (i = 0; i < 64; i++) {
			addr4(a, 0x0a000000 + i);
			moved += before[i] !=
				 mxg_top_bucket_of(u, MXG_AF_INET, a);
		}
		assert_true(moved > 0); /* 16 buckets: all 64 stay 2^-256 */
	}
	assert_int_equal(mxg_top_count(u), 0);
	assert_true(mxg_top_is_exact(u));
	assert_int_equal(mxg_top_sorted(u, out, 4), 0);
	mxg_top_update(u, MXG_AF_INET, a, 1, T0);
	assert_int_equal(mxg_top_sorted(u, out, 4), 1);
	assert_int_equal(out[0].syns, 1);
	assert_int_equal(out[0].error, 0);
	mxg_top_destroy(u);
	assert_int_equal(mxg_top_create(&u, 0), -22);
	assert_null(u);
	assert_int_equal(mxg_top_create(&u, (1u << 24) + 1), -22);
	mxg_top_destroy(t);
}

/* A source taken in by replacement is tracked at once and listed from
 * its second attempt, with the count it inherited as its error. */
static void top_sources_listed_from_second(void **state)
{
	struct mxg_top_sources *t;
	struct mxg_top_entry out[MXG_TOP_WAYS + 1];
	uint8_t a[16];
	uint32_t i, j;

	(void)state;
	assert_int_equal(mxg_top_create(&t, MXG_TOP_WAYS), 0); /* 1 bucket */
	for (i = 0; i < MXG_TOP_WAYS; i++) { /* 10, 11, 12, ... attempts */
		addr4(a, 0xc6336400 + i);
		for (j = 0; j < 10 + i; j++)
			mxg_top_update(t, MXG_AF_INET, a, 0, T0 + j);
	}
	assert_int_equal(mxg_top_count(t), MXG_TOP_WAYS);
	addr4(a, 0xcb007107);
	mxg_top_update(t, MXG_AF_INET, a, 1, T0 + 5000000000ULL);
	/* it replaced the source of 10 attempts: tracked with 11, unlisted */
	assert_int_equal(mxg_top_count(t), MXG_TOP_WAYS - 1);
	assert_int_equal(mxg_top_sorted(t, out, MXG_TOP_WAYS + 1),
			 MXG_TOP_WAYS - 1);
	for (i = 0; i < MXG_TOP_WAYS - 1; i++)
		assert_memory_not_equal(out[i].addr, a, 16);
	assert_int_equal(mxg_top_error_bound(t), 11);
	mxg_top_update(t, MXG_AF_INET, a, 1, T0 + 6000000000ULL);
	assert_int_equal(mxg_top_count(t), MXG_TOP_WAYS);
	assert_int_equal(mxg_top_sorted(t, out, 1), 1); /* most dropped */
	assert_memory_equal(out[0].addr, a, 16);
	assert_int_equal(out[0].syns, 12);
	assert_int_equal(out[0].error, 10);
	assert_int_equal(out[0].dropped, 2);
	assert_last(out[0].first_ns, T0 + 5000000000ULL, MXG_TOP_LAST_NS);
	assert_last(out[0].last_ns, T0 + 6000000000ULL, MXG_TOP_LAST_NS);
	mxg_top_destroy(t);
}

/* The n-th IPv4 address, in the n-th order of addresses an attacker
 * walks through. */
static void nth_addr(uint8_t a[16], uint32_t n)
{
	addr4(a, 0x0a000000 + n);
}

/*
 * The seed: two trackers place the same sources differently, so sources
 * that share a bucket in one (whatever an attacker found out about one
 * process) are spread in the other; and over many seeds, two fixed
 * sources share a bucket about 1/B of the time, as a strongly universal
 * hash gives.
 */
static void top_sources_seeded_hash(void **state)
{
	struct mxg_top_sources *t1, *t2;
	uint32_t same = 0, b2 = 0, i, n = 0, pairs = 0, trials = 400;
	uint8_t a[16], b[16], keys[9][16];
	int spread = 0;

	(void)state;
	assert_int_equal(mxg_top_create(&t1, 1024), 0); /* 128 buckets */
	assert_int_equal(mxg_top_create(&t2, 1024), 0);
	for (i = 0; i < 4096; i++) {
		nth_addr(a, i);
		same += mxg_top_bucket_of(t1, MXG_AF_INET, a) ==
			mxg_top_bucket_of(t2, MXG_AF_INET, a);
	}
	assert_true(same < 4096 / 8); /* about 1/128 of them */
	/* nine sources that collide in t1's bucket 0 */
	for (i = 0; n < 9; i++) {
		nth_addr(a, i);
		if (mxg_top_bucket_of(t1, MXG_AF_INET, a) == 0)
			memcpy(keys[n++], a, 16);
	}
	for (i = 0; i < 9; i++) {
		uint32_t bk = mxg_top_bucket_of(t2, MXG_AF_INET, keys[i]);

		if (i == 0)
			b2 = bk;
		else if (bk != b2)
			spread = 1;
	}
	assert_true(spread);
	mxg_top_destroy(t1);
	mxg_top_destroy(t2);

	/* P[two fixed sources share one of 8 buckets] = 1/8 over the seed;
	 * an IPv4 and an IPv6 source alike (the family is in the key). */
	nth_addr(a, 1);
	nth_addr(b, 2);
	for (i = 0; i < trials; i++) {
		assert_int_equal(mxg_top_create(&t1, 8 * MXG_TOP_WAYS), 0);
		pairs += mxg_top_bucket_of(t1, MXG_AF_INET, a) ==
			 mxg_top_bucket_of(t1, MXG_AF_INET, b);
		mxg_top_destroy(t1);
	}
	/* mean 50, sd 6.6: 20..90 fails once in 10^5 runs */
	assert_true(pairs >= 20 && pairs <= 90);
}

/*
 * Bounded work: 20,000 sources all in one bucket (found with the
 * tracker's own seed, which no attacker has: the worst case) cost an
 * update MXG_TOP_WAYS slots each, like any others; the bucket keeps a
 * source that sends a third of its attempts, exactly (Space-Saving keeps
 * any source above 1/MXG_TOP_WAYS). The exact tracker's probes stay
 * within MXG_TOP_PROBE_MAX under sources that share a home slot.
 */
static void top_sources_bounded_work(void **state)
{
	struct mxg_top_sources *t;
	struct mxg_top_entry out[MXG_TOP_WAYS];
	uint8_t(*keys)[16] = malloc(20000 * 16), heavy[16];
	uint32_t i, n = 0, k, home;

	(void)state;
	assert_non_null(keys);
	assert_int_equal(mxg_top_create(&t, 1024), 0);
	for (i = 0; n < 20000; i++) {
		nth_addr(keys[n], i);
		if (mxg_top_bucket_of(t, MXG_AF_INET, keys[n]) == 5)
			n++;
	}
	nth_addr(heavy, i + 1000000);
	while (mxg_top_bucket_of(t, MXG_AF_INET, heavy) != 5)
		nth_addr(heavy, ++i + 1000000);
	for (k = 0; k < 3; k++)
		for (i = 0; i < n; i++) {
			mxg_top_update(t, MXG_AF_INET, keys[i], 1, i);
			if (i % 2 == 0)
				mxg_top_update(t, MXG_AF_INET, heavy, 0, i);
		}
	assert_int_equal(mxg_top_probe_max(t), MXG_TOP_WAYS);
	n = mxg_top_count(t); /* one bucket: the heavy one, and one-offs */
	assert_true(n >= 1 && n <= MXG_TOP_WAYS);
	assert_int_equal(mxg_top_sorted(t, out, MXG_TOP_WAYS), n);
	for (i = 0; i < n; i++)
		if (!memcmp(out[i].addr, heavy, 16))
			break;
	assert_true(i < n);
	assert_true(out[i].syns - out[i].error <= 30000);
	assert_true(out[i].syns >= 30000);
	assert_true(out[i].error <= (90000 - 30000) / (MXG_TOP_WAYS - 1));
	mxg_top_destroy(t);

	/* exact: 2,000 sources with one home slot in the first index */
	assert_int_equal(mxg_top_create_exact(&t), 0);
	nth_addr(keys[0], 0);
	home = mxg_top_bucket_of(t, MXG_AF_INET, keys[0]);
	for (i = 1, n = 1; n < 2000; i++) {
		nth_addr(keys[n], i);
		if (mxg_top_bucket_of(t, MXG_AF_INET, keys[n]) == home)
			n++;
	}
	for (k = 0; k < 2; k++)
		for (i = 0; i < n; i++)
			mxg_top_update(t, MXG_AF_INET, keys[i], 0, i);
	assert_true(mxg_top_probe_max(t) <= MXG_TOP_PROBE_MAX);
	assert_int_equal(mxg_top_count(t), n);
	assert_true(mxg_top_is_exact(t));
	assert_int_equal(mxg_top_sorted(t, out, 1), 1);
	assert_int_equal(out[0].syns, 2);
	mxg_top_destroy(t);
	free(keys);
}

/*
 * The error bound of top_sources.h, on a skewed stream (source r sends
 * about 20000 / r attempts, 1 in 3 dropped, 6,000 sources) into 256
 * slots, against exact counts: per source, with N_b the attempts of its
 * bucket, a listed source has syns - error <= f <= syns, error <=
 * (N_b - f) / (WAYS - 1) and dropped <= its drops <= dropped + error; an
 * unlisted one has f <= N_b / WAYS + 1, and at most
 * mxg_top_error_bound() + 1 (the + 1: a source taken in by replacement
 * is listed from its second attempt on).
 */
#define EB_SOURCES 6000
static void top_sources_error_bound(void **state)
{
	struct mxg_top_sources *t, *x;
	struct mxg_top_entry *out = calloc(256, sizeof(*out));
	uint64_t *f = calloc(EB_SOURCES, sizeof(*f));
	uint64_t *d = calloc(EB_SOURCES, sizeof(*d));
	uint64_t *nb = calloc(256 / MXG_TOP_WAYS, sizeof(*nb)), bound;
	uint32_t *listed = calloc(EB_SOURCES, sizeof(*listed));
	uint32_t i, n, r, rounds;
	uint64_t rng = 12345;
	uint8_t a[16];

	(void)state;
	assert_true(out && f && d && nb && listed);
	assert_int_equal(mxg_top_create(&t, 256), 0); /* 64 buckets */
	assert_int_equal(mxg_top_create_exact(&x), 0);
	for (rounds = 0; rounds < 200000; rounds++) {
		/* r ~ 1/r: the inverse of a uniform draw */
		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		r = (uint32_t)((double)EB_SOURCES /
			       (1.0 + (double)(rng >> 11) /
					      (double)(1ULL << 53) *
					      (EB_SOURCES - 1)));
		r = r > EB_SOURCES ? EB_SOURCES - 1 : r - 1; /* r >= 1 */
		nth_addr(a, r);
		f[r]++;
		d[r] += rounds % 3 == 0;
		mxg_top_update(t, MXG_AF_INET, a, rounds % 3 == 0, rounds);
		mxg_top_update(x, MXG_AF_INET, a, rounds % 3 == 0, rounds);
	}
	for (r = 0; r < EB_SOURCES; r++) {
		nth_addr(a, r);
		nb[mxg_top_bucket_of(t, MXG_AF_INET, a)] += f[r];
	}
	assert_false(mxg_top_is_exact(t));
	bound = mxg_top_error_bound(t);
	assert_true(bound > 0);
	n = mxg_top_sorted(t, out, 256);
	assert_int_equal(n, mxg_top_count(t));
	assert_true(n >= 3 && n <= 256);
	for (i = 0; i < n; i++) {
		uint64_t nbx;

		r = (uint32_t)(out[i].addr[0] << 24 | out[i].addr[1] << 16 |
			       out[i].addr[2] << 8 | out[i].addr[3]) -
		    0x0a000000;
		assert_true(r < EB_SOURCES);
		listed[r] = 1;
		nbx = nb[mxg_top_bucket_of(t, MXG_AF_INET, out[i].addr)];
		assert_true(out[i].syns >= f[r]);
		assert_true(out[i].syns - out[i].error <= f[r]);
		assert_true(out[i].error <= bound);
		assert_true(out[i].error <= (nbx - f[r]) / (MXG_TOP_WAYS - 1));
		assert_true(out[i].dropped <= d[r]);
		assert_true(d[r] <= out[i].dropped + out[i].error);
	}
	for (r = 0; r < EB_SOURCES; r++) {
		nth_addr(a, r);
		if (listed[r])
			continue;
		assert_true(f[r] <= bound + 1);
		assert_true(f[r] <= nb[mxg_top_bucket_of(t, MXG_AF_INET, a)] /
						    MXG_TOP_WAYS +
					    1);
	}
	/* the heaviest sources are listed: source 0 sends about half */
	assert_true(listed[0] && listed[1] && listed[2]);
	/* the exact tracker has every source, exactly */
	assert_true(mxg_top_is_exact(x));
	assert_int_equal(mxg_top_sorted(x, out, 3), 3);
	assert_int_equal(out[0].syns, f[0]);
	assert_int_equal(out[0].dropped, d[0]);
	n = 0;
	for (r = 0; r < EB_SOURCES; r++)
		n += f[r] > 0;
	assert_int_equal(mxg_top_count(x), n);
	mxg_top_destroy(t);
	mxg_top_destroy(x);
	free(out);
	free(f);
	free(d);
	free(nb);
	free(listed);
}

static void summary_json_exact(void **state)
{
	struct image_builder b;
	struct mxg_policy_header *img;
	struct mxg_counters c;
	struct mxg_top_entry top[2];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	ib_init(&b);
	ib_allow(&b, "part\"ners");
	ib_limit(&b, "per-host", 20, 60, 10, MXG_KEY_HOST, MXG_OVER_DROP);
	img = ib_build(&b);
	memset(&c, 0, sizeof(c));
	memset(top, 0, sizeof(top));
	c.totals = (struct mxg_totals){ 10, 7, 1, 5, 2, 3, 1, 0, 4, 3, 0, 2 };
	c.rules[1] = (struct mxg_rule_counters){ 5, 2, 3, 0, 1 };
	addr4(top[0].addr, 0xcb007107);
	top[0].family = MXG_AF_INET;
	top[0].syns = 5;
	top[0].dropped = 3;
	top[1].family = MXG_AF_INET6;
	top[1].addr[0] = 0x20;
	top[1].addr[1] = 0x01;
	top[1].addr[2] = 0x0d;
	top[1].addr[3] = 0xb8;
	top[1].addr[15] = 1;
	top[1].syns = 1;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(mxg_summary_write(f, img, &c, top, 2), 0);
	fclose(f);
	assert_string_equal(
		buf,
		"{\"packets\": 10, \"forwarded\": 7, \"unparsed\": 1, "
		"\"smtp_syns\": 5, \"smtp_passed\": 2, \"smtp_dropped\": 3, "
		"\"reset\": 1, \"would_drop\": 0, \"parser_limit\": 4, "
		"\"parser_limit_dropped\": 3, \"parser_limit_would_drop\": 0, "
		"\"reset_suppressed\": 2, \"rules\": [{\"name\": "
		"\"part\\\"ners\", \"matched\": 0, \"passed\": 0, \"dropped\": "
		"0, \"would_drop\": 0, \"reset\": 0}, {\"name\": \"per-host\", "
		"\"matched\": 5, \"passed\": 2, \"dropped\": 3, \"would_drop\": "
		"0, \"reset\": 1}], "
		"\"top_sources\": [{\"src\": \"203.0.113.7\", \"syns\": 5, "
		"\"dropped\": 3}, {\"src\": \"2001:db8::1\", \"syns\": 1, "
		"\"dropped\": 0}]}\n");
	free(buf);
	free(img);
}

/* The report's streamed timelines: fixed memory, bins that double and
 * keep every count, and a heavy source always tracked. */
static void report_bins_stream(void **state)
{
	struct replay_bins *b = malloc(sizeof(*b));
	uint8_t heavy[16] = { 203, 0, 113, 7 }, other[16] = { 198, 18 };
	const uint64_t s = 1000000000ULL, t0 = 1700000000ULL * s;
	uint64_t i, att = 0, drop = 0, hatt = 0;
	uint32_t k;

	(void)state;
	assert_non_null(b);
	replay_bins_init(b);
	/* 3 days, one attempt every 13 s from a new source, and every
	 * 7th from the heavy one, dropped */
	for (i = 0; i < 20000; i++) {
		int h = i % 7 == 0;
		uint8_t *a = h ? heavy : other;

		if (!h) {
			other[2] = (uint8_t)(i >> 8);
			other[3] = (uint8_t)i;
		}
		replay_bins_add(b, t0 + i * 13 * s, 4, a,
				h ? MXG_VERDICT_DROP : MXG_VERDICT_PASS);
		att++;
		drop += h;
		hatt += h;
	}
	/* a step back in time lands in bin 0 */
	replay_bins_add(b, t0 - 5 * s, 4, heavy, MXG_VERDICT_DROP);
	att++, drop++, hatt++;
	assert_true(b->n_used <= REPLAY_BINS);
	assert_true(b->bin_s * REPLAY_BINS * s >= 20000 * 13 * s);
	assert_true(b->bin_s >= 512); /* 260,000 s in 512 bins */
	{
		uint64_t sa = 0, sd = 0, ha = 0, hd = 0;
		const struct replay_tracked *t = NULL;

		for (k = 0; k < REPLAY_BINS; k++) {
			sa += b->all.att[k];
			sd += b->all.drop[k];
		}
		assert_int_equal(sa, att);
		assert_int_equal(sd, drop);
		for (k = 0; k < b->n_tracked; k++)
			if (!memcmp(b->tracked[k].addr, heavy, 16))
				t = &b->tracked[k];
		assert_non_null(t);
		assert_int_equal(t->taken, 0); /* never evicted */
		for (k = 0; k < REPLAY_BINS; k++) {
			ha += t->s.att[k];
			hd += t->s.drop[k];
		}
		assert_int_equal(ha, hatt);
		assert_int_equal(hd, hatt);
	}
	assert_int_equal(b->n_tracked, REPLAY_TRACKED);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rst_ipv4),
		cmocka_unit_test(rst_ipv6),
		cmocka_unit_test(rst_refused_without_sequence),
		cmocka_unit_test(top_sources_exact_and_ranked),
		cmocka_unit_test(top_sources_bounded_and_merged),
		cmocka_unit_test(top_sources_listed_from_second),
		cmocka_unit_test(top_sources_seeded_hash),
		cmocka_unit_test(top_sources_bounded_work),
		cmocka_unit_test(top_sources_error_bound),
		cmocka_unit_test(summary_json_exact),
		cmocka_unit_test(report_bins_stream),
	};

	return cmocka_run_group_tests_name("engine outputs", tests, NULL, NULL);
}
