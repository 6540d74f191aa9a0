/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * Rule evaluation (DESIGN §3), shared by the core engine and the XDP
 * program so that they cannot disagree: which frames are connection
 * attempts, which rules match, how bucket keys are built, and the order
 * of allow / deny / limit with monitor mode.
 *
 * The includer defines, before including this header, how a limit rule
 * takes a token:
 *
 *   MXG_INLINE int mxg_decide_take(void *env, const struct mxg_rule *r,
 *                                  const struct mxg_src_key *key,
 *                                  uint64_t now_ns);
 *
 * returning 1 if the attempt conforms to r's bucket for 'key', 0 if not.
 */
#ifndef MXGATE_DECIDE_H
#define MXGATE_DECIDE_H

#include "compat.h"
#include "counters.h"
#include "key.h"
#include "pkt.h"
#include "policy.h"

/* Do the rule's match fields (family, src, dst, dst_port) match? */
MXG_INLINE int mxg_rule_matches(const struct mxg_rule *r,
				const struct mxg_pkt *p,
				const struct mxg_setmask *src,
				const struct mxg_setmask *dst)
{
	if (r->family != MXG_FAMILY_ANY && r->family != p->family)
		return 0;
	if (r->src_set != MXG_SET_NONE && !mxg_setmask_test(src, r->src_set))
		return 0;
	if (r->dst_set != MXG_SET_NONE && !mxg_setmask_test(dst, r->dst_set))
		return 0;
	if (r->n_ports &&
	    !mxg_port_in_list(p->dport, r->ports, r->n_ports, MXG_PORTS_MAX))
		return 0;
	return 1;
}

/*
 * Is the SYN in 'p' (already known to pass mxg_pkt_is_smtp_syn) aimed at
 * a protected destination? Always, when the policy has no 'protected'.
 */
MXG_INLINE int mxg_dst_is_protected(uint8_t has_protected,
				    const struct mxg_setmask *dst)
{
	return !has_protected || mxg_setmask_test(dst, MXG_SET_PROTECTED);
}

/*
 * The verdict for a frame cut by a parser limit (pkt.h) whose destination
 * 'is_protected' (mxg_dst_is_protected): DROP under 'parser_limit':
 * 'drop' (WOULD_DROP in monitor mode), otherwise FORWARD.
 */
MXG_INLINE int mxg_decide_parser_limit(uint8_t parser_limit, uint8_t mode,
				       int is_protected)
{
	if (!is_protected || parser_limit != MXG_PARSER_LIMIT_DROP)
		return MXG_VERDICT_FORWARD;
	return mode == MXG_MODE_MONITOR ? MXG_VERDICT_WOULD_DROP :
					  MXG_VERDICT_DROP;
}

/*
 * A RESET verdict for a SYN from or to an address that must never get a
 * RST (pkt.h, mxg_pkt_rst_forbidden) becomes a DROP, counted in
 * c->totals.reset_suppressed; a RESET that stands is counted in the
 * deciding rule's 'reset' (rule: its index, or -1). Returns the verdict
 * to act on.
 */
MXG_INLINE int mxg_decide_reset_guard(const struct mxg_pkt *p, int verdict,
				      int32_t rule, struct mxg_counters *c)
{
	if (verdict != MXG_VERDICT_RESET)
		return verdict;
	if (mxg_pkt_rst_forbidden(p)) {
		c->totals.reset_suppressed++;
		return MXG_VERDICT_DROP;
	}
	/* unsigned: one bound check the verifier follows */
	if ((uint32_t)rule < MXG_RULES_MAX)
		c->rules[(uint32_t)rule].reset++;
	return verdict;
}

MXG_INLINE int mxg_decide_take(void *env, const struct mxg_rule *r,
			       const struct mxg_src_key *key, uint64_t now_ns);

/* mxg_decide_rule(): the attempt goes on to the next rule. */
#define MXG_DECIDE_NEXT (-1)

/*
 * One rule for one connection attempt: MXG_DECIDE_NEXT when the rule does
 * not match or its bucket lets the attempt through, otherwise the
 * verdict it decides (PASS, DROP, RESET or WOULD_DROP). Counts in *rc.
 */
MXG_INLINE int mxg_decide_rule(void *env, const struct mxg_rule *r,
			       uint8_t mode, const struct mxg_pkt *p,
			       const struct mxg_setmask *src,
			       const struct mxg_setmask *dst, uint64_t now_ns,
			       struct mxg_rule_counters *rc)
{
	struct mxg_src_key key;
	int verdict;

	if (!mxg_rule_matches(r, p, src, dst))
		return MXG_DECIDE_NEXT;
	rc->matched++;
	if (r->action == MXG_ACTION_ALLOW) {
		rc->passed++;
		return MXG_VERDICT_PASS;
	}
	if (r->action == MXG_ACTION_LIMIT) {
		mxg_rule_key(r, p, &key);
		if (mxg_decide_take(env, r, &key, now_ns)) {
			rc->passed++;
			return MXG_DECIDE_NEXT;
		}
		verdict = r->over == MXG_OVER_RESET ? MXG_VERDICT_RESET :
						      MXG_VERDICT_DROP;
	} else {
		verdict = MXG_VERDICT_DROP;
	}
	if (mode == MXG_MODE_MONITOR) {
		rc->would_drop++;
		return MXG_VERDICT_WOULD_DROP;
	}
	rc->dropped++;
	return verdict;
}

/*
 * The includer may evaluate each rule through a function of its own with
 * mxg_decide_rule's arguments (the XDP program makes it a BPF subprogram
 * that the verifier checks once rather than once per rule).
 */
#ifndef MXG_DECIDE_RULE
#define MXG_DECIDE_RULE mxg_decide_rule
#endif

/*
 * Evaluate the rules for one connection attempt. Returns the verdict
 * (PASS, DROP, RESET or WOULD_DROP) and the deciding rule's index in
 * *rule_idx, or -1 when the attempt passed every rule. Per-rule counters
 * are updated in rc[].
 */
MXG_INLINE int mxg_decide_rules(void *env, const struct mxg_rule *rules,
				uint32_t n_rules, uint8_t mode,
				const struct mxg_pkt *p,
				const struct mxg_setmask *src,
				const struct mxg_setmask *dst, uint64_t now_ns,
				struct mxg_rule_counters *rc, int32_t *rule_idx)
{
	uint32_t i;
	int verdict;

	*rule_idx = -1;
	for (i = 0; i < MXG_RULES_MAX; i++) {
		if (i >= n_rules)
			break;
		verdict = MXG_DECIDE_RULE(env, &rules[i], mode, p, src, dst,
					  now_ns, &rc[i]);
		if (verdict != MXG_DECIDE_NEXT) {
			*rule_idx = (int32_t)i;
			return verdict;
		}
	}
	return MXG_VERDICT_PASS;
}

#endif /* MXGATE_DECIDE_H */
