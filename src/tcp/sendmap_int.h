/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to the sendmap, shared by sendmap.c, sack.c and sendmap_check.c and included by
 * nothing else (the API is sendmap.h). It holds what used to be static in one sendmap.c: the
 * index <-> pointer conversion and the small helpers the SACK walk runs per entry stay static
 * inline with their file-local names (STYLE.md §5: this header is private to the three files),
 * and the few functions one file calls in another have ft_sm_ names, grouped by the file that
 * implements them. The contracts of sendmap.h apply to all of it.
 */
#ifndef FT_TCP_SENDMAP_INT_H
#define FT_TCP_SENDMAP_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/sendmap.h"

/* Flags that describe where a range stands (counters follow them); the rest is history. */
#define FT_SM_STATE_FLAGS (FT_SM_SACKED | FT_SM_LOST | FT_SM_ORIG_LOST | FT_SM_RXT_OUT)

/* The entry at index @p i != 0 (ft_sm_ent() is the NULL-for-0 variant). */
static inline struct ft_sm_entry *
ent(const struct ft_sendmap *sm, uint32_t i)
{
	return &sm->pool->ents[i];
}

static inline uint32_t
idx(const struct ft_sendmap *sm, const struct ft_sm_entry *e)
{
	return (uint32_t)(e - sm->pool->ents);
}

/* Room for @p need more entries while leaving @p reserve under the cap. */
static inline bool
room(struct ft_sendmap *sm, uint32_t need, uint32_t reserve)
{
	if ((uint64_t)sm->n_entries + need + reserve > sm->max_entries)
		return false;
	if (sm->pool->n_free < need) {
		sm->pool->stats.pool_empty++;
		return false;
	}
	return true;
}

/* @p len bytes in state @p flags leave the map or change state. */
static inline void
acct_sub(struct ft_sendmap *sm, uint16_t flags, uint32_t len)
{
	if (flags & FT_SM_SACKED)
		sm->sacked_bytes -= len;
	if (flags & FT_SM_LOST)
		sm->lost_bytes -= len;
	if (flags & FT_SM_ORIG_LOST)
		sm->orig_lost_bytes -= len;
	if (flags & FT_SM_RXT_OUT)
		sm->retrans_out -= len;
}

/* @p dst takes in bytes of @p src: keep the newest transmission and the history bits. */
static inline void
absorb(struct ft_sm_entry *dst, const struct ft_sm_entry *src)
{
	if (src->xmit_ts > dst->xmit_ts)
		dst->xmit_ts = src->xmit_ts;
	if (src->rexmit > dst->rexmit)
		dst->rexmit = src->rexmit;
	dst->flags |= src->flags & (FT_SM_RETRANS | FT_SM_TLP | FT_SM_WAS_SACKED);
}

/* Take @p x off the tmap (it must be on it). */
static inline void
tmap_unlink(struct ft_sendmap *sm, uint32_t x)
{
	struct ft_sm_entry *ex = ent(sm, x);

	if (ex->t_next == x) {
		sm->tmap = 0;
	} else {
		ent(sm, ex->t_prev)->t_next = ex->t_next;
		ent(sm, ex->t_next)->t_prev = ex->t_prev;
		if (sm->tmap == x)
			sm->tmap = ex->t_next;
	}
	ex->t_next = ex->t_prev = 0;
}

/* sendmap.c: */

/* Split @p x at @p at (strictly inside it) into [start, at) and a new entry [at, end) right
 * after it in both orderings; room() or room_output() was checked (no validation here:
 * ft_sm_split() is the checked API). @return the right piece's index. */
uint32_t ft_sm_split_at(struct ft_sendmap *sm, uint32_t x, uint32_t at);

/* Merge @p r into its list predecessor @p l (same state flags; counters are unchanged) and
 * free @p r. */
void ft_sm_merge_into(struct ft_sendmap *sm, uint32_t l, uint32_t r);

/* Rebuild the tmap from every un-SACKed entry, ordered by xmit_ts then sequence (RTO clear,
 * attack mode). O(n log n). */
void ft_sm_tmap_rebuild(struct ft_sendmap *sm);

/* sack.c: */

/* SAD credit for a cumulative ACK that advanced una by @p acked bytes (tcp-design.md §2.1);
 * in attack mode it re-evaluates whether to leave it. */
void ft_sm_sad_on_cumack(struct ft_sendmap *sm, uint32_t acked);

#endif /* FT_TCP_SENDMAP_INT_H */
