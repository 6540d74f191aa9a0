/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every mxgate binary's command line shares: the exit codes, the
 * one-line error, options declared once in a table that drives both
 * getopt_long and the --help text, and integer and size options with
 * ranges. Loading a policy or an image is in cli_policy.h.
 *
 * Why a table and not getopt_long with a switch per binary: the options
 * of mxgate-dp, mxgate-replay and mxgate-xdp were written three times
 * each (the struct option row, the case of the switch, the usage line),
 * and their range checks and error messages had drifted apart. As in
 * xdp-tools' lib/util/params.h, a row here names the option, where its
 * value goes (a field of the binary's config struct, by offset), its
 * type and range, and its help line: the parser, the error messages and
 * the help cannot disagree. getopt_long still does the scanning, so the
 * syntax is the usual one (--opt VALUE, --opt=VALUE, unique prefixes,
 * options and operands in any order, "--" ends the options).
 */
#ifndef MXGATE_CLI_H
#define MXGATE_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The exit status of every mxgate binary. */
enum mxg_exit {
	MXG_EXIT_OK = 0,
	/* The operation failed: a policy with errors (mxgatectl check and
	 * compile), a start-up failure (mxgate-dp), an XDP operation
	 * (mxgate-xdp), a request refused (dpctl). */
	MXG_EXIT_FAIL = 1,
	/* Bad arguments, or an input that cannot be read or is invalid (a
	 * policy, an image, a capture). */
	MXG_EXIT_USAGE = 2,
	/* mxgatectl's verbs that talk to mxgated: the daemon is
	 * unreachable, or its reply is broken. */
	MXG_EXIT_UNREACHABLE = 3,
	/* mxgatectl: mxgated refused this user (peer credentials). */
	MXG_EXIT_DENIED = 4,
};

/* The program name of error lines; set once, first thing in main(). */
void mxg_cli_init(const char *prog);
const char *mxg_cli_prog(void);

/* "PROG: message" on stderr, one line. */
void mxg_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The same, then exit(status). Only during start-up (DESIGN §8). */
void mxg_cli_fatal(int status, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));

/*
 * Parse a decimal integer from min to max. A size also takes a k, M or G
 * suffix (powers of 1024). 0 and *out, or -EINVAL (not a number, a sign,
 * trailing characters, out of range).
 */
int mxg_cli_parse_uint(const char *s, uint64_t min, uint64_t max,
		       uint64_t *out);
int mxg_cli_parse_size(const char *s, uint64_t min, uint64_t max,
		       uint64_t *out);

/* The same, or exit 2 with "OPT: expected an integer from MIN to MAX,
 * got "S"" (a size: "... from MIN to MAX (k, M or G suffix allowed)"). */
uint64_t mxg_cli_uint(const char *opt, const char *s, uint64_t min,
		      uint64_t max);
uint64_t mxg_cli_size(const char *opt, const char *s, uint64_t min,
		      uint64_t max);

/* Print 'text' from column 'col', its words wrapped at column 79 to
 * column 'indent', then a newline. */
void mxg_cli_wrap(FILE *f, unsigned int col, unsigned int indent,
		  const char *text);

/* ------------------------------------------------------------------ */
/* Option tables */

/* What an option's argument is (the row macros below set it). */
enum mxg_opt_type {
	MXG_ARG_NONE = 1, /* a flag: the field is set to 1 */
	MXG_ARG_STR,	  /* the const char * field points at the argument */
	MXG_ARG_UINT,	  /* an integer field (1, 2, 4 or 8 bytes) */
	MXG_ARG_SIZE,	  /* the same, with a k, M or G suffix allowed */
	MXG_ARG_ENUM,	  /* one of 'choices': the field gets its value */
	MXG_ARG_FUNC,	  /* parse(cfg, arg, "--name") does it all */
};

struct mxg_opt_choice {
	const char *name;
	int value;
};

struct mxg_opt {
	const char *name; /* the long name, without "--" */
	enum mxg_opt_type type;
	size_t off, size;  /* the field in the config struct */
	size_t given_off;  /* 0, or 1 + the offset of an int set to 1 when
			      the option is given */
	const char *arg;   /* the argument in help: "FILE", "N" */
	const char *help;  /* one sentence or so, wrapped when printed */
	uint64_t min, max; /* MXG_ARG_UINT, MXG_ARG_SIZE */
	const struct mxg_opt_choice *choices; /* ends with a NULL name */
	void (*parse)(void *cfg, const char *arg, const char *opt);
	char letter; /* 0, or a short option (-v) for the same row */
};

/*
 * Rows of a table, for a field FLD of the config struct ST; each takes
 * optional designated initializers last (MXG_OPT_GIVEN). Help of an
 * integer option ends with "(default N)" when the field is not 0 before
 * parsing; an enum's argument is its choices, "a|b|c".
 */
#define MXG_OPT_FIELD_(ST, FLD)                                                \
	.off = offsetof(ST, FLD), .size = sizeof(((ST *)0)->FLD)
#define MXG_OPT_FLAG(NAME, ST, FLD, HELP, ...)                                 \
	{                                                                      \
		.name = NAME, .type = MXG_ARG_NONE, MXG_OPT_FIELD_(ST, FLD),   \
		.help = HELP, __VA_ARGS__                                      \
	}
#define MXG_OPT_STR(NAME, ST, FLD, ARG, HELP, ...)                             \
	{                                                                      \
		.name = NAME, .type = MXG_ARG_STR, MXG_OPT_FIELD_(ST, FLD),    \
		.arg = ARG, .help = HELP, __VA_ARGS__                          \
	}
#define MXG_OPT_UINT(NAME, ST, FLD, MIN, MAX, ARG, HELP, ...)                  \
	{                                                                      \
		.name = NAME, .type = MXG_ARG_UINT, MXG_OPT_FIELD_(ST, FLD),   \
		.arg = ARG, .help = HELP, .min = MIN, .max = MAX, __VA_ARGS__  \
	}
#define MXG_OPT_SIZE(NAME, ST, FLD, MIN, MAX, ARG, HELP, ...)                  \
	{                                                                      \
		.name = NAME, .type = MXG_ARG_SIZE, MXG_OPT_FIELD_(ST, FLD),   \
		.arg = ARG, .help = HELP, .min = MIN, .max = MAX, __VA_ARGS__  \
	}
#define MXG_OPT_ENUM(NAME, ST, FLD, CHOICES, HELP, ...)                        \
	{                                                                      \
		.name = NAME, .type = MXG_ARG_ENUM, MXG_OPT_FIELD_(ST, FLD),   \
		.choices = CHOICES, .help = HELP, __VA_ARGS__                  \
	}
#define MXG_OPT_FUNC(NAME, FN, ARG, HELP, ...)                                 \
	{                                                                      \
		.name = NAME, .type = MXG_ARG_FUNC, .parse = FN, .arg = ARG,   \
		.help = HELP, __VA_ARGS__                                      \
	}
/* The last argument of any row: also note that the option was given,
 * in the int field FLD. */
#define MXG_OPT_GIVEN(ST, FLD) .given_off = offsetof(ST, FLD) + 1
/* The last argument of any row: a short option too, -C (not h). */
#define MXG_OPT_SHORT(C) .letter = (C)
#define MXG_OPT_END                                                            \
	{                                                                      \
		.name = NULL                                                   \
	}

struct mxg_cli {
	const char *usage; /* after "usage: PROG ", e.g. "[OPTIONS] INPUT" */
	const char *about; /* paragraphs after the usage line, as is */
	const struct mxg_opt *opts; /* ends with MXG_OPT_END */
	const char *epilog; /* after the options, as is: "Exit status: ..." */
};

/*
 * Parse the options of argv into cfg (its defaults already set): --help
 * (or -h) prints the help on stdout and exits 0; an unknown option, a
 * missing or unexpected argument or a bad value exits 2 with one line
 * naming the option. Returns the index in argv of the first operand
 * (getopt_long moves the operands after the options).
 */
int mxg_cli_parse(const struct mxg_cli *cli, void *cfg, int argc, char **argv);

/* 1 if any argument is --help or -h, even after "--" (mxgate-dp asks
 * before the EAL sees its arguments: its own come after "--"). */
int mxg_cli_help_asked(int argc, char **argv);

/* The help text: usage line, about, one line (or more) per option, the
 * default values read from cfg, epilog. */
void mxg_cli_help(FILE *f, const struct mxg_cli *cli, const void *cfg);

#endif /* MXGATE_CLI_H */
