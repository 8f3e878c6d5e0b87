/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP cache of one worker and one interface: pure logic (no DPDK calls, packets are opaque
 * pointers), so it is unit-tested without EAL. Set-associative (8 ways), fixed size, with a
 * bounded queue of packets per unresolved next hop. States follow Linux's neighbour states,
 * simplified:
 *
 *   (new) --request--> INCOMPLETE --reply--> REACHABLE --timeout--> STALE
 *              |  retries exhausted: drop queue, FREE          |        | used: send probe
 *              v                                                v        v
 *            FREE  <--retries exhausted-- PROBE <---------------+--- (still usable while probing)
 */
#ifndef FT_NET_ARP_CACHE_H
#define FT_NET_ARP_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#define FT_ARP_WAYS 8

enum ft_arp_state {
	FT_ARP_FREE,
	FT_ARP_INCOMPLETE, /* request sent, no MAC yet: packets queue */
	FT_ARP_REACHABLE,  /* confirmed within the timeout */
	FT_ARP_STALE,      /* timed out: still used, re-probed on next use */
	FT_ARP_PROBE,      /* stale and probing: still used */
};

struct ft_arp_entry {
	uint32_t ip;        /* host order */
	uint8_t state;      /* enum ft_arp_state */
	uint8_t tries;      /* requests sent in the current resolution */
	uint16_t n_pending;
	uint8_t mac[6];
	uint64_t deadline;  /* REACHABLE: goes stale; INCOMPLETE/PROBE: next retry */
	uint64_t updated;   /* last confirmation, for eviction */
	void **pending;     /* queue_len slots */
};

struct ft_arp_cache {
	uint32_t n_sets;    /* power of two */
	uint32_t cursor;    /* expiry sweep position */
	uint16_t queue_len;
	struct ft_arp_entry *e;
	void **pend;
};

/* What expiry does with entries whose deadline passed (arp.c sends and drops packets). */
struct ft_arp_expire_ops {
	void (*resend)(void *ctx, struct ft_arp_entry *e); /* send one more request */
	void (*drop)(void *ctx, void *pkt);                /* unresolved: drop a queued packet */
	void *ctx;
	uint64_t retry_tsc;
	uint64_t timeout_tsc;
	uint16_t retries;
};

/* @p entries: power of two >= FT_ARP_WAYS. Setup only (allocates). NULL on bad args/ENOMEM. */
struct ft_arp_cache *ft_arp_cache_create(uint32_t entries, uint16_t queue_len);

/* Free the cache; queued packets are passed to @p drop first (may be NULL if none). */
void ft_arp_cache_destroy(struct ft_arp_cache *c, void (*drop)(void *ctx, void *pkt), void *ctx);

/* Entry for @p ip, or NULL. Borrowed until the next add/expire. */
struct ft_arp_entry *ft_arp_cache_lookup(struct ft_arp_cache *c, uint32_t ip);

/*
 * New INCOMPLETE entry (tries 0, deadline now) for @p ip, evicting the oldest FREE, STALE or
 * REACHABLE way of its set. NULL when every way is resolving (INCOMPLETE/PROBE).
 */
struct ft_arp_entry *ft_arp_cache_add(struct ft_arp_cache *c, uint32_t ip, uint64_t now);

/* Queue @p pkt on an unresolved entry. @return 0 or -ENOSPC (queue full: caller drops). */
int ft_arp_cache_enqueue(struct ft_arp_cache *c, struct ft_arp_entry *e, void *pkt);

/*
 * A MAC was seen for @p ip: confirm it (REACHABLE until now + timeout). When no entry exists,
 * one is created only if @p create. @return the entry or NULL. Queued packets stay queued:
 * the caller takes them with ft_arp_cache_take_pending().
 */
struct ft_arp_entry *ft_arp_cache_confirm(struct ft_arp_cache *c, uint32_t ip,
					  const uint8_t mac[6], uint64_t now,
					  uint64_t timeout_tsc, bool create);

/* Move the queued packets of @p e to @p out (queue_len slots). @return how many. */
uint16_t ft_arp_cache_take_pending(struct ft_arp_entry *e, void **out);

/* Scan up to @p budget entries from the sweep cursor and apply timeouts through @p ops. */
void ft_arp_cache_expire(struct ft_arp_cache *c, uint64_t now, uint32_t budget,
			 const struct ft_arp_expire_ops *ops);

/* Number of entries not FREE (telemetry, tests). */
uint32_t ft_arp_cache_count(const struct ft_arp_cache *c);

#endif /* FT_NET_ARP_CACHE_H */
