/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker hashed hierarchical timing wheel (Varghese & Lauck scheme 7, with cascading).
 * Pure logic: no DPDK calls, no allocation, no locks, so it is unit-tested without EAL.
 *
 * Timers are intrusive: the user embeds a struct ft_timer (32 bytes) in its own object and
 * gets back to it with container_of() in the callback. The wheel is unit-agnostic: "now" and
 * deadlines are any monotonic uint64_t clock (TSC, ns, µs) and the tick length is given in
 * that same unit.
 *
 * Precision (the contract the TCP timers rely on): a timer armed for deadline d fires in the
 * first ft_timer_wheel_advance() whose now >= ceil(d / tick_len) * tick_len, at every level
 * (cascading re-files timers by their exact deadline, so there is no Linux-style per-level
 * granularity error: a 2 h keepalive is as exact as a 40 ms delayed ACK). It never fires
 * before d, and at most one tick after d plus however late the caller calls advance(). The
 * only exception is an exhausted budget: the rest then fires on the following call(s), in
 * order. Eight 256-slot levels cover every uint64_t tick, so no deadline is clamped; the one
 * deadline that never fires is one whose tick boundary lies beyond UINT64_MAX (d within
 * tick_len of UINT64_MAX), because the clock cannot reach it.
 *
 * Calling context for everything here: the owning worker only (one wheel per lcore, no
 * sharing). A timer belongs to at most one wheel at a time.
 */
#ifndef FT_CORE_TIMER_WHEEL_H
#define FT_CORE_TIMER_WHEEL_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * 256 slots a level rather than 64: with 10 µs ticks, level 0 spans 2.56 ms, so pacing and
 * most RACK reorder timers never cascade, and a 200 ms RTO cascades once instead of about
 * twice (bench_timer_wheel: 1.03 vs 1.85 re-files per fired timer over 0..200 ms, 3.0 vs 3.9
 * over 0..2 h). The cost is 16 KiB of slot heads per wheel instead of 5.6 KiB.
 */
#define FT_TW_LEVEL_BITS 8
#define FT_TW_SLOTS      (1u << FT_TW_LEVEL_BITS)
#define FT_TW_WORDS      (FT_TW_SLOTS / 64)                /* occupancy bitmap words a level */
#define FT_TW_LEVELS     ((64 + FT_TW_LEVEL_BITS - 1) / FT_TW_LEVEL_BITS) /* all 64 bits */

struct ft_timer;

/*
 * Expiry callback: @p t is no longer armed when it runs, so it may re-arm it (periodic
 * timers) or free its container. It may arm or cancel any timer of the same wheel, including
 * ones due in the same tick. @p now is the value passed to ft_timer_wheel_advance().
 */
typedef void ft_timer_fn(struct ft_timer *t, uint64_t now);

/*
 * Embedded in the user's object (a TCB holds several). Fields are internal: use the functions
 * below. 32 bytes: a doubly linked list (pprev form, so unlink needs no head), the deadline and
 * the callback. 32-bit indices instead of pointers would save 8 bytes, but only for timers
 * inside one registered arena, with an index-to-address step on every list operation; a
 * generic intrusive timer that ARP entries or tests can embed too is worth 8 bytes.
 */
struct ft_timer {
	struct ft_timer *next;   /* slot list */
	struct ft_timer **pprev; /* the pointer that points at us; NULL = not armed */
	uint64_t deadline;       /* latest armed deadline (a lazy re-arm only updates this) */
	ft_timer_fn *fn;
};
static_assert(sizeof(struct ft_timer) == 32, "struct ft_timer is part of the TCB budget");

/* Exposed for tests and telemetry; written by the owning worker only. */
struct ft_timer_wheel_stats {
	uint64_t fired;     /* callbacks run */
	uint64_t refiled;   /* cascaded to a finer level, or re-filed after a lazy re-arm */
	uint64_t slots_run; /* occupied slots processed: advance()'s loop count */
};

struct ft_timer_wheel {
	uint64_t tick_len;                 /* caller units per tick, >= 1 */
	uint64_t cur;                      /* current tick: every tick <= cur is processed */
	uint64_t cur_time;                 /* cur * tick_len: timers due at or before it fire */
	uint64_t count;                    /* armed timers */
	struct ft_timer *run;              /* due (or being cascaded) timers, drained first */
	uint32_t level_mask;               /* bit k set: occupied[k] != 0 */
	uint64_t occupied[FT_TW_LEVELS][FT_TW_WORDS]; /* bit s set: slot[k][s] non-empty */
	struct ft_timer_wheel_stats stats;
	struct ft_timer *slot[FT_TW_LEVELS][FT_TW_SLOTS];
};

/*
 * Prepare @p t (not armed) with callback @p fn. Call once before first use, and never on an
 * armed timer.
 */
static inline void
ft_timer_init(struct ft_timer *t, ft_timer_fn *fn)
{
	t->next = NULL;
	t->pprev = NULL;
	t->deadline = 0;
	t->fn = fn;
}

/* Whether @p t is armed (pending in some wheel). */
static inline bool
ft_timer_is_armed(const struct ft_timer *t)
{
	return t->pprev != NULL;
}

/* The deadline @p t was last armed for (meaningful while armed, and in its callback). */
static inline uint64_t
ft_timer_deadline(const struct ft_timer *t)
{
	return t->deadline;
}

/*
 * Initialise @p tw (caller-owned memory, no timers) at time @p now with ticks of @p tick_len
 * units (e.g. 10 µs worth of TSC). Returns 0, or -EINVAL if @p tick_len is 0.
 */
int ft_timer_wheel_init(struct ft_timer_wheel *tw, uint64_t now, uint64_t tick_len);

/*
 * Arm @p t to fire at @p deadline (absolute, in the wheel's unit). O(1), never allocates.
 * - not armed: filed in the wheel;
 * - armed, @p deadline >= its current deadline: lazy, only the deadline is stored (the entry
 *   fires no later than before, and is re-filed then for the remaining time);
 * - armed, earlier deadline: moved.
 * A deadline already in the past fires in the next ft_timer_wheel_advance().
 */
void ft_timer_arm(struct ft_timer_wheel *tw, struct ft_timer *t, uint64_t deadline);

/*
 * Disarm @p t if armed; O(1). Safe from any callback of @p tw, for any timer, including
 * one due in the same tick. Returns true if @p t was armed.
 */
bool ft_timer_cancel(struct ft_timer_wheel *tw, struct ft_timer *t);

/*
 * Run every timer due at @p now (monotonic: never less than the previous call or the init
 * time), in deadline-tick order (one tick's timers in no set order). At most @p budget timers
 * are handled (a handled timer is fired, or cascaded/re-filed); if the budget runs out, the
 * rest continues on the next call and ft_timer_wheel_next_expiry() returns a time <= now.
 * Cost: O(levels + occupied slots passed + timers handled), independent of how many empty
 * ticks elapsed.
 * Not re-entrant: never call it from a timer callback. Returns the number of callbacks run.
 */
unsigned int ft_timer_wheel_advance(struct ft_timer_wheel *tw, uint64_t now,
				    unsigned int budget);

/*
 * For idle back-off: a time before which advance() has nothing to do, or UINT64_MAX if no
 * timer is armed. O(1). It is a lower bound on the earliest deadline: exact (rounded up to
 * a tick) when the earliest timer is in level 0 and was not lazily re-armed, otherwise the
 * tick of the next cascade.
 */
uint64_t ft_timer_wheel_next_expiry(const struct ft_timer_wheel *tw);

/* Number of armed timers. */
static inline uint64_t
ft_timer_wheel_count(const struct ft_timer_wheel *tw)
{
	return tw->count;
}

#endif /* FT_CORE_TIMER_WHEEL_H */
