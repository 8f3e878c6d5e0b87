/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Intel IPsec-MB backends, called directly (no cryptodev layer):
 *   "ipsec-mb"      a contiguous AES-GCM op is one direct IMB_AESxxx_GCM_ENC/DEC call; a
 *                   contiguous ChaCha20-Poly1305 op is a job (submitted, then flushed at the
 *                   end of the burst);
 *   "ipsec-mb-job"  every contiguous op is a job; kept so that bench_aead can re-measure.
 * Mbuf chains always take the direct init/update-per-segment/finalize path.
 * Why the split (bench/crypto/bench_aead.c, IPsec-MB 1.3 on AVX-512/VAES): GCM is not
 * multi-buffer, so the job layer only adds cost (AES-256-GCM 64 B: ~86 cycles/op direct vs ~130
 * as jobs), while ChaCha20-Poly1305 jobs run multi-buffer and beat the direct single-buffer API
 * (64 B: ~475 vs ~895 cycles/op; 1400 B: ~1090 vs ~1465).
 * Each worker context owns an IMB_MGR initialised with init_mb_mgr_auto() (best ISA for the
 * CPU); keys hold the expanded AES key and GHASH table (IMB_AESxxx_GCM_PRE, computed once on the
 * backend's own manager) or the raw ChaCha20 key. Open computes the tag into scratch and
 * compares it in constant time before reporting success.
 * Memory: while op i is processed, the lines of op i + IMB_PREFETCH_AHEAD (its first segment,
 * from the packet start through the end of its data) are prefetched. A gateway's frames are in
 * L3 or DRAM (where the NIC wrote them), not in L1; see IMB_PREFETCH_AHEAD for what that buys
 * and costs. Note: Debian's IPsec-MB 1.3 writes a process-wide global per job (ARCHITECTURE.md
 * "Crypto"): measure before relying on multi-lcore scaling. References: NIST SP 800-38D,
 * RFC 8439 §2.8, intel-ipsec-mb.h (1.3).
 */
#include <errno.h>
#include <string.h>

#include <intel-ipsec-mb.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "crypto/aead.h"
#include "crypto/aead_backend.h"

/*
 * Ops ahead whose data is prefetched (prefetch_op()). A gateway's frames are where the NIC
 * wrote them, in L3 or DRAM; the hardware prefetcher alone left AES-256-GCM open of 1400 B
 * frames from L3 at 1.3 to 3 times its L1 time (apps/ovpn-bench raw_matched; 4 KiB pages and a
 * shared VM make it vary). Two ops ahead (46 lines of 1400 B) brought it to about 1.2 times;
 * one was worse, three or four no better. On packets already in L1 the prefetches cost about
 * 1% (raw_l1).
 */
#define IMB_PREFETCH_AHEAD	2

struct imb_backend {
	IMB_MGR *mgr;  /* key precomputation only (control thread) */
};

union imb_key {
	struct gcm_key_data gcm;       /* 64-byte aligned: ft_aead_key.priv is cache aligned */
	uint8_t raw[FT_AEAD_KEY_MAX];  /* ChaCha20-Poly1305 */
};

/* The manager's GCM entry points for one key size and direction, looked up once per context
 * (STYLE §11: no per-packet branch on the algorithm). */
struct gcm_fns {
	aes_gcm_enc_dec_t oneshot;
	aes_gcm_init_t init;
	aes_gcm_enc_dec_update_t update;
	aes_gcm_enc_dec_finalize_t final;
};

struct imb_ctx {
	IMB_MGR *mgr;
	struct gcm_fns gcm[FT_AEAD_AES_256_GCM + 1][2];    /* [key size][enc] */
	uint8_t tags[FT_AEAD_BURST_MAX][FT_AEAD_TAG_LEN];  /* job API open: computed tags */
};

/* Typed views of the private areas (aead_backend.h). */
static inline struct imb_backend *
be_of(const struct ft_aead_backend *be)
{
	return ft_aead_backend_priv(be);
}

static inline union imb_key *
key_of(const struct ft_aead_key *key)
{
	return ft_aead_key_priv(key);
}

static inline struct imb_ctx *
ctx_of(const struct ft_aead_ctx *ctx)
{
	return ft_aead_ctx_priv(ctx);
}

union imb_stream {
	struct gcm_context_data gcm;
	struct chacha20_poly1305_context_data chacha;
};

static IMB_MGR *
mgr_create(void)
{
	IMB_MGR *mgr = alloc_mb_mgr(0);

	if (mgr == NULL)
		return NULL;
	init_mb_mgr_auto(mgr, NULL);
	if (imb_get_errno(mgr) != 0) {
		free_mb_mgr(mgr);
		return NULL;
	}
	return mgr;
}

static int
be_init(struct ft_aead_backend *be, const struct ft_aead_backend_conf *conf)
{
	struct imb_backend *ib = be_of(be);

	RTE_SET_USED(conf);
	be->multiseg = true;
	ib->mgr = mgr_create();
	if (ib->mgr == NULL)
		return -ENOMEM;
	FT_CRYPTO_LOG(INFO, "%s: IPsec-MB %s, arch %s", be->ops->name, imb_get_version_str(),
		      ib->mgr->used_arch == IMB_ARCH_AVX512 ? "avx512" :
		      ib->mgr->used_arch == IMB_ARCH_AVX2 ? "avx2" :
		      ib->mgr->used_arch == IMB_ARCH_AVX ? "avx" : "sse");
	return 0;
}

static void
be_fini(struct ft_aead_backend *be)
{
	struct imb_backend *ib = be_of(be);

	if (ib->mgr != NULL)
		free_mb_mgr(ib->mgr);
}

static bool
supports(const struct ft_aead_backend *be, enum ft_aead_alg alg, uint16_t aad_len)
{
	RTE_SET_USED(be);
	RTE_SET_USED(alg);
	RTE_SET_USED(aad_len);
	return true;
}

static int
key_init(struct ft_aead_key *key, const uint8_t *bytes)
{
	IMB_MGR *mgr = be_of(key->be)->mgr;
	union imb_key *ik = key_of(key);

	switch (key->alg) {
	case FT_AEAD_AES_128_GCM:
		IMB_AES128_GCM_PRE(mgr, bytes, &ik->gcm);
		break;
	case FT_AEAD_AES_192_GCM:
		IMB_AES192_GCM_PRE(mgr, bytes, &ik->gcm);
		break;
	case FT_AEAD_AES_256_GCM:
		IMB_AES256_GCM_PRE(mgr, bytes, &ik->gcm);
		break;
	case FT_AEAD_CHACHA20_POLY1305:
		memcpy(ik->raw, bytes, key->key_len);
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static void
key_fini(struct ft_aead_key *key)
{
	RTE_SET_USED(key);  /* aead.c wipes the key schedule */
}

static int
ctx_init(struct ft_aead_ctx *ctx)
{
	struct imb_ctx *ic = ctx_of(ctx);

	ic->mgr = mgr_create();
	if (ic->mgr == NULL)
		return -ENOMEM;
#define GCM_FNS(bits, dir) (struct gcm_fns){ ic->mgr->gcm##bits##_##dir, \
		ic->mgr->gcm##bits##_init, ic->mgr->gcm##bits##_##dir##_update, \
		ic->mgr->gcm##bits##_##dir##_finalize }
	ic->gcm[FT_AEAD_AES_128_GCM][0] = GCM_FNS(128, dec);
	ic->gcm[FT_AEAD_AES_128_GCM][1] = GCM_FNS(128, enc);
	ic->gcm[FT_AEAD_AES_192_GCM][0] = GCM_FNS(192, dec);
	ic->gcm[FT_AEAD_AES_192_GCM][1] = GCM_FNS(192, enc);
	ic->gcm[FT_AEAD_AES_256_GCM][0] = GCM_FNS(256, dec);
	ic->gcm[FT_AEAD_AES_256_GCM][1] = GCM_FNS(256, enc);
#undef GCM_FNS
	return 0;
}

static void
ctx_fini(struct ft_aead_ctx *ctx)
{
	struct imb_ctx *ic = ctx_of(ctx);

	if (ic->mgr != NULL)
		free_mb_mgr(ic->mgr);
}

/* One call for a contiguous GCM op: encrypt or decrypt in place, tag into @p tag. */
static inline void
gcm_oneshot(const struct imb_ctx *ic, const struct ft_aead_op *op, bool enc, uint8_t *tag)
{
	const struct ft_aead_key *k = op->key;
	uint8_t *p = ft_aead_op_ptr(op, op->data_off);
	struct gcm_context_data gctx;

	ic->gcm[k->alg][enc].oneshot(&key_of(k)->gcm, &gctx, p, p, op->data_len, op->iv,
				     ft_aead_op_ptr(op, op->aad_off), k->aad_len, tag,
				     FT_AEAD_TAG_LEN);
}

static inline bool
is_chacha(const struct ft_aead_key *k)
{
	return k->alg == FT_AEAD_CHACHA20_POLY1305;
}

static inline void
stream_init(const struct imb_ctx *ic, const struct ft_aead_op *op, union imb_stream *st)
{
	const struct ft_aead_key *k = op->key;
	const uint8_t *aad = ft_aead_op_ptr(op, op->aad_off);

	if (is_chacha(k))
		IMB_CHACHA20_POLY1305_INIT(ic->mgr, key_of(k)->raw, &st->chacha, op->iv, aad,
					   k->aad_len);
	else
		ic->gcm[k->alg][0].init(&key_of(k)->gcm, &st->gcm, op->iv, aad, k->aad_len);
}

static inline void
stream_update(const struct imb_ctx *ic, const struct ft_aead_key *k, union imb_stream *st,
	      bool enc, uint8_t *p, uint32_t len)
{
	if (!is_chacha(k))
		ic->gcm[k->alg][enc].update(&key_of(k)->gcm, &st->gcm, p, p, len);
	else if (enc)
		IMB_CHACHA20_POLY1305_ENC_UPDATE(ic->mgr, key_of(k)->raw, &st->chacha, p, p, len);
	else
		IMB_CHACHA20_POLY1305_DEC_UPDATE(ic->mgr, key_of(k)->raw, &st->chacha, p, p, len);
}

static inline void
stream_final(const struct imb_ctx *ic, const struct ft_aead_key *k, union imb_stream *st,
	     bool enc, uint8_t *tag)
{
	if (is_chacha(k))
		IMB_CHACHA20_POLY1305_ENC_FINALIZE(ic->mgr, &st->chacha, tag, FT_AEAD_TAG_LEN);
	else
		ic->gcm[k->alg][enc].final(&key_of(k)->gcm, &st->gcm, tag, FT_AEAD_TAG_LEN);
}

/* Init, one update per segment, finalize: ChaCha20-Poly1305 and every mbuf chain. */
static void
stream_one(const struct imb_ctx *ic, const struct ft_aead_op *op, bool enc, uint8_t *tag)
{
	struct ft_aead_seg_iter it;
	union imb_stream st;
	uint32_t len;
	uint8_t *p;

	stream_init(ic, op, &st);
	ft_aead_seg_iter_init(&it, op);
	while (ft_aead_seg_iter_next(&it, &p, &len))
		stream_update(ic, op->key, &st, enc, p, len);
	stream_final(ic, op->key, &st, enc, tag);
}

/* Describe a contiguous op as an IPsec-MB job; the tag is written to @p tag. */
static void
job_fill(IMB_JOB *job, struct ft_aead_op *op, bool enc, uint8_t *tag)
{
	const struct ft_aead_key *k = op->key;
	const union imb_key *ik = key_of(k);
	uint8_t *p = ft_aead_op_ptr(op, op->data_off);
	const uint8_t *aad = ft_aead_op_ptr(op, op->aad_off);

	job->cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->chain_order = enc ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	job->key_len_in_bytes = k->key_len;
	job->src = p;
	job->dst = p;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = op->data_len;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = op->data_len;
	job->iv = op->iv;
	job->iv_len_in_bytes = FT_AEAD_IV_LEN;
	job->auth_tag_output = tag;
	job->auth_tag_output_len_in_bytes = FT_AEAD_TAG_LEN;
	job->user_data = op;
	if (k->alg == FT_AEAD_CHACHA20_POLY1305) {
		job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
		job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
		job->enc_keys = job->dec_keys = ik->raw;
		job->u.CHACHA20_POLY1305.aad = aad;
		job->u.CHACHA20_POLY1305.aad_len_in_bytes = k->aad_len;
	} else {
		job->cipher_mode = IMB_CIPHER_GCM;
		job->hash_alg = IMB_AUTH_AES_GMAC;
		job->enc_keys = job->dec_keys = &ik->gcm;
		job->u.GCM.aad = aad;
		job->u.GCM.aad_len_in_bytes = k->aad_len;
	}
}

/*
 * Constant-time comparison of two 16-byte tags as two 64-bit words (no early exit). Same
 * contract as ft_aead_tag_equal(), whose byte loop gcc turns into a long shuffle/OR chain.
 */
static inline bool
tag_equal(const uint8_t *a, const uint8_t *b)
{
	uint64_t a0, a1, b0, b1;

	memcpy(&a0, a, 8);
	memcpy(&a1, a + 8, 8);
	memcpy(&b0, b, 8);
	memcpy(&b1, b + 8, 8);
	return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

static void
job_done(const IMB_JOB *job, bool enc)
{
	struct ft_aead_op *op = job->user_data;

	if (unlikely(job->status != IMB_STATUS_COMPLETED))
		op->status = -EIO;
	else if (!enc && !tag_equal(job->auth_tag_output, ft_aead_op_ptr(op, op->tag_off)))
		op->status = -EBADMSG;
	else
		op->status = 0;
}

/* Status of an op whose tag was computed directly into @p tag. */
static inline int32_t
direct_status(const struct ft_aead_op *op, bool enc, const uint8_t *tag)
{
	return enc || tag_equal(tag, ft_aead_op_ptr(op, op->tag_off)) ? 0 : -EBADMSG;
}

/*
 * Ask for every line of @p op's first segment from the packet start (AAD and tag) through the
 * end of its data. A read prefetch: prefetchw measured no better here (it needs -mprfchw, which
 * the DPDK build flags' -march=corei7 leaves out, so rte_prefetch0_write() is a read prefetch
 * anyway).
 */
static inline void
prefetch_op(const struct ft_aead_op *op)
{
	const struct rte_mbuf *m = op->m;
	const char *p = rte_pktmbuf_mtod(m, const char *);
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)(RTE_CACHE_LINE_SIZE - 1);
	uintptr_t end = (uintptr_t)p + RTE_MIN(op->data_off + op->data_len,
					       (uint32_t)rte_pktmbuf_data_len(m));

	for (; a < end; a += RTE_CACHE_LINE_SIZE)
		rte_prefetch0((const void *)a);
}

/*
 * One burst. @p gcm_direct is a constant in each caller: the backend variant, chosen at setup.
 * Seal writes the tag into the packet; open computes it into ic->tags[i] and compares.
 */
static inline void
imb_burst(struct ft_aead_ctx *ctx, struct ft_aead_op *ops, uint16_t n, bool enc,
	  bool gcm_direct)
{
	struct imb_ctx *ic = ctx_of(ctx);
	IMB_MGR *mgr = ic->mgr;
	IMB_JOB *job;

	for (uint16_t i = 0; i < n && i < IMB_PREFETCH_AHEAD; i++)
		prefetch_op(&ops[i]);
	for (uint16_t i = 0; i < n; i++) {
		struct ft_aead_op *op = &ops[i];
		uint8_t *tag = enc ? ft_aead_op_ptr(op, op->tag_off) : ic->tags[i];
		bool contig = ft_aead_op_is_contig(op);

		if (i + IMB_PREFETCH_AHEAD < n)
			prefetch_op(&ops[i + IMB_PREFETCH_AHEAD]);

		if (!contig || (gcm_direct && op->key->alg != FT_AEAD_CHACHA20_POLY1305)) {
			if (contig)
				gcm_oneshot(ic, op, enc, tag);
			else
				stream_one(ic, op, enc, tag);
			op->status = direct_status(op, enc, tag);
			continue;
		}
		/* The job queue (IMB_MAX_JOBS) is deeper than a burst: a job is always free. */
		job_fill(IMB_GET_NEXT_JOB(mgr), op, enc, tag);
		for (job = IMB_SUBMIT_JOB(mgr); job != NULL; job = IMB_GET_COMPLETED_JOB(mgr))
			job_done(job, enc);
	}
	while ((job = IMB_FLUSH_JOB(mgr)) != NULL)
		job_done(job, enc);
}

static void
hybrid_seal(struct ft_aead_ctx *ctx, struct ft_aead_op *ops, uint16_t n)
{
	imb_burst(ctx, ops, n, true, true);
}

static void
hybrid_open(struct ft_aead_ctx *ctx, struct ft_aead_op *ops, uint16_t n)
{
	imb_burst(ctx, ops, n, false, true);
}

static void
job_seal(struct ft_aead_ctx *ctx, struct ft_aead_op *ops, uint16_t n)
{
	imb_burst(ctx, ops, n, true, false);
}

static void
job_open(struct ft_aead_ctx *ctx, struct ft_aead_op *ops, uint16_t n)
{
	imb_burst(ctx, ops, n, false, false);
}

const struct ft_aead_backend_ops ft_aead_ipsecmb_ops = {
	.name = "ipsec-mb",
	.be_priv_size = sizeof(struct imb_backend),
	.key_priv_size = sizeof(union imb_key),
	.ctx_priv_size = sizeof(struct imb_ctx),
	.be_init = be_init,
	.be_fini = be_fini,
	.supports = supports,
	.key_init = key_init,
	.key_fini = key_fini,
	.ctx_init = ctx_init,
	.ctx_fini = ctx_fini,
	.seal = hybrid_seal,
	.open = hybrid_open,
};

const struct ft_aead_backend_ops ft_aead_ipsecmb_job_ops = {
	.name = "ipsec-mb-job",
	.be_priv_size = sizeof(struct imb_backend),
	.key_priv_size = sizeof(union imb_key),
	.ctx_priv_size = sizeof(struct imb_ctx),
	.be_init = be_init,
	.be_fini = be_fini,
	.supports = supports,
	.key_init = key_init,
	.key_fini = key_fini,
	.ctx_init = ctx_init,
	.ctx_fini = ctx_fini,
	.seal = job_seal,
	.open = job_open,
};
