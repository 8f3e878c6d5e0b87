/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The crr workload over kernel sockets (--kernel), the same application behaviour as crr.c:
 * --conns slots, each in a loop: connect (non-blocking, to the CRR_PORTS server ports in
 * turn), send one request of --req-size bytes (TCP_NODELAY) tagged slot << 32 | generation,
 * read the --resp-size response, check its tag (and bytes, --verify full), close(), connect
 * again (at most OPEN_BURST connect()s per loop iteration), for --duration. close() returns at
 * once and the kernel finishes the FIN exchange: the slot is free right away, as in crr.c.
 * Connections/s over [first established, deadline] and the connection latency (connect() to
 * response complete, rte_rdtsc()) in the histogram of hist.h. The server is kernel_reqresp.c's.
 *
 * TIME-WAIT stays on the client, which closes first. Linux's lasts 60 s (not tunable); the
 * client namespace has net.ipv4.tcp_tw_reuse = 1 (kernel_netns.c), so connect() reuses a
 * TIME-WAIT 4-tuple once it is tcp_tw_reuse_delay (1 s) old - the kernel's counterpart of
 * libfasttcp's --time-wait-ms 1000 - and libfasttcp's ephemeral range, 49152-65535. What the
 * kernel does after close() (a reset during the FIN exchange) is not seen: crr.c's
 * close_failed has no counterpart here.
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

#define CRR_PORTS 64     /* as crr.c */
#define OPEN_BURST 64
#define RECV_BYTES (64u << 10)

struct kcrr_slot {
	int fd;                  /* -1: free (its index is on the idle stack) */
	uint32_t idx, gen;
	bool connected, want_out;
	uint64_t t_open;         /* TSC of connect() */
	struct bench_msg_rx rx;
	struct bench_msg_tx tx;
};

/* The client side (k->s[KS_CLIENT].wl). */
struct kcrr {
	struct bench_msg_io io;  /* responses in, requests out */
	uint8_t *buf;
	uint32_t n;
	uint32_t *idle, n_idle;
	uint32_t next_port;
	bool time_up;
	uint64_t deadline, t_first, t_stop; /* TSC */
	uint64_t opened;
	uint64_t conns;          /* completed (response checked) before the deadline */
	uint64_t late;           /* after it */
	uint64_t failed;         /* ended before the response: refused, reset, timeout */
	uint64_t bad_responses;
	uint64_t port_exhausted; /* connect(): EADDRNOTAVAIL */
	uint64_t connect_errors; /* connect(): anything else */
	struct bench_hist hist;  /* connect() -> response complete, TSC cycles */
	struct kcrr_slot s[];
};

/* What the slot's epoll entry carries: its index and generation, so that an event left from
 * the slot's previous connection (freed and reconnected earlier in the same batch) is seen
 * for what it is. */
static uint64_t
slot_key(const struct kcrr_slot *sl)
{
	return (uint64_t)sl->gen << 32 | sl->idx;
}

static void
slot_free(struct kcrr *cr, struct kcrr_slot *sl, bool reset)
{
	if (reset)
		bench_kernel_abort(sl->fd);
	else
		close(sl->fd);
	sl->fd = -1;
	cr->idle[cr->n_idle++] = sl->idx;
}

static void
slot_fail(struct kcrr *cr, struct kcrr_slot *sl)
{
	cr->failed++;
	slot_free(cr, sl, false);
}

static void
slot_send(struct kcrr *cr, struct kcrr_slot *sl, int ep)
{
	int rc = bench_kernel_msg_send(&cr->io, sl->fd, &sl->tx);
	bool out = rc == 1;
	struct epoll_event ev = { .events = EPOLLIN | (out ? EPOLLOUT : 0),
				  .data.u64 = slot_key(sl) };

	if (rc < 0)
		return slot_fail(cr, sl);
	if (out != sl->want_out) {
		sl->want_out = out;
		if (epoll_ctl(ep, EPOLL_CTL_MOD, sl->fd, &ev) < 0)
			slot_fail(cr, sl);
	}
}

/* The response is complete: check, count, close. The slot is free again either way. */
static void
slot_response(struct kcrr *cr, struct kcrr_slot *sl)
{
	if (sl->rx.bad || bench_msg_rx_tag(&sl->rx) != sl->tx.tag ||
	    sl->tx.off != cr->io.tx_size) {
		cr->bad_responses++;
		return slot_free(cr, sl, true);
	}
	bench_hist_add(&cr->hist, rte_rdtsc() - sl->t_open);
	if (cr->time_up)
		cr->late++;
	else
		cr->conns++;
	slot_free(cr, sl, false);
}

static void
slot_read(struct kcrr *cr, struct kcrr_slot *sl)
{
	ssize_t n = recv(sl->fd, cr->buf, RECV_BYTES, 0);
	const uint8_t *p = cr->buf;

	if (n == 0) { /* the server closed before answering */
		cr->bad_responses++;
		return slot_free(cr, sl, true);
	}
	if (n < 0) {
		if (errno != EAGAIN)
			slot_fail(cr, sl);
		return;
	}
	/* One request is outstanding: whatever comes beyond its response is bad (rx_feed
	 * takes at most the rest of it; the server never sends more). */
	n -= bench_msg_rx_feed(&cr->io, &sl->rx, p, (uint32_t)n);
	if (n > 0) {
		cr->bad_responses++;
		return slot_free(cr, sl, true);
	}
	if (sl->rx.off == cr->io.rx_size)
		slot_response(cr, sl);
}

static void
slot_established(struct kside *s, struct kcrr *cr, struct kcrr_slot *sl, int ep)
{
	int one = 1;

	if (bench_kernel_sock_error(sl->fd) != 0)
		return slot_fail(cr, sl);
	sl->connected = true;
	if (cr->t_first == 0)
		cr->t_first = rte_rdtsc();
	if (s->mss == 0)
		bench_kernel_note_tcp_info(s, sl->fd);
	setsockopt(sl->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	sl->tx = (struct bench_msg_tx){ .tag = (uint64_t)sl->idx << 32 | sl->gen };
	slot_send(cr, sl, ep);
}

/* An event for the slot of @p key; stale ones (another generation, or the slot is free) are
 * ignored. */
static void
slot_event(struct kside *s, uint64_t key, uint32_t events, int ep)
{
	struct kcrr *cr = s->wl;
	struct kcrr_slot *sl = &cr->s[(uint32_t)key];

	if (sl->fd < 0 || slot_key(sl) != key)
		return;
	if (!sl->connected) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			slot_established(s, cr, sl, ep);
		return;
	}
	if (events & EPOLLOUT)
		slot_send(cr, sl, ep);
	if (sl->fd >= 0 && (events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		slot_read(cr, sl);
}

/* Connect free slots; a refusal is counted and retried at the next iteration. */
static void
open_some(struct kside *s, struct kcrr *cr, int ep)
{
	for (int i = 0; i < OPEN_BURST && cr->n_idle > 0 && !cr->time_up; i++) {
		struct kcrr_slot *sl = &cr->s[cr->idle[cr->n_idle - 1]];
		uint16_t port = (uint16_t)(BENCH_PORT + cr->next_port), lport;
		int fd;

		bench_msg_rx_reset(&sl->rx);
		sl->tx = (struct bench_msg_tx){ .off = cr->io.tx_size };
		sl->connected = false;
		sl->want_out = true;
		sl->gen++;
		sl->t_open = rte_rdtsc();
		fd = bench_kernel_connect(s->k->o, port, ep, EPOLLIN | EPOLLOUT, slot_key(sl),
					  &lport);
		if (fd < 0) {
			if (fd == -EADDRNOTAVAIL)
				cr->port_exhausted++;
			else
				cr->connect_errors++;
			return;
		}
		sl->fd = fd;
		cr->n_idle--;
		cr->next_port = (cr->next_port + 1) % CRR_PORTS;
		cr->opened++;
	}
}

static int
crr_client(struct kside *s)
{
	struct kcrr *cr = s->wl;
	const struct bench *b = s->k->b;
	struct epoll_event ev[K_EVENTS];
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		return -errno;
	cr->deadline = rte_rdtsc() + (uint64_t)(b->o.duration_s * (double)b->hz);
	while (!(cr->time_up && cr->n_idle == cr->n) && !bench_kernel_stopped(s->k)) {
		int m;

		open_some(s, cr, ep);
		m = epoll_wait(ep, ev, K_EVENTS, s->k->wait_ms);
		if (!cr->time_up && rte_rdtsc() >= cr->deadline) {
			cr->time_up = true;
			cr->t_stop = rte_rdtsc();
		}
		for (int i = 0; i < m; i++)
			slot_event(s, ev[i].data.u64, ev[i].events, ep);
		bench_kernel_progress(s, cr->conns + cr->late);
	}
	for (uint32_t i = 0; i < cr->n; i++)
		if (cr->s[i].fd >= 0)
			slot_free(cr, &cr->s[i], true);
	close(ep);
	return 0;
}

/* ---- setup and report -------------------------------------------------------------------- */

static int
crr_setup(struct bench_kernel *k)
{
	uint32_t n = k->o->conns;
	struct kcrr *cr = calloc(1, sizeof(*cr) + n * sizeof(cr->s[0]));
	int rc;

	k->s[KS_CLIENT].wl = cr;
	if (cr == NULL)
		return -ENOMEM;
	cr->n = n;
	cr->idle = calloc(n, sizeof(cr->idle[0]));
	cr->buf = malloc(RECV_BYTES);
	if (cr->idle == NULL || cr->buf == NULL)
		return -ENOMEM;
	for (uint32_t i = n; i-- > 0;) {
		cr->s[i].fd = -1;
		cr->s[i].idx = i;
		cr->idle[cr->n_idle++] = i;
	}
	rc = bench_msg_io_init(&cr->io, k->o->resp_size, k->o->req_size, k->o->verify);
	if (rc < 0)
		return rc;
	return bench_kernel_rrsrv_setup(k, 4 * n + 1024, CRR_PORTS);
}

static double
crr_seconds(const struct bench_kernel *k)
{
	const struct kcrr *cr = k->s[KS_CLIENT].wl;

	return cr->t_stop > cr->t_first && cr->t_first != 0 ?
	       (double)(cr->t_stop - cr->t_first) / (double)k->b->hz : 0;
}

static void
crr_result(struct bench_kernel *k)
{
	const struct kcrr *cr = k->s[KS_CLIENT].wl;

	k->units = cr->conns;
	k->ok = cr->conns > 0 && cr->failed == 0 && cr->bad_responses == 0 &&
		cr->port_exhausted == 0 && cr->connect_errors == 0 && bench_kernel_rrsrv_ok(k);
	if (cr->failed != 0 || cr->bad_responses != 0 || cr->port_exhausted != 0 ||
	    cr->connect_errors != 0)
		fprintf(stderr, "fasttcp-bench: kernel crr: %" PRIu64 " failed, %" PRIu64 " bad "
			"responses, connect(): %" PRIu64 " EADDRNOTAVAIL, %" PRIu64 " other\n",
			cr->failed, cr->bad_responses, cr->port_exhausted, cr->connect_errors);
}

static void
crr_json(const struct bench_kernel *k, FILE *f)
{
	const struct kcrr *cr = k->s[KS_CLIENT].wl;
	double secs = crr_seconds(k);

	fprintf(f, ",\"conns\":%u,\"req_size\":%u,\"resp_size\":%u,\"duration_s\":%g,"
		"\"connections\":%" PRIu64 ",\"cps\":%.0f", cr->n, k->o->req_size,
		k->o->resp_size, k->o->duration_s, cr->conns,
		secs > 0 ? (double)cr->conns / secs : 0.0);
	bench_hist_json(f, &cr->hist, k->b->hz);
	fprintf(f, ",\"opened\":%" PRIu64 ",\"failed\":%" PRIu64 ",\"bad_responses\":%" PRIu64
		",\"port_exhausted\":%" PRIu64 ",\"connect_errors\":%" PRIu64
		",\"server_ports\":%u,\"tcp_tw_reuse\":1,\"retrans_segs\":%" PRIu64, cr->opened,
		cr->failed, cr->bad_responses, cr->port_exhausted, cr->connect_errors, CRR_PORTS,
		k->s[KS_CLIENT].retrans);
	bench_kernel_rrsrv_json(k, f);
}

static double
crr_figure(const struct bench_kernel *k)
{
	double secs = crr_seconds(k);

	return secs > 0 ? (double)k->units / secs : 0;
}

/* crr.c's progress: bytes = connections * (req + resp), over [t_first, t_stop]. */
static uint64_t
crr_ft_units(const struct bench *b, const struct bench_progress *p)
{
	return p->bytes / ((uint64_t)b->o.req_size + b->o.resp_size);
}

static double
crr_ft_figure(const struct bench *b, const struct bench_progress *p, double secs)
{
	return secs > 0 ? (double)crr_ft_units(b, p) / secs : 0;
}

static void
crr_teardown(struct bench_kernel *k)
{
	struct kcrr *cr = k->s[KS_CLIENT].wl;

	bench_kernel_rrsrv_teardown(k);
	if (cr == NULL)
		return;
	for (uint32_t i = 0; i < cr->n; i++)
		if (cr->s[i].fd >= 0)
			close(cr->s[i].fd);
	bench_msg_io_fini(&cr->io);
	free(cr->idle);
	free(cr->buf);
	free(cr);
	k->s[KS_CLIENT].wl = NULL;
}

const struct kwl bench_kernel_crr = {
	.name = "crr",
	.ratio_of = "cps",
	.line_unit = "conn/s",
	.line_scale = 1,
	.setup = crr_setup,
	.run = { [KS_SERVER] = bench_kernel_rrsrv_run, [KS_CLIENT] = crr_client },
	.result = crr_result,
	.json = crr_json,
	.figure = crr_figure,
	.ft_figure = crr_ft_figure,
	.ft_units = crr_ft_units,
	.teardown = crr_teardown,
};
