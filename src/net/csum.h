/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internet checksums (RFC 1071) over mbuf chains. DPDK 22.11's rte_raw_cksum_mbuf() (and so
 * rte_ipv4_udptcp_cksum_mbuf and its _verify) truncate a segment's 32-bit partial sum to 16
 * bits before byte-swapping a segment that starts at an odd offset (fixed upstream later), so
 * chains whose segments have odd lengths got wrong checksums: the stack computes its own.
 */
#ifndef FT_NET_CSUM_H
#define FT_NET_CSUM_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

/* Ones'-complement sum (folded, not complemented) of bytes [off, off + len) of chain @p m,
 * added to @p init (a folded sum). Bytes beyond the chain are not read. */
uint16_t ft_cksum_chain(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint16_t init);

/* UDP/TCP checksum (complemented) of the L4 segment at @p l4_off of @p m, with the pseudo
 * header of @p ih; the checksum field must be zero when computing. */
static inline uint16_t
ft_ip4_l4_cksum(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ih, uint32_t l4_off)
{
	uint16_t ph = rte_ipv4_phdr_cksum(ih, 0);

	return (uint16_t)~ft_cksum_chain(m, l4_off, m->pkt_len - l4_off, ph);
}

/* True when the UDP/TCP checksum of the segment at @p l4_off verifies. */
static inline bool
ft_ip4_l4_cksum_ok(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ih, uint32_t l4_off)
{
	return ft_ip4_l4_cksum(m, ih, l4_off) == 0;
}

/*
 * Received UDP/TCP segment at the data offset of @p m (IPv4 header @p ih): does its checksum
 * hold? The device's verdict when it gave one (NONE: the packet carries a partial checksum a
 * virtio peer offloaded, but the data is vouched for), else computed here.
 */
static inline bool
ft_l4_rx_cksum_ok(bool dev_checks, const struct rte_mbuf *m, const struct rte_ipv4_hdr *ih)
{
	uint64_t f = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;

	if (dev_checks && (f == RTE_MBUF_F_RX_L4_CKSUM_GOOD || f == RTE_MBUF_F_RX_L4_CKSUM_NONE))
		return true;
	if (dev_checks && f == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		return false;
	return ft_ip4_l4_cksum_ok(m, ih, 0);
}

#endif /* FT_NET_CSUM_H */
