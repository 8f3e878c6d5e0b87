/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP event log: FreeBSD's black-box log (BBLog, tcp_log_buf.h) reduced to what a userspace
 * stack needs (tcp-design.md §6.2). A connection that has a ring records, in fixed 48-byte
 * records, its state changes, sends, ACK batches, congestion-control snapshots, RACK/TLP
 * decisions, timer events and recovery episodes; the ring keeps the newest records. Rings come
 * from a per-worker pool sized at setup (stack conf tcp_event_log / tcp_event_log_conns): a
 * connection gets one at creation while the pool has one free, else it is not logged and the
 * pool counts it (exhausted). A released ring keeps its records until it is reused (least
 * recently released first), so a connection can still be dumped after it closed.
 *
 * Writing: the ft_evlog_<event>() inlines below are what the TCP code calls. With no ring
 * (t->evlog == NULL: logging off, or this connection not logged) each is one test and branch:
 * nothing is evaluated, allocated, locked or called. With a ring, one 48-byte store and a
 * counter update. Only the owning worker writes a ring.
 *
 * Reading: ft_evlog_read() copies the newest records from any thread, without locks, and drops
 * records the writer may have been overwriting meanwhile (a seqlock-style recheck of the
 * counter, see evlog.c). Telemetry (/fasttcp/tcp_log) and dumps (ft_evlog_write(),
 * ft_conn_evlog_dump()) use it; scripts/tcp-evlog-plot.py decodes both.
 *
 * Record (little-endian, the in-memory layout, also in dumps and telemetry hex):
 *    0       8       9      10      12                                              48
 *   +-------+-------+------+-------+------+-------------------------------------------+
 *   | tsc   | type  |state | sub   | cwnd | a[0] a[1] a[2] a[3] a[4] a[5] a[6] a[7]   |
 *   | u64   | u8    | u8   | u16   | u32  | u32 each: meaning per type (enum below)   |
 *   +-------+-------+------+-------+------+-------------------------------------------+
 * tsc: the worker's clock (w->now, TSC ticks; the dump header gives the frequency). state:
 * enum ft_tcp_state when logged. cwnd: t->cc.cwnd when logged. All sequence numbers are raw
 * 32-bit values; durations are microseconds.
 *
 * Dump file (ft_evlog_write()): a 64-byte header, then n_recs records, oldest first:
 *    0 char magic[8] "FTEVLOG\0"     8 u16 version (1)     10 u16 rec_size (48)
 *   12 u32 n_recs                    16 u64 tsc_hz         24 u64 first (index of the first
 *   32 u32 laddr  36 u32 faddr       40 u16 lport          record since the ring was attached)
 *   42 u16 fport  44 u16 worker      46 u16 flags (bit 0: the connection was still open)
 *   48 u32 ring   52 u32 gen         56..63 zero
 * Addresses and ports are host order, stored little-endian like every field.
 */
#ifndef FT_TCP_EVLOG_H
#define FT_TCP_EVLOG_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tcp/rtt.h"
#include "tcp/tcp.h"

/* Configuration bounds (stack conf tcp_event_log, tcp_event_log_conns). */
#define FT_EVLOG_MIN_RECS  16
#define FT_EVLOG_MAX_RECS  (1u << 20) /* 48 MiB per connection */
#define FT_EVLOG_MAX_CONNS 65536

/* Event types. Ids are part of the dump format: append, never renumber. */
enum ft_evlog_type {
	FT_EVLOG_OPEN = 1,   /* ring attached at TCB creation: a0 laddr a1 faddr a2 lport
			      * a3 fport a4 worker */
	FT_EVLOG_CLOSE,      /* TCB destroyed: a0 snd_una a1 snd_max a2 rcv_nxt a3 RTO backoff */
	FT_EVLOG_STATE,      /* a0 old state a1 new state a2 snd_una a3 snd_max a4 rcv_nxt */
	FT_EVLOG_SEND,       /* sub FT_TH_* | FT_EVLOG_SEND_*: a0 seq a1 len a2 snd_una a3 snd_nxt
			      * a4 snd_max a5 snd_wnd a6 rcv_nxt (the ACK carried) */
	FT_EVLOG_ACK,        /* ACK batch, sub FT_EVLOG_ACK_*: a0 ack a1 bytes newly acked
			      * a2 bytes newly SACKed a3 lowest SACK start a4 highest SACK end
			      * a5 n_acks a6 n_dupacks | n_blocks << 16 a7 snd_wnd */
	FT_EVLOG_SACK,       /* SACK blocks as received, sub = how many (1..4):
			      * a[2i] start a[2i + 1] end */
	FT_EVLOG_CC,         /* snapshot, sub enum ft_evlog_why: a0 ssthresh a1 pipe a2 srtt_us
			      * a3 rttvar_us a4 rto_us (backed off) a5 snd_una a6 snd_max
			      * a7 RTO backoff | in_recovery << 8 */
	FT_EVLOG_RTT,        /* RTT sample, sub enum ft_evlog_rtt_src: a0 sample_us a1 srtt_us
			      * a2 rttvar_us a3 rto_us (after the sample) */
	FT_EVLOG_RACK_LOST,  /* RACK marked [a0, a1) lost, sub = transmissions so far:
			      * a2 us since it was last sent a3 reo_wnd_us */
	FT_EVLOG_TIMER_ARM,  /* sub enum ft_evlog_timer: a0 timeout_us a1 detail (RACK: reo_wnd_us,
			      * TLP: srtt_us, RTO: backoff) */
	FT_EVLOG_TIMER_FIRE, /* sub enum ft_evlog_timer: a0/a1 deadline TSC low/high (0: unknown)
			      * a2 RTO backoff a3 rto_us a4 snd_una a5 snd_max */
	FT_EVLOG_TLP,        /* tail loss probe sent, sub FT_EVLOG_TLP_*: a0 seq a1 len a2 pto_us */
	FT_EVLOG_REC_ENTER,  /* sub enum ft_evlog_why: a0 ssthresh a1 recover a2 pipe a3 snd_una
			      * a4 snd_max */
	FT_EVLOG_REC_EXIT,   /* as REC_ENTER */
	FT_EVLOG_NOTE,       /* free-form, sub = caller's code: a0..a3 caller's values */
	FT_EVLOG_TYPE_MAX
};

/* FT_EVLOG_SEND sub: the low byte holds the segment's FT_TH_* flags, the high byte: */
#define FT_EVLOG_SEND_RXT   0x0100 /* retransmission (any cause) */
#define FT_EVLOG_SEND_TLP   0x0200 /* tail loss probe */
#define FT_EVLOG_SEND_PROBE 0x0400 /* zero-window probe */
#define FT_EVLOG_SEND_KEEP  0x0800 /* keepalive */
#define FT_EVLOG_SEND_RACK  0x1000 /* retransmission of a segment RACK marked lost */
#define FT_EVLOG_SEND_RTO   0x2000 /* retransmission after an RTO */

/* FT_EVLOG_ACK sub. */
#define FT_EVLOG_ACK_DUP   0x01 /* the batch held duplicate ACKs (RFC 5681 §2) */
#define FT_EVLOG_ACK_DSACK 0x02 /* a D-SACK block (RFC 2883) */
#define FT_EVLOG_ACK_WND   0x04 /* window update */
#define FT_EVLOG_ACK_ECE   0x08 /* ECN-Echo (RFC 3168) */

/* FT_EVLOG_TLP sub. */
#define FT_EVLOG_TLP_NEW 0x01 /* the probe carried new data (RFC 8985 §7.3) */
#define FT_EVLOG_TLP_RXT 0x02 /* the probe retransmitted the last segment */

/* Why a CC snapshot or recovery episode was logged (sub of CC, REC_ENTER, REC_EXIT). */
enum ft_evlog_why {
	FT_EVLOG_WHY_OTHER,
	FT_EVLOG_WHY_INIT,    /* cc init (handshake done) */
	FT_EVLOG_WHY_ACK,     /* ACK batch grew or held cwnd */
	FT_EVLOG_WHY_DUPACK,  /* congestion signal: DupThresh duplicate ACKs */
	FT_EVLOG_WHY_RACK,    /* congestion signal: RACK loss */
	FT_EVLOG_WHY_ECN,     /* congestion signal: ECN-Echo */
	FT_EVLOG_WHY_RTO,     /* retransmission timeout */
	FT_EVLOG_WHY_IDLE,    /* restart after idle */
	FT_EVLOG_WHY_FULLACK, /* full ACK ended recovery */
	FT_EVLOG_WHY_PRR,     /* PRR set the send quota */
	FT_EVLOG_WHY_MSS,     /* MSS changed (PMTU) */
};

/* Sources of an RTT sample (FT_EVLOG_RTT sub). */
enum ft_evlog_rtt_src {
	FT_EVLOG_RTT_TS = 1, /* timestamp echo (RFC 7323 §4) */
	FT_EVLOG_RTT_SEQ,    /* a timed segment (RFC 6298 §3, Karn) */
	FT_EVLOG_RTT_ACK,    /* cumulative ACK of a sendmap entry sent once */
	FT_EVLOG_RTT_SACK,   /* SACK of a sendmap entry sent once */
};

/* Timers (TIMER_ARM / TIMER_FIRE sub). */
enum ft_evlog_timer {
	FT_EVLOG_TMR_RTO = 1,
	FT_EVLOG_TMR_TLP,
	FT_EVLOG_TMR_RACK,      /* RACK reorder timer (RFC 8985 §6.2 step 5) */
	FT_EVLOG_TMR_DELACK,
	FT_EVLOG_TMR_PERSIST,
	FT_EVLOG_TMR_KEEP,
	FT_EVLOG_TMR_TIME_WAIT,
	FT_EVLOG_TMR_FIN_WAIT_2,
};

struct ft_evlog_rec {
	uint64_t tsc;
	uint8_t type;  /* enum ft_evlog_type */
	uint8_t state; /* enum ft_tcp_state */
	uint16_t sub;
	uint32_t cwnd;
	uint32_t a[8];
};
static_assert(sizeof(struct ft_evlog_rec) == 48, "evlog record is 48 bytes (dump format)");
static_assert(offsetof(struct ft_evlog_rec, a) == 16, "evlog record layout (dump format)");

/* One connection's ring. Header fields are written by the owning worker only. */
struct ft_evlog {
	uint64_t count;     /* records written since attach; the newest has index count - 1 */
	uint64_t tsc_hz;    /* frequency of rec[].tsc */
	uint32_t pos;       /* slot of the next record: count % slots, kept without dividing */
	uint32_t cap;       /* records kept (the newest) */
	uint32_t slots;     /* cap + 1: the slot being overwritten never holds a kept record */
	uint32_t gen;       /* incremented at each attach, so readers notice reuse */
	uint32_t idx;       /* position in the pool */
	uint32_t laddr, faddr;  /* connection of this generation, host order */
	uint16_t lport, fport;
	uint16_t worker;
	uint8_t open;       /* attached to a live TCB */
	uint8_t pad[13];
	struct ft_evlog_rec rec[]; /* slots records */
};
static_assert(sizeof(struct ft_evlog) == 64, "evlog ring header is one cache line");

/* Per-worker pool of rings (in memory the caller allocated at setup). */
struct ft_evlog_pool {
	uint8_t *rings;     /* n_rings rings of ring_size bytes */
	uint32_t *fifo;     /* free ring indices, least recently released first */
	size_t ring_size;
	uint32_t n_rings, cap;
	uint32_t fifo_head, fifo_len;
	uint64_t attached;  /* rings handed to connections */
	uint64_t exhausted; /* connections created while every ring was in use: not logged */
};

/* Where a read landed: records [first, first + n) of generation gen; count at the read. */
struct ft_evlog_span {
	uint64_t first;
	uint64_t count;
	uint32_t n;
	uint32_t gen;
};

/* An ACK batch as ack.c sees it (argument of ft_evlog_ack()). */
struct ft_evlog_ack {
	uint32_t ack;                 /* cumulative ACK after the batch */
	uint32_t acked;               /* bytes newly acknowledged cumulatively */
	uint32_t sacked;              /* bytes newly SACKed */
	uint32_t sack_low, sack_high; /* span of the SACK blocks of the batch (0, 0: none) */
	uint16_t n_acks, n_dupacks;
	uint16_t n_blocks;            /* SACK blocks in the batch */
	uint16_t flags;               /* FT_EVLOG_ACK_* */
};

/* A range RACK declared lost (argument of ft_evlog_rack_lost()). */
struct ft_evlog_lost {
	uint32_t start, end;  /* [start, end) */
	uint32_t age_us;      /* since it was last sent */
	uint32_t reo_wnd_us;  /* the reordering window the decision used */
	uint16_t xmits;       /* transmissions so far (1: never retransmitted) */
};

/* --- setup (control path) ------------------------------------------------------------------ */

/* Bytes of memory a pool of @p n_rings rings of @p n_recs records needs (64-byte aligned). */
size_t ft_evlog_pool_mem_size(uint32_t n_rings, uint32_t n_recs);

/*
 * Lay out a pool in @p mem (ft_evlog_pool_mem_size() bytes, 64-byte aligned, zeroed or not):
 * all rings free, records stamped with a clock of @p tsc_hz, OPEN records naming @p worker.
 * @return the pool (at the start of @p mem), or NULL if n_rings or n_recs is 0. The caller
 * frees @p mem after the last TCB with a ring is destroyed.
 */
struct ft_evlog_pool *ft_evlog_pool_init(void *mem, uint32_t n_rings, uint32_t n_recs,
					 uint64_t tsc_hz, uint16_t worker);

/* Ring @p idx (< n_rings) of @p p, attached or not. Any thread (read-only use). */
struct ft_evlog *ft_evlog_pool_ring(const struct ft_evlog_pool *p, uint32_t idx);

/*
 * Give @p t a ring (t->evlog), reset it and log FT_EVLOG_OPEN with t's 4-tuple. Called at TCB
 * creation, after the tuple is set. Owning worker; no allocation.
 * @return 0, or -ENOSPC when every ring is attached (counted in p->exhausted; t->evlog NULL).
 */
int ft_evlog_attach(struct ft_evlog_pool *p, struct ft_tcb *t, uint64_t now);

/* Log FT_EVLOG_CLOSE, return t's ring to @p p (records kept until reuse), t->evlog = NULL.
 * Nothing if t has no ring. Owning worker. */
void ft_evlog_detach(struct ft_evlog_pool *p, struct ft_tcb *t, uint64_t now);

/* --- writing (owning worker) --------------------------------------------------------------- */

/* Append @p r, overwriting the oldest record when the ring is full. */
void ft_evlog_put(struct ft_evlog *l, const struct ft_evlog_rec *r);

/* --- reading (any thread) ------------------------------------------------------------------ */

/*
 * Copy into @p dst (room for @p max) the records of @p l with index >= @p from that are still
 * in the ring, oldest first; records the owning worker may have overwritten during the copy
 * are dropped. @p span tells which records were copied. Lock-free; diagnostics only.
 * @return 0, or -EAGAIN: the ring was given to another connection during the copy (retry).
 */
int ft_evlog_read(const struct ft_evlog *l, uint64_t from, struct ft_evlog_rec *dst,
		  uint32_t max, struct ft_evlog_span *span);

/*
 * Write @p l as a dump file (format at the top of this file) to @p f. Any thread; allocates a
 * copy of the ring (control path only).
 * @return 0, -ENOMEM, -EAGAIN (ring reused while reading) or -EIO (write failed).
 */
int ft_evlog_write(const struct ft_evlog *l, FILE *f);

/* --- the events: call these from the TCP code ---------------------------------------------- */
/*
 * Each takes the connection and the worker's clock (w->now) and does nothing unless the
 * connection has a ring. Arguments that are not plain values (a function call, a walk of the
 * sendmap) are evaluated only when the connection is logged, since the test comes first after
 * inlining; keep them side-effect free.
 */

#define FT_EVLOG_HDR(t, now, ty, s)                                                             \
	.tsc = (now), .type = (ty), .state = (t)->state, .sub = (uint16_t)(s),                  \
	.cwnd = (t)->cc.cwnd

/* The state is about to change from t->state to @p to (call before assigning it). */
static inline void
ft_evlog_state(struct ft_tcb *t, uint64_t now, uint8_t to)
{
	if (t->evlog != NULL)
		ft_evlog_put(t->evlog, &(struct ft_evlog_rec){ FT_EVLOG_HDR(t, now,
			FT_EVLOG_STATE, 0), .a = { t->state, to, t->snd_una, t->snd_max,
			t->rcv_nxt } });
}

/* A segment [seq, seq + len) left; @p flags: its FT_TH_* flags | FT_EVLOG_SEND_*. */
static inline void
ft_evlog_send(struct ft_tcb *t, uint64_t now, uint32_t seq, uint32_t len, uint16_t flags)
{
	if (t->evlog != NULL)
		ft_evlog_put(t->evlog, &(struct ft_evlog_rec){ FT_EVLOG_HDR(t, now,
			FT_EVLOG_SEND, flags), .a = { seq, len, t->snd_una, t->snd_nxt, t->snd_max,
			t->snd_wnd, t->rcv_nxt } });
}

/* An ACK batch was processed (after snd_una, the window and cwnd were updated). */
static inline void
ft_evlog_ack(struct ft_tcb *t, uint64_t now, const struct ft_evlog_ack *a)
{
	if (t->evlog != NULL)
		ft_evlog_put(t->evlog, &(struct ft_evlog_rec){ FT_EVLOG_HDR(t, now,
			FT_EVLOG_ACK, a->flags), .a = { a->ack, a->acked, a->sacked, a->sack_low,
			a->sack_high, a->n_acks, a->n_dupacks | (uint32_t)a->n_blocks << 16,
			t->snd_wnd } });
}

/* The SACK blocks of one received ACK (up to 4 are kept), as they came. */
static inline void
ft_evlog_sack(struct ft_tcb *t, uint64_t now, const struct ft_tcp_sack_block *b, uint8_t n)
{
	struct ft_evlog_rec r = { FT_EVLOG_HDR(t, now, FT_EVLOG_SACK, 0) };

	if (t->evlog == NULL)
		return;
	for (uint8_t i = 0; i < n && i < 4; i++, r.sub++) {
		r.a[2 * i] = b[i].start;
		r.a[2 * i + 1] = b[i].end;
	}
	ft_evlog_put(t->evlog, &r);
}

/* Congestion-control snapshot after @p why changed it; @p pipe: bytes in flight (RFC 6675). */
static inline void
ft_evlog_cc(struct ft_tcb *t, uint64_t now, enum ft_evlog_why why, uint32_t pipe)
{
	if (t->evlog != NULL)
		ft_evlog_put(t->evlog, &(struct ft_evlog_rec){ FT_EVLOG_HDR(t, now, FT_EVLOG_CC,
			why), .a = { t->cc.ssthresh, pipe, t->rtt.srtt_us, t->rtt.rttvar_us,
			ft_rtt_rto(&t->rtt), t->snd_una, t->snd_max,
			t->rtt.backoff | (uint32_t)t->cc.in_recovery << 8 } });
}

/* An RTT sample of @p sample_us from @p src was taken (call after ft_rtt_sample()). */
static inline void
ft_evlog_rtt(struct ft_tcb *t, uint64_t now, uint32_t sample_us, enum ft_evlog_rtt_src src)
{
	if (t->evlog != NULL)
		ft_evlog_put(t->evlog, &(struct ft_evlog_rec){ FT_EVLOG_HDR(t, now, FT_EVLOG_RTT,
			src), .a = { sample_us, t->rtt.srtt_us, t->rtt.rttvar_us,
			ft_rtt_rto(&t->rtt) } });
}

/* RACK (RFC 8985 §6.2 step 4) marked a range lost. */
static inline void
ft_evlog_rack_lost(struct ft_tcb *t, uint64_t now, const struct ft_evlog_lost *l)
{
	if (t->evlog != NULL)
		ft_evlog_put(t->evlog, &(struct ft_evlog_rec){ FT_EVLOG_HDR(t, now,
			FT_EVLOG_RACK_LOST, l->xmits), .a = { l->start, l->end, l->age_us,
			l->reo_wnd_us } });
}

/* Timer @p kind was armed to fire in @p timeout_us; @p detail per FT_EVLOG_TIMER_ARM. */
static inline void
ft_evlog_timer_arm(struct ft_tcb *t, uint64_t now, enum ft_evlog_timer kind,
		   uint32_t timeout_us, uint32_t detail)
{
	if (t->evlog != NULL)
		ft_evlog_put(t->evlog, &(struct ft_evlog_rec){ FT_EVLOG_HDR(t, now,
			FT_EVLOG_TIMER_ARM, kind), .a = { timeout_us, detail } });
}

/* Timer @p kind fired (its deadline was @p deadline_tsc, 0 if unknown). */
static inline void
ft_evlog_timer_fire(struct ft_tcb *t, uint64_t now, enum ft_evlog_timer kind,
		    uint64_t deadline_tsc)
{
	if (t->evlog != NULL)
		ft_evlog_put(t->evlog, &(struct ft_evlog_rec){ FT_EVLOG_HDR(t, now,
			FT_EVLOG_TIMER_FIRE, kind), .a = { (uint32_t)deadline_tsc,
			(uint32_t)(deadline_tsc >> 32), t->rtt.backoff, ft_rtt_rto(&t->rtt),
			t->snd_una, t->snd_max } });
}

/* A tail loss probe [seq, seq + len) was sent (RFC 8985 §7.3); @p flags FT_EVLOG_TLP_*. */
static inline void
ft_evlog_tlp(struct ft_tcb *t, uint64_t now, uint32_t seq, uint32_t len, uint16_t flags)
{
	if (t->evlog != NULL)
		ft_evlog_put(t->evlog, &(struct ft_evlog_rec){ FT_EVLOG_HDR(t, now, FT_EVLOG_TLP,
			flags), .a = { seq, len } });
}

/* Fast recovery began (after cc on_congestion set ssthresh/cwnd and recover). */
static inline void
ft_evlog_recovery_enter(struct ft_tcb *t, uint64_t now, enum ft_evlog_why why, uint32_t pipe)
{
	if (t->evlog != NULL)
		ft_evlog_put(t->evlog, &(struct ft_evlog_rec){ FT_EVLOG_HDR(t, now,
			FT_EVLOG_REC_ENTER, why), .a = { t->cc.ssthresh, t->cc.recover, pipe,
			t->snd_una, t->snd_max } });
}

/* Fast recovery ended (after cc on_recovery_exit, or an RTO abandoned it). */
static inline void
ft_evlog_recovery_exit(struct ft_tcb *t, uint64_t now, enum ft_evlog_why why, uint32_t pipe)
{
	if (t->evlog != NULL)
		ft_evlog_put(t->evlog, &(struct ft_evlog_rec){ FT_EVLOG_HDR(t, now,
			FT_EVLOG_REC_EXIT, why), .a = { t->cc.ssthresh, t->cc.recover, pipe,
			t->snd_una, t->snd_max } });
}

/* Anything else worth a line: @p code and two values of the caller's choosing. */
static inline void
ft_evlog_note(struct ft_tcb *t, uint64_t now, uint16_t code, uint32_t v0, uint32_t v1)
{
	if (t->evlog != NULL)
		ft_evlog_put(t->evlog, &(struct ft_evlog_rec){ FT_EVLOG_HDR(t, now, FT_EVLOG_NOTE,
			code), .a = { v0, v1 } });
}

#endif /* FT_TCP_EVLOG_H */
