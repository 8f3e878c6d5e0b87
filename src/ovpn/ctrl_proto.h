/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OpenVPN 2.6 control-packet wire formats and their parser/builder (ctrl_pkt.c):
 * the session id, the ack block, the message packet id ("msg-pid"), and the
 * places where tls-auth, tls-crypt and tls-crypt-v2 put their fields. The
 * control thread uses this for every packet whose opcode is not P_DATA_V2.
 *
 * The parser is stateless, zero-copy and caller-sized (picohttpparser style):
 * it fills a struct ovpn_ctrl_msg whose payload pointer borrows the packet,
 * and every malformed case has its own drop reason (OVPN_CTRL_DROP_REASONS).
 * Wrapping is split in two steps so that the crypto stays out of this file:
 *
 *   rx: ovpn_ctrl_split()      opcode, key_id, sid, and the wrap fields
 *       [tls-auth:  HMAC over ovpn_ctrl_auth_spans(), replay check]
 *       [tls-crypt: tag check and AES-256-CTR decrypt of wire.body]
 *       ovpn_ctrl_body_parse() ack block, msg-pid, payload
 *   tx: ovpn_ctrl_build()      every byte but the HMAC / tag, and the
 *                              tls-crypt body still in clear text
 *       [tls-auth:  write the HMAC at OVPN_TLS_AUTH_HMAC_OFF]
 *       [tls-crypt: write the tag at OVPN_TLS_CRYPT_TAG_OFF, encrypt in place]
 *
 * Not here: the data-path formats (proto.h), retransmission and acks
 * (reliable.h), the stateless cookie (cookie.h), TLS and the key-method-2
 * message (tls.c / keyex.c), and the HMAC / cipher code for tls-auth and
 * tls-crypt (ctrl_wrap.h, at the hook points above).
 *
 * References (openvpn-protocol.md): §1.2 opcodes, §1.3 layout, §1.4 session
 * ids, §1.5 acks, §1.6 msg-pid and tls-mtu, §2.2 tls-auth, §2.3 tls-crypt,
 * §2.4 tls-crypt-v2 and early negotiation, §2.6 cookie, §7.1 key_id.
 * OpenVPN 2.6: ssl_pkt.[ch], reliable.c (reliable_ack_parse), tls_crypt.h.
 */
#ifndef FT_OVPN_CTRL_PROTO_H
#define FT_OVPN_CTRL_PROTO_H

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ovpn/proto.h"

/*
 * Control packet without wrapping (§1.3; write_control_auth(),
 * reliable_ack_write()). All integers big-endian.
 *
 *   off   size  field
 *   0     1     opcode << 3 | key_id
 *   1     8     own session id (the sender's)
 *   9     1     ack count n (0..8)
 *   10    4n    acked msg-pids of the receiver's packets (not cumulative)
 *   ..    8     remote session id (the receiver's) -- only if n > 0
 *   ..    4     msg-pid of this packet             -- not in P_ACK_V1
 *   ..    var   payload: TLS ciphertext (P_CONTROL_V1, WKC_V1), empty or
 *               early-negotiation TLVs (resets), nothing (P_ACK_V1)
 *
 * Example (§1.3 [LAB]): the 2.6.14 client's first packet is 14 bytes,
 * 38 | sid(8) | 00 | 00000000, and the server's reply 26 bytes,
 * 40 | sid(8) | 01 | 00000000 | client-sid(8) | 00000000.
 * Everything from the ack count on is the "body": the part that tls-crypt
 * encrypts.
 */
#define OVPN_SID_LEN		8
#define OVPN_CTRL_SID_OFF	1
#define OVPN_CTRL_HDR_LEN	9	/* opcode/key_id + own sid */
#define OVPN_MSG_PID_LEN	4
#define OVPN_CTRL_ACKS_MAX	8	/* RELIABLE_ACK_SIZE: most acks in one packet */
#define OVPN_CTRL_SEND_ACK_MAX	4	/* CONTROL_SEND_ACK_MAX: acks riding on P_CONTROL_* */
/* Largest payload kept per packet: 2.6 cuts TLS bytes into packets of at most
 * min(TLS_CHANNEL_BUF_SIZE = 2048, tls-mtu) bytes (§1.6, §3.1). */
#define OVPN_CTRL_PAYLOAD_MAX	2048

/* Size of an ack block with @p n entries (ACK_SIZE() in reliable.h). */
#define OVPN_CTRL_ACK_BLOCK_LEN(n) \
	(1u + 4u * (unsigned int)(n) + ((n) > 0 ? (unsigned int)OVPN_SID_LEN : 0u))

/*
 * tls-auth (§2.2; swap_hmac()): H = HMAC length of --auth (20 for SHA1).
 *
 *   0   1   opcode|key_id
 *   1   8   own sid
 *   9   H   HMAC
 *   9+H 4   replay-pid  (starts at 1, +1 per transmission, retransmits too)
 *   13+H 4  replay-time (unix seconds, fixed when the counter starts)
 *   17+H .. body exactly as above
 *
 * HMAC input = replay-pid || replay-time || opcode|key_id || sid || body,
 * i.e. the packet with the replay fields moved to the front and the HMAC
 * left out: see ovpn_ctrl_auth_spans().
 */
#define OVPN_TLS_AUTH_HMAC_OFF		OVPN_CTRL_HDR_LEN
#define OVPN_TLS_AUTH_HMAC_MIN		16	/* MD5; 2.6 default SHA1 = 20 */
#define OVPN_TLS_AUTH_HMAC_MAX		64	/* SHA512 */
#define OVPN_CTRL_REPLAY_LEN		8	/* replay-pid + replay-time */

/*
 * tls-crypt (§2.3; tls_crypt.h TLS_CRYPT_OFF_*):
 *
 *   0   1   opcode|key_id
 *   1   8   own sid
 *   9   4   replay-pid
 *   13  4   replay-time
 *   17  32  tag = HMAC-SHA256(Ka, bytes[0..17) || clear body)
 *   49  ..  AES-256-CTR(Ke, IV = tag[0..16), clear body)
 *
 * tls-crypt-v2 (§2.4): on P_CONTROL_HARD_RESET_CLIENT_V3 and
 * P_CONTROL_WKC_V1 the wrapped client key WKc follows the tls-crypt packet;
 * WKc's last two bytes are its own total length.
 */
#define OVPN_TLS_CRYPT_PID_OFF		9
#define OVPN_TLS_CRYPT_TAG_OFF		17
#define OVPN_TLS_CRYPT_TAG_LEN		32
#define OVPN_TLS_CRYPT_BODY_OFF		49
#define OVPN_TLS_CRYPT_AD_LEN		OVPN_TLS_CRYPT_TAG_OFF	/* header under the tag */
#define OVPN_TLS_CRYPT_OVERHEAD		(OVPN_CTRL_REPLAY_LEN + OVPN_TLS_CRYPT_TAG_LEN)
#define OVPN_WKC_LEN_MIN		290	/* tag 32 + Kc 256 + length 2 (tls_crypt.h) */
#define OVPN_WKC_LEN_MAX		1024	/* TLS_CRYPT_V2_MAX_WKC_LEN */

static_assert(OVPN_TLS_CRYPT_BODY_OFF ==
	      OVPN_CTRL_HDR_LEN + OVPN_CTRL_REPLAY_LEN + OVPN_TLS_CRYPT_TAG_LEN,
	      "tls-crypt body follows header, replay fields and tag");

/*
 * Early negotiation (§2.4; ssl_pkt.h): a V3 reset whose replay-pid has the top
 * byte 0x0f announces it; the server then answers statelessly and may put a
 * flags TLV (type 1, length 2) into its HARD_RESET_SERVER_V2 payload.
 */
#define OVPN_EARLY_NEG_MASK		0xff000000u
#define OVPN_EARLY_NEG_START		0x0f000000u
#define OVPN_TLV_EARLY_NEG_FLAGS	0x0001
#define OVPN_EARLY_NEG_FLAG_RESEND_WKC	0x0001
#define OVPN_TLV_HDR_LEN		4	/* type(2) + length(2) */

static inline bool
ovpn_ctrl_is_early_neg(uint32_t replay_pid)
{
	return (replay_pid & OVPN_EARLY_NEG_MASK) == OVPN_EARLY_NEG_START;
}

/* X(enum suffix, counter name, description): why a control packet was dropped. */
#define OVPN_CTRL_DROP_REASONS(X) \
	X(TOO_SHORT, "too_short", "shorter than opcode + session id (9 bytes)") \
	X(NOT_CONTROL, "not_control", "opcode is not a control opcode (0, 6, 9, 12..31)") \
	X(OBSOLETE_OPCODE, "obsolete_opcode", "key-method 1 reset (opcode 1 or 2)") \
	X(BAD_KEY_ID, "bad_key_id", "hard reset with key_id != 0, or soft reset with 0") \
	X(ZERO_SID, "zero_sid", "sender session id is all zero") \
	X(WKC_UNEXPECTED, "wkc_unexpected", "HARD_RESET_CLIENT_V3 / WKC_V1 without tls-crypt-v2") \
	X(WKC_BAD_LEN, "wkc_bad_len", "wrapped client key length outside 290..1024 or packet") \
	X(WRAP_SHORT, "wrap_short", "too short for the tls-auth / tls-crypt header") \
	X(ACK_SHORT, "ack_short", "ack block truncated (count, ids or remote session id)") \
	X(ACK_TOO_MANY, "ack_too_many", "more than 8 acks in one packet") \
	X(ACK_ZERO_SID, "ack_zero_sid", "ack block with an all-zero remote session id") \
	X(ACK_EMPTY, "ack_empty", "P_ACK_V1 without acks") \
	X(ACK_TRAILING, "ack_trailing", "bytes after the ack block of a P_ACK_V1") \
	X(MSG_PID_SHORT, "msg_pid_short", "message packet id truncated") \
	X(EMPTY_PAYLOAD, "empty_payload", "P_CONTROL_V1 / WKC_V1 without payload") \
	X(TOO_BIG, "too_big", "payload larger than a control buffer (2048 bytes)") \
	X(BAD_TLV, "bad_tlv", "malformed early-negotiation TLV in a reset payload") \
	X(WRONG_SID, "wrong_sid", "sender session id is not this key state's peer") \
	X(WRONG_KEY_ID, "wrong_key_id", "key_id is not this key state's (out of sync)") \
	X(ACK_WRONG_SID, "ack_wrong_sid", "ack block's remote session id is not ours") \
	X(BEYOND_WINDOW, "beyond_window", "msg-pid at or past next expected + 12") \
	X(DUPLICATE, "duplicate", "msg-pid already received (acked again, payload dropped)") \
	X(NEW_SESSION_OPCODE, "new_session_opcode", "opcode cannot open a session") \
	X(NEW_SESSION_KEY_ID, "new_session_key_id", "session-opening packet with key_id != 0") \
	X(COOKIE_NO_ACK, "cookie_no_ack", "first packet after the reset carries no ack") \
	X(COOKIE_BAD, "cookie_bad", "echoed server session id is not a live cookie") \
	X(COOKIE_NOT_FIRST, "cookie_not_first", \
	  "valid cookie, but not the client's first packet after its reset (closed session)") \
	X(WRAP_BAD_HMAC, "wrap_bad_hmac", "tls-auth HMAC does not verify (key, direction, hash)") \
	X(WRAP_BAD_TAG, "wrap_bad_tag", "tls-crypt tag does not verify (wrong key or tampered)") \
	X(WRAP_CRYPTO, "wrap_crypto", "OpenSSL failed while unwrapping (HMAC or AES-256-CTR)") \
	X(REPLAY_ZERO, "replay_zero", "tls-auth / tls-crypt replay-pid 0 (never sent)") \
	X(REPLAY_TIME_BACK, "replay_time_back", "replay-time older than the peer's current one") \
	X(REPLAY_OLD, "replay_old", "replay-pid 64 or more below the highest received") \
	X(REPLAY_DUP, "replay_dup", "replay-pid already received (a replayed packet)") \
	X(REPLAY_SKEW, "replay_skew", "first packet's replay-time too far from our clock")

/* OVPN_CTRL_OK (0) is "accepted"; every other value is a drop reason. */
enum ovpn_ctrl_drop {
	OVPN_CTRL_OK = 0,
#define OVPN_X_ENUM(e, n, d) OVPN_CTRL_DROP_##e,
	OVPN_CTRL_DROP_REASONS(OVPN_X_ENUM)
#undef OVPN_X_ENUM
	OVPN_CTRL_DROP_MAX
};

/* Counter name ("ack_short", "ok" for OVPN_CTRL_OK) and description; "?" if out of range. */
const char *
ovpn_ctrl_drop_name(enum ovpn_ctrl_drop r);
const char *
ovpn_ctrl_drop_desc(enum ovpn_ctrl_drop r);

/* A session id: 8 opaque bytes, never all zero on the wire (§1.4). */
struct ovpn_sid {
	uint8_t b[OVPN_SID_LEN];
};

static_assert(sizeof(struct ovpn_sid) == OVPN_SID_LEN, "session id is 8 bytes");

static inline bool
ovpn_sid_equal(const struct ovpn_sid *a, const struct ovpn_sid *b)
{
	return memcmp(a->b, b->b, OVPN_SID_LEN) == 0;
}

/* session_id_defined(): false for all zero. */
static inline bool
ovpn_sid_is_defined(const struct ovpn_sid *s)
{
	static const struct ovpn_sid zero;

	return !ovpn_sid_equal(s, &zero);
}

/* Control opcodes that carry a msg-pid (all but P_ACK_V1). */
static inline bool
ovpn_ctrl_has_msg_pid(uint8_t opcode)
{
	return opcode != OVPN_P_ACK_V1;
}

static inline bool
ovpn_ctrl_is_hard_reset(uint8_t opcode)
{
	return opcode == OVPN_P_CONTROL_HARD_RESET_CLIENT_V2 ||
	       opcode == OVPN_P_CONTROL_HARD_RESET_SERVER_V2 ||
	       opcode == OVPN_P_CONTROL_HARD_RESET_CLIENT_V3;
}

/* Opcodes whose payload is TLS ciphertext (the byte stream of reliable.h). */
static inline bool
ovpn_ctrl_carries_tls(uint8_t opcode)
{
	return opcode == OVPN_P_CONTROL_V1 || opcode == OVPN_P_CONTROL_WKC_V1;
}

/* Opcodes followed by a tls-crypt-v2 WKc (§2.4). */
static inline bool
ovpn_ctrl_has_wkc(uint8_t opcode)
{
	return opcode == OVPN_P_CONTROL_HARD_RESET_CLIENT_V3 ||
	       opcode == OVPN_P_CONTROL_WKC_V1;
}

/*
 * One control message, the unit the reliability layer reads and writes.
 * Parsing fills it with a payload pointer borrowed from the packet buffer;
 * building reads it. Fields after n_acks are meaningful as noted.
 */
struct ovpn_ctrl_msg {
	uint8_t opcode;			/* enum ovpn_opcode, a control one */
	uint8_t key_id;
	uint8_t n_acks;			/* 0..OVPN_CTRL_ACKS_MAX */
	struct ovpn_sid sid;		/* the sender's own session id */
	struct ovpn_sid ack_sid;	/* the receiver's session id; iff n_acks > 0 */
	uint32_t acks[OVPN_CTRL_ACKS_MAX];
	uint32_t msg_pid;		/* iff ovpn_ctrl_has_msg_pid(opcode) */
	uint16_t payload_len;
	const uint8_t *payload;		/* borrowed; NULL when payload_len == 0 */
};

/* Control-channel wrap mode, fixed by configuration on both ends (§2). */
enum ovpn_ctrl_wrap_mode {
	OVPN_CTRL_WRAP_NONE = 0,
	OVPN_CTRL_WRAP_AUTH,		/* --tls-auth: HMAC, clear body */
	OVPN_CTRL_WRAP_CRYPT,		/* --tls-crypt */
	OVPN_CTRL_WRAP_CRYPT_V2,	/* --tls-crypt-v2: tls-crypt + WKc on V3 / WKC_V1 */
};

struct ovpn_ctrl_wrap {
	enum ovpn_ctrl_wrap_mode mode;
	uint8_t hmac_len;		/* tls-auth only: 16..64 (SHA1 = 20) */
};

/*
 * Wrap fields of one packet. Split fills it (pointers borrow the packet);
 * build reads the replay fields and the WKc from it. body is the ack block
 * onwards: clear text with no wrapping and tls-auth, ciphertext with
 * tls-crypt (decrypt it, then ovpn_ctrl_body_parse() the clear text).
 */
struct ovpn_ctrl_wire {
	uint32_t replay_pid;		/* tls-auth, tls-crypt */
	uint32_t replay_time;
	const uint8_t *mac;		/* tls-auth HMAC or tls-crypt tag */
	uint8_t mac_len;
	uint16_t wkc_len;		/* tls-crypt-v2 on V3 / WKC_V1, else 0 */
	const uint8_t *wkc;
	const uint8_t *body;
	uint16_t body_len;
};

/* One contiguous piece of a MAC input. */
struct ovpn_ctrl_span {
	const uint8_t *p;
	size_t len;
};

/* Bytes a packet needs on the wire before the body, for @p w. */
size_t
ovpn_ctrl_wrap_overhead(const struct ovpn_ctrl_wrap *w);

/* 0, or -EINVAL for an unknown mode or a tls-auth HMAC length outside 16..64. */
int
ovpn_ctrl_wrap_check(const struct ovpn_ctrl_wrap *w);

/*
 * First step of parsing: validate the opcode (a control one, not key-method 1),
 * the key_id rule for resets (§7.1), the sender's sid (non-zero) and the
 * lengths of the wrap fields; fill m->opcode, m->key_id, m->sid and @p wire.
 * A packet with WKc must be in CRYPT_V2 mode. Returns OVPN_CTRL_OK or the
 * drop reason. Borrows @p pkt. Any thread.
 */
enum ovpn_ctrl_drop
ovpn_ctrl_split(const uint8_t *pkt, size_t len, const struct ovpn_ctrl_wrap *w,
		struct ovpn_ctrl_msg *m, struct ovpn_ctrl_wire *wire);

/*
 * Second step: parse the clear body (ack block, msg-pid, payload) into @p m,
 * whose opcode was set by ovpn_ctrl_split(). Strict: a P_ACK_V1 has at least
 * one ack and nothing after the block, a P_CONTROL_V1 / WKC_V1 a non-empty
 * payload, the remote sid of a non-empty ack block is non-zero, and the
 * payload fits OVPN_CTRL_PAYLOAD_MAX. m->payload borrows @p body.
 */
enum ovpn_ctrl_drop
ovpn_ctrl_body_parse(const uint8_t *body, size_t len, struct ovpn_ctrl_msg *m);

/* Both steps for an unwrapped packet (the lab configuration, §2.1). */
enum ovpn_ctrl_drop
ovpn_ctrl_parse(const uint8_t *pkt, size_t len, struct ovpn_ctrl_msg *m);

/*
 * tls-auth HMAC input of a packet already accepted by ovpn_ctrl_split() in
 * AUTH mode, as three spans into @p pkt: replay fields, opcode + sid, body.
 * Feed them to the HMAC in order, then compare with wire.mac in constant
 * time. Also valid on a packet from ovpn_ctrl_build() (HMAC field not yet
 * written). Returns 0, or -EINVAL if @p len is too short.
 */
int
ovpn_ctrl_auth_spans(const uint8_t *pkt, size_t len, uint8_t hmac_len,
		     struct ovpn_ctrl_span spans[3]);

/* Length of @p m's clear body (ack block + msg-pid + payload). */
size_t
ovpn_ctrl_body_len(const struct ovpn_ctrl_msg *m);

/*
 * Build @p m into @p buf (capacity @p cap) in wrap mode @p w; returns the
 * packet length, -EINVAL for a message that ovpn_ctrl_parse() would reject
 * (bad opcode or key_id, too many acks, zero sid, a P_ACK_V1 without acks),
 * or -ENOSPC. @p wire supplies replay_pid / replay_time (AUTH, CRYPT*) and
 * the WKc (CRYPT_V2 with V3 / WKC_V1); NULL is allowed in NONE mode. The
 * HMAC or tag field is zero-filled and, with tls-crypt, the body is left in
 * clear text at OVPN_TLS_CRYPT_BODY_OFF: the caller's wrap step finishes it.
 */
int
ovpn_ctrl_build(uint8_t *buf, size_t cap, const struct ovpn_ctrl_wrap *w,
		const struct ovpn_ctrl_msg *m, const struct ovpn_ctrl_wire *wire);

/*
 * Early-negotiation TLVs of a reset payload (§2.4; parse_early_negotiation_tlvs()):
 * type(2) length(2) value, repeated; unknown types are skipped, the flags TLV
 * must have length 2. *flags gets the EARLY_NEG_FLAGS value (0 if absent).
 */
enum ovpn_ctrl_drop
ovpn_ctrl_tlv_parse(const uint8_t *p, size_t len, uint16_t *flags);

/* Write the 6-byte flags TLV; returns its length or -ENOSPC. */
int
ovpn_ctrl_tlv_build_flags(uint8_t *buf, size_t cap, uint16_t flags);

#endif /* FT_OVPN_CTRL_PROTO_H */
