// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxgate-dp: the DPDK data plane (DESIGN §4).
 *
 *   mxgate-dp [EAL args] -- --policy FILE [--control SOCKET]
 *             [--clock tsc|rx-timestamp] [--idle-exit MS] [options]
 *
 * The main lcore runs the control thread (socket, reloads, stats,
 * idle-exit, signals); every other lcore runs a worker. At exit the
 * summary JSON goes to stdout, and nothing else does: the EAL and all
 * logging write to stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>

#include "dp.h"
#include "dp_log.h"
#include "policy_compile.h"

#define DP_EXIT_USAGE 2 /* bad arguments or policy, as mxgate-replay */
#define DP_EXIT_START 1 /* start-up failure (EAL, ports, memory) */

#define DP_TABLE_DEFAULT (1u << 20)
#define DP_TOP_CAPACITY	 (1u << 20)

struct dp_state dp;
int dp_logtype;

static const char *prog = "mxgate-dp";
static int summary_fd = -1; /* the real stdout */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [EAL options] -- (--policy FILE | --policy-image FILE)\n"
		"       [--control SOCKET] [--control-group GROUP]\n"
		"       [--clock tsc|rx-timestamp] [--rx-timestamp-unit ns|us]\n"
		"       [--idle-exit MS] [--pairs A:B[,C:D...]] [--rx-queues N]\n"
		"       [--rxd N] [--txd N] [--mbufs N] [--table-entries N]\n"
		"       [--top N] [--top-capacity N] [--tx-retries N]\n"
		"       [--rss-src-only] [--no-promisc]\n"
		"\n"
		"The mxgate data plane: forwards every frame between the ports\n"
		"of each pair except the SMTP connection attempts the policy\n"
		"drops (or resets: a RST goes back out of the ingress port).\n"
		"The main lcore serves the control socket; every other lcore is\n"
		"a worker. Prints the summary JSON on stdout at exit.\n"
		"\n"
		"  --policy FILE         JSON policy, compiled as `mxgatectl check`\n"
		"  --policy-image FILE   a compiled image (`mxgatectl compile`)\n"
		"  --control SOCKET      Unix SOCK_SEQPACKET control socket, mode\n"
		"                        0660 (include/mxgate/ctl.h): reload, stats\n"
		"  --control-group GROUP also accept clients of this group\n"
		"  --clock tsc           time from the TSC (default)\n"
		"  --clock rx-timestamp  time from the mbuf RX timestamp (net_pcap:\n"
		"                        capture timestamps, as mxgate-replay)\n"
		"  --rx-timestamp-unit   ns or us per timestamp unit (default: us\n"
		"                        for net_pcap, ns otherwise)\n"
		"  --idle-exit MS        exit after MS ms without a received frame\n"
		"  --pairs A:B,...       inline port pairs (default 0:1; A:A loops)\n"
		"  --rx-queues N         rx queues per port (default: one per\n"
		"                        worker, at most what the PMD offers)\n"
		"  --rxd N, --txd N      descriptors per queue (default 1024)\n"
		"  --mbufs N             mbufs per socket (default: sized from\n"
		"                        ports, queues and descriptors)\n"
		"  --table-entries N     source table size (default %u)\n"
		"  --top N               top sources in the exit summary (default 10)\n"
		"  --top-capacity N      sources tracked exactly (default %u)\n"
		"  --tx-retries N        empty tx bursts retried before the rest is\n"
		"                        dropped and counted (default %d)\n"
		"  --rss-src-only        RSS on the source address alone (IP hash\n"
		"                        types, L3 source only, no ports); refused\n"
		"                        on a port whose NIC cannot\n"
		"  --no-promisc          leave promiscuous mode off\n"
		"\n"
		"Exit status: 0 ok; 1 start-up failure; 2 bad arguments or policy.\n",
		prog, DP_TABLE_DEFAULT, DP_TOP_CAPACITY, DP_TX_RETRIES);
}

static void __attribute__((noreturn, format(printf, 2, 3)))
fail(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

static uint64_t parse_count(const char *opt, const char *s, uint64_t min,
			    uint64_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		fail(DP_EXIT_USAGE,
		     "%s: expected an integer from %" PRIu64 " to %" PRIu64
		     ", got \"%s\"",
		     opt, min, max, s);
	return v;
}

static void parse_pairs(struct dp_config *c, const char *arg)
{
	const char *s = arg;

	c->n_pairs = 0;
	while (*s) {
		unsigned long a, b;
		char *end;

		if (c->n_pairs == DP_MAX_PORTS)
			fail(DP_EXIT_USAGE, "--pairs: too many pairs");
		errno = 0;
		a = strtoul(s, &end, 10);
		if (errno || end == s || *end != ':' || a >= DP_MAX_PORTS)
			goto bad;
		s = end + 1;
		b = strtoul(s, &end, 10);
		if (errno || end == s || (*end && *end != ',') ||
		    b >= DP_MAX_PORTS)
			goto bad;
		c->pairs[c->n_pairs].a = (uint16_t)a;
		c->pairs[c->n_pairs].b = (uint16_t)b;
		c->n_pairs++;
		s = *end ? end + 1 : end;
		if (*end && !*s)
			goto bad;
	}
	if (c->n_pairs)
		return;
bad:
	fail(DP_EXIT_USAGE,
	     "--pairs: expected PORT:PORT[,PORT:PORT...], got \"%s\"", arg);
}

static void parse_args(int argc, char **argv, struct dp_config *c)
{
	static const struct option longopts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "policy-image", required_argument, NULL, 'i' },
		{ "control", required_argument, NULL, 'c' },
		{ "control-group", required_argument, NULL, 'g' },
		{ "clock", required_argument, NULL, 'k' },
		{ "rx-timestamp-unit", required_argument, NULL, 'u' },
		{ "idle-exit", required_argument, NULL, 'I' },
		{ "pairs", required_argument, NULL, 'P' },
		{ "rx-queues", required_argument, NULL, 'q' },
		{ "rxd", required_argument, NULL, 'r' },
		{ "txd", required_argument, NULL, 't' },
		{ "mbufs", required_argument, NULL, 'm' },
		{ "table-entries", required_argument, NULL, 'T' },
		{ "top", required_argument, NULL, 'n' },
		{ "top-capacity", required_argument, NULL, 'C' },
		{ "tx-retries", required_argument, NULL, 'R' },
		{ "rss-src-only", no_argument, NULL, 'S' },
		{ "no-promisc", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	memset(c, 0, sizeof(*c));
	c->clock = DP_CLOCK_TSC;
	c->nb_rxd = 1024;
	c->nb_txd = 1024;
	c->table_entries = DP_TABLE_DEFAULT;
	c->top_n = 10;
	c->top_capacity = DP_TOP_CAPACITY;
	c->tx_retries = DP_TX_RETRIES;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			c->policy_file = optarg;
			break;
		case 'i':
			c->policy_image_file = optarg;
			break;
		case 'c':
			c->control_path = optarg;
			break;
		case 'g':
			c->control_group = optarg;
			break;
		case 'k':
			if (strcmp(optarg, "tsc") == 0)
				c->clock = DP_CLOCK_TSC;
			else if (strcmp(optarg, "rx-timestamp") == 0)
				c->clock = DP_CLOCK_RX_TIMESTAMP;
			else
				fail(DP_EXIT_USAGE,
				     "--clock: expected \"tsc\" or "
				     "\"rx-timestamp\", got \"%s\"",
				     optarg);
			break;
		case 'u':
			if (strcmp(optarg, "ns") == 0)
				c->rx_ts_unit_ns = 1;
			else if (strcmp(optarg, "us") == 0)
				c->rx_ts_unit_ns = 1000;
			else
				fail(DP_EXIT_USAGE,
				     "--rx-timestamp-unit: expected \"ns\" or "
				     "\"us\", got \"%s\"",
				     optarg);
			break;
		case 'I':
			c->idle_exit_ms = parse_count("--idle-exit", optarg, 1,
						      86400000ULL * 365);
			break;
		case 'P':
			parse_pairs(c, optarg);
			break;
		case 'q':
			c->rx_queues = (uint16_t)parse_count(
				"--rx-queues", optarg, 1, DP_MAX_QUEUES);
			break;
		case 'r':
			c->nb_rxd = (uint16_t)parse_count("--rxd", optarg, 32,
							  32768);
			break;
		case 't':
			c->nb_txd = (uint16_t)parse_count("--txd", optarg, 32,
							  32768);
			break;
		case 'm':
			c->n_mbufs = (uint32_t)parse_count("--mbufs", optarg,
							   1023, 1u << 30);
			break;
		case 'T':
			c->table_entries = parse_count(
				"--table-entries", optarg, 1024, 1ULL << 32);
			break;
		case 'n':
			c->top_n = (uint32_t)parse_count("--top", optarg, 0,
							 100000);
			break;
		case 'C':
			c->top_capacity = (uint32_t)parse_count(
				"--top-capacity", optarg, 16, 1u << 24);
			break;
		case 'R':
			c->tx_retries = (uint32_t)parse_count(
				"--tx-retries", optarg, 0, 1000000);
			break;
		case 'S':
			c->rss_src_only = 1;
			break;
		case 'N':
			c->no_promisc = 1;
			break;
		case 'h':
			usage(stderr);
			exit(0);
		default:
			if (optopt)
				fail(DP_EXIT_USAGE,
				     "option --%s: unknown or missing its "
				     "argument (see --help)",
				     argv[optind - 1] + 2);
			fail(DP_EXIT_USAGE,
			     "unknown option \"%s\" (see --help)",
			     argv[optind - 1]);
		}
	}
	if (optind != argc)
		fail(DP_EXIT_USAGE, "unexpected argument \"%s\" (see --help)",
		     argv[optind]);
	if (!c->policy_file == !c->policy_image_file)
		fail(DP_EXIT_USAGE,
		     "give one of --policy FILE or --policy-image FILE "
		     "(see --help)");
}

/* Read a compiled image file (bounded by MXG_POLICY_IMAGE_MAX). */
static int read_image(const char *path, void **out, size_t *len)
{
	struct stat sb;
	uint8_t *buf;
	size_t done = 0;
	int fd, rc;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0) {
		rc = -errno;
		goto close_fd;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size <= 0 ||
	    (uint64_t)sb.st_size > MXG_POLICY_IMAGE_MAX) {
		rc = -EFBIG;
		goto close_fd;
	}
	buf = malloc((size_t)sb.st_size);
	if (!buf) {
		rc = -ENOMEM;
		goto close_fd;
	}
	while (done < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + done, (size_t)sb.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			free(buf);
			goto close_fd;
		}
		done += (size_t)n;
	}
	*out = buf;
	*len = done;
	rc = 0;
close_fd:
	close(fd);
	return rc;
}

/* Load the start-up policy through the same code as `mxgatectl check`. */
static void load_policy(void)
{
	struct mxg_policy_header *image = NULL;
	void *bytes = NULL;
	char err[512];
	size_t len = 0;
	int rc;

	if (dp.cfg.policy_file) {
		struct mxg_diag diag;

		mxg_diag_init(&diag);
		rc = mxg_policy_compile_file(dp.cfg.policy_file, &image, &diag);
		if (rc) {
			unsigned int i;

			for (i = 0; i < diag.stored; i++)
				fprintf(stderr, "%s\n", diag.lines[i]);
			if (diag.stored)
				fail(DP_EXIT_USAGE,
				     "invalid policy %s (%u error%s)",
				     dp.cfg.policy_file, diag.count,
				     diag.count == 1 ? "" : "s");
			fail(DP_EXIT_USAGE, "cannot load policy %s: %s",
			     dp.cfg.policy_file, strerror(-rc));
		}
		mxg_diag_free(&diag);
		bytes = image;
		len = image->total_len;
	} else {
		rc = read_image(dp.cfg.policy_image_file, &bytes, &len);
		if (rc)
			fail(DP_EXIT_USAGE, "cannot read policy image %s: %s",
			     dp.cfg.policy_image_file, strerror(-rc));
	}
	rc = dp_policy_create(&dp.active, bytes, len, NULL, ++dp.load_seq, err,
			      sizeof(err));
	free(bytes);
	if (rc)
		fail(rc == -EINVAL ? DP_EXIT_USAGE : DP_EXIT_START, "%s", err);
	DP_LOG(NOTICE, "main",
	       "policy generation %" PRIu64 ": %u rules, %" PRIu64 " prefixes",
	       dp.active->generation, dp.active->engine->n_rules,
	       dp.active->n_prefixes);
}

static void on_signal(int sig)
{
	(void)sig;
	__atomic_store_n(&dp.stop, 1, __ATOMIC_RELAXED);
}

static void setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static void setup_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	dp.tsc0 = rte_rdtsc();
	dp.wall0_ns =
		(uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	dp.tsc_mult = (uint64_t)(((unsigned __int128)1000000000ULL << 32) /
				 rte_get_tsc_hz());
	if (dp.cfg.clock != DP_CLOCK_RX_TIMESTAMP)
		return;
	dp.ts_offset = rte_mbuf_dynfield_lookup(
		RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, NULL);
	if (dp.ts_offset >= 0) {
		int bit = rte_mbuf_dynflag_lookup(
			RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, NULL);

		if (bit >= 0)
			dp.ts_flag = 1ULL << bit;
	}
	if (dp.ts_offset < 0 || !dp.ts_flag)
		fail(DP_EXIT_START,
		     "--clock rx-timestamp: no port provides RX timestamps");
}

/* Workers: every lcore but the main one; rx queues dealt out in turn. */
static void setup_workers(void)
{
	unsigned int lcore, w = 0;
	size_t sz;

	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		struct dp_lcore *lc;

		if (w == DP_MAX_WORKERS)
			fail(DP_EXIT_USAGE, "at most %d workers",
			     DP_MAX_WORKERS);
		lc = rte_zmalloc_socket("mxg_lcore", sizeof(*lc),
					RTE_CACHE_LINE_SIZE,
					(int)rte_lcore_to_socket_id(lcore));
		if (!lc)
			fail(DP_EXIT_START, "out of memory for lcore %u",
			     lcore);
		lc->lcore_id = lcore;
		lc->worker_id = w;
		lc->scratch = rte_malloc("mxg_scratch", DP_SCRATCH, 0);
		if (!lc->scratch ||
		    mxg_top_create(&lc->top, dp.cfg.top_capacity))
			fail(DP_EXIT_START, "out of memory for lcore %u",
			     lcore);
		dp.workers[w++] = lc;
	}
	if (w == 0)
		fail(DP_EXIT_USAGE,
		     "no worker lcore: give the EAL at least two lcores "
		     "(e.g. -l 0-1); the main lcore serves the control "
		     "socket");
	dp.n_workers = (uint16_t)w;

	sz = rte_rcu_qsbr_get_memsize(dp.n_workers);
	dp.qsv = rte_zmalloc("mxg_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (!dp.qsv || rte_rcu_qsbr_init(dp.qsv, dp.n_workers))
		fail(DP_EXIT_START, "cannot set up RCU");
}

static void assign_queues(void)
{
	uint16_t port, q, next = 0;
	uint16_t w;

	for (port = 0; port < DP_MAX_PORTS; port++) {
		struct dp_port *p = &dp.ports[port];

		if (!p->in_use)
			continue;
		for (q = 0; q < p->n_rxq; q++) {
			struct dp_lcore *lc = dp.workers[next % dp.n_workers];

			if (lc->n_rxq == DP_MAX_RXQ_LCORE)
				fail(DP_EXIT_USAGE,
				     "more than %d rx queues for one worker",
				     DP_MAX_RXQ_LCORE);
			lc->rxq[lc->n_rxq].port = port;
			lc->rxq[lc->n_rxq].queue = q;
			lc->rxq[lc->n_rxq].peer = p->peer;
			lc->n_rxq++;
			next++;
		}
	}
	for (w = 0; w < dp.n_workers; w++) {
		struct dp_lcore *lc = dp.workers[w];

		for (port = 0; port < DP_MAX_PORTS; port++) {
			struct dp_port *p = &dp.ports[port];

			if (!p->in_use)
				continue;
			lc->tx[port].queue = (uint16_t)(w % p->n_txq);
			lc->tx[port].shared = p->tx_shared;
		}
		lc->pol = dp.active;
		if (lc->n_rxq == 0)
			DP_LOG(NOTICE, "main",
			       "lcore %u has no rx queue to poll (more workers "
			       "than queues)",
			       lc->lcore_id);
	}
}

static int write_summary(void)
{
	char *text = NULL;
	size_t len = 0, done = 0;
	int rc;

	rc = dp_summary_text(&text, &len, dp.cfg.top_n, 0);
	if (rc)
		return rc;
	while (done < len) {
		ssize_t n = write(summary_fd, text + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = -EIO;
			break;
		}
		done += (size_t)n;
	}
	free(text);
	return rc;
}

static void log_exit_stats(void)
{
	char *text = NULL;
	size_t len = 0;

	if (dp_stats_text(&text, &len, 0) == 0 && text) {
		DP_LOG(NOTICE, "main", "exit stats %.*s",
		       (int)(len ? len - 1 : 0), text);
		free(text);
	}
	if (!mxg_top_is_exact(dp.top_total))
		DP_LOG(WARNING, "main",
		       "more than %u distinct sources: top_sources counts are "
		       "upper bounds",
		       dp.cfg.top_capacity);
}

int main(int argc, char **argv)
{
	uint16_t w;
	int rc, status = 0;

	for (rc = 1; rc < argc; rc++)
		if (strcmp(argv[rc], "--help") == 0 ||
		    strcmp(argv[rc], "-h") == 0) {
			usage(stdout);
			return 0;
		}
	/* stdout carries the summary only: everything else goes to stderr. */
	summary_fd = dup(STDOUT_FILENO);
	if (summary_fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		fail(DP_EXIT_START, "cannot set up stdout: %s",
		     strerror(errno));
	rte_openlog_stream(stderr);
	dp_logtype =
		rte_log_register_type_and_pick_level("mxgate.dp", RTE_LOG_INFO);
	if (dp_logtype < 0)
		dp_logtype = RTE_LOGTYPE_USER1;

	rc = rte_eal_init(argc, argv);
	if (rc < 0)
		fail(DP_EXIT_START, "EAL initialisation failed: %s",
		     rte_strerror(rte_errno));
	argc -= rc;
	argv += rc;
	argv[0] = (char *)prog;
	parse_args(argc, argv, &dp.cfg);

	setup_workers();
	/* Pairs and options that do not fit the ports: the reason is the
	 * one line logged. */
	if (dp_ports_plan())
		exit(DP_EXIT_USAGE);
	load_policy();
	rc = mxg_src_table_create(&dp.table, dp.cfg.table_entries);
	if (rc)
		fail(DP_EXIT_START,
		     "cannot allocate a source table of %" PRIu64 " entries",
		     dp.cfg.table_entries);
	if (mxg_top_create(&dp.top_total, dp.cfg.top_capacity))
		fail(DP_EXIT_START, "cannot allocate the top-sources tracker");
	rc = dp_ports_start();
	if (rc)
		fail(DP_EXIT_START, "port set-up failed: %s", strerror(-rc));
	setup_clock();
	assign_queues();
	if (dp.cfg.control_path) {
		rc = dp_control_open(dp.cfg.control_path, dp.cfg.control_group);
		if (rc)
			fail(DP_EXIT_START, "control socket %s: %s",
			     dp.cfg.control_path, strerror(-rc));
	}
	setup_signals();

	for (w = 0; w < dp.n_workers; w++)
		rte_eal_remote_launch(dp_worker_main, dp.workers[w],
				      dp.workers[w]->lcore_id);
	DP_LOG(NOTICE, "main", "%u worker(s) running, clock %s", dp.n_workers,
	       dp.cfg.clock == DP_CLOCK_TSC ? "tsc" : "rx-timestamp");

	dp_control_run();

	__atomic_store_n(&dp.stop, 1, __ATOMIC_RELAXED);
	rte_eal_mp_wait_lcore();
	dp_control_close();
	if (write_summary())
		status = 1;
	log_exit_stats();
	dp_ports_close();
	if (dp_mempools_check())
		status = 1;

	dp_policy_reap(1);
	for (w = 0; w < dp.n_workers; w++) {
		mxg_top_destroy(dp.workers[w]->top);
		rte_free(dp.workers[w]->scratch);
		rte_free(dp.workers[w]);
	}
	mxg_top_destroy(dp.top_total);
	mxg_src_table_destroy(dp.table);
	dp_policy_destroy(dp.active);
	for (rc = 0; rc < RTE_MAX_NUMA_NODES; rc++)
		rte_mempool_free(dp.pools[rc]);
	rte_free(dp.qsv);
	rte_eal_cleanup();
	close(summary_fd);
	return status;
}
