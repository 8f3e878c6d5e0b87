/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * struct ft_worker: the per-lcore context every layer receives as its first argument.
 * Everything in it belongs to one lcore (share nothing); the pointers to layer state are
 * forward-declared so that core/ includes no higher layer. The loop itself is in
 * stack/loop.c, because it calls into every layer.
 */
#ifndef FT_CORE_WORKER_H
#define FT_CORE_WORKER_H

#include <stdint.h>

#include <rte_mbuf.h>

#include <fasttcp/ft_stack.h>
#include <fasttcp/ft_stats.h>

#include "core/stats.h"
#include "core/token_bucket.h"

#define FT_RX_BURST 32 /* packets per rte_eth_rx_burst, and the largest burst a stage takes */

struct ft_txq;
struct ft_arp_cache;
struct ft_reass;
struct ft_iface;
struct ft_net;
struct ft_tcp_worker;
struct ft_handoff;
struct rte_rcu_qsbr;

struct ft_worker {
	uint64_t now;                    /* TSC, read once per loop iteration */
	struct ft_stats stats;           /* written by this worker only */
	const struct ft_net *net;        /* shared, read-only while running */
	const struct ft_iface *ifaces;   /* shared, read-only: one per port */
	uint16_t n_ifaces;
	struct ft_txq *txq[FT_MAX_PORTS];
	struct ft_arp_cache *arp[FT_MAX_PORTS];
	struct ft_reass *reass;
	struct ft_tcp_worker *tcp;       /* NULL when TCP is disabled */
	struct ft_handoff *handoff;      /* calls from other threads (ft_worker_call) */
	struct rte_mempool *pool;
	struct ft_token_bucket icmp_tb;  /* ICMP error rate limit (RFC 1812 §4.3.2.8) */
	struct ft_stack *stack;
	struct rte_rcu_qsbr *qsbr;
	unsigned int idx;
	unsigned int lcore_id;
	uint64_t next_tick;              /* next housekeeping (ARP aging, reassembly expiry) */
	uint64_t last_busy;              /* TSC of the last iteration that received packets */
	uint32_t idle_loops;             /* sleeps since then (their length grows) */
};

/* Count @p m under @p r and free it. Consumes @p m. Owning worker. */
static inline void
ft_drop(struct ft_worker *w, struct rte_mbuf *m, enum ft_drop_reason r)
{
	ft_stats_drop(&w->stats, m, r);
}

#endif /* FT_CORE_WORKER_H */
