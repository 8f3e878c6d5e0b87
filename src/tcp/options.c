/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP option parse and build (RFC 9293 §3.1/§3.2 option format, §3.7.1 MSS; RFC 7323 §2
 * window scale and §3 timestamps; RFC 2018 SACK-permitted and SACK; RFC 2883 DSACK blocks are
 * ordinary SACK blocks on the wire). Stateless and zero-copy in the picohttpparser sense: the
 * caller passes the option bytes and their length, already bounded by the validated data
 * offset. Deciding what the options mean for a connection (negotiation, PAWS, MSS clamping,
 * choosing SACK blocks) lives in the state machine (handshake.c, input.c, sack.c), not here.
 */
#include <errno.h>
#include <string.h>

#include "tcp/options.h"

static uint16_t
get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint8_t *
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

static uint8_t *
put_bytes(uint8_t *p, uint8_t a, uint8_t b)
{
	p[0] = a;
	p[1] = b;
	return p + 2;
}

/* SACK: 2 + 8n bytes, n = 1..4 (RFC 2018 §3). Blocks are kept as sent; their meaning
 * (D-SACK per RFC 2883 §4, validity against snd_una/snd_max) is sack.c's business. */
static int
parse_sack(uint8_t olen, const uint8_t *v, struct ft_tcp_opts *o)
{
	uint8_t n = (uint8_t)((olen - FT_TCPOLEN_SACK_BASE) / FT_TCPOLEN_SACK_BLOCK);

	/* n > 4 cannot fit in 40 bytes; checked anyway, as it bounds the write to o->sack[]. */
	if ((olen - FT_TCPOLEN_SACK_BASE) % FT_TCPOLEN_SACK_BLOCK != 0 || n == 0 ||
	    n > FT_TCP_MAX_SACK)
		return -EBADMSG;
	for (uint8_t i = 0; i < n; i++) {
		o->sack[i].start = get_be32(v + i * FT_TCPOLEN_SACK_BLOCK);
		o->sack[i].end = get_be32(v + i * FT_TCPOLEN_SACK_BLOCK + 4);
	}
	o->n_sack = n;
	return 0;
}

/*
 * One multi-byte option whose total length olen (>= 2, within the option space) is already
 * checked. v points at the value (after kind and length).
 */
static int
parse_one(uint8_t kind, uint8_t olen, const uint8_t *v, bool syn, struct ft_tcp_opts *o,
	  bool *clamped)
{
	switch (kind) {
	case FT_TCPOPT_MSS:
		if (olen != FT_TCPOLEN_MSS)
			return -EBADMSG;
		if (syn)
			o->mss = get_be16(v);
		return 0;
	case FT_TCPOPT_WSCALE:
		if (olen != FT_TCPOLEN_WSCALE)
			return -EBADMSG;
		if (!syn)
			return 0;
		o->has_wscale = true;
		/* RFC 7323 §2.3: a shift above 14 is logged and used as 14. */
		o->wscale = v[0];
		if (v[0] > FT_TCP_WSCALE_MAX) {
			o->wscale = FT_TCP_WSCALE_MAX;
			*clamped = true;
		}
		return 0;
	case FT_TCPOPT_SACK_PERM:
		if (olen != FT_TCPOLEN_SACK_PERM)
			return -EBADMSG;
		if (syn)
			o->sack_ok = true;
		return 0;
	case FT_TCPOPT_TS:
		if (olen != FT_TCPOLEN_TS)
			return -EBADMSG;
		o->has_ts = true;
		o->tsval = get_be32(v);
		o->tsecr = get_be32(v + 4);
		return 0;
	case FT_TCPOPT_SACK:
		return parse_sack(olen, v, o);
	default:
		return 0; /* unknown kind: skipped by its length (RFC 9293 §3.1) */
	}
}

int
ft_tcp_opts_parse(const uint8_t *p, uint16_t len, bool syn, struct ft_tcp_opts *o,
		  bool *wscale_clamped)
{
	bool clamped = false;
	uint16_t i = 0;
	int rc = 0;

	memset(o, 0, sizeof(*o));
	if (len > FT_TCP_OPTS_MAX)
		rc = -EBADMSG;
	/* Each pass consumes at least one byte, so this loop runs at most len (<= 40) times. */
	while (rc == 0 && i < len) {
		uint8_t kind = p[i];
		uint8_t olen;

		if (kind == FT_TCPOPT_EOL)
			break;
		if (kind == FT_TCPOPT_NOP) {
			i++;
			continue;
		}
		/* Length byte missing, below the 2-byte minimum (a 0 would loop forever), or past
		 * the end of the option space. */
		if (i + 1 >= len || p[i + 1] < 2 || p[i + 1] > len - i) {
			rc = -EBADMSG;
			break;
		}
		olen = p[i + 1];
		rc = parse_one(kind, olen, p + i + 2, syn, o, &clamped);
		i += olen;
	}
	if (wscale_clamped != NULL)
		*wscale_clamped = clamped;
	return rc;
}

static uint8_t *
put_ts(uint8_t *p, const struct ft_tcp_opts *o)
{
	p = put_bytes(p, FT_TCPOPT_TS, FT_TCPOLEN_TS);
	p = put_be32(p, o->tsval);
	return put_be32(p, o->tsecr);
}

uint16_t
ft_tcp_opts_build_syn(uint8_t *p, const struct ft_tcp_opts *o)
{
	uint8_t *q = p;

	if (o->mss != 0) {
		q = put_bytes(q, FT_TCPOPT_MSS, FT_TCPOLEN_MSS);
		q = put_be16(q, o->mss);
	}
	/* Linux packs SACK-perm into the two pad bytes in front of TS when both are sent. */
	if (o->has_ts) {
		if (o->sack_ok)
			q = put_bytes(q, FT_TCPOPT_SACK_PERM, FT_TCPOLEN_SACK_PERM);
		else
			q = put_bytes(q, FT_TCPOPT_NOP, FT_TCPOPT_NOP);
		q = put_ts(q, o);
	}
	if (o->has_wscale) {
		*q++ = FT_TCPOPT_NOP;
		q = put_bytes(q, FT_TCPOPT_WSCALE, FT_TCPOLEN_WSCALE);
		*q++ = o->wscale;
	}
	if (o->sack_ok && !o->has_ts) {
		q = put_bytes(q, FT_TCPOPT_NOP, FT_TCPOPT_NOP);
		q = put_bytes(q, FT_TCPOPT_SACK_PERM, FT_TCPOLEN_SACK_PERM);
	}
	return (uint16_t)(q - p);
}

uint16_t
ft_tcp_opts_build(uint8_t *p, const struct ft_tcp_opts *o)
{
	uint8_t *q = p;
	uint8_t n = o->n_sack;
	uint8_t room;

	if (o->has_ts) {
		q = put_bytes(q, FT_TCPOPT_NOP, FT_TCPOPT_NOP);
		q = put_ts(q, o);
	}
	/* NOP NOP SACK: 4 bytes of header, then 8 per block. */
	room = (uint8_t)((FT_TCP_OPTS_MAX - (q - p) - 4) / FT_TCPOLEN_SACK_BLOCK);
	if (n > room)
		n = room;
	if (n > FT_TCP_MAX_SACK)
		n = FT_TCP_MAX_SACK;
	if (n > 0) {
		q = put_bytes(q, FT_TCPOPT_NOP, FT_TCPOPT_NOP);
		q = put_bytes(q, FT_TCPOPT_SACK,
			      (uint8_t)(FT_TCPOLEN_SACK_BASE + n * FT_TCPOLEN_SACK_BLOCK));
		for (uint8_t i = 0; i < n; i++) {
			q = put_be32(q, o->sack[i].start);
			q = put_be32(q, o->sack[i].end);
		}
	}
	return (uint16_t)(q - p);
}
