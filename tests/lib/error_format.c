// SPDX-License-Identifier: BSD-3-Clause
/*
 * The policy compiler's error format, checked (error_format.h). Plain C
 * with no test framework, so the libFuzzer target links it too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error_format.h"
#include "policy_path.h"

/* A decimal number >= 1 without leading zeros, as %u prints it. */
static const char *parse_count(const char *p, unsigned long *out)
{
	unsigned long v = 0;
	int digits = 0;

	if (*p < '1' || *p > '9')
		return NULL;
	while (*p >= '0' && *p <= '9') {
		if (++digits > 10)
			return NULL;
		v = v * 10 + (unsigned long)(*p++ - '0');
	}
	*out = v;
	return p;
}

static int is_word_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
}

static int is_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
}

/*
 * A JSON path as the compiler writes it: "(root)", or segments -- a key
 * (a word, then ".word"), an index "[N]" or a quoted key "[\"...\"]".
 * Returns the end, or NULL. With set_file, exactly "sets" and one key.
 */
static const char *parse_path_strict(const char *p, int set_file)
{
	unsigned int segs = 0;

	if (!set_file && !strncmp(p, "(root)", 6))
		return p + 6;
	for (;;) {
		if (*p == '[') {
			p++;
			if (*p == '"') {
				for (p++; *p != '"'; p++) {
					if (*p == '\\' &&
					    (p[1] == '"' || p[1] == '\\'))
						p++;
					else if (*p == '\\' && p[1] == 'x' &&
						 is_hex(p[2]) && is_hex(p[3]))
						p += 3;
					else if (*p == '\\' || !*p)
						return NULL;
				}
				p++;
			} else {
				if (*p < '0' || *p > '9')
					return NULL;
				while (*p >= '0' && *p <= '9')
					p++;
			}
			if (*p++ != ']')
				return NULL;
		} else if (!segs || (*p == '.' && is_word_char(p[1]))) {
			if (segs)
				p++;
			if (!is_word_char(*p))
				return NULL;
			while (is_word_char(*p))
				p++;
		} else {
			break;
		}
		segs++;
	}
	return !set_file || segs == 2 ? p : NULL;
}

/*
 * A path too long for the compiler's buffer is cut to POL_PATH_MAX - 1
 * characters, the last three "..." (pol_path_key, pol_path_index).
 */
static const char *parse_path(const char *p, int set_file)
{
	const size_t cut = POL_PATH_MAX - 1;

	if (set_file && (strncmp(p, "sets", 4) || (p[4] != '.' && p[4] != '[')))
		return NULL;
	if (strnlen(p, cut + 2) > cut + 1 && !strncmp(p + cut - 3, "...: ", 5))
		return p + cut;
	return parse_path_strict(p, set_file);
}

/* ": path: message" with a message that is not empty. */
static const char *check_path_message(const char *p, int set_file)
{
	if (strncmp(p, ": ", 2))
		return "no \": \" after the location";
	p = parse_path(p + 2, set_file);
	if (!p)
		return set_file ? "no sets.NAME path" : "no JSON path";
	if (strncmp(p, ": ", 2))
		return "no \": \" after the path";
	if (!p[2])
		return "empty message";
	return NULL;
}

/* LINE:COL inside the text (columns count characters, as the scanner). */
static const char *check_position(const struct error_source *src,
				  unsigned long line, unsigned long col)
{
	unsigned long l = 1, chars = 0;
	size_t i;

	if (!src->text)
		return NULL;
	for (i = 0; i < src->len && l < line; i++)
		l += src->text[i] == '\n';
	if (l < line)
		return "line past the end of the policy";
	for (; i < src->len && src->text[i] != '\n'; i++)
		chars += ((unsigned char)src->text[i] & 0xc0) != 0x80;
	if (col > chars + 1)
		return "column past the end of its line";
	return NULL;
}

const char *error_line_check(const struct error_source *src, const char *line)
{
	size_t n = strlen(src->policy), i;
	unsigned long l, c;
	const char *p, *why;

	for (i = 0; line[i]; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			return "a control character";
	if (!strncmp(line, src->policy, n) && line[n] == ':') {
		p = line + n + 1;
		/* The cap line: "POLICY: N more errors not shown". */
		if (*p == ' ') {
			p = parse_count(p + 1, &l);
			if (!p || strcmp(p, " more errors not shown"))
				return "not POLICY:LINE:COL: nor the cap line";
			return NULL;
		}
		p = parse_count(p, &l);
		if (!p || *p != ':')
			return "no LINE: after the policy's name";
		p = parse_count(p + 1, &c);
		if (!p)
			return "no COL after LINE:";
		why = check_path_message(p, 0);
		return why ? why : check_position(src, l, c);
	}
	/* "SETFILE:LINE: sets.NAME: message"; SETFILE may hold ':'. */
	for (p = strchr(line, ':'); p; p = strchr(p + 1, ':')) {
		const char *q;

		if (p == line)
			continue;
		q = parse_count(p + 1, &l);
		if (q && !check_path_message(q, 1))
			return NULL;
	}
	return "neither POLICY:LINE:COL: path: nor SETFILE:LINE: sets.NAME:";
}

static void copy_bad(char *bad, size_t bad_len, const char *line)
{
	if (bad && bad_len)
		snprintf(bad, bad_len, "%s", line);
}

const char *error_report_check(const struct error_source *src,
			       const struct mxg_diag *diag, int rc, char *bad,
			       size_t bad_len)
{
	char *buf = NULL, *line, *end;
	size_t size = 0;
	unsigned int n_lines = 0, cap_lines = 0;
	const char *why = NULL;
	FILE *f;

	copy_bad(bad, bad_len, "");
	if (rc >= 0)
		return "the compile did not fail";
	if (!diag->count || !diag->stored)
		return "a failed compile with no error line";
	if (diag->stored > MXG_DIAG_MAX || diag->stored > diag->count)
		return "more lines stored than possible";
	f = open_memstream(&buf, &size);
	if (!f)
		return "open_memstream failed";
	mxg_diag_print(f, src->policy, diag, rc);
	if (fclose(f)) {
		free(buf);
		return "cannot print the report";
	}
	for (line = buf; !why && *line; line = end + 1) {
		unsigned long n;
		size_t plen = strlen(src->policy);

		end = strchr(line, '\n');
		if (!end) {
			why = "the report does not end in a newline";
			break;
		}
		*end = '\0';
		n_lines++;
		why = error_line_check(src, line);
		if (!why && !strncmp(line, src->policy, plen) &&
		    line[plen] == ':' && line[plen + 1] == ' ') {
			/* The cap line: last, once, with the right count. */
			cap_lines++;
			if (!parse_count(line + plen + 2, &n) ||
			    n != diag->count - diag->stored)
				why = "the cap line's count is wrong";
			else if (end[1])
				why = "a line after the cap line";
		}
		if (why)
			copy_bad(bad, bad_len, line);
	}
	if (!why && cap_lines != (diag->count > diag->stored))
		why = diag->count > diag->stored ? "no cap line" :
						   "a cap line, nothing capped";
	if (!why && n_lines != diag->stored + cap_lines)
		why = "a line for each stored error, and no other";
	free(buf);
	return why;
}
