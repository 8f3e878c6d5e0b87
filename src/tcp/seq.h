/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * 32-bit TCP sequence-number arithmetic, modulo 2^32 (RFC 9293 §3.4). Pure logic, inline.
 *
 * Every comparison of sequence numbers (and of timestamp values, RFC 7323 §5.2) goes through
 * these helpers: a raw '<' on two sequence numbers is wrong as soon as the space wraps
 * (STYLE.md §12). a < b means "b is ahead of a by 1 .. 2^31 - 1"; the signed 32-bit
 * difference decides. The one ambiguous distance, exactly 2^31, compares as "less" both ways
 * (lt(a, a + 2^31) and lt(a + 2^31, a) are both true); windows never get that large
 * (RFC 7323 §2.3 keeps them below 2^30).
 */
#ifndef FT_TCP_SEQ_H
#define FT_TCP_SEQ_H

#include <stdbool.h>
#include <stdint.h>

/* a - b as a signed distance: > 0 when a is ahead of b. Exact while |a - b| < 2^31. */
static inline int32_t
ft_seq_diff(uint32_t a, uint32_t b)
{
	/* Unsigned subtraction wraps (defined); GCC and clang convert to int32_t modulo 2^32. */
	return (int32_t)(a - b);
}

static inline bool
ft_seq_lt(uint32_t a, uint32_t b)
{
	return ft_seq_diff(a, b) < 0;
}

static inline bool
ft_seq_leq(uint32_t a, uint32_t b)
{
	return ft_seq_diff(a, b) <= 0;
}

static inline bool
ft_seq_gt(uint32_t a, uint32_t b)
{
	return ft_seq_diff(a, b) > 0;
}

static inline bool
ft_seq_geq(uint32_t a, uint32_t b)
{
	return ft_seq_diff(a, b) >= 0;
}

/* The later of a and b in sequence space. */
static inline uint32_t
ft_seq_max(uint32_t a, uint32_t b)
{
	return ft_seq_gt(a, b) ? a : b;
}

/* The earlier of a and b in sequence space. */
static inline uint32_t
ft_seq_min(uint32_t a, uint32_t b)
{
	return ft_seq_lt(a, b) ? a : b;
}

/*
 * lo <= s < hi in sequence space (the RFC 9293 §3.4 acceptability tests). The range is the
 * hi - lo numbers starting at lo, so it works for any range up to 2^32 - 1 long, including
 * ranges that wrap; lo == hi is the empty range.
 */
static inline bool
ft_seq_in(uint32_t s, uint32_t lo, uint32_t hi)
{
	return s - lo < hi - lo;
}

#endif /* FT_TCP_SEQ_H */
