/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segments for synchronized connections, SYN-RCVD included (RFC 9293 §3.10.7.4), in the
 * RFC's order: PAWS (RFC 7323 §5.3), sequence acceptability (the four-case table), RST
 * (RFC 5961 §3: only exactly at RCV.NXT resets, otherwise a challenge ACK), SYN (RFC 5961
 * §4: challenge ACK), ACK (ack.c), data (reass.c), FIN. Application callbacks owed are
 * collected in t->events and delivered once at the end (ft_tcp_finish_input), after which
 * output runs once: an echo's reply rides on the ACK of the request.
 */
#include "core/worker.h"
#include "tcp/seq.h"
#include "tcp/tcp.h"

#define PAWS_IDLE_TSC_DAYS 24 /* RFC 7323 §5.5: ts_recent is invalid after 24 days idle */

static bool
paws_reject(const struct ft_worker *w, const struct ft_tcb *t, const struct ft_tcp_seg *s)
{
	if (!(t->flags & FT_TF_TS_OK) || !s->opts.has_ts || (s->flags & FT_TH_RST))
		return false;
	if (!ft_seq_lt(s->opts.tsval, t->ts_recent))
		return false;
	return w->now - t->ts_recent_at < PAWS_IDLE_TSC_DAYS * 86400ull * rte_get_tsc_hz();
}

/* RFC 9293 §3.10.7.4 table: segment length vs receive window. */
static bool
seq_acceptable(const struct ft_tcb *t, const struct ft_tcp_seg *s)
{
	uint32_t seglen = s->len + !!(s->flags & FT_TH_SYN) + !!(s->flags & FT_TH_FIN);
	uint32_t wnd = ft_tcp_rcv_window(t);

	if (seglen == 0)
		return wnd == 0 ? s->seq == t->rcv_nxt :
				  ft_seq_in(s->seq, t->rcv_nxt, t->rcv_nxt + wnd);
	if (wnd == 0)
		return false;
	return ft_seq_in(s->seq, t->rcv_nxt, t->rcv_nxt + wnd) ||
	       ft_seq_in(s->seq + seglen - 1, t->rcv_nxt, t->rcv_nxt + wnd);
}

void
ft_tcp_challenge_ack(struct ft_worker *w, struct ft_tcb *t)
{
	/* RFC 5961 §7: a global (per worker) limit keeps challenge ACKs from being a lever. */
	if (!ft_tb_take(&w->tcp->challenge_tb, w->now)) {
		w->stats.tcp_challenge_limited++;
		return;
	}
	w->stats.tcp_challenge_ack++;
	ft_tcp_send_ack(w, t);
}

void
ft_tcp_report_established(struct ft_worker *w, struct ft_tcb *t)
{
	t->events |= FT_EV_ESTABLISHED;
}

/* Unacceptable segment: RFC 9293 says send an ACK (unless RST) and drop. */
static void
reject(struct ft_worker *w, struct ft_tcb *t, const struct ft_tcp_seg *s, struct rte_mbuf *m)
{
	enum ft_drop_reason r = FT_DROP_TCP_OUT_OF_WINDOW;

	if (s->len > 0 && ft_seq_leq(s->seq + s->len, t->rcv_nxt)) {
		/* Entirely old data: report it as a D-SACK block (RFC 2883 §4 case 1). */
		t->dsack_start = s->seq;
		t->dsack_end = s->seq + s->len;
		r = FT_DROP_TCP_DUP;
	}
	if (!(s->flags & FT_TH_RST))
		ft_tcp_send_ack(w, t);
	/* A retransmitted FIN in TIME-WAIT restarts the 2 MSL wait (§3.10.7.4 "eighth"). */
	if (t->state == FT_TCP_TIME_WAIT && (s->flags & FT_TH_FIN))
		ft_tcp_timers_on_time_wait(w, t);
	if (m != NULL)
		ft_drop(w, m, r);
	else
		w->stats.drops[r]++;
}

/* RST and SYN checks (RFC 5961 §3, §4). @return false when the segment was consumed. */
static bool
check_rst_syn(struct ft_worker *w, struct ft_tcb *t, const struct ft_tcp_seg *s,
	      struct rte_mbuf *m)
{
	if (s->flags & FT_TH_RST) {
		rte_pktmbuf_free(m);
		if (s->seq != t->rcv_nxt) {
			w->stats.drops[FT_DROP_TCP_RST_INVALID]++;
			ft_tcp_challenge_ack(w, t);
			return false;
		}
		w->stats.tcp_rst_rx++;
		/* A passive open that never completed goes back to LISTEN silently. */
		ft_tcp_close_finish(w, t, t->state == FT_TCP_SYN_RCVD && (t->flags & FT_TF_PASSIVE) ?
				    FT_CLOSE_ABORTED : FT_CLOSE_RESET);
		return false;
	}
	if (s->flags & FT_TH_SYN) {
		rte_pktmbuf_free(m);
		w->stats.drops[FT_DROP_TCP_SYN_SYNC]++;
		ft_tcp_challenge_ack(w, t);
		return false;
	}
	return true;
}

/* SYN-RCVD + acceptable ACK: the handshake is complete (§3.10.7.4). */
static bool
syn_rcvd_ack(struct ft_worker *w, struct ft_tcb *t, const struct ft_tcp_seg *s)
{
	if (!ft_seq_gt(s->ack, t->snd_una) || ft_seq_gt(s->ack, t->snd_max)) {
		ft_tcp_respond_rst(w, s);
		w->stats.drops[FT_DROP_TCP_ACK_INVALID]++;
		return false;
	}
	w->tcp->syn_rcvd--;
	t->state = FT_TCP_ESTABLISHED;
	t->snd_una = s->ack;
	t->snd_wnd = s->wnd << t->snd_wscale;
	t->max_snd_wnd = t->snd_wnd;
	t->snd_wl1 = s->seq;
	t->snd_wl2 = s->ack;
	ft_tcp_handshake_done(t);
	if ((t->flags & FT_TF_TS_OK) && s->opts.has_ts && s->opts.tsecr != 0)
		ft_tcp_rtt_sample_ts(w, t, s->opts.tsecr);
	ft_tcp_timers_on_ack(w, t);
	if (t->flags & FT_TF_PASSIVE)
		w->stats.tcp_accepted++;
	else
		w->stats.tcp_connected++; /* a simultaneous open (RFC 9293 §3.5 figure 8) */
	ft_tcp_report_established(w, t);
	return true;
}

/* The peer's FIN is next in sequence (§3.10.7.4 "eighth"). */
static void
fin_received(struct ft_worker *w, struct ft_tcb *t)
{
	t->rcv_nxt++;
	t->flags |= FT_TF_FIN_RCVD | FT_TF_ACK_NOW;
	t->events |= FT_EV_READABLE; /* end of stream */
	switch (t->state) {
	case FT_TCP_ESTABLISHED:
		t->state = FT_TCP_CLOSE_WAIT;
		break;
	case FT_TCP_FIN_WAIT_1:
		t->state = FT_TCP_CLOSING; /* our FIN is not acknowledged yet */
		break;
	case FT_TCP_FIN_WAIT_2:
		ft_tcp_enter_time_wait(w, t);
		break;
	default:
		break; /* a retransmitted FIN: just ACK it again */
	}
}

static bool
accepts_data(const struct ft_tcb *t)
{
	return t->state == FT_TCP_ESTABLISHED || t->state == FT_TCP_FIN_WAIT_1 ||
	       t->state == FT_TCP_FIN_WAIT_2;
}

/* Data and FIN (§3.10.7.4 "seventh", "eighth"). Consumes @p m. */
static void
data_and_fin(struct ft_worker *w, struct ft_tcb *t, const struct ft_tcp_seg *s,
	     struct rte_mbuf *m)
{
	if (m != NULL && !accepts_data(t)) {
		ft_drop(w, m, FT_DROP_TCP_OUT_OF_WINDOW); /* after the peer's FIN */
		m = NULL;
	} else if (m != NULL && (t->flags & FT_TF_APP_CLOSED)) {
		/* Nobody will read it: RFC 9293 §3.10.7.4 / RFC 2525 §2.17, reset. */
		ft_drop(w, m, FT_DROP_TCP_RCV_CLOSED);
		ft_tcp_send_rst(w, t);
		ft_tcp_close_finish(w, t, FT_CLOSE_ABORTED);
		return;
	}
	if (m != NULL)
		ft_tcp_rcv_data(w, t, s->seq, m);
	if ((s->flags & FT_TH_FIN) && s->seq + s->len == t->rcv_nxt &&
	    !(t->flags & FT_TF_FIN_RCVD))
		fin_received(w, t);
	else if ((s->flags & FT_TH_FIN) && (t->flags & FT_TF_FIN_RCVD))
		t->flags |= FT_TF_ACK_NOW; /* retransmitted FIN: our ACK was lost */
}

void
ft_tcp_input_sync(struct ft_worker *w, struct ft_tcb *t, const struct ft_tcp_seg *s,
		  struct rte_mbuf *m)
{
	if (t->state == FT_TCP_SYN_RCVD && (s->flags & FT_TH_SYN) && !(s->flags & FT_TH_ACK) &&
	    s->seq == t->irs) {
		rte_pktmbuf_free(m); /* our SYN-ACK was lost: send it again */
		ft_tcp_send_syn(w, t, true);
		return;
	}
	ft_tcp_timers_on_rx(w, t);
	if (paws_reject(w, t, s)) {
		w->stats.drops[FT_DROP_TCP_PAWS]++;
		ft_tcp_send_ack(w, t);
		rte_pktmbuf_free(m);
		return;
	}
	if (!seq_acceptable(t, s)) {
		reject(w, t, s, m);
		return;
	}
	if (!check_rst_syn(w, t, s, m))
		return;
	if (!(s->flags & FT_TH_ACK)) {
		ft_drop(w, m, FT_DROP_TCP_NO_ACK);
		return;
	}
	if (t->state == FT_TCP_SYN_RCVD && !syn_rcvd_ack(w, t, s)) {
		rte_pktmbuf_free(m);
		return;
	}
	/* RFC 7323 §4.3: remember the timestamp of a segment that covers RCV.NXT. */
	if ((t->flags & FT_TF_TS_OK) && s->opts.has_ts && ft_seq_leq(s->seq, t->rcv_nxt)) {
		t->ts_recent = s->opts.tsval;
		t->ts_recent_at = w->now;
	}
	switch (ft_tcp_process_ack(w, t, s)) {
	case FT_ACK_CLOSED:
		rte_pktmbuf_free(m);
		return;
	case FT_ACK_DROP:
		rte_pktmbuf_free(m);
		ft_tcp_defer_finish(w, t);
		return;
	case FT_ACK_CONTINUE:
		break;
	}
	data_and_fin(w, t, s, m);
	ft_tcp_defer_finish(w, t);
}

void
ft_tcp_finish_input(struct ft_worker *w, struct ft_tcb *t)
{
	uint8_t ev = t->events;

	if (t->state == FT_TCP_CLOSED || (t->flags & FT_TF_DEAD))
		return;
	t->events = 0;
	t->busy++;
	if ((ev & FT_EV_ESTABLISHED) && t->ops && t->ops->established) {
		t->flags |= FT_TF_REPORTED;
		t->ops->established((struct ft_conn *)t, t->arg);
	} else if (ev & FT_EV_ESTABLISHED) {
		t->flags |= FT_TF_REPORTED;
	}
	/* Nothing is delivered once the application closed or aborted the connection. */
	if ((ev & FT_EV_READABLE) && !(t->flags & (FT_TF_DEAD | FT_TF_APP_CLOSED)) && t->ops &&
	    t->ops->readable)
		t->ops->readable((struct ft_conn *)t, t->arg);
	if ((ev & FT_EV_WRITABLE) && !(t->flags & (FT_TF_DEAD | FT_TF_APP_CLOSED)) && t->ops &&
	    t->ops->writable) {
		t->flags &= ~FT_TF_WANT_WRITE;
		t->ops->writable((struct ft_conn *)t, t->arg);
	}
	if ((ev & FT_EV_CLOSED) && !(t->flags & FT_TF_DEAD))
		ft_tcp_report_closed(t, FT_CLOSE_NORMAL); /* TIME_WAIT: after the last readable */
	t->busy--;
	if (t->flags & FT_TF_DEAD) {
		ft_tcb_destroy(w, t);
		return;
	}
	ft_tcp_output(w, t);
}
