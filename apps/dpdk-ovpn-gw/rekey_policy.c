/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Renegotiation policy (rekey_policy.h): key_id sequence, the server's jittered reneg-sec,
 * when to start a soft reset, when the new key takes over TX (openvpn-protocol.md §6.7, §7.1,
 * §7.3, §7.5). Pure logic: no DPDK calls, no clock, no randomness of its own.
 *
 * Not here: the key states themselves (rekey.c), the key slots (src/ovpn/keys.c).
 */
#include <stdio.h>
#include <string.h>

#include "ovpn/keys.h"
#include "rekey_policy.h"

#define US_PER_S 1000000u

uint8_t
gw_key_id_next(uint8_t key_id)
{
	return key_id >= GW_KEY_ID_MAX ? 1 : (uint8_t)(key_id + 1);
}

uint64_t
gw_reneg_interval_us(uint32_t reneg_sec, uint32_t rnd)
{
	uint64_t full = (uint64_t)reneg_sec * US_PER_S;
	uint64_t jitter_max = full * GW_RENEG_JITTER_PCT / 100;

	if (reneg_sec == 0)
		return 0;
	return full - rnd % (jitter_max + 1);
}

enum gw_reneg_trigger
gw_reneg_due(const struct gw_reneg_state *st)
{
	if (!st->active || st->negotiating || st->now_us < st->retry_at_us)
		return GW_RENEG_NONE;
	if (st->limit_reasons != 0)
		return GW_RENEG_LIMIT;
	if (st->reneg_at_us != 0 && st->now_us >= st->reneg_at_us)
		return GW_RENEG_TIME;
	return GW_RENEG_NONE;
}

bool
gw_rekey_swap_due(uint64_t new_rx_pkts, uint32_t ctrl_unacked)
{
	return new_rx_pkts > 0 || ctrl_unacked == 0;
}

const char *
gw_rekey_reasons_str(uint32_t reasons, char *buf, unsigned int len)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{ OVPN_REKEY_TX_PKTID, "tx-packet-id" },
		{ OVPN_REKEY_RX_PKTID, "rx-packet-id" },
		{ OVPN_REKEY_AEAD_USAGE, "aead-usage" },
		{ OVPN_REKEY_AUTH_FAIL, "auth-failures" },
		{ OVPN_REKEY_AGE, "age" },
		{ OVPN_REKEY_EXHAUSTED, "exhausted" },
	};
	size_t off = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(reasons & names[i].bit) || off >= len)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off > 0 ? "," : "",
					names[i].name);
	}
	return buf;
}
