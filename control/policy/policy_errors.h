/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a compile hands back besides the image (policy_errors.c): the
 * error lines, and the size limits of its inputs. Public, through
 * policy_compile.h; the bottom of the compiler's stages, depending on
 * nothing else in it.
 */
#ifndef MXGATE_POLICY_ERRORS_H
#define MXGATE_POLICY_ERRORS_H

#include <stdio.h>

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

#endif /* MXGATE_POLICY_ERRORS_H */
