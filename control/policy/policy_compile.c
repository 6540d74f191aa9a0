// SPDX-License-Identifier: BSD-3-Clause
/*
 * The last stage, typed policy -> compiled image (include/mxgate/policy.h),
 * and the public API that runs the stages.
 *
 * Set bits: "protected" is bit 0 when the policy has one, then the named
 * sets in the order they are defined, then each rule's inline src and dst
 * lists ("rules[3].src"), in rule order.
 *
 * Prefixes: every (prefix, set bit) pair of every set is sorted by
 * (address, length); equal prefixes merge into one with the OR of their
 * bits. In that order a prefix comes after every prefix covering it, so
 * one walk with a stack of the covering prefixes (at most 33 or 129 deep)
 * gives each prefix the OR over all prefixes covering it: O(n log n) for
 * the sort and O(n) for the walk, 1M-prefix DROP lists included. Classes
 * (distinct masks) are deduplicated with a hash table; class 0 is the
 * empty mask. At most MXG_CLASSES_MAX (2^20) classes, so class ids fit
 * rte_lpm's 24-bit and rte_lpm6's 21-bit next hops.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_cidr.h"
#include "policy_compile.h"
#include "policy_diag.h"
#include "policy_parse.h"
#include "policy_scan.h"
#include "policy_sets.h"
#include "policy_validate.h"

typedef unsigned __int128 u128;

struct ent4 {
	uint64_t key; /* addr << 32 | len << 16 | bit: sorts by (addr, len) */
};

struct ent6 {
	u128 addr;
	uint8_t len;
	uint16_t bit;
};

struct class_table {
	struct mxg_setmask *masks;
	uint32_t n, cap;
	uint32_t *slots; /* class id + 1, 0 = empty */
	uint32_t n_slots;
};

struct compile_bits {
	int protected_bit; /* -1 when none */
	uint16_t set_bit[MXG_NAMED_SETS_MAX];
	uint16_t src_bit[MXG_RULES_MAX], dst_bit[MXG_RULES_MAX];
	uint32_t n_bits;
};

static uint64_t mask_hash(const struct mxg_setmask *m)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		h ^= m->w[i];
		h *= 0xff51afd7ed558ccdULL;
		h ^= h >> 33;
	}
	return h;
}

static int class_table_init(struct class_table *t)
{
	memset(t, 0, sizeof(*t));
	t->cap = 64;
	t->n_slots = 128;
	t->masks = calloc(t->cap, sizeof(*t->masks));
	t->slots = calloc(t->n_slots, sizeof(*t->slots));
	if (!t->masks || !t->slots)
		return -ENOMEM;
	t->n = 1; /* class 0: the empty mask, never looked up */
	return 0;
}

static void class_table_free(struct class_table *t)
{
	free(t->masks);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static int class_table_grow(struct class_table *t)
{
	uint32_t n_slots = t->n_slots * 2, i;
	uint32_t *slots = calloc(n_slots, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (i = 1; i < t->n; i++) {
		uint32_t s = (uint32_t)mask_hash(&t->masks[i]) & (n_slots - 1);

		while (slots[s])
			s = (s + 1) & (n_slots - 1);
		slots[s] = i + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->n_slots = n_slots;
	return 0;
}

/* The class id of a non-empty mask: found, or added. -E2BIG when full. */
static int class_id(struct class_table *t, const struct mxg_setmask *m,
		    uint32_t *id)
{
	uint32_t s = (uint32_t)mask_hash(m) & (t->n_slots - 1);
	int rc;

	while (t->slots[s]) {
		uint32_t c = t->slots[s] - 1;

		if (!memcmp(&t->masks[c], m, sizeof(*m))) {
			*id = c;
			return 0;
		}
		s = (s + 1) & (t->n_slots - 1);
	}
	if (t->n == MXG_CLASSES_MAX)
		return -E2BIG;
	if (t->n == t->cap) {
		uint32_t cap = t->cap * 2;
		struct mxg_setmask *v = realloc(t->masks, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->masks = v;
		t->cap = cap;
	}
	t->masks[t->n] = *m;
	t->slots[s] = t->n + 1;
	*id = t->n++;
	if (2 * t->n > t->n_slots) {
		rc = class_table_grow(t);
		if (rc)
			return rc;
	}
	return 0;
}

static void mask_set(struct mxg_setmask *m, uint32_t bit)
{
	m->w[bit >> 6] |= 1ULL << (bit & 63);
}

static void mask_or(struct mxg_setmask *m, const struct mxg_setmask *o)
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		m->w[i] |= o->w[i];
}

static int cmp_ent4(const void *a, const void *b)
{
	uint64_t x = ((const struct ent4 *)a)->key;
	uint64_t y = ((const struct ent4 *)b)->key;

	return x < y ? -1 : x > y;
}

static int cmp_ent6(const void *a, const void *b)
{
	const struct ent6 *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->bit < y->bit ? -1 : x->bit > y->bit;
}

static u128 mask6(unsigned int len)
{
	return len == 0 ? 0 : ~(u128)0 << (128 - len);
}

static uint32_t mask4(unsigned int len)
{
	return len == 0 ? 0 : ~0u << (32 - len);
}

struct entries {
	struct ent4 *v4;
	struct ent6 *v6;
	size_t n4, n6;
};

static void add_list(struct entries *e, const struct pol_prefix_list *l,
		     uint16_t bit)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct pol_prefix *p = &l->v[i];

		if (p->family == 4) {
			uint32_t a = (uint32_t)p->addr[0] << 24 |
				     (uint32_t)p->addr[1] << 16 |
				     (uint32_t)p->addr[2] << 8 | p->addr[3];

			e->v4[e->n4++].key = (uint64_t)a << 32 |
					     (uint64_t)p->len << 16 | bit;
		} else {
			struct ent6 *x = &e->v6[e->n6++];

			x->addr = mxg_addr6_u128(p->addr);
			x->len = p->len;
			x->bit = bit;
		}
	}
}

static const struct pol_prefix_list *protected_list(const struct pol_policy *p)
{
	const struct pol_addr *a = &p->protected_a;

	if (!a->f.present)
		return NULL;
	return a->kind == POL_ADDR_REF ? &p->sets[a->set].list : &a->list;
}

static int assign_bits(const struct pol_policy *p, struct compile_bits *b)
{
	unsigned int i;

	memset(b, 0, sizeof(*b));
	b->protected_bit = -1;
	if (p->protected_a.f.present)
		b->protected_bit = (int)b->n_bits++;
	for (i = 0; i < p->n_sets; i++)
		b->set_bit[i] = (uint16_t)b->n_bits++;
	for (i = 0; i < p->n_rules; i++) {
		const struct pol_rule *r = &p->rules[i];

		b->src_bit[i] = b->dst_bit[i] = MXG_SET_NONE;
		if (r->src.f.present)
			b->src_bit[i] = r->src.kind == POL_ADDR_REF ?
						b->set_bit[r->src.set] :
						(uint16_t)b->n_bits++;
		if (r->dst.f.present)
			b->dst_bit[i] = r->dst.kind == POL_ADDR_REF ?
						b->set_bit[r->dst.set] :
						(uint16_t)b->n_bits++;
	}
	return b->n_bits <= MXG_SETS_MAX ? 0 : -E2BIG;
}

static int collect(const struct pol_policy *p, const struct compile_bits *b,
		   struct entries *e)
{
	const struct pol_prefix_list *prot = protected_list(p);
	size_t n4 = 0, n6 = 0;
	unsigned int i;

	memset(e, 0, sizeof(*e));
	if (prot) {
		n4 += prot->n4;
		n6 += prot->n6;
	}
	for (i = 0; i < p->n_sets; i++) {
		n4 += p->sets[i].list.n4;
		n6 += p->sets[i].list.n6;
	}
	for (i = 0; i < p->n_rules; i++) {
		n4 += p->rules[i].src.list.n4 + p->rules[i].dst.list.n4;
		n6 += p->rules[i].src.list.n6 + p->rules[i].dst.list.n6;
	}
	e->v4 = malloc((n4 ? n4 : 1) * sizeof(*e->v4));
	e->v6 = malloc((n6 ? n6 : 1) * sizeof(*e->v6));
	if (!e->v4 || !e->v6)
		return -ENOMEM;
	if (prot)
		add_list(e, prot, (uint16_t)b->protected_bit);
	for (i = 0; i < p->n_sets; i++)
		add_list(e, &p->sets[i].list, b->set_bit[i]);
	for (i = 0; i < p->n_rules; i++) {
		const struct pol_rule *r = &p->rules[i];

		if (r->src.f.present && r->src.kind == POL_ADDR_LIST)
			add_list(e, &r->src.list, b->src_bit[i]);
		if (r->dst.f.present && r->dst.kind == POL_ADDR_LIST)
			add_list(e, &r->dst.list, b->dst_bit[i]);
	}
	return 0;
}

/*
 * Sort, merge equal prefixes and walk the nesting. Fills out4/out6 (sized
 * for the worst case: no duplicates) and returns their counts.
 */
static int build_prefixes4(struct entries *e, struct class_table *ct,
			   struct mxg_prefix4 *out, uint32_t *n_out)
{
	struct {
		uint32_t addr;
		uint8_t len;
		struct mxg_setmask cum;
	} stack[33];
	unsigned int sp = 0;
	size_t i = 0, j;
	uint32_t n = 0;
	int rc;

	qsort(e->v4, e->n4, sizeof(*e->v4), cmp_ent4);
	while (i < e->n4) {
		uint64_t pfx = e->v4[i].key >> 16;
		uint32_t addr = (uint32_t)(pfx >> 16);
		uint8_t len = (uint8_t)(pfx & 0xff);
		struct mxg_setmask own = { { 0 } };

		for (j = i; j < e->n4 && e->v4[j].key >> 16 == pfx; j++)
			mask_set(&own, (uint32_t)(e->v4[j].key & 0xffff));
		i = j;
		while (sp && (stack[sp - 1].len >= len ||
			      (addr & mask4(stack[sp - 1].len)) !=
				      stack[sp - 1].addr))
			sp--;
		stack[sp].addr = addr;
		stack[sp].len = len;
		stack[sp].cum = own;
		if (sp)
			mask_or(&stack[sp].cum, &stack[sp - 1].cum);
		rc = class_id(ct, &stack[sp].cum, &out[n].class_id);
		if (rc)
			return rc;
		sp++;
		out[n].addr = addr;
		out[n].len = len;
		n++;
	}
	*n_out = n;
	return 0;
}

static int build_prefixes6(struct entries *e, struct class_table *ct,
			   struct mxg_prefix6 *out, uint32_t *n_out)
{
	struct {
		u128 addr;
		uint8_t len;
		struct mxg_setmask cum;
	} stack[129];
	unsigned int sp = 0, k;
	size_t i = 0, j;
	uint32_t n = 0;
	int rc;

	qsort(e->v6, e->n6, sizeof(*e->v6), cmp_ent6);
	while (i < e->n6) {
		u128 addr = e->v6[i].addr;
		uint8_t len = e->v6[i].len;
		struct mxg_setmask own = { { 0 } };

		for (j = i;
		     j < e->n6 && e->v6[j].addr == addr && e->v6[j].len == len;
		     j++)
			mask_set(&own, e->v6[j].bit);
		i = j;
		while (sp && (stack[sp - 1].len >= len ||
			      (addr & mask6(stack[sp - 1].len)) !=
				      stack[sp - 1].addr))
			sp--;
		stack[sp].addr = addr;
		stack[sp].len = len;
		stack[sp].cum = own;
		if (sp)
			mask_or(&stack[sp].cum, &stack[sp - 1].cum);
		rc = class_id(ct, &stack[sp].cum, &out[n].class_id);
		if (rc)
			return rc;
		sp++;
		for (k = 0; k < 16; k++)
			out[n].addr[k] = (uint8_t)(addr >> (120 - 8 * k));
		out[n].len = len;
		n++;
	}
	*n_out = n;
	return 0;
}

/*
 * One box's share of an aggregate limit when n boxes split the traffic
 * by a hash of the source (ECMP): rate / n and burst / n, so that the n
 * buckets together admit what the one configured bucket would. The
 * image knows three periods (s, min, h): the shortest one from the
 * written period up that divides exactly; failing that, per hour and
 * rounded up (an error below one connection an hour per box), or, if
 * that overflows 32 bits, per the written period, rounded up. The burst
 * is rounded up and at least 1.
 */
static void ecmp_divide(uint32_t n, uint64_t *count, uint32_t *period_s,
			uint32_t *burst)
{
	static const uint32_t periods[] = { 1, 60, 3600 };
	uint64_t c = *count, scaled;
	unsigned int i;

	*burst = (*burst + n - 1) / n;
	for (i = 0; i < sizeof(periods) / sizeof(periods[0]); i++) {
		if (periods[i] < *period_s)
			continue;
		scaled = c * (periods[i] / *period_s);
		if (scaled % n == 0 && scaled / n <= UINT32_MAX) {
			*count = scaled / n;
			*period_s = periods[i];
			return;
		}
	}
	scaled = c * (3600 / *period_s);
	if ((scaled + n - 1) / n <= UINT32_MAX) {
		*count = (scaled + n - 1) / n;
		*period_s = 3600;
		return;
	}
	*count = (c + n - 1) / n;
}

static void build_rule(const struct pol_policy *p, const struct compile_bits *b,
		       unsigned int i, struct mxg_rule *out)
{
	const struct pol_rule *r = &p->rules[i];

	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", r->name);
	out->action = r->action;
	out->family = r->family_f.present ? r->family : MXG_FAMILY_ANY;
	out->src_set = b->src_bit[i];
	out->dst_set = b->dst_bit[i];
	out->n_ports = r->n_ports;
	memcpy(out->ports, r->ports, sizeof(out->ports));
	if (r->action == MXG_ACTION_LIMIT) {
		out->over = r->over;
		out->key_kind = r->per;
		out->ipv4_prefix = r->ipv4_prefix;
		out->ipv6_prefix = r->ipv6_prefix;
		uint64_t count = r->rate_count;
		uint32_t period = r->rate_period_s, burst = r->burst;

		/* Sources spread over the boxes: a global or per-dst bucket
		 * sees 1/n of its traffic on each. Per host stays exact (a
		 * host hashes to one box); per prefix is left whole (a
		 * prefix of few hosts may sit on one box: BGP sharing covers
		 * one spread over all). */
		if (p->ecmp_share > 1 &&
		    (r->per == MXG_KEY_GLOBAL || r->per == MXG_KEY_DST))
			ecmp_divide(p->ecmp_share, &count, &period, &burst);
		/* In range: validate() checked the written rate; a share of
		 * it is in range too (smaller, same or longer period). */
		mxg_bucket_params_init(&out->bucket, count, period, burst);
		out->rate_count = (uint32_t)count;
		out->rate_period_s = period;
		out->burst = burst;
	}
	out->key_id = mxg_rule_key_id(out);
}

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static void set_info(struct mxg_set_info *s, const char *name, size_t n)
{
	size_t len = strnlen(name, sizeof(s->name) - 1);

	memcpy(s->name, name, len);
	s->name[len] = '\0';
	s->n_prefixes = (uint32_t)n;
}

/* The image's prefix tables: every set's prefixes, merged and classed. */
struct compiled_prefixes {
	struct mxg_prefix4 *v4;
	struct mxg_prefix6 *v6;
	uint32_t n4, n6;
};

/* Where each table of the image starts, and the image's size. */
struct image_layout {
	size_t off_sets, off_classes, off_v4, off_v6, total;
};

/* Set bits, then the rules; two rules with one key id are an error. */
static int compile_rules(struct pol_ctx *c, const struct pol_policy *p,
			 struct compile_bits *bits, struct mxg_rule *rules)
{
	char name[MXG_NAME_MAX + 16];
	unsigned int i, j;

	if (assign_bits(p, bits)) {
		pol_error(c, p->root_off, "", "more than %u sets in all",
			  MXG_SETS_MAX);
		return -EINVAL;
	}
	for (i = 0; i < p->n_rules; i++) {
		build_rule(p, bits, i, &rules[i]);
		for (j = 0; j < i; j++) {
			if (rules[j].key_id != rules[i].key_id)
				continue;
			snprintf(name, sizeof(name), "rules[%u].name", i);
			pol_error(
				c, p->rules[i].name_f.off, name,
				"rule key id 0x%08x collides with rules[%u] (\"%s\"); rename one of them, or their buckets would be shared",
				rules[i].key_id, j, rules[j].name);
		}
	}
	return c->count ? -EINVAL : 0;
}

/* Sort, merge and class every set's prefixes. The caller frees out's
 * arrays, whatever this returns. */
static int compile_prefixes(struct pol_ctx *c, const struct pol_policy *p,
			    const struct compile_bits *bits,
			    struct class_table *ct,
			    struct compiled_prefixes *out)
{
	struct entries e;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = collect(p, bits, &e);
	if (rc)
		goto free_entries;
	out->v4 = malloc((e.n4 ? e.n4 : 1) * sizeof(*out->v4));
	out->v6 = malloc((e.n6 ? e.n6 : 1) * sizeof(*out->v6));
	if (!out->v4 || !out->v6) {
		rc = -ENOMEM;
		goto free_entries;
	}
	rc = build_prefixes4(&e, ct, out->v4, &out->n4);
	if (!rc)
		rc = build_prefixes6(&e, ct, out->v6, &out->n6);
	if (rc == -E2BIG) {
		pol_error(
			c, p->sets_f.present ? p->sets_f.off : p->root_off,
			p->sets_f.present ? "sets" : "",
			"the sets overlap in more than %u distinct combinations",
			MXG_CLASSES_MAX);
		rc = -EINVAL;
	}
	if (!rc && (uint64_t)out->n4 + out->n6 > MXG_PREFIXES_MAX) {
		pol_error(c, p->root_off, "",
			  "more than %u distinct prefixes in all sets",
			  MXG_PREFIXES_MAX);
		rc = -EINVAL;
	}
free_entries:
	free(e.v4);
	free(e.v6);
	return rc;
}

/* Header, rules, set info, classes, then the v4 and v6 prefixes. */
static int image_layout(struct pol_ctx *c, const struct pol_policy *p,
			uint32_t n_sets, uint32_t n_classes,
			const struct compiled_prefixes *pf,
			struct image_layout *l)
{
	l->off_sets = align8(sizeof(struct mxg_policy_header) +
			     p->n_rules * sizeof(struct mxg_rule));
	l->off_classes =
		align8(l->off_sets + n_sets * sizeof(struct mxg_set_info));
	l->off_v4 =
		align8(l->off_classes + n_classes * sizeof(struct mxg_setmask));
	l->off_v6 =
		align8(l->off_v4 + (size_t)pf->n4 * sizeof(struct mxg_prefix4));
	l->total = l->off_v6 + (size_t)pf->n6 * sizeof(struct mxg_prefix6);
	if (l->total > MXG_POLICY_IMAGE_MAX) {
		pol_error(c, p->root_off, "",
			  "the compiled policy would exceed %llu bytes",
			  (unsigned long long)MXG_POLICY_IMAGE_MAX);
		return -EINVAL;
	}
	return 0;
}

static void write_header(struct mxg_policy_header *h,
			 const struct pol_policy *p,
			 const struct compile_bits *bits, uint32_t n_classes,
			 const struct compiled_prefixes *pf,
			 const struct image_layout *l)
{
	h->magic = MXG_POLICY_MAGIC;
	h->version = MXG_POLICY_VERSION;
	h->header_len = sizeof(*h);
	h->total_len = l->total;
	h->mode = p->mode;
	h->parser_limit = p->parser_limit;
	h->has_protected = bits->protected_bit >= 0;
	h->n_smtp_ports = p->n_smtp_ports;
	memcpy(h->smtp_ports, p->smtp_ports, sizeof(h->smtp_ports));
	h->n_rules = p->n_rules;
	h->n_sets = bits->n_bits;
	h->n_classes = n_classes;
	h->n_v4 = pf->n4;
	h->n_v6 = pf->n6;
	h->off_rules = sizeof(*h);
	h->off_sets = (uint32_t)l->off_sets;
	h->off_classes = (uint32_t)l->off_classes;
	h->off_v4 = (uint32_t)l->off_v4;
	h->off_v6 = (uint32_t)l->off_v6;
	h->generation = 0;
}

/* Each set bit's name and number of prefixes. */
static void write_set_info(struct mxg_set_info *si, const struct pol_policy *p,
			   const struct compile_bits *bits)
{
	const struct pol_prefix_list *prot = protected_list(p);
	char name[MXG_NAME_MAX + 16];
	unsigned int i;

	if (prot)
		set_info(&si[bits->protected_bit], "protected", prot->n);
	for (i = 0; i < p->n_sets; i++) {
		snprintf(name, sizeof(name), "@%s", p->sets[i].name);
		set_info(&si[bits->set_bit[i]], name, p->sets[i].list.n);
	}
	for (i = 0; i < p->n_rules; i++) {
		const struct pol_rule *r = &p->rules[i];

		if (r->src.f.present && r->src.kind == POL_ADDR_LIST) {
			snprintf(name, sizeof(name), "rules[%u].src", i);
			set_info(&si[bits->src_bit[i]], name, r->src.list.n);
		}
		if (r->dst.f.present && r->dst.kind == POL_ADDR_LIST) {
			snprintf(name, sizeof(name), "rules[%u].dst", i);
			set_info(&si[bits->dst_bit[i]], name, r->dst.list.n);
		}
	}
}

/* The classes (class 0 is the empty mask) and the prefix tables. */
static void write_tables(uint8_t *img, const struct image_layout *l,
			 const struct class_table *ct,
			 const struct compiled_prefixes *pf)
{
	struct mxg_prefix4 *o4 = (struct mxg_prefix4 *)(img + l->off_v4);
	struct mxg_prefix6 *o6 = (struct mxg_prefix6 *)(img + l->off_v6);
	uint32_t i;

	memcpy(img + l->off_classes, ct->masks,
	       ct->n * sizeof(struct mxg_setmask));
	memset(img + l->off_classes, 0, sizeof(struct mxg_setmask));
	memcpy(o4, pf->v4, (size_t)pf->n4 * sizeof(*o4));
	memcpy(o6, pf->v6, (size_t)pf->n6 * sizeof(*o6));
	/* The arrays copied were not zeroed: clear their padding. */
	for (i = 0; i < pf->n4; i++)
		memset(o4[i].pad, 0, sizeof(o4[i].pad));
	for (i = 0; i < pf->n6; i++)
		memset(o6[i].pad, 0, sizeof(o6[i].pad));
}

/* Typed, validated policy -> a checksummed image of generation 0. */
static int pol_compile(struct pol_ctx *c, const struct pol_policy *p,
		       struct mxg_policy_header **out)
{
	struct mxg_rule rules[MXG_RULES_MAX];
	struct compiled_prefixes pf = { 0 };
	struct mxg_policy_header *h;
	struct compile_bits bits;
	struct image_layout l;
	struct class_table ct;
	uint8_t *img;
	int rc;

	*out = NULL;
	rc = compile_rules(c, p, &bits, rules);
	if (rc)
		return rc;
	rc = class_table_init(&ct);
	if (rc)
		goto free_classes;
	rc = compile_prefixes(c, p, &bits, &ct, &pf);
	if (!rc)
		rc = image_layout(c, p, bits.n_bits, ct.n, &pf, &l);
	if (rc)
		goto free_prefixes;
	img = calloc(1, l.total);
	if (!img) {
		rc = -ENOMEM;
		goto free_prefixes;
	}
	h = (struct mxg_policy_header *)img;
	write_header(h, p, &bits, ct.n, &pf, &l);
	memcpy(img + h->off_rules, rules, p->n_rules * sizeof(rules[0]));
	write_set_info((struct mxg_set_info *)(img + l.off_sets), p, &bits);
	write_tables(img, &l, &ct, &pf);
	h->checksum = mxg_policy_checksum(img, l.total);
	*out = h;

free_prefixes:
	free(pf.v4);
	free(pf.v6);
free_classes:
	class_table_free(&ct);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The public API */

unsigned long mxg_policy_prefix_count(const struct mxg_policy_header *image)
{
	return (unsigned long)image->n_v4 + image->n_v6;
}

static int run_stages(struct pol_ctx *c, const char *text, size_t len,
		      struct mxg_policy_header **image)
{
	struct pol_policy *p;
	const char *end = NULL;
	cJSON *root;
	int rc;

	rc = pol_json_scan(&c->scan, text, len);
	if (rc == -EINVAL) {
		pol_error(c, c->scan.err_off, c->scan.err_path, "%s",
			  c->scan.err);
		return -EINVAL;
	}
	if (rc)
		return rc;
	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (!root) {
		/* The scan accepted it: cJSON ran out of memory, or is
		 * stricter than it in a way nobody has seen yet. */
		pol_error(c, end && end >= text ? (size_t)(end - text) : 0, "",
			  "cJSON cannot parse the policy here");
		return -EINVAL;
	}
	p = malloc(sizeof(*p));
	if (!p) {
		rc = -ENOMEM;
		goto delete_json;
	}
	pol_policy_init(p);
	rc = pol_parse(c, root, p);
	if (!rc)
		rc = pol_sets_load(c, p);
	if (!rc)
		rc = pol_validate(c, p);
	if (!rc && !c->count && !c->oom)
		rc = pol_compile(c, p, image);
	pol_policy_free(p);
	free(p);
delete_json:
	cJSON_Delete(root);
	return rc;
}

int mxg_policy_compile_buffer(const char *name, const char *text, size_t len,
			      const char *base_dir,
			      struct mxg_policy_header **image,
			      struct mxg_diag *diag)
{
	struct pol_ctx *c;
	int rc;

	*image = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->name = name;
	c->base_dir = base_dir;
	c->diag = diag;
	if (len > MXG_POLICY_FILE_MAX) {
		pol_error(c, 0, "", "the policy is larger than %u bytes",
			  MXG_POLICY_FILE_MAX);
		rc = -EINVAL;
	} else {
		rc = run_stages(c, text, len, image);
	}
	if (!rc && (c->count || c->oom))
		rc = c->oom ? -ENOMEM : -EINVAL;
	if (rc && *image) {
		free(*image);
		*image = NULL;
	}
	pol_errors_flush(c);
	pol_json_scan_free(&c->scan);
	free(c);
	return rc;
}

int mxg_policy_compile_file(const char *path, struct mxg_policy_header **image,
			    struct mxg_diag *diag)
{
	const char *slash = strrchr(path, '/');
	char *text, *dir = NULL;
	size_t len;
	int rc;

	*image = NULL;
	rc = pol_read_file(path, MXG_POLICY_FILE_MAX, &text, &len);
	if (rc) {
		struct pol_ctx c = { .name = path, .diag = diag };

		if (rc == -EFBIG)
			pol_error(&c, 0, "",
				  "the policy is larger than %u bytes",
				  MXG_POLICY_FILE_MAX);
		else if (rc == -EINVAL)
			pol_error(&c, 0, "",
				  "the policy is not a regular file");
		else
			pol_error(&c, 0, "", "cannot read the policy: %s",
				  strerror(-rc));
		pol_errors_flush(&c);
		return rc == -EFBIG ? -EINVAL : rc;
	}
	if (slash) {
		size_t n = slash == path ? 1 : (size_t)(slash - path);

		dir = strndup(path, n);
		if (!dir) {
			rc = -ENOMEM;
			goto free_text;
		}
	}
	rc = mxg_policy_compile_buffer(path, text, len, dir, image, diag);
	free(dir);
free_text:
	free(text);
	return rc;
}
