/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateway's control channel state (session.c, handshake.c, rekey.c), control thread only:
 * one struct gw_sess per client transport address with up to two key states (struct gw_ks,
 * 2.6's ks and ks_lame: the current key and the one being negotiated or retiring), each
 * holding its own reliability layer, TLS session and key exchange of src/ovpn (reliable.h,
 * tls.h, keyex.h), and one struct gw_server for the whole gateway (TLS context, stateless
 * cookie, cipher list, push options, the session slots, counters).
 *
 *   session.c   control packets in and out, the cookie exchange, session slots, retransmit
 *               timers, hand-window of the first key
 *   handshake.c TLS bytes between a key state's reliable layer and TLS, key method 2, cipher
 *               choice, the peer and its keys on the data path, PUSH_REPLY, text messages
 *   rekey.c     renegotiation: soft resets both ways, key_id sequence, install / swap / lame
 *               duck of the data keys, failures (policy: rekey_policy.h)
 */
#ifndef FT_APPS_OVPN_GW_SESSION_H
#define FT_APPS_OVPN_GW_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "gw.h"
#include "ovpn/cookie.h"
#include "ovpn/ctrl_proto.h"
#include "ovpn/ctrl_wrap.h"
#include "ovpn/keyex.h"
#include "ovpn/push.h"
#include "ovpn/reliable.h"
#include "ovpn/tls.h"

#define GW_HAND_WINDOW_S 60 /* 2.6 --hand-window: the handshake must finish in time */

enum gw_ks_state {
	GW_KS_FREE = 0,
	GW_KS_NEGOTIATING,               /* resets exchanged or TLS / key method 2 running */
	GW_KS_KEYED,                     /* its data keys are installed */
};

/* One key state (2.6 struct key_state): one key_id of a session. */
struct gw_ks {
	enum gw_ks_state state;
	uint8_t key_id;
	uint64_t start_us;
	struct ovpn_reliable rel;
	struct ovpn_tls *tls;
	struct ovpn_keyex kx;
	uint8_t cc[OVPN_CTRL_PAYLOAD_MAX];  /* text control message not complete yet */
	uint16_t cc_len;
};

#define GW_SESS_CCD_ROUTES_MAX 16 /* = GW_CCD_PUSH_ROUTES_MAX (ccd.h) */

struct gw_sess {
	bool used;
	bool active;                     /* first keys installed, PUSH_REPLY written */
	struct ft_endpoint4 ep;          /* the client's transport address */
	struct ovpn_sid csid;            /* client session id */
	struct ovpn_sid ssid;            /* ours: the cookie */
	uint64_t start_us;
	struct gw_ks ks[2];              /* rekey.c */
	uint8_t cur;                     /* ks[cur]: the TX key's (first: the only) key state */
	uint8_t next_key_id;             /* of the next soft reset */
	bool swap_pending;               /* ks[cur ^ 1] keyed, TX not moved to it yet */
	uint64_t reneg_at_us;            /* our next soft reset (reneg_sec); 0 = off */
	uint64_t retry_at_us;            /* no soft reset of ours before (after a failure) */
	uint64_t lame_until_us;          /* ks[cur ^ 1], keyed: the old key's end */
	enum ft_aead_alg alg;
	struct gw_peer_info *pi;         /* the data-path peer, once keyed */
	struct ovpn_push_route ccd_routes[GW_SESS_CCD_ROUTES_MAX]; /* its ccd's push "route" */
	uint8_t n_ccd_routes;
	char push[OVPN_PUSH_REPLY_MAX];
	int push_len;
	struct ovpn_ctrl_wrap_state wrap; /* tls-auth / tls-crypt replay-pids, both ways */
};

/* X(field, description): renegotiation counters of the gateway (telemetry /ovpn_gw/drops). */
#define GW_RENEG_COUNTERS(X) \
	X(renegotiations_ok, "renegotiations whose new data keys were installed") \
	X(renegotiations_failed, "renegotiations that failed (the old key kept going)") \
	X(reneg_client, "soft resets started by a client") \
	X(reneg_server_time, "soft resets started by the gateway: reneg_sec") \
	X(reneg_server_limit, "soft resets started by the gateway: a key usage limit") \
	X(reneg_hand_window, "failed: not finished within the hand-window (60 s)") \
	X(reneg_tls_failed, "failed: TLS handshake or key method 2") \
	X(reneg_cn_changed, "failed: the client certificate's name changed") \
	X(reneg_install_failed, "failed: the data path refused the new keys") \
	X(reneg_aborted, "failed: replaced by a newer soft reset") \
	X(key_swaps, "new keys that took over TX (the old key: lame duck)") \
	X(lame_ducks_expired, "old keys deleted at the end of the transition window")

struct gw_reneg_stats {
#define GW_X_FIELD(f, d) uint64_t f;
	GW_RENEG_COUNTERS(GW_X_FIELD)
#undef GW_X_FIELD
};

struct gw_server {
	struct gw *gw;
	struct ovpn_tls_ctx *tls_ctx;
	struct ovpn_cookie cookie;
	bool cookie_ready;
	struct ovpn_ctrl_wrap_keys wrap; /* server.tls_auth / tls_crypt, or NONE */
	struct ovpn_ncp_list ncp;
	struct ovpn_reliable_conf rconf;
	struct ovpn_push_conf push;
	uint32_t n_slots;                /* server.max_clients */
	struct gw_sess *sess;            /* [n_slots] */
	uint64_t drops[OVPN_CTRL_DROP_MAX];
	uint64_t cookie_replies;
	uint64_t ctrl_tx_lost;           /* replies not queued: no mbuf or ctrl_tx full */
	uint64_t handshakes_ok;
	uint64_t handshakes_failed;
	uint64_t retransmits_closed;     /* tx_retransmits of sessions already closed */
	uint64_t dups_closed;            /* rx_dups of sessions already closed */
	struct gw_reneg_stats rk;        /* rekey.c */
};

/* Microseconds on the TSC clock (reliable.h takes any epoch). */
uint64_t gw_sess_now_us(const struct gw *gw);

/*
 * handshake.c: move bytes between key state @p ks's reliable layer and TLS, advance the
 * handshake, handle the plaintext (key method 2, then text messages) and queue TLS output as
 * P_CONTROL_V1. 0, or a negative errno after which the key state must be dropped (its last
 * output, e.g. a TLS alert or AUTH_FAILED, is queued first; gw_rekey_failed() tells whether
 * the session goes with it). -ECONNRESET: the client said EXIT.
 */
int gw_hs_pump(struct gw_server *srv, struct gw_sess *s, struct gw_ks *ks, uint64_t now_us);

/*
 * client_peer.c: give @p s, whose key exchange is done, its data-path peer for certificate
 * name @p cn (client-config-dir file, peer-id, VPN address, table, FIB routes, gw->pinfo
 * slot); sets s->pi. A peer of another session with the same name is removed first (that
 * session closes). 0 (also when s->pi is already set), -EACCES (ccd `disable`), -EINVAL (ccd
 * file error), -EADDRINUSE (its ifconfig-push address is taken), -ENOSPC (no peer-id, address
 * or slot left), or a negative errno from the table or FIB. Control thread.
 */
int gw_client_peer_attach(struct gw_server *srv, struct gw_sess *s, const char *cn);
/* Remove @p pi's peer (NULL-safe; no-op for a free slot): slot freed, FIB routes and table
 * entry deleted (memory after an RCU grace period), peer-id and address free at once;
 * counted (peers_removed) and logged with @p why. session.c calls it as a session closes. */
void gw_client_peer_detach(struct gw_server *srv, struct gw_peer_info *pi, const char *why);

/* rekey.c: renegotiation (file comment there). Control thread. */
/* Set up @p ks as key state @p key_id of @p s: reliable layer, TLS object, key exchange; key_id
 * 0 continues after the cookie exchange, any other queues our P_CONTROL_SOFT_RESET_V1.
 * 0 or a negative errno (nothing left allocated). */
int gw_ks_open(struct gw_server *srv, struct gw_sess *s, struct gw_ks *ks, uint8_t key_id,
	       uint64_t now_us);
/* Free @p ks's TLS session and key sources (its data key stays in its slot); FREE is a no-op. */
void gw_ks_close(struct gw_server *srv, struct gw_ks *ks);
/* The key state control packet @p m (borrowed) belongs to, by key_id; a client's soft reset
 * with the next key_id starts one. NULL with *drop (wrong_key_id) otherwise. */
struct gw_ks *gw_rekey_route(struct gw_server *srv, struct gw_sess *s,
			     const struct ovpn_ctrl_msg *m, uint64_t now_us,
			     enum ovpn_ctrl_drop *drop);
/* @p ks failed with @p err (@p why for the log). A renegotiation is counted, logged and freed,
 * and false returned: the TX key keeps going. True: the session must close (first key, the TX
 * key's own key state, or EXIT). */
bool gw_rekey_failed(struct gw_server *srv, struct gw_sess *s, struct gw_ks *ks, uint64_t now_us,
		     int err, const char *why);
/* The first key (key_id 0) is installed: arm reneg_sec. */
void gw_rekey_first_key(struct gw_server *srv, struct gw_sess *s, uint64_t now_us);
/* When our next soft reset is due for a key that starts at @p now_us; 0 = reneg_sec off. */
uint64_t gw_rekey_next_at(const struct gw_server *srv, uint64_t now_us);
/* Key method 2 of renegotiated @p ks is done: derive its keys, install them in the peer's
 * SECONDARY slot (RX at once; TX after the swap). 0, or -EXDEV (derive or install failed). */
int gw_rekey_keyed(struct gw_server *srv, struct gw_sess *s, struct gw_ks *ks, uint64_t now_us);
/* Timers of one session: swap, hand-window of a renegotiation, lame duck end, our soft
 * resets (reneg_sec, usage limits). */
void gw_rekey_poll(struct gw_server *srv, struct gw_sess *s, uint64_t now_us);
/* Add the GW_RENEG_COUNTERS to @p d. Telemetry thread. */
void gw_rekey_tel(const struct gw_server *srv, struct rte_tel_data *d);

#endif /* FT_APPS_OVPN_GW_SESSION_H */
