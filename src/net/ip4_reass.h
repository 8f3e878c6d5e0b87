/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 fragment reassembly for datagrams addressed to the stack (RFC 791 §3.2, RFC 815).
 * One table per worker, owned by that worker: no locks. Every call below except
 * create/destroy is per packet or per housekeeping tick and allocates nothing.
 */
#ifndef FT_NET_IP4_REASS_H
#define FT_NET_IP4_REASS_H

#include <stdint.h>

struct rte_mbuf;
struct ft_stats;
struct ft_reass;

/*
 * Table sizing. Protocol-derived limits (65535-byte datagram, 8-byte units) are fixed in
 * ip4_reass.c; these three are the resource bounds.
 */
struct ft_reass_conf {
	uint32_t max_datagrams;  /* datagrams in progress at once, 1 .. FT_REASS_MAX_DATAGRAMS */
	uint16_t max_frags;      /* fragments held per datagram, 2 .. FT_REASS_MAX_FRAGS */
	uint64_t timeout_tsc;    /* lifetime of a datagram from its first fragment, > 0 */
};

/* Upper bounds accepted by ft_reass_create(). */
#define FT_REASS_MAX_DATAGRAMS (1u << 20)
#define FT_REASS_MAX_FRAGS 8192  /* 65536 / 8: one fragment per 8-byte unit */

/*
 * Create a table on NUMA socket @p socket_id (SOCKET_ID_ANY allowed).
 * Returns NULL with rte_errno set: EINVAL for a conf outside the bounds above, ENOMEM.
 * Setup only (allocates); control thread or the owning worker before it runs.
 */
struct ft_reass *ft_reass_create(const struct ft_reass_conf *conf, int socket_id);

/* Free the table and every fragment it holds (not counted). NULL-safe. Setup/teardown only. */
void ft_reass_destroy(struct ft_reass *r);

/*
 * Input one fragment. Consumes @p m.
 *
 * Preconditions (ipv4.c has checked them): m's data starts at the IPv4 header, which is
 * contiguous in the first segment and validated (version, IHL, total length <= frame,
 * checksum); m's pkt_len/data_len are trimmed to the IP total length.
 * A packet that is not a fragment (MF clear, offset 0) is returned unchanged.
 *
 * Returns the reassembled datagram when @p m completes one: data at the IPv4 header of the
 * offset-0 fragment, with total length, MF and offset rewritten and the checksum recomputed
 * (DF and options are kept from that fragment); the payload is an mbuf chain, one or more
 * segments per fragment, never copied. st->ip_reassembled is counted.
 * Returns NULL when @p m is held, or dropped and counted in st->drops[FT_DROP_FRAG_*].
 * The caller counts st->ip_frags_rx.
 *
 * @p now is the worker's cached TSC and must not go backwards; datagrams that have timed
 * out by @p now are expired first (as ft_reass_expire()). Owning worker only.
 */
struct rte_mbuf *ft_reass_input(struct ft_reass *r, struct rte_mbuf *m, uint64_t now,
				struct ft_stats *st);

/*
 * Free every datagram whose first fragment is timeout_tsc or more older than @p now; each
 * fragment it held is counted as FT_DROP_FRAG_TIMEOUT. Cost is proportional to the number
 * expired. Owning worker only (housekeeping tick).
 */
void ft_reass_expire(struct ft_reass *r, uint64_t now, struct ft_stats *st);

/* Number of datagrams in progress (tests, telemetry). Owning worker only. */
uint32_t ft_reass_count(const struct ft_reass *r);

#endif /* FT_NET_IP4_REASS_H */
