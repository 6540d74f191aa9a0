// SPDX-License-Identifier: BSD-3-Clause
/*
 * Every byte prefix of every example policy, and every one-byte edit of
 * default.json to a few troublesome bytes, compiles to an image that passes
 * mxg_policy_image_check, or clean errors and no image: at least one
 * error, and every line of the report `mxgatectl check` would print in
 * one of the documented forms (tests/lib/error_format.h), policy
 * positions inside the text. Each prefix is compiled from a heap buffer of exactly its size,
 * under ASan, so a read past the end is caught.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../lib/error_format.h"
#include "policy_compile.h"
#include "policy_image.h"

#define EXAMPLES "control/examples"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Clean errors: the report mxgatectl would print, every line in one of
 * the documented forms (tests/lib/error_format.h). */
static void assert_clean_report(const char *name, const char *text, size_t len,
				const struct mxg_diag *diag, int rc)
{
	const struct error_source src = { name, text, len };
	const char *why;
	char bad[1024];
	unsigned int i;

	why = error_report_check(&src, diag, rc, bad, sizeof(bad));
	if (why) {
		for (i = 0; i < diag->stored; i++)
			print_message("  %s\n", diag->lines[i]);
		fail_msg("%s: unclean errors: %s: \"%s\"", name, why, bad);
	}
}

static void cut_every_length(const char *path, const char *dir)
{
	size_t len, cut, ok = 0;
	char *text = slurp(path, &len);
	for (cut = 0; cut <= len; cut++) {
		struct mxg_policy_header *image = NULL;
		struct mxg_diag diag;
		char *copy = malloc(cut ? cut : 1);
		int rc;

		assert_non_null(copy);
		memcpy(copy, text, cut);
		mxg_diag_init(&diag);
		rc = mxg_policy_compile_buffer("cut.json", copy, cut, dir,
					       &image, &diag);
		if (rc == 0) {
			assert_non_null(image);
			assert_int_equal(diag.count, 0);
			assert_int_equal(mxg_policy_image_check(
						 image, image->total_len, NULL),
					 0);
			ok++;
		} else {
			assert_int_equal(rc, -EINVAL);
			assert_null(image);
			assert_clean_report("cut.json", copy, cut, &diag, rc);
		}
		free(image);
		mxg_diag_free(&diag);
		free(copy);
	}
	/* The whole file compiles (and, with trailing white space, the
	 * cuts that only drop some of it). */
	assert_true(ok >= 1);
	free(text);
}

static void cut_default(void **state)
{
	(void)state;
	cut_every_length(EXAMPLES "/default.json", EXAMPLES);
}

static void cut_isp_egress(void **state)
{
	(void)state;
	cut_every_length(EXAMPLES "/isp-egress.json", EXAMPLES);
}

static void cut_monitor(void **state)
{
	(void)state;
	cut_every_length(EXAMPLES "/monitor.json", EXAMPLES);
}

static void cut_drop_list(void **state)
{
	(void)state;
	cut_every_length(EXAMPLES "/drop-list.json", EXAMPLES);
}

/* Every single-byte edit of default.json to a few troublesome bytes. */
static void flip_every_byte(void **state)
{
	static const char subst[] = { '"', '{', ']', ',', '\0', '\\', 'x' };
	size_t len, pos, k;
	char *text = slurp(EXAMPLES "/default.json", &len);

	(void)state;
	for (pos = 0; pos < len; pos++) {
		for (k = 0; k < sizeof(subst); k++) {
			struct mxg_policy_header *image = NULL;
			struct mxg_diag diag;
			char *copy = malloc(len);
			int rc;

			assert_non_null(copy);
			memcpy(copy, text, len);
			copy[pos] = subst[k];
			mxg_diag_init(&diag);
			rc = mxg_policy_compile_buffer("flip.json", copy, len,
						       EXAMPLES, &image, &diag);
			if (rc == 0)
				assert_int_equal(
					mxg_policy_image_check(
						image, image->total_len, NULL),
					0);
			else {
				assert_null(image);
				assert_clean_report("flip.json", copy, len,
						    &diag, rc);
			}
			free(image);
			mxg_diag_free(&diag);
			free(copy);
		}
	}
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cut_default),
		cmocka_unit_test(cut_isp_egress),
		cmocka_unit_test(cut_monitor),
		cmocka_unit_test(cut_drop_list),
		cmocka_unit_test(flip_every_byte),
	};

	return cmocka_run_group_tests_name("policy cut at every length", tests,
					   NULL, NULL);
}
