/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP for IPv4 (RFC 792; RFC 1122 §3.2.2).
 * - Echo requests to our address are answered by turning the request into the reply in place
 *   (reassembled requests too: the reply is fragmented on output). Requests to a broadcast
 *   address are ignored, as Linux does by default (icmp_echo_ignore_broadcasts).
 * - Echo replies go to the application's handler (ft_icmp_set_echo_handler), if any.
 * - Errors we send quote the offending IP header and as much of its payload as fits in a
 *   576-byte datagram (RFC 1812 §4.3.2.3), and are rate-limited per worker (token bucket,
 *   RFC 1812 §4.3.2.8).
 * - Errors received are counted; the TCP layer will consume frag-needed (PMTU) later.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include <fasttcp/ft_icmp.h>

#include "core/mbuf.h"
#include "core/worker.h"
#include "net/csum.h"
#include "net/icmp.h"
#include "net/iface.h"
#include "net/ipv4.h"
#include "net/net.h"

/* RFC 792 types not named by rte_icmp.h. */
#define ICMP_DEST_UNREACH FT_ICMP_DEST_UNREACH
#define ICMP_SOURCE_QUENCH 4
#define ICMP_REDIRECT 5
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAM_PROBLEM 12

#define ICMP_ERR_MAX_QUOTE (576 - sizeof(struct rte_ipv4_hdr) - sizeof(struct rte_icmp_hdr))

static uint16_t
icmp_cksum(const struct rte_mbuf *m)
{
	return (uint16_t)~ft_cksum_chain(m, 0, m->pkt_len, 0);
}

static bool
is_error_type(uint8_t type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_SOURCE_QUENCH || type == ICMP_REDIRECT ||
	       type == ICMP_TIME_EXCEEDED || type == ICMP_PARAM_PROBLEM;
}

static void
echo_reply(struct ft_worker *w, struct rte_mbuf *m, const struct rte_ipv4_hdr *ih)
{
	struct rte_icmp_hdr *icmp = rte_pktmbuf_mtod(m, struct rte_icmp_hdr *);
	struct ft_ip4_out o = {
		.src = rte_be_to_cpu_32(ih->dst_addr),
		.dst = rte_be_to_cpu_32(ih->src_addr),
		.proto = IPPROTO_ICMP,
		.tos = ih->type_of_service,
	};

	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = icmp_cksum(m);
	w->stats.icmp_echo_rx++;
	ft_ip4_output(w, m, &o);
}

static void
echo_to_app(struct ft_worker *w, struct rte_mbuf *m, const struct rte_ipv4_hdr *ih)
{
	const struct rte_icmp_hdr *icmp = rte_pktmbuf_mtod(m, const struct rte_icmp_hdr *);
	uint16_t id = rte_be_to_cpu_16(icmp->icmp_ident);
	uint16_t seq = rte_be_to_cpu_16(icmp->icmp_seq_nb);

	w->stats.icmp_echo_reply_rx++;
	if (w->net->echo_fn == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	rte_pktmbuf_adj(m, sizeof(*icmp));
	w->net->echo_fn(w, m, rte_be_to_cpu_32(ih->src_addr), id, seq, w->net->echo_arg);
}

/* Hand a received error to the protocol of the datagram it quotes (borrows @p m). */
static void
error_to_transport(struct ft_worker *w, const struct rte_mbuf *m)
{
	const struct rte_icmp_hdr *icmp = rte_pktmbuf_mtod(m, const struct rte_icmp_hdr *);
	const struct rte_ipv4_hdr *q = (const struct rte_ipv4_hdr *)(icmp + 1);
	uint32_t avail = m->data_len - sizeof(*icmp), qhl;
	ft_ip4_err_fn *fn;
	uint16_t mtu = 0;

	/* The quote: an IPv4 header and at least 8 bytes of its payload (RFC 792). */
	if (avail < sizeof(*q) || (q->version_ihl >> 4) != 4)
		return;
	qhl = rte_ipv4_hdr_len(q);
	if (qhl < sizeof(*q) || avail < qhl + 8)
		return;
	fn = w->net->err[q->next_proto_id];
	if (fn == NULL)
		return;
	if (icmp->icmp_type == ICMP_DEST_UNREACH && icmp->icmp_code == 4)
		mtu = rte_be_to_cpu_16(icmp->icmp_seq_nb); /* RFC 1191 §4: next-hop MTU */
	fn(w, icmp->icmp_type, icmp->icmp_code, mtu, q, (const uint8_t *)q + qhl);
}

void
ft_icmp_input(struct ft_worker *w, struct rte_mbuf *m, uint16_t iface)
{
	const struct rte_ipv4_hdr *ih = ft_ip4_hdr_of(m);
	const struct rte_icmp_hdr *icmp;

	if (unlikely(m->data_len < sizeof(*icmp))) {
		ft_drop(w, m, FT_DROP_ICMP_SHORT);
		return;
	}
	if (unlikely(icmp_cksum(m) != 0)) {
		ft_drop(w, m, FT_DROP_ICMP_CSUM);
		return;
	}
	icmp = rte_pktmbuf_mtod(m, const struct rte_icmp_hdr *);
	if (icmp->icmp_type == RTE_IP_ICMP_ECHO_REQUEST && icmp->icmp_code == 0 &&
	    rte_be_to_cpu_32(ih->dst_addr) == w->ifaces[iface].ip) {
		echo_reply(w, m, ih);
	} else if (icmp->icmp_type == RTE_IP_ICMP_ECHO_REPLY) {
		echo_to_app(w, m, ih);
	} else if (is_error_type(icmp->icmp_type)) {
		w->stats.icmp_err_rx++;
		error_to_transport(w, m);
		rte_pktmbuf_free(m);
	} else {
		ft_drop(w, m, FT_DROP_ICMP_TYPE);
	}
}

/* RFC 1122 §3.2.2: situations in which an ICMP error must not be sent (icmp.h). */
bool
ft_icmp_error_allowed(const struct ft_worker *w, const struct rte_mbuf *orig,
		      const struct rte_ipv4_hdr *ih)
{
	uint32_t src = rte_be_to_cpu_32(ih->src_addr), dst = rte_be_to_cpu_32(ih->dst_addr);
	uint16_t ihl = rte_ipv4_hdr_len(ih);

	if ((rte_be_to_cpu_16(ih->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) != 0)
		return false;
	if (dst == 0xffffffffu || (dst >> 28) == 0xe || src == 0 || ft_ip4_is_martian_src(src))
		return false;
	for (uint16_t i = 0; i < w->n_ifaces; i++)
		if (dst == ft_iface_bcast(&w->ifaces[i]) || src == ft_iface_bcast(&w->ifaces[i]))
			return false;
	if (ih->next_proto_id == IPPROTO_ICMP) {
		const uint8_t *type = rte_pktmbuf_mtod_offset(orig, const uint8_t *, ihl);

		if (orig->data_len <= ihl || is_error_type(*type))
			return false;
	}
	return true;
}

void
ft_icmp_send_error(struct ft_worker *w, const struct rte_mbuf *orig, uint8_t type, uint8_t code)
{
	const struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod(orig, const struct rte_ipv4_hdr *);
	uint32_t quote = RTE_MIN(orig->pkt_len, (uint32_t)ICMP_ERR_MAX_QUOTE);
	struct rte_icmp_hdr *icmp;
	struct rte_mbuf *m;
	const void *src;
	uint8_t *body;

	if (!ft_icmp_error_allowed(w, orig, ih))
		return;
	if (!ft_tb_take(&w->icmp_tb, w->now)) {
		w->stats.drops[FT_DROP_ICMP_RATELIMIT]++;
		return;
	}
	m = rte_pktmbuf_alloc(w->pool);
	if (m == NULL) {
		w->stats.drops[FT_DROP_NO_MBUF]++;
		return;
	}
	icmp = (struct rte_icmp_hdr *)rte_pktmbuf_append(m, sizeof(*icmp) + quote);
	if (unlikely(icmp == NULL)) { /* cannot happen: 576 bytes fit any data room */
		rte_pktmbuf_free(m);
		return;
	}
	memset(icmp, 0, sizeof(*icmp));
	icmp->icmp_type = type;
	icmp->icmp_code = code;
	body = (uint8_t *)(icmp + 1);
	src = rte_pktmbuf_read(orig, 0, quote, body);
	if (src != body)
		memcpy(body, src, quote);
	icmp->icmp_cksum = icmp_cksum(m);
	w->stats.icmp_err_tx++;
	ft_ip4_output(w, m, &(struct ft_ip4_out){ .dst = rte_be_to_cpu_32(ih->src_addr),
						   .proto = IPPROTO_ICMP });
}

int
ft_icmp_echo_send(struct ft_worker *w, uint32_t dst_ip, uint16_t id, uint16_t seq,
		  const void *data, uint16_t len)
{
	struct rte_icmp_hdr *icmp;
	struct rte_mbuf *m;

	if (w == NULL || (len > 0 && data == NULL) || len > 65507 - sizeof(*icmp))
		return -EINVAL;
	m = rte_pktmbuf_alloc(w->pool);
	if (m == NULL)
		return -ENOBUFS;
	if (len + sizeof(*icmp) > rte_pktmbuf_tailroom(m)) {
		rte_pktmbuf_free(m);
		return -EMSGSIZE;
	}
	icmp = (struct rte_icmp_hdr *)rte_pktmbuf_append(m, sizeof(*icmp) + len);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	icmp->icmp_code = 0;
	icmp->icmp_cksum = 0;
	icmp->icmp_ident = rte_cpu_to_be_16(id);
	icmp->icmp_seq_nb = rte_cpu_to_be_16(seq);
	if (len)
		memcpy(icmp + 1, data, len);
	icmp->icmp_cksum = icmp_cksum(m);
	return ft_ip4_output(w, m, &(struct ft_ip4_out){ .dst = dst_ip, .proto = IPPROTO_ICMP });
}
