/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TX burst flush (STYLE.md §9.4: one of the two places that handle a partial burst). One retry
 * when the ring was full, then the tail is freed and counted, as l3fwd's send_burst does.
 */
#include <rte_ethdev.h>

#include "port/txq.h"

void
ft_txq_flush(struct ft_txq *q, struct ft_stats *st)
{
	uint16_t n = q->n, sent;

	if (n == 0)
		return;
	for (uint16_t i = 0; i < n; i++)
		st->tx_bytes += q->pkts[i]->pkt_len;
	sent = rte_eth_tx_burst(q->port_id, q->queue_id, q->pkts, n);
	if (unlikely(sent < n))
		sent += rte_eth_tx_burst(q->port_id, q->queue_id, q->pkts + sent, n - sent);
	st->tx_pkts += sent;
	for (uint16_t i = sent; i < n; i++) {
		st->tx_bytes -= q->pkts[i]->pkt_len;
		st->drops[FT_DROP_TX_FULL]++;
		rte_pktmbuf_free(q->pkts[i]);
	}
	q->n = 0;
	q->bytes = 0;
}
