/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fasttcp-echo: a libfasttcp host that answers ARP and ping and echoes UDP datagrams and TCP
 * streams (RFC 862). With --ping/--udp it is instead a client
 * that checks a peer (client.c) and exits 0 only if every reply was correct.
 *
 *   fasttcp-echo [EAL options] -- -c FILE [--check] [--ping ADDR] [--udp ADDR:PORT]
 *                [--count N] [--size BYTES] [--window N] [--timeout-ms MS]
 *
 * The configuration is loaded and validated before EAL starts, so a bad file fails with
 * file:line: key before any device is touched (exit 2). Command-line errors exit 2 too;
 * runtime failures exit 1.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include <fasttcp/fasttcp.h>

#include "app_run.h"
#include "client.h"
#include "config.h"
#include "tcp_echo.h"

/* Requests are built in one mbuf (2048-byte data room less the header room). */
#define ECHO_MAX_SIZE 1900u

struct echo_opts {
	const char *config;
	bool check_only;
	struct echo_client_opts client;
};

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL options] -- -c FILE [--check] [--ping ADDR] [--udp ADDR:PORT]\n"
		"       [--count N] [--size BYTES] [--window N] [--timeout-ms MS]\n"
		"  -c, --config FILE  configuration (see configs/fasttcp-echo.conf)\n"
		"  --check            validate the configuration and exit\n"
		"  --ping ADDR        client: send N echo requests to ADDR and check the replies\n"
		"  --udp ADDR:PORT    client: send N UDP datagrams to an echo service and check them\n"
		"  --count N          requests per client phase (default 100)\n"
		"  --size BYTES       payload size, 4..%u (one mbuf; above the MTU it is fragmented;\n"
		"                     default 64)\n"
		"  --window N         requests in flight (default 32)\n"
		"  --timeout-ms MS    give up after MS (default 10000)\n", prog, ECHO_MAX_SIZE);
}

static int
parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int
parse_endpoint(const char *s, uint32_t *ip, uint16_t *port)
{
	char buf[32];
	char *colon;
	uint32_t p;

	snprintf(buf, sizeof(buf), "%s", s);
	colon = strrchr(buf, ':');
	if (colon == NULL)
		return -1;
	*colon = '\0';
	if (ft_ip4_parse(buf, ip) < 0 || parse_u32(colon + 1, 1, 65535, &p) < 0)
		return -1;
	*port = (uint16_t)p;
	return 0;
}

static int
parse_opt(struct echo_opts *o, int opt, const char *arg)
{
	struct echo_client_opts *c = &o->client;
	uint32_t v;

	switch (opt) {
	case 'c': o->config = arg; return 0;
	case 'k': o->check_only = true; return 0;
	case 'p': return ft_ip4_parse(arg, &c->ping_dst) < 0 ? -1 : 0;
	case 'u': return parse_endpoint(arg, &c->udp_dst, &c->udp_port);
	case 'n': return parse_u32(arg, 1, 10000000, &c->count);
	case 's': if (parse_u32(arg, 4, ECHO_MAX_SIZE, &v) < 0) return -1; c->size = (uint16_t)v; return 0;
	case 'w': return parse_u32(arg, 1, 4096, &c->window);
	case 't': return parse_u32(arg, 1, 3600000, &c->timeout_ms);
	default: return -1;
	}
}

static int
parse_args(int argc, char **argv, struct echo_opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' }, { "check", no_argument, NULL, 'k' },
		{ "ping", required_argument, NULL, 'p' }, { "udp", required_argument, NULL, 'u' },
		{ "count", required_argument, NULL, 'n' }, { "size", required_argument, NULL, 's' },
		{ "window", required_argument, NULL, 'w' },
		{ "timeout-ms", required_argument, NULL, 't' }, { NULL, 0, NULL, 0 },
	};
	int opt;

	*o = (struct echo_opts){ .client = { .count = 100, .size = 64, .window = 32,
					     .timeout_ms = 10000, .src_port = 49160 } };
	while ((opt = getopt_long(argc, argv, "c:", longopts, NULL)) != -1)
		if (parse_opt(o, opt, optarg) < 0) {
			fprintf(stderr, "%s: invalid value for option %s: '%s'\n", argv[0],
				argv[optind - 1], optarg ? optarg : "");
			return -1;
		}
	if (optind != argc || o->config == NULL)
		return -1;
	return 0;
}

static void
udp_echo(struct ft_worker *w, struct rte_mbuf *m, const struct ft_udp_meta *in, void *arg)
{
	struct ft_udp_meta out = { .src_ip = in->dst_ip, .dst_ip = in->src_ip,
				   .src_port = in->dst_port, .dst_port = in->src_port };

	/* Zero copy: the received mbuf goes back out; its headroom takes the new headers. */
	ft_udp_send(w, m, &out);
}

static int
run(struct echo_config *cfg, struct echo_opts *o)
{
	bool client = o->client.ping_dst != 0 || o->client.udp_dst != 0;
	struct tcp_echo_keepalive ka = { cfg->ka_idle_s, cfg->ka_intvl_s, cfg->ka_count };
	struct echo_client *ec = NULL;
	struct ft_stack *s;
	int rc = 0;

	s = ft_stack_create(&cfg->stack);
	if (s == NULL) {
		fprintf(stderr, "fasttcp-echo: cannot create the stack: %s\n",
			ft_strerror(-rte_errno));
		return 1;
	}
	if (client)
		ec = echo_client_create(s, &o->client);
	if (!client && cfg->udp_port != 0)
		rc = ft_udp_bind(s, cfg->udp_port, udp_echo, NULL);
	if (!client && rc == 0 && cfg->tcp_port != 0)
		rc = cfg->tcp_sockets ? tcp_echo_sock_start(s, cfg->tcp_port, 4096) :
					tcp_echo_listen(s, cfg->tcp_port, &ka);
	if ((client && ec == NULL) || rc < 0) {
		fprintf(stderr, "fasttcp-echo: setup failed: %s\n", ft_strerror(rc ? rc : -ENOMEM));
		ft_stack_destroy(s);
		return 1;
	}
	app_stop_on_signals(s);
	printf("fasttcp-echo: running on %u lcore(s)%s\n", ft_stack_worker_count(s),
	       client ? ", client mode" : "");
	fflush(stdout);
	ft_stack_run(s);
	if (ec != NULL)
		rc = echo_client_report(ec, stdout) ? 0 : 1;
	app_print_stats(stdout, s);
	echo_client_destroy(ec);
	ft_stack_destroy(s);
	return rc;
}

int
main(int argc, char **argv)
{
	char **app_argv = calloc((size_t)argc + 1, sizeof(char *));
	int eal_argc, app_argc, rc;
	struct echo_config cfg;
	struct echo_opts o;
	char err[512];

	app_split_args(argc, argv, &eal_argc, &app_argc, app_argv);
	if (parse_args(app_argc, app_argv, &o) < 0) {
		usage(argv[0]);
		return 2;
	}
	if (echo_config_load(o.config, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "fasttcp-echo: %s\n", err);
		return 2;
	}
	if (o.check_only) {
		printf("%s: configuration OK\n", o.config);
		return 0;
	}
	if (rte_eal_init(eal_argc, argv) < 0) {
		fprintf(stderr, "fasttcp-echo: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	rc = run(&cfg, &o);
	rte_eal_cleanup();
	free(app_argv);
	return rc;
}
