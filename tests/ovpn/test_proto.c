/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OpenVPN wire formats (src/ovpn/proto.h): build/parse round trips and
 * byte-exact examples from openvpn-protocol.md (§1.1, §1.3 [LAB] first
 * bytes, §6.1 header, §6.2 nonce and AAD from a 2.6.14 verb-9 log, §6.5
 * magic payloads). Pure: no EAL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ovpn/proto.h"

static void
test_first_byte_examples(void **state)
{
	assert_int_equal(ovpn_op_build(OVPN_P_DATA_V2, 0), 0x48);
	assert_int_equal(ovpn_op_build(OVPN_P_DATA_V2, 7), 0x4f);
	/* §1.3 [LAB]: client HARD_RESET_CLIENT_V2 starts 38, the server's reply 40. */
	assert_int_equal(ovpn_op_build(OVPN_P_CONTROL_HARD_RESET_CLIENT_V2, 0), 0x38);
	assert_int_equal(ovpn_op_build(OVPN_P_CONTROL_HARD_RESET_SERVER_V2, 0), 0x40);
	assert_int_equal(ovpn_op_build(OVPN_P_CONTROL_SOFT_RESET_V1, 1), 0x19);
	assert_int_equal(ovpn_op_opcode(0x48), OVPN_P_DATA_V2);
	assert_int_equal(ovpn_op_key_id(0x48), 0);
	assert_int_equal(ovpn_op_opcode(0x5b), OVPN_P_CONTROL_WKC_V1);
	assert_int_equal(ovpn_op_key_id(0x5b), 3);
	/* Out-of-range inputs are masked, never spill into the other field. */
	assert_int_equal(ovpn_op_build(OVPN_P_DATA_V2, 8), 0x48);
	assert_int_equal(ovpn_op_build(0x20 | OVPN_P_DATA_V2, 0), 0x48);
}

static void
test_first_byte_round_trip(void **state)
{
	for (unsigned int op = 0; op <= OVPN_OPCODE_MASK; op++) {
		for (unsigned int k = 0; k <= OVPN_KEY_ID_MAX; k++) {
			uint8_t b = ovpn_op_build((uint8_t)op, (uint8_t)k);

			assert_int_equal(ovpn_op_opcode(b), op);
			assert_int_equal(ovpn_op_key_id(b), k);
		}
	}
	for (unsigned int b = 0; b < 256; b++)
		assert_int_equal(ovpn_op_build(ovpn_op_opcode((uint8_t)b),
					       ovpn_op_key_id((uint8_t)b)), b);
}

static void
test_opcode_table_values(void **state)
{
	/* §1.2, ssl_pkt.h */
	assert_int_equal(OVPN_P_CONTROL_HARD_RESET_CLIENT_V1, 1);
	assert_int_equal(OVPN_P_CONTROL_SOFT_RESET_V1, 3);
	assert_int_equal(OVPN_P_CONTROL_V1, 4);
	assert_int_equal(OVPN_P_ACK_V1, 5);
	assert_int_equal(OVPN_P_DATA_V1, 6);
	assert_int_equal(OVPN_P_CONTROL_HARD_RESET_CLIENT_V2, 7);
	assert_int_equal(OVPN_P_CONTROL_HARD_RESET_SERVER_V2, 8);
	assert_int_equal(OVPN_P_DATA_V2, 9);
	assert_int_equal(OVPN_P_CONTROL_HARD_RESET_CLIENT_V3, 10);
	assert_int_equal(OVPN_P_CONTROL_WKC_V1, 11);
	assert_int_equal(OVPN_P_FIRST_OPCODE, 3);
	assert_int_equal(OVPN_P_LAST_OPCODE, 11);
}

/* The header at every alignment: behind IPv4 + UDP it is 2 bytes off. */
static void
test_data_v2_header_bytes(void **state)
{
	static const uint8_t want1[8] = { 0x48, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x01 };
	static const uint8_t want2[8] = { 0x4b, 0xab, 0xcd, 0xef, 0xde, 0xad, 0xbe, 0xef };
	uint8_t buf[OVPN_DATA_V2_HDR_LEN + 8];

	for (size_t off = 0; off < 4; off++) {
		struct ovpn_data_v2_hdr *h = (struct ovpn_data_v2_hdr *)(buf + off);

		memset(buf, 0xaa, sizeof(buf));
		ovpn_data_v2_hdr_build(h, 0, 0x000102, 1);
		assert_memory_equal(buf + off, want1, sizeof(want1));
		assert_int_equal(buf[off + OVPN_DATA_V2_TAG_OFF], 0xaa); /* tag untouched */
		assert_int_equal(ovpn_data_v2_opcode(h), OVPN_P_DATA_V2);
		assert_int_equal(ovpn_data_v2_key_id(h), 0);
		assert_int_equal(ovpn_data_v2_peer_id(h), 0x000102);
		assert_int_equal(ovpn_data_v2_pktid(h), 1);
		assert_int_equal(ovpn_op_opcode(buf[off]), OVPN_P_DATA_V2);

		ovpn_data_v2_hdr_build(h, 3, 0xabcdef, 0xdeadbeef);
		assert_memory_equal(buf + off, want2, sizeof(want2));
		assert_int_equal(ovpn_data_v2_key_id(h), 3);
		assert_int_equal(ovpn_data_v2_peer_id(h), 0xabcdef);
		assert_int_equal(ovpn_data_v2_pktid(h), 0xdeadbeef);
	}
}

static void
test_data_v2_aad_lab_example(void **state)
{
	/* §6.2 [LAB]: "ENCRYPT AD: 48000000 00000001"; §6.1: header 48 00 00 00. */
	static const uint8_t aad[OVPN_DATA_V2_AAD_LEN] = { 0x48, 0, 0, 0, 0, 0, 0, 1 };
	struct ovpn_data_v2_hdr h;

	ovpn_data_v2_hdr_build(&h, 0, 0, 1);
	assert_memory_equal((const uint8_t *)&h + OVPN_DATA_V2_AAD_OFF, aad, sizeof(aad));
	assert_int_equal(OVPN_DATA_V2_HDR_LEN, 24);
	assert_int_equal(OVPN_DATA_V2_MIN_LEN, 25);
}

static void
test_data_v2_peer_id_round_trip(void **state)
{
	static const uint32_t ids[] = { 0, 1, 0x000102, 0x7fffff, 0xfffffe, OVPN_PEER_ID_UNDEF };
	struct ovpn_data_v2_hdr h;

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		for (uint8_t k = 0; k <= OVPN_KEY_ID_MAX; k++) {
			ovpn_data_v2_hdr_build(&h, k, ids[i], (uint32_t)i + 1);
			assert_int_equal(ovpn_data_v2_peer_id(&h), ids[i]);
			assert_int_equal(ovpn_data_v2_key_id(&h), k);
			assert_int_equal(ovpn_data_v2_opcode(&h), OVPN_P_DATA_V2);
			assert_int_equal(((const uint8_t *)&h)[0], 0x48 | k);
		}
	}
	/* A too-wide peer-id is masked to 24 bits and cannot touch the opcode. */
	ovpn_data_v2_hdr_build(&h, 0, 0x01000005, 9);
	assert_int_equal(ovpn_data_v2_peer_id(&h), 5);
	assert_int_equal(ovpn_data_v2_opcode(&h), OVPN_P_DATA_V2);
	assert_int_equal(OVPN_PEER_ID_UNDEF, 0xffffff);
	assert_int_equal(OVPN_PEER_ID_MAX, 0xfffffe);
	assert_int_equal(ovpn_data_v2_op_peer(0, OVPN_PEER_ID_UNDEF),
			 rte_cpu_to_be_32(0x48ffffff));
}

static void
test_aead_nonce_lab_example(void **state)
{
	/* §6.2 [LAB]: "ENCRYPT IV: 00000001 d9e5868a cb09d4f1". */
	static const uint8_t tail[OVPN_NONCE_TAIL_LEN] = {
		0xd9, 0xe5, 0x86, 0x8a, 0xcb, 0x09, 0xd4, 0xf1 };
	static const uint8_t want[OVPN_AEAD_NONCE_LEN] = {
		0x00, 0x00, 0x00, 0x01, 0xd9, 0xe5, 0x86, 0x8a, 0xcb, 0x09, 0xd4, 0xf1 };
	uint8_t buf[OVPN_AEAD_NONCE_LEN + 1];
	struct ovpn_aead_nonce *n = (struct ovpn_aead_nonce *)(buf + 1);
	struct ovpn_data_v2_hdr h;

	ovpn_aead_nonce_build(n, 1, tail);
	assert_memory_equal(buf + 1, want, sizeof(want));

	/* The nonce starts with the packet id exactly as on the wire. */
	ovpn_data_v2_hdr_build(&h, 2, 7, 0x01020304);
	ovpn_aead_nonce_build(n, ovpn_data_v2_pktid(&h), tail);
	assert_memory_equal(buf + 1, (const uint8_t *)&h + OVPN_DATA_V2_PKTID_OFF,
			    OVPN_PKTID_LEN);
	assert_memory_equal(buf + 1 + OVPN_PKTID_LEN, tail, OVPN_NONCE_TAIL_LEN);
}

static void
test_ping_payload(void **state)
{
	/* §6.5, byte for byte. */
	uint8_t ping[OVPN_PING_LEN + 1] = {
		0x2a, 0x18, 0x7b, 0xf3, 0x64, 0x1e, 0xb4, 0xcb,
		0x07, 0xed, 0x2d, 0x0a, 0x98, 0x1f, 0xc7, 0x48, 0x00 };

	assert_true(ovpn_payload_is_ping(ping, OVPN_PING_LEN));
	assert_false(ovpn_payload_is_ping(ping, OVPN_PING_LEN + 1)); /* exactly 16 */
	assert_false(ovpn_payload_is_ping(ping, OVPN_PING_LEN - 1));
	assert_false(ovpn_payload_is_occ(ping, OVPN_PING_LEN + 1));
	ping[15] ^= 1;
	assert_false(ovpn_payload_is_ping(ping, OVPN_PING_LEN));
}

static void
test_occ_exit_payload(void **state)
{
	/* §6.5: explicit-exit-notify over the data channel is magic || 0x06. */
	static const uint8_t exit_msg[OVPN_OCC_MIN_LEN] = {
		0x28, 0x7f, 0x34, 0x6b, 0xd4, 0xef, 0x7a, 0x81,
		0x2d, 0x56, 0xb8, 0xd3, 0xaf, 0xc5, 0x45, 0x9c, 0x06 };
	uint8_t reply[32];

	assert_true(ovpn_payload_is_occ(exit_msg, sizeof(exit_msg)));
	assert_int_equal(ovpn_occ_type(exit_msg), OVPN_OCC_EXIT);
	assert_false(ovpn_payload_is_occ(exit_msg, OVPN_OCC_MAGIC_LEN)); /* no type */
	assert_false(ovpn_payload_is_ping(exit_msg, OVPN_PING_LEN));

	memcpy(reply, exit_msg, OVPN_OCC_MAGIC_LEN);
	reply[OVPN_OCC_TYPE_OFF] = OVPN_OCC_REPLY;
	memset(reply + OVPN_OCC_MIN_LEN, 'x', sizeof(reply) - OVPN_OCC_MIN_LEN);
	assert_true(ovpn_payload_is_occ(reply, sizeof(reply)));
	assert_int_equal(ovpn_occ_type(reply), OVPN_OCC_REPLY);
	reply[0] = 0x45;	/* an IPv4 packet is never OCC */
	assert_false(ovpn_payload_is_occ(reply, sizeof(reply)));

	assert_int_equal(OVPN_OCC_REQUEST, 0);
	assert_int_equal(OVPN_OCC_MTU_LOAD_REQUEST, 2);
	assert_int_equal(OVPN_OCC_MTU_REPLY, 5);
	assert_int_equal(OVPN_OCC_EXIT, 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_byte_examples),
		cmocka_unit_test(test_first_byte_round_trip),
		cmocka_unit_test(test_opcode_table_values),
		cmocka_unit_test(test_data_v2_header_bytes),
		cmocka_unit_test(test_data_v2_aad_lab_example),
		cmocka_unit_test(test_data_v2_peer_id_round_trip),
		cmocka_unit_test(test_aead_nonce_lab_example),
		cmocka_unit_test(test_ping_payload),
		cmocka_unit_test(test_occ_exit_payload),
	};

	return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
