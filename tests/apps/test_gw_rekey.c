/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-ovpn-gw renegotiation (apps/dpdk-ovpn-gw/rekey.c) on one session with a real TLS
 * session per key state (tests/ovpn/tls_fixture.c's OpenSSL client) and a real key set (the
 * OpenSSL AEAD backend), without the packet and handshake layers around it: the client's soft
 * reset opens key_id 1 and gets ours back, the new keys go to the SECONDARY slot and take over
 * TX only once the client acknowledged, a failed renegotiation (TLS, install, hand-window)
 * leaves the TX key alone and backs off, reneg_sec and a packet-id limit start our own soft
 * resets, out-of-sync key_ids are refused, and the failures that must end the session say so.
 * openvpn-protocol.md §7. EAL without hugepages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <rte_cycles.h>

#include "rekey_policy.h"
#include "session.h"
#include "test_eal.h"
#include "tls_fixture.h"

#define S_US 1000000ull
#define T0_US (1000 * S_US)

int gw_logtype; /* main.c registers it in the gateway */

static struct {
	struct tls_fx fx;
	struct ft_aead_backend *be;
	struct ovpn_rcu rcu;
	struct gw_config cfg;
	struct gw gw;
	struct gw_server srv;
	struct gw_peer_conf pc;
	struct gw_peer_info pi;
	struct ovpn_peer peer;
	struct gw_sess s;
} e;

static const char peer_info[] = "IV_VER=2.6.14\nIV_PLAT=linux\nIV_PROTO=990\n"
				 "IV_CIPHERS=AES-256-GCM:AES-128-GCM\n";

static struct ovpn_ctrl_msg
msg(uint8_t opcode, uint8_t key_id, uint32_t msg_pid)
{
	struct ovpn_ctrl_msg m = { .opcode = opcode, .key_id = key_id, .sid = e.s.csid,
				   .msg_pid = msg_pid };

	return m;
}

/* The client acks our msg-pid @p pid of key state @p ks. */
static void
client_ack(struct gw_ks *ks, uint32_t pid)
{
	struct ovpn_ctrl_msg m = msg(OVPN_P_ACK_V1, ks->key_id, 0);

	m.n_acks = 1;
	m.acks[0] = pid;
	m.ack_sid = e.s.ssid;
	assert_int_equal(ovpn_reliable_input(&ks->rel, &m), OVPN_CTRL_OK);
}

/* TLS handshake and key method 2 of @p ks with client certificate @p who (no packets). */
static void
client_handshake(struct gw_ks *ks, enum fx_cert who)
{
	struct ovpn_key_source src;
	struct ovpn_km2_msg km = { .key_method = OVPN_KEY_METHOD_2, .options = "V4",
				   .peer_info = peer_info };
	uint8_t buf[1024];
	SSL *cli = tls_fx_client(&e.fx, who, 0, 0);
	int len;

	assert_non_null(cli);
	assert_int_equal(tls_fx_handshake(ks->tls, cli, 1222, NULL), 0);
	assert_int_equal(RAND_bytes((uint8_t *)&src, sizeof(src)), 1);
	km.pre_master = src.pre_master;
	km.random1 = src.random1;
	km.random2 = src.random2;
	len = ovpn_km2_build(buf, sizeof(buf), true, &km);
	assert_true(len > 0);
	assert_int_equal(ovpn_keyex_read_client(&ks->kx, buf, (size_t)len, NULL), 0);
	assert_true(ovpn_keyex_write_server(&ks->kx, NULL, buf, sizeof(buf)) > 0);
	SSL_free(cli);
}

static uint8_t
slot_key_id(enum ovpn_key_slot_idx which)
{
	const struct ovpn_key_slot *sl = ovpn_keys_slot(&e.peer.keys, which);

	return sl == NULL ? 0xff : sl->key_id;
}

static uint8_t
tx_key_id(void)
{
	return ovpn_keys_primary_tx(&e.peer.keys)->key_id;
}

/* An active session whose first key (key_id 0) is installed, as handshake.c leaves it. */
static int
setup(void **state)
{
	struct ovpn_key_material m;
	uint8_t key2[OVPN_KEY2_LEN] = { 1, 2, 3 };

	(void)state;
	memset(&e.srv, 0, sizeof(e.srv));
	memset(&e.s, 0, sizeof(e.s));
	memset(&e.pi, 0, sizeof(e.pi));
	e.cfg.server.reneg_sec = 10;
	e.gw.cfg = &e.cfg;
	e.gw.tsc_hz = rte_get_tsc_hz();
	ovpn_keys_conf_init(&e.gw.keys_conf);
	e.gw.keys_conf.backend = e.be;
	e.gw.keys_conf.rcu = &e.rcu;
	e.srv.gw = &e.gw;
	e.srv.tls_ctx = tls_fx_server_ctx(&e.fx, false, OVPN_TLS_V1_2, OVPN_TLS_V1_3);
	assert_non_null(e.srv.tls_ctx);
	ovpn_reliable_conf_init(&e.srv.rconf);
	snprintf(e.pc.name, sizeof(e.pc.name), "client1");
	e.pi.conf = &e.pc;
	e.pi.peer = &e.peer;
	ovpn_keys_init(&e.peer.keys, &e.gw.keys_conf);
	assert_int_equal(ovpn_key_material_from_key2(&m, FT_AEAD_AES_256_GCM, 0, key2, true), 0);
	assert_int_equal(ovpn_keys_install(&e.peer.keys, OVPN_KEY_PRIMARY, &m, 0), 0);
	memset(e.s.csid.b, 0xc1, sizeof(e.s.csid.b));
	memset(e.s.ssid.b, 0x5e, sizeof(e.s.ssid.b));
	e.s.used = true;
	e.s.alg = FT_AEAD_AES_256_GCM;
	e.s.pi = &e.pi;
	assert_int_equal(gw_ks_open(&e.srv, &e.s, &e.s.ks[0], 0, T0_US), 0);
	e.s.ks[0].state = GW_KS_KEYED;
	e.s.active = true;
	gw_rekey_first_key(&e.srv, &e.s, T0_US);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	gw_ks_close(&e.srv, &e.s.ks[0]);
	gw_ks_close(&e.srv, &e.s.ks[1]);
	ovpn_keys_fini(&e.peer.keys);
	ovpn_tls_ctx_destroy(e.srv.tls_ctx);
	return 0;
}

/* The client's soft reset with the next key_id: a new key state, and our reset back. */
static struct gw_ks *
client_soft_reset(uint8_t key_id, uint64_t now_us)
{
	struct ovpn_ctrl_msg m = msg(OVPN_P_CONTROL_SOFT_RESET_V1, key_id, 0), out;
	enum ovpn_ctrl_drop drop = OVPN_CTRL_OK;
	struct gw_ks *ks = gw_rekey_route(&e.srv, &e.s, &m, now_us, &drop);

	assert_non_null(ks);
	assert_int_equal(ks->key_id, key_id);
	assert_int_equal(ovpn_reliable_input(&ks->rel, &m), OVPN_CTRL_OK);
	assert_true(ovpn_reliable_output(&ks->rel, now_us, &out));
	assert_int_equal(out.opcode, OVPN_P_CONTROL_SOFT_RESET_V1);
	assert_int_equal(out.key_id, key_id);
	assert_int_equal(out.msg_pid, 0);
	return ks;
}

static void
test_client_soft_reset_installs_secondary_then_swaps_after_ack(void **state)
{
	struct gw_ks *ks;

	(void)state;
	assert_int_equal(e.s.reneg_at_us - T0_US > 9 * S_US, true); /* 10 s minus jitter */
	ks = client_soft_reset(1, T0_US + S_US);
	assert_int_equal(ovpn_ctr_read(&e.srv.rk.reneg_client), 1);
	client_handshake(ks, FX_CLIENT);
	assert_int_equal(gw_rekey_keyed(&e.srv, &e.s, ks, T0_US + S_US), 0);
	/* RX on the new key at once, TX still on key_id 0 ... */
	assert_int_equal(slot_key_id(OVPN_KEY_SECONDARY), 1);
	assert_int_equal(tx_key_id(), 0);
	assert_true(e.s.swap_pending);
	gw_rekey_poll(&e.srv, &e.s, T0_US + S_US);
	assert_int_equal(tx_key_id(), 0);
	/* ... until the client acknowledged our reset (and so everything we sent). */
	client_ack(ks, 0);
	gw_rekey_poll(&e.srv, &e.s, T0_US + S_US + 1000);
	assert_int_equal(tx_key_id(), 1);
	assert_int_equal(slot_key_id(OVPN_KEY_SECONDARY), 0); /* lame duck */
	assert_ptr_equal(&e.s.ks[e.s.cur], ks);
	assert_int_equal(ovpn_ctr_read(&e.srv.rk.renegotiations_ok), 1);
	assert_int_equal(ovpn_ctr_read(&e.srv.rk.key_swaps), 1);
	assert_int_equal(ovpn_ctr_read(&e.pi.rekeys), 1);
	assert_int_equal(e.s.next_key_id, 2);
	/* The old key state lives on for the lame-duck time, then goes (reneg_sec off here). */
	e.s.reneg_at_us = 0;
	gw_rekey_poll(&e.srv, &e.s, T0_US + 30 * S_US);
	assert_int_equal(e.s.ks[e.s.cur ^ 1].state, GW_KS_KEYED);
	gw_rekey_poll(&e.srv, &e.s, T0_US + 62 * S_US);
	assert_int_equal(e.s.ks[e.s.cur ^ 1].state, GW_KS_FREE);
}

static void
test_out_of_sync_key_ids_are_refused(void **state)
{
	struct ovpn_ctrl_msg m = msg(OVPN_P_CONTROL_SOFT_RESET_V1, 2, 0);
	enum ovpn_ctrl_drop drop = OVPN_CTRL_OK;

	(void)state;
	assert_null(gw_rekey_route(&e.srv, &e.s, &m, T0_US, &drop)); /* next is 1, not 2 */
	assert_int_equal(drop, OVPN_CTRL_DROP_WRONG_KEY_ID);
	m = msg(OVPN_P_CONTROL_V1, 1, 1); /* not a reset: no key state for key_id 1 */
	assert_null(gw_rekey_route(&e.srv, &e.s, &m, T0_US, &drop));
	m = msg(OVPN_P_CONTROL_V1, 0, 5); /* the current key state */
	assert_ptr_equal(gw_rekey_route(&e.srv, &e.s, &m, T0_US, &drop), &e.s.ks[0]);
	e.s.active = false; /* no soft reset before the first key is done (§7.2) */
	m = msg(OVPN_P_CONTROL_SOFT_RESET_V1, 1, 0);
	assert_null(gw_rekey_route(&e.srv, &e.s, &m, T0_US, &drop));
	e.s.active = true;
}

static void
test_failed_renegotiation_keeps_tx_key_and_backs_off(void **state)
{
	struct gw_ks *ks;
	uint64_t t = e.s.reneg_at_us;

	(void)state;
	/* reneg_sec: our soft reset with key_id 1. */
	gw_rekey_poll(&e.srv, &e.s, t - 1);
	assert_int_equal(e.s.ks[1].state, GW_KS_FREE);
	gw_rekey_poll(&e.srv, &e.s, t);
	ks = &e.s.ks[1];
	assert_int_equal(ks->state, GW_KS_NEGOTIATING);
	assert_int_equal(ks->key_id, 1);
	assert_int_equal(ovpn_ctr_read(&e.srv.rk.reneg_server_time), 1);
	/* Its TLS fails: only the new key state goes. */
	assert_false(gw_rekey_failed(&e.srv, &e.s, ks, t + 1000, -EPROTO, "test"));
	assert_int_equal(ks->state, GW_KS_FREE);
	assert_int_equal(tx_key_id(), 0);
	assert_int_equal(slot_key_id(OVPN_KEY_SECONDARY), 0xff);
	assert_int_equal(ovpn_ctr_read(&e.srv.rk.renegotiations_failed), 1);
	assert_int_equal(ovpn_ctr_read(&e.srv.rk.reneg_tls_failed), 1);
	/* Backoff, then key_id 2 (ids are not reused, §7.1). */
	gw_rekey_poll(&e.srv, &e.s, t + 5 * S_US);
	assert_int_equal(ks->state, GW_KS_FREE);
	gw_rekey_poll(&e.srv, &e.s, t + (GW_RENEG_RETRY_S + 1) * S_US);
	assert_int_equal(ks->state, GW_KS_NEGOTIATING);
	assert_int_equal(ks->key_id, 2);
	/* Keys that cannot be derived (no key method 2 yet): an install failure. */
	assert_int_equal(gw_rekey_keyed(&e.srv, &e.s, ks, t + 12 * S_US), -EXDEV);
	assert_false(gw_rekey_failed(&e.srv, &e.s, ks, t + 12 * S_US, -EXDEV, "test"));
	assert_int_equal(ovpn_ctr_read(&e.srv.rk.reneg_install_failed), 1);
	/* Hand-window: key_id 3 never finishes. */
	gw_rekey_poll(&e.srv, &e.s, t + 30 * S_US);
	assert_int_equal(ks->key_id, 3);
	gw_rekey_poll(&e.srv, &e.s, t + 30 * S_US + (GW_HAND_WINDOW_S + 1) * S_US);
	assert_int_equal(ks->state, GW_KS_FREE);
	assert_int_equal(ovpn_ctr_read(&e.srv.rk.reneg_hand_window), 1);
	assert_int_equal(ovpn_ctr_read(&e.srv.rk.renegotiations_failed), 3);
	assert_int_equal(tx_key_id(), 0);
	assert_true(ovpn_key_rx_usable(ovpn_keys_primary_tx(&e.peer.keys), 0));
}

static void
test_certificate_change_and_session_ending_failures(void **state)
{
	struct gw_ks *ks;

	(void)state;
	/* The TX key's own key state, a first key, and EXIT end the session. */
	assert_true(gw_rekey_failed(&e.srv, &e.s, &e.s.ks[0], T0_US, -EPROTO, "test"));
	ks = client_soft_reset(1, T0_US);
	assert_true(gw_rekey_failed(&e.srv, &e.s, ks, T0_US, -ECONNRESET, "EXIT"));
	e.s.active = false;
	assert_true(gw_rekey_failed(&e.srv, &e.s, ks, T0_US, -EPROTO, "test"));
	e.s.active = true;
	/* handshake.c refuses another certificate name with -EPERM: counted as such. */
	assert_false(gw_rekey_failed(&e.srv, &e.s, ks, T0_US, -EPERM, "cn changed"));
	assert_int_equal(ovpn_ctr_read(&e.srv.rk.reneg_cn_changed), 1);
	assert_int_equal(ks->state, GW_KS_FREE);
	/* A new soft reset while one is still negotiating replaces it (counted as aborted). */
	client_soft_reset(2, T0_US + S_US);
	client_soft_reset(3, T0_US + 2 * S_US);
	assert_int_equal(ovpn_ctr_read(&e.srv.rk.reneg_aborted), 1);
}

static void
test_packet_id_limit_starts_early_soft_reset(void **state)
{
	struct ovpn_key_slot *tx = ovpn_keys_primary_tx(&e.peer.keys);

	(void)state;
	gw_rekey_poll(&e.srv, &e.s, T0_US + S_US);
	assert_int_equal(e.s.ks[1].state, GW_KS_FREE);
	/* The worker reserved ids up to the threshold (single-threaded test: write directly). */
	tx->tx.next = tx->pktid_threshold + 1;
	gw_rekey_poll(&e.srv, &e.s, T0_US + 2 * S_US);
	assert_int_equal(e.s.ks[1].state, GW_KS_NEGOTIATING);
	assert_int_equal(ovpn_ctr_read(&e.srv.rk.reneg_server_limit), 1);
	assert_int_equal(ovpn_ctr_read(&e.srv.rk.reneg_server_time), 0);
}

static int
group_setup(void **state)
{
	struct ft_aead_backend_conf bc;

	(void)state;
	if (ft_test_eal_init() < 0 || tls_fx_setup(&e.fx) < 0)
		return -1;
	ft_aead_backend_conf_init(&bc);
	bc.max_keys = 64;
	e.be = ft_aead_backend_create(&bc);
	return e.be == NULL || ovpn_rcu_init(&e.rcu, NULL, NULL, 0) < 0 ? -1 : 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	ovpn_rcu_fini(&e.rcu);
	ft_aead_backend_destroy(e.be);
	tls_fx_teardown(&e.fx);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_client_soft_reset_installs_secondary_then_swaps_after_ack, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_out_of_sync_key_ids_are_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_failed_renegotiation_keeps_tx_key_and_backs_off, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_certificate_change_and_session_ending_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_packet_id_limit_starts_early_soft_reset,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
