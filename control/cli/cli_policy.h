/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loading a policy for a command line: a JSON policy, compiled through
 * libmxgate_policy as `mxgatectl check` does, or a compiled image
 * (`mxgatectl compile`), read and checked with mxg_policy_image_check.
 */
#ifndef MXGATE_CLI_POLICY_H
#define MXGATE_CLI_POLICY_H

#include <stddef.h>

#include "mxgate/policy.h"
#include "policy_compile.h"

/* What a path may hold. */
enum mxg_cli_policy_kind {
	MXG_CLI_POLICY_ANY,   /* an image if it starts with the image magic,
				 else JSON */
	MXG_CLI_POLICY_JSON,  /* a JSON policy */
	MXG_CLI_POLICY_IMAGE, /* a compiled image */
};

struct mxg_cli_policy {
	const char *path;
	/* On success: the image, malloc'd, len bytes (image->total_len). */
	struct mxg_policy_header *image;
	size_t len;
	int compiled; /* 1: compiled here from JSON; 0: read as an image */
	/* On failure: the error lines, one per error, each naming the file
	 * ("FILE:LINE:COL: json.path: message", "FILE: message"); at least
	 * one is stored. */
	struct mxg_diag diag;
};

/*
 * Load path into p. 0 on success. On failure a negative errno (-EINVAL:
 * an invalid policy or image) and the error lines in p->diag. Either
 * way, mxg_cli_policy_free() p after.
 */
int mxg_cli_policy_load(struct mxg_cli_policy *p, const char *path,
			enum mxg_cli_policy_kind kind);

/* Free p's image (unless taken: set p->image to NULL) and error lines. */
void mxg_cli_policy_free(struct mxg_cli_policy *p);

/*
 * The one error line of a failed load, on stderr: "PROG: " and the first
 * error, and when there are more, how many and where to see them all:
 * " (and N more errors: see `mxgatectl check FILE`)".
 */
void mxg_cli_policy_error(const struct mxg_cli_policy *p);

/* Start-up: load path, or print the error line and exit 2. */
void mxg_cli_policy_load_or_exit(struct mxg_cli_policy *p, const char *path,
				 enum mxg_cli_policy_kind kind);

#endif /* MXGATE_CLI_POLICY_H */
