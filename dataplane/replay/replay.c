// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxgate-replay: run a capture (pcap or pcapng) through the decision
 * engine, with the packet timestamps as the clock. DESIGN §4.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "cli.h"
#include "cli_policy.h"
#include "engine.h"
#include "replay.h"
#include "replay_capture.h"
#include "replay_xdp.h"
#include "rst.h"
#include "summary.h"
#include "top_sources.h"

#define REPLAY_TABLE_DEFAULT (1u << 20)
#define REPLAY_VERDICTS_MAX  1000000ULL /* --verdicts-max default */

/* The built-in default policy, compiled at build time (default.json). */
extern const unsigned char mxg_default_policy[];
extern const unsigned char mxg_default_policy_end[];

enum { REPLAY_ENGINE_CORE, REPLAY_ENGINE_XDP };

struct replay_opts {
	const char *policy;
	int engine; /* REPLAY_ENGINE_* */
	const char *pass, *drop, *reset, *verdicts, *report;
	const char *input;
	int explain;
	int top_given; /* --top was given: the report lists that many too */
	uint32_t top_n;
	uint64_t table_entries;
	uint64_t verdicts_max; /* 0: no cap */
};

struct replay {
	struct replay_opts opt;
	struct mxg_engine *engine;
	struct replay_xdp *xdp; /* --engine xdp */
	struct mxg_src_table *table;
	struct mxg_top_sources *top;
	struct mxg_counters counters;
	struct mxg_src_table_stats table_stats;
	pcap_t *in;
	int linktype;
	pcap_t *rst_dead;
	pcap_dumper_t *pass_out, *drop_out, *reset_out;
	FILE *verdicts_out, *report_out;
	struct replay_bins *bins; /* --report timelines */
	uint64_t n_verdicts, n_verdicts_left_out, n_rst_unbuilt;
	uint64_t first_ns, last_ns;
};

static const struct mxg_opt_choice engines[] = {
	{ "core", REPLAY_ENGINE_CORE },
	{ "xdp", REPLAY_ENGINE_XDP },
	{ NULL, 0 },
};

static const struct mxg_opt options[] = {
	MXG_OPT_STR("policy", struct replay_opts, policy, "FILE",
		    "a JSON policy or a compiled image (default: the built-in "
		    "default policy, control/examples/default.json)"),
	MXG_OPT_ENUM("engine", struct replay_opts, engine, engines,
		     "the decision engine: core (default), or the XDP program "
		     "run with BPF_PROG_TEST_RUN"),
	MXG_OPT_STR("pass", struct replay_opts, pass, "OUT.pcap",
		    "write the frames passed"),
	MXG_OPT_STR("drop", struct replay_opts, drop, "OUT.pcap",
		    "write the frames dropped"),
	MXG_OPT_STR("reset", struct replay_opts, reset, "OUT.pcap",
		    "write the RSTs the reset verdicts send"),
	MXG_OPT_STR("verdicts", struct replay_opts, verdicts, "OUT.jsonl",
		    "write one JSON line per connection attempt"),
	MXG_OPT_UINT("verdicts-max", struct replay_opts, verdicts_max, 0,
		     UINT64_MAX >> 1, "N",
		     "write at most N verdict lines, then one last line "
		     "{\"verdicts_left_out\": K, \"verdicts_written\": N} "
		     "(0: no cap)"),
	MXG_OPT_STR("report", struct replay_opts, report, "OUT.html",
		    "write the HTML evidence report; its timelines are kept "
		    "in fixed-size time bins, so its memory does not grow "
		    "with the capture"),
	MXG_OPT_UINT("top", struct replay_opts, top_n, 0, 100000, "N",
		     "sources listed in top_sources (and offenders in the "
		     "report, whose own default is 20)",
		     MXG_OPT_GIVEN(struct replay_opts, top_given)),
	MXG_OPT_SIZE("table-entries", struct replay_opts, table_entries, 1024,
		     1ULL << 30, "N", "source table entries"),
	MXG_OPT_FLAG("explain", struct replay_opts, explain,
		     "also print a short human summary on stderr"),
	MXG_OPT_END,
};

static const struct mxg_cli cli = {
	.usage = "[OPTIONS] INPUT",
	.about =
		"Replays INPUT (pcap or pcapng; Ethernet, Linux cooked SLL/SLL2\n"
		"or raw IP) through the decision engine, using packet timestamps\n"
		"as the clock, and prints the summary JSON on stdout.\n",
	.opts = options,
	.epilog = "Exit status: 0 ok; 2 bad arguments, policy or capture.\n",
};

/* One-line error and exit 2: bad arguments, policy or capture. */
#define fail(...) mxg_cli_fatal(MXG_EXIT_USAGE, __VA_ARGS__)

static void parse_args(int argc, char **argv, struct replay_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->top_n = 10;
	o->table_entries = REPLAY_TABLE_DEFAULT;
	o->verdicts_max = REPLAY_VERDICTS_MAX;
	i = mxg_cli_parse(&cli, o, argc, argv);
	if (i + 1 != argc)
		fail(i >= argc ? "missing INPUT capture (see --help)" :
				 "more than one INPUT given (see --help)");
	o->input = argv[i];
}

static void load_policy(struct replay *r)
{
	struct mxg_cli_policy pol = { 0 };
	const void *bytes;
	size_t len;
	const char *why = NULL;
	int err;

	if (r->opt.policy) {
		mxg_cli_policy_load_or_exit(&pol, r->opt.policy,
					    MXG_CLI_POLICY_ANY);
		bytes = pol.image;
		len = pol.len;
	} else {
		bytes = mxg_default_policy;
		len = (size_t)(mxg_default_policy_end - mxg_default_policy);
	}
	err = mxg_engine_create(&r->engine, bytes, len, MXG_ENGINE_PORTABLE_LPM,
				&why);
	mxg_cli_policy_free(&pol);
	if (err)
		fail("policy image rejected: %s", why ? why : strerror(-err));
}

static pcap_dumper_t *open_dump(pcap_t *p, const char *path)
{
	pcap_dumper_t *d = pcap_dump_open(p, path);

	if (!d)
		fail("cannot write %s: %s", path, pcap_geterr(p));
	return d;
}

static void open_capture(struct replay *r)
{
	char err[PCAP_ERRBUF_SIZE] = "";

	r->in = replay_capture_open(r->opt.input, err);
	if (!r->in) {
		size_t n = strlen(r->opt.input);
		const char *why = err;

		/* libpcap names the file in errors from fopen: once is enough. */
		if (strncmp(err, r->opt.input, n) == 0 && err[n] == ':' &&
		    err[n + 1] == ' ')
			why = err + n + 2;
		fail("cannot read capture %s: %s", r->opt.input, why);
	}
	r->linktype = pcap_datalink(r->in);
	if (!replay_capture_linktype_ok(r->linktype))
		fail("capture %s: unsupported link type %d (%s); expected "
		     "Ethernet, Linux cooked (SLL, SLL2) or raw IP",
		     r->opt.input, r->linktype,
		     pcap_datalink_val_to_name(r->linktype) ?
			     pcap_datalink_val_to_name(r->linktype) :
			     "unknown");
}

/*
 * Every output is opened before anything is replayed, so that a bad path
 * fails up front, with nothing on stdout and no capture read.
 */
static void open_outputs(struct replay *r)
{
	if (r->opt.pass)
		r->pass_out = open_dump(r->in, r->opt.pass);
	if (r->opt.drop)
		r->drop_out = open_dump(r->in, r->opt.drop);
	if (r->opt.reset) {
		r->rst_dead = pcap_open_dead_with_tstamp_precision(
			r->linktype == DLT_EN10MB ? DLT_EN10MB : DLT_RAW, 65535,
			PCAP_TSTAMP_PRECISION_NANO);
		if (!r->rst_dead)
			fail("cannot prepare %s", r->opt.reset);
		r->reset_out = open_dump(r->rst_dead, r->opt.reset);
	}
	if (r->opt.verdicts) {
		r->verdicts_out = fopen(r->opt.verdicts, "w");
		if (!r->verdicts_out)
			fail("cannot write %s: %s", r->opt.verdicts,
			     strerror(errno));
	}
	if (r->opt.report) {
		r->report_out = fopen(r->opt.report, "w");
		if (!r->report_out)
			fail("cannot write %s: %s", r->opt.report,
			     strerror(errno));
	}
}

static void write_verdict(struct replay *r, uint64_t n, uint64_t ts_ns,
			  const struct mxg_pkt *p, const struct mxg_decision *d)
{
	char src[64], dst[64];
	FILE *f = r->verdicts_out;

	/* Bounded: an investigation must not repeat the log flood. */
	if (r->opt.verdicts_max && r->n_verdicts >= r->opt.verdicts_max) {
		r->n_verdicts_left_out++;
		return;
	}
	r->n_verdicts++;

	fprintf(f,
		"{\"n\": %" PRIu64 ", \"ts\": %" PRIu64 ".%09" PRIu64
		", \"src\": \"%s\", \"dst\": \"%s\", \"dport\": %u"
		", \"verdict\": \"%s\", \"rule\": ",
		n, ts_ns / UINT64_C(1000000000), ts_ns % UINT64_C(1000000000),
		mxg_addr_str(p->family, p->src, src, sizeof(src)),
		mxg_addr_str(p->family, p->dst, dst, sizeof(dst)), p->dport,
		mxg_verdict_name(d->verdict));
	if (d->rule >= 0)
		mxg_json_string(f, r->engine->rules[d->rule].name);
	else
		fputs("null", f);
	fputs("}\n", f);
}

static void keep_attempt(struct replay *r, uint64_t ts_ns,
			 const struct mxg_pkt *p, const struct mxg_decision *d)
{
	if (r->bins)
		replay_bins_add(r->bins, ts_ns, p->family, p->src, d->verdict);
}

static void handle(struct replay *r, uint64_t n, const struct pcap_pkthdr *h,
		   const uint8_t *data)
{
	uint64_t ts_ns = replay_capture_ts_ns(h);
	struct mxg_decision d;
	struct mxg_pkt p;
	uint8_t xdp_rst[MXG_RST_MAX];
	size_t xdp_rst_len = 0;
	int dropped;

	if (n == 1 || ts_ns < r->first_ns)
		r->first_ns = ts_ns;
	if (ts_ns > r->last_ns)
		r->last_ns = ts_ns;
	replay_capture_parse(r->linktype, data, h->caplen, &p);
	if (r->xdp) {
		int err = replay_xdp_run(r->xdp, r->linktype, data, h->caplen,
					 ts_ns, &d, xdp_rst, &xdp_rst_len);

		if (err)
			fail("--engine xdp: BPF_PROG_TEST_RUN failed on packet "
			     "%" PRIu64 ": %s",
			     n, strerror(-err));
	} else {
		mxg_engine_process(r->engine, r->table, &r->counters,
				   &r->table_stats, &p, ts_ns, &d);
	}
	dropped = d.verdict == MXG_VERDICT_DROP ||
		  d.verdict == MXG_VERDICT_RESET;
	if (d.attempt) {
		mxg_top_update(r->top, p.family, p.src, dropped, ts_ns);
		if (r->verdicts_out)
			write_verdict(r, n, ts_ns, &p, &d);
		keep_attempt(r, ts_ns, &p, &d);
	}
	if (dropped && r->drop_out)
		pcap_dump((u_char *)r->drop_out, h, data);
	if (!dropped && r->pass_out)
		pcap_dump((u_char *)r->pass_out, h, data);
	if (d.verdict == MXG_VERDICT_RESET && r->reset_out) {
		uint8_t rst[MXG_RST_MAX];
		struct pcap_pkthdr rh = *h;
		int eth = r->linktype == DLT_EN10MB;
		size_t len;

		/* Non-Ethernet captures get the RST as raw IP. The XDP
		 * engine's is the frame the program sent. */
		if (r->xdp) {
			len = xdp_rst_len;
			memcpy(rst, xdp_rst, len);
		} else {
			len = mxg_rst_build(data, h->caplen, &p, eth, rst,
					    sizeof(rst));
		}
		if (len) {
			rh.caplen = rh.len = (uint32_t)len;
			pcap_dump((u_char *)r->reset_out, &rh, rst);
		} else {
			r->n_rst_unbuilt++;
		}
	}
}

static void report_input(const struct replay *r, struct replay_report_input *in)
{
	memset(in, 0, sizeof(*in));
	in->capture = r->opt.input;
	in->policy = r->opt.policy ? r->opt.policy :
				     "built-in default (default.json)";
	in->engine = r->xdp ? "xdp" : "core";
	in->engine_state = r->engine;
	in->counters = &r->counters;
	in->top = r->top;
	in->bins = r->bins;
	in->first_ns = r->first_ns;
	in->last_ns = r->last_ns;
	/* The XDP engine keeps its sources in the program's map. */
	if (!r->xdp) {
		in->table_stats = &r->table_stats;
		in->table_capacity = mxg_src_table_capacity(r->table);
	}
	in->top_n = r->opt.top_given ? r->opt.top_n : REPLAY_REPORT_TOP_DEFAULT;
}

static void write_report(struct replay *r)
{
	struct replay_report_input in;
	FILE *f = r->report_out;
	int err;

	r->report_out = NULL;
	report_input(r, &in);
	err = replay_report_write(f, &in);
	if (fclose(f) || err)
		fail("cannot write %s", r->opt.report);
}

int main(int argc, char **argv)
{
	struct replay r;
	struct mxg_top_entry *top;
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t n = 0;
	uint32_t n_top;
	int rc, status = MXG_EXIT_OK;

	memset(&r, 0, sizeof(r));
	mxg_cli_init("mxgate-replay");
	parse_args(argc, argv, &r.opt);
	load_policy(&r);
	if (r.opt.engine == REPLAY_ENGINE_XDP) {
		struct replay_xdp_opts xo = { .buckets = r.opt.table_entries };
		int err = replay_xdp_open(&r.xdp, r.engine->image,
					  r.engine->image_len, &xo);

		if (err)
			fail("--engine xdp: %s", replay_xdp_error() ?
							 replay_xdp_error() :
							 strerror(-err));
	}
	if (mxg_src_table_create(&r.table, r.opt.table_entries))
		fail("cannot allocate a source table of %" PRIu64 " entries",
		     r.opt.table_entries);
	/* Exact for every source: the report is evidence. */
	if (mxg_top_create_exact(&r.top))
		fail("cannot allocate the top-sources tracker");
	if (r.opt.report) {
		r.bins = malloc(sizeof(*r.bins));
		if (!r.bins)
			fail("out of memory");
		replay_bins_init(r.bins);
	}
	open_capture(&r);
	open_outputs(&r);

	while ((rc = pcap_next_ex(r.in, &h, &data)) == 1)
		handle(&r, ++n, h, data);
	if (r.xdp && replay_xdp_counters(r.xdp, &r.counters))
		fail("--engine xdp: cannot read the program's counters");
	if (rc == PCAP_ERROR) {
		/* A damaged capture: report what was read, then fail. */
		mxg_cli_error("capture %s is damaged after %" PRIu64
			      " packets: %s",
			      r.opt.input, n, pcap_geterr(r.in));
		status = MXG_EXIT_USAGE;
	}

	top = calloc(r.opt.top_n ? r.opt.top_n : 1, sizeof(*top));
	if (!top)
		fail("out of memory");
	n_top = mxg_top_sorted(r.top, top, r.opt.top_n);
	mxg_summary_write(stdout, r.engine->image, &r.counters, top, n_top);
	free(top);
	if (r.n_rst_unbuilt)
		mxg_cli_error("%" PRIu64 " reset verdicts had no TCP sequence "
			      "number (tiny fragments): dropped without a RST",
			      r.n_rst_unbuilt);
	if (!mxg_top_is_exact(r.top))
		mxg_cli_error("out of memory for the sources of %s: "
			      "top_sources counts are lower bounds",
			      r.opt.input);
	if (r.opt.report)
		write_report(&r);
	if (r.opt.explain) {
		struct replay_report_input in;

		report_input(&r, &in);
		replay_explain_write(stderr, &in);
	}

	if (r.pass_out)
		pcap_dump_close(r.pass_out);
	if (r.drop_out)
		pcap_dump_close(r.drop_out);
	if (r.reset_out)
		pcap_dump_close(r.reset_out);
	if (r.rst_dead)
		pcap_close(r.rst_dead);
	if (r.verdicts_out && r.n_verdicts_left_out)
		fprintf(r.verdicts_out,
			"{\"verdicts_left_out\": %" PRIu64
			", \"verdicts_written\": %" PRIu64 "}\n",
			r.n_verdicts_left_out, r.n_verdicts);
	if (r.n_verdicts_left_out)
		fprintf(stderr,
			"%s: --verdicts-max %" PRIu64 ": %" PRIu64
			" verdicts left out of %s\n",
			"mxgate-replay", r.opt.verdicts_max,
			r.n_verdicts_left_out, r.opt.verdicts);
	if (r.verdicts_out && fclose(r.verdicts_out)) {
		mxg_cli_error("cannot write %s", r.opt.verdicts);
		status = MXG_EXIT_USAGE;
	}
	pcap_close(r.in);
	free(r.bins);
	mxg_top_destroy(r.top);
	mxg_src_table_destroy(r.table);
	replay_xdp_close(r.xdp);
	mxg_engine_destroy(r.engine);
	return status;
}
