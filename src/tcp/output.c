/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment output (RFC 9293 §3.8, §3.10.7): every segment is a freshly allocated header mbuf
 * holding the TCP header and options, chained to indirect mbufs that reference the payload in
 * the send buffer (sndbuf.c): nothing is copied and nothing writes an mbuf the device may
 * still hold (STYLE.md §9.6). IPv4 adds its header in the header mbuf's headroom.
 * The send loop applies, per segment: the usable window min(cwnd, snd_wnd) - flight, Nagle
 * (RFC 896, RFC 9293 §3.7.4: hold a short segment while data is unacknowledged, unless
 * nodelay) and sender-side SWS avoidance (§3.8.6.2.1). FIN follows the last byte.
 * TSO: on an interface with segmentation offload (net/iface.h) new data goes as super-segments
 * of whole MSS pieces, up to 64 KB, each recorded as one sendmap entry (a transmission, as
 * RACK's rsm); the device cuts them, or the virtual wire hands them to the peer whole.
 * Retransmissions, probes and everything but new data stay one MSS each.
 * A short payload (at most FT_TCP_COPY_MAX bytes: requests, responses, probes) is copied into
 * the header mbuf instead: one mbuf and no reference count to take and drop, and a one-segment
 * packet, which devices checksum more readily.
 */
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_prefetch.h>
#include <rte_tcp.h>

#include "core/mbuf.h"
#include "core/worker.h"
#include "net/iface.h"
#include "net/ipv4.h"
#include "tcp/evlog.h"
#include "tcp/seq.h"
#include "tcp/tcp.h"

/* Wake-up after a send stopped at the burst limit: about one wheel slot. */
#define FT_TCP_PACE_US 20

/* Payloads up to this size are copied behind the header (see above). */
#define FT_TCP_COPY_MAX 512

/* Largest TSO payload: the IPv4 total length is 16 bits, the TCP header at most 60 bytes. */
#define FT_TSO_MAX_PAYLOAD (UINT16_MAX - sizeof(struct rte_ipv4_hdr) - 60)

struct seg_desc {
	uint32_t seq;
	uint8_t flags;
	bool syn_opts;
	uint16_t segsz;   /* payload longer than this: a TSO super-segment of such pieces */
	uint32_t copy_off; /* copy_len bytes from this send buffer offset behind the header */
	uint32_t copy_len;
};

static uint16_t
build_options(struct ft_worker *w, const struct ft_tcb *t, bool syn, uint8_t *p)
{
	struct ft_tcp_opts o = { 0 };

	o.has_ts = syn ? true : (t->flags & FT_TF_TS_OK) != 0;
	if (syn) {
		/* SYN offers everything; SYN-ACK only what the peer offered (RFC 7323 §2.2). */
		bool synack = t->state == FT_TCP_SYN_RCVD;

		o.mss = (uint16_t)(w->ifaces[t->iface].mtu - 40);
		o.sack_ok = !synack || (t->flags & FT_TF_SACK_OK);
		o.has_ts = !synack || (t->flags & FT_TF_TS_OK);
		o.has_wscale = !synack || (t->flags & FT_TF_WS_OK);
		o.wscale = t->rcv_wscale;
	}
	o.tsval = ft_tcp_ts_now(w);
	o.tsecr = t->ts_recent;
	if (!syn && (t->flags & FT_TF_SACK_OK))
		o.n_sack = ft_tcp_sack_blocks(t, o.sack, FT_TCP_MAX_SACK);
	return syn ? ft_tcp_opts_build_syn(p, &o) : ft_tcp_opts_build(p, &o);
}

/*
 * A header mbuf, from a small per-worker stash allocated in bulk, with the next but one
 * prefetched (both lines of struct rte_mbuf, the first line of its buffer, where the send
 * buffer copies small writes, and the lines around the end of the headroom that the
 * Ethernet, IPv4 and TCP headers fill).
 * Between two stacks in one process every mbuf comes back from the other lcore, which freed
 * it, so a single allocation misses in the very next writes; a bulk allocation overlaps those
 * misses, and the prefetch hides the headroom's. Measured with fasttcp-bench crr/rr.
 */
static struct rte_mbuf *
hdr_alloc(struct ft_worker *w)
{
	struct ft_tcp_worker *tw = w->tcp;
	struct rte_mbuf *next;

	if (tw->n_hdr == 0) {
		/* Raw objects (a pktmbuf pool keeps them with refcnt 1 and no chain), reset when
		 * taken: by then the prefetch brought both lines of each in. */
		if (rte_mempool_get_bulk(w->pool, (void **)tw->hdr, FT_TCP_HDR_STASH) != 0)
			return rte_pktmbuf_alloc(w->pool);
		tw->n_hdr = FT_TCP_HDR_STASH;
		for (uint32_t i = 0; i < FT_TCP_HDR_STASH; i++) {
			rte_prefetch0(tw->hdr[i]);
			rte_prefetch0(&tw->hdr[i]->next); /* the second line of struct rte_mbuf */
		}
	}
	if (tw->n_hdr > 2) {
		next = tw->hdr[tw->n_hdr - 3];
		rte_prefetch0(next->buf_addr); /* where ft_sndbuf_write() copies to */
		rte_prefetch0((uint8_t *)next->buf_addr + RTE_PKTMBUF_HEADROOM - 64);
		rte_prefetch0((uint8_t *)next->buf_addr + RTE_PKTMBUF_HEADROOM);
	}
	next = tw->hdr[--tw->n_hdr];
	rte_pktmbuf_reset(next);
	return next;
}

struct rte_mbuf *
ft_tcp_mbuf_alloc(void *worker)
{
	return hdr_alloc(worker);
}

/*
 * Build and send one segment: header for @p d, then @p payload (a chain, or NULL). Consumes
 * @p payload. @return 0 or a negative errno (counted).
 */
static int
xmit(struct ft_worker *w, struct ft_tcb *t, const struct seg_desc *d, struct rte_mbuf *payload)
{
	struct rte_mbuf *h = hdr_alloc(w);
	uint8_t opts[FT_TCP_OPTS_MAX];
	uint16_t olen = build_options(w, t, d->syn_opts, opts);
	struct rte_tcp_hdr *th;
	uint32_t wnd = ft_tcp_rcv_window(t);
	int rc;

	if (h == NULL) {
		rte_pktmbuf_free(payload);
		w->stats.drops[FT_DROP_NO_MBUF]++;
		return -ENOBUFS;
	}
	th = (struct rte_tcp_hdr *)rte_pktmbuf_append(h, sizeof(*th) + olen);
	th->src_port = rte_cpu_to_be_16(t->lport);
	th->dst_port = rte_cpu_to_be_16(t->fport);
	th->sent_seq = rte_cpu_to_be_32(d->seq);
	th->recv_ack = rte_cpu_to_be_32((d->flags & FT_TH_ACK) ? t->rcv_nxt : 0);
	th->data_off = (uint8_t)(((sizeof(*th) + olen) / 4) << 4);
	th->tcp_flags = d->flags;
	/* RFC 7323 §2.2: the window in a SYN is never scaled. */
	th->rx_win = rte_cpu_to_be_16((uint16_t)RTE_MIN(d->flags & FT_TH_SYN ? wnd :
					wnd >> t->rcv_wscale, 65535u));
	th->cksum = 0;
	th->tcp_urp = 0;
	memcpy(th + 1, opts, olen);
	if (d->copy_len != 0) {
		uint8_t *data = (uint8_t *)rte_pktmbuf_append(h, (uint16_t)d->copy_len);

		if (unlikely(data == NULL)) {
			rte_pktmbuf_free(h);
			w->stats.drops[FT_DROP_NO_MBUF]++;
			return -ENOBUFS;
		}
		ft_sndbuf_copy(&t->sb, d->copy_off, d->copy_len, data);
	}
	if (payload != NULL) {
		rte_pktmbuf_lastseg(h)->next = payload;
		h->nb_segs += payload->nb_segs;
		h->pkt_len += payload->pkt_len;
	}
	h->l4_len = (uint8_t)(sizeof(*th) + olen);
	if (d->segsz != 0 && payload != NULL && payload->pkt_len > d->segsz) {
		w->stats.tcp_tso_tx++;
		w->stats.tcp_segs_tx += (payload->pkt_len + d->segsz - 1) / d->segsz;
	} else {
		w->stats.tcp_segs_tx++;
	}
	rc = ft_ip4_output(w, h, &(struct ft_ip4_out){ .src = t->laddr, .dst = t->faddr,
			   .proto = IPPROTO_TCP, .df = true, .tso_segsz = d->segsz,
			   .l4_csum_off = offsetof(struct rte_tcp_hdr, cksum) });
	/* Only an ACK that left tells the peer anything: otherwise it is still owed. */
	if (rc == 0 && (d->flags & FT_TH_ACK)) {
		t->rcv_adv = t->rcv_nxt + wnd;
		t->segs_unacked = 0;
		t->flags &= ~(FT_TF_ACK_NOW | FT_TF_DELACK);
		t->dsack_start = t->dsack_end = 0; /* a D-SACK block is reported once */
	}
	return rc;
}

/* Payload bytes that fit in one segment with the options it will carry now (SACK blocks
 * take room beyond the timestamps that t->mss already allows for). */
uint32_t
ft_tcp_seg_cap(struct ft_worker *w, const struct ft_tcb *t)
{
	uint8_t opts[FT_TCP_OPTS_MAX];
	uint16_t olen = build_options(w, t, false, opts);
	uint16_t ts = (t->flags & FT_TF_TS_OK) ? 12 : 0;

	return olen > ts ? (uint32_t)t->mss - (olen - ts) : t->mss;
}

void
ft_tcp_send_syn(struct ft_worker *w, struct ft_tcb *t, bool ack)
{
	struct seg_desc d = { .seq = t->iss, .flags = FT_TH_SYN | (ack ? FT_TH_ACK : 0),
			      .syn_opts = true };

	xmit(w, t, &d, NULL);
}

void
ft_tcp_send_ack(struct ft_worker *w, struct ft_tcb *t)
{
	struct seg_desc d = { .seq = t->snd_nxt, .flags = FT_TH_ACK };

	xmit(w, t, &d, NULL);
}

void
ft_tcp_send_rst(struct ft_worker *w, struct ft_tcb *t)
{
	struct seg_desc d = { .seq = t->snd_nxt, .flags = FT_TH_RST | FT_TH_ACK };

	w->stats.tcp_rst_tx++;
	xmit(w, t, &d, NULL);
}

/* ft_tcp_send_seg(); @p segsz != 0 (and @p len above it): a TSO super-segment. */
static int
send_seg(struct ft_worker *w, struct ft_tcb *t, uint32_t seq, uint32_t len, bool fin,
	 uint16_t why, uint16_t segsz)
{
	struct seg_desc d = { .seq = seq, .flags = FT_TH_ACK, .segsz = segsz };
	struct rte_mbuf *p = NULL;

	if (len > 0 && len <= FT_TCP_COPY_MAX) {
		d.copy_off = seq - t->snd_una;
		d.copy_len = len;
	} else if (len > 0) {
		p = ft_sndbuf_clone(&t->sb, w->pool, seq - t->snd_una, len);
		if (p == NULL) {
			w->stats.drops[FT_DROP_NO_MBUF]++;
			return -ENOBUFS;
		}
	}
	if (len > 0 && seq - t->snd_una + len == t->sb.len)
		d.flags |= FT_TH_PSH;
	if (fin)
		d.flags |= FT_TH_FIN;
	if (ft_seq_lt(seq, t->snd_max)) {
		w->stats.tcp_rexmt_bytes += len;
		w->stats.tcp_rexmt_segs++;
	}
	w->stats.tcp_bytes_tx += len;
	ft_evlog_send(t, w->now, seq, len + fin, d.flags | why);
	return xmit(w, t, &d, p);
}

int
ft_tcp_send_seg(struct ft_worker *w, struct ft_tcb *t, uint32_t seq, uint32_t len, bool fin,
		uint16_t why)
{
	return send_seg(w, t, seq, len, fin, why, 0);
}

void
ft_tcp_send_keepalive(struct ft_worker *w, struct ft_tcb *t)
{
	/* SEG.SEQ = SND.NXT - 1, no data (RFC 1122 §4.2.3.6): the peer must answer with an ACK. */
	struct seg_desc d = { .seq = t->snd_nxt - 1, .flags = FT_TH_ACK };

	xmit(w, t, &d, NULL);
}

void
ft_tcp_send_probe(struct ft_worker *w, struct ft_tcb *t)
{
	/* One byte at snd_una: the first probe puts it in flight, later ones repeat it. */
	if (t->sb.len == 0)
		return;
	if (t->snd_max == t->snd_una &&
	    ft_sm_on_send(&t->sm, t->snd_una, t->snd_una + 1, ft_tcp_now_us(w), 0) < 0)
		return;
	ft_tcp_send_seg(w, t, t->snd_una, 1, false, FT_EVLOG_SEND_PROBE);
	if (t->snd_max == t->snd_una)
		t->snd_nxt = t->snd_max = t->snd_una + 1;
}

/* How many new bytes may go now at snd_max (0: none), at most @p tso_cap (a multiple of the
 * segment size @p cap; equal to it without TSO): the congestion window against the bytes in
 * flight (RFC 6675 pipe, so SACKed and lost data do not count), the peer's window against
 * everything outstanding. Sets *fin when the FIN may go too. */
static uint32_t
sendable(const struct ft_tcb *t, uint32_t cap, uint32_t tso_cap, bool *fin)
{
	uint32_t off = t->snd_max - t->snd_una;
	uint32_t avail = off < t->sb.len ? t->sb.len - off : 0;
	uint32_t pipe = ft_tcp_rec_flight(t);
	uint32_t len = RTE_MIN(avail, t->cc.cwnd > pipe ? t->cc.cwnd - pipe : 0);

	len = RTE_MIN(len, t->snd_wnd > off ? t->snd_wnd - off : 0);
	len = RTE_MIN(len, tso_cap);
	*fin = (t->flags & (FT_TF_FIN_QUEUED | FT_TF_FIN_SENT)) == FT_TF_FIN_QUEUED &&
	       len == avail;
	if (len > cap) {
		/* A super-segment: whole segments only, unless these are the last bytes and
		 * Nagle would not hold the short one anyway (FIN, nodelay). The short tail goes
		 * through the checks below on the next pass, as without TSO. */
		if (len % cap != 0 && !(len == avail && (*fin || (t->flags & FT_TF_NODELAY)))) {
			len -= len % cap;
			*fin = false;
		}
		return len;
	}
	if (len == 0 || len == cap || len == avail)
		; /* full segment, or the last bytes: Nagle decides below */
	else if (len < t->max_snd_wnd / 2)
		return 0; /* SWS avoidance: wait for a bigger window */
	/* Nagle: a short segment waits while anything is unacknowledged. */
	if (len < cap && off > 0 && !(t->flags & FT_TF_NODELAY) && !*fin)
		return 0;
	return len;
}

/* Send new data [snd_max, snd_max + len) (+ FIN) and record it in the sendmap.
 * @return 0, or -ENOSPC when the sendmap is full (nothing sent). */
static int
send_new_seg(struct ft_worker *w, struct ft_tcb *t, uint32_t len, bool fin, uint16_t sm_flags,
	     uint16_t segsz)
{
	uint32_t seq = t->snd_max;

	if (ft_sm_on_send(&t->sm, seq, seq + len + fin, ft_tcp_now_us(w),
			  sm_flags | (fin ? FT_SM_HAS_FIN : 0)) < 0) {
		w->stats.tcp_sendmap_full++;
		return -ENOSPC;
	}
	/* A failed transmission (no mbuf) is recorded anyway: RACK or the RTO repairs it. */
	send_seg(w, t, seq, len, fin, (sm_flags & FT_SM_TLP) ? FT_EVLOG_SEND_TLP : 0, segsz);
	if (t->cc.in_recovery) /* RFC 9937: prr_out counts new data too */
		ft_prr_on_sent(&t->prr, len + fin);
	if (!(t->flags & FT_TF_RTT_TIMING) && !(t->flags & FT_TF_TS_OK) && len > 0) {
		t->flags |= FT_TF_RTT_TIMING;
		t->rtt_seq = seq;
		t->rtt_at = w->now;
	}
	t->snd_nxt = t->snd_max = seq + len + fin;
	if (fin)
		t->flags |= FT_TF_FIN_SENT;
	return 0;
}

int
ft_tcp_send_new(struct ft_worker *w, struct ft_tcb *t, uint32_t cap, uint16_t sm_flags)
{
	uint32_t off = t->snd_max - t->snd_una;
	uint32_t avail = off < t->sb.len ? t->sb.len - off : 0;
	uint32_t len = RTE_MIN(avail, cap);

	len = RTE_MIN(len, t->snd_wnd > off ? t->snd_wnd - off : 0);

	if (len == 0 || (t->flags & FT_TF_FIN_SENT) || send_new_seg(w, t, len, false, sm_flags, 0))
		return 0;
	return (int)len;
}

/* The most new data one transmission may carry: whole segments up to 64 KB on a TSO
 * interface, else one segment of @p cap. */
static uint32_t
tso_cap(const struct ft_worker *w, const struct ft_tcb *t, uint32_t cap)
{
	if (w->ifaces[t->iface].tso == FT_TSO_OFF)
		return cap;
	return (uint32_t)(FT_TSO_MAX_PAYLOAD / cap * cap);
}

void
ft_tcp_output(struct ft_worker *w, struct ft_tcb *t)
{
	int budget = w->tcp->sh->max_burst;
	bool fin, sent = false;
	uint32_t len, cap, tcap;

	if (t->state < FT_TCP_ESTABLISHED || t->state == FT_TCP_TIME_WAIT)
		goto ack;
	cap = ft_tcp_seg_cap(w, t);
	tcap = tso_cap(w, t, cap);
	sent = ft_tcp_rec_output(w, t, cap, &budget) > 0;
	for (; budget > 0; budget--) {
		len = sendable(t, cap, tcap, &fin);
		if ((len == 0 && !fin) ||
		    send_new_seg(w, t, len, fin, 0, len > cap ? (uint16_t)cap : 0) < 0)
			break;
		sent = true;
		if (fin)
			break;
	}
	if (budget == 0) /* burst limit: the rest goes from the wheel (tcp-design.md §4.1) */
		ft_tcp_timers_on_pace(w, t, FT_TCP_PACE_US);
	if (sent)
		ft_tcp_timers_on_send(w, t);
	else if (t->snd_wnd == 0 && t->sb.len > t->snd_max - t->snd_una)
		ft_tcp_timers_on_zero_window(w, t);
ack:
	if (!sent && (t->flags & FT_TF_ACK_NOW))
		ft_tcp_send_ack(w, t);
}

void
ft_tcp_respond_rst(struct ft_worker *w, const struct ft_tcp_seg *s)
{
	/* RFC 9293 §3.10.7.1: <SEQ=SEG.ACK><CTL=RST> if ACK, else <SEQ=0><ACK=SEG.SEQ+SEG.LEN>
	 * <CTL=RST,ACK>. A stand-in block carries the addressing; nothing is stored. */
	struct ft_tcb tmp = { .laddr = s->daddr, .faddr = s->saddr, .lport = s->dport,
			      .fport = s->sport, .iface = s->iface, .w = w };
	struct seg_desc d;

	if (s->flags & FT_TH_ACK) {
		d = (struct seg_desc){ .seq = s->ack, .flags = FT_TH_RST };
	} else {
		tmp.rcv_nxt = s->seq + s->len + !!(s->flags & FT_TH_SYN) + !!(s->flags & FT_TH_FIN);
		d = (struct seg_desc){ .seq = 0, .flags = FT_TH_RST | FT_TH_ACK };
	}
	w->stats.tcp_rst_tx++;
	xmit(w, &tmp, &d, NULL);
}
