// SPDX-License-Identifier: BSD-3-Clause
/*
 * Lookups per second: the portable LPM (dataplane/core/lpm.c) against DPDK's
 * rte_lpm / rte_lpm6 on the same prefixes and addresses, in the same run,
 * reported as a ratio (absolute numbers on a shared machine are noise).
 *
 * Prefix lists: a DROP-like IPv4 list (/12../32) of N4 prefixes and an
 * IPv6 list of N6. Addresses: random, and addresses at and inside listed
 * prefixes, 1 to 3. Each lookup's result feeds a checksum so the loop
 * cannot be optimised away; both sides must agree.
 *
 * The default N4 is 100,000, not the 1,000,000 of a full DROP list: DPDK
 * 22.11's rte_lpm_add scans its rules of the same depth linearly, so
 * adding n prefixes costs O(n^2) (minutes for 1M; the build times below
 * show the growth). The portable LPM builds 1M prefixes in milliseconds
 * (tests/bench/bench_policy_load.c). "bench_lpm 1000000 0" measures the
 * full size if you have the time.
 *
 * Usage: bench_lpm [N4 [N6 [LOOKUPS]]]   (defaults 100000 10000 20000000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>

#include "../lib/lpm_dpdk.h"
#include "../lib/prefixgen.h"
#include "lpm.h"

#define ADDRS (1u << 20) /* distinct addresses, looked up in turn */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	uint32_t n4 = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 100000;
	uint32_t n6 = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 10000;
	uint64_t lookups = argc > 3 ? strtoull(argv[3], NULL, 10) : 20000000;
	struct mxg_prefix4 *v4 = calloc(n4 ? n4 : 1, sizeof(*v4));
	struct mxg_prefix6 *v6 = calloc(n6 ? n6 : 1, sizeof(*v6));
	uint32_t *a4 = malloc(ADDRS * sizeof(*a4));
	uint8_t(*a6)[16] = malloc(ADDRS * sizeof(*a6));
	char prefix[64];
	char *eal[] = { "bench_lpm",   "--no-huge",
			"--no-pci",    "-m",
			"3072",	       "--no-telemetry",
			"--no-shconf", "-l",
			"0",	       "--log-level=lib.eal:error",
			prefix,	       NULL };
	struct lpm_dpdk d = { 0 };
	struct mxg_lpm *lpm;
	struct prefixgen g;
	uint64_t i, sum_p = 0, sum_d = 0;
	double t0, tp4, td4, tp6, td6, tb;
	uint32_t k4, k6;

	if (!v4 || !v6 || !a4 || !a6)
		return 1;
	snprintf(prefix, sizeof(prefix), "--file-prefix=mxg_bench_%d",
		 (int)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0) {
		fprintf(stderr, "bench_lpm: rte_eal_init failed\n");
		return 1;
	}
	prefixgen_seed(&g, 2026);
	/* DROP-like: lengths 12..32, most of them at /16../24. */
	k4 = prefixgen_v4(&g, v4, n4, 12, 0, 1000);
	k6 = prefixgen_v6(&g, v6, n6, 19, 4096, 1000);
	for (i = 0; i < ADDRS; i++) {
		a4[i] = prefixgen_addr4(&g, v4, k4);
		prefixgen_addr6(&g, v6, k6, a6[i]);
	}
	t0 = now_s();
	if (mxg_lpm_build(&lpm, v4, k4, v6, k6))
		return 1;
	tb = now_s() - t0;
	printf("prefixes: %u IPv4, %u IPv6; portable LPM built in %.3f s, %.1f MiB\n",
	       k4, k6, tb, mxg_lpm_memory(lpm) / 1048576.0);
	fflush(stdout);
	t0 = now_s();
	if (lpm_dpdk_build(&d, "bench", v4, k4, v6, k6)) {
		fprintf(stderr, "bench_lpm: rte_lpm build failed\n");
		return 1;
	}
	printf("rte_lpm/rte_lpm6 built in %.3f s\n", now_s() - t0);
	fflush(stdout);

	t0 = now_s();
	for (i = 0; i < lookups; i++)
		sum_p += mxg_lpm_lookup4(lpm, a4[i & (ADDRS - 1)]);
	tp4 = now_s() - t0;
	t0 = now_s();
	for (i = 0; i < lookups; i++)
		sum_d += lpm_dpdk_lookup4(&d, a4[i & (ADDRS - 1)]);
	td4 = now_s() - t0;
	if (sum_p != sum_d) {
		fprintf(stderr, "bench_lpm: IPv4 results differ\n");
		return 1;
	}
	sum_p = sum_d = 0;
	t0 = now_s();
	for (i = 0; i < lookups / 4; i++)
		sum_p += mxg_lpm_lookup6(lpm, a6[i & (ADDRS - 1)]);
	tp6 = now_s() - t0;
	t0 = now_s();
	for (i = 0; i < lookups / 4; i++)
		sum_d += lpm_dpdk_lookup6(&d, a6[i & (ADDRS - 1)]);
	td6 = now_s() - t0;
	if (sum_p != sum_d) {
		fprintf(stderr, "bench_lpm: IPv6 results differ\n");
		return 1;
	}
	printf("IPv4: portable %.1f M lookups/s, rte_lpm %.1f M lookups/s, portable/rte_lpm = %.2f\n",
	       lookups / tp4 / 1e6, lookups / td4 / 1e6, td4 / tp4);
	printf("IPv6: portable %.1f M lookups/s, rte_lpm6 %.1f M lookups/s, portable/rte_lpm6 = %.2f\n",
	       lookups / 4 / tp6 / 1e6, lookups / 4 / td6 / 1e6, td6 / tp6);
	lpm_dpdk_free(&d);
	mxg_lpm_free(lpm);
	rte_eal_cleanup();
	free(v4);
	free(v6);
	free(a4);
	free(a6);
	return 0;
}
