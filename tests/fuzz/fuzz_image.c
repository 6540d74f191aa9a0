// SPDX-License-Identifier: BSD-3-Clause
/*
 * libFuzzer target for the policy image check
 * (dataplane/core/policy_image.c), the gate every image from outside
 * (control socket, file) passes. The input is an image; its version and
 * checksum fields are set first, so that the fuzzer reaches the checks
 * behind them (tests/unit/test_policy_image.c covers those two). The
 * check must never fault; whatever it accepts must build an engine, and
 * that engine must run a fixed set of frames (SYNs and lookalikes,
 * IPv4 and IPv6, tags, fragments, parser-limit frames, group MACs) to
 * both families' addresses without a fault, with consistent counters,
 * and its summary JSON must be written.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/pktgen.h"
#include "engine.h"
#include "policy_image.h"
#include "src_table.h"
#include "summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_FRAMES 24
static uint8_t frames[N_FRAMES][256];
static size_t frame_len[N_FRAMES];
static unsigned int n_frames;
static struct mxg_src_table *table;

static void add(const struct pktgen_spec *s)
{
	size_t n = pktgen_build(s, frames[n_frames], sizeof(frames[0]));

	if (!n)
		abort();
	frame_len[n_frames++] = n;
}

static void setup(void)
{
	static const char *const src[] = { "192.0.2.7", "203.0.113.7",
					   "198.18.1.1", "0.0.0.0" };
	static const char *const src6[] = { "2001:db8:1::7", "2001:db8:bad::7",
					    "::1" };
	struct pktgen_spec s;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		memset(&s, 0, sizeof(s));
		s.family = 4;
		s.src = src[i];
		s.dst = i & 1 ? "198.51.100.25" : "10.0.0.25";
		s.dport = i == 2 ? 587 : 25;
		s.tcp_flags = 0x02;
		s.seq = i;
		s.n_vlans = (uint8_t)(i & 1);
		add(&s);
	}
	for (i = 0; i < 3; i++) {
		memset(&s, 0, sizeof(s));
		s.family = 6;
		s.src = src6[i];
		s.dst = "2001:db8:25::25";
		s.dport = 25;
		s.tcp_flags = 0x02;
		add(&s);
	}
	memset(&s, 0, sizeof(s));
	s.family = 4;
	s.src = "203.0.113.9";
	s.dst = "198.51.100.25";
	s.dport = 25;
	s.tcp_flags = 0x12; /* SYN-ACK */
	add(&s);
	s.tcp_flags = 0x02;
	s.ip4_frag = 0x2000;
	s.ip_len_delta = -12; /* tiny first fragment */
	add(&s);
	s.ip_len_delta = -20; /* parser limit */
	add(&s);
	memset(s.dst_mac, 0xff, 6);
	s.ip4_frag = 0;
	s.ip_len_delta = 0;
	add(&s);
	memset(&s, 0, sizeof(s));
	s.family = 6;
	s.src = "2001:db8:bad::9";
	s.dst = "2001:db8:25::25";
	s.dport = 465;
	s.tcp_flags = 0x02;
	s.n_ext = 9;
	memset(s.ext, 60, 9);
	add(&s);
	if (mxg_src_table_create(&table, 1024))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mxg_policy_header *h;
	struct mxg_engine *e = NULL;
	struct mxg_src_table_stats ts;
	struct mxg_counters c;
	struct mxg_decision d;
	struct mxg_pkt p;
	const char *why = NULL;
	unsigned int i, k;
	int rc;
	uint64_t now = 1700000000ULL * 1000000000ULL;
	FILE *null;

	if (!table)
		setup();
	h = malloc(size ? size : 1);
	if (!h)
		return 0;
	memcpy(h, data, size);
	/* The version is set too: seeds compiled under an older image
	 * version still reach the checks behind it. */
	if (size >= sizeof(*h)) {
		h->version = MXG_POLICY_VERSION;
		h->checksum = mxg_policy_checksum(h, size);
	}
	if (mxg_policy_image_check(h, size, NULL) != 0) {
		free(h);
		return 0;
	}
	/* Accepted: it must build and run. */
	rc = mxg_engine_create(&e, h, size, MXG_ENGINE_PORTABLE_LPM, &why);
	if (rc == -ENOMEM) {
		free(h);
		return 0;
	}
	if (rc) {
		fprintf(stderr, "fuzz_image: accepted, but no engine: %s\n",
			why ? why : "?");
		abort();
	}
	memset(&c, 0, sizeof(c));
	memset(&ts, 0, sizeof(ts));
	for (k = 0; k < 3; k++) {
		for (i = 0; i < n_frames; i++) {
			mxg_parse_eth(frames[i], frames[i] + frame_len[i], &p);
			mxg_engine_process(e, table, &c, &ts, &p, now, &d);
			if (d.verdict >= MXG_VERDICT_MAX ||
			    d.rule >= (int32_t)e->n_rules || d.rule < -1)
				abort();
			now += 1000000;
		}
		now += 3600ULL * 1000000000ULL;
	}
	if (c.totals.smtp_syns !=
		    c.totals.smtp_passed + c.totals.smtp_dropped ||
	    c.totals.packets != c.totals.forwarded + c.totals.smtp_dropped +
					c.totals.parser_limit_dropped)
		abort();
	null = fopen("/dev/null", "w");
	if (null) {
		if (mxg_summary_write(null, e->image, &c, NULL, 0))
			abort();
		fclose(null);
	}
	mxg_engine_destroy(e);
	free(h);
	return 0;
}
