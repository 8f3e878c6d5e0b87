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
 *
 * Several queues (one per worker): by default queue q of one side feeds queue q of the other
 * (FT_RING_QUEUE_TO_QUEUE). With ft_port_conf.ring_rss FT_RING_TOEPLITZ the wire acts like a
 * NIC with symmetric RSS: the same stage rings, and the pump puts each frame on the peer's
 * queue that the Toeplitz hash of its IPv4 addresses and TCP/UDP ports picks (key
 * ft_ring_rss_key, redirection table of FT_RING_RETA entries i -> queue i % n; ARP and other
 * frames to queue 0), which the port then reports as its RSS capability. FT_RING_SINGLE puts
 * everything on queue 0, like a one-queue device. In both, the wire rings have several
 * producers (every queue's pump); a frame that finds its ring full is dropped and counted
 * (queue_full of ft_impair_stats_get()), as a NIC counts rx_missed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_ring.h>
#include <rte_thash.h>

#include "port/impair.h"
#include "port/port.h"
#include "port/port_ring.h"

#define RING_SIZE 4096
#define MAX_RING_QUEUES 16
#define PUMP_BURST 64u
#define FT_RING_RETA 128

/* The symmetric Toeplitz key of the RSS wire (one repeated 16-bit pattern, as port.c). */
static const uint8_t ft_ring_rss_key[40] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

/* The impairment stage of one ring port: per queue, stage ring -> impairer -> wire ring. */
struct ft_ring_impair {
	uint16_t n_queues;
	uint8_t rss;                   /* enum ft_ring_rss */
	struct {
		struct rte_ring *stage;
		struct rte_ring *wire;     /* the peer's RX ring of this queue */
		struct ft_impair *im;      /* NULL: no impairment, only spreading */
		uint64_t wire_full;        /* spread frames dropped: the peer's ring full */
	} q[MAX_RING_QUEUES];
};

/*
 * Impaired ports by DPDK port id, for ft_impair_stats_get() (the public API knows ports by id
 * only). Written at setup and close by the main thread; read by any thread.
 */
static struct ft_ring_impair *impaired[RTE_MAX_ETHPORTS];

static bool
spreads(const struct ft_port_conf *pc, uint16_t n_queues)
{
	return n_queues > 1 && pc->ring_rss != FT_RING_QUEUE_TO_QUEUE;
}

/* @p mp: several producers (a spreading wire). */
static struct rte_ring *
pair_ring(const char *pair, uint16_t q, int from_side, bool mp)
{
	char name[RTE_RING_NAMESIZE];
	struct rte_ring *r;

	if (snprintf(name, sizeof(name), "%s.%u.%dto%d", pair, q, from_side, !from_side) >=
	    (int)sizeof(name))
		return NULL; /* the port name is checked shorter (port.c): cannot happen */
	r = rte_ring_lookup(name);
	if (r == NULL)
		r = rte_ring_create(name, RING_SIZE, (int)rte_socket_id(),
				    mp ? RING_F_SC_DEQ : RING_F_SP_ENQ | RING_F_SC_DEQ);
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
	ri->rss = spreads(pc, n_queues) ? pc->ring_rss : FT_RING_QUEUE_TO_QUEUE;
	for (uint16_t q = 0; q < n_queues; q++) {
		if (snprintf(name, sizeof(name), "%s.%u.%us", pc->dev, q, pc->ring_side) >=
		    (int)sizeof(name)) {
			impair_free(ri);
			return -ENAMETOOLONG;
		}
		ri->q[q].wire = tx[q];
		ri->q[q].stage = rte_ring_create(name, RING_SIZE, socket,
						 RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (ft_impair_conf_is_active(&pc->impair))
			ri->q[q].im = ft_impair_create(&pc->impair,
						       (uint64_t)pc->ring_side << 16 | q,
						       rte_get_tsc_hz(), socket);
		if (ri->q[q].stage == NULL ||
		    (ri->q[q].im == NULL && ft_impair_conf_is_active(&pc->impair))) {
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
		tx[q] = pair_ring(pc->dev, q, side, spreads(pc, n_queues));
		rx[q] = pair_ring(pc->dev, q, !side, spreads(pc, n_queues));
		if (tx[q] == NULL || rx[q] == NULL)
			return -ENOMEM;
	}
	if (ft_impair_conf_is_active(&pc->impair) || spreads(pc, n_queues)) {
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
	if (spreads(pc, n_queues) && pc->ring_rss == FT_RING_TOEPLITZ) {
		p->caps.rss = true;
		p->caps.rss_key = ft_ring_rss_key;
		p->caps.reta_size = FT_RING_RETA;
	}
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

/* The peer queue of a frame on a Toeplitz wire: what a NIC's RSS with our key would pick
 * (unfragmented IPv4 TCP/UDP by addresses and ports; the rest to queue 0). */
static uint16_t
rss_queue(const struct rte_mbuf *m, uint16_t n_queues)
{
	const struct rte_ipv4_hdr *ih;
	uint32_t tuple[3], ihl;
	const uint8_t *l4;

	if (m->data_len < RTE_ETHER_HDR_LEN + sizeof(*ih) ||
	    rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->ether_type !=
	    rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return 0;
	ih = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	ihl = (uint32_t)(ih->version_ihl & 0x0f) * 4;
	if ((ih->next_proto_id != IPPROTO_TCP && ih->next_proto_id != IPPROTO_UDP) ||
	    (ih->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG |
						    RTE_IPV4_HDR_OFFSET_MASK)) ||
	    ihl < sizeof(*ih) || m->data_len < RTE_ETHER_HDR_LEN + ihl + 4)
		return 0;
	l4 = (const uint8_t *)ih + ihl;
	tuple[0] = rte_be_to_cpu_32(ih->src_addr);
	tuple[1] = rte_be_to_cpu_32(ih->dst_addr);
	tuple[2] = (uint32_t)l4[0] << 24 | (uint32_t)l4[1] << 16 | (uint32_t)l4[2] << 8 | l4[3];
	return (uint16_t)((rte_softrss(tuple, 3, ft_ring_rss_key) % FT_RING_RETA) % n_queues);
}

/* A spreading wire: each frame to the peer queue the hash (or FT_RING_SINGLE) picks, one
 * enqueue burst per destination queue. */
static void
spread(struct ft_ring_impair *ri, uint16_t queue, struct rte_mbuf **pkts, unsigned int n)
{
	struct rte_mbuf *to[MAX_RING_QUEUES][PUMP_BURST];
	uint16_t cnt[MAX_RING_QUEUES] = { 0 };

	for (unsigned int i = 0; i < n; i++) {
		uint16_t d = ri->rss == FT_RING_SINGLE ? 0 : rss_queue(pkts[i], ri->n_queues);

		to[d][cnt[d]++] = pkts[i];
	}
	for (uint16_t d = 0; d < ri->n_queues; d++) {
		unsigned int k;

		if (cnt[d] == 0)
			continue;
		k = rte_ring_enqueue_burst(ri->q[d].wire, (void **)to[d], cnt[d], NULL);
		if (k < cnt[d]) {
			rte_pktmbuf_free_bulk(&to[d][k], cnt[d] - k);
			ri->q[queue].wire_full += cnt[d] - k;
		}
	}
}

static void
pump_spread(struct ft_ring_impair *ri, uint16_t queue, uint64_t now)
{
	struct ft_impair *im = ri->q[queue].im;
	struct rte_mbuf *pkts[PUMP_BURST];
	unsigned int n;

	for (unsigned int i = 0; i < RING_SIZE / PUMP_BURST; i++) {
		n = rte_ring_dequeue_burst(ri->q[queue].stage, (void **)pkts, PUMP_BURST, NULL);
		if (n == 0)
			break;
		if (im != NULL)
			ft_impair_input(im, pkts, (uint16_t)n, now);
		else
			spread(ri, queue, pkts, n);
	}
	for (unsigned int i = 0; im != NULL && i < RING_SIZE / PUMP_BURST; i++) {
		n = ft_impair_output(im, pkts, PUMP_BURST, now);
		if (n == 0)
			break;
		spread(ri, queue, pkts, n);
	}
}

void
ft_port_ring_pump(struct ft_ring_impair *ri, uint16_t queue, uint64_t now)
{
	struct rte_ring *stage = ri->q[queue].stage, *wire = ri->q[queue].wire;
	struct ft_impair *im = ri->q[queue].im;
	struct rte_mbuf *pkts[PUMP_BURST];
	unsigned int n, room;

	if (ri->rss != FT_RING_QUEUE_TO_QUEUE) {
		pump_spread(ri, queue, now);
		return;
	}

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

static void
stats_add(const struct ft_ring_impair *ri, uint16_t q, struct ft_impair_stats *st)
{
	if (ri->q[q].im != NULL)
		ft_impair_stats_add(ri->q[q].im, st);
	st->queue_full += ri->q[q].wire_full;
}

int
ft_port_impair_stats(const struct ft_port *p, struct ft_impair_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (p->impair == NULL)
		return -ENOENT;
	for (uint16_t q = 0; q < p->impair->n_queues; q++)
		stats_add(p->impair, q, st);
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
		stats_add(ri, q, out);
	return 0;
}
