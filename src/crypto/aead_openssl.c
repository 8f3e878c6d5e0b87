/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OpenSSL 3 EVP backend ("openssl"): the reference implementation and the test oracle for the
 * other backends. Every worker context holds one EVP_CIPHER_CTX per algorithm and direction,
 * created at setup with its cipher fetched once, so a burst only re-initialises it: with the
 * IV alone when the op uses the same key as the previous op on that slot (the common case of a
 * burst grouped by peer), with key and IV otherwise. Neither allocates in OpenSSL 3
 * (EVP_CipherInit_ex2 with a NULL cipher reuses the provider context). Keys are kept as raw
 * bytes: an EVP context cannot be shared between workers, and EVP_CIPHER_CTX_copy allocates.
 * Multi-segment data is fed to EVP_CipherUpdate one segment at a time.
 * References: NIST SP 800-38D, RFC 8439 §2.8; EVP_EncryptInit(3) "AEAD Interface".
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "crypto/aead.h"
#include "crypto/aead_backend.h"

/* OpenSSL algorithm names, by enum ft_aead_alg. */
static const char *const ossl_names[FT_AEAD_ALG_COUNT] = {
	[FT_AEAD_AES_128_GCM] = "AES-128-GCM",
	[FT_AEAD_AES_192_GCM] = "AES-192-GCM",
	[FT_AEAD_AES_256_GCM] = "AES-256-GCM",
	[FT_AEAD_CHACHA20_POLY1305] = "ChaCha20-Poly1305",
};

struct ossl_backend {
	EVP_CIPHER *cipher[FT_AEAD_ALG_COUNT];  /* explicitly fetched: no per-init lookup */
};

struct ossl_key {
	uint8_t bytes[FT_AEAD_KEY_MAX];
};

/* One EVP context with the id of the key it currently holds (0: none or unknown state). */
struct ossl_slot {
	EVP_CIPHER_CTX *evp;
	uint64_t key_id;
};

struct ossl_ctx {
	struct ossl_slot slot[2][FT_AEAD_ALG_COUNT];  /* [enc][alg] */
};

/* Typed views of the private areas (aead_backend.h). */
static inline struct ossl_backend *
be_of(const struct ft_aead_backend *be)
{
	return ft_aead_backend_priv(be);
}

static inline struct ossl_key *
key_of(const struct ft_aead_key *key)
{
	return ft_aead_key_priv(key);
}

static inline struct ossl_ctx *
ctx_of(const struct ft_aead_ctx *ctx)
{
	return ft_aead_ctx_priv(ctx);
}

static int
be_init(struct ft_aead_backend *be, const struct ft_aead_backend_conf *conf)
{
	struct ossl_backend *ob = be_of(be);

	RTE_SET_USED(conf);
	be->multiseg = true;
	for (unsigned int a = 0; a < FT_AEAD_ALG_COUNT; a++) {
		ob->cipher[a] = EVP_CIPHER_fetch(NULL, ossl_names[a], NULL);
		if (ob->cipher[a] == NULL)
			FT_CRYPTO_LOG(INFO, "openssl: %s unavailable", ossl_names[a]);
	}
	return 0;
}

static void
be_fini(struct ft_aead_backend *be)
{
	struct ossl_backend *ob = be_of(be);

	for (unsigned int a = 0; a < FT_AEAD_ALG_COUNT; a++)
		EVP_CIPHER_free(ob->cipher[a]);
}

static bool
supports(const struct ft_aead_backend *be, enum ft_aead_alg alg, uint16_t aad_len)
{
	const struct ossl_backend *ob = be_of(be);

	RTE_SET_USED(aad_len);
	return ob->cipher[alg] != NULL;
}

static int
key_init(struct ft_aead_key *key, const uint8_t *bytes)
{
	struct ossl_key *ok = key_of(key);

	memcpy(ok->bytes, bytes, key->key_len);
	return 0;
}

static void
key_fini(struct ft_aead_key *key)
{
	RTE_SET_USED(key);  /* aead.c wipes the key bytes */
}

static int
ctx_init(struct ft_aead_ctx *ctx)
{
	const struct ossl_backend *ob = be_of(ctx->be);
	struct ossl_ctx *oc = ctx_of(ctx);

	for (int enc = 0; enc < 2; enc++) {
		for (unsigned int a = 0; a < FT_AEAD_ALG_COUNT; a++) {
			struct ossl_slot *s = &oc->slot[enc][a];

			if (ob->cipher[a] == NULL)
				continue;
			s->evp = EVP_CIPHER_CTX_new();
			if (s->evp == NULL)
				return -ENOMEM;
			if (EVP_CipherInit_ex2(s->evp, ob->cipher[a], NULL, NULL, enc, NULL) != 1)
				return -EIO;
		}
	}
	return 0;
}

static void
ctx_fini(struct ft_aead_ctx *ctx)
{
	struct ossl_ctx *oc = ctx_of(ctx);

	for (int enc = 0; enc < 2; enc++)
		for (unsigned int a = 0; a < FT_AEAD_ALG_COUNT; a++)
			EVP_CIPHER_CTX_free(oc->slot[enc][a].evp);  /* NULL-safe, wipes */
}

/* IV (and key when the slot holds another), then AAD, then the data segment by segment. */
static int
crypt_one(struct ossl_slot *s, const struct ft_aead_op *op, int enc)
{
	const struct ft_aead_key *k = op->key;
	const uint8_t *key = s->key_id == k->id ? NULL : key_of(k)->bytes;
	struct ft_aead_seg_iter it;
	uint32_t len;
	uint8_t *p;
	int outl;

	s->key_id = 0;  /* until the init below succeeds */
	if (EVP_CipherInit_ex2(s->evp, NULL, key, op->iv, enc, NULL) != 1)
		return -EIO;
	s->key_id = k->id;
	if (k->aad_len > 0 &&
	    EVP_CipherUpdate(s->evp, NULL, &outl, ft_aead_op_ptr(op, op->aad_off),
			     k->aad_len) != 1)
		return -EIO;
	ft_aead_seg_iter_init(&it, op);
	while (ft_aead_seg_iter_next(&it, &p, &len))
		if (EVP_CipherUpdate(s->evp, p, &outl, p, (int)len) != 1)
			return -EIO;
	return 0;
}

static void
seal_burst(struct ft_aead_ctx *ctx, struct ft_aead_op *ops, uint16_t n)
{
	struct ossl_ctx *oc = ctx_of(ctx);
	uint8_t none[FT_AEAD_TAG_LEN];  /* Final writes nothing for AEAD; sized for safety */
	int outl;

	for (uint16_t i = 0; i < n; i++) {
		struct ft_aead_op *op = &ops[i];
		struct ossl_slot *s = &oc->slot[1][op->key->alg];

		op->status = crypt_one(s, op, 1);
		if (likely(op->status == 0) &&
		    (EVP_CipherFinal_ex(s->evp, none, &outl) != 1 ||
		     EVP_CIPHER_CTX_ctrl(s->evp, EVP_CTRL_AEAD_GET_TAG, FT_AEAD_TAG_LEN,
					 ft_aead_op_ptr(op, op->tag_off)) != 1))
			op->status = -EIO;
	}
}

static void
open_burst(struct ft_aead_ctx *ctx, struct ft_aead_op *ops, uint16_t n)
{
	struct ossl_ctx *oc = ctx_of(ctx);
	uint8_t none[FT_AEAD_TAG_LEN];
	int outl;

	for (uint16_t i = 0; i < n; i++) {
		struct ft_aead_op *op = &ops[i];
		struct ossl_slot *s = &oc->slot[0][op->key->alg];

		op->status = crypt_one(s, op, 0);
		if (unlikely(op->status != 0))
			continue;
		if (EVP_CIPHER_CTX_ctrl(s->evp, EVP_CTRL_AEAD_SET_TAG, FT_AEAD_TAG_LEN,
					ft_aead_op_ptr(op, op->tag_off)) != 1)
			op->status = -EIO;
		else if (EVP_CipherFinal_ex(s->evp, none, &outl) != 1)
			op->status = -EBADMSG;  /* the only way DecryptFinal fails here */
	}
}

const struct ft_aead_backend_ops ft_aead_openssl_ops = {
	.name = "openssl",
	.be_priv_size = sizeof(struct ossl_backend),
	.key_priv_size = sizeof(struct ossl_key),
	.ctx_priv_size = sizeof(struct ossl_ctx),
	.be_init = be_init,
	.be_fini = be_fini,
	.supports = supports,
	.key_init = key_init,
	.key_fini = key_fini,
	.ctx_init = ctx_init,
	.ctx_fini = ctx_fini,
	.seal = seal_burst,
	.open = open_burst,
};
