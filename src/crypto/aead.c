/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The backend-neutral half of the AEAD API (aead.h): backend lookup by name, object
 * lifetimes, and the burst wrappers that validate every op, hand the valid ones to the backend
 * chosen at setup, then move the failed ones past the good ones (lib/ipsec's move_bad_mbufs,
 * STYLE §9.4). It does no cryptography itself: each algorithm lives in one backend file
 * (aead_openssl.c, aead_ipsecmb.c, aead_cpu.c, aead_cryptodev.c).
 * References: NIST SP 800-38D (GCM), RFC 8439 §2.8 (ChaCha20-Poly1305), OpenVPN names as in
 * openvpn-protocol.md §6.2.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memory.h>

#include "crypto/aead.h"
#include "crypto/aead_backend.h"

RTE_LOG_REGISTER(ft_logtype_crypto, lib.fasttcp.crypto, INFO);

static const struct ft_aead_backend_ops *const backends[] = {
	&ft_aead_openssl_ops,
	&ft_aead_ipsecmb_ops,
	&ft_aead_ipsecmb_job_ops,
	&ft_aead_cpu_ops,
	&ft_aead_cryptodev_ops,
};

static const struct {
	const char *name;  /* OpenVPN --data-ciphers spelling */
	size_t key_len;
} algs[FT_AEAD_ALG_COUNT] = {
	[FT_AEAD_AES_128_GCM] = { "AES-128-GCM", 16 },
	[FT_AEAD_AES_192_GCM] = { "AES-192-GCM", 24 },
	[FT_AEAD_AES_256_GCM] = { "AES-256-GCM", 32 },
	[FT_AEAD_CHACHA20_POLY1305] = { "CHACHA20-POLY1305", 32 },
};

#define BACKEND_MAX_CTX 64  /* cryptodev keeps its queue-pair claims in one uint64_t */

static const struct ft_aead_backend_ops *
backend_lookup(const char *name)
{
	for (unsigned int i = 0; i < RTE_DIM(backends); i++)
		if (name != NULL && strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

/* Validation of one op (aead.h, struct ft_aead_op). 0 or the op's negative status. */
static int32_t
check_op(const struct ft_aead_ctx *ctx, const struct ft_aead_op *op)
{
	const struct rte_mbuf *m = op->m;
	const struct ft_aead_key *k = op->key;
	uint64_t data_end, first;

	if (unlikely(m == NULL || k == NULL || k->be != ctx->be))
		return -EINVAL;
	first = rte_pktmbuf_data_len(m);
	data_end = (uint64_t)op->data_off + op->data_len;
	if (unlikely((uint64_t)op->aad_off + k->aad_len > first ||
		     (uint64_t)op->tag_off + FT_AEAD_TAG_LEN > first ||
		     data_end > rte_pktmbuf_pkt_len(m)))
		return -EINVAL;
	/*
	 * Data is rewritten in place while AAD and tag are read (or the tag written): overlaps
	 * would give backend-dependent results.
	 */
	if (unlikely(op->data_len > 0 &&
		     ((op->tag_off < data_end &&
		       op->data_off < (uint64_t)op->tag_off + FT_AEAD_TAG_LEN) ||
		      (k->aad_len > 0 && op->aad_off < data_end &&
		       op->data_off < (uint64_t)op->aad_off + k->aad_len))))
		return -EINVAL;
	if (likely(data_end <= first))
		return 0;
	if (unlikely(!ctx->be->multiseg))
		return -ENOTSUP;
	if (unlikely(m->nb_segs > FT_AEAD_SEGS_MAX))
		return -E2BIG;
	return 0;
}

/*
 * Stable partition: ops with status 0 first, in their order, the failed ones after them.
 * n <= FT_AEAD_BURST_MAX. Copies nothing while no op has failed.
 */
static uint16_t
partition(struct ft_aead_ctx *ctx, struct ft_aead_op *ops, uint16_t n)
{
	uint16_t good = 0, bad = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (likely(ops[i].status == 0)) {
			if (good != i)
				ops[good] = ops[i];
			good++;
		} else {
			ctx->failed[bad++] = ops[i];
		}
	}
	if (bad > 0)
		memcpy(&ops[good], ctx->failed, bad * sizeof(*ops));
	return good;
}

static inline uint16_t
run_burst(struct ft_aead_ctx *ctx, ft_aead_burst_fn *fn, struct ft_aead_op *ops, uint16_t n)
{
	uint16_t nb = RTE_MIN(n, (uint16_t)FT_AEAD_BURST_MAX), nv;
	bool bad = false;

	for (uint16_t i = nb; i < n; i++)
		ops[i].status = -E2BIG;
	for (uint16_t i = 0; i < nb; i++) {
		ops[i].status = check_op(ctx, &ops[i]);
		bad |= ops[i].status != 0;
	}
	nv = unlikely(bad) ? partition(ctx, ops, nb) : nb;	/* no pass when all are valid */
	if (nv == 0)
		return 0;
	fn(ctx, ops, nv);
	return partition(ctx, ops, nv);
}

void
ft_aead_backend_conf_init(struct ft_aead_backend_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->name = "openssl";
	conf->max_ctx = 1;
	conf->max_keys = 64;
	conf->socket_id = SOCKET_ID_ANY;
}

struct ft_aead_backend *
ft_aead_backend_create(const struct ft_aead_backend_conf *conf)
{
	const struct ft_aead_backend_ops *ops;
	struct ft_aead_backend *be;
	int rc;

	ops = conf != NULL ? backend_lookup(conf->name) : NULL;
	if (ops == NULL || conf->max_ctx == 0 || conf->max_ctx > BACKEND_MAX_CTX ||
	    conf->max_keys == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	be = rte_zmalloc_socket("ft_aead_backend", sizeof(*be) + ops->be_priv_size,
				RTE_CACHE_LINE_SIZE, conf->socket_id);
	if (be == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	be->ops = ops;
	be->socket_id = conf->socket_id;
	be->max_ctx = conf->max_ctx;
	be->max_keys = conf->max_keys;
	rc = ops->be_init(be, conf);
	if (rc < 0) {
		FT_CRYPTO_LOG(ERR, "backend %s (device %s): %s", ops->name,
			      conf->device != NULL ? conf->device : "-", rte_strerror(-rc));
		ops->be_fini(be);
		rte_free(be);
		rte_errno = -rc;
		return NULL;
	}
	return be;
}

int
ft_aead_backend_destroy(struct ft_aead_backend *be)
{
	if (be == NULL)
		return 0;
	if (be->nb_keys > 0 || be->nb_ctx > 0) {
		FT_CRYPTO_LOG(ERR, "backend %s destroyed with %u keys and %u contexts alive",
			      be->ops->name, be->nb_keys, be->nb_ctx);
		return -EBUSY;
	}
	be->ops->be_fini(be);
	rte_free(be);
	return 0;
}

const char *
ft_aead_backend_name(const struct ft_aead_backend *be)
{
	return be->ops->name;
}

bool
ft_aead_backend_supports(const struct ft_aead_backend *be, enum ft_aead_alg alg,
			 uint16_t aad_len)
{
	if ((unsigned int)alg >= FT_AEAD_ALG_COUNT)
		return false;
	return be->ops->supports(be, alg, aad_len);
}

bool
ft_aead_backend_has_multiseg(const struct ft_aead_backend *be)
{
	return be->multiseg;
}

struct ft_aead_key *
ft_aead_key_create(struct ft_aead_backend *be, enum ft_aead_alg alg, const uint8_t *key,
		   size_t key_len, uint16_t aad_len)
{
	struct ft_aead_key *k;
	int rc;

	if (be == NULL || key == NULL || ft_aead_alg_key_len(alg) == 0 ||
	    key_len != ft_aead_alg_key_len(alg)) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (!be->ops->supports(be, alg, aad_len)) {
		rte_errno = ENOTSUP;
		return NULL;
	}
	if (be->nb_keys >= be->max_keys) {
		rte_errno = ENOSPC;
		return NULL;
	}
	k = rte_zmalloc_socket("ft_aead_key", sizeof(*k) + be->ops->key_priv_size,
			       RTE_CACHE_LINE_SIZE, be->socket_id);
	if (k == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	k->be = be;
	k->id = ++be->next_key_id;
	k->alg = alg;
	k->key_len = (uint16_t)key_len;
	k->aad_len = aad_len;
	rc = be->ops->key_init(k, key);
	if (rc < 0) {
		be->ops->key_fini(k);
		explicit_bzero(k, sizeof(*k) + be->ops->key_priv_size);
		rte_free(k);
		rte_errno = -rc;
		return NULL;
	}
	be->nb_keys++;
	return k;
}

void
ft_aead_key_destroy(struct ft_aead_key *key)
{
	struct ft_aead_backend *be;

	if (key == NULL)
		return;
	be = key->be;
	be->ops->key_fini(key);
	explicit_bzero(key, sizeof(*key) + be->ops->key_priv_size);
	rte_free(key);
	be->nb_keys--;
}

enum ft_aead_alg
ft_aead_key_alg(const struct ft_aead_key *key)
{
	return key->alg;
}

struct ft_aead_ctx *
ft_aead_ctx_create(struct ft_aead_backend *be, int socket_id)
{
	struct ft_aead_ctx *ctx;
	int rc;

	if (be == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (be->nb_ctx >= be->max_ctx) {
		rte_errno = ENOSPC;
		return NULL;
	}
	ctx = rte_zmalloc_socket("ft_aead_ctx", sizeof(*ctx) + be->ops->ctx_priv_size,
				 RTE_CACHE_LINE_SIZE, socket_id);
	if (ctx == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	ctx->be = be;
	ctx->seal = be->ops->seal;
	ctx->open = be->ops->open;
	ctx->socket_id = socket_id;
	rc = be->ops->ctx_init(ctx);
	if (rc < 0) {
		FT_CRYPTO_LOG(ERR, "backend %s: context: %s", be->ops->name, rte_strerror(-rc));
		be->ops->ctx_fini(ctx);
		rte_free(ctx);
		rte_errno = -rc;
		return NULL;
	}
	be->nb_ctx++;
	return ctx;
}

void
ft_aead_ctx_destroy(struct ft_aead_ctx *ctx)
{
	if (ctx == NULL)
		return;
	ctx->be->ops->ctx_fini(ctx);
	ctx->be->nb_ctx--;
	rte_free(ctx);
}

uint16_t
ft_aead_seal_burst(struct ft_aead_ctx *ctx, struct ft_aead_op *ops, uint16_t n)
{
	return run_burst(ctx, ctx->seal, ops, n);
}

uint16_t
ft_aead_open_burst(struct ft_aead_ctx *ctx, struct ft_aead_op *ops, uint16_t n)
{
	return run_burst(ctx, ctx->open, ops, n);
}

const char *
ft_aead_alg_name(enum ft_aead_alg alg)
{
	return (unsigned int)alg < FT_AEAD_ALG_COUNT ? algs[alg].name : NULL;
}

int
ft_aead_alg_parse(const char *name, enum ft_aead_alg *alg)
{
	for (unsigned int i = 0; name != NULL && i < FT_AEAD_ALG_COUNT; i++) {
		if (strcasecmp(algs[i].name, name) == 0) {
			*alg = (enum ft_aead_alg)i;
			return 0;
		}
	}
	return -EINVAL;
}

size_t
ft_aead_alg_key_len(enum ft_aead_alg alg)
{
	return (unsigned int)alg < FT_AEAD_ALG_COUNT ? algs[alg].key_len : 0;
}
