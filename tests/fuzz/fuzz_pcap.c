// SPDX-License-Identifier: BSD-3-Clause
/*
 * libFuzzer target for mxgate-replay's capture reader
 * (dataplane/replay/replay_capture.c over libpcap): the input is a pcap
 * or pcapng file, read from memory (fmemopen) as replay reads a file;
 * every record of a link type replay accepts is parsed and run through
 * the core engine (built-in one-rule reset policy, with 'protected'),
 * and the RST built for every reset verdict, as replay does. A damaged
 * file must end in an error, never in a crash, a leak or a sanitizer
 * report; at most 10,000 records are read per input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/dlt.h>

#include "engine.h"
#include "replay_capture.h"
#include "rst.h"
#include "src_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A hand-built image: protected 198.51.100.0/24, one global reset rule. */
static struct mxg_engine *engine;
static struct mxg_src_table *table;

static void setup(void)
{
	static union {
		uint8_t b[4096];
		uint64_t align;
	} img;
	struct mxg_policy_header *h = (void *)img.b;
	struct mxg_rule *r;
	struct mxg_set_info *si;
	struct mxg_setmask *cl;
	struct mxg_prefix4 *v4;
	const char *why = NULL;
	uint64_t off;

	memset(&img, 0, sizeof(img));
	h->magic = MXG_POLICY_MAGIC;
	h->version = MXG_POLICY_VERSION;
	h->header_len = sizeof(*h);
	h->has_protected = 1;
	h->n_smtp_ports = 3;
	h->smtp_ports[0] = 25;
	h->smtp_ports[1] = 465;
	h->smtp_ports[2] = 587;
	h->n_rules = 1;
	h->n_sets = 1;
	h->n_classes = 2;
	h->n_v4 = 1;
	off = sizeof(*h);
	h->off_rules = (uint32_t)off;
	r = (void *)(img.b + off);
	snprintf(r->name, sizeof(r->name), "once");
	r->action = MXG_ACTION_LIMIT;
	r->over = MXG_OVER_RESET;
	r->key_kind = MXG_KEY_GLOBAL;
	r->src_set = r->dst_set = MXG_SET_NONE;
	r->rate_count = 1;
	r->rate_period_s = 3600;
	r->burst = 1;
	mxg_bucket_params_init(&r->bucket, 1, 3600, 1);
	r->key_id = mxg_rule_key_id(r);
	off += sizeof(*r);
	h->off_sets = (uint32_t)off;
	si = (void *)(img.b + off);
	snprintf(si->name, sizeof(si->name), "protected");
	si->n_prefixes = 1;
	off = (off + sizeof(*si) + 7) & ~7ULL;
	h->off_classes = (uint32_t)off;
	cl = (void *)(img.b + off);
	cl[1].w[0] = 1;
	off += 2 * sizeof(*cl);
	h->off_v4 = (uint32_t)off;
	v4 = (void *)(img.b + off);
	v4->addr = 0xc6336400;
	v4->len = 24;
	v4->class_id = 1;
	off = (off + sizeof(*v4) + 7) & ~7ULL;
	h->off_v6 = (uint32_t)off;
	h->total_len = off;
	h->checksum = mxg_policy_checksum(h, off);
	if (mxg_engine_create(&engine, h, off, MXG_ENGINE_PORTABLE_LPM, &why) ||
	    mxg_src_table_create(&table, 4096)) {
		fprintf(stderr, "fuzz_pcap: setup: %s\n", why ? why : "?");
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[PCAP_ERRBUF_SIZE];
	struct mxg_src_table_stats ts;
	struct mxg_counters c;
	struct pcap_pkthdr *h;
	const u_char *rec;
	struct mxg_decision d;
	struct mxg_pkt p;
	uint8_t rst[MXG_RST_MAX];
	unsigned int n = 0;
	pcap_t *in;
	FILE *f;
	int linktype;

	if (!engine)
		setup();
	if (!size)
		return 0;
	f = fmemopen((void *)data, size, "rb");
	if (!f)
		return 0;
	in = replay_capture_fopen(f, err);
	if (!in) {
		fclose(f);
		return 0;
	}
	linktype = pcap_datalink(in);
	memset(&c, 0, sizeof(c));
	memset(&ts, 0, sizeof(ts));
	if (replay_capture_linktype_ok(linktype)) {
		while (n++ < 10000 && pcap_next_ex(in, &h, &rec) == 1) {
			if (h->caplen > h->len && h->len)
				; /* libpcap passes what the file says */
			replay_capture_parse(linktype, rec, h->caplen, &p);
			mxg_engine_process(engine, table, &c, &ts, &p,
					   replay_capture_ts_ns(h), &d);
			if (d.verdict == MXG_VERDICT_RESET)
				(void)mxg_rst_build(rec, h->caplen, &p,
						    linktype == DLT_EN10MB, rst,
						    sizeof(rst));
		}
	}
	if (c.totals.smtp_syns != c.totals.smtp_passed + c.totals.smtp_dropped)
		abort();
	pcap_close(in); /* closes f */
	return 0;
}
