/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bulk workload: each of --streams connections sends --bytes (or sends for --duration) of
 * the pattern of apps/fasttcp-httpd/body.h, byte i = ((i % 2^20) * 7 + ((i % 2^20) >> 11)),
 * from the client stack to the server stack, then half-closes. The client sends zero copy
 * (indirect mbufs over the pattern blocks, body.c) and hashes what it hands to the stack; the
 * server compares every received byte with the pattern (memcmp against one period held in
 * memory), hashes it, and closes at end of stream. A stream is intact when both ends closed
 * normally, the server received exactly what the client sent, no byte differed and the two
 * SHA-256 digests (OpenSSL EVP) are equal.
 *
 * Threads: the client fields of a stream are written only on the client worker, the server
 * fields only on the server worker; the main thread reads progress counters racily (64-bit
 * loads do not tear) and the final state after the done flags (release/acquire).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "bench.h"
#include "body.h"

#define CHUNK_MAX (64u << 10) /* bytes per ft_conn_send() */
#define NO_BAD UINT64_MAX

struct bulk;

struct bulk_stream {
	struct bulk *bk;
	/* Client worker. */
	struct ft_conn *cc;
	uint16_t cport;          /* the connection's source port: how the server finds us */
	uint64_t sent;
	uint64_t t_est;
	int c_reason;            /* enum ft_close_reason, or -errno when connect failed */
	bool shut, starved;
	bool c_closed;           /* atomic: the client side is over */
	EVP_MD_CTX *tx_md;
	uint8_t tx_sha[32];
	/* Server worker. */
	struct ft_conn *sc;
	uint64_t rcvd;
	uint64_t bad_at;         /* stream offset of the first wrong byte, NO_BAD = none */
	uint64_t t_eof;
	int s_reason;
	bool accepted, eof;
	bool s_closed;           /* atomic: the server side is over */
	EVP_MD_CTX *rx_md;
	uint8_t rx_sha[32];
};

struct bulk {
	struct bench *b;
	struct body_src *body;
	uint8_t *pattern;        /* BODY_PERIOD + CHUNK_MAX bytes: any window is contiguous */
	uint32_t n;
	uint32_t chunk;
	uint32_t n_starved;
	uint64_t deadline;       /* duration mode: stop sending at this TSC */
	bool started, time_up;
	uint64_t unmatched;      /* server: accepted connections no stream claimed */
	struct bulk_stream s[];
};

static bool
flag_get(const bool *f)
{
	return __atomic_load_n(f, __ATOMIC_ACQUIRE);
}

static void
flag_set(bool *f)
{
	__atomic_store_n(f, true, __ATOMIC_RELEASE);
}

static void
digest_final(EVP_MD_CTX *md, uint8_t out[32])
{
	unsigned int len = 0;

	if (md != NULL)
		EVP_DigestFinal_ex(md, out, &len);
}

/* ---- client ------------------------------------------------------------------------------ */

static void
client_finish_sending(struct bulk_stream *st)
{
	st->shut = true;
	digest_final(st->tx_md, st->tx_sha);
	ft_conn_shutdown(st->cc);
}

/* Queue pattern bytes while the send buffer has room for a whole chunk. The writable event
 * comes back when the free space rises to half the buffer, and a chunk is at most that. */
static void
fill(struct bulk *bk, struct bulk_stream *st)
{
	uint64_t total = bk->b->o.bytes;

	while (!st->shut && st->cc != NULL) {
		uint64_t left = total != 0 ? total - st->sent : UINT64_MAX;
		uint32_t len = (uint32_t)RTE_MIN((uint64_t)bk->chunk, left);
		struct rte_mbuf *m;

		if (left == 0 || bk->time_up)
			return client_finish_sending(st);
		if (ft_conn_send_space(st->cc) < len)
			return;
		m = body_chain(bk->body, st->sent, len);
		if (m == NULL) {
			if (!st->starved)
				bk->n_starved++;
			st->starved = true; /* indirect pool empty: the poll hook retries */
			return;
		}
		for (struct rte_mbuf *s = m; s != NULL && st->tx_md != NULL; s = s->next)
			EVP_DigestUpdate(st->tx_md, rte_pktmbuf_mtod(s, void *), s->data_len);
		if (ft_conn_send(st->cc, m) < 0) {
			ft_conn_abort(st->cc);
			return;
		}
		st->sent += len;
	}
}

static void
client_established(struct ft_conn *c, void *arg)
{
	struct bulk_stream *st = arg;

	st->t_est = rte_rdtsc();
	fill(st->bk, st);
}

/* Write the connection's event log (--evlog); only the first connection has a ring. */
static void
evlog_dump(const struct ft_conn *c, const char *path)
{
	FILE *f = fopen(path, "wbx"); /* exclusive: the first stream wins */

	if (f == NULL)
		return;
	if (ft_conn_evlog_dump(c, f) < 0)
		fprintf(stderr, "fasttcp-bench: no event log for %s\n", path);
	fclose(f);
}

static void
client_closed(struct ft_conn *c, enum ft_close_reason reason, void *arg)
{
	struct bulk_stream *st = arg;

	if (st->bk->b->o.evlog != NULL)
		evlog_dump(c, st->bk->b->o.evlog);
	st->c_reason = (int)reason;
	st->cc = NULL;
	flag_set(&st->c_closed);
}

/* The server sends nothing but its FIN. */
static void
client_readable(struct ft_conn *c, void *arg)
{
	struct bulk_stream *st = arg;
	uint8_t buf[256];

	while (ft_conn_read(c, buf, sizeof(buf)) > 0)
		;
	if (ft_conn_eof(c) && st->cc != NULL) {
		st->cc = NULL;
		ft_conn_close(c);
	}
}

static void
client_writable(struct ft_conn *c, void *arg)
{
	struct bulk_stream *st = arg;

	fill(st->bk, st);
}

static const struct ft_conn_ops client_ops = {
	.established = client_established,
	.readable = client_readable,
	.writable = client_writable,
	.closed = client_closed,
};

static void
client_start(struct ft_worker *w, struct bulk *bk)
{
	uint32_t lip, rip;
	uint16_t rport;

	bk->started = true;
	if (bk->b->o.duration_s > 0)
		bk->deadline = rte_rdtsc() + (uint64_t)(bk->b->o.duration_s * (double)bk->b->hz);
	for (uint32_t i = 0; i < bk->n; i++) {
		struct bulk_stream *st = &bk->s[i];

		st->cc = ft_tcp_connect(w, BENCH_SERVER_IP, bk->b->port_base, &client_ops, st);
		if (st->cc == NULL) {
			st->c_reason = -rte_errno;
			flag_set(&st->c_closed);
			continue;
		}
		ft_conn_endpoints(st->cc, &lip, &st->cport, &rip, &rport);
	}
}

static void
bulk_client_poll(struct ft_worker *w, void *arg)
{
	struct bench *b = arg;
	struct bulk *bk = b->wl_state;

	if (!bk->started)
		return client_start(w, bk);
	if (bk->deadline != 0 && !bk->time_up && ft_worker_now(w) >= bk->deadline) {
		bk->time_up = true;
		for (uint32_t i = 0; i < bk->n; i++)
			if (bk->s[i].cc != NULL && bk->s[i].t_est != 0)
				fill(bk, &bk->s[i]);
	}
	if (bk->n_starved == 0)
		return;
	bk->n_starved = 0;
	for (uint32_t i = 0; i < bk->n; i++) {
		if (!bk->s[i].starved)
			continue;
		bk->s[i].starved = false;
		fill(bk, &bk->s[i]);
	}
}

/* ---- server ------------------------------------------------------------------------------ */

static void
check_bytes(struct bulk *bk, struct bulk_stream *st, const uint8_t *p, uint32_t len)
{
	uint64_t pos = st->rcvd;

	while (len > 0 && st->bad_at == NO_BAD) {
		uint32_t n = RTE_MIN(len, CHUNK_MAX);
		const uint8_t *want = bk->pattern + pos % BODY_PERIOD;

		if (memcmp(p, want, n) != 0)
			for (uint32_t i = 0; i < n; i++)
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
server_readable(struct ft_conn *c, void *arg)
{
	struct bulk_stream *st = arg;
	struct bulk *bk = st->bk;
	struct rte_mbuf *m;

	while ((m = ft_conn_recv(c, SIZE_MAX)) != NULL) {
		for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
			const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *);

			if (st->rx_md != NULL) {
				check_bytes(bk, st, p, s->data_len);
				EVP_DigestUpdate(st->rx_md, p, s->data_len);
			}
			st->rcvd += s->data_len;
		}
		rte_pktmbuf_free(m);
	}
	if (ft_conn_eof(c) && !st->eof) {
		st->eof = true;
		st->t_eof = rte_rdtsc();
		digest_final(st->rx_md, st->rx_sha);
		st->sc = NULL;
		ft_conn_close(c);
	}
}

static void
server_closed(struct ft_conn *c, enum ft_close_reason reason, void *arg)
{
	struct bulk_stream *st = arg;

	st->s_reason = (int)reason;
	st->sc = NULL;
	flag_set(&st->s_closed);
}

static const struct ft_conn_ops server_stream_ops = {
	.readable = server_readable,
	.closed = server_closed,
};

/* A passive open: find the stream by the client's source port. */
static void
server_established(struct ft_conn *c, void *arg)
{
	struct bulk *bk = arg;
	uint32_t lip, rip;
	uint16_t lport, rport;

	ft_conn_endpoints(c, &lip, &lport, &rip, &rport);
	for (uint32_t i = 0; i < bk->n; i++) {
		struct bulk_stream *st = &bk->s[i];

		if (st->cport != rport || st->accepted)
			continue;
		st->accepted = true;
		st->sc = c;
		if (bk->b->o.rcvbuf != 0)
			ft_conn_set_buffers(c, 0, bk->b->o.rcvbuf);
		ft_conn_set_ops(c, &server_stream_ops, st);
		server_readable(c, st);
		return;
	}
	bk->unmatched++;
	ft_conn_abort(c);
}

static const struct ft_conn_ops listen_ops = {
	.established = server_established,
};

/* ---- setup and report ------------------------------------------------------------------- */

/*
 * The send buffer per stream. The kernel reference autotunes each socket's send buffer (up to
 * tcp_wmem[2], 4 MB by default); libfasttcp keeps a fixed one (stack default 256 KB). Unless
 * --sndbuf fixes both, each stream gets 1 MB (the best of 256 KB..4 MB for one stream on the
 * 2-CPU test VM, with TSO on the ring: 6.5, 8.8, 6.9, 7.4 Gbit/s for 512 KB, 1, 2, 4 MB),
 * 16 MB over all streams at most, never less than the stack default.
 */
static uint32_t
bulk_sndbuf(const struct bench_opts *o)
{
	uint32_t share = (16u << 20) / o->streams;

	if (o->sndbuf != 0)
		return o->sndbuf;
	share = RTE_MIN(1u << 20, share);
	return RTE_MAX(262144u, share);
}

static void
bulk_stack_conf(const struct bench *b, bool server, struct ft_stack_conf *c)
{
	c->tcp_sndbuf = bulk_sndbuf(&b->o);
}

static uint32_t
indirect_pool_size(const struct bench_opts *o, uint32_t sndbuf)
{
	uint64_t n = (uint64_t)o->streams * (2 * sndbuf / BODY_BLOCK + 64) + 1024;

	return (uint32_t)RTE_MIN(rte_align64pow2(n) - 1, (uint64_t)(1u << 22) - 1);
}

static int
streams_init(struct bulk *bk, bool verify)
{
	for (uint32_t i = 0; i < bk->n; i++) {
		struct bulk_stream *st = &bk->s[i];

		st->bk = bk;
		st->bad_at = NO_BAD;
		if (!verify)
			continue;
		st->tx_md = EVP_MD_CTX_new();
		st->rx_md = EVP_MD_CTX_new();
		if (st->tx_md == NULL || st->rx_md == NULL ||
		    EVP_DigestInit_ex(st->tx_md, EVP_sha256(), NULL) != 1 ||
		    EVP_DigestInit_ex(st->rx_md, EVP_sha256(), NULL) != 1)
			return -ENOMEM;
	}
	return 0;
}

static int
bulk_setup(struct bench *b)
{
	uint32_t sndbuf = bulk_sndbuf(&b->o);
	struct bulk *bk;
	int rc;

	bk = calloc(1, sizeof(*bk) + b->o.streams * sizeof(bk->s[0]));
	if (bk == NULL)
		return -ENOMEM;
	b->wl_state = bk;
	bk->b = b;
	bk->n = b->o.streams;
	bk->chunk = RTE_MIN(CHUNK_MAX, sndbuf / 2);
	bk->body = body_src_create(indirect_pool_size(&b->o, sndbuf), (int)rte_socket_id());
	bk->pattern = malloc(BODY_PERIOD + CHUNK_MAX);
	if (bk->body == NULL || bk->pattern == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < BODY_PERIOD + CHUNK_MAX; i++)
		bk->pattern[i] = body_byte(i);
	rc = streams_init(bk, b->o.verify);
	if (rc == 0)
		rc = ft_tcp_listen(b->server, b->port_base, &listen_ops, bk);
	return rc;
}

static bool
stream_over(const struct bulk_stream *st)
{
	if (!flag_get(&st->c_closed))
		return false;
	return flag_get(&st->s_closed) || st->c_reason != FT_CLOSE_NORMAL;
}

static bool
stream_ok(const struct bench_opts *o, const struct bulk_stream *st)
{
	return st->c_reason == FT_CLOSE_NORMAL && st->s_reason == FT_CLOSE_NORMAL && st->eof &&
	       st->rcvd == st->sent && st->bad_at == NO_BAD && st->sent > 0 &&
	       (o->bytes == 0 || st->sent == o->bytes) &&
	       (!o->verify || memcmp(st->tx_sha, st->rx_sha, 32) == 0);
}

static void
bulk_progress(const struct bench *b, struct bench_progress *p)
{
	const struct bulk *bk = b->wl_state;

	memset(p, 0, sizeof(*p));
	for (uint32_t i = 0; i < bk->n; i++) {
		const struct bulk_stream *st = &bk->s[i];

		p->bytes += st->rcvd;
		if (st->t_est != 0 && (p->t_first == 0 || st->t_est < p->t_first))
			p->t_first = st->t_est;
		if (!stream_over(st))
			continue;
		if (stream_ok(&b->o, st))
			p->done++;
		else
			p->failed++;
		p->t_last = RTE_MAX(p->t_last, st->t_eof);
	}
	p->finished = p->done + p->failed == bk->n;
}

static void
hex(const uint8_t *d, char *out)
{
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void
explain(const struct bench_opts *o, uint32_t i, const struct bulk_stream *st)
{
	fprintf(stderr, "fasttcp-bench: stream %u failed: client %s (reason %d), sent %" PRIu64
		"; server %s (reason %d), received %" PRIu64 ", end of stream %s", i,
		flag_get(&st->c_closed) ? "closed" : "still open", st->c_reason, st->sent,
		flag_get(&st->s_closed) ? "closed" : st->accepted ? "still open" : "never accepted",
		st->s_reason, st->rcvd, st->eof ? "seen" : "not seen");
	if (st->bad_at != NO_BAD)
		fprintf(stderr, "; first wrong byte at offset %" PRIu64, st->bad_at);
	if (o->verify && st->eof && memcmp(st->tx_sha, st->rx_sha, 32) != 0)
		fprintf(stderr, "; SHA-256 differ");
	fprintf(stderr, "\n");
}

static bool
bulk_report(struct bench *b, FILE *json, bool *verified)
{
	struct bulk *bk = b->wl_state;
	uint32_t ok = 0;
	char sha[65] = "";

	for (uint32_t i = 0; i < bk->n; i++) {
		const struct bulk_stream *st = &bk->s[i];

		if (stream_over(st) && stream_ok(&b->o, st))
			ok++;
		else
			explain(&b->o, i, st);
	}
	if (b->o.verify && bk->n > 0 && bk->s[0].eof)
		hex(bk->s[0].rx_sha, sha);
	fprintf(json, ",\"streams_ok\":%u,\"bytes_per_stream\":%" PRIu64 ",\"sha256\":\"%s\"", ok,
		b->o.bytes, sha);
	if (bk->unmatched != 0)
		fprintf(stderr, "fasttcp-bench: %" PRIu64 " unexpected connections\n",
			bk->unmatched);
	*verified = b->o.verify;
	return ok == bk->n && bk->unmatched == 0;
}

static void
bulk_teardown(struct bench *b)
{
	struct bulk *bk = b->wl_state;

	if (bk == NULL)
		return;
	for (uint32_t i = 0; i < bk->n; i++) {
		EVP_MD_CTX_free(bk->s[i].tx_md);
		EVP_MD_CTX_free(bk->s[i].rx_md);
	}
	body_src_destroy(bk->body);
	free(bk->pattern);
	free(bk);
	b->wl_state = NULL;
}

const struct bench_workload bench_bulk = {
	.name = "bulk",
	.summary = "one-way transfers, every byte checked, SHA-256 at both ends",
	.stack_conf = bulk_stack_conf,
	.setup = bulk_setup,
	.client_poll = bulk_client_poll,
	.progress = bulk_progress,
	.report = bulk_report,
	.teardown = bulk_teardown,
};
