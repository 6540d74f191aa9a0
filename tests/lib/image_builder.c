// SPDX-License-Identifier: BSD-3-Clause
#include "image_builder.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ib_init(struct image_builder *b)
{
	memset(b, 0, sizeof(*b));
	b->mode = MXG_MODE_ENFORCE;
	b->n_ports = 3;
	b->ports[0] = 25;
	b->ports[1] = 465;
	b->ports[2] = 587;
}

uint32_t ib_set(struct image_builder *b, const char *name)
{
	uint32_t bit = b->n_sets++;

	snprintf(b->set_names[bit], MXG_NAME_MAX, "%s", name);
	return bit;
}

uint32_t ib_protected(struct image_builder *b)
{
	b->has_protected = 1;
	return ib_set(b, "protected");
}

void ib_cidr(struct image_builder *b, uint32_t set, const char *cidr)
{
	char addr[64];
	const char *slash = strchr(cidr, '/');
	int family = strchr(cidr, ':') ? 6 : 4;
	unsigned int i, len;

	snprintf(addr, sizeof(addr), "%.*s",
		 (int)(slash ? (size_t)(slash - cidr) : strlen(cidr)), cidr);
	len = slash ? (unsigned int)atoi(slash + 1) : (family == 4 ? 32 : 128);
	i = b->n_prefixes++;
	b->prefixes[i].family = family;
	b->prefixes[i].len = (uint8_t)len;
	b->prefixes[i].set = set;
	if (inet_pton(family == 4 ? AF_INET : AF_INET6, addr,
		      b->prefixes[i].addr) != 1)
		abort();
}

static struct mxg_rule *add_rule(struct image_builder *b, const char *name,
				 uint8_t action)
{
	struct mxg_rule *r = &b->rules[b->n_rules++];

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->action = action;
	r->src_set = MXG_SET_NONE;
	r->dst_set = MXG_SET_NONE;
	return r;
}

struct mxg_rule *ib_allow(struct image_builder *b, const char *name)
{
	return add_rule(b, name, MXG_ACTION_ALLOW);
}

struct mxg_rule *ib_deny(struct image_builder *b, const char *name)
{
	return add_rule(b, name, MXG_ACTION_DENY);
}

struct mxg_rule *ib_limit(struct image_builder *b, const char *name,
			  uint32_t count, uint32_t period_s, uint32_t burst,
			  uint8_t key_kind, uint8_t over)
{
	struct mxg_rule *r = add_rule(b, name, MXG_ACTION_LIMIT);
	static const uint8_t v4[] = { 0, 32, 24, 32, 0 };
	static const uint8_t v6[] = { 0, 64, 48, 128, 0 };

	r->key_kind = key_kind;
	r->over = over;
	r->ipv4_prefix = v4[key_kind];
	r->ipv6_prefix = v6[key_kind];
	r->rate_count = count;
	r->rate_period_s = period_s;
	r->burst = burst;
	if (mxg_bucket_params_init(&r->bucket, count, period_s, burst))
		abort();
	return r;
}

/* Does prefix a (len la) cover address b? */
static int covers(const uint8_t *a, unsigned int la, const uint8_t *b)
{
	unsigned int i;

	for (i = 0; i < la; i++) {
		unsigned int byte = i / 8, bit = 7 - i % 8;

		if (((a[byte] >> bit) & 1) != ((b[byte] >> bit) & 1))
			return 0;
	}
	return 1;
}

static int prefix_cmp(const uint8_t *a, unsigned int la, const uint8_t *b,
		      unsigned int lb, unsigned int n)
{
	int c = memcmp(a, b, n);

	if (c)
		return c;
	return (int)la - (int)lb;
}

struct distinct {
	int family;
	uint8_t addr[16];
	uint8_t len;
	struct mxg_setmask mask;
};

static int distinct_cmp(const void *x, const void *y)
{
	const struct distinct *a = x, *b = y;

	if (a->family != b->family)
		return a->family - b->family;
	return prefix_cmp(a->addr, a->len, b->addr, b->len,
			  a->family == 4 ? 4 : 16);
}

struct mxg_policy_header *ib_build(struct image_builder *b)
{
	static struct distinct d[IB_PREFIXES_MAX];
	static struct mxg_setmask classes[IB_PREFIXES_MAX + 1];
	uint32_t n_d = 0, n_classes = 1, n4 = 0, n6 = 0, i, j;
	size_t off_rules, off_sets, off_classes, off_v4, off_v6, total;
	struct mxg_policy_header *h;
	uint8_t *img;

	memset(classes, 0, sizeof(classes));
	/* distinct prefixes */
	for (i = 0; i < b->n_prefixes; i++) {
		for (j = 0; j < n_d; j++)
			if (d[j].family == b->prefixes[i].family &&
			    d[j].len == b->prefixes[i].len &&
			    !memcmp(d[j].addr, b->prefixes[i].addr, 16))
				break;
		if (j == n_d) {
			memset(&d[j], 0, sizeof(d[j]));
			d[j].family = b->prefixes[i].family;
			d[j].len = b->prefixes[i].len;
			memcpy(d[j].addr, b->prefixes[i].addr, 16);
			n_d++;
		}
	}
	/* each prefix's mask: every set with a covering prefix */
	for (j = 0; j < n_d; j++)
		for (i = 0; i < b->n_prefixes; i++)
			if (b->prefixes[i].family == d[j].family &&
			    b->prefixes[i].len <= d[j].len &&
			    covers(b->prefixes[i].addr, b->prefixes[i].len,
				   d[j].addr))
				d[j].mask.w[b->prefixes[i].set / 64] |=
					1ULL << (b->prefixes[i].set % 64);
	qsort(d, n_d, sizeof(d[0]), distinct_cmp);
	for (j = 0; j < n_d; j++)
		*(d[j].family == 4 ? &n4 : &n6) += 1;

	off_rules = sizeof(*h);
	off_sets = off_rules + b->n_rules * sizeof(struct mxg_rule);
	off_classes = off_sets + b->n_sets * sizeof(struct mxg_set_info);
	/* classes: dedup */
	for (j = 0; j < n_d; j++) {
		for (i = 0; i < n_classes; i++)
			if (!memcmp(&classes[i], &d[j].mask, sizeof(d[j].mask)))
				break;
		if (i == n_classes)
			classes[n_classes++] = d[j].mask;
	}
	off_v4 = off_classes + n_classes * sizeof(struct mxg_setmask);
	/* The canonical layout aligns every region to 8 bytes. */
	off_v6 = (off_v4 + n4 * sizeof(struct mxg_prefix4) + 7) & ~(size_t)7;
	total = off_v6 + n6 * sizeof(struct mxg_prefix6);
	img = calloc(1, total);
	if (!img)
		abort();
	h = (struct mxg_policy_header *)img;
	h->magic = MXG_POLICY_MAGIC;
	h->version = MXG_POLICY_VERSION;
	h->header_len = sizeof(*h);
	h->total_len = total;
	h->mode = b->mode;
	h->parser_limit = b->parser_limit;
	h->has_protected = (uint8_t)b->has_protected;
	h->n_smtp_ports = b->n_ports;
	memcpy(h->smtp_ports, b->ports, b->n_ports * sizeof(b->ports[0]));
	h->n_rules = b->n_rules;
	h->n_sets = b->n_sets;
	h->n_classes = n_classes;
	h->n_v4 = n4;
	h->n_v6 = n6;
	h->off_rules = (uint32_t)off_rules;
	h->off_sets = (uint32_t)off_sets;
	h->off_classes = (uint32_t)off_classes;
	h->off_v4 = (uint32_t)off_v4;
	h->off_v6 = (uint32_t)off_v6;
	for (i = 0; i < b->n_rules; i++) {
		b->rules[i].key_id = mxg_rule_key_id(&b->rules[i]);
		memcpy(img + off_rules + i * sizeof(struct mxg_rule),
		       &b->rules[i], sizeof(struct mxg_rule));
	}
	for (i = 0; i < b->n_sets; i++) {
		struct mxg_set_info *si =
			(struct mxg_set_info *)(img + off_sets) + i;

		memcpy(si->name, b->set_names[i], MXG_NAME_MAX);
		for (j = 0; j < b->n_prefixes; j++)
			si->n_prefixes += b->prefixes[j].set == i;
	}
	memcpy(img + off_classes, classes,
	       n_classes * sizeof(struct mxg_setmask));
	n4 = n6 = 0;
	for (j = 0; j < n_d; j++) {
		uint32_t cls;

		for (cls = 0; cls < n_classes; cls++)
			if (!memcmp(&classes[cls], &d[j].mask,
				    sizeof(d[j].mask)))
				break;
		if (d[j].family == 4) {
			struct mxg_prefix4 *p =
				(struct mxg_prefix4 *)(img + off_v4) + n4++;

			p->addr = (uint32_t)d[j].addr[0] << 24 |
				  (uint32_t)d[j].addr[1] << 16 |
				  (uint32_t)d[j].addr[2] << 8 | d[j].addr[3];
			p->len = d[j].len;
			p->class_id = cls;
		} else {
			struct mxg_prefix6 *p =
				(struct mxg_prefix6 *)(img + off_v6) + n6++;

			memcpy(p->addr, d[j].addr, 16);
			p->len = d[j].len;
			p->class_id = cls;
		}
	}
	h->checksum = mxg_policy_checksum(img, total);
	return h;
}
