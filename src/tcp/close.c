/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Closing (RFC 9293 §3.6, §3.10.4): the application's shutdown and close, TIME-WAIT, and the
 * single place where a connection ends (ft_tcp_close_finish): it frees the block, or defers
 * the free while a callback of this connection is running (t->busy). The application hears
 * "closed" exactly once (ft_tcp_report_closed), also after its own ft_conn_close(); once it
 * closed, it gets no readable or writable events.
 */
#include "core/worker.h"
#include "tcp/seq.h"
#include "tcp/tcp.h"

void
ft_tcp_report_closed(struct ft_tcb *t, enum ft_close_reason r)
{
	/* Once, to an application that knew the connection: reported opens and its own. */
	bool knew = (t->flags & FT_TF_REPORTED) || !(t->flags & FT_TF_PASSIVE);

	if ((t->xflags & FT_XF_CLOSED_TOLD) || !knew)
		return;
	t->xflags |= FT_XF_CLOSED_TOLD;
	t->flags |= FT_TF_APP_CLOSED;
	if (t->ops != NULL && t->ops->closed != NULL) {
		t->busy++;
		t->ops->closed((struct ft_conn *)t, r, t->arg);
		t->busy--;
	}
}

void
ft_tcp_close_finish(struct ft_worker *w, struct ft_tcb *t, enum ft_close_reason r)
{
	if (t->flags & FT_TF_DEAD)
		return;
	t->flags |= FT_TF_DEAD;
	w->stats.tcp_closed++;
	ft_tcp_timers_stop(w, t);
	ft_tcp_report_closed(t, r);
	if (t->busy == 0)
		ft_tcb_destroy(w, t);
}

void
ft_tcp_enter_time_wait(struct ft_worker *w, struct ft_tcb *t)
{
	t->state = FT_TCP_TIME_WAIT;
	w->stats.tcp_time_wait++;
	ft_sndbuf_free(&t->sb);
	ft_tcp_ooo_free(w, t);
	ft_tcp_timers_on_time_wait(w, t);
	/* Both sides have closed: the application hears "closed" at the end of this input,
	 * after the readable event that hands it the last data (ft_tcp_finish_input). */
	t->events |= FT_EV_CLOSED;
}

/* Queue our FIN and move to the next closing state (§3.10.4 CLOSE / half-close). */
static void
queue_fin(struct ft_tcb *t)
{
	if (t->flags & FT_TF_FIN_QUEUED)
		return;
	t->flags |= FT_TF_FIN_QUEUED;
	if (t->state == FT_TCP_ESTABLISHED)
		t->state = FT_TCP_FIN_WAIT_1;
	else if (t->state == FT_TCP_CLOSE_WAIT)
		t->state = FT_TCP_LAST_ACK;
}

int
ft_conn_shutdown(struct ft_conn *c)
{
	struct ft_tcb *t = (struct ft_tcb *)c;

	if (t == NULL || (t->state != FT_TCP_ESTABLISHED && t->state != FT_TCP_CLOSE_WAIT))
		return -ENOTCONN;
	queue_fin(t);
	if (!t->busy)
		ft_tcp_output(t->w, t);
	return 0;
}

void
ft_conn_abort(struct ft_conn *c)
{
	struct ft_tcb *t = (struct ft_tcb *)c;

	if (t == NULL || (t->flags & FT_TF_DEAD))
		return;
	if (t->state >= FT_TCP_SYN_RCVD && t->state != FT_TCP_TIME_WAIT)
		ft_tcp_send_rst(t->w, t);
	ft_tcp_close_finish(t->w, t, FT_CLOSE_ABORTED);
}

void
ft_conn_close(struct ft_conn *c)
{
	struct ft_tcb *t = (struct ft_tcb *)c;

	if (t == NULL || (t->flags & FT_TF_DEAD))
		return;
	if (t->state == FT_TCP_SYN_SENT || t->state == FT_TCP_TIME_WAIT) {
		t->flags |= FT_TF_APP_CLOSED;
		if (t->state == FT_TCP_SYN_SENT)
			ft_tcp_close_finish(t->w, t, FT_CLOSE_ABORTED);
		return;
	}
	/* Unread data would be lost silently: tell the peer with a reset (RFC 2525 §2.17). */
	if (t->rcvq_len > 0) {
		t->flags |= FT_TF_APP_CLOSED;
		ft_conn_abort(c);
		return;
	}
	t->flags |= FT_TF_APP_CLOSED;
	queue_fin(t);
	if (!t->busy)
		ft_tcp_output(t->w, t);
}
