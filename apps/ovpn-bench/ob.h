/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ovpn-bench internals, shared by its four files:
 *   main.c  options, EAL, the run schedule (direction x size x gateway count), live lines and
 *           RESULT output;
 *   world.c synthetic peers and keys on both sides (gateway and clients), the FIB, the
 *           generator (pre-sealed P_DATA_V2 frames, or plaintext LAN frames) and the collector
 *           that verifies a sample;
 *   gw.c    the gateway lcore: ring rx -> outer Ethernet/IPv4/UDP -> ovpn_data_decap_burst()
 *           -> route -> L2 rewrite -> ring tx, and LAN frame -> route -> peer ->
 *           ovpn_data_encap_burst() -> UDP/IPv4/Ethernet -> ring tx;
 *   raw.c   the raw single-core AEAD reference (the physical limit) on the same backend.
 * A benchmark program, not library code (STYLE.md §17).
 */
#ifndef FT_APPS_OVPN_BENCH_OB_H
#define FT_APPS_OVPN_BENCH_OB_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#include "crypto/aead.h"
#include "ovpn/data.h"
#include "ovpn/keys.h"
#include "ovpn/peer.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;
struct rte_rcu_qsbr;
struct ft_route_table;

#define OB_MAX_GW	2		/* gateway lcores */
#define OB_MAX_SIZES	8
#define OB_MAX_PEERS	4096
#define OB_MAX_BURST	64		/* = OVPN_DATA_BURST_MAX */
#define OB_OUTER_LEN	(RTE_ETHER_HDR_LEN + 20 + 8)	/* Ethernet + IPv4 + UDP */
#define OB_OVPN_PORT	1194

/*
 * Addresses (host order). Documentation ranges only (RFC 5737) and 10/8. Not RTE_IPV4(): in
 * DPDK 22.11 it shifts an int, undefined for a first octet above 127.
 */
#define OB_IP4(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define OB_GW_ADDR	OB_IP4(203, 0, 113, 1)	/* the gateway's public address */
#define OB_CL_ADDR	OB_IP4(198, 51, 100, 10)	/* every client; port 10000 + i */
#define OB_CL_PORT0	10000
#define OB_VPN_BASE	OB_IP4(10, 8, 0, 2)		/* client i's VPN address: base + i */
#define OB_LAN_BASE	OB_IP4(10, 20, 0, 1)		/* LAN host of client i: base + i */

enum ob_dir {
	OB_DECAP,	/* tunnel -> LAN: P_DATA_V2 in, plaintext Ethernet out */
	OB_ENCAP,	/* LAN -> tunnel: plaintext Ethernet in, P_DATA_V2 in UDP out */
};

struct ob_opts {
	bool dir[2];			/* [OB_DECAP], [OB_ENCAP] */
	enum ft_aead_alg alg;
	const char *backend;		/* ft_aead backend name */
	uint32_t sizes[OB_MAX_SIZES];	/* inner IPv4 packet lengths */
	uint16_t n_sizes;
	uint32_t peers;
	double seconds;			/* wall time per (direction, size, gateway count) */
	uint16_t gw_counts[OB_MAX_GW];	/* e.g. {1, 2}: run each */
	uint16_t n_gw_counts;
	uint16_t burst;			/* ring and pipeline burst */
	uint32_t batch;			/* packets per gateway per phase; 0 = by size */
	uint32_t verify_every;		/* collector checks 1 packet in this many */
	bool flush;			/* frames written back to DRAM before each phase */
};

/* Packets per gateway per phase: a 1024-descriptor rx ring's worth (l3fwd's default). */
#define OB_BATCH_DEFAULT	1024

struct ob_world;

/*
 * Generators: frames for gateway lcore g are always built on the other CPU. Generator 0 is the
 * main lcore (for gateway 0); with two gateways, generator 1 is gateway lcore 0, which builds
 * gateway 1's frames (gateway 1 shares CPU 0 with main) while main builds gateway 0's.
 */
#define OB_MAX_GEN	OB_MAX_GW

/* One gateway lcore's state. Written by that lcore, read by main between phases. */
struct ob_gw {
	unsigned int lcore;
	uint16_t idx;
	struct ovpn_data_ctx *ctx;
	struct rte_ring *in;		/* generator -> gateway ("wire" of the public/LAN port) */
	struct rte_ring *out;		/* gateway -> collector */
	struct ft_aead_ctx *aead;
	const struct ft_route_table *fib;
	struct rte_rcu_qsbr *qsbr;	/* this lcore is FIB reader idx */
	uint16_t burst;
	struct ob_world *w;
	/* Generator 1's handshake (gateway lcore 0 only): gen_go = n, build, gen_done = n. */
	volatile uint32_t gen_go;
	volatile uint32_t gen_done;
	int gen_rc;
	uint32_t gen_size, gen_batch;
	/* Phase handshake: main sets go = n, the lcore runs phase n and sets done = n. */
	volatile uint32_t go;
	volatile uint32_t done;
	volatile bool stop;
	uint8_t dir;			/* enum ob_dir of the current run */
	/* Totals of the current run. */
	uint64_t busy_cyc;		/* from "go" seen to ring drained, summed over phases */
	uint64_t pkts_in;
	uint64_t pkts_out;
	uint64_t bytes_out;		/* inner packet bytes forwarded (sealed, decapped) */
	uint64_t bench_drops;		/* outer parse, no route, wrong kind: not data.c's */
	/* Per phase of the current run (up to OB_MAX_PHASES): busy cycles and packets out. */
	uint32_t n_phases;
	uint64_t *phase_cyc;
	uint32_t *phase_pkts;
};

#define OB_MAX_PHASES	(1u << 17)

/* Everything a run needs; main.c owns it. */
struct ob_world {
	struct ob_opts o;
	struct rte_mempool *pool;
	struct ft_aead_backend *be;
	struct ft_aead_ctx *main_aead;		/* generator 0 and collector (main lcore) */
	struct ovpn_rcu rcu;
	struct ovpn_keys_conf kconf;
	struct rte_rcu_qsbr *qsbr;		/* FIB readers: the gateway lcores */
	struct ft_route_table *fib;
	/* Per run: */
	uint16_t n_gw;
	struct ovpn_peer_table *gw_peers;	/* the gateway's view: peer i = client i */
	struct ovpn_peer_table *cl_peers;	/* the clients' views: peer i = the gateway */
	/* Clients' data channel, one per generator (worker index = generator). */
	struct ovpn_data_ctx *cl_ctx[OB_MAX_GEN];
	struct ob_gw gw[OB_MAX_GW];
	uint32_t seq[OB_MAX_GEN];		/* each generator's packet sequence */
	uint64_t collected, verified, verify_errors;
};

/* world.c */
int ob_world_init(struct ob_world *w);
void ob_world_fini(struct ob_world *w);
int ob_run_setup(struct ob_world *w, uint16_t n_gw);
void ob_run_teardown(struct ob_world *w);
int ob_generate(struct ob_world *w, uint16_t g, enum ob_dir dir, uint32_t size, uint32_t batch);
uint16_t ob_gen_of(const struct ob_world *w, uint16_t g);
void ob_collect(struct ob_world *w, enum ob_dir dir, uint32_t size);

/* gw.c */
int ob_gw_main(void *arg);
void ob_gw_decap_burst(struct ob_gw *g, struct rte_mbuf **pkts, uint16_t n);
void ob_gw_encap_burst(struct ob_gw *g, struct rte_mbuf **pkts, uint16_t n);
bool ob_iroute_fib(void *fib, const struct ovpn_peer *peer, uint32_t src_ip4);
extern const struct rte_ether_addr ob_mac_lan_nh, ob_mac_pub_nh, ob_mac_gw;

/* raw.c: median cycles per op of ft_aead_open_burst / seal_burst, bursts of @p burst. */
struct ob_raw {
	double open_cyc, seal_cyc;
};
int ob_raw_aead(struct ob_world *w, struct ft_aead_ctx *ctx, uint32_t size, uint16_t burst,
		struct ob_raw *out);

#endif /* FT_APPS_OVPN_BENCH_OB_H */
