// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxgated's command line, on libmxgate_cli's option tables (as mxgate-dp,
 * mxgate-xdp and mxgate-replay): one row per option drives the parser,
 * the range checks, the one-line errors (exit 2) and --help, so the help
 * lists every option by construction.
 *
 * The default --bypass-cmd is the actuator `make install` puts in
 * $(LIBEXECDIR) (hw/build.mk), compiled in as MXGATED_BYPASS_CMD
 * (control/daemon/build.mk): this is the only file that reads it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ctld_ext.h"
#include "mxgate/ctld.h"
#include "mxgate/xdp.h"
#include "mxgated.h"

#ifndef MXGATED_BYPASS_CMD
#define MXGATED_BYPASS_CMD "/usr/local/libexec/mxgate/bypass.sh"
#endif

/* --metrics ADDR:PORT, [V6ADDR]:PORT or off */
static void parse_metrics(void *cfg, const char *arg, const char *opt)
{
	struct ctld_opts *o = cfg;
	const char *colon = strrchr(arg, ':');
	uint64_t port;
	size_t len;

	if (!strcmp(arg, "off")) {
		o->metrics_off = 1;
		return;
	}
	if (!colon || colon == arg ||
	    mxg_cli_parse_uint(colon + 1, 1, 65535, &port))
		mxg_cli_fatal(MXG_EXIT_USAGE,
			      "%s: expected ADDR:PORT or \"off\", got \"%s\"",
			      opt, arg);
	len = (size_t)(colon - arg);
	if (arg[0] == '[' && len >= 2 && arg[len - 1] == ']') {
		arg++;
		len -= 2;
	}
	if (len >= sizeof(o->metrics_addr))
		mxg_cli_fatal(MXG_EXIT_USAGE, "%s: address too long", opt);
	memcpy(o->metrics_addr, arg, len);
	o->metrics_addr[len] = '\0';
	o->metrics_port = (uint16_t)port;
	o->metrics_off = 0;
}

/* --allow-set-dir DIR: resolved now, so that symlinks cannot move it */
static void parse_set_dir(void *cfg, const char *arg, const char *opt)
{
	struct ctld_opts *o = cfg;

	free(o->set_dir);
	o->set_dir = realpath(arg, NULL);
	if (!o->set_dir)
		mxg_cli_fatal(MXG_EXIT_USAGE, "%s %s: %s", opt, arg,
			      strerror(errno));
}

/*
 * The BGP and offender-feed options (ctld_bgp.c checks and keeps their
 * values: ext_option() by the option's index in this list).
 */
static const char *const ext_names[] = {
	"bgp-api",	  "bgp-cli",	   "bgp-max-routes", "bgp-churn",
	"bgp-min-prefix", "bgp-rtbh",	   "bgp-asn",	     "bgp-learn-from",
	"bgp-learn-ttl",  "bgp-learn-max", "rbl-dir",	     "offender-ttl",
};

static void parse_ext(void *cfg, const char *arg, const char *opt)
{
	size_t i;

	(void)cfg;
	for (i = 0; i < sizeof(ext_names) / sizeof(ext_names[0]); i++)
		if (!strcmp(opt + 2, ext_names[i])) {
			if (ext_option(EXT_OPT_BASE + (int)i, arg))
				exit(MXG_EXIT_USAGE); /* it said why */
			return;
		}
	abort(); /* a row of the table not in ext_names: a bug */
}

static const struct mxg_opt_choice failure_modes[] = {
	{ "open", CTLD_FAIL_OPEN },
	{ "closed", CTLD_FAIL_CLOSED },
	{ NULL, 0 },
};

static const struct mxg_opt options[] = {
	MXG_OPT_STR("policy", struct ctld_opts, policy, "FILE",
		    "the operator's policy (JSON); reloaded on a change of the "
		    "file, on SIGHUP and on `mxgatectl reload`",
		    MXG_OPT_SHORT('p')),
	MXG_OPT_STR("dp", struct ctld_opts, dp_sock, "SOCKET",
		    "drive mxgate-dp over its control socket"),
	MXG_OPT_STR("xdp", struct ctld_opts, xdp, "IFACE[,PEER]",
		    "run the XDP path: host mode on IFACE, or inline between "
		    "IFACE and PEER"),
	MXG_OPT_STR("pin-dir", struct ctld_opts, pin_dir, "DIR",
		    "the XDP pin directory (default " MXG_XDP_PIN_DIR ")"),
	MXG_OPT_FLAG("no-engine", struct ctld_opts, no_engine,
		     "compile and serve only (tests, dry runs)"),
	MXG_OPT_STR("socket", struct ctld_opts, sock_path, "PATH",
		    "the operator socket (default " MXG_CTLD_SOCKET ")"),
	MXG_OPT_STR("socket-group", struct ctld_opts, sock_group, "GROUP",
		    "the group allowed on the socket besides root (mode 0660)"),
	MXG_OPT_STR("state", struct ctld_opts, state_path, "FILE",
		    "the dynamic entries' state file (default " CTLD_STATE_PATH
		    ")"),
	MXG_OPT_FUNC("metrics", parse_metrics, "ADDR:PORT|off",
		     "where Prometheus scrapes (default 127.0.0.1:9725; "
		     "nothing listens off loopback unless given)"),
	MXG_OPT_ENUM("failure", struct ctld_opts, failure, failure_modes,
		     "when the data plane fails: engage the bypass (open, the "
		     "default; needs an actuator) or not (closed)"),
	MXG_OPT_STR("bypass-cmd", struct ctld_opts, bypass_cmd, "PATH|none",
		    "the actuator, run as PATH engage|disengage --ports P "
		    "[--netns NS]; none: no actuator; with --bypass-ports, by "
		    "default the installed " MXGATED_BYPASS_CMD),
	MXG_OPT_STR("bypass-ports", struct ctld_opts, bypass_ports, "IF1,IF2",
		    "the port pair given to the actuator"),
	MXG_OPT_STR("bypass-netns", struct ctld_opts, bypass_netns, "NS",
		    "the network namespace of the pair (the actuator's "
		    "--netns)"),
	MXG_OPT_UINT("heartbeat", struct ctld_opts, heartbeat_ms, 50, 60000,
		     "MS", "the engine's poll period, in ms"),
	MXG_OPT_UINT("heartbeat-timeout", struct ctld_opts,
		     heartbeat_timeout_ms, 100, 600000, "MS",
		     "failed polls and no answer for MS ms: the engine is down"),
	MXG_OPT_UINT("summary-interval", struct ctld_opts, summary_s, 1, 86400,
		     "S", "the traffic summary's log period, in seconds"),
	MXG_OPT_FUNC("allow-set-dir", parse_set_dir, "DIR",
		     "also read the policy's set files under DIR (else only "
		     "under the policy's directory)"),
	MXG_OPT_FLAG("syslog", struct ctld_opts, use_syslog,
		     "log to syslog instead of stderr"),
	MXG_OPT_FLAG("verbose", struct ctld_opts, verbose,
		     "log info messages too", MXG_OPT_SHORT('v')),
	/* BGP (gobgpd's API through its gobgp client): off without --bgp-api */
	MXG_OPT_FUNC("bgp-api", parse_ext, "TARGET",
		     "BGP: gobgpd's API, unix:///PATH or HOST:PORT (BGP is off "
		     "without it)"),
	MXG_OPT_FUNC("bgp-cli", parse_ext, "PATH",
		     "BGP: the gobgp client (default /usr/bin/gobgp)"),
	MXG_OPT_FUNC("bgp-max-routes", parse_ext, "N",
		     "BGP: blocks announced at most (default 1000); over it: "
		     "aggregation, then the worst offenders"),
	MXG_OPT_FUNC("bgp-churn", parse_ext, "N",
		     "BGP: route updates a second at most (default 10)"),
	MXG_OPT_FUNC("bgp-min-prefix", parse_ext, "V4,V6",
		     "BGP: never announce shorter prefixes (default 16,32)"),
	MXG_OPT_FUNC("bgp-rtbh", parse_ext, "NH[,NH6]",
		     "BGP: also announce RTBH routes (BLACKHOLE community) with "
		     "this next hop"),
	MXG_OPT_FUNC("bgp-asn", parse_ext, "N",
		     "BGP: ASN of the expiry community (default gobgpd's)"),
	MXG_OPT_FUNC("bgp-learn-from", parse_ext, "PEERS",
		     "BGP: FlowSpec SMTP rules from these neighbors (addresses, "
		     "or \"any\") become blocks"),
	MXG_OPT_FUNC("bgp-learn-ttl", parse_ext, "T",
		     "BGP: TTL of a learned rule without an expiry, and the "
		     "longest kept (default 1h)"),
	MXG_OPT_FUNC("bgp-learn-max", parse_ext, "N",
		     "BGP: learned blocks at most (default 10000)"),
	MXG_OPT_FUNC("rbl-dir", parse_ext, "DIR",
		     "feeds: write rbldnsd datasets DIR/mxgate.ip4set and "
		     "DIR/mxgate.ip6trie (also: GET /drop.txt on the metrics "
		     "port)"),
	MXG_OPT_FUNC("offender-ttl", parse_ext, "T",
		     "feeds: a dropped source stays listed this long after its "
		     "last drop (default 15m)"),
	MXG_OPT_END,
};

static const struct mxg_cli cli = {
	.usage = "--policy FILE (--dp SOCKET | --xdp IFACE[,PEER] | "
		 "--no-engine)\n               [OPTIONS]",
	.about = "The control-plane daemon: owns the policy and the dynamic "
		 "entries (mxgatectl\nblock, allow, brake), keeps them in "
		 "force in the engine, serves operators on\na Unix socket and "
		 "Prometheus on HTTP, and engages the fail-open bypass "
		 "when\nthe data plane's heartbeat stops. See "
		 "control/daemon/README.md.\n",
	.opts = options,
	.epilog = "Exit status: 0 stopped by SIGTERM or SIGINT; 1 start-up "
		  "failure (engine,\nsocket, state file); 2 bad arguments or "
		  "a policy rejected at start.\n",
};

int ctld_opts_parse(struct ctld_opts *o, int argc, char **argv)
{
	const char *comma;
	int i;

	memset(o, 0, sizeof(*o));
	o->sock_path = MXG_CTLD_SOCKET;
	o->state_path = CTLD_STATE_PATH;
	snprintf(o->metrics_addr, sizeof(o->metrics_addr), "127.0.0.1");
	o->metrics_port = 9725;
	o->heartbeat_ms = 1000;
	o->heartbeat_timeout_ms = 3000;
	o->summary_s = 60;
	o->failure = CTLD_FAIL_OPEN;
	i = mxg_cli_parse(&cli, o, argc, argv);
	if (i != argc)
		mxg_cli_fatal(MXG_EXIT_USAGE,
			      "unexpected argument \"%s\" (see --help)",
			      argv[i]);
	if (!o->policy)
		mxg_cli_fatal(MXG_EXIT_USAGE,
			      "--policy FILE is required (see --help)");
	if (!!o->dp_sock + !!o->xdp + o->no_engine != 1)
		mxg_cli_fatal(MXG_EXIT_USAGE,
			      "give exactly one of --dp, --xdp, --no-engine "
			      "(see --help)");
	o->engine = o->dp_sock ? ENGINE_DP : o->xdp ? ENGINE_XDP : ENGINE_NONE;
	if (o->xdp) {
		comma = strchr(o->xdp, ',');
		o->n_ifaces = comma ? 2 : 1;
		snprintf(o->ifaces[0], sizeof(o->ifaces[0]), "%.*s",
			 (int)(comma ? (size_t)(comma - o->xdp) :
				       strlen(o->xdp)),
			 o->xdp);
		if (comma)
			snprintf(o->ifaces[1], sizeof(o->ifaces[1]), "%s",
				 comma + 1);
		if (!o->ifaces[0][0] || (comma && !o->ifaces[1][0]) ||
		    (comma && strchr(comma + 1, ',')))
			mxg_cli_fatal(MXG_EXIT_USAGE,
				      "--xdp: expected IFACE or IFACE,PEER, "
				      "got \"%s\"",
				      o->xdp);
	}
	if (!o->bypass_cmd && o->bypass_ports &&
	    access(MXGATED_BYPASS_CMD, X_OK) == 0)
		o->bypass_cmd = MXGATED_BYPASS_CMD;
	else if (o->bypass_cmd && !strcmp(o->bypass_cmd, "none"))
		o->bypass_cmd = NULL;
	if (o->failure == CTLD_FAIL_OPEN && !o->bypass_cmd)
		o->failure = CTLD_FAIL_CLOSED; /* nothing to engage */
	if (ext_options_done())
		exit(MXG_EXIT_USAGE); /* it said why */
	return 0;
}
