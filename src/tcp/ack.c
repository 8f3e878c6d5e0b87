/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ACK processing for synchronized connections (RFC 9293 §3.10.7.4 "fifth, check the ACK
 * field"): acceptability per RFC 5961 §5.2, cumulative ACK (send-buffer trim, RTT sample per
 * RFC 6298 / RFC 7323 §4), send-window update (§3.10.7.4, with the SND.WL1/WL2 rule), and
 * the closing transitions driven by the ACK of our FIN. Loss detection, recovery and
 * congestion control for every ACK (new, duplicate, or carrying SACK blocks): recovery.c.
 */
#include "core/clock.h"
#include "core/worker.h"
#include "tcp/seq.h"
#include "tcp/tcp.h"

void
ft_tcp_cc_init(struct ft_tcb *t)
{
	t->cc_ops->init(&t->cc, t->mss, t->iss);
	ft_sm_set_mss(&t->sm, t->mss);
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

/* Bookkeeping of an ACK for new data; loss recovery and congestion control follow in
 * ft_tcp_rec_ack(). */
static void
new_ack(struct ft_worker *w, struct ft_tcb *t, const struct ft_tcp_seg *s)
{
	uint32_t before = ft_sndbuf_space(&t->sb), half = t->sb.limit / 2;

	ft_sndbuf_trim(&t->sb, data_acked(t, s->ack));
	/* writable: the app hit the limit, or free space rose through half the buffer. */
	if (((t->flags & FT_TF_WANT_WRITE) && ft_sndbuf_space(&t->sb) > 0) ||
	    (before < half && ft_sndbuf_space(&t->sb) >= half))
		t->events |= FT_EV_WRITABLE;
	rtt_sample(w, t, s);
	t->snd_una = s->ack;
	t->snd_nxt = t->snd_max; /* (a zero-window probe may have been the last thing sent) */
	t->rexmt_count = 0;
	ft_rtt_reset_backoff(&t->rtt);
}

static void
window_update(struct ft_worker *w, struct ft_tcb *t, const struct ft_tcp_seg *s)
{
	if (ft_seq_lt(t->snd_wl1, s->seq) ||
	    (t->snd_wl1 == s->seq && ft_seq_leq(t->snd_wl2, s->ack))) {
		t->snd_wnd = s->wnd << t->snd_wscale;
		t->snd_wl1 = s->seq;
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
	if (ft_seq_gt(s->ack, t->snd_una)) {
		new_ack(w, t, s);
		ft_tcp_rec_ack(w, t, s, false);
		ft_tcp_timers_on_ack(w, t);
	} else if (dup || s->opts.n_sack > 0) {
		ft_tcp_rec_ack(w, t, s, dup);
	}
	window_update(w, t, s);
	if ((t->flags & FT_TF_FIN_SENT) && t->snd_una == t->snd_max)
		return fin_acked(w, t);
	return FT_ACK_CONTINUE;
}
