// SPDX-License-Identifier: BSD-3-Clause
/*
 * libFuzzer target for the policy compiler. Any input must end in an
 * image that passes mxg_policy_image_check and builds an LPM, or in clean
 * errors: a report, as `mxgatectl check` prints it, of at least one line,
 * each in one of the documented forms (tests/lib/error_format.h) with its
 * line:col inside the input; never in a crash, a leak or a sanitizer
 * report. A violation prints the offending line and aborts.
 * Set files resolve against MXG_FUZZ_BASE_DIR (default control/examples),
 * so inputs that name drop.txt or local-deny.txt load real blocklists.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/error_format.h"
#include "lpm.h"
#include "policy_compile.h"
#include "policy_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *base = getenv("MXG_FUZZ_BASE_DIR");
	struct mxg_policy_header *image = NULL;
	struct mxg_diag diag;
	struct mxg_lpm *lpm;
	unsigned int i;
	int rc;

	mxg_diag_init(&diag);
	rc = mxg_policy_compile_buffer("fuzz.json", (const char *)data, size,
				       base ? base : "control/examples", &image,
				       &diag);
	if (rc == 0) {
		if (!image || diag.count ||
		    mxg_policy_image_check(image, image->total_len, NULL) ||
		    mxg_lpm_build(&lpm, mxg_policy_v4(image), image->n_v4,
				  mxg_policy_v6(image), image->n_v6))
			abort();
		mxg_lpm_free(lpm);
		free(image);
	} else {
		const struct error_source src = { "fuzz.json",
						  (const char *)data, size };
		const char *why;
		char bad[1024];

		if (image)
			abort();
		why = error_report_check(&src, &diag, rc, bad, sizeof(bad));
		if (why) {
			fprintf(stderr, "unclean error report: %s: \"%s\"\n",
				why, bad);
			for (i = 0; i < diag.stored; i++)
				fprintf(stderr, "  %s\n", diag.lines[i]);
			abort();
		}
	}
	mxg_diag_free(&diag);
	return 0;
}
