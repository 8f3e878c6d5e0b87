/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Drop accounting: every drop site calls ft_stats_drop() (or ft_drop() with a worker), which
 * counts under one reason and frees the packet. Counters are per worker, never shared.
 */
#ifndef FT_CORE_STATS_H
#define FT_CORE_STATS_H

#include <rte_mbuf.h>

#include <fasttcp/ft_stats.h>

/* Count @p m under @p r and free it (NULL-safe). Consumes @p m. */
static inline void
ft_stats_drop(struct ft_stats *st, struct rte_mbuf *m, enum ft_drop_reason r)
{
	st->drops[r]++;
	rte_pktmbuf_free(m);
}

/* Add @p src into @p dst, counter by counter. */
void ft_stats_add(struct ft_stats *dst, const struct ft_stats *src);

#endif /* FT_CORE_STATS_H */
