// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxgated's state file (control/daemon/ctld_state.c): a round trip of
 * blocks, allows and the brake (reasons with spaces and %); entries
 * expired while mxgated was down dropped at load; a torn file (cut at
 * every length), a bad checksum, an end line whose count disagrees, a bad
 * line and a foreign file refused with -EBADMSG, the file left as it was
 * and the state in memory untouched; 20000 entries saved and loaded, the
 * load time printed and bounded.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mxgated.h"

#define NOW 1700000000

static char dir[64], path[128];

static int setup(void **st)
{
	(void)st;
	snprintf(dir, sizeof(dir), "/tmp/test_ctld_state.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/mxgated.state", dir);
	return 0;
}

static int teardown(void **st)
{
	char cmd[160];

	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void spit(const char *p, const char *buf, size_t len)
{
	FILE *f = fopen(p, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

static uint64_t fnv64(const char *p, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (uint8_t)p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static void sample(struct dyn_state *s)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(dyn_add(s, DYN_BLOCK, "203.0.113.0/24", NOW + 3600,
				 NOW, "flood from AS64500, 100% SYN"),
			 0);
	assert_int_equal(dyn_add(s, DYN_ALLOW, "192.0.2.7/32", 0, NOW, NULL),
			 0);
	assert_int_equal(
		dyn_add(s, DYN_BLOCK, "2001:db8::/32", 0, NOW - 5, "v6"), 0);
	assert_int_equal(dyn_add(s, DYN_BLOCK, "198.51.100.0/24", NOW + 60, NOW,
				 "auto: 90 drops/min for 3 s"),
			 0);
	dyn_get(s, DYN_BLOCK, "198.51.100.0/24")->origin = DYN_ORIGIN_AUTO;
	s->brake.active = 1;
	snprintf(s->brake.rate, sizeof(s->brake.rate), "100/s");
	s->brake.per_second = 100;
	s->brake.burst = 150;
	s->brake.expires = NOW + 600;
	s->brake.created = NOW;
	snprintf(s->brake.reason, sizeof(s->brake.reason), "list loop");
}

static void round_trip(void **st)
{
	struct dyn_state a, b;
	char why[256];
	size_t i;

	(void)st;
	sample(&a);
	memset(&b, 0, sizeof(b));
	assert_int_equal(state_save(path, &a), 0);
	assert_int_equal(state_load(path, &b, NOW, why, sizeof(why)), 0);
	assert_int_equal(b.n, a.n);
	for (i = 0; i < a.n; i++) {
		assert_string_equal(b.v[i].cidr, a.v[i].cidr);
		assert_int_equal(b.v[i].kind, a.v[i].kind);
		assert_int_equal(b.v[i].expires, a.v[i].expires);
		assert_int_equal(b.v[i].created, a.v[i].created);
		assert_string_equal(b.v[i].reason, a.v[i].reason);
		assert_int_equal(b.v[i].origin, a.v[i].origin);
	}
	assert_int_equal(dyn_count_origin(&b, DYN_BLOCK, DYN_ORIGIN_AUTO), 1);
	assert_int_equal(dyn_get(&b, DYN_BLOCK, "198.51.100.0/24")->origin,
			 DYN_ORIGIN_AUTO);
	assert_null(dyn_get(&b, DYN_ALLOW, "198.51.100.0/24"));
	/* the operator's block of the same CIDR takes it over */
	assert_int_equal(dyn_add(&b, DYN_BLOCK, "198.51.100.0/24", 0, NOW,
				 "by hand"),
			 1);
	assert_int_equal(dyn_count_origin(&b, DYN_BLOCK, DYN_ORIGIN_AUTO), 0);
	assert_true(b.brake.active);
	assert_string_equal(b.brake.rate, "100/s");
	assert_int_equal(b.brake.burst, 150);
	assert_int_equal(b.brake.expires, NOW + 600);
	assert_string_equal(b.brake.reason, "list loop");
	/* no temporary file left behind */
	{
		char tmp[160];

		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		assert_int_equal(access(tmp, F_OK), -1);
	}
	dyn_free(&b);
	/* loaded an hour later: the blocks and the brake ran out */
	assert_int_equal(state_load(path, &b, NOW + 3600, why, sizeof(why)), 0);
	assert_int_equal(b.n, 2);
	assert_false(b.brake.active);
	dyn_free(&a);
	dyn_free(&b);
	/* no file: -ENOENT, an empty state */
	unlink(path);
	assert_int_equal(state_load(path, &b, NOW, why, sizeof(why)), -ENOENT);
}

/* Load must refuse the file as it is, keep it, and keep 'kept'. */
static void refused(const char *buf, size_t len, const char *want_why)
{
	struct dyn_state kept;
	char why[256], *after;
	size_t alen;

	spit(path, buf, len);
	memset(&kept, 0, sizeof(kept));
	assert_int_equal(dyn_add(&kept, DYN_BLOCK, "198.51.100.0/24", 0, NOW,
				 "in memory"),
			 0);
	why[0] = '\0';
	assert_int_equal(state_load(path, &kept, NOW, why, sizeof(why)),
			 -EBADMSG);
	if (want_why && !strstr(why, want_why))
		fail_msg("why \"%s\" lacks \"%s\"", why, want_why);
	assert_int_equal(kept.n, 1);
	assert_string_equal(kept.v[0].cidr, "198.51.100.0/24");
	after = slurp(path, &alen);
	assert_int_equal(alen, len);
	assert_memory_equal(after, buf, len);
	free(after);
	dyn_free(&kept);
}

static void torn(void **st)
{
	struct dyn_state a;
	size_t len, cut;
	char *buf;

	(void)st;
	sample(&a);
	assert_int_equal(state_save(path, &a), 0);
	dyn_free(&a);
	buf = slurp(path, &len);
	/* every prefix of the file, from the first byte to the last but
	 * one, is a torn write */
	for (cut = 1; cut < len; cut++)
		refused(buf, cut, NULL);
	refused(buf, len - 1, "torn");
	refused(buf, 0, NULL);
	free(buf);
}

static void bad_checksum(void **st)
{
	struct dyn_state a;
	size_t len;
	char *buf, *p;

	(void)st;
	sample(&a);
	assert_int_equal(state_save(path, &a), 0);
	dyn_free(&a);
	buf = slurp(path, &len);
	p = strstr(buf, "203.0.113.0/24");
	assert_non_null(p);
	p[10] = '9'; /* 203.0.113.9/24: one byte flipped */
	refused(buf, len, "checksum mismatch");
	free(buf);
}

/* A file with a valid seal over the given body. */
static void sealed(const char *body, size_t count, char *out, size_t out_len)
{
	snprintf(out, out_len, "%send %zu %016" PRIx64 "\n", body, count,
		 fnv64(body, strlen(body)));
}

static void bad_counts(void **st)
{
	const char *body = "mxgated-state 1\n"
			   "block 203.0.113.0/24 0 1700000000 -\n"
			   "allow 192.0.2.7/32 0 1700000000 -\n";
	struct dyn_state s;
	char buf[512], why[256];

	(void)st;
	sealed(body, 3, buf, sizeof(buf));
	refused(buf, strlen(buf), "2 entries, the end line says 3");
	sealed(body, 1, buf, sizeof(buf));
	refused(buf, strlen(buf), "2 entries, the end line says 1");
	/* the same body with the right count loads */
	sealed(body, 2, buf, sizeof(buf));
	spit(path, buf, strlen(buf));
	memset(&s, 0, sizeof(s));
	assert_int_equal(state_load(path, &s, NOW, why, sizeof(why)), 0);
	assert_int_equal(s.n, 2);
	dyn_free(&s);
	/* a bad line under a good seal: named by its number */
	sealed("mxgated-state 1\nblock 203.0.113.7/24 0 1700000000 -\n", 1, buf,
	       sizeof(buf));
	refused(buf, strlen(buf), ":2: bad block entry");
	sealed("mxgated-state 1\nban 203.0.113.0/24 0 1700000000 -\n", 1, buf,
	       sizeof(buf));
	refused(buf, strlen(buf), ":2: unknown entry kind");
	/* only a block may be auto, and only with that word */
	sealed("mxgated-state 1\nallow 203.0.113.0/24 0 1700000000 - auto\n", 1,
	       buf, sizeof(buf));
	refused(buf, strlen(buf), ":2: bad allow entry");
	sealed("mxgated-state 1\nblock 203.0.113.0/24 0 1700000000 - bgp\n", 1,
	       buf, sizeof(buf));
	refused(buf, strlen(buf), ":2: bad block entry");
	refused("not a state file\n", 17, "not an mxgated state file");
}

static void load_20k(void **st)
{
	struct dyn_state a, b;
	struct timespec t0, t1, c0, c1;
	char cidr[DYN_CIDR_LEN], why[256];
	double ms, cpu_ms;
	int i;

	(void)st;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	for (i = 0; i < 20000; i++) {
		snprintf(cidr, sizeof(cidr), "10.%d.%d.0/24", i / 256, i % 256);
		assert_int_equal(dyn_add(&a, i % 10 ? DYN_BLOCK : DYN_ALLOW,
					 cidr, NOW + 3600 + i, NOW,
					 "fail2ban import"),
				 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(state_save(path, &a), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	     (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	printf("state file: 20000 entries saved in %.1f ms\n", ms);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	assert_int_equal(state_load(path, &b, NOW, why, sizeof(why)), 0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	     (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	cpu_ms = (double)(c1.tv_sec - c0.tv_sec) * 1e3 +
		 (double)(c1.tv_nsec - c0.tv_nsec) / 1e6;
	printf("state file: 20000 entries loaded in %.1f ms wall, %.1f ms "
	       "CPU (this build)\n",
	       ms, cpu_ms);
	assert_int_equal(b.n, 20000);
	assert_int_equal(dyn_count(&b, DYN_ALLOW), 2000);
	/* "well under a second": the CPU time, which a loaded host does not
	 * inflate as it does the wall time (both printed) */
	assert_true(cpu_ms < 1000);
	dyn_free(&a);
	dyn_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(torn, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(load_20k, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
