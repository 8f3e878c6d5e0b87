/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP timers, WireGuard timers.c style: the rest of the TCP code reports events
 * (on_send, on_ack, on_delack, ...) and only this file sets deadlines. Each connection has one
 * wheel entry (core/timer_wheel.c) armed at the earliest of its deadlines: retransmission
 * (RFC 6298 §5, with the SYN variants of §5.7), delayed ACK (RFC 9293 §3.8.6.3), persist
 * (zero-window probe with back-off, §3.8.6.1), keepalive (RFC 1122 §4.2.3.6), FIN-WAIT-2 idle
 * limit, TIME-WAIT (2 MSL, configurable). Deadlines are TSC; 0 = off.
 */
#include "core/clock.h"
#include "core/worker.h"
#include "tcp/evlog.h"
#include "tcp/seq.h"
#include "tcp/tcp.h"

#define MAX_REXMT 12        /* RTO expirations before giving up (~ 15 min at 120 s cap) */
#define MAX_SYN_REXMT 6     /* SYN / SYN-ACK retries (Linux tcp_syn_retries default) */
#define FIN_WAIT_2_S 60     /* orphaned FIN-WAIT-2 limit (Linux tcp_fin_timeout) */
#define PERSIST_MIN_MS 200
#define PERSIST_MAX_MS 60000

static void
rearm(struct ft_worker *w, struct ft_tcb *t)
{
	uint64_t d[] = { t->t_rexmt, t->t_delack, t->t_persist, t->t_2msl, t->t_keep, t->t_rack,
			 t->t_tlp };
	uint64_t next = UINT64_MAX;

	for (unsigned int i = 0; i < RTE_DIM(d); i++)
		if (d[i] != 0 && d[i] < next)
			next = d[i];
	if (next == UINT64_MAX)
		ft_timer_cancel(&w->tcp->tw, &t->timer);
	else
		ft_timer_arm(&w->tcp->tw, &t->timer, next); /* later deadlines re-arm lazily */
}

/* A zero window is probed by the persist timer, never timed out (§3.8.6.1). */
static bool
persisting(const struct ft_tcb *t)
{
	return t->state >= FT_TCP_ESTABLISHED && t->snd_wnd == 0;
}

/* (Re)arm the tail loss probe after a send or an ACK of new data (RFC 8985 §7.2), never
 * beyond the pending RTO. */
static void
arm_tlp(struct ft_worker *w, struct ft_tcb *t)
{
	uint64_t rto_left = t->t_rexmt > w->now ? ft_clock_tsc_to_us(t->t_rexmt - w->now) : 0;
	uint64_t pto = t->t_rexmt != 0 ? ft_tcp_rec_pto_us(t, rto_left) : 0;

	t->t_tlp = pto != 0 ? w->now + ft_clock_us_to_tsc(pto) : 0;
}

/* Data or a SYN went out: start the retransmission timer if it is not running (§5.1). */
void
ft_tcp_timers_on_send(struct ft_worker *w, struct ft_tcb *t)
{
	if (persisting(t)) {
		ft_tcp_timers_on_zero_window(w, t);
		return;
	}
	if (t->t_rexmt == 0) {
		t->t_rexmt = w->now + ft_clock_us_to_tsc(ft_rtt_rto(&t->rtt));
		t->t_persist = 0;
	}
	if (t->t_tlp == 0)
		arm_tlp(w, t);
	rearm(w, t);
}

/* New data acknowledged: restart, or stop when all is acknowledged (§5.2, §5.3). */
void
ft_tcp_timers_on_ack(struct ft_worker *w, struct ft_tcb *t)
{
	if (persisting(t)) {
		t->t_rexmt = 0;
		ft_tcp_timers_on_zero_window(w, t);
		return;
	}
	t->persist_shift = 0;
	t->t_persist = 0;
	t->t_rexmt = t->snd_una == t->snd_max ? 0 :
		     w->now + ft_clock_us_to_tsc(ft_rtt_rto(&t->rtt));
	arm_tlp(w, t);
	rearm(w, t);
}

/* RACK's reordering timer (RFC 8985 §6.2 step 5): fire in @p us; 0 stops it. */
void
ft_tcp_timers_on_rack(struct ft_worker *w, struct ft_tcb *t, uint64_t us)
{
	t->t_rack = us != 0 ? w->now + ft_clock_us_to_tsc(us) : 0;
	rearm(w, t);
}

/* Sending stopped at the burst limit, or a lost segment waits for its RRR slot: come back in
 * @p us (or earlier, if already due). */
void
ft_tcp_timers_on_pace(struct ft_worker *w, struct ft_tcb *t, uint64_t us)
{
	uint64_t at = w->now + ft_clock_us_to_tsc(us);

	if (t->t_rack == 0 || at < t->t_rack) {
		t->t_rack = at;
		rearm(w, t);
	}
}

/* A tail loss probe went out: the RTO, not another probe, guards it (RFC 8985 §7.3). */
void
ft_tcp_timers_on_probe(struct ft_worker *w, struct ft_tcb *t)
{
	t->t_rexmt = w->now + ft_clock_us_to_tsc(ft_rtt_rto(&t->rtt));
	arm_tlp(w, t); /* a further probe, if the episode allows one (recovery.c) */
	rearm(w, t);
}

/* An ACK is owed but may wait (delayed ACK). */
void
ft_tcp_timers_on_delack(struct ft_worker *w, struct ft_tcb *t)
{
	if (t->t_delack == 0) {
		t->t_delack = w->now + w->tcp->sh->delack_tsc;
		rearm(w, t);
	}
}

/* The peer's window is zero with data waiting: probe with back-off (§3.8.6.1). */
void
ft_tcp_timers_on_zero_window(struct ft_worker *w, struct ft_tcb *t)
{
	uint32_t ms;

	if (t->t_persist != 0 || t->sb.len == 0)
		return;
	t->t_rexmt = t->t_tlp = 0;
	ms = PERSIST_MIN_MS << (t->persist_shift < 10 ? t->persist_shift : 10);
	ms = RTE_MIN(ms, (uint32_t)PERSIST_MAX_MS);
	t->t_persist = w->now + ft_clock_ms_to_tsc(ms);
	rearm(w, t);
}

void
ft_tcp_timers_on_time_wait(struct ft_worker *w, struct ft_tcb *t)
{
	t->t_rexmt = t->t_persist = t->t_delack = t->t_rack = t->t_tlp = 0;
	t->t_2msl = w->now + w->tcp->sh->time_wait_tsc;
	rearm(w, t);
}

void
ft_tcp_timers_on_fin_wait_2(struct ft_worker *w, struct ft_tcb *t)
{
	if (t->flags & FT_TF_APP_CLOSED) {
		t->t_2msl = w->now + ft_clock_ms_to_tsc(FIN_WAIT_2_S * 1000);
		rearm(w, t);
	}
}

/* Something arrived from the peer: restart the keepalive idle period. */
void
ft_tcp_timers_on_rx(struct ft_worker *w, struct ft_tcb *t)
{
	t->keep_probes = 0;
	if (t->keep_cnt == 0 || t->state != FT_TCP_ESTABLISHED)
		return;
	t->t_keep = w->now + ft_clock_ms_to_tsc((uint64_t)t->keep_idle_s * 1000);
	rearm(w, t);
}

static void
keep_fired(struct ft_worker *w, struct ft_tcb *t)
{
	t->t_keep = 0;
	if (t->keep_cnt == 0 || t->state != FT_TCP_ESTABLISHED)
		return;
	if (t->keep_probes >= t->keep_cnt) {
		ft_tcp_send_rst(w, t);
		ft_tcp_close_finish(w, t, FT_CLOSE_TIMEOUT);
		return;
	}
	t->keep_probes++;
	w->stats.tcp_keepalive++;
	ft_tcp_send_keepalive(w, t);
	t->t_keep = w->now + ft_clock_ms_to_tsc((uint64_t)t->keep_intvl_s * 1000);
}

void
ft_tcp_timers_stop(struct ft_worker *w, struct ft_tcb *t)
{
	t->t_rexmt = t->t_delack = t->t_persist = t->t_2msl = t->t_keep = 0;
	t->t_rack = t->t_tlp = 0;
	ft_timer_cancel(&w->tcp->tw, &t->timer);
}

/* RTO (RFC 6298 §5.4-5.7): back off, collapse cwnd, resend from snd_una. */
static void
rexmt_fired(struct ft_worker *w, struct ft_tcb *t)
{
	bool syn = t->state == FT_TCP_SYN_SENT || t->state == FT_TCP_SYN_RCVD;

	t->t_rexmt = 0;
	if (++t->rexmt_count > (syn ? MAX_SYN_REXMT : MAX_REXMT)) {
		if (t->state != FT_TCP_SYN_RCVD || !(t->flags & FT_TF_PASSIVE))
			ft_tcp_send_rst(w, t);
		ft_tcp_close_finish(w, t, FT_CLOSE_TIMEOUT);
		return;
	}
	w->stats.tcp_rto++;
	ft_rtt_backoff(&t->rtt);
	t->flags &= ~FT_TF_RTT_TIMING; /* Karn: no samples from retransmitted data */
	t->dupacks = 0;
	if (syn) {
		/* No congestion response: nothing was sent yet (the window starts at the
		 * handshake's end, RFC 5681 §3.1 / RFC 6298 §5.7). */
		ft_tcp_send_syn(w, t, t->state == FT_TCP_SYN_RCVD);
		ft_tcp_timers_on_send(w, t);
		return;
	}
	/* Everything outstanding is lost (RFC 8985 §6.3); output resends it under the
	 * collapsed window, oldest first. */
	ft_tcp_rec_on_rto(w, t);
	ft_evlog_cc(t, w->now, FT_EVLOG_WHY_RTO, ft_tcp_rec_flight(t));
	ft_tcp_output(w, t);
	ft_tcp_timers_on_send(w, t);
}

static void
persist_fired(struct ft_worker *w, struct ft_tcb *t)
{
	t->t_persist = 0;
	if (t->snd_wnd != 0) {
		ft_tcp_output(w, t);
		return;
	}
	w->stats.tcp_persist++;
	t->persist_shift++;
	ft_tcp_send_probe(w, t);
	ft_tcp_timers_on_zero_window(w, t);
}

void
ft_tcp_timers_fire(struct ft_worker *w, struct ft_tcb *t, uint64_t now)
{
	if (t->t_2msl != 0 && t->t_2msl <= now) {
		t->t_2msl = 0;
		ft_tcp_close_finish(w, t, FT_CLOSE_NORMAL);
		return;
	}
	if (t->t_delack != 0 && t->t_delack <= now) {
		t->t_delack = 0;
		if (t->flags & (FT_TF_DELACK | FT_TF_ACK_NOW) || t->segs_unacked > 0 ||
		    ft_seq_gt(t->rcv_nxt + ft_tcp_rcv_window(t), t->rcv_adv)) {
			w->stats.tcp_delack++;
			ft_tcp_send_ack(w, t);
		}
	}
	if (t->t_persist != 0 && t->t_persist <= now)
		persist_fired(w, t);
	if (t->t_rack != 0 && t->t_rack <= now) {
		ft_evlog_timer_fire(t, now, FT_EVLOG_TMR_RACK, t->t_rack);
		t->t_rack = 0;
		ft_tcp_rec_on_rack_timer(w, t);
	}
	if (t->t_tlp != 0 && t->t_tlp <= now) {
		ft_evlog_timer_fire(t, now, FT_EVLOG_TMR_TLP, t->t_tlp);
		t->t_tlp = 0;
		ft_tcp_rec_on_tlp_timer(w, t);
	}
	if (t->t_keep != 0 && t->t_keep <= now) {
		keep_fired(w, t);
		if (t->flags & FT_TF_DEAD)
			return;
	}
	if (t->t_rexmt != 0 && t->t_rexmt <= now) {
		ft_evlog_timer_fire(t, now, FT_EVLOG_TMR_RTO, t->t_rexmt);
		rexmt_fired(w, t);
		if (t->state == FT_TCP_CLOSED || (t->flags & FT_TF_DEAD))
			return;
	}
	rearm(w, t);
}

void
ft_tcp_timers_advance(struct ft_worker *w)
{
	if (w->tcp != NULL && ft_timer_wheel_next_expiry(&w->tcp->tw) <= w->now)
		ft_timer_wheel_advance(&w->tcp->tw, w->now, 4096);
}
