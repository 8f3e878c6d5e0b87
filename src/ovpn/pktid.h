/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OpenVPN data-channel packet ids (the 32-bit "data-pid" of P_DATA_V2, see
 * proto.h), one sender and one receiver state per key slot.
 *
 * TX: ids start at 1 for each key, go up by one per packet and never wrap.
 * 0xFFFFFFFF is the last usable id; after it the key is dead (-ERANGE) and
 * must be replaced by a renegotiation (openvpn-protocol.md §6.7, §10 of
 * STYLE.md). The early-rekey signal fires long before that.
 *
 * RX: a sliding replay window (a ring of bitmap words, as in WireGuard's
 * counter.c) plus OpenVPN's time window (--replay-window n t). The check is
 * split in two so that crypto is not wasted on obvious replays and forged
 * packets cannot move the window:
 *
 *   burst in --> ovpn_pktid_recv_check()   (predicate, before the AEAD open;
 *                                           drops replays cheaply)
 *            --> AEAD open                 (authenticates the id, in the AAD)
 *            --> ovpn_pktid_recv_update()  (re-checks and records; only for
 *                                           packets whose tag verified)
 *
 * Recording only authenticated ids matters: the packet id is in clear text,
 * so a forged packet with id 0xFFFFFFF0 would otherwise push the window past
 * every real id and make the peer's traffic look "too old" (a one-packet
 * DoS). Update re-checks because two copies of one id in the same burst both
 * pass the pre-check; the second must be dropped on update's verdict. The
 * reference asks for the replay verdict after the tag verifies (§6.6): the
 * verdict of update is that verdict.
 *
 * Context: a key slot's TX and RX states are owned by one worker at a time
 * (STYLE.md §10); nothing here is atomic.
 */
#ifndef FT_OVPN_PKTID_H
#define FT_OVPN_PKTID_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>

/*
 * Default early-rekey threshold for ovpn_pktid_tx_needs_rekey() and
 * ovpn_pktid_recv_needs_rekey(): 2^31, as FreeBSD if_ovpn (§9.2), rather than
 * 2.6's PACKET_ID_WRAP_TRIGGER 0xFF000000 (§6.7). 2.6's value leaves 2^24 ids
 * of headroom, which is 1.7 s at 10 Mpps: less than one renegotiation with a
 * retransmitted TLS flight (tls-timeout 2 s, hand-window 60 s, §1.6), and §6.7
 * shows a 2.6 peer needs up to 60 s on the old key after a soft reset. 2^31
 * leaves 215 s at 10 Mpps; the cost is at most one extra rekey per 2^31
 * packets. Use 0xFF000000 to match 2.6 exactly.
 */
#define OVPN_PKTID_REKEY_THRESHOLD	0x80000000u

/* Sender state. next == 0 means exhausted: 0xFFFFFFFF has been handed out. */
struct ovpn_pktid_xmit {
	uint32_t next;
};

static inline void
ovpn_pktid_tx_init(struct ovpn_pktid_xmit *tx)
{
	tx->next = 1;
}

/* Number of ids still available, 0 .. 2^32 - 1. */
static inline uint64_t
ovpn_pktid_tx_remaining(const struct ovpn_pktid_xmit *tx)
{
	return tx->next == 0 ? 0 : (uint64_t)UINT32_MAX - tx->next + 1;
}

/*
 * Reserve @p n consecutive ids for one burst with a single add; the burst
 * uses *first .. *first + n - 1. All or nothing: returns 0, or -ERANGE when
 * fewer than @p n ids are left (nothing reserved; the key must die and the
 * control process be told, STYLE.md §10). n == 0 always succeeds. Owning
 * worker only: one plain add, not atomic.
 */
static inline int
ovpn_pktid_tx_reserve(struct ovpn_pktid_xmit *tx, uint32_t n, uint32_t *first)
{
	if (unlikely(n > ovpn_pktid_tx_remaining(tx)))
		return -ERANGE;
	*first = tx->next;
	tx->next += n;	/* wraps to 0 exactly when 0xFFFFFFFF was the last one */
	return 0;
}

/*
 * True once the last id handed out is >= @p threshold (2.6 compares its last
 * sent id with PACKET_ID_WRAP_TRIGGER the same way, §6.7). Also true when
 * exhausted. Pass OVPN_PKTID_REKEY_THRESHOLD unless configured otherwise.
 */
static inline bool
ovpn_pktid_tx_needs_rekey(const struct ovpn_pktid_xmit *tx, uint32_t threshold)
{
	return (uint32_t)(tx->next - 1) >= threshold;
}

/*
 * Receiver state: ids top - window + 1 .. top are tracked in a ring of 64-bit
 * words (bit id % 64 of word (id / 64) % RING_WORDS). The ring is fixed-size
 * and embedded, like WireGuard's counter.c and ovpn-dco's 2048-id window: no
 * pointer to chase per packet, the key slot is one allocation, and 2048 bits
 * (256 bytes) per key slot stays affordable with two slots per peer and many
 * peers. One word holds the partially filled top, so the largest window is
 * RING_BITS - 64. Growing the window is a compile-time change of RING_BITS.
 *
 * The window size is a runtime value up to that maximum. The default, 1024,
 * replaces OpenVPN's 64 (§6.6) to absorb reordering between RX queues and
 * crypto lanes at Mpps rates.
 */
#define OVPN_PKTID_RING_BITS		2048
#define OVPN_PKTID_RING_WORDS		(OVPN_PKTID_RING_BITS / 64)
#define OVPN_PKTID_WINDOW_MAX		(OVPN_PKTID_RING_BITS - 64)
#define OVPN_PKTID_WINDOW_DEFAULT	1024

/*
 * Time window, OpenVPN's --replay-window n t (default t = 15 s, §6.6): a
 * packet whose id is below the highest seen is accepted only if it arrives no
 * more than t seconds after the first packet with a higher id. That is what
 * packet_id.c implements: packet_id_reap() expires every slot at or below a
 * seen id whose receive time is older than t. The first packet with an id
 * above x is exactly the one that raised the high-water mark past x, so we
 * keep the high-water mark at the end of each of the last TIME_SLOTS seconds
 * and reject x when the mark t + 1 seconds ago was already above x. OpenVPN
 * reaps every 5 s, so it enforces t with up to 5 s of slack; this enforces it
 * to the second. The history bounds t to TIME_SLOTS - 2 seconds; 0 disables
 * the time check (as --replay-window n 0).
 */
#define OVPN_PKTID_TIME_SLOTS		32
#define OVPN_PKTID_TIME_WINDOW_MAX	(OVPN_PKTID_TIME_SLOTS - 2)
#define OVPN_PKTID_TIME_WINDOW_DEFAULT	15

enum ovpn_replay_result {
	OVPN_REPLAY_OK = 0,
	OVPN_REPLAY_ZERO,	  /* id 0 is never sent (§6.6) */
	OVPN_REPLAY_TOO_OLD,	  /* window or more below the highest id */
	OVPN_REPLAY_DUP,	  /* already received */
	OVPN_REPLAY_TOO_OLD_TIME, /* more than time_window s after a higher id */
};

struct ovpn_pktid_recv {
	uint32_t top;		/* highest recorded id; 0 = none yet */
	uint32_t window;	/* 1 .. OVPN_PKTID_WINDOW_MAX */
	uint32_t time_window_s;	/* 0 .. OVPN_PKTID_TIME_WINDOW_MAX, 0 = off */
	uint32_t reserved;
	uint64_t top_s;		/* now_s of the update that last raised top */
	uint64_t ring[OVPN_PKTID_RING_WORDS];
	/* top_at[s % TIME_SLOTS]: top at the end of second s, s > top_s - SLOTS */
	uint32_t top_at[OVPN_PKTID_TIME_SLOTS];
};

/*
 * Initialise (caller-owned memory, STYLE.md §5 init/fini). @p window in
 * 1 .. OVPN_PKTID_WINDOW_MAX, @p time_window_s in 0 ..
 * OVPN_PKTID_TIME_WINDOW_MAX. Returns 0, or -EINVAL (state untouched) if a
 * value is out of range. Control thread, before the key slot is published.
 */
int
ovpn_pktid_recv_init(struct ovpn_pktid_recv *r, uint32_t window,
		     uint32_t time_window_s);

/*
 * Would @p id be accepted at time @p now_s (seconds, any monotonic origin;
 * the worker's per-burst cached clock)? A pure predicate: run it before the
 * AEAD open to drop replays without spending crypto on them. OK here is not
 * final: only ovpn_pktid_recv_update() records, after authentication.
 */
enum ovpn_replay_result
ovpn_pktid_recv_check(const struct ovpn_pktid_recv *r, uint32_t id,
		      uint64_t now_s);

/*
 * Record @p id of a packet whose AEAD tag has verified. Re-runs the check
 * first, so it returns its verdict: OVPN_REPLAY_OK if the id was accepted and
 * recorded, anything else (typically DUP: a second copy within one burst) and
 * the caller drops the packet with nothing recorded. Never call it for a
 * packet that failed authentication. Owning worker only.
 */
enum ovpn_replay_result
ovpn_pktid_recv_update(struct ovpn_pktid_recv *r, uint32_t id, uint64_t now_s)
	__rte_warn_unused_result;

/*
 * True once the peer's highest authenticated id is >= @p threshold: the
 * server may start the soft reset itself rather than wait for a 2.6 peer
 * that keeps sending on the old key for up to 60 s (§6.7 mitigation (a)).
 */
static inline bool
ovpn_pktid_recv_needs_rekey(const struct ovpn_pktid_recv *r, uint32_t threshold)
{
	return r->top >= threshold;
}

#endif /* FT_OVPN_PKTID_H */
