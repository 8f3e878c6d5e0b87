/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateway's control channel state (session.c, handshake.c), control thread only: one
 * struct gw_sess per client transport address with a single key_state (key_id 0: no
 * renegotiation yet), holding the reliability layer, the TLS session and the key exchange of
 * src/ovpn (reliable.h, tls.h, keyex.h), and one struct gw_server for the whole gateway (TLS
 * context, stateless cookie, cipher list, push options, the session slots).
 *
 *   session.c   control packets in and out, the cookie exchange, session slots, retransmit
 *               timers, hand-window
 *   handshake.c TLS bytes between the reliable layer and TLS, key method 2, cipher choice,
 *               the peer and its keys on the data path, PUSH_REPLY, text control messages
 */
#ifndef FT_APPS_OVPN_GW_SESSION_H
#define FT_APPS_OVPN_GW_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "gw.h"
#include "ovpn/cookie.h"
#include "ovpn/ctrl_proto.h"
#include "ovpn/keyex.h"
#include "ovpn/push.h"
#include "ovpn/reliable.h"
#include "ovpn/tls.h"

#define GW_HAND_WINDOW_S 60 /* 2.6 --hand-window: the handshake must finish in time */

struct gw_sess {
	bool used;
	bool active;                     /* keys installed, PUSH_REPLY written */
	struct ft_endpoint4 ep;          /* the client's transport address */
	struct ovpn_sid csid;            /* client session id */
	struct ovpn_sid ssid;            /* ours: the cookie */
	uint64_t start_us;
	struct ovpn_reliable rel;
	struct ovpn_tls *tls;
	struct ovpn_keyex kx;
	enum ft_aead_alg alg;
	struct gw_peer_info *pi;         /* the data-path peer, once keyed */
	char push[OVPN_PUSH_REPLY_MAX];
	int push_len;
	uint8_t cc[OVPN_CTRL_PAYLOAD_MAX];  /* text control message not complete yet */
	uint16_t cc_len;
};

struct gw_server {
	struct gw *gw;
	struct ovpn_tls_ctx *tls_ctx;
	struct ovpn_cookie cookie;
	bool cookie_ready;
	struct ovpn_ncp_list ncp;
	struct ovpn_reliable_conf rconf;
	struct ovpn_push_conf push;
	uint32_t n_slots;                /* server.max_clients */
	struct gw_sess *sess;            /* [n_slots] */
	uint64_t drops[OVPN_CTRL_DROP_MAX];
	uint64_t cookie_replies;
	uint64_t handshakes_ok;
	uint64_t handshakes_failed;
	uint64_t retransmits_closed;     /* tx_retransmits of sessions already closed */
	uint64_t dups_closed;            /* rx_dups of sessions already closed */
};

/* Microseconds on the TSC clock (reliable.h takes any epoch). */
uint64_t gw_sess_now_us(const struct gw *gw);

/*
 * handshake.c: move bytes between the reliable layer and TLS, advance the handshake, handle
 * the plaintext (key method 2, then text messages) and queue TLS output as P_CONTROL_V1.
 * 0, or a negative errno after which the session must be dropped (its last output, e.g. a TLS
 * alert or AUTH_FAILED, is queued first).
 */
int gw_hs_pump(struct gw_server *srv, struct gw_sess *s, uint64_t now_us);

#endif /* FT_APPS_OVPN_GW_SESSION_H */
