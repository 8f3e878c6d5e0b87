/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key method 2 (openvpn-protocol.md §3.2–§3.3, §4.2–§4.4): parse and build the first plaintext
 * message of each side, read the client's peer-info and OCC string, and derive the
 * data-channel key2 block either from the TLS exporter or from OpenVPN's TLS1-PRF construction,
 * then map it to the server's struct ovpn_key_material. Follows 2.6 ssl.c key_method_2_read(),
 * key_method_2_write(), read_string(), key_source2_read(), openvpn_PRF() and
 * generate_key_expansion_openvpn_prf(), and ssl_ncp.c / options.c for the peer-info and OCC
 * lookups.
 *
 * Not here: TLS itself (tls.c), cipher negotiation and PUSH_REPLY (push.c), the direction
 * mapping (keys.c ovpn_key_material_from_key2()), auth-user-pass checking (the caller's, with
 * the borrowed username and password).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>

#include "ovpn/keyex.h"
#include "ovpn/tls.h"

/* ssl.c KEY_EXPANSION_ID " master secret" / " key expansion": no trailing space, no NUL. */
#define PRF_LABEL_MASTER	"OpenVPN master secret"
#define PRF_LABEL_EXPANSION	"OpenVPN key expansion"
#define PRF_MASTER_LEN		48
#define PRF_SID_LEN		8
#define PRF_SEED_MAX \
	(sizeof(PRF_LABEL_EXPANSION) - 1 + 2 * OVPN_KM2_RANDOM_LEN + 2 * PRF_SID_LEN)
#define KM2_ZERO_LEN		4
#define KM2_STRING_MAX		UINT16_MAX	/* length field, NUL included */

/* Read position in a message. */
struct cursor {
	const uint8_t *p;
	size_t left;
};

static const uint8_t *
take(struct cursor *c, size_t n)
{
	const uint8_t *p = c->p;

	if (c->left < n)
		return NULL;
	c->p += n;
	c->left -= n;
	return p;
}

/*
 * A length-prefixed string (ssl.c read_string()): *s = its text, or "" when empty or when the
 * message ends before the field and @p optional. -EBADMSG if truncated, over @p max (NUL
 * included) or not NUL-terminated.
 */
static int
read_string(struct cursor *c, const char **s, size_t max, bool optional)
{
	const uint8_t *h, *b;
	size_t len;

	*s = "";
	if (c->left == 0 && optional)
		return 0;
	h = take(c, 2);
	if (h == NULL)
		return -EBADMSG;
	len = (size_t)h[0] << 8 | h[1];
	if (len == 0)
		return 0;
	b = take(c, len);
	if (len > max || b == NULL || b[len - 1] != '\0')
		return -EBADMSG;
	*s = (const char *)b;
	return 0;
}

/* Write position in a message under construction. */
struct writer {
	uint8_t *p;
	size_t cap;
	size_t len;
	int err;	/* first error, then every put is a no-op */
};

static void
put(struct writer *w, const void *p, size_t n)
{
	if (w->err != 0)
		return;
	if (w->cap - w->len < n) {
		w->err = -ENOSPC;
		return;
	}
	memcpy(w->p + w->len, p, n);
	w->len += n;
}

/* ssl.c write_string() / write_empty_string(). */
static void
put_string(struct writer *w, const char *s, size_t max)
{
	size_t len = s != NULL && s[0] != '\0' ? strlen(s) + 1 : 0;
	uint8_t h[2] = { (uint8_t)(len >> 8), (uint8_t)len };

	if (len > max) {
		if (w->err == 0)
			w->err = -EINVAL;
		return;
	}
	put(w, h, sizeof(h));
	if (len > 0)
		put(w, s, len);
}

/* Copy @p n bytes of @p v as a string into @p out; with @p sep, cut after the last whole item. */
static void
copy_value(char *out, size_t cap, const char *v, size_t n, char sep)
{
	if (n >= cap) {
		n = cap - 1;
		while (sep != '\0' && n > 0 && v[n] != sep)
			n--;
	}
	memcpy(out, v, n);
	out[n] = '\0';
}

/* Leading decimal digits as sscanf("%d") would read a positive value; 0 otherwise. */
static uint32_t
parse_u32(const char *v, size_t n)
{
	uint64_t x = 0;
	size_t i;

	for (i = 0; i < n && v[i] >= '0' && v[i] <= '9'; i++) {
		x = x * 10 + (uint64_t)(v[i] - '0');
		if (x > UINT32_MAX)
			return 0;
	}
	return (uint32_t)x;
}

static bool
key_is(const char *k, size_t kn, const char *name)
{
	return strlen(name) == kn && memcmp(k, name, kn) == 0;
}

/* One "NAME=value" line of the peer-info. */
static void
parse_peer_info_line(const char *l, size_t n, struct ovpn_peer_info *pi)
{
	const char *eq = memchr(l, '=', n);
	size_t kn, vn;
	const char *v;

	if (eq == NULL)
		return;
	kn = (size_t)(eq - l);
	v = eq + 1;
	vn = n - kn - 1;
	if (key_is(l, kn, "IV_VER")) {
		copy_value(pi->ver, sizeof(pi->ver), v, vn, '\0');
	} else if (key_is(l, kn, "IV_PLAT")) {
		copy_value(pi->plat, sizeof(pi->plat), v, vn, '\0');
	} else if (key_is(l, kn, "IV_CIPHERS")) {
		copy_value(pi->ciphers, sizeof(pi->ciphers), v, vn, ':');
		pi->has_ciphers = true;
	} else if (key_is(l, kn, "IV_PROTO")) {
		pi->proto = parse_u32(v, vn);
	} else if (key_is(l, kn, "IV_NCP")) {
		pi->ncp = parse_u32(v, vn);
	} else if (key_is(l, kn, "IV_MTU")) {
		pi->mtu = parse_u32(v, vn);
	}
}

/* OpenSSL's TLS1-PRF with MD5-SHA1: the TLS 1.0/1.1 PRF (2.6 crypto_openssl.c ssl_tls1_PRF()). */
static int
tls1_prf(const uint8_t *secret, size_t secret_len, const uint8_t *seed, size_t seed_len,
	 uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_TLS1_PRF, NULL);
	EVP_KDF_CTX *kctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[4];
	int rc = -EIO;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)SN_md5_sha1, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret,
						      secret_len);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed, seed_len);
	params[3] = OSSL_PARAM_construct_end();
	if (kctx != NULL && EVP_KDF_derive(kctx, out, out_len, params) == 1)
		rc = 0;
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	ERR_clear_error();
	return rc;
}

/* ssl.c openvpn_PRF() seed: label || client part || server part [|| client sid || server sid]. */
static size_t
prf_seed(uint8_t seed[PRF_SEED_MAX], const char *label, const uint8_t *c_rand,
	 const uint8_t *s_rand, const uint8_t *c_sid, const uint8_t *s_sid)
{
	size_t n = strlen(label);

	memcpy(seed, label, n);
	memcpy(seed + n, c_rand, OVPN_KM2_RANDOM_LEN);
	n += OVPN_KM2_RANDOM_LEN;
	memcpy(seed + n, s_rand, OVPN_KM2_RANDOM_LEN);
	n += OVPN_KM2_RANDOM_LEN;
	if (c_sid != NULL) {
		memcpy(seed + n, c_sid, PRF_SID_LEN);
		memcpy(seed + n + PRF_SID_LEN, s_sid, PRF_SID_LEN);
		n += 2 * PRF_SID_LEN;
	}
	return n;
}

int
ovpn_km2_parse(const uint8_t *buf, size_t len, bool from_client, struct ovpn_km2_msg *msg)
{
	struct cursor c = { buf, len };
	const uint8_t *method;
	int rc;

	memset(msg, 0, sizeof(*msg));
	/* The leading uint32 is discarded unread, as 2.6 does. */
	if (take(&c, KM2_ZERO_LEN) == NULL || (method = take(&c, 1)) == NULL)
		return -EBADMSG;
	msg->key_method = *method;
	if ((msg->key_method & OVPN_KEY_METHOD_MASK) != OVPN_KEY_METHOD_2)
		return -EPROTO;
	if (from_client && (msg->pre_master = take(&c, OVPN_KM2_PRE_MASTER_LEN)) == NULL)
		return -EBADMSG;
	msg->random1 = take(&c, OVPN_KM2_RANDOM_LEN);
	msg->random2 = take(&c, OVPN_KM2_RANDOM_LEN);
	if (msg->random2 == NULL)
		return -EBADMSG;
	rc = read_string(&c, &msg->options, OVPN_KM2_OPTIONS_MAX, false);
	if (rc == 0)
		rc = read_string(&c, &msg->username, KM2_STRING_MAX, true);
	if (rc == 0)
		rc = read_string(&c, &msg->password, KM2_STRING_MAX, true);
	if (rc == 0)
		rc = read_string(&c, &msg->peer_info, KM2_STRING_MAX, true);
	return rc;
}

int
ovpn_km2_build(uint8_t *buf, size_t cap, bool from_client, const struct ovpn_km2_msg *msg)
{
	static const uint8_t zero[KM2_ZERO_LEN];
	struct writer w = { buf, cap, 0, 0 };
	uint8_t method = msg->key_method;

	if (msg->random1 == NULL || msg->random2 == NULL ||
	    (from_client && msg->pre_master == NULL) ||
	    (method & OVPN_KEY_METHOD_MASK) != OVPN_KEY_METHOD_2)
		return -EINVAL;
	put(&w, zero, sizeof(zero));
	put(&w, &method, 1);
	if (from_client)
		put(&w, msg->pre_master, OVPN_KM2_PRE_MASTER_LEN);
	put(&w, msg->random1, OVPN_KM2_RANDOM_LEN);
	put(&w, msg->random2, OVPN_KM2_RANDOM_LEN);
	put_string(&w, msg->options, OVPN_KM2_OPTIONS_MAX);
	put_string(&w, msg->username, KM2_STRING_MAX);
	put_string(&w, msg->password, KM2_STRING_MAX);
	put_string(&w, msg->peer_info, KM2_STRING_MAX);
	return w.err != 0 ? w.err : (int)w.len;
}

int
ovpn_peer_info_parse(const char *s, struct ovpn_peer_info *pi)
{
	memset(pi, 0, sizeof(*pi));
	while (*s != '\0') {
		const char *eol = strchr(s, '\n');
		size_t n = eol != NULL ? (size_t)(eol - s) : strlen(s);

		parse_peer_info_line(s, n, pi);
		s += n + (eol != NULL);
	}
	return 0;
}

int
ovpn_occ_option(const char *options, const char *name, char *out, size_t cap)
{
	size_t nlen = strlen(name);
	const char *p = options;

	while (p != NULL) {
		const char *end = strchr(p, ',');

		if (strncmp(p, name, nlen) == 0 && p[nlen] == ' ' && p[nlen + 1] != '\0') {
			const char *v = p + nlen + 1;
			size_t vlen = end != NULL ? (size_t)(end - v) : strlen(v);

			if (vlen >= cap)
				return -ENOSPC;
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return 0;
		}
		p = end != NULL ? end + 1 : NULL;
	}
	return -ENOENT;
}

int
ovpn_key2_prf(const struct ovpn_key_source *client, const struct ovpn_key_source *server,
	      const uint8_t client_sid[8], const uint8_t server_sid[8],
	      uint8_t key2[OVPN_KEY2_LEN])
{
	uint8_t master[PRF_MASTER_LEN];
	uint8_t seed[PRF_SEED_MAX];
	size_t n;
	int rc;

	n = prf_seed(seed, PRF_LABEL_MASTER, client->random1, server->random1, NULL, NULL);
	rc = tls1_prf(client->pre_master, sizeof(client->pre_master), seed, n, master,
		      sizeof(master));
	if (rc == 0) {
		n = prf_seed(seed, PRF_LABEL_EXPANSION, client->random2, server->random2,
			     client_sid, server_sid);
		rc = tls1_prf(master, sizeof(master), seed, n, key2, OVPN_KEY2_LEN);
	}
	OPENSSL_cleanse(master, sizeof(master));
	OPENSSL_cleanse(seed, sizeof(seed));
	return rc;
}

int
ovpn_key2_ekm(struct ovpn_tls *tls, uint8_t key2[OVPN_KEY2_LEN])
{
	return ovpn_tls_export(tls, OVPN_TLS_EKM_LABEL_DATAKEYS, key2, OVPN_KEY2_LEN);
}

void
ovpn_keyex_init(struct ovpn_keyex *kx)
{
	memset(kx, 0, sizeof(*kx));
}

int
ovpn_keyex_read_client(struct ovpn_keyex *kx, const uint8_t *buf, size_t len,
		       struct ovpn_km2_msg *msg)
{
	struct ovpn_km2_msg m;
	int rc;

	if (kx->got_client)
		return -EALREADY;
	rc = ovpn_km2_parse(buf, len, true, &m);
	if (rc < 0)
		return rc;
	memcpy(kx->client.pre_master, m.pre_master, OVPN_KM2_PRE_MASTER_LEN);
	memcpy(kx->client.random1, m.random1, OVPN_KM2_RANDOM_LEN);
	memcpy(kx->client.random2, m.random2, OVPN_KM2_RANDOM_LEN);
	ovpn_peer_info_parse(m.peer_info, &kx->peer);
	/* An over-long cipher name cannot be one of ours: leave it empty. */
	if (ovpn_occ_option(m.options, "cipher", kx->peer.occ_cipher,
			    sizeof(kx->peer.occ_cipher)) < 0)
		kx->peer.occ_cipher[0] = '\0';
	/* ssl.c: multi->remote_usescomp = strstr(options, ",comp-lzo,"). */
	kx->peer.occ_comp_lzo = strstr(m.options, ",comp-lzo,") != NULL;
	kx->got_client = true;
	if (msg != NULL)
		*msg = m;
	return 0;
}

int
ovpn_keyex_write_server(struct ovpn_keyex *kx, const char *options, uint8_t *buf, size_t cap)
{
	struct ovpn_km2_msg m = {
		.key_method = OVPN_KEY_METHOD_2,
		.random1 = kx->server.random1,
		.random2 = kx->server.random2,
		.options = options != NULL ? options : OVPN_KM2_SERVER_OPTIONS,
	};
	int rc;

	if (!kx->got_client)
		return -EAGAIN;
	if (kx->sent_server || kx->derived)
		return -EALREADY;
	/* The server's randoms matter only to the PRF method, but are always sent (§3.2). */
	if (RAND_bytes(kx->server.random1, OVPN_KM2_RANDOM_LEN) != 1 ||
	    RAND_bytes(kx->server.random2, OVPN_KM2_RANDOM_LEN) != 1) {
		ERR_clear_error();
		return -EIO;
	}
	rc = ovpn_km2_build(buf, cap, false, &m);
	if (rc >= 0)
		kx->sent_server = true;
	return rc;
}

bool
ovpn_keyex_uses_ekm(const struct ovpn_keyex *kx)
{
	return (kx->peer.proto & OVPN_IV_PROTO_TLS_KEY_EXPORT) != 0;
}

int
ovpn_keyex_derive(struct ovpn_keyex *kx, struct ovpn_tls *tls, const uint8_t client_sid[8],
		  const uint8_t server_sid[8], enum ft_aead_alg alg, uint8_t key_id,
		  struct ovpn_key_material *m)
{
	uint8_t key2[OVPN_KEY2_LEN];
	int rc;

	if (kx->derived)
		return -EALREADY;
	if (!kx->got_client || !kx->sent_server)
		return -EAGAIN;
	if (ft_aead_alg_key_len(alg) == 0 || key_id > OVPN_KEY_ID_MAX)
		return -EINVAL;
	if (ovpn_keyex_uses_ekm(kx))
		rc = ovpn_key2_ekm(tls, key2);
	else
		rc = ovpn_key2_prf(&kx->client, &kx->server, client_sid, server_sid, key2);
	if (rc == -EAGAIN)
		return rc;	/* TLS not established yet: keep the key sources */
	if (rc == 0)
		rc = ovpn_key_material_from_key2(m, alg, key_id, key2, true);
	OPENSSL_cleanse(key2, sizeof(key2));
	/* 2.6 tls_session_generate_data_channel_keys(): the sources are used once. */
	ovpn_keyex_wipe(kx);
	kx->derived = true;
	return rc;
}

void
ovpn_keyex_wipe(struct ovpn_keyex *kx)
{
	OPENSSL_cleanse(&kx->client, sizeof(kx->client));
	OPENSSL_cleanse(&kx->server, sizeof(kx->server));
}
