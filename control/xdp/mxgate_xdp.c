// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxgate-xdp: attach, reload, detach and inspect the XDP fallback path
 * (bpf/mxgate.bpf.c) through the loader library (xdp_loader.h). See
 * `mxgate-xdp --help` and bpf/README.md.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mxgate/policy.h"
#include "mxgate/xdp.h"
#include "policy_compile.h"
#include "policy_image.h"
#include "summary.h"
#include "xdp_loader.h"

/* Exit codes */
#define EXIT_FAILED  1 /* the operation failed */
#define EXIT_BAD_ARG 2 /* bad arguments, policy or image */

static const char *prog = "mxgate-xdp";

struct opts {
	const char *pin_dir;
	const char *policy, *image;
	const char *mode, *xdp_mode;
	uint32_t buckets;
	int verbose;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--pin-dir DIR] [--verbose] COMMAND [ARGS]\n"
		"\n"
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
		"      Print the summary JSON (packets, verdicts, rules).\n"
		"  status\n"
		"      Print what is attached where, the policy in force and\n"
		"      rare events.\n"
		"\n"
		"  --policy FILE   a JSON policy (DESIGN §3), compiled here\n"
		"  --image FILE    a compiled image (mxgatectl compile)\n"
		"  --buckets N     bucket table entries (default %u)\n"
		"  --pin-dir DIR   default %s\n"
		"  --verbose       say more, with libbpf's and the verifier's log\n"
		"\n"
		"Exit status: 0 ok; 1 the operation failed; 2 bad arguments,\n"
		"policy or image. Needs root (CAP_BPF and CAP_NET_ADMIN).\n",
		prog, MXG_XDP_BUCKETS_DEFAULT, MXG_XDP_PIN_DIR);
}

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static void log_cli(int level, const char *msg)
{
	fprintf(stderr, "%s: %s%s\n", prog,
		level == MXG_LOG_WARN ? "warning: " : "", msg);
}

static uint32_t parse_u32(const char *opt, const char *s, uint32_t min,
			  uint32_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		die(EXIT_BAD_ARG,
		    "%s: expected an integer from %u to %u, got \"%s\"", opt,
		    min, max, s);
	return (uint32_t)v;
}

/* Read a compiled image file, at most MXG_POLICY_IMAGE_MAX bytes. */
static struct mxg_policy_header *read_image(const char *path, size_t *len)
{
	struct mxg_policy_header *h;
	struct stat st;
	const char *why = NULL;
	FILE *f = fopen(path, "rb");

	if (!f)
		die(EXIT_BAD_ARG, "cannot read %s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) || st.st_size <= 0 ||
	    (unsigned long long)st.st_size > MXG_POLICY_IMAGE_MAX)
		die(EXIT_BAD_ARG, "%s: not a policy image (size)", path);
	h = malloc((size_t)st.st_size);
	if (!h)
		die(EXIT_FAILED, "out of memory");
	if (fread(h, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		die(EXIT_BAD_ARG, "cannot read %s", path);
	fclose(f);
	*len = (size_t)st.st_size;
	if (mxg_policy_image_check(h, *len, &why))
		die(EXIT_BAD_ARG, "%s: invalid policy image: %s", path,
		    why ? why : "rejected");
	return h;
}

static struct mxg_policy_header *load_policy(const struct opts *o, size_t *len)
{
	struct mxg_policy_header *h = NULL;
	struct mxg_diag diag;
	unsigned int i;
	int err;

	if (!o->policy == !o->image)
		die(EXIT_BAD_ARG, "give exactly one of --policy and --image");
	if (o->image)
		return read_image(o->image, len);
	mxg_diag_init(&diag);
	err = mxg_policy_compile_file(o->policy, &h, &diag);
	if (err) {
		for (i = 0; i < diag.stored; i++)
			fprintf(stderr, "%s\n", diag.lines[i]);
		if (!diag.stored)
			fprintf(stderr, "%s: cannot load policy %s: %s\n", prog,
				o->policy, strerror(-err));
		mxg_diag_free(&diag);
		exit(EXIT_BAD_ARG);
	}
	mxg_diag_free(&diag);
	*len = h->total_len;
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

	if (!o->mode || strcmp(o->mode, "host") == 0)
		lo.inline_mode = 0;
	else if (strcmp(o->mode, "inline") == 0)
		lo.inline_mode = 1;
	else
		die(EXIT_BAD_ARG,
		    "--mode: expected \"host\" or \"inline\", got \"%s\"",
		    o->mode);
	if (!o->xdp_mode || strcmp(o->xdp_mode, "auto") == 0)
		ao.want = MXG_XDP_WANT_AUTO;
	else if (strcmp(o->xdp_mode, "native") == 0)
		ao.want = MXG_XDP_WANT_NATIVE;
	else if (strcmp(o->xdp_mode, "generic") == 0)
		ao.want = MXG_XDP_WANT_GENERIC;
	else
		die(EXIT_BAD_ARG,
		    "--xdp-mode: expected \"auto\", \"native\" or "
		    "\"generic\", got \"%s\"",
		    o->xdp_mode);
	if (argc != (lo.inline_mode ? 2 : 1))
		die(EXIT_BAD_ARG, "attach: %s mode takes %s (see --help)",
		    lo.inline_mode ? "inline" : "host",
		    lo.inline_mode ? "two interfaces" : "one interface");
	for (i = 0; i < (uint32_t)argc; i++) {
		if (strlen(argv[i]) >= IF_NAMESIZE)
			die(EXIT_BAD_ARG, "\"%s\" is not an interface name",
			    argv[i]);
		if (!if_nametoindex(argv[i]))
			die(EXIT_BAD_ARG, "no interface named \"%s\"", argv[i]);
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
	return err ? EXIT_FAILED : 0;
}

static int cmd_reload(const struct opts *o, int argc)
{
	struct mxg_policy_header *h;
	struct mxg_xdp_status st;
	struct mxg_xdp *x;
	size_t len;
	int err;

	if (argc)
		die(EXIT_BAD_ARG, "reload takes no interface (see --help)");
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
	return err ? EXIT_FAILED : 0;
}

static int cmd_detach(const struct opts *o, int argc)
{
	struct mxg_xdp *x;
	int err;

	if (argc)
		die(EXIT_BAD_ARG, "detach takes no argument (see --help)");
	err = mxg_xdp_open_pinned(&x, o->pin_dir);
	if (err)
		return EXIT_FAILED;
	err = mxg_xdp_detach(x);
	mxg_xdp_close(x);
	if (!err)
		printf("detached\n");
	return err ? EXIT_FAILED : 0;
}

/* The policy in force as an image header + rules, for the summary. */
static struct mxg_policy_header *image_of(const struct mxg_xdp_policy *p)
{
	struct mxg_policy_header *h;
	size_t len = sizeof(*h) + p->n_rules * sizeof(struct mxg_rule);

	h = calloc(1, len);
	if (!h)
		die(EXIT_FAILED, "out of memory");
	h->n_rules = p->n_rules;
	h->off_rules = sizeof(*h);
	memcpy((uint8_t *)h + h->off_rules, p->rules,
	       p->n_rules * sizeof(struct mxg_rule));
	return h;
}

static int cmd_stats(const struct opts *o, int argc)
{
	struct mxg_policy_header *h;
	struct mxg_xdp_status st;
	struct mxg_counters c;
	struct mxg_xdp *x;
	int err;

	if (argc)
		die(EXIT_BAD_ARG, "stats takes no argument (see --help)");
	err = mxg_xdp_open_pinned(&x, o->pin_dir);
	if (err)
		return EXIT_FAILED;
	err = mxg_xdp_get_status(x, &st);
	if (!err)
		err = mxg_xdp_counters(x, &c);
	if (!err) {
		h = image_of(&st.policy);
		err = mxg_summary_write(stdout, h, &c, NULL, 0);
		free(h);
	}
	mxg_xdp_close(x);
	return err ? EXIT_FAILED : 0;
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
	struct mxg_xdp_diag d;
	struct mxg_xdp *x;
	uint32_t i;
	int err;

	if (argc)
		die(EXIT_BAD_ARG, "status takes no argument (see --help)");
	err = mxg_xdp_open_pinned(&x, o->pin_dir);
	if (err)
		return EXIT_FAILED;
	err = mxg_xdp_get_status(x, &st);
	if (!err)
		err = mxg_xdp_diag(x, &d);
	if (err) {
		mxg_xdp_close(x);
		return EXIT_FAILED;
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
	printf("\nbuckets      table of %u entries (LRU)\n", st.buckets_max);
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
	static const struct option longopts[] = {
		{ "pin-dir", required_argument, NULL, 'd' },
		{ "policy", required_argument, NULL, 'p' },
		{ "image", required_argument, NULL, 'i' },
		{ "mode", required_argument, NULL, 'm' },
		{ "xdp-mode", required_argument, NULL, 'x' },
		{ "buckets", required_argument, NULL, 'b' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o;
	const char *cmd;
	int c;

	memset(&o, 0, sizeof(o));
	opterr = 0;
	/* Options may come before or after the command. */
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.pin_dir = optarg;
			break;
		case 'p':
			o.policy = optarg;
			break;
		case 'i':
			o.image = optarg;
			break;
		case 'm':
			o.mode = optarg;
			break;
		case 'x':
			o.xdp_mode = optarg;
			break;
		case 'b':
			o.buckets = parse_u32("--buckets", optarg,
					      MXG_XDP_BUCKETS_MIN,
					      MXG_XDP_BUCKETS_MAX);
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			if (optopt)
				die(EXIT_BAD_ARG,
				    "option -%c: unknown or missing its "
				    "argument (see --help)",
				    optopt);
			die(EXIT_BAD_ARG, "unknown option \"%s\" (see --help)",
			    argv[optind - 1]);
		}
	}
	if (optind >= argc)
		die(EXIT_BAD_ARG, "missing COMMAND (see --help)");
	if (o.pin_dir && o.pin_dir[0] != '/')
		die(EXIT_BAD_ARG, "--pin-dir: expected an absolute path");
	mxg_xdp_set_log(log_cli, o.verbose ? MXG_LOG_INFO : MXG_LOG_WARN);
	cmd = argv[optind++];
	argc -= optind;
	argv += optind;
	if (strcmp(cmd, "attach") != 0 && (o.mode || o.xdp_mode || o.buckets))
		die(EXIT_BAD_ARG,
		    "--mode, --xdp-mode and --buckets go with attach");
	if (strcmp(cmd, "attach") == 0)
		return cmd_attach(&o, argc, argv);
	if (o.policy || o.image) {
		if (strcmp(cmd, "reload") != 0)
			die(EXIT_BAD_ARG,
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
	die(EXIT_BAD_ARG,
	    "unknown command \"%s\": expected attach, reload, detach, "
	    "stats or status",
	    cmd);
}
