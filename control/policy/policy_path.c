// SPDX-License-Identifier: BSD-3-Clause
/*
 * JSON paths ("rules[3].limit.rate", ["odd key"]) and quoted values for
 * the compiler's messages. Plain string work: no other stage, no cJSON.
 */
#include <stdio.h>
#include <string.h>

#include "policy_path.h"

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
