// SPDX-License-Identifier: BSD-3-Clause
/*
 * Bucket keys (include/mxgate/key.h): mxg_key_addr, written on 64-bit
 * words for the BPF verifier, equals the byte-by-byte definition (an
 * address cut to its first plen bits, IPv4 as ::ffff:a.b.c.d, plen
 * clamped to the family's length) for every prefix length, IPv4 and
 * IPv6, on random and edge addresses; mxg_rule_key picks the address
 * and the length by the rule's key kind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mxgate/key.h"

/* The definition, one byte at a time. */
static void key_addr_model(uint8_t out[16], const uint8_t *addr, uint8_t family,
			   uint32_t plen)
{
	uint32_t i, base = 0, n = 16, bits;

	memset(out, 0, 16);
	if (family == MXG_AF_INET) {
		out[10] = 0xff;
		out[11] = 0xff;
		base = 12;
		n = 4;
	}
	if (plen > 8 * n)
		plen = 8 * n;
	for (i = 0; i < n; i++) {
		bits = plen > 8 * i ? plen - 8 * i : 0;
		if (bits >= 8)
			out[base + i] = addr[i];
		else if (bits > 0)
			out[base + i] = addr[i] & (uint8_t)(0xff00 >> bits);
	}
}

static uint64_t rng = 0x243F6A8885A308D3ULL;

static uint8_t rand8(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint8_t)(rng >> 24);
}

static void every_length(void **state)
{
	uint8_t addr[16], want[16], got[16];
	uint32_t plen, k, i;
	uint8_t family;

	(void)state;
	for (k = 0; k < 2000; k++) {
		for (i = 0; i < 16; i++)
			addr[i] = k == 0 ? 0xff : k == 1 ? 0 : rand8();
		for (family = MXG_AF_INET; family <= MXG_AF_INET6;
		     family += MXG_AF_INET6 - MXG_AF_INET) {
			for (plen = 0; plen <= 255; plen++) {
				key_addr_model(want, addr, family, plen);
				memset(got, 0xa5, sizeof(got));
				mxg_key_addr(got, addr, family, plen);
				if (memcmp(got, want, 16))
					fail_msg("family %u plen %u differs",
						 family, plen);
			}
		}
	}
}

static void rule_keys(void **state)
{
	struct mxg_rule r;
	struct mxg_pkt p;
	struct mxg_src_key k;
	uint8_t want[16];

	(void)state;
	memset(&r, 0, sizeof(r));
	memset(&p, 0, sizeof(p));
	p.family = MXG_AF_INET6;
	memset(p.src, 0x11, 16);
	memset(p.dst, 0x22, 16);
	r.key_id = 76; /* rule ids have bit 0 clear */
	r.ipv4_prefix = 24;
	r.ipv6_prefix = 48;

	r.key_kind = MXG_KEY_PREFIX;
	mxg_rule_key(&r, &p, &k);
	key_addr_model(want, p.src, p.family, 48);
	assert_int_equal(k.key_id, 76 | MXG_KEY_ID_IPV6);
	assert_memory_equal(k.addr, want, 16);

	r.key_kind = MXG_KEY_DST;
	mxg_rule_key(&r, &p, &k);
	key_addr_model(want, p.dst, p.family, 48);
	assert_memory_equal(k.addr, want, 16);

	p.family = MXG_AF_INET;
	r.key_kind = MXG_KEY_HOST;
	mxg_rule_key(&r, &p, &k);
	key_addr_model(want, p.src, p.family, 24);
	assert_int_equal(k.key_id, 76);
	assert_memory_equal(k.addr, want, 16);

	/* one global bucket for both families */
	r.key_kind = MXG_KEY_GLOBAL;
	memset(want, 0, sizeof(want));
	mxg_rule_key(&r, &p, &k);
	assert_int_equal(k.key_id, 76);
	assert_memory_equal(k.addr, want, 16);
	p.family = MXG_AF_INET6;
	mxg_rule_key(&r, &p, &k);
	assert_int_equal(k.key_id, 76);
	assert_memory_equal(k.addr, want, 16);
}

/*
 * An IPv4 host and the IPv6 address that maps it (::ffff:a.b.c.d) have
 * the same address bytes in a key, under a rule keyed on /128; the
 * family bit keeps their buckets apart.
 */
static void mapped_ipv6_is_not_ipv4(void **state)
{
	static const uint8_t v4[4] = { 203, 0, 113, 7 };
	static const uint8_t mapped[16] = { 0, 0, 0,	0,    0,   0, 0,   0,
					    0, 0, 0xff, 0xff, 203, 0, 113, 7 };
	struct mxg_src_key k4, k6;
	struct mxg_pkt p4, p6;
	struct mxg_rule r;

	(void)state;
	memset(&r, 0, sizeof(r));
	memset(&p4, 0, sizeof(p4));
	memset(&p6, 0, sizeof(p6));
	snprintf(r.name, sizeof(r.name), "per-host");
	r.key_kind = MXG_KEY_HOST;
	r.ipv4_prefix = 32;
	r.ipv6_prefix = 128;
	r.key_id = mxg_rule_key_id(&r);
	assert_int_equal(r.key_id & MXG_KEY_ID_IPV6, 0);
	p4.family = MXG_AF_INET;
	memcpy(p4.src, v4, 4);
	p6.family = MXG_AF_INET6;
	memcpy(p6.src, mapped, 16);
	mxg_rule_key(&r, &p4, &k4);
	mxg_rule_key(&r, &p6, &k6);
	assert_memory_equal(k4.addr, k6.addr, 16);
	assert_int_not_equal(k4.key_id, k6.key_id);
	assert_int_equal(k4.key_id, r.key_id);
	assert_int_equal(k6.key_id, r.key_id | MXG_KEY_ID_IPV6);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_length),
		cmocka_unit_test(rule_keys),
		cmocka_unit_test(mapped_ipv6_is_not_ipv4),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
