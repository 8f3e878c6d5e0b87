/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to src/crypto: the backend ops table that aead.c specialises at setup, the object
 * layouts shared by aead.c and the backends, and small per-op helpers. Callers outside
 * src/crypto use aead.h only.
 */
#ifndef FT_CRYPTO_AEAD_BACKEND_H
#define FT_CRYPTO_AEAD_BACKEND_H

#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "crypto/aead.h"

extern int ft_logtype_crypto;

#define FT_CRYPTO_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, ft_logtype_crypto, "fasttcp.crypto: " fmt "\n", ##__VA_ARGS__)

/*
 * Process ops[0, n): every op has passed validation (aead.c); set each op's status to 0 or a
 * negative errno. Order is kept; aead.c partitions afterwards.
 */
typedef void ft_aead_burst_fn(struct ft_aead_ctx *ctx, struct ft_aead_op *ops, uint16_t n);

struct ft_aead_backend_ops {
	const char *name;
	size_t be_priv_size;   /* bytes of ft_aead_backend.priv */
	size_t key_priv_size;  /* bytes of ft_aead_key.priv */
	size_t ctx_priv_size;  /* bytes of ft_aead_ctx.priv */
	/*
	 * Setup, 0 or -errno. priv areas are zeroed before init, and when an init fails aead.c
	 * calls the matching fini, which must therefore accept a partly initialised priv.
	 */
	int (*be_init)(struct ft_aead_backend *be, const struct ft_aead_backend_conf *conf);
	void (*be_fini)(struct ft_aead_backend *be);
	bool (*supports)(const struct ft_aead_backend *be, enum ft_aead_alg alg, uint16_t aad_len);
	int (*key_init)(struct ft_aead_key *key, const uint8_t *bytes);
	void (*key_fini)(struct ft_aead_key *key);
	int (*ctx_init)(struct ft_aead_ctx *ctx);
	void (*ctx_fini)(struct ft_aead_ctx *ctx);
	ft_aead_burst_fn *seal;
	ft_aead_burst_fn *open;
};

struct ft_aead_backend {
	const struct ft_aead_backend_ops *ops;
	bool multiseg;        /* set by be_init */
	int socket_id;
	uint16_t max_ctx;
	uint32_t max_keys;
	uint32_t nb_keys;     /* live keys and contexts: destroy refuses while any remain */
	uint32_t nb_ctx;
	uint64_t next_key_id; /* ft_aead_key.id source; control thread only */
	alignas(RTE_CACHE_LINE_SIZE) uint8_t priv[];
};

struct ft_aead_key {
	struct ft_aead_backend *be;
	uint64_t id;          /* unique per backend, never reused (OpenSSL key cache) */
	enum ft_aead_alg alg;
	uint16_t key_len;
	uint16_t aad_len;
	alignas(RTE_CACHE_LINE_SIZE) uint8_t priv[];  /* IPsec-MB wants 64-byte key schedules */
};

struct ft_aead_ctx {
	struct ft_aead_backend *be;
	ft_aead_burst_fn *seal;  /* copied from be->ops at create: one indirection per burst */
	ft_aead_burst_fn *open;
	int socket_id;
	struct ft_aead_op failed[FT_AEAD_BURST_MAX];  /* partition scratch (aead.c) */
	alignas(RTE_CACHE_LINE_SIZE) uint8_t priv[];
};

/*
 * The private areas, typed by each backend. Through void * so that the backends' casts do not
 * trip -Wcast-align (the areas are cache-line aligned); const is the caller's to keep.
 */
static inline void *
ft_aead_backend_priv(const struct ft_aead_backend *be)
{
	return (void *)(uintptr_t)be->priv;
}

static inline void *
ft_aead_key_priv(const struct ft_aead_key *key)
{
	return (void *)(uintptr_t)key->priv;
}

static inline void *
ft_aead_ctx_priv(const struct ft_aead_ctx *ctx)
{
	return (void *)(uintptr_t)ctx->priv;
}

extern const struct ft_aead_backend_ops ft_aead_openssl_ops;
extern const struct ft_aead_backend_ops ft_aead_ipsecmb_ops;
extern const struct ft_aead_backend_ops ft_aead_ipsecmb_job_ops;
extern const struct ft_aead_backend_ops ft_aead_cpu_ops;
extern const struct ft_aead_backend_ops ft_aead_cryptodev_ops;

/* Pointer @p off bytes into the first segment (validated by aead.c). */
static inline uint8_t *
ft_aead_op_ptr(const struct ft_aead_op *op, uint32_t off)
{
	return rte_pktmbuf_mtod_offset(op->m, uint8_t *, off);
}

/* True when the op's data lies in the first segment (the fast path of every backend). */
static inline bool
ft_aead_op_is_contig(const struct ft_aead_op *op)
{
	return op->data_off + op->data_len <= rte_pktmbuf_data_len(op->m);
}

/*
 * Walk the data region of an op piece by piece (one piece per non-empty segment). aead.c has
 * checked that the chain holds the whole region; the NULL test only bounds the loop.
 */
struct ft_aead_seg_iter {
	struct rte_mbuf *seg;
	uint32_t off;   /* in seg */
	uint32_t left;  /* data bytes not yet returned */
};

static inline void
ft_aead_seg_iter_init(struct ft_aead_seg_iter *it, const struct ft_aead_op *op)
{
	it->seg = op->m;
	it->off = op->data_off;
	it->left = op->data_len;
}

/* Next piece: true with @p p and @p len (> 0) set; false when the region is exhausted. */
static inline bool
ft_aead_seg_iter_next(struct ft_aead_seg_iter *it, uint8_t **p, uint32_t *len)
{
	while (it->left > 0 && it->seg != NULL) {
		struct rte_mbuf *s = it->seg;

		it->seg = s->next;
		if (it->off >= s->data_len) {
			it->off -= s->data_len;
			continue;
		}
		*len = RTE_MIN(it->left, (uint32_t)s->data_len - it->off);
		*p = rte_pktmbuf_mtod_offset(s, uint8_t *, it->off);
		it->off = 0;
		it->left -= *len;
		return true;
	}
	return false;
}

/* Constant-time comparison of two tags (no early exit on the first differing byte). */
static inline bool
ft_aead_tag_equal(const uint8_t *a, const uint8_t *b)
{
	uint8_t d = 0;

	for (unsigned int i = 0; i < FT_AEAD_TAG_LEN; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

#endif /* FT_CRYPTO_AEAD_BACKEND_H */
