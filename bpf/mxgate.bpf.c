// SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause)
/*
 * mxgate's XDP fallback path (DESIGN §2, §3, §5): the same compiled
 * policy as the core engine, enforced in the kernel, with the same
 * verdicts. This file is the pipeline only:
 *
 *   parse (mxgate/pkt.h) -> connection attempt? -> classify (LPM tries)
 *   -> protected? -> rules and buckets (mxgate/decide.h, mxgate/bucket.h)
 *   -> count (mxgate/counters.h) -> act
 *
 * Actions: pass is XDP_PASS in host mode, or a redirect to the peer port
 * through mxg_ports in inline mode; drop is XDP_DROP; reset rewrites the
 * SYN in place into the RST (mxgate/tcp_rst.h) and sends it back with
 * XDP_TX. Frames the parser cannot read are forwarded (fail open),
 * except those cut by the parser's own limits, which the policy's
 * 'parser_limit' decides.
 *
 * The maps and the policy switch are described in include/mxgate/xdp.h.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "mxgate/bucket.h"
#include "mxgate/counters.h"
#include "mxgate/key.h"
#include "mxgate/pkt.h"
#include "mxgate/policy.h"
#include "mxgate/tcp_rst.h"
#include "mxgate/xdp.h"

/* src_table.h scans a line for an insert through mxg_xdp_scan(), below:
 * a subprogram the verifier checks once (bpf/README.md: the count). */
struct mxg_st_line;
struct mxg_st_scan;
int mxg_xdp_scan(struct mxg_st_line *l, __u64 want, __u64 now_ns,
		 struct mxg_st_scan *sc);
#define MXG_ST_SCAN_LINE(l, want, now_ns, sc)                                  \
	((void)mxg_xdp_scan((l), (want), (now_ns), (sc)))

#include "mxgate/src_table.h"

/*
 * What every rule needs to know about one attempt besides the packet
 * (a BPF subprogram takes five arguments at most): decide.h's 'env'.
 */
struct mxg_xdp_attempt {
	struct mxg_setmask src; /* sets of the source address */
	struct mxg_setmask dst; /* sets of the destination address */
	__u64 now_ns;
	__u8 mode; /* enum mxg_mode */
	__u8 pad[7];
};

/* decide.h evaluates each rule through mxg_xdp_rule(), below: a
 * subprogram the verifier checks once rather than once per rule. */
int mxg_xdp_rule(const struct mxg_rule *r, const struct mxg_pkt *p,
		 const struct mxg_xdp_attempt *a, struct mxg_rule_counters *rc);
#define MXG_DECIDE_RULE(env, r, mode, p, src, dst, now_ns, rc)                 \
	mxg_xdp_rule(r, p, (const struct mxg_xdp_attempt *)(env), rc)

#include "mxgate/decide.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct mxg_xdp_config);
} MXG_XDP_MAP_CONFIG SEC(".maps");

/*
 * The two policy buffers. They are declared as anonymous structs so that
 * clang emits the full BTF of their value type (an inner map template
 * alone only gets a forward declaration).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mxg_xdp_policy);
} MXG_XDP_MAP_POL0 SEC(".maps"), MXG_XDP_MAP_POL1 SEC(".maps");

/*
 * The inner map template of the selector: the same definition, its value
 * named through a typedef so that clang does not take the pointer type
 * above for this one and leave the struct as a forward declaration.
 */
typedef struct mxg_xdp_policy mxg_xdp_policy_t;

struct mxg_policy_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, mxg_xdp_policy_t);
};

/* The policy selector. The loader points it at mxg_pol0 or mxg_pol1. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct mxg_policy_map);
} MXG_XDP_MAP_ACTIVE SEC(".maps");

/* Templates of the tries; the loader creates one of each per policy. */
struct mxg_lpm4_map {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct mxg_xdp_lpm4_key);
	__type(value, struct mxg_setmask);
};

struct mxg_lpm6_map {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct mxg_xdp_lpm6_key);
	__type(value, struct mxg_setmask);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, MXG_XDP_BUFFERS);
	__type(key, __u32);
	__array(values, struct mxg_lpm4_map);
} MXG_XDP_MAP_V4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, MXG_XDP_BUFFERS);
	__type(key, __u32);
	__array(values, struct mxg_lpm6_map);
} MXG_XDP_MAP_V6 SEC(".maps");

/* The source table (mxgate/src_table.h): one 64-byte line per entry;
 * the loader sets max_entries to the number of lines. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MXG_XDP_BUCKETS_DEFAULT / MXG_ST_WAYS);
	__type(key, __u32);
	__type(value, struct mxg_st_line);
} MXG_XDP_MAP_BUCKETS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MXG_XDP_BUFFERS);
	__type(key, __u32);
	__type(value, struct mxg_counters);
} MXG_XDP_MAP_STATS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mxg_xdp_diag);
} MXG_XDP_MAP_DIAG SEC(".maps");

/* Written by the loader only (mxgate/xdp.h: counters across reloads). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MXG_XDP_BUFFERS);
	__type(key, __u32);
	__type(value, struct mxg_xdp_rule_base);
} MXG_XDP_MAP_RULE_BASE SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MXG_XDP_TOP_SLOTS);
	__type(key, __u32);
	__type(value, struct mxg_xdp_top_slot);
} MXG_XDP_MAP_TOP SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, MXG_XDP_IFACES_MAX);
	__type(key, __u32);
	__type(value, __u32);
} MXG_XDP_MAP_PORTS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct mxg_xdp_last);
} MXG_XDP_MAP_LAST SEC(".maps");

/* Set by the loader before loading (mxgate/xdp.h). */
const volatile __u32 MXG_XDP_RODATA_INLINE = 0;
/* The source table's hash seed and line mask (random, per load). */
const volatile struct mxg_st_seed MXG_XDP_RODATA_SEED = {};

/*
 * The tries' key and value types appear in no map definition of their
 * own (the loader creates the tries): this gives them full BTF, so that
 * libbpf can size the inner map templates and `bpftool map dump` shows
 * their fields. Never read.
 */
const struct {
	struct mxg_xdp_lpm4_key k4;
	struct mxg_xdp_lpm6_key k6;
	struct mxg_setmask sets;
} mxg_btf_anchor SEC(".rodata");

#define DIAG_INC(field)                                                        \
	do {                                                                   \
		__u32 zero_ = 0;                                               \
		struct mxg_xdp_diag *d_ =                                      \
			bpf_map_lookup_elem(&MXG_XDP_MAP_DIAG, &zero_);        \
		if (d_)                                                        \
			d_->field++;                                           \
	} while (0)

/*
 * The source table (mxgate/src_table.h, the same algorithm as the core
 * engine's), in two global functions that the verifier checks once each,
 * called one after the other (so their stack frames do not add up):
 *
 * mxg_xdp_locate(): the key's fingerprint and its two lines, from the
 * seed in read-only data (set by the loader; the volatile definition
 * keeps clang from folding its zero initializer: mxgate/src_table.h reads
 * it with volatile loads).
 */
__noinline int mxg_xdp_locate(const struct mxg_src_key *key,
			      struct mxg_st_where *wh)
{
	if (!key || !wh)
		return 0;
	mxg_st_locate((const struct mxg_st_seed *)&MXG_XDP_RODATA_SEED, key,
		      wh);
	return 0;
}

__noinline int mxg_xdp_scan(struct mxg_st_line *l, __u64 want, __u64 now_ns,
			    struct mxg_st_scan *sc)
{
	if (!l || !sc)
		return 0;
	mxg_st_scan_line(l, want, now_ns, sc);
	return 0;
}

/* mxg_xdp_lookup() and mxg_xdp_insert()'s outcome. */
#define TAKE_CONFORM  0x01
#define TAKE_FOUND    0x02 /* done: TAKE_CONFORM is the verdict */
#define TAKE_ABSENT   0x04 /* not in the table: insert it */
#define TAKE_BUSYLK   0x08 /* the insert lock was not had in time */
#define TAKE_LOSSY    0x10 /* evicted a bucket that was not full */
#define TAKE_DEC      0x20 /* line (ret >> 32) owes an OVF decrement */
#define TAKE_INSERT   0x40 /* a new key */
#define TAKE_LOSSLESS 0x80 /* evicted a full bucket */

/*
 * mxg_xdp_table(): one step of a take in the source table, for the key
 * at wh under bp: with insert 0, the lock-free lookup and take
 * (mxg_st_lookup); with insert 1, the insert (mxg_st_insert: a new key
 * starts full; an insert never fails, and evicts a full bucket first).
 * Buckets are updated with cmpxchg, so that CPUs racing on one bucket
 * never lose an update. Returns TAKE_* flags, and the line owed an OVF
 * decrement in the high 32 bits. The caller loops (mxg_st_take's loop);
 * the two halves are one subprogram the verifier checks once, called
 * one after the other so that their stack frames do not add up.
 */
__noinline __u64 mxg_xdp_lookup(const struct mxg_st_where *wh,
				const struct mxg_bucket_params *bp,
				__u64 now_ns)
{
	struct mxg_st_result res = {};
	struct mxg_st_line *l1, *l2;
	int conform = 0, rc;

	if (!wh || !bp)
		return TAKE_BUSYLK;
	l1 = bpf_map_lookup_elem(&MXG_XDP_MAP_BUCKETS, &wh->i1);
	l2 = bpf_map_lookup_elem(&MXG_XDP_MAP_BUCKETS, &wh->i2);
	if (!l1 || !l2) /* a seed that does not fit the map: never */
		return TAKE_BUSYLK;
	rc = mxg_st_lookup(wh, l1, l2, now_ns, bp, &conform, &res);
	if (rc == MXG_ST_FOUND)
		return TAKE_FOUND | (conform ? TAKE_CONFORM : 0);
	return rc == MXG_ST_ABSENT ? TAKE_ABSENT : 0;
}

__noinline __u64 mxg_xdp_insert(const struct mxg_st_where *wh,
				const struct mxg_bucket_params *bp,
				__u64 now_ns)
{
	struct mxg_st_result res = {};
	struct mxg_st_line *l1, *l2;
	__u64 out = 0;
	int rc;

	if (!wh || !bp)
		return TAKE_BUSYLK;
	l1 = bpf_map_lookup_elem(&MXG_XDP_MAP_BUCKETS, &wh->i1);
	l2 = bpf_map_lookup_elem(&MXG_XDP_MAP_BUCKETS, &wh->i2);
	if (!l1 || !l2)
		return TAKE_BUSYLK;
	rc = mxg_st_insert(wh, l1, l2, MXG_XDP_RODATA_SEED.line_mask, now_ns,
			   bp, &res);
	if (rc == MXG_ST_FOUND) /* a fresh bucket's first token */
		out = TAKE_FOUND | TAKE_CONFORM;
	else if (rc == MXG_ST_BUSYLK)
		out = TAKE_BUSYLK;
	if (res.inserted)
		out |= TAKE_INSERT;
	if (res.evict_lossless)
		out |= TAKE_LOSSLESS;
	if (res.evict_lossy)
		out |= TAKE_LOSSY;
	if (res.dec)
		out |= TAKE_DEC | (__u64)res.dec_line << 32;
	return out;
}

/* An evicted key lived in its second line: its first line's OVF -1. */
__noinline int mxg_xdp_ovf_dec(__u32 line)
{
	struct mxg_st_line *l =
		bpf_map_lookup_elem(&MXG_XDP_MAP_BUCKETS, &line);

	if (l)
		mxg_st_ovf_dec(l);
	return 0;
}

/* An insert's counts in mxg_diag (one lookup for all three): keys
 * present = inserts - evictions (mxgate/xdp.h). */
static __always_inline void mxg_xdp_table_counts(__u64 out)
{
	__u32 zero = 0;
	struct mxg_xdp_diag *d = bpf_map_lookup_elem(&MXG_XDP_MAP_DIAG, &zero);

	if (!d)
		return;
	d->inserts++;
	if (out & TAKE_LOSSLESS)
		d->evict_lossless++;
	if (out & TAKE_LOSSY)
		d->evict_lossy++;
}

/* decide.h's token hook: the bucket table above. */
MXG_INLINE int mxg_decide_take(void *env, const struct mxg_rule *r,
			       const struct mxg_src_key *key, uint64_t now_ns)
{
	struct mxg_st_where wh;
	__u64 out = 0;
	__u32 round, insert = 0;

	(void)env;
	mxg_xdp_locate(key, &wh);
	/* mxg_st_take()'s loop, bounded: lookup, insert if absent. */
	for (round = 0; round < 2 * MXG_ST_ROUNDS; round++) {
		out = insert ? mxg_xdp_insert(&wh, &r->bucket, now_ns) :
			       mxg_xdp_lookup(&wh, &r->bucket, now_ns);
		if (out & (TAKE_FOUND | TAKE_BUSYLK))
			break;
		/* After a lookup that missed: insert; after an insert that
		 * found the key (or must choose again): look it up. */
		insert = !insert && (out & TAKE_ABSENT);
	}
	if (out & TAKE_DEC)
		mxg_xdp_ovf_dec((__u32)(out >> 32));
	if (out & TAKE_INSERT)
		mxg_xdp_table_counts(out);
	if (!(out & TAKE_FOUND)) {
		/* Lost races (another CPU stalled mid re-key): judged on a
		 * fresh bucket, not stored. */
		DIAG_INC(bucket_full);
		return 1;
	}
	return out & TAKE_CONFORM;
}

/* One rule (decide.h's mxg_decide_rule), verified once for all rules. */
__noinline int mxg_xdp_rule(const struct mxg_rule *r, const struct mxg_pkt *p,
			    const struct mxg_xdp_attempt *a,
			    struct mxg_rule_counters *rc)
{
	if (!r || !p || !a || !rc)
		return MXG_DECIDE_NEXT;
	return mxg_decide_rule(0, r, a->mode, p, &a->src, &a->dst, a->now_ns,
			       rc);
}

/*
 * Copy into out the set mask of addr's longest matching prefix in this
 * buffer's tries, or the empty mask when no prefix covers it. (A copy on
 * the stack, rather than a pointer to the trie's value, keeps the paths
 * the verifier walks through the rules to one.)
 */
static __always_inline void classify(__u32 buffer, const struct mxg_pkt *p,
				     const uint8_t *addr,
				     struct mxg_setmask *out)
{
	const struct mxg_setmask *m = 0;
	void *trie;
	__u32 i;

	if (p->family == MXG_AF_INET) {
		struct mxg_xdp_lpm4_key k4 = { .prefixlen = 32 };

		for (i = 0; i < 4; i++)
			k4.addr[i] = addr[i];
		trie = bpf_map_lookup_elem(&MXG_XDP_MAP_V4, &buffer);
		if (trie)
			m = bpf_map_lookup_elem(trie, &k4);
	} else {
		struct mxg_xdp_lpm6_key k6 = { .prefixlen = 128 };

		for (i = 0; i < 16; i++)
			k6.addr[i] = addr[i];
		trie = bpf_map_lookup_elem(&MXG_XDP_MAP_V6, &buffer);
		if (trie)
			m = bpf_map_lookup_elem(trie, &k6);
	}
	for (i = 0; i < MXG_SETS_MAX / 64; i++)
		out->w[i] = m ? m->w[i] : 0;
}

/* mxg_xdp_decide()'s result: verdict, deciding rule + 1, attempt bit. */
#define DECIDED(verdict, rule, attempt)                                        \
	((verdict) | ((rule) + 1) << 8 | (attempt) << 16)
#define DECIDED_VERDICT(x) ((x)&0xff)
#define DECIDED_RULE(x)	   ((int32_t)(((x) >> 8) & 0xff) - 1)
#define DECIDED_ATTEMPT(x) (((x) >> 16) & 1)

/*
 * A SYN to one of the policy's ports: classify its addresses, apply
 * 'protected', then the rules (decide.h). Counts in c->rules. A frame cut
 * by a parser limit gets the policy's 'parser_limit' verdict instead (not
 * an attempt); a reset for a SYN that must never get a RST becomes a drop.
 *
 * A global function, verified once with the packet's fields unknown,
 * instead of once for every way the parser can reach it.
 */
__noinline int mxg_xdp_decide(const struct mxg_pkt *p,
			      const struct mxg_xdp_policy *pol,
			      struct mxg_counters *c, __u64 now_ns)
{
	struct mxg_xdp_attempt a = {};
	__u32 buffer;
	int32_t rule = -1;
	int verdict;

	if (!p || !pol || !c)
		return DECIDED(MXG_VERDICT_FORWARD, -1, 0);
	buffer = pol->buffer & 1;
	if (pol->need & MXG_XDP_NEED_DST)
		classify(buffer, p, p->dst, &a.dst);
	if (mxg_pkt_is_parser_limit(p))
		return DECIDED(mxg_decide_parser_limit(
				       pol->parser_limit, pol->mode,
				       mxg_dst_is_protected(pol->has_protected,
							    &a.dst)),
			       -1, 0);
	if (!mxg_dst_is_protected(pol->has_protected, &a.dst))
		return DECIDED(MXG_VERDICT_FORWARD, -1, 0);
	if (pol->need & MXG_XDP_NEED_SRC)
		classify(buffer, p, p->src, &a.src);
	a.now_ns = now_ns;
	a.mode = pol->mode;
	verdict = mxg_decide_rules(&a, pol->rules, pol->n_rules, pol->mode, p,
				   &a.src, &a.dst, now_ns, c->rules, &rule);
	if (rule < -1 || rule >= MXG_RULES_MAX)
		rule = -1;
	verdict = mxg_decide_reset_guard(p, verdict, rule, c);
	return DECIDED(verdict, rule, 1);
}

/*
 * One attempt in the per-source report (mxgate/xdp.h, "Top sources"):
 * this CPU's slot of the source, a majority vote per slot. A global
 * function: verified once, off the main program's paths.
 */
__noinline int mxg_xdp_top_count(const struct mxg_pkt *p, int dropped)
{
	struct mxg_xdp_top_slot *s;
	__u64 a0, a1;
	__u32 slot;

	if (!p)
		return 0;
	__builtin_memcpy(&a0, p->src, 8);
	__builtin_memcpy(&a1, p->src + 8, 8);
	slot = mxg_xdp_top_slot_of(MXG_XDP_RODATA_SEED.a[1][0],
				   MXG_XDP_RODATA_SEED.a[1][1],
				   MXG_XDP_RODATA_SEED.a[1][2], a0, a1,
				   p->family);
	s = bpf_map_lookup_elem(&MXG_XDP_MAP_TOP, &slot);
	if (!s)
		return 0;
	if (s->family == p->family && s->addr[0] == a0 && s->addr[1] == a1) {
		if (s->votes < 0xffffffffu)
			s->votes++;
	} else if (s->votes > 1) {
		s->votes--; /* another source's attempt: one vote less */
		return 0;
	} else { /* no votes left: this source takes the slot */
		s->addr[0] = a0;
		s->addr[1] = a1;
		s->family = p->family;
		s->votes = 1;
		s->attempts = 0;
		s->dropped = 0;
	}
	s->attempts++;
	s->dropped += dropped != 0;
	return 0;
}

static __always_inline __u64 clock_ns(const struct mxg_xdp_config *cfg)
{
	if (cfg->test_clock_ns || (cfg->flags & MXG_XDP_F_TEST_CLOCK))
		return cfg->test_clock_ns;
	return bpf_ktime_get_ns();
}

static __always_inline int pass_action(struct xdp_md *ctx)
{
	if (MXG_XDP_RODATA_INLINE)
		return bpf_redirect_map(&MXG_XDP_MAP_PORTS,
					ctx->ingress_ifindex, XDP_PASS);
	return XDP_PASS;
}

/*
 * Rewrite the SYN parsed as p into the RST that answers it, in place:
 * MACs swapped, tags kept, fresh IP and TCP headers, the frame cut (or,
 * for a tiny first fragment, grown) to fit. Returns 0, or -1 when no RST
 * can be built (no sequence number, or the frame cannot be resized).
 * A global function: its header buffers then stay off the stack frame of
 * the main program, which the rule chain's frames add up to.
 */
__noinline int rst_rewrite(struct xdp_md *ctx, const struct mxg_pkt *p)
{
	uint8_t *data = (uint8_t *)(long)ctx->data;
	uint8_t *end = (uint8_t *)(long)ctx->data_end;
	uint8_t hdr[MXG_RST_HDR_MAX], mac[12], doff_byte = 0, *at;
	__u32 len = (__u32)(end - data), l2, off, hlen, i;

	if (!p)
		return -1;
	l2 = p->l3_off;
	if (p->flags & MXG_PKT_F_TCP_FLAGS) {
		off = p->l4_off & 0x3fff;
		MXG_BARRIER_VAR(off);
		at = data + off;
		if (at + 13 > end)
			return -1;
		doff_byte = at[12];
	}
	hlen = mxg_rst_headers(p, mxg_rst_syn_payload(p, len, doff_byte), hdr);
	/* Ethernet and at most two tags (pkt.h). */
	if (!hlen || l2 < MXG_ETH_HLEN || l2 > MXG_ETH_HLEN + 4 * MXG_VLAN_MAX)
		return -1;
	if (data + 12 > end)
		return -1;
	for (i = 0; i < 12; i++)
		mac[i] = data[i];
	if (l2 + hlen != len &&
	    bpf_xdp_adjust_tail(ctx, (int)(l2 + hlen) - (int)len))
		return -1;

	data = (uint8_t *)(long)ctx->data;
	end = (uint8_t *)(long)ctx->data_end;
	if (data + 12 > end)
		return -1;
	for (i = 0; i < 6; i++) {
		data[i] = mac[6 + i];
		data[6 + i] = mac[i];
	}
	l2 &= 0x1f;
	MXG_BARRIER_VAR(l2);
	at = data + l2;
	if (hlen == 40) {
		if (at + 40 > end)
			return -1;
		for (i = 0; i < 40; i++)
			at[i] = hdr[i];
	} else {
		if (at + MXG_RST_HDR_MAX > end)
			return -1;
		for (i = 0; i < MXG_RST_HDR_MAX; i++)
			at[i] = hdr[i];
	}
	return 0;
}

static __always_inline void record(const struct mxg_xdp_policy *pol,
				   int verdict, int unparsed, int attempt,
				   int32_t rule)
{
	__u32 zero = 0;
	struct mxg_xdp_last *last =
		bpf_map_lookup_elem(&MXG_XDP_MAP_LAST, &zero);

	if (!last)
		return;
	last->verdict = (uint8_t)verdict;
	last->unparsed = (uint8_t)unparsed;
	last->attempt = (uint8_t)attempt;
	last->buffer = (uint8_t)pol->buffer;
	last->rule = rule;
	last->seq++;
}

SEC("xdp")
int MXG_XDP_PROG(struct xdp_md *ctx)
{
	const uint8_t *data = (const uint8_t *)(long)ctx->data;
	const uint8_t *end = (const uint8_t *)(long)ctx->data_end;
	struct mxg_xdp_config *cfg;
	struct mxg_xdp_policy *pol;
	struct mxg_counters *c;
	struct mxg_pkt p;
	int verdict = MXG_VERDICT_FORWARD, attempt = 0, unparsed = 0, d;
	int32_t rule = -1;
	__u32 zero = 0, buffer;
	void *sel;

	cfg = bpf_map_lookup_elem(&MXG_XDP_MAP_CONFIG, &zero);
	if (!cfg)
		return XDP_PASS;
	/* The one read of the policy selector for this frame. */
	sel = bpf_map_lookup_elem(&MXG_XDP_MAP_ACTIVE, &zero);
	pol = sel ? bpf_map_lookup_elem(sel, &zero) : 0;
	if (!pol) {
		DIAG_INC(no_policy);
		return pass_action(ctx);
	}
	buffer = pol->buffer & 1;
	c = bpf_map_lookup_elem(&MXG_XDP_MAP_STATS, &buffer);
	if (!c)
		return pass_action(ctx);

	mxg_parse_eth(data, end, &p);
	if (mxg_pkt_is_smtp_syn(&p, pol->smtp_ports, pol->n_smtp_ports,
				MXG_PORTS_MAX) ||
	    mxg_pkt_is_parser_limit(&p)) {
		d = mxg_xdp_decide(&p, pol, c, clock_ns(cfg));
		verdict = DECIDED_VERDICT(d);
		rule = DECIDED_RULE(d);
		attempt = DECIDED_ATTEMPT(d);
	}
	if (attempt)
		mxg_xdp_top_count(&p, verdict == MXG_VERDICT_DROP ||
					      verdict == MXG_VERDICT_RESET);
	else
		unparsed = mxg_pkt_unparsed_kind(&p);
	mxg_totals_account(&c->totals, unparsed, verdict);
	if (cfg->flags & MXG_XDP_F_RECORD)
		record(pol, verdict, unparsed, attempt, rule);

	if (verdict == MXG_VERDICT_DROP)
		return XDP_DROP;
	if (verdict == MXG_VERDICT_RESET) {
		if (rst_rewrite(ctx, &p) == 0)
			return XDP_TX;
		DIAG_INC(rst_unbuilt);
		return XDP_DROP;
	}
	return pass_action(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
