/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL and mbuf pool for unit tests: no hugepages, no PCI, one lcore, a net_null vdev.
 * Tests only; both functions keep process-wide state and are not thread-safe.
 */
#ifndef FT_TESTS_HELPERS_TEST_EAL_H
#define FT_TESTS_HELPERS_TEST_EAL_H

struct rte_mempool;

/*
 * Start EAL once per process (--no-huge --no-pci -m 256 --no-shconf --vdev=net_null0 -l 0
 * --log-level=*:error). Later calls return the first result. 0 or -errno.
 */
int ft_test_eal_init(void);

/*
 * The shared pktmbuf pool (FT_TEST_POOL_SIZE mbufs of RTE_MBUF_DEFAULT_BUF_SIZE, no per-lcore
 * cache, so rte_mempool_avail_count() is exact for leak checks), created on first use.
 * Call after ft_test_eal_init(). NULL with rte_errno set when it cannot be created.
 */
struct rte_mempool *ft_test_pool(void);

#define FT_TEST_POOL_SIZE 8191

#endif /* FT_TESTS_HELPERS_TEST_EAL_H */
