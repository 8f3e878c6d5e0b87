/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Calls handed to a worker (handoff.h). Each call is a small object {fn, arg} from a mempool
 * (per-lcore caches; non-EAL threads use the shared pool) passed through an MP/SC rte_ring.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "core/handoff.h"

struct call {
	ft_worker_fn *fn;
	void *arg;
};

struct ft_handoff {
	struct rte_ring *ring;
	struct rte_mempool *calls;
};

struct ft_handoff *
ft_handoff_create(unsigned int idx, unsigned int size, int socket)
{
	struct ft_handoff *h = rte_zmalloc_socket("ft_handoff", sizeof(*h), 0, socket);
	char name[RTE_RING_NAMESIZE];

	if (h == NULL)
		return NULL;
	snprintf(name, sizeof(name), "ft_ho%u_%p", idx, (void *)h);
	h->ring = rte_ring_create(name, size, socket, RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "ft_hc%u_%p", idx, (void *)h);
	h->calls = rte_mempool_create(name, size, sizeof(struct call), 0, 0, NULL, NULL, NULL,
				      NULL, socket, 0);
	if (h->ring == NULL || h->calls == NULL) {
		ft_handoff_destroy(h);
		rte_errno = ENOMEM;
		return NULL;
	}
	return h;
}

void
ft_handoff_destroy(struct ft_handoff *h)
{
	if (h == NULL)
		return;
	rte_ring_free(h->ring);
	rte_mempool_free(h->calls);
	rte_free(h);
}

int
ft_handoff_post(struct ft_handoff *h, ft_worker_fn *fn, void *arg)
{
	struct call *c;

	if (rte_mempool_get(h->calls, (void **)&c) < 0)
		return -ENOBUFS;
	c->fn = fn;
	c->arg = arg;
	if (rte_ring_enqueue(h->ring, c) < 0) {
		rte_mempool_put(h->calls, c);
		return -ENOBUFS;
	}
	return 0;
}

unsigned int
ft_handoff_drain(struct ft_handoff *h, struct ft_worker *w, unsigned int budget)
{
	void *batch[32];
	unsigned int done = 0;

	while (done < budget) {
		unsigned int n = rte_ring_dequeue_burst(h->ring, batch,
							RTE_MIN(32u, budget - done), NULL);

		if (n == 0)
			break;
		for (unsigned int i = 0; i < n; i++) {
			struct call c = *(struct call *)batch[i];

			rte_mempool_put(h->calls, batch[i]);
			c.fn(w, c.arg);
		}
		done += n;
	}
	return done;
}
