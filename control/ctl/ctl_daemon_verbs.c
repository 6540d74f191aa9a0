// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxgatectl verbs served by mxgated (include/mxgate/ctld.h). Each verb
 * parses its options from one getopt_long table, sends one request,
 * prints the reply: aligned tables within 80 columns, or with --json the
 * daemon's reply as is. Exit statuses: ctl_daemon_verbs.h.
 */
#include <errno.h>
#include <getopt.h>
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

/* Options every daemon verb takes. */
struct common {
	const char *socket;
	int json;
};

enum {
	OPT_SOCKET = 1000,
	OPT_JSON,
	OPT_TTL,
	OPT_REASON,
	OPT_BURST,
	OPT_N,
	OPT_WATCH,
	OPT_INTERVAL,
	OPT_KIND
};

#define COMMON_OPTS                                                            \
	{ "socket", required_argument, NULL, OPT_SOCKET },                     \
		{ "json", no_argument, NULL, OPT_JSON },                       \
	{                                                                      \
		"help", no_argument, NULL, 'h'                                 \
	}

static int common_opt(struct common *c, int opt)
{
	switch (opt) {
	case OPT_SOCKET:
		c->socket = optarg;
		return 1;
	case OPT_JSON:
		c->json = 1;
		return 1;
	}
	return 0;
}

static void common_init(struct common *c)
{
	const char *env = getenv("MXGATED_SOCKET");

	c->socket = env && *env ? env : MXG_CTLD_SOCKET;
	c->json = 0;
	optind = 0; /* argv[0] is the verb */
}

static int usage_err(const char *verb, const char *args)
{
	fprintf(stderr, "usage: mxgatectl %s %s [--json] [--socket PATH]\n",
		verb, args);
	return MXG_EXIT_USAGE;
}

/* Durations as mxgated takes them: seconds, or N{s,m,h,d}. */
static int64_t parse_ttl(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || v <= 0)
		return -1;
	if (!*end || !strcmp(end, "s"))
		return v;
	if (!strcmp(end, "m"))
		return v * 60;
	if (!strcmp(end, "h"))
		return v * 3600;
	if (!strcmp(end, "d"))
		return v * 86400;
	return -1;
}

/* Send req (consumed); 0 and *reply, or an exit status. */
static int call(const struct common *c, cJSON *req, cJSON **reply)
{
	char *text = cJSON_PrintUnformatted(req), *out = NULL;
	size_t out_len;
	int rc;

	cJSON_Delete(req);
	*reply = NULL;
	if (!text)
		return MXG_EXIT_FAIL;
	rc = mxg_ctld_call(c->socket, text, strlen(text), CALL_TIMEOUT_MS, &out,
			   &out_len);
	free(text);
	if (rc) {
		mxg_cli_error("%s: %s%s", c->socket, strerror(-rc),
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
		mxg_cli_error("mxgated sent a reply that is not "
			      "JSON");
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

/*
 * The reply's verdict: prints errors on stderr (or the whole reply with
 * --json) and returns the exit status.
 */
static int verdict(const struct common *c, const cJSON *r)
{
	int status = (int)num(r, "status");
	const cJSON *errs = cJSON_GetObjectItemCaseSensitive(r, "errors"), *e;

	if (c->json) {
		char *t = cJSON_Print(r);

		if (t)
			printf("%s\n", t);
		free(t);
	}
	if (status == 0) {
		if (!c->json && *str(r, "warning"))
			mxg_cli_error("warning: %s", str(r, "warning"));
		return MXG_EXIT_OK;
	}
	if (!c->json) {
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

/* A verb with no options but the common ones. */
static int simple(int argc, char **argv, const char *cmd, cJSON **reply,
		  struct common *c)
{
	static const struct option opts[] = { COMMON_OPTS, { 0 } };
	int o;

	common_init(c);
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1)
		if (!common_opt(c, o))
			return usage_err(cmd, "");
	if (optind != argc)
		return usage_err(cmd, "");
	return call(c, request(cmd), reply);
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

int verb_status(int argc, char **argv)
{
	struct common c;
	cJSON *r, *o, *b;
	int rc = simple(argc, argv, "status", &r, &c);

	if (rc)
		return rc;
	rc = verdict(&c, r);
	if (!rc && !c.json) {
		o = cJSON_GetObjectItemCaseSensitive(r, "reloads");
		b = cJSON_GetObjectItemCaseSensitive(r, "brake");
		printf("mxgated %s, pid %.0f, up %.0f s\n", str(r, "version"),
		       num(r, "pid"), num(r, "uptime"));
		printf("engine      %s %s: %s\n", str(r, "engine"),
		       str(r, "target"), str(r, "health"));
		printf("policy      %s: %.0f rules, %.0f prefixes\n",
		       str(r, "policy"), num(r, "rules"), num(r, "prefixes"));
		printf("generation  %.0f", num(r, "generation"));
		if (cJSON_IsTrue(
			    cJSON_GetObjectItemCaseSensitive(r, "in_force")))
			printf(" (in force)\n");
		else if (*str(r, "push_error"))
			printf(" (a newer one failed: %.40s)\n",
			       str(r, "push_error"));
		else
			printf(" (a newer one is being pushed)\n");
		printf("reloads     %.0f ok, %.0f failed; last %s (%s), "
		       "%.1f ms\n",
		       num(o, "ok"), num(o, "failed"), str(o, "last_result"),
		       str(o, "last_source"), num(o, "last_ms"));
		o = cJSON_GetObjectItemCaseSensitive(r, "dynamic");
		printf("dynamic     %.0f blocked, %.0f allowed\n",
		       num(o, "block"), num(o, "allow"));
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "active")))
			printf("brake       ON at %s (burst %.0f)\n",
			       str(b, "rate"), num(b, "burst"));
		else
			printf("brake       off\n");
		o = cJSON_GetObjectItemCaseSensitive(r, "bypass");
		printf("bypass      %s (failure mode %s)\n",
		       cJSON_IsTrue(
			       cJSON_GetObjectItemCaseSensitive(o, "engaged")) ?
			       "ENGAGED" :
			       "off",
		       str(o, "failure"));
	}
	cJSON_Delete(r);
	return rc;
}

int verb_stats(int argc, char **argv)
{
	struct common c;
	cJSON *r, *t, *rules, *e;
	int rc = simple(argc, argv, "stats", &r, &c);

	if (rc)
		return rc;
	rc = verdict(&c, r);
	if (!rc && !c.json) {
		t = cJSON_GetObjectItemCaseSensitive(r, "totals");
		printf("%-12s %14s %14s %14s %14s\n", "", "attempts", "passed",
		       "dropped", "would_drop");
		printf("%-12s %14.0f %14.0f %14.0f %14.0f\n", "total",
		       num(t, "attempts"), num(t, "passed"), num(t, "dropped"),
		       num(t, "would_drop"));
		printf("packets %.0f, forwarded %.0f, unparsed %.0f, "
		       "resets %.0f\n\n",
		       num(t, "packets"), num(t, "forwarded"),
		       num(t, "unparsed"), num(t, "reset"));
		printf("%-24s %12s %12s %12s %12s\n", "RULE", "MATCHED",
		       "PASSED", "DROPPED", "WOULD_DROP");
		rules = cJSON_GetObjectItemCaseSensitive(r, "rules");
		cJSON_ArrayForEach(e, rules)
			printf("%-24.24s %12.0f %12.0f %12.0f %12.0f\n",
			       str(e, "name"), num(e, "matched"),
			       num(e, "passed"), num(e, "dropped"),
			       num(e, "would_drop"));
		t = cJSON_GetObjectItemCaseSensitive(r, "table");
		if (t)
			printf("\nsource table: capacity %.0f, inserts %.0f, "
			       "evictions %.0f lossless, %.0f lossy\n",
			       num(t, "capacity"), num(t, "inserts"),
			       num(t, "evict_lossless"), num(t, "evict_lossy"));
		rules = cJSON_GetObjectItemCaseSensitive(r, "ports");
		cJSON_ArrayForEach(e, rules)
			printf("port %.0f (%s): rx %.0f, tx %.0f, missed %.0f, "
			       "rx_nombuf %.0f\n",
			       num(e, "port"), str(e, "driver"), num(e, "rx"),
			       num(e, "tx"), num(e, "missed"),
			       num(e, "rx_nombuf"));
	}
	cJSON_Delete(r);
	return rc;
}

static void print_top(const cJSON *r)
{
	const cJSON *levels = cJSON_GetObjectItemCaseSensitive(r, "levels"),
		    *lv, *e;
	char first[16], last[16];

	cJSON_ArrayForEach(lv, levels)
	{
		const cJSON *ents =
			cJSON_GetObjectItemCaseSensitive(lv, "entries");

		if (!cJSON_GetArraySize(ents))
			continue;
		printf("%-4s /%-3.0f %-28s %10s %10s %9s %9s\n",
		       !strcmp(str(lv, "family"), "ipv4") ? "IPv4" : "IPv6",
		       num(lv, "prefix_len"), "PREFIX", "ATTEMPTS", "DROPPED",
		       "FIRST", "LAST");
		cJSON_ArrayForEach(e, ents)
		{
			fmt_time(num(e, "first_seen"), first, sizeof(first));
			fmt_time(num(e, "last_seen"), last, sizeof(last));
			printf("  %-36.36s %10.0f %10.0f %9s %9s\n",
			       str(e, "prefix"), num(e, "attempts"),
			       num(e, "dropped"), first, last);
		}
		printf("\n");
	}
}

int verb_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "n", required_argument, NULL, OPT_N },
		{ "watch", no_argument, NULL, OPT_WATCH },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		COMMON_OPTS,
		{ 0 },
	};
	struct common c;
	long n = 10, interval = 2;
	int o, watch = 0, rc;
	char *end;

	common_init(&c);
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (common_opt(&c, o))
			continue;
		if (o == OPT_N) {
			n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 500)
				return usage_err("top", "[--n 1..500]");
		} else if (o == OPT_WATCH) {
			watch = 1;
		} else if (o == OPT_INTERVAL) {
			interval = strtol(optarg, &end, 10);
			if (*end || interval < 1 || interval > 3600)
				return usage_err("top", "[--interval S]");
		} else {
			return usage_err("top",
					 "[--n N] [--watch [--interval S]]");
		}
	}
	if (optind != argc)
		return usage_err("top", "[--n N] [--watch [--interval S]]");
	for (;;) {
		cJSON *req = request("top"), *r;

		cJSON_AddNumberToObject(req, "n", (double)n);
		rc = call(&c, req, &r);
		if (rc)
			return rc;
		if (watch && !c.json)
			printf("\033[H\033[2J"); /* home, clear: in place */
		rc = verdict(&c, r);
		if (!rc && !c.json) {
			char now[16];

			fmt_time(num(r, "at"), now, sizeof(now));
			printf("top offenders at %s, from the data plane's top "
			       "%.0f sources\n\n",
			       now, num(r, "sources"));
			print_top(r);
		}
		cJSON_Delete(r);
		fflush(stdout);
		if (!watch || rc)
			return rc;
		sleep((unsigned int)interval);
	}
}

int verb_reload(int argc, char **argv)
{
	struct common c;
	cJSON *r;
	int rc = simple(argc, argv, "reload", &r, &c);

	if (rc)
		return rc;
	rc = verdict(&c, r);
	if (!rc && !c.json)
		printf("policy reloaded: %.0f rules, %.0f prefixes, generation "
		       "%.0f (%.1f ms)\n",
		       num(r, "rules"), num(r, "prefixes"),
		       num(r, "generation"), num(r, "ms"));
	cJSON_Delete(r);
	return rc;
}

static int entry_verb(int argc, char **argv, const char *cmd, int add)
{
	static const struct option add_opts[] = {
		{ "ttl", required_argument, NULL, OPT_TTL },
		{ "reason", required_argument, NULL, OPT_REASON },
		COMMON_OPTS,
		{ 0 },
	};
	static const struct option del_opts[] = { COMMON_OPTS, { 0 } };
	const char *args = add ? "CIDR [--ttl 1h] [--reason TEXT]" : "CIDR";
	const char *reason = NULL;
	struct common c;
	int64_t ttl = 0;
	cJSON *req, *r;
	int o, rc;

	common_init(&c);
	while ((o = getopt_long(argc, argv, "h", add ? add_opts : del_opts,
				NULL)) != -1) {
		if (common_opt(&c, o))
			continue;
		if (o == OPT_TTL) {
			ttl = parse_ttl(optarg);
			if (ttl < 0) {
				mxg_cli_error("--ttl: expected N, Ns, Nm, "
					      "Nh or Nd, got \"%s\"",
					      optarg);
				return MXG_EXIT_USAGE;
			}
		} else if (o == OPT_REASON) {
			reason = optarg;
		} else {
			return usage_err(cmd, args);
		}
	}
	if (optind != argc - 1)
		return usage_err(cmd, args);
	req = request(cmd);
	cJSON_AddStringToObject(req, "cidr", argv[optind]);
	if (ttl)
		cJSON_AddNumberToObject(req, "ttl", (double)ttl);
	if (reason)
		cJSON_AddStringToObject(req, "reason", reason);
	rc = call(&c, req, &r);
	if (rc)
		return rc;
	rc = verdict(&c, r);
	if (!rc && !c.json)
		printf("%s %s%s\n", cmd, argv[optind],
		       cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(
			       r, "in_force")) ?
			       ": saved, pushed to the engine" :
			       ": in force");
	cJSON_Delete(r);
	return rc;
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
	static const struct option opts[] = {
		{ "kind", required_argument, NULL, OPT_KIND },
		COMMON_OPTS,
		{ 0 },
	};
	const char *kind = "all";
	struct common c;
	cJSON *req, *r, *e, *b;
	int o, rc;

	common_init(&c);
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (common_opt(&c, o))
			continue;
		if (o == OPT_KIND)
			kind = optarg;
		else
			return usage_err("list", "[--kind block|allow|all]");
	}
	if (optind != argc)
		return usage_err("list", "[--kind block|allow|all]");
	req = request("list");
	cJSON_AddStringToObject(req, "kind", kind);
	rc = call(&c, req, &r);
	if (rc)
		return rc;
	rc = verdict(&c, r);
	if (!rc && !c.json) {
		double now = num(r, "now");
		char left[32];

		printf("%-5s %-43s %-8s %s\n", "KIND", "CIDR", "EXPIRES",
		       "REASON");
		cJSON_ArrayForEach(
			e, cJSON_GetObjectItemCaseSensitive(r, "entries"))
		{
			fmt_left(num(e, "expires"), now, left, sizeof(left));
			printf("%-5s %-43s %-8s %.20s\n", str(e, "kind"),
			       str(e, "cidr"), left, str(e, "reason"));
		}
		b = cJSON_GetObjectItemCaseSensitive(r, "brake");
		if (cJSON_IsTrue(
			    cJSON_GetObjectItemCaseSensitive(b, "active"))) {
			fmt_left(num(b, "expires"), now, left, sizeof(left));
			printf("brake %-43s %-8s %.20s\n", str(b, "rate"), left,
			       str(b, "reason"));
		}
	}
	cJSON_Delete(r);
	return rc;
}

int verb_brake(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ttl", required_argument, NULL, OPT_TTL },
		{ "burst", required_argument, NULL, OPT_BURST },
		{ "reason", required_argument, NULL, OPT_REASON },
		COMMON_OPTS,
		{ 0 },
	};
	const char *args = "RATE|off [--burst N] [--ttl 10m] [--reason TEXT]";
	const char *reason = NULL;
	struct common c;
	int64_t ttl = 0;
	long burst = 0;
	cJSON *req, *r;
	char *end;
	int o, rc;

	common_init(&c);
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (common_opt(&c, o))
			continue;
		if (o == OPT_TTL) {
			ttl = parse_ttl(optarg);
			if (ttl < 0)
				return usage_err("brake", args);
		} else if (o == OPT_BURST) {
			burst = strtol(optarg, &end, 10);
			if (*end || burst < 1 || burst > 1000000000)
				return usage_err("brake", args);
		} else if (o == OPT_REASON) {
			reason = optarg;
		} else {
			return usage_err("brake", args);
		}
	}
	if (optind != argc - 1)
		return usage_err("brake", args);
	req = request("brake");
	if (!strcmp(argv[optind], "off")) {
		cJSON_AddTrueToObject(req, "off");
	} else {
		cJSON_AddStringToObject(req, "rate", argv[optind]);
		if (burst)
			cJSON_AddNumberToObject(req, "burst", (double)burst);
		if (ttl)
			cJSON_AddNumberToObject(req, "ttl", (double)ttl);
		if (reason)
			cJSON_AddStringToObject(req, "reason", reason);
	}
	rc = call(&c, req, &r);
	if (rc)
		return rc;
	rc = verdict(&c, r);
	if (!rc && !c.json)
		printf("brake %s\n",
		       !strcmp(argv[optind], "off") ? "released" : "pulled");
	cJSON_Delete(r);
	return rc;
}
