/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The policy compiler's error format (README, "Policies"), checked: the
 * one definition of a "clean error" that the fuzz target and the unit
 * tests share. A report is one line per error, each exactly one of
 *
 *   POLICY:LINE:COL: path: message     an error in the policy file
 *   SETFILE:LINE: sets.NAME: message   a line of a set file
 *   POLICY: N more errors not shown    the cap line, last, once
 *
 * where LINE:COL lies inside the policy text, path is a JSON path as the
 * compiler writes it ("(root)", "rules[3].limit.rate", "sets[\"a b\"]",
 * cut short with "..." when too long) and the message is not empty.
 */
#ifndef MXGATE_TEST_ERROR_FORMAT_H
#define MXGATE_TEST_ERROR_FORMAT_H

#include <stddef.h>

#include "policy_compile.h"

/* What a report is about: the policy's name in messages and its text
 * (NULL: positions are only checked to be >= 1). */
struct error_source {
	const char *policy;
	const char *text;
	size_t len;
};

/*
 * Check one error line. Returns NULL when it has one of the forms above,
 * or a short reason. The cap line's count is not checked here.
 */
const char *error_line_check(const struct error_source *src, const char *line);

/*
 * Check a failed compile's whole report, as mxg_diag_print() writes it
 * (what `mxgatectl check` prints): at least one error line, every line
 * well formed, and the cap line present, with the right count, exactly
 * when more errors were found than stored. Returns NULL or a reason; the
 * offending line is copied to bad[] (may be NULL).
 */
const char *error_report_check(const struct error_source *src,
			       const struct mxg_diag *diag, int rc, char *bad,
			       size_t bad_len);

#endif /* MXGATE_TEST_ERROR_FORMAT_H */
