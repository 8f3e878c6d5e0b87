/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet builders for unit tests. They write valid headers by default so that each test
 * breaks exactly the field it is about.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "pktgen.h"
#include "test_eal.h"

static void
ip4_set_cksum(struct rte_ipv4_hdr *ip)
{
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

struct rte_mbuf *
ft_test_ip4_frag(uint32_t src, uint32_t dst, uint16_t id, uint8_t proto,
		 uint16_t frag_off_bytes, bool more_frags, const uint8_t *payload, uint16_t len)
{
	uint16_t frag = frag_off_bytes / RTE_IPV4_HDR_OFFSET_UNITS;
	struct rte_ipv4_hdr *ip;
	struct rte_mbuf *m;
	char *data;

	if (frag_off_bytes % RTE_IPV4_HDR_OFFSET_UNITS != 0 ||
	    len > RTE_IPV4_MAX_PKT_LEN - sizeof(*ip))
		return NULL;
	m = rte_pktmbuf_alloc(ft_test_pool());
	if (m == NULL)
		return NULL;
	data = rte_pktmbuf_append(m, (uint16_t)(sizeof(*ip) + len));
	if (data == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	ip = (struct rte_ipv4_hdr *)(void *)data;
	*ip = (struct rte_ipv4_hdr){
		.version_ihl = RTE_IPV4_VHL_DEF,
		.total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + len)),
		.packet_id = rte_cpu_to_be_16(id),
		.fragment_offset = rte_cpu_to_be_16(frag | (more_frags ? RTE_IPV4_HDR_MF_FLAG : 0)),
		.time_to_live = 64,
		.next_proto_id = proto,
		.src_addr = rte_cpu_to_be_32(src),
		.dst_addr = rte_cpu_to_be_32(dst),
	};
	if (payload != NULL)
		memcpy(ip + 1, payload, len);
	else
		memset(ip + 1, 0, len);
	ip4_set_cksum(ip);
	return m;
}

int
ft_test_ip4_add_options(struct rte_mbuf *m, const uint8_t *opts, uint8_t len)
{
	struct rte_ipv4_hdr *ip;
	char *data;

	if (len % 4 != 0 || len > RTE_IPV4_HDR_OPT_MAX_LEN ||
	    rte_pktmbuf_data_len(m) < sizeof(*ip))
		return -EINVAL;
	data = rte_pktmbuf_prepend(m, len);
	if (data == NULL)
		return -ENOSPC;
	memmove(data, data + len, sizeof(*ip));
	memcpy(data + sizeof(*ip), opts, len);
	ip = (struct rte_ipv4_hdr *)(void *)data;
	ip->version_ihl = (uint8_t)(ip->version_ihl + len / RTE_IPV4_IHL_MULTIPLIER);
	ip->total_length = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(ip->total_length) + len));
	ip4_set_cksum(ip);
	return 0;
}

int
ft_test_mbuf_split_tail(struct rte_mbuf *m, uint16_t tail_len)
{
	struct rte_mbuf *last = rte_pktmbuf_lastseg(m);
	struct rte_mbuf *t;
	char *dst;

	if (tail_len == 0 || tail_len > rte_pktmbuf_data_len(last))
		return -EINVAL;
	t = rte_pktmbuf_alloc(m->pool);
	if (t == NULL)
		return -ENOMEM;
	dst = rte_pktmbuf_append(t, tail_len);
	if (dst == NULL) {
		rte_pktmbuf_free(t);
		return -ENOMEM;
	}
	memcpy(dst, rte_pktmbuf_mtod_offset(last, char *, last->data_len - tail_len), tail_len);
	rte_pktmbuf_trim(m, tail_len);
	if (rte_pktmbuf_chain(m, t) != 0) {
		rte_pktmbuf_append(m, tail_len);  /* the bytes are still there: undo the trim */
		rte_pktmbuf_free(t);
		return -EINVAL;
	}
	return 0;
}
