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

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Sum of the TCP/UDP/ICMPv6 pseudo header. */
static uint32_t pseudo_sum(int family, const uint8_t *src, const uint8_t *dst,
			   uint8_t proto, size_t l4_len)
{
	uint8_t pseudo[40] = { 0 };

	if (family == 4) {
		memcpy(pseudo, src, 4);
		memcpy(pseudo + 4, dst, 4);
		pseudo[9] = proto;
		put16(pseudo + 10, (uint16_t)l4_len);
		return pktgen_csum_add(0, pseudo, 12);
	}
	memcpy(pseudo, src, 16);
	memcpy(pseudo + 16, dst, 16);
	put32(pseudo + 32, (uint32_t)l4_len);
	pseudo[39] = proto;
	return pktgen_csum_add(0, pseudo, 40);
}

/* Non-TCP L4: the UDP header, or the given bytes, and their checksum. */
static void build_other_l4(const struct pktgen_spec *s, uint8_t proto,
			   const uint8_t *src, const uint8_t *dst, uint8_t *l4)
{
	uint32_t sum;
	uint16_t c;

	if (proto == 17 && s->l4_len >= 8) {
		if (s->payload)
			memcpy(l4 + 8, s->payload, s->l4_len - 8u);
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put16(l4 + 4, s->l4_len);
		sum = pseudo_sum(s->family, src, dst, 17, s->l4_len);
		c = (uint16_t)~pktgen_csum_fold(
			pktgen_csum_add(sum, l4, s->l4_len));
		put16(l4 + 6, c ? c : 0xffff);
		return;
	}
	if (!s->payload)
		return;
	memcpy(l4, s->payload, s->l4_len);
	if ((proto == 1 || proto == 58) && s->l4_len >= 4) {
		l4[2] = l4[3] = 0;
		sum = proto == 58 ?
			      pseudo_sum(s->family, src, dst, 58, s->l4_len) :
			      0;
		put16(l4 + 2, (uint16_t)~pktgen_csum_fold(
				      pktgen_csum_add(sum, l4, s->l4_len)));
	}
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
		size_t body =
			s->payload && s->payload_len > 46 ? s->payload_len : 46;

		if (l3 + body > cap)
			return 0;
		if (s->payload)
			memcpy(buf + l3, s->payload, s->payload_len);
		total = l3 + body;
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
		uint32_t sum;

		/* Payload first: a malformed doff < 5 overlaps the header. */
		if (s->payload)
			memcpy(th + 4 * (size_t)doff, s->payload,
			       s->payload_len);
		else
			for (i = 0; i < s->payload_len; i++)
				th[4 * (size_t)doff + i] =
					(uint8_t)('a' + i % 26);
		put16(th, s->sport);
		put16(th + 2, s->dport);
		put32(th + 4, s->seq);
		put32(th + 8, s->ack);
		th[12] = (uint8_t)(doff << 4);
		th[13] = s->tcp_flags;
		put16(th + 14, s->window ? s->window : 65535);
		if (s->tcp_opts && doff > 5)
			memcpy(th + 20, s->tcp_opts, 4 * ((size_t)doff - 5));
		sum = pseudo_sum(s->family, src, dst, 6, l4_len);
		sum = pktgen_csum_add(sum, th, l4_len);
		put16(th + 16, (uint16_t)~pktgen_csum_fold(sum));
	} else {
		build_other_l4(s, proto, src, dst, buf + l4);
	}

	if (s->family == 4) {
		uint8_t *ip = buf + l3;
		int ihl = s->ihl_override > 0 ? s->ihl_override :
						(int)(ip_hlen / 4);
		int ver = s->version_override > 0 ? s->version_override : 4;

		ip[0] = (uint8_t)(ver << 4 | (ihl & 0xf));
		put16(ip + 2, (uint16_t)(total - l3 + s->ip_len_delta));
		put16(ip + 4, s->ip_id ? s->ip_id : 0x1234);
		put16(ip + 6, s->ip4_frag);
		ip[8] = s->ttl ? s->ttl : 64;
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
		ip[7] = s->ttl ? s->ttl : 64;
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

size_t pktgen_fragment(const uint8_t *frame, size_t len, size_t from, size_t to,
		       int more, uint32_t id, uint8_t *out, size_t cap)
{
	size_t l3 = 12, hlen, plen, n, i;
	uint16_t type;
	uint8_t *ip;

	if (len < 14 || from % 8 || from >= to || from / 8 > 0x1fff)
		return 0;
	type = get16(frame + 12);
	for (i = 0; i < 3 && (type == 0x8100 || type == 0x88a8); i++) {
		l3 += 4;
		if (l3 + 2 > len)
			return 0;
		type = get16(frame + l3);
	}
	l3 += 2;
	if (type == 0x0800) {
		if (len < l3 + 20)
			return 0;
		hlen = (size_t)(frame[l3] & 0xf) * 4;
		plen = get16(frame + l3 + 2);
		if (hlen < 20 || plen < hlen || l3 + plen > len)
			return 0;
		plen -= hlen;
		n = l3 + hlen + (to - from);
		if (to > plen || n > cap)
			return 0;
		memcpy(out, frame, l3 + hlen);
		memcpy(out + l3 + hlen, frame + l3 + hlen + from, to - from);
		ip = out + l3;
		put16(ip + 2, (uint16_t)(hlen + to - from));
		put16(ip + 4, (uint16_t)id);
		put16(ip + 6, (uint16_t)((more ? 0x2000 : 0) | from / 8));
		ip[10] = ip[11] = 0;
		put16(ip + 10, (uint16_t)~pktgen_csum_fold(
				       pktgen_csum_add(0, ip, hlen)));
		return n;
	}
	if (type != 0x86dd || len < l3 + 40)
		return 0;
	plen = get16(frame + l3 + 4);
	n = l3 + 48 + (to - from);
	if (l3 + 40 + plen > len || to > plen || n > cap)
		return 0;
	memcpy(out, frame, l3 + 40);
	ip = out + l3;
	put16(ip + 4, (uint16_t)(8 + to - from));
	ip[6] = 44;
	ip[40] = frame[l3 + 6];
	ip[41] = 0;
	put16(ip + 42, (uint16_t)((from / 8) << 3 | (more ? 1 : 0)));
	put32(ip + 44, id);
	memcpy(ip + 48, frame + l3 + 40 + from, to - from);
	return n;
}
