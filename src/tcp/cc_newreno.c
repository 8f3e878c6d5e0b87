/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NewReno congestion control: RFC 5681 §3.1 slow start and congestion avoidance, §3.2 fast
 * recovery with window inflation, §4.1 restart after idle; RFC 3465 appropriate byte counting
 * (L = 2 in slow start, one SMSS per cwnd of acked bytes in congestion avoidance); RFC 6582
 * §3.2 recover, partial-ACK deflation and full-ACK exit; RFC 6928 initial window; RFC 7661
 * §4.3's rule that only a cwnd-limited sender grows cwnd. It does not detect loss, retransmit,
 * or pace (input.c, rack.c, output.c); with PRR the core overrides cwnd during recovery and
 * the inflation done here is harmless. Its callbacks double as helpers for other modules
 * (CUBIC reuses slow start, recovery exit and after_idle through ft_cc_newreno's members).
 */
#include <stdint.h>
#include <string.h>

#include "tcp/cc.h"

static uint32_t
min_u32(uint64_t a, uint64_t b)
{
	return (uint32_t)(a < b ? a : b);
}

/* RFC 5681 §3.1 eq. 4, used on every congestion event: max(FlightSize / 2, 2 * SMSS). */
static uint32_t
half_flight(const struct ft_cc_state *cc, uint32_t flight_bytes)
{
	uint32_t half = flight_bytes / 2;

	return half > 2 * cc->mss ? half : 2 * cc->mss;
}

static void
newreno_init(struct ft_cc_state *cc, uint32_t mss, uint32_t iss)
{
	memset(cc, 0, sizeof(*cc));
	cc->mss = mss;
	cc->cwnd = ft_cc_initial_window(mss);
	cc->ssthresh = FT_CC_SSTHRESH_INF;
	cc->recover = iss;
}

/*
 * In recovery, not yet at recover (RFC 5681 §3.2 step 4, RFC 6582 §3.2 step 5): every extra
 * dupack inflates cwnd by one SMSS (a segment has left the network); a partial ACK deflates it
 * by the amount acked and adds one SMSS back if at least one SMSS was acked, so about
 * ssthresh bytes stay in flight. cwnd never drops below one SMSS.
 */
static void
recovery_ack(struct ft_cc_state *cc, const struct ft_cc_ack *ack)
{
	uint64_t cwnd = cc->cwnd + (uint64_t)ack->n_dupacks * cc->mss;

	if (ack->acked_bytes > 0) {
		cwnd = cwnd > ack->acked_bytes ? cwnd - ack->acked_bytes : 0;
		if (ack->acked_bytes >= cc->mss)
			cwnd += cc->mss;
	}
	if (cwnd < cc->mss)
		cwnd = cc->mss;
	cc->cwnd = min_u32(cwnd, FT_CC_CWND_MAX);
}

static void
newreno_on_ack(struct ft_cc_state *cc, const struct ft_cc_ack *ack)
{
	uint64_t limit;

	if (cc->in_recovery) {
		recovery_ack(cc, ack);
		return;
	}
	if (ack->acked_bytes == 0 || !ack->cwnd_limited)
		return;
	if (cc->cwnd < cc->ssthresh) {
		/* Slow start, RFC 3465 §2.2: min(N, L * SMSS) per ACK; a batch of n ACKs may
		 * grow n times as much. Stop at ssthresh: the next batch is congestion avoidance
		 * (RFC 5681 §3.1 leaves cwnd == ssthresh to the implementation). */
		limit = (uint64_t)(ack->n_acks ? ack->n_acks : 1) * FT_CC_ABC_L * cc->mss;
		cc->cwnd = min_u32((uint64_t)cc->cwnd + min_u32(ack->acked_bytes, limit),
				   min_u32(cc->ssthresh, FT_CC_CWND_MAX));
		return;
	}
	/* Congestion avoidance, RFC 3465 §2.1: one SMSS per cwnd of acked bytes. A batch acks at
	 * most a window, so one increment per batch is enough. */
	cc->bytes_acked += ack->acked_bytes;
	if (cc->bytes_acked >= cc->cwnd) {
		cc->bytes_acked -= cc->cwnd;
		cc->cwnd = min_u32((uint64_t)cc->cwnd + cc->mss, FT_CC_CWND_MAX);
	}
}

/* RFC 5681 §3.2 steps 2-3 with RFC 6582 §3.2 step 2: recover = snd_max, ssthresh from the
 * flight, cwnd = ssthresh + 3 * SMSS for the three segments the dupacks say have left. */
static void
newreno_on_congestion(struct ft_cc_state *cc, uint32_t flight_bytes, uint32_t snd_max)
{
	if (cc->in_recovery)
		return; /* one reduction per window of data */
	cc->ssthresh = half_flight(cc, flight_bytes);
	cc->cwnd = min_u32((uint64_t)cc->ssthresh + FT_CC_DUPTHRESH * cc->mss, FT_CC_CWND_MAX);
	cc->recover = snd_max;
	cc->bytes_acked = 0;
	cc->in_recovery = true;
}

/*
 * RFC 6582 §3.2 step 3, option 1: cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS). This is
 * ssthresh whenever about ssthresh is still in flight (the usual case, and always with PRR);
 * when the full ACK emptied the pipe it avoids a line-rate burst of ssthresh bytes (the
 * concern behind option 2's caveat), and slow start climbs back to ssthresh within an RTT
 * or two.
 */
static void
newreno_on_recovery_exit(struct ft_cc_state *cc, uint32_t flight_bytes)
{
	uint64_t w = (uint64_t)(flight_bytes > cc->mss ? flight_bytes : cc->mss) + cc->mss;

	cc->cwnd = min_u32(w, cc->ssthresh);
	cc->bytes_acked = 0;
	cc->in_recovery = false;
}

/*
 * RFC 5681 §3.1: ssthresh = max(FlightSize / 2, 2 * SMSS) on the first timeout only (held when
 * the data had already timed out), cwnd = loss window = 1 SMSS. RFC 6582 §3.2 step 4: recover
 * = snd_max and recovery ends, so dupacks for data sent before the timeout do not trigger
 * another fast retransmit. RFC 3465 §2.1: the byte counter restarts.
 */
static void
newreno_on_rto(struct ft_cc_state *cc, uint32_t flight_bytes, uint32_t snd_max, bool repeated)
{
	if (!repeated)
		cc->ssthresh = half_flight(cc, flight_bytes);
	cc->cwnd = cc->mss;
	cc->recover = snd_max;
	cc->bytes_acked = 0;
	cc->in_recovery = false;
}

/* RFC 5681 §4.1: after more than an RTO without sending, restart from
 * RW = min(IW, cwnd); ssthresh is kept, so slow start regains the old window. */
static void
newreno_after_idle(struct ft_cc_state *cc, uint64_t idle_us, uint32_t rto_us)
{
	uint32_t iw = ft_cc_initial_window(cc->mss);

	if (idle_us <= rto_us)
		return;
	if (cc->cwnd > iw)
		cc->cwnd = iw;
	cc->bytes_acked = 0;
}

const struct ft_cc_ops ft_cc_newreno = {
	.name = "newreno",
	.init = newreno_init,
	.on_ack = newreno_on_ack,
	.on_congestion = newreno_on_congestion,
	.on_recovery_exit = newreno_on_recovery_exit,
	.on_rto = newreno_on_rto,
	.after_idle = newreno_after_idle,
};
