/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUBIC congestion control (RFC 9438) with HyStart++ (RFC 9406) in the initial slow start.
 *
 * Congestion avoidance follows the cubic curve W_cubic(t) = C (t - K)^3 + W_max (§4.2), with
 * t counted from the start of the avoidance epoch, K = cbrt((W_max - cwnd_epoch) / C), and per
 * ACK cwnd += (target - cwnd) / cwnd per segment acked, target = W_cubic(t + SRTT) clamped to
 * [cwnd, 1.5 cwnd] (§4.4, §4.5); the Reno-friendly estimate W_est takes over when the curve
 * is slower (§4.3). A congestion event sets ssthresh = max(0.7 FlightSize, 2 SMSS) and W_max
 * with fast convergence (§4.6, §4.7); an RTO sets the same ssthresh and the loss window, and
 * the first epoch after it starts with K = 0 (§4.8). t leaves out application-limited and idle
 * time (§5.8). The initial slow start runs HyStart++ (RFC 9406 §4.2): per round, the minimum
 * RTT is compared with the previous round's; a rise moves to conservative slow start (CSS,
 * growth / 4), a fall back below the CSS baseline returns to slow start, and CSS_ROUNDS rounds
 * of CSS end slow start with ssthresh = cwnd.
 *
 * Units: windows in bytes (the RFCs' segments times SMSS), time in microseconds, RTTs from
 * struct ft_cc_ack. The curve is evaluated in double precision; the cube root for K is taken
 * by Newton's method when an epoch starts, so no libm call, and nothing per ACK but a few
 * multiplies.
 *
 * Reused from cc_newreno.c through ft_cc_newreno's members: slow start after a congestion
 * event (RFC 3465 ABC, L = FT_CC_ABC_L), fast recovery with window inflation while
 * in_recovery, the recovery exit (cwnd = ssthresh) and the RFC 5681 §4.1 restart window.
 *
 * Not done here: loss detection, retransmission, pacing (the core); ECN-triggered reduction
 * (no such callback yet); undo after a spurious congestion event (§4.9, optional: would need a
 * callback and saved copies of the state). HyStart++ grows at most L = FT_CC_ABC_L SMSS per ACK
 * (RFC 3465 §2.2, as NewReno here), stricter than RFC 9406 §4.3's L = 8 for unpaced senders.
 */
#include <assert.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>

#include "tcp/cc.h"
#include "tcp/seq.h"

/* RFC 9438 §4.1.1 (and §5: C = 0.4 segments / s^3). */
#define CUBIC_C 0.4
#define CUBIC_BETA_NUM 7 /* beta_cubic = 7 / 10 */
#define CUBIC_BETA_DEN 10
#define CUBIC_ALPHA (9.0 / 17.0) /* alpha_cubic = 3 (1 - beta) / (1 + beta) = 0.9 / 1.7 */
#define US_PER_S 1000000.0

/* RFC 9406 §4.3. */
#define HS_MIN_RTT_THRESH_US 4000
#define HS_MAX_RTT_THRESH_US 16000
#define HS_MIN_RTT_DIVISOR 8
#define HS_N_RTT_SAMPLE 8
#define HS_CSS_GROWTH_DIVISOR 4
#define HS_CSS_ROUNDS 5
#define HS_RTT_INF UINT32_MAX

enum hs_phase {
	HS_SS,   /* standard slow start with HyStart++ delay checks */
	HS_CSS,  /* conservative slow start */
	HS_DONE, /* initial slow start over: ssthresh is finite from now on */
};

enum {
	F_EPOCH = 1 << 0, /* an avoidance epoch runs: epoch_us, k_us, w_est, ca_rem are valid */
	F_ROUND = 1 << 1, /* a HyStart++ round runs: window_end is valid */
};

struct cubic {
	uint64_t epoch_us;    /* t_epoch, moved forward over app-limited and idle time */
	uint64_t last_ack_us; /* now_us of the previous ACK batch */
	double w_est;         /* W_est (§4.3), bytes with a fraction */
	uint32_t w_max;       /* W_max, bytes; 0 = none (no loss yet, or an RTO since) */
	uint32_t cwnd_prior;  /* cwnd when ssthresh was last set (§4.1.2) */
	uint32_t k_us;        /* K of the current epoch */
	uint32_t ca_rem;      /* carry of (target - cwnd) * acked / cwnd, < cwnd */
	/* HyStart++, RFC 9406 §4.2 names */
	uint32_t window_end;  /* the round ends when snd_una reaches it */
	uint32_t last_round_min_rtt;
	uint32_t cur_round_min_rtt;
	uint32_t css_baseline_min_rtt;
	uint16_t rtt_count;   /* rttSampleCount, saturating */
	uint8_t css_rounds;   /* rounds ended in CSS */
	uint8_t css_rem;      /* growth carried by the CSS divisor, < HS_CSS_GROWTH_DIVISOR */
	uint8_t phase;        /* enum hs_phase */
	uint8_t flags;
};
static_assert(sizeof(struct cubic) <= FT_CC_PRIV_SIZE, "CUBIC state must fit the cc priv area");
static_assert(alignof(struct cubic) <= alignof(uint64_t), "cc priv is only u64-aligned");

/* The priv area is this module's alone (the core never reads it), like Linux's icsk_ca_priv. */
static struct cubic *
cubic_of(struct ft_cc_state *cc)
{
	return (struct cubic *)(void *)cc->priv.u64;
}

static uint32_t
min_u32(uint64_t a, uint64_t b)
{
	return (uint32_t)(a < b ? a : b);
}

/* Cube root of a >= 0 without libm, only when an epoch starts. From above the root, Newton's
 * step x -> (2x + a / x^2) / 3 decreases monotonically to it; stop when it stops decreasing.
 * The doubling puts x within 2x of the root, so a handful of steps suffice. */
static double
cube_root(double a)
{
	double x = 1.0, next;

	if (!(a > 0.0))
		return 0.0;
	while (x * x * x < a)
		x *= 2.0;
	for (int i = 0; i < 100; i++) {
		next = (2.0 * x + a / (x * x)) / 3.0;
		if (next >= x)
			break;
		x = next;
	}
	return x;
}

/* RFC 9438 Figure 1 in bytes: W_cubic(t) = C (t - K)^3 SMSS + W_max, t in microseconds. */
static double
w_cubic(const struct ft_cc_state *cc, const struct cubic *c, uint64_t t_us)
{
	double d = ((double)t_us - (double)c->k_us) / US_PER_S;

	return CUBIC_C * d * d * d * cc->mss + c->w_max;
}

/* §4.6 with §4.7, on any congestion event (loss, RTO): ssthresh from the flight, W_max and
 * cwnd_prior from cwnd before the reduction. Ends HyStart++ and the current epoch. */
static void
multiplicative_decrease(struct ft_cc_state *cc, struct cubic *c, uint32_t flight_bytes)
{
	uint64_t ss = (uint64_t)flight_bytes * CUBIC_BETA_NUM / CUBIC_BETA_DEN;

	/* Fast convergence: below the last W_max, the flow is losing share: release more. */
	if (cc->cwnd < c->w_max)
		c->w_max = (uint32_t)((uint64_t)cc->cwnd * (CUBIC_BETA_DEN + CUBIC_BETA_NUM) /
				      (2 * CUBIC_BETA_DEN));
	else
		c->w_max = cc->cwnd;
	c->cwnd_prior = cc->cwnd;
	cc->ssthresh = ss > 2 * cc->mss ? (uint32_t)ss : 2 * cc->mss;
	c->flags &= ~F_EPOCH;
	c->phase = HS_DONE;
}

/* A new avoidance epoch (§4.2): t_epoch = now, cwnd_epoch = cwnd, W_est = cwnd_epoch (§4.3).
 * With no W_max to return to, after a HyStart++ exit or an RTO, K = 0 and W_max = cwnd_epoch
 * (§4.10, §4.8). So too when cwnd is already at or above W_max (K would be negative; Linux
 * does the same), which keeps the curve from starting with a convex burst. */
static void
epoch_start(struct ft_cc_state *cc, struct cubic *c, uint64_t now_us)
{
	double k_s;

	c->flags |= F_EPOCH;
	c->epoch_us = now_us;
	c->w_est = cc->cwnd;
	c->ca_rem = 0;
	if (c->w_max <= cc->cwnd) {
		c->w_max = cc->cwnd;
		c->k_us = 0;
		return;
	}
	k_s = cube_root((double)(c->w_max - cc->cwnd) / (CUBIC_C * cc->mss));
	c->k_us = (uint32_t)(k_s * US_PER_S + 0.5);
}

/* One ACK batch in congestion avoidance, cwnd-limited, acked_bytes > 0. */
static void
avoid(struct ft_cc_state *cc, struct cubic *c, const struct ft_cc_ack *ack)
{
	uint32_t rtt_us = ack->srtt_us ? ack->srtt_us : ack->rtt_us;
	uint64_t cwnd = cc->cwnd, target, num, t_us;
	double alpha, w;

	if (!(c->flags & F_EPOCH))
		epoch_start(cc, c, ack->now_us);
	t_us = ack->now_us > c->epoch_us ? ack->now_us - c->epoch_us : 0;
	/* §4.3: W_est += alpha * segments_acked / cwnd; alpha = 1 once W_est >= cwnd_prior. */
	alpha = c->w_est >= c->cwnd_prior ? 1.0 : CUBIC_ALPHA;
	c->w_est += alpha * ack->acked_bytes * cc->mss / (double)cwnd;
	if (w_cubic(cc, c, t_us) < c->w_est) {
		/* Reno-friendly region: cwnd = W_est (never lowered on an ACK). */
		if (c->w_est > (double)cwnd)
			cc->cwnd = min_u32((uint64_t)c->w_est, FT_CC_CWND_MAX);
		return;
	}
	/* Concave and convex regions (§4.4, §4.5). */
	w = w_cubic(cc, c, t_us + rtt_us);
	if (w <= (double)cwnd)
		return;
	target = w >= 1.5 * (double)cwnd ? cwnd + cwnd / 2 : (uint64_t)w;
	num = (target - cwnd) * ack->acked_bytes + c->ca_rem;
	c->ca_rem = (uint32_t)(num % cwnd);
	cc->cwnd = min_u32(cwnd + num / cwnd, FT_CC_CWND_MAX);
}

/* RFC 9406 §4.2 round start: windowEnd = SND.NXT (here snd_max), minima shift. */
static void
hs_round_start(struct cubic *c, uint32_t snd_max)
{
	c->window_end = snd_max;
	c->last_round_min_rtt = c->cur_round_min_rtt;
	c->cur_round_min_rtt = HS_RTT_INF;
	c->rtt_count = 0;
	c->flags |= F_ROUND;
}

/* Slow-start growth, RFC 3465 §2.2: min(N, L * SMSS) per ACK of the batch. */
static uint32_t
ss_increment(const struct ft_cc_state *cc, const struct ft_cc_ack *ack)
{
	uint64_t limit = (uint64_t)(ack->n_acks ? ack->n_acks : 1) * FT_CC_ABC_L * cc->mss;

	return min_u32(ack->acked_bytes, limit);
}

static void
hs_grow(struct ft_cc_state *cc, struct cubic *c, const struct ft_cc_ack *ack)
{
	uint64_t inc = ss_increment(cc, ack);

	if (c->phase == HS_CSS) {
		inc += c->css_rem;
		c->css_rem = (uint8_t)(inc % HS_CSS_GROWTH_DIVISOR);
		inc /= HS_CSS_GROWTH_DIVISOR;
	}
	cc->cwnd = min_u32((uint64_t)cc->cwnd + inc, FT_CC_CWND_MAX);
}

/* RFC 9406 §4.2 delay checks, once the round has N_RTT_SAMPLE samples: in slow start, a
 * minimum RTT risen by RttThresh over the last round's enters CSS; in CSS, a minimum below
 * the baseline means the exit was spurious: back to slow start. */
static void
hs_check(struct cubic *c)
{
	uint64_t last = c->last_round_min_rtt, thresh;

	if (c->rtt_count < HS_N_RTT_SAMPLE || c->cur_round_min_rtt == HS_RTT_INF)
		return;
	if (c->phase == HS_CSS) {
		if (c->cur_round_min_rtt < c->css_baseline_min_rtt) {
			c->css_baseline_min_rtt = HS_RTT_INF;
			c->phase = HS_SS;
		}
		return;
	}
	if (last == HS_RTT_INF)
		return;
	thresh = last / HS_MIN_RTT_DIVISOR;
	thresh = thresh < HS_MIN_RTT_THRESH_US ? HS_MIN_RTT_THRESH_US :
		 thresh > HS_MAX_RTT_THRESH_US ? HS_MAX_RTT_THRESH_US : thresh;
	if (c->cur_round_min_rtt >= last + thresh) {
		c->css_baseline_min_rtt = c->cur_round_min_rtt;
		c->phase = HS_CSS;
		c->css_rounds = 0;
		c->css_rem = 0;
	}
}

/* CSS_ROUNDS rounds of CSS: slow start ends without loss. ssthresh = cwnd_prior = cwnd; with
 * no W_max yet, the first epoch has K = 0 and W_max = cwnd_epoch (RFC 9438 §4.10). */
static void
hs_exit(struct ft_cc_state *cc, struct cubic *c)
{
	cc->ssthresh = cc->cwnd;
	c->cwnd_prior = cc->cwnd;
	c->phase = HS_DONE;
}

/* An ACK batch in the initial slow start (ssthresh still infinite): grow (by a quarter in
 * CSS), take the batch's RTT samples, run the checks, then close the round if the batch
 * covers windowEnd, so the ACK of the round's last segment counts in that round. */
static void
hs_on_ack(struct ft_cc_state *cc, struct cubic *c, const struct ft_cc_ack *ack)
{
	uint32_t n = ack->n_rtt ? ack->n_rtt : 1;

	if (!(c->flags & F_ROUND))
		hs_round_start(c, ack->snd_max);
	if (ack->acked_bytes > 0 && ack->cwnd_limited)
		hs_grow(cc, c, ack);
	if (ack->rtt_us != 0) {
		if (ack->rtt_us < c->cur_round_min_rtt)
			c->cur_round_min_rtt = ack->rtt_us;
		c->rtt_count = min_u32((uint64_t)c->rtt_count + n, UINT16_MAX);
		hs_check(c);
	}
	if (!ft_seq_geq(ack->snd_una, c->window_end))
		return;
	if (c->phase == HS_CSS && ++c->css_rounds >= HS_CSS_ROUNDS) {
		hs_exit(cc, c);
		return;
	}
	hs_round_start(c, ack->snd_max);
}

static void
cubic_init(struct ft_cc_state *cc, uint32_t mss, uint32_t iss)
{
	struct cubic *c = cubic_of(cc);

	ft_cc_newreno.init(cc, mss, iss); /* zeroes priv too */
	c->last_round_min_rtt = HS_RTT_INF;
	c->cur_round_min_rtt = HS_RTT_INF;
	c->css_baseline_min_rtt = HS_RTT_INF;
	c->phase = HS_SS;
}

/*
 * Order matters: recovery first (NewReno inflation/deflation, the epoch is not running), then
 * HyStart++ while the initial slow start lasts (it tracks rounds and RTTs even when no bytes
 * are acked or the sender is not cwnd-limited), then RFC 7661 §4.3: no growth unless
 * cwnd-limited, and RFC 9438 §5.8: the time the sender was not cwnd-limited since the last
 * batch is taken out of t by moving t_epoch forward.
 */
static void
cubic_on_ack(struct ft_cc_state *cc, const struct ft_cc_ack *ack)
{
	struct cubic *c = cubic_of(cc);
	uint64_t gap_us = ack->now_us > c->last_ack_us ? ack->now_us - c->last_ack_us : 0;

	c->last_ack_us = ack->now_us;
	if (cc->in_recovery) {
		ft_cc_newreno.on_ack(cc, ack);
		return;
	}
	if (c->phase != HS_DONE && cc->ssthresh == FT_CC_SSTHRESH_INF) {
		hs_on_ack(cc, c, ack);
		return;
	}
	if (ack->acked_bytes == 0)
		return;
	if (!ack->cwnd_limited) {
		if (c->flags & F_EPOCH)
			c->epoch_us += gap_us;
		return;
	}
	if (cc->cwnd < cc->ssthresh) {
		ft_cc_newreno.on_ack(cc, ack); /* slow start, stops at ssthresh */
		return;
	}
	avoid(cc, c, ack);
}

/* Fast recovery as NewReno does it (RFC 5681 §3.2 step 3, RFC 6582), from CUBIC's ssthresh:
 * cwnd = ssthresh + 3 SMSS. The next epoch starts at the first avoidance ACK after it. */
static void
cubic_on_congestion(struct ft_cc_state *cc, uint32_t flight_bytes, uint32_t snd_max)
{
	if (cc->in_recovery)
		return; /* one reduction per window of data */
	multiplicative_decrease(cc, cubic_of(cc), flight_bytes);
	cc->cwnd = min_u32((uint64_t)cc->ssthresh + FT_CC_DUPTHRESH * cc->mss, FT_CC_CWND_MAX);
	cc->recover = snd_max;
	cc->bytes_acked = 0;
	cc->in_recovery = true;
}

/* Recovery ends as NewReno's does (cwnd = ssthresh, or flight + SMSS if the pipe drained);
 * the epoch that multiplicative_decrease ended restarts at the next avoidance ACK, with
 * cwnd_epoch = cwnd and K = cbrt((W_max - cwnd_epoch) / C). */
static void
cubic_on_recovery_exit(struct ft_cc_state *cc, uint32_t flight_bytes)
{
	ft_cc_newreno.on_recovery_exit(cc, flight_bytes);
}

/* RFC 9438 §4.8: ssthresh as in §4.6 on the first timeout (held when repeated, RFC 5681
 * §3.1), cwnd = 1 SMSS, standard slow start (HyStart++ is over), then an epoch with K = 0 and
 * W_max = cwnd_epoch: W_max is forgotten, which also keeps fast convergence from firing
 * against a window from before the timeout. */
static void
cubic_on_rto(struct ft_cc_state *cc, uint32_t flight_bytes, uint32_t snd_max, bool repeated)
{
	struct cubic *c = cubic_of(cc);

	if (!repeated)
		multiplicative_decrease(cc, c, flight_bytes);
	c->w_max = 0;
	c->flags &= ~F_EPOCH;
	cc->cwnd = cc->mss;
	cc->recover = snd_max;
	cc->bytes_acked = 0;
	cc->in_recovery = false;
}

/*
 * Idle longer than an RTO: RFC 5681 §4.1 restart window (NewReno's), and the epoch restarts
 * at the next avoidance ACK, from the window slow start has regained. A shorter idle keeps
 * the window and freezes the curve: t_epoch moves forward by the idle time (RFC 9438 §5.8),
 * and so does last_ack_us, so the app-limited freeze in on_ack does not count it again.
 */
static void
cubic_after_idle(struct ft_cc_state *cc, uint64_t idle_us, uint32_t rto_us)
{
	struct cubic *c = cubic_of(cc);

	if (idle_us > rto_us) {
		ft_cc_newreno.after_idle(cc, idle_us, rto_us);
		c->flags &= ~F_EPOCH;
		return;
	}
	if (c->flags & F_EPOCH) {
		c->epoch_us += idle_us;
		c->last_ack_us += idle_us;
	}
}

const struct ft_cc_ops ft_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.on_ack = cubic_on_ack,
	.on_congestion = cubic_on_congestion,
	.on_recovery_exit = cubic_on_recovery_exit,
	.on_rto = cubic_on_rto,
	.after_idle = cubic_after_idle,
};
