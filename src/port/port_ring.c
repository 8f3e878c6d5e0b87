/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ring-backed port pair through DPDK's net_ring (rte_eth_from_rings): for each queue q there
 * are two single-producer single-consumer rings, "<pair>.<q>.0to1" and "<pair>.<q>.1to0".
 */
#include <errno.h>
#include <stdio.h>

#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "port/port.h"
#include "port/port_ring.h"

#define RING_SIZE 4096
#define MAX_RING_QUEUES 16

static struct rte_ring *
pair_ring(const char *pair, uint16_t q, int from_side)
{
	char name[RTE_RING_NAMESIZE];
	struct rte_ring *r;

	snprintf(name, sizeof(name), "%s.%u.%dto%d", pair, q, from_side, !from_side);
	r = rte_ring_lookup(name);
	if (r == NULL)
		r = rte_ring_create(name, RING_SIZE, (int)rte_socket_id(),
				    RING_F_SP_ENQ | RING_F_SC_DEQ);
	return r;
}

int
ft_port_ring_attach(struct ft_port *p, const struct ft_port_conf *pc, uint16_t n_queues)
{
	struct rte_ring *rx[MAX_RING_QUEUES], *tx[MAX_RING_QUEUES];
	int side = pc->ring_side ? 1 : 0;
	int port;

	if (n_queues > MAX_RING_QUEUES)
		return -ENOTSUP;
	for (uint16_t q = 0; q < n_queues; q++) {
		tx[q] = pair_ring(pc->dev, q, side);
		rx[q] = pair_ring(pc->dev, q, !side);
		if (tx[q] == NULL || rx[q] == NULL)
			return -ENOMEM;
	}
	snprintf(p->devname, sizeof(p->devname), "net_ring_%s%d", pc->dev, side);
	port = rte_eth_from_rings(p->devname, rx, n_queues, tx, n_queues, (unsigned)rte_socket_id());
	if (port < 0)
		return -rte_errno;
	p->port_id = (uint16_t)port;
	return 0;
}
