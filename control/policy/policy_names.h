/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Name-to-value tables for string enums, and "did you mean" distances
 * (policy_names.c). Depends on nothing else in the compiler.
 */
#ifndef MXGATE_POLICY_NAMES_H
#define MXGATE_POLICY_NAMES_H

/* Name-to-value tables for string enums: value, or -1 if unknown. */
struct pol_enum {
	const char *name;
	int value;
};
int pol_enum_value(const struct pol_enum *tab, const char *name);
const char *pol_enum_name(const struct pol_enum *tab, int value);

/* Edit distance, capped; for "did you mean" hints. */
unsigned int pol_edit_distance(const char *a, const char *b);

#endif /* MXGATE_POLICY_NAMES_H */
