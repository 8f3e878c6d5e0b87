/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Several workers per stack: two stacks with two workers each over the in-process ring pair
 * with two queues, all four workers driven from the main thread with ft_worker_poll() (no
 * lcore launched). For each way the ring's wire picks the receiving queue (enum ft_ring_rss):
 * every connection echoes its bytes intact, the server worker that accepts a connection has
 * the index of the client worker that opened it (active opens pick source ports by the
 * same symmetric hash that RSS or software steering uses), and frames are handed between
 * workers (rx_steered) only where the device cannot do it: with one queue for everything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include <fasttcp/fasttcp.h>

#include "stack/stack.h"

#define SERVER_IP 0xcb007101 /* 203.0.113.1 */
#define CLIENT_IP 0xcb007102
#define WORKERS 2
#define CONNS_PER_WORKER 8
#define BYTES (64u << 10)

struct conn {
	uint64_t sent, got, bad;
	bool done, ok;
};

struct client {
	struct conn c[WORKERS][CONNS_PER_WORKER];
	bool opened[WORKERS];
	unsigned int done;
};

static uint8_t
pattern(uint64_t i)
{
	return (uint8_t)(i * 31 + (i >> 8));
}

static void
echo_readable(struct ft_conn *c, void *arg)
{
	struct rte_mbuf *m;

	(void)arg;
	while ((m = ft_conn_recv(c, ft_conn_send_space(c))) != NULL)
		ft_conn_send(c, m);
	if (ft_conn_eof(c))
		ft_conn_close(c);
}

static const struct ft_conn_ops echo_ops = {
	.readable = echo_readable, .writable = echo_readable,
};

static void
conn_fill(struct ft_conn *c, void *arg)
{
	struct conn *k = arg;
	uint8_t buf[2048];

	while (k->sent < BYTES) {
		size_t n = RTE_MIN(sizeof(buf), (size_t)(BYTES - k->sent));
		ssize_t w;

		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(k->sent + i);
		w = ft_conn_write(c, buf, n);
		if (w <= 0)
			return;
		k->sent += (uint64_t)w;
	}
	ft_conn_shutdown(c);
}

static void
conn_readable(struct ft_conn *c, void *arg)
{
	struct conn *k = arg;
	uint8_t buf[2048];
	size_t n;

	while ((n = ft_conn_read(c, buf, sizeof(buf))) > 0)
		for (size_t i = 0; i < n; i++, k->got++)
			k->bad += buf[i] != pattern(k->got);
	if (ft_conn_eof(c))
		ft_conn_close(c);
}

static struct client *the_client;

static void
conn_closed(struct ft_conn *c, enum ft_close_reason r, void *arg)
{
	struct conn *k = arg;

	(void)c;
	k->ok = r == FT_CLOSE_NORMAL && k->got == BYTES && k->bad == 0;
	k->done = true;
	the_client->done++;
}

static const struct ft_conn_ops conn_ops = {
	.established = conn_fill, .readable = conn_readable,
	.writable = conn_fill, .closed = conn_closed,
};

/* Client poll hook: each worker opens its own connections once. */
static void
client_poll(struct ft_worker *w, void *arg)
{
	struct client *cl = arg;
	unsigned int i = ft_worker_index(w);

	if (cl->opened[i])
		return;
	cl->opened[i] = true;
	for (int k = 0; k < CONNS_PER_WORKER; k++)
		if (ft_tcp_connect(w, SERVER_IP, 7, &conn_ops, &cl->c[i][k]) == NULL) {
			cl->c[i][k].done = true;
			cl->done++;
		}
}

static struct ft_stack *
make(const char *pair, uint8_t side, uint32_t ip, enum ft_ring_rss rss)
{
	struct ft_stack_conf conf;

	ft_stack_conf_init(&conf);
	conf.lcore_mask = 1u << 1 | 1u << 2;
	conf.n_mbufs = 16383;
	conf.tcp_max_conns = 64;
	conf.n_ports = 1;
	conf.ports[0] = (struct ft_port_conf){ .type = FT_PORT_RING, .ring_side = side,
		.ring_rss = (uint8_t)rss, .rx_desc = 512, .tx_desc = 512, .mtu = 1500, .ip4 = ip,
		.prefix_len = 24 };
	snprintf(conf.ports[0].name, sizeof(conf.ports[0].name), "%s%u", pair, side);
	snprintf(conf.ports[0].dev, sizeof(conf.ports[0].dev), "%s", pair);
	return ft_stack_create(&conf);
}

static void
run_pair(const char *pair, enum ft_ring_rss rss, uint64_t *steered)
{
	struct ft_stack *sv = make(pair, 0, SERVER_IP, rss), *cs = make(pair, 1, CLIENT_IP, rss);
	uint64_t deadline = rte_rdtsc() + 10 * rte_get_tsc_hz();
	struct client cl = { 0 };
	struct ft_stats a, b;

	assert_non_null(sv);
	assert_non_null(cs);
	assert_int_equal(ft_stack_worker_count(sv), WORKERS);
	the_client = &cl;
	assert_int_equal(ft_tcp_listen(sv, 7, &echo_ops, NULL), 0);
	assert_int_equal(ft_stack_set_poll(cs, client_poll, &cl), 0);
	for (unsigned int i = 0; i < WORKERS; i++) {
		assert_int_equal(ft_worker_poll_begin(sv, i), 0);
		assert_int_equal(ft_worker_poll_begin(cs, i), 0);
	}
	assert_int_equal(ft_stack_start(sv), -EINVAL); /* being polled: counts as running */
	while (cl.done < WORKERS * CONNS_PER_WORKER && rte_rdtsc() < deadline)
		for (unsigned int i = 0; i < WORKERS; i++) {
			ft_worker_poll(sv, i);
			ft_worker_poll(cs, i);
		}
	/* the server's last ACKs and closes */
	for (int k = 0; k < 1000; k++)
		for (unsigned int i = 0; i < WORKERS; i++) {
			ft_worker_poll(sv, i);
			ft_worker_poll(cs, i);
		}
	for (unsigned int i = 0; i < WORKERS; i++) {
		ft_worker_poll_end(sv, i);
		ft_worker_poll_end(cs, i);
	}
	assert_int_equal(cl.done, WORKERS * CONNS_PER_WORKER);
	for (unsigned int i = 0; i < WORKERS; i++) {
		for (int k = 0; k < CONNS_PER_WORKER; k++)
			assert_true(cl.c[i][k].ok);
		/* The server worker with the opener's index accepted its connections. */
		assert_int_equal(sv->workers[i]->stats.tcp_accepted, CONNS_PER_WORKER);
		assert_int_equal(cs->workers[i]->stats.tcp_connected, CONNS_PER_WORKER);
	}
	ft_stack_stats_get(sv, &a);
	ft_stack_stats_get(cs, &b);
	assert_int_equal(a.drops[FT_DROP_STEER_FULL] + b.drops[FT_DROP_STEER_FULL], 0);
	*steered = a.rx_steered + b.rx_steered;
	ft_stack_destroy(cs);
	ft_stack_destroy(sv);
}

/* A NIC with symmetric RSS: nothing to steer but the ARP copies. */
static void
test_two_workers_toeplitz_wire_needs_no_steering(void **state)
{
	uint64_t steered;

	(void)state;
	run_pair("wpt", FT_RING_TOEPLITZ, &steered);
	assert_true(steered < 16);
}

/* Queue q to queue q: unpredictable for the stack (steered), but the flows arrive where the
 * steering hash puts them already, because the peer picked its ports by that hash. */
static void
test_two_workers_queue_wire_steers_only_arp(void **state)
{
	uint64_t steered;

	(void)state;
	run_pair("wpq", FT_RING_QUEUE_TO_QUEUE, &steered);
	assert_true(steered < 16);
}

/* One queue for everything: worker 0 of each side hands worker 1's frames over. */
static void
test_two_workers_single_queue_wire_is_steered(void **state)
{
	uint64_t steered;

	(void)state;
	run_pair("wps", FT_RING_SINGLE, &steered);
	assert_true(steered > 2 * CONNS_PER_WORKER * (BYTES / 1448));
}

int
main(void)
{
	char *argv[] = { "test", "--no-huge", "-m", "512", "--no-pci", "--no-shconf",
			 "--lcores", "0@(0,1),1@0,2@1", "--log-level", "*:error", NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_workers_toeplitz_wire_needs_no_steering),
		cmocka_unit_test(test_two_workers_queue_wire_steers_only_arp),
		cmocka_unit_test(test_two_workers_single_queue_wire_is_steered),
	};

	if (rte_eal_init(RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	return cmocka_run_group_tests_name("worker_poll", tests, NULL, NULL);
}
