/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PRR (tcp/prr.c, RFC 9937 / RFC 6937) and RRR pacing. The PRR cases replay the worked
 * examples of RFC 6937 §3.1 ("Examples"): cwnd = FlightSize = pipe = 20 segments when segment
 * 0 is lost, ssthresh = 10, one segment delivered (SACKed) per ACK, Limited Transmit sends
 * new segments on the first two duplicate ACKs and the third one starts recovery. The RFC's
 * figures give per ACK what is sent ("N" new, "R" retransmission) and which bound decided
 * ("s": ssthresh - pipe, "b": banked prr_delivered - prr_out, "d": DeliveredData + SMSS).
 * Segments are 1000 bytes here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcp/prr.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define SEG 1000u

/*
 * Single loss (RFC 6937 §3.1, first figure set, "PRR"):
 *   ack#   X  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19
 *   sent:     N  N  R     N     N     N     N     N     N        N  N
 *   RB:                                                          s  s
 * Recovery starts on ACK 3 with RecoverFS = 20 segments (the FlightSize the RFC states).
 * pipe after ACK 3 is 17: 19 after the two Limited Transmit sends, minus the segment ACK 3
 * SACKs, minus segment 0 now deemed lost. Afterwards each ACK takes one segment out of the
 * pipe and every segment sent puts one in. The figure's pipe row is not self-consistent by
 * one segment in places (e.g. 18 on both ACK 3 and 4 with nothing sent on 4), so the test
 * follows the RFC's stated assumptions and its "sent" and "RB" rows, and checks that pipe
 * ends at ssthresh, as the RFC says PRR does.
 */
static void
test_prr_rfc6937_single_loss_example(void **state)
{
	/* Segments PRR lets out on ACKs 3..19 (index 0 = ACK 3). */
	static const uint32_t sent[] = { 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1 };
	struct ft_prr p;
	uint32_t pipe = 17 * SEG;

	(void)state;
	ft_prr_init(&p, 20 * SEG, 10 * SEG);
	for (size_t i = 0; i < N(sent); i++) {
		uint32_t ack = (uint32_t)i + 3;
		uint32_t sndcnt;

		if (i > 0)
			pipe -= SEG;
		/* Every ACK of the first recovery RTT is a SACK-bearing duplicate: not safe. */
		sndcnt = ft_prr_on_ack(&p, SEG, pipe, SEG, false);
		if (sndcnt != sent[i] * SEG)
			fail_msg("ACK %u: sndcnt %u, RFC sends %u segments", ack, sndcnt, sent[i]);
		/* RB "s" on ACKs 18 and 19: pipe has reached ssthresh, the bound decides. */
		if (ack >= 18 && (pipe > 10 * SEG || sndcnt != 10 * SEG - pipe))
			fail_msg("ACK %u: not bounded by ssthresh - pipe", ack);
		/* ACKs 3..16 are in the proportional part. */
		if (ack <= 16 && pipe <= 10 * SEG)
			fail_msg("ACK %u: pipe %u already at ssthresh", ack, pipe);
		ft_prr_on_sent(&p, sndcnt);
		pipe += sndcnt;
	}
	assert_int_equal(pipe, 10 * SEG); /* converged exactly on ssthresh */
	assert_int_equal(p.prr_out, 9 * SEG);
	assert_int_equal(p.prr_delivered, 17 * SEG);
	assert_int_equal(ft_prr_exit_cwnd(&p), 10 * SEG);
}

/*
 * Burst loss (RFC 6937 §3.1, second figure set): segments 0-14 lost, only ACKs 15-19 come
 * back; 15 and 16 are Limited Transmit, 17 starts recovery. pipe after ACK 17 = 22 sent - 3
 * SACKed - 15 lost = 4, below ssthresh, so only the reduction bound acts:
 *   PRR-CRB    pipe 4 4 4   sent R R R      RB b b b
 *   PRR-SSRB   pipe 4 5 6   sent 2R 2R 2R   RB bd d d
 * RFC 9937 picks the bound per ACK: CRB (max(prr_delivered - prr_out, DeliveredData)) on
 * an ACK that is not "safe", SSRB (+ SMSS) on a safe one. These ACKs are SACKs, so RFC 9937
 * itself gives the CRB row; the SSRB row is what the safe-ACK branch computes.
 */
static void
test_prr_rfc6937_burst_loss_example(void **state)
{
	static const struct {
		bool safe_ack;
		uint32_t pipe[3], sent[3];
	} rows[] = {
		{ false, { 4, 4, 4 }, { 1, 1, 1 } }, /* PRR-CRB */
		{ true, { 4, 5, 6 }, { 2, 2, 2 } },  /* PRR-SSRB */
	};

	(void)state;
	for (size_t r = 0; r < N(rows); r++) {
		struct ft_prr p;
		uint32_t pipe = 4 * SEG;

		ft_prr_init(&p, 20 * SEG, 10 * SEG);
		for (int i = 0; i < 3; i++) {
			uint32_t sndcnt;

			if (i > 0)
				pipe -= SEG;
			assert_int_equal(pipe, rows[r].pipe[i] * SEG);
			sndcnt = ft_prr_on_ack(&p, SEG, pipe, SEG, rows[r].safe_ack);
			if (sndcnt != rows[r].sent[i] * SEG)
				fail_msg("row %zu ACK %d: sndcnt %u", r, 17 + i, sndcnt);
			ft_prr_on_sent(&p, sndcnt);
			pipe += sndcnt;
		}
	}
}

/* RFC 9937 vs RFC 6937 CRB: after sending more than was delivered (prr_out > prr_delivered,
 * e.g. a TLP or RRR retransmission), RFC 6937's CRB limit prr_delivered - prr_out allows
 * nothing; RFC 9937's CRB still lets DeliveredData out, and SSRB adds one SMSS. */
static void
test_prr_rfc9937_bound_uses_delivered_data(void **state)
{
	struct ft_prr p;

	(void)state;
	ft_prr_init(&p, 20 * SEG, 10 * SEG);
	assert_int_equal(ft_prr_on_ack(&p, SEG, 5 * SEG, SEG, false), SEG);
	ft_prr_on_sent(&p, 3 * SEG); /* prr_delivered 1, prr_out 3 */
	assert_int_equal(ft_prr_on_ack(&p, SEG, 5 * SEG, SEG, false), SEG);
	assert_int_equal(ft_prr_on_ack(&p, 2 * SEG, 5 * SEG, SEG, true), 3 * SEG);
	/* Banked credit wins when it is larger than DeliveredData: 6 - 3 = 3 segments. */
	assert_int_equal(ft_prr_on_ack(&p, 2 * SEG, 5 * SEG, SEG, false), 3 * SEG);
	/* Never beyond ssthresh - pipe. */
	assert_int_equal(ft_prr_on_ack(&p, 2 * SEG, 9 * SEG, SEG, true), 1 * SEG);
}

/* CUBIC-like reduction (ssthresh 7 of RecoverFS 10 segments), pipe staying above ssthresh:
 * after k one-segment ACKs, ceil(0.7 * k) segments in total may have been sent. In bytes
 * 0.7 * k segments is not a whole segment; sndcnt is rounded up to whole segments, which
 * gives exactly the segment-count sequence. */
static void
test_prr_proportional_part_rounds_up_to_segments(void **state)
{
	static const uint32_t sent[] = { 1, 1, 1, 0, 1, 1, 0, 1, 1, 0 }; /* ceil(0.7k) steps */
	struct ft_prr p;
	uint32_t total = 0;

	(void)state;
	ft_prr_init(&p, 10 * SEG, 7 * SEG);
	for (size_t i = 0; i < N(sent); i++) {
		uint32_t sndcnt = ft_prr_on_ack(&p, SEG, 15 * SEG, SEG, false);

		if (sndcnt != sent[i] * SEG)
			fail_msg("ACK %zu: sndcnt %u", i + 1, sndcnt);
		ft_prr_on_sent(&p, sndcnt);
		total += sndcnt;
	}
	assert_int_equal(total, 7 * SEG); /* one RecoverFS delivered -> ssthresh sent */
	/* A partial segment of credit still allows one whole segment ... */
	ft_prr_init(&p, 10 * SEG, 7 * SEG);
	assert_int_equal(ft_prr_on_ack(&p, 100, 15 * SEG, SEG, false), SEG); /* 70 bytes */
	ft_prr_on_sent(&p, SEG);
	/* ... and is paid back: 1100 * 0.7 = 770 < 1000 sent, nothing more. */
	assert_int_equal(ft_prr_on_ack(&p, SEG, 15 * SEG, SEG, false), 0);
	/* Having sent more than allowed (e.g. RRR) clamps at 0, never negative. */
	ft_prr_on_sent(&p, 5 * SEG);
	assert_int_equal(ft_prr_on_ack(&p, SEG, 15 * SEG, SEG, false), 0);
}

static void
test_prr_ack_without_delivery_changes_nothing(void **state)
{
	struct ft_prr p;

	(void)state;
	ft_prr_init(&p, 20 * SEG, 10 * SEG);
	assert_int_equal(ft_prr_on_ack(&p, 0, 5 * SEG, SEG, true), 0);
	assert_int_equal(p.prr_delivered, 0);
	/* Not even the forced first segment: the RFC returns before that rule. */
	assert_int_equal(p.sndcnt, 0);
}

/* RFC 9937: if nothing has been sent in recovery and the bound gives 0 (pipe == ssthresh
 * already), one SMSS still goes: the fast retransmit. Only the first time. */
static void
test_prr_forces_the_first_retransmission(void **state)
{
	struct ft_prr p;

	(void)state;
	ft_prr_init(&p, 20 * SEG, 10 * SEG);
	assert_int_equal(ft_prr_on_ack(&p, SEG, 10 * SEG, SEG, false), SEG);
	ft_prr_on_sent(&p, SEG);
	assert_int_equal(ft_prr_on_ack(&p, SEG, 10 * SEG, SEG, false), 0);
}

static void
test_prr_recover_fs(void **state)
{
	struct ft_prr p;

	(void)state;
	/* 22 segments outstanding, 2 SACKed before the ACK that starts recovery. */
	assert_int_equal(ft_prr_recover_fs(0, 22 * SEG, 2 * SEG), 20 * SEG);
	/* Across the sequence wrap. */
	assert_int_equal(ft_prr_recover_fs(0xfffff000u, 0x00001000u, 0x1000), 0x1000);
	assert_int_equal(ft_prr_recover_fs(100, 200, 500), 0);
	/* RecoverFS 0 must not divide by zero. */
	ft_prr_init(&p, 0, 10 * SEG);
	assert_int_equal(p.recover_fs, 1);
	assert_true(ft_prr_on_ack(&p, SEG, 20 * SEG, SEG, false) > 0);
}

static void
test_rrr_disabled_never_allows(void **state)
{
	struct ft_rrr rrr;

	(void)state;
	ft_rrr_init(&rrr, false);
	assert_false(ft_rrr_allow(&rrr, 0, FT_RRR_INTERVAL_US));
	assert_false(ft_rrr_allow(&rrr, 1000000, FT_RRR_INTERVAL_US));
	assert_true(ft_rrr_wait_us(&rrr, 0, FT_RRR_INTERVAL_US) == UINT64_MAX);
}

static void
test_rrr_one_retransmission_per_interval(void **state)
{
	struct ft_rrr rrr;
	unsigned int allowed = 0;

	(void)state;
	ft_rrr_init(&rrr, true);
	assert_int_equal(ft_rrr_wait_us(&rrr, 5000, FT_RRR_INTERVAL_US), 0);
	assert_true(ft_rrr_allow(&rrr, 5000, FT_RRR_INTERVAL_US));
	assert_false(ft_rrr_allow(&rrr, 5000, FT_RRR_INTERVAL_US));
	assert_int_equal(ft_rrr_wait_us(&rrr, 5400, FT_RRR_INTERVAL_US), 600);
	assert_false(ft_rrr_allow(&rrr, 5999, FT_RRR_INTERVAL_US));
	assert_true(ft_rrr_allow(&rrr, 6000, FT_RRR_INTERVAL_US)); /* exact boundary */

	/* Asking every 100 us for 10 ms yields exactly 10 slots. */
	ft_rrr_init(&rrr, true);
	for (uint64_t t = 0; t < 10000; t += 100)
		allowed += ft_rrr_allow(&rrr, t, FT_RRR_INTERVAL_US);
	assert_int_equal(allowed, 10);
	/* Another interval length. */
	ft_rrr_init(&rrr, true);
	allowed = 0;
	for (uint64_t t = 0; t < 10000; t += 100)
		allowed += ft_rrr_allow(&rrr, t, 2500);
	assert_int_equal(allowed, 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prr_rfc6937_single_loss_example),
		cmocka_unit_test(test_prr_rfc6937_burst_loss_example),
		cmocka_unit_test(test_prr_rfc9937_bound_uses_delivered_data),
		cmocka_unit_test(test_prr_proportional_part_rounds_up_to_segments),
		cmocka_unit_test(test_prr_ack_without_delivery_changes_nothing),
		cmocka_unit_test(test_prr_forces_the_first_retransmission),
		cmocka_unit_test(test_prr_recover_fs),
		cmocka_unit_test(test_rrr_disabled_never_allows),
		cmocka_unit_test(test_rrr_one_retransmission_per_interval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
