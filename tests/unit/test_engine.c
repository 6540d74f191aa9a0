// SPDX-License-Identifier: BSD-3-Clause
/*
 * Decision engine tests: DESIGN §3 rule semantics over hand-built images
 * (tests/lib/image_builder.c), the counters' invariants, reloads that
 * keep bucket state, and a two-thread stress test on shared keys.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../lib/image_builder.h"
#include "../lib/pktgen.h"
#include "engine.h"
#include "src_table.h"

#define SEC 1000000000ULL
#define T0  (1700000000ULL * SEC)

struct fixture {
	struct image_builder b;
	struct mxg_engine *engine;
	struct mxg_src_table *table;
	struct mxg_counters c;
	struct mxg_src_table_stats ts;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || mxg_src_table_create(&f->table, 4096))
		return -1;
	ib_init(&f->b);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	mxg_engine_destroy(f->engine);
	mxg_src_table_destroy(f->table);
	free(f);
	return 0;
}

static void build(struct fixture *f)
{
	struct mxg_policy_header *img = ib_build(&f->b);
	const char *why = NULL;

	mxg_engine_destroy(f->engine);
	f->engine = NULL;
	if (mxg_engine_create(&f->engine, img, img->total_len,
			      MXG_ENGINE_PORTABLE_LPM, &why))
		fail_msg("image rejected: %s", why);
	free(img);
}

/* Run one frame from src to dst:dport with TCP flags at time t. */
static int frame(struct fixture *f, const char *src, const char *dst,
		 uint16_t dport, uint8_t flags, uint64_t t, int32_t *rule)
{
	struct pktgen_spec s = {
		.family = strchr(src, ':') ? 6 : 4,
		.src = src,
		.dst = dst,
		.sport = 40000,
		.dport = dport,
		.tcp_flags = flags,
		.seq = 7,
	};
	uint8_t buf[256];
	size_t len = pktgen_build(&s, buf, sizeof(buf));
	struct mxg_decision d;
	struct mxg_pkt p;

	assert_true(len > 0);
	mxg_parse_eth(buf, buf + len, &p);
	mxg_engine_process(f->engine, f->table, &f->c, &f->ts, &p, t, &d);
	if (rule)
		*rule = d.rule;
	assert_int_equal(d.attempt, d.verdict != MXG_VERDICT_FORWARD);
	return d.verdict;
}

static int syn(struct fixture *f, const char *src, uint64_t t)
{
	return frame(f, src, "198.51.100.25", 25, 0x02, t, NULL);
}

static int syn6(struct fixture *f, const char *src, uint64_t t)
{
	return frame(f, src, "2001:db8:25::25", 25, 0x02, t, NULL);
}

/* The DESIGN §4 invariants, after every test. */
static void check_invariants(const struct fixture *f)
{
	const struct mxg_totals *t = &f->c.totals;

	assert_int_equal(t->smtp_syns, t->smtp_passed + t->smtp_dropped);
	assert_true(t->reset <= t->smtp_dropped);
	assert_int_equal(t->packets, t->forwarded + t->smtp_dropped +
					     t->parser_limit_dropped);
	assert_true(t->parser_limit_dropped + t->parser_limit_would_drop <=
		    t->parser_limit);
	assert_true(t->reset_suppressed <= t->smtp_dropped - t->reset);
	if (f->engine->image->mode == MXG_MODE_MONITOR)
		assert_int_equal(t->smtp_dropped, 0);
}

static void no_rules_everything_passes(void **state)
{
	struct fixture *f = *state;
	int32_t rule;

	build(f);
	assert_int_equal(frame(f, "192.0.2.1", "198.51.100.25", 25, 0x02, T0,
			       &rule),
			 MXG_VERDICT_PASS);
	assert_int_equal(rule, -1);
	assert_int_equal(frame(f, "192.0.2.1", "198.51.100.25", 25, 0x12, T0,
			       NULL),
			 MXG_VERDICT_FORWARD); /* SYN-ACK */
	assert_int_equal(frame(f, "192.0.2.1", "198.51.100.25", 80, 0x02, T0,
			       NULL),
			 MXG_VERDICT_FORWARD);
	assert_int_equal(f->c.totals.packets, 3);
	assert_int_equal(f->c.totals.smtp_syns, 1);
	assert_int_equal(f->c.totals.forwarded, 3);
	check_invariants(f);
}

static void allow_then_deny(void **state)
{
	struct fixture *f = *state;
	uint32_t partners = ib_set(&f->b, "@partners");
	int32_t rule;

	ib_cidr(&f->b, partners, "192.0.2.0/24");
	ib_cidr(&f->b, partners, "2001:db8:1::/48");
	ib_allow(&f->b, "partners")->src_set = (uint16_t)partners;
	ib_deny(&f->b, "deny-rest");
	build(f);
	assert_int_equal(frame(f, "192.0.2.77", "198.51.100.25", 25, 0x02, T0,
			       &rule),
			 MXG_VERDICT_PASS);
	assert_int_equal(rule, 0);
	assert_int_equal(frame(f, "2001:db8:1:ffff::9", "2001:db8:25::25", 587,
			       0x02, T0, &rule),
			 MXG_VERDICT_PASS);
	assert_int_equal(rule, 0);
	assert_int_equal(frame(f, "203.0.113.9", "198.51.100.25", 25, 0x02, T0,
			       &rule),
			 MXG_VERDICT_DROP);
	assert_int_equal(rule, 1);
	assert_int_equal(f->c.rules[0].matched, 2);
	assert_int_equal(f->c.rules[0].passed, 2);
	assert_int_equal(f->c.rules[1].matched, 1);
	assert_int_equal(f->c.rules[1].dropped, 1);
	check_invariants(f);
}

static void monitor_mode_would_drop(void **state)
{
	struct fixture *f = *state;
	int i, would = 0, passed = 0;

	f->b.mode = MXG_MODE_MONITOR;
	ib_limit(&f->b, "per-host", 1, 60, 2, MXG_KEY_HOST, MXG_OVER_RESET);
	build(f);
	for (i = 0; i < 5; i++) {
		int v = syn(f, "203.0.113.5", T0);

		would += v == MXG_VERDICT_WOULD_DROP;
		passed += v == MXG_VERDICT_PASS;
	}
	/* Buckets run exactly as in enforce mode. */
	assert_int_equal(passed, 2);
	assert_int_equal(would, 3);
	assert_int_equal(f->c.totals.would_drop, 3);
	assert_int_equal(f->c.totals.smtp_dropped, 0);
	assert_int_equal(f->c.totals.forwarded, 5);
	assert_int_equal(f->c.rules[0].would_drop, 3);
	assert_int_equal(f->c.rules[0].passed, 2);
	check_invariants(f);
}

static void per_host_limit_and_refill(void **state)
{
	struct fixture *f = *state;
	int i, passed = 0;

	ib_limit(&f->b, "per-host", 20, 60, 3, MXG_KEY_HOST, MXG_OVER_DROP);
	build(f);
	for (i = 0; i < 10; i++)
		passed += syn(f, "203.0.113.5", T0) == MXG_VERDICT_PASS;
	assert_int_equal(passed, 3);
	/* Another host has its own bucket. */
	assert_int_equal(syn(f, "203.0.113.6", T0), MXG_VERDICT_PASS);
	/* One token every 3 s, exactly: not a ns before. */
	assert_int_equal(syn(f, "203.0.113.5", T0 + 2 * SEC), MXG_VERDICT_DROP);
	assert_int_equal(syn(f, "203.0.113.5", T0 + 3 * SEC - 1),
			 MXG_VERDICT_DROP);
	assert_int_equal(syn(f, "203.0.113.5", T0 + 3 * SEC), MXG_VERDICT_PASS);
	assert_int_equal(syn(f, "203.0.113.5", T0 + 3 * SEC), MXG_VERDICT_DROP);
	check_invariants(f);
}

static void per_prefix_and_ipv6_host_keys(void **state)
{
	struct fixture *f = *state;
	char a[64];
	int i, passed = 0;

	ib_limit(&f->b, "per-net", 1, 3600, 4, MXG_KEY_PREFIX, MXG_OVER_DROP)
		->family = MXG_FAMILY_IPV4;
	ib_limit(&f->b, "per-host6", 1, 3600, 2, MXG_KEY_HOST, MXG_OVER_DROP)
		->family = MXG_FAMILY_IPV6;
	build(f);
	/* A /24 shares one bucket of 4. */
	for (i = 1; i <= 10; i++) {
		snprintf(a, sizeof(a), "203.0.113.%d", i);
		passed += syn(f, a, T0) == MXG_VERDICT_PASS;
	}
	assert_int_equal(passed, 4);
	assert_int_equal(syn(f, "203.0.114.1", T0), MXG_VERDICT_PASS);
	/* IPv6 hosts are keyed on their /64. */
	passed = 0;
	for (i = 1; i <= 6; i++) {
		snprintf(a, sizeof(a), "2001:db8:bad:1::%x", i * 77);
		passed += syn6(f, a, T0) == MXG_VERDICT_PASS;
	}
	assert_int_equal(passed, 2);
	assert_int_equal(syn6(f, "2001:db8:bad:2::1", T0), MXG_VERDICT_PASS);
	check_invariants(f);
}

/*
 * An IPv4 host and the IPv4-mapped IPv6 address of the same host are two
 * sources: a flood from ::ffff:203.0.113.7 does not drain 203.0.113.7's
 * bucket, even keyed on all 128 bits.
 */
static void mapped_ipv6_has_its_own_bucket(void **state)
{
	struct fixture *f = *state;
	int i, passed4 = 0, passed6 = 0;

	ib_limit(&f->b, "per-host", 1, 3600, 5, MXG_KEY_HOST, MXG_OVER_DROP)
		->ipv6_prefix = 128;
	build(f);
	for (i = 0; i < 10; i++) {
		passed6 += syn6(f, "::ffff:203.0.113.7", T0) ==
			   MXG_VERDICT_PASS;
		passed4 += syn(f, "203.0.113.7", T0) == MXG_VERDICT_PASS;
	}
	assert_int_equal(passed6, 5);
	assert_int_equal(passed4, 5);
	check_invariants(f);
}

static void per_dst_and_global(void **state)
{
	struct fixture *f = *state;
	int i, passed = 0;

	ib_limit(&f->b, "per-dst", 1, 3600, 2, MXG_KEY_DST, MXG_OVER_DROP);
	ib_limit(&f->b, "total", 1, 3600, 3, MXG_KEY_GLOBAL, MXG_OVER_DROP);
	build(f);
	for (i = 0; i < 4; i++)
		passed += frame(f, i % 2 ? "192.0.2.1" : "203.0.113.1",
				"198.51.100.25", 25, 0x02, T0,
				NULL) == MXG_VERDICT_PASS;
	/* Two sources, one destination bucket of 2. */
	assert_int_equal(passed, 2);
	assert_int_equal(f->c.rules[0].dropped, 2);
	/* A second destination passes per-dst, then the global cap of 3
	 * (two already taken) lets one through. */
	assert_int_equal(frame(f, "192.0.2.1", "198.51.100.26", 25, 0x02, T0,
			       NULL),
			 MXG_VERDICT_PASS);
	assert_int_equal(frame(f, "192.0.2.1", "198.51.100.27", 25, 0x02, T0,
			       NULL),
			 MXG_VERDICT_DROP);
	assert_int_equal(f->c.rules[1].dropped, 1);
	check_invariants(f);
}

static void reset_and_tokens_not_refunded(void **state)
{
	struct fixture *f = *state;
	int32_t rule;

	ib_limit(&f->b, "per-host", 1, 3600, 5, MXG_KEY_HOST, MXG_OVER_DROP);
	ib_limit(&f->b, "total", 1, 3600, 1, MXG_KEY_GLOBAL, MXG_OVER_RESET);
	build(f);
	assert_int_equal(syn(f, "203.0.113.5", T0), MXG_VERDICT_PASS);
	/* per-host conforms (token taken), the global cap resets. */
	assert_int_equal(frame(f, "203.0.113.5", "198.51.100.25", 25, 0x02, T0,
			       &rule),
			 MXG_VERDICT_RESET);
	assert_int_equal(rule, 1);
	assert_int_equal(syn(f, "203.0.113.5", T0), MXG_VERDICT_RESET);
	assert_int_equal(syn(f, "203.0.113.5", T0), MXG_VERDICT_RESET);
	assert_int_equal(syn(f, "203.0.113.5", T0), MXG_VERDICT_RESET);
	/* per-host's 5 tokens are gone although 4 attempts were reset. */
	assert_int_equal(frame(f, "203.0.113.5", "198.51.100.25", 25, 0x02, T0,
			       &rule),
			 MXG_VERDICT_DROP);
	assert_int_equal(rule, 0);
	assert_int_equal(f->c.totals.reset, 4);
	assert_int_equal(f->c.totals.smtp_dropped, 5);
	assert_int_equal(f->c.rules[0].passed, 5);
	assert_int_equal(f->c.rules[1].matched, 5);
	check_invariants(f);
}

static void protected_ports_family_and_dst_port(void **state)
{
	struct fixture *f = *state;
	uint32_t prot = ib_protected(&f->b);
	struct mxg_rule *r;

	ib_cidr(&f->b, prot, "198.51.100.0/24");
	ib_cidr(&f->b, prot, "2001:db8:25::/48");
	f->b.n_ports = 2;
	f->b.ports[0] = 25;
	f->b.ports[1] = 2525;
	r = ib_deny(&f->b, "no-v6-submission");
	r->family = MXG_FAMILY_IPV6;
	r->n_ports = 1;
	r->ports[0] = 2525;
	build(f);
	/* Outside 'protected': not an attempt at all. */
	assert_int_equal(frame(f, "192.0.2.1", "192.0.2.25", 25, 0x02, T0,
			       NULL),
			 MXG_VERDICT_FORWARD);
	/* 587 is not in this policy's smtp_ports. */
	assert_int_equal(frame(f, "192.0.2.1", "198.51.100.25", 587, 0x02, T0,
			       NULL),
			 MXG_VERDICT_FORWARD);
	assert_int_equal(frame(f, "192.0.2.1", "198.51.100.25", 2525, 0x02, T0,
			       NULL),
			 MXG_VERDICT_PASS);
	assert_int_equal(frame(f, "2001:db8::1", "2001:db8:25::25", 25, 0x02,
			       T0, NULL),
			 MXG_VERDICT_PASS);
	assert_int_equal(frame(f, "2001:db8::1", "2001:db8:25::25", 2525, 0x02,
			       T0, NULL),
			 MXG_VERDICT_DROP);
	assert_int_equal(f->c.totals.smtp_syns, 3);
	check_invariants(f);
}

static void unparsed_frames_are_forwarded(void **state)
{
	struct fixture *f = *state;
	struct pktgen_spec s = { .family = 4,
				 .src = "192.0.2.1",
				 .dst = "198.51.100.25",
				 .dport = 25,
				 .tcp_flags = 0x02,
				 .cut = 40 };
	uint8_t buf[128];
	size_t len = pktgen_build(&s, buf, sizeof(buf));
	struct mxg_decision d;
	struct mxg_pkt p;

	ib_deny(&f->b, "deny-all");
	build(f);
	mxg_parse_eth(buf, buf + len, &p);
	mxg_engine_process(f->engine, f->table, &f->c, &f->ts, &p, T0, &d);
	assert_int_equal(d.verdict, MXG_VERDICT_FORWARD);
	assert_int_equal(d.unparsed, 1);
	assert_int_equal(f->c.totals.unparsed, 1);
	assert_int_equal(f->c.totals.forwarded, 1);
	check_invariants(f);
}

/* A frame from a spec through the engine; returns the decision. */
static struct mxg_decision spec_frame(struct fixture *f,
				      const struct pktgen_spec *s, uint64_t t)
{
	uint8_t buf[1024];
	size_t len = pktgen_build(s, buf, sizeof(buf));
	struct mxg_decision d;
	struct mxg_pkt p;

	assert_true(len > 0);
	mxg_parse_eth(buf, buf + len, &p);
	mxg_engine_process(f->engine, f->table, &f->c, &f->ts, &p, t, &d);
	return d;
}

/* The two parser-limit evasions of DESIGN §3, IPv4 and IPv6. */
static void evasion_specs(struct pktgen_spec out[4], const char *dst4,
			  const char *dst6)
{
	unsigned int i;

	memset(out, 0, 4 * sizeof(*out));
	for (i = 0; i < 4; i++) {
		out[i].family = i < 2 ? 6 : 4;
		out[i].src = i < 2 ? "2001:db8:bad::7" : "203.0.113.7";
		out[i].dst = i < 2 ? dst6 : dst4;
		out[i].dport = 25;
		out[i].tcp_flags = MXG_TCP_SYN;
	}
	/* a SYN padded with nine 8-byte destination options headers */
	out[0].n_ext = 9;
	memset(out[0].ext, PKTGEN_EXT_DSTOPTS, 9);
	/* an IPv6 first fragment whose TCP header is in a later one */
	out[1].n_ext = 1;
	out[1].ext[0] = PKTGEN_EXT_FRAGMENT;
	out[1].ip6_frag = 1;
	out[1].ip_len_delta = -20;
	/* IPv4 first fragments with no TCP byte, and with 3 */
	out[2].ip4_frag = 0x2000;
	out[2].ip_len_delta = -20;
	out[3].ip4_frag = 0x2000;
	out[3].ip_len_delta = -17;
}

static void parser_limit_drops_to_protected(void **state)
{
	struct fixture *f = *state;
	struct pktgen_spec prot[4], other[4];
	uint32_t p = ib_protected(&f->b);
	unsigned int i;

	ib_cidr(&f->b, p, "198.51.100.0/24");
	ib_cidr(&f->b, p, "2001:db8:25::/48");
	ib_allow(&f->b, "allow-all"); /* rules never see these frames */
	build(f);
	evasion_specs(prot, "198.51.100.25", "2001:db8:25::25");
	evasion_specs(other, "192.0.2.80", "2001:db8:99::80");
	for (i = 0; i < 4; i++) {
		struct mxg_decision d = spec_frame(f, &prot[i], T0);

		assert_int_equal(d.verdict, MXG_VERDICT_DROP);
		assert_int_equal(d.unparsed, MXG_UNPARSED_LIMIT);
		assert_int_equal(d.attempt, 0);
		assert_int_equal(d.rule, -1);
		d = spec_frame(f, &other[i], T0);
		assert_int_equal(d.verdict, MXG_VERDICT_FORWARD);
		assert_int_equal(d.unparsed, MXG_UNPARSED_LIMIT);
	}
	assert_int_equal(f->c.totals.parser_limit, 8);
	assert_int_equal(f->c.totals.parser_limit_dropped, 4);
	assert_int_equal(f->c.totals.unparsed, 0);
	assert_int_equal(f->c.totals.smtp_syns, 0);
	assert_int_equal(f->c.rules[0].matched, 0);
	check_invariants(f);
}

static void parser_limit_without_protected_drops_all(void **state)
{
	struct fixture *f = *state;
	struct pktgen_spec s[4];
	unsigned int i;

	build(f);
	evasion_specs(s, "192.0.2.80", "2001:db8:99::80");
	for (i = 0; i < 4; i++)
		assert_int_equal(spec_frame(f, &s[i], T0).verdict,
				 MXG_VERDICT_DROP);
	assert_int_equal(f->c.totals.parser_limit_dropped, 4);
	check_invariants(f);
}

static void parser_limit_forward_and_monitor(void **state)
{
	struct fixture *f = *state;
	struct pktgen_spec s[4];
	unsigned int i;

	evasion_specs(s, "198.51.100.25", "2001:db8:25::25");
	f->b.parser_limit = MXG_PARSER_LIMIT_FORWARD;
	build(f);
	for (i = 0; i < 4; i++)
		assert_int_equal(spec_frame(f, &s[i], T0).verdict,
				 MXG_VERDICT_FORWARD);
	assert_int_equal(f->c.totals.parser_limit, 4);
	assert_int_equal(f->c.totals.parser_limit_dropped, 0);
	check_invariants(f);

	memset(&f->c, 0, sizeof(f->c));
	f->b.parser_limit = MXG_PARSER_LIMIT_DROP;
	f->b.mode = MXG_MODE_MONITOR;
	build(f);
	for (i = 0; i < 4; i++)
		assert_int_equal(spec_frame(f, &s[i], T0).verdict,
				 MXG_VERDICT_WOULD_DROP);
	assert_int_equal(f->c.totals.parser_limit_would_drop, 4);
	assert_int_equal(f->c.totals.forwarded, 4);
	assert_int_equal(f->c.totals.would_drop, 0); /* attempts only */
	check_invariants(f);
}

/* A SYN from or to an address that must never get a RST: a drop. */
static void no_rst_to_forbidden_addresses(void **state)
{
	static const struct {
		const char *src, *dst;
		uint8_t dst_mac0, src_mac0;
		int forbidden;
	} cases[] = {
		{ "203.0.113.7", "198.51.100.25", 0x02, 0x02, 0 },
		{ "203.0.113.7", "198.51.100.25", 0xff, 0x02, 1 },
		{ "203.0.113.7", "198.51.100.25", 0x01, 0x02, 1 },
		{ "203.0.113.7", "198.51.100.25", 0x33, 0x02, 1 },
		{ "203.0.113.7", "198.51.100.25", 0x02, 0x01, 1 },
		{ "0.0.0.0", "198.51.100.25", 0x02, 0x02, 1 },
		{ "0.9.9.9", "198.51.100.25", 0x02, 0x02, 1 },
		{ "127.0.0.1", "198.51.100.25", 0x02, 0x02, 1 },
		{ "127.3.2.1", "198.51.100.25", 0x02, 0x02, 1 },
		{ "224.0.0.5", "198.51.100.25", 0x02, 0x02, 1 },
		{ "239.1.2.3", "198.51.100.25", 0x02, 0x02, 1 },
		{ "255.255.255.255", "198.51.100.25", 0x02, 0x02, 1 },
		{ "255.255.255.254", "198.51.100.25", 0x02, 0x02, 0 },
		{ "203.0.113.7", "224.0.0.25", 0x02, 0x02, 1 },
		{ "203.0.113.7", "127.0.0.1", 0x02, 0x02, 1 },
		{ "2001:db8:bad::7", "2001:db8:25::25", 0x02, 0x02, 0 },
		{ "2001:db8:bad::7", "2001:db8:25::25", 0x33, 0x02, 1 },
		{ "::", "2001:db8:25::25", 0x02, 0x02, 1 },
		{ "::1", "2001:db8:25::25", 0x02, 0x02, 1 },
		{ "::2", "2001:db8:25::25", 0x02, 0x02, 0 },
		{ "ff02::1", "2001:db8:25::25", 0x02, 0x02, 1 },
		{ "::ffff:127.0.0.1", "2001:db8:25::25", 0x02, 0x02, 1 },
		{ "::ffff:224.1.1.1", "2001:db8:25::25", 0x02, 0x02, 1 },
		{ "::ffff:203.0.113.7", "2001:db8:25::25", 0x02, 0x02, 0 },
		{ "2001:db8:bad::7", "ff05::25", 0x02, 0x02, 1 },
	};
	struct fixture *f = *state;
	uint64_t suppressed = 0, resets = 0;
	unsigned int i;

	ib_limit(&f->b, "once", 1, 3600, 1, MXG_KEY_GLOBAL, MXG_OVER_RESET);
	build(f);
	assert_int_equal(syn(f, "192.0.2.1", T0), MXG_VERDICT_PASS);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pktgen_spec s = {
			.family = strchr(cases[i].src, ':') ? 6 : 4,
			.src = cases[i].src,
			.dst = cases[i].dst,
			.sport = 40000,
			.dport = 25,
			.tcp_flags = MXG_TCP_SYN,
			.seq = 7,
		};
		struct mxg_decision d;

		s.dst_mac[0] = cases[i].dst_mac0;
		s.src_mac[0] = cases[i].src_mac0;
		d = spec_frame(f, &s, T0 + i);
		if (d.verdict !=
		    (cases[i].forbidden ? MXG_VERDICT_DROP : MXG_VERDICT_RESET))
			fail_msg("case %u (%s -> %s, MACs %02x/%02x): %s", i,
				 cases[i].src, cases[i].dst, cases[i].src_mac0,
				 cases[i].dst_mac0,
				 mxg_verdict_name(d.verdict));
		assert_int_equal(d.attempt, 1);
		assert_int_equal(d.rule, 0);
		suppressed += cases[i].forbidden;
		resets += !cases[i].forbidden;
	}
	assert_int_equal(f->c.totals.reset_suppressed, suppressed);
	assert_int_equal(f->c.totals.reset, resets);
	assert_int_equal(f->c.rules[0].dropped, suppressed + resets);
	assert_int_equal(f->c.rules[0].reset, resets); /* RSTs sent */
	check_invariants(f);
}

/* A reload that reorders rules keeps their buckets; a new rate does not. */
static void reload_keeps_bucket_state(void **state)
{
	struct fixture *f = *state;
	struct image_builder b2;
	struct mxg_policy_header *img;
	struct mxg_engine *e2;
	int i;

	ib_allow(&f->b, "partners")->family = MXG_FAMILY_IPV6;
	ib_limit(&f->b, "per-host", 1, 3600, 2, MXG_KEY_HOST, MXG_OVER_DROP);
	build(f);
	for (i = 0; i < 2; i++)
		assert_int_equal(syn(f, "203.0.113.5", T0), MXG_VERDICT_PASS);

	ib_init(&b2);
	ib_limit(&b2, "per-host", 1, 3600, 2, MXG_KEY_HOST, MXG_OVER_DROP);
	ib_allow(&b2, "partners")->family = MXG_FAMILY_IPV6;
	img = ib_build(&b2);
	assert_int_equal(mxg_engine_create(&e2, img, img->total_len,
					   MXG_ENGINE_PORTABLE_LPM, NULL),
			 0);
	free(img);
	mxg_engine_destroy(f->engine);
	f->engine = e2;
	assert_int_equal(syn(f, "203.0.113.5", T0 + SEC), MXG_VERDICT_DROP);

	/* Same name, new rate: fresh buckets. */
	ib_init(&b2);
	ib_limit(&b2, "per-host", 2, 3600, 2, MXG_KEY_HOST, MXG_OVER_DROP);
	img = ib_build(&b2);
	assert_int_equal(mxg_engine_create(&e2, img, img->total_len,
					   MXG_ENGINE_PORTABLE_LPM, NULL),
			 0);
	free(img);
	mxg_engine_destroy(f->engine);
	f->engine = e2;
	assert_int_equal(syn(f, "203.0.113.5", T0 + SEC), MXG_VERDICT_PASS);

	/* Same name and rate, new burst: fresh buckets too. */
	ib_init(&b2);
	ib_limit(&b2, "per-host", 2, 3600, 3, MXG_KEY_HOST, MXG_OVER_DROP);
	img = ib_build(&b2);
	assert_int_equal(mxg_engine_create(&e2, img, img->total_len,
					   MXG_ENGINE_PORTABLE_LPM, NULL),
			 0);
	free(img);
	mxg_engine_destroy(f->engine);
	f->engine = e2;
	for (i = 0; i < 3; i++)
		assert_int_equal(syn(f, "203.0.113.5", T0 + SEC),
				 MXG_VERDICT_PASS);
	assert_int_equal(syn(f, "203.0.113.5", T0 + SEC), MXG_VERDICT_DROP);
}

/*
 * Periodic senders through the engine, real frames from IPv4 and IPv6
 * sources (keyed per host): at exactly the limit every attempt passes; at
 * twice it the first 2 * burst attempts pass 2 * burst - 1 and exactly
 * one in two of the rest (test_bucket explains the counts). Token
 * intervals 1 ns, 1 us, 1 ms, 50 ms, 1 s, 2 s, 1 h; bursts 1, 2, 100.
 */
#define PERIODIC_N 400

static void periodic_senders(void **state)
{
	static const struct {
		const char *what;
		uint32_t count, period_s;
		uint64_t interval;
	} rates[] = {
		{ "1 ns", 1000000000, 1, 1 },	{ "1 us", 1000000, 1, 1000 },
		{ "1 ms", 1000, 1, 1000000 },	{ "50 ms", 20, 1, 50000000 },
		{ "1 s", 1, 1, SEC },		{ "2 s", 30, 60, 2 * SEC },
		{ "1 h", 1, 3600, 3600 * SEC },
	};
	static const uint32_t bursts[] = { 1, 2, 100 };
	static const char *const srcs[] = { "203.0.113.77", "2001:db8:77::7" };
	struct fixture *f = *state;
	unsigned int r, b, fam, k, twice;

	for (r = 0; r < sizeof(rates) / sizeof(rates[0]); r++) {
		for (b = 0; b < 3; b++) {
			ib_init(&f->b);
			ib_limit(&f->b, "per-host", rates[r].count,
				 rates[r].period_s, bursts[b], MXG_KEY_HOST,
				 MXG_OVER_DROP);
			build(f);
			for (fam = 0; fam < 2; fam++) {
				for (twice = 0; twice < 2; twice++) {
					/* A new start: the bucket is full. */
					uint64_t t0 =
						T0 + twice * 1000000 *
							     rates[r].interval;
					unsigned int head = 0, tail = 0;

					for (k = 0; k < PERIODIC_N; k++) {
						uint64_t t =
							t0 +
							k * rates[r].interval /
								(1 + twice);
						int ok = (fam ? syn6(f, srcs[1],
								     t) :
								syn(f, srcs[0],
								    t)) ==
							 MXG_VERDICT_PASS;

						if (k < 2 * bursts[b])
							head += ok;
						else
							tail += ok;
					}
					if (!twice && head + tail != PERIODIC_N)
						fail_msg(
							"%s every %s, burst %u: "
							"%u of %u passed",
							srcs[fam],
							rates[r].what,
							bursts[b], head + tail,
							PERIODIC_N);
					if (twice &&
					    (head != 2 * bursts[b] - 1 ||
					     tail != (PERIODIC_N -
						      2 * bursts[b]) /
							     2))
						fail_msg(
							"%s every %s / 2, burst "
							"%u: %u + %u passed",
							srcs[fam],
							rates[r].what,
							bursts[b], head, tail);
				}
			}
		}
	}
	check_invariants(f);
}

/*
 * A burst loop's pipeline (mxg_engine_ahead_step's three steps, then
 * decide_ahead, steps apart) decides every frame as mxg_engine_decide() does: the same
 * verdicts and deciding rules, frame by frame, for a random mix of
 * repeat offenders and new sources under per-host, per-net and global
 * limits, in a table small enough that second lines and evictions occur.
 */
#define MSEC (SEC / 1000)

static void pipeline_matches_decide(void **state)
{
	enum {
		N = 20000,
		BURST = 32,
		D = MXG_ENGINE_PREFETCH_DISTANCE,
		S = MXG_ENGINE_AHEAD_STEPS,
	};
	struct fixture *f = *state;
	uint32_t trimmed = 0, whole = 0;
	struct mxg_src_table *t1, *t2;
	struct mxg_src_table_stats s1, s2;
	struct mxg_counters c1, c2;
	static struct mxg_pkt p[N];
	static uint8_t buf[N][128];
	uint32_t i, j, rng = 12345, differ = 0, evictions;

	ib_limit(&f->b, "per-host", 1, 60, 3, MXG_KEY_HOST, MXG_OVER_DROP);
	ib_limit(&f->b, "per-net", 30, 60, 10, MXG_KEY_PREFIX, MXG_OVER_RESET);
	ib_limit(&f->b, "total", 5000, 1, 5000, MXG_KEY_GLOBAL, MXG_OVER_DROP);
	build(f);
	/* One seed: both tables place (and evict) keys alike. */
	assert_int_equal(mxg_src_table_create_seeded(&t1, 512, 42), 0);
	assert_int_equal(mxg_src_table_create_seeded(&t2, 512, 42), 0);
	memset(&s1, 0, sizeof(s1));
	memset(&s2, 0, sizeof(s2));
	memset(&c1, 0, sizeof(c1));
	memset(&c2, 0, sizeof(c2));
	for (i = 0; i < N; i++) {
		char src[32];
		struct pktgen_spec sp = {
			.family = 4,
			.src = src,
			.dst = "198.51.100.25",
			.sport = 40000,
			.dport = 25,
			.tcp_flags = 0x02,
		};
		size_t len;

		rng = rng * 1103515245u + 12345u;
		/* Half from 64 repeat offenders, half from anywhere. */
		if (rng >> 31)
			snprintf(src, sizeof(src), "203.0.113.%u",
				 (rng >> 8) % 64);
		else
			snprintf(src, sizeof(src), "10.%u.%u.%u",
				 (rng >> 8) & 255, (rng >> 16) & 15,
				 (rng >> 20) & 255);
		len = pktgen_build(&sp, buf[i], sizeof(buf[i]));
		assert_true(len > 0);
		mxg_parse_eth(buf[i], buf[i] + len, &p[i]);
	}
	for (i = 0; i < N; i += BURST) {
		struct mxg_engine_ahead a[BURST];
		struct mxg_decision d1[BURST], d2[BURST];
		uint32_t n = N - i < BURST ? N - i : BURST;
		uint32_t sc[BURST], dc[BURST];

		for (j = 0; j < n; j++) {
			sc[j] = mxg_engine_class_of(f->engine, 4, p[i + j].src);
			dc[j] = mxg_engine_class_of(f->engine, 4, p[i + j].dst);
			mxg_engine_decide(f->engine, t1, &c1, &s1, &p[i + j],
					  sc[j], dc[j], T0 + (i + j) * MSEC,
					  &d1[j]);
		}
		for (j = 0; j < n + S * D; j++) {
			uint32_t k, step;

			for (step = 0; step < S; step++)
				if (j >= step * D && j - step * D < n) {
					k = j - step * D;
					mxg_engine_ahead_step(
						f->engine, t2, step, &p[i + k],
						sc[k], dc[k],
						T0 + (i + k) * MSEC, &a[k]);
				}
			if (j < S * D || j - S * D >= n)
				continue;
			k = j - S * D;
			mxg_engine_decide_ahead(f->engine, t2, &c2, &s2,
						&p[i + k], sc[k], dc[k],
						T0 + (i + k) * MSEC, &a[k],
						&d2[k]);
			/* Over its limit when asked (it can only stay so:
			 * tat only grows), per-host alone was located, and
			 * it decided. Otherwise all three keys were (earlier
			 * frames of the source may still spend its bucket
			 * before its own turn). */
			if (a[k].n == 1) {
				assert_int_equal(d2[k].rule, 0);
				assert_int_equal(d2[k].verdict,
						 MXG_VERDICT_DROP);
				trimmed++;
			} else {
				assert_int_equal(a[k].n, 3);
				whole++;
			}
		}
		for (j = 0; j < n; j++)
			differ += d1[j].verdict != d2[j].verdict ||
				  d1[j].rule != d2[j].rule;
	}
	assert_int_equal(differ, 0);
	assert_memory_equal(&c1, &c2, sizeof(c1));
	/* Both paths ran: offenders decided by their first key alone. */
	assert_true(trimmed > 1000);
	assert_true(whole > 1000);
	/* The run drove the table past full, into both lines. */
	evictions = (uint32_t)(s2.evict_lossless + s2.evict_lossy);
	assert_true(evictions > 1000);
	assert_true(s2.second > 0);
	assert_int_equal(s1.inserts, s2.inserts);
	assert_true(c1.totals.smtp_dropped > 0);
	/* Owed OVF decrements are paid on settle, and only then. */
	mxg_src_table_settle(t2, &s2);
	assert_int_equal(s2.owed_n, 0);
	mxg_src_table_destroy(t1);
	mxg_src_table_destroy(t2);
}

static void bad_images_are_refused(void **state)
{
	struct fixture *f = *state;
	struct mxg_policy_header *img;
	struct mxg_engine *e = NULL;
	const char *why = NULL;

	ib_deny(&f->b, "x");
	img = ib_build(&f->b);
	img->n_rules = 99; /* checksum no longer matches either */
	assert_int_equal(mxg_engine_create(&e, img, img->total_len, 0, &why),
			 -22);
	assert_null(e);
	assert_non_null(why);
	free(img);
}

/* Two threads hammer shared keys through the engine. */
struct stress {
	struct fixture *f;
	struct mxg_counters c;
	struct mxg_src_table_stats ts;
	uint64_t passed[4];
	uint64_t start, span;
	unsigned int seed;
};

static void *stress_thread(void *arg)
{
	struct stress *s = arg;
	static const char *const srcs[4] = { "203.0.113.1", "203.0.113.2",
					     "2001:db8:bad:1::1",
					     "2001:db8:bad:2::1" };
	uint8_t frames[4][128];
	size_t lens[4];
	uint64_t i;
	int k;

	for (k = 0; k < 4; k++) {
		struct pktgen_spec sp = {
			.family = k < 2 ? 4 : 6,
			.src = srcs[k],
			.dst = k < 2 ? "198.51.100.25" : "2001:db8:25::25",
			.dport = 25,
			.tcp_flags = 0x02,
		};

		lens[k] = pktgen_build(&sp, frames[k], sizeof(frames[k]));
	}
	/* 200,000 attempts each, spread over 'span' of synthetic time. */
	for (i = 0; i < 200000; i++) {
		uint64_t t = s->start + s->span * i / 200000;
		struct mxg_decision d;
		struct mxg_pkt p;

		k = (int)((i * 7 + s->seed) % 4);
		mxg_parse_eth(frames[k], frames[k] + lens[k], &p);
		mxg_engine_process(s->f->engine, s->f->table, &s->c, &s->ts, &p,
				   t, &d);
		s->passed[k] += d.verdict == MXG_VERDICT_PASS;
	}
	return NULL;
}

static void two_threads_on_shared_keys(void **state)
{
	struct fixture *f = *state;
	struct stress s[2];
	pthread_t th[2];
	const uint64_t span = 60 * SEC, rate = 100, burst = 20;
	int i, k;

	ib_limit(&f->b, "per-host", rate, 1, burst, MXG_KEY_HOST,
		 MXG_OVER_DROP);
	build(f);
	memset(s, 0, sizeof(s));
	for (i = 0; i < 2; i++) {
		s[i].f = f;
		s[i].start = T0;
		s[i].span = span;
		s[i].seed = (unsigned int)i;
		assert_int_equal(
			pthread_create(&th[i], NULL, stress_thread, &s[i]), 0);
	}
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	/*
	 * Per key: never more than burst + rate * T + 1. Both threads'
	 * clocks advance together, so a key sees its attempts (about 100,000
	 * over 60 s, far above 100/s) within a small skew of real time: it
	 * must also get close to that many.
	 */
	for (k = 0; k < 4; k++) {
		uint64_t got = s[0].passed[k] + s[1].passed[k];
		uint64_t max = burst + rate * span / SEC + 1;

		print_message("  key %d: %lu conforming of at most %lu\n", k,
			      (unsigned long)got, (unsigned long)max);
		assert_true(got <= max);
		assert_true(got >= max - 2 * burst);
	}
	mxg_counters_add(&s[0].c, &s[1].c);
	assert_int_equal(s[0].c.totals.smtp_syns, 400000);
	assert_int_equal(s[0].c.totals.smtp_syns,
			 s[0].c.totals.smtp_passed +
				 s[0].c.totals.smtp_dropped);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(no_rules_everything_passes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(allow_then_deny, setup,
						teardown),
		cmocka_unit_test_setup_teardown(monitor_mode_would_drop, setup,
						teardown),
		cmocka_unit_test_setup_teardown(per_host_limit_and_refill,
						setup, teardown),
		cmocka_unit_test_setup_teardown(per_prefix_and_ipv6_host_keys,
						setup, teardown),
		cmocka_unit_test_setup_teardown(mapped_ipv6_has_its_own_bucket,
						setup, teardown),
		cmocka_unit_test_setup_teardown(per_dst_and_global, setup,
						teardown),
		cmocka_unit_test_setup_teardown(reset_and_tokens_not_refunded,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			protected_ports_family_and_dst_port, setup, teardown),
		cmocka_unit_test_setup_teardown(unparsed_frames_are_forwarded,
						setup, teardown),
		cmocka_unit_test_setup_teardown(periodic_senders, setup,
						teardown),
		cmocka_unit_test_setup_teardown(reload_keeps_bucket_state,
						setup, teardown),
		cmocka_unit_test_setup_teardown(parser_limit_drops_to_protected,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			parser_limit_without_protected_drops_all, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			parser_limit_forward_and_monitor, setup, teardown),
		cmocka_unit_test_setup_teardown(no_rst_to_forbidden_addresses,
						setup, teardown),
		cmocka_unit_test_setup_teardown(pipeline_matches_decide, setup,
						teardown),
		cmocka_unit_test_setup_teardown(bad_images_are_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(two_threads_on_shared_keys,
						setup, teardown),
	};

	return cmocka_run_group_tests_name("decision engine", tests, NULL,
					   NULL);
}
