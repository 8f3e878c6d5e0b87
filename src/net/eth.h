/* SPDX-License-Identifier: BSD-3-Clause */
/* Ethernet: receive-side classification and header build. */
#ifndef FT_NET_ETH_H
#define FT_NET_ETH_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

struct ft_worker;

/*
 * Classify a received burst from interface @p iface once into ARP and IPv4 vectors and hand
 * each to its layer; everything else is dropped with a reason. Consumes all @p n (<= FT_RX_BURST) packets.
 */
void ft_eth_input_burst(struct ft_worker *w, uint16_t iface, struct rte_mbuf **pkts,
			uint16_t n);

/*
 * Prepend an Ethernet header (our MAC to @p dst, @p ethertype host order) and queue for TX on
 * @p iface. Consumes @p m (dropped as NO_MBUF if there is no headroom).
 */
void ft_eth_output(struct ft_worker *w, uint16_t iface, struct rte_mbuf *m,
		   const struct rte_ether_addr *dst, uint16_t ethertype);

#endif /* FT_NET_ETH_H */
