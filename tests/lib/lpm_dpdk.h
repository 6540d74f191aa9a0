/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_lpm / rte_lpm6 built from an image's prefix lists, for the tests and
 * benchmarks that compare them with the portable LPM (header-only, so
 * only the programs that use it link DPDK).
 *
 * DPDK's tables take depths 1..32 and 1..128: a /0 prefix cannot be
 * added, so its class is kept aside as the answer when the table has no
 * match. Class ids fit the next hops (24 bits for rte_lpm, 21 for
 * rte_lpm6) because the compiler keeps them below MXG_CLASSES_MAX = 2^20.
 */
#ifndef MXGATE_TEST_LPM_DPDK_H
#define MXGATE_TEST_LPM_DPDK_H

#include <stdio.h>

#include <rte_errno.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>

#include "mxgate/policy.h"

_Static_assert(MXG_CLASSES_MAX <= (1u << 21), "class ids fit rte_lpm6");

struct lpm_dpdk {
	struct rte_lpm *v4;
	struct rte_lpm6 *v6;
	uint32_t default4, default6; /* class of a /0, else 0 */
};

static inline void lpm_dpdk_free(struct lpm_dpdk *l)
{
	if (l->v4)
		rte_lpm_free(l->v4);
	if (l->v6)
		rte_lpm6_free(l->v6);
	l->v4 = NULL;
	l->v6 = NULL;
}

static inline int lpm_dpdk_build(struct lpm_dpdk *l, const char *name,
				 const struct mxg_prefix4 *v4, uint32_t n4,
				 const struct mxg_prefix6 *v6, uint32_t n6)
{
	struct rte_lpm_config c4 = { 0 };
	struct rte_lpm6_config c6 = { 0 };
	char nm[64];
	uint32_t i, long4 = 0;
	uint64_t groups6 = 0;
	int rc;

	l->default4 = l->default6 = 0;
	for (i = 0; i < n4; i++)
		long4 += v4[i].len > 24;
	for (i = 0; i < n6; i++)
		groups6 += v6[i].len > 24 ? (v6[i].len - 24 + 7) / 8 : 0;
	c4.max_rules = n4 + 1;
	c4.number_tbl8s = long4 + 256;
	c6.max_rules = n6 + 1;
	c6.number_tbl8s = (uint32_t)groups6 + 256;
	snprintf(nm, sizeof(nm), "%s4", name);
	l->v4 = rte_lpm_create(nm, SOCKET_ID_ANY, &c4);
	snprintf(nm, sizeof(nm), "%s6", name);
	l->v6 = rte_lpm6_create(nm, SOCKET_ID_ANY, &c6);
	if (!l->v4 || !l->v6) {
		lpm_dpdk_free(l);
		return -rte_errno;
	}
	for (i = 0; i < n4; i++) {
		if (!v4[i].len) {
			l->default4 = v4[i].class_id;
			continue;
		}
		rc = rte_lpm_add(l->v4, v4[i].addr, v4[i].len, v4[i].class_id);
		if (rc)
			goto fail;
	}
	for (i = 0; i < n6; i++) {
		if (!v6[i].len) {
			l->default6 = v6[i].class_id;
			continue;
		}
		rc = rte_lpm6_add(l->v6, v6[i].addr, v6[i].len, v6[i].class_id);
		if (rc)
			goto fail;
	}
	return 0;
fail:
	lpm_dpdk_free(l);
	return rc;
}

static inline uint32_t lpm_dpdk_lookup4(const struct lpm_dpdk *l, uint32_t addr)
{
	uint32_t hop;

	return rte_lpm_lookup(l->v4, addr, &hop) ? l->default4 : hop;
}

static inline uint32_t lpm_dpdk_lookup6(const struct lpm_dpdk *l,
					const uint8_t addr[16])
{
	uint32_t hop;

	return rte_lpm6_lookup(l->v6, addr, &hop) ? l->default6 : hop;
}

#endif /* MXGATE_TEST_LPM_DPDK_H */
