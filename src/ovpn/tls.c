/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS server sessions of the OpenVPN control channel over OpenSSL memory BIOs: the server
 * context (certificate, key, CA, CRL, 2.6's protocol options) and one session per key_state,
 * fed with ciphertext from the reliable layer and drained of ciphertext for it, with plaintext
 * read and written one record per control message (openvpn-protocol.md §3.1; 2.6
 * ssl_openssl.c tls_ctx_server_new(), tls_ctx_set_options(), key_state_ssl_init(),
 * key_state_write_ciphertext() / key_state_read_plaintext(); ssl_verify_openssl.c
 * verify_callback()).
 *
 * What it does not do: split ciphertext into control packets or retransmit (reliable.c), parse
 * plaintext (keyex.c, push.c), derive data keys (keyex.c, through ovpn_tls_export()), reload
 * the CRL at run time (a new context per reload), or check the client's EKU beyond OpenSSL's
 * default purpose (2.6's --remote-cert-tls client is optional on a server).
 *
 * Errors: OpenSSL's thread-local error queue is cleared before each OpenSSL call that can fail
 * and read right after it, so one session's error never leaks into another's reason.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "ovpn/tls.h"

struct ovpn_tls_ctx {
	SSL_CTX *ssl_ctx;
};

struct ovpn_tls {
	SSL *ssl;
	BIO *in;			/* ciphertext from the peer; owned by ssl */
	BIO *out;			/* ciphertext to the peer; owned by ssl */
	enum ovpn_tls_state state;
	int err;			/* the failure's errno value, once FAILED or CLOSED */
	bool verify_failed;		/* reason holds the verify callback's words: keep them */
	char cn[OVPN_TLS_CN_MAX];
	char reason[OVPN_TLS_REASON_MAX];
};

/* TLSPlaintext.length limit (RFC 8446 §5.1): one control message is one record. */
#define TLS_RECORD_PLAIN_MAX	16384

/* Format @p fmt into @p buf (if any), append OpenSSL's earliest queued error, clear the queue. */
static void
set_reason(char *buf, size_t cap, const char *fmt, ...)
{
	unsigned long e = ERR_peek_error();
	size_t n;
	va_list ap;

	if (buf != NULL && cap > 0) {
		va_start(ap, fmt);
		vsnprintf(buf, cap, fmt, ap);
		va_end(ap);
		n = strlen(buf);
		if (e != 0 && n + 3 < cap) {
			memcpy(buf + n, ": ", 3);
			ERR_error_string_n(e, buf + n + 2, cap - n - 2);
		}
	}
	ERR_clear_error();
}

/* -errno if @p path cannot be read, with the reason naming it (@p what: "CA file" ...). */
static int
check_readable(const char *what, const char *path, char *reason, size_t cap)
{
	int rc;

	if (path == NULL || path[0] == '\0') {
		set_reason(reason, cap, "%s not configured", what);
		return -EINVAL;
	}
	if (access(path, R_OK) == 0)
		return 0;
	rc = -errno;
	set_reason(reason, cap, "%s %s: %s", what, path, strerror(-rc));
	return rc;
}

static bool
version_ok(enum ovpn_tls_version v, bool is_max)
{
	return v == OVPN_TLS_V1_2 || v == OVPN_TLS_V1_3 || (is_max && v == OVPN_TLS_VERSION_ANY);
}

/* Keep the leaf's common name if it is printable text: 2.6 rejects a client without one. */
static int
copy_common_name(X509 *cert, char *cn, size_t cap)
{
	X509_NAME *name = X509_get_subject_name(cert);
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	unsigned char *utf8 = NULL;
	int len, rc = -EINVAL;

	if (i < 0)
		return -ENOENT;
	len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
	if (len > 0 && (size_t)len < cap) {
		rc = 0;
		for (int k = 0; k < len; k++)
			if (utf8[k] < 0x20 || utf8[k] == 0x7f)
				rc = -EINVAL;	/* NUL, newline ...: unsafe in logs and scripts */
		if (rc == 0) {
			memcpy(cn, utf8, (size_t)len);
			cn[len] = '\0';
		}
	}
	OPENSSL_free(utf8);
	return rc;
}

/*
 * Called by OpenSSL for each certificate of the client's chain, root first, then again on a
 * failure with ok = 0. Records the first failure as the session's reason and the leaf's common
 * name on success (2.6 ssl_verify_openssl.c verify_callback()).
 */
static int
verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct ovpn_tls *t = SSL_get_app_data(ssl);
	X509 *cert = X509_STORE_CTX_get_current_cert(xs);
	int depth = X509_STORE_CTX_get_error_depth(xs);
	char subject[128] = "?";

	if (cert != NULL)
		X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof(subject));
	if (ok && depth == 0 && copy_common_name(cert, t->cn, sizeof(t->cn)) < 0) {
		X509_STORE_CTX_set_error(xs, X509_V_ERR_APPLICATION_VERIFICATION);
		snprintf(t->reason, sizeof(t->reason),
			 "client certificate rejected: no usable common name (subject %s)",
			 subject);
		t->verify_failed = true;
		ok = 0;
	} else if (!ok && !t->verify_failed) {
		snprintf(t->reason, sizeof(t->reason),
			 "client certificate rejected: %s (depth %d, subject %s)",
			 X509_verify_cert_error_string(X509_STORE_CTX_get_error(xs)), depth,
			 subject);
		t->verify_failed = true;
	}
	if (!ok)
		t->cn[0] = '\0';
	return ok;
}

/* 2.6's server context options (§3.1) and the version range. */
static int
setup_protocol(SSL_CTX *sc, const struct ovpn_tls_conf *conf, char *reason, size_t cap)
{
	if (!SSL_CTX_set_min_proto_version(sc, conf->min_version) ||
	    !SSL_CTX_set_max_proto_version(sc, conf->max_version)) {
		set_reason(reason, cap, "TLS version range not supported");
		return -EINVAL;
	}
	SSL_CTX_set_options(sc, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
				SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_session_cache_mode(sc, SSL_SESS_CACHE_OFF);
	/* SSL_OP_NO_TICKET alone only makes TLS 1.3 tickets stateful (§1.7): send none. */
	SSL_CTX_set_num_tickets(sc, 0);
	/* Many idle sessions: give the 16 KiB record buffers back between records. */
	SSL_CTX_set_mode(sc, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_verify(sc, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_cb);
	return 0;
}

static int
load_identity(SSL_CTX *sc, const struct ovpn_tls_conf *conf, char *reason, size_t cap)
{
	int rc;

	rc = check_readable("certificate file", conf->cert_file, reason, cap);
	if (rc == 0)
		rc = check_readable("key file", conf->key_file, reason, cap);
	if (rc < 0)
		return rc;
	ERR_clear_error();
	if (SSL_CTX_use_certificate_chain_file(sc, conf->cert_file) != 1) {
		set_reason(reason, cap, "certificate file %s", conf->cert_file);
		return -EINVAL;
	}
	/* Loading the key already compares it with the certificate (key values mismatch). */
	if (SSL_CTX_use_PrivateKey_file(sc, conf->key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(sc) != 1) {
		unsigned long e = ERR_peek_error();

		if (ERR_GET_LIB(e) == ERR_LIB_X509 &&
		    ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH)
			set_reason(reason, cap, "key file %s does not match certificate %s",
				   conf->key_file, conf->cert_file);
		else
			set_reason(reason, cap, "key file %s", conf->key_file);
		return -EINVAL;
	}
	return 0;
}

/* CA for verification and as the client CA list; CRL into the same store. */
static int
load_trust(SSL_CTX *sc, const struct ovpn_tls_conf *conf, char *reason, size_t cap)
{
	STACK_OF(X509_NAME) *names;
	X509_STORE *store = SSL_CTX_get_cert_store(sc);
	X509_LOOKUP *lookup;
	int rc;

	rc = check_readable("CA file", conf->ca_file, reason, cap);
	if (rc < 0)
		return rc;
	ERR_clear_error();
	names = SSL_load_client_CA_file(conf->ca_file);
	if (names == NULL || SSL_CTX_load_verify_locations(sc, conf->ca_file, NULL) != 1) {
		sk_X509_NAME_pop_free(names, X509_NAME_free);
		set_reason(reason, cap, "CA file %s: no usable certificate", conf->ca_file);
		return -EINVAL;
	}
	SSL_CTX_set_client_CA_list(sc, names);
	if (conf->crl_file == NULL)
		return 0;
	rc = check_readable("CRL file", conf->crl_file, reason, cap);
	if (rc < 0)
		return rc;
	lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file());
	if (lookup == NULL || X509_load_crl_file(lookup, conf->crl_file, X509_FILETYPE_PEM) <= 0) {
		set_reason(reason, cap, "CRL file %s: no CRL", conf->crl_file);
		return -EINVAL;
	}
	X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
	return 0;
}

/* Mark @p t failed with @p err; the reason is "<what><detail>: <OpenSSL's error>". */
static int
fail(struct ovpn_tls *t, int err, const char *what, const char *detail)
{
	if (!t->verify_failed)
		set_reason(t->reason, sizeof(t->reason), "%s%s", what, detail);
	ERR_clear_error();
	t->state = err == -ECONNRESET ? OVPN_TLS_CLOSED : OVPN_TLS_FAILED;
	t->err = err;
	return err;
}

/* Classify the result @p ret of an SSL call made during @p what. */
static int
ssl_result(struct ovpn_tls *t, int ret, const char *what)
{
	int e = SSL_get_error(t->ssl, ret);
	unsigned long q = ERR_peek_error();

	switch (e) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return fail(t, -ECONNRESET, what, ": the peer closed the TLS session");
	default:
		break;
	}
	if (SSL_get_verify_result(t->ssl) != X509_V_OK)
		return fail(t, -EACCES, what, ": client certificate rejected");
	if (ERR_GET_LIB(q) == ERR_LIB_SSL &&
	    ERR_GET_REASON(q) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
		return fail(t, -EACCES, what, ": client certificate rejected: the client sent none");
	return fail(t, -EPROTO, what, " failed");
}

static bool
is_over(const struct ovpn_tls *t)
{
	return t->state == OVPN_TLS_FAILED || t->state == OVPN_TLS_CLOSED;
}

void
ovpn_tls_conf_init(struct ovpn_tls_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->min_version = OVPN_TLS_V1_2;
	conf->max_version = OVPN_TLS_VERSION_ANY;
}

int
ovpn_tls_ctx_create(const struct ovpn_tls_conf *conf, struct ovpn_tls_ctx **ctxp,
		    char *reason, size_t reason_len)
{
	struct ovpn_tls_ctx *ctx;
	SSL_CTX *sc;
	int rc;

	*ctxp = NULL;
	if (!version_ok(conf->min_version, false) || !version_ok(conf->max_version, true) ||
	    (conf->max_version != OVPN_TLS_VERSION_ANY && conf->max_version < conf->min_version)) {
		set_reason(reason, reason_len, "bad TLS version range %#x..%#x",
			   conf->min_version, conf->max_version);
		return -EINVAL;
	}
	ERR_clear_error();
	sc = SSL_CTX_new(TLS_server_method());
	if (sc == NULL) {
		set_reason(reason, reason_len, "SSL_CTX_new");
		return -ENOMEM;
	}
	rc = setup_protocol(sc, conf, reason, reason_len);
	if (rc == 0)
		rc = load_identity(sc, conf, reason, reason_len);
	if (rc == 0)
		rc = load_trust(sc, conf, reason, reason_len);
	if (rc < 0)
		goto err_free_ssl_ctx;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		set_reason(reason, reason_len, "out of memory");
		rc = -ENOMEM;
		goto err_free_ssl_ctx;
	}
	ctx->ssl_ctx = sc;
	*ctxp = ctx;
	return 0;

err_free_ssl_ctx:
	SSL_CTX_free(sc);
	return rc;
}

void
ovpn_tls_ctx_destroy(struct ovpn_tls_ctx *ctx)
{
	if (ctx == NULL)
		return;
	SSL_CTX_free(ctx->ssl_ctx);	/* refcounted: live sessions keep it */
	free(ctx);
}

int
ovpn_tls_create(struct ovpn_tls_ctx *ctx, struct ovpn_tls **tp)
{
	struct ovpn_tls *t;

	*tp = NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	ERR_clear_error();
	t->ssl = SSL_new(ctx->ssl_ctx);
	t->in = BIO_new(BIO_s_mem());
	t->out = BIO_new(BIO_s_mem());
	if (t->ssl == NULL || t->in == NULL || t->out == NULL)
		goto err_free;
	/* An empty in-BIO reads as "retry" (eof_return -1, the BIO_s_mem default). */
	SSL_set_bio(t->ssl, t->in, t->out);
	SSL_set_app_data(t->ssl, t);
	SSL_set_accept_state(t->ssl);
	t->state = OVPN_TLS_HANDSHAKE;
	*tp = t;
	return 0;

err_free:
	BIO_free(t->in);
	BIO_free(t->out);
	SSL_free(t->ssl);
	free(t);
	ERR_clear_error();
	return -ENOMEM;
}

void
ovpn_tls_destroy(struct ovpn_tls *t)
{
	if (t == NULL)
		return;
	SSL_free(t->ssl);	/* frees both BIOs */
	free(t);
}

int
ovpn_tls_feed(struct ovpn_tls *t, const void *buf, size_t len)
{
	if (is_over(t))
		return -EPIPE;
	if (len == 0)
		return 0;
	if (BIO_ctrl_pending(t->in) + len > OVPN_TLS_IN_MAX) {
		snprintf(t->reason, sizeof(t->reason),
			 "more than %d bytes of TLS input waiting", OVPN_TLS_IN_MAX);
		return -ENOBUFS;
	}
	ERR_clear_error();
	if (BIO_write(t->in, buf, (int)len) != (int)len) {
		set_reason(t->reason, sizeof(t->reason), "BIO_write");
		return -ENOMEM;
	}
	return 0;
}

int
ovpn_tls_handshake(struct ovpn_tls *t)
{
	int ret;

	if (t->state == OVPN_TLS_ESTABLISHED)
		return 0;
	if (is_over(t))
		return t->err;
	ERR_clear_error();
	ret = SSL_do_handshake(t->ssl);
	if (ret != 1)
		return ssl_result(t, ret, "TLS handshake");
	/* FAIL_IF_NO_PEER_CERT and verify_cb guarantee both; be explicit anyway. */
	if (SSL_get0_peer_certificate(t->ssl) == NULL || t->cn[0] == '\0')
		return fail(t, -EACCES, "TLS handshake", ": client certificate rejected");
	t->state = OVPN_TLS_ESTABLISHED;
	return 0;
}

size_t
ovpn_tls_pending_out(const struct ovpn_tls *t)
{
	return BIO_ctrl_pending(t->out);
}

size_t
ovpn_tls_take_out(struct ovpn_tls *t, void *buf, size_t cap)
{
	size_t n = 0;

	if (cap == 0 || BIO_ctrl_pending(t->out) == 0)
		return 0;
	if (BIO_read_ex(t->out, buf, cap, &n) != 1)
		n = 0;
	ERR_clear_error();
	return n;
}

ssize_t
ovpn_tls_read(struct ovpn_tls *t, void *buf, size_t cap)
{
	size_t n = 0;

	if (is_over(t))
		return t->err;
	if (t->state != OVPN_TLS_ESTABLISHED || cap == 0)
		return -EAGAIN;
	ERR_clear_error();
	if (SSL_read_ex(t->ssl, buf, cap, &n) == 1)
		return (ssize_t)n;
	return ssl_result(t, 0, "TLS read");
}

int
ovpn_tls_write(struct ovpn_tls *t, const void *buf, size_t len)
{
	size_t n = 0;
	int rc;

	if (is_over(t))
		return -EPIPE;
	if (t->state != OVPN_TLS_ESTABLISHED)
		return -EAGAIN;
	if (len == 0 || len > TLS_RECORD_PLAIN_MAX)
		return -EINVAL;
	ERR_clear_error();
	if (SSL_write_ex(t->ssl, buf, len, &n) == 1 && n == len)
		return 0;
	/* The out-BIO grows, so a retry result means memory ran out. */
	rc = ssl_result(t, 0, "TLS write");
	return rc == -EAGAIN ? -ENOMEM : rc;
}

int
ovpn_tls_export(struct ovpn_tls *t, const char *label, uint8_t *out, size_t len)
{
	if (t->state != OVPN_TLS_ESTABLISHED)
		return -EAGAIN;
	ERR_clear_error();
	/* use_context = 0: RFC 5705's "no context", as 2.6 (§4.2). */
	if (SSL_export_keying_material(t->ssl, out, len, label, strlen(label), NULL, 0, 0) != 1) {
		set_reason(t->reason, sizeof(t->reason), "TLS exporter %s", label);
		return -EIO;
	}
	return 0;
}

enum ovpn_tls_state
ovpn_tls_state(const struct ovpn_tls *t)
{
	return t->state;
}

const char *
ovpn_tls_reason(const struct ovpn_tls *t)
{
	return t->reason;
}

long
ovpn_tls_verify_result(const struct ovpn_tls *t)
{
	return SSL_get_verify_result(t->ssl);
}

const char *
ovpn_tls_peer_cn(const struct ovpn_tls *t)
{
	return t->state == OVPN_TLS_ESTABLISHED ? t->cn : "";
}

const char *
ovpn_tls_version_name(const struct ovpn_tls *t)
{
	return SSL_get_version(t->ssl);
}

const char *
ovpn_tls_cipher_name(const struct ovpn_tls *t)
{
	const char *name = SSL_get_cipher_name(t->ssl);

	return name != NULL ? name : "";
}
