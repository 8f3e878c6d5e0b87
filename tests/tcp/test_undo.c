/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * D-SACK undo (src/tcp/undo.c) with crafted D-SACK sequences: the reduction of an episode is
 * undone only when every byte retransmitted in it has come back D-SACKed; never below the
 * current window; not when the episode was not armed; the counter and recovery state follow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/worker.h"
#include "tcp/tcp.h"

static struct ft_worker w;
static struct ft_tcb t;

static int
reset(void **state)
{
	(void)state;
	memset(&w, 0, sizeof(w));
	memset(&t, 0, sizeof(t));
	t.w = &w;
	t.mss = 1448;
	t.cc.cwnd = 40 * 1448;
	t.cc.ssthresh = FT_CC_SSTHRESH_INF;
	return 0;
}

/* A recovery episode: armed, then the cc module halves the window. */
static void
episode(void)
{
	ft_tcp_undo_arm(&t);
	t.cc.cwnd = 20 * 1448;
	t.cc.ssthresh = 20 * 1448;
	t.cc.in_recovery = true;
}

static void
test_undo_after_every_retransmission_dsacked(void **state)
{
	(void)state;
	episode();
	ft_tcp_undo_on_retransmit(&t, 1448);
	ft_tcp_undo_on_retransmit(&t, 1448);
	ft_tcp_undo_on_dsack(&w, &t, 1000, 1000 + 1448);
	assert_int_equal(t.cc.cwnd, 20 * 1448);          /* one of two: not yet */
	assert_true(t.cc.in_recovery);
	assert_int_equal(w.stats.tcp_undo, 0);
	ft_tcp_undo_on_dsack(&w, &t, 5000, 5000 + 1448);
	assert_int_equal(t.cc.cwnd, 40 * 1448);          /* both: the reduction is undone */
	assert_int_equal(t.cc.ssthresh, FT_CC_SSTHRESH_INF);
	assert_false(t.cc.in_recovery);
	assert_int_equal(w.stats.tcp_undo, 1);
	ft_tcp_undo_on_dsack(&w, &t, 9000, 9000 + 1448); /* a late D-SACK changes nothing */
	assert_int_equal(w.stats.tcp_undo, 1);
}

static void
test_no_undo_without_retransmission_or_arming(void **state)
{
	(void)state;
	ft_tcp_undo_on_dsack(&w, &t, 0, 1448);           /* never armed */
	episode();
	ft_tcp_undo_on_dsack(&w, &t, 0, 1448);           /* armed, nothing retransmitted */
	assert_int_equal(t.cc.cwnd, 20 * 1448);
	assert_int_equal(w.stats.tcp_undo, 0);
	ft_tcp_undo_on_retransmit(&t, 1448);
	ft_tcp_undo_on_dsack(&w, &t, 7000, 7000);        /* empty block: ignored */
	assert_int_equal(w.stats.tcp_undo, 0);
}

static void
test_undo_never_lowers_the_window(void **state)
{
	(void)state;
	episode();
	ft_tcp_undo_on_retransmit(&t, 1448);
	t.cc.cwnd = 60 * 1448; /* grew past the old window meanwhile (recovery ended) */
	t.cc.in_recovery = false;
	ft_tcp_undo_on_dsack(&w, &t, 0, 3 * 1448);       /* a larger block clamps */
	assert_int_equal(t.cc.cwnd, 60 * 1448);
	assert_int_equal(t.cc.ssthresh, FT_CC_SSTHRESH_INF);
	assert_int_equal(w.stats.tcp_undo, 1);
}

static void
test_new_episode_rearms(void **state)
{
	(void)state;
	episode();
	ft_tcp_undo_on_retransmit(&t, 1448);
	episode(); /* a second loss before any D-SACK: counts restart from this episode */
	assert_int_equal(t.undo.cwnd, 20 * 1448);
	assert_int_equal(t.undo.retrans, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_undo_after_every_retransmission_dsacked, reset),
		cmocka_unit_test_setup(test_no_undo_without_retransmission_or_arming, reset),
		cmocka_unit_test_setup(test_undo_never_lowers_the_window, reset),
		cmocka_unit_test_setup(test_new_episode_rearms, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
