/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Receive-buffer autotuning (dynamic right-sizing, Fisk & Feng 2001; FreeBSD's
 * tcp_autorcvbuf): once per RTT, if the peer delivered more than 7/8 of the buffer in that
 * RTT, our window was what limited it, so the buffer doubles, up to a maximum. Pure logic.
 */
#ifndef FT_TCP_AUTOTUNE_H
#define FT_TCP_AUTOTUNE_H

#include <stdint.h>

struct ft_rcv_autotune {
	uint32_t start_seq; /* rcv_nxt when the current measurement began */
	uint64_t start_us;  /* and when */
};

/*
 * Account in-order data up to @p rcv_nxt at @p now_us. @return the buffer size to use: @p cur,
 * or a larger one (at most @p max) when the last RTT (@p rtt_us, >= 1) filled 7/8 of @p cur.
 */
static inline uint32_t
ft_tcp_autotune(struct ft_rcv_autotune *a, uint32_t rcv_nxt, uint64_t now_us, uint32_t rtt_us,
		uint32_t cur, uint32_t max)
{
	uint32_t got = rcv_nxt - a->start_seq;

	if (now_us - a->start_us < rtt_us)
		return cur;
	a->start_seq = rcv_nxt;
	a->start_us = now_us;
	if (got < cur / 8 * 7 || cur >= max)
		return cur;
	return cur > max / 2 ? max : cur * 2;
}

#endif /* FT_TCP_AUTOTUNE_H */
