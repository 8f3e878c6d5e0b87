/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Taking client connections on: the listeners' established callback. libfasttcp listens on
 * a port on every local address, so one ft_tcp_listen() serves all listeners of a port and
 * the connection's local address selects the listener (address-specific ones first, then the
 * "any" one). A connection that no listener serves, that arrives while draining, or that
 * finds the pair pool empty is reset: the stack has no way to refuse before the handshake or
 * to close a listener (ft_tcp.h), so the refusal is an RST right after it.
 * Everything here runs on the connection's worker.
 */
#include <fasttcp/ft_stack.h>
#include <fasttcp/ft_tcp.h>

#include "proxy.h"

static struct proxy_listener *
match(struct proxy_listener *l, uint32_t local_ip)
{
	for (; l != NULL; l = l->next)
		if (l->conf->address == 0 || l->conf->address == local_ip)
			return l;
	return NULL;
}

static void
refuse(struct ft_conn *c)
{
	ft_conn_set_ops(c, &proxy_nop_ops, NULL);
	ft_conn_abort(c);
}

static void
on_accept(struct ft_conn *c, void *arg)
{
	struct proxy_listener *head = arg, *l;
	struct ft_worker *w = ft_conn_worker(c);
	struct proxy_worker *pw = head->p->workers[ft_worker_index(w)];
	struct proxy_pair *pp;
	uint32_t lip, rip;
	uint16_t lport, rport;

	ft_conn_endpoints(c, &lip, &lport, &rip, &rport);
	l = match(head, lip);
	if (l == NULL) {
		pw->ls[head->id].refused_address++;
		refuse(c);
		return;
	}
	if (head->p->drain_requested) {
		pw->ls[l->id].refused_draining++;
		refuse(c);
		return;
	}
	pp = proxy_pair_alloc(pw, l, c);
	if (pp == NULL) {
		pw->ls[l->id].refused_full++;
		refuse(c);
		return;
	}
	if (proxy_connect_next(pp, w) < 0) {
		pw->ls[l->id].no_backend++;
		proxy_pair_abort(pp);
	}
}

const struct ft_conn_ops proxy_listen_ops = {
	.established = on_accept,
};
