/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loss recovery of one connection: the sendmap (sendmap.c) records every sent-but-unacked
 * range; ACKs feed it (cumulative ACK, SACK blocks) and every newly delivered piece feeds RACK
 * (rack.c, RFC 8985 §6.2 steps 1-3); RACK's time-based test then marks losses (step 5), which
 * start fast recovery with one congestion response per window (cc ops, RFC 6582 §3.2 step 2's
 * "recover" rule); during recovery PRR (prr.c, RFC 9937) sets cwnd per ACK and RACK rapid
 * recovery (FreeBSD) lets one lost segment out per millisecond beyond PRR's credit; a tail
 * loss probe (RFC 8985 §7) repairs tail losses without an RTO; the RTO marks everything lost
 * (§6.3) and output resends it under the collapsed window.
 *
 * Peers without SACK (or whose SACKs are ignored as abusive, sendmap SAD) fall back to RFC
 * 5681 / RFC 6582: the third duplicate ACK, and every partial ACK in recovery, mark the first
 * outstanding segment lost.
 *
 * Output (output.c) calls ft_tcp_rec_output() before sending new data, and uses
 * ft_tcp_rec_flight() (RFC 6675 pipe from the sendmap) instead of snd_nxt - snd_una.
 * Timers: the reordering timer (t_rack, also the RRR wake-up) and the probe timeout (t_tlp)
 * are armed through timer.c like every other deadline.
 */
#include "core/clock.h"
#include "core/worker.h"
#include "tcp/evlog.h"
#include "tcp/seq.h"
#include "tcp/tcp.h"

#define FT_TCP_TLP_MIN_US 2000 /* lowest probe timeout */
/* Probes per episode: RFC 8985 §7.3 sends one; FreeBSD RACK two (rack_tlp_limit). The second
 * (the last segment again) covers a lost probe or a lost ACK of it before the RTO. */
#define FT_TCP_TLP_MAX 2

/* Facts gathered while one ACK is applied. */
struct rec_ack {
	struct ft_tcb *t;
	const struct ft_tcp_seg *s;
	uint64_t now;
	uint32_t delivered; /* DeliveredData (RFC 9937): newly acked + newly SACKed bytes */
	uint32_t rtt_us;    /* smallest unambiguous RTT sample, 0 = none */
};

uint64_t
ft_tcp_now_us(const struct ft_worker *w)
{
	return ft_clock_tsc_to_us(w->now);
}

/* Entries one connection may hold: two per minimum-size segment of its send buffer (every
 * segment split once by SACK) plus slack, never more than the worker's pool. The sendmap
 * refuses splits beyond it (tcp-design.md §1.5). */
static uint32_t
sm_cap(const struct ft_tcb *t)
{
	return RTE_MIN(2 * (t->sb.limit / 536) + 64, t->w->tcp->sh->sm_entries);
}

void
ft_tcp_rec_sndbuf_changed(struct ft_tcb *t)
{
	ft_sm_set_max_entries(&t->sm, sm_cap(t));
}

void
ft_tcp_rec_init(struct ft_worker *w, struct ft_tcb *t)
{
	const struct ft_tcp_shared *sh = w->tcp->sh;

	ft_sm_init(&t->sm, w->tcp->sm_pool, sm_cap(t));
	ft_rack_init(&t->rack);
	ft_rrr_init(&t->rrr, sh->rrr);
	t->cc_ops = sh->cc;
}

uint32_t
ft_tcp_rec_flight(const struct ft_tcb *t)
{
	return ft_sm_is_empty(&t->sm) ? 0 : ft_sm_pipe(&t->sm);
}

/* The ACK's timestamp echo predates this transmission: it acknowledges an earlier copy. */
static bool
echo_older(const struct rec_ack *a, uint64_t xmit_ts)
{
	const struct ft_tcp_opts *o = &a->s->opts;

	return (a->t->flags & FT_TF_TS_OK) && o->has_ts && o->tsecr != 0 &&
	       (int32_t)(o->tsecr - (uint32_t)(xmit_ts / 1000)) < 0;
}

static void
on_delivered(const struct ft_sm_delivery *d, void *arg)
{
	struct rec_ack *a = arg;
	struct ft_rack_seg seg = { .xmit_ts = d->xmit_ts, .end_seq = d->end,
				   .retransmitted = (d->flags & FT_SM_RETRANS) != 0,
				   .echo_older = echo_older(a, d->xmit_ts) };

	a->delivered += d->end - d->start;
	if (ft_rack_on_delivered(&a->t->rack, &seg, a->now) && !seg.retransmitted) {
		uint32_t rtt = (uint32_t)(a->now - d->xmit_ts);

		if (a->rtt_us == 0 || rtt < a->rtt_us)
			a->rtt_us = rtt ? rtt : 1;
	}
}

/* RFC 8985 §6.2 step 5: mark what RACK says is lost; arm the reordering timer for the rest.
 * @return bytes newly marked lost. */
static uint32_t
detect_loss(struct ft_worker *w, struct ft_tcb *t, uint64_t now)
{
	uint32_t segs_sacked = t->sm.sacked_bytes / t->mss, lost = 0;
	uint64_t reo = ft_rack_reo_wnd(&t->rack, t->rtt.srtt_us, t->cc.in_recovery, segs_sacked);
	int64_t timeout = 0;

	for (struct ft_sm_entry *e = ft_sm_tmap_first(&t->sm), *n; e != NULL; e = n) {
		int64_t rem;

		n = ft_sm_tmap_next(&t->sm, e);
		if (e->flags & FT_SM_LOST)
			continue; /* waiting for its retransmission (the RFC's INFINITE_TS) */
		rem = ft_rack_seg_remaining(&t->rack, e->xmit_ts, e->end, reo, now);
		if (rem < 0)
			break; /* sent after RACK.xmit_ts, and so is everything after it */
		if (rem > 0) {
			timeout = RTE_MAX(timeout, rem);
			continue;
		}
		lost += ft_sm_entry_len(e);
		ft_sm_mark_lost(&t->sm, e);
		w->stats.tcp_rack_lost++;
		ft_evlog_rack_lost(t, w->now, &(struct ft_evlog_lost){ .start = e->start,
				   .end = e->end, .age_us = (uint32_t)(now - e->xmit_ts),
				   .reo_wnd_us = (uint32_t)reo, .xmits = e->rexmit + 1u });
	}
	ft_tcp_timers_on_rack(w, t, (uint64_t)timeout);
	return lost;
}

/* Enter fast recovery: one congestion response per window of data (RFC 6582 §3.2 step 2),
 * then PRR from the flight the loss was found in (RFC 9937 §6.1). */
static void
enter_recovery(struct ft_worker *w, struct ft_tcb *t, uint32_t una_before,
	       uint32_t sacked_before)
{
	if (t->cc.in_recovery || !ft_cc_ack_covers_recover(&t->cc, t->snd_una))
		return;
	ft_tcp_undo_arm(t);
	t->cc_ops->on_congestion(&t->cc, t->snd_max - una_before, t->snd_max);
	t->cc.in_recovery = true;
	ft_prr_init(&t->prr, ft_prr_recover_fs(una_before, t->snd_max, sacked_before),
		    t->cc.ssthresh);
	w->stats.tcp_fast_rexmt++;
	ft_evlog_recovery_enter(t, w->now, FT_EVLOG_WHY_RACK, ft_tcp_rec_flight(t));
}

/* RFC 5681 / RFC 6582 loss inference without SACK information. */
static void
dupack_loss(struct ft_tcb *t, bool dup, bool partial)
{
	struct ft_sm_entry *e = ft_sm_first(&t->sm);

	if (e == NULL)
		return;
	if (!(dup && ++t->dupacks == FT_CC_DUPTHRESH) && !(partial && t->cc.in_recovery))
		return;
	/* Only the first segment is known lost: an entry may hold a whole burst (if the split
	 * is refused, the entry goes whole: over-retransmission, never under). */
	if (ft_sm_entry_len(e) > t->mss)
		ft_sm_split(&t->sm, e, e->start + t->mss);
	ft_sm_mark_lost(&t->sm, e);
}

static void
apply_sack(struct ft_worker *w, struct ft_tcb *t, struct rec_ack *a, struct ft_sm_sack_out *so)
{
	struct ft_sm_sack_in in = { .blocks = a->s->opts.sack, .n = a->s->opts.n_sack,
				    .now_us = a->now, .cb = on_delivered, .arg = a };

	ft_evlog_sack(t, w->now, a->s->opts.sack, a->s->opts.n_sack);
	ft_sm_sack(&t->sm, &in, so);
	if (so->dsack) {
		w->stats.tcp_dsack_rx++;
		ft_rack_on_dsack(&t->rack, t->snd_una, t->snd_max);
		ft_tcp_undo_on_dsack(w, t, so->dsack_start, so->dsack_end);
	}
}

static void
tlp_ack(struct ft_worker *w, struct ft_tcb *t, const struct ft_tcp_seg *s,
	const struct ft_sm_sack_out *so, bool dup)
{
	struct ft_tlp_ack ta = { .ack = s->ack, .dsack_end = so->dsack_end, .has_dsack = so->dsack,
				 .has_sack = s->opts.n_sack > 0, .is_dupack = dup };

	if (ft_tlp_on_ack(&t->rack, &ta) != FT_TLP_LOSS_REPAIRED || t->cc.in_recovery)
		return;
	/* The probe repaired a loss: the congestion response is still due (RFC 8985 §7.4.2). */
	t->cc_ops->on_congestion(&t->cc, t->snd_max - t->snd_una, t->snd_max);
	t->cc_ops->on_recovery_exit(&t->cc, ft_tcp_rec_flight(t));
	w->stats.tcp_tlp_repaired++;
}

/*
 * Was the sender using its whole window? With input batching, output runs once per rx burst
 * (batch.c), so the ACKs after a burst's first find a flight they emptied themselves: judge by
 * the flight at the burst's first ACK. In slow start, as Linux's tcp_is_cwnd_limited(), cwnd
 * may grow to twice that flight (one burst may carry a whole window of ACKs); otherwise the
 * flight must have reached cwnd (one segment short at most).
 */
static bool
cwnd_limited(struct ft_tcb *t, uint32_t pipe_before)
{
	if ((t->xflags & (FT_XF_PENDING | FT_XF_BATCH_PIPE)) !=
	    (FT_XF_PENDING | FT_XF_BATCH_PIPE)) { /* the burst's first ACK for this connection */
		t->batch_pipe = pipe_before;
		t->xflags |= FT_XF_BATCH_PIPE;
	}
	if (t->cc.cwnd < t->cc.ssthresh)
		return t->cc.cwnd < 2 * (uint64_t)t->batch_pipe;
	return t->batch_pipe + t->mss >= t->cc.cwnd;
}

/* Congestion control for the batch: PRR inside recovery, the cc module outside. */
static void
cc_update(struct ft_worker *w, struct ft_tcb *t, const struct rec_ack *a, uint32_t acked,
	  uint32_t pipe_before, bool safe)
{
	struct ft_cc_ack ca = { .acked_bytes = acked, .snd_una = t->snd_una, .n_acks = 1,
				.flight_bytes = ft_tcp_rec_flight(t), .rtt_us = a->rtt_us,
				.n_rtt = a->rtt_us != 0, .srtt_us = t->rtt.srtt_us,
				.snd_max = t->snd_max, .now_us = a->now,
				.cwnd_limited = cwnd_limited(t, pipe_before) };

	if (t->cc.in_recovery && !ft_cc_ack_covers_recover(&t->cc, t->snd_una)) {
		uint32_t sndcnt = ft_prr_on_ack(&t->prr, a->delivered, ca.flight_bytes, t->mss,
						safe);

		if (a->delivered != 0)
			t->cc.cwnd = ca.flight_bytes + sndcnt;
		return;
	}
	if (t->cc.in_recovery) {
		t->cc_ops->on_recovery_exit(&t->cc, ca.flight_bytes);
		t->cc.in_recovery = false;
		ft_rack_on_recovery_exit(&t->rack);
		ft_evlog_recovery_exit(t, w->now, FT_EVLOG_WHY_FULLACK, ca.flight_bytes);
		return;
	}
	t->cc_ops->on_ack(&t->cc, &ca);
}

void
ft_tcp_rec_ack(struct ft_worker *w, struct ft_tcb *t, const struct ft_tcp_seg *s, bool dup)
{
	struct rec_ack a = { .t = t, .s = s, .now = ft_tcp_now_us(w) };
	struct ft_sm_sack_out so = { 0 };
	struct ft_sm_cumack_out co = { 0 };
	uint32_t una_before = t->sm.una, sacked_before = t->sm.sacked_bytes;
	uint32_t pipe_before = ft_tcp_rec_flight(t), lost;
	bool sack = (t->flags & FT_TF_SACK_OK) && !ft_sm_under_attack(&t->sm);

	/* An empty map still takes SACK blocks: a D-SACK for a spurious retransmission often
	 * arrives after everything was acknowledged, and RACK must hear of it. */
	if (ft_sm_is_empty(&t->sm) && s->opts.n_sack == 0)
		return;
	if (!ft_sm_is_empty(&t->sm) && ft_seq_gt(s->ack, t->sm.una))
		ft_sm_cumack(&t->sm, s->ack, on_delivered, &a, &co);
	if ((t->flags & FT_TF_SACK_OK) && s->opts.n_sack > 0)
		apply_sack(w, t, &a, &so);
	if (co.acked > 0)
		t->dupacks = t->tlp_probes = 0;
	if (t->rack.tlp_in_progress)
		tlp_ack(w, t, s, &so, dup);
	if (!sack)
		dupack_loss(t, dup, co.acked > 0 && ft_seq_lt(s->ack, t->cc.recover));
	lost = detect_loss(w, t, a.now);
	if (t->sm.lost_bytes > 0)
		enter_recovery(w, t, una_before, sacked_before);
	cc_update(w, t, &a, co.acked, pipe_before, co.acked > 0 && lost == 0);
	ft_evlog_ack(t, w->now, &(struct ft_evlog_ack){ .ack = s->ack, .acked = co.acked,
		     .sacked = so.newly_sacked, .n_acks = 1, .n_dupacks = dup,
		     .n_blocks = s->opts.n_sack,
		     .flags = (dup ? FT_EVLOG_ACK_DUP : 0) | (so.dsack ? FT_EVLOG_ACK_DSACK : 0) });
}

/* The piece of lost entry @p e to resend now: at most one segment (@p cap payload bytes),
 * FIN included when it reaches it. */
static uint32_t
lost_piece(const struct ft_sm_entry *e, uint32_t cap, bool *fin)
{
	uint32_t dend = e->end - !!(e->flags & FT_SM_HAS_FIN);
	uint32_t dlen = RTE_MIN(dend - e->start, cap);

	*fin = (e->flags & FT_SM_HAS_FIN) && e->start + dlen == dend;
	return dlen;
}

/* May a lost piece of @p bytes go now: cwnd credit, or an RRR slot in recovery. */
static bool
may_resend(struct ft_worker *w, struct ft_tcb *t, uint32_t bytes, uint64_t now)
{
	uint32_t pipe = ft_tcp_rec_flight(t);

	if (t->cc.cwnd >= pipe + bytes)
		return true;
	if (t->cc.in_recovery && ft_rrr_allow(&t->rrr, now, FT_RRR_INTERVAL_US)) {
		w->stats.tcp_rrr++;
		return true;
	}
	if (t->cc.in_recovery && t->rrr.enabled)
		ft_tcp_timers_on_pace(w, t, ft_rrr_wait_us(&t->rrr, now, FT_RRR_INTERVAL_US));
	return false;
}

int
ft_tcp_rec_output(struct ft_worker *w, struct ft_tcb *t, uint32_t cap, int *budget)
{
	uint64_t now = ft_tcp_now_us(w);
	struct ft_sm_entry *e;
	int n = 0;

	while (*budget > 0 && (e = ft_sm_next_lost(&t->sm)) != NULL) {
		bool fin;
		uint32_t len = lost_piece(e, cap, &fin), seq = e->start;

		/* Never beyond the peer's window (a probe byte is always allowed). */
		if (ft_seq_geq(seq, t->snd_una + RTE_MAX(t->snd_wnd, 1u)) ||
		    !may_resend(w, t, len + fin, now))
			break;
		if (ft_sm_on_retransmit(&t->sm, seq, seq + len + fin, now, 0) < 0)
			break;
		if (t->cc.in_recovery)
			ft_prr_on_sent(&t->prr, len + fin);
		ft_tcp_undo_on_retransmit(t, len + fin);
		ft_tcp_send_seg(w, t, seq, len, fin, FT_EVLOG_SEND_RXT | FT_EVLOG_SEND_RACK);
		(*budget)--;
		n++;
	}
	return n;
}

void
ft_tcp_rec_mark_all_lost(struct ft_tcb *t)
{
	ft_sm_on_rto(&t->sm, 0);
}

void
ft_tcp_rec_on_rto(struct ft_worker *w, struct ft_tcb *t)
{
	ft_sm_on_rto(&t->sm, t->rtt.backoff);
	if (t->rtt.backoff <= 1)
		ft_tcp_undo_arm(t); /* a repeated timeout keeps the first one's window */
	t->cc_ops->on_rto(&t->cc, t->snd_max - t->snd_una, t->snd_max, t->rtt.backoff > 1);
	t->cc.in_recovery = false;
	ft_tlp_cancel(&t->rack);
	t->dupacks = 0;
	ft_tcp_timers_on_rack(w, t, 0);
}

void
ft_tcp_rec_on_rack_timer(struct ft_worker *w, struct ft_tcb *t)
{
	uint64_t now = ft_tcp_now_us(w);
	uint32_t una = t->sm.una, sacked = t->sm.sacked_bytes;

	if (detect_loss(w, t, now) > 0 && !t->cc.in_recovery) {
		enter_recovery(w, t, una, sacked);
		if (t->cc.in_recovery) /* no ACK to give PRR credit: one SMSS (prr.h) */
			t->cc.cwnd = ft_tcp_rec_flight(t) + t->mss;
	}
	ft_tcp_output(w, t);
}

/* The probe when nothing new can go: the last segment's worth of the highest entry. */
static void
probe_retransmit(struct ft_worker *w, struct ft_tcb *t, uint32_t cap, uint64_t now)
{
	struct ft_sm_entry *e = ft_sm_last(&t->sm);
	bool fin = (e->flags & FT_SM_HAS_FIN) != 0;
	uint32_t dend = e->end - fin;
	uint32_t len = RTE_MIN(dend - e->start, cap), seq = dend - len;

	if (ft_sm_on_retransmit(&t->sm, seq, e->end, now, FT_SM_TLP) < 0)
		return;
	ft_tcp_send_seg(w, t, seq, len, fin, FT_EVLOG_SEND_RXT | FT_EVLOG_SEND_TLP);
	ft_evlog_tlp(t, w->now, seq, len + fin, FT_EVLOG_TLP_RXT);
}


void
ft_tcp_rec_on_tlp_timer(struct ft_worker *w, struct ft_tcb *t)
{
	uint64_t now = ft_tcp_now_us(w);
	uint32_t cap = ft_tcp_seg_cap(w, t);

	if (ft_sm_is_empty(&t->sm) || t->tlp_probes >= FT_TCP_TLP_MAX)
		return; /* the RTO stays armed */
	if (!ft_tlp_may_send_probe(&t->rack)) {
		if (!t->rack.tlp_in_progress)
			return;
		/* The episode's probe got no answer: the last segment again, same episode. */
		probe_retransmit(w, t, cap, now);
	} else if (ft_tcp_send_new(w, t, cap, FT_SM_TLP) > 0) {
		ft_tlp_on_send_probe(&t->rack, t->snd_max, false);
		ft_evlog_tlp(t, w->now, t->snd_una, t->snd_max - t->snd_una, FT_EVLOG_TLP_NEW);
	} else {
		probe_retransmit(w, t, cap, now);
		ft_tlp_on_send_probe(&t->rack, t->snd_max, true);
	}
	t->tlp_probes++;
	w->stats.tcp_tlp++;
	ft_tcp_timers_on_probe(w, t);
}

/* The probe timeout to arm after a send or an ACK, in us; 0: none (RFC 8985 §7.2). */
uint64_t
ft_tcp_rec_pto_us(const struct ft_tcb *t, uint64_t rto_left_us)
{
	uint64_t pto;

	/* Deviation from RFC 8985 §7.2, as FreeBSD RACK: the probe is also armed in recovery
	 * and with SACKed data whenever no reordering timer is pending. A lost retransmission
	 * with nothing sent after it is otherwise found only by the RTO (200 ms against a
	 * microsecond RTT); the probe's SACK lets RACK see it at once. */
	if (ft_sm_is_empty(&t->sm) || t->tlp_probes >= FT_TCP_TLP_MAX || t->t_rack != 0 ||
	    !ft_tlp_should_arm((t->flags & FT_TF_SACK_OK) != 0, false, 0))
		return 0;
	pto = ft_tlp_pto(t->rtt.srtt_us, t->rtt.srtt_us != 0, ft_sm_outstanding(&t->sm) <= t->mss,
			 rto_left_us, t->rack.tlp_max_ack_delay_us);
	/* A floor as Linux has (2 ms; FreeBSD 10 ms): with a microsecond RTT, 2 * SRTT is below
	 * the scheduling noise of the receiver and every pause in the ACK clock would probe. */
	pto = RTE_MAX(pto, (uint64_t)FT_TCP_TLP_MIN_US);
	return RTE_MIN(pto, rto_left_us);
}
