/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP cache (src/net/arp_cache.c): pure logic, no EAL. Packets are fake pointers; the expire
 * callbacks record what arp.c would send or drop.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/arp_cache.h"

#define RETRY 100
#define TIMEOUT 1000

static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 0xa };
static const uint8_t mac_b[6] = { 2, 0, 0, 0, 0, 0xb };

struct rec {
	int resends;
	int drops;
	void *dropped[16];
};

static void
rec_resend(void *ctx, struct ft_arp_entry *e)
{
	((struct rec *)ctx)->resends++;
}

static void
rec_drop(void *ctx, void *pkt)
{
	struct rec *r = ctx;

	r->dropped[r->drops++] = pkt;
}

static struct ft_arp_expire_ops
ops_for(struct rec *r)
{
	return (struct ft_arp_expire_ops){ .resend = rec_resend, .drop = rec_drop, .ctx = r,
					   .retry_tsc = RETRY, .timeout_tsc = TIMEOUT,
					   .retries = 3 };
}

static void
test_create_rejects_bad_sizes(void **state)
{
	assert_null(ft_arp_cache_create(1000, 8));   /* not a power of two */
	assert_null(ft_arp_cache_create(4, 8));      /* fewer than the ways of one set */
	assert_null(ft_arp_cache_create(64, 0));     /* no queue */
}

static void
test_miss_then_confirm_resolves_and_returns_queue(void **state)
{
	struct ft_arp_cache *c = ft_arp_cache_create(64, 4);
	struct ft_arp_entry *e;
	void *out[4];

	assert_null(ft_arp_cache_lookup(c, 0x0a000001));
	e = ft_arp_cache_add(c, 0x0a000001, 10);
	assert_non_null(e);
	assert_int_equal(e->state, FT_ARP_INCOMPLETE);
	assert_int_equal(ft_arp_cache_enqueue(c, e, (void *)1), 0);
	assert_int_equal(ft_arp_cache_enqueue(c, e, (void *)2), 0);
	e = ft_arp_cache_confirm(c, 0x0a000001, mac_a, 20, TIMEOUT, false);
	assert_non_null(e);
	assert_int_equal(e->state, FT_ARP_REACHABLE);
	assert_memory_equal(e->mac, mac_a, 6);
	assert_int_equal(e->deadline, 20 + TIMEOUT);
	assert_int_equal(ft_arp_cache_take_pending(e, out), 2);
	assert_ptr_equal(out[0], (void *)1); /* queue order kept */
	assert_ptr_equal(out[1], (void *)2);
	assert_int_equal(e->n_pending, 0);
	ft_arp_cache_destroy(c, NULL, NULL);
}

static void
test_queue_is_bounded(void **state)
{
	struct ft_arp_cache *c = ft_arp_cache_create(64, 2);
	struct ft_arp_entry *e = ft_arp_cache_add(c, 7, 0);

	assert_int_equal(ft_arp_cache_enqueue(c, e, (void *)1), 0);
	assert_int_equal(ft_arp_cache_enqueue(c, e, (void *)2), 0);
	assert_int_equal(ft_arp_cache_enqueue(c, e, (void *)3), -ENOSPC);
	ft_arp_cache_destroy(c, NULL, NULL);
}

static void
test_confirm_without_create_ignores_unknown(void **state)
{
	struct ft_arp_cache *c = ft_arp_cache_create(64, 2);

	/* An unsolicited reply must not add an entry (no cache poisoning). */
	assert_null(ft_arp_cache_confirm(c, 5, mac_a, 0, TIMEOUT, false));
	assert_int_equal(ft_arp_cache_count(c), 0);
	assert_non_null(ft_arp_cache_confirm(c, 5, mac_a, 0, TIMEOUT, true));
	assert_non_null(ft_arp_cache_confirm(c, 5, mac_b, 1, TIMEOUT, false));
	assert_memory_equal(ft_arp_cache_lookup(c, 5)->mac, mac_b, 6);
	assert_int_equal(ft_arp_cache_count(c), 1);
	ft_arp_cache_destroy(c, NULL, NULL);
}

static void
test_unresolved_retries_then_drops_queue(void **state)
{
	struct ft_arp_cache *c = ft_arp_cache_create(64, 4);
	struct ft_arp_entry *e = ft_arp_cache_add(c, 9, 0);
	struct rec r = { 0 };
	struct ft_arp_expire_ops ops = ops_for(&r);

	/* arp.c sends the first request itself: tries 1, deadline now + retry. */
	e->tries = 1;
	e->deadline = RETRY;
	ft_arp_cache_enqueue(c, e, (void *)0x11);
	ft_arp_cache_enqueue(c, e, (void *)0x12);
	ft_arp_cache_expire(c, RETRY - 1, 64, &ops);
	assert_int_equal(r.resends, 0);
	ft_arp_cache_expire(c, RETRY, 64, &ops);
	ft_arp_cache_expire(c, 2 * RETRY, 64, &ops);
	assert_int_equal(r.resends, 2);
	assert_int_equal(r.drops, 0);
	ft_arp_cache_expire(c, 3 * RETRY, 64, &ops); /* third try was the last */
	assert_int_equal(r.drops, 2);
	assert_ptr_equal(r.dropped[0], (void *)0x11);
	assert_null(ft_arp_cache_lookup(c, 9));
	ft_arp_cache_destroy(c, NULL, NULL);
}

static void
test_reachable_goes_stale_then_probe_expires(void **state)
{
	struct ft_arp_cache *c = ft_arp_cache_create(64, 4);
	struct rec r = { 0 };
	struct ft_arp_expire_ops ops = ops_for(&r);
	struct ft_arp_entry *e = ft_arp_cache_confirm(c, 3, mac_a, 0, TIMEOUT, true);

	ft_arp_cache_expire(c, TIMEOUT - 1, 64, &ops);
	assert_int_equal(e->state, FT_ARP_REACHABLE);
	ft_arp_cache_expire(c, TIMEOUT, 64, &ops);
	assert_int_equal(e->state, FT_ARP_STALE);
	/* Stale entries are not retried by expiry: only use triggers a probe (arp.c). */
	ft_arp_cache_expire(c, 10 * TIMEOUT, 64, &ops);
	assert_int_equal(e->state, FT_ARP_STALE);
	e->state = FT_ARP_PROBE;
	e->tries = 1;
	e->deadline = 10 * TIMEOUT + RETRY;
	for (int i = 1; i <= 3; i++)
		ft_arp_cache_expire(c, 10 * TIMEOUT + i * RETRY, 64, &ops);
	assert_int_equal(r.resends, 2);
	assert_null(ft_arp_cache_lookup(c, 3));
	ft_arp_cache_destroy(c, NULL, NULL);
}

/* Addresses whose Fibonacci hash lands in the same set as @p ip (64 entries = 8 sets). */
static uint32_t
same_set(struct ft_arp_cache *c, uint32_t ip, uint32_t from)
{
	uint32_t set = (uint32_t)((ip * 2654435769u) >> 7) & (c->n_sets - 1);

	for (uint32_t a = from;; a++)
		if (((uint32_t)((a * 2654435769u) >> 7) & (c->n_sets - 1)) == set)
			return a;
}

static void
test_full_set_evicts_oldest_resolved_never_resolving(void **state)
{
	struct ft_arp_cache *c = ft_arp_cache_create(64, 1);
	uint32_t ips[FT_ARP_WAYS + 1], a = 1;

	for (int i = 0; i <= FT_ARP_WAYS; i++) {
		ips[i] = same_set(c, 1, a);
		a = ips[i] + 1;
	}
	for (int i = 0; i < FT_ARP_WAYS; i++)
		assert_non_null(ft_arp_cache_confirm(c, ips[i], mac_a, 100 + i, TIMEOUT, true));
	/* The set is full of REACHABLE entries: the least recently confirmed goes. */
	assert_non_null(ft_arp_cache_add(c, ips[FT_ARP_WAYS], 200));
	assert_null(ft_arp_cache_lookup(c, ips[0]));
	assert_non_null(ft_arp_cache_lookup(c, ips[1]));
	/* Fill the set with resolving entries: nothing may be evicted any more. */
	for (int i = 1; i < FT_ARP_WAYS; i++) {
		ft_arp_cache_lookup(c, ips[i])->state = FT_ARP_INCOMPLETE;
	}
	assert_null(ft_arp_cache_add(c, same_set(c, 1, a), 300));
	ft_arp_cache_destroy(c, NULL, NULL);
}

static void
test_destroy_hands_back_queued_packets(void **state)
{
	struct ft_arp_cache *c = ft_arp_cache_create(64, 4);
	struct ft_arp_entry *e = ft_arp_cache_add(c, 1, 0);
	struct rec r = { 0 };

	ft_arp_cache_enqueue(c, e, (void *)0x21);
	ft_arp_cache_destroy(c, rec_drop, &r);
	assert_int_equal(r.drops, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_rejects_bad_sizes),
		cmocka_unit_test(test_miss_then_confirm_resolves_and_returns_queue),
		cmocka_unit_test(test_queue_is_bounded),
		cmocka_unit_test(test_confirm_without_create_ignores_unknown),
		cmocka_unit_test(test_unresolved_retries_then_drops_queue),
		cmocka_unit_test(test_reachable_goes_stale_then_probe_expires),
		cmocka_unit_test(test_full_set_evicts_oldest_resolved_never_resolving),
		cmocka_unit_test(test_destroy_hands_back_queued_packets),
	};

	return cmocka_run_group_tests_name("arp_cache", tests, NULL, NULL);
}
