/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared micro-benchmark harness (STYLE.md §17, after DPDK's test_*_perf.c and
 * picohttpparser's bench.c): a fixed-seed PRNG so data sets are generated in code and runs
 * are comparable, rte_rdtsc_precise() timing around a measured loop, a warm-up helper, one
 * human line per measurement (cycles/op, ns/op, Mops/s) and one machine-readable
 * "RESULT {json}" line per bench. Header-only, and needs no EAL: the TSC rate is calibrated
 * against CLOCK_MONOTONIC once per process. Not for the library: benchmarks only.
 */
#ifndef FT_BENCH_BENCH_H
#define FT_BENCH_BENCH_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/mman.h>

#include <rte_common.h>
#include <rte_cycles.h>

#define BENCH_SEED UINT64_C(0x9e3779b97f4a7c15)

/* xorshift64*: fast, good enough for data sets, reproducible from BENCH_SEED. */
struct bench_rng {
	uint64_t s;
};

static inline void
bench_rng_init(struct bench_rng *r, uint64_t seed)
{
	r->s = seed != 0 ? seed : BENCH_SEED;
}

static inline uint64_t
bench_rand(struct bench_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * UINT64_C(2685821657736338717);
}

static inline uint64_t
bench_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* TSC ticks per second, measured over ~100 ms on first use (no EAL needed). */
static inline uint64_t
bench_tsc_hz(void)
{
	static uint64_t hz;
	uint64_t t0, c0, t1, c1;

	if (hz != 0)
		return hz;
	t0 = bench_mono_ns();
	c0 = rte_rdtsc_precise();
	do {
		t1 = bench_mono_ns();
	} while (t1 - t0 < 100000000);
	c1 = rte_rdtsc_precise();
	hz = (c1 - c0) * 1000000000u / (t1 - t0);
	return hz;
}

/*
 * Zeroed memory for a large data set, backed by transparent 2 MiB pages where the kernel
 * allows (madvise): the library's objects live in DPDK hugepage memory, so a bench on 4 KiB
 * pages would mostly measure TLB misses. Free with free(). NULL on failure.
 */
static inline void *
bench_alloc_huge(size_t size)
{
	const size_t huge = 2u << 20;
	void *p;

	size = (size + huge - 1) / huge * huge;
	p = aligned_alloc(huge, size);
	if (p == NULL)
		return NULL;
	(void)madvise(p, size, MADV_HUGEPAGE);
	memset(p, 0, size);
	return p;
}

/* Timing: cycles = bench_stop(bench_start()) around the measured loop. */
static inline uint64_t
bench_start(void)
{
	return rte_rdtsc_precise();
}

static inline uint64_t
bench_stop(uint64_t start)
{
	return rte_rdtsc_precise() - start;
}

static inline double
bench_ns_per_op(uint64_t cycles, uint64_t ops)
{
	return ops == 0 ? 0.0 : (double)cycles * 1e9 / (double)bench_tsc_hz() / (double)ops;
}

/* One live line: "<name>: <cycles>/op, <ns>/op, <Mops/s>". Returns ns/op. */
static inline double
bench_report(const char *name, uint64_t cycles, uint64_t ops)
{
	double ns = bench_ns_per_op(cycles, ops);

	printf("%-28s %10.1f cycles/op %9.2f ns/op %9.2f Mops/s  (%" PRIu64 " ops)\n", name,
	       ops ? (double)cycles / (double)ops : 0.0, ns, ns > 0 ? 1e3 / ns : 0.0, ops);
	fflush(stdout);
	return ns;
}

/* Warm-up then measure: @p fn runs @p ops operations; returns the cycles of the measured call. */
typedef void bench_fn(void *arg, uint64_t ops);

static inline uint64_t
bench_run(bench_fn *fn, void *arg, uint64_t warmup_ops, uint64_t ops)
{
	uint64_t t;

	if (warmup_ops != 0)
		fn(arg, warmup_ops);
	t = bench_start();
	fn(arg, ops);
	return bench_stop(t);
}

/* Print "RESULT {<fields>}" on one line: @p fmt is the JSON object body without braces. */
static inline void __rte_format_printf(1, 2)
bench_result(const char *fmt, ...)
{
	va_list ap;

	fputs("RESULT {", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputs("}\n", stdout);
	fflush(stdout);
}

#endif /* FT_BENCH_BENCH_H */
