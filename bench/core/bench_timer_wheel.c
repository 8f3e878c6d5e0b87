/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * core/timer_wheel.c with 1M (2^20) armed timers, for deadlines spread over 0..200 ms
 * (RTO/TLP/delayed-ACK-like) and over 0..2 h (keepalive-like), 10 µs ticks, ns time unit:
 *  - arm_cancel_hot:  arm + cancel of 1024 cache-hot timers while 1M others stay armed
 *                     (the TCP case: the TCB was just touched by the segment being processed);
 *  - arm_cancel_seq:  cancel + re-arm each of the 1M armed timers, in memory order;
 *  - arm_cancel_rand: the same in random order (every timer and its list neighbours miss);
 *  - arm_cancel_rand_tcb: random order with the timer itself cached (its TCB is hot);
 *  - rearm_lazy_*:    re-arm to a later deadline (the per-ACK RTO push): a store, no move;
 *  - advance:         run the clock to the end in poll-sized steps; cost per fired timer,
 *                     cascades and empty steps included.
 * The target: arm + cancel <= 50 ns amortised with 1M timers armed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_common.h>
#include <rte_prefetch.h>

#include "bench.h"
#include "core/timer_wheel.h"

#define N_TIMERS  (1u << 20)
#define N_HOT     1024u
#define N_DL      (1u << 16)  /* pre-generated random deadlines, indexed & (N_DL - 1) */
#define HOT_OPS   (1u << 22)
#define TICK_NS   10000u      /* 10 µs */

struct bench_state {
	struct ft_timer_wheel tw;
	struct ft_timer *t;         /* N_TIMERS armed */
	struct ft_timer *hot;       /* N_HOT, cycled */
	uint32_t *perm;             /* random permutation of 0..N_TIMERS-1 */
	uint64_t *dl;               /* N_DL deadlines in 1..range */
	uint64_t range;
	uint64_t fired;
	uint64_t refiled;           /* cascades + lazy re-files during the drain */
};

static struct bench_state *cur_bench; /* for the callback: one bench runs at a time */

static void
on_fire(struct ft_timer *t, uint64_t now)
{
	cur_bench->fired++;
}

static void
arm_cancel_hot(void *arg, uint64_t ops)
{
	struct bench_state *b = arg;

	for (uint64_t i = 0; i < ops; i++) {
		struct ft_timer *t = &b->hot[i & (N_HOT - 1)];

		ft_timer_arm(&b->tw, t, b->dl[i & (N_DL - 1)]);
		ft_timer_cancel(&b->tw, t);
	}
}

static void
arm_cancel_seq(void *arg, uint64_t ops)
{
	struct bench_state *b = arg;

	for (uint64_t i = 0; i < ops; i++) {
		struct ft_timer *t = &b->t[i & (N_TIMERS - 1)];

		ft_timer_cancel(&b->tw, t);
		ft_timer_arm(&b->tw, t, b->dl[(i * 7) & (N_DL - 1)]);
	}
}

static void
arm_cancel_rand(void *arg, uint64_t ops)
{
	struct bench_state *b = arg;

	for (uint64_t i = 0; i < ops; i++) {
		struct ft_timer *t = &b->t[b->perm[i & (N_TIMERS - 1)]];

		ft_timer_cancel(&b->tw, t);
		ft_timer_arm(&b->tw, t, b->dl[(i * 7) & (N_DL - 1)]);
	}
}

/* Random order, but the timer itself is already cached (prefetched 16 ahead), as a TCB is
 * when its segment is being processed: only its list neighbours miss. */
static void
arm_cancel_rand_tcb(void *arg, uint64_t ops)
{
	struct bench_state *b = arg;

	for (uint64_t i = 0; i < ops; i++) {
		struct ft_timer *t = &b->t[b->perm[i & (N_TIMERS - 1)]];

		rte_prefetch0(&b->t[b->perm[(i + 16) & (N_TIMERS - 1)]]);
		ft_timer_cancel(&b->tw, t);
		ft_timer_arm(&b->tw, t, b->dl[(i * 7) & (N_DL - 1)]);
	}
}

static void
rearm_lazy_seq(void *arg, uint64_t ops)
{
	struct bench_state *b = arg;

	for (uint64_t i = 0; i < ops; i++) {
		struct ft_timer *t = &b->t[i & (N_TIMERS - 1)];

		ft_timer_arm(&b->tw, t, ft_timer_deadline(t) + 1 + (i & 15));
	}
}

static void
rearm_lazy_rand(void *arg, uint64_t ops)
{
	struct bench_state *b = arg;

	for (uint64_t i = 0; i < ops; i++) {
		struct ft_timer *t = &b->t[b->perm[i & (N_TIMERS - 1)]];

		ft_timer_arm(&b->tw, t, ft_timer_deadline(t) + 1 + (i & 15));
	}
}

/* Fill the wheel: every timer armed at a random deadline in 1..range. Returns ns per arm. */
static double
fill(struct bench_state *b, struct bench_rng *rng)
{
	uint64_t c;

	ft_timer_wheel_init(&b->tw, 0, TICK_NS);
	for (uint32_t i = 0; i < N_TIMERS; i++) {
		ft_timer_init(&b->t[i], on_fire);
		b->perm[i] = i;
	}
	for (uint32_t i = N_TIMERS - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(bench_rand(rng) % (i + 1)), x = b->perm[i];

		b->perm[i] = b->perm[j];
		b->perm[j] = x;
	}
	for (uint32_t i = 0; i < N_HOT; i++)
		ft_timer_init(&b->hot[i], on_fire);
	for (uint32_t i = 0; i < N_DL; i++)
		b->dl[i] = 1 + bench_rand(rng) % b->range;
	c = bench_start();
	for (uint32_t i = 0; i < N_TIMERS; i++)
		ft_timer_arm(&b->tw, &b->t[b->perm[i]], 1 + bench_rand(rng) % b->range);
	return bench_report("fill (arm, random order)", bench_stop(c), N_TIMERS);
}

/* Advance in @p step increments until every timer has fired. Returns ns per fired timer. */
static double
drain(struct bench_state *b, uint64_t step)
{
	uint64_t refiled0 = b->tw.stats.refiled, c, now = 0, calls = 0;
	uint64_t end = b->range + 64 * TICK_NS;

	b->fired = 0;
	b->tw.stats.slots_run = 0;
	c = bench_start();
	while (now < end) {
		now += step;
		ft_timer_wheel_advance(&b->tw, now, UINT32_MAX);
		calls++;
	}
	c = bench_stop(c);
	b->refiled = b->tw.stats.refiled - refiled0;
	printf("advance: %" PRIu64 " calls of %" PRIu64 " ns, %" PRIu64 " fired, %" PRIu64
	       " re-filed, %" PRIu64 " slots run, %" PRIu64 " left\n", calls, step, b->fired,
	       b->refiled, b->tw.stats.slots_run, ft_timer_wheel_count(&b->tw));
	return bench_report("advance (per fired timer)", c, b->fired);
}

static void
run_range(struct bench_state *b, const char *name, uint64_t range, uint64_t step)
{
	struct bench_rng rng;
	double fill_ns, hot, seq, rnd, rtcb, lseq, lrnd, adv;
	uint64_t refiled0;

	printf("--- %u timers, deadlines 0..%s, tick %u ns ---\n", N_TIMERS, name, TICK_NS);
	bench_rng_init(&rng, BENCH_SEED);
	b->range = range;
	fill_ns = fill(b, &rng);
	hot = bench_report("arm+cancel hot",
			   bench_run(arm_cancel_hot, b, HOT_OPS / 4, HOT_OPS), HOT_OPS);
	seq = bench_report("cancel+arm seq (1M armed)",
			   bench_run(arm_cancel_seq, b, N_TIMERS, N_TIMERS), N_TIMERS);
	rnd = bench_report("cancel+arm rand (1M armed)",
			   bench_run(arm_cancel_rand, b, N_TIMERS, N_TIMERS), N_TIMERS);
	rtcb = bench_report("cancel+arm rand, TCB hot",
			    bench_run(arm_cancel_rand_tcb, b, N_TIMERS, N_TIMERS), N_TIMERS);
	refiled0 = b->tw.stats.refiled;
	lseq = bench_report("rearm lazy seq", bench_run(rearm_lazy_seq, b, 0, N_TIMERS),
			    N_TIMERS);
	lrnd = bench_report("rearm lazy rand", bench_run(rearm_lazy_rand, b, 0, N_TIMERS),
			    N_TIMERS);
	if (b->tw.stats.refiled != refiled0 || ft_timer_wheel_count(&b->tw) != N_TIMERS)
		printf("error: lazy re-arm moved timers\n");
	adv = drain(b, step);
	bench_result("\"bench\":\"timer_wheel\",\"range\":\"%s\",\"timers\":%u,\"tick_ns\":%u,"
		     "\"fill_arm_ns\":%.1f,\"arm_cancel_hot_ns\":%.1f,\"arm_cancel_seq_ns\":%.1f,"
		     "\"arm_cancel_rand_ns\":%.1f,\"arm_cancel_rand_tcb_hot_ns\":%.1f,"
		     "\"rearm_lazy_seq_ns\":%.1f,"
		     "\"rearm_lazy_rand_ns\":%.1f,\"advance_step_ns\":%" PRIu64 ","
		     "\"advance_ns_per_fired\":%.1f,\"fired\":%" PRIu64 ",\"refiled\":%" PRIu64,
		     name, N_TIMERS, TICK_NS, fill_ns, hot, seq, rnd, rtcb, lseq, lrnd, step, adv,
		     b->fired, b->refiled);
}

int
main(void)
{
	struct bench_state *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return 1;
	b->t = bench_alloc_huge(N_TIMERS * sizeof(*b->t)); /* like a hugepage TCB pool */
	b->hot = calloc(N_HOT, sizeof(*b->hot));
	b->perm = bench_alloc_huge(N_TIMERS * sizeof(*b->perm));
	b->dl = calloc(N_DL, sizeof(*b->dl));
	if (b->t == NULL || b->hot == NULL || b->perm == NULL || b->dl == NULL)
		return 1;
	cur_bench = b;
	printf("timer_wheel bench: TSC %" PRIu64 " Hz, sizeof(struct ft_timer) = %zu, "
	       "sizeof(struct ft_timer_wheel) = %zu\n", bench_tsc_hz(), sizeof(struct ft_timer),
	       sizeof(struct ft_timer_wheel));
	run_range(b, "200ms", UINT64_C(200000000), TICK_NS);
	run_range(b, "2h", UINT64_C(7200) * 1000000000u, UINT64_C(10000000));
	free(b->dl);
	free(b->perm);
	free(b->hot);
	free(b->t);
	free(b);
	return 0;
}
