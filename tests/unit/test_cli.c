// SPDX-License-Identifier: BSD-3-Clause
/*
 * libmxgate_cli: option tables (values, ranges and their error lines,
 * the argument errors, --help), the help text, and loading a policy or a
 * compiled image (good JSON, bad JSON, good image, corrupt image, missing
 * file). What exits (the error paths, --help) runs in a child whose
 * stdout, stderr and exit status are compared.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"
#include "cli_policy.h"

#define EXAMPLE "control/examples/default.json"

/* ------------------------------------------------------------------ */
/* A table with a row of every type */

struct cfg {
	const char *file;
	uint16_t n16;
	uint32_t count;
	uint64_t size;
	int mode;
	int flag;
	int count_given;
	const char *pair;
};

static void parse_pair(void *cfg, const char *arg, const char *opt)
{
	if (!strchr(arg, ':'))
		mxg_cli_fatal(MXG_EXIT_USAGE, "%s: expected A:B, got \"%s\"",
			      opt, arg);
	((struct cfg *)cfg)->pair = arg;
}

static const struct mxg_opt_choice modes[] = {
	{ "alpha", 1 },
	{ "beta", 2 },
	{ "gamma", 3 },
	{ NULL, 0 },
};

static const struct mxg_opt opts[] = {
	MXG_OPT_STR("file", struct cfg, file, "FILE", "a file",
		    MXG_OPT_SHORT('f')),
	MXG_OPT_UINT("n16", struct cfg, n16, 32, 32768, "N", "a 16-bit field"),
	MXG_OPT_UINT("count", struct cfg, count, 1, 100, "N", "how many",
		     MXG_OPT_GIVEN(struct cfg, count_given)),
	MXG_OPT_SIZE("size", struct cfg, size, 1024, 1ULL << 32, "N",
		     "a size, with words enough to be wrapped at the 79th "
		     "column of the terminal, twice over if need be"),
	MXG_OPT_ENUM("mode", struct cfg, mode, modes, "the mode"),
	MXG_OPT_FLAG("flag", struct cfg, flag, "a flag", MXG_OPT_SHORT('F')),
	MXG_OPT_FUNC("pair", parse_pair, "A:B", "a pair"),
	MXG_OPT_END,
};

static const struct mxg_cli cli = {
	.usage = "[OPTIONS] INPUT",
	.about = "About it.\n",
	.opts = opts,
	.epilog = "Exit status: 0 ok; 2 bad arguments.\n",
};

static const char help_text[] =
	"usage: test_cli [OPTIONS] INPUT\n"
	"\n"
	"About it.\n"
	"\n"
	"Options:\n"
	"  -f, --file FILE       a file\n"
	"  --n16 N               a 16-bit field (default 1024)\n"
	"  --count N             how many\n"
	"  --size N              a size, with words enough to be wrapped at the 79th\n"
	"                        column of the terminal, twice over if need be (default\n"
	"                        65536)\n"
	"  --mode alpha|beta|gamma\n"
	"                        the mode\n"
	"  -F, --flag            a flag\n"
	"  --pair A:B            a pair\n"
	"  --help                print this help and exit\n"
	"\n"
	"Exit status: 0 ok; 2 bad arguments.\n";

static void defaults(struct cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->n16 = 1024;
	c->size = 65536;
}

/* Parse a NULL-terminated argument list into c; returns the index of the
 * first operand. */
static int parse(struct cfg *c, char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	defaults(c);
	return mxg_cli_parse(&cli, c, argc, argv);
}

/* ------------------------------------------------------------------ */
/* Running what exits in a child */

struct outcome {
	int status; /* exit status, or -1 (killed, or returned) */
	char out[4096], err[4096];
};

static void slurp(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;

	while (n + 1 < len && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	close(fd);
}

static void child_exit(int status, void *arg)
{
	(void)arg;
	fflush(NULL);
	_exit(status);
}

/* fn(arg) in a child, with stdout and stderr to files; it should exit. */
static void run(void (*fn)(void *), void *arg, struct outcome *o)
{
	FILE *out = tmpfile(), *err = tmpfile();
	int status;
	pid_t pid;

	assert_non_null(out);
	assert_non_null(err);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Exit before LeakSanitizer looks at the parent's heap. */
		on_exit(child_exit, NULL);
		dup2(fileno(out), STDOUT_FILENO);
		dup2(fileno(err), STDERR_FILENO);
		fn(arg);
		fflush(NULL);
		_exit(99); /* returned: not what the caller expected */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	o->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	rewind(out);
	rewind(err);
	slurp(dup(fileno(out)), o->out, sizeof(o->out));
	slurp(dup(fileno(err)), o->err, sizeof(o->err));
	fclose(out);
	fclose(err);
}

static void parse_child(void *argv)
{
	struct cfg c;

	parse(&c, argv);
}

/* The arguments exit with this status and this stderr. */
static void expect_exit(char **argv, int status, const char *err)
{
	struct outcome o;

	run(parse_child, argv, &o);
	if (o.status != status || strcmp(o.err, err) != 0)
		fail_msg("%s: exit %d, stderr \"%s\"; expected exit %d, \"%s\"",
			 argv[1], o.status, o.err, status, err);
	assert_string_equal(o.out, "");
}

#define ARGV(...) ((char *[]){ "test_cli", __VA_ARGS__, NULL })

/* ------------------------------------------------------------------ */
/* Options */

static void values(void **state)
{
	struct cfg c;
	int i;

	(void)state;
	i = parse(&c, ARGV("--file", "f.json", "--n16", "32768", "--count=7",
			   "--size", "16M", "--mode", "beta", "--flag",
			   "--pair", "1:2", "input"));
	assert_int_equal(i, 13);
	assert_string_equal(c.file, "f.json");
	assert_int_equal(c.n16, 32768);
	assert_int_equal(c.count, 7);
	assert_int_equal(c.count_given, 1);
	assert_int_equal(c.size, 16ULL << 20);
	assert_int_equal(c.mode, 2);
	assert_int_equal(c.flag, 1);
	assert_string_equal(c.pair, "1:2");

	/* Defaults stay; operands move after the options. */
	i = parse(&c, ARGV("in", "--size", "4k", "more"));
	assert_int_equal(i, 3);
	assert_int_equal(c.size, 4096);
	assert_int_equal(c.n16, 1024);
	assert_int_equal(c.count_given, 0);
	assert_null(c.file);

	/* A unique prefix, and "--" ending the options. */
	i = parse(&c, ARGV("--cou", "100", "--", "--flag"));
	assert_int_equal(c.count, 100);
	assert_int_equal(c.flag, 0);
	assert_int_equal(i, 4);
	i = parse(&c, ARGV("--size", "4G"));
	assert_int_equal(c.size, 4ULL << 30);

	/* Short options, where a row has one: -F, -f FILE, -fFILE. */
	i = parse(&c, ARGV("-F", "-f", "a.json", "in"));
	assert_int_equal(i, 4);
	assert_int_equal(c.flag, 1);
	assert_string_equal(c.file, "a.json");
	parse(&c, ARGV("-fb.json"));
	assert_string_equal(c.file, "b.json");
}

static void range_errors(void **state)
{
	(void)state;
	expect_exit(ARGV("--count", "0"), 2,
		    "test_cli: --count: expected an integer from 1 to 100, "
		    "got \"0\"\n");
	expect_exit(ARGV("--count", "101"), 2,
		    "test_cli: --count: expected an integer from 1 to 100, "
		    "got \"101\"\n");
	expect_exit(ARGV("--count", "-1"), 2,
		    "test_cli: --count: expected an integer from 1 to 100, "
		    "got \"-1\"\n");
	expect_exit(ARGV("--count", "+5"), 2,
		    "test_cli: --count: expected an integer from 1 to 100, "
		    "got \"+5\"\n");
	expect_exit(ARGV("--count", "5x"), 2,
		    "test_cli: --count: expected an integer from 1 to 100, "
		    "got \"5x\"\n");
	expect_exit(ARGV("--count", ""), 2,
		    "test_cli: --count: expected an integer from 1 to 100, "
		    "got \"\"\n");
	/* An integer takes no size suffix. */
	expect_exit(ARGV("--count", "1k"), 2,
		    "test_cli: --count: expected an integer from 1 to 100, "
		    "got \"1k\"\n");
	expect_exit(ARGV("--n16", "31"), 2,
		    "test_cli: --n16: expected an integer from 32 to 32768, "
		    "got \"31\"\n");
	expect_exit(ARGV("--n16", "99999999999999999999999"), 2,
		    "test_cli: --n16: expected an integer from 32 to 32768, "
		    "got \"99999999999999999999999\"\n");
	expect_exit(ARGV("--size", "1023"), 2,
		    "test_cli: --size: expected an integer from 1024 to "
		    "4294967296 (k, M or G suffix allowed), got \"1023\"\n");
	expect_exit(ARGV("--size", "5G"), 2,
		    "test_cli: --size: expected an integer from 1024 to "
		    "4294967296 (k, M or G suffix allowed), got \"5G\"\n");
	expect_exit(ARGV("--size", "4T"), 2,
		    "test_cli: --size: expected an integer from 1024 to "
		    "4294967296 (k, M or G suffix allowed), got \"4T\"\n");
	expect_exit(ARGV("--size", "M"), 2,
		    "test_cli: --size: expected an integer from 1024 to "
		    "4294967296 (k, M or G suffix allowed), got \"M\"\n");
	expect_exit(ARGV("--size", "16384P"), 2,
		    "test_cli: --size: expected an integer from 1024 to "
		    "4294967296 (k, M or G suffix allowed), got \"16384P\"\n");
	expect_exit(ARGV("--size", "17179869184G"), 2,
		    "test_cli: --size: expected an integer from 1024 to "
		    "4294967296 (k, M or G suffix allowed), got "
		    "\"17179869184G\"\n");
	expect_exit(ARGV("--mode", "delta"), 2,
		    "test_cli: --mode: expected \"alpha\", \"beta\" or "
		    "\"gamma\", got \"delta\"\n");
	expect_exit(ARGV("--pair", "12"), 2,
		    "test_cli: --pair: expected A:B, got \"12\"\n");
}

static void parse_values(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(mxg_cli_parse_uint("0", 0, 0, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(mxg_cli_parse_uint("18446744073709551615", 0,
					    UINT64_MAX, &v),
			 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(mxg_cli_parse_uint("18446744073709551616", 0,
					    UINT64_MAX, &v),
			 -EINVAL);
	assert_int_equal(mxg_cli_parse_uint(" 1", 0, 10, &v), -EINVAL);
	assert_int_equal(mxg_cli_parse_size("1K", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 1024);
	assert_int_equal(mxg_cli_parse_size("3M", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 3u << 20);
	assert_int_equal(mxg_cli_parse_size("1MB", 0, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(mxg_cli_parse_size("1m", 0, UINT64_MAX, &v), -EINVAL);
}

static void argument_errors(void **state)
{
	(void)state;
	expect_exit(ARGV("--count"), 2,
		    "test_cli: --count: missing its argument (see --help)\n");
	expect_exit(ARGV("--flag=yes"), 2,
		    "test_cli: --flag: takes no argument (see --help)\n");
	expect_exit(ARGV("--help=me"), 2,
		    "test_cli: --help: takes no argument (see --help)\n");
	expect_exit(ARGV("--frobnicate"), 2,
		    "test_cli: unknown option \"--frobnicate\" (see --help)\n");
	expect_exit(ARGV("-t", "3"), 2,
		    "test_cli: unknown option \"-t\" (see --help)\n");
	expect_exit(
		ARGV("-f"), 2,
		"test_cli: -f (--file): missing its argument (see --help)\n");
	/* Ambiguous: --f is --file or --flag. */
	expect_exit(ARGV("--f", "x"), 2,
		    "test_cli: unknown option \"--f\" (see --help)\n");
}

/* ------------------------------------------------------------------ */
/* Help */

static void help_exits_0(void **state)
{
	struct outcome o;

	(void)state;
	run(parse_child, ARGV("--count", "3", "--help", "--bogus"), &o);
	assert_int_equal(o.status, 0);
	assert_string_equal(o.out, help_text);
	assert_string_equal(o.err, "");
	run(parse_child, ARGV("-h"), &o);
	assert_int_equal(o.status, 0);
	assert_string_equal(o.out, help_text);
}

static void help_text_from_table(void **state)
{
	struct cfg c;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	defaults(&c);
	mxg_cli_help(f, &cli, &c);
	fclose(f);
	assert_string_equal(text, help_text);
	free(text);
}

static void wrap(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	fputs("  lead:", f);
	mxg_cli_wrap(f, 7, 4,
		     "  one two three four five six seven eight nine ten "
		     "eleven twelve thirteen fourteen fifteen sixteen");
	fclose(f);
	assert_string_equal(text,
			    "  lead: one two three four five six seven eight "
			    "nine ten eleven twelve thirteen\n"
			    "    fourteen fifteen sixteen\n");
	free(text);
}

static void fatal_line(void *arg)
{
	(void)arg;
	mxg_cli_fatal(MXG_EXIT_FAIL, "cannot %s: %d", "start", 42);
}

static void fatal(void **state)
{
	struct outcome o;

	(void)state;
	run(fatal_line, NULL, &o);
	assert_int_equal(o.status, 1);
	assert_string_equal(o.err, "test_cli: cannot start: 42\n");
}

/* ------------------------------------------------------------------ */
/* Loading a policy or an image */

static char dir[] = "/tmp/test_cli.XXXXXX";

static const char *path_of(const char *name)
{
	static char path[4][256];
	static unsigned int next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	return p;
}

static void write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* The example compiled, as `mxgatectl compile` writes it. */
static struct mxg_policy_header *example_image(void)
{
	struct mxg_policy_header *h = NULL;
	struct mxg_diag d;

	mxg_diag_init(&d);
	assert_int_equal(mxg_policy_compile_file(EXAMPLE, &h, &d), 0);
	mxg_diag_free(&d);
	return h;
}

/* mxg_cli_policy_error()'s line, read back. */
struct report_arg {
	const struct mxg_cli_policy *p;
};

static void report_child(void *arg)
{
	mxg_cli_policy_error(((struct report_arg *)arg)->p);
	exit(0);
}

static void expect_report(const struct mxg_cli_policy *p, const char *line)
{
	struct report_arg a = { p };
	struct outcome o;

	run(report_child, &a, &o);
	assert_string_equal(o.err, line);
}

static void good_json(void **state)
{
	struct mxg_policy_header *ref = example_image();
	struct mxg_cli_policy p;

	(void)state;
	assert_int_equal(mxg_cli_policy_load(&p, EXAMPLE, MXG_CLI_POLICY_ANY),
			 0);
	assert_int_equal(p.compiled, 1);
	assert_int_equal(p.len, ref->total_len);
	assert_memory_equal(p.image, ref, p.len);
	assert_int_equal(p.diag.count, 0);
	mxg_cli_policy_free(&p);
	assert_int_equal(mxg_cli_policy_load(&p, EXAMPLE, MXG_CLI_POLICY_JSON),
			 0);
	assert_int_equal(p.compiled, 1);
	mxg_cli_policy_free(&p);
	free(ref);
}

static void bad_json(void **state)
{
	static const char one[] =
		"{\"version\": 1, \"rules\": [{\"name\": \"x\", \"limit\": "
		"{\"rate\": \"20/mn\", \"burst\": 1}}]}";
	static const char four[] = "{\"version\": 2, \"mode\": \"on\", "
				   "\"smtp_ports\": [0]}";
	const char *path = path_of("bad.json");
	struct mxg_cli_policy p;
	char want[512];

	(void)state;
	write_file(path, one, sizeof(one) - 1);
	assert_int_equal(mxg_cli_policy_load(&p, path, MXG_CLI_POLICY_ANY),
			 -EINVAL);
	assert_null(p.image);
	assert_int_equal(p.diag.count, 1);
	assert_int_equal(p.diag.stored, 1);
	snprintf(want, sizeof(want),
		 "%s:1:58: rules[0].limit.rate: expected \"N/s\", \"N/min\" "
		 "or \"N/h\", got \"20/mn\"",
		 path);
	assert_string_equal(p.diag.lines[0], want);
	snprintf(want, sizeof(want),
		 "test_cli: %s:1:58: rules[0].limit.rate: expected \"N/s\", "
		 "\"N/min\" or \"N/h\", got \"20/mn\"\n",
		 path);
	expect_report(&p, want);
	mxg_cli_policy_free(&p);

	/* More than one error: the first, and how many more. */
	write_file(path, four, sizeof(four) - 1);
	assert_int_equal(mxg_cli_policy_load(&p, path, MXG_CLI_POLICY_JSON),
			 -EINVAL);
	assert_int_equal(p.diag.count, 4);
	snprintf(want, sizeof(want),
		 "test_cli: %s (and 3 more errors: see `mxgatectl check "
		 "%s`)\n",
		 p.diag.lines[0], path);
	expect_report(&p, want);
	mxg_cli_policy_free(&p);
}

static void good_image(void **state)
{
	struct mxg_policy_header *ref = example_image();
	const char *path = path_of("good.img");
	struct mxg_cli_policy p;

	(void)state;
	write_file(path, ref, ref->total_len);
	assert_int_equal(mxg_cli_policy_load(&p, path, MXG_CLI_POLICY_ANY), 0);
	assert_int_equal(p.compiled, 0);
	assert_int_equal(p.len, ref->total_len);
	assert_memory_equal(p.image, ref, p.len);
	mxg_cli_policy_free(&p);
	assert_int_equal(mxg_cli_policy_load(&p, path, MXG_CLI_POLICY_IMAGE),
			 0);
	assert_int_equal(p.compiled, 0);
	mxg_cli_policy_free(&p);
	/* Asked for JSON, an image is not JSON. */
	assert_int_equal(mxg_cli_policy_load(&p, path, MXG_CLI_POLICY_JSON),
			 -EINVAL);
	assert_true(p.diag.count >= 1);
	mxg_cli_policy_free(&p);
	free(ref);
}

static void corrupt_image(void **state)
{
	struct mxg_policy_header *ref = example_image();
	const char *path = path_of("corrupt.img");
	struct mxg_cli_policy p;
	char want[512];

	(void)state;
	/* A byte of the rules changed: the checksum no longer matches. */
	((uint8_t *)ref)[ref->total_len - 1] ^= 0x5a;
	write_file(path, ref, ref->total_len);
	assert_int_equal(mxg_cli_policy_load(&p, path, MXG_CLI_POLICY_ANY),
			 -EINVAL);
	assert_null(p.image);
	assert_int_equal(p.diag.count, 1);
	snprintf(want, sizeof(want), "%s: invalid policy image: ", path);
	assert_memory_equal(p.diag.lines[0], want, strlen(want));
	assert_non_null(strstr(p.diag.lines[0], "checksum"));
	mxg_cli_policy_free(&p);

	/* Truncated: the header's total_len says more. */
	((uint8_t *)ref)[ref->total_len - 1] ^= 0x5a;
	write_file(path, ref, ref->total_len - 8);
	assert_int_equal(mxg_cli_policy_load(&p, path, MXG_CLI_POLICY_IMAGE),
			 -EINVAL);
	assert_memory_equal(p.diag.lines[0], want, strlen(want));
	mxg_cli_policy_free(&p);

	/* Empty, as an image. */
	write_file(path, "", 0);
	assert_int_equal(mxg_cli_policy_load(&p, path, MXG_CLI_POLICY_IMAGE),
			 -EINVAL);
	snprintf(want, sizeof(want),
		 "%s: not a policy image: 0 bytes (1 to 268435456)", path);
	assert_string_equal(p.diag.lines[0], want);
	mxg_cli_policy_free(&p);

	/* A directory. */
	assert_int_equal(mxg_cli_policy_load(&p, dir, MXG_CLI_POLICY_IMAGE),
			 -EINVAL);
	snprintf(want, sizeof(want),
		 "%s: the policy image is not a regular file", dir);
	assert_string_equal(p.diag.lines[0], want);
	mxg_cli_policy_free(&p);
	free(ref);
}

static void load_or_exit_child(void *path)
{
	struct mxg_cli_policy p;

	mxg_cli_policy_load_or_exit(&p, path, MXG_CLI_POLICY_IMAGE);
}

static void missing_file(void **state)
{
	const char *path = path_of("nope.json");
	struct mxg_cli_policy p;
	struct outcome o;
	char want[512];

	(void)state;
	assert_int_equal(mxg_cli_policy_load(&p, path, MXG_CLI_POLICY_ANY),
			 -ENOENT);
	assert_int_equal(p.diag.count, 1);
	assert_non_null(strstr(p.diag.lines[0],
			       "cannot read the policy: No such file or "
			       "directory"));
	mxg_cli_policy_free(&p);
	assert_int_equal(mxg_cli_policy_load(&p, path, MXG_CLI_POLICY_IMAGE),
			 -ENOENT);
	snprintf(want, sizeof(want),
		 "%s: cannot read the policy image: No such file or "
		 "directory",
		 path);
	assert_string_equal(p.diag.lines[0], want);
	mxg_cli_policy_free(&p);

	run(load_or_exit_child, (void *)path, &o);
	assert_int_equal(o.status, MXG_EXIT_USAGE);
	snprintf(want, sizeof(want),
		 "test_cli: %s: cannot read the policy image: No such file "
		 "or directory\n",
		 path);
	assert_string_equal(o.err, want);
}

static int make_dir(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(values),
		cmocka_unit_test(range_errors),
		cmocka_unit_test(parse_values),
		cmocka_unit_test(argument_errors),
		cmocka_unit_test(help_exits_0),
		cmocka_unit_test(help_text_from_table),
		cmocka_unit_test(wrap),
		cmocka_unit_test(fatal),
		cmocka_unit_test(good_json),
		cmocka_unit_test(bad_json),
		cmocka_unit_test(good_image),
		cmocka_unit_test(corrupt_image),
		cmocka_unit_test(missing_file),
	};

	mxg_cli_init("test_cli");
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
