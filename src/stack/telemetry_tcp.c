/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /fasttcp/tcp telemetry: one string per connection (at most the array limit) with its state
 * and the sequence/window variables an engineer needs to see why a transfer stalls:
 *   "198.51.100.2:40000>198.51.100.1:7 ESTABLISHED una+0 nxt+0 max+0 wnd 65535 cwnd 14480
 *    ssth inf sb 0 rq 0 ooo 0 rto 200000 flags 0x1f w0"
 * Read from the telemetry thread without locks: values may be mid-update (diagnostics only).
 *
 * /fasttcp/tcp_log: the TCP event log rings (tcp/evlog.h). Without a parameter, the rings that
 * hold records: "ID open|closed remote>local STATE records N of TOTAL w0". With "ID[,FROM]",
 * one ring: its identity, TSC frequency and up to FT_TEL_EVLOG_PAGE records with index >= FROM
 * as hex strings of the 48-byte record (telemetry strings are under 128 characters and a reply
 * under 16 KiB, hence one record per string and paging by "next"). scripts/tcp-evlog-plot.py
 * --telemetry pages through it and writes the same dump format as ft_conn_evlog_dump().
 *
 * /fasttcp/tcp_sendmap: the sendmap pools (tcp/sendmap.h): struct ft_sm_stats summed over the
 * workers (SACK-attack defence: sack_refused, sad_attacks, ...), capacity and entries in use,
 * and "conns": one string per connection holding entries, with its entry count against its
 * cap and its attack state: "198.51.100.2:40000>7 n 12 max 1042 st 0x0 sacked 0 lost 0 w0".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_telemetry.h>

#include <fasttcp/ft_addr.h>

#include "stack/stack.h"
#include "tcp/evlog.h"
#include "tcp/tcp.h"

#define FT_TEL_EVLOG_PAGE 128 /* records per reply: 128 * 99 bytes of JSON fit 16 KiB */
#define FT_TEL_EVLOG_LIST 160 /* rings listed: about 70 bytes each */

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

/* The counters of struct ft_sm_stats that /fasttcp/tcp_sendmap reports, all of them. */
#define FT_TEL_SM_STATS(X) \
	X(sends) X(sends_extended) X(send_refused) X(retransmits) X(rexmit_refused) X(splits) \
	X(merges) X(shifts) X(sack_blocks) X(sack_invalid) X(sack_known) X(sack_refused) \
	X(sack_attack_ignored) X(dsacks) X(reneges) X(reneged_bytes) X(rto_marks) \
	X(rto_clears) X(sad_suspicious) X(sad_attacks) X(sad_restores) X(pool_empty)

/* "remote>lport n N max M st S sacked B lost B wW" for a connection holding sendmap entries. */
static void
describe_sendmap(const struct ft_tcb *t, unsigned int w, char *buf, size_t len)
{
	char fa[FT_IP4_STRLEN];

	snprintf(buf, len, "%s:%u>%u n %u max %u st 0x%x sacked %u lost %u w%u",
		 ft_ip4_format(t->faddr, fa, sizeof(fa)), t->fport, t->lport, t->sm.n_entries,
		 t->sm.max_entries, t->sm.state, t->sm.sacked_bytes, t->sm.lost_bytes, w);
}

int
ft_stack_telemetry_tcp_sendmap(const struct ft_stack *s, struct rte_tel_data *d)
{
	struct ft_sm_stats sum = { 0 };
	uint64_t capacity = 0, in_use = 0;
	struct rte_tel_data *a;
	char buf[128];

	if (s->tcp == NULL)
		return -ENODEV;
	a = rte_tel_data_alloc();
	if (a == NULL)
		return -ENOMEM;
	rte_tel_data_start_array(a, RTE_TEL_STRING_VAL);
	for (unsigned int w = 0; w < s->n_workers; w++) {
		const struct ft_tcp_worker *tw = s->workers[w]->tcp;
		const struct ft_sm_stats *st = ft_sm_pool_stats(tw->sm_pool);

#define FT_TEL_SM_ADD(f) sum.f += st->f;
		FT_TEL_SM_STATS(FT_TEL_SM_ADD)
#undef FT_TEL_SM_ADD
		capacity += tw->sm_pool->capacity;
		in_use += tw->sm_pool->capacity - tw->sm_pool->n_free;
		for (uint32_t i = 0; i < tw->max_conns; i++) {
			if (tw->tcbs[i].state == FT_TCP_CLOSED || tw->tcbs[i].sm.n_entries == 0)
				continue;
			describe_sendmap(&tw->tcbs[i], w, buf, sizeof(buf));
			rte_tel_data_add_array_string(a, buf); /* array full: the first are shown */
		}
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "capacity", capacity);
	rte_tel_data_add_dict_u64(d, "in_use", in_use);
#define FT_TEL_SM_PUT(f) rte_tel_data_add_dict_u64(d, #f, sum.f);
	FT_TEL_SM_STATS(FT_TEL_SM_PUT)
#undef FT_TEL_SM_PUT
	rte_tel_data_add_dict_container(d, "conns", a, 0);
	return 0;
}

static const struct ft_evlog_pool *
evlog_pool(const struct ft_stack *s, unsigned int w)
{
	return s->tcp != NULL && w < s->n_workers ? s->workers[w]->tcp->evlog_pool : NULL;
}

/* "ID open|closed remote>local STATE records N of TOTAL wW" for a ring holding records. */
static void
describe_ring(const struct ft_evlog *l, uint32_t id, char *buf, size_t len)
{
	uint64_t count = __atomic_load_n(&l->count, __ATOMIC_ACQUIRE);
	uint8_t state = count > 0 ? l->rec[(count - 1) % l->slots].state : 0;
	char la[FT_IP4_STRLEN], fa[FT_IP4_STRLEN];

	snprintf(buf, len, "%u %s %s:%u>%s:%u %s records %llu of %llu w%u", id,
		 l->open ? "open" : "closed", ft_ip4_format(l->faddr, fa, sizeof(fa)), l->fport,
		 ft_ip4_format(l->laddr, la, sizeof(la)), l->lport,
		 state < RTE_DIM(state_names) ? state_names[state] : "?",
		 (unsigned long long)(count < l->cap ? count : l->cap), (unsigned long long)count,
		 l->worker);
}

static int
evlog_list(const struct ft_stack *s, struct rte_tel_data *d)
{
	struct rte_tel_data *a = rte_tel_data_alloc();
	uint64_t attached = 0, exhausted = 0;
	unsigned int listed = 0;
	char buf[128];

	if (a == NULL)
		return -ENOMEM;
	rte_tel_data_start_array(a, RTE_TEL_STRING_VAL);
	for (unsigned int w = 0; w < s->n_workers; w++) {
		const struct ft_evlog_pool *p = evlog_pool(s, w);

		if (p == NULL)
			continue;
		for (uint32_t i = 0; i < p->n_rings; i++) {
			const struct ft_evlog *l = ft_evlog_pool_ring(p, i);

			if (l->gen == 0 || listed == FT_TEL_EVLOG_LIST)
				continue;
			describe_ring(l, w * p->n_rings + i, buf, sizeof(buf));
			rte_tel_data_add_array_string(a, buf);
			listed++;
		}
		attached += p->attached;
		exhausted += p->exhausted;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "records_per_conn", s->tcp->evlog_recs);
	rte_tel_data_add_dict_u64(d, "rings_per_worker", s->tcp->evlog_conns);
	rte_tel_data_add_dict_u64(d, "attached", attached);
	rte_tel_data_add_dict_u64(d, "exhausted", exhausted);
	rte_tel_data_add_dict_container(d, "logs", a, 0);
	return 0;
}

static void
hex(const void *src, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *b = src;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 0xf];
	}
	out[2 * n] = '\0';
}

static int
evlog_page(const struct ft_evlog *l, uint32_t id, uint64_t from, struct rte_tel_data *d)
{
	struct ft_evlog_rec recs[FT_TEL_EVLOG_PAGE];
	char buf[2 * sizeof(struct ft_evlog_rec) + 1];
	struct rte_tel_data *a = rte_tel_data_alloc();
	struct ft_evlog_span sp;

	if (a == NULL)
		return -ENOMEM;
	if (ft_evlog_read(l, from, recs, RTE_DIM(recs), &sp) < 0 &&
	    ft_evlog_read(l, from, recs, RTE_DIM(recs), &sp) < 0) {
		rte_tel_data_free(a);
		return -EAGAIN; /* reused twice while we read: ask again */
	}
	rte_tel_data_start_array(a, RTE_TEL_STRING_VAL);
	for (uint32_t i = 0; i < sp.n; i++) {
		hex(&recs[i], sizeof(recs[i]), buf);
		rte_tel_data_add_array_string(a, buf);
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "id", id);
	rte_tel_data_add_dict_u64(d, "worker", l->worker);
	rte_tel_data_add_dict_u64(d, "ring", l->idx);
	rte_tel_data_add_dict_u64(d, "gen", sp.gen);
	rte_tel_data_add_dict_u64(d, "open", l->open);
	rte_tel_data_add_dict_u64(d, "laddr", l->laddr);
	rte_tel_data_add_dict_u64(d, "lport", l->lport);
	rte_tel_data_add_dict_u64(d, "faddr", l->faddr);
	rte_tel_data_add_dict_u64(d, "fport", l->fport);
	rte_tel_data_add_dict_u64(d, "tsc_hz", l->tsc_hz);
	rte_tel_data_add_dict_u64(d, "rec_size", sizeof(struct ft_evlog_rec));
	rte_tel_data_add_dict_u64(d, "count", sp.count);
	rte_tel_data_add_dict_u64(d, "first", sp.first);
	rte_tel_data_add_dict_u64(d, "n", sp.n);
	rte_tel_data_add_dict_u64(d, "next", sp.first + sp.n);
	rte_tel_data_add_dict_container(d, "recs", a, 0);
	return 0;
}

int
ft_stack_telemetry_tcp_log(const struct ft_stack *s, const char *params, struct rte_tel_data *d)
{
	const struct ft_evlog_pool *p = evlog_pool(s, 0);
	unsigned long long id, from = 0;
	char *end;

	if (p == NULL)
		return -ENODEV; /* TCP or the event log is off */
	if (params == NULL || *params == '\0')
		return evlog_list(s, d);
	id = strtoull(params, &end, 10);
	if (*end == ',')
		from = strtoull(end + 1, &end, 10);
	if (end == params || *end != '\0' || id >= (unsigned long long)s->n_workers * p->n_rings)
		return -EINVAL;
	p = evlog_pool(s, (unsigned int)(id / p->n_rings));
	return evlog_page(ft_evlog_pool_ring(p, (uint32_t)(id % p->n_rings)), (uint32_t)id, from,
			  d);
}
