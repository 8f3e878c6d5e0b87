/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL bring-up for unit tests (STYLE §16): everything in memory, nothing that needs root,
 * hugepages or a NIC, so the 'unit' suite runs anywhere, including under ASan.
 */
#include <errno.h>
#include <stddef.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "test_eal.h"

#define POOL_NAME "ft_test_pool"

int
ft_test_eal_init(void)
{
	/* EAL keeps pointers into argv, so it must outlive the call. */
	static char *argv[] = {
		"ft_test", "--no-huge", "--no-pci", "-m", "256", "--no-shconf",
		"--vdev=net_null0", "-l", "0", "--log-level=*:error",
	};
	static int result = 1;  /* 1: not tried yet */

	if (result != 1)
		return result;
	if (rte_eal_init((int)RTE_DIM(argv), argv) >= 0)
		result = 0;
	else if (rte_errno == EALREADY)  /* started by someone else in this process */
		result = 0;
	else
		result = rte_errno != 0 ? -rte_errno : -EIO;
	return result;
}

struct rte_mempool *
ft_test_pool(void)
{
	static struct rte_mempool *mp;

	if (mp != NULL)
		return mp;
	mp = rte_mempool_lookup(POOL_NAME);
	if (mp == NULL)
		mp = rte_pktmbuf_pool_create(POOL_NAME, FT_TEST_POOL_SIZE, 0, 0,
					     RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	return mp;
}
