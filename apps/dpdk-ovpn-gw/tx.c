/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * LAN -> tunnel: the LAN port's forward hook receives what the stack found not for the
 * gateway's own addresses, looks the destinations up in the FIB in one bulk call, and queues
 * those routed to a peer for encryption, after the router's chores: TTL (ICMP time exceeded
 * back to the sender at 1), TCP MSS clamp, and the tunnel MTU (ICMP fragmentation-needed for
 * DF packets, RFC 1191; fragmentation otherwise, frag.c). The encap queue (also fed by
 * client-to-client traffic and keepalives) is sealed with one ovpn_data_encap_burst() call
 * and each sealed packet leaves with ft_udp_send() from the listen port to the peer's
 * transport address.
 *
 * Also here: the keepalive scan (openvpn-protocol.md §6.5: a ping when nothing was sent for
 * keepalive_interval_s; pings received are consumed by data.c), the hand-off of packets whose
 * peer another worker owns, and the worker-to-control event ring.
 *
 * Not here: LAN -> LAN traffic (a LAN route for a LAN packet: dropped as lan_hairpin, the
 * gateway is not the LAN's router), IPv6.
 */
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "gw.h"
#include "inner.h"

#define ICMP_DEST_UNREACH 3
#define ICMP_FRAG_NEEDED 4
#define ICMP_TIME_EXCEEDED 11
#define ICMP_TTL_EXCEEDED 0
#define LAN_BURST 32 /* the forward hook's largest burst (ft_ip4.h) */

void
gw_event_post(struct gw_worker *gwk, const struct gw_event *ev)
{
	if (rte_ring_mp_enqueue_elem(gwk->gw->events, (void *)(uintptr_t)ev,
				     sizeof(*ev)) != 0) {
		GW_COUNT(gwk, event_ring_full, 1);
		return;
	}
	if (ev->type == GW_EV_FLOAT)
		GW_COUNT(gwk, float_events, 1);
}

void
gw_icmp_to_lan(struct gw_worker *gwk, struct ft_worker *w, const struct rte_mbuf *m,
	       uint8_t type, uint8_t code, uint16_t mtu)
{
	const struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	uint32_t dst = rte_be_to_cpu_32(h->src_addr);
	const struct ft_nexthop *nh = ft_route_lookup(gwk->gw->fib, dst);
	struct rte_mbuf *e;

	if (nh == NULL || nh->kind != FT_NH_LAN)
		return; /* its sender is not on our LAN side: not ours to answer */
	e = ft_ip4_icmp_error(w, m, type, code, mtu, gwk->gw->port_ip[nh->port]);
	if (e == NULL)
		return; /* not allowed (RFC 1122 §3.2.2) or rate-limited: counted by the stack */
	if (type == ICMP_DEST_UNREACH)
		GW_COUNT(gwk, frag_needed_tx, 1);
	else
		GW_COUNT(gwk, ttl_exceeded_tx, 1);
	ft_ip4_send(w, e, nh->port, nh->gw != 0 ? nh->gw : dst);
}

static void
send_sealed(struct gw_worker *gwk, struct ft_worker *w, struct rte_mbuf *m,
	    const struct ft_endpoint4 *dst)
{
	const struct gw *gw = gwk->gw;
	struct ft_udp_meta meta = {
		.src_ip = gw->port_ip[gw->cfg->public_port],
		.dst_ip = dst->addr,
		.src_port = gw->cfg->listen_port,
		.dst_port = dst->port,
	};

	ft_udp_send(w, m, &meta); /* consumes; failures are counted by the stack */
}

static void
handoff_tx(struct gw_worker *gwk, struct rte_mbuf *m, struct ovpn_peer *peer)
{
	struct gw_worker *owner = gwk->gw->workers[peer->owner];

	m->hash.usr = peer->id; /* RX metadata, unused on this path: carries the peer */
	if (rte_ring_mp_enqueue(owner->tx_handoff, m) != 0) {
		ovpn_data_drop(gwk->data, NULL, m, OVPN_DROP_HANDOFF);
		return;
	}
	GW_COUNT(gwk, handoff_tx, 1);
}

void
gw_txq_handoff_drain(struct gw_worker *gwk, struct ft_worker *w)
{
	struct rte_mbuf *pkts[GW_BURST];
	unsigned int n = rte_ring_sc_dequeue_burst(gwk->tx_handoff, (void **)pkts, GW_BURST,
						   NULL);

	for (unsigned int i = 0; i < n; i++) {
		struct ovpn_peer *p = ovpn_peer_lookup_by_id(gwk->gw->peers, pkts[i]->hash.usr);

		if (p == NULL)
			ovpn_data_drop(gwk->data, NULL, pkts[i], OVPN_DROP_NO_PEER);
		else
			gw_txq_add(gwk, w, pkts[i], p);
	}
}

void
gw_txq_flush(struct gw_worker *gwk, struct ft_worker *w)
{
	struct ovpn_tx_res *res = gwk->tx_res;
	uint16_t n = gwk->n_tx;

	gwk->n_tx = 0;
	ovpn_data_set_now(gwk->data, gw_now_s(gwk->gw, ft_worker_now(w)));
	ovpn_data_encap_burst(gwk->data, gwk->tx, gwk->tx_peer, res, n);
	for (uint16_t i = 0; i < n; i++) {
		if (res[i].verdict == OVPN_TX_SEALED)
			send_sealed(gwk, w, gwk->tx[i], &res[i].dst);
		else if (res[i].verdict == OVPN_TX_HANDOFF)
			handoff_tx(gwk, gwk->tx[i], gwk->tx_peer[i]);
		/* OVPN_TX_DROP: consumed and counted by data.c */
	}
}

void
gw_txq_add(struct gw_worker *gwk, struct ft_worker *w, struct rte_mbuf *m,
	   struct ovpn_peer *peer)
{
	if (gwk->n_tx == GW_BURST)
		gw_txq_flush(gwk, w);
	gwk->tx[gwk->n_tx] = m;
	gwk->tx_peer[gwk->n_tx++] = peer;
}

/* A LAN packet larger than the tunnel MTU: fragment it, or tell its sender (DF). Consumes. */
static void
too_big(struct gw_worker *gwk, struct ft_worker *w, struct rte_mbuf *m, struct ovpn_peer *p)
{
	const struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	uint16_t mtu = gwk->gw->cfg->tunnel_mtu;
	struct rte_mbuf *frags[32];
	uint16_t n;

	if (h->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)) {
		gw_icmp_to_lan(gwk, w, m, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, mtu);
		ovpn_data_drop(gwk->data, p, m, OVPN_DROP_TOO_BIG);
		return;
	}
	n = gw_ip4_fragment(w, m, mtu, frags, RTE_DIM(frags));
	if (n == 0) {
		gw_drop(gwk, NULL, GW_DROP_FRAG_FAIL);
		return;
	}
	GW_COUNT(gwk, inner_fragmented, 1);
	for (uint16_t i = 0; i < n; i++)
		gw_txq_add(gwk, w, frags[i], p);
}

/* One routed LAN packet. Consumes @p m. */
static void
lan_forward(struct gw_worker *gwk, struct ft_worker *w, struct rte_mbuf *m,
	    const struct ft_nexthop *nh)
{
	const struct gw_config *cfg = gwk->gw->cfg;
	struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	struct ovpn_peer *p;

	if (nh == NULL) {
		ovpn_data_drop(gwk->data, NULL, m, OVPN_DROP_NO_ROUTE);
		return;
	}
	if (nh->kind != FT_NH_PEER) {
		gw_drop(gwk, m, GW_DROP_LAN_HAIRPIN);
		return;
	}
	p = ovpn_peer_lookup_by_id(gwk->gw->peers, nh->peer_id);
	if (p == NULL) {
		ovpn_data_drop(gwk->data, NULL, m, OVPN_DROP_NO_PEER);
		return;
	}
	if (!gw_ttl_dec(h)) {
		gw_icmp_to_lan(gwk, w, m, ICMP_TIME_EXCEEDED, ICMP_TTL_EXCEEDED, 0);
		gw_drop(gwk, m, GW_DROP_TTL_EXCEEDED);
		return;
	}
	if (cfg->mssfix != 0 && gw_mss_clamp(m, cfg->mssfix))
		GW_COUNT(gwk, mss_clamped, 1);
	GW_COUNT(gwk, lan_to_tun, 1);
	if (m->pkt_len > cfg->tunnel_mtu)
		too_big(gwk, w, m, p);
	else
		gw_txq_add(gwk, w, m, p);
}

void
gw_lan_input(struct ft_worker *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n, void *arg)
{
	struct gw *gw = arg;
	struct gw_worker *gwk = gw->workers[ft_worker_index(w)];
	const struct ft_nexthop *nh[LAN_BURST];
	uint32_t dst[LAN_BURST];

	GW_COUNT(gwk, lan_rx, n);
	for (uint16_t i = 0; i < n; i++)
		dst[i] = rte_be_to_cpu_32(rte_pktmbuf_mtod(pkts[i],
							   struct rte_ipv4_hdr *)->dst_addr);
	ft_route_lookup_burst(gw->fib, dst, n, nh);
	for (uint16_t i = 0; i < n; i++)
		lan_forward(gwk, w, pkts[i], nh[i]);
	if (gwk->n_tx != 0)
		gw_txq_flush(gwk, w);
}

void
gw_keepalive(struct gw_worker *gwk, struct ft_worker *w, uint64_t now_s)
{
	struct gw *gw = gwk->gw;

	for (uint32_t i = 0; i < gw_peer_count(gw); i++) {
		struct ovpn_peer *p = gw_pinfo_peer(&gw->pinfo[i]); /* RCU: valid this loop */
		struct rte_mbuf *m;

		if (p == NULL || p->owner != gwk->idx || !ovpn_peer_keepalive_due(p, now_s) ||
		    ovpn_peer_transport(p).addr == 0)
			continue;
		m = ft_udp_alloc(w);
		if (m == NULL)
			return;
		if (ovpn_data_ping_build(m) < 0) {
			rte_pktmbuf_free(m);
			continue;
		}
		GW_COUNT(gwk, keepalive_tx, 1);
		gw_txq_add(gwk, w, m, p);
	}
}
