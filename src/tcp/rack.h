/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RACK-TLP loss detection (RFC 8985): the per-connection decision logic, as pure functions over
 * facts the caller passes in. One struct ft_rack per connection, owned by its worker; no clock
 * reads (every time is a uint64_t microsecond value from the caller's clock, `now`), no
 * allocation, no knowledge of the sendmap. The caller (ack.c, timer.c) walks its own segment
 * lists and asks this module about each segment; rack.c never marks anything lost itself.
 *
 * Where each RFC 8985 step lives (step numbers are the RFC's, §6.2):
 *   §6.1 on (re)transmit     caller: seg.xmit_ts = now, seg.lost = false, retransmitted |= rexmit
 *   §6.2 step 1 (min_RTT)    ft_rack_on_rtt_sample(); ft_rack_on_delivered() also feeds it
 *   §6.2 step 2 (RACK_update) ft_rack_on_delivered()  (ambiguous retransmission samples skipped)
 *   §6.2 step 3 (reordering) ft_rack_on_delivered()  (RACK.fack, reordering_seen)
 *   §6.2 step 4 (reo_wnd)    ft_rack_on_dsack(), ft_rack_on_recovery_exit(), ft_rack_reo_wnd()
 *   §6.2 step 5 (detect loss) ft_rack_seg_remaining() per segment; the caller's loop marks lost
 *                            and arms the reordering timer for the largest remaining time
 *   §6.3 (RTO expiry)        ft_rack_rto_seg_is_lost() per segment
 *   §7.2 (PTO)               ft_tlp_pto(), ft_tlp_should_arm()
 *   §7.3 (send probe)        ft_tlp_may_send_probe(), ft_tlp_on_send_probe()
 *   §7.4 (probe's ACK)       ft_tlp_on_ack()
 *
 * The loop the caller writes for step 5 (per ACK that delivered something, and when the
 * reordering timer fires); walk un-acked, not-lost segments oldest transmission first:
 *
 *	reo_wnd = ft_rack_reo_wnd(r, srtt_us, in_recovery, segs_sacked);
 *	timeout = 0;
 *	for each seg in transmit-time order:
 *		rem = ft_rack_seg_remaining(r, seg->xmit_ts, seg->end_seq, reo_wnd, now);
 *		if (rem < 0)
 *			break;          // not sent before RACK: neither is anything later (*)
 *		if (rem == 0)
 *			mark seg lost (and skip it until it is retransmitted: RFC "INFINITE_TS")
 *		else if (rem > timeout)
 *			timeout = rem;
 *	if (timeout) arm the RACK reordering timer for `timeout` us (RFC 8985 §6.2 step 5, §8)
 *
 * (*) The break needs the walk order to be RACK_sent_after order: xmit_ts ascending, and
 * segments with equal xmit_ts in ascending end_seq. A transmit-time list appended in send
 * order has that property; otherwise `continue` instead of `break`.
 *
 * Times: stamps are absolute microseconds on the caller's monotonic clock. A stamp of 0 is a
 * valid time; "not set" is carried by separate flags, never by a magic time value.
 */
#ifndef FT_TCP_RACK_H
#define FT_TCP_RACK_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/seq.h"

enum {
	FT_RACK_REO_WND_PERSIST = 16,        /* RFC 8985 §6.2 step 4: recoveries a raise lasts */
	FT_RACK_DUPTHRESH = 3,               /* RFC 8985 §6.2 step 4 DupThresh (RFC 5681) */
	/* TLP.max_ack_delay default: the worst-case delayed-ACK timer WCDelAckT. RFC 8985 §7.2
	 * leaves the value to the implementation; Linux uses TCP_RTO_MIN, 200 ms. */
	FT_TLP_MAX_ACK_DELAY_US = 200000,
	FT_TLP_PTO_NO_SRTT_US = 1000000,     /* RFC 8985 §7.2: PTO without an SRTT */
};

/* RACK.min_RTT window: a minimum older than this is replaced by the next sample, even a
 * larger one (Linux tcp_min_rtt_wlen default, 300 s). See ft_rack_on_rtt_sample(). */
#define FT_RACK_MIN_RTT_WIN_US (300ull * 1000000ull)

/*
 * Per-connection RACK-TLP state (RFC 8985 §5.3 names in the comments). Fields are readable
 * by the caller (for logging and timer decisions); change them only through the functions
 * below, except where a comment says otherwise.
 */
struct ft_rack {
	/* RACK: the most recently SENT segment that has been delivered (§6.2 step 2). */
	uint64_t xmit_ts;         /* RACK.xmit_ts; meaningful only when has_xmit */
	uint64_t rtt_us;          /* RACK.rtt: RTT of the last accepted delivery sample */
	uint32_t end_seq;         /* RACK.end_seq; meaningful only when has_xmit */
	uint32_t fack;            /* RACK.fack: highest end_seq ever delivered; when has_fack */
	bool has_xmit;            /* RACK.xmit_ts / end_seq / rtt have been set */
	bool has_fack;
	bool reordering_seen;     /* RACK.reordering_seen (§6.2 step 3) */

	/* RACK.min_RTT (§6.2 step 1): windowed minimum, see FT_RACK_MIN_RTT_WIN_US. */
	bool has_min_rtt;
	uint64_t min_rtt_us;      /* meaningful only when has_min_rtt */
	uint64_t min_rtt_ts;      /* when min_rtt_us was last set or confirmed */

	/* Reordering window adaptation (§6.2 step 4). */
	uint32_t reo_wnd_mult;    /* RACK.reo_wnd_mult, starts at 1 */
	uint32_t reo_wnd_persist; /* RACK.reo_wnd_persist, starts at FT_RACK_REO_WND_PERSIST */
	uint32_t dsack_round;     /* RACK.dsack_round (SND.NXT when the round began) ... */
	bool dsack_round_open;    /* ... and whether it is set (the RFC's "not None") */

	/* Tail Loss Probe (§7). */
	bool tlp_in_progress;     /* TLP.end_seq is set: one probe episode is outstanding */
	bool tlp_is_retrans;      /* TLP.is_retrans: the probe retransmitted old data */
	bool tlp_rtt_sampled;     /* an RTT sample was taken since the last probe was sent or
				   * the connection started (§7.3 condition 2) */
	uint32_t tlp_end_seq;     /* TLP.end_seq: SND.NXT right after the probe was sent */
	uint64_t tlp_max_ack_delay_us; /* TLP.max_ack_delay, FT_TLP_MAX_ACK_DELAY_US at init;
					* the caller may set it (e.g. from configuration) */
};

/* What the caller knows about one segment newly delivered by an ACK (cumulatively or by a
 * new SACK block). */
struct ft_rack_seg {
	uint64_t xmit_ts;         /* its latest (re)transmission time */
	uint32_t end_seq;         /* its last sequence number + 1 */
	bool retransmitted;       /* it was ever retransmitted (RFC 8985 §5.2) */
	bool echo_older;          /* the ACK carries a timestamp echo (TSecr) older than this
				   * segment's latest transmission: the ACK is for an earlier
				   * copy. false when timestamps are off or the echo matches the
				   * latest copy. Only looked at when retransmitted. */
};

/* Fresh connection (RFC 8985 §6 initial values): nothing delivered, no min_RTT,
 * reo_wnd_mult 1, persist 16, no D-SACK round, no TLP episode, no RTT sample yet. */
void ft_rack_init(struct ft_rack *r);

/*
 * RFC 8985 §6.2 step 1: fold one RTT measurement (RFC 6298 / RFC 7323: Karn-valid samples,
 * timestamp samples) into RACK.min_RTT, and note for TLP that a sample was taken (§7.3).
 * Windowed minimum: the sample replaces min_RTT when it is <= min_RTT or min_RTT was set
 * more than FT_RACK_MIN_RTT_WIN_US before now (so a path whose RTT grew for good is
 * re-learnt within 5 minutes). ft_rack_on_delivered() already calls this for samples from
 * never-retransmitted segments; call it for the other valid samples (timestamp echo).
 */
void ft_rack_on_rtt_sample(struct ft_rack *r, uint64_t rtt_us, uint64_t now);

/*
 * RFC 8985 §6.2 steps 2 and 3 for one newly delivered segment. Call for every segment the
 * ACK newly delivers (cumulatively or selectively), in ascending xmit_ts order (the
 * sendmap's transmit-time order). For never-retransmitted segments that order equals the
 * RFC's end_seq order of step 3, and retransmitted ones do not count as reordering, so one
 * pass does both steps.
 *   step 2: rtt = now - xmit_ts. A retransmitted segment gives an ambiguous sample, skipped
 *           when seg->echo_older or rtt < min_RTT (the ACK is probably for the original).
 *           Otherwise RACK.rtt = rtt, and RACK.xmit_ts/end_seq advance to this segment if it
 *           was sent after them (ft_rack_sent_after). Never-retransmitted segments also feed
 *           min_RTT (step 1) since their sample is unambiguous.
 *   step 3: end_seq > RACK.fack advances fack; end_seq < fack on a never-retransmitted
 *           segment sets reordering_seen. Step 3 runs even when step 2 skipped the sample.
 * Returns true when the RTT sample was accepted (RACK.rtt updated).
 */
bool ft_rack_on_delivered(struct ft_rack *r, const struct ft_rack_seg *seg, uint64_t now);

/*
 * RFC 8985 §6.2 step 4, D-SACK part: the ACK carries a D-SACK (RFC 2883). Ends the current
 * D-SACK round if snd_una has reached it; if no round is open, opens one ending at snd_nxt,
 * raises reo_wnd_mult by 1 and re-arms reo_wnd_persist to 16. So the multiplier rises at
 * most once per round trip however many D-SACKs arrive. Returns true when it was raised.
 */
bool ft_rack_on_dsack(struct ft_rack *r, uint32_t snd_una, uint32_t snd_nxt);

/*
 * RFC 8985 §6.2 step 4, decay part: fast recovery or RTO recovery has just ended. Counts
 * down reo_wnd_persist; when it reaches 0, reo_wnd_mult returns to 1. The RFC makes this the
 * "else" of the D-SACK raise: do not call it for an ACK on which ft_rack_on_dsack() returned
 * true.
 */
void ft_rack_on_recovery_exit(struct ft_rack *r);

/*
 * RFC 8985 §6.2 step 4: the reordering window RACK.reo_wnd, in us.
 *   0 when reordering was never seen and (in_recovery, or segs_sacked >= DupThresh 3): then
 *     RACK behaves like the classic DupThresh rule;
 *   otherwise min(reo_wnd_mult * min_RTT / 4, SRTT). Without an SRTT (srtt_us == 0) the
 *   SRTT cap is not applied; without a min_RTT the window is 0.
 * in_recovery: fast recovery or RTO recovery. segs_sacked: RACK.segs_sacked, the number of
 * segments SACKed in the scoreboard.
 */
uint64_t ft_rack_reo_wnd(const struct ft_rack *r, uint64_t srtt_us, bool in_recovery,
			 uint32_t segs_sacked);

/*
 * RFC 8985 §6.2 step 5, for one un-acked segment not already marked lost:
 *   < 0  not a candidate: RACK.xmit_ts is not set, or the segment was not sent before
 *        RACK.xmit_ts (ties on xmit_ts broken by end_seq, ft_rack_sent_after); neither is
 *        any segment transmitted after it, so a transmit-time walk may stop here;
 *   0    lost: now >= seg_xmit_ts + RACK.rtt + reo_wnd (exactly at the boundary is lost);
 *   > 0  not yet: microseconds until it would be lost (candidate for the reordering timer).
 */
int64_t ft_rack_seg_remaining(const struct ft_rack *r, uint64_t seg_xmit_ts,
			      uint32_t seg_end_seq, uint64_t reo_wnd, uint64_t now);

/*
 * RFC 8985 §6.3, for one un-acked segment when the RTO fires: lost if it starts at SND.UNA
 * (seg_seq == snd_una), or if now >= seg_xmit_ts + RACK.rtt + reo_wnd (segments sent recently
 * are spared, not the whole flight). No "sent before RACK.xmit_ts" condition here. Before
 * any delivery RACK.rtt is 0, so everything older than reo_wnd is lost. The caller marks,
 * retransmits from SND.UNA, and should clear the TLP episode (ft_tlp_cancel).
 */
bool ft_rack_rto_seg_is_lost(const struct ft_rack *r, uint64_t seg_xmit_ts, uint32_t seg_seq,
			     uint32_t snd_una, uint64_t reo_wnd, uint64_t now);

/* RFC 8985 §6.2 RACK_sent_after(t1, seq1, t2, seq2): sent later in time, or at the same
 * time with a higher end sequence number. */
static inline bool
ft_rack_sent_after(uint64_t t1, uint32_t seq1, uint64_t t2, uint32_t seq2)
{
	return t1 > t2 || (t1 == t2 && ft_seq_gt(seq1, seq2));
}

/*
 * RFC 8985 §7.2: the probe timeout, in us.
 *   have_srtt:  PTO = 2 * SRTT, plus max_ack_delay_us when exactly one segment is in flight
 *               (the peer may hold a lone segment for its delayed-ACK timer);
 *   no SRTT:    PTO = 1 s;
 *   then capped so the PTO never fires after the pending RTO: PTO = min(PTO, rto_us), where
 *   rto_us is the time from now until the RTO would expire (RTO_expiration - now; the full
 *   ft_rtt_rto() when the RTO would be armed now).
 * max_ack_delay_us: normally r->tlp_max_ack_delay_us (FT_TLP_MAX_ACK_DELAY_US).
 */
uint64_t ft_tlp_pto(uint64_t srtt_us, bool have_srtt, bool flight_is_one_segment,
		    uint64_t rto_us, uint64_t max_ack_delay_us);

/*
 * RFC 8985 §7.2 scheduling rule: after sending new data (that was not itself a probe), or
 * on an ACK that cumulatively acknowledges new data, (re)arm the PTO instead of the RTO
 * unless in fast or RTO recovery or some segments are SACKed (RACK.segs_sacked != 0; then
 * the RACK reordering timer or the RTO applies). TLP requires SACK: sack_ok is the
 * connection's negotiated SACK-permitted. false: arm the RTO as usual.
 */
static inline bool
ft_tlp_should_arm(bool sack_ok, bool in_recovery, uint32_t segs_sacked)
{
	return sack_ok && !in_recovery && segs_sacked == 0;
}

/*
 * RFC 8985 §7.3, checked when the PTO fires: a probe may be sent only if no earlier probe
 * is still outstanding (TLP.end_seq is None) and an RTT sample was taken since the last probe
 * (or since the connection started). If false, send nothing and arm the RTO. If true, send
 * one SMSS of new data when available and the peer window allows, else retransmit the
 * highest-sequence segment sent (its last SMSS), then call ft_tlp_on_send_probe(). Either
 * way, afterwards arm the RTO (not the PTO) if anything is in flight.
 */
static inline bool
ft_tlp_may_send_probe(const struct ft_rack *r)
{
	return !r->tlp_in_progress && r->tlp_rtt_sampled;
}

/* RFC 8985 §7.3: a probe was sent. snd_nxt: SND.NXT right after it (for a retransmission
 * probe, the unchanged SND.NXT); is_retrans: it retransmitted old data. Starts the episode
 * (TLP.end_seq = snd_nxt) and clears tlp_rtt_sampled. */
void ft_tlp_on_send_probe(struct ft_rack *r, uint32_t snd_nxt, bool is_retrans);

/* What ft_tlp_on_ack() needs to know about one ACK. */
struct ft_tlp_ack {
	uint32_t ack;             /* SEG.ACK (cumulative) */
	uint32_t dsack_end;       /* right edge of the D-SACK block, when has_dsack */
	bool has_dsack;           /* the ACK's first SACK block is a D-SACK (RFC 2883 §4) */
	bool has_sack;            /* the ACK carries any SACK block (D-SACK included) */
	bool is_dupack;           /* a duplicate ACK: SEG.ACK == SND.UNA, no data, no window
				   * change, data outstanding (RFC 5681 §2) */
};

enum ft_tlp_verdict {
	FT_TLP_NONE = 0,          /* no episode, or not resolved by this ACK */
	FT_TLP_DONE,              /* episode over, no loss to react to */
	FT_TLP_LOSS_REPAIRED,     /* episode over: the probe repaired a loss, so the caller
				   * MUST invoke the congestion-control loss response (enter
				   * and leave recovery: on_congestion then on_recovery_exit,
				   * §7.4.2 / RFC 8985 §9.3) */
};

/*
 * RFC 8985 §7.4 TLP_process_ack, for every ACK while an episode is open. Only an ACK with
 * SEG.ACK >= TLP.end_seq can decide:
 *   probe was new data                                  -> DONE (it was delivered)
 *   D-SACK whose right edge is TLP.end_seq              -> DONE (both copies arrived)
 *   SEG.ACK > TLP.end_seq (data after the probe acked,
 *     and no D-SACK for the probe seen)                 -> LOSS_REPAIRED
 *   duplicate ACK without any SACK option               -> DONE (a receiver without
 *                                                          D-SACK saw both copies)
 *   otherwise (SEG.ACK == TLP.end_seq, no D-SACK yet)   -> NONE, a D-SACK may still come
 * DONE and LOSS_REPAIRED close the episode.
 */
enum ft_tlp_verdict ft_tlp_on_ack(struct ft_rack *r, const struct ft_tlp_ack *a);

/* Forget the TLP episode without a verdict (RTO fired: RTO recovery and its congestion
 * response supersede it). */
void ft_tlp_cancel(struct ft_rack *r);

#endif /* FT_TCP_RACK_H */
