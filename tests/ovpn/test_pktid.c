/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OpenVPN packet ids (src/ovpn/pktid.[ch]): TX reservation and exhaustion,
 * and the RX replay window as numbered tables of (id, time -> verdict) steps
 * in the style of WireGuard's counter.c self-test, plus a randomised
 * cross-check against a direct statement of the rules (openvpn-protocol.md
 * §6.6, §6.7; --replay-window n t). Pure: no EAL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ovpn/pktid.h"

#define OK	OVPN_REPLAY_OK
#define ZERO	OVPN_REPLAY_ZERO
#define OLD	OVPN_REPLAY_TOO_OLD
#define DUP	OVPN_REPLAY_DUP
#define LATE	OVPN_REPLAY_TOO_OLD_TIME

/*
 * One step: check @id at @now and expect @want. An accepted id is then
 * recorded with update() unless @forged (the packet failed authentication).
 * A rejected id is also passed to update(), which must give the same verdict
 * and leave the state untouched.
 */
struct step {
	uint32_t id;
	uint64_t now;
	enum ovpn_replay_result want;
	bool forged;
};

static const char *
result_name(enum ovpn_replay_result r)
{
	static const char *const names[] = {
		[OVPN_REPLAY_OK] = "ok", [OVPN_REPLAY_ZERO] = "zero",
		[OVPN_REPLAY_TOO_OLD] = "too-old", [OVPN_REPLAY_DUP] = "dup",
		[OVPN_REPLAY_TOO_OLD_TIME] = "too-old-time",
	};

	return (unsigned int)r < 5 ? names[r] : "?";
}

static int
run_step(struct ovpn_pktid_recv *r, const struct step *s)
{
	enum ovpn_replay_result got = ovpn_pktid_recv_check(r, s->id, s->now);
	struct ovpn_pktid_recv before = *r;

	if (got != s->want)
		return -1;
	if (s->forged)
		return 0;
	got = ovpn_pktid_recv_update(r, s->id, s->now);
	if (got != s->want)
		return -1;
	if (got != OK && memcmp(&before, r, sizeof(before)) != 0)
		return -1;
	return 0;
}

static void
run_table(const char *name, uint32_t window, uint32_t time_window_s,
	  const struct step *steps, size_t n)
{
	struct ovpn_pktid_recv r;
	int failed = 0;

	assert_int_equal(ovpn_pktid_recv_init(&r, window, time_window_s), 0);
	for (size_t i = 0; i < n; i++) {
		if (run_step(&r, &steps[i]) == 0)
			continue;
		print_error("%s step %zu: id %#x at %llu: got %s, want %s\n", name,
			    i + 1, steps[i].id, (unsigned long long)steps[i].now,
			    result_name(ovpn_pktid_recv_check(&r, steps[i].id,
							      steps[i].now)),
			    result_name(steps[i].want));
		failed++;
	}
	assert_int_equal(failed, 0);
}

#define RUN(name, w, t, tbl) run_table(name, w, t, tbl, sizeof(tbl) / sizeof(tbl[0]))

static void
test_replay_in_order_dup_and_reorder(void **state)
{
	static const struct step t[] = {
		/*  1 */ { 0, 0, ZERO, false },	/* id 0 is never valid */
		/*  2 */ { 1, 0, OK, false },
		/*  3 */ { 1, 0, DUP, false },
		/*  4 */ { 2, 0, OK, false },
		/*  5 */ { 3, 0, OK, false },
		/*  6 */ { 2, 0, DUP, false },
		/*  7 */ { 10, 0, OK, false },	/* gap 4..9 */
		/*  8 */ { 5, 0, OK, false },	/* reordered, inside the window */
		/*  9 */ { 5, 0, DUP, false },
		/* 10 */ { 4, 0, OK, false },
		/* 11 */ { 9, 0, OK, false },
		/* 12 */ { 66, 0, OK, false },	/* window is now 3..66 */
		/* 13 */ { 3, 0, DUP, false },	/* 63 below: inside, seen */
		/* 14 */ { 2, 0, OLD, false },	/* 64 below: outside */
		/* 15 */ { 67, 0, OK, false },
		/* 16 */ { 3, 0, OLD, false },	/* was DUP, slid out */
		/* 17 */ { 6, 0, OK, false },
		/* 18 */ { 8, 0, OK, false },
		/* 19 */ { 7, 0, OK, false },
		/* 20 */ { 7, 0, DUP, false },
		/* 21 */ { 0, 0, ZERO, false },
	};

	RUN("in_order", 64, 0, t);
}

static void
test_replay_window_edge(void **state)
{
	static const struct step t[] = {
		/*  1 */ { 100, 0, OK, false },
		/*  2 */ { 37, 0, OK, false },	/* 63 below: oldest acceptable */
		/*  3 */ { 36, 0, OLD, false },	/* 64 below: first rejected */
		/*  4 */ { 37, 0, DUP, false },
		/*  5 */ { 101, 0, OK, false },
		/*  6 */ { 37, 0, OLD, false },
		/*  7 */ { 38, 0, OK, false },
		/*  8 */ { 164, 0, OK, false },	/* 101 now exactly 63 below */
		/*  9 */ { 101, 0, DUP, false },
		/* 10 */ { 100, 0, OLD, false },
		/* 11 */ { 102, 0, OK, false },
	};

	RUN("edge", 64, 0, t);
}

static void
test_replay_big_jump(void **state)
{
	static const struct step t[] = {
		/*  1 */ { 1, 0, OK, false },
		/*  2 */ { 2, 0, OK, false },
		/*  3 */ { 5000, 0, OK, false },	/* beyond the ring */
		/*  4 */ { 1, 0, OLD, false },
		/*  5 */ { 3976, 0, OLD, false },	/* 1024 below */
		/*  6 */ { 3977, 0, OK, false },	/* 1023 below */
		/*  7 */ { 4999, 0, OK, false },
		/*  8 */ { 4999, 0, DUP, false },
		/*  9 */ { 5000, 0, DUP, false },
		/* 10 */ { 7048, 0, OK, false },	/* exactly one ring ahead */
		/* 11 */ { 4999, 0, OLD, false },
		/* 12 */ { 6025, 0, OK, false },	/* oldest; ring bit of 3977 */
		/* 13 */ { 7047, 0, OK, false },	/* same ring bit as 4999 */
		/* 14 */ { 6025, 0, DUP, false },
		/* 15 */ { 6100, 0, OK, false },
		/* 16 */ { 7049, 0, OK, false },
	};

	RUN("big_jump", OVPN_PKTID_WINDOW_DEFAULT, 0, t);
}

/* The largest window: ring words alias every 2048 ids and must be cleared. */
static void
test_replay_max_window_aliasing(void **state)
{
	static const struct step t[] = {
		/*  1 */ { 1, 0, OK, false },
		/*  2 */ { 64, 0, OK, false },
		/*  3 */ { 65, 0, OK, false },
		/*  4 */ { 2048, 0, OK, false },	/* word 32 reuses word 0's slot */
		/*  5 */ { 64, 0, OLD, false },	/* 1984 below */
		/*  6 */ { 65, 0, DUP, false },	/* 1983 below, seen */
		/*  7 */ { 66, 0, OK, false },
		/*  8 */ { 2049, 0, OK, false },	/* same slot as id 1: not a dup */
		/*  9 */ { 2112, 0, OK, false },	/* word 33 reuses word 1's slot */
		/* 10 */ { 66, 0, OLD, false },
		/* 11 */ { 128, 0, OLD, false },
		/* 12 */ { 129, 0, OK, false },	/* 1983 below */
		/* 13 */ { 129, 0, DUP, false },
		/* 14 */ { 2113, 0, OK, false },
		/* 15 */ { 2049, 0, DUP, false },
	};

	RUN("max_window", OVPN_PKTID_WINDOW_MAX, 0, t);
}

/* Window 1: strictly increasing ids, as OpenVPN's non-backtrack (TCP) mode. */
static void
test_replay_window_one(void **state)
{
	static const struct step t[] = {
		/* 1 */ { 1, 0, OK, false },
		/* 2 */ { 3, 0, OK, false },
		/* 3 */ { 2, 0, OLD, false },
		/* 4 */ { 3, 0, DUP, false },
		/* 5 */ { 4, 0, OK, false },
	};

	RUN("window_one", 1, 0, t);
}

/* Ids never wrap (§6.7): after 0xFFFFFFFF only a new key helps. */
static void
test_replay_near_2_32_no_wrap(void **state)
{
	static const struct step t[] = {
		/*  1 */ { 0xffffff00, 0, OK, false },
		/*  2 */ { 0xfffffffe, 0, OK, false },
		/*  3 */ { 0xffffffff, 0, OK, false },
		/*  4 */ { 0xffffffff, 0, DUP, false },
		/*  5 */ { 0xfffffffd, 0, OK, false },
		/*  6 */ { 0, 0, ZERO, false },	/* a wrapped sender */
		/*  7 */ { 1, 0, OLD, false },		/* 2^32 - 2 below */
		/*  8 */ { 2, 0, OLD, false },
		/*  9 */ { 0xfffffc00, 0, OK, false },	/* 1023 below */
		/* 10 */ { 0xfffffbff, 0, OLD, false },
		/* 11 */ { 0xffffff00, 0, DUP, false },
	};
	struct ovpn_pktid_recv r;

	RUN("near_2_32", OVPN_PKTID_WINDOW_DEFAULT, 0, t);

	assert_int_equal(ovpn_pktid_recv_init(&r, 64, 0), 0);
	assert_false(ovpn_pktid_recv_needs_rekey(&r, OVPN_PKTID_REKEY_THRESHOLD));
	assert_int_equal(ovpn_pktid_recv_update(&r, OVPN_PKTID_REKEY_THRESHOLD - 1, 0), OK);
	assert_false(ovpn_pktid_recv_needs_rekey(&r, OVPN_PKTID_REKEY_THRESHOLD));
	assert_int_equal(ovpn_pktid_recv_update(&r, OVPN_PKTID_REKEY_THRESHOLD, 0), OK);
	assert_true(ovpn_pktid_recv_needs_rekey(&r, OVPN_PKTID_REKEY_THRESHOLD));
}

/*
 * Time window t = 15 s: an id below the highest is accepted only if it comes
 * no more than 15 s after the first packet with a higher id (the moment the
 * high-water mark passed it), not after the latest one.
 */
static void
test_replay_time_window(void **state)
{
	static const struct step t[] = {
		/*  1 */ { 1, 100, OK, false },
		/*  2 */ { 3, 100, OK, false },	/* 2 passed at 100 */
		/*  3 */ { 2, 115, OK, false },	/* 15 s late: still ok */
		/*  4 */ { 5, 115, OK, false },	/* 4 passed at 115 */
		/*  5 */ { 6, 120, OK, false },
		/*  6 */ { 4, 130, OK, false },	/* 15 s after 115 */
		/*  7 */ { 10, 131, OK, false },	/* 7, 8, 9 passed at 131 */
		/*  8 */ { 7, 146, OK, false },
		/*  9 */ { 8, 147, LATE, false },	/* 16 s */
		/* 10 */ { 8, 147, LATE, false },
		/* 11 */ { 20, 200, OK, false },	/* idle; 11..19 passed at 200 */
		/* 12 */ { 9, 200, LATE, false },	/* passed at 131 */
		/* 13 */ { 11, 215, OK, false },
		/* 14 */ { 12, 216, LATE, false },
		/* 15 */ { 10, 300, DUP, false },	/* seen wins over late */
		/* 16 */ { 21, 1000, OK, false },	/* gap longer than the history */
		/* 17 */ { 19, 1000, LATE, false },
		/* 18 */ { 22, 990, OK, false },	/* clock stepped back: held */
		/* 19 */ { 21, 990, DUP, false },
		/* 20 */ { 40, 1010, OK, false },	/* 23..39 passed at 1010 */
		/* 21 */ { 30, 994, OK, false },	/* stepped back 16 s: held at 1010 */
		/* 22 */ { 31, 1025, OK, false },
		/* 23 */ { 32, 1026, LATE, false },
	};

	RUN("time_window", OVPN_PKTID_WINDOW_DEFAULT, 15, t);
}

/* Several raises inside one window: each id is timed from its own passing. */
static void
test_replay_time_window_per_id(void **state)
{
	static const struct step t[] = {
		/* 1 */ { 3, 100, OK, false },	/* 1, 2 passed at 100 */
		/* 2 */ { 50, 105, OK, false },	/* 4..49 passed at 105 */
		/* 3 */ { 60, 110, OK, false },	/* 51..59 passed at 110 */
		/* 4 */ { 2, 116, LATE, false },	/* 16 s after 100 */
		/* 5 */ { 4, 116, OK, false },	/* 11 s after 105 */
		/* 6 */ { 49, 120, OK, false },	/* 15 s after 105 */
		/* 7 */ { 48, 121, LATE, false },
		/* 8 */ { 59, 125, OK, false },
		/* 9 */ { 58, 126, LATE, false },
		/* 10 */ { 61, 200, OK, false },
		/* 11 */ { 60, 200, DUP, false },
	};

	RUN("time_per_id", OVPN_PKTID_WINDOW_DEFAULT, 15, t);
}

/* t = 0 turns the time check off: only the id window applies. */
static void
test_replay_time_window_off(void **state)
{
	static const struct step t[] = {
		/* 1 */ { 1, 0, OK, false },
		/* 2 */ { 10, 0, OK, false },
		/* 3 */ { 5, 100000, OK, false },
		/* 4 */ { 5, 100001, DUP, false },
		/* 5 */ { 9, 1u << 30, OK, false },
	};

	RUN("time_off", OVPN_PKTID_WINDOW_DEFAULT, 0, t);
}

/*
 * Only authenticated ids move the window: a forged packet passes the
 * pre-check as often as it is sent, and leaves no trace.
 */
static void
test_replay_update_only_after_auth(void **state)
{
	static const struct step t[] = {
		/* 1 */ { 1, 0, OK, false },
		/* 2 */ { 10, 0, OK, false },
		/* 3 */ { 5, 0, OK, true },	/* check only: forged */
		/* 4 */ { 5, 0, OK, true },	/* the same id passes again */
		/* 5 */ { 0xfffffff0, 0, OK, true }, /* would kill the window */
		/* 6 */ { 5, 0, OK, false },	/* window did not move */
		/* 7 */ { 5, 0, DUP, false },
		/* 8 */ { 0xfffffff0, 0, OK, true },
		/* 9 */ { 3, 0, OK, false },
		/* 10 */ { 11, 0, OK, false },
	};

	RUN("after_auth", 64, 15, t);
}

/* Two copies of one id in a burst both pass the pre-check; update stops one. */
static void
test_replay_duplicate_within_burst(void **state)
{
	struct ovpn_pktid_recv r;

	assert_int_equal(ovpn_pktid_recv_init(&r, 64, 15), 0);
	assert_int_equal(ovpn_pktid_recv_check(&r, 7, 1), OK);
	assert_int_equal(ovpn_pktid_recv_check(&r, 7, 1), OK);
	assert_int_equal(ovpn_pktid_recv_update(&r, 7, 1), OK);
	assert_int_equal(ovpn_pktid_recv_update(&r, 7, 1), DUP);
	/* A later id in the burst moved the window past an earlier one. */
	assert_int_equal(ovpn_pktid_recv_check(&r, 8, 1), OK);
	assert_int_equal(ovpn_pktid_recv_check(&r, 200, 1), OK);
	assert_int_equal(ovpn_pktid_recv_update(&r, 200, 1), OK);
	assert_int_equal(ovpn_pktid_recv_update(&r, 8, 1), OLD);
}

static void
test_replay_init_ranges(void **state)
{
	struct ovpn_pktid_recv r;

	assert_int_equal(ovpn_pktid_recv_init(&r, 0, 15), -EINVAL);
	assert_int_equal(ovpn_pktid_recv_init(&r, OVPN_PKTID_WINDOW_MAX + 1, 15), -EINVAL);
	assert_int_equal(ovpn_pktid_recv_init(&r, 64, OVPN_PKTID_TIME_WINDOW_MAX + 1),
			 -EINVAL);
	assert_int_equal(ovpn_pktid_recv_init(&r, OVPN_PKTID_WINDOW_MAX,
					      OVPN_PKTID_TIME_WINDOW_MAX), 0);
	assert_int_equal(ovpn_pktid_recv_init(&r, OVPN_PKTID_WINDOW_DEFAULT,
					      OVPN_PKTID_TIME_WINDOW_DEFAULT), 0);
	assert_int_equal(r.window, 1024);
	assert_int_equal(r.time_window_s, 15);
	assert_int_equal(r.top, 0);
}

/*
 * Randomised cross-check. The oracle states the rules directly: it remembers
 * every id and, for each id, when the high-water mark first passed it.
 */
#define ORACLE_IDS	(1u << 18)

struct oracle {
	uint32_t base;	/* ids are base + k, 1 <= k < ORACLE_IDS */
	uint32_t window;
	uint32_t t;
	uint32_t top_k;	/* 0 = none yet */
	uint8_t seen[ORACLE_IDS];
	uint64_t passed_at[ORACLE_IDS];
};

static enum ovpn_replay_result
oracle_check(const struct oracle *o, uint32_t k, uint64_t now)
{
	if (k == 0)
		return ZERO;
	if (k > o->top_k)
		return OK;
	if (o->top_k - k >= o->window)
		return OLD;
	if (o->seen[k])
		return DUP;
	if (o->t != 0 && now - o->passed_at[k] > o->t)
		return LATE;
	return OK;
}

static void
oracle_record(struct oracle *o, uint32_t k, uint64_t now)
{
	for (uint32_t x = o->top_k; x < k; x++)
		o->passed_at[x] = now;
	if (k > o->top_k)
		o->top_k = k;
	o->seen[k] = 1;
}

static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

/* Next id (as k) of a stream with reordering, replays, zeros and jumps. */
static uint32_t
stream_next(uint64_t *rng, uint32_t *next, uint32_t window)
{
	uint64_t r = rng_next(rng) % 1000;
	uint32_t spread = window + window / 4 + 2;
	int64_t k;

	if (r < 20)
		return 0;
	if (r < 22)	/* a jump, sometimes past the whole ring */
		*next += (uint32_t)(rng_next(rng) % 3000);
	if (r < 150)	/* an old or replayed id around the window edge */
		k = (int64_t)*next - (int64_t)(rng_next(rng) % spread);
	else
		k = (int64_t)(*next)++;
	if (k < 1)
		k = 1;
	return k < ORACLE_IDS ? (uint32_t)k : ORACLE_IDS - 1;
}

static void
cross_check(uint32_t base, uint32_t window, uint32_t t, uint64_t seed)
{
	static struct oracle o;
	struct ovpn_pktid_recv r;
	uint32_t next = 1;
	uint64_t now = 1000, rng = seed;
	unsigned int accepted = 0;

	memset(&o, 0, sizeof(o));
	o.base = base;
	o.window = window;
	o.t = t;
	assert_int_equal(ovpn_pktid_recv_init(&r, window, t), 0);
	for (int i = 0; i < 200000 && next < ORACLE_IDS - 1; i++) {
		uint32_t k = stream_next(&rng, &next, window);
		uint32_t id = k == 0 ? 0 : base + k;
		bool forged = rng_next(&rng) % 20 == 0;
		enum ovpn_replay_result want;

		if (rng_next(&rng) % 64 == 0)
			now += rng_next(&rng) % 40;
		want = oracle_check(&o, k, now);
		if (ovpn_pktid_recv_check(&r, id, now) != want) {
			print_error("step %d: id %#x now %llu: got %s want %s\n", i, id,
				    (unsigned long long)now,
				    result_name(ovpn_pktid_recv_check(&r, id, now)),
				    result_name(want));
			fail();
		}
		if (forged)
			continue;
		assert_int_equal(ovpn_pktid_recv_update(&r, id, now), want);
		if (want == OK) {
			oracle_record(&o, k, now);
			accepted++;
		}
	}
	assert_true(accepted > 1000);
}

static void
test_replay_matches_oracle(void **state)
{
	static const uint32_t windows[] = { 1, 64, 1024, OVPN_PKTID_WINDOW_MAX };

	for (unsigned int i = 0; i < 4; i++) {
		cross_check(0, windows[i], 15, 1 + i);
		cross_check(0, windows[i], 0, 11 + i);
		cross_check(UINT32_MAX - ORACLE_IDS + 1, windows[i], 3, 21 + i);
	}
}

static void
test_tx_reserve_consecutive_bursts(void **state)
{
	struct ovpn_pktid_xmit tx;
	uint32_t first = 0;

	ovpn_pktid_tx_init(&tx);
	assert_int_equal(ovpn_pktid_tx_remaining(&tx), UINT32_MAX);
	assert_int_equal(ovpn_pktid_tx_reserve(&tx, 32, &first), 0);
	assert_int_equal(first, 1);		/* 0 is never sent */
	assert_int_equal(ovpn_pktid_tx_reserve(&tx, 1, &first), 0);
	assert_int_equal(first, 33);
	assert_int_equal(ovpn_pktid_tx_reserve(&tx, 0, &first), 0);
	assert_int_equal(first, 34);
	assert_int_equal(ovpn_pktid_tx_reserve(&tx, 7, &first), 0);
	assert_int_equal(first, 34);
	assert_int_equal(tx.next, 41);
	assert_int_equal(ovpn_pktid_tx_remaining(&tx), (uint64_t)UINT32_MAX - 40);
}

static void
test_tx_reserve_exhaustion_boundary(void **state)
{
	struct ovpn_pktid_xmit tx = { .next = 0xfffffff0 };
	uint32_t first = 0;

	assert_int_equal(ovpn_pktid_tx_remaining(&tx), 16);
	assert_int_equal(ovpn_pktid_tx_reserve(&tx, 17, &first), -ERANGE);
	assert_int_equal(tx.next, 0xfffffff0);	/* all or nothing */
	assert_int_equal(ovpn_pktid_tx_reserve(&tx, 15, &first), 0);
	assert_int_equal(first, 0xfffffff0);
	assert_int_equal(ovpn_pktid_tx_reserve(&tx, 2, &first), -ERANGE);
	assert_int_equal(ovpn_pktid_tx_reserve(&tx, 1, &first), 0);
	assert_int_equal(first, 0xffffffff);	/* the last usable id */
	assert_int_equal(tx.next, 0);		/* exhausted, not wrapped */
	assert_int_equal(ovpn_pktid_tx_remaining(&tx), 0);
	assert_int_equal(ovpn_pktid_tx_reserve(&tx, 1, &first), -ERANGE);
	assert_int_equal(ovpn_pktid_tx_reserve(&tx, UINT32_MAX, &first), -ERANGE);
	assert_int_equal(ovpn_pktid_tx_reserve(&tx, 0, &first), 0);

	ovpn_pktid_tx_init(&tx);
	assert_int_equal(ovpn_pktid_tx_reserve(&tx, UINT32_MAX, &first), 0);
	assert_int_equal(first, 1);
	assert_int_equal(tx.next, 0);
}

static void
test_tx_needs_rekey_threshold(void **state)
{
	struct ovpn_pktid_xmit tx;
	uint32_t first;

	ovpn_pktid_tx_init(&tx);
	assert_false(ovpn_pktid_tx_needs_rekey(&tx, OVPN_PKTID_REKEY_THRESHOLD));
	tx.next = OVPN_PKTID_REKEY_THRESHOLD;	/* last sent = threshold - 1 */
	assert_false(ovpn_pktid_tx_needs_rekey(&tx, OVPN_PKTID_REKEY_THRESHOLD));
	assert_int_equal(ovpn_pktid_tx_reserve(&tx, 1, &first), 0);
	assert_int_equal(first, OVPN_PKTID_REKEY_THRESHOLD);
	assert_true(ovpn_pktid_tx_needs_rekey(&tx, OVPN_PKTID_REKEY_THRESHOLD));

	/* 2.6's PACKET_ID_WRAP_TRIGGER (§6.7) as an explicit threshold. */
	tx.next = 0xff000000;
	assert_false(ovpn_pktid_tx_needs_rekey(&tx, 0xff000000));
	tx.next = 0xff000001;
	assert_true(ovpn_pktid_tx_needs_rekey(&tx, 0xff000000));
	tx.next = 0;				/* exhausted */
	assert_true(ovpn_pktid_tx_needs_rekey(&tx, 0xff000000));
	assert_true(ovpn_pktid_tx_needs_rekey(&tx, UINT32_MAX));
	assert_true(OVPN_PKTID_REKEY_THRESHOLD >= 0x10000000u &&
		    OVPN_PKTID_REKEY_THRESHOLD <= 0xff000000u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_in_order_dup_and_reorder),
		cmocka_unit_test(test_replay_window_edge),
		cmocka_unit_test(test_replay_big_jump),
		cmocka_unit_test(test_replay_max_window_aliasing),
		cmocka_unit_test(test_replay_window_one),
		cmocka_unit_test(test_replay_near_2_32_no_wrap),
		cmocka_unit_test(test_replay_time_window),
		cmocka_unit_test(test_replay_time_window_per_id),
		cmocka_unit_test(test_replay_time_window_off),
		cmocka_unit_test(test_replay_update_only_after_auth),
		cmocka_unit_test(test_replay_duplicate_within_burst),
		cmocka_unit_test(test_replay_init_ranges),
		cmocka_unit_test(test_replay_matches_oracle),
		cmocka_unit_test(test_tx_reserve_consecutive_bursts),
		cmocka_unit_test(test_tx_reserve_exhaustion_boundary),
		cmocka_unit_test(test_tx_needs_rekey_threshold),
	};

	return cmocka_run_group_tests_name("pktid", tests, NULL, NULL);
}
