// SPDX-License-Identifier: BSD-3-Clause
/*
 * Benchmark: the top-sources tracker (dataplane/core/top_sources.h) as
 * mxgate-dp's worker drives it: bursts of 32 attempts, every bucket
 * prefetched (mxg_top_prefetch) before the burst's updates
 * (mxg_top_update). Not a test: it reports numbers.
 *
 * Cycles per attempt (rdtsc), on one core, for a bounded tracker of the
 * data plane's default capacity (2^20):
 *   - 4096 sources, in a random order (the table-in-cache SYN row of
 *     bench_dp.sh);
 *   - a spoofed flood: every attempt a new random source, 20% IPv6, into
 *     a full tracker (2^21 sources first), so every one replaces the
 *     least active source of a full bucket;
 *   - an adversarial flood: 256 sources that all hash to one bucket,
 *     found with the tracker's own seed (the worst case: no attacker has
 *     it), to show that the cost does not depend on the input;
 * each clean, and "polluted": 2 KiB of other memory streamed per attempt
 * (as the pcap PMD's copies and the mbufs evict the tracker from the
 * caches on the real path). For reference, the exact tracker (replay)
 * on the spoofed flood, and the bytes per tracked source. Each figure is
 * the best of ROUNDS runs: on a shared machine, other load only ever
 * slows a run down.
 *
 * Usage: bench_top_sources [--attempts N]   (per run; default 200,000)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

#include "mxgate/pkt.h"
#include "top_sources.h"

#define BURST	    32
#define CAPACITY    (1u << 20)
#define POLLUTE_MB  64
#define POLLUTE_PER 2048 /* bytes streamed per attempt, polluted runs */
#define ROUNDS	    15
#define ADV_SOURCES 256 /* 2^17 tries each to find */

struct src {
	uint8_t family;
	uint8_t addr[16];
};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void random_src(struct src *s)
{
	uint64_t a = rnd(), b = rnd();

	memset(s, 0, sizeof(*s));
	s->family = rnd() % 5 == 0 ? MXG_AF_INET6 : MXG_AF_INET;
	memcpy(s->addr, &a, 8);
	if (s->family == MXG_AF_INET6)
		memcpy(s->addr + 8, &b, 8);
	else
		memset(s->addr + 4, 0, 12);
}

static uint8_t *pollute;
static size_t pollute_off;
static volatile uint64_t sink;

/* Stream n bytes of other memory through the caches. */
static void stream(size_t n)
{
	uint64_t x = 0;
	size_t i;

	for (i = 0; i < n; i += 64) {
		x += pollute[pollute_off];
		pollute[pollute_off] = (uint8_t)x;
		pollute_off = (pollute_off + 64) % ((size_t)POLLUTE_MB << 20);
	}
	sink += x;
}

/* Drive t with 'attempts' attempts from srcs[i % n] (n = 0: a fresh
 * random source each); cycles per attempt. */
static double drive(struct mxg_top_sources *t, const struct src *srcs,
		    uint64_t n, uint64_t attempts, int polluted)
{
	struct src burst[BURST];
	uint64_t i, k, c0, cycles = 0, now = 1700000000ULL * 1000000000ULL;

	for (i = 0; i < attempts; i += BURST) {
		for (k = 0; k < BURST; k++) {
			if (n)
				burst[k] = srcs[(i + k) % n];
			else
				random_src(&burst[k]);
		}
		if (polluted)
			stream((size_t)POLLUTE_PER * BURST);
		c0 = __rdtsc();
		for (k = 0; k < BURST; k++)
			mxg_top_prefetch(t, burst[k].family, burst[k].addr);
		for (k = 0; k < BURST; k++)
			mxg_top_update(t, burst[k].family, burst[k].addr,
				       (int)(k & 1), now + i + k);
		cycles += __rdtsc() - c0;
	}
	return (double)cycles / (double)attempts;
}

static struct mxg_top_sources *fresh(int exact)
{
	struct mxg_top_sources *t;
	int rc = exact ? mxg_top_create_exact(&t) :
			 mxg_top_create(&t, CAPACITY);

	if (rc) {
		fprintf(stderr, "bench_top_sources: cannot create: %d\n", rc);
		exit(1);
	}
	return t;
}

int main(int argc, char **argv)
{
	uint64_t attempts = 200000, i, n;
	struct mxg_top_sources *t;
	struct src *hot, *adv;
	int polluted;

	if (argc == 3 && strcmp(argv[1], "--attempts") == 0)
		attempts = strtoull(argv[2], NULL, 10);
	else if (argc != 1) {
		fprintf(stderr, "usage: bench_top_sources [--attempts N]\n");
		return 2;
	}
	attempts -= attempts % BURST;
	pollute = calloc((size_t)POLLUTE_MB << 20, 1);
	hot = calloc(4096, sizeof(*hot));
	adv = calloc(ADV_SOURCES, sizeof(*adv));
	if (!pollute || !hot || !adv)
		return 1;
	for (i = 0; i < 4096; i++)
		random_src(&hot[i]);

	printf("bench_top_sources: cycles per attempt, best of %d runs of "
	       "%" PRIu64 " attempts, bursts of %d, prefetched; bounded "
	       "tracker of %u sources\n",
	       ROUNDS, attempts, BURST, CAPACITY);
	printf("%-34s %10s %10s\n", "workload", "clean", "polluted");
	for (int w = 0; w < 3; w++) {
		const struct src *srcs = w == 0 ? hot : w == 2 ? adv : NULL;
		uint64_t n_srcs = w == 0 ? 4096 : w == 2 ? ADV_SOURCES : 0;
		double c[2] = { 1e18, 1e18 }, x;

		/* One tracker per workload, in its steady state first. */
		t = fresh(0);
		if (w == 2) { /* sources colliding under its seed */
			struct src s;

			for (n = 0; n < ADV_SOURCES;) {
				random_src(&s);
				s.family = MXG_AF_INET;
				memset(s.addr + 4, 0, 12);
				if (mxg_top_bucket_of(t, s.family, s.addr) == 0)
					adv[n++] = s;
			}
		}
		/* the flood: full, every bucket replacing */
		drive(t, srcs, n_srcs, w == 1 ? 2ULL * CAPACITY : 4096, 0);
		for (int r = 0; r < 2 * ROUNDS; r++) {
			polluted = r % 2;
			x = drive(t, srcs, n_srcs, attempts, polluted);
			if (x < c[polluted])
				c[polluted] = x;
		}
		mxg_top_destroy(t);
		printf("%-34s %10.1f %10.1f\n",
		       w == 0 ? "4096 sources (hits)" :
		       w == 1 ? "spoofed flood (replacements)" :
				"adversarial: one bucket",
		       c[0], c[1]);
	}
	t = fresh(1);
	printf("%-34s %10.1f %10s\n", "exact tracker, spoofed (replay)",
	       drive(t, NULL, 0, attempts, 0), "-");
	mxg_top_destroy(t);
	printf("bytes per tracked source (bounded): %.1f (a hot cache line "
	       "per %d sources, a 64-byte entry each)\n",
	       (64.0 + MXG_TOP_WAYS * 64.0) / MXG_TOP_WAYS, MXG_TOP_WAYS);
	free(pollute);
	free(hot);
	free(adv);
	return (int)(sink & 0);
}
