/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Software steering (src/stack/steer.c): the owner decision (symmetric, the same mapping as
 * the active-open port choice of tcp/rss.h, ARP to all, the rest local) and the hand-over
 * (own frames kept in order, others on the owner's ring, counted; a full ring is a counted
 * drop).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include "core/worker.h"
#include "net/iface.h"
#include "stack/steer.h"
#include "tcp/rss.h"
#include "test_eal.h"

#define LOCAL_IP 0xc6336401 /* 198.51.100.1 */
#define PEER_IP 0xc6336402
#define N_WORKERS 2

static const uint8_t key[FT_STEER_KEY_LEN] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

static const struct ft_steer_map map = {
	.key = key, .reta_size = FT_STEER_RETA, .n_workers = N_WORKERS,
};

/* Ethernet + IPv4 (+ 20 bytes of L4 header with the ports) from @p src:sport to @p dst:dport. */
static struct rte_mbuf *
frame(uint16_t ethertype, uint8_t proto, uint32_t src, uint32_t dst, uint16_t sport,
      uint16_t dport)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ft_test_pool());
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ih;
	struct rte_tcp_hdr *th;

	assert_non_null(m);
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eh) + sizeof(*ih) +
							 sizeof(*th));
	memset(eh, 0, sizeof(*eh) + sizeof(*ih) + sizeof(*th));
	eh->ether_type = rte_cpu_to_be_16(ethertype);
	ih = (struct rte_ipv4_hdr *)(eh + 1);
	ih->version_ihl = 0x45;
	ih->next_proto_id = proto;
	ih->src_addr = rte_cpu_to_be_32(src);
	ih->dst_addr = rte_cpu_to_be_32(dst);
	th = (struct rte_tcp_hdr *)(ih + 1);
	th->src_port = rte_cpu_to_be_16(sport);
	th->dst_port = rte_cpu_to_be_16(dport);
	m->port = 7;
	return m;
}

static struct rte_mbuf *
tcp_frame(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport)
{
	return frame(RTE_ETHER_TYPE_IPV4, IPPROTO_TCP, src, dst, sport, dport);
}

static int
setup(void **state)
{
	(void)state;
	return ft_test_eal_init();
}

/* Both directions of a flow have one owner, and it is the queue rss.h computes. */
static void
test_steer_owner_is_symmetric_rss_queue(void **state)
{
	uint32_t seen[N_WORKERS] = { 0 };

	(void)state;
	for (uint16_t p = 49152; p < 49152 + 256; p++) {
		struct rte_mbuf *in = tcp_frame(PEER_IP, LOCAL_IP, p, 5001);
		struct rte_mbuf *out = tcp_frame(LOCAL_IP, PEER_IP, 5001, p);
		uint16_t o = ft_steer_owner(&map, in);

		assert_true(o < N_WORKERS);
		assert_int_equal(o, ft_steer_owner(&map, out));
		assert_int_equal(o, ft_rss_queue(key, FT_STEER_RETA, N_WORKERS, PEER_IP,
						 LOCAL_IP, p, 5001));
		seen[o]++;
		rte_pktmbuf_free(in);
		rte_pktmbuf_free(out);
	}
	/* Both workers get flows (a hash that sent all to one would not balance anything). */
	assert_true(seen[0] > 64 && seen[1] > 64);
}

/* An active open on worker w picks a source port p with ft_rss_queue(remote, local, rport, p)
 * == w (handshake.c); the peer's replies to that port must be steered to w. */
static void
test_steer_replies_reach_the_opening_worker(void **state)
{
	(void)state;
	for (unsigned int w = 0; w < N_WORKERS; w++) {
		int found = 0;

		for (uint16_t p = 49152; p < 50000 && found < 16; p++) {
			struct rte_mbuf *reply;

			if (ft_rss_queue(key, FT_STEER_RETA, N_WORKERS, PEER_IP, LOCAL_IP, 80, p)
			    != w)
				continue;
			reply = tcp_frame(PEER_IP, LOCAL_IP, 80, p);
			assert_int_equal(ft_steer_owner(&map, reply), w);
			rte_pktmbuf_free(reply);
			found++;
		}
		assert_int_equal(found, 16);
	}
}

/* Table: what has no flow owner. */
static void
test_steer_owner_special_frames(void **state)
{
	static const struct {
		uint16_t type;
		uint8_t proto;
		uint16_t frag;    /* fragment_offset field, host order */
		uint16_t trim;    /* bytes cut off the end */
		uint16_t want;
	} cases[] = {
		{ RTE_ETHER_TYPE_ARP, 0, 0, 0, FT_STEER_ALL },
		{ RTE_ETHER_TYPE_IPV6, IPPROTO_TCP, 0, 0, FT_STEER_LOCAL },
		{ RTE_ETHER_TYPE_IPV4, IPPROTO_ICMP, 0, 0, FT_STEER_LOCAL },
		{ RTE_ETHER_TYPE_IPV4, IPPROTO_TCP, RTE_IPV4_HDR_MF_FLAG, 0, FT_STEER_LOCAL },
		{ RTE_ETHER_TYPE_IPV4, IPPROTO_UDP, 185, 0, FT_STEER_LOCAL },  /* later fragment */
		{ RTE_ETHER_TYPE_IPV4, IPPROTO_TCP, 0, 20, FT_STEER_LOCAL },   /* no ports */
		{ RTE_ETHER_TYPE_IPV4, IPPROTO_TCP, 0, 50, FT_STEER_LOCAL },   /* no IP header */
		{ RTE_ETHER_TYPE_IPV4, IPPROTO_TCP, RTE_IPV4_HDR_DF_FLAG, 0, 0 }, /* DF: hashed */
	};

	(void)state;
	for (size_t i = 0; i < RTE_DIM(cases); i++) {
		struct rte_mbuf *m = frame(cases[i].type, cases[i].proto, PEER_IP, LOCAL_IP,
					   40000, 80);
		struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
								  sizeof(struct rte_ether_hdr));
		uint16_t want = cases[i].want;

		ih->fragment_offset = rte_cpu_to_be_16(cases[i].frag);
		assert_int_equal(rte_pktmbuf_trim(m, cases[i].trim), 0);
		if (want == 0) /* a hashed flow: whatever rss.h says */
			want = ft_rss_queue(key, FT_STEER_RETA, N_WORKERS, PEER_IP, LOCAL_IP,
					    40000, 80);
		assert_int_equal(ft_steer_owner(&map, m), want);
		rte_pktmbuf_free(m);
	}
}

static void
worker_init(struct ft_worker *w, struct ft_iface *ifc, unsigned int idx)
{
	memset(w, 0, sizeof(*w));
	w->idx = idx;
	w->pool = ft_test_pool();
	w->ifaces = ifc;
	w->n_ifaces = 2;
}

/* A port number on @p sport whose flow belongs to worker @p owner. */
static uint16_t
port_of(unsigned int owner, uint16_t from)
{
	for (uint16_t p = from;; p++)
		if (ft_rss_queue(key, FT_STEER_RETA, N_WORKERS, PEER_IP, LOCAL_IP, p, 80) == owner)
			return p;
}

/* Worker 0 keeps its frames in order, hands worker 1's over (counted), copies ARP to it; worker
 * 1 dequeues them with the interface the DPDK port id names. */
static void
test_steer_rx_hands_over_and_counts(void **state)
{
	struct ft_iface ifc[2] = { { .port_id = 3 }, { .port_id = 7 } };
	struct ft_steer *st = ft_steer_create(&map, N_WORKERS, 0);
	struct rte_mbuf *pkts[6], *got[8];
	struct ft_worker w0, w1;
	uint16_t ifaces[8], p0 = port_of(0, 40000), p1 = port_of(1, 40000);
	uint16_t keep, n;

	(void)state;
	assert_non_null(st);
	worker_init(&w0, ifc, 0);
	worker_init(&w1, ifc, 1);
	pkts[0] = tcp_frame(PEER_IP, LOCAL_IP, p0, 80);
	pkts[1] = tcp_frame(PEER_IP, LOCAL_IP, p1, 80);
	pkts[2] = frame(RTE_ETHER_TYPE_ARP, 0, 0, 0, 0, 0);
	pkts[3] = tcp_frame(PEER_IP, LOCAL_IP, p1, 80);
	pkts[4] = frame(RTE_ETHER_TYPE_IPV4, IPPROTO_ICMP, PEER_IP, LOCAL_IP, 0, 0);
	pkts[5] = tcp_frame(PEER_IP, LOCAL_IP, p0, 80);
	struct rte_mbuf *mine[4] = { pkts[0], pkts[2], pkts[4], pkts[5] };
	struct rte_mbuf *theirs[2] = { pkts[1], pkts[3] };

	keep = ft_steer_rx(st, &w0, 1, pkts, 6);
	assert_int_equal(keep, 4);
	for (int i = 0; i < 4; i++)
		assert_ptr_equal(pkts[i], mine[i]);
	assert_int_equal(w0.stats.rx_steered, 3); /* two frames and one ARP copy */
	n = ft_steer_dequeue(st, &w1, got, ifaces, 8);
	assert_int_equal(n, 3);
	assert_ptr_equal(got[0], theirs[0]);
	assert_ptr_equal(got[2], theirs[1]);
	assert_ptr_not_equal(got[1], mine[1]); /* the ARP copy, not the original */
	assert_int_equal(rte_pktmbuf_pkt_len(got[1]), rte_pktmbuf_pkt_len(mine[1]));
	for (int i = 0; i < 3; i++)
		assert_int_equal(ifaces[i], 1); /* m->port 7 is interface 1 */
	assert_int_equal(ft_steer_dequeue(st, &w0, got + 3, ifaces, 4), 0);
	rte_pktmbuf_free_bulk(got, 3);
	rte_pktmbuf_free_bulk(pkts, 4);
	ft_steer_destroy(st);
}

/* A full ring drops (counted as steer_full, mbuf freed), it never waits. */
static void
test_steer_full_ring_is_a_counted_drop(void **state)
{
	struct ft_iface ifc[2] = { { .port_id = 7 }, { .port_id = 8 } };
	struct ft_steer *st = ft_steer_create(&map, N_WORKERS, 0);
	unsigned int avail = rte_mempool_avail_count(ft_test_pool());
	uint16_t p1 = port_of(1, 40000);
	struct ft_worker w0;
	uint32_t sent = 0;

	(void)state;
	assert_non_null(st);
	worker_init(&w0, ifc, 0);
	while (w0.stats.drops[FT_DROP_STEER_FULL] == 0 && sent < FT_STEER_RING + 64) {
		struct rte_mbuf *m = tcp_frame(PEER_IP, LOCAL_IP, p1, 80);

		assert_int_equal(ft_steer_rx(st, &w0, 0, &m, 1), 0);
		sent++;
	}
	assert_int_equal(w0.stats.drops[FT_DROP_STEER_FULL], 1);
	assert_int_equal(w0.stats.rx_steered, sent - 1);
	assert_true(sent - 1 <= FT_STEER_RING);
	ft_steer_destroy(st); /* frees what is queued */
	assert_int_equal(rte_mempool_avail_count(ft_test_pool()), avail);
}

/* A port with real RSS: flows stay, every ARP frame is copied to the other workers. */
static void
test_steer_arp_copy_on_rss_port(void **state)
{
	struct ft_iface ifc[2] = { { .port_id = 7 }, { .port_id = 8 } };
	struct ft_steer *st = ft_steer_create(&map, N_WORKERS, 0);
	struct rte_mbuf *pkts[3], *got[4];
	struct ft_worker w0, w1;
	uint16_t ifaces[4];

	(void)state;
	assert_non_null(st);
	worker_init(&w0, ifc, 0);
	worker_init(&w1, ifc, 1);
	pkts[0] = tcp_frame(PEER_IP, LOCAL_IP, port_of(1, 40000), 80);
	pkts[1] = frame(RTE_ETHER_TYPE_ARP, 0, 0, 0, 0, 0);
	pkts[2] = frame(RTE_ETHER_TYPE_IPV4, IPPROTO_UDP, PEER_IP, LOCAL_IP, 1, 2);
	ft_steer_arp_copy(st, &w0, pkts, 3);
	assert_int_equal(w0.stats.rx_steered, 1);
	assert_int_equal(ft_steer_dequeue(st, &w1, got, ifaces, 4), 1);
	assert_int_equal(rte_be_to_cpu_16(rte_pktmbuf_mtod(got[0],
			 struct rte_ether_hdr *)->ether_type), RTE_ETHER_TYPE_ARP);
	assert_ptr_not_equal(got[0], pkts[1]);
	assert_int_equal(ifaces[0], 0);
	rte_pktmbuf_free(got[0]);
	rte_pktmbuf_free_bulk(pkts, 3);
	ft_steer_destroy(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steer_owner_is_symmetric_rss_queue),
		cmocka_unit_test(test_steer_replies_reach_the_opening_worker),
		cmocka_unit_test(test_steer_owner_special_frames),
		cmocka_unit_test(test_steer_rx_hands_over_and_counts),
		cmocka_unit_test(test_steer_full_ring_is_a_counted_drop),
		cmocka_unit_test(test_steer_arp_copy_on_rss_port),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
