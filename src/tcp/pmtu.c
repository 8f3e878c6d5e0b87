/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP errors for TCP (RFC 1122 §4.2.3.9, RFC 5461): frag-needed lowers the send MSS (path MTU
 * discovery, RFC 1191 §6.2) and resends what no longer fits; other errors are soft (the
 * connection keeps trying: RFC 5461 §4). An error is believed only if the sequence number it
 * quotes is one we have in flight (RFC 5927 §4.1), so a blind attacker cannot shrink or probe
 * a connection.
 */
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "core/worker.h"
#include "tcp/seq.h"
#include "tcp/tcp.h"

#define MIN_MSS 88 /* 128-byte IPv4 MTU floor (a 68-byte one would make segments absurd) */

void
ft_tcp_icmp_error(struct ft_worker *w, uint8_t type, uint8_t code, uint16_t mtu,
		  const struct rte_ipv4_hdr *ih, const uint8_t *l4)
{
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)l4; /* first 8 bytes only */
	struct ft_tcp_seg key = {
		.saddr = rte_be_to_cpu_32(ih->dst_addr), .daddr = rte_be_to_cpu_32(ih->src_addr),
		.sport = rte_be_to_cpu_16(th->dst_port), .dport = rte_be_to_cpu_16(th->src_port),
	};
	uint32_t seq = rte_be_to_cpu_32(th->sent_seq);
	struct ft_tcb *t = ft_tcb_lookup(w, &key);
	uint16_t mss;

	if (t == NULL || !ft_seq_in(seq, t->snd_una, t->snd_max) || t->state < FT_TCP_ESTABLISHED)
		return;
	if (type != 3 || code != 4 || mtu < 68)
		return; /* soft error: RTO and retransmission decide */
	mss = (uint16_t)RTE_MAX(mtu - 40 - ((t->flags & FT_TF_TS_OK) ? 12 : 0), MIN_MSS);
	if (mss >= t->mss)
		return;
	t->mss = mss;
	t->cc.mss = mss;
	ft_sm_set_mss(&t->sm, mss);
	w->stats.tcp_pmtu_updates++;
	ft_tcp_rec_mark_all_lost(t); /* resend in smaller segments (RFC 1191 §6.2) */
	ft_tcp_output(w, t);
}
