/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OpenVPN key method 2 over the TLS plaintext stream: the client's and the server's first
 * message, the client's peer-info (IV_* capabilities), and the data-channel keys of one
 * key_state, from the TLS exporter or from the legacy TLS1-PRF over the exchanged randoms
 * (openvpn-protocol.md §3.2, §3.3, §4; 2.6 ssl.c key_method_2_read() / key_method_2_write(),
 * generate_key_expansion_tls_export() / generate_key_expansion_openvpn_prf()).
 *
 * Server sequence for one key_state (key_id), control thread (§1.7: the server writes its
 * message only after it has read the client's):
 *
 *   ovpn_keyex_init()
 *   ovpn_tls_read()          --> ovpn_keyex_read_client()   client randoms, peer-info, OCC
 *   [auth: certificate CN (tls.h), username/password (msg), cipher choice (push.h)]
 *   ovpn_keyex_write_server() --> ovpn_tls_write()          server randoms, options string
 *   ovpn_keyex_derive()       --> struct ovpn_key_material  --> ovpn_keys_install() (keys.h)
 *
 * The message parser and builder are stateless and zero-copy (strings borrow the buffer) and
 * also serve a client (tests build the client's message with them).
 *
 * Not here: TLS (tls.c), the choice of cipher and PUSH_REPLY (push.c), installing keys
 * (keys.c). Control thread only; OpenSSL for randoms and the PRF, no DPDK calls.
 */
#ifndef FT_OVPN_KEYEX_H
#define FT_OVPN_KEYEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/aead.h"
#include "ovpn/keys.h"

struct ovpn_tls;

/*
 * Key-method-2 message (§3.2). Integers big-endian; a string is uint16 len || bytes || NUL with
 * len counting the NUL; an empty string is uint16 0 and nothing else.
 *
 *   off  size  field
 *   0    4     0x00000000
 *   4    1     key method 2 (low 4 bits; high bits are flags, 0)
 *   5    48    pre_master           -- client only
 *   5/53 32    random1
 *   ..   32    random2
 *   ..   2+n   options string (OCC), e.g. "V4,...,key-method 2,tls-client"
 *   ..   2+n   username             (empty unless auth-user-pass)
 *   ..   2+n   password
 *   ..   2+n   peer-info            ("IV_VER=2.6.14\nIV_PLAT=linux\n...", client only)
 *
 * The server sends no pre_master and empty username, password and peer-info.
 */
#define OVPN_KM2_PRE_MASTER_LEN		48
#define OVPN_KM2_RANDOM_LEN		32
#define OVPN_KEY_METHOD_2		2
#define OVPN_KEY_METHOD_MASK		0x0f
#define OVPN_KM2_OPTIONS_MAX		512	/* TLS_OPTIONS_LEN, NUL included */
/*
 * The options string a 2.6.14 client expects from the server in the lab configuration
 * (§3.2 [LAB]); any other string only causes a warning in the client's log.
 */
#define OVPN_KM2_SERVER_OPTIONS \
	"V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,auth SHA1,keysize 128," \
	"key-method 2,tls-server"

/*
 * One parsed (or to-be-built) message. Strings are NUL-terminated and borrow the message
 * buffer; an empty or absent field is "" (never NULL after parsing; NULL means "" to build).
 * pre_master is NULL in a server message.
 */
struct ovpn_km2_msg {
	uint8_t key_method;		/* the whole byte: method and flags */
	const uint8_t *pre_master;	/* OVPN_KM2_PRE_MASTER_LEN bytes */
	const uint8_t *random1;		/* OVPN_KM2_RANDOM_LEN bytes */
	const uint8_t *random2;
	const char *options;
	const char *username;
	const char *password;
	const char *peer_info;
};

/*
 * Parse a message of @p len bytes from the client (@p from_client) or the server. Returns 0,
 * -EBADMSG (truncated before the options string, a string without its NUL, options longer
 * than OVPN_KM2_OPTIONS_MAX) or -EPROTO (key method not 2). As 2.6, fields after the options
 * string may be missing (old peers) and read as "", and bytes after peer-info are ignored.
 */
int
ovpn_km2_parse(const uint8_t *buf, size_t len, bool from_client, struct ovpn_km2_msg *msg);

/*
 * Build @p msg into @p buf; returns the length or -ENOSPC, -EINVAL (no randoms, no pre_master
 * for a client message, a string longer than 65534 bytes, options longer than
 * OVPN_KM2_OPTIONS_MAX). The message must go out as one ovpn_tls_write().
 */
int
ovpn_km2_build(uint8_t *buf, size_t cap, bool from_client, const struct ovpn_km2_msg *msg);

/* IV_PROTO bits (§3.3; 2.6 ssl.h). A 2.6.14 client sends 990. */
enum ovpn_iv_proto {
	OVPN_IV_PROTO_DATA_V2 = 1u << 1,	 /* P_DATA_V2 and peer-id */
	OVPN_IV_PROTO_REQUEST_PUSH = 1u << 2,	 /* push without waiting for PUSH_REQUEST */
	OVPN_IV_PROTO_TLS_KEY_EXPORT = 1u << 3, /* data keys from the TLS exporter */
	OVPN_IV_PROTO_AUTH_PENDING_KW = 1u << 4,
	OVPN_IV_PROTO_NCP_P2P = 1u << 5,
	OVPN_IV_PROTO_DNS_OPTION = 1u << 6,
	OVPN_IV_PROTO_CC_EXIT_NOTIFY = 1u << 7, /* EXIT on the control channel; protocol-flags */
	OVPN_IV_PROTO_AUTH_FAIL_TEMP = 1u << 8,
	OVPN_IV_PROTO_DYN_TLS_CRYPT = 1u << 9,
	OVPN_IV_PROTO_DATA_EPOCH = 1u << 10,	 /* 2.7+ */
	OVPN_IV_PROTO_DNS_OPTION_V2 = 1u << 11, /* master */
	OVPN_IV_PROTO_PUSH_UPDATE = 1u << 12,	 /* master */
};

#define OVPN_PEER_INFO_VER_MAX		32
#define OVPN_PEER_INFO_PLAT_MAX		16
#define OVPN_PEER_INFO_CIPHERS_MAX	256
#define OVPN_OCC_CIPHER_MAX		48

/*
 * What the server needs from the client's message, copied (it outlives the plaintext buffer).
 * Absent numbers are 0 and absent strings "". Text longer than a field is cut (IV_CIPHERS at
 * the last whole name that fits).
 */
struct ovpn_peer_info {
	char ver[OVPN_PEER_INFO_VER_MAX];		/* IV_VER */
	char plat[OVPN_PEER_INFO_PLAT_MAX];		/* IV_PLAT */
	char ciphers[OVPN_PEER_INFO_CIPHERS_MAX];	/* IV_CIPHERS, ':'-separated */
	bool has_ciphers;				/* IV_CIPHERS present */
	uint32_t proto;					/* IV_PROTO, enum ovpn_iv_proto bits */
	uint32_t ncp;					/* IV_NCP */
	uint32_t mtu;					/* IV_MTU */
	/* From the options (OCC) string, not the peer-info: */
	char occ_cipher[OVPN_OCC_CIPHER_MAX];		/* "cipher X" */
	bool occ_comp_lzo;				/* ",comp-lzo," (§11.8) */
};

/*
 * Parse the '\n'-separated peer-info text @p s (NUL-terminated) into @p pi (OCC fields are
 * left empty). Unknown variables are ignored; a number that does not parse reads as 0, as
 * 2.6's sscanf. Returns 0.
 */
int
ovpn_peer_info_parse(const char *s, struct ovpn_peer_info *pi);

/*
 * The value of option @p name in an OCC options string ("V4,dev-type tun,cipher X,...") into
 * @p out (2.6 options_string_extract_option()). 0, -ENOENT or -ENOSPC.
 */
int
ovpn_occ_option(const char *options, const char *name, char *out, size_t cap);

/* One side's key-method-2 randoms (2.6 struct key_source). */
struct ovpn_key_source {
	uint8_t pre_master[OVPN_KM2_PRE_MASTER_LEN];	/* the client's only */
	uint8_t random1[OVPN_KM2_RANDOM_LEN];
	uint8_t random2[OVPN_KM2_RANDOM_LEN];
};

/*
 * Legacy data keys (§4.3), for clients without IV_PROTO_TLS_KEY_EXPORT, with the TLS 1.0 PRF
 * (P_MD5 xor P_SHA1):
 *   master = PRF(client.pre_master, "OpenVPN master secret" || client.random1 || server.random1)
 *   key2   = PRF(master, "OpenVPN key expansion" || client.random2 || server.random2
 *                        || client_sid || server_sid)
 * with the 8-byte session ids each side uses on the wire (the server's is its cookie).
 * 0, or -EIO (MD5 unavailable, e.g. FIPS mode). The caller wipes @p key2.
 */
int
ovpn_key2_prf(const struct ovpn_key_source *client, const struct ovpn_key_source *server,
	      const uint8_t client_sid[8], const uint8_t server_sid[8],
	      uint8_t key2[OVPN_KEY2_LEN]);

/*
 * Data keys from the TLS exporter (§4.2): 256 bytes for "EXPORTER-OpenVPN-datakeys", no
 * context, on the established session @p tls. 0, -EAGAIN or -EIO.
 */
int
ovpn_key2_ekm(struct ovpn_tls *tls, uint8_t key2[OVPN_KEY2_LEN]);

/* Key exchange state of one key_state. */
struct ovpn_keyex {
	struct ovpn_key_source client;
	struct ovpn_key_source server;
	struct ovpn_peer_info peer;
	bool got_client;
	bool sent_server;
	bool derived;			/* key sources used and wiped */
};

void
ovpn_keyex_init(struct ovpn_keyex *kx);

/*
 * Take the client's message (the first plaintext record): keep its randoms, parse its
 * peer-info and OCC cipher. @p msg (may be NULL) gets the parsed message, whose strings borrow
 * @p buf: check username/password before wiping @p buf. 0, -EBADMSG / -EPROTO (see
 * ovpn_km2_parse()) or -EALREADY (already read).
 */
int
ovpn_keyex_read_client(struct ovpn_keyex *kx, const uint8_t *buf, size_t len,
		       struct ovpn_km2_msg *msg);

/*
 * Pick the server's randoms and build its message with options string @p options (NULL:
 * OVPN_KM2_SERVER_OPTIONS) into @p buf. Returns the length, -EAGAIN (client message not read
 * yet), -EALREADY, -ENOSPC, -EINVAL (options too long) or -EIO (no randomness).
 */
int
ovpn_keyex_write_server(struct ovpn_keyex *kx, const char *options, uint8_t *buf, size_t cap);

/* Will the keys come from the TLS exporter? Iff the client set IV_PROTO_TLS_KEY_EXPORT. */
bool
ovpn_keyex_uses_ekm(const struct ovpn_keyex *kx);

/*
 * The server's data keys for key_id @p key_id and cipher @p alg: key2 by EKM or PRF (as
 * ovpn_keyex_uses_ekm() says; @p tls must be established, the sids are used by the PRF only),
 * mapped by ovpn_key_material_from_key2(server = true). Wipes key2 and the key sources (once
 * per key_state, as 2.6). 0, -EAGAIN (messages not both exchanged), -EALREADY, -EINVAL (alg,
 * key_id) or -EIO. The caller wipes @p m after install.
 */
int
ovpn_keyex_derive(struct ovpn_keyex *kx, struct ovpn_tls *tls, const uint8_t client_sid[8],
		  const uint8_t server_sid[8], enum ft_aead_alg alg, uint8_t key_id,
		  struct ovpn_key_material *m);

/* Wipe the key sources (when the key_state dies before derive). */
void
ovpn_keyex_wipe(struct ovpn_keyex *kx);

#endif /* FT_OVPN_KEYEX_H */
