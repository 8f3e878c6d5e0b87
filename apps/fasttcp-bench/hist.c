/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading the latency histogram of hist.h: bucket bounds, percentiles, interval differences
 * and the JSON members. Main thread; the recording side is the inline bench_hist_add().
 */
#include <inttypes.h>

#include "hist.h"

uint64_t
bench_hist_bucket_mid(unsigned int idx)
{
	unsigned int shift;
	uint64_t low;

	if (idx < 2 * BENCH_HIST_SUB)
		return idx;
	shift = idx / BENCH_HIST_SUB - 1;
	low = (uint64_t)(idx % BENCH_HIST_SUB + BENCH_HIST_SUB) << shift;
	return low + ((1ull << shift) - 1) / 2;
}

uint64_t
bench_hist_quantile(const struct bench_hist *h, double q)
{
	uint64_t rank, mid, seen = 0;

	if (h->n == 0)
		return 0;
	rank = (uint64_t)(q * (double)h->n);
	if ((double)rank < q * (double)h->n)
		rank++; /* ceil without libm */
	if (rank == 0)
		rank = 1;
	for (unsigned int i = 0; i < BENCH_HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen < rank)
			continue;
		mid = bench_hist_bucket_mid(i);
		return mid < h->max ? mid : h->max; /* the top bucket's middle may lie above */
	}
	return h->max; /* a racy copy whose n ran ahead of its buckets */
}

void
bench_hist_sub(struct bench_hist *out, const struct bench_hist *now,
	       const struct bench_hist *before)
{
	uint64_t n = 0;

	out->max = 0;
	for (unsigned int i = 0; i < BENCH_HIST_BUCKETS; i++) {
		out->b[i] = now->b[i] - before->b[i];
		n += out->b[i];
		if (out->b[i] != 0)
			out->max = bench_hist_bucket_mid(i);
	}
	out->n = n; /* from the buckets: consistent with them even in a racy copy */
	out->sum = now->sum - before->sum;
}

void
bench_hist_json(FILE *f, const struct bench_hist *h, uint64_t hz)
{
	double us = (double)hz / 1e6;

	fprintf(f, ",\"p50_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"mean_us\":%.1f,"
		"\"max_us\":%.1f", (double)bench_hist_quantile(h, 0.5) / us,
		(double)bench_hist_quantile(h, 0.99) / us,
		(double)bench_hist_quantile(h, 0.999) / us,
		h->n ? (double)h->sum / (double)h->n / us : 0.0, (double)h->max / us);
}
