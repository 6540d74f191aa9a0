// SPDX-License-Identifier: BSD-3-Clause
/* Table-driven parser tests: every row of pkt_rows.c is one cmocka test. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mxgate/pkt.h"
#include "pkt_rows.h"

/* Parse a copy of the frame in a buffer of exactly its size, so ASan
 * reports any read past the end. */
static void parse_exact(const uint8_t *frame, size_t len, struct mxg_pkt *p)
{
	uint8_t *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	memcpy(copy, frame, len);
	mxg_parse_eth(copy, copy + len, p);
	free(copy);
}

static void check_row(void **state)
{
	const struct pkt_row *row = *state;
	const struct pkt_want *w = &row->want;
	uint8_t frame[PKTGEN_MAX_FRAME];
	size_t len = pktgen_build(&row->spec, frame, sizeof(frame));
	struct mxg_pkt p;

	assert_true(len > 0);
	parse_exact(frame, len, &p);

	assert_int_equal(p.status, w->status);
	assert_int_equal(p.family, w->family);
	assert_int_equal(p.flags, w->flags);
	assert_int_equal(p.vlan_depth, w->vlan_depth);
	assert_int_equal(p.sport, w->sport);
	assert_int_equal(p.dport, w->dport);
	assert_int_equal(p.tcp_flags, w->tcp_flags);
	if (w->status == MXG_PKT_OK || w->status == MXG_PKT_ERR_L4 ||
	    w->status == MXG_PKT_ERR_FRAG_CUT)
		assert_int_equal(p.l4_proto, w->l4_proto);
	/* Cut by the parser's own limits: the policy decides (DESIGN §3). */
	assert_int_equal(mxg_pkt_is_parser_limit(&p),
			 w->status == MXG_PKT_ERR_EXT_COUNT ||
				 w->status == MXG_PKT_ERR_FRAG_CUT);
	assert_int_equal(mxg_pkt_is_smtp_syn(&p, pkt_rows_smtp_ports, 3, 3),
			 w->attempt);
	assert_int_equal(mxg_pkt_is_unparsed(&p),
			 w->status != MXG_PKT_OK &&
				 w->status != MXG_PKT_NOT_IP);

	if (w->family) {
		uint8_t src[16] = { 0 }, dst[16] = { 0 };
		int af = w->family == 4 ? AF_INET : AF_INET6;

		assert_int_equal(inet_pton(af, row->spec.src, src), 1);
		assert_int_equal(inet_pton(af, row->spec.dst, dst), 1);
		assert_memory_equal(p.src, src, 16);
		assert_memory_equal(p.dst, dst, 16);
		assert_int_equal(p.l3_off, 14 + 4 * row->spec.n_vlans);
	}
	if (p.flags & MXG_PKT_F_PORTS) {
		assert_true(p.l4_off > p.l3_off);
		assert_true(p.l4_off + 4u <= len);
	}
	if (p.flags & MXG_PKT_F_TCP_SEQ)
		assert_int_equal(p.tcp_seq, row->spec.seq);
}

/* A frame handed to the L3 entry point without Ethernet (raw IP). */
static void raw_ip_entry(void **state)
{
	struct pktgen_spec spec = { .family = 6,
				    .src = "2001:db8::1",
				    .dst = "2001:db8::25",
				    .dport = 25,
				    .tcp_flags = MXG_TCP_SYN };
	uint8_t frame[256];
	size_t len = pktgen_build(&spec, frame, sizeof(frame));
	struct mxg_pkt p;

	(void)state;
	mxg_pkt_reset(&p);
	mxg_parse_l3(frame, frame + len, 14, 0, &p);
	assert_int_equal(p.status, MXG_PKT_OK);
	assert_int_equal(p.family, 6);
	assert_int_equal(p.dport, 25);

	mxg_pkt_reset(&p);
	frame[14] = 0x50; /* version 5 */
	mxg_parse_l3(frame, frame + len, 14, 0, &p);
	assert_int_equal(p.status, MXG_PKT_ERR_IP_HDR);

	mxg_pkt_reset(&p);
	mxg_parse_l3(frame, frame + 14, 14, 0, &p); /* nothing after L2 */
	assert_int_equal(p.status, MXG_PKT_ERR_IP_HDR);
}

/* The port list is bounded by both its length and its capacity. */
static void port_list_bounds(void **state)
{
	const uint16_t ports[4] = { 25, 465, 587, 2525 };

	(void)state;
	assert_true(mxg_port_in_list(587, ports, 3, 4));
	assert_false(mxg_port_in_list(2525, ports, 3, 4));
	assert_true(mxg_port_in_list(2525, ports, 4, 4));
	assert_false(mxg_port_in_list(2525, ports, 99, 3));
	assert_false(mxg_port_in_list(25, ports, 0, 4));
}

int main(void)
{
	struct CMUnitTest *tests;
	unsigned int i, n = pkt_rows_count + 2;
	int rc;

	tests = calloc(n, sizeof(*tests));
	if (!tests)
		return 1;
	for (i = 0; i < pkt_rows_count; i++) {
		tests[i].name = pkt_rows[i].desc;
		tests[i].test_func = check_row;
		tests[i].initial_state = (void *)&pkt_rows[i];
	}
	tests[i].name = "raw IP entry point";
	tests[i++].test_func = raw_ip_entry;
	tests[i].name = "port list bounds";
	tests[i++].test_func = port_list_bounds;
	rc = _cmocka_run_group_tests("parser rows", tests, n, NULL, NULL);
	free(tests);
	return rc;
}
