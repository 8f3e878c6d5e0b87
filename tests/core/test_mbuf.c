/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mbuf helpers (core/mbuf.c): ft_mbuf_pullup() on the chain shape IPv4 reassembly hands up
 * after rte_ipv4_fragment_packet() (a header-only first segment, then indirect payload
 * segments): the bytes move into the first segment, the shared segments are only re-offset,
 * emptied segments are freed, a shared first segment is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <rte_mbuf.h>

#include "core/mbuf.h"
#include "test_eal.h"

static struct rte_mempool *mp;

static int
setup(void **state)
{
	(void)state;
	if (ft_test_eal_init() < 0)
		return -1;
	mp = ft_test_pool();
	return mp != NULL ? 0 : -1;
}

/* A 20-byte first segment followed by a clone of a 100-byte buffer (0, 1, 2 ... 99). */
static struct rte_mbuf *
chain(struct rte_mbuf **orig)
{
	struct rte_mbuf *h = rte_pktmbuf_alloc(mp), *d = rte_pktmbuf_alloc(mp), *c;
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(d, 100);

	for (int i = 0; i < 100; i++)
		p[i] = (uint8_t)i;
	memset(rte_pktmbuf_append(h, 20), 0xee, 20);
	c = rte_pktmbuf_clone(d, mp);
	assert_non_null(c);
	assert_int_equal(rte_pktmbuf_chain(h, c), 0);
	*orig = d;
	return h;
}

static void
test_pullup_moves_bytes_and_keeps_shared_data(void **state)
{
	struct rte_mbuf *orig, *m = chain(&orig);
	const uint8_t *p;

	(void)state;
	assert_int_equal(ft_mbuf_pullup(m, 28), 0);
	assert_int_equal(m->data_len, 28);
	assert_int_equal(m->pkt_len, 120);
	assert_int_equal(m->nb_segs, 2);
	p = rte_pktmbuf_mtod(m, const uint8_t *);
	for (int i = 0; i < 8; i++)
		assert_int_equal(p[20 + i], i);
	assert_int_equal(m->next->data_len, 92);
	assert_int_equal(*rte_pktmbuf_mtod(m->next, const uint8_t *), 8);
	assert_int_equal(*rte_pktmbuf_mtod(orig, const uint8_t *), 0); /* original untouched */
	assert_int_equal(ft_mbuf_pullup(m, 10), 0); /* already contiguous: nothing to do */
	assert_int_equal(m->data_len, 28);
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(orig);
}

static void
test_pullup_whole_packet_frees_emptied_segments(void **state)
{
	struct rte_mbuf *orig, *m = chain(&orig);

	(void)state;
	assert_int_equal(ft_mbuf_pullup(m, 1000), 0); /* more than the packet: all of it */
	assert_int_equal(m->data_len, 120);
	assert_int_equal(m->nb_segs, 1);
	assert_null(m->next);
	assert_int_equal(rte_pktmbuf_mtod(m, const uint8_t *)[119], 99);
	rte_pktmbuf_free(m);
	assert_int_equal(rte_mbuf_refcnt_read(orig), 1); /* the clone was released */
	rte_pktmbuf_free(orig);
}

static void
test_pullup_refuses_shared_first_segment(void **state)
{
	struct rte_mbuf *orig, *m = chain(&orig), *c = rte_pktmbuf_clone(m, mp);

	(void)state;
	assert_non_null(c);
	assert_int_equal(ft_mbuf_pullup(c, 28), -ENOSPC);
	assert_int_equal(c->data_len, 20);
	rte_pktmbuf_free(c);
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(orig);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pullup_moves_bytes_and_keeps_shared_data),
		cmocka_unit_test(test_pullup_whole_packet_frees_emptied_segments),
		cmocka_unit_test(test_pullup_refuses_shared_first_segment),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
