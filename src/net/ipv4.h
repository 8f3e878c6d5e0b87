/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4 (RFC 791, RFC 1122 §3.2.1): validation, local delivery, output with fragmentation. */
#ifndef FT_NET_IPV4_H
#define FT_NET_IPV4_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include <fasttcp/ft_stats.h>

struct ft_worker;

/*
 * Validate an IPv4 header at @p h with @p avail bytes of frame from it (pure: no DPDK calls).
 * @p csum: true when the header checksum must be verified in software.
 * @return FT_DROP_MAX when valid, else the drop reason (IP_SHORT, IP_VERSION, IP_IHL, IP_LEN,
 *         IP_CSUM, IP_TTL).
 */
enum ft_drop_reason ft_ip4_check(const struct rte_ipv4_hdr *h, uint32_t avail, bool csum);

/* True for addresses never valid as a source: 0/8 (but 0.0.0.0 itself is the caller's
 * business), 127/8, multicast, limited broadcast, class E. Host order. */
bool ft_ip4_is_martian_src(uint32_t a);

/* Receive a burst (data at the IPv4 header) from @p iface. Consumes all. */
void ft_ip4_input_burst(struct ft_worker *w, uint16_t iface, struct rte_mbuf **pkts, uint16_t n);

/* How to send one datagram. Addresses host order. */
struct ft_ip4_out {
	uint32_t src;       /* 0 = the outgoing interface's address */
	uint32_t dst;
	uint8_t proto;
	uint8_t ttl;        /* 0 = 64 */
	uint8_t tos;
	bool df;            /* don't fragment: too-big packets fail with -EMSGSIZE */
	uint16_t l4_csum_off; /* offset of the UDP/TCP checksum in the L4 header, or 0 if none */
	uint16_t tso_segsz; /* TCP only, the route's interface has TSO (iface.h) and the payload is
			     * longer than this: a super-segment of up to 64 KB (l4_len set), cut
			     * into pieces of this many payload bytes by the device, or handed
			     * whole to the peer on a virtual wire. 0 = an ordinary datagram. */
};

/*
 * Route, prepend the IPv4 header, finish the L4 checksum (device offload or software),
 * fragment if larger than the MTU (not a TSO super-segment: see tso_segsz), resolve the next
 * hop and queue for TX.
 * @p m: data at the L4 header, with FT_HDR_ROOM headroom. Consumes @p m in every case.
 * @return 0 or -ENETUNREACH / -EMSGSIZE / -ENOBUFS (each also counted as a drop).
 */
int ft_ip4_output(struct ft_worker *w, struct rte_mbuf *m, const struct ft_ip4_out *o);

/* Interface used to reach @p dst and the next hop; -ENETUNREACH if none. */
int ft_ip4_route(const struct ft_worker *w, uint32_t dst, uint16_t *iface, uint32_t *nh);



/* IPv4 header of @p m whose data offset is at the L4 header (l3_len set by input). */
static inline struct rte_ipv4_hdr *
ft_ip4_hdr_of(struct rte_mbuf *m)
{
	return (struct rte_ipv4_hdr *)(rte_pktmbuf_mtod(m, uint8_t *) - m->l3_len);
}
#endif /* FT_NET_IPV4_H */
