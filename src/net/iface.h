/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An IPv4 interface: one per port, built at setup from struct ft_port_conf and the port's
 * capabilities, then read-only (shared by all workers).
 */
#ifndef FT_NET_IFACE_H
#define FT_NET_IFACE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

/*
 * TCP segmentation offload on an interface. DEVICE: the NIC cuts a super-segment into MSS
 * pieces (RTE_MBUF_F_TX_TCP_SEG, tso_segsz; the TCP checksum field holds the pseudo-header sum
 * without the length, as DPDK requires). WIRE: a virtual wire (the in-process ring pair) hands
 * the super-segment to the peer stack as it is, a valid IPv4/TCP packet larger than the MTU
 * with full checksums, as a veth pair hands a GSO packet to its peer; the peer takes it like
 * LRO/GRO output.
 */
enum ft_iface_tso { FT_TSO_OFF, FT_TSO_DEVICE, FT_TSO_WIRE };

struct ft_iface {
	uint16_t idx;      /* index in the stack's port list */
	uint16_t port_id;  /* DPDK port id */
	uint16_t mtu;
	struct rte_ether_addr mac;
	uint32_t ip;       /* host order */
	uint32_t mask;     /* host order */
	uint32_t gateway;  /* host order, 0 = none */
	bool rx_ip_csum;   /* trust RTE_MBUF_F_RX_IP_CKSUM_* flags */
	bool rx_l4_csum;   /* trust RTE_MBUF_F_RX_L4_CKSUM_* flags */
	bool tx_ip_csum;   /* let the device compute IPv4 header checksums */
	bool tx_l4_csum;   /* let the device compute UDP/TCP checksums */
	bool tx_l4_csum_chain; /* ... for chained packets too (the ring pair's wire) */
	uint8_t tso;       /* enum ft_iface_tso: how TCP super-segments leave */
	uint16_t tso_max_segs; /* FT_TSO_DEVICE: most mbufs per packet, 0 = no limit */
	uint16_t n_queues; /* one per worker */
	uint16_t reta_size;
	const uint8_t *rss_key; /* predictable symmetric RSS, or NULL (see port.h) */
};

static inline bool
ft_iface_on_link(const struct ft_iface *ifc, uint32_t ip)
{
	return ((ip ^ ifc->ip) & ifc->mask) == 0;
}

static inline uint32_t
ft_iface_bcast(const struct ft_iface *ifc)
{
	return ifc->ip | ~ifc->mask;
}

#endif /* FT_NET_IFACE_H */
