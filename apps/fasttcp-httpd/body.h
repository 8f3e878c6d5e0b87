/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Generated response bodies, zero copy: byte i of every /bytes/N body is
 * body_byte(i) = ((i % PERIOD) * 7 + ((i % PERIOD) >> 11)) & 0xff, held once in memory as
 * PERIOD / BLOCK mbufs; a body is sent as indirect mbufs referencing those blocks.
 * scripts and tests recompute the same bytes to check SHA-256 sums.
 */
#ifndef FT_APPS_HTTPD_BODY_H
#define FT_APPS_HTTPD_BODY_H

#include <stdint.h>

#include <rte_mbuf.h>

#define BODY_PERIOD (1u << 20) /* 1 MiB: keeps per-block reference counts far from 65535 */
#define BODY_BLOCK 2048u

struct body_src;

/* Fill the pattern blocks and create the indirect-mbuf pool. Setup. NULL on failure. */
struct body_src *body_src_create(uint32_t n_indirect, int socket);
void body_src_destroy(struct body_src *b);

/*
 * A chain of indirect mbufs for bytes [pos, pos + len) of the pattern. len > 0.
 * @return the chain or NULL (indirect pool empty).
 */
struct rte_mbuf *body_chain(struct body_src *b, uint64_t pos, uint32_t len);

/* The pattern byte at stream position @p i (for tests and the reference). */
static inline uint8_t
body_byte(uint64_t i)
{
	uint32_t j = (uint32_t)(i % BODY_PERIOD);

	return (uint8_t)(j * 7 + (j >> 11));
}

#endif /* FT_APPS_HTTPD_BODY_H */
