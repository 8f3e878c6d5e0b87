/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP internals shared by the files of src/tcp/, grouped by the file that implements them
 * (WireGuard's queueing.h pattern). struct ft_tcb is the connection block (struct ft_conn in
 * the public API is the same object). Everything here belongs to one worker.
 */
#ifndef FT_TCP_TCP_H
#define FT_TCP_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include <fasttcp/ft_tcp.h>

#include "core/timer_wheel.h"
#include "core/token_bucket.h"
#include "tcp/autotune.h"
#include "tcp/cc.h"
#include "tcp/options.h"
#include "tcp/prr.h"
#include "tcp/rack.h"
#include "tcp/rtt.h"
#include "tcp/sendmap.h"
#include "tcp/sndbuf.h"

struct ft_worker;
struct rte_hash;
struct ft_sock_table;
struct ft_evlog;
struct ft_evlog_pool;

/* RFC 9293 §3.3.2 states. */
enum ft_tcp_state {
	FT_TCP_CLOSED,
	FT_TCP_LISTEN,
	FT_TCP_SYN_SENT,
	FT_TCP_SYN_RCVD,
	FT_TCP_ESTABLISHED,
	FT_TCP_FIN_WAIT_1,
	FT_TCP_FIN_WAIT_2,
	FT_TCP_CLOSE_WAIT,
	FT_TCP_CLOSING,
	FT_TCP_LAST_ACK,
	FT_TCP_TIME_WAIT,
};

/* TCB flags. */
#define FT_TF_SACK_OK     0x0001 /* both sides sent SACK-permitted */
#define FT_TF_TS_OK       0x0002 /* timestamps negotiated */
#define FT_TF_WS_OK       0x0004 /* window scaling negotiated */
#define FT_TF_NODELAY     0x0008 /* Nagle off */
#define FT_TF_ACK_NOW     0x0010 /* send an ACK at the end of this input */
#define FT_TF_DELACK      0x0020 /* an ACK is owed (delayed) */
#define FT_TF_FIN_QUEUED  0x0040 /* the application shut down writing: FIN after the data */
#define FT_TF_FIN_SENT    0x0080 /* FIN occupies snd_max - 1 */
#define FT_TF_FIN_RCVD    0x0100 /* the peer's FIN was accepted */
#define FT_TF_APP_CLOSED  0x0200 /* ft_conn_close(): the app holds no reference */
#define FT_TF_PASSIVE     0x0400 /* created by a listener */
#define FT_TF_WANT_WRITE  0x0800 /* the app hit the send limit: call writable when room */
#define FT_TF_IN_RECOVERY 0x1000 /* NewReno fast recovery (RFC 6582) */
#define FT_TF_REPORTED    0x2000 /* established was reported to the app */
#define FT_TF_RTT_TIMING  0x4000 /* rtt_seq is being timed (no timestamps) */
#define FT_TF_DEAD        0x8000 /* closed while busy: destroy when the callback returns */
/* (flags is 16 bits and full: further per-connection booleans live in xflags) */
#define FT_XF_RCVBUF_FIXED 0x01 /* the application set the receive buffer: no autotuning */
#define FT_XF_CLOSED_TOLD  0x02 /* the closed callback ran (it runs once) */
#define FT_XF_PENDING      0x04 /* on the worker's pending array (batch.c) */
#define FT_XF_BATCH_PIPE   0x08 /* batch_pipe holds this burst's value (recovery.c) */

/* Application callbacks owed (delivered once, at the end of input processing). */
#define FT_EV_ESTABLISHED 0x01
#define FT_EV_READABLE    0x02
#define FT_EV_WRITABLE    0x04
#define FT_EV_CLOSED      0x08 /* both sides closed (TIME_WAIT): report closed(NORMAL) */

/* The connection block. Hot fields first; no buffers inside (see sndbuf.h, reass.c). */
struct ft_tcb {
	/* identity (host order) */
	uint32_t laddr, faddr;
	uint16_t lport, fport;
	uint16_t iface;
	uint8_t state;         /* enum ft_tcp_state */
	uint8_t dupacks;
	uint16_t flags;        /* FT_TF_* */
	uint16_t mss;          /* send MSS: payload bytes per segment */
	/* send sequence space (RFC 9293 §3.3.1) */
	uint32_t iss, snd_una, snd_nxt, snd_max;
	uint32_t snd_wnd, snd_wl1, snd_wl2;
	uint32_t max_snd_wnd;  /* largest window the peer offered (RFC 5961 §5.2) */
	uint8_t snd_wscale, rcv_wscale;
	uint8_t rexmt_count;   /* consecutive RTO expirations */
	uint8_t persist_shift;
	uint8_t keep_cnt;      /* keepalive probes before giving up (0: keepalive off) */
	uint8_t keep_probes;   /* probes sent since the peer was last heard */
	uint16_t keep_idle_s, keep_intvl_s;
	/* receive sequence space */
	uint32_t irs, rcv_nxt, rcv_wnd, rcv_adv;
	uint32_t rcvq_limit;   /* receive buffer size (grows by autotuning unless fixed) */
	struct ft_rcv_autotune autotune;
	uint32_t ts_recent;    /* RFC 7323 §4.3 */
	uint64_t ts_recent_at;
	uint32_t rtt_seq;      /* segment timed for RTT without timestamps */
	uint64_t rtt_at;
	uint16_t segs_unacked; /* full segments received since the last ACK (delayed ACK) */
	uint16_t ooo_n;
	uint8_t events;        /* FT_EV_*: callbacks owed at the end of this input */
	uint8_t xflags;        /* FT_XF_* */
	uint8_t busy;          /* inside a callback: destruction is deferred */
	uint16_t pending_idx;  /* slot in ft_tcp_worker.pending while FT_XF_PENDING */
	uint8_t tlp_probes;    /* probes sent since the cumulative ACK last advanced */
	uint32_t batch_pipe;   /* flight when this rx burst's first ACK arrived (recovery.c) */
	uint32_t dsack_start, dsack_end; /* D-SACK block for the next ACK (RFC 2883) */
	struct ft_rtt rtt;
	struct ft_cc_state cc;
	const struct ft_cc_ops *cc_ops;
	struct ft_sndbuf sb;
	/* loss recovery (recovery.c): sent-but-unacked ranges, RACK-TLP, PRR, RRR */
	struct ft_sendmap sm;
	struct ft_rack rack;
	struct ft_prr prr;
	struct ft_rrr rrr;
	struct {
		uint32_t cwnd, ssthresh; /* before the episode's reduction */
		uint32_t retrans;        /* bytes retransmitted in it, not yet D-SACKed */
		bool armed;
	} undo;                      /* undo.c */
	struct rte_mbuf *rcvq;      /* in-order data not read yet (chain) */
	struct rte_mbuf *rcvq_tail;
	uint32_t rcvq_len;
	struct ft_tcp_ooo *ooo;     /* out-of-order segments, allocated on first use */
	struct ft_evlog *evlog;     /* event log ring (evlog.h), NULL: not logged */
	/* timers: one wheel entry armed at the earliest of these deadlines (TSC, 0 = off) */
	struct ft_timer timer;
	uint64_t t_rexmt, t_delack, t_persist, t_keep, t_2msl;
	uint64_t t_rack;            /* RACK reordering timer, also RRR and pacing wake-ups */
	uint64_t t_tlp;             /* tail loss probe timeout (RFC 8985 §7.2) */
	uint64_t idle_since;
	/* application */
	const struct ft_conn_ops *ops;
	void *arg;
	struct ft_worker *w;
	struct ft_tcb *next_free;
};

/* A listening port (shared, read-only while running). */
struct ft_tcp_listener {
	const struct ft_conn_ops *ops;
	void *arg;
	uint16_t port;
};

#define FT_TCP_MAX_LISTENERS 255

/* What all workers share: configuration in TSC/bytes, listeners, secrets. Read-only while
 * running. */
struct ft_tcp_shared {
	uint32_t max_conns;        /* per worker */
	uint32_t sndbuf, rcvbuf;   /* bytes per connection (rcvbuf: initial) */
	uint32_t rcvbuf_max;       /* receive buffer autotuning ceiling */
	uint32_t syn_backlog;      /* SYN-RCVD connections per worker */
	uint64_t time_wait_tsc;
	uint64_t delack_tsc;
	uint32_t min_rto_us, max_rto_us;
	const struct ft_cc_ops *cc;  /* congestion control for new connections */
	uint32_t sm_entries;       /* sendmap entries per worker (pool capacity) */
	uint16_t max_burst;        /* segments per send opportunity; the rest is paced */
	bool rrr;                  /* RACK rapid recovery (tcp-design.md §3.7) */
	bool ack_batching;         /* finish input once per connection per burst (batch.c) */
	uint32_t evlog_recs;       /* event log records per connection, 0 = off */
	uint32_t evlog_conns;      /* event log rings per worker */
	uint64_t isn_key[2];       /* RFC 6528 secret */
	uint8_t listen_index[65536]; /* 0 = none, else 1 + index into listeners */
	struct ft_tcp_listener listeners[FT_TCP_MAX_LISTENERS];
};

#define FT_TCP_PENDING_MAX 512 /* connections batched per rx burst (batch.c) */
#define FT_TCP_PORT_TABLE 1024 /* ephemeral port counters per worker (handshake.c) */
#define FT_TCP_HDR_STASH 32    /* header mbufs allocated ahead per worker (output.c) */

/* Per-worker TCP state. */
struct ft_tcp_worker {
	const struct ft_tcp_shared *sh;
	uint32_t syn_rcvd;            /* connections in SYN-RCVD (bounded by syn_backlog) */
	struct ft_token_bucket challenge_tb; /* RFC 5961 §7 challenge ACK limit */
	struct rte_hash *conns;       /* 4-tuple -> tcb */
	struct rte_mempool *ooo_pool; /* out-of-order blocks (reass.c) */
	struct ft_sm_pool *sm_pool;   /* sendmap entries of every connection (sendmap.h) */
	struct ft_tcb *tcbs;          /* max_conns blocks, allocated at setup */
	struct ft_tcb *free;
	uint32_t max_conns, n_conns;
	struct ft_timer_wheel tw;
	/* Ephemeral port counters by a keyed hash of (local, remote address, remote port): each
	 * destination walks the range on its own (RFC 6056 §3.3.4, handshake.c pick_port()). */
	uint16_t port_ctr[FT_TCP_PORT_TABLE];
	struct ft_sock_table *socks;  /* socket facade descriptors (socket.c) */
	struct ft_evlog_pool *evlog_pool; /* event log rings (evlog.h), NULL when off */
	uint32_t n_pending;           /* connections whose input finishes at the flush */
	struct ft_tcb *pending[FT_TCP_PENDING_MAX];
	uint32_t n_hdr;               /* header mbufs allocated ahead (output.c hdr_alloc()) */
	struct rte_mbuf *hdr[FT_TCP_HDR_STASH];
};

/* TCP header flags. */
#define FT_TH_FIN 0x01
#define FT_TH_SYN 0x02
#define FT_TH_RST 0x04
#define FT_TH_PSH 0x08
#define FT_TH_ACK 0x10
#define FT_TH_URG 0x20

/* A parsed incoming segment (input.c fills it, the state handlers read it). */
struct ft_tcp_seg {
	uint32_t seq, ack, len;     /* len: payload bytes (SYN/FIN not counted) */
	uint32_t wnd;               /* raw window field (unscaled) */
	uint8_t flags;
	struct ft_tcp_opts opts;
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint16_t iface;
};

/* tcb.c */
int ft_tcp_worker_init(struct ft_worker *w, const struct ft_tcp_shared *sh);
void ft_tcp_worker_fini(struct ft_worker *w);
struct ft_tcb *ft_tcb_lookup(struct ft_worker *w, const struct ft_tcp_seg *s);
struct ft_tcb *ft_tcb_create(struct ft_worker *w, uint32_t laddr, uint16_t lport,
			     uint32_t faddr, uint16_t fport);
void ft_tcb_destroy(struct ft_worker *w, struct ft_tcb *t);
uint32_t ft_tcp_isn(struct ft_worker *w, const struct ft_tcb *t);

/* api.c */
bool ft_tcp_conn_readable(const struct ft_tcb *t);
int ft_tcp_listen_add(struct ft_tcp_shared *sh, uint16_t port, const struct ft_conn_ops *ops,
		      void *arg);

/* input.c */
void ft_tcp_input(struct ft_worker *w, struct rte_mbuf *m, uint16_t iface);

/* handshake.c */
void ft_tcp_input_listen(struct ft_worker *w, const struct ft_tcp_listener *l,
			 const struct ft_tcp_seg *s);
void ft_tcp_input_syn_sent(struct ft_worker *w, struct ft_tcb *t, const struct ft_tcp_seg *s);
void ft_tcp_apply_syn_opts(struct ft_tcb *t, const struct ft_tcp_seg *s);
void ft_tcp_handshake_done(struct ft_tcb *t);
struct ft_tcb *ft_tcp_syncookie_accept(struct ft_worker *w, const struct ft_tcp_listener *l,
				       const struct ft_tcp_seg *s);

/* established.c: states SYN-RCVD and after. Consumes @p m (payload, may be NULL). */
void ft_tcp_input_sync(struct ft_worker *w, struct ft_tcb *t, const struct ft_tcp_seg *s,
		       struct rte_mbuf *m);
void ft_tcp_challenge_ack(struct ft_worker *w, struct ft_tcb *t);
void ft_tcp_report_established(struct ft_worker *w, struct ft_tcb *t);
/* Deliver owed callbacks, run output, finish a deferred close. */
void ft_tcp_finish_input(struct ft_worker *w, struct ft_tcb *t);

/* undo.c: D-SACK undo of a spurious congestion response. */
void ft_tcp_undo_arm(struct ft_tcb *t);
void ft_tcp_undo_on_retransmit(struct ft_tcb *t, uint32_t bytes);
void ft_tcp_undo_on_dsack(struct ft_worker *w, struct ft_tcb *t, uint32_t start, uint32_t end);

/* batch.c: end-of-input work once per connection per rx burst. */
void ft_tcp_defer_finish(struct ft_worker *w, struct ft_tcb *t);
void ft_tcp_batch_forget(struct ft_worker *w, struct ft_tcb *t);
void ft_tcp_batch_flush(struct ft_worker *w);

/* ack.c */
enum ft_tcp_ack_verdict { FT_ACK_CONTINUE, FT_ACK_DROP, FT_ACK_CLOSED };
enum ft_tcp_ack_verdict ft_tcp_process_ack(struct ft_worker *w, struct ft_tcb *t,
					   const struct ft_tcp_seg *s);
void ft_tcp_cc_init(struct ft_tcb *t);
uint32_t ft_tcp_ts_now(const struct ft_worker *w);
void ft_tcp_rtt_sample_ts(struct ft_worker *w, struct ft_tcb *t, uint32_t tsecr);

/* recovery.c: the sendmap, RACK-TLP, PRR and RRR wired into the connection (RFC 8985,
 * RFC 9937). now_us everywhere is the worker's cached clock in microseconds. */
void ft_tcp_rec_init(struct ft_worker *w, struct ft_tcb *t);
void ft_tcp_rec_sndbuf_changed(struct ft_tcb *t);
void ft_tcp_rec_ack(struct ft_worker *w, struct ft_tcb *t, const struct ft_tcp_seg *s,
		    bool dup);
int ft_tcp_rec_output(struct ft_worker *w, struct ft_tcb *t, uint32_t cap, int *budget);
uint64_t ft_tcp_rec_pto_us(const struct ft_tcb *t, uint64_t rto_left_us);
uint32_t ft_tcp_rec_flight(const struct ft_tcb *t);
void ft_tcp_rec_on_rto(struct ft_worker *w, struct ft_tcb *t);
void ft_tcp_rec_on_rack_timer(struct ft_worker *w, struct ft_tcb *t);
void ft_tcp_rec_on_tlp_timer(struct ft_worker *w, struct ft_tcb *t);
void ft_tcp_rec_mark_all_lost(struct ft_tcb *t);
uint64_t ft_tcp_now_us(const struct ft_worker *w);

/* reass.c: receive queue and out-of-order segments. Consume @p m. */
void ft_tcp_rcv_data(struct ft_worker *w, struct ft_tcb *t, uint32_t seq, struct rte_mbuf *m);
void ft_tcp_ooo_free(struct ft_worker *w, struct ft_tcb *t);
struct rte_mempool *ft_tcp_ooo_pool_create(unsigned int worker, uint32_t max_conns, int socket);
uint32_t ft_tcp_rcv_window(const struct ft_tcb *t);
uint8_t ft_tcp_sack_blocks(const struct ft_tcb *t, struct ft_tcp_sack_block *b, uint8_t max);

/* output.c */
void ft_tcp_output(struct ft_worker *w, struct ft_tcb *t);
void ft_tcp_send_ack(struct ft_worker *w, struct ft_tcb *t);
void ft_tcp_send_syn(struct ft_worker *w, struct ft_tcb *t, bool ack);
void ft_tcp_send_rst(struct ft_worker *w, struct ft_tcb *t);
void ft_tcp_respond_rst(struct ft_worker *w, const struct ft_tcp_seg *s);
uint32_t ft_tcp_seg_cap(struct ft_worker *w, const struct ft_tcb *t);
/* Send [seq, seq + len) of the send buffer, FIN when @p fin; @p why: FT_EVLOG_SEND_* for the
 * event log. Records nothing (the caller keeps the sendmap). */
int ft_tcp_send_seg(struct ft_worker *w, struct ft_tcb *t, uint32_t seq, uint32_t len, bool fin,
		    uint16_t why);
/* One segment of new data ignoring cwnd (the tail loss probe): @return bytes sent, 0 if none. */
int ft_tcp_send_new(struct ft_worker *w, struct ft_tcb *t, uint32_t cap, uint16_t sm_flags);
void ft_tcp_send_probe(struct ft_worker *w, struct ft_tcb *t);
void ft_tcp_send_keepalive(struct ft_worker *w, struct ft_tcb *t);
/* An mbuf from the worker's pool through the prefetched stash (see output.c); @p worker is the
 * struct ft_worker (the shape of ft_sndbuf_write()'s allocator). NULL when the pool is empty. */
struct rte_mbuf *ft_tcp_mbuf_alloc(void *worker);

/* pmtu.c: ICMP errors about our segments (registered as ft_ip4_err_fn). */
struct rte_ipv4_hdr;
void ft_tcp_icmp_error(struct ft_worker *w, uint8_t type, uint8_t code, uint16_t mtu,
		       const struct rte_ipv4_hdr *ih, const uint8_t *l4);

/* close.c */
void ft_tcp_report_closed(struct ft_tcb *t, enum ft_close_reason r);
void ft_tcp_close_finish(struct ft_worker *w, struct ft_tcb *t, enum ft_close_reason r);
void ft_tcp_enter_time_wait(struct ft_worker *w, struct ft_tcb *t);

/* timer.c: the event API; only timer.c arms the connection timer. */
void ft_tcp_timers_on_send(struct ft_worker *w, struct ft_tcb *t);
void ft_tcp_timers_on_ack(struct ft_worker *w, struct ft_tcb *t);
void ft_tcp_timers_on_delack(struct ft_worker *w, struct ft_tcb *t);
void ft_tcp_timers_on_zero_window(struct ft_worker *w, struct ft_tcb *t);
void ft_tcp_timers_on_time_wait(struct ft_worker *w, struct ft_tcb *t);
void ft_tcp_timers_on_fin_wait_2(struct ft_worker *w, struct ft_tcb *t);
void ft_tcp_timers_on_rx(struct ft_worker *w, struct ft_tcb *t);
void ft_tcp_timers_on_rack(struct ft_worker *w, struct ft_tcb *t, uint64_t us);
void ft_tcp_timers_on_pace(struct ft_worker *w, struct ft_tcb *t, uint64_t us);
void ft_tcp_timers_on_probe(struct ft_worker *w, struct ft_tcb *t);
void ft_tcp_timers_stop(struct ft_worker *w, struct ft_tcb *t);
void ft_tcp_timers_advance(struct ft_worker *w);
void ft_tcp_timers_fire(struct ft_worker *w, struct ft_tcb *t, uint64_t now);

#endif /* FT_TCP_TCP_H */
