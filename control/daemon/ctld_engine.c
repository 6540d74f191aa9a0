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
 *    pinned instance.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_client.h"
#include "mxgated.h"
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

int snap_parse_dp_stats(const char *json, struct snapshot *s)
{
	cJSON *doc = cJSON_Parse(json), *t, *ports, *p;

	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return -EPROTO;
	}
	s->have_dp = 1;
	s->generation = jnum(doc, "generation");
	s->rx = jnum(doc, "rx");
	s->tx = jnum(doc, "tx");
	s->tx_dropped = jnum(doc, "tx_dropped");
	s->rst_sent = jnum(doc, "rst_sent");
	s->dp_reloads = jnum(doc, "reloads");
	t = cJSON_GetObjectItemCaseSensitive(doc, "table");
	s->table_capacity = jnum(t, "capacity");
	s->table_takes = jnum(t, "takes");
	s->table_inserts = jnum(t, "inserts");
	s->evict_lossless = jnum(t, "evict_lossless");
	s->evict_lossy = jnum(t, "evict_lossy");
	ports = cJSON_GetObjectItemCaseSensitive(doc, "ports");
	s->n_ports = 0;
	cJSON_ArrayForEach(p, ports)
	{
		struct snap_port *sp;
		const cJSON *drv =
			cJSON_GetObjectItemCaseSensitive(p, "driver");

		if (s->n_ports >= SNAP_PORTS_MAX)
			break;
		sp = &s->ports[s->n_ports++];
		memset(sp, 0, sizeof(*sp));
		sp->port = (unsigned int)jnum(p, "port");
		if (cJSON_IsString(drv))
			snprintf(sp->driver, sizeof(sp->driver), "%s",
				 drv->valuestring);
		sp->ipackets = jnum(p, "ipackets");
		sp->opackets = jnum(p, "opackets");
		sp->imissed = jnum(p, "imissed");
		sp->ierrors = jnum(p, "ierrors");
		sp->oerrors = jnum(p, "oerrors");
		sp->rx_nombuf = jnum(p, "rx_nombuf");
	}
	cJSON_Delete(doc);
	return 0;
}

int snap_parse_summary(const char *json, struct snapshot *s)
{
	cJSON *doc = cJSON_Parse(json), *rules, *r, *top;

	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return -EPROTO;
	}
	s->totals.packets = jnum(doc, "packets");
	s->totals.forwarded = jnum(doc, "forwarded");
	s->totals.unparsed = jnum(doc, "unparsed");
	s->totals.smtp_syns = jnum(doc, "smtp_syns");
	s->totals.smtp_passed = jnum(doc, "smtp_passed");
	s->totals.smtp_dropped = jnum(doc, "smtp_dropped");
	s->totals.reset = jnum(doc, "reset");
	s->totals.would_drop = jnum(doc, "would_drop");
	rules = cJSON_GetObjectItemCaseSensitive(doc, "rules");
	s->n_rules = 0;
	cJSON_ArrayForEach(r, rules)
	{
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(r, "name");
		struct snap_rule *sr;

		if (s->n_rules >= MXG_RULES_MAX)
			break;
		sr = &s->rules[s->n_rules++];
		snprintf(sr->name, sizeof(sr->name), "%s",
			 cJSON_IsString(nm) ? nm->valuestring : "?");
		sr->c.matched = jnum(r, "matched");
		sr->c.passed = jnum(r, "passed");
		sr->c.dropped = jnum(r, "dropped");
		sr->c.would_drop = jnum(r, "would_drop");
	}
	top = cJSON_GetObjectItemCaseSensitive(doc, "top_sources");
	s->n_top = 0;
	cJSON_ArrayForEach(r, top)
	{
		const cJSON *src = cJSON_GetObjectItemCaseSensitive(r, "src");
		struct snap_src *ss;

		if (s->n_top >= SNAP_TOP_MAX)
			break;
		if (!cJSON_IsString(src))
			continue;
		ss = &s->top[s->n_top++];
		snprintf(ss->src, sizeof(ss->src), "%s", src->valuestring);
		ss->syns = jnum(r, "syns");
		ss->dropped = jnum(r, "dropped");
	}
	cJSON_Delete(doc);
	return 0;
}

static void dp_disconnect(struct engine *e)
{
	if (e->dp_fd >= 0)
		close(e->dp_fd);
	e->dp_fd = -1;
}

static int dp_connect(struct engine *e)
{
	int rc;

	if (e->dp_fd >= 0)
		return 0;
	rc = mxg_ctl_connect(e->dp_sock, &e->dp_fd);
	if (rc)
		e->dp_fd = -1;
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
	memset(&res, 0, sizeof(res));
	mxg_ctl_hdr_init(&req.hdr, type, sizeof(req), ++e->seq);
	req.top_n = top_n;
	rc = mxg_ctl_send(e->dp_fd, &req, sizeof(req), -1);
	if (!rc)
		rc = mxg_ctl_recv(e->dp_fd, e->seq, CTLD_DP_TIMEOUT_MS, &res);
	if (!rc && res.status)
		rc = res.status;
	if (!rc) {
		*text = res.text;
		res.text = NULL;
	}
	mxg_ctl_result_free(&res);
	return rc;
}

int engine_open(struct engine *e, char *why, size_t why_len)
{
	int rc;

	e->dp_fd = -1;
	if (e->kind == ENGINE_DP)
		return 0; /* connected lazily, again after every failure */
	if (e->kind != ENGINE_XDP)
		return 0;
	rc = mxg_xdp_open_pinned(&e->xdp, e->pin_dir);
	if (rc == 0)
		return 0;
	e->xdp = NULL;
	rc = mxg_xdp_load(&e->xdp, &(struct mxg_xdp_load_opts){
					   .inline_mode = e->n_ifaces == 2 });
	if (rc) {
		snprintf(why, why_len, "XDP program: %s%s", strerror(-rc),
			 mxg_xdp_load_unavailable(rc) ?
				 " (BPF unavailable here)" :
				 "");
		e->xdp = NULL;
		return rc;
	}
	return 0;
}

static void remember_names(struct engine *e,
			   const struct mxg_policy_header *image)
{
	const struct mxg_rule *r = mxg_policy_rules(image);
	unsigned int i;

	e->n_rule_names = image->n_rules;
	for (i = 0; i < image->n_rules && i < MXG_RULES_MAX; i++)
		snprintf(e->rule_names[i], MXG_NAME_MAX, "%s", r[i].name);
}

int engine_push(struct engine *e, struct mxg_policy_header *image, char *why,
		size_t why_len)
{
	struct mxg_ctl_result res;
	struct mxg_ctl_load req;
	int rc, mfd = -1;

	why[0] = '\0';
	if (e->kind == ENGINE_XDP) {
		struct mxg_xdp_attach_opts ao = { .pin_dir = e->pin_dir };
		struct mxg_xdp_status st;
		unsigned int i;

		rc = mxg_xdp_install(e->xdp, image, image->total_len);
		if (rc) {
			snprintf(why, why_len, "XDP install: %s",
				 strerror(-rc));
			return rc;
		}
		remember_names(e, image);
		if (!mxg_xdp_get_status(e->xdp, &st) && st.config.n_ifaces)
			return 0; /* attached already */
		for (i = 0; i < e->n_ifaces; i++)
			ao.ifname[i] = e->xdp_ifaces[i];
		ao.n_ifaces = e->n_ifaces;
		ao.want = MXG_XDP_WANT_AUTO;
		rc = mxg_xdp_attach(e->xdp, &ao);
		if (rc)
			snprintf(why, why_len, "XDP attach: %s", strerror(-rc));
		return rc;
	}
	if (e->kind != ENGINE_DP) {
		remember_names(e, image);
		return 0;
	}
	rc = dp_connect(e);
	if (rc) {
		snprintf(why, why_len, "%s: %s", e->dp_sock, strerror(-rc));
		return rc;
	}
	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	mxg_ctl_hdr_init(&req.hdr, MXG_CTL_LOAD_IMAGE, sizeof(req), ++e->seq);
	req.image_len = image->total_len;
	req.checksum = image->checksum;
	rc = mxg_ctl_memfd(image, image->total_len, &mfd);
	if (!rc)
		rc = mxg_ctl_send(e->dp_fd, &req, sizeof(req), mfd);
	if (mfd >= 0)
		close(mfd);
	if (!rc)
		rc = mxg_ctl_recv(e->dp_fd, e->seq, CTLD_LOAD_TIMEOUT_MS, &res);
	if (rc) {
		snprintf(why, why_len, "%s: %s", e->dp_sock, strerror(-rc));
		dp_disconnect(e);
		return rc;
	}
	rc = res.status;
	if (rc)
		snprintf(why, why_len, "mxgate-dp refused the image: %s",
			 res.text ? res.text : strerror(-rc));
	else
		remember_names(e, image);
	mxg_ctl_result_free(&res);
	return rc;
}

int engine_poll(struct engine *e, struct snapshot *snap)
{
	char *a = NULL, *b = NULL;
	int rc;

	memset(snap, 0, sizeof(*snap));
	snap->at = wall_s();
	if (e->kind == ENGINE_XDP) {
		struct mxg_counters *c;
		struct mxg_xdp_status st;
		unsigned int i;

		if (!e->xdp)
			return -ENODEV;
		rc = mxg_xdp_get_status(e->xdp, &st);
		if (rc)
			return rc;
		c = calloc(1, sizeof(*c));
		if (!c)
			return -ENOMEM;
		rc = mxg_xdp_counters(e->xdp, c);
		if (!rc) {
			snap->generation = st.policy.generation;
			snap->totals = c->totals;
			snap->n_rules = e->n_rule_names;
			for (i = 0; i < e->n_rule_names; i++) {
				memcpy(snap->rules[i].name, e->rule_names[i],
				       MXG_NAME_MAX);
				snap->rules[i].c = c->rules[i];
			}
			snap->valid = 1;
		}
		free(c);
		return rc;
	}
	if (e->kind != ENGINE_DP)
		return -ENODEV;
	rc = dp_connect(e);
	if (rc)
		return rc;
	rc = dp_stats(e, MXG_CTL_DP_STATS, 0, &a);
	if (!rc)
		rc = dp_stats(e, MXG_CTL_STATS, SNAP_TOP_MAX, &b);
	if (!rc)
		rc = snap_parse_dp_stats(a, snap);
	if (!rc)
		rc = snap_parse_summary(b, snap);
	free(a);
	free(b);
	if (rc) {
		dp_disconnect(e);
		return rc;
	}
	snap->valid = 1;
	return 0;
}

void engine_close(struct engine *e)
{
	dp_disconnect(e);
	if (e->xdp)
		mxg_xdp_close(e->xdp); /* stays attached and pinned */
	e->xdp = NULL;
}
