/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker state: one worker per lcore of the stack's set (worker i = i-th of them, in EAL
 * order), each with its own TX buffers, ARP caches, reassembly table and ICMP rate limit, all
 * allocated here at setup on the lcore's NUMA socket (nothing is allocated while running).
 */
#include <errno.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "core/clock.h"
#include "core/handoff.h"
#include "core/log.h"
#include "net/arp.h"
#include "net/arp_cache.h"
#include "net/ip4_reass.h"
#include "stack/stack.h"
#include "tcp/tcp.h"

static int
worker_init(struct ft_stack *s, struct ft_worker *w, unsigned int idx, unsigned int lcore)
{
	const struct ft_stack_conf *c = &s->conf;
	struct ft_reass_conf rc = {
		.max_datagrams = c->reass_max,
		.max_frags = c->reass_max_frags,
		.timeout_tsc = ft_clock_ms_to_tsc(c->reass_timeout_ms),
	};

	w->stack = s;
	w->idx = idx;
	w->lcore_id = lcore;
	w->net = s->net;
	w->ifaces = s->ifaces;
	w->n_ifaces = s->n_ports;
	w->pool = s->pool;
	w->qsbr = s->qsbr;
	ft_tb_init(&w->icmp_tb, rte_get_tsc_hz(), c->icmp_rate, c->icmp_burst, rte_rdtsc());
	for (uint16_t p = 0; p < s->n_ports; p++) {
		w->txq[p] = &s->txqs[idx * s->n_ports + p];
		w->txq[p]->port_id = s->ports[p].port_id;
		w->txq[p]->queue_id = (uint16_t)idx;
		w->arp[p] = ft_arp_cache_create(c->arp_entries, c->arp_queue_len);
		if (w->arp[p] == NULL)
			return -ENOMEM;
	}
	w->reass = ft_reass_create(&rc, (int)rte_lcore_to_socket_id(lcore));
	if (w->reass == NULL)
		return -rte_errno;
	w->handoff = ft_handoff_create(idx, 4096, (int)rte_lcore_to_socket_id(lcore));
	if (w->handoff == NULL)
		return -ENOMEM;
	return s->tcp != NULL ? ft_tcp_worker_init(w, s->tcp) : 0;
}

int
ft_stack_workers_create(struct ft_stack *s)
{
	unsigned int lcore, idx = 0;

	s->txqs = rte_zmalloc("ft_txqs", sizeof(*s->txqs) * s->n_workers * s->n_ports,
			      RTE_CACHE_LINE_SIZE);
	if (s->txqs == NULL)
		return -ENOMEM;
	RTE_LCORE_FOREACH(lcore) {
		struct ft_worker *w;
		int rc;

		if (!ft_stack_has_lcore(&s->conf, lcore))
			continue;
		w = rte_zmalloc_socket("ft_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
				       (int)rte_lcore_to_socket_id(lcore));
		if (w == NULL)
			return -ENOMEM;
		s->workers[idx] = w;
		rc = worker_init(s, w, idx, lcore);
		if (rc < 0)
			return rc;
		idx++;
	}
	return 0;
}

void
ft_stack_workers_destroy(struct ft_stack *s)
{
	for (unsigned int i = 0; i < s->n_workers; i++) {
		struct ft_worker *w = s->workers[i];

		if (w == NULL)
			continue;
		for (uint16_t p = 0; p < s->n_ports; p++)
			ft_arp_cache_destroy(w->arp[p], ft_arp_free_pending, NULL);
		ft_tcp_worker_fini(w);
		ft_handoff_destroy(w->handoff);
		ft_reass_destroy(w->reass);
		rte_free(w);
		s->workers[i] = NULL;
	}
	if (s->txqs != NULL)
		for (unsigned int i = 0; i < s->n_workers * s->n_ports; i++)
			for (uint16_t k = 0; k < s->txqs[i].n; k++)
				rte_pktmbuf_free(s->txqs[i].pkts[k]);
	rte_free(s->txqs);
	s->txqs = NULL;
}
