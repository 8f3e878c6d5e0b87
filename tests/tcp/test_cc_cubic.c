/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUBIC (tcp/cc_cubic.c, RFC 9438) and its HyStart++ slow start (RFC 9406) through the ops
 * table of tcp/cc.h, on fake time (ft_cc_ack.now_us). Expected windows come from the RFC
 * formulas written out here: W_cubic(t) = C (t - K)^3 + W_max, K = cbrt((W_max - cwnd_epoch)
 * / C), W_est += alpha * segments_acked / cwnd, with the cube roots precomputed (python3:
 * x ** (1 / 3)). An ACK batch that acks a whole cwnd moves cwnd exactly to target (§4.4:
 * cwnd += (target - cwnd) / cwnd per segment), which is what makes the curve observable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcp/cc.h"
#include "tcp/seq.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define INF FT_CC_SSTHRESH_INF
#define MS 1000ull      /* microseconds */
#define SEC 1000000ull  /* microseconds */
#define SRTT (100 * MS) /* the SRTT of the avoidance tests */
#define T0 (50 * SEC)   /* when their epoch starts */

static const struct ft_cc_ops *cu;

static int
setup(void **state)
{
	cu = ft_cc_find("cubic");
	return cu == NULL ? -1 : 0;
}

/* RFC 9438 Figure 1 in bytes; t and k in seconds, w_max in segments. */
static double
rfc_w_cubic(double t, double k, double w_max_seg, uint32_t mss)
{
	double d = t - k;

	return (0.4 * d * d * d + w_max_seg) * mss;
}

/* One ACK batch outside recovery; n_acks as if every segment were acked on its own. */
static void
batch(struct ft_cc_state *cc, uint32_t acked, uint64_t now_us, bool limited)
{
	uint32_t n = acked / cc->mss + 1;
	const struct ft_cc_ack a = {
		.acked_bytes = acked, .n_acks = (uint16_t)(n > 65535 ? 65535 : n),
		.flight_bytes = cc->cwnd, .cwnd_limited = limited, .srtt_us = SRTT,
		.now_us = now_us,
	};

	ft_cc_ack_batch(cu, cc, &a);
}

/* A whole window acked at @p now_us: cwnd moves to target. */
static void
window_acked(struct ft_cc_state *cc, uint64_t now_us)
{
	batch(cc, cc->cwnd, now_us, true);
}

/* Loss at cwnd = flight = @p w (recover 5000), and the full ACK that ends recovery with
 * ssthresh still in flight. */
static void
loss_and_recovery(struct ft_cc_state *cc, uint32_t w)
{
	struct ft_cc_ack a = { .n_acks = 1, .snd_una = 5000, .cwnd_limited = true };

	cc->cwnd = w;
	cu->on_congestion(cc, w, 5000);
	a.flight_bytes = cc->ssthresh;
	ft_cc_ack_batch(cu, cc, &a);
	assert_false(cc->in_recovery);
	assert_int_equal(cc->cwnd, cc->ssthresh);
}

/* A connection in avoidance after a loss at window @p w (no earlier W_max): its epoch starts
 * with a one-segment ACK at T0. */
static void
avoiding_after_loss(struct ft_cc_state *cc, uint32_t mss, uint32_t w)
{
	cu->init(cc, mss, 0);
	loss_and_recovery(cc, w);
	batch(cc, mss, T0, true);
}

static void
test_cc_find_knows_cubic(void **state)
{
	assert_ptr_equal(ft_cc_find("cubic"), &ft_cc_cubic);
	assert_string_equal(ft_cc_cubic.name, "cubic");
	assert_ptr_equal(ft_cc_find("newreno"), &ft_cc_newreno);
	assert_null(ft_cc_find("CUBIC"));
}

static void
test_cc_init_sets_iw_and_infinite_ssthresh(void **state)
{
	struct ft_cc_state cc;

	memset(&cc, 0xa5, sizeof(cc));
	cu->init(&cc, 1460, 0xfffffff0);
	assert_int_equal(cc.cwnd, 14600);
	assert_int_equal(cc.mss, 1460);
	assert_int_equal(cc.ssthresh, INF);
	assert_int_equal(cc.recover, 0xfffffff0);
	assert_int_equal(cc.bytes_acked, 0);
	assert_false(cc.in_recovery);
}

struct ss_case {
	const char *name;
	uint32_t cwnd, ssthresh, acked;
	uint16_t n_acks;
	bool limited;
	uint32_t want;
};

static const struct ss_case ss_cases[] = {
	/* mss 1460; INF: the initial slow start (HyStart++), else slow start after a loss */
	{ "initial: one full-sized ACK adds 1 MSS", 14600, INF, 1460, 1, true, 16060 },
	{ "initial: stretch ACK of 3 segments: L = 2", 14600, INF, 4380, 1, true, 17520 },
	{ "initial: 5 ACKs for 10 segments: 10 MSS", 14600, INF, 14600, 5, true, 29200 },
	{ "initial: not cwnd-limited: no growth", 14600, INF, 2920, 1, false, 14600 },
	{ "initial: duplicate ACK: no growth", 14600, INF, 0, 1, true, 14600 },
	{ "initial: stops at FT_CC_CWND_MAX", FT_CC_CWND_MAX - 100, INF, 2920, 1, true,
	  FT_CC_CWND_MAX },
	{ "after loss: one full-sized ACK adds 1 MSS", 14600, 40000, 1460, 1, true, 16060 },
	{ "after loss: stretch ACK: L = 2", 14600, 40000, 14600, 1, true, 17520 },
	{ "after loss: stops at ssthresh", 14600, 16000, 2920, 1, true, 16000 },
	{ "after loss: not cwnd-limited: no growth", 14600, 40000, 2920, 1, false, 14600 },
};

static void
test_cc_slow_start_adds_acked_bytes_up_to_abc_limit(void **state)
{
	for (size_t i = 0; i < N(ss_cases); i++) {
		const struct ss_case *c = &ss_cases[i];
		struct ft_cc_state cc;
		const struct ft_cc_ack a = {
			.acked_bytes = c->acked, .n_acks = c->n_acks, .flight_bytes = c->cwnd,
			.snd_una = 1000, .cwnd_limited = c->limited, .rtt_us = 10000,
			.n_rtt = 1, .snd_max = 100000, .now_us = SEC,
		};

		print_message("  %-45s -> %u\n", c->name, c->want);
		cu->init(&cc, 1460, 0);
		cc.cwnd = c->cwnd;
		cc.ssthresh = c->ssthresh;
		ft_cc_ack_batch(cu, &cc, &a);
		assert_int_equal(cc.cwnd, c->want);
	}
}

/*
 * HyStart++ harness: a cwnd-limited sender (mss 1000) whose every segment is acked on its
 * own, 1 ms apart, each ACK carrying one RTT sample. A round (RFC 9406 §4.2) ends with the
 * ACK that covers windowEnd, the snd_max when the round began.
 */
struct sim {
	struct ft_cc_state cc;
	uint32_t una, snd_max, window_end;
	uint64_t now;
	bool started;
};

static void
sim_init(struct sim *s)
{
	memset(s, 0, sizeof(*s));
	cu->init(&s->cc, 1000, 0);
	s->snd_max = s->cc.cwnd; /* the initial window is out */
	s->now = SEC;
}

/* One ACK of @p bytes; returns how much cwnd grew. Sets *round_end if it closed a round. */
static uint32_t
sim_ack_bytes(struct sim *s, uint32_t bytes, uint32_t rtt_us, bool *round_end)
{
	uint32_t before = s->cc.cwnd;
	struct ft_cc_ack a = {
		.acked_bytes = bytes, .n_acks = 1, .snd_una = s->una + bytes,
		.cwnd_limited = true, .rtt_us = rtt_us, .n_rtt = 1, .snd_max = s->snd_max,
		.now_us = s->now,
	};

	if (!s->started)
		s->window_end = s->snd_max;
	s->started = true;
	s->una += bytes;
	a.flight_bytes = s->snd_max - s->una;
	ft_cc_ack_batch(cu, &s->cc, &a);
	*round_end = ft_seq_geq(s->una, s->window_end);
	if (*round_end)
		s->window_end = a.snd_max;
	if (ft_seq_lt(s->snd_max, s->una + s->cc.cwnd))
		s->snd_max = s->una + s->cc.cwnd; /* the sender fills the new window */
	s->now += MS;
	return s->cc.cwnd - before;
}

static uint32_t
sim_ack(struct sim *s, uint32_t rtt_us, bool *round_end)
{
	return sim_ack_bytes(s, 1000, rtt_us, round_end);
}

/* The rest of the current round at one RTT; returns the number of ACKs. */
static unsigned int
sim_round(struct sim *s, uint32_t rtt_us)
{
	unsigned int n = 0;
	bool end;

	do {
		sim_ack(s, rtt_us, &end);
		n++;
	} while (!end);
	return n;
}

/* Three rounds at @p base_us, then the first ACKs of a fourth at @p rtt_us: returns the
 * growth of each of its first 9 ACKs in @p grow. */
static void
sim_rise(struct sim *s, uint32_t base_us, uint32_t rtt_us, uint32_t grow[9])
{
	bool end;

	sim_init(s);
	for (int r = 0; r < 3; r++)
		sim_round(s, base_us);
	for (int i = 0; i < 9; i++) {
		grow[i] = sim_ack(s, rtt_us, &end);
		assert_false(end);
	}
}

struct rise_case {
	uint32_t base_us, rtt_us;
	bool css;
};

static const struct rise_case rise_cases[] = {
	/* RttThresh = clamp(lastRoundMinRTT / 8, 4 ms, 16 ms) */
	{ 10000, 13999, false }, { 10000, 14000, true },    /* 1.25 ms -> 4 ms */
	{ 1000, 4999, false },   { 1000, 5000, true },      /* 0.125 ms -> 4 ms */
	{ 80000, 89999, false }, { 80000, 90000, true },    /* 10 ms */
	{ 200000, 215999, false }, { 200000, 216000, true }, /* 25 ms -> 16 ms */
	{ 10000, 9000, false },                              /* RTT fell */
};

static void
test_cc_hystart_enters_css_when_rtt_rises_by_threshold(void **state)
{
	for (size_t i = 0; i < N(rise_cases); i++) {
		const struct rise_case *c = &rise_cases[i];
		uint32_t grow[9];
		struct sim s;

		print_message("  last round %u us, this round %u us -> %s\n", c->base_us,
			      c->rtt_us, c->css ? "CSS" : "slow start");
		sim_rise(&s, c->base_us, c->rtt_us, grow);
		/* The first 8 samples are needed before the check; growth comes first. */
		for (int k = 0; k < 8; k++)
			assert_int_equal(grow[k], 1000);
		assert_int_equal(grow[8], c->css ? 1000 / 4 : 1000);
		assert_int_equal(s.cc.ssthresh, INF);
	}
}

static void
test_cc_hystart_needs_n_rtt_samples_per_round(void **state)
{
	struct sim s;
	bool end;
	uint32_t before;
	struct ft_cc_ack a = { .acked_bytes = 1000, .n_acks = 1, .cwnd_limited = true,
			       .rtt_us = 50000 };

	/* 6 samples of a much larger RTT: not enough to leave slow start */
	sim_init(&s);
	for (int r = 0; r < 3; r++)
		sim_round(&s, 10000);
	for (int k = 0; k < 6; k++)
		assert_int_equal(sim_ack(&s, 50000, &end), 1000);
	assert_int_equal(sim_ack(&s, 0, &end), 1000); /* ACKs without a sample do not count */
	assert_int_equal(sim_ack(&s, 0, &end), 1000);
	/* one batch that carries the 7th and 8th samples is enough */
	a.n_rtt = 2;
	a.snd_una = s.una + 1000;
	a.snd_max = s.snd_max;
	ft_cc_ack_batch(cu, &s.cc, &a);
	s.una += 1000;
	before = s.cc.cwnd;
	assert_int_equal(sim_ack(&s, 50000, &end), 250);
	assert_int_equal(s.cc.cwnd, before + 250);
}

static void
test_cc_hystart_returns_to_slow_start_when_rtt_falls(void **state)
{
	uint32_t grow[9], before;
	struct sim s;
	bool end;

	sim_rise(&s, 10000, 14000, grow); /* CSS, baseline 14 ms */
	assert_int_equal(grow[8], 250);
	/* a quarter of what slow start would add, remainders carried: 4 x 999 bytes -> 999 */
	before = s.cc.cwnd;
	for (int k = 0; k < 4; k++)
		sim_ack_bytes(&s, 999, 14000, &end);
	assert_int_equal(s.cc.cwnd, before + 999);
	sim_round(&s, 14000);
	/* next round: RTT at the baseline keeps CSS */
	for (int k = 0; k < 9; k++)
		assert_int_equal(sim_ack(&s, 14000, &end), 250);
	sim_round(&s, 14000);
	/* next round: RTT just below the baseline: the exit was spurious, after 8 samples */
	for (int k = 0; k < 8; k++)
		assert_int_equal(sim_ack(&s, 13999, &end), 250);
	assert_int_equal(sim_ack(&s, 13999, &end), 1000);
	sim_round(&s, 13999);
	/* HyStart++ goes on: a new rise enters CSS again */
	for (int k = 0; k < 8; k++)
		assert_int_equal(sim_ack(&s, 18000, &end), 1000);
	assert_int_equal(sim_ack(&s, 18000, &end), 250);
	assert_int_equal(s.cc.ssthresh, INF);
}

static void
test_cc_hystart_ends_in_avoidance_after_css_rounds(void **state)
{
	uint32_t grow[9], before;
	struct sim s;
	bool end;

	sim_rise(&s, 10000, 14000, grow); /* CSS entered in round 4: CSS round 1 */
	sim_round(&s, 14000);
	for (int r = 2; r < 5; r++) { /* CSS rounds 2-4 */
		sim_round(&s, 15000);
		assert_int_equal(s.cc.ssthresh, INF);
	}
	/* CSS round 5: still CSS until its last ACK, which ends slow start */
	do {
		assert_int_equal(s.cc.ssthresh, INF);
		assert_int_equal(sim_ack(&s, 15000, &end), 250);
	} while (!end);
	assert_int_equal(s.cc.ssthresh, s.cc.cwnd);
	/* avoidance from here: K = 0, W_max = cwnd; alpha = 1 since W_est = cwnd_prior, so
	 * about one SMSS per window, nothing like CSS's quarter segment per ACK */
	before = s.cc.cwnd;
	for (int k = 0; k < 10; k++)
		sim_ack(&s, 15000, &end);
	assert_true(s.cc.cwnd - before <= 10 * (1000 * 1000 / before + 1) + 10);
	assert_true(s.cc.cwnd > before);
}

static void
test_cc_hystart_is_off_after_rto(void **state)
{
	struct sim s;
	bool end;

	sim_init(&s);
	s.cc.cwnd = 200000;
	cu->on_rto(&s.cc, 200000, s.snd_max, false);
	assert_int_equal(s.cc.ssthresh, 140000);
	assert_int_equal(s.cc.cwnd, 1000);
	s.snd_max = s.una + s.cc.cwnd;
	/* slow start to ssthresh at one MSS per ACK although the RTT rises every round */
	for (uint32_t rtt = 10000; s.cc.cwnd < s.cc.ssthresh; rtt += 20000) {
		do {
			uint32_t before = s.cc.cwnd;

			assert_int_equal(sim_ack(&s, rtt, &end), before < 140000 ? 1000 : 0);
		} while (!end && s.cc.cwnd < s.cc.ssthresh);
	}
	assert_int_equal(s.cc.cwnd, 140000);
}

struct md_case {
	const char *name;
	uint32_t mss, cwnd, flight, ssthresh;
};

static const struct md_case md_cases[] = {
	{ "flight = cwnd: 0.7 cwnd", 1000, 100000, 100000, 70000 },
	{ "flight below cwnd: 0.7 flight", 1000, 100000, 50000, 35000 },
	{ "floor 2 MSS", 1000, 3000, 2000, 2000 },
	{ "mss 1460", 1460, 146000, 146000, 102200 },
	{ "the largest window", 1460, 1u << 30, 1u << 30, 751619276 },
};

static void
test_cc_loss_reduces_to_beta_times_flight(void **state)
{
	for (size_t i = 0; i < N(md_cases); i++) {
		const struct md_case *c = &md_cases[i];
		struct ft_cc_state cc;

		print_message("  %-45s -> %u\n", c->name, c->ssthresh);
		cu->init(&cc, c->mss, 0);
		cc.cwnd = c->cwnd;
		cc.bytes_acked = 77;
		cu->on_congestion(&cc, c->flight, 0x12345678);
		assert_int_equal(cc.ssthresh, c->ssthresh);
		/* NewReno fast recovery on top (RFC 5681 §3.2 step 3) */
		assert_int_equal(cc.cwnd, c->ssthresh + 3 * c->mss);
		assert_int_equal(cc.recover, 0x12345678);
		assert_int_equal(cc.bytes_acked, 0);
		assert_true(cc.in_recovery);
		cu->on_congestion(&cc, c->flight / 4, 0x22345678); /* same window: ignored */
		assert_int_equal(cc.ssthresh, c->ssthresh);
		assert_int_equal(cc.recover, 0x12345678);
	}
}

static void
test_cc_recovery_inflates_then_exit_sets_cwnd_to_ssthresh(void **state)
{
	struct ft_cc_state cc;
	struct ft_cc_ack a = { .n_acks = 2, .n_dupacks = 2, .snd_una = 1000,
			       .flight_bytes = 100000, .cwnd_limited = true, .now_us = SEC };

	cu->init(&cc, 1000, 0);
	cc.cwnd = 100000;
	cu->on_congestion(&cc, 100000, 50000);
	assert_int_equal(cc.cwnd, 73000);
	ft_cc_ack_batch(cu, &cc, &a); /* 2 more dupacks */
	assert_int_equal(cc.cwnd, 75000);
	a = (struct ft_cc_ack){ .acked_bytes = 5000, .n_acks = 1, .snd_una = 6000,
				.flight_bytes = 95000, .cwnd_limited = true, .now_us = SEC };
	ft_cc_ack_batch(cu, &cc, &a); /* partial ACK: deflate, + 1 MSS */
	assert_int_equal(cc.cwnd, 71000);
	assert_true(cc.in_recovery);
	a = (struct ft_cc_ack){ .acked_bytes = 44000, .n_acks = 1, .snd_una = 50000,
				.flight_bytes = 70000, .cwnd_limited = true, .now_us = SEC };
	ft_cc_ack_batch(cu, &cc, &a); /* full ACK */
	assert_false(cc.in_recovery);
	assert_int_equal(cc.cwnd, 70000);
	assert_int_equal(cc.ssthresh, 70000);
	/* a drained pipe gets flight + 1 MSS, not a burst of ssthresh */
	cu->init(&cc, 1000, 0);
	cc.cwnd = 100000;
	cu->on_congestion(&cc, 100000, 50000);
	cu->on_recovery_exit(&cc, 20000);
	assert_int_equal(cc.cwnd, 21000);
}

/* After a loss at 100 segments (mss 1000): W_max 100 segs, cwnd_epoch 70, K = cbrt(75). */
static const double curve_t[] = { 0.5, 1.0, 2.0, 3.0, 4.0, 4.117163, 4.5, 5.0, 6.0, 8.0 };

static void
test_cc_avoidance_follows_the_cubic_curve(void **state)
{
	const double k = 4.217163326508746; /* cbrt((100 - 70) / 0.4) */
	struct ft_cc_state cc;
	uint32_t before;
	double want;

	avoiding_after_loss(&cc, 1000, 100000);
	for (size_t i = 0; i < N(curve_t); i++) {
		want = rfc_w_cubic(curve_t[i] + SRTT / 1e6, k, 100, 1000);
		window_acked(&cc, T0 + (uint64_t)(curve_t[i] * SEC));
		print_message("  t %.6f s: cwnd %u, W_cubic(t + RTT) %.1f\n", curve_t[i], cc.cwnd,
			      want);
		assert_true(cc.cwnd >= want - 1.0 && cc.cwnd <= want + 1.0);
	}
	/* far along the convex side the target is clamped to 1.5 cwnd */
	before = cc.cwnd;
	window_acked(&cc, T0 + 30 * SEC);
	assert_int_equal(cc.cwnd, before + before / 2);
	/* half a window acked moves cwnd half way: (target - cwnd) / cwnd per segment */
	avoiding_after_loss(&cc, 1000, 100000);
	before = cc.cwnd;
	batch(&cc, before / 2, T0 + 2 * SEC, true);
	want = before + (rfc_w_cubic(2.1, k, 100, 1000) - before) * (before / 2) / before;
	assert_true(cc.cwnd >= want - 1.0 && cc.cwnd <= want + 1.0);
}

/* Per-segment ACKs carry the fraction of (target - cwnd) / cwnd that integer bytes lose: near
 * the plateau every single increment is below one byte. Expected: the RFC per-ACK rule in
 * double precision, target fixed by the time. */
static void
test_cc_per_segment_acks_accumulate_fractions(void **state)
{
	const double k = 4.217163326508746;
	uint64_t at = T0 + (uint64_t)(k * SEC + 0.5) - SRTT;
	struct ft_cc_state cc;
	double target, want;

	avoiding_after_loss(&cc, 1000, 100000);
	window_acked(&cc, at); /* cwnd = W_max = 100000 */
	want = cc.cwnd;
	target = (uint64_t)rfc_w_cubic(4.5 + SRTT / 1e6, k, 100, 1000); /* 100022 */
	for (int i = 0; i < 100; i++) {
		batch(&cc, 1000, T0 + 4 * SEC + SEC / 2, true);
		want += (target - want) * 1000 / want;
	}
	print_message("  cwnd %u, per-ACK rule %.2f\n", cc.cwnd, want);
	assert_true(cc.cwnd >= want - 1.0 && cc.cwnd <= want + 1.0);
	assert_true(cc.cwnd > 100010);
}

struct k_case {
	const char *name;
	uint32_t mss, w1, w2; /* loss at w1, then (if w2) at w2 once recovered */
	double k, w_max;      /* K in s, W_max in bytes */
};

static const struct k_case k_cases[] = {
	{ "W_max 100 segs: cbrt(100 * 0.3 / 0.4)", 1000, 100000, 0, 4.217163326508746, 100000 },
	{ "W_max 1000 segs, mss 1460: cbrt(750)", 1460, 1460000, 0, 9.085602964160698,
	  1460000 },
	{ "W_max 20 segs: cbrt(15)", 1000, 20000, 0, 2.46621207433047, 20000 },
	/* fast convergence: 80 < 100, W_max = 80 * 1.7 / 2 = 68, cwnd_epoch 56 */
	{ "fast convergence: cbrt((68 - 56) / 0.4)", 1000, 100000, 80000, 3.1072325059538586,
	  68000 },
	/* no fast convergence above the last W_max: W_max = 110, cwnd_epoch 77 */
	{ "above last W_max: cbrt((110 - 77) / 0.4)", 1000, 100000, 110000, 4.353293845586806,
	  110000 },
};

/* W_cubic(K) = W_max: a whole window acked at t = K - RTT brings cwnd to W_max exactly. */
static void
test_cc_k_and_fast_convergence_per_rfc(void **state)
{
	for (size_t i = 0; i < N(k_cases); i++) {
		const struct k_case *c = &k_cases[i];
		uint64_t at = T0 + (uint64_t)(c->k * SEC + 0.5) - SRTT;
		struct ft_cc_state cc;

		print_message("  %-45s = %.6f s\n", c->name, c->k);
		avoiding_after_loss(&cc, c->mss, c->w1);
		if (c->w2 != 0) {
			loss_and_recovery(&cc, c->w2);
			batch(&cc, c->mss, T0, true);
		}
		window_acked(&cc, at - SEC); /* W_max - C SMSS below it */
		assert_true(cc.cwnd < c->w_max - 0.4 * c->mss + 1);
		window_acked(&cc, at);
		assert_true(cc.cwnd >= c->w_max - 1 && cc.cwnd <= c->w_max);
		window_acked(&cc, at + 20 * MS); /* the plateau: barely moves past W_max */
		assert_true(cc.cwnd >= c->w_max - 1 && cc.cwnd <= c->w_max + 1);
	}
}

/* Small BDP (10 segments, RTT 1 ms): W_est grows by alpha SMSS per window acked, alpha =
 * 9 / 17 until W_est reaches cwnd_prior (10 segs), then 1; the cubic curve, with K = 1.96 s,
 * has barely left cwnd_epoch, so cwnd follows W_est. */
static void
test_cc_reno_friendly_region_wins_on_small_bdp(void **state)
{
	const double k = 1.9574338205844317; /* cbrt((10 - 7) / 0.4) */
	double w_est = 7000;
	struct ft_cc_state cc;

	cu->init(&cc, 1000, 0);
	loss_and_recovery(&cc, 10000);
	assert_int_equal(cc.cwnd, 7000);
	for (int i = 0; i < 50; i++) {
		uint64_t now = T0 + i * MS;

		w_est += (w_est >= 10000 ? 1.0 : 9.0 / 17.0) * 1000;
		window_acked(&cc, now);
		assert_true(cc.cwnd >= w_est - 1 && cc.cwnd <= w_est);
		assert_true(cc.cwnd > rfc_w_cubic(i * 1e-3 + SRTT / 1e6, k, 10, 1000));
	}
	assert_int_equal(cc.cwnd, 54176); /* 7000 + 6 * 9000 / 17 + 44 * 1000 */
}

static void
test_cc_avoidance_needs_cwnd_limited_and_freezes_the_epoch(void **state)
{
	const double k = 4.217163326508746;
	struct ft_cc_state cc;
	uint32_t before;
	double want;

	avoiding_after_loss(&cc, 1000, 100000);
	before = cc.cwnd;
	for (int s = 1; s <= 10; s++) { /* 10 s application-limited: no growth */
		batch(&cc, cc.cwnd, T0 + s * SEC, false);
		assert_int_equal(cc.cwnd, before);
	}
	/* back to cwnd-limited at 10.5 s: t is 0.5 s, not 10.5 s (RFC 9438 §5.8) */
	window_acked(&cc, T0 + 10 * SEC + SEC / 2);
	want = rfc_w_cubic(0.5 + SRTT / 1e6, k, 100, 1000);
	assert_true(cc.cwnd >= want - 1 && cc.cwnd <= want + 1);
	/* a batch of duplicate ACKs does not grow it either */
	before = cc.cwnd;
	batch(&cc, 0, T0 + 11 * SEC, true);
	assert_int_equal(cc.cwnd, before);
}

static void
test_cc_rto_sets_loss_window_and_restarts_with_k_zero(void **state)
{
	struct ft_cc_state cc;
	double want;

	cu->init(&cc, 1000, 0);
	cc.cwnd = 100000;
	cu->on_rto(&cc, 100000, 80000, false);
	assert_int_equal(cc.ssthresh, 70000);
	assert_int_equal(cc.cwnd, 1000);
	assert_int_equal(cc.recover, 80000);
	cu->on_rto(&cc, 1000, 80000, true); /* backed-off timeout: ssthresh held */
	assert_int_equal(cc.ssthresh, 70000);
	assert_int_equal(cc.cwnd, 1000);
	assert_false(ft_cc_ack_covers_recover(&cc, 60000));
	/* slow start to ssthresh, then the first epoch: K = 0, W_max = cwnd_epoch = 70 segs */
	batch(&cc, 100000, T0 - SEC, true);
	assert_int_equal(cc.cwnd, 70000);
	batch(&cc, 1000, T0, true);
	window_acked(&cc, T0 + 2 * SEC);
	want = rfc_w_cubic(2.1, 0, 70, 1000);
	assert_true(cc.cwnd >= want - 1 && cc.cwnd <= want + 1);
	window_acked(&cc, T0 + 3 * SEC);
	want = rfc_w_cubic(3.1, 0, 70, 1000);
	assert_true(cc.cwnd >= want - 1 && cc.cwnd <= want + 1);
	/* floor: 2 MSS */
	cu->init(&cc, 1000, 0);
	cu->on_rto(&cc, 1500, 80000, false);
	assert_int_equal(cc.ssthresh, 2000);
	/* an RTO in recovery ends it */
	cu->init(&cc, 1000, 0);
	cc.cwnd = 100000;
	cu->on_congestion(&cc, 100000, 40000);
	cu->on_rto(&cc, 90000, 80000, false);
	assert_false(cc.in_recovery);
	assert_int_equal(cc.ssthresh, 63000);
	assert_int_equal(cc.cwnd, 1000);
	assert_int_equal(cc.recover, 80000);
}

static void
test_cc_long_idle_restarts_window_and_epoch(void **state)
{
	const double k = 4.217163326508746;
	struct ft_cc_state cc;
	uint64_t t1;

	avoiding_after_loss(&cc, 1000, 100000);
	window_acked(&cc, T0 + SEC);
	cu->after_idle(&cc, 10 * SEC, SEC); /* RFC 5681 §4.1: min(IW, cwnd) */
	assert_int_equal(cc.cwnd, 10000);
	assert_int_equal(cc.ssthresh, 70000);
	batch(&cc, 60000, T0 + 11 * SEC, true); /* slow start back to ssthresh */
	assert_int_equal(cc.cwnd, 70000);
	/* a new epoch from cwnd_epoch 70 segs toward W_max 100 segs: K = cbrt(75) again; the
	 * old epoch would have clamped this to 1.5 cwnd */
	t1 = T0 + 20 * SEC;
	batch(&cc, 1000, t1, true);
	window_acked(&cc, t1 + (uint64_t)(k * SEC + 0.5) - SRTT);
	assert_true(cc.cwnd >= 99999 && cc.cwnd <= 100000);
	/* idle exactly one RTO, or a window below IW: unchanged */
	cu->after_idle(&cc, SEC, SEC);
	assert_true(cc.cwnd >= 99999);
	cc.cwnd = 5000;
	cu->after_idle(&cc, 10 * SEC, SEC);
	assert_int_equal(cc.cwnd, 5000);
}

static void
test_cc_short_idle_freezes_the_curve(void **state)
{
	const double k = 4.217163326508746;
	struct ft_cc_state cc;
	uint32_t before;
	double want;

	avoiding_after_loss(&cc, 1000, 100000);
	window_acked(&cc, T0 + SEC);
	before = cc.cwnd;
	cu->after_idle(&cc, 2 * SEC, 3 * SEC);
	assert_int_equal(cc.cwnd, before);
	/* at 3.5 s, t is 1.5 s: the 2 s idle is not on the curve */
	window_acked(&cc, T0 + 3 * SEC + SEC / 2);
	want = rfc_w_cubic(1.5 + SRTT / 1e6, k, 100, 1000);
	assert_true(cc.cwnd >= want - 1 && cc.cwnd <= want + 1);
	/* idle 1 s after that ACK; the first ACK after the idle, at 4.6 s, finds the sender not
	 * cwnd-limited (it restarted from an empty pipe): the 0.1 s since the idle ended comes
	 * out of t, the idle itself not a second time; at 5.6 s, t = 5.6 - 2 - 1 - 0.1 = 2.5 s */
	cu->after_idle(&cc, 1 * SEC, 3 * SEC);
	batch(&cc, 1000, T0 + 4 * SEC + 600 * MS, false);
	window_acked(&cc, T0 + 5 * SEC + 600 * MS);
	want = rfc_w_cubic(2.5 + SRTT / 1e6, k, 100, 1000);
	assert_true(cc.cwnd >= want - 1 && cc.cwnd <= want + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cc_find_knows_cubic),
		cmocka_unit_test(test_cc_init_sets_iw_and_infinite_ssthresh),
		cmocka_unit_test(test_cc_slow_start_adds_acked_bytes_up_to_abc_limit),
		cmocka_unit_test(test_cc_hystart_enters_css_when_rtt_rises_by_threshold),
		cmocka_unit_test(test_cc_hystart_needs_n_rtt_samples_per_round),
		cmocka_unit_test(test_cc_hystart_returns_to_slow_start_when_rtt_falls),
		cmocka_unit_test(test_cc_hystart_ends_in_avoidance_after_css_rounds),
		cmocka_unit_test(test_cc_hystart_is_off_after_rto),
		cmocka_unit_test(test_cc_loss_reduces_to_beta_times_flight),
		cmocka_unit_test(test_cc_recovery_inflates_then_exit_sets_cwnd_to_ssthresh),
		cmocka_unit_test(test_cc_avoidance_follows_the_cubic_curve),
		cmocka_unit_test(test_cc_per_segment_acks_accumulate_fractions),
		cmocka_unit_test(test_cc_k_and_fast_convergence_per_rfc),
		cmocka_unit_test(test_cc_reno_friendly_region_wins_on_small_bdp),
		cmocka_unit_test(test_cc_avoidance_needs_cwnd_limited_and_freezes_the_epoch),
		cmocka_unit_test(test_cc_rto_sets_loss_window_and_restarts_with_k_zero),
		cmocka_unit_test(test_cc_long_idle_restarts_window_and_epoch),
		cmocka_unit_test(test_cc_short_idle_freezes_the_curve),
	};

	return cmocka_run_group_tests_name("tcp_cc_cubic", tests, setup, NULL);
}
