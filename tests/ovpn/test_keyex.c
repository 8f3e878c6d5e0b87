/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * src/ovpn/keyex.c: the key-method-2 message (openvpn-protocol.md §3.2) built and parsed both
 * ways, byte layout of the server's message, every truncation of a client's message, the
 * 2.6.14 peer-info of §3.3 [LAB], the OCC lookups, and the data keys: the exporter key2 against
 * the client's own SSL_export_keying_material() after a real in-process handshake (§4.2), and
 * the TLS1-PRF key2 against an independent P_MD5 xor P_SHA1 written here from RFC 2246 §5
 * (§4.3: with the two session ids, as the code and unlike the draft). No EAL.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "ovpn/keyex.h"
#include "ovpn/tls.h"
#include "tls_fixture.h"

/* §3.3 [LAB]: what a 2.6.14 client sends. */
static const char lab_peer_info[] =
	"IV_VER=2.6.14\nIV_PLAT=linux\nIV_TCPNL=1\nIV_MTU=1600\nIV_NCP=2\n"
	"IV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\nIV_PROTO=990\n"
	"IV_LZO_STUB=1\nIV_COMP_STUB=1\nIV_COMP_STUBv2=1\n";
static const char lab_client_options[] =
	"V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,auth SHA1,keysize 128,"
	"key-method 2,tls-client";
static const uint8_t client_sid[8] = { 0xc1, 0x1e, 0x17, 0x00, 0x5e, 0x55, 0x10, 0x01 };
static const uint8_t server_sid[8] = { 0x5e, 0x7e, 0x00, 0xc0, 0x0c, 0x1e, 0x00, 0x02 };

static struct tls_fx fx;

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

static void
fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + 7 * i);
}

/* A client message as 2.6.14 writes it (with optional credentials). */
static int
build_client_msg(uint8_t *buf, size_t cap, const struct ovpn_key_source *ks, const char *user,
		 const char *pass, const char *peer_info)
{
	struct ovpn_km2_msg m = {
		.key_method = OVPN_KEY_METHOD_2,
		.pre_master = ks->pre_master,
		.random1 = ks->random1,
		.random2 = ks->random2,
		.options = lab_client_options,
		.username = user,
		.password = pass,
		.peer_info = peer_info,
	};

	return ovpn_km2_build(buf, cap, true, &m);
}

static void
test_km2_client_round_trip(void **state)
{
	struct ovpn_key_source ks;
	struct ovpn_km2_msg m;
	uint8_t buf[1024];
	int len;

	fill((uint8_t *)&ks, sizeof(ks), 1);
	len = build_client_msg(buf, sizeof(buf), &ks, "alice", "s3cret", lab_peer_info);
	assert_int_equal(len, 4 + 1 + 48 + 64 + (2 + sizeof(lab_client_options)) + (2 + 6) +
				      (2 + 7) + (2 + sizeof(lab_peer_info)));
	assert_int_equal(ovpn_km2_parse(buf, (size_t)len, true, &m), 0);
	assert_int_equal(m.key_method, 2);
	assert_memory_equal(m.pre_master, ks.pre_master, 48);
	assert_memory_equal(m.random1, ks.random1, 32);
	assert_memory_equal(m.random2, ks.random2, 32);
	assert_ptr_equal(m.pre_master, buf + 5);	/* zero-copy */
	assert_string_equal(m.options, lab_client_options);
	assert_string_equal(m.username, "alice");
	assert_string_equal(m.password, "s3cret");
	assert_string_equal(m.peer_info, lab_peer_info);

	/* Without credentials: two empty strings, uint16 0 each (write_empty_string()). */
	len = build_client_msg(buf, sizeof(buf), &ks, NULL, "", lab_peer_info);
	assert_int_equal(ovpn_km2_parse(buf, (size_t)len, true, &m), 0);
	assert_string_equal(m.username, "");
	assert_string_equal(m.password, "");
	assert_string_equal(m.peer_info, lab_peer_info);
	assert_int_equal(build_client_msg(buf, 200, &ks, NULL, NULL, lab_peer_info), -ENOSPC);
}

/* §3.2: the server's message, byte for byte around its randoms. */
static void
test_km2_server_message_layout(void **state)
{
	static const uint8_t head[5] = { 0, 0, 0, 0, 2 };
	static const uint8_t tail[6] = { 0, 0, 0, 0, 0, 0 };
	const size_t olen = strlen(OVPN_KM2_SERVER_OPTIONS) + 1;
	struct ovpn_keyex kx;
	struct ovpn_key_source ks;
	struct ovpn_km2_msg m;
	uint8_t cmsg[1024], buf[512];
	int clen, len;

	fill((uint8_t *)&ks, sizeof(ks), 9);
	clen = build_client_msg(cmsg, sizeof(cmsg), &ks, NULL, NULL, lab_peer_info);
	ovpn_keyex_init(&kx);
	assert_int_equal(ovpn_keyex_write_server(&kx, NULL, buf, sizeof(buf)), -EAGAIN);
	assert_int_equal(ovpn_keyex_read_client(&kx, cmsg, (size_t)clen, NULL), 0);
	assert_int_equal(ovpn_keyex_read_client(&kx, cmsg, (size_t)clen, NULL), -EALREADY);
	assert_int_equal(ovpn_keyex_write_server(&kx, NULL, buf, 100), -ENOSPC);
	len = ovpn_keyex_write_server(&kx, NULL, buf, sizeof(buf));
	assert_int_equal(len, 5 + 64 + 2 + olen + 6);
	assert_memory_equal(buf, head, sizeof(head));
	assert_memory_equal(buf + 5, kx.server.random1, 32);
	assert_memory_equal(buf + 37, kx.server.random2, 32);
	assert_int_equal(buf[69] << 8 | buf[70], olen);
	assert_memory_equal(buf + 71, OVPN_KM2_SERVER_OPTIONS, olen);
	assert_memory_equal(buf + 71 + olen, tail, sizeof(tail));
	assert_memory_not_equal(kx.server.random1, kx.server.random2, 32);
	assert_string_equal(OVPN_KM2_SERVER_OPTIONS,
			    "V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,auth SHA1,"
			    "keysize 128,key-method 2,tls-server");
	assert_int_equal(ovpn_keyex_write_server(&kx, NULL, buf, sizeof(buf)), -EALREADY);

	/* The client's view: no pre_master, everything else empty. */
	assert_int_equal(ovpn_km2_parse(buf, (size_t)len, false, &m), 0);
	assert_null(m.pre_master);
	assert_memory_equal(m.random1, kx.server.random1, 32);
	assert_string_equal(m.options, OVPN_KM2_SERVER_OPTIONS);
	assert_string_equal(m.peer_info, "");
}

/* Every prefix of a valid message: an error before the options string ends, "" fields after. */
static void
test_km2_parse_every_truncation(void **state)
{
	const size_t opt_end = 5 + 48 + 64 + 2 + sizeof(lab_client_options);
	struct ovpn_key_source ks;
	struct ovpn_km2_msg m;
	uint8_t buf[1024];
	int len;

	fill((uint8_t *)&ks, sizeof(ks), 3);
	len = build_client_msg(buf, sizeof(buf), &ks, "u", "p", lab_peer_info);
	for (size_t n = 0; n <= (size_t)len; n++) {
		int rc = ovpn_km2_parse(buf, n, true, &m);
		/* Whole fields after the options parse; a cut inside one does not. */
		bool ok = n == opt_end || n == opt_end + 4 || n == opt_end + 8 ||
			  n == (size_t)len;

		assert_int_equal(rc, ok ? 0 : -EBADMSG);
		if (n == opt_end) {
			assert_string_equal(m.username, "");
			assert_string_equal(m.peer_info, "");
		}
	}
	/* Trailing bytes after peer-info are ignored, as 2.6 does. */
	assert_int_equal(ovpn_km2_parse(buf, (size_t)len + 3, true, &m), 0);
}

static void
test_km2_parse_rejects_malformed(void **state)
{
	struct ovpn_key_source ks;
	struct ovpn_km2_msg m;
	uint8_t buf[2048];
	char opts[600];
	int len;

	fill((uint8_t *)&ks, sizeof(ks), 5);
	len = build_client_msg(buf, sizeof(buf), &ks, NULL, NULL, lab_peer_info);
	buf[4] = 1;	/* key method 1: gone since 2.5 */
	assert_int_equal(ovpn_km2_parse(buf, (size_t)len, true, &m), -EPROTO);
	buf[4] = 0x12;	/* flags in the high bits are allowed */
	assert_int_equal(ovpn_km2_parse(buf, (size_t)len, true, &m), 0);
	buf[4] = 2;
	/* The options string without its NUL. */
	buf[117 + 2 + sizeof(lab_client_options) - 1] = 'x';
	assert_int_equal(ovpn_km2_parse(buf, (size_t)len, true, &m), -EBADMSG);
	/* A client message read as a server's has no options where they should be. */
	len = build_client_msg(buf, sizeof(buf), &ks, NULL, NULL, NULL);
	assert_int_not_equal(ovpn_km2_parse(buf, (size_t)len, false, &m), 0);
	/* Options over TLS_OPTIONS_LEN: 2.6 fails the read too. */
	memset(opts, 'o', sizeof(opts) - 1);
	opts[sizeof(opts) - 1] = '\0';
	struct ovpn_km2_msg big = {
		.key_method = 2, .pre_master = ks.pre_master, .random1 = ks.random1,
		.random2 = ks.random2, .options = opts,
	};
	assert_int_equal(ovpn_km2_build(buf, sizeof(buf), true, &big), -EINVAL);
	big.pre_master = NULL;
	assert_int_equal(ovpn_km2_build(buf, sizeof(buf), true, &big), -EINVAL);
	/* A hand-made over-long options field. */
	memset(buf, 0, sizeof(buf));
	buf[4] = 2;
	buf[117] = 600 >> 8;
	buf[118] = 600 & 0xff;
	assert_int_equal(ovpn_km2_parse(buf, 117 + 2 + 600, true, &m), -EBADMSG);
}

/* §3.3 [LAB]: IV_PROTO 990 = 2 + 4 + 8 + 16 + 64 + 128 + 256 + 512. */
static void
test_peer_info_lab_client(void **state)
{
	struct ovpn_peer_info pi;

	assert_int_equal(ovpn_peer_info_parse(lab_peer_info, &pi), 0);
	assert_string_equal(pi.ver, "2.6.14");
	assert_string_equal(pi.plat, "linux");
	assert_true(pi.has_ciphers);
	assert_string_equal(pi.ciphers, "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305");
	assert_int_equal(pi.ncp, 2);
	assert_int_equal(pi.mtu, 1600);
	assert_int_equal(pi.proto, 990);
	assert_int_equal(pi.proto, OVPN_IV_PROTO_DATA_V2 | OVPN_IV_PROTO_REQUEST_PUSH |
					   OVPN_IV_PROTO_TLS_KEY_EXPORT |
					   OVPN_IV_PROTO_AUTH_PENDING_KW |
					   OVPN_IV_PROTO_DNS_OPTION | OVPN_IV_PROTO_CC_EXIT_NOTIFY |
					   OVPN_IV_PROTO_AUTH_FAIL_TEMP |
					   OVPN_IV_PROTO_DYN_TLS_CRYPT);
	assert_false(pi.proto & OVPN_IV_PROTO_DATA_EPOCH);
}

static void
test_peer_info_edges(void **state)
{
	char longc[400];
	struct ovpn_peer_info pi;

	/* Names match whole; numbers as sscanf("%d"); no trailing newline needed. */
	ovpn_peer_info_parse("XIV_NCP=2\nIV_PROTOX=8\nIV_PROTO=12abc\nIV_MTU=-1\nIV_NCP=x", &pi);
	assert_int_equal(pi.proto, 12);
	assert_int_equal(pi.ncp, 0);
	assert_int_equal(pi.mtu, 0);
	assert_false(pi.has_ciphers);
	ovpn_peer_info_parse("IV_PROTO=99999999999\nIV_PLAT=averyveryverylongplatform", &pi);
	assert_int_equal(pi.proto, 0);
	assert_string_equal(pi.plat, "averyveryverylo");
	ovpn_peer_info_parse("", &pi);
	assert_int_equal(pi.proto, 0);
	/* An over-long IV_CIPHERS keeps whole names only. */
	strcpy(longc, "IV_CIPHERS=");
	while (strlen(longc) < 300)
		strcat(longc, "AES-128-GCM:");
	strcat(longc, "AES-256-GCM");
	ovpn_peer_info_parse(longc, &pi);
	assert_true(pi.has_ciphers);
	assert_true(strlen(pi.ciphers) < OVPN_PEER_INFO_CIPHERS_MAX);
	assert_int_equal(strlen(pi.ciphers) % 12, 11);	/* ends on a whole "AES-128-GCM" */
}

static void
test_occ_option_and_comp_lzo(void **state)
{
	struct ovpn_key_source ks;
	struct ovpn_keyex kx;
	char out[32];
	uint8_t buf[1024];

	assert_int_equal(ovpn_occ_option("V4,dev-type tun,cipher AES-128-GCM,auth SHA1", "cipher",
					 out, sizeof(out)), 0);
	assert_string_equal(out, "AES-128-GCM");
	assert_int_equal(ovpn_occ_option("V4,ciphers X,cipher BF-CBC", "cipher", out, 32), 0);
	assert_string_equal(out, "BF-CBC");
	assert_int_equal(ovpn_occ_option(lab_client_options, "cipher", out, 32), -ENOENT);
	assert_int_equal(ovpn_occ_option("V4,cipher ", "cipher", out, 32), -ENOENT);
	assert_int_equal(ovpn_occ_option("V4,cipher AES-256-GCM", "cipher", out, 5), -ENOSPC);
	assert_int_equal(ovpn_occ_option(lab_client_options, "proto", out, 32), 0);
	assert_string_equal(out, "UDPv4");

	/* read_client takes the OCC cipher and the comp-lzo marker (§11.8). */
	fill((uint8_t *)&ks, sizeof(ks), 4);
	struct ovpn_km2_msg m = {
		.key_method = 2, .pre_master = ks.pre_master, .random1 = ks.random1,
		.random2 = ks.random2,
		.options = "V4,dev-type tun,comp-lzo,cipher AES-128-GCM,tls-client",
		.peer_info = "IV_VER=2.3.18\n",
	};
	int len = ovpn_km2_build(buf, sizeof(buf), true, &m);

	ovpn_keyex_init(&kx);
	assert_int_equal(ovpn_keyex_read_client(&kx, buf, (size_t)len, &m), 0);
	assert_string_equal(kx.peer.occ_cipher, "AES-128-GCM");
	assert_true(kx.peer.occ_comp_lzo);
	assert_string_equal(kx.peer.ver, "2.3.18");
	assert_false(ovpn_keyex_uses_ekm(&kx));
	assert_memory_equal(kx.client.pre_master, ks.pre_master, 48);
}

/* RFC 2246 §5 P_hash, from HMAC alone: the independent oracle. */
static void
p_hash(const EVP_MD *md, const uint8_t *secret, size_t slen, const uint8_t *seed, size_t seedlen,
       uint8_t *out, size_t outlen)
{
	uint8_t a[EVP_MAX_MD_SIZE], buf[EVP_MAX_MD_SIZE + 128], block[EVP_MAX_MD_SIZE];
	unsigned int alen, blen;
	size_t hlen = (size_t)EVP_MD_get_size(md);

	assert_true(seedlen <= 128);
	HMAC(md, secret, (int)slen, seed, seedlen, a, &alen);		/* A(1) */
	for (size_t off = 0; off < outlen; off += hlen) {
		memcpy(buf, a, hlen);
		memcpy(buf + hlen, seed, seedlen);
		HMAC(md, secret, (int)slen, buf, hlen + seedlen, block, &blen);
		for (size_t i = 0; i < hlen && off + i < outlen; i++)
			out[off + i] ^= block[i];
		HMAC(md, secret, (int)slen, a, hlen, a, &alen);		/* A(i + 1) */
	}
}

/* TLS 1.0 PRF: P_MD5(S1) xor P_SHA1(S2), halves sharing the middle byte if odd. */
static void
tls10_prf(const uint8_t *secret, size_t slen, const uint8_t *seed, size_t seedlen, uint8_t *out,
	  size_t outlen)
{
	size_t half = (slen + 1) / 2;

	memset(out, 0, outlen);
	p_hash(EVP_md5(), secret, half, seed, seedlen, out, outlen);
	p_hash(EVP_sha1(), secret + slen - half, half, seed, seedlen, out, outlen);
}

/* §4.3 written out again: label || client part || server part [|| sids]. */
static void
oracle_key2(const struct ovpn_key_source *c, const struct ovpn_key_source *s, bool with_sids,
	    uint8_t key2[256])
{
	uint8_t seed[128], master[48];
	size_t n;

	n = strlen("OpenVPN master secret");
	memcpy(seed, "OpenVPN master secret", n);
	memcpy(seed + n, c->random1, 32);
	memcpy(seed + n + 32, s->random1, 32);
	tls10_prf(c->pre_master, 48, seed, n + 64, master, sizeof(master));
	n = strlen("OpenVPN key expansion");
	memcpy(seed, "OpenVPN key expansion", n);
	memcpy(seed + n, c->random2, 32);
	memcpy(seed + n + 32, s->random2, 32);
	n += 64;
	if (with_sids) {
		memcpy(seed + n, client_sid, 8);
		memcpy(seed + n + 8, server_sid, 8);
		n += 16;
	}
	tls10_prf(master, sizeof(master), seed, n, key2, 256);
}

static void
test_prf_key2_matches_independent_tls10_prf(void **state)
{
	struct ovpn_key_source c, s;
	uint8_t got[256], want[256], draft[256];

	for (uint8_t seed = 0; seed < 3; seed++) {
		fill((uint8_t *)&c, sizeof(c), (uint8_t)(11 + seed));
		fill((uint8_t *)&s, sizeof(s), (uint8_t)(101 + seed));
		assert_int_equal(ovpn_key2_prf(&c, &s, client_sid, server_sid, got), 0);
		oracle_key2(&c, &s, true, want);
		assert_memory_equal(got, want, sizeof(got));
		/* The openvpn-rfc draft leaves the sids out; 2.6 does not (§4.3, §11.5). */
		oracle_key2(&c, &s, false, draft);
		assert_memory_not_equal(got, draft, sizeof(got));
	}
	/* The server's pre_master is not an input (it sends none). */
	memset(s.pre_master, 0xee, sizeof(s.pre_master));
	assert_int_equal(ovpn_key2_prf(&c, &s, client_sid, server_sid, want), 0);
	assert_memory_equal(got, want, sizeof(got));
}

/*
 * A whole exchange over TLS: the client sends its message, the server reads it, answers, and
 * derives the server's key material, which must mirror the client's.
 */
static void
exchange(enum ovpn_tls_version max, const char *peer_info, struct ovpn_key_source *cks,
	 struct ovpn_key_material *srv_m, uint8_t cli_key2[256], struct ovpn_key_source *sks)
{
	struct ovpn_tls_ctx *ctx = tls_fx_server_ctx(&fx, false, OVPN_TLS_V1_2, max);
	SSL *cli = tls_fx_client(&fx, FX_CLIENT, 0, 0);
	struct ovpn_keyex kx;
	struct ovpn_km2_msg m;
	struct ovpn_tls *srv;
	uint8_t buf[2048];
	ssize_t n;
	int len;

	assert_non_null(ctx);
	assert_int_equal(ovpn_tls_create(ctx, &srv), 0);
	assert_int_equal(tls_fx_handshake(srv, cli, 1222, NULL), 0);
	assert_int_equal(RAND_bytes((uint8_t *)cks, sizeof(*cks)), 1);
	len = build_client_msg(buf, sizeof(buf), cks, NULL, NULL, peer_info);
	assert_int_equal(SSL_write(cli, buf, len), len);
	tls_fx_to_server(cli, srv, 1222);

	ovpn_keyex_init(&kx);
	n = ovpn_tls_read(srv, buf, sizeof(buf));
	assert_int_equal(n, len);
	assert_int_equal(ovpn_keyex_derive(&kx, srv, client_sid, server_sid,
					   FT_AEAD_AES_256_GCM, 0, srv_m), -EAGAIN);
	assert_int_equal(ovpn_keyex_read_client(&kx, buf, (size_t)n, &m), 0);
	len = ovpn_keyex_write_server(&kx, NULL, buf, sizeof(buf));
	assert_true(len > 0);
	assert_int_equal(ovpn_tls_write(srv, buf, (size_t)len), 0);
	memcpy(sks, &kx.server, sizeof(*sks));
	assert_int_equal(ovpn_keyex_derive(&kx, srv, client_sid, server_sid,
					   FT_AEAD_AES_256_GCM, 3, srv_m), 0);
	/* Once per key_state; the sources are wiped. */
	assert_int_equal(ovpn_keyex_derive(&kx, srv, client_sid, server_sid,
					   FT_AEAD_AES_256_GCM, 3, srv_m), -EALREADY);
	assert_true(kx.client.pre_master[0] == 0 && kx.server.random2[31] == 0);

	/* The client reads the server's message, then computes its own key2. */
	tls_fx_to_client(srv, cli);
	assert_int_equal(SSL_read(cli, buf, sizeof(buf)), len);
	assert_int_equal(ovpn_km2_parse(buf, (size_t)len, false, &m), 0);
	assert_memory_equal(m.random1, sks->random1, 32);
	if (ovpn_keyex_uses_ekm(&kx))
		assert_int_equal(SSL_export_keying_material(cli, cli_key2, 256,
							    OVPN_TLS_EKM_LABEL_DATAKEYS, 25, NULL,
							    0, 0), 1);
	SSL_free(cli);
	ovpn_tls_destroy(srv);
	ovpn_tls_ctx_destroy(ctx);
}

/* The server's keys are the client's mirrored (§4.4), from key2 at the §4.1 offsets. */
static void
assert_server_material(const struct ovpn_key_material *m, const uint8_t key2[256])
{
	struct ovpn_key_material cm;

	assert_int_equal(m->alg, FT_AEAD_AES_256_GCM);
	assert_int_equal(m->key_id, 3);
	assert_memory_equal(m->decrypt_key, key2, 32);
	assert_memory_equal(m->decrypt_tail, key2 + 64, 8);
	assert_memory_equal(m->encrypt_key, key2 + 128, 32);
	assert_memory_equal(m->encrypt_tail, key2 + 192, 8);
	assert_int_equal(ovpn_key_material_from_key2(&cm, FT_AEAD_AES_256_GCM, 3, key2, false), 0);
	assert_memory_equal(cm.encrypt_key, m->decrypt_key, 32);
	assert_memory_equal(cm.decrypt_key, m->encrypt_key, 32);
	assert_memory_equal(cm.encrypt_tail, m->decrypt_tail, 8);
	assert_memory_equal(cm.decrypt_tail, m->encrypt_tail, 8);
}

static void
test_derive_ekm_equals_client_export(void **state)
{
	static const enum ovpn_tls_version max[] = { OVPN_TLS_VERSION_ANY, OVPN_TLS_V1_2 };

	for (size_t i = 0; i < 2; i++) {
		struct ovpn_key_source cks, sks;
		struct ovpn_key_material m;
		uint8_t key2[256], prf[256];

		exchange(max[i], lab_peer_info, &cks, &m, key2, &sks);
		assert_server_material(&m, key2);
		/* Not the PRF's keys: EKM was used because of IV_PROTO bit 3. */
		assert_int_equal(ovpn_key2_prf(&cks, &sks, client_sid, server_sid, prf), 0);
		assert_memory_not_equal(prf, key2, 32);
	}
}

static void
test_derive_prf_without_ekm_bit(void **state)
{
	struct ovpn_key_source cks, sks;
	struct ovpn_key_material m;
	uint8_t key2[256], unused[256];

	/* IV_PROTO 2|4|128: no TLS_KEY_EXPORT, so the randoms and sids make the keys. */
	exchange(OVPN_TLS_VERSION_ANY, "IV_VER=2.5.0\nIV_PROTO=134\nIV_NCP=2\n", &cks, &m,
		 unused, &sks);
	oracle_key2(&cks, &sks, true, key2);
	assert_server_material(&m, key2);
}

static void
test_derive_argument_errors(void **state)
{
	struct ovpn_keyex kx;
	struct ovpn_key_material m;

	ovpn_keyex_init(&kx);
	kx.got_client = kx.sent_server = true;
	assert_int_equal(ovpn_keyex_derive(&kx, NULL, client_sid, server_sid, FT_AEAD_ALG_COUNT, 0,
					   &m), -EINVAL);
	assert_int_equal(ovpn_keyex_derive(&kx, NULL, client_sid, server_sid,
					   FT_AEAD_AES_128_GCM, 8, &m), -EINVAL);
	/* PRF path (no EKM bit): needs no TLS session. */
	assert_int_equal(ovpn_keyex_derive(&kx, NULL, client_sid, server_sid,
					   FT_AEAD_CHACHA20_POLY1305, 7, &m), 0);
	assert_int_equal(m.alg, FT_AEAD_CHACHA20_POLY1305);
	assert_int_equal(m.key_id, 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_km2_client_round_trip),
		cmocka_unit_test(test_km2_server_message_layout),
		cmocka_unit_test(test_km2_parse_every_truncation),
		cmocka_unit_test(test_km2_parse_rejects_malformed),
		cmocka_unit_test(test_peer_info_lab_client),
		cmocka_unit_test(test_peer_info_edges),
		cmocka_unit_test(test_occ_option_and_comp_lzo),
		cmocka_unit_test(test_prf_key2_matches_independent_tls10_prf),
		cmocka_unit_test(test_derive_ekm_equals_client_export),
		cmocka_unit_test(test_derive_prf_without_ekm_bit),
		cmocka_unit_test(test_derive_argument_errors),
	};

	return cmocka_run_group_tests_name("ovpn_keyex", tests, group_setup, group_teardown);
}
