/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /fasttcp/tcp telemetry: one string per connection (at most the array limit) with its state
 * and the sequence/window variables an engineer needs to see why a transfer stalls:
 *   "198.51.100.2:40000>198.51.100.1:7 ESTABLISHED una+0 nxt+0 max+0 wnd 65535 cwnd 14480
 *    ssth inf sb 0 rq 0 ooo 0 rto 200000 flags 0x1f w0"
 * Read from the telemetry thread without locks: values may be mid-update (diagnostics only).
 */
#include <stdio.h>

#include <rte_telemetry.h>

#include <fasttcp/ft_addr.h>

#include "stack/stack.h"
#include "tcp/tcp.h"

static const char *const state_names[] = {
	"CLOSED", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2",
	"CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
};

static void
describe(const struct ft_tcb *t, unsigned int w, char *buf, size_t len)
{
	char la[FT_IP4_STRLEN], fa[FT_IP4_STRLEN];

	snprintf(buf, len, "%s:%u>%s:%u %s una %u nxt+%u max+%u wnd %u cwnd %u ssth %u sb %u "
		 "rq %u ooo %u rcv_nxt %u rto %u flags 0x%x w%u",
		 ft_ip4_format(t->faddr, fa, sizeof(fa)), t->fport,
		 ft_ip4_format(t->laddr, la, sizeof(la)), t->lport,
		 t->state < RTE_DIM(state_names) ? state_names[t->state] : "?", t->snd_una,
		 t->snd_nxt - t->snd_una, t->snd_max - t->snd_una, t->snd_wnd, t->cc.cwnd,
		 t->cc.ssthresh, t->sb.len, t->rcvq_len, t->ooo_n, t->rcv_nxt,
		 ft_rtt_rto(&t->rtt), t->flags, w);
}

int
ft_stack_telemetry_tcp(const struct ft_stack *s, struct rte_tel_data *d)
{
	char buf[256];

	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	for (unsigned int w = 0; s->tcp != NULL && w < s->n_workers; w++) {
		const struct ft_tcp_worker *tw = s->workers[w]->tcp;

		for (uint32_t i = 0; i < tw->max_conns; i++) {
			if (tw->tcbs[i].state == FT_TCP_CLOSED)
				continue;
			describe(&tw->tcbs[i], w, buf, sizeof(buf));
			if (rte_tel_data_add_array_string(d, buf) < 0)
				return 0; /* array full */
		}
	}
	return 0;
}
