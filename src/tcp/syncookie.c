/* SPDX-License-Identifier: BSD-3-Clause */
/* SYN cookie encoding and validation (syncookie.h; RFC 4987 §3.6). */
#include "core/siphash.h"
#include "tcp/syncookie.h"

#define PERIOD_S 64

/* Common MSS values (Linux's msstab idea): 536 (RFC 9293 default) to jumbo frames. */
const uint16_t ft_syncookie_mss[8] = { 536, 1200, 1360, 1400, 1440, 1452, 1460, 8960 };

static uint32_t
mac24(const uint64_t key[2], const struct ft_syncookie_tuple *tu, uint32_t t)
{
	uint64_t m[3] = { (uint64_t)tu->saddr << 32 | tu->daddr,
			  (uint64_t)tu->sport << 48 | (uint64_t)tu->dport << 32 | tu->peer_isn,
			  t };

	return (uint32_t)ft_siphash(key, m, 3) & 0xffffff;
}

uint32_t
ft_syncookie_make(const uint64_t key[2], const struct ft_syncookie_tuple *tu, uint16_t peer_mss,
		  uint64_t now_s)
{
	uint32_t t = (uint32_t)(now_s / PERIOD_S) & 0x1f, idx = 0;

	for (uint32_t i = 1; i < 8; i++)
		if (ft_syncookie_mss[i] <= peer_mss)
			idx = i;
	return t << 27 | idx << 24 | mac24(key, tu, t);
}

bool
ft_syncookie_check(const uint64_t key[2], const struct ft_syncookie_tuple *tu, uint32_t cookie,
		   uint64_t now_s, uint16_t *mss)
{
	uint32_t now_t = (uint32_t)(now_s / PERIOD_S) & 0x1f, t = cookie >> 27;

	if (t != now_t && t != ((now_t - 1) & 0x1f))
		return false;
	if ((cookie & 0xffffff) != mac24(key, tu, t))
		return false;
	*mss = ft_syncookie_mss[(cookie >> 24) & 7];
	return true;
}
