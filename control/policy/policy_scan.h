/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The position scan (policy_scan.c): a syntax check of the raw text that
 * records where every value and key is (cJSON gives no positions), and
 * line:col of a byte offset. Below it: policy_path.h only.
 */
#ifndef MXGATE_POLICY_SCAN_H
#define MXGATE_POLICY_SCAN_H

#include <stddef.h>
#include <stdint.h>

#define POL_JSON_DEPTH_MAX  32 /* policies nest 4 deep; cJSON allows 1000 */
#define POL_JSON_NUMBER_MAX 63 /* longest number token (cJSON's buffer) */

enum pol_json_kind {
	POL_JSON_NULL = 1,
	POL_JSON_FALSE,
	POL_JSON_TRUE,
	POL_JSON_NUMBER,
	POL_JSON_STRING,
	POL_JSON_ARRAY,
	POL_JSON_OBJECT,
};

/*
 * One JSON value, in document (pre-)order, as cJSON builds its tree: the
 * first child of a container is the next node, and 'next' is the index
 * just past the value's subtree (its next sibling, if it has one).
 */
struct pol_json_node {
	uint32_t off;	  /* first byte of the value */
	uint32_t key_off; /* the member's key (its quote), else = off */
	uint32_t tok_len; /* scalars: length of the token */
	uint32_t next;
	uint8_t kind; /* enum pol_json_kind */
};

struct pol_json_scan {
	const char *text;
	size_t len;
	struct pol_json_node *nodes;
	uint32_t n_nodes, cap_nodes;
	uint32_t *line_starts; /* offsets where lines begin; [0] = 0 */
	uint32_t n_lines;
	/* chars[i]: characters (UTF-8 lead bytes) in text[0..i), so that a
	 * column costs O(1) however long the line and however many errors */
	uint32_t *chars;
	uint32_t bom; /* 3 if the text starts with a UTF-8 BOM */
	/* A syntax error: where, in which container, and what. */
	size_t err_off;
	char err_path[256];
	char err[160];
};

/* 0, -EINVAL on a syntax error (err_*), -ENOMEM. */
int pol_json_scan(struct pol_json_scan *s, const char *text, size_t len);
void pol_json_scan_free(struct pol_json_scan *s);
/* 1-based line and column (in characters) of a byte offset. */
void pol_json_linecol(const struct pol_json_scan *s, size_t off,
		      unsigned int *line, unsigned int *col);

#endif /* MXGATE_POLICY_SCAN_H */
