// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxg_policy_image_check on corrupted images. The base image is
 * control/examples/default.json compiled (allow, deny and limit rules,
 * nested IPv4 and IPv6 prefixes, protected). Each row corrupts one field;
 * the checksum is then recomputed, so that the row reaches the check it
 * is about (except the checksum row). Also: truncation at every length,
 * with and without a matching total_len, and a misaligned buffer. Every
 * image is checked from a heap buffer of exactly its size under ASan.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy_compile.h"
#include "policy_image.h"

typedef void (*mutate_fn)(struct mxg_policy_header *h);

struct image_row {
	const char *desc;
	mutate_fn mutate;
	const char *why;   /* a substring of the reason */
	int keep_checksum; /* do not recompute it */
};

static struct mxg_policy_header *base_image;

#define RULES(h)   ((struct mxg_rule *)((uint8_t *)(h) + (h)->off_rules))
#define SETS(h)	   ((struct mxg_set_info *)((uint8_t *)(h) + (h)->off_sets))
#define CLASSES(h) ((struct mxg_setmask *)((uint8_t *)(h) + (h)->off_classes))
#define V4(h)	   ((struct mxg_prefix4 *)((uint8_t *)(h) + (h)->off_v4))
#define V6(h)	   ((struct mxg_prefix6 *)((uint8_t *)(h) + (h)->off_v6))

/* Rules of default.json: 0 allow, 1 deny, 2 per-host limit, 4 global. */
#define R_ALLOW 0
#define R_DENY	1
#define R_LIMIT 2

static void fix_key_id(struct mxg_rule *r)
{
	r->key_id = mxg_rule_key_id(r);
}

/* Each mutation, named for what it breaks. */
#define MUT(name, ...)                                                         \
	static void name(struct mxg_policy_header *h)                          \
	{                                                                      \
		__VA_ARGS__;                                                   \
	}

MUT(bad_magic, h->magic ^= 1)
MUT(bad_version, h->version = MXG_POLICY_VERSION + 1)
/* Version 1 had the packed 1.024 us-tick bucket parameters, version 2
 * no parser_limit. */
MUT(old_version, h->version = 1)
MUT(older_version, h->version = 2)
MUT(bad_parser_limit, h->parser_limit = 2)
MUT(bad_header_len, h->header_len = 104)
MUT(bad_total_len, h->total_len += 8)
MUT(bad_mode, h->mode = 2)
MUT(bad_has_protected, h->has_protected = 2)
MUT(header_pad, h->pad[2] = 1)
MUT(no_smtp_ports, h->n_smtp_ports = 0)
MUT(too_many_smtp_ports, h->n_smtp_ports = 17)
MUT(smtp_port_zero, h->smtp_ports[1] = 0)
MUT(smtp_port_twice, h->smtp_ports[2] = 25)
MUT(smtp_port_slot_set, h->smtp_ports[5] = 2525)
MUT(too_many_rules, h->n_rules = 65)
MUT(more_rules, h->n_rules += 1)
MUT(too_many_sets, h->n_sets = 257)
MUT(more_sets, h->n_sets += 1)
MUT(protected_no_sets, h->n_sets = 0; h->off_classes = h->off_sets)
MUT(no_classes, h->n_classes = 0)
MUT(too_many_classes, h->n_classes = MXG_CLASSES_MAX + 1)
MUT(too_many_prefixes, h->n_v4 = MXG_PREFIXES_MAX; h->n_v6 = 1)
MUT(more_v4, h->n_v4 += 1)
MUT(fewer_v6, h->n_v6 -= 1)
MUT(off_rules_moved, h->off_rules += 8)
MUT(off_sets_moved, h->off_sets -= 8)
MUT(off_classes_moved, h->off_classes += 32)
MUT(off_v4_misaligned, h->off_v4 += 4)
MUT(off_v6_past_end, h->off_v6 = 0xfffffff0u)
MUT(checksum_flip, h->checksum ^= 1)
MUT(rule_action_zero, RULES(h)[R_DENY].action = 0;
    fix_key_id(&RULES(h)[R_DENY]))
MUT(rule_action_four, RULES(h)[R_DENY].action = 4;
    fix_key_id(&RULES(h)[R_DENY]))
MUT(rule_family, RULES(h)[R_DENY].family = 5)
MUT(rule_src_set, RULES(h)[R_DENY].src_set = (uint16_t)h->n_sets)
MUT(rule_dst_set, RULES(h)[R_LIMIT].dst_set = 300)
MUT(rule_ports_count, RULES(h)[R_DENY].n_ports = 17)
MUT(rule_port_zero, RULES(h)[R_DENY].n_ports = 1)
MUT(rule_port_slot, RULES(h)[R_DENY].ports[15] = 25)
MUT(rule_ipv4_prefix, RULES(h)[R_LIMIT].ipv4_prefix = 33;
    fix_key_id(&RULES(h)[R_LIMIT]))
MUT(rule_ipv6_prefix, RULES(h)[R_LIMIT].ipv6_prefix = 129;
    fix_key_id(&RULES(h)[R_LIMIT]))
MUT(rule_name_unterminated, memset(RULES(h)[R_ALLOW].name, 'a', MXG_NAME_MAX))
MUT(rule_name_empty, RULES(h)[R_ALLOW].name[0] = 0)
/* Names must be text the JSON writers can print (the compiler's rules). */
static void set_name(struct mxg_rule *r, const char *name)
{
	memset(r->name, 0, sizeof(r->name));
	memcpy(r->name, name, strlen(name));
	fix_key_id(r);
}
MUT(rule_name_ff, set_name(&RULES(h)[R_ALLOW], "\xff"))
MUT(rule_name_esc, set_name(&RULES(h)[R_ALLOW], "a\x1b[2Jb"))
MUT(rule_name_del, set_name(&RULES(h)[R_ALLOW], "del\x7f"))
MUT(rule_name_newline, set_name(&RULES(h)[R_ALLOW], "two\nlines"))
MUT(rule_name_overlong, set_name(&RULES(h)[R_ALLOW], "\xc0\xaf"))
MUT(rule_name_surrogate, set_name(&RULES(h)[R_ALLOW], "\xed\xa0\x80"))
MUT(rule_name_above_max, set_name(&RULES(h)[R_ALLOW], "\xf4\x90\x80\x80"))
MUT(rule_name_cut_utf8, set_name(&RULES(h)[R_ALLOW], "ab\xe2\x82"))
MUT(rule_name_lone_cont, set_name(&RULES(h)[R_ALLOW], "\x80x"))
MUT(rule_name_tail, RULES(h)[R_ALLOW].name[60] = 'x';
    fix_key_id(&RULES(h)[R_ALLOW]))
MUT(rule_name_twice, set_name(&RULES(h)[R_LIMIT], RULES(h)[R_ALLOW].name))
MUT(set_name_ff, SETS(h)[1].name[1] = (char)0xff)
MUT(rule_pad, RULES(h)[R_LIMIT].pad = 1)
MUT(deny_with_over, RULES(h)[R_DENY].over = 1)
MUT(deny_with_key_kind, RULES(h)[R_DENY].key_kind = MXG_KEY_HOST;
    fix_key_id(&RULES(h)[R_DENY]))
MUT(deny_with_bucket, RULES(h)[R_DENY].bucket.interval_ns = 1)
MUT(limit_over, RULES(h)[R_LIMIT].over = 2)
MUT(limit_key_kind_zero, RULES(h)[R_LIMIT].key_kind = 0;
    fix_key_id(&RULES(h)[R_LIMIT]))
MUT(limit_key_kind_five, RULES(h)[R_LIMIT].key_kind = 5;
    fix_key_id(&RULES(h)[R_LIMIT]))
MUT(limit_period, RULES(h)[R_LIMIT].rate_period_s = 30)
MUT(limit_rate_zero, RULES(h)[R_LIMIT].rate_count = 0)
MUT(limit_burst_over, RULES(h)[R_LIMIT].burst = 100001)
/* A consistent tau for another interval: not the rule's rate. */
MUT(limit_bucket_interval, struct mxg_rule *r = &RULES(h)[R_LIMIT];
    r->bucket.interval_ns += 1;
    r->bucket.tau_ns = (r->burst - 1) * r->bucket.interval_ns; fix_key_id(r))
MUT(limit_bucket_interval_zero, struct mxg_rule *r = &RULES(h)[R_LIMIT];
    r->bucket.interval_ns = 0; r->bucket.tau_ns = 0; fix_key_id(r))
MUT(limit_bucket_tau, RULES(h)[R_LIMIT].bucket.tau_ns += 1;
    fix_key_id(&RULES(h)[R_LIMIT]))
/* tau = (burst - 1) * interval modulo 2^64: caught without overflow. */
MUT(limit_bucket_tau_wraps, struct mxg_rule *r = &RULES(h)[R_LIMIT];
    r->bucket.interval_ns = (1ULL << 63) + r->bucket.interval_ns;
    r->bucket.tau_ns = (r->burst - 1) * r->bucket.interval_ns; fix_key_id(r))
MUT(key_id_wrong, RULES(h)[R_LIMIT].key_id ^= 1)
MUT(key_id_shared,
    memcpy(RULES(h)[R_DENY].name, RULES(h)[R_ALLOW].name, MXG_NAME_MAX);
    fix_key_id(&RULES(h)[R_DENY]))
MUT(set_name_unterminated, memset(SETS(h)[1].name, 'x', MXG_NAME_MAX))
MUT(set_pad, SETS(h)[2].pad = 1)
MUT(class0_not_empty, CLASSES(h)[0].w[0] = 1)
MUT(class_bit_beyond, CLASSES(h)[1].w[0] |= 1ULL << h->n_sets)
MUT(class_bit_high_word, CLASSES(h)[1].w[3] |= 1ULL << 63)
MUT(v4_len, V4(h)[0].len = 33)
MUT(v4_host_bits, V4(h)[0].addr |= 1)
MUT(v4_unsorted, struct mxg_prefix4 t = V4(h)[0]; V4(h)[0] = V4(h)[1];
    V4(h)[1] = t)
MUT(v4_repeated, V4(h)[1] = V4(h)[0])
MUT(v4_class, V4(h)[2].class_id = h->n_classes)
MUT(v4_pad, V4(h)[0].pad[2] = 1)
/* 198.51.100.128/25 (@drop) lies inside 198.51.100.0/24 (protected):
 * give it the class of a prefix outside, which lacks bit 0. */
static void v4_class_lacks_cover(struct mxg_policy_header *h)
{
	uint32_t i, outer = 0, inner = 0;

	for (i = 0; i < h->n_v4; i++) {
		if (V4(h)[i].addr == 0xc6336400 && V4(h)[i].len == 24)
			outer = i;
		if (V4(h)[i].addr == 0xc6336480 && V4(h)[i].len == 25)
			inner = i;
	}
	assert_true(inner == outer + 1);
	V4(h)[inner].class_id = V4(h)[0].class_id;
}

MUT(v6_len, V6(h)[0].len = 129)
MUT(v6_host_bits, V6(h)[0].addr[15] = 1)
MUT(v6_unsorted, struct mxg_prefix6 t = V6(h)[0]; V6(h)[0] = V6(h)[1];
    V6(h)[1] = t)
MUT(v6_repeated, V6(h)[1] = V6(h)[0])
MUT(v6_class, V6(h)[1].class_id = 0xffffffffu)
MUT(v6_pad, V6(h)[1].pad[0] = 1)

static const struct image_row rows[] = {
	{ "bad magic", bad_magic, "magic", 0 },
	{ "bad version", bad_version, "version", 0 },
	{ "version 1", old_version, "version", 0 },
	{ "version 2 (before parser_limit)", older_version, "version", 0 },
	{ "parser_limit 2", bad_parser_limit, "parser_limit", 0 },
	{ "bad header_len", bad_header_len, "header_len", 0 },
	{ "total_len not the length", bad_total_len, "total_len", 0 },
	{ "mode 2", bad_mode, "mode", 0 },
	{ "has_protected 2", bad_has_protected, "has_protected", 0 },
	{ "header pad", header_pad, "pad", 0 },
	{ "no smtp ports", no_smtp_ports, "smtp_ports", 0 },
	{ "17 smtp ports", too_many_smtp_ports, "smtp_ports", 0 },
	{ "smtp port 0", smtp_port_zero, "smtp_ports", 0 },
	{ "smtp port twice", smtp_port_twice, "smtp_ports", 0 },
	{ "unused smtp port slot set", smtp_port_slot_set, "smtp_ports", 0 },
	{ "65 rules", too_many_rules, "MXG_RULES_MAX", 0 },
	{ "one rule more than there is", more_rules, "regions", 0 },
	{ "257 sets", too_many_sets, "MXG_SETS_MAX", 0 },
	{ "one set more than there is", more_sets, "regions", 0 },
	{ "protected without sets", protected_no_sets, "has_protected", 0 },
	{ "no classes", no_classes, "class count", 0 },
	{ "too many classes", too_many_classes, "class count", 0 },
	{ "too many prefixes", too_many_prefixes, "MXG_PREFIXES_MAX", 0 },
	{ "one v4 prefix more", more_v4, "regions", 0 },
	{ "one v6 prefix fewer", fewer_v6, "regions", 0 },
	{ "off_rules moved", off_rules_moved, "regions", 0 },
	{ "off_sets moved", off_sets_moved, "regions", 0 },
	{ "off_classes moved", off_classes_moved, "regions", 0 },
	{ "off_v4 misaligned", off_v4_misaligned, "regions", 0 },
	{ "off_v6 past the end", off_v6_past_end, "regions", 0 },
	{ "checksum", checksum_flip, "checksum", 1 },
	{ "rule action 0", rule_action_zero, "action", 0 },
	{ "rule action 4", rule_action_four, "action", 0 },
	{ "rule family 5", rule_family, "family", 0 },
	{ "rule src_set = n_sets", rule_src_set, "src_set", 0 },
	{ "rule dst_set 300", rule_dst_set, "dst_set", 0 },
	{ "rule 17 ports", rule_ports_count, "port list", 0 },
	{ "rule port 0", rule_port_zero, "port list", 0 },
	{ "rule unused port slot", rule_port_slot, "port list", 0 },
	{ "rule ipv4_prefix 33", rule_ipv4_prefix, "prefix length", 0 },
	{ "rule ipv6_prefix 129", rule_ipv6_prefix, "prefix length", 0 },
	{ "rule name without NUL", rule_name_unterminated, "rule name", 0 },
	{ "rule name empty", rule_name_empty, "rule name", 0 },
	{ "rule name \\xff", rule_name_ff, "rule name", 0 },
	{ "rule name with ESC", rule_name_esc, "rule name", 0 },
	{ "rule name with DEL", rule_name_del, "rule name", 0 },
	{ "rule name with a newline", rule_name_newline, "rule name", 0 },
	{ "rule name overlong UTF-8", rule_name_overlong, "rule name", 0 },
	{ "rule name UTF-16 surrogate", rule_name_surrogate, "rule name", 0 },
	{ "rule name above U+10FFFF", rule_name_above_max, "rule name", 0 },
	{ "rule name cut UTF-8 sequence", rule_name_cut_utf8, "rule name", 0 },
	{ "rule name lone continuation byte", rule_name_lone_cont, "rule name",
	  0 },
	{ "rule name bytes after the NUL", rule_name_tail, "rule name", 0 },
	{ "two rules, one name", rule_name_twice, "share a name", 0 },
	{ "set name \\xff", set_name_ff, "set name", 0 },
	{ "rule pad", rule_pad, "rule pad", 0 },
	{ "deny rule with over", deny_with_over, "limit fields", 0 },
	{ "deny rule with a key kind", deny_with_key_kind, "limit fields", 0 },
	{ "deny rule with a bucket", deny_with_bucket, "limit fields", 0 },
	{ "limit over 2", limit_over, "over", 0 },
	{ "limit key kind 0", limit_key_kind_zero, "key kind", 0 },
	{ "limit key kind 5", limit_key_kind_five, "key kind", 0 },
	{ "limit period 30 s", limit_period, "period", 0 },
	{ "limit rate 0", limit_rate_zero, "out of range", 0 },
	{ "limit burst 100001", limit_burst_over, "out of range", 0 },
	{ "bucket interval", limit_bucket_interval, "bucket parameters", 0 },
	{ "bucket interval 0", limit_bucket_interval_zero, "interval is zero",
	  0 },
	{ "bucket tau", limit_bucket_tau, "tau is not", 0 },
	{ "bucket tau wraps", limit_bucket_tau_wraps, "tau is not", 0 },
	{ "key_id not derived", key_id_wrong, "key_id", 0 },
	{ "two rules, one key_id", key_id_shared, "share a key_id", 0 },
	{ "set name without NUL", set_name_unterminated, "set name", 0 },
	{ "set pad", set_pad, "set info pad", 0 },
	{ "class 0 not empty", class0_not_empty, "class 0", 0 },
	{ "class bit beyond n_sets", class_bit_beyond, "beyond n_sets", 0 },
	{ "class bit 255", class_bit_high_word, "beyond n_sets", 0 },
	{ "v4 length 33", v4_len, "over 32", 0 },
	{ "v4 host bits", v4_host_bits, "host bits", 0 },
	{ "v4 unsorted", v4_unsorted, "not sorted", 0 },
	{ "v4 repeated", v4_repeated, "not sorted", 0 },
	{ "v4 class id", v4_class, "class id", 0 },
	{ "v4 pad", v4_pad, "pad", 0 },
	{ "v4 class lacks its cover's set", v4_class_lacks_cover, "covering",
	  0 },
	{ "v6 length 129", v6_len, "over 128", 0 },
	{ "v6 host bits", v6_host_bits, "host bits", 0 },
	{ "v6 unsorted", v6_unsorted, "not sorted", 0 },
	{ "v6 repeated", v6_repeated, "not sorted", 0 },
	{ "v6 class id", v6_class, "class id", 0 },
	{ "v6 pad", v6_pad, "pad", 0 },
};

#define N_ROWS (sizeof(rows) / sizeof(rows[0]))

static int check_copy(const void *img, size_t len, size_t shift,
		      const char **why)
{
	uint8_t *buf = malloc(len + shift ? len + shift : 1);
	int rc;

	assert_non_null(buf);
	memcpy(buf + shift, img, len);
	rc = mxg_policy_image_check(buf + shift, len, why);
	free(buf);
	return rc;
}

static void check_row(void **state)
{
	const struct image_row *row = *state;
	size_t len = base_image->total_len;
	struct mxg_policy_header *h = malloc(len);
	const char *why = NULL;

	assert_non_null(h);
	memcpy(h, base_image, len);
	row->mutate(h);
	if (!row->keep_checksum)
		h->checksum = mxg_policy_checksum(h, len);
	assert_int_equal(check_copy(h, len, 0, &why), -EINVAL);
	assert_non_null(why);
	if (!strstr(why, row->why))
		fail_msg("reason \"%s\" does not mention \"%s\"", why,
			 row->why);
	free(h);
}

static void base_is_valid(void **state)
{
	const char *why = "none";

	(void)state;
	assert_int_equal(check_copy(base_image, base_image->total_len, 0, &why),
			 0);
	assert_string_equal(why, "none"); /* untouched on success */
	assert_int_equal(mxg_policy_image_check(base_image,
						base_image->total_len, NULL),
			 0);
	assert_int_equal(mxg_policy_image_check(NULL, 0, NULL), -EINVAL);
}

/* Cut at every length: total_len as it was, and set to the cut length
 * (with the checksum fixed) so that the layout checks are reached. */
static void truncated(void **state)
{
	size_t len = base_image->total_len, cut;
	struct mxg_policy_header *h = malloc(len);

	(void)state;
	assert_non_null(h);
	for (cut = 0; cut < len; cut++) {
		memcpy(h, base_image, len);
		assert_int_equal(check_copy(h, cut, 0, NULL), -EINVAL);
		if (cut >= sizeof(*h)) {
			h->total_len = cut;
			h->checksum = 0;
			h->checksum = mxg_policy_checksum(h, cut);
			assert_int_equal(check_copy(h, cut, 0, NULL), -EINVAL);
		}
	}
	free(h);
}

/* Extended by 8 zero bytes, with total_len and checksum to match. */
static void extended(void **state)
{
	size_t len = base_image->total_len;
	struct mxg_policy_header *h = calloc(1, len + 8);
	const char *why = NULL;

	(void)state;
	assert_non_null(h);
	memcpy(h, base_image, len);
	h->total_len = len + 8;
	h->checksum = mxg_policy_checksum(h, len + 8);
	assert_int_equal(check_copy(h, len + 8, 0, &why), -EINVAL);
	assert_non_null(strstr(why, "regions"));
	free(h);
}

/* One v4 prefix: 4 bytes of padding before the v6 list, which must be 0. */
static void v6_gap(void **state)
{
	static const char text[] =
		"{\"version\":1,\"rules\":[{\"name\":\"r\",\"src\":[\"192.0.2.0/24\",\"2001:db8::/32\"],\"action\":\"deny\"}]}";
	struct mxg_policy_header *h;
	struct mxg_diag diag;
	const char *why = NULL;

	(void)state;
	mxg_diag_init(&diag);
	assert_int_equal(mxg_policy_compile_buffer("gap.json", text,
						   strlen(text), NULL, &h,
						   &diag),
			 0);
	mxg_diag_free(&diag);
	assert_int_equal(h->off_v6, h->off_v4 + 16);
	assert_int_equal(check_copy(h, h->total_len, 0, NULL), 0);
	*((uint8_t *)h + h->off_v6 - 1) = 1;
	h->checksum = mxg_policy_checksum(h, h->total_len);
	assert_int_equal(check_copy(h, h->total_len, 0, &why), -EINVAL);
	assert_non_null(strstr(why, "padding"));
	free(h);
}

static void misaligned(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(check_copy(base_image, base_image->total_len, 4, &why),
			 -EINVAL);
	assert_non_null(strstr(why, "aligned"));
}

/* Text names the compiler accepts pass: UTF-8 of 2, 3 and 4 bytes,
 * quotes and backslashes (the JSON writers escape them), 63 bytes. */
static void text_names_pass(void **state)
{
	static const char *const names[] = {
		"d\xc3\xa9j\xc3\xa0-vu",
		"\xe2\x82\xac-limit",
		"\xf0\x9f\x93\xa7 mail",
		"quote\"back\\slash",
		"\xef\xbf\xbd",
		"123456789012345678901234567890123456789012345678901234567890123",
	};
	size_t len = base_image->total_len, i;
	struct mxg_policy_header *h = malloc(len);
	const char *why = NULL;

	(void)state;
	assert_non_null(h);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		memcpy(h, base_image, len);
		set_name(&RULES(h)[R_ALLOW], names[i]);
		h->checksum = mxg_policy_checksum(h, len);
		if (check_copy(h, len, 0, &why))
			fail_msg("name %zu rejected: %s", i, why);
	}
	free(h);
}

/* Random byte flips anywhere (checksum fixed): never a crash; a change
 * to a byte that matters is caught, or yields another valid image. */
static void random_flips(void **state)
{
	size_t len = base_image->total_len;
	struct mxg_policy_header *h = malloc(len);
	uint64_t x = 88172645463325252ULL;
	unsigned int i, rejected = 0;

	(void)state;
	assert_non_null(h);
	for (i = 0; i < 20000; i++) {
		size_t pos;

		memcpy(h, base_image, len);
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		pos = (size_t)(x % len);
		if (pos >= 16 && pos < 24)
			continue; /* the checksum itself */
		((uint8_t *)h)[pos] ^= (uint8_t)(1u << (x >> 61));
		h->checksum = mxg_policy_checksum(h, len);
		rejected += check_copy(h, len, 0, NULL) != 0;
	}
	print_message("random flips: %u of 20000 rejected\n", rejected);
	assert_true(rejected > 10000);
	free(h);
}

static int setup(void **state)
{
	struct mxg_diag diag;
	int rc;

	(void)state;
	mxg_diag_init(&diag);
	rc = mxg_policy_compile_file("control/examples/default.json",
				     &base_image, &diag);
	mxg_diag_free(&diag);
	if (rc)
		return -1;
	/* The rows assume this shape. */
	if (mxg_policy_rules(base_image)[R_ALLOW].action != MXG_ACTION_ALLOW ||
	    mxg_policy_rules(base_image)[R_DENY].action != MXG_ACTION_DENY ||
	    mxg_policy_rules(base_image)[R_LIMIT].action != MXG_ACTION_LIMIT ||
	    base_image->n_v4 < 3 || base_image->n_v6 < 2)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(base_image);
	return 0;
}

int main(void)
{
	struct CMUnitTest *tests;
	size_t i, n = N_ROWS + 7;
	int rc;

	tests = calloc(n, sizeof(*tests));
	if (!tests)
		return 1;
	for (i = 0; i < N_ROWS; i++) {
		tests[i].name = rows[i].desc;
		tests[i].test_func = check_row;
		tests[i].initial_state = (void *)&rows[i];
	}
	tests[i].name = "the base image is valid";
	tests[i++].test_func = base_is_valid;
	tests[i].name = "truncated at every length";
	tests[i++].test_func = truncated;
	tests[i].name = "extended";
	tests[i++].test_func = extended;
	tests[i].name = "padding before the v6 list";
	tests[i++].test_func = v6_gap;
	tests[i].name = "misaligned buffer";
	tests[i++].test_func = misaligned;
	tests[i].name = "text rule names pass";
	tests[i++].test_func = text_names_pass;
	tests[i].name = "random bit flips";
	tests[i++].test_func = random_flips;
	rc = _cmocka_run_group_tests("corrupted images", tests, n, setup,
				     teardown);
	free(tests);
	return rc;
}
