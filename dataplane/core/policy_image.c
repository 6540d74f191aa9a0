// SPDX-License-Identifier: BSD-3-Clause
/*
 * Validation of a compiled policy image from outside. Reads nothing
 * before checking it is inside the buffer: the header is checked against
 * 'len' first, then the layout (every region at its offset, in bounds),
 * then the checksum over the whole buffer, then every record.
 *
 * The layout must be the canonical one that the compiler writes: rules at
 * header_len, then sets, classes, v4 and v6, each at the next 8-byte
 * boundary after the previous region, and total_len ending right after
 * the v6 list. Reserved fields (pads, unused port slots) must be zero, so
 * that they can be given a meaning later. Fields of allow/deny rules that
 * only limit rules use must be zero too.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "policy_image.h"

#define FAIL(msg)                                                              \
	do {                                                                   \
		if (why)                                                       \
			*why = (msg);                                          \
		return -EINVAL;                                                \
	} while (0)

static uint64_t align8(uint64_t n)
{
	return (n + 7) & ~7ULL;
}

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

/*
 * A name as the compiler writes one (control/policy: rule names are 1 to
 * 63 bytes of valid UTF-8 without control characters, as the policy
 * scanner and parser require; set names are generated from those and
 * from set names): NUL-terminated inside the field, the bytes after the
 * NUL zero. Stats, summary and verdict JSON print names as they are, so
 * a name from a pushed image must be text the JSON writers can quote.
 */
static int name_ok(const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t n = strnlen(name, MXG_NAME_MAX), i, k;

	if (n == 0 || n >= MXG_NAME_MAX)
		return 0;
	for (i = 0; i < n; i += k) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			return 0;
		k = s[i] < 0x80 ? 1 : mxg_utf8_len(s + i, n - i);
		if (!k)
			return 0;
	}
	return all_zero(s + n, MXG_NAME_MAX - n);
}

static int ports_ok(const uint16_t *ports, uint32_t n, int allow_empty)
{
	uint32_t i, j;

	if (n > MXG_PORTS_MAX || (!n && !allow_empty))
		return 0;
	for (i = 0; i < MXG_PORTS_MAX; i++) {
		if (i >= n) {
			if (ports[i])
				return 0;
			continue;
		}
		if (!ports[i])
			return 0;
		for (j = 0; j < i; j++)
			if (ports[j] == ports[i])
				return 0;
	}
	return 1;
}

static int check_rule(const struct mxg_rule *r, uint32_t n_sets,
		      const char **why)
{
	struct mxg_bucket_params bp;

	if (!name_ok(r->name))
		FAIL("rule name empty, not NUL-terminated, not UTF-8 text, or "
		     "with a control character or bytes after its NUL");
	if (r->action < MXG_ACTION_ALLOW || r->action > MXG_ACTION_LIMIT)
		FAIL("rule action out of range");
	if (r->family != MXG_FAMILY_ANY && r->family != MXG_FAMILY_IPV4 &&
	    r->family != MXG_FAMILY_IPV6)
		FAIL("rule family out of range");
	if (r->src_set != MXG_SET_NONE && r->src_set >= n_sets)
		FAIL("rule src_set is not a set of the image");
	if (r->dst_set != MXG_SET_NONE && r->dst_set >= n_sets)
		FAIL("rule dst_set is not a set of the image");
	if (!ports_ok(r->ports, r->n_ports, 1))
		FAIL("rule port list bad (count, zero, duplicate or unused slot set)");
	if (r->ipv4_prefix > 32 || r->ipv6_prefix > 128)
		FAIL("rule key prefix length out of range");
	if (r->pad)
		FAIL("rule pad not zero");
	if (r->action != MXG_ACTION_LIMIT) {
		if (r->over || r->key_kind || r->rate_count ||
		    r->rate_period_s || r->burst || r->ipv4_prefix ||
		    r->ipv6_prefix || !all_zero(&r->bucket, sizeof(r->bucket)))
			FAIL("allow/deny rule carries limit fields");
	} else {
		if (r->over > MXG_OVER_RESET)
			FAIL("rule over out of range");
		if (r->key_kind < MXG_KEY_HOST || r->key_kind > MXG_KEY_GLOBAL)
			FAIL("rule key kind out of range");
		if (r->rate_period_s != 1 && r->rate_period_s != 60 &&
		    r->rate_period_s != 3600)
			FAIL("rule rate period is not 1, 60 or 3600 s");
		memset(&bp, 0, sizeof(bp));
		if (mxg_bucket_params_init(&bp, r->rate_count, r->rate_period_s,
					   r->burst))
			FAIL("rule rate or burst out of range");
		if (r->bucket.interval_ns < 1)
			FAIL("rule bucket interval is zero");
		/* tau = (burst - 1) * T, by division: no overflow. */
		if (r->bucket.tau_ns % r->bucket.interval_ns ||
		    r->bucket.tau_ns / r->bucket.interval_ns != r->burst - 1)
			FAIL("rule bucket tau is not (burst - 1) * interval");
		if (memcmp(&bp, &r->bucket, sizeof(bp)))
			FAIL("rule bucket parameters do not match its rate and burst");
	}
	if (r->key_id != mxg_rule_key_id(r))
		FAIL("rule key_id is not mxg_rule_key_id() of the rule");
	return 0;
}

static int mask_in_range(const struct mxg_setmask *m, uint32_t n_sets)
{
	uint32_t w;

	for (w = 0; w < MXG_SETS_MAX / 64; w++) {
		uint64_t allowed;

		if (n_sets >= 64 * (w + 1))
			continue;
		allowed = n_sets <= 64 * w ? 0 :
					     (1ULL << (n_sets - 64 * w)) - 1;
		if (m->w[w] & ~allowed)
			return 0;
	}
	return 1;
}

static int mask_contains(const struct mxg_setmask *big,
			 const struct mxg_setmask *small)
{
	uint32_t w;

	for (w = 0; w < MXG_SETS_MAX / 64; w++)
		if ((big->w[w] & small->w[w]) != small->w[w])
			return 0;
	return 1;
}

static uint32_t mask4(uint32_t len)
{
	return len ? ~0u << (32 - len) : 0;
}

static int check_v4(const struct mxg_policy_header *h, const char **why)
{
	const struct mxg_prefix4 *v = mxg_policy_v4(h);
	const struct mxg_setmask *classes = mxg_policy_classes(h);
	uint32_t stack[33], sp = 0, i;

	for (i = 0; i < h->n_v4; i++) {
		const struct mxg_prefix4 *p = &v[i];

		if (p->len > 32)
			FAIL("IPv4 prefix length over 32");
		if (p->addr & ~mask4(p->len))
			FAIL("IPv4 prefix has host bits set");
		if (!all_zero(p->pad, sizeof(p->pad)))
			FAIL("IPv4 prefix pad not zero");
		if (p->class_id >= h->n_classes)
			FAIL("IPv4 prefix class id out of range");
		if (i && (v[i - 1].addr > p->addr ||
			  (v[i - 1].addr == p->addr && v[i - 1].len >= p->len)))
			FAIL("IPv4 prefixes not sorted by (addr, len) or repeated");
		while (sp && (v[stack[sp - 1]].len >= p->len ||
			      (p->addr & mask4(v[stack[sp - 1]].len)) !=
				      v[stack[sp - 1]].addr))
			sp--;
		if (sp && !mask_contains(&classes[p->class_id],
					 &classes[v[stack[sp - 1]].class_id]))
			FAIL("IPv4 prefix class lacks a set of a covering prefix");
		stack[sp++] = i;
	}
	return 0;
}

static int covers6(const struct mxg_prefix6 *outer,
		   const struct mxg_prefix6 *inner)
{
	uint32_t i, len = outer->len;

	if (len >= inner->len)
		return 0;
	for (i = 0; i < 16 && 8 * i < len; i++) {
		uint32_t bits = len - 8 * i;
		uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff00u >> bits);

		if ((inner->addr[i] & m) != outer->addr[i])
			return 0;
	}
	return 1;
}

static int check_v6(const struct mxg_policy_header *h, const char **why)
{
	const struct mxg_prefix6 *v = mxg_policy_v6(h);
	const struct mxg_setmask *classes = mxg_policy_classes(h);
	uint32_t stack[129], sp = 0, i, k;

	for (i = 0; i < h->n_v6; i++) {
		const struct mxg_prefix6 *p = &v[i];
		int c;

		if (p->len > 128)
			FAIL("IPv6 prefix length over 128");
		for (k = 0; k < 16; k++) {
			uint32_t bits = p->len > 8 * k ? p->len - 8 * k : 0;
			uint8_t m = bits >= 8 ? 0xff :
						(uint8_t)(0xff00u >> bits);

			if (p->addr[k] & ~m)
				FAIL("IPv6 prefix has host bits set");
		}
		if (!all_zero(p->pad, sizeof(p->pad)))
			FAIL("IPv6 prefix pad not zero");
		if (p->class_id >= h->n_classes)
			FAIL("IPv6 prefix class id out of range");
		if (i) {
			c = memcmp(v[i - 1].addr, p->addr, 16);
			if (c > 0 || (c == 0 && v[i - 1].len >= p->len))
				FAIL("IPv6 prefixes not sorted by (addr, len) or repeated");
		}
		while (sp && !covers6(&v[stack[sp - 1]], p))
			sp--;
		if (sp && !mask_contains(&classes[p->class_id],
					 &classes[v[stack[sp - 1]].class_id]))
			FAIL("IPv6 prefix class lacks a set of a covering prefix");
		stack[sp++] = i;
	}
	return 0;
}

int mxg_policy_image_check(const void *buf, size_t len, const char **why)
{
	const struct mxg_policy_header *h = buf;
	const struct mxg_rule *rules;
	const struct mxg_set_info *sets;
	const struct mxg_setmask *classes;
	uint64_t end_rules, end_sets, end_classes, end_v4, end_v6;
	uint32_t i, j;
	int rc;

	if (!buf)
		FAIL("no image");
	if ((uintptr_t)buf & 7)
		FAIL("image buffer not 8-byte aligned");
	if (len < sizeof(*h))
		FAIL("shorter than the image header");
	if (h->magic != MXG_POLICY_MAGIC)
		FAIL("bad magic (not a compiled policy)");
	if (h->version != MXG_POLICY_VERSION)
		FAIL("unsupported image version");
	if (h->header_len != sizeof(*h))
		FAIL("bad header_len");
	if (h->total_len != len)
		FAIL("total_len is not the buffer length");
	if (len > MXG_POLICY_IMAGE_MAX)
		FAIL("image larger than MXG_POLICY_IMAGE_MAX");
	if (h->mode > MXG_MODE_MONITOR)
		FAIL("mode out of range");
	if (h->has_protected > 1)
		FAIL("has_protected is not 0 or 1");
	if (h->parser_limit > MXG_PARSER_LIMIT_FORWARD)
		FAIL("parser_limit out of range");
	if (!all_zero(h->pad, sizeof(h->pad)))
		FAIL("header pad not zero");
	if (!ports_ok(h->smtp_ports, h->n_smtp_ports, 0))
		FAIL("smtp_ports bad (count, zero, duplicate or unused slot set)");
	if (h->n_rules > MXG_RULES_MAX)
		FAIL("more than MXG_RULES_MAX rules");
	if (h->n_sets > MXG_SETS_MAX)
		FAIL("more than MXG_SETS_MAX sets");
	if (h->has_protected && h->n_sets == 0)
		FAIL("has_protected without a set 0");
	if (h->n_classes < 1 || h->n_classes > MXG_CLASSES_MAX)
		FAIL("class count out of range");
	if ((uint64_t)h->n_v4 + h->n_v6 > MXG_PREFIXES_MAX)
		FAIL("more than MXG_PREFIXES_MAX prefixes");
	/* Counts are bounded above: none of these sums can overflow. */
	end_rules = (uint64_t)h->off_rules +
		    (uint64_t)h->n_rules * sizeof(struct mxg_rule);
	end_sets = (uint64_t)h->off_sets +
		   (uint64_t)h->n_sets * sizeof(struct mxg_set_info);
	end_classes = (uint64_t)h->off_classes +
		      (uint64_t)h->n_classes * sizeof(struct mxg_setmask);
	end_v4 = (uint64_t)h->off_v4 +
		 (uint64_t)h->n_v4 * sizeof(struct mxg_prefix4);
	end_v6 = (uint64_t)h->off_v6 +
		 (uint64_t)h->n_v6 * sizeof(struct mxg_prefix6);
	if (h->off_rules != sizeof(*h) || h->off_sets != align8(end_rules) ||
	    h->off_classes != align8(end_sets) ||
	    h->off_v4 != align8(end_classes) || h->off_v6 != align8(end_v4) ||
	    end_v6 != len)
		FAIL("regions not at their offsets, or total_len does not end the v6 list");
	if (!all_zero((const uint8_t *)buf + end_v4, h->off_v6 - end_v4))
		FAIL("padding before the v6 list not zero");
	if (h->checksum != mxg_policy_checksum(buf, len))
		FAIL("checksum mismatch");

	rules = mxg_policy_rules(h);
	for (i = 0; i < h->n_rules; i++) {
		rc = check_rule(&rules[i], h->n_sets, why);
		if (rc)
			return rc;
		for (j = 0; j < i; j++) {
			if (rules[j].key_id == rules[i].key_id)
				FAIL("two rules share a key_id");
			if (!strcmp(rules[j].name, rules[i].name))
				FAIL("two rules share a name");
		}
	}
	sets = mxg_policy_sets(h);
	for (i = 0; i < h->n_sets; i++) {
		if (!name_ok(sets[i].name))
			FAIL("set name empty, not NUL-terminated, not UTF-8 text, "
			     "or with a control character or bytes after its "
			     "NUL");
		if (sets[i].pad)
			FAIL("set info pad not zero");
	}
	classes = mxg_policy_classes(h);
	if (!all_zero(&classes[0], sizeof(classes[0])))
		FAIL("class 0 is not the empty mask");
	for (i = 1; i < h->n_classes; i++)
		if (!mask_in_range(&classes[i], h->n_sets))
			FAIL("class has a set bit beyond n_sets");
	rc = check_v4(h, why);
	if (rc)
		return rc;
	return check_v6(h, why);
}
