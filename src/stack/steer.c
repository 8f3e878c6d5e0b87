/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Software steering of received frames to the worker that owns their flow (steer.h): the
 * owner decision (a pure function of the frame: the Toeplitz hash of tcp/rss.h over the IPv4
 * addresses and ports), and one multi-producer / single-consumer rte_ring of frames per
 * worker. Every hand-over is counted (rx_steered) and a full ring is a counted drop
 * (FT_DROP_STEER_FULL), never a wait. Not here: when a port is steered (stack.c decides at
 * setup), the loop that calls us (loop.c).
 */
#include <errno.h>
#include <stdio.h>

#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "core/worker.h"
#include "net/iface.h"
#include "stack/steer.h"
#include "tcp/rss.h"

struct ft_steer {
	struct ft_steer_map map;
	uint8_t key[FT_STEER_KEY_LEN];
	unsigned int n_workers;
	struct rte_ring *ring[];       /* one per worker: MP enqueue, SC dequeue */
};

/* Ports of an unfragmented TCP or UDP datagram: source and destination are the first four
 * bytes of both headers (RFC 9293 §3.1, RFC 768). */
static bool
l4_ports(const struct rte_ipv4_hdr *ih, uint32_t ip_avail, uint16_t *sport, uint16_t *dport)
{
	uint32_t ihl = (uint32_t)(ih->version_ihl & 0x0f) * 4;
	const uint8_t *l4;

	if ((ih->version_ihl >> 4) != 4 || ihl < sizeof(*ih) || ip_avail < ihl + 4)
		return false;
	if (ih->next_proto_id != IPPROTO_TCP && ih->next_proto_id != IPPROTO_UDP)
		return false;
	if (rte_be_to_cpu_16(ih->fragment_offset) & (RTE_IPV4_HDR_MF_FLAG |
						     RTE_IPV4_HDR_OFFSET_MASK))
		return false;
	l4 = (const uint8_t *)ih + ihl;
	*sport = (uint16_t)(l4[0] << 8 | l4[1]);
	*dport = (uint16_t)(l4[2] << 8 | l4[3]);
	return true;
}

uint16_t
ft_steer_owner(const struct ft_steer_map *map, const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh;
	const struct rte_ipv4_hdr *ih;
	uint16_t type, sport, dport;

	if (m->data_len < sizeof(*eh))
		return FT_STEER_LOCAL;
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	type = rte_be_to_cpu_16(eh->ether_type);
	if (type == RTE_ETHER_TYPE_ARP)
		return FT_STEER_ALL;
	if (type != RTE_ETHER_TYPE_IPV4 || m->data_len < sizeof(*eh) + sizeof(*ih))
		return FT_STEER_LOCAL;
	ih = (const struct rte_ipv4_hdr *)(eh + 1);
	if (!l4_ports(ih, m->data_len - (uint32_t)sizeof(*eh), &sport, &dport))
		return FT_STEER_LOCAL;
	/* rss.h's argument order is (remote, local): the key is symmetric, so the received
	 * direction (source = remote) gives the queue the replies' direction gives. */
	return ft_rss_queue(map->key, map->reta_size, map->n_workers,
			    rte_be_to_cpu_32(ih->src_addr), rte_be_to_cpu_32(ih->dst_addr),
			    sport, dport);
}

struct ft_steer *
ft_steer_create(const struct ft_steer_map *map, unsigned int n_workers, int socket)
{
	char name[RTE_RING_NAMESIZE];
	static unsigned int seq;       /* ring names of several stacks in one process */
	unsigned int id = __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED);
	struct ft_steer *st;

	if (map == NULL || map->key == NULL || map->reta_size == 0 || n_workers < 2) {
		rte_errno = EINVAL;
		return NULL;
	}
	st = rte_zmalloc_socket("ft_steer", sizeof(*st) + n_workers * sizeof(st->ring[0]),
				RTE_CACHE_LINE_SIZE, socket);
	if (st == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	memcpy(st->key, map->key, sizeof(st->key));
	st->map = (struct ft_steer_map){ .key = st->key, .reta_size = map->reta_size,
					 .n_workers = (uint16_t)n_workers };
	st->n_workers = n_workers;
	for (unsigned int i = 0; i < n_workers; i++) {
		snprintf(name, sizeof(name), "ft_steer%u.%u", id, i);
		st->ring[i] = rte_ring_create(name, FT_STEER_RING, socket, RING_F_SC_DEQ);
		if (st->ring[i] == NULL) {
			int err = rte_errno;

			ft_steer_destroy(st);
			rte_errno = err;
			return NULL;
		}
	}
	return st;
}

void
ft_steer_destroy(struct ft_steer *st)
{
	struct rte_mbuf *m;

	if (st == NULL)
		return;
	for (unsigned int i = 0; i < st->n_workers; i++) {
		if (st->ring[i] == NULL)
			continue;
		while (rte_ring_dequeue(st->ring[i], (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(st->ring[i]);
	}
	rte_free(st);
}

const struct ft_steer_map *
ft_steer_map_of(const struct ft_steer *st)
{
	return &st->map;
}

/* ARP: every worker keeps its own cache, so each one must see replies and announcements. */
static void
copy_to_all(struct ft_steer *st, struct ft_worker *w, const struct rte_mbuf *m)
{
	for (unsigned int i = 0; i < st->n_workers; i++) {
		struct rte_mbuf *c;

		if (i == w->idx)
			continue;
		c = rte_pktmbuf_copy(m, w->pool, 0, UINT32_MAX);
		if (c == NULL) {
			w->stats.drops[FT_DROP_NO_MBUF]++;
			continue;
		}
		if (rte_ring_enqueue(st->ring[i], c) < 0) {
			ft_drop(w, c, FT_DROP_STEER_FULL);
			continue;
		}
		w->stats.rx_steered++;
	}
}

uint16_t
ft_steer_rx(struct ft_steer *st, struct ft_worker *w, uint16_t iface, struct rte_mbuf **pkts,
	    uint16_t n)
{
	uint16_t keep = 0;

	RTE_SET_USED(iface); /* the owner finds the interface again by m->port */
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint16_t owner = ft_steer_owner(&st->map, m);

		if (owner == FT_STEER_ALL)
			copy_to_all(st, w, m);
		if (owner >= st->n_workers || owner == w->idx) {
			pkts[keep++] = m;
			continue;
		}
		if (unlikely(rte_ring_enqueue(st->ring[owner], m) < 0)) {
			ft_drop(w, m, FT_DROP_STEER_FULL);
			continue;
		}
		w->stats.rx_steered++;
	}
	return keep;
}

void
ft_steer_arp_copy(struct ft_steer *st, struct ft_worker *w, struct rte_mbuf *const *pkts,
		  uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(pkts[i],
								  const struct rte_ether_hdr *);

		if (pkts[i]->data_len >= sizeof(*eh) &&
		    eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
			copy_to_all(st, w, pkts[i]);
	}
}

uint16_t
ft_steer_dequeue(struct ft_steer *st, struct ft_worker *w, struct rte_mbuf **pkts,
		 uint16_t *ifaces, uint16_t max)
{
	unsigned int n = rte_ring_dequeue_burst(st->ring[w->idx], (void **)pkts, max, NULL);

	for (unsigned int i = 0; i < n; i++) {
		uint16_t k = 0;

		while (k + 1 < w->n_ifaces && w->ifaces[k].port_id != pkts[i]->port)
			k++;
		ifaces[i] = k;
	}
	return (uint16_t)n;
}
