/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ft_ip4_output() of a TCP super-segment (struct ft_ip4_out.tso_segsz) on each kind of
 * interface (net/iface.h): a TSO device gets the mbuf DPDK asks for (RTE_MBUF_F_TX_TCP_SEG
 * with TX_IPV4 and TX_IP_CKSUM, l2/l3/l4_len, tso_segsz, IPv4 checksum 0, TCP checksum = the
 * pseudo-header sum without the length); a virtual wire gets a whole, valid IPv4/TCP packet
 * larger than the MTU with both checksums computed; an interface without TSO refuses it
 * (DF, larger than the MTU). A worker is assembled by hand with one interface and its TX
 * buffer, and the packets go to the subnet broadcast address, so no ARP is involved.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "core/worker.h"
#include "net/csum.h"
#include "net/iface.h"
#include "net/ipv4.h"
#include "port/txq.h"
#include "test_eal.h"

#define SRC_IP 0xcb007101 /* 203.0.113.1/24 */
#define BCAST 0xcb0071ff
#define MSS 1448
#define NSEG 20
#define OPTLEN 12         /* timestamps */

struct rig {
	struct ft_iface ifc;
	struct ft_txq txq;
	struct ft_worker w;
};

static void
rig_init(struct rig *r, enum ft_iface_tso tso)
{
	memset(r, 0, sizeof(*r));
	r->ifc.mtu = 1500;
	r->ifc.ip = SRC_IP;
	r->ifc.mask = 0xffffff00;
	r->ifc.tso = (uint8_t)tso;
	r->w.ifaces = &r->ifc;
	r->w.n_ifaces = 1;
	r->w.txq[0] = &r->txq;
	r->w.pool = ft_test_pool();
}

/* A TCP header with OPTLEN bytes of options chained to NSEG * MSS + 100 payload bytes in
 * 2000-byte mbufs, as output.c builds a super-segment (header mbuf + payload chain). */
static struct rte_mbuf *
super_segment(uint32_t *payload_len)
{
	struct rte_mbuf *h = rte_pktmbuf_alloc(ft_test_pool()), *last;
	uint32_t left = NSEG * MSS + 100;
	struct rte_tcp_hdr *th;

	assert_non_null(h);
	th = (struct rte_tcp_hdr *)rte_pktmbuf_append(h, sizeof(*th) + OPTLEN);
	if (th == NULL)
		fail();
	*th = (struct rte_tcp_hdr){ 0 };
	for (int i = 0; i < OPTLEN; i++)
		((uint8_t *)(th + 1))[i] = 1; /* NOP */
	th->src_port = rte_cpu_to_be_16(49152);
	th->dst_port = rte_cpu_to_be_16(80);
	th->sent_seq = rte_cpu_to_be_32(1000);
	th->data_off = (uint8_t)(((sizeof(*th) + OPTLEN) / 4) << 4);
	th->tcp_flags = RTE_TCP_ACK_FLAG;
	h->l4_len = (uint8_t)(sizeof(*th) + OPTLEN);
	*payload_len = left;
	last = h;
	while (left > 0) {
		struct rte_mbuf *p = rte_pktmbuf_alloc(ft_test_pool());
		uint16_t n = (uint16_t)RTE_MIN(left, 2000u);
		uint8_t *d;

		assert_non_null(p);
		d = (uint8_t *)rte_pktmbuf_append(p, n);
		for (uint16_t i = 0; i < n; i++)
			d[i] = (uint8_t)(left + i);
		last->next = p;
		last = p;
		h->nb_segs++;
		h->pkt_len += n;
		left -= n;
	}
	return h;
}

static const struct ft_ip4_out out = {
	.dst = BCAST, .proto = IPPROTO_TCP, .df = true, .tso_segsz = MSS,
	.l4_csum_off = offsetof(struct rte_tcp_hdr, cksum),
};

static struct rte_ipv4_hdr *
ip_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
}

static void
test_device_gets_dpdk_tso_fields(void **state)
{
	struct rig r;
	uint32_t plen;
	struct rte_mbuf *m = super_segment(&plen);
	struct rte_ipv4_hdr *ih;
	struct rte_tcp_hdr *th;

	rig_init(&r, FT_TSO_DEVICE);
	assert_int_equal(ft_ip4_output(&r.w, m, &out), 0);
	assert_int_equal(r.txq.n, 1);
	m = r.txq.pkts[0];
	assert_true(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	assert_true(m->ol_flags & RTE_MBUF_F_TX_IPV4);
	assert_true(m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM);
	assert_int_equal(m->tso_segsz, MSS);
	assert_int_equal(m->l2_len, sizeof(struct rte_ether_hdr));
	assert_int_equal(m->l3_len, sizeof(struct rte_ipv4_hdr));
	assert_int_equal(m->l4_len, sizeof(struct rte_tcp_hdr) + OPTLEN);
	assert_int_equal(m->pkt_len, 14 + 20 + 32 + plen);
	ih = ip_of(m);
	th = (struct rte_tcp_hdr *)(ih + 1);
	assert_int_equal(rte_be_to_cpu_16(ih->total_length), 20 + 32 + plen);
	assert_int_equal(ih->hdr_checksum, 0);
	assert_true(ih->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG));
	/* Pseudo-header sum without the length (what rte_net_intel_cksum_prepare() writes). */
	assert_int_equal(th->cksum, rte_ipv4_phdr_cksum(ih, RTE_MBUF_F_TX_TCP_SEG));
	assert_int_equal(rte_be_to_cpu_32(th->sent_seq), 1000);
	assert_int_equal(r.w.stats.drops[FT_DROP_TOO_BIG], 0);
	rte_pktmbuf_free(m);
}

static void
test_wire_gets_whole_valid_packet(void **state)
{
	struct rig r;
	uint32_t plen;
	struct rte_mbuf *m = super_segment(&plen);
	struct rte_ipv4_hdr *ih;

	rig_init(&r, FT_TSO_WIRE);
	assert_int_equal(ft_ip4_output(&r.w, m, &out), 0);
	assert_int_equal(r.txq.n, 1);
	m = r.txq.pkts[0];
	assert_false(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	ih = ip_of(m);
	assert_int_equal(rte_be_to_cpu_16(ih->total_length), 20 + 32 + plen);
	assert_true(rte_be_to_cpu_16(ih->total_length) > r.ifc.mtu);
	assert_int_equal(rte_raw_cksum(ih, sizeof(*ih)), 0xffff);
	assert_true(ft_ip4_l4_cksum_ok(m, ih, sizeof(struct rte_ether_hdr) + sizeof(*ih)));
	rte_pktmbuf_free(m);
}

/* Not TSO, a one-segment packet on a device with TCP checksum offload: the field holds the
 * pseudo-header sum with the length, as rte_ipv4_phdr_cksum() computes it. */
static void
test_checksum_offload_pseudo_header(void **state)
{
	struct ft_ip4_out o = out;
	struct rig r;
	struct rte_mbuf *m = rte_pktmbuf_alloc(ft_test_pool());
	struct rte_ipv4_hdr *ih;
	struct rte_tcp_hdr *th;

	rig_init(&r, FT_TSO_OFF);
	r.ifc.tx_l4_csum = true;
	o.tso_segsz = 0;
	assert_non_null(m);
	th = (struct rte_tcp_hdr *)rte_pktmbuf_append(m, sizeof(*th) + 333);
	if (th == NULL)
		fail();
	*th = (struct rte_tcp_hdr){ .data_off = 5 << 4, .tcp_flags = RTE_TCP_ACK_FLAG };
	assert_int_equal(ft_ip4_output(&r.w, m, &o), 0);
	assert_int_equal(r.txq.n, 1);
	m = r.txq.pkts[0];
	assert_true(m->ol_flags & RTE_MBUF_F_TX_TCP_CKSUM);
	assert_false(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	ih = ip_of(m);
	th = (struct rte_tcp_hdr *)(ih + 1);
	assert_int_equal(th->cksum, rte_ipv4_phdr_cksum(ih, m->ol_flags));
	rte_pktmbuf_free(m);
}

static void
test_no_tso_refuses_oversize(void **state)
{
	struct rig r;
	uint32_t plen;
	struct rte_mbuf *m = super_segment(&plen);
	unsigned int avail;

	rig_init(&r, FT_TSO_OFF);
	avail = rte_mempool_avail_count(ft_test_pool()) + m->nb_segs;
	assert_int_equal(ft_ip4_output(&r.w, m, &out), -EMSGSIZE);
	assert_int_equal(r.txq.n, 0);
	assert_int_equal(r.w.stats.drops[FT_DROP_TOO_BIG], 1);
	assert_int_equal(rte_mempool_avail_count(ft_test_pool()), avail);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_gets_dpdk_tso_fields),
		cmocka_unit_test(test_wire_gets_whole_valid_packet),
		cmocka_unit_test(test_checksum_offload_pseudo_header),
		cmocka_unit_test(test_no_tso_refuses_oversize),
	};

	if (ft_test_eal_init() < 0 || ft_test_pool() == NULL)
		return 1;
	return cmocka_run_group_tests_name("ip4_tso", tests, NULL, NULL);
}
