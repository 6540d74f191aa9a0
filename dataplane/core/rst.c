// SPDX-License-Identifier: BSD-3-Clause
#include "rst.h"

#include <string.h>

#include "mxgate/tcp_rst.h"

size_t mxg_rst_build(const uint8_t *frame, size_t len, const struct mxg_pkt *p,
		     int ethernet, uint8_t *out, size_t cap)
{
	uint32_t l2 = ethernet ? p->l3_off : 0, payload = 0, hlen;
	uint8_t hdr[MXG_RST_HDR_MAX];

	if (p->status != MXG_PKT_OK || !(p->flags & MXG_PKT_F_TCP_SEQ) ||
	    l2 > len)
		return 0;
	/* The data offset byte is there whenever the flags are. */
	if (p->flags & MXG_PKT_F_TCP_FLAGS)
		payload = mxg_rst_syn_payload(p, (uint32_t)len,
					      frame[p->l4_off + 12]);
	hlen = mxg_rst_headers(p, payload, hdr);
	if (!hlen || (size_t)l2 + hlen > cap)
		return 0;
	if (ethernet) {
		memcpy(out, frame + 6, 6); /* back to the sender */
		memcpy(out + 6, frame, 6);
		memcpy(out + 12, frame + 12, l2 - 12); /* tags, ethertype */
	}
	memcpy(out + l2, hdr, hlen);
	return (size_t)l2 + hlen;
}

size_t mxg_rst_rewrite(uint8_t *frame, size_t len, size_t room,
		       const struct mxg_pkt *p)
{
	uint32_t l2 = p->l3_off, payload = 0, hlen;
	uint8_t mac[6];

	if (p->status != MXG_PKT_OK || !(p->flags & MXG_PKT_F_TCP_SEQ) ||
	    l2 > len || (size_t)l2 + MXG_RST_HDR_MAX > room ||
	    (p->family != MXG_AF_INET && p->family != MXG_AF_INET6))
		return 0;
	/* What is read from the frame, before the headers overwrite it. */
	if (p->flags & MXG_PKT_F_TCP_FLAGS)
		payload = mxg_rst_syn_payload(p, (uint32_t)len,
					      frame[p->l4_off + 12]);
	hlen = mxg_rst_headers(p, payload, frame + l2);
	memcpy(mac, frame, 6); /* back to the sender */
	memcpy(frame, frame + 6, 6);
	memcpy(frame + 6, mac, 6);
	return (size_t)l2 + hlen;
}
