/* SPDX-License-Identifier: BSD-3-Clause */
/* SYN cookies (src/tcp/syncookie.c): round trip, tamper, expiry, MSS encoding. Pure logic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcp/syncookie.h"

static const uint64_t key[2] = { 0x0123456789abcdefull, 0xfedcba9876543210ull };

static struct ft_syncookie_tuple
tuple(void)
{
	return (struct ft_syncookie_tuple){ .saddr = 0xc6336402, .daddr = 0xc6336401,
					    .sport = 40000, .dport = 80, .peer_isn = 12345 };
}

static void
test_cookie_round_trip_in_same_and_next_period(void **state)
{
	struct ft_syncookie_tuple tu = tuple();
	uint32_t c = ft_syncookie_make(key, &tu, 1460, 1000);
	uint16_t mss = 0;

	assert_true(ft_syncookie_check(key, &tu, c, 1000, &mss));
	assert_int_equal(mss, 1460);
	assert_true(ft_syncookie_check(key, &tu, c, 1000 + 64, &mss)); /* previous period */
	assert_false(ft_syncookie_check(key, &tu, c, 1000 + 3 * 64, &mss)); /* expired */
}

static void
test_cookie_rejects_other_tuple_key_or_isn(void **state)
{
	struct ft_syncookie_tuple tu = tuple(), other;
	uint64_t key2[2] = { key[0] ^ 1, key[1] };
	uint32_t c = ft_syncookie_make(key, &tu, 1460, 5000);
	uint16_t mss;

	other = tu;
	other.sport++;
	assert_false(ft_syncookie_check(key, &other, c, 5000, &mss));
	other = tu;
	other.peer_isn++;
	assert_false(ft_syncookie_check(key, &other, c, 5000, &mss));
	assert_false(ft_syncookie_check(key2, &tu, c, 5000, &mss));
	assert_false(ft_syncookie_check(key, &tu, c ^ 0x10, 5000, &mss));
}

static void
test_cookie_encodes_largest_mss_not_above_peer(void **state)
{
	static const struct { uint16_t peer, want; } t[] = {
		{ 100, 536 }, { 536, 536 }, { 1199, 536 }, { 1200, 1200 }, { 1448, 1440 },
		{ 1460, 1460 }, { 9000, 8960 },
	};
	struct ft_syncookie_tuple tu = tuple();

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint16_t mss = 0;
		uint32_t c = ft_syncookie_make(key, &tu, t[i].peer, 77);

		assert_true(ft_syncookie_check(key, &tu, c, 77, &mss));
		assert_int_equal(mss, t[i].want);
	}
}

static void
test_cookie_forgery_rate_is_low(void **state)
{
	struct ft_syncookie_tuple tu = tuple();
	uint32_t hits = 0;
	uint16_t mss;

	/* Guessing: 2^-24 per try within the valid periods; 2^20 tries should almost never hit. */
	for (uint32_t g = 0; g < (1u << 20); g++)
		hits += ft_syncookie_check(key, &tu, g * 4099u, 1000, &mss);
	assert_true(hits <= 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cookie_round_trip_in_same_and_next_period),
		cmocka_unit_test(test_cookie_rejects_other_tuple_key_or_isn),
		cmocka_unit_test(test_cookie_encodes_largest_mss_not_above_peer),
		cmocka_unit_test(test_cookie_forgery_rate_is_low),
	};

	return cmocka_run_group_tests_name("syncookie", tests, NULL, NULL);
}
