/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * The IP and TCP headers of the RST answering a SYN (DESIGN §3, 'over':
 * 'reset'), for the XDP program, which rewrites the SYN into the RST in
 * place. They are the headers dataplane/core/rst.c builds: addresses and ports
 * swapped, RST+ACK, seq 0, ack = the SYN's seq + 1 + its payload, IPv4
 * with DF, TTL 64 and id 0 (IPv6: hop limit 64, no extension headers),
 * no options, window 0, correct checksums. tests/unit/test_xdp_prog.c
 * checks the two byte for byte.
 */
#ifndef MXGATE_TCP_RST_H
#define MXGATE_TCP_RST_H

#include "compat.h"
#include "csum.h"
#include "pkt.h"

#define MXG_RST_HDR_MAX (40 + 20)

MXG_INLINE void mxg_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

MXG_INLINE void mxg_put32(uint8_t *p, uint32_t v)
{
	mxg_put16(p, (uint16_t)(v >> 16));
	mxg_put16(p + 2, (uint16_t)v);
}

/*
 * Bytes of TCP payload the SYN carried (a SYN with data, as TFO), given
 * the frame length and the TCP data offset byte (header byte 12).
 */
MXG_INLINE uint32_t mxg_rst_syn_payload(const struct mxg_pkt *p,
					uint32_t frame_len, uint8_t doff_byte)
{
	uint32_t end = p->ip_end < frame_len ? p->ip_end : frame_len;
	uint32_t doff = (uint32_t)(doff_byte >> 4) * 4;

	if (!(p->flags & MXG_PKT_F_TCP_FLAGS) ||
	    (p->flags & MXG_PKT_F_FRAG_FIRST))
		return 0;
	return end > (uint32_t)p->l4_off + doff ? end - p->l4_off - doff : 0;
}

/*
 * Write into hdr the IP header and the TCP header of the RST answering
 * the SYN parsed as p, which carried 'payload' bytes. Returns their
 * length (40 for IPv4, 60 for IPv6), or 0 when no RST can be built (no
 * TCP sequence number, as in a tiny fragment).
 */
MXG_INLINE uint32_t mxg_rst_headers(const struct mxg_pkt *p, uint32_t payload,
				    uint8_t hdr[MXG_RST_HDR_MAX])
{
	uint8_t *th;
	uint32_t sum, i;

	if (p->status != MXG_PKT_OK || !(p->flags & MXG_PKT_F_TCP_SEQ))
		return 0;
	for (i = 0; i < MXG_RST_HDR_MAX; i++)
		hdr[i] = 0;
	if (p->family == MXG_AF_INET) {
		hdr[0] = 0x45;
		mxg_put16(hdr + 2, 40);
		mxg_put16(hdr + 6, 0x4000); /* DF */
		hdr[8] = 64;
		hdr[9] = MXG_IPPROTO_TCP;
		for (i = 0; i < 4; i++) {
			hdr[12 + i] = p->dst[i];
			hdr[16 + i] = p->src[i];
		}
		mxg_put16(hdr + 10,
			  (uint16_t)~mxg_csum_fold(mxg_csum_add(0, hdr, 20)));
		/* pseudo header: addresses, protocol, TCP length */
		sum = mxg_csum_add(0, hdr + 12, 8) + MXG_IPPROTO_TCP + 20;
		th = hdr + 20;
	} else if (p->family == MXG_AF_INET6) {
		hdr[0] = 0x60;
		mxg_put16(hdr + 4, 20);
		hdr[6] = MXG_IPPROTO_TCP;
		hdr[7] = 64;
		for (i = 0; i < 16; i++) {
			hdr[8 + i] = p->dst[i];
			hdr[24 + i] = p->src[i];
		}
		sum = mxg_csum_add(0, hdr + 8, 32) + MXG_IPPROTO_TCP + 20;
		th = hdr + 40;
	} else {
		return 0;
	}
	mxg_put16(th, p->dport);
	mxg_put16(th + 2, p->sport);
	mxg_put32(th + 8, p->tcp_seq + 1 + payload);
	th[12] = 5 << 4;
	th[13] = MXG_TCP_RST | MXG_TCP_ACK;
	sum = mxg_csum_add(sum, th, 20);
	mxg_put16(th + 16, (uint16_t)~mxg_csum_fold(sum));
	return p->family == MXG_AF_INET ? 40 : 60;
}

#endif /* MXGATE_TCP_RST_H */
