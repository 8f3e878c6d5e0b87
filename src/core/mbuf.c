/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Chain-aware trimming (core/mbuf.h). DPDK's rte_pktmbuf_adj/trim only work inside the first
 * or last segment; received packets may be chains (scatter RX, the in-process ring port
 * passing a header mbuf plus payload clones, reassembly), so the receive path uses these.
 */
#include "core/mbuf.h"

void
ft_mbuf_adj(struct rte_mbuf *m, uint32_t len)
{
	len = RTE_MIN(len, m->pkt_len);
	m->pkt_len -= len;
	/* Leading segments may become empty; they stay linked (the head is the handle). */
	for (struct rte_mbuf *s = m; s != NULL && len > 0; s = s->next) {
		uint16_t cut = (uint16_t)RTE_MIN(len, (uint32_t)s->data_len);

		s->data_off += cut;
		s->data_len -= cut;
		len -= cut;
	}
}

void
ft_mbuf_trim(struct rte_mbuf *m, uint32_t len)
{
	uint32_t keep, seen = 0;
	struct rte_mbuf *s;

	len = RTE_MIN(len, m->pkt_len);
	keep = m->pkt_len - len;
	m->pkt_len = keep;
	for (s = m; s != NULL; s = s->next) {
		if (seen + s->data_len >= keep) {
			s->data_len = (uint16_t)(keep - seen);
			break;
		}
		seen += s->data_len;
	}
	if (s != NULL && s->next != NULL) {
		struct rte_mbuf *rest = s->next;
		uint16_t dropped = 0;

		for (struct rte_mbuf *r = rest; r != NULL; r = r->next)
			dropped++;
		s->next = NULL;
		m->nb_segs -= dropped;
		rest->nb_segs = dropped; /* rte_pktmbuf_free walks the whole chain anyway */
		rte_pktmbuf_free(rest);
	}
}

int
ft_mbuf_pullup(struct rte_mbuf *m, uint32_t len)
{
	len = RTE_MIN(len, m->pkt_len);
	if (m->data_len >= len)
		return 0;
	if (RTE_MBUF_CLONED(m) || rte_mbuf_refcnt_read(m) != 1 ||
	    rte_pktmbuf_tailroom(m) < len - m->data_len)
		return -ENOSPC;
	while (m->data_len < len && m->next != NULL) {
		struct rte_mbuf *n = m->next;
		uint16_t k = (uint16_t)RTE_MIN((uint32_t)n->data_len, len - m->data_len);

		memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, m->data_len),
		       rte_pktmbuf_mtod(n, const uint8_t *), k);
		m->data_len += k;
		n->data_off += k; /* only offsets move: a shared segment is read, never written */
		n->data_len -= k;
		if (n->data_len == 0) {
			m->next = n->next;
			m->nb_segs--;
			n->next = NULL;
			rte_pktmbuf_free_seg(n);
		}
	}
	return 0;
}
