/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 6298 RTT estimation and RTO computation in microseconds: §2 (SRTT, RTTVAR, RTO with
 * alpha 1/8, beta 1/4, K 4, G 1 us), §5.5 (exponential backoff), §5.7 (3 s after a SYN
 * timeout). The integer rounding is described in rtt.h. This file does not decide which
 * segments may be sampled (Karn's algorithm, RFC 7323 §4 timestamp echo) nor arm any timer:
 * that is input.c and timer.c. RACK's own RTT use (min_rtt, reordering window) is in rack.c.
 */
#include <stdint.h>

#include "tcp/rtt.h"

enum { K = 4, G_US = 1 };

static uint32_t
clamp_rto(const struct ft_rtt *r, uint64_t rto_us)
{
	if (rto_us < r->min_rto_us)
		rto_us = r->min_rto_us;
	if (rto_us > r->max_rto_us)
		rto_us = r->max_rto_us;
	return (uint32_t)rto_us;
}

void
ft_rtt_init(struct ft_rtt *r, uint32_t initial_rto_us, uint32_t min_rto_us,
	    uint32_t max_rto_us)
{
	r->srtt_us = 0;
	r->rttvar_us = 0;
	r->min_rto_us = min_rto_us;
	r->max_rto_us = max_rto_us;
	r->backoff = 0;
	r->rto_us = clamp_rto(r, initial_rto_us);
}

void
ft_rtt_sample(struct ft_rtt *r, uint32_t rtt_us)
{
	uint64_t var4;

	if (rtt_us < G_US)
		rtt_us = G_US;
	if (r->srtt_us == 0) {
		/* §2.2: first measurement. */
		r->srtt_us = rtt_us;
		r->rttvar_us = rtt_us / 2;
	} else {
		/* §2.3: RTTVAR first, from the old SRTT. */
		uint32_t delta = r->srtt_us > rtt_us ? r->srtt_us - rtt_us : rtt_us - r->srtt_us;

		r->rttvar_us = (uint32_t)((3 * (uint64_t)r->rttvar_us + delta) / 4);
		r->srtt_us = (uint32_t)((7 * (uint64_t)r->srtt_us + rtt_us) / 8);
	}
	var4 = (uint64_t)K * r->rttvar_us;
	r->rto_us = clamp_rto(r, r->srtt_us + (var4 > G_US ? var4 : G_US));
}

void
ft_rtt_backoff(struct ft_rtt *r)
{
	if (r->backoff < UINT8_MAX)
		r->backoff++;
}

void
ft_rtt_reset_backoff(struct ft_rtt *r)
{
	r->backoff = 0;
}

uint32_t
ft_rtt_rto(const struct ft_rtt *r)
{
	/* rto_us < 2^32, so a shift of at most 32 cannot overflow 64 bits. */
	unsigned int shift = r->backoff < 32 ? r->backoff : 32;
	uint64_t rto = (uint64_t)r->rto_us << shift;

	return rto > r->max_rto_us ? r->max_rto_us : (uint32_t)rto;
}

void
ft_rtt_syn_timeout(struct ft_rtt *r)
{
	if (r->srtt_us == 0 && r->rto_us < FT_RTT_SYN_TIMEOUT_RTO_US)
		r->rto_us = clamp_rto(r, FT_RTT_SYN_TIMEOUT_RTO_US);
}
