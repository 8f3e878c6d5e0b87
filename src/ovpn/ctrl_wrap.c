/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tls-auth and tls-crypt v1 for the control channel (contracts in ctrl_wrap.h): keys from
 * the static key file's halves, HMAC and AES-256-CTR through OpenSSL 3's EVP_MAC and
 * EVP_CIPHER, the constant-time comparison (CRYPTO_memcmp), and the 64-id replay window in
 * 2.6's time-backtrack form. Field offsets come from ctrl_proto.h; this file only adds the
 * crypto over them.
 *
 *   tls-auth   HMAC(pid || time || op|kid || sid || body) at offset 9          (§2.2)
 *   tls-crypt  tag = HMAC-SHA256(Ka, op|kid || sid || pid || time || body)      (§2.3)
 *              ct  = AES-256-CTR(Ke, IV = tag[0..16), body)
 *
 * Contexts are keyed once and re-initialised per packet with a NULL key (EVP_MAC_init and
 * EVP_CipherInit_ex keep the key), as 2.6's hmac_ctx_reset() / cipher_ctx_reset() do: no
 * allocation per packet.
 *
 * Not here: the field layout and parsing (ctrl_pkt.c), tls-crypt-v2, dynamic tls-crypt.
 * References: openvpn-protocol.md §2.2, §2.3; OpenVPN 2.6 crypto.c (key_direction_state_init,
 * openvpn_decrypt_v1), tls_crypt.c, packet_id.c (packet_id_test, packet_id_add).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "ovpn/ctrl_wrap.h"

#define TLS_CRYPT_IV_LEN 16

void
ovpn_ctrl_wrap_conf_init(struct ovpn_ctrl_wrap_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = OVPN_CTRL_WRAP_NONE;
	c->dir = OVPN_KEY_DIR_NORMAL;
	c->digest = "SHA1";
	c->skew_s = OVPN_CTRL_WRAP_SKEW_S;
}

/* Halves of key2 used to send and to receive (key_direction_state_init()). */
static int
key_halves(enum ovpn_key_dir dir, unsigned int *out, unsigned int *in)
{
	switch (dir) {
	case OVPN_KEY_DIR_NORMAL:
		*out = 0;
		*in = 1;
		return 0;
	case OVPN_KEY_DIR_INVERSE:
		*out = 1;
		*in = 0;
		return 0;
	case OVPN_KEY_DIR_BIDI:
		*out = 0;
		*in = 0;
		return 0;
	default:
		return -EINVAL;
	}
}

/* An HMAC context keyed with @p key_len bytes of @p key, digest @p digest. */
static int
hmac_new(const char *digest, const uint8_t *key, size_t key_len, EVP_MAC_CTX **out)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;

	EVP_MAC_free(mac);	/* the context holds its own reference */
	if (ctx == NULL)
		return -ENOMEM;
	if (EVP_MAC_init(ctx, key, key_len, params) != 1) {
		EVP_MAC_CTX_free(ctx);
		return -EIO;
	}
	*out = ctx;
	return 0;
}

/* An AES-256-CTR context keyed with @p key, for encryption (CTR is symmetric anyway). */
static int
ctr_new(const uint8_t *key, EVP_CIPHER_CTX **out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

	if (ctx == NULL)
		return -ENOMEM;
	if (EVP_EncryptInit_ex2(ctx, EVP_aes_256_ctr(), key, NULL, NULL) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return -EIO;
	}
	*out = ctx;
	return 0;
}

/* tls-auth: the digest's size is the HMAC length on the wire (2.6: all of it). */
static int
auth_keys_init(struct ovpn_ctrl_wrap_keys *k, const struct ovpn_ctrl_wrap_conf *c,
	       const uint8_t *tx, const uint8_t *rx)
{
	const char *digest = c->digest != NULL ? c->digest : "SHA1";
	EVP_MD *md = EVP_MD_fetch(NULL, digest, NULL);
	int size = md != NULL ? EVP_MD_get_size(md) : -1;
	int rc;

	EVP_MD_free(md);
	if (size < OVPN_TLS_AUTH_HMAC_MIN || size > OVPN_TLS_AUTH_HMAC_MAX)
		return -EINVAL;
	k->w.hmac_len = (uint8_t)size;
	rc = hmac_new(digest, tx + OVPN_STATIC_KEY_HMAC_OFF, (size_t)size, &k->mac_tx);
	if (rc == 0)
		rc = hmac_new(digest, rx + OVPN_STATIC_KEY_HMAC_OFF, (size_t)size, &k->mac_rx);
	return rc;
}

/* tls-crypt: Ke = cipher[0..32), Ka = hmac[0..32) of each direction's half (§2.3). */
static int
crypt_keys_init(struct ovpn_ctrl_wrap_keys *k, const uint8_t *tx, const uint8_t *rx)
{
	int rc = hmac_new("SHA256", tx + OVPN_STATIC_KEY_HMAC_OFF, OVPN_TLS_CRYPT_KEY_LEN,
			  &k->mac_tx);

	if (rc == 0)
		rc = hmac_new("SHA256", rx + OVPN_STATIC_KEY_HMAC_OFF, OVPN_TLS_CRYPT_KEY_LEN,
			      &k->mac_rx);
	if (rc == 0)
		rc = ctr_new(tx, &k->enc);
	if (rc == 0)
		rc = ctr_new(rx, &k->dec);
	return rc;
}

int
ovpn_ctrl_wrap_keys_init(struct ovpn_ctrl_wrap_keys *k, const struct ovpn_ctrl_wrap_conf *c)
{
	unsigned int out, in;
	int rc;

	memset(k, 0, sizeof(*k));
	k->w.mode = c->mode;
	k->skew_s = c->skew_s;
	if (c->mode == OVPN_CTRL_WRAP_NONE)
		return 0;
	if (c->mode == OVPN_CTRL_WRAP_CRYPT_V2)
		return -ENOTSUP;
	if ((c->mode != OVPN_CTRL_WRAP_AUTH && c->mode != OVPN_CTRL_WRAP_CRYPT) || c->key == NULL ||
	    key_halves(c->dir, &out, &in) < 0)
		return -EINVAL;
	if (c->mode == OVPN_CTRL_WRAP_AUTH)
		rc = auth_keys_init(k, c, c->key + out * OVPN_STATIC_KEY_HALF,
				    c->key + in * OVPN_STATIC_KEY_HALF);
	else
		rc = crypt_keys_init(k, c->key + out * OVPN_STATIC_KEY_HALF,
				     c->key + in * OVPN_STATIC_KEY_HALF);
	if (rc < 0)
		ovpn_ctrl_wrap_keys_fini(k);
	return rc;
}

void
ovpn_ctrl_wrap_keys_fini(struct ovpn_ctrl_wrap_keys *k)
{
	EVP_MAC_CTX_free(k->mac_tx);
	EVP_MAC_CTX_free(k->mac_rx);
	EVP_CIPHER_CTX_free(k->enc);
	EVP_CIPHER_CTX_free(k->dec);
	memset(k, 0, sizeof(*k));
}

void
ovpn_ctrl_wrap_state_init(struct ovpn_ctrl_wrap_state *st, uint32_t first_tx_pid,
			  uint32_t now_unix)
{
	memset(st, 0, sizeof(*st));
	st->tx_pid = first_tx_pid;
	st->tx_time = now_unix;
}

/* HMAC over @p n spans with a context keyed at setup; @p mac gets the full digest. */
static int
hmac_spans(EVP_MAC_CTX *ctx, const struct ovpn_ctrl_span *s, unsigned int n,
	   uint8_t mac[OVPN_TLS_AUTH_HMAC_MAX])
{
	size_t len = 0;

	if (EVP_MAC_init(ctx, NULL, 0, NULL) != 1)
		return -EIO;
	for (unsigned int i = 0; i < n; i++)
		if (s[i].len > 0 && EVP_MAC_update(ctx, s[i].p, s[i].len) != 1)
			return -EIO;
	return EVP_MAC_final(ctx, mac, &len, OVPN_TLS_AUTH_HMAC_MAX) == 1 ? (int)len : -EIO;
}

/* AES-256-CTR of @p len bytes from @p in to @p out (may be equal), IV = tag[0..16). */
static int
ctr_apply(EVP_CIPHER_CTX *ctx, const uint8_t iv[TLS_CRYPT_IV_LEN], const uint8_t *in,
	  size_t len, uint8_t *out)
{
	int n = 0;

	if (EVP_CipherInit_ex2(ctx, NULL, NULL, iv, 1, NULL) != 1)
		return -EIO;
	if (len > 0 && EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1)
		return -EIO;
	return (size_t)n == len ? 0 : -EIO;
}

/* tls-auth: recompute the HMAC of an accepted split and compare (openvpn_decrypt_v1()). */
static enum ovpn_ctrl_drop
auth_verify(const struct ovpn_ctrl_wrap_keys *k, const uint8_t *pkt, size_t len,
	    const struct ovpn_ctrl_wire *wire)
{
	struct ovpn_ctrl_span s[3];
	uint8_t mac[OVPN_TLS_AUTH_HMAC_MAX];
	int n;

	if (ovpn_ctrl_auth_spans(pkt, len, k->w.hmac_len, s) < 0)
		return OVPN_CTRL_DROP_WRAP_SHORT;
	n = hmac_spans(k->mac_rx, s, 3, mac);
	if (n != k->w.hmac_len)
		return OVPN_CTRL_DROP_WRAP_CRYPTO;
	if (CRYPTO_memcmp(mac, wire->mac, k->w.hmac_len) != 0)
		return OVPN_CTRL_DROP_WRAP_BAD_HMAC;
	return OVPN_CTRL_OK;
}

/* tls-crypt: decrypt into @p clear, then check the tag over header + clear text. */
static enum ovpn_ctrl_drop
crypt_verify(const struct ovpn_ctrl_wrap_keys *k, const uint8_t *pkt,
	     const struct ovpn_ctrl_wire *wire, uint8_t *clear, size_t clear_cap)
{
	struct ovpn_ctrl_span s[2] = {
		{ pkt, OVPN_TLS_CRYPT_AD_LEN },
		{ clear, wire->body_len },
	};
	uint8_t tag[OVPN_TLS_AUTH_HMAC_MAX];

	if (wire->body_len > clear_cap)
		return OVPN_CTRL_DROP_TOO_BIG;
	if (ctr_apply(k->dec, wire->mac, wire->body, wire->body_len, clear) < 0 ||
	    hmac_spans(k->mac_rx, s, 2, tag) != OVPN_TLS_CRYPT_TAG_LEN)
		return OVPN_CTRL_DROP_WRAP_CRYPTO;
	if (CRYPTO_memcmp(tag, wire->mac, OVPN_TLS_CRYPT_TAG_LEN) != 0)
		return OVPN_CTRL_DROP_WRAP_BAD_TAG;
	return OVPN_CTRL_OK;
}

enum ovpn_ctrl_drop
ovpn_ctrl_unwrap(const struct ovpn_ctrl_wrap_keys *k, const uint8_t *pkt, size_t len,
		 uint8_t *clear, size_t clear_cap, struct ovpn_ctrl_msg *m,
		 struct ovpn_ctrl_wire *wire)
{
	enum ovpn_ctrl_drop r = ovpn_ctrl_split(pkt, len, &k->w, m, wire);

	if (r != OVPN_CTRL_OK)
		return r;
	switch (k->w.mode) {
	case OVPN_CTRL_WRAP_AUTH:
		r = auth_verify(k, pkt, len, wire);
		break;
	case OVPN_CTRL_WRAP_CRYPT:
		r = crypt_verify(k, pkt, wire, clear, clear_cap);
		if (r == OVPN_CTRL_OK)
			return ovpn_ctrl_body_parse(clear, wire->body_len, m);
		break;
	default:
		break;
	}
	if (r != OVPN_CTRL_OK)
		return r;
	return ovpn_ctrl_body_parse(wire->body, wire->body_len, m);
}

enum ovpn_ctrl_drop
ovpn_ctrl_wrap_replay_update(const struct ovpn_ctrl_wrap_keys *k,
			     struct ovpn_ctrl_wrap_state *st, const struct ovpn_ctrl_wire *wire)
{
	uint32_t id = wire->replay_pid, diff;

	if (k->w.mode == OVPN_CTRL_WRAP_NONE)
		return OVPN_CTRL_OK;
	if (id == 0)
		return OVPN_CTRL_DROP_REPLAY_ZERO;
	if (wire->replay_time < st->rx_time)
		return OVPN_CTRL_DROP_REPLAY_TIME_BACK;
	if (wire->replay_time > st->rx_time || st->rx_top == 0) {
		/* A newer sender (or the first packet): packet_id_add() restarts the window. */
		st->rx_time = wire->replay_time;
		st->rx_top = id;
		st->rx_seen = 1;
		return OVPN_CTRL_OK;
	}
	if (id > st->rx_top) {
		diff = id - st->rx_top;
		st->rx_seen = diff < OVPN_CTRL_REPLAY_WINDOW ? st->rx_seen << diff | 1 : 1;
		st->rx_top = id;
		return OVPN_CTRL_OK;
	}
	diff = st->rx_top - id;
	if (diff >= OVPN_CTRL_REPLAY_WINDOW)
		return OVPN_CTRL_DROP_REPLAY_OLD;
	if (st->rx_seen & (UINT64_C(1) << diff))
		return OVPN_CTRL_DROP_REPLAY_DUP;
	st->rx_seen |= UINT64_C(1) << diff;
	return OVPN_CTRL_OK;
}

enum ovpn_ctrl_drop
ovpn_ctrl_wrap_is_fresh(const struct ovpn_ctrl_wrap_keys *k, const struct ovpn_ctrl_wire *wire,
			uint32_t now_unix)
{
	uint32_t t = wire->replay_time;
	uint32_t dist = t > now_unix ? t - now_unix : now_unix - t;

	if (k->w.mode == OVPN_CTRL_WRAP_NONE)
		return OVPN_CTRL_OK;
	if (wire->replay_pid == 0)
		return OVPN_CTRL_DROP_REPLAY_ZERO;
	if (k->skew_s != 0 && dist > k->skew_s)
		return OVPN_CTRL_DROP_REPLAY_SKEW;
	return OVPN_CTRL_OK;
}

/* tls-auth: the HMAC over the built packet, written at offset 9 (swap_hmac()). */
static int
auth_seal(const struct ovpn_ctrl_wrap_keys *k, uint8_t *buf, size_t len)
{
	struct ovpn_ctrl_span s[3];
	uint8_t mac[OVPN_TLS_AUTH_HMAC_MAX];

	if (ovpn_ctrl_auth_spans(buf, len, k->w.hmac_len, s) < 0)
		return -EINVAL;
	if (hmac_spans(k->mac_tx, s, 3, mac) != k->w.hmac_len)
		return -EIO;
	memcpy(buf + OVPN_TLS_AUTH_HMAC_OFF, mac, k->w.hmac_len);
	OPENSSL_cleanse(mac, sizeof(mac));
	return 0;
}

/* tls-crypt: tag over header + clear body, then encrypt the body in place (tls_crypt_wrap()). */
static int
crypt_seal(const struct ovpn_ctrl_wrap_keys *k, uint8_t *buf, size_t len)
{
	uint8_t *body = buf + OVPN_TLS_CRYPT_BODY_OFF;
	size_t body_len = len - OVPN_TLS_CRYPT_BODY_OFF;
	struct ovpn_ctrl_span s[2] = {
		{ buf, OVPN_TLS_CRYPT_AD_LEN },
		{ body, body_len },
	};
	uint8_t tag[OVPN_TLS_AUTH_HMAC_MAX];

	if (hmac_spans(k->mac_tx, s, 2, tag) != OVPN_TLS_CRYPT_TAG_LEN)
		return -EIO;
	memcpy(buf + OVPN_TLS_CRYPT_TAG_OFF, tag, OVPN_TLS_CRYPT_TAG_LEN);
	return ctr_apply(k->enc, tag, body, body_len, body);
}

int
ovpn_ctrl_wrap_build(const struct ovpn_ctrl_wrap_keys *k, struct ovpn_ctrl_wrap_state *st,
		     const struct ovpn_ctrl_msg *m, uint8_t *buf, size_t cap)
{
	struct ovpn_ctrl_wire wire = { 0 };
	int len, rc;

	if (k->w.mode == OVPN_CTRL_WRAP_NONE)
		return ovpn_ctrl_build(buf, cap, &k->w, m, NULL);
	if (st == NULL)
		return -EINVAL;
	if (st->tx_pid == 0)
		return -ERANGE;
	wire.replay_pid = st->tx_pid;
	wire.replay_time = st->tx_time;
	len = ovpn_ctrl_build(buf, cap, &k->w, m, &wire);
	if (len < 0)
		return len;
	/* Consumed even if sealing fails below: a replay-pid is never used twice. */
	st->tx_pid++;
	if (k->w.mode == OVPN_CTRL_WRAP_AUTH)
		rc = auth_seal(k, buf, (size_t)len);
	else
		rc = crypt_seal(k, buf, (size_t)len);
	return rc < 0 ? rc : len;
}
