#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# dpdk-ovpn-gw with static peers (issue 5), end to end on two TAP ports, Linux and a small
# Python OpenVPN data-channel client (ovpn_static_client.py, python3-cryptography) as peers:
#
#   namespace CLI 198.51.100.2 --tap-- public 198.51.100.1:1194 [dpdk-ovpn-gw] lan 203.0.113.1
#     ovpn_static_client.py tun: peer 0 (AES-128-GCM,                          |  tap
#       key_file), tun0 10.8.0.2/24 MTU 1400: kernel ping/TCP   namespace LAN 203.0.113.2
#     ovpn_static_client.py commands: peer 1 (AES-256-GCM,       udp echo :7, tcp server :5001,
#       10.8.0.3, iroute 10.9.1.0/24), peer 2 (CHACHA20-POLY1305,  default route via .1
#       10.8.0.4)
#
# Gateway: tunnel_mtu 1400, mssfix 1300, keepalive 2 s / timeout 6 s, status file every 1 s.
# Checks:
#  1. configuration errors name file:line: key and exit 2 before EAL starts; --check passes
#     on the shipped configs/dpdk-ovpn-gw.conf;
#  2. echo through the tunnel with each cipher (kernel ping over the tun bridge for peer 0,
#     the client's own ICMP for peers 1 and 2); UDP through the tunnel; echo from an iroute
#     address of peer 1 (routed both ways, accepted by RPF);
#  3. outer fragments: the public side runs at MTU 1400, so a 1400-byte inner packet (1452
#     outer bytes) is fragmented by Linux and reassembled by the stack, and the reply
#     fragmented by the stack;
#  4. LAN -> tunnel MTU: ping -M dont -s 1472 from the LAN is fragmented by the gateway to
#     tunnel_mtu and answered; ping -M do -s 1472 gets ICMP frag-needed with MTU 1400;
#  5. TCP: 4 MiB (OVPN_GW_TCP_MB) from the client namespace to the LAN server through the tun
#     bridge, SHA-256 intact, and the server saw MSS <= 1300 (clamped); mss_clamped counted;
#  6. client-to-client: peer 1 pings peer 0's VPN address (the kernel behind the tun bridge);
#  7. keepalive: the gateway's pings reach peer 1; the pings peers send are consumed;
#  8. replay (replay), tampered tag / ciphertext / AAD (auth_fail), unknown peer-id (no_peer),
#     spoofed inner source (bad_src), control packets (control_unhandled): dropped and counted;
#  9. a garbage barrage to UDP 1194 (random lengths, opcodes, peer-ids, truncated headers),
#     after which the tunnel still forwards and the gateway still runs;
# 10. status file: status-version 2 CLIENT_LIST (13 fields) and ROUTING_TABLE lines;
#     telemetry /ovpn_gw/stats, /ovpn_gw/drops, /ovpn_gw/peers; the stack's ip_fwd_rx;
# 11. peer timeout: peers 1 and 2 go silent; after keepalive_timeout_s they are reported
#     (log, peer_timeouts) while peer 0 (the bridge keeps pinging) is not;
# 12. clean shutdown on SIGTERM: exit 0, final counters printed, last status file written.
#
# Usage: tests/integration/ovpn_gw.sh   (as root; FT_BUILD must hold apps/dpdk-ovpn-gw)
# OVPN_GW_LCORES=0-1 runs the gateway with two workers (peers 0 and 2 on worker 0, peer 1 on
# worker 1: the tap has one queue that matters, so peer 1's packets take the hand-off rings).
. "$(dirname "$0")/lib.sh"
FT_APP=$FT_BUILD/apps/dpdk-ovpn-gw/dpdk-ovpn-gw
ft_init ovpn_gw

UID_=$(ft_uid)
IFP=ogp$UID_
IFL=ogl$UID_
NSC=og-c$UID_
NSL=og-l$UID_
PFX=og-$UID_
CLIENT=$FT_IT_DIR/ovpn_static_client.py
CONF=$FT_RUN_DIR/gw.conf
STATUS=$FT_RUN_DIR/status
if [ "$(nproc)" -ge 2 ]; then LCORE=1; else LCORE=0; fi
EAL=(--no-huge -m 512 --no-pci -l "${OVPN_GW_LCORES:-$LCORE}")

nsc() { ip netns exec "$NSC" "$@"; }
nsl() { ip netns exec "$NSL" "$@"; }

# bg NAME WORD CMD...: start CMD in the background (stopped by ft_finish) and wait up to 10 s
# for WORD in its log $FT_RUN_DIR/NAME.log.
bg() {
	local name=$1 word=$2 i
	shift 2
	"$@" >"$FT_RUN_DIR/$name.log" 2>&1 &
	FT_APP_PID[$name]=$!
	for ((i = 0; i < 100; i++)); do
		grep -qs "$word" "$FT_RUN_DIR/$name.log" && return 0
		kill -0 "${FT_APP_PID[$name]}" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/#   /' "$FT_RUN_DIR/$name.log"
	return 1
}

# tel CMD [KEY...]: one (nested) value of a gateway telemetry command.
tel() {
	local cmd=$1
	shift
	"$FT_PY" - "$(telemetry "$PFX" "$cmd")" "$@" <<'PY'
import json, sys
v = json.loads(sys.argv[1])
for k in sys.argv[2:]:
    v = v[k]
print(v)
PY
}

drop() { tel /ovpn_gw/drops "$1"; }

# The key2 blocks: random per run. Peer 0's goes into an OpenVPN static key file.
KEY0=$(head -c 256 /dev/urandom | od -An -v -tx1 | tr -d ' \n')
KEY1=$(head -c 256 /dev/urandom | od -An -v -tx1 | tr -d ' \n')
KEY2=$(head -c 256 /dev/urandom | od -An -v -tx1 | tr -d ' \n')
{
	echo "#"
	echo "# 2048 bit OpenVPN static key"
	echo "#"
	echo "-----BEGIN OpenVPN Static key V1-----"
	echo "$KEY0" | fold -w 32
	echo "-----END OpenVPN Static key V1-----"
} >"$FT_RUN_DIR/peer0.key"
chmod 600 "$FT_RUN_DIR/peer0.key"

cat >"$CONF" <<EOF
stack = {
	mbufs = 16383;
	tcp = { max_conns = 0; };
	reassembly = { timeout_ms = 2000; };
	ports = (
		{ name = "public"; type = "tap"; iface = "$IFP"; address = "198.51.100.1/24";
		  mac = "02:00:00:00:64:01"; mtu = 1400; },
		{ name = "lan"; type = "tap"; iface = "$IFL"; address = "203.0.113.1/24";
		  mac = "02:00:00:00:71:01"; }
	);
};
gateway = {
	tunnel_mtu = 1400;
	mssfix = 1300;
	keepalive_interval_s = 2;
	keepalive_timeout_s = 6;
	status_file = "$STATUS";
	status_interval_s = 1;
	max_peers = 64;
};
static_peers = (
	{ peer_id = 0; name = "bridge"; vpn_address = "10.8.0.2"; cipher = "AES-128-GCM";
	  key_file = "$FT_RUN_DIR/peer0.key"; },
	{ peer_id = 1; name = "aes256"; vpn_address = "10.8.0.3"; cipher = "AES-256-GCM";
	  key = "$KEY1"; iroutes = [ "10.9.1.0/24" ]; },
	{ peer_id = 2; name = "chacha"; vpn_address = "10.8.0.4"; cipher = "CHACHA20-POLY1305";
	  key = "$KEY2"; }
);
EOF

# client PEER COMMAND [ARGS...]: run ovpn_static_client.py for peer 1 or 2 in NSC (TAP lines
# counted); packet ids continue across runs through a per-peer pid file.
client() {
	local peer=$1 cmd=$2 key cipher vpn
	shift 2
	case $peer in
	1) key=$KEY1 cipher=AES-256-GCM vpn=10.8.0.3 ;;
	2) key=$KEY2 cipher=CHACHA20-POLY1305 vpn=10.8.0.4 ;;
	esac
	tap_run timeout -k 5 60 ip netns exec "$NSC" "$FT_PY" "$CLIENT" "$cmd" \
		--server 198.51.100.1:1194 --peer-id "$peer" --cipher "$cipher" --key-hex "$key" \
		--vpn-addr "$vpn" --local-port $((40000 + peer)) --pid-file "$FT_RUN_DIR/pid$peer" "$@"
}

# --- 1. configuration -------------------------------------------------------------------------
conf_err() {
	local desc=$1 sed_expr=$2 want=$3 out rc
	sed "$sed_expr" "$CONF" >"$FT_RUN_DIR/bad.conf"
	out=$("$FT_APP" -- -c "$FT_RUN_DIR/bad.conf" --check 2>&1)
	rc=$?
	if [ "$rc" -eq 2 ] && echo "$out" | grep -qE "$want"; then
		ok "config error: $desc (exit 2: $out)"
	else
		not_ok "config error: $desc" "exit $rc, wanted 2 and /$want/" "$out"
	fi
}
conf_err "unknown cipher" 's/cipher = "AES-256-GCM"/cipher = "AES-512-GCM"/' \
	'bad\.conf:[0-9]+: static_peers\.\[1\]\.cipher: "AES-512-GCM" is not valid'
conf_err "duplicate peer-id" 's/peer_id = 2;/peer_id = 1;/' \
	'bad\.conf:[0-9]+: static_peers\.\[2\]\.peer_id: 1 already used'
conf_err "short key" 's/key = "\(..\)[0-9a-f]*"/key = "\1"/' \
	'bad\.conf:[0-9]+: static_peers\.\[1\]\.key: expected 512 hex digits'
conf_err "missing key file" "s|$FT_RUN_DIR/peer0.key|/nonexistent.key|" \
	'bad\.conf:[0-9]+: static_peers\.\[0\]\.key_file: cannot open'
conf_err "unknown gateway key" 's/max_peers = 64;/max_peers = 64; mtu = 1;/' \
	'bad\.conf:[0-9]+: gateway\.mtu: unknown key'
conf_err "lan port name" 's/tunnel_mtu = 1400;/tunnel_mtu = 1400; lan_port = "eth9";/' \
	'gateway\.lan_port: no port named "eth9"'
check "the shipped configs/dpdk-ovpn-gw.conf passes --check" \
	"$FT_APP" -- -c "$FT_ROOT/configs/dpdk-ovpn-gw.conf" --check
check "the test configuration passes --check" "$FT_APP" -- -c "$CONF" --check

# --- setup --------------------------------------------------------------------------------------
register_iface "$IFP"
register_iface "$IFL"
if ! start_app "$PFX" "$CONF" "${EAL[@]}"; then
	not_ok "dpdk-ovpn-gw starts on taps $IFP (public) and $IFL (lan)"
	ft_finish
fi
ok "dpdk-ovpn-gw starts on taps $IFP (public) and $IFL (lan)"
make_netns "$NSC" || { not_ok "create namespace $NSC"; ft_finish; }
make_netns "$NSL" || { not_ok "create namespace $NSL"; ft_finish; }
if ! { wait_for_iface "$IFP" && wait_for_iface "$IFL" &&
	ip link set "$IFP" netns "$NSC" && ip link set "$IFL" netns "$NSL" &&
	nsc sysctl -qw net.ipv6.conf.all.disable_ipv6=1 &&
	nsl sysctl -qw net.ipv6.conf.all.disable_ipv6=1 &&
	ip -n "$NSC" link set "$IFP" address 02:00:00:00:64:02 mtu 1400 &&
	ip -n "$NSL" link set "$IFL" address 02:00:00:00:71:02 &&
	ip -n "$NSC" addr add 198.51.100.2/24 dev "$IFP" &&
	ip -n "$NSL" addr add 203.0.113.2/24 dev "$IFL" &&
	ip -n "$NSC" link set lo up && ip -n "$NSL" link set lo up &&
	ip -n "$NSC" link set "$IFP" up && ip -n "$NSL" link set "$IFL" up &&
	ip -n "$NSL" route add default via 203.0.113.1; }; then
	not_ok "taps moved into namespaces $NSC (198.51.100.2) and $NSL (203.0.113.2)"
	ft_finish
fi
ok "taps moved into namespaces $NSC (198.51.100.2) and $NSL (203.0.113.2)"
bg udpecho "udp echo ready" ip netns exec "$NSL" "$FT_PY" "$CLIENT" udp-echo-server --port 7 ||
	not_ok "UDP echo server in $NSL"
bg tcpsrv "tcp server ready" ip netns exec "$NSL" "$FT_PY" "$CLIENT" tcp-server --port 5001 ||
	not_ok "TCP server in $NSL"
if bg bridge "tun bridge ready" ip netns exec "$NSC" "$FT_PY" "$CLIENT" tun --tun tun0 \
	--server 198.51.100.1:1194 --peer-id 0 --cipher AES-128-GCM \
	--key-file "$FT_RUN_DIR/peer0.key" --vpn-addr 10.8.0.2 --local-port 40000 &&
	ip -n "$NSC" addr add 10.8.0.2/24 dev tun0 && ip -n "$NSC" link set tun0 mtu 1400 up &&
	ip -n "$NSC" route add 203.0.113.0/24 dev tun0; then
	ok "tun bridge for peer 0 (tun0 10.8.0.2/24, MTU 1400) in $NSC"
else
	not_ok "tun bridge for peer 0 (tun0 10.8.0.2/24, MTU 1400) in $NSC"
	ft_finish
fi

# --- 2. echo per cipher, UDP ----------------------------------------------------------------------
require_alive "$PFX" "(2)"
PING=$(nsc ping -q -c 20 -i 0.05 -W 2 203.0.113.2 2>&1)
LOSS=$(echo "$PING" | grep -o '[0-9.]*% packet loss')
diag "ping through the tun bridge: $(echo "$PING" | grep rtt)"
# The first reply may be dropped while the gateway learns the bridge's address (no_peer).
check_cmp "(2) AES-128-GCM: kernel ping through the tun bridge, 20 pings ($LOSS)" \
	"$(echo "$PING" | awk '/received/ { print $4 }')" -ge 19
client 1 echo --count 5
client 2 echo --count 5
client 1 udp --target 203.0.113.2:7 --count 20 --size 600
client 1 echo --count 2 --vpn-addr 10.9.1.5
check_cmp "(2) peers 0, 1, 2 connected (/ovpn_gw/stats peers_connected)" \
	"$(tel /ovpn_gw/stats peers_connected)" -eq 3

# --- 3. outer fragmentation and reassembly --------------------------------------------------------
# The public side runs at MTU 1400 (both ends), below the 1452-byte outer datagram of a
# 1400-byte inner packet: as with 1500-byte tunnel packets over a 1500 path (§6.4), the
# client's kernel fragments what it sends, the stack reassembles it, and the stack fragments
# the replies.
REASS0=$(counter "$PFX" /fasttcp/stats ip_reassembled)
FRAG0=$(counter "$PFX" /fasttcp/stats ip_frags_tx)
client 1 udp --target 203.0.113.2:7 --count 3 --size 1372
REASS1=$(counter "$PFX" /fasttcp/stats ip_reassembled)
FRAG1=$(counter "$PFX" /fasttcp/stats ip_frags_tx)
check_cmp "(3) outer datagrams of 1452 bytes reassembled by the stack ($REASS0 -> $REASS1)" \
	"$REASS1" -ge $((REASS0 + 3))
check_cmp "(3) the replies' outer datagrams fragmented by the stack ($FRAG0 -> $FRAG1)" \
	"$FRAG1" -ge $((FRAG0 + 6))
# 1500-byte pings from the bridge side: fragmented by the kernel to tun0's 1400 inside the
# tunnel, each piece then fragmented again outside.
PING=$(nsc ping -q -c 3 -i 0.2 -W 2 -s 1472 -M dont 203.0.113.2 2>&1)
check_eq "(3) 1500-byte pings from the bridge side (fragments inside and outside)" 3 \
	"$(echo "$PING" | awk '/received/ { print $4 }')"

# --- 4. LAN -> tunnel MTU ------------------------------------------------------------------------
require_alive "$PFX" "(4)"
IF0=$(tel /ovpn_gw/stats inner_fragmented)
PING=$(nsl ping -q -c 3 -i 0.2 -W 2 -M dont -s 1472 10.8.0.2 2>&1)
IF1=$(tel /ovpn_gw/stats inner_fragmented)
check_eq "(4) 1500-byte LAN pings without DF answered through the tunnel" 3 \
	"$(echo "$PING" | awk '/received/ { print $4 }')"
check_cmp "(4) ... fragmented by the gateway to tunnel_mtu ($IF0 -> $IF1)" "$IF1" -ge $((IF0 + 3))
FN0=$(tel /ovpn_gw/stats frag_needed_tx)
OUT=$(nsl ping -c 2 -i 0.3 -W 1 -M do -s 1472 10.8.0.2 2>&1)
FN1=$(tel /ovpn_gw/stats frag_needed_tx)
check_cmp "(4) DF ping above tunnel_mtu: ICMP frag-needed sent ($FN0 -> $FN1)" "$FN1" -gt "$FN0"
if echo "$OUT" | grep -qiE 'mtu ?= ?1400'; then
	ok "(4) the LAN host learned MTU 1400 from the gateway's frag-needed"
else
	not_ok "(4) the LAN host learned MTU 1400 from the gateway's frag-needed" "$OUT"
fi

# --- 5. TCP through the tunnel --------------------------------------------------------------------
require_alive "$PFX" "(5)"
MSS0=$(tel /ovpn_gw/stats mss_clamped)
TCP_MB=${OVPN_GW_TCP_MB:-4}
OUT=$(timeout -k 5 120 ip netns exec "$NSC" "$FT_PY" "$CLIENT" tcp-client \
	--target 203.0.113.2:5001 --bytes $((TCP_MB << 20)) 2>&1)
echo "$OUT" | grep '^#'
if echo "$OUT" | grep -q '^ok - '; then
	ok "(5) $TCP_MB MiB TCP transfer through the tunnel: $(echo "$OUT" | grep -o '[0-9.]* s')"
else
	not_ok "(5) $TCP_MB MiB TCP transfer through the tunnel" "$OUT"
fi
SMSS=$(echo "$OUT" | awk '/server_mss/ { print $3 }')
check_cmp "(5) the LAN server's MSS is within mssfix 1300 (TCP_MAXSEG $SMSS)" \
	"${SMSS:-9999}" -le 1300
check_cmp "(5) mss_clamped counted" "$(tel /ovpn_gw/stats mss_clamped)" -gt "$MSS0"

# --- 6. client to client --------------------------------------------------------------------------
T2T0=$(tel /ovpn_gw/stats tun_to_tun)
client 1 echo --target 10.8.0.2 --count 3
check_cmp "(6) client-to-client packets re-encrypted (tun_to_tun)" \
	"$(tel /ovpn_gw/stats tun_to_tun)" -ge $((T2T0 + 6))

# --- 7. keepalive ---------------------------------------------------------------------------------
PRX0=$(tel /ovpn_gw/stats rx_ping)
client 1 keepalive --wait 5
check_cmp "(7) the peers' keepalive pings consumed (rx_ping $PRX0 -> now)" \
	"$(tel /ovpn_gw/stats rx_ping)" -gt "$PRX0"
check_cmp "(7) keepalive_tx counted" "$(tel /ovpn_gw/stats keepalive_tx)" -gt 0

# --- 8. replay, tamper, unknown peer, spoofed source, control -------------------------------------
require_alive "$PFX" "(8)"
R0=$(drop replay)
client 1 replay
check_cmp "(8) replayed copies counted (replay $R0 -> $(drop replay))" \
	"$(drop replay)" -ge $((R0 + 2))
A0=$(drop auth_fail)
client 2 tamper
check_cmp "(8) tampered packets counted (auth_fail $A0 -> $(drop auth_fail))" \
	"$(drop auth_fail)" -ge $((A0 + 4))
check_cmp "(8) per-peer auth_fail in /ovpn_gw/peers,2" \
	"$(tel /ovpn_gw/peers,2 peer2 auth_fail)" -ge 4
N0=$(drop no_peer)
client 2 badpeer --count 5 --bad-id 40
client 2 badpeer --count 5 --bad-id 4000
check_cmp "(8) unknown peer-ids counted (no_peer $N0 -> $(drop no_peer))" \
	"$(drop no_peer)" -ge $((N0 + 10))
B0=$(drop bad_src)
client 2 spoof
check_cmp "(8) spoofed inner source counted (bad_src)" "$(drop bad_src)" -gt "$B0"
C0=$(drop control_unhandled)
client 2 control --count 3
check_cmp "(8) control packets counted and dropped (control_unhandled)" \
	"$(drop control_unhandled)" -ge $((C0 + 3))

# --- 9. garbage barrage ---------------------------------------------------------------------------
require_alive "$PFX" "(9)"
D0=$(tel /ovpn_gw/stats drops_total)
client 1 garbage --count 4000 --seed 5
D1=$(tel /ovpn_gw/stats drops_total)
diag "barrage drops: $((D1 - D0)) (totals: malformed $(drop malformed), no_peer" \
	"$(drop no_peer), auth_fail $(drop auth_fail), control_unhandled $(drop control_unhandled))"
check_cmp "(9) the barrage was dropped and counted" "$((D1 - D0))" -ge 3000
client 1 echo --count 3
PING=$(nsc ping -q -c 5 -i 0.1 -W 2 203.0.113.2 2>&1)
check_eq "(9) after the barrage the bridge still pings the LAN" "5" \
	"$(echo "$PING" | awk '/received/ { print $4 }')"
if app_alive "$PFX"; then
	ok "(9) the gateway still runs"
else
	not_ok "(9) the gateway still runs"
fi

# --- 10. status file and telemetry ----------------------------------------------------------------
sleep 1.5
if [ -f "$STATUS" ]; then
	diag "status file:"
	sed 's/^/#   /' "$STATUS"
fi
check_cmp "(10) status file: CLIENT_LIST lines for the 3 peers" \
	"$(grep -c '^CLIENT_LIST,' "$STATUS" 2>/dev/null)" -eq 3
check_eq "(10) status file: CLIENT_LIST has the 12 status-version 2 columns" "13" \
	"$(awk -F, '/^CLIENT_LIST,bridge,/ { print NF }' "$STATUS" 2>/dev/null)"
H="HEADER,CLIENT_LIST,Common Name,Real Address,Virtual Address,Virtual IPv6 Address"
H="$H,Bytes Received,Bytes Sent,Connected Since,Connected Since (time_t),Username,Client ID"
check "(10) status file: the status-version 2 CLIENT_LIST header" grep -qxF \
	"$H,Peer ID,Data Channel Cipher" "$STATUS"
if grep -q '^HEADER,ROUTING_TABLE,Virtual Address,Common Name,Real Address,Last Ref' "$STATUS" &&
	grep -q '^ROUTING_TABLE,10.8.0.2,bridge,198.51.100.2:40000,' "$STATUS" &&
	grep -q '^ROUTING_TABLE,10.9.1.0/24,aes256,198.51.100.2:40001,' "$STATUS" &&
	tail -n 1 "$STATUS" | grep -qx END; then
	ok "(10) status file: ROUTING_TABLE for VPN addresses and iroutes, END"
else
	not_ok "(10) status file: ROUTING_TABLE for VPN addresses and iroutes, END"
fi
for k in rx_pkts tx_pkts rx_data rx_ping tun_to_lan lan_to_tun udp_rx keepalive_tx drops_total; do
	v=$(tel /ovpn_gw/stats "$k")
	check_cmp "(10) /ovpn_gw/stats $k present and non-zero ($v)" "${v:-0}" -gt 0
done
check_eq "(10) /ovpn_gw/peers lists the bridge with its learned address" "198.51.100.2:40000" \
	"$(tel /ovpn_gw/peers peer0 remote)"
check_cmp "(10) the stack handed LAN packets to the forward hook (ip_fwd_rx)" \
	"$(counter "$PFX" /fasttcp/stats ip_fwd_rx)" -gt 0

# --- 11. peer timeout -----------------------------------------------------------------------------
diag "peers 1 and 2 now silent; waiting for keepalive_timeout_s (6 s)"
TO0=$(tel /ovpn_gw/stats peer_timeouts)
for ((i = 0; i < 100; i++)); do
	[ "$(tel /ovpn_gw/peers peer1 timed_out)" = 1 ] && break
	sleep 0.1
done
check_eq "(11) peer 1 marked timed out" 1 "$(tel /ovpn_gw/peers peer1 timed_out)"
check_cmp "(11) ... and counted (peer_timeouts $TO0 -> now)" \
	"$(tel /ovpn_gw/stats peer_timeouts)" -gt "$TO0"
check_eq "(11) peer 0 (the bridge keeps pinging) not timed out" 0 \
	"$(tel /ovpn_gw/peers peer0 timed_out)"
if grep -q 'peer 1 (aes256): timed out' "$(app_log "$PFX")"; then
	ok "(11) timeout logged"
else
	not_ok "(11) timeout logged"
fi

# --- 12. shutdown ---------------------------------------------------------------------------------
stop_app bridge
rm -f "$STATUS"
stop_app "$PFX"
check_eq "dpdk-ovpn-gw exits 0 on SIGTERM" 0 "${FT_APP_RC[$PFX]}"
LOG=$(app_log "$PFX")
if grep -q "gateway counters:" "$LOG" && grep -q "final counters:" "$LOG" &&
	grep -qE 'drop (replay|auth_fail)' "$LOG"; then
	ok "final gateway and stack counters printed"
else
	not_ok "final gateway and stack counters printed"
fi
check "the status file was written once more at exit" grep -qx END "$STATUS"
sed -n '/gateway counters:/,$p' "$LOG" | sed 's/^/#   /'
ft_finish
