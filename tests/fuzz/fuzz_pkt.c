// SPDX-License-Identifier: BSD-3-Clause
/*
 * libFuzzer target for the packet parser (include/mxgate/pkt.h) and the
 * RST builders (include/mxgate/tcp_rst.h, dataplane/core/rst.c). The
 * first input byte picks the entry point (Ethernet, raw IP with the
 * version nibble, IPv4, IPv6, cooked SLL from offset 16); the rest is the
 * frame, parsed from a heap buffer of exactly its size, so ASan catches
 * any read past it. Checked on every input:
 *  - the status is in range; a parser-limit frame is unparsed;
 *  - every offset the parser reports lies inside the frame;
 *  - the RST (when one can be built) is written into a buffer of exactly
 *    the size mxg_rst_build returns it needs, no more; it is a TCP RST+ACK
 *    with swapped ports and addresses, and its IPv4 header checksum and
 *    its TCP checksum (IPv4 or IPv6 pseudo header) verify;
 *  - mxg_rst_rewrite, over a copy of an Ethernet frame, writes those same
 *    bytes, and nothing past the room it is given (or, one byte short,
 *    nothing at all);
 *  - mxg_pkt_rst_forbidden and the connection-attempt test never fault.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mxgate/csum.h"
#include "mxgate/pkt.h"
#include "mxgate/tcp_rst.h"
#include "rst.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_pkt: %s:%d: %s\n", __FILE__,     \
				__LINE__, #cond);                              \
			abort();                                               \
		}                                                              \
	} while (0)

static const uint16_t ports[3] = { 25, 465, 587 };

/* The RST's checksums verify: IPv4 header, TCP with its pseudo header. */
static void check_rst(const uint8_t *rst, size_t len, size_t l2,
		      const struct mxg_pkt *p)
{
	const uint8_t *ip = rst + l2, *th;
	uint32_t sum;

	CHECK(len > l2);
	if (p->family == MXG_AF_INET) {
		CHECK(len == l2 + 40);
		CHECK(ip[0] == 0x45 && ip[9] == MXG_IPPROTO_TCP);
		CHECK(mxg_csum_fold(mxg_csum_add(0, ip, 20)) == 0xffff);
		CHECK(!memcmp(ip + 12, p->dst, 4) &&
		      !memcmp(ip + 16, p->src, 4));
		sum = mxg_csum_add(0, ip + 12, 8) + MXG_IPPROTO_TCP + 20;
		th = ip + 20;
	} else {
		CHECK(p->family == MXG_AF_INET6);
		CHECK(len == l2 + 60);
		CHECK((ip[0] >> 4) == 6 && ip[6] == MXG_IPPROTO_TCP);
		CHECK(!memcmp(ip + 8, p->dst, 16) &&
		      !memcmp(ip + 24, p->src, 16));
		sum = mxg_csum_add(0, ip + 8, 32) + MXG_IPPROTO_TCP + 20;
		th = ip + 40;
	}
	CHECK(mxg_csum_fold(mxg_csum_add(sum, th, 20)) == 0xffff);
	CHECK(th[13] == (MXG_TCP_RST | MXG_TCP_ACK));
	CHECK(mxg_load_be16(th) == p->dport &&
	      mxg_load_be16(th + 2) == p->sport);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t hdr[MXG_RST_HDR_MAX], tmp[MXG_RST_MAX], *frame, *out;
	struct mxg_pkt p;
	size_t len, n, need;
	uint32_t hlen;
	int mode, eth;

	if (size < 1)
		return 0;
	mode = data[0] % 5;
	len = size - 1;
	frame = malloc(len ? len : 1);
	if (!frame)
		return 0;
	memcpy(frame, data + 1, len);
	eth = mode == 0;
	mxg_pkt_reset(&p);
	switch (mode) {
	case 0:
		mxg_parse_eth(frame, frame + len, &p);
		break;
	case 1:
		mxg_parse_l3(frame, frame + len, 0, 0, &p);
		break;
	case 2:
		mxg_parse_l3(frame, frame + len, 0, MXG_ETH_P_IPV4, &p);
		break;
	case 3:
		mxg_parse_l3(frame, frame + len, 0, MXG_ETH_P_IPV6, &p);
		break;
	default:
		if (len >= 16)
			mxg_parse_ethertype(frame, frame + len, 16,
					    mxg_load_be16(frame + 14), &p);
		break;
	}

	CHECK(p.status < MXG_PKT_STATUS_MAX);
	CHECK(!mxg_pkt_is_parser_limit(&p) || mxg_pkt_is_unparsed(&p));
	CHECK(mxg_pkt_unparsed_kind(&p) <= MXG_UNPARSED_LIMIT);
	if (p.family) {
		CHECK(p.l3_off < len || p.status != MXG_PKT_OK);
		CHECK(p.family == MXG_AF_INET || p.family == MXG_AF_INET6);
	}
	if (p.flags & MXG_PKT_F_PORTS)
		CHECK((size_t)p.l4_off + 4 <= len && p.l4_off > p.l3_off);
	if (p.flags & MXG_PKT_F_TCP_SEQ)
		CHECK((size_t)p.l4_off + 8 <= len);
	if (p.flags & MXG_PKT_F_TCP_FLAGS)
		CHECK((size_t)p.l4_off + 14 <= len);
	if (p.flags & MXG_PKT_F_GROUP_MAC)
		CHECK(eth && len >= 14);
	(void)mxg_pkt_is_smtp_syn(&p, ports, 3, 3);
	(void)mxg_pkt_rst_forbidden(&p);

	/* The shared builder: headers only. */
	hlen = mxg_rst_headers(
		&p,
		mxg_rst_syn_payload(&p, (uint32_t)len,
				    (p.flags & MXG_PKT_F_TCP_FLAGS) ?
					    frame[p.l4_off + 12] :
					    0),
		hdr);
	if (hlen)
		check_rst(hdr, hlen, 0, &p);

	/* The core builder, into a buffer of exactly the size it needs. */
	need = mxg_rst_build(frame, len, &p, eth, tmp, sizeof(tmp));
	CHECK(need <= MXG_RST_MAX);
	CHECK(!need == !hlen || (eth && p.l3_off > len));
	if (need) {
		out = malloc(need);
		if (out) {
			n = mxg_rst_build(frame, len, &p, eth, out, need);
			CHECK(n == need);
			CHECK(!memcmp(out, tmp, n));
			check_rst(out, n, eth ? p.l3_off : 0, &p);
			/* one byte short: refused, nothing written past */
			CHECK(mxg_rst_build(frame, len, &p, eth, out,
					    need - 1) == 0);
			free(out);
		}
	}

	/* In place over the frame (mxgate-dp): the same bytes, and no
	 * write past the room given (ASan: a buffer of exactly that). */
	if (eth && need) {
		size_t room = (size_t)p.l3_off + MXG_RST_HDR_MAX;

		room = room > len ? room : len;
		out = malloc(room);
		if (out) {
			memcpy(out, frame, len);
			CHECK(mxg_rst_rewrite(out, len, room, &p) == need);
			CHECK(!memcmp(out, tmp, need));
			memcpy(out, frame, len);
			CHECK(mxg_rst_rewrite(out, len,
					      (size_t)p.l3_off +
						      MXG_RST_HDR_MAX - 1,
					      &p) == 0);
			CHECK(!memcmp(out, frame, len));
			free(out);
		}
	}
	free(frame);
	return 0;
}
