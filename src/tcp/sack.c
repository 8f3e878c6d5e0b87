/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SACK blocks -> sendmap marks (RFC 2018, RFC 2883 §4, tcp-design.md §1.5 and §2): the blocks
 * of one ACK are checked for a D-SACK first block, validated against [una, max), sorted and
 * applied in ascending order, each located from where the previous one ended. Un-SACKed
 * pieces become SACKED by shifting a SACKed neighbour's boundary where one is adjacent and by
 * splitting (under the per-connection cap) otherwise, and adjacent SACKED entries are merged.
 * SACK attack detection (FreeBSD RACK's SAD counters and ratios, thresholds in struct
 * ft_sm_params) keeps its accounting here, decays it, and enters or leaves attack mode.
 * The contract is ft_sm_sack() in sendmap.h.
 *
 * What it does not do: cumulative ACKs and renege detection (sendmap.c, which reports the
 * acknowledged bytes to SAD through ft_sm_sad_on_cumack()), the pool, treap and lists
 * (sendmap.c, shared through sendmap_int.h), act on a D-SACK (recovery.c hands it to rack.c),
 * or decide loss from the scoreboard (rack.c).
 */
#include <string.h>

#include <rte_common.h>

#include "tcp/sendmap.h"
#include "tcp/sendmap_int.h"
#include "tcp/seq.h"

#define SAD_HALVE_AT 0xfff00000u /* tcp-design.md §2.1 overflow guard */
#define WALK_FREE 2              /* entries walked from the hint to a block for free (SAD) */
#define WALK_MAX 8               /* beyond this, look the block up in the treap */

static inline bool
contains(const struct ft_sm_entry *e, uint32_t seq)
{
	return ft_seq_in(seq, e->start, e->end);
}

/* ---- applying one block ---- */

struct sack_ctx {
	struct ft_sendmap *sm;
	const struct ft_sm_sack_in *in;
	struct ft_sm_sack_out *out;
	uint32_t newly;   /* bytes this block newly SACKed */
	uint32_t moves;   /* extra work this block needed (SAD) */
	bool unaligned;   /* a piece did not start/end on a segment boundary */
	bool refused;
};

/* The piece [ps, pe) of un-SACKed @p x becomes SACKed (its bytes move to sacked_bytes). */
static void
sack_piece(struct sack_ctx *c, const struct ft_sm_entry *x, uint32_t ps, uint32_t pe)
{
	struct ft_sendmap *sm = c->sm;
	uint32_t len = pe - ps;

	if (c->in->cb != NULL) {
		struct ft_sm_delivery d = {
			.start = ps, .end = pe, .xmit_ts = x->xmit_ts,
			.first_xmit_ts = x->first_xmit_ts, .flags = x->flags,
			.rexmit = x->rexmit, .sacked = true,
		};

		c->in->cb(&d, c->in->arg);
	}
	acct_sub(sm, x->flags, len);
	sm->sacked_bytes += len;
	if (c->out->newly_sacked == 0 || ft_seq_gt(pe, c->out->high_sacked))
		c->out->high_sacked = pe;
	c->out->newly_sacked += len;
	c->newly += len;
}

/* All of un-SACKed @p x becomes SACKED, merged with SACKED neighbours. @return the result. */
static struct ft_sm_entry *
sack_whole(struct sack_ctx *c, struct ft_sm_entry *x)
{
	struct ft_sendmap *sm = c->sm;
	struct ft_sm_entry *n;
	uint32_t xi = idx(sm, x);

	sack_piece(c, x, x->start, x->end);
	x->flags = (x->flags & ~(FT_SM_STATE_FLAGS | FT_SM_RTO)) | FT_SM_SACKED;
	tmap_unlink(sm, xi);
	n = ft_sm_prev(sm, x);
	if (n != NULL && (n->flags & FT_SM_SACKED)) {
		ft_sm_merge_into(sm, idx(sm, n), xi);
		x = n;
		xi = idx(sm, x);
	}
	n = ft_sm_next(sm, x);
	if (n != NULL && (n->flags & FT_SM_SACKED))
		ft_sm_merge_into(sm, xi, idx(sm, n));
	return x;
}

/* May this block split @p need more entries? Splits are SAD moves; a refusal ends the block. */
static bool
sack_room(struct sack_ctx *c, uint32_t need)
{
	if (room(c->sm, need, FT_SM_RESERVE)) {
		c->moves += need;
		return true;
	}
	c->refused = true;
	return false;
}

/* [x.start, end) with end inside x: shift into a SACKED predecessor, else split. */
static struct ft_sm_entry *
sack_prefix(struct sack_ctx *c, struct ft_sm_entry *x, uint32_t end)
{
	struct ft_sm_entry *pv = ft_sm_prev(c->sm, x);

	if (pv != NULL && (pv->flags & FT_SM_SACKED)) {
		sack_piece(c, x, x->start, end);
		absorb(pv, x);
		pv->end = end;
		x->start = end;
		c->sm->pool->stats.shifts++;
		return pv;
	}
	if (!sack_room(c, 1))
		return NULL;
	ft_sm_split_at(c->sm, idx(c->sm, x), end);
	return sack_whole(c, x);
}

/* [cur, x.end) with cur inside x: shift into a SACKED successor, else split. */
static struct ft_sm_entry *
sack_suffix(struct sack_ctx *c, struct ft_sm_entry *x, uint32_t cur)
{
	struct ft_sm_entry *nx = ft_sm_next(c->sm, x);

	if (nx != NULL && (nx->flags & FT_SM_SACKED)) {
		sack_piece(c, x, cur, x->end);
		absorb(nx, x);
		nx->flags |= x->flags & (FT_SM_PUSH | FT_SM_APP_LIMITED);
		x->flags &= ~(FT_SM_PUSH | FT_SM_APP_LIMITED);
		nx->start = cur;
		x->end = cur;
		c->sm->pool->stats.shifts++;
		return nx;
	}
	if (!sack_room(c, 1))
		return NULL;
	return sack_whole(c, ent(c->sm, ft_sm_split_at(c->sm, idx(c->sm, x), cur)));
}

/* [cur, end) strictly inside x: two splits. */
static struct ft_sm_entry *
sack_middle(struct sack_ctx *c, struct ft_sm_entry *x, uint32_t cur, uint32_t end)
{
	if (!sack_room(c, 2))
		return NULL;
	ft_sm_split_at(c->sm, idx(c->sm, x), end);
	return sack_whole(c, ent(c->sm, ft_sm_split_at(c->sm, idx(c->sm, x), cur)));
}

/* Does [ps, pe), cut from [xs, xe), start and end on segment boundaries (MSS multiples from
 * the entry start: sends are whole segments and tail extension keeps them aligned)? */
static bool
piece_aligned(const struct ft_sendmap *sm, uint32_t xs, uint32_t xe, uint32_t ps, uint32_t pe)
{
	return (ps == xs || (ps - xs) % sm->mss == 0) && (pe == xe || (pe - xs) % sm->mss == 0);
}

/* SACK [cur, min(end, x.end)) of un-SACKed @p x. @return the SACKED entry now covering it
 * (the walk continues at its end), or NULL if a split was refused. */
static struct ft_sm_entry *
sack_step(struct sack_ctx *c, struct ft_sm_entry *x, uint32_t cur, uint32_t end)
{
	bool to_end = ft_seq_geq(end, x->end);

	if (!piece_aligned(c->sm, x->start, x->end, cur, to_end ? x->end : end))
		c->unaligned = true;
	if (cur == x->start)
		return to_end ? sack_whole(c, x) : sack_prefix(c, x, end);
	return to_end ? sack_suffix(c, x, cur) : sack_middle(c, x, cur, end);
}

/*
 * The entry holding @p seq (inside [una, max)): the hint, a walk of up to WALK_MAX entries from
 * it (either way), else a treap lookup. The blocks of one SACK option are a few entries apart
 * (SACKed runs are single entries, and so are most holes), so in the common case this never
 * touches the treap, which matters when the map is too big for the cache. @p steps counts the
 * entries walked, or WALK_MAX + 1 for a lookup.
 */
static struct ft_sm_entry *
near(const struct ft_sendmap *sm, uint32_t seq, uint32_t *steps)
{
	struct ft_sm_entry *p = ft_sm_ent(sm, sm->hint);
	bool fwd = p != NULL && ft_seq_geq(seq, p->start);

	for (uint32_t k = 0; k < WALK_MAX && p != NULL; k++) {
		if (contains(p, seq)) {
			*steps = k;
			return p;
		}
		p = fwd ? ft_sm_next(sm, p) : ft_sm_prev(sm, p);
	}
	*steps = WALK_MAX + 1;
	return ft_sm_find(sm, seq);
}

/* near(), counting SAD moves: a lookup is one, walking beyond WALK_FREE entries one per step. */
static struct ft_sm_entry *
locate(struct sack_ctx *c, uint32_t seq)
{
	uint32_t steps;
	struct ft_sm_entry *e = near(c->sm, seq, &steps);

	c->moves += steps > WALK_MAX ? 1 : steps > WALK_FREE ? steps - WALK_FREE : 0;
	return e;
}

/* Apply one validated block. */
static void
sack_block(struct sack_ctx *c, const struct ft_tcp_sack_block *b)
{
	struct ft_sendmap *sm = c->sm;
	struct ft_sm_entry *x = locate(c, b->start), *m;
	uint32_t cur = b->start;

	if ((x->flags & FT_SM_SACKED) && ft_seq_leq(b->end, x->end)) {
		sm->pool->stats.sack_known++; /* a repeat: nothing to do */
		sm->hint = idx(sm, x);
		c->moves = 0;
		return;
	}
	while (x != NULL && ft_seq_lt(cur, b->end)) {
		if (x->flags & FT_SM_SACKED) {
			/* Only at the block start: SACKED entries are never adjacent. */
			cur = x->end;
			x = ft_sm_next(sm, x);
			continue;
		}
		m = sack_step(c, x, cur, b->end);
		if (m == NULL)
			break;
		sm->hint = idx(sm, m);
		cur = m->end;
		x = ft_sm_next(sm, m);
	}
}

/* ---- SAD (tcp-design.md §2) ---- */

/* Add @p v to a SAD counter; halve the pair when it nears overflow (tcp-design.md §2.1). */
static void
sad_add(uint32_t *c, uint32_t *pair, uint32_t v)
{
	*c += RTE_MIN(v, UINT32_MAX - *c);
	if (*c > SAD_HALVE_AT) {
		*c /= 2;
		*pair /= 2;
	}
}

/*
 * SAD bookkeeping for one block that did work (tcp-design.md §2.1, §2.2): sack_count +1 (+ the
 * moves when it SACKed less than one MSS), moved_extra += moves or noextra_move + 1,
 * ack_count += whole MSS newly SACKed; a short block off segment boundaries is suspicious and
 * costs ack_count (MSS/2)/length.
 */
static void
sad_block(struct sack_ctx *c)
{
	struct ft_sendmap *sm = c->sm;
	struct ft_sm_sad *s = &sm->sad;
	const struct ft_sm_params *p = &sm->pool->params;

	sad_add(&s->sack_count, &s->ack_count, 1 + (c->newly < sm->mss ? c->moves : 0));
	if (c->moves == 0)
		sad_add(&s->noextra_move, &s->moved_extra, 1);
	else
		sad_add(&s->moved_extra, &s->noextra_move, c->moves);
	sad_add(&s->ack_count, &s->sack_count, c->newly / sm->mss);
	if (c->unaligned && (uint64_t)c->newly * 1000 < (uint64_t)sm->mss * p->sad_seg_size_per) {
		uint32_t pen = (sm->mss / 2) / c->newly;

		s->ack_count -= RTE_MIN(pen, s->ack_count);
		sm->state |= FT_SM_ST_SUSPECT_NEW;
		sm->pool->stats.sad_suspicious++;
	}
}

/* Every >= 1 s of ACK time, counters keep (1000 - decay_per) thousandths (§2.1). */
static void
sad_decay(struct ft_sendmap *sm, uint64_t now_us)
{
	uint32_t now_ms = (uint32_t)(now_us / 1000);
	uint64_t keep = 1000 - RTE_MIN(sm->pool->params.sad_decay_per, 1000u);
	struct ft_sm_sad *s = &sm->sad;

	if (now_ms - s->decay_ms < 1000)
		return;
	s->decay_ms = now_ms;
	s->ack_count = (uint32_t)(s->ack_count * keep / 1000);
	s->sack_count = (uint32_t)(s->sack_count * keep / 1000);
	s->moved_extra = (uint32_t)(s->moved_extra * keep / 1000);
	s->noextra_move = (uint32_t)(s->noextra_move * keep / 1000);
	/* Suspicion lasts while suspicious blocks keep coming. */
	sm->state &= ~FT_SM_ST_SUSPECT;
	if (sm->state & FT_SM_ST_SUSPECT_NEW)
		sm->state |= FT_SM_ST_SUSPECT;
	sm->state &= ~FT_SM_ST_SUSPECT_NEW;
}

static bool
mergeable(const struct ft_sm_entry *l, const struct ft_sm_entry *r)
{
	const uint16_t st = FT_SM_STATE_FLAGS | FT_SM_RETRANS | FT_SM_RTO;

	return l->first_xmit_ts == r->first_xmit_ts && l->xmit_ts == r->xmit_ts &&
	       l->rexmit == r->rexmit && (l->flags & st) == (r->flags & st) &&
	       !(l->flags & FT_SM_HAS_FIN);
}

/*
 * Attack mode (tcp-design.md §2.4, FreeBSD rack_merge_out_sacks_on_attack): SACK marks are no
 * longer trusted, so drop them all, merge adjacent pieces of one original send that are in the
 * same state, and rebuild the tmap. O(entries), once per detection.
 */
static void
sad_enter(struct ft_sendmap *sm)
{
	struct ft_sm_entry *e, *n;

	sm->state |= FT_SM_ST_ATTACK;
	sm->pool->stats.sad_attacks++;
	for (e = ft_sm_first(sm); e != NULL; e = ft_sm_next(sm, e)) {
		if (e->flags & FT_SM_SACKED) {
			sm->sacked_bytes -= ft_sm_entry_len(e);
			e->flags = (e->flags & ~FT_SM_SACKED) | FT_SM_WAS_SACKED;
		}
		e->t_next = e->t_prev = 0;
	}
	sm->tmap = 0;
	for (e = ft_sm_first(sm); e != NULL; e = ft_sm_next(sm, e))
		while ((n = ft_sm_next(sm, e)) != NULL && mergeable(e, n))
			ft_sm_merge_into(sm, idx(sm, e), idx(sm, n));
	ft_sm_tmap_rebuild(sm);
	sm->hint = 0;
	sm->lost_cur = 0;
}

static void
sad_leave(struct ft_sendmap *sm)
{
	sm->state &= ~(FT_SM_ST_ATTACK | FT_SM_ST_SUSPECT | FT_SM_ST_SUSPECT_NEW);
	sm->sad.sack_count = 0;
	sm->sad.moved_extra = 0;
	sm->sad.noextra_move = 1;
	sm->sad.ack_count = 1;
	sm->pool->stats.sad_restores++;
}

/* The decision (tcp-design.md §2.3, rack_do_detection), plus a minimum sample of blocks. */
static void
sad_decide(struct ft_sendmap *sm)
{
	const struct ft_sm_params *p = &sm->pool->params;
	const struct ft_sm_sad *s = &sm->sad;
	bool attack = ft_sm_under_attack(sm);
	bool force = attack || (sm->state & (FT_SM_ST_SUSPECT | FT_SM_ST_SUSPECT_NEW));
	uint64_t ackratio = 0, moveratio = 0;

	if (!p->sad_enable || (!force && sm->n_entries <= p->sad_map_min))
		return;
	if (!attack && s->sack_count < p->sad_min_blocks)
		return;
	if (force || s->sack_count > p->sad_map_min)
		ackratio = (uint64_t)s->sack_count * 1000 / RTE_MAX(s->ack_count, 1u);
	if ((force || s->moved_extra > p->sad_map_min) && s->moved_extra + s->noextra_move > 0)
		moveratio = (uint64_t)s->moved_extra * 1000 /
			    ((uint64_t)s->moved_extra + s->noextra_move);
	if (!attack && ackratio > p->sad_ack_ratio && moveratio > p->sad_move_ratio)
		sad_enter(sm);
	else if (attack && ackratio <= p->sad_restore_ratio)
		sad_leave(sm);
}

/* ---- D-SACK, validation, one ACK's blocks ---- */

static bool
block_inside(const struct ft_tcp_sack_block *a, const struct ft_tcp_sack_block *b)
{
	return ft_seq_lt(b->start, b->end) && ft_seq_geq(a->start, b->start) &&
	       ft_seq_leq(a->end, b->end);
}

/* RFC 2883 §4 (and the variants in sendmap.h) for the first block. */
static bool
is_dsack(const struct ft_sendmap *sm, const struct ft_tcp_sack_block *b, unsigned int n)
{
	const struct ft_sm_entry *e;
	uint32_t steps;

	if (!ft_seq_lt(b[0].start, b[0].end))
		return false;
	if (ft_seq_lt(b[0].start, sm->una))
		return true;
	for (unsigned int i = 1; i < n; i++)
		if (block_inside(&b[0], &b[i]))
			return true;
	if ((b[0].start == sm->prev_b0_start && b[0].end == sm->prev_b0_end) ||
	    ft_seq_gt(b[0].end, sm->max))
		return false;
	e = near(sm, b[0].start, &steps);
	return (e->flags & FT_SM_SACKED) && ft_seq_leq(b[0].end, e->end);
}

/* Keep the valid blocks (una <= start < end <= max), sorted by start. @return how many. */
static unsigned int
valid_blocks(struct ft_sendmap *sm, const struct ft_tcp_sack_block *b, unsigned int from,
	     unsigned int n, struct ft_tcp_sack_block *v)
{
	unsigned int nv = 0;

	for (unsigned int i = from; i < n; i++) {
		unsigned int j = nv;

		if (!ft_seq_lt(b[i].start, b[i].end) || !ft_seq_geq(b[i].start, sm->una) ||
		    ft_seq_gt(b[i].end, sm->max)) {
			sm->pool->stats.sack_invalid++;
			continue;
		}
		while (j > 0 && ft_seq_gt(v[j - 1].start, b[i].start)) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = b[i];
		nv++;
	}
	return nv;
}

int
ft_sm_sack(struct ft_sendmap *sm, const struct ft_sm_sack_in *in, struct ft_sm_sack_out *out)
{
	struct ft_tcp_sack_block v[FT_TCP_MAX_SACK];
	unsigned int n = RTE_MIN(in->n, (unsigned int)FT_TCP_MAX_SACK), nv, worked = 0;
	struct sack_ctx c = { .sm = sm, .in = in, .out = out };

	memset(out, 0, sizeof(*out));
	sm->pool->stats.sack_blocks += in->n;
	out->n_ignored = (uint8_t)(in->n - n);
	if (n == 0)
		return 0;
	sad_decay(sm, in->now_us);
	out->dsack = is_dsack(sm, in->blocks, n);
	if (out->dsack) {
		out->dsack_start = in->blocks[0].start;
		out->dsack_end = in->blocks[0].end;
		sm->pool->stats.dsacks++;
	}
	sm->prev_b0_start = in->blocks[0].start;
	sm->prev_b0_end = in->blocks[0].end;
	nv = valid_blocks(sm, in->blocks, out->dsack ? 1 : 0, n, v);
	out->n_ignored += (uint8_t)(n - (out->dsack ? 1 : 0) - nv);
	if (ft_sm_under_attack(sm)) {
		sad_add(&sm->sad.sack_count, &sm->sad.ack_count, nv);
		sm->pool->stats.sack_attack_ignored += nv;
		out->n_ignored += (uint8_t)nv;
		nv = 0;
	}
	for (unsigned int i = 0; i < nv; i++) {
		c.newly = c.moves = 0;
		c.unaligned = c.refused = false;
		sack_block(&c, &v[i]);
		if (c.refused) {
			sm->pool->stats.sack_refused++;
			out->n_ignored++;
		}
		if (c.newly > 0) {
			sad_block(&c);
			worked++;
		}
	}
	if (worked > 1)
		sad_add(&sm->sad.moved_extra, &sm->sad.noextra_move, 1);
	sad_decide(sm);
	out->attack = ft_sm_under_attack(sm);
	return 0;
}

/* Called by ft_sm_cumack() (sendmap_int.h). */
void
ft_sm_sad_on_cumack(struct ft_sendmap *sm, uint32_t acked)
{
	sad_add(&sm->sad.ack_count, &sm->sad.sack_count, acked / sm->mss);
	if (ft_sm_under_attack(sm))
		sad_decide(sm); /* a peer that stops SACKing must be able to recover */
}
