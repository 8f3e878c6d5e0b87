/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * LRO-style receive batching (tcp-design.md §5.3): the segments of one rx burst are applied to
 * their connections one by one (each ACK keeps its own arrival facts for RACK, RTT and the
 * SACK scoreboard), but the end-of-input work of a connection — application callbacks,
 * output, the ACK we owe — runs once per connection per burst, when the worker loop calls
 * ft_tcp_batch_flush(). A burst of 32 ACKs for one bulk sender thus becomes one output pass
 * that fills the window once, instead of 32 passes of one or two segments; a burst of 32 data
 * segments becomes one readable callback and one ACK (the receive-side coalescing LRO gives).
 *
 * A connection waiting for its flush is on the worker's pending array (at most
 * FT_TCP_PENDING_MAX; when it is full, input finishes at once, as without batching).
 * ft_tcb_destroy() takes a destroyed block off the array. With tcp.ack_batching off, every
 * segment finishes at once.
 */
#include "core/worker.h"
#include "tcp/tcp.h"

void
ft_tcp_defer_finish(struct ft_worker *w, struct ft_tcb *t)
{
	struct ft_tcp_worker *tw = w->tcp;

	/* A connection owing the ACK of a burst's worth of full segments finishes now. TSO
	 * super-segments from a virtual wire hold up to 45 segments each (net/iface.h): one ACK
	 * at the end of a burst of them would acknowledge megabytes at once, and the sender
	 * would sit idle with a full send buffer until it came. */
	if (t->segs_unacked >= FT_RX_BURST) {
		ft_tcp_batch_forget(w, t);
		ft_tcp_finish_input(w, t);
		return;
	}
	if (t->xflags & FT_XF_PENDING) {
		w->stats.tcp_batched++;
		return;
	}
	if (!tw->sh->ack_batching || tw->n_pending == FT_TCP_PENDING_MAX) {
		ft_tcp_finish_input(w, t);
		return;
	}
	t->xflags |= FT_XF_PENDING;
	t->pending_idx = tw->n_pending;
	tw->pending[tw->n_pending++] = t;
}

void
ft_tcp_batch_forget(struct ft_worker *w, struct ft_tcb *t)
{
	if (t->xflags & FT_XF_PENDING) {
		w->tcp->pending[t->pending_idx] = NULL;
		t->xflags &= ~(FT_XF_PENDING | FT_XF_BATCH_PIPE);
	}
}

void
ft_tcp_batch_flush(struct ft_worker *w)
{
	struct ft_tcp_worker *tw = w->tcp;

	/* Callbacks may finish other connections (API calls send at once) or destroy them
	 * (their slot becomes NULL); nothing is added while flushing: input is over. */
	for (uint32_t i = 0; i < tw->n_pending; i++) {
		struct ft_tcb *t = tw->pending[i];

		if (t == NULL)
			continue;
		tw->pending[i] = NULL;
		t->xflags &= ~(FT_XF_PENDING | FT_XF_BATCH_PIPE);
		ft_tcp_finish_input(w, t);
	}
	tw->n_pending = 0;
}
