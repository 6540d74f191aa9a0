/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Random prefix lists in image form (sorted by (addr, len), distinct,
 * host bits clear) for the LPM tests and benchmarks, with a brute-force
 * longest-prefix reference.
 */
#ifndef MXGATE_TEST_PREFIXGEN_H
#define MXGATE_TEST_PREFIXGEN_H

#include <stddef.h>
#include <stdint.h>

#include "mxgate/policy.h"

struct prefixgen {
	uint64_t state;
};

void prefixgen_seed(struct prefixgen *g, uint64_t seed);
uint64_t prefixgen_next(struct prefixgen *g);

/*
 * n random IPv4 prefixes: lengths min_len..32, addresses clustered around
 * 'clusters' bases so that prefixes nest; classes 1..max_class. Sorted
 * and deduplicated in place: returns the count kept (<= n).
 */
uint32_t prefixgen_v4(struct prefixgen *g, struct mxg_prefix4 *v, uint32_t n,
		      unsigned int min_len, unsigned int clusters,
		      uint32_t max_class);
uint32_t prefixgen_v6(struct prefixgen *g, struct mxg_prefix6 *v, uint32_t n,
		      unsigned int min_len, unsigned int clusters,
		      uint32_t max_class);

/* An address inside, at the edge of, or just outside a random prefix. */
uint32_t prefixgen_addr4(struct prefixgen *g, const struct mxg_prefix4 *v,
			 uint32_t n);
void prefixgen_addr6(struct prefixgen *g, const struct mxg_prefix6 *v,
		     uint32_t n, uint8_t out[16]);

/* The reference: class of the longest prefix holding addr, else 0. */
uint32_t prefixgen_lookup4(const struct mxg_prefix4 *v, uint32_t n,
			   uint32_t addr);
uint32_t prefixgen_lookup6(const struct mxg_prefix6 *v, uint32_t n,
			   const uint8_t addr[16]);

#endif /* MXGATE_TEST_PREFIXGEN_H */
