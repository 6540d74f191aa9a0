// SPDX-License-Identifier: BSD-3-Clause
/*
 * The position scan: a strict RFC 8259 reader of the raw policy text that
 * records where every value and every key starts, in the order cJSON
 * builds its tree, so each cJSON item can be matched with its line and
 * column. It also gives syntax errors a position and a JSON path, which
 * cJSON cannot. It is at least as strict as cJSON (nesting, number
 * length, \u escapes), so text it accepts cJSON accepts with the same
 * shape; and stricter where cJSON is lax: control characters and invalid
 * UTF-8 in strings, \u0000 (which cJSON would cut a string at).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mxgate/policy.h"
#include "policy_path.h"
#include "policy_scan.h"

struct scan_frame {
	uint8_t is_object;
	uint8_t has_key;
	uint32_t index;
	uint32_t key_off, key_len; /* raw key text, inside the quotes */
};

struct scanner {
	struct pol_json_scan *s;
	const unsigned char *t;
	size_t len, pos;
	int depth;
	struct scan_frame frames[POL_JSON_DEPTH_MAX + 1];
};

static void scan_path(struct scanner *sc)
{
	struct pol_path p = { .len = 0 };
	char key[72];
	int i;

	p.s[0] = '\0';
	for (i = 0; i < sc->depth; i++) {
		const struct scan_frame *f = &sc->frames[i];

		if (!f->is_object) {
			pol_path_index(&p, f->index);
		} else if (f->has_key) {
			size_t n = f->key_len < 64 ? f->key_len : 64;

			memcpy(key, sc->t + f->key_off, n);
			key[n] = '\0';
			pol_path_key(&p, key);
		}
	}
	snprintf(sc->s->err_path, sizeof(sc->s->err_path), "%s", p.s);
}

static int syntax_error(struct scanner *sc, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int syntax_error(struct scanner *sc, size_t off, const char *fmt, ...)
{
	va_list ap;

	sc->s->err_off = off;
	va_start(ap, fmt);
	vsnprintf(sc->s->err, sizeof(sc->s->err), fmt, ap);
	va_end(ap);
	scan_path(sc);
	return -EINVAL;
}

static int at_end(const struct scanner *sc)
{
	return sc->pos >= sc->len;
}

static int skip_ws(struct scanner *sc)
{
	while (!at_end(sc)) {
		unsigned char ch = sc->t[sc->pos];

		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
			sc->pos++;
			continue;
		}
		if (ch == '#' ||
		    (ch == '/' && sc->pos + 1 < sc->len &&
		     (sc->t[sc->pos + 1] == '/' || sc->t[sc->pos + 1] == '*')))
			return syntax_error(sc, sc->pos,
					    "comments are not allowed in JSON");
		break;
	}
	return 0;
}

static int push_node(struct scanner *sc, uint8_t kind, size_t key_off,
		     uint32_t *idx)
{
	struct pol_json_scan *s = sc->s;
	struct pol_json_node *n;

	if (s->n_nodes == s->cap_nodes) {
		uint32_t cap = s->cap_nodes ? 2 * s->cap_nodes : 256;
		struct pol_json_node *v =
			realloc(s->nodes, (size_t)cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->nodes = v;
		s->cap_nodes = cap;
	}
	*idx = s->n_nodes++;
	n = &s->nodes[*idx];
	n->off = (uint32_t)sc->pos;
	n->key_off = (uint32_t)key_off;
	n->tok_len = 0;
	n->next = *idx + 1;
	n->kind = kind;
	return 0;
}

static int hex4(const unsigned char *p, unsigned int *out)
{
	unsigned int v = 0, i;

	for (i = 0; i < 4; i++) {
		unsigned char ch = p[i];

		v <<= 4;
		if (ch >= '0' && ch <= '9')
			v |= ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			v |= ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			v |= ch - 'A' + 10;
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* A string at sc->pos (its opening quote); leaves pos after the close. */
static int scan_string(struct scanner *sc)
{
	size_t start = sc->pos++;

	for (;;) {
		unsigned char ch;

		if (at_end(sc))
			return syntax_error(
				sc, start,
				"unterminated string (no closing '\"')");
		ch = sc->t[sc->pos];
		if (ch == '"') {
			sc->pos++;
			return 0;
		}
		if (ch == '\n')
			return syntax_error(
				sc, start,
				"unterminated string (no closing '\"' on this line)");
		if (ch < 0x20)
			return syntax_error(
				sc, sc->pos,
				"control character 0x%02x in a string", ch);
		if (ch >= 0x80) {
			size_t n = mxg_utf8_len(sc->t + sc->pos,
						sc->len - sc->pos);

			if (!n)
				return syntax_error(
					sc, sc->pos,
					"invalid UTF-8 in a string");
			sc->pos += n;
			continue;
		}
		if (ch != '\\') {
			sc->pos++;
			continue;
		}
		if (sc->pos + 1 >= sc->len)
			return syntax_error(
				sc, start,
				"unterminated string (no closing '\"')");
		ch = sc->t[sc->pos + 1];
		if (ch && strchr("\"\\/bfnrt", ch)) {
			sc->pos += 2;
			continue;
		}
		if (ch != 'u')
			return syntax_error(sc, sc->pos,
					    "bad escape '\\%c' in a string",
					    ch >= 0x20 && ch < 0x7f ? ch : '?');
		{
			unsigned int u, u2;
			size_t esc = sc->pos;

			if (sc->pos + 6 > sc->len ||
			    hex4(sc->t + sc->pos + 2, &u))
				return syntax_error(
					sc, esc,
					"bad \\u escape: expected 4 hex digits");
			sc->pos += 6;
			if (u == 0)
				return syntax_error(
					sc, esc,
					"\\u0000 is not allowed in a string");
			if (u >= 0xdc00 && u <= 0xdfff)
				return syntax_error(
					sc, esc,
					"bad \\u escape: lone UTF-16 low surrogate");
			if (u >= 0xd800 && u <= 0xdbff) {
				if (sc->pos + 6 > sc->len ||
				    sc->t[sc->pos] != '\\' ||
				    sc->t[sc->pos + 1] != 'u' ||
				    hex4(sc->t + sc->pos + 2, &u2) ||
				    u2 < 0xdc00 || u2 > 0xdfff)
					return syntax_error(
						sc, esc,
						"bad \\u escape: high surrogate without a low one");
				sc->pos += 6;
			}
		}
	}
}

static int is_digit(unsigned char ch)
{
	return ch >= '0' && ch <= '9';
}

static int scan_number(struct scanner *sc)
{
	size_t start = sc->pos;
	const unsigned char *t = sc->t;

	if (t[sc->pos] == '-')
		sc->pos++;
	if (at_end(sc) || !is_digit(t[sc->pos]))
		return syntax_error(sc, start, "bad number");
	if (t[sc->pos] == '0') {
		sc->pos++;
		if (!at_end(sc) && is_digit(t[sc->pos]))
			return syntax_error(
				sc, start, "numbers cannot have leading zeros");
	} else {
		while (!at_end(sc) && is_digit(t[sc->pos]))
			sc->pos++;
	}
	if (!at_end(sc) && t[sc->pos] == '.') {
		sc->pos++;
		if (at_end(sc) || !is_digit(t[sc->pos]))
			return syntax_error(
				sc, start,
				"bad number: digits expected after '.'");
		while (!at_end(sc) && is_digit(t[sc->pos]))
			sc->pos++;
	}
	if (!at_end(sc) && (t[sc->pos] == 'e' || t[sc->pos] == 'E')) {
		sc->pos++;
		if (!at_end(sc) && (t[sc->pos] == '+' || t[sc->pos] == '-'))
			sc->pos++;
		if (at_end(sc) || !is_digit(t[sc->pos]))
			return syntax_error(
				sc, start,
				"bad number: digits expected in the exponent");
		while (!at_end(sc) && is_digit(t[sc->pos]))
			sc->pos++;
	}
	if (sc->pos - start > POL_JSON_NUMBER_MAX)
		return syntax_error(sc, start,
				    "number too long (more than %d characters)",
				    POL_JSON_NUMBER_MAX);
	return 0;
}

static int scan_value(struct scanner *sc, size_t key_off);

static int unexpected(struct scanner *sc, const char *expected)
{
	unsigned char ch;

	if (at_end(sc))
		return syntax_error(sc, sc->pos,
				    "unexpected end of file, expected %s",
				    expected);
	ch = sc->t[sc->pos];
	if (ch > 0x20 && ch < 0x7f)
		return syntax_error(sc, sc->pos, "expected %s, got '%c'",
				    expected, ch);
	return syntax_error(sc, sc->pos, "expected %s, got byte 0x%02x",
			    expected, ch);
}

static int scan_container(struct scanner *sc, int is_object)
{
	struct scan_frame *f;
	char close = is_object ? '}' : ']';
	const char *after = is_object ? "',' or '}' after an object member" :
					"',' or ']' after a list element";
	int rc;

	if (sc->depth >= POL_JSON_DEPTH_MAX)
		return syntax_error(sc, sc->pos,
				    "nesting deeper than %d levels",
				    POL_JSON_DEPTH_MAX);
	f = &sc->frames[sc->depth++];
	memset(f, 0, sizeof(*f));
	f->is_object = (uint8_t)is_object;
	sc->pos++;
	rc = skip_ws(sc);
	if (rc)
		return rc;
	if (!at_end(sc) && sc->t[sc->pos] == close) {
		sc->pos++;
		sc->depth--;
		return 0;
	}
	for (;;) {
		size_t key_off = sc->pos;

		if (is_object) {
			if (at_end(sc) || sc->t[sc->pos] != '"') {
				if (!at_end(sc) && sc->t[sc->pos] == '\'')
					return syntax_error(
						sc, sc->pos,
						"keys take double quotes, not single");
				return unexpected(sc,
						  "a \"key\" in double quotes");
			}
			rc = scan_string(sc);
			if (rc)
				return rc;
			f->has_key = 1;
			f->key_off = (uint32_t)key_off + 1;
			f->key_len = (uint32_t)(sc->pos - key_off - 2);
			rc = skip_ws(sc);
			if (rc)
				return rc;
			if (at_end(sc) || sc->t[sc->pos] != ':')
				return unexpected(sc, "':' after the key");
			sc->pos++;
			rc = skip_ws(sc);
			if (rc)
				return rc;
		}
		rc = scan_value(sc, key_off);
		if (rc)
			return rc;
		rc = skip_ws(sc);
		if (rc)
			return rc;
		if (!at_end(sc) && sc->t[sc->pos] == close) {
			sc->pos++;
			sc->depth--;
			return 0;
		}
		if (at_end(sc) || sc->t[sc->pos] != ',')
			return unexpected(sc, after);
		sc->pos++;
		rc = skip_ws(sc);
		if (rc)
			return rc;
		if (!at_end(sc) && sc->t[sc->pos] == close)
			return syntax_error(
				sc, sc->pos - 1,
				"trailing comma before '%c' (not allowed in JSON)",
				close);
		f->index++;
		f->has_key = 0;
	}
}

static int scan_literal(struct scanner *sc, const char *word)
{
	size_t n = strlen(word);

	if (sc->len - sc->pos < n || memcmp(sc->t + sc->pos, word, n))
		return unexpected(sc, "a value");
	sc->pos += n;
	return 0;
}

static int scan_value(struct scanner *sc, size_t key_off)
{
	uint32_t idx;
	uint8_t kind;
	unsigned char ch;
	int rc;

	if (at_end(sc))
		return unexpected(sc, "a value");
	ch = sc->t[sc->pos];
	switch (ch) {
	case '{':
		kind = POL_JSON_OBJECT;
		break;
	case '[':
		kind = POL_JSON_ARRAY;
		break;
	case '"':
		kind = POL_JSON_STRING;
		break;
	case 't':
		kind = POL_JSON_TRUE;
		break;
	case 'f':
		kind = POL_JSON_FALSE;
		break;
	case 'n':
		kind = POL_JSON_NULL;
		break;
	case '\'':
		return syntax_error(sc, sc->pos,
				    "strings take double quotes, not single");
	default:
		if (ch == '-' || is_digit(ch)) {
			kind = POL_JSON_NUMBER;
			break;
		}
		return unexpected(sc, "a value");
	}
	rc = push_node(sc, kind, key_off, &idx);
	if (rc)
		return rc;
	switch (kind) {
	case POL_JSON_OBJECT:
	case POL_JSON_ARRAY:
		rc = scan_container(sc, kind == POL_JSON_OBJECT);
		break;
	case POL_JSON_STRING:
		rc = scan_string(sc);
		break;
	case POL_JSON_NUMBER:
		rc = scan_number(sc);
		break;
	case POL_JSON_TRUE:
		rc = scan_literal(sc, "true");
		break;
	case POL_JSON_FALSE:
		rc = scan_literal(sc, "false");
		break;
	default:
		rc = scan_literal(sc, "null");
		break;
	}
	if (rc)
		return rc;
	sc->s->nodes[idx].next = sc->s->n_nodes;
	sc->s->nodes[idx].tok_len = (uint32_t)(sc->pos - sc->s->nodes[idx].off);
	return 0;
}

static int index_lines(struct pol_json_scan *s)
{
	size_t i, n = 1;

	for (i = 0; i < s->len; i++)
		if (s->text[i] == '\n')
			n++;
	s->line_starts = malloc(n * sizeof(*s->line_starts));
	if (!s->line_starts)
		return -ENOMEM;
	s->line_starts[0] = 0;
	s->n_lines = 1;
	for (i = 0; i < s->len; i++)
		if (s->text[i] == '\n')
			s->line_starts[s->n_lines++] = (uint32_t)(i + 1);
	s->chars = malloc((s->len + 1) * sizeof(*s->chars));
	if (!s->chars)
		return -ENOMEM;
	s->chars[0] = 0;
	for (i = 0; i < s->len; i++)
		s->chars[i + 1] = s->chars[i] +
				  (((unsigned char)s->text[i] & 0xc0) != 0x80);
	return 0;
}

int pol_json_scan(struct pol_json_scan *s, const char *text, size_t len)
{
	struct scanner sc = { .s = s,
			      .t = (const unsigned char *)text,
			      .len = len };
	int rc;

	memset(s, 0, sizeof(*s));
	s->text = text;
	s->len = len;
	if (len > 0xffffffffu - 1)
		return -EFBIG;
	rc = index_lines(s);
	if (rc)
		return rc;
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) {
		s->bom = 3;
		sc.pos = 3;
	}
	rc = skip_ws(&sc);
	if (rc)
		return rc;
	if (at_end(&sc))
		return syntax_error(&sc, sc.pos,
				    "empty file, expected a JSON object");
	rc = scan_value(&sc, sc.pos);
	if (rc)
		return rc;
	rc = skip_ws(&sc);
	if (rc)
		return rc;
	if (!at_end(&sc))
		return syntax_error(
			&sc, sc.pos,
			"unexpected text after the end of the JSON value");
	return 0;
}

void pol_json_scan_free(struct pol_json_scan *s)
{
	free(s->nodes);
	free(s->line_starts);
	free(s->chars);
	s->nodes = NULL;
	s->line_starts = NULL;
	s->chars = NULL;
	s->n_nodes = s->cap_nodes = s->n_lines = 0;
}

void pol_json_linecol(const struct pol_json_scan *s, size_t off,
		      unsigned int *line, unsigned int *col)
{
	uint32_t lo = 0, hi, start;

	if (off > s->len)
		off = s->len;
	if (!s->line_starts || !s->n_lines || !s->chars) {
		*line = 1;
		*col = (unsigned int)off + 1;
		return;
	}
	hi = s->n_lines - 1;
	while (lo < hi) { /* last line start <= off */
		uint32_t mid = lo + (hi - lo + 1) / 2;

		if (s->line_starts[mid] <= off)
			lo = mid;
		else
			hi = mid - 1;
	}
	start = s->line_starts[lo];
	if (lo == 0 && s->bom && off >= s->bom)
		start = s->bom;
	/* Columns count characters: UTF-8 continuation bytes are skipped. */
	*line = lo + 1;
	*col = off >= start ? s->chars[off] - s->chars[start] + 1 : 1;
}
