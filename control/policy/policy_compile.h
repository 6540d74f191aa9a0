/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Policy compiler: operator JSON -> typed struct -> validate() -> the
 * compiled image of include/mxgate/policy.h. Errors are collected, one
 * line each, as "FILE:LINE:COL: json.path: message".
 */
#ifndef MXGATE_POLICY_COMPILE_H
#define MXGATE_POLICY_COMPILE_H

#include <stddef.h>

#include "mxgate/policy.h"
#include "policy_errors.h"

/*
 * Compile a policy file. Set files named in it are read relative to its
 * directory. On success returns 0 and a malloc'd image of
 * (*image)->total_len bytes, checksummed, generation 0. On failure returns
 * a negative errno (-EINVAL for a bad policy) and the errors in 'diag';
 * *image is NULL.
 */
int mxg_policy_compile_file(const char *path, struct mxg_policy_header **image,
			    struct mxg_diag *diag);

/* The same from a buffer; 'name' is used in messages, 'base_dir' to
 * resolve relative set file paths (NULL: the current directory). */
int mxg_policy_compile_buffer(const char *name, const char *text, size_t len,
			      const char *base_dir,
			      struct mxg_policy_header **image,
			      struct mxg_diag *diag);

/* Number of prefixes in an image (v4 + v6), as `check` reports them. */
unsigned long mxg_policy_prefix_count(const struct mxg_policy_header *image);

#endif /* MXGATE_POLICY_COMPILE_H */
