/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The request/response messages of reqresp.h (receive with checks, send with a tag) and the
 * server of the rr and crr workloads: per connection, read a request of --req-size bytes,
 * check its tag (the tags of one connection count up by one) and body, answer with
 * --resp-size bytes carrying the same tag, and close once the client has closed and the last
 * response is out (the client closes first, so TIME-WAIT stays on the client side). A request
 * that fails a check, arrives before the previous response is out (the client runs a closed
 * loop) or is cut short by the client's FIN resets the connection and is counted.
 * Not here: the clients (rr.c, crr.c) and the measurement.
 *
 * Threads: the server fields are written only by the server worker; the main thread reads
 * the counters (racy while running, exact once the workers stopped).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_mbuf.h>

#include "bench.h"
#include "reqresp.h"

struct bench_sconn {
	struct bench_rrsrv *srv;
	struct ft_conn *c;
	struct bench_msg_rx rx;
	struct bench_msg_tx tx;
	uint64_t next_tag;       /* tag the next request must carry, once started */
	bool started;            /* a request was answered: next_tag is set */
	bool eof, closing, starved;
	struct bench_sconn *next_free;
};

/* ---- messages ------------------------------------------------------------------------------ */

int
bench_msg_io_init(struct bench_msg_io *io, uint32_t rx_size, uint32_t tx_size, bool verify)
{
	uint32_t size = RTE_MAX(rx_size, tx_size);

	io->buf = malloc(size);
	if (io->buf == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < size; i++)
		io->buf[i] = bench_msg_body_byte(i);
	io->rx_size = rx_size;
	io->tx_size = tx_size;
	io->verify = verify;
	return 0;
}

void
bench_msg_io_fini(struct bench_msg_io *io)
{
	free(io->buf);
	io->buf = NULL;
}

uint32_t
bench_msg_rx_feed(const struct bench_msg_io *io, struct bench_msg_rx *rx, const uint8_t *p,
		  uint32_t len)
{
	uint32_t n = RTE_MIN(len, io->rx_size - rx->off), i;

	for (i = 0; i < n && rx->off + i < BENCH_MSG_TAG; i++)
		rx->tag[rx->off + i] = p[i];
	/* io->buf holds the body pattern from byte 8 on (the sender side only rewrites 0..7) */
	if (io->verify && i < n && memcmp(p + i, io->buf + rx->off + i, n - i) != 0)
		rx->bad = true;
	rx->off += n;
	return n;
}

uint64_t
bench_msg_rx_tag(const struct bench_msg_rx *rx)
{
	uint64_t v;

	memcpy(&v, rx->tag, sizeof(v));
	return rte_le_to_cpu_64(v);
}

int
bench_msg_tx_push(struct bench_msg_io *io, struct ft_conn *c, struct bench_msg_tx *tx)
{
	uint64_t tag = rte_cpu_to_le_64(tx->tag);
	ssize_t n;

	if (tx->off >= io->tx_size)
		return 0;
	memcpy(io->buf, &tag, sizeof(tag));
	n = ft_conn_write(c, io->buf + tx->off, io->tx_size - tx->off);
	if (n < 0)
		return (int)n;
	tx->off += (uint32_t)n;
	if (tx->off == io->tx_size)
		return 0;
	/* Short with room left: the mbufs ran out, and no writable event would follow. */
	return ft_conn_send_space(c) == 0 ? 1 : -ENOBUFS;
}

/* ---- server ------------------------------------------------------------------------------ */

static void
sconn_close_if_done(struct bench_sconn *sc)
{
	if (sc->eof && !sc->closing && sc->tx.off == sc->srv->io.tx_size) {
		sc->closing = true;
		ft_conn_close(sc->c);
	}
}

static void
sconn_send(struct bench_sconn *sc)
{
	int rc = bench_msg_tx_push(&sc->srv->io, sc->c, &sc->tx);

	if (rc == -ENOBUFS && !sc->starved) {
		sc->starved = true;
		sc->srv->n_starved++;
	}
}

/* A whole request arrived: check it, answer it. @return -1 if the connection was reset (its
 * entry is back in the pool). */
static int
sconn_request(struct bench_sconn *sc)
{
	struct bench_rrsrv *s = sc->srv;
	uint64_t tag = bench_msg_rx_tag(&sc->rx);

	if (sc->rx.bad || (sc->started && tag != sc->next_tag) || sc->tx.off < s->io.tx_size) {
		s->bad_requests++;
		ft_conn_abort(sc->c);
		return -1;
	}
	sc->started = true;
	sc->next_tag = tag + 1;
	s->requests++;
	bench_msg_rx_reset(&sc->rx);
	sc->tx = (struct bench_msg_tx){ .tag = tag, .off = 0 };
	sconn_send(sc);
	return 0;
}

static int
sconn_take(struct bench_sconn *sc, const uint8_t *p, uint32_t len)
{
	while (len > 0) {
		uint32_t n = bench_msg_rx_feed(&sc->srv->io, &sc->rx, p, len);

		p += n;
		len -= n;
		if (sc->rx.off == sc->srv->io.rx_size && sconn_request(sc) < 0)
			return -1;
	}
	return 0;
}

static void
server_readable(struct ft_conn *c, void *arg)
{
	struct bench_sconn *sc = arg;
	struct rte_mbuf *m;

	while ((m = ft_conn_recv(c, SIZE_MAX)) != NULL) {
		for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
			if (sconn_take(sc, rte_pktmbuf_mtod(s, const uint8_t *), s->data_len) < 0) {
				rte_pktmbuf_free(m);
				return;
			}
		}
		rte_pktmbuf_free(m);
	}
	if (!ft_conn_eof(c) || sc->eof)
		return;
	sc->eof = true;
	if (sc->rx.off != 0) { /* the client closed in the middle of a request */
		sc->srv->bad_requests++;
		ft_conn_abort(c);
		return;
	}
	sconn_close_if_done(sc);
}

static void
server_writable(struct ft_conn *c, void *arg)
{
	struct bench_sconn *sc = arg;

	sconn_send(sc);
	sconn_close_if_done(sc);
}

static void
server_closed(struct ft_conn *c, enum ft_close_reason reason, void *arg)
{
	struct bench_sconn *sc = arg;
	struct bench_rrsrv *s = sc->srv;

	s->closed++;
	if (reason != FT_CLOSE_NORMAL)
		s->abnormal++;
	if (sc->starved)
		s->n_starved--;
	sc->starved = false;
	sc->c = NULL;
	sc->next_free = s->free;
	s->free = sc;
}

static const struct ft_conn_ops sconn_ops = {
	.readable = server_readable,
	.writable = server_writable,
	.closed = server_closed,
};

static void
server_accept(struct ft_conn *c, void *arg)
{
	struct bench_rrsrv *s = arg;
	struct bench_sconn *sc = s->free;

	if (sc == NULL) {
		s->no_slot++;
		ft_conn_abort(c);
		return;
	}
	s->free = sc->next_free;
	*sc = (struct bench_sconn){ .srv = s, .c = c, .tx = { .off = s->io.tx_size } };
	s->accepted++;
	ft_conn_set_nodelay(c, 1);
	ft_conn_set_ops(c, &sconn_ops, sc);
	server_readable(c, sc);
}

static const struct ft_conn_ops listen_ops = {
	.established = server_accept,
};

int
bench_rrsrv_init(struct bench_rrsrv *s, struct bench *b, uint32_t max_conns, uint16_t n_ports)
{
	int rc;

	memset(s, 0, sizeof(*s));
	rc = bench_msg_io_init(&s->io, b->o.req_size, b->o.resp_size, b->o.verify);
	if (rc < 0)
		return rc;
	s->pool = calloc(max_conns, sizeof(*s->pool));
	if (s->pool == NULL)
		return -ENOMEM;
	s->max_conns = max_conns;
	for (uint32_t i = max_conns; i-- > 0;) {
		s->pool[i].next_free = s->free;
		s->free = &s->pool[i];
	}
	for (uint16_t p = 0; p < n_ports; p++) {
		rc = ft_tcp_listen(b->server, (uint16_t)(b->port_base + p), &listen_ops, s);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void
bench_rrsrv_poll(struct bench_rrsrv *s)
{
	if (s->n_starved == 0)
		return;
	for (uint32_t i = 0; i < s->max_conns; i++) {
		struct bench_sconn *sc = &s->pool[i];

		if (!sc->starved || sc->c == NULL)
			continue;
		sc->starved = false;
		s->n_starved--;
		sconn_send(sc);
		sconn_close_if_done(sc);
	}
}

uint64_t
bench_rrsrv_open(const struct bench_rrsrv *s)
{
	/* closed first: it never passes the accepted count read after it */
	uint64_t closed = __atomic_load_n(&s->closed, __ATOMIC_ACQUIRE);

	return __atomic_load_n(&s->accepted, __ATOMIC_ACQUIRE) - closed;
}

bool
bench_rrsrv_report(const struct bench_rrsrv *s, FILE *json)
{
	fprintf(json, ",\"server_requests\":%" PRIu64 ",\"server_bad_requests\":%" PRIu64
		",\"server_no_slot\":%" PRIu64 ",\"server_abnormal_close\":%" PRIu64, s->requests,
		s->bad_requests, s->no_slot, s->abnormal);
	if (s->no_slot != 0)
		fprintf(stderr, "fasttcp-bench: server: %" PRIu64 " connections reset: all %u "
			"connection entries busy\n", s->no_slot, s->max_conns);
	return s->bad_requests == 0 && s->no_slot == 0 && s->abnormal == 0;
}

void
bench_rrsrv_fini(struct bench_rrsrv *s)
{
	bench_msg_io_fini(&s->io);
	free(s->pool);
	s->pool = NULL;
}
