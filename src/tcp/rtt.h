/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RTT estimator and retransmission timeout (RFC 6298), in microseconds. Pure logic, one per
 * connection, owned by the connection's worker.
 *
 * Integer arithmetic: all quantities are whole microseconds (clock granularity G = 1 us), with
 * 64-bit intermediates and division that truncates:
 *   first sample R:   SRTT = R,                       RTTVAR = R / 2
 *   later samples R:  RTTVAR = (3 * RTTVAR + |SRTT - R|) / 4   (beta = 1/4, old SRTT)
 *                     SRTT   = (7 * SRTT + R) / 8              (alpha = 1/8)
 *   RTO = clamp(SRTT + max(G, 4 * RTTVAR), min_rto_us, max_rto_us)
 * Truncation biases SRTT down by at most 7 us and lets RTTVAR decay to 0 on a constant RTT;
 * both are far below any RTO that matters. Samples of 0 are taken as G = 1 us, so srtt_us == 0
 * keeps meaning "no sample yet".
 *
 * What the caller does (timer.c, input.c): take samples only per RFC 6298 §3 (Karn: never
 * from a retransmitted segment unless the timestamp echo identifies the transmission); call
 * ft_rtt_backoff() when the RTO timer fires (§5.5) and ft_rtt_reset_backoff() when an ACK
 * acknowledges new data (the note after §5.7: the backed-off RTO "collapses" only then, and
 * Karn's algorithm keeps it until then); a sample does NOT reset the backoff by itself. Arm the
 * timer with ft_rtt_rto().
 */
#ifndef FT_TCP_RTT_H
#define FT_TCP_RTT_H

#include <stdint.h>

enum {
	FT_RTT_INITIAL_RTO_US = 1000000,     /* RFC 6298 §2.1 */
	FT_RTT_SYN_TIMEOUT_RTO_US = 3000000, /* RFC 6298 §5.7 */
};

struct ft_rtt {
	uint32_t srtt_us;   /* 0 until the first sample */
	uint32_t rttvar_us;
	uint32_t rto_us;    /* current RTO without backoff, already within [min, max] */
	uint32_t min_rto_us, max_rto_us;
	uint8_t backoff;    /* number of doublings (RFC 6298 §5.5), saturates at 255 */
};

/*
 * No samples, no backoff, RTO = initial_rto_us (FT_RTT_INITIAL_RTO_US per RFC 6298 §2.1)
 * clamped to [min_rto_us, max_rto_us]. Every RTO is kept within these bounds: RFC 6298 §2.4
 * asks for a 1 s floor, RACK stacks use far less (tcp-design.md Appendix A: 30 ms / 4 s);
 * the stack configuration decides. min_rto_us <= max_rto_us; if not, max wins.
 */
void ft_rtt_init(struct ft_rtt *r, uint32_t initial_rto_us, uint32_t min_rto_us,
		 uint32_t max_rto_us);

/* Fold one RTT measurement into SRTT/RTTVAR and recompute the RTO (RFC 6298 §2.2/§2.3, with
 * the rounding described at the top of this file). Leaves the backoff alone. */
void ft_rtt_sample(struct ft_rtt *r, uint32_t rtt_us);

/* The RTO timer fired: double the RTO (RFC 6298 §5.5). ft_rtt_rto() caps the result at
 * max_rto_us; the counter keeps counting past the cap (up to 255), so the caller can also use
 * it as the number of consecutive timeouts when deciding to give up. */
void ft_rtt_backoff(struct ft_rtt *r);

/* An ACK for new data arrived: forget the doublings (RFC 6298 §5, note after rule 5.7). */
void ft_rtt_reset_backoff(struct ft_rtt *r);

/* The timeout to arm: rto_us << backoff, capped at max_rto_us. */
uint32_t ft_rtt_rto(const struct ft_rtt *r);

/*
 * RFC 6298 §5.7: the SYN (or SYN-ACK) timed out and the handshake has now completed. If no
 * RTT sample has been taken (the usual case: Karn forbids sampling the retransmitted SYN
 * without timestamps), the RTO for data is re-initialised to 3 s (clamped to max_rto_us) when
 * it is below that. With a sample (timestamps), the measured RTO stands. The backoff is not
 * touched: the ACK that completed the handshake resets it through ft_rtt_reset_backoff().
 * The 3 s fallback is used only here, never as the initial RTO.
 */
void ft_rtt_syn_timeout(struct ft_rtt *r);

#endif /* FT_TCP_RTT_H */
