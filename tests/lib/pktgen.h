/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame builder for tests and the scenario generator: Ethernet, up to
 * two VLAN tags, IPv4 (options, fragments) or IPv6 (extension headers,
 * fragments), TCP or another protocol, with valid checksums unless a
 * field is deliberately set wrong.
 */
#ifndef MXGATE_TESTS_PKTGEN_H
#define MXGATE_TESTS_PKTGEN_H

#include <stddef.h>
#include <stdint.h>

#define PKTGEN_MAX_FRAME 9216
#define PKTGEN_EXT_MAX	 12

enum pktgen_ext {
	PKTGEN_EXT_HOPOPTS = 0,
	PKTGEN_EXT_ROUTING = 43,
	PKTGEN_EXT_FRAGMENT = 44,
	PKTGEN_EXT_AH = 51,
	PKTGEN_EXT_DSTOPTS = 60,
};

struct pktgen_spec {
	/* Layer 2 */
	uint8_t n_vlans;       /* 0..3 */
	uint16_t vlan_tpid[3]; /* 0 means 0x8100 */
	uint16_t vlan_tci[3];
	uint16_t ethertype; /* 0: from family */
	uint8_t src_mac[6];
	uint8_t dst_mac[6];

	/* Layer 3: family 4 or 6, or 0 for an L2 frame with no IP header */
	int family;
	const char *src; /* textual address */
	const char *dst;
	uint8_t ip_opt_words; /* IPv4 option words (IHL - 5) */
	uint16_t ip4_frag;    /* raw IPv4 flags+offset field */
	int ip_len_delta;     /* added to the IP length field */
	int ihl_override;     /* >0: IHL nibble written as is */
	int version_override; /* >0: version nibble written as is */
	uint8_t proto;	      /* 0: TCP */
	uint8_t n_ext;	      /* IPv6 extension headers, in order */
	uint8_t ext[PKTGEN_EXT_MAX];
	uint8_t ext_len8[PKTGEN_EXT_MAX]; /* hdr ext len field (AH: len) */
	uint16_t ip6_frag;		  /* raw IPv6 fragment offset+M field */
	uint16_t ip_id;			  /* IPv4 identification; 0: 0x1234 */
	uint8_t ttl;			  /* TTL or hop limit; 0: 64 */

	/* Layer 4 */
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint32_t seq, ack;
	uint8_t doff_words;   /* 0: 5 */
	uint16_t window;      /* TCP window; 0: 65535 */
	uint16_t l4_len;      /* for non-TCP: bytes of L4 payload */
	uint16_t payload_len; /* TCP payload bytes */
	/*
	 * Option bytes, (doff_words - 5) * 4 of them; NULL: zeros (EOL).
	 */
	const uint8_t *tcp_opts;
	/*
	 * Bytes to copy instead of the filler: the TCP payload (payload_len
	 * bytes); for UDP (proto 17) the data after the UDP header
	 * (l4_len - 8 bytes); for another protocol the whole L4 part
	 * (l4_len bytes); with family 0, the bytes after the ethertype
	 * (payload_len bytes, padded to the 60-byte minimum frame).
	 * NULL: TCP payload 'a'..'z', other bytes zero.
	 */
	const uint8_t *payload;

	/* Framing */
	uint16_t eth_pad; /* trailing bytes after the IP packet */
	int cut;	  /* >0: frame truncated to this many bytes */
};

/*
 * Build the frame into buf (cap bytes). Returns its length, or 0 if the
 * spec does not fit or names a bad address.
 *
 * Checksums: IPv4 header and TCP always. UDP (proto 17, l4_len >= 8):
 * the header is written from sport, dport and l4_len, with its checksum.
 * ICMP (proto 1) and ICMPv6 (proto 58) with 'payload' set: the checksum
 * at L4 bytes 2-3 is computed over the given message.
 */
size_t pktgen_build(const struct pktgen_spec *s, uint8_t *buf, size_t cap);

/*
 * Cut one fragment out of a whole IPv4 or IPv6 packet in an Ethernet
 * frame (up to three VLAN tags): bytes [from, to) of the IP payload
 * (everything after the IPv4 header, or after the fixed IPv6 header),
 * with the more-fragments flag 'more' and identification 'id'. IPv4
 * gets its length, flags/offset and header checksum rewritten; IPv6
 * gets a fragment header inserted after the fixed header. 'from' must
 * be a multiple of 8 and 'to' at most the payload length. Returns the
 * fragment's length in out (cap bytes), or 0 if the request is invalid.
 */
size_t pktgen_fragment(const uint8_t *frame, size_t len, size_t from, size_t to,
		       int more, uint32_t id, uint8_t *out, size_t cap);

/* Internet checksum over a buffer, folded, not complemented. */
uint32_t pktgen_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t pktgen_csum_fold(uint32_t sum);

#endif
