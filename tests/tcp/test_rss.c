/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RSS queue prediction (src/tcp/rss.h): the Toeplitz hash against Microsoft's published
 * verification vector, symmetry of the 0x6d5a key, and that port choice can reach every queue.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcp/rss.h"

/* The key of Microsoft's "Verifying the RSS hash calculation" document. */
static const uint8_t ms_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

static uint8_t sym_key[40];

static void
test_toeplitz_matches_microsoft_vector(void **state)
{
	/* 66.9.149.187:2794 -> 161.142.100.80:1766, IPv4 with TCP ports: 0x51ccc178. */
	uint32_t tuple[3] = { 0x420995bb, 0xa18e6450, 2794u << 16 | 1766 };

	assert_int_equal(rte_softrss(tuple, 3, ms_key), 0x51ccc178);
}

static void
test_symmetric_key_maps_both_directions_to_one_queue(void **state)
{
	for (uint32_t i = 0; i < 1000; i++) {
		uint32_t a = 0xc6336400 + i, b = 0xcb007100 + (i * 7 & 0xff);
		uint16_t pa = (uint16_t)(1024 + i * 13), pb = (uint16_t)(40000 + i);

		assert_int_equal(ft_rss_queue(sym_key, 128, 4, a, b, pa, pb),
				 ft_rss_queue(sym_key, 128, 4, b, a, pb, pa));
	}
}

static void
test_some_port_reaches_each_queue(void **state)
{
	unsigned int hits[4] = { 0 };

	for (uint16_t p = 49152; p < 49152 + 400; p++)
		hits[ft_rss_queue(sym_key, 128, 4, 0xc6336402, 0xc6336401, 80, p)]++;
	for (int q = 0; q < 4; q++)
		assert_true(hits[q] > 40); /* roughly even: each near 100 */
}

static int
setup(void **state)
{
	for (int i = 0; i < 40; i += 2) {
		sym_key[i] = 0x6d;
		sym_key[i + 1] = 0x5a;
	}
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_toeplitz_matches_microsoft_vector),
		cmocka_unit_test(test_symmetric_key_maps_both_directions_to_one_queue),
		cmocka_unit_test(test_some_port_reaches_each_queue),
	};

	return cmocka_run_group_tests_name("rss", tests, setup, NULL);
}
