/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parse and build OpenVPN control packets (formats and contracts in
 * ctrl_proto.h): P_CONTROL_HARD_RESET_CLIENT_V2/V3, HARD_RESET_SERVER_V2,
 * SOFT_RESET_V1, P_CONTROL_V1, P_ACK_V1 and P_CONTROL_WKC_V1, unwrapped or
 * with the field layout of tls-auth, tls-crypt and tls-crypt-v2. Pure logic:
 * no DPDK calls, no allocation, no crypto.
 *
 * Validation is strict where 2.6 never sends the case (a P_ACK_V1 with no
 * acks or with trailing bytes, an empty P_CONTROL_V1): such packets can only
 * be forged or broken, and each one gets its own drop reason. Checks follow
 * the order of the fields, so a packet is judged by its first bad field.
 *
 * Not here: HMAC, tag and cipher (the wrap step), replay windows (pktid.h
 * serves the tls-auth / tls-crypt replay-pid), the ack and retransmission
 * logic (reliable.c), the cookie (cookie.c).
 *
 * References: openvpn-protocol.md §1.2-§1.5, §2.2-§2.4, §7.1; OpenVPN 2.6
 * ssl_pkt.c (read_control_auth, tls_pre_decrypt_lite), reliable.c
 * (reliable_ack_parse), ssl.c (parse_early_negotiation_tlvs).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ovpn/ctrl_proto.h"

static const char *const drop_names[OVPN_CTRL_DROP_MAX] = {
	[OVPN_CTRL_OK] = "ok",
#define OVPN_X_NAME(e, n, d) [OVPN_CTRL_DROP_##e] = n,
	OVPN_CTRL_DROP_REASONS(OVPN_X_NAME)
#undef OVPN_X_NAME
};

static const char *const drop_descs[OVPN_CTRL_DROP_MAX] = {
	[OVPN_CTRL_OK] = "accepted",
#define OVPN_X_DESC(e, n, d) [OVPN_CTRL_DROP_##e] = d,
	OVPN_CTRL_DROP_REASONS(OVPN_X_DESC)
#undef OVPN_X_DESC
};

const char *
ovpn_ctrl_drop_name(enum ovpn_ctrl_drop r)
{
	return (unsigned int)r < OVPN_CTRL_DROP_MAX ? drop_names[r] : "?";
}

const char *
ovpn_ctrl_drop_desc(enum ovpn_ctrl_drop r)
{
	return (unsigned int)r < OVPN_CTRL_DROP_MAX ? drop_descs[r] : "?";
}

static inline uint16_t
get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Opcode and key_id rules shared by parse and build (§1.2, §7.1). */
static enum ovpn_ctrl_drop
check_opcode(uint8_t opcode, uint8_t key_id)
{
	switch (opcode) {
	case OVPN_P_CONTROL_HARD_RESET_CLIENT_V1:
	case OVPN_P_CONTROL_HARD_RESET_SERVER_V1:
		return OVPN_CTRL_DROP_OBSOLETE_OPCODE;
	case OVPN_P_CONTROL_HARD_RESET_CLIENT_V2:
	case OVPN_P_CONTROL_HARD_RESET_SERVER_V2:
	case OVPN_P_CONTROL_HARD_RESET_CLIENT_V3:
		/* A hard reset opens the session on key 0. */
		return key_id == 0 ? OVPN_CTRL_OK : OVPN_CTRL_DROP_BAD_KEY_ID;
	case OVPN_P_CONTROL_SOFT_RESET_V1:
		/* Renegotiations use 1..7; 0 is never reused in a session. */
		return key_id != 0 ? OVPN_CTRL_OK : OVPN_CTRL_DROP_BAD_KEY_ID;
	case OVPN_P_CONTROL_V1:
	case OVPN_P_ACK_V1:
	case OVPN_P_CONTROL_WKC_V1:
		return OVPN_CTRL_OK;
	default:
		return OVPN_CTRL_DROP_NOT_CONTROL;
	}
}

size_t
ovpn_ctrl_wrap_overhead(const struct ovpn_ctrl_wrap *w)
{
	switch (w->mode) {
	case OVPN_CTRL_WRAP_AUTH:
		return OVPN_CTRL_HDR_LEN + w->hmac_len + OVPN_CTRL_REPLAY_LEN;
	case OVPN_CTRL_WRAP_CRYPT:
	case OVPN_CTRL_WRAP_CRYPT_V2:
		return OVPN_TLS_CRYPT_BODY_OFF;
	default:
		return OVPN_CTRL_HDR_LEN;
	}
}

int
ovpn_ctrl_wrap_check(const struct ovpn_ctrl_wrap *w)
{
	switch (w->mode) {
	case OVPN_CTRL_WRAP_NONE:
	case OVPN_CTRL_WRAP_CRYPT:
	case OVPN_CTRL_WRAP_CRYPT_V2:
		return 0;
	case OVPN_CTRL_WRAP_AUTH:
		return w->hmac_len >= OVPN_TLS_AUTH_HMAC_MIN &&
		       w->hmac_len <= OVPN_TLS_AUTH_HMAC_MAX ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

/*
 * Cut the tls-crypt-v2 WKc off the end (§2.4): its last two bytes are its
 * length, and the tls-crypt packet before it needs at least its header.
 */
static enum ovpn_ctrl_drop
split_wkc(const uint8_t *pkt, size_t *len, struct ovpn_ctrl_wire *wire)
{
	size_t wkc_len;

	if (*len < OVPN_TLS_CRYPT_BODY_OFF + 2)
		return OVPN_CTRL_DROP_WKC_BAD_LEN;
	wkc_len = get_be16(pkt + *len - 2);
	if (wkc_len < OVPN_WKC_LEN_MIN || wkc_len > OVPN_WKC_LEN_MAX ||
	    wkc_len > *len - OVPN_TLS_CRYPT_BODY_OFF)
		return OVPN_CTRL_DROP_WKC_BAD_LEN;
	*len -= wkc_len;
	wire->wkc = pkt + *len;
	wire->wkc_len = (uint16_t)wkc_len;
	return OVPN_CTRL_OK;
}

/* Locate the wrap fields and the body for mode @p w (§2.1-§2.3). */
static enum ovpn_ctrl_drop
split_wrap(const uint8_t *pkt, size_t len, const struct ovpn_ctrl_wrap *w,
	   struct ovpn_ctrl_wire *wire)
{
	size_t off = ovpn_ctrl_wrap_overhead(w);

	if (len < off)
		return OVPN_CTRL_DROP_WRAP_SHORT;
	if (w->mode == OVPN_CTRL_WRAP_AUTH) {
		wire->mac = pkt + OVPN_TLS_AUTH_HMAC_OFF;
		wire->mac_len = w->hmac_len;
		wire->replay_pid = get_be32(pkt + OVPN_TLS_AUTH_HMAC_OFF + w->hmac_len);
		wire->replay_time = get_be32(pkt + OVPN_TLS_AUTH_HMAC_OFF + w->hmac_len + 4);
	} else if (w->mode != OVPN_CTRL_WRAP_NONE) {
		wire->mac = pkt + OVPN_TLS_CRYPT_TAG_OFF;
		wire->mac_len = OVPN_TLS_CRYPT_TAG_LEN;
		wire->replay_pid = get_be32(pkt + OVPN_TLS_CRYPT_PID_OFF);
		wire->replay_time = get_be32(pkt + OVPN_TLS_CRYPT_PID_OFF + 4);
	}
	if (len - off > UINT16_MAX)
		return OVPN_CTRL_DROP_TOO_BIG;
	wire->body = pkt + off;
	wire->body_len = (uint16_t)(len - off);
	return OVPN_CTRL_OK;
}

enum ovpn_ctrl_drop
ovpn_ctrl_split(const uint8_t *pkt, size_t len, const struct ovpn_ctrl_wrap *w,
		struct ovpn_ctrl_msg *m, struct ovpn_ctrl_wire *wire)
{
	enum ovpn_ctrl_drop r;

	memset(wire, 0, sizeof(*wire));
	if (len < OVPN_CTRL_HDR_LEN)
		return OVPN_CTRL_DROP_TOO_SHORT;
	m->opcode = ovpn_op_opcode(pkt[0]);
	m->key_id = ovpn_op_key_id(pkt[0]);
	r = check_opcode(m->opcode, m->key_id);
	if (r != OVPN_CTRL_OK)
		return r;
	memcpy(m->sid.b, pkt + OVPN_CTRL_SID_OFF, OVPN_SID_LEN);
	if (!ovpn_sid_is_defined(&m->sid))
		return OVPN_CTRL_DROP_ZERO_SID;
	if (ovpn_ctrl_has_wkc(m->opcode)) {
		if (w->mode != OVPN_CTRL_WRAP_CRYPT_V2)
			return OVPN_CTRL_DROP_WKC_UNEXPECTED;
		r = split_wkc(pkt, &len, wire);
		if (r != OVPN_CTRL_OK)
			return r;
	}
	return split_wrap(pkt, len, w, wire);
}

enum ovpn_ctrl_drop
ovpn_ctrl_body_parse(const uint8_t *body, size_t len, struct ovpn_ctrl_msg *m)
{
	size_t off;
	unsigned int n;

	m->n_acks = 0;
	m->msg_pid = 0;
	m->payload = NULL;
	m->payload_len = 0;
	if (len < 1)
		return OVPN_CTRL_DROP_ACK_SHORT;
	n = body[0];
	if (n > OVPN_CTRL_ACKS_MAX)
		return OVPN_CTRL_DROP_ACK_TOO_MANY;
	off = OVPN_CTRL_ACK_BLOCK_LEN(n);
	if (len < off)
		return OVPN_CTRL_DROP_ACK_SHORT;
	for (unsigned int i = 0; i < n; i++)
		m->acks[i] = get_be32(body + 1 + 4 * i);
	m->n_acks = (uint8_t)n;
	if (n > 0) {
		memcpy(m->ack_sid.b, body + 1 + 4 * n, OVPN_SID_LEN);
		if (!ovpn_sid_is_defined(&m->ack_sid))
			return OVPN_CTRL_DROP_ACK_ZERO_SID;
	}
	if (m->opcode == OVPN_P_ACK_V1) {
		if (n == 0)
			return OVPN_CTRL_DROP_ACK_EMPTY;
		return off == len ? OVPN_CTRL_OK : OVPN_CTRL_DROP_ACK_TRAILING;
	}
	if (len < off + OVPN_MSG_PID_LEN)
		return OVPN_CTRL_DROP_MSG_PID_SHORT;
	m->msg_pid = get_be32(body + off);
	off += OVPN_MSG_PID_LEN;
	if (len - off > OVPN_CTRL_PAYLOAD_MAX)
		return OVPN_CTRL_DROP_TOO_BIG;
	if (len == off && ovpn_ctrl_carries_tls(m->opcode))
		return OVPN_CTRL_DROP_EMPTY_PAYLOAD;
	m->payload_len = (uint16_t)(len - off);
	m->payload = m->payload_len ? body + off : NULL;
	return OVPN_CTRL_OK;
}

enum ovpn_ctrl_drop
ovpn_ctrl_parse(const uint8_t *pkt, size_t len, struct ovpn_ctrl_msg *m)
{
	static const struct ovpn_ctrl_wrap none = { .mode = OVPN_CTRL_WRAP_NONE };
	struct ovpn_ctrl_wire wire;
	enum ovpn_ctrl_drop r;

	r = ovpn_ctrl_split(pkt, len, &none, m, &wire);
	if (r != OVPN_CTRL_OK)
		return r;
	return ovpn_ctrl_body_parse(wire.body, wire.body_len, m);
}

int
ovpn_ctrl_auth_spans(const uint8_t *pkt, size_t len, uint8_t hmac_len,
		     struct ovpn_ctrl_span spans[3])
{
	size_t body_off = OVPN_CTRL_HDR_LEN + (size_t)hmac_len + OVPN_CTRL_REPLAY_LEN;

	if (len < body_off)
		return -EINVAL;
	spans[0] = (struct ovpn_ctrl_span){ pkt + OVPN_TLS_AUTH_HMAC_OFF + hmac_len,
					    OVPN_CTRL_REPLAY_LEN };
	spans[1] = (struct ovpn_ctrl_span){ pkt, OVPN_CTRL_HDR_LEN };
	spans[2] = (struct ovpn_ctrl_span){ pkt + body_off, len - body_off };
	return 0;
}

size_t
ovpn_ctrl_body_len(const struct ovpn_ctrl_msg *m)
{
	size_t n = OVPN_CTRL_ACK_BLOCK_LEN(m->n_acks);

	if (ovpn_ctrl_has_msg_pid(m->opcode))
		n += OVPN_MSG_PID_LEN + m->payload_len;
	return n;
}

/* Would ovpn_ctrl_body_parse() accept @p m's fields? (build's -EINVAL cases) */
static bool
msg_is_valid(const struct ovpn_ctrl_msg *m)
{
	if (check_opcode(m->opcode, m->key_id) != OVPN_CTRL_OK)
		return false;
	if (!ovpn_sid_is_defined(&m->sid) || m->n_acks > OVPN_CTRL_ACKS_MAX)
		return false;
	if (m->n_acks > 0 && !ovpn_sid_is_defined(&m->ack_sid))
		return false;
	if (m->payload_len > OVPN_CTRL_PAYLOAD_MAX || (m->payload_len && !m->payload))
		return false;
	if (m->opcode == OVPN_P_ACK_V1)
		return m->n_acks > 0 && m->payload_len == 0;
	return !(ovpn_ctrl_carries_tls(m->opcode) && m->payload_len == 0);
}

/* Body layout of §1.3, from the ack count on. */
static void
write_body(uint8_t *p, const struct ovpn_ctrl_msg *m)
{
	*p++ = m->n_acks;
	for (unsigned int i = 0; i < m->n_acks; i++, p += 4)
		put_be32(p, m->acks[i]);
	if (m->n_acks > 0) {
		memcpy(p, m->ack_sid.b, OVPN_SID_LEN);
		p += OVPN_SID_LEN;
	}
	if (!ovpn_ctrl_has_msg_pid(m->opcode))
		return;
	put_be32(p, m->msg_pid);
	if (m->payload_len)
		memcpy(p + OVPN_MSG_PID_LEN, m->payload, m->payload_len);
}

/* Replay fields and a zeroed HMAC / tag, where mode @p w puts them. */
static void
write_wrap(uint8_t *buf, const struct ovpn_ctrl_wrap *w, const struct ovpn_ctrl_wire *wire)
{
	size_t pid_off;

	if (w->mode == OVPN_CTRL_WRAP_NONE)
		return;
	if (w->mode == OVPN_CTRL_WRAP_AUTH) {
		memset(buf + OVPN_TLS_AUTH_HMAC_OFF, 0, w->hmac_len);
		pid_off = OVPN_TLS_AUTH_HMAC_OFF + w->hmac_len;
	} else {
		memset(buf + OVPN_TLS_CRYPT_TAG_OFF, 0, OVPN_TLS_CRYPT_TAG_LEN);
		pid_off = OVPN_TLS_CRYPT_PID_OFF;
	}
	put_be32(buf + pid_off, wire->replay_pid);
	put_be32(buf + pid_off + 4, wire->replay_time);
}

int
ovpn_ctrl_build(uint8_t *buf, size_t cap, const struct ovpn_ctrl_wrap *w,
		const struct ovpn_ctrl_msg *m, const struct ovpn_ctrl_wire *wire)
{
	size_t hdr, body, wkc_len = 0;

	if (ovpn_ctrl_wrap_check(w) != 0 || !msg_is_valid(m))
		return -EINVAL;
	if ((w->mode != OVPN_CTRL_WRAP_NONE && wire == NULL) ||
	    (ovpn_ctrl_has_wkc(m->opcode) && w->mode != OVPN_CTRL_WRAP_CRYPT_V2))
		return -EINVAL;
	if (ovpn_ctrl_has_wkc(m->opcode)) {
		wkc_len = wire->wkc_len;
		if (wkc_len < OVPN_WKC_LEN_MIN || wkc_len > OVPN_WKC_LEN_MAX || !wire->wkc)
			return -EINVAL;
	}
	hdr = ovpn_ctrl_wrap_overhead(w);
	body = ovpn_ctrl_body_len(m);
	if (hdr + body + wkc_len > cap)
		return -ENOSPC;
	buf[0] = ovpn_op_build(m->opcode, m->key_id);
	memcpy(buf + OVPN_CTRL_SID_OFF, m->sid.b, OVPN_SID_LEN);
	write_wrap(buf, w, wire);
	write_body(buf + hdr, m);
	if (wkc_len)
		memcpy(buf + hdr + body, wire->wkc, wkc_len);
	return (int)(hdr + body + wkc_len);
}

enum ovpn_ctrl_drop
ovpn_ctrl_tlv_parse(const uint8_t *p, size_t len, uint16_t *flags)
{
	size_t off = 0;

	*flags = 0;
	while (len - off >= OVPN_TLV_HDR_LEN) {
		uint16_t type = get_be16(p + off);
		uint16_t vlen = get_be16(p + off + 2);

		off += OVPN_TLV_HDR_LEN;
		if (vlen > len - off)
			return OVPN_CTRL_DROP_BAD_TLV;
		if (type == OVPN_TLV_EARLY_NEG_FLAGS) {
			if (vlen != 2)
				return OVPN_CTRL_DROP_BAD_TLV;
			*flags = get_be16(p + off);
		}
		off += vlen;
	}
	/* 2.6 ignores 1..3 stray bytes; no 2.6 peer sends them, so they are malformed. */
	return off == len ? OVPN_CTRL_OK : OVPN_CTRL_DROP_BAD_TLV;
}

int
ovpn_ctrl_tlv_build_flags(uint8_t *buf, size_t cap, uint16_t flags)
{
	if (cap < OVPN_TLV_HDR_LEN + 2)
		return -ENOSPC;
	put_be16(buf, OVPN_TLV_EARLY_NEG_FLAGS);
	put_be16(buf + 2, 2);
	put_be16(buf + 4, flags);
	return OVPN_TLV_HDR_LEN + 2;
}
