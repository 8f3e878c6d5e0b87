/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP input (RFC 9293 §3.10.7 "SEGMENT ARRIVES"): validate before reading (length, data
 * offset, checksum, options, flag combinations), parse once into struct ft_tcp_seg, look up
 * the connection, and dispatch by state: LISTEN and SYN-SENT to handshake.c, the synchronized
 * states to established.c. A segment for no connection is answered with RST (§3.10.7.1).
 * Malformed options are dropped without reply: RFC 9293 §3.1 allows a reset, but answering
 * garbage would let a blind sender reset or probe us.
 */
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "core/worker.h"
#include "net/csum.h"
#include "net/iface.h"
#include "net/ipv4.h"
#include "tcp/seq.h"
#include "tcp/tcp.h"

static bool
flags_valid(uint8_t f)
{
	if ((f & (FT_TH_SYN | FT_TH_FIN)) == (FT_TH_SYN | FT_TH_FIN))
		return false;
	if ((f & (FT_TH_SYN | FT_TH_RST)) == (FT_TH_SYN | FT_TH_RST))
		return false;
	return (f & (FT_TH_SYN | FT_TH_RST | FT_TH_ACK | FT_TH_FIN)) != 0;
}

/* Validate and parse; on success @p m's data offset is at the payload. */
static enum ft_drop_reason
parse(struct ft_worker *w, struct rte_mbuf *m, uint16_t iface, struct ft_tcp_seg *s)
{
	const struct rte_ipv4_hdr *ih = ft_ip4_hdr_of(m);
	const struct rte_tcp_hdr *th;
	uint16_t hlen;

	if (unlikely(m->data_len < sizeof(*th)))
		return FT_DROP_TCP_SHORT;
	th = rte_pktmbuf_mtod(m, const struct rte_tcp_hdr *);
	hlen = (uint16_t)((th->data_off >> 4) * 4);
	if (unlikely(hlen < sizeof(*th) || hlen > m->data_len))
		return FT_DROP_TCP_DOFF;
	if (unlikely(!ft_l4_rx_cksum_ok(w->ifaces[iface].rx_l4_csum, m, ih)))
		return FT_DROP_TCP_CSUM;
	s->flags = th->tcp_flags & 0x3f;
	if (unlikely(!flags_valid(s->flags)))
		return FT_DROP_TCP_FLAGS;
	if (unlikely(ft_tcp_opts_parse((const uint8_t *)(th + 1), hlen - sizeof(*th),
				       s->flags & FT_TH_SYN, &s->opts, NULL) < 0))
		return FT_DROP_TCP_OPTS;
	s->saddr = rte_be_to_cpu_32(ih->src_addr);
	s->daddr = rte_be_to_cpu_32(ih->dst_addr);
	if (unlikely(s->daddr != w->ifaces[iface].ip))
		return FT_DROP_TCP_BCAST;
	s->sport = rte_be_to_cpu_16(th->src_port);
	s->dport = rte_be_to_cpu_16(th->dst_port);
	s->seq = rte_be_to_cpu_32(th->sent_seq);
	s->ack = rte_be_to_cpu_32(th->recv_ack);
	s->wnd = rte_be_to_cpu_16(th->rx_win);
	s->iface = iface;
	rte_pktmbuf_adj(m, hlen);
	s->len = m->pkt_len;
	return FT_DROP_MAX;
}

static void
no_connection(struct ft_worker *w, const struct ft_tcp_seg *s, struct rte_mbuf *m)
{
	const struct ft_tcp_shared *sh = w->tcp->sh;
	uint8_t li = sh->listen_index[s->dport];

	if (li != 0 && (s->flags & (FT_TH_SYN | FT_TH_ACK | FT_TH_RST)) == FT_TH_SYN) {
		rte_pktmbuf_free(m);
		ft_tcp_input_listen(w, &sh->listeners[li - 1], s);
		return;
	}
	if (li != 0 && (s->flags & (FT_TH_SYN | FT_TH_ACK | FT_TH_RST)) == FT_TH_ACK) {
		/* Maybe the ACK of a SYN cookie: if valid it creates the connection. */
		struct ft_tcb *t = ft_tcp_syncookie_accept(w, &sh->listeners[li - 1], s);

		if (t != NULL) {
			if (s->len == 0) {
				rte_pktmbuf_free(m);
				m = NULL;
			}
			ft_tcp_input_sync(w, t, s, m);
			return;
		}
	}
	/* RFC 9293 §3.10.7.1: CLOSED (or LISTEN with a non-SYN): answer with RST unless RST. */
	if (!(s->flags & FT_TH_RST))
		ft_tcp_respond_rst(w, s);
	ft_drop(w, m, FT_DROP_TCP_NO_CONN);
}

/*
 * A SYN for a connection in TIME-WAIT may start a new incarnation when it is provably newer
 * (RFC 6191 §2: a higher timestamp; without timestamps, RFC 1122 §4.2.2.13: a sequence number
 * beyond the old one). The old block goes and the SYN is handled as a new connection.
 */
static bool
time_wait_reuse(struct ft_worker *w, struct ft_tcb *t, const struct ft_tcp_seg *s)
{
	bool newer;

	if (t->state != FT_TCP_TIME_WAIT || (s->flags & (FT_TH_SYN | FT_TH_ACK | FT_TH_RST)) !=
	    FT_TH_SYN || w->tcp->sh->listen_index[s->dport] == 0)
		return false;
	if ((t->flags & FT_TF_TS_OK) && s->opts.has_ts)
		newer = ft_seq_gt(s->opts.tsval, t->ts_recent);
	else
		newer = ft_seq_gt(s->seq, t->rcv_nxt);
	if (!newer)
		return false;
	w->stats.tcp_time_wait_reused++;
	ft_tcb_destroy(w, t);
	return true;
}

void
ft_tcp_input(struct ft_worker *w, struct rte_mbuf *m, uint16_t iface)
{
	struct ft_tcp_seg s;
	struct ft_tcb *t;
	enum ft_drop_reason r;

	w->stats.tcp_segs_rx++;
	r = parse(w, m, iface, &s);
	if (unlikely(r != FT_DROP_MAX)) {
		ft_drop(w, m, r);
		return;
	}
	t = ft_tcb_lookup(w, &s);
	if (t != NULL && time_wait_reuse(w, t, &s))
		t = NULL;
	if (t == NULL) {
		no_connection(w, &s, m);
		return;
	}
	if (t->state == FT_TCP_SYN_SENT) {
		rte_pktmbuf_free(m);
		ft_tcp_input_syn_sent(w, t, &s);
		ft_tcp_defer_finish(w, t);
		return;
	}
	if (s.len == 0) {
		rte_pktmbuf_free(m);
		m = NULL;
	}
	ft_tcp_input_sync(w, t, &s, m);
}
