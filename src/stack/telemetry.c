/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands (read with dpdk-telemetry.py):
 *   /fasttcp/stats    event counters summed over workers, plus drops_total
 *   /fasttcp/drops    every drop reason with its count
 *   /fasttcp/workers  per-worker rx/tx/drops/idle sleeps
 *   /fasttcp/ports    per-port device, addresses, link, offloads and ethdev counters, and
 *                     the impairment counters of impaired ring ports (port_ring.c)
 *   /fasttcp/arp,<port index>  ARP entries of every worker for that port
 *   /fasttcp/tcp      TCP connections with their sequence and window state (telemetry_tcp.c)
 *   /fasttcp/tcp_log[,id[,from]]  TCP event log rings, or one ring's records (telemetry_tcp.c)
 *   /fasttcp/tcp_sendmap  sendmap pool counters (SACK-attack defence), entries per connection
 * Telemetry callbacks take no user argument in DPDK 22.11, so the stack they report on is a
 * file-level pointer: one stack per process. The telemetry thread reads counters that workers
 * write without synchronisation; 64-bit aligned loads do not tear on the supported CPUs, and a
 * snapshot that is a few packets old is acceptable.
 */
#include <stdio.h>
#include <stdlib.h>

#include <rte_telemetry.h>

#include <fasttcp/ft_addr.h>

#include "net/arp_cache.h"
#include "stack/stack.h"

static struct ft_stack *tel_stack;

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct ft_stats st;
	uint64_t drops = 0;

	if (tel_stack == NULL)
		return -ENODEV;
	ft_stack_stats_get(tel_stack, &st);
	rte_tel_data_start_dict(d);
#define FT_X_TEL(f, desc) rte_tel_data_add_dict_u64(d, #f, st.f);
	FT_EVENT_COUNTERS(FT_X_TEL)
#undef FT_X_TEL
	for (int i = 0; i < FT_DROP_MAX; i++)
		drops += st.drops[i];
	rte_tel_data_add_dict_u64(d, "drops_total", drops);
	return 0;
}

static int
tel_drops(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct ft_stats st;

	if (tel_stack == NULL)
		return -ENODEV;
	ft_stack_stats_get(tel_stack, &st);
	rte_tel_data_start_dict(d);
	for (int i = 0; i < FT_DROP_MAX; i++)
		rte_tel_data_add_dict_u64(d, ft_drop_reason_name(i), st.drops[i]);
	return 0;
}

static int
tel_workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	if (tel_stack == NULL)
		return -ENODEV;
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; i < tel_stack->n_workers; i++) {
		const struct ft_stats *st = &tel_stack->workers[i]->stats;
		struct rte_tel_data *w = rte_tel_data_alloc();
		uint64_t drops = 0;
		char name[32];

		if (w == NULL)
			return -ENOMEM;
		for (int r = 0; r < FT_DROP_MAX; r++)
			drops += st->drops[r];
		rte_tel_data_start_dict(w);
		rte_tel_data_add_dict_u64(w, "lcore", tel_stack->workers[i]->lcore_id);
		rte_tel_data_add_dict_u64(w, "rx_pkts", st->rx_pkts);
		rte_tel_data_add_dict_u64(w, "tx_pkts", st->tx_pkts);
		rte_tel_data_add_dict_u64(w, "drops", drops);
		rte_tel_data_add_dict_u64(w, "idle_sleeps", st->idle_sleeps);
		snprintf(name, sizeof(name), "worker%u", i);
		rte_tel_data_add_dict_container(d, name, w, 0);
	}
	return 0;
}

static void
port_dict(struct rte_tel_data *p, const struct ft_port *port, const struct ft_iface *ifc)
{
	struct ft_impair_stats is;
	struct rte_eth_stats es;
	char buf[128];

	rte_tel_data_start_dict(p);
	rte_tel_data_add_dict_u64(p, "port_id", port->port_id);
	rte_tel_data_add_dict_string(p, "device", port->devname);
	rte_ether_format_addr(buf, sizeof(buf), &ifc->mac);
	rte_tel_data_add_dict_string(p, "mac", buf);
	rte_tel_data_add_dict_string(p, "address", ft_ip4_format(ifc->ip, buf, sizeof(buf)));
	rte_tel_data_add_dict_u64(p, "mtu", ifc->mtu);
	ft_port_link_str(port, buf, sizeof(buf));
	rte_tel_data_add_dict_string(p, "link", buf);
	snprintf(buf, sizeof(buf), "rx-ip:%d rx-l4:%d tx-ip:%d tx-l4:%d tso:%d lro:%d rss:%d",
		 port->caps.rx_ip_csum, port->caps.rx_l4_csum, port->caps.tx_ip_csum,
		 port->caps.tx_l4_csum, port->caps.tso, port->caps.lro, port->caps.rss);
	rte_tel_data_add_dict_string(p, "offloads", buf);
	if (ft_port_stats(port, &es) == 0) {
		rte_tel_data_add_dict_u64(p, "ipackets", es.ipackets);
		rte_tel_data_add_dict_u64(p, "opackets", es.opackets);
		rte_tel_data_add_dict_u64(p, "imissed", es.imissed);
		rte_tel_data_add_dict_u64(p, "ierrors", es.ierrors);
		rte_tel_data_add_dict_u64(p, "oerrors", es.oerrors);
		rte_tel_data_add_dict_u64(p, "rx_nombuf", es.rx_nombuf);
	}
	if (ft_port_impair_stats(port, &is) == 0) {
		rte_tel_data_add_dict_u64(p, "impair_in", is.in_pkts);
		rte_tel_data_add_dict_u64(p, "impair_out", is.out_pkts);
		rte_tel_data_add_dict_u64(p, "impaired_lost", is.impaired_lost);
		rte_tel_data_add_dict_u64(p, "burst_lost", is.burst_lost);
		rte_tel_data_add_dict_u64(p, "reordered", is.reordered);
		rte_tel_data_add_dict_u64(p, "duplicated", is.duplicated);
		rte_tel_data_add_dict_u64(p, "delayed", is.delayed);
		rte_tel_data_add_dict_u64(p, "rate_dropped", is.rate_dropped);
		rte_tel_data_add_dict_u64(p, "queue_full", is.queue_full);
	}
}

static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	if (tel_stack == NULL)
		return -ENODEV;
	rte_tel_data_start_dict(d);
	for (uint16_t i = 0; i < tel_stack->n_ports; i++) {
		struct rte_tel_data *p = rte_tel_data_alloc();

		if (p == NULL)
			return -ENOMEM;
		port_dict(p, &tel_stack->ports[i], &tel_stack->ifaces[i]);
		rte_tel_data_add_dict_container(d, tel_stack->ports[i].name, p, 0);
	}
	return 0;
}

static const char *const arp_state_names[] = { "free", "incomplete", "reachable", "stale",
					       "probe" };

static int
tel_arp(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned long port = params != NULL && *params ? strtoul(params, NULL, 10) : 0;
	char ip[FT_IP4_STRLEN], mac[RTE_ETHER_ADDR_FMT_SIZE], val[80];

	if (tel_stack == NULL || port >= tel_stack->n_ports)
		return -EINVAL;
	/* An array of "address mac state worker" strings: dict keys may not contain dots. */
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	for (unsigned int w = 0; w < tel_stack->n_workers; w++) {
		const struct ft_arp_cache *c = tel_stack->workers[w]->arp[port];

		for (uint32_t i = 0; i < c->n_sets * FT_ARP_WAYS; i++) {
			const struct ft_arp_entry *e = &c->e[i];

			if (e->state == FT_ARP_FREE || e->state > FT_ARP_PROBE)
				continue;
			rte_ether_format_addr(mac, sizeof(mac), (const void *)e->mac);
			snprintf(val, sizeof(val), "%s %s %s w%u",
				 ft_ip4_format(e->ip, ip, sizeof(ip)), mac,
				 arp_state_names[e->state], w);
			if (rte_tel_data_add_array_string(d, val) < 0)
				return 0; /* array full: the first entries are shown */
		}
	}
	return 0;
}

static int
tel_tcp(const char *cmd, const char *params, struct rte_tel_data *d)
{
	return tel_stack == NULL ? -ENODEV : ft_stack_telemetry_tcp(tel_stack, d);
}

static int
tel_tcp_log(const char *cmd, const char *params, struct rte_tel_data *d)
{
	return tel_stack == NULL ? -ENODEV : ft_stack_telemetry_tcp_log(tel_stack, params, d);
}

static int
tel_tcp_sendmap(const char *cmd, const char *params, struct rte_tel_data *d)
{
	return tel_stack == NULL ? -ENODEV : ft_stack_telemetry_tcp_sendmap(tel_stack, d);
}

void
ft_stack_telemetry_register(struct ft_stack *s)
{
	if (tel_stack != NULL)
		return; /* one stack per process is reported: the first */
	tel_stack = s;
	rte_telemetry_register_cmd("/fasttcp/stats", tel_stats,
				   "fasttcp event counters summed over workers. No parameters");
	rte_telemetry_register_cmd("/fasttcp/drops", tel_drops,
				   "fasttcp drops by reason. No parameters");
	rte_telemetry_register_cmd("/fasttcp/workers", tel_workers,
				   "fasttcp per-worker counters. No parameters");
	rte_telemetry_register_cmd("/fasttcp/ports", tel_ports,
				   "fasttcp ports: device, address, link, counters. No parameters");
	rte_telemetry_register_cmd("/fasttcp/tcp", tel_tcp,
				   "fasttcp TCP connections and their state. No parameters");
	rte_telemetry_register_cmd("/fasttcp/tcp_log", tel_tcp_log,
				   "fasttcp TCP event logs. Parameters: none (list), or "
				   "log id[,first record]");
	rte_telemetry_register_cmd("/fasttcp/tcp_sendmap", tel_tcp_sendmap,
				   "fasttcp sendmap pools and entries per connection. No parameters");
	rte_telemetry_register_cmd("/fasttcp/arp", tel_arp,
				   "fasttcp ARP cache. Parameter: port index (default 0)");
}

void
ft_stack_telemetry_unregister(struct ft_stack *s)
{
	/* DPDK 22.11 has no unregister: the commands stay and report -ENODEV. */
	if (tel_stack == s)
		tel_stack = NULL;
}
