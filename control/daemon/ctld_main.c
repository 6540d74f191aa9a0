// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxgated: the control-plane daemon. It owns the policy file and the
 * dynamic entries, compiles them into one image and keeps that image in
 * force in the engine it drives (mxgate-dp or the XDP program); it serves
 * operators (mxgatectl) on a Unix socket and Prometheus on HTTP, and
 * engages the fail-open bypass when the data plane's heartbeat stops.
 * See README.md in this folder.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "ctld_ext.h"
#include "mxgate/ctld.h"
#include "mxgated.h"
#include "policy_compile.h"

#define CTLD_VERSION	   "1.0"
#define RELOAD_DEBOUNCE_MS 200
#define SEEN_MAX	   8192

struct seen {
	char src[DYN_CIDR_LEN];
	int64_t first, last;
	uint64_t syns, dropped;
};

static struct daemon {
	struct ctld_opts o; /* the command line */
	struct policy_src pol;
	struct engine eng;
	const char *bypass_argv[8];
	/* state */
	struct dyn_state dyn;
	struct server *srv;
	int64_t started, last_ok_ms, next_hb_ms, reload_at_ms, next_sum_ms;
	int healthy;  /* -1 unknown, 0 down, 1 up */
	int bypassed; /* the bypass is engaged */
	uint64_t gen_next, gen_pushed, gen_queued, gen_failed;
	int need_push;
	int wfd;	     /* the engine worker's eventfd */
	int bypass_asked;    /* a bypass transition is with the worker */
	double last_push_ms; /* engine time of the last push that worked */
	char push_error[512];
	uint64_t pushes_ok, pushes_failed, repushes;
	uint64_t reloads_ok, reloads_failed;
	int last_reload_ok;
	int64_t last_reload_at;
	double last_reload_ms;
	char last_reload_source[16];
	struct strv last_errors;
	uint64_t bypass_engaged_n, bypass_disengaged_n, bypass_failed_n;
	uint64_t heartbeat_failures, expired_n;
	uint64_t sum_syns, sum_dropped; /* at the last summary line */
	struct snapshot *snap;
	struct seen *seen;
	size_t n_seen;
	int stop;
} d;

/* ---- helpers ---- */

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void sd_notify_msg(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path))
		return;
	strcpy(sa.sun_path, path);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
			  strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
	close(fd);
}

/* ---- pushing the image ---- */

/* Build the image and queue it for the engine worker; 0 or -errno
 * (the image does not compile: errors in errs). The push's own result
 * comes back through on_worker(). */
static int push(struct strv *errs)
{
	struct mxg_policy_header *image = NULL;
	uint64_t gen = ++d.gen_next;
	int rc;

	/* the learned blocks (ctld_bgp.c) join the local ones */
	rc = policy_build(&d.pol, bgp_image_state(&d.dyn), gen, &image, errs);
	if (rc) {
		LOG(ERR, "policy", "cannot build the image: %s",
		    errs->n ? errs->v[0] : strerror(-rc));
		d.pushes_failed++;
		return rc;
	}
	bgp_image(image);
	feeds_image(image);
	auto_image(image);
	bgp_changed(&d.dyn, d.snap, 0);
	feeds_update(bgp_image_state(&d.dyn), d.snap);
	d.gen_queued = gen;
	worker_push(image, gen);
	return 0;
}

/* A push is with the worker (queued or running). */
static int push_in_flight(void)
{
	return d.gen_queued > d.gen_pushed && d.gen_queued > d.gen_failed;
}

/* Reload the file; 0 (compiled, queued for the engine) or -EINVAL
 * (rejected, errs). */
static int do_reload(const char *source, struct strv *errs)
{
	struct timespec t0;
	unsigned int i;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = policy_load(&d.pol, errs);
	if (!rc) {
		auto_config(d.pol.doc);
		rc = push(errs);
	}
	d.last_reload_ms = ms_since(&t0);
	d.last_reload_at = wall_s();
	snprintf(d.last_reload_source, sizeof(d.last_reload_source), "%s",
		 source);
	strv_free(&d.last_errors);
	for (i = 0; i < errs->n; i++)
		strv_add(&d.last_errors, "%s", errs->v[i]);
	d.last_reload_ok = rc == 0;
	if (rc == -EINVAL) {
		d.reloads_failed++;
		LOG(ERR, "policy",
		    "reload (%s) rejected, %u error line(s); the policy in "
		    "force stays:",
		    source, errs->n);
		for (i = 0; i < errs->n && i < 20; i++)
			LOG(ERR, "policy", "%s", errs->v[i]);
	} else if (rc) {
		d.reloads_failed++;
	} else {
		d.reloads_ok++;
		LOG(NOTICE, "policy",
		    "reload (%s): %s in force, %u rules, %lu prefixes, "
		    "%.1f ms",
		    source, d.pol.path, d.pol.n_rules, d.pol.n_prefixes,
		    d.last_reload_ms);
	}
	return rc;
}

static int save_state(void)
{
	int rc = state_save(d.o.state_path, &d.dyn);

	if (rc)
		LOG(ERR, "state", "%s: %s", d.o.state_path, strerror(-rc));
	return rc;
}

/* ---- the fail-open bypass ---- */

/* Ask the worker for a transition; its result comes to on_worker(). */
static void bypass_set(int engage)
{
	if (d.bypassed == engage || d.bypass_asked || !d.o.bypass_cmd)
		return;
	d.bypass_asked = 1;
	worker_bypass(engage, d.bypassed);
}

static void bypass_done(int engage, int rc)
{
	const char *verb = engage ? "engage" : "disengage";

	d.bypass_asked = 0;
	if (rc) {
		d.bypass_failed_n++;
		LOG(ERR, "watchdog", "%s %s --ports %s: %s", d.o.bypass_cmd,
		    verb, d.o.bypass_ports ? d.o.bypass_ports : "-",
		    rc == -EIO ? "failed" : strerror(-rc));
		return;
	}
	d.bypassed = engage;
	if (engage)
		d.bypass_engaged_n++;
	else
		d.bypass_disengaged_n++;
	LOG(NOTICE, "watchdog", "bypass %s (%s %s)",
	    engage ? "ENGAGED: traffic goes around the data plane" :
		     "disengaged: the data plane is back in the path",
	    d.o.bypass_cmd, verb);
}

/* ---- top offenders' first/last seen ---- */

static struct seen *seen_get(const char *src, int64_t now)
{
	size_t i, old = 0;

	for (i = 0; i < d.n_seen; i++)
		if (!strcmp(d.seen[i].src, src))
			return &d.seen[i];
	if (d.n_seen < SEEN_MAX) {
		i = d.n_seen++;
	} else {
		for (i = 1; i < d.n_seen; i++)
			if (d.seen[i].last < d.seen[old].last)
				old = i;
		i = old;
	}
	memset(&d.seen[i], 0, sizeof(d.seen[i]));
	snprintf(d.seen[i].src, sizeof(d.seen[i].src), "%s", src);
	d.seen[i].first = d.seen[i].last = now;
	return &d.seen[i];
}

static void seen_update(const struct snapshot *s)
{
	unsigned int i;

	for (i = 0; i < s->n_top; i++) {
		struct seen *e = seen_get(s->top[i].src, s->at);

		if (e->syns != s->top[i].syns)
			e->last = s->at;
		e->syns = s->top[i].syns;
		e->dropped = s->top[i].dropped;
	}
}

/* ---- metrics ---- */

static const char *const ok_error[] = { "ok", "error" };

/* The daemon's own metrics: always on the page. */
static void render_daemon(FILE *f)
{
	static const char *const kinds[] = { "block", "allow" };
	static const char *const to[] = { "engaged", "disengaged" };

	metric_one(f, "mxgate_up", "gauge",
		   "1 if the engine answered its last heartbeat",
		   d.healthy == 1);
	metric_one(f, "mxgate_heartbeat_failures_total", "counter",
		   "Heartbeats the engine did not answer",
		   (double)d.heartbeat_failures);
	metric_one(f, "mxgate_policy_generation", "gauge",
		   "Generation of the image mxgated last put in force",
		   (double)d.gen_pushed);
	metric_one(f, "mxgate_policy_rules", "gauge",
		   "Rules in the operator's policy", d.pol.n_rules);
	METRIC_LABELLED(f, "mxgate_reloads_total", "counter",
			"Policy reloads by result (ok, error)", "result",
			ok_error, (double)d.reloads_ok,
			(double)d.reloads_failed);
	metric_one(f, "mxgate_reload_last_success", "gauge",
		   "1 if the last reload put its policy in force",
		   d.last_reload_ok);
	metric_one(f, "mxgate_reload_last_timestamp_seconds", "gauge",
		   "Unix time of the last reload", (double)d.last_reload_at);
	metric_one(f, "mxgate_reload_last_duration_seconds", "gauge",
		   "Time the last reload took, compile and push",
		   d.last_reload_ms / 1e3);
	METRIC_LABELLED(f, "mxgate_image_pushes_total", "counter",
			"Images pushed to the engine by result", "result",
			ok_error, (double)d.pushes_ok, (double)d.pushes_failed);
	METRIC_LABELLED(f, "mxgate_dynamic_entries", "gauge",
			"Dynamic entries in force by kind (block, allow)",
			"kind", kinds, (double)dyn_count(&d.dyn, DYN_BLOCK),
			(double)dyn_count(&d.dyn, DYN_ALLOW));
	metric_one(f, "mxgate_dynamic_expired_total", "counter",
		   "Dynamic entries removed because their TTL ran out",
		   (double)d.expired_n);
	metric_one(f, "mxgate_brake_active", "gauge",
		   "1 while the brake is pulled", d.dyn.brake.active);
	metric_one(f, "mxgate_brake_rate_per_second", "gauge",
		   "The brake's rate (0 when off)",
		   d.dyn.brake.active ? d.dyn.brake.per_second : 0.0);
	metric_one(f, "mxgate_bypass_engaged", "gauge",
		   "1 while the fail-open bypass is engaged", d.bypassed);
	METRIC_LABELLED(f, "mxgate_bypass_transitions_total", "counter",
			"Bypass transitions by direction (engaged, disengaged)",
			"to", to, (double)d.bypass_engaged_n,
			(double)d.bypass_disengaged_n);
	metric_one(f, "mxgate_bypass_failures_total", "counter",
		   "Bypass actuator runs that failed",
		   (double)d.bypass_failed_n);
}

/* A family of one uint64_t sample, read at 'off' in a struct. */
struct metric_row {
	const char *name, *type, *help;
	size_t off;
};
#define M_ROW(ST, FLD, NAME, TYPE, HELP)                                       \
	{                                                                      \
		NAME, TYPE, HELP, offsetof(ST, FLD)                            \
	}
#define N_ROWS(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t field_u64(const void *base, size_t off)
{
	return *(const uint64_t *)((const uint8_t *)base + off);
}

static void rows(FILE *f, const struct metric_row *r, size_t n,
		 const void *base)
{
	size_t i;

	for (i = 0; i < n; i++) { /* exact: not through a double */
		metric_family(f, r[i].name, r[i].type, r[i].help);
		fprintf(f, "%s %" PRIu64 "\n", r[i].name,
			field_u64(base, r[i].off));
	}
}

static const struct metric_row total_rows[] = {
	M_ROW(struct mxg_totals, packets, "mxgate_packets_total", "counter",
	      "Frames seen"),
	M_ROW(struct mxg_totals, forwarded, "mxgate_forwarded_total", "counter",
	      "Frames forwarded"),
	M_ROW(struct mxg_totals, unparsed, "mxgate_unparsed_total", "counter",
	      "Frames the parser could not read"),
	M_ROW(struct mxg_totals, smtp_syns, "mxgate_attempts_total", "counter",
	      "SMTP connection attempts"),
	M_ROW(struct mxg_totals, smtp_passed, "mxgate_passes_total", "counter",
	      "Attempts passed"),
	M_ROW(struct mxg_totals, smtp_dropped, "mxgate_drops_total", "counter",
	      "Attempts dropped, resets included"),
	M_ROW(struct mxg_totals, reset, "mxgate_resets_total", "counter",
	      "Attempts answered with a RST"),
	M_ROW(struct mxg_totals, would_drop, "mxgate_would_drops_total",
	      "counter", "Attempts monitor mode would have dropped"),
};

/* Per rule of the image in force (label rule). */
static const struct metric_row rule_rows[] = {
	M_ROW(struct mxg_rule_counters, matched, "mxgate_rule_attempts_total",
	      "counter", "Attempts that reached the rule and matched it"),
	M_ROW(struct mxg_rule_counters, passed, "mxgate_rule_passes_total",
	      "counter", "Attempts the rule passed"),
	M_ROW(struct mxg_rule_counters, dropped, "mxgate_rule_drops_total",
	      "counter", "Attempts the rule dropped, resets included"),
	M_ROW(struct mxg_rule_counters, reset, "mxgate_rule_resets_total",
	      "counter",
	      "Attempts the rule answered with a RST (of its drops)"),
	M_ROW(struct mxg_rule_counters, would_drop,
	      "mxgate_rule_would_drops_total", "counter",
	      "Attempts the rule would have dropped (monitor mode)"),
};

static const struct metric_row table_rows[] = {
	M_ROW(struct snap_table, capacity, "mxgate_source_table_capacity",
	      "gauge", "Sources the source table holds"),
	M_ROW(struct snap_table, entries, "mxgate_source_table_entries",
	      "gauge",
	      "Sources in the source table, as the engine counts them (inserts "
	      "minus evictions)"),
	M_ROW(struct snap_table, takes, "mxgate_source_table_lookups_total",
	      "counter", "Source table lookups (takes)"),
	M_ROW(struct snap_table, inserts, "mxgate_source_table_inserts_total",
	      "counter", "Sources inserted in the source table"),
};

/* mxgate-dp's own */
static const struct metric_row dp_rows[] = {
	M_ROW(struct snapshot, rx, "mxgate_dp_rx_total", "counter",
	      "Frames received by the workers"),
	M_ROW(struct snapshot, tx, "mxgate_dp_tx_total", "counter",
	      "Frames sent by the workers"),
	M_ROW(struct snapshot, tx_dropped, "mxgate_dp_tx_dropped_total",
	      "counter", "Frames the tx rings did not take"),
	M_ROW(struct snapshot, rst_sent, "mxgate_rst_sent_total", "counter",
	      "RSTs sent"),
	M_ROW(struct snapshot, dp_reloads, "mxgate_dp_reloads_total", "counter",
	      "Images the data plane put in force"),
};

/* Per port of mxgate-dp (label port): its ethdev stats. */
static const struct metric_row port_rows[] = {
	M_ROW(struct snap_port, ipackets, "mxgate_port_rx_packets_total",
	      "counter", "Packets the port received"),
	M_ROW(struct snap_port, opackets, "mxgate_port_tx_packets_total",
	      "counter", "Packets the port sent"),
	M_ROW(struct snap_port, imissed, "mxgate_port_rx_missed_total",
	      "counter", "Packets the port dropped for lack of rx descriptors"),
	M_ROW(struct snap_port, ierrors, "mxgate_port_rx_errors_total",
	      "counter", "Receive errors"),
	M_ROW(struct snap_port, oerrors, "mxgate_port_tx_errors_total",
	      "counter", "Transmit errors"),
	M_ROW(struct snap_port, rx_nombuf, "mxgate_port_rx_nombuf_total",
	      "counter", "Receive failures for lack of mbufs"),
};

/* The engine's counters at the last heartbeat. */
static void render_engine(FILE *f, const struct snapshot *s)
{
	static const char *const evict_kinds[] = { "lossless", "lossy" };
	size_t r;
	unsigned int i;

	rows(f, total_rows, N_ROWS(total_rows), &s->totals);
	for (r = 0; r < N_ROWS(rule_rows); r++) {
		metric_family(f, rule_rows[r].name, rule_rows[r].type,
			      rule_rows[r].help);
		for (i = 0; i < s->n_rules; i++) {
			fprintf(f, "%s{rule=\"", rule_rows[r].name);
			metric_label_value(f, s->rules[i].name);
			fprintf(f, "\"} %" PRIu64 "\n",
				field_u64(&s->rules[i].c, rule_rows[r].off));
		}
	}
	if (s->have_table) {
		rows(f, table_rows, N_ROWS(table_rows), &s->table);
		METRIC_LABELLED(f, "mxgate_source_table_evictions_total",
				"counter",
				"Evictions: lossless (a full bucket) or lossy",
				"kind", evict_kinds,
				(double)s->table.evict_lossless,
				(double)s->table.evict_lossy);
	}
	if (!s->have_dp)
		return;
	rows(f, dp_rows, N_ROWS(dp_rows), s);
	for (r = 0; r < N_ROWS(port_rows); r++) {
		metric_family(f, port_rows[r].name, port_rows[r].type,
			      port_rows[r].help);
		for (i = 0; i < s->n_ports; i++)
			fprintf(f, "%s{port=\"%u\"} %" PRIu64 "\n",
				port_rows[r].name, s->ports[i].port,
				field_u64(&s->ports[i], port_rows[r].off));
	}
}

static void render_metrics(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	render_daemon(f);
	bgp_metrics(f);
	feeds_metrics(f);
	auto_metrics(f, &d.dyn);
	if (d.snap && d.snap->valid)
		render_engine(f, d.snap);
	fclose(f);
	if (buf)
		metrics_publish(buf, len);
	free(buf);
}

/* ---- replies ---- */

static cJSON *reply_new(int status, const char *error)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddNumberToObject(r, "status", status);
	if (error)
		cJSON_AddStringToObject(r, "error", error);
	return r;
}

static void add_errors(cJSON *r, const struct strv *errs)
{
	cJSON *a = cJSON_AddArrayToObject(r, "errors");
	unsigned int i;

	for (i = 0; i < errs->n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(errs->v[i]));
}

static const char *jstr(const cJSON *req, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int jint(const cJSON *req, const char *key, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, key);

	if (!v)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e12)
		return -EINVAL;
	*out = (int64_t)v->valuedouble;
	return 1;
}

static cJSON *brake_json(void)
{
	cJSON *b = cJSON_CreateObject();

	cJSON_AddBoolToObject(b, "active", d.dyn.brake.active);
	if (d.dyn.brake.active) {
		cJSON_AddStringToObject(b, "rate", d.dyn.brake.rate);
		cJSON_AddNumberToObject(b, "burst", d.dyn.brake.burst);
		cJSON_AddNumberToObject(b, "expires",
					(double)d.dyn.brake.expires);
		cJSON_AddNumberToObject(b, "created",
					(double)d.dyn.brake.created);
		cJSON_AddStringToObject(b, "reason", d.dyn.brake.reason);
	}
	return b;
}

static cJSON *cmd_status(void)
{
	cJSON *r = reply_new(0, NULL), *o;

	cJSON_AddStringToObject(r, "version", CTLD_VERSION);
	cJSON_AddNumberToObject(r, "pid", getpid());
	cJSON_AddNumberToObject(r, "uptime", (double)(wall_s() - d.started));
	cJSON_AddStringToObject(r, "engine",
				d.eng.kind == ENGINE_DP	 ? "dp" :
				d.eng.kind == ENGINE_XDP ? "xdp" :
							   "none");
	cJSON_AddStringToObject(r, "target",
				d.eng.kind == ENGINE_DP	 ? d.eng.dp_sock :
				d.eng.kind == ENGINE_XDP ? d.eng.xdp_ifaces[0] :
							   "-");
	cJSON_AddStringToObject(r, "health",
				d.healthy == 1 ? "up" :
				d.healthy == 0 ? "down" :
						 "unknown");
	cJSON_AddStringToObject(r, "policy", d.pol.path);
	cJSON_AddNumberToObject(r, "rules", d.pol.n_rules);
	cJSON_AddNumberToObject(r, "prefixes", (double)d.pol.n_prefixes);
	cJSON_AddNumberToObject(r, "generation", (double)d.gen_pushed);
	cJSON_AddBoolToObject(r, "in_force",
			      d.gen_pushed && d.gen_pushed == d.gen_queued);
	if (d.push_error[0] && d.gen_failed > d.gen_pushed)
		cJSON_AddStringToObject(r, "push_error", d.push_error);
	o = cJSON_AddObjectToObject(r, "reloads");
	cJSON_AddNumberToObject(o, "ok", (double)d.reloads_ok);
	cJSON_AddNumberToObject(o, "failed", (double)d.reloads_failed);
	cJSON_AddStringToObject(o, "last_result",
				d.last_reload_ok ? "ok" : "error");
	cJSON_AddStringToObject(o, "last_source", d.last_reload_source);
	cJSON_AddNumberToObject(o, "last_at", (double)d.last_reload_at);
	cJSON_AddNumberToObject(o, "last_ms", d.last_reload_ms);
	cJSON_AddNumberToObject(o, "last_push_ms", d.last_push_ms);
	add_errors(o, &d.last_errors);
	o = cJSON_AddObjectToObject(r, "dynamic");
	cJSON_AddNumberToObject(o, "block",
				(double)dyn_count(&d.dyn, DYN_BLOCK));
	cJSON_AddNumberToObject(o, "allow",
				(double)dyn_count(&d.dyn, DYN_ALLOW));
	cJSON_AddItemToObject(r, "brake", brake_json());
	o = cJSON_AddObjectToObject(r, "bypass");
	cJSON_AddStringToObject(o, "failure",
				d.o.failure == CTLD_FAIL_OPEN ? "open" :
								"closed");
	cJSON_AddBoolToObject(o, "engaged", d.bypassed);
	cJSON_AddNumberToObject(
		o, "transitions",
		(double)(d.bypass_engaged_n + d.bypass_disengaged_n));
	o = bgp_status();
	if (o)
		cJSON_AddItemToObject(r, "bgp", o);
	o = auto_status(&d.dyn);
	if (o)
		cJSON_AddItemToObject(r, "auto_block", o);
	return r;
}

static cJSON *cmd_stats(void)
{
	const struct snapshot *s = d.snap;
	cJSON *r, *o, *a;
	unsigned int i;

	if (!s || !s->valid)
		return reply_new(-ENODATA, "no counters yet: the engine has "
					   "not answered a heartbeat");
	r = reply_new(0, NULL);
	cJSON_AddNumberToObject(r, "at", (double)s->at);
	cJSON_AddNumberToObject(r, "generation", (double)s->generation);
	o = cJSON_AddObjectToObject(r, "totals");
	cJSON_AddNumberToObject(o, "packets", (double)s->totals.packets);
	cJSON_AddNumberToObject(o, "forwarded", (double)s->totals.forwarded);
	cJSON_AddNumberToObject(o, "unparsed", (double)s->totals.unparsed);
	cJSON_AddNumberToObject(o, "attempts", (double)s->totals.smtp_syns);
	cJSON_AddNumberToObject(o, "passed", (double)s->totals.smtp_passed);
	cJSON_AddNumberToObject(o, "dropped", (double)s->totals.smtp_dropped);
	cJSON_AddNumberToObject(o, "reset", (double)s->totals.reset);
	cJSON_AddNumberToObject(o, "would_drop", (double)s->totals.would_drop);
	a = cJSON_AddArrayToObject(r, "rules");
	for (i = 0; i < s->n_rules; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", s->rules[i].name);
		cJSON_AddNumberToObject(o, "matched",
					(double)s->rules[i].c.matched);
		cJSON_AddNumberToObject(o, "passed",
					(double)s->rules[i].c.passed);
		cJSON_AddNumberToObject(o, "dropped",
					(double)s->rules[i].c.dropped);
		cJSON_AddNumberToObject(o, "would_drop",
					(double)s->rules[i].c.would_drop);
		cJSON_AddNumberToObject(o, "reset",
					(double)s->rules[i].c.reset);
		cJSON_AddItemToArray(a, o);
	}
	if (s->have_table) {
		o = cJSON_AddObjectToObject(r, "table");
		cJSON_AddNumberToObject(o, "capacity",
					(double)s->table.capacity);
		cJSON_AddNumberToObject(o, "entries", (double)s->table.entries);
		cJSON_AddNumberToObject(o, "inserts", (double)s->table.inserts);
		cJSON_AddNumberToObject(o, "evict_lossless",
					(double)s->table.evict_lossless);
		cJSON_AddNumberToObject(o, "evict_lossy",
					(double)s->table.evict_lossy);
	}
	if (s->have_dp) {
		a = cJSON_AddArrayToObject(r, "ports");
		for (i = 0; i < s->n_ports; i++) {
			o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "port", s->ports[i].port);
			cJSON_AddStringToObject(o, "driver",
						s->ports[i].driver);
			cJSON_AddNumberToObject(o, "rx",
						(double)s->ports[i].ipackets);
			cJSON_AddNumberToObject(o, "tx",
						(double)s->ports[i].opackets);
			cJSON_AddNumberToObject(o, "missed",
						(double)s->ports[i].imissed);
			cJSON_AddNumberToObject(o, "rx_nombuf",
						(double)s->ports[i].rx_nombuf);
			cJSON_AddItemToArray(a, o);
		}
	}
	return r;
}

/* top: the data plane's top sources, aggregated per prefix length. */
struct agg {
	char prefix[DYN_CIDR_LEN];
	uint64_t attempts, dropped;
	int64_t first, last;
};

static int agg_cmp(const void *a, const void *b)
{
	const struct agg *x = a, *y = b;

	if (x->dropped != y->dropped)
		return x->dropped > y->dropped ? -1 : 1;
	if (x->attempts != y->attempts)
		return x->attempts > y->attempts ? -1 : 1;
	return strcmp(x->prefix, y->prefix);
}

static cJSON *cmd_top(const cJSON *req)
{
	static const struct {
		int fam, plen;
	} levels[] = { { 4, 32 },  { 4, 24 }, { 4, 16 },
		       { 6, 128 }, { 6, 64 }, { 6, 48 } };
	const struct snapshot *s = d.snap;
	struct agg *ag;
	int64_t n = 10;
	cJSON *r, *ls;
	size_t li;

	if (jint(req, "n", &n) < 0 || n < 1 || n > SNAP_TOP_MAX)
		return reply_new(-EINVAL, "n: 1..500");
	if (!s || !s->valid)
		return reply_new(-ENODATA, "no counters yet: the engine has "
					   "not answered a heartbeat");
	ag = calloc(SNAP_TOP_MAX, sizeof(*ag));
	if (!ag)
		return reply_new(-ENOMEM, "out of memory");
	r = reply_new(0, NULL);
	cJSON_AddNumberToObject(r, "at", (double)s->at);
	cJSON_AddNumberToObject(r, "sources", s->n_top);
	/* mxgate-dp: its top sources (space-saving); XDP: the program's
	 * per-source report (mxg_top, a vote per slot) */
	cJSON_AddStringToObject(r, "engine", s->have_dp ? "dp" : "xdp");
	ls = cJSON_AddArrayToObject(r, "levels");
	for (li = 0; li < sizeof(levels) / sizeof(levels[0]); li++) {
		size_t na = 0, i, j;
		cJSON *lv, *ents;

		for (i = 0; i < s->n_top; i++) {
			const struct snap_src *t = &s->top[i];
			struct seen *se = NULL;
			uint8_t b[16];
			char txt[INET6_ADDRSTRLEN], key[DYN_CIDR_LEN];
			int fam = strchr(t->src, ':') ? 6 : 4, k;

			if (fam != levels[li].fam ||
			    inet_pton(fam == 4 ? AF_INET : AF_INET6, t->src,
				      b) != 1)
				continue;
			for (k = levels[li].plen; k < (fam == 4 ? 32 : 128);
			     k++)
				b[k / 8] &= (uint8_t) ~(0x80 >> (k % 8));
			inet_ntop(fam == 4 ? AF_INET : AF_INET6, b, txt,
				  sizeof(txt));
			snprintf(key, sizeof(key), "%s/%d", txt,
				 levels[li].plen);
			for (j = 0; j < d.n_seen; j++)
				if (!strcmp(d.seen[j].src, t->src)) {
					se = &d.seen[j];
					break;
				}
			for (j = 0; j < na; j++)
				if (!strcmp(ag[j].prefix, key))
					break;
			if (j == na) {
				memset(&ag[na], 0, sizeof(ag[na]));
				snprintf(ag[na].prefix, sizeof(ag[na].prefix),
					 "%s", key);
				na++;
			}
			ag[j].attempts += t->syns;
			ag[j].dropped += t->dropped;
			if (se) {
				if (!ag[j].first || se->first < ag[j].first)
					ag[j].first = se->first;
				if (se->last > ag[j].last)
					ag[j].last = se->last;
			}
		}
		qsort(ag, na, sizeof(*ag), agg_cmp);
		lv = cJSON_CreateObject();
		cJSON_AddStringToObject(lv, "family",
					levels[li].fam == 4 ? "ipv4" : "ipv6");
		cJSON_AddNumberToObject(lv, "prefix_len", levels[li].plen);
		ents = cJSON_AddArrayToObject(lv, "entries");
		for (i = 0; i < na && i < (size_t)n; i++) {
			cJSON *e = cJSON_CreateObject();

			cJSON_AddStringToObject(e, "prefix", ag[i].prefix);
			cJSON_AddNumberToObject(e, "attempts",
						(double)ag[i].attempts);
			cJSON_AddNumberToObject(e, "dropped",
						(double)ag[i].dropped);
			cJSON_AddNumberToObject(e, "first_seen",
						(double)ag[i].first);
			cJSON_AddNumberToObject(e, "last_seen",
						(double)ag[i].last);
			cJSON_AddItemToArray(ents, e);
		}
		cJSON_AddItemToArray(ls, lv);
	}
	free(ag);
	return r;
}

static cJSON *cmd_list(const cJSON *req)
{
	const char *kind = jstr(req, "kind");
	cJSON *r, *a;
	size_t i;
	int want = -1;

	if (kind && !strcmp(kind, "block"))
		want = DYN_BLOCK;
	else if (kind && !strcmp(kind, "allow"))
		want = DYN_ALLOW;
	else if (kind && strcmp(kind, "all"))
		return reply_new(-EINVAL, "kind: block, allow or all");
	r = reply_new(0, NULL);
	cJSON_AddNumberToObject(r, "now", (double)wall_s());
	a = cJSON_AddArrayToObject(r, "entries");
	for (i = 0; i < d.dyn.n; i++) {
		const struct dyn_entry *e = &d.dyn.v[i];
		cJSON *o;

		if (want >= 0 && e->kind != want)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(
			o, "kind", e->kind == DYN_BLOCK ? "block" : "allow");
		cJSON_AddStringToObject(o, "cidr", e->cidr);
		cJSON_AddNumberToObject(o, "expires", (double)e->expires);
		cJSON_AddNumberToObject(o, "created", (double)e->created);
		cJSON_AddStringToObject(o, "reason", e->reason);
		cJSON_AddStringToObject(o, "origin",
					e->origin == DYN_ORIGIN_AUTO ? "auto" :
								       "local");
		cJSON_AddItemToArray(a, o);
	}
	if (want != DYN_ALLOW)
		bgp_list(a);
	cJSON_AddItemToObject(r, "brake", brake_json());
	return r;
}

/* After a change of the dynamic entries: persist, then push. */
static cJSON *commit_change(struct dyn_state *undo, const char *what)
{
	struct strv errs = { 0 };
	cJSON *r;
	int rc;

	rc = save_state();
	if (rc) {
		dyn_free(&d.dyn);
		d.dyn = *undo;
		return reply_new(rc, "cannot write the state file; nothing "
				     "changed");
	}
	rc = push(&errs);
	if (rc == -EINVAL || rc == -ENOMEM) {
		dyn_free(&d.dyn);
		d.dyn = *undo;
		save_state();
		r = reply_new(rc, "the policy with this entry does not "
				  "compile; nothing changed");
		add_errors(r, &errs);
		strv_free(&errs);
		return r;
	}
	dyn_free(undo);
	LOG(NOTICE, "dynamic", "%s", what);
	r = reply_new(0, NULL);
	/* The reply does not wait for the engine (README "Engines"). */
	cJSON_AddNumberToObject(r, "generation", (double)d.gen_queued);
	cJSON_AddBoolToObject(r, "in_force", d.gen_pushed == d.gen_queued);
	if (d.eng.kind != ENGINE_NONE && d.healthy == 0)
		cJSON_AddStringToObject(r, "warning",
					"saved; the engine is down: pushed "
					"when it answers again");
	strv_free(&errs);
	render_metrics();
	return r;
}

static int dyn_copy(struct dyn_state *dst)
{
	*dst = d.dyn;
	dst->v = NULL;
	dst->cap = d.dyn.n ? d.dyn.n : 1;
	dst->v = malloc(dst->cap * sizeof(*dst->v));
	if (!dst->v)
		return -ENOMEM;
	if (d.dyn.n) /* v may be NULL */
		memcpy(dst->v, d.dyn.v, d.dyn.n * sizeof(*dst->v));
	return 0;
}

static cJSON *cmd_entry(const cJSON *req, int kind, int add)
{
	const char *cidr = jstr(req, "cidr"), *reason = jstr(req, "reason");
	char canon[DYN_CIDR_LEN], why[256], what[512];
	struct dyn_state undo;
	int64_t ttl = 0, now = wall_s();
	int rc;

	if (!cidr)
		return reply_new(-EINVAL, "cidr: missing");
	if (dyn_cidr_parse(cidr, canon, sizeof(canon), why, sizeof(why)))
		return reply_new(-EINVAL, why);
	if (jint(req, "ttl", &ttl) < 0)
		return reply_new(-EINVAL, "ttl: seconds, a number >= 0");
	if (reason && strlen(reason) >= DYN_REASON_LEN)
		return reply_new(-EINVAL, "reason: at most 127 bytes");
	if (dyn_copy(&undo))
		return reply_new(-ENOMEM, "out of memory");
	if (add) {
		rc = dyn_add(&d.dyn, kind, canon, ttl ? now + ttl : 0, now,
			     reason);
		if (rc < 0) {
			dyn_free(&undo);
			return reply_new(
				rc, rc == -E2BIG ? "too many dynamic entries" :
						   strerror(-rc));
		}
		snprintf(what, sizeof(what), "%s %s%s, ttl %" PRId64 " s%s%s",
			 kind == DYN_BLOCK ? "block" : "allow", canon,
			 rc == 1 ? " (updated)" : "", ttl,
			 reason ? ", reason: " : "", reason ? reason : "");
	} else {
		const struct dyn_entry *was = dyn_get(&d.dyn, kind, canon);

		if (was && was->origin == DYN_ORIGIN_AUTO)
			auto_forget(canon);
		rc = dyn_remove(&d.dyn, kind, canon);
		if (rc && kind == DYN_BLOCK && bgp_learned_origin(canon)) {
			dyn_free(&undo);
			snprintf(what, sizeof(what),
				 "%s is learned from %s: it goes when the peer "
				 "withdraws it or it expires (an allow that "
				 "overlaps it refuses it now)",
				 canon, bgp_learned_origin(canon));
			return reply_new(-ENOENT, what);
		}
		if (rc) {
			dyn_free(&undo);
			snprintf(what, sizeof(what), "%s is not %s", canon,
				 kind == DYN_BLOCK ? "blocked" : "allowed");
			return reply_new(-ENOENT, what);
		}
		snprintf(what, sizeof(what), "%s %s",
			 kind == DYN_BLOCK ? "unblock" : "unallow", canon);
	}
	return commit_change(&undo, what);
}

static cJSON *cmd_brake(const cJSON *req)
{
	const char *rate = jstr(req, "rate"), *reason = jstr(req, "reason");
	const cJSON *off = cJSON_GetObjectItemCaseSensitive(req, "off");
	struct dyn_state undo;
	int64_t ttl = 0, burst = 0, now = wall_s();
	char what[256];
	double ps;

	if (cJSON_IsTrue(off)) {
		if (!d.dyn.brake.active)
			return reply_new(-ENOENT, "the brake is not pulled");
		if (dyn_copy(&undo))
			return reply_new(-ENOMEM, "out of memory");
		memset(&d.dyn.brake, 0, sizeof(d.dyn.brake));
		return commit_change(&undo, "brake off");
	}
	if (!rate || (ps = dyn_rate_parse(rate)) <= 0 ||
	    strspn(rate, "0123456789") == 0 ||
	    (rate[strspn(rate, "0123456789")] &&
	     rate[strspn(rate, "0123456789")] != '/') ||
	    strlen(rate) >= DYN_RATE_LEN)
		return reply_new(-EINVAL, "rate: expected \"N/s\", \"N/min\" "
					  "or \"N/h\" (N a whole number)");
	if (jint(req, "ttl", &ttl) < 0 || jint(req, "burst", &burst) < 0 ||
	    burst > 1000000000)
		return reply_new(-EINVAL, "ttl, burst: whole numbers");
	if (reason && strlen(reason) >= DYN_REASON_LEN)
		return reply_new(-EINVAL, "reason: at most 127 bytes");
	if (dyn_copy(&undo))
		return reply_new(-ENOMEM, "out of memory");
	memset(&d.dyn.brake, 0, sizeof(d.dyn.brake));
	d.dyn.brake.active = 1;
	snprintf(d.dyn.brake.rate, sizeof(d.dyn.brake.rate), "%s", rate);
	d.dyn.brake.per_second = ps;
	d.dyn.brake.burst = burst ? (uint32_t)burst :
				    (ps < 1 ? 1 : (uint32_t)(ps + 0.999));
	d.dyn.brake.expires = ttl ? now + ttl : 0;
	d.dyn.brake.created = now;
	snprintf(d.dyn.brake.reason, sizeof(d.dyn.brake.reason), "%s",
		 reason ? reason : "");
	snprintf(what, sizeof(what),
		 "brake pulled at %s, burst %u, ttl %" PRId64 " s", rate,
		 d.dyn.brake.burst, ttl);
	return commit_change(&undo, what);
}

static cJSON *cmd_reload(void)
{
	struct strv errs = { 0 };
	cJSON *r;
	int rc = do_reload("cli", &errs);

	if (rc)
		r = reply_new(rc, "policy rejected; the policy in force stays");
	else
		r = reply_new(0, NULL);
	add_errors(r, &errs);
	cJSON_AddNumberToObject(r, "rules", d.pol.n_rules);
	cJSON_AddNumberToObject(r, "prefixes", (double)d.pol.n_prefixes);
	cJSON_AddNumberToObject(r, "generation", (double)d.gen_queued);
	cJSON_AddBoolToObject(r, "in_force",
			      !rc && d.gen_pushed == d.gen_queued);
	cJSON_AddNumberToObject(r, "ms", d.last_reload_ms);
	strv_free(&errs);
	render_metrics();
	return r;
}

static cJSON *handle(void *ctx, const cJSON *req)
{
	const char *cmd = jstr(req, "cmd");

	(void)ctx;
	if (!strcmp(cmd, "status"))
		return cmd_status();
	if (!strcmp(cmd, "stats"))
		return cmd_stats();
	if (!strcmp(cmd, "top"))
		return cmd_top(req);
	if (!strcmp(cmd, "reload"))
		return cmd_reload();
	if (!strcmp(cmd, "list"))
		return cmd_list(req);
	if (!strcmp(cmd, "block"))
		return cmd_entry(req, DYN_BLOCK, 1);
	if (!strcmp(cmd, "allow"))
		return cmd_entry(req, DYN_ALLOW, 1);
	if (!strcmp(cmd, "unblock"))
		return cmd_entry(req, DYN_BLOCK, 0);
	if (!strcmp(cmd, "unallow"))
		return cmd_entry(req, DYN_ALLOW, 0);
	if (!strcmp(cmd, "brake"))
		return cmd_brake(req);
	return reply_new(-EOPNOTSUPP, "unknown cmd");
}

/* ---- periodic work ---- */

/* auto_block (ctld_auto.c): sustained offenders of this heartbeat become
 * blocks, saved and pushed like the operator's. */
static void auto_blocks(void)
{
	struct strv errs = { 0 };
	int n = auto_heartbeat(&d.dyn, bgp_image_state(&d.dyn), d.snap,
			       mono_ms(), wall_s());

	if (n <= 0)
		return;
	save_state();
	push(&errs);
	strv_free(&errs);
}

/* A heartbeat's answer (the worker's poll): rc 0 and d.snap fresh, or
 * the error. */
static void heartbeat_result(int rc)
{
	int64_t now = mono_ms();

	if (rc == 0) {
		d.last_ok_ms = now;
		if (d.healthy != 1)
			LOG(NOTICE, "watchdog",
			    "engine up (generation %" PRIu64 " in force)",
			    d.snap->generation);
		d.healthy = 1;
		if ((d.snap->generation != d.gen_pushed || d.need_push) &&
		    !push_in_flight()) {
			struct strv errs = { 0 };

			LOG(NOTICE, "engine",
			    "engine reports generation %" PRIu64
			    ", mxgated pushed %" PRIu64 ": pushing again",
			    d.snap->generation, d.gen_pushed);
			d.repushes++;
			push(&errs);
			strv_free(&errs);
		}
		seen_update(d.snap);
		auto_blocks();
		bgp_changed(&d.dyn, d.snap, 1);
		feeds_update(bgp_image_state(&d.dyn), d.snap);
		if (d.bypassed)
			bypass_set(0);
	} else {
		/* Judged on failed answers only: a slow answer is not a dead
		 * data plane (a loaded host), and a stopped one fails its
		 * poll within CTLD_DP_TIMEOUT_MS. */
		d.heartbeat_failures++;
		LOG(WARN, "watchdog", "heartbeat: %s", strerror(-rc));
		if (d.healthy != 0 &&
		    now - d.last_ok_ms >= d.o.heartbeat_timeout_ms) {
			d.healthy = 0;
			LOG(ERR, "watchdog",
			    "engine down: no heartbeat for %" PRId64 " ms",
			    now - d.last_ok_ms);
		}
		if (d.healthy == 0 && d.o.failure == CTLD_FAIL_OPEN &&
		    !d.bypassed)
			bypass_set(1);
	}
	render_metrics();
}

/* The worker's eventfd is readable: take its results. */
static void on_worker(void)
{
	struct worker_result r;

	worker_collect(&r, d.snap);
	if (r.push_ok) {
		/* an image load answered is as good as a heartbeat (a load
		 * waits for mxgate-dp's workers, and the polls behind it) */
		d.last_ok_ms = mono_ms();
		d.pushes_ok += r.push_ok;
		if (r.push_ok_gen > d.gen_pushed)
			d.gen_pushed = r.push_ok_gen;
		d.last_push_ms = r.push_ms;
		LOG(INFO, "engine", "generation %" PRIu64 " in force (%.1f ms)",
		    d.gen_pushed, r.push_ms);
	}
	if (r.push_failed) {
		d.pushes_failed += r.push_failed;
		if (r.push_fail_gen > d.gen_failed)
			d.gen_failed = r.push_fail_gen;
		snprintf(d.push_error, sizeof(d.push_error), "%s", r.push_why);
		LOG(WARN, "engine", "push of generation %" PRIu64 ": %s",
		    r.push_fail_gen, r.push_why);
	}
	d.need_push = d.gen_failed > d.gen_pushed;
	if (r.bypass_done)
		bypass_done(r.bypass_engage, r.bypass_rc);
	if (r.poll_done)
		heartbeat_result(r.poll_rc);
	else if (r.push_ok || r.push_failed)
		render_metrics();
}

static void summary_line(void)
{
	const struct snapshot *s = d.snap;
	uint64_t syns, dropped;
	const struct snap_src *top = NULL;

	if (!s->valid)
		return;
	syns = s->totals.smtp_syns -
	       (s->totals.smtp_syns >= d.sum_syns ? d.sum_syns : 0);
	dropped = s->totals.smtp_dropped -
		  (s->totals.smtp_dropped >= d.sum_dropped ? d.sum_dropped : 0);
	d.sum_syns = s->totals.smtp_syns;
	d.sum_dropped = s->totals.smtp_dropped;
	if (s->n_top)
		top = &s->top[0];
	LOG(NOTICE, "summary",
	    "last %d s: %" PRIu64 " attempts, %" PRIu64 " dropped; top source "
	    "%s (%" PRIu64 " attempts, %" PRIu64 " dropped in total)",
	    d.o.summary_s, syns, dropped, top ? top->src : "-",
	    top ? top->syns : 0, top ? top->dropped : 0);
}

static void expire_entries(void)
{
	size_t gone = dyn_expire(&d.dyn, wall_s());
	struct strv errs = { 0 };

	if (!gone)
		return;
	d.expired_n += gone;
	LOG(NOTICE, "dynamic", "%zu entr%s expired", gone,
	    gone == 1 ? "y" : "ies");
	save_state();
	push(&errs);
	strv_free(&errs);
	render_metrics();
}

/* ---- start-up ---- */

int main(int argc, char **argv)
{
	struct pollfd pfd[4 + 1 + SERVER_CLIENTS_MAX];
	char why[512], pol_dir[PATH_MAX], *real;
	struct strv errs = { 0 };
	struct timespec t0;
	sigset_t mask;
	int sfd, ifd, rc, bfd;
	unsigned int i;

	mxg_cli_init("mxgated");
	ctld_opts_parse(&d.o, argc, argv); /* exits 2 on a bad argument */
	d.pol.path = d.o.policy;
	d.pol.set_dir_ok = d.o.set_dir;
	d.eng.kind = d.o.engine;
	d.eng.dp_sock = d.o.dp_sock;
	d.eng.pin_dir = d.o.pin_dir;
	d.eng.n_ifaces = d.o.n_ifaces;
	d.eng.xdp_ifaces[0] = d.o.ifaces[0];
	d.eng.xdp_ifaces[1] = d.o.ifaces[1];
	/* Blocked before any thread starts (the metrics server's), so they
	 * all inherit the mask and the signals reach only the signalfd. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	log_init(d.o.use_syslog, d.o.verbose ? LOG_LVL_INFO : LOG_LVL_NOTICE);
	signal(SIGPIPE, SIG_IGN);
	d.started = wall_s();
	d.healthy = -1;
	d.snap = calloc(1, sizeof(*d.snap));
	d.seen = calloc(SEEN_MAX, sizeof(*d.seen));
	if (!d.snap || !d.seen)
		return MXG_EXIT_FAIL;
	d.gen_next = (uint64_t)d.started << 16;
	real = realpath(d.pol.path, NULL);
	if (!real) {
		mxg_cli_error("%s: %s", d.pol.path, strerror(errno));
		return MXG_EXIT_USAGE;
	}
	snprintf(pol_dir, sizeof(pol_dir), "%s", real);
	free(real);
	d.pol.dir = strdup(dirname(pol_dir));

	/* The state: refused, and kept, when torn or corrupt. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = state_load(d.o.state_path, &d.dyn, wall_s(), why, sizeof(why));
	if (rc && rc != -ENOENT) {
		LOG(ERR, "state",
		    "refusing to start: %s. The file is kept as it is: "
		    "inspect it, then fix it or move it aside to start with "
		    "no dynamic entries",
		    why);
		return MXG_EXIT_FAIL;
	}
	LOG(NOTICE, "state", "%s: %zu blocks, %zu allows, brake %s (%.1f ms)",
	    d.o.state_path, dyn_count(&d.dyn, DYN_BLOCK),
	    dyn_count(&d.dyn, DYN_ALLOW), d.dyn.brake.active ? "on" : "off",
	    ms_since(&t0));

	rc = policy_load(&d.pol, &errs);
	if (rc) {
		LOG(ERR, "policy", "%s rejected, %u error line(s):", d.pol.path,
		    errs.n);
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.v[i]);
		strv_free(&errs);
		return MXG_EXIT_USAGE;
	}
	auto_config(d.pol.doc);
	d.last_reload_ok = 1;
	d.last_reload_at = wall_s();
	snprintf(d.last_reload_source, sizeof(d.last_reload_source), "start");
	if (engine_open(&d.eng, why, sizeof(why))) {
		LOG(ERR, "engine", "%s", why);
		return MXG_EXIT_FAIL;
	}
	i = 0;
	d.bypass_argv[i++] = d.o.bypass_cmd;
	d.bypass_argv[i++] = "engage"; /* or disengage */
	if (d.o.bypass_ports) {
		d.bypass_argv[i++] = "--ports";
		d.bypass_argv[i++] = d.o.bypass_ports;
	}
	if (d.o.bypass_netns) {
		d.bypass_argv[i++] = "--netns";
		d.bypass_argv[i++] = d.o.bypass_netns;
	}
	d.bypass_argv[i] = NULL;
	d.wfd = worker_start(&d.eng, d.bypass_argv);
	if (d.wfd < 0) {
		LOG(ERR, "engine", "worker: %s", strerror(-d.wfd));
		return MXG_EXIT_FAIL;
	}
	bfd = bgp_start();
	if (bfd < -1) {
		LOG(ERR, "bgp", "cannot start: %s", strerror(-bfd));
		return MXG_EXIT_FAIL;
	}
	if (server_open(&d.srv, d.o.sock_path, d.o.sock_group, handle, NULL))
		return MXG_EXIT_FAIL;
	if (!d.o.metrics_off &&
	    metrics_start(d.o.metrics_addr, d.o.metrics_port)) {
		server_close(d.srv);
		return MXG_EXIT_FAIL;
	}

	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (ifd >= 0 &&
	    inotify_add_watch(ifd, d.pol.dir,
			      IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0) {
		LOG(WARN, "policy", "inotify on %s: %s; reload with SIGHUP",
		    d.pol.dir, strerror(errno));
		close(ifd);
		ifd = -1;
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = push(&errs);
	strv_free(&errs);
	d.last_reload_ms = ms_since(&t0);
	d.last_ok_ms = mono_ms();
	d.next_hb_ms = mono_ms();
	d.next_sum_ms = mono_ms() + d.o.summary_s * 1000LL;
	LOG(NOTICE, "main",
	    "serving %s; policy %s (%u rules); engine %s; metrics %s%s%u",
	    d.o.sock_path, d.pol.path, d.pol.n_rules,
	    d.eng.kind == ENGINE_DP  ? d.eng.dp_sock :
	    d.eng.kind == ENGINE_XDP ? "xdp" :
				       "none",
	    d.o.metrics_off ? "off" : d.o.metrics_addr,
	    d.o.metrics_off ? "" : ":", d.o.metrics_off ? 0 : d.o.metrics_port);
	render_metrics();
	sd_notify_msg("READY=1");

	while (!d.stop) {
		int64_t now = mono_ms(), wake = d.next_hb_ms, t;
		unsigned int n = 0, ns;
		int timeout;

		t = dyn_next_expiry(&d.dyn);
		if (t) {
			t = now + (t - wall_s()) * 1000;
			if (t < wake)
				wake = t;
		}
		if (d.reload_at_ms && d.reload_at_ms < wake)
			wake = d.reload_at_ms;
		t = server_next_deadline(d.srv);
		if (t && t < wake)
			wake = t;
		if (d.next_sum_ms < wake)
			wake = d.next_sum_ms;
		t = bgp_next_wake();
		if (t && t < wake)
			wake = t;
		timeout = wake > now ? (int)(wake - now) : 0;

		pfd[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = ifd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = d.wfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = bfd, .events = POLLIN };
		ns = server_pollfds(
			d.srv, pfd + n,
			(unsigned int)(sizeof(pfd) / sizeof(pfd[0])) - n);
		if (poll(pfd, n + ns, timeout) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGHUP)
					d.reload_at_ms = mono_ms();
				else
					d.stop = 1;
			}
		}
		if (ifd >= 0 && (pfd[1].revents & POLLIN)) {
			char buf[4096] __attribute__((
				aligned(__alignof__(struct inotify_event))));
			const char *base = strrchr(d.pol.path, '/');
			ssize_t len;

			base = base ? base + 1 : d.pol.path;
			while ((len = read(ifd, buf, sizeof(buf))) > 0) {
				char *q;

				for (q = buf; q < buf + len;) {
					struct inotify_event *ev = (void *)q;

					if (ev->len && !strcmp(ev->name, base))
						d.reload_at_ms =
							mono_ms() +
							RELOAD_DEBOUNCE_MS;
					q += sizeof(*ev) + ev->len;
				}
			}
		}
		if (pfd[2].revents & POLLIN)
			on_worker();
		server_process(d.srv, pfd + n, ns);
		if (bfd >= 0 && (pfd[3].revents & POLLIN)) {
			bgp_collect();
			render_metrics();
		}
		if (bgp_tick(&d.dyn)) {
			push(&errs);
			strv_free(&errs);
			render_metrics();
		}
		now = mono_ms();
		if (d.reload_at_ms && now >= d.reload_at_ms) {
			d.reload_at_ms = 0;
			do_reload(pfd[0].revents & POLLIN ? "sighup" : "file",
				  &errs);
			strv_free(&errs);
			render_metrics();
		}
		t = dyn_next_expiry(&d.dyn);
		if (t && t <= wall_s())
			expire_entries();
		if (now >= d.next_hb_ms) {
			d.next_hb_ms = now + d.o.heartbeat_ms;
			if (d.eng.kind != ENGINE_NONE)
				worker_poll();
			sd_notify_msg("WATCHDOG=1");
		}
		if (now >= d.next_sum_ms) {
			d.next_sum_ms = now + d.o.summary_s * 1000LL;
			summary_line();
		}
	}
	LOG(NOTICE, "main", "stopping; the engine keeps the policy in force");
	server_close(d.srv);
	bgp_stop();
	metrics_stop();
	feeds_stop();
	auto_stop();
	if (worker_stop(2000))
		engine_close(&d.eng);
	else /* the worker is in an engine call; exit ends it */
		LOG(WARN, "engine",
		    "the engine did not answer in 2 s; exiting");
	policy_free(&d.pol);
	dyn_free(&d.dyn);
	strv_free(&d.last_errors);
	free(d.pol.dir);
	free(d.pol.set_dir_ok);
	free(d.snap);
	free(d.seen);
	close(sfd);
	if (ifd >= 0)
		close(ifd);
	return 0;
}
