/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The public connection API (ft_tcp.h) over the TCB: send and receive buffers, options,
 * addressing, and the listener table (written at setup, read by workers). Calls made from a
 * callback of the same connection only queue work: output runs once when the callback returns
 * (ft_tcp_finish_input); calls from the poll hook send at once.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>

#include "core/worker.h"
#include "tcp/seq.h"
#include "tcp/tcp.h"

int
ft_tcp_listen_add(struct ft_tcp_shared *sh, uint16_t port, const struct ft_conn_ops *ops,
		  void *arg)
{
	if (port == 0 || ops == NULL)
		return -EINVAL;
	if (sh->listen_index[port] != 0)
		return -EEXIST;
	for (unsigned int i = 0; i < FT_TCP_MAX_LISTENERS; i++) {
		if (sh->listeners[i].ops != NULL)
			continue;
		sh->listeners[i] = (struct ft_tcp_listener){ .ops = ops, .arg = arg, .port = port };
		sh->listen_index[port] = (uint8_t)(i + 1);
		return 0;
	}
	return -ENOSPC;
}

void
ft_conn_set_ops(struct ft_conn *c, const struct ft_conn_ops *ops, void *arg)
{
	struct ft_tcb *t = (struct ft_tcb *)c;

	t->ops = ops;
	t->arg = arg;
}

static bool
can_send(const struct ft_tcb *t)
{
	return (t->state == FT_TCP_ESTABLISHED || t->state == FT_TCP_CLOSE_WAIT) &&
	       !(t->flags & (FT_TF_FIN_QUEUED | FT_TF_DEAD));
}

static void
kick(struct ft_tcb *t)
{
	if (!t->busy)
		ft_tcp_output(t->w, t);
}

int
ft_conn_send(struct ft_conn *c, struct rte_mbuf *m)
{
	struct ft_tcb *t = (struct ft_tcb *)c;
	uint32_t len;

	if (m == NULL)
		return -EINVAL;
	if (t == NULL || !can_send(t)) {
		rte_pktmbuf_free(m);
		return -EPIPE;
	}
	len = m->pkt_len;
	if (len > ft_sndbuf_space(&t->sb)) {
		t->flags |= FT_TF_WANT_WRITE;
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	ft_sndbuf_append(&t->sb, m);
	kick(t);
	return (int)len;
}

ssize_t
ft_conn_write(struct ft_conn *c, const void *data, size_t len)
{
	struct ft_tcb *t = (struct ft_tcb *)c;
	size_t n;

	if (t == NULL || !can_send(t))
		return -EPIPE;
	n = ft_sndbuf_write(&t->sb, ft_tcp_mbuf_alloc, t->w, data, len);
	if (n < len)
		t->flags |= FT_TF_WANT_WRITE;
	if (n == 0 && len > 0 && ft_sndbuf_space(&t->sb) > 0)
		return -ENOBUFS;
	kick(t);
	return (ssize_t)n;
}

size_t
ft_conn_send_space(const struct ft_conn *c)
{
	const struct ft_tcb *t = (const struct ft_tcb *)c;

	return can_send(t) ? ft_sndbuf_space(&t->sb) : 0;
}

/* The application freed receive space: advertise it if the window grew enough (SWS rule in
 * ft_tcp_rcv_window()). */
static void
window_opened(struct ft_tcb *t)
{
	uint32_t edge = t->rcv_nxt + ft_tcp_rcv_window(t);

	if (ft_seq_gt(edge, t->rcv_adv) && t->state >= FT_TCP_ESTABLISHED) {
		t->flags |= FT_TF_ACK_NOW;
		kick(t);
	}
}

struct rte_mbuf *
ft_conn_recv(struct ft_conn *c, size_t max)
{
	struct ft_tcb *t = (struct ft_tcb *)c;
	struct rte_mbuf *head = t->rcvq, *last = NULL, *s = t->rcvq;
	uint32_t len = 0;
	uint16_t segs = 0;

	/* Whole segments while they fit (a received segment may itself be a chain: its
	 * continuation segments carry no own pkt_len, so walk data_len). */
	while (s != NULL && len + s->data_len <= max) {
		len += s->data_len;
		segs++;
		last = s;
		s = s->next;
	}
	if (last == NULL)
		return NULL;
	last->next = NULL;
	t->rcvq = s;
	if (s == NULL) {
		t->rcvq_tail = NULL;
	} else {
		s->nb_segs = (uint16_t)(head->nb_segs - segs);
		s->pkt_len = head->pkt_len - len;
	}
	head->nb_segs = segs;
	head->pkt_len = len;
	t->rcvq_len -= len;
	window_opened(t);
	return head;
}

size_t
ft_conn_read(struct ft_conn *c, void *buf, size_t len)
{
	struct ft_tcb *t = (struct ft_tcb *)c;
	size_t done = 0;

	while (t->rcvq != NULL && done < len) {
		struct rte_mbuf *s = t->rcvq;
		uint16_t n = (uint16_t)RTE_MIN((size_t)s->data_len, len - done);

		memcpy((uint8_t *)buf + done, rte_pktmbuf_mtod(s, void *), n);
		done += n;
		t->rcvq_len -= n;
		if (n < s->data_len) {
			s->data_off += n; /* partial: the rest stays first in the queue */
			s->data_len -= n;
			s->pkt_len -= n;
			break;
		}
		t->rcvq = s->next;
		if (t->rcvq != NULL) {
			t->rcvq->nb_segs = (uint16_t)(s->nb_segs - 1);
			t->rcvq->pkt_len = s->pkt_len - n;
		} else {
			t->rcvq_tail = NULL;
		}
		s->next = NULL;
		s->nb_segs = 1;
		rte_pktmbuf_free_seg(s);
	}
	if (done > 0)
		window_opened(t);
	return done;
}

bool
ft_tcp_conn_readable(const struct ft_tcb *t)
{
	return t->rcvq_len > 0 || (t->flags & FT_TF_FIN_RCVD);
}

int
ft_conn_eof(const struct ft_conn *c)
{
	const struct ft_tcb *t = (const struct ft_tcb *)c;

	return (t->flags & FT_TF_FIN_RCVD) && t->rcvq_len == 0;
}

void
ft_conn_set_nodelay(struct ft_conn *c, int nodelay)
{
	struct ft_tcb *t = (struct ft_tcb *)c;

	if (nodelay)
		t->flags |= FT_TF_NODELAY;
	else
		t->flags &= ~FT_TF_NODELAY;
}

int
ft_conn_set_buffers(struct ft_conn *c, uint32_t sndbuf, uint32_t rcvbuf)
{
	struct ft_tcb *t = (struct ft_tcb *)c;

	if (t == NULL || (sndbuf != 0 && (sndbuf < 4096 || sndbuf > (1u << 30))) ||
	    (rcvbuf != 0 && (rcvbuf < 4096 || rcvbuf > (1u << 30))))
		return -EINVAL;
	if (sndbuf != 0) {
		t->sb.limit = sndbuf;
		ft_tcp_rec_sndbuf_changed(t);
	}
	if (rcvbuf != 0) {
		t->rcvq_limit = rcvbuf;
		t->xflags |= FT_XF_RCVBUF_FIXED;
	}
	return 0;
}

int
ft_conn_set_keepalive(struct ft_conn *c, uint32_t idle_s, uint32_t intvl_s, uint32_t count)
{
	struct ft_tcb *t = (struct ft_tcb *)c;

	if (t == NULL || (idle_s != 0 && (intvl_s == 0 || count == 0)) || idle_s > 65535 ||
	    intvl_s > 65535 || count > 255)
		return -EINVAL;
	t->keep_idle_s = (uint16_t)idle_s;
	t->keep_intvl_s = (uint16_t)intvl_s;
	t->keep_cnt = idle_s ? (uint8_t)count : 0;
	t->t_keep = 0;
	ft_tcp_timers_on_rx(t->w, t);
	return 0;
}

void
ft_conn_endpoints(const struct ft_conn *c, uint32_t *lip, uint16_t *lport, uint32_t *rip,
		  uint16_t *rport)
{
	const struct ft_tcb *t = (const struct ft_tcb *)c;

	*lip = t->laddr;
	*lport = t->lport;
	*rip = t->faddr;
	*rport = t->fport;
}

struct ft_worker *
ft_conn_worker(const struct ft_conn *c)
{
	return ((const struct ft_tcb *)c)->w;
}
