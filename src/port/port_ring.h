/* SPDX-License-Identifier: BSD-3-Clause */
/* In-process port pair over rte_rings (two stacks in one process; tests and benchmarks). */
#ifndef FT_PORT_RING_H
#define FT_PORT_RING_H

#include <stdint.h>

#include <fasttcp/ft_stack.h>

struct ft_port;

/*
 * Attach side pc->ring_side (0 or 1) of pair pc->dev: side 0 transmits into the rings side 1
 * receives from and vice versa. The rings are created by whichever side comes first.
 * Main thread. @return 0 or a negative errno.
 */
int ft_port_ring_attach(struct ft_port *p, const struct ft_port_conf *pc, uint16_t n_queues);

#endif /* FT_PORT_RING_H */
