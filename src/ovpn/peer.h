/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OpenVPN peers of the gateway's data path and the tables that find them: by 24-bit peer-id
 * (an array: O(1), the P_DATA_V2 fast path), by VPN IPv4 address (rte_hash), and by transport
 * address IP:port (rte_hash: peer-id 0xFFFFFF and P_DATA_V1 fall back to it, and it tells
 * whether an address is already taken when a peer floats). Per peer: its key slots (keys.h),
 * transport address, keepalive timing, and counters with drops by reason
 * (openvpn-protocol.md §6.1, §6.5, §9.1, §9.2, §9.3; STYLE.md §8, §10).
 *
 * Threads (STYLE.md §10):
 *   control thread  creates and destroys the table, adds and deletes peers, changes a peer's
 *                   transport address (float) and keepalive, installs keys. One writer.
 *   workers         look peers up without locks: the id array and both hashes are published
 *                   with release stores / rte_hash's lock-free mode
 *                   (RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF). A deleted peer, and the hash
 *                   key slots it used, are freed only after an RCU grace period (struct
 *                   ovpn_rcu), so a looked-up peer is borrowed until the end of the burst.
 *   owning worker   a peer is owned by exactly one worker (ovpn_peer.owner): only that worker
 *                   writes its keepalive stamps, counters, float state and key-slot state
 *                   (keys.h). A packet for the peer seen by another worker is handed off to
 *                   the owner (core/handoff.c), a counted event. Counters are stored with
 *                   relaxed atomics so the control thread can read them (telemetry, status).
 *
 * Float (§9.1, §9.2): the worker calls ovpn_peer_float_check() only for a packet whose tag
 * verified, reports a changed source to the control thread, and keeps using the old address
 * until the control thread accepts the new one with ovpn_peer_set_transport().
 *
 * Time: now_s is seconds on the clock shared with keys.h and pktid.h.
 */
#ifndef FT_OVPN_PEER_H
#define FT_OVPN_PEER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>

#include <fasttcp/ft_addr.h>

#include "ovpn/keys.h"
#include "ovpn/pktid.h"
#include "ovpn/proto.h"

struct rte_hash;

/* X(enum suffix, telemetry name, description): why the data path dropped a packet. */
#define OVPN_DROP_REASONS(X) \
	X(MALFORMED, "malformed", "truncated P_DATA_V2, or packet id 0") \
	X(NO_PEER, "no_peer", "unknown peer-id or transport address") \
	X(UNKNOWN_KEY, "unknown_key", "no live key for the packet's key_id (absent or expired)") \
	X(AUTH_FAIL, "auth_fail", "AEAD tag did not verify") \
	X(REPLAY, "replay", "packet id already received") \
	X(REPLAY_OLD, "replay_old", "packet id behind the replay window (ids or time)") \
	X(NO_KEY, "no_key", "tx: the peer has no primary key") \
	X(KEY_EXHAUSTED, "key_exhausted", "tx: key out of packet ids or past its AEAD limit") \
	X(TOO_BIG, "too_big", "packet larger than the tunnel MTU") \
	X(NO_ROUTE, "no_route", "no route for the inner destination") \
	X(BAD_SRC, "bad_src", "inner source address is not the peer's (RPF)") \
	X(NOT_IP, "not_ip", "decrypted payload is neither IPv4 nor IPv6") \
	X(CRYPTO, "crypto", "crypto backend error (queue full, device error)") \
	X(HANDOFF, "handoff", "hand-off to the owning worker failed (ring full)")

enum ovpn_drop_reason {
#define OVPN_X_ENUM(e, n, d) OVPN_DROP_##e,
	OVPN_DROP_REASONS(OVPN_X_ENUM)
#undef OVPN_X_ENUM
	OVPN_DROP_MAX
};

/* Telemetry name ("replay") and one-line description of @p r; "?" if out of range. */
const char *
ovpn_drop_reason_name(enum ovpn_drop_reason r);
const char *
ovpn_drop_reason_desc(enum ovpn_drop_reason r);

/* The drop reason for a replay-window verdict other than OVPN_REPLAY_OK (pktid.h). */
static inline enum ovpn_drop_reason
ovpn_drop_from_replay(enum ovpn_replay_result r)
{
	switch (r) {
	case OVPN_REPLAY_DUP:
		return OVPN_DROP_REPLAY;
	case OVPN_REPLAY_TOO_OLD:
	case OVPN_REPLAY_TOO_OLD_TIME:
		return OVPN_DROP_REPLAY_OLD;
	default:
		return OVPN_DROP_MALFORMED;	/* id 0 is never sent (§6.6) */
	}
}

/*
 * Per-peer counters. Bytes are UDP payload bytes, the "link" bytes that OpenVPN's status file
 * reports in CLIENT_LIST. Written by the owning worker only.
 */
struct ovpn_peer_stats {
	uint64_t rx_pkts;	/* authenticated data packets, keepalives included */
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t drops[OVPN_DROP_MAX];
};

/* A transport endpoint packed into one word (addr << 16 | port; 0 = none), so it can be
 * published with one atomic store and used as an 8-byte hash key. */
static inline uint64_t
ovpn_endpoint_pack(const struct ft_endpoint4 *ep)
{
	return (uint64_t)ep->addr << 16 | ep->port;
}

static inline struct ft_endpoint4
ovpn_endpoint_unpack(uint64_t v)
{
	struct ft_endpoint4 ep = { .addr = (uint32_t)(v >> 16), .port = (uint16_t)v };

	return ep;
}

struct ovpn_peer {
	/* Immutable while published. */
	uint32_t id;			/* peer-id, 0 .. max_peers - 1 */
	uint32_t vpn_ip4;		/* host order; 0 = none */
	uint16_t owner;			/* index of the owning worker */
	/* Control thread writes (relaxed atomics), workers read. */
	uint32_t keepalive_interval_s;	/* ping when nothing sent for this long; 0 = never */
	uint32_t keepalive_timeout_s;	/* dead when nothing received for this long; 0 = never */
	uint64_t transport;		/* ovpn_endpoint_pack(); 0 = not known yet */
	/* Owning worker writes. */
	uint64_t last_rx_s;		/* last authenticated packet ("last seen") */
	uint64_t last_tx_s;		/* last packet sent */
	uint64_t float_reported;	/* packed source last reported by float_check */
	struct ovpn_peer_stats stats;
	/* Slots: keys.h. */
	struct ovpn_keys keys;
};

/* What the control thread knows about a new peer. */
struct ovpn_peer_conf {
	uint32_t id;			/* OVPN_PEER_ID_UNDEF: the lowest free id */
	uint32_t vpn_ip4;		/* host order; 0 = none */
	struct ft_endpoint4 transport;	/* host order; 0:0 = none yet */
	uint32_t keepalive_interval_s;
	uint32_t keepalive_timeout_s;
	uint16_t owner;
};

/*
 * Defaults: id OVPN_PEER_ID_UNDEF, no addresses, owner 0, and the keepalive 2.6 gives DCO for a
 * server's "keepalive 10 60": ping 10 s, ping-restart 120 s (§9.1).
 */
void
ovpn_peer_conf_init(struct ovpn_peer_conf *conf);

struct ovpn_peer_table_conf {
	const char *name;		/* <= OVPN_PEER_TABLE_NAME_MAX chars, unique (rte_hash) */
	uint32_t max_peers;		/* 1 .. OVPN_PEER_ID_MAX + 1 */
	int socket_id;
	struct ovpn_rcu *rcu;		/* retires peers and hash key slots; outlives the table */
	const struct ovpn_keys_conf *keys;	/* for every peer's key set; outlives it */
};

#define OVPN_PEER_TABLE_NAME_MAX	16

/*
 * The tables. Fields are the control thread's; workers use only the lookup functions.
 * by_id[id] is published with a release store and read with an acquire load.
 */
struct ovpn_peer_table {
	struct ovpn_peer **by_id;	/* [max_peers] */
	struct rte_hash *by_vpn4;	/* uint32_t VPN address -> peer */
	struct rte_hash *by_transport;	/* uint64_t packed endpoint -> peer */
	struct ovpn_rcu *rcu;
	const struct ovpn_keys_conf *keys_conf;
	uint32_t max_peers;
	uint32_t count;
	int socket_id;
};

/*
 * Create empty tables for up to conf->max_peers peers; peer-ids are 0 .. max_peers - 1, as 2.6
 * numbers them (the index into its instance array). NULL with rte_errno: EINVAL, ENOMEM, or
 * EEXIST (name taken). Control thread.
 */
struct ovpn_peer_table *
ovpn_peer_table_create(const struct ovpn_peer_table_conf *conf);

/*
 * Free the tables, every peer still in them and their keys, after flushing the rcu queue.
 * No worker may use the table any more. NULL-safe. Control thread.
 */
void
ovpn_peer_table_destroy(struct ovpn_peer_table *t);

/*
 * Add a peer from @p conf, with no keys yet and both keepalive stamps at @p now_s. On success
 * *out (if not NULL) is the peer, which the control thread may use until it deletes it.
 * Returns 0, or -EINVAL (id >= max_peers), -EEXIST (id, VPN address or transport address
 * taken), -ENOSPC (no free id: table full), -ENOMEM. Nothing changes on error. Control thread.
 */
int
ovpn_peer_add(struct ovpn_peer_table *t, const struct ovpn_peer_conf *conf, uint64_t now_s,
	      struct ovpn_peer **out);

/*
 * Remove peer @p id from every table; it and its keys are freed after a grace period. 0 or
 * -ENOENT. Control thread.
 */
int
ovpn_peer_del(struct ovpn_peer_table *t, uint32_t id);

/*
 * Accept a float: @p p's transport address becomes @p ep (0:0 = forget it). 0, or -EEXIST
 * (another peer has it), -ENOSPC (hash full). Control thread.
 */
int
ovpn_peer_set_transport(struct ovpn_peer_table *t, struct ovpn_peer *p,
			const struct ft_endpoint4 *ep);

/* Change keepalive timing (SET_PEER, §9.1); 0 disables either. Control thread. */
void
ovpn_peer_set_keepalive(struct ovpn_peer *p, uint32_t interval_s, uint32_t timeout_s);

/* Number of peers. Control thread. */
static inline uint32_t
ovpn_peer_table_count(const struct ovpn_peer_table *t)
{
	return t->count;
}

/* Peer @p id, or NULL. O(1). Borrowed until the end of the burst. Any thread. */
static inline struct ovpn_peer *
ovpn_peer_lookup_by_id(const struct ovpn_peer_table *t, uint32_t id)
{
	if (unlikely(id >= t->max_peers))
		return NULL;
	return __atomic_load_n(&t->by_id[id], __ATOMIC_ACQUIRE);
}

/* Peer whose VPN address is @p ip4 (host order), or NULL. Borrowed. Any thread. */
struct ovpn_peer *
ovpn_peer_lookup_by_vpn4(const struct ovpn_peer_table *t, uint32_t ip4);

/* Peer whose transport address is @p ep, or NULL. Borrowed. Any thread. */
struct ovpn_peer *
ovpn_peer_lookup_by_transport(const struct ovpn_peer_table *t, const struct ft_endpoint4 *ep);

/* The peer's current transport address (0:0 if none). Any thread. */
static inline struct ft_endpoint4
ovpn_peer_transport(const struct ovpn_peer *p)
{
	return ovpn_endpoint_unpack(__atomic_load_n(&p->transport, __ATOMIC_ACQUIRE));
}

/*
 * Did the peer's address change? @p src is the outer source of a packet whose tag verified.
 * True once per new address: the worker reports it to the control thread (which decides, and
 * calls ovpn_peer_set_transport() if it agrees); further packets from that same address
 * return false until another address appears. A packet from the current address clears the
 * memory, so a later float to the same new address is reported again. Owning worker.
 */
static inline bool
ovpn_peer_float_check(struct ovpn_peer *p, const struct ft_endpoint4 *src)
{
	uint64_t ep = ovpn_endpoint_pack(src);

	if (ep == __atomic_load_n(&p->transport, __ATOMIC_RELAXED)) {
		if (p->float_reported != 0)
			p->float_reported = 0;
		return false;
	}
	if (ep == p->float_reported)
		return false;
	p->float_reported = ep;
	return true;
}

/*
 * Count one authenticated packet of @p bytes (UDP payload) received from the peer at @p now_s,
 * pings included: any of them resets the ping-restart timer (§6.5). Owning worker.
 */
static inline void
ovpn_peer_count_rx(struct ovpn_peer *p, uint32_t bytes, uint64_t now_s)
{
	ovpn_ctr_add(&p->stats.rx_pkts, 1);
	ovpn_ctr_add(&p->stats.rx_bytes, bytes);
	__atomic_store_n(&p->last_rx_s, now_s, __ATOMIC_RELAXED);
}

/* Count one packet of @p bytes sent to the peer at @p now_s (data or ping). Owning worker. */
static inline void
ovpn_peer_count_tx(struct ovpn_peer *p, uint32_t bytes, uint64_t now_s)
{
	ovpn_ctr_add(&p->stats.tx_pkts, 1);
	ovpn_ctr_add(&p->stats.tx_bytes, bytes);
	__atomic_store_n(&p->last_tx_s, now_s, __ATOMIC_RELAXED);
}

/* Count a packet of this peer dropped for @p r (the caller frees it). Owning worker. */
static inline void
ovpn_peer_count_drop(struct ovpn_peer *p, enum ovpn_drop_reason r)
{
	ovpn_ctr_add(&p->stats.drops[r], 1);
}

/*
 * Should a keepalive ping (proto.h OVPN_PING_MAGIC) be sent: nothing sent for the interval
 * (§6.5, ovpn-dco keepalive_xmit)? Owning worker.
 */
static inline bool
ovpn_peer_keepalive_due(const struct ovpn_peer *p, uint64_t now_s)
{
	uint32_t iv = __atomic_load_n(&p->keepalive_interval_s, __ATOMIC_RELAXED);

	return iv != 0 && now_s >= ovpn_ctr_read(&p->last_tx_s) + iv;
}

/*
 * Nothing authenticated received for the timeout (ping-restart; ovpn-dco keepalive_recv)? The
 * worker reports it; the control thread deletes the peer. Any thread.
 */
static inline bool
ovpn_peer_timed_out(const struct ovpn_peer *p, uint64_t now_s)
{
	uint32_t to = __atomic_load_n(&p->keepalive_timeout_s, __ATOMIC_RELAXED);

	return to != 0 && now_s >= ovpn_ctr_read(&p->last_rx_s) + to;
}

/* A snapshot of @p p's counters (each at most one update old). Any thread. */
void
ovpn_peer_stats_read(const struct ovpn_peer *p, struct ovpn_peer_stats *out);

#endif /* FT_OVPN_PEER_H */
