/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RACK-TLP decisions (tcp/rack.c, RFC 8985). The clock is a plain variable the tests step by
 * hand: every function takes `now`, so nothing here sleeps or reads a real clock. Segments are
 * described by the facts the sendmap would pass (xmit_ts, end_seq, retransmitted).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcp/rack.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MS 1000ull
#define SEC 1000000ull

/* Deliver one never-retransmitted segment. */
static bool
deliver(struct ft_rack *r, uint64_t xmit_ts, uint32_t end_seq, uint64_t now)
{
	struct ft_rack_seg s = { .xmit_ts = xmit_ts, .end_seq = end_seq };

	return ft_rack_on_delivered(r, &s, now);
}

static bool
deliver_rexmit(struct ft_rack *r, uint64_t xmit_ts, uint32_t end_seq, bool echo_older,
	       uint64_t now)
{
	struct ft_rack_seg s = {
		.xmit_ts = xmit_ts, .end_seq = end_seq, .retransmitted = true,
		.echo_older = echo_older,
	};

	return ft_rack_on_delivered(r, &s, now);
}

/*
 * A (sent at 1 ms) is lost, B (sent at 2 ms) is SACKed at 52 ms: RACK.rtt = 50 ms, min_RTT
 * = 50 ms, reo_wnd = min_RTT / 4 = 12.5 ms. A is lost exactly at 1 + 50 + 12.5 = 63.5 ms.
 */
static void
test_rack_marks_lost_after_rtt_plus_reo_wnd(void **state)
{
	struct ft_rack r;
	uint64_t reo_wnd;

	(void)state;
	ft_rack_init(&r);
	assert_true(deliver(&r, 2 * MS, 2000, 52 * MS));
	assert_int_equal(r.rtt_us, 50 * MS);
	assert_int_equal(r.xmit_ts, 2 * MS);
	assert_int_equal(r.end_seq, 2000);

	reo_wnd = ft_rack_reo_wnd(&r, 50 * MS, false, 1);
	assert_int_equal(reo_wnd, 12500);
	assert_int_equal(ft_rack_seg_remaining(&r, 1 * MS, 1000, reo_wnd, 52 * MS), 11500);
	assert_int_equal(ft_rack_seg_remaining(&r, 1 * MS, 1000, reo_wnd, 63499), 1);
	assert_int_equal(ft_rack_seg_remaining(&r, 1 * MS, 1000, reo_wnd, 63500), 0);
	assert_int_equal(ft_rack_seg_remaining(&r, 1 * MS, 1000, reo_wnd, 90 * MS), 0);
	/* With reo_wnd 0 (classic DupThresh behaviour) the deadline is RACK.rtt alone. */
	assert_int_equal(ft_rack_seg_remaining(&r, 1 * MS, 1000, 0, 50999), 1);
	assert_int_equal(ft_rack_seg_remaining(&r, 1 * MS, 1000, 0, 51 * MS), 0);
}

static void
test_rack_segments_sent_after_rack_xmit_are_not_candidates(void **state)
{
	struct ft_rack r;

	(void)state;
	ft_rack_init(&r);
	/* Nothing delivered yet: RACK.xmit_ts is not set, nobody is a candidate. */
	assert_true(ft_rack_seg_remaining(&r, 0, 1000, 0, 10 * SEC) < 0);

	assert_true(deliver(&r, 2 * MS, 2000, 52 * MS));
	/* Sent later than RACK.xmit_ts, even long ago by now. */
	assert_true(ft_rack_seg_remaining(&r, 3 * MS, 3000, 0, 10 * SEC) < 0);
	/* The delivered segment itself. */
	assert_true(ft_rack_seg_remaining(&r, 2 * MS, 2000, 0, 10 * SEC) < 0);
	/* Same send time: ties broken by end_seq. Higher end -> sent after RACK. */
	assert_true(ft_rack_seg_remaining(&r, 2 * MS, 2500, 0, 10 * SEC) < 0);
	/* Same send time, lower end_seq -> sent before RACK, so a candidate (and lost). */
	assert_int_equal(ft_rack_seg_remaining(&r, 2 * MS, 1500, 0, 10 * SEC), 0);
}

static void
test_rack_xmit_ts_ties_broken_by_end_seq(void **state)
{
	static const struct {
		uint64_t t1;
		uint32_t s1;
		uint64_t t2;
		uint32_t s2;
		bool after;
	} cases[] = {
		{ 10, 100, 9, 5000, true },            /* later time wins whatever the seq */
		{ 9, 5000, 10, 100, false },
		{ 10, 2000, 10, 1000, true },          /* tie: higher end_seq */
		{ 10, 1000, 10, 2000, false },
		{ 10, 1000, 10, 1000, false },         /* the same segment is not after itself */
		{ 10, 0x00000100, 10, 0xffffff00, true }, /* end_seq compared modulo 2^32 */
	};
	struct ft_rack r;

	(void)state;
	for (size_t i = 0; i < N(cases); i++)
		assert_int_equal(ft_rack_sent_after(cases[i].t1, cases[i].s1, cases[i].t2,
						    cases[i].s2), cases[i].after);

	/* Two segments with the same stamp delivered in either order: RACK ends on the
	 * higher end_seq. */
	ft_rack_init(&r);
	deliver(&r, 5 * MS, 3000, 40 * MS);
	deliver(&r, 5 * MS, 2000, 40 * MS);
	assert_int_equal(r.end_seq, 3000);
	ft_rack_init(&r);
	deliver(&r, 5 * MS, 2000, 40 * MS);
	deliver(&r, 5 * MS, 3000, 40 * MS);
	assert_int_equal(r.end_seq, 3000);
	/* An older segment delivered later updates RACK.rtt but not RACK.xmit_ts. */
	deliver(&r, 1 * MS, 1000, 45 * MS);
	assert_int_equal(r.xmit_ts, 5 * MS);
	assert_int_equal(r.end_seq, 3000);
	assert_int_equal(r.rtt_us, 44 * MS);
}

static void
test_rack_reordering_detected_below_fack(void **state)
{
	struct ft_rack r;

	(void)state;
	/* In order: no reordering. */
	ft_rack_init(&r);
	deliver(&r, 1 * MS, 1000, 30 * MS);
	deliver(&r, 2 * MS, 2000, 31 * MS);
	assert_false(r.reordering_seen);
	assert_int_equal(r.fack, 2000);

	/* 2000 SACKed first, then the never-retransmitted 1000 arrives: reordering. */
	ft_rack_init(&r);
	deliver(&r, 2 * MS, 2000, 31 * MS);
	deliver(&r, 1 * MS, 1000, 32 * MS);
	assert_true(r.reordering_seen);
	assert_int_equal(r.fack, 2000);

	/* The same with 1000 retransmitted: its late delivery is repair, not reordering. */
	ft_rack_init(&r);
	deliver(&r, 2 * MS, 2000, 31 * MS);
	deliver_rexmit(&r, 40 * MS, 1000, false, 80 * MS);
	assert_false(r.reordering_seen);

	/* Across the sequence wrap. */
	ft_rack_init(&r);
	deliver(&r, 2 * MS, 0x00000200, 31 * MS);
	deliver(&r, 1 * MS, 0xfffffe00, 32 * MS);
	assert_true(r.reordering_seen);
	assert_int_equal(r.fack, 0x00000200);
}

static void
test_rack_dsack_raises_mult_once_per_round(void **state)
{
	struct ft_rack r;

	(void)state;
	ft_rack_init(&r);
	assert_int_equal(r.reo_wnd_mult, 1);
	assert_true(ft_rack_on_dsack(&r, 1000, 5000)); /* round ends when SND.UNA >= 5000 */
	assert_int_equal(r.reo_wnd_mult, 2);
	assert_false(ft_rack_on_dsack(&r, 3000, 6000)); /* same round */
	assert_false(ft_rack_on_dsack(&r, 4999, 7000));
	assert_int_equal(r.reo_wnd_mult, 2);
	assert_true(ft_rack_on_dsack(&r, 5000, 9000)); /* round over: next raise */
	assert_int_equal(r.reo_wnd_mult, 3);
	assert_int_equal(r.dsack_round, 9000);
	assert_int_equal(r.reo_wnd_persist, FT_RACK_REO_WND_PERSIST);
}

static void
test_rack_dsack_raise_persists_16_recoveries(void **state)
{
	struct ft_rack r;

	(void)state;
	ft_rack_init(&r);
	ft_rack_on_rtt_sample(&r, 40 * MS, 0);
	assert_int_equal(ft_rack_reo_wnd(&r, 100 * MS, false, 0), 10 * MS);
	assert_true(ft_rack_on_dsack(&r, 0, 1000));
	assert_int_equal(ft_rack_reo_wnd(&r, 100 * MS, false, 0), 20 * MS);
	for (int i = 0; i < 15; i++)
		ft_rack_on_recovery_exit(&r);
	assert_int_equal(r.reo_wnd_mult, 2);
	assert_int_equal(r.reo_wnd_persist, 1);
	ft_rack_on_recovery_exit(&r); /* the 16th D-SACK-free recovery */
	assert_int_equal(r.reo_wnd_mult, 1);
	assert_int_equal(ft_rack_reo_wnd(&r, 100 * MS, false, 0), 10 * MS);

	/* A new D-SACK during the countdown re-arms the full 16. */
	assert_true(ft_rack_on_dsack(&r, 1000, 2000));
	for (int i = 0; i < 10; i++)
		ft_rack_on_recovery_exit(&r);
	assert_true(ft_rack_on_dsack(&r, 2000, 3000));
	assert_int_equal(r.reo_wnd_mult, 3);
	for (int i = 0; i < 15; i++)
		ft_rack_on_recovery_exit(&r);
	assert_int_equal(r.reo_wnd_mult, 3);
	ft_rack_on_recovery_exit(&r);
	assert_int_equal(r.reo_wnd_mult, 1);
}

static void
test_rack_reo_wnd_zero_or_quarter_min_rtt(void **state)
{
	static const struct {
		const char *name;
		bool reordering_seen, in_recovery, has_min_rtt;
		uint32_t segs_sacked, mult;
		uint64_t min_rtt, srtt, expect;
	} cases[] = {
		{ "no reordering, open, 0 sacked", false, false, true, 0, 1, 40000, 50000, 10000 },
		{ "no reordering, open, 2 sacked", false, false, true, 2, 1, 40000, 50000, 10000 },
		{ "no reordering, DupThresh sacked", false, false, true, 3, 1, 40000, 50000, 0 },
		{ "no reordering, in recovery", false, true, true, 0, 1, 40000, 50000, 0 },
		{ "reordering, in recovery", true, true, true, 5, 1, 40000, 50000, 10000 },
		{ "reordering, mult 3", true, false, true, 0, 3, 40000, 50000, 30000 },
		{ "capped at SRTT", true, false, true, 0, 8, 40000, 50000, 50000 },
		{ "no SRTT: no cap", true, false, true, 0, 8, 40000, 0, 80000 },
		{ "no min_RTT yet", true, false, false, 0, 1, 0, 50000, 0 },
		{ "quarter truncates", false, false, true, 0, 1, 7, 50000, 1 },
	};
	struct ft_rack r;

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		ft_rack_init(&r);
		r.reordering_seen = cases[i].reordering_seen;
		r.reo_wnd_mult = cases[i].mult;
		if (cases[i].has_min_rtt)
			ft_rack_on_rtt_sample(&r, cases[i].min_rtt, 0);
		if (ft_rack_reo_wnd(&r, cases[i].srtt, cases[i].in_recovery,
				    cases[i].segs_sacked) != cases[i].expect)
			fail_msg("%s", cases[i].name);
	}
}

static void
test_rack_ambiguous_retransmission_samples_rejected(void **state)
{
	struct ft_rack r;

	(void)state;
	ft_rack_init(&r);
	assert_true(deliver(&r, 0, 1000, 50 * MS)); /* min_RTT = RACK.rtt = 50 ms */
	assert_int_equal(r.min_rtt_us, 50 * MS);

	/* Retransmitted at 100 ms, "ACKed" 10 ms later: faster than any RTT, so the ACK was
	 * for the original. Skipped: RACK.rtt and RACK.xmit_ts unchanged. */
	assert_false(deliver_rexmit(&r, 100 * MS, 3000, false, 110 * MS));
	assert_int_equal(r.rtt_us, 50 * MS);
	assert_int_equal(r.xmit_ts, 0);
	assert_int_equal(r.end_seq, 1000);
	/* ... but step 3 still saw it. */
	assert_int_equal(r.fack, 3000);

	/* The timestamp echo says the ACK is for an earlier copy: skipped though slow. */
	assert_false(deliver_rexmit(&r, 100 * MS, 4000, true, 200 * MS));
	assert_int_equal(r.xmit_ts, 0);

	/* Slow enough and the echo does not contradict: accepted, RACK moves. */
	assert_true(deliver_rexmit(&r, 100 * MS, 4000, false, 160 * MS));
	assert_int_equal(r.rtt_us, 60 * MS);
	assert_int_equal(r.xmit_ts, 100 * MS);
	assert_int_equal(r.end_seq, 4000);
	/* Retransmission samples never feed min_RTT (they may still be ambiguous). */
	assert_int_equal(r.min_rtt_us, 50 * MS);

	/* Exactly min_RTT is not "less than min_RTT": accepted. */
	assert_true(deliver_rexmit(&r, 200 * MS, 5000, false, 250 * MS));

	/* The echo test applies only to retransmitted segments. */
	{
		struct ft_rack_seg s = { .xmit_ts = 300 * MS, .end_seq = 6000, .echo_older = true };

		assert_true(ft_rack_on_delivered(&r, &s, 340 * MS));
	}
}

static void
test_rack_min_rtt_is_windowed(void **state)
{
	struct ft_rack r;

	(void)state;
	ft_rack_init(&r);
	assert_false(r.has_min_rtt);
	ft_rack_on_rtt_sample(&r, 50 * MS, 0);
	ft_rack_on_rtt_sample(&r, 80 * MS, 1 * SEC);
	assert_int_equal(r.min_rtt_us, 50 * MS);
	ft_rack_on_rtt_sample(&r, 40 * MS, 2 * SEC);
	assert_int_equal(r.min_rtt_us, 40 * MS);
	/* Older than the window: the next sample replaces it even if larger (new path). */
	ft_rack_on_rtt_sample(&r, 90 * MS, 2 * SEC + FT_RACK_MIN_RTT_WIN_US);
	assert_int_equal(r.min_rtt_us, 40 * MS);
	ft_rack_on_rtt_sample(&r, 90 * MS, 2 * SEC + FT_RACK_MIN_RTT_WIN_US + 1);
	assert_int_equal(r.min_rtt_us, 90 * MS);
	/* An equal sample refreshes the stamp, so a steady path keeps its minimum. */
	ft_rack_on_rtt_sample(&r, 90 * MS, 200 * SEC + FT_RACK_MIN_RTT_WIN_US);
	ft_rack_on_rtt_sample(&r, 95 * MS, 400 * SEC + FT_RACK_MIN_RTT_WIN_US);
	assert_int_equal(r.min_rtt_us, 90 * MS);
}

static void
test_rack_rto_marks_una_and_old_segments_only(void **state)
{
	struct ft_rack r;

	(void)state;
	ft_rack_init(&r);
	deliver(&r, 0, 1000, 50 * MS); /* RACK.rtt 50 ms */
	/* SND.UNA is lost whatever its age. */
	assert_true(ft_rack_rto_seg_is_lost(&r, 999 * MS, 1000, 1000, 10 * MS, 1000 * MS));
	/* Others: lost once RACK.rtt + reo_wnd old, exact boundary included. */
	assert_true(ft_rack_rto_seg_is_lost(&r, 940 * MS, 2000, 1000, 10 * MS, 1000 * MS));
	assert_false(ft_rack_rto_seg_is_lost(&r, 940 * MS + 1, 2000, 1000, 10 * MS, 1000 * MS));
	assert_false(ft_rack_rto_seg_is_lost(&r, 990 * MS, 3000, 1000, 10 * MS, 1000 * MS));
}

static void
test_tlp_pto_cases(void **state)
{
	static const struct {
		const char *name;
		uint64_t srtt;
		bool have_srtt, one_seg;
		uint64_t rto, expect;
	} cases[] = {
		{ "2 * SRTT", 50 * MS, true, false, 1 * SEC, 100 * MS },
		{ "one segment adds max_ack_delay", 50 * MS, true, true, 1 * SEC, 300 * MS },
		{ "no SRTT: 1 s", 0, false, false, 3 * SEC, 1 * SEC },
		{ "no SRTT, one segment: still 1 s", 0, false, true, 3 * SEC, 1 * SEC },
		{ "no SRTT, RTO sooner", 0, false, false, 400 * MS, 400 * MS },
		{ "capped by RTO", 300 * MS, true, false, 500 * MS, 500 * MS },
		{ "one segment capped by RTO", 50 * MS, true, true, 250 * MS, 250 * MS },
		{ "equal to RTO", 100 * MS, true, false, 200 * MS, 200 * MS },
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++)
		if (ft_tlp_pto(cases[i].srtt, cases[i].have_srtt, cases[i].one_seg, cases[i].rto,
			       FT_TLP_MAX_ACK_DELAY_US) != cases[i].expect)
			fail_msg("%s", cases[i].name);
}

static void
test_tlp_scheduling_conditions(void **state)
{
	(void)state;
	assert_true(ft_tlp_should_arm(true, false, 0));
	assert_false(ft_tlp_should_arm(false, false, 0)); /* no SACK */
	assert_false(ft_tlp_should_arm(true, true, 0));   /* fast or RTO recovery */
	assert_false(ft_tlp_should_arm(true, false, 1));  /* something SACKed */
}

static void
test_tlp_probe_needs_rtt_sample_and_no_outstanding_probe(void **state)
{
	struct ft_rack r;
	struct ft_tlp_ack a = { .ack = 5000 };

	(void)state;
	ft_rack_init(&r);
	assert_int_equal(r.tlp_max_ack_delay_us, FT_TLP_MAX_ACK_DELAY_US);
	assert_false(ft_tlp_may_send_probe(&r)); /* no RTT sample since the start */
	deliver(&r, 0, 1000, 50 * MS);
	assert_true(ft_tlp_may_send_probe(&r));
	ft_tlp_on_send_probe(&r, 5000, false);
	assert_false(ft_tlp_may_send_probe(&r)); /* one outstanding */
	assert_int_equal(ft_tlp_on_ack(&r, &a), FT_TLP_DONE);
	assert_false(ft_tlp_may_send_probe(&r)); /* still no sample since the probe */
	ft_rack_on_rtt_sample(&r, 50 * MS, 200 * MS);
	assert_true(ft_tlp_may_send_probe(&r));
}

static void
test_tlp_new_data_probe_acked_ends_episode(void **state)
{
	struct ft_rack r;
	struct ft_tlp_ack a = { .ack = 4000 };

	(void)state;
	ft_rack_init(&r);
	ft_tlp_on_send_probe(&r, 5000, false);
	assert_true(r.tlp_in_progress);
	assert_false(r.tlp_is_retrans);
	assert_int_equal(ft_tlp_on_ack(&r, &a), FT_TLP_NONE); /* below TLP.end_seq */
	a.ack = 5000;
	assert_int_equal(ft_tlp_on_ack(&r, &a), FT_TLP_DONE);
	assert_false(r.tlp_in_progress);
	a.ack = 9000;
	assert_int_equal(ft_tlp_on_ack(&r, &a), FT_TLP_NONE); /* no episode any more */
}

static void
test_tlp_probe_repairing_loss_needs_congestion_response(void **state)
{
	struct ft_rack r;
	struct ft_tlp_ack a = { .ack = 5000 };

	(void)state;
	ft_rack_init(&r);
	ft_tlp_on_send_probe(&r, 5000, true);
	/* Only the probe ACKed, no D-SACK yet: not decided, a D-SACK may still come. */
	assert_int_equal(ft_tlp_on_ack(&r, &a), FT_TLP_NONE);
	assert_true(r.tlp_in_progress);
	/* A D-SACK for some other range does not match the probe. */
	a.has_sack = a.has_dsack = true;
	a.dsack_end = 3000;
	assert_int_equal(ft_tlp_on_ack(&r, &a), FT_TLP_NONE);
	/* Data after the probe is ACKed and no D-SACK for the probe ever came: the probe was
	 * the only copy that arrived, a loss was repaired. */
	a = (struct ft_tlp_ack){ .ack = 6000 };
	assert_int_equal(ft_tlp_on_ack(&r, &a), FT_TLP_LOSS_REPAIRED);
	assert_false(r.tlp_in_progress);
	assert_int_equal(ft_tlp_on_ack(&r, &a), FT_TLP_NONE);
}

static void
test_tlp_probe_with_dsack_needs_no_response(void **state)
{
	struct ft_rack r;
	struct ft_tlp_ack a = {
		.ack = 5000, .has_sack = true, .has_dsack = true, .dsack_end = 5000,
	};

	(void)state;
	ft_rack_init(&r);
	ft_tlp_on_send_probe(&r, 5000, true);
	assert_int_equal(ft_tlp_on_ack(&r, &a), FT_TLP_DONE);
	/* The later ACK beyond the probe is no longer taken as a repaired loss. */
	a = (struct ft_tlp_ack){ .ack = 6000 };
	assert_int_equal(ft_tlp_on_ack(&r, &a), FT_TLP_NONE);
}

static void
test_tlp_dupack_without_sack_ends_episode(void **state)
{
	struct ft_rack r;
	struct ft_tlp_ack a = { .ack = 5000, .is_dupack = true, .has_sack = true };

	(void)state;
	ft_rack_init(&r);
	ft_tlp_on_send_probe(&r, 5000, true);
	assert_int_equal(ft_tlp_on_ack(&r, &a), FT_TLP_NONE); /* dupack with SACK: wait */
	a.has_sack = false;
	assert_int_equal(ft_tlp_on_ack(&r, &a), FT_TLP_DONE); /* receiver without D-SACK */
}

static void
test_tlp_episode_across_sequence_wrap_and_cancel(void **state)
{
	struct ft_rack r;
	struct ft_tlp_ack a = { .ack = 0xfffffff0 };

	(void)state;
	ft_rack_init(&r);
	ft_tlp_on_send_probe(&r, 0x00000010, true);
	assert_int_equal(ft_tlp_on_ack(&r, &a), FT_TLP_NONE);   /* before end_seq */
	a.ack = 0x00000020;
	assert_int_equal(ft_tlp_on_ack(&r, &a), FT_TLP_LOSS_REPAIRED);

	ft_tlp_on_send_probe(&r, 0x00000030, true);
	ft_tlp_cancel(&r); /* RTO fired */
	a.ack = 0x00000040;
	assert_int_equal(ft_tlp_on_ack(&r, &a), FT_TLP_NONE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rack_marks_lost_after_rtt_plus_reo_wnd),
		cmocka_unit_test(test_rack_segments_sent_after_rack_xmit_are_not_candidates),
		cmocka_unit_test(test_rack_xmit_ts_ties_broken_by_end_seq),
		cmocka_unit_test(test_rack_reordering_detected_below_fack),
		cmocka_unit_test(test_rack_dsack_raises_mult_once_per_round),
		cmocka_unit_test(test_rack_dsack_raise_persists_16_recoveries),
		cmocka_unit_test(test_rack_reo_wnd_zero_or_quarter_min_rtt),
		cmocka_unit_test(test_rack_ambiguous_retransmission_samples_rejected),
		cmocka_unit_test(test_rack_min_rtt_is_windowed),
		cmocka_unit_test(test_rack_rto_marks_una_and_old_segments_only),
		cmocka_unit_test(test_tlp_pto_cases),
		cmocka_unit_test(test_tlp_scheduling_conditions),
		cmocka_unit_test(test_tlp_probe_needs_rtt_sample_and_no_outstanding_probe),
		cmocka_unit_test(test_tlp_new_data_probe_acked_ends_episode),
		cmocka_unit_test(test_tlp_probe_repairing_loss_needs_congestion_response),
		cmocka_unit_test(test_tlp_probe_with_dsack_needs_no_response),
		cmocka_unit_test(test_tlp_dupack_without_sack_ends_episode),
		cmocka_unit_test(test_tlp_episode_across_sequence_wrap_and_cancel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
