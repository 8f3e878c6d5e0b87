/* SPDX-License-Identifier: BSD-3-Clause */
/* ARP (RFC 826): input, resolution with a bounded pending queue, replies, announcements. */
#ifndef FT_NET_ARP_H
#define FT_NET_ARP_H

#include <stdint.h>

#include <rte_mbuf.h>

struct ft_worker;

/* Process a burst of ARP packets (data at the ARP header) from @p iface. Consumes all. */
void ft_arp_input_burst(struct ft_worker *w, uint16_t iface, struct rte_mbuf **pkts, uint16_t n);

/*
 * Send @p m (data at the IPv4 header) to next hop @p nh (host order) on @p iface: at once when
 * the MAC is known, else queued (bounded) while a request goes out. Consumes @p m.
 */
void ft_arp_output(struct ft_worker *w, uint16_t iface, uint32_t nh, struct rte_mbuf *m);

/* Send a gratuitous ARP request announcing the address of @p iface (RFC 5227 §3). */
void ft_arp_announce(struct ft_worker *w, uint16_t iface);

/* Timeouts: retries, unresolved drops, aging. Called from the worker's periodic tick. */
void ft_arp_tick(struct ft_worker *w);

/* Drop callback for ft_arp_cache_destroy(): frees a queued mbuf. */
void ft_arp_free_pending(void *ctx, void *pkt);

#endif /* FT_NET_ARP_H */
