// SPDX-License-Identifier: BSD-3-Clause
/*
 * The XDP fallback path's loader. See xdp_loader.h for the interface and
 * include/mxgate/xdp.h for the maps and the policy switch.
 */
#include "xdp_loader.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "mxgate/policy.h"
#include "mxgate/src_table.h"
#include "mxgate/xdp.h"
#include "mxgate.skel.h"
#include "policy_image.h"

#define BPFFS_MOUNT_POINT "/sys/fs/bpf"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

/* The oldest kernel the program is written for (bpf/README.md). */
#define MIN_KERNEL "5.12"

/* ------------------------------------------------------------------ */
/* Logging */

static void log_default(int level, const char *msg)
{
	fprintf(stderr, "xdp: %s%s\n",
		level == MXG_LOG_ERR  ? "error: " :
		level == MXG_LOG_WARN ? "warning: " :
					"",
		msg);
}

static mxg_xdp_log_fn log_fn = log_default;
static int log_max = MXG_LOG_WARN;

void mxg_xdp_set_log(mxg_xdp_log_fn fn, int max_level)
{
	log_fn = fn ? fn : log_default;
	log_max = max_level;
}

static void __attribute__((format(printf, 2, 3)))
xlog(int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (level > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_fn(level, msg);
}

#define XDP_ERR(...)  xlog(MXG_LOG_ERR, __VA_ARGS__)
#define XDP_WARN(...) xlog(MXG_LOG_WARN, __VA_ARGS__)
#define XDP_INFO(...) xlog(MXG_LOG_INFO, __VA_ARGS__)

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

enum xdp_map {
	M_CONFIG,
	M_ACTIVE,
	M_POL0,
	M_POL1,
	M_V4,
	M_V6,
	M_BUCKETS,
	M_STATS,
	M_DIAG,
	M_PORTS,
	M_LAST,
	M_COUNT,
};

static const char *const map_names[M_COUNT] = {
	[M_CONFIG] = MXG_XDP_STR(MXG_XDP_MAP_CONFIG),
	[M_ACTIVE] = MXG_XDP_STR(MXG_XDP_MAP_ACTIVE),
	[M_POL0] = MXG_XDP_STR(MXG_XDP_MAP_POL0),
	[M_POL1] = MXG_XDP_STR(MXG_XDP_MAP_POL1),
	[M_V4] = MXG_XDP_STR(MXG_XDP_MAP_V4),
	[M_V6] = MXG_XDP_STR(MXG_XDP_MAP_V6),
	[M_BUCKETS] = MXG_XDP_STR(MXG_XDP_MAP_BUCKETS),
	[M_STATS] = MXG_XDP_STR(MXG_XDP_MAP_STATS),
	[M_DIAG] = MXG_XDP_STR(MXG_XDP_MAP_DIAG),
	[M_PORTS] = MXG_XDP_STR(MXG_XDP_MAP_PORTS),
	[M_LAST] = MXG_XDP_STR(MXG_XDP_MAP_LAST),
};

#define PROG_NAME MXG_XDP_STR(MXG_XDP_PROG)

struct mxg_xdp {
	struct mxgate_bpf *skel; /* NULL when opened from pins */
	int prog_fd;
	uint32_t prog_id;
	int map_fd[M_COUNT];
	uint32_t pol_id[MXG_XDP_BUFFERS]; /* map ids of mxg_pol0/1 */
	struct mxg_xdp_config *config;	  /* mmapped mxg_config */
	struct mxg_xdp_last *last;	  /* mmapped mxg_last */
	size_t config_len, last_len;
	int inline_mode;
	int ncpus;
	char pin_dir[PATH_MAX]; /* "" while not pinned */
};

static void fds_init(struct mxg_xdp *x)
{
	int i;

	x->prog_fd = -1;
	for (i = 0; i < M_COUNT; i++)
		x->map_fd[i] = -1;
}

int mxg_xdp_prog_fd(const struct mxg_xdp *x)
{
	return x->prog_fd;
}

struct mxg_xdp_config *mxg_xdp_config_map(struct mxg_xdp *x)
{
	return x->config;
}

const volatile struct mxg_xdp_last *mxg_xdp_last_map(struct mxg_xdp *x)
{
	return x->last;
}

int mxg_xdp_map_fd(const struct mxg_xdp *x, const char *name)
{
	int i;

	for (i = 0; i < M_COUNT; i++)
		if (strcmp(map_names[i], name) == 0)
			return x->map_fd[i];
	return -1;
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
		{ BPF_MAP_TYPE_LRU_HASH, "LRU hash" },
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
		struct bpf_map *m = bpf_object__find_map_by_name(x->skel->obj,
								 map_names[i]);

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
/* Pins */

static int pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int trie_pin_name(char *buf, size_t len, int v6, uint32_t b)
{
	int n = snprintf(buf, len, "%s_%u",
			 v6 ? map_names[M_V6] : map_names[M_V4], b);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int open_pinned_fd(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (pin_path(path, sizeof(path), dir, name))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

/* Is dir's parent on a BPF filesystem? */
static int check_bpffs(const char *dir)
{
	char parent[PATH_MAX];
	struct statfs st;
	char *slash;

	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = 0;
	else if (slash)
		slash[1] = 0;
	if (statfs(parent, &st)) {
		XDP_ERR("cannot use %s for pins: %s", parent, strerror(errno));
		return -errno;
	}
	if ((unsigned long)st.f_type == BPF_FS_MAGIC)
		return 0;
	/*
	 * The standard mount point is empty on machines whose init does not
	 * mount bpffs; mount it there, as bpftool does. Anywhere else the
	 * operator chose the directory, so only say what is wrong.
	 */
	if (!strcmp(parent, BPFFS_MOUNT_POINT) &&
	    !mount("bpf", BPFFS_MOUNT_POINT, "bpf", 0, "mode=0700") &&
	    !statfs(parent, &st) && (unsigned long)st.f_type == BPF_FS_MAGIC) {
		XDP_INFO("mounted a BPF filesystem on %s", parent);
		return 0;
	}
	XDP_ERR("%s is not a BPF filesystem; mount one with: mount -t "
		"bpf bpf %s",
		parent, parent);
	return -ENOTSUP;
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
	fd = open_pinned_fd(pin_dir, PROG_NAME);
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
			XDP_ERR("cannot open %s/%s: %s", pin_dir, PROG_NAME,
				strerror(-err));
		goto close_instance;
	}
	x->prog_fd = fd;
	for (i = 0; i < M_COUNT; i++) {
		fd = open_pinned_fd(pin_dir, map_names[i]);
		if (fd < 0) {
			err = fd;
			XDP_ERR("cannot open %s/%s: %s (remove the directory "
				"if it is left over)",
				pin_dir, map_names[i], strerror(-err));
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

/* Serialise attach, reload and detach on one pin directory. */
static int lock_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void unlock_dir(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the lock */
}

/* ------------------------------------------------------------------ */
/* Policy */

void mxg_xdp_policy_from_image(const void *image, uint32_t buffer,
			       struct mxg_xdp_policy *out)
{
	const struct mxg_policy_header *h = image;
	const struct mxg_rule *rules = mxg_policy_rules(h);
	uint32_t i;

	memset(out, 0, sizeof(*out));
	out->generation = h->generation;
	out->checksum = h->checksum;
	out->buffer = buffer;
	out->n_rules = h->n_rules;
	out->mode = h->mode;
	out->has_protected = h->has_protected;
	out->n_smtp_ports = h->n_smtp_ports;
	memcpy(out->smtp_ports, h->smtp_ports, sizeof(out->smtp_ports));
	if (h->has_protected)
		out->need |= MXG_XDP_NEED_DST;
	for (i = 0; i < h->n_rules && i < MXG_RULES_MAX; i++) {
		out->rules[i] = rules[i];
		if (rules[i].src_set != MXG_SET_NONE)
			out->need |= MXG_XDP_NEED_SRC;
		if (rules[i].dst_set != MXG_SET_NONE)
			out->need |= MXG_XDP_NEED_DST;
	}
}

/* The buffer mxg_active points at, or -1 when none (no policy yet). */
static int active_buffer(struct mxg_xdp *x)
{
	uint32_t zero = 0, id = 0;
	int b;

	if (bpf_map_lookup_elem(x->map_fd[M_ACTIVE], &zero, &id))
		return -1;
	for (b = 0; b < MXG_XDP_BUFFERS; b++)
		if (id == x->pol_id[b])
			return b;
	return -1;
}

/* BTF of the tries' keys and values, from the program's own BTF, so that
 * `bpftool map dump` prints them as structs. Optional. */
struct trie_btf {
	int fd;
	uint32_t k4, k6, val;
};

static void trie_btf_find(struct mxg_xdp *x, struct trie_btf *t)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	struct btf *btf;
	int k4, k6, val;

	t->fd = -1;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(x->prog_fd, &info, &len) || !info.btf_id)
		return;
	btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!btf)
		return;
	k4 = btf__find_by_name_kind(btf, "mxg_xdp_lpm4_key", BTF_KIND_STRUCT);
	k6 = btf__find_by_name_kind(btf, "mxg_xdp_lpm6_key", BTF_KIND_STRUCT);
	val = btf__find_by_name_kind(btf, "mxg_setmask", BTF_KIND_STRUCT);
	btf__free(btf);
	if (k4 <= 0 || k6 <= 0 || val <= 0)
		return;
	t->fd = bpf_btf_get_fd_by_id(info.btf_id);
	t->k4 = (uint32_t)k4;
	t->k6 = (uint32_t)k6;
	t->val = (uint32_t)val;
}

static int trie_create(const struct trie_btf *t, int v6, uint32_t entries)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	uint32_t key_size = v6 ? sizeof(struct mxg_xdp_lpm6_key) :
				 sizeof(struct mxg_xdp_lpm4_key);
	int fd;

	if (t->fd >= 0) {
		opts.btf_fd = (uint32_t)t->fd;
		opts.btf_key_type_id = v6 ? t->k6 : t->k4;
		opts.btf_value_type_id = t->val;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE,
			    v6 ? "mxg_v6_trie" : "mxg_v4_trie", key_size,
			    sizeof(struct mxg_setmask), entries ? entries : 1,
			    &opts);
	if (fd < 0 && t->fd >= 0) {
		/* Older kernels may refuse BTF here: go without. */
		opts.btf_fd = 0;
		opts.btf_key_type_id = 0;
		opts.btf_value_type_id = 0;
		fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE,
				    v6 ? "mxg_v6_trie" : "mxg_v4_trie",
				    key_size, sizeof(struct mxg_setmask),
				    entries ? entries : 1, &opts);
	}
	return fd < 0 ? -errno : fd;
}

/* Fill new tries from the image's prefix lists; values are set masks. */
static int tries_fill(int fd4, int fd6, const struct mxg_policy_header *h)
{
	const struct mxg_setmask *classes = mxg_policy_classes(h);
	const struct mxg_prefix4 *v4 = mxg_policy_v4(h);
	const struct mxg_prefix6 *v6 = mxg_policy_v6(h);
	uint32_t i;

	for (i = 0; i < h->n_v4; i++) {
		struct mxg_xdp_lpm4_key k = { .prefixlen = v4[i].len };
		uint32_t be = htonl(v4[i].addr);

		memcpy(k.addr, &be, 4);
		if (bpf_map_update_elem(fd4, &k, &classes[v4[i].class_id],
					BPF_ANY))
			return -errno;
	}
	for (i = 0; i < h->n_v6; i++) {
		struct mxg_xdp_lpm6_key k = { .prefixlen = v6[i].len };

		memcpy(k.addr, v6[i].addr, 16);
		if (bpf_map_update_elem(fd6, &k, &classes[v6[i].class_id],
					BPF_ANY))
			return -errno;
	}
	return 0;
}

/* Keep buffer b's totals (they are cumulative), clear its rule counters:
 * rule positions mean something else under the new policy. */
static int stats_reset_rules(struct mxg_xdp *x, uint32_t b)
{
	struct mxg_counters *v;
	int err = 0, cpu;

	v = calloc((size_t)x->ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(x->map_fd[M_STATS], &b, v)) {
		err = -errno;
		goto free_values;
	}
	for (cpu = 0; cpu < x->ncpus; cpu++)
		memset(v[cpu].rules, 0, sizeof(v[cpu].rules));
	if (bpf_map_update_elem(x->map_fd[M_STATS], &b, v, BPF_ANY))
		err = -errno;
free_values:
	free(v);
	return err;
}

/* Re-pin buffer b's tries under their stable names. */
static void tries_pin(struct mxg_xdp *x, uint32_t b, int fd4, int fd6)
{
	char name[64], path[PATH_MAX];
	int v6;

	if (!x->pin_dir[0])
		return;
	for (v6 = 0; v6 < 2; v6++) {
		if (trie_pin_name(name, sizeof(name), v6, b) ||
		    pin_path(path, sizeof(path), x->pin_dir, name))
			continue;
		unlink(path);
		if (bpf_obj_pin(v6 ? fd6 : fd4, path))
			XDP_WARN("cannot pin %s: %s", path, strerror(errno));
	}
}

int mxg_xdp_install(struct mxg_xdp *x, const void *image, size_t len)
{
	const struct mxg_policy_header *h = image;
	struct mxg_xdp_policy *pol;
	struct trie_btf tb;
	const char *why = NULL;
	uint32_t zero = 0, b;
	int err, cur, fd4 = -1, fd6 = -1, lock = -1;

	err = mxg_policy_image_check(image, len, &why);
	if (err) {
		XDP_ERR("policy image rejected: %s",
			why ? why : "invalid image");
		return err;
	}
	pol = malloc(sizeof(*pol));
	if (!pol)
		return -ENOMEM;
	if (x->pin_dir[0]) {
		lock = lock_dir(x->pin_dir);
		if (lock < 0) {
			err = lock;
			XDP_ERR("cannot lock %s: %s", x->pin_dir,
				strerror(-err));
			goto free_policy;
		}
	}
	/* Fill the buffer no packet uses. */
	cur = active_buffer(x);
	b = cur == 0 ? 1 : 0;
	mxg_xdp_policy_from_image(image, b, pol);

	trie_btf_find(x, &tb);
	fd4 = trie_create(&tb, 0, h->n_v4);
	if (fd4 < 0) {
		err = fd4;
		XDP_ERR("cannot create the IPv4 prefix trie (%u prefixes): %s",
			h->n_v4, strerror(-err));
		goto close_btf;
	}
	fd6 = trie_create(&tb, 1, h->n_v6);
	if (fd6 < 0) {
		err = fd6;
		XDP_ERR("cannot create the IPv6 prefix trie (%u prefixes): %s",
			h->n_v6, strerror(-err));
		goto close_tries;
	}
	err = tries_fill(fd4, fd6, h);
	if (err) {
		XDP_ERR("cannot fill the prefix tries: %s", strerror(-err));
		goto close_tries;
	}
	/* Map-in-map updates wait until no program uses the old entry. */
	if (bpf_map_update_elem(x->map_fd[M_V4], &b, &fd4, BPF_ANY) ||
	    bpf_map_update_elem(x->map_fd[M_V6], &b, &fd6, BPF_ANY)) {
		err = -errno;
		XDP_ERR("cannot install the prefix tries: %s", strerror(-err));
		goto close_tries;
	}
	err = stats_reset_rules(x, b);
	if (err) {
		XDP_ERR("cannot reset the rule counters: %s", strerror(-err));
		goto close_tries;
	}
	if (bpf_map_update_elem(x->map_fd[M_POL0 + b], &zero, pol, BPF_ANY)) {
		err = -errno;
		XDP_ERR("cannot write the policy: %s", strerror(-err));
		goto close_tries;
	}
	tries_pin(x, b, fd4, fd6);
	/*
	 * The switch. When this returns, every packet that could still see
	 * the old buffer has finished: the next reload may rewrite it.
	 */
	if (bpf_map_update_elem(x->map_fd[M_ACTIVE], &zero,
				&x->map_fd[M_POL0 + b], BPF_ANY)) {
		err = -errno;
		XDP_ERR("cannot switch to the new policy: %s", strerror(-err));
		goto close_tries;
	}
	XDP_INFO("policy generation %llu in force (buffer %u, %u rules, %u+%u "
		 "prefixes)",
		 (unsigned long long)h->generation, b, h->n_rules, h->n_v4,
		 h->n_v6);
	err = 0;

close_tries:
	if (fd6 >= 0)
		close(fd6);
	if (fd4 >= 0)
		close(fd4);
close_btf:
	if (tb.fd >= 0)
		close(tb.fd);
	unlock_dir(lock);
free_policy:
	free(pol);
	return err;
}

/* ------------------------------------------------------------------ */
/* Attach and detach */

static const char *attach_name(int mode)
{
	return mode == MXG_XDP_ATTACH_NATIVE  ? "native" :
	       mode == MXG_XDP_ATTACH_GENERIC ? "generic" :
						"none";
}

static uint32_t attach_flags(int mode)
{
	return mode == MXG_XDP_ATTACH_NATIVE ? XDP_FLAGS_DRV_MODE :
					       XDP_FLAGS_SKB_MODE;
}

/* Attach to one interface; *mode says how. */
static int attach_one(struct mxg_xdp *x, const char *name, uint32_t ifindex,
		      int want, uint8_t *mode)
{
	uint32_t flags = XDP_FLAGS_UPDATE_IF_NOEXIST, other = 0;
	int err;

	if (want != MXG_XDP_WANT_GENERIC) {
		err = bpf_xdp_attach((int)ifindex, x->prog_fd,
				     flags | XDP_FLAGS_DRV_MODE, NULL);
		if (!err) {
			*mode = MXG_XDP_ATTACH_NATIVE;
			XDP_INFO("attached to %s in native mode", name);
			return 0;
		}
		if (err == -EBUSY || err == -EEXIST)
			goto busy;
		if (want == MXG_XDP_WANT_NATIVE) {
			XDP_ERR("cannot attach to %s in native mode: %s%s",
				name, strerror(-err),
				err == -EOPNOTSUPP ?
					" (the driver has no native XDP; "
					"try --xdp-mode generic)" :
					"");
			return err;
		}
		XDP_WARN("%s: native XDP unavailable (%s); using generic mode, "
			 "which runs after the kernel allocates socket "
			 "buffers and is much slower",
			 name, strerror(-err));
	}
	err = bpf_xdp_attach((int)ifindex, x->prog_fd,
			     flags | XDP_FLAGS_SKB_MODE, NULL);
	if (!err) {
		*mode = MXG_XDP_ATTACH_GENERIC;
		XDP_INFO("attached to %s in generic mode", name);
		return 0;
	}
	if (err == -EBUSY || err == -EEXIST)
		goto busy;
	XDP_ERR("cannot attach to %s in generic mode: %s", name,
		strerror(-err));
	return err;

busy:
	bpf_xdp_query_id((int)ifindex, 0, &other);
	XDP_ERR("%s already has an XDP program attached (id %u); detach it "
		"first",
		name, other);
	return -EBUSY;
}

/* Detach from one interface if our program is the one attached there. */
static void detach_one(struct mxg_xdp *x, uint32_t ifindex, int mode)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = x->prog_fd);
	char name[IF_NAMESIZE] = "?";
	uint32_t id = 0;
	int err;

	if (!if_indextoname(ifindex, name)) {
		XDP_WARN("interface %u is gone: nothing to detach there",
			 ifindex);
		return;
	}
	err = bpf_xdp_query_id((int)ifindex, (int)attach_flags(mode), &id);
	if (err || id != x->prog_id) {
		XDP_WARN("%s: mxgate's program (id %u) is not attached in %s "
			 "mode (found id %u); left alone",
			 name, x->prog_id, attach_name(mode), id);
		return;
	}
	err = bpf_xdp_detach((int)ifindex, attach_flags(mode), &opts);
	if (err)
		XDP_WARN("cannot detach from %s: %s", name, strerror(-err));
	else
		XDP_INFO("detached from %s", name);
}

static void unpin_all(const char *dir)
{
	char path[PATH_MAX], name[64];
	uint32_t b;
	int i, v6;

	if (!pin_path(path, sizeof(path), dir, PROG_NAME))
		unlink(path);
	for (i = 0; i < M_COUNT; i++)
		if (!pin_path(path, sizeof(path), dir, map_names[i]))
			unlink(path);
	for (b = 0; b < MXG_XDP_BUFFERS; b++)
		for (v6 = 0; v6 < 2; v6++)
			if (!trie_pin_name(name, sizeof(name), v6, b) &&
			    !pin_path(path, sizeof(path), dir, name))
				unlink(path);
	if (rmdir(dir) && errno != ENOENT)
		XDP_WARN("cannot remove %s: %s", dir, strerror(errno));
}

static int pin_all(struct mxg_xdp *x, const char *dir)
{
	char path[PATH_MAX];
	int i, err;

	err = pin_path(path, sizeof(path), dir, PROG_NAME);
	if (!err && bpf_obj_pin(x->prog_fd, path))
		err = -errno;
	for (i = 0; !err && i < M_COUNT; i++) {
		err = pin_path(path, sizeof(path), dir, map_names[i]);
		if (!err && bpf_obj_pin(x->map_fd[i], path))
			err = -errno;
	}
	if (err)
		XDP_ERR("cannot pin %s: %s", path, strerror(-err));
	return err;
}

/* Current tries of both buffers, pinned for operators. */
static void pin_current_tries(struct mxg_xdp *x)
{
	uint32_t b, id;
	int v6, fd4, fd6;

	for (b = 0; b < MXG_XDP_BUFFERS; b++) {
		int fds[2] = { -1, -1 };

		for (v6 = 0; v6 < 2; v6++)
			if (!bpf_map_lookup_elem(x->map_fd[v6 ? M_V6 : M_V4],
						 &b, &id))
				fds[v6] = bpf_map_get_fd_by_id(id);
		fd4 = fds[0];
		fd6 = fds[1];
		if (fd4 >= 0 && fd6 >= 0)
			tries_pin(x, b, fd4, fd6);
		if (fd4 >= 0)
			close(fd4);
		if (fd6 >= 0)
			close(fd6);
	}
}

int mxg_xdp_attach(struct mxg_xdp *x, const struct mxg_xdp_attach_opts *o)
{
	const char *dir = o->pin_dir ? o->pin_dir : MXG_XDP_PIN_DIR;
	uint32_t ifindex[MXG_XDP_IFACES_MAX] = { 0 }, i, n = o->n_ifaces;
	uint8_t mode[MXG_XDP_IFACES_MAX] = { 0 };
	int err, lock, attached = 0;

	if (n != (x->inline_mode ? 2u : 1u)) {
		XDP_ERR("%s mode takes %s interface%s",
			x->inline_mode ? "inline" : "host",
			x->inline_mode ? "two" : "one",
			x->inline_mode ? "s" : "");
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		ifindex[i] = if_nametoindex(o->ifname[i]);
		if (!ifindex[i]) {
			XDP_ERR("no interface named \"%s\"", o->ifname[i]);
			return -ENODEV;
		}
	}
	if (n == 2 && ifindex[0] == ifindex[1]) {
		XDP_ERR("inline mode needs two different interfaces");
		return -EINVAL;
	}
	if (active_buffer(x) < 0) {
		XDP_ERR("no policy installed: install one before attaching");
		return -EINVAL;
	}
	if (n == 2) {
		for (i = 0; i < 2; i++)
			if (bpf_map_update_elem(x->map_fd[M_PORTS], &ifindex[i],
						&ifindex[1 - i], BPF_ANY)) {
				err = -errno;
				XDP_ERR("cannot set the port map: %s",
					strerror(-err));
				return err;
			}
	}

	err = check_bpffs(dir);
	if (err)
		return err;
	if (mkdir(dir, 0700)) {
		err = -errno;
		if (err == -EEXIST)
			XDP_ERR("%s exists: mxgate's XDP program is already "
				"attached (use reload or detach)",
				dir);
		else
			XDP_ERR("cannot create %s: %s", dir, strerror(-err));
		return err;
	}
	lock = lock_dir(dir);
	if (lock < 0) {
		err = lock;
		XDP_ERR("cannot lock %s: %s", dir, strerror(-err));
		goto remove_dir;
	}
	err = pin_all(x, dir);
	if (err)
		goto unpin;
	snprintf(x->pin_dir, sizeof(x->pin_dir), "%s", dir);
	pin_current_tries(x);

	x->config->n_ifaces = 0;
	for (i = 0; i < n; i++) {
		err = attach_one(x, o->ifname[i], ifindex[i], o->want,
				 &mode[i]);
		if (err)
			goto detach;
		attached++;
		x->config->ifindex[i] = ifindex[i];
		x->config->attach[i] = mode[i];
		x->config->n_ifaces = i + 1;
	}
	unlock_dir(lock);
	return 0;

detach:
	for (i = 0; i < (uint32_t)attached; i++)
		detach_one(x, ifindex[i], mode[i]);
	x->config->n_ifaces = 0;
	x->pin_dir[0] = 0;
unpin:
	unpin_all(dir);
	unlock_dir(lock);
	return err;
remove_dir:
	rmdir(dir);
	return err;
}

int mxg_xdp_detach(struct mxg_xdp *x)
{
	uint32_t i, n;
	int lock;

	if (!x->pin_dir[0]) {
		XDP_ERR("this instance is not attached");
		return -EINVAL;
	}
	lock = lock_dir(x->pin_dir);
	if (lock < 0)
		XDP_WARN("cannot lock %s: %s", x->pin_dir, strerror(-lock));
	n = x->config->n_ifaces;
	for (i = 0; i < n && i < MXG_XDP_IFACES_MAX; i++)
		detach_one(x, x->config->ifindex[i], x->config->attach[i]);
	x->config->n_ifaces = 0;
	unpin_all(x->pin_dir);
	unlock_dir(lock);
	x->pin_dir[0] = 0;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Counters and status */

int mxg_xdp_counters(struct mxg_xdp *x, struct mxg_counters *c)
{
	struct mxg_counters *v;
	int cur = active_buffer(x), err = 0, cpu;
	uint32_t b;
	size_t k;

	memset(c, 0, sizeof(*c));
	v = calloc((size_t)x->ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (b = 0; b < MXG_XDP_BUFFERS; b++) {
		if (bpf_map_lookup_elem(x->map_fd[M_STATS], &b, v)) {
			err = -errno;
			break;
		}
		for (cpu = 0; cpu < x->ncpus; cpu++) {
			const uint64_t *s = (const uint64_t *)&v[cpu].totals;
			uint64_t *t = (uint64_t *)&c->totals;

			for (k = 0; k < sizeof(c->totals) / 8; k++)
				t[k] += s[k];
			if ((int)b != cur)
				continue;
			s = (const uint64_t *)v[cpu].rules;
			t = (uint64_t *)c->rules;
			for (k = 0; k < sizeof(c->rules) / 8; k++)
				t[k] += s[k];
		}
	}
	free(v);
	return err;
}

int mxg_xdp_diag(struct mxg_xdp *x, struct mxg_xdp_diag *d)
{
	struct mxg_xdp_diag *v;
	uint32_t zero = 0;
	int err = 0, cpu;
	size_t k;

	memset(d, 0, sizeof(*d));
	v = calloc((size_t)x->ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(x->map_fd[M_DIAG], &zero, v)) {
		err = -errno;
	} else {
		for (cpu = 0; cpu < x->ncpus; cpu++)
			for (k = 0; k < sizeof(*d) / 8; k++)
				((uint64_t *)d)[k] +=
					((const uint64_t *)&v[cpu])[k];
	}
	free(v);
	return err;
}

static uint32_t trie_count(int outer_fd, uint32_t b, int v6)
{
	uint8_t key[sizeof(struct mxg_xdp_lpm6_key)], next[sizeof(key)];
	uint32_t id, n = 0;
	int fd;

	if (bpf_map_lookup_elem(outer_fd, &b, &id))
		return 0;
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return 0;
	(void)v6;
	if (!bpf_map_get_next_key(fd, NULL, next)) {
		do {
			n++;
			memcpy(key, next, sizeof(key));
		} while (!bpf_map_get_next_key(fd, key, next));
	}
	close(fd);
	return n;
}

int mxg_xdp_get_status(struct mxg_xdp *x, struct mxg_xdp_status *s)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info), zero = 0;
	int b = active_buffer(x);

	memset(s, 0, sizeof(*s));
	s->prog_id = x->prog_id;
	s->inline_mode = x->inline_mode;
	s->config = *x->config;
	if (b < 0) {
		XDP_ERR("no policy installed");
		return -ENOENT;
	}
	s->buffer = (uint32_t)b;
	if (bpf_map_lookup_elem(x->map_fd[M_POL0 + b], &zero, &s->policy))
		return -errno;
	s->n_v4 = trie_count(x->map_fd[M_V4], (uint32_t)b, 0);
	s->n_v6 = trie_count(x->map_fd[M_V6], (uint32_t)b, 1);
	memset(&info, 0, sizeof(info));
	if (!bpf_obj_get_info_by_fd(x->map_fd[M_BUCKETS], &info, &len))
		s->buckets_max = info.max_entries * MXG_ST_WAYS;
	return 0;
}
