/* SPDX-License-Identifier: BSD-3-Clause */
/* Sequence arithmetic modulo 2^32 (tcp/seq.h): comparison and range tables across the wrap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcp/seq.h"

struct cmp_case {
	uint32_t a, b;
	int32_t diff; /* a - b */
	bool lt, leq, gt, geq;
	uint32_t max, min;
};

static const struct cmp_case cmp_cases[] = {
	/* a           b           diff         lt     leq    gt     geq    max         min */
	{ 0, 0, 0, false, true, false, true, 0, 0 },
	{ 0, 1, -1, true, true, false, false, 1, 0 },
	{ 1, 0, 1, false, false, true, true, 1, 0 },
	{ 1000, 2000, -1000, true, true, false, false, 2000, 1000 },
	/* across the wrap: 0xffffffff is just before 0 */
	{ 0xffffffff, 0, -1, true, true, false, false, 0, 0xffffffff },
	{ 0, 0xffffffff, 1, false, false, true, true, 0, 0xffffffff },
	{ 0xfffffff0, 0x10, -32, true, true, false, false, 0x10, 0xfffffff0 },
	{ 0x10, 0xfffffff0, 32, false, false, true, true, 0x10, 0xfffffff0 },
	{ 0xffffffff, 0xffffffff, 0, false, true, false, true, 0xffffffff, 0xffffffff },
	/* the largest unambiguous distance, 2^31 - 1 */
	{ 0, 0x7fffffff, -0x7fffffff, true, true, false, false, 0x7fffffff, 0 },
	{ 0x7fffffff, 0, 0x7fffffff, false, false, true, true, 0x7fffffff, 0 },
	{ 0x80000000, 0xffffffff, -0x7fffffff, true, true, false, false, 0xffffffff,
	  0x80000000 },
	/* 2^31 + 1 apart: the shorter way (2^31 - 1, across the wrap) wins: 0 is after 0x80000001 */
	{ 0, 0x80000001, 0x7fffffff, false, false, true, true, 0, 0x80000001 },
	{ 0x80000001, 0, -0x7fffffff, true, true, false, false, 0, 0x80000001 },
};

static void
test_seq_comparisons_follow_the_shorter_way_round(void **state)
{
	for (size_t i = 0; i < sizeof(cmp_cases) / sizeof(cmp_cases[0]); i++) {
		const struct cmp_case *c = &cmp_cases[i];

		print_message("case %zu: a %#x b %#x\n", i, c->a, c->b);
		assert_int_equal(ft_seq_diff(c->a, c->b), c->diff);
		assert_int_equal(ft_seq_lt(c->a, c->b), c->lt);
		assert_int_equal(ft_seq_leq(c->a, c->b), c->leq);
		assert_int_equal(ft_seq_gt(c->a, c->b), c->gt);
		assert_int_equal(ft_seq_geq(c->a, c->b), c->geq);
		assert_int_equal(ft_seq_max(c->a, c->b), c->max);
		assert_int_equal(ft_seq_min(c->a, c->b), c->min);
		/* max/min do not depend on the argument order */
		assert_int_equal(ft_seq_max(c->b, c->a), c->max);
		assert_int_equal(ft_seq_min(c->b, c->a), c->min);
	}
}

static void
test_seq_distance_2_31_is_less_both_ways(void **state)
{
	/* Documented ambiguity: never reached, windows stay below 2^30 (RFC 7323 §2.3). */
	assert_true(ft_seq_lt(0, 0x80000000));
	assert_true(ft_seq_lt(0x80000000, 0));
	assert_int_equal(ft_seq_diff(0, 0x80000000), INT32_MIN);
}

struct in_case {
	uint32_t s, lo, hi;
	bool in;
};

static const struct in_case in_cases[] = {
	{ 100, 100, 200, true },         /* lo is inside */
	{ 199, 100, 200, true },
	{ 200, 100, 200, false },        /* hi is outside */
	{ 99, 100, 200, false },
	{ 100, 100, 100, false },        /* empty range */
	{ 0xfffffff0, 0xfffffff0, 0x10, true }, /* range across the wrap */
	{ 0xffffffff, 0xfffffff0, 0x10, true },
	{ 0, 0xfffffff0, 0x10, true },
	{ 0xf, 0xfffffff0, 0x10, true },
	{ 0x10, 0xfffffff0, 0x10, false },
	{ 0xffffffef, 0xfffffff0, 0x10, false },
	{ 0x80000000, 0xfffffff0, 0x10, false },
	{ 0, 0xffffffff, 0, false },     /* empty range at the wrap */
	{ 0xffffffff, 0xffffffff, 0, true }, /* one number */
	{ 0x40000000, 0, 0x40000001, true }, /* a maximal 2^30 window */
	{ 0x40000001, 0, 0x40000001, false },
	{ 0xfffffffe, 0, 0xffffffff, true }, /* ranges longer than 2^31 still work */
	{ 0xffffffff, 0, 0xffffffff, false },
};

static void
test_seq_in_is_half_open_and_wraps(void **state)
{
	for (size_t i = 0; i < sizeof(in_cases) / sizeof(in_cases[0]); i++) {
		const struct in_case *c = &in_cases[i];

		print_message("case %zu: %#x in [%#x, %#x)\n", i, c->s, c->lo, c->hi);
		assert_int_equal(ft_seq_in(c->s, c->lo, c->hi), c->in);
	}
}

static void
test_seq_walk_across_the_wrap_stays_ordered(void **state)
{
	/* A sender stepping 1460 bytes at a time from just below the wrap: every step is
	 * "greater" than the one before and the sum of diffs is the distance travelled. */
	uint32_t s = 0xffffffff - 10 * 1460, prev;
	int64_t total = 0;

	for (int i = 0; i < 30; i++) {
		prev = s;
		s += 1460;
		assert_true(ft_seq_gt(s, prev));
		assert_true(ft_seq_in(prev, prev, s));
		total += ft_seq_diff(s, prev);
	}
	assert_int_equal(total, 30 * 1460);
	assert_int_equal(ft_seq_diff(s, 0xffffffff - 10 * 1460), 30 * 1460);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seq_comparisons_follow_the_shorter_way_round),
		cmocka_unit_test(test_seq_distance_2_31_is_less_both_ways),
		cmocka_unit_test(test_seq_in_is_half_open_and_wraps),
		cmocka_unit_test(test_seq_walk_across_the_wrap_stays_ordered),
	};

	return cmocka_run_group_tests_name("tcp_seq", tests, NULL, NULL);
}
