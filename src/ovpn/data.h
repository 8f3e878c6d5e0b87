/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The OpenVPN data channel of one worker: P_DATA_V2 decapsulation (tunnel -> LAN) and
 * encapsulation (LAN -> tunnel) in bursts, with one AEAD call per burst (ARCHITECTURE.md "The
 * worker", step 4; openvpn-protocol.md §6, §7, §9).
 *
 * Decap, per burst (ovpn_data_decap_burst()):
 *
 *   UDP payloads --> parse: length >= 25, opcode (not P_DATA_V2 -> CONTROL, untouched)
 *                --> peer by peer-id (0xFFFFFF: by outer source address)   NO_PEER
 *                --> owner check (another worker's peer -> HANDOFF, untouched)
 *                --> key slot by key_id (absent, expired, too many failures) UNKNOWN_KEY
 *                --> replay CHECK (cheap reject before any crypto)  MALFORMED/REPLAY/REPLAY_OLD
 *                --> nonce = packet id || nonce tail, AAD = bytes [0..8)  (§6.2)
 *                --> ONE ft_aead_open_burst() for the whole burst                    AUTH_FAIL
 *                --> replay UPDATE (authenticated packets only), usage counters  REPLAY
 *                --> float check, peer rx counters and "last seen" stamp
 *                --> strip the 24-byte header
 *                --> ping (consumed) / OCC EXIT (consumed, reported) / other OCC (NOT_IP)
 *                --> inner IPv4 or IPv6, else NOT_IP; RPF on the inner source           BAD_SRC
 *                --> DATA: the mbuf now starts at the inner IP packet
 *
 * Encap, per burst (ovpn_data_encap_burst()): peer given by the caller (route lookup done)
 *   --> owner check (HANDOFF) --> primary key (NO_KEY) --> size (TOO_BIG)
 *   --> reserve packet ids: one ovpn_key_tx_reserve() per run of packets of the same key
 *       (KEY_EXHAUSTED) --> prepend the 24-byte header (MALFORMED: no headroom)
 *   --> ONE ft_aead_seal_burst() (CRYPTO) --> counters --> SEALED: the mbuf starts at the
 *       P_DATA_V2 header; the caller adds UDP/IPv4/Ethernet towards res.dst.
 *
 * Not here: UDP/IP/Ethernet parsing and building (the caller: the gateway's worker uses
 * libfasttcp's UDP endpoint), the route lookup of decrypted packets and of LAN packets
 * (src/route, the worker), the hand-off rings (core/handoff.c), control packets (control.c),
 * key installation and rekey polling (keys.h: the worker's timer calls ovpn_key_rekey_poll()
 * for its peers), keepalive timing (peer.h ovpn_peer_keepalive_due(): the worker then sends a
 * ping built with ovpn_data_ping()).
 *
 * Ownership (STYLE.md §9): the burst functions take the whole burst. Each input packet ends in
 * exactly one verdict, written to res[i]; the verdict says who owns pkts[i] afterwards:
 *   DATA / SEALED       the caller, modified in place (header stripped / prepended);
 *   CONTROL / HANDOFF   the caller, untouched (data and length as given);
 *   PING / EXIT / DROP  consumed (freed by data.c, and pkts[i] set to NULL).
 *
 * Context: one struct ovpn_data_ctx per worker (lcore), used by that worker only. Peers, their
 * key slots and the routes are read-mostly tables published by the control thread with RCU:
 * every pointer handed back here (res[i].peer) is borrowed until the worker's next quiescent
 * state report. A peer's key slots (TX ids, replay window, usage counters) and counters are
 * written only by its owning worker (peer.h ovpn_peer.owner == ctx->conf.worker); a packet of
 * a peer owned by another worker is never processed in place but returned as HANDOFF.
 *
 * The burst functions allocate nothing, take no lock, log nothing and make no syscall
 * (STYLE.md §11). Any burst size is accepted; the work is done in chunks of
 * OVPN_DATA_BURST_MAX packets (one AEAD call each).
 */
#ifndef FT_OVPN_DATA_H
#define FT_OVPN_DATA_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

#include <fasttcp/ft_addr.h>

#include "crypto/aead.h"
#include "ovpn/peer.h"
#include "ovpn/proto.h"

struct rte_mbuf;

/* Packets per AEAD call; larger bursts are processed in chunks of this size. */
#define OVPN_DATA_BURST_MAX	FT_AEAD_BURST_MAX

/* Default largest inner packet that encap accepts: tun-mtu's default (§6.4). */
#define OVPN_DATA_MTU_DEFAULT	1500

/* ---------------------------------------------------------------------------------------- */
/* Per-worker context                                                                       */
/* ---------------------------------------------------------------------------------------- */

/*
 * RPF for inner sources other than the peer's own VPN address (iroutes, §6.3, ovpn-dco
 * "RPF"): return true if @p src_ip4 (host order) may be sent by @p peer. The gateway's worker
 * implements it with its FIB: ft_route_lookup(src) is an FT_NH_PEER next hop whose peer_id is
 * peer->id. Called on the decap hot path, but only for packets whose source is not the peer's
 * VPN address, so a client without iroutes never reaches it. Must not block or allocate.
 */
typedef bool ovpn_data_iroute_fn(void *arg, const struct ovpn_peer *peer, uint32_t src_ip4);

/* Setup of one worker's data channel; ovpn_data_conf_init() fills the defaults. */
struct ovpn_data_conf {
	struct ft_aead_ctx *aead;		/* the worker's AEAD context; borrowed */
	const struct ovpn_peer_table *peers;	/* borrowed; outlives the ctx */
	uint16_t worker;			/* this worker's index, compared with peer->owner */
	uint16_t mtu;				/* encap: inner packets above it: TOO_BIG */
	/*
	 * Decap: drop (BAD_SRC) a decrypted packet whose inner source is neither the peer's VPN
	 * IPv4 address nor accepted by @iroute. Peers have no IPv6 address yet, so with rpf on
	 * every inner IPv6 packet is BAD_SRC (a 2.6 client's first packet is an IPv6 router
	 * solicitation, §6.3 [LAB]: expected and dropped). Off: any IPv4/IPv6 source passes.
	 */
	bool rpf;
	ovpn_data_iroute_fn *iroute;		/* NULL: only the VPN address passes RPF */
	void *iroute_arg;
};

/* Defaults: no aead/peers (set them), worker 0, mtu OVPN_DATA_MTU_DEFAULT, rpf on, no iroute. */
void
ovpn_data_conf_init(struct ovpn_data_conf *conf);

/*
 * Per-worker totals, written by the owning worker with ovpn_ctr_add() (relaxed atomics) so
 * the control thread may read them for telemetry (ovpn_data_stats_read()). Bytes are UDP
 * payload bytes (the P_DATA_V2 packet), as in struct ovpn_peer_stats. Drops of both
 * directions share one array indexed by enum ovpn_drop_reason (peer.h); a drop of a known peer
 * owned by this worker is also counted in that peer's stats.
 */
struct ovpn_data_stats {
	uint64_t rx_pkts;	/* authenticated packets: DATA + PING + EXIT (+ OCC dropped) */
	uint64_t rx_bytes;
	uint64_t rx_data;	/* DATA verdicts: inner packets handed to the caller */
	uint64_t rx_ping;	/* keepalives consumed */
	uint64_t rx_exit;	/* OCC EXIT (explicit-exit-notify) reported */
	uint64_t rx_float;	/* authenticated packets flagged OVPN_RX_F_FLOAT */
	uint64_t rx_control;	/* CONTROL verdicts */
	uint64_t rx_handoff;	/* HANDOFF verdicts in decap */
	uint64_t tx_pkts;	/* SEALED verdicts, pings included */
	uint64_t tx_bytes;
	uint64_t tx_handoff;	/* HANDOFF verdicts in encap */
	uint64_t drops[OVPN_DROP_MAX];
};

/*
 * One worker's data channel. Caller-owned memory (init/fini), e.g. rte_zmalloc_socket() on the
 * worker's socket, cache-line aligned; a few KiB because the per-burst scratch (AEAD ops) lives
 * here rather than on the stack. Fields other than stats are internal.
 */
struct ovpn_data_ctx {
	struct ovpn_data_conf conf;
	uint64_t now_s;				/* per-burst clock, ovpn_data_set_now() */
	struct ovpn_data_stats stats;
	/* Scratch of one chunk; meaningful only inside a burst call. */
	struct ft_aead_op ops[OVPN_DATA_BURST_MAX];
	/* Per op j, in the order the ops were built (the AEAD call reorders ops[]). */
	struct ovpn_key_slot *slot[OVPN_DATA_BURST_MAX];	/* its key slot */
	struct rte_mbuf *m[OVPN_DATA_BURST_MAX];		/* its mbuf */
	int32_t status[OVPN_DATA_BURST_MAX];			/* its AEAD status */
	uint16_t idx[OVPN_DATA_BURST_MAX];			/* its packet index */
} __rte_cache_aligned;

/*
 * Initialise @p ctx from @p conf (copied). 0, or -EINVAL (NULL aead or peers, mtu 0).
 * Control thread, before the worker runs. There is nothing to fini: the AEAD context and the
 * peer table belong to the caller.
 */
int
ovpn_data_ctx_init(struct ovpn_data_ctx *ctx, const struct ovpn_data_conf *conf);

/*
 * Set the clock for the following bursts: seconds on the clock shared with keys.h, pktid.h and
 * peer.h (replay time window, key expiry, "last seen" stamps). Call once per loop iteration
 * with the worker's cached time; never read from the system per packet. Owning worker.
 */
static inline void
ovpn_data_set_now(struct ovpn_data_ctx *ctx, uint64_t now_s)
{
	ctx->now_s = now_s;
}

/* A snapshot of @p ctx's counters (each at most one update old). Any thread. */
void
ovpn_data_stats_read(const struct ovpn_data_ctx *ctx, struct ovpn_data_stats *out);

/* ---------------------------------------------------------------------------------------- */
/* Decap: tunnel -> LAN                                                                     */
/* ---------------------------------------------------------------------------------------- */

/* What became of one received packet. See the file comment for who owns pkts[i] after each. */
enum ovpn_rx_verdict {
	/*
	 * Authenticated and decrypted: pkts[i] now starts at the inner IPv4 or IPv6 packet
	 * (header stripped with rte_pktmbuf_adj(); the caller checks the IP header itself, routes
	 * it and rewrites L2; rx offload flags are left as the NIC set them for the outer packet).
	 * res.peer is the sending peer, owned by this worker.
	 */
	OVPN_RX_DATA,
	/* Keepalive ping (§6.5): authenticated, counted, "last seen" updated, mbuf freed. */
	OVPN_RX_PING,
	/*
	 * OCC EXIT, the data-channel explicit-exit-notify (§6.5): authenticated and freed; the
	 * caller tells the control thread that res.peer is leaving.
	 */
	OVPN_RX_EXIT,
	/*
	 * Not P_DATA_V2 but an opcode 2.6 accepts (P_CONTROL_*, P_ACK_V1, P_DATA_V1, §1.2): nothing
	 * was checked or changed; the caller hands the packet, with its source, to the control
	 * thread (§9.3: rate-limit that ring). res.peer is NULL.
	 */
	OVPN_RX_CONTROL,
	/*
	 * A P_DATA_V2 packet of res.peer, which another worker owns (res.peer->owner): nothing
	 * was checked or changed; the caller hands it off to that worker (core/handoff.c), which
	 * decaps it there, or drops it with ovpn_data_drop(..., OVPN_DROP_HANDOFF) if the ring is
	 * full.
	 */
	OVPN_RX_HANDOFF,
	/* Dropped: counted for res.reason (and for res.peer if known and ours), mbuf freed. */
	OVPN_RX_DROP,
};

/* res.flags */
#define OVPN_RX_F_FLOAT	0x01	/* authenticated from a new source: report to control (§9.2) */

/* Per-packet outcome of ovpn_data_decap_burst(). */
struct ovpn_rx_res {
	struct ovpn_peer *peer;	/* borrowed until the next quiescent state; NULL if unknown */
	uint8_t verdict;	/* enum ovpn_rx_verdict */
	uint8_t reason;		/* enum ovpn_drop_reason, for OVPN_RX_DROP only */
	uint8_t flags;		/* OVPN_RX_F_*, for authenticated packets (DATA, PING, EXIT) */
};

/*
 * Decapsulate a burst of @p n received OpenVPN packets. pkts[i] must start at the OpenVPN
 * header (the UDP payload; the 24-byte P_DATA_V2 header must lie in the first segment, the
 * ciphertext may be chained if the AEAD backend supports it) and src[i] is its outer source
 * address and port (host order): used to find the peer when the peer-id is 0xFFFFFF and for
 * the float check. For each i, res[i] says what happened (enum ovpn_rx_verdict); pkts[i] is
 * set to NULL when consumed (PING, EXIT, DROP). Returns the number of DATA verdicts.
 * Owning worker only; no allocation, lock, log or syscall.
 */
uint16_t
ovpn_data_decap_burst(struct ovpn_data_ctx *ctx, struct rte_mbuf **pkts,
		      const struct ft_endpoint4 *src, struct ovpn_rx_res *res, uint16_t n);

/* ---------------------------------------------------------------------------------------- */
/* Encap: LAN -> tunnel                                                                     */
/* ---------------------------------------------------------------------------------------- */

enum ovpn_tx_verdict {
	/*
	 * Sealed: pkts[i] now starts at the P_DATA_V2 header (24 bytes prepended, the plaintext
	 * encrypted in place, the tag at offset 8). The caller prepends UDP/IPv4/Ethernet and
	 * sends it to res.dst.
	 */
	OVPN_TX_SEALED,
	/* peers[i] is owned by another worker: untouched; the caller hands it off. */
	OVPN_TX_HANDOFF,
	/* Dropped: counted for res.reason (and for the peer if ours), mbuf freed. */
	OVPN_TX_DROP,
};

/* Per-packet outcome of ovpn_data_encap_burst(). */
struct ovpn_tx_res {
	struct ft_endpoint4 dst;	/* SEALED: the peer's transport address (host order) */
	uint8_t verdict;		/* enum ovpn_tx_verdict */
	uint8_t reason;			/* enum ovpn_drop_reason, for OVPN_TX_DROP only */
};

/*
 * Encapsulate a burst of @p n inner packets. pkts[i] starts at an inner IP packet (not
 * checked: the caller routed it) and needs OVPN_DATA_V2_HDR_LEN bytes of headroom; peers[i] is
 * the peer the caller's route lookup chose (borrowed; NULL counts as NO_PEER). Drops: NO_PEER
 * (NULL peer, or its transport address is not known yet), NO_KEY, TOO_BIG (pkt_len > mtu),
 * KEY_EXHAUSTED (packet ids or AEAD limit used up: the whole run for that key is dropped; the
 * rekey poll reports OVPN_REKEY_EXHAUSTED), MALFORMED (empty packet, or no headroom), CRYPTO.
 * Packets of one peer keep their order and get increasing packet ids. For each i, res[i] says
 * what happened; pkts[i] is NULL after a DROP. Returns the number of SEALED verdicts.
 * Owning worker only; no allocation, lock, log or syscall.
 */
uint16_t
ovpn_data_encap_burst(struct ovpn_data_ctx *ctx, struct rte_mbuf **pkts,
		      struct ovpn_peer *const *peers, struct ovpn_tx_res *res, uint16_t n);

/*
 * Write the 16-byte keepalive payload (§6.5) into @p m, which must be empty (a fresh mbuf
 * with headroom for the header and the caller's UDP/IP/Ethernet). 0, or -EINVAL (m not empty)
 * or -ENOSPC (no tailroom); m unchanged on error. Borrows @p m. The caller may then put it in
 * an encap burst like any packet.
 */
int
ovpn_data_ping_build(struct rte_mbuf *m);

/*
 * Build and seal a keepalive ping for @p peer in the empty mbuf @p m: ovpn_data_ping_build()
 * then a one-packet ovpn_data_encap_burst(), with the same verdicts and ownership in *res
 * (a build failure is a MALFORMED drop). Returns 1 if sealed, else 0. For a worker's timer,
 * when ovpn_peer_keepalive_due() is true. Owning worker.
 */
uint16_t
ovpn_data_ping(struct ovpn_data_ctx *ctx, struct ovpn_peer *peer, struct rte_mbuf *m,
	       struct ovpn_tx_res *res);

/* ---------------------------------------------------------------------------------------- */
/* Drops by the caller                                                                      */
/* ---------------------------------------------------------------------------------------- */

/*
 * Count @p m as dropped for @p reason and free it (consumes; NULL-safe for m): in the worker's
 * totals, and in @p peer's stats if @p peer is not NULL and this worker owns it. For the
 * caller's own drops after a verdict (NO_ROUTE after decap, HANDOFF when the ring is full), so
 * that every data-channel drop shows in one set of counters. Owning worker.
 */
void
ovpn_data_drop(struct ovpn_data_ctx *ctx, struct ovpn_peer *peer, struct rte_mbuf *m,
	       enum ovpn_drop_reason reason);

#endif /* FT_OVPN_DATA_H */
