/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Policy compiler: operator JSON -> typed struct -> validate() -> the
 * compiled image of include/mxgate/policy.h. Errors are collected, one
 * line each, as "FILE:LINE:COL: json.path: message".
 */
#ifndef MXGATE_POLICY_COMPILE_H
#define MXGATE_POLICY_COMPILE_H

#include <stddef.h>
#include <stdio.h>

#include "mxgate/policy.h"

#define MXG_DIAG_MAX	    100 /* error lines kept; the rest are counted */
#define MXG_POLICY_FILE_MAX (1024 * 1024)	   /* policy JSON, bytes */
#define MXG_SET_FILE_MAX    (256ULL * 1024 * 1024) /* one blocklist file */

struct mxg_diag {
	unsigned int count;  /* errors found */
	unsigned int stored; /* lines[] entries, <= MXG_DIAG_MAX */
	char *lines[MXG_DIAG_MAX];
};

void mxg_diag_init(struct mxg_diag *d);
void mxg_diag_free(struct mxg_diag *d);

/*
 * Print the errors of a failed compile of 'policy' (rc < 0) as
 * `mxgatectl` reports them: the stored lines, then, when more errors were
 * found than MXG_DIAG_MAX, the cap line "POLICY: N more errors not
 * shown"; or, when no line was stored, "POLICY: cannot compile the
 * policy: <strerror>".
 */
void mxg_diag_print(FILE *f, const char *policy, const struct mxg_diag *d,
		    int rc);

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
