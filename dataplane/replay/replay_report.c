// SPDX-License-Identifier: BSD-3-Clause
/*
 * The replay HTML report: one self-contained page (inline CSS and SVG, no
 * scripts, no fonts, no external references) that an operator can hand
 * over as evidence: timelines of attempts and drops, per-rule counts and
 * the top offenders with first and last seen.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "replay.h"
#include "summary.h"

#define TIMELINE_SOURCES 5
#define NS_PER_S	 UINT64_C(1000000000)

static void html(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static const char *utc(uint64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / NS_PER_S);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "%" PRIu64, ns / NS_PER_S);
	else
		snprintf(buf + strlen(buf), len - strlen(buf),
			 ".%06" PRIu64 " UTC", ns % NS_PER_S / 1000);
	return buf;
}

struct series {
	const char *label;
	const char *color;
	const uint64_t *v;
};

/* A line chart of per-bin counts, scaled to per-second rates. */
static void chart(FILE *f, const char *title, const struct series *s,
		  unsigned int n_series, uint32_t n_bins, uint64_t bin_s,
		  int width, int height)
{
	const int left = 56, right = 12, top = 26, bottom = 28;
	const int pw = width - left - right, ph = height - top - bottom;
	uint64_t max = 1;
	unsigned int k;
	uint32_t i;

	for (k = 0; k < n_series; k++)
		for (i = 0; i < n_bins; i++)
			if (s[k].v[i] > max)
				max = s[k].v[i];
	fprintf(f,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n"
		"<title>",
		width, height, width, height);
	html(f, title);
	fprintf(f, "</title>\n<text x=\"%d\" y=\"16\" class=\"t\">", left);
	html(f, title);
	fprintf(f, "</text>\n");
	/* axes and grid */
	fprintf(f,
		"<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
		"class=\"plot\"/>\n",
		left, top, pw, ph);
	for (k = 0; k <= 4; k++) {
		int y = top + ph - (int)(k * ph / 4);
		double val = (double)max * k / 4 / (double)bin_s;

		fprintf(f,
			"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
			"class=\"grid\"/><text x=\"%d\" y=\"%d\" "
			"class=\"ax\" text-anchor=\"end\">%.4g</text>\n",
			left, y, left + pw, y, left - 4, y + 4, val);
	}
	for (k = 0; k <= 4; k++) {
		int x = left + (int)(k * pw / 4);
		uint64_t secs = (uint64_t)n_bins * bin_s * k / 4;

		fprintf(f,
			"<text x=\"%d\" y=\"%d\" class=\"ax\" "
			"text-anchor=\"middle\">+%" PRIu64 "s</text>\n",
			x, top + ph + 16, secs);
	}
	for (k = 0; k < n_series; k++) {
		fprintf(f,
			"<polyline fill=\"none\" stroke=\"%s\" "
			"stroke-width=\"1.5\" points=\"",
			s[k].color);
		for (i = 0; i < n_bins; i++) {
			double x = left +
				   (n_bins > 1 ? (double)i * pw / (n_bins - 1) :
						 pw / 2.0);
			double y = top + ph - (double)s[k].v[i] * ph / max;

			fprintf(f, "%.1f,%.1f ", x, y);
		}
		fprintf(f,
			"\"/>\n<text x=\"%d\" y=\"16\" fill=\"%s\" "
			"class=\"lg\">",
			width - right - 150 * (int)(n_series - k), s[k].color);
		html(f, s[k].label);
		fprintf(f, "</text>\n");
	}
	fprintf(f, "</svg>\n");
}

static int is_drop(int verdict)
{
	return verdict == MXG_VERDICT_DROP || verdict == MXG_VERDICT_RESET;
}

void replay_bins_init(struct replay_bins *b)
{
	memset(b, 0, sizeof(*b));
	b->bin_s = 1;
}

static void series_merge(struct replay_series *s)
{
	uint32_t i;

	for (i = 0; i < REPLAY_BINS / 2; i++) {
		s->att[i] = s->att[2 * i] + s->att[2 * i + 1];
		s->drop[i] = s->drop[2 * i] + s->drop[2 * i + 1];
		s->would[i] = s->would[2 * i] + s->would[2 * i + 1];
	}
	memset(&s->att[REPLAY_BINS / 2], 0, REPLAY_BINS / 2 * sizeof(uint64_t));
	memset(&s->drop[REPLAY_BINS / 2], 0,
	       REPLAY_BINS / 2 * sizeof(uint64_t));
	memset(&s->would[REPLAY_BINS / 2], 0,
	       REPLAY_BINS / 2 * sizeof(uint64_t));
}

static void series_add(struct replay_series *s, uint64_t bin, uint8_t verdict)
{
	s->att[bin]++;
	if (is_drop(verdict))
		s->drop[bin]++;
	if (verdict == MXG_VERDICT_WOULD_DROP)
		s->would[bin]++;
}

/* The space-saving slot of a source: its own, a free one, or the one with
 * the smallest count, taken over (its bins start again). */
static struct replay_tracked *track(struct replay_bins *b, uint8_t family,
				    const uint8_t addr[16], uint64_t ts_ns)
{
	struct replay_tracked *t, *min = NULL;
	uint32_t i;

	for (i = 0; i < b->n_tracked; i++) {
		t = &b->tracked[i];
		if (t->family == family && !memcmp(t->addr, addr, 16))
			return t;
		if (!min || t->count < min->count)
			min = t;
	}
	if (b->n_tracked < REPLAY_TRACKED) {
		t = &b->tracked[b->n_tracked++];
		t->taken = 0;
		t->count = 0;
	} else {
		t = min;
		t->taken = t->count;
		memset(&t->s, 0, sizeof(t->s));
	}
	t->family = family;
	memcpy(t->addr, addr, 16);
	t->used = 1;
	t->since_ns = ts_ns;
	return t;
}

void replay_bins_add(struct replay_bins *b, uint64_t ts_ns, uint8_t family,
		     const uint8_t addr[16], uint8_t verdict)
{
	struct replay_tracked *t;
	uint64_t bin;
	uint32_t i;

	if (!b->n_attempts++)
		b->origin_ns = ts_ns;
	bin = ts_ns > b->origin_ns ?
		      (ts_ns - b->origin_ns) / (b->bin_s * NS_PER_S) :
		      0;
	while (bin >= REPLAY_BINS) {
		series_merge(&b->all);
		for (i = 0; i < b->n_tracked; i++)
			series_merge(&b->tracked[i].s);
		b->bin_s *= 2;
		b->n_used = (b->n_used + 1) / 2;
		bin /= 2;
	}
	if (bin + 1 > b->n_used)
		b->n_used = (uint32_t)bin + 1;
	series_add(&b->all, bin, verdict);
	t = track(b, family, addr, ts_ns);
	t->count++;
	series_add(&t->s, bin, verdict);
}

static const struct replay_tracked *tracked_of(const struct replay_bins *b,
					       const struct mxg_top_entry *e)
{
	uint32_t i;

	for (i = 0; i < b->n_tracked; i++)
		if (b->tracked[i].family == e->family &&
		    !memcmp(b->tracked[i].addr, e->addr, 16))
			return &b->tracked[i];
	return NULL;
}

const char *replay_action_name(const struct mxg_rule *r)
{
	switch (r->action) {
	case MXG_ACTION_ALLOW:
		return "allow";
	case MXG_ACTION_DENY:
		return "deny";
	default:
		return r->over == MXG_OVER_RESET ? "limit, reset" :
						   "limit, drop";
	}
}

void replay_limit_text(const struct mxg_rule *r, char *buf, size_t len)
{
	static const char *const per[] = { "?", "host", "prefix", "dst",
					   "global" };
	const char *unit = r->rate_period_s == 1    ? "s" :
			   r->rate_period_s == 60   ? "min" :
			   r->rate_period_s == 3600 ? "h" :
						      "?";

	if (r->action != MXG_ACTION_LIMIT) {
		snprintf(buf, len, "-");
		return;
	}
	snprintf(buf, len, "%u/%s, burst %u, per %s", r->rate_count, unit,
		 r->burst, r->key_kind <= 4 ? per[r->key_kind] : "?");
	if (r->key_kind == MXG_KEY_PREFIX || r->key_kind == MXG_KEY_HOST)
		snprintf(buf + strlen(buf), len - strlen(buf), " (/%u, /%u)",
			 r->ipv4_prefix, r->ipv6_prefix);
}

static const char style[] =
	"<style>\n"
	"body{font-family:sans-serif;margin:2em;color:#222;max-width:1100px}\n"
	"h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em}\n"
	"table{border-collapse:collapse;margin:.5em 0}\n"
	"td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}\n"
	"th{background:#f0f0f0}td.l,th.l{text-align:left}\n"
	".plot{fill:#fafafa;stroke:#999}.grid{stroke:#e4e4e4}\n"
	".ax{font-size:10px;fill:#555}.t{font-size:13px;font-weight:bold}\n"
	".lg{font-size:11px}.note{color:#666;font-size:.9em}\n"
	".warn{color:#8a1c1c;background:#fdf0f0;padding:4px 8px}\n"
	"code{background:#f4f4f4;padding:0 3px}\n"
	"</style>\n";

/*
 * The source table's counters. A lossless eviction forgets a key whose
 * bucket is full again, which changes no verdict (DESIGN §3); a lossy one
 * forgets a key that a later attempt finds fresh, with a full bucket.
 */
static void table_section(FILE *f, const struct replay_report_input *in)
{
	const struct mxg_src_table_stats *st = in->table_stats;

	fprintf(f, "<h2>Source table</h2>\n");
	if (!st) {
		fprintf(f, "<p class=\"note\">The XDP engine keeps its "
			   "sources in the program's map; replay does not "
			   "read its insert and eviction counts.</p>\n");
		return;
	}
	fprintf(f,
		"<table><tr><th>slots</th><th>keys inserted</th><th>lossless "
		"evictions</th><th>lossy evictions</th></tr>\n<tr><td>%" PRIu64
		"</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64
		"</td></tr></table>\n<p class=\"note\">A key is a rule and "
		"what it counts (a source, a prefix, a destination, or one "
		"global bucket). A lossless eviction forgets a key whose token "
		"bucket is full again, which changes no verdict.</p>\n",
		in->table_capacity, st->inserts, st->evict_lossless,
		st->evict_lossy);
	if (st->evict_lossy)
		fprintf(f,
			"<p class=\"warn\"><strong>%" PRIu64 " lossy "
			"evictions:</strong> the table was full and forgot "
			"keys whose buckets were not yet full again. A "
			"forgotten key that came back started with a full "
			"bucket, so some verdicts may differ from what an "
			"unbounded table would give. Replay again with a "
			"larger <code>--table-entries</code> to rule this "
			"out.</p>\n",
			st->evict_lossy);
	else
		fprintf(f, "<p class=\"note\">No lossy eviction: every "
			   "verdict is the one an unbounded table would "
			   "give.</p>\n");
}

/* The title and what was replayed: capture, policy, engine, time range. */
static void head_section(FILE *f, const struct replay_report_input *in,
			 uint64_t span)
{
	const struct mxg_policy_header *img = in->engine_state->image;
	int monitor = img->mode == MXG_MODE_MONITOR;
	char a[64], b[64];

	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
		   "<meta charset=\"utf-8\">\n<title>mxgate replay: ");
	html(f, in->capture);
	fprintf(f, "</title>\n%s</head><body>\n<h1>mxgate replay report</h1>\n",
		style);
	fprintf(f, "<table><tr><th class=\"l\">capture</th><td class=\"l\">");
	html(f, in->capture);
	fprintf(f, "</td></tr>\n<tr><th class=\"l\">policy</th><td "
		   "class=\"l\">");
	html(f, in->policy);
	fprintf(f,
		" (mode %s, %u rules, image checksum %016" PRIx64
		")</td></tr>\n"
		"<tr><th class=\"l\">engine</th><td class=\"l\">",
		monitor ? "monitor" : "enforce", img->n_rules, img->checksum);
	html(f, in->engine);
	fprintf(f,
		"</td></tr>\n<tr><th class=\"l\">time range</th><td "
		"class=\"l\">%s to %s (%.3f s)</td></tr></table>\n",
		utc(in->first_ns, a, sizeof(a)), utc(in->last_ns, b, sizeof(b)),
		(double)span / 1e9);
	fprintf(f, "<p class=\"note\">Times are the capture's packet "
		   "timestamps, which are also the engine's clock.</p>\n");
}

static void totals_section(FILE *f, const struct replay_report_input *in)
{
	const struct mxg_totals *t = &in->counters->totals;

	fprintf(f,
		"<h2>Totals</h2>\n<table><tr><th>packets</th><th>forwarded"
		"</th><th>unparsed</th><th>SMTP attempts</th><th>passed</th>"
		"<th>dropped</th><th>reset</th><th>would drop</th></tr>\n"
		"<tr><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64
		"</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64
		"</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td></tr></table>\n",
		t->packets, t->forwarded, t->unparsed, t->smtp_syns,
		t->smtp_passed, t->smtp_dropped, t->reset, t->would_drop);
}

/* One timeline chart: attempts and drops (would-drops in monitor mode)
 * per bin of series s. */
static void timeline_chart(FILE *f, const struct replay_report_input *in,
			   const struct replay_series *s, const char *title,
			   int height)
{
	static const uint64_t zero[REPLAY_BINS];
	const struct replay_bins *bins = in->bins;
	int monitor = in->engine_state->image->mode == MXG_MODE_MONITOR;
	struct series ser[2] = {
		{ "attempts/s", "#1f5fbf", s ? s->att : zero },
		{ monitor ? "would drop/s" : "dropped/s",
		  monitor ? "#d08000" : "#c0262d",
		  s ? (monitor ? s->would : s->drop) : zero },
	};

	chart(f, title, ser, 2, bins && bins->n_used ? bins->n_used : 1,
	      bins ? bins->bin_s : 1, 1000, height);
}

/* All sources, then each of the first TIMELINE_SOURCES offenders that the
 * streamed bins tracked. */
static void timeline_section(FILE *f, const struct replay_report_input *in,
			     const struct mxg_top_entry *top, uint32_t n_top)
{
	const struct replay_bins *bins = in->bins;
	char a[64], b[64], buf[160];
	uint32_t k;

	fprintf(f, "<h2>Connection attempts over time</h2>\n");
	snprintf(buf, sizeof(buf),
		 "all sources, per second (%" PRIu64 " s bins)",
		 bins ? bins->bin_s : 1);
	timeline_chart(f, in, bins ? &bins->all : NULL, buf, 260);
	fprintf(f,
		"<p class=\"note\">Timelines are kept in at most %u bins, "
		"whose width doubles as the capture goes on, so the report "
		"takes the same memory whatever the capture's length; per "
		"source for the %u sources with the most attempts "
		"(space-saving).</p>\n",
		REPLAY_BINS, REPLAY_TRACKED);
	for (k = 0; bins && k < n_top && k < TIMELINE_SOURCES; k++) {
		const struct replay_tracked *tr = tracked_of(bins, &top[k]);

		mxg_addr_str(top[k].family, top[k].addr, a, sizeof(a));
		if (!tr) {
			fprintf(f,
				"<p class=\"note\">#%u %s: no timeline (not "
				"among the sources with the most "
				"attempts).</p>\n",
				k + 1, a);
			continue;
		}
		snprintf(buf, sizeof(buf), "#%u %s", k + 1, a);
		timeline_chart(f, in, &tr->s, buf, 180);
		if (tr->taken)
			fprintf(f,
				"<p class=\"note\">#%u %s: timeline from %s "
				"on, when it took over a tracking slot (its "
				"earlier attempts, at most %" PRIu64
				", are not in this chart).</p>\n",
				k + 1, a, utc(tr->since_ns, b, sizeof(b)),
				tr->taken);
	}
}

static void rules_section(FILE *f, const struct replay_report_input *in)
{
	char buf[160];
	uint32_t i;

	fprintf(f, "<h2>Rules</h2>\n<table><tr><th>#</th><th class=\"l\">"
		   "name</th><th class=\"l\">action</th><th class=\"l\">limit"
		   "</th><th>matched</th><th>passed</th><th>dropped</th>"
		   "<th>would drop</th></tr>\n");
	for (i = 0; i < in->engine_state->n_rules; i++) {
		const struct mxg_rule *r = &in->engine_state->rules[i];
		const struct mxg_rule_counters *rc = &in->counters->rules[i];

		fprintf(f, "<tr><td>%u</td><td class=\"l\">", i);
		html(f, r->name);
		fprintf(f, "</td><td class=\"l\">%s</td><td class=\"l\">",
			replay_action_name(r));
		replay_limit_text(r, buf, sizeof(buf));
		html(f, buf);
		fprintf(f,
			"</td><td>%" PRIu64 "</td><td>%" PRIu64
			"</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td></tr>\n",
			rc->matched, rc->passed, rc->dropped, rc->would_drop);
	}
	fprintf(f, "</table>\n");
}

/* The evidence table: per offender, first and last seen, attempts and
 * drops. */
static void offenders_section(FILE *f, const struct replay_report_input *in,
			      const struct mxg_top_entry *top, uint32_t n_top)
{
	char a[64], first[64], last[64];
	uint32_t k;

	fprintf(f,
		"<h2>Top offenders</h2>\n<p class=\"note\">The first %u "
		"sources by attempts dropped, then by attempts (<code>--top"
		"</code>; %u without it).%s</p>\n<table><tr><th>#</th>"
		"<th class=\"l\">source</th><th class=\"l\">first seen</th>"
		"<th class=\"l\">last seen</th><th>attempts</th><th>dropped"
		"</th><th>dropped %%</th></tr>\n",
		in->top_n, REPLAY_REPORT_TOP_DEFAULT,
		mxg_top_is_exact(in->top) ?
			"" :
			" Out of memory for the sources: counts are lower "
			"bounds.");
	for (k = 0; k < n_top; k++)
		fprintf(f,
			"<tr class=\"off\"><td>%u</td><td class=\"l\">%s</td>"
			"<td class=\"l\">"
			"%s</td><td class=\"l\">%s</td><td>%" PRIu64
			"</td><td>%" PRIu64 "</td><td>%.1f</td></tr>\n",
			k + 1,
			mxg_addr_str(top[k].family, top[k].addr, a, sizeof(a)),
			utc(top[k].first_ns, first, sizeof(first)),
			utc(top[k].last_ns, last, sizeof(last)), top[k].syns,
			top[k].dropped,
			top[k].syns ? 100.0 * (double)top[k].dropped /
					      (double)top[k].syns :
				      0.0);
	fprintf(f, "</table>\n");
	if (!in->top_n)
		fprintf(f, "<p class=\"note\">None listed: <code>--top 0"
			   "</code>.</p>\n");
}

int replay_report_write(FILE *f, const struct replay_report_input *in)
{
	uint64_t span =
		in->last_ns > in->first_ns ? in->last_ns - in->first_ns : 0;
	struct mxg_top_entry *top = calloc(in->top_n + 1, sizeof(*top));
	uint32_t n_top;
	int err = 0;

	if (!top)
		return -ENOMEM;
	n_top = mxg_top_sorted(in->top, top, in->top_n);

	head_section(f, in, span);
	totals_section(f, in);
	timeline_section(f, in, top, n_top);
	rules_section(f, in);
	table_section(f, in);
	offenders_section(f, in, top, n_top);
	fprintf(f, "<p class=\"note\">Generated by mxgate-replay. "
		   "Re-run with the same capture and policy to reproduce "
		   "these figures exactly.</p>\n</body></html>\n");
	if (ferror(f))
		err = -EIO;
	free(top);
	return err;
}

int replay_explain_write(FILE *f, const struct replay_report_input *in)
{
	const struct mxg_engine *e = in->engine_state;
	const struct mxg_totals *t = &in->counters->totals;
	int monitor = e->image->mode == MXG_MODE_MONITOR;
	struct mxg_top_entry top[5];
	char a[64], first[64], last[64], lim[160];
	uint32_t i, n_top;

	fprintf(f, "replayed %s: %" PRIu64 " frames over %.1f s\n", in->capture,
		t->packets,
		in->last_ns > in->first_ns ?
			(double)(in->last_ns - in->first_ns) / 1e9 :
			0.0);
	fprintf(f, "policy: %s (%s mode, %u rules)\n", in->policy,
		monitor ? "monitor" : "enforce", e->n_rules);
	fprintf(f,
		"SMTP connection attempts: %" PRIu64 "; passed %" PRIu64
		", %s %" PRIu64 "%s\n",
		t->smtp_syns, t->smtp_passed,
		monitor ? "would have dropped" : "dropped",
		monitor ? t->would_drop : t->smtp_dropped,
		t->reset ? " (some answered with a TCP RST)" : "");
	fprintf(f,
		"other frames forwarded untouched: %" PRIu64
		" (of which %" PRIu64 " unreadable, forwarded fail-open)\n",
		t->packets - t->smtp_syns - t->parser_limit, t->unparsed);
	if (t->parser_limit)
		fprintf(f,
			"frames cut by the parser's limits (9+ IPv6 extension "
			"headers, first fragments without TCP ports): %" PRIu64
			", %s %" PRIu64 " (policy parser_limit)\n",
			t->parser_limit,
			monitor ? "would have dropped" : "dropped",
			monitor ? t->parser_limit_would_drop :
				  t->parser_limit_dropped);
	if (t->reset_suppressed)
		fprintf(f,
			"reset verdicts answered with a drop (group MAC, or "
			"unspecified, loopback, multicast or broadcast "
			"address): %" PRIu64 "\n",
			t->reset_suppressed);
	if (in->table_stats) {
		const struct mxg_src_table_stats *st = in->table_stats;

		fprintf(f,
			"source table: %" PRIu64 " slots; %" PRIu64
			" keys inserted, %" PRIu64 " lossless and %" PRIu64
			" lossy evictions\n",
			in->table_capacity, st->inserts, st->evict_lossless,
			st->evict_lossy);
		if (st->evict_lossy)
			fprintf(f, "  lossy evictions forgot keys whose "
				   "buckets were not full again: a verdict "
				   "may differ from an unbounded table's "
				   "(raise --table-entries)\n");
	}
	fprintf(f, "%s, by rule:\n",
		monitor ? "would have dropped" : "dropped");
	for (i = 0; i < e->n_rules; i++) {
		const struct mxg_rule *r = &e->rules[i];
		const struct mxg_rule_counters *rc = &in->counters->rules[i];
		uint64_t n = monitor ? rc->would_drop : rc->dropped;

		if (!n)
			continue;
		replay_limit_text(r, lim, sizeof(lim));
		fprintf(f,
			"  %-16s %-12s %-40s %8" PRIu64 " of %" PRIu64
			" matched\n",
			r->name, replay_action_name(r),
			r->action == MXG_ACTION_LIMIT ? lim : "", n,
			rc->matched);
	}
	n_top = mxg_top_sorted(in->top, top, 5);
	if (n_top)
		fprintf(f, "top offenders:\n");
	for (i = 0; i < n_top; i++)
		fprintf(f,
			"  %-28s %6" PRIu64 " attempts, %6" PRIu64
			" dropped, seen %s to %s\n",
			mxg_addr_str(top[i].family, top[i].addr, a, sizeof(a)),
			top[i].syns, top[i].dropped,
			utc(top[i].first_ns, first, sizeof(first)),
			utc(top[i].last_ns, last, sizeof(last)));
	return ferror(f) ? -EIO : 0;
}
