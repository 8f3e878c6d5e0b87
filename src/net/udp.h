/* SPDX-License-Identifier: BSD-3-Clause */
/* UDP (RFC 768): port demux to bound handlers, output. */
#ifndef FT_NET_UDP_H
#define FT_NET_UDP_H

#include <stdint.h>

#include <rte_mbuf.h>

#include <fasttcp/ft_udp.h>

struct ft_worker;
struct ft_net;

/* Protocol handler (ft_ip4_proto_fn): data at the UDP header. Consumes @p m. */
void ft_udp_input(struct ft_worker *w, struct rte_mbuf *m, uint16_t iface);

/* Port table updates (setup only, the stack checks it is not running). */
int ft_udp_table_bind(struct ft_net *net, uint16_t port, ft_udp_recv_fn *fn, void *arg);
int ft_udp_table_unbind(struct ft_net *net, uint16_t port);

#endif /* FT_NET_UDP_H */
