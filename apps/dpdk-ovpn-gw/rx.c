/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tunnel -> LAN (or -> another peer): the UDP listen port's receive callback collects the
 * datagrams of one loop iteration into a burst, and the poll hook decapsulates the burst with
 * one ovpn_data_decap_burst() call (one AEAD call per 64 packets). Each decrypted packet is
 * then checked as an IPv4 packet, routed through the FIB in one bulk lookup, has its TTL
 * decremented and its TCP MSS clamped, and leaves either on the LAN (ft_ip4_send: ARP) or
 * through the encap queue to another peer (client-to-client, tx.c; with a `server` group only
 * when server.client_to_client is on, else dropped as client_to_client, as OpenVPN without
 * --client-to-client keeps clients apart).
 *
 * Verdicts other than DATA: PING and EXIT were consumed by data.c (EXIT is reported to the
 * control thread); CONTROL goes to the control thread through ctrl_rx when a `server` group
 * exists (else it is counted as control_unhandled and dropped); HANDOFF goes to the worker
 * that owns the peer. Worker 0 also sends the control thread's packets (gw_ctrl_tx_drain()).
 *
 * Not here: ICMP errors back into the tunnel (TTL exceeded for a tunnel sender is a drop),
 * IPv6 inside the tunnel (inner_ipv6), the gateway's own VPN-side address (nothing answers
 * it yet).
 */
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "gw.h"
#include "inner.h"

static inline struct gw_worker *
worker_of(struct gw *gw, struct ft_worker *w)
{
	return gw->workers[ft_worker_index(w)];
}

static void
rx_append(struct gw_worker *gwk, struct ft_worker *w, struct rte_mbuf *m,
	  const struct ft_endpoint4 *src)
{
	gwk->rx[gwk->n_rx] = m;
	gwk->rx_src[gwk->n_rx] = *src;
	if (++gwk->n_rx == GW_BURST)
		gw_rx_flush(gwk, w);
}

void
gw_udp_input(struct ft_worker *w, struct rte_mbuf *m, const struct ft_udp_meta *meta,
	     void *arg)
{
	struct gw_worker *gwk = worker_of(arg, w);
	struct ft_endpoint4 src = { .addr = meta->src_ip, .port = meta->src_port };

	GW_COUNT(gwk, udp_rx, 1);
	rx_append(gwk, w, m, &src);
}

static void
handoff_rx(struct gw_worker *gwk, struct rte_mbuf *m, struct ovpn_peer *peer)
{
	struct gw_worker *owner = gwk->gw->workers[peer->owner];

	if (rte_ring_mp_enqueue(owner->rx_handoff, m) != 0) {
		ovpn_data_drop(gwk->data, NULL, m, OVPN_DROP_HANDOFF);
		return;
	}
	GW_COUNT(gwk, handoff_tx, 1);
}

/*
 * Datagrams other workers received for peers this one owns (handoff_rx()). The stack left
 * their IPv4 and UDP headers in front of the payload (l3_len, l4_len): the source address is
 * read back from there.
 */
static void
handoff_rx_drain(struct gw_worker *gwk, struct ft_worker *w)
{
	struct rte_mbuf *pkts[GW_BURST];
	unsigned int n = rte_ring_sc_dequeue_burst(gwk->rx_handoff, (void **)pkts, GW_BURST,
						   NULL);

	for (unsigned int i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const uint8_t *l4 = rte_pktmbuf_mtod(m, const uint8_t *) - m->l4_len;
		const struct rte_udp_hdr *uh = (const struct rte_udp_hdr *)l4;
		const struct rte_ipv4_hdr *ih = (const struct rte_ipv4_hdr *)(l4 - m->l3_len);
		struct ft_endpoint4 src = { .addr = rte_be_to_cpu_32(ih->src_addr),
					    .port = rte_be_to_cpu_16(uh->src_port) };

		rx_append(gwk, w, m, &src);
	}
}

/* Route one checked, TTL-decremented inner packet along next hop @p nh. Consumes @p m. */
static void
forward_inner(struct gw_worker *gwk, struct ft_worker *w, struct rte_mbuf *m,
	      struct ovpn_peer *from, const struct ft_nexthop *nh)
{
	const struct gw_config *cfg = gwk->gw->cfg;
	struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	struct ovpn_peer *to;

	if (nh == NULL || (nh->kind != FT_NH_LAN && nh->kind != FT_NH_PEER)) {
		ovpn_data_drop(gwk->data, from, m, OVPN_DROP_NO_ROUTE);
		return;
	}
	if (!gw_ttl_dec(h)) {
		gw_drop(gwk, m, GW_DROP_TTL_EXCEEDED);
		return;
	}
	if (cfg->mssfix != 0 && gw_mss_clamp(m, cfg->mssfix))
		GW_COUNT(gwk, mss_clamped, 1);
	if (nh->kind == FT_NH_LAN) {
		GW_COUNT(gwk, tun_to_lan, 1);
		ft_ip4_send(w, m, nh->port, nh->gw != 0 ? nh->gw : rte_be_to_cpu_32(h->dst_addr));
		return;
	}
	if (!gwk->gw->peer_to_peer) {
		gw_drop(gwk, m, GW_DROP_CLIENT_TO_CLIENT);
		return;
	}
	to = ovpn_peer_lookup_by_id(gwk->gw->peers, nh->peer_id);
	if (to == NULL) {
		ovpn_data_drop(gwk->data, from, m, OVPN_DROP_NO_PEER);
		return;
	}
	GW_COUNT(gwk, tun_to_tun, 1);
	gw_txq_add(gwk, w, m, to);
}

/* Check the decrypted packets, look their destinations up in one call, forward each. */
static void
route_inner(struct gw_worker *gwk, struct ft_worker *w, struct rte_mbuf **pkts,
	    struct ovpn_peer **from, uint16_t n)
{
	const struct ft_nexthop *nh[GW_BURST];
	uint32_t dst[GW_BURST];
	uint16_t k = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint8_t version = m->data_len > 0 ? *rte_pktmbuf_mtod(m, uint8_t *) >> 4 : 0;

		if (version == 6) {
			gw_drop(gwk, m, GW_DROP_INNER_IPV6);
			continue;
		}
		if (!gw_inner_ip4_valid(m)) {
			gw_drop(gwk, m, GW_DROP_INNER_MALFORMED);
			continue;
		}
		dst[k] = rte_be_to_cpu_32(rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *)->dst_addr);
		pkts[k] = m;
		from[k++] = from[i];
	}
	ft_route_lookup_burst(gwk->gw->fib, dst, k, nh);
	for (uint16_t i = 0; i < k; i++)
		forward_inner(gwk, w, pkts[i], from[i], nh[i]);
}

static void
report(struct gw_worker *gwk, uint16_t type, const struct ovpn_peer *peer,
       const struct ft_endpoint4 *src)
{
	struct gw_event ev = { .type = type, .peer_id = peer->id,
			       .ep = ovpn_endpoint_pack(src) };

	gw_event_post(gwk, &ev);
}

/* A control packet: to the control thread with its source address (gw.h). */
static void
control_rx(struct gw_worker *gwk, struct rte_mbuf *m, const struct ft_endpoint4 *src)
{
	struct gw_ctrl_pkt p = { .m = m, .ep = ovpn_endpoint_pack(src) };

	if (gwk->gw->ctrl_rx == NULL) {
		gw_drop(gwk, m, GW_DROP_CONTROL_UNHANDLED);
		return;
	}
	if (rte_ring_mp_enqueue_elem(gwk->gw->ctrl_rx, &p, sizeof(p)) != 0) {
		GW_COUNT(gwk, ctrl_ring_full, 1);
		rte_pktmbuf_free(m);
		return;
	}
	GW_COUNT(gwk, ctrl_to_thread, 1);
}

void
gw_ctrl_tx_drain(struct gw_worker *gwk, struct ft_worker *w)
{
	struct gw_ctrl_pkt p[GW_BURST];
	unsigned int n = rte_ring_sc_dequeue_burst_elem(gwk->gw->ctrl_tx, p, sizeof(p[0]),
							 GW_BURST, NULL);

	for (unsigned int i = 0; i < n; i++) {
		struct ft_endpoint4 dst = ovpn_endpoint_unpack(p[i].ep);
		struct ft_udp_meta meta = { .src_port = gwk->gw->cfg->listen_port,
					    .dst_ip = dst.addr, .dst_port = dst.port };

		ft_udp_send(w, p[i].m, &meta); /* consumes; failures are counted by the stack */
	}
	GW_COUNT(gwk, ctrl_tx, n);
}

void
gw_rx_flush(struct gw_worker *gwk, struct ft_worker *w)
{
	struct rte_mbuf *inner[GW_BURST];
	struct ovpn_peer *from[GW_BURST];
	struct ovpn_rx_res *res = gwk->rx_res;
	uint16_t n = gwk->n_rx, ni = 0;

	gwk->n_rx = 0;
	ovpn_data_set_now(gwk->data, gw_now_s(gwk->gw, ft_worker_now(w)));
	ovpn_data_decap_burst(gwk->data, gwk->rx, gwk->rx_src, res, n);
	for (uint16_t i = 0; i < n; i++) {
		if (res[i].flags & OVPN_RX_F_FLOAT)
			report(gwk, GW_EV_FLOAT, res[i].peer, &gwk->rx_src[i]);
		switch (res[i].verdict) {
		case OVPN_RX_DATA:
			inner[ni] = gwk->rx[i];
			from[ni++] = res[i].peer;
			break;
		case OVPN_RX_EXIT:
			report(gwk, GW_EV_EXIT, res[i].peer, &gwk->rx_src[i]);
			break;
		case OVPN_RX_CONTROL:
			control_rx(gwk, gwk->rx[i], &gwk->rx_src[i]);
			break;
		case OVPN_RX_HANDOFF:
			handoff_rx(gwk, gwk->rx[i], res[i].peer);
			break;
		default: /* PING, DROP: consumed by data.c */
			break;
		}
	}
	if (ni != 0)
		route_inner(gwk, w, inner, from, ni);
}

void
gw_poll(struct ft_worker *w, void *arg)
{
	struct gw_worker *gwk = worker_of(arg, w);
	uint64_t now = ft_worker_now(w);

	if (unlikely(!rte_ring_empty(gwk->rx_handoff)))
		handoff_rx_drain(gwk, w);
	if (gwk->n_rx != 0)
		gw_rx_flush(gwk, w);
	if (unlikely(!rte_ring_empty(gwk->tx_handoff)))
		gw_txq_handoff_drain(gwk, w);
	if (unlikely(gwk->idx == 0 && gwk->gw->ctrl_tx != NULL &&
		     !rte_ring_empty(gwk->gw->ctrl_tx)))
		gw_ctrl_tx_drain(gwk, w);
	if (gwk->n_tx != 0)
		gw_txq_flush(gwk, w);
	if (now >= gwk->next_tick) {
		/* Keepalive timing is in whole seconds (peer.h): four scans a second suffice. */
		gwk->next_tick = now + gwk->gw->tsc_hz / 4;
		gw_keepalive(gwk, w, gw_now_s(gwk->gw, now));
		if (gwk->n_tx != 0)
			gw_txq_flush(gwk, w);
	}
}
