/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Peer tables of the gateway's data path (the ovpn-dco by_id / by_vpn_addr / by_transp_addr
 * trio, §9.1): control-thread add, delete and float; lock-free lookups for workers; deferred
 * frees through struct ovpn_rcu (keys.h); drop-reason names for telemetry.
 *
 * The id table is a plain array of max_peers pointers: peer-ids are small integers chosen
 * here (lowest free, as 2.6 multi.c does) or by the configuration, so the P_DATA_V2 fast path
 * is one bounds check and one load. The two hashes run in rte_hash's lock-free reader mode;
 * in that mode a deleted key's slot must not be reused while a reader may be looking at it,
 * so its position is freed through the rcu queue too (rte_hash.h, rte_hash_del_key()). Each
 * hash is sized at twice max_peers so that slots waiting for their grace period rarely fill
 * it; when they do, the add waits for a grace period (hash_add()).
 *
 * Not here: the keepalive timer wheel and the ping packet (the worker and data.c use
 * ovpn_peer_keepalive_due() / ovpn_peer_timed_out()), routes to peers (src/route), and the
 * decision to accept a float (control.c).
 *
 * References (openvpn-protocol.md): §6.1 peer-id and 0xFFFFFF, §6.5 keepalive, §9.1 ovpn-dco
 * peers (NEW_PEER, SET_PEER, DEL_PEER, float before decryption, which we do not copy), §9.2
 * if_ovpn (float after authentication), §9.3 data-plane implications. STYLE.md §8 (drop
 * reasons as counters), §10 (RCU).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_random.h>

#include "ovpn/peer.h"

static const char *const drop_names[] = {
#define OVPN_X_NAME(e, n, d) n,
	OVPN_DROP_REASONS(OVPN_X_NAME)
#undef OVPN_X_NAME
};

static const char *const drop_descs[] = {
#define OVPN_X_DESC(e, n, d) d,
	OVPN_DROP_REASONS(OVPN_X_DESC)
#undef OVPN_X_DESC
};

static_assert(RTE_DIM(drop_names) == OVPN_DROP_MAX, "one name per drop reason");

const char *
ovpn_drop_reason_name(enum ovpn_drop_reason r)
{
	return (unsigned int)r < OVPN_DROP_MAX ? drop_names[r] : "?";
}

const char *
ovpn_drop_reason_desc(enum ovpn_drop_reason r)
{
	return (unsigned int)r < OVPN_DROP_MAX ? drop_descs[r] : "?";
}

void
ovpn_peer_conf_init(struct ovpn_peer_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->id = OVPN_PEER_ID_UNDEF;
	conf->keepalive_interval_s = 10;
	conf->keepalive_timeout_s = 120;
}

/* A lock-free-reader hash of @p key_len-byte keys for up to 2 * @p max entries. */
static struct rte_hash *
hash_create(const struct ovpn_peer_table_conf *c, const char *suffix, uint32_t key_len)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp;

	snprintf(name, sizeof(name), "%s_%s", c->name, suffix);
	memset(&hp, 0, sizeof(hp));
	hp.name = name;
	hp.entries = RTE_MAX(2 * c->max_peers, 16u);
	hp.key_len = key_len;
	hp.hash_func = rte_hash_crc;
	/* Transport keys are chosen by the Internet: a secret seed keeps buckets balanced. */
	hp.hash_func_init_val = (uint32_t)rte_rand();
	hp.socket_id = c->socket_id;
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	return rte_hash_create(&hp);
}

/* ovpn_rcu_free_fn: give a deleted key's slot back to its hash. */
static void
free_hash_pos(void *h, uintptr_t pos)
{
	rte_hash_free_key_with_position(h, (int32_t)pos);
}

/* Delete @p key from @p h; its slot is reused only after a grace period. */
static void
hash_del(struct ovpn_peer_table *t, struct rte_hash *h, const void *key)
{
	int32_t pos = rte_hash_del_key(h, key);

	if (pos >= 0)
		ovpn_rcu_retire(t->rcu, free_hash_pos, h, (uintptr_t)pos);
}

/*
 * Add @p key -> @p p unless present: 0, -EEXIST, or -ENOSPC. A full hash may only be full of
 * deleted slots waiting for their grace period (deletes faster than the workers' loop): wait
 * for one and retry once before giving up.
 */
static int
hash_add(struct ovpn_peer_table *t, struct rte_hash *h, const void *key, struct ovpn_peer *p)
{
	int rc;

	if (rte_hash_lookup(h, key) >= 0)
		return -EEXIST;
	rc = rte_hash_add_key_data(h, key, p);
	if (rc == -ENOSPC) {
		ovpn_rcu_barrier(t->rcu);
		rc = rte_hash_add_key_data(h, key, p);
	}
	return rc < 0 ? rc : 0;
}

/* ovpn_rcu_free_fn for a peer: its key slots, then the peer. */
static void
peer_free(void *obj, uintptr_t arg)
{
	struct ovpn_peer *p = obj;

	RTE_SET_USED(arg);
	ovpn_keys_fini(&p->keys);
	/* Poison: a reader that broke the RCU contract sees zeroes, not a plausible peer. */
	memset(p, 0, sizeof(*p));
	rte_free(p);
}

static int
table_conf_check(const struct ovpn_peer_table_conf *c)
{
	if (c == NULL || c->name == NULL || strlen(c->name) > OVPN_PEER_TABLE_NAME_MAX ||
	    c->max_peers == 0 || c->max_peers > OVPN_PEER_ID_MAX + 1 || c->rcu == NULL ||
	    c->keys == NULL)
		return -EINVAL;
	return 0;
}

struct ovpn_peer_table *
ovpn_peer_table_create(const struct ovpn_peer_table_conf *conf)
{
	struct ovpn_peer_table *t;
	int err;

	if (table_conf_check(conf) < 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc_socket("ovpn_peer_table", sizeof(*t), RTE_CACHE_LINE_SIZE,
			       conf->socket_id);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	t->max_peers = conf->max_peers;
	t->socket_id = conf->socket_id;
	t->rcu = conf->rcu;
	t->keys_conf = conf->keys;
	rte_errno = ENOMEM;
	t->by_id = rte_zmalloc_socket("ovpn_peer_ids", sizeof(t->by_id[0]) * conf->max_peers,
				      RTE_CACHE_LINE_SIZE, conf->socket_id);
	if (t->by_id == NULL)
		goto err_free_table;
	t->by_vpn4 = hash_create(conf, "v4", sizeof(uint32_t));
	if (t->by_vpn4 == NULL)
		goto err_free_table;
	t->by_transport = hash_create(conf, "tp", sizeof(uint64_t));
	if (t->by_transport == NULL)
		goto err_free_table;
	return t;

err_free_table:
	err = rte_errno;
	rte_hash_free(t->by_vpn4);
	rte_free(t->by_id);
	rte_free(t);
	rte_errno = err;
	return NULL;
}

void
ovpn_peer_table_destroy(struct ovpn_peer_table *t)
{
	if (t == NULL)
		return;
	/* Retired peers and hash positions point into the table: let them go first. */
	ovpn_rcu_barrier(t->rcu);
	for (uint32_t id = 0; id < t->max_peers; id++)
		if (t->by_id[id] != NULL)
			peer_free(t->by_id[id], 0);
	rte_hash_free(t->by_transport);
	rte_hash_free(t->by_vpn4);
	rte_free(t->by_id);
	rte_free(t);
}

/* Resolve the id to use: OVPN_PEER_ID_UNDEF picks the lowest free one. */
static int
pick_id(const struct ovpn_peer_table *t, uint32_t *id)
{
	if (*id != OVPN_PEER_ID_UNDEF) {
		if (*id >= t->max_peers)
			return -EINVAL;
		return t->by_id[*id] != NULL ? -EEXIST : 0;
	}
	if (t->count >= t->max_peers)
		return -ENOSPC;
	for (uint32_t i = 0; i < t->max_peers; i++) {
		if (t->by_id[i] == NULL) {
			*id = i;
			return 0;
		}
	}
	return -ENOSPC;
}

static struct ovpn_peer *
peer_create(const struct ovpn_peer_table *t, const struct ovpn_peer_conf *c, uint32_t id,
	    uint64_t now_s)
{
	struct ovpn_peer *p;

	p = rte_zmalloc_socket("ovpn_peer", sizeof(*p), RTE_CACHE_LINE_SIZE, t->socket_id);
	if (p == NULL)
		return NULL;
	p->id = id;
	p->vpn_ip4 = c->vpn_ip4;
	p->owner = c->owner;
	p->keepalive_interval_s = c->keepalive_interval_s;
	p->keepalive_timeout_s = c->keepalive_timeout_s;
	p->transport = ovpn_endpoint_pack(&c->transport);
	p->last_rx_s = now_s;
	p->last_tx_s = now_s;
	ovpn_keys_init(&p->keys, t->keys_conf);
	return p;
}

/*
 * Enter @p p in both hashes. On failure whatever was entered is taken out again, and the peer
 * is retired rather than freed: a worker may already have found it through the first hash.
 */
static int
peer_hash_add(struct ovpn_peer_table *t, struct ovpn_peer *p)
{
	int rc = 0;

	if (p->vpn_ip4 != 0)
		rc = hash_add(t, t->by_vpn4, &p->vpn_ip4, p);
	if (rc == 0 && p->transport != 0) {
		rc = hash_add(t, t->by_transport, &p->transport, p);
		if (rc < 0 && p->vpn_ip4 != 0)
			hash_del(t, t->by_vpn4, &p->vpn_ip4);
	}
	if (rc < 0)
		ovpn_rcu_retire(t->rcu, peer_free, p, 0);
	return rc;
}

int
ovpn_peer_add(struct ovpn_peer_table *t, const struct ovpn_peer_conf *conf, uint64_t now_s,
	      struct ovpn_peer **out)
{
	uint32_t id = conf->id;
	uint64_t ep = ovpn_endpoint_pack(&conf->transport);
	struct ovpn_peer *p;
	int rc;

	rc = pick_id(t, &id);
	if (rc < 0)
		return rc;
	/* Duplicates are found before anything is published (one writer: no race). */
	if (conf->vpn_ip4 != 0 && rte_hash_lookup(t->by_vpn4, &conf->vpn_ip4) >= 0)
		return -EEXIST;
	if (ep != 0 && rte_hash_lookup(t->by_transport, &ep) >= 0)
		return -EEXIST;
	p = peer_create(t, conf, id, now_s);
	if (p == NULL)
		return -ENOMEM;
	rc = peer_hash_add(t, p);
	if (rc < 0)
		return rc;
	__atomic_store_n(&t->by_id[id], p, __ATOMIC_RELEASE);
	t->count++;
	if (out != NULL)
		*out = p;
	return 0;
}

int
ovpn_peer_del(struct ovpn_peer_table *t, uint32_t id)
{
	struct ovpn_peer *p = ovpn_peer_lookup_by_id(t, id);
	uint64_t ep;

	if (p == NULL)
		return -ENOENT;
	__atomic_store_n(&t->by_id[id], NULL, __ATOMIC_RELEASE);
	if (p->vpn_ip4 != 0)
		hash_del(t, t->by_vpn4, &p->vpn_ip4);
	ep = p->transport;
	if (ep != 0)
		hash_del(t, t->by_transport, &ep);
	t->count--;
	ovpn_rcu_retire(t->rcu, peer_free, p, 0);
	return 0;
}

int
ovpn_peer_set_transport(struct ovpn_peer_table *t, struct ovpn_peer *p,
			const struct ft_endpoint4 *ep)
{
	uint64_t old = p->transport, key = ovpn_endpoint_pack(ep);
	int rc;

	if (key == old)
		return 0;
	/* New key first, so the peer is reachable by one address or the other throughout. */
	if (key != 0) {
		rc = hash_add(t, t->by_transport, &key, p);
		if (rc < 0)
			return rc;
	}
	__atomic_store_n(&p->transport, key, __ATOMIC_RELEASE);
	if (old != 0)
		hash_del(t, t->by_transport, &old);
	return 0;
}

void
ovpn_peer_set_keepalive(struct ovpn_peer *p, uint32_t interval_s, uint32_t timeout_s)
{
	__atomic_store_n(&p->keepalive_interval_s, interval_s, __ATOMIC_RELAXED);
	__atomic_store_n(&p->keepalive_timeout_s, timeout_s, __ATOMIC_RELAXED);
}

struct ovpn_peer *
ovpn_peer_lookup_by_vpn4(const struct ovpn_peer_table *t, uint32_t ip4)
{
	void *data;

	if (rte_hash_lookup_data(t->by_vpn4, &ip4, &data) < 0)
		return NULL;
	return data;
}

struct ovpn_peer *
ovpn_peer_lookup_by_transport(const struct ovpn_peer_table *t, const struct ft_endpoint4 *ep)
{
	uint64_t key = ovpn_endpoint_pack(ep);
	void *data;

	if (rte_hash_lookup_data(t->by_transport, &key, &data) < 0)
		return NULL;
	return data;
}

void
ovpn_peer_stats_read(const struct ovpn_peer *p, struct ovpn_peer_stats *out)
{
	const struct ovpn_peer_stats *s = &p->stats;

	out->rx_pkts = ovpn_ctr_read(&s->rx_pkts);
	out->rx_bytes = ovpn_ctr_read(&s->rx_bytes);
	out->tx_pkts = ovpn_ctr_read(&s->tx_pkts);
	out->tx_bytes = ovpn_ctr_read(&s->tx_bytes);
	for (unsigned int i = 0; i < OVPN_DROP_MAX; i++)
		out->drops[i] = ovpn_ctr_read(&s->drops[i]);
}
