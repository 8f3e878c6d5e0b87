/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sendmap and SACK scoreboard (tcp/sendmap.c). Hand-worked cases for each operation (sends and
 * tail extension, splits, cumulative ACK, SACK boundary shifting and merging, D-SACK, renege,
 * RTO marking, pipe through a recovery, the cap, SACK-attack detection), then a seeded
 * randomized run of thousands of operations against a per-byte reference model, checking after
 * every step that the map tiles [una, max), that each entry's state equals the model's for
 * every byte it covers, that the counters equal the model's sums, and ft_sm_check().
 * Sequence numbers start near 2^32 in most cases so every test also crosses the wrap.
 * Over 800 lines on purpose: the hand-worked cases and the randomized runs share one set of
 * helpers and one reference model, and every case drives the same public API (sendmap.h);
 * splitting by source file (sendmap.c / sack.c) would copy the model into two suites.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/sendmap.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MSS 100u
#define ISS 0xfffffc00u /* 1024 bytes below the wrap */

static struct ft_sm_pool *
make_pool(uint32_t cap, bool sad)
{
	struct ft_sm_pool_conf c;
	struct ft_sm_pool *p;

	ft_sm_pool_conf_init(&c, cap);
	c.params.sad_enable = sad;
	p = ft_sm_pool_create(&c);
	assert_non_null(p);
	return p;
}

/* Deliveries recorded by the callback. */
struct rec {
	unsigned int n;
	uint32_t bytes;
	struct ft_sm_delivery d[64];
};

static void
record(const struct ft_sm_delivery *d, void *arg)
{
	struct rec *r = arg;

	if (r->n < 64)
		r->d[r->n] = *d;
	r->n++;
	r->bytes += d->end - d->start;
}

static bool check_each = true; /* ft_sm_check() after every sack() */

static struct ft_sm_sack_out
sack(struct ft_sendmap *sm, struct rec *r, uint64_t now, unsigned int n, ...)
{
	struct ft_tcp_sack_block b[8];
	struct ft_sm_sack_in in = { .blocks = b, .n = n, .now_us = now, .cb = record, .arg = r };
	struct ft_sm_sack_out out;
	va_list ap;

	va_start(ap, n);
	for (unsigned int i = 0; i < n; i++) {
		b[i].start = va_arg(ap, uint32_t);
		b[i].end = va_arg(ap, uint32_t);
	}
	va_end(ap);
	assert_int_equal(ft_sm_sack(sm, &in, &out), 0);
	if (check_each)
		assert_int_equal(ft_sm_check(sm), 0);
	return out;
}

/* n segments of MSS bytes from ISS, one per microsecond (one entry each). */
static void
send_segs(struct ft_sendmap *sm, unsigned int n, uint64_t t0)
{
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(ft_sm_on_send(sm, ISS + i * MSS, ISS + (i + 1) * MSS, t0 + i, 0), 0);
	assert_int_equal(ft_sm_check(sm), 0);
}

static uint32_t
S(unsigned int seg)
{
	return ISS + seg * MSS;
}

static void
test_send_extends_tail_only_when_allowed(void **state)
{
	struct ft_sm_pool *p = make_pool(64, true);
	struct ft_sendmap sm;

	(void)state;
	ft_sm_init(&sm, p, 64);
	ft_sm_set_mss(&sm, MSS);
	/* SYN alone, then data in the same microsecond: a SYN entry is never extended. */
	assert_int_equal(ft_sm_on_send(&sm, ISS - 1, ISS, 10, FT_SM_HAS_SYN), 0);
	assert_int_equal(ft_sm_on_send(&sm, ISS, S(1), 10, 0), 0);
	assert_int_equal(sm.n_entries, 2);
	/* Same microsecond, tail a whole MSS: extended. */
	assert_int_equal(ft_sm_on_send(&sm, S(1), S(2), 10, FT_SM_PUSH), 0);
	assert_int_equal(sm.n_entries, 2);
	assert_int_equal(ft_sm_last(&sm)->end, S(2));
	assert_true(ft_sm_last(&sm)->flags & FT_SM_PUSH);
	/* A short segment is taken in, but then the tail is no longer MSS-aligned. */
	assert_int_equal(ft_sm_on_send(&sm, S(2), S(2) + 10, 10, 0), 0);
	assert_int_equal(sm.n_entries, 2);
	assert_int_equal(ft_sm_on_send(&sm, S(2) + 10, S(3), 10, 0), 0);
	assert_int_equal(sm.n_entries, 3);
	/* Another microsecond: new entry. TLP sends are never merged. */
	assert_int_equal(ft_sm_on_send(&sm, S(3), S(4), 11, 0), 0);
	assert_int_equal(ft_sm_on_send(&sm, S(4), S(5), 11, FT_SM_TLP), 0);
	assert_int_equal(sm.n_entries, 5);
	/* Wrong start, empty range. */
	assert_int_equal(ft_sm_on_send(&sm, S(6), S(7), 12, 0), -EINVAL);
	assert_int_equal(ft_sm_on_send(&sm, S(5), S(5), 12, 0), -EINVAL);
	assert_int_equal(sm.una, ISS - 1);
	assert_int_equal(sm.max, S(5));
	assert_int_equal(ft_sm_outstanding(&sm), 5 * MSS + 1);
	assert_int_equal(ft_sm_pipe(&sm), 5 * MSS + 1);
	assert_int_equal(ft_sm_check(&sm), 0);
	assert_int_equal(p->stats.sends_extended, 2);
	ft_sm_free_all(&sm);
	assert_int_equal(p->n_free, 64);
	assert_int_equal(ft_sm_check(&sm), 0);
	ft_sm_pool_destroy(p);
}

static void
test_find_split_and_tmap_order(void **state)
{
	struct ft_sm_pool *p = make_pool(64, true);
	struct ft_sendmap sm;
	struct ft_sm_entry *e;

	(void)state;
	ft_sm_init(&sm, p, 64);
	ft_sm_set_mss(&sm, MSS);
	assert_int_equal(ft_sm_on_send(&sm, S(0), S(10), 5, 0), 0);
	assert_int_equal(ft_sm_on_send(&sm, S(10), S(20), 6, FT_SM_HAS_FIN), 0);
	e = ft_sm_first(&sm);
	assert_int_equal(ft_sm_split(&sm, e, e->start), -EINVAL);
	assert_int_equal(ft_sm_split(&sm, e, e->end), -EINVAL);
	assert_int_equal(ft_sm_split(&sm, e, S(3)), 0);
	assert_int_equal(e->end, S(3));
	assert_int_equal(ft_sm_next(&sm, e)->start, S(3));
	/* FIN moves to the right piece. */
	e = ft_sm_last(&sm);
	assert_int_equal(ft_sm_split(&sm, e, S(15)), 0);
	assert_false(ft_sm_find(&sm, S(12))->flags & FT_SM_HAS_FIN);
	assert_true(ft_sm_last(&sm)->flags & FT_SM_HAS_FIN);
	assert_null(ft_sm_find(&sm, S(20)));
	assert_null(ft_sm_find(&sm, S(0) - 1));
	assert_int_equal(ft_sm_find(&sm, S(3) - 1)->start, S(0));
	assert_int_equal(ft_sm_find(&sm, S(3))->start, S(3));
	assert_int_equal(ft_sm_find(&sm, S(19) + 99)->start, S(15));
	/* Retransmit one MSS in the middle: exactly that piece moves to the tmap tail. */
	assert_int_equal(ft_sm_on_retransmit(&sm, S(5), S(6), 100, FT_SM_TLP), 0);
	assert_int_equal(sm.n_entries, 6);
	e = ft_sm_tmap_last(&sm);
	assert_int_equal(e->start, S(5));
	assert_int_equal(e->end, S(6));
	assert_int_equal(e->rexmit, 1);
	assert_int_equal(e->xmit_ts, 100);
	assert_int_equal(e->first_xmit_ts, 5);
	assert_true(e->flags & FT_SM_TLP);
	assert_int_equal(ft_sm_tmap_first(&sm)->start, S(0));
	assert_int_equal(sm.retrans_out, MSS);
	/* Retransmitted without being lost: counted twice in pipe (RFC 6675). */
	assert_int_equal(ft_sm_pipe(&sm), 21 * MSS);
	assert_int_equal(ft_sm_on_retransmit(&sm, S(19), S(21), 101, 0), -EINVAL);
	assert_int_equal(ft_sm_check(&sm), 0);
	ft_sm_free_all(&sm);
	ft_sm_pool_destroy(p);
}

static void
test_cumack_partial_and_full(void **state)
{
	struct ft_sm_pool *p = make_pool(64, true);
	struct ft_sm_cumack_out o;
	struct ft_sendmap sm;
	struct rec r = { 0 };

	(void)state;
	ft_sm_init(&sm, p, 64);
	ft_sm_set_mss(&sm, MSS);
	send_segs(&sm, 4, 1000);
	/* Half of segment 0. */
	assert_int_equal(ft_sm_cumack(&sm, S(0) + 50, record, &r, &o), 0);
	assert_int_equal(o.acked, 50);
	assert_int_equal(o.delivered, 50);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.d[0].start, S(0));
	assert_int_equal(r.d[0].end, S(0) + 50);
	assert_int_equal(r.d[0].xmit_ts, 1000);
	assert_false(r.d[0].sacked);
	assert_int_equal(ft_sm_first(&sm)->start, S(0) + 50);
	assert_int_equal(ft_sm_check(&sm), 0);
	/* Old and beyond-max ACKs. */
	assert_int_equal(ft_sm_cumack(&sm, S(0), record, &r, &o), 0);
	assert_int_equal(o.acked, 0);
	assert_int_equal(ft_sm_cumack(&sm, S(5), record, &r, &o), -ERANGE);
	/* The rest of 0, all of 1, half of 2; segment 3 SACKed first delivers nothing later. */
	sack(&sm, &r, 1100, 1, S(3), S(4));
	memset(&r, 0, sizeof(r));
	assert_int_equal(ft_sm_cumack(&sm, S(2) + 50, record, &r, &o), 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.bytes, 2 * MSS);
	assert_int_equal(r.d[1].start, S(1));
	assert_int_equal(r.d[1].xmit_ts, 1001);
	memset(&r, 0, sizeof(r));
	assert_int_equal(ft_sm_cumack(&sm, S(4), record, &r, &o), 0);
	assert_int_equal(o.acked, 150);
	assert_int_equal(o.delivered, 50);
	assert_int_equal(o.reneged, 0);
	assert_true(ft_sm_is_empty(&sm));
	assert_int_equal(sm.sacked_bytes, 0);
	assert_int_equal(p->n_free, 64);
	assert_int_equal(ft_sm_check(&sm), 0);
	/* Sending resumes at max. */
	assert_int_equal(ft_sm_on_send(&sm, S(4), S(5), 2000, 0), 0);
	assert_int_equal(ft_sm_check(&sm), 0);
	ft_sm_free_all(&sm);
	ft_sm_pool_destroy(p);
}

/* One 20-MSS send; a hole at the front; the SACK block grows one MSS per ACK, both ways. */
static void
test_sack_growth_shifts_without_allocation(void **state)
{
	struct ft_sm_pool *p = make_pool(64, true);
	struct ft_sm_sack_out out;
	struct ft_sendmap sm;
	struct rec r = { 0 };
	uint32_t n_free;

	(void)state;
	ft_sm_init(&sm, p, 64);
	ft_sm_set_mss(&sm, MSS);
	assert_int_equal(ft_sm_on_send(&sm, S(0), S(20), 7, 0), 0);
	out = sack(&sm, &r, 10, 1, S(5), S(6));
	assert_int_equal(out.newly_sacked, MSS);
	assert_int_equal(out.high_sacked, S(6));
	assert_int_equal(sm.n_entries, 3);
	assert_int_equal(r.n, 1);
	assert_true(r.d[0].sacked);
	assert_int_equal(r.d[0].xmit_ts, 7);
	n_free = p->n_free;
	for (unsigned int k = 7; k <= 12; k++) {
		out = sack(&sm, &r, 10, 1, S(5), S(k));
		assert_int_equal(out.newly_sacked, MSS);
		assert_int_equal(out.high_sacked, S(k));
	}
	for (unsigned int k = 4; k >= 2; k--) {
		out = sack(&sm, &r, 10, 1, S(k), S(12));
		assert_int_equal(out.newly_sacked, MSS);
	}
	assert_int_equal(p->n_free, n_free);
	assert_int_equal(sm.n_entries, 3);
	assert_int_equal(p->stats.shifts, 9);
	assert_int_equal(sm.sacked_bytes, 10 * MSS);
	assert_int_equal(ft_sm_find(&sm, S(2))->start, S(2));
	assert_int_equal(ft_sm_find(&sm, S(2))->end, S(12));
	assert_int_equal(ft_sm_pipe(&sm), 10 * MSS);
	/* Repeats cost nothing and change nothing. */
	out = sack(&sm, &r, 10, 1, S(2), S(12));
	assert_int_equal(out.newly_sacked, 0);
	assert_false(out.dsack);
	assert_int_equal(p->stats.sack_known, 1);
	/* Filling the gap to the next block merges everything into one SACKED entry. */
	out = sack(&sm, &r, 10, 2, S(14), S(15), S(2), S(12));
	assert_int_equal(sm.n_entries, 5);
	out = sack(&sm, &r, 10, 1, S(12), S(15));
	assert_int_equal(out.newly_sacked, 2 * MSS);
	assert_int_equal(sm.n_entries, 3);
	ft_sm_free_all(&sm);
	ft_sm_pool_destroy(p);
}

static void
test_dsack_detection(void **state)
{
	struct ft_sm_pool *p = make_pool(64, true);
	struct ft_sm_sack_out out;
	struct ft_sendmap sm;
	struct rec r = { 0 };

	(void)state;
	ft_sm_init(&sm, p, 64);
	ft_sm_set_mss(&sm, MSS);
	send_segs(&sm, 10, 0);
	assert_int_equal(ft_sm_cumack(&sm, S(2), NULL, NULL, NULL), 0);
	/* (a) below the cumulative ACK, with a normal block after it that is applied. */
	out = sack(&sm, &r, 5, 2, S(1), S(2), S(4), S(5));
	assert_true(out.dsack);
	assert_int_equal(out.dsack_start, S(1));
	assert_int_equal(out.dsack_end, S(2));
	assert_int_equal(out.newly_sacked, MSS);
	/* Straddling una counts too (Linux: start below the ACK). */
	out = sack(&sm, &r, 5, 1, S(1), S(3));
	assert_true(out.dsack);
	assert_int_equal(out.newly_sacked, 0);
	assert_int_equal(sm.sacked_bytes, MSS);
	/* (b) inside a later block of the same option (not necessarily the second). */
	out = sack(&sm, &r, 5, 3, S(6), S(7), S(8), S(9), S(6), S(8));
	assert_true(out.dsack);
	assert_int_equal(out.newly_sacked, 3 * MSS);
	/* (c) entirely in SACKed data and unlike the previous first block. */
	out = sack(&sm, &r, 5, 1, S(7), S(8));
	assert_true(out.dsack);
	/* A repeated option is not a D-SACK, although all of it is SACKed. */
	out = sack(&sm, &r, 5, 1, S(7), S(8));
	assert_false(out.dsack);
	/* A new block, a block partly SACKed: not D-SACKs. */
	out = sack(&sm, &r, 5, 1, S(3), S(5));
	assert_false(out.dsack);
	assert_int_equal(out.newly_sacked, MSS);
	out = sack(&sm, &r, 5, 1, S(8), S(10));
	assert_false(out.dsack);
	assert_int_equal(out.newly_sacked, MSS);
	/* Invalid blocks are ignored: reversed, beyond max. */
	out = sack(&sm, &r, 5, 2, S(2) + 1, S(2), S(9), S(11));
	assert_false(out.dsack);
	assert_int_equal(out.n_ignored, 2);
	assert_int_equal(out.newly_sacked, 0);
	assert_int_equal(p->stats.dsacks, 4);
	/* A D-SACK after everything was acknowledged (spurious retransmission). */
	assert_int_equal(ft_sm_cumack(&sm, S(10), NULL, NULL, NULL), 0);
	out = sack(&sm, &r, 5, 1, S(9), S(10));
	assert_true(out.dsack);
	ft_sm_free_all(&sm);
	ft_sm_pool_destroy(p);
}

static void
test_renege_unsacks_run(void **state)
{
	struct ft_sm_pool *p = make_pool(64, true);
	struct ft_sm_cumack_out o;
	struct ft_sendmap sm;
	struct rec r = { 0 };
	struct ft_sm_entry *e;

	(void)state;
	ft_sm_init(&sm, p, 64);
	ft_sm_set_mss(&sm, MSS);
	send_segs(&sm, 8, 0);
	sack(&sm, &r, 5, 1, S(3), S(6));
	assert_int_equal(sm.n_entries, 6); /* 3..6 merged into one SACKED entry */
	/* The peer acknowledges up to the SACKed block, not through it: it dropped it. */
	assert_int_equal(ft_sm_cumack(&sm, S(3), NULL, NULL, &o), 0);
	assert_int_equal(o.reneged, 3 * MSS);
	assert_int_equal(sm.sacked_bytes, 0);
	e = ft_sm_first(&sm);
	assert_int_equal(e->start, S(3));
	assert_true(e->flags & FT_SM_WAS_SACKED);
	assert_false(e->flags & FT_SM_SACKED);
	/* Back on the tmap, by transmission time: oldest first. */
	assert_ptr_equal(ft_sm_tmap_first(&sm), e);
	assert_int_equal(p->stats.reneges, 1);
	assert_int_equal(ft_sm_pipe(&sm), 5 * MSS);
	/* Acknowledging through a SACKed entry is not a renege. */
	sack(&sm, &r, 6, 1, S(6), S(7));
	assert_int_equal(ft_sm_cumack(&sm, S(7), NULL, NULL, &o), 0);
	assert_int_equal(o.reneged, 0);
	assert_int_equal(ft_sm_check(&sm), 0);
	ft_sm_free_all(&sm);
	ft_sm_pool_destroy(p);
}

static void
test_rto_marks_unsacked_lost_and_clears_after_backoffs(void **state)
{
	struct ft_sm_pool *p = make_pool(64, true);
	struct ft_sendmap sm;
	struct rec r = { 0 };
	struct ft_sm_entry *e;

	(void)state;
	ft_sm_init(&sm, p, 64);
	ft_sm_set_mss(&sm, MSS);
	send_segs(&sm, 10, 0);
	sack(&sm, &r, 5, 2, S(6), S(8), S(2), S(3));
	ft_sm_on_rto(&sm, 1);
	assert_int_equal(ft_sm_check(&sm), 0);
	assert_int_equal(sm.lost_bytes, 7 * MSS);
	assert_int_equal(sm.sacked_bytes, 3 * MSS);
	assert_int_equal(ft_sm_pipe(&sm), 0);
	assert_true(ft_sm_first(&sm)->flags & FT_SM_RTO);
	/* Retransmission order: lowest lost first, the cursor skipping SACKed runs. */
	for (unsigned int want = 0; want < 10; want++) {
		if (want == 2 || want == 6 || want == 7)
			continue;
		e = ft_sm_next_lost(&sm);
		assert_non_null(e);
		assert_int_equal(e->start, S(want));
		assert_int_equal(ft_sm_on_retransmit(&sm, e->start, e->end, 100 + want, 0), 0);
		assert_int_equal(ft_sm_pipe(&sm), (want < 2 ? want + 1 : want < 6 ? want : want - 2) *
				 MSS);
	}
	assert_null(ft_sm_next_lost(&sm));
	assert_int_equal(sm.retrans_out, 7 * MSS);
	/* The retransmissions time out too: third backoff drops the SACK marks. */
	ft_sm_on_rto(&sm, 2);
	assert_int_equal(sm.sacked_bytes, 3 * MSS);
	assert_int_equal(sm.retrans_out, 0);
	ft_sm_on_rto(&sm, 3);
	assert_int_equal(ft_sm_check(&sm), 0);
	assert_int_equal(sm.sacked_bytes, 0);
	assert_int_equal(sm.lost_bytes, 10 * MSS);
	assert_true(ft_sm_find(&sm, S(2))->flags & FT_SM_WAS_SACKED);
	assert_int_equal(ft_sm_next_lost(&sm)->start, S(0));
	assert_int_equal(p->stats.rto_clears, 1);
	ft_sm_free_all(&sm);
	ft_sm_pool_destroy(p);
}

/* A recovery episode worked by hand: 10 segments, 2 and 5 lost. */
static void
test_pipe_through_recovery(void **state)
{
	struct ft_sm_pool *p = make_pool(64, true);
	struct ft_sm_sack_out out;
	struct ft_sendmap sm;
	struct rec r = { 0 };
	struct ft_sm_entry *e;

	(void)state;
	ft_sm_init(&sm, p, 64);
	ft_sm_set_mss(&sm, MSS);
	send_segs(&sm, 10, 0);
	assert_int_equal(ft_sm_cumack(&sm, S(2), NULL, NULL, NULL), 0);
	assert_int_equal(ft_sm_pipe(&sm), 8 * MSS);
	out = sack(&sm, &r, 50, 2, S(3), S(5), S(6), S(8));
	assert_int_equal(out.newly_sacked, 4 * MSS);
	assert_int_equal(ft_sm_pipe(&sm), 4 * MSS);
	/* RACK declares 2 and 5 lost: walk the tmap oldest first. */
	for (e = ft_sm_tmap_first(&sm); e != NULL; e = ft_sm_tmap_next(&sm, e))
		if (e->start == S(2) || e->start == S(5))
			assert_true(ft_sm_mark_lost(&sm, e));
	assert_false(ft_sm_mark_lost(&sm, ft_sm_find(&sm, S(2))));
	assert_false(ft_sm_mark_lost(&sm, ft_sm_find(&sm, S(3)))); /* SACKed */
	assert_int_equal(sm.lost_bytes, 2 * MSS);
	assert_int_equal(ft_sm_pipe(&sm), 2 * MSS);
	e = ft_sm_next_lost(&sm);
	assert_int_equal(e->start, S(2));
	ft_sm_on_retransmit(&sm, e->start, e->end, 60, 0);
	assert_int_equal(ft_sm_pipe(&sm), 3 * MSS);
	e = ft_sm_next_lost(&sm);
	assert_int_equal(e->start, S(5));
	ft_sm_on_retransmit(&sm, e->start, e->end, 61, 0);
	assert_int_equal(ft_sm_pipe(&sm), 4 * MSS);
	assert_null(ft_sm_next_lost(&sm));
	/* New data while in recovery. */
	assert_int_equal(ft_sm_on_send(&sm, S(10), S(11), 62, 0), 0);
	assert_int_equal(ft_sm_pipe(&sm), 5 * MSS);
	/* The retransmission of 2 is declared lost again: 0 copies in flight. */
	assert_true(ft_sm_mark_lost(&sm, ft_sm_find(&sm, S(2))));
	assert_int_equal(ft_sm_pipe(&sm), 4 * MSS);
	assert_int_equal(sm.retrans_out, MSS);
	/* SACK of the retransmitted 5; cumack through 2 (its second retransmission). */
	ft_sm_on_retransmit(&sm, S(2), S(3), 70, 0);
	memset(&r, 0, sizeof(r));
	out = sack(&sm, &r, 71, 1, S(3), S(8));
	assert_int_equal(out.newly_sacked, MSS);
	assert_int_equal(r.d[0].rexmit, 1);
	assert_true(r.d[0].flags & FT_SM_RETRANS);
	assert_int_equal(r.d[0].xmit_ts, 61);
	assert_int_equal(ft_sm_pipe(&sm), 4 * MSS);
	assert_int_equal(ft_sm_cumack(&sm, S(8), NULL, NULL, NULL), 0);
	assert_int_equal(ft_sm_pipe(&sm), 3 * MSS);
	assert_int_equal(sm.retrans_out + sm.lost_bytes + sm.sacked_bytes + sm.orig_lost_bytes, 0);
	assert_int_equal(ft_sm_check(&sm), 0);
	ft_sm_free_all(&sm);
	ft_sm_pool_destroy(p);
}

static void
test_cap_refuses_sends_and_splits(void **state)
{
	struct ft_sm_pool *p = make_pool(1000, false);
	struct ft_sm_sack_out out;
	struct ft_sendmap sm;
	struct rec r = { 0 };

	(void)state;
	ft_sm_init(&sm, p, 10);
	ft_sm_set_mss(&sm, MSS);
	send_segs(&sm, 8, 0);
	assert_int_equal(ft_sm_on_send(&sm, S(8), S(9), 100, 0), -ENOSPC);
	assert_int_equal(p->stats.send_refused, 1);
	assert_int_equal(ft_sm_on_send(&sm, S(8), S(108), 7, 0), 0); /* extends the tail */
	/* SACK splits stop at the cap minus the reserve ... */
	out = sack(&sm, &r, 150, 1, S(20), S(21));
	assert_int_equal(out.newly_sacked, 0);
	assert_int_equal(out.n_ignored, 1);
	/* ... retransmission splits go on to twice the cap, so output never wedges. */
	assert_int_equal(ft_sm_on_retransmit(&sm, S(50), S(51), 200, 0), 0);
	assert_int_equal(sm.n_entries, 10);
	for (unsigned int k = 0; ft_sm_on_retransmit(&sm, S(60 + 2 * k), S(61 + 2 * k), 201 + k,
						 0) == 0; k++)
		assert_true(k < 10);
	assert_true(sm.n_entries >= 19 && sm.n_entries <= 20);
	assert_int_equal(p->stats.rexmit_refused, 1);
	assert_int_equal(ft_sm_split(&sm, ft_sm_find(&sm, S(90)), S(90) + 1), -ENOSPC);
	out = sack(&sm, &r, 300, 1, S(20), S(21));
	assert_int_equal(out.newly_sacked, 0);
	assert_int_equal(out.n_ignored, 1);
	assert_int_equal(p->stats.sack_refused, 2);
	/* A block needing no split still works at the cap; so do whole-entry retransmits. */
	out = sack(&sm, &r, 300, 1, S(3), S(4));
	assert_int_equal(out.newly_sacked, MSS);
	assert_int_equal(ft_sm_on_retransmit(&sm, S(0), S(1), 301, 0), 0);
	assert_true(sm.n_entries <= 20);
	ft_sm_free_all(&sm);
	ft_sm_pool_destroy(p);
}

/* The attacker: every ACK SACKs a few tiny, unaligned pieces, one in every MSS. */
static void
test_sad_detects_tiny_block_attack(void **state)
{
	struct ft_sm_pool *p = make_pool(4096, true);
	struct ft_sm_sack_out out = { 0 };
	struct ft_sendmap sm;
	struct rec r = { 0 };
	unsigned int seg = 1, acks = 0;

	(void)state;
	ft_sm_init(&sm, p, 300);
	ft_sm_set_mss(&sm, MSS);
	assert_int_equal(ft_sm_on_send(&sm, S(0), S(1000), 1, 0), 0);
	while (!out.attack && seg + 4 < 1000) {
		out = sack(&sm, &r, 1000 + acks, 4, S(seg) + 10, S(seg) + 11,
			   S(seg + 1) + 10, S(seg + 1) + 11, S(seg + 2) + 10, S(seg + 2) + 11,
			   S(seg + 3) + 10, S(seg + 3) + 11);
		assert_true(sm.n_entries <= 300);
		seg += 4;
		acks++;
	}
	assert_true(out.attack);
	assert_true(ft_sm_under_attack(&sm));
	assert_true(acks < 20);
	assert_int_equal(p->stats.sad_attacks, 1);
	/* The pieces of the one send are merged back; SACK marks are gone. */
	assert_int_equal(sm.n_entries, 1);
	assert_int_equal(sm.sacked_bytes, 0);
	/* Further blocks are ignored, cumulative ACKs still work. */
	out = sack(&sm, &r, 5000, 2, S(500), S(600), S(700), S(800));
	assert_int_equal(out.newly_sacked, 0);
	assert_int_equal(out.n_ignored, 2);
	assert_true(out.attack);
	assert_int_equal(ft_sm_cumack(&sm, S(100), NULL, NULL, NULL), 0);
	assert_int_equal(ft_sm_check(&sm), 0);
	/* Enough honest progress (cumulative ACKs) restores SACK processing. */
	for (unsigned int k = 2; k <= 9 && ft_sm_under_attack(&sm); k++) {
		assert_int_equal(ft_sm_cumack(&sm, S(100 * k), NULL, NULL, NULL), 0);
		out = sack(&sm, &r, 5000, 1, S(100 * k + 50), S(100 * k + 51));
	}
	assert_false(ft_sm_under_attack(&sm));
	assert_int_equal(p->stats.sad_restores, 1);
	ft_sm_free_all(&sm);
	ft_sm_pool_destroy(p);
}

/* The same attacker with SAD off: the cap alone bounds the map. */
static void
test_cap_bounds_attack_without_sad(void **state)
{
	struct ft_sm_pool *p = make_pool(4096, false);
	struct ft_sendmap sm;
	struct rec r = { 0 };

	(void)state;
	ft_sm_init(&sm, p, 300);
	ft_sm_set_mss(&sm, MSS);
	assert_int_equal(ft_sm_on_send(&sm, S(0), S(1000), 1, 0), 0);
	for (unsigned int seg = 1; seg + 2 < 1000; seg += 2)
		sack(&sm, &r, 1000, 2, S(seg) + 10, S(seg) + 11, S(seg + 1) + 10, S(seg + 1) + 11);
	assert_true(sm.n_entries <= 300 - FT_SM_RESERVE && sm.n_entries >= 290);
	assert_true(p->stats.sack_refused > 0);
	assert_false(ft_sm_under_attack(&sm));
	ft_sm_free_all(&sm);
	ft_sm_pool_destroy(p);
}

/*
 * Honest loss in a large map (one hole per 100 segments, each ACK growing the newest block by
 * one segment and repeating older blocks, cumulative ACKs moving on): well above
 * sad_map_min entries, never suspicious, never an attack.
 */
static void
test_sad_ignores_normal_loss(void **state)
{
	struct ft_sm_pool *p = make_pool(20000, true);
	struct ft_sendmap sm;
	struct rec r = { 0 };
	uint32_t nseg = 6000, most = 0;
	uint64_t now = 100;

	(void)state;
	ft_sm_init(&sm, p, 20000);
	ft_sm_set_mss(&sm, MSS);
	for (uint32_t i = 0; i < nseg; i += 2) /* two-segment sends */
		assert_int_equal(ft_sm_on_send(&sm, S(i), S(i + 2), i, 0), 0);
	check_each = false;
	for (uint32_t hole = 0; hole + 100 < nseg; hole += 100) {
		for (uint32_t k = 1; k < 100; k++) {
			now += 10;
			if (hole >= 200)
				sack(&sm, &r, now, 3, S(hole + 1), S(hole + 1 + k),
				     S(hole - 99), S(hole), S(hole - 199), S(hole - 100));
			else
				sack(&sm, &r, now, 1, S(hole + 1), S(hole + 1 + k));
		}
		if (hole >= 200) /* the oldest hole was repaired */
			assert_int_equal(ft_sm_cumack(&sm, S(hole - 200), NULL, NULL, NULL), 0);
		assert_false(ft_sm_under_attack(&sm));
		assert_int_equal(ft_sm_check(&sm), 0);
		most = MIN(most, sm.n_entries) == most ? sm.n_entries : most;
	}
	check_each = true;
	assert_true(most > 2 * 500); /* detection was running (sad_map_min 500) */
	assert_int_equal(p->stats.sad_suspicious, 0);
	assert_int_equal(p->stats.sad_attacks, 0);
	assert_true(p->stats.shifts > 2000);
	ft_sm_free_all(&sm);
	ft_sm_pool_destroy(p);
}

static void
test_pool_exhaustion_and_free_all(void **state)
{
	struct ft_sm_pool *p = make_pool(8, true);
	struct ft_sendmap a, b;

	(void)state;
	ft_sm_init(&a, p, 100);
	ft_sm_init(&b, p, 100);
	for (unsigned int i = 0; i < 8; i++)
		assert_int_equal(ft_sm_on_send(&a, S(i), S(i + 1), i, 0), 0);
	assert_int_equal(ft_sm_on_send(&b, 5, 6, 1, 0), -ENOSPC);
	assert_int_equal(p->stats.pool_empty, 1);
	ft_sm_free_all(&a);
	assert_int_equal(p->n_free, 8);
	assert_int_equal(ft_sm_on_send(&b, 5, 6, 1, 0), 0);
	assert_int_equal(ft_sm_check(&a), 0);
	assert_int_equal(ft_sm_check(&b), 0);
	ft_sm_free_all(&b);
	ft_sm_pool_destroy(p);
}

/* ---- randomized run against a per-byte model ---- */

#define WIN 4096u /* model bytes (the window never exceeds this) */
#define M_SACKED 0x1
#define M_LOST 0x2
#define M_ORIG 0x4
#define M_RXT 0x8

struct model {
	uint32_t una, max;
	uint8_t st[WIN];          /* indexed by (seq - base) % WIN */
	uint32_t prev_b0_start, prev_b0_end;
	bool have_prev;
};

static uint8_t *
mst(struct model *m, uint32_t seq)
{
	return &m->st[seq % WIN];
}

static uint64_t rng_s;

static uint32_t
rnd(uint32_t n)
{
	rng_s ^= rng_s << 13;
	rng_s ^= rng_s >> 7;
	rng_s ^= rng_s << 17;
	return n != 0 ? (uint32_t)(rng_s % n) : 0;
}

static uint8_t
flags_state(uint16_t f)
{
	return (f & FT_SM_SACKED ? M_SACKED : 0) | (f & FT_SM_LOST ? M_LOST : 0) |
	       (f & FT_SM_ORIG_LOST ? M_ORIG : 0) | (f & FT_SM_RXT_OUT ? M_RXT : 0);
}

/* Map and model agree byte for byte; counters equal the model's sums. */
static void
compare(const struct ft_sendmap *sm, struct model *m)
{
	uint32_t sums[4] = { 0 };
	const struct ft_sm_entry *e;

	assert_int_equal(ft_sm_check(sm), 0);
	assert_int_equal(sm->una, m->una);
	assert_int_equal(sm->max, m->max);
	for (e = ft_sm_first(sm); e != NULL; e = ft_sm_next(sm, e))
		for (uint32_t s = e->start; s != e->end; s++)
			if (*mst(m, s) != flags_state(e->flags))
				fail_msg("seq %u: model %x map %x", s, *mst(m, s), e->flags);
	for (uint32_t s = m->una; s != m->max; s++)
		for (int b = 0; b < 4; b++)
			sums[b] += (*mst(m, s) >> b) & 1;
	assert_int_equal(sm->sacked_bytes, sums[0]);
	assert_int_equal(sm->lost_bytes, sums[1]);
	assert_int_equal(sm->orig_lost_bytes, sums[2]);
	assert_int_equal(sm->retrans_out, sums[3]);
	assert_int_equal(ft_sm_pipe(sm), (m->max - m->una) - sums[0] - sums[2] + sums[3]);
}

static void
rand_send(struct ft_sendmap *sm, struct model *m, uint64_t now)
{
	uint32_t len = rnd(2) ? MSS * (1 + rnd(3)) : 1 + rnd(3 * MSS);
	int rc;

	if (m->max - m->una + len > WIN)
		return;
	rc = ft_sm_on_send(sm, m->max, m->max + len, now, rnd(4) == 0 ? FT_SM_PUSH : 0);
	if (rc == -ENOSPC)
		return;
	assert_int_equal(rc, 0);
	for (uint32_t s = m->max; s != m->max + len; s++)
		*mst(m, s) = 0;
	m->max += len;
}

static void
rand_retransmit(struct ft_sendmap *sm, struct model *m, uint64_t now)
{
	uint32_t out = m->max - m->una, a, b;
	int rc;

	if (out == 0)
		return;
	a = m->una + rnd(out);
	b = a + 1 + rnd(MIN(m->max - a, 2 * MSS));
	if (b - m->una > out)
		b = m->max;
	rc = ft_sm_on_retransmit(sm, a, b, now, rnd(8) == 0 ? FT_SM_TLP : 0);
	if (rc == -ENOSPC)
		return;
	assert_int_equal(rc, 0);
	for (uint32_t s = a; s != b; s++)
		if (!(*mst(m, s) & M_SACKED))
			*mst(m, s) = (*mst(m, s) & M_ORIG) | M_RXT;
}

static void
rand_mark_lost(struct ft_sendmap *sm, struct model *m)
{
	struct ft_sm_entry *e;
	bool want;

	if (m->max == m->una)
		return;
	e = ft_sm_find(sm, m->una + rnd(m->max - m->una));
	assert_non_null(e);
	want = !(*mst(m, e->start) & (M_SACKED | M_LOST));
	assert_int_equal(ft_sm_mark_lost(sm, e), want);
	if (want)
		for (uint32_t s = e->start; s != e->end; s++)
			*mst(m, s) = M_LOST | M_ORIG;
}

static void
rand_next_lost(struct ft_sendmap *sm, struct model *m)
{
	struct ft_sm_entry *e = ft_sm_next_lost(sm);
	uint32_t s;

	for (s = m->una; s != m->max && !(*mst(m, s) & M_LOST); s++)
		;
	if (s == m->max) {
		assert_null(e);
		return;
	}
	assert_non_null(e);
	assert_int_equal(e->start, s);
}

struct dcount {
	uint32_t bytes;
	uint32_t last_end;
	bool any;
};

static void
count_delivery(const struct ft_sm_delivery *d, void *arg)
{
	struct dcount *c = arg;

	assert_true(d->start != d->end);
	if (c->any)
		assert_true((int32_t)(d->start - c->last_end) >= 0);
	c->any = true;
	c->last_end = d->end;
	c->bytes += d->end - d->start;
}

static void
rand_cumack(struct ft_sendmap *sm, struct model *m)
{
	uint32_t out = m->max - m->una, ack, want = 0, reneged = 0;
	struct ft_sm_cumack_out o;
	struct dcount c = { 0 };
	int rc;

	ack = rnd(10) == 0 ? m->una - rnd(100) : m->una + 1 + rnd(out + 20);
	rc = ft_sm_cumack(sm, ack, count_delivery, &c, &o);
	if ((int32_t)(ack - m->max) > 0) {
		assert_int_equal(rc, -ERANGE);
		return;
	}
	assert_int_equal(rc, 0);
	if ((int32_t)(ack - m->una) <= 0) {
		assert_int_equal(o.acked, 0);
		return;
	}
	for (uint32_t s = m->una; s != ack; s++)
		want += !(*mst(m, s) & M_SACKED);
	m->una = ack;
	for (uint32_t s = ack; s != m->max && (*mst(m, s) & M_SACKED); s++) {
		*mst(m, s) = 0;
		reneged++;
	}
	assert_int_equal(c.bytes, want);
	assert_int_equal(o.delivered, want);
	assert_int_equal(o.reneged, reneged);
}

static bool
model_all_sacked(struct model *m, uint32_t a, uint32_t b)
{
	for (uint32_t s = a; s != b; s++)
		if (!(*mst(m, s) & M_SACKED))
			return false;
	return true;
}

static bool
model_dsack(struct model *m, const struct ft_tcp_sack_block *b, unsigned int n)
{
	if ((int32_t)(b[0].end - b[0].start) <= 0)
		return false;
	if ((int32_t)(b[0].start - m->una) < 0)
		return true;
	for (unsigned int i = 1; i < n; i++)
		if ((int32_t)(b[i].end - b[i].start) > 0 &&
		    (int32_t)(b[0].start - b[i].start) >= 0 && (int32_t)(b[0].end - b[i].end) <= 0)
			return true;
	if (m->have_prev && b[0].start == m->prev_b0_start && b[0].end == m->prev_b0_end)
		return false;
	if ((int32_t)(b[0].end - m->max) > 0)
		return false;
	return model_all_sacked(m, b[0].start, b[0].end);
}

/* A random block: mostly inside [una, max), segment-ish, sometimes garbage. */
static struct ft_tcp_sack_block
rand_block(struct model *m)
{
	uint32_t out = m->max - m->una;
	struct ft_tcp_sack_block b;

	if (out == 0 || rnd(10) == 0) {
		b.start = m->una - 200 + rnd(out + 400);
		b.end = b.start + rnd(300) - 50;
		return b;
	}
	b.start = m->una + rnd(out);
	b.end = b.start + 1 + rnd(MIN(m->max - b.start, 3 * MSS));
	return b;
}

static bool
block_valid(struct model *m, const struct ft_tcp_sack_block *b)
{
	return (int32_t)(b->end - b->start) > 0 && (int32_t)(b->start - m->una) >= 0 &&
	       (int32_t)(b->end - m->max) <= 0;
}

static void
rand_sack(struct ft_sendmap *sm, struct model *m, uint64_t now, bool exact)
{
	struct ft_tcp_sack_block b[4];
	unsigned int n = 1 + rnd(4);
	uint64_t refused0 = sm->pool->stats.sack_refused;
	struct dcount c = { 0 };
	struct ft_sm_sack_in in = { .blocks = b, .n = n, .now_us = now, .cb = count_delivery,
				    .arg = &c };
	struct ft_sm_sack_out out;
	static uint8_t elig[WIN];
	bool dsack, was_attack = ft_sm_under_attack(sm);
	uint32_t newly = 0;

	for (unsigned int i = 0; i < n; i++)
		b[i] = rand_block(m);
	if (n > 1 && rnd(4) == 0) /* a D-SACK inside a later block */
		b[0] = (struct ft_tcp_sack_block){ b[1].start, b[1].start + 1 };
	dsack = model_dsack(m, b, n);
	memset(elig, 0, sizeof(elig));
	for (unsigned int i = dsack ? 1 : 0; i < n; i++)
		if (block_valid(m, &b[i]))
			for (uint32_t s = b[i].start; s != b[i].end; s++)
				elig[s % WIN] = 1;
	c.any = false;
	assert_int_equal(ft_sm_sack(sm, &in, &out), 0);
	m->prev_b0_start = b[0].start;
	m->prev_b0_end = b[0].end;
	m->have_prev = true;
	assert_int_equal(out.dsack, dsack);
	for (const struct ft_sm_entry *e = ft_sm_first(sm); e != NULL; e = ft_sm_next(sm, e)) {
		uint8_t es = flags_state(e->flags);

		for (uint32_t s = e->start; s != e->end; s++) {
			uint8_t *ms = mst(m, s);

			if (out.attack && !was_attack) {
				/* Entering attack mode dropped every SACK mark, new ones too. */
				assert_int_equal(sm->sacked_bytes, 0);
				if (es != *ms)
					assert_true(es == 0 && ((*ms & M_SACKED) || elig[s % WIN]));
				*ms = es;
				continue;
			}
			if (*ms & M_SACKED) {
				assert_true(es & M_SACKED);
				continue;
			}
			if (!(es & M_SACKED)) {
				/* Without refusals or attack mode, every eligible byte is SACKed. */
				if (exact && !was_attack && sm->pool->stats.sack_refused == refused0 &&
				    elig[s % WIN])
					fail_msg("seq %u eligible but not SACKed", s);
				continue;
			}
			assert_true(elig[s % WIN]);
			*ms = M_SACKED;
			newly++;
		}
	}
	if (out.attack && !was_attack) {
		assert_int_equal(out.newly_sacked, c.bytes);
		return;
	}
	assert_int_equal(out.newly_sacked, newly);
	assert_int_equal(c.bytes, newly);
}

static void
rand_rto(struct ft_sendmap *sm, struct model *m)
{
	unsigned int backoffs = 1 + rnd(4);
	bool clear = backoffs >= 3;

	ft_sm_on_rto(sm, backoffs);
	for (uint32_t s = m->una; s != m->max; s++) {
		uint8_t *st = mst(m, s);

		if ((*st & M_SACKED) && !clear)
			continue;
		if (!(*st & M_LOST))
			*st = M_LOST | M_ORIG;
	}
}

static struct ft_sm_stats
random_run(uint64_t seed, uint32_t cap, bool sad, unsigned int steps)
{
	struct ft_sm_pool *p = make_pool(cap, sad);
	static struct model m;
	struct ft_sm_stats st;
	struct ft_sendmap sm;
	uint64_t now = 1;

	rng_s = seed;
	memset(&m, 0, sizeof(m));
	ft_sm_init(&sm, p, cap);
	ft_sm_set_mss(&sm, MSS);
	m.una = m.max = 0xffffffffu - 3000; /* wraps within the run */
	assert_int_equal(ft_sm_on_send(&sm, m.max, m.max + 1, now, FT_SM_HAS_SYN), 0);
	m.max++;
	for (unsigned int i = 0; i < steps; i++) {
		uint32_t op = rnd(100);

		now += rnd(3) * (sad ? 1000 : 1); /* SAD: ms steps, so the counters decay */
		if (op < 30)
			rand_send(&sm, &m, now);
		else if (op < 42)
			rand_retransmit(&sm, &m, now);
		else if (op < 50)
			rand_mark_lost(&sm, &m);
		else if (op < 55)
			rand_next_lost(&sm, &m);
		else if (op < 85 && !(sad && i > steps / 2)) /* SAD: an honest second half */
			rand_sack(&sm, &m, now, !sad);
		else if (op < 98)
			rand_cumack(&sm, &m);
		else
			rand_rto(&sm, &m);
		compare(&sm, &m);
	}
	ft_sm_free_all(&sm);
	assert_int_equal(p->n_free, cap);
	st = p->stats;
	ft_sm_pool_destroy(p);
	return st;
}

static void
test_randomized_against_model(void **state)
{
	struct ft_sm_stats st;

	(void)state;
	st = random_run(0x1234567887654321ull, 4096, false, 6000);
	/* The run went through every path. */
	assert_true(st.splits > 100 && st.merges > 100 && st.shifts > 100);
	assert_true(st.sends_extended > 10 && st.retransmits > 100);
	assert_true(st.reneges > 5 && st.dsacks > 50 && st.sack_known > 10);
	assert_true(st.sack_invalid > 50 && st.rto_clears > 5);
}

/* A small cap: refused splits; the model follows what was allowed. */
static void
test_randomized_small_cap(void **state)
{
	struct ft_sm_stats st;

	(void)state;
	st = random_run(0x0badc0ffee15900dull, 24, false, 4000);
	assert_true(st.sack_refused > 10 && st.send_refused > 10 && st.rexmit_refused > 0);
}

/* SAD on: random blocks are mostly tiny and unaligned, so attack mode is entered; with only
 * cumulative ACKs in the second half, the ratio recovers and SACK processing is restored. */
static void
test_randomized_with_sad(void **state)
{
	struct ft_sm_stats st;

	(void)state;
	st = random_run(0x5eed5eed5eed5eedull, 256, true, 4000);
	assert_true(st.sad_attacks >= 1 && st.sad_restores >= 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send_extends_tail_only_when_allowed),
		cmocka_unit_test(test_find_split_and_tmap_order),
		cmocka_unit_test(test_cumack_partial_and_full),
		cmocka_unit_test(test_sack_growth_shifts_without_allocation),
		cmocka_unit_test(test_dsack_detection),
		cmocka_unit_test(test_renege_unsacks_run),
		cmocka_unit_test(test_rto_marks_unsacked_lost_and_clears_after_backoffs),
		cmocka_unit_test(test_pipe_through_recovery),
		cmocka_unit_test(test_cap_refuses_sends_and_splits),
		cmocka_unit_test(test_sad_detects_tiny_block_attack),
		cmocka_unit_test(test_cap_bounds_attack_without_sad),
		cmocka_unit_test(test_sad_ignores_normal_loss),
		cmocka_unit_test(test_pool_exhaustion_and_free_all),
		cmocka_unit_test(test_randomized_against_model),
		cmocka_unit_test(test_randomized_small_cap),
		cmocka_unit_test(test_randomized_with_sad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
