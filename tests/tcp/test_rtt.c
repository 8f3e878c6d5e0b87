/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 6298 estimator (tcp/rtt.c). Expected values are worked by hand from the RFC formulas
 * with the rounding of rtt.h (whole microseconds, truncating division):
 *   first R:  SRTT = R, RTTVAR = R / 2
 *   next R:   RTTVAR = (3 * RTTVAR + |SRTT - R|) / 4, then SRTT = (7 * SRTT + R) / 8
 *   RTO = clamp(SRTT + max(1, 4 * RTTVAR), min, max)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcp/rtt.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MS 1000u
#define SEC 1000000u

struct rtt_step {
	uint32_t sample;
	uint32_t srtt, rttvar, rto; /* expected after the sample */
};

struct rtt_case {
	const char *name;
	uint32_t min_rto, max_rto;
	uint8_t n;
	struct rtt_step steps[6];
};

static const struct rtt_case rtt_cases[] = {
	{ "100 ms path, then jitter", 0, 60 * SEC, 4, {
		/* 100000 + 4 * 50000 */
		{ 100000, 100000, 50000, 300000 },
		/* var (150000 + 0) / 4; srtt (700000 + 100000) / 8; 100000 + 150000 */
		{ 100000, 100000, 37500, 250000 },
		/* var (112500 + 100000) / 4; srtt (700000 + 200000) / 8; 112500 + 212500 */
		{ 200000, 112500, 53125, 325000 },
		/* var (159375 + 62500) / 4 = 55468.75; srtt 837500 / 8 = 104687.5;
		 * 104687 + 4 * 55468 */
		{ 50000, 104687, 55468, 326559 },
	} },
	{ "small values show the truncation", 0, 60 * SEC, 2, {
		/* 7 / 2 = 3.5; 7 + 12 */
		{ 7, 7, 3, 19 },
		/* var (9 + 6) / 4 = 3.75; srtt (49 + 1) / 8 = 6.25; 6 + 12 */
		{ 1, 6, 3, 18 },
	} },
	{ "a 0 us sample counts as the 1 us granularity", 0, 60 * SEC, 2, {
		/* R = G = 1: var 0, RTO = 1 + max(G, 0) */
		{ 0, 1, 0, 2 },
		/* var (0 + 0) / 4; srtt (7 + 1) / 8 */
		{ 0, 1, 0, 2 },
	} },
	{ "RTO below min_rto is raised to it", 200 * MS, 60 * SEC, 2, {
		/* 1000 + 2000 = 3000 -> 200 ms */
		{ 1000, 1000, 500, 200 * MS },
		/* var (1500 + 0) / 4 = 375; 1000 + 1500 -> 200 ms */
		{ 1000, 1000, 375, 200 * MS },
	} },
	{ "RTO above max_rto is capped", 200 * MS, 60 * SEC, 2, {
		/* 30 s + 60 s -> 60 s */
		{ 30 * SEC, 30 * SEC, 15 * SEC, 60 * SEC },
		/* var (45 s + 29 s) / 4 = 18.5 s; srtt (210 s + 1 s) / 8 = 26.375 s; 26.375 + 74 */
		{ 1 * SEC, 26375000, 18500000, 60 * SEC },
	} },
	{ "huge samples do not overflow", 0, UINT32_MAX, 2, {
		/* 4e9 + 8e9 exceeds 32 bits: capped */
		{ 4000000000u, 4000000000u, 2000000000u, UINT32_MAX },
		/* var (6e9 + 0) / 4 = 1.5e9; srtt (28e9 + 4e9) / 8 = 4e9 */
		{ 4000000000u, 4000000000u, 1500000000u, UINT32_MAX },
	} },
};

static void
test_rtt_samples_follow_rfc6298_table(void **state)
{
	for (size_t i = 0; i < N(rtt_cases); i++) {
		const struct rtt_case *c = &rtt_cases[i];
		struct ft_rtt r;

		print_message("  %s\n", c->name);
		ft_rtt_init(&r, FT_RTT_INITIAL_RTO_US, c->min_rto, c->max_rto);
		for (uint8_t k = 0; k < c->n; k++) {
			const struct rtt_step *s = &c->steps[k];

			ft_rtt_sample(&r, s->sample);
			assert_int_equal(r.srtt_us, s->srtt);
			assert_int_equal(r.rttvar_us, s->rttvar);
			assert_int_equal(r.rto_us, s->rto);
			assert_int_equal(ft_rtt_rto(&r), s->rto);
		}
	}
}

static void
test_rtt_constant_path_decays_rttvar_to_zero(void **state)
{
	struct ft_rtt r;

	ft_rtt_init(&r, FT_RTT_INITIAL_RTO_US, 0, 60 * SEC);
	for (int i = 0; i < 40; i++)
		ft_rtt_sample(&r, 1000);
	/* 500, 375, 281, 210, ... 1, 0: truncation reaches 0; the RTO keeps G above SRTT. */
	assert_int_equal(r.srtt_us, 1000);
	assert_int_equal(r.rttvar_us, 0);
	assert_int_equal(ft_rtt_rto(&r), 1001);
}

static void
test_rtt_init_uses_1s_and_clamps_it(void **state)
{
	struct ft_rtt r;

	ft_rtt_init(&r, FT_RTT_INITIAL_RTO_US, 30 * MS, 60 * SEC);
	assert_int_equal(r.srtt_us, 0);
	assert_int_equal(r.backoff, 0);
	assert_int_equal(ft_rtt_rto(&r), 1 * SEC); /* RFC 6298 §2.1, not the old 3 s */
	ft_rtt_init(&r, FT_RTT_INITIAL_RTO_US, 30 * MS, 500 * MS);
	assert_int_equal(ft_rtt_rto(&r), 500 * MS);
	ft_rtt_init(&r, 10 * MS, 30 * MS, 60 * SEC);
	assert_int_equal(ft_rtt_rto(&r), 30 * MS);
}

static void
test_rtt_backoff_doubles_up_to_max(void **state)
{
	static const uint32_t want[] = { 1 * SEC, 2 * SEC, 4 * SEC, 8 * SEC, 16 * SEC, 32 * SEC,
					 60 * SEC, 60 * SEC, 60 * SEC };
	struct ft_rtt r;

	ft_rtt_init(&r, FT_RTT_INITIAL_RTO_US, 200 * MS, 60 * SEC);
	for (size_t i = 0; i < N(want); i++) {
		assert_int_equal(r.backoff, i);
		assert_int_equal(ft_rtt_rto(&r), want[i]);
		ft_rtt_backoff(&r);
	}
	ft_rtt_reset_backoff(&r);
	assert_int_equal(r.backoff, 0);
	assert_int_equal(ft_rtt_rto(&r), 1 * SEC);
}

static void
test_rtt_backoff_counter_saturates_without_overflow(void **state)
{
	struct ft_rtt r;

	ft_rtt_init(&r, 4000000000u, 0, UINT32_MAX);
	for (int i = 0; i < 300; i++) {
		ft_rtt_backoff(&r);
		assert_int_equal(ft_rtt_rto(&r), UINT32_MAX);
	}
	assert_int_equal(r.backoff, 255);
	ft_rtt_init(&r, 1, 0, UINT32_MAX);
	for (int i = 0; i < 31; i++)
		ft_rtt_backoff(&r);
	assert_int_equal(ft_rtt_rto(&r), 1u << 31); /* the last exact doubling */
	ft_rtt_backoff(&r);
	assert_int_equal(ft_rtt_rto(&r), UINT32_MAX);
}

static void
test_rtt_sample_keeps_the_backoff(void **state)
{
	struct ft_rtt r;

	ft_rtt_init(&r, FT_RTT_INITIAL_RTO_US, 0, 60 * SEC);
	ft_rtt_backoff(&r);
	ft_rtt_backoff(&r);
	ft_rtt_sample(&r, 100 * MS); /* RTO 300 ms, still backed off twice */
	assert_int_equal(r.backoff, 2);
	assert_int_equal(ft_rtt_rto(&r), 1200 * MS);
	ft_rtt_reset_backoff(&r); /* the caller's job, on an ACK of new data */
	assert_int_equal(ft_rtt_rto(&r), 300 * MS);
}

struct syn_case {
	const char *name;
	uint32_t initial, max_rto, sample; /* sample 0: none taken */
	uint32_t want;
};

static const struct syn_case syn_cases[] = {
	{ "no sample: 1 s becomes 3 s", FT_RTT_INITIAL_RTO_US, 60 * SEC, 0, 3 * SEC },
	{ "sample from timestamps: measured RTO stands", FT_RTT_INITIAL_RTO_US, 60 * SEC,
	  100 * MS, 300 * MS },
	{ "3 s capped by max_rto", FT_RTT_INITIAL_RTO_US, 2 * SEC, 0, 2 * SEC },
	{ "RTO already above 3 s is kept", 5 * SEC, 60 * SEC, 0, 5 * SEC },
};

static void
test_rtt_syn_timeout_sets_3s_only_without_sample(void **state)
{
	for (size_t i = 0; i < N(syn_cases); i++) {
		const struct syn_case *c = &syn_cases[i];
		struct ft_rtt r;

		print_message("  %s\n", c->name);
		ft_rtt_init(&r, c->initial, 200 * MS, c->max_rto);
		if (c->sample != 0)
			ft_rtt_sample(&r, c->sample);
		ft_rtt_syn_timeout(&r);
		assert_int_equal(ft_rtt_rto(&r), c->want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rtt_samples_follow_rfc6298_table),
		cmocka_unit_test(test_rtt_constant_path_decays_rttvar_to_zero),
		cmocka_unit_test(test_rtt_init_uses_1s_and_clamps_it),
		cmocka_unit_test(test_rtt_backoff_doubles_up_to_max),
		cmocka_unit_test(test_rtt_backoff_counter_saturates_without_overflow),
		cmocka_unit_test(test_rtt_sample_keeps_the_backoff),
		cmocka_unit_test(test_rtt_syn_timeout_sets_3s_only_without_sample),
	};

	return cmocka_run_group_tests_name("tcp_rtt", tests, NULL, NULL);
}
