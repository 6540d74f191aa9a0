/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Set files (policy_sets.c): the blocklists a policy names, read into its
 * sets. Below it: the typed policy (parse), diagnostics, CIDRs.
 */
#ifndef MXGATE_POLICY_SETS_H
#define MXGATE_POLICY_SETS_H

#include <stddef.h>

#include "policy_diag.h"
#include "policy_parse.h"

/*
 * Read a whole regular file of at most 'max' bytes into a malloc'd,
 * NUL-terminated buffer. 0, or -errno (-EFBIG when larger than 'max',
 * -EINVAL when not a regular file). Never blocks on a FIFO or device.
 */
int pol_read_file(const char *path, size_t max, char **buf, size_t *len);

/* Read every file set of 'p'. 0, or -ENOMEM; errors go to the context. */
int pol_sets_load(struct pol_ctx *c, struct pol_policy *p);
/* Read one blocklist buffer; 'file' and 'path' are for messages. */
int pol_set_parse_text(struct pol_ctx *c, struct pol_policy *p,
		       struct pol_set *set, const char *file, const char *text,
		       size_t len);

#endif /* MXGATE_POLICY_SETS_H */
