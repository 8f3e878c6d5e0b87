/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateway's IPv4 forwarding table (FIB): prefixes to next hops, over DPDK rte_lpm
 * (DIR-24-8). Workers look routes up without locks; ONE control thread adds and deletes them
 * and publishes every change with RCU (rte_rcu_qsbr), so that nothing a worker may still be
 * reading is overwritten or reused before that worker has reported a quiescent state.
 *
 * Next hops are values (struct ft_nexthop) kept in a fixed table whose 24-bit indices are the
 * rte_lpm next-hop values. Identical next hops are shared: a thousand iroutes behind one peer
 * use one entry. An entry is never changed in place: changing a route's next hop writes the
 * new value into a free entry, repoints the route, and returns the old entry to the free list
 * only after a grace period. The default route (len 0, which rte_lpm cannot hold) is a
 * separate atomically published index used when the LPM lookup misses.
 *
 * Addresses are host byte order throughout (convert with rte_be_to_cpu_32 when collecting
 * destinations from IPv4 headers), like struct ft_iface.
 *
 * Memory: rte_lpm's first-level table is 64 MiB per FIB regardless of size, plus 1 KiB per
 * tbl8 group (one per /24 that holds prefixes longer than /24) and 8 bytes per route.
 */
#ifndef FT_ROUTE_ROUTE_H
#define FT_ROUTE_ROUTE_H

#include <stdint.h>

struct rte_rcu_qsbr;
struct ft_route_table;

/* rte_lpm next hops are 24 bits; the top index is reserved for "no route". */
#define FT_ROUTE_MAX_NEXTHOPS ((1u << 24) - 1)
#define FT_ROUTE_PEER_ID_MAX 0xffffffu /* OpenVPN peer ids are 24 bits (P_DATA_V2) */

enum ft_nh_kind {
	FT_NH_INVALID = 0, /* never returned by a lookup (freed entries are reset to it) */
	FT_NH_LAN,	   /* out of @p port: ARP for @p gw, or for the destination if gw == 0 */
	FT_NH_PEER,	   /* into the tunnel to OpenVPN peer @p peer_id (VPN address, iroute) */
	FT_NH_LOCAL,	   /* to this host's stack, on the interface of @p port */
	FT_NH_BLACKHOLE,   /* drop */
};

/*
 * A next hop. @p port is an index into the stack's ports (ft_iface.idx): the LAN interface
 * for LAN and LOCAL, the public port the tunnel runs over for PEER. Fields that the kind does
 * not use must be zero when adding (the FIB keeps one entry per distinct value).
 */
struct ft_nexthop {
	uint8_t kind;	  /* enum ft_nh_kind */
	uint8_t rsvd;	  /* zero */
	uint16_t port;	  /* < FT_MAX_PORTS; 0 for BLACKHOLE */
	uint32_t gw;	  /* LAN only: next-hop router, host order; 0 = on-link */
	uint32_t peer_id; /* PEER only: <= FT_ROUTE_PEER_ID_MAX */
};

struct ft_route_conf {
	uint32_t max_routes;	   /* prefixes, the default route included */
	uint32_t max_nexthops;	   /* distinct next hops at once, <= FT_ROUTE_MAX_NEXTHOPS */
	uint32_t max_tbl8s;	   /* rte_lpm tbl8 groups: /24s holding prefixes longer than /24 */
	int socket;		   /* NUMA socket of the tables workers read, or SOCKET_ID_ANY */
	struct rte_rcu_qsbr *qsbr; /* the readers' QSBR variable; required */
};

/* Defaults: 4096 routes, 1024 next hops, 256 tbl8 groups, any socket, no qsbr (set it). */
void ft_route_conf_init(struct ft_route_conf *conf);

/*
 * Create an empty FIB. Every thread that calls ft_route_lookup*() must be registered and
 * online in @p conf->qsbr and report quiescent states (the worker loop does, once per
 * iteration). Control thread; allocates. NULL with rte_errno EINVAL (bad conf) or ENOMEM.
 */
struct ft_route_table *ft_route_create(const struct ft_route_conf *conf);

/*
 * Free the FIB. Waits for one grace period (rte_rcu_qsbr_synchronize), so every reader must
 * be offline or still reporting quiescent states, and must not look up again. NULL is a
 * no-op. Control thread.
 */
void ft_route_destroy(struct ft_route_table *r);

/*
 * Add @p prefix/@p len -> @p nh (copied), or replace the next hop of an existing identical
 * prefix: each lookup sees either the old or the new next hop, never a miss. @p len 0 is the
 * default route. Control thread only: writers are not synchronised with each other.
 * @return 0; -EINVAL (NULL, len > 32, host bits set in @p prefix, bad next hop);
 * -ENOSPC (max_routes reached by a new prefix, every next-hop entry in use, or no free tbl8
 * group: groups freed by recent deletes become free only after a grace period); -EAGAIN (no
 * next-hop entry free yet, but some wait for readers to quiesce: retry later). A next hop not
 * yet in the table needs a free entry even when it replaces the route's last use of another
 * (make before break). On error the FIB is unchanged.
 */
int ft_route_add(struct ft_route_table *r, uint32_t prefix, uint8_t len,
		 const struct ft_nexthop *nh);

/*
 * Delete @p prefix/@p len; lookups fall back to the next shorter matching prefix. Its next
 * hop entry is reused only after a grace period. Control thread only.
 * @return 0, -EINVAL (bad arguments as for add) or -ENOENT (no such route).
 */
int ft_route_del(struct ft_route_table *r, uint32_t prefix, uint8_t len);

/* Routes installed, the default route included. Control thread. */
uint32_t ft_route_count(const struct ft_route_table *r);

/*
 * Longest-prefix match for @p dst: the next hop, or NULL when no route (not even a default)
 * matches. The pointer is borrowed: valid until the calling thread's next quiescent state
 * report. Any registered, online reader thread; never blocks.
 */
const struct ft_nexthop *ft_route_lookup(const struct ft_route_table *r, uint32_t dst);

/*
 * ft_route_lookup() for @p n destinations: @p out[i] is the next hop of @p dst[i] or NULL.
 * Borrowed pointers as for ft_route_lookup(). Any @p n; rte_lpm_lookup_bulk, 32 at a time.
 * @return the number of destinations that matched a route (n - misses). Worker hot path.
 */
uint16_t ft_route_lookup_burst(const struct ft_route_table *r, const uint32_t *dst, uint16_t n,
			       const struct ft_nexthop **out);

#endif /* FT_ROUTE_ROUTE_H */
