// SPDX-License-Identifier: BSD-3-Clause
/*
 * Benchmark: the source table against DPDK's rte_hash, the library
 * DESIGN §2 says to use unless a benchmark shows it cannot hold the goal.
 * Not a test: it reports numbers, as ratios taken in the same run.
 *
 * Both tables hold the same 20-byte key (struct mxg_src_key) and the same
 * packed 64-bit token bucket, updated the same way (mxgate/bucket.h):
 *   - src_table: mxg_src_table_take (find in the key's two buckets or
 *     insert into the less loaded, then a 16-byte CAS of {state, meta};
 *     an insert whose two buckets are both full evicts a slot);
 *   - rte_hash: created with RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF;
 *     rte_hash_lookup, on a miss rte_hash_add_key, and the key's position
 *     indexes a separately allocated array of 64-bit states updated with
 *     a 64-bit CAS. When rte_hash_add_key fails (-ENOSPC) the source is
 *     not tracked at all.
 *
 * Workloads, on one core, in cycles per operation (rdtsc):
 *   - a spoofed random-source SYN flood: every operation is a new IPv4
 *     source under the per-host rule of DESIGN §3 (20/min, burst 10),
 *     with the clock advancing 67 ns per packet (14.88 Mpps), measured
 *     at rising occupancy of a table of 16M entries; per-operation
 *     percentiles show insert-cost tails (cuckoo displacement); for the
 *     src_table, the fraction of those inserts that found no free slot
 *     and had to evict (lossy unless the victim was full or orphaned);
 *   - benign steady state: takes on sources already in the table, a hot
 *     set of 4096 (cache-resident) and a warm set of 256K (DRAM-bound);
 *   - the src_table with 2 threads (cores 0 and 1) against 1 thread.
 *
 * EAL runs with --no-huge --no-shconf, so nothing needs reserving. Its
 * memory would be a memfd, which THP never backs; memfd_create() below
 * makes EAL fall back to a private anonymous mapping, and the bench
 * advises THP on it before rte_hash allocates, as the src_table does for
 * its own mapping: both run on 2 MiB pages, which the bench checks in
 * /proc/self/smaps_rollup (--no-thp: both on 4 KiB pages).
 *
 * Usage: bench_src_table [--entries N] [--ops N] [--no-thp]
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <x86intrin.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "mxgate/bucket.h"
#include "mxgate/key.h"
#include "src_table.h"

#define RULE_ID	   0x5eed0001u
#define PKT_NS	   67 /* 14.88 Mpps */
#define T_START	   (1700000000ULL * 1000000000ULL)
#define HOT_KEYS   4096
#define MAX_POINTS 8

static const double occupancy_points[] = { 0.25, 0.50, 0.75, 0.90, 0.95, 1.00 };
#define N_POINTS (sizeof(occupancy_points) / sizeof(occupancy_points[0]))

struct bench_cfg {
	uint64_t entries;
	uint64_t ops; /* per measurement */
	int thp;
};

static struct mxg_bucket_params rule_bp;
static uint64_t clock_ns = T_START;

/* ---------------------------------------------------------------- */
/* Keys: a spoofed random IPv4 source per operation */

static inline uint64_t rng_next(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void key_random(struct mxg_src_key *k, uint64_t *rng)
{
	uint32_t ip = (uint32_t)rng_next(rng);

	memset(k, 0, sizeof(*k));
	k->key_id = RULE_ID;
	k->addr[10] = 0xff;
	k->addr[11] = 0xff;
	memcpy(k->addr + 12, &ip, 4);
}

static void keys_random(struct mxg_src_key *keys, uint64_t n, uint64_t *rng)
{
	for (uint64_t i = 0; i < n; i++)
		key_random(&keys[i], rng);
}

/* ---------------------------------------------------------------- */
/* The two tables behind one take() */

/* When an add fails: while filling to an occupancy, or while measuring. */
enum rh_phase { RH_FILL, RH_MEASURE, RH_PHASES };

struct rh_table {
	struct rte_hash *h;
	uint64_t *states;
	uint64_t adds;
	uint64_t add_fail; /* -ENOSPC: source not tracked */
	uint64_t add_fail_in[RH_PHASES];
	uint64_t cas_retries;
	enum rh_phase phase;
	char phase_what[48];	  /* e.g. "measuring at 90%" */
	uint64_t first_fail_keys; /* keys held at the first -ENOSPC */
	char first_fail_what[48]; /* phase_what then */
};

/* Off the hot path: count a failed add, and remember the first. */
static void __attribute__((cold, noinline)) rh_add_failed(struct rh_table *r)
{
	if (!r->add_fail) {
		r->first_fail_keys = (uint64_t)rte_hash_count(r->h);
		memcpy(r->first_fail_what, r->phase_what,
		       sizeof(r->first_fail_what));
	}
	r->add_fail++;
	r->add_fail_in[r->phase]++;
}

static void rh_set_phase(struct rh_table *r, enum rh_phase phase,
			 double occupancy)
{
	r->phase = phase;
	snprintf(r->phase_what, sizeof(r->phase_what), "%s %.0f%%",
		 phase == RH_FILL ? "filling to" : "measuring at",
		 occupancy * 100);
}

/* The bucket update of a key found (or added) at 'pos'. */
static inline int rh_update(struct rh_table *r, int32_t pos, uint64_t now)
{
	uint64_t cur, next;
	int conform;

	/* A state of 0 is a position never used: MXG_BUCKET_FRESH. */
	cur = __atomic_load_n(&r->states[pos], __ATOMIC_RELAXED);
	for (;;) {
		conform = mxg_bucket_take(cur, now, &rule_bp, &next);
		if (next == cur)
			return conform;
		if (__atomic_compare_exchange_n(&r->states[pos], &cur, next, 0,
						__ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			return conform;
		r->cas_retries++;
	}
}

static inline int rh_take(struct rh_table *r, const struct mxg_src_key *k,
			  uint64_t now)
{
	int32_t pos = rte_hash_lookup(r->h, k);

	if (pos < 0) {
		pos = rte_hash_add_key(r->h, k);
		if (pos < 0) {
			rh_add_failed(r);
			return -1;
		}
		r->adds++;
	}
	return rh_update(r, pos, now);
}

static inline int st_take(struct mxg_src_table *t, const struct mxg_src_key *k,
			  uint64_t now, struct mxg_src_table_stats *st)
{
	return mxg_src_table_take(t, k, now, &rule_bp, st);
}

static uint64_t st_occupancy(const struct mxg_src_table_stats *st)
{
	return st->inserts - st->evict_lossless - st->evict_lossy;
}

/* The fraction of the inserts since 'from' that had to evict. */
static double evict_frac(const struct mxg_src_table_stats *st,
			 const struct mxg_src_table_stats *from)
{
	uint64_t ins = st->inserts - from->inserts;
	uint64_t ev = st->evict_lossless + st->evict_lossy -
		      from->evict_lossless - from->evict_lossy;

	return ins ? (double)ev / (double)ins : 0;
}

/*
 * The four ways of running keys through a table:
 *   OP_ST, OP_RH: one take at a time;
 *   OP_ST_BURST, OP_RH_BURST: bursts of 32 as the DPDK workers run them
 *   (DESIGN §8): src_table prefetches every key's bucket, then takes;
 *   rte_hash looks the burst up with rte_hash_lookup_bulk (which
 *   prefetches internally), then adds the misses and updates the states.
 */
#define BURST 32

enum op_kind { OP_ST, OP_RH, OP_ST_BURST, OP_RH_BURST };

static struct mxg_src_table *g_st_table;
static struct mxg_src_table_stats g_st;
static struct rh_table g_rh;

static void run_ops(enum op_kind kind, const struct mxg_src_key *keys,
		    uint64_t n)
{
	const void *kp[BURST];
	int32_t pos[BURST];
	uint64_t i, j;

	switch (kind) {
	case OP_ST:
		for (i = 0; i < n; i++) {
			clock_ns += PKT_NS;
			st_take(g_st_table, &keys[i], clock_ns, &g_st);
		}
		break;
	case OP_RH:
		for (i = 0; i < n; i++) {
			clock_ns += PKT_NS;
			rh_take(&g_rh, &keys[i], clock_ns);
		}
		break;
	case OP_ST_BURST:
		for (i = 0; i + BURST <= n; i += BURST) {
			for (j = 0; j < BURST; j++)
				mxg_src_table_prefetch(g_st_table,
						       &keys[i + j]);
			for (j = 0; j < BURST; j++) {
				clock_ns += PKT_NS;
				st_take(g_st_table, &keys[i + j], clock_ns,
					&g_st);
			}
		}
		break;
	case OP_RH_BURST:
		for (i = 0; i + BURST <= n; i += BURST) {
			for (j = 0; j < BURST; j++)
				kp[j] = &keys[i + j];
			rte_hash_lookup_bulk(g_rh.h, kp, BURST, pos);
			for (j = 0; j < BURST; j++) {
				clock_ns += PKT_NS;
				if (pos[j] < 0) {
					pos[j] =
						rte_hash_add_key(g_rh.h, kp[j]);
					if (pos[j] < 0) {
						rh_add_failed(&g_rh);
						continue;
					}
					g_rh.adds++;
				}
				rh_update(&g_rh, pos[j], clock_ns);
			}
		}
		break;
	}
}

/* ---------------------------------------------------------------- */
/* Timing. The machine is shared: a chunk of operations during which the
 * thread was switched out is timed by the thread's CPU time instead of
 * the TSC. */

#define CHUNK 512 /* a multiple of BURST */

struct timing {
	double mean;	       /* cycles per op, chunks timed as a whole */
	double p50, p99, p999; /* cycles, op by op (single ops only) */
	uint64_t switched;     /* chunks timed by CPU time */
};

static uint32_t *lat_buf;
static uint64_t tsc_overhead;

static double tsc_ghz;

static uint64_t thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static long ctx_switches(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_nvcsw + ru.ru_nivcsw;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void tsc_calibrate(void)
{
	uint64_t best = UINT64_MAX;
	unsigned int aux;

	for (int i = 0; i < 10000; i++) {
		uint64_t t0 = __rdtscp(&aux), t1 = __rdtscp(&aux);

		if (t1 - t0 < best)
			best = t1 - t0;
	}
	tsc_overhead = best;
}

/*
 * Run keys[0..n) through one table. Bursts: all timed by chunks. Single
 * ops: the first half timed by chunks (the mean), the second half op by
 * op (the percentiles; rdtscp around each op keeps consecutive ops from
 * overlapping, so these are latencies).
 */
static void measure(enum op_kind kind, const struct mxg_src_key *keys,
		    uint64_t n, struct timing *tm)
{
	uint64_t half = kind == OP_ST || kind == OP_RH ? n / 2 : n;
	uint64_t cyc = 0, ops = 0, c, i, m;
	unsigned int aux;

	half -= half % CHUNK;
	memset(tm, 0, sizeof(*tm));
	for (c = 0; c < half; c += CHUNK) {
		long cs = ctx_switches();
		uint64_t ns = thread_ns(), t0 = __rdtscp(&aux), t1;

		run_ops(kind, keys + c, CHUNK);
		t1 = __rdtscp(&aux);
		if (ctx_switches() != cs) {
			tm->switched++;
			t1 = t0 +
			     (uint64_t)((double)(thread_ns() - ns) * tsc_ghz);
		}
		cyc += t1 - t0;
		ops += CHUNK;
	}
	tm->mean = ops ? (double)cyc / (double)ops : 0;
	if (half == n)
		return;
	for (i = half, m = 0; i < n; i++, m++) {
		uint64_t t0 = __rdtscp(&aux), d;

		run_ops(kind, keys + i, 1);
		d = __rdtscp(&aux) - t0;
		d = d > tsc_overhead ? d - tsc_overhead : 0;
		lat_buf[m] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
	}
	qsort(lat_buf, m, sizeof(*lat_buf), cmp_u32);
	tm->p50 = lat_buf[m / 2];
	tm->p99 = lat_buf[m * 99 / 100];
	tm->p999 = lat_buf[m * 999 / 1000];
}

/* ---------------------------------------------------------------- */
/* EAL and rte_hash */

/*
 * Interposes glibc's memfd_create for librte_eal (the bench itself calls
 * none): EAL then maps its --no-huge memory private and anonymous.
 */
int memfd_create(const char *name, unsigned int flags)
{
	(void)name;
	(void)flags;
	errno = ENOSYS;
	return -1;
}

/* AnonHugePages of this process, in MiB. */
static uint64_t anon_huge_mib(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	uint64_t kb = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %" SCNu64, &kb) == 1)
			break;
	fclose(f);
	return kb >> 10;
}

static int advise_thp(const struct rte_memseg_list *msl, void *arg)
{
	(void)arg;
	if (msl->base_va != NULL && msl->len > 0)
		madvise(msl->base_va, msl->len, MADV_HUGEPAGE);
	return 0;
}

static size_t heap_allocated(void)
{
	struct rte_malloc_socket_stats s;

	if (rte_malloc_get_socket_stats(0, &s) != 0)
		return 0;
	return s.heap_allocsz_bytes;
}

static int rh_create(struct rh_table *r, uint64_t entries, size_t *bytes)
{
	struct rte_hash_parameters p = {
		.name = "bench_src",
		.entries = (uint32_t)entries,
		.key_len = sizeof(struct mxg_src_key),
		.hash_func = rte_hash_crc,
		.hash_func_init_val = 0x5eed,
		.socket_id = 0,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	size_t before = heap_allocated();

	memset(r, 0, sizeof(*r));
	r->h = rte_hash_create(&p);
	if (r->h == NULL)
		return -rte_errno;
	/* One state per key position (positions are 0 .. entries). */
	r->states = rte_zmalloc("bench_states",
				(entries + 1) * sizeof(uint64_t), 64);
	if (r->states == NULL) {
		rte_hash_free(r->h);
		return -ENOMEM;
	}
	*bytes = heap_allocated() - before;
	return 0;
}

/* ---------------------------------------------------------------- */
/* Two threads on the src_table */

struct thread_arg {
	struct mxg_src_table *t;
	const struct mxg_src_key *keys;
	uint64_t n, passes;
	uint64_t now;
	volatile int *go;
	uint64_t t_end;
	uint64_t cpu_ns;
	struct mxg_src_table_stats st;
};

static void *mt_worker(void *p)
{
	struct thread_arg *a = p;
	unsigned int aux;

	uint64_t ns;

	while (!__atomic_load_n(a->go, __ATOMIC_ACQUIRE))
		_mm_pause();
	ns = thread_ns();
	for (uint64_t pass = 0; pass < a->passes; pass++)
		for (uint64_t i = 0; i < a->n; i++)
			st_take(a->t, &a->keys[i],
				a->now + (pass * a->n + i) * PKT_NS, &a->st);
	a->t_end = __rdtscp(&aux);
	a->cpu_ns = thread_ns() - ns;
	return NULL;
}

/*
 * Wall cycles per op over all threads, with 'nthreads' threads on cores
 * 0..; *cpu: CPU-time cycles per op of one thread (the mean of threads).
 */
static double mt_run(struct mxg_src_table *t, int nthreads,
		     const struct mxg_src_key *keys[2], uint64_t n,
		     uint64_t passes, struct mxg_src_table_stats *sum,
		     double *cpu)
{
	struct thread_arg a[2];
	pthread_t th[2];
	volatile int go = 0;
	uint64_t t0, t_end = 0;
	unsigned int aux;
	int i;

	memset(sum, 0, sizeof(*sum));
	*cpu = 0;
	for (i = 0; i < nthreads; i++) {
		pthread_attr_t attr;
		cpu_set_t cpus;

		memset(&a[i], 0, sizeof(a[i]));
		a[i].t = t;
		a[i].keys = keys[i];
		a[i].n = n;
		a[i].passes = passes;
		a[i].now = clock_ns;
		a[i].go = &go;
		CPU_ZERO(&cpus);
		CPU_SET(i, &cpus);
		pthread_attr_init(&attr);
		pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
		if (pthread_create(&th[i], &attr, mt_worker, &a[i]) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			exit(1);
		}
		pthread_attr_destroy(&attr);
	}
	t0 = __rdtscp(&aux);
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	for (i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
		if (a[i].t_end > t_end)
			t_end = a[i].t_end;
		*cpu += (double)a[i].cpu_ns * tsc_ghz /
			(double)(n * passes * (uint64_t)nthreads);
		sum->takes += a[i].st.takes;
		sum->inserts += a[i].st.inserts;
		sum->evict_lossless += a[i].st.evict_lossless;
		sum->evict_lossy += a[i].st.evict_lossy;
		sum->cas_retries += a[i].st.cas_retries;
	}
	clock_ns += n * passes * PKT_NS;
	return (double)(t_end - t0) / (double)(n * passes * nthreads);
}

/* ---------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: bench_src_table [--entries N] [--ops N] "
			"[--no-thp]\n");
	exit(2);
}

static void parse_args(int argc, char **argv, struct bench_cfg *c)
{
	c->entries = 16ULL << 20;
	c->ops = 1ULL << 16;
	c->thp = 1;
	for (int i = 1; i < argc; i++) {
		char *end;

		if (!strcmp(argv[i], "--no-thp")) {
			c->thp = 0;
		} else if (!strcmp(argv[i], "--entries") && i + 1 < argc) {
			c->entries = strtoull(argv[++i], &end, 0);
			if (*end || c->entries < 1024 ||
			    c->entries > 1ULL << 26)
				usage();
		} else if (!strcmp(argv[i], "--ops") && i + 1 < argc) {
			c->ops = strtoull(argv[++i], &end, 0);
			if (*end || c->ops < 1024 || c->ops > 1ULL << 24)
				usage();
		} else {
			usage();
		}
	}
}

static void print_row(const char *occ, const char *name,
		      const struct timing *one, const struct timing *burst,
		      const char *note)
{
	printf("%-5s %-9s %8.1f %6.0f %6.0f %7.0f %9.1f  %s\n", occ, name,
	       one->mean, one->p50, one->p99, one->p999, burst->mean, note);
}

static void print_ratio(const struct timing *s1, const struct timing *r1,
			const struct timing *sb, const struct timing *rb,
			uint64_t switched)
{
	printf("%-5s %-9s %8.2f %6.2f %6.2f %7.2f %9.2f  (%" PRIu64
	       " chunks switched out, timed by CPU time)\n",
	       "", "rte/src", r1->mean / s1->mean, r1->p50 / s1->p50,
	       r1->p99 / s1->p99, r1->p999 / s1->p999, rb->mean / sb->mean,
	       switched);
}

/* Sources present in both tables, taken from keys[0..n). */
static uint64_t keys_in_both(struct mxg_src_key *out,
			     const struct mxg_src_key *keys, uint64_t n)
{
	uint64_t i, m = 0;

	for (i = 0; i < n; i++)
		if (mxg_src_table_peek(g_st_table, &keys[i], NULL) == 0 &&
		    rte_hash_lookup(g_rh.h, &keys[i]) >= 0)
			out[m++] = keys[i];
	return m;
}

static void benign(const struct mxg_src_key *present, uint64_t n_present,
		   struct mxg_src_key *work, uint64_t ops)
{
	static const uint64_t sets[] = { HOT_KEYS, 0 };

	for (size_t s = 0; s < 2; s++) {
		uint64_t n = sets[s] && sets[s] < n_present ? sets[s] :
							      n_present;
		struct timing s1, r1, sb, rb;
		uint64_t x = 42, i, ins0 = g_st.inserts, fail0 = g_rh.add_fail;
		char note[128];

		for (i = 0; i < ops; i++)
			work[i] = present[i % n];
		for (i = ops - 1; i > 0 && n > HOT_KEYS; i--) {
			uint64_t j = rng_next(&x) % (i + 1);
			struct mxg_src_key tmp = work[i];

			work[i] = work[j];
			work[j] = tmp;
		}
		measure(OP_ST, work, ops, &s1);
		measure(OP_RH, work, ops, &r1);
		measure(OP_ST_BURST, work, ops, &sb);
		measure(OP_RH_BURST, work, ops, &rb);
		printf("benign steady state: %" PRIu64 " sources present in "
		       "both tables (%s)\n",
		       n, n <= HOT_KEYS ? "cache-resident" : "shuffled, DRAM");
		snprintf(note, sizeof(note),
			 "%" PRIu64 " re-inserted (evicted meanwhile)",
			 g_st.inserts - ins0);
		print_row("", "src_table", &s1, &sb, note);
		snprintf(note, sizeof(note), "%" PRIu64 " adds failed",
			 g_rh.add_fail - fail0);
		print_row("", "rte_hash", &r1, &rb, note);
		print_ratio(&s1, &r1, &sb, &rb,
			    s1.switched + r1.switched + sb.switched +
				    rb.switched);
	}
}

int main(int argc, char **argv)
{
	struct bench_cfg cfg;
	char mem_arg[32];
	char *eal_argv[] = { argv[0],
			     "--no-huge",
			     "--no-shconf",
			     "--no-pci",
			     "--no-telemetry",
			     "-l",
			     "0",
			     "-m",
			     mem_arg,
			     "--log-level=error" };
	int eal_argc = sizeof(eal_argv) / sizeof(eal_argv[0]);
	struct mxg_src_table_stats mt_st, zero = { 0 };
	double frac[N_POINTS], fill_frac[N_POINTS];
	double st_mean[N_POINTS], st_burst[N_POINTS];
	struct mxg_src_key *keys, *work, *present, *mt_keys;
	const struct mxg_src_key *mt_k[2];
	uint64_t rng_st = 1, rng_rh = 1, rng_batch = 0xb00, cap, target;
	uint64_t rh_count, n_present = 0;
	size_t rh_bytes = 0;
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_args(argc, argv, &cfg);
	/* --no-thp: no 2 MiB pages for this process, madvise or not. */
	if (!cfg.thp && prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0) {
		perror("prctl(PR_SET_THP_DISABLE)");
		return 1;
	}
	/* rte_hash: 56 B/entry here, plus EAL's own. */
	snprintf(mem_arg, sizeof(mem_arg), "%" PRIu64,
		 cfg.entries * 64 / (1 << 20) + 256);
	rc = rte_eal_init(eal_argc, eal_argv);
	if (rc < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (cfg.thp)
		rte_memseg_list_walk(advise_thp, NULL);
	tsc_calibrate();
	tsc_ghz = (double)rte_get_tsc_hz() / 1e9;
	if (mxg_bucket_params_init(&rule_bp, 20, 60, 10) != 0)
		return 1;

	rc = mxg_src_table_create(&g_st_table, cfg.entries);
	if (rc) {
		fprintf(stderr, "mxg_src_table_create: %s\n", strerror(-rc));
		return 1;
	}
	rc = rh_create(&g_rh, cfg.entries, &rh_bytes);
	if (rc) {
		fprintf(stderr, "rte_hash_create: %s\n", strerror(-rc));
		return 1;
	}
	cap = mxg_src_table_capacity(g_st_table);
	keys = malloc(cfg.ops * sizeof(*keys));
	work = malloc(cfg.ops * sizeof(*work));
	present = malloc(cfg.ops * sizeof(*present));
	lat_buf = malloc(cfg.ops * sizeof(*lat_buf));
	mt_keys = malloc(2 * cfg.ops * sizeof(*mt_keys));
	if (!keys || !work || !present || !lat_buf || !mt_keys)
		return 1;

	printf("bench_src_table: %" PRIu64 " entries, %" PRIu64
	       " ops per measurement, TSC %.2f GHz, %s pages\n",
	       cfg.entries, cfg.ops, tsc_ghz,
	       cfg.thp ? "2 MiB (THP)" : "4 KiB");
	printf("\nbytes per tracked source (all overhead included)\n");
	printf("  src_table %10zu bytes / %" PRIu64 " slots = %6.2f\n",
	       mxg_src_table_memory(g_st_table), cap,
	       (double)mxg_src_table_memory(g_st_table) / (double)cap);
	printf("  rte_hash  %10zu bytes / %" PRIu64
	       " entries = %6.2f (hash %zu + states %zu)\n",
	       rh_bytes, cfg.entries, (double)rh_bytes / (double)cfg.entries,
	       rh_bytes - (cfg.entries + 1) * sizeof(uint64_t),
	       (cfg.entries + 1) * sizeof(uint64_t));

	printf("\nspoofed random-source flood (every op a new source), cycles "
	       "per op:\n  mean: single takes timed by chunks of %d; "
	       "p50/p99/p99.9: single takes timed one by one (latency);\n"
	       "  burst: bursts of %d, prefetch (src_table) or "
	       "rte_hash_lookup_bulk, timed by chunks\n",
	       CHUNK, BURST);
	printf("%-5s %-9s %8s %6s %6s %7s %9s  %s\n", "occ", "table", "mean",
	       "p50", "p99", "p99.9", "burst", "notes");
	for (size_t p = 0; p < N_POINTS; p++) {
		struct timing s1, r1, sb, rb;
		struct mxg_src_table_stats s0;
		uint64_t fail0, fail1;
		int fill_failed = 0;
		char occ[8], note[160];

		target = (uint64_t)(occupancy_points[p] * (double)cap);
		/* src_table: fill to the target, at most 99.9%: the last
		 * free slots take long to fill. */
		if (target > cap - cap / 1000)
			target = cap - cap / 1000;
		while (st_occupancy(&g_st) < target) {
			struct mxg_src_key k;

			key_random(&k, &rng_st);
			clock_ns += PKT_NS;
			st_take(g_st_table, &k, clock_ns, &g_st);
		}
		/* rte_hash: fill to the target, or until it fails. */
		target = (uint64_t)(occupancy_points[p] * (double)cfg.entries);
		rh_set_phase(&g_rh, RH_FILL, occupancy_points[p]);
		fail0 = g_rh.add_fail;
		while ((uint64_t)rte_hash_count(g_rh.h) < target) {
			struct mxg_src_key k;

			key_random(&k, &rng_rh);
			clock_ns += PKT_NS;
			if (rh_take(&g_rh, &k, clock_ns) >= 0)
				continue;
			/* Each failure costs a full cuckoo search: stop
			 * after 64K of them and call it full. */
			if (g_rh.add_fail - fail0 >= 65536) {
				fill_failed = 1;
				break;
			}
		}

		fill_frac[p] = evict_frac(&g_st, &zero);
		rh_set_phase(&g_rh, RH_MEASURE, occupancy_points[p]);
		keys_random(keys, cfg.ops, &rng_batch);
		s0 = g_st;
		measure(OP_ST, keys, cfg.ops, &s1);
		fail0 = g_rh.add_fail;
		measure(OP_RH, keys, cfg.ops, &r1);
		fail1 = g_rh.add_fail - fail0;
		if (occupancy_points[p] == 0.90)
			n_present = keys_in_both(present, keys, cfg.ops);
		keys_random(work, cfg.ops, &rng_batch);
		measure(OP_ST_BURST, work, cfg.ops, &sb);
		fail0 = g_rh.add_fail;
		measure(OP_RH_BURST, work, cfg.ops, &rb);
		rh_count = (uint64_t)rte_hash_count(g_rh.h);
		frac[p] = evict_frac(&g_st, &s0);
		st_mean[p] = s1.mean;
		st_burst[p] = sb.mean;

		snprintf(occ, sizeof(occ), "%3.0f%%",
			 occupancy_points[p] * 100);
		snprintf(note, sizeof(note),
			 "then %.4f full; %.4f of inserts evicted: %" PRIu64
			 " lossy, %" PRIu64 " lossless",
			 (double)st_occupancy(&g_st) / (double)cap, frac[p],
			 g_st.evict_lossy - s0.evict_lossy,
			 g_st.evict_lossless - s0.evict_lossless);
		print_row(occ, "src_table", &s1, &sb, note);
		snprintf(note, sizeof(note),
			 "then %.4f full; adds failed (-ENOSPC): %" PRIu64
			 " + %" PRIu64 " of 2 x %" PRIu64 "%s",
			 (double)rh_count / (double)cfg.entries, fail1,
			 g_rh.add_fail - fail0, cfg.ops,
			 fill_failed ? "; fill stopped: full" : "");
		print_row("", "rte_hash", &r1, &rb, note);
		print_ratio(&s1, &r1, &sb, &rb,
			    s1.switched + r1.switched + sb.switched +
				    rb.switched);
		/* Benign steady state, on sources inserted at 90%. */
		if (n_present)
			benign(present, n_present, work, cfg.ops);
		n_present = 0;
	}
	printf("\nsrc_table: fraction of inserts that found both buckets "
	       "full and evicted, at each occupancy (the measured new "
	       "sources; in brackets, over every insert up to there), "
	       "and cycles per op (single, burst)\n");
	for (size_t p = 0; p < N_POINTS; p++)
		printf("  %3.0f%%  evicted %.5f  (fill %.5f)  %7.1f %7.1f\n",
		       occupancy_points[p] * 100, frac[p], fill_frac[p],
		       st_mean[p], st_burst[p]);
	if (g_rh.add_fail)
		printf("\nrte_hash: first -ENOSPC at occupancy %.4f (%" PRIu64
		       " keys), %s; %" PRIu64 " adds failed in all (%" PRIu64
		       " while filling, %" PRIu64 " while measuring): those "
		       "sources go untracked\n",
		       (double)g_rh.first_fail_keys / (double)cfg.entries,
		       g_rh.first_fail_keys, g_rh.first_fail_what,
		       g_rh.add_fail, g_rh.add_fail_in[RH_FILL],
		       g_rh.add_fail_in[RH_MEASURE]);
	else
		printf("\nrte_hash: no add failed (no -ENOSPC): every source "
		       "was tracked\n");
	printf("pages: %" PRIu64 " MiB of this process on 2 MiB pages "
	       "(src_table %zu MiB, rte_hash %zu MiB)\n",
	       anon_huge_mib(), mxg_src_table_memory(g_st_table) >> 20,
	       rh_bytes >> 20);
	printf("src_table: %" PRIu64 " takes, %" PRIu64 " inserts, %" PRIu64
	       " lossy + %" PRIu64 " lossless evictions, occupancy %.4f "
	       "(count %" PRIu64 ")\n\n",
	       g_st.takes, g_st.inserts, g_st.evict_lossy, g_st.evict_lossless,
	       (double)st_occupancy(&g_st) / (double)cap,
	       mxg_src_table_count(g_st_table));

	/* Scaling, src_table only: the storm at full occupancy, and a
	 * hot set shared by both threads or not. */
	printf("\nsrc_table scaling, 1 -> 2 threads (cores 0, 1): wall "
	       "cycles per op over all threads (speed-up = wall 1T / wall "
	       "2T; on a shared machine the 2 threads may not get 2 cores),\n"
	       "and CPU-time cycles per op of one thread (1T vs 2T: the cost "
	       "of sharing, as with 2 dedicated cores)\n");
	{
		static const char *const what[] = {
			"storm at 100%, new sources",
			"4096 hot sources shared by both",
			"4096 hot sources each, disjoint",
		};
		double one, two, c1, c2;

		for (int w = 0; w < 3; w++) {
			uint64_t n = w == 0 ? cfg.ops : HOT_KEYS;
			uint64_t passes = w == 0 ? 1 : 64;

			keys_random(mt_keys, 2 * cfg.ops, &rng_batch);
			mt_k[0] = mt_keys;
			mt_k[1] = w == 1 ? mt_keys : mt_keys + cfg.ops;
			one = mt_run(g_st_table, 1, mt_k, n, passes, &mt_st,
				     &c1);
			if (w == 0)
				keys_random(mt_keys, 2 * cfg.ops, &rng_batch);
			two = mt_run(g_st_table, 2, mt_k, n, passes, &mt_st,
				     &c2);
			printf("  %-32s wall %7.1f -> %7.1f (speed-up %.2f); "
			       "per thread CPU %7.1f -> %7.1f; %" PRIu64
			       " CAS retries\n",
			       what[w], one, two, one / two, c1, c2,
			       mt_st.cas_retries);
		}
	}

	free(mt_keys);
	free(lat_buf);
	free(present);
	free(work);
	free(keys);
	rte_free(g_rh.states);
	rte_hash_free(g_rh.h);
	mxg_src_table_destroy(g_st_table);
	rte_eal_cleanup();
	return 0;
}
