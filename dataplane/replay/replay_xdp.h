/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mxgate-replay --engine xdp: every frame of a capture runs through the
 * XDP program (bpf/mxgate.bpf.c) with BPF_PROG_TEST_RUN, the program's
 * clock set to the frame's timestamp. The program reports each decision
 * (verdict and deciding rule) through its mxg_last record; the counters
 * come from its per-CPU map.
 *
 * MXG_XDP_VERBOSE=1 in the environment shows libbpf's messages and the
 * verifier's log.
 *
 * Frames that are not Ethernet (Linux cooked SLL/SLL2, raw IP) get an
 * Ethernet header whose type makes the program's parser read them as the
 * core engine's does. Frames BPF_PROG_TEST_RUN cannot take (shorter than
 * an Ethernet header, which no NIC delivers to XDP) are accounted here as
 * the core engine accounts them: unparsed, forwarded.
 */
#ifndef MXGATE_REPLAY_XDP_H
#define MXGATE_REPLAY_XDP_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "mxgate/counters.h"

/* The largest frame BPF_PROG_TEST_RUN takes for XDP without fragments
 * (a page less XDP headroom and skb_shared_info). Longer frames are run
 * on their first REPLAY_XDP_FRAME_MAX bytes, which hold their headers. */
#define REPLAY_XDP_FRAME_MAX 3500

struct replay_xdp;

struct replay_xdp_opts {
	uint64_t buckets; /* bucket table entries */
	int verbose;	  /* libbpf and verifier messages */
};

/* Load the program, install the (validated) image, start recording. */
int replay_xdp_open(struct replay_xdp **out, const void *image, size_t len,
		    const struct replay_xdp_opts *o);
void replay_xdp_close(struct replay_xdp *rx);

/* Why replay_xdp_open() failed, in one line, or NULL. */
const char *replay_xdp_error(void);

/*
 * Run one capture record (link type 'dlt', as pcap_datalink() gives it)
 * at ts_ns. Fills *d. For a reset verdict, rst (MXG_RST_MAX bytes at
 * least) receives the RST the program sent, *rst_len its length: the
 * Ethernet frame for Ethernet captures, the IP packet otherwise; 0 when
 * the program could not build one. Returns 0 or a negative errno.
 */
int replay_xdp_run(struct replay_xdp *rx, int dlt, const uint8_t *data,
		   uint32_t caplen, uint64_t ts_ns, struct mxg_decision *d,
		   uint8_t *rst, size_t *rst_len);

/* The program's counters, with the frames accounted here added. */
int replay_xdp_counters(struct replay_xdp *rx, struct mxg_counters *c);

#endif /* MXGATE_REPLAY_XDP_H */
