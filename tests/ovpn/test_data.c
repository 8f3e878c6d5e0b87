/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The P_DATA_V2 burst pipeline (src/ovpn/data.[ch]) between two sides of one process: "gw",
 * the gateway (server keys, RPF on), and "cl", a client (client keys, the same peer-id), each
 * with its own peer table and data context. Covered: encap -> decap round trips in both
 * directions for AES-128/256-GCM and ChaCha20-Poly1305, across backends (OpenSSL seals,
 * IPsec-MB opens, and the reverse); packets built and checked with OpenSSL EVP directly from
 * the key2 block (§4.4, §6.1, §6.2: AAD = bytes [0..8), nonce = packet id || tail, tag at 8);
 * the replay table (duplicate, reordered, too old, time window, twice in one burst); TX id
 * exhaustion; tampering and truncation, counted by reason, with the replay window untouched
 * by forgeries; ping, OCC EXIT, control opcodes, RPF, hand-off, float; encap drops. Every test
 * ends with the mbuf pool back at its baseline (leak check in teardown).
 * EAL without hugepages; the IPsec-MB cases are skipped on a CPU the library cannot serve.
 * The fixture (both sides, builders, the EVP oracle) is in data_fixture.[ch].
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "crypto/aead.h"
#include "ovpn/data.h"
#include "ovpn/keys.h"
#include "ovpn/peer.h"
#include "ovpn/proto.h"
#include "data_fixture.h"
#include "test_eal.h"

/* --- round trips --- */

/* 100 packets (two AEAD chunks) of sizes 20..1400 each way, gateway on @p bg, client @p bc. */
static void
round_trip(int bg, int bc, enum ft_aead_alg alg)
{
	struct rte_mbuf *pkts[100];
	struct ovpn_tx_res tres[100];
	struct ovpn_rx_res rres[100];
	const uint16_t n = RTE_DIM(pkts);

	up(bg, bc, alg);
	for (int dir = 0; dir < 2; dir++) {
		struct side *tx = dir == 0 ? &cl : &gw, *rx = dir == 0 ? &gw : &cl;
		uint32_t src = dir == 0 ? PEER_VPN : LAN_HOST;

		for (uint16_t i = 0; i < n; i++)
			pkts[i] = ip4_pkt(src, 20 + i * 1380u / (n - 1), (uint8_t)i);
		assert_int_equal(encap(tx, pkts, n, tres), n);
		for (uint16_t i = 0; i < n; i++) {
			const struct ovpn_data_v2_hdr *h =
				rte_pktmbuf_mtod(pkts[i], const struct ovpn_data_v2_hdr *);

			assert_int_equal(tres[i].verdict, OVPN_TX_SEALED);
			assert_int_equal(tres[i].dst.addr, rx->self.addr);
			assert_int_equal(ovpn_data_v2_pktid(h), i + 1u);
			assert_int_equal(ovpn_data_v2_peer_id(h), PEER_ID);
		}
		assert_int_equal(decap(rx, tx, pkts, n, rres), n);
		for (uint16_t i = 0; i < n; i++) {
			assert_int_equal(rres[i].verdict, OVPN_RX_DATA);
			assert_ptr_equal(rres[i].peer, rx->peer);
			assert_int_equal(rres[i].flags, 0);
			assert_ip4_pkt(pkts[i], src, 20 + i * 1380u / (n - 1), (uint8_t)i);
			rte_pktmbuf_free(pkts[i]);
		}
		assert_int_equal(tx->ctx.stats.tx_pkts, n);
		assert_int_equal(rx->ctx.stats.rx_data, n);
		assert_int_equal(rx->peer->stats.rx_pkts, n);
		assert_int_equal(tx->peer->stats.tx_pkts, n);
	}
}

static void
test_data_round_trip_aes128_openssl_to_ipsecmb(void **state)
{
	round_trip(BE_IMB, BE_OSSL, FT_AEAD_AES_128_GCM);
}

static void
test_data_round_trip_aes256_ipsecmb_to_openssl(void **state)
{
	round_trip(BE_OSSL, BE_IMB, FT_AEAD_AES_256_GCM);
}

static void
test_data_round_trip_aes256_ipsecmb_both(void **state)
{
	round_trip(BE_IMB, BE_IMB, FT_AEAD_AES_256_GCM);
}

static void
test_data_round_trip_chacha20_openssl_to_ipsecmb(void **state)
{
	round_trip(BE_IMB, BE_OSSL, FT_AEAD_CHACHA20_POLY1305);
}

static void
test_data_round_trip_chacha20_ipsecmb_to_openssl(void **state)
{
	round_trip(BE_OSSL, BE_IMB, FT_AEAD_CHACHA20_POLY1305);
}

/* --- independent vectors (OpenSSL EVP from the reference) --- */

static void
evp_vector(int b, enum ft_aead_alg alg)
{
	struct ovpn_tx_res tres;
	struct ovpn_rx_res res;
	struct rte_mbuf *in, *m;
	uint8_t out[128];

	up(b, b, alg);
	in = ip4_pkt(PEER_VPN, 84, 0x42);
	m = evp_seal(alg, 0, PEER_ID, 7, in);
	res = decap1(&m);
	assert_int_equal(res.verdict, OVPN_RX_DATA);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 84);
	assert_memory_equal(rte_pktmbuf_mtod(m, void *), rte_pktmbuf_mtod(in, void *), 84);
	/* And the other way: the gateway's packet opens with EVP under key2's keys[1]. */
	assert_int_equal(encap(&gw, &m, 1, &tres), 1);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 24 + 84);
	assert_int_equal(rte_pktmbuf_mtod(m, uint8_t *)[0], 0x48);	/* §6.1: 48 00 00 05 */
	assert_true(evp_open(alg, 0, m, out));
	assert_memory_equal(out, rte_pktmbuf_mtod(in, void *), 84);
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(in);
}

static void
test_data_evp_vectors_openssl_backend(void **state)
{
	evp_vector(BE_OSSL, FT_AEAD_AES_256_GCM);
}

static void
test_data_evp_vectors_ipsecmb_aes128(void **state)
{
	evp_vector(BE_IMB, FT_AEAD_AES_128_GCM);
}

static void
test_data_evp_vectors_ipsecmb_aes256(void **state)
{
	evp_vector(BE_IMB, FT_AEAD_AES_256_GCM);
}

static void
test_data_evp_vectors_ipsecmb_chacha20(void **state)
{
	evp_vector(BE_IMB, FT_AEAD_CHACHA20_POLY1305);
}

/* --- replay --- */

#define OK_	OVPN_RX_DATA, 0
#define DROP_(r) OVPN_RX_DROP, OVPN_DROP_##r

static void
test_data_replay_table(void **state)
{
	static const struct {
		uint32_t pid, dt_s;
		uint8_t verdict, reason;
	} t[] = {
		{ 1, 0, OK_ },			/* first */
		{ 1, 0, DROP_(REPLAY) },	/* duplicate */
		{ 3, 0, OK_ },
		{ 2, 0, OK_ },			/* reordered inside the window */
		{ 2, 0, DROP_(REPLAY) },
		{ 0, 0, DROP_(MALFORMED) },	/* id 0 is never sent (§6.6) */
		{ 2000, 0, OK_ },		/* a jump forward */
		{ 977, 0, OK_ },		/* 1023 below the top: last in the window */
		{ 976, 0, DROP_(REPLAY_OLD) },	/* exactly the window (1024) below */
		{ 1990, 15, OK_ },		/* 15 s after 2000 passed it: still on time */
		{ 1991, 16, DROP_(REPLAY_OLD) }, /* 16 s: the time window (15 s) is over */
		{ 2001, 16, OK_ },		/* new ids are fine */
	};

	up(BE_IMB, BE_IMB, FT_AEAD_AES_256_GCM);
	for (unsigned int i = 0; i < RTE_DIM(t); i++) {
		struct rte_mbuf *m = good_pkt(t[i].pid);
		struct ovpn_rx_res res;

		ovpn_data_set_now(&gw.ctx, T0 + t[i].dt_s);
		res = decap1(&m);
		assert_int_equal(res.verdict, t[i].verdict);
		if (res.verdict == OVPN_RX_DROP) {
			assert_int_equal(res.reason, t[i].reason);
			assert_null(m);
		}
		rte_pktmbuf_free(m);
	}
	assert_int_equal(gw.ctx.stats.drops[OVPN_DROP_REPLAY], 2);
	assert_int_equal(gw.ctx.stats.drops[OVPN_DROP_REPLAY_OLD], 2);
	assert_int_equal(gw.peer->stats.drops[OVPN_DROP_REPLAY_OLD], 2);
	assert_int_equal(gw.ctx.stats.rx_data, 7);
}

static void
test_data_replay_same_id_twice_in_one_burst(void **state)
{
	struct ovpn_rx_res res[3];
	struct rte_mbuf *m[3];

	up(BE_IMB, BE_IMB, FT_AEAD_AES_256_GCM);
	m[0] = good_pkt(10);
	m[1] = good_pkt(10);
	m[2] = good_pkt(11);
	/* Both copies pass the pre-check; the update after the open refuses the second. */
	assert_int_equal(decap(&gw, &cl, m, 3, res), 2);
	assert_int_equal(res[0].verdict, OVPN_RX_DATA);
	assert_int_equal(res[1].verdict, OVPN_RX_DROP);
	assert_int_equal(res[1].reason, OVPN_DROP_REPLAY);
	assert_int_equal(res[2].verdict, OVPN_RX_DATA);
	rte_pktmbuf_free(m[0]);
	rte_pktmbuf_free(m[2]);
}

static void
test_data_tx_exhaustion_refused(void **state)
{
	struct ovpn_key_slot *s;
	struct rte_mbuf *m[3];
	struct ovpn_tx_res res[3];

	up(BE_IMB, BE_IMB, FT_AEAD_AES_256_GCM);
	s = ovpn_keys_primary_tx(&gw.peer->keys);
	s->tx.next = 0xfffffffe;	/* two ids left */
	for (int i = 0; i < 3; i++)
		m[i] = ip4_pkt(LAN_HOST, 40, (uint8_t)i);
	/* All or nothing per run: three do not fit, so none is sent. */
	assert_int_equal(encap(&gw, m, 3, res), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(res[i].verdict, OVPN_TX_DROP);
		assert_int_equal(res[i].reason, OVPN_DROP_KEY_EXHAUSTED);
		assert_null(m[i]);
		m[i] = ip4_pkt(LAN_HOST, 40, (uint8_t)i);
	}
	assert_int_equal(encap(&gw, m, 2, res), 2);
	assert_int_equal(ovpn_data_v2_pktid(rte_pktmbuf_mtod(m[0], struct ovpn_data_v2_hdr *)),
			 0xfffffffe);
	assert_int_equal(ovpn_data_v2_pktid(rte_pktmbuf_mtod(m[1], struct ovpn_data_v2_hdr *)),
			 0xffffffff);
	rte_pktmbuf_free(m[0]);
	rte_pktmbuf_free(m[1]);
	/* Never wraps to 0 (§6.7). */
	assert_int_equal(encap(&gw, &m[2], 1, res), 0);
	assert_int_equal(res[0].reason, OVPN_DROP_KEY_EXHAUSTED);
	assert_int_equal(gw.ctx.stats.drops[OVPN_DROP_KEY_EXHAUSTED], 4);
	assert_int_equal(gw.peer->stats.drops[OVPN_DROP_KEY_EXHAUSTED], 4);
	assert_true(ovpn_key_rekey_poll(s, T0) & OVPN_REKEY_EXHAUSTED);
}

/* --- tampering and truncation --- */

enum tamper { T_TAG, T_KEY_ID_LIVE, T_PID, T_PEER_ID_OTHER, T_PEER_ID_UNKNOWN, T_KEY_ID, T_CT };

/* Failed verifications counted by @p p's two key slots. */
static uint64_t
auth_fails(const struct ovpn_peer *p)
{
	uint64_t n = 0;

	for (int i = 0; i < 2; i++)
		n += p->keys.slot[i] != NULL ? p->keys.slot[i]->auth_fail : 0;
	return n;
}

static void
test_data_tamper_table(void **state)
{
	static const struct {
		enum tamper what;
		uint8_t reason;
	} t[] = {
		{ T_TAG, OVPN_DROP_AUTH_FAIL },		/* tag byte */
		{ T_KEY_ID_LIVE, OVPN_DROP_AUTH_FAIL },	/* key_id 0 -> 1, a live key: wrong key */
		{ T_PID, OVPN_DROP_AUTH_FAIL },		/* packet id: AAD and nonce */
		{ T_PEER_ID_OTHER, OVPN_DROP_AUTH_FAIL }, /* another live peer: its keys fail */
		{ T_PEER_ID_UNKNOWN, OVPN_DROP_NO_PEER },
		{ T_KEY_ID, OVPN_DROP_UNKNOWN_KEY },	/* key_id 3: no such slot */
		{ T_CT, OVPN_DROP_AUTH_FAIL },		/* ciphertext byte */
	};
	struct ovpn_peer *other;
	struct ovpn_key_slot *s;
	uint64_t fails = 0;

	up(BE_IMB, BE_IMB, FT_AEAD_AES_256_GCM);
	other = peer_add(&gw, OTHER_ID, PEER_VPN + 1, ep(CL_ADDR + 1, CL_PORT), 0);
	install(other, OVPN_KEY_PRIMARY, FT_AEAD_AES_256_GCM, 0, true);
	install(gw.peer, OVPN_KEY_SECONDARY, FT_AEAD_AES_256_GCM, 1, true);
	s = ovpn_keys_primary_tx(&gw.peer->keys);
	for (unsigned int i = 0; i < RTE_DIM(t); i++) {
		struct rte_mbuf *m = good_pkt(100 + i);
		uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
		struct ovpn_rx_res res;

		switch (t[i].what) {
		case T_TAG:
			p[8 + i] ^= 0x01;
			break;
		case T_KEY_ID_LIVE:
			p[0] = ovpn_op_build(OVPN_P_DATA_V2, 1);
			break;
		case T_PEER_ID_OTHER:
			p[3] = OTHER_ID;
			break;
		case T_PID:
			p[7] ^= 0x80;
			break;
		case T_PEER_ID_UNKNOWN:
			p[3] = 7;
			break;
		case T_KEY_ID:
			p[0] = ovpn_op_build(OVPN_P_DATA_V2, 3);
			break;
		case T_CT:
			p[24 + 30] ^= 0x20;
			break;
		}
		res = decap1(&m);
		assert_int_equal(res.verdict, OVPN_RX_DROP);
		assert_int_equal(res.reason, t[i].reason);
		assert_null(m);
		fails += t[i].reason == OVPN_DROP_AUTH_FAIL;
	}
	/* Counted per reason, per worker and per peer; the keys count failed verifications. */
	assert_int_equal(gw.ctx.stats.drops[OVPN_DROP_AUTH_FAIL], fails);
	assert_int_equal(gw.ctx.stats.drops[OVPN_DROP_NO_PEER], 1);
	assert_int_equal(gw.ctx.stats.drops[OVPN_DROP_UNKNOWN_KEY], 1);
	assert_int_equal(gw.peer->stats.drops[OVPN_DROP_UNKNOWN_KEY], 1);
	assert_int_equal(auth_fails(gw.peer) + auth_fails(other), fails);
	assert_int_equal(auth_fails(other), 1);
	assert_int_equal(gw.ctx.stats.rx_pkts, 0);
	/* Nothing moved the replay window, nor the peer's "last seen". */
	assert_int_equal(s->rx.top, 0);
	assert_int_equal(gw.peer->stats.rx_pkts, 0);
}

static void
test_data_forged_high_id_does_not_move_window(void **state)
{
	struct ovpn_key_slot *s;
	struct ovpn_rx_res res;
	struct rte_mbuf *m;

	up(BE_OSSL, BE_OSSL, FT_AEAD_AES_256_GCM);
	m = good_pkt(0xfffffff0);
	s = ovpn_keys_primary_tx(&gw.peer->keys);
	rte_pktmbuf_mtod(m, uint8_t *)[9] ^= 0xff;		/* forge: bad tag */
	res = decap1(&m);
	assert_int_equal(res.reason, OVPN_DROP_AUTH_FAIL);
	assert_int_equal(s->rx.top, 0);
	m = good_pkt(1);					/* the real traffic goes on */
	res = decap1(&m);
	assert_int_equal(res.verdict, OVPN_RX_DATA);
	assert_int_equal(s->rx.top, 1);
	rte_pktmbuf_free(m);
}

static void
test_data_truncated_packets_are_malformed(void **state)
{
	struct rte_mbuf *full, *m[25];
	struct ovpn_rx_res res[25];

	up(BE_IMB, BE_IMB, FT_AEAD_AES_256_GCM);
	full = good_pkt(1);
	/* 0..24 bytes of a valid packet: nothing to decrypt (§6.2: empty payloads rejected). */
	for (uint32_t len = 0; len <= 24; len++)
		m[len] = raw_pkt(rte_pktmbuf_mtod(full, void *), len);
	assert_int_equal(decap(&gw, &cl, m, 25, res), 0);
	for (uint32_t len = 0; len <= 24; len++) {
		assert_int_equal(res[len].verdict, OVPN_RX_DROP);
		assert_int_equal(res[len].reason, OVPN_DROP_MALFORMED);
		assert_null(m[len]);
	}
	assert_int_equal(gw.ctx.stats.drops[OVPN_DROP_MALFORMED], 25);
	rte_pktmbuf_free(full);
}

/* --- keepalive, OCC, control opcodes --- */

static void
test_data_ping_is_consumed_and_stamps_peer(void **state)
{
	static const uint8_t magic[OVPN_PING_LEN] = OVPN_PING_MAGIC;
	struct ovpn_tx_res tres;
	struct ovpn_rx_res res;
	struct rte_mbuf *m;

	up(BE_IMB, BE_IMB, FT_AEAD_CHACHA20_POLY1305);
	m = rte_pktmbuf_alloc(pool);
	ovpn_data_set_now(&cl.ctx, T0 + 10);
	assert_int_equal(ovpn_data_ping(&cl.ctx, cl.peer, m, &tres), 1);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 24 + OVPN_PING_LEN);	/* §6.5 [LAB]: 40 */
	assert_int_equal(cl.peer->last_tx_s, T0 + 10);
	ovpn_data_set_now(&gw.ctx, T0 + 10);
	res = decap1(&m);
	assert_int_equal(res.verdict, OVPN_RX_PING);
	assert_null(m);
	assert_int_equal(gw.peer->last_rx_s, T0 + 10);
	assert_int_equal(gw.ctx.stats.rx_ping, 1);
	assert_int_equal(gw.ctx.stats.rx_data, 0);
	/* The same 16 bytes as raw data are a ping too; one byte more is not (NOT_IP). */
	m = rte_pktmbuf_alloc(pool);
	assert_int_equal(ovpn_data_ping_build(m), 0);
	assert_memory_equal(rte_pktmbuf_mtod(m, void *), magic, OVPN_PING_LEN);
	assert_int_equal(ovpn_data_ping_build(m), -EINVAL);		/* not empty */
	rte_pktmbuf_append(m, 1);
	assert_int_equal(encap(&cl, &m, 1, &tres), 1);
	res = decap1(&m);
	assert_int_equal(res.reason, OVPN_DROP_NOT_IP);
}

static void
test_data_occ_exit_reported_other_occ_dropped(void **state)
{
	static const uint8_t occ[OVPN_OCC_MAGIC_LEN] = OVPN_OCC_MAGIC;
	uint8_t msg[OVPN_OCC_MIN_LEN];
	struct ovpn_tx_res tres;
	struct ovpn_rx_res res;
	struct rte_mbuf *m;

	up(BE_OSSL, BE_OSSL, FT_AEAD_AES_256_GCM);
	memcpy(msg, occ, sizeof(occ));
	msg[OVPN_OCC_TYPE_OFF] = OVPN_OCC_EXIT;
	m = raw_pkt(msg, sizeof(msg));
	assert_int_equal(encap(&cl, &m, 1, &tres), 1);
	res = decap1(&m);
	assert_int_equal(res.verdict, OVPN_RX_EXIT);
	assert_ptr_equal(res.peer, gw.peer);
	assert_null(m);
	assert_int_equal(gw.ctx.stats.rx_exit, 1);
	msg[OVPN_OCC_TYPE_OFF] = OVPN_OCC_REQUEST;
	m = raw_pkt(msg, sizeof(msg));
	assert_int_equal(encap(&cl, &m, 1, &tres), 1);
	res = decap1(&m);
	assert_int_equal(res.verdict, OVPN_RX_DROP);
	assert_int_equal(res.reason, OVPN_DROP_NOT_IP);
}

static void
test_data_non_data_opcodes_go_to_control_untouched(void **state)
{
	static const uint8_t ops[] = {
		OVPN_P_CONTROL_HARD_RESET_CLIENT_V2, OVPN_P_CONTROL_V1, OVPN_P_ACK_V1,
		OVPN_P_DATA_V1, OVPN_P_CONTROL_SOFT_RESET_V1, OVPN_P_CONTROL_WKC_V1,
	};
	uint8_t buf[40];
	struct ovpn_rx_res res;

	up(BE_OSSL, BE_OSSL, FT_AEAD_AES_256_GCM);
	for (unsigned int i = 0; i < RTE_DIM(ops); i++) {
		struct rte_mbuf *m;

		memset(buf, 0xab, sizeof(buf));
		buf[0] = ovpn_op_build(ops[i], 1);
		m = raw_pkt(buf, i == 0 ? 1 : sizeof(buf));	/* length is control's business */
		res = decap1(&m);
		assert_int_equal(res.verdict, OVPN_RX_CONTROL);
		assert_null(res.peer);
		assert_int_equal(rte_pktmbuf_pkt_len(m), i == 0 ? 1 : sizeof(buf));
		assert_memory_equal(rte_pktmbuf_mtod(m, void *), buf, rte_pktmbuf_pkt_len(m));
		rte_pktmbuf_free(m);
	}
	/* Opcodes 2.6 never accepts are not worth the control ring. */
	buf[0] = ovpn_op_build(0, 0);
	{
		struct rte_mbuf *m = raw_pkt(buf, sizeof(buf));

		res = decap1(&m);
		assert_int_equal(res.reason, OVPN_DROP_MALFORMED);
	}
	assert_int_equal(gw.ctx.stats.rx_control, RTE_DIM(ops));
}

/* --- RPF, hand-off, float --- */

static bool
iroute_10_9_0(void *arg, const struct ovpn_peer *peer, uint32_t src)
{
	(*(int *)arg)++;
	return peer->id == PEER_ID && (src & 0xffffff00u) == IROUTE_NET;
}

/* Seal @p in (consumed) as the client's next packet and decap it at the gateway. */
static struct ovpn_rx_res
decap_inner(struct rte_mbuf *in)
{
	static uint32_t pid;
	struct rte_mbuf *m = evp_seal(FT_AEAD_AES_256_GCM, 0, PEER_ID, ++pid, in);
	struct ovpn_rx_res res = decap1(&m);

	rte_pktmbuf_free(m);
	rte_pktmbuf_free(in);
	return res;
}

static void
test_data_rpf_vpn_address_iroute_hook_and_ipv6(void **state)
{
	uint8_t v6[48] = { 0x60 }, junk[30] = { 0x50 };
	int calls = 0;

	up(BE_IMB, BE_IMB, FT_AEAD_AES_256_GCM);
	assert_int_equal(decap_inner(ip4_pkt(PEER_VPN, 40, 1)).verdict, OVPN_RX_DATA);
	assert_int_equal(decap_inner(ip4_pkt(IROUTE_NET + 7, 40, 1)).reason, OVPN_DROP_BAD_SRC);
	assert_int_equal(decap_inner(raw_pkt(v6, sizeof(v6))).reason, OVPN_DROP_BAD_SRC);
	assert_int_equal(decap_inner(raw_pkt(junk, sizeof(junk))).reason, OVPN_DROP_NOT_IP);
	assert_int_equal(decap_inner(raw_pkt(v6, 10)).reason, OVPN_DROP_BAD_SRC);
	gw.ctx.conf.iroute = iroute_10_9_0;
	gw.ctx.conf.iroute_arg = &calls;
	assert_int_equal(decap_inner(ip4_pkt(PEER_VPN, 40, 1)).verdict, OVPN_RX_DATA);
	assert_int_equal(calls, 0);		/* the VPN address needs no hook */
	assert_int_equal(decap_inner(ip4_pkt(IROUTE_NET + 7, 40, 1)).verdict, OVPN_RX_DATA);
	assert_int_equal(decap_inner(ip4_pkt(LAN_HOST, 40, 1)).reason, OVPN_DROP_BAD_SRC);
	assert_int_equal(calls, 2);
	/* A truncated IPv4 header is not an IP packet. */
	assert_int_equal(decap_inner(raw_pkt(junk, 19)).reason, OVPN_DROP_NOT_IP);
	junk[0] = 0x45;
	assert_int_equal(decap_inner(raw_pkt(junk, 19)).reason, OVPN_DROP_NOT_IP);
	gw.ctx.conf.rpf = false;
	assert_int_equal(decap_inner(raw_pkt(v6, sizeof(v6))).verdict, OVPN_RX_DATA);
	assert_int_equal(decap_inner(ip4_pkt(LAN_HOST, 40, 1)).verdict, OVPN_RX_DATA);
	assert_int_equal(gw.peer->stats.drops[OVPN_DROP_BAD_SRC], 4);
}

static void
test_data_other_workers_peer_is_handed_off_untouched(void **state)
{
	struct ovpn_peer *other;
	struct ft_endpoint4 src = ep(CL_ADDR + 1, CL_PORT);
	struct ovpn_rx_res res;
	struct ovpn_tx_res tres;
	struct rte_mbuf *m, *in;
	uint8_t copy[128];

	up(BE_OSSL, BE_OSSL, FT_AEAD_AES_256_GCM);
	m = good_pkt(1);
	other = peer_add(&gw, OTHER_ID, PEER_VPN + 1, src, 1);	/* owned by worker 1 */
	install(other, OVPN_KEY_PRIMARY, FT_AEAD_AES_256_GCM, 0, true);
	rte_pktmbuf_mtod(m, uint8_t *)[3] = OTHER_ID;
	memcpy(copy, rte_pktmbuf_mtod(m, void *), rte_pktmbuf_pkt_len(m));
	assert_int_equal(ovpn_data_decap_burst(&gw.ctx, &m, &src, &res, 1), 0);
	assert_int_equal(res.verdict, OVPN_RX_HANDOFF);
	assert_ptr_equal(res.peer, other);
	assert_memory_equal(rte_pktmbuf_mtod(m, void *), copy, rte_pktmbuf_pkt_len(m));
	assert_int_equal(ovpn_keys_primary_tx(&other->keys)->rx.top, 0);
	/* A full hand-off ring is the caller's drop, counted here but not on the peer. */
	ovpn_data_drop(&gw.ctx, other, m, OVPN_DROP_HANDOFF);
	assert_int_equal(gw.ctx.stats.drops[OVPN_DROP_HANDOFF], 1);
	assert_int_equal(other->stats.drops[OVPN_DROP_HANDOFF], 0);
	in = ip4_pkt(LAN_HOST, 40, 1);
	assert_int_equal(ovpn_data_encap_burst(&gw.ctx, &in, &other, &tres, 1), 0);
	assert_int_equal(tres.verdict, OVPN_TX_HANDOFF);
	assert_int_equal(rte_pktmbuf_pkt_len(in), 40);
	assert_int_equal(ovpn_keys_primary_tx(&other->keys)->tx.next, 1);
	rte_pktmbuf_free(in);
	assert_int_equal(gw.ctx.stats.rx_handoff, 1);
	assert_int_equal(gw.ctx.stats.tx_handoff, 1);
}

static void
test_data_float_flagged_once_and_undef_peer_id_by_address(void **state)
{
	struct ft_endpoint4 moved = ep(CL_ADDR + 50, 41000);
	struct ft_endpoint4 src[2] = { moved, moved };
	struct ovpn_rx_res res[2];
	struct rte_mbuf *m[2], *in;

	up(BE_IMB, BE_IMB, FT_AEAD_AES_256_GCM);
	m[0] = good_pkt(1);
	m[1] = good_pkt(2);
	assert_int_equal(ovpn_data_decap_burst(&gw.ctx, m, src, res, 2), 2);
	assert_int_equal(res[0].flags, OVPN_RX_F_FLOAT);
	assert_int_equal(res[1].flags, 0);		/* reported once per new address */
	assert_int_equal(gw.ctx.stats.rx_float, 1);
	rte_pktmbuf_free(m[0]);
	rte_pktmbuf_free(m[1]);
	/* A forged packet from a new address is not a float. */
	m[0] = good_pkt(3);
	rte_pktmbuf_mtod(m[0], uint8_t *)[12] ^= 1;
	src[0] = ep(CL_ADDR + 51, 1);
	ovpn_data_decap_burst(&gw.ctx, m, src, res, 1);
	assert_int_equal(res[0].reason, OVPN_DROP_AUTH_FAIL);
	assert_int_equal(res[0].flags, 0);
	/* peer-id 0xFFFFFF: found by its transport address (§6.1). */
	in = ip4_pkt(PEER_VPN, 60, 4);
	m[0] = evp_seal(FT_AEAD_AES_256_GCM, 0, OVPN_PEER_ID_UNDEF, 4, in);
	rte_pktmbuf_free(in);
	assert_int_equal(decap1(&m[0]).verdict, OVPN_RX_DATA);
	rte_pktmbuf_free(m[0]);
	m[0] = good_pkt(5);
	rte_pktmbuf_mtod(m[0], uint8_t *)[1] = 0xff;
	rte_pktmbuf_mtod(m[0], uint8_t *)[2] = 0xff;
	rte_pktmbuf_mtod(m[0], uint8_t *)[3] = 0xff;
	src[0] = ep(CL_ADDR + 99, 1);				/* nobody's address */
	ovpn_data_decap_burst(&gw.ctx, m, src, res, 1);
	assert_int_equal(res[0].reason, OVPN_DROP_NO_PEER);
}

/* --- encap drops --- */

static void
test_data_encap_drops_by_reason(void **state)
{
	struct ovpn_peer *nokey, *peers[5];
	struct rte_mbuf *m[5];
	struct ovpn_tx_res res[5];

	up(BE_OSSL, BE_OSSL, FT_AEAD_AES_256_GCM);
	nokey = peer_add(&gw, OTHER_ID, PEER_VPN + 1, ep(CL_ADDR + 1, CL_PORT), 0);
	m[0] = ip4_pkt(LAN_HOST, 40, 0);
	peers[0] = NULL;				/* NO_PEER */
	m[1] = ip4_pkt(LAN_HOST, 40, 1);
	peers[1] = nokey;				/* NO_KEY */
	m[2] = ip4_pkt(LAN_HOST, OVPN_DATA_MTU_DEFAULT + 1, 2);
	peers[2] = gw.peer;				/* TOO_BIG */
	m[3] = ip4_pkt(LAN_HOST, 40, 3);
	m[3]->data_off = 8;				/* no headroom: MALFORMED */
	peers[3] = gw.peer;
	m[4] = ip4_pkt(LAN_HOST, OVPN_DATA_MTU_DEFAULT, 4);
	peers[4] = gw.peer;				/* fits exactly */
	assert_int_equal(ovpn_data_encap_burst(&gw.ctx, m, peers, res, 5), 1);
	assert_int_equal(res[0].reason, OVPN_DROP_NO_PEER);
	assert_int_equal(res[1].reason, OVPN_DROP_NO_KEY);
	assert_int_equal(res[2].reason, OVPN_DROP_TOO_BIG);
	assert_int_equal(res[3].reason, OVPN_DROP_MALFORMED);
	assert_int_equal(res[4].verdict, OVPN_TX_SEALED);
	/* The one packet sent used the first id: drops before the reservation cost none. */
	assert_int_equal(ovpn_data_v2_pktid(rte_pktmbuf_mtod(m[4], struct ovpn_data_v2_hdr *)),
			 1);
	rte_pktmbuf_free(m[4]);
	assert_int_equal(nokey->stats.drops[OVPN_DROP_NO_KEY], 1);
	assert_int_equal(gw.peer->stats.drops[OVPN_DROP_TOO_BIG], 1);
}

static void
test_data_encap_interleaved_peers_get_their_own_ids(void **state)
{
	struct ovpn_peer *b, *peers[6];
	struct rte_mbuf *m[6];
	struct ovpn_tx_res res[6];
	static const uint32_t want[6] = { 1, 2, 1, 3, 2, 4 };

	up(BE_IMB, BE_IMB, FT_AEAD_AES_256_GCM);
	b = peer_add(&gw, OTHER_ID, PEER_VPN + 1, ep(CL_ADDR + 1, CL_PORT), 0);
	install(b, OVPN_KEY_PRIMARY, FT_AEAD_AES_256_GCM, 0, true);
	for (int i = 0; i < 6; i++) {
		m[i] = ip4_pkt(LAN_HOST, 40, (uint8_t)i);
		peers[i] = (i == 2 || i == 4) ? b : gw.peer;
	}
	assert_int_equal(ovpn_data_encap_burst(&gw.ctx, m, peers, res, 6), 6);
	for (int i = 0; i < 6; i++) {
		const struct ovpn_data_v2_hdr *h =
			rte_pktmbuf_mtod(m[i], const struct ovpn_data_v2_hdr *);

		assert_int_equal(ovpn_data_v2_pktid(h), want[i]);
		assert_int_equal(ovpn_data_v2_peer_id(h), peers[i]->id);
		assert_int_equal(res[i].dst.addr, peers[i] == b ? CL_ADDR + 1 : CL_ADDR);
		rte_pktmbuf_free(m[i]);
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_data_round_trip_aes128_openssl_to_ipsecmb),
		T(test_data_round_trip_aes256_ipsecmb_to_openssl),
		T(test_data_round_trip_aes256_ipsecmb_both),
		T(test_data_round_trip_chacha20_openssl_to_ipsecmb),
		T(test_data_round_trip_chacha20_ipsecmb_to_openssl),
		T(test_data_evp_vectors_openssl_backend),
		T(test_data_evp_vectors_ipsecmb_aes128),
		T(test_data_evp_vectors_ipsecmb_aes256),
		T(test_data_evp_vectors_ipsecmb_chacha20),
		T(test_data_replay_table),
		T(test_data_replay_same_id_twice_in_one_burst),
		T(test_data_tx_exhaustion_refused),
		T(test_data_tamper_table),
		T(test_data_forged_high_id_does_not_move_window),
		T(test_data_truncated_packets_are_malformed),
		T(test_data_ping_is_consumed_and_stamps_peer),
		T(test_data_occ_exit_reported_other_occ_dropped),
		T(test_data_non_data_opcodes_go_to_control_untouched),
		T(test_data_rpf_vpn_address_iroute_hook_and_ipv6),
		T(test_data_other_workers_peer_is_handed_off_untouched),
		T(test_data_float_flagged_once_and_undef_peer_id_by_address),
		T(test_data_encap_drops_by_reason),
		T(test_data_encap_interleaved_peers_get_their_own_ids),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
