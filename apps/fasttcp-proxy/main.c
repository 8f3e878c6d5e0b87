/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fasttcp-proxy: an L4 TCP proxy on libfasttcp's public API (include/fasttcp only).
 *
 *   fasttcp-proxy [EAL options] -- -c FILE [--check]
 *
 * Each listener forwards its connections to a backend pool (proxy.h says how the pieces fit).
 * The configuration is validated before EAL starts (exit 2 on error). The first SIGTERM or
 * SIGINT drains: new connections are refused, existing ones finish (up to
 * proxy.drain_timeout_ms); a second signal stops at once. At exit the per-listener and
 * per-backend totals and the stack counters are printed. Exit status: 0 after a stop or a
 * drain, 1 on a runtime failure, 2 on a bad command line or configuration.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include <fasttcp/fasttcp.h>

#include "app_run.h"
#include "config.h"
#include "proxy.h"

static struct proxy *signal_proxy;

static void
on_signal(int sig)
{
	(void)sig;
	if (signal_proxy->drain_requested)
		ft_stack_stop(signal_proxy->s); /* a second signal: stop now */
	else
		proxy_request_drain(signal_proxy);
}

static void
handle_signals(struct proxy *p)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	signal_proxy = p;
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void
usage(FILE *f, const char *prog)
{
	fprintf(f, "usage: %s [EAL options] -- -c FILE [--check]\n"
		"  -c, --config FILE  configuration (see configs/fasttcp-proxy.conf)\n"
		"  --check            validate the configuration and exit\n", prog);
}

static void
print_listeners(const struct proxy_config *cfg)
{
	static const char *const balance[] = { "roundrobin", "leastconn" };

	for (unsigned int i = 0; i < cfg->n_listeners; i++) {
		const struct proxy_listener_conf *l = &cfg->listeners[i];
		char ip[FT_IP4_STRLEN];

		printf("fasttcp-proxy: listener %s: %s:%u -> %u backend(s), %s\n", l->name,
		       l->address == 0 ? "*" : ft_ip4_format(l->address, ip, sizeof(ip)),
		       l->port, l->n_backends, balance[l->balance]);
	}
}

static int
run(const struct proxy_config *cfg, struct proxy *p)
{
	struct ft_stack *s;

	s = ft_stack_create(&cfg->stack);
	if (s == NULL) {
		fprintf(stderr, "fasttcp-proxy: cannot create the stack: %s\n",
			ft_strerror(-rte_errno));
		return 1;
	}
	if (proxy_start(p, s, cfg) < 0) {
		ft_stack_destroy(s);
		proxy_fini(p);
		return 1;
	}
	handle_signals(p);
	print_listeners(cfg);
	printf("fasttcp-proxy: running on %u lcore(s)\n", ft_stack_worker_count(s));
	fflush(stdout);
	ft_stack_run(s);
	proxy_stop(p);
	printf("fasttcp-proxy: stopped\n");
	proxy_print_summary(p);
	app_print_stats(stdout, s);
	ft_stack_destroy(s);
	proxy_fini(p);
	return 0;
}

int
main(int argc, char **argv)
{
	char **app_argv = calloc((size_t)argc + 1, sizeof(char *));
	struct proxy_config *cfg = calloc(1, sizeof(*cfg));
	struct proxy *p = calloc(1, sizeof(*p));
	int eal_argc, app_argc, rc = 2;
	const char *conf = NULL;
	bool check = false;
	char err[512];

	if (app_argv == NULL || cfg == NULL || p == NULL) {
		fprintf(stderr, "fasttcp-proxy: out of memory\n");
		rc = 1;
		goto out;
	}
	app_split_args(argc, argv, &eal_argc, &app_argc, app_argv);
	rc = app_parse_config_args(app_argc, app_argv, &conf, &check);
	if (rc != 0) {
		usage(rc > 0 ? stdout : stderr, argv[0]);
		rc = rc > 0 ? 0 : 2;
		goto out;
	}
	rc = 2;
	if (proxy_config_load(conf, cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "fasttcp-proxy: %s\n", err);
		goto out;
	}
	rc = 0;
	if (check) {
		printf("%s: configuration OK\n", conf);
		goto out;
	}
	if (rte_eal_init(eal_argc, argv) < 0) {
		fprintf(stderr, "fasttcp-proxy: EAL init failed: %s\n", rte_strerror(rte_errno));
		rc = 1;
		goto out;
	}
	rc = run(cfg, p);
	rte_eal_cleanup();
out:
	free(p);
	free(cfg);
	free(app_argv);
	return rc;
}
