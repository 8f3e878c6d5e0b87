/* SPDX-License-Identifier: BSD-3-Clause */
/* Receive-buffer autotuning (src/tcp/autotune.h): table of RTT windows -> buffer size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcp/autotune.h"

static void
test_buffer_doubles_only_when_an_rtt_filled_it(void **state)
{
	/* Each step: bytes received since the last step, time elapsed -> expected size. */
	static const struct { uint32_t bytes, us, want; } steps[] = {
		{ 100000, 50, 262144 },   /* RTT not over yet: no decision */
		{ 130000, 60, 524288 },   /* 230000 >= 7/8 of 256 KiB in one RTT: double */
		{ 100000, 100, 524288 },  /* light RTT: keep */
		{ 460000, 100, 1048576 }, /* filled again: double */
		{ 10, 1000000, 1048576 }, /* idle for a long time: keep */
		{ 950000, 100, 2097152 },
		{ 1900000, 100, 4194304 },
		{ 4000000, 100, 4194304 }, /* at the maximum */
	};
	struct ft_rcv_autotune a = { .start_seq = 0xfffffff0, .start_us = 0 }; /* wraps */
	uint32_t seq = 0xfffffff0, size = 262144;
	uint64_t now = 0;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		seq += steps[i].bytes;
		now += steps[i].us;
		size = ft_tcp_autotune(&a, seq, now, 100, size, 4194304);
		assert_int_equal(size, steps[i].want);
	}
}

static void
test_odd_maximum_is_reached_not_passed(void **state)
{
	struct ft_rcv_autotune a = { 0 };

	assert_int_equal(ft_tcp_autotune(&a, 300000, 200, 100, 262144, 400000), 400000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buffer_doubles_only_when_an_rtt_filled_it),
		cmocka_unit_test(test_odd_maximum_is_reached_not_passed),
	};

	return cmocka_run_group_tests_name("autotune", tests, NULL, NULL);
}
