/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP echo service (RFC 862) on the event API, zero copy: every received chain is queued back
 * as it is. When the send buffer is full the received data stays in the stack, which closes
 * the receive window: backpressure reaches the peer without any buffering here. The peer's
 * FIN is echoed too (half-close): once all data is sent back, our side closes.
 */
#include <rte_mbuf.h>

#include <fasttcp/fasttcp.h>

#include "tcp_echo.h"

static void
pump(struct ft_conn *c)
{
	struct rte_mbuf *m;

	/* Take only what the send side can hold: the rest waits in the stack, whose receive
	 * window then closes, and writable brings us back. */
	while ((m = ft_conn_recv(c, ft_conn_send_space(c))) != NULL)
		if (ft_conn_send(c, m) < 0)
			break;
	if (ft_conn_eof(c))
		ft_conn_close(c);
}

static void
on_readable(struct ft_conn *c, void *arg)
{
	pump(c);
}

static void
on_writable(struct ft_conn *c, void *arg)
{
	pump(c);
}

static void
on_established(struct ft_conn *c, void *arg)
{
	const struct tcp_echo_keepalive *ka = arg;

	if (ka != NULL && ka->idle_s != 0)
		ft_conn_set_keepalive(c, ka->idle_s, ka->intvl_s, ka->count);
}

static const struct ft_conn_ops echo_ops = {
	.established = on_established,
	.readable = on_readable,
	.writable = on_writable,
};

int
tcp_echo_listen(struct ft_stack *s, uint16_t port, const struct tcp_echo_keepalive *ka)
{
	return ft_tcp_listen(s, port, &echo_ops, (void *)(uintptr_t)ka);
}
