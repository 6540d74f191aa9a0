// SPDX-License-Identifier: BSD-3-Clause
/*
 * The XDP loader's instances: the kernel probes, open, set rodata and
 * load (mxg_xdp_load), open what an attach pinned (mxg_xdp_open_pinned),
 * and close.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "mxgate/src_table.h"
#include "mxgate/xdp.h"
#include "mxgate.skel.h"
#include "xdp_instance.h"

/* The oldest kernel the program is written for (bpf/README.md). */
#define MIN_KERNEL "5.12"

/* ------------------------------------------------------------------ */
/* libbpf's messages */

/*
 * libbpf's messages: passed through when verbose; otherwise the last
 * line of a verifier log is kept so that a rejection can be explained in
 * one line rather than with the whole log.
 */
static int libbpf_verbose;
static char verifier_last[256];
static int in_prog_log;

static void keep_line(const char *p)
{
	size_t n = strlen(p);

	if (!n || strncmp(p, "processed ", 10) == 0 ||
	    strncmp(p, "verification time", 17) == 0 ||
	    strncmp(p, "stack depth", 11) == 0)
		return;
	if (n >= sizeof(verifier_last))
		n = sizeof(verifier_last) - 1;
	memcpy(verifier_last, p, n);
	verifier_last[n] = 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	static const char begin[] = "-- BEGIN PROG LOAD LOG --";
	static const char end[] = "-- END PROG LOAD LOG --";
	char *text, *p, *nl, *stop;
	va_list copy;
	int n;

	if (libbpf_verbose && level != LIBBPF_DEBUG)
		return vfprintf(stderr, fmt, ap);
	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return 0;
	text = malloc((size_t)n + 1);
	if (!text)
		return 0;
	vsnprintf(text, (size_t)n + 1, fmt, ap);
	/* The verifier's log comes as one message between the markers, or
	 * (longer logs) as the markers and the log in several. */
	p = strstr(text, begin);
	if (p) {
		in_prog_log = 1;
		verifier_last[0] = 0;
		p += sizeof(begin) - 1;
	} else if (in_prog_log) {
		p = text;
	} else {
		free(text);
		return 0;
	}
	stop = strstr(p, end);
	if (stop) {
		*stop = 0;
		in_prog_log = 0;
	}
	while ((nl = strchr(p, '\n'))) {
		*nl = 0;
		keep_line(p);
		p = nl + 1;
	}
	keep_line(p);
	free(text);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The instance */

static void fds_init(struct mxg_xdp *x)
{
	int i;

	x->prog_fd = -1;
	for (i = 0; i < M_COUNT; i++)
		x->map_fd[i] = -1;
}

static int map_id(int fd, uint32_t *id)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*id = info.id;
	return 0;
}

static void *map_mmap(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

static size_t page_round(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (n + pg - 1) / pg * pg;
}

/* What every instance needs once its fds are known. */
static int instance_init(struct mxg_xdp *x)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	int err, b;

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(x->prog_fd, &info, &len))
		return -errno;
	x->prog_id = info.id;
	for (b = 0; b < MXG_XDP_BUFFERS; b++) {
		err = map_id(x->map_fd[M_POL0 + b], &x->pol_id[b]);
		if (err)
			return err;
	}
	x->ncpus = libbpf_num_possible_cpus();
	if (x->ncpus <= 0)
		return x->ncpus ? x->ncpus : -EINVAL;
	x->config_len = page_round(sizeof(struct mxg_xdp_config));
	x->config = map_mmap(x->map_fd[M_CONFIG], x->config_len);
	if (!x->config)
		return -errno;
	x->last_len = page_round(sizeof(struct mxg_xdp_last));
	x->last = map_mmap(x->map_fd[M_LAST], x->last_len);
	if (!x->last) {
		err = -errno;
		munmap(x->config, x->config_len);
		x->config = NULL;
		return err;
	}
	return 0;
}

void mxg_xdp_close(struct mxg_xdp *x)
{
	int i;

	if (!x)
		return;
	if (x->last)
		munmap(x->last, x->last_len);
	if (x->config)
		munmap(x->config, x->config_len);
	if (x->skel) {
		mxgate_bpf__destroy(x->skel); /* owns the fds */
	} else {
		for (i = 0; i < M_COUNT; i++)
			if (x->map_fd[i] >= 0)
				close(x->map_fd[i]);
		if (x->prog_fd >= 0)
			close(x->prog_fd);
	}
	free(x);
}

/* ------------------------------------------------------------------ */
/* Kernel requirements (bpf/README.md) */

/* May this process use BPF at all? (libbpf's probes below cannot tell a
 * missing privilege from a missing feature.) */
static int probe_bpf(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "mxg_probe", 4, 4, 1, NULL);
	int err = errno; /* logging below may change errno */

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (err == EPERM || err == EACCES) {
		XDP_ERR("not permitted to use BPF: run as root (or with "
			"CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON)");
		return -EPERM;
	}
	if (err == ENOSYS) {
		XDP_ERR("this kernel has no BPF system call "
			"(CONFIG_BPF_SYSCALL); the XDP path needs Linux " MIN_KERNEL
			" or later with BPF (see bpf/README.md)");
		return -ENOSYS;
	}
	XDP_ERR("cannot create a BPF map: %s", strerror(err));
	/* -EOPNOTSUPP would read as "kernel too old" (xdp_loader.h) */
	return err == EOPNOTSUPP ? -EINVAL : -err;
}

static int probe_map(enum bpf_map_type type, const char *what)
{
	int ret = libbpf_probe_bpf_map_type(type, NULL);

	if (ret == 1)
		return 0;
	XDP_ERR("this kernel has no BPF %s map; the XDP path needs "
		"Linux " MIN_KERNEL " or later (see bpf/README.md)",
		what);
	return ret < 0 ? ret : -EOPNOTSUPP;
}

/* A 64-bit cmpxchg on the stack: BPF atomics arrived in Linux 5.12. */
static int probe_cmpxchg(void)
{
	const struct bpf_insn insns[] = {
		/* *(u64 *)(r10 - 8) = 0 */
		{ .code = BPF_ST | BPF_DW | BPF_MEM,
		  .dst_reg = BPF_REG_10,
		  .off = -8,
		  .imm = 0 },
		/* r0 = 0; r1 = 1 */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K,
		  .dst_reg = BPF_REG_1,
		  .imm = 1 },
		/* r0 = cmpxchg((u64 *)(r10 - 8), r0, r1) */
		{ .code = BPF_STX | BPF_DW | BPF_ATOMIC,
		  .dst_reg = BPF_REG_10,
		  .src_reg = BPF_REG_1,
		  .off = -8,
		  .imm = BPF_CMPXCHG },
		/* return XDP_PASS */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K,
		  .dst_reg = BPF_REG_0,
		  .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "mxg_probe", "Dual BSD/GPL",
			       insns, sizeof(insns) / sizeof(insns[0]), NULL);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno == EPERM) {
		XDP_ERR("not permitted to load BPF programs: run as root (or "
			"with CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON)");
		return -EPERM;
	}
	XDP_ERR("this kernel has no BPF atomic compare-and-exchange; the XDP "
		"path needs Linux " MIN_KERNEL " or later (see bpf/README.md)");
	return -EOPNOTSUPP;
}

static int probe_kernel(void)
{
	static const struct {
		enum bpf_map_type type;
		const char *what;
	} maps[] = {
		{ BPF_MAP_TYPE_ARRAY, "array" },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, "per-CPU array" },
		{ BPF_MAP_TYPE_LPM_TRIE, "LPM trie" },
		{ BPF_MAP_TYPE_ARRAY_OF_MAPS, "array-of-maps" },
		{ BPF_MAP_TYPE_DEVMAP_HASH, "devmap-hash" },
	};
	unsigned int i;
	int err;

	err = probe_bpf();
	if (err)
		return err;
	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		err = probe_map(maps[i].type, maps[i].what);
		if (err)
			return err;
	}
	return probe_cmpxchg();
}

static const char *kernel_release(void)
{
	static struct utsname u;

	return uname(&u) == 0 ? u.release : "unknown";
}

/* ------------------------------------------------------------------ */
/* Load */

/* The source table's seed (mxgate/src_table.h): from getrandom(). */
static int table_seed_init(struct mxg_st_seed *s, uint32_t lines)
{
	size_t got = 0;

	while (got < sizeof(s->a)) {
		ssize_t n =
			getrandom((uint8_t *)s->a + got, sizeof(s->a) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			XDP_ERR("cannot seed the bucket table: %s",
				strerror(errno));
			return -errno;
		}
		got += (size_t)n;
	}
	s->line_mask = lines - 1;
	return 0;
}

int mxg_xdp_load(struct mxg_xdp **out, const struct mxg_xdp_load_opts *o)
{
	struct mxg_xdp *x;
	uint32_t buckets;
	int err, i;

	*out = NULL;
	buckets = o->buckets ? o->buckets : MXG_XDP_BUCKETS_DEFAULT;
	if (buckets < MXG_XDP_BUCKETS_MIN || buckets > MXG_XDP_BUCKETS_MAX) {
		XDP_ERR("bucket table size %u is outside %u..%u", buckets,
			MXG_XDP_BUCKETS_MIN, MXG_XDP_BUCKETS_MAX);
		return -EINVAL;
	}
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	fds_init(x);
	libbpf_verbose = o->verbose;
	libbpf_set_print(libbpf_print);
	err = probe_kernel();
	if (err)
		goto free_instance;

	x->skel = mxgate_bpf__open();
	if (!x->skel) {
		err = -errno;
		XDP_ERR("cannot open the BPF object: %s", strerror(-err));
		goto free_instance;
	}
	x->skel->rodata->MXG_XDP_RODATA_INLINE = o->inline_mode ? 1 : 0;
	x->inline_mode = o->inline_mode ? 1 : 0;
	/* The source table: lines of MXG_ST_WAYS, and a random seed. */
	err = table_seed_init(
		(struct mxg_st_seed *)&x->skel->rodata->MXG_XDP_RODATA_SEED,
		mxg_st_lines_for(buckets));
	if (err)
		goto destroy_skel;
	err = bpf_map__set_max_entries(x->skel->maps.MXG_XDP_MAP_BUCKETS,
				       mxg_st_lines_for(buckets));
	if (err)
		goto destroy_skel;

	verifier_last[0] = 0;
	err = mxgate_bpf__load(x->skel);
	if (err) {
		/* The verifier says EACCES (or EINVAL, E2BIG) for a program
		 * it rejects; EPERM is a missing privilege. */
		if (err == -EPERM)
			XDP_ERR("not permitted to load BPF programs: run as "
				"root (or with CAP_BPF, CAP_NET_ADMIN and "
				"CAP_PERFMON)");
		else if (err == -ENOMEM)
			XDP_ERR("cannot allocate the BPF maps (%u buckets): "
				"out of memory, or RLIMIT_MEMLOCK too low",
				buckets);
		else
			/* The probes passed: the kernel has what the program
			 * needs, so a rejection is the program's fault. */
			XDP_ERR("the kernel (%s) has every BPF feature the XDP "
				"program needs, yet its verifier rejected it: "
				"%s. That is a bug in mxgate; --verbose shows "
				"the verifier log",
				kernel_release(),
				verifier_last[0] ? verifier_last :
						   strerror(-err));
		if (err == -EOPNOTSUPP || err == -ENOSYS)
			err = -EINVAL; /* those mean "kernel too old" */
		goto destroy_skel;
	}
	x->prog_fd = bpf_program__fd(x->skel->progs.MXG_XDP_PROG);
	for (i = 0; i < M_COUNT; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(
			x->skel->obj, xdp_map_names[i]);

		if (!m) {
			err = -ENOENT;
			goto destroy_skel;
		}
		x->map_fd[i] = bpf_map__fd(m);
	}
	err = instance_init(x);
	if (err) {
		XDP_ERR("cannot map the program's settings: %s",
			strerror(-err));
		goto destroy_skel;
	}
	*out = x;
	return 0;

destroy_skel:
	mxgate_bpf__destroy(x->skel);
free_instance:
	free(x);
	return err;
}

/* ------------------------------------------------------------------ */
/* From pins */

static int open_pinned_fd(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (xdp_pin_path(path, sizeof(path), dir, name))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

int mxg_xdp_open_pinned(struct mxg_xdp **out, const char *pin_dir)
{
	struct mxg_xdp *x;
	int err, i, fd;

	*out = NULL;
	if (!pin_dir)
		pin_dir = MXG_XDP_PIN_DIR;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	fds_init(x);
	libbpf_set_print(libbpf_print);
	fd = open_pinned_fd(pin_dir, XDP_PROG_NAME);
	if (fd < 0) {
		err = fd;
		if (err == -ENOENT)
			XDP_ERR("mxgate's XDP program is not attached (nothing "
				"pinned in %s)",
				pin_dir);
		else if (err == -EPERM || err == -EACCES)
			XDP_ERR("not permitted to open %s: run as root",
				pin_dir);
		else
			XDP_ERR("cannot open %s/%s: %s", pin_dir, XDP_PROG_NAME,
				strerror(-err));
		goto close_instance;
	}
	x->prog_fd = fd;
	for (i = 0; i < M_COUNT; i++) {
		fd = open_pinned_fd(pin_dir, xdp_map_names[i]);
		if (fd < 0) {
			err = fd;
			XDP_ERR("cannot open %s/%s: %s (remove the directory "
				"if it is left over)",
				pin_dir, xdp_map_names[i], strerror(-err));
			goto close_instance;
		}
		x->map_fd[i] = fd;
	}
	snprintf(x->pin_dir, sizeof(x->pin_dir), "%s", pin_dir);
	err = instance_init(x);
	if (err) {
		XDP_ERR("cannot map the program's settings: %s",
			strerror(-err));
		goto close_instance;
	}
	x->inline_mode = x->config->n_ifaces == 2;
	*out = x;
	return 0;

close_instance:
	mxg_xdp_close(x);
	return err;
}
