/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fasttcp-proxy counters: per-worker tables (proxy.h) summed on read, DPDK telemetry
 * commands, and the summary printed at exit.
 *
 *   /fasttcp_proxy/stats               totals (workers, pairs active/free, draining) and one
 *                                      dict per listener (its counters, port, balance)
 *   /fasttcp_proxy/backends[,LISTENER] one dict per backend, "LISTENER/bN": address, state
 *                                      (up/down), down_ms left, counters
 *
 * Telemetry callbacks take no user argument in DPDK 22.11, hence the file-level pointer (one
 * proxy per process). The telemetry thread reads counters the workers write without
 * synchronisation: aligned 64-bit loads do not tear on the supported CPUs, and a snapshot a
 * few events old is fine for counters (the stack's telemetry makes the same argument).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_mempool.h>
#include <rte_telemetry.h>

#include <fasttcp/ft_addr.h>

#include "proxy.h"

static struct proxy *tel_proxy;

static const char *const balance_names[] = { "roundrobin", "leastconn" };

#define PROXY_X_SUM(f, desc) out->f += s->f;
#define PROXY_X_TEL(f, desc) rte_tel_data_add_dict_u64(d, #f, s.f);

void
proxy_lstats_sum(const struct proxy *p, unsigned int l, struct proxy_lstats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < p->n_workers; i++) {
		const struct proxy_lstats *s = &p->workers[i]->ls[l];

		PROXY_LISTENER_COUNTERS(PROXY_X_SUM)
	}
}

void
proxy_bstats_sum(const struct proxy *p, unsigned int b, struct proxy_bstats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < p->n_workers; i++) {
		const struct proxy_bstats *s = &p->workers[i]->bs[b];

		PROXY_BACKEND_COUNTERS(PROXY_X_SUM)
	}
}

static struct rte_tel_data *
listener_dict(const struct proxy *p, const struct proxy_listener *l)
{
	struct rte_tel_data *d = rte_tel_data_alloc();
	char ip[FT_IP4_STRLEN];
	struct proxy_lstats s;

	if (d == NULL)
		return NULL;
	proxy_lstats_sum(p, l->id, &s);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "port", l->conf->port);
	rte_tel_data_add_dict_string(d, "address", l->conf->address == 0 ? "any" :
				     ft_ip4_format(l->conf->address, ip, sizeof(ip)));
	rte_tel_data_add_dict_string(d, "balance", balance_names[l->conf->balance]);
	rte_tel_data_add_dict_u64(d, "backends", l->conf->n_backends);
	PROXY_LISTENER_COUNTERS(PROXY_X_TEL)
	return d;
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct proxy *p = tel_proxy;
	uint64_t active = 0;

	if (p == NULL)
		return -ENODEV;
	for (unsigned int i = 0; i < p->n_workers; i++)
		active += __atomic_load_n(&p->workers[i]->n_pairs, __ATOMIC_RELAXED);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "workers", p->n_workers);
	rte_tel_data_add_dict_u64(d, "pairs_active", active);
	rte_tel_data_add_dict_u64(d, "pairs_max", p->cfg->max_conns);
	rte_tel_data_add_dict_u64(d, "pairs_free", rte_mempool_avail_count(p->pool));
	rte_tel_data_add_dict_u64(d, "draining", p->drain_requested != 0);
	for (unsigned int i = 0; i < p->n_listeners; i++) {
		struct rte_tel_data *l = listener_dict(p, &p->listeners[i]);

		if (l == NULL)
			return -ENOMEM;
		rte_tel_data_add_dict_container(d, p->listeners[i].conf->name, l, 0);
	}
	return 0;
}

static struct rte_tel_data *
backend_dict(const struct proxy *p, const struct proxy_backend *b, uint64_t now)
{
	uint64_t until = __atomic_load_n(&b->down_until, __ATOMIC_RELAXED);
	struct rte_tel_data *d = rte_tel_data_alloc();
	bool down = until != 0 && now < until;
	struct proxy_bstats s;

	if (d == NULL)
		return NULL;
	proxy_bstats_sum(p, b->id, &s);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "address", b->text);
	rte_tel_data_add_dict_string(d, "state", down ? "down" : "up");
	rte_tel_data_add_dict_u64(d, "down_ms", down ? (until - now) * 1000 / p->tsc_hz : 0);
	PROXY_BACKEND_COUNTERS(PROXY_X_TEL)
	return d;
}

/* Parameter: a listener name, or nothing for every backend. */
static int
tel_backends(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct proxy *p = tel_proxy;
	uint64_t now = rte_get_tsc_cycles();
	char key[PROXY_NAME_LEN + 8];

	if (p == NULL)
		return -ENODEV;
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; i < p->n_backends; i++) {
		const struct proxy_backend *b = &p->backends[i];
		struct rte_tel_data *bd;

		if (params != NULL && params[0] != '\0' && strcmp(params, b->l->conf->name) != 0)
			continue;
		bd = backend_dict(p, b, now);
		if (bd == NULL)
			return -ENOMEM;
		snprintf(key, sizeof(key), "%s/b%u", b->l->conf->name,
			 (unsigned int)(b - b->l->backends));
		rte_tel_data_add_dict_container(d, key, bd, 0);
	}
	return 0;
}

int
proxy_telemetry_init(struct proxy *p)
{
	int rc;

	tel_proxy = p;
	rc = rte_telemetry_register_cmd("/fasttcp_proxy/stats", tel_stats,
					"fasttcp-proxy totals and per-listener counters");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/fasttcp_proxy/backends", tel_backends,
						"Per-backend state and counters. "
						"Parameters: [listener name]");
	if (rc < 0)
		fprintf(stderr, "fasttcp-proxy: telemetry registration failed: %d\n", rc);
	return rc;
}

void
proxy_telemetry_fini(void)
{
	tel_proxy = NULL;
}

void
proxy_print_summary(const struct proxy *p)
{
	for (unsigned int i = 0; i < p->n_listeners; i++) {
		const struct proxy_listener *l = &p->listeners[i];
		struct proxy_lstats s;

		proxy_lstats_sum(p, i, &s);
		printf("listener %s (port %u): accepted %" PRIu64 " completed %" PRIu64
		       " client_errors %" PRIu64 " backend_errors %" PRIu64 " no_backend %" PRIu64
		       " refused_draining %" PRIu64 " drain_aborted %" PRIu64 " bytes_up %" PRIu64
		       " bytes_down %" PRIu64 "\n", l->conf->name, l->conf->port, s.accepted,
		       s.completed, s.client_errors, s.backend_errors, s.no_backend,
		       s.refused_draining, s.drain_aborted, s.bytes_up, s.bytes_down);
	}
	for (unsigned int i = 0; i < p->n_backends; i++) {
		const struct proxy_backend *b = &p->backends[i];
		struct proxy_bstats s;

		proxy_bstats_sum(p, i, &s);
		printf("  backend %s/%s: connected %" PRIu64 " refused %" PRIu64 " timeouts %"
		       PRIu64 " marked_down %" PRIu64 " errors %" PRIu64 " bytes_up %" PRIu64
		       " bytes_down %" PRIu64 "\n", b->l->conf->name, b->text, s.connected,
		       s.refused, s.timeouts, s.marked_down, s.errors, s.bytes_up, s.bytes_down);
	}
}
