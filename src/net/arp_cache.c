/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP cache (RFC 826 table, RFC 1122 §2.3.2.1 cache validation and §2.3.2.2 bounded queue of
 * packets awaiting resolution). Pure logic: packets are opaque pointers handed back through
 * ft_arp_expire_ops, so sending and freeing stay in arp.c. Setup allocates once; nothing
 * allocates afterwards. See arp_cache.h for the state diagram.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/arp_cache.h"

static uint32_t
set_of(const struct ft_arp_cache *c, uint32_t ip)
{
	/* Fibonacci hashing: consecutive host addresses land in different sets. */
	return (uint32_t)((ip * 2654435769u) >> 7) & (c->n_sets - 1);
}

struct ft_arp_cache *
ft_arp_cache_create(uint32_t entries, uint16_t queue_len)
{
	struct ft_arp_cache *c;

	if (entries < FT_ARP_WAYS || (entries & (entries - 1)) != 0 || queue_len == 0)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->n_sets = entries / FT_ARP_WAYS;
	c->queue_len = queue_len;
	c->e = calloc(entries, sizeof(*c->e));
	c->pend = calloc((size_t)entries * queue_len, sizeof(void *));
	if (c->e == NULL || c->pend == NULL) {
		ft_arp_cache_destroy(c, NULL, NULL);
		return NULL;
	}
	for (uint32_t i = 0; i < entries; i++)
		c->e[i].pending = c->pend + (size_t)i * queue_len;
	return c;
}

static void
clear_entry(struct ft_arp_entry *e, void (*drop)(void *ctx, void *pkt), void *ctx)
{
	for (uint16_t i = 0; i < e->n_pending; i++)
		if (drop != NULL)
			drop(ctx, e->pending[i]);
	e->n_pending = 0;
	e->state = FT_ARP_FREE;
}

void
ft_arp_cache_destroy(struct ft_arp_cache *c, void (*drop)(void *ctx, void *pkt), void *ctx)
{
	if (c == NULL)
		return;
	if (c->e != NULL)
		for (uint32_t i = 0; i < c->n_sets * FT_ARP_WAYS; i++)
			clear_entry(&c->e[i], drop, ctx);
	free(c->e);
	free(c->pend);
	free(c);
}

struct ft_arp_entry *
ft_arp_cache_lookup(struct ft_arp_cache *c, uint32_t ip)
{
	struct ft_arp_entry *set = &c->e[set_of(c, ip) * FT_ARP_WAYS];

	for (int i = 0; i < FT_ARP_WAYS; i++)
		if (set[i].state != FT_ARP_FREE && set[i].ip == ip)
			return &set[i];
	return NULL;
}

/* Eviction order: FREE first, then the least recently confirmed STALE, then REACHABLE. */
static int
victim_rank(const struct ft_arp_entry *e)
{
	switch (e->state) {
	case FT_ARP_FREE:
		return 0;
	case FT_ARP_STALE:
		return 1;
	case FT_ARP_REACHABLE:
		return 2;
	default:
		return 3; /* resolving, holds packets: never evicted */
	}
}

struct ft_arp_entry *
ft_arp_cache_add(struct ft_arp_cache *c, uint32_t ip, uint64_t now)
{
	struct ft_arp_entry *set = &c->e[set_of(c, ip) * FT_ARP_WAYS];
	struct ft_arp_entry *best = NULL;

	for (int i = 0; i < FT_ARP_WAYS; i++) {
		struct ft_arp_entry *e = &set[i];

		if (victim_rank(e) == 3)
			continue;
		if (best == NULL || victim_rank(e) < victim_rank(best) ||
		    (victim_rank(e) == victim_rank(best) && e->updated < best->updated))
			best = e;
	}
	if (best == NULL)
		return NULL;
	best->ip = ip;
	best->state = FT_ARP_INCOMPLETE;
	best->tries = 0;
	best->n_pending = 0;
	best->deadline = now;
	best->updated = now;
	memset(best->mac, 0, sizeof(best->mac));
	return best;
}

int
ft_arp_cache_enqueue(struct ft_arp_cache *c, struct ft_arp_entry *e, void *pkt)
{
	if (e->n_pending >= c->queue_len)
		return -ENOSPC;
	e->pending[e->n_pending++] = pkt;
	return 0;
}

struct ft_arp_entry *
ft_arp_cache_confirm(struct ft_arp_cache *c, uint32_t ip, const uint8_t mac[6], uint64_t now,
		     uint64_t timeout_tsc, bool create)
{
	struct ft_arp_entry *e = ft_arp_cache_lookup(c, ip);

	if (e == NULL && create)
		e = ft_arp_cache_add(c, ip, now);
	if (e == NULL)
		return NULL;
	memcpy(e->mac, mac, sizeof(e->mac));
	e->state = FT_ARP_REACHABLE;
	e->tries = 0;
	e->updated = now;
	e->deadline = now + timeout_tsc;
	return e;
}

uint16_t
ft_arp_cache_take_pending(struct ft_arp_entry *e, void **out)
{
	uint16_t n = e->n_pending;

	memcpy(out, e->pending, n * sizeof(void *));
	e->n_pending = 0;
	return n;
}

static void
expire_one(struct ft_arp_entry *e, uint64_t now, const struct ft_arp_expire_ops *ops)
{
	if (e->state == FT_ARP_FREE || e->state == FT_ARP_STALE || e->deadline > now)
		return;
	if (e->state == FT_ARP_REACHABLE) {
		e->state = FT_ARP_STALE;
		return;
	}
	/* INCOMPLETE or PROBE: retry, or give up and drop what waited. */
	if (e->tries < ops->retries) {
		e->tries++;
		e->deadline = now + ops->retry_tsc;
		ops->resend(ops->ctx, e);
		return;
	}
	clear_entry(e, ops->drop, ops->ctx);
}

void
ft_arp_cache_expire(struct ft_arp_cache *c, uint64_t now, uint32_t budget,
		    const struct ft_arp_expire_ops *ops)
{
	uint32_t total = c->n_sets * FT_ARP_WAYS;

	if (budget > total)
		budget = total;
	for (uint32_t i = 0; i < budget; i++) {
		expire_one(&c->e[c->cursor], now, ops);
		c->cursor = (c->cursor + 1) & (total - 1);
	}
}

uint32_t
ft_arp_cache_count(const struct ft_arp_cache *c)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < c->n_sets * FT_ARP_WAYS; i++)
		n += c->e[i].state != FT_ARP_FREE;
	return n;
}
