/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ovpn-bench's gateway lcore: what dpdk-ovpn-gw's worker does with OpenVPN traffic, on rings
 * instead of NIC queues, with every stage of the data path in place:
 *
 *   decap: ring rx -> outer Ethernet/IPv4/UDP check and strip (port 1194, outer source kept)
 *          -> ovpn_data_decap_burst() (peer, key, replay, AEAD open, RPF, ping/OCC)
 *          -> ft_route_lookup_burst() on the inner destinations -> L2 rewrite (TTL - 1 with
 *          an incremental checksum, Ethernet header of the LAN next hop) -> ring tx
 *   encap: ring rx -> Ethernet strip, IPv4 check, TTL - 1 -> ft_route_lookup_burst() ->
 *          FT_NH_PEER -> ovpn_peer_lookup_by_id() -> ovpn_data_encap_burst() -> UDP/IPv4/
 *          Ethernet towards the peer's transport address (IPv4 checksum in software) -> ring tx
 *
 * Not measured here: NIC rx/tx and ARP (a fixed neighbour MAC stands in for the ARP cache),
 * IPv4 reassembly, and the outer IPv4 checksum check a NIC offloads. Phases are driven by
 * main.c: the lcore sleeps until told to drain its input ring, and only the time from "go" to
 * "ring drained" counts as busy time. Lcore 0 also runs the raw reference phases (raw.c)
 * between the pipeline's, the matched ones through the same rx loop (drain()).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "ob.h"
#include "route/route.h"

const struct rte_ether_addr ob_mac_gw = { { 0x02, 0, 0, 0, 0, 0x01 } };
const struct rte_ether_addr ob_mac_lan_nh = { { 0x02, 0, 0, 0, 0, 0x20 } };
const struct rte_ether_addr ob_mac_pub_nh = { { 0x02, 0, 0, 0, 0, 0x30 } };

bool
ob_iroute_fib(void *fib, const struct ovpn_peer *peer, uint32_t src_ip4)
{
	const struct ft_nexthop *nh = ft_route_lookup(fib, src_ip4);

	return nh != NULL && nh->kind == FT_NH_PEER && nh->peer_id == peer->id;
}

/*
 * Rx look-ahead, as a worker polling a NIC can do it: bursts k + 1 and k + 2 are taken before
 * burst k is processed; burst k + 2's mbuf headers and burst k + 1's first frame line
 * (Ethernet to P_DATA_V2 header, from the headroom) are prefetched then, so that their misses
 * overlap burst k's work instead of stalling the first pass over each burst, one latency for
 * the mbufs and one for the frames (about 70 cycles per packet at 1400 B when they come from
 * L3). A PMD writes the mbuf headers itself, on this core; here the generator did, on the
 * other one.
 */
struct rx_window {
	struct rte_mbuf *pkts[3][OB_MAX_BURST];
	uint16_t n[3];
};

static uint16_t
rx_take(struct ob_gw *g, struct rte_mbuf **pkts)
{
	uint16_t n = (uint16_t)rte_ring_sc_dequeue_burst(g->in, (void **)pkts, g->burst, NULL);

	for (uint16_t i = 0; i < n; i++)
		rte_prefetch0(pkts[i]);
	return n;
}

static void
prefetch_frames(struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
}

static void
drop(struct ob_gw *g, struct rte_mbuf *m)
{
	g->bench_drops++;
	rte_pktmbuf_free(m);
}

/* Outer Ethernet/IPv4/UDP to port 1194: strip it and return the source, or false. */
static bool
outer_pull(struct rte_mbuf *m, struct ft_endpoint4 *src)
{
	const struct rte_ether_hdr *eth;
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *udp;
	uint16_t ulen;

	if (unlikely(rte_pktmbuf_data_len(m) < OB_OUTER_LEN))
		return false;
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	ip = (const struct rte_ipv4_hdr *)(eth + 1);
	udp = (const struct rte_udp_hdr *)(ip + 1);
	if (unlikely(eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
		     ip->version_ihl != RTE_IPV4_VHL_DEF || ip->next_proto_id != IPPROTO_UDP ||
		     udp->dst_port != RTE_BE16(OB_OVPN_PORT)))
		return false;
	ulen = rte_be_to_cpu_16(udp->dgram_len);
	if (unlikely(ulen < sizeof(*udp) ||
		     ulen > rte_pktmbuf_pkt_len(m) - RTE_ETHER_HDR_LEN - sizeof(*ip)))
		return false;
	src->addr = rte_be_to_cpu_32(ip->src_addr);
	src->port = rte_be_to_cpu_16(udp->src_port);
	rte_pktmbuf_adj(m, OB_OUTER_LEN);
	/*
	 * Ethernet padding behind the datagram is trimmed only if there is some: the walk to the
	 * last segment in rte_pktmbuf_trim() reads m->next, in the mbuf's second cache line,
	 * which nothing else on this path touches (a miss per packet from L3).
	 */
	if (unlikely(rte_pktmbuf_pkt_len(m) != ulen - sizeof(*udp)))
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - (ulen - sizeof(*udp))));
	return true;
}

/* Router TTL: false if it expires; else TTL - 1 with the RFC 1624 checksum update. */
static bool
ttl_dec(struct rte_ipv4_hdr *ip)
{
	uint32_t c;

	if (unlikely(ip->time_to_live <= 1))
		return false;
	ip->time_to_live--;
	c = (uint32_t)ip->hdr_checksum + rte_cpu_to_be_16(0x0100);
	ip->hdr_checksum = (uint16_t)(c + (c >= 0xffff));
	return true;
}

static bool
eth_push(struct rte_mbuf *m, const struct rte_ether_addr *dst)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eth));

	if (unlikely(eth == NULL))
		return false;
	eth->dst_addr = *dst;
	eth->src_addr = ob_mac_gw;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	return true;
}

static void
tx(struct ob_gw *g, struct rte_mbuf **out, uint16_t n)
{
	uint16_t sent = (uint16_t)rte_ring_sp_enqueue_burst(g->out, (void **)out, n, NULL);

	g->pkts_out += sent;
	for (uint16_t i = sent; i < n; i++)
		drop(g, out[i]);
}

void
ob_gw_decap_burst(struct ob_gw *g, struct rte_mbuf **pkts, uint16_t n)
{
	/* Zeroed: gcc cannot see that only the first k are read (a few cycles per burst). */
	struct ft_endpoint4 src[OB_MAX_BURST] = { 0 };
	struct ovpn_rx_res res[OB_MAX_BURST];
	const struct ft_nexthop *nh[OB_MAX_BURST];
	struct ovpn_peer *peer[OB_MAX_BURST];
	uint32_t dst[OB_MAX_BURST];
	uint16_t k = 0, nf = 0, no = 0;

	g->pkts_in += n;
	for (uint16_t i = 0; i < n; i++) {
		if (outer_pull(pkts[i], &src[k]))
			pkts[k++] = pkts[i];
		else
			drop(g, pkts[i]);
	}
	ovpn_data_decap_burst(g->ctx, pkts, src, res, k);
	/* DATA: inner IPv4 (ovpn checked the version and RPF) to the route lookup. */
	for (uint16_t i = 0; i < k; i++) {
		const struct rte_ipv4_hdr *ip;

		if (res[i].verdict != OVPN_RX_DATA) {
			if (pkts[i] != NULL)	/* CONTROL, HANDOFF: not expected here */
				drop(g, pkts[i]);
			continue;
		}
		ip = rte_pktmbuf_mtod(pkts[i], const struct rte_ipv4_hdr *);
		if (unlikely((ip->version_ihl >> 4) != 4)) {
			drop(g, pkts[i]);
			continue;
		}
		peer[nf] = res[i].peer;
		dst[nf] = rte_be_to_cpu_32(ip->dst_addr);
		pkts[nf++] = pkts[i];
	}
	ft_route_lookup_burst(g->fib, dst, nf, nh);
	for (uint16_t i = 0; i < nf; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t len = rte_pktmbuf_pkt_len(m);

		if (unlikely(nh[i] == NULL || nh[i]->kind != FT_NH_LAN)) {
			ovpn_data_drop(g->ctx, peer[i], m, OVPN_DROP_NO_ROUTE);
			continue;
		}
		if (unlikely(!ttl_dec(rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *)) ||
			     !eth_push(m, &ob_mac_lan_nh))) {
			drop(g, m);
			continue;
		}
		g->bytes_out += len;
		pkts[no++] = m;
	}
	tx(g, pkts, no);
}

/* UDP/IPv4/Ethernet from the gateway's port 1194 to @p dst (the peer's transport address). */
static bool
outer_push(struct rte_mbuf *m, const struct ft_endpoint4 *dst)
{
	uint16_t plen = (uint16_t)rte_pktmbuf_pkt_len(m);
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;

	udp = (struct rte_udp_hdr *)rte_pktmbuf_prepend(m, sizeof(*ip) + sizeof(*udp));
	if (unlikely(udp == NULL))
		return false;
	ip = (struct rte_ipv4_hdr *)udp;
	udp = (struct rte_udp_hdr *)(ip + 1);
	*ip = (struct rte_ipv4_hdr){
		.version_ihl = RTE_IPV4_VHL_DEF,
		.total_length = rte_cpu_to_be_16((uint16_t)(plen + sizeof(*ip) + sizeof(*udp))),
		.time_to_live = 64,
		.next_proto_id = IPPROTO_UDP,
		.src_addr = RTE_BE32(OB_GW_ADDR),
		.dst_addr = rte_cpu_to_be_32(dst->addr),
	};
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = RTE_BE16(OB_OVPN_PORT);
	udp->dst_port = rte_cpu_to_be_16(dst->port);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(plen + sizeof(*udp)));
	udp->dgram_cksum = 0;	/* optional over IPv4 (RFC 768); a NIC would offload it */
	return eth_push(m, &ob_mac_pub_nh);
}

/* LAN frame: strip Ethernet, check IPv4, TTL - 1; the destination, or false. */
static bool
lan_pull(struct rte_mbuf *m, uint32_t *dst)
{
	const struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;

	if (unlikely(rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + sizeof(*ip)))
		return false;
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	ip = (struct rte_ipv4_hdr *)(uintptr_t)(eth + 1);
	if (unlikely(eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
		     (ip->version_ihl >> 4) != 4 || !ttl_dec(ip)))
		return false;
	*dst = rte_be_to_cpu_32(ip->dst_addr);
	rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
	return true;
}

void
ob_gw_encap_burst(struct ob_gw *g, struct rte_mbuf **pkts, uint16_t n)
{
	const struct ovpn_peer_table *t = g->ctx->conf.peers;
	const struct ft_nexthop *nh[OB_MAX_BURST];
	struct ovpn_peer *peer[OB_MAX_BURST];
	struct ovpn_tx_res res[OB_MAX_BURST];
	uint32_t dst[OB_MAX_BURST] = { 0 };	/* see ob_gw_decap_burst() */
	uint16_t k = 0, np = 0, no = 0;

	g->pkts_in += n;
	for (uint16_t i = 0; i < n; i++) {
		if (lan_pull(pkts[i], &dst[k]))
			pkts[k++] = pkts[i];
		else
			drop(g, pkts[i]);
	}
	ft_route_lookup_burst(g->fib, dst, k, nh);
	for (uint16_t i = 0; i < k; i++) {
		if (unlikely(nh[i] == NULL || nh[i]->kind != FT_NH_PEER)) {
			ovpn_data_drop(g->ctx, NULL, pkts[i], OVPN_DROP_NO_ROUTE);
			continue;
		}
		peer[np] = ovpn_peer_lookup_by_id(t, nh[i]->peer_id);
		pkts[np++] = pkts[i];
	}
	ovpn_data_encap_burst(g->ctx, pkts, peer, res, np);
	for (uint16_t i = 0; i < np; i++) {
		struct rte_mbuf *m = pkts[i];

		if (res[i].verdict != OVPN_TX_SEALED) {
			if (m != NULL)		/* HANDOFF: not expected here */
				drop(g, m);
			continue;
		}
		g->bytes_out += rte_pktmbuf_pkt_len(m) - OVPN_DATA_V2_HDR_LEN;
		if (unlikely(!outer_push(m, &res[i].dst))) {
			drop(g, m);
			continue;
		}
		pkts[no++] = m;
	}
	tx(g, pkts, no);
}

typedef void burst_fn(struct ob_gw *g, struct rte_mbuf **pkts, uint16_t n);

/*
 * Drain the input ring with @p fn: one phase, with the rx look-ahead for the pipeline and the
 * matched raw reference alike. Returns the busy cycles, from here to the ring being empty.
 */
static uint64_t
drain(struct ob_gw *g, burst_fn *fn, uint64_t hz)
{
	static struct rx_window rx[OB_MAX_GW];	/* this lcore's; off the stack (1.5 KiB) */
	struct rx_window *w = &rx[g->idx];
	uint64_t t0 = rte_rdtsc(), now = t0;
	uint16_t n;

	if (!g->lookahead) {
		/* --rx-lookahead 0: each burst on its own, prefetched just before it is used. */
		while ((n = rx_take(g, w->pkts[0])) > 0) {
			prefetch_frames(w->pkts[0], n);
			ovpn_data_set_now(g->ctx, now / hz);
			fn(g, w->pkts[0], n);
			rte_rcu_qsbr_quiescent(g->qsbr, g->idx);
			now = rte_rdtsc();
		}
		return now - t0;
	}
	w->n[0] = rx_take(g, w->pkts[0]);
	w->n[1] = rx_take(g, w->pkts[1]);
	prefetch_frames(w->pkts[0], w->n[0]);
	for (unsigned int k = 0; w->n[k % 3] > 0; k++) {
		unsigned int cur = k % 3, next = (k + 1) % 3, after = (k + 2) % 3;

		w->n[after] = rx_take(g, w->pkts[after]);
		prefetch_frames(w->pkts[next], w->n[next]);
		ovpn_data_set_now(g->ctx, now / hz);
		fn(g, w->pkts[cur], w->n[cur]);
		rte_rcu_qsbr_quiescent(g->qsbr, g->idx);
		now = rte_rdtsc();
	}
	return now - t0;
}

/* One phase of g->mode. Only the pipeline's phases count in its figures. */
static void
run_phase(struct ob_gw *g, uint64_t hz)
{
	uint64_t out0 = g->pkts_out, cyc;

	switch (g->mode) {
	case OB_MODE_RAW_L1:
		ob_raw_l1_phase(g, g->l1_iters);
		return;
	case OB_MODE_RAW_MATCHED:
		drain(g, ob_raw_burst, hz);
		return;
	default:
		break;
	}
	cyc = drain(g, g->dir == OB_DECAP ? ob_gw_decap_burst : ob_gw_encap_burst, hz);
	g->busy_cyc += cyc;
	if (g->n_phases < OB_MAX_PHASES) {
		g->phase_cyc[g->n_phases] = cyc;
		g->phase_pkts[g->n_phases++] = (uint32_t)(g->pkts_out - out0);
	}
}

int
ob_gw_main(void *arg)
{
	struct ob_gw *g = arg;
	uint64_t hz = rte_get_tsc_hz();
	/*
	 * Start from what this lcore last finished (0 after ob_run_setup()), not from "go": main
	 * may already have posted phase 1 when a loaded machine schedules this thread late.
	 */
	uint32_t seen = g->done;
	uint32_t gen_seen = g->gen_done;

	rte_rcu_qsbr_thread_online(g->qsbr, g->idx);
	while (!__atomic_load_n(&g->stop, __ATOMIC_ACQUIRE)) {
		uint32_t go = __atomic_load_n(&g->go, __ATOMIC_ACQUIRE);
		uint32_t gen_go = __atomic_load_n(&g->gen_go, __ATOMIC_ACQUIRE);

		if (gen_go != gen_seen) {
			/* Generator 1: gateway 1's frames, built on this (the other) CPU. */
			gen_seen = gen_go;
			g->gen_rc = ob_generate(g->w, 1, g->dir, g->gen_size, g->gen_batch);
			__atomic_store_n(&g->gen_done, gen_seen, __ATOMIC_RELEASE);
			continue;
		}
		if (go == seen) {
			/* Idle between phases: never spin, the other CPU may be generating. */
			rte_rcu_qsbr_quiescent(g->qsbr, g->idx);
			rte_delay_us_sleep(20);
			continue;
		}
		seen = go;
		run_phase(g, hz);
		__atomic_store_n(&g->done, seen, __ATOMIC_RELEASE);
	}
	rte_rcu_qsbr_thread_offline(g->qsbr, g->idx);
	return 0;
}
