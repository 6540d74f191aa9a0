// SPDX-License-Identifier: BSD-3-Clause
/*
 * Cut frames at every byte length, and bound IP packets at every length
 * with the rest of the frame as padding. Each cut is parsed from a heap
 * buffer of exactly that size, so under ASan any read past the end fails
 * the test. The expected status is derived from where the cut falls.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../lib/pktgen.h"
#include "mxgate/pkt.h"

struct layout {
	size_t l3, l3_fixed, ext_end, l4, l4_hdr, total;
	int first_fragment;
};

static const uint16_t smtp_ports[3] = { 25, 465, 587 };

static void parse_copy(const uint8_t *frame, size_t len, struct mxg_pkt *p)
{
	uint8_t *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	memcpy(copy, frame, len);
	mxg_parse_eth(copy, copy + len, p);
	free(copy);
}

/* Status, port and flag expectations for a frame whose readable bytes
 * (frame or IP-length bound) end at 'avail'. */
static void expect_at(const struct layout *lo, size_t avail, int ip_bound,
		      const struct mxg_pkt *p)
{
	size_t tcp = avail > lo->l4 ? avail - lo->l4 : 0;

	if (!ip_bound && avail < 14) {
		assert_int_equal(p->status, MXG_PKT_ERR_ETH);
		return;
	}
	if (!ip_bound && avail < lo->l3) {
		assert_int_equal(p->status, MXG_PKT_ERR_VLAN);
		return;
	}
	if (avail < lo->l3 + lo->l3_fixed) {
		/* IPv4 reports a length below its header as ERR_IP_LEN. */
		assert_int_equal(p->status, ip_bound && lo->l3_fixed == 24 ?
						    MXG_PKT_ERR_IP_LEN :
						    MXG_PKT_ERR_IP_HDR);
		return;
	}
	if (avail < lo->ext_end) {
		assert_int_equal(p->status, MXG_PKT_ERR_EXT_HDR);
		return;
	}
	assert_int_equal(!!(p->flags & MXG_PKT_F_PORTS), tcp >= 4);
	assert_int_equal(!!(p->flags & MXG_PKT_F_TCP_SEQ), tcp >= 8);
	assert_int_equal(!!(p->flags & MXG_PKT_F_TCP_FLAGS), tcp >= 14);
	if (lo->first_fragment) {
		/* The tiny-fragment rule: a port is enough. Without one,
		 * a first fragment that ends there by its own length is cut
		 * by a parser limit (its TCP header is in a later fragment);
		 * one cut by a short frame is simply cut. */
		assert_int_equal(p->status, tcp >= 4 ? MXG_PKT_OK :
					    ip_bound ? MXG_PKT_ERR_FRAG_CUT :
						       MXG_PKT_ERR_L4);
		assert_int_equal(mxg_pkt_is_parser_limit(p),
				 tcp < 4 && ip_bound);
		assert_int_equal(mxg_pkt_is_smtp_syn(p, smtp_ports, 3, 3),
				 tcp >= 4);
		return;
	}
	assert_int_equal(p->status,
			 tcp >= lo->l4_hdr ? MXG_PKT_OK : MXG_PKT_ERR_L4);
	assert_int_equal(mxg_pkt_is_smtp_syn(p, smtp_ports, 3, 3),
			 tcp >= lo->l4_hdr);
}

static void cut_every_length(const struct pktgen_spec *spec,
			     const struct layout *lo)
{
	uint8_t frame[512];
	size_t len = pktgen_build(spec, frame, sizeof(frame)), cut;
	struct mxg_pkt p;

	assert_int_equal(len, lo->total);
	for (cut = 0; cut <= len; cut++) {
		parse_copy(frame, cut, &p);
		expect_at(lo, cut, 0, &p);
	}
}

/* Shrink the IP length field to end at every offset; the bytes after it
 * stay in the frame as padding and must never be read as headers. */
static void bound_every_length(const struct pktgen_spec *base,
			       const struct layout *lo)
{
	size_t end;

	/* IPv6 cannot state a length below its fixed header. */
	for (end = lo->l3 + (lo->l3_fixed == 40 ? 40 : 20); end <= lo->total;
	     end++) {
		struct pktgen_spec s = *base;
		uint8_t frame[512];
		size_t len;
		struct mxg_pkt p;

		s.ip_len_delta = (int)end - (int)lo->total;
		len = pktgen_build(&s, frame, sizeof(frame));
		assert_int_equal(len, lo->total);
		parse_copy(frame, len, &p);
		expect_at(lo, end, 1, &p);
	}
}

static const struct pktgen_spec ipv4_syn = {
	.family = 4,
	.src = "192.0.2.1",
	.dst = "198.51.100.25",
	.n_vlans = 1,
	.ip_opt_words = 1,
	.dport = 25,
	.tcp_flags = MXG_TCP_SYN,
	.doff_words = 8,
};
static const struct layout ipv4_layout = {
	.l3 = 18,
	.l3_fixed = 24,
	.ext_end = 18 + 24,
	.l4 = 42,
	.l4_hdr = 32,
	.total = 74,
};

static const struct pktgen_spec ipv6_syn = {
	.family = 6,
	.src = "2001:db8::1",
	.dst = "2001:db8:25::25",
	.n_vlans = 2,
	.n_ext = 3,
	.ext = { PKTGEN_EXT_HOPOPTS, PKTGEN_EXT_ROUTING, PKTGEN_EXT_AH },
	.ext_len8 = { 0, 2, 2 },
	.dport = 587,
	.tcp_flags = MXG_TCP_SYN,
	.doff_words = 6,
};
static const struct layout ipv6_layout = {
	.l3 = 22,
	.l3_fixed = 40,
	.ext_end = 22 + 40 + 8 + 24 + 16,
	.l4 = 110,
	.l4_hdr = 24,
	.total = 134,
};

static void ipv4_cut(void **state)
{
	(void)state;
	cut_every_length(&ipv4_syn, &ipv4_layout);
}

static void ipv4_bound(void **state)
{
	(void)state;
	bound_every_length(&ipv4_syn, &ipv4_layout);
}

static void ipv6_cut(void **state)
{
	(void)state;
	cut_every_length(&ipv6_syn, &ipv6_layout);
}

static void ipv6_bound(void **state)
{
	(void)state;
	bound_every_length(&ipv6_syn, &ipv6_layout);
}

static void ipv4_first_fragment_cut(void **state)
{
	struct pktgen_spec s = ipv4_syn;
	struct layout lo = ipv4_layout;

	(void)state;
	s.ip4_frag = 0x2000;
	lo.first_fragment = 1;
	cut_every_length(&s, &lo);
	bound_every_length(&s, &lo);
}

static void ipv6_first_fragment_cut(void **state)
{
	struct pktgen_spec s = ipv6_syn;
	struct layout lo = ipv6_layout;

	(void)state;
	s.ext[2] = PKTGEN_EXT_FRAGMENT;
	s.ip6_frag = 1;
	lo.ext_end = 22 + 40 + 8 + 24 + 8;
	lo.l4 = lo.ext_end;
	lo.total = lo.l4 + 24;
	lo.first_fragment = 1;
	cut_every_length(&s, &lo);
	bound_every_length(&s, &lo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv4_cut),
		cmocka_unit_test(ipv4_bound),
		cmocka_unit_test(ipv6_cut),
		cmocka_unit_test(ipv6_bound),
		cmocka_unit_test(ipv4_first_fragment_cut),
		cmocka_unit_test(ipv6_first_fragment_cut),
	};

	return cmocka_run_group_tests_name("parser cut at every length", tests,
					   NULL, NULL);
}
