/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP (RFC 768; RFC 1122 §4.1). Input validates the header and length field (a length shorter
 * than the IP payload trims it, a longer one is an error), verifies the checksum unless it is
 * zero (optional in IPv4) or the device already did, and delivers to the handler bound to the
 * destination port (any local address). Closed ports get ICMP port unreachable (rate-limited;
 * never for broadcast). Output prepends the header; the checksum is finished by ipv4.c.
 * The port table is a 64 Ki byte index into at most 255 bindings: O(1) and one cache line per
 * lookup.
 */
#include <errno.h>

#include <rte_byteorder.h>
#include <rte_udp.h>

#include <fasttcp/ft_udp.h>

#include "core/mbuf.h"
#include "core/worker.h"
#include "net/csum.h"
#include "net/icmp.h"
#include "net/iface.h"
#include "net/ipv4.h"
#include "net/net.h"
#include "net/udp.h"

static void
closed_port(struct ft_worker *w, struct rte_mbuf *m)
{
	/* Point back at the IPv4 header to quote it. */
	rte_pktmbuf_prepend(m, m->l3_len);
	ft_icmp_send_error(w, m, FT_ICMP_DEST_UNREACH, FT_ICMP_CODE_PORT_UNREACH);
	ft_drop(w, m, FT_DROP_UDP_NO_PORT);
}

void
ft_udp_input(struct ft_worker *w, struct rte_mbuf *m, uint16_t iface)
{
	const struct rte_ipv4_hdr *ih = ft_ip4_hdr_of(m);
	const struct rte_udp_hdr *uh;
	struct ft_udp_meta meta;
	const struct ft_udp_bind *b;
	uint16_t ulen;
	uint8_t idx;

	if (unlikely(m->data_len < sizeof(*uh))) {
		ft_drop(w, m, FT_DROP_UDP_SHORT);
		return;
	}
	uh = rte_pktmbuf_mtod(m, const struct rte_udp_hdr *);
	ulen = rte_be_to_cpu_16(uh->dgram_len);
	if (unlikely(ulen < sizeof(*uh) || ulen > m->pkt_len)) {
		ft_drop(w, m, FT_DROP_UDP_LEN);
		return;
	}
	ft_mbuf_trim(m, m->pkt_len - ulen);
	/* The verify helper walks from the L4 header: data offset is there (l4 off 0). */
	if (uh->dgram_cksum != 0 && /* 0: no checksum (RFC 768) */
	    unlikely(!ft_l4_rx_cksum_ok(w->ifaces[iface].rx_l4_csum, m, ih))) {
		ft_drop(w, m, FT_DROP_UDP_CSUM);
		return;
	}
	idx = w->net->udp_index[rte_be_to_cpu_16(uh->dst_port)];
	if (idx == 0) {
		closed_port(w, m);
		return;
	}
	meta.src_ip = rte_be_to_cpu_32(ih->src_addr);
	meta.dst_ip = rte_be_to_cpu_32(ih->dst_addr);
	meta.src_port = rte_be_to_cpu_16(uh->src_port);
	meta.dst_port = rte_be_to_cpu_16(uh->dst_port);
	meta.port_idx = iface;
	m->l4_len = sizeof(*uh);
	rte_pktmbuf_adj(m, sizeof(*uh));
	w->stats.udp_rx++;
	b = &w->net->udp_binds[idx - 1];
	b->fn(w, m, &meta, b->arg);
}

int
ft_udp_send(struct ft_worker *w, struct rte_mbuf *m, const struct ft_udp_meta *meta)
{
	struct rte_udp_hdr *uh;
	struct ft_ip4_out o;

	if (w == NULL || m == NULL || meta == NULL || meta->dst_ip == 0 || meta->dst_port == 0 ||
	    m->pkt_len > 65507) {
		if (w != NULL)
			ft_drop(w, m, FT_DROP_UDP_LEN);
		else
			rte_pktmbuf_free(m);
		return -EINVAL;
	}
	uh = (struct rte_udp_hdr *)rte_pktmbuf_prepend(m, sizeof(*uh));
	if (uh == NULL) {
		ft_drop(w, m, FT_DROP_NO_MBUF);
		return -EINVAL;
	}
	uh->src_port = rte_cpu_to_be_16(meta->src_port);
	uh->dst_port = rte_cpu_to_be_16(meta->dst_port);
	uh->dgram_len = rte_cpu_to_be_16((uint16_t)m->pkt_len);
	uh->dgram_cksum = 0;
	m->l4_len = sizeof(*uh);
	o = (struct ft_ip4_out){
		.src = meta->src_ip,
		.dst = meta->dst_ip,
		.proto = IPPROTO_UDP,
		.l4_csum_off = offsetof(struct rte_udp_hdr, dgram_cksum),
	};
	w->stats.udp_tx++;
	return ft_ip4_output(w, m, &o);
}

struct rte_mbuf *
ft_udp_alloc(struct ft_worker *w)
{
	return rte_pktmbuf_alloc(w->pool);
}

int
ft_udp_table_bind(struct ft_net *net, uint16_t port, ft_udp_recv_fn *fn, void *arg)
{
	if (port == 0 || fn == NULL)
		return -EINVAL;
	if (net->udp_index[port] != 0)
		return -EEXIST;
	for (unsigned int i = 0; i < FT_UDP_MAX_BINDS; i++) {
		if (net->udp_binds[i].fn != NULL)
			continue;
		net->udp_binds[i] = (struct ft_udp_bind){ .fn = fn, .arg = arg };
		net->udp_index[port] = (uint8_t)(i + 1);
		return 0;
	}
	return -ENOSPC;
}

int
ft_udp_table_unbind(struct ft_net *net, uint16_t port)
{
	uint8_t idx = net->udp_index[port];

	if (idx == 0)
		return -ENOENT;
	net->udp_binds[idx - 1].fn = NULL;
	net->udp_index[port] = 0;
	return 0;
}
