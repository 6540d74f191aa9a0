// SPDX-License-Identifier: BSD-3-Clause
/*
 * mxgate-dp ports: port pairs, rx/tx queues with RSS where the PMD has
 * it, mempools sized from the port and queue configuration, and the
 * check at exit that every mbuf came back.
 *
 * Queue layout: every port in use gets one rx queue per worker (or
 * --rx-queues), as many as the PMD offers, spread over the workers in
 * turn; and one tx queue per worker, so that workers transmit without
 * locks. A PMD with fewer tx queues than workers has them shared, each
 * behind a spinlock (virtual devices often offer one).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dp.h"
#include "dp_log.h"

#define DP_MBUF_CACHE	 256
#define DP_MBUF_HEADROOM 8192 /* RSTs in flight, jumbo chains, pcap preload */
#define DP_RSS_DEFAULT	 (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP)
/* --rss-src-only: the IP flow types on the source address, no L4 type
 * (their hash would take in the ports). */
#define DP_RSS_SRC_ONLY (RTE_ETH_RSS_IP | RTE_ETH_RSS_L3_SRC_ONLY)

/*
 * The RSS hash types of a port (rss_hf; 0: no RSS). --rss-src-only needs
 * the PMD to offer RTE_ETH_RSS_L3_SRC_ONLY with at least one IP type:
 * otherwise the option is refused (-ENOTSUP), whatever the queue count,
 * rather than silently hashing on more than the source.
 */
static int plan_rss(struct dp_port *p, const struct rte_eth_dev_info *info)
{
	uint64_t offl = info->flow_type_rss_offloads;

	if (!dp.cfg.rss_src_only) {
		p->rss_hf = DP_RSS_DEFAULT & offl;
		return 0;
	}
	if (!(offl & RTE_ETH_RSS_L3_SRC_ONLY) || !(offl & RTE_ETH_RSS_IP)) {
		DP_LOG(ERR, "port",
		       "port %u (%s): --rss-src-only: the device cannot hash "
		       "on the source address alone (RSS hash types 0x%" PRIx64
		       ", %s); see hw/nics.json, or drop the option",
		       p->id, p->driver, offl,
		       offl & RTE_ETH_RSS_IP ? "no RTE_ETH_RSS_L3_SRC_ONLY" :
					       "no IP RSS");
		return -ENOTSUP;
	}
	p->rss_hf = DP_RSS_SRC_ONLY & offl; /* L3_SRC_ONLY is in offl */
	return 0;
}

static int port_socket(uint16_t port)
{
	int s = rte_eth_dev_socket_id(port);

	return s < 0 ? 0 : s; /* SOCKET_ID_ANY: virtual devices */
}

static int setup_pairs(void)
{
	struct dp_config *c = &dp.cfg;
	uint16_t n_avail = rte_eth_dev_count_avail(), i;

	if (c->n_pairs == 0) {
		if (n_avail < 2) {
			DP_LOG(ERR, "port",
			       "%u port(s) found; the default inline pair needs "
			       "ports 0 and 1 (or give --pairs)",
			       n_avail);
			return -ENODEV;
		}
		c->pairs[0].a = 0;
		c->pairs[0].b = 1;
		c->n_pairs = 1;
	}
	for (i = 0; i < c->n_pairs; i++) {
		uint16_t a = c->pairs[i].a, b = c->pairs[i].b;

		if (!rte_eth_dev_is_valid_port(a) ||
		    !rte_eth_dev_is_valid_port(b)) {
			DP_LOG(ERR, "port",
			       "pair %u:%u: no such port (%u found)", a, b,
			       n_avail);
			return -ENODEV;
		}
		if (dp.ports[a].in_use || dp.ports[b].in_use) {
			DP_LOG(ERR, "port",
			       "pair %u:%u: a port is in two pairs", a, b);
			return -EINVAL;
		}
		dp.ports[a].in_use = dp.ports[b].in_use = 1;
		dp.ports[a].peer = b;
		dp.ports[b].peer = a;
		dp.ports[a].id = a;
		dp.ports[b].id = b;
		dp.n_ports_used =
			(uint16_t)(dp.n_ports_used + (a == b ? 1 : 2));
	}
	return 0;
}

static int plan_queues(struct dp_port *p, const struct rte_eth_dev_info *info)
{
	uint16_t want_rx = dp.cfg.rx_queues ? dp.cfg.rx_queues : dp.n_workers;
	uint16_t max_rx = RTE_MIN(info->max_rx_queues, (uint16_t)DP_MAX_QUEUES);
	uint16_t max_tx = RTE_MIN(info->max_tx_queues, (uint16_t)DP_MAX_QUEUES);

	if (max_rx == 0 || max_tx == 0) {
		DP_LOG(ERR, "port", "port %u (%s): no rx or tx queue", p->id,
		       p->driver);
		return -ENODEV;
	}
	p->n_rxq = RTE_MIN(want_rx, max_rx);
	p->n_txq = RTE_MIN(dp.n_workers, max_tx);
	p->tx_shared = p->n_txq < dp.n_workers;
	if (info->nb_rx_queues > p->n_rxq)
		DP_LOG(WARNING, "port",
		       "port %u (%s): the PMD set up %u rx queues (one per "
		       "rx_pcap file, say) and only %u are polled: give "
		       "--rx-queues %u",
		       p->id, p->driver, info->nb_rx_queues, p->n_rxq,
		       info->nb_rx_queues);
	if (p->n_rxq < want_rx)
		DP_LOG(NOTICE, "port",
		       "port %u (%s): %u rx queue(s) wanted, the PMD offers %u",
		       p->id, p->driver, want_rx, p->n_rxq);
	if (p->tx_shared)
		DP_LOG(NOTICE, "port",
		       "port %u (%s): %u tx queue(s) for %u workers: shared, "
		       "locked",
		       p->id, p->driver, p->n_txq, dp.n_workers);
	return 0;
}

/* Mbufs a socket needs for the ports on it, rounded to 2^k - 1. */
static uint32_t pool_size(int socket)
{
	uint64_t n = DP_MBUF_HEADROOM, size = 1;
	uint16_t i;

	for (i = 0; i < DP_MAX_PORTS; i++) {
		const struct dp_port *p = &dp.ports[i];

		if (!p->in_use || p->socket != socket)
			continue;
		n += (uint64_t)p->n_rxq * dp.cfg.nb_rxd +
		     (uint64_t)p->n_txq * dp.cfg.nb_txd +
		     (uint64_t)dp.n_workers * (DP_TX_BUF + DP_BURST);
	}
	n += (uint64_t)(dp.n_workers + 1) * DP_MBUF_CACHE;
	while (size - 1 < n)
		size <<= 1;
	return (uint32_t)RTE_MIN(size - 1, (uint64_t)UINT32_MAX);
}

static int create_pools(void)
{
	uint16_t i;

	for (i = 0; i < DP_MAX_PORTS; i++) {
		struct dp_port *p = &dp.ports[i];
		char name[RTE_MEMPOOL_NAMESIZE];
		uint32_t n;

		if (!p->in_use || dp.pools[p->socket])
			continue;
		n = dp.cfg.n_mbufs ? dp.cfg.n_mbufs : pool_size(p->socket);
		snprintf(name, sizeof(name), "mxg_mbuf_%d", p->socket);
		dp.pools[p->socket] = rte_pktmbuf_pool_create(
			name, n, DP_MBUF_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
			p->socket);
		if (!dp.pools[p->socket]) {
			DP_LOG(ERR, "port",
			       "cannot create a pool of %u mbufs on socket %d: "
			       "%s",
			       n, p->socket, rte_strerror(rte_errno));
			return -ENOMEM;
		}
		DP_LOG(INFO, "port", "socket %d: mempool of %u mbufs (%u MiB)",
		       p->socket, n,
		       (unsigned int)(((uint64_t)n *
				       (RTE_MBUF_DEFAULT_BUF_SIZE +
					sizeof(struct rte_mbuf))) >>
				      20));
	}
	return 0;
}

static int configure_port(struct dp_port *p,
			  const struct rte_eth_dev_info *info)
{
	struct rte_eth_conf conf;
	struct rte_eth_rxconf rxc = info->default_rxconf;
	struct rte_eth_txconf txc = info->default_txconf;
	uint16_t nb_rxd = dp.cfg.nb_rxd, nb_txd = dp.cfg.nb_txd, q;
	int rc;

	memset(&conf, 0, sizeof(conf));
	if (p->n_rxq > 1 && p->rss_hf) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = p->rss_hf;
	} else if (p->n_rxq > 1) {
		DP_LOG(NOTICE, "port",
		       "port %u (%s): no RSS; %u rx queues fed by the PMD",
		       p->id, p->driver, p->n_rxq);
	}
	if (dp.cfg.clock == DP_CLOCK_RX_TIMESTAMP &&
	    (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP))
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
	if (info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;

	rc = rte_eth_dev_configure(p->id, p->n_rxq, p->n_txq, &conf);
	if (rc) {
		DP_LOG(ERR, "port", "port %u (%s): configure failed: %s", p->id,
		       p->driver, strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->id, &nb_rxd, &nb_txd);
	if (rc) {
		DP_LOG(ERR, "port", "port %u: descriptor counts: %s", p->id,
		       strerror(-rc));
		return rc;
	}
	rxc.offloads = conf.rxmode.offloads;
	txc.offloads = conf.txmode.offloads;
	for (q = 0; q < p->n_rxq; q++) {
		rc = rte_eth_rx_queue_setup(p->id, q, nb_rxd, p->socket, &rxc,
					    dp.pools[p->socket]);
		if (rc) {
			DP_LOG(ERR, "port", "port %u rx queue %u: %s", p->id, q,
			       strerror(-rc));
			return rc;
		}
	}
	for (q = 0; q < p->n_txq; q++) {
		rc = rte_eth_tx_queue_setup(p->id, q, nb_txd, p->socket, &txc);
		if (rc) {
			DP_LOG(ERR, "port", "port %u tx queue %u: %s", p->id, q,
			       strerror(-rc));
			return rc;
		}
		rte_spinlock_init(&p->txq_lock[q]);
	}
	rc = rte_eth_dev_start(p->id);
	if (rc) {
		DP_LOG(ERR, "port", "port %u (%s): start failed: %s", p->id,
		       p->driver, strerror(-rc));
		return rc;
	}
	if (!dp.cfg.no_promisc) {
		rc = rte_eth_promiscuous_enable(p->id);
		if (rc && rc != -ENOTSUP)
			DP_LOG(WARNING, "port", "port %u: promiscuous mode: %s",
			       p->id, strerror(-rc));
	}
	DP_LOG(INFO, "port",
	       "port %u (%s) -> port %u: %u rx queue(s), %u tx queue(s), "
	       "%u/%u descriptors, rss 0x%" PRIx64,
	       p->id, p->driver, p->peer, p->n_rxq, p->n_txq, nb_rxd, nb_txd,
	       conf.rx_adv_conf.rss_conf.rss_hf);
	return 0;
}

/* Device info of the ports in use, from dp_ports_plan(). */
static struct rte_eth_dev_info port_info[DP_MAX_PORTS];

int dp_ports_plan(void)
{
	uint16_t i;
	int rc;

	rc = setup_pairs();
	if (rc)
		return rc;
	for (i = 0; i < DP_MAX_PORTS; i++) {
		struct dp_port *p = &dp.ports[i];

		if (!p->in_use)
			continue;
		rc = rte_eth_dev_info_get(i, &port_info[i]);
		if (rc) {
			DP_LOG(ERR, "port", "port %u: no device info: %s", i,
			       strerror(-rc));
			return rc;
		}
		snprintf(p->driver, sizeof(p->driver), "%s",
			 port_info[i].driver_name ? port_info[i].driver_name :
						    "?");
		p->socket = port_socket(i);
		p->rx_ts_unit_ns = dp.cfg.rx_ts_unit_ns;
		if (!p->rx_ts_unit_ns) /* the pcap PMD stamps microseconds */
			p->rx_ts_unit_ns =
				strcmp(p->driver, "net_pcap") == 0 ? 1000 : 1;
		rc = plan_queues(p, &port_info[i]);
		if (rc)
			return rc;
		rc = plan_rss(p, &port_info[i]);
		if (rc)
			return rc;
	}
	return 0;
}

int dp_ports_start(void)
{
	uint16_t i;
	int rc;

	rc = create_pools();
	if (rc)
		return rc;
	for (i = 0; i < DP_MAX_PORTS; i++) {
		if (!dp.ports[i].in_use)
			continue;
		rc = configure_port(&dp.ports[i], &port_info[i]);
		if (rc)
			return rc;
	}
	return 0;
}

void dp_ports_close(void)
{
	uint16_t i;
	int rc;

	for (i = 0; i < DP_MAX_PORTS; i++) {
		if (!dp.ports[i].in_use)
			continue;
		rc = rte_eth_dev_stop(i);
		if (rc)
			DP_LOG(WARNING, "port", "port %u: stop: %s", i,
			       strerror(-rc));
		rc = rte_eth_dev_close(i);
		if (rc)
			DP_LOG(WARNING, "port", "port %u: close: %s", i,
			       strerror(-rc));
	}
}

int dp_mempools_check(void)
{
	int i, leaked = 0;

	for (i = 0; i < RTE_MAX_NUMA_NODES; i++) {
		struct rte_mempool *mp = dp.pools[i];
		unsigned int avail;

		if (!mp)
			continue;
		avail = rte_mempool_avail_count(mp);
		if (avail != mp->size) {
			DP_LOG(ERR, "port",
			       "socket %d: %u of %u mbufs back: %u leaked", i,
			       avail, mp->size, mp->size - avail);
			leaked = 1;
		} else {
			DP_LOG(INFO, "port", "socket %d: all %u mbufs back", i,
			       mp->size);
		}
	}
	return leaked ? -EFAULT : 0;
}
