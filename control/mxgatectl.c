// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxgatectl: the operator's command line. One entry per verb in
 * ctl_verbs[]; a verb gets the arguments after its name and returns the
 * process exit status: 0 success, 1 failure (reported), 2 usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_compile.h"

#define CTL_EXIT_OK    0
#define CTL_EXIT_FAIL  1
#define CTL_EXIT_USAGE 2

struct ctl_verb {
	const char *name;
	const char *args;
	const char *help;
	int min_args, max_args;
	int (*run)(int argc, char **argv);
};

static int verb_check(int argc, char **argv);

static const struct ctl_verb ctl_verbs[] = {
	{ "check", "POLICY",
	  "compile POLICY; print \"policy OK: <n> rules, <m> prefixes\" and exit 0,\n"
	  "\t\t\tor print one error per line on stderr and exit 1",
	  1, 1, verb_check },
};

#define N_VERBS (sizeof(ctl_verbs) / sizeof(ctl_verbs[0]))

static void usage_line(FILE *f)
{
	fprintf(f,
		"usage: mxgatectl <verb> [args]  (mxgatectl --help lists verbs)\n");
}

static void help(void)
{
	size_t i;

	printf("usage: mxgatectl <verb> [args]\n\nverbs:\n");
	for (i = 0; i < N_VERBS; i++)
		printf("  %-6s %-14s %s\n", ctl_verbs[i].name,
		       ctl_verbs[i].args, ctl_verbs[i].help);
	printf("\nerrors go to stderr as FILE:LINE:COL: json.path: message\n"
	       "(set file lines as SETFILE:LINE: json.path: message).\n"
	       "exit status: 0 ok, 1 failed (errors printed), 2 usage error.\n");
}

static int verb_check(int argc, char **argv)
{
	struct mxg_policy_header *image = NULL;
	struct mxg_diag diag;
	unsigned int i;
	int rc;

	(void)argc;
	mxg_diag_init(&diag);
	rc = mxg_policy_compile_file(argv[0], &image, &diag);
	if (rc == 0) {
		printf("policy OK: %u rules, %lu prefixes\n", image->n_rules,
		       mxg_policy_prefix_count(image));
		free(image);
		mxg_diag_free(&diag);
		return CTL_EXIT_OK;
	}
	for (i = 0; i < diag.stored; i++)
		fprintf(stderr, "%s\n", diag.lines[i]);
	if (diag.count > diag.stored)
		fprintf(stderr, "%s: %u more errors not shown\n", argv[0],
			diag.count - diag.stored);
	if (!diag.stored)
		fprintf(stderr, "%s: cannot compile the policy: %s\n", argv[0],
			strerror(-rc));
	mxg_diag_free(&diag);
	return CTL_EXIT_FAIL;
}

int main(int argc, char **argv)
{
	size_t i;
	int n;

	if (argc < 2) {
		usage_line(stderr);
		return CTL_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		help();
		return CTL_EXIT_OK;
	}
	for (i = 0; i < N_VERBS; i++) {
		const struct ctl_verb *v = &ctl_verbs[i];

		if (strcmp(argv[1], v->name))
			continue;
		n = argc - 2;
		if (n < v->min_args || n > v->max_args) {
			fprintf(stderr, "usage: mxgatectl %s %s\n", v->name,
				v->args);
			return CTL_EXIT_USAGE;
		}
		return v->run(n, argv + 2);
	}
	fprintf(stderr, "mxgatectl: unknown verb \"%s\"; ", argv[1]);
	usage_line(stderr);
	return CTL_EXIT_USAGE;
}
