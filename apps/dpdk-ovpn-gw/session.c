/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control channel's packets (control thread; openvpn-protocol.md §1, §2.6): control
 * datagrams arrive from the workers on ctrl_rx with their source address and are unwrapped and
 * parsed (ctrl_wrap.h: none, tls-auth or tls-crypt as configured; a packet whose HMAC or tag
 * fails is counted and gets no answer at all). A packet from the transport address and
 * session id of a live session goes to its reliability layer and then to the handshake
 * (handshake.c). Anything else goes through the stateless cookie (cookie.h): a client's hard
 * reset gets a HARD_RESET_SERVER_V2 whose session id is the cookie and no state is kept; the
 * client's next packet, echoing a valid cookie, opens a session in a free slot (a session
 * already at that address is replaced: the client restarted).
 *
 * Output: every wake, each session's due packets (new TLS records, retransmits, acks) are
 * built into mbufs of gw->ctrl_pool and queued on ctrl_tx; worker 0 sends them (rx.c).
 * A session that has not finished its handshake within the hand-window (60 s) is dropped.
 *
 * A session has up to two key states (session.h); a packet goes to the one of its key_id, and
 * a client's soft reset opens the next one (rekey.c, which also runs the renegotiation timers
 * from the poll below).
 *
 * A TLS client's data-path peer lives as long as its session: sess_close() removes it
 * (client_peer.c), whatever ends the session (EXIT, a failure, a replacement, or
 * gw_server_peer_gone() from the control thread's ping-restart and OCC EXIT checks).
 *
 * The wrap's replay state is per session (gw_sess.wrap): a session's packets pass its replay
 * window; a packet without a session (the cookie exchange) only a replay-time check. Our
 * replay-pid 1 goes out with every stateless reply and a session continues at 2 (cookie.h).
 *
 * Not here: the wrap's crypto (src/ovpn/ctrl_wrap.c), the --connect-freq rate limit, the peer
 * itself (client_peer.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_telemetry.h>

#include "session.h"

#define CTRL_RX_BURST 32
#define CTRL_RX_BUDGET 1024 /* per wake; the ring holds 1024 (setup.c) */
#define CTRL_TX_CAP 1500 /* > tls-mtu 1250: every control packet we build fits */
#define GW_US_PER_S 1000000u

/* Unix seconds: the replay-time of tls-auth / tls-crypt is wall-clock time (ctrl_wrap.h). */
static uint32_t
wall_s(void)
{
	return (uint32_t)time(NULL);
}

uint64_t
gw_sess_now_us(const struct gw *gw)
{
	return rte_rdtsc() / (gw->tsc_hz / GW_US_PER_S);
}

static char *
ep_str(const struct ft_endpoint4 *ep, char *buf, size_t len)
{
	char a[FT_IP4_STRLEN];

	snprintf(buf, len, "%s:%u", ft_ip4_format(ep->addr, a, sizeof(a)), ep->port);
	return buf;
}

/* Build @p m, wrapped with @p ws's next replay-pid (tls-auth / tls-crypt; unused without), and
 * queue it for worker 0 to send to @p ep. False when out of mbufs or ring space (counted as
 * ctrl_tx_lost): the reliability layer retransmits, a stateless reply is lost. */
static bool
ctrl_send(struct gw_server *srv, const struct ft_endpoint4 *ep, struct ovpn_ctrl_wrap_state *ws,
	  const struct ovpn_ctrl_msg *m)
{
	struct gw *gw = srv->gw;
	struct rte_mbuf *mb = rte_pktmbuf_alloc(gw->ctrl_pool);
	struct gw_ctrl_pkt p = { .m = mb, .ep = ovpn_endpoint_pack(ep) };
	uint8_t *d;
	int len = -ENOMEM;

	if (mb != NULL) {
		d = (uint8_t *)rte_pktmbuf_append(mb, CTRL_TX_CAP);
		len = d != NULL ? ovpn_ctrl_wrap_build(&srv->wrap, ws, m, d, CTRL_TX_CAP) :
				  -ENOSPC;
	}
	if (len >= 0) {
		rte_pktmbuf_trim(mb, (uint16_t)(CTRL_TX_CAP - len));
		if (rte_ring_sp_enqueue_elem(gw->ctrl_tx, &p, sizeof(p)) == 0)
			return true;
	}
	rte_pktmbuf_free(mb);
	ovpn_ctr_add(&srv->ctrl_tx_lost, 1);
	return false;
}

static void
sess_output(struct gw_server *srv, struct gw_sess *s, uint64_t now_us)
{
	struct ovpn_ctrl_msg m;

	for (unsigned int i = 0; i < RTE_DIM(s->ks); i++)
		while (s->ks[i].state != GW_KS_FREE &&
		       ovpn_reliable_output(&s->ks[i].rel, now_us, &m))
			ctrl_send(srv, &s->ep, &s->wrap, &m);
}

/* Send what is due (a TLS alert, AUTH_FAILED), then free the session and its peer. */
static void
sess_close(struct gw_server *srv, struct gw_sess *s, uint64_t now_us, const char *why)
{
	char a[32];

	GW_LOG(NOTICE, "client %s: session closed: %s", ep_str(&s->ep, a, sizeof(a)), why);
	sess_output(srv, s, now_us);
	for (unsigned int i = 0; i < RTE_DIM(s->ks); i++)
		gw_ks_close(srv, &s->ks[i]);
	gw_client_peer_detach(srv, s->pi, why); /* a TLS client's peer lives with its session */
	s->pi = NULL;
	s->used = false;
}

void
gw_server_peer_gone(struct gw_server *srv, struct gw_peer_info *pi, const char *why)
{
	for (uint32_t i = 0; i < srv->n_slots; i++) {
		if (srv->sess[i].used && srv->sess[i].pi == pi) {
			sess_close(srv, &srv->sess[i], gw_sess_now_us(srv->gw), why);
			return;
		}
	}
	gw_client_peer_detach(srv, pi, why);
}

static struct gw_sess *
sess_find(struct gw_server *srv, const struct ft_endpoint4 *ep)
{
	for (uint32_t i = 0; i < srv->n_slots; i++) {
		struct gw_sess *s = &srv->sess[i];

		if (s->used && s->ep.addr == ep->addr && s->ep.port == ep->port)
			return s;
	}
	return NULL;
}

/* @p m to its key state (rekey.c), then the handshake. A failed renegotiation only costs its
 * own key state; anything else that fails ends the session. */
static enum ovpn_ctrl_drop
sess_input(struct gw_server *srv, struct gw_sess *s, const struct ovpn_ctrl_msg *m,
	   uint64_t now_us)
{
	enum ovpn_ctrl_drop r = OVPN_CTRL_OK;
	struct gw_ks *ks = gw_rekey_route(srv, s, m, now_us, &r);
	const char *why;
	int rc;

	if (ks == NULL)
		return r;
	r = ovpn_reliable_input(&ks->rel, m);
	if (r != OVPN_CTRL_OK && r != OVPN_CTRL_DROP_DUPLICATE)
		return r;
	rc = gw_hs_pump(srv, s, ks, now_us);
	if (rc < 0) {
		why = ks->tls != NULL && ovpn_tls_reason(ks->tls)[0] != '\0' ?
		      ovpn_tls_reason(ks->tls) : strerror(-rc);
		if (!gw_rekey_failed(srv, s, ks, now_us, rc, why))
			return r;
		ovpn_ctr_add(&srv->handshakes_failed, !s->active);
		sess_close(srv, s, now_us, why);
	}
	return r;
}

/* A cookie verified: the session with own sid = the cookie, peer sid = the client's. */
static enum ovpn_ctrl_drop
sess_open(struct gw_server *srv, const struct ovpn_ctrl_msg *m, const struct ovpn_ctrl_wire *wire,
	  const struct ft_endpoint4 *ep, uint64_t now_us)
{
	struct gw_sess *s = sess_find(srv, ep);
	char a[32];

	if (s != NULL)
		sess_close(srv, s, now_us, "replaced by a new session from the same address");
	for (uint32_t i = 0; s == NULL && i < srv->n_slots; i++)
		if (!srv->sess[i].used)
			s = &srv->sess[i];
	if (s == NULL) {
		GW_LOG(WARNING, "client %s: refused, %u sessions already",
		       ep_str(ep, a, sizeof(a)), srv->n_slots);
		return OVPN_CTRL_OK;
	}
	memset(s, 0, sizeof(*s));
	s->ep = *ep;
	s->csid = m->sid;
	s->ssid = m->ack_sid;
	s->start_us = now_us;
	/* Our replay-pid 1 went out with the stateless reply (cookie.h); the opening packet is
	 * the first the session's receive window records. */
	ovpn_ctrl_wrap_state_init(&s->wrap, OVPN_COOKIE_SESSION_REPLAY_PID, wall_s());
	(void)ovpn_ctrl_wrap_replay_update(&srv->wrap, &s->wrap, wire);
	if (gw_ks_open(srv, s, &s->ks[0], 0, now_us) < 0)
		return OVPN_CTRL_DROP_COOKIE_BAD;
	s->used = true;
	GW_LOG(INFO, "client %s: new session", ep_str(ep, a, sizeof(a)));
	return sess_input(srv, s, m, now_us);
}

static void
cookie_addr(const struct ft_endpoint4 *ep, struct ovpn_cookie_addr *a)
{
	uint32_t be = rte_cpu_to_be_32(ep->addr);

	memset(a, 0, sizeof(*a));
	a->family = 4;
	a->port = ep->port;
	memcpy(a->ip, &be, sizeof(be));
}

/* No session for this address and sid: the stateless first exchange (cookie.h). */
static enum ovpn_ctrl_drop
on_new(struct gw_server *srv, const struct ovpn_ctrl_msg *m, const struct ovpn_ctrl_wire *wire,
       const struct ft_endpoint4 *ep, uint64_t now_us)
{
	struct ovpn_cookie_input in = { .msg = m, .replay_pid = wire->replay_pid };
	enum ovpn_cookie_action act;
	struct ovpn_ctrl_wrap_state ws;
	struct ovpn_ctrl_msg reply;
	uint64_t now_s = now_us / GW_US_PER_S;
	enum ovpn_ctrl_drop r;

	/* Authenticated by ovpn_ctrl_unwrap() already; no session, so no window: time only. */
	r = ovpn_ctrl_wrap_is_fresh(&srv->wrap, wire, wall_s());
	if (r != OVPN_CTRL_OK)
		return r;
	cookie_addr(ep, &in.from);
	r = ovpn_cookie_classify(&srv->cookie, &in, now_s, &act);
	if (r != OVPN_CTRL_OK)
		return r;
	if (act == OVPN_COOKIE_REPLY) {
		if (ovpn_cookie_reply(&srv->cookie, &in, now_s, false, &reply) == 0) {
			ovpn_ctrl_wrap_state_init(&ws, OVPN_COOKIE_REPLY_REPLAY_PID, wall_s());
			if (ctrl_send(srv, ep, &ws, &reply))
				ovpn_ctr_add(&srv->cookie_replies, 1);
		}
		return OVPN_CTRL_OK;
	}
	if (act != OVPN_COOKIE_ACCEPT)
		return OVPN_CTRL_DROP_NEW_SESSION_OPCODE; /* V3 resets: tls-crypt-v2 only */
	return sess_open(srv, m, wire, ep, now_us);
}

static void
on_packet(struct gw_server *srv, const uint8_t *pkt, size_t len, const struct ft_endpoint4 *ep,
	  uint64_t now_us)
{
	uint8_t clear[OVPN_CTRL_PAYLOAD_MAX + 256]; /* tls-crypt's decrypted body: m borrows it */
	struct ovpn_ctrl_wire wire;
	struct ovpn_ctrl_msg m;
	enum ovpn_ctrl_drop r = ovpn_ctrl_unwrap(&srv->wrap, pkt, len, clear, sizeof(clear), &m,
						 &wire);
	struct gw_sess *s;

	if (r == OVPN_CTRL_OK) {
		s = sess_find(srv, ep);
		if (s != NULL && ovpn_sid_equal(&s->csid, &m.sid)) {
			r = ovpn_ctrl_wrap_replay_update(&srv->wrap, &s->wrap, &wire);
			if (r == OVPN_CTRL_OK)
				r = sess_input(srv, s, &m, now_us);
		} else {
			r = on_new(srv, &m, &wire, ep, now_us);
		}
	}
	if (r != OVPN_CTRL_OK)
		ovpn_ctr_add(&srv->drops[r], 1);
}

/* One burst from ctrl_rx; the number of packets taken. */
static unsigned int
drain_burst(struct gw_server *srv, uint64_t now_us)
{
	struct gw_ctrl_pkt p[CTRL_RX_BURST];
	uint8_t buf[OVPN_CTRL_PAYLOAD_MAX + 256];
	unsigned int n = rte_ring_sc_dequeue_burst_elem(srv->gw->ctrl_rx, p, sizeof(p[0]),
							 CTRL_RX_BURST, NULL);

	for (unsigned int i = 0; i < n; i++) {
		struct ft_endpoint4 ep = ovpn_endpoint_unpack(p[i].ep);
		uint32_t len = rte_pktmbuf_pkt_len(p[i].m);
		const uint8_t *d = len <= sizeof(buf) ?
				   rte_pktmbuf_read(p[i].m, 0, len, buf) : NULL;

		if (d != NULL)
			on_packet(srv, d, len, &ep, now_us);
		else
			ovpn_ctr_add(&srv->drops[OVPN_CTRL_DROP_TOO_BIG], 1);
		rte_pktmbuf_free(p[i].m);
	}
	return n;
}

/* Everything queued, up to CTRL_RX_BUDGET per wake: the control thread sleeps 1 ms between
 * wakes, so a budget of one ring's worth keeps up with a flood of resets at the rate it can
 * answer them (each costs one HMAC) instead of the 32 per ms a single burst would allow. */
static void
drain_rx(struct gw_server *srv, uint64_t now_us)
{
	unsigned int taken = 0, n;

	do {
		n = drain_burst(srv, now_us);
		taken += n;
	} while (n == CTRL_RX_BURST && taken < CTRL_RX_BUDGET);
}

void
gw_server_poll(struct gw *gw)
{
	struct gw_server *srv = gw->srv;
	uint64_t now_us;

	if (srv == NULL)
		return;
	now_us = gw_sess_now_us(gw);
	drain_rx(srv, now_us);
	for (uint32_t i = 0; i < srv->n_slots; i++) {
		struct gw_sess *s = &srv->sess[i];

		if (!s->used)
			continue;
		if (!s->active && now_us - s->start_us > GW_HAND_WINDOW_S * (uint64_t)GW_US_PER_S) {
			ovpn_ctr_add(&srv->handshakes_failed, 1);
			sess_close(srv, s, now_us, "TLS handshake not finished within 60 s");
			continue;
		}
		gw_rekey_poll(srv, s, now_us);
		sess_output(srv, s, now_us);
	}
}

void
gw_server_tel(const struct gw *gw, struct rte_tel_data *d)
{
	const struct gw_server *srv = gw->srv;
	uint64_t sessions = 0, retx, dups;

	if (srv == NULL)
		return;
	retx = ovpn_ctr_read(&srv->retransmits_closed);
	dups = ovpn_ctr_read(&srv->dups_closed);
	for (uint32_t i = 0; i < srv->n_slots; i++) {
		const struct gw_sess *s = &srv->sess[i];

		if (!s->used) /* racy snapshot of the control thread's sessions: fine for stats */
			continue;
		sessions++;
		for (unsigned int k = 0; k < RTE_DIM(s->ks); k++) {
			if (s->ks[k].state == GW_KS_FREE)
				continue;
			retx += s->ks[k].rel.stats.tx_retransmits;
			dups += s->ks[k].rel.stats.rx_dups;
		}
	}
	rte_tel_data_add_dict_u64(d, "tls_sessions", sessions);
	rte_tel_data_add_dict_u64(d, "ctrl_retransmits", retx);
	rte_tel_data_add_dict_u64(d, "ctrl_rx_duplicates", dups);
	rte_tel_data_add_dict_u64(d, "tls_handshakes", ovpn_ctr_read(&srv->handshakes_ok));
	rte_tel_data_add_dict_u64(d, "tls_failures", ovpn_ctr_read(&srv->handshakes_failed));
	rte_tel_data_add_dict_u64(d, "cookie_replies", ovpn_ctr_read(&srv->cookie_replies));
	rte_tel_data_add_dict_u64(d, "ctrl_tx_lost", ovpn_ctr_read(&srv->ctrl_tx_lost));
	for (int r = 1; r < OVPN_CTRL_DROP_MAX; r++) {
		char key[48];

		snprintf(key, sizeof(key), "ctrl_%s", ovpn_ctrl_drop_name(r));
		rte_tel_data_add_dict_u64(d, key, ovpn_ctr_read(&srv->drops[r]));
	}
	gw_rekey_tel(srv, d);
}

static void
push_conf_init(struct gw_server *srv)
{
	const struct gw_config *cfg = srv->gw->cfg;
	const struct gw_server_conf *sc = &cfg->server;
	struct ovpn_push_conf *p = &srv->push;

	ovpn_push_conf_init(p);
	p->gateway = sc->network + 1;
	p->netmask = sc->netmask;
	for (uint8_t i = 0; i < sc->n_push_routes && i < OVPN_PUSH_ROUTES_MAX; i++) {
		p->routes[i].net = sc->push_routes[i].addr;
		p->routes[i].mask = ft_ip4_mask(sc->push_routes[i].len);
		p->n_routes = (uint8_t)(i + 1);
	}
	p->ping_s = sc->keepalive_interval_s;
	p->ping_restart_s = sc->keepalive_timeout_s;
	p->tun_mtu = cfg->tunnel_mtu;
}

/* The control-channel wrap of every packet (config: server.tls_auth / tls_crypt). */
static int
wrap_init(struct gw_server *srv, const struct gw_server_conf *sc)
{
	struct ovpn_ctrl_wrap_conf wc;
	int rc;

	ovpn_ctrl_wrap_conf_init(&wc);
	wc.mode = sc->wrap;
	wc.key = sc->wrap_key;
	wc.dir = sc->wrap == OVPN_CTRL_WRAP_AUTH ? (enum ovpn_key_dir)sc->key_direction :
		 OVPN_KEY_DIR_NORMAL;	/* tls-crypt: the server side */
	wc.digest = sc->tls_auth_digest;
	rc = ovpn_ctrl_wrap_keys_init(&srv->wrap, &wc);
	if (rc < 0)
		GW_LOG(ERR, "server: control channel wrap: %s", strerror(-rc));
	else if (sc->wrap == OVPN_CTRL_WRAP_AUTH)
		GW_LOG(INFO, "server: tls-auth %s, key-direction %u, HMAC-%s", sc->wrap_file,
		       sc->key_direction, sc->tls_auth_digest);
	else if (sc->wrap == OVPN_CTRL_WRAP_CRYPT)
		GW_LOG(INFO, "server: tls-crypt %s", sc->wrap_file);
	return rc;
}

int
gw_server_create(struct gw *gw)
{
	const struct gw_server_conf *sc = &gw->cfg->server;
	char reason[OVPN_TLS_REASON_MAX] = "";
	struct ovpn_tls_conf tc;
	struct gw_server *srv;
	int rc;

	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return -ENOMEM;
	gw->srv = srv;
	srv->gw = gw;
	srv->n_slots = sc->max_clients;
	srv->sess = calloc(sc->max_clients, sizeof(*srv->sess));
	if (srv->sess == NULL)
		return -ENOMEM;
	ovpn_tls_conf_init(&tc);
	tc.ca_file = sc->ca;
	tc.cert_file = sc->cert;
	tc.key_file = sc->key;
	tc.crl_file = sc->crl[0] != '\0' ? sc->crl : NULL;
	rc = ovpn_tls_ctx_create(&tc, &srv->tls_ctx, reason, sizeof(reason));
	if (rc < 0) {
		GW_LOG(ERR, "server: TLS: %s", reason);
		return rc;
	}
	rc = ovpn_cookie_init(&srv->cookie, NULL, GW_HAND_WINDOW_S);
	if (rc < 0)
		return rc;
	srv->cookie_ready = true;
	rc = wrap_init(srv, sc);
	if (rc < 0)
		return rc;
	rc = ovpn_ncp_list_parse(sc->data_ciphers, &srv->ncp);
	ovpn_reliable_conf_init(&srv->rconf);
	push_conf_init(srv);
	return rc;
}

void
gw_server_destroy(struct gw *gw)
{
	struct gw_server *srv = gw->srv;

	if (srv == NULL)
		return;
	for (uint32_t i = 0; srv->sess != NULL && i < srv->n_slots; i++) {
		if (srv->sess[i].used) {
			gw_ks_close(srv, &srv->sess[i].ks[0]);
			gw_ks_close(srv, &srv->sess[i].ks[1]);
		}
	}
	free(srv->sess);
	ovpn_tls_ctx_destroy(srv->tls_ctx);
	if (srv->cookie_ready)
		ovpn_cookie_fini(&srv->cookie);
	ovpn_ctrl_wrap_keys_fini(&srv->wrap);
	free(srv);
	gw->srv = NULL;
}
