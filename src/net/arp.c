/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP for IPv4 over Ethernet (RFC 826), on top of arp_cache.c.
 * - Input validates every fixed field and the length before use; requests for our address are
 *   answered in place (the request mbuf becomes the reply) and teach us the sender (RFC 826
 *   "merge"); replies and gratuitous ARPs only update entries we already have (no cache
 *   poisoning by unsolicited replies).
 * - Output queues up to arp_queue_len packets per unresolved next hop (RFC 1122 §2.3.2.2),
 *   retries every arp_retry_ms, and drops the queue as ARP_UNRESOLVED after arp_retries.
 * Does not: proxy ARP, duplicate address detection beyond counting a sender that uses our
 * address (ARP_BAD_SENDER).
 */
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>

#include "core/mbuf.h"
#include "core/worker.h"
#include "net/arp.h"
#include "net/arp_cache.h"
#include "net/eth.h"
#include "net/iface.h"
#include "net/net.h"

#define ARP_SWEEP_BUDGET 4096

static void
send_request(struct ft_worker *w, uint16_t iface, uint32_t tip, const uint8_t *unicast)
{
	const struct ft_iface *ifc = &w->ifaces[iface];
	struct rte_ether_addr dst;
	struct rte_arp_hdr *a;
	struct rte_mbuf *m;

	m = rte_pktmbuf_alloc(w->pool);
	if (m == NULL) {
		w->stats.drops[FT_DROP_NO_MBUF]++;
		return;
	}
	a = (struct rte_arp_hdr *)rte_pktmbuf_append(m, sizeof(*a));
	a->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(&ifc->mac, &a->arp_data.arp_sha);
	a->arp_data.arp_sip = rte_cpu_to_be_32(ifc->ip);
	memset(&a->arp_data.arp_tha, 0, sizeof(a->arp_data.arp_tha));
	a->arp_data.arp_tip = rte_cpu_to_be_32(tip);
	if (unicast != NULL)
		memcpy(&dst, unicast, sizeof(dst));
	else
		memset(&dst, 0xff, sizeof(dst));
	w->stats.arp_req_tx++;
	ft_eth_output(w, iface, m, &dst, RTE_ETHER_TYPE_ARP);
}

static bool
arp_valid(const struct rte_mbuf *m, const struct rte_arp_hdr *a)
{
	return m->data_len >= sizeof(*a) && a->arp_hardware == RTE_BE16(RTE_ARP_HRD_ETHER) &&
	       a->arp_protocol == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
	       a->arp_hlen == RTE_ETHER_ADDR_LEN && a->arp_plen == 4 &&
	       (a->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST) ||
		a->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY));
}

/* Transmit what waited for @p e's MAC. */
static void
flush_pending(struct ft_worker *w, uint16_t iface, struct ft_arp_entry *e)
{
	void *pkts[256];
	uint16_t n = ft_arp_cache_take_pending(e, pkts);

	for (uint16_t i = 0; i < n; i++)
		ft_eth_output(w, iface, pkts[i], (const struct rte_ether_addr *)e->mac,
			      RTE_ETHER_TYPE_IPV4);
}

/* Turn request @p m into our reply, in place, and send it. Consumes @p m. */
static void
reply(struct ft_worker *w, uint16_t iface, struct rte_mbuf *m, struct rte_arp_hdr *a)
{
	const struct ft_iface *ifc = &w->ifaces[iface];
	struct rte_ether_addr requester = a->arp_data.arp_sha;

	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	a->arp_data.arp_tha = requester;
	a->arp_data.arp_tip = a->arp_data.arp_sip;
	rte_ether_addr_copy(&ifc->mac, &a->arp_data.arp_sha);
	a->arp_data.arp_sip = rte_cpu_to_be_32(ifc->ip);
	ft_mbuf_trim(m, m->pkt_len - sizeof(*a));
	w->stats.arp_reply_tx++;
	ft_eth_output(w, iface, m, &requester, RTE_ETHER_TYPE_ARP);
}

static void
input_one(struct ft_worker *w, uint16_t iface, struct rte_mbuf *m)
{
	const struct ft_iface *ifc = &w->ifaces[iface];
	struct rte_arp_hdr *a = rte_pktmbuf_mtod(m, struct rte_arp_hdr *);
	uint32_t sip, tip;
	bool request, for_us;
	struct ft_arp_entry *e;

	if (unlikely(!arp_valid(m, a))) {
		ft_drop(w, m, FT_DROP_ARP_MALFORMED);
		return;
	}
	sip = rte_be_to_cpu_32(a->arp_data.arp_sip);
	tip = rte_be_to_cpu_32(a->arp_data.arp_tip);
	request = a->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST);
	request ? w->stats.arp_req_rx++ : w->stats.arp_reply_rx++;
	if (unlikely(!rte_is_unicast_ether_addr(&a->arp_data.arp_sha) || sip == ifc->ip)) {
		ft_drop(w, m, FT_DROP_ARP_BAD_SENDER);
		return;
	}
	for_us = tip == ifc->ip;
	/* RFC 826 merge: update a known sender; learn a new one only if it asked for us.
	 * Sender 0.0.0.0 is an RFC 5227 probe: answer nothing about it, learn nothing. */
	e = NULL;
	if (sip != 0 && ft_iface_on_link(ifc, sip))
		e = ft_arp_cache_confirm(w->arp[iface], sip, a->arp_data.arp_sha.addr_bytes, w->now,
					 w->net->arp_timeout_tsc, for_us && request);
	if (e != NULL)
		flush_pending(w, iface, e);
	if (!for_us && sip == tip) {
		rte_pktmbuf_free(m); /* a gratuitous announcement: handled by the merge above */
		return;
	}
	if (!for_us) {
		ft_drop(w, m, FT_DROP_ARP_NOT_US);
		return;
	}
	if (request)
		reply(w, iface, m, a);
	else
		rte_pktmbuf_free(m);
}

void
ft_arp_input_burst(struct ft_worker *w, uint16_t iface, struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		input_one(w, iface, pkts[i]);
}

void
ft_arp_output(struct ft_worker *w, uint16_t iface, uint32_t nh, struct rte_mbuf *m)
{
	struct ft_arp_cache *c = w->arp[iface];
	struct ft_arp_entry *e;

	if (unlikely(nh == 0xffffffffu || nh == ft_iface_bcast(&w->ifaces[iface]))) {
		static const struct rte_ether_addr bcast = {
			.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

		ft_eth_output(w, iface, m, &bcast, RTE_ETHER_TYPE_IPV4);
		return;
	}
	e = ft_arp_cache_lookup(c, nh);
	if (likely(e != NULL && e->state >= FT_ARP_REACHABLE)) {
		if (e->state == FT_ARP_STALE) {
			/* Still usable; confirm it with a unicast probe (RFC 1122 §2.3.2.1). */
			e->state = FT_ARP_PROBE;
			e->tries = 1;
			e->deadline = w->now + w->net->arp_retry_tsc;
			send_request(w, iface, nh, e->mac);
		}
		ft_eth_output(w, iface, m, (const struct rte_ether_addr *)e->mac,
			      RTE_ETHER_TYPE_IPV4);
		return;
	}
	if (e == NULL) {
		e = ft_arp_cache_add(c, nh, w->now);
		if (e == NULL) {
			ft_drop(w, m, FT_DROP_ARP_CACHE_FULL);
			return;
		}
		e->tries = 1;
		e->deadline = w->now + w->net->arp_retry_tsc;
		send_request(w, iface, nh, NULL);
	}
	if (ft_arp_cache_enqueue(c, e, m) < 0)
		ft_drop(w, m, FT_DROP_ARP_QUEUE_FULL);
}

void
ft_arp_announce(struct ft_worker *w, uint16_t iface)
{
	/* Gratuitous request: sender and target are both our address (RFC 5227 §3). */
	send_request(w, iface, w->ifaces[iface].ip, NULL);
}

struct expire_ctx {
	struct ft_worker *w;
	uint16_t iface;
};

static void
expire_resend(void *ctx, struct ft_arp_entry *e)
{
	struct expire_ctx *x = ctx;

	/* A probe of a stale entry stays unicast; a first resolution broadcasts. */
	send_request(x->w, x->iface, e->ip, e->state == FT_ARP_PROBE ? e->mac : NULL);
}

static void
expire_drop(void *ctx, void *pkt)
{
	struct expire_ctx *x = ctx;

	ft_drop(x->w, pkt, FT_DROP_ARP_UNRESOLVED);
}

void
ft_arp_tick(struct ft_worker *w)
{
	for (uint16_t i = 0; i < w->n_ifaces; i++) {
		struct expire_ctx x = { .w = w, .iface = i };
		struct ft_arp_expire_ops ops = {
			.resend = expire_resend,
			.drop = expire_drop,
			.ctx = &x,
			.retry_tsc = w->net->arp_retry_tsc,
			.timeout_tsc = w->net->arp_timeout_tsc,
			.retries = w->net->arp_retries,
		};

		ft_arp_cache_expire(w->arp[i], w->now, ARP_SWEEP_BUDGET, &ops);
	}
}

void
ft_arp_free_pending(void *ctx, void *pkt)
{
	rte_pktmbuf_free(pkt);
}
