/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The OpenVPN control-channel reliability layer for one key state (one
 * key_id of one session): msg-pid sequencing, acks, retransmission, in-order
 * delivery, and the byte-stream boundary to TLS. Semantics of OpenVPN 2.6
 * reliable.c and its callers in ssl.c (openvpn-protocol.md §1.5, §1.6):
 *
 *   TLS out-BIO --ovpn_reliable_tx_write()--> send window (6 packets) --+
 *                (cut into P_CONTROL_V1 payloads of tls-mtu size)       |
 *                                                ovpn_reliable_output() +--> wire
 *                                                (due packet + <= 4 acks,
 *                                                 else P_ACK_V1, <= 8 acks)
 *   wire --ovpn_ctrl_parse()--> ovpn_reliable_input()
 *                (purge acked, store msg-pid in [next, next + 12), ack it)
 *        --ovpn_reliable_rx_read()--> TLS in-BIO   (payload bytes in msg-pid order)
 *
 * Time is passed in (microseconds, any epoch) so tests drive a fake clock.
 * The caller owns the memory (init/fini pattern, no allocation) and runs it
 * from the control thread only; nothing here is thread-safe.
 *
 * Not here: wire bytes and wrapping (ctrl_proto.h), the session (which key
 * state a packet belongs to, address checks, hand-window deadline, soft
 * reset and lame duck), TLS itself (tls.c), the stateless first exchange
 * (cookie.h; ovpn_reliable_skip_reset() continues after it).
 */
#ifndef FT_OVPN_RELIABLE_H
#define FT_OVPN_RELIABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ovpn/ctrl_proto.h"

/* OpenVPN 2.6 constants (§1.5, §1.6; ssl_common.h, reliable.h). */
#define OVPN_RELIABLE_SEND_WINDOW	6	/* TLS_RELIABLE_N_SEND_BUFFERS */
#define OVPN_RELIABLE_SEND_MAX		12	/* RELIABLE_CAPACITY */
#define OVPN_RELIABLE_RECV_WINDOW	12	/* TLS_RELIABLE_N_REC_BUFFERS */
#define OVPN_RELIABLE_FAST_RETRANSMIT	3	/* N_ACK_RETRANSMIT */
#define OVPN_RELIABLE_TIMEOUT_US	2000000u	/* --tls-timeout 2 s */
/*
 * 2.6 doubles the timeout without a cap; the handshake dies at hand-window
 * (60 s) anyway. Resends at 0, 2, 6, 14, 30 s, then the next would be at 62 s:
 * with a 32 s cap the schedule inside the 60 s window is exactly 2.6's, and
 * after the handshake (PUSH, renegotiation) a lost packet is retried at least
 * every 32 s instead of after minutes.
 */
#define OVPN_RELIABLE_TIMEOUT_MAX_US	32000000u
#define OVPN_RELIABLE_TLS_MTU		1250	/* --tls-mtu, whole IP datagram */
#define OVPN_RELIABLE_IPV4_UDP_LEN	28
#define OVPN_RELIABLE_IPV6_UDP_LEN	48
#define OVPN_RELIABLE_CHUNK_MIN		16	/* 2.6's floor for a control payload */

struct ovpn_reliable_conf {
	uint64_t initial_timeout_us;	/* first retransmit timeout, > 0 */
	uint64_t max_timeout_us;	/* backoff cap, >= initial */
	uint16_t tls_mtu;		/* largest control datagram incl. IP + UDP */
	uint16_t ip_udp_len;		/* 28 (IPv4) or 48 (IPv6) */
	uint8_t send_window;		/* packets in flight, 1..OVPN_RELIABLE_SEND_MAX */
	struct ovpn_ctrl_wrap wrap;	/* only its per-packet overhead is used */
};

/* Fill 2.6's defaults: 2 s doubling to 32 s, tls-mtu 1250 over IPv4, window 6, no wrap. */
void
ovpn_reliable_conf_init(struct ovpn_reliable_conf *c);

/* One sent, not yet acknowledged packet. */
struct ovpn_reliable_tx {
	uint64_t next_try_us;		/* due when now >= this (0 right after queueing) */
	uint64_t timeout_us;		/* wait after the next send */
	uint32_t msg_pid;
	uint32_t n_acks;		/* acks for later msg-pids since the last send */
	uint32_t sends;
	uint16_t len;
	uint8_t opcode;
	bool active;
	uint8_t data[OVPN_CTRL_PAYLOAD_MAX];
};

/* One received packet waiting for its turn (or for TLS to read it). */
struct ovpn_reliable_rx {
	uint32_t msg_pid;
	uint16_t len;
	uint8_t opcode;
	bool active;
	uint8_t data[OVPN_CTRL_PAYLOAD_MAX];
};

struct ovpn_ack_list {
	uint8_t n;
	uint32_t pid[OVPN_CTRL_ACKS_MAX];
};

struct ovpn_reliable_stats {
	uint64_t tx_pkts;		/* first transmissions of msg-pid packets */
	uint64_t tx_retransmits;	/* later ones (timer or fast) */
	uint64_t tx_fast_retransmits;	/* sent early after 3 acks for later msg-pids */
	uint64_t tx_ack_pkts;		/* standalone P_ACK_V1 */
	uint64_t rx_pkts;		/* msg-pid packets stored for delivery */
	uint64_t rx_dups;		/* duplicates (acked again, dropped) */
	uint64_t rx_ack_full;		/* stored but not acked: 8 acks already pending */
};

struct ovpn_reliable {
	struct ovpn_reliable_conf conf;
	uint16_t chunk;			/* TLS bytes per P_CONTROL_V1 */
	uint16_t rx_off;		/* bytes of msg-pid rx_next already read */
	uint8_t key_id;
	bool peer_known;		/* false until the first packet (client side) */
	struct ovpn_sid own;
	struct ovpn_sid peer;
	uint32_t tx_next;		/* msg-pid of the next new packet */
	uint32_t rx_next;		/* next msg-pid to hand to TLS */
	struct ovpn_ack_list ack;	/* received, not acked yet (rec_ack) */
	struct ovpn_ack_list mru;	/* acked recently, repeated while room (lru_acks) */
	struct ovpn_reliable_stats stats;
	struct ovpn_reliable_tx tx[OVPN_RELIABLE_SEND_MAX];	/* [msg_pid % send_window] */
	struct ovpn_reliable_rx rx[OVPN_RELIABLE_RECV_WINDOW];	/* [msg_pid % 12] */
};

/*
 * Initialise @p r for key @p key_id with our session id @p own and the peer's
 * @p peer (NULL: learnt from the first accepted packet, as a client learns the
 * server's). Both msg-pid sequences start at 0, the reset packet's. Returns 0,
 * or -EINVAL for a bad conf (timeouts, window, wrap, or a tls-mtu that leaves
 * less than OVPN_RELIABLE_CHUNK_MIN payload bytes) or an undefined sid.
 */
int
ovpn_reliable_init(struct ovpn_reliable *r, const struct ovpn_reliable_conf *conf,
		   uint8_t key_id, const struct ovpn_sid *own, const struct ovpn_sid *peer);

/*
 * Continue after the stateless cookie exchange (§2.6 step 3,
 * session_skip_to_pre_start()): both resets (msg-pid 0) are done, so the next
 * rx msg-pid is 1 and the next tx msg-pid is 1. Call right after init.
 */
void
ovpn_reliable_skip_reset(struct ovpn_reliable *r);

/*
 * Process one parsed control packet addressed to this key state. In order:
 * key_id and sender sid must match; a non-empty ack block must name our sid;
 * acked packets leave the send window (later-pid acks count towards fast
 * retransmit; acks for purged ids are ignored); a msg-pid in
 * [rx_next, rx_next + 12) is stored and acked, an older one is acked again
 * and dropped. Returns OVPN_CTRL_OK, OVPN_CTRL_DROP_DUPLICATE (acked, not
 * stored: count it, it is not an error), or the drop reason. As in 2.6, the
 * acks of a packet dropped for its msg-pid (BEYOND_WINDOW) still count.
 * Copies the payload; @p m is borrowed.
 */
enum ovpn_ctrl_drop
ovpn_reliable_input(struct ovpn_reliable *r, const struct ovpn_ctrl_msg *m);

/*
 * Copy up to @p cap received TLS bytes, in msg-pid order, into @p out (for
 * the TLS in-BIO); packets may be read across calls. Reset packets in the
 * sequence carry no TLS bytes and are consumed silently. Returns the count.
 */
size_t
ovpn_reliable_rx_read(struct ovpn_reliable *r, uint8_t *out, size_t cap);

/* Bytes ovpn_reliable_rx_read() would return with an unlimited @p cap. */
size_t
ovpn_reliable_rx_readable(const struct ovpn_reliable *r);

/*
 * TLS bytes the send window takes now: free sequenced slots x chunk. A slot
 * only frees up when every older packet is acked too (2.6
 * reliable_get_num_output_sequenced_available()).
 */
size_t
ovpn_reliable_tx_space(const struct ovpn_reliable *r);

/*
 * Queue up to @p len bytes of TLS ciphertext as P_CONTROL_V1 packets of at
 * most r->chunk bytes, each due at once. Returns the bytes taken
 * (< len when the window is full: leave the rest in the TLS out-BIO).
 */
size_t
ovpn_reliable_tx_write(struct ovpn_reliable *r, const uint8_t *p, size_t len,
		       uint64_t now_us);

/*
 * Queue one packet with opcode @p opcode (a reset, or P_CONTROL_V1) and
 * payload @p p / @p len (may be empty for resets). Returns 0, -EINVAL
 * (P_ACK_V1, or an empty P_CONTROL_V1), -EMSGSIZE (len > r->chunk) or
 * -ENOSPC (window full).
 */
int
ovpn_reliable_tx_queue(struct ovpn_reliable *r, uint8_t opcode, const uint8_t *p,
		       uint16_t len, uint64_t now_us);

/* True once our packet @p msg_pid was sent and acked (e.g. 0: our reset). */
bool
ovpn_reliable_tx_is_acked(const struct ovpn_reliable *r, uint32_t msg_pid);

/* Packets in the send window (sent or due, not acked). */
unsigned int
ovpn_reliable_tx_inflight(const struct ovpn_reliable *r);

/* Make every unacked packet due now with the initial timeout (reliable_schedule_now()). */
void
ovpn_reliable_schedule_now(struct ovpn_reliable *r, uint64_t now_us);

/*
 * The next packet to put on the wire at @p now_us, into @p m: the due packet
 * with the lowest msg-pid (timer expired, or 3 acks seen for later ones),
 * with up to 4 acks piggybacked; otherwise, if acks are pending, a P_ACK_V1
 * with up to 8. Acks come from the pending list first, then recently sent
 * ones fill the room (reliable_ack_write(), copy_acks_to_mru()). A sent
 * packet's next try is now + timeout, and the timeout doubles up to the cap.
 * Returns false when nothing is due. m->payload borrows @p r until the next
 * call that changes @p r. Call in a loop until false.
 */
bool
ovpn_reliable_output(struct ovpn_reliable *r, uint64_t now_us, struct ovpn_ctrl_msg *m);

/*
 * When ovpn_reliable_output() has something next (absolute, like now_us): a
 * value <= now means at once (0 when acks are pending), UINT64_MAX nothing queued.
 */
uint64_t
ovpn_reliable_next_event_us(const struct ovpn_reliable *r);

#endif /* FT_OVPN_RELIABLE_H */
