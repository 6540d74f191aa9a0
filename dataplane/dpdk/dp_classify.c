// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxgate-dp classification: the policy image's prefix lists in rte_lpm
 * and rte_lpm6 (next hop = class id), looked up in bulk for the
 * candidates of a burst. Gives the same class as the portable LPM
 * (dataplane/core/lpm.c): the longest match's class, else the class of a
 * zero-length prefix if the image has one, else class 0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lpm.h>
#include <rte_lpm6.h>

#include "dp.h"
#include "dp_log.h"

#define DP_LPM_NEXTHOP_MASK 0x00ffffffu
#define DP_LPM6_NEXTHOP_MAX (1u << 21)

/* tbl8 groups rte_lpm needs: distinct /24s under prefixes longer than 24. */
static uint32_t lpm4_tbl8s(const struct mxg_prefix4 *v4, uint32_t n)
{
	uint32_t i, count = 0, last = 0;
	int have = 0;

	for (i = 0; i < n; i++) {
		if (v4[i].len <= 24)
			continue;
		if (!have || (v4[i].addr >> 8) != last)
			count++;
		last = v4[i].addr >> 8;
		have = 1;
	}
	return count;
}

/*
 * tbl8s rte_lpm6 needs at most: for each byte level L from 3 to 15, the
 * distinct first-L-byte groups among prefixes longer than 8 * L. The
 * list is sorted by address, so each group is contiguous.
 */
static uint64_t lpm6_tbl8s(const struct mxg_prefix6 *v6, uint32_t n)
{
	uint64_t total = 0;
	uint32_t level, i;

	for (level = 3; level < 16; level++) {
		const uint8_t *last = NULL;

		for (i = 0; i < n; i++) {
			if (v6[i].len <= 8 * level)
				continue;
			if (!last || memcmp(last, v6[i].addr, level) != 0)
				total++;
			last = v6[i].addr;
		}
	}
	return total;
}

static int build_lpm4(struct dp_policy *p, const struct mxg_policy_header *h,
		      char *err, size_t errlen)
{
	const struct mxg_prefix4 *v4 = mxg_policy_v4(h);
	struct rte_lpm_config cfg = { 0 };
	char name[RTE_LPM_NAMESIZE];
	uint32_t i;
	int rc;

	cfg.max_rules = h->n_v4 ? h->n_v4 : 1;
	cfg.number_tbl8s = lpm4_tbl8s(v4, h->n_v4) + 16;
	snprintf(name, sizeof(name), "mxg4_%" PRIu64, p->seqno);
	p->lpm4 = rte_lpm_create(name, SOCKET_ID_ANY, &cfg);
	if (!p->lpm4) {
		snprintf(err, errlen,
			 "cannot create rte_lpm for %u prefixes: %s", h->n_v4,
			 rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (i = 0; i < h->n_v4; i++) {
		if (v4[i].len == 0) {
			p->default4 = v4[i].class_id;
			continue;
		}
		rc = rte_lpm_add(p->lpm4, v4[i].addr, v4[i].len,
				 v4[i].class_id);
		if (rc) {
			snprintf(err, errlen,
				 "rte_lpm_add of IPv4 prefix %u failed: %s", i,
				 strerror(-rc));
			return rc == -ENOSPC ? -ENOMEM : -EINVAL;
		}
	}
	return 0;
}

static int build_lpm6(struct dp_policy *p, const struct mxg_policy_header *h,
		      char *err, size_t errlen)
{
	const struct mxg_prefix6 *v6 = mxg_policy_v6(h);
	struct rte_lpm6_config cfg = { 0 };
	char name[RTE_LPM_NAMESIZE];
	uint64_t tbl8s = lpm6_tbl8s(v6, h->n_v6) + 16;
	uint32_t i;
	int rc;

	if (h->n_classes > DP_LPM6_NEXTHOP_MAX) {
		snprintf(err, errlen, "%u classes exceed rte_lpm6 next hops",
			 h->n_classes);
		return -EINVAL;
	}
	if (tbl8s > UINT32_MAX / 2) {
		snprintf(err, errlen, "IPv6 prefix table too large");
		return -ENOMEM;
	}
	cfg.max_rules = h->n_v6 ? h->n_v6 : 1;
	cfg.number_tbl8s = (uint32_t)tbl8s;
	snprintf(name, sizeof(name), "mxg6_%" PRIu64, p->seqno);
	p->lpm6 = rte_lpm6_create(name, SOCKET_ID_ANY, &cfg);
	if (!p->lpm6) {
		snprintf(err, errlen,
			 "cannot create rte_lpm6 for %u prefixes: %s", h->n_v6,
			 rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (i = 0; i < h->n_v6; i++) {
		if (v6[i].len == 0) {
			p->default6 = v6[i].class_id;
			continue;
		}
		rc = rte_lpm6_add(p->lpm6, v6[i].addr, v6[i].len,
				  v6[i].class_id);
		if (rc) {
			snprintf(err, errlen,
				 "rte_lpm6_add of IPv6 prefix %u failed: %s", i,
				 strerror(-rc));
			return rc == -ENOSPC ? -ENOMEM : -EINVAL;
		}
	}
	return 0;
}

/* For each rule of p, the index of the rule with the same name in prev. */
static void map_rules(struct dp_policy *p, const struct dp_policy *prev)
{
	const struct mxg_engine *e = p->engine;
	uint32_t i, j;

	p->prev_tag = (uintptr_t)prev;
	for (i = 0; i < MXG_RULES_MAX; i++)
		p->prev_index[i] = -1;
	if (!prev)
		return;
	for (i = 0; i < e->n_rules; i++) {
		for (j = 0; j < prev->engine->n_rules; j++) {
			if (strncmp(e->rules[i].name,
				    prev->engine->rules[j].name,
				    MXG_NAME_MAX) == 0) {
				p->prev_index[i] = (int16_t)j;
				break;
			}
		}
	}
}

int dp_policy_create(struct dp_policy **out, const void *image, size_t len,
		     const struct dp_policy *prev, uint64_t seqno, char *err,
		     size_t errlen)
{
	const char *why = NULL;
	struct dp_policy *p;
	int rc;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	p->seqno = seqno;
	rc = mxg_engine_create(&p->engine, image, len, 0, &why);
	if (rc) {
		snprintf(err, errlen, "policy image rejected: %s",
			 why ? why : strerror(-rc));
		goto free_policy;
	}
	p->generation = p->engine->image->generation;
	p->n_prefixes =
		(uint64_t)p->engine->image->n_v4 + p->engine->image->n_v6;
	rc = build_lpm4(p, p->engine->image, err, errlen);
	if (rc)
		goto free_policy;
	rc = build_lpm6(p, p->engine->image, err, errlen);
	if (rc)
		goto free_policy;
	map_rules(p, prev);
	*out = p;
	return 0;

free_policy:
	dp_policy_destroy(p);
	return rc;
}

void dp_policy_destroy(struct dp_policy *p)
{
	if (!p)
		return;
	rte_lpm6_free(p->lpm6);
	rte_lpm_free(p->lpm4);
	mxg_engine_destroy(p->engine);
	free(p);
}

/*
 * Classify the candidates idx[0..n) of the worker's burst: fills
 * lc->src_class[] and lc->dst_class[] at those indexes, IPv4 and IPv6
 * each with one bulk lookup of sources and destinations together.
 */
void dp_classify(const struct dp_policy *pol, struct dp_lcore *lc,
		 const uint8_t *idx, uint32_t n)
{
	uint32_t ip4[2 * DP_BURST], hop4[2 * DP_BURST];
	uint8_t ip6[2 * DP_BURST][RTE_LPM6_IPV6_ADDR_SIZE];
	int32_t hop6[2 * DP_BURST];
	uint8_t at4[DP_BURST], at6[DP_BURST];
	uint32_t n4 = 0, n6 = 0, i;

	for (i = 0; i < n; i++) {
		const struct mxg_pkt *p = &lc->pkt[idx[i]];

		if (p->family == MXG_AF_INET) {
			ip4[2 * n4] = mxg_load_be32(p->src);
			ip4[2 * n4 + 1] = mxg_load_be32(p->dst);
			at4[n4++] = idx[i];
		} else {
			memcpy(ip6[2 * n6], p->src, 16);
			memcpy(ip6[2 * n6 + 1], p->dst, 16);
			at6[n6++] = idx[i];
		}
	}
	if (n4) {
		rte_lpm_lookup_bulk(pol->lpm4, ip4, hop4, 2 * n4);
		for (i = 0; i < n4; i++) {
			uint32_t s = hop4[2 * i], d = hop4[2 * i + 1];

			lc->src_class[at4[i]] =
				(s & RTE_LPM_LOOKUP_SUCCESS) ?
					(s & DP_LPM_NEXTHOP_MASK) :
					pol->default4;
			lc->dst_class[at4[i]] =
				(d & RTE_LPM_LOOKUP_SUCCESS) ?
					(d & DP_LPM_NEXTHOP_MASK) :
					pol->default4;
		}
	}
	if (n6) {
		rte_lpm6_lookup_bulk_func(pol->lpm6, ip6, hop6, 2 * n6);
		for (i = 0; i < n6; i++) {
			int32_t s = hop6[2 * i], d = hop6[2 * i + 1];

			lc->src_class[at6[i]] = s >= 0 ? (uint32_t)s :
							 pol->default6;
			lc->dst_class[at6[i]] = d >= 0 ? (uint32_t)d :
							 pol->default6;
		}
	}
}
