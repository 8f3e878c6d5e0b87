/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One session's handshake, control thread (openvpn-protocol.md §3, §4, §5; the flow of
 * tests/ovpn/ovpn_tls_smoke_server.c on the real reliability layer):
 *
 *   reliable rx --ovpn_reliable_rx_read--> ovpn_tls_feed --> ovpn_tls_handshake
 *   first plaintext record: key method 2 (ovpn_keyex_read_client), cipher (ovpn_ncp_choose;
 *     none shared: AUTH_FAILED and the session ends), our key-method-2 message, the peer on
 *     the data path (a VPN address from the `server` network, topology subnet, a free
 *     peer-id, a /32 route in the FIB; reused when the same certificate name connects
 *     again), its data keys (ovpn_keyex_derive -> ovpn_keys_install PRIMARY), PUSH_REPLY at
 *     once when the client set IV_PROTO_REQUEST_PUSH (2.6 clients do)
 *   later records: text messages; PUSH_REQUEST gets the PUSH_REPLY (again); EXIT marks the
 *     peer exited (as OCC EXIT, ctrl.c: off the status file until heard from again) and
 *     ends the session
 *   TLS output --ovpn_tls_take_out(<= send window)--> ovpn_reliable_tx_write
 *
 * Not here: username/password, client-config-dir, ifconfig-pool-persist, IPv6 in the tunnel,
 * renegotiation (key_id 0 only), push-continuation.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "session.h"

#define KM2_MAX 1024 /* our key-method-2 message: 77 bytes + the options string */

static char *
ep_str(const struct ft_endpoint4 *ep, char *buf, size_t len)
{
	char a[FT_IP4_STRLEN];

	snprintf(buf, len, "%s:%u", ft_ip4_format(ep->addr, a, sizeof(a)), ep->port);
	return buf;
}

static int
tls_in(struct gw_sess *s)
{
	uint8_t buf[OVPN_CTRL_PAYLOAD_MAX];
	size_t n;
	int rc;

	while ((n = ovpn_reliable_rx_read(&s->rel, buf, sizeof(buf))) > 0) {
		rc = ovpn_tls_feed(s->tls, buf, n);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void
tls_out(struct gw_sess *s, uint64_t now_us)
{
	uint8_t buf[4 * OVPN_CTRL_PAYLOAD_MAX];
	size_t space, n;

	while ((space = ovpn_reliable_tx_space(&s->rel)) > 0 && ovpn_tls_pending_out(s->tls) > 0) {
		n = ovpn_tls_take_out(s->tls, buf, RTE_MIN(space, sizeof(buf)));
		if (n == 0 || ovpn_reliable_tx_write(&s->rel, buf, n, now_us) < n)
			break; /* cannot happen: n <= space */
	}
}

/* The lowest peer-id and the lowest pool address nobody has. */
static int
peer_slot(struct gw *gw, uint32_t *id, uint32_t *ip)
{
	const struct gw_server_conf *sc = &gw->cfg->server;
	uint32_t last = (sc->network | ~sc->netmask) - 1;

	*id = 0;
	while (*id < gw->cfg->max_peers && ovpn_peer_lookup_by_id(gw->peers, *id) != NULL)
		(*id)++;
	for (*ip = sc->network + 2; *ip <= last; (*ip)++)
		if (ovpn_peer_lookup_by_vpn4(gw->peers, *ip) == NULL)
			break;
	return *id < gw->cfg->max_peers && *ip <= last ? 0 : -ENOSPC;
}

/* A new data-path peer for @p s: table, FIB, then visible in gw->pinfo. */
static int
peer_new(struct gw_server *srv, struct gw_sess *s, const char *cn)
{
	struct gw *gw = srv->gw;
	const struct gw_config *cfg = gw->cfg;
	uint32_t n = gw->n_pinfo, id, ip;
	struct gw_peer_info *pi = &gw->pinfo[n];
	struct gw_peer_conf *pc = &gw->dyn_conf[n - cfg->n_peers];
	struct ft_nexthop nh = { .kind = FT_NH_PEER, .port = cfg->public_port };
	struct ovpn_peer_conf c;
	int rc;

	if (n - cfg->n_peers >= srv->n_slots || peer_slot(gw, &id, &ip) < 0)
		return -ENOSPC;
	ovpn_peer_conf_init(&c);
	c.id = id;
	c.vpn_ip4 = ip;
	c.transport = s->ep;
	c.keepalive_interval_s = cfg->server.keepalive_interval_s;
	c.keepalive_timeout_s = 2 * cfg->server.keepalive_timeout_s; /* 2.6 server side */
	c.owner = (uint16_t)(id % gw->n_workers);
	rc = ovpn_peer_add(gw->peers, &c, gw_now_s(gw, rte_rdtsc()), &pi->peer);
	if (rc < 0)
		return rc;
	nh.peer_id = id;
	rc = ft_route_add(gw->fib, ip, 32, &nh);
	if (rc < 0) {
		ovpn_peer_del(gw->peers, id);
		return rc;
	}
	memset(pc, 0, sizeof(*pc));
	pc->id = id;
	snprintf(pc->name, sizeof(pc->name), "%s", cn);
	pc->vpn_ip4 = ip;
	pc->remote = s->ep;
	pi->conf = pc;
	pi->connected_wall = time(NULL);
	s->pi = pi;
	__atomic_store_n(&gw->n_pinfo, n + 1, __ATOMIC_RELEASE);
	return 0;
}

/* The peer of a client seen before (same certificate name): its new address. */
static int
peer_reuse(struct gw_server *srv, struct gw_sess *s, const char *cn)
{
	struct gw *gw = srv->gw;

	for (uint32_t i = gw->cfg->n_peers; i < gw->n_pinfo; i++) {
		struct gw_peer_info *pi = &gw->pinfo[i];
		struct ft_endpoint4 old = ovpn_peer_transport(pi->peer);
		int rc = 0;

		if (strcmp(pi->conf->name, cn) != 0)
			continue;
		if (old.addr != s->ep.addr || old.port != s->ep.port)
			rc = ovpn_peer_set_transport(gw->peers, pi->peer, &s->ep);
		if (rc < 0)
			return rc;
		gw->dyn_conf[i - gw->cfg->n_peers].remote = s->ep;
		pi->timed_out = false;
		pi->exited = false;
		pi->connected_wall = time(NULL);
		s->pi = pi;
		return 1;
	}
	return 0;
}

/* Peer, data keys, PUSH_REPLY text. */
static int
client_keys(struct gw_server *srv, struct gw_sess *s)
{
	struct gw *gw = srv->gw;
	const char *cn = ovpn_tls_peer_cn(s->tls);
	struct ovpn_key_material km;
	struct ovpn_push_client cl;
	int rc = peer_reuse(srv, s, cn);

	if (rc == 0)
		rc = peer_new(srv, s, cn);
	if (rc < 0)
		return rc;
	gw->dyn_conf[s->pi - gw->pinfo - gw->cfg->n_peers].alg = s->alg;
	rc = ovpn_keyex_derive(&s->kx, s->tls, s->csid.b, s->ssid.b, s->alg, 0, &km);
	if (rc == 0)
		rc = ovpn_keys_install(&s->pi->peer->keys, OVPN_KEY_PRIMARY, &km,
				       gw_now_s(gw, rte_rdtsc()));
	explicit_bzero(&km, sizeof(km));
	if (rc < 0)
		return rc;
	cl = (struct ovpn_push_client){ .ip = s->pi->conf->vpn_ip4, .peer_id = s->pi->peer->id,
					.cipher = s->alg, .peer = &s->kx.peer };
	s->push_len = ovpn_push_reply_build(s->push, sizeof(s->push), &srv->push, &cl);
	return s->push_len < 0 ? s->push_len : 0;
}

static void
log_client(const struct gw_sess *s)
{
	const struct ovpn_peer_info *p = &s->kx.peer;
	char a[32];

	GW_LOG(NOTICE, "client %s: %s %s, cn=%s, IV_VER=%s IV_PLAT=%s IV_PROTO=%u IV_CIPHERS=%s",
	       ep_str(&s->ep, a, sizeof(a)), ovpn_tls_version_name(s->tls),
	       ovpn_tls_cipher_name(s->tls), ovpn_tls_peer_cn(s->tls), p->ver, p->plat,
	       p->proto, p->ciphers);
}

/* The client's key-method-2 message: the rest of the handshake (file comment). */
static int
on_client_km2(struct gw_server *srv, struct gw_sess *s, uint8_t *buf, size_t len)
{
	uint8_t out[KM2_MAX];
	char a[32];
	int rc = ovpn_keyex_read_client(&s->kx, buf, len, NULL);

	explicit_bzero(buf, len); /* username/password (not used) */
	if (rc < 0)
		return rc;
	log_client(s);
	if (ovpn_ncp_choose(&srv->ncp, &s->kx.peer, &s->alg) < 0) {
		ovpn_tls_write(s->tls, OVPN_CC_AUTH_FAILED_NO_CIPHER,
			       sizeof(OVPN_CC_AUTH_FAILED_NO_CIPHER));
		return -ENOENT;
	}
	rc = ovpn_keyex_write_server(&s->kx, NULL, out, sizeof(out));
	if (rc >= 0)
		rc = ovpn_tls_write(s->tls, out, (size_t)rc);
	if (rc == 0)
		rc = client_keys(srv, s);
	if (rc == 0 && (s->kx.peer.proto & OVPN_IV_PROTO_REQUEST_PUSH))
		rc = ovpn_tls_write(s->tls, s->push, (size_t)s->push_len);
	if (rc < 0)
		return rc;
	s->active = true;
	ovpn_ctr_add(&srv->handshakes_ok, 1);
	GW_LOG(NOTICE, "client %s: peer-id %u, %s, cipher %s, keys %s; %s",
	       ep_str(&s->ep, a, sizeof(a)), s->pi->peer->id, s->pi->conf->name,
	       ft_aead_alg_name(s->alg), ovpn_keyex_uses_ekm(&s->kx) ? "tls-ekm" : "prf",
	       s->push);
	return 0;
}

/* EXIT on the control channel (protocol-flags cc-exit): as OCC EXIT (ctrl.c), and the
 * session ends. */
static int
on_exit_msg(struct gw_server *srv, struct gw_sess *s)
{
	struct gw_peer_info *pi = s->pi;
	char a[32];

	GW_LOG(NOTICE, "client %s: explicit exit (EXIT on the control channel)",
	       ep_str(&s->ep, a, sizeof(a)));
	if (pi != NULL && !pi->exited) {
		pi->exited = true;
		pi->exit_rx_s = ovpn_ctr_read(&pi->peer->last_rx_s);
		ovpn_ctr_add(&srv->gw->peer_exits, 1);
	}
	return -ECONNRESET;
}

static int
on_cmd(struct gw_server *srv, struct gw_sess *s, const char *msg)
{
	char a[32];

	switch (ovpn_cc_cmd_parse(msg)) {
	case OVPN_CC_PUSH_REQUEST:
		if (s->active)
			ovpn_tls_write(s->tls, s->push, (size_t)s->push_len);
		break;
	case OVPN_CC_EXIT:
		return on_exit_msg(srv, s);
	default:
		GW_LOG(DEBUG, "client %s: ignored control message \"%.64s\"",
		       ep_str(&s->ep, a, sizeof(a)), msg);
		break;
	}
	return 0;
}

/* Text control messages, NUL-terminated, possibly cut across records (push.h). */
static int
on_text(struct gw_server *srv, struct gw_sess *s, const uint8_t *buf, size_t len)
{
	const char *msg;
	size_t off = 0, n;
	int rc = 0;

	if (len > sizeof(s->cc) - s->cc_len)
		s->cc_len = 0; /* 2.6 holds at most 2048 bytes of one message */
	memcpy(s->cc + s->cc_len, buf, RTE_MIN(len, sizeof(s->cc)));
	s->cc_len = (uint16_t)(s->cc_len + RTE_MIN(len, sizeof(s->cc)));
	while (rc == 0 && (n = ovpn_cc_msg_next(s->cc + off, s->cc_len - off, &msg)) > 0) {
		if (msg != NULL)
			rc = on_cmd(srv, s, msg);
		off += n;
	}
	memmove(s->cc, s->cc + off, s->cc_len - off);
	s->cc_len = (uint16_t)(s->cc_len - off);
	return rc;
}

static int
plaintext(struct gw_server *srv, struct gw_sess *s)
{
	uint8_t buf[OVPN_CTRL_PAYLOAD_MAX];
	ssize_t n;
	int rc = 0;

	while (rc == 0 && (n = ovpn_tls_read(s->tls, buf, sizeof(buf))) > 0)
		rc = s->kx.got_client ? on_text(srv, s, buf, (size_t)n) :
					on_client_km2(srv, s, buf, (size_t)n);
	if (rc == 0 && n < 0 && n != -EAGAIN)
		rc = (int)n;
	return rc;
}

int
gw_hs_pump(struct gw_server *srv, struct gw_sess *s, uint64_t now_us)
{
	int rc = tls_in(s);

	if (rc == 0)
		rc = ovpn_tls_handshake(s->tls);
	if (rc == 0)
		rc = plaintext(srv, s);
	else if (rc == -EAGAIN)
		rc = 0;
	tls_out(s, now_us);
	return rc;
}
