/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * Bucket keys: a limit rule's stable id, the address family and the
 * address its bucket is keyed on, masked to the rule's prefix length. Shared by the source
 * table and the XDP program's bucket map.
 */
#ifndef MXGATE_KEY_H
#define MXGATE_KEY_H

#include "compat.h"
#include "pkt.h"
#include "policy.h"

/*
 * A bucket key: the rule's stable id with the family in bit 0
 * (MXG_KEY_ID_IPV6), and the masked address.
 */
struct mxg_src_key {
	uint32_t key_id;  /* struct mxg_rule.key_id | MXG_KEY_ID_IPV6 */
	uint8_t addr[16]; /* IPv4 as ::ffff:a.b.c.d; zero for global */
};
MXG_STATIC_ASSERT(sizeof(struct mxg_src_key) == 20, "mxg_src_key layout");

/* A 64-bit word with its first plen bits set (plen clamped to 64). */
MXG_INLINE uint64_t mxg_prefix_mask64(uint32_t plen)
{
	if (plen == 0)
		return 0;
	if (plen >= 64)
		return ~0ULL;
	return ~0ULL << (64 - plen);
}

/*
 * out = addr masked to plen bits (clamped to the family's length); IPv4
 * goes in as ::ffff:a.b.c.d. Computed on two 64-bit words, without a
 * branch per byte, so that the BPF verifier walks it in a few steps.
 */
MXG_INLINE void mxg_key_addr(uint8_t out[16], const uint8_t *addr,
			     uint8_t family, uint32_t plen)
{
	uint64_t hi = 0, lo = 0;
	uint32_t i;

	if (family == MXG_AF_INET) {
		for (i = 0; i < 4; i++)
			lo = lo << 8 | addr[i];
		lo &= mxg_prefix_mask64(plen > 32 ? 32 : plen) >> 32;
		lo |= 0xffffULL << 32;
	} else {
		for (i = 0; i < 8; i++) {
			hi = hi << 8 | addr[i];
			lo = lo << 8 | addr[8 + i];
		}
		hi &= mxg_prefix_mask64(plen);
		lo &= mxg_prefix_mask64(plen > 64 ? plen - 64 : 0);
	}
	for (i = 0; i < 8; i++) {
		out[i] = (uint8_t)(hi >> (56 - 8 * i));
		out[8 + i] = (uint8_t)(lo >> (56 - 8 * i));
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
	if (p->family == MXG_AF_INET6)
		k->key_id |= MXG_KEY_ID_IPV6;
	mxg_key_addr(k->addr, addr, p->family, plen);
}

#endif /* MXGATE_KEY_H */
