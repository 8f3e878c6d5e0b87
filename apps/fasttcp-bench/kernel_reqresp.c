/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rr and crr workloads over kernel sockets (--kernel), part one: reqresp.h's messages sent
 * with send(), and the server, which does what reqresp.c's does: per connection, read a
 * request of --req-size bytes, check its tag (the tags of one connection count up by one)
 * and, with --verify full, its body (bench_msg_rx_feed(), the same code), answer with
 * --resp-size bytes carrying the same tag (TCP_NODELAY, one send() per message when the
 * socket has room), and close once the client has closed and the last response is out. A
 * request that fails a check, comes before the previous response is out, or is cut short by
 * the client's FIN resets the connection and is counted; so is a connection beyond the
 * pool of max_conns entries. The server listens on k->n_ports ports (BENCH_PORT, +1, ...).
 * Not here: the clients (kernel_rr.c, kernel_crr.c).
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "kernel_int.h"
#include "reqresp.h"

#define RECV_BYTES (64u << 10)
#define RECV_BUDGET 4 /* recv() calls per readable event: connections take turns */

/* What an epoll entry points to. */
enum { KE_LISTEN, KE_CONN };

struct klisten {
	uint8_t kind;            /* KE_LISTEN */
	int fd;
};

struct ksconn {
	uint8_t kind;            /* KE_CONN */
	int fd;
	struct bench_msg_rx rx;
	struct bench_msg_tx tx;
	uint64_t next_tag;       /* the tag the next request must carry, once started */
	bool started, eof, want_out;
	struct ksconn *next_free;
};

struct krrsrv {
	struct bench_msg_io io;  /* requests in, responses out */
	struct klisten lis[K_MAX_PORTS];
	struct ksconn *pool, *free;
	uint32_t max_conns;
	uint8_t *buf;
	uint64_t accepted, closed;
	uint64_t requests;       /* answered */
	uint64_t bad_requests;   /* wrong tag, wrong body, early, truncated: reset */
	uint64_t no_slot;        /* pool empty: reset */
	uint64_t abnormal;       /* ended by an error (reset by the peer...) */
};

int
bench_kernel_msg_send(struct bench_msg_io *io, int fd, struct bench_msg_tx *tx)
{
	uint64_t tag = rte_cpu_to_le_64(tx->tag);
	ssize_t n;

	while (tx->off < io->tx_size) {
		memcpy(io->buf, &tag, sizeof(tag));
		n = send(fd, io->buf + tx->off, io->tx_size - tx->off, MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN ? 1 : -errno;
		tx->off += (uint32_t)n;
	}
	return 0;
}

void
bench_kernel_abort(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

/* ---- one connection ---------------------------------------------------------------------- */

static void
sconn_end(struct krrsrv *srv, struct ksconn *sc, bool reset)
{
	if (reset)
		bench_kernel_abort(sc->fd);
	else
		close(sc->fd);
	sc->fd = -1;
	srv->closed++;
	sc->next_free = srv->free;
	srv->free = sc;
}

/* Wait for EPOLLOUT only while a response is stuck. */
static int
sconn_watch(int ep, struct ksconn *sc, bool out)
{
	struct epoll_event ev = { .events = EPOLLIN | (out ? EPOLLOUT : 0), .data.ptr = sc };

	if (sc->want_out == out)
		return 0;
	sc->want_out = out;
	return epoll_ctl(ep, EPOLL_CTL_MOD, sc->fd, &ev);
}

/* Send the rest of the response; close when the client has closed and all is out.
 * @return -1 when the connection is over. */
static int
sconn_send(struct krrsrv *srv, struct ksconn *sc, int ep)
{
	int rc = bench_kernel_msg_send(&srv->io, sc->fd, &sc->tx);

	if (rc < 0 || sconn_watch(ep, sc, rc == 1) < 0) {
		srv->abnormal++;
		sconn_end(srv, sc, false);
		return -1;
	}
	if (sc->eof && rc == 0) {
		sconn_end(srv, sc, false);
		return -1;
	}
	return 0;
}

/* A whole request arrived: check it, answer it. @return -1 when the connection is over. */
static int
sconn_request(struct krrsrv *srv, struct ksconn *sc, int ep)
{
	uint64_t tag = bench_msg_rx_tag(&sc->rx);

	if (sc->rx.bad || (sc->started && tag != sc->next_tag) || sc->tx.off < srv->io.tx_size) {
		srv->bad_requests++;
		sconn_end(srv, sc, true);
		return -1;
	}
	sc->started = true;
	sc->next_tag = tag + 1;
	srv->requests++;
	bench_msg_rx_reset(&sc->rx);
	sc->tx = (struct bench_msg_tx){ .tag = tag, .off = 0 };
	return sconn_send(srv, sc, ep);
}

static int
sconn_take(struct krrsrv *srv, struct ksconn *sc, const uint8_t *p, uint32_t len, int ep)
{
	while (len > 0) {
		uint32_t n = bench_msg_rx_feed(&srv->io, &sc->rx, p, len);

		p += n;
		len -= n;
		if (sc->rx.off == srv->io.rx_size && sconn_request(srv, sc, ep) < 0)
			return -1;
	}
	return 0;
}

/* The client closed: a request cut short is bad; else close once the response is out. */
static void
sconn_eof(struct krrsrv *srv, struct ksconn *sc)
{
	sc->eof = true;
	if (sc->rx.off != 0) {
		srv->bad_requests++;
		sconn_end(srv, sc, true);
	} else if (sc->tx.off == srv->io.tx_size) {
		sconn_end(srv, sc, false);
	}
}

/* An event for @p sc. It may be stale: the connection ended earlier in the same batch (then
 * the entry is free, fd -1, or already reused, and reading is harmless). */
static void
sconn_event(struct krrsrv *srv, struct ksconn *sc, uint32_t events, int ep)
{
	if (sc->fd < 0 || ((events & EPOLLOUT) && sconn_send(srv, sc, ep) < 0))
		return;
	if (!(events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		return;
	for (int budget = RECV_BUDGET; budget > 0 && !sc->eof; budget--) {
		ssize_t n = recv(sc->fd, srv->buf, RECV_BYTES, 0);

		if (n > 0) {
			if (sconn_take(srv, sc, srv->buf, (uint32_t)n, ep) < 0)
				return;
		} else if (n == 0) {
			return sconn_eof(srv, sc);
		} else {
			if (errno == EAGAIN)
				return;
			srv->abnormal++;
			return sconn_end(srv, sc, false);
		}
	}
}

static void
accept_all(struct krrsrv *srv, const struct bench_opts *o, int lfd, int ep)
{
	int fd, one = 1;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct ksconn *sc = srv->free;
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = sc };

		if (sc == NULL) {
			srv->no_slot++;
			bench_kernel_abort(fd);
			continue;
		}
		srv->free = sc->next_free;
		*sc = (struct ksconn){ .kind = KE_CONN, .fd = fd,
				       .tx = { .off = srv->io.tx_size } };
		srv->accepted++;
		if (bench_kernel_sock_opts(o, fd) < 0 ||
		    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0 ||
		    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			srv->abnormal++;
			sconn_end(srv, sc, true);
		}
	}
}

/* ---- the server thread ------------------------------------------------------------------- */

int
bench_kernel_rrsrv_run(struct kside *s)
{
	struct bench_kernel *k = s->k;
	struct krrsrv *srv = s->wl;
	struct epoll_event ev[K_EVENTS];
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		return -errno;
	for (uint16_t p = 0; p < k->n_ports; p++) {
		struct epoll_event lev = { .events = EPOLLIN, .data.ptr = &srv->lis[p] };

		srv->lis[p] = (struct klisten){ .kind = KE_LISTEN, .fd = k->lfd[p] };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, k->lfd[p], &lev) < 0) {
			close(ep);
			return -errno;
		}
	}
	while (!bench_kernel_stopped(k) &&
	       !(__atomic_load_n(&k->s[KS_CLIENT].done, __ATOMIC_ACQUIRE) &&
		 srv->accepted == srv->closed)) {
		int m = epoll_wait(ep, ev, K_EVENTS, s->k->wait_ms);

		for (int i = 0; i < m; i++) {
			const uint8_t *kind = ev[i].data.ptr;

			if (*kind == KE_LISTEN)
				accept_all(srv, k->o, ((const struct klisten *)kind)->fd, ep);
			else
				sconn_event(srv, ev[i].data.ptr, ev[i].events, ep);
		}
	}
	for (uint32_t i = 0; i < srv->max_conns; i++)
		if (srv->pool[i].fd >= 0)
			sconn_end(srv, &srv->pool[i], true);
	close(ep);
	return 0;
}

/* ---- setup and report -------------------------------------------------------------------- */

int
bench_kernel_rrsrv_setup(struct bench_kernel *k, uint32_t max_conns, uint16_t n_ports)
{
	struct krrsrv *srv = calloc(1, sizeof(*srv));
	int rc;

	k->s[KS_SERVER].wl = srv;
	k->n_ports = n_ports;
	if (srv == NULL)
		return -ENOMEM;
	rc = bench_msg_io_init(&srv->io, k->o->req_size, k->o->resp_size, k->o->verify);
	srv->pool = calloc(max_conns, sizeof(*srv->pool));
	srv->buf = malloc(RECV_BYTES);
	if (rc < 0 || srv->pool == NULL || srv->buf == NULL)
		return -ENOMEM;
	srv->max_conns = max_conns;
	for (uint32_t i = max_conns; i-- > 0;) {
		srv->pool[i].fd = -1;
		srv->pool[i].next_free = srv->free;
		srv->free = &srv->pool[i];
	}
	return 0;
}

void
bench_kernel_rrsrv_json(const struct bench_kernel *k, FILE *json)
{
	const struct krrsrv *srv = k->s[KS_SERVER].wl;

	fprintf(json, ",\"server_requests\":%" PRIu64 ",\"server_bad_requests\":%" PRIu64
		",\"server_no_slot\":%" PRIu64 ",\"server_abnormal_close\":%" PRIu64,
		srv->requests, srv->bad_requests, srv->no_slot, srv->abnormal);
}

bool
bench_kernel_rrsrv_ok(const struct bench_kernel *k)
{
	const struct krrsrv *srv = k->s[KS_SERVER].wl;

	if (srv->no_slot != 0)
		fprintf(stderr, "fasttcp-bench: kernel server: %" PRIu64 " connections reset: all "
			"%u connection entries busy\n", srv->no_slot, srv->max_conns);
	if (srv->bad_requests != 0 || srv->abnormal != 0)
		fprintf(stderr, "fasttcp-bench: kernel server: %" PRIu64 " bad requests, %" PRIu64
			" connections ended by an error\n", srv->bad_requests, srv->abnormal);
	return srv->bad_requests == 0 && srv->no_slot == 0 && srv->abnormal == 0;
}

void
bench_kernel_rrsrv_teardown(struct bench_kernel *k)
{
	struct krrsrv *srv = k->s[KS_SERVER].wl;

	if (srv == NULL)
		return;
	for (uint32_t i = 0; srv->pool != NULL && i < srv->max_conns; i++)
		if (srv->pool[i].fd >= 0)
			close(srv->pool[i].fd);
	bench_msg_io_fini(&srv->io);
	free(srv->pool);
	free(srv->buf);
	free(srv);
	k->s[KS_SERVER].wl = NULL;
}
