/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Counters: every dropped packet is counted under exactly one reason, per worker.
 * Snapshots are summed over workers on read (ft_stack_stats_get()) and exposed through
 * DPDK telemetry as /fasttcp/stats and /fasttcp/drops.
 */
#ifndef FT_STATS_H
#define FT_STATS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X(enum suffix, telemetry name, description) */
#define FT_DROP_REASONS(X) \
	X(ETH_SHORT, "eth_short", "frame shorter than an Ethernet header") \
	X(ETH_NOT_US, "eth_not_us", "destination MAC is not ours, broadcast or multicast") \
	X(ETH_TYPE, "eth_type", "ethertype not handled (not IPv4 or ARP)") \
	X(ETH_VLAN, "eth_vlan", "VLAN-tagged frame (no VLAN configured)") \
	X(ARP_MALFORMED, "arp_malformed", "ARP too short, or bad htype/ptype/hlen/plen/op") \
	X(ARP_NOT_US, "arp_not_us", "ARP for an address that is not ours") \
	X(ARP_BAD_SENDER, "arp_bad_sender", "ARP sender is broadcast, multicast or our own address") \
	X(ARP_QUEUE_FULL, "arp_queue_full", "packet waiting for ARP: per-next-hop queue full") \
	X(ARP_CACHE_FULL, "arp_cache_full", "no ARP cache slot for a new next hop") \
	X(ARP_UNRESOLVED, "arp_unresolved", "next hop did not answer ARP; queued packet dropped") \
	X(IP_SHORT, "ip_short", "frame shorter than an IPv4 header") \
	X(IP_VERSION, "ip_version", "IP version is not 4") \
	X(IP_IHL, "ip_ihl", "IPv4 header length below 20 or beyond the packet") \
	X(IP_LEN, "ip_len", "IPv4 total length below IHL or beyond the frame") \
	X(IP_CSUM, "ip_csum", "bad IPv4 header checksum") \
	X(IP_TTL, "ip_ttl", "IPv4 TTL is zero") \
	X(IP_BAD_SRC, "ip_bad_src", "source is multicast, broadcast, loopback or ours") \
	X(IP_NOT_US, "ip_not_us", "destination is not a local address (no forwarding)") \
	X(IP_PULLUP, "ip_pullup", "reassembled datagram whose L4 header is not contiguous") \
	X(IP_PROTO, "ip_proto", "IP protocol not handled (ICMP protocol unreachable sent)") \
	X(FRAG_BAD, "frag_bad", "fragment with bad offset/length (beyond 65535, unaligned MF)") \
	X(FRAG_OVERLAP, "frag_overlap", "overlapping fragment: whole datagram discarded") \
	X(FRAG_DUP, "frag_dup", "exact duplicate fragment") \
	X(FRAG_TOO_MANY, "frag_too_many", "datagram has too many fragments: discarded") \
	X(FRAG_TABLE_FULL, "frag_table_full", "reassembly table full") \
	X(FRAG_TIMEOUT, "frag_timeout", "fragment of a datagram that never completed") \
	X(ICMP_SHORT, "icmp_short", "ICMP shorter than its header") \
	X(ICMP_CSUM, "icmp_csum", "bad ICMP checksum") \
	X(ICMP_TYPE, "icmp_type", "ICMP type not handled") \
	X(ICMP_RATELIMIT, "icmp_ratelimit", "ICMP error suppressed by the rate limit") \
	X(UDP_SHORT, "udp_short", "UDP shorter than its header") \
	X(UDP_LEN, "udp_len", "UDP length field disagrees with the IP payload") \
	X(UDP_CSUM, "udp_csum", "bad UDP checksum") \
	X(UDP_NO_PORT, "udp_no_port", "UDP to a closed port (ICMP port unreachable sent)") \
	X(TCP_SHORT, "tcp_short", "TCP shorter than its header") \
	X(TCP_DOFF, "tcp_doff", "TCP data offset below 5 or beyond the segment") \
	X(TCP_CSUM, "tcp_csum", "bad TCP checksum") \
	X(TCP_OPTS, "tcp_opts", "malformed TCP options (length 0/1, past the header, bad size)") \
	X(TCP_FLAGS, "tcp_flags", "invalid flag combination (SYN+FIN, SYN+RST, no flags)") \
	X(TCP_BCAST, "tcp_bcast", "TCP to a broadcast address") \
	X(TCP_NO_CONN, "tcp_no_conn", "segment for no connection or listener (RST sent)") \
	X(TCP_OUT_OF_WINDOW, "tcp_out_of_window", "unacceptable sequence number (ACK sent)") \
	X(TCP_PAWS, "tcp_paws", "timestamp older than the last one (PAWS, RFC 7323 5)") \
	X(TCP_RST_INVALID, "tcp_rst_invalid", "RST not exactly at rcv_nxt (challenge ACK, RFC 5961 3)") \
	X(TCP_SYN_SYNC, "tcp_syn_sync", "SYN on a synchronized connection (challenge ACK, RFC 5961 4)") \
	X(TCP_ACK_INVALID, "tcp_ack_invalid", "ACK of unsent data or too old (RFC 5961 5)") \
	X(TCP_NO_ACK, "tcp_no_ack", "segment without ACK on a synchronized connection") \
	X(TCP_CONN_FULL, "tcp_conn_full", "no connection block free") \
	X(TCP_OOO_FULL, "tcp_ooo_full", "out-of-order queue full") \
	X(TCP_RCV_CLOSED, "tcp_rcv_closed", "data after the application closed (RST sent)") \
	X(TCP_DUP, "tcp_dup", "segment entirely old (duplicate; D-SACK reported)") \
	X(TCP_BAD_SYNACK, "tcp_bad_synack", "SYN-ACK acknowledging the wrong sequence (RST sent)") \
	X(NO_ROUTE, "no_route", "no route to the destination") \
	X(NO_MBUF, "no_mbuf", "mbuf pool exhausted") \
	X(TOO_BIG, "too_big", "packet larger than the port MTU and DF set") \
	X(TX_FULL, "tx_full", "transmit queue full") \
	X(STEER_FULL, "steer_full", "software steering: the owning worker's hand-off ring full")

/** Why a packet was dropped. */
enum ft_drop_reason {
#define FT_X_ENUM(e, n, d) FT_DROP_##e,
	FT_DROP_REASONS(FT_X_ENUM)
#undef FT_X_ENUM
	FT_DROP_MAX
};

/* X(field, description): non-drop event counters. */
#define FT_EVENT_COUNTERS(X) \
	X(rx_pkts, "frames received") \
	X(tx_pkts, "frames handed to the device") \
	X(rx_bytes, "bytes received") \
	X(tx_bytes, "bytes handed to the device") \
	X(arp_req_rx, "ARP requests received") \
	X(arp_reply_rx, "ARP replies received") \
	X(arp_req_tx, "ARP requests sent (resolution and gratuitous)") \
	X(arp_reply_tx, "ARP replies sent") \
	X(ip_rx, "IPv4 packets accepted") \
	X(ip_tx, "IPv4 packets sent") \
	X(ip_frags_rx, "IPv4 fragments received") \
	X(ip_reassembled, "IPv4 datagrams reassembled") \
	X(ip_frags_tx, "IPv4 fragments sent") \
	X(ip_fwd_rx, "IPv4 packets not for us handed to a forward hook (ft_ip4.h)") \
	X(icmp_echo_rx, "ICMP echo requests answered") \
	X(icmp_echo_reply_rx, "ICMP echo replies received") \
	X(icmp_err_tx, "ICMP errors sent") \
	X(icmp_err_rx, "ICMP errors received") \
	X(udp_rx, "UDP datagrams delivered") \
	X(udp_tx, "UDP datagrams sent") \
	X(tcp_segs_rx, "TCP segments received") \
	X(tcp_segs_tx, "TCP segments sent") \
	X(tcp_bytes_rx, "TCP payload bytes received in order") \
	X(tcp_bytes_tx, "TCP payload bytes sent (retransmissions included)") \
	X(tcp_accepted, "passive opens completed") \
	X(tcp_connected, "active opens completed") \
	X(tcp_closed, "connections ended (all reasons)") \
	X(tcp_conns, "connection blocks in use (gauge)") \
	X(tcp_time_wait, "connections in TIME_WAIT (gauge)") \
	X(tcp_time_wait_reused, "TIME_WAIT blocks replaced by a newer SYN (RFC 6191)") \
	X(tcp_rst_tx, "RSTs sent") \
	X(tcp_rst_rx, "connections reset by the peer") \
	X(tcp_rexmt_bytes, "bytes retransmitted") \
	X(tcp_rto, "retransmission timeouts") \
	X(tcp_fast_rexmt, "fast recoveries entered (RACK loss or 3 duplicate ACKs)") \
	X(tcp_rexmt_segs, "segments retransmitted (any cause)") \
	X(tcp_rack_lost, "sendmap ranges RACK declared lost (RFC 8985)") \
	X(tcp_tlp, "tail loss probes sent (RFC 8985 7)") \
	X(tcp_tlp_repaired, "tail losses repaired by a probe (congestion response taken)") \
	X(tcp_dsack_rx, "D-SACK blocks received (RFC 2883)") \
	X(tcp_undo, "congestion responses undone: every retransmission was D-SACKed") \
	X(tcp_rrr, "lost segments resent by RACK rapid recovery beyond PRR credit") \
	X(tcp_batched, "segments whose end-of-input work joined an earlier one of the burst") \
	X(tcp_sendmap_full, "sends deferred: the connection's sendmap was full") \
	X(tcp_challenge_ack, "challenge ACKs sent (RFC 5961)") \
	X(tcp_pmtu_updates, "send MSS lowered by ICMP frag-needed (RFC 1191)") \
	X(tcp_syncookies_sent, "SYN-ACKs with a SYN cookie (listen queue full)") \
	X(tcp_syncookies_ok, "connections created from a valid SYN cookie") \
	X(tcp_challenge_limited, "challenge ACKs suppressed by the rate limit") \
	X(tcp_ooo_segs, "segments queued out of order") \
	X(tcp_delack, "delayed ACKs sent by the timer") \
	X(tcp_persist, "zero-window probes sent") \
	X(tcp_keepalive, "keepalive probes sent") \
	X(tcp_accept_dropped, "socket facade: connection reset, no listening descriptor free") \
	X(tcp_tso_tx, "TSO super-segments handed to the device (each counted in tcp_segs_tx as " \
	  "the segments it becomes)") \
	X(rx_steered, "frames handed to the worker owning their flow (software steering)") \
	X(idle_sleeps, "idle back-off sleeps")

/** Counters of one worker, or their sum over all workers. */
struct ft_stats {
#define FT_X_FIELD(f, d) uint64_t f;
	FT_EVENT_COUNTERS(FT_X_FIELD)
#undef FT_X_FIELD
	uint64_t drops[FT_DROP_MAX];
};

/** Short name of a drop reason ("ip_csum"), or "unknown". Any thread. */
const char *ft_drop_reason_name(enum ft_drop_reason r);

/** One-line description of a drop reason. Any thread. */
const char *ft_drop_reason_desc(enum ft_drop_reason r);

#ifdef __cplusplus
}
#endif

#endif /* FT_STATS_H */
