// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxgatectl: the operator's command line. One entry per verb in
 * ctl_verbs[]; a verb gets the arguments after its name and returns the
 * process exit status: 0 success, 1 failure (reported), 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
static int verb_compile(int argc, char **argv);

static const struct ctl_verb ctl_verbs[] = {
	{ "check", "POLICY",
	  "compile POLICY; print \"policy OK: <n> rules, <m> prefixes\" and exit 0,\n"
	  "\t\t\tor print one error per line on stderr and exit 1",
	  1, 1, verb_check },
	{ "compile", "POLICY -o IMAGE",
	  "compile POLICY and write the compiled image to IMAGE\n"
	  "\t\t\t(written to a temporary file, synced, then renamed)",
	  3, 3, verb_compile },
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
	mxg_diag_print(stderr, argv[0], &diag, rc);
	mxg_diag_free(&diag);
	return CTL_EXIT_FAIL;
}

/* Compile or print the errors; 0 and *image, or an exit status. */
static int compile_or_report(const char *path, struct mxg_policy_header **image)
{
	struct mxg_diag diag;
	int rc;

	mxg_diag_init(&diag);
	rc = mxg_policy_compile_file(path, image, &diag);
	if (rc == 0) {
		mxg_diag_free(&diag);
		return CTL_EXIT_OK;
	}
	mxg_diag_print(stderr, path, &diag, rc);
	mxg_diag_free(&diag);
	return CTL_EXIT_FAIL;
}

/* Write buf to path atomically: a temporary file, fsync, rename. */
static int write_atomic(const char *path, const void *buf, size_t len)
{
	char tmp[4096];
	const char *p = buf;
	size_t done = 0;
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			goto remove_tmp;
		}
		done += (size_t)n;
	}
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
	struct mxg_policy_header *image = NULL;
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
		return CTL_EXIT_USAGE;
	}
	rc = compile_or_report(policy, &image);
	if (rc)
		return rc;
	rc = write_atomic(out, image, image->total_len);
	if (rc)
		fprintf(stderr, "mxgatectl: cannot write %s: %s\n", out,
			strerror(-rc));
	else
		printf("policy image: %s, %lu bytes, %u rules, %lu prefixes\n",
		       out, (unsigned long)image->total_len, image->n_rules,
		       mxg_policy_prefix_count(image));
	free(image);
	return rc ? CTL_EXIT_FAIL : CTL_EXIT_OK;
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
