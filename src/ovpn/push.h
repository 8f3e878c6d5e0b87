/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the server tells a client after the key exchange: the data cipher (NCP, 2.6
 * ssl_ncp.c), the PUSH_REPLY text (2.6 push.c prepare_push_reply(), helper.c), and the text
 * control messages around it: splitting the plaintext stream into NUL-terminated messages and
 * recognising PUSH_REQUEST, EXIT and CR_RESPONSE (openvpn-protocol.md §3.1, §3.4, §5).
 *
 * Sequence (control thread), after keyex.h has read the client's message into a struct
 * ovpn_peer_info:
 *
 *   ovpn_ncp_choose()        -ENOENT --> send OVPN_CC_AUTH_FAILED_NO_CIPHER, drop the client
 *   ovpn_push_reply_build()  --> ovpn_tls_write() at once if the client set
 *                                IV_PROTO_REQUEST_PUSH (§3.4), else on its PUSH_REQUEST
 *   ovpn_cc_msg_next() / ovpn_cc_cmd_parse() on every later plaintext record
 *
 * Pure string work, no OpenSSL or DPDK calls; addresses are IPv4 in host order (as peer.h).
 * Not here: the address pool and peer-id allocation (the caller's), push-continuation for
 * replies over 1024 bytes, IPv6 (ifconfig-ipv6), dyn-tls-crypt (never pushed, §11.1).
 */
#ifndef FT_OVPN_PUSH_H
#define FT_OVPN_PUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/aead.h"
#include "ovpn/keyex.h"

/* ---------------------------------------------------------------------------------------- */
/* Cipher negotiation (§5.2)                                                                 */
/* ---------------------------------------------------------------------------------------- */

/* 2.6's default --data-ciphers. */
#define OVPN_NCP_DEFAULT	"AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305"

/* The server's --data-ciphers, in preference order. */
struct ovpn_ncp_list {
	uint8_t n;
	enum ft_aead_alg alg[FT_AEAD_ALG_COUNT];
};

/*
 * Parse a ':'-separated cipher list (names as ft_aead_alg_parse(), case-insensitive; a
 * repeated name is kept once, at its first place). 0, or -EINVAL (empty list or item, a cipher
 * the data path does not have).
 */
int
ovpn_ncp_list_parse(const char *s, struct ovpn_ncp_list *list);

/* Does the client negotiate (IV_NCP >= 2 or IV_CIPHERS)? Then "cipher" is pushed. */
bool
ovpn_peer_supports_ncp(const struct ovpn_peer_info *peer);

/*
 * 2.6 ncp_get_best_cipher(): the first cipher of the server's list that the client has. The
 * client's list is IV_CIPHERS; without it, "AES-256-GCM:AES-128-GCM" if IV_NCP >= 2, and then
 * the cipher of its OCC string counts too (only without IV_CIPHERS). 0 and *alg, or -ENOENT
 * (no shared cipher).
 */
int
ovpn_ncp_choose(const struct ovpn_ncp_list *server, const struct ovpn_peer_info *peer,
		enum ft_aead_alg *alg);

/* ---------------------------------------------------------------------------------------- */
/* PUSH_REPLY (§5.1)                                                                         */
/* ---------------------------------------------------------------------------------------- */

/* Longest PUSH_REPLY, NUL included: 2.6's PUSH_BUNDLE_SIZE (§3.1). */
#define OVPN_PUSH_REPLY_MAX	1024
#define OVPN_PUSH_ROUTES_MAX	32
/* 2.6 MAX_PEER_ID: "no peer-id", never pushed. */
#define OVPN_PEER_ID_NONE	0xffffffu

struct ovpn_push_route {
	uint32_t net;		/* host order, no bits outside mask */
	uint32_t mask;		/* contiguous */
};

/* The server's part of every reply (server + keepalive + push lines of a 2.6 config). */
struct ovpn_push_conf {
	uint32_t gateway;	/* the server's tunnel address: route-gateway */
	uint32_t netmask;	/* the tunnel subnet: ifconfig's 2nd argument (topology subnet) */
	struct ovpn_push_route routes[OVPN_PUSH_ROUTES_MAX];	/* "route net mask" */
	uint8_t n_routes;
	bool redirect_gateway;	/* "redirect-gateway def1" */
	uint32_t ping_s;	/* keepalive: 0 = not pushed */
	uint32_t ping_restart_s;
	uint32_t tun_mtu;	/* pushed to clients that sent IV_MTU; 0 = never */
};

/* No routes or redirect; 0.0.0.0 gateway and mask (set them); ping 10, ping-restart 60
 * (keepalive 10 60, §5.1); tun-mtu 1500. */
void
ovpn_push_conf_init(struct ovpn_push_conf *conf);

/* One client's part. */
struct ovpn_push_client {
	uint32_t ip;				/* its tunnel address */
	uint32_t peer_id;			/* 0 .. 0xfffffe */
	enum ft_aead_alg cipher;		/* the NCP result */
	const struct ovpn_peer_info *peer;	/* decides peer-id, cipher, flags, tun-mtu */
};

/*
 * Build "PUSH_REPLY,..." in 2.6's order: the configured push lines (routes, redirect-gateway),
 * then route-gateway, topology subnet, ping, ping-restart, ifconfig, and the per-client
 * options: peer-id (client has IV_PROTO_DATA_V2), cipher (ovpn_peer_supports_ncp()),
 * "protocol-flags cc-exit[ tls-ekm]" (IV_PROTO_CC_EXIT_NOTIFY) or else "key-derivation tls-ekm"
 * (IV_PROTO_TLS_KEY_EXPORT alone), and tun-mtu (IV_MTU sent; 2.6 pushes it even above IV_MTU).
 * tls-ekm is pushed exactly when keyex.c derives keys with the exporter.
 * Returns the bytes to send with ovpn_tls_write(), the terminating NUL included; -EINVAL (no
 * gateway, non-contiguous mask, route with host bits, peer-id out of range, bad cipher),
 * -ENOSPC (@p cap below OVPN_PUSH_REPLY_MAX and too small) or -EMSGSIZE (the reply needs more
 * than OVPN_PUSH_REPLY_MAX).
 */
int
ovpn_push_reply_build(char *buf, size_t cap, const struct ovpn_push_conf *conf,
		      const struct ovpn_push_client *client);

/* ---------------------------------------------------------------------------------------- */
/* Text control messages (§3.1, §3.4)                                                        */
/* ---------------------------------------------------------------------------------------- */

/* What a 2.6 server sends a client it refuses (client-connect / ccd `disable`; with its NUL). */
#define OVPN_CC_AUTH_FAILED "AUTH_FAILED"

/* multi.c: what a 2.6 server sends when ovpn_ncp_choose() fails (send it with its NUL). */
#define OVPN_CC_AUTH_FAILED_NO_CIPHER \
	"AUTH_FAILED,Data channel cipher negotiation failed (no shared cipher)"

/*
 * The next message in plaintext @p buf (2.6 extract_command_buffer()): messages end in NUL.
 * Returns the bytes it takes (message + NUL) with *msg pointing at it in @p buf, or *msg NULL
 * when it holds a character other than printable ASCII (2.6 drops those, CR and LF included);
 * 0 when @p buf has no NUL (keep the bytes for the next record; 2.6 holds at most 2048).
 */
size_t
ovpn_cc_msg_next(const uint8_t *buf, size_t len, const char **msg);

enum ovpn_cc_cmd {
	OVPN_CC_UNKNOWN,
	OVPN_CC_PUSH_REQUEST,	/* answer with the PUSH_REPLY (again) */
	OVPN_CC_EXIT,		/* explicit-exit-notify: the client is leaving */
	OVPN_CC_CR_RESPONSE,	/* challenge/response answer: "CR_RESPONSE,<base64>" */
};

/* Classify a client message by prefix, as 2.6's server does (forward.c, push.c). */
enum ovpn_cc_cmd
ovpn_cc_cmd_parse(const char *msg);

#endif /* FT_OVPN_PUSH_H */
