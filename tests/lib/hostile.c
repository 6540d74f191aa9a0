// SPDX-License-Identifier: BSD-3-Clause
#include "hostile.h"

#include "mxgate/counters.h"

#define H4(d) .family = 4, .src = "203.0.113.7", .dst = (d)
#define H6(d) .family = 6, .src = "2001:db8:bad::7", .dst = (d)
#define HSYN	.sport = 40000, .dport = 25, .tcp_flags = 0x02, .seq = 9

const struct hostile_case hostile_cases[] = {
	{ "v6 nine dest options to protected",
	  { H6("2001:db8:25::25"), HSYN, .n_ext = 9,
	    .ext = { 60, 60, 60, 60, 60, 60, 60, 60, 60 } },
	  MXG_VERDICT_DROP },
	{ "v6 nine dest options elsewhere",
	  { H6("2001:db8:99::25"), HSYN, .n_ext = 9,
	    .ext = { 60, 60, 60, 60, 60, 60, 60, 60, 60 } },
	  MXG_VERDICT_FORWARD },
	{ "v6 first fragment without TCP to protected",
	  { H6("2001:db8:25::25"), HSYN, .n_ext = 1, .ext = { 44 },
	    .ip6_frag = 1, .ip_len_delta = -20 },
	  MXG_VERDICT_DROP },
	{ "v4 first fragment without TCP to protected",
	  { H4("198.51.100.25"), HSYN, .ip4_frag = 0x2000,
	    .ip_len_delta = -20 },
	  MXG_VERDICT_DROP },
	{ "v4 first fragment with 3 TCP bytes elsewhere",
	  { H4("10.9.0.9"), HSYN, .ip4_frag = 0x2000, .ip_len_delta = -17 },
	  MXG_VERDICT_FORWARD },
	{ "v4 SYN: reset", { H4("198.51.100.25"), HSYN }, MXG_VERDICT_RESET },
	{ "v4 SYN to broadcast MAC",
	  { H4("198.51.100.25"), HSYN,
	    .dst_mac = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
	  MXG_VERDICT_DROP },
	{ "v4 SYN from multicast MAC",
	  { H4("198.51.100.25"), HSYN, .src_mac = { 0x01, 0, 0x5e, 0, 0, 1 } },
	  MXG_VERDICT_DROP },
	{ "v6 SYN to 33:33 MAC",
	  { H6("2001:db8:25::25"), HSYN, .dst_mac = { 0x33, 0x33, 0, 0, 0, 1 } },
	  MXG_VERDICT_DROP },
	{ "v4 SYN from 0.0.0.0",
	  { .family = 4, .src = "0.0.0.0", .dst = "198.51.100.25", HSYN },
	  MXG_VERDICT_DROP },
	{ "v4 SYN from 127.0.0.1",
	  { .family = 4, .src = "127.0.0.1", .dst = "198.51.100.25", HSYN },
	  MXG_VERDICT_DROP },
	{ "v4 SYN from 224.0.0.5",
	  { .family = 4, .src = "224.0.0.5", .dst = "198.51.100.25", HSYN },
	  MXG_VERDICT_DROP },
	{ "v4 SYN from 255.255.255.255",
	  { .family = 4, .src = "255.255.255.255", .dst = "198.51.100.25",
	    HSYN },
	  MXG_VERDICT_DROP },
	{ "v6 SYN from ::",
	  { .family = 6, .src = "::", .dst = "2001:db8:25::25", HSYN },
	  MXG_VERDICT_DROP },
	{ "v6 SYN from ::1",
	  { .family = 6, .src = "::1", .dst = "2001:db8:25::25", HSYN },
	  MXG_VERDICT_DROP },
	{ "v6 SYN from ff02::1",
	  { .family = 6, .src = "ff02::1", .dst = "2001:db8:25::25", HSYN },
	  MXG_VERDICT_DROP },
	{ "v6 SYN from ::ffff:127.0.0.1",
	  { .family = 6, .src = "::ffff:127.0.0.1", .dst = "2001:db8:25::25",
	    HSYN },
	  MXG_VERDICT_DROP },
	{ "v6 SYN: reset", { H6("2001:db8:25::25"), HSYN }, MXG_VERDICT_RESET },
};


const unsigned int hostile_cases_count =
	sizeof(hostile_cases) / sizeof(hostile_cases[0]);
