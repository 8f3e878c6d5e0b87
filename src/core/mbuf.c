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
