/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control-packet parse/build (src/ovpn/ctrl_pkt.c): the byte layouts and
 * datagram sizes of the 2.6.14 captures in openvpn-protocol.md (§1.3 the
 * 14- and 26-byte resets, §1.7 the handshake trace, §2.2 the 42-byte tls-auth
 * reset, §2.3 the 54/66-byte tls-crypt resets), round trips of every opcode
 * in every wrap mode, one malformed packet per drop reason, the tls-auth HMAC
 * input against its definition (and a real HMAC-SHA1 sign/verify through the
 * spans), and the early-negotiation TLV. Pure: no EAL.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ovpn/ctrl_proto.h"

static const struct ovpn_sid sid_c = { { 0x1c, 0x2c, 0x3c, 0x4c, 0x5c, 0x6c, 0x7c, 0x8c } };
static const struct ovpn_sid sid_s = { { 0xa5, 0xb5, 0xc5, 0xd5, 0xe5, 0xf5, 0x05, 0x15 } };
static const struct ovpn_ctrl_wrap wrap_none = { .mode = OVPN_CTRL_WRAP_NONE };

/* A message with @p n acks (n, n-1, ...) and a payload of @p plen bytes of 0xee. */
static struct ovpn_ctrl_msg
make_msg(uint8_t opcode, uint8_t key_id, unsigned int n, uint32_t msg_pid, uint16_t plen)
{
	static uint8_t payload[OVPN_CTRL_PAYLOAD_MAX + 1];
	struct ovpn_ctrl_msg m = { .opcode = opcode, .key_id = key_id, .sid = sid_c };

	memset(payload, 0xee, sizeof(payload));
	m.n_acks = (uint8_t)n;	/* n > 8 only to test rejection: ids stop at 8 */
	for (unsigned int i = 0; i < n && i < OVPN_CTRL_ACKS_MAX; i++)
		m.acks[i] = n - 1 - i;
	m.ack_sid = sid_s;
	m.msg_pid = msg_pid;
	m.payload_len = plen;
	m.payload = plen ? payload : NULL;
	return m;
}

static void
assert_msg_equal(const struct ovpn_ctrl_msg *a, const struct ovpn_ctrl_msg *b)
{
	assert_int_equal(a->opcode, b->opcode);
	assert_int_equal(a->key_id, b->key_id);
	assert_memory_equal(a->sid.b, b->sid.b, OVPN_SID_LEN);
	assert_int_equal(a->n_acks, b->n_acks);
	for (unsigned int i = 0; i < a->n_acks; i++)
		assert_int_equal(a->acks[i], b->acks[i]);
	if (a->n_acks)
		assert_memory_equal(a->ack_sid.b, b->ack_sid.b, OVPN_SID_LEN);
	if (ovpn_ctrl_has_msg_pid(a->opcode))
		assert_int_equal(a->msg_pid, b->msg_pid);
	assert_int_equal(a->payload_len, b->payload_len);
	if (a->payload_len)
		assert_memory_equal(a->payload, b->payload, a->payload_len);
}

/* §1.3 [LAB]: 38 | sid(8) | 00 | 00000000 and 40 | sid(8) | 01 | 00000000 | C | 00000000. */
static void
test_lab_reset_bytes(void **state)
{
	static const uint8_t want_c[14] = {
		0x38, 0x1c, 0x2c, 0x3c, 0x4c, 0x5c, 0x6c, 0x7c, 0x8c, 0x00, 0, 0, 0, 0 };
	static const uint8_t want_s[26] = {
		0x40, 0xa5, 0xb5, 0xc5, 0xd5, 0xe5, 0xf5, 0x05, 0x15, 0x01, 0, 0, 0, 0,
		0x1c, 0x2c, 0x3c, 0x4c, 0x5c, 0x6c, 0x7c, 0x8c, 0, 0, 0, 0 };
	struct ovpn_ctrl_msg c = make_msg(OVPN_P_CONTROL_HARD_RESET_CLIENT_V2, 0, 0, 0, 0);
	struct ovpn_ctrl_msg s = make_msg(OVPN_P_CONTROL_HARD_RESET_SERVER_V2, 0, 1, 0, 0);
	struct ovpn_ctrl_msg p;
	uint8_t buf[64];

	s.sid = sid_s;
	s.ack_sid = sid_c;
	assert_int_equal(ovpn_ctrl_build(buf, sizeof(buf), &wrap_none, &c, NULL), 14);
	assert_memory_equal(buf, want_c, sizeof(want_c));
	assert_int_equal(ovpn_ctrl_build(buf, sizeof(buf), &wrap_none, &s, NULL), 26);
	assert_memory_equal(buf, want_s, sizeof(want_s));

	assert_int_equal(ovpn_ctrl_parse(want_s, sizeof(want_s), &p), OVPN_CTRL_OK);
	assert_int_equal(p.opcode, OVPN_P_CONTROL_HARD_RESET_SERVER_V2);
	assert_int_equal(p.n_acks, 1);
	assert_int_equal(p.acks[0], 0);
	assert_memory_equal(p.ack_sid.b, sid_c.b, OVPN_SID_LEN);
	assert_memory_equal(p.sid.b, sid_s.b, OVPN_SID_LEN);
	assert_int_equal(p.payload_len, 0);
	assert_null(p.payload);
}

/* §1.7 [LAB] trace: UDP payload sizes for the ack lists and TLS bytes seen. */
static void
test_lab_trace_sizes(void **state)
{
	static const struct {
		uint8_t opcode;
		uint8_t n_acks;
		uint16_t payload;
		int wire;
	} t[] = {
		{ OVPN_P_CONTROL_V1, 1, 277, 303 },	/* ClientHello, acks=[0] */
		{ OVPN_P_CONTROL_V1, 1, 1196, 1222 },	/* server flight, acks=[1] */
		{ OVPN_P_CONTROL_V1, 1, 120, 146 },
		{ OVPN_P_ACK_V1, 2, 0, 26 },		/* acks=[1,0] */
		{ OVPN_P_CONTROL_V1, 3, 1188, 1222 },	/* acks=[2,1,0] */
		{ OVPN_P_CONTROL_V1, 2, 158, 188 },	/* acks=[2,1] */
		{ OVPN_P_ACK_V1, 4, 0, 34 },		/* acks=[5,4,3,2] */
	};
	uint8_t buf[1500];

	for (size_t i = 0; i < RTE_DIM(t); i++) {
		struct ovpn_ctrl_msg m = make_msg(t[i].opcode, 0, t[i].n_acks, 7, t[i].payload);
		struct ovpn_ctrl_msg p;

		assert_int_equal(ovpn_ctrl_build(buf, sizeof(buf), &wrap_none, &m, NULL),
				 t[i].wire);
		assert_int_equal(ovpn_ctrl_parse(buf, (size_t)t[i].wire, &p), OVPN_CTRL_OK);
		assert_msg_equal(&p, &m);
	}
}

/* §2.2 [LAB] 42-byte SHA1 tls-auth reset; §2.3 [LAB] 54 and 66-byte tls-crypt resets. */
static void
test_lab_wrapped_reset_sizes(void **state)
{
	const struct ovpn_ctrl_wrap auth = { .mode = OVPN_CTRL_WRAP_AUTH, .hmac_len = 20 };
	const struct ovpn_ctrl_wrap crypt = { .mode = OVPN_CTRL_WRAP_CRYPT };
	const struct ovpn_ctrl_wire wire = { .replay_pid = 1, .replay_time = 0x65000000 };
	struct ovpn_ctrl_msg c = make_msg(OVPN_P_CONTROL_HARD_RESET_CLIENT_V2, 0, 0, 0, 0);
	struct ovpn_ctrl_msg s = make_msg(OVPN_P_CONTROL_HARD_RESET_SERVER_V2, 0, 1, 0, 0);
	uint8_t buf[128];

	assert_int_equal(ovpn_ctrl_build(buf, sizeof(buf), &auth, &c, &wire), 42);
	assert_int_equal(ovpn_ctrl_build(buf, sizeof(buf), &crypt, &c, &wire), 54);
	assert_int_equal(ovpn_ctrl_build(buf, sizeof(buf), &crypt, &s, &wire), 66);
	assert_int_equal(ovpn_ctrl_wrap_overhead(&wrap_none), 9);
	assert_int_equal(ovpn_ctrl_wrap_overhead(&auth), 37);
	assert_int_equal(ovpn_ctrl_wrap_overhead(&crypt), 49);
}

/* Every opcode x every wrap mode: build, split, (identity "decrypt"), parse. */
static void
test_round_trip_all_opcodes_and_modes(void **state)
{
	static const uint8_t ops[][2] = {	/* opcode, key_id */
		{ OVPN_P_CONTROL_HARD_RESET_CLIENT_V2, 0 }, { OVPN_P_CONTROL_HARD_RESET_SERVER_V2, 0 },
		{ OVPN_P_CONTROL_SOFT_RESET_V1, 1 }, { OVPN_P_CONTROL_SOFT_RESET_V1, 7 },
		{ OVPN_P_CONTROL_V1, 0 }, { OVPN_P_CONTROL_V1, 5 }, { OVPN_P_ACK_V1, 3 },
		{ OVPN_P_CONTROL_HARD_RESET_CLIENT_V3, 0 }, { OVPN_P_CONTROL_WKC_V1, 0 },
	};
	static const struct ovpn_ctrl_wrap modes[] = {
		{ .mode = OVPN_CTRL_WRAP_NONE }, { .mode = OVPN_CTRL_WRAP_AUTH, .hmac_len = 20 },
		{ .mode = OVPN_CTRL_WRAP_AUTH, .hmac_len = 64 }, { .mode = OVPN_CTRL_WRAP_CRYPT },
		{ .mode = OVPN_CTRL_WRAP_CRYPT_V2 },
	};
	static uint8_t wkc[OVPN_WKC_LEN_MIN + 10];
	static uint8_t buf[OVPN_CTRL_PAYLOAD_MAX + 2000];

	memset(wkc, 0x77, sizeof(wkc));
	wkc[sizeof(wkc) - 2] = sizeof(wkc) >> 8;
	wkc[sizeof(wkc) - 1] = sizeof(wkc) & 0xff;
	for (size_t o = 0; o < RTE_DIM(ops); o++) {
		for (size_t w = 0; w < RTE_DIM(modes); w++) {
			uint8_t op = ops[o][0];
			bool v2 = ovpn_ctrl_has_wkc(op);
			struct ovpn_ctrl_wire in = { .replay_pid = 0x01020304,
						     .replay_time = 0x0a0b0c0d,
						     .wkc = wkc, .wkc_len = sizeof(wkc) };
			unsigned int n_acks = op == OVPN_P_ACK_V1 ? 8 : (unsigned int)(o % 5);
			uint16_t plen = op == OVPN_P_ACK_V1 ? 0 :
					ovpn_ctrl_carries_tls(op) ? OVPN_CTRL_PAYLOAD_MAX : 6;
			struct ovpn_ctrl_msg m = make_msg(op, ops[o][1], n_acks, 0xfffffff0u, plen);
			struct ovpn_ctrl_msg p;
			struct ovpn_ctrl_wire out;
			int len = ovpn_ctrl_build(buf, sizeof(buf), &modes[w], &m, &in);

			if (v2 != (modes[w].mode == OVPN_CTRL_WRAP_CRYPT_V2)) {
				/* WKc opcodes only in v2 mode; v2 mode sends the rest plain. */
				if (v2) {
					assert_int_equal(len, -EINVAL);
					continue;
				}
			}
			assert_int_equal(len, ovpn_ctrl_wrap_overhead(&modes[w]) +
					 ovpn_ctrl_body_len(&m) + (v2 ? sizeof(wkc) : 0));
			assert_int_equal(ovpn_ctrl_split(buf, (size_t)len, &modes[w], &p, &out),
					 OVPN_CTRL_OK);
			if (modes[w].mode != OVPN_CTRL_WRAP_NONE) {
				assert_int_equal(out.replay_pid, in.replay_pid);
				assert_int_equal(out.replay_time, in.replay_time);
			}
			assert_int_equal(out.wkc_len, v2 ? sizeof(wkc) : 0);
			if (v2)
				assert_memory_equal(out.wkc, wkc, sizeof(wkc));
			assert_int_equal(ovpn_ctrl_body_parse(out.body, out.body_len, &p),
					 OVPN_CTRL_OK);
			assert_msg_equal(&p, &m);
		}
	}
}

/* tls-crypt: replay fields at 9, zeroed tag at 17..49, clear body at 49 (§2.3). */
static void
test_tls_crypt_layout(void **state)
{
	const struct ovpn_ctrl_wrap crypt = { .mode = OVPN_CTRL_WRAP_CRYPT };
	const struct ovpn_ctrl_wire in = { .replay_pid = 2, .replay_time = 0x11223344 };
	struct ovpn_ctrl_msg m = make_msg(OVPN_P_CONTROL_V1, 0, 2, 9, 40);
	uint8_t plain[256], wrapped[256], zero[OVPN_TLS_CRYPT_TAG_LEN] = { 0 };
	int plen = ovpn_ctrl_build(plain, sizeof(plain), &wrap_none, &m, NULL);
	int wlen = ovpn_ctrl_build(wrapped, sizeof(wrapped), &crypt, &m, &in);
	static const uint8_t replay[8] = { 0, 0, 0, 2, 0x11, 0x22, 0x33, 0x44 };

	assert_int_equal(wlen, plen + OVPN_TLS_CRYPT_OVERHEAD);
	assert_memory_equal(wrapped, plain, OVPN_CTRL_HDR_LEN);
	assert_memory_equal(wrapped + OVPN_TLS_CRYPT_PID_OFF, replay, sizeof(replay));
	assert_memory_equal(wrapped + OVPN_TLS_CRYPT_TAG_OFF, zero, sizeof(zero));
	assert_memory_equal(wrapped + OVPN_TLS_CRYPT_BODY_OFF, plain + OVPN_CTRL_HDR_LEN,
			    (size_t)plen - OVPN_CTRL_HDR_LEN);
	assert_int_equal(OVPN_TLS_CRYPT_AD_LEN, 17);
}

/* Reference HMAC input for tls-auth, written out from §2.2's definition. */
static size_t
auth_input_by_definition(const uint8_t *pkt, size_t len, uint8_t h, uint8_t *out)
{
	memcpy(out, pkt + 9 + h, 8);			/* replay-pid || replay-time */
	memcpy(out + 8, pkt, 9);			/* opcode|key_id || own sid */
	memcpy(out + 17, pkt + 17 + h, len - 17 - h);	/* rest of the packet */
	return len - h;
}

static void
test_tls_auth_spans_match_definition(void **state)
{
	const uint8_t hs[] = { 16, 20, 32, 48, 64 };
	uint8_t pkt[512], want[512], got[512];

	for (size_t i = 0; i < RTE_DIM(hs); i++) {
		const struct ovpn_ctrl_wrap w = { .mode = OVPN_CTRL_WRAP_AUTH, .hmac_len = hs[i] };
		const struct ovpn_ctrl_wire in = { .replay_pid = 5, .replay_time = 77 };
		struct ovpn_ctrl_msg m = make_msg(OVPN_P_CONTROL_V1, 2, 3, 4, 100);
		struct ovpn_ctrl_span sp[3];
		int len = ovpn_ctrl_build(pkt, sizeof(pkt), &w, &m, &in);
		size_t n = 0;

		assert_true(len > 0);
		assert_int_equal(ovpn_ctrl_auth_spans(pkt, (size_t)len, hs[i], sp), 0);
		for (int k = 0; k < 3; k++) {
			memcpy(got + n, sp[k].p, sp[k].len);
			n += sp[k].len;
		}
		assert_int_equal(n, auth_input_by_definition(pkt, (size_t)len, hs[i], want));
		assert_memory_equal(got, want, n);
		assert_int_equal(ovpn_ctrl_auth_spans(pkt, 9 + hs[i] + 7, hs[i], sp), -EINVAL);
	}
}

static void
hmac_sha1_spans(const uint8_t key[20], const struct ovpn_ctrl_span sp[3], uint8_t md[20])
{
	uint8_t in[512];
	size_t n = 0;
	unsigned int md_len = 0;

	for (int k = 0; k < 3; k++) {
		memcpy(in + n, sp[k].p, sp[k].len);
		n += sp[k].len;
	}
	assert_non_null(HMAC(EVP_sha1(), key, 20, in, n, md, &md_len));
	assert_int_equal(md_len, 20);
}

/* The wrap hook end to end: sign after build, verify after split, detect a flipped bit. */
static void
test_tls_auth_sign_verify_with_hmac_sha1(void **state)
{
	const struct ovpn_ctrl_wrap w = { .mode = OVPN_CTRL_WRAP_AUTH, .hmac_len = 20 };
	const struct ovpn_ctrl_wire in = { .replay_pid = 1, .replay_time = 1700000000 };
	static const uint8_t key[20] = "0123456789abcdefghij";
	struct ovpn_ctrl_msg m = make_msg(OVPN_P_CONTROL_HARD_RESET_CLIENT_V2, 0, 0, 0, 0);
	struct ovpn_ctrl_msg p;
	struct ovpn_ctrl_wire out;
	struct ovpn_ctrl_span sp[3];
	uint8_t pkt[64], md[20];
	int len = ovpn_ctrl_build(pkt, sizeof(pkt), &w, &m, &in);

	assert_int_equal(len, 42);
	assert_int_equal(ovpn_ctrl_auth_spans(pkt, (size_t)len, 20, sp), 0);
	hmac_sha1_spans(key, sp, md);
	memcpy(pkt + OVPN_TLS_AUTH_HMAC_OFF, md, sizeof(md));

	assert_int_equal(ovpn_ctrl_split(pkt, (size_t)len, &w, &p, &out), OVPN_CTRL_OK);
	assert_int_equal(out.replay_pid, 1);
	assert_int_equal(out.mac_len, 20);
	assert_int_equal(ovpn_ctrl_auth_spans(pkt, (size_t)len, 20, sp), 0);
	hmac_sha1_spans(key, sp, md);
	assert_int_equal(CRYPTO_memcmp(md, out.mac, 20), 0);
	assert_int_equal(ovpn_ctrl_body_parse(out.body, out.body_len, &p), OVPN_CTRL_OK);

	pkt[len - 1] ^= 1;	/* the msg-pid is covered */
	hmac_sha1_spans(key, sp, md);
	assert_int_not_equal(CRYPTO_memcmp(md, out.mac, 20), 0);
}

/* Raw packets: opcode byte, then bytes; sid defaults to sid_c when @p sid is set. */
struct bad_case {
	const char *what;
	enum ovpn_ctrl_wrap_mode mode;
	uint8_t first;
	bool sid;
	uint16_t len;		/* bytes after first (+ sid) */
	uint8_t rest[24];
	enum ovpn_ctrl_drop want;
};

static const struct bad_case bad_cases[] = {
	{ "8 bytes", 0, 0x38, false, 7, { 1, 2, 3, 4, 5, 6, 7 }, OVPN_CTRL_DROP_TOO_SHORT },
	{ "empty", 0, 0x00, false, 0, { 0 }, OVPN_CTRL_DROP_TOO_SHORT },
	{ "P_DATA_V2", 0, 0x48, true, 5, { 0 }, OVPN_CTRL_DROP_NOT_CONTROL },
	{ "P_DATA_V1", 0, 0x30, true, 5, { 0 }, OVPN_CTRL_DROP_NOT_CONTROL },
	{ "opcode 0", 0, 0x00, true, 5, { 0 }, OVPN_CTRL_DROP_NOT_CONTROL },
	{ "opcode 12", 0, 0x60, true, 5, { 0 }, OVPN_CTRL_DROP_NOT_CONTROL },
	{ "opcode 31", 0, 0xf8, true, 5, { 0 }, OVPN_CTRL_DROP_NOT_CONTROL },
	{ "client V1 reset", 0, 0x08, true, 5, { 0 }, OVPN_CTRL_DROP_OBSOLETE_OPCODE },
	{ "server V1 reset", 0, 0x10, true, 5, { 0 }, OVPN_CTRL_DROP_OBSOLETE_OPCODE },
	{ "hard reset kid 1", 0, 0x39, true, 5, { 0 }, OVPN_CTRL_DROP_BAD_KEY_ID },
	{ "server reset kid 7", 0, 0x47, true, 5, { 0 }, OVPN_CTRL_DROP_BAD_KEY_ID },
	{ "soft reset kid 0", 0, 0x18, true, 5, { 0 }, OVPN_CTRL_DROP_BAD_KEY_ID },
	{ "zero sid", 0, 0x38, false, 13, { 0 }, OVPN_CTRL_DROP_ZERO_SID },
	{ "V3 unwrapped", 0, 0x50, true, 5, { 0 }, OVPN_CTRL_DROP_WKC_UNEXPECTED },
	{ "WKC_V1 tls-crypt", OVPN_CTRL_WRAP_CRYPT, 0x58, true, 5, { 0 },
	  OVPN_CTRL_DROP_WKC_UNEXPECTED },
	{ "V3 too short", OVPN_CTRL_WRAP_CRYPT_V2, 0x50, true, 5, { 0 },
	  OVPN_CTRL_DROP_WKC_BAD_LEN },
	{ "tls-auth short", OVPN_CTRL_WRAP_AUTH, 0x20, true, 20 + 7, { 0 },
	  OVPN_CTRL_DROP_WRAP_SHORT },
	{ "tls-crypt short", OVPN_CTRL_WRAP_CRYPT, 0x20, true, 39, { 0 },
	  OVPN_CTRL_DROP_WRAP_SHORT },
	{ "no ack count", 0, 0x20, true, 0, { 0 }, OVPN_CTRL_DROP_ACK_SHORT },
	{ "2 acks, 1 id", 0, 0x20, true, 5, { 2, 0, 0, 0, 1 }, OVPN_CTRL_DROP_ACK_SHORT },
	{ "rsid cut", 0, 0x28, true, 12, { 1, 0, 0, 0, 1, 9, 9, 9, 9, 9, 9, 9 },
	  OVPN_CTRL_DROP_ACK_SHORT },
	{ "9 acks", 0, 0x28, true, 1, { 9 }, OVPN_CTRL_DROP_ACK_TOO_MANY },
	{ "255 acks", 0, 0x20, true, 1, { 255 }, OVPN_CTRL_DROP_ACK_TOO_MANY },
	{ "zero rsid", 0, 0x28, true, 13, { 1, 0, 0, 0, 1 }, OVPN_CTRL_DROP_ACK_ZERO_SID },
	{ "ack without acks", 0, 0x28, true, 1, { 0 }, OVPN_CTRL_DROP_ACK_EMPTY },
	{ "ack + 1 byte", 0, 0x28, true, 14, { 1, 0, 0, 0, 1, 9, 9, 9, 9, 9, 9, 9, 9, 0 },
	  OVPN_CTRL_DROP_ACK_TRAILING },
	{ "ack + msg-pid", 0, 0x28, true, 17, { 1, 0, 0, 0, 1, 9, 9, 9, 9, 9, 9, 9, 9 },
	  OVPN_CTRL_DROP_ACK_TRAILING },
	{ "reset, pid cut", 0, 0x38, true, 4, { 0, 0, 0, 0 }, OVPN_CTRL_DROP_MSG_PID_SHORT },
	{ "control, no pid", 0, 0x20, true, 1, { 0 }, OVPN_CTRL_DROP_MSG_PID_SHORT },
	{ "control, empty", 0, 0x20, true, 5, { 0, 0, 0, 0, 1 }, OVPN_CTRL_DROP_EMPTY_PAYLOAD },
	{ "WKC_V1 unwrapped", OVPN_CTRL_WRAP_NONE, 0x58, true, 5, { 0 },
	  OVPN_CTRL_DROP_WKC_UNEXPECTED },
};

static size_t
make_bad(const struct bad_case *c, uint8_t *pkt)
{
	size_t n = 0;

	pkt[n++] = c->first;
	if (c->sid) {
		memcpy(pkt + n, sid_c.b, OVPN_SID_LEN);
		n += OVPN_SID_LEN;
	}
	memcpy(pkt + n, c->rest, RTE_MIN((size_t)c->len, sizeof(c->rest)));
	if (c->len > sizeof(c->rest))
		memset(pkt + n + sizeof(c->rest), 0, c->len - sizeof(c->rest));
	return n + c->len;
}

static void
test_malformed_table(void **state)
{
	uint8_t pkt[128];

	for (size_t i = 0; i < RTE_DIM(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		const struct ovpn_ctrl_wrap w = { .mode = c->mode, .hmac_len = 20 };
		size_t len = make_bad(c, pkt);
		struct ovpn_ctrl_msg m;
		struct ovpn_ctrl_wire wire;
		enum ovpn_ctrl_drop r = ovpn_ctrl_split(pkt, len, &w, &m, &wire);

		if (r == OVPN_CTRL_OK)
			r = ovpn_ctrl_body_parse(wire.body, wire.body_len, &m);
		if (r != c->want)
			print_error("case '%s': got %s, want %s\n", c->what,
				    ovpn_ctrl_drop_name(r), ovpn_ctrl_drop_name(c->want));
		assert_int_equal(r, c->want);
	}
}

/* Payload size limit, and the WKc length bounds of tls-crypt-v2 (§2.4). */
static void
test_malformed_sizes(void **state)
{
	const struct ovpn_ctrl_wrap v2 = { .mode = OVPN_CTRL_WRAP_CRYPT_V2 };
	static uint8_t pkt[4096];
	struct ovpn_ctrl_msg m = make_msg(OVPN_P_CONTROL_V1, 0, 0, 1, OVPN_CTRL_PAYLOAD_MAX);
	struct ovpn_ctrl_wire wire;
	int len = ovpn_ctrl_build(pkt, sizeof(pkt), &wrap_none, &m, NULL);
	static const struct {
		size_t pkt_len;
		uint16_t wkc_len;
		enum ovpn_ctrl_drop want;
	} wk[] = {
		{ 49 + 290, 290, OVPN_CTRL_OK }, { 49 + 289, 289, OVPN_CTRL_DROP_WKC_BAD_LEN },
		{ 49 + 1024, 1024, OVPN_CTRL_OK }, { 49 + 1025, 1025, OVPN_CTRL_DROP_WKC_BAD_LEN },
		{ 48 + 300, 301, OVPN_CTRL_DROP_WKC_BAD_LEN },	/* eats the tls-crypt header */
		{ 400, 0, OVPN_CTRL_DROP_WKC_BAD_LEN }, { 400, 0xffff, OVPN_CTRL_DROP_WKC_BAD_LEN },
	};

	assert_true(len > 0);
	assert_int_equal(ovpn_ctrl_parse(pkt, (size_t)len, &m), OVPN_CTRL_OK);
	pkt[len] = 0xee;
	assert_int_equal(ovpn_ctrl_parse(pkt, (size_t)len + 1, &m), OVPN_CTRL_DROP_TOO_BIG);

	for (size_t i = 0; i < RTE_DIM(wk); i++) {
		memset(pkt, 0x11, wk[i].pkt_len);
		pkt[0] = ovpn_op_build(OVPN_P_CONTROL_HARD_RESET_CLIENT_V3, 0);
		pkt[wk[i].pkt_len - 2] = (uint8_t)(wk[i].wkc_len >> 8);
		pkt[wk[i].pkt_len - 1] = (uint8_t)wk[i].wkc_len;
		assert_int_equal(ovpn_ctrl_split(pkt, wk[i].pkt_len, &v2, &m, &wire), wk[i].want);
		if (wk[i].want == OVPN_CTRL_OK) {
			assert_int_equal(wire.wkc_len, wk[i].wkc_len);
			assert_ptr_equal(wire.wkc, pkt + 49);
			assert_int_equal(wire.body_len, 0);
		}
	}
}

/* Build refuses what parse would drop, and reports a short buffer. */
static void
test_build_rejects(void **state)
{
	uint8_t buf[64];
	struct ovpn_ctrl_msg m;
	const struct ovpn_ctrl_wrap bad_auth = { .mode = OVPN_CTRL_WRAP_AUTH, .hmac_len = 15 };
	const struct ovpn_ctrl_wrap v2 = { .mode = OVPN_CTRL_WRAP_CRYPT_V2 };
	const struct ovpn_ctrl_wire no_wkc = { 0 };

	m = make_msg(OVPN_P_ACK_V1, 0, 0, 0, 0);
	assert_int_equal(ovpn_ctrl_build(buf, sizeof(buf), &wrap_none, &m, NULL), -EINVAL);
	m = make_msg(OVPN_P_ACK_V1, 0, 1, 0, 3);
	assert_int_equal(ovpn_ctrl_build(buf, sizeof(buf), &wrap_none, &m, NULL), -EINVAL);
	m = make_msg(OVPN_P_CONTROL_V1, 0, 0, 0, 0);
	assert_int_equal(ovpn_ctrl_build(buf, sizeof(buf), &wrap_none, &m, NULL), -EINVAL);
	m = make_msg(OVPN_P_CONTROL_V1, 0, 9, 0, 1);
	assert_int_equal(ovpn_ctrl_build(buf, sizeof(buf), &wrap_none, &m, NULL), -EINVAL);
	m = make_msg(OVPN_P_CONTROL_SOFT_RESET_V1, 0, 0, 0, 0);
	assert_int_equal(ovpn_ctrl_build(buf, sizeof(buf), &wrap_none, &m, NULL), -EINVAL);
	m = make_msg(OVPN_P_DATA_V2, 0, 0, 0, 1);
	assert_int_equal(ovpn_ctrl_build(buf, sizeof(buf), &wrap_none, &m, NULL), -EINVAL);
	m = make_msg(OVPN_P_CONTROL_V1, 0, 1, 0, 1);
	memset(m.ack_sid.b, 0, OVPN_SID_LEN);
	assert_int_equal(ovpn_ctrl_build(buf, sizeof(buf), &wrap_none, &m, NULL), -EINVAL);
	m = make_msg(OVPN_P_CONTROL_V1, 0, 0, 0, 1);
	memset(m.sid.b, 0, OVPN_SID_LEN);
	assert_int_equal(ovpn_ctrl_build(buf, sizeof(buf), &wrap_none, &m, NULL), -EINVAL);
	m = make_msg(OVPN_P_CONTROL_V1, 0, 0, 0, 1);
	assert_int_equal(ovpn_ctrl_build(buf, sizeof(buf), &bad_auth, &m, &no_wkc), -EINVAL);
	m = make_msg(OVPN_P_CONTROL_WKC_V1, 0, 0, 0, 1);
	assert_int_equal(ovpn_ctrl_build(buf, sizeof(buf), &v2, &m, &no_wkc), -EINVAL);
	m = make_msg(OVPN_P_CONTROL_V1, 0, 0, 0, 1);
	assert_int_equal(ovpn_ctrl_build(buf, 14, &wrap_none, &m, NULL), -ENOSPC);
	assert_int_equal(ovpn_ctrl_build(buf, 15, &wrap_none, &m, NULL), 15);
}

static void
test_early_negotiation_tlv(void **state)
{
	static const uint8_t flags_tlv[] = { 0x00, 0x01, 0x00, 0x02, 0x00, 0x01 };
	static const uint8_t unknown_then_flags[] = {
		0x00, 0x09, 0x00, 0x03, 0xaa, 0xbb, 0xcc, 0x00, 0x01, 0x00, 0x02, 0x80, 0x01 };
	static const uint8_t bad_len[] = { 0x00, 0x01, 0x00, 0x03, 0x00, 0x01, 0x00 };
	static const uint8_t cut[] = { 0x00, 0x01, 0x00, 0x02, 0x00 };
	static const uint8_t stray[] = { 0x00, 0x01, 0x00, 0x02, 0x00, 0x01, 0x00 };
	uint8_t buf[8];
	uint16_t flags = 0xffff;

	assert_int_equal(ovpn_ctrl_tlv_build_flags(buf, sizeof(buf),
						   OVPN_EARLY_NEG_FLAG_RESEND_WKC), 6);
	assert_memory_equal(buf, flags_tlv, sizeof(flags_tlv));
	assert_int_equal(ovpn_ctrl_tlv_build_flags(buf, 5, 1), -ENOSPC);
	assert_int_equal(ovpn_ctrl_tlv_parse(flags_tlv, sizeof(flags_tlv), &flags), OVPN_CTRL_OK);
	assert_int_equal(flags, OVPN_EARLY_NEG_FLAG_RESEND_WKC);
	assert_int_equal(ovpn_ctrl_tlv_parse(NULL, 0, &flags), OVPN_CTRL_OK);
	assert_int_equal(flags, 0);
	assert_int_equal(ovpn_ctrl_tlv_parse(unknown_then_flags, sizeof(unknown_then_flags),
					     &flags), OVPN_CTRL_OK);
	assert_int_equal(flags, 0x8001);
	assert_int_equal(ovpn_ctrl_tlv_parse(bad_len, sizeof(bad_len), &flags),
			 OVPN_CTRL_DROP_BAD_TLV);
	assert_int_equal(ovpn_ctrl_tlv_parse(cut, sizeof(cut), &flags), OVPN_CTRL_DROP_BAD_TLV);
	assert_int_equal(ovpn_ctrl_tlv_parse(stray, sizeof(stray), &flags),
			 OVPN_CTRL_DROP_BAD_TLV);

	assert_true(ovpn_ctrl_is_early_neg(0x0f000000));
	assert_true(ovpn_ctrl_is_early_neg(0x0f00ffff));
	assert_false(ovpn_ctrl_is_early_neg(1));
	assert_false(ovpn_ctrl_is_early_neg(0x1f000000));
}

static uint32_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 32);
}

/*
 * Random packets in exact-size heap buffers (so ASan sees any over-read):
 * the parser never fails without a reason, and whatever it accepts rebuilds
 * to the same bytes (the encoding is canonical). Truncating an accepted
 * packet is caught too.
 */
static void
test_parse_random_bytes_round_trip(void **state)
{
	static const uint8_t firsts[] = { 0x18, 0x19, 0x20, 0x23, 0x28, 0x2f, 0x38, 0x40,
					  0x48, 0x50, 0x58, 0x08, 0x00 };
	uint64_t rng = 0x1234567887654321ull;
	unsigned int accepted = 0;
	uint8_t out[512];

	for (int it = 0; it < 20000; it++) {
		size_t len = xorshift(&rng) % 80;
		uint8_t *pkt = malloc(len ? len : 1);
		struct ovpn_ctrl_msg m;
		enum ovpn_ctrl_drop r;

		assert_non_null(pkt);
		for (size_t i = 0; i < len; i++)
			pkt[i] = (uint8_t)xorshift(&rng);
		if (len > 0)
			pkt[0] = firsts[xorshift(&rng) % RTE_DIM(firsts)];
		if (len > 9)	/* plausible ack counts and some zero fields */
			pkt[9] = (uint8_t)(xorshift(&rng) % 4);
		r = ovpn_ctrl_parse(pkt, len, &m);
		assert_true(r < OVPN_CTRL_DROP_MAX);
		if (r == OVPN_CTRL_OK) {
			accepted++;
			assert_int_equal(ovpn_ctrl_build(out, sizeof(out), &wrap_none, &m, NULL),
					 (int)len);
			assert_memory_equal(out, pkt, len);
			if (ovpn_ctrl_has_msg_pid(m.opcode) && m.payload_len == 0)
				assert_int_not_equal(ovpn_ctrl_parse(pkt, len - 1, &m),
						     OVPN_CTRL_OK);
		}
		free(pkt);
	}
	assert_true(accepted > 1000);
}

static void
test_drop_reason_names(void **state)
{
	for (int i = 0; i < OVPN_CTRL_DROP_MAX; i++) {
		assert_non_null(ovpn_ctrl_drop_name(i));
		assert_true(strlen(ovpn_ctrl_drop_desc(i)) > 2);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(ovpn_ctrl_drop_name(i), ovpn_ctrl_drop_name(j));
	}
	assert_string_equal(ovpn_ctrl_drop_name(OVPN_CTRL_OK), "ok");
	assert_string_equal(ovpn_ctrl_drop_name(OVPN_CTRL_DROP_ACK_SHORT), "ack_short");
	assert_string_equal(ovpn_ctrl_drop_name(OVPN_CTRL_DROP_MAX), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lab_reset_bytes),
		cmocka_unit_test(test_lab_trace_sizes),
		cmocka_unit_test(test_lab_wrapped_reset_sizes),
		cmocka_unit_test(test_round_trip_all_opcodes_and_modes),
		cmocka_unit_test(test_tls_crypt_layout),
		cmocka_unit_test(test_tls_auth_spans_match_definition),
		cmocka_unit_test(test_tls_auth_sign_verify_with_hmac_sha1),
		cmocka_unit_test(test_malformed_table),
		cmocka_unit_test(test_malformed_sizes),
		cmocka_unit_test(test_build_rejects),
		cmocka_unit_test(test_early_negotiation_tlv),
		cmocka_unit_test(test_parse_random_bytes_round_trip),
		cmocka_unit_test(test_drop_reason_names),
	};

	return cmocka_run_group_tests_name("ctrl_pkt", tests, NULL, NULL);
}
