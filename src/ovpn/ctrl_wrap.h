/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tls-auth and tls-crypt (v1): the crypto of the control-channel wrap whose field layout
 * ctrl_proto.h defines (openvpn-protocol.md §2.2, §2.3; OpenVPN 2.6 ssl_pkt.c swap_hmac(),
 * crypto.c openvpn_encrypt_v1() / openvpn_decrypt_v1() without a cipher, tls_crypt.c
 * tls_crypt_wrap() / tls_crypt_unwrap(), packet_id.c packet_id_test() in long form).
 *
 * Two objects, split by lifetime:
 *
 *   struct ovpn_ctrl_wrap_keys   one per server: the mode, the HMAC and cipher contexts for
 *                                each direction, made once from the 256-byte static key file
 *                                ("openvpn --genkey secret") and then only re-initialised.
 *   struct ovpn_ctrl_wrap_state  one per session: the replay-pid / replay-time we send with,
 *                                and the receive window for the peer's (64 ids, as 2.6's
 *                                default --replay-window, in 2.6's "time backtrack" mode).
 *
 *   rx: ovpn_ctrl_unwrap()            split, HMAC / tag check in constant time, tls-crypt
 *                                     decrypt, body parse: the packet is authentic
 *       ovpn_ctrl_wrap_replay_update()  live session: the replay verdict, recorded
 *       ovpn_ctrl_wrap_is_fresh()         no session yet (stateless cookie exchange): only
 *                                         the replay-time against our clock (2.6 checks
 *                                         nothing here; see OVPN_CTRL_WRAP_SKEW_S)
 *   tx: ovpn_ctrl_wrap_build()        ovpn_ctrl_build() + the next replay-pid + HMAC or
 *                                     tag and encryption in place
 *
 * Key directions (crypto.c key_direction_state_init()): the file is struct key2, two
 * {cipher[64], hmac[64]} halves. NORMAL ("0", what servers use) sends with half 0 and
 * receives with half 1, INVERSE ("1", clients) the other way round, BIDI (no direction)
 * uses half 0 both ways. tls-auth uses the first H bytes of .hmac (H = digest size, SHA1 by
 * default in 2.6); tls-crypt always uses the server side NORMAL, the client INVERSE, with
 * AES-256-CTR over the first 32 bytes of .cipher and HMAC-SHA256 over the first 32 of .hmac.
 *
 * Not here: tls-crypt-v2 (WKc), dynamic tls-crypt for renegotiations (§2.5: the gateway does
 * not push dyn-tls-crypt, so renegotiations keep the configured wrap), the cookie (cookie.h).
 * Control thread only: the contexts are re-initialised per packet (not thread-safe).
 */
#ifndef FT_OVPN_CTRL_WRAP_H
#define FT_OVPN_CTRL_WRAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ovpn/ctrl_proto.h"

struct evp_mac_ctx_st;		/* OpenSSL EVP_MAC_CTX */
struct evp_cipher_ctx_st;	/* OpenSSL EVP_CIPHER_CTX */

#define OVPN_STATIC_KEY_LEN		256	/* struct key2: 2 x {cipher[64], hmac[64]} */
#define OVPN_STATIC_KEY_HALF		128
#define OVPN_STATIC_KEY_HMAC_OFF	64	/* .hmac within a half */
#define OVPN_TLS_CRYPT_KEY_LEN		32	/* AES-256 and HMAC-SHA256 key bytes */
#define OVPN_CTRL_REPLAY_WINDOW		64	/* 2.6 --replay-window default */

/*
 * Largest replay-time distance from our clock that the first packet of a client (before any
 * session exists) may have. 2.6 checks none: a client's replay-time is its wall clock when
 * its TLS session started, so this also bounds how wrong a client's clock may be. Five
 * minutes (Kerberos' usual skew) stops replays of old captured resets from making us send
 * cookie replies to their original source; replays of the session-opening packet are
 * already bounded by the cookie's 60..90 s lifetime (cookie.h).
 */
#define OVPN_CTRL_WRAP_SKEW_S		300

/* --tls-auth key-direction, or the implied direction of --tls-crypt (§2.2, §2.3). */
enum ovpn_key_dir {
	OVPN_KEY_DIR_NORMAL = 0,	/* "0": send with half 0, receive with half 1 (server) */
	OVPN_KEY_DIR_INVERSE = 1,	/* "1": send with half 1, receive with half 0 (client) */
	OVPN_KEY_DIR_BIDI,		/* no direction: half 0 both ways */
};

struct ovpn_ctrl_wrap_conf {
	enum ovpn_ctrl_wrap_mode mode;	/* NONE, AUTH or CRYPT (CRYPT_V2: -ENOTSUP) */
	const uint8_t *key;		/* OVPN_STATIC_KEY_LEN bytes; unused with NONE */
	enum ovpn_key_dir dir;		/* AUTH: as configured; CRYPT: NORMAL = server side */
	const char *digest;		/* AUTH: OpenSSL digest name ("SHA1", "SHA256"); NULL =
					 * "SHA1", 2.6's --auth default */
	uint32_t skew_s;		/* ovpn_ctrl_wrap_is_fresh(); 0 = no time check */
};

/* Fill @p c with NONE, no key, NORMAL, SHA1 and OVPN_CTRL_WRAP_SKEW_S. */
void
ovpn_ctrl_wrap_conf_init(struct ovpn_ctrl_wrap_conf *c);

struct ovpn_ctrl_wrap_keys {
	struct ovpn_ctrl_wrap w;		/* mode and HMAC length, for ctrl_proto.h */
	struct evp_mac_ctx_st *mac_tx;		/* tls-auth HMAC / tls-crypt Ka, sending */
	struct evp_mac_ctx_st *mac_rx;		/* ... receiving */
	struct evp_cipher_ctx_st *enc;		/* tls-crypt Ke, sending (AES-256-CTR) */
	struct evp_cipher_ctx_st *dec;		/* tls-crypt Ke, receiving */
	uint32_t skew_s;
};

/*
 * Set up @p k for @p c: contexts keyed from the right halves of c->key. NONE needs no key
 * and makes no context. Returns 0; -EINVAL (unknown mode or direction, NULL key, unknown
 * digest or one shorter than 16 or longer than 64 bytes), -ENOTSUP (CRYPT_V2), -ENOMEM or
 * -EIO (OpenSSL). On error @p k holds nothing to free. Control thread, setup time.
 */
int
ovpn_ctrl_wrap_keys_init(struct ovpn_ctrl_wrap_keys *k, const struct ovpn_ctrl_wrap_conf *c);

/* Free the contexts (they wipe their keys). Safe on a zeroed or failed @p k. */
void
ovpn_ctrl_wrap_keys_fini(struct ovpn_ctrl_wrap_keys *k);

/* Per session (or per stateless reply) replay state, both directions. */
struct ovpn_ctrl_wrap_state {
	uint32_t tx_pid;	/* next replay-pid to send; 0 = exhausted */
	uint32_t tx_time;	/* our replay-time: unix seconds when the state began */
	uint32_t rx_time;	/* the peer's replay-time; 0 = nothing received yet */
	uint32_t rx_top;	/* highest replay-pid received at rx_time */
	uint64_t rx_seen;	/* bit i: rx_top - i received */
};

/*
 * Start sending at replay-pid @p first_tx_pid (1 for a new sender; the stateless cookie
 * reply uses OVPN_COOKIE_REPLY_REPLAY_PID and the session then continues at
 * OVPN_COOKIE_SESSION_REPLAY_PID) with replay-time @p now_unix; nothing received yet.
 */
void
ovpn_ctrl_wrap_state_init(struct ovpn_ctrl_wrap_state *st, uint32_t first_tx_pid,
			  uint32_t now_unix);

/*
 * Parse and authenticate @p pkt (@p len bytes) for @p k's mode: ovpn_ctrl_split(), the
 * HMAC (tls-auth) or tag (tls-crypt, after decrypting the body into @p clear, @p clear_cap
 * bytes) compared in constant time, then ovpn_ctrl_body_parse(). Fills @p m (its payload
 * borrows @p pkt, or @p clear with tls-crypt) and @p wire (replay fields). NONE mode is
 * ovpn_ctrl_parse(). The replay verdict is separate (ovpn_ctrl_wrap_replay_update() or
 * ovpn_ctrl_wrap_is_fresh()). Returns OVPN_CTRL_OK or the drop reason: the split's, then
 * WRAP_BAD_HMAC / WRAP_BAD_TAG, WRAP_CRYPTO (OpenSSL failed), TOO_BIG (clear_cap), then the
 * body's. Borrows everything. Control thread.
 */
enum ovpn_ctrl_drop
ovpn_ctrl_unwrap(const struct ovpn_ctrl_wrap_keys *k, const uint8_t *pkt, size_t len,
		 uint8_t *clear, size_t clear_cap, struct ovpn_ctrl_msg *m,
		 struct ovpn_ctrl_wire *wire);

/*
 * The replay check of an authenticated packet of a live session (packet_id_test() in
 * time-backtrack mode): replay-pid 0 never; a newer replay-time restarts the window (the
 * peer's sender restarted); an older one is refused; at the same time, a pid above the top
 * is new, one 64 or more below it too old, one already seen a duplicate. Records the pid
 * when accepted. OVPN_CTRL_OK (always in NONE mode), REPLAY_ZERO, REPLAY_TIME_BACK,
 * REPLAY_OLD or REPLAY_DUP.
 */
enum ovpn_ctrl_drop
ovpn_ctrl_wrap_replay_update(const struct ovpn_ctrl_wrap_keys *k,
			     struct ovpn_ctrl_wrap_state *st, const struct ovpn_ctrl_wire *wire);

/*
 * The check of an authenticated packet that has no session (yet): replay-pid non-zero and
 * replay-time within k->skew_s of @p now_unix. OVPN_CTRL_OK (always in NONE mode),
 * REPLAY_ZERO or REPLAY_SKEW. Records nothing.
 */
enum ovpn_ctrl_drop
ovpn_ctrl_wrap_is_fresh(const struct ovpn_ctrl_wrap_keys *k, const struct ovpn_ctrl_wire *wire,
			uint32_t now_unix);

/*
 * Build @p m into @p buf (@p cap bytes) wrapped for @p k with @p st's next replay-pid and
 * its replay-time: ovpn_ctrl_build(), then the HMAC (tls-auth) or the tag and AES-256-CTR
 * encryption of the body in place (tls-crypt). Every call uses a new replay-pid, also for a
 * retransmission (2.6 does the same). Returns the length; -EINVAL (see ovpn_ctrl_build()),
 * -ENOSPC, -ERANGE (replay-pids exhausted: the session must end) or -EIO (OpenSSL).
 * @p st may be NULL in NONE mode. Control thread.
 */
int
ovpn_ctrl_wrap_build(const struct ovpn_ctrl_wrap_keys *k, struct ovpn_ctrl_wrap_state *st,
		     const struct ovpn_ctrl_msg *m, uint8_t *buf, size_t cap);

#endif /* FT_OVPN_CTRL_WRAP_H */
