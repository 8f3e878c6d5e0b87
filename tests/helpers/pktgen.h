/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet factory for unit tests (STYLE §16, after lwIP's tcp_helper.c). Every builder
 * allocates from ft_test_pool(), so ft_test_eal_init() must have run. Addresses and
 * identifiers are given in host byte order.
 */
#ifndef FT_TESTS_HELPERS_PKTGEN_H
#define FT_TESTS_HELPERS_PKTGEN_H

#include <stdbool.h>
#include <stdint.h>

struct rte_mbuf;

/*
 * A valid IPv4 packet, data at the IP header (no L2), IHL 5, TTL 64, checksum set, carrying
 * @p len bytes of @p payload (zeros if NULL) at fragment offset @p frag_off_bytes with MF
 * = @p more_frags. NULL if the offset is not a multiple of 8, the packet does not fit one
 * mbuf, or the pool is empty. (Eight parameters, past STYLE §6's five: it mirrors the
 * header fields one to one, which reads better in test tables than a struct would.)
 */
struct rte_mbuf *ft_test_ip4_frag(uint32_t src, uint32_t dst, uint16_t id, uint8_t proto,
				  uint16_t frag_off_bytes, bool more_frags,
				  const uint8_t *payload, uint16_t len);

/*
 * Insert @p len bytes of IPv4 options @p opts (len a multiple of 4, <= 40) after the
 * fixed header of @p m (data at the IP header, IHL 5); fixes IHL, total length and checksum.
 * 0, or -EINVAL / -ENOSPC with @p m unchanged. Borrows @p m.
 */
int ft_test_ip4_add_options(struct rte_mbuf *m, const uint8_t *opts, uint8_t len);

/*
 * Move the last @p tail_len bytes of @p m's last segment into a new segment chained after it,
 * making a multi-segment packet with the same bytes. 0, or -EINVAL / -ENOMEM with @p m
 * unchanged. Borrows @p m.
 */
int ft_test_mbuf_split_tail(struct rte_mbuf *m, uint16_t tail_len);

#endif /* FT_TESTS_HELPERS_PKTGEN_H */
