/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rr workload (request/response, netperf TCP_RR style): --conns connections, each in a
 * closed loop: send a request of --req-size bytes, wait for the whole response of --resp-size
 * bytes, send the next one. All connections are opened first (paced: at most OPEN_BURST
 * per poll and OPEN_WINDOW handshakes at once, so that handshakes do not queue behind
 * transactions), then the loops start, OPEN_BURST per poll (a burst of --conns requests
 * would overflow the 1024-descriptor ring). --duration after all were established the loops
 * stop: each connection closes after its outstanding response. Reports transactions/s over
 * [all connections established, deadline] and the latency (request started to response
 * complete, rte_rdtsc() on the client worker) from an
 * HDR-like histogram (hist.h): p50, p99, p99.9. Every response's tag (connection << 32 |
 * request number) is checked, and its bytes with --verify full (reqresp.h); a bad response
 * resets the connection and fails the run.
 * Not here: the message format and the server (reqresp.c).
 *
 * Threads: struct rr_conn and the client counters are written only by the client worker;
 * the main thread reads the counters and copies the histogram (racy, see hist.h).
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

#define OPEN_BURST 64   /* connects per poll */
#define OPEN_WINDOW 512 /* handshakes in flight (the server's SYN backlog is 1024); one
			 * until the first is established: ARP holds only 8 packets per
			 * unresolved next hop (arp_queue_len) and drops the rest */

enum rr_state { RR_NEW, RR_CONNECTING, RR_READY, RR_ACTIVE, RR_CLOSING, RR_DONE };

struct rr;

struct rr_conn {
	struct rr *rr;
	struct ft_conn *c;
	struct bench_msg_rx rx;
	struct bench_msg_tx tx;
	uint64_t t_req;          /* TSC the outstanding request was started */
	uint32_t idx, reqno;
	uint8_t state;           /* enum rr_state */
	bool ok;                 /* closed normally after its last response */
	bool starved;
	int reason;              /* enum ft_close_reason, or -errno of a failed connect */
};

struct rr {
	struct bench *b;
	struct bench_rrsrv srv;      /* the server worker's */
	/* client worker */
	struct bench_msg_io io;
	uint32_t n, next_open, connecting, next_start, n_starved;
	bool all_up, time_up;
	uint64_t deadline;           /* --duration after all connections were established */
	/* client worker writes, main thread reads */
	uint64_t t_first, t_stop;    /* all established; deadline */
	uint32_t established, done_ok, done_failed;
	uint64_t transactions;       /* completed before the deadline */
	uint64_t late;               /* completed after it (each connection's last one) */
	uint64_t bad_responses;
	uint64_t connect_errors;
	struct bench_hist hist;      /* request started -> response complete, TSC cycles */
	/* main thread: the live lines */
	struct bench_hist *line_mem; /* the three below */
	struct bench_hist *line_prev, *line_now, *line_diff;
	uint64_t line_trans, line_tsc;
	struct rr_conn c[];
};

static uint16_t
n_ports(uint32_t conns)
{
	return (uint16_t)((conns + BENCH_CONNS_PER_PORT - 1) / BENCH_CONNS_PER_PORT);
}

/* ---- client ------------------------------------------------------------------------------ */

static void
conn_send(struct rr_conn *rc)
{
	struct rr *rr = rc->rr;

	if (bench_msg_tx_push(&rr->io, rc->c, &rc->tx) == -ENOBUFS && !rc->starved) {
		rc->starved = true;
		rr->n_starved++;
	}
}

static void
conn_request(struct rr_conn *rc)
{
	rc->tx = (struct bench_msg_tx){ .tag = (uint64_t)rc->idx << 32 | rc->reqno };
	rc->t_req = rte_rdtsc();
	conn_send(rc);
}

static void
conn_close(struct rr_conn *rc)
{
	rc->state = RR_CLOSING;
	ft_conn_close(rc->c);
}

/* A whole response arrived. @return -1 when the connection is closing or reset. */
static int
conn_response(struct rr_conn *rc)
{
	struct rr *rr = rc->rr;
	uint64_t now = rte_rdtsc();

	if (rc->rx.bad || bench_msg_rx_tag(&rc->rx) != rc->tx.tag ||
	    rc->tx.off != rr->io.tx_size) {
		rr->bad_responses++;
		ft_conn_abort(rc->c);
		return -1;
	}
	bench_hist_add(&rr->hist, now - rc->t_req);
	if (rr->time_up)
		rr->late++;
	else
		rr->transactions++;
	rc->reqno++;
	bench_msg_rx_reset(&rc->rx);
	if (rr->time_up) {
		conn_close(rc);
		return -1;
	}
	conn_request(rc);
	return 0;
}

static int
conn_take(struct rr_conn *rc, const uint8_t *p, uint32_t len)
{
	while (len > 0) {
		uint32_t n = bench_msg_rx_feed(&rc->rr->io, &rc->rx, p, len);

		p += n;
		len -= n;
		if (rc->rx.off == rc->rr->io.rx_size && conn_response(rc) < 0)
			return -1;
	}
	return 0;
}

static void
client_readable(struct ft_conn *c, void *arg)
{
	struct rr_conn *rc = arg;
	struct rte_mbuf *m;

	if (rc->state == RR_READY) { /* the server spoke first */
		rc->rr->bad_responses++;
		ft_conn_abort(c);
		return;
	}
	while (rc->state == RR_ACTIVE && (m = ft_conn_recv(c, SIZE_MAX)) != NULL) {
		for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
			if (conn_take(rc, rte_pktmbuf_mtod(s, const uint8_t *), s->data_len) < 0)
				break;
		}
		rte_pktmbuf_free(m);
	}
	if (rc->state == RR_ACTIVE && ft_conn_eof(c)) { /* the server must not close first */
		rc->rr->bad_responses++;
		ft_conn_abort(c);
	}
}

static void
client_writable(struct ft_conn *c, void *arg)
{
	struct rr_conn *rc = arg;

	if (rc->state == RR_ACTIVE)
		conn_send(rc);
}

static void
client_established(struct ft_conn *c, void *arg)
{
	struct rr_conn *rc = arg;
	struct rr *rr = rc->rr;

	rr->connecting--;
	rr->established++;
	rc->state = RR_READY;
	ft_conn_set_nodelay(c, 1);
}

static void
client_closed(struct ft_conn *c, enum ft_close_reason reason, void *arg)
{
	struct rr_conn *rc = arg;
	struct rr *rr = rc->rr;

	if (rc->state == RR_CONNECTING)
		rr->connecting--;
	rc->ok = rc->state == RR_CLOSING && reason == FT_CLOSE_NORMAL;
	rc->reason = (int)reason;
	rc->state = RR_DONE;
	rc->c = NULL;
	if (rc->starved)
		rr->n_starved--;
	rc->starved = false;
	if (rc->ok)
		rr->done_ok++;
	else
		rr->done_failed++;
}

static const struct ft_conn_ops client_ops = {
	.established = client_established,
	.readable = client_readable,
	.writable = client_writable,
	.closed = client_closed,
};

static void
open_some(struct ft_worker *w, struct rr *rr)
{
	uint32_t window = rr->established == 0 ? 1 : OPEN_WINDOW;

	for (int k = 0; k < OPEN_BURST && rr->next_open < rr->n && rr->connecting < window; k++) {
		struct rr_conn *rc = &rr->c[rr->next_open++];
		uint16_t port = (uint16_t)(rr->b->port_base + rc->idx / BENCH_CONNS_PER_PORT);

		rc->state = RR_CONNECTING;
		rr->connecting++;
		rc->c = ft_tcp_connect(w, BENCH_SERVER_IP, port, &client_ops, rc);
		if (rc->c != NULL)
			continue;
		rc->reason = -rte_errno;
		rc->state = RR_DONE;
		rr->connecting--;
		rr->connect_errors++;
		rr->done_failed++;
	}
}

/* Start the loops of established connections. */
static void
start_some(struct rr *rr)
{
	for (int k = 0; k < OPEN_BURST && rr->next_start < rr->n; k++) {
		struct rr_conn *rc = &rr->c[rr->next_start++];

		if (rc->state != RR_READY)
			continue; /* its connect failed */
		rc->state = RR_ACTIVE;
		conn_request(rc);
	}
}

/* The deadline: running loops end after their outstanding response; connections whose loop
 * did not start yet (a --duration shorter than the start) close at once. */
static void
time_up(struct rr *rr, uint64_t now)
{
	rr->time_up = true;
	rr->t_stop = now;
	while (rr->next_start < rr->n) {
		struct rr_conn *rc = &rr->c[rr->next_start++];

		if (rc->state == RR_READY)
			conn_close(rc);
	}
}

static void
rr_client_poll(struct ft_worker *w, void *arg)
{
	struct bench *b = arg;
	struct rr *rr = b->wl_state;
	uint64_t now = ft_worker_now(w);

	open_some(w, rr);
	if (!rr->all_up && rr->next_open == rr->n && rr->connecting == 0) {
		rr->all_up = true;
		rr->t_first = rte_rdtsc();
		rr->deadline = rr->t_first + (uint64_t)(b->o.duration_s * (double)b->hz);
	}
	if (!rr->all_up)
		return;
	if (!rr->time_up && now >= rr->deadline)
		time_up(rr, now);
	if (!rr->time_up)
		start_some(rr);
	if (rr->n_starved == 0)
		return;
	for (uint32_t i = 0; i < rr->n; i++) {
		struct rr_conn *rc = &rr->c[i];

		if (!rc->starved)
			continue;
		rc->starved = false;
		rr->n_starved--;
		conn_send(rc);
	}
}

static void
rr_server_poll(struct ft_worker *w, void *arg)
{
	struct bench *b = arg;
	struct rr *rr = b->wl_state;

	bench_rrsrv_poll(&rr->srv);
}

/* ---- setup and report ------------------------------------------------------------------- */

/* Two stacks of --conns connections (~1.5 KiB each with the sendmap share) and the app's. */
static uint32_t
rr_eal_mem_mb(const struct bench_opts *o)
{
	return 1024 + (uint32_t)((uint64_t)o->conns * 4096 >> 20);
}

static void
rr_stack_conf(const struct bench *b, bool server, struct ft_stack_conf *c)
{
	c->tcp_max_conns = b->o.conns + 64;
}

static int
rr_setup(struct bench *b)
{
	struct rr *rr = calloc(1, sizeof(*rr) + b->o.conns * sizeof(rr->c[0]));
	int rc;

	if (rr == NULL)
		return -ENOMEM;
	b->wl_state = rr;
	rr->b = b;
	rr->n = b->o.conns;
	for (uint32_t i = 0; i < rr->n; i++) {
		rr->c[i].rr = rr;
		rr->c[i].idx = i;
	}
	rr->line_mem = calloc(3, sizeof(struct bench_hist));
	if (rr->line_mem == NULL)
		return -ENOMEM;
	rr->line_prev = rr->line_mem;
	rr->line_now = rr->line_mem + 1;
	rr->line_diff = rr->line_mem + 2;
	rc = bench_msg_io_init(&rr->io, b->o.resp_size, b->o.req_size, b->o.verify);
	if (rc == 0)
		rc = bench_rrsrv_init(&rr->srv, b, rr->n + 64, n_ports(rr->n));
	return rc;
}

static bool
client_done(const struct rr *rr)
{
	return __atomic_load_n(&rr->done_ok, __ATOMIC_ACQUIRE) +
	       __atomic_load_n(&rr->done_failed, __ATOMIC_ACQUIRE) == rr->n;
}

static void
rr_progress(const struct bench *b, struct bench_progress *p)
{
	const struct rr *rr = b->wl_state;

	memset(p, 0, sizeof(*p));
	p->done = (uint32_t)rr->transactions;
	p->bytes = rr->transactions * (b->o.req_size + b->o.resp_size);
	p->failed = rr->done_failed;
	p->t_first = rr->t_first;
	p->t_last = rr->t_stop;
	/* Over when every client connection closed and the server saw its last ACKs. */
	p->finished = client_done(rr) && bench_rrsrv_open(&rr->srv) == 0;
}

static void
rr_line(const struct bench *b, double t_s)
{
	struct rr *rr = b->wl_state;
	uint64_t now = rte_rdtsc(), trans = rr->transactions + rr->late;
	double dt = (double)(now - (rr->line_tsc ? rr->line_tsc : b->t_start)) / (double)b->hz;
	double us = (double)b->hz / 1e6;
	struct bench_hist *h = rr->line_diff, *tmp;

	memcpy(rr->line_now, &rr->hist, sizeof(rr->hist));
	bench_hist_sub(h, rr->line_now, rr->line_prev);
	printf("[%7.2f s] rr %9.0f trans/s  p50 %7.1f us  p99 %7.1f us  p99.9 %7.1f us  "
	       "conns %u/%u  failed %u  bad %" PRIu64 "\n", t_s,
	       (double)(trans - rr->line_trans) / dt, (double)bench_hist_quantile(h, 0.5) / us,
	       (double)bench_hist_quantile(h, 0.99) / us,
	       (double)bench_hist_quantile(h, 0.999) / us, rr->established, rr->n,
	       rr->done_failed, rr->bad_responses);
	fflush(stdout);
	tmp = rr->line_prev;
	rr->line_prev = rr->line_now;
	rr->line_now = tmp;
	rr->line_trans = trans;
	rr->line_tsc = now;
}

static void
explain_failures(const struct rr *rr)
{
	uint32_t shown = 0;

	for (uint32_t i = 0; i < rr->n && shown < 10; i++) {
		const struct rr_conn *rc = &rr->c[i];

		if (rc->ok)
			continue;
		shown++;
		fprintf(stderr, "fasttcp-bench: rr connection %u failed: state %u, reason %d, "
			"%u transactions\n", i, rc->state, rc->reason, rc->reqno);
	}
}

static bool
rr_report(struct bench *b, FILE *json, bool *verified)
{
	struct rr *rr = b->wl_state;
	uint64_t t0 = rr->t_first, t1 = rr->t_stop;
	double secs = t1 > t0 && t0 != 0 ? (double)(t1 - t0) / (double)b->hz : 0;
	bool srv_ok;

	fprintf(json, ",\"conns\":%u,\"req_size\":%u,\"resp_size\":%u,\"duration_s\":%g,"
		"\"transactions\":%" PRIu64 ",\"tps\":%.0f", rr->n, b->o.req_size,
		b->o.resp_size, b->o.duration_s, rr->transactions,
		secs > 0 ? (double)rr->transactions / secs : 0.0);
	bench_hist_json(json, &rr->hist, b->hz);
	fprintf(json, ",\"conns_established\":%u,\"conns_ok\":%u,\"conns_failed\":%u,"
		"\"bad_responses\":%" PRIu64 ",\"connect_errors\":%" PRIu64, rr->established,
		rr->done_ok, rr->done_failed, rr->bad_responses, rr->connect_errors);
	srv_ok = bench_rrsrv_report(&rr->srv, json);
	if (rr->done_ok != rr->n)
		explain_failures(rr);
	*verified = false;
	return rr->done_ok == rr->n && rr->bad_responses == 0 && rr->transactions > 0 && srv_ok;
}

static void
rr_teardown(struct bench *b)
{
	struct rr *rr = b->wl_state;

	if (rr == NULL)
		return;
	bench_rrsrv_fini(&rr->srv);
	bench_msg_io_fini(&rr->io);
	free(rr->line_mem);
	free(rr);
	b->wl_state = NULL;
}

const struct bench_workload bench_rr = {
	.name = "rr",
	.summary = "closed-loop request/response on many connections: transactions/s, latency",
	.default_conns = 1000,
	.default_duration_s = 10,
	.eal_mem_mb = rr_eal_mem_mb,
	.stack_conf = rr_stack_conf,
	.setup = rr_setup,
	.client_poll = rr_client_poll,
	.server_poll = rr_server_poll,
	.progress = rr_progress,
	.line = rr_line,
	.report = rr_report,
	.teardown = rr_teardown,
};
