/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * Bucket keys: a limit rule's stable id and the address its bucket is
 * keyed on, masked to the rule's prefix length. Shared by the source
 * table and the XDP program's bucket map.
 */
#ifndef MXGATE_KEY_H
#define MXGATE_KEY_H

#include "compat.h"
#include "pkt.h"
#include "policy.h"

/* A bucket key: the rule's stable id and the masked address. */
struct mxg_src_key {
	uint32_t key_id;  /* struct mxg_rule.key_id */
	uint8_t addr[16]; /* IPv4 as ::ffff:a.b.c.d; zero for global */
};
MXG_STATIC_ASSERT(sizeof(struct mxg_src_key) == 20, "mxg_src_key layout");

/* out = addr masked to plen bits; IPv4 goes in as ::ffff:a.b.c.d. */
MXG_INLINE void mxg_key_addr(uint8_t out[16], const uint8_t *addr,
			     uint8_t family, uint32_t plen)
{
	uint32_t i, base = 0, bits;

	for (i = 0; i < 16; i++)
		out[i] = 0;
	if (family == MXG_AF_INET) {
		out[10] = 0xff;
		out[11] = 0xff;
		base = 12;
		if (plen > 32)
			plen = 32;
	} else if (plen > 128) {
		plen = 128;
	}
	for (i = 0; i < 16; i++) {
		if (base + i >= 16)
			break;
		bits = plen > 8 * i ? plen - 8 * i : 0;
		if (bits >= 8)
			out[base + i] = addr[i];
		else if (bits > 0)
			out[base + i] = addr[i] & (uint8_t)(0xff00 >> bits);
	}
}

MXG_INLINE void mxg_rule_key(const struct mxg_rule *r, const struct mxg_pkt *p,
			     struct mxg_src_key *k)
{
	const uint8_t *addr = r->key_kind == MXG_KEY_DST ? p->dst : p->src;
	uint32_t plen = p->family == MXG_AF_INET ? r->ipv4_prefix :
						   r->ipv6_prefix;
	uint32_t i;

	k->key_id = r->key_id;
	if (r->key_kind == MXG_KEY_GLOBAL) {
		for (i = 0; i < 16; i++)
			k->addr[i] = 0;
		return;
	}
	mxg_key_addr(k->addr, addr, p->family, plen);
}

#endif /* MXGATE_KEY_H */
