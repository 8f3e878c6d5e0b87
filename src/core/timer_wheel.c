/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hashed hierarchical timing wheel, one per worker: scheme 7 of Varghese & Lauck, "Hashed and
 * Hierarchical Timing Wheels" (SOSP 1987), with per-level occupancy bitmaps so that an advance
 * skips empty ticks (the idea of W. Ahern's timeout.c), and HPTS-style lazy re-arm
 * (tcp-design.md §4.3-4.5). It owns no timer policy: what RTO, delayed ACK
 * or keepalive mean lives in tcp/timer.c; turning TSC into time lives in core/clock.h.
 *
 * Layout: level k has 256 slots of 256^k ticks (a tick is tick_len caller units). A timer
 * whose expiry tick is e, while the wheel is at tick cur < e, is filed at the level of the
 * highest 8-bit digit in which e and cur differ, in the slot named by e's digit there.
 * Invariant: for every filed timer, e's digits above its level equal cur's, and its digit at
 * its level is greater than cur's. So the next slot to process is always the lowest occupied
 * slot of the lowest non-empty level (two find-first-set operations on the bitmaps), and its
 * tick is cur's higher digits followed by that slot's digit and zeroes (slot_tick()). advance()
 * jumps cur straight to that tick, however many empty ticks lie between. There the slot is
 * spliced into the run list; each of its timers then either fires (its deadline is due) or is
 * re-filed by its exact deadline into a lower level (a cascade) or, if it was lazily re-armed,
 * wherever its new deadline says. Each timer therefore fires exactly in its tick, and
 * cascades at most FT_TW_LEVELS - 1 times over its life (plus once per lazy re-arm that
 * outlives its slot). We cascade instead of firing late like Linux (kernel/time/timer.c)
 * because the delayed-ACK and RACK timers want one-tick precision, and most TCP timers are
 * cancelled or lazily pushed back before they would cascade.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "core/timer_wheel.h"

/* Expiry tick of @p deadline: the first tick boundary at or after it (never fires early). */
static inline uint64_t
tick_of(const struct ft_timer_wheel *tw, uint64_t deadline)
{
	uint64_t q = deadline / tw->tick_len;

	return q + (deadline % tw->tick_len != 0);
}

static inline void
list_push(struct ft_timer **head, struct ft_timer *t)
{
	t->next = *head;
	if (t->next != NULL)
		t->next->pprev = &t->next;
	*head = t;
	t->pprev = head;
}

/*
 * Index into tw->slot[][] if @p pprev is a slot head, else a value >= the slot count: any other
 * pprev points at tw->run or into a timer, outside the array, and the unsigned difference
 * wraps or overshoots. Integers, because pointers into different objects may not be compared.
 */
static inline uintptr_t
head_index(const struct ft_timer_wheel *tw, struct ft_timer **pprev)
{
	return ((uintptr_t)pprev - (uintptr_t)&tw->slot[0][0]) / sizeof(struct ft_timer *);
}

static inline void
clear_slot_bit(struct ft_timer_wheel *tw, unsigned int lvl, unsigned int s)
{
	uint64_t any = 0;

	tw->occupied[lvl][s / 64] &= ~(UINT64_C(1) << (s % 64));
	for (unsigned int w = 0; w < FT_TW_WORDS; w++)
		any |= tw->occupied[lvl][w];
	if (any == 0)
		tw->level_mask &= ~(UINT32_C(1) << lvl);
}

/* Take @p t (armed) off its list; keeps the occupancy bitmaps exact. */
static void
unlink_timer(struct ft_timer_wheel *tw, struct ft_timer *t)
{
	struct ft_timer *next = t->next;
	uintptr_t idx;

	*t->pprev = next;
	if (next != NULL) {
		next->pprev = t->pprev;
	} else {
		/* Last of its list: if pprev is a slot head, that slot is now empty. */
		idx = head_index(tw, t->pprev);
		if (idx < (uintptr_t)FT_TW_LEVELS * FT_TW_SLOTS)
			clear_slot_bit(tw, idx / FT_TW_SLOTS, idx % FT_TW_SLOTS);
	}
	t->next = NULL;
	t->pprev = NULL;
}

/* File armed @p t by its deadline: the run list if already due, else its level and slot. */
static void
file_timer(struct ft_timer_wheel *tw, struct ft_timer *t)
{
	uint64_t e = tick_of(tw, t->deadline);
	unsigned int lvl, s;

	if (e <= tw->cur) {
		list_push(&tw->run, t);
		return;
	}
	lvl = (63 - __builtin_clzll(e ^ tw->cur)) / FT_TW_LEVEL_BITS;
	s = (unsigned int)(e >> (lvl * FT_TW_LEVEL_BITS)) & (FT_TW_SLOTS - 1);
	list_push(&tw->slot[lvl][s], t);
	tw->occupied[lvl][s / 64] |= UINT64_C(1) << (s % 64);
	tw->level_mask |= UINT32_C(1) << lvl;
}

/* The lowest occupied slot of the lowest non-empty level: the next one to process. */
static inline bool
next_slot(const struct ft_timer_wheel *tw, unsigned int *lvl, unsigned int *s)
{
	if (tw->level_mask == 0)
		return false;
	*lvl = (unsigned int)__builtin_ctz(tw->level_mask);
	/* The invariant puts every set bit above cur's digit: the lowest one is next. */
	for (unsigned int w = 0; w < FT_TW_WORDS; w++) {
		if (tw->occupied[*lvl][w] != 0) {
			*s = w * 64 + (unsigned int)__builtin_ctzll(tw->occupied[*lvl][w]);
			return true;
		}
	}
	return false; /* unreachable: level_mask said this level is occupied */
}

/* Tick at which slot @p s of level @p lvl is due (see the invariant in the file header). */
static inline uint64_t
slot_tick(const struct ft_timer_wheel *tw, unsigned int lvl, unsigned int s)
{
	unsigned int shift = (lvl + 1) * FT_TW_LEVEL_BITS;
	uint64_t high = shift < 64 ? tw->cur >> shift << shift : 0;

	return high | (uint64_t)s << (lvl * FT_TW_LEVEL_BITS);
}

static inline void
set_cur(struct ft_timer_wheel *tw, uint64_t tick)
{
	tw->cur = tick;
	tw->cur_time = tick * tw->tick_len; /* tick <= now / tick_len: cannot overflow */
}

/* Move slot @p s of level @p lvl, whole, to the (empty) run list. */
static void
splice_slot(struct ft_timer_wheel *tw, unsigned int lvl, unsigned int s)
{
	struct ft_timer **head = &tw->slot[lvl][s];

	tw->run = *head;
	tw->run->pprev = &tw->run;
	*head = NULL;
	clear_slot_bit(tw, lvl, s);
	tw->stats.slots_run++;
}

/*
 * Drain the run list, at most @p budget - *work timers. The head is re-read on every turn and
 * each timer is unlinked before its callback, so callbacks may arm or cancel anything.
 */
static unsigned int
drain_run(struct ft_timer_wheel *tw, uint64_t now, unsigned int budget, unsigned int *work)
{
	unsigned int fired = 0;
	struct ft_timer *t;

	while ((t = tw->run) != NULL && *work < budget) {
		(*work)++;
		unlink_timer(tw, t);
		if (t->deadline > tw->cur_time) {
			/* Cascading down, or lazily re-armed later: file by the real deadline. */
			file_timer(tw, t);
			tw->stats.refiled++;
			continue;
		}
		tw->count--;
		tw->stats.fired++;
		fired++;
		t->fn(t, now);
	}
	return fired;
}

int
ft_timer_wheel_init(struct ft_timer_wheel *tw, uint64_t now, uint64_t tick_len)
{
	if (tick_len == 0)
		return -EINVAL;
	memset(tw, 0, sizeof(*tw));
	tw->tick_len = tick_len;
	set_cur(tw, now / tick_len);
	return 0;
}

void
ft_timer_arm(struct ft_timer_wheel *tw, struct ft_timer *t, uint64_t deadline)
{
	if (t->pprev != NULL) {
		if (deadline >= t->deadline) {
			/* Lazy: where it is filed fires no later than @p deadline needs. */
			t->deadline = deadline;
			return;
		}
		unlink_timer(tw, t);
	} else {
		tw->count++;
	}
	t->deadline = deadline;
	file_timer(tw, t);
}

bool
ft_timer_cancel(struct ft_timer_wheel *tw, struct ft_timer *t)
{
	if (t->pprev == NULL)
		return false;
	unlink_timer(tw, t);
	tw->count--;
	return true;
}

unsigned int
ft_timer_wheel_advance(struct ft_timer_wheel *tw, uint64_t now, unsigned int budget)
{
	uint64_t target = now / tw->tick_len;
	unsigned int work = 0, fired = 0;
	unsigned int lvl, s;
	uint64_t tick;

	/* Bounded: each turn splices a non-empty slot, worked through within @p budget. */
	for (;;) {
		fired += drain_run(tw, now, budget, &work);
		if (tw->run != NULL)
			return fired; /* budget spent: stay at cur, resume next call */
		if (!next_slot(tw, &lvl, &s))
			break;
		tick = slot_tick(tw, lvl, s);
		if (tick > target)
			break;
		/* Jump straight to the next occupied slot: empty ticks cost nothing. */
		set_cur(tw, tick);
		splice_slot(tw, lvl, s);
	}
	/*
	 * Every remaining slot's tick is > target, so moving cur to target keeps the invariant:
	 * cur stays below each such tick, hence keeps the higher digits the slot was filed with.
	 */
	if (target > tw->cur)
		set_cur(tw, target);
	return fired;
}

uint64_t
ft_timer_wheel_next_expiry(const struct ft_timer_wheel *tw)
{
	unsigned int lvl, s;
	uint64_t tick;

	if (tw->run != NULL)
		return tw->cur_time;
	if (!next_slot(tw, &lvl, &s))
		return UINT64_MAX;
	tick = slot_tick(tw, lvl, s);
	if (tick > UINT64_MAX / tw->tick_len)
		return UINT64_MAX; /* beyond the clock's range: saturate */
	return tick * tw->tick_len;
}
