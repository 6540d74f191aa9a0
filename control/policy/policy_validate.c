// SPDX-License-Identifier: BSD-3-Clause
/*
 * validate(): the checks that need more than one field. Set references,
 * unique rule names, what a rule's action allows with it (limit, over,
 * key prefixes), the bucket range of rate and burst together, rules that
 * can never match (after a catch-all allow/deny, or by family), and the
 * defaults of DESIGN §3 filled in where the operator left a field out.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy_cidr.h"
#include "policy_diag.h"
#include "policy_names.h"
#include "policy_parse.h"
#include "policy_path.h"
#include "policy_scan.h"
#include "policy_validate.h"

static const char *action_word(uint8_t action)
{
	return action == MXG_ACTION_ALLOW ? "allow" :
	       action == MXG_ACTION_DENY  ? "deny" :
					    "limit";
}

static void rule_path(char *buf, size_t len, unsigned int i, const char *field)
{
	if (field)
		snprintf(buf, len, "rules[%u].%s", i, field);
	else
		snprintf(buf, len, "rules[%u]", i);
}

/* "@name" for a message: as is, or quoted and escaped when the name (a
 * bad one, already reported) holds quotes or control characters. */
static void set_ref_text(char *out, size_t len, const char *name)
{
	char at[MXG_NAME_MAX + 1];
	size_t i;

	snprintf(at, sizeof(at), "@%s", name);
	for (i = 0; at[i]; i++)
		if ((unsigned char)at[i] < 0x20 || at[i] == 0x7f ||
		    at[i] == '"' || at[i] == '\\')
			break;
	if (at[i])
		pol_quote(out, len, at, strlen(at), 48);
	else
		snprintf(out, len, "%s", at);
}

static void resolve(struct pol_ctx *c, struct pol_policy *p, struct pol_addr *a,
		    const char *path)
{
	const char *best = NULL;
	unsigned int i, d, best_d = 3;
	char q[96], qb[96], list[200], at[MXG_NAME_MAX + 1];
	size_t used = 0;

	if (!a->f.ok || a->kind != POL_ADDR_REF)
		return;
	for (i = 0; i < p->n_sets; i++) {
		if (!strcmp(p->sets[i].name, a->ref)) {
			a->set = (int)i;
			return;
		}
	}
	a->f.ok = 0;
	snprintf(at, sizeof(at), "@%s", a->ref);
	pol_quote(q, sizeof(q), at, strlen(at), 48);
	for (i = 0; i < p->n_sets; i++) {
		d = pol_edit_distance(a->ref, p->sets[i].name);
		if (d < best_d) {
			best_d = d;
			best = p->sets[i].name;
		}
	}
	if (best && strlen(a->ref) > best_d) {
		snprintf(at, sizeof(at), "@%s", best);
		pol_quote(qb, sizeof(qb), at, strlen(at), 48);
		pol_error(c, a->f.off, path,
			  "undefined set %s; did you mean %s?", q, qb);
		return;
	}
	list[0] = '\0';
	for (i = 0; i < p->n_sets && used < sizeof(list); i++) {
		set_ref_text(qb, sizeof(qb), p->sets[i].name);
		used += (size_t)snprintf(list + used, sizeof(list) - used,
					 "%s%s", i ? ", " : "", qb);
	}
	if (p->n_sets)
		pol_error(c, a->f.off, path,
			  "undefined set %s (defined sets: %s)", q, list);
	else
		pol_error(c, a->f.off, path,
			  "undefined set %s (the policy has no \"sets\")", q);
}

/* The prefixes a src/dst stands for, once resolved; NULL if unknown. */
static const struct pol_prefix_list *addr_list(const struct pol_policy *p,
					       const struct pol_addr *a)
{
	if (!a->f.ok)
		return NULL;
	if (a->kind == POL_ADDR_LIST)
		return &a->list;
	if (a->set < 0 || !p->sets[a->set].ok)
		return NULL;
	return &p->sets[a->set].list;
}

/* A family-restricted rule whose src or dst has no prefix of that family
 * can never match; nor can one whose src and dst are of one family each. */
static void check_families(struct pol_ctx *c, const struct pol_policy *p,
			   const struct pol_rule *r, unsigned int i)
{
	const struct pol_prefix_list *src = addr_list(p, &r->src);
	const struct pol_prefix_list *dst = addr_list(p, &r->dst);
	const struct pol_prefix_list *l[2] = { src, dst };
	const char *field[2] = { "src", "dst" };
	char path[64];
	unsigned int k;

	if (r->family_f.ok) {
		for (k = 0; k < 2; k++) {
			size_t n;

			if (!l[k] || !l[k]->n)
				continue;
			n = r->family == MXG_FAMILY_IPV4 ? l[k]->n4 : l[k]->n6;
			if (n)
				continue;
			rule_path(path, sizeof(path), i, "family");
			pol_error(
				c, r->family_f.off, path,
				"family \"ipv%u\" but %s has no IPv%u prefix: the rule can never match",
				r->family, field[k], r->family);
		}
		return;
	}
	if (src && dst && src->n && dst->n &&
	    ((!src->n6 && !dst->n4) || (!src->n4 && !dst->n6))) {
		rule_path(path, sizeof(path), i, "dst");
		pol_error(
			c, r->dst.f.off, path,
			"src has only IPv%c prefixes and dst only IPv%c: the rule can never match",
			src->n4 ? '4' : '6', dst->n4 ? '4' : '6');
	}
}

/* action / limit / over / key prefixes; fills in the defaults. */
static void check_action(struct pol_ctx *c, struct pol_rule *r, unsigned int i)
{
	struct mxg_bucket_params bp;
	char path[64];

	if (!r->action_f.present) {
		if (r->limit_f.present) {
			r->action = MXG_ACTION_LIMIT;
			r->action_f.ok = 1;
		} else {
			rule_path(path, sizeof(path), i, NULL);
			pol_error(
				c, r->off, path,
				"a rule needs an \"action\" (allow, deny, limit) or a \"limit\"");
			return;
		}
	}
	if (!r->action_f.ok)
		return;
	if (r->action != MXG_ACTION_LIMIT) {
		if (r->limit_f.present) {
			rule_path(path, sizeof(path), i, "limit");
			pol_error(
				c, r->limit_f.key_off, path,
				"action \"%s\" takes no limit (remove \"limit\", or use action \"limit\")",
				action_word(r->action));
		}
		if (r->over_f.present) {
			rule_path(path, sizeof(path), i, "over");
			pol_error(
				c, r->over_f.key_off, path,
				"\"over\" belongs to limit rules; action \"%s\" takes none",
				action_word(r->action));
		}
		return;
	}
	if (!r->limit_f.present) {
		rule_path(path, sizeof(path), i, "action");
		pol_error(
			c, r->action_f.off, path,
			"action \"limit\" needs a \"limit\" object, e.g. {\"rate\": \"20/min\", \"burst\": 10}");
		return;
	}
	if (!r->per_f.present) {
		r->per = MXG_KEY_HOST;
		r->per_f.ok = 1;
	}
	if (!r->over_f.present)
		r->over = MXG_OVER_DROP;
	if (r->per_f.ok && r->per == MXG_KEY_GLOBAL) {
		if (r->ipv4_prefix_f.present) {
			rule_path(path, sizeof(path), i, "limit.ipv4_prefix");
			pol_error(
				c, r->ipv4_prefix_f.key_off, path,
				"ipv4_prefix does not apply to per \"global\" (one bucket for the whole rule)");
		}
		if (r->ipv6_prefix_f.present) {
			rule_path(path, sizeof(path), i, "limit.ipv6_prefix");
			pol_error(
				c, r->ipv6_prefix_f.key_off, path,
				"ipv6_prefix does not apply to per \"global\" (one bucket for the whole rule)");
		}
		r->ipv4_prefix = r->ipv6_prefix = 0;
	} else if (r->per_f.ok) {
		uint8_t d4 = 32, d6 = 64;

		if (r->per == MXG_KEY_PREFIX) {
			d4 = 24;
			d6 = 48;
		} else if (r->per == MXG_KEY_DST) {
			d6 = 128;
		}
		if (!r->ipv4_prefix_f.present)
			r->ipv4_prefix = d4;
		if (!r->ipv6_prefix_f.present)
			r->ipv6_prefix = d6;
	}
	if (r->rate_f.ok && r->rate_count > UINT32_MAX) {
		/* The image holds the count as written in 32 bits. */
		rule_path(path, sizeof(path), i, "limit.rate");
		pol_error(
			c, r->rate_f.off, path,
			"rate count %llu is too large; write the rate with a shorter unit",
			(unsigned long long)r->rate_count);
		r->rate_f.ok = 0;
	}
	if (r->rate_f.ok && r->burst_f.ok &&
	    mxg_bucket_params_init(&bp, r->rate_count, r->rate_period_s,
				   r->burst)) {
		rule_path(path, sizeof(path), i, "limit.rate");
		pol_error(
			c, r->rate_f.off, path,
			"rate %llu per %s with burst %u is out of range (rates from 1/h to 1000000000/s)",
			(unsigned long long)r->rate_count,
			r->rate_period_s == 1  ? "second" :
			r->rate_period_s == 60 ? "minute" :
						 "hour",
			r->burst);
		r->rate_f.ok = 0;
	}
}

static int has_match_fields(const struct pol_rule *r)
{
	return r->src.f.present || r->dst.f.present || r->ports_f.present ||
	       r->family_f.present;
}

int pol_validate(struct pol_ctx *c, struct pol_policy *p)
{
	int catch_all = -1;
	unsigned int i, j, line, col;
	char path[64], q[96];

	if (!p->root_ok)
		return 0;
	resolve(c, p, &p->protected_a, "protected");
	for (i = 0; i < p->n_rules; i++) {
		struct pol_rule *r = &p->rules[i];

		if (!r->is_object)
			continue;
		rule_path(path, sizeof(path), i, "src");
		resolve(c, p, &r->src, path);
		rule_path(path, sizeof(path), i, "dst");
		resolve(c, p, &r->dst, path);
		if (r->name_f.ok) {
			for (j = 0; j < i; j++) {
				if (!p->rules[j].name_f.ok ||
				    strcmp(p->rules[j].name, r->name))
					continue;
				pol_json_linecol(&c->scan,
						 p->rules[j].name_f.off, &line,
						 &col);
				pol_quote(q, sizeof(q), r->name,
					  strlen(r->name), 64);
				rule_path(path, sizeof(path), i, "name");
				pol_error(
					c, r->name_f.off, path,
					"duplicate rule name %s (first at rules[%u], %u:%u)",
					q, j, line, col);
				break;
			}
		}
		check_action(c, r, i);
		check_families(c, p, r, i);
		if (catch_all >= 0) {
			const struct pol_rule *t = &p->rules[catch_all];

			pol_quote(q, sizeof(q), t->name, strlen(t->name), 64);
			rule_path(path, sizeof(path), i, NULL);
			pol_error(
				c, r->off, path,
				"unreachable: rules[%d] %s %s every connection attempt before this rule (it has no src, dst, dst_port or family)",
				catch_all, t->name_f.ok ? q : "(unnamed)",
				t->action == MXG_ACTION_ALLOW ? "allows" :
								"denies");
		} else if (r->action_f.ok && r->action != MXG_ACTION_LIMIT &&
			   !has_match_fields(r)) {
			catch_all = (int)i;
		}
	}
	return c->oom ? -ENOMEM : 0;
}
