/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-ovpn-gw client-config-dir files (apps/dpdk-ovpn-gw/ccd.c): the applied directives
 * (ifconfig-push, iroute, push "route ...", disable) with OpenVPN's quoting and comments; the
 * error policy (a malformed known directive fails with "file:line: reason", anything else is
 * ignored through the warning callback); certificate names usable as file names; reading a
 * file from a directory (absent file = defaults). Files go to a mkdtemp() directory under
 * /tmp, removed before the assertions. No EAL.
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

#include "ccd.h"

#define ERR_LEN 512
#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

struct warns {
	int n;
	char last[ERR_LEN];
};

static void
collect(void *arg, const char *msg)
{
	struct warns *w = arg;

	w->n++;
	snprintf(w->last, sizeof(w->last), "%s", msg);
}

static int
parse(const char *text, struct gw_ccd *out, struct warns *w, char *err)
{
	memset(w, 0, sizeof(*w));
	err[0] = '\0';
	return gw_ccd_parse(text, strlen(text), "ccd/alice", out, collect, w, err, ERR_LEN);
}

static void
test_ccd_full_file(void **state)
{
	const char *text =
		"# fixed address and a network behind the client\n"
		"ifconfig-push 10.8.0.200 255.255.255.0\n"
		"  ; indented comment\n"
		"iroute 192.168.50.0 255.255.255.0\r\n"
		"iroute 192.168.60.7\n"
		"\n"
		"push \"route 172.16.0.0 255.240.0.0\"\n"
		"push 'route 172.31.1.1'\n";
	struct gw_ccd c;
	struct warns w;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(parse(text, &c, &w, err), 0);
	assert_true(c.has_ifconfig);
	assert_int_equal(c.ifconfig_ip, IP(10, 8, 0, 200));
	assert_int_equal(c.ifconfig_mask, IP(255, 255, 255, 0));
	assert_int_equal(c.n_iroutes, 2);
	assert_int_equal(c.iroutes[0].addr, IP(192, 168, 50, 0));
	assert_int_equal(c.iroutes[0].len, 24);
	assert_int_equal(c.iroutes[1].addr, IP(192, 168, 60, 7));
	assert_int_equal(c.iroutes[1].len, 32);
	assert_int_equal(c.n_push_routes, 2);
	assert_int_equal(c.push_routes[0].addr, IP(172, 16, 0, 0));
	assert_int_equal(c.push_routes[0].len, 12);
	assert_int_equal(c.push_routes[1].len, 32);
	assert_false(c.disable);
	assert_int_equal(w.n, 0);
	assert_int_equal(c.n_ignored, 0);
}

static void
test_ccd_disable_and_empty(void **state)
{
	struct gw_ccd c;
	struct warns w;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(parse("disable\n", &c, &w, err), 0);
	assert_true(c.disable);
	assert_int_equal(parse("", &c, &w, err), 0);
	assert_false(c.disable);
	assert_false(c.has_ifconfig);
	assert_int_equal(c.n_iroutes, 0);
	/* No trailing newline: the last line still counts. */
	assert_int_equal(parse("iroute 10.9.0.0 255.255.0.0", &c, &w, err), 0);
	assert_int_equal(c.n_iroutes, 1);
	assert_int_equal(c.iroutes[0].len, 16);
}

/* Ignored, with a warning naming file and line: other directives and other pushed options. */
static void
test_ccd_unknown_is_ignored_with_warning(void **state)
{
	const char *text =
		"push-reset\n"
		"ifconfig-push 10.8.0.9 255.255.255.0\n"
		"push \"dhcp-option DNS 10.8.0.1\"\n"
		"push \"route 10.1.0.0 255.255.0.0 10.8.0.1 5\"\n";
	struct gw_ccd c;
	struct warns w;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(parse(text, &c, &w, err), 0);
	assert_int_equal(w.n, 3);
	assert_int_equal(c.n_ignored, 3);
	assert_non_null(strstr(w.last, "ccd/alice:4: ignored"));
	assert_true(c.has_ifconfig);
	assert_int_equal(c.n_push_routes, 0);
	/* Without a callback the lines are still counted. */
	assert_int_equal(gw_ccd_parse("push-reset\n", 11, "f", &c, NULL, NULL, err, ERR_LEN), 0);
	assert_int_equal(c.n_ignored, 1);
}

/* Malformed known directives: -EINVAL and "file:line: reason". */
static void
test_ccd_errors_name_file_and_line(void **state)
{
	static const struct {
		const char *text;
		const char *where;
		const char *what;
	} cases[] = {
		{ "ifconfig-push 10.8.0.9\n", "ccd/alice:1:", "expected IP NETMASK" },
		{ "\nifconfig-push 10.8.0.300 255.255.255.0\n", "ccd/alice:2:", "not an IPv4" },
		{ "ifconfig-push 10.8.0.9 255.0.255.0\n", "ccd/alice:1:", "contiguous" },
		{ "#\n#\niroute 192.168.1.1 255.255.255.0\n", "ccd/alice:3:", "host bits" },
		{ "iroute\n", "ccd/alice:1:", "expected NETWORK" },
		{ "iroute 1.2.3.0 255.255.255.0 x\n", "ccd/alice:1:", "expected NETWORK" },
		{ "iroute banana\n", "ccd/alice:1:", "not an IPv4" },
		{ "push \"route 10.0.0.1 255.0.0.0\"\n", "ccd/alice:1:", "host bits" },
		{ "push route 10.0.0.0\n", "ccd/alice:1:", "one quoted option" },
		{ "push \"route 10.0.0.0\n", "ccd/alice:1:", "unterminated quote" },
		{ "disable now\n", "ccd/alice:1:", "no argument" },
		{ "a b c d e f g h i\n", "ccd/alice:1:", "more than" },
	};
	struct gw_ccd c;
	struct warns w;
	char err[ERR_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(cases[i].text, &c, &w, err), -EINVAL);
		if (strstr(err, cases[i].where) != err || strstr(err, cases[i].what) == NULL)
			fail_msg("case %zu: \"%s\"", i, err);
	}
}

static void
test_ccd_limits(void **state)
{
	char text[GW_CCD_IROUTES_MAX * 32 + 64] = "", line[GW_CCD_LINE_MAX + 8];
	struct gw_ccd c;
	struct warns w;
	char err[ERR_LEN];
	size_t n = 0;

	(void)state;
	for (int i = 0; i <= GW_CCD_IROUTES_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "iroute 10.%d.0.0 255.255.0.0\n",
				      i);
	assert_int_equal(parse(text, &c, &w, err), -EINVAL);
	assert_non_null(strstr(err, "ccd/alice:17: iroute: more than 16"));
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	assert_int_equal(parse(line, &c, &w, err), -EINVAL);
	assert_non_null(strstr(err, "longer than"));
	assert_int_equal(gw_ccd_parse("disable\0x\n", 10, "f", &c, NULL, NULL, err, ERR_LEN),
			 -EINVAL);
}

static void
test_ccd_quotes_and_escapes(void **state)
{
	struct gw_ccd c;
	struct warns w;
	char err[ERR_LEN];

	(void)state;
	/* A quoted directive name and a backslash inside double quotes. */
	assert_int_equal(parse("\"iroute\" \"10.2.0.0\" 255.255.0.0\n", &c, &w, err), 0);
	assert_int_equal(c.n_iroutes, 1);
	assert_int_equal(parse("push \"route 10.3.0.0 \\\"255.255.0.0\\\"\"\n", &c, &w, err), 0);
	assert_int_equal(c.n_push_routes, 1);
	assert_int_equal(c.push_routes[0].len, 16);
	assert_int_equal(parse("iroute \"10.4.0.0\n", &c, &w, err), -EINVAL);
	assert_non_null(strstr(err, "unterminated quote"));
}

static void
test_ccd_cn_valid(void **state)
{
	char long_cn[65];

	(void)state;
	assert_true(gw_ccd_cn_valid("client1"));
	assert_true(gw_ccd_cn_valid("alice@example.org"));
	assert_true(gw_ccd_cn_valid("a-b_c.d"));
	assert_false(gw_ccd_cn_valid(""));
	assert_false(gw_ccd_cn_valid(".hidden"));
	assert_false(gw_ccd_cn_valid(".."));
	assert_false(gw_ccd_cn_valid("../etc/passwd"));
	assert_false(gw_ccd_cn_valid("a/b"));
	assert_false(gw_ccd_cn_valid("has space"));
	memset(long_cn, 'a', sizeof(long_cn) - 1);
	long_cn[sizeof(long_cn) - 1] = '\0';
	assert_false(gw_ccd_cn_valid(long_cn)); /* 64 characters */
	long_cn[63] = '\0';
	assert_true(gw_ccd_cn_valid(long_cn));
}

static void
test_ccd_load_from_directory(void **state)
{
	char dir[] = "/tmp/ft_ccd_XXXXXX", path[64], err[ERR_LEN] = "";
	struct gw_ccd c;
	int rc_present, rc_absent, rc_bad, rc_name;
	bool found_present, found_absent;
	uint32_t ip;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/alice", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("ifconfig-push 10.8.0.77 255.255.255.0\n", f);
	fclose(f);
	rc_present = gw_ccd_load(dir, "alice", &c, NULL, NULL, err, sizeof(err));
	found_present = c.found;
	ip = c.ifconfig_ip;
	rc_absent = gw_ccd_load(dir, "bob", &c, NULL, NULL, err, sizeof(err));
	found_absent = c.found;
	rc_name = gw_ccd_load(dir, "../alice", &c, NULL, NULL, err, sizeof(err));
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("\n\niroute 1.2.3.4 255.255.255.0\n", f);
	fclose(f);
	rc_bad = gw_ccd_load(dir, "alice", &c, NULL, NULL, err, sizeof(err));
	unlink(path);
	rmdir(dir);
	assert_int_equal(rc_present, 0);
	assert_true(found_present);
	assert_int_equal(ip, IP(10, 8, 0, 77));
	assert_int_equal(rc_absent, 0);
	assert_false(found_absent);
	assert_int_equal(rc_name, -EINVAL);
	assert_int_equal(rc_bad, -EINVAL);
	assert_non_null(strstr(err, "/alice:3: iroute"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ccd_full_file),
		cmocka_unit_test(test_ccd_disable_and_empty),
		cmocka_unit_test(test_ccd_unknown_is_ignored_with_warning),
		cmocka_unit_test(test_ccd_errors_name_file_and_line),
		cmocka_unit_test(test_ccd_limits),
		cmocka_unit_test(test_ccd_quotes_and_escapes),
		cmocka_unit_test(test_ccd_cn_valid),
		cmocka_unit_test(test_ccd_load_from_directory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
