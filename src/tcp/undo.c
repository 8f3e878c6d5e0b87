/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Undo of a spurious congestion response by D-SACK (RFC 3708's detection with the response of
 * Linux tcp_try_undo_dsack and FreeBSD's "might revert"): when fast recovery or an RTO starts,
 * the window before the reduction is remembered and every byte retransmitted in that episode
 * counted; each D-SACK (RFC 2883) for retransmitted data says the original had arrived, and
 * when all of the episode's retransmissions are D-SACKed the loss was reordering or a delayed
 * ACK, not congestion: cwnd and ssthresh go back (never below their current values) and
 * recovery ends. RACK widens its reordering window on the same D-SACKs (rack.c), so the next
 * reordering of that size is not taken for loss.
 *
 * Tail loss probes are not counted: a D-SACKed probe is handled by RFC 8985 §7.4 (recovery.c).
 */
#include "core/worker.h"
#include "tcp/evlog.h"
#include "tcp/seq.h"
#include "tcp/tcp.h"

void
ft_tcp_undo_arm(struct ft_tcb *t)
{
	t->undo.cwnd = t->cc.cwnd;
	t->undo.ssthresh = t->cc.ssthresh;
	t->undo.retrans = 0;
	t->undo.armed = true;
}

void
ft_tcp_undo_on_retransmit(struct ft_tcb *t, uint32_t bytes)
{
	if (t->undo.armed)
		t->undo.retrans += bytes;
}

void
ft_tcp_undo_on_dsack(struct ft_worker *w, struct ft_tcb *t, uint32_t start, uint32_t end)
{
	uint32_t n = end - start;

	if (!t->undo.armed || t->undo.retrans == 0 || !ft_seq_lt(start, end))
		return;
	t->undo.retrans -= RTE_MIN(n, t->undo.retrans);
	if (t->undo.retrans != 0)
		return;
	t->cc.cwnd = RTE_MAX(t->cc.cwnd, t->undo.cwnd);
	t->cc.ssthresh = RTE_MAX(t->cc.ssthresh, t->undo.ssthresh);
	t->cc.in_recovery = false;
	t->undo.armed = false;
	w->stats.tcp_undo++;
	ft_evlog_cc(t, w->now, FT_EVLOG_WHY_OTHER, ft_tcp_rec_flight(t));
}
