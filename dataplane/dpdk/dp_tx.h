/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mxgate-dp transmit stage: per (worker, port) buffers flushed when full
 * and after every poll round; bounded retries under backpressure, then
 * the rest is counted and freed (never leaked); RSTs written in place
 * over the SYN they answer and sent back out of the ingress port.
 */
#ifndef MXGATE_DP_TX_H
#define MXGATE_DP_TX_H

#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_spinlock.h>

#include "dp.h"
#include "rst.h"

static inline void dp_tx_flush(struct dp_lcore *lc, uint16_t port)
{
	struct dp_txbuf *b = &lc->tx[port];
	uint16_t sent = 0, n = b->n;
	uint32_t tries = 0;

	if (n == 0)
		return;
	if (unlikely(b->shared))
		rte_spinlock_lock(&dp.ports[port].txq_lock[b->queue]);
	for (;;) {
		uint16_t k = rte_eth_tx_burst(port, b->queue, b->m + sent,
					      (uint16_t)(n - sent));

		sent = (uint16_t)(sent + k);
		if (likely(sent == n))
			break;
		if (k == 0 && ++tries > dp.cfg.tx_retries)
			break;
		rte_pause();
	}
	if (unlikely(b->shared))
		rte_spinlock_unlock(&dp.ports[port].txq_lock[b->queue]);
	lc->st.tx += sent;
	if (unlikely(sent < n)) {
		lc->st.tx_dropped += (uint64_t)(n - sent);
		rte_pktmbuf_free_bulk(b->m + sent, (unsigned int)(n - sent));
	}
	b->n = 0;
}

static inline void dp_tx_enqueue(struct dp_lcore *lc, uint16_t port,
				 struct rte_mbuf *m)
{
	struct dp_txbuf *b = &lc->tx[port];

	b->m[b->n++] = m;
	if (unlikely(b->n == DP_TX_BUF))
		dp_tx_flush(lc, port);
}

/*
 * Turn the SYN in m (its bytes at data[0..len), parsed as p) into the RST
 * that answers it, and queue it on the ingress port. 0, or -EINVAL when
 * no RST can be built (the caller frees m).
 */
static inline int dp_tx_rst(struct dp_lcore *lc, struct rte_mbuf *m,
			    const uint8_t *data, uint32_t len,
			    const struct mxg_pkt *p)
{
	uint8_t rst[MXG_RST_MAX];
	size_t n;

	/* One segment, parsed in place: rewrite it where it lies. */
	if (likely(m->nb_segs == 1 &&
		   data == rte_pktmbuf_mtod(m, const uint8_t *))) {
		n = mxg_rst_rewrite(rte_pktmbuf_mtod(m, uint8_t *), len,
				    (size_t)m->buf_len - m->data_off, p);
		if (likely(n)) {
			m->data_len = (uint16_t)n;
			m->pkt_len = (uint32_t)n;
			m->ol_flags = 0;
			m->packet_type = 0;
			dp_tx_enqueue(lc, m->port, m);
			return 0;
		}
	}
	n = mxg_rst_build(data, len, p, 1, rst, sizeof(rst));
	if (n == 0)
		return -EINVAL;
	if (m->next) {
		rte_pktmbuf_free(m->next);
		m->next = NULL;
		m->nb_segs = 1;
	}
	rte_pktmbuf_reset_headroom(m);
	if ((size_t)m->buf_len - m->data_off < n) /* a tiny data room */
		return -EINVAL;
	memcpy(rte_pktmbuf_mtod(m, void *), rst, n);
	m->data_len = (uint16_t)n;
	m->pkt_len = (uint32_t)n;
	m->ol_flags = 0;
	m->packet_type = 0;
	dp_tx_enqueue(lc, m->port, m);
	return 0;
}

#endif /* MXGATE_DP_TX_H */
