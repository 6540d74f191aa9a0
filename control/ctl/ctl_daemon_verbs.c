// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxgatectl verbs served by mxgated (include/mxgate/ctld.h). Each verb
 * parses its options with libmxgate_cli's tables (one row per option:
 * the parser, the errors, exit 2 and `mxgatectl VERB --help`), sends one
 * request and prints the reply: aligned tables within 80 columns (one
 * table printer for all of them), or with --json the daemon's reply as
 * is. Exit statuses: ctl_daemon_verbs.h.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "ctl_daemon_verbs.h"
#include "ctld_client.h"

#define CALL_TIMEOUT_MS 60000

/* Every daemon verb's options; a verb's table has the rows it takes. */
struct verb_opts {
	const char *socket;
	int json;
	int64_t ttl; /* seconds, 0: none */
	const char *reason;
	uint32_t burst, n, interval;
	int watch;
	int kind; /* list: an index of kinds[] */
};

/* Durations as mxgated takes them: seconds, or N{s,m,h,d}. */
static int64_t parse_ttl(const char *s)
{
	static const struct {
		const char *unit;
		int64_t s;
	} units[] = { { "", 1 },
		      { "s", 1 },
		      { "m", 60 },
		      { "h", 3600 },
		      { "d", 86400 } };
	char *end;
	long long v;
	size_t i;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || v <= 0 || v > 100LL * 365 * 86400)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].unit))
			return v * units[i].s;
	return -1;
}

static void opt_ttl(void *cfg, const char *arg, const char *opt)
{
	int64_t ttl = parse_ttl(arg);

	if (ttl < 0)
		mxg_cli_fatal(MXG_EXIT_USAGE,
			      "%s: expected N, Ns, Nm, Nh or Nd, got \"%s\"",
			      opt, arg);
	((struct verb_opts *)cfg)->ttl = ttl;
}

static const struct mxg_opt_choice kinds[] = {
	{ "all", 0 },
	{ "block", 1 },
	{ "allow", 2 },
	{ NULL, 0 },
};

#define ROW_SOCKET                                                             \
	MXG_OPT_STR("socket", struct verb_opts, socket, "PATH",                \
		    "mxgated's socket (default $MXGATED_SOCKET, "              \
		    "else " MXG_CTLD_SOCKET ")")
#define ROW_JSON                                                               \
	MXG_OPT_FLAG("json", struct verb_opts, json,                           \
		     "print mxgated's reply as is (JSON)")
#define ROW_TTL                                                                \
	MXG_OPT_FUNC("ttl", opt_ttl, "T",                                      \
		     "expire after T: N, Ns, Nm, Nh or Nd (default: never)")
#define ROW_REASON                                                             \
	MXG_OPT_STR("reason", struct verb_opts, reason, "TEXT",                \
		    "why, shown by `list` (at most 127 bytes)")

/* Every table ends with the rows every verb takes. */
#define ROWS_COMMON ROW_SOCKET, ROW_JSON, MXG_OPT_END

static const struct mxg_opt opts_plain[] = { ROWS_COMMON };
static const struct mxg_opt opts_entry[] = { ROW_TTL, ROW_REASON, ROWS_COMMON };
static const struct mxg_opt opts_list[] = {
	MXG_OPT_ENUM("kind", struct verb_opts, kind, kinds,
		     "which entries (default all)"),
	ROWS_COMMON,
};
static const struct mxg_opt opts_top[] = {
	MXG_OPT_UINT("n", struct verb_opts, n, 1, 500, "N",
		     "rows per prefix level"),
	MXG_OPT_FLAG("watch", struct verb_opts, watch,
		     "clear the screen and redraw every --interval seconds"),
	MXG_OPT_UINT("interval", struct verb_opts, interval, 1, 3600, "S",
		     "--watch's period, in seconds"),
	ROWS_COMMON,
};
static const struct mxg_opt opts_brake[] = {
	MXG_OPT_UINT("burst", struct verb_opts, burst, 1, 1000000000, "N",
		     "attempts let through at once (default: RATE's per-second "
		     "value, rounded up)"),
	ROW_TTL,
	ROW_REASON,
	ROWS_COMMON,
};

static const char epilog[] =
	"Exit status: 0 done; 1 refused or failed; 2 usage; 3 mxgated "
	"unreachable;\n4 permission denied.\n";

/*
 * Parse argv (argv[0] the verb) with the verb's table: exactly
 * n_operands operands must follow, else the usage line and exit 2.
 * Returns the index of the first operand.
 */
static int verb_parse(const char *usage, const struct mxg_opt *rows,
		      struct verb_opts *o, int n_operands, int argc,
		      char **argv)
{
	const struct mxg_cli cli = { .usage = usage,
				     .opts = rows,
				     .epilog = epilog };
	const char *env = getenv("MXGATED_SOCKET");
	int i;

	memset(o, 0, sizeof(*o));
	o->socket = env && *env ? env : MXG_CTLD_SOCKET;
	o->n = 10;
	o->interval = 2;
	i = mxg_cli_parse(&cli, o, argc, argv);
	if (argc - i != n_operands)
		mxg_cli_fatal(MXG_EXIT_USAGE, "usage: %s %s (see --help)",
			      mxg_cli_prog(), usage);
	return i;
}

/* Send req (consumed); 0 and *reply, or an exit status. */
static int call(const struct verb_opts *o, cJSON *req, cJSON **reply)
{
	char *text = cJSON_PrintUnformatted(req), *out = NULL;
	size_t out_len;
	int rc;

	cJSON_Delete(req);
	*reply = NULL;
	if (!text)
		return MXG_EXIT_FAIL;
	rc = mxg_ctld_call(o->socket, text, strlen(text), CALL_TIMEOUT_MS, &out,
			   &out_len);
	free(text);
	if (rc) {
		mxg_cli_error("%s: %s%s", o->socket, strerror(-rc),
			      rc == -EACCES ? " (root, or the socket's group)" :
			      rc == -ENOENT || rc == -ECONNREFUSED ?
					      " (is mxgated running?)" :
					      "");
		return rc == -EACCES ? MXG_EXIT_DENIED : MXG_EXIT_UNREACHABLE;
	}
	*reply = cJSON_ParseWithLength(out, out_len);
	free(out);
	if (!cJSON_IsObject(*reply)) {
		cJSON_Delete(*reply);
		*reply = NULL;
		mxg_cli_error("mxgated sent a reply that is not JSON");
		return MXG_EXIT_UNREACHABLE;
	}
	return MXG_EXIT_OK;
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static int is_true(const cJSON *o, const char *k)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

/*
 * The reply's verdict: prints errors on stderr (or the whole reply with
 * --json) and returns the exit status.
 */
static int verdict(const struct verb_opts *o, const cJSON *r)
{
	int status = (int)num(r, "status");
	const cJSON *errs = cJSON_GetObjectItemCaseSensitive(r, "errors"), *e;

	if (o->json) {
		char *t = cJSON_Print(r);

		if (t)
			printf("%s\n", t);
		free(t);
	}
	if (status == 0) {
		if (!o->json && *str(r, "warning"))
			mxg_cli_error("warning: %s", str(r, "warning"));
		return MXG_EXIT_OK;
	}
	if (!o->json) {
		cJSON_ArrayForEach(e, errs) if (cJSON_IsString(e))
			fprintf(stderr, "%s\n", e->valuestring);
		mxg_cli_error("%s", *str(r, "error") ? str(r, "error") :
						       strerror(-status));
	}
	return status == -EACCES ? MXG_EXIT_DENIED : MXG_EXIT_FAIL;
}

static cJSON *request(const char *cmd)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddStringToObject(r, "cmd", cmd);
	return r;
}

/* Send req and judge the reply: 0 and *reply (to print from unless
 * --json), or an exit status. */
static int ask(const struct verb_opts *o, cJSON *req, cJSON **reply)
{
	int rc = call(o, req, reply);

	if (rc)
		return rc;
	rc = verdict(o, *reply);
	if (rc || o->json) {
		cJSON_Delete(*reply);
		*reply = NULL;
	}
	return rc;
}

/* ---- one table printer for every table ---- */

struct col {
	const char *title;
	int width; /* a left-aligned column when negative */
};

/* One line: the cells (NULL: the columns' titles), cut to the widths,
 * one space between. At most 80 columns when the widths add up. */
static void row(const struct col *cols, size_t n, const char *const *cells)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *c = cells ? cells[i] : cols[i].title;
		int w = cols[i].width < 0 ? -cols[i].width : cols[i].width;

		if (i + 1 == n && cols[i].width < 0)
			printf("%.*s", w, c); /* no trailing blanks */
		else
			printf(cols[i].width < 0 ? "%-*.*s" : "%*.*s", w, w, c);
		printf(i + 1 < n ? " " : "\n");
	}
}

/* A whole number for a cell. */
static const char *cell_num(char *buf, size_t len, double v)
{
	snprintf(buf, len, "%.0f", v);
	return buf;
}

static void fmt_time(double t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0) {
		snprintf(buf, len, "-");
		return;
	}
	localtime_r(&tt, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
}

static void fmt_left(double expires, double now, char *buf, size_t len)
{
	long long s = (long long)(expires - now);

	if (expires <= 0)
		snprintf(buf, len, "never");
	else if (s < 0)
		snprintf(buf, len, "now");
	else if (s < 120)
		snprintf(buf, len, "%llds", s);
	else if (s < 7200)
		snprintf(buf, len, "%lldm", s / 60);
	else if (s < 172800)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, s / 60 % 60);
	else
		snprintf(buf, len, "%lldd", s / 86400);
}

/* ---- the verbs ---- */

/*
 * A verb with no operand and no options but --json and --socket: the
 * reply to print (NULL: nothing to print, *rc the exit status).
 */
static cJSON *plain_verb(const char *cmd, int argc, char **argv, int *rc)
{
	struct verb_opts o;
	char usage[64];
	cJSON *r;

	snprintf(usage, sizeof(usage), "%s [--json] [--socket PATH]", cmd);
	verb_parse(usage, opts_plain, &o, 0, argc, argv);
	*rc = ask(&o, request(cmd), &r);
	return r;
}

int verb_status(int argc, char **argv)
{
	cJSON *r, *x, *b;
	int rc;

	r = plain_verb("status", argc, argv, &rc);
	if (!r)
		return rc;
	x = cJSON_GetObjectItemCaseSensitive(r, "reloads");
	b = cJSON_GetObjectItemCaseSensitive(r, "brake");
	printf("mxgated %s, pid %.0f, up %.0f s\n", str(r, "version"),
	       num(r, "pid"), num(r, "uptime"));
	printf("engine      %s %s: %s\n", str(r, "engine"), str(r, "target"),
	       str(r, "health"));
	printf("policy      %s: %.0f rules, %.0f prefixes\n", str(r, "policy"),
	       num(r, "rules"), num(r, "prefixes"));
	printf("generation  %.0f", num(r, "generation"));
	if (is_true(r, "in_force"))
		printf(" (in force)\n");
	else if (*str(r, "push_error"))
		printf(" (a newer one failed: %.40s)\n", str(r, "push_error"));
	else
		printf(" (a newer one is being pushed)\n");
	printf("reloads     %.0f ok, %.0f failed; last %s (%s), %.1f ms\n",
	       num(x, "ok"), num(x, "failed"), str(x, "last_result"),
	       str(x, "last_source"), num(x, "last_ms"));
	x = cJSON_GetObjectItemCaseSensitive(r, "dynamic");
	printf("dynamic     %.0f blocked, %.0f allowed\n", num(x, "block"),
	       num(x, "allow"));
	if (is_true(b, "active"))
		printf("brake       ON at %s (burst %.0f)\n", str(b, "rate"),
		       num(b, "burst"));
	else
		printf("brake       off\n");
	x = cJSON_GetObjectItemCaseSensitive(r, "bypass");
	printf("bypass      %s (failure mode %s)\n",
	       is_true(x, "engaged") ? "ENGAGED" : "off", str(x, "failure"));
	cJSON_Delete(r);
	return MXG_EXIT_OK;
}

/* Five counters a line: the totals' and each rule's. */
static const struct col counter_cols[] = {
	{ "", -20 },	   { "ATTEMPTS", 11 }, { "PASSED", 11 },
	{ "DROPPED", 11 }, { "RESET", 11 },    { "WOULD_DROP", 11 },
};
#define N_COUNTER_COLS (sizeof(counter_cols) / sizeof(counter_cols[0]))

static void counter_row(const char *name, const cJSON *o, const char *attempts)
{
	static const char *const keys[] = { NULL, "passed", "dropped", "reset",
					    "would_drop" };
	char buf[N_COUNTER_COLS][32];
	const char *cells[N_COUNTER_COLS];
	size_t i;

	cells[0] = name;
	cells[1] = cell_num(buf[1], sizeof(buf[1]), num(o, attempts));
	for (i = 2; i < N_COUNTER_COLS; i++)
		cells[i] =
			cell_num(buf[i], sizeof(buf[i]), num(o, keys[i - 1]));
	row(counter_cols, N_COUNTER_COLS, cells);
}

int verb_stats(int argc, char **argv)
{
	cJSON *r, *t, *e;
	int rc;

	r = plain_verb("stats", argc, argv, &rc);
	if (!r)
		return rc;
	t = cJSON_GetObjectItemCaseSensitive(r, "totals");
	row(counter_cols, N_COUNTER_COLS, NULL);
	counter_row("total", t, "attempts");
	printf("packets %.0f, forwarded %.0f, unparsed %.0f\n\n",
	       num(t, "packets"), num(t, "forwarded"), num(t, "unparsed"));
	printf("RULE\n");
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r, "rules"))
		counter_row(str(e, "name"), e, "matched");
	t = cJSON_GetObjectItemCaseSensitive(r, "table");
	if (t)
		printf("\nsource table: %.0f of %.0f in use; %.0f inserts, "
		       "evictions %.0f lossless,\n%.0f lossy\n",
		       num(t, "entries"), num(t, "capacity"), num(t, "inserts"),
		       num(t, "evict_lossless"), num(t, "evict_lossy"));
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r, "ports"))
		printf("port %.0f (%s): rx %.0f, tx %.0f, missed %.0f, "
		       "rx_nombuf %.0f\n",
		       num(e, "port"), str(e, "driver"), num(e, "rx"),
		       num(e, "tx"), num(e, "missed"), num(e, "rx_nombuf"));
	cJSON_Delete(r);
	return MXG_EXIT_OK;
}

static void print_top(const cJSON *r)
{
	struct col cols[] = { { NULL, -38 },
			      { "ATTEMPTS", 10 },
			      { "DROPPED", 10 },
			      { "FIRST", 9 },
			      { "LAST", 9 } };
	const cJSON *lv, *e;
	char title[48], n[2][32], first[16], last[16];

	cJSON_ArrayForEach(lv, cJSON_GetObjectItemCaseSensitive(r, "levels"))
	{
		const cJSON *ents =
			cJSON_GetObjectItemCaseSensitive(lv, "entries");

		if (!cJSON_GetArraySize(ents))
			continue;
		snprintf(title, sizeof(title), "%s /%.0f  PREFIX",
			 !strcmp(str(lv, "family"), "ipv4") ? "IPv4" : "IPv6",
			 num(lv, "prefix_len"));
		cols[0].title = title;
		row(cols, 5, NULL);
		cJSON_ArrayForEach(e, ents)
		{
			fmt_time(num(e, "first_seen"), first, sizeof(first));
			fmt_time(num(e, "last_seen"), last, sizeof(last));
			row(cols, 5,
			    (const char *const[]){ str(e, "prefix"),
						   cell_num(n[0], sizeof(n[0]),
							    num(e, "attempts")),
						   cell_num(n[1], sizeof(n[1]),
							    num(e, "dropped")),
						   first, last });
		}
		printf("\n");
	}
}

int verb_top(int argc, char **argv)
{
	struct verb_opts o;
	char now[16];
	cJSON *req, *r;
	int rc;

	verb_parse("top [--n N] [--watch [--interval S]] [--json] "
		   "[--socket PATH]",
		   opts_top, &o, 0, argc, argv);
	for (;;) {
		req = request("top");
		cJSON_AddNumberToObject(req, "n", o.n);
		if (o.watch && !o.json)
			printf("\033[H\033[2J"); /* home, clear: in place */
		rc = ask(&o, req, &r);
		if (!rc && r) {
			fmt_time(num(r, "at"), now, sizeof(now));
			printf("top offenders at %s, from %s (%.0f sources)\n\n",
			       now,
			       !strcmp(str(r, "engine"), "xdp") ?
				       "the XDP program's per-source report" :
				       "the data plane's top sources",
			       num(r, "sources"));
			print_top(r);
			cJSON_Delete(r);
		}
		fflush(stdout);
		if (!o.watch || rc)
			return rc;
		sleep(o.interval);
	}
}

int verb_reload(int argc, char **argv)
{
	cJSON *r;
	int rc;

	r = plain_verb("reload", argc, argv, &rc);
	if (!r)
		return rc;
	printf("policy reloaded: %.0f rules, %.0f prefixes, generation %.0f "
	       "(%.1f ms)\n",
	       num(r, "rules"), num(r, "prefixes"), num(r, "generation"),
	       num(r, "ms"));
	cJSON_Delete(r);
	return MXG_EXIT_OK;
}

/* --ttl and --reason into the request, where given. */
static void add_ttl_reason(cJSON *req, const struct verb_opts *o)
{
	if (o->ttl)
		cJSON_AddNumberToObject(req, "ttl", (double)o->ttl);
	if (o->reason)
		cJSON_AddStringToObject(req, "reason", o->reason);
}

/* block, allow (add) and unblock, unallow: one CIDR. */
static int entry_verb(int argc, char **argv, const char *cmd, int add)
{
	char usage[128];
	struct verb_opts o;
	cJSON *req, *r;
	int i, rc;

	snprintf(usage, sizeof(usage), "%s CIDR%s [--json] [--socket PATH]",
		 cmd, add ? " [--ttl T] [--reason TEXT]" : "");
	i = verb_parse(usage, add ? opts_entry : opts_plain, &o, 1, argc, argv);
	req = request(cmd);
	cJSON_AddStringToObject(req, "cidr", argv[i]);
	add_ttl_reason(req, &o);
	rc = ask(&o, req, &r);
	if (rc || !r)
		return rc;
	printf("%s %s%s\n", cmd, argv[i],
	       cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r, "in_force")) ?
		       ": saved, pushed to the engine" :
		       ": in force");
	cJSON_Delete(r);
	return MXG_EXIT_OK;
}

int verb_block(int argc, char **argv)
{
	return entry_verb(argc, argv, "block", 1);
}

int verb_allow(int argc, char **argv)
{
	return entry_verb(argc, argv, "allow", 1);
}

int verb_unblock(int argc, char **argv)
{
	return entry_verb(argc, argv, "unblock", 0);
}

int verb_unallow(int argc, char **argv)
{
	return entry_verb(argc, argv, "unallow", 0);
}

int verb_list(int argc, char **argv)
{
	static const struct col cols[] = { { "KIND", -5 },
					   { "CIDR", -43 },
					   { "EXPIRES", -8 },
					   { "REASON", -20 } };
	struct verb_opts o;
	cJSON *req, *r, *e, *b;
	char left[32];
	int rc;

	verb_parse("list [--kind block|allow|all] [--json] [--socket PATH]",
		   opts_list, &o, 0, argc, argv);
	req = request("list");
	cJSON_AddStringToObject(req, "kind", kinds[o.kind].name);
	rc = ask(&o, req, &r);
	if (rc || !r)
		return rc;
	row(cols, 4, NULL);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r, "entries"))
	{
		fmt_left(num(e, "expires"), num(r, "now"), left, sizeof(left));
		row(cols, 4,
		    (const char *const[]){ str(e, "kind"), str(e, "cidr"), left,
					   str(e, "reason") });
	}
	b = cJSON_GetObjectItemCaseSensitive(r, "brake");
	if (is_true(b, "active")) {
		fmt_left(num(b, "expires"), num(r, "now"), left, sizeof(left));
		row(cols, 4,
		    (const char *const[]){ "brake", str(b, "rate"), left,
					   str(b, "reason") });
	}
	cJSON_Delete(r);
	return MXG_EXIT_OK;
}

int verb_brake(int argc, char **argv)
{
	struct verb_opts o;
	cJSON *req, *r;
	const char *rate;
	int i, rc, off;

	i = verb_parse("brake RATE|off [--burst N] [--ttl T] [--reason TEXT] "
		       "[--json] [--socket PATH]",
		       opts_brake, &o, 1, argc, argv);
	rate = argv[i];
	off = !strcmp(rate, "off");
	req = request("brake");
	if (off) {
		cJSON_AddTrueToObject(req, "off");
	} else {
		cJSON_AddStringToObject(req, "rate", rate);
		if (o.burst)
			cJSON_AddNumberToObject(req, "burst", o.burst);
		add_ttl_reason(req, &o);
	}
	rc = ask(&o, req, &r);
	if (rc || !r)
		return rc;
	printf("brake %s\n", off ? "released" : "pulled");
	cJSON_Delete(r);
	return MXG_EXIT_OK;
}
