/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Send buffer (sndbuf.h). One chain of segments linked through m->next; the head's first
 * head_skip bytes are already acknowledged. A cursor remembers the last segment looked up,
 * because transmission walks forward through the buffer: finding the segment for snd_nxt is
 * O(1) amortised instead of a walk from the head for every segment sent.
 * Segments may be shared with in-flight clones (refcnt > 1): they are freed with
 * rte_pktmbuf_free_seg(), which only drops our reference, and never written once queued
 * (ft_sndbuf_write() appends into the tail only while its refcnt is 1 and it is ours).
 */
#include <string.h>

#include "tcp/sndbuf.h"

void
ft_sndbuf_init(struct ft_sndbuf *sb, uint32_t limit)
{
	memset(sb, 0, sizeof(*sb));
	sb->limit = limit;
}

static void
free_seg(struct rte_mbuf *s)
{
	s->next = NULL;
	s->nb_segs = 1;
	rte_pktmbuf_free_seg(s);
}

void
ft_sndbuf_free(struct ft_sndbuf *sb)
{
	while (sb->head != NULL) {
		struct rte_mbuf *s = sb->head;

		sb->head = s->next;
		free_seg(s);
	}
	ft_sndbuf_init(sb, sb->limit);
}

void
ft_sndbuf_append(struct ft_sndbuf *sb, struct rte_mbuf *m)
{
	struct rte_mbuf *last = rte_pktmbuf_lastseg(m);

	sb->len += m->pkt_len;
	if (sb->tail == NULL)
		sb->head = m;
	else
		sb->tail->next = m;
	sb->tail = last;
	sb->tail_ours = 0;
}

size_t
ft_sndbuf_write(struct ft_sndbuf *sb, struct rte_mbuf *(*alloc)(void *ctx), void *ctx,
		const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t done = 0;

	len = RTE_MIN(len, (size_t)ft_sndbuf_space(sb));
	while (done < len) {
		struct rte_mbuf *t = sb->tail;
		uint16_t room;

		if (t == NULL || !sb->tail_ours || rte_mbuf_refcnt_read(t) != 1 ||
		    rte_pktmbuf_tailroom(t) == 0) {
			t = alloc(ctx);
			if (t == NULL)
				break;
			rte_pktmbuf_reset_headroom(t);
			t->data_off = 0; /* payload only: headers go in the header mbuf */
			ft_sndbuf_append(sb, t);
			sb->tail_ours = 1;
		}
		room = (uint16_t)RTE_MIN((size_t)rte_pktmbuf_tailroom(t), len - done);
		memcpy(rte_pktmbuf_mtod_offset(t, uint8_t *, t->data_len), p + done, room);
		t->data_len += room;
		t->pkt_len = t->data_len;
		sb->len += room;
		done += room;
	}
	return done;
}

void
ft_sndbuf_trim(struct ft_sndbuf *sb, uint32_t n)
{
	uint32_t freed = 0;

	sb->len -= n;
	n += sb->head_skip;
	while (sb->head != NULL && n >= sb->head->data_len) {
		struct rte_mbuf *s = sb->head;

		n -= s->data_len;
		freed += s->data_len;
		if (sb->cur == s)
			sb->cur = NULL;
		sb->head = s->next;
		if (sb->tail == s)
			sb->tail = NULL;
		free_seg(s);
	}
	sb->head_skip = n;
	sb->cur_raw -= freed; /* raw positions count from the head's first byte */
}

/* Segment holding byte @p off (from the first unacked byte) and that byte's offset in it. */
static struct rte_mbuf *
seek(struct ft_sndbuf *sb, uint32_t off, uint32_t *in_seg)
{
	uint32_t raw = off + sb->head_skip, start = 0;
	struct rte_mbuf *s = sb->head;

	if (sb->cur != NULL && sb->cur_raw <= raw) {
		s = sb->cur;
		start = sb->cur_raw;
	}
	while (s != NULL && raw - start >= s->data_len) {
		start += s->data_len;
		s = s->next;
	}
	if (s != NULL) {
		sb->cur = s;
		sb->cur_raw = start;
	}
	*in_seg = raw - start;
	return s;
}

void
ft_sndbuf_copy(struct ft_sndbuf *sb, uint32_t off, uint32_t len, void *dst)
{
	uint32_t in_seg;
	struct rte_mbuf *s = seek(sb, off, &in_seg);
	uint8_t *d = dst;

	while (len > 0 && s != NULL) {
		uint32_t piece = RTE_MIN(len, (uint32_t)s->data_len - in_seg);

		memcpy(d, rte_pktmbuf_mtod_offset(s, const uint8_t *, in_seg), piece);
		d += piece;
		len -= piece;
		in_seg = 0;
		s = s->next;
	}
}

struct rte_mbuf *
ft_sndbuf_clone(struct ft_sndbuf *sb, struct rte_mempool *mp, uint32_t off, uint32_t len)
{
	struct rte_mbuf *first = NULL, *last = NULL;
	uint32_t in_seg;
	struct rte_mbuf *s = seek(sb, off, &in_seg);

	while (len > 0 && s != NULL) {
		uint32_t piece = RTE_MIN(len, (uint32_t)s->data_len - in_seg);
		struct rte_mbuf *c = rte_pktmbuf_alloc(mp);

		if (c == NULL) {
			rte_pktmbuf_free(first);
			return NULL;
		}
		rte_pktmbuf_attach(c, s);
		c->data_off = (uint16_t)(s->data_off + in_seg);
		c->data_len = (uint16_t)piece;
		c->pkt_len = piece;
		if (first == NULL) {
			first = c;
		} else {
			last->next = c;
			first->nb_segs++;
			first->pkt_len += piece;
		}
		last = c;
		len -= piece;
		in_seg = 0;
		s = s->next;
	}
	return first;
}
