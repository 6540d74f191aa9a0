// SPDX-License-Identifier: BSD-3-Clause
/*
 * The portable LPM against a brute-force longest-prefix reference, on
 * random nested prefix lists (IPv4 and IPv6, with /0 and full-length
 * prefixes) and addresses at, inside and just outside prefix edges. Then
 * end to end: random CIDR sets compiled by the policy compiler, and each
 * address's set mask from one lookup compared with brute-force membership
 * in every set (the OR over covering prefixes).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../lib/prefixgen.h"
#include "lpm.h"
#include "policy_compile.h"

#define LOOKUPS 10000

struct lpm_case {
	const char *desc;
	uint64_t seed;
	uint32_t n4, n6;
	unsigned int min4, min6, clusters;
};

static const struct lpm_case cases[] = {
	{ "empty lists", 1, 0, 0, 0, 0, 0 },
	{ "one prefix each", 2, 1, 1, 8, 16, 1 },
	{ "default routes only", 3, 1, 1, 0, 0, 0 },
	{ "small, deeply nested", 4, 64, 64, 0, 0, 2 },
	{ "1000 nested in 8 clusters", 5, 1000, 1000, 8, 16, 8 },
	{ "1000 spread out", 6, 1000, 1000, 12, 24, 0 },
	{ "5000 DROP-like (/8../32)", 7, 5000, 2000, 8, 19, 64 },
	{ "host routes", 8, 3000, 3000, 30, 126, 16 },
	{ "8000 mixed", 9, 8000, 3000, 1, 1, 256 },
};

static void check_case(void **state)
{
	const struct lpm_case *c = *state;
	struct mxg_prefix4 *v4 = calloc(c->n4 + 2, sizeof(*v4));
	struct mxg_prefix6 *v6 = calloc(c->n6 + 2, sizeof(*v6));
	struct prefixgen g;
	struct mxg_lpm *lpm;
	uint32_t n4, n6, i;
	uint8_t a6[16];

	assert_non_null(v4);
	assert_non_null(v6);
	prefixgen_seed(&g, c->seed);
	n4 = prefixgen_v4(&g, v4, c->n4, c->min4, c->clusters, 1000);
	n6 = prefixgen_v6(&g, v6, c->n6, c->min6, c->clusters, 1000);
	assert_int_equal(mxg_lpm_build(&lpm, v4, n4, v6, n6), 0);
	assert_true(mxg_lpm_memory(lpm) > 0);
	/* Every prefix's first and last address, then random ones. */
	for (i = 0; i < n4; i++) {
		uint32_t last = v4[i].addr |
				(v4[i].len ? ~(~0u << (32 - v4[i].len)) : ~0u);

		assert_int_equal(mxg_lpm_lookup4(lpm, v4[i].addr),
				 prefixgen_lookup4(v4, n4, v4[i].addr));
		assert_int_equal(mxg_lpm_lookup4(lpm, last),
				 prefixgen_lookup4(v4, n4, last));
		if (n4 > 2000 && i > 200)
			break; /* the reference is O(n) per lookup */
	}
	for (i = 0; i < LOOKUPS; i++) {
		uint32_t a = prefixgen_addr4(&g, v4, n4);

		if (mxg_lpm_lookup4(lpm, a) != prefixgen_lookup4(v4, n4, a))
			fail_msg("IPv4 %08x: %u, reference %u", a,
				 mxg_lpm_lookup4(lpm, a),
				 prefixgen_lookup4(v4, n4, a));
		if (n4 > 2000 && i > 4000)
			break;
	}
	for (i = 0; i < LOOKUPS; i++) {
		prefixgen_addr6(&g, v6, n6, a6);
		assert_int_equal(mxg_lpm_lookup6(lpm, a6),
				 prefixgen_lookup6(v6, n6, a6));
		if (n6 > 2000 && i > 4000)
			break;
	}
	mxg_lpm_free(lpm);
	free(v4);
	free(v6);
}

static void rejects_bad_lists(void **state)
{
	struct mxg_prefix4 v4[2] = { { .addr = 0xc0000200, .len = 24 },
				     { .addr = 0xc0000000, .len = 16 } };
	struct mxg_prefix6 v6[1] = { { .len = 129 } };
	struct mxg_lpm *lpm = (void *)1;

	(void)state;
	assert_int_equal(mxg_lpm_build(&lpm, v4, 2, NULL, 0), -EINVAL);
	assert_null(lpm);
	v4[0].addr = 0xc0000201; /* host bits */
	assert_int_equal(mxg_lpm_build(&lpm, v4, 1, NULL, 0), -EINVAL);
	v4[0].addr = 0xc0000200;
	v4[0].len = 33;
	assert_int_equal(mxg_lpm_build(&lpm, v4, 1, NULL, 0), -EINVAL);
	v4[0].len = 24;
	v4[1] = v4[0]; /* repeated */
	assert_int_equal(mxg_lpm_build(&lpm, v4, 2, NULL, 0), -EINVAL);
	assert_int_equal(mxg_lpm_build(&lpm, NULL, 0, v6, 1), -EINVAL);
	v6[0].len = 64;
	v6[0].addr[15] = 1;
	assert_int_equal(mxg_lpm_build(&lpm, NULL, 0, v6, 1), -EINVAL);
	mxg_lpm_free(NULL);
}

/* Compiled sets vs brute-force membership, through one lookup each. */
#define E2E_SETS    6
#define E2E_PER_SET 40
#define E2E_ADDRS   20000

static void compiled_classes(void **state)
{
	static struct mxg_prefix4 p4[E2E_SETS][E2E_PER_SET];
	static struct mxg_prefix6 p6[E2E_SETS][E2E_PER_SET];
	uint32_t n4[E2E_SETS], n6[E2E_SETS];
	struct mxg_policy_header *h;
	struct mxg_diag diag;
	struct prefixgen g;
	struct mxg_lpm *lpm;
	size_t cap = 1 << 20, len = 0;
	char *text = malloc(cap), a[INET6_ADDRSTRLEN];
	uint32_t s, i, k;
	uint8_t b[16];

	(void)state;
	assert_non_null(text);
	prefixgen_seed(&g, 42);
	len += (size_t)snprintf(text + len, cap - len,
				"{\"version\":1,\"sets\":{");
	for (s = 0; s < E2E_SETS; s++) {
		/* Few clusters: the sets overlap and nest across each other. */
		n4[s] = prefixgen_v4(&g, p4[s], E2E_PER_SET, 4, 3, 1);
		n6[s] = prefixgen_v6(&g, p6[s], E2E_PER_SET, 8, 3, 1);
		len += (size_t)snprintf(text + len, cap - len, "%s\"s%u\":[",
					s ? "," : "", s);
		for (i = 0; i < n4[s]; i++) {
			uint32_t x = htonl(p4[s][i].addr);

			inet_ntop(AF_INET, &x, a, sizeof(a));
			len += (size_t)snprintf(text + len, cap - len,
						"\"%s/%u\",", a, p4[s][i].len);
		}
		for (i = 0; i < n6[s]; i++) {
			inet_ntop(AF_INET6, p6[s][i].addr, a, sizeof(a));
			len += (size_t)snprintf(text + len, cap - len,
						"%s\"%s/%u\"", i ? "," : "", a,
						p6[s][i].len);
		}
		len += (size_t)snprintf(text + len, cap - len, "]");
	}
	len += (size_t)snprintf(
		text + len, cap - len,
		"},\"rules\":[{\"name\":\"r\",\"src\":\"@s0\",\"action\":\"deny\"}]}");
	mxg_diag_init(&diag);
	assert_int_equal(mxg_policy_compile_buffer("e2e.json", text, len, NULL,
						   &h, &diag),
			 0);
	mxg_diag_free(&diag);
	assert_int_equal(h->n_sets, E2E_SETS);
	assert_int_equal(mxg_lpm_build(&lpm, mxg_policy_v4(h), h->n_v4,
				       mxg_policy_v6(h), h->n_v6),
			 0);
	for (k = 0; k < E2E_ADDRS; k++) {
		const struct mxg_setmask *m;
		uint32_t addr =
			prefixgen_addr4(&g, p4[k % E2E_SETS], n4[k % E2E_SETS]);

		m = &mxg_policy_classes(h)[mxg_lpm_lookup4(lpm, addr)];
		for (s = 0; s < E2E_SETS; s++)
			assert_int_equal(mxg_setmask_test(m, s),
					 prefixgen_lookup4(p4[s], n4[s],
							   addr) != 0);
		prefixgen_addr6(&g, p6[k % E2E_SETS], n6[k % E2E_SETS], b);
		m = &mxg_policy_classes(h)[mxg_lpm_lookup6(lpm, b)];
		for (s = 0; s < E2E_SETS; s++)
			assert_int_equal(mxg_setmask_test(m, s),
					 prefixgen_lookup6(p6[s], n6[s], b) !=
						 0);
	}
	mxg_lpm_free(lpm);
	free(h);
	free(text);
}

int main(void)
{
	size_t n = sizeof(cases) / sizeof(cases[0]), i;
	struct CMUnitTest *tests = calloc(n + 2, sizeof(*tests));
	int rc;

	if (!tests)
		return 1;
	for (i = 0; i < n; i++) {
		tests[i].name = cases[i].desc;
		tests[i].test_func = check_case;
		tests[i].initial_state = (void *)&cases[i];
	}
	tests[i].name = "bad prefix lists are refused";
	tests[i++].test_func = rejects_bad_lists;
	tests[i].name = "compiled classes = brute-force set membership";
	tests[i++].test_func = compiled_classes;
	rc = _cmocka_run_group_tests("portable LPM", tests, i, NULL, NULL);
	free(tests);
	return rc;
}
