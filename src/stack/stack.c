/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stack lifecycle: configuration defaults and validation, pool, ports, interfaces, shared net
 * state, workers, RCU, telemetry; run/stop/destroy. Setup code: it allocates and logs, and
 * unwinds with one goto ladder. Per-worker state is in workers.c, the loop in loop.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>

#include <fasttcp/ft_addr.h>
#include <fasttcp/ft_icmp.h>
#include <fasttcp/ft_ip4.h>
#include <fasttcp/ft_udp.h>

#include "core/clock.h"
#include "core/handoff.h"
#include "core/log.h"
#include "net/icmp.h"
#include "net/ip4_fwd.h"
#include "net/ip4_reass.h"
#include "net/net.h"
#include "net/udp.h"
#include "tcp/evlog.h"
#include "tcp/tcp.h"
#include "stack/stack.h"
#include "stack/steer.h"

void
ft_stack_conf_init(struct ft_stack_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->n_mbufs = 65535;
	c->arp_entries = 1024;
	c->arp_timeout_ms = 60000;
	c->arp_queue_len = 8;
	c->arp_retry_ms = 1000;
	c->arp_retries = 3;
	c->reass_max = 256;
	c->reass_max_frags = 64;
	c->reass_timeout_ms = 30000;
	c->icmp_rate = 1000;
	c->icmp_burst = 50;
	c->idle_backoff = true;
	c->idle_sleep_us = 200;
	c->gratuitous_arp = true;
	c->tcp_max_conns = 16384;
	c->tcp_sndbuf = 262144;
	c->tcp_rcvbuf = 262144;
	c->tcp_rcvbuf_max = 4194304;
	c->tcp_syn_backlog = 1024;
	c->tcp_time_wait_ms = 60000;
	c->tcp_delack_ms = 40;
	c->tcp_min_rto_ms = 200;
	c->tcp_event_log_conns = 64;
	snprintf(c->tcp_cc, sizeof(c->tcp_cc), "cubic");
	c->tcp_max_burst = 64;
	c->tcp_rrr = true;
	c->tcp_ack_batching = true;
}

static int
conf_check(const struct ft_stack_conf *c)
{
	if (c->n_ports == 0 || c->n_ports > FT_MAX_PORTS) {
		FT_LOG(ERR, stack, "need 1..%d ports, got %u", FT_MAX_PORTS, c->n_ports);
		return -EINVAL;
	}
	for (uint16_t i = 0; i < c->n_ports; i++) {
		const struct ft_port_conf *p = &c->ports[i];

		if (p->ip4 == 0 || p->prefix_len == 0 || p->prefix_len > 32 || p->mtu < 576 ||
		    p->rx_desc == 0 || p->tx_desc == 0 || p->dev[0] == '\0') {
			FT_LOG(ERR, stack, "port %u (%s): address, prefix, MTU >= 576, descriptors "
			       "and device are required", i, p->name);
			return -EINVAL;
		}
	}
	if (c->tcp_max_conns > 0 && (c->tcp_sndbuf < 4096 || c->tcp_rcvbuf < 4096 ||
				     c->tcp_syn_backlog == 0 || c->tcp_min_rto_ms == 0)) {
		FT_LOG(ERR, stack, "invalid TCP buffer, backlog or RTO settings");
		return -EINVAL;
	}
	if (c->tcp_max_conns > 0 && (ft_cc_find(c->tcp_cc) == NULL || c->tcp_max_burst == 0)) {
		FT_LOG(ERR, stack, "unknown TCP congestion control \"%s\" or max_burst 0",
		       c->tcp_cc);
		return -EINVAL;
	}
	if (c->tcp_event_log > 0 && (c->tcp_event_log < FT_EVLOG_MIN_RECS ||
				     c->tcp_event_log > FT_EVLOG_MAX_RECS ||
				     c->tcp_event_log_conns == 0 ||
				     c->tcp_event_log_conns > FT_EVLOG_MAX_CONNS)) {
		FT_LOG(ERR, stack, "TCP event log: %u..%u records per connection and 1..%u "
		       "connections", FT_EVLOG_MIN_RECS, FT_EVLOG_MAX_RECS, FT_EVLOG_MAX_CONNS);
		return -EINVAL;
	}
	if (c->arp_entries < 16 || (c->arp_entries & (c->arp_entries - 1)) ||
	    c->arp_queue_len == 0 || c->arp_queue_len > 256 || c->reass_max == 0 ||
	    c->reass_max_frags < 2 || c->reass_max > FT_REASS_MAX_DATAGRAMS ||
	    c->reass_max_frags > FT_REASS_MAX_FRAGS || c->reass_timeout_ms == 0 ||
	    c->n_mbufs < 1023) {
		FT_LOG(ERR, stack, "invalid ARP, reassembly or mbuf sizing");
		return -EINVAL;
	}
	return 0;
}

/*
 * Every RX descriptor holds an mbuf, TX rings may hold as many, each worker's mempool cache can
 * hide 256 more, and ARP queues, reassembly and TX buffers need the rest: refuse a pool that
 * would run dry at idle rather than fail later with rx_nombuf.
 */
static int
pool_check(const struct ft_stack_conf *c, unsigned int n_workers)
{
	uint64_t need = (uint64_t)n_workers * 512;

	for (uint16_t i = 0; i < c->n_ports; i++)
		need += (uint64_t)n_workers * (c->ports[i].rx_desc + c->ports[i].tx_desc);
	if (c->n_mbufs < need) {
		FT_LOG(ERR, stack, "%u mbufs cannot fill %u workers' RX/TX rings and caches: "
		       "need at least %llu (stack.mbufs)", c->n_mbufs, n_workers,
		       (unsigned long long)need);
		return -EINVAL;
	}
	return 0;
}

static struct ft_tcp_shared *
tcp_create(const struct ft_stack_conf *c)
{
	struct ft_tcp_shared *sh;

	if (c->tcp_max_conns == 0)
		return NULL;
	sh = rte_zmalloc("ft_tcp_shared", sizeof(*sh), RTE_CACHE_LINE_SIZE);
	if (sh == NULL)
		return NULL;
	sh->max_conns = c->tcp_max_conns;
	sh->sndbuf = c->tcp_sndbuf;
	sh->rcvbuf = c->tcp_rcvbuf;
	sh->rcvbuf_max = RTE_MAX(c->tcp_rcvbuf_max, c->tcp_rcvbuf);
	sh->syn_backlog = c->tcp_syn_backlog;
	sh->time_wait_tsc = ft_clock_ms_to_tsc(c->tcp_time_wait_ms);
	sh->delack_tsc = ft_clock_ms_to_tsc(c->tcp_delack_ms);
	sh->min_rto_us = c->tcp_min_rto_ms * 1000;
	sh->max_rto_us = 120 * 1000000; /* RFC 6298 §2.5 allows a maximum of at least 60 s */
	sh->cc = ft_cc_find(c->tcp_cc);
	sh->max_burst = (uint16_t)RTE_MIN(c->tcp_max_burst, 1024u);
	sh->rrr = c->tcp_rrr;
	sh->ack_batching = c->tcp_ack_batching;
	sh->sm_entries = c->tcp_sendmap_entries != 0 ? c->tcp_sendmap_entries :
			 (uint32_t)RTE_MIN((uint64_t)c->tcp_max_conns * 8 + 65536, 1u << 24);
	sh->evlog_recs = c->tcp_event_log;
	sh->evlog_conns = c->tcp_event_log_conns;
	sh->isn_key[0] = rte_rand();
	sh->isn_key[1] = rte_rand();
	return sh;
}

static struct ft_net *
net_create(const struct ft_stack_conf *c)
{
	struct ft_net *net = rte_zmalloc("ft_net", sizeof(*net), RTE_CACHE_LINE_SIZE);

	if (net == NULL)
		return NULL;
	net->arp_timeout_tsc = ft_clock_ms_to_tsc(c->arp_timeout_ms);
	net->arp_retry_tsc = ft_clock_ms_to_tsc(c->arp_retry_ms);
	net->arp_retries = c->arp_retries;
	net->arp_queue_len = c->arp_queue_len;
	net->proto[IPPROTO_ICMP] = ft_icmp_input;
	net->proto[IPPROTO_UDP] = ft_udp_input;
	if (c->tcp_max_conns > 0) {
		net->proto[IPPROTO_TCP] = ft_tcp_input;
		net->err[IPPROTO_TCP] = ft_tcp_icmp_error;
	}
	return net;
}

static void
iface_init(struct ft_iface *ifc, uint16_t idx, const struct ft_port_conf *pc,
	   const struct ft_port *p)
{
	ifc->idx = idx;
	ifc->port_id = p->port_id;
	ifc->mtu = pc->mtu;
	ifc->mac = p->mac;
	ifc->ip = pc->ip4;
	ifc->mask = ft_ip4_mask(pc->prefix_len);
	ifc->gateway = pc->gateway;
	ifc->rx_ip_csum = p->caps.rx_ip_csum;
	ifc->rx_l4_csum = p->caps.rx_l4_csum;
	ifc->tx_ip_csum = p->caps.tx_ip_csum;
	ifc->tx_l4_csum = p->caps.tx_l4_csum;
	ifc->tso = p->caps.tso_wire ? FT_TSO_WIRE : p->caps.tso ? FT_TSO_DEVICE : FT_TSO_OFF;
	ifc->tso_max_segs = p->caps.tso_max_segs;
	ifc->tx_l4_csum_chain = p->caps.csum_wire;
	ifc->n_queues = p->n_queues;
	ifc->reta_size = p->caps.reta_size;
	ifc->rss_key = p->caps.rss_key;
}

static int
ports_open(struct ft_stack *s)
{
	for (uint16_t i = 0; i < s->conf.n_ports; i++) {
		int rc = ft_port_open(&s->ports[i], &s->conf.ports[i], (uint16_t)s->n_workers,
				      s->pool);

		if (rc < 0)
			return rc;
		s->n_ports = i + 1;
		iface_init(&s->ifaces[i], i, &s->conf.ports[i], &s->ports[i]);
	}
	return 0;
}

/* The symmetric Toeplitz key of software steering: the pattern port.c programs into devices
 * (one repeated 16-bit value hashes (a,b) and (b,a) alike). */
static const uint8_t steer_key[FT_STEER_KEY_LEN] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

/*
 * Several workers: the steer (steer.h) copies ARP to every worker on every port, and on a port
 * whose RSS hash we cannot predict (no RSS, or not our key) steers each frame to the worker of
 * its flow; active opens there pick source ports by the steering hash, so their replies need
 * no hand-over when the peer's frames reach the worker the hash names.
 */
static int
steer_setup(struct ft_stack *s)
{
	const struct ft_steer_map map = { .key = steer_key, .reta_size = FT_STEER_RETA,
					  .n_workers = (uint16_t)s->n_workers };

	if (s->n_workers < 2)
		return 0;
	for (uint16_t i = 0; i < s->n_ports; i++)
		if (s->ports[i].caps.rss_key == NULL)
			s->steered_ports |= 1u << i;
	s->steer = ft_steer_create(&map, s->n_workers, (int)rte_socket_id());
	if (s->steer == NULL)
		return -rte_errno;
	for (uint16_t i = 0; i < s->n_ports; i++) {
		if (!(s->steered_ports & (1u << i)))
			continue;
		s->ifaces[i].rss_key = ft_steer_map_of(s->steer)->key;
		s->ifaces[i].reta_size = FT_STEER_RETA;
		s->ifaces[i].n_queues = (uint16_t)s->n_workers;
		FT_LOG(INFO, stack, "%s: no predictable RSS: software steering over %u workers",
		       s->ports[i].name, s->n_workers);
	}
	return 0;
}

static int
qsbr_create(struct ft_stack *s)
{
	size_t sz = rte_rcu_qsbr_get_memsize(s->n_workers);

	s->qsbr = rte_zmalloc("ft_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (s->qsbr == NULL)
		return -ENOMEM;
	return rte_rcu_qsbr_init(s->qsbr, s->n_workers);
}

static unsigned int stack_seq; /* names the pools of several stacks in one process */

bool
ft_stack_has_lcore(const struct ft_stack_conf *conf, unsigned int lcore)
{
	return conf->lcore_mask == 0 || (lcore < 64 && (conf->lcore_mask >> lcore & 1));
}

unsigned int
ft_stack_lcores(const struct ft_stack_conf *conf)
{
	unsigned int lcore, n = 0;

	RTE_LCORE_FOREACH(lcore)
		n += ft_stack_has_lcore(conf, lcore);
	return n;
}

struct ft_stack *
ft_stack_create(const struct ft_stack_conf *conf)
{
	char pool_name[RTE_MEMPOOL_NAMESIZE];
	struct ft_stack *s;
	int rc = -EINVAL;

	if (conf == NULL || conf_check(conf) < 0 || pool_check(conf, ft_stack_lcores(conf)) < 0)
		goto err;
	rc = -ENOMEM;
	s = rte_zmalloc("ft_stack", sizeof(*s), RTE_CACHE_LINE_SIZE);
	if (s == NULL)
		goto err;
	s->conf = *conf;
	s->n_workers = ft_stack_lcores(conf);
	if (s->n_workers == 0) {
		FT_LOG(ERR, stack, "lcore_mask 0x%llx names no EAL lcore",
		       (unsigned long long)conf->lcore_mask);
		rc = -EINVAL;
		goto err_destroy;
	}
	s->net = net_create(conf);
	s->tcp = tcp_create(conf);
	if (conf->tcp_max_conns > 0 && s->tcp == NULL)
		goto err_destroy;
	snprintf(pool_name, sizeof(pool_name), "ft_pool%u",
		 __atomic_fetch_add(&stack_seq, 1, __ATOMIC_RELAXED));
	s->pool = ft_port_pool_create(pool_name, conf->n_mbufs, (int)rte_socket_id());
	if (s->net == NULL || s->pool == NULL || (rc = qsbr_create(s)) < 0)
		goto err_destroy;
	rc = ports_open(s);
	if (rc < 0)
		goto err_destroy;
	rc = steer_setup(s);
	if (rc < 0)
		goto err_destroy;
	rc = ft_stack_workers_create(s);
	if (rc < 0)
		goto err_destroy;
	ft_stack_telemetry_register(s);
	return s;

err_destroy:
	ft_stack_destroy(s);
err:
	rte_errno = -rc;
	return NULL;
}

/* Launch the workers whose lcore is not the caller's. */
static void
launch_remote(struct ft_stack *s)
{
	for (unsigned int i = 0; i < s->n_workers; i++)
		if (s->workers[i]->lcore_id != rte_lcore_id())
			rte_eal_remote_launch(ft_worker_loop, s->workers[i],
					      s->workers[i]->lcore_id);
}

void
ft_stack_wait(struct ft_stack *s)
{
	for (unsigned int i = 0; i < s->n_workers; i++)
		if (s->workers[i]->lcore_id != rte_lcore_id())
			rte_eal_wait_lcore(s->workers[i]->lcore_id);
	s->running = false;
}

int
ft_stack_start(struct ft_stack *s)
{
	if (s == NULL || s->running || ft_stack_has_lcore(&s->conf, rte_lcore_id()))
		return -EINVAL;
	s->running = true;
	s->stop = false;
	launch_remote(s);
	return 0;
}

int
ft_stack_run(struct ft_stack *s)
{
	if (s == NULL || s->running)
		return -EINVAL;
	s->running = true;
	s->stop = false;
	launch_remote(s);
	for (unsigned int i = 0; i < s->n_workers; i++)
		if (s->workers[i]->lcore_id == rte_lcore_id())
			ft_worker_loop(s->workers[i]);
	ft_stack_wait(s);
	return 0;
}

void
ft_stack_stop(struct ft_stack *s)
{
	if (s != NULL)
		s->stop = true;
}

void
ft_stack_destroy(struct ft_stack *s)
{
	if (s == NULL)
		return;
	ft_stack_telemetry_unregister(s);
	ft_stack_workers_destroy(s);
	for (uint16_t i = 0; i < s->n_ports; i++)
		ft_port_close(&s->ports[i]);
	ft_steer_destroy(s->steer);
	rte_mempool_free(s->pool);
	rte_free(s->qsbr);
	rte_free(s->net);
	rte_free(s->tcp);
	rte_free(s);
}

int
ft_stack_set_poll(struct ft_stack *s, ft_poll_fn *fn, void *arg)
{
	if (s == NULL || s->running)
		return -EINVAL;
	s->poll_fn = fn;
	s->poll_arg = arg;
	return 0;
}

void
ft_stack_stats_get(const struct ft_stack *s, struct ft_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < s->n_workers; i++)
		if (s->workers[i] != NULL)
			ft_stats_add(out, &s->workers[i]->stats);
}

int
ft_worker_call(struct ft_stack *s, unsigned int worker, ft_worker_fn *fn, void *arg)
{
	if (s == NULL || fn == NULL || worker >= s->n_workers || s->workers[worker] == NULL)
		return -EINVAL;
	return ft_handoff_post(s->workers[worker]->handoff, fn, arg);
}

unsigned int
ft_stack_worker_count(const struct ft_stack *s)
{
	return s->n_workers;
}

int
ft_stack_port_id(const struct ft_stack *s, unsigned int idx)
{
	return idx < s->n_ports ? s->ports[idx].port_id : -ENOENT;
}

unsigned int
ft_worker_index(const struct ft_worker *w)
{
	return w->idx;
}

struct ft_stack *
ft_worker_stack(const struct ft_worker *w)
{
	return w->stack;
}

uint64_t
ft_worker_now(const struct ft_worker *w)
{
	return w->now;
}

int
ft_udp_bind(struct ft_stack *s, uint16_t port, ft_udp_recv_fn *fn, void *arg)
{
	if (s == NULL)
		return -EINVAL;
	return s->running ? -EBUSY : ft_udp_table_bind(s->net, port, fn, arg);
}

int
ft_udp_unbind(struct ft_stack *s, uint16_t port)
{
	if (s == NULL || s->running)
		return -EINVAL;
	return ft_udp_table_unbind(s->net, port);
}

int
ft_tcp_listen(struct ft_stack *s, uint16_t port, const struct ft_conn_ops *ops, void *arg)
{
	if (s == NULL)
		return -EINVAL;
	if (s->tcp == NULL)
		return -ENOTSUP;
	return s->running ? -EBUSY : ft_tcp_listen_add(s->tcp, port, ops, arg);
}

int
ft_ip4_set_forward(struct ft_stack *s, uint16_t port_idx, ft_ip4_fwd_fn *fn, void *arg)
{
	if (s == NULL)
		return -EINVAL;
	if (s->running)
		return -EBUSY;
	return ft_ip4_fwd_table_set(s->net, s->n_ports, port_idx, fn, arg);
}

struct rte_rcu_qsbr *
ft_stack_qsbr(const struct ft_stack *s)
{
	return s->qsbr;
}

int
ft_icmp_set_echo_handler(struct ft_stack *s, ft_icmp_echo_fn *fn, void *arg)
{
	if (s == NULL || s->running)
		return -EINVAL;
	s->net->echo_fn = fn;
	s->net->echo_arg = arg;
	return 0;
}
