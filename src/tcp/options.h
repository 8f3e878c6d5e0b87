/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP option parse/build (RFC 9293 §3.1/§3.2, RFC 7323, RFC 2018, RFC 2883). Pure logic: works
 * on a byte range, no mbufs, no DPDK calls. Values in struct ft_tcp_opts are in host order.
 *
 *   kind len  value                         segments         RFC
 *    0    -   End of option list (EOL)      any              9293 §3.2
 *    1    -   No-operation (NOP)            any              9293 §3.2
 *    2    4   MSS (16 bits)                 SYN only         9293 §3.7.1
 *    3    3   window scale shift (8 bits)   SYN only         7323 §2.2
 *    4    2   SACK permitted                SYN only         2018 §2
 *    5  2+8n  SACK blocks, n = 1..4         any (non-SYN)    2018 §3, 2883 (DSACK)
 *    8   10   TSval, TSecr (32 bits each)   any              7323 §3.2
 */
#ifndef FT_TCP_OPTIONS_H
#define FT_TCP_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#define FT_TCP_OPTS_MAX 40   /* option space: data offset 15 * 4 - 20-byte header */
#define FT_TCP_MAX_SACK 4    /* (40 - 2) / 8 */
#define FT_TCP_WSCALE_MAX 14 /* RFC 7323 §2.3 */

enum {
	FT_TCPOPT_EOL = 0,
	FT_TCPOPT_NOP = 1,
	FT_TCPOPT_MSS = 2,
	FT_TCPOPT_WSCALE = 3,
	FT_TCPOPT_SACK_PERM = 4,
	FT_TCPOPT_SACK = 5,
	FT_TCPOPT_TS = 8,
};

enum {
	FT_TCPOLEN_MSS = 4,
	FT_TCPOLEN_WSCALE = 3,
	FT_TCPOLEN_SACK_PERM = 2,
	FT_TCPOLEN_SACK_BASE = 2,  /* + 8 per block */
	FT_TCPOLEN_SACK_BLOCK = 8,
	FT_TCPOLEN_TS = 10,
	FT_TCPOLEN_TS_ALIGNED = 12, /* NOP NOP TS: what every non-SYN segment carries */
};

struct ft_tcp_sack_block {
	uint32_t start, end; /* [start, end) in sequence space */
};

struct ft_tcp_opts {
	uint16_t mss;    /* 0 = absent (a peer MSS of 0 is treated as absent too) */
	uint8_t wscale;  /* valid when has_wscale; clamped to 14 per RFC 7323 §2.3 (counted) */
	bool has_wscale;
	bool sack_ok;    /* SACK-permitted */
	bool has_ts;
	uint32_t tsval, tsecr;
	uint8_t n_sack;
	struct ft_tcp_sack_block sack[FT_TCP_MAX_SACK];
};

/*
 * Parse options bytes p[0..len) of a segment (len = data offset * 4 - 20, 0..40) into *o, which
 * is fully overwritten (absent options read as 0/false). @p syn: options only meaningful on SYN
 * (MSS, WS, SACK-perm) are length-checked but otherwise ignored on non-SYN segments, as RFC 9293
 * §3.1 says. TS and SACK are taken from any segment; the caller decides whether to use them.
 * A later copy of an option overrides an earlier one.
 * @return 0, or -EBADMSG for malformed options: len > 40, a length byte 0 or 1 for a multi-byte
 * option, an option (or its length byte) running past len, a known option with the wrong
 * length (MSS != 4, WS != 3, SACK-perm != 2, TS != 10, SACK not 2 + 8n with n 1..4). On error
 * *o holds what was parsed before the bad option and should not be used.
 * Unknown options with a valid length are skipped. EOL stops parsing (the rest is padding).
 * Sets *wscale_clamped (if non-NULL) to whether a window scale > 14 was clamped to 14, so
 * the caller can count it. Reads at most len bytes and loops at most len times.
 */
int ft_tcp_opts_parse(const uint8_t *p, uint16_t len, bool syn, struct ft_tcp_opts *o,
		      bool *wscale_clamped);

/*
 * Build SYN/SYN-ACK options from o->mss (omitted if 0), o->sack_ok, o->has_ts (tsval, tsecr)
 * and o->has_wscale (wscale, sent as given: the caller keeps it <= 14) into p, in the Linux
 * order, NOP-padded to 32-bit alignment:
 *
 *   all:            MSS(4) | SACK-perm(2) TS(10) | NOP WS(3)          = 20 bytes
 *   no SACK-perm:   MSS(4) | NOP NOP TS(10)      | NOP WS(3)          = 20 bytes
 *   no TS:          MSS(4) | NOP WS(3)           | NOP NOP SACK-perm  = 12 bytes
 *
 * and the same without the absent parts. @p p must have room for FT_TCP_OPTS_MAX bytes.
 * @return the length written: a multiple of 4, <= 20.
 */
uint16_t ft_tcp_opts_build_syn(uint8_t *p, const struct ft_tcp_opts *o);

/*
 * Build options for a non-SYN segment into p: NOP NOP TS (12 bytes) if o->has_ts, then
 * NOP NOP SACK with as many blocks of o->sack[0..n_sack) as fit in 40 bytes (3 with TS, 4
 * without), in the given order (RFC 2018 §4: the caller puts the most recent block, or the
 * DSACK block of RFC 2883 §4, first). MSS, WS and SACK-perm are not sent on non-SYN segments.
 * @p p must have room for FT_TCP_OPTS_MAX bytes.
 * @return the length written: a multiple of 4, <= 40 (0 when there is nothing to send).
 */
uint16_t ft_tcp_opts_build(uint8_t *p, const struct ft_tcp_opts *o);

#endif /* FT_TCP_OPTIONS_H */
