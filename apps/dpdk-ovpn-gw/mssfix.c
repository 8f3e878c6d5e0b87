/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP MSS clamping on tunnel traffic, both directions (OpenVPN's --mssfix, Linux's TCPMSS
 * --clamp-mss-to-pmtu): a SYN's MSS option (RFC 9293 §3.7.1, kind 2, length 4) is lowered so
 * that the peer never sends segments whose packets exceed the tunnel MTU, which would
 * otherwise be fragmented or, with DF, need ICMP that many paths filter. The option is
 * rewritten in place and the TCP checksum updated incrementally (RFC 1624), so payload and
 * checksum offload state do not matter. SYNs without an MSS option are left alone (their
 * sender assumes 536, RFC 9293 §3.7.1, which fits every tunnel MTU we accept).
 *
 * Not here: anything about IPv6, or options other than MSS.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "inner.h"

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOLEN_MSS 4

/* The TCP header of @p m if it is a SYN wholly in the first segment, else NULL. */
static struct rte_tcp_hdr *
syn_header(struct rte_mbuf *m, uint32_t *hlen)
{
	struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint32_t ihl = rte_ipv4_hdr_len(ih);
	struct rte_tcp_hdr *th;

	if (ih->next_proto_id != IPPROTO_TCP ||
	    (ih->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)) != 0 ||
	    m->data_len < ihl + sizeof(*th))
		return NULL;
	th = (struct rte_tcp_hdr *)((uint8_t *)ih + ihl);
	if (!(th->tcp_flags & RTE_TCP_SYN_FLAG))
		return NULL;
	*hlen = (uint32_t)(th->data_off >> 4) * 4;
	if (*hlen < sizeof(*th) || m->data_len < ihl + *hlen)
		return NULL;
	return th;
}

bool
gw_mss_clamp(struct rte_mbuf *m, uint16_t mss)
{
	struct rte_tcp_hdr *th;
	uint32_t hlen, i;
	uint8_t *opt;

	th = syn_header(m, &hlen);
	if (th == NULL)
		return false;
	opt = (uint8_t *)(th + 1);
	hlen -= sizeof(*th);
	for (i = 0; i < hlen;) {
		uint16_t old, new;

		if (opt[i] == TCPOPT_EOL)
			return false;
		if (opt[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= hlen || opt[i + 1] < 2 || i + opt[i + 1] > hlen)
			return false; /* malformed: the endpoint will reject it, not our business */
		if (opt[i] != TCPOPT_MSS || opt[i + 1] != TCPOLEN_MSS) {
			i += opt[i + 1];
			continue;
		}
		if (((uint32_t)opt[i + 2] << 8 | opt[i + 3]) <= mss)
			return false;
		/* The option may sit at an odd offset in the header: move it through a copy. */
		memcpy(&old, &opt[i + 2], 2);
		new = rte_cpu_to_be_16(mss);
		memcpy(&opt[i + 2], &new, 2);
		/* The checksum sums 16-bit words from the header start; the value's word is
		 * split across two when it sits at an odd offset, so update with the whole
		 * aligned words it touches. Options start at offset 20 (even): the MSS value at
		 * option offset i + 2 is odd exactly when i is. */
		if ((i & 1) == 0) {
			th->cksum = gw_csum_update16(th->cksum, old, new);
		} else {
			uint8_t before[4] = { opt[i + 1], ((uint8_t *)&old)[0],
					      ((uint8_t *)&old)[1], opt[i + 4] };
			uint16_t w0o, w1o, w0n, w1n;

			memcpy(&w0o, before, 2);
			memcpy(&w1o, before + 2, 2);
			memcpy(&w0n, &opt[i + 1], 2);
			memcpy(&w1n, &opt[i + 3], 2);
			th->cksum = gw_csum_update16(gw_csum_update16(th->cksum, w0o, w0n), w1o,
						     w1n);
		}
		return true;
	}
	return false;
}
