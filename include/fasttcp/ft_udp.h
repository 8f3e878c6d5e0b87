/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * UDP endpoints. A bound port delivers datagrams to a callback on the worker that received
 * them; sending is done from a worker. Payloads are mbufs end to end (no copies).
 */
#ifndef FT_UDP_H
#define FT_UDP_H

#include <stdint.h>

#include <fasttcp/ft_stack.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_mbuf;

/** Addressing of one datagram, host byte order. */
struct ft_udp_meta {
	uint32_t src_ip;
	uint32_t dst_ip;
	uint16_t src_port;
	uint16_t dst_port;
	uint16_t port_idx; /**< stack port index it arrived on / leaves by (send: ignored) */
};

/**
 * Receive callback. Runs on the receiving worker.
 * @param m     the datagram; data offset points at the UDP payload (may be a chain when it
 *              was reassembled). CONSUMED: the callback owns it (send, keep or free it).
 * @param meta  borrowed for the duration of the call.
 */
typedef void ft_udp_recv_fn(struct ft_worker *w, struct rte_mbuf *m,
			    const struct ft_udp_meta *meta, void *arg);

/**
 * Bind a local UDP port on all addresses and all workers.
 * Main thread, before ft_stack_run().
 * @return 0; -EINVAL (port 0 or fn NULL), -EEXIST (already bound), -ENOSPC (table full),
 *         -EBUSY (stack running).
 */
int ft_udp_bind(struct ft_stack *s, uint16_t port, ft_udp_recv_fn *fn, void *arg);

/** Unbind. Main thread, not while running. @return 0 or -ENOENT. */
int ft_udp_unbind(struct ft_stack *s, uint16_t port);

/**
 * Send @p m as the payload of one datagram. Headers are prepended in the headroom (use
 * ft_udp_alloc() or a received mbuf), the next hop is resolved through ARP (the packet waits in
 * a bounded queue if needed), and datagrams larger than the MTU are fragmented.
 * @param m     payload; CONSUMED in every case (counted under a drop reason on failure).
 * @param meta  dst_ip/dst_port/src_port required; src_ip 0 = address of the outgoing port.
 * Owning worker only.
 * @return 0 (sent or queued for ARP), or a negative errno: -EINVAL (bad meta or headroom),
 *         -ENETUNREACH (no route), -ENOBUFS (queue or pool exhausted), -EMSGSIZE.
 */
int ft_udp_send(struct ft_worker *w, struct rte_mbuf *m, const struct ft_udp_meta *meta);

/**
 * Allocate an mbuf from the stack's pool with headroom for Ethernet+IPv4+UDP headers.
 * Owning worker. @return the mbuf (data_len 0), or NULL when the pool is empty.
 */
struct rte_mbuf *ft_udp_alloc(struct ft_worker *w);

#ifdef __cplusplus
}
#endif

#endif /* FT_UDP_H */
