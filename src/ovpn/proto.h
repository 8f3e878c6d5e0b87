/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OpenVPN 2.6 wire formats that the gateway's data path needs: the first byte
 * of every packet (opcode and key_id), the opcode table, the P_DATA_V2 AEAD
 * packet in the 2.6 "tag first" layout, the 12-byte AEAD nonce and the 8-byte
 * AAD, and the two magic payloads that travel inside the data channel
 * (keepalive ping and OCC, whose EXIT message is the data-channel form of
 * explicit-exit-notify).
 *
 * Pure header: DPDK types and byte-order macros only, no DPDK function calls,
 * so the unit tests need no EAL (STYLE.md §3). Every field is accessed through
 * a packed struct, so the accessors are safe at any alignment (an OpenVPN
 * header behind IPv4 + UDP sits at an odd-by-two offset in the mbuf).
 *
 * Not here: the control-packet layout (session ids, ack lists, msg-pid) is
 * parsed by the control process, which gets every packet whose opcode is not
 * P_DATA_V2; packet-id reservation and the replay window live in pktid.h;
 * key material and the nonce tail's origin live in keys.h.
 *
 * References (openvpn-protocol.md): §1.1 first byte, §1.2 opcode table,
 * §4.1/§4.4 implicit IV ("nonce tail"), §6.1 P_DATA_V2 layout, §6.2 nonce and
 * AAD, §6.5 ping and OCC payloads, §6.8 P_DATA_V1, §8.2 (the 2.7 epoch format,
 * which is *not* this one), §9.1 peer-id 0xFFFFFF. The accessor shape follows
 * Linux ovpn proto.h.
 */
#ifndef FT_OVPN_PROTO_H
#define FT_OVPN_PROTO_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

/*
 * First byte of every OpenVPN packet over UDP (§1.1):
 *
 *     7   6   5   4   3   2   1   0
 *   +---+---+---+---+---+---+---+---+
 *   |      opcode       |  key_id   |
 *   +---+---+---+---+---+---+---+---+
 *
 * Example: 0x48 = opcode 9 (P_DATA_V2), key_id 0.
 */
#define OVPN_OPCODE_SHIFT	3
#define OVPN_OPCODE_MASK	0x1f	/* after the shift: 5 bits */
#define OVPN_KEY_ID_MASK	0x07
#define OVPN_KEY_ID_MAX		7	/* 0 first, then 1..7 wrapping to 1 (§7.1) */

/* Opcodes (§1.2, ssl_pkt.h). The data path consumes only P_DATA_V2. */
enum ovpn_opcode {
	OVPN_P_CONTROL_HARD_RESET_CLIENT_V1 = 1, /* obsolete, rejected by 2.6 */
	OVPN_P_CONTROL_HARD_RESET_SERVER_V1 = 2, /* obsolete, rejected by 2.6 */
	OVPN_P_CONTROL_SOFT_RESET_V1 = 3,	/* renegotiation on a new key_id */
	OVPN_P_CONTROL_V1 = 4,			/* TLS ciphertext bytes */
	OVPN_P_ACK_V1 = 5,			/* acks only, no msg-pid */
	OVPN_P_DATA_V1 = 6,			/* no peer-id; see below */
	OVPN_P_CONTROL_HARD_RESET_CLIENT_V2 = 7, /* client's first packet */
	OVPN_P_CONTROL_HARD_RESET_SERVER_V2 = 8, /* server's reply */
	OVPN_P_DATA_V2 = 9,			/* data with a 24-bit peer-id */
	OVPN_P_CONTROL_HARD_RESET_CLIENT_V3 = 10, /* tls-crypt-v2 first packet + WKc */
	OVPN_P_CONTROL_WKC_V1 = 11,		/* P_CONTROL_V1 + WKc (tls-crypt-v2) */
};

/* Opcodes a 2.6 peer accepts at all (P_FIRST_OPCODE .. P_LAST_OPCODE, §1.2). */
#define OVPN_P_FIRST_OPCODE	OVPN_P_CONTROL_SOFT_RESET_V1
#define OVPN_P_LAST_OPCODE	OVPN_P_CONTROL_WKC_V1

/* Build the first byte from an opcode and a key_id. */
static inline uint8_t
ovpn_op_build(uint8_t opcode, uint8_t key_id)
{
	return (uint8_t)(((opcode & OVPN_OPCODE_MASK) << OVPN_OPCODE_SHIFT) |
			 (key_id & OVPN_KEY_ID_MASK));
}

static inline uint8_t
ovpn_op_opcode(uint8_t op)
{
	return op >> OVPN_OPCODE_SHIFT;
}

static inline uint8_t
ovpn_op_key_id(uint8_t op)
{
	return op & OVPN_KEY_ID_MASK;
}

/*
 * P_DATA_V2 with an AEAD cipher, 2.6 "tag first" format (§6.1; ssl.c
 * tls_prepend_opcode_v2(), crypto.c openvpn_encrypt_aead()):
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  --
 *  |opcode=9 |keyid|                 peer-id (24)                  |   AAD
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   [0..8)
 *  |                        packet id (32)                         |  --
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                                                               |
 *  +                                                               +
 *  |                     AEAD tag (16 bytes)                       |
 *  +                                                               +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |        ciphertext (same length as the plaintext, >= 1)       ...
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * All fields big-endian. Overhead is 24 bytes; there is no padding. The packet
 * id starts at 1 for each new key and never wraps (pktid.h). 2.6 rejects an
 * empty payload, so a valid packet is at least 25 bytes (§6.2). Example
 * (§6.1 [LAB]): "48 00 00 00" = P_DATA_V2, key_id 0, peer-id 0.
 *
 * Seen as one 32-bit word, the first four bytes are
 * opcode << 27 | key_id << 24 | peer_id (the Linux ovpn view).
 *
 * P_DATA_V1 (§6.8) is the same without the 3 peer-id bytes, and its AAD is the
 * packet id alone. The data path does not handle it: the gateway always pushes
 * peer-id, so a 2.6 client uses P_DATA_V2.
 */
#define OVPN_AEAD_TAG_LEN		16
#define OVPN_PKTID_LEN			4
#define OVPN_DATA_V2_OP_LEN		4	/* opcode/key_id + peer-id */
#define OVPN_DATA_V2_PKTID_OFF		4
#define OVPN_DATA_V2_TAG_OFF		8
#define OVPN_DATA_V2_HDR_LEN		24	/* = ciphertext offset = overhead */
#define OVPN_DATA_V2_AAD_OFF		0
#define OVPN_DATA_V2_AAD_LEN		8
#define OVPN_DATA_V2_MIN_LEN		(OVPN_DATA_V2_HDR_LEN + 1)

#define OVPN_OP32_OPCODE_SHIFT		27
#define OVPN_OP32_KEY_ID_SHIFT		24
#define OVPN_PEER_ID_MASK		0x00ffffffu
/* "No peer-id": look the peer up by transport address instead (§6.1, §9.1). */
#define OVPN_PEER_ID_UNDEF		0x00ffffffu
#define OVPN_PEER_ID_MAX		(OVPN_PEER_ID_UNDEF - 1)

struct ovpn_data_v2_hdr {
	rte_be32_t op_peer;	/* opcode:5 key_id:3 peer_id:24 */
	rte_be32_t pktid;	/* also the first 4 bytes of the nonce */
	uint8_t tag[OVPN_AEAD_TAG_LEN];
} __rte_packed;

static_assert(sizeof(struct ovpn_data_v2_hdr) == OVPN_DATA_V2_HDR_LEN,
	      "P_DATA_V2 AEAD header is 24 bytes");
static_assert(offsetof(struct ovpn_data_v2_hdr, pktid) == OVPN_DATA_V2_PKTID_OFF,
	      "packet id at offset 4");
static_assert(offsetof(struct ovpn_data_v2_hdr, tag) == OVPN_DATA_V2_TAG_OFF,
	      "tag at offset 8");
static_assert(OVPN_DATA_V2_TAG_OFF == OVPN_DATA_V2_AAD_OFF + OVPN_DATA_V2_AAD_LEN,
	      "the AAD is everything before the tag");

/* The first four bytes, in network order, for @p key_id and @p peer_id. */
static inline rte_be32_t
ovpn_data_v2_op_peer(uint8_t key_id, uint32_t peer_id)
{
	uint32_t v = (uint32_t)OVPN_P_DATA_V2 << OVPN_OP32_OPCODE_SHIFT |
		     (uint32_t)(key_id & OVPN_KEY_ID_MASK) << OVPN_OP32_KEY_ID_SHIFT |
		     (peer_id & OVPN_PEER_ID_MASK);

	return rte_cpu_to_be_32(v);
}

/*
 * Write the 8 AAD bytes of a P_DATA_V2 header. The tag is left alone: the
 * AEAD seal writes it (digest in place at offset 8, §6.2).
 */
static inline void
ovpn_data_v2_hdr_build(struct ovpn_data_v2_hdr *h, uint8_t key_id,
		       uint32_t peer_id, uint32_t pktid)
{
	h->op_peer = ovpn_data_v2_op_peer(key_id, peer_id);
	h->pktid = rte_cpu_to_be_32(pktid);
}

/* Opcode of a header; the caller has checked that 4 bytes are present. */
static inline uint8_t
ovpn_data_v2_opcode(const struct ovpn_data_v2_hdr *h)
{
	return (uint8_t)(rte_be_to_cpu_32(h->op_peer) >> OVPN_OP32_OPCODE_SHIFT);
}

static inline uint8_t
ovpn_data_v2_key_id(const struct ovpn_data_v2_hdr *h)
{
	return (uint8_t)(rte_be_to_cpu_32(h->op_peer) >> OVPN_OP32_KEY_ID_SHIFT) &
	       OVPN_KEY_ID_MASK;
}

static inline uint32_t
ovpn_data_v2_peer_id(const struct ovpn_data_v2_hdr *h)
{
	return rte_be_to_cpu_32(h->op_peer) & OVPN_PEER_ID_MASK;
}

static inline uint32_t
ovpn_data_v2_pktid(const struct ovpn_data_v2_hdr *h)
{
	return rte_be_to_cpu_32(h->pktid);
}

/*
 * AEAD nonce, 12 bytes (§6.2; crypto.c openvpn_encrypt_aead(), ovpn-dco
 * crypto_aead.c, if_ovpn): the packet id exactly as on the wire, then the
 * 8-byte implicit IV ("nonce tail") of the sending direction.
 *
 *    0               4                                       12
 *   +---------------+---------------------------------------+
 *   | packet id (BE)|        nonce tail (8 bytes)           |
 *   +---------------+---------------------------------------+
 *
 * The nonce tail is the first 8 bytes of the sender's hmac key slot in key2
 * (§4.1): the server seals with key2[192..200) and opens with key2[64..72)
 * (§4.4). It is a concatenation, not an XOR: only the 2.7 epoch format XORs
 * (§8.2). Example (§6.2 [LAB]): packet id 1 with tail d9e5868acb09d4f1 gives
 * 00000001 d9e5868a cb09d4f1. AES-GCM and ChaCha20-Poly1305 use the same
 * nonce, tag and AAD; only the key length differs.
 */
#define OVPN_AEAD_NONCE_LEN	12
#define OVPN_NONCE_TAIL_LEN	8

struct ovpn_aead_nonce {
	rte_be32_t pktid;
	uint8_t tail[OVPN_NONCE_TAIL_LEN];
} __rte_packed;

static_assert(sizeof(struct ovpn_aead_nonce) == OVPN_AEAD_NONCE_LEN,
	      "AEAD nonce is 12 bytes");
static_assert(OVPN_PKTID_LEN + OVPN_NONCE_TAIL_LEN == OVPN_AEAD_NONCE_LEN,
	      "nonce = packet id || nonce tail");

static inline void
ovpn_aead_nonce_build(struct ovpn_aead_nonce *n, uint32_t pktid,
		      const uint8_t tail[OVPN_NONCE_TAIL_LEN])
{
	n->pktid = rte_cpu_to_be_32(pktid);
	memcpy(n->tail, tail, OVPN_NONCE_TAIL_LEN);
}

/*
 * Payloads inside the data channel (§6.5; ping.c, occ.c). Both are recognised
 * after decryption and never written to the inner network.
 *
 * Keepalive ping: exactly these 16 bytes. Its first nibble is 2, so it can
 * never be taken for an IPv4 or IPv6 packet.
 *
 *   2a 18 7b f3 64 1e b4 cb 07 ed 2d 0a 98 1f c7 48
 *
 * OCC message: a 16-byte magic, then a 1-byte type, then type-specific data.
 * Explicit-exit-notify over the data channel is magic || 0x06 (17 bytes); a
 * 2.6 peer sends it only when cc-exit was not negotiated.
 *
 *   +-----------------------------------------------+------+--------
 *   | 28 7f 34 6b d4 ef 7a 81 2d 56 b8 d3 af c5 45 9c | type | data...
 *   +-----------------------------------------------+------+--------
 */
#define OVPN_PING_LEN		16
#define OVPN_PING_MAGIC { \
	0x2a, 0x18, 0x7b, 0xf3, 0x64, 0x1e, 0xb4, 0xcb, \
	0x07, 0xed, 0x2d, 0x0a, 0x98, 0x1f, 0xc7, 0x48 }

#define OVPN_OCC_MAGIC_LEN	16
#define OVPN_OCC_TYPE_OFF	16
#define OVPN_OCC_MIN_LEN	(OVPN_OCC_MAGIC_LEN + 1)
#define OVPN_OCC_MAGIC { \
	0x28, 0x7f, 0x34, 0x6b, 0xd4, 0xef, 0x7a, 0x81, \
	0x2d, 0x56, 0xb8, 0xd3, 0xaf, 0xc5, 0x45, 0x9c }

/* OCC message types (occ.h). */
enum ovpn_occ_type {
	OVPN_OCC_REQUEST = 0,		/* ask for the options string */
	OVPN_OCC_REPLY = 1,		/* options string follows */
	OVPN_OCC_MTU_LOAD_REQUEST = 2,	/* --mtu-test */
	OVPN_OCC_MTU_LOAD = 3,
	OVPN_OCC_MTU_REQUEST = 4,
	OVPN_OCC_MTU_REPLY = 5,
	OVPN_OCC_EXIT = 6,		/* explicit-exit-notify */
};

/* True if the decrypted payload is a keepalive ping. */
static inline bool
ovpn_payload_is_ping(const void *p, uint32_t len)
{
	static const uint8_t magic[OVPN_PING_LEN] = OVPN_PING_MAGIC;

	return len == OVPN_PING_LEN && memcmp(p, magic, OVPN_PING_LEN) == 0;
}

/* True if the decrypted payload is an OCC message (magic plus a type byte). */
static inline bool
ovpn_payload_is_occ(const void *p, uint32_t len)
{
	static const uint8_t magic[OVPN_OCC_MAGIC_LEN] = OVPN_OCC_MAGIC;

	return len >= OVPN_OCC_MIN_LEN && memcmp(p, magic, OVPN_OCC_MAGIC_LEN) == 0;
}

/* OCC type byte; only after ovpn_payload_is_occ() returned true. */
static inline uint8_t
ovpn_occ_type(const void *p)
{
	return ((const uint8_t *)p)[OVPN_OCC_TYPE_OFF];
}

#endif /* FT_OVPN_PROTO_H */
