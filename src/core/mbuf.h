/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mbuf helpers. Header room: every packet we build reserves FT_HDR_ROOM for Ethernet + IPv4 +
 * the largest L4 header, so output stages prepend in place and never copy.
 */
#ifndef FT_CORE_MBUF_H
#define FT_CORE_MBUF_H

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

/* Ethernet + IPv4 (with options) + TCP with options, rounded up. */
#define FT_HDR_ROOM 128

_Static_assert(FT_HDR_ROOM <= RTE_PKTMBUF_HEADROOM, "mbuf headroom too small");

/* Allocate an mbuf whose data starts FT_HDR_ROOM bytes in. NULL when the pool is empty. */
static inline struct rte_mbuf *
ft_mbuf_alloc(struct rte_mempool *mp)
{
	return rte_pktmbuf_alloc(mp);
}

/* Remove @p len bytes from the front of the chain @p m (any segments; the head stays). */
void ft_mbuf_adj(struct rte_mbuf *m, uint32_t len);

/* Remove @p len bytes from the end of the chain @p m, freeing emptied tail segments. */
void ft_mbuf_trim(struct rte_mbuf *m, uint32_t len);

/*
 * Make the first @p len bytes (or the whole packet if shorter) contiguous in the first segment,
 * copying from the following segments into its tailroom (BSD m_pullup). A reassembled datagram
 * may hold only the IP header in its first segment. Following segments are only re-offset, so
 * shared (indirect) ones are never written. 0, or -ENOSPC when the first segment is shared or
 * has too little room (nothing changed).
 */
int ft_mbuf_pullup(struct rte_mbuf *m, uint32_t len);

#endif /* FT_CORE_MBUF_H */
