// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxgate-dp stats: every worker's counters and top sources, merged, as
 * the summary JSON or the data plane's own stats JSON.
 *
 * Workers own their counters and top-source trackers. The control thread
 * asks for a snapshot through each worker's mailbox: the worker, between
 * two bursts, copies its counters and swaps its tracker for an empty one
 * (O(1)); the control thread merges the trackers it gets back into its
 * running total and empties them for the next swap (mxg_top_reset: their
 * memory stays faulted in, and no worker ever waits for a page).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "dp.h"
#include "summary.h"

#define DP_SNAP_WAIT_MS 2000

static void add_stats(struct dp_stats *dst, const struct dp_stats *src)
{
	const uint64_t *s = (const uint64_t *)src;
	uint64_t *d = (uint64_t *)dst;
	size_t i;

	for (i = 0; i < sizeof(*src) / sizeof(uint64_t); i++)
		d[i] += s[i];
}

static void add_table_stats(struct mxg_src_table_stats *d,
			    const struct mxg_src_table_stats *s)
{
	d->takes += s->takes;
	d->inserts += s->inserts;
	d->evict_lossless += s->evict_lossless;
	d->evict_lossy += s->evict_lossy;
	d->cas_retries += s->cas_retries;
}

/* Merge a tracker a worker handed back into the running total, and make
 * it the worker's next fresh one: its memory is in place already. */
static void take_back_tracker(struct dp_lcore *lc)
{
	if (!lc->top_old)
		return;
	mxg_top_merge(dp.top_total, lc->top_old);
	if (!lc->top_fresh) {
		mxg_top_reset(lc->top_old);
		lc->top_fresh = lc->top_old;
	} else {
		mxg_top_destroy(lc->top_old);
	}
	lc->top_old = NULL;
}

static void add_worker(struct mxg_counters *c, struct mxg_src_table_stats *ts,
		       struct dp_stats *st, const struct mxg_counters *wc,
		       const struct mxg_src_table_stats *wts,
		       const struct dp_stats *wst, uint64_t seqno)
{
	struct mxg_counters tmp = *wc;

	dp_remap_rules(&tmp, seqno, dp.active);
	mxg_counters_add(c, &tmp);
	add_table_stats(ts, wts);
	add_stats(st, wst);
}

int dp_collect(struct mxg_counters *c, struct mxg_src_table_stats *ts,
	       struct dp_stats *st, int workers_running)
{
	uint64_t deadline;
	uint16_t w;
	int pending, rc = 0;

	memset(c, 0, sizeof(*c));
	memset(ts, 0, sizeof(*ts));
	memset(st, 0, sizeof(*st));
	if (!workers_running) {
		for (w = 0; w < dp.n_workers; w++) {
			struct dp_lcore *lc = dp.workers[w];

			take_back_tracker(lc);
			if (lc->top_fresh) { /* never taken: still empty */
				mxg_top_destroy(lc->top_fresh);
				lc->top_fresh = NULL;
			}
			if (lc->top) { /* merged once; later calls add none */
				mxg_top_merge(dp.top_total, lc->top);
				mxg_top_destroy(lc->top);
				lc->top = NULL;
			}
			add_worker(c, ts, st, &lc->counters, &lc->table_stats,
				   &lc->st, lc->pol ? lc->pol->seqno : 0);
		}
		return 0;
	}

	for (w = 0; w < dp.n_workers; w++) {
		struct dp_lcore *lc = dp.workers[w];
		uint32_t req = lc->snap_req;

		/* A request that timed out before may have been answered. */
		if (__atomic_load_n(&lc->snap_done, __ATOMIC_ACQUIRE) != req)
			continue; /* still outstanding: wait for it below */
		take_back_tracker(lc);
		if (!lc->top_fresh &&
		    mxg_top_create(&lc->top_fresh, dp.cfg.worker_top_capacity))
			lc->top_fresh = NULL; /* counters only this time */
		__atomic_store_n(&lc->snap_req, req + 1, __ATOMIC_RELEASE);
	}
	deadline = dp_now_ms() + DP_SNAP_WAIT_MS;
	do {
		pending = 0;
		for (w = 0; w < dp.n_workers; w++) {
			struct dp_lcore *lc = dp.workers[w];

			if (__atomic_load_n(&lc->snap_done, __ATOMIC_ACQUIRE) !=
			    lc->snap_req)
				pending++;
		}
		if (pending)
			rte_delay_us_sleep(100);
	} while (pending && dp_now_ms() < deadline);

	for (w = 0; w < dp.n_workers; w++) {
		struct dp_lcore *lc = dp.workers[w];

		if (__atomic_load_n(&lc->snap_done, __ATOMIC_ACQUIRE) !=
		    lc->snap_req) {
			rc = -ETIMEDOUT;
			continue;
		}
		take_back_tracker(lc);
		add_worker(c, ts, st, &lc->snap, &lc->snap_table, &lc->snap_st,
			   lc->snap_seqno);
	}
	return rc;
}

/* What both texts start from: every worker's counters, summed. */
struct dp_snapshot {
	struct mxg_counters *c; /* large: on the heap */
	struct mxg_src_table_stats ts;
	struct dp_stats st;
};

static int snapshot_take(struct dp_snapshot *s, int workers_running)
{
	int rc;

	s->c = calloc(1, sizeof(*s->c));
	if (!s->c)
		return -ENOMEM;
	rc = dp_collect(s->c, &s->ts, &s->st, workers_running);
	if (rc) {
		free(s->c);
		s->c = NULL;
	}
	return rc;
}

int dp_summary_text(char **out, size_t *len, uint32_t top_n,
		    int workers_running)
{
	struct dp_snapshot snap;
	struct mxg_top_entry *top = NULL;
	uint32_t n_top = 0;
	FILE *f;
	int rc;

	*out = NULL;
	*len = 0;
	rc = snapshot_take(&snap, workers_running);
	if (rc)
		return rc;
	if (top_n) {
		top = calloc(top_n, sizeof(*top));
		if (!top) {
			rc = -ENOMEM;
			goto free_counters;
		}
		n_top = mxg_top_sorted(dp.top_total, top, top_n);
	}
	f = open_memstream(out, len);
	if (!f) {
		rc = -errno;
		goto free_top;
	}
	rc = mxg_summary_write(f, dp.active->engine->image, snap.c, top, n_top);
	if (fclose(f) && !rc)
		rc = -EIO;
	if (rc) {
		free(*out);
		*out = NULL;
	}
free_top:
	free(top);
free_counters:
	free(snap.c);
	return rc;
}

int dp_stats_text(char **out, size_t *len, int workers_running)
{
	struct dp_snapshot snap;
	const struct mxg_counters *c;
	const struct mxg_src_table_stats *ts = &snap.ts;
	const struct dp_stats *st = &snap.st;
	const char *sep = "";
	FILE *f;
	uint16_t i;
	int rc;

	*out = NULL;
	*len = 0;
	rc = snapshot_take(&snap, workers_running);
	if (rc)
		return rc;
	c = snap.c;
	f = open_memstream(out, len);
	if (!f) {
		rc = -errno;
		goto free_counters;
	}
	fprintf(f,
		"{\"generation\": %" PRIu64 ", \"reloads\": %" PRIu64
		", \"requests_refused\": %" PRIu64 ", \"workers\": %u"
		", \"rx\": %" PRIu64 ", \"tx\": %" PRIu64
		", \"tx_dropped\": %" PRIu64 ", \"policy_dropped\": %" PRIu64
		", \"rst_sent\": %" PRIu64 ", \"rst_unbuilt\": %" PRIu64
		", \"no_rx_timestamp\": %" PRIu64 ", \"linearized\": %" PRIu64
		", \"too_long\": %" PRIu64 ", \"policy_adopted\": %" PRIu64
		", \"packets\": %" PRIu64 ", \"forwarded\": %" PRIu64
		", \"smtp_syns\": %" PRIu64 ", \"smtp_dropped\": %" PRIu64
		", \"table\": {\"capacity\": %" PRIu64 ", \"entries\": %" PRIu64
		", \"takes\": %" PRIu64 ", \"inserts\": %" PRIu64
		", \"evict_lossless\": %" PRIu64 ", \"evict_lossy\": %" PRIu64
		"}, \"ports\": [",
		dp.active->generation, dp.reloads, dp.requests_refused,
		dp.n_workers, st->rx, st->tx, st->tx_dropped,
		st->policy_dropped, st->rst_sent, st->rst_unbuilt,
		st->no_rx_timestamp, st->linearized, st->too_long,
		st->policy_adopted, c->totals.packets, c->totals.forwarded,
		c->totals.smtp_syns, c->totals.smtp_dropped,
		mxg_src_table_capacity(dp.table),
		mxg_src_table_entries(ts, mxg_src_table_capacity(dp.table)),
		ts->takes, ts->inserts, ts->evict_lossless, ts->evict_lossy);
	for (i = 0; i < DP_MAX_PORTS; i++) {
		struct rte_eth_stats es;

		if (!dp.ports[i].in_use)
			continue;
		memset(&es, 0, sizeof(es));
		rte_eth_stats_get(i, &es);
		fprintf(f,
			"%s{\"port\": %u, \"driver\": \"%s\", \"peer\": %u"
			", \"ipackets\": %" PRIu64 ", \"opackets\": %" PRIu64
			", \"imissed\": %" PRIu64 ", \"ierrors\": %" PRIu64
			", \"oerrors\": %" PRIu64 ", \"rx_nombuf\": %" PRIu64
			"}",
			sep, i, dp.ports[i].driver, dp.ports[i].peer,
			es.ipackets, es.opackets, es.imissed, es.ierrors,
			es.oerrors, es.rx_nombuf);
		sep = ", ";
	}
	fprintf(f, "]}\n");
	if (fclose(f))
		rc = -EIO;
	if (rc) {
		free(*out);
		*out = NULL;
	}
free_counters:
	free(snap.c);
	return rc;
}
