/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fasttcp-get: download one URL over libfasttcp and print the throughput and the SHA-256 of
 * the body (OpenSSL's EVP digest: the app links OpenSSL, libfasttcp does not).
 *   fasttcp-get [EAL options] -- -c FILE [--timeout-ms MS] http://A.B.C.D[:PORT]/PATH
 * The stack configuration is the shared `stack` section (any fasttcp config file works; other
 * sections are ignored only if they belong to the known apps: see config.c).
 * Exit 0 when the whole body (Content-Length, or until close) arrived; 1 otherwise; 2 for a
 * bad command line or configuration.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include <fasttcp/fasttcp.h>

#include "app_run.h"
#include "get.h"

static int
parse_url(const char *url, struct get_req *r)
{
	char host[64];
	const char *p, *slash;
	char *colon;
	unsigned long port = 80;

	if (strncmp(url, "http://", 7) != 0)
		return -1;
	p = url + 7;
	slash = strchr(p, '/');
	if (slash == NULL || (size_t)(slash - p) >= sizeof(host))
		return -1;
	memcpy(host, p, (size_t)(slash - p));
	host[slash - p] = '\0';
	colon = strchr(host, ':');
	if (colon != NULL) {
		*colon = '\0';
		port = strtoul(colon + 1, NULL, 10);
	}
	if (ft_ip4_parse(host, &r->ip) < 0 || port == 0 || port > 65535 ||
	    strlen(slash) >= sizeof(r->path))
		return -1;
	r->port = (uint16_t)port;
	snprintf(r->path, sizeof(r->path), "%s", slash);
	snprintf(r->host, sizeof(r->host), "%s", host);
	return 0;
}

static int
parse_args(int argc, char **argv, const char **conf, struct get_req *r)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "timeout-ms", required_argument, NULL, 't' }, { NULL, 0, NULL, 0 },
	};
	int opt;

	r->timeout_ms = 120000;
	while ((opt = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		if (opt == 'c')
			*conf = optarg;
		else if (opt == 't')
			r->timeout_ms = (uint32_t)strtoul(optarg, NULL, 10);
		else
			return -1;
	}
	if (optind != argc - 1 || *conf == NULL || r->timeout_ms == 0)
		return -1;
	return parse_url(argv[optind], r);
}

int
main(int argc, char **argv)
{
	char **app_argv = calloc((size_t)argc + 1, sizeof(char *));
	struct ft_stack_conf sc;
	const char *conf = NULL;
	struct get_req r = { 0 };
	int eal_argc, app_argc, rc;
	struct ft_stack *s;
	char err[512];

	app_split_args(argc, argv, &eal_argc, &app_argc, app_argv);
	if (parse_args(app_argc, app_argv, &conf, &r) < 0) {
		fprintf(stderr, "usage: %s [EAL options] -- -c FILE [--timeout-ms MS] "
			"http://A.B.C.D[:PORT]/PATH\n", argv[0]);
		return 2;
	}
	if (get_config_load(conf, &sc, err, sizeof(err)) < 0) {
		fprintf(stderr, "fasttcp-get: %s\n", err);
		return 2;
	}
	if (rte_eal_init(eal_argc, argv) < 0) {
		fprintf(stderr, "fasttcp-get: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	s = ft_stack_create(&sc);
	if (s == NULL) {
		fprintf(stderr, "fasttcp-get: cannot create the stack: %s\n",
			ft_strerror(-rte_errno));
		return 1;
	}
	app_stop_on_signals(s);
	rc = get_run(s, &r);
	ft_stack_destroy(s);
	rte_eal_cleanup();
	free(app_argv);
	return rc;
}
