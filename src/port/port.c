/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port setup: device creation per type, queue configuration, offload capability detection,
 * symmetric RSS, MTU/MAC, start and stop. Runs at setup only (it allocates and logs).
 * The in-process ring pair lives in port_ring.c; the RX/TX fast path is ft_port_rx() and txq.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "core/log.h"
#include "port/port.h"
#include "port/port_ring.h"

/* Symmetric RSS: a key of one repeated 16-bit pattern hashes (a,b) and (b,a) alike. */
static uint8_t rss_sym_key[40] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

static const char *const vdev_driver[] = {
	[FT_PORT_TAP] = "net_tap",
	[FT_PORT_MEMIF] = "net_memif",
	[FT_PORT_VIRTIO_USER] = "net_virtio_user",
	[FT_PORT_VHOST] = "net_vhost",
};

static int
vdev_args(const struct ft_port_conf *pc, uint16_t n_queues, char *buf, size_t len)
{
	switch (pc->type) {
	case FT_PORT_TAP:
		return snprintf(buf, len, "iface=%s", pc->dev);
	case FT_PORT_MEMIF:
		/* A socket file, not Linux's abstract namespace: other memif peers (VPP,
		 * another DPDK app) find it by path. */
		return snprintf(buf, len, "socket=%s,socket-abstract=no,role=%s,id=0", pc->dev,
				pc->memif_server ? "server" : "client");
	case FT_PORT_VIRTIO_USER:
		return snprintf(buf, len, "path=%s,queues=%u", pc->dev, n_queues);
	case FT_PORT_VHOST:
		return snprintf(buf, len, "iface=%s,queues=%u", pc->dev, n_queues);
	default:
		return -EINVAL;
	}
}

/* Create or find the ethdev behind @p pc; sets p->port_id. */
static int
attach_device(struct ft_port *p, const struct ft_port_conf *pc, uint16_t n_queues)
{
	char args[FT_PORT_DEV_LEN + 64];
	int rc;

	if (pc->type == FT_PORT_RING)
		return ft_port_ring_attach(p, pc, n_queues);
	if (pc->type == FT_PORT_PCI) {
		snprintf(p->devname, sizeof(p->devname), "%s", pc->dev);
		if (rte_eth_dev_get_port_by_name(pc->dev, &p->port_id) == 0)
			return 0;
		rc = rte_dev_probe(pc->dev);
		if (rc == 0)
			rc = rte_eth_dev_get_port_by_name(pc->dev, &p->port_id);
		return rc < 0 ? -ENODEV : 0;
	}
	snprintf(p->devname, sizeof(p->devname), "%s_%s", vdev_driver[pc->type], pc->name);
	vdev_args(pc, n_queues, args, sizeof(args));
	rc = rte_vdev_init(p->devname, args);
	if (rc < 0)
		return -ENODEV;
	p->created_vdev = true;
	return rte_eth_dev_get_port_by_name(p->devname, &p->port_id) == 0 ? 0 : -ENODEV;
}

/*
 * Enable every checksum offload the device has, and TSO unless pc->no_tso (our segments are
 * header mbuf + payload chain, so TSO needs multi-segment TX); record what was enabled.
 * TSO only on PCI devices, where a NIC cuts the segments. The virtual devices that claim it
 * do it in software inside the PMD: net_tap (rte_gso) refuses a packet whose tso_segsz plus
 * headers exceeds the MTU, counting the Ethernet header against the IP MTU, so a full MSS
 * never passes; virtio_user and vhost hand it to a backend we have not tested with.
 */
static void
pick_offloads(struct ft_port *p, const struct ft_port_conf *pc,
	      const struct rte_eth_dev_info *info, struct rte_eth_conf *c)
{
	const uint64_t rx_l4 = RTE_ETH_RX_OFFLOAD_UDP_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
	const uint64_t tx_l4 = RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM;

	p->caps.rx_ip_csum = info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	p->caps.rx_l4_csum = (info->rx_offload_capa & rx_l4) == rx_l4;
	p->caps.tx_ip_csum = info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	p->caps.tx_l4_csum = (info->tx_offload_capa & tx_l4) == tx_l4;
	p->caps.tso = (info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO) && !pc->no_tso &&
		      (info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) &&
		      pc->type == FT_PORT_PCI;
	p->caps.tso_max_segs = info->tx_desc_lim.nb_seg_max;
	p->caps.lro = info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_TCP_LRO;
	if (p->caps.rx_ip_csum)
		c->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	if (p->caps.rx_l4_csum)
		c->rxmode.offloads |= rx_l4;
	if (p->caps.tx_ip_csum)
		c->txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	if (p->caps.tx_l4_csum)
		c->txmode.offloads |= tx_l4;
	if (p->caps.tso)
		c->txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
	if (info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		c->txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
}

static void
pick_rss(struct ft_port *p, const struct rte_eth_dev_info *info, struct rte_eth_conf *c)
{
	uint64_t hf = info->flow_type_rss_offloads &
		      (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV4_UDP);

	if (p->n_queues < 2 || hf == 0)
		return;
	c->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	c->rx_adv_conf.rss_conf.rss_hf = hf;
	if (info->hash_key_size == sizeof(rss_sym_key) && info->reta_size > 0) {
		c->rx_adv_conf.rss_conf.rss_key = rss_sym_key;
		c->rx_adv_conf.rss_conf.rss_key_len = sizeof(rss_sym_key);
		p->caps.rss_key = rss_sym_key;
		p->caps.reta_size = info->reta_size;
	}
	p->caps.rss = true;
}

static int
setup_queues(struct ft_port *p, const struct ft_port_conf *pc, struct rte_mempool *mp)
{
	int socket = rte_eth_dev_socket_id(p->port_id);
	uint16_t nrx = pc->rx_desc, ntx = pc->tx_desc;
	int rc;

	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nrx, &ntx);
	if (rc < 0)
		return rc;
	for (uint16_t q = 0; q < p->n_queues; q++) {
		rc = rte_eth_rx_queue_setup(p->port_id, q, nrx, socket, NULL, mp);
		if (rc < 0)
			return rc;
		rc = rte_eth_tx_queue_setup(p->port_id, q, ntx, socket, NULL);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
configure(struct ft_port *p, const struct ft_port_conf *pc, struct rte_mempool *mp)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc < 0)
		return rc;
	if (info.max_rx_queues < p->n_queues || info.max_tx_queues < p->n_queues) {
		FT_LOG(ERR, port, "%s: device has %u rx / %u tx queues, %u workers need one each",
		       pc->name, info.max_rx_queues, info.max_tx_queues, p->n_queues);
		return -ENOTSUP;
	}
	pick_offloads(p, pc, &info, &conf);
	/* The ring pair is a virtual wire, like a veth pair: a super-segment reaches the peer
	 * stack unsegmented and the peer takes it whole (as Linux GRO output). An impaired ring
	 * port gets no TSO: losing a 64 KB super-segment is not losing one packet, and the
	 * impairer's loss, reordering and rate figures are per packet. */
	if (pc->type == FT_PORT_RING && p->impair == NULL && !pc->no_tso)
		p->caps.tso = p->caps.tso_wire = true;
	if (pc->type == FT_PORT_RING)
		p->caps.tx_l4_csum = p->caps.rx_l4_csum = p->caps.csum_wire = true;
	pick_rss(p, &info, &conf);
	rc = rte_eth_dev_configure(p->port_id, p->n_queues, p->n_queues, &conf);
	if (rc < 0)
		return rc;
	rc = setup_queues(p, pc, mp);
	if (rc < 0)
		return rc;
	if (rte_eth_dev_set_mtu(p->port_id, pc->mtu) < 0)
		FT_LOG(WARNING, port, "%s: device refused MTU %u; keeping its own", pc->name,
		       pc->mtu);
	if (pc->mac_set) {
		rc = rte_eth_dev_default_mac_addr_set(p->port_id,
						      (struct rte_ether_addr *)(uintptr_t)pc->mac);
		if (rc < 0)
			return rc;
	}
	return rte_eth_macaddr_get(p->port_id, &p->mac);
}

int
ft_port_open(struct ft_port *p, const struct ft_port_conf *pc, uint16_t n_queues,
	     struct rte_mempool *mp)
{
	int rc;

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", pc->name);
	p->n_queues = n_queues;
	rc = attach_device(p, pc, n_queues);
	if (rc < 0) {
		FT_LOG(ERR, port, "%s: cannot create or find device '%s': %s", pc->name, pc->dev,
		       strerror(-rc));
		return rc;
	}
	rc = configure(p, pc, mp);
	if (rc == 0)
		rc = rte_eth_dev_start(p->port_id);
	if (rc < 0) {
		FT_LOG(ERR, port, "%s: configuration failed: %s", pc->name, strerror(-rc));
		ft_port_close(p);
		return rc;
	}
	p->started = true;
	FT_LOG(INFO, port, "%s: port %u (%s) up, %u queue(s), offloads rx-csum %s/%s "
	       "tx-csum %s/%s tso %s rss %s", pc->name, p->port_id, p->devname, n_queues,
	       p->caps.rx_ip_csum ? "ip" : "-", p->caps.rx_l4_csum ? "l4" : "-",
	       p->caps.tx_ip_csum ? "ip" : "-", p->caps.tx_l4_csum ? "l4" : "-",
	       p->caps.tso_wire ? "wire" : p->caps.tso ? "on" : "off",
	       p->caps.rss ? "symmetric" : "off");
	return 0;
}

void
ft_port_close(struct ft_port *p)
{
	if (p->devname[0] == '\0')
		return;
	if (p->started)
		rte_eth_dev_stop(p->port_id);
	rte_eth_dev_close(p->port_id);
	if (p->created_vdev)
		rte_vdev_uninit(p->devname);
	ft_port_ring_detach(p);
	p->started = false;
	p->devname[0] = '\0';
}

/* Ring pair (port.h csum_wire): what the peer sent with an L4 checksum offload flag carries
 * the pseudo-header sum only; the data crossed intact. */
static void
wire_csum_rx(struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (m->ol_flags & RTE_MBUF_F_TX_L4_MASK)
			m->ol_flags = (m->ol_flags & ~(RTE_MBUF_F_TX_L4_MASK |
				       RTE_MBUF_F_RX_L4_CKSUM_MASK)) | RTE_MBUF_F_RX_L4_CKSUM_NONE;
	}
}

uint16_t
ft_port_rx(const struct ft_port *p, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	/* An impaired ring port moves what this queue sent (and what its delay line released)
	 * to the wire here: see port_ring.c for why this is the place. */
	if (p->impair != NULL)
		ft_port_ring_pump(p->impair, queue, rte_rdtsc());
	n = rte_eth_rx_burst(p->port_id, queue, pkts, n);
	if (p->caps.csum_wire)
		wire_csum_rx(pkts, n);
	return n;
}

int
ft_port_stats(const struct ft_port *p, struct rte_eth_stats *st)
{
	return rte_eth_stats_get(p->port_id, st);
}

void
ft_port_link_str(const struct ft_port *p, char *buf, size_t len)
{
	struct rte_eth_link link;

	if (rte_eth_link_get_nowait(p->port_id, &link) < 0) {
		snprintf(buf, len, "unknown");
		return;
	}
	rte_eth_link_to_str(buf, len, &link);
}

struct rte_mempool *
ft_port_pool_create(const char *name, uint32_t n_mbufs, int socket_id)
{
	return rte_pktmbuf_pool_create(name, n_mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       socket_id);
}
