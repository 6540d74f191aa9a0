/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Builds compiled policy images directly, without the JSON compiler, so
 * engine tests control every field. Classes are computed by brute force
 * (for each prefix, the OR of the sets of every covering prefix): an
 * independent implementation of what the compiler does efficiently.
 */
#ifndef MXGATE_TESTS_IMAGE_BUILDER_H
#define MXGATE_TESTS_IMAGE_BUILDER_H

#include "mxgate/policy.h"

#define IB_PREFIXES_MAX 4096

struct image_builder {
	uint8_t mode;
	uint8_t parser_limit; /* enum mxg_parser_limit, default drop (0) */
	uint16_t n_ports;
	uint16_t ports[MXG_PORTS_MAX];
	int has_protected;
	uint32_t n_sets;
	char set_names[MXG_SETS_MAX][MXG_NAME_MAX];
	uint32_t n_rules;
	struct mxg_rule rules[MXG_RULES_MAX];
	uint32_t n_prefixes;
	struct {
		int family;
		uint8_t addr[16];
		uint8_t len;
		uint32_t set;
	} prefixes[IB_PREFIXES_MAX];
};

/* Start an image: enforce mode, ports 25, 465, 587, no sets. */
void ib_init(struct image_builder *b);

/* Add a set (returns its bit) and CIDRs ("192.0.2.0/24", "2001:db8::/32"). */
uint32_t ib_set(struct image_builder *b, const char *name);
void ib_cidr(struct image_builder *b, uint32_t set, const char *cidr);
/* Make set bit 0 the protected set; call before any other ib_set. */
uint32_t ib_protected(struct image_builder *b);

/* Add rules; they return the rule for further tuning (family, ports...). */
struct mxg_rule *ib_allow(struct image_builder *b, const char *name);
struct mxg_rule *ib_deny(struct image_builder *b, const char *name);
struct mxg_rule *ib_limit(struct image_builder *b, const char *name,
			  uint32_t count, uint32_t period_s, uint32_t burst,
			  uint8_t key_kind, uint8_t over);

/* Serialize: a malloc'd image (free() it), checksummed. */
struct mxg_policy_header *ib_build(struct image_builder *b);

#endif
