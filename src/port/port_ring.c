/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ring-backed port pair through DPDK's net_ring (rte_eth_from_rings): for each queue q there
 * are two single-producer single-consumer rings, "<pair>.<q>.0to1" and "<pair>.<q>.1to0".
 *
 * A side configured with an impairment (ft_port_conf.impair, impair.c) transmits into a private
 * stage ring per queue ("<pair>.<q>.<side>s") instead; ft_port_ring_pump() moves what is there
 * through the impairer onto the wire ring, and releases the packets whose delay is over. The
 * pump runs from ft_port_rx() of the same queue: the worker that owns a queue both transmits
 * on it and polls it once per loop iteration, so the stage ring and the wire ring keep a single
 * producer and a single consumer, delayed packets are released even when the sender has
 * nothing more to send, and nothing else needs a hook. A packet sent in one iteration reaches
 * the wire at the next one; when the worker idles, at most idle_sleep_us later.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "port/impair.h"
#include "port/port.h"
#include "port/port_ring.h"

#define RING_SIZE 4096
#define MAX_RING_QUEUES 16
#define PUMP_BURST 64u

/* The impairment stage of one ring port: per queue, stage ring -> impairer -> wire ring. */
struct ft_ring_impair {
	uint16_t n_queues;
	struct {
		struct rte_ring *stage;
		struct rte_ring *wire;
		struct ft_impair *im;
	} q[MAX_RING_QUEUES];
};

/*
 * Impaired ports by DPDK port id, for ft_impair_stats_get() (the public API knows ports by id
 * only). Written at setup and close by the main thread; read by any thread.
 */
static struct ft_ring_impair *impaired[RTE_MAX_ETHPORTS];

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

static void
impair_free(struct ft_ring_impair *ri)
{
	struct rte_mbuf *m;

	if (ri == NULL)
		return;
	for (uint16_t q = 0; q < ri->n_queues; q++) {
		if (ri->q[q].stage != NULL)
			while (rte_ring_dequeue(ri->q[q].stage, (void **)&m) == 0)
				rte_pktmbuf_free(m);
		rte_ring_free(ri->q[q].stage);
		ft_impair_destroy(ri->q[q].im);
	}
	rte_free(ri);
}

/* Put a stage ring and an impairer in front of each wire ring @p tx; @p tx then names the
 * stage rings, which the device transmits into. */
static int
impair_create(struct ft_port *p, const struct ft_port_conf *pc, uint16_t n_queues,
	      struct rte_ring **tx)
{
	int socket = (int)rte_socket_id();
	struct ft_ring_impair *ri;
	char name[RTE_RING_NAMESIZE];

	ri = rte_zmalloc_socket("ft_ring_impair", sizeof(*ri), RTE_CACHE_LINE_SIZE, socket);
	if (ri == NULL)
		return -ENOMEM;
	ri->n_queues = n_queues;
	for (uint16_t q = 0; q < n_queues; q++) {
		if (snprintf(name, sizeof(name), "%s.%u.%us", pc->dev, q, pc->ring_side) >=
		    (int)sizeof(name)) {
			impair_free(ri);
			return -ENAMETOOLONG;
		}
		ri->q[q].wire = tx[q];
		ri->q[q].stage = rte_ring_create(name, RING_SIZE, socket,
						 RING_F_SP_ENQ | RING_F_SC_DEQ);
		ri->q[q].im = ft_impair_create(&pc->impair, (uint64_t)pc->ring_side << 16 | q,
					       rte_get_tsc_hz(), socket);
		if (ri->q[q].stage == NULL || ri->q[q].im == NULL) {
			int rc = -rte_errno;

			impair_free(ri);
			return rc < 0 ? rc : -ENOMEM;
		}
		tx[q] = ri->q[q].stage;
	}
	p->impair = ri;
	return 0;
}

int
ft_port_ring_attach(struct ft_port *p, const struct ft_port_conf *pc, uint16_t n_queues)
{
	struct rte_ring *rx[MAX_RING_QUEUES], *tx[MAX_RING_QUEUES];
	int side = pc->ring_side ? 1 : 0;
	int port, rc;

	if (n_queues > MAX_RING_QUEUES)
		return -ENOTSUP;
	for (uint16_t q = 0; q < n_queues; q++) {
		tx[q] = pair_ring(pc->dev, q, side);
		rx[q] = pair_ring(pc->dev, q, !side);
		if (tx[q] == NULL || rx[q] == NULL)
			return -ENOMEM;
	}
	if (ft_impair_conf_is_active(&pc->impair)) {
		rc = impair_create(p, pc, n_queues, tx);
		if (rc < 0)
			return rc;
	}
	snprintf(p->devname, sizeof(p->devname), "net_ring_%s%d", pc->dev, side);
	port = rte_eth_from_rings(p->devname, rx, n_queues, tx, n_queues, (unsigned)rte_socket_id());
	if (port < 0) {
		rc = -rte_errno;
		ft_port_ring_detach(p);
		return rc;
	}
	p->port_id = (uint16_t)port;
	if (p->impair != NULL)
		impaired[port] = p->impair;
	return 0;
}

void
ft_port_ring_detach(struct ft_port *p)
{
	if (p->impair == NULL)
		return;
	if (p->port_id < RTE_MAX_ETHPORTS && impaired[p->port_id] == p->impair)
		impaired[p->port_id] = NULL;
	impair_free(p->impair);
	p->impair = NULL;
}

void
ft_port_ring_pump(struct ft_ring_impair *ri, uint16_t queue, uint64_t now)
{
	struct rte_ring *stage = ri->q[queue].stage, *wire = ri->q[queue].wire;
	struct ft_impair *im = ri->q[queue].im;
	struct rte_mbuf *pkts[PUMP_BURST];
	unsigned int n, room;

	/* Budget: one stage ring's worth, which is all the device can have taken. */
	for (unsigned int i = 0; i < RING_SIZE / PUMP_BURST; i++) {
		n = rte_ring_dequeue_burst(stage, (void **)pkts, PUMP_BURST, NULL);
		if (n == 0)
			break;
		ft_impair_input(im, pkts, (uint16_t)n, now);
	}
	/* We are the wire ring's only producer, so the room we see cannot shrink: every packet
	 * taken out of the impairer fits. What does not fit waits in the delay line. */
	room = rte_ring_free_count(wire);
	while (room > 0) {
		n = ft_impair_output(im, pkts, (uint16_t)RTE_MIN(room, PUMP_BURST), now);
		if (n == 0)
			break;
		rte_ring_enqueue_burst(wire, (void **)pkts, n, NULL);
		room -= n;
	}
}

int
ft_port_impair_stats(const struct ft_port *p, struct ft_impair_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (p->impair == NULL)
		return -ENOENT;
	for (uint16_t q = 0; q < p->impair->n_queues; q++)
		ft_impair_stats_add(p->impair->q[q].im, st);
	return 0;
}

int
ft_impair_stats_get(uint16_t port_id, struct ft_impair_stats *out)
{
	struct ft_ring_impair *ri = port_id < RTE_MAX_ETHPORTS ? impaired[port_id] : NULL;

	memset(out, 0, sizeof(*out));
	if (ri == NULL)
		return -ENOENT;
	for (uint16_t q = 0; q < ri->n_queues; q++)
		ft_impair_stats_add(ri->q[q].im, out);
	return 0;
}
