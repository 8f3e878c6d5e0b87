/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Software steering (ARCHITECTURE.md "The worker": where a device cannot pin flows to workers
 * by symmetric RSS, steer in software through a counted hand-off ring). A port is steered when
 * the stack has several workers and the device's RSS hash cannot be predicted (no RSS, or a
 * key other than ours): each worker computes, for every frame it receives, the worker that
 * owns the flow by the same Toeplitz hash and queue mapping that active opens use to pick
 * their source port (tcp/rss.h), keeps its own frames and enqueues the others on the owner's
 * multi-producer / single-consumer ring. Counted: rx_steered (handed over), and the drop
 * reason steer_full (owner's ring full). With several workers every port also copies ARP to
 * all workers, steered or not: each worker resolves next hops in its own cache, and a NIC's RSS
 * puts every ARP frame on one queue.
 *
 * Not here: real RSS (port.c programs the device), the hash itself (tcp/rss.h), what is done
 * with a frame once a worker has it (eth.c).
 */
#ifndef FT_STACK_STEER_H
#define FT_STACK_STEER_H

#include <stdbool.h>
#include <stdint.h>

struct rte_mbuf;
struct ft_worker;
struct ft_steer;

#define FT_STEER_KEY_LEN 40
#define FT_STEER_RETA 128      /* entries of the (virtual) redirection table */
#define FT_STEER_RING 4096     /* frames queued per worker */

/* The flow -> worker mapping of a steered port: Toeplitz over (src ip, dst ip, src port,
 * dst port) with @p key, then entry hash % reta_size, then entry % n_workers (rss.h). */
struct ft_steer_map {
	const uint8_t *key;       /* FT_STEER_KEY_LEN bytes, symmetric */
	uint16_t reta_size;
	uint16_t n_workers;
};

/* Frames that belong to no single flow owner. */
#define FT_STEER_LOCAL 0xffff  /* process where received: ICMP, fragments, non-IPv4 */
#define FT_STEER_ALL 0xfffe    /* every worker needs it: ARP (each worker has its own cache) */

/*
 * Owner of frame @p m (data at the Ethernet header): a worker index below map->n_workers for
 * unfragmented IPv4 TCP and UDP (ports hashed), FT_STEER_ALL for ARP, FT_STEER_LOCAL for the
 * rest and for frames too short to classify (the normal input path drops those with a
 * reason). Pure function of the frame's bytes; any thread. Borrows @p m.
 */
uint16_t ft_steer_owner(const struct ft_steer_map *map, const struct rte_mbuf *m);

/*
 * Setup: steering state for @p n_workers workers (one ring each, on @p socket) with @p map's
 * key and table size. NULL + rte_errno. Main thread.
 */
struct ft_steer *ft_steer_create(const struct ft_steer_map *map, unsigned int n_workers,
				 int socket);
/* Free the rings and the frames still queued. Main thread, workers stopped. NULL-safe. */
void ft_steer_destroy(struct ft_steer *st);

/* The mapping (for the interface: active opens pick ports that hash to their worker). */
const struct ft_steer_map *ft_steer_map_of(const struct ft_steer *st);

/*
 * Worker @p w received @p n frames on interface @p iface: keep its own (moved to the front
 * of @p pkts, order kept), hand the others to their owners' rings (stats.rx_steered; a full
 * ring drops with FT_DROP_STEER_FULL). ARP frames are kept and copied to every other worker
 * (control traffic: the copy is the only allocation, and ARP is rate-limited by the peers).
 * Consumes the frames it hands over. @return how many frames @p w keeps. Owning worker.
 */
uint16_t ft_steer_rx(struct ft_steer *st, struct ft_worker *w, uint16_t iface,
		     struct rte_mbuf **pkts, uint16_t n);

/*
 * Worker @p w received @p n frames on a port with real RSS: the flows are where they belong,
 * but ARP lands on one queue; copy it to every other worker (as ft_steer_rx()). Borrows
 * @p pkts. Owning worker.
 */
void ft_steer_arp_copy(struct ft_steer *st, struct ft_worker *w, struct rte_mbuf *const *pkts,
		       uint16_t n);

/*
 * Worker @p w: take up to @p max frames other workers handed over, for ft_eth_input_burst().
 * Each frame's interface index is in @p ifaces[i]. @return the count. Owning worker.
 */
uint16_t ft_steer_dequeue(struct ft_steer *st, struct ft_worker *w, struct rte_mbuf **pkts,
			  uint16_t *ifaces, uint16_t max);

#endif /* FT_STACK_STEER_H */
