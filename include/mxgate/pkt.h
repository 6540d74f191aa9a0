/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * The packet parser (DESIGN §3), shared by the core engine, the DPDK
 * workers, the replay tool and the XDP program.
 *
 * Every read is preceded by two checks: one against the end of the frame
 * (which the BPF verifier needs to see) and one against the end of the IP
 * packet as its own length field gives it (so Ethernet padding is never
 * read as a header). The effective bound is the smaller of the two.
 */
#ifndef MXGATE_PKT_H
#define MXGATE_PKT_H

#include "compat.h"

#define MXG_ETH_HLEN	 14
#define MXG_ETH_P_IPV4	 0x0800
#define MXG_ETH_P_IPV6	 0x86DD
#define MXG_ETH_P_8021Q	 0x8100
#define MXG_ETH_P_8021AD 0x88A8
#define MXG_VLAN_MAX	 2
#define MXG_IPV6_EXT_MAX 8

#define MXG_IPPROTO_HOPOPTS  0
#define MXG_IPPROTO_TCP	     6
#define MXG_IPPROTO_ROUTING  43
#define MXG_IPPROTO_FRAGMENT 44
#define MXG_IPPROTO_AH	     51
#define MXG_IPPROTO_DSTOPTS  60

#define MXG_TCP_FIN 0x01
#define MXG_TCP_SYN 0x02
#define MXG_TCP_RST 0x04
#define MXG_TCP_PSH 0x08
#define MXG_TCP_ACK 0x10

/* Address families as the parser reports them. */
#define MXG_AF_NONE  0
#define MXG_AF_INET  4
#define MXG_AF_INET6 6

/*
 * Parse status. MXG_PKT_OK and MXG_PKT_NOT_IP are readable frames; every
 * other value is an "unparsed" frame. Most are forwarded untouched (fail
 * open); two are cut by the parser's own limits rather than by a damaged
 * frame (mxg_pkt_is_parser_limit): a legal IPv6 chain longer than
 * MXG_IPV6_EXT_MAX, and a first fragment whose IP packet ends before the
 * TCP ports (the rest of the header chain is in a later fragment). What
 * happens to those is the policy's 'parser_limit' (DESIGN §3).
 */
enum mxg_pkt_status {
	MXG_PKT_OK = 0,
	MXG_PKT_NOT_IP,	       /* ethertype is neither IPv4 nor IPv6 */
	MXG_PKT_ERR_ETH,       /* shorter than an Ethernet header */
	MXG_PKT_ERR_VLAN,      /* cut tag, or more than two tags */
	MXG_PKT_ERR_IP_HDR,    /* cut IP header, bad version or IHL */
	MXG_PKT_ERR_IP_LEN,    /* IP length shorter than its own header */
	MXG_PKT_ERR_EXT_HDR,   /* cut IPv6 extension header */
	MXG_PKT_ERR_EXT_COUNT, /* more than MXG_IPV6_EXT_MAX extension headers */
	MXG_PKT_ERR_L4,	       /* cut or malformed TCP header */
	MXG_PKT_ERR_FRAG_CUT,  /* first fragment ending before its TCP ports */
	MXG_PKT_STATUS_MAX,
};

/* struct mxg_pkt.flags */
#define MXG_PKT_F_FRAG_FIRST 0x01 /* first fragment, more to come */
#define MXG_PKT_F_FRAG_LATER 0x02 /* non-first fragment: no L4 header */
#define MXG_PKT_F_PORTS	     0x04 /* sport and dport are valid */
#define MXG_PKT_F_TCP_FLAGS  0x08 /* tcp_flags is valid */
#define MXG_PKT_F_TCP_SEQ    0x10 /* tcp_seq is valid */
#define MXG_PKT_F_GROUP_MAC                                                    \
	0x20 /* source or destination MAC is a group
				     (multicast or broadcast) address */

/*
 * What the parser learnt about a frame. Offsets are from the start of
 * the frame. IPv4 addresses occupy the first 4 bytes of src/dst and the
 * remaining 12 are zero.
 */
struct mxg_pkt {
	uint8_t status;	   /* enum mxg_pkt_status */
	uint8_t family;	   /* MXG_AF_* */
	uint8_t l4_proto;  /* IP protocol or last IPv6 next header */
	uint8_t flags;	   /* MXG_PKT_F_* */
	uint8_t tcp_flags; /* valid with MXG_PKT_F_TCP_FLAGS */
	uint8_t vlan_depth;
	uint16_t l3_off;
	uint16_t l4_off;
	uint16_t sport; /* host order, valid with MXG_PKT_F_PORTS */
	uint16_t dport; /* host order, valid with MXG_PKT_F_PORTS */
	uint16_t pad;
	uint32_t ip_end;  /* end of the IP packet by its length field */
	uint32_t tcp_seq; /* host order, valid with MXG_PKT_F_TCP_SEQ */
	uint8_t src[16];
	uint8_t dst[16];
};
MXG_STATIC_ASSERT(sizeof(struct mxg_pkt) == 56, "mxg_pkt layout");

/* Is the frame readable: parsed IP, or a frame that is simply not IP. */
MXG_INLINE int mxg_pkt_is_unparsed(const struct mxg_pkt *p)
{
	return p->status != MXG_PKT_OK && p->status != MXG_PKT_NOT_IP;
}

/*
 * Did the parser give up because of its own limits (DESIGN §3 "Fragments
 * and cut frames")? Such a frame is legal, so it is an evasion channel:
 * the policy's 'parser_limit' decides it, not fail-open.
 */
MXG_INLINE int mxg_pkt_is_parser_limit(const struct mxg_pkt *p)
{
	return p->status == MXG_PKT_ERR_EXT_COUNT ||
	       p->status == MXG_PKT_ERR_FRAG_CUT;
}

/* How the totals count a frame that is not a connection attempt. */
#define MXG_UNPARSED_NO	   0 /* read (or not IP) */
#define MXG_UNPARSED_YES   1 /* damaged or cut frame: fail open */
#define MXG_UNPARSED_LIMIT 2 /* cut by a parser limit (policy decides) */

MXG_INLINE int mxg_pkt_unparsed_kind(const struct mxg_pkt *p)
{
	if (mxg_pkt_is_parser_limit(p))
		return MXG_UNPARSED_LIMIT;
	return mxg_pkt_is_unparsed(p) ? MXG_UNPARSED_YES : MXG_UNPARSED_NO;
}

MXG_INLINE void mxg_pkt_reset(struct mxg_pkt *p)
{
	uint8_t *b = (uint8_t *)p;
	unsigned int i;

	for (i = 0; i < sizeof(*p); i++)
		b[i] = 0;
}

/*
 * True when [off, off + n) lies inside both the frame and the IP packet.
 * The frame test is written as a pointer comparison against 'end' so the
 * BPF verifier can use it to prove the following reads safe.
 */
#define MXG_PKT_HAS(data, end, ip_lim, off, n)                                 \
	((const uint8_t *)(data) + (off) + (n) <= (const uint8_t *)(end) &&    \
	 (uint32_t)(off) + (n) <= (uint32_t)(ip_lim))

/*
 * True when the frame holds the whole IP packet: a header cut at ip_lim
 * is cut by the packet's own length (a first fragment ends there), not by
 * a short frame or capture.
 */
#define MXG_PKT_WHOLE(data, end, ip_lim)                                       \
	((const uint8_t *)(data) + (ip_lim) <= (const uint8_t *)(end))

/*
 * A first fragment whose header chain ends at the IP packet's own end,
 * before the TCP ports: the rest is in a later fragment. Otherwise
 * (not a first fragment, or the frame is shorter than its IP length)
 * the frame is simply cut: 'err'.
 */
MXG_INLINE int mxg_pkt_cut_status(const uint8_t *data, const uint8_t *end,
				  uint32_t ip_lim, const struct mxg_pkt *p,
				  int err)
{
	if ((p->flags & MXG_PKT_F_FRAG_FIRST) &&
	    MXG_PKT_WHOLE(data, end, ip_lim))
		return MXG_PKT_ERR_FRAG_CUT;
	return err;
}

MXG_INLINE int mxg_ipv6_is_ext(uint8_t nh)
{
	return nh == MXG_IPPROTO_HOPOPTS || nh == MXG_IPPROTO_ROUTING ||
	       nh == MXG_IPPROTO_FRAGMENT || nh == MXG_IPPROTO_AH ||
	       nh == MXG_IPPROTO_DSTOPTS;
}

/* TCP: ports, flags and sequence number, with the tiny-fragment rule. */
MXG_INLINE int mxg_parse_tcp(const uint8_t *data, const uint8_t *end,
			     uint32_t ip_lim, uint32_t off, struct mxg_pkt *p)
{
	const uint8_t *th;
	uint32_t doff;

	off &= 0xffff;
	MXG_BARRIER_VAR(off);
	p->l4_off = (uint16_t)off;
	if (!MXG_PKT_HAS(data, end, ip_lim, off, 4))
		return p->status = (uint8_t)mxg_pkt_cut_status(
			       data, end, ip_lim, p, MXG_PKT_ERR_L4);
	th = data + off;
	p->sport = mxg_load_be16(th);
	p->dport = mxg_load_be16(th + 2);
	p->flags |= MXG_PKT_F_PORTS;

	if (MXG_PKT_HAS(data, end, ip_lim, off, 8)) {
		th = data + off;
		p->tcp_seq = mxg_load_be32(th + 4);
		p->flags |= MXG_PKT_F_TCP_SEQ;
	}
	if (!MXG_PKT_HAS(data, end, ip_lim, off, 14)) {
		/* A tiny first fragment is judged on its port alone. */
		if (p->flags & MXG_PKT_F_FRAG_FIRST)
			return p->status = MXG_PKT_OK;
		return p->status = MXG_PKT_ERR_L4;
	}
	th = data + off;
	p->tcp_flags = th[13];
	p->flags |= MXG_PKT_F_TCP_FLAGS;
	/* The rest of a first fragment's header may be in a later one. */
	if (p->flags & MXG_PKT_F_FRAG_FIRST)
		return p->status = MXG_PKT_OK;

	doff = (uint32_t)(th[12] >> 4) * 4;
	if (doff < 20 || !MXG_PKT_HAS(data, end, ip_lim, off, doff))
		return p->status = MXG_PKT_ERR_L4;
	return p->status = MXG_PKT_OK;
}

MXG_INLINE int mxg_parse_ipv4(const uint8_t *data, const uint8_t *end,
			      uint32_t off, struct mxg_pkt *p)
{
	const uint8_t *ip;
	uint32_t ihl, tot_len, ip_lim, frag;
	unsigned int i;

	off &= 0xffff;
	MXG_BARRIER_VAR(off);
	p->l3_off = (uint16_t)off;
	if (!MXG_PKT_HAS(data, end, 0xffffffffu, off, 20))
		return p->status = MXG_PKT_ERR_IP_HDR;
	ip = data + off;
	if ((ip[0] >> 4) != 4)
		return p->status = MXG_PKT_ERR_IP_HDR;
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	if (ihl < 20)
		return p->status = MXG_PKT_ERR_IP_HDR;
	tot_len = mxg_load_be16(ip + 2);
	if (tot_len < ihl)
		return p->status = MXG_PKT_ERR_IP_LEN;
	ip_lim = off + tot_len;
	if (!MXG_PKT_HAS(data, end, ip_lim, off, ihl))
		return p->status = MXG_PKT_ERR_IP_HDR;

	p->family = MXG_AF_INET;
	p->l4_proto = ip[9];
	for (i = 0; i < 4; i++) {
		p->src[i] = ip[12 + i];
		p->dst[i] = ip[16 + i];
	}
	p->ip_end = ip_lim;

	frag = mxg_load_be16(ip + 6);
	if (frag & 0x1fff) {
		p->flags |= MXG_PKT_F_FRAG_LATER;
		return p->status = MXG_PKT_OK;
	}
	if (frag & 0x2000)
		p->flags |= MXG_PKT_F_FRAG_FIRST;
	if (p->l4_proto != MXG_IPPROTO_TCP)
		return p->status = MXG_PKT_OK;
	return mxg_parse_tcp(data, end, ip_lim, off + ihl, p);
}

MXG_INLINE int mxg_parse_ipv6(const uint8_t *data, const uint8_t *end,
			      uint32_t off, struct mxg_pkt *p)
{
	const uint8_t *ip, *xh;
	uint32_t ip_lim, xlen, frag;
	unsigned int i;
	uint8_t nh;

	off &= 0xffff;
	MXG_BARRIER_VAR(off);
	p->l3_off = (uint16_t)off;
	if (!MXG_PKT_HAS(data, end, 0xffffffffu, off, 40))
		return p->status = MXG_PKT_ERR_IP_HDR;
	ip = data + off;
	if ((ip[0] >> 4) != 6)
		return p->status = MXG_PKT_ERR_IP_HDR;
	ip_lim = off + 40 + mxg_load_be16(ip + 4);

	p->family = MXG_AF_INET6;
	for (i = 0; i < 16; i++) {
		p->src[i] = ip[8 + i];
		p->dst[i] = ip[24 + i];
	}
	p->ip_end = ip_lim;
	nh = ip[6];
	off += 40;

	for (i = 0; i < MXG_IPV6_EXT_MAX; i++) {
		if (!mxg_ipv6_is_ext(nh))
			break;
		off &= 0x7fff;
		MXG_BARRIER_VAR(off);
		if (!MXG_PKT_HAS(data, end, ip_lim, off, 8))
			return p->status = (uint8_t)mxg_pkt_cut_status(
				       data, end, ip_lim, p,
				       MXG_PKT_ERR_EXT_HDR);
		xh = data + off;
		if (nh == MXG_IPPROTO_FRAGMENT) {
			xlen = 8;
			frag = mxg_load_be16(xh + 2);
			if (frag & 0xfff8) {
				p->l4_proto = xh[0];
				p->flags |= MXG_PKT_F_FRAG_LATER;
				return p->status = MXG_PKT_OK;
			}
			if (frag & 0x0001)
				p->flags |= MXG_PKT_F_FRAG_FIRST;
		} else if (nh == MXG_IPPROTO_AH) {
			xlen = ((uint32_t)xh[1] + 2) * 4;
		} else {
			xlen = ((uint32_t)xh[1] + 1) * 8;
		}
		if (!MXG_PKT_HAS(data, end, ip_lim, off, xlen))
			return p->status = (uint8_t)mxg_pkt_cut_status(
				       data, end, ip_lim, p,
				       MXG_PKT_ERR_EXT_HDR);
		nh = xh[0];
		off += xlen;
	}
	p->l4_proto = nh;
	if (mxg_ipv6_is_ext(nh))
		return p->status = MXG_PKT_ERR_EXT_COUNT;
	if (nh != MXG_IPPROTO_TCP)
		return p->status = MXG_PKT_OK;
	return mxg_parse_tcp(data, end, ip_lim, off, p);
}

/*
 * Parse from the IP header at 'off'. 'ethertype' selects the family; pass
 * 0 to take it from the IP version nibble (raw-IP captures).
 */
MXG_INLINE int mxg_parse_l3(const uint8_t *data, const uint8_t *end,
			    uint32_t off, uint16_t ethertype, struct mxg_pkt *p)
{
	if (ethertype == 0) {
		if (data + off + 1 > end)
			return p->status = MXG_PKT_ERR_IP_HDR;
		ethertype = (data[off] >> 4) == 6 ? MXG_ETH_P_IPV6 :
			    (data[off] >> 4) == 4 ? MXG_ETH_P_IPV4 :
						    0;
		if (ethertype == 0)
			return p->status = MXG_PKT_ERR_IP_HDR;
	}
	if (ethertype == MXG_ETH_P_IPV4)
		return mxg_parse_ipv4(data, end, off, p);
	if (ethertype == MXG_ETH_P_IPV6)
		return mxg_parse_ipv6(data, end, off, p);
	return p->status = MXG_PKT_NOT_IP;
}

/*
 * Parse from an ethertype at offset 'off' (after the MAC addresses, or a
 * Linux cooked header): up to two VLAN tags, then the IP header.
 */
MXG_INLINE int mxg_parse_ethertype(const uint8_t *data, const uint8_t *end,
				   uint32_t off, uint16_t proto,
				   struct mxg_pkt *p)
{
	unsigned int i;

	for (i = 0; i < MXG_VLAN_MAX; i++) {
		if (proto != MXG_ETH_P_8021Q && proto != MXG_ETH_P_8021AD)
			break;
		off &= 0xff;
		MXG_BARRIER_VAR(off);
		if (data + off + 4 > end)
			return p->status = MXG_PKT_ERR_VLAN;
		proto = mxg_load_be16(data + off + 2);
		off += 4;
		p->vlan_depth++;
	}
	if (proto == MXG_ETH_P_8021Q || proto == MXG_ETH_P_8021AD)
		return p->status = MXG_PKT_ERR_VLAN;
	return mxg_parse_l3(data, end, off, proto, p);
}

/* Parse an Ethernet frame. Returns the status, also stored in p->status. */
MXG_INLINE int mxg_parse_eth(const uint8_t *data, const uint8_t *end,
			     struct mxg_pkt *p)
{
	mxg_pkt_reset(p);
	if (data + MXG_ETH_HLEN > end)
		return p->status = MXG_PKT_ERR_ETH;
	/* The I/G bit: never answer a group address with a RST. */
	if ((data[0] | data[6]) & 1)
		p->flags |= MXG_PKT_F_GROUP_MAC;
	return mxg_parse_ethertype(data, end, MXG_ETH_HLEN,
				   mxg_load_be16(data + 12), p);
}

/* Is 'port' one of the first n entries of 'ports'? n is clamped to max. */
MXG_INLINE int mxg_port_in_list(uint16_t port, const uint16_t *ports,
				uint32_t n, uint32_t max)
{
	unsigned int i;

	for (i = 0; i < max; i++) {
		if (i >= n)
			break;
		if (ports[i] == port)
			return 1;
	}
	return 0;
}

/*
 * DESIGN §3 "a connection attempt", except the 'protected' destination
 * test, which needs the classifier: TCP, SYN set and ACK clear (or a
 * tiny first fragment without flags), to a port in the list.
 */
MXG_INLINE int mxg_pkt_is_smtp_syn(const struct mxg_pkt *p,
				   const uint16_t *ports, uint32_t n_ports,
				   uint32_t max_ports)
{
	if (p->status != MXG_PKT_OK || p->l4_proto != MXG_IPPROTO_TCP)
		return 0;
	if (!(p->flags & MXG_PKT_F_PORTS))
		return 0;
	if (p->flags & MXG_PKT_F_TCP_FLAGS) {
		if ((p->tcp_flags & (MXG_TCP_SYN | MXG_TCP_ACK)) != MXG_TCP_SYN)
			return 0;
	} else if (!(p->flags & MXG_PKT_F_FRAG_FIRST)) {
		return 0;
	}
	return mxg_port_in_list(p->dport, ports, n_ports, max_ports);
}

/*
 * IPv4 addresses that must never receive (or send) a RST: 0.0.0.0/8
 * (unspecified, "this network"), 127.0.0.0/8 (loopback), 224.0.0.0/4
 * (multicast) and 255.255.255.255 (limited broadcast). A subnet's
 * directed broadcast cannot be known from the frame alone.
 */
MXG_INLINE int mxg_ipv4_no_rst(const uint8_t *a)
{
	return a[0] == 0 || a[0] == 127 || (a[0] & 0xf0) == 0xe0 ||
	       (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
}

/*
 * IPv6: :: (unspecified), ::1 (loopback), ff00::/8 (multicast), and the
 * IPv4 rules for IPv4-mapped addresses (::ffff:0:0/96).
 */
MXG_INLINE int mxg_ipv6_no_rst(const uint8_t *a)
{
	unsigned int i;
	uint8_t hi = 0;

	if (a[0] == 0xff)
		return 1;
	for (i = 0; i < 10; i++)
		hi |= a[i];
	if (hi)
		return 0;
	if (a[10] == 0xff && a[11] == 0xff)
		return mxg_ipv4_no_rst(a + 12);
	if (a[10] | a[11] | a[12] | a[13] | a[14])
		return 0;
	return a[15] <= 1; /* :: or ::1 */
}

/*
 * DESIGN §3: a SYN from, or to, an address that must never receive a RST
 * (a group MAC; an unspecified, loopback, multicast or broadcast IP) is
 * answered with a drop instead of a RST.
 */
MXG_INLINE int mxg_pkt_rst_forbidden(const struct mxg_pkt *p)
{
	if (p->flags & MXG_PKT_F_GROUP_MAC)
		return 1;
	if (p->family == MXG_AF_INET)
		return mxg_ipv4_no_rst(p->src) || mxg_ipv4_no_rst(p->dst);
	if (p->family == MXG_AF_INET6)
		return mxg_ipv6_no_rst(p->src) || mxg_ipv6_no_rst(p->dst);
	return 1;
}

#endif /* MXGATE_PKT_H */
