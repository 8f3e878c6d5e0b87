/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * struct ft_net: what the net layer shares between workers: timing constants derived from the
 * configuration, the UDP port table and the upper-layer handlers. Written by the main thread
 * before the workers start, read-only afterwards.
 */
#ifndef FT_NET_NET_H
#define FT_NET_NET_H

#include <stdint.h>

#include <fasttcp/ft_icmp.h>
#include <fasttcp/ft_ip4.h>
#include <fasttcp/ft_udp.h>

struct ft_worker;
struct rte_mbuf;
struct rte_ipv4_hdr;

#define FT_UDP_MAX_BINDS 255

/*
 * Upper-layer protocol input (TCP registers here). Data offset at the L4 header, the IPv4
 * header just before it in the first segment. Consumes @p m.
 */
typedef void ft_ip4_proto_fn(struct ft_worker *w, struct rte_mbuf *m, uint16_t iface);

/*
 * ICMP error about a datagram we sent (RFC 1122 §3.2.2.1: passed to the transport). @p ih is
 * the quoted IPv4 header, @p l4 its first 8 transport bytes (both borrowed), @p mtu the
 * next-hop MTU of a frag-needed error (RFC 1191 §4) or 0.
 */
typedef void ft_ip4_err_fn(struct ft_worker *w, uint8_t type, uint8_t code, uint16_t mtu,
			   const struct rte_ipv4_hdr *ih, const uint8_t *l4);

struct ft_udp_bind {
	ft_udp_recv_fn *fn;
	void *arg;
};

/* Forward hook of one port (ft_ip4_set_forward()); fn NULL: drop as ip_not_us. */
struct ft_ip4_fwd_hook {
	ft_ip4_fwd_fn *fn;
	void *arg;
};

struct ft_net {
	uint64_t arp_timeout_tsc;
	uint64_t arp_retry_tsc;
	uint16_t arp_retries;
	uint16_t arp_queue_len;
	ft_icmp_echo_fn *echo_fn;
	void *echo_arg;
	ft_ip4_proto_fn *proto[256];
	ft_ip4_err_fn *err[256];         /* by the quoted datagram's protocol */
	uint8_t udp_index[65536];        /* 0 = closed, else 1 + index into udp_binds */
	struct ft_udp_bind udp_binds[FT_UDP_MAX_BINDS];
	struct ft_ip4_fwd_hook fwd[FT_MAX_PORTS]; /* by port: packets not for a local address */
};

#endif /* FT_NET_NET_H */
