/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Raw IPv4 for applications that route: a gateway, a tunnel endpoint. The stack itself is a
 * host (it delivers only datagrams addressed to it and drops the rest as ip_not_us); these
 * calls let an application take over that "rest" on chosen ports and put whole IPv4 packets
 * back on the wire through the stack's ARP resolution, without the stack forwarding anything
 * on its own (RFC 1812 decisions - routing, TTL, ICMP errors - stay with the application).
 *
 *   receive  ft_ip4_set_forward(): packets that arrive on a port and are not for a local
 *            address go to a burst callback on the receiving worker instead of being dropped;
 *   send     ft_ip4_send(): a complete IPv4 packet out of a port to a next hop (ARP, with the
 *            same bounded queue UDP and TCP use while the next hop resolves);
 *   errors   ft_ip4_icmp_error(): an ICMP error about a packet, built (and rate-limited) the
 *            way the stack builds its own, for the application to route and send.
 */
#ifndef FT_IP4_H
#define FT_IP4_H

#include <stdint.h>

#include <fasttcp/ft_stack.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_mbuf;

/**
 * Forward callback: a burst of IPv4 packets received on port @p port_idx whose destination is
 * not a local address. Runs on the receiving worker, once per received burst and port.
 *
 * What the stack has already done: the IPv4 header is valid (version, IHL, total length,
 * header checksum, TTL > 0; link padding trimmed), the source is not martian nor ours, the
 * destination is unicast and the frame was unicast to our MAC (RFC 1812 §5.3.4: link-layer
 * broadcasts are not forwarded). Nothing else: TTL is not decremented, fragments are passed
 * as they came (not reassembled), options are not processed.
 *
 * @param pkts  @p n packets (n <= 32), data offset at the IPv4 header, m->l3_len set to the
 *              header length. CONSUMED: the callback owns every packet (send, keep or free).
 *              The array itself is borrowed for the call.
 */
typedef void ft_ip4_fwd_fn(struct ft_worker *w, uint16_t port_idx, struct rte_mbuf **pkts,
			   uint16_t n, void *arg);

/**
 * Install (fn non-NULL) or remove (fn NULL) the forward callback of port @p port_idx. Without
 * one, such packets are dropped as ip_not_us, as before. Main thread, before ft_stack_run().
 * @return 0; -EINVAL (no such port, NULL stack); -EBUSY (stack running).
 */
int ft_ip4_set_forward(struct ft_stack *s, uint16_t port_idx, ft_ip4_fwd_fn *fn, void *arg);

/**
 * Send a complete IPv4 packet out of port @p port_idx to next hop @p next_hop (host order; an
 * on-link address of the port, often the packet's own destination). The header is sent as
 * is: it must be valid with its checksum set (this call does not route, change the TTL or
 * touch the addresses). The Ethernet header is prepended in the headroom once the next hop's
 * MAC is known; until then the packet waits in the port's bounded ARP queue (arp_queue_len),
 * and is dropped as arp_unresolved if the next hop never answers. A packet larger than the
 * port MTU is fragmented (RFC 791), unless DF is set: then it is dropped as too_big and the
 * caller, who should have checked, gets -EMSGSIZE (see ft_ip4_icmp_error()).
 *
 * @param m  data offset at the IPv4 header, at least 14 bytes of headroom. CONSUMED in every
 *           case (counted under a drop reason on failure).
 * Owning worker only (the worker the callback or poll hook runs on).
 * @return 0 (sent, or queued for ARP); -EINVAL (bad port, next hop 0, not an IPv4 header,
 *         counted as ip_short); -EMSGSIZE (DF and larger than the MTU); -ENOBUFS
 *         (fragmentation ran out of mbufs).
 */
int ft_ip4_send(struct ft_worker *w, struct rte_mbuf *m, uint16_t port_idx, uint32_t next_hop);

/**
 * Build an ICMP error (RFC 792) about @p orig, as a complete IPv4 packet from @p src to
 * @p orig's source: the ICMP header with @p type and @p code, the next-hop MTU @p mtu in the
 * second word (RFC 1191 §4, for type 3 code 4 "fragmentation needed"; pass 0 otherwise), and
 * the quote of @p orig's header and payload up to 576 bytes in all (RFC 1812 §4.3.2.3).
 * Follows the stack's own rules (RFC 1122 §3.2.2: nothing about an ICMP error, a non-first
 * fragment, a broadcast or multicast, a martian source) and rate limit (stack.icmp, shared
 * with the stack's own errors, counted as icmp_ratelimit).
 *
 * @param orig  data offset at its IPv4 header. BORROWED.
 * @param src   source address of the error (host order), e.g. the address of the port that
 *              faces @p orig's sender.
 * Owning worker only.
 * @return the packet (data offset at the IPv4 header, checksums set, room for an Ethernet
 *         header): the caller routes it and sends it with ft_ip4_send(); or NULL when the
 *         rules forbid an error, the rate limit is exhausted, or the pool is empty.
 */
struct rte_mbuf *ft_ip4_icmp_error(struct ft_worker *w, const struct rte_mbuf *orig,
				   uint8_t type, uint8_t code, uint16_t mtu, uint32_t src);

#ifdef __cplusplus
}
#endif

#endif /* FT_IP4_H */
