/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which queue a NIC's RSS will put a flow's packets on: the Toeplitz hash (rte_softrss) with
 * the key we programmed, then the default redirection table (entry i -> queue i % n). Active
 * opens use it to pick a source port whose replies come back to the worker that opened the
 * connection (ARCHITECTURE.md: flows are pinned to workers by symmetric RSS). Pure logic.
 */
#ifndef FT_TCP_RSS_H
#define FT_TCP_RSS_H

#include <stdint.h>

#include <rte_thash.h>

/* Queue of the flow faddr:fport -> laddr:lport (host order; a symmetric key makes the
 * direction irrelevant). */
static inline uint16_t
ft_rss_queue(const uint8_t *key, uint16_t reta_size, uint16_t n_queues, uint32_t faddr,
	     uint32_t laddr, uint16_t fport, uint16_t lport)
{
	uint32_t tuple[3] = { faddr, laddr, (uint32_t)fport << 16 | lport };
	uint32_t h = rte_softrss(tuple, 3, key);

	return (uint16_t)((h % reta_size) % n_queues);
}

#endif /* FT_TCP_RSS_H */
