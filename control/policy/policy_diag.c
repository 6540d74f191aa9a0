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

#include "policy_diag.h"
#include "policy_errors.h"
#include "policy_scan.h"

#define POL_MSG_MAX    512
#define POL_PREFIX_MAX 4200 /* "FILE:LINE:COL:", FILE up to PATH_MAX */

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
