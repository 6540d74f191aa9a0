// SPDX-License-Identifier: BSD-3-Clause
/*
 * Good policies: what the compiled image holds. Defaults of DESIGN §3,
 * set bits and their names, prefix dedup, classes (the OR over covering
 * prefixes, checked by classifying addresses through the portable LPM),
 * key ids that survive rule reordering, bucket parameters; and every
 * example in control/examples/, content asserted. Every image must pass
 * mxg_policy_image_check().
 *
 * --dump DIR writes the inline policies as DIR/good-NN.json for the
 * schema test.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "lpm.h"
#include "policy_compile.h"
#include "policy_image.h"

#define EXAMPLES "control/examples"

/* The inline good policies (also dumped for the schema test). */
static const char *const good_texts[] = {
#define P_MINIMAL 0
	"{\"version\":1,\"rules\":[{\"name\":\"r\",\"limit\":{\"rate\":5,\"burst\":2}}]}",
#define P_PER 1
	"{\"version\": 1, \"rules\": [\n"
	" {\"name\": \"host\", \"limit\": {\"rate\": \"1/s\", \"burst\": 1}},\n"
	" {\"name\": \"host56\", \"limit\": {\"rate\": \"1/s\", \"burst\": 1, \"per\": \"host\", \"ipv6_prefix\": 56}},\n"
	" {\"name\": \"prefix\", \"limit\": {\"rate\": \"1/min\", \"burst\": 1, \"per\": \"prefix\"}},\n"
	" {\"name\": \"prefix16\", \"limit\": {\"rate\": \"1/h\", \"burst\": 1, \"per\": \"prefix\", \"ipv4_prefix\": 16, \"ipv6_prefix\": 32}},\n"
	" {\"name\": \"dst\", \"limit\": {\"rate\": 7, \"burst\": 3, \"per\": \"dst\"}, \"over\": \"drop\"},\n"
	" {\"name\": \"global\", \"action\": \"limit\", \"limit\": {\"rate\": \"1000000000/s\", \"burst\": 100000, \"per\": \"global\"}, \"over\": \"reset\"}\n"
	"]}",
#define P_SETS 2
	"{\"version\": 1,\n"
	" \"protected\": [\"198.51.100.0/24\"],\n"
	" \"sets\": {\"a\": [\"192.0.2.0/24\", \"192.0.2.0/24\", \"2001:db8::/32\"],\n"
	"          \"b\": [\"192.0.2.0/25\", \"192.0.2.64/26\", \"198.51.100.0/24\"],\n"
	"          \"empty\": []},\n"
	" \"rules\": [\n"
	"  {\"name\": \"r0\", \"src\": \"@a\", \"dst\": \"@b\", \"action\": \"allow\"},\n"
	"  {\"name\": \"r1\", \"src\": [\"192.0.2.128/25\", \"2001:db8:1::/48\"], \"dst\": \"203.0.113.9\", \"dst_port\": [25, 2525], \"family\": \"ipv4\", \"action\": \"deny\"},\n"
	"  {\"name\": \"r2\", \"src\": \"2001:db8::1\", \"family\": \"ipv6\", \"limit\": {\"rate\": \"5/min\", \"burst\": 5}}\n"
	"]}",
#define P_ORDER_A 3
	"{\"version\":1,\"rules\":["
	"{\"name\":\"x\",\"src\":\"192.0.2.0/24\",\"action\":\"deny\"},"
	"{\"name\":\"y\",\"limit\":{\"rate\":\"20/min\",\"burst\":10}},"
	"{\"name\":\"z\",\"limit\":{\"rate\":\"200/min\",\"burst\":50,\"per\":\"prefix\"}}]}",
#define P_ORDER_B 4
	"{\"version\":1,\"rules\":["
	"{\"name\":\"z\",\"limit\":{\"per\":\"prefix\",\"burst\":50,\"rate\":\"200/min\"}},"
	"{\"name\":\"x\",\"src\":\"192.0.2.0/24\",\"action\":\"deny\"},"
	"{\"name\":\"y\",\"limit\":{\"rate\":\"20/min\",\"burst\":10},\"over\":\"reset\"}]}",
#define P_ORDER_C 5
	"{\"version\":1,\"rules\":["
	"{\"name\":\"x\",\"src\":\"192.0.2.0/24\",\"action\":\"deny\"},"
	"{\"name\":\"y\",\"limit\":{\"rate\":\"21/min\",\"burst\":10}},"
	"{\"name\":\"z\",\"limit\":{\"rate\":\"200/min\",\"burst\":50,\"per\":\"prefix\",\"ipv4_prefix\":23}}]}",
#define P_SYNTAX 6
	"\xef\xbb\xbf{\r\n  \"version\" : 1 ,\r\n  \"mode\":\"monitor\",\"smtp_ports\":[ 2525 ],\r\n"
	"  \"rules\": [ { \"name\" : \"caf\\u00e9 \\u2192 mx\", \"dst_port\": [2525], \"action\": \"deny\" } ]\r\n}\r\n",
#define P_FILES 7
	"{\"version\":1,\"sets\":{\"d\":{\"file\":\"ok.drop\",\"format\":\"spamhaus-drop\"}},"
	"\"rules\":[{\"name\":\"r\",\"src\":\"@d\",\"action\":\"deny\"}]}",
#define P_WIDE 8
	"{\"version\":1,\"rules\":[{\"name\":\"all-v4\",\"src\":[\"0.0.0.0/0\",\"192.0.2.1\",\"::/0\",\"2001:db8::/128\"],\"action\":\"deny\"}]}",
#define P_ECMP 9
	"{\"version\": 1, \"ecmp_share\": 3, \"rules\": [\n"
	" {\"name\": \"host\", \"limit\": {\"rate\": \"2/s\", \"burst\": 5}},\n"
	" {\"name\": \"prefix\", \"limit\": {\"rate\": \"5/s\", \"burst\": 10, \"per\": \"prefix\"}},\n"
	" {\"name\": \"dst\", \"limit\": {\"rate\": \"10/s\", \"burst\": 20, \"per\": \"dst\"}},\n"
	" {\"name\": \"global\", \"limit\": {\"rate\": \"30/s\", \"burst\": 1, \"per\": \"global\"}},\n"
	" {\"name\": \"g-min\", \"limit\": {\"rate\": \"7/min\", \"burst\": 3, \"per\": \"global\"}},\n"
	" {\"name\": \"g-h\", \"limit\": {\"rate\": \"1/h\", \"burst\": 2, \"per\": \"global\"}},\n"
	" {\"name\": \"g-max\", \"limit\": {\"rate\": \"1000000000/s\", \"burst\": 100000, \"per\": \"global\"}}\n"
	"]}",
#define P_AUTO 10
	"{\"version\": 1, \"auto_block\": {\"drops\": \"60/min\", \"for\": \"2m\",\n"
	" \"ttl\": 3600, \"ipv4_prefix\": 24, \"ipv6_prefix\": 48},\n"
	" \"rules\": [{\"name\": \"host\", \"limit\": {\"rate\": \"2/s\", \"burst\": 5}}]}",
#define P_AUTO_MIN 11
	"{\"version\": 1, \"auto_block\": {\"drops\": 5, \"for\": \"90\", \"ttl\": \"1d\"},\n"
	" \"rules\": [{\"name\": \"host\", \"limit\": {\"rate\": \"2/s\", \"burst\": 5}}]}",
};

#define N_GOOD (sizeof(good_texts) / sizeof(good_texts[0]))

static struct mxg_policy_header *compile_text(const char *text,
					      const char *base_dir)
{
	struct mxg_policy_header *image = NULL;
	struct mxg_diag diag;
	const char *why = NULL;
	unsigned int i;
	int rc;

	mxg_diag_init(&diag);
	rc = mxg_policy_compile_buffer("good.json", text, strlen(text),
				       base_dir, &image, &diag);
	for (i = 0; i < diag.stored; i++)
		print_message("unexpected: %s\n", diag.lines[i]);
	assert_int_equal(rc, 0);
	assert_int_equal(diag.count, 0);
	assert_non_null(image);
	mxg_diag_free(&diag);
	rc = mxg_policy_image_check(image, image->total_len, &why);
	if (rc)
		print_message("image check: %s\n", why);
	assert_int_equal(rc, 0);
	assert_int_equal(image->generation, 0);
	assert_true(image->checksum ==
		    mxg_policy_checksum(image, image->total_len));
	return image;
}

static struct mxg_policy_header *compile_path(const char *path)
{
	struct mxg_policy_header *image = NULL;
	struct mxg_diag diag;
	unsigned int i;
	int rc;

	mxg_diag_init(&diag);
	rc = mxg_policy_compile_file(path, &image, &diag);
	for (i = 0; i < diag.stored; i++)
		print_message("unexpected: %s\n", diag.lines[i]);
	assert_int_equal(rc, 0);
	mxg_diag_free(&diag);
	assert_int_equal(mxg_policy_image_check(image, image->total_len, NULL),
			 0);
	return image;
}

static const struct mxg_rule *rule_named(const struct mxg_policy_header *h,
					 const char *name)
{
	const struct mxg_rule *r = mxg_policy_rules(h);
	uint32_t i;

	for (i = 0; i < h->n_rules; i++)
		if (!strcmp(r[i].name, name))
			return &r[i];
	fail_msg("no rule %s", name);
	return NULL;
}

static void assert_limit(const struct mxg_rule *r, uint8_t kind, uint8_t p4,
			 uint8_t p6, uint32_t count, uint32_t period,
			 uint32_t burst, uint8_t over)
{
	struct mxg_bucket_params bp;

	assert_int_equal(r->action, MXG_ACTION_LIMIT);
	assert_int_equal(r->key_kind, kind);
	assert_int_equal(r->ipv4_prefix, p4);
	assert_int_equal(r->ipv6_prefix, p6);
	assert_int_equal(r->rate_count, count);
	assert_int_equal(r->rate_period_s, period);
	assert_int_equal(r->burst, burst);
	assert_int_equal(r->over, over);
	memset(&bp, 0, sizeof(bp));
	assert_int_equal(mxg_bucket_params_init(&bp, count, period, burst), 0);
	assert_memory_equal(&bp, &r->bucket, sizeof(bp));
	assert_int_equal(r->key_id, mxg_rule_key_id(r));
}

/*
 * The sets an address belongs to, by one LPM lookup: a string of set
 * names "protected,@drop" (in bit order), or "" for none.
 */
static void sets_of(const struct mxg_policy_header *h,
		    const struct mxg_lpm *lpm, const char *addr, char *out,
		    size_t len)
{
	const struct mxg_setmask *classes = mxg_policy_classes(h);
	const struct mxg_set_info *sets = mxg_policy_sets(h);
	uint8_t a[16];
	uint32_t cls, bit;
	size_t used = 0;

	if (strchr(addr, ':')) {
		assert_int_equal(inet_pton(AF_INET6, addr, a), 1);
		cls = mxg_lpm_lookup6(lpm, a);
	} else {
		assert_int_equal(inet_pton(AF_INET, addr, a), 1);
		cls = mxg_lpm_lookup4(lpm, (uint32_t)a[0] << 24 |
						   (uint32_t)a[1] << 16 |
						   (uint32_t)a[2] << 8 | a[3]);
	}
	assert_true(cls < h->n_classes);
	out[0] = '\0';
	for (bit = 0; bit < h->n_sets; bit++)
		if (mxg_setmask_test(&classes[cls], bit))
			used += (size_t)snprintf(out + used, len - used, "%s%s",
						 used ? "," : "",
						 sets[bit].name);
}

struct addr_sets {
	const char *addr;
	const char *sets;
};

static void assert_classes(const struct mxg_policy_header *h,
			   const struct addr_sets *want, size_t n)
{
	struct mxg_lpm *lpm;
	char got[512];
	size_t i;

	assert_int_equal(mxg_lpm_build(&lpm, mxg_policy_v4(h), h->n_v4,
				       mxg_policy_v6(h), h->n_v6),
			 0);
	for (i = 0; i < n; i++) {
		sets_of(h, lpm, want[i].addr, got, sizeof(got));
		if (strcmp(got, want[i].sets))
			fail_msg("%s: sets \"%s\", want \"%s\"", want[i].addr,
				 got, want[i].sets);
	}
	mxg_lpm_free(lpm);
}

/* Every field DESIGN §3 leaves out gets its default. */
static void defaults(void **state)
{
	struct mxg_policy_header *h = compile_text(good_texts[P_MINIMAL], NULL);
	const struct mxg_rule *r = mxg_policy_rules(h);
	static const uint16_t ports[MXG_PORTS_MAX] = { 25, 465, 587 };

	(void)state;
	assert_int_equal(h->magic, MXG_POLICY_MAGIC);
	assert_int_equal(h->version, MXG_POLICY_VERSION);
	assert_int_equal(h->header_len, sizeof(*h));
	assert_int_equal(h->mode, MXG_MODE_ENFORCE);
	assert_int_equal(h->has_protected, 0);
	assert_int_equal(h->n_smtp_ports, 3);
	assert_memory_equal(h->smtp_ports, ports, sizeof(ports));
	assert_int_equal(h->n_rules, 1);
	assert_int_equal(h->n_sets, 0);
	assert_int_equal(h->n_classes, 1);
	assert_int_equal(h->n_v4, 0);
	assert_int_equal(h->n_v6, 0);
	assert_int_equal(mxg_policy_prefix_count(h), 0);
	assert_string_equal(r->name, "r");
	assert_int_equal(r->family, MXG_FAMILY_ANY);
	assert_int_equal(r->src_set, MXG_SET_NONE);
	assert_int_equal(r->dst_set, MXG_SET_NONE);
	assert_int_equal(r->n_ports, 0);
	/* action limit by default; per host, 32/64; over drop; N per s */
	assert_limit(r, MXG_KEY_HOST, 32, 64, 5, 1, 2, MXG_OVER_DROP);
	free(h);
}

/* Key kinds and their prefix defaults and overrides; rate units. */
static void per_and_rates(void **state)
{
	struct mxg_policy_header *h = compile_text(good_texts[P_PER], NULL);

	(void)state;
	assert_int_equal(h->n_rules, 6);
	assert_limit(rule_named(h, "host"), MXG_KEY_HOST, 32, 64, 1, 1, 1,
		     MXG_OVER_DROP);
	assert_limit(rule_named(h, "host56"), MXG_KEY_HOST, 32, 56, 1, 1, 1,
		     MXG_OVER_DROP);
	assert_limit(rule_named(h, "prefix"), MXG_KEY_PREFIX, 24, 48, 1, 60, 1,
		     MXG_OVER_DROP);
	assert_limit(rule_named(h, "prefix16"), MXG_KEY_PREFIX, 16, 32, 1, 3600,
		     1, MXG_OVER_DROP);
	assert_limit(rule_named(h, "dst"), MXG_KEY_DST, 32, 128, 7, 1, 3,
		     MXG_OVER_DROP);
	assert_limit(rule_named(h, "global"), MXG_KEY_GLOBAL, 0, 0, 1000000000,
		     1, 100000, MXG_OVER_RESET);
	free(h);
}

/*
 * ecmp_share N: per: global and per: dst limits become one box's share
 * (rate / N in the shortest exact period, else per hour rounded up;
 * burst / N rounded up, at least 1); per host and per prefix stay whole.
 */
static void ecmp_share(void **state)
{
	struct mxg_policy_header *h = compile_text(good_texts[P_ECMP], NULL);

	(void)state;
	assert_int_equal(h->n_rules, 7);
	assert_limit(rule_named(h, "host"), MXG_KEY_HOST, 32, 64, 2, 1, 5,
		     MXG_OVER_DROP);
	assert_limit(rule_named(h, "prefix"), MXG_KEY_PREFIX, 24, 48, 5, 1, 10,
		     MXG_OVER_DROP);
	/* 10/s / 3 = 200/min exactly; burst 20 / 3 -> 7 */
	assert_limit(rule_named(h, "dst"), MXG_KEY_DST, 32, 128, 200, 60, 7,
		     MXG_OVER_DROP);
	assert_limit(rule_named(h, "global"), MXG_KEY_GLOBAL, 0, 0, 10, 1, 1,
		     MXG_OVER_DROP);
	/* 7/min / 3 = 140/h exactly */
	assert_limit(rule_named(h, "g-min"), MXG_KEY_GLOBAL, 0, 0, 140, 3600, 1,
		     MXG_OVER_DROP);
	/* 1/h / 3: at least 1/h */
	assert_limit(rule_named(h, "g-h"), MXG_KEY_GLOBAL, 0, 0, 1, 3600, 1,
		     MXG_OVER_DROP);
	/* 10^9/s / 3: per hour overflows 32 bits; per second, rounded up */
	assert_limit(rule_named(h, "g-max"), MXG_KEY_GLOBAL, 0, 0, 333333334, 1,
		     33334, MXG_OVER_DROP);
	free(h);
}

/*
 * auto_block is mxgated's (it reads it from the policy it compiled): the
 * image is the one the same policy compiles to without it.
 */
static void auto_block(void **state)
{
	static const char plain[] =
		"{\"version\": 1, \"rules\": [{\"name\": \"host\", "
		"\"limit\": {\"rate\": \"2/s\", \"burst\": 5}}]}";
	struct mxg_policy_header *a = compile_text(good_texts[P_AUTO], NULL);
	struct mxg_policy_header *m =
		compile_text(good_texts[P_AUTO_MIN], NULL);
	struct mxg_policy_header *b = compile_text(plain, NULL);

	(void)state;
	assert_int_equal(a->total_len, b->total_len);
	assert_memory_equal(a, b, b->total_len);
	assert_memory_equal(m, b, b->total_len);
	free(a);
	free(m);
	free(b);
}

/*
 * Set bits (protected, named in order, then inline per rule), set names
 * and counts, prefix dedup across sets, and classes: one lookup gives
 * every set containing the address.
 */
static void sets_and_classes(void **state)
{
	struct mxg_policy_header *h = compile_text(good_texts[P_SETS], NULL);
	const struct mxg_set_info *s = mxg_policy_sets(h);
	const struct mxg_setmask *classes = mxg_policy_classes(h);
	const struct mxg_prefix4 *v4 = mxg_policy_v4(h);
	static const struct addr_sets want[] = {
		{ "192.0.2.1", "@a,@b" },
		{ "192.0.2.65", "@a,@b" },
		{ "192.0.2.127", "@a,@b" },
		{ "192.0.2.128", "@a,rules[1].src" },
		{ "192.0.2.255", "@a,rules[1].src" },
		{ "192.0.1.255", "" },
		{ "192.0.3.0", "" },
		{ "198.51.100.77", "protected,@b" },
		{ "203.0.113.9", "rules[1].dst" },
		{ "203.0.113.10", "" },
		{ "2001:db8::1", "@a,rules[2].src" },
		{ "2001:db8::2", "@a" },
		{ "2001:db8:1::5", "@a,rules[1].src" },
		{ "2001:db9::", "" },
		{ "::", "" },
		{ "0.0.0.0", "" },
		{ "255.255.255.255", "" },
	};
	const struct mxg_rule *r;
	uint32_t i;

	(void)state;
	assert_int_equal(h->has_protected, 1);
	assert_int_equal(h->n_sets, 7);
	assert_string_equal(s[0].name, "protected");
	assert_string_equal(s[1].name, "@a");
	assert_string_equal(s[2].name, "@b");
	assert_string_equal(s[3].name, "@empty");
	assert_string_equal(s[4].name, "rules[1].src");
	assert_string_equal(s[5].name, "rules[1].dst");
	assert_string_equal(s[6].name, "rules[2].src");
	assert_int_equal(s[0].n_prefixes, 1);
	assert_int_equal(s[1].n_prefixes, 3); /* as given, before dedup */
	assert_int_equal(s[2].n_prefixes, 3);
	assert_int_equal(s[3].n_prefixes, 0);
	assert_int_equal(s[4].n_prefixes, 2);
	/*
	 * Distinct v4: 192.0.2.0/24, 192.0.2.0/25, 192.0.2.64/26,
	 * 192.0.2.128/25, 198.51.100.0/24 (protected and @b), 203.0.113.9/32.
	 */
	assert_int_equal(h->n_v4, 6);
	assert_int_equal(h->n_v6, 3); /* 2001:db8::/32, ::1/128, 1::/48 */
	assert_int_equal(mxg_policy_prefix_count(h), 9);
	for (i = 1; i < h->n_v4; i++)
		assert_true(v4[i - 1].addr < v4[i].addr ||
			    (v4[i - 1].addr == v4[i].addr &&
			     v4[i - 1].len < v4[i].len));
	assert_int_equal(v4[0].addr, 0xc0000200);
	assert_int_equal(v4[0].len, 24);
	assert_int_equal(v4[1].len, 25);
	/* 192.0.2.0/25 inside @a's /24: its class has both sets. */
	assert_true(mxg_setmask_test(&classes[v4[1].class_id], 1));
	assert_true(mxg_setmask_test(&classes[v4[1].class_id], 2));
	/* /25 and /26 (both @b inside @a) share one class. */
	assert_int_equal(v4[1].class_id, v4[2].class_id);
	/* Distinct masks only, and class 0 empty. */
	for (i = 0; i < h->n_classes; i++) {
		uint32_t j;

		for (j = 0; j < i; j++)
			assert_memory_not_equal(&classes[i], &classes[j],
						sizeof(classes[i]));
	}
	/* {}, {a}, {a,b}, {a,r1.src}, {prot,b}, {r1.dst}, {a,r2.src}: the
	 * v6 {a,r1.src} of 2001:db8:1::/48 is the v4 /25's class. */
	assert_int_equal(h->n_classes, 7);
	assert_classes(h, want, sizeof(want) / sizeof(want[0]));

	r = rule_named(h, "r0");
	assert_int_equal(r->action, MXG_ACTION_ALLOW);
	assert_int_equal(r->src_set, 1);
	assert_int_equal(r->dst_set, 2);
	assert_int_equal(r->key_kind, 0);
	assert_int_equal(r->rate_count, 0);
	r = rule_named(h, "r1");
	assert_int_equal(r->action, MXG_ACTION_DENY);
	assert_int_equal(r->src_set, 4);
	assert_int_equal(r->dst_set, 5);
	assert_int_equal(r->family, MXG_FAMILY_IPV4);
	assert_int_equal(r->n_ports, 2);
	assert_int_equal(r->ports[0], 25);
	assert_int_equal(r->ports[1], 2525);
	r = rule_named(h, "r2");
	assert_int_equal(r->src_set, 6);
	assert_int_equal(r->dst_set, MXG_SET_NONE);
	assert_int_equal(r->family, MXG_FAMILY_IPV6);
	assert_limit(r, MXG_KEY_HOST, 32, 64, 5, 60, 5, MXG_OVER_DROP);
	free(h);
}

/* Key ids depend on the name and the bucket, not on the rule's place. */
static void key_ids_stable(void **state)
{
	struct mxg_policy_header *a = compile_text(good_texts[P_ORDER_A], NULL);
	struct mxg_policy_header *b = compile_text(good_texts[P_ORDER_B], NULL);
	struct mxg_policy_header *c = compile_text(good_texts[P_ORDER_C], NULL);

	(void)state;
	assert_string_equal(mxg_policy_rules(b)[0].name, "z");
	assert_int_equal(rule_named(a, "x")->key_id,
			 rule_named(b, "x")->key_id);
	assert_int_equal(rule_named(a, "y")->key_id,
			 rule_named(b, "y")->key_id);
	assert_int_equal(rule_named(a, "z")->key_id,
			 rule_named(b, "z")->key_id);
	/* Another rate, another key prefix: fresh buckets. */
	assert_int_not_equal(rule_named(a, "y")->key_id,
			     rule_named(c, "y")->key_id);
	assert_int_not_equal(rule_named(a, "z")->key_id,
			     rule_named(c, "z")->key_id);
	assert_int_equal(rule_named(a, "x")->key_id,
			 rule_named(c, "x")->key_id);
	/* Distinct rules, distinct ids. */
	assert_int_not_equal(rule_named(a, "y")->key_id,
			     rule_named(a, "z")->key_id);
	free(a);
	free(b);
	free(c);
}

/*
 * The key id hashes the compiled bucket (interval and tau): another
 * burst at the same rate starts fresh buckets too, and a rate written
 * another way that compiles to the same bucket keeps them.
 */
static void key_ids_follow_bucket(void **state)
{
	struct mxg_policy_header *a = compile_text(
		"{\"version\":1,\"rules\":[{\"name\":\"y\",\"limit\":{\"rate\":\"20/min\",\"burst\":10}}]}",
		NULL);
	struct mxg_policy_header *b = compile_text(
		"{\"version\":1,\"rules\":[{\"name\":\"y\",\"limit\":{\"rate\":\"20/min\",\"burst\":11}}]}",
		NULL);
	struct mxg_policy_header *c = compile_text(
		"{\"version\":1,\"rules\":[{\"name\":\"y\",\"limit\":{\"rate\":\"1200/h\",\"burst\":10}}]}",
		NULL);
	const struct mxg_rule *ra = rule_named(a, "y");

	(void)state;
	assert_int_equal(ra->bucket.interval_ns, 3000000000ULL);
	assert_int_equal(ra->bucket.tau_ns, 9 * 3000000000ULL);
	assert_int_not_equal(ra->key_id, rule_named(b, "y")->key_id);
	assert_int_equal(ra->key_id, rule_named(c, "y")->key_id);
	free(a);
	free(b);
	free(c);
}

/* BOM, CRLF, spaces around ':' and ',', \u escapes, monitor mode. */
static void syntax_variants(void **state)
{
	struct mxg_policy_header *h = compile_text(good_texts[P_SYNTAX], NULL);
	const struct mxg_rule *r = mxg_policy_rules(h);

	(void)state;
	assert_int_equal(h->mode, MXG_MODE_MONITOR);
	assert_int_equal(h->n_smtp_ports, 1);
	assert_int_equal(h->smtp_ports[0], 2525);
	assert_string_equal(r->name, "caf\xc3\xa9 \xe2\x86\x92 mx");
	assert_int_equal(r->action, MXG_ACTION_DENY);
	assert_int_equal(r->n_ports, 1);
	free(h);
}

/* spamhaus-drop with CRLF and trailing white space, relative path. */
static void set_file(void **state)
{
	struct mxg_policy_header *h =
		compile_text(good_texts[P_FILES], "tests/policy");
	static const struct addr_sets want[] = {
		{ "192.0.2.9", "@d" },
		{ "2001:db8:1:2::3", "@d" },
		{ "2001:db8:2::", "" },
	};

	(void)state;
	assert_int_equal(h->n_v4, 1);
	assert_int_equal(h->n_v6, 1);
	assert_int_equal(mxg_policy_sets(h)[0].n_prefixes, 2);
	assert_classes(h, want, sizeof(want) / sizeof(want[0]));
	free(h);
}

/* /0 and full-length prefixes; a bare address is a /32 or /128. */
static void wide_and_narrow(void **state)
{
	struct mxg_policy_header *h = compile_text(good_texts[P_WIDE], NULL);
	const struct mxg_prefix4 *v4 = mxg_policy_v4(h);
	const struct mxg_prefix6 *v6 = mxg_policy_v6(h);
	static const struct addr_sets want[] = {
		{ "0.0.0.0", "rules[0].src" },
		{ "192.0.2.1", "rules[0].src" },
		{ "255.255.255.255", "rules[0].src" },
		{ "::", "rules[0].src" },
		{ "2001:db8::", "rules[0].src" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "rules[0].src" },
	};

	(void)state;
	assert_int_equal(h->n_v4, 2);
	assert_int_equal(v4[0].len, 0);
	assert_int_equal(v4[1].len, 32);
	assert_int_equal(v4[0].class_id, v4[1].class_id);
	assert_int_equal(h->n_v6, 2);
	assert_int_equal(v6[0].len, 0);
	assert_int_equal(v6[1].len, 128);
	assert_int_equal(h->n_classes, 2);
	assert_classes(h, want, sizeof(want) / sizeof(want[0]));
	free(h);
}

/*
 * The capacity maxima: exactly MXG_NAMED_SETS_MAX named sets and
 * MXG_RULES_MAX rules (one more of either is a bad-policy row). Rule i < 32
 * denies @s<i>; rule i >= 32 is a limit with its own rate and burst.
 */
static char *maxima_text(void)
{
	size_t cap = 16384, len = 0;
	char *t = malloc(cap);
	unsigned int i;

	assert_non_null(t);
	len += (size_t)snprintf(t + len, cap - len,
				"{\"version\": 1,\n \"sets\": {");
	for (i = 0; i < MXG_NAMED_SETS_MAX; i++)
		len += (size_t)snprintf(
			t + len, cap - len,
			"%s\n  \"s%u\": [\"10.%u.0.0/16\", \"2001:db8:%x::/48\"]",
			i ? "," : "", i, i, i);
	len += (size_t)snprintf(t + len, cap - len, "},\n \"rules\": [");
	for (i = 0; i < MXG_RULES_MAX; i++) {
		if (i < MXG_NAMED_SETS_MAX)
			len += (size_t)snprintf(
				t + len, cap - len,
				"%s\n  {\"name\": \"deny-%u\", \"src\": \"@s%u\", \"action\": \"deny\"}",
				i ? "," : "", i, i);
		else
			len += (size_t)snprintf(
				t + len, cap - len,
				"%s\n  {\"name\": \"limit-%u\", \"family\": \"%s\", \"limit\": {\"rate\": \"%u/min\", \"burst\": %u}}",
				i ? "," : "", i, i & 1 ? "ipv6" : "ipv4", i,
				i - 31);
	}
	len += (size_t)snprintf(t + len, cap - len, "\n]}\n");
	assert_true(len < cap - 1);
	return t;
}

static void capacity_maxima(void **state)
{
	char *text = maxima_text();
	struct mxg_policy_header *h = compile_text(text, NULL);
	const struct mxg_rule *r = mxg_policy_rules(h);
	const struct mxg_set_info *s = mxg_policy_sets(h);
	struct addr_sets want[2 * MXG_NAMED_SETS_MAX + 1];
	char names[2 * MXG_NAMED_SETS_MAX][2][48];
	uint32_t i, j;

	(void)state;
	assert_int_equal(h->n_rules, MXG_RULES_MAX);
	assert_int_equal(h->n_rules, 64);
	assert_int_equal(h->n_sets, MXG_NAMED_SETS_MAX);
	assert_int_equal(h->n_sets, 32);
	assert_int_equal(h->has_protected, 0);
	assert_int_equal(h->n_v4, 32);
	assert_int_equal(h->n_v6, 32);
	assert_int_equal(mxg_policy_prefix_count(h), 64);
	assert_int_equal(h->n_classes, 33); /* none, then one per set */
	for (i = 0; i < MXG_NAMED_SETS_MAX; i++) {
		char want_name[16];

		snprintf(want_name, sizeof(want_name), "@s%u", i);
		assert_string_equal(s[i].name, want_name);
		assert_int_equal(s[i].n_prefixes, 2);
	}
	for (i = 0; i < MXG_RULES_MAX; i++) {
		char want_name[16];

		if (i < MXG_NAMED_SETS_MAX) {
			snprintf(want_name, sizeof(want_name), "deny-%u", i);
			assert_string_equal(r[i].name, want_name);
			assert_int_equal(r[i].action, MXG_ACTION_DENY);
			assert_int_equal(r[i].src_set, i);
			assert_int_equal(r[i].family, MXG_FAMILY_ANY);
		} else {
			snprintf(want_name, sizeof(want_name), "limit-%u", i);
			assert_string_equal(r[i].name, want_name);
			assert_int_equal(r[i].src_set, MXG_SET_NONE);
			assert_int_equal(r[i].family, i & 1 ? MXG_FAMILY_IPV6 :
							      MXG_FAMILY_IPV4);
			assert_limit(&r[i], MXG_KEY_HOST, 32, 64, i, 60, i - 31,
				     MXG_OVER_DROP);
		}
		assert_int_equal(r[i].dst_set, MXG_SET_NONE);
		for (j = 0; j < i; j++)
			assert_int_not_equal(r[i].key_id, r[j].key_id);
	}
	/* One lookup per address finds its one set, for all 32. */
	for (i = 0; i < MXG_NAMED_SETS_MAX; i++) {
		snprintf(names[2 * i][0], sizeof(names[0][0]), "10.%u.255.1",
			 i);
		snprintf(names[2 * i][1], sizeof(names[0][1]), "@s%u", i);
		snprintf(names[2 * i + 1][0], sizeof(names[0][0]),
			 "2001:db8:%x:ffff::1", i);
		snprintf(names[2 * i + 1][1], sizeof(names[0][1]), "@s%u", i);
		want[2 * i] =
			(struct addr_sets){ names[2 * i][0], names[2 * i][1] };
		want[2 * i + 1] = (struct addr_sets){ names[2 * i + 1][0],
						      names[2 * i + 1][1] };
	}
	want[2 * MXG_NAMED_SETS_MAX] = (struct addr_sets){ "10.32.0.1", "" };
	assert_classes(h, want, sizeof(want) / sizeof(want[0]));
	free(h);
	free(text);
}

/* control/examples/default.json: DESIGN's MX-edge policy. */
static void example_default(void **state)
{
	struct mxg_policy_header *h = compile_path(EXAMPLES "/default.json");
	const struct mxg_set_info *s = mxg_policy_sets(h);
	const struct mxg_rule *r;
	static const struct addr_sets want[] = {
		{ "198.51.100.7", "protected" },
		{ "198.51.100.200", "protected,@drop" },
		{ "192.0.2.5", "@partners" },
		{ "192.0.2.130", "@drop" },
		{ "192.0.2.100", "" },
		{ "203.0.113.5", "@drop" },
		{ "203.0.113.150", "" },
		{ "203.0.113.200", "@drop" },
		{ "2001:db8:25::1", "protected" },
		{ "2001:db8:1::5", "@partners" },
		{ "2001:db8:bad::1", "@drop" },
		{ "2001:db8:dead:beef::1", "@drop" },
		{ "2001:db8:dead:bef0::1", "" },
	};

	(void)state;
	assert_int_equal(h->mode, MXG_MODE_ENFORCE);
	assert_int_equal(h->has_protected, 1);
	assert_int_equal(h->n_smtp_ports, 3);
	assert_int_equal(h->n_rules, 5);
	assert_int_equal(h->n_sets, 3);
	assert_string_equal(s[0].name, "protected");
	assert_string_equal(s[1].name, "@partners");
	assert_string_equal(s[2].name, "@drop");
	assert_int_equal(s[2].n_prefixes, 6);
	assert_int_equal(h->n_v4, 6);
	assert_int_equal(h->n_v6, 4);
	assert_int_equal(mxg_policy_prefix_count(h), 10);
	r = rule_named(h, "partners");
	assert_int_equal(r->action, MXG_ACTION_ALLOW);
	assert_int_equal(r->src_set, 1);
	r = rule_named(h, "drop-list");
	assert_int_equal(r->action, MXG_ACTION_DENY);
	assert_int_equal(r->src_set, 2);
	assert_limit(rule_named(h, "per-host"), MXG_KEY_HOST, 32, 64, 20, 60,
		     10, MXG_OVER_DROP);
	assert_limit(rule_named(h, "per-net"), MXG_KEY_PREFIX, 24, 48, 200, 60,
		     50, MXG_OVER_DROP);
	assert_limit(rule_named(h, "mx-total"), MXG_KEY_GLOBAL, 0, 0, 2000, 1,
		     4000, MXG_OVER_RESET);
	assert_classes(h, want, sizeof(want) / sizeof(want[0]));
	free(h);
}

/* control/examples/isp-egress.json: outbound, per subscriber and dst. */
static void example_isp_egress(void **state)
{
	struct mxg_policy_header *h = compile_path(EXAMPLES "/isp-egress.json");
	const struct mxg_rule *r;
	static const struct addr_sets want[] = {
		{ "198.51.100.10", "@customers,rules[5].src" },
		{ "192.0.2.25", "@relays,rules[5].src" },
		{ "192.0.2.27", "rules[5].src" },
		{ "2001:db8:c123::1", "@customers,rules[5].src" },
		{ "2001:db8:25::25", "@relays,rules[5].src" },
	};

	(void)state;
	assert_int_equal(h->has_protected, 0);
	assert_int_equal(h->n_smtp_ports, 1);
	assert_int_equal(h->smtp_ports[0], 25);
	assert_int_equal(h->n_rules, 6);
	assert_int_equal(h->n_sets, 3);
	r = rule_named(h, "bounce-storm");
	assert_limit(r, MXG_KEY_DST, 32, 128, 600, 60, 100, MXG_OVER_RESET);
	assert_int_equal(r->src_set, 1);
	assert_int_equal(rule_named(h, "own-relays")->action, MXG_ACTION_ALLOW);
	assert_limit(rule_named(h, "subscriber-host"), MXG_KEY_HOST, 32, 56, 10,
		     60, 5, MXG_OVER_DROP);
	assert_limit(rule_named(h, "subscriber-net"), MXG_KEY_PREFIX, 26, 48,
		     100, 60, 20, MXG_OVER_DROP);
	assert_limit(rule_named(h, "per-destination"), MXG_KEY_DST, 32, 64, 30,
		     60, 10, MXG_OVER_DROP);
	r = rule_named(h, "not-a-customer");
	assert_int_equal(r->action, MXG_ACTION_DENY);
	assert_int_equal(r->src_set, 2);
	assert_classes(h, want, sizeof(want) / sizeof(want[0]));
	free(h);
}

/* control/examples/monitor.json: monitor mode, protected = @mx. */
static void example_monitor(void **state)
{
	struct mxg_policy_header *h = compile_path(EXAMPLES "/monitor.json");
	const struct mxg_set_info *s = mxg_policy_sets(h);
	static const struct addr_sets want[] = {
		{ "198.51.100.25", "protected,@mx" },
		{ "198.51.100.27", "" },
		{ "2001:db8:25::25", "protected,@mx" },
		{ "192.0.2.99", "@big-senders" },
	};

	(void)state;
	assert_int_equal(h->mode, MXG_MODE_MONITOR);
	assert_int_equal(h->has_protected, 1);
	assert_string_equal(s[0].name, "protected");
	assert_int_equal(s[0].n_prefixes, 3);
	assert_int_equal(h->n_rules, 4);
	assert_limit(rule_named(h, "big-senders"), MXG_KEY_PREFIX, 24, 48, 100,
		     1, 500, MXG_OVER_DROP);
	assert_limit(rule_named(h, "per-host"), MXG_KEY_HOST, 32, 64, 30, 60,
		     10, MXG_OVER_DROP);
	assert_limit(rule_named(h, "mx-total"), MXG_KEY_GLOBAL, 0, 0, 1500, 1,
		     3000, MXG_OVER_DROP);
	assert_int_equal(mxg_policy_prefix_count(h), 5);
	assert_classes(h, want, sizeof(want) / sizeof(want[0]));
	free(h);
}

/* control/examples/drop-list.json: spamhaus-drop and plain files. */
static void example_drop_list(void **state)
{
	struct mxg_policy_header *h = compile_path(EXAMPLES "/drop-list.json");
	const struct mxg_set_info *s = mxg_policy_sets(h);
	static const struct addr_sets want[] = {
		{ "203.0.113.7", "@drop,@local-deny" },
		{ "203.0.113.8", "@drop,@local-deny" },
		{ "198.51.100.70", "@local-deny" },
		{ "198.51.100.130", "@drop" },
		{ "2001:db8:bad:1::1", "@drop,@local-deny" },
		{ "2001:db8:bad:1::2", "@drop" },
		{ "2001:db8:beef::1", "" },
	};

	(void)state;
	assert_int_equal(h->n_rules, 2);
	assert_int_equal(h->n_sets, 2);
	assert_int_equal(s[0].n_prefixes, 6);
	assert_int_equal(s[1].n_prefixes, 4);
	/* 203.0.113.0/25 is in both lists: one prefix, both bits. */
	assert_int_equal(mxg_policy_prefix_count(h), 9);
	assert_int_equal(mxg_policy_rules(h)[0].action, MXG_ACTION_DENY);
	assert_classes(h, want, sizeof(want) / sizeof(want[0]));
	free(h);
}

static int dump_good(const char *dir)
{
	char path[4096];
	size_t i;

	mkdir(dir, 0755);
	for (i = 0; i < N_GOOD; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/good-%02zu.json", dir, i);
		f = fopen(path, "w");
		if (!f)
			return 1;
		fputs(good_texts[i], f);
		fclose(f);
	}
	{
		char *t = maxima_text();
		FILE *f;

		snprintf(path, sizeof(path), "%s/good-maxima.json", dir);
		f = fopen(path, "w");
		if (!f) {
			free(t);
			return 1;
		}
		fputs(t, f);
		fclose(f);
		free(t);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(per_and_rates),
		cmocka_unit_test(ecmp_share),
		cmocka_unit_test(auto_block),
		cmocka_unit_test(sets_and_classes),
		cmocka_unit_test(key_ids_stable),
		cmocka_unit_test(key_ids_follow_bucket),
		cmocka_unit_test(syntax_variants),
		cmocka_unit_test(set_file),
		cmocka_unit_test(wide_and_narrow),
		cmocka_unit_test(capacity_maxima),
		cmocka_unit_test(example_default),
		cmocka_unit_test(example_isp_egress),
		cmocka_unit_test(example_monitor),
		cmocka_unit_test(example_drop_list),
	};

	if (argc == 3 && !strcmp(argv[1], "--dump"))
		return dump_good(argv[2]);
	return cmocka_run_group_tests_name("good policies", tests, NULL, NULL);
}
