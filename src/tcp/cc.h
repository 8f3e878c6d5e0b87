/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pluggable congestion control (tcp-design.md §7.5, after FreeBSD's struct cc_algo and Linux's
 * tcp_congestion_ops). The algorithm is chosen once per connection at setup (ft_cc_find) and
 * reached through a const ops table afterwards: no per-ACK configuration branch (STYLE §11).
 *
 * Division of labour (tcp-design.md §7): the TCP core detects loss (RACK-TLP, dupacks, RTO)
 * and decides how much to send during recovery (PRR may override cwnd there); the module only
 * sets ssthresh on a congestion signal, grows cwnd on ACKs, and sets cwnd after recovery, after
 * a timeout and after idle. cwnd and ssthresh live in struct ft_cc_state, embedded in the TCB,
 * so the core reads them directly. All callbacks run on the owning worker; no locking, no
 * allocation. All quantities are bytes unless the name says otherwise.
 *
 * Call protocol, per connection:
 *   handshake done  ops->init(cc, mss, iss)                  IW (RFC 6928), ssthresh = inf
 *   ACK batch       ft_cc_ack_batch(ops, cc, &ack)           once per input burst, not per ACK;
 *                                                            fill every field (CUBIC reads the
 *                                                            RTT, snd_max and clock ones)
 *   3rd dupack      ops->on_congestion(cc, flight, snd_max)  only if ft_cc_ack_covers_recover(
 *     or RACK loss                                           cc, snd_una): RFC 6582 §3.2 step 2
 *   RTO fired       ops->on_rto(cc, flight, snd_max, repeated)
 *   send after idle ops->after_idle(cc, idle_us, rto_us)     before sending new data
 * recover holds snd_max (not the RFC's "highest sequence number transmitted", snd_max - 1),
 * so the RFC's "ACK covers more than recover" is ack >= recover: use the helper, not a raw
 * ft_seq_gt(). A SYN or SYN-ACK timeout is not a congestion event for the data window: do not
 * call on_rto for it (or call init after it); after a lost SYN or SYN-ACK the core sets
 * cc->cwnd = cc->mss once init has run (RFC 5681 §3.1, RFC 6928 §2). When the send MSS
 * changes (PMTU), the core updates cc->mss.
 */
#ifndef FT_TCP_CC_H
#define FT_TCP_CC_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "tcp/seq.h"

#define FT_CC_SSTHRESH_INF UINT32_MAX /* "arbitrarily high" initial ssthresh, RFC 5681 §3.1 */
#define FT_CC_CWND_MAX (1u << 30)     /* largest window: 65535 << 14 (RFC 7323 §2.3), rounded */
#define FT_CC_PRIV_SIZE 64            /* per-connection algorithm state (CUBIC needs ~64) */
#define FT_CC_ABC_L 2                 /* RFC 3465 §2.2 slow-start limit, in SMSS per ACK */
#define FT_CC_DUPTHRESH 3             /* RFC 5681 §3.2 */

struct ft_cc_state {
	uint32_t cwnd;        /* congestion window */
	uint32_t ssthresh;    /* FT_CC_SSTHRESH_INF until the first congestion event */
	uint32_t mss;         /* SMSS: the send MSS, excluding IP/TCP options of every segment */
	uint32_t bytes_acked; /* RFC 3465 §2.1 byte counter for congestion avoidance */
	uint32_t recover;     /* RFC 6582: snd_max when recovery or the last RTO began */
	bool in_recovery;     /* between on_congestion and on_recovery_exit / on_rto */
	union {
		uint64_t u64[FT_CC_PRIV_SIZE / 8];
		uint8_t bytes[FT_CC_PRIV_SIZE];
	} priv;               /* the algorithm's own state; static_assert its size in the module */
};
static_assert(sizeof(((struct ft_cc_state *)0)->priv) == FT_CC_PRIV_SIZE, "cc priv size");

/* What one input batch of ACKs did (tcp-design.md §7.5 cc_ack_info, trimmed to what is used;
 * add fields as algorithms need them). */
struct ft_cc_ack {
	uint32_t acked_bytes;  /* newly cumulatively acked by the batch (0: only dupacks) */
	uint32_t flight_bytes; /* in flight after the batch */
	uint32_t snd_una;      /* cumulative ACK after the batch */
	uint16_t n_acks;       /* ACK segments in the batch (>= 1): the ABC limit is per ACK */
	uint16_t n_dupacks;    /* duplicate ACKs in the batch */
	bool cwnd_limited;     /* cwnd, not the application or the peer's window, limited
				* sending in the round these bytes belong to; cwnd grows only
				* then (RFC 7661 §4.3). Judge it from the flight BEFORE the batch
				* (prior flight + SMSS > cwnd) or from a flag output.c sets when
				* cwnd stopped a send; never from the flight after the batch,
				* which the ACK itself just shrank (slow start would stall). */
	/* Read by delay- and time-based algorithms (CUBIC, HyStart++); NewReno ignores them. */
	uint16_t n_rtt;        /* RTT samples taken from the batch (RFC 6298 §3 rules: Karn, or
				* TS echoes); 0 with rtt_us != 0 counts as one */
	uint32_t rtt_us;       /* smallest of those samples, microseconds; 0 = no sample */
	uint32_t srtt_us;      /* SRTT after the batch (struct ft_rtt srtt_us); 0 = none yet */
	uint32_t snd_max;      /* highest sequence sent + 1 when the batch is processed: the
				* TCB's snd_max, never snd_nxt, which a retransmission or a
				* reopened window pulls back (HyStart++ round end, RFC 9406) */
	uint64_t now_us;       /* the clock, microseconds, monotonic (the worker's per-burst
				* cached now); 0 is a valid reading */
};

struct ft_cc_ops {
	const char *name;
	/* Fresh connection: cwnd = IW (RFC 6928), ssthresh = inf, recover = iss (RFC 6582 §3.2
	 * step 1), not in recovery, private state zeroed. */
	void (*init)(struct ft_cc_state *cc, uint32_t mss, uint32_t iss);
	/* An ACK batch that is not a full ACK ending recovery (see ft_cc_ack_batch). */
	void (*on_ack)(struct ft_cc_state *cc, const struct ft_cc_ack *ack);
	/* Enter fast recovery: loss detected by dupacks or RACK. flight_bytes = FlightSize before
	 * the retransmission, snd_max = highest sequence sent + 1. Ignored while in recovery:
	 * one reduction per window of data. */
	void (*on_congestion)(struct ft_cc_state *cc, uint32_t flight_bytes, uint32_t snd_max);
	/* A full ACK (cumulative ACK >= recover) ends fast recovery; flight after the ACK. */
	void (*on_recovery_exit)(struct ft_cc_state *cc, uint32_t flight_bytes);
	/* The retransmission timer fired. repeated: the timer had already fired for this data
	 * (struct ft_rtt backoff > 0 before this timeout), so ssthresh is held (RFC 5681 §3.1). */
	void (*on_rto)(struct ft_cc_state *cc, uint32_t flight_bytes, uint32_t snd_max,
		       bool repeated);
	/* About to send after idle_us without sending; rto_us = the current RTO. Only for a real
	 * idle period, nothing in flight (snd_una == snd_max), not between ACK-clocked sends:
	 * CUBIC takes idle_us out of its curve's time (RFC 9438 §5.8). */
	void (*after_idle)(struct ft_cc_state *cc, uint64_t idle_us, uint32_t rto_us);
};

extern const struct ft_cc_ops ft_cc_newreno;
extern const struct ft_cc_ops ft_cc_cubic;

/* RFC 6928 §2 initial window: min(10 * MSS, max(2 * MSS, 14600)). */
static inline uint32_t
ft_cc_initial_window(uint32_t mss)
{
	uint64_t lo = 2 * (uint64_t)mss, hi = 10 * (uint64_t)mss;
	uint64_t iw = lo > 14600 ? lo : 14600;

	return (uint32_t)(iw < hi ? iw : hi);
}

/* The cumulative ACK @p ack covers recover: it is a full ACK in recovery (RFC 6582 §3.2 step
 * 3), and, outside recovery, dupacks at this ACK may start a new fast retransmit (step 2). */
static inline bool
ft_cc_ack_covers_recover(const struct ft_cc_state *cc, uint32_t ack)
{
	return ft_seq_geq(ack, cc->recover);
}

/* Feed one ACK batch: a full ACK in recovery ends it (on_recovery_exit, and the batch does
 * not grow cwnd further); any other batch goes to on_ack. */
static inline void
ft_cc_ack_batch(const struct ft_cc_ops *ops, struct ft_cc_state *cc, const struct ft_cc_ack *a)
{
	if (cc->in_recovery && ft_cc_ack_covers_recover(cc, a->snd_una))
		ops->on_recovery_exit(cc, a->flight_bytes);
	else
		ops->on_ack(cc, a);
}

/* The algorithm called @p name ("newreno", "cubic"), or NULL. Setup only. */
static inline const struct ft_cc_ops *
ft_cc_find(const char *name)
{
	/* The registry: one line per algorithm. Moves to a cc.c if it grows. */
	static const struct ft_cc_ops *const algos[] = { &ft_cc_newreno, &ft_cc_cubic };

	for (unsigned int i = 0; name != NULL && i < sizeof(algos) / sizeof(algos[0]); i++)
		if (strcmp(algos[i]->name, name) == 0)
			return algos[i];
	return NULL;
}

#endif /* FT_TCP_CC_H */
