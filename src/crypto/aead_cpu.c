/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "cpu-crypto" backend: synchronous rte_cryptodev_sym_cpu_crypto_process() on a software PMD
 * that advertises RTE_CRYPTODEV_FF_SYM_CPU_CRYPTO (crypto_aesni_gcm, crypto_aesni_mb). No
 * crypto ops, no queue pair traffic: the burst is described as rte_crypto_sym_vec arrays kept
 * in the worker context, and each run of consecutive ops with the same key (a cryptodev
 * session fixes key and direction) is one call. Lookaside enqueue/dequeue is aead_cryptodev.c;
 * device and session setup is aead_cdev.c.
 * Multi-segment data: only the drivers listed in sgl_drivers[] walk more than one vector in
 * their CPU-crypto path (DPDK 22.11: aesni_gcm does; aesni_mb's process_bulk fails any
 * vector count but 1 with ENOTSUP). RTE_CRYPTODEV_FF_IN_PLACE_SGL describes the enqueue path
 * only, so it cannot be used to decide this.
 * Reference: DPDK 22.11 rte_cryptodev.h, rte_cryptodev_sym_cpu_crypto_process().
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cryptodev.h>
#include <rte_mbuf.h>

#include "crypto/aead.h"
#include "crypto/aead_backend.h"
#include "crypto/aead_cdev.h"

/* Drivers whose CPU-crypto AEAD path handles a scatter-gather list (see the file header). */
static const char *const sgl_drivers[] = { "crypto_aesni_gcm" };

struct cpu_backend {
	struct ft_aead_cdev cd;
};

struct cpu_key {
	void *sess[2];  /* [enc] */
};

/* The rte_crypto_sym_vec of one burst; op i uses entry i of every array. */
struct cpu_ctx {
	uint8_t dev_id;
	struct rte_crypto_sgl sgl[FT_AEAD_BURST_MAX];
	struct rte_crypto_va_iova_ptr iv[FT_AEAD_BURST_MAX];
	struct rte_crypto_va_iova_ptr aad[FT_AEAD_BURST_MAX];
	struct rte_crypto_va_iova_ptr digest[FT_AEAD_BURST_MAX];
	int32_t status[FT_AEAD_BURST_MAX];
	struct rte_crypto_vec vec[FT_AEAD_BURST_MAX * FT_AEAD_SEGS_MAX];
};

/* Typed views of the private areas (aead_backend.h). */
static inline struct cpu_backend *
be_of(const struct ft_aead_backend *be)
{
	return ft_aead_backend_priv(be);
}

static inline struct cpu_key *
key_of(const struct ft_aead_key *key)
{
	return ft_aead_key_priv(key);
}

static inline struct cpu_ctx *
ctx_of(const struct ft_aead_ctx *ctx)
{
	return ft_aead_ctx_priv(ctx);
}

/*
 * The feature flag is not enough: DPDK 22.11's crypto_chacha20_poly1305 advertises
 * RTE_CRYPTODEV_FF_SYM_CPU_CRYPTO but has no CPU-crypto handler, so every op fails with
 * ENOTSUP. Seal one empty message with the first algorithm the device has to find out.
 */
static int
probe_cpu_crypto(const struct ft_aead_cdev *cd)
{
	uint8_t bytes[FT_AEAD_KEY_MAX] = { 0 }, buf[FT_AEAD_TAG_LEN + FT_AEAD_IV_LEN] = { 0 };
	struct rte_crypto_vec vec = { .base = buf, .len = 0 };
	struct rte_crypto_sgl sgl = { .vec = &vec, .num = 1 };
	struct rte_crypto_va_iova_ptr iv = { .va = buf + FT_AEAD_TAG_LEN }, dig = { .va = buf };
	int32_t status = EIO;
	struct rte_crypto_sym_vec sv = {
		.num = 1, .src_sgl = &sgl, .iv = &iv, .digest = &dig, .aad = &iv, .status = &status,
	};
	void *sess[2] = { NULL, NULL };
	int a, rc;

	for (a = 0; a < FT_AEAD_ALG_COUNT; a++)
		if (ft_aead_cdev_supports(cd, (enum ft_aead_alg)a, 0))
			break;
	if (a == FT_AEAD_ALG_COUNT)
		return -ENOTSUP;
	rc = ft_aead_cdev_sessions_create(cd, (enum ft_aead_alg)a, bytes, 0, sess);
	if (rc < 0)
		return rc;
	rte_cryptodev_sym_cpu_crypto_process(cd->dev_id, sess[1], (union rte_crypto_sym_ofs){ 0 },
					     &sv);
	ft_aead_cdev_sessions_free(cd, sess);
	return status == 0 ? 0 : -ENOTSUP;
}

static int
be_init(struct ft_aead_backend *be, const struct ft_aead_backend_conf *conf)
{
	struct cpu_backend *cb = be_of(be);
	int rc;

	rc = ft_aead_cdev_open(&cb->cd, conf, RTE_CRYPTODEV_FF_SYM_CPU_CRYPTO, 64);
	if (rc < 0)
		return rc;
	rc = probe_cpu_crypto(&cb->cd);
	if (rc < 0)
		return rc;
	for (unsigned int i = 0; i < RTE_DIM(sgl_drivers); i++)
		if (strcmp(cb->cd.driver, sgl_drivers[i]) == 0)
			be->multiseg = true;
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
	const struct cpu_backend *cb = be_of(key->be);

	return ft_aead_cdev_sessions_create(&cb->cd, key->alg, bytes, key->aad_len,
					    key_of(key)->sess);
}

static void
key_fini(struct ft_aead_key *key)
{
	const struct cpu_backend *cb = be_of(key->be);

	ft_aead_cdev_sessions_free(&cb->cd, key_of(key)->sess);
}

static int
ctx_init(struct ft_aead_ctx *ctx)
{
	ctx_of(ctx)->dev_id = be_of(ctx->be)->cd.dev_id;
	return 0;
}

static void
ctx_fini(struct ft_aead_ctx *ctx)
{
	RTE_SET_USED(ctx);
}

/* Describe op @p i; its data vectors start at vec[*nvec]. Virtual addresses only (CPU). */
static inline void
describe_op(struct cpu_ctx *cc, const struct ft_aead_op *op, uint16_t i, uint32_t *nvec)
{
	struct rte_crypto_vec *v = &cc->vec[*nvec];
	struct ft_aead_seg_iter it;
	uint32_t num = 0, len;
	uint8_t *p;

	ft_aead_seg_iter_init(&it, op);
	while (ft_aead_seg_iter_next(&it, &p, &len))
		v[num++] = (struct rte_crypto_vec){ .base = p, .len = len, .tot_len = len };
	if (num == 0)  /* empty payload: PMDs still want one vector */
		v[num++] = (struct rte_crypto_vec){ .base = rte_pktmbuf_mtod(op->m, void *) };
	cc->sgl[i] = (struct rte_crypto_sgl){ .vec = v, .num = num };
	cc->iv[i].va = (void *)(uintptr_t)op->iv;
	cc->aad[i].va = ft_aead_op_ptr(op, op->aad_off);
	cc->digest[i].va = ft_aead_op_ptr(op, op->tag_off);
	cc->status[i] = EIO;  /* a PMD that bails out early leaves it unset */
	*nvec += num;
}

/* PMD status (a positive errno, though aesni_mb stores -ENOTSUP) to ours. */
static inline int32_t
map_status(int32_t st)
{
	int32_t e = st < 0 ? -st : st;

	if (likely(e == 0))
		return 0;
	return e == EBADMSG || e == ENOTSUP ? -e : -EIO;
}

static inline void
cpu_burst(struct ft_aead_ctx *ctx, struct ft_aead_op *ops, uint16_t n, int enc)
{
	struct cpu_ctx *cc = ctx_of(ctx);
	union rte_crypto_sym_ofs ofs = { .raw = 0 };  /* vectors cover exactly the data */
	uint32_t nvec = 0;
	uint16_t i, j;

	for (i = 0; i < n; i++)
		describe_op(cc, &ops[i], i, &nvec);
	for (i = 0; i < n; i = j) {
		const struct ft_aead_key *k = ops[i].key;
		struct rte_crypto_sym_vec sv;

		for (j = i + 1; j < n && ops[j].key == k; j++)
			;
		sv = (struct rte_crypto_sym_vec){
			.num = j - i, .src_sgl = &cc->sgl[i], .iv = &cc->iv[i],
			.digest = &cc->digest[i], .aad = &cc->aad[i], .status = &cc->status[i],
		};
		rte_cryptodev_sym_cpu_crypto_process(cc->dev_id, key_of(k)->sess[enc], ofs, &sv);
	}
	for (i = 0; i < n; i++)
		ops[i].status = map_status(cc->status[i]);
}

static void
cpu_seal(struct ft_aead_ctx *ctx, struct ft_aead_op *ops, uint16_t n)
{
	cpu_burst(ctx, ops, n, 1);
}

static void
cpu_open(struct ft_aead_ctx *ctx, struct ft_aead_op *ops, uint16_t n)
{
	cpu_burst(ctx, ops, n, 0);
}

const struct ft_aead_backend_ops ft_aead_cpu_ops = {
	.name = "cpu-crypto",
	.be_priv_size = sizeof(struct cpu_backend),
	.key_priv_size = sizeof(struct cpu_key),
	.ctx_priv_size = sizeof(struct cpu_ctx),
	.be_init = be_init,
	.be_fini = be_fini,
	.supports = supports,
	.key_init = key_init,
	.key_fini = key_fini,
	.ctx_init = ctx_init,
	.ctx_fini = ctx_fini,
	.seal = cpu_seal,
	.open = cpu_open,
};
