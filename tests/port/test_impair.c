/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Wire impairment (src/port/impair.c) and its place in the ring port (port_ring.c). The
 * impairer is driven with an injected clock of 1 MHz (one tick = 1 us) so that times are
 * exact; packets carry their sequence number in their first four bytes. Every test ends with
 * the mbuf pool's free count back where it started.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_mbuf.h>

#include "port/impair.h"
#include "port/port.h"
#include "port/txq.h"
#include "test_eal.h"

#define HZ 1000000 /* injected TSC rate: ticks are microseconds */
#define PCT(x) ((uint32_t)((x) * 10000))

static unsigned int pool_before;

static struct rte_mbuf *
make_pkt(uint32_t seq, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ft_test_pool());
	uint8_t *p;

	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	memset(p, 0xab, len);
	memcpy(p, &seq, sizeof(seq));
	return m;
}

static uint32_t
seq_of(const struct rte_mbuf *m)
{
	uint32_t seq;

	memcpy(&seq, rte_pktmbuf_mtod(m, const uint8_t *), sizeof(seq));
	return seq;
}

/* Feed packets first..first+n-1 at @p now. */
static void
feed(struct ft_impair *im, uint32_t first, uint32_t n, uint16_t len, uint64_t now)
{
	struct rte_mbuf *pkts[32];

	while (n > 0) {
		uint16_t k = (uint16_t)RTE_MIN(n, 32u);

		for (uint16_t i = 0; i < k; i++)
			pkts[i] = make_pkt(first + i, len);
		ft_impair_input(im, pkts, k, now);
		first += k;
		n -= k;
	}
}

/* Take everything due at @p now; record sequence numbers in @p seqs (if not NULL, up to
 * @p max), free the packets. @return how many came out. */
static uint32_t
drain(struct ft_impair *im, uint64_t now, uint32_t *seqs, uint32_t max)
{
	struct rte_mbuf *out[32];
	uint32_t total = 0;
	uint16_t n;

	while ((n = ft_impair_output(im, out, 32, now)) > 0) {
		for (uint16_t i = 0; i < n; i++) {
			if (seqs != NULL && total < max)
				seqs[total] = seq_of(out[i]);
			total++;
		}
		rte_pktmbuf_free_bulk(out, n);
	}
	return total;
}

/* Push @p n packets through one at a time (each drained at once); survivors in @p seqs. */
static uint32_t
run_through(struct ft_impair *im, uint32_t n, uint32_t *seqs, uint32_t max)
{
	uint32_t got = 0;

	for (uint32_t i = 0; i < n; i += 32) {
		feed(im, i, RTE_MIN(32u, n - i), 64, i);
		got += drain(im, i, seqs != NULL ? seqs + RTE_MIN(got, max) : NULL,
			     max > got ? max - got : 0);
	}
	return got;
}

static struct ft_impair *
create(const struct ft_impair_conf *c)
{
	struct ft_impair *im = ft_impair_create(c, 0, HZ, SOCKET_ID_ANY);

	assert_non_null(im);
	return im;
}

static void
assert_no_leak(void)
{
	assert_int_equal(rte_mempool_avail_count(ft_test_pool()), pool_before);
}

static void
test_conf_all_zero_is_inactive_and_bad_values_are_refused(void **state)
{
	struct ft_impair_conf c = { 0 };

	assert_false(ft_impair_conf_is_active(&c));
	c.jitter_us = 1;
	assert_true(ft_impair_conf_is_active(&c));
	c = (struct ft_impair_conf){ .loss_ppm = 1000001 };
	assert_null(ft_impair_create(&c, 0, HZ, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	c = (struct ft_impair_conf){ .rate_bps = 999 };
	assert_null(ft_impair_create(&c, 0, HZ, SOCKET_ID_ANY));
}

static void
test_same_seed_same_drop_pattern_other_seed_differs(void **state)
{
	static uint32_t a[4096], b[4096], c3[4096];
	struct ft_impair_conf c = { .loss_ppm = PCT(10), .seed = 42 };
	struct ft_impair *i1 = create(&c), *i2 = create(&c), *i3;
	uint32_t na, nb, nc;

	na = run_through(i1, 4096, a, 4096);
	nb = run_through(i2, 4096, b, 4096);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na * sizeof(a[0]));
	c.seed = 43;
	i3 = create(&c);
	nc = run_through(i3, 4096, c3, 4096);
	assert_true(nc != na || memcmp(a, c3, na * sizeof(a[0])) != 0);
	/* Another impairment does not move the loss pattern: it has its own stream. */
	ft_impair_destroy(i3);
	c.seed = 42;
	c.dup_ppm = PCT(50);
	i3 = create(&c);
	run_through(i3, 4096, NULL, 0);
	{
		struct ft_impair_stats s1 = { 0 }, s3 = { 0 };

		ft_impair_stats_add(i1, &s1);
		ft_impair_stats_add(i3, &s3);
		assert_int_equal(s1.impaired_lost, s3.impaired_lost);
		assert_true(s3.duplicated > 0);
	}
	ft_impair_destroy(i1);
	ft_impair_destroy(i2);
	ft_impair_destroy(i3);
	assert_no_leak();
}

static void
test_loss_rate_within_tolerance_over_100k(void **state)
{
	/* Expected losses and 4 standard deviations of the binomial count. */
	static const struct {
		uint32_t ppm, expect, tol;
	} cases[] = { { PCT(1), 1000, 126 }, { PCT(0.5), 500, 90 }, { PCT(5), 5000, 276 } };

	for (size_t k = 0; k < RTE_DIM(cases); k++) {
		struct ft_impair_conf c = { .loss_ppm = cases[k].ppm, .seed = 7 };
		struct ft_impair *im = create(&c);
		struct ft_impair_stats st = { 0 };
		uint32_t got = run_through(im, 100000, NULL, 0);

		ft_impair_stats_add(im, &st);
		assert_int_equal(got + st.impaired_lost, 100000);
		assert_true(st.impaired_lost >= cases[k].expect - cases[k].tol);
		assert_true(st.impaired_lost <= cases[k].expect + cases[k].tol);
		ft_impair_destroy(im);
	}
	assert_no_leak();
}

static void
test_burst_loss_follows_gilbert_elliott(void **state)
{
	/* p = 1 %, r = 10 %, h = 100 %: bad 1/11 of the time, bursts of 1/r = 10 on average. */
	struct ft_impair_conf c = { .burst_p_ppm = PCT(1), .burst_r_ppm = PCT(10),
				    .burst_h_ppm = PCT(100), .seed = 3 };
	static uint32_t seqs[100000];
	struct ft_impair *im = create(&c);
	struct ft_impair_stats st = { 0 };
	uint32_t got = run_through(im, 100000, seqs, 100000), bursts = 0;

	ft_impair_stats_add(im, &st);
	assert_int_equal(got + st.burst_lost, 100000);
	assert_int_equal(st.impaired_lost, 0);
	assert_true(st.burst_lost > 7500 && st.burst_lost < 10700);
	for (uint32_t i = 1; i < got; i++)
		bursts += seqs[i] != seqs[i - 1] + 1;
	assert_true(bursts > 0);
	assert_true((double)st.burst_lost / bursts > 6.0); /* losses come in runs */
	ft_impair_destroy(im);
	assert_no_leak();
}

static void
assert_private_copy(struct rte_mbuf *a, struct rte_mbuf *b)
{
	assert_ptr_not_equal(a, b);
	assert_int_equal(a->pkt_len, b->pkt_len);
	for (struct rte_mbuf *s = b; s != NULL; s = s->next) {
		assert_true(RTE_MBUF_DIRECT(s));
		assert_int_equal(rte_mbuf_refcnt_read(s), 1);
	}
	assert_memory_equal(rte_pktmbuf_mtod(a, void *), rte_pktmbuf_mtod(b, void *),
			    a->data_len);
	rte_pktmbuf_mtod(b, uint8_t *)[5] ^= 0xff; /* writing the copy leaves the original */
	assert_int_equal(rte_pktmbuf_mtod(a, uint8_t *)[5], 0xab);
}

static void
test_duplicates_are_private_copies(void **state)
{
	struct ft_impair_conf c = { .dup_ppm = PCT(100), .seed = 1 };
	struct ft_impair *im = create(&c);
	struct rte_mbuf *pkts[2], *out[8], *payload;
	struct ft_impair_stats st = { 0 };

	/* A header mbuf chained to a clone of a payload, as TCP output builds them. */
	payload = make_pkt(99, 1000);
	pkts[0] = make_pkt(1, 54);
	pkts[1] = make_pkt(2, 54);
	assert_int_equal(rte_pktmbuf_chain(pkts[1], rte_pktmbuf_clone(payload,
								      ft_test_pool())), 0);
	ft_impair_input(im, pkts, 2, 0);
	assert_int_equal(ft_impair_output(im, out, 8, 0), 4);
	assert_int_equal(seq_of(out[0]), 1);
	assert_int_equal(seq_of(out[1]), 1);
	assert_int_equal(seq_of(out[2]), 2);
	assert_int_equal(seq_of(out[3]), 2);
	assert_private_copy(out[0], out[1]);
	assert_private_copy(out[2], out[3]);
	assert_int_equal(out[3]->pkt_len, 1054);
	ft_impair_stats_add(im, &st);
	assert_int_equal(st.duplicated, 2);
	assert_int_equal(st.out_pkts, 4);
	rte_pktmbuf_free_bulk(out, 4);
	rte_pktmbuf_free(payload);
	ft_impair_destroy(im);
	assert_no_leak();
}

static void
test_reordering_reorders_and_loses_nothing(void **state)
{
	struct ft_impair_conf c = { .reorder_ppm = PCT(10), .reorder_gap = 3, .seed = 5 };
	static uint32_t seqs[10000];
	static bool seen[10000];
	struct ft_impair *im = create(&c);
	struct ft_impair_stats st = { 0 };
	uint32_t got, inversions = 0;

	got = run_through(im, 10000, seqs, 10000);
	got += drain(im, 10000 + 1000, seqs + got, 10000 - got); /* held ones time out */
	assert_int_equal(got, 10000);
	for (uint32_t i = 0; i < got; i++) {
		assert_false(seen[seqs[i]]);
		seen[seqs[i]] = true;
		if (i > 0 && seqs[i] < seqs[i - 1]) {
			inversions++;
			assert_true(seqs[i - 1] - seqs[i] <= 3 * 16); /* bounded displacement */
		}
	}
	ft_impair_stats_add(im, &st);
	assert_true(inversions > 500);
	assert_true(st.reordered > 500 && st.reordered < 1500);
	ft_impair_destroy(im);
	assert_no_leak();
}

static void
test_held_packet_leaves_after_gap_or_timeout(void **state)
{
	struct ft_impair_conf c = { .reorder_ppm = PCT(100), .reorder_gap = 2,
				    .reorder_max_us = 500 };
	struct ft_impair *im = create(&c);
	struct rte_mbuf *out[8];
	struct ft_impair_stats st = { 0 };

	feed(im, 0, 1, 64, 0);
	assert_int_equal(ft_impair_output(im, out, 8, 0), 0);   /* held */
	assert_int_equal(ft_impair_output(im, out, 8, 499), 0);
	assert_int_equal(ft_impair_held(im), 1);
	assert_int_equal(ft_impair_output(im, out, 8, 500), 1); /* nobody overtook: timeout */
	ft_impair_stats_add(im, &st);
	assert_int_equal(st.reordered, 0);
	rte_pktmbuf_free(out[0]);
	ft_impair_destroy(im);
	/* 50 %: the first held packet goes out right after two later ones. */
	c.reorder_ppm = PCT(50);
	c.seed = 11;
	im = create(&c);
	{
		uint32_t seqs[64], n, first = UINT32_MAX, ahead = 0;

		feed(im, 0, 64, 64, 0);
		n = drain(im, 0, seqs, 64);
		n += drain(im, 500, seqs + n, 64 - n);
		assert_int_equal(n, 64);
		for (uint32_t i = 0; i + 1 < n && first == UINT32_MAX; i++)
			if (seqs[i] > seqs[i + 1])
				first = i + 1; /* the first packet that was overtaken */
		assert_true(first != UINT32_MAX);
		for (uint32_t i = 0; i < first; i++)
			ahead += seqs[i] > seqs[first];
		assert_int_equal(ahead, 2);
	}
	ft_impair_destroy(im);
	assert_no_leak();
}

static void
test_delay_holds_packets_until_their_time(void **state)
{
	struct ft_impair_conf c = { .delay_us = 1000 };
	struct ft_impair *im = create(&c);
	struct ft_impair_stats st = { 0 };
	uint32_t seqs[20];

	feed(im, 0, 10, 64, 0);
	feed(im, 10, 10, 64, 300);
	assert_int_equal(drain(im, 999, NULL, 0), 0);
	assert_int_equal(drain(im, 1000, seqs, 20), 10);
	assert_int_equal(drain(im, 1299, NULL, 0), 0);
	assert_int_equal(drain(im, 1300, seqs + 10, 10), 10);
	for (uint32_t i = 0; i < 20; i++)
		assert_int_equal(seqs[i], i);
	ft_impair_stats_add(im, &st);
	assert_int_equal(st.delayed, 20);
	ft_impair_destroy(im);
	assert_no_leak();
}

static void
test_jitter_stays_in_range_and_never_reorders(void **state)
{
	struct ft_impair_conf c = { .delay_us = 1000, .jitter_us = 400, .seed = 9 };
	struct ft_impair *im = create(&c);
	uint32_t seqs[200], got = 0, early = 0;

	/* One packet every 100 us, looked at every microsecond. */
	for (uint64_t t = 0; t < 20000 + 1400; t++) {
		uint32_t before = got;

		if (t % 100 == 0 && t < 20000)
			feed(im, (uint32_t)(t / 100), 1, 64, t);
		got += drain(im, t, seqs + got, 200 - got);
		for (uint32_t i = before; i < got; i++) {
			uint64_t sent = (uint64_t)seqs[i] * 100;

			assert_true(t >= sent + 600 && t <= sent + 1400);
			early += t < sent + 1000;
		}
	}
	assert_int_equal(got, 200);
	for (uint32_t i = 0; i < got; i++)
		assert_int_equal(seqs[i], i);
	assert_true(early > 20); /* jitter goes both ways */
	ft_impair_destroy(im);
	assert_no_leak();
}

static void
test_rate_limit_paces_and_drops_beyond_queue(void **state)
{
	/* 8 Mbit/s = one byte per microsecond: a 1000-byte frame takes 1000 us. */
	struct ft_impair_conf c = { .rate_bps = 8000000, .rate_queue = 4 };
	struct ft_impair *im = create(&c);
	struct ft_impair_stats st = { 0 };

	feed(im, 0, 10, 1000, 0);
	ft_impair_stats_add(im, &st);
	assert_int_equal(st.rate_dropped, 6);
	assert_int_equal(drain(im, 999, NULL, 0), 0);
	assert_int_equal(drain(im, 1000, NULL, 0), 1);
	assert_int_equal(drain(im, 2999, NULL, 0), 1);
	assert_int_equal(drain(im, 4000, NULL, 0), 2);
	/* The link is idle again: the next frame leaves one serialisation time later. */
	feed(im, 10, 1, 1000, 10000);
	assert_int_equal(drain(im, 10999, NULL, 0), 0);
	assert_int_equal(drain(im, 11000, NULL, 0), 1);
	ft_impair_destroy(im);
	assert_no_leak();
}

static void
test_full_delay_line_drops_and_counts(void **state)
{
	struct ft_impair_conf c = { .delay_us = 10, .queue_len = 8 };
	struct ft_impair *im = create(&c);
	struct ft_impair_stats st = { 0 };

	feed(im, 0, 20, 64, 0);
	ft_impair_stats_add(im, &st);
	assert_int_equal(st.queue_full, 12);
	assert_int_equal(ft_impair_held(im), 8);
	ft_impair_destroy(im); /* frees the 8 still held */
	assert_no_leak();
}

static void
test_every_packet_is_accounted_for(void **state)
{
	struct ft_impair_conf c = {
		.loss_ppm = PCT(2), .burst_p_ppm = PCT(0.5), .burst_r_ppm = PCT(20),
		.burst_h_ppm = PCT(80), .dup_ppm = PCT(3), .reorder_ppm = PCT(3),
		.delay_us = 50, .jitter_us = 20, .rate_bps = 400000000, .rate_queue = 64,
		.queue_len = 256, .seed = 1234,
	};
	struct ft_impair *im = create(&c);
	struct ft_impair_stats st = { 0 };
	uint32_t out = 0;

	for (uint32_t i = 0; i < 50000; i += 32) {
		feed(im, i, 32, 1500, i);
		out += drain(im, i, NULL, 0);
	}
	ft_impair_stats_add(im, &st);
	assert_int_equal(st.in_pkts, 50016);
	assert_int_equal(st.out_pkts, out);
	assert_int_equal(st.in_pkts + st.duplicated, st.out_pkts + st.impaired_lost +
			 st.burst_lost + st.rate_dropped + st.queue_full + ft_impair_held(im));
	assert_true(st.impaired_lost > 0 && st.burst_lost > 0 && st.duplicated > 0 &&
		    st.reordered > 0 && st.delayed > 0 && st.rate_dropped > 0);
	ft_impair_destroy(im);
	assert_no_leak();
}

static struct ft_port_conf
ring_conf(const char *name, const char *pair, uint8_t side)
{
	struct ft_port_conf pc = { .type = FT_PORT_RING, .ring_side = side, .rx_desc = 512,
				   .tx_desc = 512, .mtu = 1500 };

	snprintf(pc.name, sizeof(pc.name), "%s", name);
	snprintf(pc.dev, sizeof(pc.dev), "%s", pair);
	return pc;
}

static void
test_ring_port_impairs_one_direction(void **state)
{
	struct ft_port_conf c0 = ring_conf("ia", "imp", 0), c1 = ring_conf("ib", "imp", 1);
	struct ft_port p0, p1;
	struct ft_stats st = { 0 };
	struct ft_impair_stats is;
	struct ft_txq q0 = { 0 }, q1 = { 0 };
	struct rte_mbuf *rx[64];
	uint16_t n;

	c0.impair = (struct ft_impair_conf){ .loss_ppm = PCT(50), .delay_us = 1000000 };
	assert_int_equal(ft_port_open(&p0, &c0, 1, ft_test_pool()), 0);
	assert_int_equal(ft_port_open(&p1, &c1, 1, ft_test_pool()), 0);
	assert_non_null(p0.impair);
	assert_null(p1.impair);
	q0.port_id = p0.port_id;
	q1.port_id = p1.port_id;
	for (uint32_t i = 0; i < 64; i++)
		ft_txq_add(&q0, make_pkt(i, 60), &st);
	for (uint32_t i = 0; i < 8; i++)
		ft_txq_add(&q1, make_pkt(i, 60), &st);
	ft_txq_flush(&q1, &st);
	assert_int_equal(st.tx_pkts, 72); /* the device took them all */
	/* Side 0's packets wait in its stage ring until its own RX poll pumps them into the
	 * 1 s delay line; side 1's go straight to side 0. */
	assert_int_equal(ft_port_rx(&p1, 0, rx, 64), 0);
	n = ft_port_rx(&p0, 0, rx, 64);
	assert_int_equal(n, 8);
	rte_pktmbuf_free_bulk(rx, n);
	assert_int_equal(ft_port_rx(&p1, 0, rx, 64), 0);
	assert_int_equal(ft_impair_stats_get(p0.port_id, &is), 0);
	assert_int_equal(is.in_pkts, 64);
	assert_true(is.impaired_lost > 10 && is.impaired_lost < 54);
	assert_int_equal(is.delayed, 64 - is.impaired_lost);
	assert_int_equal(ft_impair_stats_get(p1.port_id, &is), -ENOENT);
	ft_port_close(&p0); /* frees what the delay line still holds */
	ft_port_close(&p1);
	assert_int_equal(ft_impair_stats_get(p0.port_id, &is), -ENOENT);
	assert_no_leak();
}

static void
test_ring_port_delivers_after_the_delay(void **state)
{
	struct ft_port_conf c0 = ring_conf("ic", "imq", 0), c1 = ring_conf("id", "imq", 1);
	struct ft_port p0, p1;
	struct ft_stats st = { 0 };
	struct ft_txq q0 = { 0 };
	struct rte_mbuf *rx[64];
	uint64_t t0;
	uint16_t n = 0;

	c0.impair = (struct ft_impair_conf){ .delay_us = 2000 };
	assert_int_equal(ft_port_open(&p0, &c0, 1, ft_test_pool()), 0);
	assert_int_equal(ft_port_open(&p1, &c1, 1, ft_test_pool()), 0);
	q0.port_id = p0.port_id;
	for (uint32_t i = 0; i < 5; i++)
		ft_txq_add(&q0, make_pkt(i, 60), &st);
	ft_txq_flush(&q0, &st);
	t0 = rte_rdtsc();
	ft_port_rx(&p0, 0, rx, 64); /* pump: into the delay line */
	while (n == 0 && rte_rdtsc() - t0 < rte_get_tsc_hz()) {
		ft_port_rx(&p0, 0, rx, 64);
		n = ft_port_rx(&p1, 0, rx, 64);
	}
	assert_int_equal(n, 5);
	assert_true(rte_rdtsc() - t0 >= rte_get_tsc_hz() / 500);
	for (uint16_t i = 0; i < n; i++)
		assert_int_equal(seq_of(rx[i]), i);
	rte_pktmbuf_free_bulk(rx, n);
	ft_port_close(&p0);
	ft_port_close(&p1);
	assert_no_leak();
}

static int
setup(void **state)
{
	int rc = ft_test_eal_init();

	if (rc == 0 && ft_test_pool() == NULL)
		return -1;
	pool_before = rte_mempool_avail_count(ft_test_pool());
	return rc;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_all_zero_is_inactive_and_bad_values_are_refused),
		cmocka_unit_test(test_same_seed_same_drop_pattern_other_seed_differs),
		cmocka_unit_test(test_loss_rate_within_tolerance_over_100k),
		cmocka_unit_test(test_burst_loss_follows_gilbert_elliott),
		cmocka_unit_test(test_duplicates_are_private_copies),
		cmocka_unit_test(test_reordering_reorders_and_loses_nothing),
		cmocka_unit_test(test_held_packet_leaves_after_gap_or_timeout),
		cmocka_unit_test(test_delay_holds_packets_until_their_time),
		cmocka_unit_test(test_jitter_stays_in_range_and_never_reorders),
		cmocka_unit_test(test_rate_limit_paces_and_drops_beyond_queue),
		cmocka_unit_test(test_full_delay_line_drops_and_counts),
		cmocka_unit_test(test_every_packet_is_accounted_for),
		cmocka_unit_test(test_ring_port_impairs_one_direction),
		cmocka_unit_test(test_ring_port_delivers_after_the_delay),
	};

	return cmocka_run_group_tests_name("impair", tests, setup, NULL);
}
