// SPDX-License-Identifier: BSD-3-Clause
/*
 * dp_pcap: capture helpers for the mxgate-dp tests and benchmark.
 *
 *   dp_pcap gen OUT.pcap KIND COUNT [SEED]   KIND: mix benign synflood
 *   dp_pcap hash FILE          one line per frame: length and FNV-1a 64
 *   dp_pcap count FILE         number of frames
 *   dp_pcap split IN A B       by source /24 (IPv4) or /48 (IPv6)
 *   dp_pcap normalize IN OUT   Ethernet, microsecond timestamps
 *   dp_pcap inject IFACE COUNT SRC DST DPORT [DSTMAC]   send TCP SYNs
 *
 * 'normalize' gives what a net_pcap port can replay: the pcap PMD reads
 * captures with microsecond timestamps and treats every frame as
 * Ethernet, so Linux cooked (SLL, SLL2) and raw IP captures get an
 * Ethernet header and nanosecond timestamps are truncated to the
 * microsecond. It prints "converted" or "unchanged". Link types that
 * mxgate-replay refuses are refused (exit 1, nothing written).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "pktgen.h"

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static unsigned int pick(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

static int usage(void)
{
	fprintf(stderr,
		"usage: dp_pcap gen OUT.pcap mix|benign|synflood COUNT [SEED]\n"
		"       dp_pcap hash FILE | count FILE\n"
		"       dp_pcap split IN A B | normalize IN OUT\n"
		"       dp_pcap concat OUT GAP_S IN...\n"
		"       dp_pcap inject IFACE COUNT SRC DST DPORT [DSTMAC]\n");
	return 2;
}

static pcap_t *open_in(const char *path, int nano)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(
		path,
		nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO,
		err);

	if (!p)
		fprintf(stderr, "dp_pcap: %s: %s\n", path, err);
	return p;
}

static pcap_dumper_t *open_out(pcap_t **dead, const char *path)
{
	pcap_dumper_t *d;

	*dead = pcap_open_dead_with_tstamp_precision(
		DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_MICRO);
	if (!*dead)
		return NULL;
	d = pcap_dump_open(*dead, path);
	if (!d)
		fprintf(stderr, "dp_pcap: %s: %s\n", path, pcap_geterr(*dead));
	return d;
}

/* One frame of the 'mix' capture; returns its length. */
static size_t gen_mix(uint8_t *buf, size_t cap, int kind)
{
	static const uint16_t smtp[] = { 25, 25, 25, 465, 587 };
	struct pktgen_spec s;
	char src[64], dst[64];
	unsigned int r = pick(1000);

	memset(&s, 0, sizeof(s));
	memcpy(s.src_mac, "\x02\x00\x00\x00\x00\x01", 6);
	memcpy(s.dst_mac, "\x02\x00\x00\x00\x00\x02", 6);
	s.family = 4;
	s.src = src;
	s.dst = dst;
	s.sport = (uint16_t)(1024 + pick(60000));
	s.seq = (uint32_t)rnd();
	snprintf(dst, sizeof(dst), "198.51.100.%u", 1 + pick(20));
	if (kind == 1) /* benign */
		r = pick(450);
	if (kind == 2) { /* random-source SYN flood */
		snprintf(src, sizeof(src), "%u.%u.%u.%u", 1 + pick(223),
			 pick(256), pick(256), 1 + pick(254));
		s.dport = 25;
		s.tcp_flags = 0x02;
		return pktgen_build(&s, buf, cap);
	}
	if (r < 300) { /* established web traffic */
		snprintf(src, sizeof(src), "10.1.%u.%u", pick(4), 1 + pick(50));
		s.dport = pick(2) ? 443 : 80;
		s.tcp_flags = 0x18;
		s.ack = (uint32_t)rnd();
		s.payload_len = (uint16_t)pick(1200);
	} else if (r < 400) { /* DNS */
		snprintf(src, sizeof(src), "10.2.0.%u", 1 + pick(50));
		s.proto = 17;
		s.dport = 53;
		s.l4_len = (uint16_t)(20 + pick(100));
	} else if (r < 430) { /* IPv6 web */
		s.family = 6;
		snprintf(src, sizeof(src), "2001:db8:7::%x", 1 + pick(50));
		snprintf(dst, sizeof(dst), "2001:db8:25::%x", 1 + pick(8));
		s.dport = 443;
		s.tcp_flags = 0x10;
	} else if (r < 450) { /* ARP: not IP */
		s.family = 0;
		s.ethertype = 0x0806;
		s.l4_len = 28;
	} else if (r < 500) { /* SYN-ACK from a mail server: not an attempt */
		snprintf(src, sizeof(src), "198.51.100.%u", 1 + pick(20));
		snprintf(dst, sizeof(dst), "203.0.113.%u", 1 + pick(200));
		s.sport = 25;
		s.dport = (uint16_t)(1024 + pick(60000));
		s.tcp_flags = 0x12;
	} else if (r < 800) { /* SMTP SYNs, a few sources flood */
		if (pick(10) < 6)
			snprintf(src, sizeof(src), "203.0.113.%u", 1 + pick(3));
		else
			snprintf(src, sizeof(src), "203.0.%u.%u",
				 100 + pick(20), 1 + pick(200));
		s.dport = smtp[pick(5)];
		s.tcp_flags = 0x02;
	} else if (r < 860) { /* IPv6 SMTP SYNs */
		s.family = 6;
		snprintf(src, sizeof(src), "2001:db8:5:%x::%x", pick(3),
			 1 + pick(4));
		snprintf(dst, sizeof(dst), "2001:db8:25::%x", 1 + pick(8));
		s.dport = 25;
		s.tcp_flags = 0x02;
	} else if (r < 890) { /* VLAN-tagged SYNs */
		snprintf(src, sizeof(src), "203.0.113.%u", 50 + pick(5));
		s.n_vlans = 1;
		s.vlan_tci[0] = 100;
		s.dport = 25;
		s.tcp_flags = 0x02;
	} else if (r < 920) { /* partners */
		snprintf(src, sizeof(src), "192.0.2.%u", 1 + pick(20));
		s.dport = 25;
		s.tcp_flags = 0x02;
	} else if (r < 950) { /* the drop list */
		snprintf(src, sizeof(src), "198.18.%u.%u", pick(4),
			 1 + pick(20));
		s.dport = 587;
		s.tcp_flags = 0x02;
	} else if (r < 970) { /* first and later fragments to port 25 */
		snprintf(src, sizeof(src), "203.0.113.%u", 60 + pick(4));
		s.dport = 25;
		s.tcp_flags = 0x02;
		s.ip4_frag = pick(2) ? 0x2000 : 0x0010;
	} else if (r < 985) { /* a frame cut inside the TCP header */
		snprintf(src, sizeof(src), "203.0.113.%u", 70 + pick(4));
		s.dport = 25;
		s.tcp_flags = 0x02;
		s.cut = 14 + 20 + 8;
	} else { /* SYN to a port that is not SMTP */
		snprintf(src, sizeof(src), "203.0.113.%u", 1 + pick(3));
		s.dport = 22;
		s.tcp_flags = 0x02;
	}
	return pktgen_build(&s, buf, cap);
}

static int cmd_gen(int argc, char **argv)
{
	uint8_t buf[PKTGEN_MAX_FRAME];
	struct pcap_pkthdr h;
	pcap_dumper_t *d;
	pcap_t *dead;
	uint64_t t_us = 1700000000ULL * 1000000, i, count;
	int kind;

	if (argc < 5)
		return usage();
	if (strcmp(argv[3], "mix") == 0)
		kind = 0;
	else if (strcmp(argv[3], "benign") == 0)
		kind = 1;
	else if (strcmp(argv[3], "synflood") == 0)
		kind = 2;
	else
		return usage();
	count = strtoull(argv[4], NULL, 10);
	if (argc > 5)
		rng_state ^=
			strtoull(argv[5], NULL, 10) * 0x9e3779b97f4a7c15ULL;
	d = open_out(&dead, argv[2]);
	if (!d)
		return 1;
	for (i = 0; i < count; i++) {
		size_t len = gen_mix(buf, sizeof(buf), kind);

		if (!len)
			continue;
		t_us += 50 + pick(400);
		h.ts.tv_sec = (time_t)(t_us / 1000000);
		h.ts.tv_usec = (suseconds_t)(t_us % 1000000);
		h.caplen = h.len = (uint32_t)len;
		pcap_dump((u_char *)d, &h, buf);
	}
	pcap_dump_close(d);
	pcap_close(dead);
	return 0;
}

static uint64_t fnv64(const uint8_t *p, uint32_t n)
{
	uint64_t h = 14695981039346656037ULL;
	uint32_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int cmd_hash(const char *path, int count_only)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t n = 0;
	pcap_t *p = open_in(path, 1);
	int rc;

	if (!p)
		return 1;
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		n++;
		if (!count_only)
			printf("%u %016" PRIx64 "\n", h->caplen,
			       fnv64(data, h->caplen));
	}
	if (count_only)
		printf("%" PRIu64 "\n", n);
	pcap_close(p);
	return rc == PCAP_ERROR ? 1 : 0;
}

/* Source /24 or /48 of an Ethernet frame (with VLAN tags), or 0. */
static uint32_t source_group(const uint8_t *d, uint32_t len)
{
	uint32_t off = 14;
	uint16_t et;

	if (len < 14)
		return 0;
	et = (uint16_t)(d[12] << 8 | d[13]);
	while ((et == 0x8100 || et == 0x88a8) && off + 4 <= len) {
		et = (uint16_t)(d[off + 2] << 8 | d[off + 3]);
		off += 4;
	}
	if (et == 0x0800 && off + 16 <= len)
		return (uint32_t)d[off + 12] << 16 |
		       (uint32_t)d[off + 13] << 8 | d[off + 14];
	if (et == 0x86dd && off + 14 <= len)
		return (uint32_t)fnv64(d + off + 8, 6);
	return 0;
}

static int cmd_split(int argc, char **argv)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_dumper_t *out[2];
	pcap_t *dead[2], *in;
	int rc, k;

	if (argc < 5)
		return usage();
	in = open_in(argv[2], 0);
	if (!in)
		return 1;
	for (k = 0; k < 2; k++) {
		out[k] = open_out(&dead[k], argv[3 + k]);
		if (!out[k])
			return 1;
	}
	while ((rc = pcap_next_ex(in, &h, &data)) == 1) {
		uint32_t g = source_group(data, h->caplen);

		pcap_dump((u_char *)out[(g * 2654435761u) >> 31], h, data);
	}
	for (k = 0; k < 2; k++) {
		pcap_dump_close(out[k]);
		pcap_close(dead[k]);
	}
	pcap_close(in);
	return rc == PCAP_ERROR ? 1 : 0;
}

static int cmd_normalize(int argc, char **argv)
{
	uint8_t buf[65536 + 14];
	struct pcap_pkthdr *h, oh;
	const u_char *data;
	pcap_dumper_t *out;
	pcap_t *in, *dead;
	int rc, lt, converted;

	if (argc < 4)
		return usage();
	in = open_in(argv[2], 0);
	if (!in)
		return 1;
	lt = pcap_datalink(in);
	/* The link types mxgate-replay reads; it refuses the others, and so
	 * does this (rather than guess raw IP). */
	if (lt != DLT_EN10MB && lt != DLT_LINUX_SLL && lt != DLT_LINUX_SLL2 &&
	    lt != DLT_RAW && lt != DLT_IPV4 && lt != DLT_IPV6) {
		fprintf(stderr, "dp_pcap: %s: unsupported link type %d\n",
			argv[2], lt);
		pcap_close(in);
		return 1;
	}
	converted = lt != DLT_EN10MB || pcap_get_tstamp_precision(in) !=
						PCAP_TSTAMP_PRECISION_MICRO;
	{
		/* nanosecond files report micro here; check the magic */
		FILE *f = fopen(argv[2], "rb");
		uint32_t magic = 0;

		if (f && fread(&magic, 4, 1, f) == 1 &&
		    (magic == 0xa1b23c4d || magic == 0x4d3cb2a1 ||
		     magic == 0x0a0d0d0a))
			converted = 1;
		if (f)
			fclose(f);
	}
	out = open_out(&dead, argv[3]);
	if (!out)
		return 1;
	while ((rc = pcap_next_ex(in, &h, &data)) == 1) {
		uint32_t skip = 0, caplen = h->caplen;
		uint16_t et = 0;

		oh = *h;
		switch (lt) {
		case DLT_EN10MB:
			pcap_dump((u_char *)out, h, data);
			continue;
		case DLT_LINUX_SLL:
			skip = 16;
			if (caplen >= 16)
				et = (uint16_t)(data[14] << 8 | data[15]);
			break;
		case DLT_LINUX_SLL2:
			skip = 20;
			if (caplen >= 20)
				et = (uint16_t)(data[0] << 8 | data[1]);
			break;
		case DLT_IPV4:
			et = 0x0800;
			break;
		case DLT_IPV6:
			et = 0x86dd;
			break;
		default: /* DLT_RAW */
			if (caplen)
				et = (data[0] >> 4) == 6 ? 0x86dd :
				     (data[0] >> 4) == 4 ? 0x0800 :
							   0;
			break;
		}
		if (caplen < skip)
			skip = caplen;
		memset(buf, 0, 14);
		buf[0] = 0x02;
		buf[6] = 0x02;
		buf[11] = 1;
		buf[12] = (uint8_t)(et >> 8);
		buf[13] = (uint8_t)et;
		memcpy(buf + 14, data + skip, caplen - skip);
		oh.caplen = caplen - skip + 14;
		oh.len = h->len >= skip ? h->len - skip + 14 : oh.caplen;
		pcap_dump((u_char *)out, &oh, buf);
	}
	pcap_dump_close(out);
	pcap_close(dead);
	pcap_close(in);
	printf("%s\n", converted ? "converted" : "unchanged");
	return rc == PCAP_ERROR ? 1 : 0;
}

/*
 * concat OUT GAP_S IN...: the frames of every IN (Ethernet, microsecond
 * pcap, as normalize writes them), in order, each IN shifted in time so
 * that its first frame comes GAP_S seconds after the latest frame written
 * so far. One run of mxgate-dp then covers many captures, and their
 * buckets have refilled (most of them) by the time the next one starts.
 */
static int cmd_concat(int argc, char **argv)
{
	struct pcap_pkthdr *h, oh;
	const u_char *data;
	pcap_dumper_t *out;
	pcap_t *in, *dead;
	int64_t latest = -1, gap_us, shift = 0, t;
	int i, rc = 1, first;
	char *end;

	if (argc < 5)
		return usage();
	gap_us = strtoll(argv[3], &end, 10);
	if (*end || gap_us < 0 || gap_us > 365 * 86400)
		return usage();
	gap_us *= 1000000;
	out = open_out(&dead, argv[2]);
	if (!out)
		return 1;
	for (i = 4; i < argc; i++) {
		in = open_in(argv[i], 0);
		if (!in)
			goto close_out;
		if (pcap_datalink(in) != DLT_EN10MB) {
			fprintf(stderr, "dp_pcap: %s: not Ethernet\n", argv[i]);
			pcap_close(in);
			goto close_out;
		}
		first = 1;
		while ((rc = pcap_next_ex(in, &h, &data)) == 1) {
			t = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
			if (first && latest >= 0)
				shift = latest + gap_us - t;
			first = 0;
			t += shift;
			if (t < 0 || t / 1000000 > UINT32_MAX) {
				fprintf(stderr,
					"dp_pcap: %s: time out of range\n",
					argv[i]);
				pcap_close(in);
				rc = 1;
				goto close_out;
			}
			oh = *h;
			oh.ts.tv_sec = t / 1000000;
			oh.ts.tv_usec = t % 1000000;
			pcap_dump((u_char *)out, &oh, data);
			if (t > latest)
				latest = t;
		}
		pcap_close(in);
		if (rc == PCAP_ERROR) {
			rc = 1;
			goto close_out;
		}
	}
	rc = 0;
close_out:
	pcap_dump_close(out);
	pcap_close(dead);
	return rc;
}

/* COUNT TCP SYNs from SRC to DST:DPORT out of IFACE, to DSTMAC or
 * broadcast. */
static int cmd_inject(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	uint8_t buf[256], mac[6];
	struct pktgen_spec s;
	unsigned long i, count;
	pcap_t *p;
	size_t len;

	if (argc < 7)
		return usage();
	count = strtoul(argv[3], NULL, 10);
	memset(mac, 0xff, sizeof(mac));
	if (argc > 7 &&
	    sscanf(argv[7], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
		   &mac[2], &mac[3], &mac[4], &mac[5]) != 6)
		return usage();
	p = pcap_open_live(argv[2], 256, 0, 100, err);
	if (!p) {
		fprintf(stderr, "dp_pcap: %s: %s\n", argv[2], err);
		return 1;
	}
	for (i = 0; i < count; i++) {
		memset(&s, 0, sizeof(s));
		memcpy(s.dst_mac, mac, 6);
		memcpy(s.src_mac, "\x02\x00\x00\x00\x00\x01", 6);
		s.family = strchr(argv[4], ':') ? 6 : 4;
		s.src = argv[4];
		s.dst = argv[5];
		s.sport = (uint16_t)(20000 + i);
		s.dport = (uint16_t)strtoul(argv[6], NULL, 10);
		s.tcp_flags = 0x02;
		s.seq = (uint32_t)rnd();
		len = pktgen_build(&s, buf, sizeof(buf));
		if (!len || pcap_inject(p, buf, len) != (int)len) {
			fprintf(stderr, "dp_pcap: inject: %s\n",
				pcap_geterr(p));
			pcap_close(p);
			return 1;
		}
	}
	pcap_close(p);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return usage();
	if (strcmp(argv[1], "gen") == 0)
		return cmd_gen(argc, argv);
	if (strcmp(argv[1], "hash") == 0)
		return cmd_hash(argv[2], 0);
	if (strcmp(argv[1], "count") == 0)
		return cmd_hash(argv[2], 1);
	if (strcmp(argv[1], "split") == 0)
		return cmd_split(argc, argv);
	if (strcmp(argv[1], "normalize") == 0)
		return cmd_normalize(argc, argv);
	if (strcmp(argv[1], "inject") == 0)
		return cmd_inject(argc, argv);
	if (strcmp(argv[1], "concat") == 0)
		return cmd_concat(argc, argv);
	return usage();
}
