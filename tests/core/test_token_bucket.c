/* SPDX-License-Identifier: BSD-3-Clause */
/* Token bucket (core/token_bucket.h) used for the ICMP error rate limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/token_bucket.h"

#define HZ 1000000 /* a 1 MHz fake TSC: 1 tick = 1 us */

static void
test_burst_then_rate(void **state)
{
	struct ft_token_bucket tb;
	int n = 0;

	ft_tb_init(&tb, HZ, 1000, 50, 0);
	while (ft_tb_take(&tb, 0))
		n++;
	assert_int_equal(n, 50); /* the burst */
	assert_false(ft_tb_take(&tb, 999));
	assert_true(ft_tb_take(&tb, 1000)); /* one token per ms at 1000/s */
	assert_false(ft_tb_take(&tb, 1500));
	n = 0;
	while (ft_tb_take(&tb, 10 * HZ))
		n++;
	assert_int_equal(n, 50); /* a long idle banks no more than the burst */
}

static void
test_zero_rate_is_unlimited(void **state)
{
	struct ft_token_bucket tb;

	ft_tb_init(&tb, HZ, 0, 1, 0);
	for (int i = 0; i < 10000; i++)
		assert_true(ft_tb_take(&tb, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_rate),
		cmocka_unit_test(test_zero_rate_is_unlimited),
	};

	return cmocka_run_group_tests_name("token_bucket", tests, NULL, NULL);
}
