/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The two-sided fixture and the OpenSSL EVP oracle of tests/ovpn/test_data.c (see
 * data_fixture.h). EAL without hugepages; IPsec-MB cases skip when its backend is missing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "data_fixture.h"
#include "ovpn/proto.h"
#include "test_eal.h"

struct ft_aead_backend *be[NBE];
struct ft_aead_ctx *actx[NBE];
struct ovpn_keys_conf kconf[NBE];
struct ovpn_rcu rcu_now;
struct rte_mempool *pool;
static unsigned int pool_base;

struct side gw, cl;

struct ft_endpoint4
ep(uint32_t addr, uint16_t port)
{
	struct ft_endpoint4 e = { .addr = addr, .port = port };

	return e;
}

/* The key2 block of key_id @p kid (§4.1): distinct bytes everywhere. */
static void
key2_fill(uint8_t key2[OVPN_KEY2_LEN], uint8_t kid)
{
	for (unsigned int i = 0; i < OVPN_KEY2_LEN; i++)
		key2[i] = (uint8_t)(i * 7 + kid * 31 + 1);
}

void
install(struct ovpn_peer *p, enum ovpn_key_slot_idx which, enum ft_aead_alg alg, uint8_t kid,
	bool server)
{
	struct ovpn_key_material m;
	uint8_t key2[OVPN_KEY2_LEN];

	key2_fill(key2, (uint8_t)(kid + (p->id == OTHER_ID ? 3 : 0)));
	assert_int_equal(ovpn_key_material_from_key2(&m, alg, kid, key2, server), 0);
	assert_int_equal(ovpn_keys_install(&p->keys, which, &m, T0), 0);
}

struct ovpn_peer *
peer_add(struct side *s, uint32_t id, uint32_t vpn, struct ft_endpoint4 tp, uint16_t owner)
{
	struct ovpn_peer_conf c;
	struct ovpn_peer *p = NULL;

	ovpn_peer_conf_init(&c);
	c.id = id;
	c.vpn_ip4 = vpn;
	c.transport = tp;
	c.owner = owner;
	assert_int_equal(ovpn_peer_add(s->t, &c, T0, &p), 0);
	return p;
}

static void
side_up(struct side *s, const char *name, int b, enum ft_aead_alg alg, bool server)
{
	struct ovpn_peer_table_conf tc = {
		.name = name, .max_peers = 8, .socket_id = SOCKET_ID_ANY,
		.rcu = &rcu_now, .keys = &kconf[b],
	};
	struct ovpn_data_conf dc;

	s->t = ovpn_peer_table_create(&tc);
	assert_non_null(s->t);
	s->self = server ? ep(GW_ADDR, GW_PORT) : ep(CL_ADDR, CL_PORT);
	s->peer = peer_add(s, PEER_ID, server ? PEER_VPN : 0,
			   server ? ep(CL_ADDR, CL_PORT) : ep(GW_ADDR, GW_PORT), 0);
	install(s->peer, OVPN_KEY_PRIMARY, alg, 0, server);
	ovpn_data_conf_init(&dc);
	dc.aead = actx[b];
	dc.peers = s->t;
	dc.rpf = server;
	assert_int_equal(ovpn_data_ctx_init(&s->ctx, &dc), 0);
	ovpn_data_set_now(&s->ctx, T0);
}

/* Gateway on backend @p bg, client on @p bc, both on @p alg. */
void
up(int bg, int bc, enum ft_aead_alg alg)
{
	if (be[bg] == NULL || be[bc] == NULL)
		skip();
	side_up(&gw, "td_gw", bg, alg, true);
	side_up(&cl, "td_cl", bc, alg, false);
}

int
setup(void **state)
{
	pool_base = rte_mempool_avail_count(pool);
	memset(&gw, 0, sizeof(gw));
	memset(&cl, 0, sizeof(cl));
	return 0;
}

/* Frees both sides; fails the test if an mbuf leaked. */
int
teardown(void **state)
{
	ovpn_peer_table_destroy(gw.t);
	ovpn_peer_table_destroy(cl.t);
	return rte_mempool_avail_count(pool) == pool_base ? 0 : -1;
}

/* --- packets --- */

static uint8_t
pattern(uint32_t i, uint8_t seed)
{
	return (uint8_t)(i * 13 + seed);
}

/* An inner IPv4 packet of @p len (>= 20) bytes from @p src: header, then pattern bytes. */
struct rte_mbuf *
ip4_pkt(uint32_t src, uint32_t len, uint8_t seed)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ipv4_hdr *ip;
	uint8_t *p;

	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	assert_non_null(p);
	for (uint32_t i = 0; i < len; i++)
		p[i] = pattern(i, seed);
	ip = (struct rte_ipv4_hdr *)p;
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)len);
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(LAN_HOST);
	return m;
}

/* An mbuf holding exactly @p len bytes of @p data. */
struct rte_mbuf *
raw_pkt(const void *data, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	assert_non_null(m);
	if (len > 0)
		memcpy(rte_pktmbuf_append(m, (uint16_t)len), data, len);
	return m;
}

void
assert_ip4_pkt(struct rte_mbuf *m, uint32_t src, uint32_t len, uint8_t seed)
{
	struct rte_mbuf *ref = ip4_pkt(src, len, seed);

	assert_int_equal(rte_pktmbuf_pkt_len(m), len);
	assert_memory_equal(rte_pktmbuf_mtod(m, void *), rte_pktmbuf_mtod(ref, void *), len);
	rte_pktmbuf_free(ref);
}

/* Encap @p n packets on side @p s, all to its peer; the number sealed. */
uint16_t
encap(struct side *s, struct rte_mbuf **pkts, uint16_t n, struct ovpn_tx_res *res)
{
	struct ovpn_peer *peers[128];

	for (uint16_t i = 0; i < n; i++)
		peers[i] = s->peer;
	return ovpn_data_encap_burst(&s->ctx, pkts, peers, res, n);
}

/* Decap @p n packets on side @p to, all from side @p from's address. */
uint16_t
decap(struct side *to, const struct side *from, struct rte_mbuf **pkts, uint16_t n,
      struct ovpn_rx_res *res)
{
	struct ft_endpoint4 src[128];

	for (uint16_t i = 0; i < n; i++)
		src[i] = from->self;
	return ovpn_data_decap_burst(&to->ctx, pkts, src, res, n);
}

/* Decap one packet at the gateway, from the client's address: its result. */
struct ovpn_rx_res
decap1(struct rte_mbuf **m)
{
	struct ovpn_rx_res res;

	decap(&gw, &cl, m, 1, &res);
	return res;
}

/* --- OpenSSL EVP, straight from §6.1/§6.2 and key2 (no src/ovpn code involved) --- */

static const EVP_CIPHER *
evp_cipher(enum ft_aead_alg alg)
{
	switch (alg) {
	case FT_AEAD_AES_128_GCM:
		return EVP_aes_128_gcm();
	case FT_AEAD_AES_256_GCM:
		return EVP_aes_256_gcm();
	default:
		return EVP_chacha20_poly1305();
	}
}

/*
 * Key and nonce tail of one direction from key2 (§4.1, §4.4): client -> server uses
 * keys[0] (cipher at 0, implicit IV at 64), server -> client keys[1] (128 and 192).
 */
static void
evp_dir_keys(uint8_t kid, bool c2s, uint8_t key[32], uint8_t tail[8])
{
	uint8_t key2[OVPN_KEY2_LEN];
	unsigned int base = c2s ? 0 : 128;

	key2_fill(key2, kid);
	memcpy(key, key2 + base, 32);
	memcpy(tail, key2 + base + 64, 8);
}

/*
 * A client -> gateway P_DATA_V2 packet sealed by EVP: [op|peer-id][pid][tag][ct], AAD the
 * first 8 bytes, nonce pid || tail.
 */
struct rte_mbuf *
evp_seal(enum ft_aead_alg alg, uint8_t kid, uint32_t peer_id, uint32_t pid,
	 const struct rte_mbuf *inner)
{
	uint32_t len = rte_pktmbuf_pkt_len(inner);
	uint8_t key[32], tail[8], iv[12], pkt[2048];
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	uint32_t w0 = rte_cpu_to_be_32(9u << 27 | (uint32_t)kid << 24 | peer_id);
	uint32_t w1 = rte_cpu_to_be_32(pid);
	int outl;

	evp_dir_keys(kid, true, key, tail);
	memcpy(pkt, &w0, 4);
	memcpy(pkt + 4, &w1, 4);
	memcpy(iv, &w1, 4);
	memcpy(iv + 4, tail, 8);
	assert_int_equal(EVP_EncryptInit_ex(c, evp_cipher(alg), NULL, key, iv), 1);
	assert_int_equal(EVP_EncryptUpdate(c, NULL, &outl, pkt, 8), 1);
	assert_int_equal(EVP_EncryptUpdate(c, pkt + 24, &outl,
					   rte_pktmbuf_mtod(inner, const uint8_t *), (int)len), 1);
	assert_int_equal(EVP_EncryptFinal_ex(c, pkt + 24 + outl, &outl), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, pkt + 8), 1);
	EVP_CIPHER_CTX_free(c);
	return raw_pkt(pkt, 24 + len);
}

/* Open a gateway -> client packet with EVP; true if the tag verified. Plaintext in @p out. */
bool
evp_open(enum ft_aead_alg alg, uint8_t kid, const struct rte_mbuf *m, uint8_t *out)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	int len = (int)rte_pktmbuf_pkt_len(m) - 24, outl, ok;
	uint8_t key[32], tail[8], iv[12];
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();

	evp_dir_keys(kid, false, key, tail);
	memcpy(iv, p + 4, 4);
	memcpy(iv + 4, tail, 8);
	assert_int_equal(EVP_DecryptInit_ex(c, evp_cipher(alg), NULL, key, iv), 1);
	assert_int_equal(EVP_DecryptUpdate(c, NULL, &outl, p, 8), 1);
	assert_int_equal(EVP_DecryptUpdate(c, out, &outl, p + 24, len), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, (void *)(p + 8)), 1);
	ok = EVP_DecryptFinal_ex(c, out + outl, &outl);
	EVP_CIPHER_CTX_free(c);
	return ok == 1;
}

/* A valid client packet with id @p pid: a 60-byte inner IPv4 packet from the peer. */
struct rte_mbuf *
good_pkt(uint32_t pid)
{
	struct rte_mbuf *in = ip4_pkt(PEER_VPN, 60, (uint8_t)pid);
	struct rte_mbuf *m = evp_seal(FT_AEAD_AES_256_GCM, 0, PEER_ID, pid, in);

	rte_pktmbuf_free(in);
	return m;
}

int
group_setup(void **state)
{
	static const char *const names[NBE] = { "openssl", "ipsec-mb" };
	struct ft_aead_backend_conf bc;

	if (ft_test_eal_init() < 0 || (pool = ft_test_pool()) == NULL)
		return -1;
	if (ovpn_rcu_init(&rcu_now, NULL, NULL, 0) < 0)
		return -1;
	for (int b = 0; b < NBE; b++) {
		ft_aead_backend_conf_init(&bc);
		bc.name = names[b];
		bc.max_keys = 64;
		be[b] = ft_aead_backend_create(&bc);
		if (be[b] == NULL && b == BE_OSSL)
			return -1;
		if (be[b] != NULL)
			actx[b] = ft_aead_ctx_create(be[b], SOCKET_ID_ANY);
		if (be[b] != NULL && actx[b] == NULL)
			return -1;
		ovpn_keys_conf_init(&kconf[b]);
		kconf[b].backend = be[b];
		kconf[b].rcu = &rcu_now;
	}
	return 0;
}

int
group_teardown(void **state)
{
	int rc = 0;

	for (int b = 0; b < NBE; b++) {
		ft_aead_ctx_destroy(actx[b]);
		/* -EBUSY: a test leaked an AEAD key. */
		if (ft_aead_backend_destroy(be[b]) != 0)
			rc = -1;
	}
	return rc;
}

