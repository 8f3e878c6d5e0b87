/* SPDX-License-Identifier: BSD-3-Clause */
/* Raw IPv4 for routing applications (fasttcp/ft_ip4.h): the forward hook, send, ICMP errors. */
#ifndef FT_NET_IP4_FWD_H
#define FT_NET_IP4_FWD_H

#include <stdint.h>

#include <rte_mbuf.h>

#include <fasttcp/ft_ip4.h>

struct ft_worker;
struct ft_net;

/*
 * Packets of one received burst (n <= FT_RX_BURST) from @p iface that ipv4.c validated and
 * found not for a local address, on a port with a forward hook: drop the ones a router must
 * not forward (link-layer broadcast, multicast or 0/8 destination, another port's address or
 * broadcast), hand the rest to the hook in one call. Consumes all.
 */
void ft_ip4_fwd_input(struct ft_worker *w, uint16_t iface, struct rte_mbuf **pkts, uint16_t n);

/* Hook table update (setup only: the stack checks it is not running). 0 or -EINVAL. */
int ft_ip4_fwd_table_set(struct ft_net *net, uint16_t n_ports, uint16_t port,
			 ft_ip4_fwd_fn *fn, void *arg);

#endif /* FT_NET_IP4_FWD_H */
