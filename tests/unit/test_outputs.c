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
		mxg_parse_eth(out, out + rlen, &r);
		assert_memory_equal(out, frame + 6, 6);
		assert_memory_equal(out + 6, frame, 6);
		assert_int_equal(r.vlan_depth, syn->n_vlans);
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

static void top_sources_exact_and_ranked(void **state)
{
	struct mxg_top_sources *t;
	struct mxg_top_entry out[8];
	uint8_t a[16];
	uint32_t i, n;

	(void)state;
	assert_int_equal(mxg_top_create(&t, 100), 0);
	/* source k sends 10 * k attempts, drops k of them */
	for (i = 1; i <= 5; i++) {
		uint32_t j;

		addr4(a, 0xcb007100 + i);
		for (j = 0; j < 10 * i; j++)
			mxg_top_update(t, MXG_AF_INET, a, j < i, 1000 + j);
	}
	addr4(a, 0xcb007163); /* many attempts, no drops */
	for (i = 0; i < 100; i++)
		mxg_top_update(t, MXG_AF_INET, a, 0, 5000 + i);
	assert_int_equal(mxg_top_count(t), 6);
	assert_true(mxg_top_is_exact(t));
	n = mxg_top_sorted(t, out, 8);
	assert_int_equal(n, 6);
	assert_int_equal(out[0].addr[3], 5); /* most drops first */
	assert_int_equal(out[0].dropped, 5);
	assert_int_equal(out[0].syns, 50);
	assert_int_equal(out[0].first_ns, 1000);
	assert_int_equal(out[0].last_ns, 1049);
	assert_int_equal(out[4].addr[3], 1);
	assert_int_equal(out[5].addr[3], 0x63); /* no drops: last */
	assert_int_equal(out[5].syns, 100);
	mxg_top_destroy(t);
}

static void top_sources_bounded_and_merged(void **state)
{
	struct mxg_top_sources *t, *u;
	struct mxg_top_entry out[4];
	uint8_t a[16];
	uint32_t i;

	(void)state;
	assert_int_equal(mxg_top_create(&t, 4), 0);
	assert_int_equal(mxg_top_create(&u, 64), 0);
	addr4(a, 0xc0000201); /* a heavy hitter among 1000 one-offs */
	for (i = 0; i < 200; i++) {
		uint8_t b[16];

		mxg_top_update(t, MXG_AF_INET, a, 1, i);
		addr4(b, 0x0a000000 + i);
		mxg_top_update(t, MXG_AF_INET, b, 0, i);
	}
	assert_int_equal(mxg_top_count(t), 4);
	assert_false(mxg_top_is_exact(t));
	assert_int_equal(mxg_top_sorted(t, out, 1), 1);
	assert_memory_equal(out[0].addr, a, 16);
	assert_int_equal(out[0].syns, 200); /* never evicted: exact */
	assert_int_equal(out[0].dropped, 200);
	/* merge: counts add, first/last widen */
	for (i = 0; i < 3; i++)
		mxg_top_update(u, MXG_AF_INET, a, 0, 10000 + i);
	mxg_top_merge(u, t);
	assert_int_equal(mxg_top_sorted(u, out, 1), 1);
	assert_int_equal(out[0].syns, 203);
	assert_int_equal(out[0].dropped, 200);
	assert_int_equal(out[0].first_ns, 0);
	assert_int_equal(out[0].last_ns, 10002);
	assert_false(mxg_top_is_exact(u));
	mxg_top_destroy(u);
	assert_int_equal(mxg_top_create(&u, 0), -22);
	assert_null(u);
	mxg_top_destroy(t);
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
		cmocka_unit_test(summary_json_exact),
		cmocka_unit_test(report_bins_stream),
	};

	return cmocka_run_group_tests_name("engine outputs", tests, NULL, NULL);
}
