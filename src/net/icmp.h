/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMP (RFC 792, RFC 1122 §3.2.2): echo, errors with rate limit. */
#ifndef FT_NET_ICMP_H
#define FT_NET_ICMP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

struct ft_worker;
struct rte_ipv4_hdr;

/* ICMP destination unreachable (type 3) and the codes we send (RFC 792). */
#define FT_ICMP_DEST_UNREACH 3
#define FT_ICMP_CODE_PROTO_UNREACH 2
#define FT_ICMP_CODE_PORT_UNREACH 3

/* Protocol handler (ft_ip4_proto_fn): data at the ICMP header. Consumes @p m. */
void ft_icmp_input(struct ft_worker *w, struct rte_mbuf *m, uint16_t iface);

/*
 * Send an ICMP error about @p orig (BORROWED; data offset at its IPv4 header), unless the
 * rules of RFC 1122 §3.2.2 forbid it (orig is an ICMP error, a non-first fragment, to a
 * broadcast/multicast address, or from an address that is not one host) or the per-worker
 * rate limit is exhausted (counted ICMP_RATELIMIT).
 */
void ft_icmp_send_error(struct ft_worker *w, const struct rte_mbuf *orig, uint8_t type,
			uint8_t code);

/*
 * May an ICMP error about @p orig (BORROWED, data at its IPv4 header @p ih) be sent at all
 * (RFC 1122 §3.2.2; the rules listed above, without the rate limit)? Also used by
 * ft_ip4_icmp_error() (ip4_fwd.c).
 */
bool ft_icmp_error_allowed(const struct ft_worker *w, const struct rte_mbuf *orig,
			   const struct rte_ipv4_hdr *ih);

#endif /* FT_NET_ICMP_H */
