/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fasttcp-proxy setup and the per-worker poll hook: the listener and backend tables built
 * from the configuration, the pair pool (sized at start: nothing is allocated while
 * running), per-worker state, one ft_tcp_listen() per port, and, once per loop on every
 * worker, connect timeouts (balance.c) and the graceful drain.
 *
 * Drain: the first SIGTERM/SIGINT sets drain_requested. From then on new connections are
 * reset as they complete their handshake (accept.c), existing pairs run to their end, and
 * worker 0 stops the stack once no pair is left and the stack has no connection still
 * delivering data (a released connection sends its queued data and FIN on its own: stopping
 * earlier would cut it). When drain_timeout_ms passes first, every worker resets its
 * remaining pairs and the stack stops right after.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mempool.h>

#include <fasttcp/fasttcp.h>

#include "proxy.h"

static uint64_t
ms_to_tsc(const struct proxy *p, uint32_t ms)
{
	return p->tsc_hz / 1000 * ms;
}

static void
build_tables(struct proxy *p, const struct proxy_config *cfg)
{
	unsigned int nb = 0;

	for (unsigned int i = 0; i < cfg->n_listeners; i++) {
		const struct proxy_listener_conf *lc = &cfg->listeners[i];
		struct proxy_listener *l = &p->listeners[i];
		char ip[FT_IP4_STRLEN];

		*l = (struct proxy_listener){ .p = p, .conf = lc, .id = (uint16_t)i,
			.backends = &p->backends[nb],
			.connect_timeout_tsc = ms_to_tsc(p, lc->connect_timeout_ms),
			.down_retry_tsc = ms_to_tsc(p, lc->down_retry_ms) };
		for (unsigned int k = 0; k < lc->n_backends; k++, nb++) {
			struct proxy_backend *b = &p->backends[nb];

			*b = (struct proxy_backend){ .l = l, .ip = lc->backends[k].ip,
				.port = lc->backends[k].port, .id = (uint16_t)nb };
			snprintf(b->text, sizeof(b->text), "%s:%u",
				 ft_ip4_format(b->ip, ip, sizeof(ip)), b->port);
		}
	}
	p->n_listeners = cfg->n_listeners;
	p->n_backends = (uint16_t)nb;
}

/* Chain the listeners of @p port, address-specific ones first, and return the head. */
static struct proxy_listener *
chain_port(struct proxy *p, uint16_t port)
{
	struct proxy_listener *head = NULL, **tail = &head, *any = NULL;

	for (unsigned int i = 0; i < p->n_listeners; i++) {
		struct proxy_listener *l = &p->listeners[i];

		if (l->conf->port != port)
			continue;
		if (l->conf->address == 0) {
			any = l;
			continue;
		}
		*tail = l;
		tail = &l->next;
	}
	*tail = any;
	return head;
}

static int
listen_all(struct proxy *p)
{
	for (unsigned int i = 0; i < p->n_listeners; i++) {
		uint16_t port = p->listeners[i].conf->port;
		bool seen = false;
		int rc;

		for (unsigned int j = 0; j < i; j++)
			seen = seen || p->listeners[j].conf->port == port;
		if (seen)
			continue;
		rc = ft_tcp_listen(p->s, port, &proxy_listen_ops, chain_port(p, port));
		if (rc < 0) {
			fprintf(stderr, "fasttcp-proxy: listen on port %u: %s\n", port,
				ft_strerror(rc));
			return rc;
		}
	}
	return 0;
}

static int
alloc_workers(struct proxy *p)
{
	for (unsigned int i = 0; i < p->n_workers; i++) {
		struct proxy_worker *pw = rte_zmalloc("proxy_worker", sizeof(*pw),
						      RTE_CACHE_LINE_SIZE);

		if (pw == NULL)
			return -ENOMEM;
		pw->p = p;
		pw->idx = i;
		TAILQ_INIT(&pw->pairs);
		for (unsigned int l = 0; l < PROXY_MAX_LISTENERS; l++)
			TAILQ_INIT(&pw->connecting[l]);
		p->workers[i] = pw;
	}
	return 0;
}

static uint32_t
pairs_total(const struct proxy *p)
{
	uint32_t n = 0;

	for (unsigned int i = 0; i < p->n_workers; i++)
		n += __atomic_load_n(&p->workers[i]->n_pairs, __ATOMIC_RELAXED);
	return n;
}

/* Connections still open in the stack, TIME-WAIT aside: released ones still delivering. */
static uint64_t
stack_busy_conns(const struct proxy *p)
{
	struct ft_stats st;

	ft_stack_stats_get(p->s, &st);
	return st.tcp_conns - st.tcp_time_wait;
}

static void
abort_all(struct proxy_worker *pw)
{
	struct proxy_pair *pp;

	while ((pp = TAILQ_FIRST(&pw->pairs)) != NULL) {
		pw->ls[pp->l->id].drain_aborted++;
		proxy_pair_abort(pp);
	}
	pw->drain_aborted = true;
}

static void
drain_step(struct proxy *p, struct proxy_worker *pw, uint64_t now)
{
	bool expired = __atomic_load_n(&p->drain_expired, __ATOMIC_RELAXED);

	if (expired && !pw->drain_aborted)
		abort_all(pw);
	if (pw->idx != 0)
		return;
	if (p->drain_deadline == 0) {
		p->drain_deadline = now + ms_to_tsc(p, p->cfg->drain_timeout_ms);
		printf("fasttcp-proxy: draining %u connection(s), up to %u ms\n", pairs_total(p),
		       p->cfg->drain_timeout_ms);
		fflush(stdout); /* once: the shutdown is no hot path */
	}
	/* After the timeout the stack's own leftovers are cut by ft_stack_destroy(). */
	if (pairs_total(p) == 0 && (expired || stack_busy_conns(p) == 0)) {
		ft_stack_stop(p->s);
		return;
	}
	if (!expired && now >= p->drain_deadline)
		__atomic_store_n(&p->drain_expired, true, __ATOMIC_RELAXED);
}

static void
on_poll(struct ft_worker *w, void *arg)
{
	struct proxy *p = arg;
	struct proxy_worker *pw = p->workers[ft_worker_index(w)];
	uint64_t now = ft_worker_now(w);

	proxy_connect_expire(pw, w, now);
	if (p->drain_requested)
		drain_step(p, pw, now);
}

int
proxy_start(struct proxy *p, struct ft_stack *s, const struct proxy_config *cfg)
{
	unsigned int cache = cfg->max_conns >= 1024 ? 32 : 0;
	int rc;

	p->s = s;
	p->cfg = cfg;
	p->tsc_hz = rte_get_tsc_hz();
	p->n_workers = ft_stack_worker_count(s);
	build_tables(p, cfg);
	p->pool = rte_mempool_create("proxy_pairs", cfg->max_conns, sizeof(struct proxy_pair),
				     cache, 0, NULL, NULL, NULL, NULL, SOCKET_ID_ANY, 0);
	if (p->pool == NULL) {
		fprintf(stderr, "fasttcp-proxy: cannot create a pool of %u pairs: %s\n",
			cfg->max_conns, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	rc = alloc_workers(p);
	if (rc < 0) {
		fprintf(stderr, "fasttcp-proxy: cannot allocate worker state\n");
		return rc;
	}
	rc = listen_all(p);
	if (rc == 0)
		rc = ft_stack_set_poll(s, on_poll, p);
	if (rc == 0)
		rc = proxy_telemetry_init(p);
	return rc;
}

void
proxy_request_drain(struct proxy *p)
{
	p->drain_requested = 1;
}

void
proxy_stop(struct proxy *p)
{
	for (unsigned int i = 0; i < p->n_workers; i++) {
		struct proxy_worker *pw = p->workers[i];
		struct proxy_pair *pp;

		while ((pp = TAILQ_FIRST(&pw->pairs)) != NULL) {
			pw->ls[pp->l->id].drain_aborted++;
			pp->conn[PROXY_FRONT] = pp->conn[PROXY_BACK] = NULL;
			proxy_pair_abort(pp); /* frees only what the pair holds */
		}
	}
}

void
proxy_fini(struct proxy *p)
{
	proxy_telemetry_fini();
	for (unsigned int i = 0; i < p->n_workers; i++) {
		rte_free(p->workers[i]);
		p->workers[i] = NULL;
	}
	rte_mempool_free(p->pool);
	p->pool = NULL;
}
