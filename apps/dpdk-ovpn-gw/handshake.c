/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One session's handshake, control thread (openvpn-protocol.md §3, §4, §5; the flow of
 * tests/ovpn/ovpn_tls_smoke_server.c on the real reliability layer):
 *
 *   reliable rx --ovpn_reliable_rx_read--> ovpn_tls_feed --> ovpn_tls_handshake
 *   first plaintext record: key method 2 (ovpn_keyex_read_client), cipher (ovpn_ncp_choose;
 *     none shared: AUTH_FAILED and the session ends), our key-method-2 message, the peer on
 *     the data path (client_peer.c: its client-config-dir file, a VPN address, a free
 *     peer-id, /32 and iroutes in the FIB; refused by the file: AUTH_FAILED), its data keys
 *     (ovpn_keyex_derive -> ovpn_keys_install PRIMARY), PUSH_REPLY (the server's options plus
 *     the ccd file's routes) at once when the client set IV_PROTO_REQUEST_PUSH (2.6 clients do)
 *   later records: text messages; PUSH_REQUEST gets the PUSH_REPLY (again); EXIT ends the
 *     session, which removes the peer (session.c)
 *   TLS output --ovpn_tls_take_out(<= send window)--> ovpn_reliable_tx_write
 *
 * Renegotiation (a key state with key_id > 0, rekey.c): the same steps on the new key state's
 * own TLS session, but the certificate name must not change, the cipher and the pushed
 * options stay, and the keys go to the peer's SECONDARY slot (gw_rekey_keyed()).
 *
 * Not here: username/password, ifconfig-pool-persist, IPv6 in the tunnel, push-continuation.
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
tls_in(struct gw_ks *ks)
{
	uint8_t buf[OVPN_CTRL_PAYLOAD_MAX];
	size_t n;
	int rc;

	while ((n = ovpn_reliable_rx_read(&ks->rel, buf, sizeof(buf))) > 0) {
		rc = ovpn_tls_feed(ks->tls, buf, n);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void
tls_out(struct gw_ks *ks, uint64_t now_us)
{
	uint8_t buf[4 * OVPN_CTRL_PAYLOAD_MAX];
	size_t space, n;

	while ((space = ovpn_reliable_tx_space(&ks->rel)) > 0 &&
	       ovpn_tls_pending_out(ks->tls) > 0) {
		n = ovpn_tls_take_out(ks->tls, buf, RTE_MIN(space, sizeof(buf)));
		if (n == 0 || ovpn_reliable_tx_write(&ks->rel, buf, n, now_us) < n)
			break; /* cannot happen: n <= space */
	}
}

/* The server's push options plus the routes of this client's ccd file (as many as fit). */
static void
push_conf_client(const struct gw_server *srv, const struct gw_sess *s, struct ovpn_push_conf *pc)
{
	uint8_t i;

	*pc = srv->push;
	for (i = 0; i < s->n_ccd_routes && pc->n_routes < OVPN_PUSH_ROUTES_MAX; i++)
		pc->routes[pc->n_routes++] = s->ccd_routes[i];
	if (i < s->n_ccd_routes)
		GW_LOG(WARNING, "peer %u: %u client-config-dir routes not pushed (%u routes max)",
		       s->pi->peer->id, s->n_ccd_routes - i, OVPN_PUSH_ROUTES_MAX);
}

/* Peer, data keys, PUSH_REPLY text. */
static int
client_keys(struct gw_server *srv, struct gw_sess *s, struct gw_ks *ks)
{
	struct gw *gw = srv->gw;
	const char *cn = ovpn_tls_peer_cn(ks->tls);
	struct ovpn_key_material km;
	struct ovpn_push_client cl;
	struct ovpn_push_conf pc;
	int rc = gw_client_peer_attach(srv, s, cn);

	if (rc < 0)
		return rc;
	gw->dyn_conf[s->pi - gw->pinfo - gw->cfg->n_peers].alg = s->alg;
	rc = ovpn_keyex_derive(&ks->kx, ks->tls, s->csid.b, s->ssid.b, s->alg, 0, &km);
	/* A lame duck left by this peer's previous session: key_id 0 again must not clash. */
	ovpn_keys_del(&s->pi->peer->keys, OVPN_KEY_SECONDARY);
	if (rc == 0)
		rc = ovpn_keys_install(&s->pi->peer->keys, OVPN_KEY_PRIMARY, &km,
				       gw_now_s(gw, rte_rdtsc()));
	explicit_bzero(&km, sizeof(km));
	if (rc < 0)
		return rc;
	cl = (struct ovpn_push_client){ .ip = s->pi->conf->vpn_ip4, .peer_id = s->pi->peer->id,
					.cipher = s->alg, .peer = &ks->kx.peer };
	push_conf_client(srv, s, &pc);
	s->push_len = ovpn_push_reply_build(s->push, sizeof(s->push), &pc, &cl);
	return s->push_len < 0 ? s->push_len : 0;
}

static void
log_client(const struct gw_sess *s, const struct gw_ks *ks)
{
	const struct ovpn_peer_info *p = &ks->kx.peer;
	char a[32];

	GW_LOG(NOTICE, "client %s: %s %s, cn=%s, IV_VER=%s IV_PLAT=%s IV_PROTO=%u IV_CIPHERS=%s",
	       ep_str(&s->ep, a, sizeof(a)), ovpn_tls_version_name(ks->tls),
	       ovpn_tls_cipher_name(ks->tls), ovpn_tls_peer_cn(ks->tls), p->ver, p->plat,
	       p->proto, p->ciphers);
}

/* Renegotiation (rekey.c): same certificate name, our message, the new keys; the cipher and
 * the pushed options stay (§5.2: fixed for the session; no PUSH_REPLY on a soft reset). */
static int
on_reneg_km2(struct gw_server *srv, struct gw_sess *s, struct gw_ks *ks, uint64_t now_us)
{
	const char *cn = ovpn_tls_peer_cn(ks->tls);
	uint8_t out[KM2_MAX];
	char a[32];
	int rc;

	if (strcmp(cn, s->pi->conf->name) != 0) {
		GW_LOG(WARNING, "client %s: key_id %u: certificate name changed from %s to %s",
		       ep_str(&s->ep, a, sizeof(a)), ks->key_id, s->pi->conf->name, cn);
		return -EPERM;
	}
	rc = ovpn_keyex_write_server(&ks->kx, NULL, out, sizeof(out));
	if (rc >= 0)
		rc = ovpn_tls_write(ks->tls, out, (size_t)rc);
	if (rc == 0)
		rc = gw_rekey_keyed(srv, s, ks, now_us);
	return rc;
}

/* The client's key-method-2 message: the rest of the handshake (file comment). */
static int
on_client_km2(struct gw_server *srv, struct gw_sess *s, struct gw_ks *ks, uint8_t *buf,
	      size_t len, uint64_t now_us)
{
	uint8_t out[KM2_MAX];
	char a[32];
	int rc = ovpn_keyex_read_client(&ks->kx, buf, len, NULL);

	explicit_bzero(buf, len); /* username/password (not used) */
	if (rc < 0)
		return rc;
	if (s->active)
		return on_reneg_km2(srv, s, ks, now_us);
	log_client(s, ks);
	if (ovpn_ncp_choose(&srv->ncp, &ks->kx.peer, &s->alg) < 0) {
		ovpn_tls_write(ks->tls, OVPN_CC_AUTH_FAILED_NO_CIPHER,
			       sizeof(OVPN_CC_AUTH_FAILED_NO_CIPHER));
		return -ENOENT;
	}
	rc = ovpn_keyex_write_server(&ks->kx, NULL, out, sizeof(out));
	if (rc >= 0)
		rc = ovpn_tls_write(ks->tls, out, (size_t)rc);
	if (rc == 0)
		rc = client_keys(srv, s, ks);
	if (rc == -EACCES || rc == -EINVAL) /* refused by its client-config-dir file */
		ovpn_tls_write(ks->tls, OVPN_CC_AUTH_FAILED, sizeof(OVPN_CC_AUTH_FAILED));
	if (rc == 0 && (ks->kx.peer.proto & OVPN_IV_PROTO_REQUEST_PUSH))
		rc = ovpn_tls_write(ks->tls, s->push, (size_t)s->push_len);
	if (rc < 0)
		return rc;
	s->active = true;
	ks->state = GW_KS_KEYED;
	gw_rekey_first_key(srv, s, now_us);
	ovpn_ctr_add(&srv->handshakes_ok, 1);
	GW_LOG(NOTICE, "client %s: peer-id %u, %s, cipher %s, keys %s; %s",
	       ep_str(&s->ep, a, sizeof(a)), s->pi->peer->id, s->pi->conf->name,
	       ft_aead_alg_name(s->alg), ovpn_keyex_uses_ekm(&ks->kx) ? "tls-ekm" : "prf",
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
on_cmd(struct gw_server *srv, struct gw_sess *s, struct gw_ks *ks, const char *msg)
{
	char a[32];

	switch (ovpn_cc_cmd_parse(msg)) {
	case OVPN_CC_PUSH_REQUEST:
		if (s->active)
			ovpn_tls_write(ks->tls, s->push, (size_t)s->push_len);
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
on_text(struct gw_server *srv, struct gw_sess *s, struct gw_ks *ks, const uint8_t *buf,
	size_t len)
{
	const char *msg;
	size_t off = 0, n;
	int rc = 0;

	if (len > sizeof(ks->cc) - ks->cc_len)
		ks->cc_len = 0; /* 2.6 holds at most 2048 bytes of one message */
	memcpy(ks->cc + ks->cc_len, buf, RTE_MIN(len, sizeof(ks->cc)));
	ks->cc_len = (uint16_t)(ks->cc_len + RTE_MIN(len, sizeof(ks->cc)));
	while (rc == 0 && (n = ovpn_cc_msg_next(ks->cc + off, ks->cc_len - off, &msg)) > 0) {
		if (msg != NULL)
			rc = on_cmd(srv, s, ks, msg);
		off += n;
	}
	memmove(ks->cc, ks->cc + off, ks->cc_len - off);
	ks->cc_len = (uint16_t)(ks->cc_len - off);
	return rc;
}

static int
plaintext(struct gw_server *srv, struct gw_sess *s, struct gw_ks *ks, uint64_t now_us)
{
	uint8_t buf[OVPN_CTRL_PAYLOAD_MAX];
	ssize_t n;
	int rc = 0;

	while (rc == 0 && (n = ovpn_tls_read(ks->tls, buf, sizeof(buf))) > 0)
		rc = ks->kx.got_client ? on_text(srv, s, ks, buf, (size_t)n) :
					 on_client_km2(srv, s, ks, buf, (size_t)n, now_us);
	if (rc == 0 && n < 0 && n != -EAGAIN)
		rc = (int)n;
	return rc;
}

int
gw_hs_pump(struct gw_server *srv, struct gw_sess *s, struct gw_ks *ks, uint64_t now_us)
{
	int rc = tls_in(ks);

	if (rc == 0)
		rc = ovpn_tls_handshake(ks->tls);
	if (rc == 0)
		rc = plaintext(srv, s, ks, now_us);
	else if (rc == -EAGAIN)
		rc = 0;
	tls_out(ks, now_us);
	return rc;
}
