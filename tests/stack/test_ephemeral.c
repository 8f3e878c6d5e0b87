/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ephemeral port selection of active opens (tcp/handshake.c, RFC 6056 §3.3.4 double-hash):
 * each destination (address, port) walks the range 49152..65535 in order on its own, so
 * connections to one destination do not use up the ports of another and a port comes back to
 * a destination only after the whole range. One stack on one lcore with a ring port whose
 * peer never answers: the SYNs wait for ARP, which is all the test needs (the ports are
 * chosen at ft_tcp_connect()).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_common.h>
#include <rte_eal.h>

#include <fasttcp/fasttcp.h>

#define SELF_IP 0xcb007102 /* 203.0.113.2 */
#define PEER_IP 0xcb007101
#define N 48               /* connections per destination */

static const struct ft_conn_ops ops = { 0 };

struct run {
	struct ft_stack *s;
	uint16_t port[2][N];
	int failed;
	bool done;
};

/* Alternate between destination ports 80 and 81. */
static void
open_conns(struct ft_worker *w, void *arg)
{
	struct run *r = arg;
	uint32_t lip, rip;
	uint16_t rport;

	if (r->done)
		return;
	for (int i = 0; i < 2 * N; i++) {
		struct ft_conn *c = ft_tcp_connect(w, PEER_IP, (uint16_t)(80 + i % 2), &ops, NULL);

		if (c == NULL) {
			r->failed++;
			continue;
		}
		ft_conn_endpoints(c, &lip, &r->port[i % 2][i / 2], &rip, &rport);
	}
	r->done = true;
	ft_stack_stop(r->s);
}

static uint16_t
step(uint16_t a, uint16_t b)
{
	return (uint16_t)((b - a + 16384) % 16384);
}

static void
test_each_destination_walks_the_range_on_its_own(void **state)
{
	struct ft_stack_conf conf;
	struct run r = { 0 };

	ft_stack_conf_init(&conf);
	conf.lcore_mask = 1u << 1;
	conf.n_mbufs = 4095;
	conf.tcp_max_conns = 4 * N;
	conf.n_ports = 1;
	conf.ports[0] = (struct ft_port_conf){ .name = "e", .type = FT_PORT_RING, .dev = "eph",
		.ring_side = 1, .rx_desc = 256, .tx_desc = 256, .mtu = 1500, .ip4 = SELF_IP,
		.prefix_len = 24 };
	r.s = ft_stack_create(&conf);
	assert_non_null(r.s);
	assert_int_equal(ft_stack_set_poll(r.s, open_conns, &r), 0);
	assert_int_equal(ft_stack_start(r.s), 0);
	ft_stack_wait(r.s);
	assert_true(r.done);
	assert_int_equal(r.failed, 0);
	for (int d = 0; d < 2; d++)
		for (int i = 0; i + 1 < N; i++) {
			assert_in_range(r.port[d][i], 49152, 65535);
			/* Consecutive for one destination, whatever the other one took. */
			assert_int_equal(step(r.port[d][i], r.port[d][i + 1]), 1);
		}
	/* Each destination starts at its own keyed offset (equal with chance 1/16384). */
	assert_int_not_equal(r.port[0][0], r.port[1][0]);
	ft_stack_destroy(r.s);
}

int
main(void)
{
	char *argv[] = { "test", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
			 "--lcores", "0@(0,1),1@1", "--log-level", "*:error", NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_destination_walks_the_range_on_its_own),
	};

	if (rte_eal_init(RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	return cmocka_run_group_tests_name("ephemeral", tests, NULL, NULL);
}
