// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxgated's prefixes (control/daemon/ctld_pfx.c), which decide what the
 * BGP export and the feeds may announce: parse and format (canonical,
 * host bits and bad text refused), order, containment and overlap at
 * every bit boundary, the sorted set's overlap search against a brute
 * force over random IPv4 and IPv6 sets (prefixes inside, covering, equal,
 * disjoint, the other family), and the never-announce sets taken from a
 * compiled image (allow rules' sources, protected; deny sets and limits
 * left out; the SMTP ports).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctld_ext.h"
#include "policy_compile.h"

static struct pfx P(const char *cidr) {
	struct pfx p;

	if (pfx_parse(cidr, &p))
		fail_msg("pfx_parse(\"%s\") failed", cidr);
	return p;
}

static void
parse_and_format(void **state)
{
	static const char *const good[][2] = {
		{ "192.0.2.0/24", "192.0.2.0/24" },
		{ "192.0.2.1", "192.0.2.1/32" },
		{ "0.0.0.0/0", "0.0.0.0/0" },
		{ "2001:db8::/32", "2001:db8::/32" },
		{ "2001:0db8:0000::1", "2001:db8::1/128" },
		{ "::/0", "::/0" },
		{ "198.51.100.128/25", "198.51.100.128/25" },
	};
	static const char *const bad[] = {
		"",
		"/24",
		"192.0.2.1/24",
		"192.0.2.0/33",
		"192.0.2.0/-1",
		"192.0.2.0/",
		"192.0.2.0/2x",
		"2001:db8::/129",
		"2001:db8::1/64",
		"example.test",
		"192.0.2.0/24/1",
	};
	char out[DYN_CIDR_LEN];
	struct pfx p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(pfx_parse(good[i][0], &p), 0);
		pfx_format(&p, out, sizeof(out));
		assert_string_equal(out, good[i][1]);
	}
	p = P("203.0.113.0/24");
	assert_int_equal(p.fam, 4);
	assert_int_equal(p.len, 24);
	assert_int_equal(p.a[0], 203);
	assert_int_equal(p.a[3], 0);
	p = P("2001:db8:66::/48");
	assert_int_equal(p.fam, 6);
	assert_int_equal(p.len, 48);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (pfx_parse(bad[i], &p) != -EINVAL)
			fail_msg("pfx_parse(\"%s\") accepted", bad[i]);
}

static void order_contains_overlaps(void **state)
{
	struct pfx a = P("192.0.2.0/24"), b = P("192.0.2.128/25"),
		   c = P("192.0.3.0/24"), d = P("192.0.2.0/23"), v6 = P("::/0"),
		   v4all = P("0.0.0.0/0");

	(void)state;
	assert_true(pfx_cmp(&a, &a) == 0);
	assert_true(pfx_cmp(&a, &b) < 0);  /* by address */
	assert_true(pfx_cmp(&d, &a) < 0);  /* same address: shorter first */
	assert_true(pfx_cmp(&a, &v6) < 0); /* IPv4 first */
	assert_true(pfx_contains(&a, &b));
	assert_false(pfx_contains(&b, &a));
	assert_true(pfx_contains(&a, &a));
	assert_true(pfx_contains(&d, &a) && pfx_contains(&d, &c));
	assert_false(pfx_overlaps(&a, &c));
	assert_true(pfx_overlaps(&b, &d) && pfx_overlaps(&d, &b));
	assert_true(pfx_contains(&v4all, &c));
	/* never across families, not even ::/0 and 0.0.0.0/0 */
	assert_false(pfx_overlaps(&v6, &v4all));
	assert_false(pfx_overlaps(&v6, &a));
}

/* Every boundary: x/len and its neighbour differing in bit 'len' - 1. */
static void bit_boundaries(void **state)
{
	unsigned int fam, len, bits;

	(void)state;
	for (fam = 4; fam <= 6; fam += 2) {
		bits = fam == 4 ? 32 : 128;
		for (len = 1; len <= bits; len++) {
			struct pfx x = { 0 }, y, host;

			x.fam = (uint8_t)fam;
			x.len = (uint8_t)len;
			memset(x.a, 0, sizeof(x.a));
			x.a[0] = fam == 4 ? 10 : 0x20;
			y = x;
			y.a[(len - 1) / 8] ^=
				(uint8_t)(0x80 >> ((len - 1) % 8));
			assert_false(pfx_overlaps(&x, &y));
			host = x;
			host.len = (uint8_t)bits;
			if (len < bits)
				host.a[bits / 8 - 1] |= 1;
			assert_true(pfx_contains(&x, &host));
			assert_int_equal(pfx_contains(&y, &host), 0);
			x.len = (uint8_t)(len - 1);
			assert_true(pfx_contains(&x, &y));
		}
	}
}

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* A random prefix in a small space (so that sets and queries overlap):
 * 10.0.0.0/12 or 2001:db8::/44, lengths from 8 (resp. 32) up. */
static struct pfx random_pfx(unsigned int fam)
{
	struct pfx p = { 0 };
	unsigned int bits = fam == 4 ? 32 : 128, b;

	p.fam = (uint8_t)fam;
	if (fam == 4) {
		p.a[0] = 10;
		p.a[1] = (uint8_t)(rnd() & 0x0f);
		p.a[2] = (uint8_t)(rnd() & 0x03);
		p.a[3] = (uint8_t)rnd();
		p.len = (uint8_t)(8 + rnd() % 25);
	} else {
		p.a[0] = 0x20;
		p.a[1] = 0x01;
		p.a[2] = 0x0d;
		p.a[3] = 0xb8;
		p.a[5] = (uint8_t)(rnd() & 0x0f);
		p.a[6] = (uint8_t)(rnd() & 0x03);
		p.a[15] = (uint8_t)rnd();
		p.len = (uint8_t)(32 + rnd() % 97);
	}
	for (b = p.len; b < bits; b++)
		p.a[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
	return p;
}

static int brute_overlaps(const struct pfx_set *s, const struct pfx *p)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (pfx_overlaps(&s->v[i], p))
			return 1;
	return 0;
}

static void set_overlaps_vs_brute_force(void **state)
{
	unsigned int round, q, hits = 0, misses = 0;

	(void)state;
	for (round = 0; round < 40; round++) {
		struct pfx_set s = { 0 };
		unsigned int n = 1 + rnd() % (round < 20 ? 8 : 200), i;

		for (i = 0; i < n; i++) {
			struct pfx p = random_pfx(rnd() % 3 ? 4 : 6);

			assert_int_equal(pfx_set_add(&s, &p), 0);
			if (rnd() % 4 == 0) /* duplicates too */
				assert_int_equal(pfx_set_add(&s, &p), 0);
		}
		pfx_set_sort(&s);
		for (i = 1; i < s.n; i++)
			assert_true(pfx_cmp(&s.v[i - 1], &s.v[i]) <= 0);
		for (q = 0; q < 500; q++) {
			struct pfx p = q < 50 ? s.v[rnd() % s.n] :
						random_pfx(rnd() % 3 ? 4 : 6);
			int want = brute_overlaps(&s, &p);

			if (pfx_set_overlaps(&s, &p) != want) {
				char c[DYN_CIDR_LEN];

				pfx_format(&p, c, sizeof(c));
				fail_msg(
					"round %u: %s: overlaps %d, brute force %d",
					round, c, !want, want);
			}
			want ? hits++ : misses++;
		}
		pfx_set_free(&s);
		assert_null(s.v);
		assert_int_equal(s.n, 0);
	}
	/* both answers were exercised, many times */
	assert_true(hits > 1000 && misses > 1000);
}

static void empty_set(void **state)
{
	struct pfx_set s = { 0 };
	struct pfx p = P("0.0.0.0/0");

	(void)state;
	pfx_set_sort(&s);
	assert_false(pfx_set_overlaps(&s, &p));
	pfx_set_free(&s);
}

static void never_announce_from_image(void **state)
{
	static const char text[] =
		"{\"version\": 1, \"smtp_ports\": [25, 2525],\n"
		" \"protected\": [\"198.51.100.0/24\", \"2001:db8:25::/64\"],\n"
		" \"sets\": {\"partners\": [\"192.0.2.0/26\", \"2001:db8:aa::/48\"],\n"
		"          \"bad\": [\"203.0.113.0/24\"]},\n"
		" \"rules\": [\n"
		"  {\"name\": \"partners\", \"src\": \"@partners\", \"action\": \"allow\"},\n"
		"  {\"name\": \"friend\", \"src\": \"192.0.2.200\", \"action\": \"allow\"},\n"
		"  {\"name\": \"bad\", \"src\": \"@bad\", \"action\": \"deny\"},\n"
		"  {\"name\": \"lim\", \"src\": \"10.0.0.0/8\", \"limit\": {\"rate\": \"1/s\", \"burst\": 1}}]}";
	static const struct {
		const char *cidr, *why;
	} rows[] = {
		{ "192.0.2.0/26", "allow" },   /* the set itself */
		{ "192.0.2.5/32", "allow" },   /* inside */
		{ "192.0.2.0/24", "allow" },   /* covering */
		{ "192.0.2.64/26", NULL },     /* its neighbour */
		{ "192.0.2.200/32", "allow" }, /* an inline allow */
		{ "192.0.2.192/26", "allow" }, /* covering that one */
		{ "192.0.2.128/26", NULL },
		{ "198.51.100.7/32", "protected" },
		{ "198.51.0.0/16", "protected" },
		{ "0.0.0.0/0", "protected" }, /* protected first */
		{ "2001:db8:aa:1::/64", "allow" },
		{ "2001:db8::/32", "protected" },
		{ "2001:db8:25::1/128", "protected" },
		{ "2001:db8:bb::/48", NULL },
		{ "203.0.113.0/24", NULL }, /* a deny set: announce it */
		{ "10.1.2.3/32", NULL },    /* a limit's source */
	};
	struct mxg_policy_header *image = NULL;
	struct no_announce na = { 0 };
	struct mxg_diag diag;
	size_t i;

	(void)state;
	mxg_diag_init(&diag);
	assert_int_equal(mxg_policy_compile_buffer("policy.json", text,
						   strlen(text), NULL, &image,
						   &diag),
			 0);
	mxg_diag_free(&diag);
	assert_int_equal(no_announce_from_image(image, &na), 0);
	assert_int_equal(na.n_ports, 2);
	assert_int_equal(na.ports[0], 25);
	assert_int_equal(na.ports[1], 2525);
	assert_int_equal(na.allow.n, 3);
	assert_int_equal(na.protect.n, 2);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct pfx p = P(rows[i].cidr);
		const char *why = no_announce_why(&na, &p);

		if (!rows[i].why ? why != NULL :
				   !why || strcmp(why, rows[i].why))
			fail_msg("%s: got %s, want %s", rows[i].cidr,
				 why ? why : "(may be announced)",
				 rows[i].why ? rows[i].why :
					       "(may be announced)");
	}
	/* a second image replaces the sets (the old ones freed) */
	assert_int_equal(no_announce_from_image(image, &na), 0);
	assert_int_equal(na.allow.n, 3);
	no_announce_free(&na);
	assert_int_equal(na.allow.n, 0);
	assert_int_equal(na.n_ports, 0);
	free(image);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_and_format),
		cmocka_unit_test(order_contains_overlaps),
		cmocka_unit_test(bit_boundaries),
		cmocka_unit_test(set_overlaps_vs_brute_force),
		cmocka_unit_test(empty_set),
		cmocka_unit_test(never_announce_from_image),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
