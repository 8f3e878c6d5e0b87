/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Receive side: the in-order receive queue (one mbuf chain the application takes whole or
 * reads from), a bounded out-of-order queue, the advertised window, SACK blocks and the ACK
 * policy.
 * - Out-of-order segments (RFC 9293 §3.10.7.4 "seventh"; RFC 5681 §4.2: ACK at once) are kept
 *   sorted by sequence in a small array taken from the worker's pool on first use (a full pool
 *   drops the segment as tcp_ooo_full: the sender repairs it); overlaps
 *   are trimmed so entries never overlap; when full, the new segment is dropped (counted).
 * - SACK blocks (RFC 2018 §4): the block holding the most recent segment first, then the rest;
 *   a D-SACK block (RFC 2883) goes before them in the next ACK.
 * - Window: buffer minus what is queued, never shrinking the right edge already advertised
 *   (RFC 9293 §3.8.6.2.1), opened only by at least min(buffer/2, MSS) (receiver-side SWS
 *   avoidance, §3.8.6.2.2).
 * - The buffer grows by autotuning (autotune.h) unless the application fixed its size.
 * - Delayed ACK (RFC 9293 §3.8.6.3, RFC 5681 §4.2): every second full segment, else after
 *   the delayed-ACK timer; at once when out-of-order data arrives or a hole is filled.
 */
#include <stdio.h>
#include <string.h>

#include <rte_random.h>

#include <rte_mempool.h>

#include "core/clock.h"
#include "core/mbuf.h"
#include "core/worker.h"
#include "tcp/seq.h"
#include "tcp/tcp.h"

#define OOO_MAX 32
#define OOO_POOL_MAX 4096 /* connections with out-of-order data at once, per worker */

struct ft_tcp_ooo {
	uint32_t last_seq; /* start of the most recently received segment (SACK order) */
	uint16_t n;
	struct {
		uint32_t seq, len;
		struct rte_mbuf *m, *tail; /* a chain: contiguous segments are merged */
	} e[OOO_MAX];
};

struct rte_mempool *
ft_tcp_ooo_pool_create(unsigned int worker, uint32_t max_conns, int socket)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	uint32_t n = RTE_MIN(max_conns, (uint32_t)OOO_POOL_MAX);

	snprintf(name, sizeof(name), "ft_ooo%u_%u", worker, (unsigned int)rte_rand());
	return rte_mempool_create(name, RTE_MAX(n, 64u), sizeof(struct ft_tcp_ooo), 32, 0, NULL,
				  NULL, NULL, NULL, socket, 0);
}

void
ft_tcp_ooo_free(struct ft_worker *w, struct ft_tcb *t)
{
	if (t->ooo == NULL)
		return;
	for (uint16_t i = 0; i < t->ooo->n; i++)
		rte_pktmbuf_free(t->ooo->e[i].m);
	rte_mempool_put(w->tcp->ooo_pool, t->ooo);
	t->ooo = NULL;
	t->ooo_n = 0;
}

static uint32_t
ooo_bytes(const struct ft_tcb *t)
{
	uint32_t n = 0;

	for (uint16_t i = 0; t->ooo != NULL && i < t->ooo->n; i++)
		n += t->ooo->e[i].len;
	return n;
}

uint32_t
ft_tcp_rcv_window(const struct ft_tcb *t)
{
	uint32_t used = t->rcvq_len + ooo_bytes(t);
	uint32_t avail = used < t->rcvq_limit ? t->rcvq_limit - used : 0;
	uint32_t max = 65535u << t->rcv_wscale;
	uint32_t adv = ft_seq_gt(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;

	avail = RTE_MIN(avail, max);
	/* Never pull back the right edge; open only by a worthwhile amount (SWS). */
	if (avail < adv)
		return adv;
	if (avail - adv < RTE_MIN(t->rcvq_limit / 2, (uint32_t)t->mss) && adv > 0)
		return adv;
	return avail;
}

static void
rcvq_append(struct ft_worker *w, struct ft_tcb *t, struct rte_mbuf *m)
{
	uint32_t len = m->pkt_len;

	if (t->rcvq == NULL) {
		t->rcvq = m;
	} else {
		t->rcvq_tail->next = m;
		t->rcvq->nb_segs += m->nb_segs;
		t->rcvq->pkt_len += len;
	}
	t->rcvq_tail = rte_pktmbuf_lastseg(m);
	t->rcvq_len += len;
	t->rcv_nxt += len;
	w->stats.tcp_bytes_rx += len;
	t->events |= FT_EV_READABLE;
}

/* Move OOO entries that became contiguous to the receive queue. @return true if any. */
static bool
ooo_pull(struct ft_worker *w, struct ft_tcb *t)
{
	struct ft_tcp_ooo *o = t->ooo;
	uint16_t k = 0;

	while (o != NULL && k < o->n && ft_seq_leq(o->e[k].seq, t->rcv_nxt)) {
		uint32_t skip = t->rcv_nxt - o->e[k].seq;

		if (skip >= o->e[k].len) {
			rte_pktmbuf_free(o->e[k].m);
		} else {
			ft_mbuf_adj(o->e[k].m, skip);
			rcvq_append(w, t, o->e[k].m);
		}
		k++;
	}
	if (k == 0)
		return false;
	memmove(&o->e[0], &o->e[k], (o->n - k) * sizeof(o->e[0]));
	o->n -= k;
	t->ooo_n = o->n;
	return true;
}

/* Join entry i + 1 to entry i when they are contiguous: the queue then holds one entry per
 * hole, not per segment, so a loss with a large window in flight does not overflow it. */
static void
ooo_merge(struct ft_tcp_ooo *o, uint16_t i)
{
	struct rte_mbuf *a, *b;

	if (i + 1 >= o->n || o->e[i].seq + o->e[i].len != o->e[i + 1].seq)
		return;
	a = o->e[i].m;
	b = o->e[i + 1].m;
	if ((uint32_t)a->nb_segs + b->nb_segs > RTE_MBUF_MAX_NB_SEGS)
		return;
	o->e[i].tail->next = b;
	a->nb_segs += b->nb_segs;
	a->pkt_len += b->pkt_len;
	o->e[i].tail = o->e[i + 1].tail;
	o->e[i].len += o->e[i + 1].len;
	memmove(&o->e[i + 1], &o->e[i + 2], (o->n - i - 2) * sizeof(o->e[0]));
	o->n--;
}

/* Insert [seq, seq+len) trimmed against its neighbours. Consumes @p m. */
static void
ooo_insert(struct ft_worker *w, struct ft_tcb *t, uint32_t seq, struct rte_mbuf *m)
{
	struct ft_tcp_ooo *o = t->ooo;
	uint32_t len = m->pkt_len;
	uint16_t i = 0;

	if (o == NULL) {
		/* From the worker's pool sized at setup: no allocation on the data path. */
		if (rte_mempool_get(w->tcp->ooo_pool, (void **)&o) < 0) {
			ft_drop(w, m, FT_DROP_TCP_OOO_FULL);
			return;
		}
		o->n = 0;
		t->ooo = o;
	}
	while (i < o->n && ft_seq_lt(o->e[i].seq, seq))
		i++;
	/* Trim the front against the previous entry, the back against the next. */
	if (i > 0 && ft_seq_gt(o->e[i - 1].seq + o->e[i - 1].len, seq)) {
		uint32_t cut = o->e[i - 1].seq + o->e[i - 1].len - seq;

		if (cut >= len) {
			ft_drop(w, m, FT_DROP_TCP_DUP);
			return;
		}
		ft_mbuf_adj(m, cut);
		seq += cut;
		len -= cut;
	}
	while (i < o->n && ft_seq_leq(o->e[i].seq + o->e[i].len, seq + len)) {
		/* The new segment covers entry i entirely: replace it. */
		rte_pktmbuf_free(o->e[i].m);
		memmove(&o->e[i], &o->e[i + 1], (o->n - i - 1) * sizeof(o->e[0]));
		o->n--;
	}
	if (i < o->n && ft_seq_gt(seq + len, o->e[i].seq)) {
		ft_mbuf_trim(m, seq + len - o->e[i].seq);
		len = o->e[i].seq - seq;
	}
	if (o->n == OOO_MAX) {
		ft_drop(w, m, FT_DROP_TCP_OOO_FULL);
		return;
	}
	memmove(&o->e[i + 1], &o->e[i], (o->n - i) * sizeof(o->e[0]));
	o->e[i].seq = seq;
	o->e[i].len = len;
	o->e[i].m = m;
	o->e[i].tail = rte_pktmbuf_lastseg(m);
	o->n++;
	o->last_seq = seq;
	ooo_merge(o, i);
	if (i > 0)
		ooo_merge(o, (uint16_t)(i - 1));
	t->ooo_n = o->n;
	w->stats.tcp_ooo_segs++;
}

void
ft_tcp_rcv_data(struct ft_worker *w, struct ft_tcb *t, uint32_t seq, struct rte_mbuf *m)
{
	uint32_t wnd_end = t->rcv_nxt + ft_tcp_rcv_window(t);
	uint32_t len = m->pkt_len;

	/* Trim what lies before RCV.NXT (old) and beyond the window. */
	if (ft_seq_lt(seq, t->rcv_nxt)) {
		uint32_t old = t->rcv_nxt - seq;

		t->dsack_start = seq; /* RFC 2883 §4 case 2: partly duplicate */
		t->dsack_end = t->rcv_nxt;
		ft_mbuf_adj(m, old);
		seq = t->rcv_nxt;
		len -= old;
		t->flags |= FT_TF_ACK_NOW;
	}
	if (ft_seq_gt(seq + len, wnd_end)) {
		ft_mbuf_trim(m, seq + len - wnd_end);
		len = wnd_end - seq;
	}
	if (len == 0) {
		rte_pktmbuf_free(m);
		return;
	}
	if (seq != t->rcv_nxt) {
		ooo_insert(w, t, seq, m);
		t->flags |= FT_TF_ACK_NOW; /* RFC 5681 §4.2: immediate duplicate ACK */
		return;
	}
	rcvq_append(w, t, m);
	if (!(t->xflags & FT_XF_RCVBUF_FIXED))
		t->rcvq_limit = ft_tcp_autotune(&t->autotune, t->rcv_nxt,
						ft_clock_tsc_to_us(w->now),
						t->rtt.srtt_us ? t->rtt.srtt_us : 10000,
						t->rcvq_limit, w->tcp->sh->rcvbuf_max);
	t->flags |= FT_TF_DELACK;
	if (ooo_pull(w, t))
		t->flags |= FT_TF_ACK_NOW; /* a hole was filled */
	/* RFC 5681 §4.2: an ACK for at least every second full-sized segment. A super-segment
	 * from a TSO sender on a virtual wire (LRO/GRO-like, net/iface.h) counts as the segments
	 * it holds, as Linux counts GRO segments. */
	if (len >= t->mss)
		t->segs_unacked = (uint16_t)RTE_MIN(t->segs_unacked + len / t->mss, 0xffffu);
	if (t->segs_unacked >= 2)
		t->flags |= FT_TF_ACK_NOW;
	else
		ft_tcp_timers_on_delack(w, t);
}

uint8_t
ft_tcp_sack_blocks(const struct ft_tcb *t, struct ft_tcp_sack_block *b, uint8_t max)
{
	const struct ft_tcp_ooo *o = t->ooo;
	uint8_t n = 0, first = 0;

	if (t->dsack_end != t->dsack_start && n < max) {
		b[n].start = t->dsack_start;
		b[n++].end = t->dsack_end;
		first = n;
	}
	for (uint16_t i = 0; o != NULL && i < o->n && n < max; i++) {
		uint32_t start = o->e[i].seq, end = start + o->e[i].len;

		while (i + 1 < o->n && o->e[i + 1].seq == end)
			end += o->e[++i].len;
		b[n].start = start;
		b[n].end = end;
		/* The block with the most recent segment goes first (RFC 2018 §4). */
		if (ft_seq_in(o->last_seq, start, end) && n > first) {
			struct ft_tcp_sack_block tmp = b[first];

			b[first] = b[n];
			b[n] = tmp;
		}
		n++;
	}
	return n;
}
