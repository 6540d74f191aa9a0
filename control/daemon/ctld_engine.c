// SPDX-License-Identifier: BSD-3-Clause
/*
 * The engines mxgated drives:
 *  - ENGINE_DP: mxgate-dp over its control socket (include/mxgate/ctl.h).
 *    Every poll is a DP_STATS + STATS round trip, which doubles as the
 *    heartbeat; each call is bounded (CTLD_DP_TIMEOUT_MS). The caller
 *    compares the generation the data plane reports with the one it
 *    pushed, and pushes again when they differ (mxgate-dp restarted on
 *    its own --policy file).
 *  - ENGINE_XDP: the XDP program through libmxgate_xdp, pinned, so it
 *    keeps enforcing when mxgated exits; a restarted mxgated reopens the
 *    pinned instance. Its counters, source table and per-source report
 *    (mxg_top) are read from the program's maps.
 * Both fill the same snapshot: totals, rules by name, top sources, the
 * source table as the engine counts it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_client.h"
#include "mxgated.h"
#include "summary.h"
#include "top_sources.h"
#include "xdp_loader.h"

#define CTLD_DP_TIMEOUT_MS   5000
#define CTLD_LOAD_TIMEOUT_MS 30000

static uint64_t jnum(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) && v->valuedouble > 0 ?
		       (uint64_t)v->valuedouble :
		       0;
}

/* A JSON key and the uint64_t field it fills. */
struct jfield {
	const char *key;
	size_t off;
};

static void jfields(const cJSON *o, const struct jfield *f, size_t n, void *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		*(uint64_t *)((uint8_t *)out + f[i].off) = jnum(o, f[i].key);
}

#define JF(ST, KEY, FLD)                                                       \
	{                                                                      \
		KEY, offsetof(ST, FLD)                                         \
	}
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* mxgate-dp's DP_STATS reply (dataplane/dpdk/dp_stats.c) */
static const struct jfield dp_fields[] = {
	JF(struct snapshot, "generation", generation),
	JF(struct snapshot, "rx", rx),
	JF(struct snapshot, "tx", tx),
	JF(struct snapshot, "tx_dropped", tx_dropped),
	JF(struct snapshot, "rst_sent", rst_sent),
	JF(struct snapshot, "reloads", dp_reloads),
};
static const struct jfield table_fields[] = {
	JF(struct snap_table, "capacity", capacity),
	JF(struct snap_table, "entries", entries),
	JF(struct snap_table, "takes", takes),
	JF(struct snap_table, "inserts", inserts),
	JF(struct snap_table, "evict_lossless", evict_lossless),
	JF(struct snap_table, "evict_lossy", evict_lossy),
};
static const struct jfield port_fields[] = {
	JF(struct snap_port, "port", port),
	JF(struct snap_port, "ipackets", ipackets),
	JF(struct snap_port, "opackets", opackets),
	JF(struct snap_port, "imissed", imissed),
	JF(struct snap_port, "ierrors", ierrors),
	JF(struct snap_port, "oerrors", oerrors),
	JF(struct snap_port, "rx_nombuf", rx_nombuf),
};
/* The summary JSON (dataplane/core/summary.c) */
static const struct jfield total_fields[] = {
	JF(struct mxg_totals, "packets", packets),
	JF(struct mxg_totals, "forwarded", forwarded),
	JF(struct mxg_totals, "unparsed", unparsed),
	JF(struct mxg_totals, "smtp_syns", smtp_syns),
	JF(struct mxg_totals, "smtp_passed", smtp_passed),
	JF(struct mxg_totals, "smtp_dropped", smtp_dropped),
	JF(struct mxg_totals, "reset", reset),
	JF(struct mxg_totals, "would_drop", would_drop),
};
static const struct jfield rule_fields[] = {
	JF(struct mxg_rule_counters, "matched", matched),
	JF(struct mxg_rule_counters, "passed", passed),
	JF(struct mxg_rule_counters, "dropped", dropped),
	JF(struct mxg_rule_counters, "would_drop", would_drop),
	JF(struct mxg_rule_counters, "reset", reset),
};
static const struct jfield src_fields[] = {
	JF(struct snap_src, "syns", syns),
	JF(struct snap_src, "dropped", dropped),
};

int snap_parse_dp_stats(const char *json, struct snapshot *s)
{
	cJSON *doc = cJSON_Parse(json), *p;

	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return -EPROTO;
	}
	s->have_dp = 1;
	jfields(doc, dp_fields, N_OF(dp_fields), s);
	s->have_table = 1;
	jfields(cJSON_GetObjectItemCaseSensitive(doc, "table"), table_fields,
		N_OF(table_fields), &s->table);
	s->n_ports = 0;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(doc, "ports"))
	{
		const cJSON *drv =
			cJSON_GetObjectItemCaseSensitive(p, "driver");
		struct snap_port *sp;

		if (s->n_ports >= SNAP_PORTS_MAX)
			break;
		sp = &s->ports[s->n_ports++];
		memset(sp, 0, sizeof(*sp));
		jfields(p, port_fields, N_OF(port_fields), sp);
		if (cJSON_IsString(drv))
			snprintf(sp->driver, sizeof(sp->driver), "%s",
				 drv->valuestring);
	}
	cJSON_Delete(doc);
	return 0;
}

int snap_parse_summary(const char *json, struct snapshot *s)
{
	cJSON *doc = cJSON_Parse(json), *r;

	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return -EPROTO;
	}
	jfields(doc, total_fields, N_OF(total_fields), &s->totals);
	s->n_rules = 0;
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(doc, "rules"))
	{
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(r, "name");
		struct snap_rule *sr;

		if (s->n_rules >= MXG_RULES_MAX)
			break;
		sr = &s->rules[s->n_rules++];
		snprintf(sr->name, sizeof(sr->name), "%s",
			 cJSON_IsString(nm) ? nm->valuestring : "?");
		jfields(r, rule_fields, N_OF(rule_fields), &sr->c);
	}
	s->n_top = 0;
	cJSON_ArrayForEach(r,
			   cJSON_GetObjectItemCaseSensitive(doc, "top_sources"))
	{
		const cJSON *src = cJSON_GetObjectItemCaseSensitive(r, "src");
		struct snap_src *ss;

		if (s->n_top >= SNAP_TOP_MAX)
			break;
		if (!cJSON_IsString(src))
			continue;
		ss = &s->top[s->n_top++];
		snprintf(ss->src, sizeof(ss->src), "%s", src->valuestring);
		jfields(r, src_fields, N_OF(src_fields), ss);
	}
	cJSON_Delete(doc);
	return 0;
}

/* rc, with why = "FMT...: strerror(-rc)"; for every failed engine call. */
static int failed(int rc, char *why, size_t why_len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int failed(int rc, char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < why_len)
		snprintf(why + n, why_len - (size_t)n, ": %s", strerror(-rc));
	return rc;
}

/* ---- mxgate-dp ---- */

static void dp_disconnect(struct engine *e)
{
	if (e->dp_fd >= 0)
		close(e->dp_fd);
	e->dp_fd = -1;
}

/*
 * One request and its reply (res) over the control socket, connected
 * lazily; a failed exchange drops the connection, so the next call
 * connects again (a restarted mxgate-dp). 0 or a transport -errno; the
 * server's own status is res->status.
 */
static int dp_exchange(struct engine *e, const void *req, size_t len,
		       int pass_fd, int timeout_ms, struct mxg_ctl_result *res)
{
	int rc = 0;

	memset(res, 0, sizeof(*res));
	if (e->dp_fd < 0) {
		rc = mxg_ctl_connect(e->dp_sock, &e->dp_fd);
		if (rc)
			e->dp_fd = -1;
	}
	if (!rc)
		rc = mxg_ctl_send(e->dp_fd, req, len, pass_fd);
	if (!rc)
		rc = mxg_ctl_recv(e->dp_fd, e->seq, timeout_ms, res);
	if (rc)
		dp_disconnect(e);
	return rc;
}

/* One stats round trip; *text malloc'd. */
static int dp_stats(struct engine *e, uint16_t type, uint32_t top_n,
		    char **text)
{
	struct mxg_ctl_stats req;
	struct mxg_ctl_result res;
	int rc;

	*text = NULL;
	memset(&req, 0, sizeof(req));
	mxg_ctl_hdr_init(&req.hdr, type, sizeof(req), ++e->seq);
	req.top_n = top_n;
	rc = dp_exchange(e, &req, sizeof(req), -1, CTLD_DP_TIMEOUT_MS, &res);
	if (!rc && res.status)
		rc = res.status;
	if (!rc) {
		*text = res.text;
		res.text = NULL;
	}
	mxg_ctl_result_free(&res);
	return rc;
}

static int dp_push(struct engine *e, const struct mxg_policy_header *image,
		   char *why, size_t why_len)
{
	struct mxg_ctl_result res;
	struct mxg_ctl_load req;
	int rc, mfd = -1;

	memset(&req, 0, sizeof(req));
	mxg_ctl_hdr_init(&req.hdr, MXG_CTL_LOAD_IMAGE, sizeof(req), ++e->seq);
	req.image_len = image->total_len;
	req.checksum = image->checksum;
	rc = mxg_ctl_memfd(image, image->total_len, &mfd);
	if (rc)
		return failed(rc, why, why_len, "image memfd");
	rc = dp_exchange(e, &req, sizeof(req), mfd, CTLD_LOAD_TIMEOUT_MS, &res);
	close(mfd);
	if (rc)
		return failed(rc, why, why_len, "%s", e->dp_sock);
	rc = res.status;
	if (rc)
		snprintf(why, why_len, "mxgate-dp refused the image: %s",
			 res.text ? res.text : strerror(-rc));
	mxg_ctl_result_free(&res);
	return rc;
}

static int dp_poll(struct engine *e, struct snapshot *snap)
{
	char *a = NULL, *b = NULL;
	int rc;

	rc = dp_stats(e, MXG_CTL_DP_STATS, 0, &a);
	if (!rc)
		rc = dp_stats(e, MXG_CTL_STATS, SNAP_TOP_MAX, &b);
	if (!rc)
		rc = snap_parse_dp_stats(a, snap);
	if (!rc)
		rc = snap_parse_summary(b, snap);
	free(a);
	free(b);
	if (rc)
		dp_disconnect(e); /* a reply that does not parse: start over */
	return rc;
}

/* ---- the XDP program ---- */

static int xdp_push(struct engine *e, const struct mxg_policy_header *image,
		    char *why, size_t why_len)
{
	struct mxg_xdp_attach_opts ao = { .pin_dir = e->pin_dir };
	struct mxg_xdp_status st;
	unsigned int i;
	int rc;

	rc = mxg_xdp_install(e->xdp, image, image->total_len);
	if (rc)
		return failed(rc, why, why_len, "XDP install");
	if (!mxg_xdp_get_status(e->xdp, &st) && st.config.n_ifaces)
		return 0; /* attached already */
	for (i = 0; i < e->n_ifaces; i++)
		ao.ifname[i] = e->xdp_ifaces[i];
	ao.n_ifaces = e->n_ifaces;
	ao.want = MXG_XDP_WANT_AUTO;
	rc = mxg_xdp_attach(e->xdp, &ao);
	return rc ? failed(rc, why, why_len, "XDP attach") : 0;
}

/* What the program's maps hold: the policy in force (its rules' names),
 * counters, the source table, the per-source report. */
struct xdp_read {
	struct mxg_xdp_status st;
	struct mxg_counters c;
	struct mxg_xdp_table t;
	struct mxg_top_entry top[SNAP_TOP_MAX];
};

static int xdp_poll(struct engine *e, struct snapshot *snap)
{
	struct xdp_read *x;
	unsigned int i;
	int rc, n;

	if (!e->xdp)
		return -ENODEV;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	rc = mxg_xdp_get_status(e->xdp, &x->st);
	if (!rc)
		rc = mxg_xdp_counters(e->xdp, &x->c);
	if (!rc)
		rc = mxg_xdp_table_stats(e->xdp, &x->t);
	n = rc ? 0 : mxg_xdp_top(e->xdp, x->top, SNAP_TOP_MAX);
	if (n < 0)
		rc = n;
	if (rc)
		goto free_read;
	snap->generation = x->st.policy.generation;
	snap->totals = x->c.totals;
	snap->n_rules = x->st.policy.n_rules;
	for (i = 0; i < snap->n_rules && i < MXG_RULES_MAX; i++) {
		memcpy(snap->rules[i].name, x->st.policy.rules[i].name,
		       sizeof(snap->rules[i].name));
		snap->rules[i].name[MXG_NAME_MAX - 1] = '\0';
		snap->rules[i].c = x->c.rules[i];
	}
	snap->have_table = 1;
	snap->table = (struct snap_table){
		.capacity = x->t.capacity,
		.entries = x->t.entries,
		.takes = x->c.totals.smtp_syns, /* no count of its own */
		.inserts = x->t.inserts,
		.evict_lossless = x->t.evict_lossless,
		.evict_lossy = x->t.evict_lossy,
	};
	for (i = 0; i < (unsigned int)n; i++) {
		mxg_addr_str(x->top[i].family, x->top[i].addr, snap->top[i].src,
			     sizeof(snap->top[i].src));
		snap->top[i].syns = x->top[i].syns;
		snap->top[i].dropped = x->top[i].dropped;
	}
	snap->n_top = (unsigned int)n;
free_read:
	free(x);
	return rc;
}

/* ---- either ---- */

int engine_open(struct engine *e, char *why, size_t why_len)
{
	int rc;

	e->dp_fd = -1;
	if (e->kind != ENGINE_XDP)
		return 0; /* mxgate-dp: connected lazily, again after failures */
	rc = mxg_xdp_open_pinned(&e->xdp, e->pin_dir);
	if (rc == 0)
		return 0;
	e->xdp = NULL;
	rc = mxg_xdp_load(&e->xdp, &(struct mxg_xdp_load_opts){
					   .inline_mode = e->n_ifaces == 2 });
	if (rc) {
		e->xdp = NULL;
		return failed(rc, why, why_len, "XDP program%s",
			      mxg_xdp_load_unavailable(rc) ?
				      " (BPF unavailable here)" :
				      "");
	}
	return 0;
}

int engine_push(struct engine *e, struct mxg_policy_header *image, char *why,
		size_t why_len)
{
	why[0] = '\0';
	if (e->kind == ENGINE_XDP)
		return xdp_push(e, image, why, why_len);
	if (e->kind == ENGINE_DP)
		return dp_push(e, image, why, why_len);
	return 0;
}

int engine_poll(struct engine *e, struct snapshot *snap)
{
	int rc = -ENODEV;

	memset(snap, 0, sizeof(*snap));
	snap->at = wall_s();
	if (e->kind == ENGINE_XDP)
		rc = xdp_poll(e, snap);
	else if (e->kind == ENGINE_DP)
		rc = dp_poll(e, snap);
	snap->valid = rc == 0;
	return rc;
}

void engine_close(struct engine *e)
{
	dp_disconnect(e);
	if (e->xdp)
		mxg_xdp_close(e->xdp); /* stays attached and pinned */
	e->xdp = NULL;
}
