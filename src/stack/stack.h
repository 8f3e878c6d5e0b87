/* SPDX-License-Identifier: BSD-3-Clause */
/* struct ft_stack (internal): ports, interfaces, shared net state and the workers. */
#ifndef FT_STACK_STACK_H
#define FT_STACK_STACK_H

#include <stdbool.h>

#include <rte_lcore.h>

#include <fasttcp/ft_stack.h>

#include "core/worker.h"
#include "net/iface.h"
#include "port/port.h"
#include "port/txq.h"

struct ft_net;
struct ft_tcp_shared;
struct ft_steer;

struct ft_stack {
	struct ft_stack_conf conf;
	struct rte_mempool *pool;
	struct ft_port ports[FT_MAX_PORTS];
	struct ft_iface ifaces[FT_MAX_PORTS];
	uint16_t n_ports;
	struct ft_net *net;
	struct ft_tcp_shared *tcp;       /* NULL when TCP is disabled */
	struct rte_rcu_qsbr *qsbr;
	unsigned int n_workers;
	struct ft_worker *workers[RTE_MAX_LCORE];
	struct ft_txq *txqs;             /* n_workers * n_ports */
	struct ft_steer *steer;          /* software steering (steer.h), or NULL */
	uint32_t steered_ports;          /* bit i: port i's frames go through the steer */
	ft_poll_fn *poll_fn;
	void *poll_arg;
	volatile bool stop;
	bool running;
};

/* loop.c: the per-lcore run-to-completion loop (rte_lcore_function_t). */
int ft_worker_loop(void *worker);

/* telemetry.c: register /fasttcp/... commands for @p s (one stack per process). */
void ft_stack_telemetry_register(struct ft_stack *s);
void ft_stack_telemetry_unregister(struct ft_stack *s);

/* telemetry_tcp.c: fill @p d with one string per TCP connection. */
struct rte_tel_data;
int ft_stack_telemetry_tcp(const struct ft_stack *s, struct rte_tel_data *d);
/* telemetry_tcp.c: /fasttcp/tcp_sendmap: sendmap pool counters and per-connection entries. */
int ft_stack_telemetry_tcp_sendmap(const struct ft_stack *s, struct rte_tel_data *d);
/* telemetry_tcp.c: /fasttcp/tcp_log[,ID[,FROM]]: event log rings, or one ring's records. */
int ft_stack_telemetry_tcp_log(const struct ft_stack *s, const char *params,
			       struct rte_tel_data *d);

/* stack.c: whether @p lcore runs a worker of a stack configured with @p conf; how many. */
bool ft_stack_has_lcore(const struct ft_stack_conf *conf, unsigned int lcore);
unsigned int ft_stack_lcores(const struct ft_stack_conf *conf);

/* workers.c: per-worker state. */
int ft_stack_workers_create(struct ft_stack *s);
void ft_stack_workers_destroy(struct ft_stack *s);

#endif /* FT_STACK_STACK_H */
