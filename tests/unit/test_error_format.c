// SPDX-License-Identifier: BSD-3-Clause
/*
 * The checker of clean policy errors (tests/lib/error_format.c) that the
 * fuzz target and test_policy_cut rely on: table-driven, every documented
 * form accepted and near misses of each rejected, so the checks it makes
 * for them can fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../lib/error_format.h"

/* Line 2 is 8 characters, so its columns run 1..9; line 4 is empty. */
#define TEXT "{\n  \"a\": 1\n}\n"

struct line_row {
	const char *line;
	int ok;
};

static const struct line_row line_rows[] = {
	/* POLICY:LINE:COL: path: message */
	{ "p.json:1:1: (root): empty file, expected a JSON object", 1 },
	{ "p.json:2:3: a: unknown key \"a\"", 1 },
	{ "p.json:2:9: rules[3].limit.rate: expected \"N/s\", got \"20/mn\"",
	  1 },
	{ "p.json:4:1: smtp_ports[16]: too many ports: at most 16", 1 },
	{ "p.json:1:2: sets[\"my set\"]: bad set name \"my set\"", 1 },
	{ "p.json:1:2: [\"a\\\"b: c\"]: unknown key", 1 },
	{ "p.json:1:2: sets[\"pa\\x09ners\"]: bad set name", 1 },
	{ "p.json:1:2: sets[\"long...\"].file: cannot read set file", 1 },
	{ "p.json:1:1: a: caf\xc3\xa9 is UTF-8", 1 },
	{ "p.json:0:1: (root): line 0", 0 },
	{ "p.json:5:1: (root): past the last line", 0 },
	{ "p.json:2:10: a: past the end of line 2", 0 },
	{ "p.json:01:1: (root): a leading zero", 0 },
	{ "p.json:1: (root): no column", 0 },
	{ "p.json:1:1 (root): no colon after the column", 0 },
	{ "p.json:1:1: : an empty path", 0 },
	{ "p.json:1:1: (root):", 0 },
	{ "p.json:1:1: (root): ", 0 },
	{ "p.json:1:1: (root) no colon after the path", 0 },
	{ "p.json:1:1: rules[x]: not an index", 0 },
	{ "p.json:1:1: rules..a: an empty key", 0 },
	{ "p.json:1:1: .a: a leading dot", 0 },
	{ "p.json:1:1: sets[\"a]: an unterminated key", 0 },
	{ "p.json:1:1: sets[\"a\\q\"]: a bad escape", 0 },
	{ "p.json:1:1: a: a\ttab", 0 },
	{ "p.json:1:1: a: an \x1b[31mescape", 0 },
	{ "p.json:1:1: a: a\rreturn", 0 },
	/* SETFILE:LINE: sets.NAME: message */
	{ "tests/policy/bad-line.drop:4: sets.d: bad CIDR \"203.0.113.0/33\"",
	  1 },
	{ "drop.txt:17: sets.drop-list_2: bad CIDR", 1 },
	{ "dir:with:colons/drop.txt:3: sets[\"a.b\"]: bad CIDR", 1 },
	{ "drop.txt:17: rules[0].src: not a set's path", 0 },
	{ "drop.txt:17: sets: no set name", 0 },
	{ "drop.txt:17: setsx.d: not sets", 0 },
	{ "drop.txt:17: sets.d.file: one key too many", 0 },
	{ "drop.txt:0: sets.d: line 0", 0 },
	{ "drop.txt: sets.d: no line", 0 },
	{ ":3: sets.d: no file name", 0 },
	{ "drop.txt:3: sets.d:", 0 },
	{ "p.json:3: sets.d: the policy's name, no column", 0 },
	/* the cap line */
	{ "p.json: 150 more errors not shown", 1 },
	{ "p.json: 0 more errors not shown", 0 },
	{ "p.json: more errors not shown", 0 },
	{ "p.json: 5 more errors", 0 },
	{ "p.json: 5 more errors not shown.", 0 },
	{ "other.json: 5 more errors not shown", 0 },
	/* anything else */
	{ "", 0 },
	{ "policy OK: 5 rules, 10 prefixes", 0 },
	{ "p.json: cannot compile the policy: Cannot allocate memory", 0 },
};

static void check_lines(void **state)
{
	const struct error_source src = { "p.json", TEXT, strlen(TEXT) };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(line_rows) / sizeof(line_rows[0]); i++) {
		const char *why = error_line_check(&src, line_rows[i].line);

		if ((why == NULL) != line_rows[i].ok)
			fail_msg("\"%s\": want %s, got %s", line_rows[i].line,
				 line_rows[i].ok ? "clean" : "rejected",
				 why ? why : "clean");
	}
}

/* A path cut short by the compiler: POL_PATH_MAX - 1 characters, the last
 * three "...", whatever they cut through. */
static void cut_paths(void **state)
{
	const struct error_source src = { "p.json", NULL, 0 };
	char line[512], path[192];

	(void)state;
	memset(path, 'a', 188);
	memcpy(path + 188, "...", 4);
	path[5] = '[';
	path[6] = '"';
	snprintf(line, sizeof(line), "p.json:1:1: %s: message", path);
	assert_null(error_line_check(&src, line));
	/* One character more or fewer is no cut of the compiler's. */
	snprintf(line, sizeof(line), "p.json:1:1: a%s: message", path);
	assert_non_null(error_line_check(&src, line));
	snprintf(line, sizeof(line), "p.json:1:1: %s: message", path + 1);
	assert_non_null(error_line_check(&src, line));
	/* Without the text, any position from 1:1 is in bounds. */
	assert_null(error_line_check(&src, "p.json:900:900: a: message"));
}

static void report(struct mxg_diag *d, unsigned int count, const char *a,
		   const char *b)
{
	mxg_diag_init(d);
	d->count = count;
	if (a)
		d->lines[d->stored++] = strdup(a);
	if (b)
		d->lines[d->stored++] = strdup(b);
}

static void check_reports(void **state)
{
	const struct error_source src = { "p.json", TEXT, strlen(TEXT) };
	const char *ok1 = "p.json:2:3: a: unknown key \"a\"";
	const char *ok2 = "drop.txt:1: sets.d: bad CIDR \"x\"";
	struct mxg_diag d;
	char bad[256];

	(void)state;
	report(&d, 2, ok1, ok2);
	assert_null(error_report_check(&src, &d, -22, bad, sizeof(bad)));
	mxg_diag_free(&d);
	/* Capped: the cap line follows, with the count left out. */
	report(&d, 150, ok1, ok2);
	assert_null(error_report_check(&src, &d, -22, bad, sizeof(bad)));
	mxg_diag_free(&d);
	/* One bad line fails the report, and is named. */
	report(&d, 2, ok1, "p.json:9:1: (root): past the end");
	assert_non_null(error_report_check(&src, &d, -22, bad, sizeof(bad)));
	assert_string_equal(bad, "p.json:9:1: (root): past the end");
	mxg_diag_free(&d);
	/* A failure without a line, or a success, is no clean report. */
	report(&d, 1, NULL, NULL);
	assert_non_null(error_report_check(&src, &d, -22, bad, sizeof(bad)));
	mxg_diag_free(&d);
	report(&d, 1, ok1, NULL);
	assert_non_null(error_report_check(&src, &d, 0, bad, sizeof(bad)));
	mxg_diag_free(&d);
	/* More stored than found. */
	report(&d, 1, ok1, ok2);
	assert_non_null(error_report_check(&src, &d, -22, bad, sizeof(bad)));
	mxg_diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(check_lines),
		cmocka_unit_test(cut_paths),
		cmocka_unit_test(check_reports),
	};

	return cmocka_run_group_tests_name("error format checker", tests, NULL,
					   NULL);
}
