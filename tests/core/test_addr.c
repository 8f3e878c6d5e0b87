/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4 text forms (src/core/addr.c): strict parsing, table-driven. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <fasttcp/ft_addr.h>

static void
test_ip4_parse_table(void **state)
{
	static const struct { const char *s; int rc; uint32_t a; } t[] = {
		{ "198.51.100.1", 0, 0xc6336401 }, { "0.0.0.0", 0, 0 },
		{ "255.255.255.255", 0, 0xffffffff }, { "256.1.1.1", -EINVAL, 0 },
		{ "1.2.3", -EINVAL, 0 }, { "1.2.3.4.5", -EINVAL, 0 }, { "1.2.3.4 ", -EINVAL, 0 },
		{ "", -EINVAL, 0 }, { "a.b.c.d", -EINVAL, 0 }, { "1..2.3", -EINVAL, 0 },
		{ "0001.2.3.4", -EINVAL, 0 }, { "-1.2.3.4", -EINVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint32_t a = 0;

		assert_int_equal(ft_ip4_parse(t[i].s, &a), t[i].rc);
		if (t[i].rc == 0)
			assert_int_equal(a, t[i].a);
	}
	assert_int_equal(ft_ip4_parse(NULL, NULL), -EINVAL);
}

static void
test_prefix_parse_table(void **state)
{
	static const struct { const char *s; int rc; uint32_t a; uint8_t len; } t[] = {
		{ "198.51.100.1/24", 0, 0xc6336401, 24 }, { "10.0.0.0/0", 0, 0x0a000000, 0 },
		{ "10.0.0.1/32", 0, 0x0a000001, 32 }, { "10.0.0.1/33", -EINVAL, 0, 0 },
		{ "10.0.0.1", -EINVAL, 0, 0 }, { "10.0.0.1/", -EINVAL, 0, 0 },
		{ "10.0.0.1/2x", -EINVAL, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ft_ip4_prefix p = { 0 };

		assert_int_equal(ft_ip4_prefix_parse(t[i].s, &p), t[i].rc);
		if (t[i].rc == 0) {
			assert_int_equal(p.addr, t[i].a);
			assert_int_equal(p.len, t[i].len);
		}
	}
}

static void
test_format_and_mask(void **state)
{
	char buf[FT_IP4_STRLEN];

	assert_string_equal(ft_ip4_format(0xcb007101, buf, sizeof(buf)), "203.0.113.1");
	assert_int_equal(ft_ip4_mask(0), 0);
	assert_int_equal(ft_ip4_mask(24), 0xffffff00);
	assert_int_equal(ft_ip4_mask(32), 0xffffffff);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip4_parse_table),
		cmocka_unit_test(test_prefix_parse_table),
		cmocka_unit_test(test_format_and_mask),
	};

	return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}
