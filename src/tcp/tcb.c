/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connection blocks of one worker: a preallocated array with a free list (nothing is allocated
 * per connection at run time), the 4-tuple table (rte_hash, filled at setup size), initial
 * sequence numbers per RFC 6528 §3 (ISN = M + F(4-tuple, secret), M a 4 µs clock, F SipHash),
 * and the per-worker TCP state (timer wheel, challenge-ACK bucket, event log rings: a connection
 * gets a ring at creation while one is free, see evlog.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "core/clock.h"
#include "core/siphash.h"
#include "core/worker.h"
#include "tcp/evlog.h"
#include "tcp/sock.h"
#include "tcp/tcp.h"

struct tuple_key {
	uint32_t laddr, faddr;
	uint16_t lport, fport;
};

static void
tcb_timer_fired(struct ft_timer *tm, uint64_t now);

static void *
sm_alloc(size_t size, size_t align, void *ctx)
{
	return rte_zmalloc_socket("ft_sendmap", size, (unsigned int)align, (int)(intptr_t)ctx);
}

static void
sm_free(void *p, void *ctx)
{
	(void)ctx;
	rte_free(p);
}

/* The sendmap entries of every connection of the worker: one block at setup. */
static int
sm_pool_create(struct ft_tcp_worker *tw, const struct ft_tcp_shared *sh)
{
	struct ft_sm_pool_conf c;

	ft_sm_pool_conf_init(&c, sh->sm_entries);
	c.alloc = sm_alloc;
	c.free = sm_free;
	c.ctx = (void *)(intptr_t)rte_socket_id();
	c.seed = sh->isn_key[0];
	tw->sm_pool = ft_sm_pool_create(&c);
	return tw->sm_pool != NULL ? 0 : -ENOMEM;
}

/* The event log rings of a worker: one block at setup, nothing allocated per connection. */
static int
evlog_pool_create(struct ft_tcp_worker *tw, const struct ft_tcp_shared *sh, unsigned int idx)
{
	size_t size = ft_evlog_pool_mem_size(sh->evlog_conns, sh->evlog_recs);
	void *mem = rte_zmalloc_socket("ft_evlog", size, RTE_CACHE_LINE_SIZE,
				       (int)rte_socket_id());

	tw->evlog_pool = ft_evlog_pool_init(mem, sh->evlog_conns, sh->evlog_recs,
					    rte_get_tsc_hz(), (uint16_t)idx);
	if (tw->evlog_pool == NULL)
		rte_free(mem);
	return tw->evlog_pool != NULL ? 0 : -ENOMEM;
}

int
ft_tcp_worker_init(struct ft_worker *w, const struct ft_tcp_shared *sh)
{
	struct ft_tcp_worker *tw;
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.entries = RTE_MAX(sh->max_conns, 64u),
		.key_len = sizeof(struct tuple_key),
		.hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	tw = rte_zmalloc("ft_tcp_worker", sizeof(*tw), RTE_CACHE_LINE_SIZE);
	if (tw == NULL)
		return -ENOMEM;
	w->tcp = tw;
	tw->sh = sh;
	tw->max_conns = sh->max_conns;
	snprintf(name, sizeof(name), "ft_tcp%u_%p", w->idx, (void *)w);
	hp.name = name;
	tw->conns = rte_hash_create(&hp);
	tw->ooo_pool = ft_tcp_ooo_pool_create(w->idx, sh->max_conns, (int)rte_socket_id());
	tw->tcbs = rte_zmalloc("ft_tcbs", sizeof(struct ft_tcb) * sh->max_conns,
			       RTE_CACHE_LINE_SIZE);
	if (tw->conns == NULL || tw->tcbs == NULL || tw->ooo_pool == NULL)
		return -ENOMEM;
	if (ft_sock_table_init(tw, sh->max_conns + 256) < 0)
		return -ENOMEM;
	if (sm_pool_create(tw, sh) < 0)
		return -ENOMEM;
	if (sh->evlog_recs > 0 && evlog_pool_create(tw, sh, w->idx) < 0)
		return -ENOMEM;
	for (uint32_t i = sh->max_conns; i-- > 0;) {
		tw->tcbs[i].next_free = tw->free;
		tw->free = &tw->tcbs[i];
	}
	ft_tb_init(&tw->challenge_tb, rte_get_tsc_hz(), 1000, 100, rte_rdtsc());
	/* 100 µs ticks: delayed ACK (40 ms) and RTO (>= 200 ms) need no finer. */
	return ft_timer_wheel_init(&tw->tw, rte_rdtsc(), RTE_MAX(ft_clock_us_to_tsc(100), 1ul));
}

void
ft_tcp_worker_fini(struct ft_worker *w)
{
	struct ft_tcp_worker *tw = w->tcp;

	if (tw == NULL)
		return;
	rte_pktmbuf_free_bulk(tw->hdr, tw->n_hdr);
	tw->n_hdr = 0;
	if (tw->tcbs != NULL)
		for (uint32_t i = 0; i < tw->max_conns; i++)
			if (tw->tcbs[i].state != FT_TCP_CLOSED)
				ft_tcb_destroy(w, &tw->tcbs[i]);
	ft_sock_table_fini(tw);
	rte_free(tw->evlog_pool); /* the pool heads its own memory block */
	ft_sm_pool_destroy(tw->sm_pool);
	rte_hash_free(tw->conns);
	rte_mempool_free(tw->ooo_pool);
	rte_free(tw->tcbs);
	rte_free(tw);
	w->tcp = NULL;
}

struct ft_tcb *
ft_tcb_lookup(struct ft_worker *w, const struct ft_tcp_seg *s)
{
	struct tuple_key k = { .laddr = s->daddr, .faddr = s->saddr, .lport = s->dport,
			       .fport = s->sport };
	void *t;

	return rte_hash_lookup_data(w->tcp->conns, &k, &t) >= 0 ? t : NULL;
}

struct ft_tcb *
ft_tcb_create(struct ft_worker *w, uint32_t laddr, uint16_t lport, uint32_t faddr,
	      uint16_t fport)
{
	struct ft_tcp_worker *tw = w->tcp;
	struct tuple_key k = { .laddr = laddr, .faddr = faddr, .lport = lport, .fport = fport };
	struct ft_tcb *t = tw->free;

	if (t == NULL)
		return NULL;
	if (rte_hash_add_key_data(tw->conns, &k, t) < 0)
		return NULL;
	tw->free = t->next_free;
	memset(t, 0, sizeof(*t));
	t->laddr = laddr;
	t->faddr = faddr;
	t->lport = lport;
	t->fport = fport;
	t->w = w;
	ft_timer_init(&t->timer, tcb_timer_fired);
	ft_sndbuf_init(&t->sb, tw->sh->sndbuf);
	t->rcvq_limit = tw->sh->rcvbuf;
	ft_rtt_init(&t->rtt, 1000000, tw->sh->min_rto_us, tw->sh->max_rto_us);
	ft_tcp_rec_init(w, t);
	if (tw->evlog_pool != NULL)
		ft_evlog_attach(tw->evlog_pool, t, w->now); /* no free ring: counted, not logged */
	tw->n_conns++;
	w->stats.tcp_conns++;
	return t;
}

void
ft_tcb_destroy(struct ft_worker *w, struct ft_tcb *t)
{
	struct ft_tcp_worker *tw = w->tcp;
	struct tuple_key k = { .laddr = t->laddr, .faddr = t->faddr, .lport = t->lport,
			       .fport = t->fport };

	ft_evlog_detach(tw->evlog_pool, t, w->now);
	ft_tcp_batch_forget(w, t);
	ft_timer_cancel(&tw->tw, &t->timer);
	rte_hash_del_key(tw->conns, &k);
	ft_sndbuf_free(&t->sb);
	ft_sm_free_all(&t->sm);
	rte_pktmbuf_free(t->rcvq);
	ft_tcp_ooo_free(w, t);
	if (t->state == FT_TCP_SYN_RCVD)
		tw->syn_rcvd--;
	if (t->state == FT_TCP_TIME_WAIT)
		w->stats.tcp_time_wait--;
	t->state = FT_TCP_CLOSED;
	t->next_free = tw->free;
	tw->free = t;
	tw->n_conns--;
	w->stats.tcp_conns--;
}

uint32_t
ft_tcp_isn(struct ft_worker *w, const struct ft_tcb *t)
{
	uint64_t m[2] = { (uint64_t)t->laddr << 32 | t->faddr,
			  (uint64_t)t->lport << 16 | t->fport };
	uint64_t clock4us = ft_clock_tsc_to_us(w->now) / 4;

	return (uint32_t)(clock4us + ft_siphash(w->tcp->sh->isn_key, m, 2));
}

static void
tcb_timer_fired(struct ft_timer *tm, uint64_t now)
{
	struct ft_tcb *t = container_of(tm, struct ft_tcb, timer);

	ft_tcp_timers_fire(t->w, t, now);
}
