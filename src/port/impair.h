/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Deterministic wire impairment for one direction of one queue of a ring port: seeded random
 * and burst loss, duplication, a rate limit, delay with jitter, and reordering. Packets go in
 * with ft_impair_input() and come out, when their time has come, with ft_impair_output().
 * Time is a TSC value passed by the caller (tests inject it). One thread at a time: the worker
 * that owns the queue. Nothing is allocated after ft_impair_create() except the mbufs of
 * duplicates (from the packet's own pool).
 */
#ifndef FT_PORT_IMPAIR_H
#define FT_PORT_IMPAIR_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include <fasttcp/ft_stack.h>

struct ft_impair;

/* Whether @p c asks for any impairment (all-zero = off). Any thread. */
bool ft_impair_conf_is_active(const struct ft_impair_conf *c);

/*
 * Create the state for one direction: delay line of c->queue_len entries, random streams
 * seeded from c->seed and @p salt (e.g. side and queue, so directions differ), rates
 * converted with @p tsc_hz. Setup only. @return the state, or NULL with rte_errno
 * (EINVAL: a probability above 100 % or a zero gap; ENOMEM).
 */
struct ft_impair *ft_impair_create(const struct ft_impair_conf *c, uint64_t salt,
				   uint64_t tsc_hz, int socket);

/* Free the state and every packet it still holds. Setup only. NULL-safe. */
void ft_impair_destroy(struct ft_impair *im);

/*
 * Take @p n packets transmitted at @p now. CONSUMES all of them: each is dropped (and
 * counted) or queued, possibly with a duplicate. Owning thread.
 */
void ft_impair_input(struct ft_impair *im, struct rte_mbuf **pkts, uint16_t n, uint64_t now);

/*
 * Move up to @p max packets whose release time is <= @p now to @p out, in wire order.
 * The caller owns them. Owning thread. @return how many.
 */
uint16_t ft_impair_output(struct ft_impair *im, struct rte_mbuf **out, uint16_t max,
			  uint64_t now);

/* Packets inside (delay line and reorder slots). Owning thread, or any thread at rest. */
uint32_t ft_impair_held(const struct ft_impair *im);

/* Add the counters of @p im to @p st. Any thread (a snapshot may be a little old). */
void ft_impair_stats_add(const struct ft_impair *im, struct ft_impair_stats *st);

#endif /* FT_PORT_IMPAIR_H */
