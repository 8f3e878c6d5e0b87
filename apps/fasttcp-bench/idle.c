/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The idle workload (memory per connection): open --conns connections from the client stack
 * to the server stack (paced: OPEN_BURST connects per poll, at most OPEN_WINDOW handshakes in
 * flight; spread over one server port per BENCH_CONNS_PER_PORT), keep them established and
 * idle for --duration, then report what each stack's memory comes to per connection.
 *
 * The stack allocates everything a connection needs when it is created (ft_stack_create():
 * the connection blocks, the 4-tuple hash, the socket-facade slots, the sendmap pool, the
 * out-of-order pool); send and receive buffers are mbufs taken on use, and an idle
 * connection holds none. So the figure is the rte_malloc heap each stack took at creation
 * (main.c measures it with rte_malloc_get_socket_stats() around ft_stack_create(); memzones,
 * hence mempools, come from the same heap) plus whatever the heap grew by while the
 * connections were opened (expected 0), divided by --conns. The workload sizes the stacks
 * for it: tcp_max_conns = conns + a margin, a small sendmap pool (idle connections hold no
 * entries) and a small mbuf pool; the mbuf pool is a fixed cost, measured here by creating
 * one of the same size and reported apart, as is the breakdown by structure size (the
 * connection block, struct ft_tcb, is the largest part). The application keeps no
 * per-connection state: what is measured is the stack. To do so this file looks inside the
 * library (tcp/tcp.h and tcp/sock.h for the sizes, port/port.h for the pool), as a benchmark
 * may and an application must not.
 *
 * Threads: the client counters are written by the client worker, the server counters by the
 * server worker; the main thread reads them (racy while running).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>

#include "bench.h"
#include "port/port.h"
#include "tcp/sock.h"
#include "tcp/tcp.h"

#define OPEN_BURST 64         /* connects per poll */
#define OPEN_WINDOW 512       /* handshakes in flight (the server's SYN backlog is 1024); one
			       * until the first is established: ARP holds only 8 packets
			       * per unresolved next hop (arp_queue_len) and drops the rest */
#define IDLE_MBUFS 16383      /* per stack: handshakes only */
#define IDLE_SENDMAP 16384    /* per worker: handshakes only (entries are taken on send) */
#define EAL_BYTES_PER_CONN 3072 /* both stacks, with margin: measured ~1.8 KiB */

struct idle {
	struct bench *b;
	uint32_t n;
	/* client worker */
	uint32_t next_open, connecting;
	/* client worker writes, main thread reads */
	uint32_t established, connect_failed, client_closed;
	uint64_t t_first, t_last;    /* first and last established */
	/* server worker writes, main thread reads */
	uint32_t accepted, server_closed;
	/* main thread */
	uint64_t heap_setup;         /* heap in use when the stacks were created and listening */
	uint64_t mbuf_pool_bytes;    /* heap an IDLE_MBUFS mbuf pool takes */
	uint64_t t_all;              /* every connection was up */
	uint32_t line_est;
	uint64_t line_tsc;
};

static uint64_t
heap_in_use(void)
{
	struct rte_malloc_socket_stats st;
	uint64_t sum = 0;

	for (unsigned int i = 0; i < rte_socket_count(); i++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0)
			sum += st.heap_allocsz_bytes;
	return sum;
}

/* ---- client and server ------------------------------------------------------------------- */

static void
client_closed(struct ft_conn *c, enum ft_close_reason reason, void *arg)
{
	struct idle *id = arg;

	id->client_closed++;
}

/* Once established: only the end would be news. */
static const struct ft_conn_ops client_up_ops = {
	.closed = client_closed,
};

static void
client_established(struct ft_conn *c, void *arg)
{
	struct idle *id = arg;
	uint64_t now = rte_rdtsc();

	id->connecting--;
	id->established++;
	if (id->t_first == 0)
		id->t_first = now;
	id->t_last = now;
	ft_conn_set_ops(c, &client_up_ops, id);
}

/* An active open that failed (refused, timed out). */
static void
client_connect_failed(struct ft_conn *c, enum ft_close_reason reason, void *arg)
{
	struct idle *id = arg;

	id->connecting--;
	id->connect_failed++;
}

static const struct ft_conn_ops client_ops = {
	.established = client_established,
	.closed = client_connect_failed,
};

static void
idle_client_poll(struct ft_worker *w, void *arg)
{
	struct bench *b = arg;
	struct idle *id = b->wl_state;
	uint32_t window = id->established == 0 ? 1 : OPEN_WINDOW;

	for (int k = 0; k < OPEN_BURST && id->next_open < id->n && id->connecting < window; k++) {
		uint16_t port = (uint16_t)(BENCH_PORT + id->next_open / BENCH_CONNS_PER_PORT);

		id->next_open++;
		id->connecting++;
		if (ft_tcp_connect(w, BENCH_SERVER_IP, port, &client_ops, id) != NULL)
			continue;
		id->connecting--;
		id->connect_failed++;
	}
}

static void
server_closed(struct ft_conn *c, enum ft_close_reason reason, void *arg)
{
	struct idle *id = arg;

	id->server_closed++;
}

static void
server_accept(struct ft_conn *c, void *arg)
{
	struct idle *id = arg;

	id->accepted++;
}

static const struct ft_conn_ops listen_ops = {
	.established = server_accept,
	.closed = server_closed,
};

/* ---- setup -------------------------------------------------------------------------------- */

static uint16_t
n_ports(uint32_t conns)
{
	return (uint16_t)((conns + BENCH_CONNS_PER_PORT - 1) / BENCH_CONNS_PER_PORT);
}

static uint32_t
idle_eal_mem_mb(const struct bench_opts *o)
{
	return 1024 + (uint32_t)((uint64_t)o->conns * EAL_BYTES_PER_CONN >> 20);
}

static void
idle_stack_conf(const struct bench *b, bool server, struct ft_stack_conf *c)
{
	c->tcp_max_conns = b->o.conns + OPEN_WINDOW + 64;
	c->tcp_sendmap_entries = IDLE_SENDMAP;
	c->n_mbufs = IDLE_MBUFS;
}

/* The heap a stack's mbuf pool of IDLE_MBUFS takes: one made the same way, then freed. */
static uint64_t
mbuf_pool_bytes(void)
{
	uint64_t before = heap_in_use(), bytes;
	struct rte_mempool *mp = ft_port_pool_create("bench_idle_probe", IDLE_MBUFS,
						     (int)rte_socket_id());

	if (mp == NULL)
		return 0;
	bytes = heap_in_use() - before;
	rte_mempool_free(mp);
	return bytes;
}

static int
idle_setup(struct bench *b)
{
	struct idle *id = calloc(1, sizeof(*id));
	int rc;

	if (id == NULL)
		return -ENOMEM;
	b->wl_state = id;
	id->b = b;
	id->n = b->o.conns;
	for (uint16_t p = 0; p < n_ports(id->n); p++) {
		rc = ft_tcp_listen(b->server, (uint16_t)(BENCH_PORT + p), &listen_ops, id);
		if (rc < 0)
			return rc;
	}
	id->mbuf_pool_bytes = mbuf_pool_bytes();
	id->heap_setup = heap_in_use();
	return 0;
}

/* ---- progress and report ------------------------------------------------------------------ */

static uint32_t
load32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void
idle_progress(const struct bench *b, struct bench_progress *p)
{
	struct idle *id = b->wl_state;
	uint32_t est = load32(&id->established), failed = load32(&id->connect_failed);
	uint64_t now = rte_rdtsc();

	memset(p, 0, sizeof(*p));
	p->done = est;
	p->failed = failed + load32(&id->client_closed);
	p->t_first = id->t_first;
	p->t_last = id->t_last;
	/* Up: every connect came back and the server accepted every established one. */
	if (id->t_all == 0 && est + failed == id->n && load32(&id->accepted) >= est)
		id->t_all = now;
	p->finished = id->t_all != 0 &&
		      now - id->t_all >= (uint64_t)(b->o.duration_s * (double)b->hz);
}

static void
idle_line(const struct bench *b, double t_s)
{
	struct idle *id = b->wl_state;
	uint64_t now = rte_rdtsc();
	uint32_t est = load32(&id->established);
	double dt = (double)(now - (id->line_tsc ? id->line_tsc : b->t_start)) / (double)b->hz;

	printf("[%7.2f s] idle: established %u/%u (%8.0f/s)  accepted %u  failed %u  "
	       "closed %u/%u  heap %.1f MiB\n", t_s, est, id->n, (double)(est - id->line_est) / dt,
	       load32(&id->accepted), load32(&id->connect_failed), load32(&id->client_closed),
	       load32(&id->server_closed), (double)heap_in_use() / (1 << 20));
	fflush(stdout);
	id->line_est = est;
	id->line_tsc = now;
}

/* Per connection: the measured heap, and what the known structures account for. */
static void
json_memory(const struct bench *b, const struct idle *id, FILE *json)
{
	int64_t growth = (int64_t)(heap_in_use() - id->heap_setup);
	uint64_t extra = growth > 0 ? (uint64_t)growth : 0;
	double n = id->n;
	double sv = (double)(b->heap_server_bytes + extra) / n;
	double cl = (double)(b->heap_client_bytes + extra) / n;
	double fixed = (double)id->mbuf_pool_bytes / n;
	double sm = (double)IDLE_SENDMAP * sizeof(struct ft_sm_entry) / n;
	double rest = sv - fixed - sizeof(struct ft_tcb) - sizeof(struct ft_sock) - sm;

	fprintf(json, ",\"server_heap_bytes\":%" PRIu64 ",\"client_heap_bytes\":%" PRIu64
		",\"heap_growth_bytes\":%" PRId64 ",\"mbuf_pool_bytes\":%" PRIu64
		",\"server_bytes_per_conn\":%.0f,\"client_bytes_per_conn\":%.0f"
		",\"server_bytes_per_conn_excl_mbufs\":%.0f,\"tcb_bytes\":%zu,\"sock_bytes\":%zu"
		",\"sendmap_entries\":%u,\"sendmap_entry_bytes\":%zu,\"per_conn\":{\"tcb\":%zu,"
		"\"sock\":%zu,\"sendmap\":%.0f,\"mbuf_pool\":%.0f,\"hash_and_rest\":%.0f}",
		b->heap_server_bytes, b->heap_client_bytes, growth, id->mbuf_pool_bytes, sv, cl,
		sv - fixed, sizeof(struct ft_tcb), sizeof(struct ft_sock), IDLE_SENDMAP,
		sizeof(struct ft_sm_entry), sizeof(struct ft_tcb), sizeof(struct ft_sock), sm,
		fixed, rest);
	fprintf(stderr, "fasttcp-bench: idle: server %.0f bytes per connection at %u: "
		"connection block %zu, socket slot %zu, sendmap pool %.0f, mbuf pool %.0f, "
		"4-tuple hash and the rest %.0f; client %.0f\n", sv, id->n, sizeof(struct ft_tcb),
		sizeof(struct ft_sock), sm, fixed, rest, cl);
}

static bool
idle_report(struct bench *b, FILE *json, bool *verified)
{
	struct idle *id = b->wl_state;
	struct ft_stats cl, sv;
	double secs = id->t_last > id->t_first ? (double)(id->t_last - id->t_first) /
						 (double)b->hz : 0;

	ft_stack_stats_get(b->client, &cl);
	ft_stack_stats_get(b->server, &sv);
	fprintf(json, ",\"conns\":%u,\"established\":%u,\"accepted\":%u,\"connect_failed\":%u,"
		"\"closed_early\":%u,\"open_seconds\":%.3f,\"open_rate\":%.0f,"
		"\"client_tcp_conns\":%" PRIu64 ",\"server_tcp_conns\":%" PRIu64
		",\"listen_ports\":%u",
		id->n, id->established, id->accepted, id->connect_failed,
		id->client_closed + id->server_closed, secs,
		secs > 0 ? (double)id->established / secs : 0.0, cl.tcp_conns, sv.tcp_conns,
		n_ports(id->n));
	json_memory(b, id, json);
	*verified = false;
	return id->established == id->n && id->accepted == id->n &&
	       id->client_closed + id->server_closed == 0 && sv.tcp_conns == id->n;
}

static void
idle_teardown(struct bench *b)
{
	free(b->wl_state);
	b->wl_state = NULL;
}

const struct bench_workload bench_idle = {
	.name = "idle",
	.summary = "many established idle connections: heap bytes per connection",
	.default_conns = 100000,
	.default_duration_s = 1,
	.eal_mem_mb = idle_eal_mem_mb,
	.stack_conf = idle_stack_conf,
	.setup = idle_setup,
	.client_poll = idle_client_poll,
	.progress = idle_progress,
	.line = idle_line,
	.report = idle_report,
	.teardown = idle_teardown,
};
