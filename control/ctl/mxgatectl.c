// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxgatectl: the operator's command line. One entry per verb in
 * ctl_verbs[]; a verb gets the arguments after its name and returns the
 * process exit status (cli.h): 0 success, 1 failure (reported), 2 usage
 * error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_policy.h"
#include "ctl_client.h"

struct ctl_verb {
	const char *name;
	const char *args;
	const char *help;
	int min_args, max_args;
	int (*run)(int argc, char **argv);
};

static int verb_check(int argc, char **argv);
static int verb_compile(int argc, char **argv);

static const struct ctl_verb ctl_verbs[] = {
	{ "check", "POLICY",
	  "compile POLICY (or check a compiled image); print\n"
	  "\t\t\t\"policy OK: <n> rules, <m> prefixes\" and exit 0,\n"
	  "\t\t\tor print one error per line on stderr and exit 1",
	  1, 1, verb_check },
	{ "compile", "POLICY -o IMAGE",
	  "compile POLICY and write the compiled image to IMAGE\n"
	  "\t\t\t(written to a temporary file, synced, then renamed)",
	  3, 3, verb_compile },
};

#define N_VERBS (sizeof(ctl_verbs) / sizeof(ctl_verbs[0]))

static const char usage_text[] =
	"usage: mxgatectl <verb> [args]  (mxgatectl --help lists verbs)";

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

/* Load a policy, or print its errors as `check` does: 0, or an exit
 * status. */
static int load_or_report(const char *path, enum mxg_cli_policy_kind kind,
			  struct mxg_cli_policy *p)
{
	int rc = mxg_cli_policy_load(p, path, kind);

	if (rc == 0)
		return MXG_EXIT_OK;
	mxg_diag_print(stderr, path, &p->diag, rc);
	mxg_cli_policy_free(p);
	return MXG_EXIT_FAIL;
}

/* A JSON policy, or a compiled image (checked as the data plane does). */
static int verb_check(int argc, char **argv)
{
	struct mxg_cli_policy p;
	int rc;

	(void)argc;
	rc = load_or_report(argv[0], MXG_CLI_POLICY_ANY, &p);
	if (rc)
		return rc;
	printf("policy OK: %u rules, %lu prefixes\n", p.image->n_rules,
	       mxg_policy_prefix_count(p.image));
	mxg_cli_policy_free(&p);
	return MXG_EXIT_OK;
}

/* Write buf to path atomically: a temporary file, fsync, rename. */
static int write_atomic(const char *path, const void *buf, size_t len)
{
	char tmp[4096];
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	err = mxg_ctl_write_all(fd, buf, len);
	if (err)
		goto remove_tmp;
	if (fsync(fd)) {
		err = -errno;
		goto remove_tmp;
	}
	if (close(fd)) {
		fd = -1;
		err = -errno;
		goto remove_tmp;
	}
	fd = -1;
	if (rename(tmp, path)) {
		err = -errno;
		goto remove_tmp;
	}
	return 0;

remove_tmp:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return err;
}

static int verb_compile(int argc, char **argv)
{
	struct mxg_cli_policy p;
	const char *policy = NULL, *out = NULL;
	int i, rc;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (!policy && argv[i][0] != '-')
			policy = argv[i];
		else
			policy = out = NULL, i = argc;
	}
	if (!policy || !out) {
		fprintf(stderr, "usage: mxgatectl compile POLICY -o IMAGE\n");
		return MXG_EXIT_USAGE;
	}
	rc = load_or_report(policy, MXG_CLI_POLICY_JSON, &p);
	if (rc)
		return rc;
	rc = write_atomic(out, p.image, p.len);
	if (rc)
		mxg_cli_error("cannot write %s: %s", out, strerror(-rc));
	else
		printf("policy image: %s, %lu bytes, %u rules, %lu prefixes\n",
		       out, (unsigned long)p.len, p.image->n_rules,
		       mxg_policy_prefix_count(p.image));
	mxg_cli_policy_free(&p);
	return rc ? MXG_EXIT_FAIL : MXG_EXIT_OK;
}

int main(int argc, char **argv)
{
	size_t i;
	int n;

	mxg_cli_init("mxgatectl");
	if (argc < 2) {
		fprintf(stderr, "%s\n", usage_text);
		return MXG_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		help();
		return MXG_EXIT_OK;
	}
	for (i = 0; i < N_VERBS; i++) {
		const struct ctl_verb *v = &ctl_verbs[i];

		if (strcmp(argv[1], v->name))
			continue;
		n = argc - 2;
		if (n < v->min_args || n > v->max_args) {
			fprintf(stderr, "usage: mxgatectl %s %s\n", v->name,
				v->args);
			return MXG_EXIT_USAGE;
		}
		return v->run(n, argv + 2);
	}
	mxg_cli_error("unknown verb \"%s\"; %s", argv[1], usage_text);
	return MXG_EXIT_USAGE;
}
