/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 output fragmentation through DPDK's rte_ipv4_fragment_packet(): each fragment is a new
 * direct mbuf holding a copy of the header, chained to an indirect mbuf that references the
 * original payload (no payload copy). The library leaves header checksums to the caller.
 * Used for datagrams the application or an echo reply made larger than the MTU; the TCP path
 * never fragments (it sizes segments to the MSS).
 */
#include <errno.h>

#include <rte_ip_frag.h>

#include "core/worker.h"
#include "net/arp.h"
#include "net/iface.h"
#include "net/ip4_frag.h"

#define MAX_FRAGS 64 /* 65535 / (576 - 20) rounded up: the smallest MTU we accept */

int
ft_ip4_fragment_output(struct ft_worker *w, uint16_t iface, uint32_t nh, struct rte_mbuf *m)
{
	struct rte_mbuf *frags[MAX_FRAGS];
	int n;

	m->ol_flags &= RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL;
	n = rte_ipv4_fragment_packet(m, frags, MAX_FRAGS, w->ifaces[iface].mtu, w->pool,
				     w->pool);
	rte_pktmbuf_free(m); /* the fragments hold their own references to the payload */
	if (unlikely(n < 0)) {
		w->stats.drops[FT_DROP_NO_MBUF]++;
		return -ENOBUFS;
	}
	for (int i = 0; i < n; i++) {
		struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(frags[i], struct rte_ipv4_hdr *);

		h->hdr_checksum = 0;
		h->hdr_checksum = rte_ipv4_cksum(h);
		frags[i]->l3_len = sizeof(*h);
		w->stats.ip_frags_tx++;
		ft_arp_output(w, iface, nh, frags[i]);
	}
	return 0;
}
