/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inner (tunnelled) IPv4 packets as a router sees them: header validation after decryption,
 * the TTL decrement of forwarding (RFC 1812 §5.2.2, §5.3.1) with the incremental checksum
 * update of RFC 1624, the TCP MSS clamp (mssfix.c) and fragmentation to the tunnel MTU
 * (frag.c). Pure packet code: mbufs in, no stack or peer state.
 */
#ifndef FT_APPS_OVPN_GW_INNER_H
#define FT_APPS_OVPN_GW_INNER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

struct ft_worker;

/*
 * RFC 1624 eqn. 3: the checksum @p csum after one 16-bit word of the summed data changes from
 * @p old to @p new: HC' = ~(~HC + ~m + m'). All three as they sit in memory: the ones'
 * complement sum does not depend on byte order as long as every word uses the same one.
 */
static inline uint16_t
gw_csum_update16(uint16_t csum, uint16_t old, uint16_t new)
{
	uint32_t s = (uint32_t)(uint16_t)~csum + (uint16_t)~old + new;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/*
 * Check a decrypted packet that claims to be IPv4 (data at its header): version 4, IHL and
 * total length within the packet, header checksum (the AEAD tag proves who sent it, not that
 * the sender's stack built it right; RFC 1812 §5.2.2 asks a router to verify). Trims anything
 * past the total length. The header must be in the first segment. True when valid. Borrows.
 */
static inline bool
gw_inner_ip4_valid(struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	uint32_t ihl, tot;

	if (m->data_len < sizeof(*h) || (h->version_ihl >> 4) != 4)
		return false;
	ihl = rte_ipv4_hdr_len(h);
	tot = rte_be_to_cpu_16(h->total_length);
	if (ihl < sizeof(*h) || ihl > m->data_len || tot < ihl || tot > m->pkt_len)
		return false;
	if (rte_raw_cksum(h, ihl) != 0xffff)
		return false;
	if (m->pkt_len > tot)
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - tot)); /* only in the last segment */
	return m->pkt_len == tot;
}

/*
 * Forwarding's TTL decrement: false (nothing changed) when the TTL is 0 or 1, so the packet
 * must not be forwarded (RFC 1812 §5.3.1); else decrement and update the header checksum.
 */
static inline bool
gw_ttl_dec(struct rte_ipv4_hdr *h)
{
	uint16_t *word = (uint16_t *)&h->time_to_live; /* TTL and protocol: one 16-bit word */
	uint16_t old;

	if (h->time_to_live <= 1)
		return false;
	old = *word;
	h->time_to_live--;
	h->hdr_checksum = gw_csum_update16(h->hdr_checksum, old, *word);
	return true;
}

/*
 * mssfix.c: lower the MSS option of a TCP SYN (or SYN-ACK) in @p m (data at its IPv4 header)
 * to @p mss if it is larger, updating the TCP checksum incrementally. Packets that are not
 * TCP SYNs, non-first fragments, and TCP headers not wholly in the first segment are left
 * alone. True when the MSS was changed. Borrows @p m.
 */
bool gw_mss_clamp(struct rte_mbuf *m, uint16_t mss);

/*
 * frag.c: split @p m (data at an IPv4 header without options, DF clear, larger than @p mtu)
 * into fragments of at most @p mtu bytes (RFC 791 §3.2), each a new one-segment mbuf from
 * the stack's pool (ft_udp_alloc: headroom for the tunnel headers) with the payload copied.
 * Consumes @p m in every case. Returns the number of fragments stored in @p out (at most
 * @p max), or 0 when it cannot be done (options, no mbuf, more than @p max pieces): nothing
 * is left allocated then.
 */
uint16_t gw_ip4_fragment(struct ft_worker *w, struct rte_mbuf *m, uint16_t mtu,
			 struct rte_mbuf **out, uint16_t max);

#endif /* FT_APPS_OVPN_GW_INNER_H */
