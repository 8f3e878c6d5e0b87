/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-ovpn-gw: an OpenVPN 2.6 server's data channel (P_DATA_V2, AES-GCM / ChaCha20-Poly1305)
 * on DPDK poll-mode lcores, between a public port (UDP 1194) and a LAN port. This issue's
 * peers are static: their data-channel keys come from the configuration file, so the data
 * path runs end to end before the control channel (TLS, key exchange, push) exists; control
 * packets are counted and dropped.
 *
 *   dpdk-ovpn-gw [EAL options] -- -c FILE [--check]
 *
 * Threads: the EAL lcores run libfasttcp's workers (the main lcore runs worker 0) with the
 * gateway's hooks (gw.h); a control thread (ctrl.c) handles address learning, timeouts and
 * the status file; DPDK's telemetry thread serves /ovpn_gw/... The configuration is validated
 * before EAL starts (exit 2 with file:line: key on error). SIGINT/SIGTERM stop the workers;
 * the status file is written a last time and the final counters are printed. Exit status: 0
 * after a stop, 1 on a runtime failure, 2 on a bad command line or configuration.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include <fasttcp/fasttcp.h>

#include "app_run.h"
#include "config.h"
#include "gw.h"

RTE_LOG_REGISTER(gw_logtype, user.ovpngw.gw, INFO);

static void
usage(FILE *f, const char *prog)
{
	fprintf(f, "usage: %s [EAL options] -- -c FILE [--check]\n"
		"  -c, --config FILE  configuration (see configs/dpdk-ovpn-gw.conf)\n"
		"  --check            validate the configuration and exit\n", prog);
}

static void
print_banner(const struct gw_config *cfg, const struct gw *gw)
{
	char a[FT_IP4_STRLEN];

	printf("dpdk-ovpn-gw: %u static peer(s), UDP %s:%u, tunnel MTU %u, crypto %s\n",
	       cfg->n_peers, ft_ip4_format(gw->port_ip[cfg->public_port], a, sizeof(a)),
	       cfg->listen_port, cfg->tunnel_mtu, cfg->crypto_backend);
	printf("dpdk-ovpn-gw: running on %u lcore(s)\n", gw->n_workers);
	fflush(stdout);
}

static int
run(struct gw_config *cfg)
{
	struct ft_stack *s;
	struct gw gw;
	int rc;

	s = ft_stack_create(&cfg->stack);
	if (s == NULL) {
		fprintf(stderr, "dpdk-ovpn-gw: cannot create the stack: %s\n",
			ft_strerror(-rte_errno));
		return 1;
	}
	rc = gw_setup(&gw, cfg, s);
	gw_config_wipe_keys(cfg); /* installed (or failed): the copies in cfg are not needed */
	if (rc == 0)
		rc = gw_ctrl_start(&gw);
	if (rc < 0) {
		fprintf(stderr, "dpdk-ovpn-gw: setup failed: %s\n", ft_strerror(rc));
		if (gw.cfg != NULL)
			gw_teardown(&gw);
		ft_stack_destroy(s);
		return 1;
	}
	app_stop_on_signals(s);
	print_banner(cfg, &gw);
	ft_stack_run(s);
	gw_ctrl_stop(&gw);
	printf("dpdk-ovpn-gw: stopped\n");
	gw_print_summary(&gw, stdout);
	app_print_stats(stdout, s);
	fflush(stdout);
	gw_teardown(&gw);
	ft_stack_destroy(s);
	return 0;
}

int
main(int argc, char **argv)
{
	char **app_argv = calloc((size_t)argc + 1, sizeof(char *));
	struct gw_config *cfg = calloc(1, sizeof(*cfg));
	int eal_argc, app_argc, rc = 2;
	const char *conf = NULL;
	bool check = false;
	char err[512];

	if (app_argv == NULL || cfg == NULL) {
		fprintf(stderr, "dpdk-ovpn-gw: out of memory\n");
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
	if (gw_config_load(conf, cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "dpdk-ovpn-gw: %s\n", err);
		goto out;
	}
	rc = 0;
	if (check) {
		printf("%s: configuration OK (%u static peer(s))\n", conf, cfg->n_peers);
		goto out;
	}
	if (rte_eal_init(eal_argc, argv) < 0) {
		fprintf(stderr, "dpdk-ovpn-gw: EAL init failed: %s\n", rte_strerror(rte_errno));
		rc = 1;
		goto out;
	}
	rc = run(cfg);
	rte_eal_cleanup();
out:
	if (cfg != NULL)
		gw_config_wipe_keys(cfg);
	free(cfg);
	free(app_argv);
	return rc;
}
