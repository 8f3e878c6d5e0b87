/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RX replay protection for OpenVPN data-channel packet ids: a sliding window
 * of OVPN_PKTID_RING_BITS bits kept as a ring of 64-bit words (the WireGuard
 * counter.c scheme: moving the window clears whole words, so the cost of a
 * jump is bounded by the ring size, not by the jump), plus OpenVPN's time
 * window kept as a per-second history of the high-water mark. Pure logic with
 * no DPDK calls, so tests/ovpn/test_pktid.c needs no EAL.
 *
 * Not here: TX id reservation (inline in pktid.h), the choice of key slot by
 * key_id and the reaction to exhaustion (keys.c), and the drop counters
 * (the caller maps each enum ovpn_replay_result to a drop reason).
 *
 * Semantics follow openvpn-protocol.md §6.6 and OpenVPN 2.6 packet_id.c
 * (packet_id_test/packet_id_add/packet_id_reap): id 0 is always rejected; an
 * id above the highest is accepted; a lower id is accepted only if it is less
 * than `window` below the highest, was not seen, and arrives no more than
 * `time_window_s` seconds after the first packet with a higher id. Ids never
 * wrap (§6.7): after 0xFFFFFFFF nothing is acceptable on this key.
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ovpn/pktid.h"

#define RING_MASK	(OVPN_PKTID_RING_WORDS - 1)
#define TIME_MASK	(OVPN_PKTID_TIME_SLOTS - 1)

static_assert((OVPN_PKTID_RING_WORDS & RING_MASK) == 0,
	      "ring words must be a power of two");
static_assert((OVPN_PKTID_TIME_SLOTS & TIME_MASK) == 0,
	      "time slots must be a power of two");
/* check_time() reads second now - t - 1, which must still be in the history. */
static_assert(OVPN_PKTID_TIME_WINDOW_MAX + 1 < OVPN_PKTID_TIME_SLOTS,
	      "time history must cover t + 1 seconds");

static inline uint32_t
word_of(uint32_t id)
{
	return (id >> 6) & RING_MASK;
}

static inline uint64_t
bit_of(uint32_t id)
{
	return UINT64_C(1) << (id & 63);
}

/*
 * Was the high-water mark already above @p id more than t seconds ago? With
 * whole seconds, "first passed at T and T + t < now" is "the mark at the end
 * of second now - t - 1 was above id". A clock that steps back is treated as
 * standing still, so the history is never read outside its valid range.
 */
static bool
expired_in_time(const struct ovpn_pktid_recv *r, uint32_t id, uint64_t now_s)
{
	uint64_t t = r->time_window_s;
	uint64_t s;
	uint32_t mark;

	if (t == 0)
		return false;
	if (now_s < r->top_s)
		now_s = r->top_s;
	if (now_s <= t)
		return false;	/* second now - t - 1 predates any update */
	s = now_s - t - 1;
	mark = s >= r->top_s ? r->top : r->top_at[s & TIME_MASK];
	return mark > id;
}

/*
 * Move the window up to @p id: clear the ring words that come into view (at
 * most the whole ring), then extend the high-water history. Seconds between
 * the previous raise and now end with the old top; this second ends (so far)
 * with the new one.
 */
static void
raise_top(struct ovpn_pktid_recv *r, uint32_t id, uint64_t now_s)
{
	uint32_t cur = r->top >> 6;
	uint32_t n = (id >> 6) - cur;
	uint64_t gap;

	if (n > OVPN_PKTID_RING_WORDS)
		n = OVPN_PKTID_RING_WORDS;
	for (uint32_t i = 1; i <= n; i++)
		r->ring[(cur + i) & RING_MASK] = 0;

	if (now_s < r->top_s)
		now_s = r->top_s;
	gap = now_s - r->top_s;
	if (gap > OVPN_PKTID_TIME_SLOTS)
		gap = OVPN_PKTID_TIME_SLOTS;
	for (uint64_t i = 1; i < gap; i++)
		r->top_at[(now_s - i) & TIME_MASK] = r->top;
	r->top_at[now_s & TIME_MASK] = id;
	r->top_s = now_s;
	r->top = id;
}

int
ovpn_pktid_recv_init(struct ovpn_pktid_recv *r, uint32_t window,
		     uint32_t time_window_s)
{
	if (window == 0 || window > OVPN_PKTID_WINDOW_MAX ||
	    time_window_s > OVPN_PKTID_TIME_WINDOW_MAX)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->window = window;
	r->time_window_s = time_window_s;
	return 0;
}

enum ovpn_replay_result
ovpn_pktid_recv_check(const struct ovpn_pktid_recv *r, uint32_t id,
		      uint64_t now_s)
{
	if (unlikely(id == 0))
		return OVPN_REPLAY_ZERO;
	if (id > r->top)
		return OVPN_REPLAY_OK;
	if (unlikely(r->top - id >= r->window))
		return OVPN_REPLAY_TOO_OLD;
	if (unlikely(r->ring[word_of(id)] & bit_of(id)))
		return OVPN_REPLAY_DUP;
	if (unlikely(expired_in_time(r, id, now_s)))
		return OVPN_REPLAY_TOO_OLD_TIME;
	return OVPN_REPLAY_OK;
}

enum ovpn_replay_result
ovpn_pktid_recv_update(struct ovpn_pktid_recv *r, uint32_t id, uint64_t now_s)
{
	enum ovpn_replay_result res = ovpn_pktid_recv_check(r, id, now_s);

	if (res != OVPN_REPLAY_OK)
		return res;
	if (id > r->top)
		raise_top(r, id, now_s);
	r->ring[word_of(id)] |= bit_of(id);
	return OVPN_REPLAY_OK;
}
