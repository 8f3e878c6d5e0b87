/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test helpers for test_aead.c (see aead_pkt.h): PRNG, hex vector decoding, packet factory.
 * Segment sizes come from the same seeded PRNG as the data, so every run builds the same chains.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "aead_pkt.h"
#include "aead_vectors.h"

static struct rte_mempool *pool;
static uint64_t rng = 0x2545f4914f6cdd1dULL;

void
aead_pkt_pool_set(struct rte_mempool *mp)
{
	pool = mp;
}

uint32_t
rnd(uint32_t below)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 2685821657736338717ULL) >> 32) % below;
}

void
rnd_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd(256);
}

static size_t
unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = strlen(h) / 2;
	unsigned int byte;

	assert_true(n <= cap);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(sscanf(h + 2 * i, "%2x", &byte), 1);
		out[i] = (uint8_t)byte;
	}
	return n;
}

void
kat_load(const struct aead_vector *v, struct kat *k)
{
	k->key_len = unhex(v->key, k->key, sizeof(k->key));
	unhex(v->iv, k->iv, sizeof(k->iv));
	k->aad_len = unhex(v->aad, k->aad, sizeof(k->aad));
	if (v->pt != NULL) {
		k->pt_len = unhex(v->pt, k->pt, sizeof(k->pt));
	} else {
		k->pt_len = strlen(v->pt_ascii);
		memcpy(k->pt, v->pt_ascii, k->pt_len);
	}
	assert_int_equal(unhex(v->ct, k->ct, sizeof(k->ct)), k->pt_len);
	assert_int_equal(unhex(v->tag, k->tag, sizeof(k->tag)), FT_AEAD_TAG_LEN);
}

static void
put(struct rte_mbuf *seg, const uint8_t *src, uint32_t n)
{
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(seg, (uint16_t)n);

	assert_non_null(p);
	if (n > 0)
		memcpy(p, src, n);
}

struct rte_mbuf *
make_pkt(const uint8_t *aad, size_t aad_len, const uint8_t *tag, const uint8_t *data,
	 uint32_t len, unsigned int nsegs)
{
	static const uint8_t zero[FT_AEAD_TAG_LEN];
	struct rte_mbuf *head = rte_pktmbuf_alloc(pool), *seg = head;
	uint32_t done = 0;

	assert_non_null(head);
	if (nsegs > len)
		nsegs = len > 0 ? len : 1;
	put(head, aad, (uint32_t)aad_len);
	put(head, tag != NULL ? tag : zero, FT_AEAD_TAG_LEN);
	for (unsigned int s = 0; s < nsegs; s++) {
		uint32_t left = len - done, later = nsegs - s - 1;
		uint32_t piece = later == 0 ? left : 1 + rnd(left - later);

		if (s > 0) {
			seg = rte_pktmbuf_alloc(pool);
			assert_non_null(seg);
		}
		put(seg, data + done, piece);
		done += piece;
		if (s > 0)
			assert_int_equal(rte_pktmbuf_chain(head, seg), 0);
	}
	return head;
}

void
read_pkt(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint8_t *out)
{
	const void *p = rte_pktmbuf_read(m, off, len, out);

	assert_non_null(p);
	if (p != out && len > 0)
		memcpy(out, p, len);
}

void
op_set(struct ft_aead_op *op, struct rte_mbuf *m, const struct ft_aead_key *key,
       const uint8_t *iv, size_t aad_len, uint32_t len)
{
	memset(op, 0, sizeof(*op));
	op->m = m;
	op->key = key;
	op->aad_off = 0;
	op->tag_off = (uint32_t)aad_len;
	op->data_off = (uint32_t)aad_len + FT_AEAD_TAG_LEN;
	op->data_len = len;
	op->status = 1;
	memcpy(op->iv, iv, FT_AEAD_IV_LEN);
}
