/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --lcores-per-side N: both stacks get N workers on the same N lcores, and lcore i polls
 * server worker i and client worker i alternately (ft_worker_poll(), no worker loop of the
 * stacks is launched). So "1 lcore" and "2 lcores" compare the throughput of the whole
 * system (client plus server) on one CPU and on two, which is what a 2-CPU machine can
 * measure: with a dedicated lcore per worker, two workers per side would be four busy pollers
 * on two CPUs.
 *
 * The ring pair has N queues; --rss picks how its wire spreads frames over the receiving
 * side's queues: toeplitz (a NIC with symmetric RSS: no steering), queue (queue q to queue q)
 * or single (all to queue 0): the stacks cannot predict those and steer in software
 * (rx_steered counts the frames handed over between workers).
 *
 * The workload (rr or crr) runs as N independent shards, one per worker pair: shard i has
 * conns/N connections (the remainder to the first shards) opened by client worker i, which
 * picks source ports that hash back to it, and its own listening ports (port_base), so its
 * server side lives on server worker i as well and no workload state is shared between
 * lcores. The
 * ops table here (struct bench_workload) wraps the real one: hooks dispatch by worker index,
 * progress sums the shards, the report lists them under "shards" with the totals in front.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_pause.h>

#include "bench.h"

#define SHARD_PORT_STRIDE 1024 /* listening ports of shard i: port_base + i * stride ... */

struct bench_copoll {
	const struct bench_workload *inner;
	unsigned int n;
	unsigned int lcores[BENCH_MAX_LCORES_PER_SIDE];
	volatile bool stop;
	struct bench shards[BENCH_MAX_LCORES_PER_SIDE];
};

static struct bench_copoll *
cp_of(const struct bench *b)
{
	return b->copoll;
}

static void
shard_client_poll(struct ft_worker *w, void *arg)
{
	struct bench_copoll *cp = cp_of(arg);

	cp->inner->client_poll(w, &cp->shards[ft_worker_index(w)]);
}

static void
shard_server_poll(struct ft_worker *w, void *arg)
{
	struct bench_copoll *cp = cp_of(arg);

	cp->inner->server_poll(w, &cp->shards[ft_worker_index(w)]);
}

static int
shard_setup(struct bench *b)
{
	struct bench_copoll *cp = cp_of(b);
	uint32_t conns = b->o.conns;

	for (unsigned int i = 0; i < cp->n; i++) {
		struct bench *s = &cp->shards[i];
		int rc;

		*s = *b;
		s->wl = cp->inner;
		s->copoll = NULL;
		s->wl_state = NULL;
		s->o.conns = conns / cp->n + (i < conns % cp->n);
		s->port_base = (uint16_t)(b->port_base + i * SHARD_PORT_STRIDE);
		if (s->o.conns == 0) {
			fprintf(stderr, "fasttcp-bench: shard %u would be empty: give at least "
				"--lcores-per-side connections\n", i);
			return -EINVAL;
		}
		rc = cp->inner->setup(s);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void
shard_progress(const struct bench *b, struct bench_progress *p)
{
	struct bench_copoll *cp = cp_of(b);

	memset(p, 0, sizeof(*p));
	p->finished = true;
	for (unsigned int i = 0; i < cp->n; i++) {
		struct bench_progress q;

		cp->inner->progress(&cp->shards[i], &q);
		p->bytes += q.bytes;
		p->done += q.done;
		p->failed += q.failed;
		p->finished &= q.finished;
		if (q.t_first != 0 && (p->t_first == 0 || q.t_first < p->t_first))
			p->t_first = q.t_first;
		p->t_last = RTE_MAX(p->t_last, q.t_last);
	}
}

static void
shard_line(const struct bench *b, double t_s)
{
	struct bench_copoll *cp = cp_of(b);

	for (unsigned int i = 0; i < cp->n; i++) {
		printf("shard %u ", i);
		cp->inner->line(&cp->shards[i], t_s);
	}
}

/* Units of work per second of one shard over its own window (rr: transactions, crr:
 * connections): the shards run concurrently, so their rates add up. */
static double
shard_rate(const struct bench *s)
{
	struct bench_progress q;

	s->wl->progress(s, &q);
	return q.t_last > q.t_first && q.t_first != 0 ?
	       (double)q.done * (double)s->hz / (double)(q.t_last - q.t_first) : 0.0;
}

static bool
shard_report(struct bench *b, FILE *json, bool *verified)
{
	static const char *const rss[] = { "queue", "toeplitz", "single" };
	struct bench_copoll *cp = cp_of(b);
	struct ft_stats cl, sv;
	double total = 0;
	bool ok = true;

	*verified = false;
	for (unsigned int i = 0; i < cp->n; i++)
		total += shard_rate(&cp->shards[i]);
	ft_stack_stats_get(b->client, &cl);
	ft_stack_stats_get(b->server, &sv);
	fprintf(json, ",\"copoll\":{\"lcores_per_side\":%u,\"measured\":\"lcore i polls client "
		"worker i and server worker i alternately: whole-system throughput on %u lcore%s\","
		"\"rss\":\"%s\",\"rate_total_per_s\":%.0f,\"rx_steered\":%" PRIu64
		",\"steer_full\":%" PRIu64 "},\"shards\":[", cp->n, cp->n, cp->n > 1 ? "s" : "",
		rss[b->o.ring_rss], total, cl.rx_steered + sv.rx_steered,
		cl.drops[FT_DROP_STEER_FULL] + sv.drops[FT_DROP_STEER_FULL]);
	for (unsigned int i = 0; i < cp->n; i++) {
		bool v = false;

		fprintf(json, "%s{\"shard\":%u,\"port_base\":%u", i ? "," : "", i,
			cp->shards[i].port_base);
		ok = cp->inner->report(&cp->shards[i], json, &v) && ok;
		fprintf(json, "}");
	}
	fprintf(json, "]");
	return ok;
}

static void
shard_teardown(struct bench *b)
{
	struct bench_copoll *cp = cp_of(b);

	if (cp == NULL)
		return;
	for (unsigned int i = 0; i < cp->n; i++)
		if (cp->inner->teardown != NULL)
			cp->inner->teardown(&cp->shards[i]);
	free(cp);
	b->copoll = NULL;
}

static struct bench_workload sharded;

int
bench_copoll_prepare(struct bench *b, const unsigned int *lcores)
{
	const struct bench_workload *in = b->wl;
	struct bench_copoll *cp;

	/* Not bulk: its pattern source (fasttcp-httpd's body.c) is one named pool per process. */
	if (strcmp(in->name, "rr") != 0 && strcmp(in->name, "crr") != 0) {
		fprintf(stderr, "fasttcp-bench: --lcores-per-side supports rr and crr\n");
		return -ENOTSUP;
	}
	cp = calloc(1, sizeof(*cp));
	if (cp == NULL)
		return -ENOMEM;
	cp->inner = in;
	cp->n = b->o.lcores_per_side;
	memcpy(cp->lcores, lcores, cp->n * sizeof(lcores[0]));
	sharded = (struct bench_workload){
		.name = in->name, .summary = in->summary, .default_conns = in->default_conns,
		.default_duration_s = in->default_duration_s, .setup = shard_setup,
		.client_poll = in->client_poll ? shard_client_poll : NULL,
		.server_poll = in->server_poll ? shard_server_poll : NULL,
		.progress = shard_progress, .line = shard_line, .report = shard_report,
		.teardown = shard_teardown,
	};
	b->copoll = cp;
	b->wl = &sharded;
	return 0;
}

struct lcore_arg {
	struct bench *b;
	unsigned int idx;
};

static struct lcore_arg lcore_args[BENCH_MAX_LCORES_PER_SIDE];

/* Lcore i: server worker i, then client worker i, until stopped. No sleeping: this is a
 * benchmark run, and both stacks' workers on this lcore would starve while it slept. */
static int
copoll_lcore(void *arg)
{
	struct lcore_arg *a = arg;
	struct bench *b = a->b;
	struct bench_copoll *cp = b->copoll;

	if (ft_worker_poll_begin(b->server, a->idx) < 0 ||
	    ft_worker_poll_begin(b->client, a->idx) < 0)
		return -EINVAL;
	while (!cp->stop) {
		unsigned int n = ft_worker_poll(b->server, a->idx);

		n += ft_worker_poll(b->client, a->idx);
		if (n == 0)
			rte_pause();
	}
	ft_worker_poll_end(b->client, a->idx);
	ft_worker_poll_end(b->server, a->idx);
	return 0;
}

int
bench_copoll_start(struct bench *b)
{
	struct bench_copoll *cp = b->copoll;

	cp->stop = false;
	for (unsigned int i = 0; i < cp->n; i++)
		cp->shards[i].t_start = b->t_start;
	for (unsigned int i = 0; i < cp->n; i++) {
		lcore_args[i] = (struct lcore_arg){ .b = b, .idx = i };
		if (rte_eal_remote_launch(copoll_lcore, &lcore_args[i], cp->lcores[i]) < 0) {
			bench_copoll_stop(b);
			return -EBUSY;
		}
	}
	return 0;
}

void
bench_copoll_stop(struct bench *b)
{
	struct bench_copoll *cp = b->copoll;

	cp->stop = true;
	for (unsigned int i = 0; i < cp->n; i++)
		rte_eal_wait_lcore(cp->lcores[i]);
}
