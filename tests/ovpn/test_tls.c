/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * src/ovpn/tls.c: full in-process handshakes between the server session and an OpenSSL client
 * over memory BIOs, with certificates made at test time (tls_fixture.c): TLS 1.2 and 1.3,
 * ciphertext cut into small pieces as the reliable layer cuts it (openvpn-protocol.md §1.6),
 * one record per plaintext message (§3.1), the exporter without context (§4.2, §11.10), and
 * client certificates that must fail with the right reason (expired, other CA, revoked by the
 * CRL, no common name, none at all). No EAL.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "ovpn/tls.h"
#include "tls_fixture.h"

static struct tls_fx fx;

/* A server session and a client, handshaken or not. */
struct pair {
	struct ovpn_tls_ctx *ctx;
	struct ovpn_tls *srv;
	SSL *cli;
};

static void
pair_open(struct pair *p, bool crl, enum ovpn_tls_version srv_max, enum fx_cert which,
	  int cli_max)
{
	p->ctx = tls_fx_server_ctx(&fx, crl, OVPN_TLS_V1_2, srv_max);
	assert_non_null(p->ctx);
	assert_int_equal(ovpn_tls_create(p->ctx, &p->srv), 0);
	p->cli = tls_fx_client(&fx, which, 0, cli_max);
	assert_non_null(p->cli);
}

static void
pair_close(struct pair *p)
{
	SSL_free(p->cli);
	ovpn_tls_destroy(p->srv);
	ovpn_tls_ctx_destroy(p->ctx);
}

static int
group_setup(void **state)
{
	return tls_fx_setup(&fx);
}

static int
group_teardown(void **state)
{
	tls_fx_teardown(&fx);
	return 0;
}

/* Both versions, ciphertext in 100-byte pieces: the client is authenticated by its CN. */
static void
test_handshake_tls12_and_tls13_in_small_pieces(void **state)
{
	static const struct {
		enum ovpn_tls_version srv_max;
		const char *version;
	} cases[] = {
		{ OVPN_TLS_VERSION_ANY, "TLSv1.3" },
		{ OVPN_TLS_V1_2, "TLSv1.2" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pair p;
		bool cli_ok;

		pair_open(&p, false, cases[i].srv_max, FX_CLIENT, 0);
		assert_int_equal(ovpn_tls_state(p.srv), OVPN_TLS_HANDSHAKE);
		assert_string_equal(ovpn_tls_peer_cn(p.srv), "");
		assert_int_equal(tls_fx_handshake(p.srv, p.cli, 100, &cli_ok), 0);
		assert_true(cli_ok);
		assert_int_equal(ovpn_tls_state(p.srv), OVPN_TLS_ESTABLISHED);
		assert_string_equal(ovpn_tls_peer_cn(p.srv), "client1");
		assert_string_equal(ovpn_tls_version_name(p.srv), cases[i].version);
		assert_string_equal(SSL_get_version(p.cli), cases[i].version);
		assert_int_equal(ovpn_tls_verify_result(p.srv), X509_V_OK);
		/* The client checked the server too (remote-cert-tls server in the lab). */
		assert_int_equal(SSL_get_verify_result(p.cli), X509_V_OK);
		assert_string_equal(ovpn_tls_reason(p.srv), "");
		assert_int_equal(ovpn_tls_handshake(p.srv), 0);	/* idempotent */
		pair_close(&p);
	}
}

/* Each SSL_write is one record, and one ovpn_tls_read returns exactly that record. */
static void
test_plaintext_one_message_per_record(void **state)
{
	static const char m1[] = "PUSH_REQUEST";
	uint8_t big[700], buf[2048];
	struct pair p;
	int n;

	memset(big, 'x', sizeof(big));
	pair_open(&p, false, OVPN_TLS_VERSION_ANY, FX_CLIENT, 0);
	assert_int_equal(tls_fx_handshake(p.srv, p.cli, 1222, NULL), 0);
	assert_int_equal(ovpn_tls_read(p.srv, buf, sizeof(buf)), -EAGAIN);

	assert_int_equal(SSL_write(p.cli, m1, sizeof(m1)), sizeof(m1));
	assert_int_equal(SSL_write(p.cli, big, sizeof(big)), sizeof(big));
	assert_int_equal(tls_fx_to_server(p.cli, p.srv, 50), 0);
	assert_int_equal(ovpn_tls_read(p.srv, buf, sizeof(buf)), sizeof(m1));
	assert_memory_equal(buf, m1, sizeof(m1));
	/* A short buffer gets the record in pieces. */
	assert_int_equal(ovpn_tls_read(p.srv, buf, 500), 500);
	assert_int_equal(ovpn_tls_read(p.srv, buf + 500, sizeof(buf)), sizeof(big) - 500);
	assert_memory_equal(buf, big, sizeof(big));
	assert_int_equal(ovpn_tls_read(p.srv, buf, sizeof(buf)), -EAGAIN);

	assert_int_equal(ovpn_tls_write(p.srv, "PUSH_REPLY,ping 10", 19), 0);
	assert_true(ovpn_tls_pending_out(p.srv) > 19);
	tls_fx_to_client(p.srv, p.cli);
	assert_int_equal(ovpn_tls_pending_out(p.srv), 0);
	n = SSL_read(p.cli, buf, sizeof(buf));
	assert_int_equal(n, 19);
	assert_string_equal((char *)buf, "PUSH_REPLY,ping 10");
	assert_int_equal(ovpn_tls_write(p.srv, buf, 0), -EINVAL);
	assert_int_equal(ovpn_tls_write(p.srv, big, 16385), -EINVAL);
	pair_close(&p);
}

/*
 * TLS 1.3: the client writes its first message as soon as its handshake is done, so it reaches
 * the server in the same flight as the client's Finished (§1.7 [LAB]). The handshake completes
 * and the message is then readable. Server output is taken in 100-byte pieces here.
 */
static void
test_plaintext_in_same_flight_as_client_finished(void **state)
{
	static const char msg[] = "key-method-2 stand-in";
	uint8_t piece[100], buf[2048];
	struct pair p;
	size_t n;
	int r;

	pair_open(&p, false, OVPN_TLS_VERSION_ANY, FX_CLIENT, 0);
	assert_int_equal(SSL_do_handshake(p.cli), -1);			/* ClientHello */
	assert_int_equal(tls_fx_to_server(p.cli, p.srv, 1222), -EAGAIN);
	while ((n = ovpn_tls_take_out(p.srv, piece, sizeof(piece))) > 0) {
		assert_true(n <= sizeof(piece));
		BIO_write(SSL_get_rbio(p.cli), piece, (int)n);
	}
	r = SSL_do_handshake(p.cli);					/* Finished */
	assert_int_equal(r, 1);
	assert_int_equal(SSL_write(p.cli, msg, sizeof(msg)), sizeof(msg));
	assert_int_equal(ovpn_tls_state(p.srv), OVPN_TLS_HANDSHAKE);
	assert_int_equal(tls_fx_to_server(p.cli, p.srv, 1222), 0);
	assert_int_equal(ovpn_tls_state(p.srv), OVPN_TLS_ESTABLISHED);
	assert_int_equal(ovpn_tls_read(p.srv, buf, sizeof(buf)), sizeof(msg));
	assert_string_equal((char *)buf, msg);
	pair_close(&p);
}

/* §4.2: the server's exporter equals the client's, with NO context (not an empty one). */
static void
test_export_matches_client_without_context(void **state)
{
	static const char label[] = OVPN_TLS_EKM_LABEL_DATAKEYS;
	static const enum ovpn_tls_version max[] = { OVPN_TLS_VERSION_ANY, OVPN_TLS_V1_2 };

	for (size_t i = 0; i < 2; i++) {
		uint8_t s[256], c[256], c_empty[256];
		struct pair p;

		pair_open(&p, false, max[i], FX_CLIENT, 0);
		assert_int_equal(ovpn_tls_export(p.srv, label, s, sizeof(s)), -EAGAIN);
		assert_int_equal(tls_fx_handshake(p.srv, p.cli, 1222, NULL), 0);
		assert_int_equal(ovpn_tls_export(p.srv, label, s, sizeof(s)), 0);
		assert_int_equal(SSL_export_keying_material(p.cli, c, sizeof(c), label,
							    strlen(label), NULL, 0, 0), 1);
		assert_memory_equal(s, c, sizeof(s));
		/* RFC 5705: under TLS 1.2 an empty context is a different derivation (§11.10). */
		assert_int_equal(SSL_export_keying_material(p.cli, c_empty, sizeof(c_empty),
							    label, strlen(label), NULL, 0, 1), 1);
		if (max[i] == OVPN_TLS_V1_2)
			assert_memory_not_equal(s, c_empty, sizeof(s));
		else
			assert_memory_equal(s, c_empty, sizeof(s));
		pair_close(&p);
	}
}

/* Client certificates the server must refuse, each with its reason, on both versions. */
static void
test_bad_client_certificates_rejected_with_reason(void **state)
{
	static const struct {
		enum fx_cert which;
		bool crl;
		long verify;
		const char *reason;
	} cases[] = {
		{ FX_EXPIRED, false, X509_V_ERR_CERT_HAS_EXPIRED, "certificate has expired" },
		{ FX_OTHER_CA, false, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
		  "unable to get local issuer certificate" },
		{ FX_REVOKED, true, X509_V_ERR_CERT_REVOKED, "certificate revoked" },
		{ FX_NO_CN, false, X509_V_ERR_APPLICATION_VERIFICATION, "no usable common name" },
		{ FX_NONE, false, X509_V_OK, "the client sent none" },
	};
	static const enum ovpn_tls_version max[] = { OVPN_TLS_VERSION_ANY, OVPN_TLS_V1_2 };

	for (size_t v = 0; v < 2; v++) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			struct pair p;
			uint8_t buf[64];

			pair_open(&p, cases[i].crl, max[v], cases[i].which, 0);
			assert_int_equal(tls_fx_handshake(p.srv, p.cli, 300, NULL), -EACCES);
			assert_int_equal(ovpn_tls_state(p.srv), OVPN_TLS_FAILED);
			assert_int_equal(ovpn_tls_verify_result(p.srv), cases[i].verify);
			assert_non_null(strstr(ovpn_tls_reason(p.srv), cases[i].reason));
			assert_non_null(strstr(ovpn_tls_reason(p.srv), "client certificate"));
			assert_string_equal(ovpn_tls_peer_cn(p.srv), "");
			/* Sticky: nothing works after the failure. */
			assert_int_equal(ovpn_tls_handshake(p.srv), -EACCES);
			assert_int_equal(ovpn_tls_feed(p.srv, "x", 1), -EPIPE);
			assert_int_equal(ovpn_tls_write(p.srv, "x", 1), -EPIPE);
			assert_int_equal(ovpn_tls_read(p.srv, buf, sizeof(buf)), -EACCES);
			assert_int_equal(ovpn_tls_export(p.srv, "x", buf, 8), -EAGAIN);
			/* The alert went to the client, which fails too. */
			assert_true(SSL_read(p.cli, buf, sizeof(buf)) <= 0);
			ERR_clear_error();
			pair_close(&p);
		}
	}
}

/* The CRL is what refuses the revoked client; a good client passes the CRL check. */
static void
test_crl_check_only_when_configured(void **state)
{
	struct pair p;

	pair_open(&p, false, OVPN_TLS_VERSION_ANY, FX_REVOKED, 0);
	assert_int_equal(tls_fx_handshake(p.srv, p.cli, 1222, NULL), 0);
	assert_string_equal(ovpn_tls_peer_cn(p.srv), "client-revoked");
	pair_close(&p);

	pair_open(&p, true, OVPN_TLS_VERSION_ANY, FX_CLIENT, 0);
	assert_int_equal(tls_fx_handshake(p.srv, p.cli, 1222, NULL), 0);
	assert_string_equal(ovpn_tls_peer_cn(p.srv), "client1");
	pair_close(&p);
}

/* A version range with nothing in common is a protocol failure, not an auth failure. */
static void
test_version_mismatch_is_eproto(void **state)
{
	struct ovpn_tls_ctx *ctx = tls_fx_server_ctx(&fx, false, OVPN_TLS_V1_3,
						     OVPN_TLS_VERSION_ANY);
	struct ovpn_tls *srv;
	SSL *cli = tls_fx_client(&fx, FX_CLIENT, 0, TLS1_2_VERSION);
	bool cli_ok;

	assert_non_null(ctx);
	assert_int_equal(ovpn_tls_create(ctx, &srv), 0);
	ovpn_tls_ctx_destroy(ctx);	/* the session keeps the context alive */
	assert_int_equal(tls_fx_handshake(srv, cli, 1222, &cli_ok), -EPROTO);
	assert_false(cli_ok);
	assert_int_equal(ovpn_tls_state(srv), OVPN_TLS_FAILED);
	assert_non_null(strstr(ovpn_tls_reason(srv), "TLS handshake failed"));
	SSL_free(cli);
	ovpn_tls_destroy(srv);
}

static void
test_close_notify_and_input_limit(void **state)
{
	static uint8_t junk[OVPN_TLS_IN_MAX];
	struct pair p;
	uint8_t buf[64];

	pair_open(&p, false, OVPN_TLS_VERSION_ANY, FX_CLIENT, 0);
	/* Before the handshake, plaintext calls wait. */
	assert_int_equal(ovpn_tls_read(p.srv, buf, sizeof(buf)), -EAGAIN);
	assert_int_equal(ovpn_tls_write(p.srv, "x", 1), -EAGAIN);
	assert_int_equal(ovpn_tls_feed(p.srv, junk, sizeof(junk)), 0);
	assert_int_equal(ovpn_tls_feed(p.srv, junk, 1), -ENOBUFS);
	assert_non_null(strstr(ovpn_tls_reason(p.srv), "TLS input"));
	pair_close(&p);

	pair_open(&p, false, OVPN_TLS_VERSION_ANY, FX_CLIENT, 0);
	assert_int_equal(tls_fx_handshake(p.srv, p.cli, 1222, NULL), 0);
	SSL_shutdown(p.cli);
	tls_fx_to_server(p.cli, p.srv, 1222);
	assert_int_equal(ovpn_tls_read(p.srv, buf, sizeof(buf)), -ECONNRESET);
	assert_int_equal(ovpn_tls_state(p.srv), OVPN_TLS_CLOSED);
	assert_int_equal(ovpn_tls_feed(p.srv, "x", 1), -EPIPE);
	pair_close(&p);
}

/* Context errors name the file and map to an errno the config loader can report. */
static void
test_ctx_create_errors(void **state)
{
	struct ovpn_tls_conf conf;
	struct ovpn_tls_ctx *ctx;
	char reason[OVPN_TLS_REASON_MAX];

	ovpn_tls_conf_init(&conf);
	assert_int_equal(conf.min_version, OVPN_TLS_V1_2);
	assert_int_equal(ovpn_tls_ctx_create(&conf, &ctx, reason, sizeof(reason)), -EINVAL);
	assert_non_null(strstr(reason, "not configured"));
	assert_null(ctx);

	conf.ca_file = fx.ca;
	conf.cert_file = fx.cert[FX_SERVER];
	conf.key_file = "/nonexistent/server.key";
	assert_int_equal(ovpn_tls_ctx_create(&conf, &ctx, reason, sizeof(reason)), -ENOENT);
	assert_non_null(strstr(reason, "/nonexistent/server.key"));

	conf.key_file = fx.key[FX_CLIENT];
	assert_int_equal(ovpn_tls_ctx_create(&conf, &ctx, reason, sizeof(reason)), -EINVAL);
	assert_non_null(strstr(reason, "does not match"));

	conf.key_file = fx.key[FX_SERVER];
	conf.ca_file = fx.garbage;
	assert_int_equal(ovpn_tls_ctx_create(&conf, &ctx, reason, sizeof(reason)), -EINVAL);
	assert_non_null(strstr(reason, "CA file"));

	conf.ca_file = fx.ca;
	conf.crl_file = fx.garbage;
	assert_int_equal(ovpn_tls_ctx_create(&conf, &ctx, reason, sizeof(reason)), -EINVAL);
	assert_non_null(strstr(reason, "no CRL"));

	conf.crl_file = NULL;
	conf.min_version = OVPN_TLS_V1_3;
	conf.max_version = OVPN_TLS_V1_2;
	assert_int_equal(ovpn_tls_ctx_create(&conf, &ctx, NULL, 0), -EINVAL);

	conf.max_version = OVPN_TLS_VERSION_ANY;
	assert_int_equal(ovpn_tls_ctx_create(&conf, &ctx, reason, sizeof(reason)), 0);
	assert_non_null(ctx);
	ovpn_tls_ctx_destroy(ctx);
	ovpn_tls_ctx_destroy(NULL);
	ovpn_tls_destroy(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_tls12_and_tls13_in_small_pieces),
		cmocka_unit_test(test_plaintext_one_message_per_record),
		cmocka_unit_test(test_plaintext_in_same_flight_as_client_finished),
		cmocka_unit_test(test_export_matches_client_without_context),
		cmocka_unit_test(test_bad_client_certificates_rejected_with_reason),
		cmocka_unit_test(test_crl_check_only_when_configured),
		cmocka_unit_test(test_version_mismatch_is_eproto),
		cmocka_unit_test(test_close_notify_and_input_limit),
		cmocka_unit_test(test_ctx_create_errors),
	};

	return cmocka_run_group_tests_name("ovpn_tls", tests, group_setup, group_teardown);
}
