// SPDX-License-Identifier: BSD-3-Clause
/*
 * JSON -> typed policy. Walks cJSON's tree and the position scan side by
 * side (both in document order), so every value has its line and column.
 * Checks what one field can say about itself: unknown and duplicate keys,
 * types, integer-ness and ranges, string enums (through name-to-value
 * tables), CIDR syntax. Unknown-key errors point at the key, value errors
 * at the value. Cross-field rules are policy_validate.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_cidr.h"
#include "policy_diag.h"
#include "policy_names.h"
#include "policy_parse.h"
#include "policy_path.h"
#include "policy_scan.h"

/* A value: its cJSON item and its scan node. */
struct jv {
	const cJSON *item;
	uint32_t node;
};

struct member {
	struct jv v;
	uint32_t key_off;
	uint8_t dup;
};

struct obj {
	struct member *m;
	size_t n;
};

static const struct pol_enum mode_names[] = {
	{ "enforce", MXG_MODE_ENFORCE },
	{ "monitor", MXG_MODE_MONITOR },
	{ NULL, 0 },
};

static const struct pol_enum parser_limit_names[] = {
	{ "drop", MXG_PARSER_LIMIT_DROP },
	{ "forward", MXG_PARSER_LIMIT_FORWARD },
	{ NULL, 0 },
};

static const struct pol_enum action_names[] = {
	{ "allow", MXG_ACTION_ALLOW },
	{ "deny", MXG_ACTION_DENY },
	{ "limit", MXG_ACTION_LIMIT },
	{ NULL, 0 },
};

static const struct pol_enum per_names[] = {
	{ "host", MXG_KEY_HOST },
	{ "prefix", MXG_KEY_PREFIX },
	{ "dst", MXG_KEY_DST },
	{ "global", MXG_KEY_GLOBAL },
	{ NULL, 0 },
};

static const struct pol_enum over_names[] = {
	{ "drop", MXG_OVER_DROP },
	{ "reset", MXG_OVER_RESET },
	{ NULL, 0 },
};

static const struct pol_enum family_names[] = {
	{ "ipv4", MXG_FAMILY_IPV4 },
	{ "ipv6", MXG_FAMILY_IPV6 },
	{ NULL, 0 },
};

static const struct pol_enum format_names[] = {
	{ "spamhaus-drop", POL_FORMAT_SPAMHAUS_DROP },
	{ "plain", POL_FORMAT_PLAIN },
	{ NULL, 0 },
};

/* Rate units: "N/s", "N/min", "N/h". */
static const struct pol_enum rate_units[] = {
	{ "s", 1 },
	{ "min", 60 },
	{ "h", 3600 },
	{ NULL, 0 },
};

static const char *const top_keys[] = {
	"version",    "mode",	   "parser_limit", "smtp_ports", "ecmp_share",
	"auto_block", "protected", "sets",	   "rules",	 NULL
};
static const char *const rule_keys[] = { "name",     "src",    "dst",
					 "dst_port", "family", "action",
					 "limit",    "over",   NULL };
static const char *const limit_keys[] = { "rate",	 "burst",	"per",
					  "ipv4_prefix", "ipv6_prefix", NULL };
static const char *const set_file_keys[] = { "file", "format", NULL };
static const char *const auto_block_keys[] = { "drops",	      "for",
					       "ttl",	      "ipv4_prefix",
					       "ipv6_prefix", NULL };

static const struct pol_json_node *node_of(const struct pol_ctx *c,
					   const struct jv *v)
{
	return &c->scan.nodes[v->node];
}

static uint32_t off_of(const struct pol_ctx *c, const struct jv *v)
{
	return node_of(c, v)->off;
}

/* "got ..." for messages: the token itself for scalars. */
static void describe(const struct pol_ctx *c, const struct jv *v, char *buf,
		     size_t len)
{
	const struct pol_json_node *n = node_of(c, v);

	switch (n->kind) {
	case POL_JSON_OBJECT:
		snprintf(buf, len, "an object");
		break;
	case POL_JSON_ARRAY:
		snprintf(buf, len, "a list");
		break;
	case POL_JSON_STRING:
		pol_quote(buf, len, v->item->valuestring,
			  strlen(v->item->valuestring), 48);
		break;
	default:
		snprintf(buf, len, "%.*s",
			 n->tok_len > 40 ? 40 : (int)n->tok_len,
			 c->scan.text + n->off);
		break;
	}
}

static int is_kind(const struct pol_ctx *c, const struct jv *v, int kind)
{
	return node_of(c, v)->kind == kind;
}

/* Check the value's JSON type; report "expected WHAT, got ..." if not. */
static int expect_kind(struct pol_ctx *c, const struct jv *v, int kind,
		       const char *what)
{
	char got[128];

	if (is_kind(c, v, kind))
		return 0;
	describe(c, v, got, sizeof(got));
	pol_error(c, off_of(c, v), NULL, "expected %s, got %s", what, got);
	return -EINVAL;
}

static int member_cmp(const void *a, const void *b)
{
	const struct member *x = *(const struct member *const *)a;
	const struct member *y = *(const struct member *const *)b;
	int r = strcmp(x->v.item->string, y->v.item->string);

	if (r)
		return r;
	return x->key_off < y->key_off ? -1 : x->key_off > y->key_off;
}

static void obj_close(struct obj *o)
{
	free(o->m);
	o->m = NULL;
	o->n = 0;
}

static void unknown_key(struct pol_ctx *c, const struct member *m,
			const char *const *known)
{
	const char *key = m->v.item->string, *best = NULL;
	unsigned int d, best_d = 3, i;
	char q[96], list[256];
	size_t used = 0;

	list[0] = '\0';
	for (i = 0; known[i]; i++) {
		/* Past the error cap, spare the hints: a hostile file may
		 * hold a hundred thousand unknown keys. */
		d = c->count < MXG_DIAG_MAX ? pol_edit_distance(key, known[i]) :
					      99;
		if (d < best_d || (d == best_d && best && d <= 2)) {
			if (d < best_d)
				best = known[i];
			best_d = d;
		}
		used += (size_t)snprintf(list + used, sizeof(list) - used,
					 "%s%s", i ? ", " : "", known[i]);
		if (used >= sizeof(list))
			used = sizeof(list) - 1;
	}
	pol_quote(q, sizeof(q), key, strlen(key), 40);
	if (best && best_d <= 2 && strlen(key) > best_d)
		pol_error(c, m->key_off, NULL,
			  "unknown key %s; did you mean \"%s\"?", q, best);
	else
		pol_error(c, m->key_off, NULL,
			  "unknown key %s (expected one of: %s)", q, list);
}

/*
 * The members of an object, in order. Reports every key given twice (at
 * the later key) and, if 'known' is not NULL, every key not in it.
 */
static int obj_open(struct pol_ctx *c, const struct jv *v,
		    const char *const *known, struct obj *o)
{
	const struct pol_json_node *n = node_of(c, v);
	const cJSON *it = v->item->child;
	struct member **sorted;
	uint32_t j;
	size_t i, k;

	o->m = NULL;
	o->n = 0;
	for (j = v->node + 1; j < n->next && it; j = c->scan.nodes[j].next)
		it = it->next, o->n++;
	if (!o->n)
		return 0;
	o->m = calloc(o->n, sizeof(*o->m));
	sorted = calloc(o->n, sizeof(*sorted));
	if (!o->m || !sorted) {
		free(sorted);
		obj_close(o);
		return -ENOMEM;
	}
	it = v->item->child;
	for (i = 0, j = v->node + 1; i < o->n;
	     i++, j = c->scan.nodes[j].next, it = it->next) {
		o->m[i].v.item = it;
		o->m[i].v.node = j;
		o->m[i].key_off = c->scan.nodes[j].key_off;
		sorted[i] = &o->m[i];
	}
	qsort(sorted, o->n, sizeof(*sorted), member_cmp);
	for (i = 1, k = 0; i < o->n; i++) {
		unsigned int line, col;
		size_t saved;
		char q[96];

		if (strcmp(sorted[i]->v.item->string,
			   sorted[k]->v.item->string)) {
			k = i;
			continue;
		}
		sorted[i]->dup = 1;
		pol_json_linecol(&c->scan, sorted[k]->key_off, &line, &col);
		pol_quote(q, sizeof(q), sorted[i]->v.item->string,
			  strlen(sorted[i]->v.item->string), 40);
		saved = pol_path_key(&c->path, sorted[i]->v.item->string);
		pol_error(c, sorted[i]->key_off, NULL,
			  "duplicate key %s (first at %u:%u)", q, line, col);
		pol_path_pop(&c->path, saved);
	}
	free(sorted);
	if (!known)
		return 0;
	for (i = 0; i < o->n; i++) {
		const char *key = o->m[i].v.item->string;
		size_t saved;

		for (k = 0; known[k]; k++)
			if (!strcmp(known[k], key))
				break;
		if (known[k] || o->m[i].dup)
			continue;
		saved = pol_path_key(&c->path, key);
		unknown_key(c, &o->m[i], known);
		pol_path_pop(&c->path, saved);
	}
	return 0;
}

static const struct member *obj_get(const struct obj *o, const char *key)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (!o->m[i].dup && !strcmp(o->m[i].v.item->string, key))
			return &o->m[i];
	return NULL;
}

static void field_mark(struct pol_field *f, const struct pol_ctx *c,
		       const struct member *m)
{
	f->present = 1;
	f->ok = 0;
	f->key_off = m->key_off;
	f->off = off_of(c, &m->v);
}

/* "missing" errors point at the object that lacks the key. */
static void missing(struct pol_ctx *c, uint32_t obj_off, const char *key,
		    const char *msg)
{
	size_t saved = pol_path_key(&c->path, key);

	pol_error(c, obj_off, NULL, "missing: %s", msg);
	pol_path_pop(&c->path, saved);
}

static void enum_list(const struct pol_enum *tab, char *buf, size_t len)
{
	size_t used = 0;
	int i, n = 0;

	while (tab[n].name)
		n++;
	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s\"%s\"",
					 i == 0	    ? "" :
					 i == n - 1 ? " or " :
						      ", ",
					 tab[i].name);
}

/* A string enum through its name table. -1 (reported) if not valid. */
static int parse_enum(struct pol_ctx *c, const struct jv *v,
		      const struct pol_enum *tab)
{
	char list[128], got[128], what[160];
	int val;

	enum_list(tab, list, sizeof(list));
	snprintf(what, sizeof(what), "%s", list);
	if (expect_kind(c, v, POL_JSON_STRING, what))
		return -1;
	val = pol_enum_value(tab, v->item->valuestring);
	if (val < 0) {
		describe(c, v, got, sizeof(got));
		pol_error(c, off_of(c, v), NULL, "expected %s, got %s", list,
			  got);
	}
	return val;
}

/* Is the number token a plain integer (no fraction, no exponent)? */
static int token_uint(const struct pol_ctx *c, const struct jv *v,
		      uint64_t *out, int *negative)
{
	const struct pol_json_node *n = node_of(c, v);
	const char *t = c->scan.text + n->off;
	uint64_t val = 0;
	uint32_t i = 0;

	*negative = 0;
	if (t[0] == '-') {
		*negative = 1;
		i = 1;
	}
	for (; i < n->tok_len; i++) {
		if (t[i] < '0' || t[i] > '9')
			return -EINVAL;
		if (val > (UINT64_MAX - 9) / 10)
			val = UINT64_MAX; /* saturate: out of any range */
		else
			val = val * 10 + (uint64_t)(t[i] - '0');
	}
	*out = val;
	return 0;
}

/* An integer in [min, max]; 'what' names it in messages. */
static int parse_uint(struct pol_ctx *c, const struct jv *v, uint64_t min,
		      uint64_t max, const char *what, uint64_t *out)
{
	char got[128];
	uint64_t val;
	int neg;

	if (!is_kind(c, v, POL_JSON_NUMBER) || token_uint(c, v, &val, &neg)) {
		describe(c, v, got, sizeof(got));
		pol_error(c, off_of(c, v), NULL,
			  "expected an integer %s from %llu to %llu, got %s",
			  what, (unsigned long long)min,
			  (unsigned long long)max, got);
		return -EINVAL;
	}
	if (neg || val < min || val > max) {
		describe(c, v, got, sizeof(got));
		pol_error(c, off_of(c, v), NULL,
			  "%s %s out of range (%llu..%llu)", what, got,
			  (unsigned long long)min, (unsigned long long)max);
		return -EINVAL;
	}
	*out = val;
	return 0;
}

/* The member 'key' of an object as a string enum, if present. */
static void enum_field(struct pol_ctx *c, const struct obj *o, const char *key,
		       const struct pol_enum *tab, struct pol_field *f,
		       uint8_t *out)
{
	const struct member *m = obj_get(o, key);
	size_t saved;
	int val;

	if (!m)
		return;
	saved = pol_path_key(&c->path, key);
	field_mark(f, c, m);
	val = parse_enum(c, &m->v, tab);
	if (val >= 0) {
		*out = (uint8_t)val;
		f->ok = 1;
	}
	pol_path_pop(&c->path, saved);
}

/* The member 'key' of an object as an integer in [min, max], if present. */
static void uint_field(struct pol_ctx *c, const struct obj *o, const char *key,
		       uint64_t min, uint64_t max, struct pol_field *f,
		       uint64_t *out)
{
	const struct member *m = obj_get(o, key);
	size_t saved;

	if (!m)
		return;
	saved = pol_path_key(&c->path, key);
	field_mark(f, c, m);
	if (!parse_uint(c, &m->v, min, max, key, out))
		f->ok = 1;
	pol_path_pop(&c->path, saved);
}

/* A port list: 1..MXG_PORTS_MAX ports of 1..65535, each once. */
static int parse_ports(struct pol_ctx *c, const struct jv *v, uint16_t *ports,
		       uint16_t *n_ports)
{
	const struct pol_json_node *n = node_of(c, v);
	const cJSON *it;
	unsigned int i = 0, k;
	uint32_t j;
	int bad = 0;

	if (expect_kind(c, v, POL_JSON_ARRAY, "a list of ports, e.g. [25]"))
		return -EINVAL;
	*n_ports = 0;
	if (n->next == v->node + 1) {
		pol_error(c, off_of(c, v), NULL,
			  "empty list: give at least one port");
		return -EINVAL;
	}
	for (j = v->node + 1, it = v->item->child; j < n->next && it;
	     j = c->scan.nodes[j].next, it = it->next, i++) {
		struct jv e = { it, j };
		size_t saved = pol_path_index(&c->path, i);
		uint64_t port;

		if (i == MXG_PORTS_MAX) {
			pol_error(c, off_of(c, &e), NULL,
				  "too many ports: at most %u", MXG_PORTS_MAX);
			pol_path_pop(&c->path, saved);
			bad = 1;
			break;
		}
		if (parse_uint(c, &e, 1, 65535, "port", &port)) {
			bad = 1;
		} else {
			for (k = 0; k < *n_ports; k++)
				if (ports[k] == port)
					break;
			if (k < *n_ports) {
				pol_error(c, off_of(c, &e), NULL,
					  "port %llu is listed twice",
					  (unsigned long long)port);
				bad = 1;
			} else {
				ports[(*n_ports)++] = (uint16_t)port;
			}
		}
		pol_path_pop(&c->path, saved);
	}
	return bad ? -EINVAL : 0;
}

/* A set name: letters, digits, '_', '-', '.'; at most 61 bytes. */
static int set_name_ok(const char *s, char *why, size_t why_len)
{
	size_t i, n = strlen(s);

	if (n == 0) {
		snprintf(why, why_len, "set names cannot be empty");
		return 0;
	}
	if (n > POL_SET_NAME_MAX) {
		snprintf(why, why_len, "set name longer than %d bytes",
			 POL_SET_NAME_MAX);
		return 0;
	}
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
		      ch == '.')) {
			snprintf(
				why, why_len,
				"set names use only letters, digits, '_', '-' and '.'");
			return 0;
		}
	}
	return 1;
}

static int parse_cidr_value(struct pol_ctx *c, const struct jv *v,
			    struct pol_prefix_list *list, int in_list)
{
	const char *s = v->item->valuestring;
	char why[200], q[96];
	struct pol_prefix pfx;

	if (s[0] == '@') {
		pol_quote(q, sizeof(q), s, strlen(s), 48);
		pol_error(
			c, off_of(c, v), NULL,
			in_list ?
				"a list holds CIDRs only; to use the set %s, give it alone, not in a list" :
				"sets are lists of CIDRs and cannot include the set %s",
			q);
		return -EINVAL;
	}
	if (pol_cidr_parse(s, strlen(s), &pfx, why, sizeof(why))) {
		pol_quote(q, sizeof(q), s, strlen(s), 48);
		pol_error(c, off_of(c, v), NULL, "bad CIDR %s: %s", q, why);
		return -EINVAL;
	}
	return pol_prefix_list_add(list, &pfx);
}

/* A list of CIDR strings (named sets and inline match lists). */
static int parse_cidr_list(struct pol_ctx *c, const struct jv *v,
			   struct pol_prefix_list *list, size_t *budget,
			   int in_rule, int *bad)
{
	const struct pol_json_node *n = node_of(c, v);
	const cJSON *it;
	unsigned int i = 0;
	uint32_t j;
	int rc;

	for (j = v->node + 1, it = v->item->child; j < n->next && it;
	     j = c->scan.nodes[j].next, it = it->next, i++) {
		struct jv e = { it, j };
		size_t saved = pol_path_index(&c->path, i);

		if (*budget >= MXG_PREFIXES_MAX) {
			pol_error(c, off_of(c, &e), NULL,
				  "more than %u prefixes in all sets",
				  MXG_PREFIXES_MAX);
			pol_path_pop(&c->path, saved);
			*bad = 1;
			return 0;
		}
		if (expect_kind(c, &e, POL_JSON_STRING,
				"a CIDR string, e.g. \"192.0.2.0/24\"")) {
			*bad = 1;
		} else {
			rc = parse_cidr_value(c, &e, list, in_rule);
			if (rc == -ENOMEM)
				return rc;
			if (rc)
				*bad = 1;
			else
				(*budget)++;
		}
		pol_path_pop(&c->path, saved);
	}
	return 0;
}

/* src, dst, protected: "CIDR", ["CIDR", ...] or "@set". */
static int parse_addr(struct pol_ctx *c, const struct member *m,
		      struct pol_addr *a, size_t *budget)
{
	const struct jv *v = &m->v;
	int rc, bad = 0;
	char why[128], got[128], q[96];

	field_mark(&a->f, c, m);
	a->set = -1;
	if (is_kind(c, v, POL_JSON_STRING) && v->item->valuestring[0] == '@') {
		const char *name = v->item->valuestring + 1;

		if (!set_name_ok(name, why, sizeof(why))) {
			pol_quote(q, sizeof(q), v->item->valuestring,
				  strlen(v->item->valuestring), 48);
			pol_error(c, off_of(c, v), NULL,
				  "bad set reference %s: %s", q, why);
			return 0;
		}
		a->kind = POL_ADDR_REF;
		snprintf(a->ref, sizeof(a->ref), "%s", name);
		a->f.ok = 1;
		return 0;
	}
	a->kind = POL_ADDR_LIST;
	if (is_kind(c, v, POL_JSON_STRING)) {
		rc = parse_cidr_value(c, v, &a->list, 1);
		if (rc == -ENOMEM)
			return rc;
		if (!rc)
			(*budget)++;
		a->f.ok = !rc;
		return 0;
	}
	if (!is_kind(c, v, POL_JSON_ARRAY)) {
		describe(c, v, got, sizeof(got));
		pol_error(
			c, off_of(c, v), NULL,
			"expected a CIDR, a list of CIDRs or \"@set\", got %s",
			got);
		return 0;
	}
	if (node_of(c, v)->next == v->node + 1) {
		pol_error(
			c, off_of(c, v), NULL,
			"empty list would match nothing; give at least one CIDR");
		return 0;
	}
	rc = parse_cidr_list(c, v, &a->list, budget, 1, &bad);
	if (rc)
		return rc;
	a->f.ok = !bad;
	return 0;
}

static int parse_set(struct pol_ctx *c, const struct member *m,
		     struct pol_policy *p)
{
	const char *name = m->v.item->string;
	struct pol_set *set;
	char why[128], got[128], q[96];
	struct obj o;
	const struct member *f;
	int rc, bad = 0;

	if (p->n_sets == MXG_NAMED_SETS_MAX) {
		pol_error(c, m->key_off, NULL, "too many sets: at most %u",
			  MXG_NAMED_SETS_MAX);
		return 0;
	}
	set = &p->sets[p->n_sets++];
	set->key_off = m->key_off;
	set->off = off_of(c, &m->v);
	snprintf(set->name, sizeof(set->name), "%s", name);
	if (!set_name_ok(name, why, sizeof(why))) {
		pol_quote(q, sizeof(q), name, strlen(name), 48);
		pol_error(c, m->key_off, NULL, "bad set name %s: %s", q, why);
		bad = 1;
	}
	if (is_kind(c, &m->v, POL_JSON_ARRAY)) {
		rc = parse_cidr_list(c, &m->v, &set->list, &p->n_prefixes_given,
				     0, &bad);
		if (rc)
			return rc;
		set->ok = !bad;
		return 0;
	}
	if (!is_kind(c, &m->v, POL_JSON_OBJECT)) {
		describe(c, &m->v, got, sizeof(got));
		pol_error(
			c, set->off, NULL,
			"expected a list of CIDRs or {\"file\": ..., \"format\": ...}, got %s",
			got);
		return 0;
	}
	set->is_file = 1;
	rc = obj_open(c, &m->v, set_file_keys, &o);
	if (rc)
		return rc;
	f = obj_get(&o, "file");
	if (!f) {
		missing(c, set->off, "file", "the path of the set file");
		bad = 1;
	} else {
		size_t saved = pol_path_key(&c->path, "file");

		field_mark(&set->file_f, c, f);
		if (!expect_kind(c, &f->v, POL_JSON_STRING,
				 "a file path string")) {
			if (!f->v.item->valuestring[0]) {
				pol_error(c, set->file_f.off, NULL,
					  "empty file path");
			} else {
				set->file = strdup(f->v.item->valuestring);
				if (!set->file) {
					obj_close(&o);
					return -ENOMEM;
				}
				set->file_f.ok = 1;
			}
		}
		pol_path_pop(&c->path, saved);
	}
	enum_field(c, &o, "format", format_names, &set->format_f, &set->format);
	if (!set->format_f.present) {
		missing(c, set->off, "format",
			"the set file's format, \"spamhaus-drop\" or \"plain\"");
		bad = 1;
	}
	obj_close(&o);
	set->ok = !bad && set->file_f.ok && set->format_f.ok;
	return 0;
}

static int parse_sets(struct pol_ctx *c, const struct member *m,
		      struct pol_policy *p)
{
	struct obj o;
	size_t i;
	int rc = 0;

	field_mark(&p->sets_f, c, m);
	if (expect_kind(
		    c, &m->v, POL_JSON_OBJECT,
		    "an object of named sets, e.g. {\"partners\": [\"192.0.2.0/24\"]}"))
		return 0;
	rc = obj_open(c, &m->v, NULL, &o);
	if (rc)
		return rc;
	for (i = 0; i < o.n && !rc; i++) {
		size_t saved;

		if (o.m[i].dup)
			continue;
		saved = pol_path_key(&c->path, o.m[i].v.item->string);
		rc = parse_set(c, &o.m[i], p);
		pol_path_pop(&c->path, saved);
	}
	obj_close(&o);
	p->sets_f.ok = 1;
	return rc;
}

/* "N/s", "N/min", "N/h", or a plain positive integer (per second). */
static void parse_rate_value(struct pol_ctx *c, const struct jv *v,
			     struct pol_field *f, uint64_t *count,
			     uint32_t *period_s)
{
	const char *s, *slash;
	char got[128];
	uint64_t n = 0;
	size_t i, nd;
	int unit, neg;

	describe(c, v, got, sizeof(got));
	if (is_kind(c, v, POL_JSON_NUMBER)) {
		if (token_uint(c, v, &n, &neg) || neg || n == 0) {
			pol_error(
				c, off_of(c, v), NULL,
				"expected a positive whole number of connections per second, or \"N/s\", \"N/min\" or \"N/h\", got %s",
				got);
			return;
		}
		*count = n;
		*period_s = 1;
		f->ok = 1;
		return;
	}
	if (!is_kind(c, v, POL_JSON_STRING)) {
		pol_error(c, off_of(c, v), NULL,
			  "expected \"N/s\", \"N/min\" or \"N/h\", got %s",
			  got);
		return;
	}
	s = v->item->valuestring;
	slash = strchr(s, '/');
	nd = slash ? (size_t)(slash - s) : strlen(s);
	for (i = 0; i < nd; i++)
		if (s[i] < '0' || s[i] > '9')
			break;
	unit = slash ? pol_enum_value(rate_units, slash + 1) : -1;
	if (nd == 0 || i < nd || unit < 0) {
		pol_error(c, off_of(c, v), NULL,
			  "expected \"N/s\", \"N/min\" or \"N/h\", got %s",
			  got);
		return;
	}
	for (i = 0; i < nd; i++)
		n = n > (UINT64_MAX - 9) / 10 ? UINT64_MAX :
						n * 10 + (uint64_t)(s[i] - '0');
	if (n == 0) {
		pol_error(c, off_of(c, v), NULL,
			  "rate must be at least 1 per period, got %s", got);
		return;
	}
	*count = n;
	*period_s = (uint32_t)unit;
	f->ok = 1;
}

static void parse_rate(struct pol_ctx *c, const struct jv *v,
		       struct pol_rule *r)
{
	parse_rate_value(c, v, &r->rate_f, &r->rate_count, &r->rate_period_s);
}

/* Duration units: "90", "90s", "2m", "1h", "1d" (as mxgatectl's TTLs). */
static const struct pol_enum duration_units[] = {
	{ "", 1 },     { "s", 1 },     { "m", 60 },
	{ "h", 3600 }, { "d", 86400 }, { NULL, 0 },
};

/* A duration in seconds: a whole number, or a string "N", "Ns", "Nm",
 * "Nh", "Nd"; in [min_s, max_s]. */
static void duration_field(struct pol_ctx *c, const struct obj *o,
			   const char *key, uint32_t min_s, uint32_t max_s,
			   const char *range, struct pol_field *f,
			   uint32_t *out)
{
	const struct member *m = obj_get(o, key);
	uint64_t n = 0, secs;
	char got[128];
	size_t saved, nd;
	int unit = -1, neg;

	if (!m)
		return;
	saved = pol_path_key(&c->path, key);
	field_mark(f, c, m);
	describe(c, &m->v, got, sizeof(got));
	if (is_kind(c, &m->v, POL_JSON_NUMBER)) {
		if (!token_uint(c, &m->v, &n, &neg) && !neg)
			unit = 1;
	} else if (is_kind(c, &m->v, POL_JSON_STRING)) {
		const char *s = m->v.item->valuestring;

		for (nd = 0; s[nd] >= '0' && s[nd] <= '9'; nd++)
			n = n > (UINT64_MAX - 9) / 10 ?
				    UINT64_MAX :
				    n * 10 + (uint64_t)(s[nd] - '0');
		if (nd)
			unit = pol_enum_value(duration_units, s + nd);
	}
	if (unit < 0) {
		pol_error(
			c, f->off, NULL,
			"expected a duration: seconds, or \"Ns\", \"Nm\", \"Nh\" or \"Nd\" (e.g. \"2m\"), got %s",
			got);
		goto out;
	}
	secs = n > UINT64_MAX / 86400 ? UINT64_MAX : n * (uint64_t)unit;
	if (secs < min_s || secs > max_s) {
		pol_error(c, f->off, NULL, "%s %s out of range (%s)", key, got,
			  range);
		goto out;
	}
	*out = (uint32_t)secs;
	f->ok = 1;
out:
	pol_path_pop(&c->path, saved);
}

/* "auto_block": {"drops": RATE, "for": DURATION, "ttl": DURATION,
 * "ipv4_prefix": 8..32, "ipv6_prefix": 16..128} */
static int parse_auto_block(struct pol_ctx *c, const struct member *m,
			    struct pol_auto_block *a)
{
	const struct member *f;
	struct obj o;
	uint64_t val = 0;
	size_t saved;
	int rc;

	field_mark(&a->f, c, m);
	a->ttl_s = 3600;
	a->ipv4_prefix = 32;
	a->ipv6_prefix = 128;
	if (expect_kind(
		    c, &m->v, POL_JSON_OBJECT,
		    "an object, e.g. {\"drops\": \"60/min\", \"for\": \"2m\"}"))
		return 0;
	rc = obj_open(c, &m->v, auto_block_keys, &o);
	if (rc)
		return rc;
	a->f.ok = 1;
	f = obj_get(&o, "drops");
	if (f) {
		saved = pol_path_key(&c->path, "drops");
		field_mark(&a->drops_f, c, f);
		parse_rate_value(c, &f->v, &a->drops_f, &a->drops_count,
				 &a->drops_period_s);
		pol_path_pop(&c->path, saved);
	} else {
		missing(c, a->f.off, "drops",
			"the drop rate that makes an offender, e.g. \"60/min\"");
	}
	duration_field(c, &o, "for", 1, POL_AUTO_FOR_MAX, "1s..1d", &a->for_f,
		       &a->for_s);
	if (!a->for_f.present)
		missing(c, a->f.off, "for",
			"how long the drops must last, e.g. \"2m\"");
	duration_field(c, &o, "ttl", 1, POL_AUTO_TTL_MAX, "1s..30d", &a->ttl_f,
		       &a->ttl_s);
	uint_field(c, &o, "ipv4_prefix", 8, 32, &a->ipv4_prefix_f, &val);
	if (a->ipv4_prefix_f.ok)
		a->ipv4_prefix = (uint8_t)val;
	uint_field(c, &o, "ipv6_prefix", 16, 128, &a->ipv6_prefix_f, &val);
	if (a->ipv6_prefix_f.ok)
		a->ipv6_prefix = (uint8_t)val;
	obj_close(&o);
	return 0;
}

static int parse_limit(struct pol_ctx *c, const struct member *m,
		       struct pol_rule *r)
{
	const struct member *f;
	struct obj o;
	uint64_t val = 0;
	size_t saved;
	int rc;

	field_mark(&r->limit_f, c, m);
	if (expect_kind(c, &m->v, POL_JSON_OBJECT,
			"an object, e.g. {\"rate\": \"20/min\", \"burst\": 10}"))
		return 0;
	rc = obj_open(c, &m->v, limit_keys, &o);
	if (rc)
		return rc;
	r->limit_f.ok = 1;
	f = obj_get(&o, "rate");
	if (f) {
		saved = pol_path_key(&c->path, "rate");
		field_mark(&r->rate_f, c, f);
		parse_rate(c, &f->v, r);
		pol_path_pop(&c->path, saved);
	} else {
		missing(c, r->limit_f.off, "rate",
			"a limit needs a rate, e.g. \"20/min\"");
	}
	uint_field(c, &o, "burst", 1, MXG_BUCKET_BURST_MAX, &r->burst_f, &val);
	if (r->burst_f.ok)
		r->burst = (uint32_t)val;
	else if (!r->burst_f.present)
		missing(c, r->limit_f.off, "burst",
			"a limit needs a burst (the bucket size), e.g. 10");
	enum_field(c, &o, "per", per_names, &r->per_f, &r->per);
	uint_field(c, &o, "ipv4_prefix", 0, 32, &r->ipv4_prefix_f, &val);
	if (r->ipv4_prefix_f.ok)
		r->ipv4_prefix = (uint8_t)val;
	uint_field(c, &o, "ipv6_prefix", 0, 128, &r->ipv6_prefix_f, &val);
	if (r->ipv6_prefix_f.ok)
		r->ipv6_prefix = (uint8_t)val;
	obj_close(&o);
	return 0;
}

static int parse_rule_name(struct pol_ctx *c, const struct member *m,
			   struct pol_rule *r)
{
	const char *s;
	size_t i, n;

	field_mark(&r->name_f, c, m);
	if (expect_kind(c, &m->v, POL_JSON_STRING, "a rule name string"))
		return 0;
	s = m->v.item->valuestring;
	n = strlen(s);
	if (n == 0 || n >= MXG_NAME_MAX) {
		pol_error(c, r->name_f.off, NULL,
			  "rule names are 1 to %d bytes long, this one is %zu",
			  MXG_NAME_MAX - 1, n);
		return 0;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch == 0x7f) {
			pol_error(c, r->name_f.off, NULL,
				  "control character 0x%02x in a rule name",
				  ch);
			return 0;
		}
	}
	memcpy(r->name, s, n + 1);
	r->name_f.ok = 1;
	return 0;
}

static int parse_rule(struct pol_ctx *c, const struct jv *v, struct pol_rule *r,
		      struct pol_policy *p)
{
	const struct member *f;
	struct obj o;
	size_t saved;
	int rc;

	r->off = off_of(c, v);
	r->src.set = r->dst.set = -1;
	if (expect_kind(c, v, POL_JSON_OBJECT, "a rule object"))
		return 0;
	r->is_object = 1;
	rc = obj_open(c, v, rule_keys, &o);
	if (rc)
		return rc;
	f = obj_get(&o, "name");
	if (f) {
		saved = pol_path_key(&c->path, "name");
		rc = parse_rule_name(c, f, r);
		pol_path_pop(&c->path, saved);
	} else {
		missing(c, r->off, "name",
			"every rule needs a unique \"name\"");
	}
	f = obj_get(&o, "src");
	if (f && !rc) {
		saved = pol_path_key(&c->path, "src");
		rc = parse_addr(c, f, &r->src, &p->n_prefixes_given);
		pol_path_pop(&c->path, saved);
	}
	f = obj_get(&o, "dst");
	if (f && !rc) {
		saved = pol_path_key(&c->path, "dst");
		rc = parse_addr(c, f, &r->dst, &p->n_prefixes_given);
		pol_path_pop(&c->path, saved);
	}
	f = obj_get(&o, "dst_port");
	if (f) {
		saved = pol_path_key(&c->path, "dst_port");
		field_mark(&r->ports_f, c, f);
		r->ports_f.ok = !parse_ports(c, &f->v, r->ports, &r->n_ports);
		pol_path_pop(&c->path, saved);
	}
	enum_field(c, &o, "family", family_names, &r->family_f, &r->family);
	enum_field(c, &o, "action", action_names, &r->action_f, &r->action);
	f = obj_get(&o, "limit");
	if (f && !rc) {
		saved = pol_path_key(&c->path, "limit");
		rc = parse_limit(c, f, r);
		pol_path_pop(&c->path, saved);
	}
	enum_field(c, &o, "over", over_names, &r->over_f, &r->over);
	obj_close(&o);
	return rc;
}

static int parse_rules(struct pol_ctx *c, const struct member *m,
		       struct pol_policy *p)
{
	const struct pol_json_node *n;
	const cJSON *it;
	unsigned int i = 0;
	uint32_t j;
	int rc = 0;

	field_mark(&p->rules_f, c, m);
	if (expect_kind(c, &m->v, POL_JSON_ARRAY, "a list of rules"))
		return 0;
	p->rules_f.ok = 1;
	n = node_of(c, &m->v);
	if (n->next == m->v.node + 1) {
		pol_error(c, p->rules_f.off, NULL,
			  "empty list: a policy needs at least one rule");
		return 0;
	}
	for (j = m->v.node + 1, it = m->v.item->child; j < n->next && it && !rc;
	     j = c->scan.nodes[j].next, it = it->next, i++) {
		struct jv e = { it, j };
		size_t saved = pol_path_index(&c->path, i);

		if (i == MXG_RULES_MAX) {
			pol_error(c, off_of(c, &e), NULL,
				  "too many rules: at most %u", MXG_RULES_MAX);
			pol_path_pop(&c->path, saved);
			break;
		}
		rc = parse_rule(c, &e, &p->rules[i], p);
		p->n_rules = i + 1;
		pol_path_pop(&c->path, saved);
	}
	return rc;
}

void pol_policy_init(struct pol_policy *p)
{
	unsigned int i;

	memset(p, 0, sizeof(*p));
	p->protected_a.set = -1;
	for (i = 0; i < MXG_RULES_MAX; i++)
		p->rules[i].src.set = p->rules[i].dst.set = -1;
}

void pol_policy_free(struct pol_policy *p)
{
	unsigned int i;

	pol_prefix_list_free(&p->protected_a.list);
	for (i = 0; i < p->n_sets; i++) {
		pol_prefix_list_free(&p->sets[i].list);
		free(p->sets[i].file);
		p->sets[i].file = NULL;
	}
	for (i = 0; i < p->n_rules; i++) {
		pol_prefix_list_free(&p->rules[i].src.list);
		pol_prefix_list_free(&p->rules[i].dst.list);
	}
}

int pol_parse(struct pol_ctx *c, const cJSON *root, struct pol_policy *p)
{
	struct jv v = { root, 0 };
	const struct member *f;
	struct obj o;
	uint64_t val;
	size_t saved;
	int rc = 0, e;

	p->root_off = off_of(c, &v);
	c->path.len = 0;
	c->path.s[0] = '\0';
	if (expect_kind(c, &v, POL_JSON_OBJECT,
			"a JSON object {\"version\": 1, ...}"))
		return 0;
	p->root_ok = 1;
	rc = obj_open(c, &v, top_keys, &o);
	if (rc)
		return rc;
	f = obj_get(&o, "version");
	if (f) {
		saved = pol_path_key(&c->path, "version");
		field_mark(&p->version_f, c, f);
		if (!is_kind(c, &f->v, POL_JSON_NUMBER) ||
		    token_uint(c, &f->v, &val, &e)) {
			char got[128];

			describe(c, &f->v, got, sizeof(got));
			pol_error(c, p->version_f.off, NULL,
				  "expected the integer 1, got %s", got);
		} else if (e || val != 1) {
			char got[128];

			describe(c, &f->v, got, sizeof(got));
			pol_error(
				c, p->version_f.off, NULL,
				"unsupported policy version %s (this mxgate reads version 1)",
				got);
		} else {
			p->version_f.ok = 1;
		}
		pol_path_pop(&c->path, saved);
	} else {
		missing(c, p->root_off, "version",
			"add \"version\": 1 (the policy format version)");
	}
	p->mode = MXG_MODE_ENFORCE;
	enum_field(c, &o, "mode", mode_names, &p->mode_f, &p->mode);
	p->parser_limit = MXG_PARSER_LIMIT_DROP;
	enum_field(c, &o, "parser_limit", parser_limit_names,
		   &p->parser_limit_f, &p->parser_limit);
	f = obj_get(&o, "smtp_ports");
	if (f) {
		saved = pol_path_key(&c->path, "smtp_ports");
		field_mark(&p->smtp_ports_f, c, f);
		p->smtp_ports_f.ok =
			!parse_ports(c, &f->v, p->smtp_ports, &p->n_smtp_ports);
		pol_path_pop(&c->path, saved);
	} else {
		p->smtp_ports[0] = 25;
		p->smtp_ports[1] = 465;
		p->smtp_ports[2] = 587;
		p->n_smtp_ports = 3;
	}
	p->ecmp_share = 1;
	uint_field(c, &o, "ecmp_share", 1, MXG_ECMP_SHARE_MAX, &p->ecmp_share_f,
		   &val);
	if (p->ecmp_share_f.ok)
		p->ecmp_share = (uint32_t)val;
	f = obj_get(&o, "auto_block");
	if (f) {
		saved = pol_path_key(&c->path, "auto_block");
		rc = parse_auto_block(c, f, &p->auto_block);
		pol_path_pop(&c->path, saved);
	}
	f = obj_get(&o, "sets");
	if (f) {
		saved = pol_path_key(&c->path, "sets");
		rc = parse_sets(c, f, p);
		pol_path_pop(&c->path, saved);
	}
	f = obj_get(&o, "protected");
	if (f && !rc) {
		saved = pol_path_key(&c->path, "protected");
		rc = parse_addr(c, f, &p->protected_a, &p->n_prefixes_given);
		pol_path_pop(&c->path, saved);
	}
	f = obj_get(&o, "rules");
	if (f && !rc) {
		saved = pol_path_key(&c->path, "rules");
		rc = parse_rules(c, f, p);
		pol_path_pop(&c->path, saved);
	} else if (!f) {
		missing(c, p->root_off, "rules",
			"a policy needs a \"rules\" list");
	}
	obj_close(&o);
	return rc;
}
