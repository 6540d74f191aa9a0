// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxgate-xdp: attach, reload, detach and inspect the XDP fallback path
 * (bpf/mxgate.bpf.c) through the loader library (xdp_loader.h). See
 * `mxgate-xdp --help` and bpf/README.md.
 */
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_policy.h"
#include "mxgate/policy.h"
#include "mxgate/xdp.h"
#include "summary.h"
#include "top_sources.h"
#include "xdp_loader.h"

struct opts {
	const char *pin_dir;
	const char *policy, *image;
	int inline_mode; /* --mode */
	int want;	 /* --xdp-mode: MXG_XDP_WANT_* */
	uint32_t buckets;
	int attach_opt; /* --mode, --xdp-mode or --buckets given */
	int verbose;
};

static const struct mxg_opt_choice modes[] = {
	{ "host", 0 },
	{ "inline", 1 },
	{ NULL, 0 },
};

static const struct mxg_opt_choice xdp_modes[] = {
	{ "auto", MXG_XDP_WANT_AUTO },
	{ "native", MXG_XDP_WANT_NATIVE },
	{ "generic", MXG_XDP_WANT_GENERIC },
	{ NULL, 0 },
};

#define ATTACH_OPT MXG_OPT_GIVEN(struct opts, attach_opt)
static const struct mxg_opt options[] = {
	MXG_OPT_STR("policy", struct opts, policy, "FILE",
		    "a JSON policy (DESIGN §3), compiled here (or a compiled "
		    "image)"),
	MXG_OPT_STR("image", struct opts, image, "FILE",
		    "a compiled image (mxgatectl compile)"),
	MXG_OPT_ENUM("mode", struct opts, inline_mode, modes,
		     "attach: host (the default; pass = the host's stack) or "
		     "inline (pass = forward to the other port)",
		     ATTACH_OPT),
	MXG_OPT_ENUM("xdp-mode", struct opts, want, xdp_modes,
		     "attach: native mode where the driver has it, else "
		     "generic (auto, the default)",
		     ATTACH_OPT),
	MXG_OPT_SIZE("buckets", struct opts, buckets, MXG_XDP_BUCKETS_MIN,
		     MXG_XDP_BUCKETS_MAX, "N", "attach: bucket table entries",
		     ATTACH_OPT),
	MXG_OPT_STR(
		"pin-dir", struct opts, pin_dir, "DIR",
		"where the program and maps are pinned (default " MXG_XDP_PIN_DIR
		")"),
	MXG_OPT_FLAG("verbose", struct opts, verbose,
		     "say more, with libbpf's and the verifier's log"),
	MXG_OPT_END,
};
#undef ATTACH_OPT

static const struct mxg_cli cli = {
	.usage = "[OPTIONS] COMMAND [ARGS]",
	.about =
		"Commands:\n"
		"  attach [--mode host|inline] [--xdp-mode auto|native|generic]\n"
		"         [--buckets N] (--policy FILE | --image FILE) IFACE [IFACE2]\n"
		"      Load the XDP program with the policy and attach it: to IFACE\n"
		"      (host mode: pass = the host's stack), or to IFACE and IFACE2\n"
		"      (inline mode: pass = forward to the other port). Native\n"
		"      mode where the driver has it, else generic (auto, the\n"
		"      default). Pins the program and maps under the pin dir.\n"
		"  reload (--policy FILE | --image FILE)\n"
		"      Put a new policy in force, atomically for every packet;\n"
		"      buckets of unchanged rules keep their state.\n"
		"  detach\n"
		"      Detach from the interfaces and remove the pins.\n"
		"  stats\n"
		"      Print the summary JSON (packets, verdicts, rules, the\n"
		"      top 10 sources of the program's per-source report).\n"
		"  status\n"
		"      Print what is attached where, the policy in force, the\n"
		"      source table's occupancy and rare events.\n",
	.opts = options,
	.epilog =
		"Exit status: 0 ok; 1 the operation failed; 2 bad arguments,\n"
		"policy or image. Needs root (CAP_BPF and CAP_NET_ADMIN).\n",
};

#define die mxg_cli_fatal

static void log_cli(int level, const char *msg)
{
	mxg_cli_error("%s%s", level == MXG_LOG_WARN ? "warning: " : "", msg);
}

static struct mxg_policy_header *load_policy(const struct opts *o, size_t *len)
{
	struct mxg_cli_policy pol;
	struct mxg_policy_header *h;

	if (!o->policy == !o->image)
		die(MXG_EXIT_USAGE, "give exactly one of --policy and --image");
	if (o->image)
		mxg_cli_policy_load_or_exit(&pol, o->image,
					    MXG_CLI_POLICY_IMAGE);
	else
		mxg_cli_policy_load_or_exit(&pol, o->policy,
					    MXG_CLI_POLICY_ANY);
	h = pol.image;
	*len = pol.len;
	pol.image = NULL;
	mxg_cli_policy_free(&pol);
	return h;
}

/* Number the image after the one in force, and re-checksum it. */
static void set_generation(struct mxg_policy_header *h, uint64_t generation)
{
	h->generation = generation;
	h->checksum = 0;
	h->checksum = mxg_policy_checksum(h, h->total_len);
}

static int cmd_attach(const struct opts *o, int argc, char **argv)
{
	struct mxg_xdp_load_opts lo = { .buckets = o->buckets,
					.verbose = o->verbose };
	struct mxg_xdp_attach_opts ao = { .pin_dir = o->pin_dir };
	struct mxg_policy_header *h;
	struct mxg_xdp_status st;
	struct mxg_xdp *x;
	size_t len;
	uint32_t i;
	int err;

	lo.inline_mode = o->inline_mode;
	ao.want = o->want;
	if (argc != (lo.inline_mode ? 2 : 1))
		die(MXG_EXIT_USAGE, "attach: %s mode takes %s (see --help)",
		    lo.inline_mode ? "inline" : "host",
		    lo.inline_mode ? "two interfaces" : "one interface");
	for (i = 0; i < (uint32_t)argc; i++) {
		if (strlen(argv[i]) >= IF_NAMESIZE)
			die(MXG_EXIT_USAGE, "\"%s\" is not an interface name",
			    argv[i]);
		if (!if_nametoindex(argv[i]))
			die(MXG_EXIT_USAGE, "no interface named \"%s\"",
			    argv[i]);
		ao.ifname[i] = argv[i];
	}
	ao.n_ifaces = (uint32_t)argc;
	h = load_policy(o, &len);
	set_generation(h, 1);

	err = mxg_xdp_load(&x, &lo);
	if (err)
		goto free_image;
	err = mxg_xdp_install(x, h, len);
	if (err)
		goto close_xdp;
	err = mxg_xdp_attach(x, &ao);
	if (err)
		goto close_xdp;
	if (!mxg_xdp_get_status(x, &st)) {
		for (i = 0; i < st.config.n_ifaces; i++) {
			char name[IF_NAMESIZE] = "?";

			if_indextoname(st.config.ifindex[i], name);
			printf("attached to %s in %s mode\n", name,
			       st.config.attach[i] == MXG_XDP_ATTACH_NATIVE ?
				       "native" :
				       "generic");
		}
		printf("%s mode, policy generation %" PRIu64 ": %u rules, "
		       "%u+%u prefixes; pinned in %s\n",
		       st.inline_mode ? "inline" : "host", st.policy.generation,
		       st.policy.n_rules, st.n_v4, st.n_v6,
		       o->pin_dir ? o->pin_dir : MXG_XDP_PIN_DIR);
	}
close_xdp:
	mxg_xdp_close(x);
free_image:
	free(h);
	return err ? MXG_EXIT_FAIL : MXG_EXIT_OK;
}

static int cmd_reload(const struct opts *o, int argc)
{
	struct mxg_policy_header *h;
	struct mxg_xdp_status st;
	struct mxg_xdp *x;
	size_t len;
	int err;

	if (argc)
		die(MXG_EXIT_USAGE, "reload takes no interface (see --help)");
	h = load_policy(o, &len);
	err = mxg_xdp_open_pinned(&x, o->pin_dir);
	if (err)
		goto free_image;
	err = mxg_xdp_get_status(x, &st);
	set_generation(h, err ? 1 : st.policy.generation + 1);
	err = mxg_xdp_install(x, h, len);
	if (!err)
		printf("policy generation %" PRIu64 " in force: %u rules\n",
		       h->generation, h->n_rules);
	mxg_xdp_close(x);
free_image:
	free(h);
	return err ? MXG_EXIT_FAIL : MXG_EXIT_OK;
}

static int cmd_detach(const struct opts *o, int argc)
{
	struct mxg_xdp *x;
	int err;

	if (argc)
		die(MXG_EXIT_USAGE, "detach takes no argument (see --help)");
	err = mxg_xdp_open_pinned(&x, o->pin_dir);
	if (err)
		return MXG_EXIT_FAIL;
	err = mxg_xdp_detach(x);
	mxg_xdp_close(x);
	if (!err)
		printf("detached\n");
	return err ? MXG_EXIT_FAIL : MXG_EXIT_OK;
}

/* The policy in force as an image header + rules, for the summary. */
static struct mxg_policy_header *image_of(const struct mxg_xdp_policy *p)
{
	struct mxg_policy_header *h;
	size_t len = sizeof(*h) + p->n_rules * sizeof(struct mxg_rule);

	h = calloc(1, len);
	if (!h)
		die(MXG_EXIT_FAIL, "out of memory");
	h->n_rules = p->n_rules;
	h->off_rules = sizeof(*h);
	memcpy((uint8_t *)h + h->off_rules, p->rules,
	       p->n_rules * sizeof(struct mxg_rule));
	return h;
}

/* The summary's top sources: the program's per-source report. */
#define STATS_TOP 10

static int cmd_stats(const struct opts *o, int argc)
{
	struct mxg_top_entry top[STATS_TOP];
	struct mxg_policy_header *h;
	struct mxg_xdp_status st;
	struct mxg_counters c;
	struct mxg_xdp *x;
	int err, n_top = 0;

	if (argc)
		die(MXG_EXIT_USAGE, "stats takes no argument (see --help)");
	err = mxg_xdp_open_pinned(&x, o->pin_dir);
	if (err)
		return MXG_EXIT_FAIL;
	err = mxg_xdp_get_status(x, &st);
	if (!err)
		err = mxg_xdp_counters(x, &c);
	if (!err) {
		n_top = mxg_xdp_top(x, top, STATS_TOP);
		err = n_top < 0 ? n_top : 0;
	}
	if (!err) {
		h = image_of(&st.policy);
		err = mxg_summary_write(stdout, h, &c, top, (uint32_t)n_top);
		free(h);
	}
	mxg_xdp_close(x);
	return err ? MXG_EXIT_FAIL : MXG_EXIT_OK;
}

static const char *mode_name(uint8_t m)
{
	return m == MXG_XDP_ATTACH_NATIVE  ? "native" :
	       m == MXG_XDP_ATTACH_GENERIC ? "generic" :
					     "-";
}

static int cmd_status(const struct opts *o, int argc)
{
	struct mxg_xdp_status st;
	struct mxg_xdp_table ts;
	struct mxg_xdp_diag d;
	struct mxg_xdp *x;
	uint32_t i;
	int err;

	if (argc)
		die(MXG_EXIT_USAGE, "status takes no argument (see --help)");
	err = mxg_xdp_open_pinned(&x, o->pin_dir);
	if (err)
		return MXG_EXIT_FAIL;
	err = mxg_xdp_get_status(x, &st);
	if (!err)
		err = mxg_xdp_diag(x, &d);
	if (!err)
		err = mxg_xdp_table_stats(x, &ts);
	if (err) {
		mxg_xdp_close(x);
		return MXG_EXIT_FAIL;
	}
	printf("program      id %u, %s mode, pinned in %s\n", st.prog_id,
	       st.inline_mode ? "inline" : "host",
	       o->pin_dir ? o->pin_dir : MXG_XDP_PIN_DIR);
	for (i = 0; i < st.config.n_ifaces && i < MXG_XDP_IFACES_MAX; i++) {
		char name[IF_NAMESIZE] = "(gone)";

		if_indextoname(st.config.ifindex[i], name);
		printf("interface    %s (ifindex %u), %s XDP\n", name,
		       st.config.ifindex[i], mode_name(st.config.attach[i]));
	}
	printf("policy       generation %" PRIu64 ", %s, %u rules, "
	       "%u+%u prefixes, buffer %u\n",
	       st.policy.generation,
	       st.policy.mode == MXG_MODE_MONITOR ? "monitor" : "enforce",
	       st.policy.n_rules, st.n_v4, st.n_v6, st.buffer);
	printf("smtp_ports  ");
	for (i = 0; i < st.policy.n_smtp_ports && i < MXG_PORTS_MAX; i++)
		printf(" %u", st.policy.smtp_ports[i]);
	printf("\nbuckets      table of %u entries (4-way lines), %" PRIu64
	       " in use; %" PRIu64 " inserts, evictions %" PRIu64
	       " lossless, %" PRIu64 " lossy\n",
	       st.buckets_max, ts.entries, ts.inserts, ts.evict_lossless,
	       ts.evict_lossy);
	for (i = 0; i < st.policy.n_rules && i < MXG_RULES_MAX; i++)
		printf("rule %-2u      %s\n", i, st.policy.rules[i].name);
	printf("events       no_policy %" PRIu64 ", bucket_full %" PRIu64
	       ", cas_exhausted %" PRIu64 ", rst_unbuilt %" PRIu64 "\n",
	       d.no_policy, d.bucket_full, d.cas_exhausted, d.rst_unbuilt);
	mxg_xdp_close(x);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .buckets = MXG_XDP_BUCKETS_DEFAULT,
			  .want = MXG_XDP_WANT_AUTO };
	const char *cmd;
	int i;

	mxg_cli_init("mxgate-xdp");
	/* Options may come before or after the command. */
	i = mxg_cli_parse(&cli, &o, argc, argv);
	if (i >= argc)
		die(MXG_EXIT_USAGE, "missing COMMAND (see --help)");
	if (o.pin_dir && o.pin_dir[0] != '/')
		die(MXG_EXIT_USAGE, "--pin-dir: expected an absolute path");
	mxg_xdp_set_log(log_cli, o.verbose ? MXG_LOG_INFO : MXG_LOG_WARN);
	cmd = argv[i++];
	argc -= i;
	argv += i;
	if (strcmp(cmd, "attach") != 0 && o.attach_opt)
		die(MXG_EXIT_USAGE,
		    "--mode, --xdp-mode and --buckets go with attach");
	if (strcmp(cmd, "attach") == 0)
		return cmd_attach(&o, argc, argv);
	if (o.policy || o.image) {
		if (strcmp(cmd, "reload") != 0)
			die(MXG_EXIT_USAGE,
			    "--policy and --image go with attach and reload");
	}
	if (strcmp(cmd, "reload") == 0)
		return cmd_reload(&o, argc);
	if (strcmp(cmd, "detach") == 0)
		return cmd_detach(&o, argc);
	if (strcmp(cmd, "stats") == 0)
		return cmd_stats(&o, argc);
	if (strcmp(cmd, "status") == 0)
		return cmd_status(&o, argc);
	die(MXG_EXIT_USAGE,
	    "unknown command \"%s\": expected attach, reload, detach, "
	    "stats or status",
	    cmd);
}
