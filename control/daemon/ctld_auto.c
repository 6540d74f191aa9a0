// SPDX-License-Identifier: BSD-3-Clause
/*
 * Sustained offenders become blocks (the policy's opt-in "auto_block";
 * README.md, "Sustained offenders: auto_block").
 *
 * Each heartbeat brings the engine's top sources with their drop counts
 * (mxgate-dp's space-saving list, or the XDP program's per-source report:
 * counts since the source took its slot). Their growth since the last
 * heartbeat is summed per prefix (auto_block's ipv4_prefix, ipv6_prefix);
 * about every second each prefix's drop rate over that second is set
 * against the threshold. A prefix over it at every such check for the
 * whole 'for' window becomes a dynamic block, origin auto, for 'ttl':
 * an ordinary entry of the state (saved, pushed, announced over BGP, in
 * the feeds), unless a block already covers it, it overlaps an allow set
 * or protected (the image's never-announce sets, ctld_pfx.c), or the auto
 * blocks in force reached --bgp-max-routes.
 *
 * The policy's compiler validates auto_block (exact errors, the schema);
 * mxgated reads the validated object from the document it compiled, so
 * the image's ABI does not change.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ctld_ext.h"

#define AUTO_CHECK_MS  1000 /* a rate is measured over at least this */
#define AUTO_TRACK_MAX 8192 /* prefixes followed at once */
#define AUTO_IDLE_MS   60000

struct auto_cfg {
	int on;
	double per_s; /* drops a second that make an offender */
	char drops[32];
	uint32_t for_s, ttl_s;
	unsigned int len4, len6;
};

struct track {
	struct pfx p;
	uint64_t acc;	    /* drops summed over the heartbeats */
	uint64_t cp_acc;    /* acc at the last check */
	int64_t cp_ms;	    /* the last check */
	int64_t over_since; /* ms: start of the unbroken run over; 0 none */
	int64_t seen_ms;    /* the last heartbeat that brought drops */
	double rate;	    /* drops a second at the last check */
	uint8_t refused;    /* refusal logged and counted once */
};

struct prev_src {
	char src[DYN_CIDR_LEN];
	uint64_t dropped;
};

struct delta {
	struct pfx p;
	uint64_t n;
};

static struct {
	struct auto_cfg cfg;
	struct no_announce na;
	struct track *t;
	size_t n_t;
	struct prev_src *prev;
	size_t n_prev;
	int64_t last_hb_ms;
	uint64_t made, refused_allow, refused_protected, capped, untracked;
} A;

/* ---- configuration: the policy's auto_block, validated by the compiler */

static int64_t duration_s(const cJSON *v)
{
	if (cJSON_IsNumber(v))
		return (int64_t)v->valuedouble;
	if (cJSON_IsString(v))
		return dyn_ttl_parse(v->valuestring);
	return -1;
}

static int cfg_eq(const struct auto_cfg *x, const struct auto_cfg *y)
{
	return x->on == y->on && x->per_s == y->per_s &&
	       !strcmp(x->drops, y->drops) && x->for_s == y->for_s &&
	       x->ttl_s == y->ttl_s && x->len4 == y->len4 && x->len6 == y->len6;
}

void auto_config(const cJSON *doc)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(doc, "auto_block");
	const cJSON *v;
	struct auto_cfg c;

	memset(&c, 0, sizeof(c));
	if (cJSON_IsObject(o)) {
		v = cJSON_GetObjectItemCaseSensitive(o, "drops");
		if (cJSON_IsNumber(v)) {
			c.per_s = v->valuedouble;
			snprintf(c.drops, sizeof(c.drops), "%.0f/s",
				 v->valuedouble);
		} else if (cJSON_IsString(v)) {
			c.per_s = dyn_rate_parse(v->valuestring);
			snprintf(c.drops, sizeof(c.drops), "%s",
				 v->valuestring);
		}
		c.for_s = (uint32_t)duration_s(
			cJSON_GetObjectItemCaseSensitive(o, "for"));
		v = cJSON_GetObjectItemCaseSensitive(o, "ttl");
		c.ttl_s = v ? (uint32_t)duration_s(v) : 3600;
		v = cJSON_GetObjectItemCaseSensitive(o, "ipv4_prefix");
		c.len4 = cJSON_IsNumber(v) ? (unsigned int)v->valueint : 32;
		v = cJSON_GetObjectItemCaseSensitive(o, "ipv6_prefix");
		c.len6 = cJSON_IsNumber(v) ? (unsigned int)v->valueint : 128;
		c.on = c.per_s > 0 && c.for_s > 0 && c.ttl_s > 0;
	}
	if (!cfg_eq(&c, &A.cfg)) {
		/* a new threshold or prefix length: measure afresh */
		A.n_t = 0;
		if (c.on)
			LOG(NOTICE, "auto",
			    "auto_block: drops >= %s for %u s per /%u (IPv4), "
			    "/%u (IPv6) become blocks for %u s",
			    c.drops, c.for_s, c.len4, c.len6, c.ttl_s);
		else if (A.cfg.on)
			LOG(NOTICE, "auto",
			    "auto_block off (the auto blocks in force stay "
			    "until their TTL)");
	}
	A.cfg = c;
}

void auto_image(const struct mxg_policy_header *image)
{
	if (no_announce_from_image(image, &A.na))
		LOG(ERR, "auto", "cannot read the allow and protected sets");
}

/* ---- tracking ---- */

static int delta_cmp(const void *a, const void *b)
{
	return pfx_cmp(&((const struct delta *)a)->p,
		       &((const struct delta *)b)->p);
}

static int track_cmp(const void *a, const void *b)
{
	return pfx_cmp(&((const struct track *)a)->p,
		       &((const struct track *)b)->p);
}

static int prev_cmp(const void *a, const void *b)
{
	return strcmp(((const struct prev_src *)a)->src,
		      ((const struct prev_src *)b)->src);
}

/* The source's address as a prefix of the configured length. */
static int src_prefix(const char *src, struct pfx *p)
{
	unsigned int b, bits;

	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, src, p->a) == 1)
		p->fam = 4, p->len = (uint8_t)A.cfg.len4, bits = 32;
	else if (inet_pton(AF_INET6, src, p->a) == 1)
		p->fam = 6, p->len = (uint8_t)A.cfg.len6, bits = 128;
	else
		return -EINVAL;
	for (b = p->len; b < bits; b++)
		p->a[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
	return 0;
}

/* Per prefix, the drops of this heartbeat (growth of each source's count
 * since the last one; a source new to the list, or whose count went
 * back, starts from its count now). Sorted, merged; *n entries. */
static struct delta *deltas(const struct snapshot *s, size_t *n)
{
	struct delta *dv = calloc(s->n_top ? s->n_top : 1, sizeof(*dv));
	size_t i, k = 0;

	*n = 0;
	if (!dv)
		return NULL;
	for (i = 0; i < s->n_top; i++) {
		const struct snap_src *t = &s->top[i];
		struct prev_src key, *pv;

		snprintf(key.src, sizeof(key.src), "%s", t->src);
		pv = A.n_prev ? bsearch(&key, A.prev, A.n_prev, sizeof(*A.prev),
					prev_cmp) :
				NULL;
		if (src_prefix(t->src, &dv[k].p))
			continue;
		dv[k].n = pv && t->dropped >= pv->dropped ?
				  t->dropped - pv->dropped :
				  0;
		k++;
	}
	if (k > 1)
		qsort(dv, k, sizeof(*dv), delta_cmp);
	for (i = 0, *n = 0; i < k; i++) {
		if (*n && !pfx_cmp(&dv[*n - 1].p, &dv[i].p)) {
			dv[*n - 1].n += dv[i].n;
			continue;
		}
		dv[(*n)++] = dv[i];
	}
	return dv;
}

static void remember(const struct snapshot *s)
{
	struct prev_src *pv =
		realloc(A.prev, (s->n_top ? s->n_top : 1) * sizeof(*pv));
	unsigned int i;

	if (!pv) {
		A.n_prev = 0;
		return;
	}
	A.prev = pv;
	for (i = 0; i < s->n_top; i++) {
		snprintf(pv[i].src, sizeof(pv[i].src), "%s", s->top[i].src);
		pv[i].dropped = s->top[i].dropped;
	}
	A.n_prev = s->n_top;
	if (A.n_prev > 1)
		qsort(A.prev, A.n_prev, sizeof(*A.prev), prev_cmp);
}

static struct track *track_find(const struct pfx *p)
{
	struct track key;

	key.p = *p;
	return A.n_t ? bsearch(&key, A.t, A.n_t, sizeof(*A.t), track_cmp) :
		       NULL;
}

/* Add the heartbeat's drops; new prefixes (with drops) start tracking. */
static void add_deltas(const struct delta *dv, size_t n, int64_t now)
{
	size_t i, added = 0;

	if (!A.t) {
		A.t = calloc(AUTO_TRACK_MAX, sizeof(*A.t));
		if (!A.t)
			return;
	}
	for (i = 0; i < n; i++) {
		struct track *t = track_find(&dv[i].p);

		if (t) {
			t->acc += dv[i].n;
			if (dv[i].n)
				t->seen_ms = now;
			continue;
		}
		if (!dv[i].n)
			continue;
		if (A.n_t + added == AUTO_TRACK_MAX) {
			A.untracked++;
			continue;
		}
		t = &A.t[A.n_t + added++];
		memset(t, 0, sizeof(*t));
		t->p = dv[i].p;
		t->acc = dv[i].n;
		/* the drops came since the last heartbeat */
		t->cp_ms = A.last_hb_ms ? A.last_hb_ms : now;
		t->seen_ms = now;
	}
	A.n_t += added;
	if (added)
		qsort(A.t, A.n_t, sizeof(*A.t), track_cmp);
}

/* A block of 'image_state' covers p. */
static int covered(const struct dyn_state *image_state, const struct pfx *p)
{
	struct pfx q;
	size_t i;

	for (i = 0; i < image_state->n; i++)
		if (image_state->v[i].kind == DYN_BLOCK &&
		    !pfx_parse(image_state->v[i].cidr, &q) &&
		    pfx_contains(&q, p))
			return 1;
	return 0;
}

int auto_heartbeat(struct dyn_state *dyn, const struct dyn_state *image_state,
		   const struct snapshot *snap, int64_t now, int64_t wall)
{
	struct pfx *want = NULL;
	size_t n_dv = 0, i, j, n_want = 0, in_force;
	struct delta *dv;
	int made = 0;

	if (!A.cfg.on || !snap->valid) {
		A.n_t = 0;
		A.last_hb_ms = 0;
		return 0;
	}
	dv = deltas(snap, &n_dv);
	if (!dv)
		return -ENOMEM;
	add_deltas(dv, n_dv, now);
	free(dv);
	remember(snap);
	A.last_hb_ms = now;
	want = calloc(A.n_t ? A.n_t : 1, sizeof(*want));
	if (!want)
		return -ENOMEM;
	/* the checks, and who has been over for the whole window */
	for (i = 0, j = 0; i < A.n_t; i++) {
		struct track *t = &A.t[i];

		if (now - t->cp_ms >= AUTO_CHECK_MS) {
			t->rate = (double)(t->acc - t->cp_acc) * 1000.0 /
				  (double)(now - t->cp_ms);
			if (t->rate + 1e-9 >= A.cfg.per_s) {
				if (!t->over_since)
					t->over_since = t->cp_ms;
			} else {
				t->over_since = 0;
				t->refused = 0;
			}
			t->cp_ms = now;
			t->cp_acc = t->acc;
		}
		if (!t->over_since && now - t->seen_ms > AUTO_IDLE_MS &&
		    now - t->seen_ms > (int64_t)A.cfg.for_s * 1000)
			continue; /* idle: forgotten */
		if (t->over_since &&
		    now - t->over_since >= (int64_t)A.cfg.for_s * 1000 &&
		    !covered(image_state, &t->p)) {
			const char *why = no_announce_why(&A.na, &t->p);
			char cidr[DYN_CIDR_LEN];

			if (!why) {
				want[n_want++] = t->p;
			} else if (!t->refused) {
				t->refused = 1;
				if (!strcmp(why, "allow"))
					A.refused_allow++;
				else
					A.refused_protected++;
				pfx_format(&t->p, cidr, sizeof(cidr));
				LOG(NOTICE, "auto",
				    "%s stays over %s but overlaps %s: not "
				    "blocked",
				    cidr, A.cfg.drops, why);
			}
		}
		if (i != j)
			A.t[j] = A.t[i];
		j++;
	}
	A.n_t = j;
	/* the blocks (image_state may be dyn itself: not used from here) */
	in_force = dyn_count_origin(dyn, DYN_BLOCK, DYN_ORIGIN_AUTO);
	for (i = 0; i < n_want; i++) {
		struct track *t = track_find(&want[i]);
		char cidr[DYN_CIDR_LEN], reason[DYN_REASON_LEN];
		struct dyn_entry *e;

		pfx_format(&want[i], cidr, sizeof(cidr));
		if (in_force >= ext_cfg.max_routes) {
			if (t && !t->refused) {
				t->refused = 1;
				A.capped++;
				LOG(WARN, "auto",
				    "%s stays over %s: not blocked, %zu auto "
				    "blocks already (the route cap, "
				    "--bgp-max-routes)",
				    cidr, A.cfg.drops, in_force);
			}
			continue;
		}
		snprintf(reason, sizeof(reason),
			 "auto: %.0f drops/min for %" PRId64 " s (>= %s)",
			 t ? t->rate * 60.0 : 0.0,
			 t ? (now - t->over_since) / 1000 : 0, A.cfg.drops);
		if (dyn_add(dyn, DYN_BLOCK, cidr, wall + A.cfg.ttl_s, wall,
			    reason) < 0)
			break;
		e = dyn_get(dyn, DYN_BLOCK, cidr);
		if (e)
			e->origin = DYN_ORIGIN_AUTO;
		in_force++;
		made++;
		A.made++;
		LOG(NOTICE, "auto", "block %s for %u s (%s)", cidr, A.cfg.ttl_s,
		    reason);
	}
	free(want);
	return made;
}

void auto_forget(const char *cidr)
{
	struct track *t;
	struct pfx p;

	if (pfx_parse(cidr, &p))
		return;
	t = track_find(&p);
	if (t) {
		/* the operator unblocked it: a whole new window first */
		t->over_since = 0;
		t->cp_ms = A.last_hb_ms;
		t->cp_acc = t->acc;
	}
}

cJSON *auto_status(const struct dyn_state *dyn)
{
	cJSON *o = cJSON_CreateObject();
	size_t i, over = 0;

	if (!o)
		return NULL;
	cJSON_AddBoolToObject(o, "enabled", A.cfg.on);
	if (A.cfg.on) {
		cJSON_AddStringToObject(o, "drops", A.cfg.drops);
		cJSON_AddNumberToObject(o, "for", A.cfg.for_s);
		cJSON_AddNumberToObject(o, "ttl", A.cfg.ttl_s);
		cJSON_AddNumberToObject(o, "ipv4_prefix", A.cfg.len4);
		cJSON_AddNumberToObject(o, "ipv6_prefix", A.cfg.len6);
	}
	for (i = 0; i < A.n_t; i++)
		over += A.t[i].over_since != 0;
	cJSON_AddNumberToObject(o, "tracked", (double)A.n_t);
	cJSON_AddNumberToObject(o, "over", (double)over);
	cJSON_AddNumberToObject(o, "in_force",
				(double)dyn_count_origin(dyn, DYN_BLOCK,
							 DYN_ORIGIN_AUTO));
	cJSON_AddNumberToObject(o, "made", (double)A.made);
	cJSON_AddNumberToObject(o, "capped", (double)A.capped);
	return o;
}

void auto_metrics(FILE *f, const struct dyn_state *dyn)
{
	static const char *const refused[] = { "allow", "protected", "cap" };
	size_t i, over = 0;

	for (i = 0; i < A.n_t; i++)
		over += A.t[i].over_since != 0;
	metric_one(f, "mxgate_auto_blocks_total", "counter",
		   "Blocks made by auto_block (sustained offenders)",
		   (double)A.made);
	metric_one(f, "mxgate_auto_blocks", "gauge",
		   "Blocks made by auto_block in force",
		   (double)dyn_count_origin(dyn, DYN_BLOCK, DYN_ORIGIN_AUTO));
	metric_one(f, "mxgate_auto_over", "gauge",
		   "Prefixes over the auto_block drop rate now", (double)over);
	METRIC_LABELLED(f, "mxgate_auto_refused_total", "counter",
			"Sustained offenders not blocked, by reason (allow, "
			"protected, cap)",
			"reason", refused, (double)A.refused_allow,
			(double)A.refused_protected, (double)A.capped);
}

void auto_stop(void)
{
	no_announce_free(&A.na);
	free(A.t);
	free(A.prev);
	memset(&A, 0, sizeof(A));
}
