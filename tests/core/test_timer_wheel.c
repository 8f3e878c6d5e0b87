/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timer wheel (core/timer_wheel.c): exact-tick firing at every level, cancel, lazy re-arm,
 * callbacks that re-arm or cancel, skipping long idle periods, budgets, and a randomized run
 * against a sorted-array reference model. No EAL: the wheel is pure logic.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_common.h>

#include "core/timer_wheel.h"

#define ALL UINT32_MAX /* advance budget: unlimited */
#define MAX_LOG 4096

struct ctx;

struct obj {
	struct ft_timer t;
	struct ctx *c;
	uint32_t id;
	uint32_t fires;
	uint64_t fired_at;
	uint64_t period;           /* non-zero: re-arm at deadline + period when fired */
	struct obj *victim[3];     /* cancelled when this one fires */
	struct obj *push;          /* re-armed to push_to when this one fires, if still armed */
	uint64_t push_to;
};

struct ctx {
	struct ft_timer_wheel tw;
	uint32_t n_log;
	uint32_t log[MAX_LOG];     /* ids in firing order */
};

static uint64_t
round_up(uint64_t d, uint64_t len)
{
	return (d + len - 1) / len * len;
}

static void
on_fire(struct ft_timer *t, uint64_t now)
{
	struct obj *o = container_of(t, struct obj, t);
	struct ctx *c = o->c;

	assert_false(ft_timer_is_armed(t));
	assert_true(now >= ft_timer_deadline(t)); /* never early */
	o->fires++;
	o->fired_at = now;
	if (c->n_log < MAX_LOG)
		c->log[c->n_log++] = o->id;
	for (unsigned int i = 0; i < RTE_DIM(o->victim); i++)
		if (o->victim[i] != NULL)
			ft_timer_cancel(&c->tw, &o->victim[i]->t);
	if (o->push != NULL && ft_timer_is_armed(&o->push->t))
		ft_timer_arm(&c->tw, &o->push->t, o->push_to);
	if (o->period != 0)
		ft_timer_arm(&c->tw, t, ft_timer_deadline(t) + o->period);
}

static void
objs_init(struct ctx *c, struct obj *o, unsigned int n)
{
	memset(o, 0, n * sizeof(*o));
	for (unsigned int i = 0; i < n; i++) {
		ft_timer_init(&o[i].t, on_fire);
		o[i].c = c;
		o[i].id = i;
	}
}

static void
test_init_rejects_zero_tick(void **state)
{
	struct ft_timer_wheel tw;

	assert_int_equal(ft_timer_wheel_init(&tw, 0, 0), -EINVAL);
	assert_int_equal(ft_timer_wheel_init(&tw, 5, 1), 0);
	assert_int_equal(ft_timer_wheel_count(&tw), 0);
	assert_true(ft_timer_wheel_next_expiry(&tw) == UINT64_MAX);
}

/* Stepping time by one unit, each timer fires once, exactly at its deadline's tick. */
static void
test_fires_once_at_deadline_tick(void **state)
{
	static const struct { uint64_t deadline, expect; } cases[] = {
		{ 1000, 1004 },      /* already due at init (tick 100): next advance */
		{ 1003, 1010 },      /* inside the current tick: the next tick boundary */
		{ 1004, 1010 }, { 1010, 1010 }, { 1011, 1020 },
		{ 2550, 2550 },      /* tick 255: last slot of level 0 */
		{ 2551, 2560 },      /* tick 256: first of level 1 */
		{ 2560, 2560 }, { 2561, 2570 }, { 5000, 5000 },
		{ 655359, 655360 },  /* tick 65536: first of level 2 */
		{ 655360, 655360 }, { 655361, 655370 }, { 700001, 700010 },
	};
	struct obj o[RTE_DIM(cases)];
	struct ctx c;

	assert_int_equal(ft_timer_wheel_init(&c.tw, 1003, 10), 0);
	c.n_log = 0;
	objs_init(&c, o, RTE_DIM(cases));
	for (unsigned int i = 0; i < RTE_DIM(cases); i++)
		ft_timer_arm(&c.tw, &o[i].t, cases[i].deadline);
	assert_int_equal(ft_timer_wheel_count(&c.tw), RTE_DIM(cases));
	assert_int_equal(c.tw.level_mask, 0x7); /* the table spans levels 0, 1 and 2 */
	for (uint64_t now = 1004; now <= 700010; now++)
		ft_timer_wheel_advance(&c.tw, now, ALL);
	for (unsigned int i = 0; i < RTE_DIM(cases); i++) {
		assert_int_equal(o[i].fires, 1);
		assert_int_equal(o[i].fired_at, cases[i].expect);
		assert_true(o[i].fired_at - cases[i].deadline < 10 || i == 0);
	}
	assert_int_equal(ft_timer_wheel_count(&c.tw), 0);
	assert_int_equal(c.tw.stats.fired, RTE_DIM(cases));
	assert_true(ft_timer_wheel_next_expiry(&c.tw) == UINT64_MAX);
}

static void
test_cancel_prevents_fire(void **state)
{
	struct obj o[4];
	struct ctx c;

	ft_timer_wheel_init(&c.tw, 0, 10);
	c.n_log = 0;
	objs_init(&c, o, 4);
	assert_false(ft_timer_cancel(&c.tw, &o[0].t)); /* never armed */
	for (unsigned int i = 0; i < 3; i++)
		ft_timer_arm(&c.tw, &o[i].t, 500); /* one slot */
	ft_timer_arm(&c.tw, &o[3].t, 900000);
	assert_true(ft_timer_cancel(&c.tw, &o[1].t));  /* middle of the slot list */
	assert_true(ft_timer_cancel(&c.tw, &o[2].t));  /* head */
	assert_false(ft_timer_cancel(&c.tw, &o[2].t)); /* twice */
	assert_int_equal(ft_timer_wheel_count(&c.tw), 2);
	assert_int_equal(ft_timer_wheel_advance(&c.tw, 1000, ALL), 1);
	assert_int_equal(o[0].fires, 1);
	assert_true(ft_timer_cancel(&c.tw, &o[3].t)); /* last one: bitmaps must empty */
	assert_int_equal(c.tw.level_mask, 0);
	assert_true(ft_timer_wheel_next_expiry(&c.tw) == UINT64_MAX);
	assert_int_equal(ft_timer_wheel_advance(&c.tw, 2000000, ALL), 0);
	assert_int_equal(o[1].fires + o[2].fires + o[3].fires, 0);
}

static void
test_lazy_rearm_later_fires_at_new_deadline(void **state)
{
	struct obj o[1];
	struct ctx c;

	ft_timer_wheel_init(&c.tw, 0, 10);
	c.n_log = 0;
	objs_init(&c, o, 1);
	ft_timer_arm(&c.tw, &o[0].t, 100);
	ft_timer_arm(&c.tw, &o[0].t, 5000); /* later: not moved */
	ft_timer_arm(&c.tw, &o[0].t, 5000); /* same: no-op */
	assert_int_equal(ft_timer_deadline(&o[0].t), 5000);
	assert_int_equal(ft_timer_wheel_next_expiry(&c.tw), 100); /* still filed for 100 */
	for (uint64_t now = 1; now < 5000; now += 7)
		ft_timer_wheel_advance(&c.tw, now, ALL);
	ft_timer_wheel_advance(&c.tw, 4999, ALL);
	assert_int_equal(o[0].fires, 0);
	assert_true(ft_timer_is_armed(&o[0].t));
	assert_true(c.tw.stats.refiled >= 1); /* re-filed when tick 10 came */
	ft_timer_wheel_advance(&c.tw, 5000, ALL);
	assert_int_equal(o[0].fires, 1);
	assert_int_equal(o[0].fired_at, 5000);
}

static void
test_rearm_earlier_moves(void **state)
{
	struct obj o[1];
	struct ctx c;

	ft_timer_wheel_init(&c.tw, 0, 10);
	c.n_log = 0;
	objs_init(&c, o, 1);
	ft_timer_arm(&c.tw, &o[0].t, 500000);
	assert_true(ft_timer_wheel_next_expiry(&c.tw) > 120);
	ft_timer_arm(&c.tw, &o[0].t, 120);
	assert_int_equal(ft_timer_wheel_next_expiry(&c.tw), 120);
	assert_int_equal(ft_timer_wheel_count(&c.tw), 1);
	ft_timer_wheel_advance(&c.tw, 119, ALL);
	assert_int_equal(o[0].fires, 0);
	ft_timer_wheel_advance(&c.tw, 120, ALL);
	assert_int_equal(o[0].fires, 1);
	ft_timer_wheel_advance(&c.tw, 1000000, ALL);
	assert_int_equal(o[0].fires, 1);
}

static void
test_periodic_callback_rearms_itself(void **state)
{
	struct obj o[1];
	struct ctx c;

	ft_timer_wheel_init(&c.tw, 0, 10);
	c.n_log = 0;
	objs_init(&c, o, 1);
	o[0].period = 25;
	ft_timer_arm(&c.tw, &o[0].t, 25);
	for (uint64_t now = 1; now <= 1000; now++) {
		uint32_t before = o[0].fires;

		ft_timer_wheel_advance(&c.tw, now, ALL);
		if (o[0].fires != before)
			assert_int_equal(now, round_up(25 * (uint64_t)o[0].fires, 10));
	}
	assert_int_equal(o[0].fires, 40);
	assert_true(ft_timer_is_armed(&o[0].t));
	assert_int_equal(ft_timer_deadline(&o[0].t), 1025);
	/* A one-jump advance runs it once per period, still in order. */
	ft_timer_wheel_advance(&c.tw, 2000, ALL);
	assert_int_equal(o[0].fires, 80);
}

/* Whichever of three timers in one slot fires first cancels the two others. */
static void
test_callback_cancels_siblings_in_same_slot(void **state)
{
	struct obj o[3];
	struct ctx c;

	ft_timer_wheel_init(&c.tw, 0, 10);
	c.n_log = 0;
	objs_init(&c, o, 3);
	for (unsigned int i = 0; i < 3; i++) {
		o[i].victim[0] = &o[(i + 1) % 3];
		o[i].victim[1] = &o[(i + 2) % 3];
		o[i].victim[2] = &o[i]; /* cancelling itself in its callback is a no-op */
		ft_timer_arm(&c.tw, &o[i].t, 100);
	}
	assert_int_equal(ft_timer_wheel_advance(&c.tw, 100, ALL), 1);
	assert_int_equal(o[0].fires + o[1].fires + o[2].fires, 1);
	assert_int_equal(ft_timer_wheel_count(&c.tw), 0);
	assert_int_equal(ft_timer_wheel_advance(&c.tw, 10000, ALL), 0);
}

/* Whichever of two timers in one slot fires first pushes the other back (lazy re-arm). */
static void
test_callback_pushes_sibling_later(void **state)
{
	struct obj o[2];
	struct ctx c;

	ft_timer_wheel_init(&c.tw, 0, 10);
	c.n_log = 0;
	objs_init(&c, o, 2);
	for (unsigned int i = 0; i < 2; i++) {
		o[i].push = &o[1 - i];
		o[i].push_to = 300;
		ft_timer_arm(&c.tw, &o[i].t, 100);
	}
	assert_int_equal(ft_timer_wheel_advance(&c.tw, 299, ALL), 1);
	assert_int_equal(ft_timer_wheel_advance(&c.tw, 300, ALL), 1);
	assert_int_equal(o[c.log[0]].fired_at, 299);
	assert_int_equal(o[c.log[1]].fired_at, 300);
}

/* Three hours of 10 µs ticks (1.08e9 ticks) in one call touch only occupied slots. */
static void
test_long_idle_skips_empty_ticks(void **state)
{
	const uint64_t s = 1000000, h = 3600 * s; /* unit: µs */
	struct obj o[4];
	struct ctx c;

	ft_timer_wheel_init(&c.tw, 17, 10);
	c.n_log = 0;
	objs_init(&c, o, 4);
	ft_timer_arm(&c.tw, &o[3].t, 2 * h + 1);
	ft_timer_arm(&c.tw, &o[1].t, h);
	ft_timer_arm(&c.tw, &o[0].t, s);
	ft_timer_arm(&c.tw, &o[2].t, 2 * h);
	assert_int_equal(ft_timer_wheel_advance(&c.tw, 3 * h, ALL), 4);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(c.log[i], i); /* in deadline order */
	/* At most one slot visit per level per timer (cascades), never per tick. */
	assert_true(c.tw.stats.slots_run <= 4 * FT_TW_LEVELS);
	print_message("long idle: %" PRIu64 " slots run, %" PRIu64 " re-filed for 1.08e9 ticks\n",
		      c.tw.stats.slots_run, c.tw.stats.refiled);
	c.tw.stats.slots_run = 0;
	assert_int_equal(ft_timer_wheel_advance(&c.tw, 1000 * h, ALL), 0);
	assert_int_equal(c.tw.stats.slots_run, 0);
}

/* Deadlines just below, at and above each level's span, from aligned and unaligned starts. */
static void
test_level_boundaries_fire_exactly(void **state)
{
	const uint64_t len = 10;
	const uint64_t starts[] = { 0, 37 * 10 + 3, 4095 * 10 + 9, (UINT64_C(1) << 40) + 1 };
	struct obj o[1];
	struct ctx c;

	for (unsigned int si = 0; si < RTE_DIM(starts); si++) {
		for (unsigned int k = 1; k <= 7; k++) {
			for (int off = -1; off <= 1; off++) {
				uint64_t now0 = starts[si];
				uint64_t d = now0 + (UINT64_C(1) << (FT_TW_LEVEL_BITS * k)) * len +
					     (uint64_t)off;
				uint64_t expect = round_up(d, len);

				ft_timer_wheel_init(&c.tw, now0, len);
				c.n_log = 0;
				objs_init(&c, o, 1);
				ft_timer_arm(&c.tw, &o[0].t, d);
				assert_true(ft_timer_wheel_next_expiry(&c.tw) <= expect);
				ft_timer_wheel_advance(&c.tw, now0 + (expect - now0) / 2, ALL);
				ft_timer_wheel_advance(&c.tw, expect - 1, ALL);
				assert_int_equal(o[0].fires, 0);
				ft_timer_wheel_advance(&c.tw, expect, ALL);
				assert_int_equal(o[0].fires, 1);
			}
		}
	}
}

/* No clamping: eleven levels hold any 64-bit tick, up to UINT64_MAX. */
static void
test_far_deadlines_are_exact(void **state)
{
	const uint64_t far = (UINT64_C(1) << 63) + 5;
	struct obj o[2];
	struct ctx c;

	ft_timer_wheel_init(&c.tw, 0, 1);
	c.n_log = 0;
	objs_init(&c, o, 2);
	ft_timer_arm(&c.tw, &o[0].t, UINT64_MAX);
	ft_timer_arm(&c.tw, &o[1].t, far);
	ft_timer_wheel_advance(&c.tw, far - 1, ALL);
	assert_int_equal(o[1].fires, 0);
	ft_timer_wheel_advance(&c.tw, far, ALL);
	assert_int_equal(o[1].fires, 1);
	ft_timer_wheel_advance(&c.tw, UINT64_MAX - 1, ALL);
	assert_int_equal(o[0].fires, 0);
	ft_timer_wheel_advance(&c.tw, UINT64_MAX, ALL);
	assert_int_equal(o[0].fires, 1);

	/* With 10-unit ticks, UINT64_MAX rounds up past the clock: armed, never fires. */
	ft_timer_wheel_init(&c.tw, 0, 10);
	objs_init(&c, o, 1);
	ft_timer_arm(&c.tw, &o[0].t, UINT64_MAX);
	assert_int_equal(ft_timer_wheel_advance(&c.tw, UINT64_MAX, ALL), 0);
	assert_true(ft_timer_is_armed(&o[0].t));
	assert_true(ft_timer_wheel_next_expiry(&c.tw) == UINT64_MAX);
}

static void
test_past_deadline_fires_on_next_advance(void **state)
{
	struct obj o[2];
	struct ctx c;

	ft_timer_wheel_init(&c.tw, 1000, 10);
	c.n_log = 0;
	objs_init(&c, o, 2);
	ft_timer_arm(&c.tw, &o[0].t, 3);
	ft_timer_arm(&c.tw, &o[1].t, 1000);
	assert_int_equal(ft_timer_wheel_next_expiry(&c.tw), 1000);
	assert_int_equal(ft_timer_wheel_advance(&c.tw, 1000, ALL), 2); /* same now */
	assert_int_equal(ft_timer_wheel_advance(&c.tw, 1001, ALL), 0);
}

/* The budget caps work (fires and cascades) per call; the rest follows in order. */
static void
test_budget_bounds_work_and_resumes(void **state)
{
	enum { N = 100 };
	struct obj o[N + 1];
	struct ctx c;
	unsigned int total = 0, calls = 0;

	ft_timer_wheel_init(&c.tw, 0, 10);
	c.n_log = 0;
	objs_init(&c, o, N + 1);
	for (unsigned int i = 0; i < N; i++)
		ft_timer_arm(&c.tw, &o[i].t, 50);
	ft_timer_arm(&c.tw, &o[N].t, 60);
	assert_int_equal(ft_timer_wheel_advance(&c.tw, 60, 10), 10);
	assert_true(ft_timer_wheel_next_expiry(&c.tw) <= 60); /* more to do now */
	assert_int_equal(o[N].fires, 0);
	while (ft_timer_wheel_count(&c.tw) > 0 && calls++ < 100)
		total += ft_timer_wheel_advance(&c.tw, 60, 10);
	assert_int_equal(total, N - 10 + 1);
	assert_int_equal(c.log[N], N); /* the tick-6 timer fired last */

	/* Cascades count too: 100 timers two levels up need >= 100 units of work. */
	objs_init(&c, o, N);
	c.n_log = 0;
	for (unsigned int i = 0; i < N; i++)
		ft_timer_arm(&c.tw, &o[i].t, 60 + 5000 * 10);
	assert_int_equal(ft_timer_wheel_advance(&c.tw, 60 + 5000 * 10, 50), 0);
	total = 0;
	calls = 0;
	while (ft_timer_wheel_count(&c.tw) > 0 && calls++ < 100)
		total += ft_timer_wheel_advance(&c.tw, 60 + 5000 * 10, 50);
	assert_int_equal(total, N);
}

/*
 * Randomized run against a reference model: each armed timer's expected tick is
 * max(ceil(deadline / len), wheel tick at its last arm) (lazy or not, see timer_wheel.h). At
 * each advance the timers whose tick is <= now / len must fire, nothing else, in tick order:
 * the fired list sorted by (tick, id) must equal the model's sorted array.
 */
enum { M_OBJ = 256, M_OPS = 20000 };

struct model {
	bool armed;
	uint64_t deadline;
	uint64_t tick;
};

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t
rnd_delay(uint64_t *s)
{
	static const uint64_t span[] = { 16, 700, 50000, 5000000, UINT64_C(1) << 40 };

	return rnd(s) % span[rnd(s) % RTE_DIM(span)];
}

static int
cmp_tick_id(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return (x[1] > y[1]) - (x[1] < y[1]);
}

static void
model_check_advance(struct ctx *c, struct model *m, uint64_t now, uint64_t len)
{
	uint64_t want[M_OBJ][2], got[M_OBJ][2];
	uint32_t n_want = 0;

	for (uint32_t i = 0; i < M_OBJ; i++)
		if (m[i].armed && m[i].tick <= now / len) {
			want[n_want][0] = m[i].tick;
			want[n_want++][1] = i;
		}
	c->n_log = 0;
	ft_timer_wheel_advance(&c->tw, now, ALL);
	assert_int_equal(c->n_log, n_want);
	for (uint32_t k = 0; k < c->n_log; k++) {
		got[k][0] = m[c->log[k]].tick;
		got[k][1] = c->log[k];
		if (k > 0)
			assert_true(got[k][0] >= got[k - 1][0]); /* fired in tick order */
		m[c->log[k]].armed = false;
	}
	qsort(want, n_want, sizeof(want[0]), cmp_tick_id);
	qsort(got, n_want, sizeof(got[0]), cmp_tick_id);
	assert_memory_equal(want, got, n_want * sizeof(want[0]));
}

static void
model_check_state(struct ctx *c, struct obj *o, const struct model *m, uint64_t len)
{
	uint64_t n = 0, min_tick = UINT64_MAX;
	uint64_t next = ft_timer_wheel_next_expiry(&c->tw);

	for (uint32_t i = 0; i < M_OBJ; i++) {
		assert_int_equal(ft_timer_is_armed(&o[i].t), m[i].armed);
		if (m[i].armed) {
			n++;
			min_tick = RTE_MIN(min_tick, m[i].tick);
		}
	}
	assert_int_equal(ft_timer_wheel_count(&c->tw), n);
	if (n == 0)
		assert_true(next == UINT64_MAX);
	else if (min_tick <= UINT64_MAX / len)
		assert_true(next <= min_tick * len); /* a lower bound, never late */
}

static void
run_model(uint64_t len, uint64_t seed)
{
	static struct obj o[M_OBJ];
	static struct model m[M_OBJ];
	static struct ctx c;
	uint64_t now = 123456789;

	ft_timer_wheel_init(&c.tw, now, len);
	objs_init(&c, o, M_OBJ);
	memset(m, 0, sizeof(m));
	for (int op = 0; op < M_OPS; op++) {
		uint32_t r = rnd(&seed) % 100, i = rnd(&seed) % M_OBJ;
		uint64_t d = now + rnd_delay(&seed);

		if (r < 10 && m[i].armed)
			d = m[i].deadline + rnd(&seed) % 5000;     /* lazy re-arm, later */
		else if (r < 15)
			d = now - rnd(&seed) % 40;                 /* already due */
		if (r < 50) {
			ft_timer_arm(&c.tw, &o[i].t, d);
			m[i].armed = true;
			m[i].deadline = d;
			m[i].tick = RTE_MAX((d + len - 1) / len, c.tw.cur);
		} else if (r < 65) {
			assert_int_equal(ft_timer_cancel(&c.tw, &o[i].t), m[i].armed);
			m[i].armed = false;
		} else {
			now += rnd_delay(&seed) / (1 + rnd(&seed) % 64);
			model_check_advance(&c, m, now, len);
		}
		model_check_state(&c, o, m, len);
	}
	print_message("model len %" PRIu64 ": fired %" PRIu64 ", re-filed %" PRIu64
		      ", slots run %" PRIu64 "\n", len, c.tw.stats.fired, c.tw.stats.refiled,
		      c.tw.stats.slots_run);
}

static void
test_random_ops_match_sorted_model(void **state)
{
	run_model(7, UINT64_C(0x9e3779b97f4a7c15));
	run_model(1, UINT64_C(0x2545f4914f6cdd1d));
	run_model(1000, UINT64_C(0xdeadbeefcafef00d));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects_zero_tick),
		cmocka_unit_test(test_fires_once_at_deadline_tick),
		cmocka_unit_test(test_cancel_prevents_fire),
		cmocka_unit_test(test_lazy_rearm_later_fires_at_new_deadline),
		cmocka_unit_test(test_rearm_earlier_moves),
		cmocka_unit_test(test_periodic_callback_rearms_itself),
		cmocka_unit_test(test_callback_cancels_siblings_in_same_slot),
		cmocka_unit_test(test_callback_pushes_sibling_later),
		cmocka_unit_test(test_long_idle_skips_empty_ticks),
		cmocka_unit_test(test_level_boundaries_fire_exactly),
		cmocka_unit_test(test_far_deadlines_are_exact),
		cmocka_unit_test(test_past_deadline_fires_on_next_advance),
		cmocka_unit_test(test_budget_bounds_work_and_resumes),
		cmocka_unit_test(test_random_ops_match_sorted_model),
	};

	return cmocka_run_group_tests_name("timer_wheel", tests, NULL, NULL);
}
