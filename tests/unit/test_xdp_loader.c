// SPDX-License-Identifier: BSD-3-Clause
/*
 * The XDP loader (control/xdp/xdp_loader.h), in a network namespace of its
 * own (unshare), so it never touches the machine's interfaces: attach to
 * loopback falls back from native to generic XDP and says so; pins are
 * made and removed; a pinned instance reopens, reloads and detaches;
 * inline mode maps each port to the other; and every error is clear and
 * leaves nothing behind: no privileges, a bad image, no policy, a missing
 * interface, the wrong number of interfaces, a pin directory off bpffs, a
 * busy interface, a second attach, nothing to open. A private mount
 * namespace starts it without bpffs on /sys/fs/bpf, which attach mounts.
 *
 * Needs root and BPF; otherwise every test reports itself as skipped.
 */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include <linux/if_link.h>

#include "../lib/image_builder.h"
#include "xdp_loader.h"

static char skip_reason[256];
static char load_failure[256];
static char last_err[512];
static char pin_dir[128];
static struct mxg_policy_header *image;

static void log_keep(int level, const char *msg)
{
	if (level == MXG_LOG_ERR || level == MXG_LOG_WARN)
		snprintf(last_err, sizeof(last_err), "%s", msg);
}

static int setup(void **state)
{
	struct mxg_xdp_load_opts o = { .buckets = MXG_XDP_BUCKETS_MIN };
	struct image_builder *b;
	struct mxg_xdp *x;
	int err;

	(void)state;
	mxg_xdp_set_log(log_keep, MXG_LOG_WARN);
	snprintf(pin_dir, sizeof(pin_dir), "/sys/fs/bpf/mxgate-unit-%d",
		 (int)getpid());
	b = malloc(sizeof(*b));
	if (!b)
		return -1;
	ib_init(b);
	ib_limit(b, "per-host", 20, 60, 10, MXG_KEY_HOST, MXG_OVER_DROP);
	image = ib_build(b);
	free(b);
	if (geteuid() != 0) {
		snprintf(skip_reason, sizeof(skip_reason), "needs root");
		return 0;
	}
	/* In a chroot "/" may be no mount point; /sys is one everywhere. */
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) ||
	    (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) &&
	     mount(NULL, "/sys", NULL, MS_REC | MS_PRIVATE, NULL))) {
		snprintf(skip_reason, sizeof(skip_reason),
			 "cannot make network and mount namespaces: %s",
			 strerror(errno));
		return 0;
	}
	/* Only in our mount namespace: attach must mount it again. */
	while (!umount2("/sys/fs/bpf", MNT_DETACH))
		;
	if (system("ip link set lo up")) {
		snprintf(skip_reason, sizeof(skip_reason),
			 "cannot run ip(8) in the namespace");
		return 0;
	}
	err = mxg_xdp_load(&x, &o);
	if (mxg_xdp_load_unavailable(err)) {
		snprintf(skip_reason, sizeof(skip_reason), "%.200s", last_err);
		return 0;
	}
	if (err) /* a capable kernel refused the program: fail, not skip */
		snprintf(load_failure, sizeof(load_failure), "%.200s",
			 last_err);
	mxg_xdp_close(x);
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	/* Whatever a failed test left: pins (the namespace dies with us). */
	snprintf(cmd, sizeof(cmd), "rm -rf %s", pin_dir);
	if (system(cmd))
		return -1;
	free(image);
	return 0;
}

static void need_bpf(void)
{
	if (load_failure[0])
		fail_msg("the XDP program does not load: %s", load_failure);
	if (skip_reason[0]) {
		print_message("  skipped: %s\n", skip_reason);
		skip();
	}
}

static struct mxg_xdp *load(int inline_mode)
{
	struct mxg_xdp_load_opts o = { .buckets = MXG_XDP_BUCKETS_MIN,
				       .inline_mode = inline_mode };
	struct mxg_xdp *x = NULL;

	assert_int_equal(mxg_xdp_load(&x, &o), 0);
	return x;
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static void expect_error(int err, int want, const char *needle)
{
	if (err != want || !strstr(last_err, needle))
		print_message("  got %d \"%s\"; want %d \"...%s...\"\n", err,
			      last_err, want, needle);
	assert_int_equal(err, want);
	assert_non_null(strstr(last_err, needle));
	last_err[0] = 0;
}

/* Without privileges, loading says so (not "kernel too old"). */
static void no_privileges(void **state)
{
	struct mxg_xdp_load_opts o = { .buckets = MXG_XDP_BUCKETS_MIN };
	struct mxg_xdp *x;
	pid_t pid;
	int status = -1, err;

	(void)state;
	need_bpf();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		err = mxg_xdp_load(&x, &o);
		_exit(err == -EPERM && strstr(last_err, "not permitted") ? 0 :
									   1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void bad_image(void **state)
{
	struct mxg_xdp_attach_opts ao = { .pin_dir = pin_dir,
					  .ifname = { "lo" },
					  .n_ifaces = 1 };
	struct mxg_policy_header *bad;
	struct mxg_xdp *x;

	(void)state;
	need_bpf();
	bad = malloc(image->total_len);
	assert_non_null(bad);
	x = load(0);
	memcpy(bad, image, image->total_len);
	bad->checksum ^= 1;
	assert_int_not_equal(mxg_xdp_install(x, bad, bad->total_len), 0);
	assert_non_null(strstr(last_err, "policy image rejected"));
	assert_int_not_equal(mxg_xdp_install(x, image, image->total_len - 1),
			     0);
	/* nothing was installed: attaching is refused */
	expect_error(mxg_xdp_attach(x, &ao), -EINVAL, "no policy installed");
	assert_false(exists(pin_dir));
	mxg_xdp_close(x);
	free(bad);
}

static int on_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && (unsigned long)st.f_type == 0xcafe4a11;
}

/* No bpffs on /sys/fs/bpf: the first attach mounts one and pins there. */
static void mounts_bpffs(void **state)
{
	struct mxg_xdp_attach_opts ao = { .pin_dir = pin_dir,
					  .ifname = { "lo" },
					  .n_ifaces = 1 };
	struct mxg_xdp *x;

	(void)state;
	need_bpf();
	assert_false(on_bpffs("/sys/fs/bpf"));
	x = load(0);
	assert_int_equal(mxg_xdp_install(x, image, image->total_len), 0);
	assert_int_equal(mxg_xdp_attach(x, &ao), 0);
	assert_true(on_bpffs("/sys/fs/bpf"));
	assert_true(on_bpffs(pin_dir));
	assert_int_equal(mxg_xdp_detach(x), 0);
	mxg_xdp_close(x);
	assert_false(exists(pin_dir));
}

static void attach_errors(void **state)
{
	struct mxg_xdp_attach_opts ao = { .pin_dir = pin_dir, .n_ifaces = 1 };
	struct mxg_xdp *x;

	(void)state;
	need_bpf();
	x = load(0);
	assert_int_equal(mxg_xdp_install(x, image, image->total_len), 0);
	ao.ifname[0] = "mxg-nosuch0";
	expect_error(mxg_xdp_attach(x, &ao), -ENODEV,
		     "no interface named \"mxg-nosuch0\"");
	ao.ifname[0] = "lo";
	ao.ifname[1] = "lo";
	ao.n_ifaces = 2;
	expect_error(mxg_xdp_attach(x, &ao), -EINVAL,
		     "host mode takes one interface");
	ao.n_ifaces = 1;
	ao.pin_dir = "/tmp/mxgate-not-on-bpffs";
	expect_error(mxg_xdp_attach(x, &ao), -ENOTSUP,
		     "is not a BPF filesystem");
	ao.pin_dir = pin_dir;
	ao.want = MXG_XDP_WANT_NATIVE;
	expect_error(mxg_xdp_attach(x, &ao), -EOPNOTSUPP,
		     "cannot attach to lo in native mode");
	assert_false(exists(pin_dir)); /* cleaned up */
	mxg_xdp_close(x);
	expect_error(mxg_xdp_open_pinned(&x, pin_dir), -ENOENT,
		     "is not attached");
}

static void attach_reload_detach(void **state)
{
	struct mxg_xdp_attach_opts ao = { .pin_dir = pin_dir,
					  .ifname = { "lo" },
					  .n_ifaces = 1 };
	struct mxg_xdp_status st;
	struct mxg_xdp *x, *y, *z;
	char path[256];
	uint32_t id = 0;

	(void)state;
	need_bpf();
	x = load(0);
	assert_int_equal(mxg_xdp_install(x, image, image->total_len), 0);
	assert_int_equal(mxg_xdp_attach(x, &ao), 0);
	/* loopback has no native XDP: generic, with a warning */
	assert_non_null(strstr(last_err, "using generic mode"));
	assert_int_equal(mxg_xdp_get_status(x, &st), 0);
	assert_int_equal(st.config.n_ifaces, 1);
	assert_int_equal(st.config.attach[0], MXG_XDP_ATTACH_GENERIC);
	assert_int_equal(bpf_xdp_query_id((int)if_nametoindex("lo"),
					  XDP_FLAGS_SKB_MODE, &id),
			 0);
	assert_int_equal(id, st.prog_id);
	snprintf(path, sizeof(path), "%s/mxg_buckets", pin_dir);
	assert_true(exists(path));
	snprintf(path, sizeof(path), "%s/mxg_v4_0", pin_dir);
	assert_true(exists(path));

	/* a second instance cannot attach over it */
	y = load(0);
	assert_int_equal(mxg_xdp_install(y, image, image->total_len), 0);
	expect_error(mxg_xdp_attach(y, &ao), -EEXIST, "already attached");
	mxg_xdp_close(y);

	/* another process: reopen from the pins, reload, detach */
	mxg_xdp_close(x);
	assert_int_equal(mxg_xdp_open_pinned(&z, pin_dir), 0);
	assert_int_equal(mxg_xdp_get_status(z, &st), 0);
	assert_int_equal(st.buffer, 0);
	assert_int_equal(st.policy.n_rules, 1);
	assert_int_equal(mxg_xdp_install(z, image, image->total_len), 0);
	assert_int_equal(mxg_xdp_get_status(z, &st), 0);
	assert_int_equal(st.buffer, 1);
	snprintf(path, sizeof(path), "%s/mxg_v4_1", pin_dir);
	assert_true(exists(path));
	assert_int_equal(mxg_xdp_detach(z), 0);
	mxg_xdp_close(z);
	assert_false(exists(pin_dir));
	assert_int_equal(bpf_xdp_query_id((int)if_nametoindex("lo"), 0, &id),
			 0);
	assert_int_equal(id, 0);
}

static int pass_prog(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K,
		  .dst_reg = BPF_REG_0,
		  .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "other", "Dual BSD/GPL", insns,
			     2, NULL);
}

static void inline_and_busy(void **state)
{
	struct mxg_xdp_attach_opts ao = { .pin_dir = pin_dir,
					  .ifname = { "mxgv0", "mxgv1" },
					  .n_ifaces = 2 };
	struct mxg_xdp_status st;
	struct mxg_xdp *x;
	uint32_t i0, i1, peer = 0;
	int fd, other;

	(void)state;
	need_bpf();
	assert_int_equal(
		system("ip link add mxgv0 type veth peer name mxgv1 "
		       "&& ip link set mxgv0 up && ip link set mxgv1 up"),
		0);
	i0 = if_nametoindex("mxgv0");
	i1 = if_nametoindex("mxgv1");
	x = load(1);
	assert_int_equal(mxg_xdp_install(x, image, image->total_len), 0);
	ao.n_ifaces = 1;
	expect_error(mxg_xdp_attach(x, &ao), -EINVAL,
		     "inline mode takes two interfaces");
	ao.n_ifaces = 2;

	/* someone else's program on mxgv1 */
	other = pass_prog();
	assert_true(other >= 0);
	assert_int_equal(
		bpf_xdp_attach((int)i1, other, XDP_FLAGS_DRV_MODE, NULL), 0);
	expect_error(mxg_xdp_attach(x, &ao), -EBUSY,
		     "already has an XDP program attached");
	assert_false(exists(pin_dir));
	/* and mxgv0, attached before mxgv1 failed, was detached again */
	assert_int_equal(bpf_xdp_query_id((int)i0, 0, &peer), 0);
	assert_int_equal(peer, 0);
	assert_int_equal(bpf_xdp_detach((int)i1, XDP_FLAGS_DRV_MODE, NULL), 0);
	close(other);

	assert_int_equal(mxg_xdp_attach(x, &ao), 0);
	assert_int_equal(mxg_xdp_get_status(x, &st), 0);
	assert_int_equal(st.config.attach[0], MXG_XDP_ATTACH_NATIVE);
	assert_int_equal(st.config.attach[1], MXG_XDP_ATTACH_NATIVE);
	fd = mxg_xdp_map_fd(x, "mxg_ports");
	assert_int_equal(bpf_map_lookup_elem(fd, &i0, &peer), 0);
	assert_int_equal(peer, i1);
	assert_int_equal(bpf_map_lookup_elem(fd, &i1, &peer), 0);
	assert_int_equal(peer, i0);
	assert_int_equal(mxg_xdp_detach(x), 0);
	mxg_xdp_close(x);
	assert_false(exists(pin_dir));
	assert_int_equal(system("ip link del mxgv0"), 0);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_privileges),
		cmocka_unit_test(bad_image),
		cmocka_unit_test(mounts_bpffs),
		cmocka_unit_test(attach_errors),
		cmocka_unit_test(attach_reload_detach),
		cmocka_unit_test(inline_and_busy),
	};

	return cmocka_run_group_tests_name("XDP loader", tests, setup,
					   teardown);
}
