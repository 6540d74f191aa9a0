// SPDX-License-Identifier: BSD-3-Clause
/*
 * The error lines a compile returns (struct mxg_diag): kept, freed and
 * printed as `mxgatectl check` prints them. Collecting and sorting them
 * is policy_diag.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_errors.h"

void mxg_diag_init(struct mxg_diag *d)
{
	memset(d, 0, sizeof(*d));
}

void mxg_diag_free(struct mxg_diag *d)
{
	unsigned int i;

	for (i = 0; i < d->stored && i < MXG_DIAG_MAX; i++)
		free(d->lines[i]);
	memset(d, 0, sizeof(*d));
}

void mxg_diag_print(FILE *f, const char *policy, const struct mxg_diag *d,
		    int rc)
{
	unsigned int i;

	for (i = 0; i < d->stored && i < MXG_DIAG_MAX; i++)
		fprintf(f, "%s\n", d->lines[i]);
	if (d->count > d->stored)
		fprintf(f, "%s: %u more errors not shown\n", policy,
			d->count - d->stored);
	if (!d->stored)
		fprintf(f, "%s: cannot compile the policy: %s\n", policy,
			strerror(rc < 0 ? -rc : rc));
}
