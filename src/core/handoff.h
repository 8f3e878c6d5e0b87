/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The only cross-thread path into a worker: a multi-producer, single-consumer rte_ring of
 * calls per worker. Producers are any threads; the owning worker drains it once per loop with
 * a budget, so a flood of calls cannot starve packet processing.
 */
#ifndef FT_CORE_HANDOFF_H
#define FT_CORE_HANDOFF_H

#include <stdint.h>

#include <fasttcp/ft_stack.h>

struct ft_handoff;

/* Setup: a queue of @p size calls (power of two) named after @p idx. NULL + rte_errno. */
struct ft_handoff *ft_handoff_create(unsigned int idx, unsigned int size, int socket);
void ft_handoff_destroy(struct ft_handoff *h);

/* Any thread. @return 0 or -ENOBUFS (full). */
int ft_handoff_post(struct ft_handoff *h, ft_worker_fn *fn, void *arg);

/* Owning worker: run up to @p budget queued calls. @return how many ran. */
unsigned int ft_handoff_drain(struct ft_handoff *h, struct ft_worker *w, unsigned int budget);

#endif /* FT_CORE_HANDOFF_H */
