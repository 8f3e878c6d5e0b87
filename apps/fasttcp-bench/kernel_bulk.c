/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bulk workload over kernel sockets (--kernel), the same application behaviour as bulk.c:
 * each of --streams connections sends --bytes (or sends for --duration) of the body.h pattern
 * in send() calls of at most 64 KiB (bulk.c hands ft_conn_send() at most 64 KiB), hashing what
 * the kernel accepted, then shuts down its side; the server compares every received byte with
 * the pattern, hashes it (--verify full) and closes at end of stream; the client closes when
 * the server's FIN comes. A stream is intact when both ends ended normally, the server received
 * exactly what the client sent, no byte differed and the two SHA-256 digests are equal.
 * Client and server records of a stream are paired afterwards by the client's port.
 * Not here: the namespaces, threads and report (kernel.c, kernel_netns.c).
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <rte_common.h>

#include "body.h"
#include "kernel_int.h"

#define CHUNK_MAX (64u << 10)   /* bytes per send() */
#define RECV_BYTES (256u << 10) /* bytes per recv() */
#define RECV_BUDGET 16          /* recv() calls per readable event: streams take turns */
#define NO_BAD UINT64_MAX

/* One connection of one side. */
struct kstream {
	int fd;
	uint16_t port;           /* the client's port */
	uint64_t bytes;          /* sent (client) or received (server) */
	uint64_t bad_at;         /* server: stream offset of the first wrong byte */
	uint64_t t_start_ns;     /* client: connected */
	uint64_t t_end_ns;       /* server: end of stream */
	int err;                 /* errno of a failure, 0 = none */
	bool connected, shut;    /* client: established; FIN sent */
	bool over;               /* the stream ended (normally or not) */
	EVP_MD_CTX *md;
	uint8_t sha[32];
};

/* One side's records. */
struct kbulk_side {
	struct kstream *st;
	uint32_t n_st;           /* server: records filled so far (accept order) */
	uint32_t n_over;
	uint64_t unmatched;      /* server: connections beyond --streams */
	uint8_t *buf;            /* recv() buffer */
};

/* Shared and read-only while the threads run. */
struct kbulk {
	uint8_t *pattern;        /* BODY_PERIOD + CHUNK_MAX bytes: any window is contiguous */
	uint32_t chunk;
	/* Results. */
	uint32_t n_ok;
	uint64_t t_first_ns;     /* first connection established (CLOCK_MONOTONIC) */
	uint64_t t_last_ns;      /* last end of stream */
};

static void
digest_final(EVP_MD_CTX *md, uint8_t out[32])
{
	unsigned int len = 0;

	if (md != NULL)
		EVP_DigestFinal_ex(md, out, &len);
}

static void
stream_end(struct kbulk_side *bs, struct kstream *st, int err)
{
	if (st->over)
		return;
	st->err = err;
	st->over = true;
	bs->n_over++;
	if (st->fd >= 0)
		close(st->fd);
	st->fd = -1;
}

/* ---- client ------------------------------------------------------------------------------ */

static void
finish_sending(struct kbulk_side *bs, struct kstream *st, int ep)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = st };

	st->shut = true;
	digest_final(st->md, st->sha);
	if (shutdown(st->fd, SHUT_WR) < 0 || epoll_ctl(ep, EPOLL_CTL_MOD, st->fd, &ev) < 0)
		stream_end(bs, st, errno);
}

/* Send pattern bytes until the socket is full or the stream is complete. */
static void
send_some(struct kside *s, struct kstream *st, int ep, bool time_up)
{
	const struct kbulk *kb = s->k->wl;
	struct kbulk_side *bs = s->wl;
	uint64_t total = s->k->o->bytes;

	while (!st->shut && !st->over) {
		uint64_t left = total != 0 ? total - st->bytes : UINT64_MAX;
		const uint8_t *p = kb->pattern + st->bytes % BODY_PERIOD;
		ssize_t n;

		if (left == 0 || time_up)
			return finish_sending(bs, st, ep);
		n = send(st->fd, p, RTE_MIN((uint64_t)kb->chunk, left), MSG_NOSIGNAL);
		if (n < 0) {
			if (errno != EAGAIN)
				stream_end(bs, st, errno);
			return;
		}
		if (st->md != NULL)
			EVP_DigestUpdate(st->md, p, (size_t)n);
		st->bytes += (uint64_t)n;
	}
}

/* Only the server's FIN (or a failure) can come. */
static void
client_read(struct kside *s, struct kstream *st)
{
	struct kbulk_side *bs = s->wl;
	ssize_t n;

	while ((n = recv(st->fd, bs->buf, 256, 0)) > 0)
		;
	if (n == 0) {
		bench_kernel_note_tcp_info(s, st->fd);
		stream_end(bs, st, st->shut ? 0 : EPROTO);
	} else if (errno != EAGAIN) {
		stream_end(bs, st, errno);
	}
}

static void
client_event(struct kside *s, struct kstream *st, uint32_t events, int ep, bool time_up)
{
	int err;

	if (st->over)
		return;
	if (!st->connected) {
		err = bench_kernel_sock_error(st->fd);
		if (err != 0)
			return stream_end(s->wl, st, err);
		st->connected = true;
		st->t_start_ns = bench_kernel_now_ns();
	}
	if (events & EPOLLOUT)
		send_some(s, st, ep, time_up);
	if (!st->over && (events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		client_read(s, st);
}

/* Duration mode, time is up: every stream still sending finishes now. */
static void
finish_all(struct kbulk_side *bs, uint32_t n, int ep)
{
	for (uint32_t i = 0; i < n; i++)
		if (bs->st[i].connected && !bs->st[i].shut && !bs->st[i].over)
			finish_sending(bs, &bs->st[i], ep);
}

static int
bulk_client(struct kside *s)
{
	const struct bench_opts *o = s->k->o;
	struct kbulk_side *bs = s->wl;
	struct epoll_event ev[K_EVENTS];
	uint64_t deadline = 0;
	bool time_up = false;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		return -errno;
	if (o->duration_s > 0)
		deadline = bench_kernel_now_ns() + (uint64_t)(o->duration_s * 1e9);
	for (uint32_t i = 0; i < o->streams; i++) {
		struct kstream *st = &bs->st[i];

		st->fd = bench_kernel_connect(o, BENCH_PORT, ep, EPOLLOUT, (uintptr_t)st,
					      &st->port);
		if (st->fd < 0)
			stream_end(bs, st, -st->fd);
	}
	while (bs->n_over < o->streams && !bench_kernel_stopped(s->k)) {
		int m = epoll_wait(ep, ev, K_EVENTS, s->k->wait_ms);

		if (!time_up && deadline != 0 && bench_kernel_now_ns() >= deadline) {
			time_up = true;
			finish_all(bs, o->streams, ep);
		}
		for (int i = 0; i < m; i++)
			client_event(s, ev[i].data.ptr, ev[i].events, ep, time_up);
	}
	for (uint32_t i = 0; i < o->streams; i++) {
		if (bs->st[i].fd >= 0) /* cut short: its retransmissions count too */
			bench_kernel_note_tcp_info(s, bs->st[i].fd);
		stream_end(bs, &bs->st[i], ECANCELED);
	}
	close(ep);
	return 0;
}

/* ---- server ------------------------------------------------------------------------------ */

/* As bulk.c: compare with the pattern window by window; note the first wrong byte. */
static void
check_bytes(const struct kbulk *kb, struct kstream *st, const uint8_t *p, size_t len)
{
	uint64_t pos = st->bytes;

	while (len > 0 && st->bad_at == NO_BAD) {
		size_t n = RTE_MIN(len, (size_t)CHUNK_MAX);
		const uint8_t *want = kb->pattern + pos % BODY_PERIOD;

		if (memcmp(p, want, n) != 0)
			for (size_t i = 0; i < n; i++)
				if (p[i] != want[i]) {
					st->bad_at = pos + i;
					break;
				}
		p += n;
		pos += n;
		len -= n;
	}
}

static void
server_accept(struct kside *s, int ep)
{
	struct kbulk_side *bs = s->wl;
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	int fd;

	while ((fd = accept4(s->k->lfd[0], (struct sockaddr *)&peer, &len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct epoll_event ev = { .events = EPOLLIN };
		struct kstream *st;

		len = sizeof(peer);
		if (bs->n_st == s->k->o->streams) {
			bs->unmatched++;
			close(fd);
			continue;
		}
		st = &bs->st[bs->n_st++];
		ev.data.ptr = st;
		st->fd = fd;
		st->port = ntohs(peer.sin_port);
		if (bench_kernel_sock_opts(s->k->o, fd) < 0 ||
		    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			stream_end(bs, st, errno);
	}
}

static void
server_read(struct kside *s, struct kstream *st)
{
	struct kbulk_side *bs = s->wl;

	for (int budget = RECV_BUDGET; budget > 0 && !st->over; budget--) {
		ssize_t n = recv(st->fd, bs->buf, RECV_BYTES, 0);

		if (n > 0) {
			if (st->md != NULL) {
				check_bytes(s->k->wl, st, bs->buf, (size_t)n);
				EVP_DigestUpdate(st->md, bs->buf, (size_t)n);
			}
			st->bytes += (uint64_t)n;
			bench_kernel_progress(s, s->units + (uint64_t)n);
		} else if (n == 0) {
			st->t_end_ns = bench_kernel_now_ns();
			digest_final(st->md, st->sha);
			stream_end(bs, st, 0);
		} else {
			if (errno != EAGAIN)
				stream_end(bs, st, errno);
			return;
		}
	}
}

/* Until every stream ended, or the client is over and no connection is left open. */
static int
bulk_server(struct kside *s)
{
	struct bench_kernel *k = s->k;
	struct kbulk_side *bs = s->wl;
	struct epoll_event ev[K_EVENTS], lev = { .events = EPOLLIN, .data.ptr = NULL };
	uint32_t n = k->o->streams;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, k->lfd[0], &lev) < 0)
		return -errno;
	while (bs->n_over < n && !bench_kernel_stopped(k) &&
	       !(__atomic_load_n(&k->s[KS_CLIENT].done, __ATOMIC_ACQUIRE) &&
		 bs->n_over == bs->n_st)) {
		int m = epoll_wait(ep, ev, K_EVENTS, s->k->wait_ms);

		for (int i = 0; i < m; i++) {
			if (ev[i].data.ptr == NULL)
				server_accept(s, ep);
			else
				server_read(s, ev[i].data.ptr);
		}
	}
	for (uint32_t i = 0; i < bs->n_st; i++)
		stream_end(bs, &bs->st[i], ECANCELED);
	close(ep);
	return 0;
}

/* ---- setup and result -------------------------------------------------------------------- */

static int
side_setup(struct kside *s, uint32_t n, bool verify)
{
	struct kbulk_side *bs = calloc(1, sizeof(*bs));

	s->wl = bs;
	if (bs == NULL)
		return -ENOMEM;
	bs->st = calloc(n, sizeof(*bs->st));
	bs->buf = malloc(RECV_BYTES);
	if (bs->st == NULL || bs->buf == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		struct kstream *st = &bs->st[i];

		st->fd = -1;
		st->bad_at = NO_BAD;
		if (!verify)
			continue;
		st->md = EVP_MD_CTX_new();
		if (st->md == NULL || EVP_DigestInit_ex(st->md, EVP_sha256(), NULL) != 1)
			return -ENOMEM;
	}
	return 0;
}

static int
bulk_setup(struct bench_kernel *k)
{
	uint32_t sndbuf = k->o->sndbuf ? k->o->sndbuf : 262144;
	struct kbulk *kb = calloc(1, sizeof(*kb));
	int rc = 0;

	k->wl = kb;
	k->n_ports = 1;
	if (kb == NULL)
		return -ENOMEM;
	kb->chunk = RTE_MIN(CHUNK_MAX, sndbuf / 2);
	kb->pattern = malloc(BODY_PERIOD + CHUNK_MAX);
	if (kb->pattern == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < BODY_PERIOD + CHUNK_MAX; i++)
		kb->pattern[i] = body_byte(i);
	for (int j = 0; j < KS_N && rc == 0; j++)
		rc = side_setup(&k->s[j], k->o->streams, k->o->verify);
	return rc;
}

static const struct kstream *
server_record(const struct bench_kernel *k, uint16_t port)
{
	const struct kbulk_side *sv = k->s[KS_SERVER].wl;

	for (uint32_t i = 0; i < sv->n_st; i++)
		if (sv->st[i].port == port)
			return &sv->st[i];
	return NULL;
}

static bool
stream_ok(const struct bench_opts *o, const struct kstream *c, const struct kstream *sv)
{
	return c->over && c->err == 0 && c->shut && c->bytes > 0 &&
	       (o->bytes == 0 || c->bytes == o->bytes) && sv != NULL && sv->over &&
	       sv->err == 0 && sv->bytes == c->bytes && sv->bad_at == NO_BAD &&
	       (!o->verify || memcmp(c->sha, sv->sha, 32) == 0);
}

static void
explain(const struct bench_opts *o, uint32_t i, const struct kstream *c,
	const struct kstream *sv)
{
	fprintf(stderr, "fasttcp-bench: kernel stream %u failed: client %s, sent %" PRIu64
		"; server %s, received %" PRIu64 "%s%s\n", i, c->err ? strerror(c->err) : "ok",
		c->bytes, sv == NULL ? "never accepted" : sv->err ? strerror(sv->err) : "ok",
		sv != NULL ? sv->bytes : 0,
		sv != NULL && sv->bad_at != NO_BAD ? ", wrong byte" : "",
		o->verify && sv != NULL && memcmp(c->sha, sv->sha, 32) != 0 ?
		", SHA-256 differ" : "");
}

static void
bulk_result(struct bench_kernel *k)
{
	const struct kbulk_side *cl = k->s[KS_CLIENT].wl;
	const struct kbulk_side *sv = k->s[KS_SERVER].wl;
	struct kbulk *kb = k->wl;

	for (uint32_t i = 0; i < k->o->streams; i++) {
		const struct kstream *c = &cl->st[i];
		const struct kstream *r = c->port != 0 ? server_record(k, c->port) : NULL;

		if (stream_ok(k->o, c, r))
			kb->n_ok++;
		else
			explain(k->o, i, c, r);
		if (c->t_start_ns != 0 && (kb->t_first_ns == 0 || c->t_start_ns < kb->t_first_ns))
			kb->t_first_ns = c->t_start_ns;
		if (r != NULL) {
			k->units += r->bytes;
			kb->t_last_ns = RTE_MAX(kb->t_last_ns, r->t_end_ns);
		}
	}
	if (sv->unmatched != 0)
		fprintf(stderr, "fasttcp-bench: kernel: %" PRIu64 " unexpected connections\n",
			sv->unmatched);
	k->verified = k->o->verify;
	k->ok = kb->n_ok == k->o->streams && sv->unmatched == 0;
}

static double
seconds(const struct bench_kernel *k)
{
	const struct kbulk *kb = k->wl;

	return kb->t_last_ns > kb->t_first_ns ? (double)(kb->t_last_ns - kb->t_first_ns) / 1e9 : 0;
}

static double
bulk_figure(const struct bench_kernel *k)
{
	double secs = seconds(k);

	return secs > 0 ? (double)k->units * 8 / secs / 1e9 : 0;
}

/* main.c's goodput_gbps */
static double
bulk_ft_figure(const struct bench *b, const struct bench_progress *p, double secs)
{
	return secs > 0 ? (double)p->bytes * 8 / secs / 1e9 : 0;
}

static uint64_t
bulk_ft_units(const struct bench *b, const struct bench_progress *p)
{
	return p->bytes;
}

static void
bulk_json(const struct bench_kernel *k, FILE *f)
{
	const struct kbulk *kb = k->wl;

	fprintf(f, ",\"streams\":%u,\"bytes\":%" PRIu64 ",\"seconds\":%.3f,\"goodput_gbps\":%.3f,"
		"\"streams_ok\":%u,\"retrans_segs\":%" PRIu64, k->o->streams, k->units, seconds(k),
		bulk_figure(k), kb->n_ok, k->s[KS_CLIENT].retrans);
	if (k->verified)
		fprintf(f, ",\"sha256_ok\":%s", k->ok ? "true" : "false");
}

static void
bulk_teardown(struct bench_kernel *k)
{
	struct kbulk *kb = k->wl;

	for (int j = 0; j < KS_N; j++) {
		struct kbulk_side *bs = k->s[j].wl;

		for (uint32_t i = 0; bs != NULL && bs->st != NULL && i < k->o->streams; i++) {
			if (bs->st[i].fd >= 0)
				close(bs->st[i].fd);
			EVP_MD_CTX_free(bs->st[i].md);
		}
		if (bs != NULL) {
			free(bs->st);
			free(bs->buf);
		}
		free(bs);
		k->s[j].wl = NULL;
	}
	if (kb != NULL)
		free(kb->pattern);
	free(kb);
	k->wl = NULL;
}

const struct kwl bench_kernel_bulk = {
	.name = "bulk",
	.ratio_of = "goodput_gbps",
	.line_unit = "Gbit/s",
	.line_scale = 8e-9,
	.setup = bulk_setup,
	.run = { [KS_SERVER] = bulk_server, [KS_CLIENT] = bulk_client },
	.result = bulk_result,
	.json = bulk_json,
	.figure = bulk_figure,
	.ft_figure = bulk_ft_figure,
	.ft_units = bulk_ft_units,
	.teardown = bulk_teardown,
};
