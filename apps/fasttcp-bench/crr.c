/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The crr workload (connection rate, netperf TCP_CRR style): --conns slots, each in a loop:
 * connect, send one request of --req-size bytes, read the --resp-size response (tag and bytes
 * checked, reqresp.h), close, and connect again, for --duration. The slot is free as soon as
 * it has closed (as close() returns at once on Linux); the closing connection finishes its
 * FIN exchange on its own and is counted when its closed callback comes. --duration counts
 * from the first established connection. Reports connections/s over [first established,
 * deadline], the connection latency (connect to response complete) p50/p99/p99.9, and every
 * way a connection can go wrong, each counted: failed before the response (refused, reset,
 * timed out), closed abnormally after it, bad responses, and ft_tcp_connect() refusals: no
 * free ephemeral port (EADDRNOTAVAIL: the client's TIME-WAIT 4-tuples fill the 16384 ports
 * per server port) and a full connection table (ENOBUFS). A refused connect is retried at
 * the next poll.
 *
 * TIME-WAIT: the client closes first, so TIME-WAIT stays on the client (the server only
 * passes LAST-ACK). Both stacks use --time-wait-ms (default 1000 instead of Linux's 60 s)
 * and the server listens on CRR_PORTS ports, which the client uses in turn: 4-tuples for
 * CRR_PORTS * 16384 / TIME-WAIT connections per second. The client's table is sized for all
 * of them. After the deadline the run waits until every connection block of both stacks is
 * back (the TIME-WAIT ones expire) and reports what is still in use: a leak fails the run.
 * The client stack picks ephemeral ports per destination (RFC 6056 §3.3.4, handshake.c):
 * each server port's 16384 4-tuples are walked in order, so the limit is 16384 connections
 * per server port per TIME-WAIT, without scanning below it.
 * Packets per connection: 7 (client SYN, request carrying the ACK of the SYN-ACK, FIN, last
 * ACK; server SYN-ACK, response, FIN). The request rides with that ACK because the
 * established callback queues it before the stack's output runs; a Linux client, whose
 * write() comes after epoll reports the connect, sends the ACK alone (8 packets).
 * Not here: the server and the message format (reqresp.c).
 *
 * Threads: slots and the client counters are written only by the client worker; the main
 * thread reads the counters, the histogram (racy, hist.h) and the stacks' gauges.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "bench.h"
#include "hist.h"
#include "reqresp.h"

#define CRR_PORTS 64     /* server ports: CRR_PORTS * 16384 client 4-tuples, 1048576 per
			  * TIME-WAIT: ~2x the 470k/s seen on 2 cores (32 ports ran out) */
#define EPHEMERAL 16384  /* the stack's ephemeral ports (49152..65535) per destination */
#define OPEN_BURST 64    /* connects per poll; one until the first connection is
			  * established: ARP holds only 8 packets per unresolved next hop */
#define DRAIN_SLACK_MS 3000 /* beyond TIME-WAIT, to wait for blocks to come back */

struct crr;

struct crr_slot {
	struct crr *cr;
	struct ft_conn *c;       /* NULL: free (its index is on the idle stack) */
	struct bench_msg_rx rx;
	struct bench_msg_tx tx;
	uint64_t t_open;         /* TSC of ft_tcp_connect() */
	uint32_t idx, gen;       /* gen: connections the slot opened */
	bool starved;
};

struct crr {
	struct bench *b;
	struct bench_rrsrv srv;      /* the server worker's */
	/* client worker */
	struct bench_msg_io io;
	uint32_t n;
	uint32_t *idle, n_idle;      /* free slots (a stack of indices) */
	uint32_t n_starved, next_port;
	bool time_up;
	uint64_t deadline;           /* --duration after the first connection is established */
	/* client worker writes, main thread reads */
	uint64_t t_first, t_stop;
	uint64_t closing;            /* closed by us, closed callback still to come */
	uint64_t opened;
	uint64_t conns;              /* completed (response checked) before the deadline */
	uint64_t late;               /* completed after it */
	uint64_t failed;             /* ended before the response: refused, reset, timeout */
	uint64_t close_failed;       /* ended abnormally after our close */
	uint64_t bad_responses;
	uint64_t port_exhausted;     /* ft_tcp_connect(): EADDRNOTAVAIL */
	uint64_t table_full;         /* ft_tcp_connect(): ENOBUFS */
	uint64_t connect_errors;     /* ft_tcp_connect(): anything else */
	struct bench_hist hist;      /* ft_tcp_connect() -> response complete, TSC cycles */
	/* main thread */
	uint64_t t_drained;          /* both sides done: waiting for the blocks to come back */
	uint64_t tw_peak;            /* largest client TIME-WAIT gauge seen */
	struct bench_hist *line_mem, *line_prev, *line_now, *line_diff;
	uint64_t line_conns, line_tsc;
	struct crr_slot s[];
};

/* ---- client ------------------------------------------------------------------------------ */

static void
slot_free(struct crr *cr, struct crr_slot *sl)
{
	if (sl->starved)
		cr->n_starved--;
	sl->starved = false;
	sl->c = NULL;
	cr->idle[cr->n_idle++] = sl->idx;
}

static void
slot_send(struct crr_slot *sl)
{
	struct crr *cr = sl->cr;

	if (bench_msg_tx_push(&cr->io, sl->c, &sl->tx) == -ENOBUFS && !sl->starved) {
		sl->starved = true;
		cr->n_starved++;
	}
}

static void
closing_closed(struct ft_conn *c, enum ft_close_reason reason, void *arg)
{
	struct crr *cr = arg;

	cr->closing--;
	if (reason != FT_CLOSE_NORMAL)
		cr->close_failed++;
}

/* After our close: only the end is of interest. */
static const struct ft_conn_ops closing_ops = {
	.closed = closing_closed,
};

/* The response is complete. @return -1: the connection is closed (or reset) and the slot is
 * free again. */
static int
slot_response(struct crr_slot *sl)
{
	struct crr *cr = sl->cr;
	struct ft_conn *c = sl->c;

	if (sl->rx.bad || bench_msg_rx_tag(&sl->rx) != sl->tx.tag || sl->tx.off != cr->io.tx_size) {
		cr->bad_responses++;
		ft_conn_abort(c); /* the slot's closed callback frees it */
		return -1;
	}
	bench_hist_add(&cr->hist, rte_rdtsc() - sl->t_open);
	if (cr->time_up)
		cr->late++;
	else
		cr->conns++;
	cr->closing++;
	slot_free(cr, sl);
	ft_conn_set_ops(c, &closing_ops, cr);
	ft_conn_close(c);
	return -1;
}

static int
slot_take(struct crr_slot *sl, const uint8_t *p, uint32_t len)
{
	while (len > 0) {
		uint32_t n = bench_msg_rx_feed(&sl->cr->io, &sl->rx, p, len);

		p += n;
		len -= n;
		if (sl->rx.off == sl->cr->io.rx_size && slot_response(sl) < 0)
			return -1;
	}
	return 0;
}

static void
slot_readable(struct ft_conn *c, void *arg)
{
	struct crr_slot *sl = arg;
	struct rte_mbuf *m;
	int rc = 0;

	while (rc == 0 && (m = ft_conn_recv(c, SIZE_MAX)) != NULL) {
		for (struct rte_mbuf *s = m; s != NULL && rc == 0; s = s->next)
			rc = slot_take(sl, rte_pktmbuf_mtod(s, const uint8_t *), s->data_len);
		rte_pktmbuf_free(m);
	}
	if (rc == 0 && ft_conn_eof(c)) { /* the server closed before answering */
		sl->cr->bad_responses++;
		ft_conn_abort(c);
	}
}

static void
slot_writable(struct ft_conn *c, void *arg)
{
	slot_send(arg);
}

static void
slot_established(struct ft_conn *c, void *arg)
{
	struct crr_slot *sl = arg;
	struct crr *cr = sl->cr;

	if (cr->t_first == 0) {
		cr->t_first = rte_rdtsc();
		cr->deadline = cr->t_first + (uint64_t)(cr->b->o.duration_s * (double)cr->b->hz);
	}
	ft_conn_set_nodelay(c, 1);
	sl->tx = (struct bench_msg_tx){ .tag = (uint64_t)sl->idx << 32 | sl->gen };
	slot_send(sl);
}

/* Before the response: refused, reset, timed out, or aborted by a check. */
static void
slot_closed(struct ft_conn *c, enum ft_close_reason reason, void *arg)
{
	struct crr_slot *sl = arg;

	sl->cr->failed++;
	slot_free(sl->cr, sl);
}

static const struct ft_conn_ops slot_ops = {
	.established = slot_established,
	.readable = slot_readable,
	.writable = slot_writable,
	.closed = slot_closed,
};

static void
count_refusal(struct crr *cr, int err)
{
	if (err == EADDRNOTAVAIL)
		cr->port_exhausted++;
	else if (err == ENOBUFS)
		cr->table_full++;
	else
		cr->connect_errors++;
}

/* Connect free slots; a refusal is counted and retried at the next poll. */
static void
open_some(struct ft_worker *w, struct crr *cr)
{
	int burst = cr->t_first != 0 ? OPEN_BURST : cr->n_idle == cr->n ? 1 : 0;

	for (int k = 0; k < burst && cr->n_idle > 0 && !cr->time_up; k++) {
		struct crr_slot *sl = &cr->s[cr->idle[cr->n_idle - 1]];
		uint16_t port = (uint16_t)(cr->b->port_base + cr->next_port);

		bench_msg_rx_reset(&sl->rx);
		sl->tx = (struct bench_msg_tx){ .off = cr->io.tx_size };
		sl->t_open = rte_rdtsc();
		sl->c = ft_tcp_connect(w, BENCH_SERVER_IP, port, &slot_ops, sl);
		if (sl->c == NULL) {
			count_refusal(cr, rte_errno);
			return;
		}
		cr->n_idle--;
		cr->next_port = (cr->next_port + 1) % CRR_PORTS;
		sl->gen++;
		cr->opened++;
	}
}

static void
crr_client_poll(struct ft_worker *w, void *arg)
{
	struct bench *b = arg;
	struct crr *cr = b->wl_state;
	uint64_t now = ft_worker_now(w);

	if (!cr->time_up && cr->t_first != 0 && now >= cr->deadline) {
		cr->time_up = true;
		cr->t_stop = now;
	}
	open_some(w, cr);
	if (cr->n_starved == 0)
		return;
	for (uint32_t i = 0; i < cr->n; i++) {
		struct crr_slot *sl = &cr->s[i];

		if (!sl->starved)
			continue;
		sl->starved = false;
		cr->n_starved--;
		slot_send(sl);
	}
}

static void
crr_server_poll(struct ft_worker *w, void *arg)
{
	struct bench *b = arg;
	struct crr *cr = b->wl_state;

	bench_rrsrv_poll(&cr->srv);
}

/* ---- setup and report ------------------------------------------------------------------- */

/* The client's table is fixed (CRR_PORTS * EPHEMERAL blocks: fits the default); per slot
 * both stacks take a few blocks and sendmap entries. */
static uint32_t
crr_eal_mem_mb(const struct bench_opts *o)
{
	return 2048 + (uint32_t)((uint64_t)o->conns * 16384 >> 20);
}

static void
crr_stack_conf(const struct bench *b, bool server, struct ft_stack_conf *c)
{
	uint32_t n = b->o.conns;
	/* --lcores-per-side: per worker (the table is), the 4-tuples of its shard: its own
	 * CRR_PORTS server ports and the ephemeral ports that hash to it (copoll.c). */
	uint32_t shards = RTE_MAX(1u, b->o.lcores_per_side);
	uint64_t msg_mbufs = 2 * ((uint64_t)b->o.req_size + b->o.resp_size) / 2048 + 8;

	/* Client: every 4-tuple may sit in TIME-WAIT. Server: slots plus LAST-ACK stragglers.
	 * Only the slots have data in flight: a small sendmap pool and, unless --mbufs is
	 * lower, mbufs for each slot's messages (the 1048576 blocks need the memory). */
	c->tcp_max_conns = server ? 4 * n + 1024 : CRR_PORTS * EPHEMERAL / shards + n + 64;
	c->tcp_sendmap_entries = 64 * n + 65536;
	c->n_mbufs = (uint32_t)RTE_MIN((uint64_t)b->o.mbufs, 16383 + n * msg_mbufs);
}

static int
crr_setup(struct bench *b)
{
	struct crr *cr = calloc(1, sizeof(*cr) + b->o.conns * sizeof(cr->s[0]));
	int rc;

	if (cr == NULL)
		return -ENOMEM;
	b->wl_state = cr;
	cr->b = b;
	cr->n = b->o.conns;
	cr->idle = calloc(cr->n, sizeof(cr->idle[0]));
	cr->line_mem = calloc(3, sizeof(struct bench_hist));
	if (cr->idle == NULL || cr->line_mem == NULL)
		return -ENOMEM;
	cr->line_prev = cr->line_mem;
	cr->line_now = cr->line_mem + 1;
	cr->line_diff = cr->line_mem + 2;
	for (uint32_t i = cr->n; i-- > 0;) {
		cr->s[i].cr = cr;
		cr->s[i].idx = i;
		cr->idle[cr->n_idle++] = i;
	}
	rc = bench_msg_io_init(&cr->io, b->o.resp_size, b->o.req_size, b->o.verify);
	if (rc == 0)
		rc = bench_rrsrv_init(&cr->srv, b, 4 * cr->n + 1024, CRR_PORTS);
	return rc;
}

static uint64_t
load64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* Every slot free, every closing connection over, the server done too. */
static bool
drained(const struct crr *cr)
{
	return __atomic_load_n(&cr->time_up, __ATOMIC_ACQUIRE) &&
	       __atomic_load_n(&cr->n_idle, __ATOMIC_ACQUIRE) == cr->n &&
	       load64(&cr->closing) == 0 && bench_rrsrv_open(&cr->srv) == 0;
}

static void
crr_progress(const struct bench *b, struct bench_progress *p)
{
	struct crr *cr = b->wl_state;
	struct ft_stats cl, sv;
	uint64_t now = rte_rdtsc();

	memset(p, 0, sizeof(*p));
	p->done = (uint32_t)cr->conns;
	p->bytes = cr->conns * (b->o.req_size + b->o.resp_size);
	p->failed = (uint32_t)(cr->failed + cr->close_failed);
	p->t_first = cr->t_first;
	p->t_last = cr->t_stop;
	ft_stack_stats_get(b->client, &cl);
	ft_stack_stats_get(b->server, &sv);
	cr->tw_peak = RTE_MAX(cr->tw_peak, cl.tcp_time_wait);
	if (cr->t_drained == 0 && drained(cr))
		cr->t_drained = now;
	/* Then wait for the TIME-WAIT blocks to expire, or give up and report a leak. */
	p->finished = cr->t_drained != 0 &&
		      ((cl.tcp_conns == 0 && sv.tcp_conns == 0) ||
		       now - cr->t_drained > (b->o.time_wait_ms + DRAIN_SLACK_MS) * (b->hz / 1000));
}

static void
crr_line(const struct bench *b, double t_s)
{
	struct crr *cr = b->wl_state;
	uint64_t now = rte_rdtsc(), conns = cr->conns + cr->late;
	double dt = (double)(now - (cr->line_tsc ? cr->line_tsc : b->t_start)) / (double)b->hz;
	double us = (double)b->hz / 1e6;
	struct bench_hist *h = cr->line_diff, *tmp;
	struct ft_stats cl;

	ft_stack_stats_get(b->client, &cl);
	memcpy(cr->line_now, &cr->hist, sizeof(cr->hist));
	bench_hist_sub(h, cr->line_now, cr->line_prev);
	printf("[%7.2f s] crr %8.0f conn/s  p50 %7.1f us  p99 %7.1f us  p99.9 %7.1f us  "
	       "time-wait %6" PRIu64 "  failed %" PRIu64 "  bad %" PRIu64 "  no-port %" PRIu64
	       "\n", t_s, (double)(conns - cr->line_conns) / dt,
	       (double)bench_hist_quantile(h, 0.5) / us, (double)bench_hist_quantile(h, 0.99) / us,
	       (double)bench_hist_quantile(h, 0.999) / us, cl.tcp_time_wait,
	       cr->failed + cr->close_failed, cr->bad_responses, cr->port_exhausted);
	fflush(stdout);
	tmp = cr->line_prev;
	cr->line_prev = cr->line_now;
	cr->line_now = tmp;
	cr->line_conns = conns;
	cr->line_tsc = now;
}

static void
explain(const struct crr *cr, const struct ft_stats *cl, const struct ft_stats *sv)
{
	if (cr->port_exhausted != 0)
		fprintf(stderr, "fasttcp-bench: crr: %" PRIu64 " connects found no free ephemeral "
			"port: TIME-WAIT (--time-wait-ms %u) holds the %u x %u 4-tuples longer "
			"than this rate allows\n", cr->port_exhausted, cr->b->o.time_wait_ms,
			CRR_PORTS, EPHEMERAL);
	if (cr->table_full != 0 || cr->connect_errors != 0)
		fprintf(stderr, "fasttcp-bench: crr: connects refused: %" PRIu64 " table full, "
			"%" PRIu64 " other\n", cr->table_full, cr->connect_errors);
	if (cl->tcp_conns != 0 || sv->tcp_conns != 0)
		fprintf(stderr, "fasttcp-bench: crr: connection blocks still in use at the end: "
			"client %" PRIu64 " (%" PRIu64 " in TIME-WAIT), server %" PRIu64 "\n",
			cl->tcp_conns, cl->tcp_time_wait, sv->tcp_conns);
}

static bool
crr_report(struct bench *b, FILE *json, bool *verified)
{
	struct crr *cr = b->wl_state;
	uint64_t t0 = cr->t_first, t1 = cr->t_stop;
	double secs = t1 > t0 && t0 != 0 ? (double)(t1 - t0) / (double)b->hz : 0;
	struct ft_stats cl, sv;
	bool srv_ok, ok;

	ft_stack_stats_get(b->client, &cl);
	ft_stack_stats_get(b->server, &sv);
	fprintf(json, ",\"conns\":%u,\"req_size\":%u,\"resp_size\":%u,\"duration_s\":%g,"
		"\"connections\":%" PRIu64 ",\"cps\":%.0f", cr->n, b->o.req_size, b->o.resp_size,
		b->o.duration_s, cr->conns, secs > 0 ? (double)cr->conns / secs : 0.0);
	bench_hist_json(json, &cr->hist, b->hz);
	fprintf(json, ",\"opened\":%" PRIu64 ",\"failed\":%" PRIu64 ",\"close_failed\":%" PRIu64
		",\"bad_responses\":%" PRIu64 ",\"port_exhausted\":%" PRIu64 ",\"table_full\":%"
		PRIu64 ",\"connect_errors\":%" PRIu64 ",\"server_ports\":%u,\"time_wait_ms\":%u,"
		"\"time_wait_peak\":%" PRIu64 ",\"time_wait_reused\":%" PRIu64
		",\"client_tcp_conns_end\":%" PRIu64 ",\"server_tcp_conns_end\":%" PRIu64,
		cr->opened, cr->failed, cr->close_failed, cr->bad_responses, cr->port_exhausted,
		cr->table_full, cr->connect_errors, CRR_PORTS, b->o.time_wait_ms, cr->tw_peak,
		cl.tcp_time_wait_reused + sv.tcp_time_wait_reused, cl.tcp_conns, sv.tcp_conns);
	srv_ok = bench_rrsrv_report(&cr->srv, json);
	ok = srv_ok && cr->conns > 0 && cr->failed == 0 && cr->close_failed == 0 &&
	     cr->bad_responses == 0 && cr->port_exhausted == 0 && cr->table_full == 0 &&
	     cr->connect_errors == 0 && cl.tcp_conns == 0 && sv.tcp_conns == 0;
	if (!ok)
		explain(cr, &cl, &sv);
	*verified = false;
	return ok;
}

static void
crr_teardown(struct bench *b)
{
	struct crr *cr = b->wl_state;

	if (cr == NULL)
		return;
	bench_rrsrv_fini(&cr->srv);
	bench_msg_io_fini(&cr->io);
	free(cr->line_mem);
	free(cr->idle);
	free(cr);
	b->wl_state = NULL;
}

const struct bench_workload bench_crr = {
	.name = "crr",
	.summary = "connect, request, response, close in a loop: connections/s",
	.default_conns = 64,
	.default_duration_s = 10,
	.eal_mem_mb = crr_eal_mem_mb,
	.stack_conf = crr_stack_conf,
	.setup = crr_setup,
	.client_poll = crr_client_poll,
	.server_poll = crr_server_poll,
	.progress = crr_progress,
	.line = crr_line,
	.report = crr_report,
	.teardown = crr_teardown,
};
