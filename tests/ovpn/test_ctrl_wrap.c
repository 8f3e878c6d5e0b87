/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tls-auth and tls-crypt v1 (src/ovpn/ctrl_wrap.c): known answers from a real openvpn 2.6.14
 * client (ctrl_wrap_vectors.h) unwrapped by the server side and rebuilt byte for byte by the
 * client side, a one-bit flip anywhere in them refused, round trips both ways for each mode
 * and digest, wrong key / direction / digest / wrap refused, the replay window as a table,
 * the stateless freshness check at its edges, replay-pid exhaustion, setup errors. Pure:
 * no EAL.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ovpn/cookie.h"
#include "ovpn/ctrl_wrap.h"

#include "ctrl_wrap_vectors.h"

#define BUF 1600

/* The side of a connection: servers use NORMAL (tls-auth "0", tls-crypt server). */
static void
keys_up(struct ovpn_ctrl_wrap_keys *k, enum ovpn_ctrl_wrap_mode mode, const uint8_t *key,
	enum ovpn_key_dir dir, const char *digest)
{
	struct ovpn_ctrl_wrap_conf c;

	ovpn_ctrl_wrap_conf_init(&c);
	c.mode = mode;
	c.key = key;
	c.dir = dir;
	if (digest != NULL)
		c.digest = digest;
	assert_int_equal(ovpn_ctrl_wrap_keys_init(k, &c), 0);
}

struct kat {
	const char *name;
	enum ovpn_ctrl_wrap_mode mode;
	const char *digest;
	const uint8_t *key;
	const uint8_t *pkt;
	size_t len;
	uint32_t time;
	enum ovpn_ctrl_drop flip_drop;	/* what a flipped bit in the MAC-covered part gives */
};

static const struct kat kats[] = {
	{ "tls-auth SHA1", OVPN_CTRL_WRAP_AUTH, "SHA1", kat_ta_key, kat_auth_sha1_reset,
	  sizeof(kat_auth_sha1_reset), KAT_AUTH_SHA1_TIME, OVPN_CTRL_DROP_WRAP_BAD_HMAC },
	{ "tls-auth SHA256", OVPN_CTRL_WRAP_AUTH, "SHA256", kat_ta_key, kat_auth_sha256_reset,
	  sizeof(kat_auth_sha256_reset), KAT_AUTH_SHA256_TIME, OVPN_CTRL_DROP_WRAP_BAD_HMAC },
	{ "tls-crypt", OVPN_CTRL_WRAP_CRYPT, NULL, kat_tc_key, kat_crypt_reset,
	  sizeof(kat_crypt_reset), KAT_CRYPT_TIME, OVPN_CTRL_DROP_WRAP_BAD_TAG },
};

/* The gateway (key-direction 0, tls-crypt server) accepts each real client reset. */
static void
test_kat_server_unwraps_real_client_reset(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
		const struct kat *v = &kats[i];
		struct ovpn_ctrl_wrap_keys k;
		struct ovpn_ctrl_msg m;
		struct ovpn_ctrl_wire w;
		uint8_t clear[BUF];

		keys_up(&k, v->mode, v->key, OVPN_KEY_DIR_NORMAL, v->digest);
		assert_int_equal(ovpn_ctrl_unwrap(&k, v->pkt, v->len, clear, sizeof(clear), &m, &w),
				 OVPN_CTRL_OK);
		assert_int_equal(m.opcode, OVPN_P_CONTROL_HARD_RESET_CLIENT_V2);
		assert_int_equal(m.key_id, 0);
		assert_memory_equal(m.sid.b, v->pkt + 1, OVPN_SID_LEN);
		assert_int_equal(m.n_acks, 0);
		assert_int_equal(m.msg_pid, 0);
		assert_int_equal(m.payload_len, 0);
		assert_int_equal(w.replay_pid, KAT_REPLAY_PID);
		assert_int_equal(w.replay_time, v->time);
		ovpn_ctrl_wrap_keys_fini(&k);
	}
}

/* Every single-bit flip after the opcode byte is refused by the HMAC or the tag. */
static void
test_kat_any_bit_flip_is_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
		const struct kat *v = &kats[i];
		struct ovpn_ctrl_wrap_keys k;
		struct ovpn_ctrl_msg m;
		struct ovpn_ctrl_wire w;
		uint8_t pkt[BUF], clear[BUF];

		keys_up(&k, v->mode, v->key, OVPN_KEY_DIR_NORMAL, v->digest);
		for (size_t bit = 8; bit < v->len * 8; bit++) {
			enum ovpn_ctrl_drop r;

			memcpy(pkt, v->pkt, v->len);
			pkt[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			r = ovpn_ctrl_unwrap(&k, pkt, v->len, clear, sizeof(clear), &m, &w);
			/* A flip that zeroes the sid is caught by the parser first. */
			if (r != OVPN_CTRL_DROP_ZERO_SID)
				assert_int_equal(r, v->flip_drop);
		}
		/* The opcode byte is authenticated too: a key_id change is refused. */
		memcpy(pkt, v->pkt, v->len);
		pkt[0] = ovpn_op_build(OVPN_P_CONTROL_V1, 0);
		assert_int_not_equal(ovpn_ctrl_unwrap(&k, pkt, v->len, clear, sizeof(clear), &m,
						      &w), OVPN_CTRL_OK);
		ovpn_ctrl_wrap_keys_fini(&k);
	}
}

/* The client side of our code, given the same fields, writes openvpn's bytes exactly. */
static void
test_kat_client_side_build_matches_openvpn(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
		const struct kat *v = &kats[i];
		struct ovpn_ctrl_wrap_keys srv, cli;
		struct ovpn_ctrl_wrap_state st;
		struct ovpn_ctrl_msg m;
		struct ovpn_ctrl_wire w;
		uint8_t out[BUF], clear[BUF];

		keys_up(&srv, v->mode, v->key, OVPN_KEY_DIR_NORMAL, v->digest);
		keys_up(&cli, v->mode, v->key, OVPN_KEY_DIR_INVERSE, v->digest);
		assert_int_equal(ovpn_ctrl_unwrap(&srv, v->pkt, v->len, clear, sizeof(clear), &m,
						  &w), OVPN_CTRL_OK);
		ovpn_ctrl_wrap_state_init(&st, w.replay_pid, w.replay_time);
		assert_int_equal(ovpn_ctrl_wrap_build(&cli, &st, &m, out, sizeof(out)),
				 (int)v->len);
		assert_memory_equal(out, v->pkt, v->len);
		assert_int_equal(st.tx_pid, KAT_REPLAY_PID + 1);
		ovpn_ctrl_wrap_keys_fini(&srv);
		ovpn_ctrl_wrap_keys_fini(&cli);
	}
}

/* Wrong direction, key, digest or wrap mode on the server: refused, each for its reason. */
static void
test_kat_wrong_config_is_refused(void **state)
{
	uint8_t clear[BUF];
	struct ovpn_ctrl_wrap_keys k;
	struct ovpn_ctrl_msg m;
	struct ovpn_ctrl_wire w;
	static const struct {
		enum ovpn_ctrl_wrap_mode mode;
		enum ovpn_key_dir dir;
		const char *digest;
		bool other_key;
		const uint8_t *pkt;
		size_t len;
		enum ovpn_ctrl_drop want;
	} cases[] = {
		/* server with key-direction 1, or none, against a "tls-auth ta.key 1" client */
		{ OVPN_CTRL_WRAP_AUTH, OVPN_KEY_DIR_INVERSE, "SHA1", false, kat_auth_sha1_reset,
		  sizeof(kat_auth_sha1_reset), OVPN_CTRL_DROP_WRAP_BAD_HMAC },
		{ OVPN_CTRL_WRAP_AUTH, OVPN_KEY_DIR_BIDI, "SHA1", false, kat_auth_sha1_reset,
		  sizeof(kat_auth_sha1_reset), OVPN_CTRL_DROP_WRAP_BAD_HMAC },
		{ OVPN_CTRL_WRAP_AUTH, OVPN_KEY_DIR_NORMAL, "SHA1", true, kat_auth_sha1_reset,
		  sizeof(kat_auth_sha1_reset), OVPN_CTRL_DROP_WRAP_BAD_HMAC },
		/* SHA256 server, SHA1 client: the 42-byte packet is too short for a 32-byte HMAC */
		{ OVPN_CTRL_WRAP_AUTH, OVPN_KEY_DIR_NORMAL, "SHA256", false, kat_auth_sha1_reset,
		  sizeof(kat_auth_sha1_reset), OVPN_CTRL_DROP_WRAP_SHORT },
		{ OVPN_CTRL_WRAP_AUTH, OVPN_KEY_DIR_NORMAL, "SHA1", false, kat_auth_sha256_reset,
		  sizeof(kat_auth_sha256_reset), OVPN_CTRL_DROP_WRAP_BAD_HMAC },
		/* tls-crypt: the client side's receive key, or another key */
		{ OVPN_CTRL_WRAP_CRYPT, OVPN_KEY_DIR_INVERSE, NULL, false, kat_crypt_reset,
		  sizeof(kat_crypt_reset), OVPN_CTRL_DROP_WRAP_BAD_TAG },
		{ OVPN_CTRL_WRAP_CRYPT, OVPN_KEY_DIR_NORMAL, NULL, true, kat_crypt_reset,
		  sizeof(kat_crypt_reset), OVPN_CTRL_DROP_WRAP_BAD_TAG },
		/* a tls-auth packet at a tls-crypt server, and the reverse */
		{ OVPN_CTRL_WRAP_CRYPT, OVPN_KEY_DIR_NORMAL, NULL, false, kat_auth_sha256_reset,
		  sizeof(kat_auth_sha256_reset), OVPN_CTRL_DROP_WRAP_BAD_TAG },
		{ OVPN_CTRL_WRAP_AUTH, OVPN_KEY_DIR_NORMAL, "SHA1", false, kat_crypt_reset,
		  sizeof(kat_crypt_reset), OVPN_CTRL_DROP_WRAP_BAD_HMAC },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const uint8_t *key = cases[i].mode == OVPN_CTRL_WRAP_AUTH ? kat_ta_key : kat_tc_key;
		uint8_t ck[OVPN_STATIC_KEY_LEN];

		memcpy(ck, key, sizeof(ck));
		if (cases[i].other_key) {	/* half 1 (the server's receive half) differs */
			ck[OVPN_STATIC_KEY_HALF + OVPN_STATIC_KEY_HMAC_OFF] ^= 1;
			ck[OVPN_STATIC_KEY_HALF] ^= 1;
		}
		keys_up(&k, cases[i].mode, ck, cases[i].dir, cases[i].digest);
		assert_int_equal(ovpn_ctrl_unwrap(&k, cases[i].pkt, cases[i].len, clear,
						  sizeof(clear), &m, &w), cases[i].want);
		ovpn_ctrl_wrap_keys_fini(&k);
	}
}

/* A client without a wrap (the 14-byte reset of §1.3) at a wrapping server: too short. */
static void
test_unwrapped_client_is_refused(void **state)
{
	static const uint8_t plain[14] = { 0x38, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0 };
	struct ovpn_ctrl_wrap_keys k;
	struct ovpn_ctrl_msg m;
	struct ovpn_ctrl_wire w;
	uint8_t clear[BUF];

	(void)state;
	keys_up(&k, OVPN_CTRL_WRAP_AUTH, kat_ta_key, OVPN_KEY_DIR_NORMAL, NULL);
	assert_int_equal(ovpn_ctrl_unwrap(&k, plain, sizeof(plain), clear, sizeof(clear), &m, &w),
			 OVPN_CTRL_DROP_WRAP_SHORT);
	ovpn_ctrl_wrap_keys_fini(&k);
	keys_up(&k, OVPN_CTRL_WRAP_CRYPT, kat_tc_key, OVPN_KEY_DIR_NORMAL, NULL);
	assert_int_equal(ovpn_ctrl_unwrap(&k, plain, sizeof(plain), clear, sizeof(clear), &m, &w),
			 OVPN_CTRL_DROP_WRAP_SHORT);
	ovpn_ctrl_wrap_keys_fini(&k);
	keys_up(&k, OVPN_CTRL_WRAP_NONE, NULL, OVPN_KEY_DIR_NORMAL, NULL);
	assert_int_equal(ovpn_ctrl_unwrap(&k, plain, sizeof(plain), clear, sizeof(clear), &m, &w),
			 OVPN_CTRL_OK);
	ovpn_ctrl_wrap_keys_fini(&k);
}

/* Server (NORMAL) to client (INVERSE) and back, for each mode and digest; own packets fail. */
static void
test_round_trip_both_directions(void **state)
{
	static const uint8_t payload[300] = { 0x16, 0x03, 0x01, [299] = 0x5a };
	static const struct {
		enum ovpn_ctrl_wrap_mode mode;
		const char *digest;
		enum ovpn_key_dir srv, cli;
		bool own_fails;
	} cases[] = {
		{ OVPN_CTRL_WRAP_AUTH, "SHA1", OVPN_KEY_DIR_NORMAL, OVPN_KEY_DIR_INVERSE, true },
		{ OVPN_CTRL_WRAP_AUTH, "SHA256", OVPN_KEY_DIR_NORMAL, OVPN_KEY_DIR_INVERSE, true },
		{ OVPN_CTRL_WRAP_AUTH, "SHA512", OVPN_KEY_DIR_INVERSE, OVPN_KEY_DIR_NORMAL, true },
		{ OVPN_CTRL_WRAP_AUTH, "SHA1", OVPN_KEY_DIR_BIDI, OVPN_KEY_DIR_BIDI, false },
		{ OVPN_CTRL_WRAP_CRYPT, NULL, OVPN_KEY_DIR_NORMAL, OVPN_KEY_DIR_INVERSE, true },
	};
	struct ovpn_ctrl_msg m = {
		.opcode = OVPN_P_CONTROL_V1, .key_id = 0, .n_acks = 2,
		.sid = { { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 } },
		.ack_sid = { { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8 } },
		.acks = { 3, 2 }, .msg_pid = 4, .payload_len = sizeof(payload), .payload = payload,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const uint8_t *key = cases[i].mode == OVPN_CTRL_WRAP_AUTH ? kat_ta_key : kat_tc_key;
		struct ovpn_ctrl_wrap_keys ks, kc;
		struct ovpn_ctrl_wrap_state st;
		struct ovpn_ctrl_msg got;
		struct ovpn_ctrl_wire w;
		uint8_t pkt[BUF], clear[BUF];
		int len;

		keys_up(&ks, cases[i].mode, key, cases[i].srv, cases[i].digest);
		keys_up(&kc, cases[i].mode, key, cases[i].cli, cases[i].digest);
		ovpn_ctrl_wrap_state_init(&st, 7, 1800000000u);
		len = ovpn_ctrl_wrap_build(&ks, &st, &m, pkt, sizeof(pkt));
		assert_int_equal(len, ovpn_ctrl_wrap_overhead(&ks.w) + ovpn_ctrl_body_len(&m));
		if (cases[i].mode == OVPN_CTRL_WRAP_CRYPT)	/* encrypted: no clear payload */
			assert_memory_not_equal(pkt + len - 16, payload + sizeof(payload) - 16, 16);
		assert_int_equal(ovpn_ctrl_unwrap(&kc, pkt, (size_t)len, clear, sizeof(clear),
						  &got, &w), OVPN_CTRL_OK);
		assert_int_equal(w.replay_pid, 7);
		assert_int_equal(w.replay_time, 1800000000u);
		assert_int_equal(got.n_acks, 2);
		assert_int_equal(got.acks[1], 2);
		assert_int_equal(got.msg_pid, 4);
		assert_memory_equal(got.ack_sid.b, m.ack_sid.b, OVPN_SID_LEN);
		assert_int_equal(got.payload_len, sizeof(payload));
		assert_memory_equal(got.payload, payload, sizeof(payload));
		assert_int_equal(ovpn_ctrl_unwrap(&ks, pkt, (size_t)len, clear, sizeof(clear), &got,
						  &w) == OVPN_CTRL_OK, !cases[i].own_fails);
		/* and back: the client's packet to the server */
		len = ovpn_ctrl_wrap_build(&kc, &st, &m, pkt, sizeof(pkt));
		assert_true(len > 0);
		assert_int_equal(ovpn_ctrl_unwrap(&ks, pkt, (size_t)len, clear, sizeof(clear),
						  &got, &w), OVPN_CTRL_OK);
		assert_int_equal(w.replay_pid, 8);
		ovpn_ctrl_wrap_keys_fini(&ks);
		ovpn_ctrl_wrap_keys_fini(&kc);
	}
}

/* tls-crypt decrypts into the caller's buffer: a too small one is refused, not overrun. */
static void
test_crypt_clear_buffer_too_small(void **state)
{
	struct ovpn_ctrl_wrap_keys k;
	struct ovpn_ctrl_msg m;
	struct ovpn_ctrl_wire w;
	uint8_t clear[4];

	(void)state;
	keys_up(&k, OVPN_CTRL_WRAP_CRYPT, kat_tc_key, OVPN_KEY_DIR_NORMAL, NULL);
	assert_int_equal(ovpn_ctrl_unwrap(&k, kat_crypt_reset, sizeof(kat_crypt_reset), clear,
					  sizeof(clear), &m, &w), OVPN_CTRL_DROP_TOO_BIG);
	ovpn_ctrl_wrap_keys_fini(&k);
}

/* packet_id_test() in time-backtrack mode, as a table of (pid, time) -> verdict. */
static void
test_replay_window_table(void **state)
{
	static const struct {
		uint32_t pid, time;
		enum ovpn_ctrl_drop want;
	} seq[] = {
		{ 0, 100, OVPN_CTRL_DROP_REPLAY_ZERO },
		{ 2, 100, OVPN_CTRL_OK },		/* first: window starts at 2 */
		{ 2, 100, OVPN_CTRL_DROP_REPLAY_DUP },
		{ 3, 100, OVPN_CTRL_OK },
		{ 5, 100, OVPN_CTRL_OK },		/* 4 skipped (lost) */
		{ 4, 100, OVPN_CTRL_OK },		/* late, in the window */
		{ 4, 100, OVPN_CTRL_DROP_REPLAY_DUP },
		{ 1, 100, OVPN_CTRL_OK },		/* never seen, 4 below the top */
		{ 70, 100, OVPN_CTRL_OK },		/* jump: top 70 */
		{ 7, 100, OVPN_CTRL_OK },		/* 63 below: the last slot */
		{ 6, 100, OVPN_CTRL_DROP_REPLAY_OLD },	/* 64 below: out */
		{ 5, 100, OVPN_CTRL_DROP_REPLAY_OLD },	/* seen but also out */
		{ 8, 100, OVPN_CTRL_OK },		/* 62 below, not seen */
		{ 8, 100, OVPN_CTRL_DROP_REPLAY_DUP },
		{ 71, 99, OVPN_CTRL_DROP_REPLAY_TIME_BACK },
		{ 1, 101, OVPN_CTRL_OK },		/* a restarted sender: new window */
		{ 70, 101, OVPN_CTRL_OK },
		{ 1, 101, OVPN_CTRL_DROP_REPLAY_OLD },	/* 69 below */
		{ 70, 101, OVPN_CTRL_DROP_REPLAY_DUP },
		{ 300, 101, OVPN_CTRL_OK },		/* jump past the whole window */
		{ 299, 101, OVPN_CTRL_OK },
		{ 70, 101, OVPN_CTRL_DROP_REPLAY_OLD },
	};
	struct ovpn_ctrl_wrap_keys k;
	struct ovpn_ctrl_wrap_state st;

	(void)state;
	keys_up(&k, OVPN_CTRL_WRAP_AUTH, kat_ta_key, OVPN_KEY_DIR_NORMAL, NULL);
	ovpn_ctrl_wrap_state_init(&st, 2, 50);
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		struct ovpn_ctrl_wire w = { .replay_pid = seq[i].pid, .replay_time = seq[i].time };

		assert_int_equal(ovpn_ctrl_wrap_replay_update(&k, &st, &w), seq[i].want);
	}
	ovpn_ctrl_wrap_keys_fini(&k);
	/* No wrap: nothing to check. */
	keys_up(&k, OVPN_CTRL_WRAP_NONE, NULL, OVPN_KEY_DIR_NORMAL, NULL);
	assert_int_equal(ovpn_ctrl_wrap_replay_update(&k, &st, &(struct ovpn_ctrl_wire){ 0 }),
			 OVPN_CTRL_OK);
	ovpn_ctrl_wrap_keys_fini(&k);
}

/* A replayed real packet is refused by the session window after the first copy. */
static void
test_replay_of_real_packet(void **state)
{
	struct ovpn_ctrl_wrap_keys k;
	struct ovpn_ctrl_wrap_state st;
	struct ovpn_ctrl_msg m;
	struct ovpn_ctrl_wire w;
	uint8_t clear[BUF];

	(void)state;
	keys_up(&k, OVPN_CTRL_WRAP_CRYPT, kat_tc_key, OVPN_KEY_DIR_NORMAL, NULL);
	ovpn_ctrl_wrap_state_init(&st, OVPN_COOKIE_SESSION_REPLAY_PID, KAT_CRYPT_TIME);
	assert_int_equal(ovpn_ctrl_unwrap(&k, kat_crypt_reset, sizeof(kat_crypt_reset), clear,
					  sizeof(clear), &m, &w), OVPN_CTRL_OK);
	assert_int_equal(ovpn_ctrl_wrap_replay_update(&k, &st, &w), OVPN_CTRL_OK);
	assert_int_equal(ovpn_ctrl_wrap_replay_update(&k, &st, &w), OVPN_CTRL_DROP_REPLAY_DUP);
	ovpn_ctrl_wrap_keys_fini(&k);
}

/* Before a session exists: replay-time within skew_s of now, pid non-zero. */
static void
test_stateless_freshness(void **state)
{
	struct ovpn_ctrl_wrap_conf c;
	struct ovpn_ctrl_wrap_keys k;
	const uint32_t now = KAT_AUTH_SHA1_TIME;
	struct ovpn_ctrl_wire w = { .replay_pid = 2 };

	(void)state;
	keys_up(&k, OVPN_CTRL_WRAP_AUTH, kat_ta_key, OVPN_KEY_DIR_NORMAL, NULL);
	assert_int_equal(k.skew_s, OVPN_CTRL_WRAP_SKEW_S);
	w.replay_time = now - OVPN_CTRL_WRAP_SKEW_S;
	assert_int_equal(ovpn_ctrl_wrap_is_fresh(&k, &w, now), OVPN_CTRL_OK);
	w.replay_time = now - OVPN_CTRL_WRAP_SKEW_S - 1;
	assert_int_equal(ovpn_ctrl_wrap_is_fresh(&k, &w, now), OVPN_CTRL_DROP_REPLAY_SKEW);
	w.replay_time = now + OVPN_CTRL_WRAP_SKEW_S;
	assert_int_equal(ovpn_ctrl_wrap_is_fresh(&k, &w, now), OVPN_CTRL_OK);
	w.replay_time = now + OVPN_CTRL_WRAP_SKEW_S + 1;
	assert_int_equal(ovpn_ctrl_wrap_is_fresh(&k, &w, now), OVPN_CTRL_DROP_REPLAY_SKEW);
	w.replay_time = 0;	/* far in the past, and no wrap-around in the distance */
	assert_int_equal(ovpn_ctrl_wrap_is_fresh(&k, &w, now), OVPN_CTRL_DROP_REPLAY_SKEW);
	w.replay_time = now;
	w.replay_pid = 0;
	assert_int_equal(ovpn_ctrl_wrap_is_fresh(&k, &w, now), OVPN_CTRL_DROP_REPLAY_ZERO);
	ovpn_ctrl_wrap_keys_fini(&k);
	/* skew 0 turns the time check off */
	ovpn_ctrl_wrap_conf_init(&c);
	c.mode = OVPN_CTRL_WRAP_CRYPT;
	c.key = kat_tc_key;
	c.skew_s = 0;
	assert_int_equal(ovpn_ctrl_wrap_keys_init(&k, &c), 0);
	w = (struct ovpn_ctrl_wire){ .replay_pid = 1, .replay_time = 1 };
	assert_int_equal(ovpn_ctrl_wrap_is_fresh(&k, &w, now), OVPN_CTRL_OK);
	ovpn_ctrl_wrap_keys_fini(&k);
}

/* Each build takes a new replay-pid; the last one is 0xffffffff, then -ERANGE. */
static void
test_tx_pid_advances_and_exhausts(void **state)
{
	struct ovpn_ctrl_msg m = {
		.opcode = OVPN_P_ACK_V1, .n_acks = 1, .acks = { 0 },
		.sid = { { 1, 2, 3, 4, 5, 6, 7, 8 } }, .ack_sid = { { 9, 9, 9, 9, 9, 9, 9, 9 } },
	};
	struct ovpn_ctrl_wrap_keys k;
	struct ovpn_ctrl_wrap_state st;
	uint8_t pkt[BUF];

	(void)state;
	keys_up(&k, OVPN_CTRL_WRAP_AUTH, kat_ta_key, OVPN_KEY_DIR_NORMAL, NULL);
	ovpn_ctrl_wrap_state_init(&st, UINT32_MAX - 1, 1);
	assert_true(ovpn_ctrl_wrap_build(&k, &st, &m, pkt, sizeof(pkt)) > 0);
	assert_int_equal(st.tx_pid, UINT32_MAX);
	assert_true(ovpn_ctrl_wrap_build(&k, &st, &m, pkt, sizeof(pkt)) > 0);
	assert_int_equal(ovpn_ctrl_wrap_build(&k, &st, &m, pkt, sizeof(pkt)), -ERANGE);
	assert_int_equal(ovpn_ctrl_wrap_build(&k, NULL, &m, pkt, sizeof(pkt)), -EINVAL);
	ovpn_ctrl_wrap_state_init(&st, 1, 1);
	assert_int_equal(ovpn_ctrl_wrap_build(&k, &st, &m, pkt, 20), -ENOSPC);
	ovpn_ctrl_wrap_keys_fini(&k);
}

static void
test_keys_init_errors(void **state)
{
	struct ovpn_ctrl_wrap_conf c;
	struct ovpn_ctrl_wrap_keys k;

	(void)state;
	ovpn_ctrl_wrap_conf_init(&c);
	c.key = kat_ta_key;
	c.mode = OVPN_CTRL_WRAP_CRYPT_V2;
	assert_int_equal(ovpn_ctrl_wrap_keys_init(&k, &c), -ENOTSUP);
	c.mode = OVPN_CTRL_WRAP_AUTH;
	c.digest = "NO-SUCH-DIGEST";
	assert_int_equal(ovpn_ctrl_wrap_keys_init(&k, &c), -EINVAL);
	c.digest = "SHA1";
	c.dir = (enum ovpn_key_dir)7;
	assert_int_equal(ovpn_ctrl_wrap_keys_init(&k, &c), -EINVAL);
	c.dir = OVPN_KEY_DIR_NORMAL;
	c.key = NULL;
	assert_int_equal(ovpn_ctrl_wrap_keys_init(&k, &c), -EINVAL);
	c.key = kat_ta_key;
	c.digest = "SHA512";
	assert_int_equal(ovpn_ctrl_wrap_keys_init(&k, &c), 0);
	assert_int_equal(k.w.hmac_len, 64);
	ovpn_ctrl_wrap_keys_fini(&k);
	ovpn_ctrl_wrap_keys_fini(&k);	/* idempotent */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kat_server_unwraps_real_client_reset),
		cmocka_unit_test(test_kat_any_bit_flip_is_refused),
		cmocka_unit_test(test_kat_client_side_build_matches_openvpn),
		cmocka_unit_test(test_kat_wrong_config_is_refused),
		cmocka_unit_test(test_unwrapped_client_is_refused),
		cmocka_unit_test(test_round_trip_both_directions),
		cmocka_unit_test(test_crypt_clear_buffer_too_small),
		cmocka_unit_test(test_replay_window_table),
		cmocka_unit_test(test_replay_of_real_packet),
		cmocka_unit_test(test_stateless_freshness),
		cmocka_unit_test(test_tx_pid_advances_and_exhausts),
		cmocka_unit_test(test_keys_init_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
