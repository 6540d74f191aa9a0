// SPDX-License-Identifier: BSD-3-Clause
/*
 * The XDP program (bpf/mxgate.bpf.c), run through BPF_PROG_TEST_RUN,
 * gives the core engine's verdicts (DESIGN §5):
 *
 *  - every parser fixture row (tests/unit/pkt_rows.c), as its own test;
 *  - mixed generated traffic (tests/lib/traffic.c) under several
 *    policies: per frame the same verdict, deciding rule, unparsed and
 *    attempt flags, byte-identical RST frames, and the same counters;
 *  - the RST itself: MACs, addresses and ports swapped, tags kept, IP
 *    options and IPv6 extension headers gone, checksums correct;
 *  - reloads keep the buckets of unchanged rules, restart rule counters,
 *    keep totals; and a reload racing a stream of frames never shows a
 *    frame half of one policy and half of the other.
 *
 * Needs root (BPF); otherwise every test reports itself as skipped.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <cmocka.h>
#include <pcap/dlt.h>

#include "../lib/hostile.h"
#include "../lib/image_builder.h"
#include "../lib/pktgen.h"
#include "../lib/traffic.h"
#include "engine.h"
#include "mxgate/csum.h"
#include "mxgate/pkt.h"
#include "pkt_rows.h"
#include "replay_xdp.h"
#include "rst.h"
#include "src_table.h"
#include "top_sources.h"
#include "xdp_loader.h"

#define NS	   1000000000ULL
#define T0	   (1700000000ULL * NS)
#define BUCKETS	   (1u << 16)
#define FRAMES_MIX 40000
#define RELOADS	   60

static char skip_reason[256];

static char load_failure[512];

static void quiet_log(int level, const char *msg)
{
	if (level == MXG_LOG_ERR)
		snprintf(skip_reason, sizeof(skip_reason), "%s", msg);
}

/* Can this process load the program at all? */
static int probe_bpf(void **state)
{
	struct mxg_xdp_load_opts o = { .buckets = MXG_XDP_BUCKETS_MIN };
	struct mxg_xdp *x;
	int err;

	(void)state;
	mxg_xdp_set_log(quiet_log, MXG_LOG_ERR);
	if (geteuid() != 0) {
		snprintf(skip_reason, sizeof(skip_reason),
			 "needs root for BPF_PROG_TEST_RUN");
		return 0;
	}
	err = mxg_xdp_load(&x, &o);
	if (err == 0) {
		skip_reason[0] = 0;
		mxg_xdp_close(x);
	} else if (mxg_xdp_load_unavailable(err)) {
		if (!skip_reason[0])
			snprintf(skip_reason, sizeof(skip_reason),
				 "cannot load the XDP program");
	} else {
		/* A capable kernel refused the program: that fails. */
		snprintf(load_failure, sizeof(load_failure), "%s",
			 skip_reason[0] ? skip_reason : strerror(-err));
		skip_reason[0] = 0;
	}
	return 0;
}

static void need_bpf(void)
{
	if (load_failure[0])
		fail_msg("the XDP program does not load: %s", load_failure);
	if (skip_reason[0]) {
		print_message("  skipped: %s\n", skip_reason);
		skip();
	}
}

/* ------------------------------------------------------------------ */
/* The two engines side by side */

struct pair {
	struct mxg_policy_header *image;
	struct mxg_engine *core;
	struct mxg_src_table *table;
	struct mxg_counters cc;
	struct mxg_src_table_stats ts;
	struct replay_xdp *xdp;
	uint64_t frames, attempts, resets, rst_frames;
	uint64_t verdicts[MXG_VERDICT_MAX];
};

static void pair_open(struct pair *p, struct mxg_policy_header *image)
{
	struct replay_xdp_opts xo = { .buckets = BUCKETS };
	const char *why = NULL;

	memset(p, 0, sizeof(*p));
	p->image = image;
	assert_int_equal(mxg_engine_create(&p->core, image, image->total_len,
					   MXG_ENGINE_PORTABLE_LPM, &why),
			 0);
	assert_int_equal(mxg_src_table_create(&p->table, BUCKETS), 0);
	assert_int_equal(replay_xdp_open(&p->xdp, image, image->total_len, &xo),
			 0);
}

static void pair_close(struct pair *p)
{
	replay_xdp_close(p->xdp);
	mxg_src_table_destroy(p->table);
	mxg_engine_destroy(p->core);
	free(p->image);
	memset(p, 0, sizeof(*p));
}

static void dump_frame(const uint8_t *f, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < 96; i++)
		print_message("%02x%s", f[i], (i + 1) % 32 ? "" : "\n");
	print_message("\n");
}

/* One Ethernet frame through both engines; they must agree. Returns the
 * decision. */
static struct mxg_decision pair_frame(struct pair *p, const uint8_t *frame,
				      size_t len, uint64_t ts, const char *what)
{
	struct mxg_decision dc, dx;
	uint8_t rst_core[MXG_RST_MAX], rst_xdp[MXG_RST_MAX];
	size_t n_core = 0, n_xdp = 0;
	struct mxg_pkt pkt;

	p->frames++;
	mxg_parse_eth(frame, frame + len, &pkt);
	mxg_engine_process(p->core, p->table, &p->cc, &p->ts, &pkt, ts, &dc);
	assert_int_equal(replay_xdp_run(p->xdp, DLT_EN10MB, frame,
					(uint32_t)len, ts, &dx, rst_xdp,
					&n_xdp),
			 0);
	/* Longer frames reach the program cut to REPLAY_XDP_FRAME_MAX
	 * bytes (replay_xdp.h): its RST acknowledges the SYN data it saw. */
	if (dc.verdict == MXG_VERDICT_RESET)
		n_core = mxg_rst_build(
			frame,
			len < REPLAY_XDP_FRAME_MAX ? len : REPLAY_XDP_FRAME_MAX,
			&pkt, 1, rst_core, sizeof(rst_core));
	if (dc.verdict != dx.verdict || dc.rule != dx.rule ||
	    dc.unparsed != dx.unparsed || dc.attempt != dx.attempt ||
	    n_core != n_xdp || memcmp(rst_core, rst_xdp, n_core)) {
		print_message("%s: frame %llu (%zu bytes, t=%llu):\n"
			      "  core: %s rule %d unparsed %d attempt %d "
			      "rst %zu bytes\n"
			      "  xdp:  %s rule %d unparsed %d attempt %d "
			      "rst %zu bytes\n",
			      what, (unsigned long long)p->frames, len,
			      (unsigned long long)ts,
			      mxg_verdict_name(dc.verdict), dc.rule,
			      dc.unparsed, dc.attempt, n_core,
			      mxg_verdict_name(dx.verdict), dx.rule,
			      dx.unparsed, dx.attempt, n_xdp);
		dump_frame(frame, len);
		if (n_core)
			dump_frame(rst_core, n_core);
		if (n_xdp)
			dump_frame(rst_xdp, n_xdp);
		fail();
	}
	p->verdicts[dc.verdict]++;
	p->attempts += dc.attempt;
	p->resets += dc.verdict == MXG_VERDICT_RESET;
	p->rst_frames += n_xdp > 0;
	return dc;
}

static void pair_check_counters(struct pair *p)
{
	struct mxg_counters cx;
	uint32_t i;

	assert_int_equal(replay_xdp_counters(p->xdp, &cx), 0);
	assert_memory_equal(&cx.totals, &p->cc.totals, sizeof(cx.totals));
	for (i = 0; i < p->image->n_rules; i++) {
		if (memcmp(&cx.rules[i], &p->cc.rules[i], sizeof(cx.rules[i])))
			print_message("rule %u differs\n", i);
		assert_memory_equal(&cx.rules[i], &p->cc.rules[i],
				    sizeof(cx.rules[i]));
	}
}

/* ------------------------------------------------------------------ */
/* Policies, over the address plan of tests/lib/traffic.h */

static void add_protected(struct image_builder *b)
{
	uint32_t prot = ib_protected(b);

	ib_cidr(b, prot, "198.51.100.0/24");
	ib_cidr(b, prot, "2001:db8:25::/48");
}

static void add_sets(struct image_builder *b, uint32_t *partners,
		     uint32_t *listed)
{
	*partners = ib_set(b, "@partners");
	ib_cidr(b, *partners, "192.0.2.0/24");
	ib_cidr(b, *partners, "2001:db8:1::/48");
	*listed = ib_set(b, "@drop");
	ib_cidr(b, *listed, "198.18.0.0/15");
	ib_cidr(b, *listed, "203.0.113.128/25");
	ib_cidr(b, *listed, "2001:db8:dead::/48");
	/* nested: a partner host inside a listed range, and the reverse */
	ib_cidr(b, *partners, "198.18.7.0/24");
	ib_cidr(b, *listed, "192.0.2.128/28");
}

/* DESIGN §3's example policy, its global cap scaled down so that the
 * generated floods reach it. */
static struct mxg_policy_header *policy_design(uint8_t mode)
{
	struct image_builder *b = malloc(sizeof(*b));
	struct mxg_policy_header *h;
	uint32_t partners, listed;

	assert_non_null(b);
	ib_init(b);
	b->mode = mode;
	add_protected(b);
	add_sets(b, &partners, &listed);
	ib_allow(b, "partners")->src_set = (uint16_t)partners;
	ib_deny(b, "drop-list")->src_set = (uint16_t)listed;
	ib_limit(b, "per-host", 20, 60, 10, MXG_KEY_HOST, MXG_OVER_DROP);
	ib_limit(b, "per-net", 200, 60, 50, MXG_KEY_PREFIX, MXG_OVER_DROP);
	ib_limit(b, "mx-total", 20, 1, 40, MXG_KEY_GLOBAL, MXG_OVER_RESET);
	h = ib_build(b);
	free(b);
	return h;
}

/* Resets, per-destination keys, families and ports; no 'protected'. */
static struct mxg_policy_header *policy_mixed(void)
{
	struct image_builder *b = malloc(sizeof(*b));
	struct mxg_policy_header *h;
	struct mxg_rule *r;
	uint32_t partners, listed, mx, any;

	assert_non_null(b);
	ib_init(b);
	add_sets(b, &partners, &listed);
	/* default routes: every address is in @any, under every prefix */
	any = ib_set(b, "@any");
	ib_cidr(b, any, "0.0.0.0/0");
	ib_cidr(b, any, "::/0");
	mx = ib_set(b, "rules[2].dst");
	ib_cidr(b, mx, "198.51.100.26/32");
	ib_cidr(b, mx, "2001:db8:25::26/128");
	r = ib_deny(b, "v6-465");
	r->family = MXG_FAMILY_IPV6;
	r->n_ports = 1;
	r->ports[0] = 465;
	r = ib_limit(b, "listed-slow", 1, 1, 2, MXG_KEY_HOST, MXG_OVER_RESET);
	r->src_set = (uint16_t)listed;
	r = ib_limit(b, "to-mx26", 10, 1, 5, MXG_KEY_DST, MXG_OVER_DROP);
	r->dst_set = (uint16_t)mx;
	r = ib_limit(b, "per-16", 50, 1, 20, MXG_KEY_PREFIX, MXG_OVER_RESET);
	r->ipv4_prefix = 16;
	r->ipv6_prefix = 32;
	r = ib_limit(b, "v4-host", 5, 1, 3, MXG_KEY_HOST, MXG_OVER_RESET);
	r->family = MXG_FAMILY_IPV4;
	r = ib_limit(b, "v6-host", 5, 1, 3, MXG_KEY_HOST, MXG_OVER_DROP);
	r->family = MXG_FAMILY_IPV6;
	r->ipv6_prefix = 56;
	r = ib_limit(b, "any-net8", 100, 1, 50, MXG_KEY_PREFIX, MXG_OVER_DROP);
	r->src_set = (uint16_t)any;
	r->ipv4_prefix = 8;
	r->ipv6_prefix = 16;
	h = ib_build(b);
	free(b);
	return h;
}

/* Other SMTP ports; allow by destination port. */
static struct mxg_policy_header *policy_ports(void)
{
	struct image_builder *b = malloc(sizeof(*b));
	struct mxg_policy_header *h;
	struct mxg_rule *r;
	uint32_t partners, listed;

	assert_non_null(b);
	ib_init(b);
	b->n_ports = 2;
	b->ports[0] = 25;
	b->ports[1] = 2525;
	add_protected(b);
	add_sets(b, &partners, &listed);
	r = ib_allow(b, "submission-partners");
	r->src_set = (uint16_t)partners;
	r->n_ports = 1;
	r->ports[0] = 2525;
	ib_limit(b, "global", 100, 1, 20, MXG_KEY_GLOBAL, MXG_OVER_DROP);
	h = ib_build(b);
	free(b);
	return h;
}

/* Nearly every attempt is reset: the RST on every frame shape. */
static struct mxg_policy_header *policy_tight(void)
{
	struct image_builder *b = malloc(sizeof(*b));
	struct mxg_policy_header *h;

	assert_non_null(b);
	ib_init(b);
	ib_limit(b, "one-per-hour", 1, 3600, 1, MXG_KEY_HOST, MXG_OVER_RESET);
	h = ib_build(b);
	free(b);
	return h;
}

/* No rules at all: everything is counted and passes. */
static struct mxg_policy_header *policy_empty(void)
{
	struct image_builder *b = malloc(sizeof(*b));
	struct mxg_policy_header *h;

	assert_non_null(b);
	ib_init(b);
	h = ib_build(b);
	free(b);
	return h;
}

/* ------------------------------------------------------------------ */
/* Parser rows through the full program */

struct rows_state {
	struct pair p;
	uint64_t ts;
};

static struct rows_state rows;

static int rows_setup(void **state)
{
	(void)state;
	probe_bpf(state);
	memset(&rows, 0, sizeof(rows));
	rows.ts = T0;
	return 0;
}

static int rows_teardown(void **state)
{
	(void)state;
	if (rows.p.xdp)
		pair_close(&rows.p);
	return 0;
}

/* Each row in its own test, one stream through both engines: a global
 * bucket of burst 1 passes the first attempt and resets the others. */
static void row_full_program(void **state)
{
	const struct pkt_row *row = *state;
	uint8_t frame[PKTGEN_MAX_FRAME];
	struct mxg_decision d;
	size_t len;

	need_bpf();
	if (!rows.p.xdp) {
		struct image_builder *b = malloc(sizeof(*b));

		assert_non_null(b);
		ib_init(b);
		ib_limit(b, "once", 1, 3600, 1, MXG_KEY_GLOBAL, MXG_OVER_RESET);
		pair_open(&rows.p, ib_build(b));
		free(b);
	}
	len = pktgen_build(&row->spec, frame, sizeof(frame));
	assert_true(len > 0);
	if (len < MXG_ETH_HLEN)
		print_message("  a %zu-byte frame: BPF_PROG_TEST_RUN takes no "
			      "frame shorter than an Ethernet header; the XDP "
			      "replay counts it (replay_xdp.h)\n",
			      len);
	rows.ts += NS / 1000;
	d = pair_frame(&rows.p, frame, len, rows.ts, row->desc);
	/* and both see the attempt the row expects */
	assert_int_equal(d.attempt, row->want.attempt);
}

/* ------------------------------------------------------------------ */
/* Mixed traffic under each policy */

static void mix(struct mxg_policy_header *image, uint64_t seed,
		const char *name)
{
	uint8_t frame[PKTGEN_MAX_FRAME];
	struct traffic t;
	struct pair p;
	uint64_t ts;
	uint32_t i;
	size_t len;

	pair_open(&p, image);
	traffic_init(&t, seed, T0);
	for (i = 0; i < FRAMES_MIX; i++) {
		len = traffic_next(&t, frame, sizeof(frame), &ts);
		pair_frame(&p, frame, len, ts, name);
	}
	pair_check_counters(&p);
	print_message("  %s: %llu frames, %llu attempts: %llu pass, %llu "
		      "drop, %llu reset (%llu RST sent), %llu would_drop\n",
		      name, (unsigned long long)p.frames,
		      (unsigned long long)p.attempts,
		      (unsigned long long)p.verdicts[MXG_VERDICT_PASS],
		      (unsigned long long)p.verdicts[MXG_VERDICT_DROP],
		      (unsigned long long)p.verdicts[MXG_VERDICT_RESET],
		      (unsigned long long)p.rst_frames,
		      (unsigned long long)p.verdicts[MXG_VERDICT_WOULD_DROP]);
	pair_close(&p);
}

static uint64_t seed(void)
{
	const char *s = getenv("MXG_TEST_SEED");

	return s ? strtoull(s, NULL, 0) : 1;
}

static void mix_design(void **state)
{
	(void)state;
	need_bpf();
	mix(policy_design(MXG_MODE_ENFORCE), seed(), "design");
}

static void mix_design_monitor(void **state)
{
	(void)state;
	need_bpf();
	mix(policy_design(MXG_MODE_MONITOR), seed() + 1, "design-monitor");
}

static void mix_mixed(void **state)
{
	(void)state;
	need_bpf();
	mix(policy_mixed(), seed() + 2, "mixed");
}

static void mix_ports(void **state)
{
	(void)state;
	need_bpf();
	mix(policy_ports(), seed() + 3, "ports");
}

static void mix_tight(void **state)
{
	(void)state;
	need_bpf();
	mix(policy_tight(), seed() + 4, "tight");
}

static void mix_empty(void **state)
{
	(void)state;
	need_bpf();
	mix(policy_empty(), seed() + 5, "empty");
}

/* ------------------------------------------------------------------ */
/* The RST frame itself */

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Checks a RST against the SYN spec it answers. */
static void check_rst(const struct pktgen_spec *s, const uint8_t *syn,
		      const uint8_t *rst, size_t len)
{
	size_t l2 = 14 + 4 * (size_t)s->n_vlans;
	size_t ip_len = s->family == 4 ? 20 : 40;
	const uint8_t *ip = rst + l2, *th = ip + ip_len;
	uint8_t pseudo[40];
	uint32_t sum, ack;

	assert_int_equal(len, l2 + ip_len + 20);
	assert_memory_equal(rst, syn + 6, 6);		  /* to the sender */
	assert_memory_equal(rst + 6, syn, 6);		  /* from its target */
	assert_memory_equal(rst + 12, syn + 12, l2 - 12); /* tags kept */
	if (s->family == 4) {
		assert_int_equal(ip[0], 0x45);
		assert_int_equal(be16(ip + 2), 40);
		assert_int_equal(mxg_csum_fold(mxg_csum_add(0, ip, 20)),
				 0xffff);
		assert_memory_equal(ip + 12, syn + l2 + 16, 4);
		assert_memory_equal(ip + 16, syn + l2 + 12, 4);
		memcpy(pseudo, ip + 12, 8);
		pseudo[8] = 0;
		pseudo[9] = 6;
		pseudo[10] = 0;
		pseudo[11] = 20;
		sum = mxg_csum_add(0, pseudo, 12);
	} else {
		assert_int_equal(ip[0] >> 4, 6);
		assert_int_equal(be16(ip + 4), 20);
		assert_int_equal(ip[6], 6); /* no extension headers */
		assert_memory_equal(ip + 8, syn + l2 + 24, 16);
		assert_memory_equal(ip + 24, syn + l2 + 8, 16);
		memcpy(pseudo, ip + 8, 32);
		memset(pseudo + 32, 0, 8);
		pseudo[35] = 20;
		pseudo[39] = 6;
		sum = mxg_csum_add(0, pseudo, 40);
	}
	assert_int_equal(mxg_csum_fold(mxg_csum_add(sum, th, 20)), 0xffff);
	assert_int_equal(be16(th), s->dport);
	assert_int_equal(be16(th + 2), s->sport);
	assert_int_equal(be16(th + 4) | be16(th + 6), 0); /* seq 0 */
	ack = (uint32_t)be16(th + 8) << 16 | be16(th + 10);
	assert_int_equal(ack, s->seq + 1 + s->payload_len);
	assert_int_equal(th[13], MXG_TCP_RST | MXG_TCP_ACK);
}

static void rst_shapes(void **state)
{
	static const struct pktgen_spec specs[] = {
		{ .family = 4, .src = "203.0.113.7", .dst = "198.51.100.25" },
		{ .family = 4,
		  .src = "203.0.113.7",
		  .dst = "198.51.100.25",
		  .n_vlans = 2,
		  .vlan_tpid = { 0x88a8, 0x8100 },
		  .vlan_tci = { 100, 200 },
		  .ip_opt_words = 10,
		  .doff_words = 15,
		  .payload_len = 33,
		  .eth_pad = 7 },
		{ .family = 6,
		  .src = "2001:db8:bad::7",
		  .dst = "2001:db8:25::25",
		  .n_vlans = 1,
		  .vlan_tci = { 7 },
		  .n_ext = 3,
		  .ext = { PKTGEN_EXT_HOPOPTS, PKTGEN_EXT_ROUTING,
			   PKTGEN_EXT_DSTOPTS },
		  .ext_len8 = { 0, 2, 1 },
		  .payload_len = 100 },
		{ .family = 6, .src = "2001:db8:bad::7", .dst = "2001:db8::1" },
		/* a tiny first fragment with the sequence number: the RST
		 * is longer than the frame, which grows */
		{ .family = 4,
		  .src = "203.0.113.7",
		  .dst = "198.51.100.25",
		  .ip4_frag = 0x2000,
		  .ip_len_delta = -12 },
	};
	struct image_builder *b;
	uint8_t frame[PKTGEN_MAX_FRAME], rst[MXG_RST_MAX];
	struct mxg_decision d;
	struct replay_xdp *rx;
	struct replay_xdp_opts xo = { .buckets = BUCKETS };
	struct mxg_policy_header *h;
	unsigned int i;
	size_t len, n;

	(void)state;
	need_bpf();
	b = malloc(sizeof(*b));
	assert_non_null(b);
	ib_init(b);
	ib_limit(b, "none", 1, 3600, 1, MXG_KEY_GLOBAL, MXG_OVER_RESET);
	h = ib_build(b);
	free(b);
	assert_int_equal(replay_xdp_open(&rx, h, h->total_len, &xo), 0);
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct pktgen_spec s = specs[i];

		s.sport = 40000 + (uint16_t)i;
		s.dport = 25;
		s.tcp_flags = MXG_TCP_SYN;
		s.seq = 0xfffffff0u + i; /* the ack wraps */
		memcpy(s.src_mac, "\x02\x00\x00\x00\x00\x01", 6);
		memcpy(s.dst_mac, "\x02\x00\x00\x00\x00\x02", 6);
		len = pktgen_build(&s, frame, sizeof(frame));
		assert_true(len > 0);
		/* the first attempt passes, the second is reset */
		assert_int_equal(replay_xdp_run(rx, DLT_EN10MB, frame,
						(uint32_t)len, T0, &d, rst, &n),
				 0);
		assert_int_equal(replay_xdp_run(rx, DLT_EN10MB, frame,
						(uint32_t)len, T0, &d, rst, &n),
				 0);
		assert_int_equal(d.verdict, MXG_VERDICT_RESET);
		if (s.ip_len_delta)
			s.payload_len = 0;
		check_rst(&s, frame, rst, n);
	}
	replay_xdp_close(rx);
	free(h);
}

/* ------------------------------------------------------------------ */
/* Reloads */

static size_t syn_from(const char *src, uint8_t *frame, size_t cap)
{
	struct pktgen_spec s = {
		.family = strchr(src, ':') ? 6 : 4,
		.src = src,
		.dst = strchr(src, ':') ? "2001:db8:25::25" : "198.51.100.25",
		.sport = 40000,
		.dport = 25,
		.tcp_flags = MXG_TCP_SYN,
		.seq = 7,
	};

	return pktgen_build(&s, frame, cap);
}

/* Run a frame straight through the program; return the recorded
 * decision. */
static struct mxg_xdp_last run_raw(struct mxg_xdp *x, const uint8_t *frame,
				   size_t len, uint64_t ts)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .repeat = 1);
	struct mxg_xdp_config *cfg = mxg_xdp_config_map(x);
	struct mxg_xdp_last last;

	cfg->flags = MXG_XDP_F_TEST_CLOCK | MXG_XDP_F_RECORD;
	cfg->test_clock_ns = ts;
	opts.data_in = frame;
	opts.data_size_in = (uint32_t)len;
	assert_int_equal(bpf_prog_test_run_opts(mxg_xdp_prog_fd(x), &opts), 0);
	memcpy(&last, (const void *)mxg_xdp_last_map(x), sizeof(last));
	return last;
}

static struct mxg_policy_header *policy_limit(const char *first_rule,
					      uint32_t rate)
{
	struct image_builder *b = malloc(sizeof(*b));
	struct mxg_policy_header *h;

	assert_non_null(b);
	ib_init(b);
	if (first_rule)
		ib_deny(b, first_rule)->family = MXG_FAMILY_IPV6;
	ib_limit(b, "per-host", rate, 3600, 3, MXG_KEY_HOST, MXG_OVER_DROP);
	h = ib_build(b);
	free(b);
	return h;
}

static void reload_keeps_buckets(void **state)
{
	struct mxg_xdp_load_opts lo = { .buckets = BUCKETS };
	struct mxg_policy_header *a, *b, *c;
	uint8_t frame[256];
	struct mxg_xdp_last d;
	struct mxg_counters cnt;
	struct mxg_xdp *x;
	size_t len = syn_from("203.0.113.7", frame, sizeof(frame));
	int i;

	(void)state;
	need_bpf();
	a = policy_limit(NULL, 1);
	b = policy_limit("no-v6", 1); /* per-host moves to index 1 */
	c = policy_limit(NULL, 2);    /* another rate: another bucket */
	assert_int_equal(mxg_xdp_load(&x, &lo), 0);
	assert_int_equal(mxg_xdp_install(x, a, a->total_len), 0);
	for (i = 0; i < 3; i++) {
		d = run_raw(x, frame, len, T0);
		assert_int_equal(d.verdict, MXG_VERDICT_PASS);
	}
	d = run_raw(x, frame, len, T0);
	assert_int_equal(d.verdict, MXG_VERDICT_DROP);
	assert_int_equal(d.rule, 0);

	assert_int_equal(mxg_xdp_install(x, b, b->total_len), 0);
	d = run_raw(x, frame, len, T0);
	assert_int_equal(d.verdict, MXG_VERDICT_DROP); /* bucket kept */
	assert_int_equal(d.rule, 1);
	assert_int_equal(d.buffer, 1);
	assert_int_equal(mxg_xdp_counters(x, &cnt), 0);
	assert_int_equal(cnt.totals.packets, 5); /* totals kept */
	assert_int_equal(cnt.totals.smtp_dropped, 2);
	/* a rule's counters follow its name, at any index (as mxgate-dp's):
	 * "no-v6" is new, "per-host" keeps its 4 attempts */
	assert_int_equal(cnt.rules[0].matched, 0);
	assert_int_equal(cnt.rules[1].matched, 5);
	assert_int_equal(cnt.rules[1].passed, 3);
	assert_int_equal(cnt.rules[1].dropped, 2);

	assert_int_equal(mxg_xdp_install(x, c, c->total_len), 0);
	d = run_raw(x, frame, len, T0);
	assert_int_equal(d.verdict, MXG_VERDICT_PASS); /* fresh bucket */
	assert_int_equal(d.buffer, 0);
	/* back at index 0, re-rated: the name keeps its series; the stale
	 * counts buffer 0 had under policy a are not added again */
	assert_int_equal(mxg_xdp_counters(x, &cnt), 0);
	assert_int_equal(cnt.rules[0].matched, 6);
	assert_int_equal(cnt.rules[0].passed, 4);
	assert_int_equal(cnt.rules[0].dropped, 2);
	assert_int_equal(cnt.rules[1].matched, 0);
	assert_int_equal(mxg_xdp_install(x, a, a->total_len), 0);
	assert_int_equal(mxg_xdp_counters(x, &cnt), 0);
	assert_int_equal(cnt.rules[0].matched, 6);

	/* a bad image changes nothing */
	c->checksum ^= 1;
	assert_int_not_equal(mxg_xdp_install(x, c, c->total_len), 0);
	d = run_raw(x, frame, len, T0);
	assert_int_equal(d.buffer, 1);
	assert_int_equal(mxg_xdp_counters(x, &cnt), 0);
	assert_int_equal(cnt.rules[0].matched, 7);
	mxg_xdp_close(x);
	free(a);
	free(b);
	free(c);
}

/*
 * The table past full, in the kernel: the smallest bucket table
 * (MXG_XDP_BUCKETS_MIN sources), offenders drained under a slow rule
 * (port 25: 1/h, burst 1), then a flood of EVICT_FLOOD new sources under
 * a fast rule (port 587: 1000/s), 2 ms apart, so that every flood bucket
 * is full again before the next arrives. Every insert past full must
 * evict a full bucket (lossless), never an offender's drained one: each
 * offender is still refused afterwards, and no eviction was lossy. With
 * 64 offenders in 256 lines, no seed (in practice) fills both lines of
 * a flood key with drained buckets, which would force a lossy eviction
 * (200 did, now and then: as test_src_table's evict_full_first).
 */
#define EVICT_OFFENDERS 64
#define EVICT_FLOOD	(8 * MXG_XDP_BUCKETS_MIN)

static size_t syn_to(uint32_t src, uint16_t dport, uint8_t *frame, size_t cap)
{
	char addr[32];
	struct pktgen_spec s = {
		.family = 4,
		.src = addr,
		.dst = "198.51.100.25",
		.sport = 40000,
		.dport = dport,
		.tcp_flags = MXG_TCP_SYN,
		.seq = 7,
	};

	snprintf(addr, sizeof(addr), "%u.%u.%u.%u", src >> 24,
		 (src >> 16) & 255, (src >> 8) & 255, src & 255);
	return pktgen_build(&s, frame, cap);
}

static void evict_full_first(void **state)
{
	struct mxg_xdp_load_opts lo = { .buckets = MXG_XDP_BUCKETS_MIN };
	struct image_builder *b = malloc(sizeof(*b));
	struct mxg_xdp_table ts;
	struct mxg_policy_header *h;
	struct mxg_xdp_last d;
	struct mxg_xdp *x;
	uint8_t frame[256];
	uint64_t now = T0;
	size_t len;
	uint32_t i;

	(void)state;
	need_bpf();
	assert_non_null(b);
	ib_init(b);
	ib_limit(b, "slow", 1, 3600, 1, MXG_KEY_HOST, MXG_OVER_DROP)->ports[0] =
		25;
	b->rules[0].n_ports = 1;
	ib_limit(b, "fast", 1000, 1, 1, MXG_KEY_HOST, MXG_OVER_DROP)->ports[0] =
		587;
	b->rules[1].n_ports = 1;
	h = ib_build(b);
	free(b);
	assert_int_equal(mxg_xdp_load(&x, &lo), 0);
	assert_int_equal(mxg_xdp_install(x, h, h->total_len), 0);
	for (i = 0; i < EVICT_OFFENDERS; i++) {
		len = syn_to(0xc6336400 + i, 25, frame, sizeof(frame));
		assert_int_equal(run_raw(x, frame, len, now).verdict,
				 MXG_VERDICT_PASS);
		assert_int_equal(run_raw(x, frame, len, now).verdict,
				 MXG_VERDICT_DROP);
	}
	for (i = 0; i < EVICT_FLOOD; i++) {
		now += 2000000;
		len = syn_to(0x0a000000 + i, 587, frame, sizeof(frame));
		d = run_raw(x, frame, len, now);
		assert_int_equal(d.verdict, MXG_VERDICT_PASS);
	}
	for (i = 0; i < EVICT_OFFENDERS; i++) {
		len = syn_to(0xc6336400 + i, 25, frame, sizeof(frame));
		d = run_raw(x, frame, len, now);
		assert_int_equal(d.verdict,
				 MXG_VERDICT_DROP); /* still drained */
		assert_int_equal(d.rule, 0);
	}
	/* full: every insert past full evicted one key, and losslessly */
	assert_int_equal(mxg_xdp_table_stats(x, &ts), 0);
	assert_int_equal(ts.inserts, EVICT_OFFENDERS + EVICT_FLOOD);
	assert_int_equal(ts.evict_lossy, 0);
	assert_int_equal(ts.entries, ts.inserts - ts.evict_lossless);
	assert_true(ts.entries <= ts.capacity &&
		    ts.entries >= ts.capacity - ts.capacity / 16);
	mxg_xdp_close(x);
	free(h);
}

/*
 * The per-source report and the table's occupancy: 50 sources (40 IPv4,
 * 10 IPv6) under 1/h per host, burst 3; source i sends 51 - i attempts,
 * the heaviest first. A source whose slot a heavier one holds already
 * takes votes from it and is not reported; every reported source has
 * its exact counts (it held its slot from its first attempt on), the
 * heaviest is first, and at most a few collide (50 sources, 4096 slots:
 * 0.3 expected). One bucket per source: 50 keys in the table.
 */
#define TOP_SOURCES 50

static void top_and_table(void **state)
{
	struct mxg_xdp_load_opts lo = { .buckets = BUCKETS };
	struct mxg_top_entry top[TOP_SOURCES + 1];
	struct mxg_policy_header *h = policy_limit(NULL, 1);
	struct mxg_xdp_table ts;
	struct mxg_xdp *x;
	uint8_t frame[256];
	char src[64];
	size_t len;
	int i, j, n;

	(void)state;
	need_bpf();
	assert_int_equal(mxg_xdp_load(&x, &lo), 0);
	assert_int_equal(mxg_xdp_install(x, h, h->total_len), 0);
	assert_int_equal(mxg_xdp_top(x, top, TOP_SOURCES), 0);
	for (i = 0; i < TOP_SOURCES; i++) {
		if (i < 40)
			snprintf(src, sizeof(src), "203.0.%d.%d", i / 8, i + 1);
		else
			snprintf(src, sizeof(src), "2001:db8:%x::7", i);
		len = syn_from(src, frame, sizeof(frame));
		for (j = 0; j < TOP_SOURCES + 1 - i; j++)
			run_raw(x, frame, len, T0);
	}
	n = mxg_xdp_top(x, top, TOP_SOURCES + 1);
	print_message("top_and_table: %d of %d sources reported\n", n,
		      TOP_SOURCES);
	assert_true(n >= TOP_SOURCES - 5 && n <= TOP_SOURCES);
	for (i = 0; i < n; i++) {
		/* which source: its attempts say (51 - index) */
		int k = TOP_SOURCES + 1 - (int)top[i].syns;

		assert_true(k >= 0 && k < TOP_SOURCES);
		assert_int_equal(top[i].family,
				 k < 40 ? MXG_AF_INET : MXG_AF_INET6);
		if (k < 40) {
			assert_int_equal(top[i].addr[0], 203);
			assert_int_equal(top[i].addr[3], k + 1);
		} else {
			assert_int_equal(top[i].addr[5], k);
		}
		assert_int_equal(top[i].dropped,
				 top[i].syns > 3 ? top[i].syns - 3 : 0);
		if (i) /* most dropped first, then most attempts */
			assert_true(top[i].syns < top[i - 1].syns);
	}
	assert_int_equal(top[0].syns, TOP_SOURCES + 1);
	assert_int_equal(mxg_xdp_top(x, top, 1), 1); /* bounded by max */
	assert_int_equal(mxg_xdp_table_stats(x, &ts), 0);
	assert_int_equal(ts.capacity, BUCKETS);
	assert_int_equal(ts.inserts, TOP_SOURCES);
	assert_int_equal(ts.entries, TOP_SOURCES);
	assert_int_equal(ts.evict_lossless + ts.evict_lossy, 0);
	mxg_xdp_close(x);
	free(h);
}

/*
 * Policy A: rule 0 denies @s (10.0.0.0/8 is set bit 0).
 * Policy B: rule 0 denies @u (172.16.0.0/12, bit 0), rule 1 allows @t
 * (10.0.0.0/8, bit 1). A frame from 10.1.2.3 is dropped by A's rule 0 or
 * passed by B's rule 1. A's rules with B's tries give "pass, no rule";
 * B's rules with A's tries give "drop by rule 0" in B's buffer.
 */
static struct mxg_policy_header *policy_atomic(int which)
{
	struct image_builder *b = malloc(sizeof(*b));
	struct mxg_policy_header *h;
	uint32_t s, u, t;

	assert_non_null(b);
	ib_init(b);
	if (which == 0) {
		s = ib_set(b, "@s");
		ib_cidr(b, s, "10.0.0.0/8");
		ib_deny(b, "a-deny")->src_set = (uint16_t)s;
	} else {
		u = ib_set(b, "@u");
		ib_cidr(b, u, "172.16.0.0/12");
		t = ib_set(b, "@t");
		ib_cidr(b, t, "10.0.0.0/8");
		ib_deny(b, "b-deny")->src_set = (uint16_t)u;
		ib_allow(b, "b-allow")->src_set = (uint16_t)t;
	}
	h = ib_build(b);
	free(b);
	return h;
}

struct reloader {
	struct mxg_xdp *x;
	struct mxg_policy_header *image[2];
	volatile int stop;
	int reloads, err;
};

static void *reload_loop(void *arg)
{
	struct reloader *r = arg;
	int i = 1;

	while (!r->stop && r->reloads < RELOADS) {
		r->err = mxg_xdp_install(r->x, r->image[i],
					 r->image[i]->total_len);
		if (r->err)
			break;
		r->reloads++;
		i ^= 1;
	}
	return NULL;
}

static void reload_is_atomic(void **state)
{
	struct mxg_xdp_load_opts lo = { .buckets = BUCKETS };
	struct reloader r = { 0 };
	struct mxg_xdp_last d;
	uint8_t frame[256];
	uint64_t n = 0, seen[2] = { 0, 0 };
	size_t len = syn_from("10.1.2.3", frame, sizeof(frame));
	struct timespec t0, t1;
	pthread_t th;

	(void)state;
	need_bpf();
	r.image[0] = policy_atomic(0);
	r.image[1] = policy_atomic(1);
	assert_int_equal(mxg_xdp_load(&r.x, &lo), 0);
	assert_int_equal(
		mxg_xdp_install(r.x, r.image[0], r.image[0]->total_len), 0);
	assert_int_equal(pthread_create(&th, NULL, reload_loop, &r), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (r.reloads < RELOADS && !r.err) {
		if ((n & 1023) == 0) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			if (t1.tv_sec - t0.tv_sec > 20)
				break; /* a slow machine: enough is enough */
		}
		d = run_raw(r.x, frame, len, T0 + n);
		n++;
		seen[d.buffer & 1]++;
		if (d.buffer == 0) {
			if (d.verdict != MXG_VERDICT_DROP || d.rule != 0)
				r.stop = 1;
			assert_int_equal(d.verdict, MXG_VERDICT_DROP);
			assert_int_equal(d.rule, 0);
		} else {
			if (d.verdict != MXG_VERDICT_PASS || d.rule != 1)
				r.stop = 1;
			assert_int_equal(d.verdict, MXG_VERDICT_PASS);
			assert_int_equal(d.rule, 1);
		}
	}
	r.stop = 1;
	pthread_join(th, NULL);
	assert_int_equal(r.err, 0);
	print_message("  %d reloads during %llu frames (%llu under A, %llu "
		      "under B), none mixed\n",
		      r.reloads, (unsigned long long)n,
		      (unsigned long long)seen[0], (unsigned long long)seen[1]);
	assert_true(r.reloads >= 10);
	assert_true(seen[0] > 0 && seen[1] > 0);
	mxg_xdp_close(r.x);
	free(r.image[0]);
	free(r.image[1]);
}

/* ------------------------------------------------------------------ */
/* Evasions through parser limits, and SYNs that must never get a RST */

static void hostile_frames(void **state)
{
	struct image_builder *b = malloc(sizeof(*b));
	uint8_t frame[PKTGEN_MAX_FRAME];
	struct pair p;
	uint64_t ts = T0;
	unsigned int i;

	(void)state;
	need_bpf();
	assert_non_null(b);
	ib_init(b);
	add_protected(b);
	ib_limit(b, "once", 1, 3600, 1, MXG_KEY_GLOBAL, MXG_OVER_RESET);
	pair_open(&p, ib_build(b));
	free(b);
	for (i = 0; i < hostile_cases_count; i++) {
		const struct hostile_case *h = &hostile_cases[i];
		size_t len;
		struct mxg_decision d;
		struct pktgen_spec first = h->s;

		/* the first attempt takes the one token */
		if (i == 0) {
			first.n_ext = 0;
			first.ip4_frag = first.ip6_frag = 0;
			first.ip_len_delta = 0;
			len = pktgen_build(&first, frame, sizeof(frame));
			pair_frame(&p, frame, len, ts, "first");
		}
		len = pktgen_build(&h->s, frame, sizeof(frame));
		assert_true(len > 0);
		ts += NS / 1000;
		d = pair_frame(&p, frame, len, ts, h->desc);
		if (d.verdict != h->verdict)
			fail_msg("%s: %s, expected %s", h->desc,
				 mxg_verdict_name(d.verdict),
				 mxg_verdict_name(h->verdict));
	}
	pair_check_counters(&p);
	print_message("  parser_limit %llu (dropped %llu), reset %llu, "
		      "reset_suppressed %llu\n",
		      (unsigned long long)p.cc.totals.parser_limit,
		      (unsigned long long)p.cc.totals.parser_limit_dropped,
		      (unsigned long long)p.cc.totals.reset,
		      (unsigned long long)p.cc.totals.reset_suppressed);
	assert_int_equal(p.cc.totals.parser_limit, HOSTILE_PARSER_LIMIT);
	assert_int_equal(p.cc.totals.parser_limit_dropped,
			 HOSTILE_PARSER_LIMIT_DROPPED);
	assert_int_equal(p.cc.totals.reset, HOSTILE_RESET);
	assert_int_equal(p.cc.totals.reset_suppressed,
			 HOSTILE_RESET_SUPPRESSED);
	pair_close(&p);
}

/* ------------------------------------------------------------------ */

int main(void)
{
	static const struct CMUnitTest mixed[] = {
		cmocka_unit_test(mix_design),
		cmocka_unit_test(mix_design_monitor),
		cmocka_unit_test(mix_mixed),
		cmocka_unit_test(mix_ports),
		cmocka_unit_test(mix_tight),
		cmocka_unit_test(mix_empty),
		cmocka_unit_test(rst_shapes),
		cmocka_unit_test(hostile_frames),
		cmocka_unit_test(reload_keeps_buckets),
		cmocka_unit_test(reload_is_atomic),
		cmocka_unit_test(evict_full_first),
		cmocka_unit_test(top_and_table),
	};
	struct CMUnitTest *row_tests;
	unsigned int i;
	int rc;

	row_tests = calloc(pkt_rows_count, sizeof(*row_tests));
	if (!row_tests)
		return 1;
	for (i = 0; i < pkt_rows_count; i++) {
		row_tests[i].name = pkt_rows[i].desc;
		row_tests[i].test_func = row_full_program;
		row_tests[i].initial_state = (void *)&pkt_rows[i];
	}
	rc = _cmocka_run_group_tests("parser rows through the XDP program",
				     row_tests, pkt_rows_count, rows_setup,
				     rows_teardown);
	free(row_tests);
	rc |= cmocka_run_group_tests_name("XDP program equals the core engine",
					  mixed, probe_bpf, NULL);
	return rc;
}
