/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * The XDP fallback path's ABI: map names, flag bits and the map value
 * layouts shared by the BPF program (bpf/mxgate.bpf.c), its loader
 * (control/xdp/xdp_loader.h), the replay tool and the tests. Everything the
 * two sides must agree on is defined here, once.
 *
 * Maps (pinned under MXG_XDP_PIN_DIR by the loader, by these names):
 *
 *   mxg_config   ARRAY[1]         struct mxg_xdp_config: attach mode,
 *                                 clock, flags. Mmapable.
 *   mxg_active   ARRAY_OF_MAPS[1] the policy selector: holds mxg_pol0 or
 *                                 mxg_pol1. A packet reads it once.
 *   mxg_pol0/1   ARRAY[1]         struct mxg_xdp_policy, one per buffer.
 *   mxg_v4       ARRAY_OF_MAPS[2] per buffer: IPv4 LPM trie, key
 *                                 struct mxg_xdp_lpm4_key, value the set
 *                                 mask (struct mxg_setmask) of the match.
 *   mxg_v6       ARRAY_OF_MAPS[2] the same for IPv6.
 *   mxg_buckets  ARRAY[lines]     the source table (mxgate/src_table.h):
 *                                 64-byte lines of 4 bucket states
 *                                 (mxgate/bucket.h), shared by every
 *                                 CPU, updated with cmpxchg; its seed
 *                                 is read-only data (MXG_XDP_RODATA_SEED).
 *   mxg_stats    PERCPU_ARRAY[2]  struct mxg_counters per buffer.
 *   mxg_rule_base ARRAY[2]        struct mxg_xdp_rule_base per buffer:
 *                                 what its rules counted under earlier
 *                                 policies (written by the loader only).
 *   mxg_top      PERCPU_ARRAY[MXG_XDP_TOP_SLOTS]
 *                                 struct mxg_xdp_top_slot: the per-source
 *                                 report (bounded, no per-packet log).
 *   mxg_diag     PERCPU_ARRAY[1]  struct mxg_xdp_diag: rare events.
 *   mxg_ports    DEVMAP_HASH      inline mode: ingress ifindex -> peer.
 *   mxg_last     ARRAY[1]         struct mxg_xdp_last: the last frame's
 *                                 decision, written only when
 *                                 MXG_XDP_F_RECORD is set (replay, tests).
 *
 * Policy switch. A policy lives in one of two buffers b (0 or 1):
 * mxg_pol<b>, mxg_v4[b], mxg_v6[b] and mxg_stats[b]. The loader fills
 * the buffer no packet uses, then points mxg_active at mxg_pol<b>. A map
 * update of a map-in-map returns only after every BPF program that might
 * have read the old entry has finished (the kernel waits for an RCU grace
 * period), so when the switch returns, the other buffer is idle and the
 * next reload may rewrite it. Each packet looks mxg_active up once and
 * takes everything else from the buffer it found: it sees one policy,
 * whole. Buckets are keyed by the rules' stable key ids (struct
 * mxg_rule.key_id), not by buffer, so a reload keeps the state of the
 * rules it keeps.
 *
 * Rule counters across a reload. A rule's counters follow its name, as
 * in mxgate-dp: the loader fills mxg_rule_base[b] for the new policy's
 * rules with what the same-named rules of the policy in force counted
 * (their base plus their per-CPU counts), clears mxg_stats[b]'s rules,
 * switches, then adds what the old buffer counted between its read and
 * the switch (the old buffer is idle by then). A rule's count is
 * mxg_rule_base[b] + the sum over CPUs of mxg_stats[b]: it never
 * restarts because a reload moved the rule to another index.
 *
 * Top sources (mxg_top). Per CPU, slot = a seeded hash of the source
 * address; a slot holds one source and a vote (the majority algorithm of
 * Boyer and Moore, per slot): an attempt from the slot's source adds one
 * vote and counts its attempt (and drop), one from another source takes
 * one vote away, and a slot with no votes left goes to the source that
 * hashes there next. So a source that sends more than all others of its
 * slot together keeps the slot and its counts (since it took the slot:
 * lower bounds); a spoofed flood of single attempts churns slots without
 * growing anything. (A vote that would leave none hands the slot over at
 * once: the same candidate as the algorithm's.) Readers merge the CPUs'
 * slots by address.
 */
#ifndef MXGATE_XDP_H
#define MXGATE_XDP_H

#include "compat.h"
#include "counters.h"
#include "key.h"
#include "policy.h"

/* Map names: the BPF program declares its maps with these identifiers. */
#define MXG_XDP_MAP_CONFIG    mxg_config
#define MXG_XDP_MAP_ACTIVE    mxg_active
#define MXG_XDP_MAP_POL0      mxg_pol0
#define MXG_XDP_MAP_POL1      mxg_pol1
#define MXG_XDP_MAP_V4	      mxg_v4
#define MXG_XDP_MAP_V6	      mxg_v6
#define MXG_XDP_MAP_BUCKETS   mxg_buckets
#define MXG_XDP_MAP_STATS     mxg_stats
#define MXG_XDP_MAP_DIAG      mxg_diag
#define MXG_XDP_MAP_PORTS     mxg_ports
#define MXG_XDP_MAP_LAST      mxg_last
#define MXG_XDP_MAP_RULE_BASE mxg_rule_base
#define MXG_XDP_MAP_TOP	      mxg_top
#define MXG_XDP_PROG	      mxgate_xdp

#define MXG_XDP_STR_(x) #x
#define MXG_XDP_STR(x)	MXG_XDP_STR_(x)

/* Where the loader pins the program, its maps and the current tries. */
#define MXG_XDP_PIN_DIR "/sys/fs/bpf/mxgate"

#define MXG_XDP_BUFFERS	   2
#define MXG_XDP_IFACES_MAX 2
/* Default and limits of the bucket table, in entries (sources); the map
 * has mxg_st_lines_for(entries) lines of MXG_ST_WAYS entries. */
#define MXG_XDP_BUCKETS_DEFAULT (1u << 20)
#define MXG_XDP_BUCKETS_MIN	1024u
#define MXG_XDP_BUCKETS_MAX	(1u << 28)
/* Slots of the per-source report, per CPU. */
#define MXG_XDP_TOP_BITS  12
#define MXG_XDP_TOP_SLOTS (1u << MXG_XDP_TOP_BITS)
/* cmpxchg attempts on one bucket before the packet keeps its last try. */
#define MXG_XDP_CAS_TRIES 8

/* struct mxg_xdp_config.flags */
#define MXG_XDP_F_TEST_CLOCK 0x1 /* the clock is test_clock_ns, even 0 */
#define MXG_XDP_F_RECORD     0x2 /* write every decision to mxg_last */

/*
 * Read-only data the loader sets before loading (never changes while
 * the program runs): MXG_XDP_RODATA_INLINE non-zero makes "pass" a
 * redirect to the peer port through mxg_ports (inline-bridge mode).
 */
#define MXG_XDP_RODATA_INLINE mxg_inline_mode
/* struct mxg_st_seed: the source table's hash seed and line mask, random
 * per load (mxgate/src_table.h). */
#define MXG_XDP_RODATA_SEED mxg_table_seed

/* struct mxg_xdp_config.attach[] */
#define MXG_XDP_ATTACH_NONE    0
#define MXG_XDP_ATTACH_NATIVE  1
#define MXG_XDP_ATTACH_GENERIC 2

/*
 * Global settings, read by every packet. The clock is bpf_ktime_get_ns()
 * unless test_clock_ns is non-zero or MXG_XDP_F_TEST_CLOCK is set. The
 * interfaces are recorded for mxgate-xdp stats and detach.
 */
struct mxg_xdp_config {
	uint32_t flags;	   /* MXG_XDP_F_* */
	uint32_t n_ifaces; /* 0 (not attached), 1 (host), 2 (inline) */
	uint32_t ifindex[MXG_XDP_IFACES_MAX];
	uint8_t attach[MXG_XDP_IFACES_MAX]; /* MXG_XDP_ATTACH_* */
	uint8_t pad[6];
	uint64_t test_clock_ns;
};
MXG_STATIC_ASSERT(sizeof(struct mxg_xdp_config) == 32, "mxg_xdp_config layout");

/* struct mxg_xdp_policy.need */
#define MXG_XDP_NEED_SRC 0x1 /* some rule matches on a source set */
#define MXG_XDP_NEED_DST 0x2 /* 'protected', or a rule on a dst set */

/* One compiled policy as the program reads it (one per buffer). */
struct mxg_xdp_policy {
	uint64_t generation; /* of the image */
	uint64_t checksum;   /* of the image */
	uint32_t buffer;     /* this buffer's index, 0 or 1 */
	uint32_t n_rules;
	uint8_t mode;	       /* enum mxg_mode */
	uint8_t has_protected; /* set bit MXG_SET_PROTECTED is in use */
	uint8_t need;	       /* MXG_XDP_NEED_* */
	uint8_t parser_limit;  /* enum mxg_parser_limit */
	uint16_t n_smtp_ports;
	uint16_t pad2;
	uint16_t smtp_ports[MXG_PORTS_MAX];
	struct mxg_rule rules[MXG_RULES_MAX];
};
MXG_STATIC_ASSERT(sizeof(struct mxg_xdp_policy) ==
			  64 + MXG_RULES_MAX * sizeof(struct mxg_rule),
		  "mxg_xdp_policy layout");

/* LPM trie keys: prefix length, then the address in network order. */
struct mxg_xdp_lpm4_key {
	uint32_t prefixlen;
	uint8_t addr[4];
};
MXG_STATIC_ASSERT(sizeof(struct mxg_xdp_lpm4_key) == 8, "lpm4 key layout");

struct mxg_xdp_lpm6_key {
	uint32_t prefixlen;
	uint8_t addr[16];
};
MXG_STATIC_ASSERT(sizeof(struct mxg_xdp_lpm6_key) == 20, "lpm6 key layout");

/*
 * Rare events and the source table's counters, per CPU, for operators
 * (mxgate-xdp stats, mxgated): keys present = inserts - evict_lossless -
 * evict_lossy, as in the core engine's table (a key enters only by an
 * insert and leaves only by an eviction).
 */
struct mxg_xdp_diag {
	uint64_t no_policy;	 /* frames seen before a policy was loaded */
	uint64_t bucket_full;	 /* judged on a fresh bucket: lost races */
	uint64_t cas_exhausted;	 /* unused (was: cmpxchg races lost) */
	uint64_t rst_unbuilt;	 /* reset verdicts dropped without a RST */
	uint64_t evict_lossy;	 /* evicted a bucket that was not full */
	uint64_t inserts;	 /* new keys in the source table */
	uint64_t evict_lossless; /* evicted a full bucket (nothing lost) */
	uint64_t pad;
};
MXG_STATIC_ASSERT(sizeof(struct mxg_xdp_diag) == 64, "mxg_xdp_diag layout");

/* mxg_rule_base[b]: the rules of buffer b, by index, carried over. */
struct mxg_xdp_rule_base {
	struct mxg_rule_counters rules[MXG_RULES_MAX];
};

/* One slot of mxg_top (per CPU). */
struct mxg_xdp_top_slot {
	uint64_t addr[2]; /* struct mxg_pkt's src bytes (IPv4: first 4) */
	uint8_t family;	  /* MXG_AF_*; 0: empty */
	uint8_t pad[3];
	uint32_t votes;	   /* 0: the next source takes the slot */
	uint64_t attempts; /* since this source took the slot */
	uint64_t dropped;  /* of them, dropped or reset */
};
MXG_STATIC_ASSERT(sizeof(struct mxg_xdp_top_slot) == 40,
		  "mxg_xdp_top_slot layout");

/*
 * The slot of a source: multiply-add-shift (top bits) over the address's
 * two 64-bit words and the family, with words of the source table's seed
 * (random per load, never leaves the kernel), so that nobody can aim
 * sources at one slot to hide another.
 */
MXG_INLINE uint32_t mxg_xdp_top_slot_of(uint64_t s0, uint64_t s1, uint64_t s2,
					uint64_t a0, uint64_t a1,
					uint8_t family)
{
	uint64_t h = s0 + (a0 ^ family) * (s1 | 1) + a1 * (s2 | 1);

	return (uint32_t)(h >> (64 - MXG_XDP_TOP_BITS));
}

/* The decision on the last frame, when MXG_XDP_F_RECORD is set. */
struct mxg_xdp_last {
	uint64_t seq;	  /* incremented for every recorded frame */
	uint8_t verdict;  /* enum mxg_verdict */
	uint8_t unparsed; /* the parser could not read the frame */
	uint8_t attempt;  /* a connection attempt */
	uint8_t buffer;	  /* the policy buffer that decided */
	int32_t rule;	  /* deciding rule index, or -1 */
};
MXG_STATIC_ASSERT(sizeof(struct mxg_xdp_last) == 16, "mxg_xdp_last layout");

#endif /* MXGATE_XDP_H */
