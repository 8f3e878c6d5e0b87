/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port layer over the in-process ring pair (src/port/port.c, port_ring.c, txq.c): both sides
 * open, a burst sent on one side arrives intact on the other, and the TX buffer frees and
 * counts what the device does not take.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_mbuf.h>

#include "port/port.h"
#include "port/txq.h"
#include "test_eal.h"

static struct ft_port_conf
ring_conf(const char *name, const char *pair, uint8_t side)
{
	struct ft_port_conf pc = { .type = FT_PORT_RING, .ring_side = side, .rx_desc = 512,
				   .tx_desc = 512, .mtu = 1500 };

	snprintf(pc.name, sizeof(pc.name), "%s", name);
	snprintf(pc.dev, sizeof(pc.dev), "%s", pair);
	return pc;
}

static struct rte_mbuf *
make_pkt(uint8_t fill, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ft_test_pool());

	assert_non_null(m);
	memset(rte_pktmbuf_append(m, len), fill, len);
	return m;
}

static void
test_ring_pair_delivers_burst_both_ways(void **state)
{
	struct ft_port_conf c0 = ring_conf("a", "tp", 0), c1 = ring_conf("b", "tp", 1);
	struct ft_port p0, p1;
	struct ft_stats st = { 0 };
	struct ft_txq q = { 0 };
	struct rte_mbuf *rx[FT_TX_BURST];

	assert_int_equal(ft_port_open(&p0, &c0, 1, ft_test_pool()), 0);
	assert_int_equal(ft_port_open(&p1, &c1, 1, ft_test_pool()), 0);
	assert_int_not_equal(p0.port_id, p1.port_id);
	q.port_id = p0.port_id;
	for (int i = 0; i < 5; i++)
		ft_txq_add(&q, make_pkt((uint8_t)i, 100), &st);
	assert_int_equal(q.n, 5); /* buffered until flushed */
	ft_txq_flush(&q, &st);
	assert_int_equal(st.tx_pkts, 5);
	assert_int_equal(st.tx_bytes, 500);
	assert_int_equal(ft_port_rx(&p1, 0, rx, FT_TX_BURST), 5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(rx[i]->pkt_len, 100);
		assert_int_equal(rte_pktmbuf_mtod(rx[i], uint8_t *)[99], i); /* order kept */
		rte_pktmbuf_free(rx[i]);
	}
	assert_int_equal(ft_port_rx(&p0, 0, rx, FT_TX_BURST), 0); /* nothing loops back */
	ft_port_close(&p0);
	ft_port_close(&p1);
}

static void
test_txq_counts_what_the_device_refuses(void **state)
{
	struct ft_port_conf c0 = ring_conf("c", "full", 0), c1 = ring_conf("d", "full", 1);
	struct ft_port p0, p1;
	struct ft_stats st = { 0 };
	struct ft_txq q = { 0 };
	unsigned int before = rte_mempool_avail_count(ft_test_pool());
	struct rte_mbuf *rx[FT_TX_BURST];
	uint16_t n;

	assert_int_equal(ft_port_open(&p0, &c0, 1, ft_test_pool()), 0);
	assert_int_equal(ft_port_open(&p1, &c1, 1, ft_test_pool()), 0);
	q.port_id = p0.port_id;
	/* The ring holds 4095: send until it is full; the rest is dropped and counted. */
	for (int i = 0; i < 4200; i++)
		ft_txq_add(&q, make_pkt(1, 60), &st);
	ft_txq_flush(&q, &st);
	assert_int_equal(st.tx_pkts, 4095);
	assert_int_equal(st.drops[FT_DROP_TX_FULL], 4200 - 4095);
	assert_int_equal(st.tx_bytes, 4095 * 60);
	while ((n = ft_port_rx(&p1, 0, rx, FT_TX_BURST)) > 0)
		rte_pktmbuf_free_bulk(rx, n);
	ft_port_close(&p0);
	ft_port_close(&p1);
	assert_int_equal(rte_mempool_avail_count(ft_test_pool()), before); /* nothing leaked */
}

static void
test_open_fails_cleanly_on_missing_pci_device(void **state)
{
	struct ft_port_conf pc = ring_conf("e", "x", 0);
	struct ft_port p;

	pc.type = FT_PORT_PCI;
	snprintf(pc.dev, sizeof(pc.dev), "0000:ff:1f.7");
	assert_true(ft_port_open(&p, &pc, 1, ft_test_pool()) < 0);
	ft_port_close(&p); /* safe after a failed open */
}

static int
setup(void **state)
{
	return ft_test_eal_init();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_pair_delivers_burst_both_ways),
		cmocka_unit_test(test_txq_counts_what_the_device_refuses),
		cmocka_unit_test(test_open_fails_cleanly_on_missing_pci_device),
	};

	return cmocka_run_group_tests_name("port", tests, setup, NULL);
}
