// SPDX-License-Identifier: BSD-3-Clause
/*
 * Error lines of the policy compiler: "FILE:LINE:COL: json.path: message"
 * for the policy, "SETFILE:LINE: json.path: message" for set files. Each
 * is one line: values quoted in messages are escaped and cut short.
 * Errors are kept sorted by where they are in the policy, so an operator
 * reads them top to bottom whatever stage found them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_types.h"

#define POL_MSG_MAX    512
#define POL_PREFIX_MAX 4200 /* "FILE:LINE:COL:", FILE up to PATH_MAX */

void mxg_diag_init(struct mxg_diag *d)
{
	memset(d, 0, sizeof(*d));
}

void mxg_diag_free(struct mxg_diag *d)
{
	unsigned int i;

	for (i = 0; i < d->stored && i < MXG_DIAG_MAX; i++)
		free(d->lines[i]);
	memset(d, 0, sizeof(*d));
}

void mxg_diag_print(FILE *f, const char *policy, const struct mxg_diag *d,
		    int rc)
{
	unsigned int i;

	for (i = 0; i < d->stored && i < MXG_DIAG_MAX; i++)
		fprintf(f, "%s\n", d->lines[i]);
	if (d->count > d->stored)
		fprintf(f, "%s: %u more errors not shown\n", policy,
			d->count - d->stored);
	if (!d->stored)
		fprintf(f, "%s: cannot compile the policy: %s\n", policy,
			strerror(rc < 0 ? -rc : rc));
}

static int is_word_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
}

static void path_append(struct pol_path *p, const char *s)
{
	size_t n = strlen(s);

	if (p->len + n + 1 > sizeof(p->s)) {
		/* Too deep or too long: keep it on one bounded line. */
		n = sizeof(p->s) - 1 - p->len;
		if (n > 3) {
			memcpy(p->s + p->len, s, n - 3);
			memcpy(p->s + p->len + n - 3, "...", 3);
		}
		p->len = sizeof(p->s) - 1;
		p->s[p->len] = '\0';
		return;
	}
	memcpy(p->s + p->len, s, n + 1);
	p->len += n;
}

size_t pol_path_key(struct pol_path *p, const char *key)
{
	size_t saved = p->len, i, n = strlen(key);
	char buf[POL_PATH_MAX];
	int plain = n > 0;

	for (i = 0; i < n; i++)
		if (!is_word_char(key[i]))
			plain = 0;
	if (plain) {
		snprintf(buf, sizeof(buf), "%s%.*s", p->len ? "." : "",
			 (int)(sizeof(buf) - 2), key);
	} else {
		char q[96];

		pol_quote(q, sizeof(q), key, n, 40);
		snprintf(buf, sizeof(buf), "[%s]", q);
	}
	path_append(p, buf);
	return saved;
}

size_t pol_path_index(struct pol_path *p, unsigned int i)
{
	size_t saved = p->len;
	char buf[16];

	snprintf(buf, sizeof(buf), "[%u]", i);
	path_append(p, buf);
	return saved;
}

void pol_path_pop(struct pol_path *p, size_t saved)
{
	if (saved < sizeof(p->s)) {
		p->len = saved;
		p->s[saved] = '\0';
	}
}

void pol_quote(char *out, size_t out_len, const char *s, size_t len, size_t max)
{
	size_t i, o = 0;
	int cut = 0;

	if (out_len < 8) {
		if (out_len)
			out[0] = '\0';
		return;
	}
	if (len > max) {
		len = max;
		cut = 1;
	}
	out[o++] = '"';
	for (i = 0; i < len && o + 8 < out_len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\') {
			out[o++] = '\\';
			out[o++] = (char)ch;
		} else if (ch < 0x20 || ch == 0x7f) {
			o += (size_t)snprintf(out + o, out_len - o, "\\x%02x",
					      ch);
		} else {
			out[o++] = (char)ch;
		}
	}
	if (i < len)
		cut = 1;
	if (cut && o + 5 < out_len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o++] = '"';
	out[o] = '\0';
}

static void slot_store(struct pol_ctx *c, uint64_t key, char *line)
{
	unsigned int i, worst = 0;

	c->count++;
	if (c->n_errs < MXG_DIAG_MAX) {
		c->errs[c->n_errs].key = key;
		c->errs[c->n_errs].seq = c->seq++;
		c->errs[c->n_errs++].line = line;
		return;
	}
	/* Full: keep the first MXG_DIAG_MAX by position. */
	for (i = 1; i < c->n_errs; i++)
		if (c->errs[i].key > c->errs[worst].key ||
		    (c->errs[i].key == c->errs[worst].key &&
		     c->errs[i].seq > c->errs[worst].seq))
			worst = i;
	if (key < c->errs[worst].key) {
		free(c->errs[worst].line);
		c->errs[worst].key = key;
		c->errs[worst].seq = c->seq++;
		c->errs[worst].line = line;
	} else {
		free(line);
	}
}

static void store_line(struct pol_ctx *c, uint64_t key, const char *prefix,
		       const char *path, const char *fmt, va_list ap)
{
	char msg[POL_MSG_MAX], *line;
	size_t i, n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (!path[0])
		path = "(root)";
	n = strlen(prefix) + strlen(path) + strlen(msg) + 8;
	line = malloc(n);
	if (!line) {
		c->oom = 1;
		c->count++;
		return;
	}
	snprintf(line, n, "%s %s: %s", prefix, path, msg);
	/* One line each, whatever the file name or message held. */
	for (i = 0; line[i]; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	slot_store(c, key, line);
}

void pol_error(struct pol_ctx *c, size_t off, const char *path, const char *fmt,
	       ...)
{
	char prefix[POL_PREFIX_MAX];
	unsigned int line, col;
	va_list ap;

	pol_json_linecol(&c->scan, off, &line, &col);
	snprintf(prefix, sizeof(prefix), "%s:%u:%u:", c->name, line, col);
	va_start(ap, fmt);
	store_line(c, (uint64_t)off << 32, prefix, path ? path : c->path.s, fmt,
		   ap);
	va_end(ap);
}

void pol_error_file(struct pol_ctx *c, size_t off, const char *file,
		    unsigned long line, const char *path, const char *fmt, ...)
{
	char prefix[POL_PREFIX_MAX];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "%s:%lu:", file, line);
	va_start(ap, fmt);
	store_line(c,
		   (uint64_t)off << 32 |
			   (line < 0xffffffffUL ? line : 0xffffffffUL),
		   prefix, path, fmt, ap);
	va_end(ap);
}

static int slot_cmp(const void *a, const void *b)
{
	const struct pol_err_slot *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void pol_errors_flush(struct pol_ctx *c)
{
	struct mxg_diag *d = c->diag;
	unsigned int i;

	qsort(c->errs, c->n_errs, sizeof(c->errs[0]), slot_cmp);
	for (i = 0; i < c->n_errs; i++) {
		if (d->stored < MXG_DIAG_MAX)
			d->lines[d->stored++] = c->errs[i].line;
		else
			free(c->errs[i].line);
		c->errs[i].line = NULL;
	}
	d->count += c->count;
	c->n_errs = 0;
	c->count = 0;
}

int pol_enum_value(const struct pol_enum *tab, const char *name)
{
	for (; tab->name; tab++)
		if (!strcmp(tab->name, name))
			return tab->value;
	return -1;
}

const char *pol_enum_name(const struct pol_enum *tab, int value)
{
	for (; tab->name; tab++)
		if (tab->value == value)
			return tab->name;
	return "?";
}

unsigned int pol_edit_distance(const char *a, const char *b)
{
	unsigned int row[33], i, j, la = (unsigned int)strlen(a),
				    lb = (unsigned int)strlen(b);

	if (la > 32 || lb > 32)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		unsigned int diag = row[0], up;

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			unsigned int best;

			up = row[j];
			best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}
