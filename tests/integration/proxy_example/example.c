/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The smallest libfasttcp server: a zero-copy TCP echo (RFC 862) on the event API, built
 * out of tree against the installed library with nothing but pkg-config (see Makefile).
 *   example [EAL options] -- IFACE A.B.C.D/LEN PORT
 * runs the stack on a new TAP interface IFACE with that address; SIGINT/SIGTERM stop it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include <fasttcp/fasttcp.h>

static struct ft_stack *stack;

static void
on_signal(int sig)
{
	(void)sig;
	ft_stack_stop(stack); /* async-signal-safe */
}

/* Readable and writable: forward what the send side can take; the rest waits in the stack,
 * whose receive window closes (backpressure); writable calls back when there is room. */
static void
echo(struct ft_conn *c, void *arg)
{
	struct rte_mbuf *m;

	(void)arg;
	while ((m = ft_conn_recv(c, ft_conn_send_space(c))) != NULL)
		ft_conn_send(c, m); /* consumes m */
	if (ft_conn_eof(c))
		ft_conn_close(c); /* FIN after the queued data */
}

static const struct ft_conn_ops echo_ops = { .readable = echo, .writable = echo };

int
main(int argc, char **argv)
{
	struct ft_stack_conf conf;
	struct ft_ip4_prefix pfx;
	int n = 1;

	while (n < argc && strcmp(argv[n], "--") != 0)
		n++;
	if (argc - n != 4 || ft_ip4_prefix_parse(argv[n + 2], &pfx) < 0) {
		fprintf(stderr, "usage: %s [EAL options] -- IFACE A.B.C.D/LEN PORT\n", argv[0]);
		return 2; /* before EAL: nothing to clean up */
	}
	if (rte_eal_init(n, argv) < 0) {
		fprintf(stderr, "example: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	ft_stack_conf_init(&conf);
	conf.n_ports = 1;
	conf.ports[0] = (struct ft_port_conf){ .name = "lan0", .type = FT_PORT_TAP,
		.rx_desc = 1024, .tx_desc = 1024, .mtu = 1500, .ip4 = pfx.addr,
		.prefix_len = pfx.len };
	snprintf(conf.ports[0].dev, sizeof(conf.ports[0].dev), "%s", argv[n + 1]);
	stack = ft_stack_create(&conf);
	if (stack == NULL || ft_tcp_listen(stack, (uint16_t)atoi(argv[n + 3]), &echo_ops,
					   NULL) < 0) {
		fprintf(stderr, "example: cannot start: %s\n", ft_strerror(-rte_errno));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("example: running on %s, echo on port %s\n", argv[n + 1], argv[n + 3]);
	fflush(stdout);
	ft_stack_run(stack);
	ft_stack_destroy(stack);
	rte_eal_cleanup();
	return 0;
}
