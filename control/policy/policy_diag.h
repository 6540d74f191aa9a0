/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Diagnostics (policy_diag.c): the compile context every later stage
 * reports into, and its error lines "FILE:LINE:COL: json.path: message",
 * kept sorted by position. Below it: the scan (positions) and the paths.
 */
#ifndef MXGATE_POLICY_DIAG_H
#define MXGATE_POLICY_DIAG_H

#include <stddef.h>
#include <stdint.h>

#include "policy_errors.h"
#include "policy_path.h"
#include "policy_scan.h"

struct pol_err_slot {
	uint64_t key; /* sort key: where in the policy, then set file line */
	uint64_t seq;
	char *line;
};

struct pol_ctx {
	const char *name;     /* the policy file, in messages */
	const char *base_dir; /* for relative set file paths; NULL: "." */
	struct pol_json_scan scan;
	struct pol_path path;
	struct mxg_diag *diag;
	/* Errors are kept sorted by position, the first MXG_DIAG_MAX. */
	struct pol_err_slot errs[MXG_DIAG_MAX];
	unsigned int n_errs;
	uint64_t seq;
	unsigned int count;
	int oom; /* an allocation failed: report -ENOMEM */
};

/* An error at byte offset 'off' of the policy, for the current path (or
 * 'path' when not NULL). */
void pol_error(struct pol_ctx *c, size_t off, const char *path, const char *fmt,
	       ...) __attribute__((format(printf, 4, 5)));
/* An error in a set file, reported as "SETFILE:LINE: path: message" and
 * sorted after the policy position 'off' that named the file. */
void pol_error_file(struct pol_ctx *c, size_t off, const char *file,
		    unsigned long line, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Move the collected errors into c->diag, in order. */
void pol_errors_flush(struct pol_ctx *c);

#endif /* MXGATE_POLICY_DIAG_H */
