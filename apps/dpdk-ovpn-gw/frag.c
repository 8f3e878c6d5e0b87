/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fragmentation of LAN packets to the tunnel MTU (RFC 791 §3.2, "fragmentation procedure"),
 * for packets without DF that are larger than tunnel_mtu: what the kernel does when a route's
 * MTU (a tun device's) is below the packet. Packets with DF get ICMP fragmentation-needed
 * instead (tx.c); TCP rarely gets here at all thanks to the MSS clamp (mssfix.c).
 *
 * Each fragment is a fresh one-segment mbuf with the header and its slice of the payload
 * copied, not an indirect reference as the stack's own output fragmentation makes: the data
 * channel encrypts in place, and in-place encryption of slices of one shared buffer would
 * write into memory other references point at (STYLE.md §9.6). The copy is affordable
 * because this is the exception path: tunnel_mtu at least 576, packets at most 9000 bytes.
 *
 * Not here: packets with IP options (only "copied" options may be repeated in every fragment,
 * RFC 791 §3.1; such packets are dropped as frag_fail instead), IPv6.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include <fasttcp/ft_udp.h>

#include "inner.h"

/* Build the fragment of @p m's payload [off, off + len) (bytes after the header). */
static struct rte_mbuf *
fragment_one(struct ft_worker *w, const struct rte_mbuf *m, uint32_t off, uint32_t len,
	     bool last)
{
	const struct rte_ipv4_hdr *oh = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	uint16_t flags = rte_be_to_cpu_16(oh->fragment_offset);
	struct rte_ipv4_hdr *h;
	struct rte_mbuf *f;
	const void *src;

	f = ft_udp_alloc(w);
	if (f == NULL)
		return NULL;
	h = (struct rte_ipv4_hdr *)rte_pktmbuf_append(f, (uint16_t)(sizeof(*h) + len));
	if (h == NULL) {
		rte_pktmbuf_free(f);
		return NULL;
	}
	*h = *oh;
	src = rte_pktmbuf_read(m, sizeof(*h) + off, len, h + 1);
	if (src != h + 1)
		memcpy(h + 1, src, len);
	/* Offsets count 8-byte units from the original datagram's start; the last piece keeps
	 * the original MF (it may itself have been a fragment). */
	flags = (uint16_t)((flags & RTE_IPV4_HDR_OFFSET_MASK) + off / 8) |
		(last ? (flags & RTE_IPV4_HDR_MF_FLAG) : RTE_IPV4_HDR_MF_FLAG);
	h->fragment_offset = rte_cpu_to_be_16(flags);
	h->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*h) + len));
	h->hdr_checksum = 0;
	h->hdr_checksum = rte_ipv4_cksum(h);
	return f;
}

uint16_t
gw_ip4_fragment(struct ft_worker *w, struct rte_mbuf *m, uint16_t mtu, struct rte_mbuf **out,
		uint16_t max)
{
	const struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	uint32_t payload = m->pkt_len - sizeof(*h);
	uint32_t step = (uint32_t)(mtu - sizeof(*h)) & ~7u; /* RFC 791: multiples of 8 */
	uint16_t n = 0;

	if (rte_ipv4_hdr_len(h) != sizeof(*h) || step == 0 ||
	    (payload + step - 1) / step > max)
		goto fail;
	for (uint32_t off = 0; off < payload; off += step) {
		uint32_t len = RTE_MIN(step, payload - off);

		out[n] = fragment_one(w, m, off, len, off + len == payload);
		if (out[n] == NULL)
			goto fail;
		n++;
	}
	rte_pktmbuf_free(m);
	return n;
fail:
	rte_pktmbuf_free_bulk(out, n);
	rte_pktmbuf_free(m);
	return 0;
}
