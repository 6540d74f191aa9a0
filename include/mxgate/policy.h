/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * The compiled policy image: what the control plane produces from the
 * operator's JSON and what every engine (replay, DPDK workers, XDP loader)
 * consumes. JSON never reaches the data plane.
 *
 * One contiguous, versioned, length-checked and checksummed buffer:
 *
 *   struct mxg_policy_header
 *   struct mxg_rule        rules[n_rules]
 *   struct mxg_set_info    sets[n_sets]
 *   struct mxg_setmask     classes[n_classes]     class 0 = no set
 *   struct mxg_prefix4     v4[n_v4]               sorted by (addr, len)
 *   struct mxg_prefix6     v6[n_v6]               sorted by (addr, len)
 *
 * Set membership. Every set (named, anonymous from a rule's inline CIDRs,
 * and "protected") is a bit of a struct mxg_setmask. The prefix lists
 * hold every distinct prefix of every set once; each carries a class id
 * whose mask is the OR of the sets of *all* prefixes that cover it
 * (itself included). So one longest-prefix match of an address gives the
 * full mask of sets that contain it: classes[class of the longest match],
 * or class 0 (no sets) when nothing matches.
 */
#ifndef MXGATE_POLICY_H
#define MXGATE_POLICY_H

#include "compat.h"
#include "bucket.h"

#define MXG_POLICY_MAGIC   0x5047584dU /* "MXGP" little-endian */
#define MXG_POLICY_VERSION 3 /* 2: GCRA bucket parameters; 3: parser_limit */

#define MXG_RULES_MAX	     64
#define MXG_NAMED_SETS_MAX   32
#define MXG_SETS_MAX	     256 /* bits in a set mask */
#define MXG_PORTS_MAX	     16
#define MXG_NAME_MAX	     64 /* including the terminating NUL */
#define MXG_PREFIXES_MAX     (4u * 1024 * 1024)
#define MXG_CLASSES_MAX	     (1u << 20)
#define MXG_POLICY_IMAGE_MAX (256ULL * 1024 * 1024)

/* Set bit 0 is the "protected" destination set, when the policy has one. */
#define MXG_SET_PROTECTED 0
#define MXG_SET_NONE	  0xffff /* rule field: match any address */

enum mxg_mode {
	MXG_MODE_ENFORCE = 0,
	MXG_MODE_MONITOR = 1,
};

/*
 * What happens to a frame cut by a parser limit (pkt.h,
 * mxg_pkt_is_parser_limit) on its way to a protected destination (any
 * destination when the policy has no 'protected'). Zero, the default, is
 * the safe choice.
 */
enum mxg_parser_limit {
	MXG_PARSER_LIMIT_DROP = 0,
	MXG_PARSER_LIMIT_FORWARD = 1,
};

enum mxg_action {
	MXG_ACTION_ALLOW = 1,
	MXG_ACTION_DENY = 2,
	MXG_ACTION_LIMIT = 3,
};

enum mxg_over {
	MXG_OVER_DROP = 0,
	MXG_OVER_RESET = 1,
};

/* What a limit rule's bucket is keyed on. */
enum mxg_key_kind {
	MXG_KEY_HOST = 1,
	MXG_KEY_PREFIX = 2,
	MXG_KEY_DST = 3,
	MXG_KEY_GLOBAL = 4,
};

enum mxg_family_match {
	MXG_FAMILY_ANY = 0,
	MXG_FAMILY_IPV4 = 4,
	MXG_FAMILY_IPV6 = 6,
};

struct mxg_setmask {
	uint64_t w[MXG_SETS_MAX / 64];
};
MXG_STATIC_ASSERT(sizeof(struct mxg_setmask) == 32, "mxg_setmask layout");

struct mxg_rule {
	char name[MXG_NAME_MAX]; /* NUL-terminated */
	/*
	 * Stable id of the rule's buckets: FNV-1a 32 over the name, the key
	 * kind, both key prefix lengths and the bucket's interval_ns and
	 * tau_ns (mxg_rule_key_id). A reload that keeps these keeps the
	 * buckets, wherever the rule moved; changing the rate, the burst
	 * or the keying starts fresh buckets. Non-limit rules carry it too. Bit 0 is
	 * clear: bucket keys use it for the family (MXG_KEY_ID_IPV6).
	 */
	uint32_t key_id;
	uint8_t action;	     /* enum mxg_action */
	uint8_t over;	     /* enum mxg_over, limit rules only */
	uint8_t key_kind;    /* enum mxg_key_kind, limit rules only */
	uint8_t family;	     /* enum mxg_family_match */
	uint16_t src_set;    /* set bit, or MXG_SET_NONE */
	uint16_t dst_set;    /* set bit, or MXG_SET_NONE */
	uint8_t ipv4_prefix; /* key mask for IPv4 addresses, 0..32 */
	uint8_t ipv6_prefix; /* key mask for IPv6 addresses, 0..128 */
	uint16_t n_ports;    /* dst_port list length; 0 = any port */
	uint16_t ports[MXG_PORTS_MAX];
	struct mxg_bucket_params bucket; /* limit rules only */
	/* The limit as written, for display: count per period_s, burst. */
	uint32_t rate_count;
	uint32_t rate_period_s;
	uint32_t burst;
	uint32_t pad;
};
MXG_STATIC_ASSERT(sizeof(struct mxg_rule) == 144, "mxg_rule layout");

struct mxg_set_info {
	char name[MXG_NAME_MAX]; /* "@name", "rules[3].src", "protected" */
	uint32_t n_prefixes;	 /* prefixes as given, before dedup */
	uint32_t pad;
};
MXG_STATIC_ASSERT(sizeof(struct mxg_set_info) == 72, "mxg_set_info layout");

struct mxg_prefix4 {
	uint32_t addr; /* host byte order, host bits zero */
	uint8_t len;   /* 0..32 */
	uint8_t pad[3];
	uint32_t class_id;
};
MXG_STATIC_ASSERT(sizeof(struct mxg_prefix4) == 12, "mxg_prefix4 layout");

struct mxg_prefix6 {
	uint8_t addr[16]; /* network byte order, host bits zero */
	uint8_t len;	  /* 0..128 */
	uint8_t pad[3];
	uint32_t class_id;
};
MXG_STATIC_ASSERT(sizeof(struct mxg_prefix6) == 24, "mxg_prefix6 layout");

struct mxg_policy_header {
	uint32_t magic;	       /* MXG_POLICY_MAGIC */
	uint16_t version;      /* MXG_POLICY_VERSION */
	uint16_t header_len;   /* sizeof(struct mxg_policy_header) */
	uint64_t total_len;    /* the whole image, in bytes */
	uint64_t checksum;     /* mxg_policy_checksum(), this field as 0 */
	uint64_t generation;   /* set by whoever pushes the image */
	uint8_t mode;	       /* enum mxg_mode */
	uint8_t has_protected; /* set bit MXG_SET_PROTECTED is in use */
	uint16_t n_smtp_ports;
	uint16_t smtp_ports[MXG_PORTS_MAX];
	uint32_t n_rules;
	uint32_t n_sets;    /* set bits in use: 0 .. n_sets-1 */
	uint32_t n_classes; /* >= 1; class 0 is the empty mask */
	uint32_t n_v4;
	uint32_t n_v6;
	/* Byte offsets from the start of the image. */
	uint32_t off_rules;
	uint32_t off_sets;
	uint32_t off_classes;
	uint32_t off_v4;
	uint32_t off_v6;
	uint8_t parser_limit; /* enum mxg_parser_limit */
	uint8_t pad[3];
};
MXG_STATIC_ASSERT(sizeof(struct mxg_policy_header) == 112,
		  "mxg_policy_header layout");

MXG_INLINE int mxg_setmask_test(const struct mxg_setmask *m, uint32_t bit)
{
	return (int)((m->w[(bit >> 6) & 3] >> (bit & 63)) & 1);
}

/* FNV-1a 32, the rule key id hash. */
MXG_INLINE uint32_t mxg_fnv1a32(uint32_t h, const void *data, uint32_t len)
{
	const uint8_t *p = (const uint8_t *)data;
	uint32_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

#define MXG_FNV32_INIT 2166136261u

/*
 * Bit 0 of a bucket key's id is the address family: set for IPv6. IPv4
 * addresses are keyed as ::ffff:a.b.c.d, so without it an IPv6 source in
 * ::ffff:0:0/96 (keyed on 96 bits or more) would share, and could drain,
 * an IPv4 host's bucket. Rule key ids leave the bit clear.
 */
#define MXG_KEY_ID_IPV6 1u

#ifndef __bpf__
/*
 * Length of the valid UTF-8 sequence at p (n bytes left), or 0: the
 * compiler's scanner and the image check judge names with it.
 */
static inline size_t mxg_utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c0 = p[0], lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (c0 >= 0xc2 && c0 <= 0xdf)
		need = 1;
	else if (c0 >= 0xe0 && c0 <= 0xef)
		need = 2;
	else if (c0 >= 0xf0 && c0 <= 0xf4)
		need = 3;
	else
		return 0;
	if (c0 == 0xe0)
		lo = 0xa0; /* no overlong forms */
	else if (c0 == 0xed)
		hi = 0x9f; /* no UTF-16 surrogates */
	else if (c0 == 0xf0)
		lo = 0x90;
	else if (c0 == 0xf4)
		hi = 0x8f; /* nothing above U+10FFFF */
	if (n < need + 1 || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i <= need; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return need + 1;
}

/* A 16-byte address in network byte order as one 128-bit number. */
static inline unsigned __int128 mxg_addr6_u128(const uint8_t a[16])
{
	unsigned __int128 v = 0;
	unsigned int i;

	for (i = 0; i < 16; i++)
		v = v << 8 | a[i];
	return v;
}

/* The rule's stable bucket id (see struct mxg_rule.key_id). */
static inline uint32_t mxg_rule_key_id(const struct mxg_rule *r)
{
	uint32_t h = MXG_FNV32_INIT, n = 0;
	uint8_t tail[19];

	while (n < MXG_NAME_MAX && r->name[n])
		n++;
	h = mxg_fnv1a32(h, r->name, n);
	tail[0] = r->key_kind;
	tail[1] = r->ipv4_prefix;
	tail[2] = r->ipv6_prefix;
	for (n = 0; n < 8; n++) {
		tail[3 + n] = (uint8_t)(r->bucket.interval_ns >> (8 * n));
		tail[11 + n] = (uint8_t)(r->bucket.tau_ns >> (8 * n));
	}
	return mxg_fnv1a32(h, tail, sizeof(tail)) & ~MXG_KEY_ID_IPV6;
}

/* FNV-1a 64 over the image with the checksum field taken as zero. */
static inline uint64_t mxg_policy_checksum(const void *image, uint64_t len)
{
	const uint8_t *p = (const uint8_t *)image;
	uint64_t h = 14695981039346656037ULL, i;
	const uint64_t lo = 16, hi = 24; /* offsetof(header, checksum) */

	for (i = 0; i < len; i++) {
		h ^= (i >= lo && i < hi) ? 0 : p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static inline const struct mxg_rule *
mxg_policy_rules(const struct mxg_policy_header *h)
{
	return (const struct mxg_rule *)((const uint8_t *)h + h->off_rules);
}

static inline const struct mxg_set_info *
mxg_policy_sets(const struct mxg_policy_header *h)
{
	return (const struct mxg_set_info *)((const uint8_t *)h + h->off_sets);
}

static inline const struct mxg_setmask *
mxg_policy_classes(const struct mxg_policy_header *h)
{
	return (const struct mxg_setmask *)((const uint8_t *)h +
					    h->off_classes);
}

static inline const struct mxg_prefix4 *
mxg_policy_v4(const struct mxg_policy_header *h)
{
	return (const struct mxg_prefix4 *)((const uint8_t *)h + h->off_v4);
}

static inline const struct mxg_prefix6 *
mxg_policy_v6(const struct mxg_policy_header *h)
{
	return (const struct mxg_prefix6 *)((const uint8_t *)h + h->off_v6);
}
#endif /* !__bpf__ */

#endif /* MXGATE_POLICY_H */
