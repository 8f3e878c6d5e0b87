/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Echo client (client.h). Runs on worker 0 from the stack's poll hook: keeps up to `window`
 * requests in flight, matches replies by sequence number, verifies the payload pattern,
 * resends requests still unanswered after RESEND_MS, and stops the stack when both phases are
 * complete or the timeout passes. Phases run one after the other: ping, then UDP.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include <fasttcp/fasttcp.h>

#include "client.h"

#define ECHO_ID 0x4654 /* ICMP identifier "FT" */
#define RESEND_MS 200

enum phase { PH_PING, PH_UDP, PH_DONE };

struct echo_client {
	struct echo_client_opts o;
	struct ft_stack *stack;
	enum phase phase;
	uint32_t next;        /* next sequence number never sent */
	uint32_t base;        /* lowest sequence number not yet answered */
	uint32_t ok[2], bad, dup, resent;
	uint64_t start, deadline, last_progress, rtt_sum[2];
	uint64_t *sent_at;    /* TSC per sequence number, 0 = answered */
	uint8_t *buf;
};

static void
fill(uint8_t *p, uint32_t seq, uint16_t size)
{
	memcpy(p, &seq, sizeof(seq));
	for (uint16_t i = sizeof(seq); i < size; i++)
		p[i] = (uint8_t)(seq * 31 + i);
}

static void
send_one(struct echo_client *c, struct ft_worker *w, uint32_t seq)
{
	fill(c->buf, seq, c->o.size);
	c->sent_at[seq] = ft_worker_now(w);
	if (c->phase == PH_PING) {
		ft_icmp_echo_send(w, c->o.ping_dst, ECHO_ID, (uint16_t)seq, c->buf, c->o.size);
	} else {
		struct rte_mbuf *m = ft_udp_alloc(w);
		struct ft_udp_meta meta = { .dst_ip = c->o.udp_dst, .dst_port = c->o.udp_port,
					    .src_port = c->o.src_port };

		if (m == NULL || rte_pktmbuf_append(m, c->o.size) == NULL) {
			rte_pktmbuf_free(m);
			return;
		}
		memcpy(rte_pktmbuf_mtod(m, void *), c->buf, c->o.size);
		ft_udp_send(w, m, &meta);
	}
}

/* A reply carrying @p seq arrived with payload @p m (borrowed). */
static void
on_reply(struct echo_client *c, struct ft_worker *w, const struct rte_mbuf *m, uint32_t seq)
{
	const uint8_t *p;

	if (seq < c->next && c->sent_at[seq] == 0) {
		c->dup++; /* answered already: the reply to a resend, or duplicated on the wire */
		return;
	}
	if (seq >= c->next || m->pkt_len != c->o.size) {
		c->bad++;
		return;
	}
	fill(c->buf, seq, c->o.size);
	p = rte_pktmbuf_read(m, 0, c->o.size, c->buf + c->o.size);
	if (p == NULL || memcmp(p, c->buf, c->o.size) != 0) {
		c->bad++;
		return;
	}
	c->rtt_sum[c->phase] += ft_worker_now(w) - c->sent_at[seq];
	c->sent_at[seq] = 0;
	c->ok[c->phase]++;
	c->last_progress = ft_worker_now(w);
	while (c->base < c->next && c->sent_at[c->base] == 0)
		c->base++;
}

static void
on_echo(struct ft_worker *w, struct rte_mbuf *m, uint32_t src, uint16_t id, uint16_t seq,
	void *arg)
{
	struct echo_client *c = arg;

	/* The 16-bit ICMP sequence wraps: recover the full number near the window base. */
	if (c->phase == PH_PING && id == ECHO_ID && src == c->o.ping_dst)
		on_reply(c, w, m, c->base + (uint16_t)(seq - (uint16_t)c->base));
	rte_pktmbuf_free(m);
}

static void
on_udp(struct ft_worker *w, struct rte_mbuf *m, const struct ft_udp_meta *meta, void *arg)
{
	struct echo_client *c = arg;
	const void *p = NULL;
	uint32_t seq;

	if (c->phase == PH_UDP && meta->src_ip == c->o.udp_dst)
		p = rte_pktmbuf_read(m, 0, sizeof(seq), &seq);
	if (p != NULL) {
		memcpy(&seq, p, sizeof(seq));
		on_reply(c, w, m, seq);
	} else if (c->phase == PH_UDP) {
		c->bad++;
	}
	rte_pktmbuf_free(m);
}

static void
next_phase(struct echo_client *c)
{
	c->phase = c->phase == PH_PING && c->o.udp_dst != 0 ? PH_UDP : PH_DONE;
	c->next = c->base = 0;
	memset(c->sent_at, 0, sizeof(*c->sent_at) * c->o.count);
}

static void
poll(struct ft_worker *w, void *arg)
{
	struct echo_client *c = arg;
	uint64_t now = ft_worker_now(w);

	if (ft_worker_index(w) != 0)
		return;
	if (c->start == 0)
		c->start = c->last_progress = now;
	if (c->phase != PH_DONE && c->base == c->o.count)
		next_phase(c);
	if (c->phase == PH_DONE || now > c->deadline) {
		ft_stack_stop(ft_worker_stack(w));
		return;
	}
	while (c->next < c->o.count && c->next - c->base < c->o.window)
		send_one(c, w, c->next++);
	if (now - c->last_progress > RESEND_MS * rte_get_tsc_hz() / 1000) {
		for (uint32_t s = c->base; s < c->next; s++)
			if (c->sent_at[s] != 0) {
				send_one(c, w, s);
				c->resent++;
			}
		c->last_progress = now;
	}
}

struct echo_client *
echo_client_create(struct ft_stack *s, const struct echo_client_opts *o)
{
	struct echo_client *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->o = *o;
	c->stack = s;
	c->phase = o->ping_dst != 0 ? PH_PING : PH_UDP;
	c->sent_at = calloc(o->count, sizeof(*c->sent_at));
	c->buf = malloc(2 * (size_t)o->size);
	c->deadline = rte_rdtsc() + (uint64_t)o->timeout_ms * (rte_get_tsc_hz() / 1000);
	if (c->sent_at == NULL || c->buf == NULL || ft_stack_set_poll(s, poll, c) < 0 ||
	    ft_icmp_set_echo_handler(s, on_echo, c) < 0 ||
	    (o->udp_dst != 0 && ft_udp_bind(s, o->src_port, on_udp, c) < 0)) {
		echo_client_destroy(c);
		return NULL;
	}
	return c;
}

bool
echo_client_report(const struct echo_client *c, FILE *f)
{
	uint64_t hz = rte_get_tsc_hz();
	bool ping_ok = c->o.ping_dst == 0 || c->ok[PH_PING] == c->o.count;
	bool udp_ok = c->o.udp_dst == 0 || c->ok[PH_UDP] == c->o.count;

	fprintf(f, "RESULT {\"app\":\"fasttcp-echo\",\"mode\":\"client\",\"count\":%u,"
		"\"size\":%u,\"ping_ok\":%u,\"udp_ok\":%u,\"bad\":%u,\"dup\":%u,\"resent\":%u,"
		"\"ping_rtt_avg_us\":%.1f,\"udp_rtt_avg_us\":%.1f,\"elapsed_ms\":%.1f,"
		"\"pass\":%s}\n", c->o.count, c->o.size, c->ok[PH_PING], c->ok[PH_UDP], c->bad,
		c->dup, c->resent,
		c->ok[PH_PING] ? 1e6 * c->rtt_sum[PH_PING] / c->ok[PH_PING] / hz : 0.0,
		c->ok[PH_UDP] ? 1e6 * c->rtt_sum[PH_UDP] / c->ok[PH_UDP] / hz : 0.0,
		1e3 * (rte_rdtsc() - c->start) / hz,
		ping_ok && udp_ok && c->bad == 0 ? "true" : "false");
	return ping_ok && udp_ok && c->bad == 0;
}

void
echo_client_destroy(struct echo_client *c)
{
	if (c == NULL)
		return;
	free(c->sent_at);
	free(c->buf);
	free(c);
}
