/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxied pair: zero-copy forwarding between the client connection (FRONT) and the
 * backend connection (BACK), half-close propagation and teardown. Choosing and connecting a
 * backend is balance.c's; accepting is accept.c's.
 *
 * Forwarding: received mbuf chains move from one connection to the other untouched,
 *   ft_conn_recv(src, ft_conn_send_space(dst)) -> ft_conn_send(dst, m),
 * so the proxy never holds more than the other side's send buffer takes. What does not fit
 * stays in src's receive queue and src's receive window closes: backpressure reaches the
 * sender with no buffer here. dst's writable callback (space back above half its buffer)
 * resumes the direction.
 *
 * Half-close (RFC 9293 §3.6): when src's stream ends (FIN, all data read and passed on),
 * ft_conn_shutdown(dst) sends our FIN after the forwarded data; the other direction goes on.
 * When both directions have ended, both connections are closed (the stack still delivers
 * queued data and FINs) and the pair is freed. A reset, timeout or abort on either side resets
 * the other one: a stream that broke in the middle cannot be completed.
 *
 * One libfasttcp detail shapes the closed callback: after our FIN was acknowledged, the peer's
 * FIN moves the connection to TIME-WAIT and the stack reports "closed" at once, possibly with
 * received data still queued (and may report "readable" after it). So a normal close first
 * takes whatever is still queued (held[], owned by the pair) and forwards it like the rest,
 * and the connection is detached (proxy_nop_ops) before anything else.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <fasttcp/ft_tcp.h>

#include "proxy.h"

const struct ft_conn_ops proxy_nop_ops = { 0 };

/*
 * Cut from the front of chain *@p head whole mbufs of at most @p max bytes in all, as
 * ft_conn_recv() does for a receive queue. @return the cut chain (the caller owns it), or NULL
 * when the first mbuf does not fit; *@p head keeps the rest.
 */
static struct rte_mbuf *
chain_take(struct rte_mbuf **head, size_t max)
{
	struct rte_mbuf *h = *head, *last = NULL, *s = h;
	uint32_t len = 0;
	uint16_t segs = 0;

	while (s != NULL && len + s->data_len <= max) {
		len += s->data_len;
		segs++;
		last = s;
		s = s->next;
	}
	if (last == NULL)
		return NULL;
	last->next = NULL;
	if (s != NULL) {
		s->nb_segs = (uint16_t)(h->nb_segs - segs);
		s->pkt_len = h->pkt_len - len;
	}
	h->nb_segs = segs;
	h->pkt_len = len;
	*head = s;
	return h;
}

static void
count_bytes(struct proxy_pair *pp, enum proxy_side from, uint64_t bytes)
{
	struct proxy_lstats *ls = &pp->pw->ls[pp->l->id];
	struct proxy_bstats *bs = &pp->pw->bs[pp->b->id];

	if (from == PROXY_FRONT) {
		ls->bytes_up += bytes;
		bs->bytes_up += bytes;
	} else {
		ls->bytes_down += bytes;
		bs->bytes_down += bytes;
	}
}

/* The next chain of side @p from's stream that fits in @p room (held data first). */
static struct rte_mbuf *
next_chain(struct proxy_pair *pp, enum proxy_side from, size_t room)
{
	if (pp->held[from] != NULL)
		return chain_take(&pp->held[from], room);
	if (pp->conn[from] != NULL)
		return ft_conn_recv(pp->conn[from], room);
	return NULL;
}

/*
 * Forward side @p from's stream to the other side while its send buffer has room; once the
 * stream has ended and everything is passed on, send the FIN (half-close).
 * @return 0, or -EPIPE when the other side can no longer take the stream.
 */
static int
pump(struct proxy_pair *pp, enum proxy_side from)
{
	struct ft_conn *src = pp->conn[from], *dst = pp->conn[!from];
	struct rte_mbuf *m;
	uint64_t bytes = 0;
	int rc = 0;

	if (pp->done[from])
		return 0;
	if (dst == NULL)
		return -EPIPE;
	while ((m = next_chain(pp, from, ft_conn_send_space(dst))) != NULL) {
		uint32_t len = m->pkt_len;

		rc = ft_conn_send(dst, m); /* consumes m */
		m = NULL;
		if (rc < 0)
			break;
		bytes += len;
	}
	count_bytes(pp, from, bytes);
	if (rc < 0)
		return -EPIPE;
	if (pp->held[from] != NULL || (src != NULL && !ft_conn_eof(src)))
		return 0;
	pp->done[from] = true;
	return ft_conn_shutdown(dst) < 0 ? -EPIPE : 0;
}

/* Detach @p c from the pair (no more callbacks), then close it gracefully or reset it. */
static void
release(struct ft_conn *c, bool reset)
{
	ft_conn_set_ops(c, &proxy_nop_ops, NULL);
	if (reset)
		ft_conn_abort(c);
	else
		ft_conn_close(c);
}

static void
pair_free(struct proxy_pair *pp)
{
	struct proxy_worker *pw = pp->pw;

	if (pp->waiting)
		proxy_connect_cancel(pp);
	if (pp->b != NULL)
		pw->bs[pp->b->id].active--;
	pw->ls[pp->l->id].active--;
	rte_pktmbuf_free(pp->held[PROXY_FRONT]);
	rte_pktmbuf_free(pp->held[PROXY_BACK]);
	TAILQ_REMOVE(&pw->pairs, pp, link);
	__atomic_store_n(&pw->n_pairs, pw->n_pairs - 1, __ATOMIC_RELAXED);
	rte_mempool_put(pw->p->pool, pp);
}

/* Both directions ended: close both sides (queued data and FINs still go out). */
static void
finish(struct proxy_pair *pp)
{
	for (int side = PROXY_FRONT; side <= PROXY_BACK; side++)
		if (pp->conn[side] != NULL)
			release(pp->conn[side], false);
	pp->pw->ls[pp->l->id].completed++;
	pair_free(pp);
}

/* The stream broke on side @p side (reset, timeout, or it cannot take data): count it
 * against that side and reset what is left. */
static void
fail(struct proxy_pair *pp, enum proxy_side side)
{
	if (side == PROXY_FRONT) {
		pp->pw->ls[pp->l->id].client_errors++;
	} else {
		pp->pw->ls[pp->l->id].backend_errors++;
		pp->pw->bs[pp->b->id].errors++;
	}
	proxy_pair_abort(pp);
}

/* Move side @p from's stream on. @return false if the pair is gone (finished or failed). */
static bool
relay(struct proxy_pair *pp, enum proxy_side from)
{
	if (!pp->connected)
		return true; /* the client's data waits in its receive queue */
	if (pump(pp, from) < 0) {
		fail(pp, !from);
		return false;
	}
	if (pp->done[PROXY_FRONT] && pp->done[PROXY_BACK]) {
		finish(pp);
		return false;
	}
	return true;
}

/* Side @p side of an open pair is gone (its closed callback). */
static void
side_closed(struct proxy_pair *pp, enum proxy_side side, enum ft_close_reason reason)
{
	struct ft_conn *c = pp->conn[side];

	pp->conn[side] = NULL;
	ft_conn_set_ops(c, &proxy_nop_ops, NULL); /* "readable" may follow in TIME-WAIT */
	if (!pp->connected || reason != FT_CLOSE_NORMAL) {
		fail(pp, side); /* (not connected: the client left while we were connecting) */
		return;
	}
	/* Both directions of c are over; what it received last is still ours to pass on. */
	pp->held[side] = ft_conn_recv(c, SIZE_MAX);
	relay(pp, side);
}

static void
on_front_readable(struct ft_conn *c, void *arg)
{
	relay(arg, PROXY_FRONT);
}

static void
on_front_writable(struct ft_conn *c, void *arg)
{
	relay(arg, PROXY_BACK);
}

static void
on_front_closed(struct ft_conn *c, enum ft_close_reason reason, void *arg)
{
	side_closed(arg, PROXY_FRONT, reason);
}

static void
on_back_established(struct ft_conn *c, void *arg)
{
	struct proxy_pair *pp = arg;

	proxy_connect_succeeded(pp);
	if (pp->l->conf->nodelay)
		ft_conn_set_nodelay(c, 1);
	/* What the client sent meanwhile waits in its receive queue: start both ways. */
	if (relay(pp, PROXY_FRONT))
		relay(pp, PROXY_BACK);
}

static void
on_back_readable(struct ft_conn *c, void *arg)
{
	relay(arg, PROXY_BACK);
}

static void
on_back_writable(struct ft_conn *c, void *arg)
{
	relay(arg, PROXY_FRONT);
}

static void
on_back_closed(struct ft_conn *c, enum ft_close_reason reason, void *arg)
{
	struct proxy_pair *pp = arg;

	if (pp->connected) {
		side_closed(pp, PROXY_BACK, reason);
		return;
	}
	ft_conn_set_ops(c, &proxy_nop_ops, NULL);
	pp->conn[PROXY_BACK] = NULL;
	proxy_connect_failed(pp, ft_conn_worker(c), reason == FT_CLOSE_TIMEOUT);
}

const struct ft_conn_ops proxy_front_ops = {
	.readable = on_front_readable,
	.writable = on_front_writable,
	.closed = on_front_closed,
};

const struct ft_conn_ops proxy_back_ops = {
	.established = on_back_established,
	.readable = on_back_readable,
	.writable = on_back_writable,
	.closed = on_back_closed,
};

struct proxy_pair *
proxy_pair_alloc(struct proxy_worker *pw, struct proxy_listener *l, struct ft_conn *c)
{
	struct proxy_pair *pp;

	if (rte_mempool_get(pw->p->pool, (void **)&pp) < 0)
		return NULL;
	memset(pp, 0, sizeof(*pp));
	pp->conn[PROXY_FRONT] = c;
	pp->l = l;
	pp->pw = pw;
	TAILQ_INSERT_TAIL(&pw->pairs, pp, link);
	__atomic_store_n(&pw->n_pairs, pw->n_pairs + 1, __ATOMIC_RELAXED);
	pw->ls[l->id].accepted++;
	pw->ls[l->id].active++;
	ft_conn_set_ops(c, &proxy_front_ops, pp);
	if (l->conf->nodelay)
		ft_conn_set_nodelay(c, 1);
	return pp;
}

void
proxy_pair_abort(struct proxy_pair *pp)
{
	for (int side = PROXY_FRONT; side <= PROXY_BACK; side++) {
		if (pp->conn[side] != NULL)
			release(pp->conn[side], true);
		pp->conn[side] = NULL;
	}
	pair_free(pp);
}
