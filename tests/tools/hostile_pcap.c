// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxg-hostile OUT.pcap [POLICY.json]: the hostile frames of
 * tests/lib/hostile.c as an Ethernet pcap (one plain SYN that takes the
 * policy's one token, then every case, 1 ms apart), and the policy they
 * are meant for (HOSTILE_POLICY). test_hostile.sh runs every engine on
 * them.
 */
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

#include "../lib/hostile.h"
#include "../lib/pktgen.h"

static void put(pcap_dumper_t *d, const uint8_t *frame, size_t len,
		uint64_t ts_us)
{
	struct pcap_pkthdr ph;

	memset(&ph, 0, sizeof(ph));
	ph.ts.tv_sec = (time_t)(ts_us / 1000000);
	ph.ts.tv_usec = (suseconds_t)(ts_us % 1000000);
	ph.caplen = ph.len = (uint32_t)len;
	pcap_dump((u_char *)d, &ph, frame);
}

int main(int argc, char **argv)
{
	struct pktgen_spec first = { .family = 4,
				     .src = "192.0.2.1",
				     .dst = "198.51.100.25",
				     .sport = 40000,
				     .dport = 25,
				     .tcp_flags = 0x02,
				     .seq = 1 };
	uint8_t frame[PKTGEN_MAX_FRAME];
	uint64_t ts = 1700000000ULL * 1000000;
	pcap_dumper_t *d;
	unsigned int i;
	size_t len;
	pcap_t *p;
	FILE *f;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: mxg-hostile OUT.pcap [POLICY.json]\n");
		return 2;
	}
	p = pcap_open_dead(DLT_EN10MB, 65535);
	if (!p)
		return 1;
	d = pcap_dump_open(p, argv[1]);
	if (!d) {
		fprintf(stderr, "mxg-hostile: %s\n", pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	len = pktgen_build(&first, frame, sizeof(frame));
	put(d, frame, len, ts);
	for (i = 0; i < hostile_cases_count; i++) {
		len = pktgen_build(&hostile_cases[i].s, frame, sizeof(frame));
		if (!len) {
			fprintf(stderr, "mxg-hostile: case %s does not build\n",
				hostile_cases[i].desc);
			return 1;
		}
		ts += 1000;
		put(d, frame, len, ts);
	}
	pcap_dump_close(d);
	pcap_close(p);
	if (argc == 3) {
		f = fopen(argv[2], "w");
		if (!f || fputs(HOSTILE_POLICY, f) < 0 || fclose(f)) {
			fprintf(stderr, "mxg-hostile: cannot write %s\n",
				argv[2]);
			return 1;
		}
	}
	return 0;
}
