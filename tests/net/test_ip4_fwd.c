/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forward hook and raw send of fasttcp/ft_ip4.h (src/net/ip4_fwd.c), between two real
 * stacks in one process joined by the in-process ring port pair, each on its own lcore:
 *
 *   host H 203.0.113.1 (gateway R) --ring-- router R 203.0.113.2, forward hook on its port
 *
 * H sends UDP datagrams to addresses in 10.1.2.0/24, which only R can reach. R's hook sees
 * them (they are not for R) and acts per destination, recording what it saw for the main
 * thread to assert (cmocka asserts stay on the main thread):
 *   .3  reflect: swap source and destination, ft_ip4_send() back to H (next hop H by ARP);
 *       H's UDP socket must receive it from 10.1.2.3, payload intact;
 *   .4  the same for a 2000-byte datagram: H fragments it, the hook gets the fragments as
 *       they came (not reassembled) and reflects each; H reassembles;
 *   .5  ft_ip4_icmp_error(frag needed, MTU 1400) about it, sent to H: H counts an ICMP error;
 *   .6  grow it to 1600 bytes, set DF, send it out of R's port (MTU 1500): -EMSGSIZE, too_big;
 * and a datagram to 224.0.0.5 (multicast) never reaches the hook (ip_not_us). Without a hook,
 * the same traffic is dropped as ip_not_us, as before the hook existed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_icmp.h>
#include <rte_ip_frag.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include <fasttcp/fasttcp.h>

#define H_IP 0xcb007101	 /* 203.0.113.1 */
#define R_IP 0xcb007102	 /* 203.0.113.2 */
#define NET 0x0a010200	 /* 10.1.2.0/24, behind R */
#define MCAST 0xe0000005 /* 224.0.0.5 */
#define PORT 4000
#define BIG 2000

struct router {
	struct ft_stack *s;
	unsigned int hooked, bursts, max_burst, frags, bad_port;
	unsigned int icmp_type, icmp_code, icmp_mtu, icmp_built;
	uint32_t icmp_src, icmp_dst;
	int df_rc;
};

struct host {
	struct ft_stack *s, *peer;
	bool sent, expect_replies;
	uint64_t start;
	unsigned int got_small, got_big, bad;
	uint32_t small_src, big_src;
};

/* Swap source and destination: neither checksum changes (both are sums over both fields). */
static void
swap_addrs(struct rte_ipv4_hdr *h)
{
	rte_be32_t a = h->src_addr;

	h->src_addr = h->dst_addr;
	h->dst_addr = a;
}

static void
frag_needed(struct router *r, struct ft_worker *w, struct rte_mbuf *m)
{
	struct rte_mbuf *e = ft_ip4_icmp_error(w, m, 3, 4, 1400, R_IP);
	const struct rte_ipv4_hdr *eh;
	const struct rte_icmp_hdr *ic;

	rte_pktmbuf_free(m);
	if (e == NULL)
		return;
	eh = rte_pktmbuf_mtod(e, const struct rte_ipv4_hdr *);
	ic = (const struct rte_icmp_hdr *)(eh + 1);
	r->icmp_built++;
	r->icmp_type = ic->icmp_type;
	r->icmp_code = ic->icmp_code;
	r->icmp_mtu = rte_be_to_cpu_16(ic->icmp_seq_nb);
	r->icmp_src = rte_be_to_cpu_32(eh->src_addr);
	r->icmp_dst = rte_be_to_cpu_32(eh->dst_addr);
	ft_ip4_send(w, e, 0, H_IP);
}

/* Grow the packet past the port MTU (1500) and set DF: ft_ip4_send() must refuse it. */
static void
send_with_df(struct router *r, struct ft_worker *w, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);

	if (rte_pktmbuf_append(m, 1600 - m->pkt_len) == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	h->total_length = rte_cpu_to_be_16(1600);
	h->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	h->hdr_checksum = 0;
	h->hdr_checksum = rte_ipv4_cksum(h);
	r->df_rc = ft_ip4_send(w, m, 0, H_IP);
}

static void
router_hook(struct ft_worker *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n, void *arg)
{
	struct router *r = arg;

	r->bursts++;
	r->max_burst = RTE_MAX(r->max_burst, n);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(pkts[i], struct rte_ipv4_hdr *);
		uint32_t dst = rte_be_to_cpu_32(h->dst_addr);

		r->hooked++;
		r->bad_port += port != 0 || pkts[i]->l3_len != sizeof(*h);
		r->frags += rte_ipv4_frag_pkt_is_fragmented(h);
		if (dst == NET + 5) {
			frag_needed(r, w, pkts[i]);
		} else if (dst == NET + 6) {
			send_with_df(r, w, pkts[i]);
		} else {
			/* H's fragments are a header mbuf chained to the payload; a receiver
			 * needs the L4 header in the first segment of the reassembled chain. */
			if (rte_pktmbuf_linearize(pkts[i]) < 0)
				r->bad_port++;
			h = rte_pktmbuf_mtod(pkts[i], struct rte_ipv4_hdr *);
			swap_addrs(h);
			ft_ip4_send(w, pkts[i], 0, H_IP);
		}
	}
}

static void
host_recv(struct ft_worker *w, struct rte_mbuf *m, const struct ft_udp_meta *meta, void *arg)
{
	struct host *h = arg;
	uint8_t buf[BIG];
	const uint8_t *p = rte_pktmbuf_read(m, 0, m->pkt_len, buf);

	for (uint32_t i = 0; p != NULL && i < m->pkt_len; i++)
		h->bad += p[i] != (uint8_t)i;
	if (m->pkt_len == BIG) {
		h->got_big++;
		h->big_src = meta->src_ip;
	} else {
		h->got_small++;
		h->small_src = meta->src_ip;
	}
	rte_pktmbuf_free(m);
}

static int
send_udp(struct ft_worker *w, uint32_t dst, uint16_t len)
{
	struct rte_mbuf *m = ft_udp_alloc(w);
	struct ft_udp_meta meta = { .dst_ip = dst, .src_port = PORT, .dst_port = PORT };
	uint8_t *p;

	if (m == NULL)
		return -ENOBUFS;
	if (len > rte_pktmbuf_tailroom(m)) {
		/* Two segments: the stack fragments chains like any datagram. */
		struct rte_mbuf *tail = ft_udp_alloc(w);

		p = (uint8_t *)rte_pktmbuf_append(m, 1000);
		for (uint16_t i = 0; i < 1000; i++)
			p[i] = (uint8_t)i;
		p = (uint8_t *)rte_pktmbuf_append(tail, len - 1000);
		for (uint16_t i = 1000; i < len; i++)
			p[i - 1000] = (uint8_t)i;
		rte_pktmbuf_chain(m, tail);
		return ft_udp_send(w, m, &meta);
	}
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	for (uint16_t i = 0; i < len; i++)
		p[i] = (uint8_t)i;
	return ft_udp_send(w, m, &meta);
}

static void
host_poll(struct ft_worker *w, void *arg)
{
	struct host *h = arg;
	uint64_t now = ft_worker_now(w), hz = rte_get_tsc_hz();
	struct ft_stats st;
	bool done;

	if (!h->sent) {
		h->sent = true;
		h->start = now;
		send_udp(w, NET + 3, 100);
		send_udp(w, NET + 4, BIG);
		send_udp(w, NET + 5, 200);
		send_udp(w, NET + 6, 1400);
		send_udp(w, MCAST, 50);
	}
	/* With a hook: both reflections and the ICMP error back (and 50 ms for the rest to be
	 * counted). Without: nothing comes back; the drops are counted within 200 ms. */
	ft_stack_stats_get(h->s, &st);
	if (h->expect_replies)
		done = h->got_small >= 1 && h->got_big >= 1 && st.icmp_err_rx >= 1 &&
		       now > h->start + hz / 20;
	else
		done = now > h->start + hz / 5;
	if (done || now > h->start + 5 * hz) {
		ft_stack_stop(h->peer);
		ft_stack_stop(h->s);
	}
}

static struct ft_stack *
make(uint64_t mask, uint8_t side, uint32_t ip, const char *pair)
{
	struct ft_stack_conf conf;

	ft_stack_conf_init(&conf);
	conf.lcore_mask = mask;
	conf.n_mbufs = 4095;
	conf.tcp_max_conns = 0;
	conf.gratuitous_arp = false;
	conf.n_ports = 1;
	conf.ports[0] = (struct ft_port_conf){ .type = FT_PORT_RING, .ring_side = side,
		.rx_desc = 512, .tx_desc = 512, .mtu = 1500, .ip4 = ip, .prefix_len = 24,
		.gateway = side == 0 ? R_IP : 0 };
	snprintf(conf.ports[0].dev, sizeof(conf.ports[0].dev), "%s", pair);
	snprintf(conf.ports[0].name, sizeof(conf.ports[0].name), "%s%u", pair, side);
	return ft_stack_create(&conf);
}

/* Run host and router until the host has its answers; @p hook false: no forward hook. */
static void
run_pair(struct host *h, struct router *r, bool hook, const char *pair, struct ft_stats *hs,
	 struct ft_stats *rs)
{
	h->s = make(1u << 1, 0, H_IP, pair);
	r->s = make(1u << 2, 1, R_IP, pair);
	h->peer = r->s;
	h->expect_replies = hook;
	assert_non_null(h->s);
	assert_non_null(r->s);
	assert_int_equal(ft_ip4_set_forward(r->s, 1, router_hook, r), -EINVAL); /* no port 1 */
	assert_int_equal(ft_ip4_set_forward(NULL, 0, router_hook, r), -EINVAL);
	if (hook)
		assert_int_equal(ft_ip4_set_forward(r->s, 0, router_hook, r), 0);
	assert_int_equal(ft_udp_bind(h->s, PORT, host_recv, h), 0);
	assert_int_equal(ft_stack_set_poll(h->s, host_poll, h), 0);
	assert_int_equal(ft_stack_start(r->s), 0);
	assert_int_equal(ft_ip4_set_forward(r->s, 0, NULL, NULL), -EBUSY);
	assert_int_equal(ft_stack_start(h->s), 0);
	ft_stack_wait(h->s);
	ft_stack_wait(r->s);
	ft_stack_stats_get(h->s, hs);
	ft_stack_stats_get(r->s, rs);
	ft_stack_destroy(h->s);
	ft_stack_destroy(r->s);
}

static void
test_hook_gets_packets_not_for_us_and_ft_ip4_send_delivers_them(void **state)
{
	struct router r = { .df_rc = 1 };
	struct host h = { 0 };
	struct ft_stats hs, rs;

	run_pair(&h, &r, true, "fwd1", &hs, &rs);
	/* .3, two fragments of .4, .5 and .6: the multicast one was filtered. */
	assert_int_equal(r.hooked, 5);
	assert_int_equal(rs.ip_fwd_rx, 5);
	assert_int_equal(r.bad_port, 0);
	assert_int_equal(r.frags, 2);
	assert_int_equal(rs.drops[FT_DROP_IP_NOT_US], 1);
	assert_true(r.max_burst <= 32);
	/* Reflected packets reached H's socket from the far addresses, payload intact. */
	assert_int_equal(h.got_small, 1);
	assert_int_equal(h.small_src, NET + 3);
	assert_int_equal(h.got_big, 1);
	assert_int_equal(h.big_src, NET + 4);
	assert_int_equal(h.bad, 0);
	assert_int_equal(hs.ip_reassembled, 1);
	/* The frag-needed error: built as asked, sent through ARP, received by H. */
	assert_int_equal(r.icmp_built, 1);
	assert_int_equal(r.icmp_type, 3);
	assert_int_equal(r.icmp_code, 4);
	assert_int_equal(r.icmp_mtu, 1400);
	assert_int_equal(r.icmp_src, R_IP);
	assert_int_equal(r.icmp_dst, H_IP);
	assert_int_equal(rs.icmp_err_tx, 1);
	assert_int_equal(hs.icmp_err_rx, 1);
	/* DF and above the port MTU: refused and counted. */
	assert_int_equal(r.df_rc, -EMSGSIZE);
	assert_int_equal(rs.drops[FT_DROP_TOO_BIG], 1);
}

static void
test_without_a_hook_packets_not_for_us_are_dropped(void **state)
{
	struct router r = { .df_rc = 1 };
	struct host h = { 0 };
	struct ft_stats hs, rs;

	run_pair(&h, &r, false, "fwd2", &hs, &rs);
	assert_int_equal(r.hooked, 0);
	assert_int_equal(rs.ip_fwd_rx, 0);
	/* .3, two fragments of .4, .5, .6 and the multicast one. */
	assert_int_equal(rs.drops[FT_DROP_IP_NOT_US], 6);
	assert_int_equal(h.got_small + h.got_big, 0);
}

int
main(void)
{
	char *argv[] = { "test", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
			 "--lcores", "0@(0,1),1@0,2@1", "--log-level", "*:error", NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hook_gets_packets_not_for_us_and_ft_ip4_send_delivers_them),
		cmocka_unit_test(test_without_a_hook_packets_not_for_us_are_dropped),
	};

	if (rte_eal_init(RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	return cmocka_run_group_tests_name("ip4_fwd", tests, NULL, NULL);
}
