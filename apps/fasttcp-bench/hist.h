/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A latency histogram in the manner of HdrHistogram: log-linear buckets, 32 per power of two,
 * so values below 64 are exact and larger ones are kept within 1/32 (3.1 %); a percentile is
 * reported as the middle of its bucket (error <= 1.6 %). Fixed size (15 KiB) and adding a
 * sample is a count-leading-zeros, a shift and an increment: nothing is allocated on the data
 * path. Values carry no unit; the workloads record TSC cycles and convert when they print.
 *
 * One writer (the worker that records); any other thread may copy the struct at any time:
 * the counters are aligned 64-bit words, which do not tear, so a copy is at most a few
 * samples behind. Two copies subtracted (bench_hist_sub) give the samples of the interval.
 */
#ifndef FT_APPS_BENCH_HIST_H
#define FT_APPS_BENCH_HIST_H

#include <stdint.h>
#include <stdio.h>

#define BENCH_HIST_SUB_BITS 5
#define BENCH_HIST_SUB (1u << BENCH_HIST_SUB_BITS)
/* Values 0..63 take one bucket each; every further power of two 32: 2^6 .. 2^64. */
#define BENCH_HIST_BUCKETS ((64 - BENCH_HIST_SUB_BITS + 1) * BENCH_HIST_SUB)

struct bench_hist {
	uint64_t n;        /* samples */
	uint64_t sum;      /* of the values (mean) */
	uint64_t max;
	uint64_t b[BENCH_HIST_BUCKETS];
};

/* Bucket of @p v: v itself below 2 * SUB, else (shift * SUB + the top 6 bits of v). */
static inline unsigned int
bench_hist_index(uint64_t v)
{
	unsigned int shift;

	if (v < 2 * BENCH_HIST_SUB)
		return (unsigned int)v;
	shift = (unsigned int)(63 - __builtin_clzll(v)) - BENCH_HIST_SUB_BITS;
	return shift * BENCH_HIST_SUB + (unsigned int)(v >> shift);
}

/* Record one value. The recording worker only. */
static inline void
bench_hist_add(struct bench_hist *h, uint64_t v)
{
	h->b[bench_hist_index(v)]++;
	h->n++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
}

/* The middle of bucket @p idx (the value a percentile in it is reported as). */
uint64_t bench_hist_bucket_mid(unsigned int idx);

/* The value at quantile @p q (0..1) of @p h: the middle of the bucket holding the sample of
 * rank ceil(q * n). 0 when @p h is empty. */
uint64_t bench_hist_quantile(const struct bench_hist *h, double q);

/* @p out = @p now - @p before, bucket by bucket: the samples recorded between two copies of
 * the same histogram. out->max is the largest bucket's middle. @p out may be @p now. */
void bench_hist_sub(struct bench_hist *out, const struct bench_hist *now,
		    const struct bench_hist *before);

/* JSON members ,"p50_us":x,"p99_us":x,"p999_us":x,"mean_us":x,"max_us":x of @p h, whose
 * values are TSC cycles at @p hz. */
void bench_hist_json(FILE *f, const struct bench_hist *h, uint64_t hz);

#endif /* FT_APPS_BENCH_HIST_H */
