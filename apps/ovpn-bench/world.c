/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ovpn-bench's synthetic world: N OpenVPN clients with static keys (one key2 block each, §4.1,
 * mapped per §4.4 into a gateway-side peer and a client-side view of the gateway), the
 * gateway's FIB (the LAN 10.20.0.0/16 behind a LAN next hop, and one /32 per client VPN
 * address pointing at its peer), the generator and the collector.
 *
 * Generator (main lcore, between phases): for each gateway lcore, `batch` packets of the
 * peers that lcore owns (peer i belongs to lcore i % n_gw: what symmetric RSS would do), peers
 * taken round-robin packet by packet (the least favourable order for per-run id reservation).
 *   decap: an inner IPv4/UDP packet from client i's VPN address to its LAN host, sealed by the
 *          clients' own data channel (ovpn_data_encap_burst() on the client side: the keys of
 *          the other direction), then UDP/IPv4/Ethernet from 198.51.100.10:(10000 + i) to
 *          203.0.113.1:1194;
 *   encap: the same inner packet the other way (LAN host -> VPN address) in an Ethernet frame.
 * Payload: [sequence number][peer index][pattern bytes from the sequence number], so that the
 * collector can check any packet on its own. Then the frames are placed (enum ob_place, ob.h):
 * left in the generator's caches, pushed out to L3, or flushed to DRAM.
 *
 * Collector (main lcore, after each phase): drains the gateways' output rings and checks one
 * packet in verify_every: headers, TTL, checksum and payload; for encap it first opens the
 * packet with the client's keys (ovpn_data_decap_burst() on the client side).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <emmintrin.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "ob.h"
#include "route/route.h"

#define CL_VIEW_PORT0		20000	/* unique transport keys of the client-side views */
#define INNER_HDR_LEN		(20 + 8)
#define PAT_LEN			(256 + 1600)

static const struct rte_ether_addr mac_client = { { 0x02, 0, 0, 0, 0, 0x40 } };
static const struct rte_ether_addr mac_lan_host = { { 0x02, 0, 0, 0, 0, 0x50 } };
static uint8_t pat[PAT_LEN];

static uint32_t
max_batch(const struct ob_opts *o)
{
	return o->batch != 0 ? o->batch : OB_BATCH_DEFAULT;
}

static struct rte_ring *
ring_create(const char *kind, uint16_t g, uint32_t batch)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "ob_%s%u", kind, g);
	return rte_ring_create(name, rte_align32pow2(batch + OB_MAX_BURST + 1),
			       (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
}

static int
fib_fill(struct ob_world *w)
{
	struct ft_nexthop lan = { .kind = FT_NH_LAN, .port = 1 };
	struct ft_route_conf rc;
	int rc_add;

	ft_route_conf_init(&rc);
	rc.max_routes = w->o.peers + 16;
	rc.max_nexthops = w->o.peers + 16;
	rc.qsbr = w->qsbr;
	w->fib = ft_route_create(&rc);
	if (w->fib == NULL)
		return -ENOMEM;
	rc_add = ft_route_add(w->fib, OB_IP4(10, 20, 0, 0), 16, &lan);
	for (uint32_t i = 0; i < w->o.peers && rc_add == 0; i++) {
		struct ft_nexthop nh = { .kind = FT_NH_PEER, .peer_id = i };

		rc_add = ft_route_add(w->fib, OB_VPN_BASE + i, 32, &nh);
	}
	return rc_add;
}

static int
gw_init(struct ob_world *w, uint16_t g, unsigned int lcore)
{
	struct ob_gw *gw = &w->gw[g];
	int socket = (int)rte_lcore_to_socket_id(lcore);

	gw->lcore = lcore;
	gw->idx = g;
	gw->fib = w->fib;
	gw->qsbr = w->qsbr;
	gw->burst = w->o.burst;
	gw->lookahead = w->o.lookahead;
	gw->w = w;
	gw->ctx = rte_zmalloc_socket("ob_ctx", sizeof(*gw->ctx), RTE_CACHE_LINE_SIZE, socket);
	gw->aead = ft_aead_ctx_create(w->be, socket);
	gw->in = ring_create("in", g, max_batch(&w->o));
	gw->out = ring_create("out", g, max_batch(&w->o));
	gw->phase_cyc = calloc(OB_MAX_PHASES, sizeof(*gw->phase_cyc));
	gw->phase_pkts = calloc(OB_MAX_PHASES, sizeof(*gw->phase_pkts));
	if (gw->ctx == NULL || gw->aead == NULL || gw->in == NULL || gw->out == NULL ||
	    gw->phase_cyc == NULL || gw->phase_pkts == NULL)
		return -ENOMEM;
	return rte_rcu_qsbr_thread_register(w->qsbr, g) == 0 ? 0 : -EINVAL;
}

/* The LLC placement's eviction buffer: 4x the L2 (1 MiB if unknown), pages touched once. */
static int
evict_init(struct ob_world *w)
{
	long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
	uint8_t *b;

	w->evict_len = 4 * (size_t)(l2 > 0 ? l2 : 1 << 20);
	b = aligned_alloc(RTE_CACHE_LINE_SIZE, w->evict_len);
	if (b == NULL)
		return -ENOMEM;
	memset(b, 0x5a, w->evict_len);
	w->evict = b;
	return 0;
}

int
ob_world_init(struct ob_world *w)
{
	struct ft_aead_backend_conf bc;
	unsigned int lcore = rte_get_main_lcore();
	uint32_t nmbufs = OB_MAX_GW * (max_batch(&w->o) + OB_MAX_BURST) + 2048;
	size_t qsz = rte_rcu_qsbr_get_memsize(OB_MAX_GW);

	for (unsigned int i = 0; i < PAT_LEN; i++)
		pat[i] = (uint8_t)(i * 31 + 7);
	if (evict_init(w) != 0)
		return -ENOMEM;
	w->pool = rte_pktmbuf_pool_create("ob_pool", nmbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	ft_aead_backend_conf_init(&bc);
	bc.name = w->o.backend;
	bc.max_ctx = OB_MAX_GW + 1;
	bc.max_keys = 4 * w->o.peers + 8;
	w->be = ft_aead_backend_create(&bc);
	if (w->pool == NULL || w->be == NULL)
		return -ENODEV;
	w->main_aead = ft_aead_ctx_create(w->be, (int)rte_socket_id());
	for (uint16_t k = 0; k < OB_MAX_GEN; k++)
		w->cl_ctx[k] = rte_zmalloc("ob_cl_ctx", sizeof(*w->cl_ctx[k]), RTE_CACHE_LINE_SIZE);
	w->qsbr = rte_zmalloc("ob_qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (w->main_aead == NULL || w->cl_ctx[0] == NULL || w->cl_ctx[1] == NULL ||
	    w->qsbr == NULL ||
	    rte_rcu_qsbr_init(w->qsbr, OB_MAX_GW) != 0 || ovpn_rcu_init(&w->rcu, NULL, NULL, 0))
		return -ENOMEM;
	ovpn_keys_conf_init(&w->kconf);
	w->kconf.backend = w->be;
	w->kconf.rcu = &w->rcu;
	if (fib_fill(w) != 0)
		return -ENOSPC;
	for (uint16_t g = 0; g < OB_MAX_GW; g++) {
		lcore = rte_get_next_lcore(lcore, 1, 0);
		if (lcore >= RTE_MAX_LCORE)
			return -ENODEV;
		if (gw_init(w, g, lcore) != 0)
			return -ENOMEM;
	}
	return 0;
}

void
ob_world_fini(struct ob_world *w)
{
	for (uint16_t g = 0; g < OB_MAX_GW; g++) {
		rte_ring_free(w->gw[g].in);
		rte_ring_free(w->gw[g].out);
		ft_aead_ctx_destroy(w->gw[g].aead);
		rte_free(w->gw[g].ctx);
		free(w->gw[g].phase_cyc);
		free(w->gw[g].phase_pkts);
	}
	ft_route_destroy(w->fib);
	rte_free(w->qsbr);
	rte_free(w->cl_ctx[0]);
	rte_free(w->cl_ctx[1]);
	ft_aead_ctx_destroy(w->main_aead);
	ft_aead_backend_destroy(w->be);
	rte_mempool_free(w->pool);
	free((void *)(uintptr_t)w->evict);
}

/* Client @p i's key2 block: fixed per index (xorshift from i), so every peer differs. */
static void
key2_of(uint32_t i, uint8_t key2[OVPN_KEY2_LEN])
{
	uint64_t s = UINT64_C(0x9e3779b97f4a7c15) ^ ((uint64_t)i + 1) * 0x2545f4914f6cdd1dULL;

	for (unsigned int j = 0; j < OVPN_KEY2_LEN; j++) {
		s ^= s >> 12;
		s ^= s << 25;
		s ^= s >> 27;
		key2[j] = (uint8_t)((s * 2685821657736338717ULL) >> 56);
	}
}

static int
peer_pair_add(struct ob_world *w, uint32_t i)
{
	struct ovpn_peer_conf c;
	struct ovpn_key_material m;
	struct ovpn_peer *gp, *cp;
	uint8_t key2[OVPN_KEY2_LEN];
	int rc;

	ovpn_peer_conf_init(&c);
	c.id = i;
	c.vpn_ip4 = OB_VPN_BASE + i;
	c.transport = (struct ft_endpoint4){ OB_CL_ADDR, (uint16_t)(OB_CL_PORT0 + i) };
	c.owner = (uint16_t)(i % w->n_gw);
	c.keepalive_interval_s = 0;
	c.keepalive_timeout_s = 0;
	rc = ovpn_peer_add(w->gw_peers, &c, 0, &gp);
	c.vpn_ip4 = 0;
	c.transport = (struct ft_endpoint4){ OB_GW_ADDR, (uint16_t)(CL_VIEW_PORT0 + i) };
	c.owner = ob_gen_of(w, (uint16_t)(i % w->n_gw));	/* its generator */
	if (rc == 0)
		rc = ovpn_peer_add(w->cl_peers, &c, 0, &cp);
	key2_of(i, key2);
	if (rc == 0)
		rc = ovpn_key_material_from_key2(&m, w->o.alg, 0, key2, true);
	if (rc == 0)
		rc = ovpn_keys_install(&gp->keys, OVPN_KEY_PRIMARY, &m, 0);
	if (rc == 0)
		rc = ovpn_key_material_from_key2(&m, w->o.alg, 0, key2, false);
	if (rc == 0)
		rc = ovpn_keys_install(&cp->keys, OVPN_KEY_PRIMARY, &m, 0);
	return rc;
}

static int
data_ctx_init(struct ob_world *w, struct ovpn_data_ctx *ctx, struct ft_aead_ctx *aead,
	      const struct ovpn_peer_table *t, uint16_t worker, bool gateway)
{
	struct ovpn_data_conf dc;

	ovpn_data_conf_init(&dc);
	dc.aead = aead;
	dc.peers = t;
	dc.worker = worker;
	dc.rpf = gateway;
	if (gateway) {
		dc.iroute = ob_iroute_fib;
		dc.iroute_arg = w->fib;
	}
	return ovpn_data_ctx_init(ctx, &dc);
}

int
ob_run_setup(struct ob_world *w, uint16_t n_gw)
{
	struct ovpn_peer_table_conf tc = {
		.max_peers = w->o.peers, .socket_id = (int)rte_socket_id(), .rcu = &w->rcu,
		.keys = &w->kconf,
	};
	int rc = 0;

	w->n_gw = n_gw;
	tc.name = "ob_gw";
	w->gw_peers = ovpn_peer_table_create(&tc);
	tc.name = "ob_cl";
	w->cl_peers = ovpn_peer_table_create(&tc);
	if (w->gw_peers == NULL || w->cl_peers == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < w->o.peers && rc == 0; i++)
		rc = peer_pair_add(w, i);
	for (uint16_t g = 0; g < n_gw && rc == 0; g++)
		rc = data_ctx_init(w, w->gw[g].ctx, w->gw[g].aead, w->gw_peers, g, true);
	if (rc == 0)
		rc = data_ctx_init(w, w->cl_ctx[0], w->main_aead, w->cl_peers, 0, false);
	if (rc == 0)
		rc = data_ctx_init(w, w->cl_ctx[1], w->gw[0].aead, w->cl_peers, 1, false);
	for (uint16_t g = 0; g < OB_MAX_GW; g++) {
		struct ob_gw *gw = &w->gw[g];

		gw->go = gw->done = gw->gen_go = gw->gen_done = 0;
		gw->stop = false;
		gw->busy_cyc = gw->pkts_in = gw->pkts_out = gw->bytes_out = gw->bench_drops = 0;
		gw->n_phases = 0;
	}
	w->seq[0] = w->seq[1] = 0;
	w->collected = w->verified = w->verify_errors = 0;
	return rc;
}

void
ob_run_teardown(struct ob_world *w)
{
	ovpn_peer_table_destroy(w->gw_peers);
	ovpn_peer_table_destroy(w->cl_peers);
	w->gw_peers = w->cl_peers = NULL;
}

/* Inner IPv4/UDP packet of @p size bytes, client @p i, in direction @p dir. */
static void
inner_build(struct rte_mbuf *m, enum ob_dir dir, uint32_t size, uint32_t i, uint32_t seq)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, (uint16_t)size);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint8_t *pl = (uint8_t *)(udp + 1);
	uint32_t vpn = OB_VPN_BASE + i, lan = OB_LAN_BASE + i;

	*ip = (struct rte_ipv4_hdr){
		.version_ihl = RTE_IPV4_VHL_DEF,
		.total_length = rte_cpu_to_be_16((uint16_t)size),
		.time_to_live = 64,
		.next_proto_id = IPPROTO_UDP,
		.src_addr = rte_cpu_to_be_32(dir == OB_DECAP ? vpn : lan),
		.dst_addr = rte_cpu_to_be_32(dir == OB_DECAP ? lan : vpn),
	};
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = RTE_BE16(5000);
	udp->dst_port = RTE_BE16(6000);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(size - sizeof(*ip)));
	udp->dgram_cksum = 0;
	memcpy(pl, &seq, 4);
	memcpy(pl + 4, &i, 4);
	memcpy(pl + 8, pat + (seq & 255), size - INNER_HDR_LEN - 8);
}

static void
eth_build(struct rte_mbuf *m, const struct rte_ether_addr *src)
{
	struct rte_ether_hdr *eth =
		(struct rte_ether_hdr *)rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN);

	eth->dst_addr = ob_mac_gw;
	eth->src_addr = *src;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
}

/* Outer UDP/IPv4 from client @p i to the gateway's port 1194, then Ethernet. */
static void
outer_build(struct rte_mbuf *m, uint32_t i)
{
	uint16_t plen = (uint16_t)rte_pktmbuf_pkt_len(m);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, 28);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	*ip = (struct rte_ipv4_hdr){
		.version_ihl = RTE_IPV4_VHL_DEF,
		.total_length = rte_cpu_to_be_16((uint16_t)(plen + 28)),
		.time_to_live = 64,
		.next_proto_id = IPPROTO_UDP,
		.src_addr = RTE_BE32(OB_CL_ADDR),
		.dst_addr = RTE_BE32(OB_GW_ADDR),
	};
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16((uint16_t)(OB_CL_PORT0 + i));
	udp->dst_port = RTE_BE16(OB_OVPN_PORT);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(plen + 8));
	udp->dgram_cksum = 0;
	eth_build(m, &mac_client);
}

/*
 * DRAM placement: write the frame's lines back to memory and drop them from every cache, as a
 * NIC's DMA into DRAM would leave them (no DDIO, e.g. on AMD EPYC). The mbuf header stays
 * cached: a driver's rx loop writes it.
 */
static void
flush_frame(const struct rte_mbuf *m)
{
	const char *p = rte_pktmbuf_mtod(m, const char *);
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)(RTE_CACHE_LINE_SIZE - 1);

	for (; a < (uintptr_t)p + rte_pktmbuf_data_len(m); a += RTE_CACHE_LINE_SIZE)
		_mm_clflush((const void *)a);
}

/* A frame the generator just finished, as enum ob_place wants it (see ob_place_done()). */
void
ob_place_frame(const struct ob_world *w, const struct rte_mbuf *m)
{
	if (w->o.place == OB_PLACE_DRAM)
		flush_frame(m);
}

/*
 * After a generator built its whole batch: for LLC placement, read the eviction buffer (4x
 * this CPU's L2, clean lines) so that every frame line and mbuf header it wrote leaves its
 * L1/L2 for the L3 (a victim cache). Runs before "go", outside the measured time.
 */
void
ob_place_done(const struct ob_world *w)
{
	uint64_t sum = 0;

	if (w->o.place != OB_PLACE_LLC)
		return;
	for (size_t off = 0; off < w->evict_len; off += RTE_CACHE_LINE_SIZE)
		sum += *(const volatile uint8_t *)(w->evict + off);
	__asm__ volatile("" : : "r"(sum));
}

const char *
ob_place_name(enum ob_place p)
{
	return p == OB_PLACE_LLC ? "llc" : p == OB_PLACE_CACHE ? "other-core-cache" : "dram";
}

uint16_t
ob_gen_of(const struct ob_world *w, uint16_t g)
{
	return w->n_gw > 1 && g == 1 ? 1 : 0;
}

/* @p c packets for gateway @p g into its input ring. 0 or -errno. */
static int
gen_chunk(struct ob_world *w, uint16_t g, enum ob_dir dir, uint32_t size, uint16_t c)
{
	uint16_t gen = ob_gen_of(w, g);
	struct rte_mbuf *ms[OB_MAX_BURST];
	struct ovpn_peer *peers[OB_MAX_BURST];
	struct ovpn_tx_res res[OB_MAX_BURST];
	uint32_t idx[OB_MAX_BURST];
	uint32_t n_owned = (w->o.peers - g + w->n_gw - 1) / w->n_gw;

	if (rte_pktmbuf_alloc_bulk(w->pool, ms, c) != 0)
		return -ENOMEM;
	for (uint16_t j = 0; j < c; j++) {
		uint32_t seq = w->seq[gen]++;

		idx[j] = g + w->n_gw * (seq % n_owned);
		ms[j]->data_off = ob_payload_off(dir);	/* the frame will start at the headroom */
		inner_build(ms[j], dir, size, idx[j], seq);
		peers[j] = ovpn_peer_lookup_by_id(w->cl_peers, idx[j]);
	}
	if (dir == OB_DECAP && ovpn_data_encap_burst(w->cl_ctx[gen], ms, peers, res, c) != c)
		return -EIO;	/* a client could not seal: a setup bug (mbufs leak; we exit) */
	for (uint16_t j = 0; j < c; j++) {
		if (dir == OB_DECAP)
			outer_build(ms[j], idx[j]);
		else
			eth_build(ms[j], &mac_lan_host);
		ob_place_frame(w, ms[j]);
	}
	return rte_ring_sp_enqueue_bulk(w->gw[g].in, (void **)ms, c, NULL) == c ? 0 : -ENOBUFS;
}

/* Build gateway @p g's frames for the next phase; on its generator's lcore. 0 or -errno. */
int
ob_generate(struct ob_world *w, uint16_t g, enum ob_dir dir, uint32_t size, uint32_t batch)
{
	int rc = 0;

	ovpn_data_set_now(w->cl_ctx[ob_gen_of(w, g)], rte_rdtsc() / rte_get_tsc_hz());
	for (uint32_t k = 0; k < batch && rc == 0; k += OB_MAX_BURST)
		rc = gen_chunk(w, g, dir, size,
			       (uint16_t)RTE_MIN(batch - k, (uint32_t)OB_MAX_BURST));
	ob_place_done(w);
	return rc;
}

/* The inner packet at @p ip (client @p i's, from the payload) as generated, TTL - 1? */
static bool
inner_ok(const struct rte_ipv4_hdr *ip, enum ob_dir dir, uint32_t size, uint32_t peers)
{
	const uint8_t *pl = (const uint8_t *)ip + INNER_HDR_LEN;
	uint32_t seq, i, vpn, lan;

	memcpy(&seq, pl, 4);
	memcpy(&i, pl + 4, 4);
	if (i >= peers)
		return false;
	vpn = rte_cpu_to_be_32(OB_VPN_BASE + i);
	lan = rte_cpu_to_be_32(OB_LAN_BASE + i);
	return ip->version_ihl == RTE_IPV4_VHL_DEF &&
	       rte_be_to_cpu_16(ip->total_length) == size && ip->time_to_live == 63 &&
	       rte_raw_cksum(ip, sizeof(*ip)) == 0xffff &&
	       ip->src_addr == (dir == OB_DECAP ? vpn : lan) &&
	       ip->dst_addr == (dir == OB_DECAP ? lan : vpn) &&
	       memcmp(pl + 8, pat + (seq & 255), size - INNER_HDR_LEN - 8) == 0;
}

static bool
verify_decap(struct ob_world *w, struct rte_mbuf *m, uint32_t size)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	return rte_pktmbuf_pkt_len(m) == RTE_ETHER_HDR_LEN + size && rte_pktmbuf_is_contiguous(m) &&
	       rte_is_same_ether_addr(&eth->dst_addr, &ob_mac_lan_nh) &&
	       inner_ok((const struct rte_ipv4_hdr *)(eth + 1), OB_DECAP, size, w->o.peers);
}

/* Outer headers, then open with client i's keys: consumes @p m (*mp = NULL if freed). */
static bool
verify_encap(struct ob_world *w, struct rte_mbuf **mp, uint32_t size)
{
	struct rte_mbuf *m = *mp;
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(ip + 1);
	const struct ovpn_data_v2_hdr *h = (const struct ovpn_data_v2_hdr *)(udp + 1);
	struct ft_endpoint4 src;
	struct ovpn_rx_res res;
	uint32_t i;

	if (rte_pktmbuf_pkt_len(m) != OB_OUTER_LEN + OVPN_DATA_V2_HDR_LEN + size ||
	    !rte_pktmbuf_is_contiguous(m))
		return false;
	i = ovpn_data_v2_peer_id(h);
	src = (struct ft_endpoint4){ OB_GW_ADDR, (uint16_t)(CL_VIEW_PORT0 + i) };
	if (!rte_is_same_ether_addr(&eth->dst_addr, &ob_mac_pub_nh) ||
	    rte_raw_cksum(ip, sizeof(*ip)) != 0xffff || ip->src_addr != RTE_BE32(OB_GW_ADDR) ||
	    ip->dst_addr != RTE_BE32(OB_CL_ADDR) || i >= w->o.peers ||
	    udp->dst_port != rte_cpu_to_be_16((uint16_t)(OB_CL_PORT0 + i)))
		return false;
	rte_pktmbuf_adj(m, OB_OUTER_LEN);
	/* The collector runs while generator 1 is idle: it may use that generator's client. */
	ovpn_data_decap_burst(w->cl_ctx[ob_gen_of(w, (uint16_t)(i % w->n_gw))], mp, &src, &res,
			      1);
	return res.verdict == OVPN_RX_DATA &&
	       inner_ok(rte_pktmbuf_mtod(*mp, const struct rte_ipv4_hdr *), OB_ENCAP, size,
			w->o.peers);
}

void
ob_collect(struct ob_world *w, enum ob_dir dir, uint32_t size)
{
	struct rte_mbuf *ms[OB_MAX_BURST];
	uint64_t k = w->collected;
	unsigned int n;

	ovpn_data_set_now(w->cl_ctx[0], rte_rdtsc() / rte_get_tsc_hz());
	ovpn_data_set_now(w->cl_ctx[1], rte_rdtsc() / rte_get_tsc_hz());
	for (uint16_t g = 0; g < w->n_gw; g++) {
		while ((n = rte_ring_sc_dequeue_burst(w->gw[g].out, (void **)ms, OB_MAX_BURST,
						      NULL)) > 0) {
			for (unsigned int j = 0; j < n; j++, k++) {
				bool ok;

				if (k % w->o.verify_every != 0)
					continue;
				ok = dir == OB_DECAP ? verify_decap(w, ms[j], size) :
						       verify_encap(w, &ms[j], size);
				w->verified++;
				w->verify_errors += !ok;
			}
			for (unsigned int j = 0; j < n; j++)
				rte_pktmbuf_free(ms[j]);
		}
	}
	w->collected = k;
}
