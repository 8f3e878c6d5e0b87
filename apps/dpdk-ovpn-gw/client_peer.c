/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data-path peer of a TLS client, control thread (openvpn-protocol.md §5, §6.3, §6.5).
 *
 * Attach, when a client's key exchange is done (gw_client_peer_attach()):
 *   1. its client-config-dir file, if server.client_config_dir is set (ccd.h): `disable`
 *      refuses the client, a parse error too (file:line logged)
 *   2. a peer of another session with the same certificate name is removed first: the new
 *      session wins (OpenVPN without duplicate-cn)
 *   3. a free slot of gw->pinfo, the lowest free peer-id, and the tunnel address: the ccd's
 *      ifconfig-push, else the lowest pool address of the `server` network nobody has
 *   4. the peer in the table (ovpn_peer_add), its /32 and the ccd's iroutes in the FIB, then
 *      the slot published (gw.h struct gw_peer_info: peer != NULL, under pinfo_lock)
 *
 * Detach (gw_client_peer_detach(), from session.c when the client's session closes: EXIT,
 * ping-restart timeout (ctrl.c), replaced, TLS failure): the slot is cleared first, then the
 * routes and the peer are deleted; the peer, its keys, the FIB's next hop and the hash slots
 * are freed after an RCU grace period, so a worker that looked any of them up keeps a valid
 * pointer until its next quiescent state. Its peer-id and address are free at once.
 *
 * Not here: the keys and PUSH_REPLY (handshake.c), the session (session.c), static peers
 * (setup.c: configured, never removed), reserving ifconfig-push addresses in the pool (choose
 * them where the pool does not reach first; a clash refuses the ccd client).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "ccd.h"
#include "session.h"

static_assert(GW_SESS_CCD_ROUTES_MAX == GW_CCD_PUSH_ROUTES_MAX, "ccd routes fit a session");

struct attach {
	struct gw_server *srv;
	struct gw_sess *s;
	const char *cn;
	struct gw_ccd ccd;
	uint32_t slot;                   /* index into gw->pinfo */
	uint32_t id;
	uint32_t ip;
};

static void
ccd_warn(void *arg, const char *msg)
{
	RTE_SET_USED(arg);
	GW_LOG(WARNING, "client-config-dir: %s", msg);
}

/* A free slot of the TLS clients' part of gw->pinfo: a freed one, or the next new one. */
static int
slot_find(struct gw_server *srv, uint32_t *slot)
{
	struct gw *gw = srv->gw;
	uint32_t first = gw->cfg->n_peers;

	for (*slot = first; *slot < gw->n_pinfo; (*slot)++)
		if (gw->pinfo[*slot].peer == NULL)
			return 0;
	return *slot - first < srv->n_slots ? 0 : -ENOSPC;
}

/* The ccd's ifconfig-push address: inside the tunnel network, free, topology subnet. */
static int
fixed_addr(struct attach *a)
{
	const struct gw_server_conf *sc = &a->srv->gw->cfg->server;
	uint32_t ip = a->ccd.ifconfig_ip;
	char b[FT_IP4_STRLEN];

	if (a->ccd.ifconfig_mask != sc->netmask || (ip & sc->netmask) != sc->network ||
	    ip == sc->network || ip == sc->network + 1 || ip == (sc->network | ~sc->netmask)) {
		GW_LOG(WARNING, "client %s: ifconfig-push %s: not a client address of the server "
		       "network with its netmask (topology subnet)", a->cn,
		       ft_ip4_format(ip, b, sizeof(b)));
		return -EINVAL;
	}
	if (ovpn_peer_lookup_by_vpn4(a->srv->gw->peers, ip) != NULL) {
		GW_LOG(WARNING, "client %s: ifconfig-push %s: address in use by another peer",
		       a->cn, ft_ip4_format(ip, b, sizeof(b)));
		return -EADDRINUSE;
	}
	a->ip = ip;
	return 0;
}

/* The lowest free peer-id, and the tunnel address (ccd or the lowest free pool address). */
static int
id_and_addr(struct attach *a)
{
	struct gw *gw = a->srv->gw;
	const struct gw_server_conf *sc = &gw->cfg->server;
	uint32_t last = (sc->network | ~sc->netmask) - 1;

	a->id = 0;
	while (a->id < gw->cfg->max_peers && ovpn_peer_lookup_by_id(gw->peers, a->id) != NULL)
		a->id++;
	if (a->id >= gw->cfg->max_peers)
		return -ENOSPC;
	if (a->ccd.has_ifconfig)
		return fixed_addr(a);
	for (a->ip = sc->network + 2; a->ip <= last; a->ip++)
		if (ovpn_peer_lookup_by_vpn4(gw->peers, a->ip) == NULL)
			return 0;
	return -ENOSPC;
}

/* The ccd file: 0 (none, or applied later), or refused. */
static int
ccd_read(struct attach *a)
{
	const char *dir = a->srv->gw->cfg->server.client_config_dir;
	char err[GW_CCD_LINE_MAX + 128];
	int rc;

	if (dir[0] == '\0')
		return 0;
	rc = gw_ccd_load(dir, a->cn, &a->ccd, ccd_warn, NULL, err, sizeof(err));
	if (rc < 0) {
		GW_LOG(WARNING, "client %s: refused: client-config-dir: %s", a->cn, err);
		return rc;
	}
	if (a->ccd.disable) {
		GW_LOG(NOTICE, "client %s: refused: disabled in client-config-dir", a->cn);
		return -EACCES;
	}
	for (uint8_t i = 0; i < a->ccd.n_push_routes; i++) {
		const struct ft_ip4_prefix *r = &a->ccd.push_routes[i];

		a->s->ccd_routes[i] = (struct ovpn_push_route){
			.net = r->addr, .mask = r->len == 0 ? 0 : ~0u << (32 - r->len) };
	}
	a->s->n_ccd_routes = a->ccd.n_push_routes;
	return 0;
}

/* An iroute may not cover the tunnel network nor take another peer's network. */
static int
iroute_check(struct attach *a, const struct ft_ip4_prefix *p)
{
	struct gw *gw = a->srv->gw;
	const struct gw_server_conf *sc = &gw->cfg->server;
	const struct ft_nexthop *nh = ft_route_lookup(gw->fib, p->addr);
	uint32_t m = ft_ip4_mask(p->len);
	char b[FT_IP4_STRLEN];

	if ((p->addr & sc->netmask) == sc->network || (sc->network & m) == p->addr ||
	    (nh != NULL && nh->kind == FT_NH_PEER)) {
		GW_LOG(WARNING, "client %s: iroute %s/%u overlaps the tunnel network or a route "
		       "to another peer", a->cn, ft_ip4_format(p->addr, b, sizeof(b)), p->len);
		return -EEXIST;
	}
	return 0;
}

/* The /32 and the iroutes, or none of them. */
static int
routes_add(struct attach *a)
{
	struct gw *gw = a->srv->gw;
	struct ft_nexthop nh = { .kind = FT_NH_PEER, .port = gw->cfg->public_port,
				 .peer_id = a->id };
	uint8_t k;
	int rc = ft_route_add(gw->fib, a->ip, 32, &nh);

	for (k = 0; rc == 0 && k < a->ccd.n_iroutes; k++) {
		const struct ft_ip4_prefix *p = &a->ccd.iroutes[k];

		rc = iroute_check(a, p);
		if (rc == 0)
			rc = ft_route_add(gw->fib, p->addr, p->len, &nh);
	}
	if (rc == 0)
		return 0;
	GW_LOG(WARNING, "client %s: routes: %s", a->cn, ft_strerror(rc));
	while (k-- > 1)
		ft_route_del(gw->fib, a->ccd.iroutes[k - 1].addr, a->ccd.iroutes[k - 1].len);
	ft_route_del(gw->fib, a->ip, 32);
	return rc;
}

/* Slot @p a->slot's conf (gw->dyn_conf, fixed per slot) and publication. */
static void
slot_publish(struct attach *a, struct ovpn_peer *peer)
{
	struct gw *gw = a->srv->gw;
	uint32_t k = a->slot - gw->cfg->n_peers;
	struct gw_peer_info *pi = &gw->pinfo[a->slot];
	struct gw_peer_conf *pc = &gw->dyn_conf[k];

	pthread_mutex_lock(&gw->pinfo_lock);
	memset(pc, 0, sizeof(*pc));
	pc->id = a->id;
	snprintf(pc->name, sizeof(pc->name), "%s", a->cn);
	pc->vpn_ip4 = a->ip;
	pc->remote = a->s->ep;
	pc->alg = a->s->alg;
	memcpy(pc->iroutes, a->ccd.iroutes, sizeof(pc->iroutes[0]) * a->ccd.n_iroutes);
	pc->n_iroutes = a->ccd.n_iroutes;
	memset(pi, 0, sizeof(*pi));
	pi->conf = pc;
	pi->connected_wall = time(NULL);
	__atomic_store_n(&pi->peer, peer, __ATOMIC_RELEASE);
	if (a->slot == gw->n_pinfo)
		__atomic_store_n(&gw->n_pinfo, a->slot + 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&gw->pinfo_lock);
}

/* Another session's peer with this certificate name: that session ends (the new one wins). */
static void
replace_same_cn(struct attach *a)
{
	struct gw *gw = a->srv->gw;

	for (uint32_t i = gw->cfg->n_peers; i < gw->n_pinfo; i++) {
		struct gw_peer_info *pi = &gw->pinfo[i];

		if (pi->peer != NULL && strcmp(pi->conf->name, a->cn) == 0)
			gw_server_peer_gone(a->srv, pi, "replaced: a new session with the same "
					    "certificate name");
	}
}

int
gw_client_peer_attach(struct gw_server *srv, struct gw_sess *s, const char *cn)
{
	struct gw *gw = srv->gw;
	struct attach a = { .srv = srv, .s = s, .cn = cn };
	struct ovpn_peer_conf c;
	struct ovpn_peer *peer;
	int rc;

	if (s->pi != NULL)
		return 0; /* keyed before: the peer stays */
	rc = ccd_read(&a);
	if (rc < 0)
		return rc;
	replace_same_cn(&a);
	rc = slot_find(srv, &a.slot);
	if (rc == 0)
		rc = id_and_addr(&a);
	if (rc < 0)
		return rc;
	ovpn_peer_conf_init(&c);
	c.id = a.id;
	c.vpn_ip4 = a.ip;
	c.transport = s->ep;
	c.keepalive_interval_s = gw->cfg->server.keepalive_interval_s;
	c.keepalive_timeout_s = 2 * gw->cfg->server.keepalive_timeout_s; /* 2.6 server side */
	c.owner = (uint16_t)(a.id % gw->n_workers);
	rc = ovpn_peer_add(gw->peers, &c, gw_now_s(gw, rte_rdtsc()), &peer);
	if (rc < 0)
		return rc;
	rc = routes_add(&a);
	if (rc < 0) {
		ovpn_peer_del(gw->peers, a.id);
		return rc;
	}
	slot_publish(&a, peer);
	s->pi = &gw->pinfo[a.slot];
	return 0;
}

void
gw_client_peer_detach(struct gw_server *srv, struct gw_peer_info *pi, const char *why)
{
	struct gw *gw = srv->gw;
	const struct gw_peer_conf *pc;
	struct ovpn_peer *peer;
	char b[FT_IP4_STRLEN];

	if (pi == NULL || pi->peer == NULL)
		return;
	pc = pi->conf;
	peer = pi->peer;
	pthread_mutex_lock(&gw->pinfo_lock);
	__atomic_store_n(&pi->peer, NULL, __ATOMIC_RELEASE);
	ft_route_del(gw->fib, pc->vpn_ip4, 32);
	for (uint8_t k = 0; k < pc->n_iroutes; k++)
		ft_route_del(gw->fib, pc->iroutes[k].addr, pc->iroutes[k].len);
	ovpn_peer_del(gw->peers, peer->id);
	pthread_mutex_unlock(&gw->pinfo_lock);
	ovpn_ctr_add(&gw->peers_removed, 1);
	GW_LOG(NOTICE, "peer %u (%s, %s): removed: %s", pc->id, pc->name,
	       ft_ip4_format(pc->vpn_ip4, b, sizeof(b)), why);
}
