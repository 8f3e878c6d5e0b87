/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The download: from the poll hook of worker 0, connect, send one GET (HTTP/1.1,
 * Connection: close), parse the status line and Content-Length, then hash every body byte as
 * it arrives (zero copy: each received segment is hashed in place and freed). Ends when the
 * body is complete, the server closes, or the timeout passes.
 */
#define _GNU_SOURCE /* memmem, strcasestr */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>

#include <fasttcp/fasttcp.h>

#include "get.h"

struct get_state {
	const struct get_req *r;
	struct ft_conn *c;
	EVP_MD_CTX *md;
	char head[8192];
	uint32_t head_len;
	int status;
	bool in_body, done, failed, started;
	int64_t content_len;      /* -1: until close */
	uint64_t body, t_start, t_first, t_end, deadline;
};

static void
finish(struct get_state *g, bool ok)
{
	if (g->done)
		return;
	g->done = true;
	g->failed = !ok;
	g->t_end = rte_rdtsc();
}

/* Parse the response head once complete; leftover bytes are body. */
static void
parse_head(struct get_state *g)
{
	char *end = memmem(g->head, g->head_len, "\r\n\r\n", 4), *cl;
	uint32_t hlen;

	if (end == NULL) {
		if (g->head_len == sizeof(g->head))
			finish(g, false);
		return;
	}
	*end = '\0';
	hlen = (uint32_t)(end - g->head) + 4;
	if (sscanf(g->head, "HTTP/1.%*d %d", &g->status) != 1)
		return finish(g, false);
	cl = strcasestr(g->head, "\r\ncontent-length:");
	g->content_len = cl != NULL ? strtoll(cl + 17, NULL, 10) : -1;
	g->in_body = true;
	g->t_first = rte_rdtsc();
	EVP_DigestUpdate(g->md, g->head + hlen, g->head_len - hlen);
	g->body += g->head_len - hlen;
}

static void
on_readable(struct ft_conn *c, void *arg)
{
	struct get_state *g = arg;
	struct rte_mbuf *m;

	while (!g->in_body && !g->done) {
		size_t n = ft_conn_read(c, g->head + g->head_len, sizeof(g->head) - g->head_len);

		if (n == 0)
			break;
		g->head_len += (uint32_t)n;
		parse_head(g);
	}
	while (g->in_body && (m = ft_conn_recv(c, SIZE_MAX)) != NULL) {
		for (struct rte_mbuf *s = m; s != NULL; s = s->next)
			EVP_DigestUpdate(g->md, rte_pktmbuf_mtod(s, void *), s->data_len);
		g->body += m->pkt_len;
		rte_pktmbuf_free(m);
	}
	if (g->in_body && g->content_len >= 0 && (int64_t)g->body >= g->content_len)
		finish(g, (int64_t)g->body == g->content_len);
	if (ft_conn_eof(c))
		finish(g, g->in_body && (g->content_len < 0 || (int64_t)g->body == g->content_len));
	if (g->done) {
		ft_conn_close(c);
		g->c = NULL;
	}
}

static void
on_established(struct ft_conn *c, void *arg)
{
	struct get_state *g = arg;
	char req[1200];
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: fasttcp-get"
			 "\r\nConnection: close\r\n\r\n", g->r->path, g->r->host);

	ft_conn_write(c, req, (size_t)n);
}

static void
on_closed(struct ft_conn *c, enum ft_close_reason reason, void *arg)
{
	struct get_state *g = arg;

	if (!g->done)
		fprintf(stderr, "fasttcp-get: connection ended early (reason %d)\n", reason);
	finish(g, g->done && !g->failed);
	g->c = NULL;
}

static const struct ft_conn_ops get_ops = {
	.established = on_established,
	.readable = on_readable,
	.closed = on_closed,
};

static void
poll(struct ft_worker *w, void *arg)
{
	struct get_state *g = arg;

	if (ft_worker_index(w) != 0)
		return;
	if (!g->started) {
		g->started = true;
		g->t_start = rte_rdtsc();
		g->deadline = g->t_start + (uint64_t)g->r->timeout_ms * (rte_get_tsc_hz() / 1000);
		g->c = ft_tcp_connect(w, g->r->ip, g->r->port, &get_ops, g);
		if (g->c == NULL)
			finish(g, false);
	}
	if (!g->done && rte_rdtsc() > g->deadline) {
		fprintf(stderr, "fasttcp-get: timeout\n");
		finish(g, false);
		if (g->c != NULL)
			ft_conn_abort(g->c);
	}
	if (g->done)
		ft_stack_stop(ft_worker_stack(w));
}

static int
report(struct get_state *g)
{
	unsigned char dig[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	uint64_t from = g->t_first ? g->t_first : g->t_start; /* body timing: first byte on */
	double secs = (double)(g->t_end - from) / (double)rte_get_tsc_hz();

	EVP_DigestFinal_ex(g->md, dig, &dlen);
	for (unsigned int i = 0; i < dlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", dig[i]);
	printf("status %d, %" PRIu64 " bytes in %.3f s, %.1f Mbit/s\nsha256 %s\n", g->status,
	       g->body, secs, secs > 0 ? g->body * 8 / secs / 1e6 : 0.0, hex);
	printf("RESULT {\"app\":\"fasttcp-get\",\"bytes\":%" PRIu64 ",\"seconds\":%.3f,"
	       "\"mbit_s\":%.1f,\"sha256\":\"%s\",\"complete\":%s}\n", g->body, secs,
	       secs > 0 ? g->body * 8 / secs / 1e6 : 0.0, hex, g->failed ? "false" : "true");
	return g->failed || g->status < 200 || g->status > 299 ? 1 : 0;
}

int
get_run(struct ft_stack *s, const struct get_req *r)
{
	struct get_state *g = calloc(1, sizeof(*g));
	int rc;

	if (g == NULL)
		return 1;
	g->r = r;
	g->md = EVP_MD_CTX_new();
	if (g->md == NULL || EVP_DigestInit_ex(g->md, EVP_sha256(), NULL) != 1 ||
	    ft_stack_set_poll(s, poll, g) < 0) {
		EVP_MD_CTX_free(g->md);
		free(g);
		return 1;
	}
	ft_stack_run(s);
	if (!g->done)
		finish(g, false); /* interrupted */
	rc = report(g);
	EVP_MD_CTX_free(g->md);
	free(g);
	return rc;
}
