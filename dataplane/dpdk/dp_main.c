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
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

#include "cli.h"
#include "cli_policy.h"
#include "dp.h"
#include "dp_log.h"

#define DP_TABLE_DEFAULT (1u << 20)
#define DP_TOP_CAPACITY	 (1u << 20)
/* 2^14 buckets of one line: 1 MiB of hot lines, in the cache. */
#define DP_WORKER_TOP_CAPACITY (1u << 16)

struct dp_state dp;
int dp_logtype;

static int summary_fd = -1; /* the real stdout */

static void parse_pairs(void *cfg, const char *arg, const char *opt)
{
	struct dp_config *c = cfg;
	const char *s = arg;

	c->n_pairs = 0;
	while (*s) {
		unsigned long a, b;
		char *end;

		if (c->n_pairs == DP_MAX_PORTS)
			mxg_cli_fatal(MXG_EXIT_USAGE, "%s: too many pairs",
				      opt);
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
	mxg_cli_fatal(MXG_EXIT_USAGE,
		      "%s: expected PORT:PORT[,PORT:PORT...], got \"%s\"", opt,
		      arg);
}

static const struct mxg_opt_choice clocks[] = {
	{ "tsc", DP_CLOCK_TSC },
	{ "rx-timestamp", DP_CLOCK_RX_TIMESTAMP },
	{ NULL, 0 },
};

static const struct mxg_opt_choice ts_units[] = {
	{ "ns", 1 },
	{ "us", 1000 },
	{ NULL, 0 },
};

#define CFG struct dp_config
static const struct mxg_opt options[] = {
	MXG_OPT_STR("policy", CFG, policy_file, "FILE",
		    "JSON policy, compiled as `mxgatectl check` (or a compiled "
		    "image)"),
	MXG_OPT_STR("policy-image", CFG, policy_image_file, "FILE",
		    "a compiled image (`mxgatectl compile`)"),
	MXG_OPT_STR("control", CFG, control_path, "SOCKET",
		    "Unix SOCK_SEQPACKET control socket, mode 0660 "
		    "(include/mxgate/ctl.h): reload, stats"),
	MXG_OPT_STR("control-group", CFG, control_group, "GROUP",
		    "also accept clients of this group"),
	MXG_OPT_ENUM("clock", CFG, clock, clocks,
		     "time from the TSC (default), or from the mbuf RX "
		     "timestamp (net_pcap: capture timestamps, as "
		     "mxgate-replay)"),
	MXG_OPT_ENUM("rx-timestamp-unit", CFG, rx_ts_unit_ns, ts_units,
		     "per RX timestamp unit (default: us for net_pcap, ns "
		     "otherwise)"),
	MXG_OPT_UINT("idle-exit", CFG, idle_exit_ms, 1, 86400000ULL * 365, "MS",
		     "exit after MS ms without a received frame"),
	MXG_OPT_FUNC("pairs", parse_pairs, "A:B,...",
		     "inline port pairs (default 0:1; A:A loops)"),
	MXG_OPT_UINT("rx-queues", CFG, rx_queues, 1, DP_MAX_QUEUES, "N",
		     "rx queues per port (default: one per worker, at most "
		     "what the PMD offers)"),
	MXG_OPT_UINT("rxd", CFG, nb_rxd, 32, 32768, "N",
		     "rx descriptors per queue"),
	MXG_OPT_UINT("txd", CFG, nb_txd, 32, 32768, "N",
		     "tx descriptors per queue"),
	MXG_OPT_SIZE("mbufs", CFG, n_mbufs, 1023, 1u << 30, "N",
		     "mbufs per socket (default: sized from ports, queues and "
		     "descriptors)"),
	MXG_OPT_SIZE("table-entries", CFG, table_entries, 1024, 1ULL << 32, "N",
		     "source table size"),
	MXG_OPT_UINT("top", CFG, top_n, 0, 100000, "N",
		     "top sources in the exit summary"),
	MXG_OPT_SIZE("top-capacity", CFG, top_capacity, 16, 1u << 24, "N",
		     "sources in the top-sources total the workers' trackers "
		     "are merged into (Space-Saving in buckets of 4: exact "
		     "until a bucket overflows)"),
	MXG_OPT_SIZE("worker-top-capacity", CFG, worker_top_capacity, 16,
		     1u << 24, "N",
		     "sources per worker's tracker, handed back at each stats "
		     "snapshot (its lines are read on every attempt: keep it "
		     "cache-sized)"),
	MXG_OPT_UINT("tx-retries", CFG, tx_retries, 0, 1000000, "N",
		     "empty tx bursts retried before the rest is dropped and "
		     "counted"),
	MXG_OPT_FLAG("rss-src-only", CFG, rss_src_only,
		     "RSS on the source address alone (IP hash types, L3 "
		     "source only, no ports); refused on a port whose NIC "
		     "cannot"),
	MXG_OPT_FLAG("no-promisc", CFG, no_promisc,
		     "leave promiscuous mode off"),
	MXG_OPT_END,
};
#undef CFG

static const struct mxg_cli cli = {
	.usage = "[EAL options] -- (--policy FILE | --policy-image FILE) "
		 "[OPTIONS]",
	.about =
		"The mxgate data plane: forwards every frame between the ports\n"
		"of each pair except the SMTP connection attempts the policy\n"
		"drops (or resets: a RST goes back out of the ingress port).\n"
		"The main lcore serves the control socket; every other lcore is\n"
		"a worker. Prints the summary JSON on stdout at exit.\n",
	.opts = options,
	.epilog = "Exit status: 0 ok; 1 start-up failure; 2 bad arguments or "
		  "policy.\n",
};

static void config_defaults(struct dp_config *c)
{
	memset(c, 0, sizeof(*c));
	c->clock = DP_CLOCK_TSC;
	c->nb_rxd = 1024;
	c->nb_txd = 1024;
	c->table_entries = DP_TABLE_DEFAULT;
	c->top_n = 10;
	c->top_capacity = DP_TOP_CAPACITY;
	c->worker_top_capacity = DP_WORKER_TOP_CAPACITY;
	c->tx_retries = DP_TX_RETRIES;
}

static void parse_args(int argc, char **argv, struct dp_config *c)
{
	int i = mxg_cli_parse(&cli, c, argc, argv);

	if (i != argc)
		mxg_cli_fatal(MXG_EXIT_USAGE,
			      "unexpected argument \"%s\" (see --help)",
			      argv[i]);
	if (!c->policy_file == !c->policy_image_file)
		mxg_cli_fatal(MXG_EXIT_USAGE,
			      "give one of --policy FILE or --policy-image "
			      "FILE (see --help)");
}

/* Load the start-up policy through the same code as `mxgatectl check`. */
static void load_policy(void)
{
	struct mxg_cli_policy pol;
	char err[512];
	int rc;

	if (dp.cfg.policy_file)
		mxg_cli_policy_load_or_exit(&pol, dp.cfg.policy_file,
					    MXG_CLI_POLICY_ANY);
	else
		mxg_cli_policy_load_or_exit(&pol, dp.cfg.policy_image_file,
					    MXG_CLI_POLICY_IMAGE);
	rc = dp_policy_create(&dp.active, pol.image, pol.len, NULL,
			      ++dp.load_seq, err, sizeof(err));
	mxg_cli_policy_free(&pol);
	if (rc)
		mxg_cli_fatal(rc == -EINVAL ? MXG_EXIT_USAGE : MXG_EXIT_FAIL,
			      "%s", err);
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
		mxg_cli_fatal(
			MXG_EXIT_FAIL,
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
			mxg_cli_fatal(MXG_EXIT_USAGE, "at most %d workers",
				      DP_MAX_WORKERS);
		lc = rte_zmalloc_socket("mxg_lcore", sizeof(*lc),
					RTE_CACHE_LINE_SIZE,
					(int)rte_lcore_to_socket_id(lcore));
		if (!lc)
			mxg_cli_fatal(MXG_EXIT_FAIL,
				      "out of memory for lcore %u", lcore);
		lc->lcore_id = lcore;
		lc->worker_id = w;
		lc->scratch = rte_malloc("mxg_scratch", DP_SCRATCH, 0);
		if (!lc->scratch ||
		    mxg_top_create(&lc->top, dp.cfg.worker_top_capacity))
			mxg_cli_fatal(MXG_EXIT_FAIL,
				      "out of memory for lcore %u", lcore);
		dp.workers[w++] = lc;
	}
	if (w == 0)
		mxg_cli_fatal(
			MXG_EXIT_USAGE,
			"no worker lcore: give the EAL at least two lcores "
			"(e.g. -l 0-1); the main lcore serves the control "
			"socket");
	dp.n_workers = (uint16_t)w;

	sz = rte_rcu_qsbr_get_memsize(dp.n_workers);
	dp.qsv = rte_zmalloc("mxg_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (!dp.qsv || rte_rcu_qsbr_init(dp.qsv, dp.n_workers))
		mxg_cli_fatal(MXG_EXIT_FAIL, "cannot set up RCU");
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
				mxg_cli_fatal(
					MXG_EXIT_USAGE,
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
		       "more distinct sources than a bucket of the %u-source "
		       "tracker holds: top_sources counts are upper bounds, "
		       "over by at most %" PRIu64 " (dataplane/core/"
		       "top_sources.h)",
		       mxg_top_capacity(dp.top_total),
		       mxg_top_error_bound(dp.top_total));
}

int main(int argc, char **argv)
{
	uint16_t w;
	int rc, status = MXG_EXIT_OK;

	mxg_cli_init("mxgate-dp");
	config_defaults(&dp.cfg);
	/* Before the EAL, which does not know --help. */
	if (mxg_cli_help_asked(argc, argv)) {
		mxg_cli_help(stdout, &cli, &dp.cfg);
		return MXG_EXIT_OK;
	}
	/* stdout carries the summary only: everything else goes to stderr. */
	summary_fd = dup(STDOUT_FILENO);
	if (summary_fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		mxg_cli_fatal(MXG_EXIT_FAIL, "cannot set up stdout: %s",
			      strerror(errno));
	rte_openlog_stream(stderr);
	dp_logtype =
		rte_log_register_type_and_pick_level("mxgate.dp", RTE_LOG_INFO);
	if (dp_logtype < 0)
		dp_logtype = RTE_LOGTYPE_USER1;

	rc = rte_eal_init(argc, argv);
	if (rc < 0)
		mxg_cli_fatal(MXG_EXIT_FAIL, "EAL initialisation failed: %s",
			      rte_strerror(rte_errno));
	argc -= rc;
	argv += rc;
	argv[0] = (char *)mxg_cli_prog();
	parse_args(argc, argv, &dp.cfg);

	setup_workers();
	/* Pairs and options that do not fit the ports: the reason is the
	 * one line logged. */
	if (dp_ports_plan())
		exit(MXG_EXIT_USAGE);
	load_policy();
	rc = mxg_src_table_create(&dp.table, dp.cfg.table_entries);
	if (rc)
		mxg_cli_fatal(MXG_EXIT_FAIL,
			      "cannot allocate a source table of %" PRIu64
			      " entries",
			      dp.cfg.table_entries);
	if (mxg_top_create(&dp.top_total, dp.cfg.top_capacity))
		mxg_cli_fatal(MXG_EXIT_FAIL,
			      "cannot allocate the top-sources tracker");
	rc = dp_ports_start();
	if (rc)
		mxg_cli_fatal(MXG_EXIT_FAIL, "port set-up failed: %s",
			      strerror(-rc));
	setup_clock();
	assign_queues();
	if (dp.cfg.control_path) {
		rc = dp_control_open(dp.cfg.control_path, dp.cfg.control_group);
		if (rc)
			mxg_cli_fatal(MXG_EXIT_FAIL, "control socket %s: %s",
				      dp.cfg.control_path, strerror(-rc));
	}
	rc = dp_notify_init(&dp.notify, getenv("NOTIFY_SOCKET"),
			    getenv("WATCHDOG_USEC"), getenv("WATCHDOG_PID"),
			    getpid());
	if (rc)
		DP_LOG(WARNING, "main", "systemd notification off: %s",
		       strerror(-rc));
	setup_signals();

	for (w = 0; w < dp.n_workers; w++)
		rte_eal_remote_launch(dp_worker_main, dp.workers[w],
				      dp.workers[w]->lcore_id);
	DP_LOG(NOTICE, "main", "%u worker(s) running, clock %s", dp.n_workers,
	       dp.cfg.clock == DP_CLOCK_TSC ? "tsc" : "rx-timestamp");
	dp_notify_send(&dp.notify, "READY=1");

	dp_control_run();
	dp_notify_send(&dp.notify, "STOPPING=1");

	__atomic_store_n(&dp.stop, 1, __ATOMIC_RELAXED);
	rte_eal_mp_wait_lcore();
	dp_control_close();
	if (write_summary())
		status = MXG_EXIT_FAIL;
	log_exit_stats();
	dp_ports_close();
	if (dp_mempools_check())
		status = MXG_EXIT_FAIL;

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
	dp_notify_close(&dp.notify);
	close(summary_fd);
	return status;
}
