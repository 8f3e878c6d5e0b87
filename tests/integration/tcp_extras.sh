#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# TCP features that need a particular setup, against the Linux kernel over a tap:
#  1. SYN cookies (RFC 4987): with a listen queue of 1, 200 simultaneous connections all
#     complete, most of them through cookies, and all echo correctly.
#  2. Keepalive (RFC 1122 4.2.3.6): an idle connection is probed and kept while Linux answers;
#     when the namespace drops the probes, the stack resets it after `count` probes.
#  3. Path MTU discovery (RFC 1191): fasttcp-httpd behind a Linux router whose next link has a
#     1200-byte MTU, the client announcing MSS 1460: the router's frag-needed errors lower the
#     stack's MSS and the download completes intact without a retransmission timeout.
#  4. TIME_WAIT reuse (RFC 6191): a newer SYN from the same port replaces a TIME_WAIT block.
#  5. The socket facade with its epoll-like wait, through the echo's "sockets" mode.
. "$(dirname "$0")/lib.sh"
ft_init tcp_extras

UID_=$(ft_uid)
IF=ftx$UID_
NS=ftx-ns$UID_
CL=ftx-cl$UID_
ECHO_PFX=ftx-e$UID_
HTTP_PFX=ftx-h$UID_
EAL=(--no-huge -m 512 --no-pci -l 0)
HTTPD=$FT_BUILD/apps/fasttcp-httpd/fasttcp-httpd

nsx() { ip netns exec "$NS" "$@"; }

# attach_tap: move the app's tap into $NS as 198.51.100.2/24.
attach_tap() {
	wait_for_iface "$IF" || return 1
	ip link set "$IF" netns "$NS" &&
		ip -n "$NS" addr add 198.51.100.2/24 dev "$IF" &&
		ip -n "$NS" link set "$IF" txqueuelen 10000 up
}

make_netns "$NS"
ip -n "$NS" link set lo up

cat >"$FT_RUN_DIR/echo.conf" <<CONF
stack = {
	tcp = { syn_backlog = 1; };
	ports = ({ name = "lan0"; type = "tap"; iface = "$IF"; address = "198.51.100.1/24";
		   mac = "02:00:00:00:64:01"; });
};
echo = { tcp_port = 7; keepalive_idle_s = 1; keepalive_intvl_s = 1; keepalive_count = 3; };
CONF
if ! start_app "$ECHO_PFX" "$FT_RUN_DIR/echo.conf" "${EAL[@]}" || ! attach_tap; then
	not_ok "fasttcp-echo starts on tap $IF"
	ft_finish
fi
ok "fasttcp-echo starts on tap $IF (syn_backlog 1, keepalive 1 s / 1 s / 3)"

# 1. SYN cookies. A SYN from an address nobody answers for (198.51.100.99: ARP fails, the
# SYN-ACK never leaves) holds the one SYN-queue slot (syn_backlog 1) in SYN-RECEIVED, so every
# one of the 200 connections that follow must come from a cookie, whatever their timing.
nsx "$FT_PY" -c 'from scapy.all import IP, TCP, send
send(IP(src="198.51.100.99", dst="198.51.100.1") / TCP(sport=40000, dport=7, flags="S",
     seq=1000), verbose=0)'
sleep 0.2
OUT=$(nsx timeout 60 "$FT_PY" "$FT_IT_DIR/tcp_manyconn.py" 198.51.100.1 7 200 2>&1)
check_eq "SYN cookies: 200 simultaneous connections all echoed ($OUT)" "200/200 echoed" "$OUT"
ST=$(telemetry "$ECHO_PFX" /fasttcp/stats)
check_cmp "SYN cookies: connections created from cookies ($(jget "$ST" tcp_syncookies_ok))" \
	"$(jget "$ST" tcp_syncookies_ok)" -ge 200
check_eq "SYN cookies: every cookie sent came back valid" "$(jget "$ST" tcp_syncookies_sent)" \
	"$(jget "$ST" tcp_syncookies_ok)"
# The held slot is released by a RST with the exact next sequence number (RFC 5961 §3.2).
nsx "$FT_PY" -c 'from scapy.all import IP, TCP, send
send(IP(src="198.51.100.99", dst="198.51.100.1") / TCP(sport=40000, dport=7, flags="R",
     seq=1001), verbose=0)'

# 2. Keepalive: answered probes keep the connection; dropped probes end it.
K0=$(counter "$ECHO_PFX" /fasttcp/stats tcp_keepalive)
OUT=$(nsx timeout 20 "$FT_PY" "$FT_IT_DIR/tcp_hold.py" 198.51.100.1 7 4 2>&1)
K1=$(counter "$ECHO_PFX" /fasttcp/stats tcp_keepalive)
check_eq "keepalive: idle 4 s with Linux answering the probes: connection alive" alive "$OUT"
check_cmp "keepalive: probes were sent while idle ($K0 -> $K1)" "$K1" -gt "$K0"
# Drop what the stack sends to this connection (its probes) in the namespace: Linux never
# answers, so after 1 s idle + 3 probes 1 s apart the stack must reset the connection.
C0=$(counter "$ECHO_PFX" /fasttcp/stats tcp_closed)
K0=$(counter "$ECHO_PFX" /fasttcp/stats tcp_keepalive)
nsx timeout 20 "$FT_PY" "$FT_IT_DIR/tcp_hold.py" 198.51.100.1 7 9 >"$FT_RUN_DIR/hold.out" 2>&1 &
HOLD=$!
sleep 0.5
nsx nft -f - <<NFT
table inet ftka {
	chain in {
		type filter hook input priority 0;
		ip saddr 198.51.100.1 tcp sport 7 drop
	}
}
NFT
check_eq "keepalive: nft drop rule installed in the namespace" 0 "$?"
sleep 7
CONNS=$(counter "$ECHO_PFX" /fasttcp/stats tcp_conns)
C1=$(counter "$ECHO_PFX" /fasttcp/stats tcp_closed)
K1=$(counter "$ECHO_PFX" /fasttcp/stats tcp_keepalive)
check_eq "keepalive: unanswered probes: the stack dropped the connection (tcp_conns)" 0 "$CONNS"
check_eq "keepalive: closed while the client still held it ($C0 -> $C1 closed)" $((C0 + 1)) "$C1"
check_eq "keepalive: exactly 3 probes before giving up ($K0 -> $K1)" $((K0 + 3)) "$K1"
nsx nft delete table inet ftka 2>/dev/null
wait "$HOLD"
check_eq "keepalive: the Linux side finds the connection reset" reset "$(cat "$FT_RUN_DIR/hold.out")"
stop_app "$ECHO_PFX"

# 3. Path MTU discovery through a Linux router with a 1200-byte next link.
cat >"$FT_RUN_DIR/httpd.conf" <<CONF
stack = {
	ports = ({ name = "lan0"; type = "tap"; iface = "$IF"; address = "198.51.100.1/24";
		   gateway = "198.51.100.2"; mac = "02:00:00:00:64:01"; });
};
httpd = { port = 80; };
CONF
if ! FT_APP=$HTTPD start_app "$HTTP_PFX" "$FT_RUN_DIR/httpd.conf" "${EAL[@]}" || ! attach_tap; then
	not_ok "fasttcp-httpd starts on tap $IF"
	ft_finish
fi
make_netns "$CL"
ip link add "r$UID_" netns "$NS" type veth peer name "c$UID_" netns "$CL"
ip -n "$NS" addr add 203.0.113.1/24 dev "r$UID_"
ip -n "$CL" addr add 203.0.113.2/24 dev "c$UID_"
ip -n "$NS" link set "r$UID_" mtu 1200 up
ip -n "$CL" link set "c$UID_" mtu 1200 up
ip -n "$CL" link set lo up
nsx sysctl -qw net.ipv4.ip_forward=1
# The client claims MSS 1460 (as if its own link were 1500) so the stack starts too big.
ip -n "$CL" route add default via 203.0.113.1 advmss 1460
WANT=$("$FT_PY" "$FT_IT_DIR/tcp_body_sha.py" 10000000)
GOT=$(ip netns exec "$CL" timeout 60 curl -s http://198.51.100.1/bytes/10000000 | sha256sum | cut -d' ' -f1)
check_eq "PMTU: 10 MB through the 1200-byte link intact (SHA-256)" "$WANT" "$GOT"
ST=$(telemetry "$HTTP_PFX" /fasttcp/stats)
check_cmp "PMTU: frag-needed received ($(jget "$ST" icmp_err_rx))" "$(jget "$ST" icmp_err_rx)" -gt 0
check_cmp "PMTU: send MSS lowered ($(jget "$ST" tcp_pmtu_updates))" "$(jget "$ST" tcp_pmtu_updates)" -ge 1
check_eq "PMTU: no retransmission timeout was needed" 0 "$(jget "$ST" tcp_rto)"

# 4. TIME_WAIT reuse (RFC 6191): HTTP/1.0, the server closes first and keeps TIME_WAIT; a new
#    SYN from the same port with a higher timestamp replaces it.
OUT=$(nsx timeout 30 "$FT_PY" "$FT_IT_DIR/tcp_twreuse.py" 198.51.100.1 198.51.100.2 2>&1)
check_eq "TIME_WAIT reuse: 3 requests from one source port all answered" 3 "$OUT"
check_eq "TIME_WAIT reuse: 2 TIME_WAIT blocks replaced by newer SYNs" 2 \
	"$(counter "$HTTP_PFX" /fasttcp/stats tcp_time_wait_reused)"
stop_app "$HTTP_PFX"

# 5. The socket facade (ft_socket.h + ft_epoll_wait): the echo written as a ported
#    BSD-sockets server serves 300 simultaneous connections and a 64 MiB bulk echo.
SOCK_PFX=ftx-s$UID_
cat >"$FT_RUN_DIR/sock.conf" <<CONF
stack = {
	ports = ({ name = "lan0"; type = "tap"; iface = "$IF"; address = "198.51.100.1/24";
		   mac = "02:00:00:00:64:01"; });
};
echo = { tcp_port = 7; tcp_api = "sockets"; };
CONF
if ! start_app "$SOCK_PFX" "$FT_RUN_DIR/sock.conf" "${EAL[@]}" || ! attach_tap; then
	not_ok "fasttcp-echo (socket facade) starts"
	ft_finish
fi
OUT=$(nsx timeout 60 "$FT_PY" "$FT_IT_DIR/tcp_manyconn.py" 198.51.100.1 7 300 2>&1)
check_eq "socket facade: 300 simultaneous connections echoed ($OUT)" "300/300 echoed" "$OUT"
OUT=$(nsx timeout 120 "$FT_PY" "$FT_IT_DIR/tcp_bulk_echo.py" 198.51.100.1 7 67108864 2>&1)
check_eq "socket facade: 64 MiB echoed intact, both directions at once" "match 67108864" "$OUT"
check_eq "socket facade: no connection left" 0 "$(counter "$SOCK_PFX" /fasttcp/stats tcp_conns)"
stop_app "$SOCK_PFX"
ft_finish
