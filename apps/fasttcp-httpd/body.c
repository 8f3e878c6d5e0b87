/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Response bodies (body.h): PERIOD bytes of pattern in BODY_BLOCK-sized direct mbufs, and a
 * pool of data-less mbufs that are attached to ranges of them. Nothing is copied per request.
 */
#include <stdlib.h>

#include <rte_errno.h>

#include "body.h"

#define N_BLOCKS (BODY_PERIOD / BODY_BLOCK)

struct body_src {
	struct rte_mempool *blocks_pool;
	struct rte_mempool *ind_pool;
	struct rte_mbuf *blk[N_BLOCKS];
};

struct body_src *
body_src_create(uint32_t n_indirect, int socket)
{
	struct body_src *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->blocks_pool = rte_pktmbuf_pool_create("httpd_body", N_BLOCKS + 1, 0, 0,
						 BODY_BLOCK, socket);
	b->ind_pool = rte_pktmbuf_pool_create("httpd_ind", n_indirect, 256, 0, 0, socket);
	if (b->blocks_pool == NULL || b->ind_pool == NULL)
		goto fail;
	for (uint32_t k = 0; k < N_BLOCKS; k++) {
		uint8_t *p;

		b->blk[k] = rte_pktmbuf_alloc(b->blocks_pool);
		if (b->blk[k] == NULL)
			goto fail;
		b->blk[k]->data_off = 0;
		p = (uint8_t *)rte_pktmbuf_append(b->blk[k], BODY_BLOCK);
		for (uint32_t i = 0; i < BODY_BLOCK; i++)
			p[i] = body_byte((uint64_t)k * BODY_BLOCK + i);
	}
	return b;
fail:
	body_src_destroy(b);
	return NULL;
}

void
body_src_destroy(struct body_src *b)
{
	if (b == NULL)
		return;
	for (uint32_t k = 0; k < N_BLOCKS; k++)
		rte_pktmbuf_free(b->blk[k]);
	rte_mempool_free(b->ind_pool);
	rte_mempool_free(b->blocks_pool);
	free(b);
}

struct rte_mbuf *
body_chain(struct body_src *b, uint64_t pos, uint32_t len)
{
	struct rte_mbuf *head = NULL, *last = NULL;

	while (len > 0) {
		uint32_t j = (uint32_t)(pos % BODY_PERIOD);
		struct rte_mbuf *blk = b->blk[j / BODY_BLOCK];
		uint32_t off = j % BODY_BLOCK, n = RTE_MIN(BODY_BLOCK - off, len);
		struct rte_mbuf *m = rte_pktmbuf_alloc(b->ind_pool);

		if (m == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		rte_pktmbuf_attach(m, blk);
		m->data_off = (uint16_t)(blk->data_off + off);
		m->data_len = (uint16_t)n;
		m->pkt_len = n;
		if (head == NULL) {
			head = m;
		} else {
			last->next = m;
			head->nb_segs++;
			head->pkt_len += n;
		}
		last = m;
		pos += n;
		len -= n;
	}
	return head;
}
