/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two stacks in one process joined by the in-process ring port pair, each on its own lcore
 * (ft_stack_conf.lcore_mask, ft_stack_start/wait): a TCP echo server on one, a client on the
 * other that streams 8 MiB through it and checks every byte. The topology of the benchmarks
 * and of the loss-recovery tests, exercised here without any device; and TSO over the pair (a
 * virtual wire, net/iface.h) in four set-ups:
 *   - default: both sides send super-segments (tcp_tso_tx > 0); the peer takes them whole
 *     (it receives fewer segments than the sender's wire count), with correct sequence
 *     numbers (every byte arrives, in order);
 *   - ft_port_conf.no_tso: no super-segment;
 *   - an impaired port (2% loss): no TSO there (port.c), and loss recovery repairs the stream;
 *   - only the server's port impaired: the client still sends super-segments, whose ACKs
 *     are lost at times, while the server's echo (without TSO) is repaired.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include <fasttcp/fasttcp.h>

#define TOTAL (8u << 20)
#define SERVER_IP 0xcb007101 /* 203.0.113.1 */
#define CLIENT_IP 0xcb007102

struct client {
	struct ft_stack *self, *server;
	struct ft_conn *c;
	uint64_t sent, got, bad;
	int closed_reason;
	bool started, done;
};

static uint8_t
pattern(uint64_t i)
{
	return (uint8_t)(i * 131 + (i >> 9));
}

static void
server_readable(struct ft_conn *c, void *arg)
{
	struct rte_mbuf *m;

	while ((m = ft_conn_recv(c, ft_conn_send_space(c))) != NULL)
		ft_conn_send(c, m);
	if (ft_conn_eof(c))
		ft_conn_close(c);
}

static const struct ft_conn_ops server_ops = {
	.readable = server_readable, .writable = server_readable,
};

static void
client_fill(struct ft_conn *c, struct client *cl)
{
	uint8_t buf[4096];

	while (cl->sent < TOTAL) {
		size_t n = RTE_MIN(sizeof(buf), (size_t)(TOTAL - cl->sent));
		ssize_t k;

		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(cl->sent + i);
		k = ft_conn_write(c, buf, n);
		if (k <= 0)
			return;
		cl->sent += (uint64_t)k;
	}
	ft_conn_shutdown(c);
}

static void
client_readable(struct ft_conn *c, void *arg)
{
	struct client *cl = arg;
	uint8_t buf[4096];
	size_t n;

	while ((n = ft_conn_read(c, buf, sizeof(buf))) > 0)
		for (size_t i = 0; i < n; i++, cl->got++)
			cl->bad += buf[i] != pattern(cl->got);
	if (ft_conn_eof(c))
		ft_conn_close(c);
}

static void
client_writable(struct ft_conn *c, void *arg)
{
	client_fill(c, arg);
}

static void
client_closed(struct ft_conn *c, enum ft_close_reason r, void *arg)
{
	struct client *cl = arg;

	cl->closed_reason = (int)r;
	cl->done = true;
}

static const struct ft_conn_ops client_ops = {
	.established = client_writable, .readable = client_readable,
	.writable = client_writable, .closed = client_closed,
};

static void
client_poll(struct ft_worker *w, void *arg)
{
	struct client *cl = arg;

	if (!cl->started) {
		cl->started = true;
		cl->c = ft_tcp_connect(w, SERVER_IP, 7, &client_ops, cl);
		if (cl->c == NULL)
			cl->done = true;
	}
	if (cl->done) {
		ft_stack_stop(cl->server);
		ft_stack_stop(cl->self);
	}
}

static struct ft_stack *
make(uint64_t mask, uint8_t side, uint32_t ip, const char *pair, bool no_tso, uint32_t loss_ppm)
{
	struct ft_stack_conf conf;

	ft_stack_conf_init(&conf);
	conf.lcore_mask = mask;
	conf.n_mbufs = 16383;
	conf.tcp_max_conns = 64;
	conf.tcp_min_rto_ms = 20;
	conf.n_ports = 1;
	conf.ports[0] = (struct ft_port_conf){ .type = FT_PORT_RING, .ring_side = side,
		.rx_desc = 1024, .tx_desc = 1024, .mtu = 1500, .ip4 = ip, .prefix_len = 24,
		.no_tso = no_tso, .impair = { .loss_ppm = loss_ppm, .seed = 7 } };
	snprintf(conf.ports[0].dev, sizeof(conf.ports[0].dev), "%s", pair);
	snprintf(conf.ports[0].name, sizeof(conf.ports[0].name), "%s%u", pair, side);
	return ft_stack_create(&conf);
}

/* Run the echo transfer with loss on the server's / client's transmissions; the two stacks'
 * counters in @p sv and @p cs. */
static void
run(const char *pair, bool no_tso, uint32_t sv_loss, uint32_t cl_loss, struct ft_stats *sv,
    struct ft_stats *cs)
{
	struct client cl = { 0 };
	struct ft_stack *a = make(1u << 1, 0, SERVER_IP, pair, no_tso, sv_loss);
	struct ft_stack *b = make(1u << 2, 1, CLIENT_IP, pair, no_tso, cl_loss);

	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(ft_tcp_listen(a, 7, &server_ops, NULL), 0);
	cl.self = b;
	cl.server = a;
	assert_int_equal(ft_stack_set_poll(b, client_poll, &cl), 0);
	assert_int_equal(ft_stack_start(a), 0);
	assert_int_equal(ft_stack_start(b), 0);
	ft_stack_wait(b);
	ft_stack_wait(a);
	assert_true(cl.done);
	assert_int_equal(cl.closed_reason, FT_CLOSE_NORMAL);
	assert_int_equal(cl.sent, TOTAL);
	assert_int_equal(cl.got, TOTAL);
	assert_int_equal(cl.bad, 0);
	ft_stack_stats_get(a, sv);
	ft_stack_stats_get(b, cs);
	ft_stack_destroy(b);
	ft_stack_destroy(a);
}

static void
test_tcp_echo_between_two_stacks_over_ring_pair(void **state)
{
	struct client cl = { 0 };
	struct ft_stack *a = make(1u << 1, 0, SERVER_IP, "tt", false, 0);
	struct ft_stack *b = make(1u << 2, 1, CLIENT_IP, "tt", false, 0);

	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(ft_stack_worker_count(a), 1);
	assert_int_equal(ft_tcp_listen(a, 7, &server_ops, NULL), 0);
	cl.self = b;
	cl.server = a;
	assert_int_equal(ft_stack_set_poll(b, client_poll, &cl), 0);
	assert_int_equal(ft_stack_start(a), 0);
	assert_int_equal(ft_stack_run(a), -EINVAL); /* already running */
	assert_int_equal(ft_stack_start(b), 0);
	ft_stack_wait(b);
	ft_stack_wait(a);
	assert_true(cl.done);
	assert_int_equal(cl.closed_reason, FT_CLOSE_NORMAL);
	assert_int_equal(cl.sent, TOTAL);
	assert_int_equal(cl.got, TOTAL);
	assert_int_equal(cl.bad, 0);
	ft_stack_destroy(b);
	ft_stack_destroy(a);
}

static void
test_tso_on_ring_pair(void **state)
{
	struct ft_stats sv, cs;

	run("tso1", false, 0, 0, &sv, &cs);
	assert_true(cs.tcp_tso_tx > 0);
	assert_true(sv.tcp_tso_tx > 0); /* the echo goes back in super-segments too */
	/* Taken whole: the server received fewer segments than the client's wire count. */
	assert_true(sv.tcp_segs_rx < cs.tcp_segs_tx);
	/* (Retransmissions are possible: a tail loss probe fires when a loaded machine
	 * deschedules the peer's lcore for 2 ms, so no exact byte count.) */
	assert_true(cs.tcp_bytes_tx >= TOTAL);
}

static void
test_no_tso_when_configured_off(void **state)
{
	struct ft_stats sv, cs;

	run("tso2", true, 0, 0, &sv, &cs);
	assert_int_equal(cs.tcp_tso_tx, 0);
	assert_int_equal(sv.tcp_tso_tx, 0);
	assert_true(sv.tcp_segs_rx >= TOTAL / 1448);
}

static void
test_impaired_port_has_no_tso_and_recovers(void **state)
{
	struct ft_stats sv, cs;

	run("tso3", false, 20000, 20000, &sv, &cs);
	assert_int_equal(cs.tcp_tso_tx, 0);
	assert_int_equal(sv.tcp_tso_tx, 0);
	assert_true(cs.tcp_rexmt_segs > 0);
}

/* Only the server's port is impaired: the client keeps sending super-segments while 2% of
 * the ACKs (and of the echoed data, sent without TSO) are lost. */
static void
test_tso_sender_with_lossy_return_path(void **state)
{
	struct ft_stats sv, cs;

	run("tso4", false, 20000, 0, &sv, &cs);
	assert_true(cs.tcp_tso_tx > 0);
	assert_int_equal(sv.tcp_tso_tx, 0);
	assert_true(sv.tcp_rexmt_segs > 0);
}

int
main(void)
{
	char *argv[] = { "test", "--no-huge", "-m", "512", "--no-pci", "--no-shconf",
			 "--lcores", "0@(0,1),1@0,2@1", "--log-level", "*:error", NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_echo_between_two_stacks_over_ring_pair),
		cmocka_unit_test(test_tso_on_ring_pair),
		cmocka_unit_test(test_no_tso_when_configured_off),
		cmocka_unit_test(test_impaired_port_has_no_tso_and_recovers),
		cmocka_unit_test(test_tso_sender_with_lossy_return_path),
	};

	if (rte_eal_init(RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	return cmocka_run_group_tests_name("two_stacks", tests, NULL, NULL);
}
