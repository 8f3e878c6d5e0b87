/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 input and output (RFC 791; host requirements RFC 1122 §3.2.1).
 * Input: validate before reading (ft_ip4_check), trim link padding, accept only local
 * destinations (the interface address, its subnet broadcast or 255.255.255.255; no
 * forwarding here: the rest is dropped, or handed to the port's forward hook when an
 * application installed one, ip4_fwd.c), reject martian sources, hand fragments to
 * ip4_reass.c, then demux by protocol through the handler table in struct ft_net.
 * Output: route (on-link or the interface gateway), header build, L4 checksum (offload or
 * software), fragmentation (ip4_frag.c), ARP. A TCP super-segment on a TSO interface (see
 * iface.h) is not held to the MTU: the device, or the peer on a virtual wire, deals with it.
 * TTL: a host must not discard a datagram for TTL < 2 (RFC 1122 §3.2.1.7) but no sender may
 * emit TTL 0, so only TTL 0 is dropped.
 */
#include <errno.h>

#include <rte_byteorder.h>
#include <rte_ip_frag.h>
#include <rte_tcp.h>

#include "core/mbuf.h"
#include "core/worker.h"
#include "net/arp.h"
#include "net/csum.h"
#include "net/icmp.h"
#include "net/iface.h"
#include "net/ip4_frag.h"
#include "net/ip4_fwd.h"
#include "net/ip4_reass.h"
#include "net/ipv4.h"
#include "net/net.h"

enum ft_drop_reason
ft_ip4_check(const struct rte_ipv4_hdr *h, uint32_t avail, bool csum)
{
	uint32_t ihl, tot;

	if (avail < sizeof(*h))
		return FT_DROP_IP_SHORT;
	if ((h->version_ihl >> 4) != 4)
		return FT_DROP_IP_VERSION;
	ihl = (uint32_t)(h->version_ihl & 0xf) * 4;
	if (ihl < sizeof(*h) || ihl > avail)
		return FT_DROP_IP_IHL;
	tot = rte_be_to_cpu_16(h->total_length);
	if (tot < ihl || tot > avail)
		return FT_DROP_IP_LEN;
	if (csum && rte_raw_cksum(h, ihl) != 0xffff)
		return FT_DROP_IP_CSUM;
	if (h->time_to_live == 0)
		return FT_DROP_IP_TTL;
	return FT_DROP_MAX;
}

bool
ft_ip4_is_martian_src(uint32_t a)
{
	uint8_t top = a >> 24;

	return top == 0 || top == 127 || top >= 224;
}

/* Validate the header; trim link padding. Returns FT_DROP_MAX when the packet may proceed.
 * The header must sit in the first segment; the datagram may continue in others. */
static enum ft_drop_reason
validate(const struct ft_iface *ifc, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	uint64_t ipf = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	/* NONE: the header checksum field is not valid but the device verified the header
	 * (virtio offload): trust it like GOOD. UNKNOWN: check in software. */
	bool sw_csum = !ifc->rx_ip_csum || ipf == RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN;
	enum ft_drop_reason r;

	if (m->data_len < sizeof(*h))
		return FT_DROP_IP_SHORT;
	if ((uint32_t)(h->version_ihl & 0xf) * 4 > m->data_len && (h->version_ihl >> 4) == 4)
		return FT_DROP_IP_IHL; /* options beyond the first segment */
	r = ft_ip4_check(h, m->pkt_len, sw_csum);
	if (r != FT_DROP_MAX)
		return r;
	if (!sw_csum && ipf == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return FT_DROP_IP_CSUM;
	/* Link padding only (short frames): trimming walks the chain, which for a super-segment
	 * from a virtual wire is dozens of mbufs. */
	if (m->pkt_len != rte_be_to_cpu_16(h->total_length))
		ft_mbuf_trim(m, m->pkt_len - rte_be_to_cpu_16(h->total_length));
	return FT_DROP_MAX;
}

static enum ft_drop_reason
check_addresses(const struct ft_iface *ifc, const struct rte_ipv4_hdr *h)
{
	uint32_t src = rte_be_to_cpu_32(h->src_addr), dst = rte_be_to_cpu_32(h->dst_addr);

	if (ft_ip4_is_martian_src(src) || src == ifc->ip || src == ft_iface_bcast(ifc))
		return FT_DROP_IP_BAD_SRC;
	if (dst != ifc->ip && dst != ft_iface_bcast(ifc) && dst != 0xffffffffu)
		return FT_DROP_IP_NOT_US;
	return FT_DROP_MAX;
}

/* Deliver a complete datagram (data at the IPv4 header) to its protocol. Consumes @p m. */
static void
deliver(struct ft_worker *w, uint16_t iface, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	ft_ip4_proto_fn *fn = w->net->proto[h->next_proto_id];
	uint16_t ihl = rte_ipv4_hdr_len(h);

	w->stats.ip_rx++;
	m->l3_len = ihl;
	if (unlikely(fn == NULL)) {
		ft_icmp_send_error(w, m, FT_ICMP_DEST_UNREACH, FT_ICMP_CODE_PROTO_UNREACH);
		ft_drop(w, m, FT_DROP_IP_PROTO);
		return;
	}
	rte_pktmbuf_adj(m, ihl);
	fn(w, m, iface);
}

/* Returns true (and keeps @p m) for a valid packet not for us on a port with a forward
 * hook: the caller collects those for ft_ip4_fwd_input(). Otherwise consumes @p m. */
static bool
input_one(struct ft_worker *w, uint16_t iface, struct rte_mbuf *m)
{
	const struct ft_iface *ifc = &w->ifaces[iface];
	const struct rte_ipv4_hdr *h;
	enum ft_drop_reason r;

	r = validate(ifc, m);
	if (r == FT_DROP_MAX)
		r = check_addresses(ifc, rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *));
	if (r == FT_DROP_IP_NOT_US && w->net->fwd[iface].fn != NULL)
		return true;
	if (unlikely(r != FT_DROP_MAX)) {
		ft_drop(w, m, r);
		return false;
	}
	h = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	if (rte_ipv4_frag_pkt_is_fragmented(h)) {
		w->stats.ip_frags_rx++;
		m = ft_reass_input(w->reass, m, w->now, &w->stats);
		if (m == NULL)
			return false;
		/* The L4 header (TCP with options at most) must be in the first segment. */
		if (ft_mbuf_pullup(m, rte_ipv4_hdr_len(rte_pktmbuf_mtod(m,
				   const struct rte_ipv4_hdr *)) + 60) < 0) {
			ft_drop(w, m, FT_DROP_IP_PULLUP);
			return false;
		}
	}
	deliver(w, iface, m);
	return false;
}

void
ft_ip4_input_burst(struct ft_worker *w, uint16_t iface, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *fwd[FT_RX_BURST];
	uint16_t nf = 0;

	for (uint16_t i = 0; i < n; i++)
		if (input_one(w, iface, pkts[i]))
			fwd[nf++] = pkts[i];
	if (nf != 0)
		ft_ip4_fwd_input(w, iface, fwd, nf);
}

int
ft_ip4_route(const struct ft_worker *w, uint32_t dst, uint16_t *iface, uint32_t *nh)
{
	for (uint16_t i = 0; i < w->n_ifaces; i++)
		if (ft_iface_on_link(&w->ifaces[i], dst) || dst == 0xffffffffu) {
			*iface = i;
			*nh = dst;
			return 0;
		}
	for (uint16_t i = 0; i < w->n_ifaces; i++)
		if (w->ifaces[i].gateway != 0) {
			*iface = i;
			*nh = w->ifaces[i].gateway;
			return 0;
		}
	return -ENETUNREACH;
}

static struct rte_ipv4_hdr *
push_header(struct rte_mbuf *m, const struct ft_ip4_out *o, uint32_t src)
{
	struct rte_ipv4_hdr *h;
	uint16_t l4_len = (uint16_t)m->pkt_len;

	h = (struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, sizeof(*h));
	if (h == NULL)
		return NULL;
	/* Keep only the flags that describe the buffer itself; TX flags are set below. */
	m->ol_flags &= RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL;
	h->version_ihl = RTE_IPV4_VHL_DEF;
	h->type_of_service = o->tos;
	h->total_length = rte_cpu_to_be_16(l4_len + sizeof(*h));
	h->packet_id = rte_cpu_to_be_16((uint16_t)rte_rand());
	h->fragment_offset = o->df ? RTE_BE16(RTE_IPV4_HDR_DF_FLAG) : 0;
	h->time_to_live = o->ttl ? o->ttl : 64;
	h->next_proto_id = o->proto;
	h->hdr_checksum = 0;
	h->src_addr = rte_cpu_to_be_32(src);
	h->dst_addr = rte_cpu_to_be_32(o->dst);
	m->l3_len = sizeof(*h);
	return h;
}

/*
 * The pseudo-header sum a device offload starts from (the value of rte_ipv4_phdr_cksum()),
 * from the header fields as stored: rte_ipv4_phdr_cksum() copies them into a struct on the
 * stack and sums that with wide loads, which cannot be forwarded from the narrow stores just
 * made. @p l4_len is 0 for TSO (the device adds each segment's length).
 */
static uint16_t
phdr_sum(const struct rte_ipv4_hdr *h, uint16_t l4_len)
{
	uint32_t s = (h->src_addr & 0xffff) + (h->src_addr >> 16) + (h->dst_addr & 0xffff) +
		     (h->dst_addr >> 16) + rte_cpu_to_be_16((uint16_t)h->next_proto_id) +
		     rte_cpu_to_be_16(l4_len);

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* L4 checksum and IPv4 header checksum: device when it can and the packet is not fragmented. */
static void
finish_checksums(const struct ft_iface *ifc, struct rte_mbuf *m, struct rte_ipv4_hdr *h,
		 const struct ft_ip4_out *o, bool will_fragment)
{
	if (o->l4_csum_off != 0) {
		uint16_t *ck = rte_pktmbuf_mtod_offset(m, uint16_t *, sizeof(*h) + o->l4_csum_off);

		*ck = 0;
		if (ifc->tx_l4_csum && !will_fragment &&
		    (m->nb_segs == 1 || ifc->tx_l4_csum_chain)) {
			m->ol_flags |= RTE_MBUF_F_TX_IPV4 | (o->proto == IPPROTO_UDP ?
					RTE_MBUF_F_TX_UDP_CKSUM : RTE_MBUF_F_TX_TCP_CKSUM);
			*ck = phdr_sum(h, (uint16_t)(m->pkt_len - sizeof(*h)));
		} else {
			*ck = ft_ip4_l4_cksum(m, h, sizeof(*h));
			if (*ck == 0 && o->proto == IPPROTO_UDP)
				*ck = 0xffff; /* RFC 768: 0 means "no checksum" */
		}
	}
	if (ifc->tx_ip_csum && !will_fragment) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	} else {
		h->hdr_checksum = rte_ipv4_cksum(h);
	}
}

/*
 * A super-segment for a TSO device, as DPDK asks (rte_mbuf_core.h, RTE_MBUF_F_TX_TCP_SEG):
 * IPv4 header checksum left to the device (field 0), TCP checksum field = pseudo-header sum
 * without the length, l2/l3/l4_len and tso_segsz set (l2_len by eth.c, l4_len by TCP).
 */
static void
finish_tso_device(struct rte_mbuf *m, struct rte_ipv4_hdr *h, const struct ft_ip4_out *o)
{
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(h + 1);

	m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_SEG;
	m->tso_segsz = o->tso_segsz;
	h->hdr_checksum = 0;
	th->cksum = phdr_sum(h, 0);
}

int
ft_ip4_output(struct ft_worker *w, struct rte_mbuf *m, const struct ft_ip4_out *o)
{
	const struct ft_iface *ifc;
	struct rte_ipv4_hdr *h;
	uint32_t nh;
	uint16_t iface;
	bool frag, tso;

	if (unlikely(ft_ip4_route(w, o->dst, &iface, &nh) < 0)) {
		ft_drop(w, m, FT_DROP_NO_ROUTE);
		return -ENETUNREACH;
	}
	ifc = &w->ifaces[iface];
	tso = o->tso_segsz != 0 && ifc->tso != FT_TSO_OFF &&
	      m->pkt_len + sizeof(*h) <= UINT16_MAX;
	frag = !tso && m->pkt_len + sizeof(*h) > ifc->mtu;
	if (unlikely(frag && o->df)) {
		ft_drop(w, m, FT_DROP_TOO_BIG);
		return -EMSGSIZE;
	}
	h = push_header(m, o, o->src ? o->src : ifc->ip);
	if (unlikely(h == NULL)) {
		ft_drop(w, m, FT_DROP_NO_MBUF);
		return -ENOBUFS;
	}
	if (tso && ifc->tso == FT_TSO_DEVICE)
		finish_tso_device(m, h, o);
	else
		finish_checksums(ifc, m, h, o, frag);
	w->stats.ip_tx++;
	if (frag)
		return ft_ip4_fragment_output(w, iface, nh, m);
	ft_arp_output(w, iface, nh, m);
	return 0;
}
