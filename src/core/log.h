/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One rte_log logtype per module (lib.fasttcp.<module>), wrapped in FT_LOG(LEVEL, MODULE, ...).
 * Never on the per-packet path: packets are counted (core/stats.h), not logged.
 */
#ifndef FT_CORE_LOG_H
#define FT_CORE_LOG_H

#include <rte_log.h>

extern int ft_logtype_port;
extern int ft_logtype_net;
extern int ft_logtype_stack;
extern int ft_logtype_tcp;

#define FT_LOG(level, module, fmt, ...) \
	rte_log(RTE_LOG_##level, ft_logtype_##module, "fasttcp." #module ": " fmt "\n", \
		##__VA_ARGS__)

#endif /* FT_CORE_LOG_H */
