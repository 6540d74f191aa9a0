/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture files for tests, demos and benchmarks: pcap with microsecond
 * or nanosecond timestamps (written through libpcap) and pcapng (SHB,
 * IDB with if_tsresol = 9, EPBs; written here, since libpcap 1.10 has
 * no pcapng writer). Frames are built as Ethernet and converted to the
 * output link type: Ethernet, Linux cooked v1 (SLL), v2 (SLL2) or raw
 * IP.
 */
#ifndef MXGATE_TESTS_CAPTURE_WRITER_H
#define MXGATE_TESTS_CAPTURE_WRITER_H

#include <stddef.h>
#include <stdint.h>

enum capw_format {
	CAPW_PCAP,    /* classic pcap, microsecond timestamps */
	CAPW_PCAP_NS, /* classic pcap, nanosecond timestamps */
	CAPW_PCAPNG,  /* pcapng, nanosecond timestamps */
};

enum capw_link {
	CAPW_LINK_ETH,	/* LINKTYPE_ETHERNET 1 */
	CAPW_LINK_SLL,	/* LINKTYPE_LINUX_SLL 113 */
	CAPW_LINK_SLL2, /* LINKTYPE_LINUX_SLL2 276 */
	CAPW_LINK_RAW,	/* LINKTYPE_RAW 101: the IP packet alone */
};

#define CAPW_SLL_HLEN  16
#define CAPW_SLL2_HLEN 20

/* Frame direction for the cooked headers' packet type. */
#define CAPW_F_OUTGOING 0x1

struct capw;

/* Name <-> value; the *_from_name functions return -EINVAL if unknown. */
int capw_format_from_name(const char *name);
const char *capw_format_name(enum capw_format f);
int capw_link_from_name(const char *name);
const char *capw_link_name(enum capw_link l);
uint32_t capw_link_type(enum capw_link l);

/* Timestamp granularity of the format in nanoseconds (1000 or 1). */
uint64_t capw_quantum_ns(enum capw_format f);

/*
 * Open 'path' ("-" is stdout). 'comment' (may be NULL) goes into the
 * pcapng section header. Returns 0 or a negative errno; on error *out
 * is NULL and 'err' (errlen bytes) says why.
 */
int capw_open(struct capw **out, const char *path, enum capw_format format,
	      enum capw_link link, uint32_t snaplen, const char *comment,
	      char *err, size_t errlen);

/* Append one record: ts_ns since the epoch, caplen bytes of a frame
 * whose original length was len. Returns 0 or a negative errno. */
int capw_write(struct capw *w, uint64_t ts_ns, const uint8_t *data,
	       uint32_t caplen, uint32_t len);

/* Flush and close; returns 0, or -EIO if any write failed. */
int capw_close(struct capw *w);

/*
 * Convert an Ethernet frame (caplen of len bytes captured) to 'link'
 * into out (cap bytes). Returns 1 when converted, 0 when the frame has
 * no equivalent in that link type (cooked: shorter than an Ethernet
 * header; raw: not IPv4/IPv6 after at most two VLAN tags, or cut before
 * the IP header), -EINVAL if out is too small.
 *
 * Cooked headers keep VLAN tags the way libpcap writes them: the
 * protocol field holds the TPID and the tag follows it.
 */
int capw_convert(enum capw_link link, const uint8_t *eth, uint32_t caplen,
		 uint32_t len, unsigned int flags, uint8_t *out, size_t cap,
		 uint32_t *out_caplen, uint32_t *out_len);

#endif
