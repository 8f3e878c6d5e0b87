/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ovpn-bench's reference: raw AEAD speed of the same backend, algorithm and payload size on
 * one core, in the P_DATA_V2 layout (AAD 8 bytes at 0, tag at 8, payload at 24), the way
 * bench/crypto/bench_aead.c measures it: a burst of packets sealed then opened in place, each
 * call timed with rte_rdtsc_precise(), the median burst kept (preemption on a shared machine
 * does not count). The packets stay hot in L1/L2, so this is the physical limit the pipeline
 * is compared with: no parsing, lookups, replay window, headers or rings.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "ob.h"

#define RAW_WARMUP	200
#define RAW_MEASURE	4000

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double
median_per_op(uint64_t *t, uint16_t burst)
{
	qsort(t, RAW_MEASURE, sizeof(*t), cmp_u64);
	return (double)t[RAW_MEASURE / 2] / burst;
}

static void
ops_fill(struct ft_aead_op *ops, struct rte_mbuf **ms, const struct ft_aead_key *k,
	 uint32_t size, uint16_t burst)
{
	for (uint16_t i = 0; i < burst; i++) {
		const uint8_t *p = rte_pktmbuf_mtod(ms[i], const uint8_t *);

		ops[i] = (struct ft_aead_op){
			.m = ms[i], .key = k, .aad_off = 0, .tag_off = OVPN_DATA_V2_TAG_OFF,
			.data_off = OVPN_DATA_V2_HDR_LEN, .data_len = size,
		};
		memcpy(ops[i].iv, p + OVPN_DATA_V2_PKTID_OFF, OVPN_PKTID_LEN);
		memset(ops[i].iv + OVPN_PKTID_LEN, 0xa5, OVPN_NONCE_TAIL_LEN);
	}
}

/* One measured iteration: new packet ids (fresh nonces), seal, open. 0 or -EIO. */
static int
iterate(struct ft_aead_ctx *ctx, struct ft_aead_op *ops, struct rte_mbuf **ms,
	const struct ft_aead_key *k, uint32_t size, uint16_t burst, uint32_t it,
	uint64_t *seal_t, uint64_t *open_t)
{
	uint64_t t0;
	uint16_t n;

	for (uint16_t i = 0; i < burst; i++) {
		uint32_t pid = it * burst + i + 1;

		memcpy(rte_pktmbuf_mtod(ms[i], uint8_t *) + OVPN_DATA_V2_PKTID_OFF, &pid, 4);
	}
	ops_fill(ops, ms, k, size, burst);
	t0 = rte_rdtsc_precise();
	n = ft_aead_seal_burst(ctx, ops, burst);
	*seal_t = rte_rdtsc_precise() - t0;
	if (n != burst)
		return -EIO;
	ops_fill(ops, ms, k, size, burst);
	t0 = rte_rdtsc_precise();
	n = ft_aead_open_burst(ctx, ops, burst);
	*open_t = rte_rdtsc_precise() - t0;
	return n == burst ? 0 : -EIO;
}

int
ob_raw_aead(struct ob_world *w, struct ft_aead_ctx *ctx, uint32_t size, uint16_t burst,
	    struct ob_raw *out)
{
	uint8_t key[FT_AEAD_KEY_MAX];
	struct rte_mbuf *ms[OB_MAX_BURST];
	struct ft_aead_op ops[OB_MAX_BURST];
	uint64_t *seal_t = calloc(RAW_MEASURE, sizeof(uint64_t));
	uint64_t *open_t = calloc(RAW_MEASURE, sizeof(uint64_t));
	struct ft_aead_key *k;
	int rc = -ENOMEM;

	for (unsigned int i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 11 + 3);
	k = ft_aead_key_create(w->be, w->o.alg, key, ft_aead_alg_key_len(w->o.alg),
			       OVPN_DATA_V2_AAD_LEN);
	if (k == NULL || seal_t == NULL || open_t == NULL ||
	    rte_pktmbuf_alloc_bulk(w->pool, ms, burst) != 0)
		goto out;
	for (uint16_t i = 0; i < burst; i++) {
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(ms[i], (uint16_t)(24 + size));

		for (uint32_t b = 0; b < 24 + size; b++)
			p[b] = (uint8_t)(b * 7 + i);
	}
	rc = 0;
	for (uint32_t it = 0; it < RAW_WARMUP + RAW_MEASURE && rc == 0; it++) {
		uint32_t slot = it < RAW_WARMUP ? 0 : it - RAW_WARMUP;

		rc = iterate(ctx, ops, ms, k, size, burst, it, &seal_t[slot], &open_t[slot]);
	}
	out->seal_cyc = median_per_op(seal_t, burst);
	out->open_cyc = median_per_op(open_t, burst);
	rte_pktmbuf_free_bulk(ms, burst);
out:
	ft_aead_key_destroy(k);
	free(seal_t);
	free(open_t);
	return rc;
}
