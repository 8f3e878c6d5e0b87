/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test helpers for tests/crypto/test_aead.c: a seeded PRNG, decoding of the hex vectors in
 * aead_vectors.h, and a packet factory for the OpenVPN-style layout [AAD | tag | data] with the
 * data optionally split over several mbuf segments. They assert with cmocka, so they are only
 * callable from inside a cmocka test. Not thread-safe (one PRNG, one pool).
 */
#ifndef FT_TESTS_CRYPTO_AEAD_PKT_H
#define FT_TESTS_CRYPTO_AEAD_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/aead.h"

struct rte_mbuf;
struct rte_mempool;
struct aead_vector;

/* A decoded vector. */
struct kat {
	uint8_t key[FT_AEAD_KEY_MAX], iv[FT_AEAD_IV_LEN], aad[32], pt[128], ct[128];
	uint8_t tag[FT_AEAD_TAG_LEN];
	size_t key_len, aad_len, pt_len;
};

/* Pool that make_pkt() allocates from; set once before any test runs. */
void aead_pkt_pool_set(struct rte_mempool *pool);

/* Deterministic xorshift64*: a value in [0, below), and random bytes. */
uint32_t rnd(uint32_t below);
void rnd_fill(uint8_t *p, size_t n);

/* Decode @p v into @p k (asserts on malformed hex or inconsistent lengths). */
void kat_load(const struct aead_vector *v, struct kat *k);

/*
 * Packet [aad | tag | data]: the first segment holds AAD, tag (zero when @p tag is NULL) and
 * the first piece of data; the rest goes to nsegs - 1 more segments of random non-zero sizes
 * (fewer when len < nsegs). The caller frees it.
 */
struct rte_mbuf *make_pkt(const uint8_t *aad, size_t aad_len, const uint8_t *tag,
			  const uint8_t *data, uint32_t len, unsigned int nsegs);

/* Copy @p len bytes at @p off of the (possibly chained) packet to @p out. */
void read_pkt(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint8_t *out);

/* An op for make_pkt()'s layout: AAD at 0, tag at aad_len, data after the tag. */
void op_set(struct ft_aead_op *op, struct rte_mbuf *m, const struct ft_aead_key *key,
	    const uint8_t *iv, size_t aad_len, uint32_t len);

#endif /* FT_TESTS_CRYPTO_AEAD_PKT_H */
