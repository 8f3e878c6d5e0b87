/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stateless session-id cookie (src/ovpn/cookie.c): the HMAC-SHA256
 * construction recomputed independently with OpenSSL's one-shot HMAC, slot
 * tolerance at its exact edges (-2..+1 slots of 30 s), other address, port,
 * family or client sid, secret rotation, the first-packet gate of
 * openvpn-protocol.md §1.2 / §2.6 for every opcode, and the stateless reply
 * byte for byte (§1.3 [LAB] 26 bytes; the tls-crypt-v2 early-negotiation
 * TLV). Pure: no EAL.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ovpn/cookie.h"

static const uint8_t key1[OVPN_COOKIE_KEY_LEN] = "the first cookie secret, 32 byt";
static const uint8_t key2[OVPN_COOKIE_KEY_LEN] = "the second cookie secret 32 byte";
static const struct ovpn_sid sid_c = { { 0x1c, 0x2c, 0x3c, 0x4c, 0x5c, 0x6c, 0x7c, 0x8c } };
static const struct ovpn_cookie_addr cli4 = { .family = 4, .port = 40000,
					       .ip = { 198, 51, 100, 7 } };
static const struct ovpn_cookie_addr cli6 = { .family = 6, .port = 40000,
					       .ip = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 } };

#define T0	(1000u * 30u)	/* start of slot 1000 with 30 s slots */

/* The construction of cookie.h, written out: HMAC(slot BE32 || fam || ip || port BE16 || sid). */
static void
cookie_by_definition(const uint8_t *key, const struct ovpn_cookie_addr *a, uint32_t slot,
		     const struct ovpn_sid *sid, struct ovpn_sid *out)
{
	uint8_t in[4 + 1 + 16 + 2 + 8], md[32];
	size_t n = 0, ip_len = a->family == 4 ? 4 : 16;
	unsigned int md_len = 0;

	in[n++] = (uint8_t)(slot >> 24);
	in[n++] = (uint8_t)(slot >> 16);
	in[n++] = (uint8_t)(slot >> 8);
	in[n++] = (uint8_t)slot;
	in[n++] = a->family;
	memcpy(in + n, a->ip, ip_len);
	n += ip_len;
	in[n++] = (uint8_t)(a->port >> 8);
	in[n++] = (uint8_t)a->port;
	memcpy(in + n, sid->b, 8);
	n += 8;
	assert_non_null(HMAC(EVP_sha256(), key, OVPN_COOKIE_KEY_LEN, in, n, md, &md_len));
	memcpy(out->b, md, 8);
}

static void
test_cookie_matches_definition(void **state)
{
	struct ovpn_cookie c;
	struct ovpn_sid got, want;

	assert_int_equal(ovpn_cookie_init(&c, key1, 60), 0);
	assert_int_equal(c.slot_s, 30);
	assert_int_equal(ovpn_cookie_compute(&c, &cli4, &sid_c, T0 + 29, &got), 0);
	cookie_by_definition(key1, &cli4, 1000, &sid_c, &want);
	assert_memory_equal(got.b, want.b, 8);
	assert_true(ovpn_sid_is_defined(&got));
	assert_int_equal(ovpn_cookie_compute(&c, &cli6, &sid_c, T0, &got), 0);
	cookie_by_definition(key1, &cli6, 1000, &sid_c, &want);
	assert_memory_equal(got.b, want.b, 8);
	ovpn_cookie_fini(&c);

	/* --hand-window 10 gives 5 s slots ((10 + 1) / 2). */
	assert_int_equal(ovpn_cookie_init(&c, key1, 10), 0);
	assert_int_equal(c.slot_s, 5);
	assert_int_equal(ovpn_cookie_compute(&c, &cli4, &sid_c, 5 * 77 + 4, &got), 0);
	cookie_by_definition(key1, &cli4, 77, &sid_c, &want);
	assert_memory_equal(got.b, want.b, 8);
	ovpn_cookie_fini(&c);
}

/* Same answer to a retransmitted reset in one slot; a new answer in the next one. */
static void
test_cookie_deterministic_per_slot(void **state)
{
	struct ovpn_cookie c;
	struct ovpn_sid a, b;

	assert_int_equal(ovpn_cookie_init(&c, key1, OVPN_COOKIE_HAND_WINDOW_S), 0);
	assert_int_equal(ovpn_cookie_compute(&c, &cli4, &sid_c, T0, &a), 0);
	assert_int_equal(ovpn_cookie_compute(&c, &cli4, &sid_c, T0 + 29, &b), 0);
	assert_memory_equal(a.b, b.b, 8);
	assert_int_equal(ovpn_cookie_compute(&c, &cli4, &sid_c, T0 + 30, &b), 0);
	assert_memory_not_equal(a.b, b.b, 8);
	ovpn_cookie_fini(&c);
}

/*
 * Made in slot s, valid while the verifier's slot is s-1 .. s+2 (offsets -2..+1):
 * here 29970 .. 30089 s, i.e. 90 s after the start of the slot it was made in.
 */
static void
test_cookie_slot_tolerance_edges(void **state)
{
	static const struct {
		int64_t dt;
		bool ok;
	} t[] = {
		{ -31, false }, { -30, true }, { -1, true }, { 0, true }, { 29, true },
		{ 30, true }, { 60, true }, { 89, true }, { 90, false }, { 3600, false },
	};
	struct ovpn_cookie c;
	struct ovpn_sid ck;

	assert_int_equal(ovpn_cookie_init(&c, key1, OVPN_COOKIE_HAND_WINDOW_S), 0);
	assert_int_equal(ovpn_cookie_compute(&c, &cli4, &sid_c, T0 + 7, &ck), 0);
	for (size_t i = 0; i < RTE_DIM(t); i++) {
		bool ok = ovpn_cookie_verify(&c, &cli4, &sid_c, &ck, (uint64_t)(T0 + t[i].dt));

		if (ok != t[i].ok)
			print_error("dt %lld: got %d\n", (long long)t[i].dt, ok);
		assert_int_equal(ok, t[i].ok);
	}
	ovpn_cookie_fini(&c);
}

static void
test_cookie_bound_to_client(void **state)
{
	struct ovpn_cookie c;
	struct ovpn_sid ck, other_sid = sid_c, flipped;
	struct ovpn_cookie_addr a;

	assert_int_equal(ovpn_cookie_init(&c, key1, OVPN_COOKIE_HAND_WINDOW_S), 0);
	assert_int_equal(ovpn_cookie_compute(&c, &cli4, &sid_c, T0, &ck), 0);
	assert_true(ovpn_cookie_verify(&c, &cli4, &sid_c, &ck, T0));

	a = cli4;
	a.port = 40001;
	assert_false(ovpn_cookie_verify(&c, &a, &sid_c, &ck, T0));
	a = cli4;
	a.ip[3] = 8;
	assert_false(ovpn_cookie_verify(&c, &a, &sid_c, &ck, T0));
	a = cli4;
	a.family = 6;	/* 198.51.100.7 as the first bytes of an IPv6 address */
	assert_false(ovpn_cookie_verify(&c, &a, &sid_c, &ck, T0));
	a.family = 5;
	assert_false(ovpn_cookie_verify(&c, &a, &sid_c, &ck, T0));
	assert_int_equal(ovpn_cookie_compute(&c, &a, &sid_c, T0, &flipped), -EINVAL);
	other_sid.b[7] ^= 1;
	assert_false(ovpn_cookie_verify(&c, &cli4, &other_sid, &ck, T0));
	flipped = ck;
	flipped.b[0] ^= 0x80;
	assert_false(ovpn_cookie_verify(&c, &cli4, &sid_c, &flipped, T0));
	ovpn_cookie_fini(&c);
}

/* After a rotation the previous secret still verifies; after two it does not. */
static void
test_cookie_secret_rotation(void **state)
{
	struct ovpn_cookie c, other;
	struct ovpn_sid old, fresh, by2;

	assert_int_equal(ovpn_cookie_init(&c, key1, OVPN_COOKIE_HAND_WINDOW_S), 0);
	assert_int_equal(ovpn_cookie_compute(&c, &cli4, &sid_c, T0, &old), 0);
	assert_int_equal(ovpn_cookie_rotate(&c, key2), 0);
	assert_int_equal(ovpn_cookie_compute(&c, &cli4, &sid_c, T0, &fresh), 0);
	assert_memory_not_equal(old.b, fresh.b, 8);
	cookie_by_definition(key2, &cli4, 1000, &sid_c, &by2);
	assert_memory_equal(fresh.b, by2.b, 8);
	assert_true(ovpn_cookie_verify(&c, &cli4, &sid_c, &old, T0 + 30));
	assert_true(ovpn_cookie_verify(&c, &cli4, &sid_c, &fresh, T0 + 30));
	assert_false(ovpn_cookie_verify(&c, &cli4, &sid_c, &old, T0 + 90)); /* slots still apply */

	assert_int_equal(ovpn_cookie_rotate(&c, NULL), 0);	/* random secret */
	assert_false(ovpn_cookie_verify(&c, &cli4, &sid_c, &old, T0));
	assert_true(ovpn_cookie_verify(&c, &cli4, &sid_c, &fresh, T0));
	ovpn_cookie_fini(&c);

	/* Random secrets differ between instances (a restart forgets all cookies). */
	assert_int_equal(ovpn_cookie_init(&c, NULL, OVPN_COOKIE_HAND_WINDOW_S), 0);
	assert_int_equal(ovpn_cookie_init(&other, NULL, OVPN_COOKIE_HAND_WINDOW_S), 0);
	assert_int_equal(ovpn_cookie_compute(&c, &cli4, &sid_c, T0, &old), 0);
	assert_false(ovpn_cookie_verify(&other, &cli4, &sid_c, &old, T0));
	ovpn_cookie_fini(&c);
	ovpn_cookie_fini(&other);
	assert_int_equal(ovpn_cookie_init(&c, key1, 0), -EINVAL);
	ovpn_cookie_fini(&c);	/* safe after a failed init */
}

/* What may open a session, and what the server does with it (§1.2, §2.6). */
static void
test_classify_first_packets(void **state)
{
	struct ovpn_cookie c;
	struct ovpn_sid ck, stale;
	struct ovpn_ctrl_msg m;
	struct ovpn_cookie_input in = { .msg = &m, .from = cli4 };
	enum ovpn_cookie_action act;
	static const struct {
		uint8_t opcode, key_id, n_acks;
		uint32_t msg_pid;
		int ack_sid;		/* 0 cookie, 1 stale cookie, 2 client's own sid */
		uint32_t replay_pid;
		enum ovpn_ctrl_drop want;
		enum ovpn_cookie_action act;
	} t[] = {
		{ OVPN_P_CONTROL_HARD_RESET_CLIENT_V2, 0, 0, 0, 0, 0, OVPN_CTRL_OK, OVPN_COOKIE_REPLY },
		{ OVPN_P_CONTROL_HARD_RESET_CLIENT_V3, 0, 0, 0, 0, 0x0f000000, OVPN_CTRL_OK,
		  OVPN_COOKIE_REPLY },
		{ OVPN_P_CONTROL_HARD_RESET_CLIENT_V3, 0, 0, 0, 0, 1, OVPN_CTRL_OK,
		  OVPN_COOKIE_STATEFUL },
		{ OVPN_P_CONTROL_V1, 0, 1, 1, 0, 0, OVPN_CTRL_OK, OVPN_COOKIE_ACCEPT },
		{ OVPN_P_ACK_V1, 0, 2, 0, 0, 0, OVPN_CTRL_OK, OVPN_COOKIE_ACCEPT },
		{ OVPN_P_CONTROL_WKC_V1, 0, 1, 1, 0, 0, OVPN_CTRL_OK, OVPN_COOKIE_ACCEPT },
		{ OVPN_P_CONTROL_V1, 0, 0, 1, 0, 0, OVPN_CTRL_DROP_COOKIE_NO_ACK, OVPN_COOKIE_DROP },
		{ OVPN_P_CONTROL_V1, 0, 1, 1, 1, 0, OVPN_CTRL_DROP_COOKIE_BAD, OVPN_COOKIE_DROP },
		{ OVPN_P_ACK_V1, 0, 1, 0, 2, 0, OVPN_CTRL_DROP_COOKIE_BAD, OVPN_COOKIE_DROP },
		{ OVPN_P_CONTROL_V1, 1, 1, 1, 0, 0, OVPN_CTRL_DROP_NEW_SESSION_KEY_ID,
		  OVPN_COOKIE_DROP },
		{ OVPN_P_CONTROL_SOFT_RESET_V1, 1, 0, 0, 0, 0, OVPN_CTRL_DROP_NEW_SESSION_OPCODE,
		  OVPN_COOKIE_DROP },
		{ OVPN_P_CONTROL_HARD_RESET_SERVER_V2, 0, 1, 0, 0, 0,
		  OVPN_CTRL_DROP_NEW_SESSION_OPCODE, OVPN_COOKIE_DROP },
		{ OVPN_P_DATA_V2, 0, 0, 0, 0, 0, OVPN_CTRL_DROP_NEW_SESSION_OPCODE, OVPN_COOKIE_DROP },
	};

	assert_int_equal(ovpn_cookie_init(&c, key1, OVPN_COOKIE_HAND_WINDOW_S), 0);
	assert_int_equal(ovpn_cookie_compute(&c, &cli4, &sid_c, T0, &ck), 0);
	assert_int_equal(ovpn_cookie_compute(&c, &cli4, &sid_c, T0 - 90, &stale), 0);
	for (size_t i = 0; i < RTE_DIM(t); i++) {
		memset(&m, 0, sizeof(m));
		m.opcode = t[i].opcode;
		m.key_id = t[i].key_id;
		m.sid = sid_c;
		m.n_acks = t[i].n_acks;
		m.msg_pid = t[i].msg_pid;
		m.ack_sid = t[i].ack_sid == 0 ? ck : t[i].ack_sid == 1 ? stale : sid_c;
		in.replay_pid = t[i].replay_pid;
		act = OVPN_COOKIE_REPLY;
		assert_int_equal(ovpn_cookie_classify(&c, &in, T0 + 10, &act), t[i].want);
		assert_int_equal(act, t[i].act);
	}
	/* A valid cookie on a later packet of a closed session (the client's ack of our TLS alert,
	 * its message 3) opens nothing. */
	m = (struct ovpn_ctrl_msg){ .opcode = OVPN_P_ACK_V1, .sid = sid_c, .n_acks = 2,
				    .ack_sid = ck, .acks = { 0, 2 } };
	assert_int_equal(ovpn_cookie_classify(&c, &in, T0, &act),
			 OVPN_CTRL_DROP_COOKIE_NOT_FIRST);
	m = (struct ovpn_ctrl_msg){ .opcode = OVPN_P_CONTROL_V1, .sid = sid_c, .n_acks = 1,
				    .ack_sid = ck, .msg_pid = 3 };
	assert_int_equal(ovpn_cookie_classify(&c, &in, T0, &act),
			 OVPN_CTRL_DROP_COOKIE_NOT_FIRST);
	assert_int_equal(act, OVPN_COOKIE_DROP);
	/* The same valid packet from another port is refused. */
	m = (struct ovpn_ctrl_msg){ .opcode = OVPN_P_CONTROL_V1, .sid = sid_c, .n_acks = 1,
				    .ack_sid = ck, .msg_pid = 1 };
	in.from.port++;
	assert_int_equal(ovpn_cookie_classify(&c, &in, T0, &act), OVPN_CTRL_DROP_COOKIE_BAD);
	ovpn_cookie_fini(&c);
}

/* tls_reset_standalone(): 40 | S | 01 | 00000000 | C | 00000000 [| TLV]. */
static void
test_reply_bytes(void **state)
{
	static const struct ovpn_ctrl_wrap none = { .mode = OVPN_CTRL_WRAP_NONE };
	struct ovpn_cookie c;
	struct ovpn_sid ck;
	struct ovpn_ctrl_msg reset = { .opcode = OVPN_P_CONTROL_HARD_RESET_CLIENT_V2,
				       .sid = sid_c };
	struct ovpn_ctrl_msg reply, back;
	struct ovpn_cookie_input in = { .msg = &reset, .from = cli4 };
	uint8_t want[32] = { 0x40 }, pkt[64];
	static const uint8_t tlv[6] = { 0x00, 0x01, 0x00, 0x02, 0x00, 0x01 };
	uint16_t flags;

	assert_int_equal(ovpn_cookie_init(&c, key1, OVPN_COOKIE_HAND_WINDOW_S), 0);
	assert_int_equal(ovpn_cookie_compute(&c, &cli4, &sid_c, T0, &ck), 0);
	memcpy(want + 1, ck.b, 8);
	want[9] = 1;
	memcpy(want + 14, sid_c.b, 8);

	assert_int_equal(ovpn_cookie_reply(&c, &in, T0, false, &reply), 0);
	assert_int_equal(ovpn_ctrl_build(pkt, sizeof(pkt), &none, &reply, NULL), 26);
	assert_memory_equal(pkt, want, 26);

	/* Early negotiation (§2.4): the flags TLV asks a v2 client to resend its WKc. */
	assert_int_equal(ovpn_cookie_reply(&c, &in, T0, true, &reply), 0);
	assert_int_equal(ovpn_ctrl_build(pkt, sizeof(pkt), &none, &reply, NULL), 32);
	memcpy(want + 26, tlv, sizeof(tlv));
	assert_memory_equal(pkt, want, 32);
	assert_int_equal(ovpn_ctrl_parse(pkt, 32, &back), OVPN_CTRL_OK);
	assert_int_equal(ovpn_ctrl_tlv_parse(back.payload, back.payload_len, &flags),
			 OVPN_CTRL_OK);
	assert_int_equal(flags, OVPN_EARLY_NEG_FLAG_RESEND_WKC);

	/* Only a client's hard reset gets a reply. */
	reset.opcode = OVPN_P_CONTROL_V1;
	assert_int_equal(ovpn_cookie_reply(&c, &in, T0, false, &reply), -EINVAL);
	reset.opcode = OVPN_P_CONTROL_HARD_RESET_SERVER_V2;
	assert_int_equal(ovpn_cookie_reply(&c, &in, T0, false, &reply), -EINVAL);
	ovpn_cookie_fini(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cookie_matches_definition),
		cmocka_unit_test(test_cookie_deterministic_per_slot),
		cmocka_unit_test(test_cookie_slot_tolerance_edges),
		cmocka_unit_test(test_cookie_bound_to_client),
		cmocka_unit_test(test_cookie_secret_rotation),
		cmocka_unit_test(test_classify_first_packets),
		cmocka_unit_test(test_reply_bytes),
	};

	return cmocka_run_group_tests_name("cookie", tests, NULL, NULL);
}
