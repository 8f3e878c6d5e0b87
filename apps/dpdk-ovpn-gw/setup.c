/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Gateway setup and teardown, between ft_stack_create() and ft_stack_run() (main thread):
 * the crypto backend (by name, STYLE.md §18), the RCU retire queue on the stack's QSBR
 * variable, the peer table and its static peers with their keys (openvpn-protocol.md §4.4
 * server direction), the FIB (connected LAN subnet, gateway.routes, each peer's VPN address
 * and iroutes), one data-channel context and two hand-off rings per worker, the event ring
 * to the control thread, and the stack hooks (UDP listen port, LAN forward hook, poll hook).
 * With a `server` group also the control rings, the control mbuf pool and the TLS server
 * (session.c), and room for server.max_clients more peers, keys and routes.
 * Setup code: it allocates and logs, and unwinds through gw_teardown(), which accepts any
 * partially built state.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "gw.h"

#define EVENT_RING_SIZE 4096
#define HANDOFF_RING_SIZE 1024
#define RCU_DQ_SIZE 1024
#define CTRL_RING_SIZE 1024
#define CTRL_POOL_SIZE 1023

/* Peers set up at run time (TLS clients): 0 without a `server` group. */
static uint32_t
dyn_peers(const struct gw_config *cfg)
{
	return cfg->server.enabled ? cfg->server.max_clients : 0;
}

/* RPF for iroutes (data.h ovpn_data_iroute_fn): the FIB routes @p src to @p peer. */
static bool
iroute_ok(void *arg, const struct ovpn_peer *peer, uint32_t src)
{
	const struct ft_nexthop *nh = ft_route_lookup(((struct gw *)arg)->fib, src);

	return nh != NULL && nh->kind == FT_NH_PEER && nh->peer_id == peer->id;
}

static int
backend_create(struct gw *gw)
{
	const struct gw_config *cfg = gw->cfg;
	struct ft_aead_backend_conf bc;

	ft_aead_backend_conf_init(&bc);
	bc.name = cfg->crypto_backend;
	bc.device = cfg->crypto_device[0] != '\0' ? cfg->crypto_device : NULL;
	bc.max_ctx = (uint16_t)gw->n_workers;
	/* an encrypt and a decrypt key per peer */
	bc.max_keys = 2u * (cfg->n_peers + dyn_peers(cfg)) + 2;
	gw->be = ft_aead_backend_create(&bc);
	if (gw->be == NULL) {
		GW_LOG(ERR, "crypto backend \"%s\"%s%s: %s", bc.name, bc.device ? " on " : "",
		       bc.device ? bc.device : "", rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
}

static int
tables_create(struct gw *gw)
{
	const struct gw_config *cfg = gw->cfg;
	struct ovpn_peer_table_conf pc = { .name = "gw_peers", .max_peers = cfg->max_peers,
					   .socket_id = SOCKET_ID_ANY, .rcu = &gw->rcu,
					   .keys = &gw->keys_conf };
	struct ft_route_conf rc;
	uint32_t routes = cfg->n_routes + 1 + dyn_peers(cfg);
	int err;

	err = ovpn_rcu_init(&gw->rcu, "gw_rcu", ft_stack_qsbr(gw->s), RCU_DQ_SIZE);
	if (err < 0)
		return err;
	gw->rcu_ready = true;
	ovpn_keys_conf_init(&gw->keys_conf);
	gw->keys_conf.backend = gw->be;
	gw->keys_conf.rcu = &gw->rcu;
	gw->peers = ovpn_peer_table_create(&pc);
	if (gw->peers == NULL)
		return -rte_errno;
	for (uint16_t i = 0; i < cfg->n_peers; i++)
		routes += 1u + cfg->peers[i].n_iroutes;
	ft_route_conf_init(&rc);
	rc.max_routes = routes + 16;
	rc.max_nexthops = routes + 16;
	rc.qsbr = ft_stack_qsbr(gw->s);
	gw->fib = ft_route_create(&rc);
	return gw->fib == NULL ? -rte_errno : 0;
}

static int
route_add(struct gw *gw, uint32_t prefix, uint8_t len, const struct ft_nexthop *nh)
{
	char a[FT_IP4_STRLEN];
	int rc = ft_route_add(gw->fib, prefix, len, nh);

	if (rc < 0)
		GW_LOG(ERR, "route %s/%u: %s", ft_ip4_format(prefix, a, sizeof(a)), len,
		       ft_strerror(rc));
	return rc;
}

static int
routes_install(struct gw *gw)
{
	const struct gw_config *cfg = gw->cfg;
	const struct ft_port_conf *lan = &cfg->stack.ports[cfg->lan_port];
	struct ft_nexthop nh = { .kind = FT_NH_LAN, .port = cfg->lan_port };
	int rc;

	/* The LAN's own subnet: on-link, ARP for the destination itself. */
	rc = route_add(gw, lan->ip4 & ft_ip4_mask(lan->prefix_len), lan->prefix_len, &nh);
	for (uint16_t i = 0; rc == 0 && i < cfg->n_routes; i++) {
		const struct gw_route_conf *r = &cfg->routes[i];

		nh = (struct ft_nexthop){ .kind = FT_NH_LAN, .port = r->port, .gw = r->via };
		rc = route_add(gw, r->prefix.addr, r->prefix.len, &nh);
	}
	for (uint16_t i = 0; rc == 0 && i < cfg->n_peers; i++) {
		const struct gw_peer_conf *p = &cfg->peers[i];

		nh = (struct ft_nexthop){ .kind = FT_NH_PEER, .port = cfg->public_port,
					  .peer_id = p->id };
		rc = route_add(gw, p->vpn_ip4, 32, &nh);
		for (uint8_t k = 0; rc == 0 && k < p->n_iroutes; k++)
			rc = route_add(gw, p->iroutes[k].addr, p->iroutes[k].len, &nh);
	}
	return rc;
}

static int
peer_install(struct gw *gw, const struct gw_peer_conf *pc, struct gw_peer_info *info)
{
	const struct gw_config *cfg = gw->cfg;
	struct ovpn_key_material km;
	struct ovpn_peer_conf c;
	int rc;

	ovpn_peer_conf_init(&c);
	c.id = pc->id;
	c.vpn_ip4 = pc->vpn_ip4;
	c.transport = pc->remote;
	c.keepalive_interval_s = cfg->keepalive_interval_s;
	c.keepalive_timeout_s = cfg->keepalive_timeout_s;
	c.owner = (uint16_t)(pc->id % gw->n_workers);
	rc = ovpn_peer_add(gw->peers, &c, gw->start_s, &info->peer);
	if (rc == 0)
		rc = ovpn_key_material_from_key2(&km, pc->alg, pc->key_id, pc->key2, true);
	if (rc == 0)
		rc = ovpn_keys_install(&info->peer->keys, OVPN_KEY_PRIMARY, &km, gw->start_s);
	explicit_bzero(&km, sizeof(km));
	if (rc < 0) {
		GW_LOG(ERR, "static peer %u (%s, line %u): %s", pc->id, pc->name, pc->line,
		       ft_strerror(rc));
		return rc;
	}
	info->conf = pc;
	if (pc->remote.addr != 0)
		info->connected_wall = gw->start_wall;
	return 0;
}

static int
peers_install(struct gw *gw)
{
	const struct gw_config *cfg = gw->cfg;
	int rc = 0;

	gw->pinfo = calloc(cfg->n_peers + dyn_peers(cfg) + 1, sizeof(*gw->pinfo));
	gw->dyn_conf = calloc(dyn_peers(cfg) + 1, sizeof(*gw->dyn_conf));
	if (gw->pinfo == NULL || gw->dyn_conf == NULL)
		return -ENOMEM;
	pthread_mutex_init(&gw->pinfo_lock, NULL);
	for (uint16_t i = 0; rc == 0 && i < cfg->n_peers; i++)
		rc = peer_install(gw, &cfg->peers[i], &gw->pinfo[i]);
	__atomic_store_n(&gw->n_pinfo, cfg->n_peers, __ATOMIC_RELEASE);
	return rc;
}

static struct rte_ring *
ring_create(const char *fmt, unsigned int idx, unsigned int esize, unsigned int count)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), fmt, idx);
	return rte_ring_create_elem(name, esize, count, SOCKET_ID_ANY, RING_F_SC_DEQ);
}

static int
worker_create(struct gw *gw, unsigned int idx)
{
	struct ovpn_data_conf dc;
	struct gw_worker *gwk;

	gwk = rte_zmalloc("gw_worker", sizeof(*gwk), RTE_CACHE_LINE_SIZE);
	if (gwk == NULL)
		return -ENOMEM;
	gw->workers[idx] = gwk;
	gwk->gw = gw;
	gwk->idx = idx;
	gwk->aead = ft_aead_ctx_create(gw->be, SOCKET_ID_ANY);
	gwk->data = rte_zmalloc("gw_data_ctx", sizeof(*gwk->data), RTE_CACHE_LINE_SIZE);
	gwk->rx_handoff = ring_create("gw_rxh%u", idx, sizeof(void *), HANDOFF_RING_SIZE);
	gwk->tx_handoff = ring_create("gw_txh%u", idx, sizeof(void *), HANDOFF_RING_SIZE);
	if (gwk->aead == NULL || gwk->data == NULL || gwk->rx_handoff == NULL ||
	    gwk->tx_handoff == NULL)
		return -ENOMEM;
	ovpn_data_conf_init(&dc);
	dc.aead = gwk->aead;
	dc.peers = gw->peers;
	dc.worker = (uint16_t)idx;
	dc.mtu = gw->cfg->tunnel_mtu;
	dc.rpf = gw->cfg->rpf;
	dc.iroute = iroute_ok;
	dc.iroute_arg = gw;
	return ovpn_data_ctx_init(gwk->data, &dc);
}

static int
hooks_install(struct gw *gw)
{
	const struct gw_config *cfg = gw->cfg;
	int rc;

	gw->events = ring_create("gw_events%u", 0, sizeof(struct gw_event), EVENT_RING_SIZE);
	if (gw->events == NULL)
		return -ENOMEM;
	if (cfg->server.enabled) {
		gw->ctrl_rx = ring_create("gw_ctrl_rx%u", 0, sizeof(struct gw_ctrl_pkt),
					  CTRL_RING_SIZE);
		gw->ctrl_tx = ring_create("gw_ctrl_tx%u", 0, sizeof(struct gw_ctrl_pkt),
					  CTRL_RING_SIZE);
		/* No per-lcore cache: the control thread is not an EAL lcore. */
		gw->ctrl_pool = rte_pktmbuf_pool_create("gw_ctrl_pool", CTRL_POOL_SIZE, 0, 0,
							RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
		if (gw->ctrl_rx == NULL || gw->ctrl_tx == NULL || gw->ctrl_pool == NULL)
			return -ENOMEM;
	}
	rc = ft_udp_bind(gw->s, cfg->listen_port, gw_udp_input, gw);
	if (rc == 0)
		rc = ft_ip4_set_forward(gw->s, cfg->lan_port, gw_lan_input, gw);
	if (rc == 0)
		rc = ft_stack_set_poll(gw->s, gw_poll, gw);
	if (rc < 0)
		GW_LOG(ERR, "stack hooks (UDP port %u, LAN forward hook): %s", cfg->listen_port,
		       ft_strerror(rc));
	return rc;
}

int
gw_setup(struct gw *gw, const struct gw_config *cfg, struct ft_stack *s)
{
	int rc;

	memset(gw, 0, sizeof(*gw));
	gw->cfg = cfg;
	gw->s = s;
	gw->n_workers = ft_stack_worker_count(s);
	gw->tsc_hz = rte_get_tsc_hz();
	gw->start_wall = time(NULL);
	gw->start_s = gw_now_s(gw, rte_rdtsc());
	gw->peer_to_peer = !cfg->server.enabled || cfg->server.client_to_client;
	for (uint16_t i = 0; i < cfg->stack.n_ports; i++)
		gw->port_ip[i] = cfg->stack.ports[i].ip4;
	rc = backend_create(gw);
	if (rc == 0)
		rc = tables_create(gw);
	if (rc == 0)
		rc = routes_install(gw);
	if (rc == 0)
		rc = peers_install(gw);
	for (unsigned int i = 0; rc == 0 && i < gw->n_workers; i++)
		rc = worker_create(gw, i);
	if (rc == 0)
		rc = hooks_install(gw);
	if (rc == 0 && cfg->server.enabled)
		rc = gw_server_create(gw);
	if (rc == 0)
		rc = gw_telemetry_register(gw);
	if (rc < 0) {
		GW_LOG(ERR, "setup failed: %s", ft_strerror(rc));
		gw_teardown(gw);
	}
	return rc;
}

/* Free a control ring and the packets still in it. */
static void
ctrl_ring_free(struct rte_ring *r)
{
	struct gw_ctrl_pkt p;

	if (r == NULL)
		return;
	while (rte_ring_sc_dequeue_elem(r, &p, sizeof(p)) == 0)
		rte_pktmbuf_free(p.m);
	rte_ring_free(r);
}

/* Free a hand-off ring and the packets still in it. */
static void
ring_drain_free(struct rte_ring *r)
{
	void *m;

	if (r == NULL)
		return;
	while (rte_ring_sc_dequeue(r, &m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(r);
}

void
gw_teardown(struct gw *gw)
{
	gw_telemetry_unregister();
	for (unsigned int i = 0; i < gw->n_workers; i++) {
		struct gw_worker *gwk = gw->workers[i];

		if (gwk == NULL)
			continue;
		rte_pktmbuf_free_bulk(gwk->rx, gwk->n_rx);
		rte_pktmbuf_free_bulk(gwk->tx, gwk->n_tx);
		ring_drain_free(gwk->rx_handoff);
		ring_drain_free(gwk->tx_handoff);
		rte_free(gwk->data);
		ft_aead_ctx_destroy(gwk->aead);
		rte_free(gwk);
		gw->workers[i] = NULL;
	}
	rte_ring_free(gw->events);
	gw_server_destroy(gw);
	ctrl_ring_free(gw->ctrl_rx);
	ctrl_ring_free(gw->ctrl_tx);
	rte_mempool_free(gw->ctrl_pool);
	ovpn_peer_table_destroy(gw->peers); /* frees the keys after a grace period */
	ft_route_destroy(gw->fib);
	if (gw->rcu_ready)
		ovpn_rcu_fini(&gw->rcu);
	if (ft_aead_backend_destroy(gw->be) < 0)
		GW_LOG(WARNING, "crypto backend still had keys or contexts at exit");
	free(gw->pinfo);
	free(gw->dyn_conf);
	memset(gw, 0, sizeof(*gw));
}
