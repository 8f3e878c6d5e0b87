/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key slots (src/ovpn/keys.[ch]): the §4.4 direction mapping, checked end to end by sealing
 * with a server's slot and opening with a client's; install and lookup by key_id; swap and the
 * lame duck's expiry; the rekey triggers as a table; TX refusal at exhaustion; and RCU safety:
 * a retired slot is not freed while a reader holds it (defer queue and sync modes, and a
 * reader pthread racing installs and swaps). openvpn-protocol.md §4.4, §6.2, §6.7, §7.3-§7.5,
 * §8.3/§8.4. EAL without hugepages; the OpenSSL AEAD backend. The group teardown destroys the
 * backend, which fails if any AEAD key leaked.
 */
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>

#include "crypto/aead.h"
#include "ovpn/keys.h"
#include "ovpn/proto.h"
#include "test_eal.h"

#define ALG		FT_AEAD_AES_256_GCM
#define T0		1000	/* now_s at install */
#define READER_ID	0	/* QSBR id of whichever thread plays the worker */

static struct ft_aead_backend *be;
static struct ovpn_rcu rcu_now;		/* no readers: frees at once */
static struct ovpn_keys_conf kconf;

/* key2 byte i for key @p kid: every key differs, and every byte position too. */
static uint8_t
key2_byte(unsigned int i, uint8_t kid)
{
	return (uint8_t)(i * 7 + kid * 31 + 1);
}

/* First byte of a server slot's encrypt nonce tail: key2[192] (§4.4). */
static uint8_t
tail_byte(uint8_t kid)
{
	return key2_byte(192, kid);
}

static void
material(struct ovpn_key_material *m, enum ft_aead_alg alg, uint8_t kid, bool server)
{
	uint8_t key2[OVPN_KEY2_LEN];

	for (unsigned int i = 0; i < sizeof(key2); i++)
		key2[i] = key2_byte(i, kid);
	assert_int_equal(ovpn_key_material_from_key2(m, alg, kid, key2, server), 0);
}

static void
install(struct ovpn_keys *k, enum ovpn_key_slot_idx which, uint8_t kid, uint64_t now_s)
{
	struct ovpn_key_material m;

	material(&m, ALG, kid, true);
	assert_int_equal(ovpn_keys_install(k, which, &m, now_s), 0);
}

/* @p k on @p c with one primary key (@p alg, key_id @p kid, installed at T0): its slot. */
static struct ovpn_key_slot *
fresh(struct ovpn_keys *k, const struct ovpn_keys_conf *c, enum ft_aead_alg alg, uint8_t kid)
{
	struct ovpn_key_material m;

	ovpn_keys_init(k, c);
	material(&m, alg, kid, true);
	assert_int_equal(ovpn_keys_install(k, OVPN_KEY_PRIMARY, &m, T0), 0);
	return ovpn_keys_primary_tx(k);
}

static int
group_setup(void **state)
{
	struct ft_aead_backend_conf bc;

	if (ft_test_eal_init() < 0 || ft_test_pool() == NULL)
		return -1;
	ft_aead_backend_conf_init(&bc);		/* "openssl" */
	bc.max_keys = 1024;
	be = ft_aead_backend_create(&bc);
	if (be == NULL || ovpn_rcu_init(&rcu_now, NULL, NULL, 0) < 0)
		return -1;
	ovpn_keys_conf_init(&kconf);
	kconf.backend = be;
	kconf.rcu = &rcu_now;
	return 0;
}

static int
group_teardown(void **state)
{
	/* -EBUSY here means a test leaked an AEAD key (a slot that was never freed). */
	return ft_aead_backend_destroy(be) == 0 ? 0 : -1;
}

/* --- key material --- */

static void
test_keys_material_maps_directions_per_4_4(void **state)
{
	uint8_t key2[OVPN_KEY2_LEN], zero[FT_AEAD_KEY_MAX] = { 0 };
	struct ovpn_key_material s, c;

	for (unsigned int i = 0; i < sizeof(key2); i++)
		key2[i] = (uint8_t)i;
	assert_int_equal(ovpn_key_material_from_key2(&s, ALG, 3, key2, true), 0);
	assert_int_equal(ovpn_key_material_from_key2(&c, ALG, 3, key2, false), 0);
	/* Server: encrypt keys[1] (128.., tail 192..200), decrypt keys[0] (0.., tail 64..72). */
	assert_memory_equal(s.encrypt_key, key2 + 128, 32);
	assert_memory_equal(s.encrypt_tail, key2 + 192, 8);
	assert_memory_equal(s.decrypt_key, key2 + 0, 32);
	assert_memory_equal(s.decrypt_tail, key2 + 64, 8);
	/* Client: the mirror image (encrypt and decrypt halves swapped). */
	assert_memory_equal(&c.encrypt_key, &s.decrypt_key, sizeof(s.decrypt_key));
	assert_memory_equal(&c.decrypt_key, &s.encrypt_key, sizeof(s.encrypt_key));
	assert_memory_equal(&c.encrypt_tail, &s.decrypt_tail, sizeof(s.decrypt_tail));
	assert_memory_equal(&c.decrypt_tail, &s.encrypt_tail, sizeof(s.encrypt_tail));
	assert_int_equal(s.key_id, 3);
	/* AES-128: a 16-byte prefix, the rest left zero. */
	assert_int_equal(ovpn_key_material_from_key2(&s, FT_AEAD_AES_128_GCM, 0, key2, true), 0);
	assert_memory_equal(s.encrypt_key, key2 + 128, 16);
	assert_memory_equal(s.encrypt_key + 16, zero, 16);
	assert_int_equal(ovpn_key_material_from_key2(&s, ALG, 8, key2, true), -EINVAL);
	assert_int_equal(ovpn_key_material_from_key2(&s, FT_AEAD_ALG_COUNT, 0, key2, true),
			 -EINVAL);
}

/*
 * Seal the P_DATA_V2 packet in @p m with the primary of @p k (header written here, with a
 * new packet id), or open it with the slot its key_id selects: the op status.
 */
static int
crypt_one(struct ft_aead_ctx *ctx, const struct ovpn_keys *k, struct rte_mbuf *m, bool seal)
{
	struct ovpn_data_v2_hdr *h = rte_pktmbuf_mtod(m, struct ovpn_data_v2_hdr *);
	struct ft_aead_op op = { .m = m, .data_off = OVPN_DATA_V2_HDR_LEN, .aad_off = 0,
				 .tag_off = OVPN_DATA_V2_TAG_OFF };
	struct ovpn_key_slot *s;
	uint32_t pid = 0;

	op.data_len = rte_pktmbuf_pkt_len(m) - OVPN_DATA_V2_HDR_LEN;
	s = seal ? ovpn_keys_primary_tx(k) : ovpn_keys_lookup_rx(k, ovpn_data_v2_key_id(h), T0);
	assert_non_null(s);
	if (seal) {
		assert_int_equal(ovpn_key_tx_reserve(s, 1, &pid), 0);
		ovpn_data_v2_hdr_build(h, s->key_id, 7, pid);
	}
	op.key = seal ? s->encrypt : s->decrypt;
	ovpn_aead_nonce_build((struct ovpn_aead_nonce *)op.iv, ovpn_data_v2_pktid(h),
			      seal ? s->encrypt_tail : s->decrypt_tail);
	if (seal)
		ft_aead_seal_burst(ctx, &op, 1);
	else
		ft_aead_open_burst(ctx, &op, 1);
	return op.status;
}

static void
test_keys_server_seals_client_opens(void **state)
{
	enum { LEN = 100 };
	struct ft_aead_ctx *ctx = ft_aead_ctx_create(be, SOCKET_ID_ANY);
	struct rte_mbuf *m = rte_pktmbuf_alloc(ft_test_pool());
	struct ovpn_keys srv, cli;
	struct ovpn_key_material mat;
	uint8_t pt[LEN], *pkt;

	assert_non_null(ctx);
	assert_non_null(m);
	ovpn_keys_init(&srv, &kconf);
	ovpn_keys_init(&cli, &kconf);
	material(&mat, ALG, 2, true);
	assert_int_equal(ovpn_keys_install(&srv, OVPN_KEY_PRIMARY, &mat, T0), 0);
	material(&mat, ALG, 2, false);
	assert_int_equal(ovpn_keys_install(&cli, OVPN_KEY_PRIMARY, &mat, T0), 0);
	for (unsigned int i = 0; i < LEN; i++)
		pt[i] = (uint8_t)(i ^ 0x5a);
	pkt = (uint8_t *)rte_pktmbuf_append(m, OVPN_DATA_V2_HDR_LEN + LEN);
	memcpy(pkt + OVPN_DATA_V2_HDR_LEN, pt, LEN);

	assert_int_equal(crypt_one(ctx, &srv, m, true), 0);
	assert_memory_not_equal(pkt + OVPN_DATA_V2_HDR_LEN, pt, LEN);
	assert_int_equal(crypt_one(ctx, &cli, m, false), 0);
	assert_memory_equal(pkt + OVPN_DATA_V2_HDR_LEN, pt, LEN);
	/* The same packet is not for the server's own decrypt direction... */
	assert_int_equal(crypt_one(ctx, &srv, m, true), 0);
	assert_int_equal(ovpn_data_v2_pktid((const void *)pkt), 2);
	assert_int_equal(crypt_one(ctx, &srv, m, false), -EBADMSG);
	/* ...but the client's packets are. */
	memcpy(pkt + OVPN_DATA_V2_HDR_LEN, pt, LEN);
	assert_int_equal(crypt_one(ctx, &cli, m, true), 0);
	assert_int_equal(crypt_one(ctx, &srv, m, false), 0);
	assert_memory_equal(pkt + OVPN_DATA_V2_HDR_LEN, pt, LEN);
	rte_pktmbuf_free(m);
	ft_aead_ctx_destroy(ctx);
	ovpn_keys_fini(&srv);
	ovpn_keys_fini(&cli);
}

/* --- install, lookup, swap, lame duck --- */

static void
test_keys_install_and_lookup_by_key_id(void **state)
{
	struct ovpn_key_material m;
	struct ovpn_keys k;
	struct ovpn_key_slot *p;

	ovpn_keys_init(&k, &kconf);
	assert_null(ovpn_keys_primary_tx(&k));
	assert_null(ovpn_keys_lookup_rx(&k, 0, T0));
	install(&k, OVPN_KEY_PRIMARY, 0, T0);
	p = ovpn_keys_primary_tx(&k);
	assert_non_null(p);
	assert_int_equal(p->key_id, 0);
	assert_ptr_equal(ovpn_keys_lookup_rx(&k, 0, T0), p);
	assert_null(ovpn_keys_lookup_rx(&k, 1, T0));
	assert_int_equal(p->tx.next, 1);	/* ids start at 1 for each key (§6.1) */

	/* A new key decrypts at once; TX stays on the primary until the swap (§7.5). */
	install(&k, OVPN_KEY_SECONDARY, 1, T0);
	assert_int_equal(ovpn_keys_lookup_rx(&k, 1, T0)->key_id, 1);
	assert_ptr_equal(ovpn_keys_primary_tx(&k), p);
	assert_ptr_equal(ovpn_keys_slot(&k, OVPN_KEY_PRIMARY), p);
	assert_int_equal(ovpn_keys_slot(&k, OVPN_KEY_SECONDARY)->key_id, 1);

	/* Both slots with one key_id would make RX ambiguous. */
	material(&m, ALG, 0, true);
	assert_int_equal(ovpn_keys_install(&k, OVPN_KEY_SECONDARY, &m, T0), -EEXIST);
	m.key_id = OVPN_KEY_ID_MAX + 1;
	assert_int_equal(ovpn_keys_install(&k, OVPN_KEY_SECONDARY, &m, T0), -EINVAL);
	m.key_id = 5;
	assert_int_equal(ovpn_keys_install(&k, (enum ovpn_key_slot_idx)2, &m, T0), -EINVAL);
	m.alg = FT_AEAD_ALG_COUNT;
	assert_int_equal(ovpn_keys_install(&k, OVPN_KEY_SECONDARY, &m, T0), -EINVAL);
	assert_int_equal(ovpn_keys_lookup_rx(&k, 1, T0)->key_id, 1);	/* unchanged */

	/* Re-installing a slot publishes a new object with fresh packet ids. */
	ovpn_key_tx_reserve(p, 10, &(uint32_t){ 0 });
	install(&k, OVPN_KEY_PRIMARY, 0, T0);
	assert_int_equal(ovpn_keys_primary_tx(&k)->tx.next, 1);
	ovpn_keys_fini(&k);
	assert_null(ovpn_keys_primary_tx(&k));
}

static void
test_keys_swap_lame_duck_expiry_and_next_reset(void **state)
{
	const uint64_t swap_at = T0 + 30;
	const uint64_t dies = swap_at + OVPN_KEY_LAME_DUCK_DEFAULT_S;
	struct ovpn_keys k;

	fresh(&k, &kconf, ALG, 0);
	install(&k, OVPN_KEY_SECONDARY, 1, T0 + 20);
	assert_int_equal(ovpn_keys_swap(&k, swap_at), 0);
	assert_int_equal(ovpn_keys_primary_tx(&k)->key_id, 1);
	/* The old key: decrypt only, until 60 s after the swap (§6.7, §7.3). */
	assert_int_equal(ovpn_keys_slot(&k, OVPN_KEY_SECONDARY)->key_id, 0);
	assert_non_null(ovpn_keys_lookup_rx(&k, 0, dies - 1));
	assert_null(ovpn_keys_lookup_rx(&k, 0, dies));
	assert_non_null(ovpn_keys_lookup_rx(&k, 1, dies + 100000));	/* primary: no expiry */
	/* The worker refuses it on its own; the control thread frees it when it reaps. */
	assert_int_equal(ovpn_keys_reap(&k, dies - 1), 0);
	assert_non_null(ovpn_keys_slot(&k, OVPN_KEY_SECONDARY));
	assert_int_equal(ovpn_keys_reap(&k, dies), 1);
	assert_null(ovpn_keys_slot(&k, OVPN_KEY_SECONDARY));
	assert_int_equal(ovpn_keys_reap(&k, dies + 1), 0);
	assert_int_equal(ovpn_keys_swap(&k, dies), -ENOENT);
	assert_int_equal(ovpn_keys_primary_tx(&k)->key_id, 1);

	/* The next soft reset; while a lame duck lives, a new key replaces it (§7.4). */
	install(&k, OVPN_KEY_SECONDARY, 2, dies);
	assert_int_equal(ovpn_keys_swap(&k, dies), 0);
	install(&k, OVPN_KEY_SECONDARY, 3, dies + 1);
	assert_null(ovpn_keys_lookup_rx(&k, 1, dies + 1));
	/* Swapping back and forth: the promoted key loses its expiry, the demoted gets one. */
	assert_int_equal(ovpn_keys_swap(&k, dies + 2), 0);
	assert_int_equal(ovpn_keys_swap(&k, dies + 3), 0);
	assert_int_equal(ovpn_keys_primary_tx(&k)->key_id, 2);
	assert_non_null(ovpn_keys_lookup_rx(&k, 2, dies + 100000));
	assert_null(ovpn_keys_lookup_rx(&k, 3, dies + 3 + OVPN_KEY_LAME_DUCK_DEFAULT_S));
	assert_int_equal(ovpn_keys_del(&k, OVPN_KEY_PRIMARY), 0);
	assert_null(ovpn_keys_primary_tx(&k));
	assert_null(ovpn_keys_lookup_rx(&k, 2, dies + 3));
	assert_int_equal(ovpn_keys_del(&k, OVPN_KEY_PRIMARY), -ENOENT);
	ovpn_keys_fini(&k);
}

/* --- usage counting, TX refusal, integrity limit (§6.7, §8.3) --- */

static void
test_keys_usage_counts_and_limits(void **state)
{
	struct ovpn_keys k;
	struct ovpn_key_slot *s = fresh(&k, &kconf, ALG, 4);
	uint32_t first;

	ovpn_key_sealed(s, 1);		/* 1 block */
	ovpn_key_sealed(s, 16);		/* 1 block */
	ovpn_key_sealed(s, 17);		/* 2 blocks */
	ovpn_key_opened(s, 1400);	/* 88 blocks */
	assert_true(s->enc.pkts == 3 && s->enc.blocks == 4 && ovpn_key_usage_total(&s->enc) == 7);
	assert_true(s->dec.pkts == 1 && s->dec.blocks == 88);
	/* Integrity: more than 2^36 failed verifications and the key stops decrypting. */
	s->auth_fail = OVPN_AEAD_FAIL_LIMIT - 1;
	ovpn_key_auth_failed(s);
	assert_non_null(ovpn_keys_lookup_rx(&k, 4, T0));
	ovpn_key_auth_failed(s);
	assert_null(ovpn_keys_lookup_rx(&k, 4, T0));
	/* Packet ids: 0xFFFFFFFF is the last one; then the key is dead for TX. */
	s->tx.next = UINT32_MAX - 1;
	assert_int_equal(ovpn_key_tx_reserve(s, 2, &first), 0);
	assert_int_equal(first, UINT32_MAX - 1);
	assert_int_equal(ovpn_key_tx_reserve(s, 1, &first), -ERANGE);
	assert_true(ovpn_key_needs_rekey(s, T0) & OVPN_REKEY_EXHAUSTED);
	ovpn_keys_fini(&k);
	/* AES-GCM: encrypting stops past 2^36 - 1 blocks + packets. */
	s = fresh(&k, &kconf, ALG, 0);
	s->enc.blocks = OVPN_AEAD_GCM_LIMIT;
	assert_int_equal(ovpn_key_tx_reserve(s, 1, &first), 0);
	s->enc.pkts = 1;
	assert_int_equal(ovpn_key_tx_reserve(s, 1, &first), -ERANGE);
	ovpn_keys_fini(&k);
	/* ChaCha20-Poly1305 has no such limit. */
	s = fresh(&k, &kconf, FT_AEAD_CHACHA20_POLY1305, 0);
	s->enc.blocks = UINT64_MAX / 2;
	assert_int_equal(ovpn_key_tx_reserve(s, 1, &first), 0);
	ovpn_keys_fini(&k);
}

/* --- rekey triggers (§6.7, §8.3, §8.4) --- */

#define THR	OVPN_PKTID_REKEY_THRESHOLD
#define AGE	OVPN_KEY_REKEY_AGE_DEFAULT_S

/*
 * One row: state set over a freshly installed key (tx_last = last id sent, 0xFFFFFFFF = all
 * used; enc/dec = AEAD usage in blocks + packets), the key's age, the reasons expected.
 */
struct rekey_case {
	const char *name;
	bool chacha;	/* ChaCha20-Poly1305 instead of AES-256-GCM */
	uint32_t tx_last, rx_top;
	uint64_t enc, dec, auth_fail, age_s;
	uint32_t want;
};

static const struct rekey_case rekey_cases[] = {
	{ .name = "fresh key" },
	{ .name = "tx last id below threshold", .tx_last = THR - 1 },
	{ .name = "tx last id at threshold", .tx_last = THR, .want = OVPN_REKEY_TX_PKTID },
	{ .name = "tx ids used up", .tx_last = UINT32_MAX,
	  .want = OVPN_REKEY_TX_PKTID | OVPN_REKEY_EXHAUSTED },
	{ .name = "rx top below threshold", .rx_top = THR - 1 },
	{ .name = "rx top at threshold", .rx_top = THR, .want = OVPN_REKEY_RX_PKTID },
	{ .name = "enc at 7/8 of the GCM limit", .enc = OVPN_AEAD_GCM_REKEY },
	{ .name = "enc past 7/8", .enc = OVPN_AEAD_GCM_REKEY + 1, .want = OVPN_REKEY_AEAD_USAGE },
	{ .name = "dec past 7/8 (a 2.6 peer's usage)", .dec = OVPN_AEAD_GCM_REKEY + 1,
	  .want = OVPN_REKEY_AEAD_USAGE },
	{ .name = "enc past the GCM limit", .enc = OVPN_AEAD_GCM_LIMIT + 1,
	  .want = OVPN_REKEY_AEAD_USAGE | OVPN_REKEY_EXHAUSTED },
	{ .name = "dec past the GCM limit: TX unaffected", .dec = OVPN_AEAD_GCM_LIMIT + 1,
	  .want = OVPN_REKEY_AEAD_USAGE },
	{ .name = "ChaCha20-Poly1305: no usage limit", .chacha = true, .enc = 1ull << 62,
	  .dec = 1ull << 62 },
	{ .name = "auth failures at 2^35", .auth_fail = OVPN_AEAD_FAIL_REKEY },
	{ .name = "auth failures past 2^35", .auth_fail = OVPN_AEAD_FAIL_REKEY + 1,
	  .want = OVPN_REKEY_AUTH_FAIL },
	{ .name = "age below reneg-sec", .age_s = AGE - 1 },
	{ .name = "age at reneg-sec", .age_s = AGE, .want = OVPN_REKEY_AGE },
	{ .name = "several at once", .tx_last = THR, .auth_fail = OVPN_AEAD_FAIL_REKEY + 1,
	  .age_s = 100000, .want = OVPN_REKEY_TX_PKTID | OVPN_REKEY_AUTH_FAIL | OVPN_REKEY_AGE },
};

static void
apply_case(struct ovpn_key_slot *s, const struct rekey_case *c)
{
	s->tx.next = c->tx_last + 1;	/* wraps to 0: exhausted */
	s->rx.top = c->rx_top;
	s->enc.blocks = c->enc;
	s->dec.blocks = c->dec;
	s->auth_fail = c->auth_fail;
}

static void
test_keys_rekey_triggers_table(void **state)
{
	int failed = 0;

	for (unsigned int i = 0; i < RTE_DIM(rekey_cases); i++) {
		const struct rekey_case *c = &rekey_cases[i];
		struct ovpn_keys k;
		struct ovpn_key_slot *s;
		uint32_t got;

		s = fresh(&k, &kconf, c->chacha ? FT_AEAD_CHACHA20_POLY1305 : ALG, 0);
		apply_case(s, c);
		got = ovpn_key_needs_rekey(s, T0 + c->age_s);
		if (got != c->want) {
			print_error("row %u (%s): got %#x, want %#x\n", i, c->name, got, c->want);
			failed++;
		}
		ovpn_keys_fini(&k);
	}
	assert_int_equal(failed, 0);
}

static void
test_keys_rekey_poll_reports_each_reason_once(void **state)
{
	struct ovpn_keys_conf no_age = kconf;
	struct ovpn_keys k;
	struct ovpn_key_slot *s = fresh(&k, &kconf, ALG, 0);

	assert_int_equal(ovpn_key_rekey_poll(s, T0 + 10), 0);
	assert_int_equal(ovpn_key_rekey_poll(s, T0 + 3600), OVPN_REKEY_AGE);
	assert_int_equal(ovpn_key_rekey_poll(s, T0 + 3601), 0);
	s->tx.next = THR + 1;
	assert_int_equal(ovpn_key_rekey_poll(s, T0 + 3602), OVPN_REKEY_TX_PKTID);
	assert_int_equal(ovpn_key_rekey_poll(s, T0 + 3603), 0);
	/* A new key starts with nothing reported. */
	install(&k, OVPN_KEY_PRIMARY, 0, T0 + 4000);
	assert_int_equal(ovpn_key_rekey_poll(ovpn_keys_primary_tx(&k), T0 + 7600),
			 OVPN_REKEY_AGE);
	ovpn_keys_fini(&k);
	/* rekey_age_s 0: no age trigger at all. */
	no_age.rekey_age_s = 0;
	s = fresh(&k, &no_age, ALG, 0);
	assert_int_equal(ovpn_key_needs_rekey(s, UINT64_MAX / 2), 0);
	ovpn_keys_fini(&k);
}

/* --- RCU: retired slots outlive their readers (STYLE.md §10) --- */

/* A qsbr with one reader slot, a retire queue over it, and a key set using that queue. */
struct rcu_env {
	struct rte_rcu_qsbr *v;
	struct ovpn_rcu rcu;
	struct ovpn_keys_conf c;
	struct ovpn_keys k;
};

static void
env_open(struct rcu_env *e, const char *dq_name, uint32_t dq_size, uint8_t kid)
{
	size_t sz = rte_rcu_qsbr_get_memsize(1);

	e->v = rte_zmalloc("test_keys_qsbr", sz, RTE_CACHE_LINE_SIZE);
	assert_non_null(e->v);
	assert_int_equal(rte_rcu_qsbr_init(e->v, 1), 0);
	assert_int_equal(ovpn_rcu_init(&e->rcu, dq_name, e->v, dq_size), 0);
	e->c = kconf;
	e->c.rcu = &e->rcu;
	fresh(&e->k, &e->c, ALG, kid);
}

static void
env_close(struct rcu_env *e)
{
	ovpn_keys_fini(&e->k);
	assert_int_equal(ovpn_rcu_fini(&e->rcu), 0);
	assert_int_equal(ovpn_rcu_pending(&e->rcu), 0);
	rte_free(e->v);
}

/* The calling thread becomes (stops being) the worker with QSBR id READER_ID. */
static void
reader_on(struct rte_rcu_qsbr *v)
{
	rte_rcu_qsbr_thread_register(v, READER_ID);
	rte_rcu_qsbr_thread_online(v, READER_ID);
}

static void
reader_off(struct rte_rcu_qsbr *v)
{
	rte_rcu_qsbr_thread_offline(v, READER_ID);
	rte_rcu_qsbr_thread_unregister(v, READER_ID);
}

/* What a reader may rely on while it holds @p s: the slot is intact (a freed one is wiped). */
static bool
slot_sane(const struct ovpn_key_slot *s, uint8_t kid)
{
	return s->key_id == kid && s->encrypt != NULL && s->decrypt != NULL &&
	       s->encrypt_tail[0] == tail_byte(kid);
}

static void
test_keys_rcu_defer_queue_waits_for_reader(void **state)
{
	struct ovpn_key_slot *held;
	struct rcu_env e;

	env_open(&e, "tkeys_dq", 16, 3);
	reader_on(e.v);		/* this thread plays the worker, holding a slot */
	held = ovpn_keys_lookup_rx(&e.k, 3, T0);
	install(&e.k, OVPN_KEY_PRIMARY, 3, T0 + 1);	/* replaced under the reader */
	assert_ptr_not_equal(ovpn_keys_primary_tx(&e.k), held);
	assert_int_equal(ovpn_rcu_pending(&e.rcu), 1);
	assert_int_equal(ovpn_rcu_reclaim(&e.rcu), 0);
	assert_true(slot_sane(held, 3));
	rte_rcu_qsbr_quiescent(e.v, READER_ID);
	assert_int_equal(ovpn_rcu_reclaim(&e.rcu), 1);
	assert_int_equal(ovpn_rcu_pending(&e.rcu), 0);
	/* The same for a delete. */
	held = ovpn_keys_primary_tx(&e.k);
	assert_int_equal(ovpn_keys_del(&e.k, OVPN_KEY_PRIMARY), 0);
	assert_int_equal(ovpn_rcu_reclaim(&e.rcu), 0);
	assert_true(slot_sane(held, 3));
	rte_rcu_qsbr_quiescent(e.v, READER_ID);
	assert_int_equal(ovpn_rcu_reclaim(&e.rcu), 1);
	reader_off(e.v);
	env_close(&e);
}

#define RACE_ITERS	3000	/* rotations with a defer queue; sync waits ~1 ms each: 300 */
#define RACE_MIN_MS	200
#define RACE_HOLD_SPINS	64

struct race {
	struct rte_rcu_qsbr *v;
	const struct ovpn_keys *k;
	uint64_t loops;	/* reader iterations completed (reader writes, release) */
	bool stop;
	uint64_t held;	/* slots looked up and checked */
	uint64_t bad;	/* a held slot that was not intact */
};

static void
race_check(struct race *x, const struct ovpn_key_slot *s, uint8_t kid)
{
	x->held++;
	x->bad += !slot_sane(s, kid);
	for (unsigned int i = 0; i < RACE_HOLD_SPINS; i++)
		rte_pause();
	x->bad += !slot_sane(s, kid);
}

/*
 * Wait until the reader has run two more whole iterations, i.e. at least one entirely over
 * the current state: the reader gets its turn however loaded the machine is.
 */
static void
wait_reader(const struct race *x)
{
	uint64_t from = __atomic_load_n(&x->loops, __ATOMIC_ACQUIRE);

	while (__atomic_load_n(&x->loops, __ATOMIC_ACQUIRE) < from + 2)
		rte_pause();
}

static void *
race_reader(void *arg)
{
	struct race *x = arg;

	reader_on(x->v);
	while (!__atomic_load_n(&x->stop, __ATOMIC_ACQUIRE)) {
		const struct ovpn_key_slot *p = ovpn_keys_primary_tx(x->k);

		for (uint8_t kid = 0; kid <= OVPN_KEY_ID_MAX; kid++) {
			const struct ovpn_key_slot *s = ovpn_keys_lookup_rx(x->k, kid, T0);

			if (s != NULL)
				race_check(x, s, kid);
		}
		if (p != NULL)
			race_check(x, p, p->key_id);
		rte_rcu_qsbr_quiescent(x->v, READER_ID);
		__atomic_store_n(&x->loops, x->loops + 1, __ATOMIC_RELEASE);
	}
	reader_off(x->v);
	return NULL;
}

/*
 * The control thread's side: soft reset after soft reset, as fast as it can, for at least
 * @p iters rotations and RACE_MIN_MS (so that the reader overlaps it on any machine).
 */
static void
race_writer(struct ovpn_keys *k, struct ovpn_rcu *rcu, unsigned int iters,
	    const struct race *x)
{
	uint64_t end = rte_get_timer_cycles() + rte_get_timer_hz() * RACE_MIN_MS / 1000;

	for (unsigned int i = 0; i < iters || rte_get_timer_cycles() < end; i++) {
		uint8_t cur = ovpn_keys_slot(k, OVPN_KEY_PRIMARY)->key_id;
		uint8_t next = (uint8_t)(cur % OVPN_KEY_ID_MAX + 1);	/* 1..7, never cur */

		install(k, OVPN_KEY_SECONDARY, next, T0);	/* replaces the lame duck */
		assert_int_equal(ovpn_keys_swap(k, T0), 0);
		if (i % 3 == 0)
			assert_int_equal(ovpn_keys_del(k, OVPN_KEY_SECONDARY), 0);
		ovpn_rcu_reclaim(rcu);
		if (i % 64 == 0)
			wait_reader(x);
	}
}

/* A reader pthread holds slots while this thread rotates keys; retire mode per @p dq_size. */
static void
race_run(const char *dq_name, uint32_t dq_size, unsigned int iters)
{
	struct race x = { 0 };
	struct rcu_env e;
	pthread_t th;

	env_open(&e, dq_name, dq_size, 0);
	x.v = e.v;
	x.k = &e.k;
	assert_int_equal(pthread_create(&th, NULL, race_reader, &x), 0);
	wait_reader(&x);
	race_writer(&e.k, &e.rcu, iters, &x);
	__atomic_store_n(&x.stop, true, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(th, NULL), 0);
	print_message("[  INFO    ] %" PRIu64 " slots held by the reader, %" PRIu64
		      " retired\n", x.held, e.rcu.retired);
	assert_int_equal(x.bad, 0);
	assert_true(x.held > 0);
	env_close(&e);
}

static void
test_keys_rcu_reader_thread_races_rotation_defer_queue(void **state)
{
	race_run("tkeys_race", 64, RACE_ITERS);
}

/* Sync mode: every retire waits for the reader's next quiescent state. */
static void
test_keys_rcu_reader_thread_races_rotation_sync(void **state)
{
	race_run(NULL, 0, RACE_ITERS / 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_material_maps_directions_per_4_4),
		cmocka_unit_test(test_keys_server_seals_client_opens),
		cmocka_unit_test(test_keys_install_and_lookup_by_key_id),
		cmocka_unit_test(test_keys_swap_lame_duck_expiry_and_next_reset),
		cmocka_unit_test(test_keys_usage_counts_and_limits),
		cmocka_unit_test(test_keys_rekey_triggers_table),
		cmocka_unit_test(test_keys_rekey_poll_reports_each_reason_once),
		cmocka_unit_test(test_keys_rcu_defer_queue_waits_for_reader),
		cmocka_unit_test(test_keys_rcu_reader_thread_races_rotation_defer_queue),
		cmocka_unit_test(test_keys_rcu_reader_thread_races_rotation_sync),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
