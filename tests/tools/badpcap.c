// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxgate-badpcap: hostile capture files, written by hand (libpcap's
 * writer would refuse to produce most of them). pcap files are
 * little-endian, version 2.4, microsecond timestamps, unless the kind
 * says otherwise.
 */
#include "badpcap.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/pktgen.h"
#include "cli.h"

#define PROG "mxgate-badpcap"

struct bytes {
	uint8_t *p;
	size_t n, cap;
	int failed;
};

static void put(struct bytes *b, const void *data, size_t n)
{
	if (b->failed || !n)
		return;
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *p;

		while (cap < b->n + n)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->failed = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, data, n);
	b->n += n;
}

static void put32(struct bytes *b, uint32_t v, int big_endian)
{
	uint8_t x[4];

	if (big_endian) {
		x[0] = (uint8_t)(v >> 24);
		x[1] = (uint8_t)(v >> 16);
		x[2] = (uint8_t)(v >> 8);
		x[3] = (uint8_t)v;
	} else {
		x[0] = (uint8_t)v;
		x[1] = (uint8_t)(v >> 8);
		x[2] = (uint8_t)(v >> 16);
		x[3] = (uint8_t)(v >> 24);
	}
	put(b, x, 4);
}

static void put16(struct bytes *b, uint16_t v, int big_endian)
{
	uint8_t x[2];

	x[0] = (uint8_t)(big_endian ? v >> 8 : v);
	x[1] = (uint8_t)(big_endian ? v : v >> 8);
	put(b, x, 2);
}

static void file_header(struct bytes *b, uint32_t magic, uint32_t snaplen,
			uint32_t linktype, int be)
{
	put32(b, magic, be);
	put16(b, 2, be);
	put16(b, 4, be);
	put32(b, 0, be); /* thiszone */
	put32(b, 0, be); /* sigfigs */
	put32(b, snaplen, be);
	put32(b, linktype, be);
}

static void rec_header(struct bytes *b, uint32_t sec, uint32_t usec,
		       uint32_t caplen, uint32_t len, int be)
{
	put32(b, sec, be);
	put32(b, usec, be);
	put32(b, caplen, be);
	put32(b, len, be);
}

/* The good SYN, with 'payload' bytes of data (0 for a 54-byte frame). */
static size_t syn_frame(uint8_t *buf, size_t cap, uint16_t payload)
{
	struct pktgen_spec sp;

	memset(&sp, 0, sizeof(sp));
	sp.family = 4;
	sp.src = "203.0.113.9";
	sp.dst = "198.51.100.25";
	sp.sport = 40000;
	sp.dport = 25;
	sp.seq = 1000;
	sp.tcp_flags = 0x02;
	sp.payload_len = payload;
	memcpy(sp.src_mac, "\x00\x00\x5e\x00\x53\x01", 6);
	memcpy(sp.dst_mac, "\x00\x00\x5e\x00\x53\x25", 6);
	return pktgen_build(&sp, buf, cap);
}

static void good_records(struct bytes *b, unsigned int n, int be)
{
	uint8_t f[64];
	size_t len = syn_frame(f, sizeof(f), 0);
	unsigned int i;

	for (i = 0; i < n; i++) {
		rec_header(b, 1700000000u + i, 0, (uint32_t)len, (uint32_t)len,
			   be);
		put(b, f, len);
	}
}

static void std_header(struct bytes *b)
{
	file_header(b, 0xa1b2c3d4u, 262144, 1, 0);
}

/* pcapng, little-endian, by hand. */
static void ng_block(struct bytes *b, uint32_t type, const uint8_t *body,
		     size_t n, uint32_t claimed_total)
{
	uint32_t total = (uint32_t)(12 + n);

	put32(b, type, 0);
	put32(b, claimed_total ? claimed_total : total, 0);
	put(b, body, n);
	put32(b, total, 0);
}

static void ng_shb(struct bytes *b)
{
	uint8_t body[16] = { 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0 };

	memset(body + 8, 0xff, 8);
	ng_block(b, 0x0A0D0D0Au, body, sizeof(body), 0);
}

static void ng_idb(struct bytes *b)
{
	uint8_t body[8] = { 1, 0, 0, 0, 0, 0, 4, 0 }; /* Ethernet, 262144 */

	ng_block(b, 1, body, sizeof(body), 0);
}

static void le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void ng_epb(struct bytes *b, unsigned int i)
{
	uint8_t body[20 + 64] = { 0 }, f[64];
	size_t len = syn_frame(f, sizeof(f), 0), padded = (len + 3) & ~3u;
	uint64_t ts = (1700000000ull + i) * 1000000ull;

	le32(body + 4, (uint32_t)(ts >> 32));
	le32(body + 8, (uint32_t)ts);
	le32(body + 12, (uint32_t)len);
	le32(body + 16, (uint32_t)len);
	memcpy(body + 20, f, len);
	ng_block(b, 6, body, 20 + padded, 0);
}

static void build(const char *kind, struct bytes *b)
{
	uint8_t f[PKTGEN_MAX_FRAME];
	size_t len;
	unsigned int i;

	if (!strcmp(kind, "truncated-record")) {
		std_header(b);
		good_records(b, 3, 0);
		rec_header(b, 1700000003u, 0, 1514, 1514, 0);
		len = syn_frame(f, sizeof(f), 6);
		put(b, f, len);
	} else if (!strcmp(kind, "caplen-gt-len")) {
		std_header(b);
		good_records(b, 3, 0);
		len = syn_frame(f, sizeof(f), 20);
		rec_header(b, 1700000003u, 0, (uint32_t)len, 54, 0);
		put(b, f, len);
	} else if (!strcmp(kind, "zero-length")) {
		std_header(b);
		good_records(b, 1, 0);
		rec_header(b, 1700000001u, 0, 0, 0, 0);
		rec_header(b, 1700000002u, 0, 0, 60, 0);
	} else if (!strcmp(kind, "jumbo") || !strcmp(kind, "jumbo-snaplen")) {
		file_header(b, 0xa1b2c3d4u, kind[5] ? 1514 : 65535, 1, 0);
		len = syn_frame(f, sizeof(f), 8946);
		for (i = 0; i < 3; i++) {
			rec_header(b, 1700000000u + i, 0, (uint32_t)len,
				   (uint32_t)len, 0);
			put(b, f, len);
		}
	} else if (!strcmp(kind, "unknown-linktype")) {
		file_header(b, 0xa1b2c3d4u, 262144, 147, 0);
		good_records(b, 3, 0);
	} else if (!strcmp(kind, "cut-mid-record") ||
		   !strcmp(kind, "cut-mid-record-header")) {
		std_header(b);
		good_records(b, 3, 0);
		rec_header(b, 1700000003u, 0, 54, 54, 0);
		b->n -= 8;
	} else if (!strcmp(kind, "cut-mid-record-data")) {
		std_header(b);
		good_records(b, 3, 0);
		len = syn_frame(f, sizeof(f), 0);
		rec_header(b, 1700000003u, 0, (uint32_t)len, (uint32_t)len, 0);
		put(b, f, 30);
	} else if (!strcmp(kind, "caplen-huge")) {
		std_header(b);
		good_records(b, 3, 0);
		rec_header(b, 1700000003u, 0, 0xffffffffu, 0xffffffffu, 0);
		len = syn_frame(f, sizeof(f), 0);
		put(b, f, len);
	} else if (!strcmp(kind, "bad-magic")) {
		file_header(b, 0xdeadbeefu, 262144, 1, 0);
		good_records(b, 3, 0);
	} else if (!strcmp(kind, "empty")) {
		put(b, "", 0);
	} else if (!strcmp(kind, "header-only")) {
		std_header(b);
	} else if (!strcmp(kind, "short-header")) {
		std_header(b);
		b->n = 10;
	} else if (!strcmp(kind, "swapped")) {
		file_header(b, 0xa1b2c3d4u, 262144, 1, 1);
		good_records(b, 3, 1);
	} else if (!strcmp(kind, "time-backwards")) {
		std_header(b);
		len = syn_frame(f, sizeof(f), 0);
		for (i = 0; i < 3; i++) {
			/* 1700000010, 1700000005, 1700000000 */
			rec_header(b, 1700000010u - 5 * i, 0, (uint32_t)len,
				   (uint32_t)len, 0);
			put(b, f, len);
		}
	} else if (!strcmp(kind, "pcapng-truncated-block")) {
		ng_shb(b);
		ng_idb(b);
		ng_epb(b, 0);
		ng_epb(b, 1);
		ng_epb(b, 2);
		put32(b, 6, 0);
		put32(b, 200, 0); /* says 200 bytes; 40 follow */
		put(b, f, 32);
	} else if (!strcmp(kind, "pcapng-no-idb")) {
		ng_shb(b);
		ng_epb(b, 0);
	}
}

const struct badpcap_kind badpcap_kinds[] = {
	{ "truncated-record",
	  "3 SYNs, then a record header claiming 1514 bytes with 60 after it",
	  BADPCAP_READ_FAILS, 3,
	  "3 records, then pcap_next_ex -1: \"truncated dump file; tried to "
	  "read 1514 captured bytes, only got 60\"" },
	{ "caplen-gt-len",
	  "3 SYNs, then a 74-byte record whose original length says 54",
	  BADPCAP_READS, 4,
	  "read as is: caplen 74 > len 54 is passed through unchanged" },
	{ "zero-length", "1 SYN, a record of 0/0 bytes, one of 0 of 60",
	  BADPCAP_READS, 3, "read as is: records with caplen 0" },
	{ "jumbo", "3 SYNs of 9000 bytes (8946 of data), snaplen 65535",
	  BADPCAP_READS, 3, "read as is" },
	{ "jumbo-snaplen",
	  "3 SYNs of 9000 bytes in a file whose header snaplen is 1514",
	  BADPCAP_READS, 3,
	  "read, each record cut to the snaplen: caplen 1514, len 9000" },
	{ "unknown-linktype", "3 SYNs under link type 147 (USER0)",
	  BADPCAP_READS, 3,
	  "opens; pcap_datalink() is 147; the reader must refuse the link "
	  "type itself" },
	{ "cut-mid-record-header",
	  "3 SYNs, then 8 of the 16 bytes of a record header",
	  BADPCAP_READ_FAILS, 3,
	  "3 records, then -1: \"truncated dump file; tried to read 16 header "
	  "bytes, only got 8\"" },
	{ "cut-mid-record", "the same file as cut-mid-record-header",
	  BADPCAP_READ_FAILS, 3, "as cut-mid-record-header" },
	{ "cut-mid-record-data",
	  "3 SYNs, then a record header for 54 bytes and 30 of them",
	  BADPCAP_READ_FAILS, 3,
	  "3 records, then -1: \"truncated dump file; tried to read 54 "
	  "captured bytes, only got 30\"" },
	{ "caplen-huge", "3 SYNs, then a record with caplen 0xffffffff",
	  BADPCAP_READ_FAILS, 3,
	  "3 records, then -1: \"invalid packet capture length 4294967295, "
	  "bigger than snaplen of 262144\"" },
	{ "bad-magic", "a file header with magic 0xdeadbeef, then 3 SYNs",
	  BADPCAP_OPEN_FAILS, 0, "open fails: \"unknown file format\"" },
	{ "empty", "0 bytes", BADPCAP_OPEN_FAILS, 0,
	  "open fails: \"truncated dump file; tried to read 4 file header "
	  "bytes, only got 0\"" },
	{ "header-only", "a valid file header and no records", BADPCAP_READS, 0,
	  "opens; the first pcap_next_ex is -2 (end of file)" },
	{ "short-header", "the first 10 bytes of a file header",
	  BADPCAP_OPEN_FAILS, 0,
	  "open fails: \"truncated dump file; tried to read 24 file header "
	  "bytes, only got 6\"" },
	{ "swapped", "a valid big-endian file with 3 SYNs", BADPCAP_READS, 3,
	  "read as is, byte-swapped by libpcap" },
	{ "time-backwards", "3 SYNs at 1700000010, ...005, ...000",
	  BADPCAP_READS, 3,
	  "read as is: libpcap does not check timestamp order" },
	{ "pcapng-truncated-block",
	  "pcapng: 3 SYN EPBs, then an EPB header claiming 200 bytes with "
	  "32 after it",
	  BADPCAP_READ_FAILS, 3,
	  "3 records, then -1: \"truncated pcapng dump file; tried to read "
	  "192 bytes, only got 32\"" },
	{ "pcapng-no-idb", "pcapng: a section header then an EPB, no IDB",
	  BADPCAP_OPEN_FAILS, 0,
	  "open fails: \"the capture file has a packet block before any "
	  "Interface Description Blocks\"" },
};
const unsigned int badpcap_n_kinds =
	sizeof(badpcap_kinds) / sizeof(badpcap_kinds[0]);

static const struct badpcap_kind *find_kind(const char *name)
{
	unsigned int i;

	for (i = 0; i < badpcap_n_kinds; i++)
		if (!strcmp(badpcap_kinds[i].name, name))
			return &badpcap_kinds[i];
	return NULL;
}

const char *badpcap_suffix(const struct badpcap_kind *k)
{
	return strncmp(k->name, "pcapng", 6) ? ".pcap" : ".pcapng";
}

int badpcap_write(const char *kind, const char *path)
{
	struct bytes b = { 0 };
	FILE *f;
	int ret = 0;

	if (!find_kind(kind))
		return -EINVAL;
	build(kind, &b);
	if (b.failed) {
		free(b.p);
		return -ENOMEM;
	}
	f = fopen(path, "wb");
	if (!f) {
		ret = -errno;
		goto free_bytes;
	}
	if (b.n && fwrite(b.p, 1, b.n, f) != b.n)
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -EIO;
free_bytes:
	free(b.p);
	return ret;
}

/* Print 'text' after 'lead' (at column 6), wrapped at 79 to column 15. */
static void print_wrapped(FILE *out, const char *lead, const char *text)
{
	fprintf(out, "      %-9s", lead);
	mxg_cli_wrap(out, 15, 15, text);
}

static void print_help(FILE *out)
{
	unsigned int i;

	fputs("Usage: " PROG " KIND OUT\n"
	      "       " PROG " --all DIR   writes DIR/KIND.pcap (or .pcapng)\n"
	      "       " PROG " --list      lists the kinds\n"
	      "\n"
	      "Writes a deliberately broken or unusual capture file, byte by "
	      "byte.\n"
	      "Good records are Ethernet IPv4 SYNs 203.0.113.9 -> "
	      "198.51.100.25:25.\n"
	      "\nKinds, and what libpcap 1.10 does with them:\n",
	      out);
	for (i = 0; i < badpcap_n_kinds; i++) {
		fprintf(out, "  %s\n", badpcap_kinds[i].name);
		print_wrapped(out, "file:", badpcap_kinds[i].file);
		print_wrapped(out, "libpcap:", badpcap_kinds[i].libpcap);
	}
	fputs("\nExit status: 0 written; 1 a file could not be written; 2 bad "
	      "arguments.\n",
	      out);
}

int badpcap_main(int argc, char **argv)
{
	char path[4096];
	unsigned int i;
	int ret;

	if (argc == 2 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		print_help(stdout);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (i = 0; i < badpcap_n_kinds; i++)
			printf("%s\n", badpcap_kinds[i].name);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--all")) {
		for (i = 0; i < badpcap_n_kinds; i++) {
			const struct badpcap_kind *k = &badpcap_kinds[i];

			if (snprintf(path, sizeof(path), "%s/%s%s", argv[2],
				     k->name,
				     badpcap_suffix(k)) >= (int)sizeof(path)) {
				fprintf(stderr, PROG ": %s: path too long\n",
					argv[2]);
				return 2;
			}
			ret = badpcap_write(k->name, path);
			if (ret) {
				fprintf(stderr, PROG ": %s: %s\n", path,
					strerror(-ret));
				return 1;
			}
		}
		return 0;
	}
	if (argc != 3 || argv[1][0] == '-') {
		fprintf(stderr, PROG ": expected KIND OUT, --all DIR or --list "
				     "(see --help)\n");
		return 2;
	}
	if (!find_kind(argv[1])) {
		fprintf(stderr, PROG ": unknown kind \"%s\" (see --list)\n",
			argv[1]);
		return 2;
	}
	ret = badpcap_write(argv[1], argv[2]);
	if (ret) {
		fprintf(stderr, PROG ": %s: %s\n", argv[2], strerror(-ret));
		return 1;
	}
	return 0;
}
