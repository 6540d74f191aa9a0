// SPDX-License-Identifier: BSD-3-Clause
/*
 * bench_engine: the core engine's cycles per packet (DESIGN §6), for
 * benign traffic, a legitimate SMTP mix, SYNs from 4,096 sources, and a
 * spoofed random-source SYN flood into a source table of 16M entries kept
 * full, with the machine's memory floor under them. Each figure is
 * also given as a ratio to parsing alone, measured in the same run, since
 * absolute cycles on a shared machine are noise.
 *
 *   bench_engine [--entries N] [--packets N] [--policy FILE]
 *                [--burst-rounds N] [--distance N] [--distance-sweep]
 *                [--stages]
 *
 * The policy defaults to control/examples/default.json.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <x86intrin.h>

#include "../lib/pktgen.h"
#include "engine.h"
#include "policy_compile.h"

#define FRAME_SLOT 192
#define ROUNDS	   5

/* Burst passes over the flood (--burst-rounds: more, for perf record). */
static int burst_rounds = ROUNDS;
/* Candidates between a burst loop's steps (--distance). */
static uint32_t distance = MXG_ENGINE_PREFETCH_DISTANCE;
/*
 * --stages: run each burst stage by stage instead (all candidates through
 * one stage, then the next), timing each stage; summed into stage_cycles.
 * Nothing overlaps then: in a table that fits the cache this is the
 * compute each stage costs, in a large one each miss shows in the stage
 * that takes it.
 */
enum {
	STAGE_PARSE,
	STAGE_LOCATE,
	STAGE_REST,
	STAGE_SECOND,
	STAGE_DECIDE,
	STAGES
};
static int by_stage;
static uint64_t stage_cycles[STAGES];

struct frames {
	uint8_t *buf;
	uint16_t *len;
	uint8_t *v6;
	uint32_t n;
};

static uint64_t rng_state = 0x243f6a8885a308d3ULL;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void add(struct frames *f, const struct pktgen_spec *s)
{
	size_t len =
		pktgen_build(s, f->buf + (size_t)f->n * FRAME_SLOT, FRAME_SLOT);

	if (!len) {
		fprintf(stderr, "bench_engine: cannot build a frame\n");
		exit(1);
	}
	f->v6[f->n] = s->family == 6;
	f->len[f->n++] = (uint16_t)len;
}

/* New random sources in place (the parser does not check checksums), so
 * every pass of the flood brings sources the table has never seen. */
static void refresh_sources(struct frames *f)
{
	uint32_t i;

	for (i = 0; i < f->n; i++) {
		uint8_t *src = f->buf + (size_t)i * FRAME_SLOT +
			       (f->v6[i] ? 14 + 8 : 14 + 12);
		uint64_t r = rng();

		memcpy(src + (f->v6[i] ? 8 : 0), &r, f->v6[i] ? 8 : 4);
	}
}

static void frames_alloc(struct frames *f, uint32_t n)
{
	f->buf = calloc(n, FRAME_SLOT);
	f->len = calloc(n, sizeof(*f->len));
	f->v6 = calloc(n, 1);
	f->n = 0;
	if (!f->buf || !f->len || !f->v6) {
		fprintf(stderr, "bench_engine: out of memory\n");
		exit(1);
	}
}

static void rand_src(char *buf, size_t len, int v6)
{
	uint64_t r = rng();

	if (v6)
		snprintf(buf, len, "2001:db8:%x:%x:%x::%x",
			 (unsigned)(r & 0xffff), (unsigned)((r >> 16) & 0xffff),
			 (unsigned)((r >> 32) & 0xffff), (unsigned)(r >> 48));
	else
		snprintf(buf, len, "%u.%u.%u.%u", (unsigned)(1 + r % 223),
			 (unsigned)((r >> 8) & 255),
			 (unsigned)((r >> 16) & 255),
			 (unsigned)((r >> 24) & 255));
}

/* Non-SMTP traffic: web, DNS, established SMTP data and ACKs. */
static void build_benign(struct frames *f, uint32_t n)
{
	uint32_t i;

	frames_alloc(f, n);
	for (i = 0; i < n; i++) {
		char src[64];
		struct pktgen_spec s = { .family = 4, .dst = "198.51.100.25" };

		rand_src(src, sizeof(src), 0);
		s.src = src;
		switch (i % 4) {
		case 0: /* web */
			s.dport = 443;
			s.sport = 40000;
			s.tcp_flags = MXG_TCP_ACK;
			s.payload_len = 40;
			break;
		case 1: /* DNS */
			s.proto = 17;
			s.l4_len = 40;
			break;
		default: /* an established SMTP session */
			s.dport = 25;
			s.sport = 40000;
			s.tcp_flags = MXG_TCP_ACK | MXG_TCP_PSH;
			s.payload_len = 48;
			break;
		}
		add(f, &s);
	}
}

/* A legitimate SMTP mix: sessions, 1 frame in 20 a SYN from one of
 * 10,000 known senders, IPv4 and IPv6. */
static void build_smtp_mix(struct frames *f, uint32_t n)
{
	uint32_t i;

	frames_alloc(f, n);
	for (i = 0; i < n; i++) {
		char src[64];
		int v6 = (i % 5) == 0;
		uint64_t who = rng() % 10000;
		struct pktgen_spec s = {
			.family = v6 ? 6 : 4,
			.dst = v6 ? "2001:db8:25::25" : "198.51.100.25",
			.sport = 40000,
			.dport = 25,
		};

		if (v6)
			snprintf(src, sizeof(src), "2001:db8:%x::10",
				 (unsigned)who);
		else
			snprintf(src, sizeof(src), "10.%u.%u.10",
				 (unsigned)(who >> 8), (unsigned)(who & 255));
		s.src = src;
		if (i % 20 == 0) {
			s.tcp_flags = MXG_TCP_SYN;
		} else {
			s.tcp_flags = MXG_TCP_ACK;
			s.payload_len = (uint16_t)(rng() % 80);
		}
		add(f, &s);
	}
}

/* A spoofed random-source SYN flood, 20% IPv6. */
static void build_flood(struct frames *f, uint32_t n)
{
	uint32_t i;

	frames_alloc(f, n);
	for (i = 0; i < n; i++) {
		char src[64];
		int v6 = rng() % 5 == 0;
		struct pktgen_spec s = {
			.family = v6 ? 6 : 4,
			.dst = v6 ? "2001:db8:25::25" : "198.51.100.25",
			.sport = (uint16_t)rng(),
			.dport = 25,
			.tcp_flags = MXG_TCP_SYN,
		};

		rand_src(src, sizeof(src), v6);
		s.src = src;
		add(f, &s);
	}
}

/* SYNs from 4,096 IPv4 sources in turn (bench_dp.sh's syn4k): at 10
 * Mpps each source is far over the per-host limit, so the per-host rule
 * decides every SYN once the bursts are spent; the keys stay in the
 * cache. */
static void build_syn4k(struct frames *f, uint32_t n)
{
	enum { SOURCES = 4096 };
	char src[SOURCES][16];
	uint32_t i;

	frames_alloc(f, n);
	for (i = 0; i < SOURCES; i++)
		rand_src(src[i], sizeof(src[i]), 0);
	for (i = 0; i < n; i++) {
		struct pktgen_spec s = {
			.family = 4,
			.src = src[i % SOURCES],
			.dst = "198.51.100.25",
			.sport = (uint16_t)rng(),
			.dport = 25,
			.tcp_flags = MXG_TCP_SYN,
		};

		add(f, &s);
	}
}

struct run {
	const struct mxg_engine *engine;
	struct mxg_src_table *table;
	struct mxg_counters c;
	struct mxg_src_table_stats ts;
	uint64_t now;
	uint64_t sink;
};

/* Cycles per packet: parse only, or parse and decide. */
static double pass(struct run *r, const struct frames *f, int decide)
{
	uint64_t t0 = __rdtsc(), t1;
	uint32_t i;

	for (i = 0; i < f->n; i++) {
		const uint8_t *d = f->buf + (size_t)i * FRAME_SLOT;
		struct mxg_decision dec;
		struct mxg_pkt p;

		mxg_parse_eth(d, d + f->len[i], &p);
		r->now += 100; /* 10 Mpps of capture time */
		if (decide) {
			mxg_engine_process(r->engine, r->table, &r->c, &r->ts,
					   &p, r->now, &dec);
			r->sink += dec.verdict;
		} else {
			r->sink += p.dport;
		}
	}
	t1 = __rdtsc();
	return (double)(t1 - t0) / f->n;
}

/* One burst's candidates stage by stage (--stages), each stage timed. */
static void stages_burst(struct run *r, const struct mxg_pkt *p,
			 const uint32_t *src_class, const uint32_t *dst_class,
			 const uint64_t *now, const uint8_t *cand, uint32_t nc)
{
	struct mxg_engine_ahead ahead[32];
	uint64_t t = __rdtsc(), u;
	uint32_t j, k, step;

	for (step = 0; step < MXG_ENGINE_AHEAD_STEPS; step++) {
		for (j = 0; j < nc; j++) {
			k = cand[j];
			mxg_engine_ahead_step(r->engine, r->table, step, &p[k],
					      src_class[k], dst_class[k],
					      now[k], &ahead[k]);
		}
		u = __rdtsc();
		stage_cycles[STAGE_LOCATE + step] += u - t;
		t = u;
	}
	for (j = 0; j < nc; j++) {
		struct mxg_decision dec;

		k = cand[j];
		mxg_engine_decide_ahead(r->engine, r->table, &r->c, &r->ts,
					&p[k], src_class[k], dst_class[k],
					now[k], &ahead[k], &dec);
		r->sink += dec.verdict;
	}
	stage_cycles[STAGE_DECIDE] += __rdtsc() - t;
}

/*
 * Cycles per packet through the stages as mxgate-dp's burst loop runs
 * them: parse and classify a burst of 32, then run its candidates through
 * the engine's three steps, 'distance' candidates apart (engine.h): locate
 * (first lines prefetched), prefetch second lines, decide.
 */
static double pass_burst(struct run *r, const struct frames *f)
{
	enum { BURST = 32, S = MXG_ENGINE_AHEAD_STEPS };
	uint64_t t0 = __rdtsc(), t1, tb;
	uint32_t i, j, n, d = distance;

	for (i = 0; i < f->n; i += n) {
		uint32_t src_class[BURST], dst_class[BURST];
		struct mxg_engine_ahead ahead[BURST];
		uint64_t now[BURST];
		struct mxg_pkt p[BURST];
		uint8_t cand[BURST];
		uint32_t nc = 0;

		n = f->n - i < BURST ? f->n - i : BURST;
		tb = __rdtsc();
		for (j = 0; j < n; j++) {
			const uint8_t *data =
				f->buf + (size_t)(i + j) * FRAME_SLOT;
			struct mxg_decision dec;

			mxg_parse_eth(data, data + f->len[i + j], &p[j]);
			r->now += 100;
			now[j] = r->now;
			if (!mxg_engine_is_candidate(r->engine, &p[j])) {
				mxg_engine_forward(&r->c, &p[j], &dec);
				continue;
			}
			src_class[j] = mxg_engine_class_of(
				r->engine, p[j].family, p[j].src);
			dst_class[j] = mxg_engine_class_of(
				r->engine, p[j].family, p[j].dst);
			cand[nc++] = (uint8_t)j;
		}
		if (by_stage) {
			stage_cycles[STAGE_PARSE] += __rdtsc() - tb;
			stages_burst(r, p, src_class, dst_class, now, cand, nc);
			continue;
		}
		for (j = 0; j < nc + S * d; j++) {
			struct mxg_decision dec;
			uint32_t k, step;

			for (step = 0; step < S; step++) {
				if (j < step * d || j - step * d >= nc)
					continue;
				k = cand[j - step * d];
				mxg_engine_ahead_step(r->engine, r->table, step,
						      &p[k], src_class[k],
						      dst_class[k], now[k],
						      &ahead[k]);
			}
			if (j < S * d || j - S * d >= nc)
				continue;
			k = cand[j - S * d];
			mxg_engine_decide_ahead(r->engine, r->table, &r->c,
						&r->ts, &p[k], src_class[k],
						dst_class[k], now[k], &ahead[k],
						&dec);
			r->sink += dec.verdict;
		}
	}
	t1 = __rdtsc();
	return (double)(t1 - t0) / f->n;
}

static double best_of_burst(struct run *r, struct frames *f, int fresh)
{
	double best = 1e18, c;
	int k;

	for (k = 0; k < burst_rounds; k++) {
		if (fresh)
			refresh_sources(f);
		c = pass_burst(r, f);
		if (c < best)
			best = c;
	}
	return best;
}

/* --stages: one row of cycles per packet by stage into buf (r NULL: the
 * stages' names). */
static void stage_row(struct run *r, struct frames *f, int fresh, char *buf,
		      size_t len)
{
	static const char *const names[STAGES] = { "parse+classify", "locate",
						   "rest", "second", "decide" };
	size_t at = 0;
	int q;

	if (r) {
		memset(stage_cycles, 0, sizeof(stage_cycles));
		by_stage = 1;
		best_of_burst(r, f, fresh);
		by_stage = 0;
	}
	for (q = 0; q < STAGES && at < len; q++)
		at += (size_t)(r ? snprintf(buf + at, len - at, " %14.1f",
					    (double)stage_cycles[q] /
						    burst_rounds / f->n) :
				   snprintf(buf + at, len - at, " %14s",
					    names[q]));
}

static double best_of(struct run *r, struct frames *f, int decide, int fresh)
{
	double best = 1e18;
	int k;

	for (k = 0; k < ROUNDS; k++) {
		double c;

		if (fresh)
			refresh_sources(f);
		c = pass(r, f, decide);

		if (c < best)
			best = c;
	}
	return best;
}

/*
 * The memory floor under the flood rows: cycles per random 64-byte line
 * read, modified and written back, in a buffer of the table's size (2 MiB
 * pages, as the table), prefetched 'ahead' lines before use. A flood SYN
 * touches a few such lines per new key; no table layout does better than
 * this per line on this machine.
 */
static double line_floor(size_t bytes, uint32_t ahead)
{
	enum { N = 1 << 22 };
	size_t lines = bytes / 64, i;
	uint32_t *idx = malloc(N * sizeof(*idx));
	uint64_t t0, t1, sink = 0;
	uint8_t *buf;

	buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || idx == NULL) {
		free(idx);
		return -1;
	}
	madvise(buf, bytes, MADV_HUGEPAGE);
	memset(buf, 1, bytes);
	for (i = 0; i < N; i++)
		idx[i] = (uint32_t)(rng() % lines);
	t0 = __rdtsc();
	for (i = 0; i < N; i++) {
		uint64_t *l;

		if (i + ahead < N)
			__builtin_prefetch(buf + (size_t)idx[i + ahead] * 64, 1,
					   3);
		l = (uint64_t *)(buf + (size_t)idx[i] * 64);
		sink += l[0];
		l[1] = sink;
	}
	t1 = __rdtsc();
	fprintf(stderr, "(floor sink %" PRIu64 ")\n", sink);
	munmap(buf, bytes);
	free(idx);
	return (double)(t1 - t0) / N;
}

/*
 * Address translation under the table: cycles per dependent load from a
 * hot set of 'hot' random lines, all in the cache, spread over 'bytes'
 * (2 MiB pages, as the table). Equal for any 'bytes' when the TLB maps
 * the table in 2 MiB pages; growing with 'bytes' when the machine gives
 * the hardware smaller translations (a VM's host backing), in which case
 * every random table access also pays a page walk.
 */
static double hot_lines(size_t bytes, uint32_t hot)
{
	enum { N = 1 << 22 };
	size_t lines = bytes / 64, i;
	uint32_t *idx = malloc(N * sizeof(*idx)), *set = malloc(hot * 4);
	uint64_t t0, t1, x = 0;
	uint8_t *buf;

	buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || idx == NULL || set == NULL) {
		free(idx);
		free(set);
		return -1;
	}
	madvise(buf, bytes, MADV_HUGEPAGE);
	memset(buf, 0, bytes);
	for (i = 0; i < hot; i++)
		set[i] = (uint32_t)(rng() % lines);
	for (i = 0; i < N; i++)
		idx[i] = set[rng() % hot];
	t0 = __rdtsc();
	for (i = 0; i < N; i++) /* x is 0: each address waits for a load */
		x = *(volatile uint64_t *)(buf + (size_t)idx[i] * 64 + x);
	t1 = __rdtsc();
	munmap(buf, bytes);
	free(idx);
	free(set);
	return (double)(t1 - t0) / N;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "entries", required_argument, NULL, 'e' },
		{ "packets", required_argument, NULL, 'p' },
		{ "policy", required_argument, NULL, 'P' },
		{ "burst-rounds", required_argument, NULL, 'b' },
		{ "distance", required_argument, NULL, 'd' },
		{ "distance-sweep", no_argument, NULL, 's' },
		{ "stages", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	const char *policy = "control/examples/default.json", *why = NULL;
	uint64_t entries = 16ULL << 20, fill;
	uint32_t packets = 1u << 20;
	struct mxg_policy_header *image = NULL;
	struct mxg_engine *engine = NULL;
	struct frames benign, mix, syn4k, flood;
	struct mxg_diag diag;
	struct run r;
	double parse_b, parse_m, parse_s, parse_f, eng_b, eng_m, eng_s, eng_f;
	double eng_fb, floor;
	int c, sweep = 0, stages = 0;
	char stage_head[128], stages_s[128], stages_f[128];

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'e')
			entries = strtoull(optarg, NULL, 0);
		else if (c == 'p')
			packets = (uint32_t)strtoul(optarg, NULL, 0);
		else if (c == 'P')
			policy = optarg;
		else if (c == 'b' && atoi(optarg) > 0)
			burst_rounds = atoi(optarg);
		else if (c == 'd' && atoi(optarg) >= 0 && atoi(optarg) <= 32)
			distance = (uint32_t)atoi(optarg);
		else if (c == 's')
			sweep = 1;
		else if (c == 'S')
			stages = 1;
		else
			return 2;
	}
	stage_row(NULL, NULL, 0, stage_head, sizeof(stage_head));
	mxg_diag_init(&diag);
	if (mxg_policy_compile_file(policy, &image, &diag) ||
	    mxg_engine_create(&engine, image, image->total_len,
			      MXG_ENGINE_PORTABLE_LPM, &why)) {
		fprintf(stderr, "bench_engine: policy %s: %s\n", policy,
			diag.stored ? diag.lines[0] : why);
		return 1;
	}
	mxg_diag_free(&diag);
	memset(&r, 0, sizeof(r));
	r.engine = engine;
	r.now = 1700000000ULL * 1000000000ULL;
	if (mxg_src_table_create(&r.table, entries)) {
		fprintf(stderr, "bench_engine: cannot allocate the table\n");
		return 1;
	}
	build_benign(&benign, packets);
	build_smtp_mix(&mix, packets);
	build_syn4k(&syn4k, packets);
	build_flood(&flood, packets);

	printf("bench_engine: policy %s, %u packets per pass, best of %d\n",
	       policy, packets, ROUNDS);
	parse_b = best_of(&r, &benign, 0, 0);
	eng_b = best_of(&r, &benign, 1, 0);
	parse_m = best_of(&r, &mix, 0, 0);
	eng_m = best_of(&r, &mix, 1, 0);
	parse_s = best_of(&r, &syn4k, 0, 0);
	eng_s = best_of_burst(&r, &syn4k, 0);
	if (stages)
		stage_row(&r, &syn4k, 0, stages_s, sizeof(stages_s));

	/* Fill the table with flood sources until it is full (the flood
	 * sends two new keys per SYN: per-host and per-net). */
	for (fill = 0; fill < 2 * mxg_src_table_capacity(r.table);
	     fill += 2 * (uint64_t)flood.n) {
		refresh_sources(&flood);
		pass(&r, &flood, 1);
	}
	parse_f = best_of(&r, &flood, 0, 1);
	eng_f = best_of(&r, &flood, 1, 1);
	eng_fb = best_of_burst(&r, &flood, 1);
	if (stages)
		stage_row(&r, &flood, 1, stages_f, sizeof(stages_f));

	printf("  %-34s %10s %10s %8s\n", "traffic", "parse", "engine",
	       "ratio");
	printf("  %-34s %10.1f %10.1f %8.2f\n", "benign (no SMTP SYNs)",
	       parse_b, eng_b, eng_b / parse_b);
	printf("  %-34s %10.1f %10.1f %8.2f\n", "legitimate SMTP mix (5% SYN)",
	       parse_m, eng_m, eng_m / parse_m);
	printf("  %-34s %10.1f %10.1f %8.2f\n",
	       "SYNs from 4,096 sources, bursts", parse_s, eng_s,
	       eng_s / parse_s);
	printf("  %-34s %10.1f %10.1f %8.2f\n", "spoofed SYN flood, table full",
	       parse_f, eng_f, eng_f / parse_f);
	printf("  %-34s %10.1f %10.1f %8.2f\n",
	       "  same, bursts of 32, prefetched", parse_f, eng_fb,
	       eng_fb / parse_f);
	printf("  (cycles per packet; the engine column includes parsing)\n");
	printf("  table: %" PRIu64 " entries, %zu bytes, %.1f bytes/entry, "
	       "%" PRIu64 " present; inserts %" PRIu64 ", evictions lossless "
	       "%" PRIu64 " lossy %" PRIu64 "\n",
	       mxg_src_table_capacity(r.table), mxg_src_table_memory(r.table),
	       (double)mxg_src_table_memory(r.table) /
		       (double)mxg_src_table_capacity(r.table),
	       mxg_src_table_count(r.table), r.ts.inserts, r.ts.evict_lossless,
	       r.ts.evict_lossy);
	printf("  flood: engine / benign engine = %.1f\n", eng_f / eng_b);
	floor = line_floor(mxg_src_table_memory(r.table), 16);
	printf("  floor: one random 64-byte line read and written in %zu MiB, "
	       "prefetched 16 ahead: %.1f cycles; the prefetched flood costs "
	       "%.1f such lines per packet\n",
	       mxg_src_table_memory(r.table) >> 20, floor, eng_fb / floor);
	printf("  translation: a dependent load from 8,192 hot lines spread "
	       "over 512 KiB: %.1f cycles, over %zu MiB: %.1f cycles\n",
	       hot_lines(512 << 10, 8192), mxg_src_table_memory(r.table) >> 20,
	       hot_lines(mxg_src_table_memory(r.table) & ~(size_t)4095, 8192));
	/* Issue 12's rows, in its table's form. */
	printf("\n| where | traffic | now | goal |\n|---|---|---|---|\n");
	printf("| engine (`bench_engine`) | benign | %.0f cycles/pkt | ≤ 40 |\n",
	       eng_b);
	printf("| engine | SYNs from 4,096 sources, bursts of 32 | %.0f "
	       "cycles/pkt | |\n",
	       eng_s);
	printf("| engine | spoofed SYN flood into a full %" PRIu64
	       "-entry table, bursts of 32, prefetched | %.0f cycles/pkt | "
	       "**≤ 150** |\n",
	       mxg_src_table_capacity(r.table), eng_fb);
	printf("| engine | bytes per tracked source | %.1f | **≤ 16** |\n\n",
	       (double)mxg_src_table_memory(r.table) /
		       (double)mxg_src_table_capacity(r.table));
	if (stages) {
		printf("  stage by stage, cycles per packet (no overlap between "
		       "stages; bursts of 32):\n    %-24s %s\n",
		       "", stage_head);
		printf("    %-24s %s\n", "SYNs from 4,096 sources", stages_s);
		printf("    %-24s %s\n", "spoofed SYN flood, full", stages_f);
	}
	if (sweep) {
		static const uint32_t ds[] = { 0, 1, 2, 3, 4, 6, 8, 12, 16 };
		uint32_t k;

		/* The measurement behind MXG_ENGINE_PREFETCH_DISTANCE. */
		printf("  prefetch distance (candidates) -> cycles/packet, "
		       "bursts of 32: flood, SYNs from 4,096 sources\n");
		for (k = 0; k < sizeof(ds) / sizeof(ds[0]); k++) {
			distance = ds[k];
			printf("    %2u %10.1f %10.1f\n", ds[k],
			       best_of_burst(&r, &flood, 1),
			       best_of_burst(&r, &syn4k, 0));
		}
	}
	fprintf(stderr, "(sink %" PRIu64 ")\n", r.sink);
	mxg_src_table_destroy(r.table);
	mxg_engine_destroy(engine);
	free(image);
	return 0;
}
