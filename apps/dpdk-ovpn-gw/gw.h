/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-ovpn-gw internals, shared by its files and grouped below by the file that implements
 * them (the tcp.h pattern). The objects:
 *
 *   struct gw         one per process: config, stack, crypto backend, peer table, FIB, the
 *                     per-worker state, the control thread and its event ring
 *   struct gw_worker  one per stack worker (lcore): its data-channel context (ovpn/data.h),
 *                     the burst being collected from UDP 1194, the encap queue, counters.
 *                     Written by that worker only (counters with relaxed atomics, so the
 *                     control and telemetry threads may read them)
 *   struct gw_peer_info  the control thread's view of one peer, static or a TLS client's
 *                     (status file, timeouts)
 *
 * The data path (ARCHITECTURE.md "The worker", step 4):
 *
 *   UDP 1194 --gw_udp_input--> rx burst --gw_poll/gw_rx_flush--> ovpn_data_decap_burst
 *        DATA --> inner checks, TTL, MSS clamp --> FIB --> LAN: ft_ip4_send (ARP)
 *                                                    \--> peer: encap queue (client-to-client)
 *        CONTROL --> with a `server` group: the control ring (mbuf + source address) to the
 *                    control thread (session.c, handshake.c: TLS, key exchange, push);
 *                    without one: counted (control_unhandled) and freed
 *        HANDOFF --> the owning worker's hand-off ring (counted handoff_tx)
 *   LAN --forward hook gw_lan_input--> FIB --> peer: TTL, MSS clamp, tunnel MTU (ICMP
 *        frag-needed / fragment) --> encap queue --gw_txq_flush--> ovpn_data_encap_burst
 *        --> ft_udp_send to the peer's transport address
 *
 * Worker-to-control events (address learned or floated, OCC EXIT) go through one rte_ring
 * (MP enqueue, SC dequeue); the control thread applies them (peer.h: only it may change a
 * peer's transport address) and owns the status file, timeouts and RCU reclamation.
 *
 * Control packets both ways (only with a `server` group): workers put each control datagram
 * (the mbuf at its UDP payload, and its source address) on ctrl_rx (MP enqueue, SC dequeue);
 * the control thread builds its replies in mbufs of its own small pool (ctrl_pool) and puts
 * them on ctrl_tx (SP/SC) to worker 0, whose poll hook sends them with ft_udp_send() from the
 * listen port. Nothing else of the control thread's reaches the wire.
 */
#ifndef FT_APPS_OVPN_GW_GW_H
#define FT_APPS_OVPN_GW_GW_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include <fasttcp/fasttcp.h>

#include "config.h"
#include "ovpn/data.h"
#include "ovpn/keys.h"
#include "ovpn/peer.h"
#include "route/route.h"

struct rte_mbuf;
struct rte_ring;

extern int gw_logtype;
#define GW_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, gw_logtype, "ovpngw: " fmt "\n", ##__VA_ARGS__)

#define GW_BURST OVPN_DATA_BURST_MAX /* packets per decap/encap call */

/* X(field, description): gateway counters of one worker, beyond ovpn_data_stats. */
#define GW_COUNTERS(X) \
	X(udp_rx, "OpenVPN datagrams taken from the listen port") \
	X(tun_to_lan, "decrypted packets forwarded to the LAN") \
	X(tun_to_tun, "decrypted packets re-encrypted to another peer (client-to-client)") \
	X(lan_rx, "LAN packets not for the gateway (forward hook)") \
	X(lan_to_tun, "LAN packets queued for encryption to a peer") \
	X(mss_clamped, "TCP SYNs whose MSS option was lowered to mssfix") \
	X(frag_needed_tx, "ICMP fragmentation-needed sent to the LAN (DF, above tunnel_mtu)") \
	X(ttl_exceeded_tx, "ICMP time-exceeded sent to the LAN") \
	X(inner_fragmented, "LAN packets split to fit tunnel_mtu (DF clear)") \
	X(keepalive_tx, "keepalive pings sent") \
	X(handoff_tx, "packets handed to the worker that owns their peer") \
	X(float_events, "new peer source addresses reported to the control thread") \
	X(event_ring_full, "events lost: the worker-to-control ring was full") \
	X(ctrl_to_thread, "control packets handed to the control thread") \
	X(ctrl_ring_full, "control packets dropped: the control ring was full") \
	X(ctrl_tx, "control packets of the control thread sent (worker 0)")

/* X(enum suffix, telemetry name, description): drops of the gateway's own stages. The data
 * channel's drops are ovpn_drop_reason (peer.h), counted in ovpn_data_stats. */
#define GW_DROP_REASONS(X) \
	X(CONTROL_UNHANDLED, "control_unhandled", \
	  "control-channel packet (P_CONTROL_*, P_ACK_V1, P_DATA_V1): no `server` group") \
	X(INNER_MALFORMED, "inner_malformed", "decrypted packet with an invalid IPv4 header") \
	X(INNER_IPV6, "inner_ipv6", "IPv6 inside the tunnel (not routed yet)") \
	X(TTL_EXCEEDED, "ttl_exceeded", "TTL 0 or 1 on arrival at the gateway") \
	X(LAN_HAIRPIN, "lan_hairpin", "LAN packet whose route is not into the tunnel") \
	X(FRAG_FAIL, "frag_fail", "could not fragment to tunnel_mtu (IP options, no mbuf)") \
	X(CLIENT_TO_CLIENT, "client_to_client", \
	  "decrypted packet routed to another peer: server.client_to_client is off")

enum gw_drop_reason {
#define GW_X_ENUM(e, n, d) GW_DROP_##e,
	GW_DROP_REASONS(GW_X_ENUM)
#undef GW_X_ENUM
	GW_DROP_MAX
};

struct gw_stats {
#define GW_X_FIELD(f, d) uint64_t f;
	GW_COUNTERS(GW_X_FIELD)
#undef GW_X_FIELD
	uint64_t drops[GW_DROP_MAX];
};

/* Worker -> control thread (16-byte ring elements). */
enum gw_event_type {
	GW_EV_FLOAT = 1, /* authenticated packet from a new source address */
	GW_EV_EXIT,      /* OCC EXIT: the peer says it is leaving */
};

struct gw_event {
	uint16_t type;
	uint16_t rsvd;
	uint32_t peer_id;
	uint64_t ep;     /* ovpn_endpoint_pack() */
};

/* A control datagram between a worker and the control thread (16-byte ring elements). */
struct gw_ctrl_pkt {
	struct rte_mbuf *m;  /* at the UDP payload */
	uint64_t ep;         /* ovpn_endpoint_pack(): its source (rx) or destination (tx) */
};

struct gw;
struct gw_server;
struct rte_mempool;

struct gw_worker {
	struct gw *gw;
	unsigned int idx;
	struct ovpn_data_ctx *data;      /* rte_zmalloc'd, cache aligned */
	struct ft_aead_ctx *aead;
	uint64_t next_tick;              /* TSC of the next keepalive scan */
	/* Hand-off rings into this worker (MP enqueue by any worker, SC dequeue here): packets
	 * of peers it owns, received (rx) or routed (tx) on another worker. */
	struct rte_ring *rx_handoff;
	struct rte_ring *tx_handoff;
	/* The burst gw_udp_input() collects and gw_rx_flush() decapsulates. */
	uint16_t n_rx;
	struct rte_mbuf *rx[GW_BURST];
	struct ft_endpoint4 rx_src[GW_BURST];
	struct ovpn_rx_res rx_res[GW_BURST];
	/* The encap queue: inner packets and their peers. */
	uint16_t n_tx;
	struct rte_mbuf *tx[GW_BURST];
	struct ovpn_peer *tx_peer[GW_BURST];
	struct ovpn_tx_res tx_res[GW_BURST];
	struct gw_stats stats;
} __rte_cache_aligned;

/*
 * Static peers occupy pinfo[0 .. n_peers - 1] for good. A TLS client's peer takes a free slot
 * of pinfo[n_peers ..] (client_peer.c) and gives it back when removed: peer NULL marks a free
 * slot. Workers read peer with gw_pinfo_peer() (the peer itself lives until their next
 * quiescent state, RCU); the telemetry thread reads slots under pinfo_lock, which the control
 * thread holds while it fills or frees one.
 */
struct gw_peer_info {
	const struct gw_peer_conf *conf;
	struct ovpn_peer *peer;          /* NULL: free slot (TLS clients' part only) */
	time_t connected_wall;           /* when its address became known; 0 = not yet */
	bool timed_out;                  /* reported, not yet heard from again */
	bool exited;                     /* sent OCC EXIT ... */
	uint64_t exit_rx_s;              /* ... after the packet received at this second */
	uint64_t rekeys;                 /* renegotiations of its session (rekey.c; control thread) */
};

struct gw {
	const struct gw_config *cfg;
	struct ft_stack *s;
	unsigned int n_workers;
	uint64_t tsc_hz;
	uint32_t port_ip[FT_MAX_PORTS];  /* host order, by stack port index */
	struct ft_aead_backend *be;
	struct ovpn_rcu rcu;
	bool rcu_ready;
	struct ovpn_keys_conf keys_conf;
	struct ovpn_peer_table *peers;
	struct ft_route_table *fib;
	struct gw_worker *workers[RTE_MAX_LCORE];
	struct gw_peer_info *pinfo;      /* [n_pinfo]: static peers, then TLS clients' peers */
	uint32_t n_pinfo;                /* grows (control thread, release); gw_peer_count() */
	pthread_mutex_t pinfo_lock;      /* control thread (slot changes) vs telemetry */
	bool peer_to_peer;               /* route tunnel -> tunnel: no `server` group (static
					  * peers), or server.client_to_client */
	struct gw_peer_conf *dyn_conf;   /* [server.max_clients]: the TLS clients' pinfo->conf */
	struct rte_ring *ctrl_rx;        /* control packets, workers -> control thread */
	struct rte_ring *ctrl_tx;        /* control packets, control thread -> worker 0 */
	struct rte_mempool *ctrl_pool;   /* the control thread's mbufs */
	struct gw_server *srv;           /* session.c; NULL without a `server` group */
	struct rte_ring *events;
	time_t start_wall;
	uint64_t start_s;
	/* Control thread (ctrl.c). */
	pthread_t ctrl;
	bool ctrl_running;
	volatile bool ctrl_stop;
	uint64_t peer_timeouts;          /* written by the control thread, read by telemetry */
	uint64_t peer_floats;
	uint64_t peer_exits;
	uint64_t peers_removed;          /* TLS clients' peers deleted (client_peer.c) */
	uint64_t status_writes;
};

/* Seconds on the clock shared with ovpn/ (keys.h, pktid.h, peer.h): TSC-derived. */
static inline uint64_t
gw_now_s(const struct gw *gw, uint64_t tsc)
{
	return tsc / gw->tsc_hz;
}

/* Entries of gw->pinfo ever filled in; free slots among them have peer NULL. Any thread. */
static inline uint32_t
gw_peer_count(const struct gw *gw)
{
	return __atomic_load_n(&gw->n_pinfo, __ATOMIC_ACQUIRE);
}

/* The peer in slot @p pi, or NULL (free slot). Borrowed as a lookup (peer.h). Any thread. */
static inline struct ovpn_peer *
gw_pinfo_peer(const struct gw_peer_info *pi)
{
	return __atomic_load_n(&pi->peer, __ATOMIC_ACQUIRE);
}

/* Count a gateway drop of @p m (NULL-safe) and free it. Owning worker. */
static inline void
gw_drop(struct gw_worker *gwk, struct rte_mbuf *m, enum gw_drop_reason r)
{
	ovpn_ctr_add(&gwk->stats.drops[r], 1);
	rte_pktmbuf_free(m);
}

#define GW_COUNT(gwk, field, n) ovpn_ctr_add(&(gwk)->stats.field, (n))

/* setup.c: everything between ft_stack_create() and ft_stack_run(), and back. */
int gw_setup(struct gw *gw, const struct gw_config *cfg, struct ft_stack *s);
void gw_teardown(struct gw *gw);

/* rx.c: tunnel -> LAN / tunnel. */
ft_udp_recv_fn gw_udp_input;
void gw_rx_flush(struct gw_worker *gwk, struct ft_worker *w);
/* ft_poll_fn: flush both directions, keepalive pings (tx.c). */
void gw_poll(struct ft_worker *w, void *arg);

/* tx.c: LAN -> tunnel, the encap queue, keepalives. */
ft_ip4_fwd_fn gw_lan_input;
void gw_txq_add(struct gw_worker *gwk, struct ft_worker *w, struct rte_mbuf *m,
		struct ovpn_peer *peer);
void gw_txq_flush(struct gw_worker *gwk, struct ft_worker *w);
void gw_keepalive(struct gw_worker *gwk, struct ft_worker *w, uint64_t now_s);
void gw_txq_handoff_drain(struct gw_worker *gwk, struct ft_worker *w);
/* Send an ICMP error about @p m (BORROWED, data at its IPv4 header) back to its LAN sender. */
void gw_icmp_to_lan(struct gw_worker *gwk, struct ft_worker *w, const struct rte_mbuf *m,
		    uint8_t type, uint8_t code, uint16_t mtu);
/* Post @p ev to the control thread; counted when the ring is full. Any worker. */
void gw_event_post(struct gw_worker *gwk, const struct gw_event *ev);

/* rx.c: worker 0 sends what the control thread queued on ctrl_tx. */
void gw_ctrl_tx_drain(struct gw_worker *gwk, struct ft_worker *w);

/* session.c: the control channel (control thread; create/destroy: main thread). */
int gw_server_create(struct gw *gw);
void gw_server_destroy(struct gw *gw);
/* Take the control packets the workers queued; retransmit, time out handshakes. */
void gw_server_poll(struct gw *gw);
/* TLS client peer @p pi is to go (ping-restart, OCC EXIT): its session closes and the peer
 * is removed (client_peer.c); @p why is logged. Control thread. */
void gw_server_peer_gone(struct gw_server *srv, struct gw_peer_info *pi, const char *why);
/* Add the control channel's counters (tls_*, cookie_replies, ctrl_<drop reason>) to @p d;
 * nothing without a `server` group. Telemetry thread. */
struct rte_tel_data;
void gw_server_tel(const struct gw *gw, struct rte_tel_data *d);

/* ctrl.c: the control thread. */
int gw_ctrl_start(struct gw *gw);
void gw_ctrl_stop(struct gw *gw);

/* status.c: write the OpenVPN status file (status-version 2) now. Control thread. */
int gw_status_write(struct gw *gw, const char *path);

/* telemetry.c: /ovpn_gw/stats, /ovpn_gw/peers, /ovpn_gw/drops; final counters. */
int gw_telemetry_register(struct gw *gw);
void gw_telemetry_unregister(void);
void gw_stats_sum(const struct gw *gw, struct gw_stats *out, struct ovpn_data_stats *data);
void gw_print_summary(const struct gw *gw, FILE *f);
const char *gw_drop_reason_name(enum gw_drop_reason r);

#endif /* FT_APPS_OVPN_GW_GW_H */
