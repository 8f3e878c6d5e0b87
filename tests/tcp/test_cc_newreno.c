/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NewReno congestion control (tcp/cc_newreno.c) through the ops table of tcp/cc.h: initial
 * window (RFC 6928), slow start with ABC L = 2 (RFC 3465), congestion avoidance, fast
 * recovery with inflation and partial-ACK deflation (RFC 5681 §3.2, RFC 6582 §3.2), recovery
 * exit, RTO and restart after idle (RFC 5681 §3.1, §4.1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcp/cc.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define INF FT_CC_SSTHRESH_INF

static const struct ft_cc_ops *nr;

static int
setup(void **state)
{
	nr = ft_cc_find("newreno");
	return nr == NULL ? -1 : 0;
}

/* A fresh connection with the given window, as if it had been running a while. */
static void
conn_at(struct ft_cc_state *cc, uint32_t mss, uint32_t cwnd, uint32_t ssthresh)
{
	nr->init(cc, mss, 0);
	cc->cwnd = cwnd;
	cc->ssthresh = ssthresh;
}

static void
ack(struct ft_cc_state *cc, uint32_t acked, uint16_t n_acks, uint32_t flight, uint32_t una)
{
	const struct ft_cc_ack a = {
		.acked_bytes = acked, .n_acks = n_acks, .flight_bytes = flight, .snd_una = una,
		.cwnd_limited = true,
	};

	ft_cc_ack_batch(nr, cc, &a);
}

static void
test_cc_find_registry(void **state)
{
	assert_ptr_equal(ft_cc_find("newreno"), &ft_cc_newreno);
	assert_string_equal(ft_cc_newreno.name, "newreno");
	assert_ptr_equal(ft_cc_find("cubic"), &ft_cc_cubic);
	assert_null(ft_cc_find("NewReno"));
	assert_null(ft_cc_find(""));
	assert_null(ft_cc_find(NULL));
}

static void
test_cc_init_sets_rfc6928_initial_window(void **state)
{
	static const struct { uint32_t mss, iw; } t[] = {
		{ 536, 5360 },   /* 10 * MSS */
		{ 1000, 10000 }, /* 10 * MSS */
		{ 1460, 14600 }, /* 14600 */
		{ 2000, 14600 }, /* 14600 */
		{ 8000, 16000 }, /* 2 * MSS */
		{ 9000, 18000 }, /* 2 * MSS */
	};

	for (size_t i = 0; i < N(t); i++) {
		struct ft_cc_state cc;

		nr->init(&cc, t[i].mss, 0xfffffff0);
		assert_int_equal(ft_cc_initial_window(t[i].mss), t[i].iw);
		assert_int_equal(cc.cwnd, t[i].iw);
		assert_int_equal(cc.mss, t[i].mss);
		assert_int_equal(cc.ssthresh, INF);
		assert_int_equal(cc.bytes_acked, 0);
		assert_int_equal(cc.recover, 0xfffffff0); /* RFC 6582 §3.2 step 1: ISS */
		assert_false(cc.in_recovery);
	}
}

struct ss_case {
	const char *name;
	uint32_t cwnd, ssthresh, acked;
	uint16_t n_acks;
	bool limited;
	uint32_t want;
};

static const struct ss_case ss_cases[] = {
	/* mss 1460 throughout */
	{ "one full-sized ACK adds 1 MSS", 14600, INF, 1460, 1, true, 16060 },
	{ "delayed ACK of 2 segments adds 2 MSS", 14600, INF, 2920, 1, true, 17520 },
	{ "stretch ACK of 3 segments: L = 2 MSS", 14600, INF, 4380, 1, true, 17520 },
	{ "stretch ACK of 10 segments: L = 2 MSS", 14600, INF, 14600, 1, true, 17520 },
	{ "5 ACKs for 10 segments in a batch: 10 MSS", 14600, INF, 14600, 5, true, 29200 },
	{ "4 ACKs for 10 segments in a batch: 8 MSS", 14600, INF, 14600, 4, true, 26280 },
	{ "a small ACK adds its bytes", 14600, INF, 500, 1, true, 15100 },
	{ "n_acks 0 counts as one ACK", 14600, INF, 4380, 0, true, 17520 },
	{ "growth stops at ssthresh", 14600, 16000, 2920, 1, true, 16000 },
	{ "not cwnd-limited: no growth", 14600, INF, 2920, 1, false, 14600 },
	{ "duplicate ACK: no growth", 14600, INF, 0, 1, true, 14600 },
	{ "cwnd stops at FT_CC_CWND_MAX", FT_CC_CWND_MAX - 100, INF, 2920, 1, true,
	  FT_CC_CWND_MAX },
};

static void
test_cc_slow_start_adds_acked_bytes_up_to_abc_limit(void **state)
{
	for (size_t i = 0; i < N(ss_cases); i++) {
		const struct ss_case *c = &ss_cases[i];
		struct ft_cc_state cc;
		struct ft_cc_ack a = {
			.acked_bytes = c->acked, .n_acks = c->n_acks, .flight_bytes = c->cwnd,
			.snd_una = 1000, .cwnd_limited = c->limited,
		};

		print_message("  %-45s -> %u\n", c->name, c->want);
		conn_at(&cc, 1460, c->cwnd, c->ssthresh);
		ft_cc_ack_batch(nr, &cc, &a);
		assert_int_equal(cc.cwnd, c->want);
		assert_int_equal(cc.bytes_acked, 0); /* no byte counting in slow start */
	}
}

static void
test_cc_switches_to_avoidance_at_ssthresh(void **state)
{
	/* cwnd after each 2-segment ACK; ssthresh 15000 */
	static const struct { uint32_t cwnd, bytes_acked; } want[] = {
		{ 12000, 0 }, { 14000, 0 }, { 15000, 0 },  /* slow start, capped at ssthresh */
		{ 15000, 2000 }, { 15000, 4000 }, { 15000, 6000 }, { 15000, 8000 },
		{ 15000, 10000 }, { 15000, 12000 }, { 15000, 14000 },
		{ 16000, 1000 },                           /* 16000 acked >= cwnd: +1 MSS */
		{ 16000, 3000 },
	};
	struct ft_cc_state cc;
	uint32_t una = 0;

	conn_at(&cc, 1000, 10000, 15000);
	for (size_t i = 0; i < N(want); i++) {
		una += 2000;
		ack(&cc, 2000, 1, cc.cwnd, una);
		assert_int_equal(cc.cwnd, want[i].cwnd);
		assert_int_equal(cc.bytes_acked, want[i].bytes_acked);
	}
}

struct ca_case {
	uint32_t mss, cwnd, batch; /* bytes acked per ACK batch */
};

static const struct ca_case ca_cases[] = {
	{ 1460, 14600, 2920 }, /* delayed ACKs */
	{ 1460, 14600, 1000 }, /* batches that do not divide the window */
	{ 1460, 100000, 1460 },
	{ 536, 5360, 536 },
	{ 9000, 90000, 18000 },
	{ 1460, 14600, 14600 }, /* a whole window per batch (ACK compression) */
};

static void
test_cc_avoidance_grows_one_mss_per_window_of_acks(void **state)
{
	for (size_t i = 0; i < N(ca_cases); i++) {
		const struct ca_case *c = &ca_cases[i];
		struct ft_cc_state cc;
		uint32_t una = 0;

		print_message("  mss %u cwnd %u batch %u\n", c->mss, c->cwnd, c->batch);
		conn_at(&cc, c->mss, c->cwnd, c->cwnd); /* cwnd == ssthresh: avoidance */
		for (uint32_t round = 1; round <= 20; round++) {
			/* One RTT: the whole window at the start of the round is acked. */
			uint32_t left = cc.cwnd;

			while (left > 0) {
				uint32_t n = left < c->batch ? left : c->batch;

				una += n;
				ack(&cc, n, 1, cc.cwnd, una);
				left -= n;
			}
			assert_int_equal(cc.cwnd, c->cwnd + round * c->mss);
		}
	}
}

static void
test_cc_avoidance_needs_cwnd_limited(void **state)
{
	struct ft_cc_state cc;
	const struct ft_cc_ack a = { .acked_bytes = 20000, .n_acks = 10, .snd_una = 20000 };

	conn_at(&cc, 1000, 10000, 10000);
	ft_cc_ack_batch(nr, &cc, &a);
	assert_int_equal(cc.cwnd, 10000);
	assert_int_equal(cc.bytes_acked, 0);
}

struct cong_case {
	uint32_t mss, flight, ssthresh;
};

static const struct cong_case cong_cases[] = {
	{ 1460, 100000, 50000 },    /* FlightSize / 2 */
	{ 1460, 5840, 2920 },       /* / 2 == 2 * MSS */
	{ 1460, 2000, 2920 },       /* floor 2 * MSS */
	{ 536, 0, 1072 },
	{ 9000, 1000000, 500000 },
	{ 1460, 1u << 30, 1u << 29 }, /* the largest possible window */
};

static void
test_cc_fast_recovery_entry_halves_flight(void **state)
{
	for (size_t i = 0; i < N(cong_cases); i++) {
		const struct cong_case *c = &cong_cases[i];
		struct ft_cc_state cc;

		conn_at(&cc, c->mss, 200000, INF);
		cc.bytes_acked = 1234;
		nr->on_congestion(&cc, c->flight, 0x12345678);
		assert_int_equal(cc.ssthresh, c->ssthresh);
		assert_int_equal(cc.cwnd, c->ssthresh + 3 * c->mss); /* RFC 5681 §3.2 step 3 */
		assert_int_equal(cc.recover, 0x12345678);
		assert_int_equal(cc.bytes_acked, 0);
		assert_true(cc.in_recovery);
		/* a second signal in the same recovery changes nothing */
		nr->on_congestion(&cc, c->flight / 4, 0x22345678);
		assert_int_equal(cc.ssthresh, c->ssthresh);
		assert_int_equal(cc.recover, 0x12345678);
	}
}

/* One step of a recovery episode entered with mss 1000, flight 20000, recover 50000:
 * ssthresh 10000, cwnd 13000. */
struct rec_step {
	const char *name;
	uint32_t acked;
	uint16_t dupacks;
	uint32_t una, flight;
	uint32_t cwnd;
	bool in_recovery;
};

static const struct rec_step rec_steps[] = {
	{ "2 more dupacks inflate by 2 MSS", 0, 2, 30000, 20000, 15000, true },
	{ "partial ACK of 5 MSS: -5000 + 1 MSS", 5000, 0, 35000, 15000, 11000, true },
	{ "partial ACK below 1 MSS: no add-back", 500, 0, 35500, 14500, 10500, true },
	{ "partial ACK of exactly 1 MSS: add-back", 1000, 0, 36500, 13500, 10500, true },
	{ "a dupack and a partial ACK in one batch", 2000, 1, 38500, 11500, 10500, true },
	{ "partial ACK larger than cwnd: 0 + 1 MSS", 11000, 0, 49500, 500, 1000, true },
	{ "partial ACK to below 1 MSS: floor 1 MSS", 300, 0, 49800, 200, 1000, true },
	{ "full ACK: min(ssthresh, flight + MSS)", 200, 0, 50000, 0, 2000, false },
	{ "next ACK is slow start again", 2000, 0, 52000, 2000, 4000, false },
};

static void
test_cc_recovery_inflates_on_dupacks_and_deflates_on_partial_ack(void **state)
{
	struct ft_cc_state cc;

	conn_at(&cc, 1000, 20000, INF);
	nr->on_congestion(&cc, 20000, 50000);
	assert_int_equal(cc.ssthresh, 10000);
	assert_int_equal(cc.cwnd, 13000);
	for (size_t i = 0; i < N(rec_steps); i++) {
		const struct rec_step *s = &rec_steps[i];
		const struct ft_cc_ack a = {
			.acked_bytes = s->acked, .n_acks = 1, .n_dupacks = s->dupacks,
			.snd_una = s->una, .flight_bytes = s->flight, .cwnd_limited = true,
		};

		print_message("  %-45s -> %u\n", s->name, s->cwnd);
		ft_cc_ack_batch(nr, &cc, &a);
		assert_int_equal(cc.cwnd, s->cwnd);
		assert_int_equal(cc.in_recovery, s->in_recovery);
		assert_int_equal(cc.ssthresh, 10000);
	}
}

struct exit_case {
	const char *name;
	uint32_t una, flight; /* recover is 0x100, across the wrap from the entry point */
	uint32_t cwnd;
	bool in_recovery;
};

static const struct exit_case exit_cases[] = {
	{ "flight ~ ssthresh: cwnd = ssthresh", 0x100, 10000, 10000, false },
	{ "flight above ssthresh: cwnd = ssthresh", 0x100, 20000, 10000, false },
	{ "flight ssthresh - MSS: cwnd = ssthresh", 0x100, 9000, 10000, false },
	{ "small flight: flight + MSS, no burst", 0x100, 4000, 5000, false },
	{ "empty pipe: 2 MSS", 0x100, 0, 2000, false },
	{ "flight below 1 MSS: 2 MSS", 0x100, 500, 2000, false },
	{ "ACK beyond recover is full too", 0x200, 10000, 10000, false },
	{ "ACK just below recover is partial, < 1 MSS", 0xff, 10000, 13000 - 0x1ff, true },
};

static void
test_cc_full_ack_exits_recovery(void **state)
{
	for (size_t i = 0; i < N(exit_cases); i++) {
		const struct exit_case *c = &exit_cases[i];
		struct ft_cc_state cc;

		print_message("  %-45s -> %u\n", c->name, c->cwnd);
		conn_at(&cc, 1000, 20000, INF);
		nr->on_congestion(&cc, 20000, 0x100);
		ack(&cc, c->una - 0xffffff00u, 1, c->flight, c->una); /* snd_una was 0xffffff00 */
		assert_int_equal(cc.in_recovery, c->in_recovery);
		assert_int_equal(cc.cwnd, c->cwnd);
		assert_int_equal(cc.ssthresh, 10000);
	}
}

static void
test_cc_rto_sets_loss_window_and_holds_ssthresh_when_repeated(void **state)
{
	struct ft_cc_state cc;

	conn_at(&cc, 1000, 30000, INF);
	cc.bytes_acked = 5000;
	nr->on_rto(&cc, 30000, 80000, false);
	assert_int_equal(cc.ssthresh, 15000);
	assert_int_equal(cc.cwnd, 1000); /* loss window: 1 MSS */
	assert_int_equal(cc.bytes_acked, 0);
	assert_int_equal(cc.recover, 80000);
	/* the retransmission times out again: ssthresh held, not max(1000 / 2, 2 MSS) */
	nr->on_rto(&cc, 1000, 80000, true);
	assert_int_equal(cc.ssthresh, 15000);
	assert_int_equal(cc.cwnd, 1000);
	/* then slow start from 1 MSS */
	ack(&cc, 1000, 1, 0, 51000);
	assert_int_equal(cc.cwnd, 2000);
	/* dupacks for data sent before the timeout must not start fast retransmit */
	assert_false(ft_cc_ack_covers_recover(&cc, 51000));
	assert_true(ft_cc_ack_covers_recover(&cc, 80000));
}

static void
test_cc_rto_in_recovery_ends_it(void **state)
{
	struct ft_cc_state cc;

	conn_at(&cc, 1000, 40000, INF);
	nr->on_congestion(&cc, 40000, 50000);
	nr->on_rto(&cc, 38000, 60000, false);
	assert_false(cc.in_recovery);
	assert_int_equal(cc.ssthresh, 19000);
	assert_int_equal(cc.cwnd, 1000);
	assert_int_equal(cc.recover, 60000);
	ack(&cc, 1000, 1, 37000, 30000); /* not a full ACK now: plain slow start */
	assert_int_equal(cc.cwnd, 2000);
}

struct idle_case {
	const char *name;
	uint32_t cwnd;
	uint64_t idle_us;
	uint32_t rto_us, want;
};

static const struct idle_case idle_cases[] = {
	/* mss 1460, IW 14600, ssthresh 40000 */
	{ "idle over one RTO: back to IW", 100000, 2000000, 1000000, 14600 },
	{ "idle for hours: back to IW", 100000, 10800000000ull, 1000000, 14600 },
	{ "idle exactly one RTO: unchanged", 100000, 1000000, 1000000, 100000 },
	{ "short idle: unchanged", 100000, 5000, 200000, 100000 },
	{ "cwnd below IW stays", 5000, 2000000, 1000000, 5000 },
};

static void
test_cc_restart_after_idle_uses_min_iw_cwnd(void **state)
{
	for (size_t i = 0; i < N(idle_cases); i++) {
		const struct idle_case *c = &idle_cases[i];
		struct ft_cc_state cc;

		print_message("  %-45s -> %u\n", c->name, c->want);
		conn_at(&cc, 1460, c->cwnd, 40000);
		nr->after_idle(&cc, c->idle_us, c->rto_us);
		assert_int_equal(cc.cwnd, c->want);
		assert_int_equal(cc.ssthresh, 40000); /* kept: slow start regains the window */
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cc_find_registry),
		cmocka_unit_test(test_cc_init_sets_rfc6928_initial_window),
		cmocka_unit_test(test_cc_slow_start_adds_acked_bytes_up_to_abc_limit),
		cmocka_unit_test(test_cc_switches_to_avoidance_at_ssthresh),
		cmocka_unit_test(test_cc_avoidance_grows_one_mss_per_window_of_acks),
		cmocka_unit_test(test_cc_avoidance_needs_cwnd_limited),
		cmocka_unit_test(test_cc_fast_recovery_entry_halves_flight),
		cmocka_unit_test(test_cc_recovery_inflates_on_dupacks_and_deflates_on_partial_ack),
		cmocka_unit_test(test_cc_full_ack_exits_recovery),
		cmocka_unit_test(test_cc_rto_sets_loss_window_and_holds_ssthresh_when_repeated),
		cmocka_unit_test(test_cc_rto_in_recovery_ends_it),
		cmocka_unit_test(test_cc_restart_after_idle_uses_min_iw_cwnd),
	};

	return cmocka_run_group_tests_name("tcp_cc_newreno", tests, setup, NULL);
}
