/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4 fragmentation on output (RFC 791 §3.2, "fragmentation procedure"). */
#ifndef FT_NET_IP4_FRAG_H
#define FT_NET_IP4_FRAG_H

#include <stdint.h>

#include <rte_mbuf.h>

struct ft_worker;

/*
 * Split @p m (data at a complete IPv4 header with checksums final, DF clear) into fragments
 * that fit the MTU of @p iface, and send each to next hop @p nh. Payload is referenced, not
 * copied (indirect mbufs). Consumes @p m. @return 0, or -ENOBUFS (counted NO_MBUF).
 */
int ft_ip4_fragment_output(struct ft_worker *w, uint16_t iface, uint32_t nh, struct rte_mbuf *m);

#endif /* FT_NET_IP4_FRAG_H */
