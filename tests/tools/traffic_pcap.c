// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxg-traffic SEED FRAMES OUT.pcap: the mixed traffic of
 * tests/lib/traffic.c (VLAN tags, IPv4 options and fragments, IPv6
 * extension headers, TCP Fast Open, cut frames, bursts and idle gaps) as
 * a nanosecond pcap, for the XDP differential test.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "../lib/pktgen.h"
#include "../lib/traffic.h"

int main(int argc, char **argv)
{
	uint8_t frame[PKTGEN_MAX_FRAME];
	struct pcap_pkthdr ph;
	struct traffic t;
	pcap_dumper_t *d;
	unsigned long n, i;
	uint64_t ts;
	pcap_t *p;

	if (argc != 4) {
		fprintf(stderr, "usage: mxg-traffic SEED FRAMES OUT.pcap\n");
		return 2;
	}
	n = strtoul(argv[2], NULL, 10);
	p = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535,
						 PCAP_TSTAMP_PRECISION_NANO);
	if (!p)
		return 1;
	d = pcap_dump_open(p, argv[3]);
	if (!d) {
		fprintf(stderr, "mxg-traffic: %s\n", pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	traffic_init(&t, strtoull(argv[1], NULL, 0),
		     1700000000ULL * 1000000000ULL);
	for (i = 0; i < n; i++) {
		size_t len = traffic_next(&t, frame, sizeof(frame), &ts);

		memset(&ph, 0, sizeof(ph));
		ph.ts.tv_sec = (time_t)(ts / 1000000000ULL);
		ph.ts.tv_usec = (suseconds_t)(ts % 1000000000ULL);
		ph.caplen = ph.len = (uint32_t)len;
		pcap_dump((u_char *)d, &ph, frame);
	}
	pcap_dump_close(d);
	pcap_close(p);
	return 0;
}
