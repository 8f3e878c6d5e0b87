/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports: the only code that calls rte_eth_* (with txq.c). A port is created from a
 * struct ft_port_conf (tap, pci, memif, virtio_user, vhost or an in-process ring pair),
 * configured with one RX and one TX queue per worker, and started.
 */
#ifndef FT_PORT_PORT_H
#define FT_PORT_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mempool.h>

#include <fasttcp/ft_stack.h>

/* What the device offers and what we enabled. */
struct ft_port_caps {
	bool rx_ip_csum;  /* RX IPv4 header checksum verified by the device */
	bool rx_l4_csum;  /* RX UDP/TCP checksum verified by the device */
	bool tx_ip_csum;  /* TX IPv4 header checksum computed by the device */
	bool tx_l4_csum;  /* TX UDP/TCP checksum computed by the device */
	bool tso;         /* TCP segmentation offload on: offered, and not ft_port_conf.no_tso */
	bool tso_wire;    /* ring pair: the "wire" hands super-segments to the peer whole, as a
			   * veth pair does with GSO packets (the peer accepts them like GRO
			   * output); never on an impaired ring port (see port.c) */
	uint16_t tso_max_segs; /* most mbufs in one TSO packet (device limit), 0 = no limit */
	bool csum_wire;   /* ring pair: UDP/TCP checksums left to the "wire", as a veth pair
			   * passes CHECKSUM_PARTIAL packets: a sender with the offload writes only
			   * the pseudo-header sum, and ft_port_rx() marks what arrives with the
			   * flag as RX_L4_CKSUM_NONE (data vouched for). The wire, impaired or
			   * not, never corrupts a byte. */
	bool lro;         /* TCP LRO offered (not used yet) */
	bool rss;         /* RSS over several queues enabled */
	const uint8_t *rss_key; /* the symmetric key we programmed (40 bytes), or NULL when the
				 * device's hash cannot be predicted */
	uint16_t reta_size;     /* redirection table entries (default: entry i -> queue i % n) */
};

struct ft_ring_impair;

struct ft_port {
	uint16_t port_id;
	uint16_t n_queues;
	bool started;
	bool created_vdev;        /* we created the device: detach it on close */
	struct ft_port_caps caps;
	struct rte_ether_addr mac;
	char name[FT_PORT_NAME_LEN];
	char devname[FT_PORT_DEV_LEN + 32];
	struct ft_ring_impair *impair; /* ring port with an impairment stage, else NULL */
};

/*
 * Create (for virtual devices) or find (pci) the device, configure @p n_queues RX/TX queues
 * with mbufs from @p mp, set MTU and MAC, start it. Main thread, after rte_eal_init().
 * @return 0, or a negative errno with the reason logged (-ENODEV, -EINVAL, -ENOTSUP...).
 */
int ft_port_open(struct ft_port *p, const struct ft_port_conf *pc, uint16_t n_queues,
		 struct rte_mempool *mp);

/* Stop and close; detach devices we created. Main thread. Safe on a zeroed port. */
void ft_port_close(struct ft_port *p);

/* Receive up to @p n packets from @p queue. Owning worker. On an impaired ring port this first
 * moves what the queue transmitted through the impairer (ft_port_ring_pump()). */
uint16_t ft_port_rx(const struct ft_port *p, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);

/* Device counters (rte_eth_stats). Any thread. @return 0 or a negative errno. */
int ft_port_stats(const struct ft_port *p, struct rte_eth_stats *st);

/* Link status as text ("up 10000 Mbps full-duplex" / "down"). Any thread. */
void ft_port_link_str(const struct ft_port *p, char *buf, size_t len);

/*
 * Ring ports with an impairment stage (port_ring.c, impair.c). ft_port_rx() calls the pump:
 * stage ring -> impairer -> wire ring for @p queue at TSC @p now. Owning worker.
 */
void ft_port_ring_pump(struct ft_ring_impair *ri, uint16_t queue, uint64_t now);

/* Free the impairment stage and the packets it holds. Main thread, after the device closed. */
void ft_port_ring_detach(struct ft_port *p);

/* Impairment counters of @p p summed over queues. Any thread. @return 0 or -ENOENT. */
int ft_port_impair_stats(const struct ft_port *p, struct ft_impair_stats *st);

/* Create the packet pool (per NUMA socket). Main thread. NULL + rte_errno on failure. */
struct rte_mempool *ft_port_pool_create(const char *name, uint32_t n_mbufs, int socket_id);

#endif /* FT_PORT_PORT_H */
