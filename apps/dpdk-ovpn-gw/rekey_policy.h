/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The renegotiation policy of the gateway's control channel, as pure functions (no DPDK, no
 * session state: tests/apps/test_gw_rekey_policy.c drives them with plain numbers). rekey.c
 * applies them to the sessions (openvpn-protocol.md §6.7, §7):
 *
 *   key_id      0 for a session's first key, then 1..7 wrapping to 1 (§7.1)
 *   interval    server-initiated soft reset every reneg_sec minus 0..10 % jitter (§6.7, 2.6
 *               subtracts random jitter on the server so that clients do not rekey in step)
 *   start       when the server starts a soft reset itself: the interval is over, or a limit of
 *               the TX key fired (packet ids, AEAD usage, failed verifications: keys.h
 *               ovpn_key_needs_rekey(), §6.7 mitigation a, §8.4), and no renegotiation is under
 *               way or backing off after a failure
 *   swap        when the new key takes over TX: the client has it for sure, i.e. it sent data
 *               on it, or it acknowledged everything we sent on the new key state (our
 *               key-method-2 message, after which a 2.6 client generates its keys)
 */
#ifndef FT_APPS_OVPN_GW_REKEY_POLICY_H
#define FT_APPS_OVPN_GW_REKEY_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#define GW_KEY_ID_MAX 7            /* 3 bits on the wire (§1.1) */
#define GW_RENEG_JITTER_PCT 10     /* 2.6 server: up to 10 % earlier */
#define GW_RENEG_RETRY_S 10        /* after a failed renegotiation, wait before the next */

/* Key id of the key state after @p key_id: 0 -> 1 -> ... -> 7 -> 1 (0 is never reused). */
uint8_t gw_key_id_next(uint8_t key_id);

/*
 * Microseconds from a key's start to the server's soft reset: reneg_sec minus a jitter of up to
 * GW_RENEG_JITTER_PCT %, chosen by @p rnd (any random value). 0 when @p reneg_sec is 0 (off).
 */
uint64_t gw_reneg_interval_us(uint32_t reneg_sec, uint32_t rnd);

/* Why the server starts a soft reset. */
enum gw_reneg_trigger {
	GW_RENEG_NONE = 0,
	GW_RENEG_TIME,   /* reneg_sec */
	GW_RENEG_LIMIT,  /* a usage limit of the TX key (keys.h reasons) */
};

/* What gw_reneg_due() looks at, all from the control thread's view of one session. */
struct gw_reneg_state {
	bool active;              /* the first key is installed */
	bool negotiating;         /* a second key state exists and is not keyed yet */
	uint64_t now_us;
	uint64_t reneg_at_us;     /* 0 = no time trigger */
	uint64_t retry_at_us;     /* no server-initiated start before this (after a failure) */
	uint32_t limit_reasons;   /* ovpn_key_needs_rekey() of the TX key, age masked out */
};

enum gw_reneg_trigger gw_reneg_due(const struct gw_reneg_state *st);

/*
 * Should the new key become the TX key now? @p new_rx_pkts: packets the data path decrypted
 * with it; @p ctrl_unacked: our packets of its key state not yet acknowledged (plus TLS output
 * not yet queued).
 */
bool gw_rekey_swap_due(uint64_t new_rx_pkts, uint32_t ctrl_unacked);

/* The reasons of ovpn_key_needs_rekey() (keys.h) as text for the log, into @p buf. */
const char *gw_rekey_reasons_str(uint32_t reasons, char *buf, unsigned int len);

#endif /* FT_APPS_OVPN_GW_REKEY_POLICY_H */
