/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker, per-port TX buffers: packets are buffered and handed to the device in bursts,
 * once per loop iteration or when a burst fills (never one packet per rte_eth_tx_burst).
 * The unsent tail of a burst is freed here and counted as FT_DROP_TX_FULL.
 */
#ifndef FT_PORT_TXQ_H
#define FT_PORT_TXQ_H

#include <stdint.h>

#include <rte_mbuf.h>

#include <fasttcp/ft_stats.h>

#define FT_TX_BURST 32

struct ft_txq {
	uint16_t port_id;
	uint16_t queue_id;
	uint16_t n;
	struct rte_mbuf *pkts[FT_TX_BURST];
};

/* Hand the buffered packets to the device; free and count what it did not take. */
void ft_txq_flush(struct ft_txq *q, struct ft_stats *st);

/* Buffer @p m for transmission. Consumes @p m. Owning worker. */
static inline void
ft_txq_add(struct ft_txq *q, struct rte_mbuf *m, struct ft_stats *st)
{
	q->pkts[q->n++] = m;
	if (q->n == FT_TX_BURST)
		ft_txq_flush(q, st);
}

#endif /* FT_PORT_TXQ_H */
