/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sending during fast recovery: Proportional Rate Reduction, RFC 9937 §6 (the standards-track
 * successor of RFC 6937), and the RACK rapid recovery (RRR) pacing slot of FreeBSD RACK
 * (tcp-design.md §3.7). PRR spreads the cwnd reduction chosen by the cc module over the
 * recovery round trip (proportional part while pipe > ssthresh) and then lets pipe grow back
 * towards ssthresh no faster than slow start (CRB, or SSRB on a safe ACK). RRR lets a segment
 * RACK declared lost out without PRR credit, one per interval.
 *
 * Not here: loss detection (rack.c), ssthresh (cc_*.c), the pipe estimate (sendmap), and the
 * actual sending (output.c). The call protocol is in prr.h.
 */
#include <stdbool.h>
#include <stdint.h>

#include "tcp/prr.h"

void
ft_prr_init(struct ft_prr *p, uint32_t recover_fs, uint32_t ssthresh)
{
	*p = (struct ft_prr){
		.recover_fs = recover_fs != 0 ? recover_fs : 1,
		.ssthresh = ssthresh,
	};
}

/* RFC 9937 proportional part: ceil(prr_delivered * ssthresh / RecoverFS) - prr_out, >= 0.
 * prr_delivered is at most a few GB and ssthresh < 2^32, so the product fits in 64 bits. */
static uint64_t
proportional(const struct ft_prr *p)
{
	uint64_t allowed = (p->prr_delivered * p->ssthresh + p->recover_fs - 1) / p->recover_fs;

	return allowed > p->prr_out ? allowed - p->prr_out : 0;
}

/* RFC 9937 reduction bound once pipe <= ssthresh: CRB, plus one SMSS (SSRB) on a safe ACK,
 * never past ssthresh. */
static uint64_t
reduction_bound(const struct ft_prr *p, uint32_t delivered, uint32_t pipe, uint32_t mss,
		bool safe_ack)
{
	uint64_t owed = p->prr_delivered > p->prr_out ? p->prr_delivered - p->prr_out : 0;
	uint64_t limit = owed > delivered ? owed : delivered;
	uint64_t room = p->ssthresh - (uint64_t)pipe; /* pipe <= ssthresh here */

	if (safe_ack)
		limit += mss;
	return limit < room ? limit : room;
}

uint32_t
ft_prr_on_ack(struct ft_prr *p, uint32_t delivered, uint32_t pipe, uint32_t mss, bool safe_ack)
{
	uint64_t sndcnt;

	if (delivered == 0)
		return 0;
	p->prr_delivered += delivered;
	if (pipe > p->ssthresh)
		sndcnt = proportional(p);
	else
		sndcnt = reduction_bound(p, delivered, pipe, mss, safe_ack);
	/* Whole segments: rounding up gives what packet-counting stacks (Linux) get from the
	 * same ceil, and lets the first retransmission go on the ACK that allows half of it. */
	if (mss != 0)
		sndcnt = (sndcnt + mss - 1) / mss * mss;
	/* Force the fast retransmit out on entering recovery. */
	if (p->prr_out == 0 && sndcnt == 0)
		sndcnt = mss;
	p->sndcnt = sndcnt > UINT32_MAX ? UINT32_MAX : (uint32_t)sndcnt;
	return p->sndcnt;
}

void
ft_prr_on_sent(struct ft_prr *p, uint32_t bytes)
{
	p->prr_out += bytes;
}

void
ft_rrr_init(struct ft_rrr *rrr, bool enabled)
{
	*rrr = (struct ft_rrr){ .enabled = enabled };
}

uint64_t
ft_rrr_wait_us(const struct ft_rrr *rrr, uint64_t now, uint64_t interval_us)
{
	uint64_t next;

	if (!rrr->enabled)
		return UINT64_MAX;
	if (!rrr->has_last)
		return 0;
	next = rrr->last_us + interval_us;
	return now >= next ? 0 : next - now;
}

bool
ft_rrr_allow(struct ft_rrr *rrr, uint64_t now, uint64_t interval_us)
{
	if (ft_rrr_wait_us(rrr, now, interval_us) != 0)
		return false;
	rrr->has_last = true;
	rrr->last_us = now;
	return true;
}
