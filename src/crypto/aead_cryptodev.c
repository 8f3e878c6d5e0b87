/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "cryptodev" backend: lookaside rte_cryptodev enqueue/dequeue on any PMD with AEAD
 * capabilities (software crypto_aesni_mb, crypto_aesni_gcm, crypto_openssl,
 * crypto_chacha20_poly1305; hardware such as QAT), one queue pair per worker context.
 *
 * Semantics: a synchronous facade. The burst call takes crypto ops from the context's own pool,
 * enqueues them and polls dequeue until every op is back or POLL_BUDGET polls have passed,
 * so callers see the same contract as the CPU backends. Ops the device has not returned by
 * then are failed with -ETIMEDOUT and op->m set to NULL: the device still writes into those
 * mbufs, so the context keeps them, recognises them by their burst generation when a later
 * dequeue returns them, and frees them there. A true split submit/complete API for deep
 * hardware pipelines (QAT) can be added on the same context later.
 *
 * Each crypto op's private area holds the IV (FT_AEAD_CDEV_IV_OFFSET) and then struct
 * cdev_meta (burst generation and index of the op in the caller's array). AAD and tag are
 * given in place in the mbuf with their IOVAs (openvpn-protocol.md §6.2 cryptodev mapping);
 * whether a given hardware PMD accepts the 8-byte in-place AAD is UNCONFIRMED (doc §6.2).
 * Mbuf chains are passed through when the device advertises RTE_CRYPTODEV_FF_IN_PLACE_SGL,
 * except for the drivers in no_sgl_drivers[] (see there).
 * Device and session setup: aead_cdev.c. Reference: DPDK 22.11 cryptodev guide.
 */
#include <assert.h>
#include <errno.h>
#include <stdalign.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_crypto.h>
#include <rte_cryptodev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "crypto/aead.h"
#include "crypto/aead_backend.h"
#include "crypto/aead_cdev.h"

enum {
	QP_DESC = 512,             /* descriptors per queue pair */
	OP_POOL_SIZE = 4 * FT_AEAD_BURST_MAX - 1,  /* bursts in flight + orphans; 2^n - 1 */
	POLL_BUDGET = 1 << 16,     /* dequeue polls per burst before giving up (see header) */
	ST_PENDING = 1,            /* ft_aead_op.status while the device holds the op */
};

/*
 * Drivers that advertise RTE_CRYPTODEV_FF_IN_PLACE_SGL but fail chained AEAD ops: the DPDK
 * 22.11 openssl PMD's combined (AEAD) path rejects any non-contiguous destination, which for
 * in-place ops is the source (process_openssl_combined_op); the flag covers its other paths.
 */
static const char *const no_sgl_drivers[] = { "crypto_openssl" };

struct cdev_backend {
	struct ft_aead_cdev cd;
	uint64_t qp_used;  /* bit q: queue pair q belongs to a context */
};

struct cdev_key {
	void *sess[2];  /* [enc] */
};

struct cdev_meta {
	uint32_t gen;  /* cdev_ctx.gen of the burst that enqueued the op */
	uint16_t idx;  /* index in that burst's ops[] */
};

struct cdev_ctx {
	uint8_t dev_id;
	uint16_t qp;
	uint32_t gen;      /* bumped per burst */
	uint32_t orphans;  /* ops still in the device from bursts that gave up on them */
	struct rte_mempool *pool;
	struct rte_crypto_op *cops[FT_AEAD_BURST_MAX];
	struct rte_crypto_op *deq[FT_AEAD_BURST_MAX];
};

/* Typed views of the private areas (aead_backend.h). */
static inline struct cdev_backend *
be_of(const struct ft_aead_backend *be)
{
	return ft_aead_backend_priv(be);
}

static inline struct cdev_key *
key_of(const struct ft_aead_key *key)
{
	return ft_aead_key_priv(key);
}

static inline struct cdev_ctx *
ctx_of(const struct ft_aead_ctx *ctx)
{
	return ft_aead_ctx_priv(ctx);
}

#define META_OFFSET (FT_AEAD_CDEV_IV_OFFSET + 16)  /* IV slot is 16 bytes (GCM J0 room) */
static_assert(META_OFFSET % alignof(struct cdev_meta) == 0, "cdev_meta alignment");

static inline struct cdev_meta *
op_meta(struct rte_crypto_op *cop)
{
	return rte_crypto_op_ctod_offset(cop, void *, META_OFFSET);  /* 8-aligned: op + 16 */
}

static inline void
prepare(const struct cdev_ctx *c, struct ft_aead_op *op, struct rte_crypto_op *cop,
	uint16_t idx, int enc)
{
	struct rte_crypto_sym_op *sym = cop->sym;
	struct rte_mbuf *m = op->m;
	struct cdev_meta *md = op_meta(cop);

	rte_crypto_op_attach_sym_session(cop, key_of(op->key)->sess[enc]);
	sym->m_src = m;
	sym->aead.data.offset = op->data_off;
	sym->aead.data.length = op->data_len;
	sym->aead.digest.data = ft_aead_op_ptr(op, op->tag_off);
	sym->aead.digest.phys_addr = rte_pktmbuf_iova_offset(m, op->tag_off);
	sym->aead.aad.data = ft_aead_op_ptr(op, op->aad_off);
	sym->aead.aad.phys_addr = rte_pktmbuf_iova_offset(m, op->aad_off);
	memcpy(rte_crypto_op_ctod_offset(cop, uint8_t *, FT_AEAD_CDEV_IV_OFFSET), op->iv,
	       FT_AEAD_IV_LEN);
	md->gen = c->gen;
	md->idx = idx;
	op->status = ST_PENDING;
}

static inline int32_t
map_status(uint8_t st)
{
	if (likely(st == RTE_CRYPTO_OP_STATUS_SUCCESS))
		return 0;
	return st == RTE_CRYPTO_OP_STATUS_AUTH_FAILED ? -EBADMSG : -EIO;
}

/*
 * One dequeue poll. Ops of the current burst complete ops[idx]; older ones are orphans whose
 * mbuf is ours (see the file header) and is freed here. Returns the current-burst count.
 */
static uint16_t
dequeue(struct cdev_ctx *c, struct ft_aead_op *ops)
{
	uint16_t nb, mine = 0;

	nb = rte_cryptodev_dequeue_burst(c->dev_id, c->qp, c->deq, FT_AEAD_BURST_MAX);
	for (uint16_t k = 0; k < nb; k++) {
		struct rte_crypto_op *cop = c->deq[k];
		const struct cdev_meta *md = op_meta(cop);

		if (likely(md->gen == c->gen)) {
			ops[md->idx].status = map_status(cop->status);
			mine++;
		} else {
			rte_pktmbuf_free(cop->sym->m_src);
			c->orphans--;
		}
	}
	if (nb > 0)
		rte_mempool_put_bulk(c->pool, (void **)c->deq, nb);
	return mine;
}

/*
 * The PMD refused cops[i] at enqueue and marked it (the openssl PMD processes at enqueue and
 * stops at the first op it cannot do): fail that op and go on with the next one.
 */
static uint16_t
reject(struct cdev_ctx *c, struct ft_aead_op *ops, uint16_t i)
{
	struct rte_crypto_op *cop = c->cops[i];

	ops[op_meta(cop)->idx].status = map_status(cop->status);
	rte_crypto_op_free(cop);
	return 1;
}

/* Budget spent: ops never enqueued go back to the pool, enqueued ones become orphans. */
static void
give_up(struct cdev_ctx *c, struct ft_aead_op *ops, uint16_t n, uint16_t sent)
{
	for (uint16_t i = 0; i < n; i++) {
		if (ops[i].status != ST_PENDING)
			continue;
		if (i >= sent) {
			ops[i].status = -EBUSY;
			rte_crypto_op_free(c->cops[i]);
		} else {
			ops[i].status = -ETIMEDOUT;
			ops[i].m = NULL;
			c->orphans++;
		}
	}
}

static int
be_init(struct ft_aead_backend *be, const struct ft_aead_backend_conf *conf)
{
	struct cdev_backend *cb = be_of(be);
	int rc;

	rc = ft_aead_cdev_open(&cb->cd, conf, 0, QP_DESC);
	if (rc < 0)
		return rc;
	be->multiseg = (cb->cd.features & RTE_CRYPTODEV_FF_IN_PLACE_SGL) != 0;
	for (unsigned int i = 0; i < RTE_DIM(no_sgl_drivers); i++)
		if (strcmp(cb->cd.driver, no_sgl_drivers[i]) == 0)
			be->multiseg = false;
	return 0;
}

static void
be_fini(struct ft_aead_backend *be)
{
	ft_aead_cdev_close(&be_of(be)->cd);
}

static bool
supports(const struct ft_aead_backend *be, enum ft_aead_alg alg, uint16_t aad_len)
{
	return ft_aead_cdev_supports(&be_of(be)->cd, alg, aad_len);
}

static int
key_init(struct ft_aead_key *key, const uint8_t *bytes)
{
	const struct cdev_backend *cb = be_of(key->be);

	return ft_aead_cdev_sessions_create(&cb->cd, key->alg, bytes, key->aad_len,
					    key_of(key)->sess);
}

static void
key_fini(struct ft_aead_key *key)
{
	const struct cdev_backend *cb = be_of(key->be);

	ft_aead_cdev_sessions_free(&cb->cd, key_of(key)->sess);
}

static int
ctx_init(struct ft_aead_ctx *ctx)
{
	struct cdev_backend *cb = be_of(ctx->be);
	struct cdev_ctx *c = ctx_of(ctx);
	char name[RTE_MEMPOOL_NAMESIZE];
	uint16_t qp = 0;

	while (qp < ctx->be->max_ctx && (cb->qp_used & (UINT64_C(1) << qp)))
		qp++;
	if (qp == ctx->be->max_ctx)
		return -ENOSPC;  /* aead.c checks nb_ctx first: not reached */
	snprintf(name, sizeof(name), "ftaead_op_%u_%u", cb->cd.dev_id, qp);
	c->pool = rte_crypto_op_pool_create(name, RTE_CRYPTO_OP_TYPE_SYMMETRIC, OP_POOL_SIZE, 0,
					    META_OFFSET - FT_AEAD_CDEV_IV_OFFSET +
					    sizeof(struct cdev_meta), ctx->socket_id);
	if (c->pool == NULL)
		return -ENOMEM;
	c->dev_id = cb->cd.dev_id;
	c->qp = qp;
	cb->qp_used |= UINT64_C(1) << qp;
	return 0;
}

static void
ctx_fini(struct ft_aead_ctx *ctx)
{
	struct cdev_backend *cb = be_of(ctx->be);
	struct cdev_ctx *c = ctx_of(ctx);

	if (c->pool == NULL)
		return;
	c->gen++;  /* every op still in the device is an orphan now */
	for (uint32_t polls = 0; c->orphans > 0 && polls < POLL_BUDGET; polls++)
		dequeue(c, NULL);
	if (c->orphans > 0) {
		FT_CRYPTO_LOG(ERR, "cryptodev %s qp %u: %u ops never returned, pool leaked",
			      cb->cd.name, c->qp, c->orphans);
		return;
	}
	rte_mempool_free(c->pool);
	cb->qp_used &= ~(UINT64_C(1) << c->qp);
}

static inline void
cdev_burst(struct ft_aead_ctx *ctx, struct ft_aead_op *ops, uint16_t n, int enc)
{
	struct cdev_ctx *c = ctx_of(ctx);
	uint16_t sent = 0, done = 0;

	c->gen++;
	if (unlikely(rte_crypto_op_bulk_alloc(c->pool, RTE_CRYPTO_OP_TYPE_SYMMETRIC, c->cops,
					      n) == 0)) {
		for (uint16_t i = 0; i < n; i++)
			ops[i].status = -ENOBUFS;
		return;
	}
	for (uint16_t i = 0; i < n; i++)
		prepare(c, &ops[i], c->cops[i], i, enc);
	for (uint32_t polls = 0; done < n && polls < POLL_BUDGET; polls++) {
		if (sent < n) {
			sent += rte_cryptodev_enqueue_burst(c->dev_id, c->qp, &c->cops[sent],
							    n - sent);
			if (sent < n && c->cops[sent]->status != RTE_CRYPTO_OP_STATUS_NOT_PROCESSED)
				done += reject(c, ops, sent++);
		}
		done += dequeue(c, ops);
	}
	if (unlikely(done < n))
		give_up(c, ops, n, sent);
}

static void
cdev_seal(struct ft_aead_ctx *ctx, struct ft_aead_op *ops, uint16_t n)
{
	cdev_burst(ctx, ops, n, 1);
}

static void
cdev_open(struct ft_aead_ctx *ctx, struct ft_aead_op *ops, uint16_t n)
{
	cdev_burst(ctx, ops, n, 0);
}

const struct ft_aead_backend_ops ft_aead_cryptodev_ops = {
	.name = "cryptodev",
	.be_priv_size = sizeof(struct cdev_backend),
	.key_priv_size = sizeof(struct cdev_key),
	.ctx_priv_size = sizeof(struct cdev_ctx),
	.be_init = be_init,
	.be_fini = be_fini,
	.supports = supports,
	.key_init = key_init,
	.key_fini = key_fini,
	.ctx_init = ctx_init,
	.ctx_fini = ctx_fini,
	.seal = cdev_seal,
	.open = cdev_open,
};
