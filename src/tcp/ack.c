/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ACK processing for synchronized connections (RFC 9293 §3.10.7.4 "fifth, check the ACK
 * field"): acceptability per RFC 5961 §5.2, cumulative ACK (send-buffer trim, RTT sample per
 * RFC 6298 / RFC 7323 §4, congestion control once per ACK), duplicate ACKs and NewReno fast
 * retransmit/recovery (RFC 5681 §3.2, RFC 6582), send-window update (§3.10.7.4, with the
 * SND.WL1/WL2 rule), and the closing transitions driven by the ACK of our FIN.
 * Does not: SACK-based recovery, RACK-TLP (tcp/rack.c, issue #4).
 */
#include "core/clock.h"
#include "core/worker.h"
#include "tcp/seq.h"
#include "tcp/tcp.h"

void
ft_tcp_cc_init(struct ft_tcb *t)
{
	ft_cc_newreno.init(&t->cc, t->mss, t->iss);
}

/* Our timestamp clock: milliseconds (RFC 7323 §5.4: 1 ms to 1 s per tick). */
uint32_t
ft_tcp_ts_now(const struct ft_worker *w)
{
	return (uint32_t)(ft_clock_tsc_to_us(w->now) / 1000);
}

void
ft_tcp_rtt_sample_ts(struct ft_worker *w, struct ft_tcb *t, uint32_t tsecr)
{
	uint32_t ms = ft_tcp_ts_now(w) - tsecr;

	if (ms < 60000) /* an echo from the future or from a minute ago is not a sample */
		ft_rtt_sample(&t->rtt, ms ? ms * 1000 : 500);
}

static void
rtt_sample(struct ft_worker *w, struct ft_tcb *t, const struct ft_tcp_seg *s)
{
	if (t->flags & FT_TF_TS_OK) {
		if (s->opts.has_ts && s->opts.tsecr != 0)
			ft_tcp_rtt_sample_ts(w, t, s->opts.tsecr);
		return;
	}
	/* Karn: only segments never retransmitted are timed (rtt_seq is cleared on RTO). */
	if ((t->flags & FT_TF_RTT_TIMING) && ft_seq_gt(s->ack, t->rtt_seq)) {
		ft_rtt_sample(&t->rtt, (uint32_t)ft_clock_tsc_to_us(w->now - t->rtt_at));
		t->flags &= ~FT_TF_RTT_TIMING;
	}
}

/* Bytes of data (not SYN/FIN) that ACK @p ack newly covers. */
static uint32_t
data_acked(const struct ft_tcb *t, uint32_t ack)
{
	uint32_t n = ack - t->snd_una;

	if ((t->flags & FT_TF_FIN_SENT) && ack == t->snd_max)
		n--; /* the FIN's sequence number */
	return RTE_MIN(n, t->sb.len);
}

static void
new_ack(struct ft_worker *w, struct ft_tcb *t, const struct ft_tcp_seg *s)
{
	struct ft_cc_ack a = { .acked_bytes = s->ack - t->snd_una, .snd_una = s->ack,
			       .n_acks = 1 };
	uint32_t before = ft_sndbuf_space(&t->sb), half = t->sb.limit / 2;
	uint32_t flight_before = t->snd_max - t->snd_una;

	ft_sndbuf_trim(&t->sb, data_acked(t, s->ack));
	/* writable: the app hit the limit, or free space rose through half the buffer. */
	if (((t->flags & FT_TF_WANT_WRITE) && ft_sndbuf_space(&t->sb) > 0) ||
	    (before < half && ft_sndbuf_space(&t->sb) >= half))
		t->events |= FT_EV_WRITABLE;
	rtt_sample(w, t, s);
	t->snd_una = s->ack;
	if (ft_seq_lt(t->snd_nxt, t->snd_una))
		t->snd_nxt = t->snd_una;
	a.flight_bytes = t->snd_max - t->snd_una;
	/* cwnd-limited is judged on the flight the ACK found (RFC 7661 §4.3), not what is left. */
	a.cwnd_limited = flight_before + t->mss >= t->cc.cwnd;
	if (t->cc.in_recovery && !ft_cc_ack_covers_recover(&t->cc, s->ack))
		ft_tcp_retransmit_first(w, t); /* RFC 6582 §3.2 step 5: partial ACK */
	ft_cc_ack_batch(&ft_cc_newreno, &t->cc, &a);
	t->dupacks = 0;
	t->rexmt_count = 0;
	ft_rtt_reset_backoff(&t->rtt);
	ft_tcp_timers_on_ack(w, t);
}

static void
dup_ack(struct ft_worker *w, struct ft_tcb *t)
{
	struct ft_cc_ack a = { .snd_una = t->snd_una, .n_acks = 1, .n_dupacks = 1,
			       .flight_bytes = t->snd_max - t->snd_una };

	if (++t->dupacks == FT_CC_DUPTHRESH && !t->cc.in_recovery &&
	    ft_cc_ack_covers_recover(&t->cc, t->snd_una)) {
		/* RFC 6582 §3.2 step 2: fast retransmit once per window. */
		ft_cc_newreno.on_congestion(&t->cc, a.flight_bytes, t->snd_max);
		ft_tcp_retransmit_first(w, t);
		w->stats.tcp_fast_rexmt++;
	} else if (t->dupacks > FT_CC_DUPTHRESH && t->cc.in_recovery) {
		ft_cc_newreno.on_ack(&t->cc, &a); /* inflate: a segment left the network */
	}
}

static void
window_update(struct ft_worker *w, struct ft_tcb *t, const struct ft_tcp_seg *s)
{
	if (ft_seq_lt(t->snd_wl1, s->seq) ||
	    (t->snd_wl1 == s->seq && ft_seq_leq(t->snd_wl2, s->ack))) {
		uint32_t old = t->snd_wnd;

		t->snd_wnd = s->wnd << t->snd_wscale;
		t->snd_wl1 = s->seq;
		/* The window reopened: the probe byte becomes ordinary data again, so send full
		 * segments from snd_una rather than waiting behind it (BSD tcp_output). */
		if (old == 0 && t->snd_wnd != 0)
			t->snd_nxt = t->snd_una;
		t->snd_wl2 = s->ack;
		if (t->snd_wnd > t->max_snd_wnd)
			t->max_snd_wnd = t->snd_wnd;
		if (t->snd_wnd == 0)
			ft_tcp_timers_on_zero_window(w, t);
		else if (t->t_persist != 0)
			ft_tcp_timers_on_ack(w, t); /* window opened: back to the RTO */
	}
}

/* Our FIN was acknowledged: move on (§3.10.7.4). */
static enum ft_tcp_ack_verdict
fin_acked(struct ft_worker *w, struct ft_tcb *t)
{
	switch (t->state) {
	case FT_TCP_FIN_WAIT_1:
		t->state = FT_TCP_FIN_WAIT_2;
		ft_tcp_timers_on_fin_wait_2(w, t);
		return FT_ACK_CONTINUE;
	case FT_TCP_CLOSING:
		ft_tcp_enter_time_wait(w, t);
		return FT_ACK_CONTINUE;
	case FT_TCP_LAST_ACK:
		ft_tcp_close_finish(w, t, FT_CLOSE_NORMAL);
		return FT_ACK_CLOSED;
	default:
		return FT_ACK_CONTINUE;
	}
}

enum ft_tcp_ack_verdict
ft_tcp_process_ack(struct ft_worker *w, struct ft_tcb *t, const struct ft_tcp_seg *s)
{
	/* RFC 5681 §2 "duplicate", and not an answer to a zero-window probe (window 0). With
	 * SACK the window may change (receivers autotune): the ACK still reports a loss, as
	 * FreeBSD and Linux treat it (RFC 6675 §2's DupAck is not tied to the window). */
	bool same_wnd = (s->wnd << t->snd_wscale) == t->snd_wnd || (t->flags & FT_TF_SACK_OK);
	bool dup = s->ack == t->snd_una && s->len == 0 && !(s->flags & FT_TH_FIN) && same_wnd &&
		   t->snd_una != t->snd_max && t->snd_wnd != 0;

	if (ft_seq_gt(s->ack, t->snd_max)) {
		/* RFC 9293 §3.10.7.4 / RFC 5961 §5.2: ACK of unsent data: ACK and drop. */
		t->flags |= FT_TF_ACK_NOW;
		w->stats.drops[FT_DROP_TCP_ACK_INVALID]++;
		return FT_ACK_DROP;
	}
	if (ft_seq_lt(s->ack, t->snd_una - t->max_snd_wnd)) {
		ft_tcp_challenge_ack(w, t);
		w->stats.drops[FT_DROP_TCP_ACK_INVALID]++;
		return FT_ACK_DROP;
	}
	if (ft_seq_gt(s->ack, t->snd_una))
		new_ack(w, t, s);
	else if (dup)
		dup_ack(w, t);
	window_update(w, t, s);
	if ((t->flags & FT_TF_FIN_SENT) && t->snd_una == t->snd_max)
		return fin_acked(w, t);
	return FT_ACK_CONTINUE;
}
