/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mxgate-replay's capture reader: libpcap opens pcap and pcapng (from a
 * path or a stream, with nanosecond timestamps), this checks the link
 * type and parses each record from its link header on. Kept apart from
 * replay.c so that the fuzz target tests/fuzz/fuzz_pcap.c links the very
 * code the tool runs.
 */
#ifndef MXGATE_REPLAY_CAPTURE_H
#define MXGATE_REPLAY_CAPTURE_H

#include <stdint.h>
#include <stdio.h>

#include <pcap/pcap.h>

#include "mxgate/pkt.h"

/*
 * Open a capture from a path, or from an open stream (which the capture
 * then owns). NULL on failure, with libpcap's reason in err
 * (PCAP_ERRBUF_SIZE bytes).
 */
pcap_t *replay_capture_open(const char *path, char *err);
pcap_t *replay_capture_fopen(FILE *f, char *err);

/* Is the capture's link type one replay reads (Ethernet, Linux cooked
 * SLL and SLL2, raw IP, IPv4, IPv6)? */
int replay_capture_linktype_ok(int linktype);

/* Parse one record (caplen bytes) according to the link type. */
void replay_capture_parse(int linktype, const uint8_t *data, uint32_t caplen,
			  struct mxg_pkt *p);

/* A record's timestamp in nanoseconds (the capture opened with nanosecond
 * precision). */
static inline uint64_t replay_capture_ts_ns(const struct pcap_pkthdr *h)
{
	return (uint64_t)h->ts.tv_sec * 1000000000ULL + (uint64_t)h->ts.tv_usec;
}

#endif /* MXGATE_REPLAY_CAPTURE_H */
