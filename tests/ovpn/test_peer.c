/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Peer tables (src/ovpn/peer.[ch]): add and lookup by peer-id, VPN address and transport
 * address; lowest-free id allocation; capacity (-ENOSPC) and duplicates (-EEXIST); delete;
 * float detection and the control thread's acceptance of a float; keepalive due / timed-out as
 * a table; counters and drop-reason names; and RCU: a deleted peer and its hash slots outlive
 * a reader that holds it (deterministically, then with a reader pthread racing add/delete).
 * openvpn-protocol.md §6.1, §6.5, §9.1-§9.3. EAL without hugepages; the OpenSSL AEAD backend
 * for peers with keys (the group teardown fails if any AEAD key leaked).
 */
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>

#include "crypto/aead.h"
#include "ovpn/keys.h"
#include "ovpn/peer.h"
#include "test_eal.h"

#define MAX_PEERS	4
#define T0		5000
#define READER_ID	0
#define VPN_BASE	0x0a080001u	/* 10.8.0.1 + id */
#define TP_BASE		0xc6336401u	/* 198.51.100.1 + id */

static struct ft_aead_backend *be;
static struct ovpn_rcu rcu_now;		/* no readers: frees at once */
static struct ovpn_keys_conf kconf;

static struct ft_endpoint4
ep(uint32_t addr, uint16_t port)
{
	struct ft_endpoint4 e = { .addr = addr, .port = port };

	return e;
}

/* Peer @p id's conventional addresses: VPN 10.8.0.(1 + id), transport 198.51.100.(1 + id). */
static struct ovpn_peer_conf
conf_for(uint32_t id)
{
	struct ovpn_peer_conf c;

	ovpn_peer_conf_init(&c);
	c.id = id;
	c.vpn_ip4 = VPN_BASE + (id & 0xff);
	c.transport = ep(TP_BASE + (id & 0xff), (uint16_t)(40000 + (id & 0xff)));
	return c;
}

static struct ovpn_peer_table *
table_create(const char *name, struct ovpn_rcu *rcu)
{
	struct ovpn_peer_table_conf tc = {
		.name = name, .max_peers = MAX_PEERS, .socket_id = SOCKET_ID_ANY,
		.rcu = rcu, .keys = &kconf,
	};
	struct ovpn_peer_table *t = ovpn_peer_table_create(&tc);

	assert_non_null(t);
	return t;
}

static struct ovpn_peer *
add(struct ovpn_peer_table *t, uint32_t id)
{
	struct ovpn_peer_conf c = conf_for(id);
	struct ovpn_peer *p = NULL;

	assert_int_equal(ovpn_peer_add(t, &c, T0, &p), 0);
	assert_non_null(p);
	return p;
}

static int
group_setup(void **state)
{
	struct ft_aead_backend_conf bc;

	if (ft_test_eal_init() < 0)
		return -1;
	ft_aead_backend_conf_init(&bc);
	be = ft_aead_backend_create(&bc);
	if (be == NULL || ovpn_rcu_init(&rcu_now, NULL, NULL, 0) < 0)
		return -1;
	ovpn_keys_conf_init(&kconf);
	kconf.backend = be;
	kconf.rcu = &rcu_now;
	return 0;
}

static int
group_teardown(void **state)
{
	return ft_aead_backend_destroy(be) == 0 ? 0 : -1;
}

/* --- add, lookup, capacity, duplicates, delete --- */

static void
test_peer_add_and_lookup_three_ways(void **state)
{
	struct ovpn_peer_table *t = table_create("tp_lookup", &rcu_now);
	struct ovpn_peer *p0 = add(t, 0), *p3 = add(t, 3);
	struct ft_endpoint4 e = conf_for(3).transport;

	assert_int_equal(ovpn_peer_table_count(t), 2);
	assert_ptr_equal(ovpn_peer_lookup_by_id(t, 0), p0);
	assert_ptr_equal(ovpn_peer_lookup_by_id(t, 3), p3);
	assert_null(ovpn_peer_lookup_by_id(t, 1));
	assert_null(ovpn_peer_lookup_by_id(t, MAX_PEERS));
	assert_null(ovpn_peer_lookup_by_id(t, OVPN_PEER_ID_UNDEF));
	assert_ptr_equal(ovpn_peer_lookup_by_vpn4(t, VPN_BASE + 3), p3);
	assert_ptr_equal(ovpn_peer_lookup_by_vpn4(t, VPN_BASE), p0);
	assert_null(ovpn_peer_lookup_by_vpn4(t, VPN_BASE + 1));
	assert_ptr_equal(ovpn_peer_lookup_by_transport(t, &e), p3);
	e.port++;
	assert_null(ovpn_peer_lookup_by_transport(t, &e));
	/* What the peer was created with. */
	assert_int_equal(p3->id, 3);
	assert_true(ovpn_peer_transport(p3).addr == TP_BASE + 3 &&
		    ovpn_peer_transport(p3).port == 40003);
	assert_true(p3->keepalive_interval_s == 10 && p3->keepalive_timeout_s == 120);
	assert_int_equal(p3->last_rx_s, T0);
	assert_null(ovpn_keys_primary_tx(&p3->keys));
	ovpn_peer_table_destroy(t);
}

static void
test_peer_optional_addresses_stay_out_of_the_hashes(void **state)
{
	struct ovpn_peer_table *t = table_create("tp_noaddr", &rcu_now);
	struct ovpn_peer_conf c;
	struct ft_endpoint4 none = ep(0, 0);

	ovpn_peer_conf_init(&c);
	assert_int_equal(ovpn_peer_add(t, &c, T0, NULL), 0);
	assert_int_equal(ovpn_peer_add(t, &c, T0, NULL), 0);	/* two without addresses */
	assert_null(ovpn_peer_lookup_by_vpn4(t, 0));
	assert_null(ovpn_peer_lookup_by_transport(t, &none));
	assert_int_equal(ovpn_peer_table_count(t), 2);
	ovpn_peer_table_destroy(t);
}

static void
test_peer_auto_id_lowest_free_and_capacity_enospc(void **state)
{
	struct ovpn_peer_table *t = table_create("tp_full", &rcu_now);
	struct ovpn_peer_conf c;
	struct ovpn_peer *p;

	for (uint32_t i = 0; i < MAX_PEERS; i++) {
		c = conf_for(i);
		c.id = OVPN_PEER_ID_UNDEF;
		assert_int_equal(ovpn_peer_add(t, &c, T0, &p), 0);
		assert_int_equal(p->id, i);
	}
	c = conf_for(10);
	c.id = OVPN_PEER_ID_UNDEF;
	assert_int_equal(ovpn_peer_add(t, &c, T0, NULL), -ENOSPC);
	c.id = MAX_PEERS;	/* ids are 0 .. max_peers - 1 */
	assert_int_equal(ovpn_peer_add(t, &c, T0, NULL), -EINVAL);
	assert_null(ovpn_peer_lookup_by_vpn4(t, c.vpn_ip4));
	assert_int_equal(ovpn_peer_table_count(t), MAX_PEERS);
	/* A free id makes room again, and is the one handed out. */
	assert_int_equal(ovpn_peer_del(t, 2), 0);
	c.id = OVPN_PEER_ID_UNDEF;
	assert_int_equal(ovpn_peer_add(t, &c, T0, &p), 0);
	assert_int_equal(p->id, 2);
	ovpn_peer_table_destroy(t);
}

static void
test_peer_duplicates_are_eexist(void **state)
{
	struct ovpn_peer_table *t = table_create("tp_dup", &rcu_now);
	struct ovpn_peer *p1 = add(t, 1);
	struct ft_endpoint4 e1 = conf_for(1).transport;
	struct ovpn_peer_conf c;

	c = conf_for(2);
	c.id = 1;				/* same id */
	assert_int_equal(ovpn_peer_add(t, &c, T0, NULL), -EEXIST);
	c = conf_for(2);
	c.vpn_ip4 = conf_for(1).vpn_ip4;	/* same VPN address */
	assert_int_equal(ovpn_peer_add(t, &c, T0, NULL), -EEXIST);
	c = conf_for(2);
	c.transport = conf_for(1).transport;	/* same transport address */
	assert_int_equal(ovpn_peer_add(t, &c, T0, NULL), -EEXIST);
	/* Nothing of the failed adds is visible. */
	assert_int_equal(ovpn_peer_table_count(t), 1);
	assert_null(ovpn_peer_lookup_by_id(t, 2));
	assert_null(ovpn_peer_lookup_by_vpn4(t, conf_for(2).vpn_ip4));
	assert_ptr_equal(ovpn_peer_lookup_by_vpn4(t, conf_for(1).vpn_ip4), p1);
	assert_ptr_equal(ovpn_peer_lookup_by_transport(t, &e1), p1);
	ovpn_peer_table_destroy(t);
}

static void
test_peer_delete_then_lookups_fail(void **state)
{
	struct ovpn_peer_table *t = table_create("tp_del", &rcu_now);
	struct ovpn_peer_conf c = conf_for(2);
	struct ovpn_key_material m;
	uint8_t key2[OVPN_KEY2_LEN] = { 1 };
	struct ovpn_peer *p = add(t, 2);

	/* With keys in both slots: they go with the peer (the teardown checks for leaks). */
	assert_int_equal(ovpn_key_material_from_key2(&m, FT_AEAD_AES_128_GCM, 0, key2, true), 0);
	assert_int_equal(ovpn_keys_install(&p->keys, OVPN_KEY_PRIMARY, &m, T0), 0);
	m.key_id = 1;
	assert_int_equal(ovpn_keys_install(&p->keys, OVPN_KEY_SECONDARY, &m, T0), 0);
	assert_int_equal(ovpn_peer_del(t, 2), 0);
	assert_null(ovpn_peer_lookup_by_id(t, 2));
	assert_null(ovpn_peer_lookup_by_vpn4(t, c.vpn_ip4));
	assert_null(ovpn_peer_lookup_by_transport(t, &c.transport));
	assert_int_equal(ovpn_peer_table_count(t), 0);
	assert_int_equal(ovpn_peer_del(t, 2), -ENOENT);
	assert_int_equal(ovpn_peer_del(t, MAX_PEERS + 5), -ENOENT);
	/* Everything can be reused at once. */
	p = add(t, 2);
	assert_ptr_equal(ovpn_peer_lookup_by_transport(t, &c.transport), p);
	ovpn_peer_table_destroy(t);
}

static void
test_peer_table_conf_is_checked(void **state)
{
	struct ovpn_peer_table_conf tc = {
		.name = "tp_conf", .max_peers = 0, .socket_id = SOCKET_ID_ANY,
		.rcu = &rcu_now, .keys = &kconf,
	};
	struct ovpn_peer_table *t;
	uint32_t level;

	assert_null(ovpn_peer_table_create(&tc));
	tc.max_peers = OVPN_PEER_ID_MAX + 2;
	assert_null(ovpn_peer_table_create(&tc));
	tc.max_peers = 1;
	tc.name = "a_name_longer_than_16";
	assert_null(ovpn_peer_table_create(&tc));
	tc.name = "tp_conf";
	t = ovpn_peer_table_create(&tc);
	assert_non_null(t);
	/* The name is taken (quietly: DPDK logs the failed ring reservation as an error). */
	level = rte_log_get_global_level();
	rte_log_set_global_level(RTE_LOG_CRIT);
	assert_null(ovpn_peer_table_create(&tc));
	rte_log_set_global_level(level);
	assert_int_equal(rte_errno, EEXIST);
	ovpn_peer_table_destroy(t);
	ovpn_peer_table_destroy(NULL);
}

/* --- float --- */

static void
test_peer_float_reported_once_per_new_address(void **state)
{
	struct ovpn_peer_table *t = table_create("tp_float", &rcu_now);
	struct ovpn_peer *p = add(t, 0);
	const struct ft_endpoint4 a = conf_for(0).transport, b = ep(0xcb007101, 5000),
				  c = ep(0xcb007101, 5001);
	static const struct {
		char src;
		bool want;
	} steps[] = {
		{ 'a', false }, { 'b', true }, { 'b', false }, { 'b', false }, { 'c', true },
		{ 'b', true },	/* back to an earlier candidate: a new report */
		{ 'a', false },	/* the current address clears the memory */
		{ 'b', true },
	};

	for (unsigned int i = 0; i < RTE_DIM(steps); i++) {
		const struct ft_endpoint4 *src = steps[i].src == 'a' ? &a :
						 steps[i].src == 'b' ? &b : &c;

		if (ovpn_peer_float_check(p, src) != steps[i].want)
			fail_msg("step %u (%c): want %d", i, steps[i].src, steps[i].want);
	}
	/* The control thread accepts: the hash and the address move together. */
	assert_int_equal(ovpn_peer_set_transport(t, p, &b), 0);
	assert_ptr_equal(ovpn_peer_lookup_by_transport(t, &b), p);
	assert_null(ovpn_peer_lookup_by_transport(t, &a));
	assert_int_equal(ovpn_peer_transport(p).addr, b.addr);
	assert_false(ovpn_peer_float_check(p, &b));
	assert_true(ovpn_peer_float_check(p, &a));
	assert_int_equal(ovpn_peer_set_transport(t, p, &b), 0);	/* no change */
	ovpn_peer_table_destroy(t);
}

static void
test_peer_set_transport_refuses_a_taken_address(void **state)
{
	struct ovpn_peer_table *t = table_create("tp_move", &rcu_now);
	struct ovpn_peer *p0 = add(t, 0), *p1 = add(t, 1);
	struct ft_endpoint4 none = ep(0, 0), a1 = conf_for(1).transport;

	assert_int_equal(ovpn_peer_set_transport(t, p0, &a1), -EEXIST);
	assert_ptr_equal(ovpn_peer_lookup_by_transport(t, &a1), p1);
	assert_int_equal(ovpn_peer_transport(p0).addr, conf_for(0).transport.addr);
	/* Forget p1's address; then p0 may take it. */
	assert_int_equal(ovpn_peer_set_transport(t, p1, &none), 0);
	assert_null(ovpn_peer_lookup_by_transport(t, &a1));
	assert_int_equal(ovpn_peer_set_transport(t, p0, &a1), 0);
	assert_ptr_equal(ovpn_peer_lookup_by_transport(t, &a1), p0);
	assert_int_equal(ovpn_peer_del(t, 1), 0);	/* a peer with no transport address */
	ovpn_peer_table_destroy(t);
}

/* --- keepalive (§6.5, §9.1) --- */

struct ka_case {
	uint32_t interval, timeout;
	uint64_t last_rx, last_tx, now;
	bool due, timed_out;
};

static const struct ka_case ka_cases[] = {
	/* interval timeout last_rx last_tx   now   due    timed out */
	{ 10, 120, 100, 100, 100, false, false },	/* just created */
	{ 10, 120, 100, 100, 109, false, false },
	{ 10, 120, 100, 100, 110, true, false },	/* nothing sent for 10 s */
	{ 10, 120, 100, 105, 114, false, false },	/* something sent at 105 */
	{ 10, 120, 100, 105, 115, true, false },
	{ 10, 120, 100, 215, 219, false, false },	/* we keep pinging, peer silent */
	{ 10, 120, 100, 215, 220, false, true },	/* 120 s since the last rx */
	{ 10, 120, 150, 215, 220, false, false },	/* rx at 150 restarted the clock */
	{ 0, 120, 100, 100, 100000, false, true },	/* no pings configured */
	{ 10, 0, 100, 100, 100000, true, false },	/* no timeout configured */
	{ 0, 0, 100, 100, 100000, false, false },
	{ 10, 120, 300, 300, 200, false, false },	/* clock behind the stamps */
};

static void
test_peer_keepalive_due_and_timeout_table(void **state)
{
	struct ovpn_peer_table *t = table_create("tp_ka", &rcu_now);
	struct ovpn_peer *p = add(t, 0);
	int failed = 0;

	for (unsigned int i = 0; i < RTE_DIM(ka_cases); i++) {
		const struct ka_case *c = &ka_cases[i];
		bool due, dead;

		ovpn_peer_set_keepalive(p, c->interval, c->timeout);
		p->last_rx_s = c->last_rx;
		p->last_tx_s = c->last_tx;
		due = ovpn_peer_keepalive_due(p, c->now);
		dead = ovpn_peer_timed_out(p, c->now);
		if (due != c->due || dead != c->timed_out) {
			print_error("row %u: due %d (want %d), timed out %d (want %d)\n", i, due,
				    c->due, dead, c->timed_out);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
	/* The counting helpers move the stamps. */
	ovpn_peer_set_keepalive(p, 10, 60);
	ovpn_peer_count_tx(p, 40, 1000);
	ovpn_peer_count_rx(p, 40, 1001);
	assert_false(ovpn_peer_keepalive_due(p, 1009));
	assert_true(ovpn_peer_keepalive_due(p, 1010));
	assert_false(ovpn_peer_timed_out(p, 1060));
	assert_true(ovpn_peer_timed_out(p, 1061));
	ovpn_peer_table_destroy(t);
}

/* --- counters --- */

static void
test_peer_counters_and_drop_reasons(void **state)
{
	struct ovpn_peer_table *t = table_create("tp_ctr", &rcu_now);
	struct ovpn_peer *p = add(t, 1);
	struct ovpn_peer_stats st;

	ovpn_peer_count_rx(p, 108, T0 + 1);
	ovpn_peer_count_rx(p, 40, T0 + 2);
	ovpn_peer_count_tx(p, 1524, T0 + 3);
	ovpn_peer_count_drop(p, OVPN_DROP_REPLAY);
	ovpn_peer_count_drop(p, OVPN_DROP_REPLAY);
	ovpn_peer_count_drop(p, OVPN_DROP_AUTH_FAIL);
	ovpn_peer_stats_read(p, &st);
	assert_int_equal(st.rx_pkts, 2);
	assert_int_equal(st.rx_bytes, 148);
	assert_int_equal(st.tx_pkts, 1);
	assert_int_equal(st.tx_bytes, 1524);
	assert_int_equal(st.drops[OVPN_DROP_REPLAY], 2);
	assert_int_equal(st.drops[OVPN_DROP_AUTH_FAIL], 1);
	assert_int_equal(st.drops[OVPN_DROP_NO_ROUTE], 0);
	assert_int_equal(p->last_rx_s, T0 + 2);		/* "last seen" */
	assert_int_equal(p->last_tx_s, T0 + 3);
	/* Every reason has its own name and a description. */
	for (unsigned int i = 0; i < OVPN_DROP_MAX; i++) {
		assert_string_not_equal(ovpn_drop_reason_name(i), "?");
		assert_true(strlen(ovpn_drop_reason_desc(i)) > 10);
		for (unsigned int j = 0; j < i; j++)
			assert_string_not_equal(ovpn_drop_reason_name(i),
						ovpn_drop_reason_name(j));
	}
	assert_string_equal(ovpn_drop_reason_name(OVPN_DROP_MAX), "?");
	assert_int_equal(ovpn_drop_from_replay(OVPN_REPLAY_DUP), OVPN_DROP_REPLAY);
	assert_int_equal(ovpn_drop_from_replay(OVPN_REPLAY_TOO_OLD), OVPN_DROP_REPLAY_OLD);
	assert_int_equal(ovpn_drop_from_replay(OVPN_REPLAY_TOO_OLD_TIME), OVPN_DROP_REPLAY_OLD);
	assert_int_equal(ovpn_drop_from_replay(OVPN_REPLAY_ZERO), OVPN_DROP_MALFORMED);
	ovpn_peer_table_destroy(t);
}

/* --- RCU --- */

static struct rte_rcu_qsbr *
qsbr_create(void)
{
	size_t sz = rte_rcu_qsbr_get_memsize(1);
	struct rte_rcu_qsbr *v = rte_zmalloc("test_peer_qsbr", sz, RTE_CACHE_LINE_SIZE);

	assert_non_null(v);
	assert_int_equal(rte_rcu_qsbr_init(v, 1), 0);
	return v;
}

static void
test_peer_rcu_deleted_peer_outlives_reader(void **state)
{
	struct rte_rcu_qsbr *v = qsbr_create();
	struct ovpn_peer_conf c = conf_for(2);
	struct ovpn_peer_table *t;
	struct ovpn_peer *held;
	struct ovpn_rcu rcu;

	assert_int_equal(ovpn_rcu_init(&rcu, "tpeer_dq", v, 32), 0);
	t = table_create("tp_rcu", &rcu);
	add(t, 2);
	rte_rcu_qsbr_thread_register(v, READER_ID);
	rte_rcu_qsbr_thread_online(v, READER_ID);
	held = ovpn_peer_lookup_by_vpn4(t, c.vpn_ip4);
	assert_non_null(held);
	assert_int_equal(ovpn_peer_del(t, 2), 0);
	/* The peer and its two hash slots wait for this reader. */
	assert_int_equal(ovpn_rcu_pending(&rcu), 3);
	assert_int_equal(ovpn_rcu_reclaim(&rcu), 0);
	assert_int_equal(held->id, 2);
	assert_int_equal(held->vpn_ip4, c.vpn_ip4);
	/* The id and addresses are free for a new peer even so. */
	add(t, 2);
	rte_rcu_qsbr_quiescent(v, READER_ID);
	assert_int_equal(ovpn_rcu_reclaim(&rcu), 3);
	rte_rcu_qsbr_thread_offline(v, READER_ID);
	rte_rcu_qsbr_thread_unregister(v, READER_ID);
	ovpn_peer_table_destroy(t);
	assert_int_equal(ovpn_rcu_fini(&rcu), 0);
	rte_free(v);
}

#define RACE_ITERS	5000
#define RACE_MIN_MS	200

struct race {
	struct rte_rcu_qsbr *v;
	const struct ovpn_peer_table *t;
	uint64_t loops;	/* reader iterations completed (reader writes, release) */
	bool stop;
	uint64_t found;	/* peers found and checked */
	uint64_t bad;	/* a found peer that did not match the key it was found by */
};

/* A found peer must be the one its key names, and stay so until the quiescent report. */
static void
race_check(struct race *x, const struct ovpn_peer *p, uint32_t id)
{
	if (p == NULL)
		return;
	x->found++;
	for (unsigned int k = 0; k < 2; k++) {
		x->bad += p->id != id || p->vpn_ip4 != VPN_BASE + id ||
			  ovpn_peer_transport(p).addr != TP_BASE + id;
		for (unsigned int s = 0; s < 32; s++)
			rte_pause();
	}
}

/*
 * Wait until the reader has run two more whole iterations, i.e. at least one entirely over
 * the current state: the reader gets its turn however loaded the machine is.
 */
static void
wait_reader(const struct race *x)
{
	uint64_t from = __atomic_load_n(&x->loops, __ATOMIC_ACQUIRE);

	while (__atomic_load_n(&x->loops, __ATOMIC_ACQUIRE) < from + 2)
		rte_pause();
}

static void *
race_reader(void *arg)
{
	struct race *x = arg;

	rte_rcu_qsbr_thread_register(x->v, READER_ID);
	rte_rcu_qsbr_thread_online(x->v, READER_ID);
	while (!__atomic_load_n(&x->stop, __ATOMIC_ACQUIRE)) {
		for (uint32_t id = 0; id < MAX_PEERS; id++) {
			struct ft_endpoint4 e = conf_for(id).transport;

			race_check(x, ovpn_peer_lookup_by_id(x->t, id), id);
			race_check(x, ovpn_peer_lookup_by_vpn4(x->t, VPN_BASE + id), id);
			race_check(x, ovpn_peer_lookup_by_transport(x->t, &e), id);
		}
		rte_rcu_qsbr_quiescent(x->v, READER_ID);
		__atomic_store_n(&x->loops, x->loops + 1, __ATOMIC_RELEASE);
	}
	rte_rcu_qsbr_thread_offline(x->v, READER_ID);
	rte_rcu_qsbr_thread_unregister(x->v, READER_ID);
	return NULL;
}

static void
test_peer_rcu_reader_thread_races_add_and_delete(void **state)
{
	struct rte_rcu_qsbr *v = qsbr_create();
	struct race x = { .v = v };
	struct ovpn_peer_table *t;
	struct ovpn_rcu rcu;
	uint64_t end;
	pthread_t th;

	assert_int_equal(ovpn_rcu_init(&rcu, "tpeer_race", v, 64), 0);
	t = table_create("tp_race", &rcu);
	x.t = t;
	assert_int_equal(pthread_create(&th, NULL, race_reader, &x), 0);
	wait_reader(&x);
	end = rte_get_timer_cycles() + rte_get_timer_hz() * RACE_MIN_MS / 1000;
	for (uint32_t i = 0; i < RACE_ITERS || rte_get_timer_cycles() < end; i++) {
		uint32_t id = i % MAX_PEERS;

		if (ovpn_peer_lookup_by_id(t, id) != NULL)
			assert_int_equal(ovpn_peer_del(t, id), 0);
		else
			add(t, id);
		ovpn_rcu_reclaim(&rcu);
		if (i % 64 == 3)	/* all four peers present */
			wait_reader(&x);
	}
	__atomic_store_n(&x.stop, true, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(th, NULL), 0);
	print_message("[  INFO    ] %" PRIu64 " peers found, %" PRIu64 " objects retired\n",
		      x.found, rcu.retired);
	assert_int_equal(x.bad, 0);
	assert_true(x.found > 0);
	ovpn_peer_table_destroy(t);
	assert_int_equal(ovpn_rcu_pending(&rcu), 0);
	assert_int_equal(ovpn_rcu_fini(&rcu), 0);
	rte_free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peer_add_and_lookup_three_ways),
		cmocka_unit_test(test_peer_optional_addresses_stay_out_of_the_hashes),
		cmocka_unit_test(test_peer_auto_id_lowest_free_and_capacity_enospc),
		cmocka_unit_test(test_peer_duplicates_are_eexist),
		cmocka_unit_test(test_peer_delete_then_lookups_fail),
		cmocka_unit_test(test_peer_table_conf_is_checked),
		cmocka_unit_test(test_peer_float_reported_once_per_new_address),
		cmocka_unit_test(test_peer_set_transport_refuses_a_taken_address),
		cmocka_unit_test(test_peer_keepalive_due_and_timeout_table),
		cmocka_unit_test(test_peer_counters_and_drop_reasons),
		cmocka_unit_test(test_peer_rcu_deleted_peer_outlives_reader),
		cmocka_unit_test(test_peer_rcu_reader_thread_races_add_and_delete),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
