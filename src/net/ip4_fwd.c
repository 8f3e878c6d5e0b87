/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Raw IPv4 for applications that route (fasttcp/ft_ip4.h): the per-port forward hook that
 * receives what ipv4.c found not for a local address, ft_ip4_send() that puts a finished IPv4
 * packet on a port through ARP (arp.c's bounded queue) and fragmentation (ip4_frag.c), and
 * ft_ip4_icmp_error() that builds an ICMP error the way icmp.c does, with the next-hop MTU a
 * frag-needed error carries (RFC 1191 §4) and a source address of the caller's choice.
 *
 * The stack stays a host: it never forwards on its own. Routing, TTL, options, MSS clamping
 * and the choice to send an ICMP error are the application's (RFC 1812 §5.2, §5.3). What is
 * filtered here before the hook runs is what no router may forward whatever its table says
 * (RFC 1812 §4.2.2.11 martian destinations, §5.3.4 link-layer broadcasts, §5.3.5 directed
 * broadcasts to our own subnets, off by default per RFC 2644), counted as ip_not_us: the
 * reason they were dropped before the hook existed.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_random.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include <fasttcp/ft_ip4.h>

#include "core/mbuf.h"
#include "core/worker.h"
#include "net/arp.h"
#include "net/csum.h"
#include "net/icmp.h"
#include "net/iface.h"
#include "net/ip4_frag.h"
#include "net/ip4_fwd.h"
#include "net/ipv4.h"
#include "net/net.h"

/* RFC 1812 §4.3.2.3: an ICMP error datagram is at most 576 bytes. */
#define ICMP_ERR_MAX_QUOTE (576 - sizeof(struct rte_ipv4_hdr) - sizeof(struct rte_icmp_hdr))

/* Was @p m received as a link-layer broadcast or multicast? Its Ethernet header is still in
 * front of the data (eth.c only advanced the data offset by l2_len). */
static bool
l2_multicast(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh;

	if (m->l2_len < sizeof(*eh) || rte_pktmbuf_headroom(m) < m->l2_len)
		return false;
	eh = (const struct rte_ether_hdr *)(rte_pktmbuf_mtod(m, const uint8_t *) - m->l2_len);
	return rte_is_multicast_ether_addr(&eh->dst_addr);
}

/* A destination no router forwards: multicast or class E, 0/8, or an address or directed
 * broadcast of one of our own ports (they are local, or not ours to relay). */
static bool
dst_not_forwardable(const struct ft_worker *w, uint32_t dst)
{
	if (dst >> 28 >= 0xe || dst >> 24 == 0)
		return true;
	for (uint16_t i = 0; i < w->n_ifaces; i++)
		if (dst == w->ifaces[i].ip || dst == ft_iface_bcast(&w->ifaces[i]))
			return true;
	return false;
}

void
ft_ip4_fwd_input(struct ft_worker *w, uint16_t iface, struct rte_mbuf **pkts, uint16_t n)
{
	const struct ft_ip4_fwd_hook *hook = &w->net->fwd[iface];
	struct rte_mbuf *keep[FT_RX_BURST];
	uint16_t nk = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);

		if (unlikely(l2_multicast(m) ||
			     dst_not_forwardable(w, rte_be_to_cpu_32(h->dst_addr)))) {
			ft_drop(w, m, FT_DROP_IP_NOT_US);
			continue;
		}
		m->l3_len = rte_ipv4_hdr_len(h);
		keep[nk++] = m;
	}
	w->stats.ip_fwd_rx += nk;
	if (nk != 0)
		hook->fn(w, iface, keep, nk, hook->arg);
}

int
ft_ip4_fwd_table_set(struct ft_net *net, uint16_t n_ports, uint16_t port, ft_ip4_fwd_fn *fn,
		     void *arg)
{
	if (net == NULL || port >= n_ports || port >= FT_MAX_PORTS)
		return -EINVAL;
	net->fwd[port] = (struct ft_ip4_fwd_hook){ .fn = fn, .arg = fn != NULL ? arg : NULL };
	return 0;
}

/*
 * A datagram received with a partial UDP/TCP checksum (RTE_MBUF_F_RX_L4_CKSUM_NONE: only the
 * pseudo-header sum is in the field, the sender left the rest to a virtio device or the ring
 * pair's wire, port.h csum_wire) leaves with the whole checksum, as Linux completes a
 * CHECKSUM_PARTIAL packet it forwards to a device without the offload.
 */
static void
complete_partial_csum(struct rte_mbuf *m, const struct rte_ipv4_hdr *h)
{
	uint16_t ihl = rte_ipv4_hdr_len(h), off;
	uint16_t *ck;

	if (h->next_proto_id == IPPROTO_TCP)
		off = offsetof(struct rte_tcp_hdr, cksum);
	else if (h->next_proto_id == IPPROTO_UDP)
		off = offsetof(struct rte_udp_hdr, dgram_cksum);
	else
		return;
	if ((h->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) ||
	    m->data_len < ihl + off + 2u)
		return;
	ck = rte_pktmbuf_mtod_offset(m, uint16_t *, ihl + off);
	*ck = 0;
	*ck = ft_ip4_l4_cksum(m, h, ihl);
	if (*ck == 0 && h->next_proto_id == IPPROTO_UDP)
		*ck = 0xffff; /* RFC 768: 0 means "no checksum" */
}

int
ft_ip4_send(struct ft_worker *w, struct rte_mbuf *m, uint16_t port_idx, uint32_t next_hop)
{
	const struct rte_ipv4_hdr *h;
	enum ft_drop_reason r;
	uint16_t tot;

	if (unlikely(port_idx >= w->n_ifaces || next_hop == 0)) {
		ft_drop(w, m, FT_DROP_NO_ROUTE);
		return -EINVAL;
	}
	if (unlikely(m->data_len < sizeof(*h))) {
		ft_drop(w, m, FT_DROP_IP_SHORT);
		return -EINVAL;
	}
	h = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	r = ft_ip4_check(h, m->pkt_len, false);
	if (r == FT_DROP_MAX && rte_ipv4_hdr_len(h) > m->data_len)
		r = FT_DROP_IP_IHL; /* the header must be in the first segment */
	if (unlikely(r != FT_DROP_MAX)) {
		ft_drop(w, m, r);
		return -EINVAL;
	}
	tot = rte_be_to_cpu_16(h->total_length);
	ft_mbuf_trim(m, m->pkt_len - tot); /* link padding, if any */
	m->l3_len = rte_ipv4_hdr_len(h);
	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_NONE)
		complete_partial_csum(m, h);
	m->ol_flags &= RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL; /* no stale RX/TX flags */
	if (m->pkt_len > w->ifaces[port_idx].mtu) {
		if (h->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)) {
			ft_drop(w, m, FT_DROP_TOO_BIG);
			return -EMSGSIZE;
		}
		w->stats.ip_tx++;
		return ft_ip4_fragment_output(w, port_idx, next_hop, m);
	}
	w->stats.ip_tx++;
	ft_arp_output(w, port_idx, next_hop, m);
	return 0;
}

/* The IPv4 header of an ICMP error of @p icmp_len bytes from @p src to @p dst (host order). */
static void
build_ip_header(struct rte_ipv4_hdr *h, uint32_t src, uint32_t dst, uint16_t icmp_len)
{
	memset(h, 0, sizeof(*h));
	h->version_ihl = RTE_IPV4_VHL_DEF;
	h->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*h) + icmp_len));
	h->packet_id = rte_cpu_to_be_16((uint16_t)rte_rand());
	h->time_to_live = 64;
	h->next_proto_id = IPPROTO_ICMP;
	h->src_addr = rte_cpu_to_be_32(src);
	h->dst_addr = rte_cpu_to_be_32(dst);
	h->hdr_checksum = rte_ipv4_cksum(h);
}

struct rte_mbuf *
ft_ip4_icmp_error(struct ft_worker *w, const struct rte_mbuf *orig, uint8_t type, uint8_t code,
		  uint16_t mtu, uint32_t src)
{
	const struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod(orig, const struct rte_ipv4_hdr *);
	uint32_t quote = RTE_MIN(orig->pkt_len, (uint32_t)ICMP_ERR_MAX_QUOTE);
	uint16_t icmp_len = (uint16_t)(sizeof(struct rte_icmp_hdr) + quote);
	struct rte_icmp_hdr *icmp;
	struct rte_mbuf *m;
	const void *q;

	if (orig->data_len < sizeof(*ih) || !ft_icmp_error_allowed(w, orig, ih))
		return NULL;
	if (!ft_tb_take(&w->icmp_tb, w->now)) {
		w->stats.drops[FT_DROP_ICMP_RATELIMIT]++;
		return NULL;
	}
	m = rte_pktmbuf_alloc(w->pool);
	if (m == NULL) {
		w->stats.drops[FT_DROP_NO_MBUF]++;
		return NULL;
	}
	/* One segment: 576 bytes always fit a data room (the stack's pool is 2 KiB mbufs). */
	icmp = (struct rte_icmp_hdr *)rte_pktmbuf_append(m, sizeof(struct rte_ipv4_hdr) +
							  icmp_len);
	if (unlikely(icmp == NULL)) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	icmp = (struct rte_icmp_hdr *)((struct rte_ipv4_hdr *)icmp + 1);
	memset(icmp, 0, sizeof(*icmp));
	icmp->icmp_type = type;
	icmp->icmp_code = code;
	icmp->icmp_seq_nb = rte_cpu_to_be_16(mtu); /* RFC 1191 §4: bytes 6-7, next-hop MTU */
	q = rte_pktmbuf_read(orig, 0, quote, icmp + 1);
	if (q != icmp + 1)
		memcpy(icmp + 1, q, quote);
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, icmp_len);
	build_ip_header(rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *), src,
			rte_be_to_cpu_32(ih->src_addr), icmp_len);
	m->l3_len = sizeof(struct rte_ipv4_hdr);
	w->stats.icmp_err_tx++;
	return m;
}
