// SPDX-License-Identifier: BSD-3-Clause
/*
 * The shared command line: errors and exit codes, integer and size
 * options, option tables to getopt_long and to the help text (cli.h).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Options a table may have; getopt_long's table is built on the stack. */
#define CLI_OPTS_MAX 64
#define CLI_OPT_VAL  256 /* getopt_long's value of row i: CLI_OPT_VAL + i */
#define CLI_HELP_COL 24	 /* where the options' help starts */

static const char *cli_prog = "mxgate";

void mxg_cli_init(const char *prog)
{
	cli_prog = prog;
}

const char *mxg_cli_prog(void)
{
	return cli_prog;
}

static void verror(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", cli_prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void mxg_cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(fmt, ap);
	va_end(ap);
}

void mxg_cli_fatal(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(fmt, ap);
	va_end(ap);
	exit(status);
}

static int parse_uint(const char *s, uint64_t min, uint64_t max, int size,
		      uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (*s < '0' || *s > '9') /* no sign, no space */
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	if (size && *end && !end[1]) {
		shift = *end == 'k' || *end == 'K' ? 10 :
			*end == 'M'		   ? 20 :
			*end == 'G'		   ? 30 :
						     0;
		if (shift)
			end++;
	}
	if (*end || v > (UINT64_MAX >> shift))
		return -EINVAL;
	v <<= shift;
	if (v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int mxg_cli_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	return parse_uint(s, min, max, 0, out);
}

int mxg_cli_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	return parse_uint(s, min, max, 1, out);
}

static uint64_t parse_or_exit(const char *opt, const char *s, uint64_t min,
			      uint64_t max, int size)
{
	uint64_t v;

	if (parse_uint(s, min, max, size, &v))
		mxg_cli_fatal(MXG_EXIT_USAGE,
			      "%s: expected an integer from %" PRIu64
			      " to %" PRIu64 "%s, got \"%s\"",
			      opt, min, max,
			      size ? " (k, M or G suffix allowed)" : "", s);
	return v;
}

uint64_t mxg_cli_uint(const char *opt, const char *s, uint64_t min,
		      uint64_t max)
{
	return parse_or_exit(opt, s, min, max, 0);
}

uint64_t mxg_cli_size(const char *opt, const char *s, uint64_t min,
		      uint64_t max)
{
	return parse_or_exit(opt, s, min, max, 1);
}

void mxg_cli_wrap(FILE *f, unsigned int col, unsigned int indent,
		  const char *text)
{
	text += strspn(text, " ");
	while (*text) {
		size_t w = strcspn(text, " ");

		if (col > indent && col + 1 + w > 79) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fwrite(text, 1, w, f);
		col += (unsigned int)w;
		text += w;
		text += strspn(text, " ");
	}
	fputc('\n', f);
}

/* ------------------------------------------------------------------ */
/* Option tables */

static void *field(void *cfg, const struct mxg_opt *o)
{
	return (uint8_t *)cfg + o->off;
}

static void store_uint(void *p, size_t size, uint64_t v)
{
	switch (size) {
	case 1:
		*(uint8_t *)p = (uint8_t)v;
		break;
	case 2:
		*(uint16_t *)p = (uint16_t)v;
		break;
	case 4:
		*(uint32_t *)p = (uint32_t)v;
		break;
	default:
		*(uint64_t *)p = v;
	}
}

static uint64_t load_uint(const void *p, size_t size)
{
	switch (size) {
	case 1:
		return *(const uint8_t *)p;
	case 2:
		return *(const uint16_t *)p;
	case 4:
		return *(const uint32_t *)p;
	default:
		return *(const uint64_t *)p;
	}
}

/* "a", "b" or "c" */
static void choices_text(const struct mxg_opt_choice *c, char *buf, size_t len,
			 const char *sep, const char *last, const char *quote)
{
	size_t n = 0;

	buf[0] = '\0';
	for (; c->name && n < len; c++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s%s%s",
				      n == 0	? "" :
				      c[1].name ? sep :
						  last,
				      quote, c->name, quote);
}

static void apply(const struct mxg_opt *o, void *cfg, const char *arg)
{
	const struct mxg_opt_choice *c;
	char opt[80], list[256];
	uint64_t v;

	snprintf(opt, sizeof(opt), "--%s", o->name);
	switch (o->type) {
	case MXG_ARG_NONE:
		store_uint(field(cfg, o), o->size, 1);
		break;
	case MXG_ARG_STR:
		*(const char **)field(cfg, o) = arg;
		break;
	case MXG_ARG_UINT:
	case MXG_ARG_SIZE:
		/* A table whose range does not fit its field is a bug. */
		if (o->size < 8 && o->max >> (o->size * 8))
			abort();
		v = parse_or_exit(opt, arg, o->min, o->max,
				  o->type == MXG_ARG_SIZE);
		store_uint(field(cfg, o), o->size, v);
		break;
	case MXG_ARG_ENUM:
		for (c = o->choices; c->name; c++)
			if (strcmp(arg, c->name) == 0) {
				store_uint(field(cfg, o), o->size,
					   (uint64_t)(int64_t)c->value);
				break;
			}
		if (!c->name) {
			choices_text(o->choices, list, sizeof(list), ", ",
				     " or ", "\"");
			mxg_cli_fatal(MXG_EXIT_USAGE,
				      "%s: expected %s, got \"%s\"", opt, list,
				      arg);
		}
		break;
	case MXG_ARG_FUNC:
		o->parse(cfg, arg, opt);
		break;
	}
	if (o->given_off)
		*(int *)((uint8_t *)cfg + o->given_off - 1) = 1;
}

/*
 * getopt_long failed on argv[optind - 1]. Name the option: its argument
 * is missing (or given to an option that takes none), or it is unknown.
 */
static void __attribute__((noreturn))
option_error(const struct mxg_cli *cli, const struct option *lo, char **argv)
{
	const char *arg = argv[optind - 1];
	const struct mxg_opt *o;

	if (optopt && strncmp(arg, "--", 2) == 0)
		for (; lo->name; lo++)
			if (lo->val == optopt)
				mxg_cli_fatal(MXG_EXIT_USAGE,
					      lo->has_arg == required_argument ?
						      "--%s: missing its "
						      "argument (see --help)" :
						      "--%s: takes no "
						      "argument (see --help)",
					      lo->name);
	for (o = cli->opts; optopt && o->name; o++)
		if (o->letter && o->letter == optopt && arg[1] == optopt)
			mxg_cli_fatal(MXG_EXIT_USAGE,
				      "-%c (--%s): missing its argument (see "
				      "--help)",
				      o->letter, o->name);
	mxg_cli_fatal(MXG_EXIT_USAGE, "unknown option \"%s\" (see --help)",
		      arg);
}

int mxg_cli_help_asked(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

/* The row of a short option, or -1. */
static int letter_row(const struct mxg_cli *cli, int c)
{
	int i;

	for (i = 0; c != 'h' && cli->opts[i].name; i++)
		if (cli->opts[i].letter == c)
			return i;
	return -1;
}

int mxg_cli_parse(const struct mxg_cli *cli, void *cfg, int argc, char **argv)
{
	struct option lo[CLI_OPTS_MAX + 2];
	char shorts[2 * CLI_OPTS_MAX + 2] = "h";
	size_t ns = 1;
	int n = 0, c;

	for (; cli->opts[n].name; n++) {
		if (n == CLI_OPTS_MAX)
			abort();
		lo[n] = (struct option){
			.name = cli->opts[n].name,
			.has_arg = cli->opts[n].type == MXG_ARG_NONE ?
					   no_argument :
					   required_argument,
			.val = CLI_OPT_VAL + n,
		};
		if (!cli->opts[n].letter)
			continue;
		shorts[ns++] = cli->opts[n].letter;
		if (cli->opts[n].type != MXG_ARG_NONE)
			shorts[ns++] = ':';
	}
	shorts[ns] = '\0';
	/* --help first, so that the defaults it shows are not values parsed
	 * before it. */
	if (mxg_cli_help_asked(argc, argv)) {
		mxg_cli_help(stdout, cli, cfg);
		exit(MXG_EXIT_OK);
	}
	lo[n] = (struct option){ .name = "help", .val = 'h' };
	lo[n + 1] = (struct option){ .name = NULL };
	opterr = 0;
	optind = 0; /* glibc: start afresh (the unit tests parse again) */
	while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		if (c == 'h') {
			mxg_cli_help(stdout, cli, cfg);
			exit(MXG_EXIT_OK);
		}
		if (c < CLI_OPT_VAL && letter_row(cli, c) >= 0)
			c = CLI_OPT_VAL + letter_row(cli, c);
		if (c < CLI_OPT_VAL || c >= CLI_OPT_VAL + n)
			option_error(cli, lo, argv);
		apply(&cli->opts[c - CLI_OPT_VAL], cfg, optarg);
	}
	return optind;
}

static void help_row(FILE *f, const char *left, const char *text)
{
	int col = fprintf(f, "  %s", left);

	if (col + 1 >= CLI_HELP_COL) {
		fputc('\n', f);
		col = 0;
	}
	fprintf(f, "%*s", CLI_HELP_COL - col, "");
	mxg_cli_wrap(f, CLI_HELP_COL, CLI_HELP_COL, text);
}

void mxg_cli_help(FILE *f, const struct mxg_cli *cli, const void *cfg)
{
	const struct mxg_opt *o;
	char left[320], text[1024], arg[256], shortname[8];
	uint64_t def;

	fprintf(f, "usage: %s %s\n", cli_prog, cli->usage);
	if (cli->about)
		fprintf(f, "\n%s", cli->about);
	fprintf(f, "\nOptions:\n");
	for (o = cli->opts; o->name; o++) {
		snprintf(arg, sizeof(arg), "%s", o->arg ? o->arg : "ARG");
		if (o->type == MXG_ARG_ENUM)
			choices_text(o->choices, arg, sizeof(arg), "|", "|",
				     "");
		snprintf(shortname, sizeof(shortname), "-%c, ", o->letter);
		snprintf(left, sizeof(left), "%s--%s%s%s",
			 o->letter ? shortname : "", o->name,
			 o->type == MXG_ARG_NONE ? "" : " ",
			 o->type == MXG_ARG_NONE ? "" : arg);
		def = 0;
		if (cfg && (o->type == MXG_ARG_UINT || o->type == MXG_ARG_SIZE))
			def = load_uint((const uint8_t *)cfg + o->off, o->size);
		if (def)
			snprintf(text, sizeof(text), "%s (default %" PRIu64 ")",
				 o->help, def);
		else
			snprintf(text, sizeof(text), "%s", o->help);
		help_row(f, left, text);
	}
	help_row(f, "--help", "print this help and exit");
	if (cli->epilog)
		fprintf(f, "\n%s", cli->epilog);
}
