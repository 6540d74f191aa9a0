/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parser fixture rows: {description, frame spec, expected parse}. The
 * cmocka parser tests and the BPF_PROG_TEST_RUN tests both run them.
 */
#ifndef MXGATE_TESTS_PKT_ROWS_H
#define MXGATE_TESTS_PKT_ROWS_H

#include "../lib/pktgen.h"

struct pkt_want {
	uint8_t status;
	uint8_t family;
	uint8_t flags;
	uint8_t l4_proto;
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint8_t vlan_depth;
	uint8_t attempt; /* a connection attempt for ports 25, 465, 587 */
};

struct pkt_row {
	const char *desc;
	struct pktgen_spec spec;
	struct pkt_want want;
};

extern const struct pkt_row pkt_rows[];
extern const unsigned int pkt_rows_count;
extern const uint16_t pkt_rows_smtp_ports[3];

#endif
