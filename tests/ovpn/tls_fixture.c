/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test PKI and TLS client for tests/ovpn (see tls_fixture.h). The certificates follow the
 * lab's openssl commands (openvpn-protocol.md §10.1): CA with keyCertSign/cRLSign, leaves with
 * digitalSignature/keyAgreement and serverAuth or clientAuth.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls_fixture.h"

#define DAY_S	(24L * 3600)

struct leaf_spec {
	const char *name;	/* file stem */
	const char *cn;		/* NULL: no CN in the subject */
	const char *eku;
	long not_before_s;	/* relative to now */
	long not_after_s;
	bool other_ca;
};

static const struct leaf_spec leaves[FX_CERT_COUNT] = {
	[FX_SERVER] = { "server", "server", "serverAuth", -60, 825 * DAY_S, false },
	[FX_CLIENT] = { "client", "client1", "clientAuth", -60, 825 * DAY_S, false },
	[FX_EXPIRED] = { "expired", "client-expired", "clientAuth", -2 * DAY_S, -DAY_S, false },
	[FX_OTHER_CA] = { "other", "client-other", "clientAuth", -60, 825 * DAY_S, true },
	[FX_REVOKED] = { "revoked", "client-revoked", "clientAuth", -60, 825 * DAY_S, false },
	[FX_NO_CN] = { "nocn", NULL, "clientAuth", -60, 825 * DAY_S, false },
};

static int
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (ext == NULL)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* A certificate for @p key; self-signed when @p issuer is NULL. */
static X509 *
make_cert(EVP_PKEY *key, const char *cn, const char *org, long serial, long nb, long na,
	  X509 *issuer, EVP_PKEY *issuer_key, const char *eku)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_get_subject_name(x);
	int rc = 0;

	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), nb);
	X509_gmtime_adj(X509_getm_notAfter(x), na);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)org, -1, -1, 0);
	if (cn != NULL)
		X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn,
					   -1, -1, 0);
	X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name);
	if (eku == NULL) {
		rc |= add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
		rc |= add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		rc |= add_ext(x, issuer, NID_basic_constraints, "CA:FALSE");
		rc |= add_ext(x, issuer, NID_key_usage, "critical,digitalSignature,keyAgreement");
		rc |= add_ext(x, issuer, NID_ext_key_usage, eku);
	}
	if (rc != 0 || X509_sign(x, issuer_key != NULL ? issuer_key : key, EVP_sha256()) == 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int
write_pem(const char *path, X509 *cert, EVP_PKEY *key, X509_CRL *crl)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (f == NULL)
		return -1;
	if (cert != NULL)
		ok = PEM_write_X509(f, cert);
	else if (key != NULL)
		ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	else
		ok = PEM_write_X509_CRL(f, crl);
	return fclose(f) == 0 && ok ? 0 : -1;
}

static X509_CRL *
make_crl(X509 *ca, EVP_PKEY *ca_key, long revoked_serial)
{
	X509_CRL *crl = X509_CRL_new();
	X509_REVOKED *r = X509_REVOKED_new();
	ASN1_INTEGER *serial = ASN1_INTEGER_new();
	ASN1_TIME *t = ASN1_TIME_new();

	X509_CRL_set_version(crl, X509_CRL_VERSION_2);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca));
	X509_gmtime_adj(t, -60);
	X509_CRL_set1_lastUpdate(crl, t);
	X509_REVOKED_set_revocationDate(r, t);
	X509_gmtime_adj(t, DAY_S);
	X509_CRL_set1_nextUpdate(crl, t);
	ASN1_INTEGER_set(serial, revoked_serial);
	X509_REVOKED_set_serialNumber(r, serial);
	X509_CRL_add0_revoked(crl, r);
	X509_CRL_sort(crl);
	ASN1_INTEGER_free(serial);
	ASN1_TIME_free(t);
	if (X509_CRL_sign(crl, ca_key, EVP_sha256()) == 0) {
		X509_CRL_free(crl);
		return NULL;
	}
	return crl;
}

static void
path(char *out, const struct tls_fx *fx, const char *stem, const char *ext)
{
	snprintf(out, FX_PATH_MAX, "%s/%s.%s", fx->dir, stem, ext);
}

/* The CA, the other CA, every leaf, the CRL and the garbage file. */
static int
make_pki(struct tls_fx *fx)
{
	EVP_PKEY *ca_key = EVP_EC_gen("P-256"), *other_key = EVP_EC_gen("P-256");
	X509 *ca = make_cert(ca_key, "Test CA", "fx", 1, -60, 3650 * DAY_S, NULL, NULL, NULL);
	X509 *other = make_cert(other_key, "Other CA", "fx", 1, -60, 3650 * DAY_S, NULL, NULL,
				NULL);
	X509_CRL *crl = NULL;
	int rc = ca != NULL && other != NULL ? 0 : -1;

	path(fx->ca, fx, "ca", "crt");
	path(fx->crl, fx, "crl", "pem");
	path(fx->garbage, fx, "garbage", "pem");
	if (rc == 0)
		rc = write_pem(fx->ca, ca, NULL, NULL);
	for (int i = 0; rc == 0 && i < FX_CERT_COUNT; i++) {
		const struct leaf_spec *s = &leaves[i];
		EVP_PKEY *key = EVP_EC_gen("P-256");
		X509 *x = make_cert(key, s->cn, "fx", 100 + i, s->not_before_s, s->not_after_s,
				    s->other_ca ? other : ca, s->other_ca ? other_key : ca_key,
				    s->eku);

		path(fx->cert[i], fx, s->name, "crt");
		path(fx->key[i], fx, s->name, "key");
		rc = x == NULL || write_pem(fx->cert[i], x, NULL, NULL) != 0 ||
		     write_pem(fx->key[i], NULL, key, NULL) != 0 ? -1 : 0;
		X509_free(x);
		EVP_PKEY_free(key);
	}
	if (rc == 0)
		crl = make_crl(ca, ca_key, 100 + FX_REVOKED);
	if (rc == 0)
		rc = crl != NULL ? write_pem(fx->crl, NULL, NULL, crl) : -1;
	if (rc == 0) {
		FILE *f = fopen(fx->garbage, "w");

		rc = f != NULL && fputs("not a certificate\n", f) >= 0 && fclose(f) == 0 ? 0 : -1;
	}
	X509_CRL_free(crl);
	X509_free(ca);
	X509_free(other);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(other_key);
	return rc;
}

int
tls_fx_setup(struct tls_fx *fx)
{
	memset(fx, 0, sizeof(*fx));
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/ovpn-tls-fx.XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	if (make_pki(fx) != 0) {
		ERR_print_errors_fp(stderr);
		tls_fx_teardown(fx);
		return -1;
	}
	return 0;
}

void
tls_fx_teardown(struct tls_fx *fx)
{
	unlink(fx->ca);
	unlink(fx->crl);
	unlink(fx->garbage);
	for (int i = 0; i < FX_CERT_COUNT; i++) {
		unlink(fx->cert[i]);
		unlink(fx->key[i]);
	}
	rmdir(fx->dir);
}

struct ovpn_tls_ctx *
tls_fx_server_ctx(const struct tls_fx *fx, bool crl, enum ovpn_tls_version min,
		  enum ovpn_tls_version max)
{
	struct ovpn_tls_conf conf;
	struct ovpn_tls_ctx *ctx;
	char reason[OVPN_TLS_REASON_MAX];

	ovpn_tls_conf_init(&conf);
	conf.ca_file = fx->ca;
	conf.cert_file = fx->cert[FX_SERVER];
	conf.key_file = fx->key[FX_SERVER];
	conf.crl_file = crl ? fx->crl : NULL;
	conf.min_version = min;
	conf.max_version = max;
	if (ovpn_tls_ctx_create(&conf, &ctx, reason, sizeof(reason)) < 0) {
		fprintf(stderr, "server ctx: %s\n", reason);
		return NULL;
	}
	return ctx;
}

SSL *
tls_fx_client(const struct tls_fx *fx, enum fx_cert which, int min_version, int max_version)
{
	SSL_CTX *sc = SSL_CTX_new(TLS_client_method());
	SSL *ssl = NULL;

	if (sc == NULL)
		return NULL;
	SSL_CTX_set_min_proto_version(sc, min_version);
	SSL_CTX_set_max_proto_version(sc, max_version);
	SSL_CTX_set_verify(sc, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_load_verify_locations(sc, fx->ca, NULL) != 1)
		goto out;
	if (which != FX_NONE &&
	    (SSL_CTX_use_certificate_file(sc, fx->cert[which], SSL_FILETYPE_PEM) != 1 ||
	     SSL_CTX_use_PrivateKey_file(sc, fx->key[which], SSL_FILETYPE_PEM) != 1))
		goto out;
	ssl = SSL_new(sc);
	if (ssl != NULL) {
		SSL_set_bio(ssl, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
		SSL_set_connect_state(ssl);
	}
out:
	SSL_CTX_free(sc);	/* the SSL keeps its reference */
	return ssl;
}

int
tls_fx_to_server(SSL *cli, struct ovpn_tls *srv, size_t chunk)
{
	BIO *out = SSL_get_wbio(cli);
	unsigned char buf[4096];
	int rc = 0;
	int n;

	if (chunk > sizeof(buf))
		chunk = sizeof(buf);
	while ((n = BIO_read(out, buf, (int)chunk)) > 0) {
		rc = ovpn_tls_feed(srv, buf, (size_t)n);
		if (rc == 0 && ovpn_tls_state(srv) == OVPN_TLS_HANDSHAKE)
			rc = ovpn_tls_handshake(srv);
	}
	return rc;
}

size_t
tls_fx_to_client(struct ovpn_tls *srv, SSL *cli)
{
	unsigned char buf[4096];
	size_t n, total = 0;

	while ((n = ovpn_tls_take_out(srv, buf, sizeof(buf))) > 0) {
		BIO_write(SSL_get_rbio(cli), buf, (int)n);
		total += n;
	}
	return total;
}

int
tls_fx_handshake(struct ovpn_tls *srv, SSL *cli, size_t chunk, bool *cli_ok)
{
	bool cli_done = false, cli_failed = false;
	int srv_rc = -EAGAIN;

	for (int round = 0; round < 16; round++) {
		if (!cli_done && !cli_failed) {
			int r = SSL_do_handshake(cli);

			cli_done = r == 1;
			cli_failed = r != 1 && SSL_get_error(cli, r) != SSL_ERROR_WANT_READ;
		}
		tls_fx_to_server(cli, srv, chunk);
		srv_rc = ovpn_tls_handshake(srv);
		tls_fx_to_client(srv, cli);
		if (srv_rc != -EAGAIN && (srv_rc != 0 || cli_done || cli_failed))
			break;
		if (cli_failed && srv_rc == -EAGAIN && ovpn_tls_pending_out(srv) == 0)
			break;
	}
	ERR_clear_error();
	if (cli_ok != NULL)
		*cli_ok = cli_done;
	return srv_rc;
}
