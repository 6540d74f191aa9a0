/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hostile frames of DESIGN §3 for every engine: evasions through the
 * parser's limits (an IPv6 chain of nine extension headers, first
 * fragments that end before the TCP ports) and SYNs that must never get a
 * RST (group MACs; unspecified, loopback, multicast, broadcast sources).
 * Each case has the verdict it gets under HOSTILE_POLICY after one
 * passing attempt: protected 198.51.100.0/24 and 2001:db8:25::/48, one
 * rule "once" (1/h, burst 1, global, over reset), parser_limit drop.
 * test_xdp_prog.c runs them through the core engine and the XDP program;
 * mxg-hostile writes them (after one plain SYN) as a capture for
 * test_hostile.sh, which runs mxgate-replay and mxgate-dp on it.
 */
#ifndef MXGATE_TESTS_HOSTILE_H
#define MXGATE_TESTS_HOSTILE_H

#include <stdint.h>

#include "pktgen.h"

struct hostile_case {
	const char *desc;
	struct pktgen_spec s;
	uint8_t verdict; /* enum mxg_verdict */
};

extern const struct hostile_case hostile_cases[];
extern const unsigned int hostile_cases_count;

/* The totals the cases give (the first passing SYN not included). */
#define HOSTILE_PARSER_LIMIT	     5
#define HOSTILE_PARSER_LIMIT_DROPPED 3
#define HOSTILE_RESET		     2
#define HOSTILE_RESET_SUPPRESSED     11

#define HOSTILE_POLICY                                                         \
	"{\"version\": 1, \"protected\": [\"198.51.100.0/24\", "               \
	"\"2001:db8:25::/48\"], \"rules\": [{\"name\": \"once\", \"limit\": "  \
	"{\"rate\": \"1/h\", \"burst\": 1, \"per\": \"global\"}, "             \
	"\"over\": \"reset\"}]}\n"

#endif
