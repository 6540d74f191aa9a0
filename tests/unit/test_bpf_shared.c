// SPDX-License-Identifier: BSD-3-Clause
/*
 * The shared parser and token bucket, run inside the kernel through
 * BPF_PROG_TEST_RUN, must agree with the userspace build: every parser
 * row gives a byte-identical struct mxg_pkt and the same verdict, and
 * bucket schedules give the same states. Needs root (or CAP_BPF); without
 * it every test reports itself as skipped.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cmocka.h>
#include <linux/bpf.h>

#include "mxgate/bucket.h"
#include "mxgate/pkt.h"
#include "pkt_rows.h"
#include "shared_check.skel.h"

/* XDP test runs take frames from an Ethernet header on; the program sees
 * at most what fits in one page with headroom and shared info (about
 * 3,520 bytes), so longer frames run on their first XDP_TEST_MAX bytes. */
#define XDP_TEST_MIN 14
#define XDP_TEST_MAX 3000

struct bucket_probe {
	uint64_t state;
	uint64_t now_ns;
	struct mxg_bucket_params params;
	uint64_t next;
	uint32_t conform;
	uint32_t pad;
};

static struct shared_check_bpf *skel;
static char skip_reason[256];
static int load_failed;

static int silent_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static int load_once(void **state)
{
	int err;

	(void)state;
	if (geteuid() != 0) {
		snprintf(skip_reason, sizeof(skip_reason),
			 "needs root for BPF_PROG_TEST_RUN");
		return 0;
	}
	libbpf_set_print(silent_print);
	skel = shared_check_bpf__open_and_load();
	if (!skel) {
		err = errno;
		/* Only a missing privilege or BPF itself is a skip; the
		 * verifier rejecting the program fails every test. */
		load_failed = err != EPERM && err != ENOSYS &&
			      err != EOPNOTSUPP;
		snprintf(skip_reason, sizeof(skip_reason),
			 "cannot load BPF program: %s", strerror(err));
	}
	libbpf_set_print(NULL);
	return 0;
}

static int unload(void **state)
{
	(void)state;
	shared_check_bpf__destroy(skel);
	return 0;
}

static void need_bpf(void)
{
	if (!skel && load_failed)
		fail_msg("%s", skip_reason);
	if (!skel) {
		print_message("  skipped: %s\n", skip_reason);
		skip();
	}
}

static int run_xdp(int prog_fd, const void *data, size_t len, uint32_t *ret)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data,
		    .data_size_in = (uint32_t)len, .repeat = 1);
	int err = bpf_prog_test_run_opts(prog_fd, &opts);

	*ret = opts.retval;
	return err;
}

static void row_in_kernel(void **state)
{
	const struct pkt_row *row = *state;
	uint8_t frame[PKTGEN_MAX_FRAME];
	size_t len = pktgen_build(&row->spec, frame, sizeof(frame));
	struct mxg_pkt user, kernel;
	uint32_t key = 0, verdict;
	int attempt;

	need_bpf();
	assert_true(len > 0);
	if (len < XDP_TEST_MIN) {
		print_message("  skipped: BPF_PROG_TEST_RUN refuses an XDP "
			      "frame shorter than %d bytes (this one: %zu)\n",
			      XDP_TEST_MIN, len);
		skip();
	}
	if (len > XDP_TEST_MAX) {
		/* The program sees only the start of a longer frame; both
		 * parsers read the same first bytes. */
		print_message("  %zu-byte frame: both parsers read its first "
			      "%d bytes\n",
			      len, XDP_TEST_MAX);
		len = XDP_TEST_MAX;
	}
	mxg_parse_eth(frame, frame + len, &user);
	attempt = mxg_pkt_is_smtp_syn(&user, pkt_rows_smtp_ports, 3, 3);

	assert_int_equal(run_xdp(bpf_program__fd(skel->progs.parse_frame),
				 frame, len, &verdict),
			 0);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.parsed),
					     &key, &kernel),
			 0);
	assert_memory_equal(&kernel, &user, sizeof(user));
	assert_int_equal(verdict, attempt ? XDP_DROP : XDP_PASS);
	assert_int_equal(attempt, row->want.attempt);
}

static void bucket_in_kernel(void **state)
{
	static const struct {
		uint64_t count, period, burst;
	} rules[] = { { 20, 60, 10 },	   { 1, 3600, 1 }, { 1000000, 1, 4 },
		      { 2000, 1, 4000 },   { 3, 1, 7 },	   { 1000000000, 1, 1 },
		      { 1, 3600, 100000 }, { 7, 60, 2 } };
	uint8_t frame[64] = { 0 };
	uint32_t key = 0, ret;
	unsigned int r, i;

	(void)state;
	need_bpf();
	for (r = 0; r < sizeof(rules) / sizeof(rules[0]); r++) {
		struct bucket_probe probe = { 0 };
		uint64_t now = 1700000000ULL * 1000000000ULL;
		uint64_t user_state;

		assert_int_equal(
			mxg_bucket_params_init(&probe.params, rules[r].count,
					       rules[r].period, rules[r].burst),
			0);
		user_state = MXG_BUCKET_FRESH;
		for (i = 0; i < 2000; i++) {
			uint64_t next;
			int conform;

			/* Irregular steps, some backwards. */
			now += (i * 7919ULL % 1000) * 1000ULL *
			       (rules[r].period == 3600 ? 100000 : 1);
			if (i % 97 == 0)
				now -= 3000;
			conform = mxg_bucket_take(user_state, now,
						  &probe.params, &next);
			probe.state = user_state;
			probe.now_ns = now;
			assert_int_equal(
				bpf_map_update_elem(
					bpf_map__fd(skel->maps.bucket_io), &key,
					&probe, BPF_ANY),
				0);
			assert_int_equal(
				run_xdp(bpf_program__fd(skel->progs.bucket_step),
					frame, sizeof(frame), &ret),
				0);
			assert_int_equal(
				bpf_map_lookup_elem(
					bpf_map__fd(skel->maps.bucket_io), &key,
					&probe),
				0);
			assert_int_equal(probe.conform, conform);
			assert_int_equal(probe.next, next);
			user_state = next;
		}
	}
}

int main(void)
{
	struct CMUnitTest *tests;
	unsigned int i, n = pkt_rows_count + 1;
	int rc;

	tests = calloc(n, sizeof(*tests));
	if (!tests)
		return 1;
	for (i = 0; i < pkt_rows_count; i++) {
		tests[i].name = pkt_rows[i].desc;
		tests[i].test_func = row_in_kernel;
		tests[i].initial_state = (void *)&pkt_rows[i];
	}
	tests[i].name = "token bucket in BPF equals userspace";
	tests[i].test_func = bucket_in_kernel;
	rc = _cmocka_run_group_tests("shared code in BPF", tests, n, load_once,
				     unload);
	free(tests);
	return rc;
}
