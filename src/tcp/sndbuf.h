/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP send buffer: the unacknowledged and unsent bytes of one connection, kept as the mbufs the
 * application gave (or that ft_conn_write() filled), linked into one chain. Transmission never
 * copies: it builds indirect mbufs that reference ranges of the chain (STYLE.md §9.6), so the
 * buffer's mbufs may be shared with the device and are never written after being queued.
 * Offsets are relative to the first unacknowledged byte.
 */
#ifndef FT_TCP_SNDBUF_H
#define FT_TCP_SNDBUF_H

#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

struct ft_sndbuf {
	struct rte_mbuf *head;   /* first segment holding unacknowledged data */
	struct rte_mbuf *tail;   /* last segment */
	struct rte_mbuf *cur;    /* lookup cursor: a segment ... */
	uint32_t cur_raw;        /* ... and its first byte's position counted from the head's */
	uint32_t head_skip;      /* bytes of head already acknowledged */
	uint32_t len;            /* bytes queued */
	uint32_t limit;          /* most bytes the application may queue */
	uint8_t tail_ours;       /* tail was filled by ft_sndbuf_write(): may be appended to */
};

void ft_sndbuf_init(struct ft_sndbuf *sb, uint32_t limit);

/* Free everything queued. */
void ft_sndbuf_free(struct ft_sndbuf *sb);

/* Room left under the limit. */
static inline uint32_t
ft_sndbuf_space(const struct ft_sndbuf *sb)
{
	return sb->len < sb->limit ? sb->limit - sb->len : 0;
}

/* Queue the chain @p m at the end (the caller checked the space). Consumes @p m. */
void ft_sndbuf_append(struct ft_sndbuf *sb, struct rte_mbuf *m);

/* Copy up to @p len bytes in, filling our own tail first; new segments come from
 * @p alloc(@p ctx). @return bytes taken (short when the limit is reached or @p alloc fails). */
size_t ft_sndbuf_write(struct ft_sndbuf *sb, struct rte_mbuf *(*alloc)(void *ctx), void *ctx,
		       const void *data, size_t len);

/* Drop @p n acknowledged bytes from the front (n <= len). */
void ft_sndbuf_trim(struct ft_sndbuf *sb, uint32_t n);

/* Copy bytes [off, off + len) of the buffer (off + len <= len of the buffer) to @p dst. */
void ft_sndbuf_copy(struct ft_sndbuf *sb, uint32_t off, uint32_t len, void *dst);

/* A chain of indirect mbufs referencing bytes [off, off + len) of the buffer (off + len <= len
 * of the buffer), allocated from @p mp. @return the chain, or NULL when @p mp is empty. */
struct rte_mbuf *ft_sndbuf_clone(struct ft_sndbuf *sb, struct rte_mempool *mp, uint32_t off,
				 uint32_t len);

#endif /* FT_TCP_SNDBUF_H */
