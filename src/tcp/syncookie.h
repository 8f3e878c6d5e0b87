/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies (RFC 4987 §3.6): when the listen queue is full, the SYN-ACK's sequence number
 * carries what the connection needs, and no state is kept until the final ACK returns it.
 * Pure logic (no DPDK calls): the keyed hash is SipHash (core/siphash.h).
 *
 *   cookie (32 bits) = | t: 5 | mss index: 3 | MAC(key, 4-tuple, peer ISN, t): 24 |
 *
 * t counts 64-second periods (mod 32); a cookie is valid for the current and the previous
 * period. Window scale, SACK and timestamps are not encoded: a cookie connection runs without
 * them (the trade-off RFC 4987 §3.6 describes).
 */
#ifndef FT_TCP_SYNCOOKIE_H
#define FT_TCP_SYNCOOKIE_H

#include <stdbool.h>
#include <stdint.h>

struct ft_syncookie_tuple {
	uint32_t saddr, daddr; /* the SYN's source (the peer) and destination (us) */
	uint16_t sport, dport;
	uint32_t peer_isn;     /* the SYN's sequence number */
};

/* MSS values a cookie can carry: the largest one <= the peer's MSS is encoded. */
extern const uint16_t ft_syncookie_mss[8];

/* The cookie (our ISN) for a SYN, at time @p now_s (seconds). */
uint32_t ft_syncookie_make(const uint64_t key[2], const struct ft_syncookie_tuple *tu,
			   uint16_t peer_mss, uint64_t now_s);

/* Check the cookie returned as ack - 1 for the same tuple (peer_isn = seq - 1 of the ACK).
 * @return true and the MSS when valid and not older than one period. */
bool ft_syncookie_check(const uint64_t key[2], const struct ft_syncookie_tuple *tu,
			uint32_t cookie, uint64_t now_s, uint16_t *mss);

#endif /* FT_TCP_SYNCOOKIE_H */
