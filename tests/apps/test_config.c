/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the app config loaders: apps/common/app_conf.c and stack_conf.c through
 * apps/fasttcp-echo/config.c. Each snippet is written to a mkstemp() file under /tmp and
 * removed before any assertion. The shipped configs are loaded from the source tree
 * (FT_SOURCE_ROOT). Every error path has a row in err_cases[]: it must fail with -EINVAL and
 * a message that starts with "file:line: key.path: " and contains the reason. No EAL.
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

#define TMP_TEMPLATE "/tmp/ft_config_XXXXXX"
#define ERR_LEN 512

/* Write @p text to a new temporary file whose name goes into @p path. */
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

/* Write @p text to a temporary file, load it, and remove the file before returning. */
static int
load_text(const char *text, struct echo_config *out, char path[sizeof(TMP_TEMPLATE)],
	  char *err, size_t errlen)
{
	int rc;

	write_tmp(text, path);
	rc = echo_config_load(path, out, err, errlen);
	unlink(path);
	return rc;
}

/* Load @p text and require success. */
static void
load_ok(const char *text, struct echo_config *out)
{
	char path[sizeof(TMP_TEMPLATE)], err[ERR_LEN] = "";
	int rc = load_text(text, out, path, err, sizeof(err));

	if (rc != 0)
		print_error("unexpected error: %s\n", err);
	assert_int_equal(rc, 0);
}

/*
 * Error cases. FILE_() builds a stack group whose extra stack keys start on line 2 and
 * whose single port's keys start on line 3 (the port group itself is on line 2 when there
 * are no extra stack lines).
 */
#define FILE_(stack_lines, port_lines) \
	"stack = {\n" stack_lines "  ports = ( {\n" port_lines "  } );\n};\n"
#define S(lines) FILE_(lines, TAP ADDR)
#define P(lines) FILE_("", lines)
#define TAP "    name = \"lan0\"; type = \"tap\"; iface = \"ft0\";\n"
#define ADDR "    address = \"198.51.100.1/24\";\n"
#define NAME "    name = \"p\";\n"
#define ONE_LINE_STACK "stack = { ports = ({ name = \"lan0\"; type = \"tap\"; " \
	"iface = \"ft0\"; address = \"198.51.100.1/24\"; }); };\n"
#define TWO_PORTS(name1, addr1) "stack = {\n  ports = (\n" \
	"  { name = \"lan0\"; type = \"tap\"; iface = \"ft0\"; address = \"198.51.100.1/24\";},\n" \
	"  { name = \"" name1 "\"; type = \"tap\"; iface = \"ft1\"; address = \"" addr1 "\"; }\n" \
	"  );\n};\n"

struct err_case {
	const char *name; /* the behaviour; also the cmocka test name */
	const char *text; /* the whole file */
	unsigned int line; /* expected line; 0 = none (absent top-level key) */
	const char *key;  /* expected key path; NULL = none (syntax error) */
	const char *what; /* expected reason, a substring */
};

#define CASE(name, ...) { "test_" #name, __VA_ARGS__ }
#define RANGE_FMT " out of range ("

static struct err_case err_cases[] = {
	CASE(syntax_error_names_file_and_line, "stack = {\n  mbufs = ;\n};\n", 2, NULL,
	     "syntax error"),
	CASE(unknown_top_level_key_is_rejected, ONE_LINE_STACK "foo = 1;\n", 2, "foo",
	     "unknown key"),
	CASE(missing_stack_group_is_named, "echo = { udp_port = 7; };\n", 0, "stack",
	     "required key is missing"),
	CASE(stack_must_be_a_group, "stack = 5;\n", 1, "stack",
	     "wrong type: expected a group, got an integer"),
	CASE(echo_must_be_a_group, ONE_LINE_STACK "echo = 7;\n", 2, "echo", "expected a group"),
	CASE(unknown_echo_key_names_line_and_key, ONE_LINE_STACK "echo = {\n  port = 7;\n};\n",
	     3, "echo.port", "unknown key"),
	CASE(udp_port_above_range_names_range, ONE_LINE_STACK "echo = { udp_port = 65536; };\n",
	     2, "echo.udp_port", "65536 out of range (0..65535)"),
	CASE(udp_port_string_names_expected_type, ONE_LINE_STACK "echo = { udp_port = \"7\"; };\n",
	     2, "echo.udp_port", "wrong type: expected an integer, got a string"),
	/* stack scalars */
	CASE(unknown_stack_key_names_line_and_key, S("  mbuf = 1;\n"), 2, "stack.mbuf",
	     "unknown key"),
	CASE(mbufs_below_range_names_range, S("  mbufs = 1000;\n"), 2, "stack.mbufs",
	     "1000 out of range (1023..4194303)"),
	CASE(mbufs_64bit_value_is_range_checked, S("  mbufs = 5000000000L;\n"), 2, "stack.mbufs",
	     "5000000000 out of range (1023..4194303)"),
	CASE(negative_value_is_out_of_range, S("  idle_sleep_us = -1;\n"), 2,
	     "stack.idle_sleep_us", "-1 out of range (1..100000)"),
	CASE(idle_sleep_above_range_names_range, S("  idle_sleep_us = 100001;\n"), 2,
	     "stack.idle_sleep_us", "100001 out of range (1..100000)"),
	CASE(mbufs_string_names_expected_type, S("  mbufs = \"many\";\n"), 2, "stack.mbufs",
	     "wrong type: expected an integer, got a string"),
	CASE(mbufs_float_names_expected_type, S("  mbufs = 2.5;\n"), 2, "stack.mbufs",
	     "expected an integer, got a float"),
	CASE(idle_backoff_int_names_expected_type, S("  idle_backoff = 1;\n"), 2,
	     "stack.idle_backoff", "wrong type: expected a boolean, got an integer"),
	CASE(gratuitous_arp_string_names_expected_type, S("  gratuitous_arp = \"yes\";\n"), 2,
	     "stack.gratuitous_arp", "expected a boolean, got a string"),
	/* stack sub-groups */
	CASE(arp_must_be_a_group, S("  arp = 5;\n"), 2, "stack.arp", "expected a group"),
	CASE(unknown_arp_key_names_line_and_key, S("  arp = {\n    entry = 5;\n  };\n"), 3,
	     "stack.arp.entry", "unknown key"),
	CASE(arp_entries_not_power_of_two_names_range, S("  arp = { entries = 1000; };\n"), 2,
	     "stack.arp.entries", "1000 out of range (power of two, 16..1048576)"),
	CASE(arp_entries_above_range_names_range, S("  arp = { entries = 2097152; };\n"), 2,
	     "stack.arp.entries", "2097152 out of range (power of two, 16..1048576)"),
	CASE(arp_timeout_below_range_names_range, S("  arp = { timeout_ms = 999; };\n"), 2,
	     "stack.arp.timeout_ms", "999 out of range (1000..3600000)"),
	CASE(arp_queue_len_zero_names_range, S("  arp = { queue_len = 0; };\n"), 2,
	     "stack.arp.queue_len", "0 out of range (1..256)"),
	CASE(arp_retry_below_range_names_range, S("  arp = { retry_ms = 5; };\n"), 2,
	     "stack.arp.retry_ms", "5 out of range (10..60000)"),
	CASE(arp_retries_above_range_names_range, S("  arp = { retries = 21; };\n"), 2,
	     "stack.arp.retries", "21 out of range (1..20)"),
	CASE(unknown_reassembly_key_is_rejected, S("  reassembly = { max = 1; };\n"), 2,
	     "stack.reassembly.max", "unknown key"),
	CASE(reass_datagrams_zero_names_range, S("  reassembly = { max_datagrams = 0; };\n"), 2,
	     "stack.reassembly.max_datagrams", "0 out of range (1..65536)"),
	CASE(reass_fragments_one_names_range, S("  reassembly = { max_fragments = 1; };\n"), 2,
	     "stack.reassembly.max_fragments", "1 out of range (2..1024)"),
	CASE(reass_timeout_below_range_names_range, S("  reassembly = { timeout_ms = 99; };\n"),
	     2, "stack.reassembly.timeout_ms", "99 out of range (100..120000)"),
	CASE(unknown_icmp_key_is_rejected, S("  icmp = { ratelimit = 1; };\n"), 2,
	     "stack.icmp.ratelimit", "unknown key"),
	CASE(icmp_rate_above_range_names_range, S("  icmp = { rate = 1000001; };\n"), 2,
	     "stack.icmp.rate", "1000001 out of range (0..1000000)"),
	CASE(icmp_burst_zero_names_range, S("  icmp = { burst = 0; };\n"), 2, "stack.icmp.burst",
	     "0 out of range (1..100000)"),
	/* ports list */
	CASE(missing_ports_names_stack_line, "stack = {\n  mbufs = 16383;\n};\n", 1,
	     "stack.ports", "required key is missing"),
	CASE(ports_must_be_a_list, "stack = {\n  ports = { name = \"x\"; };\n};\n", 2,
	     "stack.ports", "wrong type: expected a list, got a group"),
	CASE(empty_ports_list_names_count_range, "stack = {\n  ports = ();\n};\n", 2,
	     "stack.ports", "0 entries (allowed 1..8)"),
	CASE(nine_ports_names_count_range,
	     "stack = {\n  ports = ({}, {}, {}, {}, {}, {}, {}, {}, {});\n};\n", 2, "stack.ports",
	     "9 entries (allowed 1..8)"),
	CASE(port_must_be_a_group, "stack = {\n  ports = ( \"lan0\" );\n};\n", 2,
	     "stack.ports.[0]", "wrong type: expected a group, got a string"),
	/* port keys */
	CASE(unknown_port_key_names_line_and_key, P(TAP ADDR "    speed = 10;\n"), 5,
	     "stack.ports.[0].speed", "unknown key"),
	CASE(missing_port_name_names_group_line, P("    type = \"tap\"; iface = \"ft0\";\n" ADDR),
	     2, "stack.ports.[0].name", "required key is missing"),
	CASE(missing_port_type_names_group_line, P(NAME "    iface = \"ft0\";\n" ADDR), 2,
	     "stack.ports.[0].type", "required key is missing"),
	CASE(missing_port_address_names_group_line, P(TAP), 2, "stack.ports.[0].address",
	     "required key is missing"),
	CASE(port_name_too_long_names_limit,
	     P("    name = \"abcdefghijklmnopqrstuvwxyz012345\";\n    type = \"tap\";\n" ADDR), 3,
	     "stack.ports.[0].name", "has 32 characters (allowed 1..31)"),
	CASE(empty_port_name_names_limit, P("    name = \"\";\n    type = \"tap\";\n" ADDR), 3,
	     "stack.ports.[0].name", "has 0 characters (allowed 1..31)"),
	CASE(port_name_with_space_is_rejected,
	     P("    name = \"lan 0\";\n    type = \"tap\";\n" ADDR), 3, "stack.ports.[0].name",
	     "characters other than [A-Za-z0-9_-]"),
	CASE(port_name_int_names_expected_type, P("    name = 5;\n    type = \"tap\";\n" ADDR), 3,
	     "stack.ports.[0].name", "expected a string, got an integer"),
	CASE(unknown_port_type_lists_choices, P(NAME "    type = \"tun\";\n" ADDR), 4,
	     "stack.ports.[0].type",
	     "\"tun\" is not valid (expected tap|pci|memif|virtio_user|vhost|ring)"),
	CASE(tap_without_iface_is_rejected, P(NAME "    type = \"tap\";\n" ADDR), 2,
	     "stack.ports.[0].iface", "required key is missing"),
	CASE(pci_without_pci_is_rejected, P(NAME "    type = \"pci\";\n" ADDR), 2,
	     "stack.ports.[0].pci", "required key is missing"),
	CASE(memif_without_socket_is_rejected, P(NAME "    type = \"memif\";\n" ADDR), 2,
	     "stack.ports.[0].socket", "required key is missing"),
	CASE(virtio_user_without_path_is_rejected, P(NAME "    type = \"virtio_user\";\n" ADDR), 2,
	     "stack.ports.[0].path", "required key is missing"),
	CASE(vhost_without_path_is_rejected, P(NAME "    type = \"vhost\";\n" ADDR), 2,
	     "stack.ports.[0].path", "required key is missing"),
	CASE(ring_without_pair_is_rejected, P(NAME "    type = \"ring\";\n" ADDR), 2,
	     "stack.ports.[0].pair", "required key is missing"),
	CASE(pci_key_on_tap_port_is_rejected, P(TAP ADDR "    pci = \"0000:03:00.0\";\n"), 5,
	     "stack.ports.[0].pci", "not valid for type tap"),
	CASE(role_key_on_tap_port_is_rejected, P(TAP ADDR "    role = \"server\";\n"), 5,
	     "stack.ports.[0].role", "not valid for type tap"),
	CASE(side_key_on_memif_port_is_rejected,
	     P(NAME "    type = \"memif\"; socket = \"/s\";\n" ADDR "    side = 1;\n"), 6,
	     "stack.ports.[0].side", "not valid for type memif"),
	CASE(iface_key_on_pci_port_is_rejected,
	     P(NAME "    type = \"pci\"; pci = \"03:00.0\";\n    iface = \"x\";\n" ADDR), 5,
	     "stack.ports.[0].iface", "not valid for type pci"),
	CASE(path_key_on_ring_port_is_rejected,
	     P(NAME "    type = \"ring\"; pair = \"p0\";\n" ADDR "    path = \"/x\";\n"), 6,
	     "stack.ports.[0].path", "not valid for type ring"),
	CASE(iface_too_long_names_limit,
	     P(NAME "    type = \"tap\";\n    iface = \"abcdefghijklmnop\";\n" ADDR), 5,
	     "stack.ports.[0].iface", "has 16 characters (allowed 1..15)"),
	CASE(iface_with_slash_is_rejected,
	     P(NAME "    type = \"tap\";\n    iface = \"a/b\";\n" ADDR), 5, "stack.ports.[0].iface",
	     "\"a/b\" is not a valid name"),
	CASE(malformed_pci_address_is_rejected,
	     P(NAME "    type = \"pci\";\n    pci = \"03:00\";\n" ADDR), 5, "stack.ports.[0].pci",
	     "\"03:00\" is not a PCI address (expected DDDD:BB:DD.F)"),
	CASE(pci_device_above_1f_is_rejected,
	     P(NAME "    type = \"pci\";\n    pci = \"0000:03:20.0\";\n" ADDR), 5,
	     "stack.ports.[0].pci", "is not a PCI address"),
	CASE(unknown_memif_role_lists_choices,
	     P(NAME "    type = \"memif\"; socket = \"/s\";\n    role = \"master\";\n" ADDR), 5,
	     "stack.ports.[0].role", "\"master\" is not valid (expected client|server)"),
	CASE(ring_side_two_names_range,
	     P(NAME "    type = \"ring\"; pair = \"p0\";\n    side = 2;\n" ADDR), 5,
	     "stack.ports.[0].side", "2 out of range (0..1)"),
	CASE(ring_pair_with_dot_is_rejected,
	     P(NAME "    type = \"ring\";\n    pair = \"p.0\";\n" ADDR), 5, "stack.ports.[0].pair",
	     "\"p.0\" is not a valid name"),
	CASE(empty_vhost_path_is_rejected, P(NAME "    type = \"vhost\";\n    path = \"\";\n" ADDR),
	     5, "stack.ports.[0].path", "has 0 characters (allowed 1..255)"),
	/* addresses */
	CASE(malformed_prefix_names_expected_form, P(TAP "    address = \"1.2.3/24\";\n"), 4,
	     "stack.ports.[0].address",
	     "\"1.2.3/24\" is not an IPv4 prefix (expected A.B.C.D/LEN)"),
	CASE(address_without_length_is_rejected, P(TAP "    address = \"198.51.100.1\";\n"), 4,
	     "stack.ports.[0].address", "is not an IPv4 prefix"),
	CASE(prefix_length_33_is_rejected, P(TAP "    address = \"198.51.100.1/33\";\n"), 4,
	     "stack.ports.[0].address", "is not an IPv4 prefix"),
	CASE(prefix_length_0_names_range, P(TAP "    address = \"198.51.100.1/0\";\n"), 4,
	     "stack.ports.[0].address", "has prefix length 0 (allowed 1..32)"),
	CASE(address_int_names_expected_type, P(TAP "    address = 1;\n"), 4,
	     "stack.ports.[0].address", "expected a string, got an integer"),
	CASE(zero_address_is_rejected, P(TAP "    address = \"0.0.0.0/24\";\n"), 4,
	     "stack.ports.[0].address", "is in 0.0.0.0/8"),
	CASE(loopback_address_is_rejected, P(TAP "    address = \"127.0.0.1/8\";\n"), 4,
	     "stack.ports.[0].address", "is a loopback address"),
	CASE(multicast_address_is_rejected, P(TAP "    address = \"224.0.0.1/24\";\n"), 4,
	     "stack.ports.[0].address", "is a multicast address"),
	CASE(broadcast_address_is_rejected, P(TAP "    address = \"255.255.255.255/32\";\n"), 4,
	     "stack.ports.[0].address", "is the broadcast address"),
	CASE(subnet_broadcast_address_is_rejected, P(TAP "    address = \"198.51.100.255/24\";\n"),
	     4, "stack.ports.[0].address", "is the subnet's broadcast address"),
	CASE(subnet_network_address_is_rejected, P(TAP "    address = \"198.51.100.0/24\";\n"), 4,
	     "stack.ports.[0].address", "is the subnet's network address"),
	CASE(malformed_gateway_names_expected_form, P(TAP ADDR "    gateway = \"198.51.100\";\n"),
	     5, "stack.ports.[0].gateway",
	     "\"198.51.100\" is not an IPv4 address (expected A.B.C.D)"),
	CASE(gateway_outside_subnet_is_rejected, P(TAP ADDR "    gateway = \"198.51.101.1\";\n"),
	     5, "stack.ports.[0].gateway",
	     "\"198.51.101.1\" is not inside the port's subnet 198.51.100.0/24"),
	CASE(gateway_equal_to_address_is_rejected, P(TAP ADDR "    gateway = \"198.51.100.1\";\n"),
	     5, "stack.ports.[0].gateway", "\"198.51.100.1\" is the port's own address"),
	CASE(gateway_on_subnet_broadcast_is_rejected,
	     P(TAP ADDR "    gateway = \"198.51.100.255\";\n"), 5, "stack.ports.[0].gateway",
	     "network or broadcast"),
	CASE(malformed_mac_names_expected_form, P(TAP ADDR "    mac = \"02:00:00:00:00\";\n"), 5,
	     "stack.ports.[0].mac",
	     "\"02:00:00:00:00\" is not a MAC address (expected xx:xx:xx:xx:xx:xx)"),
	CASE(multicast_mac_is_rejected, P(TAP ADDR "    mac = \"01:00:5e:00:00:01\";\n"), 5,
	     "stack.ports.[0].mac", "\"01:00:5e:00:00:01\" is a multicast address"),
	CASE(all_zero_mac_is_rejected, P(TAP ADDR "    mac = \"00:00:00:00:00:00\";\n"), 5,
	     "stack.ports.[0].mac", "\"00:00:00:00:00:00\" is all zeros"),
	/* port integers */
	CASE(mtu_below_range_names_range, P(TAP ADDR "    mtu = 575;\n"), 5, "stack.ports.[0].mtu",
	     "575 out of range (576..9000)"),
	CASE(rx_desc_not_power_of_two_names_range, P(TAP ADDR "    rx_desc = 1000;\n"), 5,
	     "stack.ports.[0].rx_desc", "1000 out of range (power of two, 64..16384)"),
	CASE(tx_desc_above_range_names_range, P(TAP ADDR "    tx_desc = 32768;\n"), 5,
	     "stack.ports.[0].tx_desc", "32768 out of range (power of two, 64..16384)"),
	/* across ports */
	CASE(duplicate_port_name_names_both_ports, TWO_PORTS("lan0", "203.0.113.1/24"), 4,
	     "stack.ports.[1].name", "\"lan0\" already used by stack.ports.[0]"),
	CASE(duplicate_address_names_both_ports, TWO_PORTS("lan1", "198.51.100.1/16"), 4,
	     "stack.ports.[1].address",
	     "\"198.51.100.1/16\" reuses the address of stack.ports.[0]"),
	CASE(error_in_second_port_names_its_index, TWO_PORTS("lan1", "203.0.113.1/33"), 4,
	     "stack.ports.[1].address", "is not an IPv4 prefix"),
};

static void
test_error_case(void **state)
{
	const struct err_case *ec = *state;
	char path[sizeof(TMP_TEMPLATE)], err[ERR_LEN] = "", want[ERR_LEN];
	struct echo_config out;
	int rc = load_text(ec->text, &out, path, err, sizeof(err));

	if (ec->key == NULL)
		snprintf(want, sizeof(want), "%s:%u: ", path, ec->line);
	else if (ec->line == 0)
		snprintf(want, sizeof(want), "%s: %s: ", path, ec->key);
	else
		snprintf(want, sizeof(want), "%s:%u: %s: ", path, ec->line, ec->key);
	print_message("    %s\n", err);
	assert_int_equal(rc, -EINVAL);
	assert_memory_equal(err, want, strlen(want));
	assert_non_null(strstr(err + strlen(want), ec->what));
}

/* Run err_cases[], one cmocka test each, named after the behaviour. */
static int
run_error_cases(void)
{
	enum { N = sizeof(err_cases) / sizeof(err_cases[0]) };
	struct CMUnitTest tests[N];

	for (size_t i = 0; i < N; i++)
		tests[i] = (struct CMUnitTest){
			.name = err_cases[i].name,
			.test_func = test_error_case,
			.initial_state = &err_cases[i],
		};
	/* cmocka_run_group_tests() needs an array of static size; this is what it expands to. */
	return _cmocka_run_group_tests("config_errors", tests, N, NULL, NULL);
}

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static void
assert_port_equal(const struct ft_port_conf *got, const struct ft_port_conf *want)
{
	assert_string_equal(got->name, want->name);
	assert_int_equal(got->type, want->type);
	assert_string_equal(got->dev, want->dev);
	assert_int_equal(got->memif_server, want->memif_server);
	assert_int_equal(got->ring_side, want->ring_side);
	assert_int_equal(got->rx_desc, want->rx_desc);
	assert_int_equal(got->tx_desc, want->tx_desc);
	assert_int_equal(got->mtu, want->mtu);
	assert_int_equal(got->ip4, want->ip4);
	assert_int_equal(got->prefix_len, want->prefix_len);
	assert_int_equal(got->gateway, want->gateway);
	assert_int_equal(got->mac_set, want->mac_set);
	assert_memory_equal(got->mac, want->mac, sizeof(want->mac));
	assert_int_equal(got->no_tso, want->no_tso);
}

/* tso: default on, `tso = false` sets no_tso, anything but a boolean is an error. */
static void
test_port_tso(void **state)
{
	char path[sizeof(TMP_TEMPLATE)], err[ERR_LEN] = "";
	struct echo_config c;

	load_ok(P(TAP ADDR "    tso = false;\n"), &c);
	assert_true(c.stack.ports[0].no_tso);
	load_ok(P(TAP ADDR "    tso = true;\n"), &c);
	assert_false(c.stack.ports[0].no_tso);
	assert_int_not_equal(load_text(P(TAP ADDR "    tso = 1;\n"), &c, path, err, sizeof(err)),
			     0);
	assert_non_null(strstr(err, "tso"));
	(void)state;
}

static void
test_shipped_example_config_loads(void **state)
{
	static const struct ft_port_conf want = {
		.name = "lan0", .type = FT_PORT_TAP, .dev = "ftecho0",
		.rx_desc = 1024, .tx_desc = 1024, .mtu = 1500,
		.ip4 = IP4(198, 51, 100, 1), .prefix_len = 24, .gateway = IP4(198, 51, 100, 254),
		.mac = { 0x02, 0, 0, 0, 0, 0x01 }, .mac_set = true,
	};
	char err[ERR_LEN] = "";
	struct echo_config c;
	int rc = echo_config_load(FT_SOURCE_ROOT "/configs/fasttcp-echo.conf", &c, err,
				  sizeof(err));

	if (rc != 0)
		print_error("%s\n", err);
	assert_int_equal(rc, 0);
	assert_int_equal(c.stack.n_ports, 1);
	assert_port_equal(&c.stack.ports[0], &want);
	assert_int_equal(c.udp_port, 7);
}

static void
test_shipped_minimal_config_loads(void **state)
{
	char err[ERR_LEN] = "";
	struct echo_config c;
	int rc = echo_config_load(FT_SOURCE_ROOT "/configs/minimal.conf", &c, err, sizeof(err));

	if (rc != 0)
		print_error("%s\n", err);
	assert_int_equal(rc, 0);
	assert_int_equal(c.stack.n_ports, 1);
	assert_int_equal(c.stack.ports[0].type, FT_PORT_TAP);
	assert_int_equal(c.stack.ports[0].ip4, IP4(198, 51, 100, 1));
}

static void
test_absent_keys_take_defaults(void **state)
{
	static const struct ft_port_conf want = {
		.name = "lan0", .type = FT_PORT_TAP, .dev = "ft0",
		.rx_desc = 1024, .tx_desc = 1024, .mtu = 1500,
		.ip4 = IP4(198, 51, 100, 1), .prefix_len = 24,
	};
	struct ft_stack_conf d;
	struct echo_config c;

	load_ok(ONE_LINE_STACK, &c);
	ft_stack_conf_init(&d);
	assert_int_equal(c.stack.n_mbufs, d.n_mbufs);
	assert_int_equal(c.stack.arp_entries, d.arp_entries);
	assert_int_equal(c.stack.arp_timeout_ms, d.arp_timeout_ms);
	assert_int_equal(c.stack.arp_queue_len, d.arp_queue_len);
	assert_int_equal(c.stack.arp_retry_ms, d.arp_retry_ms);
	assert_int_equal(c.stack.arp_retries, d.arp_retries);
	assert_int_equal(c.stack.reass_max, d.reass_max);
	assert_int_equal(c.stack.reass_max_frags, d.reass_max_frags);
	assert_int_equal(c.stack.reass_timeout_ms, d.reass_timeout_ms);
	assert_int_equal(c.stack.icmp_rate, d.icmp_rate);
	assert_int_equal(c.stack.icmp_burst, d.icmp_burst);
	assert_int_equal(c.stack.idle_backoff, d.idle_backoff);
	assert_int_equal(c.stack.idle_sleep_us, d.idle_sleep_us);
	assert_int_equal(c.stack.gratuitous_arp, d.gratuitous_arp);
	assert_int_equal(c.stack.n_ports, 1);
	assert_port_equal(&c.stack.ports[0], &want);
	assert_int_equal(c.udp_port, 7);
}

static void
test_every_stack_key_overrides_its_default(void **state)
{
	struct echo_config c;

	load_ok(S("  mbufs = 1023; idle_backoff = false; idle_sleep_us = 100000;\n"
		  "  gratuitous_arp = false;\n"
		  "  arp = { entries = 16; timeout_ms = 3600000; queue_len = 256;\n"
		  "          retry_ms = 10; retries = 20; };\n"
		  "  reassembly = { max_datagrams = 65536; max_fragments = 2;\n"
		  "                 timeout_ms = 100; };\n"
		  "  icmp = { rate = 0; burst = 100000; };\n") "echo = { udp_port = 0; };\n", &c);
	assert_int_equal(c.stack.n_mbufs, 1023);
	assert_false(c.stack.idle_backoff);
	assert_int_equal(c.stack.idle_sleep_us, 100000);
	assert_false(c.stack.gratuitous_arp);
	assert_int_equal(c.stack.arp_entries, 16);
	assert_int_equal(c.stack.arp_timeout_ms, 3600000);
	assert_int_equal(c.stack.arp_queue_len, 256);
	assert_int_equal(c.stack.arp_retry_ms, 10);
	assert_int_equal(c.stack.arp_retries, 20);
	assert_int_equal(c.stack.reass_max, 65536);
	assert_int_equal(c.stack.reass_max_frags, 2);
	assert_int_equal(c.stack.reass_timeout_ms, 100);
	assert_int_equal(c.stack.icmp_rate, 0);
	assert_int_equal(c.stack.icmp_burst, 100000);
	assert_int_equal(c.udp_port, 0);
}

/* One full port of each type, plus memif and ring ports that leave role and side out. */
static void
test_each_port_type_fills_port_conf(void **state)
{
	static const struct ft_port_conf want[FT_MAX_PORTS] = {
		{ .name = "tap0", .type = FT_PORT_TAP, .dev = "ft0", .rx_desc = 64,
		  .tx_desc = 16384, .mtu = 9000, .ip4 = IP4(10, 0, 0, 1), .prefix_len = 24,
		  .gateway = IP4(10, 0, 0, 254), .mac = { 0x02, 0xab, 0xcd, 0xef, 0, 0x01 },
		  .mac_set = true },
		{ .name = "nic_1", .type = FT_PORT_PCI, .dev = "0000:03:00.1", .rx_desc = 2048,
		  .tx_desc = 512, .mtu = 576, .ip4 = IP4(10, 0, 1, 0), .prefix_len = 31,
		  .gateway = IP4(10, 0, 1, 1) },
		{ .name = "mem-s", .type = FT_PORT_MEMIF, .dev = "/run/ft.sock",
		  .memif_server = true, .rx_desc = 1024, .tx_desc = 1024, .mtu = 1500,
		  .ip4 = IP4(10, 0, 2, 1), .prefix_len = 32 },
		{ .name = "vu", .type = FT_PORT_VIRTIO_USER, .dev = "/tmp/vhost.sock",
		  .rx_desc = 1024, .tx_desc = 1024, .mtu = 1500, .ip4 = IP4(10, 0, 3, 1),
		  .prefix_len = 8 },
		{ .name = "vh", .type = FT_PORT_VHOST, .dev = "/tmp/vhost2.sock",
		  .rx_desc = 1024, .tx_desc = 1024, .mtu = 1500, .ip4 = IP4(11, 0, 0, 1),
		  .prefix_len = 16 },
		{ .name = "r1", .type = FT_PORT_RING, .dev = "p0", .ring_side = 1,
		  .rx_desc = 1024, .tx_desc = 1024, .mtu = 1500, .ip4 = IP4(192, 0, 2, 2),
		  .prefix_len = 30 },
		{ .name = "mem-c", .type = FT_PORT_MEMIF, .dev = "/run/ft2.sock",
		  .rx_desc = 1024, .tx_desc = 1024, .mtu = 1500, .ip4 = IP4(192, 0, 2, 5),
		  .prefix_len = 30 },
		{ .name = "r0", .type = FT_PORT_RING, .dev = "p1",
		  .rx_desc = 1024, .tx_desc = 1024, .mtu = 1500, .ip4 = IP4(192, 0, 2, 9),
		  .prefix_len = 30 },
	};
	struct echo_config c;

	load_ok("stack = { ports = (\n"
		"{ name = \"tap0\"; type = \"tap\"; iface = \"ft0\"; address = \"10.0.0.1/24\";\n"
		"  gateway = \"10.0.0.254\"; mac = \"02:AB:cd:ef:00:01\"; mtu = 9000;\n"
		"  rx_desc = 64; tx_desc = 16384; },\n"
		"{ name = \"nic_1\"; type = \"pci\"; pci = \"0000:03:00.1\";\n"
		"  address = \"10.0.1.0/31\"; gateway = \"10.0.1.1\"; mtu = 576;\n"
		"  rx_desc = 2048; tx_desc = 512; },\n"
		"{ name = \"mem-s\"; type = \"memif\"; socket = \"/run/ft.sock\";\n"
		"  role = \"server\";\n"
		"  address = \"10.0.2.1/32\"; },\n"
		"{ name = \"vu\"; type = \"virtio_user\"; path = \"/tmp/vhost.sock\";\n"
		"  address = \"10.0.3.1/8\"; },\n"
		"{ name = \"vh\"; type = \"vhost\"; path = \"/tmp/vhost2.sock\";\n"
		"  address = \"11.0.0.1/16\"; },\n"
		"{ name = \"r1\"; type = \"ring\"; pair = \"p0\"; side = 1;\n"
		"  address = \"192.0.2.2/30\"; },\n"
		"{ name = \"mem-c\"; type = \"memif\"; socket = \"/run/ft2.sock\";\n"
		"  address = \"192.0.2.5/30\"; },\n"
		"{ name = \"r0\"; type = \"ring\"; pair = \"p1\"; address = \"192.0.2.9/30\"; }\n"
		"); };\n", &c);
	assert_int_equal(c.stack.n_ports, FT_MAX_PORTS);
	for (int i = 0; i < FT_MAX_PORTS; i++)
		assert_port_equal(&c.stack.ports[i], &want[i]);
}

static void
test_missing_file_reports_enoent(void **state)
{
	char err[ERR_LEN] = "";
	struct echo_config c;

	assert_int_equal(echo_config_load("/nonexistent/x.conf", &c, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "/nonexistent/x.conf: cannot open: No such file or directory");
}

static void
test_error_in_included_file_names_that_file(void **state)
{
	char inc[sizeof(TMP_TEMPLATE)], path[sizeof(TMP_TEMPLATE)], err[ERR_LEN] = "";
	char main_text[64], want[ERR_LEN];
	struct echo_config c;
	int rc;

	write_tmp(S("  mbufs = 5;\n"), inc);
	snprintf(main_text, sizeof(main_text), "@include \"%s\"\n", inc);
	rc = load_text(main_text, &c, path, err, sizeof(err));
	unlink(inc);
	snprintf(want, sizeof(want), "%s:2: stack.mbufs: 5 out of range", inc);
	assert_int_equal(rc, -EINVAL);
	assert_memory_equal(err, want, strlen(want));
}

static void
test_error_message_is_truncated_to_buffer(void **state)
{
	char path[sizeof(TMP_TEMPLATE)], err[16];
	struct echo_config c;

	memset(err, 'x', sizeof(err));
	assert_int_equal(load_text(S("  mbufs = 5;\n"), &c, path, err, sizeof(err)), -EINVAL);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_int_equal(load_text(S("  mbufs = 5;\n"), &c, path, NULL, 0), -EINVAL);
}

static const struct CMUnitTest value_tests[] = {
	cmocka_unit_test(test_shipped_example_config_loads),
	cmocka_unit_test(test_shipped_minimal_config_loads),
	cmocka_unit_test(test_absent_keys_take_defaults),
	cmocka_unit_test(test_port_tso),
	cmocka_unit_test(test_every_stack_key_overrides_its_default),
	cmocka_unit_test(test_each_port_type_fills_port_conf),
	cmocka_unit_test(test_missing_file_reports_enoent),
	cmocka_unit_test(test_error_in_included_file_names_that_file),
	cmocka_unit_test(test_error_message_is_truncated_to_buffer),
};

int
main(void)
{
	int failed = cmocka_run_group_tests(value_tests, NULL, NULL);

	return failed + run_error_cases();
}
