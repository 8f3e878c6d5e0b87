/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp/sendmap.c in the shapes the stack produces, MSS 1448:
 *  - send_cumack:   steady state without loss: append one segment, cumulatively ACK one
 *                   (64 and 16384 segments in flight); ns per send + cumack pair;
 *  - sack_typical:  a stream with one lost segment per 100, ACKed segment by segment: each ACK
 *                   carries the growing newest block plus the two previous ones (RFC 2018 §4),
 *                   the hole is marked lost and retransmitted 3 segments later and repaired
 *                   (cumulative ACK) 3 holes later, new data keeps 3000 (and 2^20: a 1.5 GB
 *                   window) segments in flight; ns per ft_sm_sack() call (rdtsc around each
 *                   call, pair overhead removed) and per whole ACK step (sack + send + the
 *                   mark/retransmit/cumack share);
 *  - append_1m:     building a map of 2^20 one-segment entries (1.5 GB of sequence space);
 *  - find_1m:       ft_sm_find() on that map, random and ascending sequence numbers;
 *  - sack_rand_1m:  single-segment SACK blocks at random places in that map (lookup, mark,
 *                   merges);
 *  - split_heavy:   64 KB TSO entries (tail-extended) with every other segment SACKed one block
 *                   per ACK, the pattern that splits most (SAD off); ns per block, timed around
 *                   the SACK loop of each window (the refill and the final cumack excluded).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "bench.h"
#include "tcp/sendmap.h"
#include "tcp/seq.h"

#define MSS 1448u
#define BIG (1u << 20)

static void *
huge_alloc(size_t size, size_t align, void *ctx)
{
	RTE_SET_USED(align); /* bench_alloc_huge() aligns to 2 MiB */
	RTE_SET_USED(ctx);
	return bench_alloc_huge(size);
}

static void
huge_free(void *p, void *ctx)
{
	RTE_SET_USED(ctx);
	free(p);
}

static struct ft_sm_pool *
pool(uint32_t cap, bool sad)
{
	struct ft_sm_pool_conf c;
	struct ft_sm_pool *p;

	ft_sm_pool_conf_init(&c, cap);
	c.alloc = huge_alloc;
	c.free = huge_free;
	c.params.sad_enable = sad;
	p = ft_sm_pool_create(&c);
	if (p == NULL) {
		fprintf(stderr, "pool of %u entries: out of memory\n", cap);
		exit(1);
	}
	return p;
}

static void
must(int rc, const char *what)
{
	if (rc != 0) {
		fprintf(stderr, "%s: %d\n", what, rc);
		exit(1);
	}
}

/* ---- send + cumack ---- */

struct sc {
	struct ft_sendmap sm;
	uint32_t seq;     /* next to send */
	uint64_t now;
};

static void
send_cumack(void *arg, uint64_t ops)
{
	struct sc *s = arg;

	for (uint64_t i = 0; i < ops; i++) {
		s->now++;
		must(ft_sm_on_send(&s->sm, s->seq, s->seq + MSS, s->now, 0), "send");
		s->seq += MSS;
		must(ft_sm_cumack(&s->sm, s->sm.una + MSS, NULL, NULL, NULL), "cumack");
	}
}

static double
run_send_cumack(uint32_t inflight)
{
	struct ft_sm_pool *p = pool(inflight + 16, true);
	struct sc s = { .seq = 1000 };
	char name[64];
	double ns;

	ft_sm_init(&s.sm, p, inflight + 16);
	ft_sm_set_mss(&s.sm, MSS);
	for (uint32_t i = 0; i < inflight; i++) {
		must(ft_sm_on_send(&s.sm, s.seq, s.seq + MSS, ++s.now, 0), "fill");
		s.seq += MSS;
	}
	snprintf(name, sizeof(name), "send+cumack (%u in flight)", inflight);
	ns = bench_report(name, bench_run(send_cumack, &s, 1u << 18, 1u << 22), 1u << 22);
	ft_sm_free_all(&s.sm);
	ft_sm_pool_destroy(p);
	return ns;
}

/* ---- typical loss ---- */

#define HOLE_EVERY 100u

struct tl {
	struct ft_sendmap sm;
	uint64_t inflight;
	uint32_t base;        /* sequence of segment 0 */
	uint64_t sent;        /* segments sent */
	uint64_t rcvd;        /* next segment the receiver gets */
	uint64_t now;
	uint64_t sack_cycles; /* inside ft_sm_sack() only */
	uint64_t sack_calls;
};

static uint32_t
seg(const struct tl *t, uint64_t i)
{
	return t->base + (uint32_t)(i * MSS);
}

static void
tl_send(struct tl *t)
{
	must(ft_sm_on_send(&t->sm, seg(t, t->sent), seg(t, t->sent + 1), ++t->now, 0), "send");
	t->sent++;
}

/* The receiver got segment r (not a hole): SACK option newest block first, then two older. */
static void
tl_ack(struct tl *t, uint64_t r)
{
	uint64_t h = r / HOLE_EVERY * HOLE_EVERY;
	struct ft_tcp_sack_block b[3];
	struct ft_sm_sack_in in = { .blocks = b, .now_us = t->now };
	struct ft_sm_sack_out out;
	uint64_t c;

	b[0] = (struct ft_tcp_sack_block){ seg(t, h + 1), seg(t, r + 1) };
	in.n = 1;
	for (uint64_t k = 1; k <= 2 && h >= k * HOLE_EVERY; k++) {
		uint64_t hk = h - k * HOLE_EVERY;

		if (seg(t, hk + 1) == t->sm.una || ft_seq_lt(seg(t, hk + 1), t->sm.una))
			break;
		b[in.n++] = (struct ft_tcp_sack_block){ seg(t, hk + 1), seg(t, hk + HOLE_EVERY) };
	}
	c = rte_rdtsc();
	ft_sm_sack(&t->sm, &in, &out);
	t->sack_cycles += rte_rdtsc() - c;
	t->sack_calls++;
}

static void
ack_steps(void *arg, uint64_t ops)
{
	struct tl *t = arg;

	for (uint64_t i = 0; i < ops; i++) {
		uint64_t r = t->rcvd++;

		if (r % HOLE_EVERY != 0)
			tl_ack(t, r);
		if (r % HOLE_EVERY == 3 && r > 3) {
			/* RACK: the hole is lost; retransmit it. */
			struct ft_sm_entry *e = ft_sm_find(&t->sm, seg(t, r - 3));

			ft_sm_mark_lost(&t->sm, e);
			e = ft_sm_next_lost(&t->sm);
			ft_sm_on_retransmit(&t->sm, e->start, e->end, t->now, 0);
		}
		if (r % HOLE_EVERY == 0 && r >= 3 * HOLE_EVERY) /* a retransmission arrived */
			must(ft_sm_cumack(&t->sm, seg(t, r - 2 * HOLE_EVERY), NULL, NULL, NULL),
			     "cumack");
		while (t->sent - t->rcvd < t->inflight)
			tl_send(t);
	}
}

/* Cycles of an empty rte_rdtsc() pair, to subtract from the per-call sums. */
static uint64_t
rdtsc_pair_cycles(void)
{
	uint64_t sum = 0, c;

	for (int i = 0; i < 1 << 16; i++) {
		c = rte_rdtsc();
		sum += rte_rdtsc() - c;
	}
	return sum >> 16;
}

static void
run_typical(uint32_t inflight, double *sack_ns, double *step_ns)
{
	struct ft_sm_pool *p = pool(inflight + 4096, true);
	static struct tl t;
	uint64_t cyc, ops = 1u << 21, pair = rdtsc_pair_cycles();
	char name[64];

	memset(&t, 0, sizeof(t));
	t.inflight = inflight;
	t.base = 0xfff00000u; /* wraps during the run */
	ft_sm_init(&t.sm, p, inflight + 4096);
	ft_sm_set_mss(&t.sm, MSS);
	while (t.sent < inflight)
		tl_send(&t);
	ack_steps(&t, 1u << 16); /* warm-up */
	t.sack_cycles = t.sack_calls = 0;
	cyc = bench_run(ack_steps, &t, 0, ops);
	snprintf(name, sizeof(name), "ack step, 1%% loss, %u out", inflight);
	*step_ns = bench_report(name, cyc, ops);
	*sack_ns = bench_report("  of which ft_sm_sack()", t.sack_cycles - pair * t.sack_calls,
				t.sack_calls);
	printf("  entries %u, sacked %u B, attacks %" PRIu64 ", shifts %" PRIu64 ", splits %"
	       PRIu64 ", known blocks %" PRIu64 "\n", t.sm.n_entries, t.sm.sacked_bytes,
	       p->stats.sad_attacks, p->stats.shifts, p->stats.splits, p->stats.sack_known);
	ft_sm_free_all(&t.sm);
	ft_sm_pool_destroy(p);
}

/* ---- 1M-entry map ---- */

struct big {
	struct ft_sendmap sm;
	uint32_t base;
	uint32_t *keys;   /* random sequence numbers inside the map */
	uint64_t sink;
};

static void
find_rand(void *arg, uint64_t ops)
{
	struct big *b = arg;

	for (uint64_t i = 0; i < ops; i++)
		b->sink += ft_sm_find(&b->sm, b->keys[i & (BIG - 1)])->start;
}

static void
find_seq(void *arg, uint64_t ops)
{
	struct big *b = arg;

	for (uint64_t i = 0; i < ops; i++)
		b->sink += ft_sm_find(&b->sm, b->base + (uint32_t)(i & (BIG - 1)) * MSS + 7)->start;
}

static void
sack_rand(void *arg, uint64_t ops)
{
	struct big *b = arg;
	struct ft_tcp_sack_block blk;
	struct ft_sm_sack_in in = { .blocks = &blk, .n = 1, .now_us = 1 };
	struct ft_sm_sack_out out;

	for (uint64_t i = 0; i < ops; i++) {
		uint32_t s = b->base + (b->keys[i & (BIG - 1)] - b->base) / MSS * MSS;

		blk = (struct ft_tcp_sack_block){ s, s + MSS };
		ft_sm_sack(&b->sm, &in, &out);
	}
}

static void
run_big(double *append_ns, double *rand_ns, double *seq_ns, double *sack_ns)
{
	struct ft_sm_pool *p = pool(BIG + 16, false);
	static struct big b;
	struct bench_rng rng;
	uint64_t c;

	b.base = 0x80000000u;
	b.keys = malloc(BIG * sizeof(*b.keys));
	if (b.keys == NULL)
		exit(1);
	bench_rng_init(&rng, BENCH_SEED);
	ft_sm_init(&b.sm, p, BIG + 16);
	ft_sm_set_mss(&b.sm, MSS);
	c = bench_start();
	for (uint32_t i = 0; i < BIG; i++)
		must(ft_sm_on_send(&b.sm, b.base + i * MSS, b.base + (i + 1) * MSS, i, 0), "append");
	*append_ns = bench_report("append (1M-entry map)", bench_stop(c), BIG);
	for (uint32_t i = 0; i < BIG; i++)
		b.keys[i] = b.base + (uint32_t)(bench_rand(&rng) % ((uint64_t)BIG * MSS));
	*rand_ns = bench_report("find random (1M entries)", bench_run(find_rand, &b, BIG, 4 * BIG),
				4 * BIG);
	*seq_ns = bench_report("find ascending (1M)", bench_run(find_seq, &b, BIG, 4 * BIG),
			       4 * BIG);
	*sack_ns = bench_report("sack random seg (1M)", bench_run(sack_rand, &b, 0, BIG / 4),
				BIG / 4);
	printf("  entries after: %u, sacked %u MB\n", b.sm.n_entries, b.sm.sacked_bytes >> 20);
	if (ft_sm_check(&b.sm) != 0) {
		fprintf(stderr, "sendmap check failed\n");
		exit(1);
	}
	ft_sm_free_all(&b.sm);
	ft_sm_pool_destroy(p);
	free(b.keys);
}

/* ---- split-heavy ---- */

#define TSO_SEGS 44u
#define SH_ENTRIES 256u

struct sh {
	struct ft_sendmap sm;
	uint32_t seq;
	uint64_t now;
	uint64_t blocks;
	uint64_t cycles;  /* in the SACK loops */
};

static void
sh_fill(struct sh *s)
{
	for (uint32_t e = 0; e < SH_ENTRIES; e++) {
		s->now++;
		for (uint32_t k = 0; k < TSO_SEGS; k++) {
			must(ft_sm_on_send(&s->sm, s->seq, s->seq + MSS, s->now, 0), "send");
			s->seq += MSS;
		}
	}
}

/* One window: SACK every other segment, one block per ACK, then acknowledge it all. */
static void
split_heavy(void *arg, uint64_t rounds)
{
	struct sh *s = arg;
	struct ft_tcp_sack_block blk;
	struct ft_sm_sack_in in = { .blocks = &blk, .n = 1 };
	struct ft_sm_sack_out out;

	for (uint64_t r = 0; r < rounds; r++) {
		uint32_t una = s->sm.una;
		uint64_t c;

		sh_fill(s);
		una = s->sm.una;
		c = bench_start();
		for (uint32_t i = 1; i < SH_ENTRIES * TSO_SEGS; i += 2) {
			blk = (struct ft_tcp_sack_block){ una + i * MSS, una + (i + 1) * MSS };
			in.now_us = s->now;
			ft_sm_sack(&s->sm, &in, &out);
			s->blocks++;
		}
		s->cycles += bench_stop(c);
		must(ft_sm_cumack(&s->sm, s->sm.max, NULL, NULL, NULL), "cumack");
	}
}

static double
run_split_heavy(void)
{
	uint32_t cap = SH_ENTRIES * TSO_SEGS + 16;
	struct ft_sm_pool *p = pool(cap, false);
	static struct sh s;
	double ns;

	s.seq = 12345;
	ft_sm_init(&s.sm, p, cap);
	ft_sm_set_mss(&s.sm, MSS);
	split_heavy(&s, 2);
	s.blocks = s.cycles = 0;
	split_heavy(&s, 64);
	ns = bench_report("split-heavy (per block)", s.cycles, s.blocks);
	printf("  splits %" PRIu64 ", merges %" PRIu64 " (all rounds)\n",
	       p->stats.splits, p->stats.merges);
	ft_sm_pool_destroy(p);
	return ns;
}

int
main(void)
{
	double sc64, sc16k, sack, step, sack1m, step1m, app, frand, fseq, srand, split;

	printf("sendmap: entry %zu B, per-connection state %zu B, MSS %u\n",
	       sizeof(struct ft_sm_entry), sizeof(struct ft_sendmap), MSS);
	sc64 = run_send_cumack(64);
	sc16k = run_send_cumack(16384);
	run_typical(3000, &sack, &step);
	run_typical(BIG, &sack1m, &step1m);
	run_big(&app, &frand, &fseq, &srand);
	split = run_split_heavy();
	bench_result("\"bench\":\"sendmap\",\"send_cumack_64_ns\":%.2f,\"send_cumack_16k_ns\":%.2f,"
		     "\"sack_typical_ns\":%.2f,\"ack_step_typical_ns\":%.2f,"
		     "\"sack_typical_1m_ns\":%.2f,\"ack_step_typical_1m_ns\":%.2f,"
		     "\"append_1m_ns\":%.2f,\"find_1m_rand_ns\":%.2f,\"find_1m_seq_ns\":%.2f,"
		     "\"sack_rand_1m_ns\":%.2f,\"split_heavy_block_ns\":%.2f",
		     sc64, sc16k, sack, step, sack1m, step1m, app, frand, fseq, srand, split);
	return 0;
}
