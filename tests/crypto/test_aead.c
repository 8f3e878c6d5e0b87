/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for src/crypto (aead.c and every backend). The vectors (aead_vectors.h: NIST GCM
 * spec cases, RFC 8439 §2.8.2) are first checked against raw OpenSSL EVP; then, for every
 * backend instance below whose device exists: seal matches the vectors, open recovers the
 * plaintext, any flipped bit in AAD, tag or ciphertext fails open and lands in the tail, random
 * sizes 0..9000 (mixed algorithms and keys in a burst, mbuf chains where supported) match the
 * "openssl" backend byte for byte, and malformed ops fail with the documented status.
 * EAL runs without hugepages or PCI (--no-huge --no-pci -m 256 --no-shconf -l 0) with the
 * software crypto vdevs; the instances that need more devices create them on demand. An
 * instance whose backend cannot be created is skipped with the reason printed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "crypto/aead.h"
#include "aead_pkt.h"
#include "aead_vectors.h"

#define POOL_SIZE 1023
#define MAX_DATA 9000
#define SEG_ROOM (MAX_DATA + 64)  /* one segment holds AAD + tag + 9000 bytes */
#define OVPN_AAD 8
#define CROSS_ROUNDS 40
#define CROSS_BURST 8

struct inst {
	const char *label, *backend, *device;
	struct ft_aead_backend *be;
	struct ft_aead_ctx *ctx;
	char why[160];  /* why be is NULL */
};

static struct inst insts[] = {
	{ .label = "openssl", .backend = "openssl", .device = NULL },
	{ .label = "ipsec-mb", .backend = "ipsec-mb", .device = NULL },
	{ .label = "ipsec-mb-job", .backend = "ipsec-mb-job", .device = NULL },
	{ .label = "cpu-crypto/aesni_gcm", .backend = "cpu-crypto", .device = "crypto_aesni_gcm0" },
	{ .label = "cpu-crypto/aesni_mb", .backend = "cpu-crypto", .device = "crypto_aesni_mb1" },
	{ .label = "cpu-crypto/chacha20_poly1305", .backend = "cpu-crypto",
	  .device = "crypto_chacha20_poly1305_1" },
	{ .label = "cryptodev/aesni_mb", .backend = "cryptodev", .device = "crypto_aesni_mb0" },
	{ .label = "cryptodev/aesni_gcm", .backend = "cryptodev", .device = "crypto_aesni_gcm1" },
	{ .label = "cryptodev/openssl", .backend = "cryptodev", .device = "crypto_openssl0" },
	{ .label = "cryptodev/chacha20_poly1305", .backend = "cryptodev",
	  .device = "crypto_chacha20_poly1305_0" },
};

static struct rte_mempool *pool;
static struct ft_aead_backend *oracle_be;
static struct ft_aead_ctx *oracle_ctx;
static struct ft_aead_op ops[FT_AEAD_BURST_MAX + 2], ops2[FT_AEAD_BURST_MAX];
static uint8_t buf_a[SEG_ROOM], buf_b[SEG_ROOM], pts[CROSS_BURST][MAX_DATA];

static struct inst *
inst_or_skip(void **state)
{
	struct inst *in = *state;

	if (in->be == NULL) {
		print_message("[  SKIP    ] %s: %s\n", in->label, in->why);
		skip();
	}
	return in;
}

static bool
vector_supported(const struct inst *in, const struct aead_vector *v, const struct kat *k)
{
	if (ft_aead_backend_supports(in->be, v->alg, (uint16_t)k->aad_len))
		return true;
	print_message("[  INFO    ] %s: %s (%s, %zu-byte AAD) not supported by the device\n",
		      in->label, v->name, ft_aead_alg_name(v->alg), k->aad_len);
	return false;
}

static int
group_setup(void **state)
{
	static char *argv[] = {
		"test_aead", "--no-huge", "--no-pci", "-m", "256", "--no-shconf", "-l", "0",
		"--log-level=*:error", "--vdev=crypto_aesni_mb0", "--vdev=crypto_aesni_gcm0",
		"--vdev=crypto_openssl0",
	};
	struct ft_aead_backend_conf conf;

	RTE_SET_USED(state);
	if (rte_eal_init((int)RTE_DIM(argv), argv) < 0)
		return -1;
	pool = rte_pktmbuf_pool_create("aead_test", POOL_SIZE, 0, 0,
				       RTE_PKTMBUF_HEADROOM + SEG_ROOM, SOCKET_ID_ANY);
	aead_pkt_pool_set(pool);
	ft_aead_backend_conf_init(&conf);
	oracle_be = ft_aead_backend_create(&conf);
	oracle_ctx = ft_aead_ctx_create(oracle_be, SOCKET_ID_ANY);
	if (pool == NULL || oracle_ctx == NULL)
		return -1;
	for (unsigned int i = 0; i < RTE_DIM(insts); i++) {
		struct inst *in = &insts[i];

		conf.name = in->backend;
		conf.device = in->device;
		in->be = ft_aead_backend_create(&conf);
		if (in->be == NULL) {
			snprintf(in->why, sizeof(in->why), "backend %s on %s: %s", in->backend,
				 in->device, rte_strerror(rte_errno));
			continue;
		}
		in->ctx = ft_aead_ctx_create(in->be, SOCKET_ID_ANY);
		if (in->ctx == NULL)
			return -1;
		print_message("[  INFO    ] %s: mbuf chains %s\n", in->label,
			      ft_aead_backend_has_multiseg(in->be) ? "supported" :
			      "rejected with -ENOTSUP");
	}
	return 0;
}

static int
group_teardown(void **state)
{
	int rc = 0;

	RTE_SET_USED(state);
	for (unsigned int i = 0; i < RTE_DIM(insts); i++) {
		ft_aead_ctx_destroy(insts[i].ctx);
		rc |= ft_aead_backend_destroy(insts[i].be);
	}
	ft_aead_ctx_destroy(oracle_ctx);
	rc |= ft_aead_backend_destroy(oracle_be);
	if (rte_mempool_avail_count(pool) != POOL_SIZE) {
		print_message("mbuf leak: %u of %u in the pool\n", rte_mempool_avail_count(pool),
			      POOL_SIZE);
		rc = -1;
	}
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return rc;
}

/* The vectors themselves, through raw EVP (not our backend): catches typing errors. */
static void
test_vectors_agree_with_openssl_evp(void **state)
{
	static const char *const names[] = {
		"AES-128-GCM", "AES-192-GCM", "AES-256-GCM", "ChaCha20-Poly1305",
	};
	uint8_t out[128], tag[FT_AEAD_TAG_LEN];
	int len;

	RTE_SET_USED(state);
	for (unsigned int i = 0; i < RTE_DIM(aead_vectors); i++) {
		EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, names[aead_vectors[i].alg], NULL);
		EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
		struct kat k;

		kat_load(&aead_vectors[i], &k);
		assert_non_null(c);
		assert_int_equal(EVP_EncryptInit_ex2(x, c, k.key, k.iv, NULL), 1);
		assert_int_equal(EVP_EncryptUpdate(x, NULL, &len, k.aad, (int)k.aad_len), 1);
		assert_int_equal(EVP_EncryptUpdate(x, out, &len, k.pt, (int)k.pt_len), 1);
		assert_int_equal(EVP_EncryptFinal_ex(x, out + len, &len), 1);
		assert_int_equal(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16, tag), 1);
		assert_memory_equal(out, k.ct, k.pt_len);
		assert_memory_equal(tag, k.tag, FT_AEAD_TAG_LEN);
		EVP_CIPHER_CTX_free(x);
		EVP_CIPHER_free(c);
	}
}

/* Seal (@p open false) or open every supported vector, linear and as a 3-segment chain. */
static void
run_vectors(struct inst *in, bool open)
{
	unsigned int ran = 0;

	for (unsigned int i = 0; i < RTE_DIM(aead_vectors); i++) {
		const struct aead_vector *v = &aead_vectors[i];
		unsigned int max_segs = ft_aead_backend_has_multiseg(in->be) ? 3 : 1;
		struct ft_aead_key *key;
		struct kat k;

		kat_load(v, &k);
		if (!vector_supported(in, v, &k))
			continue;
		key = ft_aead_key_create(in->be, v->alg, k.key, k.key_len, (uint16_t)k.aad_len);
		assert_non_null(key);
		for (unsigned int segs = 1; segs <= max_segs; segs += 2) {
			struct rte_mbuf *m = open ?
				make_pkt(k.aad, k.aad_len, k.tag, k.ct, (uint32_t)k.pt_len, segs) :
				make_pkt(k.aad, k.aad_len, NULL, k.pt, (uint32_t)k.pt_len, segs);

			op_set(&ops[0], m, key, k.iv, k.aad_len, (uint32_t)k.pt_len);
			assert_int_equal(open ? ft_aead_open_burst(in->ctx, ops, 1) :
						ft_aead_seal_burst(in->ctx, ops, 1), 1);
			assert_int_equal(ops[0].status, 0);
			read_pkt(m, ops[0].data_off, (uint32_t)k.pt_len, buf_a);
			assert_memory_equal(buf_a, open ? k.pt : k.ct, k.pt_len);
			read_pkt(m, ops[0].tag_off, FT_AEAD_TAG_LEN, buf_b);
			assert_memory_equal(buf_b, k.tag, FT_AEAD_TAG_LEN);
			rte_pktmbuf_free(m);
		}
		ft_aead_key_destroy(key);
		ran++;
	}
	if (ran == 0) {
		print_message("[  SKIP    ] %s: no vector supported\n", in->label);
		skip();
	}
}

static void
test_seal_matches_known_answers(void **state)
{
	run_vectors(inst_or_skip(state), false);
}

static void
test_open_recovers_known_plaintext(void **state)
{
	run_vectors(inst_or_skip(state), true);
}

/* Every bit of AAD || tag || ciphertext flipped once, 63 per burst around one intact op. */
static void
flip_bits_of_vector(struct inst *in, const struct kat *k, struct ft_aead_key *key)
{
	struct rte_mbuf *ms[FT_AEAD_BURST_MAX];
	uint32_t nbits = (uint32_t)(k->aad_len + FT_AEAD_TAG_LEN + k->pt_len) * 8;

	for (uint32_t b0 = 0; b0 < nbits; b0 += FT_AEAD_BURST_MAX - 1) {
		uint16_t nbad = (uint16_t)RTE_MIN(nbits - b0, FT_AEAD_BURST_MAX - 1u);
		uint16_t good_at = (uint16_t)((b0 / (FT_AEAD_BURST_MAX - 1)) % (nbad + 1u));
		uint32_t bit = b0;

		for (uint16_t i = 0; i <= nbad; i++) {
			ms[i] = make_pkt(k->aad, k->aad_len, k->tag, k->ct, (uint32_t)k->pt_len, 1);
			if (i != good_at) {  /* layout is aad|tag|ct from offset 0 */
				rte_pktmbuf_mtod(ms[i], uint8_t *)[bit / 8] ^= 1u << (bit % 8);
				bit++;
			}
			op_set(&ops[i], ms[i], key, k->iv, k->aad_len, (uint32_t)k->pt_len);
		}
		assert_int_equal(ft_aead_open_burst(in->ctx, ops, nbad + 1), 1);
		assert_ptr_equal(ops[0].m, ms[good_at]);
		assert_int_equal(ops[0].status, 0);
		assert_memory_equal(rte_pktmbuf_mtod_offset(ms[good_at], void *, ops[0].data_off),
				    k->pt, k->pt_len);
		for (uint16_t i = 1; i <= nbad; i++)
			assert_int_equal(ops[i].status, -EBADMSG);
		for (uint16_t i = 0; i <= nbad; i++)
			rte_pktmbuf_free(ms[i]);
	}
}

static void
test_open_fails_on_any_flipped_bit(void **state)
{
	struct inst *in = inst_or_skip(state);
	unsigned int ran = 0;

	for (unsigned int i = 0; i < RTE_DIM(aead_vectors); i++) {
		const struct aead_vector *v = &aead_vectors[i];
		struct ft_aead_key *key;
		struct kat k;

		kat_load(v, &k);
		if (k.aad_len == 0 || k.pt_len == 0 || !vector_supported(in, v, &k))
			continue;
		key = ft_aead_key_create(in->be, v->alg, k.key, k.key_len, (uint16_t)k.aad_len);
		assert_non_null(key);
		flip_bits_of_vector(in, &k, key);
		ft_aead_key_destroy(key);
		ran++;
	}
	if (ran == 0)
		skip();
}

static uint32_t
random_size(void)
{
	static const uint32_t edges[] = {
		0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 256, 1400, 1500, 8999, MAX_DATA,
	};

	return rnd(4) == 0 ? edges[rnd(RTE_DIM(edges))] : rnd(MAX_DATA + 1);
}

struct key_pair {
	struct ft_aead_key *in, *oracle;
};

/* One burst of random ops (OpenVPN 8-byte AAD): inst seal == oracle seal, inst open == pt. */
static void
cross_burst(struct inst *in, struct key_pair (*keys)[2], const enum ft_aead_alg *algs,
	    unsigned int nalgs)
{
	struct rte_mbuf *mi[CROSS_BURST], *mo[CROSS_BURST];
	uint16_t n = (uint16_t)(1 + rnd(CROSS_BURST));
	bool sgl = ft_aead_backend_has_multiseg(in->be);

	for (uint16_t i = 0; i < n; i++) {
		struct key_pair *kp = &keys[algs[rnd(nalgs)]][rnd(2)];
		uint32_t len = random_size();
		uint8_t iv[FT_AEAD_IV_LEN], aad[OVPN_AAD];

		rnd_fill(iv, sizeof(iv));
		rnd_fill(aad, sizeof(aad));
		rnd_fill(pts[i], len);
		mi[i] = make_pkt(aad, OVPN_AAD, NULL, pts[i], len, sgl ? 1 + rnd(5) : 1);
		mo[i] = make_pkt(aad, OVPN_AAD, NULL, pts[i], len, 1);
		op_set(&ops[i], mi[i], kp->in, iv, OVPN_AAD, len);
		op_set(&ops2[i], mo[i], kp->oracle, iv, OVPN_AAD, len);
	}
	assert_int_equal(ft_aead_seal_burst(in->ctx, ops, n), n);
	assert_int_equal(ft_aead_seal_burst(oracle_ctx, ops2, n), n);
	for (uint16_t i = 0; i < n; i++) {
		assert_ptr_equal(ops[i].m, mi[i]);
		assert_int_equal(mi[i]->pkt_len, mo[i]->pkt_len);
		read_pkt(mi[i], 0, mi[i]->pkt_len, buf_a);
		read_pkt(mo[i], 0, mo[i]->pkt_len, buf_b);
		assert_memory_equal(buf_a, buf_b, mi[i]->pkt_len);
	}
	assert_int_equal(ft_aead_open_burst(in->ctx, ops, n), n);
	for (uint16_t i = 0; i < n; i++) {
		read_pkt(mi[i], ops[i].data_off, ops[i].data_len, buf_a);
		assert_memory_equal(buf_a, pts[i], ops[i].data_len);
		rte_pktmbuf_free(mi[i]);
		rte_pktmbuf_free(mo[i]);
	}
}

static void
test_random_sizes_match_openssl(void **state)
{
	struct inst *in = inst_or_skip(state);
	struct key_pair keys[FT_AEAD_ALG_COUNT][2];
	enum ft_aead_alg algs[FT_AEAD_ALG_COUNT];
	unsigned int nalgs = 0;
	uint8_t kb[FT_AEAD_KEY_MAX];

	memset(keys, 0, sizeof(keys));
	for (int a = 0; a < FT_AEAD_ALG_COUNT; a++) {
		size_t klen = ft_aead_alg_key_len((enum ft_aead_alg)a);

		if (!ft_aead_backend_supports(in->be, (enum ft_aead_alg)a, OVPN_AAD))
			continue;
		algs[nalgs++] = (enum ft_aead_alg)a;
		for (int j = 0; j < 2; j++) {
			rnd_fill(kb, klen);
			keys[a][j].in = ft_aead_key_create(in->be, (enum ft_aead_alg)a, kb, klen,
							   OVPN_AAD);
			keys[a][j].oracle = ft_aead_key_create(oracle_be, (enum ft_aead_alg)a, kb,
							       klen, OVPN_AAD);
			assert_non_null(keys[a][j].in);
			assert_non_null(keys[a][j].oracle);
		}
	}
	if (nalgs == 0)
		skip();
	for (int r = 0; r < CROSS_ROUNDS; r++)
		cross_burst(in, keys, algs, nalgs);
	for (int a = 0; a < FT_AEAD_ALG_COUNT; a++) {
		for (int j = 0; j < 2; j++) {
			ft_aead_key_destroy(keys[a][j].in);
			ft_aead_key_destroy(keys[a][j].oracle);
		}
	}
}

static void
test_alg_names_round_trip(void **state)
{
	enum ft_aead_alg alg;

	RTE_SET_USED(state);
	for (int a = 0; a < FT_AEAD_ALG_COUNT; a++) {
		assert_int_equal(ft_aead_alg_parse(ft_aead_alg_name((enum ft_aead_alg)a), &alg), 0);
		assert_int_equal(alg, a);
	}
	assert_int_equal(ft_aead_alg_parse("aes-256-gcm", &alg), 0);
	assert_int_equal(alg, FT_AEAD_AES_256_GCM);
	assert_int_equal(ft_aead_alg_key_len(FT_AEAD_AES_192_GCM), 24);
	assert_int_equal(ft_aead_alg_parse("AES-256-CBC", &alg), -EINVAL);
	assert_int_equal(ft_aead_alg_parse(NULL, &alg), -EINVAL);
	assert_null(ft_aead_alg_name(FT_AEAD_ALG_COUNT));
	assert_int_equal(ft_aead_alg_key_len(FT_AEAD_ALG_COUNT), 0);
}

static void
expect_create_fails(const char *name, const char *device, uint16_t max_ctx, int err)
{
	struct ft_aead_backend_conf conf;

	ft_aead_backend_conf_init(&conf);
	conf.name = name;
	conf.device = device;
	conf.max_ctx = max_ctx;
	assert_null(ft_aead_backend_create(&conf));
	assert_int_equal(rte_errno, err);
}

static void
test_backend_create_rejects_bad_conf(void **state)
{
	RTE_SET_USED(state);
	expect_create_fails("rot13", NULL, 1, EINVAL);
	expect_create_fails(NULL, NULL, 1, EINVAL);
	expect_create_fails("openssl", NULL, 0, EINVAL);
	expect_create_fails("openssl", NULL, 65, EINVAL);
	expect_create_fails("cryptodev", NULL, 1, EINVAL);
	expect_create_fails("cryptodev", "no_such_cryptodev0", 1, ENODEV);
	/* crypto_openssl has no CPU-crypto path */
	expect_create_fails("cpu-crypto", "crypto_openssl_cpu0", 1, ENOTSUP);
	assert_null(ft_aead_backend_create(NULL));
}

static void
test_lifecycle_limits_and_busy_destroy(void **state)
{
	static const uint8_t kb[32];
	struct ft_aead_backend_conf conf;
	struct ft_aead_backend *be;
	struct ft_aead_key *key;
	struct ft_aead_ctx *ctx;

	RTE_SET_USED(state);
	ft_aead_backend_conf_init(&conf);
	conf.max_keys = 1;
	be = ft_aead_backend_create(&conf);
	assert_non_null(be);
	assert_string_equal(ft_aead_backend_name(be), "openssl");
	ctx = ft_aead_ctx_create(be, SOCKET_ID_ANY);
	assert_non_null(ctx);
	assert_null(ft_aead_ctx_create(be, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, ENOSPC);
	assert_null(ft_aead_key_create(be, FT_AEAD_AES_256_GCM, kb, 16, OVPN_AAD));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(ft_aead_key_create(be, FT_AEAD_ALG_COUNT, kb, 32, OVPN_AAD));
	assert_int_equal(rte_errno, EINVAL);
	key = ft_aead_key_create(be, FT_AEAD_AES_256_GCM, kb, 32, OVPN_AAD);
	assert_non_null(key);
	assert_int_equal(ft_aead_key_alg(key), FT_AEAD_AES_256_GCM);
	assert_null(ft_aead_key_create(be, FT_AEAD_AES_128_GCM, kb, 16, OVPN_AAD));
	assert_int_equal(rte_errno, ENOSPC);
	assert_int_equal(ft_aead_backend_destroy(be), -EBUSY);
	ft_aead_key_destroy(key);
	assert_int_equal(ft_aead_backend_destroy(be), -EBUSY);
	ft_aead_ctx_destroy(ctx);
	assert_int_equal(ft_aead_backend_destroy(be), 0);
	assert_int_equal(ft_aead_backend_destroy(NULL), 0);
	ft_aead_key_destroy(NULL);
	ft_aead_ctx_destroy(NULL);
}

/* Expected status of each op in the malformed burst, found again by its mbuf. */
static int32_t
expected_status(struct rte_mbuf *const *ms, const int32_t *want, unsigned int n,
		const struct rte_mbuf *m)
{
	for (unsigned int i = 0; i < n; i++)
		if (ms[i] == m)
			return want[i];
	fail_msg("op with unknown mbuf %p in the burst", (const void *)m);
	return 1;
}

static void
test_malformed_ops_fail_into_the_tail(void **state)
{
	struct inst *in = inst_or_skip(state);
	enum ft_aead_alg alg = ft_aead_backend_supports(in->be, FT_AEAD_AES_256_GCM, OVPN_AAD) ?
			       FT_AEAD_AES_256_GCM : FT_AEAD_CHACHA20_POLY1305;
	bool sgl = ft_aead_backend_has_multiseg(in->be);
	static const uint8_t kb[32], iv[FT_AEAD_IV_LEN], aad[OVPN_AAD];
	struct ft_aead_key *key = ft_aead_key_create(in->be, alg, kb, 32, OVPN_AAD);
	struct ft_aead_key *other = ft_aead_key_create(oracle_be, alg, kb, 32, OVPN_AAD);
	const int32_t want[] = { 0, -EINVAL, -EINVAL, -EINVAL, -EINVAL, -EINVAL, 0,
				 sgl ? 0 : -ENOTSUP, -EINVAL };
	struct rte_mbuf *ms[RTE_DIM(want)];
	uint16_t n = RTE_DIM(want), good = sgl ? 3 : 2, k;

	assert_non_null(key);
	assert_non_null(other);
	memset(pts[0], 0x5a, 100);
	for (uint16_t i = 0; i < n; i++) {
		ms[i] = make_pkt(aad, OVPN_AAD, NULL, pts[0], 100, i == 7 ? 2 : 1);
		op_set(&ops[i], ms[i], key, iv, OVPN_AAD, 100);
	}
	ops[1].key = other;                                /* key of another backend */
	rte_pktmbuf_free(ms[2]);
	ms[2] = NULL;
	ops[2].m = NULL;                                   /* no packet */
	ops[3].tag_off = ms[3]->data_len - 8;              /* tag past the first segment */
	ops[4].data_len++;                                 /* data past the packet */
	ops[5].tag_off = ops[5].data_off + 4;              /* tag inside the data */
	ops[8].aad_off = ops[8].data_off + 90;             /* AAD inside the data */
	k = ft_aead_seal_burst(in->ctx, ops, n);
	assert_int_equal(k, good);
	assert_ptr_equal(ops[0].m, ms[0]);
	assert_ptr_equal(ops[1].m, ms[6]);
	for (uint16_t i = 0; i < n; i++)
		assert_int_equal(ops[i].status, expected_status(ms, want, n, ops[i].m));
	for (uint16_t i = 0; i < n; i++)
		rte_pktmbuf_free(ms[i]);
	ft_aead_key_destroy(key);
	ft_aead_key_destroy(other);
}

/* Ops past FT_AEAD_BURST_MAX in one call, and an op past FT_AEAD_SEGS_MAX segments. */
static void
test_oversized_bursts_fail_e2big(void **state)
{
	struct inst *in = inst_or_skip(state);
	enum ft_aead_alg alg = ft_aead_backend_supports(in->be, FT_AEAD_AES_256_GCM, OVPN_AAD) ?
			       FT_AEAD_AES_256_GCM : FT_AEAD_CHACHA20_POLY1305;
	bool sgl = ft_aead_backend_has_multiseg(in->be);
	uint16_t first_bad = FT_AEAD_BURST_MAX - (sgl ? 1 : 0);
	static const uint8_t kb[32], iv[FT_AEAD_IV_LEN], aad[OVPN_AAD];
	struct ft_aead_key *key = ft_aead_key_create(in->be, alg, kb, 32, OVPN_AAD);
	struct rte_mbuf *chain;

	assert_non_null(key);
	memset(pts[0], 0x5a, 100);
	for (uint16_t i = 0; i < FT_AEAD_BURST_MAX + 2; i++)
		op_set(&ops[i], make_pkt(aad, OVPN_AAD, NULL, pts[0], 100,
					 sgl && i == 0 ? FT_AEAD_SEGS_MAX + 1 : 1),
		       key, iv, OVPN_AAD, 100);
	chain = ops[0].m;
	assert_int_equal(ft_aead_seal_burst(in->ctx, ops, FT_AEAD_BURST_MAX + 2), first_bad);
	for (uint16_t i = first_bad; i < FT_AEAD_BURST_MAX + 2; i++)
		assert_int_equal(ops[i].status, -E2BIG);
	if (sgl)  /* the too-long chain first, then the ops past the burst limit */
		assert_ptr_equal(ops[first_bad].m, chain);
	for (uint16_t i = 0; i < FT_AEAD_BURST_MAX + 2; i++)
		rte_pktmbuf_free(ops[i].m);
	ft_aead_key_destroy(key);
}

#define INST_TESTS(i) \
	{ "seal_matches_known_answers", test_seal_matches_known_answers, NULL, NULL, &insts[i] }, \
	{ "open_recovers_known_plaintext", test_open_recovers_known_plaintext, NULL, NULL, \
	  &insts[i] }, \
	{ "open_fails_on_any_flipped_bit", test_open_fails_on_any_flipped_bit, NULL, NULL, \
	  &insts[i] }, \
	{ "random_sizes_match_openssl", test_random_sizes_match_openssl, NULL, NULL, \
	  &insts[i] }, \
	{ "malformed_ops_fail_into_the_tail", test_malformed_ops_fail_into_the_tail, NULL, NULL, \
	  &insts[i] }, \
	{ "oversized_bursts_fail_e2big", test_oversized_bursts_fail_e2big, NULL, NULL, &insts[i] }

int
main(void)
{
	static struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_agree_with_openssl_evp),
		cmocka_unit_test(test_alg_names_round_trip),
		cmocka_unit_test(test_backend_create_rejects_bad_conf),
		cmocka_unit_test(test_lifecycle_limits_and_busy_destroy),
		INST_TESTS(0), INST_TESTS(1), INST_TESTS(2), INST_TESTS(3), INST_TESTS(4),
		INST_TESTS(5), INST_TESTS(6), INST_TESTS(7), INST_TESTS(8), INST_TESTS(9),
	};
	static char names[RTE_DIM(tests)][96];

	static_assert(RTE_DIM(insts) == 10, "INST_TESTS list covers every instance");
	/* Name each per-instance test after its instance: "seal_matches_known_answers[ipsec-mb]". */
	for (unsigned int i = 0; i < RTE_DIM(tests); i++) {
		const struct inst *in = tests[i].initial_state;

		if (in == NULL)
			continue;
		snprintf(names[i], sizeof(names[i]), "%s[%s]", tests[i].name, in->label);
		tests[i].name = names[i];
	}
	return _cmocka_run_group_tests("aead", tests, RTE_DIM(tests), group_setup,
				       group_teardown);
}
