/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fixture of tests/ovpn/test_tls.c and test_keyex.c: a small PKI made at test time with the
 * OpenSSL API (EC P-256, as the lab of openvpn-protocol.md §10.1) in a fresh temporary
 * directory, an OpenSSL TLS client over memory BIOs standing in for the 2.6 client, and a pump
 * that moves ciphertext between it and a src/ovpn/tls.c server session in small pieces, as the
 * reliable layer would. Tests only: not thread-safe.
 */
#ifndef FT_TESTS_OVPN_TLS_FIXTURE_H
#define FT_TESTS_OVPN_TLS_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "ovpn/tls.h"

/* Leaf certificates and their keys. All but FX_OTHER_CA are signed by the fixture CA. */
enum fx_cert {
	FX_SERVER,	/* CN=server, serverAuth */
	FX_CLIENT,	/* CN=client1, clientAuth */
	FX_EXPIRED,	/* CN=client-expired, valid until yesterday */
	FX_OTHER_CA,	/* CN=client-other, signed by another CA of the same shape */
	FX_REVOKED,	/* CN=client-revoked, listed in the CRL */
	FX_NO_CN,	/* subject O=no common name */
	FX_CERT_COUNT,
	FX_NONE = -1,	/* a client without a certificate */
};

#define FX_DIR_MAX	48
#define FX_PATH_MAX	128

struct tls_fx {
	char dir[FX_DIR_MAX];
	char ca[FX_PATH_MAX];		/* the CA certificate */
	char crl[FX_PATH_MAX];		/* the CA's CRL, revoking FX_REVOKED */
	char garbage[FX_PATH_MAX];	/* a file that is no PEM at all */
	char cert[FX_CERT_COUNT][FX_PATH_MAX];
	char key[FX_CERT_COUNT][FX_PATH_MAX];
};

/* Make the PKI; 0 or -1. */
int
tls_fx_setup(struct tls_fx *fx);

/* Delete the files and the directory. */
void
tls_fx_teardown(struct tls_fx *fx);

/* A server context on the fixture's server certificate; NULL on failure (reason printed). */
struct ovpn_tls_ctx *
tls_fx_server_ctx(const struct tls_fx *fx, bool crl, enum ovpn_tls_version min,
		  enum ovpn_tls_version max);

/*
 * An OpenSSL client (connect state, two memory BIOs) that verifies the server against the
 * fixture CA and presents @p which (FX_NONE: no certificate). Versions as SSL_CTX_set_*;
 * 0 = no bound.
 */
SSL *
tls_fx_client(const struct tls_fx *fx, enum fx_cert which, int min_version, int max_version);

/* Client ciphertext to the server in pieces of @p chunk bytes, with a handshake step after
 * each piece while the server is handshaking. Returns the last step's result (or 0). */
int
tls_fx_to_server(SSL *cli, struct ovpn_tls *srv, size_t chunk);

/* All server ciphertext to the client. Returns the number of bytes moved. */
size_t
tls_fx_to_client(struct ovpn_tls *srv, SSL *cli);

/*
 * Run both handshakes to the end. Returns the server's ovpn_tls_handshake() result; *cli_ok
 * (may be NULL) tells whether the client's SSL_do_handshake() succeeded.
 */
int
tls_fx_handshake(struct ovpn_tls *srv, SSL *cli, size_t chunk, bool *cli_ok);

#endif /* FT_TESTS_OVPN_TLS_FIXTURE_H */
