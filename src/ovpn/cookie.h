/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stateless session-id cookie for the first exchange with a new client, as an
 * OpenVPN 2.6 UDP server does it ("HMAC session id", openvpn-protocol.md
 * §2.6; mudp.c do_pre_decrypt_check(), ssl_pkt.c calculate_session_id_hmac(),
 * check_session_id_hmac(), tls_reset_standalone()):
 *
 *   C->S  HARD_RESET_CLIENT_V2 sid=C msg=0            classify: REPLY
 *   S->C  HARD_RESET_SERVER_V2 sid=S acks=[0] rsid=C msg=0   (ovpn_cookie_reply,
 *         S = HMAC cookie; the server keeps nothing)
 *   C->S  CONTROL_V1 msg=1 or ACK_V1 acks=[0], sid=C rsid=S   classify: ACCEPT
 *         (S must verify for slot offsets -2..+1; a later packet echoing S,
 *         e.g. an ack of the alert that ended a session, is refused as
 *         cookie_not_first) -> create the session:
 *         own sid S, peer sid C, ovpn_reliable_skip_reset(), then feed this
 *         packet to ovpn_reliable_input() as usual.
 *
 * The cookie is the first 8 bytes of HMAC-SHA256(K, slot || client address ||
 * client sid) with slot = now / ((hand_window + 1) / 2), i.e. 30 s slots, as
 * in 2.6. The client only echoes the 8 bytes (§2.6 step 4), so the address
 * encoding is ours: family(1) || IP (4 or 16, network order) || port (2, big
 * endian) instead of 2.6's raw sockaddr. A retransmitted reset in the same
 * slot gets the same answer. Verification accepts a cookie made 2 slots
 * earlier up to 1 slot later: 60..90 s of validity with the default
 * hand-window. Rotation (not in 2.6, which keeps one key per process) keeps
 * the previous key for verification, so rotate at most every 3 slots (90 s)
 * to never refuse a live cookie.
 *
 * Not here: the rate limiter of --connect-freq-initial, the tls-auth /
 * tls-crypt check of these packets (they are unwrapped before classify; with
 * a wrap, the reply goes out with replay-pid OVPN_COOKIE_REPLY_REPLAY_PID and
 * the session continues at OVPN_COOKIE_SESSION_REPLAY_PID), and the session
 * table. Uses OpenSSL's HMAC (control thread only; not thread-safe: one
 * struct ovpn_cookie per thread or a lock around it).
 */
#ifndef FT_OVPN_COOKIE_H
#define FT_OVPN_COOKIE_H

#include <stdbool.h>
#include <stdint.h>

#include "ovpn/ctrl_proto.h"

struct evp_mac_ctx_st;	/* OpenSSL EVP_MAC_CTX */

#define OVPN_COOKIE_KEY_LEN		32	/* 2.6: random SHA256-sized key at startup */
#define OVPN_COOKIE_HAND_WINDOW_S	60	/* --hand-window default */
#define OVPN_COOKIE_OFFSET_MIN		(-2)	/* check_session_id_hmac() */
#define OVPN_COOKIE_OFFSET_MAX		1
#define OVPN_COOKIE_REPLY_REPLAY_PID	1
#define OVPN_COOKIE_SESSION_REPLAY_PID	2

/* A client's transport address. */
struct ovpn_cookie_addr {
	uint8_t family;			/* 4 or 6 */
	uint16_t port;			/* host order */
	uint8_t ip[16];			/* network order; IPv4 uses ip[0..4) */
};

struct ovpn_cookie {
	struct evp_mac_ctx_st *cur;	/* makes cookies, verifies */
	struct evp_mac_ctx_st *prev;	/* verifies only; NULL before the first rotation */
	uint32_t slot_s;		/* (hand_window + 1) / 2 */
};

/*
 * Set up with secret @p key (NULL: 32 random bytes from OpenSSL) and
 * --hand-window @p hand_window_s (>= 1; 60 in 2.6). Returns 0, -EINVAL,
 * -ENOMEM, or -EIO (OpenSSL failure). Control thread, setup time.
 */
int
ovpn_cookie_init(struct ovpn_cookie *c, const uint8_t *key, uint32_t hand_window_s);

void
ovpn_cookie_fini(struct ovpn_cookie *c);

/*
 * Switch to a new secret @p key (NULL: random). Cookies made with the
 * current secret stay valid (until the next rotation); older ones die.
 * Returns 0, -ENOMEM or -EIO; on error nothing changed.
 */
int
ovpn_cookie_rotate(struct ovpn_cookie *c, const uint8_t *key);

/* The cookie (our session id) for @p client_sid from @p from at @p now_s. 0 or -EINVAL / -EIO. */
int
ovpn_cookie_compute(struct ovpn_cookie *c, const struct ovpn_cookie_addr *from,
		    const struct ovpn_sid *client_sid, uint64_t now_s, struct ovpn_sid *out);

/* True if @p cookie is ours for this client at a slot offset -2..+1 from @p now_s. */
bool
ovpn_cookie_verify(struct ovpn_cookie *c, const struct ovpn_cookie_addr *from,
		   const struct ovpn_sid *client_sid, const struct ovpn_sid *cookie,
		   uint64_t now_s);

/* A control packet from an address that has no session yet. */
struct ovpn_cookie_input {
	const struct ovpn_ctrl_msg *msg;	/* parsed (unwrapped) packet */
	uint32_t replay_pid;			/* from the wrap; 0 without wrapping */
	struct ovpn_cookie_addr from;
};

enum ovpn_cookie_action {
	OVPN_COOKIE_DROP = 0,	/* see the returned reason */
	OVPN_COOKIE_REPLY,	/* send ovpn_cookie_reply(), keep no state */
	OVPN_COOKIE_ACCEPT,	/* create the session: own sid = msg->ack_sid */
	OVPN_COOKIE_STATEFUL,	/* V3 reset without early negotiation: 2.6 creates state now */
};

/*
 * Decide what to do with @p in (§1.2, §2.6): only key_id 0 and the opcodes
 * HARD_RESET_CLIENT_V2 / V3, CONTROL_V1, WKC_V1 and ACK_V1 may open a
 * session; a reset gets a stateless reply (V3 only with EARLY_NEG_START in
 * its replay-pid); the others must ack with a remote sid that verifies.
 * Returns OVPN_CTRL_OK with *act set, or the drop reason (*act = DROP).
 */
enum ovpn_ctrl_drop
ovpn_cookie_classify(struct ovpn_cookie *c, const struct ovpn_cookie_input *in,
		     uint64_t now_s, enum ovpn_cookie_action *act);

/*
 * The stateless answer to a reset classified REPLY, into @p reply:
 * HARD_RESET_SERVER_V2 key 0, sid = cookie, acks=[0] rsid = client sid,
 * msg-pid 0, and as payload the EARLY_NEG_FLAGS TLV with RESEND_WKC if
 * @p resend_wkc (tls_reset_standalone()). reply->payload points to static
 * storage. Build it with ovpn_ctrl_build(). Returns 0 or -EINVAL / -EIO.
 */
int
ovpn_cookie_reply(struct ovpn_cookie *c, const struct ovpn_cookie_input *in, uint64_t now_s,
		  bool resend_wkc, struct ovpn_ctrl_msg *reply);

#endif /* FT_OVPN_COOKIE_H */
