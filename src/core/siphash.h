/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SipHash-2-4 (Aumasson & Bernstein, 2012) over up to 4 words: the keyed pseudo-random
 * function behind TCP initial sequence numbers (RFC 6528 §3 asks for a PRF with a secret key)
 * and SYN cookies. Pure logic.
 */
#ifndef FT_CORE_SIPHASH_H
#define FT_CORE_SIPHASH_H

#include <stdint.h>

#define FT_SIP_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static inline void
ft_sip_round(uint64_t v[4])
{
	v[0] += v[1]; v[1] = FT_SIP_ROTL(v[1], 13); v[1] ^= v[0]; v[0] = FT_SIP_ROTL(v[0], 32);
	v[2] += v[3]; v[3] = FT_SIP_ROTL(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = FT_SIP_ROTL(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = FT_SIP_ROTL(v[1], 17); v[1] ^= v[2]; v[2] = FT_SIP_ROTL(v[2], 32);
}

/* SipHash-2-4 of @p n 64-bit little-endian words @p m under key @p k. */
static inline uint64_t
ft_siphash(const uint64_t k[2], const uint64_t *m, unsigned int n)
{
	uint64_t v[4] = { k[0] ^ 0x736f6d6570736575ull, k[1] ^ 0x646f72616e646f6dull,
			  k[0] ^ 0x6c7967656e657261ull, k[1] ^ 0x7465646279746573ull };
	uint64_t last = (uint64_t)(n * 8) << 56;

	for (unsigned int i = 0; i < n; i++) {
		v[3] ^= m[i];
		ft_sip_round(v);
		ft_sip_round(v);
		v[0] ^= m[i];
	}
	v[3] ^= last;
	ft_sip_round(v);
	ft_sip_round(v);
	v[0] ^= last;
	v[2] ^= 0xff;
	for (int i = 0; i < 4; i++)
		ft_sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

#endif /* FT_CORE_SIPHASH_H */
