/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON paths and quoting (policy_path.c): the text the compiler's
 * messages are made of. Depends on nothing else in the compiler.
 */
#ifndef MXGATE_POLICY_PATH_H
#define MXGATE_POLICY_PATH_H

#include <stddef.h>

#define POL_PATH_MAX 192

struct pol_path {
	char s[POL_PATH_MAX];
	size_t len;
};

/* Append ".key" (or ["key"] for keys that are not plain words) or "[i]";
 * return the previous length for pol_path_pop. */
size_t pol_path_key(struct pol_path *p, const char *key);
size_t pol_path_index(struct pol_path *p, unsigned int i);
void pol_path_pop(struct pol_path *p, size_t saved);

/* Quote a string for a message: "...", escaped, cut at 'max' bytes. */
void pol_quote(char *out, size_t out_len, const char *s, size_t len,
	       size_t max);

#endif /* MXGATE_POLICY_PATH_H */
