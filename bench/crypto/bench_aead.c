/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AEAD throughput of every backend (src/crypto/aead.h) x algorithm x payload size (64, 512,
 * 1400 bytes), single core, bursts of 32, in the OpenVPN P_DATA_V2 layout (8-byte AAD at 0,
 * tag at 8, payload at 24: openvpn-protocol.md §6.1). Each burst is sealed then opened again,
 * so the payload returns to plaintext and every open authenticates; both calls are timed
 * separately with rte_rdtsc_precise() (about 1 cycle per op of timing overhead at burst 32),
 * and the figure is the median burst, so that preemption on a shared machine does not count.
 * Prints one line per configuration and one "RESULT {json}" line per backend/alg/size, with
 * the "openssl" backend's seal figure from the same run as the reference and the ratio to it.
 * Backends whose device cannot be created are reported and skipped. EAL runs without
 * hugepages by default; any arguments replace the default EAL arguments.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "bench.h"
#include "crypto/aead.h"

#define BURST 32
#define WARMUP_BURSTS 200
#define MEASURE_BURSTS 4000
#define OVPN_AAD 8
#define OVPN_HDR (OVPN_AAD + FT_AEAD_TAG_LEN)

static const uint32_t sizes[] = { 64, 512, 1400 };

static const struct {
	const char *label, *backend, *device;
} configs[] = {
	{ "openssl", "openssl", NULL },
	{ "ipsec-mb", "ipsec-mb", NULL },
	{ "ipsec-mb-job", "ipsec-mb-job", NULL },
	{ "cpu-crypto/aesni_gcm", "cpu-crypto", "crypto_aesni_gcm0" },
	{ "cpu-crypto/aesni_mb", "cpu-crypto", "crypto_aesni_mb1" },
	{ "cpu-crypto/chacha20_poly1305", "cpu-crypto", "crypto_chacha20_poly1305_1" },
	{ "cryptodev/aesni_mb", "cryptodev", "crypto_aesni_mb0" },
	{ "cryptodev/aesni_gcm", "cryptodev", "crypto_aesni_gcm1" },
	{ "cryptodev/openssl", "cryptodev", "crypto_openssl0" },
	{ "cryptodev/chacha20_poly1305", "cryptodev", "crypto_chacha20_poly1305_0" },
};

struct result {
	double seal_cyc, open_cyc;  /* cycles per op */
	double seal_gbps, open_gbps;
};

/* openssl's seal Gbit/s per (alg, size): the in-run reference. */
static double ref_gbps[FT_AEAD_ALG_COUNT][RTE_DIM(sizes)];

static struct rte_mbuf *pkts[BURST];
static struct ft_aead_op ops[BURST];
static uint64_t seal_t[MEASURE_BURSTS], open_t[MEASURE_BURSTS];  /* cycles per burst */

static void
fill_burst(const struct ft_aead_key *key, uint32_t size, struct bench_rng *rng)
{
	for (int i = 0; i < BURST; i++) {
		struct rte_mbuf *m = pkts[i];
		uint8_t *p;

		rte_pktmbuf_reset(m);
		p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(OVPN_HDR + size));
		for (uint32_t b = 0; b < OVPN_HDR + size; b++)
			p[b] = (uint8_t)bench_rand(rng);
		ops[i] = (struct ft_aead_op){
			.m = m, .key = key, .aad_off = 0, .tag_off = OVPN_AAD,
			.data_off = OVPN_HDR, .data_len = size,
		};
		memcpy(ops[i].iv, p + 4, 4);  /* data-pid || implicit IV (doc §6.2) */
		memset(ops[i].iv + 4, 0xa5, FT_AEAD_IV_LEN - 4);
	}
}

/* Seal then open one burst, @p bursts times, timing each call; -1 when an op fails. */
static int
run(struct ft_aead_ctx *ctx, uint32_t bursts)
{
	uint64_t t;

	for (uint32_t b = 0; b < bursts; b++) {
		for (int i = 0; i < BURST; i++)  /* next packet id, as the TX path does */
			ops[i].iv[3]++;
		t = rte_rdtsc_precise();
		if (ft_aead_seal_burst(ctx, ops, BURST) != BURST)
			return -1;
		seal_t[b] = rte_rdtsc_precise() - t;
		t = rte_rdtsc_precise();
		if (ft_aead_open_burst(ctx, ops, BURST) != BURST)
			return -1;
		open_t[b] = rte_rdtsc_precise() - t;
	}
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Median cycles per op over the measured bursts. */
static double
median_per_op(uint64_t *t)
{
	qsort(t, MEASURE_BURSTS, sizeof(*t), cmp_u64);
	return (double)t[MEASURE_BURSTS / 2] / BURST;
}

static int
measure(struct ft_aead_ctx *ctx, const struct ft_aead_key *key, uint32_t size,
	struct result *r)
{
	struct bench_rng rng;
	double hz = (double)rte_get_tsc_hz();

	bench_rng_init(&rng, BENCH_SEED);
	fill_burst(key, size, &rng);
	if (run(ctx, WARMUP_BURSTS) < 0 || run(ctx, MEASURE_BURSTS) < 0)
		return -1;
	r->seal_cyc = median_per_op(seal_t);
	r->open_cyc = median_per_op(open_t);
	r->seal_gbps = (double)size * 8 * hz / r->seal_cyc / 1e9;
	r->open_gbps = (double)size * 8 * hz / r->open_cyc / 1e9;
	return 0;
}

static void
report(unsigned int c, enum ft_aead_alg alg, unsigned int s, const struct result *r)
{
	double ref = ref_gbps[alg][s];

	printf("%-29s %-18s %5u B  seal %8.1f cycles/op %7.2f Gbit/s   open %8.1f cycles/op "
	       "%7.2f Gbit/s\n", configs[c].label, ft_aead_alg_name(alg), sizes[s], r->seal_cyc,
	       r->seal_gbps, r->open_cyc, r->open_gbps);
	bench_result("\"bench\":\"aead\",\"backend\":\"%s\",\"device\":\"%s\",\"alg\":\"%s\","
		     "\"size\":%u,\"burst\":%d,\"lcores\":1,\"stat\":\"median burst\","
		     "\"seal_cycles_per_op\":%.1f,\"seal_gbps\":%.3f,"
		     "\"open_cycles_per_op\":%.1f,\"open_gbps\":%.3f,"
		     "\"ref\":\"openssl seal\",\"ref_gbps\":%.3f,\"ratio\":%.3f",
		     configs[c].backend, configs[c].device != NULL ? configs[c].device : "",
		     ft_aead_alg_name(alg), sizes[s], BURST, r->seal_cyc, r->seal_gbps,
		     r->open_cyc, r->open_gbps, ref, ref > 0 ? r->seal_gbps / ref : 0.0);
}

/* Every algorithm and size on one backend; returns 0, or -1 if it could not be set up. */
static int
bench_config(unsigned int c)
{
	struct ft_aead_backend_conf conf;
	struct ft_aead_backend *be;
	struct ft_aead_ctx *ctx;
	uint8_t kb[FT_AEAD_KEY_MAX];

	ft_aead_backend_conf_init(&conf);
	conf.name = configs[c].backend;
	conf.device = configs[c].device;
	be = ft_aead_backend_create(&conf);
	if (be == NULL) {
		printf("%-29s skipped: %s\n", configs[c].label, rte_strerror(rte_errno));
		return -1;
	}
	ctx = ft_aead_ctx_create(be, SOCKET_ID_ANY);
	memset(kb, 0x42, sizeof(kb));
	for (int a = 0; ctx != NULL && a < FT_AEAD_ALG_COUNT; a++) {
		enum ft_aead_alg alg = (enum ft_aead_alg)a;
		struct ft_aead_key *key;

		if (!ft_aead_backend_supports(be, alg, OVPN_AAD))
			continue;
		key = ft_aead_key_create(be, alg, kb, ft_aead_alg_key_len(alg), OVPN_AAD);
		for (unsigned int s = 0; key != NULL && s < RTE_DIM(sizes); s++) {
			struct result r;

			if (measure(ctx, key, sizes[s], &r) < 0) {
				printf("%-29s %s %u B: op failed\n", configs[c].label,
				       ft_aead_alg_name(alg), sizes[s]);
				continue;
			}
			if (c == 0)
				ref_gbps[alg][s] = r.seal_gbps;
			report(c, alg, s, &r);
		}
		ft_aead_key_destroy(key);
	}
	ft_aead_ctx_destroy(ctx);
	ft_aead_backend_destroy(be);
	return 0;
}

int
main(int argc, char **argv)
{
	static char *def_argv[] = {
		"bench_aead", "--no-huge", "--no-pci", "-m", "256", "--no-shconf", "-l", "0",
		"--log-level=*:error", "--log-level=lib.fasttcp.crypto:info",
		"--vdev=crypto_aesni_mb0", "--vdev=crypto_aesni_gcm0", "--vdev=crypto_openssl0",
	};
	struct rte_mempool *mp;

	if (argc <= 1) {
		argc = (int)RTE_DIM(def_argv);
		argv = def_argv;
	}
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "bench_aead: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	mp = rte_pktmbuf_pool_create("bench_aead", 2 * BURST - 1, 0, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (mp == NULL || rte_pktmbuf_alloc_bulk(mp, pkts, BURST) != 0) {
		fprintf(stderr, "bench_aead: mbuf pool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	printf("AEAD seal/open, burst %d, single core, TSC %.2f GHz\n", BURST,
	       (double)rte_get_tsc_hz() / 1e9);
	for (unsigned int c = 0; c < RTE_DIM(configs); c++)
		bench_config(c);
	rte_pktmbuf_free_bulk(pkts, BURST);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return 0;
}
