/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RACK-TLP loss detection (RFC 8985 §6 RACK, §7 TLP) as pure per-connection decisions: the
 * RACK.* and TLP.* state updates of §6.2 steps 1-4, the per-segment loss test of step 5 and
 * §6.3, the PTO of §7.2 and the probe-episode verdict of §7.4. The step mapping and the loop
 * the caller writes are in rack.h.
 *
 * Deliberately not here: walking or marking the sendmap, retransmitting, sending the probe,
 * arming timers (ack.c, output.c, timer.c), the congestion response (cc_*.c) and how much may
 * be sent in recovery (prr.c). No clock reads: every time comes from the caller.
 */
#include <stdbool.h>
#include <stdint.h>

#include "tcp/rack.h"
#include "tcp/seq.h"

void
ft_rack_init(struct ft_rack *r)
{
	*r = (struct ft_rack){
		.reo_wnd_mult = 1,
		.reo_wnd_persist = FT_RACK_REO_WND_PERSIST,
		.tlp_max_ack_delay_us = FT_TLP_MAX_ACK_DELAY_US,
	};
}

void
ft_rack_on_rtt_sample(struct ft_rack *r, uint64_t rtt_us, uint64_t now)
{
	/* <= also refreshes the stamp of an unchanged minimum, so a steady path keeps it. */
	if (!r->has_min_rtt || rtt_us <= r->min_rtt_us ||
	    (now > r->min_rtt_ts && now - r->min_rtt_ts > FT_RACK_MIN_RTT_WIN_US)) {
		r->has_min_rtt = true;
		r->min_rtt_us = rtt_us;
		r->min_rtt_ts = now;
	}
	r->tlp_rtt_sampled = true;
}

/* §6.2 step 3: RACK.fack and reordering detection. */
static void
detect_reordering(struct ft_rack *r, uint32_t end_seq, bool retransmitted)
{
	if (!r->has_fack || ft_seq_gt(end_seq, r->fack)) {
		r->has_fack = true;
		r->fack = end_seq;
	} else if (ft_seq_lt(end_seq, r->fack) && !retransmitted) {
		/* An original transmission delivered below the forward-most delivery: it was
		 * overtaken by data sent after it. */
		r->reordering_seen = true;
	}
}

/* §6.2 step 2 ambiguity test: may this retransmitted segment's sample be trusted? */
static bool
retrans_sample_ok(const struct ft_rack *r, const struct ft_rack_seg *seg, uint64_t rtt)
{
	if (seg->echo_older)
		return false; /* the echo names an earlier transmission */
	/* Faster than any RTT seen: the ACK was sent for the original before the
	 * retransmission could have arrived. */
	return !r->has_min_rtt || rtt >= r->min_rtt_us;
}

bool
ft_rack_on_delivered(struct ft_rack *r, const struct ft_rack_seg *seg, uint64_t now)
{
	/* A clock step backwards must not produce a huge unsigned RTT. */
	uint64_t rtt = now > seg->xmit_ts ? now - seg->xmit_ts : 0;
	bool accepted;

	detect_reordering(r, seg->end_seq, seg->retransmitted);

	accepted = !seg->retransmitted || retrans_sample_ok(r, seg, rtt);
	if (!accepted)
		return false;
	if (!seg->retransmitted)
		ft_rack_on_rtt_sample(r, rtt, now);
	r->rtt_us = rtt;
	if (!r->has_xmit || ft_rack_sent_after(seg->xmit_ts, seg->end_seq, r->xmit_ts,
					       r->end_seq)) {
		r->has_xmit = true;
		r->xmit_ts = seg->xmit_ts;
		r->end_seq = seg->end_seq;
	}
	return true;
}

bool
ft_rack_on_dsack(struct ft_rack *r, uint32_t snd_una, uint32_t snd_nxt)
{
	/* A round lasts until everything outstanding when it began is cumulatively acked. */
	if (r->dsack_round_open && ft_seq_geq(snd_una, r->dsack_round))
		r->dsack_round_open = false;
	if (r->dsack_round_open)
		return false;
	r->dsack_round_open = true;
	r->dsack_round = snd_nxt;
	if (r->reo_wnd_mult < UINT32_MAX)
		r->reo_wnd_mult++;
	r->reo_wnd_persist = FT_RACK_REO_WND_PERSIST;
	return true;
}

void
ft_rack_on_recovery_exit(struct ft_rack *r)
{
	if (r->reo_wnd_persist > 0)
		r->reo_wnd_persist--;
	if (r->reo_wnd_persist == 0)
		r->reo_wnd_mult = 1;
}

uint64_t
ft_rack_reo_wnd(const struct ft_rack *r, uint64_t srtt_us, bool in_recovery,
		uint32_t segs_sacked)
{
	uint64_t wnd;

	if (!r->reordering_seen && (in_recovery || segs_sacked >= FT_RACK_DUPTHRESH))
		return 0;
	if (!r->has_min_rtt)
		return 0;
	wnd = (uint64_t)r->reo_wnd_mult * r->min_rtt_us / 4;
	if (srtt_us != 0 && wnd > srtt_us)
		wnd = srtt_us;
	return wnd;
}

int64_t
ft_rack_seg_remaining(const struct ft_rack *r, uint64_t seg_xmit_ts, uint32_t seg_end_seq,
		      uint64_t reo_wnd, uint64_t now)
{
	uint64_t deadline;

	if (!r->has_xmit || !ft_rack_sent_after(r->xmit_ts, r->end_seq, seg_xmit_ts, seg_end_seq))
		return -1;
	deadline = seg_xmit_ts + r->rtt_us + reo_wnd;
	if (now >= deadline)
		return 0;
	/* Bounded by RACK.rtt + reo_wnd, which are RTT-sized: fits in int64_t. */
	return (int64_t)(deadline - now);
}

bool
ft_rack_rto_seg_is_lost(const struct ft_rack *r, uint64_t seg_xmit_ts, uint32_t seg_seq,
			uint32_t snd_una, uint64_t reo_wnd, uint64_t now)
{
	return seg_seq == snd_una || now >= seg_xmit_ts + r->rtt_us + reo_wnd;
}

uint64_t
ft_tlp_pto(uint64_t srtt_us, bool have_srtt, bool flight_is_one_segment, uint64_t rto_us,
	   uint64_t max_ack_delay_us)
{
	uint64_t pto;

	if (have_srtt) {
		pto = 2 * srtt_us;
		if (flight_is_one_segment)
			pto += max_ack_delay_us;
	} else {
		pto = FT_TLP_PTO_NO_SRTT_US;
	}
	return pto < rto_us ? pto : rto_us;
}

void
ft_tlp_on_send_probe(struct ft_rack *r, uint32_t snd_nxt, bool is_retrans)
{
	r->tlp_in_progress = true;
	r->tlp_end_seq = snd_nxt;
	r->tlp_is_retrans = is_retrans;
	r->tlp_rtt_sampled = false;
}

enum ft_tlp_verdict
ft_tlp_on_ack(struct ft_rack *r, const struct ft_tlp_ack *a)
{
	enum ft_tlp_verdict v = FT_TLP_NONE;

	if (!r->tlp_in_progress || ft_seq_lt(a->ack, r->tlp_end_seq))
		return FT_TLP_NONE;
	if (!r->tlp_is_retrans)
		v = FT_TLP_DONE;                 /* the new data the probe carried arrived */
	else if (a->has_dsack && a->dsack_end == r->tlp_end_seq)
		v = FT_TLP_DONE;                 /* original and probe both arrived */
	else if (ft_seq_gt(a->ack, r->tlp_end_seq))
		v = FT_TLP_LOSS_REPAIRED;        /* no D-SACK came: the probe was the repair */
	else if (a->is_dupack && !a->has_sack)
		v = FT_TLP_DONE;                 /* non-D-SACK receiver got a duplicate */
	if (v != FT_TLP_NONE)
		r->tlp_in_progress = false;
	return v;
}

void
ft_tlp_cancel(struct ft_rack *r)
{
	r->tlp_in_progress = false;
}
