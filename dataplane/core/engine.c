// SPDX-License-Identifier: BSD-3-Clause
#include "engine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mxgate/decide.h"
#include "policy_image.h"

/* mxg_counters_add() sums the counters as one array of uint64_t. */
_Static_assert(sizeof(struct mxg_counters) ==
		       sizeof(struct mxg_totals) +
			       MXG_RULES_MAX * sizeof(struct mxg_rule_counters),
	       "mxg_counters has no padding");

/* The environment mxg_decide_rules() takes tokens through. */
struct engine_env {
	const struct mxg_engine *engine;
	struct mxg_src_table *table;
	struct mxg_src_table_stats *stats;
	const struct mxg_engine_ahead *ahead; /* may be NULL */
	uint32_t next;			      /* ahead->ref[next] is next */
};

MXG_INLINE int mxg_decide_take(void *env, const struct mxg_rule *r,
			       const struct mxg_src_key *key, uint64_t now_ns)
{
	struct engine_env *ev = env;
	const struct mxg_engine_ahead *a = ev->ahead;

	/* Rules are taken in the order engine_locate() found them. */
	if (a && ev->next < a->n && &ev->engine->rules[a->rule[ev->next]] == r)
		return mxg_src_table_take_ref(ev->table, &a->ref[ev->next++],
					      now_ns, &r->bucket, ev->stats);
	return mxg_src_table_take(ev->table, key, now_ns, &r->bucket,
				  ev->stats);
}

static uint32_t id_slot(uint32_t key_id)
{
	/* key ids are FNV hashes already; mix once more for the index */
	return (key_id * 2654435761u) >> 24;
}

static int index_rules(struct mxg_engine *e)
{
	uint32_t i;

	for (i = 0; i < e->n_rules; i++) {
		uint32_t id = e->rules[i].key_id, s = id_slot(id), n;

		for (n = 0; n < MXG_ENGINE_ID_SLOTS; n++) {
			uint32_t k = (s + n) % MXG_ENGINE_ID_SLOTS;

			if (!e->id_rule[k]) {
				e->id_keys[k] = id;
				e->id_rule[k] = (uint8_t)(i + 1);
				break;
			}
			if (e->id_keys[k] == id)
				return -EINVAL; /* two rules, one bucket id */
		}
	}
	return 0;
}

int mxg_engine_create(struct mxg_engine **out, const void *image, size_t len,
		      unsigned int flags, const char **why)
{
	struct mxg_engine *e;
	const char *reason = NULL;
	int err;

	*out = NULL;
	err = mxg_policy_image_check(image, len, &reason);
	if (err) {
		if (why)
			*why = reason ? reason : "invalid policy image";
		return err;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->image = malloc(len);
	if (!e->image) {
		err = -ENOMEM;
		goto free_engine;
	}
	memcpy(e->image, image, len);
	e->image_len = len;
	e->rules = mxg_policy_rules(e->image);
	e->classes = mxg_policy_classes(e->image);
	e->n_rules = e->image->n_rules;
	e->n_classes = e->image->n_classes;
	err = index_rules(e);
	if (err) {
		if (why)
			*why = "two rules share a bucket id";
		goto free_image;
	}
	if (flags & MXG_ENGINE_PORTABLE_LPM) {
		err = mxg_lpm_build(&e->lpm, mxg_policy_v4(e->image),
				    e->image->n_v4, mxg_policy_v6(e->image),
				    e->image->n_v6);
		if (err) {
			if (why)
				*why = "cannot build the prefix classifier";
			goto free_image;
		}
	}
	*out = e;
	return 0;

free_image:
	free(e->image);
free_engine:
	free(e);
	return err;
}

void mxg_engine_destroy(struct mxg_engine *e)
{
	if (!e)
		return;
	mxg_lpm_free(e->lpm);
	free(e->image);
	free(e);
}

int mxg_engine_rule_of(const struct mxg_engine *e, uint32_t key_id)
{
	uint32_t s, n;

	key_id &= ~MXG_KEY_ID_IPV6; /* a bucket key's family bit */
	s = id_slot(key_id);

	for (n = 0; n < MXG_ENGINE_ID_SLOTS; n++) {
		uint32_t k = (s + n) % MXG_ENGINE_ID_SLOTS;

		if (!e->id_rule[k])
			return -1;
		if (e->id_keys[k] == key_id)
			return e->id_rule[k] - 1;
	}
	return -1;
}

static const struct mxg_setmask *class_mask(const struct mxg_engine *e,
					    uint32_t class_id)
{
	/* Class ids come from a validated image or its classifier. */
	return &e->classes[class_id < e->n_classes ? class_id : 0];
}

void mxg_engine_decide(const struct mxg_engine *e, struct mxg_src_table *t,
		       struct mxg_counters *c, struct mxg_src_table_stats *ts,
		       const struct mxg_pkt *p, uint32_t src_class,
		       uint32_t dst_class, uint64_t now_ns,
		       struct mxg_decision *d)
{
	mxg_engine_decide_ahead(e, t, c, ts, p, src_class, dst_class, now_ns,
				NULL, d);
}

void mxg_engine_decide_ahead(const struct mxg_engine *e,
			     struct mxg_src_table *t, struct mxg_counters *c,
			     struct mxg_src_table_stats *ts,
			     const struct mxg_pkt *p, uint32_t src_class,
			     uint32_t dst_class, uint64_t now_ns,
			     const struct mxg_engine_ahead *a,
			     struct mxg_decision *d)
{
	const struct mxg_setmask *dst = class_mask(e, dst_class);
	struct engine_env env = {
		.engine = e, .table = t, .stats = ts, .ahead = a
	};
	int verdict;

	if (mxg_pkt_is_parser_limit(p)) {
		d->verdict = (uint8_t)mxg_decide_parser_limit(
			e->image->parser_limit, e->image->mode,
			mxg_dst_is_protected(e->image->has_protected, dst));
		d->unparsed = MXG_UNPARSED_LIMIT;
		d->attempt = 0;
		d->rule = -1;
		mxg_totals_account(&c->totals, MXG_UNPARSED_LIMIT, d->verdict);
		return;
	}
	if (!mxg_dst_is_protected(e->image->has_protected, dst)) {
		mxg_engine_forward(c, p, d);
		return;
	}
	d->unparsed = 0;
	d->attempt = 1;
	verdict = mxg_decide_rules(&env, e->rules, e->n_rules, e->image->mode,
				   p, class_mask(e, src_class), dst, now_ns,
				   c->rules, &d->rule);
	d->verdict = (uint8_t)mxg_decide_reset_guard(p, verdict, d->rule, c);
	mxg_totals_account(&c->totals, 0, d->verdict);
}

/* Step 0: the limit rules reached; the first key located. */
static void engine_locate(const struct mxg_engine *e,
			  const struct mxg_src_table *t,
			  const struct mxg_pkt *p, uint32_t src_class,
			  uint32_t dst_class, struct mxg_engine_ahead *a)
{
	const struct mxg_setmask *src = class_mask(e, src_class);
	const struct mxg_setmask *dst = class_mask(e, dst_class);
	struct mxg_src_key key;
	uint32_t i;

	a->n = 0;
	a->want = 0;
	if (!mxg_dst_is_protected(e->image->has_protected, dst) ||
	    mxg_pkt_is_parser_limit(p))
		return;
	for (i = 0; i < e->n_rules && a->want < MXG_ENGINE_AHEAD_KEYS; i++) {
		const struct mxg_rule *r = &e->rules[i];

		if (!mxg_rule_matches(r, p, src, dst))
			continue;
		if (r->action != MXG_ACTION_LIMIT)
			break;
		a->rule[a->want++] = (uint8_t)i;
	}
	if (a->want == 0)
		return;
	mxg_rule_key(&e->rules[a->rule[0]], p, &key);
	mxg_src_table_locate(t, &key, &a->ref[0]);
	a->n = 1;
}

/* Step 1: the first key over its limit decides; else locate the rest. */
static void engine_locate_rest(const struct mxg_engine *e,
			       const struct mxg_src_table *t,
			       const struct mxg_pkt *p, uint64_t now_ns,
			       struct mxg_engine_ahead *a)
{
	struct mxg_src_key key;
	uint32_t i;

	if (a->n == 0)
		return;
	if (mxg_src_table_hint(t, &a->ref[0], now_ns,
			       &e->rules[a->rule[0]].bucket) ==
	    MXG_ST_HINT_OVER) {
		a->want = 1; /* its rule decides */
		return;
	}
	for (i = 1; i < a->want; i++) {
		mxg_rule_key(&e->rules[a->rule[i]], p, &key);
		mxg_src_table_locate(t, &key, &a->ref[i]);
	}
	a->n = a->want;
}

/* Step 2: the other keys' second lines, where their takes need them. */
static void engine_prefetch_second(const struct mxg_engine *e,
				   const struct mxg_src_table *t,
				   uint64_t now_ns,
				   const struct mxg_engine_ahead *a)
{
	uint32_t i;

	for (i = 1; i < a->n; i++)
		(void)mxg_src_table_hint(t, &a->ref[i], now_ns,
					 &e->rules[a->rule[i]].bucket);
}

void mxg_engine_ahead_step(const struct mxg_engine *e,
			   const struct mxg_src_table *t, uint32_t step,
			   const struct mxg_pkt *p, uint32_t src_class,
			   uint32_t dst_class, uint64_t now_ns,
			   struct mxg_engine_ahead *a)
{
	if (step == 0)
		engine_locate(e, t, p, src_class, dst_class, a);
	else if (step == 1)
		engine_locate_rest(e, t, p, now_ns, a);
	else
		engine_prefetch_second(e, t, now_ns, a);
}

void mxg_engine_forward(struct mxg_counters *c, const struct mxg_pkt *p,
			struct mxg_decision *d)
{
	d->verdict = MXG_VERDICT_FORWARD;
	d->unparsed = (uint8_t)mxg_pkt_unparsed_kind(p);
	d->attempt = 0;
	d->rule = -1;
	mxg_totals_account(&c->totals, d->unparsed, MXG_VERDICT_FORWARD);
}

uint32_t mxg_engine_class_of(const struct mxg_engine *e, uint8_t family,
			     const uint8_t addr[16])
{
	if (!e->lpm)
		return 0;
	if (family == MXG_AF_INET)
		return mxg_lpm_lookup4(e->lpm, (uint32_t)addr[0] << 24 |
						       (uint32_t)addr[1] << 16 |
						       (uint32_t)addr[2] << 8 |
						       addr[3]);
	return mxg_lpm_lookup6(e->lpm, addr);
}

void mxg_engine_process(const struct mxg_engine *e, struct mxg_src_table *t,
			struct mxg_counters *c, struct mxg_src_table_stats *ts,
			const struct mxg_pkt *p, uint64_t now_ns,
			struct mxg_decision *d)
{
	if (!mxg_engine_is_candidate(e, p)) {
		mxg_engine_forward(c, p, d);
		return;
	}
	mxg_engine_decide(e, t, c, ts, p,
			  mxg_engine_class_of(e, p->family, p->src),
			  mxg_engine_class_of(e, p->family, p->dst), now_ns, d);
}

void mxg_counters_add(struct mxg_counters *dst, const struct mxg_counters *src)
{
	const uint64_t *s = (const uint64_t *)src;
	uint64_t *o = (uint64_t *)dst;
	size_t i;

	/* Both structs are arrays of uint64_t counters. */
	for (i = 0; i < sizeof(*src) / sizeof(uint64_t); i++)
		o[i] += s[i];
}

const char *mxg_verdict_name(int verdict)
{
	static const char *const names[MXG_VERDICT_MAX] = {
		[MXG_VERDICT_FORWARD] = "forward",
		[MXG_VERDICT_PASS] = "pass",
		[MXG_VERDICT_DROP] = "drop",
		[MXG_VERDICT_RESET] = "reset",
		[MXG_VERDICT_WOULD_DROP] = "would_drop",
	};

	if (verdict < 0 || verdict >= MXG_VERDICT_MAX)
		return "invalid";
	return names[verdict];
}
