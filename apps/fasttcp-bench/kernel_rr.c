/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rr workload over kernel sockets (--kernel), the same application behaviour as rr.c:
 * --conns connections to ports BENCH_PORT + i / BENCH_CONNS_PER_PORT, opened at the start
 * (at most OPEN_BURST connect()s per loop iteration and OPEN_WINDOW handshakes at once), each
 * in a closed loop once established (TCP_NODELAY): send a request of --req-size bytes with
 * the tag connection << 32 | request number, wait for the whole response of --resp-size
 * bytes, check its tag (and bytes, --verify full), send the next one. At --duration the
 * loops stop; each connection closes after its outstanding response. Transactions/s over
 * [first connection established, deadline] and the latency (request started to response
 * complete, rte_rdtsc() as rr.c) in the same histogram (hist.h). The server is
 * kernel_reqresp.c's.
 * Not here: the namespaces, threads and report (kernel.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "hist.h"
#include "kernel_int.h"
#include "reqresp.h"

#define OPEN_BURST 64   /* as rr.c */
#define OPEN_WINDOW 512
#define RECV_BYTES (64u << 10)

enum krr_state { KRR_NEW, KRR_CONNECTING, KRR_ACTIVE, KRR_DONE };

struct krr_conn {
	int fd;
	uint32_t idx, reqno;
	uint8_t state;           /* enum krr_state */
	bool want_out;
	bool ok;                 /* closed after its last response */
	int err;
	uint64_t t_req;          /* TSC the outstanding request was started */
	struct bench_msg_rx rx;
	struct bench_msg_tx tx;
};

/* The client side (k->s[KS_CLIENT].wl). */
struct krr {
	struct bench_msg_io io;  /* responses in, requests out */
	uint8_t *buf;
	uint32_t n, next_open, connecting;
	bool time_up;
	uint64_t deadline, t_first, t_stop; /* TSC */
	uint32_t established, done_ok, done_failed;
	uint64_t transactions;   /* completed before the deadline */
	uint64_t late;           /* after it (each connection's last one) */
	uint64_t bad_responses, connect_errors;
	struct bench_hist hist;  /* request started -> response complete, TSC cycles */
	struct krr_conn c[];
};

static void
conn_done(struct krr *rr, struct krr_conn *rc, int err, bool reset)
{
	if (rc->state == KRR_CONNECTING)
		rr->connecting--;
	if (rc->fd >= 0 && reset)
		bench_kernel_abort(rc->fd);
	else if (rc->fd >= 0)
		close(rc->fd);
	rc->fd = -1;
	rc->err = err;
	rc->ok = err == 0;
	rc->state = KRR_DONE;
	if (rc->ok)
		rr->done_ok++;
	else
		rr->done_failed++;
}

static void
conn_send(struct krr *rr, struct krr_conn *rc, int ep)
{
	int rc_send = bench_kernel_msg_send(&rr->io, rc->fd, &rc->tx);
	bool out = rc_send == 1;
	struct epoll_event ev = { .events = EPOLLIN | (out ? EPOLLOUT : 0), .data.ptr = rc };

	if (rc_send < 0)
		return conn_done(rr, rc, -rc_send, false);
	if (out != rc->want_out) {
		rc->want_out = out;
		if (epoll_ctl(ep, EPOLL_CTL_MOD, rc->fd, &ev) < 0)
			conn_done(rr, rc, errno, true);
	}
}

static void
conn_request(struct krr *rr, struct krr_conn *rc, int ep)
{
	rc->tx = (struct bench_msg_tx){ .tag = (uint64_t)rc->idx << 32 | rc->reqno };
	rc->t_req = rte_rdtsc();
	conn_send(rr, rc, ep);
}

/* A whole response arrived. @return -1 when the connection is over. */
static int
conn_response(struct krr *rr, struct krr_conn *rc, int ep)
{
	if (rc->rx.bad || bench_msg_rx_tag(&rc->rx) != rc->tx.tag ||
	    rc->tx.off != rr->io.tx_size) {
		rr->bad_responses++;
		conn_done(rr, rc, EPROTO, true);
		return -1;
	}
	bench_hist_add(&rr->hist, rte_rdtsc() - rc->t_req);
	if (rr->time_up)
		rr->late++;
	else
		rr->transactions++;
	rc->reqno++;
	bench_msg_rx_reset(&rc->rx);
	if (rr->time_up) {
		conn_done(rr, rc, 0, false);
		return -1;
	}
	conn_request(rr, rc, ep);
	return rc->state == KRR_ACTIVE ? 0 : -1;
}

static void
conn_read(struct krr *rr, struct krr_conn *rc, int ep)
{
	ssize_t n = recv(rc->fd, rr->buf, RECV_BYTES, 0);
	const uint8_t *p = rr->buf;

	if (n == 0) { /* the server must not close first */
		rr->bad_responses++;
		return conn_done(rr, rc, EPROTO, true);
	}
	if (n < 0) {
		if (errno != EAGAIN)
			conn_done(rr, rc, errno, false);
		return;
	}
	while (n > 0) {
		uint32_t used = bench_msg_rx_feed(&rr->io, &rc->rx, p, (uint32_t)n);

		p += used;
		n -= used;
		if (rc->rx.off == rr->io.rx_size && conn_response(rr, rc, ep) < 0)
			return;
	}
}

static void
conn_established(struct kside *s, struct krr *rr, struct krr_conn *rc, int ep)
{
	int err = bench_kernel_sock_error(rc->fd), one = 1;

	if (err != 0)
		return conn_done(rr, rc, err, false);
	rr->connecting--;
	rr->established++;
	if (rr->t_first == 0)
		rr->t_first = rte_rdtsc();
	rc->state = KRR_ACTIVE;
	rc->want_out = true;
	bench_kernel_note_tcp_info(s, rc->fd);
	setsockopt(rc->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (rr->time_up)
		return conn_done(rr, rc, 0, false);
	conn_request(rr, rc, ep);
}

/* An event for @p rc; stale ones (the connection ended earlier in the batch) are ignored. */
static void
conn_event(struct kside *s, struct krr_conn *rc, uint32_t events, int ep)
{
	struct krr *rr = s->wl;

	if (rc->state == KRR_CONNECTING)
		return conn_established(s, rr, rc, ep);
	if (rc->state != KRR_ACTIVE)
		return;
	if (events & EPOLLOUT)
		conn_send(rr, rc, ep);
	if (rc->state == KRR_ACTIVE && (events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		conn_read(rr, rc, ep);
}

static void
open_some(struct kside *s, struct krr *rr, int ep)
{
	for (int i = 0; i < OPEN_BURST && rr->next_open < rr->n && rr->connecting < OPEN_WINDOW;
	     i++) {
		struct krr_conn *rc = &rr->c[rr->next_open++];
		uint16_t port = (uint16_t)(BENCH_PORT + rc->idx / BENCH_CONNS_PER_PORT), lport;
		int fd;

		/* EPOLLOUT: connected; EPOLLIN stays once the first request is out */
		fd = bench_kernel_connect(s->k->o, port, ep, EPOLLIN | EPOLLOUT, (uintptr_t)rc,
					  &lport);
		if (fd < 0) {
			rr->connect_errors++;
			conn_done(rr, rc, -fd, false);
			continue;
		}
		rc->fd = fd;
		rc->state = KRR_CONNECTING;
		rr->connecting++;
	}
}

/* The deadline: running loops end after their outstanding response; connections not yet
 * opened never will be. */
static void
time_up(struct krr *rr, uint64_t now)
{
	rr->time_up = true;
	rr->t_stop = now;
	while (rr->next_open < rr->n)
		conn_done(rr, &rr->c[rr->next_open++], ETIMEDOUT, false);
}

static int
rr_client(struct kside *s)
{
	struct krr *rr = s->wl;
	const struct bench *b = s->k->b;
	struct epoll_event ev[K_EVENTS];
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		return -errno;
	rr->deadline = rte_rdtsc() + (uint64_t)(b->o.duration_s * (double)b->hz);
	while (rr->done_ok + rr->done_failed < rr->n && !bench_kernel_stopped(s->k)) {
		int m;

		open_some(s, rr, ep);
		m = epoll_wait(ep, ev, K_EVENTS, s->k->wait_ms);
		if (!rr->time_up && rte_rdtsc() >= rr->deadline)
			time_up(rr, rte_rdtsc());
		for (int i = 0; i < m; i++)
			conn_event(s, ev[i].data.ptr, ev[i].events, ep);
		bench_kernel_progress(s, rr->transactions + rr->late);
	}
	for (uint32_t i = 0; i < rr->n; i++)
		if (rr->c[i].state != KRR_DONE)
			conn_done(rr, &rr->c[i], ECANCELED, true);
	close(ep);
	return 0;
}

/* ---- setup and report -------------------------------------------------------------------- */

static int
rr_setup(struct bench_kernel *k)
{
	uint32_t n = k->o->conns;
	struct krr *rr = calloc(1, sizeof(*rr) + n * sizeof(rr->c[0]));
	int rc;

	k->s[KS_CLIENT].wl = rr;
	if (rr == NULL)
		return -ENOMEM;
	rr->n = n;
	for (uint32_t i = 0; i < n; i++) {
		rr->c[i].fd = -1;
		rr->c[i].idx = i;
	}
	rr->buf = malloc(RECV_BYTES);
	rc = bench_msg_io_init(&rr->io, k->o->resp_size, k->o->req_size, k->o->verify);
	if (rc < 0 || rr->buf == NULL)
		return -ENOMEM;
	return bench_kernel_rrsrv_setup(k, n + 64,
		(uint16_t)((n + BENCH_CONNS_PER_PORT - 1) / BENCH_CONNS_PER_PORT));
}

static double
rr_seconds(const struct bench_kernel *k)
{
	const struct krr *rr = k->s[KS_CLIENT].wl;

	return rr->t_stop > rr->t_first && rr->t_first != 0 ?
	       (double)(rr->t_stop - rr->t_first) / (double)k->b->hz : 0;
}

static void
rr_result(struct bench_kernel *k)
{
	const struct krr *rr = k->s[KS_CLIENT].wl;
	uint32_t shown = 0;

	k->units = rr->transactions;
	k->ok = rr->done_ok == rr->n && rr->bad_responses == 0 && rr->transactions > 0 &&
		bench_kernel_rrsrv_ok(k);
	for (uint32_t i = 0; i < rr->n && shown < 10; i++) {
		if (rr->c[i].ok)
			continue;
		shown++;
		fprintf(stderr, "fasttcp-bench: kernel rr connection %u failed: %s, %u "
			"transactions\n", i, strerror(rr->c[i].err), rr->c[i].reqno);
	}
}

static void
rr_json(const struct bench_kernel *k, FILE *f)
{
	const struct krr *rr = k->s[KS_CLIENT].wl;
	double secs = rr_seconds(k);

	fprintf(f, ",\"conns\":%u,\"req_size\":%u,\"resp_size\":%u,\"duration_s\":%g,"
		"\"transactions\":%" PRIu64 ",\"tps\":%.0f", rr->n, k->o->req_size,
		k->o->resp_size, k->o->duration_s, rr->transactions,
		secs > 0 ? (double)rr->transactions / secs : 0.0);
	bench_hist_json(f, &rr->hist, k->b->hz);
	fprintf(f, ",\"conns_established\":%u,\"conns_ok\":%u,\"conns_failed\":%u,"
		"\"bad_responses\":%" PRIu64 ",\"connect_errors\":%" PRIu64 ",\"retrans_segs\":%"
		PRIu64, rr->established, rr->done_ok, rr->done_failed, rr->bad_responses,
		rr->connect_errors, k->s[KS_CLIENT].retrans);
	bench_kernel_rrsrv_json(k, f);
}

static double
rr_figure(const struct bench_kernel *k)
{
	double secs = rr_seconds(k);

	return secs > 0 ? (double)k->units / secs : 0;
}

/* rr.c's progress: bytes = transactions * (req + resp), over [t_first, t_stop]. */
static uint64_t
rr_ft_units(const struct bench *b, const struct bench_progress *p)
{
	return p->bytes / ((uint64_t)b->o.req_size + b->o.resp_size);
}

static double
rr_ft_figure(const struct bench *b, const struct bench_progress *p, double secs)
{
	return secs > 0 ? (double)rr_ft_units(b, p) / secs : 0;
}

static void
rr_teardown(struct bench_kernel *k)
{
	struct krr *rr = k->s[KS_CLIENT].wl;

	bench_kernel_rrsrv_teardown(k);
	if (rr == NULL)
		return;
	for (uint32_t i = 0; i < rr->n; i++)
		if (rr->c[i].fd >= 0)
			close(rr->c[i].fd);
	bench_msg_io_fini(&rr->io);
	free(rr->buf);
	free(rr);
	k->s[KS_CLIENT].wl = NULL;
}

const struct kwl bench_kernel_rr = {
	.name = "rr",
	.ratio_of = "tps",
	.line_unit = "trans/s",
	.line_scale = 1,
	.setup = rr_setup,
	.run = { [KS_SERVER] = bench_kernel_rrsrv_run, [KS_CLIENT] = rr_client },
	.result = rr_result,
	.json = rr_json,
	.figure = rr_figure,
	.ft_figure = rr_ft_figure,
	.ft_units = rr_ft_units,
	.teardown = rr_teardown,
};
