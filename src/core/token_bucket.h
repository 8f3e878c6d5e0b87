/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Token bucket on TSC time, pure logic (no DPDK calls): used to rate-limit ICMP errors
 * (RFC 1812 §4.3.2.8), and later TCP challenge ACKs (RFC 5961 §7).
 */
#ifndef FT_CORE_TOKEN_BUCKET_H
#define FT_CORE_TOKEN_BUCKET_H

#include <stdbool.h>
#include <stdint.h>

struct ft_token_bucket {
	uint64_t tokens;        /* scaled by 'tsc_per_token': avoids division per call */
	uint64_t last;          /* TSC of the last refill */
	uint64_t tsc_per_token; /* 0 = unlimited */
	uint64_t burst;
};

/* @p rate tokens per second (0 = unlimited), up to @p burst banked; starts full. */
static inline void
ft_tb_init(struct ft_token_bucket *tb, uint64_t tsc_hz, uint32_t rate, uint32_t burst, uint64_t now)
{
	tb->tsc_per_token = rate ? tsc_hz / rate : 0;
	tb->burst = burst ? burst : 1;
	tb->tokens = tb->burst * tb->tsc_per_token;
	tb->last = now;
}

/* Take one token if available. */
static inline bool
ft_tb_take(struct ft_token_bucket *tb, uint64_t now)
{
	uint64_t cap = tb->burst * tb->tsc_per_token;

	if (tb->tsc_per_token == 0)
		return true;
	tb->tokens += now - tb->last;
	tb->last = now;
	if (tb->tokens > cap)
		tb->tokens = cap;
	if (tb->tokens < tb->tsc_per_token)
		return false;
	tb->tokens -= tb->tsc_per_token;
	return true;
}

#endif /* FT_CORE_TOKEN_BUCKET_H */
