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

	/* Layer 4 */
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint32_t seq, ack;
	uint8_t doff_words;   /* 0: 5 */
	uint16_t l4_len;      /* for non-TCP: bytes of L4 payload */
	uint16_t payload_len; /* TCP payload bytes */

	/* Framing */
	uint16_t eth_pad; /* trailing bytes after the IP packet */
	int cut;	  /* >0: frame truncated to this many bytes */
};

/*
 * Build the frame into buf (cap bytes). Returns its length, or 0 if the
 * spec does not fit or names a bad address.
 */
size_t pktgen_build(const struct pktgen_spec *s, uint8_t *buf, size_t cap);

/* Internet checksum over a buffer, folded, not complemented. */
uint32_t pktgen_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t pktgen_csum_fold(uint32_t sum);

#endif
