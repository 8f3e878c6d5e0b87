/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ft_sm_check(): the sendmap's invariants, checked in O(n) for tests and debug builds. Tiling
 * of [una, max), the treap (in-order walk = sequence list, parent links, heap order), the list
 * links, the byte counters against sums over the entries, the per-entry flag invariants, the
 * tmap's content (exactly the un-SACKed entries) and xmit_ts order, and the validity of the
 * SACK hint and the lost cursor; sendmap.h states them.
 *
 * What it does not do: repair anything, or run on the data path: nothing in the stack calls it
 * (the unit tests call it after their operations, the bench once outside its timed loops).
 */
#include <stdbool.h>
#include <stdint.h>

#include "tcp/sendmap.h"
#include "tcp/sendmap_int.h"
#include "tcp/seq.h"

#define CHECK(cond) do { if (!(cond)) return -1; } while (0)

/* In-order successor through parent links (for the treap check). */
static uint32_t
tree_next(const struct ft_sendmap *sm, uint32_t i)
{
	if (ent(sm, i)->right != 0) {
		i = ent(sm, i)->right;
		while (ent(sm, i)->left != 0)
			i = ent(sm, i)->left;
		return i;
	}
	while (ent(sm, i)->parent != 0 && ent(sm, ent(sm, i)->parent)->right == i)
		i = ent(sm, i)->parent;
	return ent(sm, i)->parent;
}

/* The treap's in-order walk is the sequence list; parent links and heap order hold. */
static int
check_tree(const struct ft_sendmap *sm)
{
	const struct ft_sm_entry *e = ft_sm_first(sm);
	uint32_t i = sm->root;

	CHECK((i == 0) == (e == NULL));
	if (i == 0)
		return 0;
	CHECK(ent(sm, i)->parent == 0);
	while (ent(sm, i)->left != 0)
		i = ent(sm, i)->left;
	for (; e != NULL; e = ft_sm_next(sm, e), i = tree_next(sm, i)) {
		const struct ft_sm_entry *t = ent(sm, i);

		CHECK(i == idx(sm, e));
		CHECK(t->left == 0 || (ent(sm, t->left)->parent == i &&
				       ent(sm, t->left)->prio <= t->prio));
		CHECK(t->right == 0 || (ent(sm, t->right)->parent == i &&
					ent(sm, t->right)->prio <= t->prio));
	}
	CHECK(i == 0);
	return 0;
}

/* Per-entry flag invariants. */
static bool
flags_ok(const struct ft_sm_entry *e)
{
	uint16_t f = e->flags;

	if ((f & FT_SM_SACKED) && (f & (FT_SM_LOST | FT_SM_ORIG_LOST | FT_SM_RXT_OUT)))
		return false;
	if ((f & FT_SM_LOST) && (!(f & FT_SM_ORIG_LOST) || (f & FT_SM_RXT_OUT)))
		return false;
	if ((f & FT_SM_RXT_OUT) && !(f & FT_SM_RETRANS))
		return false;
	return ((f & FT_SM_SACKED) != 0) == (e->t_next == 0);
}

static int
check_tmap(const struct ft_sendmap *sm, uint32_t unsacked)
{
	const struct ft_sm_entry *t = ft_sm_tmap_first(sm), *prev = NULL;
	uint32_t n = 0;

	for (; t != NULL && n <= unsacked; prev = t, t = ft_sm_tmap_next(sm, t), n++) {
		CHECK(!(t->flags & FT_SM_SACKED));
		CHECK(ent(sm, t->t_next)->t_prev == idx(sm, t));
		CHECK(prev == NULL || prev->xmit_ts <= t->xmit_ts);
	}
	CHECK(n == unsacked);
	return 0;
}

int
ft_sm_check(const struct ft_sendmap *sm)
{
	uint32_t sums[4] = { 0 }, n = 0, unsacked = 0;
	bool hint_seen = sm->hint == 0, cur_seen = sm->lost_cur == 0;
	const struct ft_sm_entry *e, *prev = NULL;

	if (sm->last == 0)
		CHECK(sm->n_entries == 0 && sm->una == sm->max && sm->tmap == 0 && sm->root == 0);
	for (e = ft_sm_first(sm); e != NULL && n <= sm->n_entries; prev = e,
	     e = ft_sm_next(sm, e), n++) {
		CHECK(ft_seq_lt(e->start, e->end));
		CHECK(prev == NULL ? e->start == sm->una : e->start == prev->end);
		CHECK(ent(sm, e->s_next)->s_prev == idx(sm, e));
		CHECK(flags_ok(e));
		CHECK(prev == NULL || !(prev->flags & e->flags & FT_SM_SACKED));
		hint_seen |= idx(sm, e) == sm->hint;
		cur_seen |= idx(sm, e) == sm->lost_cur;
		CHECK(!(e->flags & FT_SM_LOST) || cur_seen); /* none before the cursor */
		unsacked += !(e->flags & FT_SM_SACKED);
		sums[0] += e->flags & FT_SM_SACKED ? ft_sm_entry_len(e) : 0;
		sums[1] += e->flags & FT_SM_LOST ? ft_sm_entry_len(e) : 0;
		sums[2] += e->flags & FT_SM_ORIG_LOST ? ft_sm_entry_len(e) : 0;
		sums[3] += e->flags & FT_SM_RXT_OUT ? ft_sm_entry_len(e) : 0;
	}
	CHECK(n == sm->n_entries && hint_seen && cur_seen);
	CHECK(prev == NULL || prev->end == sm->max);
	CHECK(sums[0] == sm->sacked_bytes && sums[1] == sm->lost_bytes);
	CHECK(sums[2] == sm->orig_lost_bytes && sums[3] == sm->retrans_out);
	CHECK(check_tmap(sm, unsacked) == 0);
	return check_tree(sm);
}
