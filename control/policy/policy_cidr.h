/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prefixes (policy_cidr.c): CIDR syntax, prefix lists, and their text
 * form. Below it: policy_path.h, to quote bad input in a reason.
 */
#ifndef MXGATE_POLICY_CIDR_H
#define MXGATE_POLICY_CIDR_H

#include <stddef.h>
#include <stdint.h>

struct pol_prefix {
	uint8_t addr[16]; /* IPv4 in addr[0..3]; host bits zero */
	uint8_t len;
	uint8_t family; /* 4 or 6 */
};

struct pol_prefix_list {
	struct pol_prefix *v;
	size_t n, cap;
	size_t n4, n6;
};

/* Parse "addr" or "addr/len". 0, or -EINVAL with a reason in 'why'. */
int pol_cidr_parse(const char *s, size_t len, struct pol_prefix *out, char *why,
		   size_t why_len);
int pol_prefix_list_add(struct pol_prefix_list *l, const struct pol_prefix *p);
void pol_prefix_list_free(struct pol_prefix_list *l);
/* Render a prefix as "addr/len" (buf of at least 64 bytes). */
void pol_prefix_format(const struct pol_prefix *p, char *buf, size_t len);

#endif /* MXGATE_POLICY_CIDR_H */
