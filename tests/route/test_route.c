/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FIB (src/route/route.c): longest-prefix match, replace, delete fallback, bulk lookup
 * against single lookups and a linear-scan reference model, limits and bad arguments, and
 * RCU: next-hop entries and tbl8 groups are reused only after readers quiesce, checked both
 * deterministically (this thread plays the reader and withholds its quiescent report) and
 * with a concurrent reader pthread. EAL without hugepages; the test EAL has one lcore, so the
 * reader is a plain pthread registered as QSBR thread READER_ID.
 */
#define _GNU_SOURCE  /* pthread_attr_setaffinity_np, CPU_SET */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>

#include <fasttcp/ft_stack.h>

#include "route/route.h"
#include "test_eal.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define SELF_ID 0    /* QSBR id this thread uses when it plays the reader */
#define READER_ID 1  /* QSBR id of the reader pthread */
#define N_QSBR_THREADS 2

static struct rte_rcu_qsbr *qsbr;

static struct ft_nexthop
lan(uint16_t port, uint32_t gw)
{
	return (struct ft_nexthop){ .kind = FT_NH_LAN, .port = port, .gw = gw };
}

static struct ft_nexthop
peer(uint32_t id)
{
	return (struct ft_nexthop){ .kind = FT_NH_PEER, .port = 0, .peer_id = id };
}

static struct ft_route_table *
fib_create(uint32_t max_routes, uint32_t max_nexthops, uint32_t max_tbl8s)
{
	struct ft_route_conf conf;
	struct ft_route_table *r;

	ft_route_conf_init(&conf);
	conf.max_routes = max_routes;
	conf.max_nexthops = max_nexthops;
	conf.max_tbl8s = max_tbl8s;
	conf.qsbr = qsbr;
	r = ft_route_create(&conf);
	assert_non_null(r);
	return r;
}

static bool
nh_equal(const struct ft_nexthop *a, const struct ft_nexthop *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* --- arguments and limits --- */

static void
test_create_rejects_bad_conf(void **state)
{
	struct ft_route_conf conf;

	assert_null(ft_route_create(NULL));
	assert_int_equal(rte_errno, EINVAL);
	ft_route_conf_init(&conf);
	assert_null(ft_route_create(&conf));  /* no qsbr */
	assert_int_equal(rte_errno, EINVAL);
	conf.qsbr = qsbr;
	conf.max_routes = 0;
	assert_null(ft_route_create(&conf));
	ft_route_conf_init(&conf);
	conf.qsbr = qsbr;
	conf.max_nexthops = FT_ROUTE_MAX_NEXTHOPS + 1;
	assert_null(ft_route_create(&conf));
	conf.max_nexthops = 0;
	assert_null(ft_route_create(&conf));
	ft_route_conf_init(&conf);
	conf.qsbr = qsbr;
	conf.max_tbl8s = 0;
	assert_null(ft_route_create(&conf));
	assert_int_equal(rte_errno, EINVAL);
	ft_route_destroy(NULL);
	assert_int_equal(ft_route_count(NULL), 0);
}

static void
test_add_and_del_reject_bad_arguments(void **state)
{
	struct ft_route_table *r = fib_create(16, 16, 16);
	const struct ft_nexthop ok = lan(0, 0);
	const struct ft_nexthop bad[] = {
		{ .kind = FT_NH_INVALID },
		{ .kind = 99 },
		{ .kind = FT_NH_LAN, .rsvd = 1 },
		{ .kind = FT_NH_LAN, .port = FT_MAX_PORTS },
		{ .kind = FT_NH_LAN, .peer_id = 7 },
		{ .kind = FT_NH_PEER, .peer_id = FT_ROUTE_PEER_ID_MAX + 1 },
		{ .kind = FT_NH_PEER, .peer_id = 1, .gw = IP(10, 0, 0, 1) },
		{ .kind = FT_NH_LOCAL, .gw = IP(10, 0, 0, 1) },
		{ .kind = FT_NH_BLACKHOLE, .port = 1 },
	};

	assert_int_equal(ft_route_add(NULL, IP(10, 0, 0, 0), 8, &ok), -EINVAL);
	assert_int_equal(ft_route_add(r, IP(10, 0, 0, 0), 8, NULL), -EINVAL);
	assert_int_equal(ft_route_add(r, IP(10, 0, 0, 0), 33, &ok), -EINVAL);
	assert_int_equal(ft_route_add(r, IP(10, 0, 0, 1), 8, &ok), -EINVAL);  /* host bits */
	assert_int_equal(ft_route_add(r, IP(0, 0, 0, 1), 0, &ok), -EINVAL);
	for (unsigned int i = 0; i < RTE_DIM(bad); i++)
		assert_int_equal(ft_route_add(r, IP(10, 0, 0, 0), 8, &bad[i]), -EINVAL);
	assert_int_equal(ft_route_count(r), 0);
	assert_int_equal(ft_route_del(NULL, IP(10, 0, 0, 0), 8), -EINVAL);
	assert_int_equal(ft_route_del(r, IP(10, 0, 0, 0), 33), -EINVAL);
	assert_int_equal(ft_route_del(r, IP(10, 0, 0, 1), 24), -EINVAL);
	assert_int_equal(ft_route_del(r, IP(10, 0, 0, 0), 8), -ENOENT);
	assert_int_equal(ft_route_del(r, 0, 0), -ENOENT);
	assert_int_equal(ft_route_add(r, IP(10, 0, 0, 0), 8, &ok), 0);
	assert_int_equal(ft_route_del(r, IP(10, 0, 0, 0), 16), -ENOENT);  /* other length */
	ft_route_destroy(r);
}

static void
test_full_table_returns_enospc(void **state)
{
	struct ft_route_table *r = fib_create(8, 64, 16);
	const struct ft_nexthop a = lan(0, IP(192, 168, 0, 1)), b = lan(1, 0);

	assert_int_equal(ft_route_add(r, 0, 0, &a), 0);  /* the default route counts */
	for (uint32_t i = 1; i < 8; i++)
		assert_int_equal(ft_route_add(r, IP(10, i, 0, 0), 16, &a), 0);
	assert_int_equal(ft_route_count(r), 8);
	assert_int_equal(ft_route_add(r, IP(11, 0, 0, 0), 8, &a), -ENOSPC);
	assert_int_equal(ft_route_add(r, IP(10, 1, 0, 0), 16, &b), 0);  /* replace still works */
	assert_int_equal(ft_route_add(r, 0, 0, &b), 0);
	assert_int_equal(ft_route_count(r), 8);
	assert_int_equal(ft_route_del(r, IP(10, 7, 0, 0), 16), 0);
	assert_int_equal(ft_route_add(r, IP(11, 0, 0, 0), 8, &a), 0);
	assert_true(nh_equal(ft_route_lookup(r, IP(11, 2, 3, 4)), &a));
	ft_route_destroy(r);
}

/* 100 routes through one next hop use one entry; the third distinct one does not fit. */
static void
test_identical_nexthops_share_one_entry(void **state)
{
	struct ft_route_table *r = fib_create(256, 2, 16);
	const struct ft_nexthop a = peer(5), b = peer(6), c = peer(7);

	for (uint32_t i = 0; i < 100; i++)
		assert_int_equal(ft_route_add(r, IP(10, 8, i, 0), 24, &a), 0);
	assert_int_equal(ft_route_add(r, IP(10, 9, 0, 0), 16, &b), 0);
	assert_int_equal(ft_route_add(r, IP(10, 10, 0, 0), 16, &c), -ENOSPC);
	assert_int_equal(ft_route_count(r), 101);
	assert_ptr_equal(ft_route_lookup(r, IP(10, 8, 0, 1)), ft_route_lookup(r, IP(10, 8, 99, 1)));
	ft_route_destroy(r);
}

/* --- longest-prefix match, replace, delete --- */

static const struct {
	uint32_t prefix;
	uint8_t len;
	struct ft_nexthop nh;
} lpm_routes[] = {
	{ 0, 0, { .kind = FT_NH_LAN, .port = 0, .gw = IP(192, 168, 0, 1) } },  /* default */
	{ IP(10, 0, 0, 0), 8, { .kind = FT_NH_LAN, .port = 1, .gw = IP(172, 16, 0, 1) } },
	{ IP(10, 1, 2, 0), 24, { .kind = FT_NH_PEER, .peer_id = 3 } },
	{ IP(10, 1, 2, 128), 25, { .kind = FT_NH_PEER, .peer_id = 4 } },
	{ IP(10, 1, 2, 3), 32, { .kind = FT_NH_LOCAL, .port = 1 } },
	{ IP(192, 168, 0, 0), 16, { .kind = FT_NH_LAN, .port = 0 } },
	{ IP(203, 0, 113, 0), 24, { .kind = FT_NH_BLACKHOLE } },
};

enum { R_DEF, R_8, R_24, R_25, R_32, R_16, R_BH, R_NONE = -1 };

/* dst -> index into lpm_routes[] of the expected route (R_NONE: no route). */
static const struct {
	uint32_t dst;
	int route;
} lpm_cases[] = {
	{ IP(10, 1, 2, 3), R_32 },
	{ IP(10, 1, 2, 4), R_24 },
	{ IP(10, 1, 2, 127), R_24 },
	{ IP(10, 1, 2, 128), R_25 },
	{ IP(10, 1, 2, 255), R_25 },
	{ IP(10, 1, 3, 0), R_8 },
	{ IP(10, 255, 255, 255), R_8 },
	{ IP(9, 255, 255, 255), R_DEF },
	{ IP(11, 0, 0, 0), R_DEF },
	{ IP(192, 168, 77, 1), R_16 },
	{ IP(203, 0, 113, 9), R_BH },
	{ 0, R_DEF },
	{ UINT32_MAX, R_DEF },
};

static struct ft_route_table *
lpm_table_create(void)
{
	struct ft_route_table *r = fib_create(64, 64, 16);

	for (unsigned int i = 0; i < RTE_DIM(lpm_routes); i++)
		assert_int_equal(ft_route_add(r, lpm_routes[i].prefix, lpm_routes[i].len,
					      &lpm_routes[i].nh), 0);
	assert_int_equal(ft_route_count(r), RTE_DIM(lpm_routes));
	return r;
}

static void
expect_route(const struct ft_route_table *r, uint32_t dst, int route)
{
	const struct ft_nexthop *want = route == R_NONE ? NULL : &lpm_routes[route].nh;
	const struct ft_nexthop *got = ft_route_lookup(r, dst);

	if (!nh_equal(got, want))
		fail_msg("dst %08x: got kind %d, want route %d", dst, got ? got->kind : -1, route);
}

static void
test_longest_prefix_wins(void **state)
{
	struct ft_route_table *r = lpm_table_create();

	for (unsigned int i = 0; i < RTE_DIM(lpm_cases); i++)
		expect_route(r, lpm_cases[i].dst, lpm_cases[i].route);
	assert_int_equal(ft_route_del(r, 0, 0), 0);
	expect_route(r, IP(11, 0, 0, 0), R_NONE);
	expect_route(r, IP(10, 1, 3, 0), R_8);
	ft_route_destroy(r);
}

static void
test_replace_changes_nexthop_in_place_of_route(void **state)
{
	struct ft_route_table *r = lpm_table_create();
	const struct ft_nexthop x = lan(2, IP(10, 9, 9, 9)), y = lan(3, 0);

	assert_int_equal(ft_route_add(r, IP(10, 0, 0, 0), 8, &x), 0);
	assert_int_equal(ft_route_add(r, IP(10, 1, 2, 3), 32, &y), 0);
	assert_int_equal(ft_route_add(r, 0, 0, &y), 0);
	assert_int_equal(ft_route_add(r, 0, 0, &y), 0);  /* same next hop again: no-op */
	assert_int_equal(ft_route_count(r), RTE_DIM(lpm_routes));
	assert_true(nh_equal(ft_route_lookup(r, IP(10, 200, 0, 1)), &x));
	assert_true(nh_equal(ft_route_lookup(r, IP(10, 1, 2, 3)), &y));
	assert_true(nh_equal(ft_route_lookup(r, IP(8, 8, 8, 8)), &y));
	expect_route(r, IP(10, 1, 2, 4), R_24);     /* more specific routes untouched */
	expect_route(r, IP(10, 1, 2, 200), R_25);
	ft_route_destroy(r);
}

static void
test_delete_falls_back_to_shorter_prefix(void **state)
{
	static const struct {
		int del;          /* route deleted at this step */
		uint32_t dst;
		int route;        /* what dst matches afterwards */
	} steps[] = {
		{ R_32, IP(10, 1, 2, 3), R_24 },
		{ R_25, IP(10, 1, 2, 200), R_24 },
		{ R_24, IP(10, 1, 2, 3), R_8 },
		{ R_8, IP(10, 1, 2, 3), R_DEF },
		{ R_16, IP(192, 168, 1, 1), R_DEF },
		{ R_DEF, IP(10, 1, 2, 3), R_NONE },
	};
	struct ft_route_table *r = lpm_table_create();

	for (unsigned int i = 0; i < RTE_DIM(steps); i++) {
		int d = steps[i].del;

		assert_int_equal(ft_route_del(r, lpm_routes[d].prefix, lpm_routes[d].len), 0);
		assert_int_equal(ft_route_del(r, lpm_routes[d].prefix, lpm_routes[d].len), -ENOENT);
		expect_route(r, steps[i].dst, steps[i].route);
	}
	expect_route(r, IP(203, 0, 113, 1), R_BH);
	assert_int_equal(ft_route_count(r), 1);
	ft_route_destroy(r);
}

/* --- bulk vs single vs a linear-scan reference model --- */

#define MODEL_ROUTES 3000
#define MODEL_NHS 40
#define MODEL_DSTS 12000

struct model_route {
	uint32_t prefix;
	uint8_t len;
	uint16_t nh;  /* index into the next-hop pool */
};

struct model {
	struct model_route rt[MODEL_ROUTES];
	unsigned int n;
	struct ft_nexthop pool[MODEL_NHS];
};

static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

static uint32_t
mask_of(uint8_t len)
{
	return len == 0 ? 0 : UINT32_MAX << (32 - len);
}

/* Addresses clustered under four /8s so that random prefixes overlap a lot. */
static uint32_t
clustered_addr(uint64_t *s)
{
	static const uint8_t top[] = { 10, 100, 172, 192 };
	uint64_t v = rng_next(s);

	return (uint32_t)top[v % RTE_DIM(top)] << 24 | ((uint32_t)(v >> 32) & 0xffffff);
}

static const struct ft_nexthop *
model_lookup(const struct model *m, uint32_t dst)
{
	int best = -1;

	for (unsigned int i = 0; i < m->n; i++)
		if (((dst ^ m->rt[i].prefix) & mask_of(m->rt[i].len)) == 0 &&
		    (best < 0 || m->rt[i].len > m->rt[best].len))
			best = (int)i;
	return best < 0 ? NULL : &m->pool[m->rt[best].nh];
}

static void
model_add(struct model *m, uint32_t prefix, uint8_t len, uint16_t nh)
{
	for (unsigned int i = 0; i < m->n; i++)
		if (m->rt[i].prefix == prefix && m->rt[i].len == len) {
			m->rt[i].nh = nh;
			return;
		}
	m->rt[m->n++] = (struct model_route){ prefix, len, nh };
}

static void
model_fill(struct ft_route_table *r, struct model *m, uint64_t *s)
{
	for (unsigned int i = 0; i < MODEL_NHS; i++)
		m->pool[i] = i % 2 ? peer(i) : lan((uint16_t)(i % FT_MAX_PORTS), IP(10, 0, 0, i));
	m->n = 0;
	for (unsigned int i = 0; i < MODEL_ROUTES; i++) {
		uint8_t len = (uint8_t)(rng_next(s) % 33);
		uint32_t prefix = clustered_addr(s) & mask_of(len);
		uint16_t nh = (uint16_t)(rng_next(s) % MODEL_NHS);

		assert_int_equal(ft_route_add(r, prefix, len, &m->pool[nh]), 0);
		model_add(m, prefix, len, nh);
	}
	assert_int_equal(ft_route_count(r), m->n);
}

/* Single lookups equal the model; bursts of every size 1..37 equal single lookups. */
static void
model_check(const struct ft_route_table *r, const struct model *m, uint64_t *s)
{
	static uint32_t dst[MODEL_DSTS];
	static const struct ft_nexthop *single[MODEL_DSTS], *burst[MODEL_DSTS];
	unsigned int hits = 0, bhits = 0;

	for (unsigned int i = 0; i < MODEL_DSTS; i++) {
		dst[i] = i % 2 ? clustered_addr(s) : (uint32_t)rng_next(s);
		single[i] = ft_route_lookup(r, dst[i]);
		if (!nh_equal(single[i], model_lookup(m, dst[i])))
			fail_msg("dst %08x differs from the reference model", dst[i]);
		hits += single[i] != NULL;
	}
	for (unsigned int i = 0, n; i < MODEL_DSTS; i += n) {
		n = RTE_MIN(i % 3 == 0 ? 32u : 1 + i % 37, MODEL_DSTS - i);
		bhits += ft_route_lookup_burst(r, &dst[i], (uint16_t)n, &burst[i]);
	}
	for (unsigned int i = 0; i < MODEL_DSTS; i++)
		assert_ptr_equal(burst[i], single[i]);
	assert_int_equal(bhits, hits);
}

static void
test_bulk_equals_single_equals_reference_model(void **state)
{
	static struct model m;
	uint64_t seed = 0x5eed5eed1234ULL;
	struct ft_route_table *r = fib_create(MODEL_ROUTES, MODEL_NHS, 2048);

	model_fill(r, &m, &seed);
	model_check(r, &m, &seed);
	/* Delete every other route (swap-remove from the model), then check again. */
	for (unsigned int i = 0; i < m.n; i++) {
		assert_int_equal(ft_route_del(r, m.rt[i].prefix, m.rt[i].len), 0);
		m.rt[i] = m.rt[--m.n];
	}
	assert_int_equal(ft_route_count(r), m.n);
	model_check(r, &m, &seed);
	ft_route_destroy(r);
}

/* --- RCU: this thread as a reader that withholds its quiescent report --- */

/*
 * Setup and teardown, so that a failed assertion cannot leave this thread online (which would
 * make every later ft_route_destroy() wait for it forever).
 */
static int
self_reader_begin(void **state)
{
	if (rte_rcu_qsbr_thread_register(qsbr, SELF_ID) != 0)
		return -1;
	rte_rcu_qsbr_thread_online(qsbr, SELF_ID);
	return 0;
}

static int
self_reader_end(void **state)
{
	rte_rcu_qsbr_thread_offline(qsbr, SELF_ID);
	return rte_rcu_qsbr_thread_unregister(qsbr, SELF_ID) == 0 ? 0 : -1;
}

static void
test_nexthop_reuse_waits_for_grace_period(void **state)
{
	struct ft_route_table *r = fib_create(16, 2, 16);
	const struct ft_nexthop a = peer(1), b = peer(2), c = peer(3), d = peer(4);
	const struct ft_nexthop *held;

	assert_int_equal(ft_route_add(r, IP(10, 0, 0, 0), 24, &a), 0);
	assert_int_equal(ft_route_add(r, IP(10, 0, 1, 0), 24, &b), 0);
	held = ft_route_lookup(r, IP(10, 0, 0, 9));
	assert_true(nh_equal(held, &a));
	assert_int_equal(ft_route_del(r, IP(10, 0, 0, 0), 24), 0);
	/* a's entry waits for this reader: no entry is free yet. */
	assert_int_equal(ft_route_add(r, IP(10, 0, 2, 0), 24, &c), -EAGAIN);
	assert_int_equal(ft_route_add(r, IP(10, 0, 1, 0), 24, &c), -EAGAIN);  /* replace too */
	assert_true(nh_equal(held, &a));  /* the borrowed pointer is intact */
	rte_rcu_qsbr_quiescent(qsbr, SELF_ID);
	held = NULL;
	assert_int_equal(ft_route_add(r, IP(10, 0, 2, 0), 24, &c), 0);
	assert_int_equal(ft_route_add(r, IP(10, 0, 3, 0), 24, &d), -ENOSPC);  /* all in use */
	assert_true(nh_equal(ft_route_lookup(r, IP(10, 0, 2, 1)), &c));
	assert_true(nh_equal(ft_route_lookup(r, IP(10, 0, 1, 1)), &b));
	assert_null(ft_route_lookup(r, IP(10, 0, 0, 9)));
	rte_rcu_qsbr_thread_offline(qsbr, SELF_ID);  /* destroy waits for online readers */
	ft_route_destroy(r);
}

static void
test_tbl8_reuse_waits_for_grace_period(void **state)
{
	struct ft_route_table *r = fib_create(16, 16, 1);  /* one tbl8 group */
	const struct ft_nexthop a = peer(1), b = peer(2);

	assert_int_equal(ft_route_add(r, IP(10, 0, 0, 0), 8, &a), 0);
	assert_int_equal(ft_route_add(r, IP(10, 0, 0, 16), 28, &b), 0);  /* takes the group */
	assert_true(nh_equal(ft_route_lookup(r, IP(10, 0, 0, 17)), &b));
	assert_int_equal(ft_route_del(r, IP(10, 0, 0, 16), 28), 0);
	assert_true(nh_equal(ft_route_lookup(r, IP(10, 0, 0, 17)), &a));
	/* The freed group is not reused while this reader may still be walking it. */
	assert_int_equal(ft_route_add(r, IP(10, 0, 1, 16), 28, &b), -ENOSPC);
	rte_rcu_qsbr_quiescent(qsbr, SELF_ID);
	assert_int_equal(ft_route_add(r, IP(10, 0, 1, 16), 28, &b), 0);
	assert_true(nh_equal(ft_route_lookup(r, IP(10, 0, 1, 20)), &b));
	assert_true(nh_equal(ft_route_lookup(r, IP(10, 0, 0, 17)), &a));
	rte_rcu_qsbr_thread_offline(qsbr, SELF_ID);  /* destroy waits for online readers */
	ft_route_destroy(r);
}

/* --- RCU: a concurrent reader pthread while the writer changes next hops --- */

#define RACE_BURST 32
#define RACE_WRITES 5000
#define RACE_HOLD_SPINS 64

/* Every next hop the writer installs satisfies this, so garbage or a reset entry shows. */
static struct ft_nexthop
race_nh(uint32_t v)
{
	return lan((uint16_t)(v % FT_MAX_PORTS), v << 3 | (v % FT_MAX_PORTS));
}

static bool
race_nh_is_sane(const struct ft_nexthop *nh)
{
	return nh->kind == FT_NH_LAN && nh->gw != 0 && (nh->gw & 7) == nh->port && nh->rsvd == 0 &&
	       nh->peer_id == 0;
}

struct race {
	struct ft_route_table *r;
	volatile bool stop;
	uint64_t lookups;
	uint64_t misses;    /* NULL for a destination that is always routed */
	uint64_t garbage;   /* an entry that fails race_nh_is_sane() */
	uint64_t changed;   /* an entry that changed while held (before the quiescent report) */
};

static void
race_read_once(struct race *x, const uint32_t *dst)
{
	const struct ft_nexthop *out[RACE_BURST];
	struct ft_nexthop copy[RACE_BURST];

	ft_route_lookup_burst(x->r, dst, RACE_BURST, out);
	out[RACE_BURST - 1] = ft_route_lookup(x->r, dst[RACE_BURST - 1]);
	for (unsigned int i = 0; i < RACE_BURST; i++) {
		if (out[i] == NULL) {
			x->misses++;
			memset(&copy[i], 0, sizeof(copy[i]));
			out[i] = &copy[i];  /* keeps the comparison below simple */
			continue;
		}
		copy[i] = *out[i];
		x->garbage += !race_nh_is_sane(&copy[i]);
	}
	/* Hold the borrowed pointers a while: the writer must not touch these entries. */
	for (unsigned int k = 0; k < RACE_HOLD_SPINS; k++)
		rte_pause();
	for (unsigned int i = 0; i < RACE_BURST; i++)
		x->changed += memcmp(&copy[i], out[i], sizeof(copy[i])) != 0;
	x->lookups += RACE_BURST;
}

static void *
race_reader(void *arg)
{
	struct race *x = arg;
	uint32_t dst[RACE_BURST];

	/* All under 10.0.0.0/8, which always has a route; some under the toggled /16, /28. */
	for (unsigned int i = 0; i < RACE_BURST; i++)
		dst[i] = i % 2 ? IP(10, 1, 2, 16 + i / 2) : IP(10, 1 + i % 3, i, 200);
	rte_rcu_qsbr_thread_register(qsbr, READER_ID);
	rte_rcu_qsbr_thread_online(qsbr, READER_ID);
	while (!x->stop) {
		race_read_once(x, dst);
		rte_rcu_qsbr_quiescent(qsbr, READER_ID);
	}
	rte_rcu_qsbr_thread_offline(qsbr, READER_ID);
	rte_rcu_qsbr_thread_unregister(qsbr, READER_ID);
	return NULL;
}

/* Add with retry while entries or tbl8 groups wait for the reader's grace period. */
static int
race_add(struct race *x, uint32_t prefix, uint8_t len, uint32_t v, uint64_t *retries)
{
	const struct ft_nexthop nh = race_nh(v);
	int rc;

	while ((rc = ft_route_add(x->r, prefix, len, &nh)) == -EAGAIN || rc == -ENOSPC) {
		(*retries)++;
		sched_yield();
	}
	return rc;
}

/*
 * Replace 10/8 every step; toggle 10.1/16 and 10.1.2.16/28 (which allocates and frees a tbl8
 * group). Every step installs a new next hop value, so with 8 entries they are reused
 * constantly. Errors are returned, not asserted, so that the reader is always joined.
 */
static int
race_write(struct race *x, uint64_t *retries)
{
	int rc = 0;

	for (uint32_t v = 3; v < RACE_WRITES && rc == 0; v++) {
		rc = race_add(x, IP(10, 0, 0, 0), 8, v, retries);
		if (rc == 0 && v % 2 == 1)
			rc = race_add(x, IP(10, 1, 0, 0), 16, v, retries);
		else if (rc == 0)
			rc = ft_route_del(x->r, IP(10, 1, 0, 0), 16);
		if (rc == 0 && v % 3 == 0)
			rc = race_add(x, IP(10, 1, 2, 16), 28, v, retries);
		else if (rc == 0 && v % 3 == 1)
			rc = ft_route_del(x->r, IP(10, 1, 2, 16), 28);
	}
	return rc;
}

/*
 * EAL pinned this thread to lcore 0 and a new pthread inherits that: let the reader run on
 * any CPU, so that on a multi-core machine it reads truly in parallel with the writer.
 */
static int
reader_start(pthread_t *th, struct race *x)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_attr_t attr;
	cpu_set_t cpus;
	int rc;

	CPU_ZERO(&cpus);
	for (long i = 0; i < n && i < CPU_SETSIZE; i++)
		CPU_SET(i, &cpus);
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
	rc = pthread_create(th, &attr, race_reader, x);
	pthread_attr_destroy(&attr);
	return rc;
}

static void
test_concurrent_reader_never_sees_reused_nexthop(void **state)
{
	struct race x = { .r = fib_create(64, 8, 2) };  /* 8 entries: constant reuse */
	uint64_t retries = 0;
	pthread_t th;
	int rc;

	assert_int_equal(race_add(&x, IP(10, 0, 0, 0), 8, 2, &retries), 0);
	assert_int_equal(reader_start(&th, &x), 0);
	rc = race_write(&x, &retries);
	x.stop = true;
	assert_int_equal(pthread_join(th, NULL), 0);
	print_message("reader: %" PRIu64 " lookups; writer: %" PRIu64
		      " retries waiting for a grace period\n", x.lookups, retries);
	assert_int_equal(rc, 0);
	assert_true(x.lookups > 0);
	assert_int_equal(x.misses, 0);
	assert_int_equal(x.garbage, 0);
	assert_int_equal(x.changed, 0);
	ft_route_destroy(x.r);
}

/* --- fixture --- */

static int
group_setup(void **state)
{
	size_t sz;

	if (ft_test_eal_init() != 0)
		return -1;
	sz = rte_rcu_qsbr_get_memsize(N_QSBR_THREADS);
	qsbr = rte_zmalloc("test_route_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (qsbr == NULL || rte_rcu_qsbr_init(qsbr, N_QSBR_THREADS) != 0)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	rte_free(qsbr);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_rejects_bad_conf),
		cmocka_unit_test(test_add_and_del_reject_bad_arguments),
		cmocka_unit_test(test_full_table_returns_enospc),
		cmocka_unit_test(test_identical_nexthops_share_one_entry),
		cmocka_unit_test(test_longest_prefix_wins),
		cmocka_unit_test(test_replace_changes_nexthop_in_place_of_route),
		cmocka_unit_test(test_delete_falls_back_to_shorter_prefix),
		cmocka_unit_test(test_bulk_equals_single_equals_reference_model),
		cmocka_unit_test_setup_teardown(test_nexthop_reuse_waits_for_grace_period,
						self_reader_begin, self_reader_end),
		cmocka_unit_test_setup_teardown(test_tbl8_reuse_waits_for_grace_period,
						self_reader_begin, self_reader_end),
		cmocka_unit_test(test_concurrent_reader_never_sees_reused_nexthop),
	};

	return cmocka_run_group_tests_name("route", tests, group_setup, group_teardown);
}
