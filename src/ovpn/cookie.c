/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stateless session-id cookie of a 2.6 UDP server (contracts and the
 * exchange in cookie.h): HMAC-SHA256 over time slot, client address and
 * client session id, truncated to 8 bytes; verification over slot offsets
 * -2..+1 with the current and the previous secret; the first-packet gate of
 * mudp.c; and the stateless HARD_RESET_SERVER_V2 reply.
 *
 * HMAC contexts are made once per secret and re-initialised with the same
 * key per cookie (EVP_MAC_init with a NULL key, as 2.6's hmac_ctx_reset()),
 * so a flood of resets costs no allocation.
 *
 * References: openvpn-protocol.md §1.2 (who may open a session), §1.4 (sids
 * are non-zero), §2.4 (early negotiation), §2.6 (the cookie), §11 item 6.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "ovpn/cookie.h"

#define HMAC_SHA256_LEN	32

static EVP_MAC_CTX *
hmac_new(const uint8_t *key)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;

	EVP_MAC_free(mac);	/* the context holds its own reference */
	if (ctx && EVP_MAC_init(ctx, key, OVPN_COOKIE_KEY_LEN, params) != 1) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

/* A context for @p key, or for 32 random bytes if @p key is NULL. */
static int
secret_new(const uint8_t *key, EVP_MAC_CTX **out)
{
	uint8_t rnd[OVPN_COOKIE_KEY_LEN];

	if (key == NULL) {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			return -EIO;
		key = rnd;
	}
	*out = hmac_new(key);
	OPENSSL_cleanse(rnd, sizeof(rnd));
	return *out ? 0 : -ENOMEM;
}

int
ovpn_cookie_init(struct ovpn_cookie *c, const uint8_t *key, uint32_t hand_window_s)
{
	memset(c, 0, sizeof(*c));
	if (hand_window_s == 0 || hand_window_s == UINT32_MAX)
		return -EINVAL;
	c->slot_s = (hand_window_s + 1) / 2;
	return secret_new(key, &c->cur);
}

void
ovpn_cookie_fini(struct ovpn_cookie *c)
{
	EVP_MAC_CTX_free(c->cur);
	EVP_MAC_CTX_free(c->prev);
	c->cur = NULL;
	c->prev = NULL;
}

int
ovpn_cookie_rotate(struct ovpn_cookie *c, const uint8_t *key)
{
	EVP_MAC_CTX *next;
	int rc = secret_new(key, &next);

	if (rc != 0)
		return rc;
	EVP_MAC_CTX_free(c->prev);
	c->prev = c->cur;
	c->cur = next;
	return 0;
}

/* Our encoding of the client address: family || IP || port (cookie.h). */
static int
encode_addr(const struct ovpn_cookie_addr *a, uint8_t out[19])
{
	size_t ip_len;

	if (a->family == 4)
		ip_len = 4;
	else if (a->family == 6)
		ip_len = 16;
	else
		return -EINVAL;
	out[0] = a->family;
	memcpy(out + 1, a->ip, ip_len);
	out[1 + ip_len] = (uint8_t)(a->port >> 8);
	out[2 + ip_len] = (uint8_t)a->port;
	return (int)(3 + ip_len);
}

/* calculate_session_id_hmac(): HMAC(slot || addr || client sid)[0..8). */
static int
cookie_at(EVP_MAC_CTX *ctx, const uint8_t *addr, size_t addr_len,
	  const struct ovpn_sid *client_sid, uint32_t slot, struct ovpn_sid *out)
{
	uint8_t slot_be[4] = { (uint8_t)(slot >> 24), (uint8_t)(slot >> 16),
				(uint8_t)(slot >> 8), (uint8_t)slot };
	uint8_t md[HMAC_SHA256_LEN];
	size_t md_len = 0;

	if (EVP_MAC_init(ctx, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(ctx, slot_be, sizeof(slot_be)) != 1 ||
	    EVP_MAC_update(ctx, addr, addr_len) != 1 ||
	    EVP_MAC_update(ctx, client_sid->b, OVPN_SID_LEN) != 1 ||
	    EVP_MAC_final(ctx, md, &md_len, sizeof(md)) != 1 || md_len != sizeof(md))
		return -EIO;
	memcpy(out->b, md, OVPN_SID_LEN);
	/* A session id must be non-zero (§1.4); 2.6 ignores this 2^-64 case. */
	if (!ovpn_sid_is_defined(out))
		out->b[OVPN_SID_LEN - 1] = 1;
	return 0;
}

static uint32_t
slot_of(const struct ovpn_cookie *c, uint64_t now_s, int offset)
{
	/* Modulo 2^32, the same way for making and checking. */
	return (uint32_t)(now_s / c->slot_s) + (uint32_t)offset;
}

int
ovpn_cookie_compute(struct ovpn_cookie *c, const struct ovpn_cookie_addr *from,
		    const struct ovpn_sid *client_sid, uint64_t now_s, struct ovpn_sid *out)
{
	uint8_t addr[19];
	int addr_len = encode_addr(from, addr);

	if (addr_len < 0)
		return addr_len;
	return cookie_at(c->cur, addr, (size_t)addr_len, client_sid, slot_of(c, now_s, 0), out);
}

bool
ovpn_cookie_verify(struct ovpn_cookie *c, const struct ovpn_cookie_addr *from,
		   const struct ovpn_sid *client_sid, const struct ovpn_sid *cookie,
		   uint64_t now_s)
{
	EVP_MAC_CTX *keys[2] = { c->cur, c->prev };
	uint8_t addr[19];
	int addr_len = encode_addr(from, addr);

	if (addr_len < 0)
		return false;
	for (unsigned int k = 0; k < 2 && keys[k] != NULL; k++) {
		for (int off = OVPN_COOKIE_OFFSET_MIN; off <= OVPN_COOKIE_OFFSET_MAX; off++) {
			struct ovpn_sid want;

			if (cookie_at(keys[k], addr, (size_t)addr_len, client_sid,
				      slot_of(c, now_s, off), &want) != 0)
				return false;
			if (CRYPTO_memcmp(want.b, cookie->b, OVPN_SID_LEN) == 0)
				return true;
		}
	}
	return false;
}

/*
 * The client's first packet after our reset: its message 1 (after the reset, message 0), or an
 * ack of our reset (message 0) alone. Anything later echoes a valid cookie too (the cookie
 * stays valid for the hand-window) but belongs to a session we closed, e.g. the ack of the TLS
 * alert that refused a certificate: it must not open a new, half-open session.
 */
static bool
is_first_after_reset(const struct ovpn_ctrl_msg *m)
{
	if (m->opcode != OVPN_P_ACK_V1)
		return m->msg_pid == 1;
	for (uint8_t i = 0; i < m->n_acks; i++)
		if (m->acks[i] != 0)
			return false;
	return true;
}

/* tls_pre_decrypt_lite() and do_pre_decrypt_check(): what may open a session. */
static enum ovpn_ctrl_drop
first_packet_action(const struct ovpn_cookie_input *in, enum ovpn_cookie_action *act)
{
	const struct ovpn_ctrl_msg *m = in->msg;

	switch (m->opcode) {
	case OVPN_P_CONTROL_HARD_RESET_CLIENT_V2:
		*act = OVPN_COOKIE_REPLY;
		break;
	case OVPN_P_CONTROL_HARD_RESET_CLIENT_V3:
		*act = ovpn_ctrl_is_early_neg(in->replay_pid) ? OVPN_COOKIE_REPLY :
								 OVPN_COOKIE_STATEFUL;
		break;
	case OVPN_P_CONTROL_V1:
	case OVPN_P_CONTROL_WKC_V1:
	case OVPN_P_ACK_V1:
		if (!is_first_after_reset(m))
			return OVPN_CTRL_DROP_COOKIE_NOT_FIRST;
		*act = OVPN_COOKIE_ACCEPT;
		break;
	default:
		return OVPN_CTRL_DROP_NEW_SESSION_OPCODE;
	}
	return m->key_id == 0 ? OVPN_CTRL_OK : OVPN_CTRL_DROP_NEW_SESSION_KEY_ID;
}

enum ovpn_ctrl_drop
ovpn_cookie_classify(struct ovpn_cookie *c, const struct ovpn_cookie_input *in,
		     uint64_t now_s, enum ovpn_cookie_action *act)
{
	const struct ovpn_ctrl_msg *m = in->msg;
	enum ovpn_cookie_action a = OVPN_COOKIE_DROP;
	enum ovpn_ctrl_drop r = first_packet_action(in, &a);

	*act = OVPN_COOKIE_DROP;
	if (r != OVPN_CTRL_OK)
		return r;
	if (a == OVPN_COOKIE_ACCEPT) {
		/* §11 item 6: the server sid comes back inside an ack block. */
		if (m->n_acks == 0)
			return OVPN_CTRL_DROP_COOKIE_NO_ACK;
		if (!ovpn_cookie_verify(c, &in->from, &m->sid, &m->ack_sid, now_s))
			return OVPN_CTRL_DROP_COOKIE_BAD;
	}
	*act = a;
	return OVPN_CTRL_OK;
}

int
ovpn_cookie_reply(struct ovpn_cookie *c, const struct ovpn_cookie_input *in, uint64_t now_s,
		  bool resend_wkc, struct ovpn_ctrl_msg *reply)
{
	/* type EARLY_NEG_FLAGS, length 2, value RESEND_WKC (tls_reset_standalone()) */
	static const uint8_t resend_wkc_tlv[] = { 0x00, 0x01, 0x00, 0x02, 0x00, 0x01 };
	const struct ovpn_ctrl_msg *m = in->msg;
	int rc;

	if (!ovpn_ctrl_is_hard_reset(m->opcode) || m->opcode == OVPN_P_CONTROL_HARD_RESET_SERVER_V2)
		return -EINVAL;
	memset(reply, 0, sizeof(*reply));
	rc = ovpn_cookie_compute(c, &in->from, &m->sid, now_s, &reply->sid);
	if (rc != 0)
		return rc;
	reply->opcode = OVPN_P_CONTROL_HARD_RESET_SERVER_V2;
	reply->key_id = 0;
	reply->n_acks = 1;
	reply->acks[0] = 0;	/* the client's reset is always msg-pid 0 */
	reply->ack_sid = m->sid;
	reply->msg_pid = 0;
	if (resend_wkc) {
		reply->payload = resend_wkc_tlv;
		reply->payload_len = sizeof(resend_wkc_tlv);
	}
	return 0;
}
