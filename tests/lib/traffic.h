/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Deterministic mixed traffic for differential tests: SMTP SYNs from
 * partners, listed and unlisted sources, floods from a few hosts and from
 * random spoofed sources, established traffic, other ports and protocols,
 * VLAN tags, IPv4 options and fragments, IPv6 extension headers, TCP Fast
 * Open payloads, non-IP, cut and padded frames; timestamps with bursts,
 * idle gaps and a few steps backwards. The same seed gives the same
 * frames, so every engine can be fed the same capture.
 *
 * Address plan (also used by the tests' policies):
 *   protected   198.51.100.0/24, 2001:db8:25::/48
 *   partners    192.0.2.0/24, 2001:db8:1::/48
 *   listed      198.18.0.0/15, 203.0.113.128/25, 2001:db8:dead::/48
 *   flooders    203.0.113.7, 203.0.113.9, 2001:db8:bad::7
 *   others      100.64.0.0/10, 2001:db8:bad::/48, random
 */
#ifndef MXGATE_TESTS_TRAFFIC_H
#define MXGATE_TESTS_TRAFFIC_H

#include <stddef.h>
#include <stdint.h>

struct traffic {
	uint64_t rng;
	uint64_t ts_ns;
	uint32_t burst_left; /* frames left in the current flood burst */
	char burst_src[64];
	int burst_family;
};

void traffic_init(struct traffic *t, uint64_t seed, uint64_t t0_ns);

/* The next frame into buf (cap bytes); returns its length (> 0) and its
 * timestamp in *ts_ns. */
size_t traffic_next(struct traffic *t, uint8_t *buf, size_t cap,
		    uint64_t *ts_ns);

/* xorshift64*, exposed for tests that need more randomness. */
uint64_t traffic_rand(struct traffic *t);

#endif
