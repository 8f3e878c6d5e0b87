/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * libfasttcp umbrella header: a userspace TCP/IP stack for DPDK poll-mode lcores.
 *
 * Typical use (see README.md "Writing an application"):
 *   rte_eal_init() -> ft_stack_conf_init() -> fill ports -> ft_stack_create()
 *   -> ft_udp_bind() ... -> ft_stack_run() (blocks until ft_stack_stop()) -> ft_stack_destroy().
 */
#ifndef FT_FASTTCP_H
#define FT_FASTTCP_H

#include <fasttcp/ft_addr.h>
#include <fasttcp/ft_err.h>
#include <fasttcp/ft_stats.h>
#include <fasttcp/ft_stack.h>
#include <fasttcp/ft_udp.h>
#include <fasttcp/ft_tcp.h>
#include <fasttcp/ft_socket.h>
#include <fasttcp/ft_icmp.h>
#include <fasttcp/ft_ip4.h>

#endif /* FT_FASTTCP_H */
