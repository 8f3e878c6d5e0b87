/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checksum over an mbuf chain (csum.h). Each segment's partial sum is folded to 16 bits
 * first and only then byte-swapped when the segment starts at an odd position of the
 * checksummed range (RFC 1071 §2(B): the sum is byte-order independent, so a swapped
 * position swaps the folded partial sum).
 */
#include "net/csum.h"

static uint16_t
fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

uint16_t
ft_cksum_chain(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint16_t init)
{
	uint64_t sum = init;
	uint32_t done = 0;

	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	for (; m != NULL && done < len; m = m->next, off = 0) {
		uint32_t n = RTE_MIN((uint32_t)m->data_len - off, len - done);
		uint16_t part;

		if (n == 0)
			continue;
		part = fold(__rte_raw_cksum(rte_pktmbuf_mtod_offset(m, const void *, off), n, 0));
		sum += (done & 1) ? rte_bswap16(part) : part;
		done += n;
	}
	return fold(sum);
}
