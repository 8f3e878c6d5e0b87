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
 *   raw.c   the raw single-core AEAD references on the same backend: on packets hot in L1
 *           ("raw_l1") and on frames placed like the gateway's ("raw_matched").
 * A benchmark program, not library code (STYLE.md §17).
 */
#ifndef FT_APPS_OVPN_BENCH_OB_H
#define FT_APPS_OVPN_BENCH_OB_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "crypto/aead.h"
#include "ovpn/data.h"
#include "ovpn/keys.h"
#include "ovpn/peer.h"

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

/*
 * Where a phase's frames are when the gateway starts on them. Each is written by the other CPU
 * just before the phase (the "NIC"), then:
 *   LLC    its lines are pushed out of that CPU's L1/L2 into the shared L3 (by reading an
 *          eviction buffer of 4x its L2: L3 is the L2's victim cache on AMD Zen and on Intel
 *          since Skylake-SP), and no core holds them: where DDIO (Intel) or L3 cache injection
 *          leaves a NIC's DMA writes. The default.
 *   CACHE  left where the writer's stores put them: dirty in the other core's L2 (the part of
 *          the batch that fits), the rest in L3. Each first read is a cross-core transfer.
 *   DRAM   written back and flushed from every cache (clflush): DMA without DDIO.
 * The mbuf headers go the same way (they are written by the generator too); a PMD would write
 * them itself on the gateway lcore and read its descriptors from L3 instead.
 */
enum ob_place {
	OB_PLACE_LLC,
	OB_PLACE_CACHE,
	OB_PLACE_DRAM,
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
	uint8_t place;			/* enum ob_place */
	bool lookahead;			/* rx look-ahead (gw.c drain()); off: each burst alone */
};

/*
 * What a phase measures. A run cycles PIPE, RAW_MATCHED, PIPE, RAW_L1 (main.c); the raw
 * phases involve gateway lcore 0 only, and only PIPE phases count in the pipeline's figures.
 */
enum ob_mode {
	OB_MODE_PIPE,		/* the gateway data path (gw.c) */
	OB_MODE_RAW_MATCHED,	/* raw AEAD on frames placed like the pipeline's (raw.c) */
	OB_MODE_RAW_L1,		/* raw AEAD on one burst of packets hot in L1 (raw.c) */
};

/*
 * Where the inner packet (decap) or plaintext (encap) starts in the buffer: the generator lays
 * frames out as a NIC's DMA does, from RTE_PKTMBUF_HEADROOM, so the payload sits behind the
 * outer headers (decap: Ethernet + IPv4 + UDP + P_DATA_V2 header = 66 bytes; encap: Ethernet),
 * not cache-line aligned. raw.c's matched packets put their payload at the same offset.
 */
static inline uint16_t
ob_payload_off(enum ob_dir dir)
{
	return (uint16_t)(RTE_PKTMBUF_HEADROOM + (dir == OB_DECAP ?
						 OB_OUTER_LEN + OVPN_DATA_V2_HDR_LEN :
						 RTE_ETHER_HDR_LEN));
}

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
	bool lookahead;			/* ob_opts.lookahead */
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
	uint8_t mode;			/* enum ob_mode of the current phase (lcore 0) */
	uint32_t l1_iters;		/* OB_MODE_RAW_L1: iterations per phase */
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

/* The raw references' state during a run (raw.c); main.c zeroes it with the run. */
struct ob_raw_imb;	/* raw.c: the bare IPsec-MB reference's manager and key */

struct ob_raw_ref {
	const struct ft_aead_key *key;
	struct ob_raw_imb *imb;			/* NULL: not an ipsec-mb backend or not GCM */
	uint64_t *imb_open, *imb_seal;		/* per kept iteration: cycles x 1024 / op */
	struct rte_mbuf *l1_m[OB_MAX_BURST];	/* the L1 packets */
	uint16_t n_l1m;
	uint32_t l1_pid, gen_pid;
	uint64_t *l1_open, *l1_seal;		/* per kept call: cycles x 1024 / op */
	uint64_t *matched;
	uint32_t n_l1, n_matched;
	uint64_t collected, verified;		/* matched packets */
	uint64_t l1_errors, m_errors;		/* failed calls, verify errors, ring full */
};

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
	struct ob_raw_ref raw;
	/* OB_PLACE_LLC: read by a generator after it built a phase, to evict its L1/L2. */
	const uint8_t *evict;
	size_t evict_len;
};

/* world.c */
int ob_world_init(struct ob_world *w);
void ob_world_fini(struct ob_world *w);
int ob_run_setup(struct ob_world *w, uint16_t n_gw);
void ob_run_teardown(struct ob_world *w);
int ob_generate(struct ob_world *w, uint16_t g, enum ob_dir dir, uint32_t size, uint32_t batch);
uint16_t ob_gen_of(const struct ob_world *w, uint16_t g);
void ob_place_frame(const struct ob_world *w, const struct rte_mbuf *m);
void ob_place_done(const struct ob_world *w);
void ob_collect(struct ob_world *w, enum ob_dir dir, uint32_t size);
const char *ob_place_name(enum ob_place p);

/* gw.c; the burst functions expect the caller's prefetches (drain()'s rx look-ahead). */
int ob_gw_main(void *arg);
void ob_gw_decap_burst(struct ob_gw *g, struct rte_mbuf **pkts, uint16_t n);
void ob_gw_encap_burst(struct ob_gw *g, struct rte_mbuf **pkts, uint16_t n);
bool ob_iroute_fib(void *fib, const struct ovpn_peer *peer, uint32_t src_ip4);
extern const struct rte_ether_addr ob_mac_lan_nh, ob_mac_pub_nh, ob_mac_gw;

/*
 * raw.c: the references, measured on gateway lcore 0 in phases interleaved with the
 * pipeline's: ob_raw_begin() before a run, ob_raw_end() after it gives the median cycles per
 * op of one AEAD burst call, hot in L1 (both directions; for the ipsec-mb backends with
 * AES-GCM also of the bare library calls) and on frames placed like the gateway's (the run's
 * direction: open for decap, seal for encap); 0 where nothing was kept.
 */
struct ob_raw {
	double open_cyc, seal_cyc;
	double imb_open_cyc, imb_seal_cyc;	/* bare IPsec-MB calls, L1; 0 = not measured */
};
int ob_raw_begin(struct ob_world *w, uint32_t size);
void ob_raw_end(struct ob_world *w, struct ob_raw *l1, double *matched);
void ob_raw_l1_phase(struct ob_gw *g, uint32_t iters);
int ob_raw_generate(struct ob_world *w, enum ob_dir dir, uint32_t size, uint32_t batch);
void ob_raw_burst(struct ob_gw *g, struct rte_mbuf **pkts, uint16_t n);
void ob_raw_collect(struct ob_world *w, enum ob_dir dir, uint32_t size);

#endif /* FT_APPS_OVPN_BENCH_OB_H */
