// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxgate-dp worker: the burst loop of one lcore.
 *
 * Each round: take the policy in force (an RCU-protected pointer), answer
 * the control thread's mailbox, then for each rx queue: receive up to 32
 * frames, prefetch and parse them, classify the connection attempts with
 * rte_lpm in bulk, decide them in arrival order, and forward, drop or
 * reset every frame in arrival order. Frames that are not connection
 * attempts take the shortest path: parse, count, forward. After the round
 * the transmit buffers are flushed and the worker reports a quiescent
 * state: it holds no reference to any policy between rounds.
 */
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>

#include "dp.h"
#include "dp_log.h"
#include "dp_tx.h"

void dp_remap_rules(struct mxg_counters *c, uint64_t from_seqno,
		    const struct dp_policy *to)
{
	struct mxg_rule_counters old[MXG_RULES_MAX];
	uint32_t i;

	if (from_seqno == to->seqno)
		return;
	memcpy(old, c->rules, sizeof(old));
	memset(c->rules, 0, sizeof(c->rules));
	if (!from_seqno || from_seqno != to->prev_seqno)
		return; /* not the policy it replaced: counts start anew */
	for (i = 0; i < to->engine->n_rules && i < MXG_RULES_MAX; i++)
		if (to->prev_index[i] >= 0)
			c->rules[i] = old[to->prev_index[i]];
}

/* Switch to a newly published policy, carrying the rule counters over. */
static void adopt_policy(struct dp_lcore *lc, const struct dp_policy *pol)
{
	dp_remap_rules(&lc->counters, lc->pol ? lc->pol->seqno : 0, pol);
	lc->pol = pol;
	lc->st.policy_adopted++;
}

/* Answer a snapshot request from the control thread. */
static void service_mailbox(struct dp_lcore *lc)
{
	uint32_t req = __atomic_load_n(&lc->snap_req, __ATOMIC_ACQUIRE);

	if (likely(req == lc->snap_done))
		return;
	if (lc->top_fresh) {
		lc->top_old = lc->top;
		lc->top = lc->top_fresh;
		lc->top_fresh = NULL;
	}
	lc->snap = lc->counters;
	lc->snap_table = lc->table_stats;
	lc->snap_st = lc->st;
	lc->snap_seqno = lc->pol ? lc->pol->seqno : 0;
	__atomic_store_n(&lc->snap_done, req, __ATOMIC_RELEASE);
}

/* A multi-segment frame, copied whole (up to DP_SCRATCH) to be parsed. */
static const uint8_t *linearize(struct dp_lcore *lc, struct rte_mbuf *m,
				uint32_t *len)
{
	uint32_t l = m->pkt_len;

	if (l > DP_SCRATCH) {
		l = DP_SCRATCH;
		lc->st.too_long++;
	}
	lc->st.linearized++;
	*len = l;
	return rte_pktmbuf_read(m, 0, l, lc->scratch);
}

/* The clock for a connection attempt in m. */
static inline uint64_t
attempt_time(struct dp_lcore *lc, const struct rte_mbuf *m, uint64_t tsc_now_ns)
{
	if (likely(dp.cfg.clock == DP_CLOCK_TSC))
		return tsc_now_ns;
	if (likely(m->ol_flags & dp.ts_flag)) {
		uint64_t ts = *RTE_MBUF_DYNFIELD(m, dp.ts_offset,
						 const rte_mbuf_timestamp_t *);

		lc->last_ts_ns = ts * dp.ports[m->port].rx_ts_unit_ns;
		return lc->last_ts_ns;
	}
	if (lc->st.no_rx_timestamp++ == 0)
		DP_LOG_RL(WARNING, "worker",
			  "lcore %u: --clock rx-timestamp, but port %u gives "
			  "frames without an RX timestamp (infinite_rx?): "
			  "their clock stands at the last timestamp seen",
			  lc->lcore_id, m->port);
	return lc->last_ts_ns;
}

/*
 * Decide the burst's connection attempts in arrival order, each after the
 * engine's three steps ahead of it (engine.h), MXG_ENGINE_PREFETCH_DISTANCE
 * attempts apart, so that the table's cache misses overlap; the top
 * tracker's slot is prefetched with the first step.
 */
static void decide_burst(struct dp_lcore *lc, const struct mxg_engine *e,
			 const uint8_t *cand, uint32_t nc)
{
	enum { D = MXG_ENGINE_PREFETCH_DISTANCE, S = MXG_ENGINE_AHEAD_STEPS };
	struct mxg_engine_ahead ahead[DP_BURST];
	struct mxg_decision d;
	uint32_t i, k, step;

	for (i = 0; i < nc + S * D; i++) {
		for (step = 0; step < S; step++) {
			if (i < step * D || i - step * D >= nc)
				continue;
			k = cand[i - step * D];
			mxg_engine_ahead_step(e, dp.table, step, &lc->pkt[k],
					      lc->src_class[k],
					      lc->dst_class[k], lc->now[k],
					      &ahead[k]);
			if (step == 0)
				mxg_top_prefetch(lc->top, lc->pkt[k].family,
						 lc->pkt[k].src);
		}
		if (i < S * D || i - S * D >= nc)
			continue;
		k = cand[i - S * D];
		mxg_engine_decide_ahead(e, dp.table, &lc->counters,
					&lc->table_stats, &lc->pkt[k],
					lc->src_class[k], lc->dst_class[k],
					lc->now[k], &ahead[k], &d);
		lc->verdict[k] = d.verdict;
		if (d.attempt)
			mxg_top_update(lc->top, lc->pkt[k].family,
				       lc->pkt[k].src,
				       d.verdict == MXG_VERDICT_DROP ||
					       d.verdict == MXG_VERDICT_RESET,
				       lc->now[k]);
	}
}

static void process_burst(struct dp_lcore *lc, const struct dp_policy *pol,
			  const struct dp_rxq *q, struct rte_mbuf **pkts,
			  uint16_t n)
{
	const struct mxg_engine *e = pol->engine;
	struct rte_mbuf *drop[DP_BURST];
	uint8_t cand[DP_BURST];
	uint64_t tsc_now_ns = 0;
	uint32_t nc = 0, nd = 0, i;
	struct mxg_decision d;

	if (dp.cfg.clock == DP_CLOCK_TSC)
		tsc_now_ns = dp_tsc_ns(rte_rdtsc());
	for (i = 0; i < n && i < DP_PREFETCH_OFFSET; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));

	/* Parse; account and mark what is not a connection attempt. */
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct mxg_pkt *p = &lc->pkt[i];
		const uint8_t *data;
		uint32_t len;

		if (i + DP_PREFETCH_OFFSET < n)
			rte_prefetch0(rte_pktmbuf_mtod(
				pkts[i + DP_PREFETCH_OFFSET], void *));
		if (likely(m->nb_segs == 1)) {
			data = rte_pktmbuf_mtod(m, const uint8_t *);
			len = m->data_len;
			lc->data[i] = data;
		} else {
			data = linearize(lc, m, &len);
			lc->data[i] = NULL; /* re-read if a RST is needed */
		}
		lc->len[i] = len;
		mxg_parse_eth(data, data + len, p);
		if (likely(!mxg_engine_is_candidate(e, p))) {
			mxg_engine_forward(&lc->counters, p, &d);
			lc->verdict[i] = MXG_VERDICT_FORWARD;
			continue;
		}
		lc->now[i] = attempt_time(lc, m, tsc_now_ns);
		cand[nc++] = (uint8_t)i;
	}

	/* Classify and decide the connection attempts, in arrival order. */
	if (unlikely(nc > 0)) {
		dp_classify(pol, lc, cand, nc);
		decide_burst(lc, e, cand, nc);
	}

	/* Act on every frame in arrival order. */
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const uint8_t *data;
		uint32_t len;

		switch (lc->verdict[i]) {
		case MXG_VERDICT_DROP:
			lc->st.policy_dropped++;
			drop[nd++] = m;
			break;
		case MXG_VERDICT_RESET:
			lc->st.policy_dropped++;
			data = lc->data[i];
			len = lc->len[i];
			if (!data)
				data = linearize(lc, m, &len);
			if (dp_tx_rst(lc, m, data, len, &lc->pkt[i]) == 0) {
				lc->st.rst_sent++;
			} else {
				lc->st.rst_unbuilt++;
				drop[nd++] = m;
			}
			break;
		default: /* forward, pass, would_drop */
			dp_tx_enqueue(lc, q->peer, m);
			break;
		}
	}
	if (unlikely(nd))
		rte_pktmbuf_free_bulk(drop, nd);
}

static void flush_all(struct dp_lcore *lc)
{
	uint16_t i;

	for (i = 0; i < DP_MAX_PORTS; i++)
		if (dp.ports[i].in_use)
			dp_tx_flush(lc, i);
}

int dp_worker_main(void *arg)
{
	struct dp_lcore *lc = arg;
	struct rte_mbuf *pkts[DP_BURST];
	uint16_t ports[DP_MAX_PORTS], n_ports = 0, i;

	for (i = 0; i < DP_MAX_PORTS; i++)
		if (dp.ports[i].in_use)
			ports[n_ports++] = i;
	if (rte_rcu_qsbr_thread_register(dp.qsv, lc->worker_id) != 0) {
		DP_LOG(ERR, "worker", "lcore %u: cannot register with RCU",
		       lc->lcore_id);
		return -EINVAL;
	}
	rte_rcu_qsbr_thread_online(dp.qsv, lc->worker_id);
	DP_LOG(INFO, "worker", "lcore %u: worker %u polling %u rx queues",
	       lc->lcore_id, lc->worker_id, lc->n_rxq);

	while (likely(!__atomic_load_n(&dp.stop, __ATOMIC_RELAXED))) {
		const struct dp_policy *pol =
			__atomic_load_n(&dp.active, __ATOMIC_ACQUIRE);

		if (unlikely(pol != lc->pol))
			adopt_policy(lc, pol);
		service_mailbox(lc);
		for (i = 0; i < lc->n_rxq; i++) {
			const struct dp_rxq *q = &lc->rxq[i];
			uint16_t n = rte_eth_rx_burst(q->port, q->queue, pkts,
						      DP_BURST);

			if (n == 0)
				continue;
			__atomic_store_n(&lc->st.rx, lc->st.rx + n,
					 __ATOMIC_RELAXED);
			lc->st.bursts++;
			process_burst(lc, pol, q, pkts, n);
		}
		for (i = 0; i < n_ports; i++)
			dp_tx_flush(lc, ports[i]);
		rte_rcu_qsbr_quiescent(dp.qsv, lc->worker_id);
	}

	flush_all(lc);
	rte_rcu_qsbr_thread_offline(dp.qsv, lc->worker_id);
	rte_rcu_qsbr_thread_unregister(dp.qsv, lc->worker_id);
	DP_LOG(INFO, "worker", "lcore %u: stopped after %" PRIu64 " frames",
	       lc->lcore_id, lc->st.rx);
	return 0;
}
