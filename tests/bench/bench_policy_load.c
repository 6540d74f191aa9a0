// SPDX-License-Identifier: BSD-3-Clause
/*
 * Loading a 1,000,000-prefix Spamhaus-DROP-format list: writes
 * build/bench/drop-1m.txt (distinct random prefixes, /11../24, "CIDR ;
 * SBLnnnn" lines) and a policy that denies it, then compiles the policy
 * (read, parse, sort, dedup, class walk, image) and builds the portable
 * LPM. Reports wall time for each and the peak RSS of the process.
 *
 * Usage: bench_policy_load [N] [DIR]   (defaults 1000000 build/bench)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "lpm.h"
#include "policy_compile.h"
#include "policy_image.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static long peak_rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	const char *dir = argc > 2 ? argv[2] : "build/bench";
	char drop[4096], policy[4096];
	struct mxg_policy_header *image;
	struct mxg_diag diag;
	struct mxg_lpm *lpm;
	uint64_t x = 0x2545f4914f6cdd1dULL;
	unsigned long i;
	double t0, t_compile, t_check, t_lpm;
	long rss0;
	FILE *f;

	snprintf(drop, sizeof(drop), "%s/drop-%lu.txt", dir, n);
	snprintf(policy, sizeof(policy), "%s/drop-%lu.json", dir, n);
	f = fopen(drop, "w");
	if (!f) {
		perror(drop);
		return 1;
	}
	fprintf(f, "; Spamhaus DROP-format benchmark list, %lu prefixes\n", n);
	/*
	 * All distinct: 7 in 8 are /24s at distinct slots (a fixed
	 * permutation of i); the others are /16../23, the j-th of each
	 * length at its own network, so they cover (nest over) /24s.
	 */
	for (i = 0; i < n; i++) {
		static uint32_t count[33];
		uint32_t slot = (uint32_t)(i * 2654435761u) & 0xffffff;
		unsigned int len;
		uint32_t a;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		len = x % 8 ? 24 : 16 + (unsigned int)(x >> 40) % 8;
		if (len == 24)
			a = slot << 8;
		else
			a = (count[len]++ * 2654435761u) << (32 - len);
		fprintf(f, "%u.%u.%u.%u/%u ; SBL%lu\n", a >> 24,
			(a >> 16) & 255, (a >> 8) & 255, a & 255, len,
			100000 + i);
	}
	fclose(f);
	f = fopen(policy, "w");
	if (!f) {
		perror(policy);
		return 1;
	}
	fprintf(f,
		"{\"version\": 1, \"sets\": {\"drop\": {\"file\": \"drop-%lu.txt\", \"format\": \"spamhaus-drop\"}},\n"
		" \"rules\": [{\"name\": \"drop-list\", \"src\": \"@drop\", \"action\": \"deny\"},\n"
		"           {\"name\": \"per-host\", \"limit\": {\"rate\": \"20/min\", \"burst\": 10}}]}\n",
		n);
	fclose(f);

	rss0 = peak_rss_kib();
	mxg_diag_init(&diag);
	t0 = now_s();
	if (mxg_policy_compile_file(policy, &image, &diag)) {
		for (i = 0; i < diag.stored; i++)
			fprintf(stderr, "%s\n", diag.lines[i]);
		return 1;
	}
	t_compile = now_s() - t0;
	mxg_diag_free(&diag);
	t0 = now_s();
	if (mxg_policy_image_check(image, image->total_len, NULL))
		return 1;
	t_check = now_s() - t0;
	t0 = now_s();
	if (mxg_lpm_build(&lpm, mxg_policy_v4(image), image->n_v4,
			  mxg_policy_v6(image), image->n_v6))
		return 1;
	t_lpm = now_s() - t0;
	printf("%s: %lu lines, %lu distinct prefixes, %u classes, image %.1f MiB\n",
	       drop, n, mxg_policy_prefix_count(image), image->n_classes,
	       image->total_len / 1048576.0);
	printf("compile (read+parse+validate+image): %.3f s\n", t_compile);
	printf("image check: %.3f s; portable LPM build: %.3f s (%.1f MiB)\n",
	       t_check, t_lpm, mxg_lpm_memory(lpm) / 1048576.0);
	printf("peak RSS: %.1f MiB (%.1f MiB before compiling)\n",
	       peak_rss_kib() / 1024.0, rss0 / 1024.0);
	mxg_lpm_free(lpm);
	free(image);
	return 0;
}
