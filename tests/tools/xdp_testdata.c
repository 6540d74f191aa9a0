// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxg-xdp-testdata: inputs for the XDP integration tests.
 *
 *   mxg-xdp-testdata image NAME OUT
 *       A compiled policy image (tests/lib/image_builder.c), for
 *       mxgate-xdp --image, independent of the JSON compiler:
 *         limit-drop   "per-host": 3 per hour, burst 3, per host, drop
 *         limit-reset  "per-host-reset": 1 per hour, burst 1, reset
 *         allow-all    no rules
 *         design       DESIGN §3's example: protected, partners allowed,
 *                      a drop list, per-host, per-net and a global cap
 *                      with reset
 *
 *   mxg-xdp-testdata traffic SEED FRAMES OUT.pcap
 *       Mixed traffic from tests/lib/traffic.c as a nanosecond pcap.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "../lib/image_builder.h"
#include "../lib/pktgen.h"
#include "../lib/traffic.h"

static int write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "mxg-xdp-testdata: cannot write %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	return 0;
}

static int cmd_image(const char *name, const char *out)
{
	struct image_builder *b = malloc(sizeof(*b));
	struct mxg_policy_header *h;
	int rc;

	if (!b)
		return 1;
	ib_init(b);
	if (strcmp(name, "limit-drop") == 0) {
		ib_limit(b, "per-host", 3, 3600, 3, MXG_KEY_HOST,
			 MXG_OVER_DROP);
	} else if (strcmp(name, "limit-reset") == 0) {
		ib_limit(b, "per-host-reset", 1, 3600, 1, MXG_KEY_HOST,
			 MXG_OVER_RESET);
	} else if (strcmp(name, "design") == 0) {
		uint32_t prot = ib_protected(b), partners, drop;

		ib_cidr(b, prot, "198.51.100.0/24");
		ib_cidr(b, prot, "2001:db8:25::/48");
		partners = ib_set(b, "@partners");
		ib_cidr(b, partners, "192.0.2.0/24");
		ib_cidr(b, partners, "2001:db8:1::/48");
		drop = ib_set(b, "@drop");
		ib_cidr(b, drop, "198.18.0.0/15");
		ib_cidr(b, drop, "2001:db8:dead::/48");
		ib_allow(b, "partners")->src_set = (uint16_t)partners;
		ib_deny(b, "drop-list")->src_set = (uint16_t)drop;
		ib_limit(b, "per-host", 20, 60, 10, MXG_KEY_HOST,
			 MXG_OVER_DROP);
		ib_limit(b, "per-net", 200, 60, 50, MXG_KEY_PREFIX,
			 MXG_OVER_DROP);
		ib_limit(b, "mx-total", 2000, 1, 4000, MXG_KEY_GLOBAL,
			 MXG_OVER_RESET);
	} else if (strcmp(name, "allow-all") != 0) {
		fprintf(stderr, "mxg-xdp-testdata: unknown image \"%s\"\n",
			name);
		free(b);
		return 2;
	}
	h = ib_build(b);
	free(b);
	rc = write_file(out, h, h->total_len);
	free(h);
	return rc;
}

static int cmd_traffic(const char *seed, const char *frames, const char *out)
{
	uint8_t frame[PKTGEN_MAX_FRAME];
	struct pcap_pkthdr ph;
	struct traffic t;
	pcap_dumper_t *d;
	unsigned long n = strtoul(frames, NULL, 10), i;
	uint64_t ts;
	pcap_t *p;

	p = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535,
						 PCAP_TSTAMP_PRECISION_NANO);
	if (!p)
		return 1;
	d = pcap_dump_open(p, out);
	if (!d) {
		fprintf(stderr, "mxg-xdp-testdata: %s\n", pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	traffic_init(&t, strtoull(seed, NULL, 0),
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

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "image") == 0)
		return cmd_image(argv[2], argv[3]);
	if (argc == 5 && strcmp(argv[1], "traffic") == 0)
		return cmd_traffic(argv[2], argv[3], argv[4]);
	fprintf(stderr,
		"usage: mxg-xdp-testdata image NAME OUT\n"
		"       mxg-xdp-testdata traffic SEED FRAMES OUT.pcap\n");
	return 2;
}
