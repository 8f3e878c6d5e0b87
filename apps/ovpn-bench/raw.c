/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ovpn-bench's references: raw AEAD speed of the same backend, algorithm and payload size on
 * gateway lcore 0, in the P_DATA_V2 layout (AAD 8 bytes at 0, tag at 8, payload at 24), the way
 * bench/crypto/bench_aead.c measures it: each ft_aead_open_burst()/ft_aead_seal_burst() call
 * of one burst timed with rte_rdtsc_precise(), the median call kept (preemption on a shared
 * machine does not count). No parsing, lookups, replay window, headers or rings: the AEAD call
 * alone, open for decap and seal for encap.
 *
 *   raw_l1       one burst of packets sealed then opened in place over and over: they stay hot
 *                in L1/L2 (32 x 1.4 KB = 45 KB), payload cache-line aligned. The compute
 *                limit. The first two iterations of each phase, which find them evicted by the
 *                phase before, are not kept.
 *   raw_matched  frames placed exactly as the gateway's are (same number per phase, written by
 *                the other CPU, then enum ob_place; payload at the same offset in the buffer,
 *                ob_payload_off()) and taken through the same rx loop with the same look-ahead
 *                (gw.c drain()); the timed call includes building the ops, which reads the
 *                mbufs as the gateway must: built by ob_raw_generate() where the
 *                gateway's generator runs, one timed AEAD call per burst the gateway lcore
 *                dequeues (ob_raw_burst()), checked by ob_raw_collect(). The limit for a core
 *                that must read its frames from where the NIC put them.
 *   raw_imb_l1   (ipsec-mb backends, AES-GCM) the same L1 packets through the library's own
 *                one-shot IMB_AESxxx_GCM_ENC/DEC, a 16-byte tag compare after DEC: no ft_aead
 *                layer (validation, partition, the backend's prefetches), so no code of this
 *                project can make the reference look slower than the library is.
 * main.c interleaves these phases with the pipeline's (enum ob_mode), so that the three see
 * the same machine: on a shared VM the speed of a core drifts by tens of percent in seconds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <intel-ipsec-mb.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "ob.h"

#define RAW_MAX_SAMPLES	(1u << 16)	/* timed calls kept, per kind */
#define RAW_L1_SKIP	2		/* L1 iterations per phase not kept (warm-up) */
#define RAW_TAIL	0xa5		/* nonce tail byte */
#define RAW_PAT_LEN	(OVPN_DATA_V2_HDR_LEN + 1600)

/* raw_l1: the payload at RTE_PKTMBUF_HEADROOM, cache-line aligned. */
#define RAW_L1_OFF	(RTE_PKTMBUF_HEADROOM - OVPN_DATA_V2_HDR_LEN)

/* Samples are cycles x 1024 per op: bursts at the end of a batch may be short. */
#define RAW_FIX		1024

static uint8_t raw_pat[RAW_PAT_LEN];

/* The bare IPsec-MB reference: a manager of gateway lcore 0, one key, the one-shot calls. */
struct ob_raw_imb {
	struct gcm_key_data key;	/* first: 64-byte aligned (rte_zmalloc) */
	IMB_MGR *mgr;
	aes_gcm_enc_dec_t enc, dec;
};

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double
median_per_op(uint64_t *t, uint32_t n)
{
	if (n == 0)
		return 0;
	qsort(t, n, sizeof(*t), cmp_u64);
	return (double)t[n / 2] / RAW_FIX;
}

/* The op for raw packet @p m; its packet id travels in m->hash.usr (the packet is not read). */
static void
raw_op(struct ft_aead_op *op, struct rte_mbuf *m, const struct ft_aead_key *k)
{
	*op = (struct ft_aead_op){
		.m = m, .key = k, .aad_off = 0, .tag_off = OVPN_DATA_V2_TAG_OFF,
		.data_off = OVPN_DATA_V2_HDR_LEN,
		.data_len = rte_pktmbuf_pkt_len(m) - OVPN_DATA_V2_HDR_LEN,
	};
	memcpy(op->iv, &m->hash.usr, OVPN_PKTID_LEN);
	memset(op->iv + OVPN_PKTID_LEN, RAW_TAIL, OVPN_NONCE_TAIL_LEN);
}

/* Raw packet @p m at @p off: the pattern, packet id @p pid in the header and m->hash.usr. */
static void
raw_fill(struct rte_mbuf *m, uint16_t off, uint32_t size, uint32_t pid)
{
	uint8_t *p;

	m->data_off = off;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(OVPN_DATA_V2_HDR_LEN + size));
	memcpy(p, raw_pat, OVPN_DATA_V2_HDR_LEN + size);
	memcpy(p + OVPN_DATA_V2_PKTID_OFF, &pid, OVPN_PKTID_LEN);
	m->hash.usr = pid;
}

/* The bare reference for the ipsec-mb backends and AES-GCM; NULL otherwise (or no memory). */
static struct ob_raw_imb *
imb_create(const struct ob_world *w, const uint8_t *key)
{
	struct ob_raw_imb *b;

	if ((strcmp(w->o.backend, "ipsec-mb") != 0 && strcmp(w->o.backend, "ipsec-mb-job") != 0) ||
	    w->o.alg == FT_AEAD_CHACHA20_POLY1305)
		return NULL;
	b = rte_zmalloc("ob_raw_imb", sizeof(*b), RTE_CACHE_LINE_SIZE);
	if (b == NULL)
		return NULL;
	b->mgr = alloc_mb_mgr(0);
	if (b->mgr == NULL) {
		rte_free(b);
		return NULL;
	}
	init_mb_mgr_auto(b->mgr, NULL);
	switch (w->o.alg) {
	case FT_AEAD_AES_128_GCM:
		IMB_AES128_GCM_PRE(b->mgr, key, &b->key);
		b->enc = b->mgr->gcm128_enc;
		b->dec = b->mgr->gcm128_dec;
		break;
	case FT_AEAD_AES_192_GCM:
		IMB_AES192_GCM_PRE(b->mgr, key, &b->key);
		b->enc = b->mgr->gcm192_enc;
		b->dec = b->mgr->gcm192_dec;
		break;
	default:
		IMB_AES256_GCM_PRE(b->mgr, key, &b->key);
		b->enc = b->mgr->gcm256_enc;
		b->dec = b->mgr->gcm256_dec;
		break;
	}
	return b;
}

static void
imb_destroy(struct ob_raw_imb *b)
{
	if (b == NULL)
		return;
	free_mb_mgr(b->mgr);
	explicit_bzero(&b->key, sizeof(b->key));
	rte_free(b);
}

/* Bare one-shot seal or open of @p op (its fields as for ft_aead); open compares the tag. */
static bool
imb_one(const struct ob_raw_imb *b, const struct ft_aead_op *op, bool enc)
{
	uint8_t *p = rte_pktmbuf_mtod(op->m, uint8_t *);
	uint8_t *d = p + op->data_off, tag[FT_AEAD_TAG_LEN];
	struct gcm_context_data gctx;
	uint64_t t0, t1, c0, c1;

	(enc ? b->enc : b->dec)(&b->key, &gctx, d, d, op->data_len, op->iv, p + op->aad_off,
				OVPN_DATA_V2_AAD_LEN, enc ? p + op->tag_off : tag, FT_AEAD_TAG_LEN);
	if (enc)
		return true;
	memcpy(&t0, tag, 8);
	memcpy(&t1, tag + 8, 8);
	memcpy(&c0, p + op->tag_off, 8);
	memcpy(&c1, p + op->tag_off + 8, 8);
	return ((t0 ^ c0) | (t1 ^ c1)) == 0;
}

int
ob_raw_begin(struct ob_world *w, uint32_t size)
{
	struct ob_raw_ref *r = &w->raw;
	uint8_t key[FT_AEAD_KEY_MAX];

	memset(r, 0, sizeof(*r));
	for (unsigned int i = 0; i < RAW_PAT_LEN; i++)
		raw_pat[i] = (uint8_t)(i * 7 + 1);
	for (unsigned int i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 11 + 3);
	r->key = ft_aead_key_create(w->be, w->o.alg, key, ft_aead_alg_key_len(w->o.alg),
				    OVPN_DATA_V2_AAD_LEN);
	r->l1_open = calloc(RAW_MAX_SAMPLES, sizeof(uint64_t));
	r->l1_seal = calloc(RAW_MAX_SAMPLES, sizeof(uint64_t));
	r->matched = calloc(RAW_MAX_SAMPLES, sizeof(uint64_t));
	r->imb_open = calloc(RAW_MAX_SAMPLES, sizeof(uint64_t));
	r->imb_seal = calloc(RAW_MAX_SAMPLES, sizeof(uint64_t));
	r->imb = imb_create(w, key);
	r->n_l1m = w->o.burst;
	if (r->key == NULL || r->l1_open == NULL || r->l1_seal == NULL || r->matched == NULL ||
	    r->imb_open == NULL || r->imb_seal == NULL ||
	    rte_pktmbuf_alloc_bulk(w->pool, r->l1_m, r->n_l1m) != 0) {
		r->n_l1m = 0;
		return -ENOMEM;
	}
	for (uint16_t i = 0; i < r->n_l1m; i++)
		raw_fill(r->l1_m[i], RAW_L1_OFF, size, 0);
	return 0;
}

void
ob_raw_end(struct ob_world *w, struct ob_raw *l1, double *matched)
{
	struct ob_raw_ref *r = &w->raw;

	l1->imb_open_cyc = r->imb != NULL ? median_per_op(r->imb_open, r->n_l1) : 0;
	l1->imb_seal_cyc = r->imb != NULL ? median_per_op(r->imb_seal, r->n_l1) : 0;
	l1->open_cyc = median_per_op(r->l1_open, r->n_l1);
	l1->seal_cyc = median_per_op(r->l1_seal, r->n_l1);
	*matched = median_per_op(r->matched, r->n_matched);
	imb_destroy(r->imb);
	free(r->imb_open);
	free(r->imb_seal);
	if (r->n_l1m > 0)
		rte_pktmbuf_free_bulk(r->l1_m, r->n_l1m);
	ft_aead_key_destroy((struct ft_aead_key *)(uintptr_t)r->key);
	free(r->l1_open);
	free(r->l1_seal);
	free(r->matched);
	memset(r, 0, sizeof(*r));
}

/* New packet ids (fresh nonces) for the L1 packets, and their ops. */
static void
l1_stamp(struct ob_raw_ref *r, struct ft_aead_op *ops, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		uint32_t pid = ++r->l1_pid;
		uint8_t *p = rte_pktmbuf_mtod(r->l1_m[i], uint8_t *);

		memcpy(p + OVPN_DATA_V2_PKTID_OFF, &pid, OVPN_PKTID_LEN);
		r->l1_m[i]->hash.usr = pid;
		raw_op(&ops[i], r->l1_m[i], r->key);
	}
}

/*
 * The bare library on the L1 packets (just opened, so plaintext): new packet ids, then one
 * timed loop of one-shot seals and one of opens, as ft_aead's calls are timed.
 */
static void
imb_iteration(struct ob_raw_ref *r, struct ft_aead_op *ops, uint16_t n, uint64_t *ts,
	      uint64_t *to)
{
	uint64_t t0;
	bool ok = true;

	l1_stamp(r, ops, n);
	t0 = rte_rdtsc_precise();
	for (uint16_t i = 0; i < n; i++)
		imb_one(r->imb, &ops[i], true);
	*ts = rte_rdtsc_precise() - t0;
	t0 = rte_rdtsc_precise();
	for (uint16_t i = 0; i < n; i++)
		ok &= imb_one(r->imb, &ops[i], false);
	*to = rte_rdtsc_precise() - t0;
	r->l1_errors += !ok;
}

/*
 * Gateway lcore 0, an L1 phase: @p iters iterations of new packet ids (fresh nonces), seal,
 * open, on the same packets; each call timed.
 */
void
ob_raw_l1_phase(struct ob_gw *g, uint32_t iters)
{
	struct ob_raw_ref *r = &g->w->raw;
	struct ft_aead_op ops[OB_MAX_BURST];
	uint16_t n = r->n_l1m;

	for (uint32_t it = 0; it < iters; it++) {
		uint64_t t0, ts, to, ts_imb = 0, to_imb = 0;
		uint16_t s, o;

		l1_stamp(r, ops, n);
		t0 = rte_rdtsc_precise();
		s = ft_aead_seal_burst(g->aead, ops, n);
		ts = rte_rdtsc_precise() - t0;
		for (uint16_t i = 0; i < n; i++)
			raw_op(&ops[i], r->l1_m[i], r->key);
		t0 = rte_rdtsc_precise();
		o = ft_aead_open_burst(g->aead, ops, n);
		to = rte_rdtsc_precise() - t0;
		r->l1_errors += (uint64_t)(n - s) + (n - o);
		if (r->imb != NULL)
			imb_iteration(r, ops, n, &ts_imb, &to_imb);
		if (it < RAW_L1_SKIP || s != n || o != n || r->n_l1 >= RAW_MAX_SAMPLES)
			continue;
		r->imb_seal[r->n_l1] = ts_imb * RAW_FIX / n;
		r->imb_open[r->n_l1] = to_imb * RAW_FIX / n;
		r->l1_seal[r->n_l1] = ts * RAW_FIX / n;
		r->l1_open[r->n_l1++] = to * RAW_FIX / n;
	}
}

/*
 * Generator 0 (main lcore, the other CPU): @p batch raw packets for gateway 0, sealed with the
 * raw key for decap (the gateway opens them) or plaintext for encap (it seals them), then
 * placed like the gateway's frames. 0 or -errno.
 */
int
ob_raw_generate(struct ob_world *w, enum ob_dir dir, uint32_t size, uint32_t batch)
{
	const struct ft_aead_key *k = w->raw.key;
	struct ft_aead_op ops[OB_MAX_BURST];
	struct rte_mbuf *ms[OB_MAX_BURST];

	for (uint32_t done = 0; done < batch; ) {
		uint16_t c = (uint16_t)RTE_MIN(batch - done, (uint32_t)OB_MAX_BURST);

		if (rte_pktmbuf_alloc_bulk(w->pool, ms, c) != 0)
			return -ENOMEM;
		for (uint16_t j = 0; j < c; j++) {
			raw_fill(ms[j], ob_payload_off(dir) - OVPN_DATA_V2_HDR_LEN, size,
				 ++w->raw.gen_pid);
			raw_op(&ops[j], ms[j], k);
		}
		if (dir == OB_DECAP && ft_aead_seal_burst(w->main_aead, ops, c) != c)
			return -EIO;	/* setup bug: mbufs leak, we exit */
		for (uint16_t j = 0; j < c; j++)
			ob_place_frame(w, ms[j]);
		if (rte_ring_sp_enqueue_bulk(w->gw[0].in, (void **)ms, c, NULL) != c)
			return -ENOBUFS;
		done += c;
	}
	ob_place_done(w);
	return 0;
}

/* Gateway lcore 0, a matched phase: one timed AEAD call on the burst, then to the collector. */
void
ob_raw_burst(struct ob_gw *g, struct rte_mbuf **pkts, uint16_t n)
{
	struct ob_raw_ref *r = &g->w->raw;
	struct ft_aead_op ops[OB_MAX_BURST];
	uint64_t t0, t;
	uint16_t good, sent;

	t0 = rte_rdtsc_precise();
	for (uint16_t i = 0; i < n; i++)
		raw_op(&ops[i], pkts[i], r->key);
	if (g->dir == OB_DECAP)
		good = ft_aead_open_burst(g->aead, ops, n);
	else
		good = ft_aead_seal_burst(g->aead, ops, n);
	t = rte_rdtsc_precise() - t0;
	if (good == n && r->n_matched < RAW_MAX_SAMPLES)
		r->matched[r->n_matched++] = t * RAW_FIX / n;
	r->m_errors += n - good;	/* the failed ones are still freed by the collector */
	sent = (uint16_t)rte_ring_sp_enqueue_burst(g->out, (void **)pkts, n, NULL);
	if (sent < n) {
		r->m_errors += n - sent;
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	}
}

/* The payload of raw packet @p m is the plaintext pattern (opening it first if sealed). */
static bool
raw_verify(struct ob_world *w, struct rte_mbuf *m, enum ob_dir dir, uint32_t size)
{
	struct ft_aead_op op;
	const uint8_t *p;

	if (rte_pktmbuf_pkt_len(m) != OVPN_DATA_V2_HDR_LEN + size)
		return false;
	if (dir == OB_ENCAP) {
		raw_op(&op, m, w->raw.key);
		if (ft_aead_open_burst(w->main_aead, &op, 1) != 1)
			return false;
	}
	p = rte_pktmbuf_mtod(m, const uint8_t *);
	return memcmp(p + OVPN_DATA_V2_HDR_LEN, raw_pat + OVPN_DATA_V2_HDR_LEN, size) == 0;
}

/* Main lcore: drain gateway 0's output, check 1 packet in verify_every, free. */
void
ob_raw_collect(struct ob_world *w, enum ob_dir dir, uint32_t size)
{
	struct ob_raw_ref *r = &w->raw;
	struct rte_mbuf *ms[OB_MAX_BURST];
	unsigned int n;

	while ((n = rte_ring_sc_dequeue_burst(w->gw[0].out, (void **)ms, OB_MAX_BURST,
					      NULL)) > 0) {
		for (unsigned int j = 0; j < n; j++, r->collected++) {
			if (r->collected % w->o.verify_every != 0)
				continue;
			r->verified++;
			r->m_errors += !raw_verify(w, ms[j], dir, size);
		}
		rte_pktmbuf_free_bulk(ms, n);
	}
}
