/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * src/ovpn/push.c: PUSH_REPLY golden strings (openvpn-protocol.md §5.1: the reference's minimal
 * push and the 2.6.14 lab push without dyn-tls-crypt, §11.1), the per-client options by
 * IV_PROTO / IV_NCP / IV_MTU, the NCP choice table (§5.2), and the text control messages
 * (§3.1, §3.4). Pure: no EAL, no OpenSSL.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ovpn/keyex.h"
#include "ovpn/push.h"

#define IP4(a, b, c, d)	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static const char lab_peer_info[] =
	"IV_VER=2.6.14\nIV_PLAT=linux\nIV_TCPNL=1\nIV_MTU=1600\nIV_NCP=2\n"
	"IV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\nIV_PROTO=990\n"
	"IV_LZO_STUB=1\nIV_COMP_STUB=1\nIV_COMP_STUBv2=1\n";

static void
conf_subnet(struct ovpn_push_conf *c, uint32_t net)
{
	ovpn_push_conf_init(c);
	c->gateway = net + 1;
	c->netmask = IP4(255, 255, 255, 0);
}

/* §5.1 "Minimal push for a DPDK server that does not implement dyn-tls-crypt", verbatim. */
static void
test_push_reply_reference_minimal(void **state)
{
	static const char want[] =
		"PUSH_REPLY,route-gateway 10.8.0.1,topology subnet,ping 10,ping-restart 60,"
		"ifconfig 10.8.0.2 255.255.255.0,peer-id 7,cipher AES-256-GCM,"
		"protocol-flags cc-exit tls-ekm,tun-mtu 1500";
	struct ovpn_push_conf conf;
	struct ovpn_peer_info pi;
	char buf[OVPN_PUSH_REPLY_MAX];

	conf_subnet(&conf, IP4(10, 8, 0, 0));
	ovpn_peer_info_parse(lab_peer_info, &pi);
	struct ovpn_push_client cl = { IP4(10, 8, 0, 2), 7, FT_AEAD_AES_256_GCM, &pi };

	assert_int_equal(ovpn_push_reply_build(buf, sizeof(buf), &conf, &cl), sizeof(want));
	assert_string_equal(buf, want);
}

/* §5.1 [LAB]: what 2.6.14 pushed, minus dyn-tls-crypt, which this server never pushes. */
static void
test_push_reply_lab_2614_without_dyn_tls_crypt(void **state)
{
	static const char want[] =
		"PUSH_REPLY,route-gateway 10.66.0.1,topology subnet,ping 10,ping-restart 60,"
		"ifconfig 10.66.0.2 255.255.255.0,peer-id 0,cipher AES-256-GCM,"
		"protocol-flags cc-exit tls-ekm,tun-mtu 1500";
	struct ovpn_push_conf conf;
	struct ovpn_peer_info pi;
	char buf[OVPN_PUSH_REPLY_MAX];

	conf_subnet(&conf, IP4(10, 66, 0, 0));
	ovpn_peer_info_parse(lab_peer_info, &pi);
	assert_true(pi.proto & OVPN_IV_PROTO_DYN_TLS_CRYPT);	/* asked for, not given */
	struct ovpn_push_client cl = { IP4(10, 66, 0, 2), 0, FT_AEAD_AES_256_GCM, &pi };

	assert_int_equal(ovpn_push_reply_build(buf, sizeof(buf), &conf, &cl), sizeof(want));
	assert_string_equal(buf, want);
	assert_null(strstr(buf, "dyn-tls-crypt"));
}

/* Config push lines (routes, redirect-gateway) come first, as 2.6 orders its push list. */
static void
test_push_reply_routes_redirect_keepalive(void **state)
{
	static const char want[] =
		"PUSH_REPLY,route 192.168.10.0 255.255.255.0,route 172.16.0.0 255.240.0.0,"
		"redirect-gateway def1,route-gateway 10.20.0.1,topology subnet,ping 5,"
		"ping-restart 30,ifconfig 10.20.0.77 255.255.255.0,peer-id 16777214,"
		"cipher CHACHA20-POLY1305,protocol-flags cc-exit tls-ekm,tun-mtu 1400";
	struct ovpn_push_conf conf;
	struct ovpn_peer_info pi;
	char buf[OVPN_PUSH_REPLY_MAX];

	conf_subnet(&conf, IP4(10, 20, 0, 0));
	conf.routes[0] = (struct ovpn_push_route){ IP4(192, 168, 10, 0), IP4(255, 255, 255, 0) };
	conf.routes[1] = (struct ovpn_push_route){ IP4(172, 16, 0, 0), IP4(255, 240, 0, 0) };
	conf.n_routes = 2;
	conf.redirect_gateway = true;
	conf.ping_s = 5;
	conf.ping_restart_s = 30;
	conf.tun_mtu = 1400;
	ovpn_peer_info_parse(lab_peer_info, &pi);
	struct ovpn_push_client cl = { IP4(10, 20, 0, 77), 0xfffffe, FT_AEAD_CHACHA20_POLY1305,
				       &pi };

	assert_int_equal(ovpn_push_reply_build(buf, sizeof(buf), &conf, &cl), sizeof(want));
	assert_string_equal(buf, want);
}

/* The per-client tail by capability (2.6 prepare_push_reply()). */
static void
test_push_reply_client_options_by_capability(void **state)
{
	static const char head[] =
		"PUSH_REPLY,route-gateway 10.8.0.1,topology subnet,ping 10,ping-restart 60,"
		"ifconfig 10.8.0.9 255.255.255.0";
	static const struct {
		const char *peer_info;
		const char *tail;
	} cases[] = {
		/* 2.6: everything. */
		{ lab_peer_info, ",peer-id 3,cipher AES-128-GCM,protocol-flags cc-exit tls-ekm,"
				 "tun-mtu 1500" },
		/* EKM without cc-exit (2.5): key-derivation instead of protocol-flags. */
		{ "IV_PROTO=14\nIV_NCP=2\n",
		  ",peer-id 3,cipher AES-128-GCM,key-derivation tls-ekm" },
		/* cc-exit without EKM: keys by PRF, so no tls-ekm. */
		{ "IV_PROTO=134\nIV_CIPHERS=AES-128-GCM\n",
		  ",peer-id 3,cipher AES-128-GCM,protocol-flags cc-exit" },
		/* IV_NCP=2 only (2.4): cipher, no peer-id without DATA_V2. */
		{ "IV_NCP=2\n", ",cipher AES-128-GCM" },
		/* No NCP at all (2.3): nothing per client; it uses its OCC cipher. */
		{ "IV_VER=2.3.18\n", "" },
		/* IV_NCP=1 is not NCP. */
		{ "IV_NCP=1\nIV_PROTO=2\nIV_MTU=1500\n", ",peer-id 3,tun-mtu 1500" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ovpn_push_conf conf;
		struct ovpn_peer_info pi;
		char buf[OVPN_PUSH_REPLY_MAX], want[OVPN_PUSH_REPLY_MAX];

		conf_subnet(&conf, IP4(10, 8, 0, 0));
		ovpn_peer_info_parse(cases[i].peer_info, &pi);
		struct ovpn_push_client cl = { IP4(10, 8, 0, 9), 3, FT_AEAD_AES_128_GCM, &pi };

		snprintf(want, sizeof(want), "%s%s", head, cases[i].tail);
		assert_int_equal(ovpn_push_reply_build(buf, sizeof(buf), &conf, &cl),
				 strlen(want) + 1);
		assert_string_equal(buf, want);
	}
}

static void
test_push_reply_errors(void **state)
{
	struct ovpn_push_conf conf;
	struct ovpn_peer_info pi;
	char buf[OVPN_PUSH_REPLY_MAX];

	ovpn_peer_info_parse(lab_peer_info, &pi);
	struct ovpn_push_client cl = { IP4(10, 8, 0, 2), 1, FT_AEAD_AES_256_GCM, &pi };

	conf_subnet(&conf, IP4(10, 8, 0, 0));
	assert_int_equal(ovpn_push_reply_build(buf, 40, &conf, &cl), -ENOSPC);
	assert_int_equal(ovpn_push_reply_build(buf, 0, &conf, &cl), -ENOSPC);
	cl.peer_id = OVPN_PEER_ID_NONE;
	assert_int_equal(ovpn_push_reply_build(buf, sizeof(buf), &conf, &cl), -EINVAL);
	cl.peer_id = 1;
	cl.cipher = FT_AEAD_ALG_COUNT;
	assert_int_equal(ovpn_push_reply_build(buf, sizeof(buf), &conf, &cl), -EINVAL);
	cl.cipher = FT_AEAD_AES_256_GCM;
	conf.netmask = IP4(255, 0, 255, 0);
	assert_int_equal(ovpn_push_reply_build(buf, sizeof(buf), &conf, &cl), -EINVAL);
	conf_subnet(&conf, IP4(10, 8, 0, 0));
	conf.gateway = 0;
	assert_int_equal(ovpn_push_reply_build(buf, sizeof(buf), &conf, &cl), -EINVAL);
	conf_subnet(&conf, IP4(10, 8, 0, 0));
	conf.routes[0] = (struct ovpn_push_route){ IP4(192, 168, 1, 1), IP4(255, 255, 255, 0) };
	conf.n_routes = 1;
	assert_int_equal(ovpn_push_reply_build(buf, sizeof(buf), &conf, &cl), -EINVAL);
	/* 32 routes do not fit one 2.6 push bundle: continuation is not implemented. */
	for (unsigned int i = 0; i < OVPN_PUSH_ROUTES_MAX; i++)
		conf.routes[i] = (struct ovpn_push_route){ IP4(192, 168, i, 0),
							   IP4(255, 255, 255, 0) };
	conf.n_routes = OVPN_PUSH_ROUTES_MAX;
	assert_int_equal(ovpn_push_reply_build(buf, sizeof(buf), &conf, &cl), -EMSGSIZE);
	conf.n_routes = 8;
	assert_true(ovpn_push_reply_build(buf, sizeof(buf), &conf, &cl) > 0);
}

/* §5.2: the server's order wins; IV_CIPHERS, else IV_NCP=2's pair, and the OCC cipher. */
static void
test_ncp_choice_table(void **state)
{
	static const struct {
		const char *server;
		const char *peer_info;
		const char *occ_cipher;
		int rc;
		enum ft_aead_alg want;
	} cases[] = {
		{ OVPN_NCP_DEFAULT, lab_peer_info, "", 0, FT_AEAD_AES_256_GCM },
		{ "CHACHA20-POLY1305:AES-256-GCM", lab_peer_info, "", 0,
		  FT_AEAD_CHACHA20_POLY1305 },
		{ OVPN_NCP_DEFAULT, "IV_CIPHERS=CHACHA20-POLY1305:AES-128-GCM\n", "", 0,
		  FT_AEAD_AES_128_GCM },
		{ OVPN_NCP_DEFAULT, "IV_CIPHERS=chacha20-poly1305\n", "", 0,
		  FT_AEAD_CHACHA20_POLY1305 },
		/* IV_NCP=2 without IV_CIPHERS means AES-256-GCM:AES-128-GCM. */
		{ "CHACHA20-POLY1305:AES-128-GCM", "IV_NCP=2\n", "", 0, FT_AEAD_AES_128_GCM },
		{ "CHACHA20-POLY1305", "IV_NCP=2\n", "", -ENOENT, 0 },
		/* No NCP: the OCC cipher counts. */
		{ OVPN_NCP_DEFAULT, "IV_VER=2.3.18\n", "AES-128-GCM", 0, FT_AEAD_AES_128_GCM },
		{ OVPN_NCP_DEFAULT, "IV_VER=2.3.18\n", "BF-CBC", -ENOENT, 0 },
		{ OVPN_NCP_DEFAULT, "IV_NCP=2\n", "CHACHA20-POLY1305", 0, FT_AEAD_AES_256_GCM },
		{ "CHACHA20-POLY1305", "IV_NCP=2\n", "CHACHA20-POLY1305", 0,
		  FT_AEAD_CHACHA20_POLY1305 },
		/* With IV_CIPHERS the OCC cipher is not trusted. */
		{ "AES-192-GCM", "IV_CIPHERS=AES-256-GCM\n", "AES-192-GCM", -ENOENT, 0 },
		/* Only ciphers the data path lacks, or substrings of names: no match. */
		{ OVPN_NCP_DEFAULT, "IV_CIPHERS=AES-256-CBC:BF-CBC\n", "", -ENOENT, 0 },
		{ OVPN_NCP_DEFAULT, "IV_CIPHERS=AES-256-GCMX:AES-128\n", "", -ENOENT, 0 },
		{ OVPN_NCP_DEFAULT, "IV_CIPHERS=\n", "", -ENOENT, 0 },
		{ OVPN_NCP_DEFAULT, "IV_NCP=1\n", "", -ENOENT, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ovpn_ncp_list list;
		struct ovpn_peer_info pi;
		enum ft_aead_alg alg = FT_AEAD_ALG_COUNT;

		assert_int_equal(ovpn_ncp_list_parse(cases[i].server, &list), 0);
		ovpn_peer_info_parse(cases[i].peer_info, &pi);
		strcpy(pi.occ_cipher, cases[i].occ_cipher);
		assert_int_equal(ovpn_ncp_choose(&list, &pi, &alg), cases[i].rc);
		if (cases[i].rc == 0)
			assert_int_equal(alg, cases[i].want);
	}
}

static void
test_ncp_list_parse(void **state)
{
	struct ovpn_ncp_list l;

	assert_int_equal(ovpn_ncp_list_parse(OVPN_NCP_DEFAULT, &l), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.alg[0], FT_AEAD_AES_256_GCM);
	assert_int_equal(l.alg[1], FT_AEAD_AES_128_GCM);
	assert_int_equal(l.alg[2], FT_AEAD_CHACHA20_POLY1305);
	assert_int_equal(ovpn_ncp_list_parse("aes-128-gcm:AES-128-GCM:AES-192-GCM", &l), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.alg[1], FT_AEAD_AES_192_GCM);
	assert_int_equal(ovpn_ncp_list_parse("", &l), -EINVAL);
	assert_int_equal(ovpn_ncp_list_parse("AES-256-GCM::AES-128-GCM", &l), -EINVAL);
	assert_int_equal(ovpn_ncp_list_parse("AES-256-GCM:", &l), -EINVAL);
	assert_int_equal(ovpn_ncp_list_parse("AES-256-CBC", &l), -EINVAL);
	assert_int_equal(ovpn_ncp_list_parse("AES-256-GCM-AND-A-VERY-LONG-NAME-HERE", &l),
			 -EINVAL);
}

/* NUL-separated messages; unprintable ones are consumed and dropped (2.6). */
static void
test_cc_messages_split_and_classify(void **state)
{
	static const uint8_t stream[] = "PUSH_REQUEST\0EXIT\0BAD\nLINE\0CR_RESPONSE,aGk=\0PART";
	const uint8_t *p = stream;
	size_t left = sizeof(stream) - 1, n;
	const char *msg;

	n = ovpn_cc_msg_next(p, left, &msg);
	assert_int_equal(n, 13);
	assert_string_equal(msg, "PUSH_REQUEST");
	assert_int_equal(ovpn_cc_cmd_parse(msg), OVPN_CC_PUSH_REQUEST);
	p += n, left -= n;
	n = ovpn_cc_msg_next(p, left, &msg);
	assert_int_equal(n, 5);
	assert_int_equal(ovpn_cc_cmd_parse(msg), OVPN_CC_EXIT);
	p += n, left -= n;
	n = ovpn_cc_msg_next(p, left, &msg);
	assert_int_equal(n, 9);
	assert_null(msg);
	p += n, left -= n;
	n = ovpn_cc_msg_next(p, left, &msg);
	assert_int_equal(ovpn_cc_cmd_parse(msg), OVPN_CC_CR_RESPONSE);
	p += n, left -= n;
	assert_int_equal(ovpn_cc_msg_next(p, left, &msg), 0);	/* "PART": wait for more */
	assert_null(msg);

	assert_int_equal(ovpn_cc_cmd_parse("push_request"), OVPN_CC_UNKNOWN);
	assert_int_equal(ovpn_cc_cmd_parse("PUSH_REPLY,ping 10"), OVPN_CC_UNKNOWN);
	assert_int_equal(ovpn_cc_cmd_parse(""), OVPN_CC_UNKNOWN);
	assert_int_equal(ovpn_cc_cmd_parse("EXI"), OVPN_CC_UNKNOWN);
	assert_string_equal(OVPN_CC_AUTH_FAILED_NO_CIPHER, "AUTH_FAILED,Data channel cipher "
			    "negotiation failed (no shared cipher)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_reply_reference_minimal),
		cmocka_unit_test(test_push_reply_lab_2614_without_dyn_tls_crypt),
		cmocka_unit_test(test_push_reply_routes_redirect_keepalive),
		cmocka_unit_test(test_push_reply_client_options_by_capability),
		cmocka_unit_test(test_push_reply_errors),
		cmocka_unit_test(test_ncp_choice_table),
		cmocka_unit_test(test_ncp_list_parse),
		cmocka_unit_test(test_cc_messages_split_and_classify),
	};

	return cmocka_run_group_tests_name("ovpn_push", tests, NULL, NULL);
}
