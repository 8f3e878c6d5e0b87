/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet demux (IEEE 802.3 / Ethernet II). Accepts frames to our MAC, broadcast and
 * multicast; the burst is split once into ARP and IPv4 vectors (ipsec-secgw's traffic_type
 * idea) so each layer sees a burst of its own type. VLAN tags are not configured yet and are
 * dropped with their own reason. Does not: bridging, VLANs, IPv6 (counted as ETH_TYPE).
 */
#include <rte_byteorder.h>

#include "core/worker.h"
#include "net/arp.h"
#include "net/eth.h"
#include "net/iface.h"
#include "net/ipv4.h"
#include "port/txq.h"

void
ft_eth_input_burst(struct ft_worker *w, uint16_t iface, struct rte_mbuf **pkts, uint16_t n)
{
	const struct rte_ether_addr *own = &w->ifaces[iface].mac;
	struct rte_mbuf *arp[FT_RX_BURST], *ip[FT_RX_BURST];
	uint16_t na = 0, ni = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eh;

		w->stats.rx_pkts++;
		w->stats.rx_bytes += m->pkt_len;
		if (unlikely(m->data_len < sizeof(*eh))) {
			ft_drop(w, m, FT_DROP_ETH_SHORT);
			continue;
		}
		eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		if (unlikely(!rte_is_same_ether_addr(&eh->dst_addr, own) &&
			     !rte_is_multicast_ether_addr(&eh->dst_addr))) {
			ft_drop(w, m, FT_DROP_ETH_NOT_US);
			continue;
		}
		m->l2_len = sizeof(*eh);
		if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
			rte_pktmbuf_adj(m, sizeof(*eh));
			ip[ni++] = m;
		} else if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
			rte_pktmbuf_adj(m, sizeof(*eh));
			arp[na++] = m;
		} else if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_VLAN)) {
			ft_drop(w, m, FT_DROP_ETH_VLAN);
		} else {
			ft_drop(w, m, FT_DROP_ETH_TYPE);
		}
	}
	if (na)
		ft_arp_input_burst(w, iface, arp, na);
	if (ni)
		ft_ip4_input_burst(w, iface, ip, ni);
}

void
ft_eth_output(struct ft_worker *w, uint16_t iface, struct rte_mbuf *m,
	      const struct rte_ether_addr *dst, uint16_t ethertype)
{
	struct rte_ether_hdr *eh;

	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eh));
	if (unlikely(eh == NULL)) {
		ft_drop(w, m, FT_DROP_NO_MBUF);
		return;
	}
	rte_ether_addr_copy(dst, &eh->dst_addr);
	rte_ether_addr_copy(&w->ifaces[iface].mac, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(ethertype);
	m->l2_len = sizeof(*eh);
	ft_txq_add(w->txq[iface], m, &w->stats);
}
