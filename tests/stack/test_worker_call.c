/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ft_worker_call() (core/handoff.c through the stack): calls posted from a non-worker thread
 * all run, on the worker, exactly once; calls posted before ft_stack_run() run at its start;
 * bad arguments are refused. A real stack on one ring port, EAL without hugepages.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include <rte_lcore.h>

#include <fasttcp/fasttcp.h>

#include "test_eal.h"

#define N_CALLS 20000

struct counter {
	struct ft_stack *s;
	unsigned int runs, wrong_lcore, early;
	unsigned int target;
};

static void
count_call(struct ft_worker *w, void *arg)
{
	struct counter *c = arg;

	if (rte_lcore_id() != rte_get_main_lcore())
		c->wrong_lcore++;
	if (++c->runs == c->target)
		ft_stack_stop(c->s);
}

static void
early_call(struct ft_worker *w, void *arg)
{
	((struct counter *)arg)->early++;
}

static void *
producer(void *arg)
{
	struct counter *c = arg;

	for (unsigned int i = 0; i < N_CALLS; i++)
		while (ft_worker_call(c->s, 0, count_call, c) == -ENOBUFS)
			; /* queue full: the worker is draining it */
	return NULL;
}

static struct ft_stack *
make_stack(void)
{
	struct ft_stack_conf conf;

	ft_stack_conf_init(&conf);
	conf.n_mbufs = 4095;
	conf.tcp_max_conns = 64;
	conf.n_ports = 1;
	conf.ports[0] = (struct ft_port_conf){ .name = "r0", .type = FT_PORT_RING,
		.dev = "wcall", .rx_desc = 512, .tx_desc = 512, .mtu = 1500,
		.ip4 = 0xcb007101, .prefix_len = 24 };
	return ft_stack_create(&conf);
}

static void
test_calls_from_another_thread_run_once_on_the_worker(void **state)
{
	struct counter c = { .target = N_CALLS };
	pthread_t th;

	c.s = make_stack();
	assert_non_null(c.s);
	assert_int_equal(ft_worker_call(c.s, 0, early_call, &c), 0); /* before run */
	assert_int_equal(ft_worker_call(c.s, 1, count_call, &c), -EINVAL);
	assert_int_equal(ft_worker_call(c.s, 0, NULL, &c), -EINVAL);
	assert_int_equal(pthread_create(&th, NULL, producer, &c), 0);
	ft_stack_run(c.s);
	pthread_join(th, NULL);
	assert_int_equal(c.early, 1);
	assert_int_equal(c.runs, N_CALLS);
	assert_int_equal(c.wrong_lcore, 0);
	ft_stack_destroy(c.s);
}

static int
setup(void **state)
{
	return ft_test_eal_init();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calls_from_another_thread_run_once_on_the_worker),
	};

	return cmocka_run_group_tests_name("worker_call", tests, setup, NULL);
}
