// SPDX-License-Identifier: BSD-3-Clause
#include "pktgen.h"

#include <arpa/inet.h>
#include <string.h>

#include "mxgate/csum.h"

uint32_t pktgen_csum_add(uint32_t sum, const void *data, size_t len)
{
	return mxg_csum_add(sum, data, (uint32_t)len);
}

uint16_t pktgen_csum_fold(uint32_t sum)
{
	return mxg_csum_fold(sum);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static size_t ext_len(uint8_t type, uint8_t len8)
{
	if (type == PKTGEN_EXT_FRAGMENT)
		return 8;
	if (type == PKTGEN_EXT_AH)
		return ((size_t)len8 + 2) * 4;
	return ((size_t)len8 + 1) * 8;
}

size_t pktgen_build(const struct pktgen_spec *s, uint8_t *buf, size_t cap)
{
	uint8_t src[16] = { 0 }, dst[16] = { 0 };
	size_t off = 12, l3, l4, ip_hlen = 0, l4_len, total, i;
	uint8_t proto = s->proto ? s->proto : 6;
	uint16_t ethertype;

	if (cap > PKTGEN_MAX_FRAME)
		cap = PKTGEN_MAX_FRAME;
	memset(buf, 0, cap);
	memcpy(buf, s->dst_mac, 6);
	memcpy(buf + 6, s->src_mac, 6);
	if (s->n_vlans > 3)
		return 0;
	for (i = 0; i < s->n_vlans; i++) {
		put16(buf + off, s->vlan_tpid[i] ? s->vlan_tpid[i] : 0x8100);
		put16(buf + off + 2, s->vlan_tci[i]);
		off += 4;
	}
	ethertype = s->ethertype;
	if (!ethertype)
		ethertype = s->family == 6 ? 0x86dd :
			    s->family == 4 ? 0x0800 :
					     0x88b5;
	put16(buf + off, ethertype);
	off += 2;
	l3 = off;

	if (s->family == 0) {
		total = l3 + 46 + s->eth_pad;
		goto finish;
	}
	if (s->family == 4) {
		if (inet_pton(AF_INET, s->src, src) != 1 ||
		    inet_pton(AF_INET, s->dst, dst) != 1)
			return 0;
		ip_hlen = 20 + 4 * (size_t)s->ip_opt_words;
	} else {
		if (inet_pton(AF_INET6, s->src, src) != 1 ||
		    inet_pton(AF_INET6, s->dst, dst) != 1)
			return 0;
		ip_hlen = 40;
		for (i = 0; i < s->n_ext; i++)
			ip_hlen += ext_len(s->ext[i], s->ext_len8[i]);
	}
	l4 = l3 + ip_hlen;
	if (proto == 6)
		l4_len = 4 * (size_t)(s->doff_words ? s->doff_words : 5) +
			 s->payload_len;
	else
		l4_len = s->l4_len;
	total = l4 + l4_len;
	if (total + s->eth_pad > cap)
		return 0;

	if (proto == 6) {
		uint8_t *th = buf + l4;
		uint8_t doff = s->doff_words ? s->doff_words : 5;
		uint32_t sum = 0;
		uint8_t pseudo[40] = { 0 };

		/* Payload first: a malformed doff < 5 overlaps the header. */
		for (i = 0; i < s->payload_len; i++)
			th[4 * (size_t)doff + i] = (uint8_t)('a' + i % 26);
		put16(th, s->sport);
		put16(th + 2, s->dport);
		put32(th + 4, s->seq);
		put32(th + 8, s->ack);
		th[12] = (uint8_t)(doff << 4);
		th[13] = s->tcp_flags;
		put16(th + 14, 65535);
		if (s->family == 4) {
			memcpy(pseudo, src, 4);
			memcpy(pseudo + 4, dst, 4);
			pseudo[9] = 6;
			put16(pseudo + 10, (uint16_t)l4_len);
			sum = pktgen_csum_add(0, pseudo, 12);
		} else {
			memcpy(pseudo, src, 16);
			memcpy(pseudo + 16, dst, 16);
			put32(pseudo + 32, (uint32_t)l4_len);
			pseudo[39] = 6;
			sum = pktgen_csum_add(0, pseudo, 40);
		}
		sum = pktgen_csum_add(sum, th, l4_len);
		put16(th + 16, (uint16_t)~pktgen_csum_fold(sum));
	}

	if (s->family == 4) {
		uint8_t *ip = buf + l3;
		int ihl = s->ihl_override > 0 ? s->ihl_override :
						(int)(ip_hlen / 4);
		int ver = s->version_override > 0 ? s->version_override : 4;

		ip[0] = (uint8_t)(ver << 4 | (ihl & 0xf));
		put16(ip + 2, (uint16_t)(total - l3 + s->ip_len_delta));
		put16(ip + 4, 0x1234);
		put16(ip + 6, s->ip4_frag);
		ip[8] = 64;
		ip[9] = proto;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		for (i = 20; i < ip_hlen; i++)
			ip[i] = 1; /* NOP options */
		put16(ip + 10, (uint16_t)~pktgen_csum_fold(
				       pktgen_csum_add(0, ip, ip_hlen)));
	} else {
		uint8_t *ip = buf + l3;
		size_t x = l3 + 40;
		int ver = s->version_override > 0 ? s->version_override : 6;

		ip[0] = (uint8_t)(ver << 4);
		put16(ip + 4, (uint16_t)(total - l3 - 40 + s->ip_len_delta));
		ip[6] = s->n_ext ? s->ext[0] : proto;
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
		for (i = 0; i < s->n_ext; i++) {
			uint8_t *xh = buf + x;

			xh[0] = i + 1 < s->n_ext ? s->ext[i + 1] : proto;
			if (s->ext[i] == PKTGEN_EXT_FRAGMENT) {
				put16(xh + 2, s->ip6_frag);
				put32(xh + 4, 0xabcd);
			} else {
				xh[1] = s->ext_len8[i];
			}
			x += ext_len(s->ext[i], s->ext_len8[i]);
		}
	}

finish:
	if (total + s->eth_pad > cap)
		return 0;
	total += s->eth_pad;
	if (total < 60 && s->family == 0)
		total = 60;
	if (s->cut > 0 && (size_t)s->cut < total)
		total = (size_t)s->cut;
	return total;
}
