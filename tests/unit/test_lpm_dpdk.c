// SPDX-License-Identifier: BSD-3-Clause
/*
 * The portable LPM against DPDK's rte_lpm / rte_lpm6: the same prefix
 * lists must give the same class for random addresses (and for every
 * prefix's first and last address). EAL runs without hugepages, PCI or
 * shared config, on one lcore, so the test runs anywhere, under ASan too.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>

#include "../lib/lpm_dpdk.h"
#include "../lib/prefixgen.h"
#include "lpm.h"
#include "policy_compile.h"

#define LOOKUPS 200000

struct dpdk_case {
	const char *desc;
	uint64_t seed;
	uint32_t n4, n6;
	unsigned int min4, min6, clusters;
	uint32_t max_class;
};

static const struct dpdk_case cases[] = {
	{ "one prefix each", 11, 1, 1, 8, 16, 1, 10 },
	{ "with default routes", 12, 40, 40, 0, 0, 2, 100 },
	{ "1000 nested", 13, 1000, 1000, 8, 16, 8, 1000 },
	{ "10000 DROP-like", 14, 10000, 2000, 8, 19, 512, 1000 },
	{ "5000 long prefixes", 15, 5000, 2000, 20, 40, 64, 5000 },
	{ "100000 spread out", 16, 100000, 5000, 8, 16, 0, 1000 },
	{ "class ids up to 2^20 - 1", 17, 2000, 2000, 4, 8, 16,
	  MXG_CLASSES_MAX - 1 },
};

static int eal_ok;

static void compare(const struct mxg_prefix4 *v4, uint32_t n4,
		    const struct mxg_prefix6 *v6, uint32_t n6,
		    struct prefixgen *g, const char *name)
{
	struct lpm_dpdk d = { 0 };
	struct mxg_lpm *lpm;
	uint32_t i;
	uint8_t a6[16];

	assert_int_equal(mxg_lpm_build(&lpm, v4, n4, v6, n6), 0);
	assert_int_equal(lpm_dpdk_build(&d, name, v4, n4, v6, n6), 0);
	for (i = 0; i < n4; i++) {
		uint32_t last = v4[i].addr |
				(v4[i].len ? ~(~0u << (32 - v4[i].len)) : ~0u);

		assert_int_equal(mxg_lpm_lookup4(lpm, v4[i].addr),
				 lpm_dpdk_lookup4(&d, v4[i].addr));
		assert_int_equal(mxg_lpm_lookup4(lpm, last),
				 lpm_dpdk_lookup4(&d, last));
	}
	for (i = 0; i < LOOKUPS; i++) {
		uint32_t a = prefixgen_addr4(g, v4, n4);

		if (mxg_lpm_lookup4(lpm, a) != lpm_dpdk_lookup4(&d, a))
			fail_msg("IPv4 %08x: portable %u, rte_lpm %u", a,
				 mxg_lpm_lookup4(lpm, a),
				 lpm_dpdk_lookup4(&d, a));
		prefixgen_addr6(g, v6, n6, a6);
		if (mxg_lpm_lookup6(lpm, a6) != lpm_dpdk_lookup6(&d, a6))
			fail_msg("IPv6: portable %u, rte_lpm6 %u",
				 mxg_lpm_lookup6(lpm, a6),
				 lpm_dpdk_lookup6(&d, a6));
	}
	lpm_dpdk_free(&d);
	mxg_lpm_free(lpm);
}

static void check_case(void **state)
{
	const struct dpdk_case *c = *state;
	struct mxg_prefix4 *v4 = calloc(c->n4, sizeof(*v4));
	struct mxg_prefix6 *v6 = calloc(c->n6, sizeof(*v6));
	struct prefixgen g;
	uint32_t n4, n6;
	char name[32];

	if (!eal_ok)
		skip();
	assert_non_null(v4);
	assert_non_null(v6);
	prefixgen_seed(&g, c->seed);
	n4 = prefixgen_v4(&g, v4, c->n4, c->min4, c->clusters, c->max_class);
	n6 = prefixgen_v6(&g, v6, c->n6, c->min6, c->clusters, c->max_class);
	snprintf(name, sizeof(name), "t%llu", (unsigned long long)c->seed);
	compare(v4, n4, v6, n6, &g, name);
	free(v4);
	free(v6);
}

/* The compiled examples, classified by both. */
static void examples(void **state)
{
	static const char *const files[] = {
		"control/examples/default.json",
		"control/examples/isp-egress.json",
		"control/examples/monitor.json",
		"control/examples/drop-list.json",
	};
	struct prefixgen g;
	size_t i;

	(void)state;
	if (!eal_ok)
		skip();
	prefixgen_seed(&g, 99);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct mxg_policy_header *h;
		struct mxg_diag diag;
		char name[16];

		mxg_diag_init(&diag);
		assert_int_equal(mxg_policy_compile_file(files[i], &h, &diag),
				 0);
		mxg_diag_free(&diag);
		snprintf(name, sizeof(name), "ex%zu", i);
		compare(mxg_policy_v4(h), h->n_v4, mxg_policy_v6(h), h->n_v6,
			&g, name);
		free(h);
	}
}

static int eal_setup(void **state)
{
	char prefix[64];
	char *argv[] = { "test_lpm_dpdk",
			 "--no-huge",
			 "--no-pci",
			 "-m",
			 "1024",
			 "--no-telemetry",
			 "--no-shconf",
			 "-l",
			 "0",
			 "--log-level=lib.eal:error",
			 prefix,
			 NULL };
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;

	(void)state;
	snprintf(prefix, sizeof(prefix), "--file-prefix=mxg_lpm_%d",
		 (int)getpid());
	if (rte_eal_init(argc, argv) < 0) {
		print_message("rte_eal_init failed (%s): skipping\n",
			      rte_strerror(rte_errno));
		return 0;
	}
	eal_ok = 1;
	return 0;
}

static int eal_teardown(void **state)
{
	(void)state;
	if (eal_ok)
		rte_eal_cleanup();
	return 0;
}

int main(void)
{
	size_t n = sizeof(cases) / sizeof(cases[0]), i;
	struct CMUnitTest *tests = calloc(n + 1, sizeof(*tests));
	int rc;

	if (!tests)
		return 1;
	for (i = 0; i < n; i++) {
		tests[i].name = cases[i].desc;
		tests[i].test_func = check_case;
		tests[i].initial_state = (void *)&cases[i];
	}
	tests[i].name = "compiled examples";
	tests[i++].test_func = examples;
	rc = _cmocka_run_group_tests("portable LPM vs rte_lpm", tests, i,
				     eal_setup, eal_teardown);
	free(tests);
	return rc;
}
