/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker, per-port TX buffers: packets are buffered and handed to the device in bursts,
 * once per loop iteration or when a burst fills, by count or by bytes (never one small
 * packet per rte_eth_tx_burst).
 * The unsent tail of a burst is freed here and counted as FT_DROP_TX_FULL.
 */
#ifndef FT_PORT_TXQ_H
#define FT_PORT_TXQ_H

#include <stdint.h>

#include <rte_mbuf.h>

#include <fasttcp/ft_stats.h>

#define FT_TX_BURST 32
/* ... or this many bytes, whichever comes first: 32 frames of 1500 bytes stay one burst, but
 * TSO super-segments (up to 64 KB each) leave two at a time instead of 2 MB at once, so that
 * the peer of a virtual wire starts on them while the sender builds the next ones. */
#define FT_TX_BURST_BYTES (128u << 10)

struct ft_txq {
	uint16_t port_id;
	uint16_t queue_id;
	uint16_t n;
	uint32_t bytes;   /* of the n buffered packets */
	struct rte_mbuf *pkts[FT_TX_BURST];
};

/* Hand the buffered packets to the device; free and count what it did not take. */
void ft_txq_flush(struct ft_txq *q, struct ft_stats *st);

/* Buffer @p m for transmission. Consumes @p m. Owning worker. */
static inline void
ft_txq_add(struct ft_txq *q, struct rte_mbuf *m, struct ft_stats *st)
{
	q->pkts[q->n++] = m;
	q->bytes += m->pkt_len;
	if (q->n == FT_TX_BURST || q->bytes >= FT_TX_BURST_BYTES)
		ft_txq_flush(q, st);
}

#endif /* FT_PORT_TXQ_H */
