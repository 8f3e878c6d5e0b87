/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * How much to send during fast recovery: Proportional Rate Reduction (RFC 9937, which
 * obsoletes RFC 6937) and RACK rapid recovery (RRR, FreeBSD RACK; tcp-design.md §3.7).
 * Pure logic in bytes (PRR) and caller-supplied microseconds (RRR); one of each per
 * connection, owned by its worker. This module does not detect loss (rack.c), pick ssthresh
 * (the cc module's on_congestion) or compute pipe (the sendmap's RFC 6675 estimate): the
 * caller passes those in.
 *
 * PRR call protocol, per recovery episode:
 *   entering recovery  ssthresh from cc on_congestion, then
 *                      ft_prr_init(p, ft_prr_recover_fs(...), ssthresh)
 *   every ACK in recovery, INCLUDING the one that starts it, EXCLUDING the one that ends it:
 *                      sndcnt = ft_prr_on_ack(p, delivered, pipe, mss, safe_ack);
 *                      if (delivered != 0) cwnd = pipe + sndcnt;   (else leave cwnd alone)
 *   every (re)transmission while in recovery: ft_prr_on_sent(p, bytes)
 *   the ACK that ends recovery (cumulative ACK >= recover): cwnd = ft_prr_exit_cwnd(p)
 * If recovery starts without an ACK (the RACK reordering timer fired), there is no
 * ft_prr_on_ack() to force the first retransmission out: let one SMSS go (cwnd = pipe + mss,
 * or an RRR slot), as FreeBSD does with its initial rc_prr_sndcnt of 1 MSS.
 *
 * RRR: in recovery, a segment RACK has marked lost may be retransmitted without PRR credit,
 * but at most one per interval (default 1 ms: about 11.6 Mb/s of repair traffic with 1448-byte
 * segments), still within the peer's receive window. New data stays under PRR/cwnd.
 */
#ifndef FT_TCP_PRR_H
#define FT_TCP_PRR_H

#include <stdbool.h>
#include <stdint.h>

enum {
	FT_RRR_INTERVAL_US = 1000, /* FreeBSD rack_min_to: one lost-segment repair per 1 ms */
};

/* RFC 9937 §6 state for one recovery episode. Bytes. */
struct ft_prr {
	uint64_t prr_delivered; /* bytes delivered to the receiver since recovery started */
	uint64_t prr_out;       /* bytes sent (new or retransmitted) since recovery started */
	uint32_t recover_fs;    /* RecoverFS, see ft_prr_recover_fs(); >= 1 */
	uint32_t ssthresh;      /* the target flight size, from the cc module */
	uint32_t sndcnt;        /* the last ft_prr_on_ack() result (for logging and tests) */
};

/*
 * RecoverFS (RFC 9937 §6.1): the bytes that the rest of this recovery can still report as
 * delivered. RFC 9937 writes it with values AFTER the ACK that starts recovery:
 *     RecoverFS = SND.NXT - SND.UNA - (bytes SACKed in the scoreboard)
 *                 + (bytes newly SACKed) + (bytes newly cumulatively acked)
 * which is the same quantity computed from the values BEFORE that ACK is applied:
 *     RecoverFS = snd_nxt - snd_una_before - sacked_before
 * (FlightSize before the ACK minus what was already SACKed then; the ACK's own DeliveredData
 * is counted by the first ft_prr_on_ack()). This is the choice made here. It is not the RFC
 * 6675 pipe that RFC 6937 and the early drafts used: segments already marked lost still count,
 * since their retransmissions will be delivered during the episode, and using the smaller pipe
 * would let PRR overshoot ssthresh.
 */
static inline uint32_t
ft_prr_recover_fs(uint32_t snd_una_before, uint32_t snd_nxt, uint32_t sacked_before)
{
	uint32_t flight = snd_nxt - snd_una_before;

	return flight > sacked_before ? flight - sacked_before : 0;
}

/* Start an episode: prr_delivered = prr_out = 0. recover_fs 0 is taken as 1 (no division
 * by zero; the proportional part then lets everything delivered out again). */
void ft_prr_init(struct ft_prr *p, uint32_t recover_fs, uint32_t ssthresh);

/*
 * RFC 9937 §6, on every ACK of the episode except the one that ends it. Returns sndcnt, the
 * bytes the sender may send now (cwnd = pipe + sndcnt):
 *   delivered == 0                      -> returns 0 and changes nothing (the RFC returns
 *                                          early: leave cwnd as it was)
 *   prr_delivered += delivered
 *   pipe > ssthresh (proportional)      sndcnt = ceil(prr_delivered * ssthresh / RecoverFS)
 *                                                - prr_out
 *   else, CRB                           sndcnt = max(prr_delivered - prr_out, delivered)
 *         + SSRB when safe_ack          sndcnt += mss
 *         then                          sndcnt = min(ssthresh - pipe, sndcnt)
 *   sndcnt = max(sndcnt, 0), then rounded UP to a whole number of mss
 *   prr_out == 0 and sndcnt == 0        sndcnt = mss (the fast retransmit always goes out)
 * The rounding is this module's choice, not the RFC's: its formulas are in bytes, but the
 * sender sends whole segments. 1 segment delivered of RecoverFS 20 with ssthresh 10 allows
 * ceil(0.5) = 1 segment when counting segments, but only 500 bytes when counting bytes.
 * Rounding up reproduces the segment-counting result (Linux counts packets) when everything
 * is in whole segments, and at worst lets pipe pass ssthresh by less than one SMSS, which
 * the proportional part then takes back.
 * delivered: DeliveredData = bytes newly cumulatively acked + bytes newly SACKed by this
 *   ACK (without SACK: estimate 1 SMSS per duplicate ACK, at most RecoverFS in total).
 * pipe: the RFC 6675 estimate of bytes in flight after this ACK (and after RACK marked
 *   losses). mss: SMSS.
 * safe_ack: the ACK advances SND.UNA and indicates no further loss (it marked nothing
 *   newly lost): recovery is making good progress, so the slow-start bound applies.
 */
uint32_t ft_prr_on_ack(struct ft_prr *p, uint32_t delivered, uint32_t pipe, uint32_t mss,
		       bool safe_ack);

/* RFC 9937 §6: bytes just sent (new data or retransmission) during the episode. */
void ft_prr_on_sent(struct ft_prr *p, uint32_t bytes);

/* RFC 9937: at the end of recovery cwnd = ssthresh. */
static inline uint32_t
ft_prr_exit_cwnd(const struct ft_prr *p)
{
	return p->ssthresh;
}

/* RACK rapid recovery pacing state. */
struct ft_rrr {
	bool enabled;     /* off: ft_rrr_allow() always says no (plain PRR) */
	bool has_last;    /* a retransmission has been allowed before */
	uint64_t last_us; /* when the last one was allowed */
};

/* enabled: the connection's RRR switch (configuration, decided at setup). */
void ft_rrr_init(struct ft_rrr *rrr, bool enabled);

/*
 * May a lost segment be retransmitted now without PRR credit? Yes when enabled and no
 * retransmission was allowed in the last interval_us (now - last >= interval_us, or none
 * yet). A yes is taken: the call records now, so the caller must send that segment (and
 * count it with ft_prr_on_sent()). interval_us: normally FT_RRR_INTERVAL_US.
 */
bool ft_rrr_allow(struct ft_rrr *rrr, uint64_t now, uint64_t interval_us);

/* Microseconds until ft_rrr_allow() would say yes (0: now). For the pacing timer when lost
 * segments wait and PRR gives no credit. Disabled: UINT64_MAX (never). */
uint64_t ft_rrr_wait_us(const struct ft_rrr *rrr, uint64_t now, uint64_t interval_us);

#endif /* FT_TCP_PRR_H */
