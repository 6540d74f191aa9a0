/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Portable longest-prefix match over a compiled policy image's prefix
 * lists (struct mxg_prefix4 / mxg_prefix6), for the code that runs
 * without DPDK's EAL: the replay tool and the unit tests. The DPDK
 * workers use rte_lpm / rte_lpm6 built from the same lists; tests check
 * both give the same class for random prefixes and addresses.
 *
 * For the DPDK side: rte_lpm/rte_lpm6 take depths 1..32/1..128, so a /0
 * prefix of the image cannot be added; use its class as the result when
 * the table has no match (tests/lib/lpm_dpdk.h does). Class ids are below
 * MXG_CLASSES_MAX (2^20): they fit rte_lpm's 24-bit and rte_lpm6's 21-bit
 * next hops. Loading many prefixes with rte_lpm_add is O(n^2) in DPDK
 * 22.11 (see tests/bench/bench_lpm.c).
 */
#ifndef MXGATE_LPM_H
#define MXGATE_LPM_H

#include <stddef.h>
#include <stdint.h>

#include "mxgate/policy.h"

struct mxg_lpm;

/*
 * Build from prefix lists sorted by (addr, len) as in the image. Returns
 * 0, -EINVAL (unsorted, bad length, host bits set) or -ENOMEM.
 */
int mxg_lpm_build(struct mxg_lpm **out, const struct mxg_prefix4 *v4,
		  uint32_t n_v4, const struct mxg_prefix6 *v6, uint32_t n_v6);
void mxg_lpm_free(struct mxg_lpm *lpm);

/* Class id of the longest matching prefix, or 0 when none matches. */
uint32_t mxg_lpm_lookup4(const struct mxg_lpm *lpm, uint32_t addr_host);
uint32_t mxg_lpm_lookup6(const struct mxg_lpm *lpm, const uint8_t addr[16]);

size_t mxg_lpm_memory(const struct mxg_lpm *lpm);

#endif /* MXGATE_LPM_H */
