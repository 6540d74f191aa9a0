// SPDX-License-Identifier: BSD-3-Clause
/*
 * The XDP program's cost per packet under BPF_PROG_TEST_RUN (DESIGN §6),
 * against an XDP_PASS program and xdp-filter's xdpfilt_alw_all.o and
 * xdpfilt_dny_tcp.o (Debian's libxdp1), all measured in one run, in
 * interleaved rounds, reported as medians and ratios. A benchmark, not a
 * test: `make bench` runs it (as root).
 *
 * Traffic:
 *   benign     established TCP (IPv4, IPv6, tagged), UDP, a SYN to 443,
 *              SMTP data on an open connection, ARP: parsed and passed
 *   smtp-mix   SYNs to 25/465/587 from partners (allowed), listed sources
 *              (denied) and others (per-host buckets, over their limit
 *              after the first runs), IPv4 and IPv6
 *   flood      SYNs to 25 from a new random IPv4 source every run, into a
 *              bucket table kept full (LRU, evicting), through a wrapper
 *              program (bpf/bench_xdp.bpf.c) that writes the source and
 *              tail-calls the program measured: its cost is in every
 *              column of that row
 *
 * The kernel reports the mean time of 'repeat' runs of one frame; a
 * traffic row is the mean over its frames; each figure is the median of
 * the rounds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "../lib/image_builder.h"
#include "../lib/pktgen.h"
#include "bench_xdp.skel.h"
#include "xdp_loader.h"

#define ROUNDS	      5
#define REPEAT	      20000  /* runs of each frame, benign and smtp-mix */
#define FLOOD_REPEAT  400000 /* runs per round and program, flood */
#define FLOOD_BUCKETS (1u << 20)
#define FLOOD_PREFILL 3000000 /* runs first, to fill the bucket table */
#define FRAMES_MAX    32
#define XDPFILT_DIR   "/usr/lib/x86_64-linux-gnu/bpf"
#define MAP_FLAG_DST  (1 << 1) /* xdp-filter's port map flags */
#define MAP_FLAG_TCP  (1 << 2)

enum { P_PASS, P_ALW_ALL, P_DNY_TCP, P_MXGATE, P_COUNT };
static const char *const prog_names[P_COUNT] = { "xdp_pass", "alw_all",
						 "dny_tcp", "mxgate" };
enum { T_BENIGN, T_SMTP, T_FLOOD, T_COUNT };
static const char *const traffic_names[T_COUNT] = { "benign", "smtp-mix",
						    "flood" };

struct frames {
	uint8_t data[FRAMES_MAX][512];
	size_t len[FRAMES_MAX];
	unsigned int n;
};

static void add(struct frames *f, const struct pktgen_spec *s)
{
	size_t len = pktgen_build(s, f->data[f->n], sizeof(f->data[0]));

	if (!len || f->n >= FRAMES_MAX) {
		fprintf(stderr, "bench_xdp: bad frame spec %u (%s)\n", f->n,
			s->src ? s->src : "-");
		exit(1);
	}
	f->len[f->n++] = len;
}

static void build_traffic(struct frames *benign, struct frames *smtp,
			  struct frames *flood)
{
	static const char *const v4[] = { "192.0.2.10", "198.18.0.5",
					  "203.0.113.7", "100.64.1.2" };
	static const char *const v6[] = { "2001:db8:1::10", "2001:db8:dead::5",
					  "2001:db8:bad::7" };
	static const uint16_t ports[] = { 25, 465, 587 };
	struct pktgen_spec s;
	unsigned int i, j;

	memset(benign, 0, sizeof(*benign));
	memset(smtp, 0, sizeof(*smtp));
	memset(flood, 0, sizeof(*flood));
#define BASE4(s)                                                               \
	do {                                                                   \
		memset(&(s), 0, sizeof(s));                                    \
		(s).family = 4;                                                \
		(s).src = "192.0.2.77";                                        \
		(s).dst = "198.51.100.25";                                     \
		(s).sport = 40000;                                             \
		(s).seq = 1;                                                   \
	} while (0)
	BASE4(s);
	s.dport = 443;
	s.tcp_flags = 0x10;
	s.payload_len = 100;
	add(benign, &s); /* HTTPS data */
	s.payload_len = 0;
	s.tcp_flags = 0x02;
	add(benign, &s); /* a SYN to 443 */
	s.dport = 25;
	s.tcp_flags = 0x18;
	s.payload_len = 60;
	add(benign, &s); /* SMTP dialogue */
	s.n_vlans = 1;
	s.vlan_tci[0] = 10;
	add(benign, &s);
	BASE4(s);
	s.proto = 17;
	s.dport = 53;
	s.l4_len = 40;
	add(benign, &s); /* DNS */
	memset(&s, 0, sizeof(s));
	s.family = 6;
	s.src = "2001:db8:1::77";
	s.dst = "2001:db8:25::25";
	s.dport = 25;
	s.tcp_flags = 0x10;
	s.payload_len = 200;
	add(benign, &s);
	memset(&s, 0, sizeof(s));
	s.family = 0;
	s.ethertype = 0x0806;
	add(benign, &s); /* ARP */

	for (i = 0; i < 4; i++)
		for (j = 0; j < 3; j++) {
			BASE4(s);
			s.src = v4[i];
			s.dport = ports[j];
			s.tcp_flags = 0x02;
			add(smtp, &s);
		}
	for (i = 0; i < 3; i++) {
		memset(&s, 0, sizeof(s));
		s.family = 6;
		s.src = v6[i];
		s.dst = "2001:db8:25::25";
		s.dport = 25;
		s.tcp_flags = 0x02;
		add(smtp, &s);
	}
	BASE4(s);
	s.src = "100.64.0.1";
	s.dport = 25;
	s.tcp_flags = 0x02;
	add(flood, &s);
#undef BASE4
}

/* The flood's cost by policy: which rules a random source goes through. */
enum { B_NONE, B_GLOBAL, B_HOST, B_HOST_NET, B_DESIGN, B_COUNT };
static const char *const breakdown_names[B_COUNT] = {
	"no rules", "global bucket", "per-host bucket",
	"per-host + per-net buckets", "DESIGN example"
};

static struct mxg_policy_header *limits_policy(int which)
{
	struct image_builder *b = malloc(sizeof(*b));
	struct mxg_policy_header *h;

	if (!b)
		exit(1);
	ib_init(b);
	if (which == B_GLOBAL)
		ib_limit(b, "mx-total", 2000, 1, 4000, MXG_KEY_GLOBAL,
			 MXG_OVER_DROP);
	if (which == B_HOST || which == B_HOST_NET)
		ib_limit(b, "per-host", 20, 60, 10, MXG_KEY_HOST,
			 MXG_OVER_DROP);
	if (which == B_HOST_NET)
		ib_limit(b, "per-net", 200, 60, 50, MXG_KEY_PREFIX,
			 MXG_OVER_DROP);
	h = ib_build(b);
	free(b);
	return h;
}

/* DESIGN §3's example policy; its global cap drops rather than resets,
 * so that repeated runs of one frame see the same SYN. */
static struct mxg_policy_header *bench_policy(void)
{
	struct image_builder *b = malloc(sizeof(*b));
	struct mxg_policy_header *h;
	uint32_t prot, partners, drop;

	if (!b)
		exit(1);
	ib_init(b);
	prot = ib_protected(b);
	ib_cidr(b, prot, "198.51.100.0/24");
	ib_cidr(b, prot, "2001:db8:25::/48");
	partners = ib_set(b, "@partners");
	ib_cidr(b, partners, "192.0.2.0/24");
	ib_cidr(b, partners, "2001:db8:1::/48");
	drop = ib_set(b, "@drop");
	ib_cidr(b, drop, "198.18.0.0/15");
	ib_cidr(b, drop, "2001:db8:dead::/48");
	ib_allow(b, "partners")->src_set = (uint16_t)partners;
	ib_deny(b, "drop-list")->src_set = (uint16_t)drop;
	ib_limit(b, "per-host", 20, 60, 10, MXG_KEY_HOST, MXG_OVER_DROP);
	ib_limit(b, "per-net", 200, 60, 50, MXG_KEY_PREFIX, MXG_OVER_DROP);
	ib_limit(b, "mx-total", 2000, 1, 4000, MXG_KEY_GLOBAL, MXG_OVER_DROP);
	h = ib_build(b);
	free(b);
	return h;
}

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/* Load one of xdp-filter's objects: no pins, port 25 in its port map. */
static int load_xdpfilt(const char *name, struct bpf_object **obj)
{
	char path[256];
	struct bpf_program *prog;
	struct bpf_map *m;
	uint32_t port = 25;
	uint64_t flags = MAP_FLAG_DST | MAP_FLAG_TCP;
	const char *dir = getenv("XDPFILT_DIR");

	snprintf(path, sizeof(path), "%s/%s.o", dir ? dir : XDPFILT_DIR, name);
	*obj = bpf_object__open_file(path, NULL);
	if (!*obj) {
		fprintf(stderr, "bench_xdp: cannot open %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	bpf_object__for_each_map(m, *obj)
		bpf_map__set_pin_path(m, NULL); /* nothing in /sys/fs/bpf */
	if (bpf_object__load(*obj)) {
		fprintf(stderr, "bench_xdp: cannot load %s\n", path);
		return -1;
	}
	m = bpf_object__find_map_by_name(*obj, "filter_ports");
	if (!m || bpf_map_update_elem(bpf_map__fd(m), &port, &flags, BPF_ANY))
		fprintf(stderr, "bench_xdp: %s: no port map to fill\n", name);
	prog = bpf_object__next_program(*obj, NULL);
	return prog ? bpf_program__fd(prog) : -1;
}

/* Mean ns per run of one frame, as the kernel measured it. */
static double run(int fd, const uint8_t *frame, size_t len, uint32_t repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = (uint32_t)len, .repeat = repeat);

	if (bpf_prog_test_run_opts(fd, &opts)) {
		fprintf(stderr, "bench_xdp: BPF_PROG_TEST_RUN: %s\n",
			strerror(errno));
		exit(1);
	}
	return opts.duration;
}

static double frames_mean(int fd, const struct frames *f)
{
	double sum = 0;
	unsigned int i;

	for (i = 0; i < f->n; i++)
		sum += run(fd, f->data[i], f->len[i], REPEAT);
	return sum / f->n;
}

static double flood(struct bench_xdp_bpf *b, int fd, const struct frames *f,
		    uint32_t repeat)
{
	uint32_t zero = 0;
	uint8_t frame[512];

	if (bpf_map_update_elem(bpf_map__fd(b->maps.bench_target), &zero, &fd,
				BPF_ANY)) {
		fprintf(stderr, "bench_xdp: cannot set the tail call: %s\n",
			strerror(errno));
		exit(1);
	}
	memcpy(frame, f->data[0], f->len[0]);
	return run(bpf_program__fd(b->progs.bench_flood), frame, f->len[0],
		   repeat);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	struct mxg_xdp_load_opts lo = { .buckets = FLOOD_BUCKETS };
	double ns[T_COUNT][P_COUNT][ROUNDS], med[T_COUNT][P_COUNT];
	struct frames tr[T_COUNT];
	struct mxg_policy_header *h;
	struct bpf_object *filt[2] = { NULL, NULL };
	struct bench_xdp_bpf *b;
	struct mxg_xdp *x;
	struct utsname u;
	int fd[P_COUNT], p, t, r;

	if (geteuid() != 0) {
		printf("bench_xdp: skipped: needs root (BPF_PROG_TEST_RUN)\n");
		return 0;
	}
	libbpf_set_print(silent);
	build_traffic(&tr[T_BENIGN], &tr[T_SMTP], &tr[T_FLOOD]);
	h = bench_policy();
	if (mxg_xdp_load(&x, &lo) || mxg_xdp_install(x, h, h->total_len))
		return 1;
	mxg_xdp_config_map(x)->flags = 0; /* kernel clock, no record */
	b = bench_xdp_bpf__open_and_load();
	if (!b) {
		fprintf(stderr, "bench_xdp: cannot load bench_xdp.bpf.o\n");
		return 1;
	}
	fd[P_PASS] = bpf_program__fd(b->progs.bench_pass);
	fd[P_MXGATE] = mxg_xdp_prog_fd(x);
	fd[P_ALW_ALL] = load_xdpfilt("xdpfilt_alw_all", &filt[0]);
	fd[P_DNY_TCP] = load_xdpfilt("xdpfilt_dny_tcp", &filt[1]);
	if (fd[P_ALW_ALL] < 0 || fd[P_DNY_TCP] < 0)
		return 1;

	/* Warm up; fill mxgate's bucket table with the flood's sources. */
	for (p = 0; p < P_COUNT; p++)
		frames_mean(fd[p], &tr[T_SMTP]);
	flood(b, fd[P_MXGATE], &tr[T_FLOOD], FLOOD_PREFILL);

	for (r = 0; r < ROUNDS; r++)
		for (p = 0; p < P_COUNT; p++) {
			ns[T_BENIGN][p][r] = frames_mean(fd[p], &tr[T_BENIGN]);
			ns[T_SMTP][p][r] = frames_mean(fd[p], &tr[T_SMTP]);
			ns[T_FLOOD][p][r] =
				flood(b, fd[p], &tr[T_FLOOD], FLOOD_REPEAT);
		}
	for (t = 0; t < T_COUNT; t++)
		for (p = 0; p < P_COUNT; p++) {
			qsort(ns[t][p], ROUNDS, sizeof(double), cmp_double);
			med[t][p] = ns[t][p][ROUNDS / 2];
		}

	uname(&u);
	printf("XDP ns per packet under BPF_PROG_TEST_RUN, Linux %s, one run:\n"
	       "median of %d rounds; benign and smtp-mix: mean over their "
	       "frames of %d runs each; flood: %d runs per round through the "
	       "flood wrapper, into a full table of %u buckets\n\n",
	       u.release, ROUNDS, REPEAT, FLOOD_REPEAT, FLOOD_BUCKETS);
	printf("%-10s %9s %9s %9s %9s   %12s %12s %12s\n", "traffic",
	       prog_names[P_PASS], prog_names[P_ALW_ALL], prog_names[P_DNY_TCP],
	       prog_names[P_MXGATE], "mxgate/pass", "mxgate/alw", "mxgate/dny");
	for (t = 0; t < T_COUNT; t++)
		printf("%-10s %9.1f %9.1f %9.1f %9.1f   %12.2f %12.2f %12.2f\n",
		       traffic_names[t], med[t][P_PASS], med[t][P_ALW_ALL],
		       med[t][P_DNY_TCP], med[t][P_MXGATE],
		       med[t][P_MXGATE] / med[t][P_PASS],
		       med[t][P_MXGATE] / med[t][P_ALW_ALL],
		       med[t][P_MXGATE] / med[t][P_DNY_TCP]);
	printf("\nflood without the wrapper's own cost (its xdp_pass figure "
	       "subtracted): mxgate %.1f ns, alw_all %.1f ns, dny_tcp %.1f "
	       "ns\n",
	       med[T_FLOOD][P_MXGATE] - med[T_FLOOD][P_PASS],
	       med[T_FLOOD][P_ALW_ALL] - med[T_FLOOD][P_PASS],
	       med[T_FLOOD][P_DNY_TCP] - med[T_FLOOD][P_PASS]);
	printf("xdp-filter: port 25 in filter_ports as TCP destination; "
	       "mxgate: DESIGN §3's example policy (global cap: drop)\n");

	/* Where mxgate's flood figure goes: each new source is a new key
	 * for every limit rule keyed on it, an insert into the LRU hash. */
	printf("\nmxgate's flood cost by policy (ns per packet, wrapper "
	       "included, table full):\n");
	for (p = 0; p < B_COUNT; p++) {
		struct mxg_policy_header *ph = p == B_DESIGN ? bench_policy() :
							       limits_policy(p);
		double v[ROUNDS];

		if (mxg_xdp_install(x, ph, ph->total_len))
			return 1;
		for (r = 0; r < ROUNDS; r++)
			v[r] = flood(b, fd[P_MXGATE], &tr[T_FLOOD],
				     FLOOD_REPEAT / 2);
		qsort(v, ROUNDS, sizeof(double), cmp_double);
		printf("  %-28s %8.1f\n", breakdown_names[p], v[ROUNDS / 2]);
		free(ph);
	}

	/* Issue 12's rows, in its table's form. */
	printf("\n| where | traffic | now | goal |\n|---|---|---|---|\n");
	printf("| XDP (`bench_xdp`, `BPF_PROG_TEST_RUN`) | SMTP mix | %.1f ns "
	       "(%.2f× `xdpfilt_alw_all`) | **≤ 1.5× alw_all** |\n",
	       med[T_SMTP][P_MXGATE],
	       med[T_SMTP][P_MXGATE] / med[T_SMTP][P_ALW_ALL]);
	printf("| XDP | spoofed flood, full table | %.1f ns (%.1f× alw_all) "
	       "| **≤ 200 ns** |\n",
	       med[T_FLOOD][P_MXGATE] - med[T_FLOOD][P_PASS],
	       (med[T_FLOOD][P_MXGATE] - med[T_FLOOD][P_PASS]) /
		       (med[T_FLOOD][P_ALW_ALL] - med[T_FLOOD][P_PASS]));

	bpf_object__close(filt[1]);
	bpf_object__close(filt[0]);
	bench_xdp_bpf__destroy(b);
	mxg_xdp_close(x);
	free(h);
	return 0;
}
