/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 FIB over rte_lpm with RCU-safe updates (route.h has the contracts).
 *
 * Readers (workers) touch only: the rte_lpm tables, the next-hop table and default_idx. The
 * single control thread owns everything else (reference counts, free list, the next-hop
 * dedup hash) and publishes in this order, so a reader never sees a half-written state:
 *
 *   add/replace:  write nh[new] -> release fence -> rte_lpm_add (atomic entry stores) or
 *                 store default_idx -> drop the old index (deferred, below)
 *   delete:       rte_lpm_delete / clear default_idx -> drop the index (deferred)
 *
 * Deferred reuse, two queues on the same rte_rcu_qsbr:
 *  - next-hop indices whose last route went away are put on an rte_rcu_qsbr_dq; they return
 *    to the free list (and are reset to FT_NH_INVALID) only once every reader has reported a
 *    quiescent state since, so a borrowed pointer stays valid until its reader's next report;
 *  - tbl8 groups freed by rte_lpm_delete are handled by rte_lpm itself
 *    (rte_lpm_rcu_qsbr_add, RTE_LPM_QSBR_MODE_DQ). DQ rather than SYNC: SYNC blocks the
 *    control thread in rte_rcu_qsbr_synchronize() on every delete that frees a group, so one
 *    idle-sleeping worker would stall a route flush; and a control thread that is itself a
 *    registered reader would deadlock. DQ never blocks; groups are reclaimed on later
 *    deletes, or when a tbl8 allocation finds none free.
 *
 * Not here: ARP resolution of LAN next hops (net/arp), peers (ovpn/peer), per-worker lookup
 * and miss counters (the caller's stats), IPv6 (rte_lpm6, later). rte_lpm's own rule table is
 * the route list: add and delete cost O(routes of that length) (its linear rule scan), fine
 * for a gateway's thousands of routes, measured for 1M in bench/route/bench_lookup.c.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_atomic.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_log.h>
#include <rte_lpm.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_rcu_qsbr.h>

#include <fasttcp/ft_stack.h>

#include "route/route.h"

RTE_LOG_REGISTER(ft_logtype_route, lib.fasttcp.route, INFO);
#define ROUTE_LOG(level, fmt, ...)                                                                 \
	rte_log(RTE_LOG_##level, ft_logtype_route, "fasttcp.route: " fmt "\n", ##__VA_ARGS__)

#define NH_NONE FT_ROUTE_MAX_NEXTHOPS /* "no route": never a table index */
#define NH_MASK 0x00ffffffu	      /* the next hop in a raw rte_lpm table entry */
#define NH_RECLAIM_MAX 32	      /* indices reclaimed per defer-queue pass */

static_assert(sizeof(struct ft_nexthop) == 12, "ft_nexthop is a padding-free hash key");

struct ft_route_table {
	/* Read by workers: lpm and nh_ro are set at create, default_idx is published atomically. */
	struct rte_lpm *lpm;
	const struct ft_nexthop *nh_ro; /* == nh, the readers' view */
	uint32_t default_idx;		/* NH_NONE or an index; atomic */

	/* Control thread only: kept off the readers' cache line. */
	struct ft_nexthop *nh __rte_cache_aligned;
	uint32_t *nh_refs; /* routes using each index */
	uint32_t *nh_free; /* stack of free indices */
	uint32_t n_free;
	uint32_t max_nh;
	struct rte_hash *nh_hash;      /* live next-hop value -> index */
	struct rte_rcu_qsbr_dq *nh_dq; /* indices waiting for a grace period */
	struct rte_rcu_qsbr *qsbr;
	uint32_t n_routes;
	uint32_t max_routes;
};

/* --- validation --- */

static bool
prefix_is_valid(uint32_t prefix, uint8_t len)
{
	if (len > 32)
		return false;
	return len == 32 || (prefix & (UINT32_MAX >> len)) == 0;
}

static bool
nexthop_is_valid(const struct ft_nexthop *nh)
{
	if (nh == NULL || nh->rsvd != 0 || nh->port >= FT_MAX_PORTS)
		return false;
	switch (nh->kind) {
	case FT_NH_LAN:
		return nh->peer_id == 0;
	case FT_NH_PEER:
		return nh->gw == 0 && nh->peer_id <= FT_ROUTE_PEER_ID_MAX;
	case FT_NH_LOCAL:
		return nh->gw == 0 && nh->peer_id == 0;
	case FT_NH_BLACKHOLE:
		return nh->port == 0 && nh->gw == 0 && nh->peer_id == 0;
	default:
		return false;
	}
}

static bool
conf_is_valid(const struct ft_route_conf *conf)
{
	return conf != NULL && conf->qsbr != NULL && conf->max_routes > 0 &&
	       conf->max_nexthops > 0 && conf->max_nexthops <= FT_ROUTE_MAX_NEXTHOPS &&
	       conf->max_tbl8s > 0 && conf->max_tbl8s <= RTE_LPM_MAX_TBL8_NUM_GROUPS;
}

/* --- next-hop table (control thread) --- */

/* Defer-queue callback: a grace period has passed since the last route let go of *e. */
static void
nh_reclaimed(void *p, void *e, unsigned int n)
{
	struct ft_route_table *r = p;
	uint32_t idx;

	RTE_SET_USED(n);
	memcpy(&idx, e, sizeof(idx));
	memset(&r->nh[idx], 0, sizeof(r->nh[idx])); /* FT_NH_INVALID: a late reader would show */
	r->nh_free[r->n_free++] = idx;
}

static int
nh_alloc(struct ft_route_table *r, uint32_t *idx)
{
	unsigned int pending = 0;

	if (r->n_free == 0)
		rte_rcu_qsbr_dq_reclaim(r->nh_dq, NH_RECLAIM_MAX, NULL, &pending, NULL);
	if (r->n_free == 0)
		return pending > 0 ? -EAGAIN : -ENOSPC;
	*idx = r->nh_free[--r->n_free];
	return 0;
}

/* Take a reference on the entry holding *nh, creating it if needed. */
static int
nh_get(struct ft_route_table *r, const struct ft_nexthop *nh, uint32_t *idx)
{
	void *data;
	int rc;

	if (rte_hash_lookup_data(r->nh_hash, nh, &data) >= 0) {
		*idx = (uint32_t)(uintptr_t)data;
		r->nh_refs[*idx]++;
		return 0;
	}
	rc = nh_alloc(r, idx);
	if (rc < 0)
		return rc;
	r->nh[*idx] = *nh; /* unreachable by readers until published */
	rc = rte_hash_add_key_data(r->nh_hash, nh, (void *)(uintptr_t)*idx);
	if (rc < 0) { /* cannot happen: the hash has an extendable table of max_nh keys */
		r->nh_free[r->n_free++] = *idx;
		return rc;
	}
	r->nh_refs[*idx] = 1;
	return 0;
}

/* Drop a reference; the last one sends the index through a grace period. */
static void
nh_put(struct ft_route_table *r, uint32_t idx)
{
	if (--r->nh_refs[idx] != 0)
		return;
	rte_hash_del_key(r->nh_hash, &r->nh[idx]);
	/* The queue holds max_nh entries, so this only fails on a bug: then wait here. */
	if (rte_rcu_qsbr_dq_enqueue(r->nh_dq, &idx) != 0) {
		ROUTE_LOG(ERR, "next-hop defer queue: %s", rte_strerror(rte_errno));
		rte_rcu_qsbr_synchronize(r->qsbr, RTE_QSBR_THRID_INVALID);
		nh_reclaimed(r, &idx, 1);
	}
}

static int
nh_table_create(struct ft_route_table *r, const struct ft_route_conf *conf, const char *name)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = RTE_MAX(conf->max_nexthops, 16u),
		.key_len = sizeof(struct ft_nexthop),
		.socket_id = conf->socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE, /* max_nh keys always fit */
	};
	struct rte_rcu_qsbr_dq_parameters dp = {
		.name = name,
		.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE, /* one writer */
		.size = conf->max_nexthops,
		.esize = sizeof(uint32_t),
		.trigger_reclaim_limit = 0, /* try a non-blocking reclaim on every enqueue */
		.max_reclaim_size = NH_RECLAIM_MAX,
		.free_fn = nh_reclaimed,
		.p = r,
		.v = conf->qsbr,
	};
	uint32_t n = conf->max_nexthops;

	r->nh = rte_zmalloc_socket("ft_route_nh", n * sizeof(*r->nh), RTE_CACHE_LINE_SIZE,
				   conf->socket);
	r->nh_ro = r->nh;
	r->nh_refs = rte_zmalloc("ft_route_nh_refs", n * sizeof(*r->nh_refs), 0);
	r->nh_free = rte_malloc("ft_route_nh_free", n * sizeof(*r->nh_free), 0);
	if (r->nh == NULL || r->nh_refs == NULL || r->nh_free == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) /* index 0 is handed out first */
		r->nh_free[i] = n - 1 - i;
	r->n_free = n;
	r->max_nh = n;
	r->nh_hash = rte_hash_create(&hp);
	if (r->nh_hash == NULL)
		return -(rte_errno != 0 ? rte_errno : ENOMEM);
	r->nh_dq = rte_rcu_qsbr_dq_create(&dp);
	if (r->nh_dq == NULL)
		return -(rte_errno != 0 ? rte_errno : ENOMEM);
	return 0;
}

/* --- rte_lpm --- */

static int
lpm_create(struct ft_route_table *r, const struct ft_route_conf *conf, const char *name)
{
	struct rte_lpm_config lc = {
		.max_rules = conf->max_routes,
		.number_tbl8s = conf->max_tbl8s,
	};
	/* DQ mode, queue as large as the tbl8 pool (enqueue never fails): see file header. */
	struct rte_lpm_rcu_config rc = {
		.v = conf->qsbr,
		.mode = RTE_LPM_QSBR_MODE_DQ,
	};

	r->lpm = rte_lpm_create(name, conf->socket, &lc);
	if (r->lpm == NULL)
		return -(rte_errno != 0 ? rte_errno : ENOMEM);
	if (rte_lpm_rcu_qsbr_add(r->lpm, &rc) != 0)
		return -(rte_errno != 0 ? rte_errno : ENOMEM);
	return 0;
}

/* The index @p prefix/@p len routes to, if the route exists. */
static bool
route_find(struct ft_route_table *r, uint32_t prefix, uint8_t len, uint32_t *idx)
{
	if (len == 0) {
		*idx = r->default_idx;
		return *idx != NH_NONE;
	}
	return rte_lpm_is_rule_present(r->lpm, prefix, len, idx) == 1;
}

/* Point @p prefix/@p len at @p idx (new or replacing), or at nothing (idx == NH_NONE). */
static int
route_publish(struct ft_route_table *r, uint32_t prefix, uint8_t len, uint32_t idx)
{
	int rc;

	if (len == 0) {
		__atomic_store_n(&r->default_idx, idx, __ATOMIC_RELEASE);
		return 0;
	}
	if (idx != NH_NONE)
		return rte_lpm_add(r->lpm, prefix, len, idx);
	/*
	 * rte_lpm_delete only fails after the rule is gone (a full tbl8 defer queue, impossible
	 * with the queue sized to the pool), so the route is deleted either way.
	 */
	rc = rte_lpm_delete(r->lpm, prefix, len);
	if (rc < 0)
		ROUTE_LOG(ERR, "rte_lpm_delete %08" PRIx32 "/%u: %d", prefix, len, rc);
	return 0;
}

/* --- lookup (any registered reader) --- */

/*
 * Bursts use rte_lpm_lookup_bulk (all tbl24 indices first, then the loads, 32 at a time),
 * not rte_lpm_lookupx4: with random destinations the cost is the cache and TLB misses into
 * the 64 MiB tbl24, and the SSE x4 path overlaps fewer of them. Raw rte_lpm on this machine
 * (AMD EPYC VM, 2 MiB pages, 100k routes, bursts of 32): bulk 31, scalar loop 35, x4 50
 * cycles per lookup. bench/route/bench_lookup.c measures this function against single calls.
 */
#define LOOKUP_CHUNK 32

/* The next hop for LPM value @p idx (NH_NONE: no route). */
static inline const struct ft_nexthop *
nh_of(const struct ft_route_table *r, uint32_t idx)
{
	return idx != NH_NONE ? &r->nh_ro[idx] : NULL;
}

/* --- API --- */

void
ft_route_conf_init(struct ft_route_conf *conf)
{
	*conf = (struct ft_route_conf){
		.max_routes = 4096,
		.max_nexthops = 1024,
		.max_tbl8s = 256,
		.socket = SOCKET_ID_ANY,
		.qsbr = NULL,
	};
}

struct ft_route_table *
ft_route_create(const struct ft_route_conf *conf)
{
	struct ft_route_table *r;
	char name[RTE_LPM_NAMESIZE];
	int rc;

	if (!conf_is_valid(conf)) {
		rte_errno = EINVAL;
		return NULL;
	}
	r = rte_zmalloc_socket("ft_route", sizeof(*r), RTE_CACHE_LINE_SIZE, conf->socket);
	if (r == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	r->default_idx = NH_NONE;
	r->max_routes = conf->max_routes;
	r->qsbr = conf->qsbr;
	/*
	 * DPDK object names must be unique: use the address (at most 12 hex digits in user
	 * space, so rte_lpm's "LPM_RCU_<name>" defer-queue ring name fits its 28 characters).
	 */
	snprintf(name, sizeof(name), "rt%" PRIxPTR, (uintptr_t)r);
	rc = nh_table_create(r, conf, name);
	if (rc == 0)
		rc = lpm_create(r, conf, name);
	if (rc < 0) {
		ROUTE_LOG(ERR, "create: %s", rte_strerror(-rc));
		ft_route_destroy(r);
		rte_errno = -rc;
		return NULL;
	}
	return r;
}

void
ft_route_destroy(struct ft_route_table *r)
{
	if (r == NULL)
		return;
	/* After one grace period both defer queues drain completely and can be freed. */
	rte_rcu_qsbr_synchronize(r->qsbr, RTE_QSBR_THRID_INVALID);
	rte_lpm_free(r->lpm);
	if (r->nh_dq != NULL && rte_rcu_qsbr_dq_delete(r->nh_dq) != 0)
		ROUTE_LOG(ERR, "next-hop defer queue not drained");
	rte_hash_free(r->nh_hash);
	rte_free(r->nh_free);
	rte_free(r->nh_refs);
	rte_free(r->nh);
	rte_free(r);
}

int
ft_route_add(struct ft_route_table *r, uint32_t prefix, uint8_t len, const struct ft_nexthop *nh)
{
	uint32_t old = NH_NONE, idx;
	bool exists;
	int rc;

	if (r == NULL || !prefix_is_valid(prefix, len) || !nexthop_is_valid(nh))
		return -EINVAL;
	exists = route_find(r, prefix, len, &old);
	if (!exists && r->n_routes == r->max_routes)
		return -ENOSPC;
	rc = nh_get(r, nh, &idx);
	if (rc < 0)
		return rc;
	if (idx != old) {
		/* The entry's contents become visible before any reader can reach its index. */
		rte_atomic_thread_fence(__ATOMIC_RELEASE);
		rc = route_publish(r, prefix, len, idx);
	}
	if (rc < 0) {
		nh_put(r, idx);
		return rc;
	}
	if (exists)
		nh_put(r, old);
	else
		r->n_routes++;
	return 0;
}

int
ft_route_del(struct ft_route_table *r, uint32_t prefix, uint8_t len)
{
	uint32_t old;

	if (r == NULL || !prefix_is_valid(prefix, len))
		return -EINVAL;
	if (!route_find(r, prefix, len, &old))
		return -ENOENT;
	route_publish(r, prefix, len, NH_NONE);
	nh_put(r, old);
	r->n_routes--;
	return 0;
}

uint32_t
ft_route_count(const struct ft_route_table *r)
{
	return r != NULL ? r->n_routes : 0;
}

const struct ft_nexthop *
ft_route_lookup(const struct ft_route_table *r, uint32_t dst)
{
	uint32_t idx;

	if (rte_lpm_lookup(r->lpm, dst, &idx) != 0)
		idx = __atomic_load_n(&r->default_idx, __ATOMIC_ACQUIRE);
	return nh_of(r, idx);
}

uint16_t
ft_route_lookup_burst(const struct ft_route_table *r, const uint32_t *dst, uint16_t n,
		      const struct ft_nexthop **out)
{
	/* One load per burst: a default-route change lands between bursts. */
	uint32_t def = __atomic_load_n(&r->default_idx, __ATOMIC_ACQUIRE);
	uint32_t ent[LOOKUP_CHUNK];
	uint16_t hits = 0;

	for (uint16_t i = 0, m; i < n; i += m) {
		m = RTE_MIN((uint16_t)(n - i), (uint16_t)LOOKUP_CHUNK);
		/* Raw table entries: the next hop, plus RTE_LPM_LOOKUP_SUCCESS when one matched. */
		rte_lpm_lookup_bulk(r->lpm, &dst[i], ent, m);
		for (uint16_t j = 0; j < m; j++) {
			uint32_t idx = ent[j] & RTE_LPM_LOOKUP_SUCCESS ? ent[j] & NH_MASK : def;

			out[i + j] = nh_of(r, idx);
			hits += idx != NH_NONE;
		}
	}
	return hits;
}
