// SPDX-License-Identifier: BSD-3-Clause
#include "rst.h"

#include <string.h>

#include "mxgate/csum.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* Bytes of TCP payload the SYN carried (a SYN with data, as TFO). */
static uint32_t syn_payload(const uint8_t *frame, size_t len,
			    const struct mxg_pkt *p)
{
	uint32_t end = p->ip_end < len ? p->ip_end : (uint32_t)len;
	uint32_t doff;

	if (!(p->flags & MXG_PKT_F_TCP_FLAGS) ||
	    (p->flags & MXG_PKT_F_FRAG_FIRST))
		return 0;
	doff = (uint32_t)(frame[p->l4_off + 12] >> 4) * 4;
	return end > p->l4_off + doff ? end - p->l4_off - doff : 0;
}

size_t mxg_rst_build(const uint8_t *frame, size_t len, const struct mxg_pkt *p,
		     int ethernet, uint8_t *out, size_t cap)
{
	uint32_t l2 = ethernet ? p->l3_off : 0, ip_len, sum, i;
	uint8_t *ip, *th, pseudo[40];
	size_t total;

	if (p->status != MXG_PKT_OK || !(p->flags & MXG_PKT_F_TCP_SEQ) ||
	    (p->family != MXG_AF_INET && p->family != MXG_AF_INET6))
		return 0;
	ip_len = p->family == MXG_AF_INET ? 20 : 40;
	total = (size_t)l2 + ip_len + 20;
	if (total > cap || l2 > len)
		return 0;
	memset(out, 0, total);

	if (ethernet) {
		memcpy(out, frame + 6, 6); /* to the sender */
		memcpy(out + 6, frame, 6);
		memcpy(out + 12, frame + 12, l2 - 12); /* tags, ethertype */
	}
	ip = out + l2;
	th = ip + ip_len;
	if (p->family == MXG_AF_INET) {
		ip[0] = 0x45;
		put16(ip + 2, 40);
		put16(ip + 6, 0x4000); /* DF */
		ip[8] = 64;
		ip[9] = MXG_IPPROTO_TCP;
		memcpy(ip + 12, p->dst, 4);
		memcpy(ip + 16, p->src, 4);
		put16(ip + 10,
		      (uint16_t)~mxg_csum_fold(mxg_csum_add(0, ip, 20)));
		memcpy(pseudo, ip + 12, 8);
		pseudo[8] = 0;
		pseudo[9] = MXG_IPPROTO_TCP;
		put16(pseudo + 10, 20);
		sum = mxg_csum_add(0, pseudo, 12);
	} else {
		ip[0] = 0x60;
		put16(ip + 4, 20);
		ip[6] = MXG_IPPROTO_TCP;
		ip[7] = 64;
		memcpy(ip + 8, p->dst, 16);
		memcpy(ip + 24, p->src, 16);
		memcpy(pseudo, ip + 8, 32);
		put32(pseudo + 32, 20);
		for (i = 36; i < 39; i++)
			pseudo[i] = 0;
		pseudo[39] = MXG_IPPROTO_TCP;
		sum = mxg_csum_add(0, pseudo, 40);
	}
	put16(th, p->dport);
	put16(th + 2, p->sport);
	put32(th + 4, 0);
	put32(th + 8, p->tcp_seq + 1 + syn_payload(frame, len, p));
	th[12] = 5 << 4;
	th[13] = MXG_TCP_RST | MXG_TCP_ACK;
	sum = mxg_csum_add(sum, th, 20);
	put16(th + 16, (uint16_t)~mxg_csum_fold(sum));
	return total;
}
