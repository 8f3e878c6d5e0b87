/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checksums over mbuf chains (src/net/csum.c) equal the checksum of the same bytes in one
 * flat buffer, for segments of odd and even lengths at every offset: the case DPDK 22.11's
 * rte_raw_cksum_mbuf gets wrong (an odd-length first segment).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "net/csum.h"
#include "test_eal.h"

static struct rte_mbuf *
chain_of(const uint8_t *data, const uint16_t *lens, int n)
{
	struct rte_mbuf *head = NULL;
	uint32_t pos = 0;

	for (int i = 0; i < n; i++) {
		struct rte_mbuf *s = rte_pktmbuf_alloc(ft_test_pool());

		assert_non_null(s);
		memcpy(rte_pktmbuf_append(s, lens[i]), data + pos, lens[i]);
		pos += lens[i];
		if (head == NULL)
			head = s;
		else
			assert_int_equal(rte_pktmbuf_chain(head, s), 0);
	}
	return head;
}

static uint16_t
flat(const uint8_t *data, uint32_t off, uint32_t len)
{
	return __rte_raw_cksum_reduce(__rte_raw_cksum(data + off, len, 0));
}

static void
test_chain_sum_equals_flat_sum_for_odd_segments(void **state)
{
	static const uint16_t shapes[][4] = {
		{ 201, 2048, 2048, 1000 }, { 1, 1, 1, 1 }, { 200, 2048, 7, 3 },
		{ 1447, 1, 2000, 999 }, { 3, 1448, 1448, 1448 },
	};
	uint8_t data[8192];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)rte_rand();
	for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
		uint32_t total = 0;
		struct rte_mbuf *m;

		for (int i = 0; i < 4; i++)
			total += shapes[k][i];
		m = chain_of(data, shapes[k], 4);
		for (uint32_t off = 0; off < 5; off++)
			assert_int_equal(ft_cksum_chain(m, off, total - off, 0),
					 flat(data, off, total - off));
		rte_pktmbuf_free(m);
	}
}

static void
test_l4_cksum_verifies_after_computing(void **state)
{
	static const uint16_t shape[] = { 41, 1000, 333 };
	struct rte_ipv4_hdr ih = { .version_ihl = RTE_IPV4_VHL_DEF, .next_proto_id = 6,
				   .src_addr = RTE_BE32(0xc6336401),
				   .dst_addr = RTE_BE32(0xc6336402) };
	uint8_t data[1374];
	struct rte_mbuf *m;
	uint16_t ck;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	data[16] = data[17] = 0; /* the TCP checksum field, zero while computing */
	ih.total_length = rte_cpu_to_be_16(sizeof(data) + 20);
	m = chain_of(data, shape, 3);
	ck = ft_ip4_l4_cksum(m, &ih, 0);
	memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, 16), &ck, 2);
	assert_true(ft_ip4_l4_cksum_ok(m, &ih, 0));
	rte_pktmbuf_mtod_offset(m->next, uint8_t *, 5)[0] ^= 1; /* corrupt one byte */
	assert_false(ft_ip4_l4_cksum_ok(m, &ih, 0));
	rte_pktmbuf_free(m);
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
		cmocka_unit_test(test_chain_sum_equals_flat_sum_for_odd_segments),
		cmocka_unit_test(test_l4_cksum_verifies_after_computing),
	};

	return cmocka_run_group_tests_name("csum", tests, setup, NULL);
}
