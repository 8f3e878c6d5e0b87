/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fixture of tests/ovpn/test_data.c: two ends of a tunnel in one process, "gw" (the gateway:
 * server keys, RPF on) and "cl" (a client: client keys, the same peer-id), each with its own
 * peer table and data context; the OpenSSL and IPsec-MB backends; packet builders; and an
 * OpenSSL EVP oracle that seals and opens P_DATA_V2 straight from the key2 block and the
 * reference (openvpn-protocol.md §4.4, §6.1, §6.2), with no src/ovpn code involved.
 * Tests only: process-wide state, not thread-safe.
 */
#ifndef FT_TESTS_OVPN_DATA_FIXTURE_H
#define FT_TESTS_OVPN_DATA_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ip.h>

#include "crypto/aead.h"
#include "ovpn/data.h"
#include "ovpn/keys.h"
#include "ovpn/peer.h"

struct rte_mbuf;
struct rte_mempool;

#define T0		1000
#define PEER_ID		5
#define OTHER_ID	4		/* a second peer of the gateway, other keys */
/* DPDK 22.11's RTE_IPV4() shifts an int: undefined for a first octet above 127 (UBSan). */
#define IP4(a, b, c, d)	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define PEER_VPN	IP4(10, 8, 0, 6)
#define LAN_HOST	IP4(10, 20, 0, 5)
#define IROUTE_NET	IP4(10, 9, 0, 0)	/* /24 behind the peer */
#define CL_ADDR		IP4(198, 51, 100, 10)
#define CL_PORT		40000
#define GW_ADDR		IP4(203, 0, 113, 1)
#define GW_PORT		1194
#define NBE		2		/* backends: openssl, ipsec-mb */

enum { BE_OSSL, BE_IMB };

/* One end of the tunnel. */
struct side {
	struct ovpn_peer_table *t;
	struct ovpn_peer *peer;		/* PEER_ID */
	struct ovpn_data_ctx ctx;
	struct ft_endpoint4 self;	/* this side's outer address */
};

extern struct side gw, cl;
extern struct ft_aead_backend *be[NBE];
extern struct ft_aead_ctx *actx[NBE];
extern struct ovpn_keys_conf kconf[NBE];
extern struct ovpn_rcu rcu_now;
extern struct rte_mempool *pool;

/* --- sides (cmocka group and per-test fixtures) --- */

/* EAL, pool, the two backends and one AEAD context each. */
int group_setup(void **state);
int group_teardown(void **state);	/* fails if an AEAD key leaked */
int setup(void **state);		/* records the pool's free count */
int teardown(void **state);		/* frees both sides; fails if an mbuf leaked */

/* Both sides, gateway on backend @p bg, client on @p bc, key_id 0 of @p alg (skips if absent). */
void up(int bg, int bc, enum ft_aead_alg alg);
struct ft_endpoint4 ep(uint32_t addr, uint16_t port);
/* Another peer on side @p s (transport @p tp, owned by worker @p owner), no keys. */
struct ovpn_peer *peer_add(struct side *s, uint32_t id, uint32_t vpn, struct ft_endpoint4 tp,
			   uint16_t owner);
/* Install key_id @p kid of @p alg into @p which, server or client direction (§4.4). */
void install(struct ovpn_peer *p, enum ovpn_key_slot_idx which, enum ft_aead_alg alg,
	     uint8_t kid, bool server);

/* --- packets --- */

/* An inner IPv4 packet of @p len (>= 20) bytes from @p src: header, then pattern bytes. */
struct rte_mbuf *ip4_pkt(uint32_t src, uint32_t len, uint8_t seed);
/* An mbuf holding exactly @p len bytes of @p data. */
struct rte_mbuf *raw_pkt(const void *data, uint32_t len);
/* @p m is ip4_pkt(src, len, seed) byte for byte. */
void assert_ip4_pkt(struct rte_mbuf *m, uint32_t src, uint32_t len, uint8_t seed);
/* Encap @p n packets on side @p s, all to its peer; the number sealed. */
uint16_t encap(struct side *s, struct rte_mbuf **pkts, uint16_t n, struct ovpn_tx_res *res);
/* Decap @p n packets on side @p to, all from side @p from's address; the DATA count. */
uint16_t decap(struct side *to, const struct side *from, struct rte_mbuf **pkts, uint16_t n,
	       struct ovpn_rx_res *res);
/* Decap one packet at the gateway, from the client's address. */
struct ovpn_rx_res decap1(struct rte_mbuf **m);

/* --- OpenSSL EVP oracle (no src/ovpn code) --- */

/* A client -> gateway P_DATA_V2 packet of @p inner, sealed with key2's keys[0] (§4.4). */
struct rte_mbuf *evp_seal(enum ft_aead_alg alg, uint8_t kid, uint32_t peer_id, uint32_t pid,
			  const struct rte_mbuf *inner);
/* Open a gateway -> client packet with keys[1]; true if the tag verified, plaintext in out. */
bool evp_open(enum ft_aead_alg alg, uint8_t kid, const struct rte_mbuf *m, uint8_t *out);
/* A valid AES-256-GCM client packet with id @p pid: 60-byte IPv4 from the peer's address. */
struct rte_mbuf *good_pkt(uint32_t pid);

#endif /* FT_TESTS_OVPN_DATA_FIXTURE_H */
