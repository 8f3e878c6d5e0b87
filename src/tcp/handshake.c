/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Opening handshakes (RFC 9293 §3.5, §3.10.7.2-3): a SYN to a listener creates a connection
 * in SYN-RCVD and answers SYN-ACK; an active open's SYN-SENT accepts the SYN-ACK (or a bare
 * SYN: simultaneous open, §3.5 figure 7). Options agreed here: MSS (RFC 9293 §3.7.1, RFC 6691),
 * window scale and timestamps (RFC 7323 §2-3), SACK-permitted (RFC 2018).
 * The listen queue is bounded per worker (syn_backlog); beyond it SYNs are answered with SYN
 * cookies (RFC 4987 §3.6, syncookie.c) and a connection is created only when the ACK returns
 * a valid cookie.
 */
#include <rte_errno.h>

#include "core/clock.h"
#include "core/siphash.h"
#include "core/worker.h"
#include "net/iface.h"
#include "net/ipv4.h"
#include "tcp/rss.h"
#include "tcp/seq.h"
#include "tcp/syncookie.h"
#include "tcp/tcp.h"

#define OUR_WSCALE 7 /* 128-byte units: a 1 MiB+ receive window fits in 16 bits */

/* MSS we announce: interface MTU minus IPv4 and TCP headers. */
static uint16_t
our_mss(const struct ft_worker *w, uint16_t iface)
{
	return (uint16_t)(w->ifaces[iface].mtu - 40);
}

void
ft_tcp_apply_syn_opts(struct ft_tcb *t, const struct ft_tcp_seg *s)
{
	const struct ft_iface *ifc = &t->w->ifaces[t->iface];
	uint16_t peer_mss = s->opts.mss ? s->opts.mss : 536; /* RFC 9293 §3.7.1 default */

	/* Send MSS: the peer's, bounded by our MTU; leave room for the timestamp option. */
	t->mss = RTE_MIN(peer_mss, (uint16_t)(ifc->mtu - 40));
	if (s->opts.has_wscale) {
		t->flags |= FT_TF_WS_OK;
		t->snd_wscale = s->opts.wscale;
		t->rcv_wscale = OUR_WSCALE;
	}
	if (s->opts.has_ts) {
		t->flags |= FT_TF_TS_OK;
		t->ts_recent = s->opts.tsval;
		t->ts_recent_at = t->w->now;
		t->mss -= 12;
	}
	if (s->opts.sack_ok)
		t->flags |= FT_TF_SACK_OK;
	if (t->mss < 64)
		t->mss = 64; /* absurd peer MSS: keep segments meaningful */
	t->cc.mss = t->mss;
}

void
ft_tcp_handshake_done(struct ft_tcb *t)
{
	/* RFC 6298 §5.7: a retransmitted SYN and no RTT sample: start data with a 3 s RTO. */
	if (t->rexmt_count > 0 && t->rtt.srtt_us == 0)
		ft_rtt_syn_timeout(&t->rtt);
	t->rexmt_count = 0;
	ft_rtt_reset_backoff(&t->rtt);
	t->autotune.start_seq = t->rcv_nxt; /* autotuning measures from here */
	t->autotune.start_us = ft_clock_tsc_to_us(t->w->now);
}

static void
init_send_side(struct ft_worker *w, struct ft_tcb *t)
{
	t->iss = ft_tcp_isn(w, t);
	t->snd_una = t->iss;
	t->snd_nxt = t->iss + 1;
	t->snd_max = t->iss + 1;
}

static struct ft_syncookie_tuple
cookie_tuple(const struct ft_tcp_seg *s, uint32_t peer_isn)
{
	return (struct ft_syncookie_tuple){ .saddr = s->saddr, .daddr = s->daddr,
					    .sport = s->sport, .dport = s->dport,
					    .peer_isn = peer_isn };
}

static uint64_t
now_s(const struct ft_worker *w)
{
	return ft_clock_tsc_to_us(w->now) / 1000000;
}

/* SYN-ACK whose ISN is a cookie, from a stand-in block: nothing is stored. */
static void
send_cookie(struct ft_worker *w, const struct ft_tcp_seg *s)
{
	struct ft_syncookie_tuple tu = cookie_tuple(s, s->seq);
	struct ft_tcb tmp = { .laddr = s->daddr, .faddr = s->saddr, .lport = s->dport,
			      .fport = s->sport, .iface = s->iface, .w = w,
			      .state = FT_TCP_SYN_RCVD, .rcv_nxt = s->seq + 1,
			      .rcvq_limit = w->tcp->sh->rcvbuf, .mss = our_mss(w, s->iface) };

	tmp.iss = ft_syncookie_make(w->tcp->sh->isn_key, &tu, s->opts.mss ? s->opts.mss : 536,
				    now_s(w));
	w->stats.tcp_syncookies_sent++;
	ft_tcp_send_syn(w, &tmp, true);
}

struct ft_tcb *
ft_tcp_syncookie_accept(struct ft_worker *w, const struct ft_tcp_listener *l,
			const struct ft_tcp_seg *s)
{
	struct ft_syncookie_tuple tu = cookie_tuple(s, s->seq - 1);
	struct ft_tcb *t;
	uint16_t mss;

	if (!ft_syncookie_check(w->tcp->sh->isn_key, &tu, s->ack - 1, now_s(w), &mss))
		return NULL;
	t = ft_tcb_create(w, s->daddr, s->dport, s->saddr, s->sport);
	if (t == NULL) {
		w->stats.drops[FT_DROP_TCP_CONN_FULL]++;
		return NULL;
	}
	/* Rebuild SYN-RCVD as the cookie says; the ACK then completes it as usual. */
	t->iface = s->iface;
	t->flags |= FT_TF_PASSIVE;
	t->ops = l->ops;
	t->arg = l->arg;
	t->state = FT_TCP_SYN_RCVD;
	w->tcp->syn_rcvd++;
	t->irs = s->seq - 1;
	t->rcv_nxt = t->rcv_adv = s->seq;
	t->snd_wl1 = s->seq;
	t->iss = s->ack - 1;
	t->snd_una = t->iss;
	t->snd_nxt = t->snd_max = s->ack;
	t->mss = RTE_MIN(mss, (uint16_t)(w->ifaces[s->iface].mtu - 40));
	t->cc.mss = t->mss;
	ft_tcp_cc_init(t);
	w->stats.tcp_syncookies_ok++;
	return t;
}

void
ft_tcp_input_listen(struct ft_worker *w, const struct ft_tcp_listener *l,
		    const struct ft_tcp_seg *s)
{
	struct ft_tcp_worker *tw = w->tcp;
	struct ft_tcb *t;

	if (tw->syn_rcvd >= tw->sh->syn_backlog) {
		send_cookie(w, s); /* RFC 4987 §3.6: no state until the ACK comes back */
		return;
	}
	t = ft_tcb_create(w, s->daddr, s->dport, s->saddr, s->sport);
	if (t == NULL) {
		w->stats.drops[FT_DROP_TCP_CONN_FULL]++;
		return;
	}
	t->iface = s->iface;
	t->flags |= FT_TF_PASSIVE;
	t->ops = l->ops;
	t->arg = l->arg;
	t->state = FT_TCP_SYN_RCVD;
	tw->syn_rcvd++;
	t->irs = s->seq;
	t->rcv_nxt = t->rcv_adv = s->seq + 1;
	t->snd_wnd = s->wnd; /* never scaled in a SYN (RFC 7323 §2.2) */
	t->snd_wl1 = s->seq;
	ft_tcp_apply_syn_opts(t, s);
	if (!(t->flags & FT_TF_WS_OK))
		t->rcv_wscale = 0;
	init_send_side(w, t);
	ft_tcp_cc_init(t);
	ft_tcp_send_syn(w, t, true);
	ft_tcp_timers_on_send(w, t);
}

/* Active open completed by the SYN-ACK @p s (already checked). */
static void
syn_sent_to_established(struct ft_worker *w, struct ft_tcb *t, const struct ft_tcp_seg *s)
{
	t->irs = s->seq;
	t->rcv_nxt = t->rcv_adv = s->seq + 1;
	t->snd_una = s->ack;
	t->snd_wnd = s->wnd;
	t->snd_wl1 = s->seq;
	t->snd_wl2 = s->ack;
	ft_tcp_apply_syn_opts(t, s);
	if (!(t->flags & FT_TF_WS_OK))
		t->rcv_wscale = 0;
	ft_tcp_cc_init(t);
	t->state = FT_TCP_ESTABLISHED;
	ft_tcp_handshake_done(t);
	if (t->flags & FT_TF_TS_OK && s->opts.tsecr != 0)
		ft_tcp_rtt_sample_ts(w, t, s->opts.tsecr);
	ft_tcp_timers_on_ack(w, t);
	/* The ACK is owed, not sent here: when the established callback queues data, the
	 * output at the end of input carries it on the first data segment (RFC 9293
	 * §3.10.7.3: "Data or controls that were queued for transmission MAY be included";
	 * Linux does the same when a write is pending). Otherwise it goes alone, at once. */
	t->flags |= FT_TF_ACK_NOW;
	w->stats.tcp_connected++;
	ft_tcp_report_established(w, t);
}

void
ft_tcp_input_syn_sent(struct ft_worker *w, struct ft_tcb *t, const struct ft_tcp_seg *s)
{
	bool ack_ok = (s->flags & FT_TH_ACK) && s->ack == t->snd_max;

	/* §3.10.7.3: an ACK outside (ISS, SND.NXT] gets a RST (unless it is one). */
	if ((s->flags & FT_TH_ACK) && !ack_ok) {
		if (!(s->flags & FT_TH_RST))
			ft_tcp_respond_rst(w, s);
		w->stats.drops[FT_DROP_TCP_BAD_SYNACK]++;
		return;
	}
	if (s->flags & FT_TH_RST) {
		if (ack_ok) {
			w->stats.tcp_rst_rx++;
			ft_tcp_close_finish(w, t, FT_CLOSE_REFUSED);
		}
		return;
	}
	if (!(s->flags & FT_TH_SYN))
		return;
	if (ack_ok) {
		syn_sent_to_established(w, t, s);
		return;
	}
	/* Simultaneous open: SYN without ACK. Answer SYN-ACK from SYN-RCVD. */
	t->irs = s->seq;
	t->rcv_nxt = t->rcv_adv = s->seq + 1;
	t->snd_wnd = s->wnd;
	t->snd_wl1 = s->seq;
	ft_tcp_apply_syn_opts(t, s);
	if (!(t->flags & FT_TF_WS_OK))
		t->rcv_wscale = 0;
	ft_tcp_cc_init(t);
	t->state = FT_TCP_SYN_RCVD;
	w->tcp->syn_rcvd++;
	ft_tcp_send_syn(w, t, true);
}

/* Replies to a connection from port @p p come back to this worker's queue (rss.h). */
static bool
hashes_here(const struct ft_worker *w, const struct ft_iface *ifc, uint32_t dst,
	    uint16_t dport, uint16_t p)
{
	if (ifc->n_queues < 2)
		return true;
	if (ifc->rss_key == NULL)
		return true; /* unpredictable hash: replies may land elsewhere (issue #7) */
	return ft_rss_queue(ifc->rss_key, ifc->reta_size, ifc->n_queues, dst, ifc->ip, dport,
			    p) == w->idx;
}

/*
 * Pick a free ephemeral port for the 4-tuple whose replies hash to this worker: RFC 6056
 * §3.3.4 "double-hash" selection. A keyed hash of (local address, remote address, remote
 * port) gives the destination a starting offset and one of FT_TCP_PORT_TABLE counters; the
 * counter advances on every try. Each destination thus walks the 16384 ports in order on its
 * own: a port comes back to the same destination only after the whole range (so its
 * TIME-WAIT has had range / rate to end), and connections to other destinations do not use
 * up its ports as one shared cursor did. The first try finds a free port unless the
 * destination alone opens more than 16384 connections per TIME-WAIT period.
 */
static int
pick_port(struct ft_worker *w, const struct ft_iface *ifc, uint32_t dst, uint16_t dport,
	  uint16_t *port)
{
	struct ft_tcp_worker *tw = w->tcp;
	uint64_t m[2] = { (uint64_t)ifc->ip << 32 | dst, (uint64_t)dport << 32 | 0x65706865u };
	uint64_t h = ft_siphash(tw->sh->isn_key, m, 2);
	uint16_t *ctr = &tw->port_ctr[(h >> 32) % FT_TCP_PORT_TABLE];
	uint32_t offset = (uint32_t)h;

	for (int i = 0; i < 16384; i++) {
		struct ft_tcp_seg probe = { .daddr = ifc->ip, .saddr = dst, .sport = dport };
		uint16_t p = (uint16_t)(49152 + (offset + (*ctr)++) % 16384);

		probe.dport = p;
		if (ft_tcb_lookup(w, &probe) == NULL && tw->sh->listen_index[p] == 0 &&
		    hashes_here(w, ifc, dst, dport, p)) {
			*port = p;
			return 0;
		}
	}
	return -EADDRNOTAVAIL;
}

struct ft_conn *
ft_tcp_connect(struct ft_worker *w, uint32_t dst_ip, uint16_t dst_port,
	       const struct ft_conn_ops *ops, void *arg)
{
	uint16_t iface, port;
	uint32_t nh;
	struct ft_tcb *t;

	if (w == NULL || w->tcp == NULL || dst_ip == 0 || dst_port == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (ft_ip4_route(w, dst_ip, &iface, &nh) < 0) {
		rte_errno = ENETUNREACH;
		return NULL;
	}
	if (pick_port(w, &w->ifaces[iface], dst_ip, dst_port, &port) < 0) {
		rte_errno = EADDRNOTAVAIL;
		return NULL;
	}
	t = ft_tcb_create(w, w->ifaces[iface].ip, port, dst_ip, dst_port);
	if (t == NULL) {
		rte_errno = ENOBUFS;
		return NULL;
	}
	t->iface = iface;
	t->ops = ops;
	t->arg = arg;
	t->state = FT_TCP_SYN_SENT;
	t->rcv_wscale = OUR_WSCALE;
	t->mss = our_mss(w, iface);
	init_send_side(w, t);
	ft_tcp_send_syn(w, t, false);
	ft_tcp_timers_on_send(w, t);
	return (struct ft_conn *)t;
}
