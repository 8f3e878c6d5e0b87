/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-ovpn-gw configuration (apps/dpdk-ovpn-gw/config.c, config_peers.c): the shipped
 * configs/dpdk-ovpn-gw.conf loads with the values it documents; a minimal file gets every
 * default; each error path of the gateway section and the static_peers list fails with
 * -EINVAL and a message "file:line: key.path: reason" (table err_cases[]); the key material
 * parsers (hex, OpenVPN static key V1 file) accept and reject what they should. Snippets are
 * written to mkstemp() files under /tmp, removed before any assertion. No EAL.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "config_peers.h"

#define TMP_TEMPLATE "/tmp/ft_gwconf_XXXXXX"
#define ERR_LEN 512

/* Two tap ports named as the gateway's defaults expect; lines 1..5. */
#define STACK "stack = { ports = (\n" \
	"  { name = \"public\"; type = \"tap\"; iface = \"g0\"; address = \"198.51.100.1/24\"; },\n" \
	"  { name = \"lan\"; type = \"tap\"; iface = \"g1\"; address = \"203.0.113.1/24\"; }\n" \
	"); };\n" \
	"gateway = {\n"
/* A valid peer entry body (one line). */
#define KEYHEX "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff" \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff" \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff" \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff" \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff" \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff" \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff" \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define PEER(id, vpn, extra) \
	"  { peer_id = " #id "; vpn_address = \"" vpn "\"; key = \"" KEYHEX "\";" extra " }"
/* gateway lines (from line 6), then `};`, then the peers list. */
#define FILE_(gw, peers) STACK gw "};\nstatic_peers = (\n" peers "\n);\n"

static void
write_tmp(const char *text, char path[sizeof(TMP_TEMPLATE)])
{
	size_t len = strlen(text);
	int fd;

	strcpy(path, TMP_TEMPLATE);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static int
load_text(const char *text, struct gw_config *out, char *err, size_t errlen, char *path)
{
	int rc;

	write_tmp(text, path);
	rc = gw_config_load(path, out, err, errlen);
	unlink(path);
	return rc;
}

static struct gw_config *
cfg_new(void)
{
	struct gw_config *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	return c;
}

static void
test_shipped_config_loads_with_its_documented_values(void **state)
{
	struct gw_config *c = cfg_new();
	char err[ERR_LEN] = "";
	int rc = gw_config_load(FT_SOURCE_ROOT "/configs/dpdk-ovpn-gw.conf", c, err,
				sizeof(err));

	if (rc != 0)
		print_error("%s\n", err);
	assert_int_equal(rc, 0);
	assert_int_equal(c->public_port, 0);
	assert_int_equal(c->lan_port, 1);
	assert_int_equal(c->listen_port, 1194);
	assert_string_equal(c->crypto_backend, "openssl");
	assert_int_equal(c->tunnel_mtu, 1500);
	assert_int_equal(c->mssfix, 1460);
	assert_int_equal(c->keepalive_interval_s, 10);
	assert_int_equal(c->keepalive_timeout_s, 120);
	assert_int_equal(c->n_routes, 1);
	assert_int_equal(c->routes[0].prefix.addr, 0x0a140000);
	assert_int_equal(c->routes[0].via, 0xcb0071fe);
	assert_int_equal(c->n_peers, 2);
	assert_string_equal(c->peers[0].name, "client1");
	assert_int_equal(c->peers[0].alg, FT_AEAD_AES_256_GCM);
	assert_int_equal(c->peers[0].n_iroutes, 1);
	assert_int_equal(c->peers[1].alg, FT_AEAD_CHACHA20_POLY1305);
	for (int i = 0; i < OVPN_KEY2_LEN; i++)
		assert_int_equal(c->peers[1].key2[i], i);
	gw_config_wipe_keys(c);
	assert_int_equal(c->peers[1].key2[255], 0);
	free(c);
}

static void
test_minimal_file_gets_every_default(void **state)
{
	struct gw_config *c = cfg_new();
	char path[sizeof(TMP_TEMPLATE)], err[ERR_LEN] = "";

	assert_int_equal(load_text(STACK "};\n", c, err, sizeof(err), path), 0);
	assert_int_equal(c->public_port, 0);
	assert_int_equal(c->lan_port, 1);
	assert_int_equal(c->listen_port, 1194);
	assert_int_equal(c->tunnel_mtu, 1500);
	assert_int_equal(c->mssfix, 1460);
	assert_false(c->mssfix_set);
	assert_int_equal(c->keepalive_interval_s, 10);
	assert_int_equal(c->keepalive_timeout_s, 120);
	assert_int_equal(c->status_file[0], '\0');
	assert_int_equal(c->max_peers, 1024);
	assert_true(c->rpf);
	assert_int_equal(c->n_peers, 0);
	/* mssfix follows tunnel_mtu unless given; 0 turns it off. */
	assert_int_equal(load_text(STACK "tunnel_mtu = 1400;\n};\n", c, err, sizeof(err), path), 0);
	assert_int_equal(c->mssfix, 1360);
	assert_int_equal(load_text(STACK "mssfix = 0;\n};\n", c, err, sizeof(err), path), 0);
	assert_int_equal(c->mssfix, 0);
	free(c);
}

static void
test_peer_fields(void **state)
{
	struct gw_config *c = cfg_new();
	char path[sizeof(TMP_TEMPLATE)], err[ERR_LEN] = "";
	int rc = load_text(FILE_("", PEER(7, "10.8.0.9", " name = \"x\"; cipher = "
					     "\"aes-128-gcm\"; key_id = 3; remote = "
					     "\"198.51.100.9:5000\"; iroutes = [ \"10.9.0.0/16\", "
					     "\"10.10.1.0/24\" ];")),
			   c, err, sizeof(err), path);

	if (rc != 0)
		print_error("%s\n", err);
	assert_int_equal(rc, 0);
	assert_int_equal(c->peers[0].id, 7);
	assert_string_equal(c->peers[0].name, "x");
	assert_int_equal(c->peers[0].vpn_ip4, 0x0a080009);
	assert_int_equal(c->peers[0].alg, FT_AEAD_AES_128_GCM);
	assert_int_equal(c->peers[0].key_id, 3);
	assert_int_equal(c->peers[0].remote.addr, 0xc6336409);
	assert_int_equal(c->peers[0].remote.port, 5000);
	assert_int_equal(c->peers[0].n_iroutes, 2);
	assert_int_equal(c->peers[0].iroutes[1].len, 24);
	assert_int_equal(c->peers[0].key2[1], 0x11);
	/* Defaults of an entry with only the required keys. */
	assert_int_equal(load_text(FILE_("", PEER(3, "10.8.0.2", "")), c, err, sizeof(err),
				   path), 0);
	assert_string_equal(c->peers[0].name, "peer3");
	assert_int_equal(c->peers[0].alg, FT_AEAD_AES_256_GCM);
	assert_int_equal(c->peers[0].remote.addr, 0);
	free(c);
}

struct err_case {
	const char *name;
	const char *text;
	const char *want; /* the message after "file:" */
};

static const struct err_case err_cases[] = {
	{ "listen_port 0", FILE_("listen_port = 0;\n", ""),
	  "6: gateway.listen_port: 0 out of range (1..65535)" },
	{ "unknown gateway key", FILE_("foo = 1;\n", ""), "6: gateway.foo: unknown key" },
	{ "unknown top-level key", STACK "};\nfoo = 1;\n", "7: foo: unknown key" },
	{ "no gateway section", "stack = { ports = ({ name = \"a\"; type = \"tap\"; iface = \"x\";"
	  " address = \"198.51.100.1/24\"; }); };\n", " gateway: required key is missing" },
	{ "no port named public", FILE_("public_port = \"wan\";\n", ""),
	  "6: gateway.public_port: no port named \"wan\" in stack.ports" },
	{ "same port twice", FILE_("lan_port = \"public\";\n", ""),
	  "6: gateway.lan_port: is the public port" },
	{ "tunnel_mtu too small", FILE_("tunnel_mtu = 500;\n", ""),
	  "6: gateway.tunnel_mtu: 500 out of range (576..9000)" },
	{ "mssfix above tunnel_mtu - 40", FILE_("mssfix = 1461;\n", ""),
	  "6: gateway.mssfix: 1461 out of range" },
	{ "mssfix below 536", FILE_("mssfix = 100;\n", ""),
	  "6: gateway.mssfix: 100 out of range (0 = off, or 536..1460)" },
	{ "timeout not above interval", FILE_("keepalive_timeout_s = 10;\n", ""),
	  "6: gateway.keepalive_timeout_s: 10 must exceed keepalive_interval_s (10)" },
	{ "route with host bits", FILE_("routes = ( { prefix = \"10.1.2.3/16\"; } );\n", ""),
	  "6: gateway.routes.[0].prefix: host bits are set" },
	{ "route via off-link", FILE_("routes = ( { prefix = \"10.1.0.0/16\"; "
				     "via = \"10.0.0.1\"; } );\n", ""),
	  "6: gateway.routes.[0].via: is not a neighbour on port \"lan\"'s subnet" },
	{ "peer without peer_id", FILE_("", "  { vpn_address = \"10.8.0.2\"; }"),
	  "8: static_peers.[0].peer_id: required key is missing" },
	{ "peer_id beyond max_peers", FILE_("max_peers = 4;\n", PEER(4, "10.8.0.2", "")),
	  "9: static_peers.[0].peer_id: 4 out of range (0..3)" },
	{ "both key and key_file", FILE_("", PEER(1, "10.8.0.2", " key_file = \"/x\";")),
	  "8: static_peers.[0]: exactly one of key and key_file is required" },
	{ "key file missing", FILE_("", "  { peer_id = 1; vpn_address = \"10.8.0.2\"; "
				    "key_file = \"/nonexistent/k\"; }"),
	  "8: static_peers.[0].key_file: cannot open \"/nonexistent/k\"" },
	{ "key not hex", FILE_("", "  { peer_id = 1; vpn_address = \"10.8.0.2\"; "
			       "key = \"xyz\"; }"),
	  "8: static_peers.[0].key: expected 512 hex digits" },
	{ "bad cipher", FILE_("", PEER(1, "10.8.0.2", " cipher = \"BF-CBC\";")),
	  "8: static_peers.[0].cipher: \"BF-CBC\" is not valid" },
	{ "multicast vpn address", FILE_("", PEER(1, "224.0.0.1", "")),
	  "8: static_peers.[0].vpn_address: is not a unicast host address" },
	{ "remote without port", FILE_("", PEER(1, "10.8.0.2", " remote = \"1.2.3.4\";")),
	  "8: static_peers.[0].remote: expected A.B.C.D:PORT" },
	{ "iroute with host bits", FILE_("", PEER(1, "10.8.0.2", " iroutes = [\"10.9.0.1/24\"];")),
	  "8: static_peers.[0].iroutes: element 0: expected a network" },
	{ "duplicate peer_id", FILE_("", PEER(1, "10.8.0.2", "") ",\n" PEER(1, "10.8.0.3", "")),
	  "9: static_peers.[1].peer_id: 1 already used (line 8)" },
	{ "duplicate vpn address", FILE_("", PEER(1, "10.8.0.2", "") ",\n"
					 PEER(2, "10.8.0.2", "")),
	  "9: static_peers.[1].vpn_address: already used (line 8)" },
	{ "iroute shared by two peers", FILE_("", PEER(1, "10.8.0.2", " iroutes = "
					      "[\"10.9.0.0/24\"];") ",\n"
					      PEER(2, "10.8.0.3", " iroutes = "
					      "[\"10.9.0.0/24\"];")),
	  "9: static_peers.[1].iroutes: element 0 is also an iroute of line 8" },
	{ "iroute equal to a LAN route", FILE_("routes = ( { prefix = \"10.9.0.0/24\"; } );\n",
					      PEER(1, "10.8.0.2", " iroutes = "
					      "[\"10.9.0.0/24\"];")),
	  "9: static_peers.[0].iroutes: is also gateway.routes entry 0" },
	{ "name with a comma", FILE_("", PEER(1, "10.8.0.2", " name = \"a,b\";")),
	  "8: static_peers.[0].name: must not contain ','" },
	{ "unknown peer key", FILE_("", PEER(1, "10.8.0.2", " mtu = 1;")),
	  "8: static_peers.[0].mtu: unknown key" },
};

static void
test_errors_name_file_line_and_key(void **state)
{
	struct gw_config *c = cfg_new();

	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		char path[sizeof(TMP_TEMPLATE)], err[ERR_LEN] = "", want[ERR_LEN];
		int rc = load_text(err_cases[i].text, c, err, sizeof(err), path);

		snprintf(want, sizeof(want), "%s:%s", path, err_cases[i].want);
		print_message("  %-32s -> %s\n", err_cases[i].name, err);
		assert_int_equal(rc, -EINVAL);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("%s: got \"%s\", want \"%s...\"", err_cases[i].name, err, want);
	}
	free(c);
}

static void
test_hex_and_static_key_parsers(void **state)
{
	static const char file[] =
		"#\n# 2048 bit OpenVPN static key\n#\n-----BEGIN OpenVPN Static key V1-----\n"
		"000102030405060708090a0b0c0d0e0f\n101112131415161718191a1b1c1d1e1f\n"
		"202122232425262728292a2b2c2d2e2f\n303132333435363738393a3b3c3d3e3f\n"
		"404142434445464748494a4b4c4d4e4f\n505152535455565758595a5b5c5d5e5f\n"
		"606162636465666768696a6b6c6d6e6f\n707172737475767778797a7b7c7d7e7f\n"
		"808182838485868788898a8b8c8d8e8f\n909192939495969798999a9b9c9d9e9f\n"
		"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\nb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\n"
		"c0c1c2c3c4c5c6c7c8c9cacbcccdcecf\nd0d1d2d3d4d5d6d7d8d9dadbdcdddedf\n"
		"e0e1e2e3e4e5e6e7e8e9eaebecedeeef\nf0f1f2f3f4f5f6f7f8f9fafbfcfdfeff\n"
		"-----END OpenVPN Static key V1-----\n";
	uint8_t out[OVPN_KEY2_LEN], b[3];

	assert_int_equal(gw_static_key_parse(file, out), 0);
	for (int i = 0; i < OVPN_KEY2_LEN; i++)
		assert_int_equal(out[i], i);
	assert_int_equal(gw_static_key_parse(file + 60, out), -EINVAL);    /* no BEGIN */
	assert_int_equal(gw_static_key_parse("-----BEGIN OpenVPN Static key V1-----\n00\n"
					     "-----END OpenVPN Static key V1-----\n", out),
			 -EINVAL);                                          /* too short */
	assert_int_equal(gw_hex_decode("0a Bc\n\tff", b, 3), 0);
	assert_memory_equal(b, ((uint8_t[]){ 0x0a, 0xbc, 0xff }), 3);
	assert_int_equal(gw_hex_decode("0abcf", b, 3), -EINVAL);          /* odd count */
	assert_int_equal(gw_hex_decode("0abcff00", b, 3), -EINVAL);       /* too long */
	assert_int_equal(gw_hex_decode("0abc", b, 3), -EINVAL);           /* too short */
	assert_int_equal(gw_hex_decode("0abcfg", b, 3), -EINVAL);         /* not hex */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_config_loads_with_its_documented_values),
		cmocka_unit_test(test_minimal_file_gets_every_default),
		cmocka_unit_test(test_peer_fields),
		cmocka_unit_test(test_errors_name_file_line_and_key),
		cmocka_unit_test(test_hex_and_static_key_parsers),
	};

	return cmocka_run_group_tests_name("gw_config", tests, NULL, NULL);
}
