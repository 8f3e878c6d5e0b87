/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-ovpn-gw's `server` group (apps/dpdk-ovpn-gw/config_server.c): without it the gateway
 * has no control channel (server.enabled false); a full group loads every value (network,
 * mask, ciphers, keepalive, reneg_sec, push routes, CRL); a minimal one gets the defaults; each
 * error fails with -EINVAL and "file:line: server.key: reason". The PEM keys only need
 * readable files here (parsing them is tls.c's job at setup): the source tree's meson.build.
 * Snippets go to mkstemp() files under /tmp, removed before any assertion. No EAL.
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

#define TMP_TEMPLATE "/tmp/ft_gwsrv_XXXXXX"
#define ERR_LEN 512
#define PEM FT_SOURCE_ROOT "/meson.build"

/* Lines 1..5; the server group starts on line 6. */
#define STACK "stack = { ports = (\n" \
	"  { name = \"public\"; type = \"tap\"; iface = \"g0\"; address = \"198.51.100.1/24\"; },\n" \
	"  { name = \"lan\"; type = \"tap\"; iface = \"g1\"; address = \"203.0.113.1/24\"; }\n" \
	"); };\n" \
	"gateway = {};\n"
#define FILES "ca = \"" PEM "\"; cert = \"" PEM "\"; key = \"" PEM "\";\n"
#define NET "network = \"10.8.0.0\"; netmask = \"255.255.255.0\";\n"
/* server = { on line 6, FILES on 7, NET on 8, extra from line 9. */
#define SERVER(files, net, extra) STACK "server = {\n" files net extra "};\n"

static int
load_text(const char *text, struct gw_config *out, char *err, char *path)
{
	size_t len = strlen(text);
	int fd, rc;

	strcpy(path, TMP_TEMPLATE);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	rc = gw_config_load(path, out, err, ERR_LEN);
	unlink(path);
	return rc;
}

static void
test_no_server_group(void **state)
{
	struct gw_config *c = calloc(1, sizeof(*c));
	char path[sizeof(TMP_TEMPLATE)], err[ERR_LEN] = "";

	(void)state;
	assert_non_null(c);
	assert_int_equal(load_text(STACK, c, err, path), 0);
	assert_false(c->server.enabled);
	free(c);
}

static void
test_full_and_default_server(void **state)
{
	struct gw_config *c = calloc(1, sizeof(*c));
	char path[sizeof(TMP_TEMPLATE)], err[ERR_LEN] = "";
	const char *full = SERVER(FILES, NET, "crl_verify = \"" PEM "\";\n"
				  "data_ciphers = \"CHACHA20-POLY1305:AES-128-GCM\";\n"
				  "keepalive_interval = 5; keepalive_timeout = 30;\n"
				  "reneg_sec = 600; max_clients = 8;\n"
				  "push_routes = [ \"203.0.113.0/24\", \"10.20.0.0/16\" ];\n");

	(void)state;
	assert_non_null(c);
	assert_int_equal(load_text(full, c, err, path), 0);
	assert_true(c->server.enabled);
	assert_string_equal(c->server.ca, PEM);
	assert_string_equal(c->server.crl, PEM);
	assert_int_equal(c->server.network, 0x0a080000);
	assert_int_equal(c->server.netmask, 0xffffff00);
	assert_string_equal(c->server.data_ciphers, "CHACHA20-POLY1305:AES-128-GCM");
	assert_int_equal(c->server.keepalive_interval_s, 5);
	assert_int_equal(c->server.keepalive_timeout_s, 30);
	assert_int_equal(c->server.reneg_sec, 600);
	assert_int_equal(c->server.max_clients, 8);
	assert_int_equal(c->server.n_push_routes, 2);
	assert_int_equal(c->server.push_routes[1].addr, 0x0a140000);
	assert_int_equal(c->server.push_routes[1].len, 16);

	assert_int_equal(load_text(SERVER(FILES, NET, ""), c, err, path), 0);
	assert_true(c->server.enabled);
	assert_string_equal(c->server.crl, "");
	assert_string_equal(c->server.data_ciphers, "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305");
	assert_int_equal(c->server.keepalive_interval_s, 10);
	assert_int_equal(c->server.keepalive_timeout_s, 120);
	assert_int_equal(c->server.reneg_sec, 3600);
	assert_int_equal(c->server.n_push_routes, 0);
	free(c);
}

static const struct {
	const char *name;
	const char *text;
	const char *want; /* after "path:" */
} err_cases[] = {
	{ "missing ca", SERVER("cert = \"" PEM "\"; key = \"" PEM "\";\n", NET, ""),
	  "6: server.ca: required key is missing" },
	{ "unreadable key", SERVER("ca = \"" PEM "\"; cert = \"" PEM "\"; key = \"/nonexist\";\n",
				   NET, ""),
	  "7: server.key: cannot read \"/nonexist\"" },
	{ "missing netmask", SERVER(FILES, "network = \"10.8.0.0\";\n", ""),
	  "6: server.netmask: required key is missing" },
	{ "non-contiguous mask", SERVER(FILES, "network = \"10.8.0.0\"; "
					"netmask = \"255.0.255.0\";\n", ""),
	  "8: server.netmask: not a contiguous mask" },
	{ "/31 mask", SERVER(FILES, "network = \"10.8.0.0\"; netmask = \"255.255.255.254\";\n",
			     ""),
	  "8: server.netmask: not a contiguous mask" },
	{ "network host bits", SERVER(FILES, "network = \"10.8.0.1\"; "
				      "netmask = \"255.255.255.0\";\n", ""),
	  "8: server.network: host bits are set" },
	{ "bad cipher", SERVER(FILES, NET, "data_ciphers = \"AES-256-GCM:BF-CBC\";\n"),
	  "9: server.data_ciphers: \"AES-256-GCM:BF-CBC\": unknown" },
	{ "keepalive", SERVER(FILES, NET, "keepalive_interval = 10; keepalive_timeout = 10;\n"),
	  "9: server.keepalive_timeout: 10 must exceed keepalive_interval" },
	{ "push route host bits", SERVER(FILES, NET, "push_routes = [ \"10.1.2.3/16\" ];\n"),
	  "9: server.push_routes: entry 0: expected a network" },
	{ "unknown key", SERVER(FILES, NET, "tls_crypt_v2 = \"x\";\n"),
	  "9: server.tls_crypt_v2: unknown key" },
};

static void
test_errors_name_file_line_and_key(void **state)
{
	struct gw_config *c = calloc(1, sizeof(*c));

	(void)state;
	assert_non_null(c);
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		char path[sizeof(TMP_TEMPLATE)], err[ERR_LEN] = "", want[ERR_LEN];
		int rc = load_text(err_cases[i].text, c, err, path);

		snprintf(want, sizeof(want), "%s:%s", path, err_cases[i].want);
		print_message("  %-24s -> %s\n", err_cases[i].name, err);
		assert_int_equal(rc, -EINVAL);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("%s: got \"%s\", want \"%s...\"", err_cases[i].name, err, want);
	}
	free(c);
}

/* client_config_dir (a readable directory) and client_to_client: defaults, values, errors. */
static void
test_client_config_dir_and_client_to_client(void **state)
{
	struct gw_config *c = calloc(1, sizeof(*c));
	char path[sizeof(TMP_TEMPLATE)], err[ERR_LEN] = "";
	int rc;

	(void)state;
	assert_non_null(c);
	assert_int_equal(load_text(SERVER(FILES, NET, ""), c, err, path), 0);
	assert_string_equal(c->server.client_config_dir, "");
	assert_false(c->server.client_to_client);
	assert_int_equal(load_text(SERVER(FILES, NET, "client_to_client = true;\n"
					  "client_config_dir = \"" FT_SOURCE_ROOT "/configs\";\n"),
				   c, err, path), 0);
	assert_true(c->server.client_to_client);
	assert_string_equal(c->server.client_config_dir, FT_SOURCE_ROOT "/configs");
	rc = load_text(SERVER(FILES, NET, "client_config_dir = \"/nonexistent-ccd\";\n"), c, err,
		       path);
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(err, ":9: server.client_config_dir: cannot read directory"));
	rc = load_text(SERVER(FILES, NET, "client_to_client = 1;\n"), c, err, path);
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(err, ":9: server.client_to_client"));
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_server_group),
		cmocka_unit_test(test_full_and_default_server),
		cmocka_unit_test(test_errors_name_file_line_and_key),
		cmocka_unit_test(test_client_config_dir_and_client_to_client),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
