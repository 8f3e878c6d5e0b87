/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS server side of the OpenVPN control channel: one OpenSSL SSL object per key_state
 * (key_id), driven over two memory BIOs, as 2.6 does (openvpn-protocol.md §3.1;
 * ssl_openssl.c key_state_ssl_init()). Every renegotiation is a brand-new TLS handshake on a new
 * session object; there is no TLS-level renegotiation.
 *
 * Data flow (control thread):
 *
 *   reliable layer --payloads in msg-pid order--> ovpn_tls_feed()      ciphertext in
 *                                                 ovpn_tls_handshake() until 0
 *   reliable layer <--cut into P_CONTROL_V1------ ovpn_tls_take_out()  ciphertext out
 *   keyex.c / push.c <--------------------------- ovpn_tls_read()      plaintext in
 *   keyex.c / push.c ---------------------------> ovpn_tls_write()     plaintext out (1 record)
 *
 * The ciphertext is a byte stream: input may be cut anywhere (§1.6 [LAB]), and output is cut by
 * the caller into payloads of at most tls-mtu. After a failure the output may still hold a TLS
 * alert ("certificate expired" ...): send it, then drop the key_state.
 *
 * Authentication (§3.1): the client must present a certificate that chains to the configured
 * CA (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT), optionally checked against a CRL
 * (X509_V_FLAG_CRL_CHECK: leaf only, and a CRL for its issuer must then exist), with OpenSSL's
 * default "ssl_client" purpose (a client certificate whose EKU excludes clientAuth fails). The
 * verify callback records the leaf's common name (2.6 rejects a certificate without one,
 * ssl_verify.c) and the first verification failure as a reason string.
 *
 * Not here: control packets, acks and retransmission (ctrl_pkt.c, reliable.c), the key-method-2
 * message and data keys (keyex.c), push and cipher negotiation (push.c), tls-auth / tls-crypt.
 *
 * Errors are negative errno values; each failing call leaves a human-readable reason, read with
 * ovpn_tls_reason(). Control thread only; no DPDK calls, so the unit tests need no EAL.
 */
#ifndef FT_OVPN_TLS_H
#define FT_OVPN_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ovpn_tls_ctx;
struct ovpn_tls;

/* TLS protocol versions, numerically equal to OpenSSL's TLS1_x_VERSION. */
enum ovpn_tls_version {
	OVPN_TLS_VERSION_ANY = 0,	/* as max_version: the highest OpenSSL has */
	OVPN_TLS_V1_2 = 0x0303,
	OVPN_TLS_V1_3 = 0x0304,
};

/* Largest reason string, NUL included. */
#define OVPN_TLS_REASON_MAX	256
/* Longest common name kept (X.509 ub-common-name is 64 characters), NUL included. */
#define OVPN_TLS_CN_MAX		65
/*
 * Ciphertext buffered but not yet consumed by TLS, past which ovpn_tls_feed() refuses more. The
 * reliable layer holds at most 12 payloads of 2048 bytes (§1.6), so this is never reached by a
 * well-behaved peer.
 */
#define OVPN_TLS_IN_MAX		(64 * 1024)

/* The label of the data-channel keys for the TLS exporter (§4.2; ssl_backend.h). */
#define OVPN_TLS_EKM_LABEL_DATAKEYS	"EXPORTER-OpenVPN-datakeys"

/* PEM files and limits of the server context. ovpn_tls_conf_init() fills the defaults. */
struct ovpn_tls_conf {
	const char *ca_file;	/* required: trust anchors for client certificates */
	const char *cert_file;	/* required: server certificate (chain) */
	const char *key_file;	/* required: its private key, unencrypted */
	const char *crl_file;	/* NULL = no CRL check */
	enum ovpn_tls_version min_version;	/* default OVPN_TLS_V1_2 (2.6's tls-version-min) */
	enum ovpn_tls_version max_version;	/* default OVPN_TLS_VERSION_ANY */
};

/* Handshake progress of one session. */
enum ovpn_tls_state {
	OVPN_TLS_HANDSHAKE,	/* feed ciphertext, call ovpn_tls_handshake() */
	OVPN_TLS_ESTABLISHED,	/* client authenticated; plaintext may flow */
	OVPN_TLS_FAILED,	/* see ovpn_tls_reason(); only output (an alert) is left */
	OVPN_TLS_CLOSED,	/* the peer sent close_notify */
};

/* Defaults: no files, TLS 1.2 minimum, no maximum. */
void
ovpn_tls_conf_init(struct ovpn_tls_conf *conf);

/*
 * Create the server context shared by every session: load the certificate, key, CA (also sent
 * as the acceptable client CA list) and CRL, and set 2.6's options (no tickets, no
 * renegotiation, no compression, server cipher preference, session cache off; §3.1). TLS 1.3
 * session tickets are not sent (SSL_CTX_set_num_tickets(0)): no client would use them.
 * Returns 0 and *ctxp, or -EINVAL (missing file name, bad version range, unparsable PEM, key
 * not matching the certificate, CRL file without a CRL), -ENOENT / -EACCES (file missing or
 * unreadable) or -ENOMEM; on error @p reason (may be NULL) gets a message naming the file.
 * Control thread, setup or reload.
 */
int
ovpn_tls_ctx_create(const struct ovpn_tls_conf *conf, struct ovpn_tls_ctx **ctxp,
		    char *reason, size_t reason_len);

/* Drop the caller's reference; sessions still alive keep the context. NULL-safe. */
void
ovpn_tls_ctx_destroy(struct ovpn_tls_ctx *ctx);

/* A new server session (state OVPN_TLS_HANDSHAKE) on @p ctx. 0 and *tp, or -ENOMEM. */
int
ovpn_tls_create(struct ovpn_tls_ctx *ctx, struct ovpn_tls **tp);

/* Free a session and its buffers; OpenSSL wipes the secrets. NULL-safe. */
void
ovpn_tls_destroy(struct ovpn_tls *t);

/*
 * Append @p len ciphertext bytes received from the peer (copied). Payloads must come in
 * msg-pid order. 0, -ENOBUFS (more than OVPN_TLS_IN_MAX bytes waiting: the peer is flooding),
 * -EPIPE (session failed or closed) or -ENOMEM.
 */
int
ovpn_tls_feed(struct ovpn_tls *t, const void *buf, size_t len);

/*
 * Advance the handshake with the ciphertext fed so far. Returns 0 once established (and on
 * every later call), -EAGAIN while more input is needed (send ovpn_tls_take_out() first), or
 * a failure, after which the state is OVPN_TLS_FAILED:
 *   -EACCES  the client certificate was rejected (expired, unknown CA, revoked, no common
 *            name, wrong purpose, none sent); ovpn_tls_verify_result() tells which
 *   -EPROTO  any other TLS failure (version or cipher mismatch, bad record, peer alert)
 * Plaintext that arrived with the client's last flight is kept for ovpn_tls_read().
 */
int
ovpn_tls_handshake(struct ovpn_tls *t);

/* Ciphertext bytes waiting to be sent. */
size_t
ovpn_tls_pending_out(const struct ovpn_tls *t);

/* Move up to @p cap bytes of waiting ciphertext into @p buf; returns how many. */
size_t
ovpn_tls_take_out(struct ovpn_tls *t, void *buf, size_t cap);

/*
 * Read decrypted plaintext: at most one TLS record's worth, i.e. one control message as 2.6
 * writes them (§3.1); a record longer than @p cap is returned in pieces. Use a buffer of 2048
 * bytes (TLS_CHANNEL_BUF_SIZE) as 2.6 does. Returns the number of bytes (> 0), -EAGAIN (none
 * buffered, or handshake not finished), -ECONNRESET (close_notify; state CLOSED) or -EPROTO
 * (state FAILED). May produce output (alerts): check ovpn_tls_pending_out() afterwards.
 */
ssize_t
ovpn_tls_read(struct ovpn_tls *t, void *buf, size_t cap);

/*
 * Encrypt @p len bytes (1 .. 16384) as one TLS record, 2.6's framing of a control message
 * (§3.1), then take it with ovpn_tls_take_out(). 0, -EAGAIN (handshake not finished), -EINVAL
 * (length), -EPIPE (failed or closed) or -ENOMEM.
 */
int
ovpn_tls_write(struct ovpn_tls *t, const void *buf, size_t len);

/*
 * RFC 5705 / RFC 8446 §7.5 exporter with no context (not an empty one: under TLS 1.2 they
 * differ, §4.2, §11.10): @p len bytes for @p label into @p out. 0, -EAGAIN (not established)
 * or -EIO. The data keys use OVPN_TLS_EKM_LABEL_DATAKEYS (keyex.c).
 */
int
ovpn_tls_export(struct ovpn_tls *t, const char *label, uint8_t *out, size_t len);

enum ovpn_tls_state
ovpn_tls_state(const struct ovpn_tls *t);

/*
 * Why the session failed, or why the last call on it returned an error other than -EAGAIN;
 * "" if nothing failed yet. Valid until the next call on @p t.
 */
const char *
ovpn_tls_reason(const struct ovpn_tls *t);

/*
 * The certificate verification result, an X509_V_* code of OpenSSL (0 = X509_V_OK): e.g.
 * X509_V_ERR_CERT_HAS_EXPIRED (10), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY (20),
 * X509_V_ERR_CERT_REVOKED (23).
 */
long
ovpn_tls_verify_result(const struct ovpn_tls *t);

/* The client certificate's common name once verified, else "". */
const char *
ovpn_tls_peer_cn(const struct ovpn_tls *t);

/* Negotiated protocol ("TLSv1.3") and cipher ("TLS_AES_256_GCM_SHA384"), for logs. */
const char *
ovpn_tls_version_name(const struct ovpn_tls *t);
const char *
ovpn_tls_cipher_name(const struct ovpn_tls *t);

#endif /* FT_OVPN_TLS_H */
