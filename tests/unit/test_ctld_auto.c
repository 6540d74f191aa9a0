// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxgated's auto_block (control/daemon/ctld_auto.c) on made-up
 * heartbeats: a source whose drops stay over the rate for the whole
 * window becomes a block (origin auto, the policy's TTL) and not a
 * heartbeat before; a source under the rate, or over it with a gap, does
 * not; sources aggregate to the configured prefix; a block already in
 * force covers; an allow set or protected refuses; the route cap bounds
 * the number; an unblock needs a whole new window; a count that goes back
 * is not taken for drops; no auto_block, nothing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctld_ext.h"
#include "policy_compile.h"

/* ctld_bgp.c's options: only the route cap is read. */
struct ext_cfg ext_cfg = { .max_routes = 1000 };

#define WALL 1800000000
#define HB   200 /* ms between heartbeats */

static struct snapshot *snap;
static struct dyn_state dyn;
static int64_t now;

static void config(const char *json)
{
	cJSON *doc = cJSON_Parse(json);

	assert_non_null(doc);
	auto_config(doc);
	cJSON_Delete(doc);
}

static void image(const char *policy)
{
	struct mxg_policy_header *img = NULL;
	struct mxg_diag diag;

	assert_int_equal(mxg_policy_compile_buffer("p.json", policy,
						   strlen(policy), NULL, &img,
						   &diag),
			 0);
	auto_image(img);
	free(img);
}

static int setup(void **st)
{
	(void)st;
	log_init(0, LOG_LVL_ERR);
	snap = calloc(1, sizeof(*snap));
	assert_non_null(snap);
	snap->valid = 1;
	memset(&dyn, 0, sizeof(dyn));
	now = 1000000;
	ext_cfg.max_routes = 1000;
	image("{\"version\": 1, \"rules\": [{\"name\": \"r\", \"limit\": "
	      "{\"rate\": \"1/s\", \"burst\": 1}}]}");
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	auto_stop();
	dyn_free(&dyn);
	free(snap);
	return 0;
}

/* One heartbeat: sources with their drop counts (NULL-terminated
 * "ADDR", count pairs). The blocks made. */
static int beat(const char *const *src, const uint64_t *dropped)
{
	unsigned int i;

	now += HB;
	snap->at = WALL + now / 1000;
	for (i = 0; src[i]; i++) {
		snprintf(snap->top[i].src, sizeof(snap->top[i].src), "%s",
			 src[i]);
		snap->top[i].dropped = dropped[i];
		snap->top[i].syns = dropped[i] * 2;
	}
	snap->n_top = i;
	return auto_heartbeat(&dyn, &dyn, snap, now, WALL + now / 1000);
}

static const struct dyn_entry *entry(const char *cidr)
{
	return dyn_get(&dyn, DYN_BLOCK, cidr);
}

/* 10 drops a heartbeat (50/s) from .1, 1 (5/s) from .9; 20/s for 3 s */
static void sustained(void **st)
{
	static const char *const src[] = { "192.0.2.1", "192.0.2.9", NULL };
	uint64_t d[2] = { 100, 7 };
	int i, made = 0, at = -1;

	(void)st;
	config("{\"auto_block\": {\"drops\": \"20/s\", \"for\": \"3s\", "
	       "\"ttl\": \"10m\"}}");
	for (i = 0; i < 40 && !made; i++) {
		made = beat(src, d);
		if (made)
			at = i;
		d[0] += 10;
		d[1] += 1;
	}
	assert_int_equal(made, 1);
	/* the first heartbeat is the baseline; then 3 s of checks: not
	 * before 15 heartbeats, and soon after */
	assert_in_range(at, 15, 22);
	assert_non_null(entry("192.0.2.1/32"));
	assert_int_equal(entry("192.0.2.1/32")->origin, DYN_ORIGIN_AUTO);
	assert_int_equal(entry("192.0.2.1/32")->expires -
				 entry("192.0.2.1/32")->created,
			 600);
	assert_non_null(strstr(entry("192.0.2.1/32")->reason, "auto: "));
	assert_null(entry("192.0.2.9/32"));
	/* covered by its own block from now on: nothing more */
	for (i = 0; i < 30; i++) {
		assert_int_equal(beat(src, d), 0);
		d[0] += 10;
		d[1] += 1;
	}
	assert_int_equal(dyn.n, 1);
}

/* Over for 2 s, one quiet second, over for 2 s: never 3 s in a row */
static void gap_resets(void **st)
{
	static const char *const src[] = { "192.0.2.1", NULL };
	uint64_t d[1] = { 0 };
	int i;

	(void)st;
	config("{\"auto_block\": {\"drops\": \"20/s\", \"for\": \"3s\"}}");
	for (i = 0; i < 60; i++) {
		int quiet = (i / 5) % 3 == 2; /* 2 s on, 1 s off */

		assert_int_equal(beat(src, d), 0);
		if (!quiet)
			d[0] += 10;
	}
	assert_int_equal(dyn.n, 0);
}

/* Two /32s of one /24, each under the rate, together over it */
static void aggregated(void **st)
{
	static const char *const src[] = { "198.51.100.1", "198.51.100.2",
					   "2001:db8:1::1", "2001:db8:1::2",
					   NULL };
	uint64_t d[4] = { 0, 0, 0, 0 };
	int i, made = 0;

	(void)st;
	config("{\"auto_block\": {\"drops\": \"30/s\", \"for\": 2, "
	       "\"ipv4_prefix\": 24, \"ipv6_prefix\": 48}}");
	for (i = 0; i < 30; i++) {
		made += beat(src, d);
		d[0] += 4, d[1] += 4; /* 20/s each, 40/s the /24 */
		d[2] += 4, d[3] += 4;
	}
	assert_int_equal(made, 2);
	assert_non_null(entry("198.51.100.0/24"));
	assert_non_null(entry("2001:db8:1::/48"));
	assert_int_equal(entry("198.51.100.0/24")->expires -
				 entry("198.51.100.0/24")->created,
			 3600); /* the default TTL */
}

/* The operator's /16 covers the offender; an allow set and protected
 * refuse theirs */
static void covered_and_refused(void **st)
{
	static const char *const src[] = { "203.0.113.7", "192.0.2.200",
					   "198.51.100.9", NULL };
	uint64_t d[3] = { 0, 0, 0 };
	int i;

	(void)st;
	image("{\"version\": 1, \"protected\": [\"198.51.100.0/26\"], "
	      "\"rules\": [{\"name\": \"p\", \"src\": \"192.0.2.128/25\", "
	      "\"action\": \"allow\"}, {\"name\": \"r\", \"limit\": "
	      "{\"rate\": \"1/s\", \"burst\": 1}}]}");
	config("{\"auto_block\": {\"drops\": \"5/s\", \"for\": \"1s\", "
	       "\"ipv4_prefix\": 24}}");
	assert_int_equal(dyn_add(&dyn, DYN_BLOCK, "203.0.0.0/16", 0, WALL,
				 "by hand"),
			 0);
	for (i = 0; i < 20; i++) {
		assert_int_equal(beat(src, d), 0);
		d[0] += 10, d[1] += 10, d[2] += 10;
	}
	assert_int_equal(dyn.n, 1);
	assert_null(entry("203.0.113.0/24"));
	assert_null(entry("192.0.2.0/24"));
	assert_null(entry("198.51.100.0/24"));
	/* each refusal counted once, by reason */
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		assert_non_null(f);
		auto_metrics(f, &dyn);
		fclose(f);
		assert_non_null(strstr(
			buf,
			"mxgate_auto_refused_total{reason=\"allow\"} 1\n"));
		assert_non_null(strstr(
			buf,
			"mxgate_auto_refused_total{reason=\"protected\"} 1\n"));
		assert_non_null(strstr(buf, "mxgate_auto_blocks_total 0\n"));
		free(buf);
	}
}

/* At most --bgp-max-routes auto blocks */
static void capped(void **st)
{
	static const char *const src[] = { "192.0.2.1", "198.51.100.1",
					   "203.0.113.1", NULL };
	uint64_t d[3] = { 0, 0, 0 };
	int i, made = 0;

	(void)st;
	ext_cfg.max_routes = 2;
	config("{\"auto_block\": {\"drops\": \"5/s\", \"for\": \"1s\"}}");
	for (i = 0; i < 20; i++) {
		made += beat(src, d);
		d[0] += 10, d[1] += 10, d[2] += 10;
	}
	assert_int_equal(made, 2);
	assert_int_equal(dyn_count_origin(&dyn, DYN_BLOCK, DYN_ORIGIN_AUTO), 2);
	assert_null(entry("203.0.113.1/32"));
}

/* An unblock needs a whole new window; a count going back is no drop */
static void unblock_and_reset(void **st)
{
	static const char *const src[] = { "192.0.2.1", NULL };
	uint64_t d[1] = { 1000 };
	int i, made = 0;

	(void)st;
	config("{\"auto_block\": {\"drops\": \"20/s\", \"for\": \"2s\"}}");
	for (i = 0; i < 20 && !made; i++) {
		made = beat(src, d);
		d[0] += 10;
	}
	assert_int_equal(made, 1);
	auto_forget("192.0.2.1/32");
	assert_int_equal(dyn_remove(&dyn, DYN_BLOCK, "192.0.2.1/32"), 0);
	for (i = 0, made = 0; i < 20 && !made; i++) {
		made = beat(src, d);
		if (!made)
			d[0] += 10;
	}
	assert_int_equal(made, 1);
	assert_in_range(i, 10, 16); /* 2 s again, not at once */
	/* the slot was taken over: the count starts again, low */
	assert_int_equal(dyn_remove(&dyn, DYN_BLOCK, "192.0.2.1/32"), 0);
	auto_forget("192.0.2.1/32");
	d[0] = 3;
	for (i = 0; i < 20; i++)
		assert_int_equal(beat(src, d), 0); /* no drops since */
}

static void off(void **st)
{
	static const char *const src[] = { "192.0.2.1", NULL };
	uint64_t d[1] = { 0 };
	int i;

	(void)st;
	config("{\"version\": 1}");
	for (i = 0; i < 30; i++) {
		assert_int_equal(beat(src, d), 0);
		d[0] += 100;
	}
	assert_int_equal(dyn.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(sustained, setup, teardown),
		cmocka_unit_test_setup_teardown(gap_resets, setup, teardown),
		cmocka_unit_test_setup_teardown(aggregated, setup, teardown),
		cmocka_unit_test_setup_teardown(covered_and_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(capped, setup, teardown),
		cmocka_unit_test_setup_teardown(unblock_and_reset, setup,
						teardown),
		cmocka_unit_test_setup_teardown(off, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
