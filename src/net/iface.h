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
